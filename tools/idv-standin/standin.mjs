#!/usr/bin/env node
// A local stand-in for the identity provider: the parts of the Onfido API
// v3.6 shape the clinic uses, so the whole identity flow runs offline (demo
// and tests). Node built-ins only.
//
//   POST /v3.6/applicants            {first_name, last_name, dob?, email?} -> 201 applicant
//   GET  /v3.6/applicants/{id}
//   POST /v3.6/workflow_runs         {workflow_id, applicant_id} -> 201 run with link.url, sdk_token
//   GET  /v3.6/workflow_runs/{id}    the run (status, output, reasons)
//
// Every API call needs "Authorization: Token token=<--token>". A request with
// an Idempotency-Key that was seen before gets the first answer again and
// creates nothing. The link is a small hosted page here (/run/{id}) where the
// "patient" picks clear, consider or declined; the stand-in then posts a
// workflow_run.completed webhook to --webhook-url, signed with
// X-SHA2-Signature = hex HMAC-SHA256(raw body, --webhook-token).
//
// For tests (loopback only, no token):
//   POST /_control/complete {workflow_run_id, result: clear|consider|declined}
//   POST /_control/mode     {mode: ok|down|error|lose_response|reject, times?, path?}
//        down: connections are dropped without an answer; error: 503;
//        lose_response: the call is done, then the connection is dropped
//        (the answer is "lost"); times: for that many calls, then ok again;
//        path: only calls to that path (e.g. /v3.6/applicants);
//        reject: 422 validation_error whose message echoes the request body
//        (as real providers' errors may echo an applicant's details).
//   POST /_control/shape    {path, fields: {...}, times?}
//        merges fields into the next `times` (default 1) successful answers to
//        that API path (e.g. /v3.6/workflow_runs): an over-long status, another
//        run's id, ... (the stored object is unchanged); {path} alone clears it.
//   GET  /_control/stats     {applicants, workflow_runs, webhooks, keys: {key: {requests, creations}}}
//   GET  /_control/keys/{key}
//
// Options: --port N (required) --host 127.0.0.1 --token T --webhook-token W
// --webhook-url URL --return-url URL --workflow-id ID --public-url URL
import { createServer, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createHmac, randomUUID, randomBytes } from 'node:crypto';

const opts = {
	port: 0, host: '127.0.0.1', token: 'standin-api-token', 'webhook-token': 'standin-webhook-token',
	'webhook-url': '', 'return-url': '', 'workflow-id': '', 'public-url': '',
};
for (let i = 2; i < process.argv.length; i++) {
	const a = process.argv[i];
	if (!a.startsWith('--') || !(a.slice(2) in opts) || i + 1 >= process.argv.length) {
		console.error(`usage: standin.mjs --port N [--${Object.keys(opts).join(' V] [--')} V]`);
		process.exit(64);
	}
	opts[a.slice(2)] = process.argv[++i];
}
const PORT = Number(opts.port);
if (!Number.isInteger(PORT) || PORT <= 0 || PORT > 65535) {
	console.error('standin: --port is required');
	process.exit(64);
}
const PUBLIC = opts['public-url'] || `http://${opts.host}:${PORT}`;
const API = '/v3.6';

const applicants = new Map();
const runs = new Map();
const keys = new Map();		// Idempotency-Key -> {path, status, body, requests, creations}
const stats = { applicants: 0, workflow_runs: 0, webhooks: 0, webhook_failures: 0 };
let mode = 'ok';
let modeTimes = 0;
let modePath = '';		// when set, the mode applies only to calls to this path
const shapes = new Map();	// path -> {fields, times}: answers reshaped for tests

function log(msg) {
	console.log(`${new Date().toISOString()} idv-standin ${msg}`);
}

function send(res, status, obj, headers = {}) {
	const body = JSON.stringify(obj);
	res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), ...headers });
	res.end(body);
}

function apiError(res, status, type, message, fields) {
	send(res, status, { error: { type, message, ...(fields ? { fields } : {}) } });
}

function readBody(req, limit = 1 << 20) {
	return new Promise((resolve, reject) => {
		const chunks = [];
		let n = 0;
		req.on('data', (c) => {
			n += c.length;
			if (n > limit) {
				reject(new Error('too large'));
				req.destroy();
			} else
				chunks.push(c);
		});
		req.on('end', () => resolve(Buffer.concat(chunks)));
		req.on('error', reject);
	});
}

function parseJson(buf) {
	if (buf.length === 0)
		return {};
	try {
		const v = JSON.parse(buf.toString('utf8'));
		return v && typeof v === 'object' && !Array.isArray(v) ? v : null;
	} catch {
		return null;
	}
}

const esc = (s) => String(s).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const now = () => new Date().toISOString();

// The run's status and output for each outcome the "patient" can pick.
const OUTCOMES = {
	clear: { status: 'approved', reasons: [], output: { result: 'clear', document_type: 'passport' } },
	consider: {
		status: 'review', reasons: ['document_image_quality_low', 'face_similarity_borderline'],
		output: { result: 'consider', document_type: 'driving_licence', breakdown: { image_integrity: 'consider', face_comparison: 'consider' } },
	},
	declined: { status: 'declined', reasons: ['document_expired'], output: { result: 'declined', document_type: 'passport' } },
};

function sign(raw) {
	return createHmac('sha256', opts['webhook-token']).update(raw).digest('hex');
}

// Posts one signed webhook; resolves to the clinic's status (0 when unreachable).
function postWebhook(raw) {
	return new Promise((resolve) => {
		if (!opts['webhook-url']) {
			resolve(0);
			return;
		}
		const url = new URL(opts['webhook-url']);
		const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
			method: 'POST',
			headers: {
				'Content-Type': 'application/json', 'Content-Length': raw.length,
				'X-SHA2-Signature': sign(raw), 'User-Agent': 'idv-standin',
			},
			rejectUnauthorized: false,
			timeout: 10000,
		}, (res) => {
			res.resume();
			res.on('end', () => resolve(res.statusCode));
		});
		req.on('error', () => resolve(0));
		req.on('timeout', () => req.destroy());
		req.end(raw);
	});
}

// Finishes a run with an outcome and tells the clinic (retrying a few times, as providers do).
async function complete(run, result) {
	const o = OUTCOMES[result];
	run.status = o.status;
	run.output = o.output;
	run.reasons = o.reasons;
	run.updated_at = now();
	const raw = Buffer.from(JSON.stringify({
		payload: {
			resource_type: 'workflow_run',
			action: 'workflow_run.completed',
			object: {
				id: run.id, status: run.status, completed_at_iso8601: run.updated_at,
				href: `${PUBLIC}${API}/workflow_runs/${run.id}`,
			},
		},
	}));
	let status = 0;
	for (let i = 0; i < 5; i++) {
		status = await postWebhook(raw);
		stats.webhooks++;
		if (status >= 200 && status < 300)
			break;
		stats.webhook_failures++;
		await new Promise((r) => setTimeout(r, 200 * 2 ** i));
	}
	log(`run ${run.id} completed ${result}; webhook answered ${status}`);
	return status;
}

function createApplicant(body) {
	const errors = {};
	for (const f of ['first_name', 'last_name'])
		if (typeof body[f] !== 'string' || body[f].length === 0)
			errors[f] = ['is required'];
	if (Object.keys(errors).length)
		return [422, { error: { type: 'validation_error', message: 'There was a validation error on this request', fields: errors } }, false];
	const a = {
		id: randomUUID(), created_at: now(), first_name: body.first_name, last_name: body.last_name,
		email: body.email ?? null, dob: body.dob ?? null, sandbox: true,
	};
	a.href = `${API}/applicants/${a.id}`;
	applicants.set(a.id, a);
	stats.applicants++;
	return [201, a, true];
}

function createRun(body) {
	const errors = {};
	if (typeof body.workflow_id !== 'string' || !body.workflow_id)
		errors.workflow_id = ['is required'];
	if (typeof body.applicant_id !== 'string' || !applicants.has(body.applicant_id))
		errors.applicant_id = ['must name an existing applicant'];
	if (opts['workflow-id'] && body.workflow_id && body.workflow_id !== opts['workflow-id'])
		errors.workflow_id = ['is not a workflow of this account'];
	if (Object.keys(errors).length)
		return [422, { error: { type: 'validation_error', message: 'There was a validation error on this request', fields: errors } }, false];
	const id = randomUUID();
	const r = {
		id, applicant_id: body.applicant_id, workflow_id: body.workflow_id, workflow_version_id: 1,
		status: 'awaiting_input', output: null, reasons: [], tags: [], created_at: now(), updated_at: now(),
		link: { url: `${PUBLIC}/run/${id}`, completed_redirect_url: opts['return-url'] || null },
		sdk_token: randomBytes(48).toString('base64url'),
		dashboard_url: `${PUBLIC}/dashboard/${id}`,
	};
	runs.set(id, r);
	stats.workflow_runs++;
	return [201, r, true];
}

async function handleApi(req, res, path) {
	const auth = req.headers.authorization || '';
	if (auth !== `Token token=${opts.token}`)
		return apiError(res, 401, 'authorization_error', 'Please provide a valid API token');
	if (mode !== 'ok' && (!modePath || modePath === path)) {
		const m = mode;
		if (modeTimes > 0 && --modeTimes === 0)
			mode = 'ok';
		if (m === 'down') {
			log(`down: dropping ${req.method} ${path}`);
			req.socket.destroy();
			return;
		}
		if (m === 'error')
			return apiError(res, 503, 'service_unavailable', 'The stand-in is set to fail');
		if (m === 'lose_response')
			res.lost = true;
		if (m === 'reject')
			res.reject = true;
	}
	let raw;
	try {
		raw = await readBody(req);
	} catch {
		return apiError(res, 413, 'request_too_large', 'Body too large');
	}
	if (res.reject)
		return apiError(res, 422, 'validation_error', `Rejected: ${raw.toString('utf8')}`);
	const body = parseJson(raw);
	if (body === null)
		return apiError(res, 400, 'bad_request', 'The body is not a JSON object');
	const key = req.headers['idempotency-key'];
	const finish = (status, obj, created) => {
		if (key) {
			let k = keys.get(key);
			if (!k) {
				k = { path: `${req.method} ${path}`, requests: 0, creations: 0, status, body: obj };
				keys.set(key, k);
			}
			k.requests++;
			if (created)
				k.creations++;
		}
		if (res.lost) {
			log(`lose_response: did ${req.method} ${path}, dropping the answer`);
			req.socket.destroy();
			return;
		}
		const sh = shapes.get(path);
		if (sh && status >= 200 && status < 300) {
			if (--sh.times <= 0)
				shapes.delete(path);
			log(`shape: ${req.method} ${path} answered with ${Object.keys(sh.fields).join(', ')} changed`);
			return send(res, status, { ...obj, ...sh.fields });
		}
		send(res, status, obj);
	};
	if (key && keys.has(key) && req.method === 'POST') {
		const k = keys.get(key);
		if (k.path !== `${req.method} ${path}`)
			return apiError(res, 409, 'idempotency_key_reused', 'This Idempotency-Key was used for another request');
		k.requests++;
		if (res.lost) {
			req.socket.destroy();
			return;
		}
		return send(res, k.status, k.body, { 'Idempotent-Replayed': 'true' });
	}
	let m;
	if (req.method === 'POST' && path === `${API}/applicants`)
		return finish(...createApplicant(body));
	if (req.method === 'POST' && path === `${API}/workflow_runs`)
		return finish(...createRun(body));
	if (req.method === 'GET' && (m = path.match(/^\/v3\.6\/applicants\/([\w-]+)$/)) && applicants.has(m[1]))
		return send(res, 200, applicants.get(m[1]));
	if (req.method === 'GET' && (m = path.match(/^\/v3\.6\/workflow_runs\/([\w-]+)$/)) && runs.has(m[1]))
		return send(res, 200, runs.get(m[1]));
	return apiError(res, 404, 'resource_not_found', 'The resource could not be found');
}

function page(res, status, title, body) {
	const html = `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} – Identity check (stand-in)</title>
<style>body{font:18px/1.5 system-ui,sans-serif;max-width:34rem;margin:0 auto;padding:1rem;color:#111;background:#fff}
fieldset{border:1px solid #555;padding:.75rem}label{display:block;padding:.5rem 0}
button,a.button{display:inline-block;font:inherit;padding:.75rem 1.25rem;margin-top:1rem;background:#1d4ed8;color:#fff;border:0;border-radius:.4rem;text-decoration:none}
.note{color:#444;font-size:.9em}</style></head>
<body><main><h1>${esc(title)}</h1>${body}</main></body></html>`;
	res.writeHead(status, {
		'Content-Type': 'text/html; charset=utf-8',
		'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
		'Cache-Control': 'no-store',
	});
	res.end(html);
}

function returnLink() {
	return opts['return-url'] ?
		`<p><a class="button" href="${esc(opts['return-url'])}">Return to the clinic</a></p>` :
		'<p>You can close this page and return to the clinic.</p>';
}

async function handlePage(req, res, id) {
	const run = runs.get(id);
	if (!run)
		return page(res, 404, 'Link not found', '<p>This identity check link is not valid.</p>');
	if (req.method === 'GET') {
		if (run.status !== 'awaiting_input')
			return page(res, 200, 'Already done', `<p>This check has been completed.</p>${returnLink()}`);
		const a = applicants.get(run.applicant_id) || {};
		return page(res, 200, 'Verify your identity', `
<p>Hello ${esc(a.first_name || '')}. This is a local stand-in for the identity provider: no photos
are taken. Choose what the provider's result should be.</p>
<form method="post" action="/run/${esc(id)}">
<fieldset><legend>Result of the check</legend>
<label><input type="radio" name="result" value="clear" checked> Clear – identity confirmed</label>
<label><input type="radio" name="result" value="consider"> Consider – needs a person to look</label>
<label><input type="radio" name="result" value="declined"> Declined – document not accepted</label>
</fieldset>
<button type="submit">Submit my documents</button>
</form>
<p class="note">Workflow run ${esc(id)}</p>`);
	}
	if (req.method !== 'POST')
		return page(res, 405, 'Not allowed', '');
	const raw = await readBody(req, 4096).catch(() => Buffer.alloc(0));
	const result = new URLSearchParams(raw.toString('utf8')).get('result');
	if (!OUTCOMES[result])
		return page(res, 422, 'Choose a result', '<p>Please go back and choose a result.</p>');
	if (run.status !== 'awaiting_input')
		return page(res, 409, 'Already done', `<p>This check has been completed.</p>${returnLink()}`);
	const status = await complete(run, result);
	return page(res, 200, 'Thank you', `<p>Your documents have been sent. The clinic will show your
result shortly.</p>${status >= 200 && status < 300 ? '' : '<p class="note">(The clinic could not be told yet.)</p>'}
${returnLink()}`);
}

async function handleControl(req, res, path) {
	let m;
	if (req.method === 'GET' && path === '/_control/stats')
		return send(res, 200, { ...stats, mode, keys: Object.fromEntries([...keys].map(([k, v]) =>
			[k, { path: v.path, requests: v.requests, creations: v.creations }])) });
	if (req.method === 'GET' && (m = path.match(/^\/_control\/keys\/(.+)$/))) {
		const k = keys.get(decodeURIComponent(m[1]));
		return send(res, 200, k ? { requests: k.requests, creations: k.creations } : { requests: 0, creations: 0 });
	}
	if (req.method !== 'POST')
		return apiError(res, 404, 'resource_not_found', 'No such control');
	const body = parseJson(await readBody(req, 4096).catch(() => Buffer.alloc(0)));
	if (!body)
		return apiError(res, 400, 'bad_request', 'JSON object expected');
	if (path === '/_control/mode') {
		if (!['ok', 'down', 'error', 'lose_response', 'reject'].includes(body.mode))
			return apiError(res, 422, 'validation_error', 'mode: ok|down|error|lose_response|reject');
		mode = body.mode;
		modeTimes = Number.isInteger(body.times) && body.times > 0 ? body.times : 0;
		modePath = typeof body.path === 'string' ? body.path : '';
		log(`mode ${mode}${modeTimes ? ` for ${modeTimes} calls` : ''}${modePath ? ` to ${modePath}` : ''}`);
		return send(res, 200, { mode, times: modeTimes, path: modePath || null });
	}
	if (path === '/_control/shape') {
		if (typeof body.path !== 'string' || !body.path.startsWith(`${API}/`))
			return apiError(res, 422, 'validation_error', `path: an API path under ${API}/`);
		if (body.fields === undefined) {
			shapes.delete(body.path);
			return send(res, 200, { path: body.path, fields: null });
		}
		if (!body.fields || typeof body.fields !== 'object' || Array.isArray(body.fields))
			return apiError(res, 422, 'validation_error', 'fields: an object');
		const times = Number.isInteger(body.times) && body.times > 0 ? body.times : 1;
		shapes.set(body.path, { fields: body.fields, times });
		log(`shape ${body.path}: ${Object.keys(body.fields).join(', ')} for ${times} answers`);
		return send(res, 200, { path: body.path, fields: body.fields, times });
	}
	if (path === '/_control/complete') {
		const run = runs.get(body.workflow_run_id);
		if (!run)
			return apiError(res, 404, 'resource_not_found', 'No such workflow run');
		if (!OUTCOMES[body.result])
			return apiError(res, 422, 'validation_error', 'result: clear|consider|declined');
		const webhook_status = await complete(run, body.result);
		return send(res, 200, { workflow_run_id: run.id, status: run.status, webhook_status });
	}
	return apiError(res, 404, 'resource_not_found', 'No such control');
}

const server = createServer(async (req, res) => {
	const path = new URL(req.url, 'http://x').pathname;
	try {
		if (path.startsWith('/_control/'))
			return await handleControl(req, res, path);
		if (path.startsWith(`${API}/`))
			return await handleApi(req, res, path);
		const m = path.match(/^\/run\/([\w-]+)$/);
		if (m)
			return await handlePage(req, res, m[1]);
		if (path === '/' || path === '/health')
			return send(res, 200, { ok: true, service: 'idv-standin' });
		return apiError(res, 404, 'resource_not_found', 'Not found');
	} catch (e) {
		log(`error: ${e && e.stack || e}`);
		if (!res.headersSent)
			apiError(res, 500, 'internal_error', 'stand-in failure');
	}
});
server.listen(PORT, opts.host, () => log(`listening on ${opts.host}:${PORT}; webhooks to ${opts['webhook-url'] || '(none)'}`));
for (const sig of ['SIGTERM', 'SIGINT'])
	process.on(sig, () => {
		server.close(() => process.exit(0));
		server.closeAllConnections();
		setTimeout(() => process.exit(0), 2000).unref();
	});
