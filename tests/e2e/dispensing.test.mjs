// The issue's browser test (issue 6): a prescription goes from the
// clinician's signature to the patient's door. A specialist signs through
// the API (set-up); dispatch carries it to the pharmacy, which checks and
// accepts it; a pharmacist in the portal (views/pharmacy.js) dispenses it
// with a batch pick for delivery and books the courier (views/shipments.js,
// ShipmentPanel); the patient, on a phone, sees it shipped with the
// tracking number; the courier stand-in is advanced to delivered and the
// patient sees it delivered. Each page the patient sees: axe-core and no
// side scroll at 390 px.

const SECRET = 'KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLV';

export default function (h) {
	const { test, withPage, heading, signIn, enterCode, createUser, noSideScroll, noAxeViolations, screenshot,
		nextCode, assert, PHONE, URL_, RUN, CONF,
		sql, confValue, stepCode: code, apiCall: call, apiSignIn, signInStaff } = h;

	const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

	function staff(role, extra) {
		const a = createUser(role, [...extra, '--totp-secret', SECRET]);
		a.secret = SECRET;
		return a;
	}

	// Polls fn() (resolving to a truthy value when done) for up to secs seconds.
	async function until(what, secs, fn) {
		let last;
		for (let i = 0; i < secs * 2; i++) {
			last = await fn();
			if (last)
				return last;
			await sleep(500);
		}
		assert(false, `${what}: not within ${secs} s`);
		return null;
	}

	async function courier(method, path, body) {
		const r = await fetch(`${confValue('courier_url')}${path}`, {
			method, headers: { 'Content-Type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
		});
		const json = await r.json();
		assert(r.status === 200, `courier stand-in ${method} ${path}: ${r.status} ${JSON.stringify(json)}`);
		return json;
	}

	const ymd = (days) => new Date(Date.now() + days * 86400000).toISOString().slice(0, 10);

	test('dispensing: a pharmacist dispenses with a batch pick and books the courier; the patient on a phone sees it shipped, then delivered', async () => {
		const tag = RUN % 100000;
		// --- set-up through the API: patient, product, pharmacy stock, plan, signed prescription
		const patient = { email: `e2e-disp-${RUN}@example.org`, password: `e2e dispensing lantern ${RUN}`,
			given: 'Nadia', family: `Okafor${tag}` };
		const ps = { cookie: '', csrf: '' };
		let r = await call(ps, 'POST', '/api/v1/auth/register', { email: patient.email, password: patient.password,
			given_name: patient.given, family_name: patient.family, date_of_birth: '1984-03-09' });
		assert(r.status === 201, `register: ${r.status} ${r.text}`);
		const pid = r.json.user.id;
		r = await call(ps, 'PATCH', '/api/v1/patients/me', { address_line1: '7 Quay Street', town: 'Bristol', postcode: 'BS1 4DJ' });
		assert(r.status === 200, `address: ${r.status} ${r.text}`);
		sql(`INSERT INTO idv_check (patient_id, attempt, status, created_at, updated_at, completed_at)
			VALUES (${pid}, 1, 'clear', UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), UTC_TIMESTAMP(6));
			INSERT INTO idv_verified (patient_id, check_id, how, verified_at)
			SELECT ${pid}, id, 'clear', UTC_TIMESTAMP(6) FROM idv_check WHERE patient_id = ${pid};`);

		const admin = staff('admin', []);
		const as = await apiSignIn(admin);
		const brand = `Wharfside${tag}`;
		r = await call(as, 'POST', '/api/v1/prescriptions/formulary', { supplier: 'Westcountry Botanicals Ltd',
			brand, name: 'Dispensing Flower 20%', form: 'flower', pack_size: 10000, thc_ug_per_unit: 200, cbd_ug_per_unit: 5 });
		assert(r.status === 201, `product: ${r.status} ${r.text}`);
		const product = r.json;

		// The pharmacy stocks it: two batches, the earlier expiry first in the pick.
		const pharmacist = staff('pharmacist', ['--gphc', '2000004']);
		const phs = await apiSignIn(pharmacist);
		r = await call(phs, 'POST', '/api/v1/pharmacy/products', { clinic_product_id: product.id,
			supplier: 'Westcountry Botanicals Ltd', brand, name: 'Dispensing Flower 20%', form: 'flower',
			supply_unit: 'mg', pack_size: 10000 });
		assert(r.status === 201, `pharmacy product: ${r.status} ${r.text}`);
		const phProduct = r.json.id ?? (r.json.product && r.json.product.id);
		for (const [batch, expiry] of [[`EARLY-${tag}`, ymd(200)], [`LATE-${tag}`, ymd(400)]]) {
			r = await call(phs, 'POST', '/api/v1/pharmacy/receipts', { product_id: phProduct,
				supplier: 'Westcountry Botanicals Ltd', batch_number: batch, expiry_date: expiry,
				thc_ug_per_unit: 200, cbd_ug_per_unit: 5, quantity: 30000 });
			assert(r.status === 201 || r.status === 200, `receipt ${batch}: ${r.status} ${r.text}`);
		}

		const clinician = staff('clinician', ['--gmc', '7000005', '--specialist']);
		const cs = await apiSignIn(clinician);
		r = await call(cs, 'POST', `/api/v1/prescriptions/plans/${pid}`, {
			condition: 'Neuropathic pain', items: [{ product_id: product.id,
				dose: 'Vaporise 0.5 g up to twice a day', daily_amount: 1000, max_per_30d: 30000 }],
			max_thc_mg_per_day: 250, review_date: ymd(90), reason: 'Initial plan after the specialist consultation' });
		assert(r.status === 201, `plan: ${r.status} ${r.text}`);
		const plan = r.json;
		r = await call(cs, 'POST', '/api/v1/prescriptions', { patient_id: pid, plan_id: plan.id,
			product_id: product.id, quantity: 20000 });
		assert(r.status === 201, `draft: ${r.status} ${r.text}`);
		const rxId = r.json.id;
		r = await call(cs, 'POST', `/api/v1/prescriptions/${rxId}/sign`, { code: await code(clinician) });
		assert(r.status === 200, `sign: ${r.status} ${r.text}`);

		// Dispatch takes it to the pharmacy, which checks the signature and stock and accepts it.
		const phRx = await until('the pharmacy accepts the prescription', 90, async () => {
			const row = sql(`SELECT id, status FROM ph_prescription WHERE clinic_rx_id = ${rxId}`);
			if (!row)
				return null;
			const [id, status] = row.split('\t');
			assert(!['rejected', 'out_of_stock'].includes(status), `the pharmacy answered ${status}: ${
				sql(`SELECT check_result FROM ph_prescription WHERE id = ${id}`)}`);
			return status === 'accepted' ? Number(id) : null;
		});
		await until('the clinic hears it was accepted', 60, async () => {
			const x = await call(cs, 'GET', `/api/v1/prescriptions/${rxId}`);
			return x.status === 200 && x.json.status === 'accepted';
		});

		// --- the pharmacist, in the portal: dispense with a batch pick, for delivery; book the courier
		let tracking;
		await withPage({ viewport: { width: 1280, height: 900 } }, async (page) => {
			await signInStaff(page, pharmacist, 'Pharmacy');
			await page.goto(`${URL_}/#/pharmacy/${phRx}`);
			await heading(page, 'Prescription for');
			const form = page.locator('section').filter({ has: page.locator('#disp-h') }).locator('form');
			await form.waitFor();
			// The batch pick suggests the earliest expiry first: all 20 g from the early batch.
			const early = form.getByLabel(new RegExp(`Batch EARLY-${tag}`));
			const late = form.getByLabel(new RegExp(`Batch LATE-${tag}`));
			assert(await early.inputValue() === '20000' && await late.inputValue() === '',
				`the pick is not earliest expiry first: early "${await early.inputValue()}", late "${await late.inputValue()}"`);
			await form.getByLabel('Sent by courier').check();
			await noAxeViolations(page, 'pharmacy prescription, dispensing');
			await screenshot(page, 'dispensing-pharmacist-pick.png');
			await form.getByRole('button', { name: 'Dispense and record in the register' }).click();
			await until('the prescription is dispensed', 30, async () =>
				sql(`SELECT status FROM ph_prescription WHERE id = ${phRx}`) === 'dispensed');
			const supplies = sql(`SELECT b.batch_number, d.quantity, d.method FROM ph_dispense d JOIN ph_batch b ON b.id = d.batch_id
				WHERE d.prescription_id = ${phRx}`);
			assert(supplies === `EARLY-${tag}\t20000\tcourier`, `dispensed: ${supplies}`);

			const panel = page.locator('.ship-panel');
			await panel.waitFor();
			await panel.getByRole('button', { name: 'Book the courier' }).click();
			const tn = panel.locator('.ship-tracking');
			await tn.waitFor({ timeout: 60000 });
			tracking = (await tn.textContent()).trim();
			assert(/^[A-Z0-9]{6,}$/.test(tracking), `tracking number "${tracking}"`);
			assert(await panel.locator('[data-shipment-status="booked"]').count() === 1, 'the panel does not say booked');
			await noAxeViolations(page, 'pharmacy prescription with its shipment');
			await screenshot(page, 'dispensing-pharmacist-booked.png');
			// The shipments list and the shipment's page, on a phone-sized screen too.
			await page.setViewportSize({ width: 390, height: 844 });
			await page.goto(`${URL_}/#/shipments`);
			await heading(page, 'Shipments');
			const item = page.locator('.ship-item').filter({ hasText: tracking });
			await item.waitFor();
			assert(/Booked/.test(await item.textContent()), `the list item: ${await item.textContent()}`);
			await noSideScroll(page, 'shipments');
			await noAxeViolations(page, 'shipments');
			await page.getByRole('button', { name: /^Delivered/ }).click();
			await page.locator('.ship-item').filter({ hasText: tracking }).waitFor({ state: 'detached' });
			await page.getByRole('button', { name: /^All/ }).click();
			await item.locator('h2 a').click();
			await heading(page, 'Shipment ');
			await page.locator('.ship-tracking').filter({ hasText: tracking }).waitFor();
			await noSideScroll(page, 'shipment');
			await noAxeViolations(page, 'shipment');
			await screenshot(page, 'dispensing-shipment-phone.png');
		});
		const ref = sql(`SELECT courier_ref FROM ph_shipment WHERE prescription_id = ${phRx}`);
		assert(ref, 'no courier reference');

		// --- the patient, on a phone: shipped, with the tracking number
		await until('the clinic hears it was shipped', 60, async () => {
			const x = await call(cs, 'GET', `/api/v1/prescriptions/${rxId}`);
			return x.status === 200 && x.json.status === 'shipped';
		});
		await withPage(PHONE, async (page) => {
			await signIn(page, patient.email, patient.password);
			await heading(page, `Welcome, ${patient.given}`);
			await page.goto(`${URL_}/#/prescriptions/${rxId}`);
			await heading(page, 'Your prescription');
			const where = page.locator('.rx-where');
			await where.waitFor();
			const shipped = await where.locator('.rx-where-sentence').textContent();
			assert(/on its way/i.test(shipped) && shipped.includes(tracking),
				`the patient is not told it is on its way with ${tracking}: "${shipped}"`);
			assert((await where.locator('.rx-tracking').textContent()).trim() === tracking, 'no tracking number shown');
			assert(await where.getByRole('link', { name: /Track the parcel/ }).count() === 1, 'no link to the courier\'s tracking page');
			await noSideScroll(page, 'patient prescription, shipped');
			await noAxeViolations(page, 'patient prescription, shipped');
			await screenshot(page, 'dispensing-patient-shipped.png');

			// The courier collects, carries and delivers (signed tracking webhooks to the pharmacy).
			for (const step of ['collected', 'in_transit', 'out_for_delivery', 'delivered']) {
				const a = await courier('POST', `/_advance/${ref}`, {});
				assert(a.status === step && a.webhook_status === 200, `courier ${step}: ${JSON.stringify(a)}`);
			}
			await until('the clinic hears it was delivered', 60, async () => {
				const x = await call(cs, 'GET', `/api/v1/prescriptions/${rxId}`);
				return x.status === 200 && x.json.status === 'delivered';
			});
			await page.reload();
			await heading(page, 'Your prescription');
			const sentence = page.locator('.rx-where .rx-where-sentence');
			await sentence.filter({ hasText: /was delivered/ }).waitFor()
				.catch(async () => assert(false, `the patient is not told it was delivered: "${await sentence.textContent()}"`));
			const steps = await page.locator('.rx-timeline li').allTextContents();
			assert(steps.some((t) => /Delivered/.test(t)), `no delivery on the timeline: ${JSON.stringify(steps)}`);
			await noSideScroll(page, 'patient prescription, delivered');
			await noAxeViolations(page, 'patient prescription, delivered');
			await screenshot(page, 'dispensing-patient-delivered.png');
		});
		const proof = sql(`SELECT JSON_VALUE(proof, '$.type') FROM ph_shipment WHERE prescription_id = ${phRx}`);
		assert(proof === 'signature', `proof of delivery: ${proof}`);
	});
}
