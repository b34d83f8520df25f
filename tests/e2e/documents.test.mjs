// Documents on a phone: photos taken with the camera input become one PDF
// uploaded over tus with a progress bar; a disguised wrong type is refused
// with a clear message; a clinician asks for a new upload and the patient
// sees why; and the real tus-js-client (node) resumes an interrupted upload
// with the bytes intact (documents-tus.mjs).
import { tusResumeTest } from './documents-tus.mjs';

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
