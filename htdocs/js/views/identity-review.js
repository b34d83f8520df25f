// Admin: identity checks the provider marked "consider" (#/identity-review).
// Each shows the provider's result; the admin approves or rejects it with a
// reason, which is recorded in the audit trail with the decision.
import { useEffect, useState } from '/vendor/hooks.js';
import { api } from '../api.js';
import { html, Page, Status, useForm, FormAlert, Submit } from './ui.js';

const when = (iso) => iso ? iso.replace('T', ' ').replace('Z', ' UTC') : '';

function ProviderResult({ c }) {
	const r = c.provider_result || {};
	const reasons = Array.isArray(r.reasons) ? r.reasons : [];
	const out = r.output && typeof r.output === 'object' ? r.output : {};
	return html`<dl class="facts">
		<dt>Provider's status</dt><dd>${c.provider_status || 'unknown'}</dd>
		${out.result && html`<dt>Result</dt><dd>${String(out.result)}</dd>`}
		${out.document_type && html`<dt>Document</dt><dd>${String(out.document_type).replace(/_/g, ' ')}</dd>`}
		<dt>Reasons</dt><dd>${reasons.length ? html`<ul class="idv-reasons">${reasons.map((x) =>
			html`<li>${String(x).replace(/_/g, ' ')}</li>`)}</ul>` : 'none given'}</dd>
		<dt>Workflow run</dt><dd><code>${c.workflow_run_id || '—'}</code></dd>
	</dl>
	<details class="idv-raw"><summary>The provider's full result</summary>
		<pre>${JSON.stringify(c.provider_result, null, 2)}</pre>
	</details>`;
}

function Decide({ c, onDecided }) {
	const f = useForm({ decision: '', reason: '' }, { decision: 'Decision', reason: 'Reason' });
	const id = `c${c.id}`;

	function onSubmit(e) {
		e.preventDefault();
		const ok = f.check({
			decision: f.values.decision ? null : 'Choose approve or reject',
			reason: f.values.reason.trim().length >= 3 ? null : 'Give a reason (at least 3 characters)',
		});
		if (ok)
			f.submit(() => api('POST', `/api/v1/idv/reviews/${c.id}`, f.values), onDecided);
	}

	const err = (name) => f.errors[name] && html`<p class="field-error" id=${`${id}-${name}-error`}>
		<span class="visually-hidden">Error: </span>${f.errors[name]}</p>`;
	return html`<form ref=${f.form} onSubmit=${onSubmit} novalidate>
		<${FormAlert} alert=${f.alert} />
		<fieldset class=${f.errors.decision ? 'field choices field-invalid' : 'field choices'}
			aria-describedby=${f.errors.decision ? `${id}-decision-error` : undefined}>
			<legend>Decision</legend>
			${err('decision')}
			${[['approve', 'Approve: identity confirmed'], ['reject', 'Reject: not confirmed']].map(([v, label], i) => html`
				<div class="choice">
					<input type="radio" id=${`${id}-${v}`} name=${`${id}-decision`} value=${v}
						checked=${f.values.decision === v} data-field=${i === 0 ? 'decision' : undefined}
						onChange=${() => f.set('decision')(v)} />
					<label for=${`${id}-${v}`}>${label}</label>
				</div>`)}
		</fieldset>
		<div class=${f.errors.reason ? 'field field-invalid' : 'field'}>
			<label for=${`${id}-reason`}>Reason</label>
			<p class="hint" id=${`${id}-reason-hint`}>Recorded in the audit trail with your decision.</p>
			${err('reason')}
			<textarea id=${`${id}-reason`} data-field="reason" rows="3" maxlength="1000"
				aria-invalid=${f.errors.reason ? 'true' : undefined}
				aria-describedby=${[`${id}-reason-hint`, f.errors.reason && `${id}-reason-error`].filter(Boolean).join(' ')}
				value=${f.values.reason} onInput=${(e) => f.set('reason')(e.currentTarget.value)}></textarea>
		</div>
		<${Submit} busy=${f.busy} label="Record decision" busyLabel="Recording…" />
	</form>`;
}

function Item({ c, decided, onDecided }) {
	const p = c.patient || {};
	return html`<li class="card idv-review">
		<h2>${p.family_name}, ${p.given_name}</h2>
		<p class="patient-meta">Born ${p.date_of_birth || 'unknown'} · ${p.email} · attempt ${c.attempt}
			· updated ${when(c.updated_at)}</p>
		<${ProviderResult} c=${c} />
		${decided ? html`<p><span class="badge">${c.status}</span> ${c.decision_reason}
			<span class="muted">(${when(c.decided_at)})</span></p>` :
			html`<${Decide} c=${c} onDecided=${() => onDecided(c)} />`}
	</li>`;
}

export function IdentityReview() {
	const [state, setState] = useState('open');
	const [list, setList] = useState(null);
	const [error, setError] = useState(null);
	const [done, setDone] = useState(null);

	async function load(s) {
		setList(null);
		const res = await api('GET', `/api/v1/idv/reviews?state=${s}&limit=100`);
		if (res.ok)
			setList(res.data.reviews);
		else
			setError(res.problem.title);
	}

	useEffect(() => { load(state); }, [state]);

	function decided(c) {
		setList((l) => l.filter((x) => x.id !== c.id));
		setDone(`Decision recorded for ${c.patient ? `${c.patient.given_name} ${c.patient.family_name}` : `check ${c.id}`}.`);
	}

	return html`<${Page} title="Identity checks to review" wide>
		<p>Checks our identity partner could not clear by itself. Look at the provider's result, then approve
			or reject with a reason.</p>
		<div class="pager" role="group" aria-label="Which checks">
			<button type="button" class=${state === 'open' ? 'button button-small' : 'button button-small button-secondary'}
				aria-pressed=${state === 'open'} onClick=${() => setState('open')}>Waiting</button>
			<button type="button" class=${state === 'decided' ? 'button button-small' : 'button button-small button-secondary'}
				aria-pressed=${state === 'decided'} onClick=${() => setState('decided')}>Decided</button>
		</div>
		<${Status} text=${done} />
		${error && html`<p class="alert" role="alert">${error}</p>`}
		${!list && !error && html`<p class="loading" role="status"><span class="spinner" aria-hidden="true"></span>Loading…</p>`}
		${list && list.length === 0 && html`<p>${state === 'open' ? 'Nothing is waiting for review.' : 'No decisions yet.'}</p>`}
		${list && list.length > 0 && html`<ul class="idv-reviews">
			${list.map((c) => html`<${Item} key=${c.id} c=${c} decided=${state === 'decided'} onDecided=${decided} />`)}
		</ul>`}
	<//>`;
}
