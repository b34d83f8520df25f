// Documents on a phone: photos taken with the camera input become one PDF
// uploaded over tus with a progress bar; a disguised wrong type is refused
// with a clear message; a clinician asks for a new upload and the patient
// sees why; and the real tus-js-client (node) resumes an interrupted upload
// with the bytes intact (documents-tus.mjs). After a reload part-way, an
// upload (a chosen file, or photos made into a PDF) carries on by itself from
// what the page kept in IndexedDB; signing out leaves nothing kept.
import { createHash, randomBytes } from 'node:crypto';
import { tusResumeTest } from './documents-tus.mjs';

const sha256 = (buf) => createHash('sha256').update(buf).digest('hex');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// The unfinished uploads the page keeps (htdocs/js/documents-pending.js), without their bytes.
function pendingRecords(page) {
	return page.evaluate(() => new Promise((resolve, reject) => {
		const rq = indexedDB.open('clinic-documents');
		rq.onsuccess = () => {
			const db = rq.result;
			if (!db.objectStoreNames.contains('pending')) {
				// Opening created an empty database: leave none behind for the page.
				db.close();
				indexedDB.deleteDatabase('clinic-documents');
				resolve([]);
				return;
			}
			const g = db.transaction('pending').objectStore('pending').getAll();
			g.onsuccess = () => {
				db.close();
				resolve(g.result.map((r) => ({ id: r.id, userId: r.userId, name: r.name, category: r.category,
					uploadUrl: r.uploadUrl, size: r.blob && r.blob.size })));
			};
			g.onerror = () => reject(g.error);
		};
		rq.onerror = () => reject(rq.error);
	}));
}

// The patient's documents and the SHA-256 of the first one's content, both
// through the API.
function firstDocument(page) {
	return page.evaluate(async () => {
		const list = await (await fetch('/api/v1/documents')).json();
		const d = list.documents[0];
		const bytes = await (await fetch(`/api/v1/documents/${d.id}/content`)).arrayBuffer();
		const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
		return { n: list.documents.length, doc: d,
			sha256: Array.from(digest, (b) => b.toString(16).padStart(2, '0')).join('') };
	});
}

// Cuts the upload off part-way as a reload would: the first PATCH reaches the
// server with only its first `part` of bytes (so the server keeps them) and
// its answer never comes back, as if the page were reloaded mid-request.
// Later PATCHes go through, each after `delay` ms so the progress can be seen.
async function stallFirstPatch(page, part, delay = 1200) {
	const seen = { post: 0, patch: 0, head: 0, offsets: [], body: null, kept: 0 };
	let stalled;
	const cut = new Promise((r) => { stalled = r; });
	// Resolves once the first PATCH has been cut off; fails after 20 s.
	seen.stalled = () => Promise.race([cut, sleep(20000).then(() => {
		throw new Error(`no PATCH was cut off in 20 s (${seen.post} POST, ${seen.patch} PATCH)`);
	})]);
	await page.route('**/api/v1/documents/uploads**', async (route) => {
		const rq = route.request();
		const m = rq.method();
		if (m === 'POST')
			seen.post++;
		if (m === 'HEAD')
			seen.head++;
		if (m !== 'PATCH')
			return route.continue();
		seen.patch++;
		const headers = await rq.allHeaders();
		seen.offsets.push(Number(headers['upload-offset']));
		if (seen.patch === 1) {
			seen.body = rq.postDataBuffer();
			const cut = seen.body.subarray(0, Math.floor(seen.body.length * part));
			const h = { ...headers };
			delete h['content-length'];
			const res = await route.fetch({ headers: h, postData: cut });
			seen.kept = Number(res.headers()['upload-offset']);
			stalled();
			return undefined;	// never answered: the reload ends the request
		}
		await sleep(delay);
		return route.continue();
	});
	return seen;
}

// A real JPEG of w×h made by the page's own canvas (no fixture file needed).
async function makeJpeg(page, w, h, hue) {
	const url = await page.evaluate(([w, h, hue]) => {
		const c = document.createElement('canvas');
		c.width = w;
		c.height = h;
		const g = c.getContext('2d');
		g.fillStyle = `hsl(${hue} 60% 85%)`;
		g.fillRect(0, 0, w, h);
		g.fillStyle = '#222';
		g.font = '40px sans-serif';
		for (let y = 60; y < h; y += 60)
			g.fillText('Letter from the hospital, page text', 20, y);
		return c.toDataURL('image/jpeg', 0.8);
	}, [w, h, hue]);
	return Buffer.from(url.split(',')[1], 'base64');
}

export default function (h) {
	const { test, withPage, heading, signUp, signInDemoStaff, noSideScroll, noAxeViolations,
		screenshot, assert, PHONE, URL_, RUN } = h;

	async function newPatient(page, tag) {
		const p = {
			email: `e2e-docs-${tag}-${RUN}@example.org`, password: `e2e docs harbour ${tag} ${RUN}`,
			given: 'Noor', family: `Scanner${tag}`,
		};
		await signUp(page, p);
		await heading(page, 'Welcome');
		const me = await page.evaluate(() => fetch('/api/v1/auth/me').then((r) => r.json()));
		p.id = me.user.id;
		await page.goto(`${URL_}/#/documents`);
		await heading(page, 'Your documents');
		return p;
	}

	test('a patient on a phone takes two photos, sends them as one PDF and sees the progress', () =>
		withPage(PHONE, async (page) => {
			await newPatient(page, 'photo');
			await page.getByText('No documents yet.').waitFor();
			await noAxeViolations(page, 'documents (empty)');
			const capture = page.locator('#doc-photo');
			assert(await capture.getAttribute('capture') === 'environment', 'the photo input does not open the camera');
			assert(await capture.getAttribute('accept') === 'image/*', 'the photo input accepts more than images');
			await page.check('#cat-letter');
			await capture.setInputFiles({ name: 'page1.jpg', mimeType: 'image/jpeg', buffer: await makeJpeg(page, 1200, 1600, 40) });
			await page.getByText('Photo 1 added.').waitFor();
			await capture.setInputFiles({ name: 'page2.jpg', mimeType: 'image/jpeg', buffer: await makeJpeg(page, 1600, 1200, 200) });
			await page.getByText('2 photos').first().waitFor();
			await page.getByRole('button', { name: 'Send 2 photos as one document' }).click();
			const bar = page.getByRole('progressbar');
			await bar.waitFor();
			await page.waitForFunction(() => document.querySelector('[role=progressbar]')?.getAttribute('aria-valuenow') === '100');
			await page.getByText('The clinic can now see it.').waitFor();
			const link = page.getByRole('link', { name: /Photos .*\(2 pages\)\.pdf/ });
			await link.waitFor();
			await noSideScroll(page, 'documents');
			await noAxeViolations(page, 'documents');
			await screenshot(page, 'documents.png');
			// One PDF with two pages, typed by its content on the server.
			const info = await page.evaluate(async () => {
				const list = await (await fetch('/api/v1/documents')).json();
				const d = list.documents[0];
				const bytes = new Uint8Array(await (await fetch(`/api/v1/documents/${d.id}/content`)).arrayBuffer());
				const text = new TextDecoder('latin1').decode(bytes);
				return { n: list.documents.length, type: d.media_type, category: d.category,
					head: text.slice(0, 8), pages: (text.match(/\/Type \/Page\b(?!s)/g) || []).length,
					images: (text.match(/\/DCTDecode/g) || []).length };
			});
			assert(info.n === 1, `${info.n} documents, expected one`);
			assert(info.type === 'application/pdf' && info.head === '%PDF-1.4', `typed ${info.type}, starts ${info.head}`);
			assert(info.pages === 2 && info.images === 2, `${info.pages} pages, ${info.images} images`);
			assert(info.category === 'letter', `category ${info.category}`);
		}));

	test('the connection drops during an upload; it carries on by itself', () =>
		withPage(PHONE, async (page) => {
			await newPatient(page, 'drop');
			const seen = { post: 0, patch: 0, aborted: 0 };
			await page.route('**/api/v1/documents/uploads**', (route) => {
				const m = route.request().method();
				if (m === 'POST')
					seen.post++;
				if (m === 'PATCH' && ++seen.patch === 1) {
					seen.aborted++;
					return route.abort('connectionreset');
				}
				return route.continue();
			});
			await page.check('#cat-identity');
			await page.locator('#doc-file').setInputFiles({ name: 'passport.jpg', mimeType: 'image/jpeg',
				buffer: await makeJpeg(page, 1400, 1000, 300) });
			await page.getByText('The clinic can now see it.').waitFor();
			await page.getByRole('link', { name: 'passport.jpg' }).waitFor();
			assert(seen.aborted === 1 && seen.patch >= 2, `PATCHes: ${seen.patch}, aborted ${seen.aborted}`);
			assert(seen.post === 1, `${seen.post} uploads were created; the retry should continue the first`);
			const type = await page.evaluate(async () => (await (await fetch('/api/v1/documents')).json()).documents[0].media_type);
			assert(type === 'image/jpeg', `typed ${type}`);
		}));

	test('a reload part-way through an upload: it carries on by itself and the bytes are intact', () =>
		withPage(PHONE, async (page) => {
			const p = await newPatient(page, 'reload');
			const bytes = Buffer.concat([Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n'), randomBytes(7 * 1024 * 1024)]);
			const seen = await stallFirstPatch(page, 0.4);
			await page.check('#cat-medical_records_summary');
			await page.locator('#doc-file').setInputFiles({ name: 'hospital-summary.pdf', mimeType: 'application/pdf', buffer: bytes });
			await page.getByRole('progressbar').waitFor();
			await seen.stalled();
			assert(seen.kept > 0 && seen.kept < bytes.length, `the server kept ${seen.kept} of ${bytes.length} bytes`);
			// The page kept the file, its category and the upload's URL for this patient.
			const kept = await pendingRecords(page);
			assert(kept.length === 1 && kept[0].userId === p.id && kept[0].size === bytes.length &&
				kept[0].name === 'hospital-summary.pdf' && kept[0].category === 'medical_records_summary' &&
				/\/api\/v1\/documents\/uploads\/[0-9a-f]+$/.test(kept[0].uploadUrl || ''),
			`kept: ${JSON.stringify(kept)}`);

			await page.reload();
			await heading(page, 'Your documents');
			// Nobody chooses the file again.
			await page.getByRole('status').filter({ hasText: 'Carrying on with hospital-summary.pdf where it stopped' }).waitFor();
			await page.getByText('Carrying on with hospital-summary.pdf where it stopped').first().waitFor();
			const bar = page.getByRole('progressbar');
			await bar.waitFor();
			await noSideScroll(page, 'documents (carrying on)');
			await noAxeViolations(page, 'documents (carrying on)');
			await screenshot(page, 'documents-carrying-on.png');
			await page.waitForFunction(() => document.querySelector('[role=progressbar]')?.getAttribute('aria-valuenow') === '100',
				null, { timeout: 30000 });
			await page.getByText('hospital-summary.pdf is uploaded. The clinic can now see it.').waitFor();
			await page.getByRole('link', { name: 'hospital-summary.pdf' }).waitFor();
			assert(seen.post === 1, `${seen.post} uploads were created; the reload should carry on the first`);
			assert(seen.head >= 1 && seen.patch >= 2 && seen.offsets[1] === seen.kept,
				`after the reload: ${seen.head} HEAD, PATCH offsets ${seen.offsets.join(', ')} (server kept ${seen.kept})`);
			const got = await firstDocument(page);
			assert(got.n === 1 && got.doc.status === 'ready' && got.doc.size === bytes.length, `documents: ${JSON.stringify(got)}`);
			assert(got.doc.media_type === 'application/pdf', `typed ${got.doc.media_type}`);
			assert(got.sha256 === sha256(bytes), 'the downloaded bytes differ from the file chosen');
			const left = await pendingRecords(page);
			assert(left.length === 0, `still kept after the upload: ${JSON.stringify(left)}`);
		}));

	test('photos made into one PDF carry on after a reload', () =>
		withPage(PHONE, async (page) => {
			await newPatient(page, 'photoreload');
			const seen = await stallFirstPatch(page, 0.5, 300);
			await page.check('#cat-letter');
			const capture = page.locator('#doc-photo');
			await capture.setInputFiles({ name: 'p1.jpg', mimeType: 'image/jpeg', buffer: await makeJpeg(page, 1200, 1600, 20) });
			await page.getByText('Photo 1 added.').waitFor();
			await capture.setInputFiles({ name: 'p2.jpg', mimeType: 'image/jpeg', buffer: await makeJpeg(page, 1200, 1600, 260) });
			await page.getByRole('button', { name: 'Send 2 photos as one document' }).click();
			await seen.stalled();
			assert(seen.kept > 0 && seen.kept < seen.body.length, `the server kept ${seen.kept} of ${seen.body.length} bytes`);
			await page.reload();
			await heading(page, 'Your documents');
			await page.getByText(/Carrying on with Photos .*\(2 pages\)\.pdf where it stopped/).first().waitFor();
			await page.getByText('The clinic can now see it.').waitFor();
			await page.getByRole('link', { name: /Photos .*\(2 pages\)\.pdf/ }).waitFor();
			assert(seen.post === 1 && seen.offsets[1] === seen.kept, `${seen.post} uploads, PATCH offsets ${seen.offsets.join(', ')}`);
			const got = await firstDocument(page);
			assert(got.n === 1 && got.doc.media_type === 'application/pdf' && got.doc.category === 'letter',
				`documents: ${JSON.stringify(got)}`);
			assert(got.sha256 === sha256(seen.body), 'the downloaded PDF differs from the one the page built');
			assert((await pendingRecords(page)).length === 0, 'the PDF is still kept after the upload');
		}));

	test('signing out leaves no unfinished upload on the device; another patient\'s are never resumed', () =>
		withPage(PHONE, async (page) => {
			await newPatient(page, 'shared');
			// Left by someone else on this phone: deleted, not sent, when the screen opens.
			await page.evaluate(() => new Promise((resolve, reject) => {
				const rq = indexedDB.open('clinic-documents', 1);
				rq.onupgradeneeded = () => rq.result.createObjectStore('pending', { keyPath: 'id', autoIncrement: true });
				rq.onsuccess = () => {
					const tx = rq.result.transaction('pending', 'readwrite');
					tx.objectStore('pending').add({ userId: -1, blob: new Blob(['%PDF-1.4\n']), name: 'not-yours.pdf',
						type: 'application/pdf', category: 'other', request: null, label: 'not-yours.pdf',
						uploadUrl: null, created: Date.now() });
					tx.oncomplete = () => { rq.result.close(); resolve(); };
					tx.onerror = () => reject(tx.error);
				};
				rq.onerror = () => reject(rq.error);
			}));
			await page.reload();
			await heading(page, 'Your documents');
			await page.getByText('No documents yet.').waitFor();
			await page.waitForFunction(() => new Promise((resolve) => {
				const rq = indexedDB.open('clinic-documents');
				rq.onsuccess = () => {
					const g = rq.result.transaction('pending').objectStore('pending').count();
					g.onsuccess = () => { rq.result.close(); resolve(g.result === 0); };
				};
			}));
			assert(!await page.getByText('not-yours.pdf').isVisible(), 'another patient\'s upload is shown');

			const seen = await stallFirstPatch(page, 0.3);
			await page.check('#cat-identity');
			await page.locator('#doc-file').setInputFiles({ name: 'licence.pdf', mimeType: 'application/pdf',
				buffer: Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(512 * 1024)]) });
			await seen.stalled();
			assert((await pendingRecords(page)).length === 1, 'the upload was not kept while it ran');
			await h.signOut(page);
			const left = await pendingRecords(page);
			assert(left.length === 0, `kept after sign-out: ${JSON.stringify(left)}`);
		}));

	test('an upload the server no longer has starts again from the kept file; a stopped upload is forgotten', () =>
		withPage(PHONE, async (page) => {
			await newPatient(page, 'gone');
			const bytes = Buffer.concat([Buffer.from('%PDF-1.4\n'), randomBytes(768 * 1024)]);
			let seen = await stallFirstPatch(page, 0.5, 300);
			await page.check('#cat-other');
			await page.locator('#doc-file').setInputFiles({ name: 'old-letter.pdf', mimeType: 'application/pdf', buffer: bytes });
			await seen.stalled();
			// The unfinished upload goes (as one a week old does) while the page is away.
			const status = await page.evaluate(async () => {
				const { csrf_token: csrf } = await (await fetch('/api/v1/auth/me')).json();
				const { documents } = await (await fetch('/api/v1/documents')).json();
				return (await fetch(`/api/v1/documents/${documents[0].id}`,
					{ method: 'DELETE', headers: { 'X-CSRF-Token': csrf } })).status;
			});
			assert(status === 204, `deleting the unfinished upload: ${status}`);
			await page.reload();
			await heading(page, 'Your documents');
			await page.getByText('old-letter.pdf is uploaded. The clinic can now see it.').waitFor();
			assert(seen.post === 2 && seen.offsets[seen.offsets.length - 1] === 0,
				`${seen.post} uploads, PATCH offsets ${seen.offsets.join(', ')}: expected a new upload from the start`);
			const got = await firstDocument(page);
			assert(got.n === 1 && got.doc.status === 'ready' && got.sha256 === sha256(bytes), `documents: ${JSON.stringify(got.doc)}`);
			assert((await pendingRecords(page)).length === 0, 'still kept after the new upload');

			// Stopped by the patient: removed on the server and forgotten here.
			await page.unroute('**/api/v1/documents/uploads**');
			seen = await stallFirstPatch(page, 0.5);
			await page.check('#cat-other');
			await page.locator('#doc-file').setInputFiles({ name: 'wrong-one.pdf', mimeType: 'application/pdf', buffer: bytes });
			await seen.stalled();
			await page.getByRole('button', { name: 'Stop this upload' }).click();
			await page.getByRole('status').filter({ hasText: 'The upload of wrong-one.pdf is stopped and removed.' }).waitFor();
			assert((await pendingRecords(page)).length === 0, 'a stopped upload is still kept');
			await page.reload();
			await heading(page, 'Your documents');
			await page.getByRole('link', { name: 'old-letter.pdf' }).waitFor();
			const list = await page.evaluate(async () => (await (await fetch('/api/v1/documents')).json()).documents.map((d) => d.filename));
			assert(list.length === 1 && list[0] === 'old-letter.pdf', `documents after stopping: ${list.join(', ')}`);
			assert(seen.post === 1, `${seen.post} uploads created after the reload; the stopped one came back`);
		}));

	test('a text file named .pdf is refused with a message saying what is accepted', () =>
		withPage(PHONE, async (page) => {
			await newPatient(page, 'wrongtype');
			await page.check('#cat-medical_records_summary');
			await page.locator('#doc-file').setInputFiles({ name: 'summary.pdf', mimeType: 'application/pdf',
				buffer: Buffer.from('These are my notes, not a PDF at all.\n'.repeat(50)) });
			const alert = page.getByRole('alert').filter({ hasText: 'This type of file is not accepted' });
			await alert.waitFor();
			const text = await alert.textContent();
			assert(/PDF, JPEG, PNG, HEIC or WebP/.test(text), `message: ${text}`);
			await page.getByText('No documents yet.').waitFor();
			await noAxeViolations(page, 'documents (refused)');
			// Too large: said before a byte is sent.
			await page.evaluate(() => {
				const dt = new DataTransfer();
				dt.items.add(new File([new Uint8Array(201 * 1024 * 1024)], 'whole-archive.pdf', { type: 'application/pdf' }));
				const input = document.querySelector('#doc-file');
				input.files = dt.files;
				input.dispatchEvent(new Event('change', { bubbles: true }));
			});
			const big = page.getByRole('alert').filter({ hasText: 'The file is too large' });
			await big.waitFor();
			assert(/largest file accepted is 200 MB/.test(await big.textContent()), `message: ${await big.textContent()}`);
			await screenshot(page, 'documents-refused.png');
			// Without a category the patient is asked to choose one first.
			await page.reload();
			await heading(page, 'Your documents');
			await page.locator('#doc-file').setInputFiles({ name: 'a.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n') });
			await page.getByRole('alert').filter({ hasText: 'Choose what the document is' }).waitFor();
		}));

	test('a clinician asks for a new upload; the patient sees the reason and the upload closes it', async () => {
		let patient;
		await withPage(PHONE, async (page) => {
			patient = await newPatient(page, 'request');
		});
		const reason = `The letter is cut off at the bottom (${RUN}); please photograph the whole page.`;
		await withPage(PHONE, async (page) => {
			await signInDemoStaff(page, 'clinician');
			await heading(page, 'Clinician console');
			await page.goto(`${URL_}/#/patients/${patient.id}`);
			await heading(page, `Noor ${patient.family}`);
			await page.getByRole('heading', { name: 'Documents' }).waitFor();
			await page.selectOption('#ask-category', 'letter');
			await page.fill('#ask-reason', reason);
			await page.getByRole('button', { name: 'Ask the patient' }).click();
			await page.getByText('The patient has been asked for a new upload.').waitFor();
			await page.getByText(reason).waitFor();
			await noSideScroll(page, 'patient documents (staff)');
			await noAxeViolations(page, 'patient documents (staff)');
		});
		await withPage(PHONE, async (page) => {
			await h.signIn(page, patient.email, patient.password);
			await heading(page, 'Welcome');
			await page.goto(`${URL_}/#/documents`);
			await heading(page, 'Your documents');
			await page.getByText(reason).waitFor();
			await page.getByRole('button', { name: 'Upload this' }).click();
			assert(await page.isChecked('#cat-letter'), 'the request did not choose its category');
			await page.locator('#doc-photo').setInputFiles({ name: 'again.jpg', mimeType: 'image/jpeg', buffer: await makeJpeg(page, 900, 1200, 120) });
			await page.getByRole('button', { name: 'Send 1 photo as one document' }).click();
			await page.getByText('The clinic can now see it.').waitFor();
			await page.getByRole('heading', { name: 'The clinic asked you for' }).waitFor({ state: 'detached' });
		});
	});

	test('tus-js-client (node) resumes an upload cut off part-way; the download is identical', async () => {
		const r = await tusResumeTest(URL_);
		assert(r.offset > 0, 'nothing was kept of the interrupted PATCH');
	});
}
