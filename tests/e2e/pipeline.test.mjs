// Browser tests of the clinic's views of the bridge (issue 6, helper B):
// the admin's pipeline puts a stuck prescription first with its reason and
// a limit is changed there; a patient sees the out-of-stock notification
// (header count, the list) and, on the prescription's page, where the
// medicine is in plain words. Set-up through the API and root SQL: a
// specialist signs a real prescription; copies of it (root, no outbox row,
// so the stack's own pharmacy never hears of them) are the ones the tests
// move, with messages signed here as the demo pharmacy (Standard Webhooks,
// the pharmacy_clinic_secret_out of the test conf). The prescriber sees a
// product the pharmacy reports out of stock flagged, with a warning, before
// signing. Phone-sized pages: no side scroll, axe-core.
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const TOTP = 'NBSWY3DPONSWY3DPMFRGGZDFMZTWQ2LK';

export default function (h) {
	const { test, withPage, heading, signIn, createUser, noSideScroll, noAxeViolations, screenshot,
		assert, PHONE, URL_, RUN, CONF,
		sql: root, confValue: conf, stepCode: freshCode, apiCall: req, apiSignIn: session,
		signInStaff: staffSignIn } = h;

	const day = (n) => new Date(Date.now() + n * 86400000).toISOString().slice(0, 10);
	let n = 0;

	function staffWith(role, flags) {
		const a = createUser(role, [...flags, '--totp-secret', TOTP]);
		a.secret = TOTP;
		return a;
	}

	// A message from the demo pharmacy, signed as Standard Webhooks says.
	async function pharmacySays(type, data) {
		const secret = conf('pharmacy_clinic_secret_out');
		const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
		const id = `e2e-views-${RUN}-${++n}`;
		const ts = Math.floor(Date.now() / 1000);
		const body = JSON.stringify({ type, timestamp: new Date().toISOString().replace(/\.\d+Z$/, 'Z'), data });
		const sig = createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest('base64');
		const res = await fetch(`${URL_}/api/v1/bridge/events/demo-pharmacy`, {
			method: 'POST', body,
			headers: { 'Content-Type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(ts),
				'webhook-signature': `v1,${sig}` },
		});
		const text = await res.text();
		assert(res.status === 200 && /"outcome":"applied"/.test(text), `${type}: ${res.status} ${text}`);
	}

	// A verified patient with an address, a specialist, a product, a plan and one signed
	// prescription; returns what the tests need.
	async function world(tag) {
		const patient = { email: `e2e-views-${tag}-${RUN}@example.org`, password: `e2e views meadow ${RUN}`,
			given: 'Imogen', family: `Hartley${RUN % 100000}` };
		const ps = { cookie: '', csrf: '' };
		let r = await req(ps, 'POST', '/api/v1/auth/register', { email: patient.email, password: patient.password,
			given_name: patient.given, family_name: patient.family, date_of_birth: '1979-05-21' });
		assert(r.status === 201, `register: ${r.status} ${r.text}`);
		patient.id = r.json.user.id;
		r = await req(ps, 'PATCH', '/api/v1/patients/me', { address_line1: '4 Canal Row', town: 'Leeds', postcode: 'LS2 7EY' });
		assert(r.status === 200, `address: ${r.status} ${r.text}`);
		root(`INSERT INTO idv_check (patient_id, attempt, status, created_at, updated_at, completed_at)
			VALUES (${patient.id}, 1, 'clear', UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), UTC_TIMESTAMP(6));
			INSERT INTO idv_verified (patient_id, check_id, how, verified_at)
			SELECT ${patient.id}, id, 'clear', UTC_TIMESTAMP(6) FROM idv_check WHERE patient_id = ${patient.id};`);
		const admin = staffWith('admin', []);
		const as = await session(admin);
		const brand = `Fernleaf${RUN % 100000}${tag}`;
		r = await req(as, 'POST', '/api/v1/prescriptions/formulary', { supplier: 'Pennine Botanicals Ltd', brand,
			name: 'Flower 18%', form: 'flower', pack_size: 10000, thc_ug_per_unit: 180, cbd_ug_per_unit: 5 });
		assert(r.status === 201, `product: ${r.status} ${r.text}`);
		const product = r.json;
		const clinician = staffWith('clinician', ['--gmc', '7000011', '--specialist']);
		const cs = await session(clinician);
		r = await req(cs, 'POST', `/api/v1/prescriptions/plans/${patient.id}`, { condition: 'Chronic pain',
			items: [{ product_id: product.id, dose: 'Vaporise 0.5 g up to twice a day', daily_amount: 1000, max_per_30d: 30000 }],
			max_thc_mg_per_day: 200, review_date: day(90), reason: 'Plan agreed at the specialist consultation' });
		assert(r.status === 201, `plan: ${r.status} ${r.text}`);
		r = await req(cs, 'POST', '/api/v1/prescriptions', { patient_id: patient.id, plan_id: r.json.id,
			product_id: product.id, quantity: 10000 });
		assert(r.status === 201, `draft: ${r.status} ${r.text}`);
		const signed = r.json.id;
		r = await req(cs, 'POST', `/api/v1/prescriptions/${signed}/sign`, { code: await freshCode(clinician) });
		assert(r.status === 200, `sign: ${r.status} ${r.text}`);
		return { patient, admin, as, clinician, product, brand, signed };
	}

	// A copy of the signed prescription at the demo pharmacy in status, minutes in it.
	function copy(w, status, minutes) {
		return Number(root(`INSERT INTO prescription (patient_id, plan_id, plan_version, prescriber_id, product_id,
			pharmacy_id, status, initial, dose, quantity, daily_amount, days_supply, thc_ug_total, cbd_ug_total,
			effective_at, created_at, updated_at, signed_at, valid_until, key_id, document, signature,
			paper_required, status_changed_at)
			SELECT patient_id, plan_id, plan_version, prescriber_id, product_id,
			(SELECT id FROM pharmacy_partner WHERE code = 'demo-pharmacy'), '${status}', initial, dose, quantity,
			daily_amount, days_supply, thc_ug_total, cbd_ug_total, effective_at, created_at, updated_at, signed_at,
			valid_until, key_id, document, signature, paper_required, UTC_TIMESTAMP(6) - INTERVAL ${minutes} MINUTE
			FROM prescription WHERE id = ${w.signed}; SELECT LAST_INSERT_ID();`));
	}

	// Closes the copies so no other test's pipeline shows them stuck.
	function close(ids) {
		root(`UPDATE prescription SET status = 'delivered', status_changed_at = UTC_TIMESTAMP(6)
			WHERE id IN (${ids.join(',')})`);
	}

	test('pipeline: the admin sees a stuck prescription first with its reason, and changes the stage\'s limit', async () => {
		const w = await world('admin');
		const stuck = copy(w, 'sent', 40);
		const fresh = copy(w, 'accepted', 5);
		try {
			await withPage(PHONE, async (page) => {
				await staffSignIn(page, w.admin, 'Administration');
				await page.getByRole('link', { name: 'Prescription pipeline' }).click();
				await heading(page, 'Prescription pipeline');
				await page.locator('.pipeline-row').first().waitFor();
				// only this clinician's, then the stuck one is first, highlighted, with the reason
				// (the filtered answer, not the whole list that may still be on screen)
				const [filtered] = await Promise.all([
					page.waitForResponse((r) => /\/api\/v1\/pipeline\?/.test(r.url()) &&
						new URL(r.url()).searchParams.get('prescriber') === String(w.clinician.id)),
					page.selectOption('#f-pl-prescriber', String(w.clinician.id)),
				]);
				const mine = ((await filtered.json()).prescriptions || []).length;
				await page.locator('.pipeline-row').filter({ hasText: `Prescription ${fresh}` }).waitFor();
				await page.waitForFunction((n) => document.querySelectorAll('.pipeline-row').length === n, mine);
				const first = page.locator('.pipeline-row').first();
				assert((await first.textContent()).includes(`Prescription ${stuck}`),
					`the first row is not the stuck one: ${await first.textContent()}`);
				assert(await first.evaluate((el) => el.classList.contains('pipeline-stuck')), 'the stuck row is not highlighted');
				await first.getByText('Stuck: not acknowledged by the pharmacy').waitFor();
				await first.getByText(/40 minutes|41 minutes/).first().waitFor();
				const other = page.locator('.pipeline-row').filter({ hasText: `Prescription ${fresh}` });
				assert(!await other.evaluate((el) => el.classList.contains('pipeline-stuck')), 'the fresh one is shown stuck');
				await page.getByRole('heading', { name: /stuck of/ }).waitFor();
				await noSideScroll(page, 'pipeline');
				await noAxeViolations(page, 'pipeline');
				await screenshot(page, 'pipeline-stuck.png');

				// the limit for "sent": 2 hours; then it is no longer stuck
				const limit = page.locator('.pipeline-limit').filter({ hasText: 'At the pharmacy, waiting to be checked' });
				await limit.getByRole('button', { name: /Change/ }).click();
				await limit.getByLabel('Amount').fill('2');
				await limit.getByLabel('Unit').selectOption('hours');
				await limit.getByRole('button', { name: 'Save the limit' }).click();
				await page.getByText('is now 2 hours').waitFor();
				await limit.locator('.pipeline-limit-value').filter({ hasText: '2 hours' }).waitFor();
				await noAxeViolations(page, 'pipeline limits');
				await page.getByRole('button', { name: 'Refresh' }).click();
				await page.waitForFunction((id) => {
					const row = [...document.querySelectorAll('.pipeline-row')].find((el) => el.textContent.includes(`Prescription ${id}`));
					return row && !row.classList.contains('pipeline-stuck');
				}, stuck);
				assert(root("SELECT CONCAT(amount, ' ', unit) FROM pipeline_limit WHERE stage = 'sent'") === '2 hours',
					'the limit was not stored');
			});
		} finally {
			// back as it was, for the other tests
			await req(w.as, 'PUT', '/api/v1/pipeline/limits/sent', { amount: 15, unit: 'minutes',
				reason: 'not acknowledged by the pharmacy' });
			close([stuck, fresh]);
		}
	});

	test('pipeline: a patient sees the out-of-stock notification and where the prescription is, in plain words', async () => {
		const w = await world('patient');
		const rx = copy(w, 'sent', 2);
		const expected = day(12);
		const expectedWords = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric',
			timeZone: 'UTC' }).format(new Date(`${expected}T00:00:00Z`));
		try {
			await pharmacySays('prescription.received', { prescription_id: rx, pharmacy_ref: `HP-${rx}` });
			await pharmacySays('prescription.out_of_stock', { prescription_id: rx, pharmacy_ref: `HP-${rx}`,
				missing: [{ product_id: w.product.id, needed: 10000, available: 2500, unit: 'mg' }], expected_date: expected });
			await withPage(PHONE, async (page) => {
				await signIn(page, w.patient.email, w.patient.password);
				await heading(page, `Welcome, ${w.patient.given}`);
				// the header's link counts what is unread
				const link = page.locator('header a.notify-link');
				await page.waitForFunction(() => {
					const a = document.querySelector('header a.notify-link');
					return a && /unread/.test(a.getAttribute('aria-label') || '');
				});
				await link.click();
				await heading(page, 'Notifications');
				const item = page.locator('.notify-item').filter({ hasText: `Your ${w.brand} Flower 18% is waiting for stock` });
				await item.waitFor();
				await item.getByText('will be in touch').waitFor();
				await item.getByText(expectedWords).waitFor();
				assert(await item.evaluate((el) => el.classList.contains('notify-unread')), 'the notification is not marked new');
				await noSideScroll(page, 'notifications');
				await noAxeViolations(page, 'notifications');
				await screenshot(page, 'notifications-patient.png');
				// opening it reads it and shows the prescription
				await item.getByRole('link').click();
				await heading(page, 'Your prescription');
				await page.getByRole('heading', { name: 'Where is my medicine?' }).waitFor();
				const where = page.locator('.rx-where');
				await where.getByText(/is waiting for stock of your medicine/).waitFor();
				await where.getByText(`HP-${rx}`).waitFor();
				await where.getByText(`More is expected on ${expectedWords}`).waitFor();
				const now = where.locator('[aria-current="step"]');
				assert((await now.textContent()).includes('Waiting for stock'), `current step: ${await now.textContent()}`);
				await page.locator('.rx-timeline').getByText('Waiting for stock at the pharmacy').first().waitFor();
				await noSideScroll(page, 'prescription (out of stock)');
				await noAxeViolations(page, 'prescription (out of stock)');
				await screenshot(page, 'prescription-where.png');
				assert(root(`SELECT COUNT(*) FROM notification WHERE user_id = ${w.patient.id}
					AND kind = 'prescription.out_of_stock' AND read_at IS NOT NULL`) === '1', 'opening it did not mark it read');
			});
		} finally {
			close([rx]);
		}
	});

	test('pipeline: the prescriber is warned before signing that the pharmacy is out of the chosen product', async () => {
		const w = await world('stock');
		const asOf = new Date(Date.now() + 86400000).toISOString().replace(/\.\d+Z$/, 'Z');
		const expected = day(20);
		await pharmacySays('stock.changed', { as_of: asOf,
			items: [{ product_id: w.product.id, available: 0, unit: 'mg', expected_date: expected }] });
		await withPage(PHONE, async (page) => {
			await staffSignIn(page, w.clinician, 'Clinician console');
			await page.goto(`${URL_}/#/prescribe/${w.patient.id}`);
			await heading(page, 'Prescribe');
			const choice = page.locator('.rxp-product').filter({ hasText: w.brand });
			await choice.locator('.stock-badge').filter({ hasText: 'Out of stock' }).waitFor();
			await choice.click();
			const warning = page.locator('.stock-warning').first();
			await warning.getByText(/Out of stock/).waitFor();
			await warning.getByText(/Harbour Pharmacy|pharmacy/i).first().waitFor();
			await warning.getByText(/0 g available/).waitFor();
			await noSideScroll(page, 'prescribe (out of stock)');
			await noAxeViolations(page, 'prescribe (out of stock)');
			await screenshot(page, 'prescribe-out-of-stock.png');
		});
	});

	test('pipeline: with two partner pharmacies the prescriber chooses where it goes; the one with stock comes first', async () => {
		const w = await world('choice');
		const asOf = new Date(Date.now() + 86400000).toISOString().replace(/\.\d+Z$/, 'Z');
		await pharmacySays('stock.changed', { as_of: asOf,
			items: [{ product_id: w.product.id, available: 0, unit: 'mg', expected_date: day(12) }] });
		// A second partner, set up as an admin would (its URL answers nothing:
		// what is signed here goes to the demo pharmacy), with 40 g reported.
		const code = `north-e2e-${RUN % 100000}`;
		const secret = join(tmpdir(), `e2e-north-${RUN}.whsec`);
		writeFileSync(secret, 'whsec_Tm9ydGggUXVheSBQaGFybWFjeSBlMmUgc2VjcmV0IDMyIGJ5dGVz\n', { mode: 0o600 });
		const partnerSet = (...more) => execFileSync(h.CLINIC, ['partner-set', '--code', code, '--name', 'North Quay Pharmacy',
			'--url', 'http://127.0.0.1:9', '--send-secret-file', secret, '--receive-secret-file', secret, ...more],
			{ env: { ...process.env, CLINIC_CONF: CONF }, encoding: 'utf8' });
		partnerSet();
		try {
			const north = Number(root(`SELECT id FROM pharmacy_partner WHERE code = '${code}'`));
			const demo = Number(root(`SELECT id FROM pharmacy_partner WHERE code = 'demo-pharmacy'`));
			root(`INSERT INTO pharmacy_stock (partner_id, product_id, available, as_of, received_at)
				VALUES (${north}, ${w.product.id}, 40000, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))`);
			await withPage(PHONE, async (page) => {
				await staffSignIn(page, w.clinician, 'Clinician console');
				await page.goto(`${URL_}/#/prescribe/${w.patient.id}`);
				await heading(page, 'Prescribe');
				await page.locator('.rxp-product').filter({ hasText: w.brand }).click();
				await page.fill('#f-quantity', '10');
				await page.locator('.rxp-checks-sum').filter({ hasText: /^All \d+ checks pass/ }).waitFor();
				await page.getByRole('button', { name: 'Create draft' }).click();
				await page.getByRole('heading', { name: /^Sign prescription \d+$/ }).waitFor();
				// Both partners, each with what it reported; North (enough) is chosen first.
				const choice = page.getByRole('group', { name: 'Send to pharmacy' });
				const northRadio = choice.getByRole('radio', { name: /North Quay Pharmacy/ });
				const demoRadio = choice.getByRole('radio', { name: /Harbour Pharmacy/ });
				assert(await northRadio.isChecked(), 'the pharmacy with stock is not chosen first');
				await choice.getByText('40 g available').waitFor();
				await choice.getByText(/none available, more expected/).waitFor();
				await noAxeViolations(page, 'prescribe, pharmacy choice');
				await noSideScroll(page, 'prescribe, pharmacy choice');
				await screenshot(page, 'prescribe-pharmacy-choice.png');
				// The prescriber sends it to the demo pharmacy all the same.
				await demoRadio.check();
				await page.fill('#f-code', await freshCode(w.clinician));
				const [signed] = await Promise.all([
					page.waitForResponse((r) => /\/sign$/.test(r.url()) && r.request().method() === 'POST'),
					page.getByRole('button', { name: 'Sign prescription' }).click(),
				]);
				assert(signed.status() === 200, `sign: ${signed.status()} ${await signed.text()}`);
				assert(JSON.parse(signed.request().postData()).pharmacy_id === demo, 'the choice was not sent');
				const id = (await signed.json()).id;
				assert(Number(root(`SELECT pharmacy_id FROM prescription WHERE id = ${id}`)) === demo,
					'the prescription does not go to the pharmacy chosen');
				await page.getByRole('heading', { name: 'Prescription signed' }).waitFor();
			});
		} finally {
			partnerSet('--inactive');
			rmSync(secret, { force: true });
		}
	});
}
