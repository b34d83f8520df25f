#!/usr/bin/env node
// A local stand-in for the email and SMS providers, speaking the parts of
// their real HTTP APIs the clinic uses, so the production client code
// (modules/dispatch/notify_kinds.c) is what the demo and the tests run.
// Node built-ins only.
//
//   POST /v3/mail/send       SendGrid v3. Authorization: Bearer <--email-token>;
//        JSON {personalizations:[{to:[{email}]}], from:{email}, subject,
//        content:[{type:"text/plain", value}]} -> 202, empty body, X-Message-Id.
//        401 {errors:[{message, field:null}]} on a missing or wrong key;
//        400 {errors:[{message, field}]} naming each bad field.
//   POST /2010-04-01/Accounts/{AccountSid}/Messages.json   Twilio. HTTP Basic
//        <--sms-account>:<--sms-token>; form-encoded To, From, Body -> 201
//        {sid:"SM...", status:"queued", to, from, body, account_sid, ...}.
//        401 / 400 {code, message, more_info, status} (Twilio's error shape).
//
// A request with an Idempotency-Key (or, to the SMS API, Twilio's
// I-Twilio-Idempotency-Token) seen before gets the first answer again and is
// not recorded a second time.
//
// For tests and the demo (loopback only, no token):
//   GET    /_messages   {messages:[{id, channel:"email"|"sms", to, from, subject?,
//                        text, received_at, idempotency_key, twilio_token?}]}, oldest first
//   DELETE /_messages   forgets them
//   POST   /_control/mode {mode: ok|error|down|revoked|garbled, times?}  error: 503 for the
//                        next `times` calls (or until ok); down: connections dropped;
//                        garbled: the message is accepted and recorded but the 2xx
//                        answer's body is not JSON (a provider's answer lost in transit);
//                        revoked: the configured key and token are refused (401), as
//                        after the account's credentials were rotated
//
// Options: --port N (required) --host 127.0.0.1 --email-token T --sms-account AC...
// --sms-token T --log FILE (each message appended as a JSON line)
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import { appendFileSync } from 'node:fs';

const opts = {
	port: 0, host: '127.0.0.1', 'email-token': 'standin-email-token',
	'sms-account': 'ACstandin', 'sms-token': 'standin-sms-token', log: '',
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
	console.error('notify-standin: --port is required');
	process.exit(64);
}

const messages = [];
const keys = new Map();		// Idempotency-Key (or 'twilio:' + token) -> {status, body, headers}
let mode = 'ok';
let modeTimes = 0;

function log(msg) {
	console.log(`${new Date().toISOString()} notify-standin ${msg}`);
}

function send(res, status, obj, headers = {}) {
	const body = obj === undefined ? '' : JSON.stringify(obj);
	res.writeHead(status, {
		...(obj === undefined ? {} : { 'Content-Type': 'application/json' }),
		'Content-Length': Buffer.byteLength(body), ...headers,
	});
	res.end(body);
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

const EMAIL = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;
const E164 = /^\+[1-9][0-9]{6,14}$/;

function record(m) {
	messages.push(m);
	if (opts.log) {
		try {
			appendFileSync(opts.log, `${JSON.stringify(m)}\n`);
		} catch (e) {
			log(`cannot append to ${opts.log}: ${e.message}`);
		}
	}
	log(`${m.channel} ${m.id} to ${m.to}`);
}

// ---- SendGrid v3 ----

function sgError(res, status, message, field = null) {
	send(res, status, { errors: [{ message, field, help: null }] });
}

function mailErrors(b) {
	const errs = [];
	const p = b.personalizations;
	if (!Array.isArray(p) || p.length === 0)
		errs.push({ field: 'personalizations', message: 'The personalizations field is required and must have at least one personalization.' });
	else
		p.forEach((x, i) => {
			if (!x || !Array.isArray(x.to) || x.to.length === 0)
				errs.push({ field: `personalizations.${i}.to`, message: 'The to array is required for all personalization objects, and must have at least one email object with a valid email address.' });
			else
				x.to.forEach((t, j) => {
					if (!t || typeof t.email !== 'string' || !EMAIL.test(t.email))
						errs.push({ field: `personalizations.${i}.to.${j}.email`, message: 'Does not contain a valid address.' });
				});
		});
	if (!b.from || typeof b.from.email !== 'string' || !EMAIL.test(b.from.email))
		errs.push({ field: 'from.email', message: 'The from email does not contain a valid address.' });
	if (typeof b.subject !== 'string' || b.subject.length === 0)
		errs.push({ field: 'subject', message: 'The subject is required. You can get around this requirement if you use a template with a subject defined or if every personalization has a subject defined.' });
	if (!Array.isArray(b.content) || b.content.length === 0 ||
	    !b.content.every((c) => c && typeof c.type === 'string' && typeof c.value === 'string' && c.value.length > 0))
		errs.push({ field: 'content', message: 'Unless a valid template_id is provided, the content parameter is required. There must be at least one defined content block. We typically suggest both text/plain and text/html blocks are included, but only one block is required.' });
	return errs;
}

async function mailSend(req, res) {
	if (mode === 'revoked' || req.headers.authorization !== `Bearer ${opts['email-token']}`)
		return sgError(res, 401, 'The provided authorization grant is invalid, expired, or revoked');
	let raw;
	try {
		raw = await readBody(req);
	} catch {
		return sgError(res, 413, 'Payload too large');
	}
	let b;
	try {
		b = JSON.parse(raw.toString('utf8'));
	} catch {
		return sgError(res, 400, 'Bad Request');
	}
	if (!b || typeof b !== 'object' || Array.isArray(b))
		return sgError(res, 400, 'Bad Request');
	const errs = mailErrors(b);
	if (errs.length)
		return send(res, 400, { errors: errs.map((e) => ({ ...e, help: null })) });
	const id = randomBytes(16).toString('base64url');
	const text = (b.content.find((c) => c.type === 'text/plain') || b.content[0]).value;
	for (const p of b.personalizations)
		for (const t of p.to)
			record({
				id, channel: 'email', to: t.email, from: b.from.email, subject: b.subject, text,
				received_at: new Date().toISOString(), idempotency_key: req.headers['idempotency-key'] || null,
			});
	return { status: 202, body: undefined, headers: { 'X-Message-Id': id } };
}

// ---- Twilio ----

function twError(res, status, code, message) {
	send(res, status, { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status });
}

async function smsSend(req, res, sid) {
	const auth = req.headers.authorization || '';
	const want = `Basic ${Buffer.from(`${opts['sms-account']}:${opts['sms-token']}`).toString('base64')}`;
	if (mode === 'revoked' || auth !== want || sid !== opts['sms-account'])
		return twError(res, 401, 20003, 'Authentication Error - invalid username');
	let raw;
	try {
		raw = await readBody(req, 64 * 1024);
	} catch {
		return twError(res, 413, 20001, 'Request too large');
	}
	if (!(req.headers['content-type'] || '').startsWith('application/x-www-form-urlencoded'))
		return twError(res, 400, 20001, 'Expected a form-encoded body');
	const f = new URLSearchParams(raw.toString('utf8'));
	const to = f.get('To'), from = f.get('From'), body = f.get('Body');
	if (!to)
		return twError(res, 400, 21604, "A 'To' phone number is required.");
	if (!E164.test(to))
		return twError(res, 400, 21211, `The 'To' number ${to} is not a valid phone number.`);
	if (!from)
		return twError(res, 400, 21603, "A 'From' phone number is required.");
	if (!body)
		return twError(res, 400, 21602, 'Message body is required.');
	if (body.length > 1600)
		return twError(res, 400, 21617, 'The concatenated message body exceeds the 1600 character limit.');
	const msid = `SM${randomBytes(16).toString('hex')}`;
	const now = new Date();
	record({
		id: msid, channel: 'sms', to, from, text: body, received_at: now.toISOString(),
		idempotency_key: req.headers['idempotency-key'] || null,
		twilio_token: req.headers['i-twilio-idempotency-token'] || null,
	});
	const path = `/2010-04-01/Accounts/${sid}/Messages/${msid}.json`;
	return {
		status: 201,
		body: {
			sid: msid, account_sid: sid, to, from, body, status: 'queued', num_segments: String(Math.ceil(body.length / 153) || 1),
			direction: 'outbound-api', api_version: '2010-04-01', price: null, price_unit: 'GBP',
			error_code: null, error_message: null, date_created: now.toUTCString(), date_updated: now.toUTCString(),
			date_sent: null, uri: path, messaging_service_sid: null, subresource_uris: { media: path.replace('.json', '/Media.json') },
		},
		headers: {},
	};
}

// An API call: the mode, then the idempotency replay, then the handler.
async function api(req, res, handler) {
	if (mode !== 'ok' && mode !== 'revoked' && mode !== 'garbled') {
		const m = mode;
		if (modeTimes > 0 && --modeTimes === 0)
			mode = 'ok';
		if (m === 'down') {
			req.socket.destroy();
			return;
		}
		return send(res, 503, { errors: [{ message: 'The stand-in is set to fail', field: null }] });
	}
	const tw = req.headers['i-twilio-idempotency-token'];
	const seen = [req.headers['idempotency-key'], tw && `twilio:${tw}`].find((k) => k && keys.has(k));
	if (seen && mode !== 'revoked') {
		const k = keys.get(seen);
		return send(res, k.status, k.body, { ...k.headers, 'Idempotent-Replayed': 'true' });
	}
	const out = await handler();
	if (!out)
		return;		// an error was answered
	for (const k of [req.headers['idempotency-key'], tw && `twilio:${tw}`])
		if (k)
			keys.set(k, out);
	if (mode === 'garbled') {
		const junk = '<html>accepted</html>';
		res.writeHead(out.status, { 'Content-Type': 'text/html', 'Content-Length': Buffer.byteLength(junk) });
		return res.end(junk);
	}
	return send(res, out.status, out.body, out.headers);
}

const server = createServer(async (req, res) => {
	const path = new URL(req.url, 'http://x').pathname;
	let m;
	try {
		if (req.method === 'POST' && path === '/v3/mail/send')
			return await api(req, res, () => mailSend(req, res));
		if (req.method === 'POST' && (m = path.match(/^\/2010-04-01\/Accounts\/([A-Za-z0-9]+)\/Messages\.json$/)))
			return await api(req, res, () => smsSend(req, res, m[1]));
		if (path === '/_messages' && req.method === 'GET')
			return send(res, 200, { messages });
		if (path === '/_messages' && req.method === 'DELETE') {
			messages.length = 0;
			return send(res, 200, { messages });
		}
		if (path === '/_control/mode' && req.method === 'POST') {
			let b = null;
			try {
				b = JSON.parse((await readBody(req, 4096)).toString('utf8'));
			} catch { /* answered below */ }
			if (!b || !['ok', 'error', 'down', 'revoked', 'garbled'].includes(b.mode))
				return send(res, 422, { errors: [{ message: 'mode: ok|error|down|revoked|garbled', field: 'mode' }] });
			mode = b.mode;
			modeTimes = Number.isInteger(b.times) && b.times > 0 ? b.times : 0;
			log(`mode ${mode}${modeTimes ? ` for ${modeTimes} calls` : ''}`);
			return send(res, 200, { mode, times: modeTimes });
		}
		if (path === '/' || path === '/health')
			return send(res, 200, { ok: true, service: 'notify-standin' });
		return send(res, 404, { errors: [{ message: 'Not found', field: null }] });
	} catch (e) {
		log(`error: ${e && e.stack || e}`);
		if (!res.headersSent)
			send(res, 500, { errors: [{ message: 'stand-in failure', field: null }] });
	}
});
server.listen(PORT, opts.host, () => log(`listening on ${opts.host}:${PORT}`));
for (const sig of ['SIGTERM', 'SIGINT'])
	process.on(sig, () => {
		server.close(() => process.exit(0));
		server.closeAllConnections();
		setTimeout(() => process.exit(0), 2000).unref();
	});
