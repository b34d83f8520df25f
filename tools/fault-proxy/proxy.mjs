#!/usr/bin/env node
// A fault-injecting HTTP reverse proxy for tests (issue 6, "nothing lost"):
// it stands in front of a partner's endpoint (the pharmacy's inbox) and
// behaves, at the test's command, like the failures a real partner shows.
// Node built-ins only.
//
// Modes (switched at run time through the control port):
//   pass      every request is forwarded to --upstream and its answer returned
//   down      the listener is closed and open connections are dropped: a
//             new connection is refused (ECONNREFUSED), as when the partner's
//             server is stopped
//   500       every request is answered 500 with a problem body, not forwarded
//   timeout   the request is read and never answered (the connection stays
//             open until the client gives up), not forwarded
//   429       every request is answered 429 Too Many Requests with
//             Retry-After: --retry-after seconds (or the mode's retry_after),
//             not forwarded
//   lost      the request IS forwarded, but the partner's answer never
//             reaches the sender (as timeout): the partner acted, the sender
//             does not know it and must send again, and the partner must
//             recognise the repeat
//
// Control (loopback, no authentication; a separate port so that it answers
// while the proxy is down):
//   GET  /_status  {mode, listening, retry_after, seen (requests received),
//                   by_mode: {mode: requests}, forwarded (passed to the upstream,
//                   which answered), accepted (of those, answered 2xx),
//                   forwarded_ids / accepted_ids: {webhook-id: times},
//                   answered (answers returned), upstream_errors, held}
//   POST /_mode    {mode, retry_after?} -> the status after switching
//   POST /_reset   forgets the counters (not the mode)
//
// Options: --port N (the proxy, required) --control-port N (required)
// --upstream URL (http://host:port, required) --host 127.0.0.1
// --mode pass|down|500|timeout|429|lost (start mode, default pass)
// --retry-after SECONDS (default 2)
import { createServer, request as httpRequest } from 'node:http';

const MODES = ['pass', 'down', '500', 'timeout', '429', 'lost'];
const opts = {
	port: '', 'control-port': '', upstream: '', host: '127.0.0.1', mode: 'pass',
	'retry-after': '2',
};
for (let i = 2; i < process.argv.length; i++) {
	const a = process.argv[i];
	if (!a.startsWith('--') || !(a.slice(2) in opts) || i + 1 >= process.argv.length) {
		console.error(`usage: proxy.mjs --port N --control-port N --upstream URL` +
		    ` [--host H] [--mode ${MODES.join('|')}] [--retry-after S]`);
		process.exit(64);
	}
	opts[a.slice(2)] = process.argv[++i];
}
const port = Number(opts.port);
const controlPort = Number(opts['control-port']);
const validPort = (p) => Number.isInteger(p) && p > 0 && p < 65536;
if (!validPort(port) || !validPort(controlPort) || port === controlPort) {
	console.error('fault-proxy: --port and --control-port are required (two different ports)');
	process.exit(64);
}
let upstream;
try {
	upstream = new URL(opts.upstream);
} catch {
	upstream = null;
}
if (upstream === null || upstream.protocol !== 'http:') {
	console.error('fault-proxy: --upstream must be an http:// URL');
	process.exit(64);
}
if (!MODES.includes(opts.mode)) {
	console.error(`fault-proxy: --mode must be one of ${MODES.join(', ')}`);
	process.exit(64);
}
const validRetryAfter = (s) => Number.isInteger(s) && s >= 0 && s <= 86400;
let retryAfter = Number(opts['retry-after']);
if (!validRetryAfter(retryAfter)) {
	console.error('fault-proxy: --retry-after must be whole seconds (0..86400)');
	process.exit(64);
}

let mode = opts.mode;
const counters = () => ({
	seen: 0, forwarded: 0, accepted: 0, answered: 0, upstream_errors: 0,
	by_mode: Object.fromEntries(MODES.map((m) => [m, 0])),
	forwarded_ids: {}, accepted_ids: {},
});
let stats = counters();

const sockets = new Set();	// every open connection to the proxy
const held = new Set();		// requests left unanswered (timeout, lost)
let listening = false;

function log(msg) {
	process.stdout.write(`${new Date().toISOString()} fault-proxy: ${msg}\n`);
}

function problem(res, status, title, extra) {
	const body = JSON.stringify({ type: 'about:blank', title, status,
	    detail: `fault-proxy in mode ${mode}` });
	res.writeHead(status, { 'Content-Type': 'application/problem+json',
	    'Content-Length': Buffer.byteLength(body), ...extra });
	res.end(body);
	stats.answered++;
}

// Forwards req (its body already read into body) to the upstream; calls
// done(err, upstreamResponse, answerBody).
function forward(req, body, done) {
	const headers = { ...req.headers, host: upstream.host, 'content-length': body.length };
	delete headers.connection;
	const up = httpRequest({
		host: upstream.hostname, port: upstream.port || 80, method: req.method,
		path: req.url, headers,
	}, (ures) => {
		const chunks = [];
		ures.on('data', (c) => chunks.push(c));
		ures.on('end', () => done(null, ures, Buffer.concat(chunks)));
		ures.on('error', (e) => done(e));
	});
	up.setTimeout(30000, () => up.destroy(new Error('upstream timeout')));
	up.on('error', (e) => done(e));
	up.end(body);
}

// Counts a request the upstream answered with status: forwarded, and
// accepted too when that answer was a 2xx (whether or not it reached the
// sender), each also by webhook-id.
function countForwarded(req, status) {
	const id = req.headers['webhook-id'];
	const byId = typeof id === 'string' && id !== '';
	stats.forwarded++;
	if (byId)
		stats.forwarded_ids[id] = (stats.forwarded_ids[id] || 0) + 1;
	if (status >= 200 && status < 300) {
		stats.accepted++;
		if (byId)
			stats.accepted_ids[id] = (stats.accepted_ids[id] || 0) + 1;
	}
}

function hold(req, res) {
	held.add(res);
	res.on('close', () => held.delete(res));
	req.socket.setTimeout(0);
}

const proxy = createServer((req, res) => {
	const chunks = [];
	req.on('data', (c) => chunks.push(c));
	req.on('end', () => {
		const body = Buffer.concat(chunks);
		const m = mode;
		stats.seen++;
		stats.by_mode[m] = (stats.by_mode[m] || 0) + 1;
		switch (m) {
		case '500':
			problem(res, 500, 'Internal Server Error');
			return;
		case '429':
			problem(res, 429, 'Too Many Requests', { 'Retry-After': String(retryAfter) });
			return;
		case 'timeout':
			hold(req, res);
			return;
		case 'lost':
			hold(req, res);
			forward(req, body, (err, ures) => {
				if (err) {
					stats.upstream_errors++;
					return;
				}
				countForwarded(req, ures.statusCode);
			});
			return;
		default:	// pass (a request that arrived just before "down" is passed too)
			forward(req, body, (err, ures, ubody) => {
				if (err) {
					stats.upstream_errors++;
					if (!res.headersSent && !res.destroyed)
						problem(res, 502, 'Bad Gateway');
					return;
				}
				countForwarded(req, ures.statusCode);
				if (res.destroyed)
					return;
				const h = { ...ures.headers };
				delete h.connection;
				delete h['transfer-encoding'];
				h['content-length'] = ubody.length;
				res.writeHead(ures.statusCode, h);
				res.end(ubody);
				stats.answered++;
			});
		}
	});
});
proxy.keepAliveTimeout = 5000;
proxy.on('connection', (s) => {
	sockets.add(s);
	s.on('close', () => sockets.delete(s));
});
proxy.on('error', (e) => {
	log(`listener error: ${e.message}`);
	listening = false;
});

function startListening() {
	return new Promise((resolve) => {
		if (listening) {
			resolve();
			return;
		}
		const onError = (e) => {
			log(`cannot listen on ${opts.host}:${port}: ${e.message}`);
			resolve();
		};
		proxy.once('error', onError);
		proxy.listen(port, opts.host, () => {
			proxy.removeListener('error', onError);
			listening = true;
			resolve();
		});
	});
}

function stopListening() {
	return new Promise((resolve) => {
		for (const s of sockets)
			s.destroy();
		held.clear();
		if (!listening) {
			resolve();
			return;
		}
		listening = false;
		proxy.close(() => resolve());
	});
}

async function setMode(m) {
	if (m === 'down')
		await stopListening();
	else {
		// Requests held by timeout/lost stay unanswered: their senders time out.
		await startListening();
	}
	mode = m;
	log(`mode ${m}${m === '429' ? ` (Retry-After ${retryAfter})` : ''}`);
}

function status() {
	return { mode, listening, retry_after: retryAfter, ...stats, held: held.size };
}

function reply(res, code, obj) {
	const body = JSON.stringify(obj);
	res.writeHead(code, { 'Content-Type': 'application/json',
	    'Content-Length': Buffer.byteLength(body), 'Cache-Control': 'no-store' });
	res.end(body);
}

const control = createServer((req, res) => {
	const chunks = [];
	req.on('data', (c) => chunks.push(c));
	req.on('end', async () => {
		const url = new URL(req.url, 'http://control');
		if (req.method === 'GET' && url.pathname === '/_status') {
			reply(res, 200, status());
			return;
		}
		if (req.method === 'POST' && url.pathname === '/_reset') {
			stats = counters();
			reply(res, 200, status());
			return;
		}
		if (req.method === 'POST' && url.pathname === '/_mode') {
			let b;
			try {
				b = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
			} catch {
				b = null;
			}
			const errors = [];
			if (b === null || typeof b !== 'object' || Array.isArray(b))
				errors.push({ field: '', message: 'a JSON object is expected' });
			else {
				if (!MODES.includes(b.mode))
					errors.push({ field: 'mode', message: `one of ${MODES.join(', ')}` });
				if (b.retry_after !== undefined && !validRetryAfter(b.retry_after))
					errors.push({ field: 'retry_after', message: 'whole seconds 0..86400' });
			}
			if (errors.length > 0) {
				reply(res, 422, { title: 'Invalid mode', status: 422, errors });
				return;
			}
			if (b.retry_after !== undefined)
				retryAfter = b.retry_after;
			await setMode(b.mode);
			reply(res, 200, status());
			return;
		}
		reply(res, 404, { title: 'Not found', status: 404 });
	});
});

control.on('error', (e) => {
	log(`control port ${controlPort}: ${e.message}`);
	process.exit(69);
});
control.listen(controlPort, opts.host, async () => {
	await setMode(mode);
	log(`proxy ${opts.host}:${port} -> ${upstream.origin}, control ${opts.host}:${controlPort}`);
});

for (const sig of ['SIGTERM', 'SIGINT'])
	process.on(sig, () => {
		for (const s of sockets)
			s.destroy();
		process.exit(0);
	});
