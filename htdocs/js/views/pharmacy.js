// The pharmacist's console (#/pharmacy[/...]; pharmacist, auditor read-only;
// issue 6, helper C; docs/API.md#pharmacy):
//   #/pharmacy            the incoming queue by status, with signature and stock
//   #/pharmacy/{id}       one prescription: the signed document's fields, the
//                         checks, accept / reject / paper received, dispensing
//                         with batch pick (earliest expiry first), the courier
//                         (ShipmentPanel), and its register entries
//   #/pharmacy/stock      stock by product and batch; receipts, expected
//                         deliveries, counts, returns and destruction
//   #/pharmacy/register   the controlled-drug register with product and date
//                         filters, corrections, and CSV download
import { useEffect, useRef, useState } from '/vendor/hooks.js';
import { api } from '../api.js';
import { html, Page } from './ui.js';
import { problemText } from './book.js';
import { dateTimeWords } from './rx-format.js';
import { ShipmentPanel } from './shipments.js';

const STATUS = {
	received: 'Checking',
	out_of_stock: 'Out of stock',
	awaiting_paper: 'Waiting for the paper original',
	accepted: 'Accepted: ready to dispense',
	dispensed: 'Dispensed',
	shipped: 'With the courier',
	delivered: 'Delivered or collected',
	rejected: 'Rejected',
	cancelled: 'Cancelled by the clinic',
};
const TABS = ['', 'accepted', 'awaiting_paper', 'out_of_stock', 'received', 'dispensed', 'shipped', 'delivered',
	'rejected', 'cancelled'];
const SIGNATURE = { valid: 'Signature valid', invalid: 'Signature NOT valid', pending: 'Signature not checked yet' };
const KIND = {
	receipt: 'Received', supply: 'Supplied', return: 'Returned to supplier', destruction: 'Destroyed',
	adjustment: 'Stock count adjustment', correction: 'Correction',
};
const FORMS = ['flower', 'oil', 'capsule', 'vape_cartridge', 'pastille', 'spray'];

// 12500 mg → "12.5 g"; 5000 ul → "5 ml"; 30 each → "30".
export function qty(n, unit) {
	if (n === null || n === undefined)
		return '';
	const neg = n < 0;
	const a = Math.abs(n);
	let s;
	if (unit === 'mg' && a >= 1000)
		s = `${(a / 1000).toLocaleString('en-GB', { maximumFractionDigits: 3 })} g`;
	else if (unit === 'ul')
		s = `${(a / 1000).toLocaleString('en-GB', { maximumFractionDigits: 3 })} ml`;
	else if (unit === 'each')
		s = a.toLocaleString('en-GB');
	else
		s = `${a.toLocaleString('en-GB')} ${unit || ''}`.trim();
	return neg ? `−${s}` : s;
}

function badge(status) {
	if (status === 'accepted' || status === 'delivered' || status === 'dispensed' || status === 'shipped')
		return 'badge badge-done';
	if (status === 'rejected' || status === 'out_of_stock' || status === 'cancelled')
		return 'badge badge-action';
	return 'badge';
}

function Loading() {
	return html`<p class="loading" role="status"><span class="spinner" aria-hidden="true"></span>Loading…</p>`;
}

function Nav({ here }) {
	const links = [['#/pharmacy', 'Prescriptions', 'queue'], ['#/pharmacy/stock', 'Stock', 'stock'],
		['#/pharmacy/register', 'Register', 'register']];
	return html`<nav class="ph-nav" aria-label="Pharmacy">
		${links.map(([href, label, key]) => html`<a key=${key} href=${href} class=${here === key ? 'button button-small' : 'button button-small button-secondary'}
			aria-current=${here === key ? 'page' : undefined}>${label}</a>`)}
	</nav>`;
}

// ---- the queue ----

function Queue({ readOnly }) {
	const [status, setStatus] = useState('');
	const [items, setItems] = useState(null);
	const [error, setError] = useState(null);
	useEffect(() => {
		let live = true;
		setItems(null);
		api('GET', `/api/v1/pharmacy/prescriptions${status ? `?status=${status}` : ''}`).then((res) => {
			if (!live)
				return;
			if (res.ok) {
				setItems(res.data.items || []);
				setError(null);
			} else if (res.status !== 401)
				setError(problemText(res));
		});
		return () => { live = false; };
	}, [status]);
	return html`<${Page} title="Pharmacy" wide>
		<${Nav} here="queue" />
		${readOnly && html`<p class="notice">You can read the pharmacy's records; only pharmacists change them.</p>`}
		<div class="tabs" role="group" aria-label="Which prescriptions">
			${TABS.map((s) => html`<button type="button" key=${s || 'all'} aria-pressed=${status === s ? 'true' : 'false'}
				class=${status === s ? 'button button-small' : 'button button-small button-secondary'}
				onClick=${() => setStatus(s)}>${s ? STATUS[s] : 'All'}</button>`)}
		</div>
		${error && html`<p class="alert" role="alert">${error}</p>`}
		${items === null && !error && html`<${Loading} />`}
		${items && html`<p role="status" class="muted">${items.length === 0 ? 'Nothing here.' :
			`${items.length} prescription${items.length === 1 ? '' : 's'}, newest first.`}</p>`}
		${items && items.length > 0 && html`<ul class="rx-list">${items.map((x) => html`<li class="rx-item" key=${x.id}>
			<h2 class="rx-item-name"><a href=${`#/pharmacy/${x.id}`}>${x.patient_name || `Clinic prescription ${x.clinic_prescription_id}`}</a></h2>
			<p class="rx-item-status">
				<span class=${badge(x.status)}>${STATUS[x.status] || x.status}</span>
				${' '}<span class=${x.signature_status === 'invalid' ? 'badge badge-action' : 'badge'}>${SIGNATURE[x.signature_status]}</span>
			</p>
			<p class="rx-product-meta">${x.product ? `${x.product}: ${qty(x.quantity, x.unit)}` : 'Product not yet known'}
				${x.stock_available !== null && x.stock_available !== undefined ? ` · ${qty(x.stock_available, x.unit)} available` : ''}
				${x.expected_date ? ` · delivery expected ${x.expected_date}` : ''}</p>
			<p class="muted">Received ${dateTimeWords(x.received_at)} · clinic prescription ${x.clinic_prescription_id}</p>
		</li>`)}</ul>`}
	<//>`;
}

// ---- one prescription ----

function DocFacts({ rx }) {
	const d = rx.document || {};
	const p = d.patient || {};
	const pr = d.product || {};
	const q = d.quantity || {};
	const by = d.prescriber || {};
	return html`<section class="card" aria-labelledby="doc-h">
		<h2 id="doc-h">The signed prescription</h2>
		<dl class="facts">
			<dt>Patient</dt><dd>${p.name || '—'}${p.date_of_birth ? `, born ${p.date_of_birth}` : ''}</dd>
			<dt>Address</dt><dd>${p.address || html`<strong>missing</strong>`}</dd>
			<dt>Product</dt><dd>${[pr.brand, pr.name].filter(Boolean).join(' ')}${pr.form ? ` (${pr.form.replace('_', ' ')})` : ''}${pr.supplier ? `, ${pr.supplier}` : ''}</dd>
			<dt>Strength</dt><dd>${pr.strength || '—'}</dd>
			<dt>Dose</dt><dd class="rx-dose">${d.dose || '—'}</dd>
			<dt>Quantity</dt><dd>${q.figures || qty(q.amount, q.unit)}${q.words ? ` (${q.words})` : ''}</dd>
			${d.instalments && html`<dt>Instalments</dt><dd>${d.instalments.figures} every ${d.instalments.interval_days} days</dd>`}
			<dt>Valid</dt><dd>from ${d.valid_from || '—'} until ${dateTimeWords(d.valid_until)}</dd>
			<dt>Issued</dt><dd>${dateTimeWords(d.issued_at)}</dd>
			<dt>Prescriber</dt><dd>${by.name || '—'}${by.registration_number ? `, GMC ${by.registration_number}` : ''}${by.specialist ? ' (specialist)' : ''}</dd>
			<dt>Practice</dt><dd>${[by.practice, by.address].filter(Boolean).join(', ') || '—'}</dd>
			<dt>Paper original</dt><dd>${d.paper_original_required ? (rx.paper_received_at ? `required; received ${dateTimeWords(rx.paper_received_at)}` : 'required; not received yet') : 'not required'}</dd>
			<dt>Signing key</dt><dd><code class="rx-fingerprint">${rx.key_fingerprint}</code></dd>
		</dl>
	</section>`;
}

function Checks({ rx }) {
	const cr = rx.check_result || {};
	const reasons = cr.reasons || [];
	const missing = cr.missing || [];
	return html`<section class="card" aria-labelledby="checks-h">
		<h2 id="checks-h">Checks</h2>
		<p><span class=${rx.signature_status === 'invalid' ? 'badge badge-action' : 'badge'}>${SIGNATURE[rx.signature_status]}</span></p>
		${rx.status === 'received' && html`<p>The prescriber's published key is being fetched from the clinic; the checks run as soon as it arrives.</p>`}
		${reasons.length > 0 && html`<ul class="reasons">${reasons.map((r, i) => html`<li key=${i}><strong>${r.code}</strong>: ${r.message}</li>`)}</ul>`}
		${missing.length > 0 && html`<p>Not enough stock: ${missing.map((m) => `${qty(m.needed, m.unit)} needed, ${qty(m.available, m.unit)} available`).join('; ')}.
			${cr.expected_date ? ` A delivery that covers it is expected on ${cr.expected_date}.` : ' No delivery that covers it is expected yet.'}</p>`}
		${reasons.length === 0 && missing.length === 0 && rx.signature_status === 'valid' &&
			html`<p>Signature, every required field, the 28-day validity, the product and the stock were checked.</p>`}
		${rx.reservation && html`<p>Reserved: ${qty(rx.reservation.quantity, rx.unit)} (${rx.reservation.status}).</p>`}
	</section>`;
}

// Earliest expiry first: the batches that make up the quantity.
function suggest(batches, need) {
	const out = {};
	let left = need || 0;
	for (const b of batches || []) {
		if (left <= 0)
			break;
		const take = Math.min(b.on_hand, left);
		out[b.id] = String(take);
		left -= take;
	}
	return out;
}

function Dispense({ rx, onDone }) {
	const [picks, setPicks] = useState(() => suggest(rx.batches, rx.quantity));
	const [method, setMethod] = useState('collection');
	const [collector, setCollector] = useState(rx.patient_name || '');
	const [idReq, setIdReq] = useState(true);
	const [idProv, setIdProv] = useState(true);
	const [error, setError] = useState(null);
	const [busy, setBusy] = useState(false);
	const total = Object.values(picks).reduce((a, v) => a + (parseInt(v, 10) || 0), 0);

	async function submit(e) {
		e.preventDefault();
		const batches = Object.entries(picks).filter(([, v]) => parseInt(v, 10) > 0)
			.map(([id, v]) => ({ batch_id: Number(id), quantity: parseInt(v, 10) }));
		if (total !== rx.quantity) {
			setError(`The batches add up to ${qty(total, rx.unit)}; the prescription is for ${qty(rx.quantity, rx.unit)}.`);
			return;
		}
		if (method === 'collection' && !collector.trim()) {
			setError('Say who collected: the patient, a representative or a healthcare professional, by name.');
			return;
		}
		setBusy(true);
		const body = { batches, method, id_requested: idReq, id_provided: idProv };
		if (collector.trim())
			body.collector = collector.trim();
		const res = await api('POST', `/api/v1/pharmacy/prescriptions/${rx.id}/dispense`, body);
		setBusy(false);
		if (res.ok)
			onDone(res.data, method === 'collection' ? 'Dispensed and collected: the register has the supply.' :
				'Dispensed for delivery: book the courier below.');
		else if (res.status !== 401)
			setError(problemText(res));
	}
	return html`<section class="card" aria-labelledby="disp-h">
		<h2 id="disp-h">Dispense</h2>
		<form onSubmit=${submit} class="ph-form">
			${error && html`<p class="alert" role="alert">${error}</p>`}
			<fieldset class="field">
				<legend>Batches (earliest expiry first)</legend>
				<p class="hint">Take ${qty(rx.quantity, rx.unit)} in ${rx.unit === 'each' ? 'units' : rx.unit} from one or more batches.</p>
				${(rx.batches || []).length === 0 && html`<p>No unexpired stock of this product.</p>`}
				${(rx.batches || []).map((b) => html`<div class="field" key=${b.id}>
					<label for=${`f-batch-${b.id}`}>Batch ${b.batch_number}, expires ${b.expiry_date}, ${qty(b.on_hand, rx.unit)} on hand</label>
					<input id=${`f-batch-${b.id}`} class="input-number" inputmode="numeric" value=${picks[b.id] || ''}
						onInput=${(e) => setPicks({ ...picks, [b.id]: e.currentTarget.value.trim() })} />
				</div>`)}
				<p role="status">Picked: ${qty(total, rx.unit)} of ${qty(rx.quantity, rx.unit)}</p>
			</fieldset>
			<fieldset class="field choices">
				<legend>How it leaves the pharmacy</legend>
				${[['collection', 'Collected here'], ['courier', 'Sent by courier']].map(([v, l]) => html`<div class="choice" key=${v}>
					<input type="radio" id=${`f-method-${v}`} name="method" value=${v} checked=${method === v}
						onChange=${() => setMethod(v)} />
					<label for=${`f-method-${v}`}>${l}</label>
				</div>`)}
			</fieldset>
			${method === 'collection' && html`<div class="field">
				<label for="f-collector">Collected by</label>
				<p class="hint" id="f-collector-hint">The patient, a representative or a healthcare professional (name, and address for a professional)</p>
				<input id="f-collector" value=${collector} aria-describedby="f-collector-hint" onInput=${(e) => setCollector(e.currentTarget.value)} />
			</div>`}
			<fieldset class="field choices">
				<legend>Identity</legend>
				<div class="choice"><input type="checkbox" id="f-idreq" checked=${idReq} onChange=${(e) => setIdReq(e.currentTarget.checked)} />
					<label for="f-idreq">ID was requested</label></div>
				<div class="choice"><input type="checkbox" id="f-idprov" checked=${idProv} onChange=${(e) => setIdProv(e.currentTarget.checked)} />
					<label for="f-idprov">ID was provided</label></div>
			</fieldset>
			<p class="actions"><button type="submit" class="button" disabled=${busy}>${busy ? 'Dispensing…' : 'Dispense and record in the register'}</button></p>
		</form>
	</section>`;
}

function Reject({ rx, onDone }) {
	const [reason, setReason] = useState('');
	const [error, setError] = useState(null);
	const [busy, setBusy] = useState(false);
	async function submit(e) {
		e.preventDefault();
		if (reason.trim().length < 3) {
			setError('Say why, in a few words: the clinic and the patient are told.');
			return;
		}
		setBusy(true);
		const res = await api('POST', `/api/v1/pharmacy/prescriptions/${rx.id}/reject`, { reason: reason.trim() });
		setBusy(false);
		if (res.ok)
			onDone(res.data, 'Rejected: the clinic is told why.');
		else if (res.status !== 401)
			setError(problemText(res));
	}
	return html`<details class="card">
		<summary>Reject this prescription</summary>
		<form onSubmit=${submit} class="ph-form">
			${error && html`<p class="alert" role="alert">${error}</p>`}
			<div class="field">
				<label for="f-reject">Reason</label>
				<textarea id="f-reject" rows="3" value=${reason} onInput=${(e) => setReason(e.currentTarget.value)}></textarea>
			</div>
			<p class="actions"><button type="submit" class="button button-danger" disabled=${busy}>Reject</button></p>
		</form>
	</details>`;
}

function Prescription({ id, readOnly }) {
	const [rx, setRx] = useState(null);
	const [error, setError] = useState(null);
	const [done, setDone] = useState(null);
	const [busy, setBusy] = useState(false);
	const [tick, setTick] = useState(0);
	useEffect(() => {
		api('GET', `/api/v1/pharmacy/prescriptions/${id}`).then((res) => {
			if (res.ok) {
				setRx(res.data);
				setError(null);
			} else if (res.status !== 401)
				setError(problemText(res));
		});
	}, [id, tick]);
	// while the key is being fetched, look again
	useEffect(() => {
		if (!rx || rx.status !== 'received')
			return undefined;
		const t = setTimeout(() => setTick((n) => n + 1), 3000);
		return () => clearTimeout(t);
	}, [rx, tick]);

	function changed(data, words) {
		if (data && data.id)
			setRx(data);
		setDone(words);
	}
	async function act(path, words) {
		setBusy(true);
		const res = await api('POST', `/api/v1/pharmacy/prescriptions/${id}/${path}`);
		setBusy(false);
		if (res.ok)
			changed(res.data, words);
		else if (res.status !== 401) {
			setError(problemText(res));
			setTick((n) => n + 1);
		}
	}
	const title = rx ? `Prescription for ${rx.patient_name || (rx.document && rx.document.patient && rx.document.patient.name) || 'a patient'}` : 'Prescription';
	const courier = rx && (rx.dispenses || []).some((d) => d.method === 'courier');
	const open = rx && ['received', 'out_of_stock', 'awaiting_paper', 'accepted'].includes(rx.status);
	return html`<${Page} title=${title} wide>
		<${Nav} here="queue" />
		<p><a href="#/pharmacy">Back to the queue</a></p>
		<div class=${done ? 'alert alert-ok' : 'alert alert-empty'} role="status">${done && html`<p>${done}</p>`}</div>
		${error && html`<p class="alert" role="alert">${error}</p>`}
		${!rx && !error && html`<${Loading} />`}
		${rx && html`
			<p class="rx-status-line"><span class=${badge(rx.status)} data-ph-status=${rx.status}>${STATUS[rx.status] || rx.status}</span>
				<span class="muted"> since ${dateTimeWords(rx.status_changed_at)} · clinic prescription ${rx.clinic_prescription_id}</span></p>
			${!readOnly && (rx.status === 'out_of_stock' || rx.status === 'received') && html`<p class="actions">
				<button type="button" class="button" disabled=${busy} onClick=${() => act('accept', 'Checked again.')}>Check again and reserve stock</button></p>`}
			${!readOnly && rx.status === 'awaiting_paper' && html`<p class="actions">
				<button type="button" class="button" disabled=${busy} onClick=${() => act('paper-received', 'Paper original recorded: the prescription is accepted.')}>The paper original has arrived</button></p>`}
			<${Checks} rx=${rx} />
			<${DocFacts} rx=${rx} />
			${!readOnly && rx.status === 'accepted' && html`<${Dispense} rx=${rx} onDone=${changed} />`}
			${(rx.dispenses || []).length > 0 && html`<section class="card" aria-labelledby="dd-h">
				<h2 id="dd-h">Dispensed</h2>
				<ul class="rx-files">${rx.dispenses.map((d) => html`<li key=${d.id}>${qty(d.quantity, rx.unit)} from batch ${d.batch_number}
					(expires ${d.expiry_date}), ${d.method === 'courier' ? 'by courier' : `collected by ${d.collector}`},
					ID ${d.id_requested ? 'requested' : 'not requested'} and ${d.id_provided ? 'provided' : 'not provided'}, ${dateTimeWords(d.at)}</li>`)}</ul>
			</section>`}
			${courier && html`<${ShipmentPanel} rx=${rx} onChange=${() => setTick((n) => n + 1)} />`}
			${(rx.register || []).length > 0 && html`<section class="card" aria-labelledby="reg-h">
				<h2 id="reg-h">Register entries</h2>
				<ul class="rx-files">${rx.register.map((g) => html`<li key=${g.id}>Entry ${g.id}: ${KIND[g.kind] || g.kind} ${qty(g.quantity, rx.unit)},
					balance ${qty(g.balance, rx.unit)}, ${dateTimeWords(g.at)}</li>`)}</ul>
			</section>`}
			${!readOnly && open && html`<${Reject} rx=${rx} onDone=${changed} />`}
		`}
	<//>`;
}

// ---- stock ----

function useStock(tick) {
	const [stock, setStock] = useState(null);
	const [error, setError] = useState(null);
	useEffect(() => {
		api('GET', '/api/v1/pharmacy/stock').then((res) => {
			if (res.ok) {
				setStock(res.data.items || []);
				setError(null);
			} else if (res.status !== 401)
				setError(problemText(res));
		});
	}, [tick]);
	return [stock, error];
}

function productLabel(p) {
	return `${p.brand} ${p.name}`;
}

// A small form: fields [{name, label, type (int|bool|date), hint, options: [[value, label]],
// required, inPath}] → method (POST) to path, or to pathOf(values) (inPath fields are not sent).
function ActionForm({ id, title, path, pathOf, method = 'POST', fields, submitLabel, onDone, initial = {} }) {
	const [values, setValues] = useState(initial);
	const [errors, setErrors] = useState({});
	const [alert, setAlert] = useState(null);
	const [busy, setBusy] = useState(false);
	async function submit(e) {
		e.preventDefault();
		const body = {};
		for (const f of fields) {
			const v = (values[f.name] ?? '').toString().trim();
			if (v === '' || f.inPath)
				continue;
			body[f.name] = f.type === 'int' ? Number(v) : f.type === 'bool' ? v === 'true' : v;
		}
		const to = pathOf ? pathOf(values) : path;
		if (!to) {
			setAlert('Choose what to change first.');
			return;
		}
		setBusy(true);
		const res = await api(method, to, body);
		setBusy(false);
		if (res.ok) {
			setErrors({});
			setAlert(null);
			setValues(initial);
			onDone(res.data);
		} else if (res.status !== 401) {
			const errs = {};
			for (const x of res.problem.errors || [])
				errs[x.field] = x.detail;
			setErrors(errs);
			setAlert(Object.keys(errs).length ? 'Some fields need attention.' : problemText(res));
		}
	}
	return html`<section class="card" aria-labelledby=${`${id}-h`}>
		<h2 id=${`${id}-h`}>${title}</h2>
		<form onSubmit=${submit} class="ph-form" id=${id}>
			<div class=${alert ? 'alert' : 'alert alert-empty'} role="alert">${alert && html`<p>${alert}</p>`}</div>
			<div class="field-row">
			${fields.map((f) => {
				const fid = `f-${id}-${f.name}`;
				const err = errors[f.name];
				const desc = [f.hint && `${fid}-hint`, err && `${fid}-error`].filter(Boolean).join(' ') || undefined;
				const set = (e) => setValues({ ...values, [f.name]: e.currentTarget.value });
				return html`<div class=${err ? 'field field-invalid' : 'field'} key=${f.name}>
					<label for=${fid}>${f.label}${f.required ? '' : html` <span class="optional">(optional)</span>`}</label>
					${f.hint && html`<p class="hint" id=${`${fid}-hint`}>${f.hint}</p>`}
					${err && html`<p class="field-error" id=${`${fid}-error`}><span class="visually-hidden">Error: </span>${err}</p>`}
					${f.options ? html`<select id=${fid} value=${values[f.name] ?? ''} onChange=${set} aria-describedby=${desc}
							aria-invalid=${err ? 'true' : undefined}>
							<option value="">Choose…</option>
							${f.options.map(([v, l]) => html`<option value=${v} key=${v}>${l}</option>`)}
						</select>` :
						html`<input id=${fid} type=${f.type === 'date' ? 'date' : 'text'} inputmode=${f.type === 'int' ? 'numeric' : undefined}
							value=${values[f.name] ?? ''} onInput=${set} aria-describedby=${desc} aria-invalid=${err ? 'true' : undefined} />`}
				</div>`;
			})}
			</div>
			<p class="actions"><button type="submit" class="button" disabled=${busy}>${busy ? 'Saving…' : submitLabel}</button></p>
		</form>
	</section>`;
}

function Stock({ readOnly }) {
	const [tick, setTick] = useState(0);
	const [stock, error] = useStock(tick);
	const [done, setDone] = useState(null);
	const products = (stock || []).map((p) => [String(p.id), `${productLabel(p)} (${p.supply_unit})`]);
	const batches = (stock || []).flatMap((p) => (p.batches || []).filter((b) => b.on_hand > 0)
		.map((b) => [String(b.id), `${productLabel(p)}, batch ${b.batch_number} (${qty(b.on_hand, p.supply_unit)})`]));
	const awaited = (stock || []).flatMap((p) => (p.expected || [])
		.map((x) => [String(x.id), `${productLabel(p)}: ${qty(x.quantity, p.supply_unit)} due ${x.expected_date}`]));
	const after = (words) => (data) => {
		setDone(typeof words === 'function' ? words(data) : words);
		setTick((n) => n + 1);
	};
	return html`<${Page} title="Stock" wide>
		<${Nav} here="stock" />
		<div class=${done ? 'alert alert-ok' : 'alert alert-empty'} role="status">${done && html`<p>${done}</p>`}</div>
		${error && html`<p class="alert" role="alert">${error}</p>`}
		${!stock && !error && html`<${Loading} />`}
		${stock && html`<section class="card" aria-labelledby="stock-h">
			<h2 id="stock-h">On the shelves</h2>
			<p class="muted">Quantities in each product's supply unit; available is unexpired stock less what is reserved for accepted prescriptions.</p>
			<ul class="rx-products">${stock.map((p) => html`<li class="rx-product" key=${p.id} data-product=${p.id}>
				<h3 class="rx-product-name">${productLabel(p)}${!p.active ? ' (not stocked)' : ''}</h3>
				<p class="rx-product-meta">${p.supplier} · ${p.form.replace('_', ' ')} · ${p.clinic_product_id ? `clinic product ${p.clinic_product_id}` : 'not matched to a clinic product'}</p>
				<p><span class=${p.available > 0 ? 'badge badge-done' : 'badge badge-action'} data-available=${p.available}>${qty(p.available, p.supply_unit)} available</span>
					<span class="muted"> · ${qty(p.on_hand, p.supply_unit)} on hand · ${qty(p.reserved, p.supply_unit)} reserved${p.expired_on_hand ? ` · ${qty(p.expired_on_hand, p.supply_unit)} expired` : ''}</span></p>
				${(p.batches || []).length > 0 && html`<ul class="rx-files">${p.batches.map((b) => html`<li key=${b.id}>Batch ${b.batch_number}:
					${qty(b.on_hand, p.supply_unit)} of ${qty(b.received_qty, p.supply_unit)}, expires ${b.expiry_date}${b.expired ? ' (expired)' : ''}</li>`)}</ul>`}
				${(p.expected || []).length > 0 && html`<p>Expected: ${p.expected.map((x) => `${qty(x.quantity, p.supply_unit)} on ${x.expected_date}`).join('; ')}</p>`}
				${(p.counts || []).length > 0 && html`<p class="muted">Last count: ${dateTimeWords(p.counts[0].at)}, batch ${p.counts[0].batch_number},
					${p.counts[0].discrepancy === 0 ? 'as the books say' : `difference ${qty(p.counts[0].discrepancy, p.supply_unit)}`}</p>`}
			</li>`)}</ul>
		</section>`}
		${stock && !readOnly && html`
			<${ActionForm} id="receive" title="Receive stock" path="/api/v1/pharmacy/receipts" submitLabel="Record the receipt"
				onDone=${after((d) => `Received: batch recorded in the register (entry ${d.register_id}).${(d.rechecked || []).some((x) => x.status === 'accepted') ? ' Waiting prescriptions were accepted.' : ''}`)}
				fields=${[
					{ name: 'product_id', label: 'Product', type: 'int', options: products, required: true },
					{ name: 'supplier', label: 'Supplier', required: true },
					{ name: 'supplier_address', label: 'Supplier address' },
					{ name: 'batch_number', label: 'Batch number', required: true },
					{ name: 'expiry_date', label: 'Expiry date', type: 'date', required: true },
					{ name: 'quantity', label: 'Quantity', type: 'int', hint: 'In the supply unit: mg, µl or units', required: true },
					{ name: 'thc_ug_per_unit', label: 'THC per unit (µg)', type: 'int', hint: 'Micrograms per mg, µl or unit', required: true },
					{ name: 'cbd_ug_per_unit', label: 'CBD per unit (µg)', type: 'int', hint: 'Micrograms per mg, µl or unit', required: true },
					{ name: 'expected_id', label: 'The awaited delivery it is', type: 'int', options: awaited },
				]} />
			<${ActionForm} id="expected" title="Expected delivery" path="/api/v1/pharmacy/expected" submitLabel="Record the expected delivery"
				onDone=${after('Expected delivery recorded: out-of-stock answers give its date.')}
				fields=${[
					{ name: 'product_id', label: 'Product', type: 'int', options: products, required: true },
					{ name: 'quantity', label: 'Quantity', type: 'int', required: true },
					{ name: 'expected_date', label: 'Expected on', type: 'date', required: true },
					{ name: 'note', label: 'Note' },
				]} />
			<${ActionForm} id="count" title="Stock count" path="/api/v1/pharmacy/counts" submitLabel="Record the count"
				onDone=${after((d) => (d.discrepancy === 0 ? 'Counted: as the books say.' : `Counted: a difference of ${d.discrepancy} was recorded in the register.`))}
				fields=${[
					{ name: 'batch_id', label: 'Batch', type: 'int', options: batches, required: true },
					{ name: 'counted', label: 'Counted quantity', type: 'int', required: true },
					{ name: 'note', label: 'Note', hint: 'Required when the count differs from the books' },
				]} />
			<${ActionForm} id="stockout" title="Return or destroy stock" path="/api/v1/pharmacy/stock-out" submitLabel="Record it"
				onDone=${after('Recorded in the register.')}
				fields=${[
					{ name: 'batch_id', label: 'Batch', type: 'int', options: batches, required: true },
					{ name: 'quantity', label: 'Quantity', type: 'int', required: true },
					{ name: 'kind', label: 'What happens to it', options: [['return', 'Returned to the supplier'], ['destruction', 'Destroyed']], required: true },
					{ name: 'reason', label: 'Reason', required: true },
					{ name: 'witness', label: 'Witness', hint: 'Required for a destruction: name and role of the authorised witness' },
				]} />
			<${ActionForm} id="mapping" title="Match a product to the clinic's formulary" method="PUT"
				pathOf=${(v) => (v.product ? `/api/v1/pharmacy/products/${v.product}` : null)} submitLabel="Save"
				onDone=${after('Saved: stock messages to the clinic name the clinic product.')}
				fields=${[
					{ name: 'product', label: 'Product', options: products, required: true, inPath: true },
					{ name: 'clinic_product_id', label: 'Clinic product number', type: 'int', hint: '0 removes the match' },
					{ name: 'active', label: 'Stocked', type: 'bool', options: [['true', 'Yes'], ['false', 'No: not stocked any more']] },
				]} />
			<${ActionForm} id="product" title="Add a product" path="/api/v1/pharmacy/products" submitLabel="Add the product"
				onDone=${after('Product added.')}
				fields=${[
					{ name: 'supplier', label: 'Supplier', required: true },
					{ name: 'brand', label: 'Brand', required: true },
					{ name: 'name', label: 'Name', required: true },
					{ name: 'form', label: 'Form', options: FORMS.map((f) => [f, f.replace('_', ' ')]), required: true },
					{ name: 'supply_unit', label: 'Supply unit', options: [['mg', 'mg'], ['ul', 'µl'], ['each', 'each']], required: true },
					{ name: 'pack_size', label: 'Pack size', type: 'int', required: true },
					{ name: 'clinic_product_id', label: 'Clinic product number', type: 'int', hint: 'The clinic formulary product this fills' },
				]} />`}
	<//>`;
}

// ---- the register ----

function Register({ readOnly }) {
	const [tick, setTick] = useState(0);
	const [stock] = useStock(0);
	const [product, setProduct] = useState('');
	const [from, setFrom] = useState('');
	const [to, setTo] = useState('');
	const [shown, setShown] = useState('');
	const [rows, setRows] = useState(null);
	const [next, setNext] = useState(null);
	const [error, setError] = useState(null);
	const [done, setDone] = useState(null);
	const query = [product && `product=${product}`, from && `from=${from}`, to && `to=${to}`].filter(Boolean).join('&');
	const [loadingMore, setLoadingMore] = useState(false);
	const seq = useRef(0);	// a newer request makes older answers stale
	const firstNew = useRef(null);
	// The register comes a page at a time (next_after: where the next one starts).
	async function load(e) {
		if (e)
			e.preventDefault();
		const mine = ++seq.current;
		setLoadingMore(false);
		const res = await api('GET', `/api/v1/pharmacy/register${query ? `?${query}` : ''}`);
		if (mine !== seq.current)
			return;
		if (res.ok) {
			setRows(res.data.items || []);
			setNext(res.data.next_after ?? null);
			setShown(query);
			setError(null);
		} else if (res.status !== 401)
			setError(problemText(res));
	}
	async function more() {
		if (loadingMore || next === null)
			return;
		const mine = ++seq.current;
		setLoadingMore(true);
		const res = await api('GET', `/api/v1/pharmacy/register?${shown ? `${shown}&` : ''}after=${next}`);
		if (mine !== seq.current)
			return;
		setLoadingMore(false);
		if (res.ok) {
			const items = res.data.items || [];
			firstNew.current = items.length > 0 ? items[0].id : null;
			setRows((had) => [...had, ...items]);
			setNext(res.data.next_after ?? null);
			setError(null);
		} else if (res.status !== 401)
			setError(problemText(res));
	}
	// After "Show more", focus moves to the first entry that came (the button may be gone).
	useEffect(() => {
		if (firstNew.current === null)
			return;
		const th = document.querySelector(`.ph-register tr[data-entry="${firstNew.current}"] th`);
		firstNew.current = null;
		if (th) {
			th.setAttribute('tabindex', '-1');
			th.focus();
		}
	}, [rows]);
	useEffect(() => { load(); }, [tick]);
	const csv = `/api/v1/pharmacy/register?${shown ? `${shown}&` : ''}format=csv`;
	return html`<${Page} title="Controlled drugs register" wide>
		<${Nav} here="register" />
		<div class=${done ? 'alert alert-ok' : 'alert alert-empty'} role="status">${done && html`<p>${done}</p>`}</div>
		<section class="card" aria-labelledby="regf-h">
			<h2 id="regf-h">Which entries</h2>
			<form onSubmit=${load} class="ph-form">
				<div class="field-row">
					<div class="field">
						<label for="f-reg-product">Product</label>
						<select id="f-reg-product" value=${product} onChange=${(e) => setProduct(e.currentTarget.value)}>
							<option value="">Every product</option>
							${(stock || []).map((p) => html`<option value=${String(p.id)} key=${p.id}>${productLabel(p)}</option>`)}
						</select>
					</div>
					<div class="field">
						<label for="f-reg-from">From</label>
						<input id="f-reg-from" type="date" value=${from} onInput=${(e) => setFrom(e.currentTarget.value)} />
					</div>
					<div class="field">
						<label for="f-reg-to">To</label>
						<input id="f-reg-to" type="date" value=${to} onInput=${(e) => setTo(e.currentTarget.value)} />
					</div>
				</div>
				<p class="actions"><button type="submit" class="button">Show entries</button>
					<a class="button button-secondary" href=${csv} download="cd-register.csv">Download CSV</a></p>
			</form>
		</section>
		${error && html`<p class="alert" role="alert">${error}</p>`}
		${rows === null && !error && html`<${Loading} />`}
		${rows && html`<section class="card" aria-labelledby="rege-h">
			<h2 id="rege-h">Entries</h2>
			<p role="status" class="muted">${rows.length === 0 ? 'No entries.' : `${rows.length} entr${rows.length === 1 ? 'y' : 'ies'}${next !== null ? ' so far' : ''}, by product, oldest first, each with the product's balance after it.${next !== null ? ' More follow: show them below, or download the CSV, which has every entry.' : ''}`}</p>
			${rows.length > 0 && html`<table class="rx-table ph-register">
				<caption class="visually-hidden">Register entries</caption>
				<thead><tr><th scope="col">Entry</th><th scope="col">When</th><th scope="col">Product</th><th scope="col">What</th>
					<th scope="col">Change</th><th scope="col">Balance</th><th scope="col">Batch</th><th scope="col">Details</th></tr></thead>
				<tbody>${rows.map((g) => html`<tr key=${g.id} data-entry=${g.id}>
					<th scope="row" data-label="Entry">Entry ${g.id}</th>
					<td data-label="When">${dateTimeWords(g.at)}</td>
					<td data-label="Product">${g.product}</td>
					<td data-label="What">${KIND[g.kind] || g.kind}${g.corrects_id ? ` of entry ${g.corrects_id}` : ''}</td>
					<td data-label="Change">${qty(g.quantity, g.unit)}</td>
					<td data-label="Balance" class="ph-balance">${qty(g.balance, g.unit)}</td>
					<td data-label="Batch">${g.batch_number || '—'}${g.expiry_date ? `, expires ${g.expiry_date}` : ''}</td>
					<td data-label="Details">${[g.counterparty, g.prescriber && `prescriber ${g.prescriber}`, g.collector && `collected by ${g.collector}`,
						g.id_requested !== null && g.id_requested !== undefined && `ID ${g.id_requested ? 'requested' : 'not requested'}${g.id_provided ? ', provided' : ', not provided'}`,
						g.witness && `witness ${g.witness}`, g.reason, `by ${g.recorded_by}`].filter(Boolean).join('; ')}</td>
				</tr>`)}</tbody>
			</table>`}
			${next !== null && html`<p class="actions"><button type="button" class="button button-secondary" onClick=${more}
				disabled=${loadingMore}>${loadingMore ? 'Loading more entries…' : 'Show more entries'}</button></p>`}
		</section>`}
		${!readOnly && html`<${Correction} onDone=${(d) => { setDone(`Correction recorded as entry ${d.id}; balance now ${d.balance}.`); setTick((n) => n + 1); }} />`}
	<//>`;
}

// A correction is a new entry naming the one it corrects (entries are never edited).
function Correction({ onDone }) {
	const [entry, setEntry] = useState('');
	const [q, setQ] = useState('');
	const [reason, setReason] = useState('');
	const [error, setError] = useState(null);
	async function submit(e) {
		e.preventDefault();
		if (!/^\d+$/.test(entry.trim()) || !/^-?\d+$/.test(q.trim())) {
			setError('Give the entry number and the change as a whole number (negative to take away).');
			return;
		}
		const res = await api('POST', `/api/v1/pharmacy/register/${entry.trim()}/correction`,
			{ quantity: Number(q.trim()), reason: reason.trim() });
		if (res.ok) {
			setError(null);
			setEntry('');
			setQ('');
			setReason('');
			onDone(res.data);
		} else if (res.status !== 401)
			setError(problemText(res));
	}
	return html`<section class="card" aria-labelledby="corr-h">
		<h2 id="corr-h">Correct an entry</h2>
		<p>Entries are never changed: a correction is a new entry that names the one it corrects.</p>
		<form onSubmit=${submit} class="ph-form">
			${error && html`<p class="alert" role="alert">${error}</p>`}
			<div class="field-row">
				<div class="field"><label for="f-corr-entry">Entry number</label>
					<input id="f-corr-entry" inputmode="numeric" value=${entry} onInput=${(e) => setEntry(e.currentTarget.value)} /></div>
				<div class="field"><label for="f-corr-q">Change</label>
					<input id="f-corr-q" value=${q} onInput=${(e) => setQ(e.currentTarget.value)} /></div>
			</div>
			<div class="field"><label for="f-corr-reason">Reason</label>
				<textarea id="f-corr-reason" rows="2" value=${reason} onInput=${(e) => setReason(e.currentTarget.value)}></textarea></div>
			<p class="actions"><button type="submit" class="button">Add the correction</button></p>
		</form>
	</section>`;
}

export function Pharmacy({ session, path }) {
	const readOnly = !session || !session.user || session.user.role !== 'pharmacist';
	const p = (path || '').replace(/^\/+|\/+$/g, '');
	if (p === 'stock')
		return html`<${Stock} readOnly=${readOnly} />`;
	if (p === 'register')
		return html`<${Register} readOnly=${readOnly} />`;
	if (/^\d+$/.test(p))
		return html`<${Prescription} id=${p} readOnly=${readOnly} />`;
	return html`<${Queue} readOnly=${readOnly} />`;
}
