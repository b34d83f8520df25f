import { api } from '../api.js';
import {
	html, Page, useForm, FormAlert, Field, DateField, Submit, isoDate,
	emailProblem, passwordProblem, PASSWORD_RULE,
} from './ui.js';

const LABELS = {
	email: 'Email', password: 'Password', given_name: 'First name',
	family_name: 'Last name', date_of_birth: 'Date of birth',
};

function dobProblem(dob) {
	if (!dob.day && !dob.month && !dob.year)
		return 'Enter your date of birth';
	const iso = isoDate(dob);
	if (!iso)
		return 'Date of birth must be a real date, for example 12 4 1985';
	if (iso > new Date().toISOString().slice(0, 10))
		return 'Date of birth must not be in the future';
	return null;
}

export function SignUp({ onSession }) {
	const f = useForm({
		email: '', password: '', given_name: '', family_name: '',
		date_of_birth: { day: '', month: '', year: '' },
	}, LABELS);
	const v = f.values;

	function onSubmit(e) {
		e.preventDefault();
		const ok = f.check({
			email: emailProblem(v.email),
			password: passwordProblem(v.password),
			given_name: v.given_name.trim() ? null : 'Enter your first name',
			family_name: v.family_name.trim() ? null : 'Enter your last name',
			date_of_birth: dobProblem(v.date_of_birth),
		});
		if (ok)
			f.submit(() => api('POST', '/api/v1/auth/register', {
				email: v.email.trim(), password: v.password,
				given_name: v.given_name.trim(), family_name: v.family_name.trim(),
				date_of_birth: isoDate(v.date_of_birth),
			}), onSession);
	}

	return html`<${Page} title="Create your account">
		<p>Create an account to start your journey with the clinic. It takes about two minutes.</p>
		<form ref=${f.form} onSubmit=${onSubmit} novalidate>
			<${FormAlert} alert=${f.alert} />
			<${Field} name="email" label="Email" type="email" autocomplete="email" inputmode="email"
				spellcheck=${false} autocapitalize="none" value=${v.email} onValue=${f.set('email')}
				error=${f.errors.email} />
			<${Field} name="password" label="Password" type="password" autocomplete="new-password"
				hint=${PASSWORD_RULE} value=${v.password} onValue=${f.set('password')}
				error=${f.errors.password} />
			<${Field} name="given_name" label="First name" autocomplete="given-name"
				value=${v.given_name} onValue=${f.set('given_name')} error=${f.errors.given_name} />
			<${Field} name="family_name" label="Last name" autocomplete="family-name"
				value=${v.family_name} onValue=${f.set('family_name')} error=${f.errors.family_name} />
			<${DateField} name="date_of_birth" legend="Date of birth" hint="For example, 12 4 1985"
				value=${v.date_of_birth} onValue=${f.set('date_of_birth')} error=${f.errors.date_of_birth} />
			<${Submit} busy=${f.busy} label="Create account" busyLabel="Creating your account…" />
		</form>
		<p class="aside">Already have an account? <a href="#/sign-in">Sign in</a></p>
	<//>`;
}
