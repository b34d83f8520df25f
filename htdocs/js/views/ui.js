// Building blocks shared by every screen: html tag, page frame, form state,
// fields with their errors, the alert region.
import { h } from '/vendor/preact.js';
import { useEffect, useRef, useState } from '/vendor/hooks.js';
import htm from '/vendor/htm.js';
import { waitMessage } from '../api.js';

export const html = htm.bind(h);

let firstPage = true;

// A screen: sets the document title and, after the first screen, moves
// focus to the heading so screen-reader users hear where they are.
export function Page({ title, children, wide }) {
	const heading = useRef(null);
	useEffect(() => {
		document.title = `${title} – Clinic`;
		if (firstPage)
			firstPage = false;
		else if (heading.current)
			heading.current.focus();
	}, [title]);
	return html`<main id="main" class=${wide ? 'page page-wide' : 'page'}>
		<h1 ref=${heading} tabindex="-1">${title}</h1>
		${children}
	</main>`;
}

// "Password" + "must be at least 12 characters" → "Password must be at least 12 characters".
function sentence(label, detail) {
	if (!detail)
		return `${label} is not valid`;
	// "Current password" + "is not your current password": avoid saying it twice.
	if (detail.toLowerCase().includes(`your ${label.toLowerCase()}`))
		return `This ${detail}`;
	return /^[a-z]/.test(detail) ? `${label} ${detail}` : detail;
}

// Form state: values, per-field errors, the alert above the form, busy flag.
// labels maps API field names to the words shown next to them.
export function useForm(initial, labels) {
	const [values, setValues] = useState(initial);
	const [errors, setErrors] = useState({});
	const [alert, setAlert] = useState(null);
	const [busy, setBusy] = useState(false);
	const form = useRef(null);

	const set = (name) => (value) => setValues((v) => ({ ...v, [name]: value }));

	function focusFirstError(errs) {
		const first = Object.keys(labels).find((k) => errs[k]);
		const el = first && form.current && form.current.querySelector(`[data-field="${first}"]`);
		if (el)
			el.focus();
	}

	// Shows a problem: field errors next to their fields, the rest in the alert.
	function showProblem(problem) {
		const errs = {};
		const other = [];
		for (const e of problem.errors || []) {
			if (labels[e.field] && !errs[e.field])
				errs[e.field] = sentence(labels[e.field], e.detail);
			else if (!labels[e.field])
				other.push(e.field ? sentence(e.field, e.detail) : e.detail);
		}
		setErrors(errs);
		let text;
		if (problem.status === 429 || problem.retryAfter)
			text = waitMessage(problem);
		else if (Object.keys(errs).length > 0)
			text = other.length ? other.join('. ') : 'Please correct the highlighted fields.';
		else
			text = problem.detail && problem.title !== problem.detail ?
				`${problem.title}. ${problem.detail}` : problem.title || problem.detail;
		setAlert({ title: Object.keys(errs).length ? 'Some fields need attention' : null, text });
		focusFirstError(errs);
	}

	// Client-side checks: errs maps field → message; true if there were none.
	function check(errs) {
		const found = Object.fromEntries(Object.entries(errs).filter(([, m]) => m));
		setErrors(found);
		if (Object.keys(found).length === 0)
			return true;
		setAlert({ title: 'Some fields need attention', text: 'Please correct the highlighted fields.' });
		focusFirstError(found);
		return false;
	}

	// Runs request() (resolving to an api() result), then onOk(data), with the
	// submit button disabled until both are done.
	async function submit(request, onOk) {
		if (busy)
			return;
		setBusy(true);
		setAlert(null);
		const res = await request();
		if (res.ok) {
			setErrors({});
			await onOk(res.data);
		} else if (res.status !== 401 || !/#problem-unauthenticated$/.test(res.problem.type || '')) {
			showProblem(res.problem);
		}
		setBusy(false);
	}

	return { values, set, errors, alert, setAlert, busy, form, check, submit, setValues };
}

// The role=alert region at the top of a form; always present so it is announced.
export function FormAlert({ alert }) {
	return html`<div class=${alert ? 'alert' : 'alert alert-empty'} role="alert">
		${alert && html`${alert.title && html`<p class="alert-title">${alert.title}</p>`}<p>${alert.text}</p>`}
	</div>`;
}

// A polite live region for "done" messages; always present so it is announced.
export function Status({ text }) {
	return html`<div class=${text ? 'alert alert-ok' : 'alert alert-empty'} role="status">
		${text && html`<p>${text}</p>`}
	</div>`;
}

// A labelled input; the hint and the error are linked with aria-describedby.
export function Field({ name, label, hint, error, value, onValue, type = 'text', ...rest }) {
	const id = `f-${name}`;
	const described = [hint && `${id}-hint`, error && `${id}-error`].filter(Boolean).join(' ');
	return html`<div class=${error ? 'field field-invalid' : 'field'}>
		<label for=${id}>${label}</label>
		${hint && html`<p class="hint" id=${`${id}-hint`}>${hint}</p>`}
		${error && html`<p class="field-error" id=${`${id}-error`}><span class="visually-hidden">Error: </span>${error}</p>`}
		<input id=${id} name=${name} data-field=${name} type=${type} value=${value}
			onInput=${(e) => onValue(e.currentTarget.value)}
			aria-invalid=${error ? 'true' : undefined}
			aria-describedby=${described || undefined} ...${rest} />
	</div>`;
}

// Day / month / year boxes for a date of birth; value is {day, month, year}.
export function DateField({ name, legend, hint, error, value, onValue }) {
	const id = `f-${name}`;
	const described = [`${id}-hint`, error && `${id}-error`].filter(Boolean).join(' ');
	const part = (key, label, cls, max, auto) => html`<div class="date-part">
		<label for=${`${id}-${key}`}>${label}</label>
		<input id=${`${id}-${key}`} class=${cls} inputmode="numeric" maxlength=${max}
			autocomplete=${auto} value=${value[key]} data-field=${key === 'day' ? name : undefined}
			aria-invalid=${error ? 'true' : undefined} aria-describedby=${described}
			onInput=${(e) => onValue({ ...value, [key]: e.currentTarget.value.trim() })} />
	</div>`;
	return html`<fieldset class=${error ? 'field field-invalid' : 'field'} aria-describedby=${described}>
		<legend>${legend}</legend>
		<p class="hint" id=${`${id}-hint`}>${hint}</p>
		${error && html`<p class="field-error" id=${`${id}-error`}><span class="visually-hidden">Error: </span>${error}</p>`}
		<div class="date-parts">
			${part('day', 'Day', 'input-2', 2, 'bday-day')}
			${part('month', 'Month', 'input-2', 2, 'bday-month')}
			${part('year', 'Year', 'input-4', 4, 'bday-year')}
		</div>
	</fieldset>`;
}

// {day, month, year} → "YYYY-MM-DD", or null unless it is a real date.
export function isoDate({ day, month, year }) {
	if (!/^\d{1,2}$/.test(day) || !/^\d{1,2}$/.test(month) || !/^\d{4}$/.test(year))
		return null;
	const d = new Date(Date.UTC(+year, +month - 1, +day));
	if (d.getUTCFullYear() !== +year || d.getUTCMonth() !== +month - 1 || d.getUTCDate() !== +day)
		return null;
	return d.toISOString().slice(0, 10);
}

export function Submit({ busy, label, busyLabel }) {
	return html`<button type="submit" class="button" disabled=${busy}>
		${busy && html`<span class="spinner" aria-hidden="true"></span>`}${busy ? busyLabel : label}
	</button>`;
}

export const PASSWORD_RULE = 'At least 12 characters, and not a common password. A few unrelated words work well.';

// Client-side echo of the server's email rule, so both errors show at once.
export function emailProblem(email) {
	if (!email.trim())
		return 'Enter your email address';
	return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email.trim()) ? null :
		'Email must be an email address like name@example.org';
}

export function passwordProblem(pw, label = 'Password') {
	if (!pw)
		return `Enter a ${label.toLowerCase()}`;
	return [...pw].length < 12 ? `${label} must be at least 12 characters long` : null;
}
