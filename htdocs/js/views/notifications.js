// In-portal notifications (#/notifications; everyone): what happened to
// prescriptions that needs someone's attention (out of stock, not accepted,
// shipped, delivered...), newest first, unread ones marked. Opening one
// marks it read and follows its link. NotificationsLink is the header's
// link with the unread count (refreshed on every route change, every
// minute, and when this screen marks something read).
import { useEffect, useState } from '/vendor/hooks.js';
import { api } from '../api.js';
import { html, Page } from './ui.js';
import { problemText } from './book.js';
import { dateTimeWords } from './rx-format.js';

const CHANGED = 'clinic:notifications-changed';

function changed() {
	window.dispatchEvent(new Event(CHANGED));
}

export function NotificationsLink() {
	const [unread, setUnread] = useState(0);
	useEffect(() => {
		let alive = true;
		const load = async () => {
			const res = await api('GET', '/api/v1/notifications?unread=1&limit=1');
			if (alive && res.ok)
				setUnread(res.data.unread || 0);
		};
		load();
		const timer = setInterval(load, 60000);
		window.addEventListener('hashchange', load);
		window.addEventListener(CHANGED, load);
		return () => {
			alive = false;
			clearInterval(timer);
			window.removeEventListener('hashchange', load);
			window.removeEventListener(CHANGED, load);
		};
	}, []);
	return html`<a href="#/notifications" class="notify-link"
		aria-label=${unread ? `Notifications, ${unread} unread` : 'Notifications'}>Notifications${unread > 0 &&
		html` <span class="notify-count" aria-hidden="true">${unread}</span>`}</a>`;
}

// The figures a notification carries, in words (what is missing, the alternatives).
function Details({ n }) {
	const d = n.data || {};
	const alts = Array.isArray(d.alternatives) ? d.alternatives : null;
	const reasons = Array.isArray(d.reasons) ? d.reasons : null;
	return html`${reasons && reasons.length > 0 && html`<ul class="notify-reasons">
			${reasons.map((r, i) => html`<li key=${i}>${r.message}${r.code ? html` <span class="muted">(${r.code})</span>` : ''}</li>`)}
		</ul>`}
		${alts && html`<p class="notify-alts">${alts.length ?
			html`Alternatives in the plan: ${alts.map((a, i) => html`${i ? ', ' : ''}<strong>${a.title}</strong>`)}` :
			'No other product in the plan is available.'}</p>`}
		${d.tracking_number && html`<p>Tracking number: <strong class="notify-tracking">${d.tracking_number}</strong>${d.tracking_url &&
			html` · <a href=${d.tracking_url} target="_blank" rel="noopener noreferrer">Track the parcel</a>`}</p>`}`;
}

export function Notifications() {
	const [list, setList] = useState(null);
	const [unread, setUnread] = useState(0);
	const [onlyUnread, setOnlyUnread] = useState(false);
	const [error, setError] = useState(null);
	const [status, setStatus] = useState('');

	async function load() {
		const res = await api('GET', `/api/v1/notifications?limit=100${onlyUnread ? '&unread=1' : ''}`);
		if (res.ok) {
			setList(res.data.notifications || []);
			setUnread(res.data.unread || 0);
			setError(null);
		} else if (res.status !== 401)
			setError(problemText(res));
	}
	useEffect(() => { load(); }, [onlyUnread]);

	async function markRead(n) {
		if (n.read)
			return true;
		const res = await api('POST', `/api/v1/notifications/${n.id}/read`);
		if (res.ok) {
			setList((l) => l.map((x) => (x.id === n.id ? { ...x, read: true } : x)));
			setUnread(res.data.unread);
			changed();
		}
		return res.ok;
	}

	async function open(e, n) {
		e.preventDefault();
		await markRead(n);
		if (n.link)
			location.hash = n.link;
	}

	async function readAll() {
		const res = await api('POST', '/api/v1/notifications/read-all');
		if (res.ok) {
			setStatus(res.data.marked ? `${res.data.marked} marked as read.` : 'Nothing was unread.');
			changed();
			load();
		} else if (res.status !== 401)
			setError(problemText(res));
	}

	return html`<${Page} title="Notifications">
		<div class=${status ? 'alert alert-ok' : 'alert alert-empty'} role="status">${status && html`<p>${status}</p>`}</div>
		${error && html`<p class="alert" role="alert">${error}</p>`}
		<div class="notify-bar">
			<p class="notify-summary">${unread ? `${unread} unread` : 'Nothing unread'}</p>
			<div class="choice">
				<input type="checkbox" id="f-notify-unread" checked=${onlyUnread} onChange=${(e) => setOnlyUnread(e.currentTarget.checked)} />
				<label for="f-notify-unread">Only unread</label>
			</div>
			${unread > 0 && html`<button type="button" class="button button-secondary button-small" onClick=${readAll}>Mark all as read</button>`}
		</div>
		${list === null ? html`<p class="loading" role="status"><span class="spinner" aria-hidden="true"></span>Loading…</p>` :
			list.length === 0 ? html`<p>${onlyUnread ? 'No unread notifications.' : 'No notifications yet. When something happens to your prescriptions, it shows here.'}</p>` :
			html`<ul class="notify-list">
				${list.map((n) => html`<li key=${n.id} class=${n.read ? 'card notify-item' : 'card notify-item notify-unread'}>
					<h2 class="notify-title">${!n.read && html`<span class="badge badge-action">New</span> `}${n.link ?
						html`<a href=${n.link} onClick=${(e) => open(e, n)}>${n.title}</a>` : n.title}</h2>
					<p class="notify-when">${dateTimeWords(n.created_at)}</p>
					<p class="notify-body">${n.body}</p>
					<${Details} n=${n} />
					${!n.read && html`<p><button type="button" class="button button-secondary button-small"
						onClick=${() => markRead(n)}>Mark as read<span class="visually-hidden">: ${n.title}</span></button></p>`}
				</li>`)}
			</ul>`}
	<//>`;
}
