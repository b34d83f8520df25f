// Prescriptions on the portal (views/prescriptions.js, formulary.js,
// rx-reports.js and the home pages): a patient on a phone sees their
// treatment plan and their prescription in plain words with its timeline;
// an admin adds a product to the formulary typing % and g; an auditor reads
// the prescribing reports and downloads the CSV; the prescriber opens the
// signature block (the openssl check really verifies) and the print-ready
// page with every Schedule 2 field. Each page: axe-core and no side scroll
// at 390 px. The plan and the prescription are made through the API by a
// specialist created for this test (with a known authenticator secret).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SECRET = 'KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLU';

export default function (h) {
	const { test, withPage, heading, signIn, enterCode, createUser, noSideScroll, noAxeViolations, screenshot,
		nextCode, assert, shared, PHONE, URL_, RUN,
		sql, stepCode: code, apiCall: call, apiSignIn, signInStaff } = h;

	const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

	// Staff with a known authenticator secret (already enrolled).
	function staff(role, extra = []) {
		const a = createUser(role, [...extra, '--totp-secret', SECRET]);
		a.secret = SECRET;
		return a;
	}

	function ymd(days) {
		return new Date(Date.now() + days * 86400000).toISOString().slice(0, 10);
	}

	function longDate(iso) {
		const [y, m, d] = iso.slice(0, 10).split('-').map(Number);
		return new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' })
			.format(new Date(Date.UTC(y, m - 1, d, 12)));
	}

	// A verified patient with an address, a specialist, a flower product, a
	// plan and a signed prescription (a draft if signing is refused), once.
	async function treatment() {
		if (shared.rx)
			return shared.rx;
		const t = {};
		t.patient = { email: `e2e-rx-${RUN}@example.org`, password: `e2e rx harbour lantern ${RUN}`,
			given: 'Rosa', family: `Mendes${RUN % 100000}` };
		const ps = { cookie: '', csrf: '' };
		let r = await call(ps, 'POST', '/api/v1/auth/register', { email: t.patient.email, password: t.patient.password,
			given_name: t.patient.given, family_name: t.patient.family, date_of_birth: '1979-06-14' });
		assert(r.status === 201, `register: ${r.status} ${r.text}`);
		t.pid = r.json.user.id;
		r = await call(ps, 'PATCH', '/api/v1/patients/me', { address_line1: '12 Harbour Street', town: 'Bristol', postcode: 'BS1 4DJ' });
		assert(r.status === 200, `address: ${r.status} ${r.text}`);
		sql(`INSERT INTO idv_check (patient_id, attempt, status, created_at, updated_at, completed_at)
			VALUES (${t.pid}, 1, 'clear', UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), UTC_TIMESTAMP(6));
			INSERT INTO idv_verified (patient_id, check_id, how, verified_at)
			SELECT ${t.pid}, id, 'clear', UTC_TIMESTAMP(6) FROM idv_check WHERE patient_id = ${t.pid};`);

		t.admin = staff('admin');
		const as = await apiSignIn(t.admin);
		t.as = as;
		r = await call(as, 'POST', '/api/v1/prescriptions/formulary', { supplier: 'Westcountry Botanicals Ltd',
			brand: `Tidewater${RUN % 100000}`, name: 'Harbour Flower 18%', form: 'flower', pack_size: 10000,
			thc_ug_per_unit: 180, cbd_ug_per_unit: 5 });
		assert(r.status === 201, `product: ${r.status} ${r.text}`);
		t.product = r.json;

		// The demo pharmacy really receives what is signed (issue 6): it
		// stocks this product (matched to the clinic's) so that it accepts
		// the prescription, which stays cancellable.
		const pharmacist = staff('pharmacist', ['--gphc', '2000005']);
		const phs = await apiSignIn(pharmacist);
		r = await call(phs, 'POST', '/api/v1/pharmacy/products', { clinic_product_id: t.product.id,
			supplier: t.product.supplier, brand: t.product.brand, name: t.product.name, form: 'flower',
			supply_unit: 'mg', pack_size: 10000 });
		assert(r.status === 201, `pharmacy product: ${r.status} ${r.text}`);
		const phProduct = r.json.id ?? (r.json.product && r.json.product.id);
		r = await call(phs, 'POST', '/api/v1/pharmacy/receipts', { product_id: phProduct,
			supplier: t.product.supplier, batch_number: `RX-${RUN % 100000}`, expiry_date: ymd(300),
			thc_ug_per_unit: 180, cbd_ug_per_unit: 5, quantity: 60000 });
		assert(r.status === 201 || r.status === 200, `pharmacy receipt: ${r.status} ${r.text}`);

		t.clinician = staff('clinician', ['--gmc', '7000003', '--specialist']);
		t.cs = await apiSignIn(t.clinician);
		r = await call(t.cs, 'POST', `/api/v1/prescriptions/plans/${t.pid}`, {
			condition: 'Chronic back pain', items: [{ product_id: t.product.id,
				dose: 'Vaporise 0.5 g up to twice a day', daily_amount: 1000, max_per_30d: 30000 }],
			max_thc_mg_per_day: 200, review_date: ymd(90), reason: 'Initial plan after the specialist consultation' });
		assert(r.status === 201, `plan: ${r.status} ${r.text}`);
		t.plan = r.json;
		r = await call(t.cs, 'POST', '/api/v1/prescriptions', { patient_id: t.pid, plan_id: t.plan.id,
			product_id: t.product.id, quantity: 20000 });
		assert(r.status === 201, `draft: ${r.status} ${r.text}`);
		t.rx = r.json;
		r = await call(t.cs, 'POST', `/api/v1/prescriptions/${t.rx.id}/sign`, { code: await code(t.clinician) });
		t.signed = r.status === 200;
		if (t.signed) {
			t.rx = r.json;
			// Dispatch carries it to the pharmacy, which checks it and accepts
			// it; the tests expect that answer (the status the patient sees).
			for (let i = 0; i < 180; i++) {
				r = await call(t.cs, 'GET', `/api/v1/prescriptions/${t.rx.id}`);
				assert(r.status === 200, `prescription: ${r.status} ${r.text}`);
				if (!['signed', 'sent'].includes(r.json.status))
					break;
				await sleep(500);
			}
			assert(r.json.status === 'accepted', `the pharmacy's answer is ${r.json.status}, not accepted: ${
				sql(`SELECT CONCAT(status, ' ', COALESCE(check_result, '')) FROM ph_prescription WHERE clinic_rx_id = ${t.rx.id}`)}`);
			t.rx = r.json;
		} else
			console.log(`# signing answered ${r.status} ${r.text.slice(0, 200)}: the tests use the draft`);
		shared.rx = t;
		return t;
	}

	test('prescriptions: a patient on a phone sees their plan and prescription in plain words with its timeline', async () => {
		const t = await treatment();
		await withPage(PHONE, async (page) => {
			await signIn(page, t.patient.email, t.patient.password);
			await heading(page, `Welcome, ${t.patient.given}`);
			// Home: the journey's treatment step says where the prescription is.
			const step = page.locator('.journey li').filter({ hasText: 'Your treatment' });
			await step.locator('.badge').filter({ hasText: 'Prescription:' }).waitFor();
			const badge = await step.locator('.badge').textContent();
			assert(badge.includes(t.rx.status_label), `home step "${badge}", not the status "${t.rx.status_label}"`);
			await noSideScroll(page, 'patient home with treatment');
			await noAxeViolations(page, 'patient home with treatment');
			await step.getByRole('link', { name: 'Your treatment' }).click();
			await heading(page, 'Your treatment');

			// The plan: product, dose, review date.
			const plan = page.locator('.rx-plan');
			await plan.waitFor();
			const planText = await plan.textContent();
			for (const want of ['Chronic back pain', t.product.name, 'Vaporise 0.5 g up to twice a day', longDate(t.plan.review_date)])
				assert(planText.includes(want), `the plan card has no "${want}": ${planText}`);

			// The prescription: status in the API's plain words, and the timeline.
			const latest = page.locator('.rx-latest');
			await latest.waitFor();
			const text = await latest.textContent();
			assert(text.includes(t.rx.status_label), `no status "${t.rx.status_label}" in: ${text}`);
			assert(t.rx.status_label && t.rx.status_label !== t.rx.status &&
				(await latest.locator('.badge').textContent()).trim() === t.rx.status_label, 'the status is not in words');
			const steps = await page.locator('.rx-timeline li').allTextContents();
			assert(steps.length >= 1 && steps.some((s) => (t.signed ? /Signed by the prescriber/ : /Prepared/).test(s)),
				`timeline: ${JSON.stringify(steps)}`);
			if (t.signed)
				assert(steps.some((s) => /the pharmacy/.test(s)), `the pharmacy's answer is not in the timeline: ${JSON.stringify(steps)}`);
			assert(!await page.getByText('openssl').count(), 'a patient sees the signature tools');
			await noSideScroll(page, 'patient prescriptions');
			await noAxeViolations(page, 'patient prescriptions');
			await screenshot(page, 'rx-patient-list.png');
			// The dark colours pass too (the display setting adds this class).
			await page.evaluate(() => document.documentElement.classList.add('theme-dark'));
			await noAxeViolations(page, 'patient prescriptions, dark');
			await page.evaluate(() => document.documentElement.classList.remove('theme-dark'));

			// The detail: quantity in figures and words, no staff-only parts.
			await latest.getByRole('link', { name: new RegExp(t.product.name) }).click();
			await heading(page, 'Your prescription');
			const qty = await page.locator('.rx-quantity').textContent();
			assert(qty.includes(t.rx.quantity_figures) && qty.includes(t.rx.quantity_words), `quantity: ${qty}`);
			assert(await page.getByRole('heading', { name: 'Electronic signature' }).count() === 0, 'signature block shown to a patient');
			assert(await page.getByRole('link', { name: 'Print' }).count() === 0, 'print offered to a patient');
			await noSideScroll(page, 'patient prescription');
			await noAxeViolations(page, 'patient prescription');
			await screenshot(page, 'rx-patient-detail.png');

			// The print sheet is for staff: a patient gets the plain page.
			await page.goto(`${URL_}/#/prescriptions`);
			await heading(page, 'Your treatment');
			await page.goto(`${URL_}/#/prescriptions/${t.rx.id}/print`);
			await heading(page, 'Your prescription');
			assert(await page.locator('.rx-sheet').count() === 0, 'a patient gets the print sheet');

			// Another patient's prescription is not there.
			await page.goto(`${URL_}/#/prescriptions/${t.rx.id + 100000}`);
			await page.getByText('There is no such prescription').waitFor();
		});
	});

	test('prescriptions: a new patient is told treatment comes after the consultation', () =>
		withPage(PHONE, async (page) => {
			const p = { email: `e2e-rx-new-${RUN}@example.org`, password: `e2e rx new lantern ${RUN}`, given: 'Nell', family: 'Quarry' };
			await h.signUp(page, p);
			await heading(page, `Welcome, ${p.given}`);
			const step = page.locator('.journey li').filter({ hasText: 'Your treatment' });
			await step.locator('.badge').filter({ hasText: 'Not yet' }).waitFor();
			await step.getByRole('link', { name: 'Your treatment' }).click();
			await heading(page, 'Your treatment');
			await page.getByText('You do not have a treatment plan yet.').waitFor();
			await page.getByText('No prescriptions yet.').waitFor();
			await noSideScroll(page, 'patient without treatment');
			await noAxeViolations(page, 'patient without treatment');
		}));

	test('prescriptions: an admin adds a flower typed as 22 % THC and a 10 g pack, and withdraws it', () =>
		withPage(PHONE, async (page) => {
			const admin = staff('admin');
			await signInStaff(page, admin, 'Administration');
			await page.getByRole('link', { name: 'Formulary' }).click();
			await heading(page, 'Formulary');
			await page.getByRole('button', { name: 'Add a product' }).click();
			const brand = `Quayside${RUN % 100000}`;
			await page.fill('#f-supplier', 'Estuary Pharma Ltd');
			await page.fill('#f-brand', brand);
			await page.fill('#f-name', 'Lantern Kush');
			await page.selectOption('#f-form', 'flower');
			await page.fill('#f-pack_size', '10');
			await page.fill('#f-thc_ug_per_unit', '22.55');
			await page.fill('#f-cbd_ug_per_unit', '0.5');
			await page.fill('#f-low_stock_threshold', '2.5');
			await page.getByRole('button', { name: 'Add the product' }).click();
			// Typed figures are checked before anything is sent: % to one decimal place.
			await page.locator('#f-thc_ug_per_unit[aria-invalid=true]').waitFor();
			await noAxeViolations(page, 'formulary: add with an error');
			await noSideScroll(page, 'formulary: add with an error');
			await page.fill('#f-thc_ug_per_unit', '22');
			const [res] = await Promise.all([
				page.waitForResponse((r) => r.url().endsWith('/api/v1/prescriptions/formulary') && r.request().method() === 'POST'),
				page.getByRole('button', { name: 'Add the product' }).click(),
			]);
			assert(res.status() === 201, `add answered ${res.status()}: ${await res.text()}`);
			const sent = JSON.parse(res.request().postData());
			assert(sent.pack_size === 10000 && sent.thc_ug_per_unit === 220 && sent.cbd_ug_per_unit === 5 &&
				sent.low_stock_threshold === 2500, `converted wrongly: ${JSON.stringify(sent)}`);
			await page.locator('[role=status]').filter({ hasText: `${brand} Lantern Kush added` }).waitFor();
			const item = page.locator('.rx-product').filter({ hasText: brand });
			await item.waitFor();
			const text = await item.textContent();
			assert(text.includes('THC 22%') && text.includes('10 g') && /Availability: unknown/.test(text), `listed as: ${text}`);
			await noSideScroll(page, 'formulary');
			await noAxeViolations(page, 'formulary');
			await screenshot(page, 'rx-formulary.png');

			// Editing shows the stored integers in the typed units and converts back.
			await page.getByRole('button', { name: `Edit ${brand} Lantern Kush` }).click();
			assert(await page.inputValue('#f-pack_size') === '10' && await page.inputValue('#f-thc_ug_per_unit') === '22' &&
				await page.inputValue('#f-cbd_ug_per_unit') === '0.5', 'the edit form does not show 10 g, 22 %, 0.5 %');
			assert(await page.inputValue('#f-low_stock_threshold') === '2.5', 'the edit form does not show the 2.5 g low-stock threshold');
			await page.fill('#f-pack_size', '15');
			await page.getByRole('button', { name: 'Save changes' }).click();
			await page.locator('[role=status]').filter({ hasText: `${brand} Lantern Kush saved` }).waitFor();
			await item.filter({ hasText: '15 g' }).waitFor();

			// An oil in ml and mg/ml, capsules by count and mg per capsule.
			for (const [form, pack, thc, cbd, want, listed] of [
				['oil', '50', '10', '2.5', null, ['50 ml']],
				['oil', '50', '10', '5', { pack_size: 50000, thc_ug_per_unit: 10, cbd_ug_per_unit: 5 }, ['THC 10 mg/ml', '50 ml']],
				['capsule', '30', '2.5', '0', { pack_size: 30, thc_ug_per_unit: 2500, cbd_ug_per_unit: 0 }, ['30 capsules']],
			]) {
				await page.getByRole('button', { name: 'Add a product' }).click();
				await page.fill('#f-supplier', 'Estuary Pharma Ltd');
				await page.fill('#f-brand', brand);
				await page.fill('#f-name', `Lantern ${form}`);
				await page.selectOption('#f-form', form);
				await page.fill('#f-pack_size', pack);
				await page.fill('#f-thc_ug_per_unit', thc);
				await page.fill('#f-cbd_ug_per_unit', cbd);
				if (!want) {
					// Liquids are whole mg/ml (exactly the API's ug per ul).
					await page.getByRole('button', { name: 'Add the product' }).click();
					await page.locator('#f-cbd_ug_per_unit[aria-invalid=true]').waitFor();
					assert(/whole number/.test(await h.describedBy(page, '#f-cbd_ug_per_unit')), 'the mg/ml rule is not said');
					await page.getByRole('button', { name: 'Cancel' }).click();
					continue;
				}
				const [r2] = await Promise.all([
					page.waitForResponse((r) => r.url().endsWith('/api/v1/prescriptions/formulary') && r.request().method() === 'POST'),
					page.getByRole('button', { name: 'Add the product' }).click(),
				]);
				assert(r2.status() === 201, `${form}: ${r2.status()} ${await r2.text()}`);
				const body = JSON.parse(r2.request().postData());
				for (const [k, v] of Object.entries(want))
					assert(body[k] === v, `${form}: ${k} sent as ${body[k]}, not ${v}`);
				const row = page.locator('.rx-product').filter({ hasText: `Lantern ${form}` });
				await row.waitFor();
				const rowText = await row.textContent();
				assert(listed.every((x) => rowText.includes(x)), `${form} listed as ${rowText}`);
			}

			// Search finds it; withdrawing keeps it listed as withdrawn.
			await page.fill('#f-q', 'lantern kush');
			await page.getByRole('button', { name: 'Search' }).click();
			await page.waitForFunction((b) => [...document.querySelectorAll('.rx-product')].length >= 1 &&
				[...document.querySelectorAll('.rx-product')].every((e) => /Lantern Kush/.test(e.textContent)) &&
				[...document.querySelectorAll('.rx-product')].some((e) => e.textContent.includes(b)), brand);
			await page.getByRole('button', { name: `Withdraw ${brand} Lantern Kush` }).click();
			await item.locator('.badge').filter({ hasText: 'Withdrawn' }).waitFor();
			assert(await page.locator('#f-inactive').isChecked(), 'withdrawn products are not shown');
		}));

	test('prescriptions: an auditor reads the prescribing totals and downloads the CSV', async () => {
		const t = await treatment();
		await withPage(PHONE, async (page) => {
			const auditor = staff('auditor');
			await signInStaff(page, auditor, 'Audit trail');
			await page.getByRole('link', { name: 'Prescribing reports' }).click();
			await heading(page, 'Prescribing reports');
			const brand = t.product.brand;
			const table = page.locator('.rx-table, #totals-h ~ p:has-text("No prescriptions")').first();
			await table.waitFor();
			if (t.signed) {
				const row = page.locator('.rx-table tbody tr').filter({ hasText: brand });
				await row.waitFor();
				const cells = await row.locator('td').allTextContents();
				assert(cells[0] === '1' || /1/.test(cells[0]), `prescriptions in the row: ${JSON.stringify(cells)}`);
			}
			await noSideScroll(page, 'reports');
			await noAxeViolations(page, 'reports');
			await screenshot(page, 'rx-reports.png');

			const link = page.locator('#totals-h ~ p a', { hasText: 'Download CSV' });
			const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
			const csv = readFileSync(await download.path(), 'utf8');
			const lines = csv.trim().split(/\r?\n/);
			assert(lines.length >= 1 && /prescriptions/i.test(lines[0]), `the CSV has no header row: ${csv.slice(0, 300)}`);
			assert(/\.csv$/.test(download.suggestedFilename()), `download named ${download.suggestedFilename()}`);
			if (t.signed)
				assert(lines.some((l) => l.includes(brand)), `the CSV has no row for ${brand}:\n${csv}`);

			// By prescriber: the specialist with their GMC number.
			if (t.signed) {
				await page.selectOption('#f-by', 'prescriber');
				await page.locator('.rx-table tbody th').filter({ hasText: 'GMC 7000003' }).first().waitFor();
				await noAxeViolations(page, 'reports by prescriber');
				await page.selectOption('#f-by', 'product');
				await page.locator('.rx-table tbody tr').filter({ hasText: brand }).waitFor();
			}

			// Running totals: the patient, with their prescription's amount.
			if (t.signed)
				await page.locator('.rx-running > li').filter({ hasText: t.patient.family }).waitFor();
			// One patient's.
			await page.fill('#f-running-patient', String(t.pid));
			await page.getByRole('button', { name: 'Show', exact: true }).click();
			if (t.signed)
				await page.waitForFunction((n) => {
					const li = [...document.querySelectorAll('.rx-running > li')];
					return li.length === 1 && li[0].textContent.includes(n);
				}, t.patient.family);
			await noAxeViolations(page, 'reports, one patient');
			const [d2] = await Promise.all([page.waitForEvent('download'),
				page.locator('#running-h ~ p a', { hasText: 'Download CSV' }).click()]);
			const csv2 = readFileSync(await d2.path(), 'utf8');
			assert(csv2.trim().length > 0, 'the running-totals CSV is empty');
			if (t.signed)
				assert(csv2.includes(t.patient.family) || csv2.includes(String(t.pid)), `running CSV lacks the patient:\n${csv2}`);
		});
	});

	test('prescriptions: the prescriber verifies the signature, prints every Schedule 2 field and cancels', async () => {
		const t = await treatment();
		await withPage(PHONE, async (page) => {
			await signInStaff(page, t.clinician, 'Clinician console');
			// The formulary, read-only for a clinician.
			await page.getByRole('link', { name: 'Formulary' }).click();
			await heading(page, 'Formulary');
			await page.fill('#f-q', t.product.brand);
			await page.getByRole('button', { name: 'Search' }).click();
			await page.locator('.rx-product').filter({ hasText: t.product.brand }).waitFor();
			assert(await page.getByRole('button', { name: /Add a product|Edit|Withdraw/ }).count() === 0,
				'a clinician is offered to change the formulary');
			await noAxeViolations(page, 'formulary, clinician');
			await page.goto(`${URL_}/#/home`);
			await heading(page, 'Clinician console');

			await page.getByRole('link', { name: 'Prescriptions' }).click();
			await heading(page, 'Prescriptions');
			const item = page.locator('.rx-item').filter({ hasText: `${t.patient.given} ${t.patient.family}` });
			await item.waitFor();
			// Filtered by the patient's number: only theirs.
			await page.fill('#f-rx-patient', String(t.pid));
			await page.getByRole('button', { name: 'Show prescriptions' }).click();
			await page.waitForFunction((n) => [...document.querySelectorAll('.rx-item')].every((e) => e.textContent.includes(n)),
				`${t.patient.given} ${t.patient.family}`);
			await noSideScroll(page, 'staff prescriptions');
			await noAxeViolations(page, 'staff prescriptions');
			await item.getByRole('link').click();
			await heading(page, `Prescription ${t.rx.id}`);

			if (t.signed) {
				// The three links and the command verify with openssl.
				await page.getByRole('heading', { name: 'Electronic signature' }).waitFor();
				const cmd = await page.locator('.rx-command').textContent();
				assert(/^openssl dgst -sha256 -verify \S+\.pem -signature \S+ \S+\.json$/.test(cmd.trim()), `command: ${cmd}`);
				const dir = mkdtempSync(join(tmpdir(), 'rx-verify-'));
				try {
					for (const a of await page.locator('.rx-files a').all()) {
						const r = await page.request.get(`${URL_}${await a.getAttribute('href')}`);
						assert(r.ok(), `${await a.getAttribute('href')}: ${r.status()}`);
						writeFileSync(join(dir, await a.getAttribute('download')), await r.body());
					}
					const out = execFileSync('sh', ['-c', `${cmd.trim()} 2>&1`], { cwd: dir, encoding: 'utf8' });
					assert(/Verified OK/.test(out), `openssl: ${out}`);
				} finally {
					rmSync(dir, { recursive: true, force: true });
				}
			}
			await noSideScroll(page, 'staff prescription');
			await noAxeViolations(page, 'staff prescription');
			await screenshot(page, 'rx-staff-detail.png');

			await page.getByRole('link', { name: 'Print' }).click();
			await heading(page, 'Private prescription');
			const sheet = page.locator('.rx-sheet');
			await sheet.waitFor();
			const r = await page.request.get(`${URL_}/api/v1/prescriptions/${t.rx.id}`);
			const rx = await r.json();
			const text = await sheet.textContent();
			const want = [
				`${t.patient.given} ${t.patient.family}`, '12 Harbour Street', 'Bristol', 'BS1 4DJ', '14 June 1979',
				t.product.name, t.product.brand, t.product.supplier, t.product.form_label, t.product.strength_label,
				rx.dose, rx.quantity_figures, rx.quantity_words, `${rx.days_supply}`,
				rx.prescriber.name, rx.prescriber.registration_number, `${rx.id}`,
			];
			if (t.signed)
				want.push(longDate(rx.signed_at), longDate(rx.valid_until), rx.key_fingerprint);
			for (const line of (typeof rx.prescriber.address === 'string' ? rx.prescriber.address.split(/\n|,\s*/) : []).filter(Boolean))
				want.push(line.trim());
			for (const w of want)
				assert(w && text.includes(w), `the print page has no "${w}"`);
			assert(await page.locator('.rx-thc').textContent() === '18%' && await page.locator('.rx-cbd').textContent() === '0.5%',
				`THC/CBD content: ${await page.locator('.rx-thc').textContent()} / ${await page.locator('.rx-cbd').textContent()}`);
			assert(await page.locator('.rx-qty-words').textContent() === rx.quantity_words, 'quantity in words');
			assert(await page.locator('.rx-qty-figures').textContent() === rx.quantity_figures, 'quantity in figures');
			assert((await page.locator('.rx-ink').count() === 1) === !!rx.paper_required, 'ink signature line does not follow paper_required');
			await noSideScroll(page, 'print page');
			await noAxeViolations(page, 'print page');
			await screenshot(page, 'rx-print.png');

			// A signed prescription prints what was signed, even after the product record changes.
			if (t.signed) {
				const p = t.product;
				const ren = await call(t.as, 'PUT', `/api/v1/prescriptions/formulary/${p.id}`, { supplier: p.supplier,
					brand: p.brand, name: 'Renamed Flower', form: p.form, pack_size: p.pack_size,
					thc_ug_per_unit: p.thc_ug_per_unit, cbd_ug_per_unit: p.cbd_ug_per_unit, active: true });
				assert(ren.status === 200, `rename: ${ren.status} ${ren.text}`);
				await page.reload();
				await heading(page, 'Private prescription');
				const again = await page.locator('.rx-sheet').textContent();
				assert(again.includes(p.name) && !again.includes('Renamed Flower'), 'the print shows the product as it is now, not as signed');
			}

			// Printed: no portal chrome, no buttons, the sheet itself.
			await page.emulateMedia({ media: 'print' });
			assert(!await page.locator('.site-header').isVisible(), 'the portal header prints');
			assert(!await page.locator('.rx-print-actions').isVisible(), 'the print buttons print');
			assert(await sheet.isVisible(), 'the prescription does not print');
			await screenshot(page, 'rx-print-media.png');
			const pdf = await page.pdf({ format: 'A4' });
			assert(pdf.length > 1000, 'no PDF');

			// Where the paper original is required (a setting read at signing,
			// so here the answer is altered in the browser only), the sheet has
			// a line for the prescriber's ink signature.
			await page.emulateMedia({ media: 'screen' });
			await page.route(`${URL_}/api/v1/prescriptions/${t.rx.id}`, async (route) => {
				const res = await route.fetch();
				route.fulfill({ response: res, json: { ...await res.json(), paper_required: true } });
			});
			await page.goto(`${URL_}/#/prescriptions/${t.rx.id}`);
			await heading(page, `Prescription ${t.rx.id}`);
			await page.goto(`${URL_}/#/prescriptions/${t.rx.id}/print`);
			await heading(page, 'Private prescription');
			await page.locator('.rx-ink').getByText("Prescriber's signature (in ink)").waitFor();
			await noAxeViolations(page, 'print page with the ink line');
			await noSideScroll(page, 'print page with the ink line');
			await page.unrouteAll();

			// Last (the other tests have used it): the prescriber cancels it with a reason.
			await page.getByRole('link', { name: 'Back to the prescription' }).click();
			await heading(page, `Prescription ${t.rx.id}`);
			await page.getByRole('button', { name: 'Cancel this prescription' }).click();
			await page.getByRole('button', { name: 'Cancel the prescription' }).click();
			await page.locator('[role=alert]').filter({ hasText: 'Give a reason' }).waitFor();
			await noAxeViolations(page, 'cancel form');
			await page.fill('#f-cancel-reason', 'Patient asked to stop treatment');
			const [cres] = await Promise.all([
				page.waitForResponse((x) => x.url().endsWith(`/api/v1/prescriptions/${t.rx.id}/cancel`)),
				page.getByRole('button', { name: 'Cancel the prescription' }).click(),
			]);
			assert(cres.status() === 200, `cancel answered ${cres.status()}: ${await cres.text()}`);
			await page.getByText('The prescription is cancelled.').waitFor();
			await page.locator('.rx-timeline li').filter({ hasText: 'Reason: Patient asked to stop treatment' }).waitFor();
			const after = await (await page.request.get(`${URL_}/api/v1/prescriptions/${t.rx.id}`)).json();
			assert(after.status === 'cancelled', `status after cancelling: ${after.status}`);
			// Accepted at the pharmacy, so the cancellation is sent on to it.
			if (t.signed)
				assert(sql(`SELECT COUNT(*) FROM outbox WHERE idempotency_key = 'rx-${t.rx.id}-cancel'`) === '1',
					'the cancellation is not queued for the pharmacy');
			assert((await page.locator('.rx-status-line .badge').textContent()).trim() === after.status_label,
				'the badge does not show the cancelled status in words');
			assert(await page.getByRole('button', { name: 'Cancel this prescription' }).count() === 0, 'cancel still offered');
		});
	});
}
