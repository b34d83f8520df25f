// The outbox as admins see it (#/outbox): every message the clinic and the
// pharmacy send to a partner (prescriptions to the pharmacy, its answers,
// identity checks, email and SMS, courier bookings), waiting, retrying,
// delivered or given up. Dead letters (messages that gave up after their last
// try) come first, each with a button to send it again from the first try
// (POST /api/v1/outbox/{id}/replay, audited). Payloads are never shown.
import { useEffect, useState } from '/vendor/hooks.js';
import { api } from '../api.js';
import { html, Page } from './ui.js';
import { problemText } from './book.js';
import { dateTimeWords } from './rx-format.js';

const STATUSES = [
	['failed', 'Dead letters'],
	['pending', 'Waiting'],
	['sending', 'Sending now'],
	['done', 'Delivered'],
	['', 'All'],
];

const KINDS = [
	['', 'Every kind'],
	['pharmacy.', 'Prescriptions to the pharmacy'],
	['ph.', 'The pharmacy\'s messages'],
	['idv.', 'Identity checks'],
	['notify.', 'Email and SMS'],
];

// What a kind of message is, in words.
function kindWords(kind) {
	const known = {
		'pharmacy.prescription': 'A signed prescription to the pharmacy',
		'pharmacy.cancel': 'A cancellation to the pharmacy',
		'ph.clinic_event': 'The pharmacy\'s news to the clinic',
		'ph.fetch_key': 'The pharmacy fetching a prescriber\'s key',
		'ph.courier_book': 'A courier booking',
		'idv.create_applicant': 'An identity check (applicant)',
		'idv.create_workflow_run': 'An identity check (link)',
		'idv.fetch_result': 'An identity check (result)',
		'notify.email': 'An email',
		'notify.sms': 'A text message',
	};
	return known[kind] || kind;
}

// Where the message stands, in one sentence.
function standing(m) {
	const tries = `${m.attempts} ${m.attempts === 1 ? 'try' : 'tries'}`;
	if (m.status === 'failed')
		return `Gave up after ${tries}.`;
	if (m.status === 'done')
		return `Delivered ${dateTimeWords(m.delivered_at)}${m.attempts > 1 ? ` after ${tries}` : ''}.`;
	if (m.status === 'sending')
		return `Being sent now (try ${m.attempts}).`;
	if (m.attempts === 0)
		return `Waiting to be sent${m.next_attempt_at ? ` (${dateTimeWords(m.next_attempt_at)})` : ''}.`;
	return `Tried ${tries}; next try ${dateTimeWords(m.next_attempt_at)}.`;
}

function badge(status) {
	if (status === 'failed')
		return html`<span class="badge badge-action">Dead letter</span>`;
	if (status === 'done')
		return html`<span class="badge badge-done">Delivered</span>`;
	return html`<span class="badge">${status === 'sending' ? 'Sending' : 'Waiting'}</span>`;
}

function Message({ m, onReplay, busy }) {
	return html`<li class=${m.status === 'failed' ? 'card outbox-item outbox-dead' : 'card outbox-item'}>
		<h2 class="outbox-kind">${kindWords(m.kind)} ${badge(m.status)}</h2>
		<p>${standing(m)}</p>
		${m.last_error && html`<p class="outbox-error"><span class="muted">${m.status === 'failed' ? 'Last error' : 'Last problem'}:</span> ${m.last_error}</p>`}
		<dl class="outbox-facts">
			<dt>Message</dt><dd><code>${m.idempotency_key}</code> (number ${m.id})</dd>
			<dt>Queued</dt><dd>${dateTimeWords(m.created_at)}</dd>
		</dl>
		${m.status === 'failed' && html`<p class="actions">
			<button type="button" class="button" disabled=${busy}
				aria-label=${`Send again (message ${m.id})`}
				onClick=${() => onReplay(m)}>${busy ? 'Sending again…' : 'Send again'}</button></p>`}
	</li>`;
}

export function Outbox() {
	const [status, setStatus] = useState('failed');
	const [kind, setKind] = useState('');
	const [data, setData] = useState(null);
	const [error, setError] = useState(null);
	const [note, setNote] = useState('');
	const [busy, setBusy] = useState(0);

	async function load() {
		const q = [status && `status=${status}`, kind && `kind=${encodeURIComponent(kind)}`, 'limit=200']
			.filter(Boolean).join('&');
		const res = await api('GET', `/api/v1/outbox?${q}`);
		if (res.ok) {
			setData(res.data);
			setError(null);
		} else if (res.status !== 401)
			setError(problemText(res));
	}
	useEffect(() => { load(); }, [status, kind]);

	async function replay(m) {
		setBusy(m.id);
		const res = await api('POST', `/api/v1/outbox/${m.id}/replay`, {});
		setBusy(0);
		if (res.ok)
			setNote(`Message ${m.id} (${kindWords(m.kind).toLowerCase()}) will be sent again now, from its first try.`);
		else if (res.status !== 401)
			setNote(problemText(res));
		load();
	}

	const counts = (data && data.counts) || {};
	const list = data ? data.messages || [] : null;
	return html`<${Page} title="Messages to partners" wide>
		<p>Every message to a partner is kept until it is delivered. One that still fails after its last try
			becomes a <strong>dead letter</strong>: nothing more happens to it until you send it again.</p>
		<div class="tabs" role="group" aria-label="Which messages">
			${STATUSES.map(([s, label]) => html`<button type="button" key=${s || 'all'}
				aria-pressed=${status === s ? 'true' : 'false'}
				class=${status === s ? 'button button-small' : 'button button-small button-secondary'}
				onClick=${() => setStatus(s)}>${label}${s && counts[s] !== undefined ? ` (${counts[s]})` : ''}</button>`)}
		</div>
		<div class="field outbox-filter">
			<label for="outbox-kind">Kind of message</label>
			<select id="outbox-kind" value=${kind} onChange=${(e) => setKind(e.currentTarget.value)}>
				${KINDS.map(([k, label]) => html`<option value=${k}>${label}</option>`)}
			</select>
		</div>
		<p role="status" class="outbox-note">${note}</p>
		${error && html`<div class="alert" role="alert"><p>${error}</p></div>`}
		${list === null && !error && html`<p class="loading" role="status"><span class="spinner" aria-hidden="true"></span>Loading…</p>`}
		${list && list.length === 0 && html`<p>${status === 'failed' ? 'No dead letters: every message was delivered or is still being tried.' : 'No messages here.'}</p>`}
		${list && list.length > 0 && html`<ol class="outbox-list">${list.map((m) => html`<${Message} key=${m.id} m=${m}
			busy=${busy === m.id} onReplay=${replay} />`)}</ol>`}
	<//>`;
}
