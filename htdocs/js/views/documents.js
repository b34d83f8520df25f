// Documents: the patient's upload screen (mostly used on phones) and the
// PatientDocuments panel staff see on a patient's record (views/patients.js).
// Uploads go over tus (../documents-tus.js); several photos become one PDF in
// the browser (../documents-pdf.js). The server decides the type from the
// content and enforces the limits; the checks here only save a wasted upload.
// Each upload's file (or PDF) is kept in IndexedDB until it is finished
// (../documents-pending.js), so when this screen opens again after a reload
// it carries on by itself where it stopped.
import { useEffect, useRef, useState } from '/vendor/hooks.js';
import { api } from '../api.js';
import { html, Page, FormAlert, Status } from './ui.js';
import { upload, loadTus } from '../documents-tus.js';
import { photosToPdf } from '../documents-pdf.js';
import { savePending, setPendingUrl, removePending, pendingFor } from '../documents-pending.js';

export const CATEGORIES = [
	['medical_records_summary', 'Medical records summary', 'From your GP or hospital'],
	['identity', 'Proof of identity', 'Passport or driving licence'],
	['letter', 'Letter', 'From a doctor or specialist'],
	['other', 'Something else', ''],
];
const categoryName = (c) => (CATEGORIES.find(([k]) => k === c) || [c, c])[1];

const ACCEPT = '.pdf,.jpg,.jpeg,.png,.heic,.heif,.webp,application/pdf,image/jpeg,image/png,image/heic,image/heif,image/webp';
const ACCEPTED_WORDS = 'PDF, JPEG, PNG, HEIC or WebP';
const DEFAULT_MAX = 200 * 1024 * 1024;
// Unfinished uploads older than this are forgotten rather than carried on.
const KEEP_DAYS = 14;

export function formatSize(n) {
	if (n >= 1024 * 1024)
		return `${(n / (1024 * 1024)).toFixed(n >= 10 * 1024 * 1024 ? 0 : 1)} MB`;
	if (n >= 1024)
		return `${Math.round(n / 1024)} KB`;
	return `${n} bytes`;
}

// Quick checks before any byte is sent: a message, or null.
function precheck(file, max) {
	if (file.size === 0)
		return `“${file.name}” is empty. Please choose another file.`;
	if (file.size > max)
		return `“${file.name}” is too large (${formatSize(file.size)}). The largest file accepted is ${formatSize(max)}. ` +
			'If it is a scan, try scanning at a lower resolution or in black and white.';
	const ext = (/\.([a-z0-9]+)$/i.exec(file.name) || [])[1];
	const typeOk = /^(application\/pdf|image\/(jpeg|png|heic|heif|webp))$/.test(file.type);
	const extOk = ext && /^(pdf|jpe?g|png|heic|heif|webp)$/i.test(ext);
	if (!typeOk && !extOk)
		return `“${file.name}” is not a type of file we accept. Please choose a ${ACCEPTED_WORDS} file.`;
	return null;
}

// The largest upload the server takes (OPTIONS Tus-Max-Size), once.
let maxSizePromise = null;
function maxSize() {
	if (!maxSizePromise) {
		maxSizePromise = fetch('/api/v1/documents/uploads', { method: 'OPTIONS' })
			.then((r) => Number(r.headers.get('Tus-Max-Size')) || DEFAULT_MAX, () => DEFAULT_MAX);
	}
	return maxSizePromise;
}

// The server refused the upload for good (wrong type, too large, gone, ...):
// nothing to carry on later. Conflicts, locks, checksum mismatches, server
// errors and no answer at all (0) are worth another try.
function refusedForGood(status) {
	return status >= 400 && status < 500 && status !== 409 && status !== 423 && status !== 460 && status !== 429;
}

// The message for a failed upload, from the server's problem when there is one.
function failureMessage(err, kept) {
	const p = err.problem;
	if (err.status === 415)
		return { title: 'This type of file is not accepted', text: p && p.detail || `Please choose a ${ACCEPTED_WORDS} file.` };
	if (err.status === 413)
		return { title: p && p.title || 'The file is too large', text: p && p.detail || 'Please choose a smaller file.' };
	if (err.status === 0)
		return { title: 'The upload stopped', text: kept ?
			'We could not reach the clinic for a while. Check your connection: the upload carries on where it stopped when you open this page again.' :
			'We could not reach the clinic for a while. Check your connection and choose the same file again: it will continue where it stopped.' };
	return { title: p && p.title || 'The upload did not work', text: p && p.detail || err.message };
}

function Progress({ progress, onCancel }) {
	const bar = useRef(null);
	const pct = progress && progress.total ? Math.floor((progress.sent / progress.total) * 100) : 0;
	// Through the CSSOM: CSP (style-src 'self') refuses inline style attributes.
	useEffect(() => {
		if (bar.current)
			bar.current.style.width = `${pct}%`;
	});
	if (!progress)
		return null;
	return html`<div class="upload-progress">
		<p class="upload-progress-label" id="upload-progress-label">${progress.label}</p>
		<div class="progress" role="progressbar" aria-labelledby="upload-progress-label"
			aria-valuemin="0" aria-valuemax="100" aria-valuenow=${pct} aria-valuetext=${`${pct}%`}>
			<div class="progress-bar" ref=${bar}></div>
		</div>
		<p class="upload-progress-text" aria-hidden="true">${pct}%${progress.total ?
			` · ${formatSize(progress.sent)} of ${formatSize(progress.total)}` : ''}</p>
		${onCancel && html`<button type="button" class="button button-secondary button-small upload-cancel"
			onClick=${onCancel}>Stop this upload</button>`}
	</div>`;
}

function DocumentList({ docs, onDelete, busyId }) {
	if (!docs)
		return html`<p class="loading" role="status">Loading your documents…</p>`;
	if (docs.length === 0)
		return html`<p class="muted">No documents yet.</p>`;
	return html`<ul class="doc-list">
		${docs.map((d) => html`<li class="doc-item" key=${d.id}>
			<div class="doc-main">
				${d.status === 'ready' ?
					html`<a href=${`/api/v1/documents/${d.id}/content`} download=${d.filename} class="doc-name wrap">${d.filename}</a>` :
					html`<span class="doc-name wrap">${d.filename}</span>`}
				<span class="doc-meta">${categoryName(d.category)} · ${formatSize(d.size)} · ${(d.created_at || '').slice(0, 10)}</span>
				${d.status !== 'ready' && html`<span class="doc-meta"><span class="badge">Not finished (${Math.floor((d.received / d.size) * 100)}%)</span>
					${onDelete && ' It carries on by itself on the device you started it on; elsewhere, choose the same file again.'}</span>`}
			</div>
			${onDelete && html`<button type="button" class="button button-secondary button-small"
				disabled=${busyId === d.id} onClick=${() => onDelete(d)}
				aria-label=${`Delete ${d.filename}`}>Delete</button>`}
		</li>`)}
	</ul>`;
}

// The patient's screen.
export function Documents({ session }) {
	const [docs, setDocs] = useState(null);
	const [requests, setRequests] = useState([]);
	const [category, setCategory] = useState('');
	const [requestId, setRequestId] = useState(null);
	const [photos, setPhotos] = useState([]);
	const [progress, setProgress] = useState(null);
	const [alert, setAlert] = useState(null);
	const [done, setDone] = useState('');
	const [busy, setBusy] = useState(false);
	const [dragging, setDragging] = useState(false);
	const [deleting, setDeleting] = useState(null);
	const form = useRef(null);
	// The upload running now: {controller (AbortController), pendingId, name, size, category}.
	const active = useRef(null);
	const gone = useRef(false);
	const userId = session.user.id;

	async function refresh() {
		const [d, r] = await Promise.all([api('GET', '/api/v1/documents'), api('GET', '/api/v1/documents/requests')]);
		if (d.ok)
			setDocs(d.data.documents);
		else
			setAlert({ title: 'Your documents could not be loaded', text: d.problem.detail || d.problem.title });
		if (r.ok)
			setRequests(r.data.requests);
	}

	useEffect(() => {
		gone.current = false;
		refresh();
		loadTus().catch(() => {});	// fetch it early; errors show at upload time
		resumePending();
		// Leaving the screen pauses the upload; it carries on when the screen opens again.
		return () => {
			gone.current = true;
			if (active.current)
				active.current.controller.abort('leave');
		};
	}, []);

	// Uploads this device kept for this patient (others' are deleted): carried
	// on one after the other from where the server says they stopped.
	async function resumePending() {
		const kept = await pendingFor(userId);
		for (const rec of kept) {
			if (gone.current)
				return;
			// Long forgotten (the server drops unfinished uploads after a week): not sent unasked.
			if (!(rec.blob instanceof Blob) || Date.now() - rec.created > KEEP_DAYS * 86400000) {
				await removePending(rec.id);
				continue;
			}
			const file = rec.blob instanceof File ? rec.blob :
				new File([rec.blob], rec.name, { type: rec.type });
			setDone(`Carrying on with ${rec.name} where it stopped.`);
			await transfer({ file, name: rec.name, label: rec.name, category: rec.category,
				requestId: rec.request, pendingId: rec.id, uploadUrl: rec.uploadUrl });
		}
	}

	// Sends one file over tus with the progress bar; true once the server has
	// it all. The pending record (if any) is removed when it is finished, refused
	// for good or cancelled; otherwise it stays for the next time.
	async function transfer({ file, name, label, category: cat, requestId: req, pendingId, uploadUrl }) {
		const controller = new AbortController();
		active.current = { controller, pendingId, name, size: file.size, category: cat };
		setBusy(true);
		setProgress({ sent: 0, total: file.size,
			label: uploadUrl ? `Carrying on with ${label} where it stopped` : `Uploading ${label}` });
		const metadata = { filename: name, filetype: file.type || 'application/octet-stream', category: cat };
		if (req)
			metadata.request = String(req);
		try {
			await upload({
				file, metadata, csrf: session.csrf_token, userId, uploadUrl, signal: controller.signal,
				onUrl: (url) => setPendingUrl(pendingId, url),
				onStart: (_, resumed) => resumed && !uploadUrl &&
					setProgress((p) => ({ ...p, label: `Continuing ${label} where it stopped` })),
				onProgress: (sent, total) => setProgress((p) => ({ ...p, sent, total })),
			});
			await removePending(pendingId);
			if (gone.current)
				return true;
			setProgress((p) => ({ ...p, sent: p.total, label: `Uploaded ${label}` }));
			setDone(`${label} is uploaded. The clinic can now see it.`);
			if (req && req === requestId)
				setRequestId(null);
			await refresh();
			return true;
		} catch (err) {
			if (err.aborted) {
				if (err.cancelled) {
					await removePending(pendingId);
					setProgress(null);
					setDone(`The upload of ${label} is stopped and removed.`);
					await refresh();
				}
				return false;
			}
			if (refusedForGood(err.status))
				await removePending(pendingId);
			if (gone.current)
				return false;
			setProgress(null);
			setDone('');
			setAlert(failureMessage(err, pendingId != null && !refusedForGood(err.status)));
			await refresh();
			return false;
		} finally {
			if (active.current && active.current.controller === controller)
				active.current = null;
			if (!gone.current)
				setBusy(false);
		}
	}

	function cancelUpload() {
		if (active.current)
			active.current.controller.abort('cancel');
	}

	function forRequest(r) {
		setCategory(r.category);
		setRequestId(r.id);
		setAlert(null);
		const el = form.current && form.current.querySelector(`#cat-${r.category}`);
		if (el)
			el.focus();
	}

	// False (with the message shown) when no category is chosen yet.
	function haveCategory() {
		if (category)
			return true;
		setAlert({ title: 'Choose what the document is', text: 'Pick one of the kinds of document first, then choose the file again.' });
		const first = form.current && form.current.querySelector('input[name=category]');
		if (first)
			first.focus();
		return false;
	}

	async function send(file, label) {
		setAlert(null);
		setDone('');
		if (!haveCategory())
			return false;
		const problem = precheck(file, await maxSize());
		if (problem) {
			setAlert({ title: problem.includes('too large') ? 'The file is too large' : 'This type of file is not accepted', text: problem });
			return false;
		}
		setBusy(true);
		setProgress({ sent: 0, total: file.size, label: `Getting ${label || file.name} ready` });
		// Kept before the first byte is sent, so a reload at any moment can carry on.
		const pendingId = await savePending({ userId, blob: file, name: file.name, type: file.type,
			category, request: requestId, label: label || file.name });
		return transfer({ file, name: file.name, label: label || file.name, category, requestId, pendingId });
	}

	async function onFile(e) {
		const input = e.currentTarget;
		const file = input.files && input.files[0];
		input.value = '';
		if (file)
			await send(file);
	}

	function onPhoto(e) {
		const input = e.currentTarget;
		const files = Array.from(input.files || []);
		input.value = '';
		const bad = files.find((f) => f.type && !f.type.startsWith('image/'));
		if (bad) {
			setAlert({ title: 'That is not a photo', text: `“${bad.name}” is not an image. Use “Choose a file” for PDFs.` });
			return;
		}
		setAlert(null);
		setDone(files.length ? `Photo ${photos.length + files.length} added.` : '');
		setPhotos((p) => [...p, ...files]);
	}

	async function sendPhotos() {
		if (photos.length === 0)
			return;
		setAlert(null);
		if (!haveCategory())
			return;
		setBusy(true);
		let pdf;
		try {
			setProgress({ sent: 0, total: 0, label: 'Preparing your photos' });
			pdf = await photosToPdf(photos, (i, n) => setProgress({ sent: 0, total: 0, label: `Preparing photo ${i} of ${n}` }));
		} catch (err) {
			setBusy(false);
			setProgress(null);
			setAlert({ title: 'The photos could not be prepared', text: err.message });
			return;
		}
		setBusy(false);
		if (await send(pdf, `${photos.length} ${photos.length === 1 ? 'photo' : 'photos'} as one PDF`))
			setPhotos([]);
	}

	function onDrop(e) {
		e.preventDefault();
		setDragging(false);
		const file = e.dataTransfer && e.dataTransfer.files && e.dataTransfer.files[0];
		if (file && !busy)
			send(file);
	}

	async function onDelete(d) {
		if (!window.confirm(`Delete “${d.filename}”? The clinic will no longer see it.`))
			return;
		// An unfinished upload kept on this device must not carry on again.
		if (d.status !== 'ready') {
			const same = (x) => x.name === d.filename && x.size === d.size && x.category === d.category;
			if (active.current && same(active.current)) {
				await removePending(active.current.pendingId);
				active.current.controller.abort('leave');
			}
			for (const rec of await pendingFor(userId)) {
				if (same({ name: rec.name, size: rec.blob.size, category: rec.category }))
					await removePending(rec.id);
			}
		}
		setDeleting(d.id);
		const res = await api('DELETE', `/api/v1/documents/${d.id}`);
		setDeleting(null);
		if (res.ok)
			setDone(`${d.filename} is deleted.`);
		else
			setAlert({ title: 'The document could not be deleted', text: res.problem.detail || res.problem.title });
		await refresh();
	}

	return html`<${Page} title="Your documents">
		${requests.length > 0 && html`<section class="card doc-requests" aria-labelledby="req-h">
			<h2 id="req-h">The clinic asked you for</h2>
			<ul class="doc-list">
				${requests.map((r) => html`<li class="doc-item" key=${r.id}>
					<div class="doc-main">
						<span class="doc-name">${categoryName(r.category)}</span>
						<span class="doc-reason">${r.reason}</span>
						<span class="doc-meta">Asked on ${(r.created_at || '').slice(0, 10)}</span>
					</div>
					<button type="button" class="button button-small" onClick=${() => forRequest(r)}
						aria-pressed=${requestId === r.id ? 'true' : 'false'}>
						${requestId === r.id ? 'Selected' : 'Upload this'}</button>
				</li>`)}
			</ul>
		</section>`}

		<section class="card" aria-labelledby="up-h">
			<h2 id="up-h">Add a document</h2>
			<p class="hint">${ACCEPTED_WORDS}, up to ${formatSize(DEFAULT_MAX)}. Photos of paper documents work well: take one photo per page.</p>
			<${FormAlert} alert=${alert} />
			<${Status} text=${done} />
			<form ref=${form} onSubmit=${(e) => e.preventDefault()}>
				<fieldset class="field choices">
					<legend>What is this document?</legend>
					${CATEGORIES.map(([k, label, hint]) => html`<div class="choice" key=${k}>
						<input type="radio" id=${`cat-${k}`} name="category" value=${k} checked=${category === k}
							onChange=${() => { setCategory(k); if (requestId && k !== category) setRequestId(null); }} />
						<label for=${`cat-${k}`}>${label}${hint && html` <span class="muted">(${hint})</span>`}</label>
					</div>`)}
				</fieldset>

				<div class=${dragging ? 'dropzone dropzone-over' : 'dropzone'}
					onDragOver=${(e) => { e.preventDefault(); setDragging(true); }}
					onDragLeave=${() => setDragging(false)} onDrop=${onDrop}>
					<p class="dropzone-text">Drag a file here, or</p>
					<div class="upload-buttons">
						<input type="file" id="doc-file" class="visually-hidden" accept=${ACCEPT}
							disabled=${busy} onChange=${onFile} />
						<label for="doc-file" class=${busy ? 'button button-disabled' : 'button'}>Choose a file</label>
						<input type="file" id="doc-photo" class="visually-hidden" accept="image/*"
							capture="environment" disabled=${busy} onChange=${onPhoto} />
						<label for="doc-photo" class=${busy ? 'button button-secondary button-disabled' : 'button button-secondary'}>Take a photo</label>
					</div>
				</div>

				${photos.length > 0 && html`<div class="photo-set">
					<p><strong>${photos.length} ${photos.length === 1 ? 'photo' : 'photos'}</strong> ready to send as one document.
						Take another photo for the next page, or send them now.</p>
					<ol class="photo-list">
						${photos.map((f, i) => html`<li key=${i}>Page ${i + 1}
							<button type="button" class="link-button" onClick=${() => setPhotos((p) => p.filter((_, j) => j !== i))}
								aria-label=${`Remove page ${i + 1}`} disabled=${busy}>Remove</button></li>`)}
					</ol>
					<button type="button" class="button" onClick=${sendPhotos} disabled=${busy}>
						Send ${photos.length} ${photos.length === 1 ? 'photo' : 'photos'} as one document</button>
				</div>`}
			</form>
			<${Progress} progress=${progress} onCancel=${busy && active.current ? cancelUpload : null} />
		</section>

		<section class="card" aria-labelledby="list-h">
			<h2 id="list-h">Your uploaded documents</h2>
			<${DocumentList} docs=${docs} onDelete=${onDelete} busyId=${deleting} />
		</section>
	<//>`;
}

// Staff: a patient's documents (each read audited by the server) and asking
// the patient for a new upload with a reason they will see.
export function PatientDocuments({ patientId }) {
	const [docs, setDocs] = useState(null);
	const [requests, setRequests] = useState([]);
	const [error, setError] = useState(null);
	const [category, setCategory] = useState('other');
	const [reason, setReason] = useState('');
	const [alert, setAlert] = useState(null);
	const [done, setDone] = useState('');
	const [busy, setBusy] = useState(false);

	async function refresh() {
		const q = `?patient_id=${encodeURIComponent(patientId)}`;
		const [d, r] = await Promise.all([api('GET', `/api/v1/documents${q}`), api('GET', `/api/v1/documents/requests${q}`)]);
		if (d.ok)
			setDocs(d.data.documents);
		else
			setError(d.problem.title);
		if (r.ok)
			setRequests(r.data.requests);
	}

	useEffect(() => { refresh(); }, [patientId]);

	async function ask(e) {
		e.preventDefault();
		setAlert(null);
		setDone('');
		if (!reason.trim()) {
			setAlert({ title: null, text: 'Give a reason: the patient will see it.' });
			return;
		}
		setBusy(true);
		const res = await api('POST', '/api/v1/documents/requests', { patient_id: Number(patientId), category, reason: reason.trim() });
		setBusy(false);
		if (res.ok) {
			setReason('');
			setDone('The patient has been asked for a new upload.');
			await refresh();
		} else {
			setAlert({ title: res.problem.title, text: res.problem.detail || '' });
		}
	}

	const open = requests.filter((r) => !r.fulfilled_at);
	return html`<section class="card" aria-labelledby="pdocs-h">
		<h2 id="pdocs-h">Documents</h2>
		${error ? html`<p class="alert" role="alert">${error}</p>` : html`<${DocumentList} docs=${docs} />`}
		${open.length > 0 && html`<h3 class="h3">Waiting for the patient</h3>
			<ul class="doc-list">${open.map((r) => html`<li class="doc-item" key=${r.id}><div class="doc-main">
				<span class="doc-name">${categoryName(r.category)}</span>
				<span class="doc-reason">${r.reason}</span>
				<span class="doc-meta">Asked ${(r.created_at || '').slice(0, 10)} by ${r.requested_by}</span>
			</div></li>`)}</ul>`}
		<form onSubmit=${ask} class="doc-ask">
			<h3 class="h3">Ask for a new upload</h3>
			<${FormAlert} alert=${alert} />
			<${Status} text=${done} />
			<div class="field">
				<label for="ask-category">Kind of document</label>
				<select id="ask-category" value=${category} onChange=${(e) => setCategory(e.currentTarget.value)}>
					${CATEGORIES.map(([k, label]) => html`<option value=${k} key=${k}>${label}</option>`)}
				</select>
			</div>
			<div class="field">
				<label for="ask-reason">Reason (the patient sees this)</label>
				<textarea id="ask-reason" rows="3" maxlength="1000" value=${reason}
					onInput=${(e) => setReason(e.currentTarget.value)}></textarea>
			</div>
			<button type="submit" class="button" disabled=${busy}>Ask the patient</button>
		</form>
	</section>`;
}
