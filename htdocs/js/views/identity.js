// The patient's identity check (#/identity): what is needed, start it, follow
// it while the clinic sets it up with the identity partner (polling), then a
// button to continue at the partner; back here, the result in plain words.
import { useEffect, useRef, useState } from '/vendor/hooks.js';
import { api } from '../api.js';
import { html, Page } from './ui.js';

// How often to ask again, by status (ms); statuses not listed are final.
const POLL = { queued: 1500, link_ready: 5000, awaiting_result: 2000, consider: 30000 };

const HEADLINE = {
	none: 'Confirm your identity',
	queued: 'Setting up your check',
	link_ready: 'Your check is ready',
	awaiting_result: 'Checking your documents',
	clear: 'Your identity is verified',
	approved: 'Your identity is verified',
	consider: 'Your check is being reviewed',
	declined: 'We could not verify your identity',
	rejected: 'We could not verify your identity',
	failed: 'The check did not finish',
};

function Needed() {
	return html`<section class="card" aria-labelledby="idv-need-h">
		<h2 id="idv-need-h">What you need</h2>
		<ul class="idv-needs">
			<li>A passport or a photo driving licence that is in date</li>
			<li>A phone with a camera, for a photo of the document and a short selfie</li>
			<li>About 5 minutes, somewhere with good light</li>
		</ul>
		<p class="muted">The check is done by our identity partner. The clinic sees the result, not your
			photos.</p>
	</section>`;
}

// Steps shown while the check moves along, with the current one marked.
function Progress({ status }) {
	const order = ['queued', 'link_ready', 'awaiting_result'];
	const at = order.indexOf(status);
	const labels = ['Setting up with our identity partner', 'Your documents and selfie', 'Result'];
	return html`<ol class="idv-steps">
		${labels.map((l, i) => html`<li class=${i < at ? 'idv-done' : i === at ? 'idv-now' : ''}
			aria-current=${i === at ? 'step' : undefined}>
			${l}${i < at ? html`<span class="visually-hidden"> (done)</span>` : ''}
		</li>`)}
	</ol>`;
}

export function Identity() {
	const [check, setCheck] = useState(null);
	const [error, setError] = useState(null);
	const [busy, setBusy] = useState(false);
	const timer = useRef(null);
	const alive = useRef(true);

	async function load() {
		clearTimeout(timer.current);
		const res = await api('GET', '/api/v1/idv/checks/current');
		if (!alive.current)
			return;
		if (res.ok) {
			setCheck(res.data);
			setError(null);
		} else if (res.status !== 401)
			setError(res.problem.detail || res.problem.title);
		const wait = res.ok ? POLL[res.data.status] : 5000;
		if (wait && res.status !== 401)
			timer.current = setTimeout(load, wait);
	}

	useEffect(() => {
		alive.current = true;
		load();
		return () => { alive.current = false; clearTimeout(timer.current); };
	}, []);

	async function start() {
		setBusy(true);
		setError(null);
		const res = await api('POST', '/api/v1/idv/checks');
		setBusy(false);
		if (res.ok) {
			setCheck(res.data);
			load();
		} else if (res.status === 409)
			load();
		else if (res.status !== 401)
			setError(res.problem.detail ? `${res.problem.title}. ${res.problem.detail}` : res.problem.title);
	}

	if (!check)
		return html`<${Page} title="Confirm your identity">
			${error ? html`<p class="alert" role="alert">${error}</p>` :
				html`<p class="loading" role="status"><span class="spinner" aria-hidden="true"></span>Loading…</p>`}
		<//>`;

	const s = check.status;
	const verified = s === 'clear' || s === 'approved';
	const startButton = (label) => html`<button type="button" class="button" disabled=${busy} onClick=${start}>
		${busy && html`<span class="spinner" aria-hidden="true"></span>`}${busy ? 'Starting…' : label}
	</button>`;

	return html`<${Page} title=${HEADLINE[s] || 'Confirm your identity'}>
		${error && html`<p class="alert" role="alert">${error}</p>`}
		<div class=${verified ? 'notice idv-result idv-ok' : 'notice idv-result'} role="status">
			<p>${verified ? html`<strong>Verified.</strong> ` : ''}${check.next_step}</p>
			${s === 'queued' && check.retrying && html`<p class="muted">Our identity partner is slow to
				answer; we keep trying. You can leave this page and come back later.</p>`}
		</div>
		${(s === 'queued' || s === 'link_ready' || s === 'awaiting_result') && html`<${Progress} status=${s} />`}
		${(s === 'queued' || s === 'awaiting_result') && html`<p class="loading idv-wait">
			<span class="spinner" aria-hidden="true"></span>${s === 'queued' ? 'Getting your check ready…' : 'Waiting for the result…'}</p>`}
		${s === 'link_ready' && check.link_url && html`<p>
			<a class="button" href=${check.link_url} rel="noreferrer">Continue to the identity check</a></p>
			<p class="hint">You will leave the clinic's site for our identity partner's. When you have finished, come
				back to this page to see the result.</p>`}
		${s === 'none' && html`${startButton('Start identity check')}<${Needed} />`}
		${check.can_start_again && s !== 'none' && html`${startButton('Try again')}<${Needed} />`}
		${check.required_for_booking && !verified && html`<p class="aside muted">You need a verified identity
			before you can book a consultation.</p>`}
		${verified && html`<p><a href="#/">Back to your next steps</a></p>`}
	<//>`;
}
