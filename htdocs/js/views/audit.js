// The audit trail for auditors and admins: recent events, filters, paging, chain check.
import { useEffect, useState } from '/vendor/hooks.js';
import { api } from '../api.js';
import { html, useForm, FormAlert, Field, Submit } from './ui.js';

const PAGE = 20;

function when(iso) {
	const d = new Date(iso);
	return isNaN(d) ? iso : d.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'long' });
}

function who(e) {
	if (e.actor_id == null)
		return 'Nobody signed in';
	const name = e.actor_name || `User ${e.actor_id}`;
	const role = [e.actor_role, e.actor_registration && `reg. ${e.actor_registration}`].filter(Boolean).join(', ');
	return `${name} (#${e.actor_id}${role ? `, ${role}` : ''})`;
}

function Event({ e }) {
	return html`<li class=${`event event-${e.outcome}`}>
		<p class="event-head">
			<span class="event-action">${e.action}</span>
			<span class="badge">${e.outcome}</span>
		</p>
		<dl class="facts">
			<dt>When</dt><dd><time datetime=${e.occurred_at}>${when(e.occurred_at)}</time></dd>
			<dt>Who</dt><dd>${who(e)}${e.actor_email && html`<br /><span class="muted">${e.actor_email}</span>`}</dd>
			${e.entity_type && html`<dt>What</dt><dd>${e.entity_type}${e.entity_id ? ` ${e.entity_id}` : ''}</dd>`}
			${e.details && html`<dt>Details</dt><dd><code class="wrap">${JSON.stringify(e.details)}</code></dd>`}
			<dt>Event</dt><dd>#${e.seq} · from ${e.client_addr || 'unknown address'} · request <code class="wrap">${e.request_id || '–'}</code></dd>
		</dl>
	</li>`;
}

function query(filter, before) {
	const q = new URLSearchParams({ limit: String(PAGE) });
	if (filter.action.trim())
		q.set('action', filter.action.trim());
	if (filter.actor.trim())
		q.set('actor', filter.actor.trim());
	if (before)
		q.set('before', String(before));
	return `/api/v1/audit/events?${q}`;
}

function Verify() {
	const [busy, setBusy] = useState(false);
	const [result, setResult] = useState(null);

	async function run() {
		setBusy(true);
		setResult(null);
		const res = await api('GET', '/api/v1/audit/verify');
		setBusy(false);
		if (res.status !== 401)
			setResult(res);
	}

	let text = null;
	if (result && !result.ok)
		text = html`<p>${result.problem.title}${result.problem.detail ? `. ${result.problem.detail}` : ''}</p>`;
	else if (result && result.data.ok)
		text = html`<p class="alert-title">The chain is intact</p>
			<p>${result.data.count} events checked. The newest is #${result.data.head_seq}, hash <code class="wrap">${result.data.head}</code>.</p>`;
	else if (result)
		text = html`<p class="alert-title">The chain is broken</p>
			<p>The first bad event is #${result.data.first_bad}: ${result.data.reason}. ${result.data.count} events were checked.</p>`;

	return html`<section class="card" aria-labelledby="verify-h">
		<h2 id="verify-h">Check the trail has not been altered</h2>
		<p>Recomputes every event's hash from the first to the newest.</p>
		<button type="button" class="button" disabled=${busy} onClick=${run}>
			${busy && html`<span class="spinner" aria-hidden="true"></span>`}${busy ? 'Verifying…' : 'Verify the chain'}
		</button>
		<div role="status" class=${!text ? 'alert alert-empty' : result.ok && result.data.ok ? 'alert alert-ok verify-result' : 'alert verify-result'}>${text}</div>
	</section>`;
}

export function AuditTrail() {
	const f = useForm({ action: '', actor: '' }, { action: 'Action', actor: 'Person (user number)' });
	const [shown, setShown] = useState({ action: '', actor: '' });
	const [events, setEvents] = useState(null);
	const [next, setNext] = useState(null);
	const [more, setMore] = useState(false);

	function load(filter) {
		f.submit(() => api('GET', query(filter)), (data) => {
			setShown(filter);
			setEvents(data.events);
			setNext(data.next_before);
		});
	}
	useEffect(() => load(f.values), []);

	function onSubmit(e) {
		e.preventDefault();
		const ok = f.check({ actor: /^\d*$/.test(f.values.actor.trim()) ? null : 'Person must be a user number, like 12' });
		if (ok)
			load(f.values);
	}

	async function older() {
		setMore(true);
		const res = await api('GET', query(shown, next));
		setMore(false);
		if (res.ok) {
			setEvents((ev) => [...ev, ...res.data.events]);
			setNext(res.data.next_before);
		} else if (res.status !== 401) {
			f.setAlert({ text: res.problem.detail || res.problem.title });
		}
	}

	return html`<${Verify} />
	<section class="card" aria-labelledby="events-h">
		<h2 id="events-h">Recent events</h2>
		<form ref=${f.form} onSubmit=${onSubmit} novalidate class="filters">
			<${FormAlert} alert=${f.alert} />
			<${Field} name="action" label="Action" hint="For example auth.login" spellcheck=${false} autocapitalize="none"
				value=${f.values.action} onValue=${f.set('action')} error=${f.errors.action} />
			<${Field} name="actor" label="Person (user number)" inputmode="numeric"
				value=${f.values.actor} onValue=${f.set('actor')} error=${f.errors.actor} />
			<${Submit} busy=${f.busy} label="Show events" busyLabel="Loading…" />
		</form>
		${events && html`<p role="status" class="muted">${events.length === 0 ? 'No events match.' :
			`Showing the newest ${events.length} event${events.length === 1 ? '' : 's'}${shown.action || shown.actor ? ' that match' : ''}, newest first.`}</p>`}
		${events && html`<ol class="events">${events.map((e) => html`<${Event} key=${e.seq} e=${e} />`)}</ol>`}
		${next && html`<button type="button" class="button button-secondary" disabled=${more} onClick=${older}>
			${more && html`<span class="spinner" aria-hidden="true"></span>`}${more ? 'Loading…' : 'Show older events'}</button>`}
	</section>`;
}
