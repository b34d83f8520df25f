// Appointments (#/appointments). A patient: upcoming and past consultations,
// with "Join the video consultation" while the room is open, "Add to
// calendar", reschedule and cancel (or why not any more). A clinician:
// today's and upcoming consultations with patient names. An admin: all, by
// clinician.
import { useEffect, useState } from '/vendor/hooks.js';
import { api } from '../api.js';
import { html, Page } from './ui.js';
import { SlotPicker, dayLabel, icsHref, localDate, problemText, timeLabel, when, zoneLabel } from './book.js';

const STATUS = { booked: 'Booked', cancelled: 'Cancelled', completed: 'Completed', no_show: 'Missed' };

function roomOpen(a, now) {
	return a.status === 'booked' && a.room_opens && a.room_closes &&
		now >= Date.parse(a.room_opens) && now <= Date.parse(a.room_closes);
}

// "Join" while the room is open; before that, when it opens.
function JoinOrWhen({ a, now, zone }) {
	if (a.status !== 'booked')
		return null;
	if (roomOpen(a, now))
		return html`<a class="button" href=${`#/consult/${a.id}`}>Join the video consultation</a>`;
	if (a.room_opens && now < Date.parse(a.room_opens)) {
		const opens = new Intl.DateTimeFormat('en-GB', { hour: '2-digit', minute: '2-digit', timeZone: zone }).format(new Date(a.room_opens));
		return html`<p class="muted">The video room opens at ${opens} ${zoneLabel(zone)} on the day.</p>`;
	}
	return null;
}

function Cancel({ a, staff, onDone, onClose }) {
	const [reason, setReason] = useState('');
	const [error, setError] = useState(null);
	const [busy, setBusy] = useState(false);
	async function go(e) {
		e.preventDefault();
		if (staff && reason.trim().length < 3) {
			setError('Give a reason (at least 3 characters): the patient is told the appointment was cancelled.');
			return;
		}
		setBusy(true);
		const res = await api('POST', `/api/v1/appointments/${a.id}/cancel`, reason.trim() ? { reason: reason.trim() } : {});
		setBusy(false);
		if (res.ok)
			onDone('The appointment is cancelled.');
		else if (res.status !== 401)
			setError(problemText(res));
	}
	return html`<form class="appt-panel" onSubmit=${go} noValidate>
		<div class=${error ? 'alert' : 'alert alert-empty'} role="alert">${error && html`<p>${error}</p>`}</div>
		<div class="field">
			<label for=${`reason-${a.id}`}>Reason${staff ? '' : ' (optional)'}</label>
			<input id=${`reason-${a.id}`} value=${reason} maxlength="1000" onInput=${(e) => setReason(e.currentTarget.value)} />
		</div>
		<p class="actions"><button type="submit" class="button button-danger" disabled=${busy}>${busy ? 'Cancelling…' : 'Cancel the appointment'}</button>
			<button type="button" class="button button-secondary" onClick=${onClose}>Keep it</button></p>
	</form>`;
}

function Reschedule({ a, onDone, onClose }) {
	const [slot, setSlot] = useState(null);
	const [zone, setZone] = useState('Europe/London');
	const [error, setError] = useState(null);
	const [busy, setBusy] = useState(false);
	const [k, setK] = useState(0);
	async function go() {
		setBusy(true);
		const res = await api('POST', `/api/v1/appointments/${a.id}/reschedule`,
			{ slot_start: slot.start, clinician_id: slot.clinician_id });
		setBusy(false);
		if (res.ok)
			onDone(`Moved to ${when(slot, zone)}.`);
		else if (res.status !== 401) {
			setError(problemText(res));
			if (/slot-taken/.test(res.problem.type || '')) {
				setSlot(null);
				setK(k + 1);
			}
		}
	}
	return html`<div class="appt-panel">
		<div class=${error ? 'alert' : 'alert alert-empty'} role="alert">${error && html`<p>${error}</p>`}</div>
		<${SlotPicker} key=${k} type=${a.type} clinician=${String(a.clinician_id)} picked=${slot}
			legend="Choose a new day" onPick=${(s, z) => { setSlot(s); setZone(z); }} />
		<p class="actions">
			${slot && html`<button type="button" class="button" disabled=${busy} onClick=${go}>
				${busy ? 'Moving…' : `Move to ${dayLabel(slot.start_local, false)} ${timeLabel(slot.start_local)}`}</button>`}
			<button type="button" class="button button-secondary" onClick=${onClose}>Keep the current time</button>
		</p>
	</div>`;
}

function Item({ a, role, now, zone, onChanged }) {
	const [open, setOpen] = useState(null);	// 'cancel' | 'move' | null
	const staff = role !== 'patient';
	const upcoming = a.status === 'booked' && Date.parse(a.end) > now;
	const canChange = staff ? upcoming : upcoming && a.can_change;
	return html`<li class=${`appt appt-${a.status}`}>
		<h3 class="appt-when">${dayLabel(a.start_local)}, ${timeLabel(a.start_local)}–${timeLabel(a.end_local)}
			<span class="muted"> ${zoneLabel(zone)}</span></h3>
		<p class="appt-what">${a.type_name || 'Consultation'} (video)
			${staff && a.patient_name ? html` · <a href=${`#/patients/${a.patient_id}`}>${a.patient_name}</a>` : ''}
			${role !== 'clinician' && a.clinician_name ? ` · ${a.clinician_name}` : ''}
			${a.status !== 'booked' && html` <span class=${`badge badge-${a.status === 'completed' ? 'done' : 'action'}`}>${STATUS[a.status] || a.status}</span>`}</p>
		${a.status === 'cancelled' && a.cancel_reason && html`<p class="muted">Reason: ${a.cancel_reason}</p>`}
		${(role === 'patient' || role === 'clinician') && html`<${JoinOrWhen} a=${a} now=${now} zone=${zone} />`}
		${upcoming && html`<p class="actions">
			<a class="button button-secondary" href=${icsHref(a.id)} download=${`consultation-${a.id}.ics`}>Add to calendar</a>
			${canChange && html`<button type="button" class="button button-secondary" aria-expanded=${open === 'move'}
				onClick=${() => setOpen(open === 'move' ? null : 'move')}>Reschedule</button>
			<button type="button" class="button button-secondary" aria-expanded=${open === 'cancel'}
				onClick=${() => setOpen(open === 'cancel' ? null : 'cancel')}>Cancel</button>`}
		</p>`}
		${upcoming && !canChange && html`<p class="notice appt-notice">It is now too close to the appointment to change or
			cancel it online. If you cannot make it, please call the clinic.</p>`}
		${open === 'cancel' && html`<${Cancel} a=${a} staff=${staff} onClose=${() => setOpen(null)}
			onDone=${(m) => { setOpen(null); onChanged(m); }} />`}
		${open === 'move' && html`<${Reschedule} a=${a} onClose=${() => setOpen(null)}
			onDone=${(m) => { setOpen(null); onChanged(m); }} />`}
	</li>`;
}

function List({ title, id, list, empty, ...rest }) {
	return html`<section class="card" aria-labelledby=${id}>
		<h2 id=${id}>${title}</h2>
		${list.length === 0 ? html`<p>${empty}</p>` :
			html`<ul class="appt-list">${list.map((a) => html`<${Item} key=${a.id} a=${a} ...${rest} />`)}</ul>`}
	</section>`;
}

export function Appointments({ session }) {
	const role = session.user.role;
	const [all, setAll] = useState(null);
	const [error, setError] = useState(null);
	const [status, setStatus] = useState('');
	const [clinicians, setClinicians] = useState([]);
	const [clinician, setClinician] = useState('');
	const [now, setNow] = useState(Date.now());
	const zone = 'Europe/London';

	async function load() {
		let q = '';
		if (role !== 'patient') {
			// Staff: from today on (a clinician's own by default).
			q = `?from=${localDate(zone, 0)}${clinician ? `&clinician=${clinician}` : ''}`;
		}
		const res = await api('GET', `/api/v1/appointments${q}`);
		if (res.ok) {
			setAll((res.data.appointments || []).slice().sort((x, y) => Date.parse(x.start) - Date.parse(y.start)));
			setError(null);
		} else if (res.status !== 401)
			setError(problemText(res));
	}

	useEffect(() => { load(); }, [clinician]);
	useEffect(() => {
		if (role === 'admin')
			api('GET', '/api/v1/appointments/clinicians').then((r) => r.ok && setClinicians(r.data.clinicians || []));
		// The Join button appears when the room opens.
		const t = setInterval(() => setNow(Date.now()), 30000);
		return () => clearInterval(t);
	}, []);

	const changed = (m) => { setStatus(m); load(); };
	const title = role === 'patient' ? 'Your appointments' : role === 'clinician' ? 'Your consultations' : 'Appointments';
	const status_ = html`<div class=${status ? 'alert alert-ok' : 'alert alert-empty'} role="status">${status && html`<p>${status}</p>`}</div>`;
	if (error)
		return html`<${Page} title=${title}><p class="alert" role="alert">${error}</p><//>`;
	if (!all)
		return html`<${Page} title=${title}><p class="loading" role="status"><span class="spinner" aria-hidden="true"></span>Loading…</p><//>`;
	const props = { role, now, zone, onChanged: changed };

	if (role === 'patient') {
		const upcoming = all.filter((a) => a.status === 'booked' && Date.parse(a.end) > now);
		const past = all.filter((a) => !upcoming.includes(a)).reverse();
		return html`<${Page} title=${title}>
			${status_}
			<${List} title="Upcoming" id="up-h" list=${upcoming} empty="You have no upcoming appointments." ...${props} />
			<p><a class="button" href="#/book">Book a video consultation</a></p>
			<${List} title="Past and cancelled" id="past-h" list=${past} empty="None yet." ...${props} />
		<//>`;
	}
	const today = localDate(zone, 0);
	const live = all.filter((a) => a.status === 'booked' || a.start_local.slice(0, 10) === today);
	const todays = live.filter((a) => a.start_local.slice(0, 10) === today);
	const later = live.filter((a) => a.start_local.slice(0, 10) > today && a.status === 'booked');
	return html`<${Page} title=${title} wide>
		${status_}
		${role === 'admin' && html`<div class="field">
			<label for="f-filter-clinician">Clinician</label>
			<select id="f-filter-clinician" value=${clinician} onChange=${(e) => setClinician(e.currentTarget.value)}>
				<option value="">All clinicians</option>
				${clinicians.map((c) => html`<option value=${String(c.id)}>${c.name}</option>`)}
			</select>
		</div>`}
		<${List} title="Today" id="today-h" list=${todays} empty="No consultations today." ...${props} />
		<${List} title="Upcoming" id="later-h" list=${later} empty="No upcoming consultations." ...${props} />
		<p><a href="#/patients">Book for a patient: open their record</a></p>
	<//>`;
}
