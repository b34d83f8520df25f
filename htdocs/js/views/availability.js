// Availability (#/availability). A clinician edits their weekly hours
// (templates, in the clinic's local time) and exceptions (leave, extra
// sessions); an admin picks the clinician first, and also manages the
// appointment types (length, fee).
import { useEffect, useState } from '/vendor/hooks.js';
import { api } from '../api.js';
import { html, Page } from './ui.js';
import { localDate, money, problemText, zoneLabel } from './book.js';

const ZONE = 'Europe/London';
const WEEKDAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'];

// The offset of zone from UTC at instant t (ms).
function zoneOffset(t, zone) {
	const parts = Object.fromEntries(new Intl.DateTimeFormat('en-US', {
		timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit',
		hour: '2-digit', minute: '2-digit', second: '2-digit',
	}).formatToParts(new Date(t)).map((p) => [p.type, p.value]));
	const asUtc = Date.UTC(+parts.year, +parts.month - 1, +parts.day, +parts.hour % 24, +parts.minute, +parts.second);
	return asUtc - Math.floor(t / 1000) * 1000;
}

// A wall-clock date and time in zone → RFC 3339 UTC.
export function zonedToUtc(date, time, zone = ZONE) {
	const [y, m, d] = date.split('-').map(Number);
	const [hh, mm] = time.split(':').map(Number);
	const guess = Date.UTC(y, m - 1, d, hh, mm);
	let t = guess - zoneOffset(guess, zone);
	t = guess - zoneOffset(t, zone);
	return new Date(t).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

// An instant → "Mon 30 Mar 2026, 09:00" in zone.
function local(instant, zone = ZONE) {
	return new Intl.DateTimeFormat('en-GB', {
		weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit', timeZone: zone,
	}).format(new Date(instant));
}

const hm = (t) => (t || '').slice(0, 5);

function Alerts({ error, ok }) {
	return html`<div class=${error ? 'alert' : 'alert alert-empty'} role="alert">${error && html`<p>${error}</p>`}</div>
		<div class=${ok ? 'alert alert-ok' : 'alert alert-empty'} role="status">${ok && html`<p>${ok}</p>`}</div>`;
}

function Hours({ clinician, admin }) {
	const [rows, setRows] = useState(null);
	const [form, setForm] = useState({ weekday: '1', start_time: '09:00', end_time: '17:00', valid_from: localDate(ZONE, 0), valid_until: '' });
	const [error, setError] = useState(null);
	const [ok, setOk] = useState(null);
	const [busy, setBusy] = useState(false);
	const q = admin ? `?clinician_id=${clinician}` : '';

	async function load() {
		const res = await api('GET', `/api/v1/appointments/availability${q}`);
		if (res.ok)
			setRows(res.data.templates || res.data.availability || []);
		else if (res.status !== 401)
			setError(problemText(res));
	}
	useEffect(() => { setRows(null); load(); }, [clinician]);

	async function add(e) {
		e.preventDefault();
		setError(null);
		setOk(null);
		if (form.start_time >= form.end_time) {
			setError('The end must be after the start.');
			return;
		}
		setBusy(true);
		const body = { weekday: Number(form.weekday), start_time: form.start_time, end_time: form.end_time, valid_from: form.valid_from };
		if (form.valid_until)
			body.valid_until = form.valid_until;
		if (admin)
			body.clinician_id = Number(clinician);
		const res = await api('POST', '/api/v1/appointments/availability', body);
		setBusy(false);
		if (res.ok) {
			setOk(`Added ${WEEKDAYS[form.weekday - 1]} ${form.start_time}–${form.end_time}.`);
			load();
		} else if (res.status !== 401)
			setError(problemText(res));
	}
	async function remove(r) {
		setError(null);
		const res = await api('DELETE', `/api/v1/appointments/availability/${r.id}`);
		if (res.ok) {
			setOk(`Removed ${WEEKDAYS[r.weekday - 1]} ${hm(r.start_time)}–${hm(r.end_time)}.`);
			load();
		} else if (res.status !== 401)
			setError(problemText(res));
	}
	const set = (k) => (e) => setForm({ ...form, [k]: e.currentTarget.value });
	const sorted = (rows || []).slice().sort((a, b) => a.weekday - b.weekday || hm(a.start_time).localeCompare(hm(b.start_time)));
	return html`<section class="card" aria-labelledby="hours-h">
		<h2 id="hours-h">Weekly hours</h2>
		<p class="hint">In ${zoneLabel(ZONE)}. Patients can book any free time inside these hours.</p>
		<${Alerts} error=${error} ok=${ok} />
		${rows === null ? html`<p class="loading" role="status">Loading…</p>` : sorted.length === 0 ?
			html`<p>No weekly hours yet: patients cannot book you.</p>` :
			html`<ul class="avail-list">${sorted.map((r) => html`<li>
				<span><strong>${WEEKDAYS[r.weekday - 1]}</strong> ${hm(r.start_time)}–${hm(r.end_time)}
					<span class="muted">${r.valid_until ? ` from ${r.valid_from} to ${r.valid_until}` : r.valid_from > localDate(ZONE, 0) ? ` from ${r.valid_from}` : ''}</span></span>
				<button type="button" class="button button-secondary button-small"
					aria-label=${`Remove ${WEEKDAYS[r.weekday - 1]} ${hm(r.start_time)} to ${hm(r.end_time)}`}
					onClick=${() => remove(r)}>Remove</button>
			</li>`)}</ul>`}
		<form class="avail-form" onSubmit=${add} noValidate>
			<h3>Add hours</h3>
			<div class="field"><label for="f-weekday">Day</label>
				<select id="f-weekday" value=${form.weekday} onChange=${set('weekday')}>
					${WEEKDAYS.map((d, i) => html`<option value=${String(i + 1)}>${d}</option>`)}
				</select></div>
			<div class="field-row">
				<div class="field"><label for="f-start">From</label>
					<input id="f-start" type="time" step="900" value=${form.start_time} onInput=${set('start_time')} /></div>
				<div class="field"><label for="f-end">To</label>
					<input id="f-end" type="time" step="900" value=${form.end_time} onInput=${set('end_time')} /></div>
			</div>
			<div class="field-row">
				<div class="field"><label for="f-from">Starting</label>
					<input id="f-from" type="date" value=${form.valid_from} onInput=${set('valid_from')} /></div>
				<div class="field"><label for="f-until">Until (optional)</label>
					<input id="f-until" type="date" value=${form.valid_until} onInput=${set('valid_until')} /></div>
			</div>
			<button type="submit" class="button" disabled=${busy}>${busy ? 'Adding…' : 'Add hours'}</button>
		</form>
	</section>`;
}

function Exceptions({ clinician, admin }) {
	const [rows, setRows] = useState(null);
	const today = localDate(ZONE, 0);
	const [form, setForm] = useState({ kind: 'leave', from_date: today, from_time: '09:00', to_date: today, to_time: '17:00', reason: '' });
	const [error, setError] = useState(null);
	const [ok, setOk] = useState(null);
	const [busy, setBusy] = useState(false);
	const q = admin ? `?clinician_id=${clinician}` : '';

	async function load() {
		const res = await api('GET', `/api/v1/appointments/exceptions${q}`);
		if (res.ok)
			setRows(res.data.exceptions || []);
		else if (res.status !== 401)
			setError(problemText(res));
	}
	useEffect(() => { setRows(null); load(); }, [clinician]);

	async function add(e) {
		e.preventDefault();
		setError(null);
		setOk(null);
		const starts = zonedToUtc(form.from_date, form.from_time);
		const ends = zonedToUtc(form.to_date, form.to_time);
		if (ends <= starts) {
			setError('The end must be after the start.');
			return;
		}
		setBusy(true);
		const body = { kind: form.kind, starts_at: starts, ends_at: ends };
		if (form.reason.trim())
			body.reason = form.reason.trim();
		if (admin)
			body.clinician_id = Number(clinician);
		const res = await api('POST', '/api/v1/appointments/exceptions', body);
		setBusy(false);
		if (res.ok) {
			setOk(form.kind === 'leave' ? 'Leave added: those times are no longer offered.' : 'Extra session added.');
			load();
		} else if (res.status !== 401)
			setError(problemText(res));
	}
	async function remove(r) {
		const res = await api('DELETE', `/api/v1/appointments/exceptions/${r.id}`);
		if (res.ok) {
			setOk('Removed.');
			load();
		} else if (res.status !== 401)
			setError(problemText(res));
	}
	const set = (k) => (e) => setForm({ ...form, [k]: e.currentTarget.value });
	return html`<section class="card" aria-labelledby="exc-h">
		<h2 id="exc-h">Leave and extra sessions</h2>
		<${Alerts} error=${error} ok=${ok} />
		${rows === null ? html`<p class="loading" role="status">Loading…</p>` : rows.length === 0 ?
			html`<p>None.</p>` :
			html`<ul class="avail-list">${rows.map((r) => html`<li>
				<span><strong>${r.kind === 'leave' ? 'Leave' : 'Extra session'}</strong>
					${local(r.starts_at)} to ${local(r.ends_at)}${r.reason ? html` <span class="muted">(${r.reason})</span>` : ''}</span>
				<button type="button" class="button button-secondary button-small"
					aria-label=${`Remove ${r.kind === 'leave' ? 'leave' : 'extra session'} from ${local(r.starts_at)}`}
					onClick=${() => remove(r)}>Remove</button>
			</li>`)}</ul>`}
		<form class="avail-form" onSubmit=${add} noValidate>
			<h3>Add leave or an extra session</h3>
			<fieldset class="field choices"><legend>Kind</legend>
				<div class="choice"><input type="radio" id="k-leave" name="kind" value="leave" checked=${form.kind === 'leave'} onChange=${set('kind')} />
					<label for="k-leave">Leave (no bookings)</label></div>
				<div class="choice"><input type="radio" id="k-extra" name="kind" value="extra" checked=${form.kind === 'extra'} onChange=${set('kind')} />
					<label for="k-extra">Extra session (bookable)</label></div>
			</fieldset>
			<div class="field-row">
				<div class="field"><label for="f-exc-from-date">Start date</label>
					<input id="f-exc-from-date" type="date" value=${form.from_date} onInput=${set('from_date')} /></div>
				<div class="field"><label for="f-exc-from-time">Start time</label>
					<input id="f-exc-from-time" type="time" step="900" value=${form.from_time} onInput=${set('from_time')} /></div>
			</div>
			<div class="field-row">
				<div class="field"><label for="f-exc-to-date">End date</label>
					<input id="f-exc-to-date" type="date" value=${form.to_date} onInput=${set('to_date')} /></div>
				<div class="field"><label for="f-exc-to-time">End time</label>
					<input id="f-exc-to-time" type="time" step="900" value=${form.to_time} onInput=${set('to_time')} /></div>
			</div>
			<div class="field"><label for="f-exc-reason">Note (optional)</label>
				<input id="f-exc-reason" maxlength="500" value=${form.reason} onInput=${set('reason')} /></div>
			<button type="submit" class="button" disabled=${busy}>${busy ? 'Adding…' : 'Add'}</button>
		</form>
	</section>`;
}

function Types() {
	const [types, setTypes] = useState(null);
	const [edit, setEdit] = useState({});
	const [form, setForm] = useState({ code: '', name: '', minutes: '30', fee: '' });
	const [error, setError] = useState(null);
	const [ok, setOk] = useState(null);

	async function load() {
		const res = await api('GET', '/api/v1/appointments/types');
		if (res.ok)
			setTypes(res.data.types || []);
		else if (res.status !== 401)
			setError(problemText(res));
	}
	useEffect(() => { load(); }, []);
	const pence = (s) => Math.round(parseFloat(String(s).replace(/[£,\s]/g, '')) * 100);

	async function save(t) {
		setError(null);
		setOk(null);
		const e = edit[t.id] || {};
		const body = {};
		if (e.minutes !== undefined)
			body.minutes = Number(e.minutes);
		if (e.fee !== undefined)
			body.fee_pence = pence(e.fee);
		const res = await api('PATCH', `/api/v1/appointments/types/${t.id}`, body);
		if (res.ok) {
			setOk(`${t.name} saved.`);
			setEdit({ ...edit, [t.id]: undefined });
			load();
		} else if (res.status !== 401)
			setError(problemText(res));
	}
	async function add(ev) {
		ev.preventDefault();
		setError(null);
		setOk(null);
		const res = await api('POST', '/api/v1/appointments/types', {
			code: form.code.trim(), name: form.name.trim(), minutes: Number(form.minutes), fee_pence: pence(form.fee), currency: 'GBP',
		});
		if (res.ok) {
			setOk(`${form.name} added.`);
			setForm({ code: '', name: '', minutes: '30', fee: '' });
			load();
		} else if (res.status !== 401)
			setError(problemText(res));
	}
	const setE = (t, k) => (ev) => setEdit({ ...edit, [t.id]: { ...(edit[t.id] || {}), [k]: ev.currentTarget.value } });
	const setF = (k) => (ev) => setForm({ ...form, [k]: ev.currentTarget.value });
	return html`<section class="card" aria-labelledby="types-h">
		<h2 id="types-h">Appointment types</h2>
		<${Alerts} error=${error} ok=${ok} />
		${types === null ? html`<p class="loading" role="status">Loading…</p>` : html`<ul class="avail-list types-list">
			${types.map((t) => html`<li>
				<span><strong>${t.name}</strong> <span class="muted">(${t.code}) ${t.minutes} minutes, ${money(t.fee_pence, t.currency)}</span></span>
				<div class="field-row">
					<div class="field"><label for=${`t-min-${t.id}`}>Minutes</label>
						<input id=${`t-min-${t.id}`} type="number" min="5" max="480" step="5" class="input-4"
							value=${(edit[t.id] || {}).minutes ?? t.minutes} onInput=${setE(t, 'minutes')} /></div>
					<div class="field"><label for=${`t-fee-${t.id}`}>Fee (£)</label>
						<input id=${`t-fee-${t.id}`} inputmode="decimal" class="input-4"
							value=${(edit[t.id] || {}).fee ?? (t.fee_pence / 100).toFixed(2)} onInput=${setE(t, 'fee')} /></div>
				</div>
				<button type="button" class="button button-secondary button-small" onClick=${() => save(t)}
					aria-label=${`Save ${t.name}`}>Save</button>
			</li>`)}
		</ul>`}
		<form class="avail-form" onSubmit=${add} noValidate>
			<h3>Add a type</h3>
			<div class="field"><label for="f-type-code">Code</label>
				<p class="hint" id="f-type-code-hint">Lower case letters and underscores, e.g. review</p>
				<input id="f-type-code" aria-describedby="f-type-code-hint" value=${form.code} onInput=${setF('code')} /></div>
			<div class="field"><label for="f-type-name">Name</label>
				<input id="f-type-name" value=${form.name} onInput=${setF('name')} /></div>
			<div class="field-row">
				<div class="field"><label for="f-type-min">Minutes</label>
					<input id="f-type-min" type="number" min="5" max="480" step="5" class="input-4" value=${form.minutes} onInput=${setF('minutes')} /></div>
				<div class="field"><label for="f-type-fee">Fee (£)</label>
					<input id="f-type-fee" inputmode="decimal" class="input-4" value=${form.fee} onInput=${setF('fee')} /></div>
			</div>
			<button type="submit" class="button">Add type</button>
		</form>
	</section>`;
}

export function Availability({ session }) {
	const admin = session.user.role === 'admin';
	const [clinicians, setClinicians] = useState(null);
	const [clinician, setClinician] = useState(admin ? '' : String(session.user.id));
	const query = new URLSearchParams((location.hash.split('?')[1]) || '');

	useEffect(() => {
		if (!admin)
			return;
		api('GET', '/api/v1/appointments/clinicians').then((r) => {
			const list = r.ok ? r.data.clinicians || [] : [];
			setClinicians(list);
			const want = query.get('clinician');
			setClinician(want || (list[0] ? String(list[0].id) : ''));
		});
	}, []);

	return html`<${Page} title=${admin ? 'Availability and appointment types' : 'Your availability'} wide>
		${admin && html`<div class="field">
			<label for="f-avail-clinician">Clinician</label>
			${clinicians === null ? html`<p class="loading" role="status">Loading…</p>` : clinicians.length === 0 ?
				html`<p>No clinician has hours yet. Add a clinician's id to the address (#/availability?clinician=ID) to set theirs.</p>` :
				html`<select id="f-avail-clinician" value=${clinician} onChange=${(e) => setClinician(e.currentTarget.value)}>
					${clinicians.map((c) => html`<option value=${String(c.id)}>${c.name}</option>`)}
				</select>`}
		</div>`}
		${clinician && html`<${Hours} clinician=${clinician} admin=${admin} />
			<${Exceptions} clinician=${clinician} admin=${admin} />`}
		${admin && html`<${Types} />`}
	<//>`;
}
