// The outbox on the portal (views/outbox.js): an admin on a phone follows the
// admin home's link to "Messages to partners", sees a dead letter first with
// its last error in plain words, sends it again, and it leaves the dead
// letters (pending again, from its first try, in the database). axe-core and
// no side scroll at 390 px. The dead letter is written as root with a kind no
// dispatcher delivers, so it stays pending after the replay.
import { execFileSync } from 'node:child_process';

export default function (h) {
	const { test, withPage, heading, signInDemoStaff, noSideScroll, noAxeViolations, screenshot, assert,
		PHONE, RUN } = h;

	function sql(query) {
		const socket = process.env.CLINIC_TEST_DB_SOCKET;
		assert(socket, 'CLINIC_TEST_DB_SOCKET is not set (scripts/test sets it)');
		return execFileSync('mariadb', ['-S', socket, '-u', 'root', '-N', '-B', 'clinic', '-e', query],
			{ encoding: 'utf8' }).trim();
	}

	test('an admin replays a dead letter from the outbox on a phone', () =>
		withPage(PHONE, async (page) => {
			const key = `e2e-dead-${RUN}-${Math.floor(Math.random() * 1e6)}`;
			sql(`INSERT INTO outbox (kind, payload, idempotency_key, status, attempts, next_attempt_at,
				last_error, created_at) VALUES ('e2e.replay', '{"patient":"Not Shown"}', '${key}', 'failed', 20,
				UTC_TIMESTAMP(6), 'the provider answered 503', UTC_TIMESTAMP(6))`);
			const id = sql(`SELECT id FROM outbox WHERE idempotency_key = '${key}'`);

			await signInDemoStaff(page, 'admin');
			await heading(page, 'Administration');
			await page.getByRole('link', { name: /Messages to partners/ }).click();
			await heading(page, 'Messages to partners');
			const card = page.locator('li.outbox-item').filter({ hasText: key });
			await card.waitFor();
			await card.getByText('Gave up after 20 tries.').waitFor();
			await card.getByText('the provider answered 503').waitFor();
			assert(!(await page.content()).includes('Not Shown'), 'a payload is shown');
			const pressed = await page.getByRole('button', { name: /^Dead letters/ }).getAttribute('aria-pressed');
			assert(pressed === 'true', 'dead letters are not shown first');
			await noSideScroll(page, 'outbox');
			await noAxeViolations(page, 'outbox');
			await screenshot(page, 'outbox.png');

			await card.getByRole('button', { name: `Send again (message ${id})` }).click();
			await page.getByText(`Message ${id}`, { exact: false }).filter({ hasText: 'will be sent again' }).waitFor();
			await card.waitFor({ state: 'detached' });
			assert(sql(`SELECT CONCAT(status, ' ', attempts) FROM outbox WHERE id = ${id}`) === 'pending 0',
				'the message is not pending from its first try');
			await page.getByRole('button', { name: /^Waiting/ }).click();
			await page.locator('li.outbox-item').filter({ hasText: key }).getByText('Waiting to be sent', { exact: false }).waitFor();
			await noAxeViolations(page, 'outbox, waiting');
		}));
}
