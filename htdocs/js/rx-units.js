// Shared by the prescribing screens (views/prescribe.js, views/plans.js):
// amounts as people type them (g, ml, a count) to and from the exact
// integers the API keeps (mg, ul, each; docs/API.md, prescriptions), and
// problems mapped onto the fields they name.
//
// Contract: toSupply() never uses floating point: "1.25" g is 1250 mg or
// null when the text is not a number with at most three decimals; it
// returns null for anything else (empty, negative, letters, too long).
// fromSupply() is its inverse for display ("1250" mg → "1.25").
import { html } from './views/ui.js';

// A form's supply unit (the schema's rule: flower mg, oil and spray ul, the rest each).
export function formUnit(form) {
	if (form === 'flower')
		return 'mg';
	return form === 'oil' || form === 'spray' ? 'ul' : 'each';
}

const FORM_LABEL = {
	flower: 'Flower', oil: 'Oil', capsule: 'Capsule', vape_cartridge: 'Vape cartridge', pastille: 'Pastille', spray: 'Spray',
};
export const FORMS = Object.keys(FORM_LABEL);
export const formLabel = (form) => FORM_LABEL[form] || form;

const COUNT_WORD = { capsule: ['capsule', 'capsules'], vape_cartridge: ['cartridge', 'cartridges'], pastille: ['pastille', 'pastilles'] };

// The word shown after an amount field: "g", "ml" or "capsules".
export function unitWord(unit, form) {
	if (unit === 'mg')
		return 'g';
	if (unit === 'ul')
		return 'ml';
	return (COUNT_WORD[form] || ['unit', 'units'])[1];
}

export function toSupply(text, unit) {
	const s = String(text ?? '').trim().replace(',', '.');
	if (unit === 'each')
		return /^\d{1,9}$/.test(s) ? Number(s) : null;
	const m = /^(\d{0,9})(?:\.(\d{0,3}))?$/.exec(s);
	if (!m || (!m[1] && !m[2]))
		return null;
	return Number(m[1] || '0') * 1000 + Number((m[2] || '').padEnd(3, '0'));
}

export function fromSupply(n, unit) {
	if (n === null || n === undefined || n === '')
		return '';
	if (unit === 'each')
		return String(n);
	const whole = Math.floor(n / 1000);
	const frac = String(n % 1000).padStart(3, '0').replace(/0+$/, '');
	return frac ? `${whole}.${frac}` : String(whole);
}

// 1500, 'mg' → "1.5 g"; 30, 'each', 'capsule' → "30 capsules".
export function amountText(n, unit, form) {
	if (unit === 'each') {
		const w = COUNT_WORD[form] || ['unit', 'units'];
		return `${n} ${n === 1 ? w[0] : w[1]}`;
	}
	return `${fromSupply(n, unit)} ${unitWord(unit)}`;
}

// A product's name as prescribers say it: "Harbour Flower 18% (Brand, Supplier)".
export function productName(p) {
	if (!p)
		return 'Unknown product';
	return `${p.brand ? `${p.brand} ` : ''}${p.name}`;
}

// "/docs/API.md#problem-plan-exists" → "plan-exists".
export function slug(problem) {
	return ((problem && problem.type) || '').replace(/^.*#problem-/, '');
}

// An API field name as a form key: "items[0].dose" → "items-0-dose".
export function fieldKey(field) {
	return String(field || '').replace(/[[\].]+/g, '-').replace(/^-|-$/g, '');
}

// "Dose" + "must say how much…" → "Dose must say how much…".
export function sentence(label, detail) {
	if (!detail)
		return `${label} is not valid`;
	return /^[a-z]/.test(detail) ? `${label} ${detail}` : detail;
}

// Splits a problem's errors into {key: message} for the fields the form
// shows (labels: key → label) and a list of the rest (for the alert).
export function splitErrors(problem, labels) {
	const errs = {};
	const rest = [];
	for (const e of (problem && problem.errors) || []) {
		const k = fieldKey(e.field);
		if (labels[k]) {
			if (!errs[k])
				errs[k] = sentence(labels[k], e.detail);
		} else
			rest.push(e.field ? sentence(e.field, e.detail) : e.detail);
	}
	return { errs, rest };
}

// The text of a problem for an alert: "Title. Detail".
export function problemText(problem) {
	const p = problem || {};
	return p.detail && p.title !== p.detail ? `${p.title}. ${p.detail}` : p.title || p.detail || 'Something went wrong.';
}

// Focuses the first element marked data-field=key inside root, in order.
export function focusFirst(root, errs) {
	if (!root)
		return;
	const els = [...root.querySelectorAll('[data-field]')];
	const el = els.find((e) => errs[e.getAttribute('data-field')]);
	if (el)
		el.focus();
}

// The error line under a field's label (id ties it to the input).
export function FieldError({ id, error }) {
	return error ? html`<p class="field-error" id=${id}><span class="visually-hidden">Error: </span>${error}</p>` : null;
}

// An amount typed in g / ml / a count, with the unit beside the box.
export function AmountField({ name, label, hint, error, value, onValue, unit, form }) {
	const id = `f-${name}`;
	const described = [hint && `${id}-hint`, error && `${id}-error`].filter(Boolean).join(' ');
	return html`<div class=${error ? 'field field-invalid' : 'field'}>
		<label for=${id}>${label}</label>
		${hint && html`<p class="hint" id=${`${id}-hint`}>${hint}</p>`}
		<${FieldError} id=${`${id}-error`} error=${error} />
		<div class="rxp-amount">
			<input id=${id} name=${name} data-field=${name} inputmode=${unit === 'each' ? 'numeric' : 'decimal'}
				autocomplete="off" value=${value} onInput=${(e) => onValue(e.currentTarget.value)}
				aria-invalid=${error ? 'true' : undefined} aria-describedby=${described || undefined} />
			<span class="rxp-unit">${unitWord(unit, form)}</span>
		</div>
	</div>`;
}

// "2026-11-26T07:10:00Z" → "26 Nov 2026, 07:10" in the clinic's zone.
export function stamp(iso) {
	if (!iso)
		return '';
	const t = new Date(iso);
	if (Number.isNaN(t.getTime()))
		return iso;
	return new Intl.DateTimeFormat('en-GB', {
		day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: 'Europe/London',
	}).format(t);
}

// "2026-12-24" (or a timestamp) → "24 December 2026".
export function longDate(iso) {
	if (!iso)
		return '';
	if (iso.length > 10) {
		const t = new Date(iso);
		if (!Number.isNaN(t.getTime()))
			return new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Europe/London' }).format(t);
	}
	const [y, m, d] = iso.slice(0, 10).split('-').map(Number);
	if (!y || !m || !d)
		return iso;
	return new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' })
		.format(new Date(Date.UTC(y, m - 1, d, 12)));
}
