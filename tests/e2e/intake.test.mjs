// Browser tests for the health questionnaire (views/intake.js) and the
// clinicians' review queue (views/review.js), on a phone-sized screen.
export default function (h) {
	const { assert, URL_, RUN, PHONE } = h;
	const patient = {
		email: `e2e-intake-${RUN}@example.org`, password: `harbour thistle lamp ${RUN}`,
		given: 'Imogen', family: `Branch${RUN % 100000}`,
	};

	async function section(page, n, title) {
		await page.locator('.intake-step').filter({ hasText: `Section ${n} of 7: ${title}` }).waitFor();
	}

	async function saved(page) {
		await page.locator('.save-status').filter({ hasText: 'Saved' }).waitFor();
	}

	async function next(page) {
		await page.getByRole('button', { name: /^(Continue|Check my answers)$/ }).click();
	}

	h.test('a patient answers part of the intake on a phone and carries on from another device', () =>
		h.withPage(PHONE, async (page) => {
			await h.signUp(page, patient);
			await h.heading(page, `Welcome, ${patient.given}`);
			await page.goto(`${URL_}/#/intake`);
			await h.heading(page, 'Your health questionnaire');
			await section(page, 1, 'Your condition');
			await h.noSideScroll(page, 'intake, first section');
			await h.noAxeViolations(page, 'intake, first section');

			// "Something else" shows its follow-up question as soon as it is ticked.
			assert(!await page.locator('#q-condition-other').isVisible(), 'follow-up shown too early');
			await page.check('#q-conditions-9');
			await page.locator('#q-condition-other').waitFor();
			await page.uncheck('#q-conditions-9');
			await page.locator('#q-condition-other').waitFor({ state: 'detached' });

			// Continuing with a required question unanswered names it.
			await page.check('#q-conditions-0');
			await next(page);
			await page.locator('[role=alert]').filter({ hasText: 'need an answer' }).waitFor();
			assert(await page.locator('fieldset[data-link="treatments-tried"] .field-error').isVisible(),
				'the unanswered question is not marked');
			await page.check('#q-treatments-tried-0');
			await page.check('#q-treatments-tried-8');
			await page.fill('#q-condition-years', 'three');
			await page.locator('#q-condition-years[aria-invalid=true]').waitFor();
			await page.fill('#q-condition-years', '3');
			await saved(page);
			await next(page);
			await section(page, 2, 'Medicines and allergies');
			await page.check('#q-takes-medicines-Yes');
			await saved(page);
			await h.screenshot(page, 'intake-medicines.png');
			// Typed and left at once (before the save's pause): still sent.
			await page.fill('#q-medicines-list', 'Paracetamol 1 g four times a day');
			const put = page.waitForResponse((r) => r.url().endsWith('/api/v1/intake/responses/intake') &&
				r.request().method() === 'PUT');
			await page.getByRole('link', { name: 'Home' }).click();
			await h.heading(page, `Welcome, ${patient.given}`);
			assert((await put).status() === 200, 'the last answer was not saved on leaving');
		}).then(() => h.withPage(PHONE, async (page) => {
			// Another device: sign in, and the questionnaire opens where it was left.
			await h.signIn(page, patient.email, patient.password);
			await h.heading(page, `Welcome, ${patient.given}`);
			await page.goto(`${URL_}/#/intake`);
			await section(page, 2, 'Medicines and allergies');
			assert(await page.isChecked('#q-takes-medicines-Yes'), 'answer not restored');
			assert(await page.inputValue('#q-medicines-list') === 'Paracetamol 1 g four times a day',
				'text answer not restored');
			await page.getByRole('button', { name: 'Back' }).click();
			await section(page, 1, 'Your condition');
			assert(await page.isChecked('#q-treatments-tried-8'), 'earlier section not restored');
		})));

	h.test('a patient completes the intake, the psychiatric branch appears, and they are told a doctor will review', () =>
		h.withPage(PHONE, async (page) => {
			await h.signIn(page, patient.email, patient.password);
			await h.heading(page, `Welcome, ${patient.given}`);
			await page.goto(`${URL_}/#/intake`);
			await section(page, 2, 'Medicines and allergies');
			await page.check('#q-has-allergies-No');
			await next(page);
			await section(page, 3, 'Pregnancy');
			await page.check('#q-pregnancy-3');
			await next(page);
			await section(page, 4, 'Alcohol, smoking and drugs');
			await page.check('#q-alcohol-1');
			await page.check('#q-smoking-0');
			await page.check('#q-cannabis-use-2');
			await page.locator('#q-cannabis-frequency-0').waitFor();
			await page.check('#q-cannabis-frequency-1');
			await page.check('#q-other-drugs-No');
			await next(page);
			await section(page, 5, 'How you have been feeling (PHQ-9)');
			for (let i = 1; i <= 9; i++)
				await page.check(`#q-phq9-${i}-${i <= 3 ? 1 : 0}`);
			await next(page);
			await section(page, 6, 'Worry and anxiety (GAD-7)');
			for (let i = 1; i <= 7; i++)
				await page.check(`#q-gad7-${i}-1`);
			await next(page);
			await section(page, 7, 'Your mental health history');

			// The branch is hidden until a trigger is answered, then appears at once.
			assert(!await page.locator('#q-current-thoughts-Yes').isVisible(), 'branch shown without a trigger');
			await page.check('#q-psychosis-No');
			await page.check('#q-bipolar-Yes');
			await page.getByRole('heading', { name: 'A few more questions about your safety' }).waitFor();
			await page.getByText('Samaritans any time, free, on 116 123').waitFor();
			await page.check('#q-suicide-attempt-No');
			await page.check('#q-family-psychosis-No');
			await page.check('#q-current-thoughts-No');
			await page.check('#q-psych-under-care-Yes');
			await page.locator('#q-psych-care-team').waitFor();
			await page.fill('#q-psych-care-team', 'Community mental health team, Leeds');
			await page.check('#q-psych-support-Yes');
			await page.check('#q-crisis-plan-Yes');
			await saved(page);
			await h.noSideScroll(page, 'intake with the psychiatric branch');
			await h.noAxeViolations(page, 'intake with the psychiatric branch');
			await h.screenshot(page, 'intake-psychiatric-branch.png');
			await next(page);

			await page.locator('.intake-step').filter({ hasText: 'Check and send' }).waitFor();
			await page.getByRole('heading', { name: 'Ready to send' }).waitFor();
			await page.getByRole('button', { name: 'Send my answers' }).click();
			await h.heading(page, 'A doctor will review your answers');
			const outcome = page.locator('[data-outcome=needs_review]');
			await outcome.waitFor();
			const text = await outcome.textContent();
			assert(/One of our doctors needs to look at your answers/.test(text), `outcome text: ${text}`);
			assert(/mental health history/.test(text), `reason not shown: ${text}`);
			const crisis = page.locator('.crisis');
			assert(await crisis.isVisible(), 'crisis contacts not shown');
			const ctext = await crisis.textContent();
			assert(/116 123/.test(ctext) && /999/.test(ctext), `crisis contacts: ${ctext}`);
			// The crisis contacts come first on the page.
			const [cy, oy] = await Promise.all([crisis.boundingBox(), page.locator('#outcome-h').boundingBox()]);
			assert(cy.y < oy.y, 'crisis contacts are not above the outcome');
			await h.noSideScroll(page, 'intake outcome');
			await h.noAxeViolations(page, 'intake outcome');
			await h.screenshot(page, 'intake-needs-review.png');
		}));

	h.test('the flag reaches the clinicians\' review queue; the decision reaches the patient', () =>
		h.withPage(PHONE, async (page) => {
			await h.signInDemoStaff(page, 'clinician');
			await h.heading(page, 'Clinician console');
			await page.goto(`${URL_}/#/review`);
			await h.heading(page, 'Intake reviews');
			const card = page.locator('.review-card').filter({ hasText: `${patient.given} ${patient.family}` });
			await card.waitFor();
			const text = await card.textContent();
			assert(/Risk: Psychosis, bipolar disorder/.test(text), `flag not in the queue: ${text}`);
			assert(/mental health history/.test(text), `reason not in the queue: ${text}`);
			assert(/PHQ-9 depression score/.test(text), `scores not in the queue: ${text}`);
			await h.noSideScroll(page, 'review queue');
			await h.noAxeViolations(page, 'review queue');
			await h.screenshot(page, 'intake-review-queue.png');

			await card.getByRole('link', { name: /Open answers/ }).click();
			await h.heading(page, `Review: ${patient.given} ${patient.family}`);
			await page.getByText('Community mental health team, Leeds').waitFor();
			await page.check('#d-eligible');
			await page.fill('#d-note', 'We spoke by phone. Please book a consultation.');
			await page.getByRole('button', { name: 'Record decision' }).click();
			await page.getByText('Decision recorded. The patient will see it.').waitFor();
			await h.noSideScroll(page, 'review detail');
			await h.noAxeViolations(page, 'review detail');
			await h.screenshot(page, 'intake-review-detail.png');
		}).then(() => h.withPage(PHONE, async (page) => {
			await h.signIn(page, patient.email, patient.password);
			await h.heading(page, `Welcome, ${patient.given}`);
			await page.goto(`${URL_}/#/intake`);
			await h.heading(page, 'Your questionnaire has been reviewed');
			await page.getByText('You can go ahead and book a consultation.').waitFor();
			await page.getByText('We spoke by phone. Please book a consultation.').waitFor();
		})));
}
