// Courier shipments (#/shipments; pharmacist) and the ShipmentPanel the
// pharmacy console's prescription page shows (issue 6, helper D;
// docs/API.md#courier-and-shipments). A prescription dispensed for delivery
// gets a "Book the courier" button; once booked, the panel shows the
// tracking number (a link to the courier's tracking page) and every
// tracking step as the courier reports it. #/shipments lists every
// shipment, open ones first, and #/shipments/{id} shows one.
import { useEffect, useState } from '/vendor/hooks.js';
import { api } from '../api.js';
import { html, Page } from './ui.js';
import { problemText } from './book.js';
import { dateTimeWords } from './rx-format.js';

const SERVICES = {
	tracked_24: 'Tracked 24 (next working day)',
	tracked_48: 'Tracked 48 (two working days)',
	special_delivery: 'Special Delivery Guaranteed (by 1 pm next working day)',
};

const STEP_WORDS = {
	collected: 'Collected by the courier',
	in_transit: 'In transit',
	out_for_delivery: 'Out for delivery',
	delivered: 'Delivered',
	failed_attempt: 'Delivery attempted: nobody was in',
};

const FILTERS = [
	['', 'All'], ['requested', 'Booking'], ['booked', 'Booked'], ['in_transit', 'In transit'],
	['out_for_delivery', 'Out for delivery'], ['delivered', 'Delivered'], ['failed', 'Booking failed'],
];

function badgeClass(status) {
	if (status === 'delivered')
		return 'badge badge-done';
	if (status === 'failed' || status === 'cancelled')
		return 'badge badge-action';
	return 'badge';
}

function Loading() {
	return html`<p class="loading" role="status"><span class="spinner" aria-hidden="true"></span>Loading…</p>`;
}

function TrackingLink({ s }) {
	if (!s.tracking_number)
		return null;
	return s.tracking_url && /^https?:\/\//.test(s.tracking_url) ?
		html`<a href=${s.tracking_url} target="_blank" rel="noopener noreferrer" class="ship-tracking">${s.tracking_number}</a>` :
		html`<span class="ship-tracking">${s.tracking_number}</span>`;
}

function proofWords(proof) {
	if (!proof || typeof proof !== 'object')
		return null;
	if (proof.type === 'signature' && proof.signed_by)
		return `Signed for by ${proof.signed_by}`;
	return proof.type ? `Proof: ${String(proof.type).replace(/_/g, ' ')}` : null;
}

// The shipment's facts and its tracking steps.
function ShipmentFacts({ s }) {
	const proof = proofWords(s.proof);
	return html`<dl class="facts">
			<dt>Status</dt><dd><span class=${badgeClass(s.status)} data-shipment-status=${s.status}>${s.status_label || s.status}</span></dd>
			<dt>Service</dt><dd>${s.service_label || s.service}</dd>
			${s.tracking_number && html`<dt>Tracking number</dt><dd><${TrackingLink} s=${s} /></dd>`}
			${s.delivered_at && html`<dt>Delivered</dt><dd>${dateTimeWords(s.delivered_at)}</dd>`}
			${proof && html`<dt>Proof of delivery</dt><dd>${proof}</dd>`}
			<dt>Requested</dt><dd>${dateTimeWords(s.created_at)}${s.booked_by_name ? ` by ${s.booked_by_name}` : ''}</dd>
		</dl>
		${(s.events || []).length > 0 && html`<h3 class="h3">Tracking</h3>
			<ol class="ship-events">
				${s.events.map((e, i) => html`<li key=${i}>
					<span class="ship-event">${e.description || STEP_WORDS[e.status] || e.status}</span>
					<span class="ship-event-when">${dateTimeWords(e.at)}${e.location ? ` · ${e.location}` : ''}</span>
				</li>`)}
			</ol>`}`;
}

// How the booking is going, while the courier has not confirmed it.
function bookingWords(b) {
	if (!b || b.attempts <= 1 && !b.last_error)
		return 'Booking with the courier… this takes a few seconds.';
	return `The courier has not confirmed the booking yet${b.last_error ? ` (${b.last_error})` : ''}. It is tried again
		automatically${b.next_attempt_at ? ` at ${dateTimeWords(b.next_attempt_at)}` : ''}; nothing needs doing here.`;
}

// The courier part of a pharmacy prescription page. rx: the prescription
// ({id} is the pharmacy's id); onChange() is called when the shipment
// changes (booked, a tracking step) so the page can reload its status.
export function ShipmentPanel({ rx, onChange }) {
	const id = rx && rx.id;
	const [info, setInfo] = useState(null);
	const [error, setError] = useState(null);
	const [service, setService] = useState('tracked_24');
	const [busy, setBusy] = useState(false);
	const [tick, setTick] = useState(0);

	async function load() {
		const res = await api('GET', `/api/v1/pharmacy/prescriptions/${id}/shipment`);
		if (res.ok) {
			setInfo((old) => {
				const before = old && old.shipment ? `${old.shipment.status}/${(old.shipment.events || []).length}` : '';
				const after = res.data.shipment ? `${res.data.shipment.status}/${(res.data.shipment.events || []).length}` : '';
				if (old && before !== after && onChange)
					onChange(res.data);
				return res.data;
			});
			setError(null);
		} else if (res.status !== 401)
			setError(problemText(res));
	}
	useEffect(() => { if (id) load(); }, [id, rx && rx.status, tick]);
	// While the booking is being made, and while the parcel moves, look again now and then.
	const s = info && info.shipment;
	const moving = s && s.status !== 'delivered' && s.status !== 'failed' && s.status !== 'cancelled';
	useEffect(() => {
		if (!moving)
			return undefined;
		const t = setTimeout(() => setTick((n) => n + 1), s.status === 'requested' && tick < 20 ? 1000 : 5000);
		return () => clearTimeout(t);
	}, [moving, tick]);

	async function book(e) {
		e.preventDefault();
		if (busy)
			return;
		setBusy(true);
		const res = await api('POST', `/api/v1/pharmacy/prescriptions/${id}/shipment`, { service });
		setBusy(false);
		if (res.ok || res.status === 409) {
			setError(res.ok ? null : problemText(res));
			setTick((n) => n + 1);
			if (res.ok && onChange)
				onChange(res.data);
		} else if (res.status !== 401)
			setError(problemText(res));
	}

	if (!id)
		return null;
	return html`<section class="card ship-panel" aria-labelledby="ship-h">
		<h2 id="ship-h">Courier delivery</h2>
		${error && html`<p class="alert" role="alert">${error}</p>`}
		${!info && !error && html`<${Loading} />`}
		${s && html`<${ShipmentFacts} s=${s} />`}
		${s && s.status === 'requested' && html`<p role="status">${bookingWords(s.booking)}</p>`}
		${s && s.status === 'failed' && html`<p class="alert" role="alert">The courier could not be booked${
			s.booking && s.booking.last_error ? ` (${s.booking.last_error})` : ''}. Check the patient's address on the
			prescription, then try again.</p>`}
		${info && info.can_book && html`<form class="ship-book" onSubmit=${book} aria-label="Book the courier">
			<div class="field">
				<label for="f-ship-service">Courier service</label>
				<select id="f-ship-service" value=${service} onChange=${(e) => setService(e.currentTarget.value)}>
					${Object.entries(SERVICES).map(([k, v]) => html`<option value=${k}>${v}</option>`)}
				</select>
			</div>
			<button type="submit" class="button" disabled=${busy}>
				${busy && html`<span class="spinner" aria-hidden="true"></span>`}${busy ? 'Booking…' : 'Book the courier'}
			</button>
		</form>`}
		${info && !s && !info.can_book && info.cannot_book_reason &&
			html`<p class="hint">No courier booked: ${info.cannot_book_reason}.</p>`}
		${s && html`<p><a href=${`#/shipments/${s.id}`}>Shipment ${s.id}</a></p>`}
	</section>`;
}

function ShipmentList() {
	const [status, setStatus] = useState('');
	const [data, setData] = useState(null);
	const [error, setError] = useState(null);

	useEffect(() => {
		let gone = false;
		(async () => {
			const res = await api('GET', `/api/v1/pharmacy/shipments${status ? `?status=${status}` : ''}`);
			if (gone)
				return;
			if (res.ok) {
				setData(res.data);
				setError(null);
			} else if (res.status !== 401)
				setError(problemText(res));
		})();
		return () => { gone = true; };
	}, [status]);

	const rows = data ? data.shipments || [] : [];
	const counts = data ? data.counts || {} : {};
	return html`<${Page} title="Shipments">
		<p>Parcels booked with the courier, those still on their way first.</p>
		<nav class="tabs" aria-label="Filter by status">
			${FILTERS.map(([k, v]) => html`<button type="button" key=${k}
				class=${status === k ? 'button button-small' : 'button button-secondary button-small'}
				aria-pressed=${status === k ? 'true' : 'false'} onClick=${() => setStatus(k)}>
				${v}${k && counts[k] ? ` (${counts[k]})` : ''}</button>`)}
		</nav>
		${error && html`<p class="alert" role="alert">${error}</p>`}
		${!data && !error && html`<${Loading} />`}
		${data && rows.length === 0 && html`<p>No shipments${status ? ' with this status' : ''}.</p>`}
		${rows.length > 0 && html`<ul class="ship-list">
			${rows.map((s) => html`<li key=${s.id} class="card ship-item">
				<h2 class="h3"><a href=${`#/shipments/${s.id}`}>${(s.prescription && s.prescription.patient_name) || `Shipment ${s.id}`}</a></h2>
				<p><span class=${badgeClass(s.status)}>${s.status_label || s.status}</span>
					${s.tracking_number && html` · <${TrackingLink} s=${s} />`}</p>
				<p class="hint">${s.service_label}${s.last_event ? ` · ${s.last_event.description || STEP_WORDS[s.last_event.status] || s.last_event.status}, ${dateTimeWords(s.last_event.at)}` :
					` · requested ${dateTimeWords(s.created_at)}`}</p>
				<p><a href=${`#/pharmacy/${s.prescription.id}`}>Prescription ${s.prescription.id}</a></p>
			</li>`)}
		</ul>`}
	<//>`;
}

function ShipmentDetail({ id }) {
	const [s, setS] = useState(null);
	const [error, setError] = useState(null);

	useEffect(() => {
		let gone = false;
		(async () => {
			const res = await api('GET', `/api/v1/pharmacy/shipments/${encodeURIComponent(id)}`);
			if (gone)
				return;
			if (res.ok)
				setS(res.data);
			else if (res.status !== 401)
				setError(res.status === 404 ? 'There is no such shipment.' : problemText(res));
		})();
		return () => { gone = true; };
	}, [id]);

	return html`<${Page} title=${`Shipment ${id}`}>
		<p><a href="#/shipments">All shipments</a></p>
		${error && html`<p class="alert" role="alert">${error}</p>`}
		${!s && !error && html`<${Loading} />`}
		${s && html`<section class="card" aria-labelledby="ship-d-h">
			<h2 id="ship-d-h">${(s.prescription && s.prescription.patient_name) || 'Parcel'}</h2>
			<${ShipmentFacts} s=${s} />
			<p><a href=${`#/pharmacy/${s.prescription.id}`}>Prescription ${s.prescription.id}</a></p>
		</section>`}
	<//>`;
}

export function Shipments({ path }) {
	const id = (path || '').split('/')[0];
	return /^\d+$/.test(id) ? html`<${ShipmentDetail} id=${id} />` : html`<${ShipmentList} />`;
}
