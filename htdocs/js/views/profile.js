// The patient's own details: contact, address, NHS number and GP, emergency
// contact, consents. Every detail is optional; only changed ones are sent.
import { useEffect, useState } from '/vendor/hooks.js';
import { api } from '../api.js';
import { html, Page, useForm, FormAlert, Status, Field, Submit } from './ui.js';

const TEXT = {
	phone: 'Mobile or phone number',
	address_line1: 'Address line 1',
	address_line2: 'Address line 2 (optional)',
	town: 'Town or city',
	postcode: 'Postcode',
	nhs_number: 'NHS number',
	gp_practice: 'GP practice name',
	gp_address: 'GP practice address',
	emergency_name: 'Name',
	emergency_phone: 'Phone number',
	emergency_relationship: 'Relationship to you',
};
const CHECKS = {
	consent_registry: 'Share my anonymised treatment outcomes with the UK medical cannabis registry',
	contact_email: 'Email',
	contact_sms: 'Text message',
	contact_post: 'Post',
};
const LABELS = { ...TEXT, ...CHECKS };

function Check({ name, label, checked, onValue }) {
	return html`<div class="choice">
		<input type="checkbox" id=${`f-${name}`} name=${name} data-field=${name} checked=${checked}
			onChange=${(e) => onValue(e.currentTarget.checked)} />
		<label for=${`f-${name}`}>${label}</label>
	</div>`;
}

// What the form shows for a loaded profile: text as strings, flags as booleans.
function formValues(p) {
	const v = {};
	for (const k of Object.keys(TEXT))
		v[k] = p[k] || '';
	for (const k of Object.keys(CHECKS))
		v[k] = !!p[k];
	return v;
}

// Client-side echo of the server's modulus-11 rule, so the patient sees it at once.
export function nhsProblem(s) {
	const d = s.replace(/\s/g, '');
	if (!d)
		return null;
	if (!/^\d{10}$/.test(d))
		return 'NHS number must be 10 digits';
	let sum = 0;
	for (let i = 0; i < 9; i++)
		sum += +d[i] * (10 - i);
	let check = 11 - (sum % 11);
	if (check === 11)
		check = 0;
	return check === 10 || check !== +d[9] ? 'NHS number is not valid: please check the digits' : null;
}

export function Profile() {
	const [loaded, setLoaded] = useState(null);
	const [failed, setFailed] = useState(null);
	const [done, setDone] = useState(null);
	const f = useForm(formValues({}), LABELS);

	useEffect(() => {
		api('GET', '/api/v1/patients/me').then((res) => {
			if (res.ok) {
				setLoaded(res.data);
				f.setValues(formValues(res.data));
			} else
				setFailed(res.problem.title);
		});
	}, []);

	function onSubmit(e) {
		e.preventDefault();
		setDone(null);
		const was = formValues(loaded);
		const changed = Object.fromEntries(Object.entries(f.values).filter(([k, v]) => v !== was[k]));
		if (Object.keys(changed).length === 0) {
			setDone('Nothing has changed since you last saved.');
			return;
		}
		if (!f.check({ nhs_number: nhsProblem(f.values.nhs_number) }))
			return;
		f.submit(() => api('PATCH', '/api/v1/patients/me', changed), (saved) => {
			setLoaded(saved);
			f.setValues(formValues(saved));
			setDone('Your details are saved.');
		});
	}

	const text = (name, extra = {}) => html`<${Field} name=${name} label=${TEXT[name]}
		value=${f.values[name]} onValue=${f.set(name)} error=${f.errors[name]} ...${extra} />`;
	const check = (name) => html`<${Check} name=${name} label=${CHECKS[name]}
		checked=${f.values[name]} onValue=${f.set(name)} />`;

	if (failed)
		return html`<${Page} title="Your details"><p class="alert" role="alert">${failed}. Please reload the page.</p><//>`;
	if (!loaded)
		return html`<${Page} title="Your details"><p class="loading" role="status">Loading…</p><//>`;
	return html`<${Page} title="Your details">
		<p>Fill in what you can now; you can come back at any time. We ask for these before your consultation.</p>
		<form ref=${f.form} onSubmit=${onSubmit} novalidate class="profile-form">
			<${FormAlert} alert=${f.alert} />
			<section class="card" aria-labelledby="contact-h">
				<h2 id="contact-h">Contact</h2>
				<dl class="facts">
					<dt>Name</dt><dd>${loaded.given_name} ${loaded.family_name}</dd>
					<dt>Email</dt><dd>${loaded.email}</dd>
					<dt>Date of birth</dt><dd>${loaded.date_of_birth || 'Not given'}</dd>
				</dl>
				${text('phone', { type: 'tel', autocomplete: 'tel' })}
			</section>
			<section class="card" aria-labelledby="address-h">
				<h2 id="address-h">Home address</h2>
				${text('address_line1', { autocomplete: 'address-line1' })}
				${text('address_line2', { autocomplete: 'address-line2' })}
				${text('town', { autocomplete: 'address-level2' })}
				${text('postcode', { autocomplete: 'postal-code', class: 'input-postcode', hint: 'For example SW1A 1AA' })}
			</section>
			<section class="card" aria-labelledby="gp-h">
				<h2 id="gp-h">NHS number and GP</h2>
				${text('nhs_number', { inputmode: 'numeric', hint: '10 digits, on letters from your GP or in the NHS App. Optional.' })}
				${text('gp_practice')}
				${text('gp_address')}
			</section>
			<section class="card" aria-labelledby="emergency-h">
				<h2 id="emergency-h">Emergency contact</h2>
				${text('emergency_name', { autocomplete: 'off' })}
				${text('emergency_phone', { type: 'tel', autocomplete: 'off' })}
				${text('emergency_relationship')}
			</section>
			<section class="card" aria-labelledby="consent-h">
				<h2 id="consent-h">Consents</h2>
				<fieldset class="field choices">
					<legend>How may we contact you?</legend>
					${check('contact_email')}
					${check('contact_sms')}
					${check('contact_post')}
				</fieldset>
				<fieldset class="field choices">
					<legend>Registry</legend>
					${check('consent_registry')}
				</fieldset>
			</section>
			<${Status} text=${done} />
			<${Submit} busy=${f.busy} label="Save my details" busyLabel="Saving…" />
		</form>
	<//>`;
}
