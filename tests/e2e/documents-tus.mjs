// A real tus client (tus-js-client from node_modules, its node build) against
// the stack: an ~8 MB PDF-typed upload goes through a small TCP relay that
// drops the connection part-way through the PATCH (as a train enters a
// tunnel); a new Upload then resumes from the stored URL and the downloaded
// bytes must be identical (SHA-256). Used by documents.test.mjs; runnable alone:
//   CLINIC_TEST_URL=http://127.0.0.1:18480 node tests/e2e/documents-tus.mjs
import { createHash, randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import net from 'node:net';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const tus = require('tus-js-client');

function check(cond, message) {
	if (!cond)
		throw new Error(message);
}

// A new patient's session: the cookie and CSRF token tus requests must carry.
async function register(base, tag) {
	const email = `tus-${tag}-${Date.now()}-${Math.floor(Math.random() * 1e6)}@example.org`;
	const res = await fetch(`${base}/api/v1/auth/register`, {
		method: 'POST',
		headers: { 'Content-Type': 'application/json' },
		body: JSON.stringify({ email, password: 'tus harbour lantern 2931', given_name: 'Tess',
			family_name: 'Upload', date_of_birth: '1984-05-06' }),
	});
	if (res.status !== 201)
		throw new Error(`register: ${res.status} ${await res.text()}`);
	const body = await res.json();
	const cookie = res.headers.get('set-cookie').split(';')[0];
	return { cookie, csrf: body.csrf_token };
}

function sha256(buf) {
	return createHash('sha256').update(buf).digest('hex');
}

// A relay to the stack that cuts the first connection carrying more than
// `after` bytes from the client; later connections pass through.
function flakyRelay(base, after) {
	const target = new URL(base);
	let cut = false;
	const server = net.createServer((client) => {
		const up = net.connect(Number(target.port), target.hostname);
		let sent = 0;
		client.on('data', (d) => {
			sent += d.length;
			if (!cut && sent > after) {
				cut = true;
				client.destroy();
				up.destroy();
				return;
			}
			up.write(d);
		});
		up.on('data', (d) => client.write(d));
		client.on('error', () => up.destroy());
		up.on('error', () => client.destroy());
		client.on('close', () => up.end());
		up.on('close', () => client.end());
	});
	return new Promise((resolve) => server.listen(0, '127.0.0.1', () =>
		resolve({ url: `http://127.0.0.1:${server.address().port}`, close: () => server.close(),
			wasCut: () => cut })));
}

function start(file, opts) {
	return new Promise((resolve, reject) => {
		const upload = new tus.Upload(file, {
			...opts,
			onError: reject,
			onSuccess: () => resolve(upload),
		});
		opts.onCreate?.(upload);
		upload.start();
	});
}

export async function tusResumeTest(base, { size = 8 * 1024 * 1024, log = () => {} } = {}) {
	const s = await register(base, 'resume');
	const headers = { Cookie: s.cookie, 'X-CSRF-Token': s.csrf };
	const pdf = Buffer.concat([Buffer.from('%PDF-1.7\n%\xe2\xe3\xcf\xd3\n', 'latin1'),
		randomBytes(size - 15)]);
	const metadata = { filename: 'Hospital letters (all 50 pages).pdf', filetype: 'application/pdf',
		category: 'medical_records_summary' };
	const common = { endpoint: `${base}/api/v1/documents/uploads`, headers, metadata,
		retryDelays: [200, 500, 1000, 2000, 3000] };

	// 1. One big PATCH; the connection drops after ~3 MB (no automatic retry).
	const relay = await flakyRelay(base, 3 * 1024 * 1024);
	let first;
	try {
		const err = await new Promise((resolve, reject) => {
			first = new tus.Upload(pdf, {
				...common,
				endpoint: `${relay.url}/api/v1/documents/uploads`,
				retryDelays: null,
				onError: resolve,
				onSuccess: () => reject(new Error('the first upload was not interrupted')),
			});
			first.start();
		});
		log(`first upload stopped: ${String(err).split('\n')[0]}`);
	} finally {
		relay.close();
	}
	check(relay.wasCut(), 'the relay never cut the connection');
	check(first.url, 'no upload URL after creation');
	const uploadUrl = new URL(new URL(first.url).pathname, base).href;

	// 2. The server keeps what arrived: HEAD says where to go on.
	let offset = 0;
	for (let i = 0; i < 100 && offset === 0; i++) {
		const h = await fetch(uploadUrl, { method: 'HEAD',
			headers: { ...headers, 'Tus-Resumable': '1.0.0' } });
		check(h.status === 200, `HEAD: ${h.status}`);
		offset = Number(h.headers.get('upload-offset'));
		if (offset === 0)
			await new Promise((r) => setTimeout(r, 200));
	}
	check(offset > 0 && offset < size, `the server kept ${offset} bytes of the cut-off PATCH`);
	log(`the server kept ${offset} bytes`);

	// 3. A new Upload (as after a reload) resumes from the stored URL.
	let firstProgress = -1;
	const second = await start(pdf, {
		...common,
		uploadUrl,
		onProgress: (sent) => {
			if (firstProgress < 0)
				firstProgress = sent;
		},
	});
	check(second.url === uploadUrl, 'the resumed upload made a new one');
	check(firstProgress >= offset, `resume started at ${firstProgress}, not at ${offset}`);

	// 4. The document is complete and byte-identical.
	const list = await (await fetch(`${base}/api/v1/documents`, { headers })).json();
	const doc = list.documents.find((d) => d.filename === metadata.filename);
	check(doc && doc.status === 'ready', `document not ready: ${JSON.stringify(list)}`);
	check(doc.media_type === 'application/pdf', `typed as ${doc.media_type}`);
	const res = await fetch(`${base}/api/v1/documents/${doc.id}/content`, { headers });
	check(res.status === 200, `download: ${res.status}`);
	check(/filename\*=UTF-8''Hospital%20letters/.test(res.headers.get('content-disposition')),
		`Content-Disposition: ${res.headers.get('content-disposition')}`);
	const got = Buffer.from(await res.arrayBuffer());
	check(got.length === size, `downloaded ${got.length} bytes of ${size}`);
	check(sha256(got) === sha256(pdf), 'the downloaded bytes differ (SHA-256)');
	log(`downloaded ${got.length} bytes, SHA-256 identical`);
	return { offset };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
	tusResumeTest(process.env.CLINIC_TEST_URL || 'http://127.0.0.1:18380', { log: console.log })
		.then(() => console.log('ok - tus-js-client: interrupted upload resumed, bytes identical'),
			(e) => { console.error(`not ok - ${e.stack || e}`); process.exit(1); });
}
