// Resumable uploads with tus-js-client (vendored from npm as /vendor/tus.js,
// a UMD bundle that defines window.tus; loaded by a <script> element so CSP
// script-src 'self' allows it).
//
// Contract: upload({file, metadata, csrf, userId, onProgress, onStart,
// uploadUrl, onUrl, signal}) resolves when the server has every byte, or
// rejects with an Error whose .problem is the server's RFC 9457 problem (when
// it sent one) and .status its status (0: no answer). Interrupted uploads
// resume by themselves (retryDelays); after a reload either from uploadUrl
// (kept by ../documents-pending.js: tus asks HEAD for the offset and carries
// on; if the server no longer knows that upload, tus starts a new one from
// the file) or, without one, when the same file is chosen again (fingerprint
// kept in localStorage). onUrl(url) is called whenever tus has the upload's
// URL. signal (an AbortSignal) stops the upload: with the reason 'cancel' the
// server is told to delete it (tus termination), with any other reason it is
// only paused; either way the promise rejects with an Error whose .aborted is
// true.

let loading = null;

export function loadTus() {
	if (window.tus)
		return Promise.resolve(window.tus);
	if (!loading) {
		loading = new Promise((resolve, reject) => {
			const s = document.createElement('script');
			s.src = '/vendor/tus.js';
			s.async = true;
			s.onload = () => (window.tus ? resolve(window.tus) : reject(new Error('tus-js-client did not load')));
			s.onerror = () => {
				loading = null;
				reject(new Error('The upload component could not be loaded. Check your connection and try again.'));
			};
			document.head.appendChild(s);
		});
	}
	return loading;
}

export const ENDPOINT = '/api/v1/documents/uploads';
// Delays between automatic retries after a dropped connection (ms): about
// two minutes in all before the patient is asked to try again.
const RETRY_DELAYS = [0, 1000, 3000, 5000, 10000, 15000, 20000, 30000, 40000];

function problemOf(err) {
	const res = err && err.originalResponse;
	if (!res)
		return { status: 0, problem: null };
	let problem = null;
	try {
		problem = JSON.parse(res.getBody() || 'null');
	} catch {
		problem = null;
	}
	return { status: res.getStatus(), problem };
}

// tus keeps the URL of each upload under 'tus::<fingerprint>::<n>' in
// localStorage; once an upload resumed from its stored URL is finished, no
// entry may still point at it.
function forgetUrl(url) {
	try {
		for (let i = localStorage.length - 1; i >= 0; i--) {
			const k = localStorage.key(i);
			if (!k || !k.startsWith('tus::'))
				continue;
			let v = null;
			try {
				v = JSON.parse(localStorage.getItem(k));
			} catch {
				v = null;
			}
			if (v && v.uploadUrl === url)
				localStorage.removeItem(k);
		}
	} catch {
		// no localStorage: nothing kept
	}
}

export async function upload({ file, metadata, csrf, userId, onProgress, onStart, uploadUrl, onUrl, signal }) {
	const tus = await loadTus();
	return new Promise((resolve, reject) => {
		if (signal && signal.aborted) {
			const e = new Error('The upload was stopped.');
			e.aborted = true;
			reject(e);
			return;
		}
		const up = new tus.Upload(file, {
			endpoint: ENDPOINT,
			uploadUrl: uploadUrl || null,
			retryDelays: RETRY_DELAYS,
			chunkSize: 8 * 1024 * 1024,
			headers: { 'X-CSRF-Token': csrf },
			metadata,
			storeFingerprintForResuming: true,
			removeFingerprintOnSuccess: true,
			// Per person, file and category, so nobody resumes another's upload.
			fingerprint: (f) => Promise.resolve(['clinic-doc', userId, metadata.category, f.name, f.type,
				f.size, f.lastModified].join('|')),
			onShouldRetry: (err, retryAttempt, options) => {
				const { status } = problemOf(err);
				// Our refusals are final; network trouble, 409, 423 and 5xx are not.
				return status === 0 || status === 409 || status === 423 || status >= 500;
			},
			onProgress: (sent, total) => onProgress && onProgress(sent, total),
			onUploadUrlAvailable: () => onUrl && up.url && onUrl(up.url),
			onError: (err) => {
				const { status, problem } = problemOf(err);
				const e = new Error(problem && problem.detail || err.message);
				e.status = status;
				e.problem = problem;
				reject(e);
			},
			onSuccess: () => {
				forgetUrl(up.url);
				resolve(up.url);
			},
		});
		if (signal) {
			signal.addEventListener('abort', () => {
				const cancel = signal.reason === 'cancel';
				up.abort(cancel).catch(() => {});
				const e = new Error(cancel ? 'The upload was cancelled.' : 'The upload was stopped.');
				e.aborted = true;
				e.cancelled = cancel;
				reject(e);
			}, { once: true });
		}
		if (uploadUrl) {
			if (onStart)
				onStart(up, true);
			up.start();
			return;
		}
		const go = () => {
			if (!(signal && signal.aborted))
				up.start();
		};
		up.findPreviousUploads().then((previous) => {
			if (previous.length > 0)
				up.resumeFromPreviousUpload(previous[0]);
			if (onStart)
				onStart(up, previous.length > 0);
			go();
		}, go);
	});
}
