// Prescribing (#/prescribe/<patient id>[?appointment=<id>][&plan=<id>]),
// for clinicians, often during or right after a video consultation: the
// patient (name, date of birth, identity), their plan, the quota meter (what
// is left in the rolling 30 days, per product, form and THC), the formulary
// (the plan's products, or all of them), the draft with its checks updating
// as the quantity changes (POST /prescriptions/check, debounced), then
// "Create draft" and signing with a code from the authenticator app (the
// API's step-up). The patient's prescriptions are listed below with cancel.
// Quantities are typed in g / ml / a count (js/rx-units.js).
import { useEffect, useRef, useState } from '/vendor/hooks.js';
import { api, waitMessage } from '../api.js';
import { html, Page } from './ui.js';
import { PlanSummary } from './plans.js';
import {
	AmountField, FieldError, amountText, focusFirst, fromSupply, longDate, productName, problemText, slug,
	splitErrors, stamp, toSupply, unitWord,
} from '../rx-units.js';

const CHECK_DELAY = 400;	// ms of quiet typing before the checks run again
const CANCELLABLE = ['draft', 'signed', 'sent', 'accepted', 'out_of_stock', 'awaiting_paper'];

// Stock as the partner pharmacies report it (product.availability, issue 6).
const STOCK_WORDS = { available: 'In stock', low: 'Low stock', out_of_stock: 'Out of stock', unknown: 'Stock not reported' };

function stockStatus(p) {
	return (p && p.availability && p.availability.status) || 'unknown';
}

function StockBadge({ p }) {
	const st = stockStatus(p);
	return html`<span class=${`badge stock-badge stock-${st}`}>${STOCK_WORDS[st] || st}</span>`;
}

// Before signing: what each pharmacy has of the chosen product, and a warning when it is low or out.
function StockWarning({ product }) {
	const st = stockStatus(product);
	if (!product || (st !== 'low' && st !== 'out_of_stock'))
		return null;
	const ph = (product.availability && product.availability.pharmacies) || [];
	const unit = product.supply_unit;
	return html`<div class="notice stock-warning" role="note">
		<p><strong>${st === 'low' ? 'Low stock' : 'Out of stock'}:</strong> ${st === 'low' ?
			'the pharmacy may run out before it can supply this prescription.' :
			'no pharmacy that reports stock has any of this product. The patient will wait until more arrives; consider another product in the plan.'}</p>
		<ul>${ph.map((x) => html`<li key=${x.id}>${x.name}: ${amountText(x.available, unit, product.form)} available${x.expected_date ?
			`, more expected ${longDate(x.expected_date)}` : ''}</li>`)}</ul>
	</div>`;
}

// The pharmacy the prescription goes to (issue 6). With one partner it is
// said; with several the prescriber chooses, each shown with what it last
// reported of the product. Preselected is the one the server would choose
// (modules/prescriptions/sign.c SQL_CHOOSE): one that reported enough for
// this prescription, else the most; ties (and nothing reported, taken as
// none) go to the first set up. partners come in that order.
export function defaultPharmacy(partners, product, quantity) {
	const reported = (product && product.availability && product.availability.pharmacies) || [];
	const stock = (id) => {
		const x = reported.find((y) => y.id === id);
		return x ? x.available : 0;
	};
	let best = null;
	for (const p of partners) {
		if (best === null)
			best = p;
		else {
			const [a, b] = [stock(p.id), stock(best.id)];
			if ((a >= quantity) > (b >= quantity) || ((a >= quantity) === (b >= quantity) && a > b))
				best = p;
		}
	}
	return best;
}

function PharmacyChoice({ partners, product, quantity, value, onChange }) {
	if (partners === null)
		return null;
	if (partners.error)
		return html`<p class="notice rxp-goes-to">The partner pharmacies could not be read (${partners.error}). Signing sends it to the pharmacy with stock.</p>`;
	if (partners.length === 0)
		return html`<p class="notice rxp-goes-to">No partner pharmacy is set up yet: the prescription waits, signed, until an admin adds one.</p>`;
	if (partners.length === 1)
		return html`<p class="rxp-goes-to">It goes to <strong>${partners[0].name}</strong>.</p>`;
	const reported = (product && product.availability && product.availability.pharmacies) || [];
	const unit = product ? product.supply_unit : 'each';
	return html`<fieldset class="field choices rxp-pharmacy">
		<legend>Send to pharmacy</legend>
		${partners.map((p) => {
			const x = reported.find((y) => y.id === p.id);
			const words = !x ? 'stock not reported' : x.available >= quantity ?
				`${amountText(x.available, unit, product.form)} available` :
				`${x.available > 0 ? `only ${amountText(x.available, unit, product.form)}` : 'none'} available${x.expected_date ? `, more expected ${longDate(x.expected_date)}` : ''}`;
			return html`<div class="choice" key=${p.id}>
				<input type="radio" id=${`f-pharmacy-${p.id}`} name="pharmacy_id" value=${String(p.id)} checked=${value === String(p.id)}
					onChange=${() => onChange(String(p.id))} />
				<label for=${`f-pharmacy-${p.id}`}>${p.name} <span class="choice-hint">${words}</span></label>
			</div>`;
		})}
	</fieldset>`;
}

const LABELS = {
	plan_id: 'Plan', product_id: 'Product', quantity: 'Quantity', dose: 'Dose', justification: 'Clinical justification',
	start_date: 'Start date', instalment_amount: 'Amount each time', instalment_interval_days: 'Days between instalments',
	appointment_id: 'Consultation', patient_id: 'Patient',
};

const STATUS = {
	draft: 'Draft', signed: 'Signed', sent: 'Sent to the pharmacy', accepted: 'Accepted by the pharmacy',
	rejected: 'Rejected by the pharmacy', out_of_stock: 'Out of stock', awaiting_paper: 'Awaiting the paper original',
	dispensed: 'Dispensed', shipped: 'Shipped',
	delivered: 'Delivered', cancelled: 'Cancelled', expired: 'Expired',
};

// ---- the patient ----

function PatientHeader({ patient, idv, patientId }) {
	return html`<section class="card rxp-patient" aria-labelledby="rxp-patient-h">
		<h2 id="rxp-patient-h">${patient ? `${patient.given_name} ${patient.family_name}` : 'Patient'}</h2>
		<dl class="facts">
			<dt>Date of birth</dt><dd>${patient ? patient.date_of_birth ? longDate(patient.date_of_birth) : 'Not given' : '…'}</dd>
			<dt>Identity</dt><dd>${idv === null ? '…' : idv.verified ?
				html`<span class="badge badge-done">Verified</span> ${longDate(idv.verified_at)}` :
				html`<span class="badge badge-action">Not verified</span> Prescriptions are refused until the identity check is complete.`}</dd>
		</dl>
		<p class="rxp-links"><a href=${`#/patients/${patientId}`}>Full record</a> · <a href=${`#/plans/${patientId}`}>Treatment plans and history</a></p>
	</section>`;
}

// ---- the quota meter ----

// A bar: used, then this prescription, out of max (widths through the CSSOM: CSP).
function Bar({ used, extra, max }) {
	const a = useRef(null);
	const b = useRef(null);
	const pct = (n) => (max > 0 ? Math.max(0, Math.min(100, (n / max) * 100)) : 100);
	useEffect(() => {
		if (a.current)
			a.current.style.width = `${pct(used)}%`;
		if (b.current)
			b.current.style.width = `${Math.max(0, Math.min(100 - pct(used), pct(extra)))}%`;
	});
	const over = used + extra > max;
	return html`<div class=${over ? 'rxp-bar rxp-bar-over' : 'rxp-bar'} aria-hidden="true">
		<div class="rxp-bar-used" ref=${a}></div><div class="rxp-bar-this" ref=${b}></div>
	</div>`;
}

// One line of the meter. The labels are figures with units; fmt(n) writes
// any other amount in the same unit (for what would be left after this one).
function MeterRow({ name, used, max, extra, usedLabel, maxLabel, leftLabel, fmt }) {
	const over = used + extra > max;
	return html`<li class="rxp-meter-row">
		<p class="rxp-meter-name">${name}</p>
		<${Bar} used=${used} extra=${extra} max=${max} />
		<p class="rxp-meter-text">${usedLabel} of ${maxLabel} used in the 30-day window; ${leftLabel} left.${extra > 0 && fmt ?
			html` <span class=${over ? 'rxp-over' : ''}>This prescription: ${fmt(extra)}${over ?
				` – ${fmt(used + extra - max)} over the limit` : `; ${fmt(max - used - extra)} would be left`}.</span>` : ''}</p>
	</li>`;
}

function QuotaMeter({ patientId, plan, refresh, pending }) {
	const [q, setQ] = useState(null);
	const [error, setError] = useState(null);
	useEffect(() => {
		if (!plan)
			return;
		let gone = false;
		api('GET', `/api/v1/prescriptions/quota/${patientId}?plan_id=${plan.id}`).then((res) => {
			if (gone)
				return;
			if (res.ok) {
				setQ(res.data);
				setError(null);
			} else if (res.status !== 401)
				setError(problemText(res.problem));
		});
		return () => { gone = true; };
	}, [patientId, plan && plan.id, refresh]);
	if (!plan)
		return null;
	const items = (plan.items || []);
	const product = pending && pending.product;
	const rows = [];
	if (q) {
		for (const it of q.items || []) {
			const pi = items.find((x) => x.product_id === it.product_id);
			const p = pi && pi.product;
			const extra = product && product.id === it.product_id ? pending.quantity : 0;
			const u = p ? p.supply_unit : 'each';
			rows.push(html`<${MeterRow} key=${`p${it.product_id}`} name=${p ? productName(p) : `Product ${it.product_id}`}
				used=${it.used} max=${it.max} extra=${extra} usedLabel=${it.used_label} maxLabel=${it.max_label}
				leftLabel=${it.remaining_label} fmt=${(n) => amountText(n, u, p && p.form)} />`);
		}
		for (const f of q.forms || []) {
			const extra = product && product.form === f.form ? pending.quantity : 0;
			const u = product && product.form === f.form ? product.supply_unit : null;
			rows.push(html`<${MeterRow} key=${`f${f.form}`} name=${`All ${(f.form_label || f.form).toLowerCase()} together`}
				used=${f.used} max=${f.max} extra=${extra} usedLabel=${f.used_label} maxLabel=${f.max_label}
				leftLabel=${f.remaining_label} fmt=${u ? (n) => amountText(n, u, f.form) : null} />`);
		}
		if (q.thc) {
			const extra = product ? Math.round((pending.quantity * (product.thc_ug_per_unit || 0)) / 1000) : 0;
			rows.push(html`<${MeterRow} key="thc" name="THC" used=${q.thc.used_mg} max=${q.thc.max_mg} extra=${extra}
				usedLabel=${`${q.thc.used_mg} mg`} maxLabel=${`${q.thc.max_mg} mg`} leftLabel=${`${q.thc.remaining_mg} mg`}
				fmt=${(n) => `${n} mg`} />`);
		}
	}
	return html`<section class="card rxp-meter" aria-labelledby="rxp-meter-h">
		<h2 id="rxp-meter-h">What is left in the 30-day window</h2>
		${q && q.window && html`<p class="hint">Counting live prescriptions in the fullest 30-day window that includes today (prescriptions from ${stamp(q.window.from)} to ${stamp(q.window.to)}, those starting later included).</p>`}
		${error && html`<p class="alert" role="alert">${error}</p>`}
		${!q && !error && html`<p class="loading" role="status">Loading…</p>`}
		${q && html`<ul class="rxp-meter-list">${rows}</ul>`}
	</section>`;
}

// ---- the checks ----

function Checks({ check, checking }) {
	if (!check && !checking)
		return html`<div role="status" class="rxp-checks"><p class="muted">Enter a quantity to check the prescription against the plan.</p></div>`;
	const list = (check && check.checks) || [];
	const failed = list.filter((c) => !c.passed);
	return html`<div class="rxp-checks" aria-busy=${checking ? 'true' : 'false'}>
		<div role="status">
			${checking ? html`<p class="loading"><span class="spinner" aria-hidden="true"></span>Checking…</p>` :
				failed.length === 0 ?
					html`<p class="rxp-checks-sum rxp-ok">All ${list.length} checks pass.${check.initial ? ' This is the patient\'s first prescription.' : ''}</p>` :
					html`<p class="rxp-checks-sum rxp-fail">${failed.length === 1 ? '1 check fails' : `${failed.length} checks fail`}: ${failed.map((c) => c.title).join('; ')}.</p>`}
		</div>
		${check && html`<ul class="rxp-check-list">${list.map((c) => html`<li key=${c.rule}
			class=${c.passed ? c.warning ? 'rxp-check rxp-check-warn' : 'rxp-check rxp-check-pass' : 'rxp-check rxp-check-fail'} data-rule=${c.rule}>
			<span class="rxp-check-mark" aria-hidden="true">${c.passed ? c.warning ? '!' : '✓' : '✗'}</span>
			<span class="rxp-check-body"><strong>${c.title}</strong> <span class="badge">${c.passed ? c.warning ? 'Warning' : 'Passed' : 'Failed'}</span>
				${c.detail && html`<span class="rxp-check-detail">${c.detail}</span>`}</span>
		</li>`)}</ul>`}
	</div>`;
}

// ---- signed ----

function Signed({ rx, onAnother }) {
	const heading = useRef(null);
	useEffect(() => { if (heading.current) heading.current.focus(); }, []);
	const prescriber = rx.prescriber || {};
	return html`<section class="card rxp-signed" aria-labelledby="rxp-signed-h">
		<h2 id="rxp-signed-h" tabindex="-1" ref=${heading}>Prescription signed</h2>
		<div class="alert alert-ok" role="status"><p><strong>${STATUS[rx.status] || rx.status}.</strong>${
			` Valid until ${longDate(rx.valid_until)}.${rx.status_label ? ` The patient sees: "${rx.status_label}".` : ''}`}</p></div>
		<dl class="facts">
			<dt>Product</dt><dd>${productName(rx.product)}${rx.product && rx.product.strength_label ? ` (${rx.product.strength_label})` : ''}</dd>
			<dt>Quantity</dt><dd>${rx.quantity_figures} (${rx.quantity_words})</dd>
			<dt>Dose</dt><dd>${rx.dose}</dd>
			<dt>Days of treatment</dt><dd>${rx.days_supply}</dd>
			<dt>Signed</dt><dd>${stamp(rx.signed_at)}</dd>
			<dt>Valid until</dt><dd>${longDate(rx.valid_until)}</dd>
			<dt>Key fingerprint</dt><dd><code class="wrap">${rx.key_fingerprint}</code></dd>
		</dl>
		${rx.paper_required && html`<p class="notice">The pharmacy needs the paper original signed in ink: print it, sign it and post it.</p>`}
		<details class="rxp-verify">
			<summary>How anyone can check the signature</summary>
			<p>Download <a href=${`/api/v1/prescriptions/${rx.id}/document`} download=${`prescription-${rx.id}.json`}>the signed document</a>,
				<a href=${`/api/v1/prescriptions/${rx.id}/signature`} download=${`prescription-${rx.id}.sig`}>its signature</a> and
				<a href=${`/api/v1/prescriptions/keys/${prescriber.id}?fingerprint=${rx.key_fingerprint}`} download="key.pem">the prescriber's public key</a>, then run:</p>
			<pre class="rxp-command"><code>openssl dgst -sha256 -verify key.pem -signature prescription-${rx.id}.sig prescription-${rx.id}.json</code></pre>
			<p>It prints "Verified OK"; changing a single byte of the document makes it fail.</p>
		</details>
		<p class="actions">
			<a class="button" href=${`#/prescriptions/${rx.id}`}>Open the prescription</a>
			<a class="button button-secondary" href=${`#/prescriptions/${rx.id}/print`}>Print</a>
			<button type="button" class="button button-secondary" onClick=${onAnother}>Write another prescription</button>
		</p>
	</section>`;
}

// ---- the patient's prescriptions ----

function rxProduct(x) {
	if (x.product)
		return productName(x.product);
	return x.product_name || `Product ${x.product_id}`;
}

function RxList({ list, onContinue, onChanged }) {
	const [cancelling, setCancelling] = useState(null);
	const [reason, setReason] = useState('');
	const [error, setError] = useState(null);
	const [ok, setOk] = useState(null);
	const [busy, setBusy] = useState(false);

	async function cancel(e, x) {
		e.preventDefault();
		if (reason.trim().length < 3) {
			setError('Reason must say why, in a few words');
			return;
		}
		setBusy(true);
		const res = await api('POST', `/api/v1/prescriptions/${x.id}/cancel`, { reason: reason.trim() });
		setBusy(false);
		if (res.ok) {
			setCancelling(null);
			setReason('');
			setError(null);
			setOk(`Prescription ${x.id} cancelled.`);
			onChanged(x);
		} else if (res.status !== 401) {
			const { errs, rest } = splitErrors(res.problem, { reason: 'Reason' });
			setError(errs.reason || rest.join('. ') || problemText(res.problem));
		}
	}

	return html`<section class="card" aria-labelledby="rxp-list-h">
		<h2 id="rxp-list-h">This patient's prescriptions</h2>
		<div class=${ok ? 'alert alert-ok' : 'alert alert-empty'} role="status">${ok && html`<p>${ok}</p>`}</div>
		${list === null ? html`<p class="loading" role="status">Loading…</p>` : list.length === 0 ? html`<p>None yet.</p>` :
			html`<ul class="rxp-list">${list.map((x) => html`<li key=${x.id} class="rxp-list-item">
				<p class="rxp-list-head"><a href=${`#/prescriptions/${x.id}`}>${rxProduct(x)}</a>
					<span class="badge">${STATUS[x.status] || x.status}</span></p>
				<p class="patient-meta">${[x.quantity_figures, x.created_at && `drafted ${stamp(x.created_at)}`,
					x.signed_at && `signed ${stamp(x.signed_at)}`, x.valid_until && `valid until ${longDate(x.valid_until)}`].filter(Boolean).join(' · ')}</p>
				${cancelling === x.id ? html`<form class="rxp-cancel" onSubmit=${(e) => cancel(e, x)} noValidate>
					<div class=${error ? 'field field-invalid' : 'field'}>
						<label for=${`f-cancel-${x.id}`}>Why cancel it?</label>
						<p class="hint" id=${`f-cancel-${x.id}-hint`}>Kept on the prescription's record${x.status !== 'draft' ? ' and sent to the pharmacy' : ''}.</p>
						<${FieldError} id=${`f-cancel-${x.id}-error`} error=${error} />
						<textarea id=${`f-cancel-${x.id}`} data-field="reason" rows="2" maxlength="1000" value=${reason}
							onInput=${(e) => setReason(e.currentTarget.value)} aria-invalid=${error ? 'true' : undefined}
							aria-describedby=${`f-cancel-${x.id}-hint${error ? ` f-cancel-${x.id}-error` : ''}`}></textarea>
					</div>
					<div class="actions">
						<button type="submit" class="button button-danger" disabled=${busy}>${busy ? 'Cancelling…' : 'Cancel this prescription'}</button>
						<button type="button" class="button button-secondary" onClick=${() => { setCancelling(null); setError(null); }}>Keep it</button>
					</div>
				</form>` : html`<p class="actions">
					${x.status === 'draft' && onContinue && html`<button type="button" class="button button-secondary button-small"
						onClick=${() => onContinue(x)}>Continue this draft</button>`}
					${CANCELLABLE.includes(x.status) && html`<button type="button" class="button button-secondary button-small"
						aria-label=${`Cancel prescription ${x.id} (${rxProduct(x)})`}
						onClick=${() => { setOk(null); setError(null); setReason(''); setCancelling(x.id); }}>Cancel…</button>`}
				</p>`}
			</li>`)}</ul>`}
	</section>`;
}

// ---- the screen ----

function blankDraft() {
	return { product_id: '', quantity: '', dose: '', doseTouched: false, justification: '', start_date: '',
		instalments: false, instalment_amount: '', instalment_interval_days: '' };
}

export function Prescribe({ session, path }) {
	const patientId = (path || '').split('/')[0];
	const query = new URLSearchParams(location.hash.split('?')[1] || '');
	const appointment = /^\d+$/.test(query.get('appointment') || '') ? query.get('appointment') : null;

	const [patient, setPatient] = useState(null);
	const [missing, setMissing] = useState(false);
	const [idv, setIdv] = useState(null);
	const [plans, setPlans] = useState(null);
	const [planId, setPlanId] = useState(query.get('plan') || '');
	const [formulary, setFormulary] = useState([]);
	const [showAll, setShowAll] = useState(false);
	const [search, setSearch] = useState('');
	const [d, setD] = useState(blankDraft);
	const [check, setCheck] = useState(null);
	const [checking, setChecking] = useState(false);
	const [errors, setErrors] = useState({});
	const [alert, setAlert] = useState(null);
	const [busy, setBusy] = useState(false);
	const [draft, setDraft] = useState(null);	// the saved draft (a Prescription)
	const [savedBody, setSavedBody] = useState(null);
	const [code, setCode] = useState('');
	const [codeError, setCodeError] = useState(null);
	const [signAlert, setSignAlert] = useState(null);
	const [signing, setSigning] = useState(false);
	const [signed, setSigned] = useState(null);
	const [partners, setPartners] = useState(null);
	const [pharmacy, setPharmacy] = useState('');
	const [list, setList] = useState(null);
	const [refresh, setRefresh] = useState(0);
	const seq = useRef(0);
	const form = useRef(null);
	const checksRef = useRef(null);
	const signRef = useRef(null);

	// A draft just saved: the signing step is next, so that is where focus goes.
	useEffect(() => {
		if (draft && signRef.current)
			signRef.current.focus();
	}, [draft && draft.id]);

	const loadList = () => api('GET', `/api/v1/prescriptions?patient_id=${patientId}`)
		.then((r) => setList(r.ok ? r.data.prescriptions || [] : []));

	useEffect(() => {
		if (!/^\d+$/.test(patientId))
			return;
		api('GET', `/api/v1/patients/${patientId}`).then((r) => {
			if (r.ok)
				setPatient(r.data);
			else if (r.status === 404)
				setMissing(true);
		});
		api('GET', `/api/v1/idv/patients/${patientId}`).then((r) => setIdv(r.ok ? r.data : {}));
		api('GET', `/api/v1/prescriptions/plans/${patientId}`).then((r) => {
			const active = r.ok ? (r.data.plans || []).filter((p) => p.status === 'active') : [];
			setPlans(active);
			setPlanId((cur) => (active.some((p) => String(p.id) === cur) ? cur : active[0] ? String(active[0].id) : ''));
		});
		api('GET', '/api/v1/prescriptions/formulary').then((r) => setFormulary(r.ok ? r.data.products || [] : []));
		api('GET', '/api/v1/bridge/partners').then((r) => setPartners(r.ok ? r.data.partners || [] :
			Object.assign([], { error: problemText(r.problem) })));
		loadList();
	}, [patientId]);

	// A new draft starts from the pharmacy the server would choose for it,
	// and follows its product and quantity until the prescriber picks one.
	const [picked, setPicked] = useState(false);
	useEffect(() => setPicked(false), [draft && draft.id]);
	useEffect(() => {
		if (!draft || !partners || partners.length < 2 || picked)
			return;
		const best = defaultPharmacy(partners, draft.product, draft.quantity);
		setPharmacy(best ? String(best.id) : '');
	}, [draft && draft.id, draft && draft.product && draft.product.id, draft && draft.quantity, partners, picked]);

	const plan = plans && plans.find((p) => String(p.id) === planId);
	const planItem = plan && (plan.items || []).find((it) => String(it.product_id) === d.product_id);
	const product = (planItem && planItem.product) || formulary.find((p) => String(p.id) === d.product_id) || null;
	const unit = product ? product.supply_unit : 'each';
	const quantity = toSupply(d.quantity, unit);

	function body(withPatient = true) {
		const b = { plan_id: Number(planId), product_id: Number(d.product_id), quantity };
		if (withPatient)
			b.patient_id = Number(patientId);
		if (d.dose.trim())
			b.dose = d.dose.trim();
		if (d.justification.trim())
			b.justification = d.justification.trim();
		if (d.start_date)
			b.start_date = d.start_date;
		if (d.instalments) {
			b.instalment_amount = toSupply(d.instalment_amount, unit);
			b.instalment_interval_days = /^\d{1,3}$/.test(d.instalment_interval_days.trim()) ? Number(d.instalment_interval_days.trim()) : null;
		}
		if (appointment)
			b.appointment_id = Number(appointment);
		return b;
	}
	const bodyKey = JSON.stringify(body(false));

	// The checks, again after each pause in typing.
	useEffect(() => {
		const mine = ++seq.current;
		if (!plan || !d.product_id || quantity === null || quantity < 1) {
			setCheck(null);
			setChecking(false);
			return;
		}
		setChecking(true);
		const t = setTimeout(async () => {
			const res = await api('POST', '/api/v1/prescriptions/check', body());
			if (mine !== seq.current)
				return;
			setChecking(false);
			if (res.ok) {
				setCheck(res.data);
				setErrors((e) => (Object.keys(e).length ? {} : e));
			} else if (res.status !== 401) {
				setCheck(null);
				const { errs } = splitErrors(res.problem, LABELS);
				setErrors(errs);
			}
		}, CHECK_DELAY);
		return () => clearTimeout(t);
	}, [bodyKey, planId]);

	const set = (k) => (v) => setD((s) => ({ ...s, [k]: v }));

	function pickProduct(id) {
		const it = plan && (plan.items || []).find((x) => String(x.product_id) === String(id));
		setD((s) => ({ ...s, product_id: String(id), dose: s.doseTouched ? s.dose : it ? it.dose : '' }));
	}

	function localErrors() {
		const errs = {};
		if (!planId)
			errs.plan_id = 'Choose a plan';
		if (!d.product_id)
			errs.product_id = 'Choose a product';
		if (quantity === null || quantity < 1)
			errs.quantity = unit === 'each' ? 'Quantity must be a whole number' : `Quantity must be a number of ${unitWord(unit)}, like 10 or 2.5`;
		if (d.instalments) {
			const a = toSupply(d.instalment_amount, unit);
			if (a === null || a < 1)
				errs.instalment_amount = 'Amount each time must be a number';
			if (!/^\d{1,3}$/.test(d.instalment_interval_days.trim()))
				errs.instalment_interval_days = 'Days between instalments must be a whole number';
		}
		return errs;
	}

	function showErrors(errs, text) {
		setErrors(errs);
		setAlert({ title: Object.keys(errs).length ? 'Some fields need attention' : null, text });
		setTimeout(() => focusFirst(form.current, errs), 0);
	}

	async function save(e) {
		e.preventDefault();
		if (busy)
			return;
		const errs = localErrors();
		if (Object.keys(errs).length) {
			showErrors(errs, 'Please correct the highlighted fields.');
			return;
		}
		setBusy(true);
		setAlert(null);
		const res = draft ? await api('PUT', `/api/v1/prescriptions/${draft.id}`, body(false)) :
			await api('POST', '/api/v1/prescriptions', body());
		setBusy(false);
		if (res.ok) {
			setErrors({});
			setDraft(res.data);
			setSavedBody(bodyKey);
			setAlert(null);
			setCode('');
			setCodeError(null);
			setSignAlert(null);
			loadList();
			return;
		}
		if (res.status === 401)
			return;
		const s = slug(res.problem);
		if (s === 'prescription-refused') {
			setCheck({ ok: false, checks: res.problem.checks || [] });
			setErrors({});
			setAlert({ title: 'Refused', text: `${problemText(res.problem)} See the failed checks below.` });
			if (checksRef.current)
				checksRef.current.focus();
			return;
		}
		if (s === 'prescription-signed') {
			setAlert({ title: null, text: 'This prescription is no longer a draft, so it cannot be changed. Cancel it and write a new one.' });
			loadList();
			return;
		}
		const { errs: apiErrs, rest } = splitErrors(res.problem, LABELS);
		showErrors(apiErrs, rest.length ? rest.join('. ') : Object.keys(apiErrs).length ? 'Please correct the highlighted fields.' : problemText(res.problem));
	}

	async function sign(e) {
		e.preventDefault();
		if (signing)
			return;
		if (!/^\d{6}$/.test(code.trim())) {
			setCodeError('Code must be the 6 digits your authenticator app shows now');
			setSignAlert(null);
			document.getElementById('f-code')?.focus();
			return;
		}
		setSigning(true);
		setSignAlert(null);
		const req = { code: code.trim() };
		if (partners && !partners.error && partners.length > 1 && pharmacy)
			req.pharmacy_id = Number(pharmacy);
		const res = await api('POST', `/api/v1/prescriptions/${draft.id}/sign`, req);
		setSigning(false);
		if (res.ok) {
			setSigned(res.data);
			setDraft(null);
			setCode('');
			setCodeError(null);
			setRefresh((n) => n + 1);
			loadList();
			return;
		}
		if (res.status === 401)
			return;
		const s = slug(res.problem);
		setCode('');
		if (s === 'step-up-failed') {
			const { errs } = splitErrors(res.problem, { code: 'Code' });
			setCodeError(errs.code || res.problem.detail || 'That code was not accepted. Wait for the next code and try again.');
			document.getElementById('f-code')?.focus();
		} else if (res.status === 429) {
			setCodeError(waitMessage(res.problem));
		} else if (res.status === 422 && ((res.problem && res.problem.errors) || []).some((x) => x.field === 'pharmacy_id')) {
			setSignAlert('That pharmacy no longer takes prescriptions from the clinic: choose another.');
			setPicked(false);
			api('GET', '/api/v1/bridge/partners').then((r) => setPartners(r.ok ? r.data.partners || [] :
				Object.assign([], { error: problemText(r.problem) })));
		} else if (s === 'prescription-refused') {
			setCheck({ ok: false, checks: res.problem.checks || [] });
			setSignAlert(`${problemText(res.problem)} See the failed checks above.`);
		} else
			setSignAlert(problemText(res.problem));
	}

	async function continueDraft(x) {
		const r = await api('GET', `/api/v1/prescriptions/${x.id}`);
		if (!r.ok)
			return;
		const rx = r.data;
		const u = rx.product ? rx.product.supply_unit : 'each';
		if (rx.plan)
			setPlanId(String(rx.plan.id));
		const next = {
			product_id: String(rx.product ? rx.product.id : rx.product_id), quantity: fromSupply(rx.quantity, u), dose: rx.dose || '',
			doseTouched: true, justification: rx.justification || '', start_date: rx.start_date || '',
			instalments: !!rx.instalments, instalment_amount: rx.instalments ? fromSupply(rx.instalments.amount, u) : '',
			instalment_interval_days: rx.instalments ? String(rx.instalments.interval_days) : '',
		};
		setD(next);
		setDraft(rx);
		setSigned(null);
		const b = { plan_id: rx.plan ? rx.plan.id : Number(planId), product_id: Number(next.product_id), quantity: rx.quantity };
		if (next.dose)
			b.dose = next.dose;
		if (next.justification)
			b.justification = next.justification;
		if (next.start_date)
			b.start_date = next.start_date;
		if (next.instalments) {
			b.instalment_amount = rx.instalments.amount;
			b.instalment_interval_days = rx.instalments.interval_days;
		}
		if (appointment)
			b.appointment_id = Number(appointment);
		setSavedBody(JSON.stringify(b));
		if (form.current)
			form.current.scrollIntoView({ block: 'start' });
	}

	function another() {
		setSigned(null);
		setDraft(null);
		setSavedBody(null);
		setD(blankDraft());
		setCheck(null);
		setAlert(null);
	}

	if (!/^\d+$/.test(patientId))
		return html`<${Page} title="Prescribe"><p>Open a patient's record and choose "Prescribe" there.</p>
			<p><a class="button" href="#/patients">Find a patient</a></p><//>`;
	if (missing)
		return html`<${Page} title="Prescribe"><p class="alert" role="alert">There is no such patient.</p>
			<p><a href="#/patients">Back to the patient list</a></p><//>`;

	// Products offered: the plan's, or the whole formulary when asked; a search narrows either.
	const planProducts = plan ? (plan.items || []).map((it) => it.product).filter(Boolean) : [];
	const needle = search.trim().toLowerCase();
	const offered = (showAll ? formulary : planProducts).filter((p) => !needle ||
		[p.supplier, p.brand, p.name, p.form_label].some((x) => (x || '').toLowerCase().includes(needle)));
	if (product && !offered.some((p) => p.id === product.id))
		offered.unshift(product);
	const inPlan = (p) => planProducts.some((x) => x.id === p.id);
	const dirty = draft && savedBody !== bodyKey;
	const days = check && check.days_supply;
	const daysCheck = check && (check.checks || []).find((c) => c.rule === 'days-supply');
	const needJustification = d.justification !== '' || (daysCheck && !daysCheck.passed);
	const err = (k) => errors[k];
	const canSave = !!(plan && d.product_id);

	return html`<${Page} title="Prescribe" wide>
		${appointment && html`<p class="rxp-links"><a href=${`#/consult/${appointment}`}>Back to the consultation</a></p>`}
		<div class="rxp-layout">
			<div class="rxp-col">
				<${PatientHeader} patient=${patient} idv=${idv} patientId=${patientId} />
				<section class="card" aria-labelledby="rxp-plan-h">
					<h2 id="rxp-plan-h">Treatment plan</h2>
					${plans === null ? html`<p class="loading" role="status">Loading…</p>` : plans.length === 0 ?
						html`<p>This patient has no active treatment plan, so nothing can be prescribed yet.</p>
							<p class="hint">Only a clinician on the specialist register can start a plan; any prescriber can continue one.</p>
							<p><a class="button" href=${`#/plans/${patientId}?new=1`}>New plan</a></p>` :
						html`${plans.length > 1 && html`<fieldset class="field choices">
							<legend>Prescribe under</legend>
							${plans.map((p) => html`<div class="choice" key=${p.id}>
								<input type="radio" name="plan" id=${`plan-${p.id}`} checked=${String(p.id) === planId}
									onChange=${() => { setPlanId(String(p.id)); setD(blankDraft()); setDraft(null); }} />
								<label for=${`plan-${p.id}`}>${p.condition} <span class="choice-hint">version ${p.version}</span></label>
							</div>`)}
							<${FieldError} id="f-plan_id-error" error=${err('plan_id')} />
						</fieldset>`}
						${plan && html`<h3 class="h3">${plan.condition} <span class="muted">(version ${plan.version})</span></h3>
							${plan.review_due && html`<p class="notice">The plan's review date (${longDate(plan.review_date)}) has passed: review it with the patient.</p>`}
							<details class="rxp-plan-details"><summary>The plan in full</summary><${PlanSummary} plan=${plan} /></details>
							<p><a href=${`#/plans/${patientId}`}>Change the plan</a></p>`}`}
				</section>
				<${QuotaMeter} patientId=${patientId} plan=${plan} refresh=${refresh}
					pending=${product && quantity && !signed ? { product, quantity } : null} />
			</div>
			<div class="rxp-col">
				${signed ? html`<${Signed} rx=${signed} onAnother=${another} />` : plan && html`<section class="card rxp-draft" aria-labelledby="rxp-draft-h">
					<h2 id="rxp-draft-h">${draft ? `Draft prescription ${draft.id}` : 'New prescription'}</h2>
					<form ref=${form} onSubmit=${save} noValidate>
						<div class=${alert ? 'alert' : 'alert alert-empty'} role="alert">
							${alert && html`${alert.title && html`<p class="alert-title">${alert.title}</p>`}<p>${alert.text}</p>`}
						</div>
						<fieldset class=${err('product_id') ? 'field field-invalid rxp-products' : 'field rxp-products'}>
							<legend>Product</legend>
							<${FieldError} id="f-product_id-error" error=${err('product_id')} />
							<div class="field rxp-search">
								<label for="f-rxp-search">Search ${showAll ? 'the formulary' : 'the plan\'s products'}</label>
								<input id="f-rxp-search" type="search" value=${search} onInput=${(e) => setSearch(e.currentTarget.value)} />
							</div>
							<div class="choice rxp-all">
								<input type="checkbox" id="f-rxp-all" checked=${showAll} onChange=${(e) => setShowAll(e.currentTarget.checked)} />
								<label for="f-rxp-all">Show every product in the formulary</label>
							</div>
							${offered.length === 0 ? html`<p class="muted">No product matches.</p>` :
								html`<ul class="rxp-product-list">${offered.map((p) => html`<li key=${p.id}>
									<input type="radio" class="slot-radio" name="product" id=${`product-${p.id}`} data-field="product_id"
										checked=${String(p.id) === d.product_id} onChange=${() => pickProduct(p.id)} />
									<label class="rxp-product" for=${`product-${p.id}`}>
										<span class="rxp-product-name">${productName(p)}</span>
										<span class="rxp-product-meta">${[p.form_label, p.strength_label, p.pack_label].filter(Boolean).join(' · ')}</span>
										<span class="rxp-product-meta">${p.supplier}</span>
										<${StockBadge} p=${p} />
										<span class=${inPlan(p) ? 'badge badge-done' : 'badge badge-action'}>${inPlan(p) ? 'In the plan' : 'Not in the plan'}</span>
									</label>
								</li>`)}</ul>`}
						</fieldset>
						<${StockWarning} product=${product} />
						${product && html`<${AmountField} name="quantity" label="Quantity" unit=${unit} form=${product.form}
							hint=${planItem ? `The plan allows ${planItem.daily_label || amountText(planItem.daily_amount, unit, product.form)} a day, at most ${planItem.max_label || amountText(planItem.max_per_30d, unit, product.form)} in any 30 days.${product.pack_label ? ` Packs of ${product.pack_label}.` : ''}` :
								`In ${unitWord(unit, product.form)}.${product.pack_label ? ` Packs of ${product.pack_label}.` : ''}`}
							value=${d.quantity} onValue=${set('quantity')} error=${err('quantity')} />`}
						${check && check.quantity_figures && html`<p class="rxp-words">${check.quantity_figures} (${check.quantity_words})${days ? `, ${days} days of treatment` : ''}</p>`}
						<div class=${err('dose') ? 'field field-invalid' : 'field'}>
							<label for="f-dose">Dose</label>
							<p class="hint" id="f-dose-hint">From the plan; change it if this prescription needs other instructions.</p>
							<${FieldError} id="f-dose-error" error=${err('dose')} />
							<textarea id="f-dose" data-field="dose" rows="2" maxlength="500" value=${d.dose}
								onInput=${(e) => setD((s) => ({ ...s, dose: e.currentTarget.value, doseTouched: true }))}
								aria-invalid=${err('dose') ? 'true' : undefined} aria-describedby=${`f-dose-hint${err('dose') ? ' f-dose-error' : ''}`}></textarea>
						</div>
						${needJustification && html`<div class=${err('justification') ? 'field field-invalid' : 'field'}>
							<label for="f-justification">Clinical justification</label>
							<p class="hint" id="f-justification-hint">Needed for more than 30 days' treatment. Recorded on the prescription.</p>
							<${FieldError} id="f-justification-error" error=${err('justification')} />
							<textarea id="f-justification" data-field="justification" rows="3" maxlength="2000" value=${d.justification}
								onInput=${(e) => set('justification')(e.currentTarget.value)} aria-invalid=${err('justification') ? 'true' : undefined}
								aria-describedby=${`f-justification-hint${err('justification') ? ' f-justification-error' : ''}`}></textarea>
						</div>`}
						<div class=${err('start_date') ? 'field field-invalid' : 'field'}>
							<label for="f-start_date">Start date (optional)</label>
							<p class="hint" id="f-start_date-hint">Leave empty to start when signed. At most 28 days ahead.</p>
							<${FieldError} id="f-start_date-error" error=${err('start_date')} />
							<input id="f-start_date" type="date" data-field="start_date" value=${d.start_date}
								onInput=${(e) => set('start_date')(e.currentTarget.value)} aria-invalid=${err('start_date') ? 'true' : undefined}
								aria-describedby=${`f-start_date-hint${err('start_date') ? ' f-start_date-error' : ''}`} />
						</div>
						<div class="choices">
							<div class="choice">
								<input type="checkbox" id="f-instalments" checked=${d.instalments} onChange=${(e) => set('instalments')(e.currentTarget.checked)} />
								<label for="f-instalments">Dispense in instalments</label>
							</div>
						</div>
						${d.instalments && html`<div class="field-row">
							<${AmountField} name="instalment_amount" label="Amount each time" unit=${unit} form=${product && product.form}
								value=${d.instalment_amount} onValue=${set('instalment_amount')} error=${err('instalment_amount')} />
							<div class=${err('instalment_interval_days') ? 'field field-invalid' : 'field'}>
								<label for="f-instalment_interval_days">Days between instalments</label>
								<${FieldError} id="f-instalment_interval_days-error" error=${err('instalment_interval_days')} />
								<input id="f-instalment_interval_days" data-field="instalment_interval_days" inputmode="numeric" class="input-4"
									value=${d.instalment_interval_days} onInput=${(e) => set('instalment_interval_days')(e.currentTarget.value)}
									aria-invalid=${err('instalment_interval_days') ? 'true' : undefined}
									aria-describedby=${err('instalment_interval_days') ? 'f-instalment_interval_days-error' : undefined} />
							</div>
						</div>`}
						<section class="rxp-checks-box" aria-labelledby="rxp-checks-h">
							<h3 class="h3" id="rxp-checks-h" tabindex="-1" ref=${checksRef}>Checks</h3>
							<${Checks} check=${check} checking=${checking} />
						</section>
						${canSave && html`<button type="submit" class="button" disabled=${busy || (draft && !dirty)}>${busy ? 'Saving…' :
							draft ? dirty ? 'Save changes to the draft' : 'Draft saved' : 'Create draft'}</button>`}
					</form>
				</section>`}
				${draft && !signed && html`<section class="card rxp-sign" aria-labelledby="rxp-sign-h">
					<h2 id="rxp-sign-h" tabindex="-1" ref=${signRef}>Sign prescription ${draft.id}</h2>
					<p>${productName(draft.product)}: ${draft.quantity_figures} (${draft.quantity_words}). ${draft.dose}</p>
					<${StockWarning} product=${draft.product} />
					${dirty ? html`<p class="notice">You changed the draft: save the changes before signing.</p>` :
						html`<form onSubmit=${sign} noValidate>
							<div class=${signAlert ? 'alert' : 'alert alert-empty'} role="alert">${signAlert && html`<p>${signAlert}</p>`}</div>
							<${PharmacyChoice} partners=${partners} product=${draft.product} quantity=${draft.quantity}
								value=${pharmacy} onChange=${(v) => { setPharmacy(v); setPicked(true); }} />
							<div class=${codeError ? 'field field-invalid' : 'field'}>
								<label for="f-code">Code from your authenticator app</label>
								<p class="hint" id="f-code-hint">Signing needs a fresh 6-digit code. Each code works once.</p>
								<${FieldError} id="f-code-error" error=${codeError} />
								<input id="f-code" name="code" data-field="code" class="input-code" inputmode="numeric" autocomplete="one-time-code"
									maxlength="6" pattern="[0-9]*" value=${code} onInput=${(e) => setCode(e.currentTarget.value.replace(/\s/g, ''))}
									aria-invalid=${codeError ? 'true' : undefined} aria-describedby=${`f-code-hint${codeError ? ' f-code-error' : ''}`} />
							</div>
							<button type="submit" class="button" disabled=${signing}>${signing ? 'Signing…' : 'Sign prescription'}</button>
						</form>`}
				</section>`}
			</div>
		</div>
		<${RxList} list=${list} onContinue=${signed ? null : continueDraft} onChanged=${(x) => {
			loadList();
			setRefresh((n) => n + 1);
			if (draft && draft.id === x.id)
				setDraft(null);
		}} />
	<//>`;
}
