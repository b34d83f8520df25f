// Patient details on a phone, and a clinician finding the patient (audited).
export default function (h) {
	const { test, withPage, heading, signUp, signInDemoStaff, noSideScroll, noAxeViolations,
		screenshot, describedBy, assert, PHONE, URL_, RUN } = h;

	test('a patient fills in their details on a phone; a wrong NHS number is explained beside the field', () =>
		withPage(PHONE, async (page) => {
			const p = {
				email: `e2e-profile-${RUN}@example.org`, password: `e2e profile harbour ${RUN}`,
				given: 'Robin', family: `Quill${RUN % 100000}`,
			};
			h.shared.profilePatient = p;
			await signUp(page, p);
			await heading(page, 'Welcome');
			await page.getByRole('link', { name: 'Your details' }).click();
			await heading(page, 'Your details');
			await page.fill('#f-phone', '07700 900123');
			await page.fill('#f-postcode', 'sw1a1aa');
			await page.fill('#f-nhs_number', '943 476 5918');
			await page.getByRole('button', { name: 'Save my details' }).click();
			await page.locator('#f-nhs_number-error').waitFor();
			const msg = await describedBy(page, '#f-nhs_number');
			assert(/NHS number is not valid/.test(msg), `NHS message: ${msg}`);
			assert(await page.evaluate(() => document.activeElement.id) === 'f-nhs_number',
				'focus did not move to the wrong field');
			await page.fill('#f-nhs_number', '943 476 5919');
			await page.getByLabel('Text message').check();
			await page.getByRole('button', { name: 'Save my details' }).click();
			await page.getByText('Your details are saved.').waitFor();
			assert(await page.inputValue('#f-postcode') === 'SW1A 1AA', 'postcode not shown as saved');
			assert(await page.inputValue('#f-nhs_number') === '9434765919', 'NHS number not shown as saved');
			await noSideScroll(page, 'profile');
			await noAxeViolations(page, 'profile');
			await screenshot(page, 'profile.png');
			// Reloaded (another device would see the same): the details are there.
			await page.reload();
			await heading(page, 'Your details');
			await page.waitForFunction(() => document.querySelector('#f-phone')?.value === '07700 900123');
			assert(await page.getByLabel('Text message').isChecked(), 'text-message consent not kept');
			// Home shows the step as started (not every detail is given yet).
			await page.getByRole('link', { name: 'Home' }).click();
			await heading(page, 'Welcome');
			const step = page.locator('.journey li').filter({ hasText: 'Your details' });
			await step.locator('.badge', { hasText: 'Started' }).waitFor();
			await page.locator('.journey li').filter({ hasText: 'Confirm your identity' })
				.locator('.badge', { hasText: 'To do' }).waitFor();
			await noAxeViolations(page, 'patient home');
		}));

	test('a clinician finds the patient by NHS number and opens the record', () =>
		withPage(PHONE, async (page) => {
			assert(h.shared.profilePatient, 'needs the previous test');
			await signInDemoStaff(page, 'clinician');
			await heading(page, 'Clinician console');
			await page.getByRole('link', { name: 'Patients' }).first().click();
			await heading(page, 'Patients');
			await page.fill('#f-q', '943 476 5919');
			await page.getByRole('button', { name: 'Search' }).click();
			const link = page.getByRole('link', { name: new RegExp(h.shared.profilePatient.family) });
			await link.waitFor();
			await noSideScroll(page, 'patient search');
			await noAxeViolations(page, 'patient search');
			await link.click();
			await heading(page, `Robin ${h.shared.profilePatient.family}`);
			await page.getByText('SW1A 1AA').first().waitFor();
			await page.getByRole('heading', { name: 'Questionnaires' }).waitFor();
			await page.getByRole('heading', { name: 'Identity' }).waitFor();
			await page.locator('section', { hasText: 'Latest check' }).getByText('None').waitFor();
			await noSideScroll(page, 'patient record');
			await noAxeViolations(page, 'patient record');
			await screenshot(page, 'patient-record.png');
		}));
}
