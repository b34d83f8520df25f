// The consultation note editor (clinician only): a SOAP template saved as the
// clinician types (each save a new version, PUT …/notes with base_version),
// kept on the device while it cannot be sent, signed off, then amended only
// with a reason (the earlier text stays in the history).
//
// Contract: <NoteEditor apptId userId headingRef? /> — renders a <section>;
// everything it needs it asks the API for. Unsent text lives in drafts.js.
import { useEffect, useRef, useState } from '/vendor/hooks.js';
import { api } from '../api.js';
import { html } from '../views/ui.js';
import { loadDraft, saveDraft, clearDraft } from './drafts.js';

const FIELDS = [
	{ key: 'subjective', label: 'Subjective', hint: 'What the patient tells you: symptoms, history, how treatment is going.' },
	{ key: 'objective', label: 'Objective', hint: 'What you observe: appearance, measurements, results.' },
	{ key: 'assessment', label: 'Assessment', hint: 'Your clinical impression.' },
	{ key: 'plan', label: 'Plan', hint: 'Next steps, treatment changes, follow-up.' },
];
const EMPTY = { subjective: '', objective: '', assessment: '', plan: '' };
const DEBOUNCE_MS = 1500;	// after the last keystroke
const MAX_WAIT_MS = 5000;	// while typing without a pause
const RETRY_MS = 10000;
const KIND = { draft: 'Draft', signature: 'Signed off', amendment: 'Amendment' };

const clock = (iso) => {
	const d = iso ? new Date(iso) : new Date();
	return isNaN(d) ? '' : d.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });
};
const when = (iso) => {
	const d = new Date(iso);
	return isNaN(d) ? iso || '' : d.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'medium' });
};
const same = (a, b) => FIELDS.every(({ key }) => (a[key] || '') === (b[key] || ''));
const soapOf = (cur) => ({ ...EMPTY, ...(cur && cur.soap ? cur.soap : {}) });

export function NoteEditor({ apptId, userId, headingRef }) {
	const [notes, setNotes] = useState(null);	// GET …/notes
	const [loadError, setLoadError] = useState(null);
	const [soap, setSoap] = useState(EMPTY);
	const [amending, setAmending] = useState(false);
	const [reason, setReason] = useState('');
	const [status, setStatus] = useState({ kind: 'idle', text: '' });
	const [announce, setAnnounce] = useState('');
	const [errors, setErrors] = useState({});
	const [busy, setBusy] = useState(false);
	// The editor's live state, read by timers and event handlers.
	const st = useRef({
		soap: EMPTY, base: 0, signed: false, amending: false, reason: '', sendAmendment: false,
		dirty: false, inflight: false, timer: null, firstDirty: 0, retry: null, loaded: false, gone: false,
	}).current;

	function keep() {
		saveDraft(userId, apptId, { soap: st.soap, base: st.base, amending: st.amending, reason: st.reason,
			sendAmendment: st.sendAmendment });
	}

	function adopt(data) {
		const cur = data.current !== undefined ? data.current : data;
		setNotes((n) => {
			const versions = data.versions || (n && n.versions || []).concat(cur && cur.version &&
				!(n && n.versions || []).some((v) => v.version === cur.version) ? [{
					version: cur.version, kind: cur.kind || (st.signed ? 'amendment' : 'draft'), soap: cur.soap,
					reason: cur.reason || null, saved_at: cur.saved_at, author_name: cur.author_name }] : []);
			return { ...(n || {}), ...(data.current !== undefined ? data : {}), current: cur, versions };
		});
		st.base = cur ? cur.version : 0;	// 0: no note yet
		st.signed = !!cur && cur.status === 'signed';
		return cur;
	}

	async function load() {
		const res = await api('GET', `/api/v1/consult/${apptId}/notes`);
		if (st.gone)
			return;
		if (!res.ok) {
			if (res.status === 0) {
				setLoadError('The note could not be loaded: no connection. Trying again…');
				clearTimeout(st.retry);
				st.retry = setTimeout(load, RETRY_MS);
			} else if (res.status !== 401) {
				setLoadError(res.problem.detail || res.problem.title);
			}
			return;
		}
		setLoadError(null);
		const cur = adopt(res.data);
		st.loaded = true;
		const draft = loadDraft(userId, apptId);
		const server = soapOf(cur);
		if (draft && !same(draft.soap, server) && (!st.signed || draft.amending)) {
			// Text typed here that the server never got: carry on with it.
			st.soap = { ...EMPTY, ...draft.soap };
			st.amending = st.signed && !!draft.amending;
			st.reason = draft.reason || '';
			st.sendAmendment = st.amending && !!draft.sendAmendment;
			st.dirty = !st.signed || st.sendAmendment;
			setSoap(st.soap);
			setAmending(st.amending);
			setReason(st.reason);
			setStatus({ kind: 'kept', text: 'Unsent text from this device restored; sending it now…' });
			if (st.dirty)
				send();
		} else {
			if (draft)
				clearDraft(userId, apptId);
			st.soap = server;
			setSoap(server);
			if (cur)
				setStatus({ kind: 'saved', text: `Saved ${clock(cur.saved_at)}` });
		}
	}

	function schedule() {
		clearTimeout(st.timer);
		const waited = Date.now() - st.firstDirty;
		st.timer = setTimeout(send, Math.max(0, Math.min(DEBOUNCE_MS, MAX_WAIT_MS - waited)));
	}

	async function send() {
		clearTimeout(st.timer);
		st.timer = null;
		if (st.gone || !st.loaded || !st.dirty || st.inflight)
			return;
		if (st.signed && !(st.amending && st.sendAmendment))
			return;
		st.inflight = true;
		const sent = st.soap;
		const body = { soap: sent, base_version: st.base };
		if (st.signed)
			body.reason = st.reason.trim();
		setStatus({ kind: 'saving', text: 'Saving…' });
		const res = await api('PUT', `/api/v1/consult/${apptId}/notes`, body);
		st.inflight = false;
		if (st.gone)
			return;
		if (res.ok) {
			const wasAmendment = st.signed;
			const cur = adopt(res.data);
			setErrors({});
			if (same(st.soap, sent)) {
				st.dirty = false;
				st.sendAmendment = false;
				if (wasAmendment) {
					st.amending = false;
					st.reason = '';
					setAmending(false);
					setReason('');
					setAnnounce('Amendment saved.');
				}
				clearDraft(userId, apptId);
			} else {
				keep();
				schedule();
			}
			if (wasAmendment)
				load();
			setStatus({ kind: 'saved', text: `Saved ${clock(cur && cur.saved_at)}` });
			return;
		}
		if (res.status === 0) {
			setStatus({ kind: 'offline', text: 'Offline — kept on this device, will send when back' });
			setAnnounce('You are offline. The note is kept on this device and will be sent when you are back online.');
			clearTimeout(st.retry);
			st.retry = setTimeout(send, RETRY_MS);
			return;
		}
		if (res.status === 409 && /note-changed$/.test(res.problem.type || '')) {
			// Saved meanwhile (elsewhere, or a reply that never arrived).
			let current = res.problem.current;
			if (current === undefined) {
				const again = await api('GET', `/api/v1/consult/${apptId}/notes`);
				if (st.gone)
					return;
				if (!again.ok) {
					setStatus({ kind: 'error', text: 'Not saved yet; kept on this device, trying again…' });
					clearTimeout(st.retry);
					st.retry = setTimeout(send, RETRY_MS);
					return;
				}
				current = again.data.current;
			}
			const cur = adopt({ current });
			if (cur && same(cur.soap || {}, st.soap)) {
				st.dirty = false;
				clearDraft(userId, apptId);
				setStatus({ kind: 'saved', text: `Saved ${clock(cur.saved_at)}` });
			} else {
				setStatus({ kind: 'saving', text: 'The note changed elsewhere: saving your text as a newer version (the other is in the history)…' });
				schedule();
			}
			return;
		}
		if (res.status === 401)
			return;	// signed out: the text stays on this device for this clinician
		if (res.status === 422) {
			const errs = {};
			for (const e of res.problem.errors || [])
				errs[String(e.field).replace(/^soap\./, '')] = e.detail;
			setErrors(errs);
			st.sendAmendment = false;
			setStatus({ kind: 'error', text: `Not saved: ${(res.problem.errors || []).map((e) => `${e.field} ${e.detail}`).join('; ') || res.problem.title}. Kept on this device.` });
			setAnnounce('The note was not saved. See the message next to the note.');
			return;
		}
		if (res.status >= 500 || res.status === 429 || res.status === 408) {
			setStatus({ kind: 'error', text: `Not saved yet (${res.problem.title}); kept on this device, trying again…` });
			clearTimeout(st.retry);
			st.retry = setTimeout(send, (res.problem.retryAfter || 0) * 1000 || RETRY_MS);
			return;
		}
		setStatus({ kind: 'error', text: `Not saved: ${res.problem.detail || res.problem.title}. Your text is kept on this device.` });
		setAnnounce('The note was not saved.');
	}

	useEffect(() => {
		st.gone = false;
		load();
		const online = () => {
			setAnnounce('Back online.');
			if (!st.loaded)
				load();
			else if (st.dirty)
				send();
		};
		const offline = () => {
			if (st.dirty)
				setStatus({ kind: 'offline', text: 'Offline — kept on this device, will send when back' });
		};
		addEventListener('online', online);
		addEventListener('offline', offline);
		return () => {
			st.gone = true;
			clearTimeout(st.timer);
			clearTimeout(st.retry);
			removeEventListener('online', online);
			removeEventListener('offline', offline);
			// Anything unsent stays in the draft; send it on the way out if we can.
			if (st.dirty && st.loaded && !st.signed) {
				st.gone = false;
				send().finally(() => { st.gone = true; });
			}
		};
	}, [apptId, userId]);

	function edit(key, value) {
		st.soap = { ...st.soap, [key]: value };
		setSoap(st.soap);
		if (!st.dirty)
			st.firstDirty = Date.now();
		st.dirty = true;
		keep();
		if (!st.signed) {
			if (!navigator.onLine)
				setStatus({ kind: 'offline', text: 'Offline — kept on this device, will send when back' });
			else if (!st.inflight)
				setStatus({ kind: 'typing', text: 'Changes not saved yet…' });
			schedule();
		}
	}

	async function sign() {
		if (st.dirty || st.inflight || !st.base)
			return;
		setBusy(true);
		const res = await api('POST', `/api/v1/consult/${apptId}/notes/sign`, { base_version: st.base });
		setBusy(false);
		if (res.ok) {
			setAnnounce('The note is signed off.');
			await load();
		} else if (res.status !== 401) {
			setStatus({ kind: 'error', text: `Not signed off: ${res.problem.detail || res.problem.title}` });
			setAnnounce('The note was not signed off.');
			if (res.status === 409)
				load();
		}
	}

	function startAmend() {
		st.amending = true;
		setAmending(true);
		keep();
	}

	function cancelAmend() {
		st.amending = false;
		st.reason = '';
		st.sendAmendment = false;
		st.dirty = false;
		st.soap = soapOf(notes && notes.current);
		setSoap(st.soap);
		setAmending(false);
		setReason('');
		setErrors({});
		clearDraft(userId, apptId);
	}

	function saveAmendment(e) {
		e.preventDefault();
		const r = st.reason.trim();
		if (r.length < 3 || r.length > 1000) {
			setErrors({ reason: r.length < 3 ? 'Give a reason for the amendment (at least 3 characters)' :
				'The reason must be at most 1000 characters' });
			document.getElementById('note-reason')?.focus();
			return;
		}
		setErrors({});
		st.sendAmendment = true;
		st.dirty = true;
		keep();
		send();
	}

	const cur = notes && notes.current;
	const signed = !!cur && cur.status === 'signed';
	const readOnly = !notes || (signed && !amending);
	const versions = notes ? [...(notes.versions || [])].sort((a, b) => b.version - a.version) : [];
	return html`<section class="card note" aria-labelledby="note-h" id="consult-note">
		<h2 id="note-h" ref=${headingRef} tabindex="-1">Consultation note</h2>
		<div class="visually-hidden" role="status" aria-live="polite">${announce}</div>
		${loadError && html`<p class="alert" role="alert">${loadError}</p>`}
		${!notes && !loadError && html`<p class="loading"><span class="spinner" aria-hidden="true"></span>Loading the note…</p>`}
		${notes && html`<p class="note-meta">
			${cur ? html`<span class="badge ${signed ? 'badge-done' : ''}">${signed ? 'Signed off' : 'Draft'}</span>
				${' '}Version ${cur.version}${cur.author_name ? ` by ${cur.author_name}` : ''}.` : 'No note yet: start typing and it is saved as you go.'}
			${signed && notes.signed_at && html`<span class="note-signed"> Signed off ${when(notes.signed_at)}${notes.signed_by_name ? ` by ${notes.signed_by_name}` : ''}.</span>`}
		</p>`}
		<form class="note-form" onSubmit=${amending ? saveAmendment : (e) => { e.preventDefault(); send(); }} novalidate>
			${amending && html`<div class=${errors.reason ? 'field field-invalid' : 'field'}>
				<label for="note-reason">Reason for the amendment</label>
				<p class="hint" id="note-reason-hint">Required. The signed text stays in the history.</p>
				${errors.reason && html`<p class="field-error" id="note-reason-error"><span class="visually-hidden">Error: </span>${errors.reason}</p>`}
				<input id="note-reason" type="text" maxlength="1000" value=${reason}
					aria-invalid=${errors.reason ? 'true' : undefined}
					aria-describedby=${errors.reason ? 'note-reason-hint note-reason-error' : 'note-reason-hint'}
					onInput=${(e) => { st.reason = e.currentTarget.value; setReason(st.reason); keep(); }} />
			</div>`}
			${FIELDS.map(({ key, label, hint }) => html`<div key=${key} class=${errors[key] ? 'field field-invalid' : 'field'}>
				<label for=${`note-${key}`}>${label}</label>
				<p class="hint" id=${`note-${key}-hint`}>${hint}</p>
				${errors[key] && html`<p class="field-error" id=${`note-${key}-error`}><span class="visually-hidden">Error: </span>${label} ${errors[key]}</p>`}
				<textarea id=${`note-${key}`} rows="4" maxlength="20000" value=${soap[key]} readOnly=${readOnly}
					aria-describedby=${errors[key] ? `note-${key}-hint note-${key}-error` : `note-${key}-hint`}
					aria-invalid=${errors[key] ? 'true' : undefined}
					onInput=${(e) => edit(key, e.currentTarget.value)}></textarea>
			</div>`)}
			<p class=${`note-status note-${status.kind}`} id="note-status">${status.text}</p>
			<div class="note-actions">
				${notes && !signed && html`<button type="button" class="button" disabled=${busy || !cur || status.kind !== 'saved'}
					onClick=${sign}>${busy ? 'Signing off…' : 'Sign off the note'}</button>`}
				${signed && !amending && html`<button type="button" class="button button-secondary" onClick=${startAmend}>Amend the note</button>`}
				${amending && html`<button type="submit" class="button">Save amendment</button>
					<button type="button" class="button button-secondary" onClick=${cancelAmend}>Cancel amendment</button>`}
			</div>
			${notes && !signed && !cur && html`<p class="hint">You can sign off once the note has been saved.</p>`}
		</form>
		${versions.length > 0 && html`<details class="note-history">
			<summary>Version history (${versions.length})</summary>
			<ol class="note-versions" reversed>
				${versions.map((v) => html`<li key=${v.version}>
					<p class="note-version-head"><strong>Version ${v.version}</strong> · ${KIND[v.kind] || v.kind} · ${when(v.saved_at)}${v.author_name ? ` · ${v.author_name}` : ''}</p>
					${v.reason && html`<p>Reason: ${v.reason}</p>`}
					${v.soap && html`<dl class="facts note-soap">
						${FIELDS.map(({ key, label }) => html`<dt key=${`${key}-t`}>${label}</dt><dd key=${`${key}-d`}>${v.soap[key] || '—'}</dd>`)}
					</dl>`}
				</li>`)}
			</ol>
		</details>`}
	</section>`;
}
