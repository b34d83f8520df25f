import { api } from '../api.js';
import { html, Page, useForm, FormAlert, Field, Submit, emailProblem } from './ui.js';

const LABELS = { email: 'Email', password: 'Password' };

export function SignIn({ notice, onSession }) {
	const f = useForm({ email: '', password: '' }, LABELS);

	function onSubmit(e) {
		e.preventDefault();
		const ok = f.check({
			email: emailProblem(f.values.email),
			password: f.values.password ? null : 'Enter your password',
		});
		if (ok)
			f.submit(() => api('POST', '/api/v1/auth/login',
				{ email: f.values.email.trim(), password: f.values.password }), onSession);
	}

	return html`<${Page} title="Sign in">
		${notice && html`<p class="notice" role="status">${notice}</p>`}
		<form ref=${f.form} onSubmit=${onSubmit} novalidate>
			<${FormAlert} alert=${f.alert} />
			<${Field} name="email" label="Email" type="email" autocomplete="username" inputmode="email"
				spellcheck=${false} autocapitalize="none" value=${f.values.email} onValue=${f.set('email')}
				error=${f.errors.email} />
			<${Field} name="password" label="Password" type="password" autocomplete="current-password"
				value=${f.values.password} onValue=${f.set('password')} error=${f.errors.password} />
			<${Submit} busy=${f.busy} label="Sign in" busyLabel="Signing in…" />
		</form>
		<p class="aside">New patient? <a href="#/sign-up">Create an account</a></p>
	<//>`;
}
