// Prescribing reports (#/rx-reports; admin and auditor). Totals of the
// prescriptions signed over a period, by product, prescriber or patient,
// and every patient's running 30-day totals against their plan's ceilings,
// each with a "Download CSV" link to the same report as a file. Reading a
// report is audited by the API (report.read).
import { useEffect, useState } from '/vendor/hooks.js';
import { api } from '../api.js';
import { html, Page } from './ui.js';
import { localDate, problemText } from './book.js';
import { dateTimeWords, nameOf } from './rx-format.js';

const BY = { product: 'Product', prescriber: 'Prescriber', patient: 'Patient' };

// The report row's key in words: "Harbour Flower 18% (10 g)", "Dr Clara Jones, GMC 7123456", "Ann Lee (12)".
function keyWords(by, k) {
	if (!k)
		return '';
	if (typeof k !== 'object')
		return String(k);
	if (by === 'product')
		return [k.brand, k.name].filter(Boolean).join(' ') + (k.pack_label ? ` (${k.pack_label})` : '') ||
			k.label || String(k.id);
	const name = nameOf(k) || k.label || `#${k.id}`;
	if (by === 'prescriber')
		return k.registration_number ? `${name}, GMC ${k.registration_number}` : name;
	return k.id ? `${name} (patient ${k.id})` : name;
}

function quantityWords(row) {
	if (row.quantity_label)
		return row.quantity_label;
	if (row.quantity && typeof row.quantity === 'object')
		return Object.entries(row.quantity).filter(([, v]) => v).map(([u, v]) => `${v} ${u}`).join(', ') || '0';
	return String(row.quantity ?? '');
}

function firstOfMonth() {
	return `${localDate('Europe/London', 0).slice(0, 8)}01`;
}

function Totals() {
	const [by, setBy] = useState('product');
	const [from, setFrom] = useState(firstOfMonth());
	const [to, setTo] = useState(localDate('Europe/London', 0));
	const [report, setReport] = useState(null);
	const [error, setError] = useState(null);
	const [busy, setBusy] = useState(false);

	const query = `by=${by}&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`;
	async function load(e) {
		if (e)
			e.preventDefault();
		setBusy(true);
		const res = await api('GET', `/api/v1/prescriptions/reports/totals?${query}`);
		setBusy(false);
		if (res.ok) {
			setReport(res.data);
			setError(null);
		} else if (res.status !== 401) {
			setReport(null);
			setError(problemText(res));
		}
	}
	useEffect(() => { load(); }, [by]);

	const rows = report ? report.rows || [] : [];
	return html`<section class="card" aria-labelledby="totals-h">
		<h2 id="totals-h">Totals over a period</h2>
		<p>Prescriptions signed in the period (UK dates, both days included).</p>
		<form class="rx-report-form" onSubmit=${load} aria-label="Choose the report">
			<div class="field-row">
				<div class="field">
					<label for="f-by">Totals by</label>
					<select id="f-by" value=${by} onChange=${(e) => setBy(e.currentTarget.value)}>
						${Object.entries(BY).map(([k, v]) => html`<option value=${k}>${v}</option>`)}
					</select>
				</div>
				<div class="field">
					<label for="f-from">From</label>
					<input id="f-from" type="date" value=${from} onInput=${(e) => setFrom(e.currentTarget.value)} />
				</div>
				<div class="field">
					<label for="f-to">To</label>
					<input id="f-to" type="date" value=${to} onInput=${(e) => setTo(e.currentTarget.value)} />
				</div>
			</div>
			<p class="actions"><button type="submit" class="button" disabled=${busy}>${busy ? 'Loading…' : 'Show totals'}</button></p>
		</form>
		${error && html`<p class="alert" role="alert">${error}</p>`}
		${report && html`
			<p class="actions"><a class="button button-secondary"
				href=${`/api/v1/prescriptions/reports/totals?by=${report.by}&from=${report.from}&to=${report.to}&format=csv`}
				download=${`prescriptions-by-${report.by}-${report.from}-to-${report.to}.csv`}>Download CSV</a></p>
			${rows.length === 0 ? html`<p>No prescriptions were signed in this period.</p>` : html`
			<table class="rx-table">
				<caption class="visually-hidden">Totals by ${(BY[report.by] || "Key").toLowerCase()}, ${report.from} to ${report.to}</caption>
				<thead><tr><th scope="col">${(BY[report.by] || "Key")}</th><th scope="col">Prescriptions</th><th scope="col">Quantity</th>
					<th scope="col">THC</th><th scope="col">CBD</th><th scope="col">Cancelled</th></tr></thead>
				<tbody>${rows.map((r, i) => html`<tr key=${i}>
					<th scope="row" data-label=${(BY[report.by] || "Key")}>${keyWords(report.by, r.key)}</th>
					<td data-label="Prescriptions">${r.prescriptions}</td>
					<td data-label="Quantity">${quantityWords(r)}</td>
					<td data-label="THC">${r.thc_mg ?? 0} mg</td>
					<td data-label="CBD">${r.cbd_mg ?? 0} mg</td>
					<td data-label="Cancelled">${r.cancelled ?? 0}</td>
				</tr>`)}</tbody>
			</table>`}`}
	</section>`;
}

// One line of a running total: "Harbour Flower 18%: 20 g of 30 g".
function usedOf(x) {
	const product = typeof x.product === 'string' ? x.product :
		x.product && [x.product.brand, x.product.name].filter(Boolean).join(' ');
	const what = x.label || x.form_label || product || x.product_name || x.form || '';
	const used = x.used_label || x.used;
	if (x.max === null || x.max === undefined)
		return `${what}: ${used} (the plan sets no limit)`;
	return `${what}: ${used} of ${x.max_label || x.max}`;
}

function Running() {
	const [data, setData] = useState(null);
	const [error, setError] = useState(null);
	const [patient, setPatient] = useState('');
	const [shown, setShown] = useState('');	// the patient number the rows are for ('' = everyone)
	async function load(e) {
		if (e)
			e.preventDefault();
		const one = patient.trim();
		if (one && !/^\d+$/.test(one)) {
			setError('Patient number must be a number, or empty for every patient.');
			return;
		}
		const res = await api('GET', `/api/v1/prescriptions/reports/running${one ? `?patient=${one}` : ''}`);
		if (res.ok) {
			setData(res.data);
			setShown(one);
			setError(null);
		} else if (res.status !== 401)
			setError(problemText(res));
	}
	useEffect(() => { load(); }, []);
	const csv = `/api/v1/prescriptions/reports/running?${shown ? `patient=${shown}&` : ''}format=csv`;
	const rows = data ? data.patients || data.rows || [] : [];
	return html`<section class="card" aria-labelledby="running-h">
		<h2 id="running-h">Running 30-day totals</h2>
		<p>What each patient has had prescribed in the last 30 days, against their plan's limits${data && data.window ?
			` (${dateTimeWords(data.window.from)} to ${dateTimeWords(data.window.to)})` : ''}.</p>
		<form class="rx-report-form" onSubmit=${load} aria-label="Choose the patients">
			<div class="field">
				<label for="f-running-patient">Patient number</label>
				<p class="hint" id="f-running-patient-hint">Leave empty for every patient</p>
				<div class="search-row">
					<input id="f-running-patient" inputmode="numeric" value=${patient} aria-describedby="f-running-patient-hint"
						onInput=${(e) => setPatient(e.currentTarget.value)} />
					<button type="submit" class="button button-secondary">Show</button>
				</div>
			</div>
		</form>
		${error && html`<p class="alert" role="alert">${error}</p>`}
		${!data && !error && html`<p class="loading" role="status"><span class="spinner" aria-hidden="true"></span>Loading…</p>`}
		${data && html`<p class="actions"><a class="button button-secondary" href=${csv}
			download=${shown ? `prescriptions-running-30-days-patient-${shown}.csv` : 'prescriptions-running-30-days.csv'}>Download CSV</a></p>
			${rows.length === 0 ? html`<p>No patient has had a prescription in the last 30 days.</p>` : html`
			<ul class="rx-running">${rows.map((r, i) => {
				const who = r.patient || r.key || {};
				const thc = r.thc || {};
				return html`<li key=${i}>
					<h3 class="rx-item-name">${nameOf(who) || `Patient ${who.id}`}${who.id ? html` <span class="muted">(patient ${who.id})</span>` : ''}</h3>
					<ul class="rx-running-lines">
						${(r.products || r.items || []).map((x) => html`<li>${usedOf(x)}</li>`)}
						${(r.forms || []).map((x) => html`<li>${usedOf(x)}</li>`)}
						${(thc.used_mg !== undefined || r.thc_mg !== undefined) && html`<li>THC: ${thc.used_mg ?? r.thc_mg} mg${
							thc.max_mg ? ` of ${thc.max_mg} mg` : ''}</li>`}
					</ul>
				</li>`;
			})}</ul>`}`}
	</section>`;
}

export function RxReports() {
	return html`<${Page} title="Prescribing reports" wide>
		<${Totals} />
		<${Running} />
	<//>`;
}
