// The one way the portal talks to the API (docs/API.md).
//
// Contract: api() never throws. It resolves to
//   {ok: true, status, data}        for 2xx (data is null for 204), or
//   {ok: false, status, problem}    otherwise; problem is the RFC 9457 body
//                                   (or one made up for network failures),
//                                   plus retryAfter (seconds) from Retry-After.
// Unsafe methods send the newest csrf_token seen in any response body.
// A 401 "unauthenticated" problem also calls the handler set with
// onSessionEnded(), so any screen can end up back at sign-in.

let csrfToken = null;
let sessionEnded = () => {};

export function onSessionEnded(handler) {
	sessionEnded = handler;
}

export function forgetCsrf() {
	csrfToken = null;
}

export async function api(method, path, body) {
	const headers = { Accept: 'application/json, application/problem+json' };
	if (body !== undefined)
		headers['Content-Type'] = 'application/json';
	if (method !== 'GET' && method !== 'HEAD' && csrfToken)
		headers['X-CSRF-Token'] = csrfToken;
	let res;
	try {
		res = await fetch(path, {
			method,
			headers,
			credentials: 'same-origin',
			body: body === undefined ? undefined : JSON.stringify(body),
		});
	} catch {
		return {
			ok: false, status: 0,
			problem: { title: 'We could not reach the clinic', detail: 'Check your internet connection and try again.' },
		};
	}
	let data = null;
	if (res.status !== 204 && /json/.test(res.headers.get('Content-Type') || '')) {
		try {
			data = await res.json();
		} catch {
			data = null;
		}
	}
	if (data && typeof data.csrf_token === 'string')
		csrfToken = data.csrf_token;
	if (res.ok)
		return { ok: true, status: res.status, data };

	const problem = data && typeof data === 'object' ? data :
		{ title: 'Something went wrong', detail: `The server answered with status ${res.status}. Please try again.` };
	const wait = parseInt(res.headers.get('Retry-After') || '', 10);
	if (wait > 0)
		problem.retryAfter = wait;
	if (res.status === 401 && /#problem-unauthenticated$/.test(problem.type || '')) {
		csrfToken = null;
		sessionEnded(problem);
	}
	return { ok: false, status: res.status, problem };
}

// "Please wait 2 minutes and try again." from a 429 problem.
export function waitMessage(problem) {
	const s = problem.retryAfter;
	if (!s)
		return problem.detail || 'Too many attempts. Please wait a moment and try again.';
	let span;
	if (s < 90)
		span = s === 1 ? '1 second' : `${s} seconds`;
	else {
		const m = Math.ceil(s / 60);
		span = `${m} minutes`;
	}
	return `Too many attempts. Please wait ${span} and try again.`;
}
