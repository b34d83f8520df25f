// Account settings every signed-in person has: display preferences and password.
import { useState } from '/vendor/hooks.js';
import { api } from '../api.js';
import { html, Status, Page, useForm, FormAlert, Field, Submit, passwordProblem, PASSWORD_RULE } from './ui.js';

const THEMES = [['system', 'Same as my device'], ['light', 'Light'], ['dark', 'Dark']];
const SIZES = [['normal', 'Normal'], ['large', 'Large'], ['larger', 'Larger']];

function Choice({ name, legend, options, value, onValue }) {
	return html`<fieldset class="field choices">
		<legend>${legend}</legend>
		${options.map(([v, label]) => html`<div class="choice">
			<input type="radio" id=${`f-${name}-${v}`} name=${name} value=${v} checked=${value === v}
				data-field=${v === options[0][0] ? name : undefined}
				onChange=${() => onValue(v)} />
			<label for=${`f-${name}-${v}`}>${label}</label>
		</div>`)}
	</fieldset>`;
}

// Saves theme and text size; onSaved receives the stored preferences.
export function Preferences({ preferences, onSaved }) {
	const p = preferences || {};
	const f = useForm({ theme: p.theme || 'system', text_size: p.text_size || 'normal' },
		{ theme: 'Colours', text_size: 'Text size' });
	const [done, setDone] = useState(null);

	function onSubmit(e) {
		e.preventDefault();
		setDone(null);
		f.submit(() => api('PUT', '/api/v1/auth/me/preferences', f.values), (saved) => {
			onSaved(saved);
			setDone('Display settings saved.');
		});
	}

	return html`<section class="card" aria-labelledby="prefs-h">
		<h2 id="prefs-h">Display</h2>
		<form ref=${f.form} onSubmit=${onSubmit} novalidate>
			<${FormAlert} alert=${f.alert} />
			<${Status} text=${done} />
			<${Choice} name="theme" legend="Colours" options=${THEMES} value=${f.values.theme} onValue=${f.set('theme')} />
			<${Choice} name="text_size" legend="Text size" options=${SIZES} value=${f.values.text_size} onValue=${f.set('text_size')} />
			<${Submit} busy=${f.busy} label="Save display settings" busyLabel="Saving…" />
		</form>
	</section>`;
}

export function ChangePassword() {
	const blank = { current_password: '', new_password: '' };
	const f = useForm(blank, { current_password: 'Current password', new_password: 'New password' });
	const [done, setDone] = useState(null);

	function onSubmit(e) {
		e.preventDefault();
		setDone(null);
		const ok = f.check({
			current_password: f.values.current_password ? null : 'Enter your current password',
			new_password: passwordProblem(f.values.new_password, 'New password'),
		});
		if (ok)
			f.submit(() => api('POST', '/api/v1/auth/password', f.values), () => {
				f.setValues(blank);
				setDone('Password changed; other sessions were signed out.');
			});
	}

	return html`<section class="card" aria-labelledby="pw-h">
		<h2 id="pw-h">Change your password</h2>
		<form ref=${f.form} onSubmit=${onSubmit} novalidate>
			<${FormAlert} alert=${f.alert} />
			<${Status} text=${done} />
			<${Field} name="current_password" label="Current password" type="password" autocomplete="current-password"
				value=${f.values.current_password} onValue=${f.set('current_password')} error=${f.errors.current_password} />
			<${Field} name="new_password" label="New password" type="password" autocomplete="new-password"
				hint=${PASSWORD_RULE} value=${f.values.new_password} onValue=${f.set('new_password')}
				error=${f.errors.new_password} />
			<${Submit} busy=${f.busy} label="Change password" busyLabel="Changing password…" />
		</form>
	</section>`;
}

export function Account({ session, onPreferences }) {
	return html`<${Page} title="Your account">
		<section class="card" aria-labelledby="who-h">
			<h2 id="who-h">Your details</h2>
			<dl class="facts">
				<dt>Name</dt><dd>${session.user.given_name} ${session.user.family_name}</dd>
				<dt>Email</dt><dd>${session.user.email}</dd>
			</dl>
		</section>
		<${Preferences} preferences=${session.preferences} onSaved=${onPreferences} />
		<${ChangePassword} />
	<//>`;
}
