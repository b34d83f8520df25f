// Browser tests for the portal (htdocs/), run by scripts/test against a fresh stack.
// Environment: CLINIC_TEST_URL, CLINIC_TEST_CLINIC, CLINIC_TEST_CONF, CLINIC_TEST_DEMO;
// optionally CLINIC_E2E_ONLY (a regular expression: run only the tests it matches).
// Prints "ok - name" / "not ok - name" per test and ends with "N passed, M failed".
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const TOP = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const URL_ = need('CLINIC_TEST_URL').replace(/\/$/, '');
const CLINIC = need('CLINIC_TEST_CLINIC');
const CONF = need('CLINIC_TEST_CONF');
const DEMO = JSON.parse(readFileSync(need('CLINIC_TEST_DEMO'), 'utf8'));
const SHOTS = join(TOP, 'var', 'test', 'screenshots');
const AXE = readFileSync(join(TOP, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');
const PHONE = { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
const RUN = Date.now();

function need(name) {
	if (!process.env[name]) {
		console.error(`run.mjs: set ${name} (scripts/test does)`);
		process.exit(2);
	}
	return process.env[name];
}

function assert(cond, message) {
	if (!cond)
		throw new Error(message);
}

// ---- TOTP (RFC 6238: HMAC-SHA1, 30 s, 6 digits) ----

function base32(s) {
	const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
	let bits = '';
	for (const c of s.replace(/[\s=]/g, '').toUpperCase())
		bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
	return Buffer.from(bits.match(/.{8}/g).map((b) => parseInt(b, 2)));
}

function totp(secret, step) {
	const msg = Buffer.alloc(8);
	msg.writeBigUInt64BE(BigInt(step));
	const h = createHmac('sha1', base32(secret)).update(msg).digest();
	const n = (h.readUInt32BE(h[19] & 15) & 0x7fffffff) % 1000000;
	return String(n).padStart(6, '0');
}

const nowStep = () => Math.floor(Date.now() / 30000);

// The server accepts each time step once: the next unused step not in the past.
function nextCode(account) {
	const step = Math.max(nowStep(), (account.lastStep ?? -1) + 1);
	assert(step <= nowStep() + 1, 'would need a code two steps ahead; wait for the clock');
	account.lastStep = step;
	return totp(account.secret, step);
}

// ---- the stack ----

// Clinicians and pharmacists need their registration number.
const REG_FLAGS = { clinician: ['--gmc', '7000002'], pharmacist: ['--gphc', '2000002'] };

function createUser(role, extra = REG_FLAGS[role] || []) {
	const account = {
		email: `e2e-${role}-${RUN}-${Math.floor(Math.random() * 1e6)}@example.org`,
		password: `e2e ${role} harbour lantern ${RUN}`,
		given: role === 'clinician' ? 'Grace' : 'Sam',
		family: role === 'clinician' ? 'Fielding' : 'Okoro',
	};
	const out = execFileSync(CLINIC, ['create-user', '--role', role, '--email', account.email,
		'--password', account.password, '--given-name', account.given, '--family-name', account.family,
		...extra], { env: { ...process.env, CLINIC_CONF: CONF }, encoding: 'utf8' });
	account.id = Number((/\(id (\d+)\)/.exec(out) || [])[1]);
	return account;
}

// ---- the browser ----

let browser;

// A fresh context per test; page errors and CSP violations fail the test.
async function withPage(options, fn) {
	const context = await browser.newContext({ ...options, locale: 'en-GB' });
	context.setDefaultTimeout(15000);
	const page = await context.newPage();
	const problems = [];
	page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
	page.on('console', (m) => {
		if (m.type() === 'error' && !/Failed to load resource/.test(m.text()))
			problems.push(`console: ${m.text()}`);
	});
	try {
		await fn(page, context);
		assert(problems.length === 0, problems.join('\n'));
	} finally {
		await context.close();
	}
}

async function heading(page, text) {
	const h1 = page.locator('h1');
	await h1.filter({ hasText: text }).waitFor();
	return h1;
}

// The text of everything an input's aria-describedby points at.
async function describedBy(page, selector) {
	return page.locator(selector).evaluate((el) => (el.getAttribute('aria-describedby') || '')
		.split(/\s+/).filter(Boolean)
		.map((id) => document.getElementById(id)?.textContent || '').join(' | '));
}

async function noSideScroll(page, what) {
	const w = await page.evaluate(() => document.documentElement.scrollWidth);
	assert(w <= 390, `${what}: the page is ${w} px wide on a 390 px phone`);
}

async function screenshot(page, name) {
	mkdirSync(SHOTS, { recursive: true });
	await page.screenshot({ path: join(SHOTS, name), fullPage: true });
}

async function signUp(page, p) {
	await page.goto(`${URL_}/#/sign-up`);
	await heading(page, 'Create your account');
	await page.fill('#f-email', p.email);
	await page.fill('#f-password', p.password);
	await page.fill('#f-given_name', p.given);
	await page.fill('#f-family_name', p.family);
	await page.fill('#f-date_of_birth-day', '12');
	await page.fill('#f-date_of_birth-month', '4');
	await page.fill('#f-date_of_birth-year', '1985');
	await page.click('button[type=submit]');
}

async function signIn(page, email, password) {
	if (!/#\/sign-in/.test(page.url()))
		await page.goto(`${URL_}/#/sign-in`);
	await heading(page, 'Sign in');
	await page.fill('#f-email', email);
	await page.fill('#f-password', password);
	await page.click('button[type=submit]');
}

async function signOut(page) {
	await page.getByRole('button', { name: 'Sign out' }).first().click();
	await heading(page, 'Sign in');
	await page.getByText('You have signed out.').waitFor();
}

async function enterCode(page, code) {
	await page.fill('#f-code', code);
	await page.click('button[type=submit]');
}

// axe-core's serious and critical violations on the page, as printable lines.
// page.evaluate is not subject to the page's CSP, so axe can be injected.
async function axe(page, what) {
	if (!await page.evaluate(() => !!window.axe))
		await page.evaluate(AXE);
	const r = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
	return r.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
		.map((v) => `${what}: ${v.id} (${v.impact}) ${v.help}\n    ${v.nodes.map((n) => n.target.join(' ')).join('\n    ')}`);
}

async function noAxeViolations(page, what) {
	const found = await axe(page, what);
	assert(found.length === 0, `accessibility violations:\n  ${found.join('\n  ')}`);
}

// Enrols the signed-in person shown the set-up screen; returns the secret.
async function enrol(page, account, shot) {
	await heading(page, 'Set up an authenticator app');
	const qr = page.locator('img.qr');
	await qr.waitFor();
	assert(/QR code/.test(await qr.getAttribute('alt')), 'the QR image has no useful alt text');
	assert((await qr.getAttribute('src')).startsWith('data:image/svg+xml'), 'the QR image is not an SVG data URL');
	assert(await qr.evaluate((img) => img.complete && img.naturalWidth > 0), 'the QR image did not render');
	const shown = await page.locator('code.secret').textContent();
	assert(/^([A-Z2-7]{4} )+[A-Z2-7]{1,4}$/.test(shown.trim()), `secret not grouped in fours: ${shown}`);
	account.secret = shown.replace(/\s/g, '');
	if (shot) {
		await noSideScroll(page, 'enrolment');
		await noAxeViolations(page, 'enrolment');
		await screenshot(page, shot);
	}
	await enterCode(page, nextCode(account));
	return account.secret;
}

// Signs in the demo account of role and enrols it. If it already enrolled in
// an earlier run on this stack (its secret is gone), a new account is used.
async function signInDemoStaff(page, role) {
	const demo = DEMO.accounts.find((a) => a.role === role);
	let a = { email: demo.email, password: demo.password };
	await signIn(page, a.email, a.password);
	await page.locator('h1').filter({ hasText: /Set up an authenticator app|Enter your code/ }).waitFor();
	if (/Enter your code/.test(await page.locator('h1').textContent())) {
		console.log(`# the demo ${role} is already enrolled on this stack; using a new ${role}`);
		await page.getByRole('button', { name: 'Sign out' }).first().click();
		await heading(page, 'Sign in');
		a = createUser(role);
		await signIn(page, a.email, a.password);
	}
	await enrol(page, a);
	return a;
}

// ---- tests ----

const tests = [];
const test = (name, fn) => tests.push({ name, fn });
const shared = {};

test('a patient signs up, changes display settings, signs out and in again on a phone', () =>
	withPage(PHONE, async (page) => {
		const p = {
			email: `e2e-patient-${RUN}@example.org`, password: `meadow otter violin ${RUN}`,
			given: 'Amélie', family: "O'Neill",
		};
		shared.patient = p;
		await page.goto(URL_);
		await heading(page, 'Sign in');
		await page.click('text=Create an account');
		await signUp(page, p);
		await heading(page, `Welcome, ${p.given}`);
		await noSideScroll(page, 'patient home');

		await page.check('#f-theme-dark');
		await page.check('#f-text_size-larger');
		await page.getByRole('button', { name: 'Save display settings' }).click();
		await page.getByText('Display settings saved.').waitFor();
		await page.waitForFunction(() => /theme-dark/.test(document.documentElement.className) &&
			/text-larger/.test(document.documentElement.className), null, { timeout: 5000 })
			.catch(async () => assert(false, `preferences not applied: ${await page.evaluate(() => document.documentElement.className)}`));
		await page.reload();
		await heading(page, `Welcome, ${p.given}`);
		assert(/text-larger/.test(await page.evaluate(() => document.documentElement.className)),
			'preferences not restored after reload');
		await noSideScroll(page, 'patient home with larger text');
		await screenshot(page, 'patient-home-dark-larger.png');

		await signOut(page);
		await signIn(page, p.email, 'not the password at all');
		await page.locator('[role=alert]').filter({ hasText: 'Email or password is incorrect' }).waitFor();
		await page.fill('#f-password', p.password);
		await page.click('button[type=submit]');
		await heading(page, `Welcome, ${p.given}`);
		await page.getByText(`${p.given} ${p.family}`).first().waitFor();
		await noSideScroll(page, 'patient home after sign-in');
	}));

test('sign-up errors are shown next to their fields and nothing is created', () =>
	withPage(PHONE, async (page) => {
		const registered = [];
		page.on('response', (r) => {
			if (r.url().endsWith('/api/v1/auth/register') && r.status() === 201)
				registered.push(r.url());
		});
		const p = { email: 'not-an-email', password: 'short', given: 'Bo', family: 'Test' };
		await signUp(page, p);
		await page.locator('#f-email[aria-invalid=true]').waitFor();
		const emailMsg = await describedBy(page, '#f-email');
		const pwMsg = await describedBy(page, '#f-password');
		assert(/Email must be an email address/.test(emailMsg), `email message: ${emailMsg}`);
		assert(/Password must be at least 12 characters/.test(pwMsg), `password message: ${pwMsg}`);
		assert(await page.evaluate(() => document.activeElement.id) === 'f-email', 'focus is not on the first error');
		await noSideScroll(page, 'sign-up with errors');
		await screenshot(page, 'sign-up-errors.png');

		// The server's own rule: a common password, refused with 422 on that field.
		p.email = `e2e-errors-${RUN}@example.org`;
		await page.fill('#f-email', p.email);
		await page.fill('#f-password', 'password1234');
		const [res] = await Promise.all([
			page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/register')),
			page.click('button[type=submit]'),
		]);
		assert(res.status() === 422, `register answered ${res.status()}, not 422`);
		await page.locator('#f-password[aria-invalid=true]').waitFor();
		const common = await describedBy(page, '#f-password');
		assert(/Password is too common/.test(common), `common-password message: ${common}`);
		assert(!/aria-invalid/.test(await page.locator('#f-email').evaluate((e) => e.outerHTML)),
			'the fixed email is still marked invalid');
		assert(registered.length === 0, 'an account was created');

		// Nothing was created: the same email now registers (201, not 409).
		await page.fill('#f-password', `a much better passphrase ${RUN}`);
		await page.click('button[type=submit]');
		await heading(page, 'Welcome, Bo');
	}));

test('sign-in states the wait in plain words after too many failures', () =>
	withPage(PHONE, async (page) => {
		const email = `e2e-nobody-${RUN}@example.org`;
		let status = 0;
		for (let i = 0; i < 6 && status !== 429; i++) {
			const [res] = await Promise.all([
				page.waitForResponse((r) => r.url().endsWith('/api/v1/auth/login')),
				signIn(page, email, `wrong password number ${i}`),
			]);
			status = res.status();
		}
		assert(status === 429, `no 429 after 6 failed sign-ins (last ${status})`);
		const alert = page.locator('[role=alert]').filter({ hasText: 'Please wait' });
		await alert.waitFor();
		const text = await alert.textContent();
		assert(/Too many attempts\. Please wait \d+ seconds and try again\./.test(text), `wait message: ${text}`);
		assert(!await page.locator('button[type=submit]').isDisabled(), 'the form stayed disabled');
	}));

test('a patient opts in to an authenticator app and is asked for a code at the next sign-in', () =>
	withPage(PHONE, async (page) => {
		const p = { email: `e2e-optin-${RUN}@example.org`, password: `copper lantern river ${RUN}`,
			given: 'Noor', family: 'Haddad' };
		await signUp(page, p);
		await heading(page, 'Welcome, Noor');
		await page.getByRole('link', { name: 'Set up an authenticator app' }).click();
		await enrol(page, p);
		await heading(page, 'Welcome, Noor');
		await page.getByText('An authenticator app is set up').waitFor();
		await signOut(page);
		await signIn(page, p.email, p.password);
		await heading(page, 'Enter your code');
		await enterCode(page, nextCode(p));
		await heading(page, 'Welcome, Noor');
	}));

test('a clinician enrols an authenticator app, reaches the console, and passes the code prompt next time', () =>
	withPage(PHONE, async (page) => {
		const c = createUser('clinician', ['--gmc', '7654321']);
		shared.clinician = c;
		await signIn(page, c.email, c.password);
		await enrol(page, c);
		await heading(page, 'Clinician console');
		assert(await page.locator('.reg').textContent() === '7654321', 'GMC number not shown');
		await page.getByText(`${c.given} ${c.family}`).waitFor();
		await noSideScroll(page, 'clinician console');

		await signOut(page);
		await signIn(page, c.email, c.password);
		await heading(page, 'Enter your code');
		const code = page.locator('#f-code');
		assert(await code.getAttribute('inputmode') === 'numeric', 'code input is not numeric');
		assert(await code.getAttribute('autocomplete') === 'one-time-code', 'code input lacks one-time-code');
		const near = [-1, 0, 1, 2].map((d) => totp(c.secret, nowStep() + d));
		await enterCode(page, ['000000', '111111', '222222', '333333', '444444'].find((x) => !near.includes(x)));
		await page.locator('#f-code[aria-invalid=true]').waitFor();
		assert(/Code is not right/.test(await describedBy(page, '#f-code')), 'wrong code message missing');
		await enterCode(page, nextCode(c));
		await heading(page, 'Clinician console');
	}));

test('a password change signs out the other sessions', async () => {
	const p = shared.patient;
	assert(p, 'the sign-up test did not run');
	const other = await browser.newContext(PHONE);
	try {
		const page2 = await other.newPage();
		await signIn(page2, p.email, p.password);
		await heading(page2, `Welcome, ${p.given}`);
		await withPage(PHONE, async (page) => {
			await signIn(page, p.email, p.password);
			await heading(page, `Welcome, ${p.given}`);
			await page.click('nav >> text=Account');
			await heading(page, 'Your account');
			await page.fill('#f-current_password', p.password);
			await page.fill('#f-new_password', 'short');
			await page.getByRole('button', { name: 'Change password' }).click();
			assert(/New password must be at least 12/.test(await describedBy(page, '#f-new_password')),
				'new-password rule not shown');
			p.password = `changed river compass ${RUN}`;
			await page.fill('#f-new_password', p.password);
			await page.getByRole('button', { name: 'Change password' }).click();
			await page.getByText('Password changed; other sessions were signed out').waitFor();
		});
		// The other session's next request is refused: back at sign-in.
		await page2.getByRole('button', { name: 'Save display settings' }).click();
		await heading(page2, 'Sign in');
		await page2.getByText(/Please sign in again/).waitFor();
	} finally {
		await other.close();
	}
});

test('no serious or critical axe-core violations on sign-in, sign-up and the patient home', () =>
	withPage(PHONE, async (page) => {
		const check = (what) => axe(page, what);
		const found = [];
		await page.goto(`${URL_}/#/sign-in`);
		await heading(page, 'Sign in');
		found.push(...await check('sign-in'));
		await page.goto(`${URL_}/#/sign-up`);
		await heading(page, 'Create your account');
		found.push(...await check('sign-up'));
		await page.click('button[type=submit]');
		await page.locator('#f-email[aria-invalid=true]').waitFor();
		found.push(...await check('sign-up with errors'));
		await signUp(page, { email: `e2e-axe-${RUN}@example.org`, password: `quiet harbour maple ${RUN}`,
			given: 'Ira', family: 'Axe' });
		await heading(page, 'Welcome, Ira');
		found.push(...await check('patient home'));
		await page.check('#f-theme-dark');
		await page.getByRole('button', { name: 'Save display settings' }).click();
		await page.getByText('Display settings saved.').waitFor();
		found.push(...await check('patient home, dark'));
		assert(found.length === 0, `accessibility violations:\n  ${found.join('\n  ')}`);
	}));

test('screenshots at 390 px: patient home, enrolment screen, pharmacist console', () =>
	withPage(PHONE, async (page) => {
		await signUp(page, { email: `e2e-shot-${RUN}@example.org`, password: `silver kettle morning ${RUN}`,
			given: 'Priya', family: 'Shah' });
		await heading(page, 'Welcome, Priya');
		await noSideScroll(page, 'patient home');
		await screenshot(page, 'patient-home.png');
		await signOut(page);

		const ph = createUser('pharmacist', ['--gphc', '2087654']);
		await signIn(page, ph.email, ph.password);
		await enrol(page, ph, 'enrolment.png');
		await heading(page, 'Pharmacy console');
		await noSideScroll(page, 'pharmacist console');
		await screenshot(page, 'pharmacist-console.png');
	}));

// Last, so that the trail holds more than one page of events.
test('the auditor enrols, sees the clinician sign-in in the audit trail, pages and verifies the chain', () =>
	withPage(PHONE, async (page) => {
		await signInDemoStaff(page, 'auditor');
		await heading(page, 'Audit trail');

		const events = page.locator('ol.events > li');
		await events.first().waitFor();
		const first = await events.count();
		const older = page.getByRole('button', { name: 'Show older events' });
		assert(first === 20 && await older.isVisible(), `expected a first page of 20 with more: ${first}`);
		await older.click();
		await page.waitForFunction((n) => document.querySelectorAll('ol.events > li').length > n, first);
		const seqs = (await page.locator('ol.events > li').allTextContents())
			.map((t) => Number(/#(\d+) · from/.exec(t)[1]));
		assert(seqs.every((s, i) => i === 0 || s < seqs[i - 1]), 'events are not newest first without repeats');

		const c = shared.clinician;
		assert(c, 'the clinician test did not run');
		await page.fill('#f-action', 'auth.login');
		await page.fill('#f-actor', String(c.id));
		await page.getByRole('button', { name: 'Show events' }).click();
		await page.getByText(/that match, newest first/).waitFor();
		const rows = await page.locator('ol.events > li').allTextContents();
		assert(rows.length >= 2, `expected the clinician's two sign-ins, got ${rows.length}`);
		assert(rows.every((t) => t.includes('auth.login') && t.includes(c.email) && t.includes('reg. 7654321')),
			'a filtered event is not the clinician\'s sign-in');

		await page.getByRole('button', { name: 'Verify the chain' }).click();
		const result = page.locator('.verify-result');
		await result.waitFor();
		const text = await result.textContent();
		assert(/The chain is intact/.test(text) && /\d+ events checked/.test(text), `verify: ${text}`);
		await noSideScroll(page, 'audit trail');
		await noAxeViolations(page, 'audit trail');
		await screenshot(page, 'audit-trail.png');
	}));

test('the admin home shows the audit trail', () =>
	withPage(PHONE, async (page) => {
		await signInDemoStaff(page, 'admin');
		await heading(page, 'Administration');
		await page.locator('ol.events > li').first().waitFor();
		await page.getByRole('button', { name: 'Verify the chain' }).waitFor();
		await noSideScroll(page, 'admin home');
	}));

// Shared by the areas' files: SQL as root on the test database, a setting of
// the test stack's clinic.conf, a staff account's next TOTP code (waiting for
// a new 30 s step when the server has seen this one: each step is accepted
// once), the JSON API with a cookie session {cookie, csrf}, signing staff in
// through the API or the portal.
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function sql(query) {
	const socket = process.env.CLINIC_TEST_DB_SOCKET;
	assert(socket, 'CLINIC_TEST_DB_SOCKET is not set (scripts/test sets it)');
	return execFileSync('mariadb', ['-S', socket, '-u', 'root', '-N', '-B', 'clinic', '-e', query],
		{ encoding: 'utf8' }).trim();
}

function confValue(name) {
	const line = readFileSync(CONF, 'utf8').split('\n').find((l) => l.startsWith(`${name} = `));
	assert(line, `${CONF} has no ${name}`);
	return line.slice(name.length + 3).trim();
}

async function stepCode(account) {
	while ((account.lastStep ?? -1) + 1 > Math.floor(Date.now() / 30000) + 1)
		await sleep(500);
	return nextCode(account);
}

async function apiCall(s, method, path, body) {
	const headers = { Cookie: s.cookie, Accept: 'application/json, application/problem+json' };
	if (body !== undefined)
		headers['Content-Type'] = 'application/json';
	if (method !== 'GET')
		headers['X-CSRF-Token'] = s.csrf;
	const r = await fetch(`${URL_}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
	const text = await r.text();
	let json = null;
	try {
		json = text ? JSON.parse(text) : null;
	} catch {
		json = null;
	}
	const cookie = r.headers.get('set-cookie');
	if (cookie && !/=;/.test(cookie.split(';')[0] + ';'))
		s.cookie = cookie.split(';')[0];
	if (json && json.csrf_token)
		s.csrf = json.csrf_token;
	return { status: r.status, json, text };
}

async function apiSignIn(account) {
	const s = { cookie: '', csrf: '' };
	let r = await apiCall(s, 'POST', '/api/v1/auth/login', { email: account.email, password: account.password });
	assert(r.status === 200, `login ${account.email}: ${r.status} ${r.text}`);
	if (r.json.mfa_required) {
		r = await apiCall(s, 'POST', '/api/v1/auth/mfa', { code: await stepCode(account) });
		assert(r.status === 200, `mfa ${account.email}: ${r.status} ${r.text}`);
	}
	return s;
}

async function signInStaff(page, account, home) {
	await signIn(page, account.email, account.password);
	await heading(page, 'Enter your code');
	await enterCode(page, await stepCode(account));
	await heading(page, home);
}

// Each tests/e2e/<area>.test.mjs exports a default function that registers
// its tests with the helpers above (one file per area, so areas grow apart).
const HERE = dirname(fileURLToPath(import.meta.url));
const helpers = {
	test, shared, withPage, heading, describedBy, noSideScroll, screenshot, signUp, signIn,
	signOut, enterCode, noAxeViolations, enrol, signInDemoStaff, createUser, nextCode, totp,
	assert, DEMO, PHONE, URL_, TOP, CLINIC, CONF, RUN,
	sql, confValue, stepCode, apiCall, apiSignIn, signInStaff,
};
for (const f of readdirSync(HERE).filter((n) => n.endsWith('.test.mjs')).sort())
	(await import(join(HERE, f))).default(helpers);

browser = await chromium.launch({
	executablePath: '/usr/bin/chromium',
	headless: true,
	args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
		'--disable-sync', '--no-first-run', '--disable-quic'],
});
let passed = 0;
let failed = 0;
// CLINIC_E2E_ONLY=<regex> runs only the tests whose names match (for work on one area).
const only = process.env.CLINIC_E2E_ONLY ? new RegExp(process.env.CLINIC_E2E_ONLY) : null;
for (const t of tests.filter((x) => !only || only.test(x.name))) {
	try {
		await t.fn();
		passed++;
		console.log(`ok - ${t.name}`);
	} catch (e) {
		failed++;
		console.log(`not ok - ${t.name}`);
		console.log(String(e && e.stack || e).split('\n').map((l) => `#   ${l}`).join('\n'));
	}
}
await browser.close();
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
