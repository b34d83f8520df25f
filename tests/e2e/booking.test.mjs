// Booking on a phone (views/book.js, appointments.js, availability.js): an
// eligible, verified patient books a slot, sees it in "Your appointments",
// gets the calendar file and the confirmation email (at the stack's email
// stand-in), and cancels; a patient not yet eligible is told what is missing;
// a clinician sets weekly hours and leave and sees them in the free times,
// then books for a patient from the patient's record.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export default function (h) {
	const { test, withPage, heading, signUp, signIn, enrol, createUser, noSideScroll, noAxeViolations,
		screenshot, assert, PHONE, URL_, CONF, RUN } = h;

	function sql(query) {
		const socket = process.env.CLINIC_TEST_DB_SOCKET;
		assert(socket, 'CLINIC_TEST_DB_SOCKET is not set (scripts/test sets it)');
		return execFileSync('mariadb', ['-S', socket, '-u', 'root', '-N', '-B', 'clinic', '-e', query],
			{ encoding: 'utf8' }).trim();
	}

	function setting(name) {
		const m = new RegExp(`^${name} = (.*)$`, 'm').exec(readFileSync(CONF, 'utf8'));
		return m ? m[1] : '';
	}

	const idOf = (email) => Number(sql(`SELECT id FROM users WHERE email = '${email.replace(/'/g, "''")}'`));

	// An eligible intake and a verified identity, as the intake and identity flows leave them.
	function makeReady(patientId) {
		sql(`INSERT INTO intake_response (patient_id, qkey, q_version, status, answers, created_at, updated_at,
				submitted_at, outcome)
			SELECT ${patientId}, qkey, MAX(version), 'completed', '{}', UTC_TIMESTAMP(6), UTC_TIMESTAMP(6),
				UTC_TIMESTAMP(6), 'eligible' FROM intake_questionnaire WHERE qkey = 'intake' GROUP BY qkey;
			INSERT INTO idv_check (patient_id, attempt, status, created_at, updated_at, completed_at)
			VALUES (${patientId}, 1, 'clear', UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), UTC_TIMESTAMP(6));
			INSERT INTO idv_verified (patient_id, check_id, how, verified_at)
			SELECT ${patientId}, id, 'clear', UTC_TIMESTAMP(6) FROM idv_check WHERE patient_id = ${patientId};`);
	}

	function patient(tag) {
		return {
			email: `e2e-book-${tag}-${RUN}@example.org`, password: `e2e booking lantern ${RUN}`,
			given: 'Bea', family: `Booker${tag}${RUN % 100000}`,
		};
	}

	// The local date (YYYY-MM-DD) in the clinic's zone, days from now, and its ISO weekday.
	function londonDay(days) {
		const t = new Date(Date.now() + days * 86400000);
		const date = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' }).format(t);
		const wd = new Date(`${date}T12:00:00Z`).getUTCDay() || 7;
		return { date, weekday: wd };
	}

	async function getJson(page, path) {
		const r = await page.request.get(`${URL_}${path}`);
		assert(r.ok(), `GET ${path}: ${r.status()} ${await r.text()}`);
		return r.json();
	}

	test('an eligible, verified patient books on a phone, gets the calendar file and email, and cancels', () =>
		withPage(PHONE, async (page) => {
			const p = patient('ok');
			await signUp(page, p);
			await heading(page, `Welcome, ${p.given}`);
			makeReady(idOf(p.email));
			await page.reload();
			await heading(page, `Welcome, ${p.given}`);
			await page.getByRole('link', { name: 'Book a video consultation' }).click();
			await heading(page, 'Book a video consultation');
			// A first visit: the initial consultation is chosen; times say their zone.
			assert(await page.getByRole('radio', { name: /Initial consultation/ }).isChecked(), 'initial is not chosen');
			await page.getByText('Times are UK time').waitFor();
			// A day some days ahead (the last shown), so it can still be cancelled online.
			const lastDay = page.locator('.day-list .slot').last();
			await lastDay.waitFor();
			await lastDay.click();
			const first = page.locator('.slot-list .slot').first();
			await first.waitFor();
			await noSideScroll(page, 'book: free times');
			await noAxeViolations(page, 'book: free times');
			await screenshot(page, 'book-slots.png');
			const time = (await first.textContent()).trim().slice(0, 5);
			const day = (await page.locator('.slot-day-h').textContent()).replace(/^Times on /, '');
			await first.click();
			await page.getByRole('heading', { name: 'Confirm your booking' }).waitFor();
			const when = await page.locator('.book-confirm dd').nth(1).textContent();
			assert(when.includes(time) && when.includes('UK time'), `confirm shows ${when}, not ${time} UK time`);
			await noAxeViolations(page, 'book: confirm');
			const [res] = await Promise.all([
				page.waitForResponse((r) => r.url().endsWith('/api/v1/appointments') && r.request().method() === 'POST'),
				page.getByRole('button', { name: 'Book this time' }).click(),
			]);
			assert(res.status() === 201, `booking answered ${res.status()}: ${await res.text()}`);
			const booked = await res.json();
			const id = (booked.appointment || booked).id;
			await page.getByRole('heading', { name: 'You are booked' }).waitFor();
			await noSideScroll(page, 'book: booked');
			await noAxeViolations(page, 'book: booked');
			await screenshot(page, 'book-booked.png');

			// The calendar file.
			const ics = page.getByRole('link', { name: 'Add to calendar' });
			const href = await ics.getAttribute('href');
			assert(href === `/api/v1/appointments/${id}/calendar.ics`, `calendar link ${href}`);
			const r = await page.request.get(`${URL_}${href}`);
			assert(r.ok() && /text\/calendar/.test(r.headers()['content-type'] || ''), `calendar: ${r.status()} ${r.headers()['content-type']}`);
			const text = await r.text();
			for (const want of ['BEGIN:VCALENDAR', 'BEGIN:VEVENT', `UID:appointment-${id}@`, 'SUMMARY:Clinic video consultation',
				`/#/consult/${id}`, 'DTSTART:'])
				assert(text.includes(want), `the .ics has no ${want}:\n${text}`);
			assert(!/initial|cannabis/i.test(text), `clinical words in the .ics:\n${text}`);

			// The confirmation email reached the email provider (the stand-in), with no clinical words.
			const standin = setting('notify_email_url');
			let mail = null;
			for (let i = 0; i < 100 && !mail; i++) {
				const all = await (await page.request.get(`${standin}/_messages`)).json();
				mail = all.messages.find((m) => m.idempotency_key === `appt-${id}-confirm-0-email`);
				if (!mail)
					await page.waitForTimeout(200);
			}
			assert(mail, 'no confirmation email at the stand-in');
			assert(mail.to === p.email && mail.text.includes(`/#/consult/${id}`) && !/initial|cannabis/i.test(mail.text),
				`confirmation: ${JSON.stringify(mail)}`);

			// Home shows the journey's booking step as done, with the date.
			await page.goto(`${URL_}/#/`);
			await heading(page, `Welcome, ${p.given}`);
			const step = page.locator('.journey li').filter({ hasText: 'Book a video consultation' });
			await step.locator('.badge-done').filter({ hasText: `Booked: ${day.trim()}` }).waitFor();

			// Your appointments: upcoming, then cancelled.
			await page.getByRole('link', { name: 'Your appointments' }).click();
			await heading(page, 'Your appointments');
			const up = page.locator('section').filter({ has: page.getByRole('heading', { name: 'Upcoming' }) });
			await up.locator('.appt').filter({ hasText: time }).waitFor();
			const listed = await up.locator('.appt-when').first().textContent();
			assert(listed.includes(day.trim()), `the day differs: booked ${day}, listed ${listed}`);
			await noSideScroll(page, 'appointments');
			await noAxeViolations(page, 'appointments');
			await screenshot(page, 'appointments.png');

			// Reschedule to another time on that day (same appointment, a new sequence).
			await up.getByRole('button', { name: 'Reschedule' }).click();
			const days2 = up.locator('.day-list .slot');
			await days2.last().waitFor();
			await days2.last().click();
			const times2 = up.locator('.slot-list .slot');
			await times2.nth(1).waitFor();
			const newTime = (await times2.nth(1).textContent()).trim().slice(0, 5);
			assert(newTime !== time, 'the booked time is offered again');
			await times2.nth(1).click();
			await noSideScroll(page, 'appointments: reschedule');
			await noAxeViolations(page, 'appointments: reschedule');
			await up.getByRole('button', { name: /^Move to / }).click();
			await page.getByText(/^Moved to /).waitFor();
			await up.locator('.appt-when').filter({ hasText: newTime }).waitFor();
			assert(sql(`SELECT CONCAT(status, ' ', sequence > 0) FROM appointment WHERE id = ${id}`) === 'booked 1',
				'the appointment was not moved in place');

			await up.getByRole('button', { name: 'Cancel' }).first().click();
			await page.getByLabel('Reason (optional)').fill('Something came up');
			await noAxeViolations(page, 'appointments: cancel');
			await page.getByRole('button', { name: 'Cancel the appointment' }).click();
			await page.getByText('The appointment is cancelled.').waitFor();
			const past = page.locator('section').filter({ has: page.getByRole('heading', { name: 'Past and cancelled' }) });
			await past.locator('.appt-cancelled').filter({ hasText: newTime }).waitFor();
			await up.getByText('You have no upcoming appointments.').waitFor();
			assert(sql(`SELECT status FROM appointment WHERE id = ${id}`) === 'cancelled', 'not cancelled in the database');
			await noSideScroll(page, 'appointments: cancelled');
		}));

	test('a patient who cannot book yet is told what is missing, with links', () =>
		withPage(PHONE, async (page) => {
			const p = patient('notready');
			await signUp(page, p);
			await heading(page, `Welcome, ${p.given}`);
			await page.goto(`${URL_}/#/book`);
			await heading(page, 'Book a video consultation');
			await page.getByRole('heading', { name: 'Before you can book' }).waitFor();
			const intake = page.getByRole('link', { name: 'Finish your health questionnaire' });
			const idv = page.getByRole('link', { name: 'Confirm your identity' });
			assert(await intake.getAttribute('href') === '#/intake', 'no link to the intake');
			assert(await idv.getAttribute('href') === '#/identity', 'no link to the identity check');
			assert(await page.locator('.slot').count() === 0, 'free times offered to a patient who cannot book');
			await noSideScroll(page, 'book: not ready');
			await noAxeViolations(page, 'book: not ready');
			await screenshot(page, 'book-not-ready.png');
			// The server says the same if asked directly.
			const types = await getJson(page, '/api/v1/appointments/types');
			assert(types.types.some((t) => t.code === 'initial'), 'no initial type');
		}));

	test('a clinician sets hours and leave, sees them in the free times, and books for a patient', () =>
		withPage(PHONE, async (page, context) => {
			// A patient ready to book, for the clinician to book for.
			const p = patient('forstaff');
			await signUp(page, p);
			await heading(page, `Welcome, ${p.given}`);
			const pid = idOf(p.email);
			makeReady(pid);
			await page.getByRole('button', { name: 'Sign out' }).first().click();
			await heading(page, 'Sign in');
			await context.clearCookies();

			const c = createUser('clinician', ['--gmc', '7222333']);
			await signIn(page, c.email, c.password);
			await enrol(page, c);
			await heading(page, 'Clinician console');
			await page.getByRole('link', { name: 'Availability' }).click();
			await heading(page, 'Your availability');
			await page.getByText('No weekly hours yet').waitFor();
			const target = londonDay(4);
			const days = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];
			await page.getByLabel('Day').selectOption(String(target.weekday));
			await page.getByLabel('From', { exact: true }).fill('10:00');
			await page.getByLabel('To', { exact: true }).fill('12:00');
			await page.getByRole('button', { name: 'Add hours' }).click();
			await page.getByText(`Added ${days[target.weekday - 1]} 10:00–12:00.`).waitFor();
			await page.locator('.avail-list li').filter({ hasText: `${days[target.weekday - 1]} 10:00–12:00` }).waitFor();
			await noSideScroll(page, 'availability');
			await noAxeViolations(page, 'availability');
			await screenshot(page, 'availability.png');

			const slotsOn = async () => {
				const d = await getJson(page, `/api/v1/appointments/slots?from=${target.date}&to=${target.date}&type=follow_up&clinician=${c.id}`);
				return d.slots.map((s) => s.start_local.slice(11, 16));
			};
			let times = await slotsOn();
			assert(times.join(' ') === '10:00 10:15 10:30 10:45 11:00 11:15 11:30 11:45', `slots after adding hours: ${times}`);

			// Leave from 10:00 to 11:00 that day takes those times away.
			await page.getByLabel('Leave (no bookings)').check();
			await page.locator('#f-exc-from-date').fill(target.date);
			await page.locator('#f-exc-from-time').fill('10:00');
			await page.locator('#f-exc-to-date').fill(target.date);
			await page.locator('#f-exc-to-time').fill('11:00');
			await page.getByLabel('Note (optional)').fill('Training');
			await page.getByRole('button', { name: 'Add', exact: true }).click();
			await page.getByText('Leave added').waitFor();
			times = await slotsOn();
			assert(times.join(' ') === '11:00 11:15 11:30 11:45', `slots after leave: ${times}`);
			await noAxeViolations(page, 'availability with leave');

			// Book for the patient from their record.
			await page.goto(`${URL_}/#/patients/${pid}`);
			await page.getByRole('link', { name: 'Book an appointment' }).click();
			await heading(page, 'Book an appointment');
			await page.getByText(`${p.given} ${p.family}`).waitFor();
			// The clinician's own free times: only on the day of the new hours, after the leave.
			// (the same weekday comes twice in the 14 days shown; the first is the day with leave)
			await page.locator('.day-list .slot').first().waitFor();
			const dayCount = await page.locator('.day-list .slot').count();
			assert(dayCount === 2, `${dayCount} days offered, not the 2 with the new hours`);
			const [ty, tm, td] = target.date.split('-').map(Number);
			const firstDay = await page.locator('.day-list .slot').first().textContent();
			assert(firstDay.includes(`${td} `) && firstDay.includes(new Intl.DateTimeFormat('en-GB', { month: 'short', timeZone: 'UTC' })
				.format(new Date(Date.UTC(ty, tm - 1, td, 12)))), `the first day offered is ${firstDay}, not ${target.date}`);
			await page.locator('.day-list .slot').first().click();
			await page.locator('.slot-list .slot').first().waitFor();
			assert((await page.locator('.slot-list .slot').first().textContent()).trim() === '11:00',
				'the first time is not 11:00 (after the leave)');
			await noSideScroll(page, 'staff booking');
			await noAxeViolations(page, 'staff booking');
			await page.locator('.slot-list .slot').first().click();
			await page.getByRole('button', { name: 'Book this time' }).click();
			await page.getByRole('heading', { name: 'Booked' }).waitFor();
			assert(Number(sql(`SELECT COUNT(*) FROM appointment WHERE patient_id = ${pid} AND clinician_id = ${c.id}
				AND status = 'booked' AND booked_by = ${c.id}`)) === 1, 'the staff booking is not in the database');
			await noAxeViolations(page, 'staff booked');

			// The clinician's list shows it with the patient's name.
			await page.goto(`${URL_}/#/appointments`);
			await heading(page, 'Your consultations');
			await page.locator('.appt').filter({ hasText: `${p.given} ${p.family}` }).waitFor();
			await noSideScroll(page, 'clinician appointments');
			await noAxeViolations(page, 'clinician appointments');
		}));

	test('a patient joins a consultation when the room is open; a near one cannot be changed online', () =>
		withPage(PHONE, async (page) => {
			const p = patient('join');
			await signUp(page, p);
			await heading(page, `Welcome, ${p.given}`);
			const pid = idOf(p.email);
			const clinician = idOf(h.DEMO.accounts.find((a) => a.role === 'clinician').email);
			const id = Number(sql(`INSERT INTO appointment (patient_id, clinician_id, type_id, starts_at, ends_at, status,
					booked_by, created_at, updated_at)
				SELECT ${pid}, ${clinician}, id, UTC_TIMESTAMP() + INTERVAL 2 MINUTE - INTERVAL SECOND(UTC_TIMESTAMP()) SECOND,
					UTC_TIMESTAMP() + INTERVAL 32 MINUTE - INTERVAL SECOND(UTC_TIMESTAMP()) SECOND, 'booked', ${pid},
					UTC_TIMESTAMP(6), UTC_TIMESTAMP(6)
				FROM appointment_type WHERE code = 'initial';
				SELECT LAST_INSERT_ID();`));
			await page.goto(`${URL_}/#/appointments`);
			await heading(page, 'Your appointments');
			const join = page.getByRole('link', { name: 'Join the video consultation' });
			await join.waitFor();
			assert(await join.getAttribute('href') === `#/consult/${id}`, `join goes to ${await join.getAttribute('href')}`);
			await page.getByText('It is now too close to the appointment to change or cancel it online').waitFor();
			assert(await page.getByRole('button', { name: 'Cancel' }).count() === 0, 'cancel offered within the notice period');
			await noSideScroll(page, 'appointments: room open');
			await noAxeViolations(page, 'appointments: room open');
		}));

	test('an admin sees every clinician\'s appointments and changes a fee', () =>
		withPage(PHONE, async (page) => {
			await h.signInDemoStaff(page, 'admin');
			await heading(page, 'Administration');
			await page.getByRole('link', { name: 'Availability' }).click();
			await heading(page, 'Availability and appointment types');
			await page.getByLabel('Clinician').waitFor();
			await page.locator('.avail-list li').first().waitFor();
			await noSideScroll(page, 'admin availability');
			await noAxeViolations(page, 'admin availability');
			const fee = page.getByLabel('Fee (£)').nth(1);
			const types = await getJson(page, '/api/v1/appointments/types');
			const second = types.types[1];
			const newFee = ((second.fee_pence + 500) / 100).toFixed(2);
			await fee.fill(newFee);
			await page.getByRole('button', { name: `Save ${second.name}` }).click();
			await page.getByText(`${second.name} saved.`).waitFor();
			const after = await getJson(page, '/api/v1/appointments/types');
			assert(after.types.find((t) => t.id === second.id).fee_pence === second.fee_pence + 500, 'the fee did not change');
			await page.getByRole('button', { name: `Save ${second.name}` }).waitFor();
			await page.getByLabel('Fee (£)').nth(1).fill((second.fee_pence / 100).toFixed(2));
			await page.getByRole('button', { name: `Save ${second.name}` }).click();
			await page.getByText(`${second.name} saved.`).waitFor();

			await page.goto(`${URL_}/#/appointments`);
			await heading(page, 'Appointments');
			await page.getByLabel('Clinician').waitFor();
			await page.getByRole('heading', { name: 'Upcoming' }).waitFor();
			await noSideScroll(page, 'admin appointments');
			await noAxeViolations(page, 'admin appointments');
		}));
}
