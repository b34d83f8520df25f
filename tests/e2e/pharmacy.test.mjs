// The pharmacist's console on a phone (views/pharmacy.js; issue 6, helper C):
// a pharmacist receives a batch of stock through the Stock page, sees the
// product's balance in the controlled-drug register, and downloads the
// register as CSV (the receipt with its running balance in it); a signed
// prescription delivered to the pharmacy's inbox (as the clinic delivers it:
// a prescriber's P-256 signature, a Standard Webhooks POST) shows in the
// queue and on its own page with the document's fields and the batch pick.
// Each page: axe-core and no side scroll at 390 px.
import { createHash, createHmac, generateKeyPairSync, sign } from 'node:crypto';
import { readFileSync } from 'node:fs';

const SECRET = 'KRSXG5CTMVRXEZLUKRSXG5CTMVRXEZLW';

export default function (h) {
	const { test, withPage, heading, signIn, enterCode, createUser, noSideScroll, noAxeViolations, screenshot,
		nextCode, assert, PHONE, URL_, RUN, CONF,
		sql, confValue, stepCode: code, apiCall: call, apiSignIn } = h;

	const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

	async function signInPharmacist(page, account) {
		await signIn(page, account.email, account.password);
		await heading(page, 'Enter your code');
		await enterCode(page, await code(account));
		await heading(page, 'Pharmacy console');
	}

	// A signed prescription delivered to the inbox as the clinic would, for
	// clinic product cp; the prescriber's key put in the pharmacy's cache.
	async function deliver(cp, qty, patient) {
		const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
		const der = publicKey.export({ type: 'spki', format: 'der' });
		const pem = publicKey.export({ type: 'spki', format: 'pem' });
		const fp = createHash('sha256').update(der).digest('hex');
		const prescriber = 600000000 + (RUN % 100000);
		sql(`INSERT INTO ph_prescriber_key (fingerprint, prescriber_id, public_pem, fetched_at)
			VALUES ('${fp}', ${prescriber}, '${pem}', UTC_TIMESTAMP(6))`);
		const rx = 610000000 + (RUN % 100000) * 10 + Math.floor(Math.random() * 10);
		const now = new Date();
		const iso = (d) => `${d.toISOString().slice(0, 19)}Z`;
		const doc = JSON.stringify({
			type: 'clinic-prescription-v1', prescription_id: rx, issued_at: iso(now),
			valid_from: now.toISOString().slice(0, 10), valid_until: iso(new Date(now.getTime() + 27 * 86400000)),
			patient: { name: patient, date_of_birth: '1979-06-14', address: '12 Harbour Street, Bristol, BS1 4DJ' },
			product: { id: cp, supplier: 'Westcountry Botanicals Ltd', brand: 'Tidewater', name: 'Harbour Flower 18%',
				form: 'flower', strength: 'THC 18% · CBD <1%', thc_ug_per_unit: 180, cbd_ug_per_unit: 5, supply_unit: 'mg' },
			dose: 'Vaporise 0.5 g up to twice a day',
			quantity: { amount: qty, unit: 'mg', figures: `${qty / 1000} g`, words: 'some grams' },
			days_supply: 30, instalments: null, justification: null,
			prescriber: { id: prescriber, name: 'Grace Fielding', registration_number: '7000002', specialist: true,
				practice: 'Demo Clinic', address: '1 Clinic Road, London' },
			plan: { id: 1, version: 1 }, initial: true, paper_original_required: false, key_fingerprint: fp,
		});
		const signature = sign('sha256', Buffer.from(doc), privateKey).toString('base64');
		const body = JSON.stringify({ type: 'prescription.sent', timestamp: iso(now),
			data: { prescription_id: rx, document: doc, signature, key_fingerprint: fp, prescriber_id: prescriber } });
		const key = Buffer.from(confValue('pharmacy_clinic_secret_in').replace(/^whsec_/, ''), 'base64');
		const id = `e2e-ph-${rx}`;
		const ts = Math.floor(Date.now() / 1000);
		const sig = createHmac('sha256', key).update(`${id}.${ts}.${body}`).digest('base64');
		const r = await fetch(`${URL_}/api/v1/pharmacy/inbox`, { method: 'POST', body,
			headers: { 'Content-Type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(ts),
				'webhook-signature': `v1,${sig}` } });
		const json = await r.json();
		assert(r.status === 200 && json.status === 'accepted', `inbox: ${r.status} ${JSON.stringify(json)}`);
		return Number(json.pharmacy_ref);
	}

	test('pharmacy: an auditor reads the stock and the register, and can change nothing', async () => {
		const auditor = createUser('auditor', ['--totp-secret', SECRET]);
		auditor.secret = SECRET;
		await withPage(PHONE, async (page) => {
			await signIn(page, auditor.email, auditor.password);
			await heading(page, 'Enter your code');
			await enterCode(page, await code(auditor));
			await heading(page, 'Audit trail');
			// The auditor's home leads to the pharmacy's records and to the pipeline.
			assert(await page.getByRole('link', { name: /Prescription pipeline/ }).count() === 1, 'no pipeline link on the auditor home');
			await page.getByRole('link', { name: /Pharmacy stock and register/ }).click();
			await heading(page, 'Pharmacy');
			await page.goto(`${URL_}/#/pharmacy/stock`);
			await heading(page, 'Stock');
			await page.getByRole('heading', { name: 'On the shelves' }).waitFor();
			assert(await page.locator('#receive').count() === 0, 'an auditor is offered the receipt form');
			await noSideScroll(page, 'stock, auditor');
			await noAxeViolations(page, 'stock, auditor');
			await page.goto(`${URL_}/#/pharmacy/register`);
			await heading(page, 'Controlled drugs register');
			await page.getByRole('heading', { name: 'Entries', exact: true }).waitFor();
			assert(await page.getByRole('heading', { name: 'Correct an entry' }).count() === 0, 'an auditor is offered corrections');
			assert(await page.getByRole('link', { name: 'Download CSV' }).count() === 1, 'no CSV for the auditor');
			await noSideScroll(page, 'register, auditor');
			await noAxeViolations(page, 'register, auditor');
		});
	});

	test('pharmacy: a pharmacist on a phone receives stock, sees the register balance and downloads the CSV', async () => {
		const pharmacist = createUser('pharmacist', ['--gphc', '2000003', '--totp-secret', SECRET]);
		pharmacist.secret = SECRET;
		const ps = await apiSignIn(pharmacist);
		const cp = 620000000 + (RUN % 100000);
		const brand = `Tidewater${RUN % 100000}`;
		let r = await call(ps, 'POST', '/api/v1/pharmacy/products', { clinic_product_id: cp, supplier: 'Westcountry Botanicals Ltd',
			brand, name: 'Harbour Flower 18%', form: 'flower', supply_unit: 'mg', pack_size: 10000 });
		assert(r.status === 201, `product: ${r.status} ${r.text}`);
		const product = r.json;
		const batch = `WB-${RUN % 1000000}`;

		await withPage(PHONE, async (page) => {
			await signInPharmacist(page, pharmacist);
			await noSideScroll(page, 'pharmacist home');
			await noAxeViolations(page, 'pharmacist home');
			await page.getByRole('link', { name: 'Stock' }).first().click();
			await heading(page, 'Stock');
			await page.locator(`[data-product="${product.id}"]`).waitFor();
			await noSideScroll(page, 'stock');
			await noAxeViolations(page, 'stock');

			// Receive 25 g of a new batch.
			const form = page.locator('#receive');
			await form.getByLabel('Product').selectOption(String(product.id));
			await form.getByLabel('Supplier', { exact: true }).fill('Westcountry Botanicals Ltd');
			await form.getByLabel(/Supplier address/).fill('Quay Street, Bristol BS1 4DJ');
			await form.getByLabel('Batch number').fill(batch);
			await form.getByLabel('Expiry date').fill('2099-03-31');
			await form.getByLabel(/^Quantity/).fill('25000');
			await form.getByLabel(/THC per unit/).fill('180');
			await form.getByLabel(/CBD per unit/).fill('5');
			await form.getByRole('button', { name: 'Record the receipt' }).click();
			await page.getByText(/Received: batch recorded in the register/).waitFor();
			const row = page.locator(`[data-product="${product.id}"]`);
			await row.locator('[data-available="25000"]').waitFor();
			assert((await row.textContent()).includes(`Batch ${batch}`), 'the batch is not listed');
			await noAxeViolations(page, 'stock after a receipt');
			await screenshot(page, 'pharmacy-stock.png');

			// The register: filter to the product; the receipt with its balance.
			await page.getByRole('link', { name: 'Register' }).click();
			await heading(page, 'Controlled drugs register');
			await page.getByLabel('Product').selectOption(String(product.id));
			await page.getByRole('button', { name: 'Show entries' }).click();
			await page.getByText('1 entry,').waitFor();
			const entry = page.locator('.ph-register tbody tr').first();
			const text = await entry.textContent();
			assert(text.includes('Received') && text.includes(batch) && text.includes('Westcountry Botanicals Ltd'),
				`register entry: ${text}`);
			assert((await entry.locator('.ph-balance').textContent()).includes('25 g'), `balance: ${text}`);
			await noSideScroll(page, 'register');
			await noAxeViolations(page, 'register');
			await screenshot(page, 'pharmacy-register.png');

			// The CSV download: the same entry, balance in mg.
			const [download] = await Promise.all([page.waitForEvent('download'),
				page.getByRole('link', { name: 'Download CSV' }).click()]);
			const path = await download.path();
			const csv = readFileSync(path, 'utf8');
			assert(csv.startsWith('id,at,product_id,product,unit,kind,quantity,balance,'), `csv header: ${csv.slice(0, 120)}`);
			const line = csv.split('\r\n').find((l) => l.includes(batch));
			assert(line && line.includes(',receipt,25000,25000,') && line.includes('Quay Street'), `csv line: ${line}`);
			assert(csv.split('\r\n').filter((l) => l && !l.startsWith('id,')).every((l) => l.includes(`,${product.id},`)),
				'the CSV holds other products than the one filtered');

			// A longer register comes a page at a time: 520 more receipts of 1 mg
			// (as root), 500 shown first, the rest on "Show more entries".
			sql(`INSERT INTO ph_register (product_id, batch_id, kind, quantity, balance, at, counterparty)
				SELECT ${product.id}, id, 'receipt', 1, 25000 + seq, UTC_TIMESTAMP(6), CONCAT('Westcountry delivery ', seq)
				FROM ph_batch JOIN seq_1_to_520 WHERE batch_number = '${batch}' ORDER BY seq;
				UPDATE ph_batch SET on_hand = on_hand + 520 WHERE batch_number = '${batch}';`);
			await page.getByRole('button', { name: 'Show entries' }).click();
			await page.getByText('500 entries so far,').waitFor();
			await page.getByText(/More follow/).waitFor();
			await page.getByRole('button', { name: 'Show more entries' }).click();
			await page.getByText('521 entries,').waitFor();
			assert(await page.getByRole('button', { name: 'Show more entries' }).count() === 0, 'more offered after the last page');
			assert(await page.locator('.ph-register tbody tr').count() === 521, 'not every entry is listed');
			assert((await page.locator('.ph-register tbody tr').last().locator('.ph-balance').textContent()).includes('25.52 g'),
				'the last entry does not carry the balance after all 520');
		});

		// A prescription for it arrives and is accepted with stock reserved.
		const patient = `Rosa Mendes${RUN % 1000}`;
		const phRx = await deliver(cp, 10000, patient);
		await withPage(PHONE, async (page) => {
			await signInPharmacist(page, pharmacist);
			await page.getByRole('link', { name: 'Incoming prescriptions' }).click();
			await heading(page, 'Pharmacy');
			await page.getByRole('button', { name: 'Accepted: ready to dispense' }).click();
			const item = page.locator('.rx-item').filter({ hasText: patient });
			await item.waitFor();
			assert((await item.textContent()).includes('Signature valid'), 'no signature status in the queue');
			await noSideScroll(page, 'queue');
			await noAxeViolations(page, 'queue');
			await item.getByRole('link', { name: patient }).click();
			await heading(page, `Prescription for ${patient}`);
			await page.locator('[data-ph-status="accepted"]').waitFor();
			const facts = await page.locator('.facts').first().textContent();
			for (const want of ['12 Harbour Street', 'Vaporise 0.5 g up to twice a day', 'GMC 7000002', '10 g'])
				assert(facts.includes(want), `the document has no "${want}": ${facts}`);
			const pick = page.locator(`#f-batch-${sql(`SELECT id FROM ph_batch WHERE batch_number = '${batch}'`)}`);
			assert(await pick.inputValue() === '10000', 'the batch pick does not suggest the whole quantity');
			await noSideScroll(page, 'prescription');
			await noAxeViolations(page, 'prescription');
			await screenshot(page, 'pharmacy-prescription.png');
			assert(sql(`SELECT status FROM ph_reservation WHERE prescription_id = ${phRx}`) === 'held', 'no reservation');
		});
	});
}
