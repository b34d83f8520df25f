// Identity verification on a phone, through the stack's stand-in provider
// (tools/idv-standin): start, progress, the provider's page, back, verified;
// and an admin deciding a "consider" from the review queue.
export default function (h) {
	const { test, withPage, heading, signUp, signInDemoStaff, noSideScroll, noAxeViolations,
		screenshot, assert, PHONE, URL_, RUN } = h;

	// Signs a new patient up, starts a check and follows the link to the provider's page.
	async function toProvider(page, tag) {
		const p = {
			email: `e2e-idv-${tag}-${RUN}@example.org`, password: `e2e identity lantern ${RUN}`,
			given: 'Ida', family: `Vale${tag}${RUN % 100000}`,
		};
		await signUp(page, p);
		await heading(page, 'Welcome');
		await page.getByRole('link', { name: 'Confirm your identity' }).click();
		await heading(page, 'Confirm your identity');
		await page.getByText('A passport or a photo driving licence that is in date').waitFor();
		await noSideScroll(page, 'identity start');
		await noAxeViolations(page, 'identity start');
		await page.getByRole('button', { name: 'Start identity check' }).click();
		// Progress while the clinic sets the check up with the provider.
		await page.locator('ol.idv-steps').waitFor();
		const go = page.getByRole('link', { name: 'Continue to the identity check' });
		await go.waitFor({ timeout: 30000 });
		await heading(page, 'Your check is ready');
		assert(await page.locator('ol.idv-steps [aria-current=step]').count() === 1, 'no current step marked');
		await noSideScroll(page, 'identity link ready');
		await noAxeViolations(page, 'identity link ready');
		await screenshot(page, 'identity-ready.png');
		const href = await go.getAttribute('href');
		assert(/^http:\/\/127\.0\.0\.1:\d+\/run\//.test(href), `link is not the stand-in's page: ${href}`);
		await go.click();
		await heading(page, 'Verify your identity');
		return p;
	}

	test('a patient on a phone verifies their identity through the provider and sees "verified"', () =>
		withPage(PHONE, async (page) => {
			await toProvider(page, 'clear');
			await page.getByRole('radio', { name: /Clear/ }).check();
			await page.getByRole('button', { name: 'Submit my documents' }).click();
			await heading(page, 'Thank you');
			await page.getByRole('link', { name: 'Return to the clinic' }).click();
			assert(page.url().startsWith(URL_), `not back at the clinic: ${page.url()}`);
			await heading(page, 'Your identity is verified');
			await page.locator('.idv-result').getByText('Verified.').waitFor();
			assert(await page.getByRole('button', { name: /Start identity check|Try again/ }).count() === 0,
				'offers to start again after verifying');
			await noSideScroll(page, 'identity verified');
			await noAxeViolations(page, 'identity verified');
			await screenshot(page, 'identity-verified.png');
		}));

	test('a declined check tells the patient what to do next; "consider" reaches the admin queue', () =>
		withPage(PHONE, async (page, context) => {
			await toProvider(page, 'declined');
			await page.getByRole('radio', { name: /Declined/ }).check();
			await page.getByRole('button', { name: 'Submit my documents' }).click();
			await heading(page, 'Thank you');
			await page.getByRole('link', { name: 'Return to the clinic' }).click();
			await heading(page, 'We could not verify your identity');
			await page.getByText('try again with a different document').waitFor();
			await noAxeViolations(page, 'identity declined');
			// Try again: this time the provider wants a person to look.
			await page.getByRole('button', { name: 'Try again' }).click();
			const go = page.getByRole('link', { name: 'Continue to the identity check' });
			await go.waitFor({ timeout: 30000 });
			await go.click();
			await heading(page, 'Verify your identity');
			await page.getByRole('radio', { name: /Consider/ }).check();
			await page.getByRole('button', { name: 'Submit my documents' }).click();
			await heading(page, 'Thank you');
			await page.getByRole('link', { name: 'Return to the clinic' }).click();
			await heading(page, 'Your check is being reviewed');
			await page.close();
			await context.clearCookies();

			const admin = await context.newPage();
			await signInDemoStaff(admin, 'admin');
			await heading(admin, 'Administration');
			await admin.getByRole('link', { name: 'Identity checks to review' }).click();
			await heading(admin, 'Identity checks to review');
			const item = admin.locator('li.idv-review').filter({ hasText: `Valedeclined${RUN % 100000}` });
			await item.waitFor();
			await item.getByText('document image quality low').waitFor();
			await noSideScroll(admin, 'identity review');
			await noAxeViolations(admin, 'identity review');
			// A reason is required.
			await item.getByLabel(/^Approve/).check();
			await item.getByRole('button', { name: 'Record decision' }).click();
			await item.getByText('Give a reason').first().waitFor();
			await item.getByLabel('Reason').fill('Photo ID checked again on a video call');
			await item.getByRole('button', { name: 'Record decision' }).click();
			await admin.getByText(/Decision recorded for Ida/).waitFor();
			await screenshot(admin, 'identity-review.png');
			await admin.getByRole('button', { name: 'Decided' }).click();
			await admin.locator('li.idv-review').filter({ hasText: 'Photo ID checked again on a video call' }).first().waitFor();
		}));
}
