// Book a video consultation (#/book). A patient picks the kind of
// consultation, sees the free times grouped by day in the clinic's time
// zone, picks one, confirms, and sees the booking with "Add to calendar".
// When booking is not possible yet (intake, identity) it says what is
// missing, with links. Staff book for a patient: #/book/<patient id> or
// #/book?patient=<id>. The slot picker is shared with #/appointments
// (reschedule).
import { useEffect, useRef, useState } from '/vendor/hooks.js';
import { api } from '../api.js';
import { html, Page } from './ui.js';

// ---- shared with appointments.js and availability.js ----

// "Europe/London" → "UK time"; other zones by their city.
export function zoneLabel(zone) {
	if (!zone || zone === 'Europe/London')
		return 'UK time';
	return `${zone.split('/').pop().replace(/_/g, ' ')} time`;
}

// "2026-03-30T09:00:00+01:00" → "Monday 30 March 2026" (the local date as written, no zone maths).
export function dayLabel(local, withYear = true) {
	const [y, m, d] = local.slice(0, 10).split('-').map(Number);
	const date = new Date(Date.UTC(y, m - 1, d, 12));
	const part = (o) => new Intl.DateTimeFormat('en-GB', { ...o, timeZone: 'UTC' }).format(date);
	return `${part({ weekday: 'long' })} ${d} ${part({ month: 'long' })}${withYear ? ` ${y}` : ''}`;
}

// "2026-03-30T09:00:00+01:00" → "09:00".
export function timeLabel(local) {
	return local.slice(11, 16);
}

export function money(pence, currency = 'GBP') {
	return new Intl.NumberFormat('en-GB', { style: 'currency', currency }).format(pence / 100);
}

// The local date (YYYY-MM-DD) in zone, days from now.
export function localDate(zone, days = 0) {
	const t = new Date(Date.now() + days * 86400000);
	try {
		return new Intl.DateTimeFormat('en-CA', { timeZone: zone || 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit' }).format(t);
	} catch {
		return t.toISOString().slice(0, 10);
	}
}

// "When" in full words: "Monday 30 March 2026 at 09:00 UK time".
export function when(a, zone) {
	return `${dayLabel(a.start_local)} at ${timeLabel(a.start_local)} ${zoneLabel(zone)}`;
}

export function problemText(res) {
	const p = res.problem || {};
	return p.detail && p.title !== p.detail ? `${p.title}. ${p.detail}` : p.title || p.detail || 'Something went wrong.';
}

export function icsHref(id) {
	return `/api/v1/appointments/${id}/calendar.ics`;
}

const DAYS_PER_PAGE = 14;

// "2026-03-30" → "Mon 30 Mar".
function shortDay(date) {
	const [y, m, d] = date.split('-').map(Number);
	const t = new Date(Date.UTC(y, m - 1, d, 12));
	const part = (o) => new Intl.DateTimeFormat('en-GB', { ...o, timeZone: 'UTC' }).format(t);
	return `${part({ weekday: 'short' })} ${d} ${part({ month: 'short' })}`;
}

// Free times for type (a code): first a day, then a time on that day;
// onPick(slot, zone) when a time is chosen. Loads DAYS_PER_PAGE days at a
// time ("Show later dates"). clinician: an id to limit to, or '' for any.
export function SlotPicker({ type, clinician = '', picked, onPick, legend = 'Choose a day' }) {
	const [slots, setSlots] = useState(null);
	const [zone, setZone] = useState('Europe/London');
	const [days, setDays] = useState(DAYS_PER_PAGE);
	const [day, setDay] = useState('');
	const [error, setError] = useState(null);
	const [loading, setLoading] = useState(false);
	const seq = useRef(0);

	async function load(n) {
		const mine = ++seq.current;
		setLoading(true);
		setError(null);
		const from = localDate(zone, 0);
		const to = localDate(zone, n - 1);
		const q = `from=${from}&to=${to}&type=${encodeURIComponent(type)}${clinician ? `&clinician=${encodeURIComponent(clinician)}` : ''}`;
		const res = await api('GET', `/api/v1/appointments/slots?${q}`);
		if (mine !== seq.current)
			return;
		setLoading(false);
		if (res.ok) {
			setZone(res.data.timezone || 'Europe/London');
			setSlots(res.data.slots || []);
		} else if (res.status !== 401)
			setError(problemText(res));
	}

	useEffect(() => { setDays(DAYS_PER_PAGE); setDay(''); load(DAYS_PER_PAGE); }, [type, clinician]);

	if (error)
		return html`<p class="alert" role="alert">${error}</p>`;
	if (!slots)
		return html`<p class="loading" role="status"><span class="spinner" aria-hidden="true"></span>Finding free times…</p>`;
	const byDay = new Map();
	for (const s of slots) {
		const d = s.start_local.slice(0, 10);
		if (!byDay.has(d))
			byDay.set(d, []);
		byDay.get(d).push(s);
	}
	const shown = byDay.has(day) ? day : '';
	const more = async () => {
		const n = days + DAYS_PER_PAGE;
		setDays(n);
		await load(n);
	};
	const key = (s) => `${s.start}|${s.clinician_id}`;
	const list = shown ? byDay.get(shown) : [];
	return html`<div class="slot-picker">
		<fieldset class="slot-days">
			<legend>${legend}</legend>
			<p class="hint">Times are ${zoneLabel(zone)}${zone === 'Europe/London' ? '' : ` (${zone})`}.</p>
			${byDay.size === 0 && html`<p class="notice">There are no free times in the next ${days} days.</p>`}
			<ul class="day-list">
				${[...byDay].map(([d, l]) => html`<li>
					<input type="radio" class="slot-radio" name="slot-day" id=${`day-${d}`} value=${d}
						checked=${shown === d} onChange=${() => { setDay(d); onPick(null, zone); }} />
					<label class="slot day" for=${`day-${d}`}>${shortDay(d)}
						<span class="slot-who">${l.length} ${l.length === 1 ? 'time' : 'times'}</span></label>
				</li>`)}
			</ul>
			<p><button type="button" class="button button-secondary" onClick=${more} disabled=${loading}>
				${loading ? 'Loading…' : 'Show later dates'}</button></p>
			<div class="visually-hidden" role="status">${loading ? '' : `Free times on ${byDay.size} days`}</div>
		</fieldset>
		${shown && html`<fieldset class="slot-day">
			<legend class="slot-day-h">Times on ${dayLabel(list[0].start_local, false)}</legend>
			<ul class="slot-list">
				${list.map((s) => html`<li>
					<input type="radio" class="slot-radio" name="slot" id=${`slot-${key(s)}`} value=${key(s)}
						checked=${picked && key(picked) === key(s)} onChange=${() => onPick(s, zone)} />
					<label class="slot" for=${`slot-${key(s)}`}>${timeLabel(s.start_local)}${clinician ? '' :
						html`<span class="slot-who">${s.clinician_name}</span>`}</label>
				</li>`)}
			</ul>
		</fieldset>`}
	</div>`;
}

// ---- the screen ----

const MISSING = {
	eligibility: ['Finish your health questionnaire', '#/intake',
		'We need your answers, and a result that says you can go ahead, before you can book.'],
	identity: ['Confirm your identity', '#/identity', 'A quick check with a photo ID and a selfie.'],
};

function Missing({ missing, detail }) {
	return html`<section class="card book-missing" aria-labelledby="missing-h">
		<h2 id="missing-h">Before you can book</h2>
		${detail && html`<p>${detail}</p>`}
		<ul class="work-links">
			${missing.map((m) => MISSING[m] && html`<li><a href=${MISSING[m][1]}>${MISSING[m][0]}</a>
				<span class="journey-hint">${MISSING[m][2]}</span></li>`)}
		</ul>
	</section>`;
}

// What a patient still lacks before booking, from their own records.
async function patientReadiness() {
	const [intake, idv] = await Promise.all([
		api('GET', '/api/v1/intake/responses'), api('GET', '/api/v1/idv/checks/current'),
	]);
	const missing = [];
	if (intake.ok) {
		const r = (intake.data.responses || []).filter((x) => x.key === 'intake' && x.status === 'completed');
		const last = r[0];
		const ok = last && (last.outcome === 'eligible' || last.decision === 'eligible');
		if (!ok)
			missing.push('eligibility');
	}
	if (idv.ok && idv.data.required_for_booking !== false &&
	    !['clear', 'approved'].includes(idv.data.status))
		missing.push('identity');
	return missing;
}

function Booked({ a, zone, staff }) {
	return html`<section class="card booked" aria-labelledby="booked-h">
		<h2 id="booked-h">${staff ? 'Booked' : 'You are booked'}</h2>
		<div class="notice" role="status"><p><strong>${a.type_name || 'Video consultation'}</strong>${
			` on ${when(a, zone)}${a.clinician_name ? ` with ${a.clinician_name}` : ''}.`}</p></div>
		<dl class="facts">
			<dt>When</dt><dd>${when(a, zone)}</dd>
			<dt>Length</dt><dd>${a.minutes} minutes</dd>
			${a.fee_pence != null && html`<dt>Fee</dt><dd>${money(a.fee_pence, a.currency)}</dd>`}
			${staff && a.patient_name && html`<dt>Patient</dt><dd>${a.patient_name}</dd>`}
		</dl>
		<p>${`${staff ? 'The patient gets a confirmation by email.' : 'We have sent a confirmation to your email.'}
			The video room opens a few minutes before the start.`.replace(/\s+/g, ' ')}</p>
		<p class="actions">
			<a class="button" href=${icsHref(a.id)} download=${`consultation-${a.id}.ics`}>Add to calendar</a>
			<a class="button button-secondary" href="#/appointments">${staff ? 'Appointments' : 'Your appointments'}</a>
		</p>
	</section>`;
}

export function Book({ session, path }) {
	const role = session.user.role;
	const staff = role === 'clinician' || role === 'admin';
	const query = new URLSearchParams((location.hash.split('?')[1]) || '');
	const patientId = staff ? (/^\d+$/.test(path || '') ? path : query.get('patient') || '') : '';

	const [types, setTypes] = useState(null);
	const [type, setType] = useState('');
	const [missing, setMissing] = useState(null);
	const [detail, setDetail] = useState(null);
	const [patient, setPatient] = useState(null);
	const [clinicians, setClinicians] = useState([]);
	const [clinician, setClinician] = useState(role === 'clinician' ? String(session.user.id) : '');
	const [slot, setSlot] = useState(null);
	const [zone, setZone] = useState('Europe/London');
	const [booked, setBooked] = useState(null);
	const [alert, setAlert] = useState(null);
	const [busy, setBusy] = useState(false);
	const [pickerKey, setPickerKey] = useState(0);
	const [upcoming, setUpcoming] = useState(null);
	const confirmRef = useRef(null);

	useEffect(() => {
		(async () => {
			const t = await api('GET', '/api/v1/appointments/types');
			if (!t.ok) {
				setAlert(problemText(t));
				setTypes([]);
				return;
			}
			setTypes(t.data.types || []);
			// A first visit is an initial consultation; after one, a follow-up.
			const own = await api('GET', staff && patientId ? `/api/v1/appointments?patient=${patientId}` : '/api/v1/appointments');
			const had = own.ok && (own.data.appointments || []).some((a) => a.status === 'completed');
			const next = own.ok && (own.data.appointments || []).filter((a) => a.status === 'booked' &&
				Date.parse(a.end) > Date.now()).sort((x, y) => Date.parse(x.start) - Date.parse(y.start))[0];
			setUpcoming(next || null);
			const codes = (t.data.types || []).map((x) => x.code);
			setType(had && codes.includes('follow_up') ? 'follow_up' : codes.includes('initial') ? 'initial' : codes[0] || '');
			if (staff) {
				const c = await api('GET', '/api/v1/appointments/clinicians');
				if (c.ok)
					setClinicians(c.data.clinicians || []);
				if (patientId) {
					const p = await api('GET', `/api/v1/patients/${patientId}`);
					setPatient(p.ok ? p.data : false);
				}
				setMissing([]);
			} else
				setMissing(await patientReadiness());
		})();
	}, [patientId]);

	useEffect(() => {
		if (slot && confirmRef.current)
			confirmRef.current.scrollIntoView({ block: 'nearest' });
	}, [slot]);

	async function book() {
		setBusy(true);
		setAlert(null);
		const body = { slot_start: slot.start, clinician_id: slot.clinician_id, type };
		if (staff)
			body.patient_id = Number(patientId);
		const res = await api('POST', '/api/v1/appointments', body);
		setBusy(false);
		if (res.ok) {
			setBooked(res.data.appointment || res.data);
			return;
		}
		const slug = (res.problem.type || '').replace(/^.*#problem-/, '');
		if (slug === 'not-ready-to-book') {
			setMissing(res.problem.missing || []);
			setDetail(res.problem.detail);
		} else if (slug === 'slot-taken') {
			setAlert('Sorry, that time has just been taken. Please choose another.');
			setSlot(null);
			setPickerKey((k) => k + 1);
		} else if (res.status !== 401)
			setAlert(problemText(res));
	}

	const title = staff ? 'Book an appointment' : 'Book a video consultation';
	if (staff && !patientId)
		return html`<${Page} title=${title}>
			<p>Open the patient's record and choose "Book an appointment" there.</p>
			<p><a class="button" href="#/patients">Find a patient</a></p>
		<//>`;
	if (staff && patient === false)
		return html`<${Page} title=${title}><p class="alert" role="alert">There is no such patient.</p>
			<p><a href="#/patients">Back to the patient list</a></p><//>`;
	if (booked)
		return html`<${Page} title=${title}><${Booked} a=${booked} zone=${zone} staff=${staff} /><//>`;
	if (!types || missing === null)
		return html`<${Page} title=${title}><p class="loading" role="status"><span class="spinner" aria-hidden="true"></span>Loading…</p><//>`;
	if (missing.length > 0)
		return html`<${Page} title=${title}>
			<p>You cannot book a consultation yet.</p>
			<${Missing} missing=${missing} detail=${detail} />
			<p><a href="#/">Back to your next steps</a></p>
		<//>`;

	const chosen = types.find((t) => t.code === type);
	return html`<${Page} title=${title}>
		${staff && patient && html`<p class="book-for">For <strong>${patient.given_name} ${patient.family_name}</strong>${
			patient.date_of_birth && html`<span class="muted"> (born ${patient.date_of_birth})</span>`}</p>
			<p><a href=${`#/patients/${patientId}`}>Back to the record</a></p>`}
		<div class=${alert ? 'alert' : 'alert alert-empty'} role="alert">${alert && html`<p>${alert}</p>`}</div>
		${upcoming && html`<p class="notice">${staff ? 'This patient has' : 'You have'} a video consultation booked on${
			` ${when(upcoming, zone)}. `}<a href="#/appointments">${staff ? 'Appointments' : 'Change or cancel it'}</a></p>`}
		<fieldset class="field choices book-types">
			<legend>Which consultation?</legend>
			${types.map((t) => html`<div class="choice">
				<input type="radio" name="type" id=${`type-${t.code}`} value=${t.code} checked=${type === t.code}
					onChange=${() => { setType(t.code); setSlot(null); }} />
				<label for=${`type-${t.code}`}>${t.name}
					<span class="choice-hint">${t.code === 'initial' ? 'Your first visit. ' : t.code === 'follow_up' ? 'After your first visit. ' : ''}${t.minutes} minutes, ${money(t.fee_pence, t.currency)}</span></label>
			</div>`)}
		</fieldset>
		${staff && clinicians.length > 0 && html`<div class="field">
			<label for="f-clinician">Clinician</label>
			<select id="f-clinician" value=${clinician} onChange=${(e) => { setClinician(e.currentTarget.value); setSlot(null); }}>
				<option value="">Any clinician</option>
				${clinicians.map((c) => html`<option value=${String(c.id)}>${c.name}</option>`)}
			</select>
		</div>`}
		${type && html`<${SlotPicker} key=${pickerKey} type=${type} clinician=${clinician} picked=${slot}
			onPick=${(s, z) => { setSlot(s); setZone(z); }} />`}
		${slot && html`<section class="card book-confirm" ref=${confirmRef} aria-labelledby="confirm-h">
			<h2 id="confirm-h">Confirm your booking</h2>
			<dl class="facts">
				<dt>Consultation</dt><dd>${chosen ? chosen.name : type} (video)</dd>
				<dt>When</dt><dd>${when(slot, zone)}</dd>
				<dt>With</dt><dd>${slot.clinician_name}</dd>
				${chosen && html`<dt>Fee</dt><dd>${money(chosen.fee_pence, chosen.currency)}</dd>`}
			</dl>
			<p><button type="button" class="button" disabled=${busy} onClick=${book}>
				${busy && html`<span class="spinner" aria-hidden="true"></span>`}${busy ? 'Booking…' : 'Book this time'}</button></p>
		</section>`}
	<//>`;
}
