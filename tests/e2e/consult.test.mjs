// The video consultation room, end to end through the real nginx/nchan
// signalling: a patient waits, the clinician admits, both browsers reach a
// connected WebRTC call and exchange data-channel messages both ways, the
// clinician's note is saved during the call, another patient is refused, the
// consultation ends, and a note typed while offline is kept and sent once the
// network is back.
//
// The shared browser of run.mjs has no fake camera, so this file launches its
// own Chromium with fake media devices (docs/PITFALLS: --use-fake-*,
// host candidates without mDNS names).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { chromium } from 'playwright-core';

export default function (h) {
	const { test, heading, signUp, enrol, createUser, noSideScroll, noAxeViolations, screenshot,
		assert, PHONE, URL_, RUN, CONF } = h;
	const DESK = { viewport: { width: 1280, height: 900 } };

	// SQL as the database's root (the test stack's socket), for the appointment.
	function sql(query) {
		const socket = process.env.CLINIC_TEST_DB_SOCKET;
		assert(socket, 'CLINIC_TEST_DB_SOCKET is not set (scripts/test sets it)');
		return execFileSync('mariadb', ['-S', socket, '-u', 'root', '-N', '-B', 'clinic', '-e', query],
			{ encoding: 'utf8' }).trim();
	}

	// An appointment between patient and clinician starting in `minutes`.
	function appointment(patientId, clinicianId, minutes) {
		assert(Number.isInteger(patientId) && Number.isInteger(clinicianId), 'bad ids for the appointment');
		return Number(sql(`INSERT INTO appointment (patient_id, clinician_id, type_id, starts_at, ends_at, status,
				booked_by, created_at, updated_at)
			SELECT ${patientId}, ${clinicianId}, id, UTC_TIMESTAMP() + INTERVAL ${minutes} MINUTE,
				UTC_TIMESTAMP() + INTERVAL ${minutes + 30} MINUTE, 'booked', ${clinicianId}, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6)
			FROM appointment_type WHERE code = 'initial';
			SELECT LAST_INSERT_ID();`));
	}

	// playwright gives each launch a fresh profile directory of its own
	// (it refuses --user-data-dir); `dir` is for the browser's downloads.
	async function launch() {
		const dir = mkdtempSync(join(tmpdir(), 'clinic-consult-'));
		const browser = await chromium.launch({
			executablePath: '/usr/bin/chromium',
			headless: true,
			downloadsPath: dir,
			args: ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream',
				'--disable-features=WebRtcHideLocalIpsWithMdns', '--headless', '--no-sandbox', '--disable-gpu',
				'--disable-background-networking', '--disable-component-update', '--disable-sync',
				'--no-first-run'],
		});
		return { browser, dir };
	}

	// A context whose page errors fail the test (network failures while
	// offline are expected and not counted).
	async function open(browser, options, problems, who) {
		const context = await browser.newContext({ ...options, locale: 'en-GB' });
		context.setDefaultTimeout(20000);
		const page = await context.newPage();
		page.on('pageerror', (e) => problems.push(`${who}: page error: ${e.message}`));
		page.on('console', (m) => {
			if (m.type() === 'error' && !/Failed to load resource|WebSocket connection|ERR_INTERNET_DISCONNECTED|net::/.test(m.text()))
				problems.push(`${who}: console: ${m.text()}`);
		});
		// The signalling WebSocket only receives: messages go out by POST
		// (a data frame would get the socket closed by nchan).
		page.on('websocket', (ws) => ws.on('framesent', (f) =>
			problems.push(`${who}: a frame sent on the signalling WebSocket: ${String(f.payload).slice(0, 80)}`)));
		return { context, page };
	}

	const get = (page, path) => page.evaluate(async (p) => {
		const r = await fetch(p, { headers: { Accept: 'application/json' } });
		let body = null;
		try {
			body = await r.json();
		} catch {
			body = null;
		}
		return { status: r.status, body };
	}, path);

	const room = (page) => page.locator('.consult-room');

	async function iceUp(page, who) {
		await page.waitForFunction(() => {
			const el = document.querySelector('.consult-room');
			return el && ['connected', 'completed'].includes(el.dataset.iceState);
		}, null, { timeout: 30000 }).catch(async () => {
			const attrs = await room(page).evaluate((el) => JSON.stringify(el.dataset)).catch(() => 'no room');
			assert(false, `${who}: the call did not connect: ${attrs}`);
		});
	}

	async function remotePlaying(page, who) {
		await page.waitForFunction(() => {
			const v = document.querySelector('video.video-remote');
			return v && v.videoWidth > 0 && !v.paused;
		}, null, { timeout: 20000 }).catch(() => assert(false, `${who}: the other side's video is not playing`));
	}

	const noteStatus = (page) => page.locator('#note-status');

	test('consult: a patient waits, the clinician admits, both connect through nchan, ping both ways; a note saved during the call; another patient refused; offline note kept and sent', async () => {
		const { browser, dir } = await launch();
		const problems = [];
		try {
			// The clinician signs in (second factor) on a wide screen.
			const c = createUser('clinician', ['--gmc', '7111222']);
			const doc = await open(browser, DESK, problems, 'clinician');
			await doc.page.goto(`${URL_}/#/sign-in`);
			await heading(doc.page, 'Sign in');
			await doc.page.fill('#f-email', c.email);
			await doc.page.fill('#f-password', c.password);
			await doc.page.click('button[type=submit]');
			await enrol(doc.page, c);
			await heading(doc.page, 'Clinician console');

			// The patient signs up on a phone.
			const p = { email: `e2e-consult-${RUN}@example.org`, password: `e2e consult harbour ${RUN}`,
				given: 'Rosa', family: 'Marsh' };
			const pat = await open(browser, PHONE, problems, 'patient');
			await signUp(pat.page, p);
			await heading(pat.page, 'Welcome, Rosa');
			const me = await get(pat.page, '/api/v1/auth/me');
			assert(me.status === 200, `auth/me: ${me.status}`);
			const apptId = appointment(me.body.user.id, c.id, 4);
			assert(apptId > 0, 'no appointment inserted');
			// Some intake answers, for the clinician's panel.
			const saved = await pat.page.evaluate(async (token) => {
				const r = await fetch('/api/v1/intake/responses/intake', {
					method: 'PUT',
					headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': token },
					body: JSON.stringify({ answers: { 'takes-medicines': false, 'phq9-1': 'LA6569-3' } }),
				});
				return r.status;
			}, me.body.csrf_token);
			assert(saved === 200, `intake answers not saved: ${saved}`);

			// The patient comes early: the waiting room, a self-view, the device check.
			await pat.page.goto(`${URL_}/#/consult/${apptId}`);
			await heading(pat.page, 'Video consultation');
			await pat.page.getByText('Waiting for your clinician to let you in.').first().waitFor();
			await pat.page.waitForFunction(() => {
				const v = document.querySelector('video.video-self');
				return v && v.videoWidth > 0;
			}, null, { timeout: 15000 }).catch(() => assert(false, 'no self-view in the waiting room'));
			await pat.page.locator('#mic-meter').waitFor();
			await room(pat.page).and(pat.page.locator('[data-signal=open]')).waitFor();
			assert(await room(pat.page).getAttribute('data-phase') === 'waiting', 'patient not waiting');
			await noSideScroll(pat.page, 'consult waiting room');
			await noAxeViolations(pat.page, 'consult waiting room');
			await screenshot(pat.page, 'consult-waiting.png');

			// The clinician sees the patient waiting and admits them.
			await doc.page.goto(`${URL_}/#/consult/${apptId}`);
			await heading(doc.page, 'Consultation');
			const admit = doc.page.getByRole('button', { name: 'Admit the patient' });
			await doc.page.getByText('The patient is waiting.').first().waitFor();
			await admit.click();

			// Beside the video: the patient's details, intake and plan.
			const ctx = doc.page.locator('.consult-context');
			await ctx.getByText('Rosa Marsh').waitFor();
			await ctx.getByText(/PHQ-9/).first().waitFor();
			await ctx.getByText('No treatment plan yet.').waitFor();
			await ctx.getByText(/Intake answers \(2\)/).click();
			await ctx.locator('.answers').getByText('Several days').waitFor();

			// Both reach a connected call through the real signalling.
			await iceUp(doc.page, 'clinician');
			await iceUp(pat.page, 'patient');
			await remotePlaying(doc.page, 'clinician');
			await remotePlaying(pat.page, 'patient');
			// The ping channel the quality indicator uses: each side's ping came
			// back (pong) and each side answered the other's pings.
			for (const [page, who] of [[doc.page, 'clinician'], [pat.page, 'patient']]) {
				await page.waitForFunction(() => {
					const d = document.querySelector('.consult-room').dataset;
					return Number(d.pongsIn) > 0 && Number(d.pingsIn) > 0;
				}, null, { timeout: 15000 }).catch(async () => assert(false,
					`${who}: no data-channel messages both ways: ${await room(page).evaluate((el) => JSON.stringify(el.dataset))}`));
				await page.locator('.quality').filter({ hasText: /Connection: (Good|Fair|Poor)/ }).waitFor();
			}
			assert(await room(pat.page).getAttribute('data-phase') === 'admitted', 'patient not admitted');
			await noSideScroll(pat.page, 'consult call (patient)');
			await noAxeViolations(pat.page, 'consult call (patient)');
			await screenshot(pat.page, 'consult-call-patient.png');

			// Mute shows on the other side.
			await pat.page.getByRole('button', { name: 'Mute' }).click();
			await doc.page.locator('.peer-media').getByText('The patient is muted.').waitFor();
			await pat.page.getByRole('button', { name: 'Unmute' }).click();

			// nginx reloads (new workers; the old ones close their WebSockets):
			// signalling reconnects by itself and the call carries on.
			const nginxDir = join(dirname(CONF), 'nginx');
			execFileSync('nginx', ['-p', nginxDir, '-c', join(nginxDir, 'nginx.conf'), '-s', 'reload']);
			for (const page of [pat.page, doc.page])
				await room(page).and(page.locator(':not([data-signal=open])')).waitFor({ timeout: 30000 });
			await room(pat.page).and(pat.page.locator('[data-signal=open]')).waitFor({ timeout: 40000 });
			await room(doc.page).and(doc.page.locator('[data-signal=open]')).waitFor({ timeout: 40000 });
			await iceUp(pat.page, 'patient (after signalling came back)');
			await iceUp(doc.page, 'clinician (after the patient\'s signalling came back)');

			// Either side may share a screen: the patient (the polite side)
			// adds a track and renegotiates; stopping takes it away again.
			await pat.page.getByRole('button', { name: 'Share screen' }).click();
			await room(doc.page).and(doc.page.locator('[data-remote-screen=true]')).waitFor();
			await doc.page.locator('.peer-media').getByText('The patient is sharing their screen.').waitFor();
			await pat.page.getByRole('button', { name: 'Stop sharing' }).click();
			await room(doc.page).and(doc.page.locator('[data-remote-screen=false]')).waitFor();
			await iceUp(pat.page, 'patient (after sharing)');

			// The clinician's note is saved while the call runs.
			const subjective = `Pain 6/10 most days; sleeping badly. ${RUN}`;
			await doc.page.fill('#note-subjective', subjective);
			await noteStatus(doc.page).filter({ hasText: /^Saved \d\d:\d\d:\d\d$/ }).waitFor();
			const notes = await get(doc.page, `/api/v1/consult/${apptId}/notes`);
			assert(notes.status === 200 && notes.body.current && notes.body.current.version >= 1,
				`no saved note version: ${JSON.stringify(notes)}`);
			assert(notes.body.current.soap.subjective === subjective, 'the saved note is not what was typed');
			await iceUp(doc.page, 'clinician (after saving)');
			await noAxeViolations(doc.page, 'consult call (clinician)');
			await screenshot(doc.page, 'consult-call-clinician.png');
			// The patient cannot read the note.
			const theirs = await get(pat.page, `/api/v1/consult/${apptId}/notes`);
			assert(theirs.status === 404, `the patient reads the note: ${theirs.status}`);

			// Another patient opening the room is refused.
			const other = await open(browser, PHONE, problems, 'other patient');
			await signUp(other.page, { email: `e2e-consult-other-${RUN}@example.org`,
				password: `e2e other harbour ${RUN}`, given: 'Olu', family: 'Other' });
			await heading(other.page, 'Welcome, Olu');
			await other.page.goto(`${URL_}/#/consult/${apptId}`);
			await other.page.getByText('There is no consultation here for you').waitFor();
			assert(await other.page.locator('.consult-room').count() === 0, 'the other patient sees the room');
			for (const path of ['', '/join']) {
				const r = await get(other.page, `/api/v1/consult/${apptId}${path}`);
				assert(r.status === 404, `another patient got ${r.status} for ${path || 'the room'}`);
			}
			await other.context.close();

			// The clinician ends the consultation: next steps; the patient is told.
			await doc.page.getByRole('button', { name: 'End consultation' }).click();
			await doc.page.getByRole('button', { name: 'End for both of us' }).click();
			await heading(doc.page, 'Consultation');
			await doc.page.getByRole('heading', { name: 'Next steps' }).waitFor();
			await doc.page.getByRole('link', { name: 'Book a follow-up' }).waitFor();
			// The prescribing next steps lead to the plan and to a prescription for this consultation.
			const toPlan = await doc.page.getByRole('link', { name: 'Change the treatment plan' }).getAttribute('href');
			const toRx = await doc.page.getByRole('link', { name: 'Write a prescription' }).getAttribute('href');
			assert(toPlan === `#/plans/${me.body.user.id}` && toRx === `#/prescribe/${me.body.user.id}?appointment=${apptId}`,
				`next steps link to ${toPlan} and ${toRx}`);
			await pat.page.getByRole('heading', { name: 'The consultation has ended' }).waitFor();

			// Offline while typing: the text stays on the device and is sent once back.
			const plan = `Review in four weeks. ${RUN}`;
			await doc.context.setOffline(true);
			await doc.page.fill('#note-plan', plan);
			await noteStatus(doc.page).filter({ hasText: 'Offline — kept on this device, will send when back' })
				.waitFor({ timeout: 15000 });
			const kept = await doc.page.evaluate((id) => Object.keys(localStorage)
				.filter((k) => k.endsWith(`:${id}`)).map((k) => localStorage.getItem(k)), apptId);
			assert(kept.length === 1 && kept[0].includes(plan), 'the unsent text is not kept on the device');
			await doc.context.setOffline(false);
			await noteStatus(doc.page).filter({ hasText: /^Saved \d\d:\d\d:\d\d$/ }).waitFor({ timeout: 20000 });
			const after = await get(doc.page, `/api/v1/consult/${apptId}/notes`);
			assert(after.status === 200 && after.body.current.soap.plan === plan &&
				after.body.current.soap.subjective === subjective, `the offline text was not saved: ${JSON.stringify(after.body.current)}`);
			const left = await doc.page.evaluate((id) => Object.keys(localStorage).filter((k) => k.endsWith(`:${id}`)).length, apptId);
			assert(left === 0, 'the draft is still on the device after it was saved');

			// Sign-off, then an amendment needs a reason and keeps the earlier text.
			await doc.page.getByRole('button', { name: 'Sign off the note' }).click();
			await doc.page.locator('.note-meta .badge').getByText('Signed off').waitFor();
			assert(await doc.page.locator('#note-plan').evaluate((t) => t.readOnly), 'a signed note is still editable');
			await doc.page.getByRole('button', { name: 'Amend the note' }).click();
			await doc.page.fill('#note-plan', `${plan} Amended: two weeks.`);
			await doc.page.getByRole('button', { name: 'Save amendment' }).click();
			await doc.page.locator('#note-reason[aria-invalid=true]').waitFor();
			await doc.page.fill('#note-reason', 'Patient asked for an earlier review');
			await doc.page.getByRole('button', { name: 'Save amendment' }).click();
			await doc.page.getByRole('button', { name: 'Amend the note' }).waitFor();
			const amended = await get(doc.page, `/api/v1/consult/${apptId}/notes`);
			const kinds = amended.body.versions.map((v) => v.kind);
			assert(kinds.includes('amendment') && amended.body.versions.some((v) => v.soap && v.soap.plan === plan),
				`amendment or earlier text missing: ${JSON.stringify(kinds)}`);
			await doc.page.getByText(/Version history/).click();
			await doc.page.locator('.note-versions').getByText('Patient asked for an earlier review').waitFor();
			await noAxeViolations(doc.page, 'consult ended (clinician)');
			await screenshot(doc.page, 'consult-ended-clinician.png');

			await pat.context.close();
			await doc.context.close();
			assert(problems.length === 0, problems.join('\n'));
		} finally {
			await browser.close();
			rmSync(dir, { recursive: true, force: true });
		}
	});

	test('consult: over TLS the room signals through wss:// and a closed tab tells the clinician the patient left', async () => {
		const TLS = process.env.CLINIC_TEST_TLS_URL;
		assert(TLS, 'CLINIC_TEST_TLS_URL is not set (scripts/test sets it)');
		const { browser, dir } = await launch();
		const problems = [];
		try {
			const c = createUser('clinician', ['--gmc', '7111444']);
			const doc = await open(browser, { ...DESK, ignoreHTTPSErrors: true }, problems, 'clinician');
			const pat = await open(browser, { ...PHONE, ignoreHTTPSErrors: true }, problems, 'patient');
			await pat.page.goto(`${TLS}/#/sign-up`);
			await heading(pat.page, 'Create your account');
			await pat.page.fill('#f-email', `e2e-consult-tls-${RUN}@example.org`);
			await pat.page.fill('#f-password', `e2e consult secure ${RUN}`);
			await pat.page.fill('#f-given_name', 'Tia');
			await pat.page.fill('#f-family_name', 'Secure');
			await pat.page.fill('#f-date_of_birth-day', '3');
			await pat.page.fill('#f-date_of_birth-month', '9');
			await pat.page.fill('#f-date_of_birth-year', '1979');
			await pat.page.click('button[type=submit]');
			await heading(pat.page, 'Welcome, Tia');
			const me = await get(pat.page, '/api/v1/auth/me');
			const apptId = appointment(me.body.user.id, c.id, 5);
			const sockets = [];
			pat.page.on('websocket', (ws) => sockets.push(ws.url()));
			await pat.page.goto(`${TLS}/#/consult/${apptId}`);
			await room(pat.page).and(pat.page.locator('[data-signal=open]')).waitFor();
			assert(sockets.length > 0 && sockets.every((u) => u.startsWith('wss://') && u.endsWith(`/api/v1/consult/${apptId}/signal`)),
				`signalling is not wss:// to the room's channel: ${sockets.join(', ')}`);

			await doc.page.goto(`${TLS}/#/sign-in`);
			await heading(doc.page, 'Sign in');
			await doc.page.fill('#f-email', c.email);
			await doc.page.fill('#f-password', c.password);
			await doc.page.click('button[type=submit]');
			await enrol(doc.page, c);
			await heading(doc.page, 'Clinician console');
			await doc.page.goto(`${TLS}/#/consult/${apptId}`);
			await doc.page.locator('.admit').getByText('The patient is waiting.').waitFor();
			await doc.page.getByRole('button', { name: 'Admit the patient' }).click();
			await iceUp(doc.page, 'clinician (TLS)');
			await iceUp(pat.page, 'patient (TLS)');

			// The patient closes the tab: the clinician is told.
			await pat.page.close({ runBeforeUnload: true });
			await doc.page.locator('.video-placeholder').getByText('The patient is not in the call.').waitFor();
			assert(await room(doc.page).getAttribute('data-ice-state') === 'new', 'the call is still up after the patient left');
			await doc.context.close();
			await pat.context.close();
			assert(problems.length === 0, problems.join('\n'));
		} finally {
			await browser.close();
			rmSync(dir, { recursive: true, force: true });
		}
	});

	test('consult: the room outside its window says when it opens', async () => {
		const { browser, dir } = await launch();
		const problems = [];
		try {
			const c = createUser('clinician', ['--gmc', '7111333']);
			const pat = await open(browser, PHONE, problems, 'patient');
			await signUp(pat.page, { email: `e2e-consult-early-${RUN}@example.org`,
				password: `e2e consult early ${RUN}`, given: 'Eli', family: 'Early' });
			await heading(pat.page, 'Welcome, Eli');
			const me = await get(pat.page, '/api/v1/auth/me');
			const apptId = appointment(me.body.user.id, c.id, 24 * 60);
			await pat.page.goto(`${URL_}/#/consult/${apptId}`);
			await pat.page.getByText('The room is not open yet.').waitFor();
			await pat.page.getByText(/It opens at \d\d:\d\d on /).waitFor();
			assert(await pat.page.locator('video').count() === 0, 'the camera is used before the room opens');
			await noSideScroll(pat.page, 'consult not open');
			await noAxeViolations(pat.page, 'consult not open');
			await pat.context.close();
			assert(problems.length === 0, problems.join('\n'));
		} finally {
			await browser.close();
			rmSync(dir, { recursive: true, force: true });
		}
	});
}
