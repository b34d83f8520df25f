// The second factor: entering a code, and setting up an authenticator app.
import { useEffect, useState } from '/vendor/hooks.js';
import { api } from '../api.js';
import { html, Page, useForm, FormAlert, Field, Submit } from './ui.js';

const LABELS = { code: 'Code' };
const CODE_HINT = 'The 6-digit code shown in your authenticator app. It changes every 30 seconds.';

function codeProblem(code) {
	return /^\d{6}$/.test(code.replace(/\s/g, '')) ? null : 'Code must be the 6 digits from your authenticator app';
}

function CodeForm({ path, label, busyLabel, onSession }) {
	const f = useForm({ code: '' }, LABELS);

	function onSubmit(e) {
		e.preventDefault();
		if (f.check({ code: codeProblem(f.values.code) }))
			f.submit(() => api('POST', path, { code: f.values.code.replace(/\s/g, '') }), onSession);
	}

	return html`<form ref=${f.form} onSubmit=${onSubmit} novalidate>
		<${FormAlert} alert=${f.alert} />
		<${Field} name="code" label="Code" hint=${CODE_HINT} inputmode="numeric" autocomplete="one-time-code"
			pattern="[0-9]*" maxlength="7" class="input-code" spellcheck=${false}
			value=${f.values.code} onValue=${f.set('code')} error=${f.errors.code} />
		<${Submit} busy=${f.busy} label=${label} busyLabel=${busyLabel} />
	</form>`;
}

export function MfaVerify({ onSession }) {
	return html`<${Page} title="Enter your code">
		<p>For your security, enter the code from your authenticator app to finish signing in.</p>
		<${CodeForm} path="/api/v1/auth/mfa" label="Continue" busyLabel="Checking…" onSession=${onSession} />
	<//>`;
}

// "JBSWY3DP..." → "JBSW Y3DP ..."
const grouped = (secret) => secret.replace(/(.{4})/g, '$1 ').trim();

export function MfaEnrol({ session, onSession }) {
	const [setup, setSetup] = useState(null);
	const [problem, setProblem] = useState(null);
	const required = session.mfa_required;

	async function start() {
		setProblem(null);
		const res = await api('POST', '/api/v1/auth/mfa/enrol');
		if (res.ok)
			setSetup(res.data);
		else if (res.status !== 401)
			setProblem(res.problem);
	}
	useEffect(() => { start(); }, []);

	return html`<${Page} title="Set up an authenticator app">
		${required ?
			html`<p>Your account needs a second step at sign-in. You will use an authenticator app on your phone, such as Google Authenticator, Microsoft Authenticator or 1Password.</p>` :
			html`<p>Add a second step at sign-in: after your password, you will enter a code from an authenticator app on your phone.</p>`}
		${problem && html`<div class="alert" role="alert"><p>${problem.title}${problem.detail ? `. ${problem.detail}` : ''}</p>
			<button type="button" class="button button-secondary" onClick=${start}>Try again</button></div>`}
		${!setup && !problem && html`<p class="loading" role="status"><span class="spinner" aria-hidden="true"></span>Preparing your set-up…</p>`}
		${setup && html`<ol class="steps">
			<li>
				<h2>Scan this code</h2>
				<p>Open your authenticator app, choose to add an account, and scan:</p>
				<img class="qr" src=${'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(setup.qr_svg)}
					alt="QR code to scan with your authenticator app" width="240" height="240" />
				<p>If you cannot scan it, enter this key instead (spaces do not matter):</p>
				<p><code class="secret" data-secret=${setup.secret}>${grouped(setup.secret)}</code></p>
			</li>
			<li>
				<h2>Enter the code it shows</h2>
				<${CodeForm} path="/api/v1/auth/mfa/enrol/confirm" label="Finish set-up" busyLabel="Checking…"
					onSession=${onSession} />
			</li>
		</ol>`}
		${!required && html`<p class="aside"><a href="#/home">Not now, back to home</a></p>`}
	<//>`;
}
