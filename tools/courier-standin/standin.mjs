#!/usr/bin/env node
// A local stand-in for a parcel courier, speaking an HTTP API in the shape of
// the real ones (Shippo, EasyPost, Royal Mail Click & Drop), so the
// pharmacy's production code (modules/pharmacy/courier_kinds.c books,
// courier_events.c receives the tracking) is what the demo and the tests
// run. Node built-ins only.
//
//   POST /v1/shipments        Authorization: Bearer <--api-key>; JSON
//        {reference, service?, recipient: {name, address_lines: [..], postcode},
//         parcel: {weight_g}} -> 201 {id, carrier, reference, service, status: "booked",
//        tracking_number, tracking_url, label_url, recipient, parcel, created_at,
//        events: []}. An Idempotency-Key seen before gets the first answer again
//        (header Idempotent-Replayed: true) and books nothing; the same key with
//        another body is 409 idempotency-key-reused.
//   GET  /v1/shipments/{id}   the shipment with its events
//   POST /v1/shipments/{id}/cancel   booked (not yet collected) -> cancelled; 409 otherwise
//   Errors are application/problem+json {type, title, status, detail, errors:
//   [{field, detail}]}: 401 without the key, 422 naming each bad field, 404.
//
// Tracking: each step (collected, in_transit, out_for_delivery, delivered;
// failed_attempt only when asked) is POSTed to --webhook-url as a Standard
// Webhooks message (docs/WEBHOOKS.md): headers webhook-id (the event's id,
// the same on every retry), webhook-timestamp, webhook-signature "v1,<base64
// HMAC-SHA256(secret, id.timestamp.body)>" under --webhook-secret
// ("whsec_<base64>"); body {type: "tracking.updated", timestamp, data:
// {shipment_id, reference, tracking_number, status, description, location, at,
// proof}} (proof on delivered: {type: "signature", signed_by, photo_url}).
// A non-2xx answer (or none) is retried with backoff, up to 8 attempts.
//   GET /track/{tracking_number}   the public tracking page (tracking_url)
//   GET /labels/{id}               the label (plain text here)
//
// For tests and the demo (loopback only, no key):
//   POST /_advance/{id}   sends the next event now; body {status?} forces one
//        (e.g. failed_attempt). Answers when the first attempt has an answer:
//        {shipment_id, status, webhook_id, webhook_status}
//   POST /_redeliver/{id} sends the shipment's last event again, same webhook-id
//   GET  /_shipments      {shipments: [... with events and webhook attempts]}
//   POST /_mode {mode: ok|down|error|lose_response|reject, times?}  for the
//        next `times` API calls (or until ok): down drops the connection, error
//        503, lose_response books but drops the answer (the caller must retry
//        with its Idempotency-Key and get the same shipment), reject refuses a
//        booking with 422 (an address the courier does not deliver to)
//   GET  /_stats          {shipments, bookings, replays, webhooks, webhook_failures, mode}
//
// Options: --port N (required) --host 127.0.0.1 --api-key K --webhook-secret whsec_...
// --webhook-url URL --public-url URL --auto SECONDS (advance every shipment
// every SECONDS, for the demo; 0: never)
import { createServer, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { createHmac, randomBytes } from 'node:crypto';

const opts = {
	port: 0, host: '127.0.0.1', 'api-key': 'standin-courier-key', 'webhook-secret': '',
	'webhook-url': '', 'public-url': '', auto: '0',
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
	console.error('courier-standin: --port is required');
	process.exit(64);
}
const AUTO = Number(opts.auto);
if (!Number.isFinite(AUTO) || AUTO < 0) {
	console.error('courier-standin: --auto takes a number of seconds');
	process.exit(64);
}
let SECRET = null;
if (opts['webhook-secret']) {
	const m = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(opts['webhook-secret']);
	SECRET = m ? Buffer.from(m[1], 'base64') : null;
	if (!SECRET || SECRET.length < 24) {
		console.error('courier-standin: --webhook-secret must be whsec_<base64 of 24+ bytes>');
		process.exit(64);
	}
}
const PUBLIC = opts['public-url'] || `http://${opts.host}:${PORT}`;
const CARRIER = 'Swift Parcels';	// the name the courier trades under
const SERVICES = ['tracked_24', 'tracked_48', 'special_delivery'];
const STEPS = ['collected', 'in_transit', 'out_for_delivery', 'delivered'];
const STATUSES = [...STEPS, 'failed_attempt'];
const MAX_ATTEMPTS = 8;

const shipments = new Map();	// id -> shipment (with events and their deliveries)
const byTracking = new Map();	// tracking number -> id
const keys = new Map();		// Idempotency-Key -> {body (request text), status, answer}
const stats = { shipments: 0, bookings: 0, replays: 0, webhooks: 0, webhook_failures: 0 };
let mode = 'ok';
let modeTimes = 0;

function log(msg) {
	console.log(`${new Date().toISOString()} courier-standin ${msg}`);
}

function send(res, status, obj, headers = {}) {
	const body = JSON.stringify(obj);
	res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body), ...headers });
	res.end(body);
}

function problem(res, status, slug, title, detail, errors) {
	const body = JSON.stringify({
		type: `${PUBLIC}/docs/problems#${slug}`, title, status, detail,
		...(errors ? { errors } : {}),
	});
	res.writeHead(status, { 'Content-Type': 'application/problem+json', 'Content-Length': Buffer.byteLength(body) });
	res.end(body);
}

function readBody(req, limit = 1 << 16) {
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
const isText = (v, max) => typeof v === 'string' && v.trim().length > 0 && v.length <= max;
const POSTCODE = /^[A-Z]{1,2}[0-9][A-Z0-9]? ?[0-9][A-Z]{2}$/i;

// The fields of a booking that are wrong, as [{field, detail}].
function bookingErrors(b) {
	const e = [];
	if (!isText(b.reference, 64))
		e.push({ field: 'reference', detail: 'is required (1 to 64 characters)' });
	if (b.service !== undefined && !SERVICES.includes(b.service))
		e.push({ field: 'service', detail: `must be one of ${SERVICES.join(', ')}` });
	const r = b.recipient;
	if (!r || typeof r !== 'object' || Array.isArray(r))
		e.push({ field: 'recipient', detail: 'is required' });
	else {
		if (!isText(r.name, 200))
			e.push({ field: 'recipient.name', detail: 'is required (1 to 200 characters)' });
		if (!Array.isArray(r.address_lines) || r.address_lines.length < 1 || r.address_lines.length > 4 ||
		    !r.address_lines.every((l) => isText(l, 200)))
			e.push({ field: 'recipient.address_lines', detail: '1 to 4 lines of text are required' });
		if (typeof r.postcode !== 'string' || !POSTCODE.test(r.postcode.trim()))
			e.push({ field: 'recipient.postcode', detail: 'must be a UK postcode' });
	}
	const p = b.parcel;
	if (!p || typeof p !== 'object' || Array.isArray(p))
		e.push({ field: 'parcel', detail: 'is required' });
	else if (!Number.isInteger(p.weight_g) || p.weight_g < 1 || p.weight_g > 30000)
		e.push({ field: 'parcel.weight_g', detail: 'must be a whole number of grams, 1 to 30000' });
	return e;
}

function trackingNumber() {
	let t;
	do {
		const digits = String(randomBytes(5).readUIntBE(0, 5) % 1e9).padStart(9, '0');
		t = `CT${digits}GB`;
	} while (byTracking.has(t));
	return t;
}

// What the API shows of a shipment.
function view(s) {
	return {
		id: s.id, carrier: CARRIER, reference: s.reference, service: s.service, status: s.status,
		tracking_number: s.tracking_number, tracking_url: s.tracking_url, label_url: s.label_url,
		recipient: s.recipient, parcel: s.parcel, created_at: s.created_at, updated_at: s.updated_at,
		events: s.events.map((e) => e.data),
	};
}

function book(b) {
	const id = `shp_${randomBytes(8).toString('hex')}`;
	const tn = trackingNumber();
	const s = {
		id, reference: b.reference, service: b.service || 'tracked_24', status: 'booked',
		tracking_number: tn, tracking_url: `${PUBLIC}/track/${tn}`, label_url: `${PUBLIC}/labels/${id}`,
		recipient: {
			name: b.recipient.name.trim(), address_lines: b.recipient.address_lines.map((l) => l.trim()),
			postcode: b.recipient.postcode.trim().toUpperCase(),
		},
		parcel: { weight_g: b.parcel.weight_g }, created_at: now(), updated_at: now(), events: [],
	};
	shipments.set(id, s);
	byTracking.set(tn, id);
	stats.shipments++;
	log(`booked ${id} (${tn}) for reference ${s.reference}`);
	return s;
}

function sign(id, ts, raw) {
	return `v1,${createHmac('sha256', SECRET).update(`${id}.${ts}.`).update(raw).digest('base64')}`;
}

// One signed POST of an event; resolves to the receiver's status (0 when none came).
function postOnce(ev) {
	return new Promise((resolve) => {
		if (!opts['webhook-url'] || !SECRET) {
			resolve(0);
			return;
		}
		const ts = Math.floor(Date.now() / 1000);
		const url = new URL(opts['webhook-url']);
		const req = (url.protocol === 'https:' ? httpsRequest : httpRequest)(url, {
			method: 'POST',
			headers: {
				'Content-Type': 'application/json', 'Content-Length': ev.raw.length,
				'webhook-id': ev.id, 'webhook-timestamp': String(ts),
				'webhook-signature': sign(ev.id, ts, ev.raw), 'User-Agent': 'courier-standin',
			},
			rejectUnauthorized: false,
			timeout: 10000,
		}, (res) => {
			res.resume();
			res.on('end', () => resolve(res.statusCode));
		});
		req.on('error', () => resolve(0));
		req.on('timeout', () => req.destroy());
		req.end(ev.raw);
	});
}

// Delivers an event: resolves with the first attempt's status; retries go on in the background.
function deliver(ev) {
	const attempt = async () => {
		const status = await postOnce(ev);
		stats.webhooks++;
		ev.attempts.push({ at: now(), status });
		if (status < 200 || status > 299)
			stats.webhook_failures++;
		return status;
	};
	return attempt().then((first) => {
		if (first < 200 || first > 299) {
			(async () => {
				for (let i = 1; i < MAX_ATTEMPTS; i++) {
					await new Promise((r) => setTimeout(r, 250 * 2 ** i));
					const st = await attempt();
					if (st >= 200 && st <= 299)
						return;
				}
				log(`event ${ev.id}: gave up after ${MAX_ATTEMPTS} attempts`);
			})();
		}
		return first;
	});
}

const DESCRIPTIONS = {
	collected: 'Collected from the pharmacy',
	in_transit: 'In transit to the local delivery office',
	out_for_delivery: 'Out for delivery today',
	delivered: 'Delivered',
	failed_attempt: 'We tried to deliver your parcel but nobody was in',
};

function location(s, status) {
	const area = s.recipient.postcode.split(' ')[0];
	return {
		collected: 'Pharmacy collection point', in_transit: 'National sorting hub',
		out_for_delivery: `${area} delivery office`, delivered: area, failed_attempt: area,
	}[status];
}

// The next step of a shipment (or the one asked for); null when it has none.
function nextStatus(s, want) {
	if (s.status === 'cancelled' || s.status === 'delivered')
		return null;
	if (want)
		return STATUSES.includes(want) ? want : null;
	if (s.status === 'failed_attempt')
		return 'out_for_delivery';
	const i = STEPS.indexOf(s.status);
	return STEPS[i + 1];
}

function advance(s, status) {
	const at = now();
	const data = {
		shipment_id: s.id, reference: s.reference, tracking_number: s.tracking_number, status,
		description: DESCRIPTIONS[status], location: location(s, status), at,
		proof: status === 'delivered' ? {
			type: 'signature', signed_by: s.recipient.name.split(' ')[0],
			photo_url: `${PUBLIC}/proof/${s.id}.jpg`,
		} : null,
	};
	const ev = {
		id: `evt_${randomBytes(12).toString('hex')}`, data, attempts: [],
		raw: Buffer.from(JSON.stringify({ type: 'tracking.updated', timestamp: at, data })),
	};
	s.status = status;
	s.updated_at = at;
	s.events.push(ev);
	log(`${s.id} ${status}: event ${ev.id}`);
	return ev;
}

async function handleApi(req, res, path) {
	if ((req.headers.authorization || '') !== `Bearer ${opts['api-key']}`)
		return problem(res, 401, 'unauthorized', 'Unauthorized', 'Send Authorization: Bearer <API key>.');
	let lose = false;
	if (mode !== 'ok') {
		const m = mode;
		if (modeTimes > 0 && --modeTimes === 0)
			mode = 'ok';
		if (m === 'down') {
			log(`down: dropping ${req.method} ${path}`);
			req.socket.destroy();
			return;
		}
		if (m === 'error')
			return problem(res, 503, 'unavailable', 'Service unavailable', 'The stand-in is set to fail.');
		lose = m === 'lose_response';
		if (m === 'reject' && req.method === 'POST' && path === '/v1/shipments')
			return problem(res, 422, 'validation', 'Invalid request', 'The address is not one we deliver to.',
			    [{ field: 'recipient.address_lines', detail: 'is not a known delivery address' }]);
	}
	let raw;
	try {
		raw = await readBody(req);
	} catch {
		return problem(res, 413, 'too-large', 'Request too large', 'At most 64 KiB.');
	}
	const answer = (status, obj, headers) => {
		if (lose) {
			log(`lose_response: did ${req.method} ${path}, dropping the answer`);
			req.socket.destroy();
			return;
		}
		send(res, status, obj, headers);
	};
	let m;
	if (req.method === 'POST' && path === '/v1/shipments') {
		const key = req.headers['idempotency-key'];
		if (key !== undefined && (typeof key !== 'string' || key.length < 1 || key.length > 255))
			return problem(res, 422, 'validation', 'Invalid request', 'Bad Idempotency-Key.',
			    [{ field: 'Idempotency-Key', detail: '1 to 255 characters' }]);
		if (key && keys.has(key)) {
			const k = keys.get(key);
			if (k.body !== raw.toString('utf8'))
				return problem(res, 409, 'idempotency-key-reused', 'Idempotency-Key reused',
				    'This Idempotency-Key was sent with another request body.');
			stats.replays++;
			return answer(k.status, k.answer, { 'Idempotent-Replayed': 'true' });
		}
		const b = parseJson(raw);
		if (b === null)
			return problem(res, 400, 'malformed', 'Malformed request', 'The body is not a JSON object.');
		const errors = bookingErrors(b);
		if (errors.length)
			return problem(res, 422, 'validation', 'Invalid request', 'Some fields are not valid.', errors);
		stats.bookings++;
		const s = view(book(b));
		if (key)
			keys.set(key, { body: raw.toString('utf8'), status: 201, answer: s });
		return answer(201, s);
	}
	if (req.method === 'GET' && (m = path.match(/^\/v1\/shipments\/([\w-]+)$/)) && shipments.has(m[1]))
		return answer(200, view(shipments.get(m[1])));
	if (req.method === 'POST' && (m = path.match(/^\/v1\/shipments\/([\w-]+)\/cancel$/)) && shipments.has(m[1])) {
		const s = shipments.get(m[1]);
		if (s.status === 'cancelled')
			return answer(200, view(s));
		if (s.status !== 'booked')
			return problem(res, 409, 'not-cancellable', 'Cannot be cancelled',
			    `The parcel is ${s.status.replace(/_/g, ' ')}.`);
		s.status = 'cancelled';
		s.updated_at = now();
		log(`${s.id} cancelled`);
		return answer(200, view(s));
	}
	return problem(res, 404, 'not-found', 'Not found', 'No such shipment.');
}

function page(res, status, title, body) {
	const text = `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} – Parcel tracking (stand-in)</title>
<style>body{font:18px/1.5 system-ui,sans-serif;max-width:34rem;margin:0 auto;padding:1rem;color:#111;background:#fff}
ol{padding-left:1.2rem}li{margin:.4rem 0}.note{color:#444;font-size:.9em}</style></head>
<body><main><h1>${esc(title)}</h1>${body}</main></body></html>`;
	res.writeHead(status, {
		'Content-Type': 'text/html; charset=utf-8',
		'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'",
		'Cache-Control': 'no-store',
	});
	res.end(text);
}

function trackPage(res, tn) {
	const s = shipments.get(byTracking.get(tn));
	if (!s)
		return page(res, 404, 'Parcel not found', '<p>No parcel has this tracking number.</p>');
	const steps = s.events.map((e) => `<li><strong>${esc(e.data.description)}</strong><br>
${esc(e.data.location || '')} · ${esc(new Date(e.data.at).toUTCString())}</li>`).join('');
	return page(res, 200, `Parcel ${tn}`, `<p>Status: <strong>${esc(s.status.replace(/_/g, ' '))}</strong></p>
${steps ? `<ol>${steps}</ol>` : '<p>Booked: waiting to be collected from the pharmacy.</p>'}
<p class="note">A local stand-in for the courier: no parcel really moves.</p>`);
}

async function handleControl(req, res, path) {
	let m;
	if (req.method === 'GET' && path === '/_shipments')
		return send(res, 200, {
			shipments: [...shipments.values()].map((s) => ({
				...view(s), webhooks: s.events.map((e) => ({ id: e.id, status: e.data.status, attempts: e.attempts })),
			})),
		});
	if (req.method === 'GET' && path === '/_stats')
		return send(res, 200, { ...stats, mode, mode_times: modeTimes });
	if (req.method !== 'POST')
		return problem(res, 404, 'not-found', 'Not found', 'No such control.');
	const body = parseJson(await readBody(req, 4096).catch(() => Buffer.alloc(0)));
	if (!body)
		return problem(res, 400, 'malformed', 'Malformed request', 'JSON object expected.');
	if (path === '/_mode') {
		if (!['ok', 'down', 'error', 'lose_response', 'reject'].includes(body.mode))
			return problem(res, 422, 'validation', 'Invalid request', 'mode: ok|down|error|lose_response|reject',
			    [{ field: 'mode', detail: 'ok, down, error, lose_response or reject' }]);
		mode = body.mode;
		modeTimes = Number.isInteger(body.times) && body.times > 0 ? body.times : 0;
		log(`mode ${mode}${modeTimes ? ` for ${modeTimes} calls` : ''}`);
		return send(res, 200, { mode, times: modeTimes });
	}
	if ((m = path.match(/^\/_advance\/([\w-]+)$/))) {
		const s = shipments.get(m[1]) || shipments.get(byTracking.get(m[1]));
		if (!s)
			return problem(res, 404, 'not-found', 'Not found', 'No such shipment.');
		if (body.status !== undefined && !STATUSES.includes(body.status))
			return problem(res, 422, 'validation', 'Invalid request', `status: ${STATUSES.join('|')}`,
			    [{ field: 'status', detail: STATUSES.join(', ') }]);
		const st = nextStatus(s, body.status);
		if (!st)
			return problem(res, 409, 'finished', 'Nothing to advance', `The shipment is ${s.status}.`);
		const ev = advance(s, st);
		const webhook_status = await deliver(ev);
		return send(res, 200, { shipment_id: s.id, status: s.status, webhook_id: ev.id, webhook_status });
	}
	if ((m = path.match(/^\/_redeliver\/([\w-]+)$/))) {
		const s = shipments.get(m[1]) || shipments.get(byTracking.get(m[1]));
		if (!s || s.events.length === 0)
			return problem(res, 404, 'not-found', 'Not found', 'No such shipment, or no event yet.');
		const ev = s.events[s.events.length - 1];
		const webhook_status = await deliver(ev);
		return send(res, 200, { shipment_id: s.id, status: ev.data.status, webhook_id: ev.id, webhook_status });
	}
	return problem(res, 404, 'not-found', 'Not found', 'No such control.');
}

const server = createServer(async (req, res) => {
	const path = new URL(req.url, 'http://x').pathname;
	try {
		let m;
		if (path.startsWith('/v1/'))
			return await handleApi(req, res, path);
		if (path.startsWith('/_'))
			return await handleControl(req, res, path);
		if (req.method === 'GET' && (m = path.match(/^\/track\/([A-Z0-9]+)$/)))
			return trackPage(res, m[1]);
		if (req.method === 'GET' && (m = path.match(/^\/labels\/([\w-]+)$/)) && shipments.has(m[1])) {
			const s = shipments.get(m[1]);
			const text = `${s.service.toUpperCase()}\n${s.tracking_number}\n\n${s.recipient.name}\n` +
			    `${s.recipient.address_lines.join('\n')}\n${s.recipient.postcode}\n\nRef ${s.reference}\n`;
			res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8' });
			return res.end(text);
		}
		if (path === '/' || path === '/health')
			return send(res, 200, { ok: true, service: 'courier-standin' });
		return problem(res, 404, 'not-found', 'Not found', 'No such resource.');
	} catch (e) {
		log(`error: ${e && e.stack || e}`);
		if (!res.headersSent)
			problem(res, 500, 'internal', 'Internal error', 'stand-in failure');
	}
});

if (AUTO > 0) {
	setInterval(() => {
		for (const s of shipments.values()) {
			const st = nextStatus(s);
			if (st)
				deliver(advance(s, st));
		}
	}, AUTO * 1000).unref();
}

server.listen(PORT, opts.host, () => log(`listening on ${opts.host}:${PORT}; webhooks to ${opts['webhook-url'] || '(none)'}` +
    `${AUTO > 0 ? `; advancing every ${AUTO} s` : ''}`));
for (const sig of ['SIGTERM', 'SIGINT'])
	process.on(sig, () => {
		server.close(() => process.exit(0));
		server.closeAllConnections();
		setTimeout(() => process.exit(0), 2000).unref();
	});
