// Prescriptions (#/prescriptions, #/prescriptions/<id>, #/prescriptions/<id>/print).
// A patient: their treatment plan (products, dose, review date; read-only)
// and their prescriptions with the status in plain words (status_label from
// the API) and the timeline of each. Staff: a list with filters; the detail
// with every field, the events and the signature block (key fingerprint,
// the signed document, the signature and the prescriber's key, with the
// openssl command that verifies them); "Print" opens a print-ready A4 page
// with every Schedule 2 field (/work/shared/REGULATORY.md) and, when the
// paper original is required, a line for the prescriber's ink signature.
import { useEffect, useState } from '/vendor/hooks.js';
import { api } from '../api.js';
import { html, Page } from './ui.js';
import { problemText } from './book.js';
import { contentWords, dateTimeWords, dateWords, nameOf, productName, statusClass } from './rx-format.js';

// Each timeline step in plain words (the API's status_label names only the current state).
const EVENT_WORDS = {
	draft: 'Prepared by the clinician',
	signed: 'Signed by the prescriber',
	sent: 'Sent to the pharmacy',
	accepted: 'Accepted by the pharmacy',
	rejected: 'Not accepted by the pharmacy',
	out_of_stock: 'Waiting for stock at the pharmacy',
	awaiting_paper: 'Waiting at the pharmacy for the paper original',
	dispensed: 'Dispensed by the pharmacy',
	tracking: 'Courier update',
	shipped: 'On its way to you',
	delivered: 'Delivered',
	cancelled: 'Cancelled',
	expired: 'Expired: not used in time',
};

const STATUSES = ['draft', 'signed', 'sent', 'accepted', 'rejected', 'out_of_stock', 'awaiting_paper', 'dispensed',
	'shipped', 'delivered', 'cancelled', 'expired'];

const STAFF_STATUS = {
	draft: 'Draft', signed: 'Signed', sent: 'Sent to pharmacy', accepted: 'Accepted', rejected: 'Rejected',
	out_of_stock: 'Out of stock', awaiting_paper: 'Awaiting paper original', dispensed: 'Dispensed', shipped: 'Shipped', delivered: 'Delivered',
	cancelled: 'Cancelled', expired: 'Expired',
};

function Loading() {
	return html`<p class="loading" role="status"><span class="spinner" aria-hidden="true"></span>Loading…</p>`;
}

function statusText(rx, staff) {
	return rx.status_label || (staff ? STAFF_STATUS[rx.status] : EVENT_WORDS[rx.status]) || rx.status;
}

// An address as lines, whether the API sends text or an object.
export function addressLines(a) {
	if (!a)
		return [];
	if (typeof a === 'string')
		return a.split(/\n|,\s*/).map((s) => s.trim()).filter(Boolean);
	return ['line1', 'line2', 'address_line1', 'address_line2', 'town', 'city', 'county', 'postcode']
		.map((k) => a[k]).filter(Boolean);
}

function productOf(rx) {
	return rx.product || { brand: rx.product_brand, name: rx.product_name, strength_label: rx.strength_label };
}

// ---- the patient's plan ----

function PlanCard({ plan }) {
	return html`<section class="card rx-plan" aria-labelledby=${`plan-${plan.id}-h`}>
		<h2 id=${`plan-${plan.id}-h`}>Your treatment plan${plan.condition ? `: ${plan.condition}` : ''}</h2>
		${plan.status === 'ended' && html`<p><span class="badge">This plan has ended</span></p>`}
		<ul class="rx-plan-items">
			${(plan.items || []).map((it) => html`<li key=${it.product_id}>
				<h3 class="rx-item-name">${productName(it.product)}</h3>
				<p class="rx-product-meta">${it.product && it.product.form_label}${it.product && it.product.strength_label ? ` · ${it.product.strength_label}` : ''}</p>
				<dl class="facts">
					<dt>How to use it</dt><dd class="rx-dose">${it.dose}</dd>
					${it.daily_label && html`<dt>Up to, each day</dt><dd>${it.daily_label}</dd>`}
					${it.max_label && html`<dt>Up to, in any 30 days</dt><dd>${it.max_label}</dd>`}
				</dl>
			</li>`)}
		</ul>
		<p class="rx-review">Next review of your plan: <strong>${dateWords(plan.review_date)}</strong>
			${plan.review_due && html` <span class="badge badge-action">Due now</span>`}</p>
		${plan.review_due && html`<p><a href="#/book">Book a follow-up consultation</a></p>`}
	</section>`;
}

// ---- the timeline ----

function Timeline({ events, staff }) {
	if (!events || events.length === 0)
		return null;
	return html`<ol class="rx-timeline">
		${events.map((ev, i) => html`<li key=${i} class=${i === events.length - 1 ? 'rx-now' : ''}>
			<span class="rx-event">${ev.label || EVENT_WORDS[ev.status] || ev.status}</span>
			<span class="rx-event-when">${dateTimeWords(ev.at)}${staff && ev.by ? ` · ${nameOf(ev.by)}` : ''}${ev.source && ev.source !== 'clinic' ?
				` · ${ev.source === 'courier' ? 'the courier' : 'the pharmacy'}` : ''}</span>
			${ev.reason && html`<span class="rx-event-reason">${ev.status === 'tracking' || ev.source === 'courier' ? '' : 'Reason: '}${ev.reason}${ev.detail &&
				ev.detail.location ? ` (${ev.detail.location})` : ''}</span>`}
		</li>`)}
	</ol>`;
}

// ---- where the medicine is ----

// The steps on the way to the patient; waiting for stock or for the paper
// original happen at the "accepted" step.
const STEPS = [['signed', 'Signed'], ['sent', 'At the pharmacy'], ['accepted', 'Accepted'], ['dispensed', 'Prepared'],
	['shipped', 'On its way'], ['delivered', 'Delivered']];
const WAITING = { out_of_stock: 'Waiting for stock', awaiting_paper: 'Waiting for the paper original' };
const STEP_OF = { signed: 0, sent: 1, out_of_stock: 2, awaiting_paper: 2, accepted: 2, dispensed: 3, shipped: 4, delivered: 5 };

function Where({ rx, staff }) {
	const w = rx.where;
	if (!w || rx.status === 'draft')
		return null;
	const at = STEP_OF[rx.status];
	const steps = STEPS.filter(([s]) => s !== 'shipped' || w.supply_method !== 'collection');
	const current = at === undefined ? -1 : steps.findIndex(([s]) => s === STEPS[at][0]);
	return html`<section class="card rx-where" aria-labelledby="where-h">
		<h2 id="where-h">${staff ? 'Where it is' : 'Where is my medicine?'}</h2>
		<p class="rx-where-sentence">${w.sentence}</p>
		${current >= 0 && html`<ol class="rx-steps">
			${steps.map(([s, label], i) => html`<li key=${s} class=${i < current ? 'rx-step rx-step-done' : i === current ? 'rx-step rx-step-now' : 'rx-step'}
				aria-current=${i === current ? 'step' : undefined}>${i === current && WAITING[rx.status] || label}${i < current ?
				html`<span class="visually-hidden"> (done)</span>` : ''}</li>`)}
		</ol>`}
		${(w.tracking_number || w.pharmacy) && html`<dl class="facts">
			${w.pharmacy && html`<dt>Pharmacy</dt><dd>${w.pharmacy.name}${w.pharmacy_ref ? html` <span class="muted">(their reference ${w.pharmacy_ref})</span>` : ''}</dd>`}
			${w.expected_date && html`<dt>More stock expected</dt><dd>${dateWords(w.expected_date)}</dd>`}
			${w.tracking_number && html`<dt>Tracking number</dt><dd class="rx-tracking">${w.tracking_number}</dd>`}
		</dl>`}
		${w.tracking_url && html`<p><a href=${w.tracking_url} target="_blank" rel="noopener noreferrer">Track the parcel with the courier</a></p>`}
	</section>`;
}

// ---- lists ----

function RxItem({ rx, staff }) {
	const p = productOf(rx);
	const when = rx.signed_at || rx.created_at;
	return html`<li class="rx-item">
		<h3 class="rx-item-name"><a href=${`#/prescriptions/${rx.id}`}>${productName(p) || `Prescription ${rx.id}`}</a></h3>
		<p class="rx-item-status"><span class=${statusClass(rx.status)}>${statusText(rx, staff)}</span></p>
		<p class="rx-product-meta">${[rx.quantity_figures, when && `${rx.signed_at ? 'signed' : 'prepared'} ${dateWords(when)}`,
			staff && rx.patient && nameOf(rx.patient), staff && rx.prescriber && `by ${nameOf(rx.prescriber)}`]
			.filter(Boolean).join(' · ')}</p>
	</li>`;
}

function PatientList({ session }) {
	const [plans, setPlans] = useState(null);
	const [list, setList] = useState(null);
	const [latest, setLatest] = useState(null);
	const [error, setError] = useState(null);

	useEffect(() => {
		(async () => {
			const [pl, rx] = await Promise.all([
				api('GET', `/api/v1/prescriptions/plans/${session.user.id}`),
				api('GET', '/api/v1/prescriptions'),
			]);
			if (pl.ok)
				setPlans(pl.data.plans || []);
			else if (pl.status === 404)
				setPlans([]);
			else if (pl.status !== 401)
				setError(problemText(pl));
			if (!rx.ok) {
				if (rx.status !== 401)
					setError(problemText(rx));
				return;
			}
			const all = (rx.data.prescriptions || []).slice().sort((a, b) => b.id - a.id);
			setList(all);
			if (all.length) {
				const one = await api('GET', `/api/v1/prescriptions/${all[0].id}`);
				if (one.ok)
					setLatest(one.data);
			}
		})();
	}, []);

	if (error)
		return html`<${Page} title="Your treatment"><p class="alert" role="alert">${error}</p><//>`;
	if (plans === null || list === null)
		return html`<${Page} title="Your treatment"><${Loading} /><//>`;
	const active = plans.filter((p) => p.status !== 'ended');
	return html`<${Page} title="Your treatment">
		${active.length === 0 ? html`<section class="card" aria-labelledby="noplan-h">
			<h2 id="noplan-h">Your treatment plan</h2>
			<p>${plans.length ? 'Your treatment plan has ended. If you think you still need treatment, book a consultation.' :
				'You do not have a treatment plan yet. Your specialist writes one after your consultation, if treatment is right for you.'}</p>
			<p><a href="#/appointments">Your appointments</a></p>
		</section>` : active.map((p) => html`<${PlanCard} key=${p.id} plan=${p} />`)}
		<section class="card" aria-labelledby="rx-h">
			<h2 id="rx-h">Your prescriptions</h2>
			${list.length === 0 ? html`<p>No prescriptions yet.</p>` : html`
				${latest && html`<div class="rx-latest">
					<p class="rx-latest-title"><a href=${`#/prescriptions/${latest.id}`}>${productName(latest.product)}</a>${`, ${latest.quantity_figures}`}</p>
					<p><span class=${statusClass(latest.status)}>${statusText(latest, false)}</span></p>
					${latest.where && latest.status !== 'draft' && html`<p class="rx-where-sentence">${latest.where.sentence}${latest.where.tracking_number ?
						` Tracking number: ${latest.where.tracking_number}.` : ''}</p>`}
					<h3 class="h3">What has happened so far</h3>
					<${Timeline} events=${latest.events} />
				</div>`}
				${list.length > 1 && html`<h3 class="h3">Earlier prescriptions</h3>
					<ul class="rx-list">${list.slice(1).map((rx) => html`<${RxItem} key=${rx.id} rx=${rx} staff=${false} />`)}</ul>`}`}
		</section>
	<//>`;
}

function StaffList({ session }) {
	const role = session.user.role;
	const [patient, setPatient] = useState('');
	const [status, setStatus] = useState('');
	const [mine, setMine] = useState(role === 'clinician');
	const [list, setList] = useState(null);
	const [error, setError] = useState(null);

	async function load(e) {
		if (e)
			e.preventDefault();
		const params = new URLSearchParams();
		if (/^\d+$/.test(patient.trim()))
			params.set('patient_id', patient.trim());
		if (status)
			params.set('status', status);
		if (mine)
			params.set('mine', '1');
		const qs = params.toString();
		const res = await api('GET', `/api/v1/prescriptions${qs ? `?${qs}` : ''}`);
		if (res.ok) {
			setList((res.data.prescriptions || []).slice().sort((a, b) => b.id - a.id));
			setError(null);
		} else if (res.status !== 401)
			setError(problemText(res));
	}
	useEffect(() => { load(); }, [status, mine]);

	return html`<${Page} title="Prescriptions" wide>
		<form class="card rx-filters" onSubmit=${load} aria-label="Filter prescriptions">
			<div class="field-row">
				<div class="field">
					<label for="f-rx-patient">Patient number</label>
					<input id="f-rx-patient" inputmode="numeric" value=${patient} onInput=${(e) => setPatient(e.currentTarget.value)} />
				</div>
				<div class="field">
					<label for="f-rx-status">Status</label>
					<select id="f-rx-status" value=${status} onChange=${(e) => setStatus(e.currentTarget.value)}>
						<option value="">Any status</option>
						${STATUSES.map((s) => html`<option value=${s}>${STAFF_STATUS[s]}</option>`)}
					</select>
				</div>
			</div>
			${role === 'clinician' && html`<div class="choices"><div class="choice">
				<input id="f-rx-mine" type="checkbox" checked=${mine} onChange=${(e) => setMine(e.currentTarget.checked)} />
				<label for="f-rx-mine">Only prescriptions I wrote</label>
			</div></div>`}
			<p><button type="submit" class="button button-secondary">Show prescriptions</button></p>
		</form>
		${error && html`<p class="alert" role="alert">${error}</p>`}
		<section aria-labelledby="rx-list-h">
			<h2 id="rx-list-h">${list ? `${list.length} prescription${list.length === 1 ? '' : 's'}` : 'Prescriptions'}</h2>
			${list === null ? html`<${Loading} />` : list.length === 0 ? html`<p>None match.</p>` :
				html`<ul class="rx-list">${list.map((rx) => html`<${RxItem} key=${rx.id} rx=${rx} staff=${true} />`)}</ul>`}
		</section>
	<//>`;
}

// ---- one prescription ----

function useRx(id, version = 0) {
	const [rx, setRx] = useState(null);
	const [error, setError] = useState(null);
	useEffect(() => {
		api('GET', `/api/v1/prescriptions/${id}`).then((res) => {
			if (res.ok)
				setRx(res.data);
			else if (res.status !== 401)
				setError(res.status === 404 ? 'There is no such prescription, or it is not one you can see.' : problemText(res));
		});
	}, [id, version]);
	return [rx, error];
}

function instalmentWords(rx) {
	const i = rx.instalments;
	if (!i)
		return 'None: supplied in full';
	return `${i.amount_label || i.amount} every ${i.interval_days} day${i.interval_days === 1 ? '' : 's'}`;
}

function SignatureBlock({ rx }) {
	if (!rx.signature || !rx.key_fingerprint)
		return html`<section class="card" aria-labelledby="sig-h"><h2 id="sig-h">Signature</h2>
			<p>Not signed yet.</p></section>`;
	const base = `/api/v1/prescriptions/${rx.id}`;
	const prescriberId = rx.prescriber && rx.prescriber.id;
	const keyHref = `/api/v1/prescriptions/keys/${prescriberId}?fingerprint=${encodeURIComponent(rx.key_fingerprint)}`;
	const doc = `prescription-${rx.id}.json`;
	const sig = `prescription-${rx.id}.sig.der`;
	const key = `prescriber-${prescriberId}.pem`;
	return html`<section class="card rx-signature" aria-labelledby="sig-h">
		<h2 id="sig-h">Electronic signature</h2>
		<dl class="facts">
			<dt>Signed by</dt><dd>${nameOf(rx.prescriber)}, GMC ${rx.prescriber && rx.prescriber.registration_number}</dd>
			<dt>Signed on</dt><dd>${dateTimeWords(rx.signed_at)}</dd>
			<dt>Key fingerprint (SHA-256)</dt><dd><code class="wrap rx-fingerprint">${rx.key_fingerprint}</code></dd>
		</dl>
		<ul class="rx-files">
			<li><a href=${`${base}/document`} download=${doc}>The signed document</a> (${doc})</li>
			<li><a href=${`${base}/signature`} download=${sig}>The signature</a> (${sig})</li>
			<li><a href=${keyHref} download=${key}>The prescriber's public key</a> (${key})</li>
		</ul>
		<p>Anyone can check that the document is exactly what was signed: with the three files in one folder, run</p>
		<pre class="rx-command"><code>openssl dgst -sha256 -verify ${key} -signature ${sig} ${doc}</code></pre>
		<p>It prints <code>Verified OK</code> when nothing has changed since signing.</p>
	</section>`;
}

const CANCELLABLE = ['draft', 'signed', 'sent', 'accepted', 'out_of_stock', 'awaiting_paper'];

// Cancelling (the prescriber or an admin) needs a reason; the pharmacy is told
// when the prescription had been signed.
function CancelForm({ rx, onDone }) {
	const [open, setOpen] = useState(false);
	const [reason, setReason] = useState('');
	const [error, setError] = useState(null);
	const [busy, setBusy] = useState(false);
	async function go(e) {
		e.preventDefault();
		if (reason.trim().length < 3) {
			setError('Give a reason (at least 3 characters): it is kept with the prescription.');
			return;
		}
		setBusy(true);
		const res = await api('POST', `/api/v1/prescriptions/${rx.id}/cancel`, { reason: reason.trim() });
		setBusy(false);
		if (res.ok) {
			setOpen(false);
			onDone();
		} else if (res.status !== 401)
			setError(problemText(res));
	}
	if (!open)
		return html`<p><button type="button" class="button button-secondary" aria-expanded="false"
			onClick=${() => setOpen(true)}>Cancel this prescription</button></p>`;
	return html`<form class="card rx-cancel" onSubmit=${go} noValidate aria-labelledby="cancel-h">
		<h2 id="cancel-h">Cancel this prescription</h2>
		${rx.signed_at && html`<p>It has been signed: the pharmacy is told it is cancelled.</p>`}
		<div class=${error ? 'alert' : 'alert alert-empty'} role="alert">${error && html`<p>${error}</p>`}</div>
		<div class="field">
			<label for="f-cancel-reason">Reason</label>
			<input id="f-cancel-reason" value=${reason} maxlength="1000" aria-invalid=${error ? 'true' : undefined}
				onInput=${(e) => setReason(e.currentTarget.value)} />
		</div>
		<p class="actions"><button type="submit" class="button button-danger" disabled=${busy}>${busy ? 'Cancelling…' : 'Cancel the prescription'}</button>
			<button type="button" class="button button-secondary" onClick=${() => setOpen(false)}>Keep it</button></p>
	</form>`;
}

function Detail({ session, id }) {
	const [version, setVersion] = useState(0);
	const [done, setDone] = useState('');
	const [rx, error] = useRx(id, version);
	const staff = session.user.role !== 'patient';
	const title = staff ? `Prescription ${id}` : 'Your prescription';
	if (error)
		return html`<${Page} title=${title}><p class="alert" role="alert">${error}</p>
			<p><a href="#/prescriptions">All prescriptions</a></p><//>`;
	if (!rx)
		return html`<${Page} title=${title}><${Loading} /><//>`;
	const p = rx.product || {};
	return html`<${Page} title=${title}>
		<div class=${done ? 'alert alert-ok' : 'alert alert-empty'} role="status">${done && html`<p>${done}</p>`}</div>
		<p class="rx-status-line"><span class=${statusClass(rx.status)}>${statusText(rx, false)}</span></p>
		<${Where} rx=${rx} staff=${staff} />
		<section class="card" aria-labelledby="what-h">
			<h2 id="what-h">${productName(p)}</h2>
			<dl class="facts">
				<dt>Form</dt><dd>${p.form_label}</dd>
				<dt>Strength</dt><dd>${p.strength_label}</dd>
				<dt>Supplier</dt><dd>${p.supplier}</dd>
				<dt>How to use it</dt><dd class="rx-dose">${rx.dose}</dd>
				<dt>Quantity</dt><dd class="rx-quantity">${rx.quantity_figures} (${rx.quantity_words})</dd>
				<dt>Days of treatment</dt><dd>${rx.days_supply}</dd>
				${rx.thc_mg_total !== undefined && rx.thc_mg_total !== null && html`<dt>THC in total</dt><dd>${rx.thc_mg_total} mg</dd>`}
				<dt>Instalments</dt><dd>${instalmentWords(rx)}</dd>
				${rx.start_date && html`<dt>Starts</dt><dd>${dateWords(rx.start_date)}</dd>`}
				${rx.signed_at && html`<dt>Signed</dt><dd>${dateWords(rx.signed_at)}</dd>`}
				${rx.valid_until && html`<dt>${staff ? 'Valid until' : 'The pharmacy can use it until'}</dt><dd>${dateWords(rx.valid_until)}</dd>`}
				<dt>Prescriber</dt><dd>${nameOf(rx.prescriber)}${rx.prescriber && rx.prescriber.registration_number ?
					`, GMC ${rx.prescriber.registration_number}` : ''}${rx.prescriber && rx.prescriber.specialist ? ' (specialist)' : ''}</dd>
				${staff && html`<dt>Patient</dt><dd>${nameOf(rx.patient)}${rx.patient && rx.patient.date_of_birth ?
					`, born ${dateWords(rx.patient.date_of_birth)}` : ''}</dd>`}
				${rx.plan && html`<dt>Treatment plan</dt><dd>${rx.plan.condition}${staff ? ` (version ${rx.plan.version})` : ''}</dd>`}
				${staff && rx.initial && html`<dt>Initial prescription</dt><dd>Yes: the patient's first</dd>`}
				${staff && rx.justification && html`<dt>Justification</dt><dd>${rx.justification}</dd>`}
				${staff && html`<dt>Paper original</dt><dd>${rx.paper_required ? 'Required: print, sign in ink and post to the pharmacy' : 'Not required'}</dd>`}
			</dl>
		</section>
		<section class="card" aria-labelledby="tl-h">
			<h2 id="tl-h">What has happened so far</h2>
			<${Timeline} events=${rx.events} staff=${staff} />
		</section>
		${staff && html`<${SignatureBlock} rx=${rx} />`}
		${CANCELLABLE.includes(rx.status) && (session.user.role === 'admin' || (session.user.role === 'clinician' &&
			rx.prescriber && rx.prescriber.id === session.user.id)) &&
			html`<${CancelForm} rx=${rx} onDone=${() => { setDone('The prescription is cancelled.'); setVersion(version + 1); }} />`}
		<p class="actions">
			${staff && html`<a class="button" href=${`#/prescriptions/${rx.id}/print`}>Print</a>`}
			${staff && rx.patient && session.user.role === 'clinician' && html`<a class="button button-secondary"
				href=${`#/prescribe/${rx.patient.id}`}>Prescribing for this patient</a>`}
			<a class="button button-secondary" href="#/prescriptions">${staff ? 'All prescriptions' : 'Back to your treatment'}</a>
		</p>
	<//>`;
}

// ---- the print-ready page ----

function Print({ id }) {
	const [rx, error] = useRx(id);
	const title = `Prescription ${id}`;
	if (error)
		return html`<${Page} title=${title}><p class="alert" role="alert">${error}</p><//>`;
	if (!rx)
		return html`<${Page} title=${title}><${Loading} /><//>`;
	let doc = null;
	try {
		doc = rx.document ? JSON.parse(rx.document) : null;
	} catch {
		doc = null;
	}
	// Once signed, the patient, product and prescriber are printed as they
	// were signed (the document), not as the records read today.
	const d = doc || {};
	const p = { ...rx.product, ...d.product };
	if (d.product && d.product.strength)
		p.strength_label = d.product.strength;
	const pr = { ...rx.prescriber, ...d.prescriber };
	const pt = { ...rx.patient, ...d.patient };
	// The clinic (the prescriber's practice) heads the sheet.
	const clinic = pr.practice || (doc && doc.prescriber && doc.prescriber.practice) || (doc && doc.clinic_name);
	const signed = !!rx.signed_at;
	return html`<${Page} title="Private prescription: Schedule 2 controlled drug" wide>
		<p class="actions rx-print-actions">
			<button type="button" class="button" onClick=${() => window.print()}>Print this page</button>
			<a class="button button-secondary" href=${`#/prescriptions/${rx.id}`}>Back to the prescription</a>
		</p>
		${!signed && html`<p class="rx-draft-mark" role="note">Draft: not signed. Not valid for dispensing.</p>`}
		${(rx.status === 'cancelled' || rx.status === 'expired') && html`<p class="rx-draft-mark" role="note">
			${rx.status === 'cancelled' ? 'Cancelled' : 'Expired'}: not valid for dispensing.</p>`}
		<article class="rx-sheet" aria-label=${title}>
			<div class="rx-sheet-head">
				<div>
					${clinic && html`<p class="rx-clinic">${clinic}</p>`}
					<p class="rx-sheet-kind">Cannabis-based product for medicinal use (CBPM), Misuse of Drugs Regulations 2001, Schedule 2</p>
				</div>
				<dl class="rx-sheet-ids">
					<dt>Prescription number</dt><dd>${rx.id}</dd>
					<dt>Date of issue</dt><dd>${signed ? dateWords(rx.signed_at) : 'Not signed'}</dd>
					<dt>Valid until</dt><dd>${rx.valid_until ? dateWords(rx.valid_until) : '—'}</dd>
				</dl>
			</div>

			<section class="rx-sheet-part" aria-labelledby="pt-h">
				<h2 id="pt-h">Patient</h2>
				<dl class="rx-sheet-facts">
					<dt>Full name</dt><dd>${nameOf(pt)}</dd>
					<dt>Address</dt><dd>${addressLines(pt.address).map((l) => html`<span class="rx-line">${l}</span>`)}</dd>
					<dt>Date of birth</dt><dd>${dateWords(pt.date_of_birth)}</dd>
				</dl>
			</section>

			<section class="rx-sheet-part" aria-labelledby="drug-h">
				<h2 id="drug-h">Medicine</h2>
				<dl class="rx-sheet-facts">
					<dt>Product</dt><dd>${p.name}</dd>
					<dt>Brand</dt><dd>${p.brand}</dd>
					<dt>Supplier</dt><dd>${p.supplier}</dd>
					<dt>Form</dt><dd>${p.form_label}</dd>
					<dt>Strength</dt><dd>${p.strength_label}</dd>
					<dt>THC content</dt><dd class="rx-thc">${contentWords(p, p.thc_ug_per_unit)}</dd>
					<dt>CBD content</dt><dd class="rx-cbd">${contentWords(p, p.cbd_ug_per_unit)}</dd>
					<dt>Pack</dt><dd>${p.pack_label}</dd>
					<dt>Dose</dt><dd class="rx-dose">${rx.dose}</dd>
					<dt>Total quantity in figures</dt><dd class="rx-qty-figures">${rx.quantity_figures}</dd>
					<dt>Total quantity in words</dt><dd class="rx-qty-words">${rx.quantity_words}</dd>
					<dt>Days of treatment</dt><dd>${rx.days_supply}</dd>
					<dt>Instalments</dt><dd>${instalmentWords(rx)}</dd>
					${rx.start_date && html`<dt>Start date</dt><dd>${dateWords(rx.start_date)}</dd>`}
					${rx.justification && html`<dt>Clinical justification</dt><dd>${rx.justification}</dd>`}
				</dl>
			</section>

			<section class="rx-sheet-part" aria-labelledby="pr-h">
				<h2 id="pr-h">Prescriber</h2>
				<dl class="rx-sheet-facts">
					<dt>Name</dt><dd>${nameOf(pr)}</dd>
					${clinic && html`<dt>Practice</dt><dd>${clinic}</dd>`}
					<dt>Address</dt><dd>${addressLines(pr.address).map((l) => html`<span class="rx-line">${l}</span>`)}</dd>
					<dt>GMC number</dt><dd>${pr.registration_number}</dd>
					<dt>GMC Specialist Register</dt><dd>${pr.specialist ? 'Yes' : 'No'}</dd>
				</dl>
			</section>

			<section class="rx-sheet-part rx-sheet-sign" aria-labelledby="sign-h">
				<h2 id="sign-h">Signature</h2>
				${signed && html`<p>Signed electronically on ${dateTimeWords(rx.signed_at)} (advanced electronic signature).
					Key fingerprint: <code class="wrap">${rx.key_fingerprint}</code></p>`}
				${rx.paper_required && html`<div class="rx-ink">
					<p class="rx-ink-line"><span>Prescriber's signature (in ink)</span></p>
					<p class="rx-ink-line rx-ink-date"><span>Date</span></p>
					<p class="rx-ink-note">The pharmacy supplies only on receipt of this original, signed in ink.</p>
				</div>`}
			</section>
		</article>
	<//>`;
}

export function Prescriptions({ session, path }) {
	const [id, sub] = (path || '').split('/');
	if (/^\d+$/.test(id || ''))
		// The print sheet is for the prescriber (the paper original is theirs to sign) and staff.
		return sub === 'print' && session.user.role !== 'patient' ? html`<${Print} id=${id} />` :
			html`<${Detail} session=${session} id=${id} />`;
	return session.user.role === 'patient' ? html`<${PatientList} session=${session} />` : html`<${StaffList} session=${session} />`;
}
