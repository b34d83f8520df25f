// The clinic admin's pipeline dashboard (#/pipeline; admin, auditor): every
// open prescription's stage between signing and delivery, how long it has
// been there, and those over their stage's time limit first, highlighted
// with the reason; counts per stage; filters by stage, pharmacy,
// prescriber and age; the limits and (admins) a form to change one. The
// same data is GET /api/v1/pipeline for third parties. Reading it is
// audited by the API (pipeline.read: it names patients).
import { useEffect, useState } from '/vendor/hooks.js';
import { api } from '../api.js';
import { html, Page } from './ui.js';
import { problemText } from './book.js';
import { dateTimeWords, nameOf } from './rx-format.js';

const STAGES = ['signed', 'sent', 'out_of_stock', 'awaiting_paper', 'accepted', 'dispensed', 'shipped'];
const UNITS = { minutes: 'minutes', hours: 'hours', days: 'days', working_days: 'working days (Monday to Friday)' };
const AGES = [['0', 'Any age'], ['60', 'Over an hour'], ['1440', 'Over a day'], ['4320', 'Over 3 days'],
	['10080', 'Over a week']];

// 200 → "3 hours 20 minutes"; 3000 → "2 days 2 hours".
export function durationWords(min) {
	const m = Math.max(0, Math.floor(min || 0));
	const part = (n, w) => `${n} ${w}${n === 1 ? '' : 's'}`;
	if (m < 60)
		return part(m, 'minute');
	if (m < 1440)
		return m % 60 ? `${part(Math.floor(m / 60), 'hour')} ${part(m % 60, 'minute')}` : part(m / 60, 'hour');
	const d = Math.floor(m / 1440), h = Math.floor((m % 1440) / 60);
	return h ? `${part(d, 'day')} ${part(h, 'hour')}` : part(d, 'day');
}

function limitWords(l) {
	if (!l)
		return 'no limit';
	const unit = l.unit === 'working_days' ? 'working day' : l.unit.replace(/s$/, '');
	return `${l.amount} ${unit}${l.amount === 1 ? '' : 's'}`;
}

function Row({ x }) {
	return html`<li class=${x.stuck ? 'card pipeline-row pipeline-stuck' : 'card pipeline-row'}>
		<h3 class="pipeline-title"><a href=${`#/prescriptions/${x.prescription_id}`}>Prescription ${x.prescription_id}</a>
			${' '}<span class=${x.stuck ? 'badge badge-action' : 'badge'}>${x.stage_label}</span></h3>
		${x.stuck && html`<p class="pipeline-reason"><strong>Stuck:</strong> ${x.stuck_reason}</p>`}
		<dl class="facts pipeline-facts">
			<dt>In this stage</dt><dd>${durationWords(x.minutes_in_stage)} <span class="muted">(since ${dateTimeWords(x.since)}; limit ${limitWords(x.limit)})</span></dd>
			<dt>Patient</dt><dd>${nameOf(x.patient)}</dd>
			<dt>Prescriber</dt><dd>${nameOf(x.prescriber)}</dd>
			<dt>Pharmacy</dt><dd>${x.pharmacy ? x.pharmacy.name : 'Not chosen yet'}${x.pharmacy_ref ? ` (their ref. ${x.pharmacy_ref})` : ''}</dd>
			${x.last_event && html`<dt>Last news</dt><dd>${x.last_event.reason || x.last_event.status}${' '}
				<span class="muted">(${x.last_event.source || 'clinic'}, ${dateTimeWords(x.last_event.at)})</span></dd>`}
			${x.delivery && x.delivery.status !== 'done' && html`<dt>Delivery to the pharmacy</dt><dd>${x.delivery.status === 'dead_letter' ?
				'Gave up (dead letter)' : x.delivery.status}, ${x.delivery.attempts} attempt${x.delivery.attempts === 1 ? '' : 's'}${x.delivery.last_error ?
				`: ${x.delivery.last_error}` : ''}</dd>`}
		</dl>
	</li>`;
}

function LimitEditor({ limit, onSaved }) {
	const [open, setOpen] = useState(false);
	const [amount, setAmount] = useState(String(limit.amount));
	const [unit, setUnit] = useState(limit.unit);
	const [reason, setReason] = useState(limit.reason);
	const [errors, setErrors] = useState({});
	const [alert, setAlert] = useState(null);
	const [busy, setBusy] = useState(false);
	const id = `lim-${limit.stage}`;

	async function save(e) {
		e.preventDefault();
		const errs = {};
		if (!/^\d+$/.test(amount.trim()) || Number(amount) < 1)
			errs.amount = 'Amount must be a whole number, at least 1';
		if (reason.trim().length < 3)
			errs.reason = 'Reason must be at least 3 characters';
		setErrors(errs);
		if (Object.keys(errs).length) {
			setAlert('Please correct the highlighted fields.');
			return;
		}
		setBusy(true);
		const res = await api('PUT', `/api/v1/pipeline/limits/${limit.stage}`,
			{ amount: Number(amount), unit, reason: reason.trim() });
		setBusy(false);
		if (res.ok) {
			setOpen(false);
			setAlert(null);
			onSaved(res.data.limits, `The limit for “${limit.stage_label}” is now ${amount} ${UNITS[unit]}.`);
		} else if (res.status !== 401) {
			const fe = {};
			for (const x of res.problem.errors || [])
				fe[x.field] = `${x.field === 'amount' ? 'Amount' : x.field === 'unit' ? 'Unit' : 'Reason'} ${x.detail}`;
			setErrors(fe);
			setAlert(problemText(res));
		}
	}
	if (!open)
		return html`<button type="button" class="button button-secondary button-small" onClick=${() => setOpen(true)}>
			Change<span class="visually-hidden"> the limit for ${limit.stage_label}</span></button>`;
	const fieldClass = (k) => (errors[k] ? 'field field-invalid' : 'field');
	return html`<form class="pipeline-limit-form" onSubmit=${save} noValidate aria-label=${`Limit for ${limit.stage_label}`}>
		<div class=${alert ? 'alert' : 'alert alert-empty'} role="alert">${alert && html`<p>${alert}</p>`}</div>
		<div class="field-row">
			<div class=${fieldClass('amount')}>
				<label for=${`${id}-amount`}>Amount</label>
				${errors.amount && html`<p class="field-error" id=${`${id}-amount-error`}>${errors.amount}</p>`}
				<input id=${`${id}-amount`} class="input-4" inputmode="numeric" value=${amount}
					aria-invalid=${errors.amount ? 'true' : undefined} aria-describedby=${errors.amount ? `${id}-amount-error` : undefined}
					onInput=${(e) => setAmount(e.currentTarget.value)} />
			</div>
			<div class="field">
				<label for=${`${id}-unit`}>Unit</label>
				<select id=${`${id}-unit`} value=${unit} onChange=${(e) => setUnit(e.currentTarget.value)}>
					${Object.entries(UNITS).map(([k, v]) => html`<option value=${k}>${v}</option>`)}
				</select>
			</div>
		</div>
		<div class=${fieldClass('reason')}>
			<label for=${`${id}-reason`}>Reason shown when stuck</label>
			${errors.reason && html`<p class="field-error" id=${`${id}-reason-error`}>${errors.reason}</p>`}
			<input id=${`${id}-reason`} value=${reason} maxlength="300" aria-invalid=${errors.reason ? 'true' : undefined}
				aria-describedby=${errors.reason ? `${id}-reason-error` : undefined} onInput=${(e) => setReason(e.currentTarget.value)} />
		</div>
		<p class="actions"><button type="submit" class="button" disabled=${busy}>${busy ? 'Saving…' : 'Save the limit'}</button>
			<button type="button" class="button button-secondary" onClick=${() => setOpen(false)}>Cancel</button></p>
	</form>`;
}

function Limits({ admin }) {
	const [limits, setLimits] = useState(null);
	const [done, setDone] = useState('');
	const [error, setError] = useState(null);
	useEffect(() => {
		api('GET', '/api/v1/pipeline/limits').then((res) => {
			if (res.ok)
				setLimits(res.data.limits || []);
			else if (res.status !== 401)
				setError(problemText(res));
		});
	}, []);
	return html`<section class="card" aria-labelledby="limits-h">
		<h2 id="limits-h">Time limits per stage</h2>
		<p>A prescription longer than this in a stage is shown as stuck, with the reason.</p>
		<div class=${done ? 'alert alert-ok' : 'alert alert-empty'} role="status">${done && html`<p>${done}</p>`}</div>
		${error && html`<p class="alert" role="alert">${error}</p>`}
		${limits === null ? html`<p class="loading" role="status">Loading…</p>` : html`<ul class="pipeline-limits">
			${limits.map((l) => html`<li key=${l.stage} class="pipeline-limit">
				<p><strong>${l.stage_label}</strong>: <span class="pipeline-limit-value">${l.amount} ${UNITS[l.unit] || l.unit}</span></p>
				<p class="muted">${l.reason}${l.updated_by && l.updated_by.name ? ` · changed by ${l.updated_by.name}, ${dateTimeWords(l.updated_at)}` : ''}</p>
				${admin && html`<${LimitEditor} limit=${l} onSaved=${(all, msg) => { setLimits(all); setDone(msg); }} />`}
			</li>`)}
		</ul>`}
	</section>`;
}

export function Pipeline({ session }) {
	const admin = session.user.role === 'admin';
	const [stage, setStage] = useState('');
	const [pharmacy, setPharmacy] = useState('');
	const [prescriber, setPrescriber] = useState('');
	const [age, setAge] = useState('0');
	const [stuck, setStuck] = useState(false);
	const [data, setData] = useState(null);
	const [error, setError] = useState(null);
	const [people, setPeople] = useState({ pharmacies: {}, prescribers: {} });
	const [version, setVersion] = useState(0);

	useEffect(() => {
		const q = new URLSearchParams();
		if (stage)
			q.set('stage', stage);
		if (pharmacy)
			q.set('pharmacy', pharmacy);
		if (prescriber)
			q.set('prescriber', prescriber);
		if (age !== '0')
			q.set('older_than_minutes', age);
		if (stuck)
			q.set('stuck', '1');
		const qs = q.toString();
		api('GET', `/api/v1/pipeline${qs ? `?${qs}` : ''}`).then((res) => {
			if (res.ok) {
				setData(res.data);
				setError(null);
				// the filter choices grow with what has been seen
				setPeople((p) => {
					const ph = { ...p.pharmacies }, pr = { ...p.prescribers };
					for (const x of res.data.prescriptions || []) {
						if (x.pharmacy)
							ph[x.pharmacy.id] = x.pharmacy.name;
						if (x.prescriber)
							pr[x.prescriber.id] = nameOf(x.prescriber);
					}
					return { pharmacies: ph, prescribers: pr };
				});
			} else if (res.status !== 401)
				setError(problemText(res));
		});
	}, [stage, pharmacy, prescriber, age, stuck, version]);

	const rows = data ? data.prescriptions || [] : [];
	const counts = data ? data.counts || {} : {};
	return html`<${Page} title="Prescription pipeline" wide>
		<p>Every prescription between signing and delivery. Stuck ones come first.</p>
		${error && html`<p class="alert" role="alert">${error}</p>`}
		${data && html`<section class="card" aria-labelledby="counts-h">
			<h2 id="counts-h">${data.stuck ? `${data.stuck} stuck` : 'Nothing stuck'} <span class="muted">of ${data.total} open</span></h2>
			<ul class="pipeline-counts">
				${STAGES.map((s) => counts[s] && html`<li key=${s}>
					<button type="button" class=${stage === s ? 'pipeline-count pipeline-count-on' : 'pipeline-count'}
						aria-pressed=${stage === s ? 'true' : 'false'} onClick=${() => setStage(stage === s ? '' : s)}>
						<span class="pipeline-count-n">${counts[s].count}</span> ${counts[s].label}
						${counts[s].stuck > 0 && html` <span class="badge badge-action">${counts[s].stuck} stuck</span>`}
					</button></li>`)}
			</ul>
			${data.dead_letters > 0 && html`<p class="notice">${data.dead_letters} message${data.dead_letters === 1 ? '' : 's'} to the pharmacy
				could not be delivered (dead letters).${admin && html` <a href="#/outbox">Look at the outbox</a>`}</p>`}
		</section>`}
		<form class="card pipeline-filters" aria-label="Filter the pipeline" onSubmit=${(e) => { e.preventDefault(); setVersion(version + 1); }}>
			<div class="field-row">
				<div class="field">
					<label for="f-pl-stage">Stage</label>
					<select id="f-pl-stage" value=${stage} onChange=${(e) => setStage(e.currentTarget.value)}>
						<option value="">Every stage</option>
						${STAGES.map((s) => html`<option value=${s}>${counts[s] ? counts[s].label : s}</option>`)}
					</select>
				</div>
				<div class="field">
					<label for="f-pl-age">In the stage for</label>
					<select id="f-pl-age" value=${age} onChange=${(e) => setAge(e.currentTarget.value)}>
						${AGES.map(([v, l]) => html`<option value=${v}>${l}</option>`)}
					</select>
				</div>
			</div>
			<div class="field-row">
				<div class="field">
					<label for="f-pl-pharmacy">Pharmacy</label>
					<select id="f-pl-pharmacy" value=${pharmacy} onChange=${(e) => setPharmacy(e.currentTarget.value)}>
						<option value="">Any pharmacy</option>
						${Object.entries(people.pharmacies).map(([id, n]) => html`<option value=${id}>${n}</option>`)}
					</select>
				</div>
				<div class="field">
					<label for="f-pl-prescriber">Prescriber</label>
					<select id="f-pl-prescriber" value=${prescriber} onChange=${(e) => setPrescriber(e.currentTarget.value)}>
						<option value="">Any prescriber</option>
						${Object.entries(people.prescribers).map(([id, n]) => html`<option value=${id}>${n}</option>`)}
					</select>
				</div>
			</div>
			<div class="choices"><div class="choice">
				<input type="checkbox" id="f-pl-stuck" checked=${stuck} onChange=${(e) => setStuck(e.currentTarget.checked)} />
				<label for="f-pl-stuck">Only stuck ones</label>
			</div></div>
			<p><button type="submit" class="button button-secondary">Refresh</button></p>
		</form>
		<section aria-labelledby="rows-h">
			<h2 id="rows-h">${data ? `${rows.length} prescription${rows.length === 1 ? '' : 's'}${data.truncated ? ' (the first ones)' : ''}` : 'Prescriptions'}</h2>
			${data === null ? html`<p class="loading" role="status"><span class="spinner" aria-hidden="true"></span>Loading…</p>` :
				rows.length === 0 ? html`<p>None match.</p>` :
				html`<ul class="pipeline-list">${rows.map((x) => html`<${Row} key=${x.prescription_id} x=${x} />`)}</ul>`}
		</section>
		<${Limits} admin=${admin} />
	<//>`;
}
