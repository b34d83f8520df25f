// Admin: publishing a questionnaire version through the portal; bad definitions named.
export default function (h) {
	const { test, withPage, heading, signInDemoStaff, noSideScroll, noAxeViolations, assert, PHONE } = h;

	test('an admin publishes a new version of a questionnaire; a broken one is refused with each problem named', () =>
		withPage(PHONE, async (page) => {
			await signInDemoStaff(page, 'admin');
			await heading(page, 'Administration');
			await page.getByRole('link', { name: 'Questionnaires' }).click();
			await heading(page, 'Questionnaires');
			await page.locator('.patient-list a').first().waitFor();
			await noAxeViolations(page, 'questionnaire list');
			await page.goto(page.url().replace(/#.*/, '#/questionnaires/gad-7'));
			await heading(page, 'Questionnaire gad-7');
			const box = page.locator('#def-json');
			await page.waitForFunction(() => (document.querySelector('#def-json')?.value || '').length > 100);
			const def = JSON.parse(await box.inputValue());
			const before = def.version;
			// Two items with one linkId: refused, the problem named by where it is.
			const broken = structuredClone(def);
			const items = broken.item[0].item || broken.item;
			items[1].linkId = items[0].linkId;
			await box.fill(JSON.stringify(broken, null, 2));
			await page.locator('#def-h').locator('..').getByRole('button', { name: 'Publish a new version' }).click();
			const problem = page.locator('.problem-list li').first();
			await problem.waitFor();
			assert(/linkId|unique|twice|already/i.test(await problem.textContent()),
				`problem: ${await problem.textContent()}`);
			await noSideScroll(page, 'questionnaire editor');
			await noAxeViolations(page, 'questionnaire editor');
			// A valid change publishes a new version.
			def.title = `${def.title} (reviewed)`;
			await box.fill(JSON.stringify(def, null, 2));
			await page.locator('#def-h').locator('..').getByRole('button', { name: 'Publish a new version' }).click();
			await page.getByText(/Published as version \d+/).waitFor();
			const shown = await page.getByText(/Published as version \d+/).textContent();
			assert(Number(/version (\d+)/.exec(shown)[1]) === Number(before) + 1, `version: ${shown} after ${before}`);
		}));
}
