// Intake reviews for clinicians and admins: the queue of submissions that
// need a clinician (reasons, flags, scores), one submission's answers, and
// a clinician's decision with a note the patient sees.
import { useEffect, useState } from '/vendor/hooks.js';
import { api } from '../api.js';
import { flatten, optionValue, optionLabel } from '../intake-eval.js';
import { html, Page, FormAlert, Status } from './ui.js';

const RISK = ['psychiatric-risk', 'current-suicidal-thoughts', 'self-harm-thoughts'];

const OUTCOME_WORDS = { eligible: 'Eligible', needs_review: 'Needs review', not_eligible: 'Not eligible' };

function when(iso) {
	const d = new Date(iso);
	return isNaN(d) ? iso : d.toLocaleString('en-GB', { dateStyle: 'medium', timeStyle: 'short' });
}

function age(dob) {
	if (!dob)
		return 'date of birth not recorded';
	const b = new Date(`${dob}T00:00:00Z`), n = new Date();
	let y = n.getUTCFullYear() - b.getUTCFullYear();
	if (n.getUTCMonth() < b.getUTCMonth() || (n.getUTCMonth() === b.getUTCMonth() && n.getUTCDate() < b.getUTCDate()))
		y--;
	return `${y} years old (born ${dob})`;
}

function Flags({ flags }) {
	if (!flags || flags.length === 0)
		return html`<p class="muted">No flags.</p>`;
	return html`<ul class="flags">${flags.map((f) => html`<li key=${f.code}
		class=${RISK.includes(f.code) ? 'flag flag-risk' : 'flag'}><strong>${RISK.includes(f.code) ? 'Risk: ' : 'Flag: '}</strong>${f.text}</li>`)}</ul>`;
}

function Scores({ scores }) {
	const list = Object.entries(scores || {});
	if (list.length === 0)
		return null;
	return html`<dl class="facts scores">
		${list.map(([name, s]) => html`<dt key=${`${name}-t`}>${s.title}</dt>
			<dd key=${`${name}-d`}><strong>${s.value}</strong>${s.label ? ` – ${s.label}` : ''}${s.complete === false ? ' (incomplete)' : ''}</dd>`)}
	</dl>`;
}

function Summary({ v }) {
	return html`<dl class="facts">
		<dt>Patient</dt><dd>${v.patient.given_name} ${v.patient.family_name} (#${v.patient.id}), ${age(v.patient.date_of_birth)}</dd>
		<dt>Sent</dt><dd>${v.submitted_at ? when(v.submitted_at) : '–'}</dd>
		<dt>Automatic outcome</dt><dd>${OUTCOME_WORDS[v.outcome] || v.outcome}</dd>
		${v.decision && html`<dt>Decision</dt><dd>${OUTCOME_WORDS[v.decision]}${v.decided_by ? ` by ${v.decided_by.given_name} ${v.decided_by.family_name}` : ''}${v.decided_at ? `, ${when(v.decided_at)}` : ''}</dd>`}
	</dl>`;
}

function Reasons({ reasons }) {
	return reasons && reasons.length ? html`<ul class="reasons">${reasons.map((r) => html`<li key=${r.code}>${r.text}</li>`)}</ul>` : null;
}

function ReviewCard({ v }) {
	return html`<li class="card review-card">
		<h2>${v.patient.given_name} ${v.patient.family_name}</h2>
		<${Summary} v=${v} />
		<${Flags} flags=${v.flags} />
		<${Reasons} reasons=${v.reasons} />
		<${Scores} scores=${v.scores} />
		<p><a class="button button-secondary" href=${`#/review/${v.id}`}>Open answers${v.status === 'open' ? ' and decide' : ''}</a></p>
	</li>`;
}

function Queue() {
	const [status, setStatus] = useState('open');
	const [list, setList] = useState(null);
	const [error, setError] = useState(null);

	useEffect(() => {
		setList(null);
		api('GET', `/api/v1/intake/reviews?status=${status}`).then((res) => {
			if (res.ok)
				setList(res.data.reviews);
			else if (res.status !== 401)
				setError(res.problem.title);
		});
	}, [status]);

	return html`<${Page} title="Intake reviews" wide>
		<p>Submissions that need a clinician: answers that raised a flag or fell outside the automatic rules.</p>
		<div class="tabs" role="group" aria-label="Which reviews">
			${['open', 'closed'].map((s) => html`<button type="button" key=${s} aria-pressed=${status === s ? 'true' : 'false'}
				class=${status === s ? 'button button-small' : 'button button-small button-secondary'}
				onClick=${() => setStatus(s)}>${s === 'open' ? 'Waiting' : 'Decided'}</button>`)}
		</div>
		${error && html`<div class="alert" role="alert"><p>${error}</p></div>`}
		${list === null && !error && html`<p class="loading" role="status"><span class="spinner" aria-hidden="true"></span>Loading…</p>`}
		${list && html`<p role="status" class="muted">${list.length === 0 ? 'Nothing here.' : `${list.length} submission${list.length === 1 ? '' : 's'}, oldest first.`}</p>`}
		${list && html`<ol class="reviews">${list.map((v) => html`<${ReviewCard} key=${v.id} v=${v} />`)}</ol>`}
	<//>`;
}

// One answer in words, as the patient chose it.
function answerText(item, value) {
	const vals = Array.isArray(value) ? value : [value];
	return vals.map((v) => {
		if (item.type === 'boolean')
			return v ? 'Yes' : 'No';
		if (item.type === 'choice') {
			const opt = (item.answerOption || []).find((o) => optionValue(o) === v);
			return opt ? optionLabel(opt) : String(v);
		}
		return String(v);
	}).join('; ');
}

function Answers({ def, response }) {
	const on = new Set(response.enabled || []);
	const flat = flatten(def);
	const rows = flat.filter(({ item }) => on.has(item.linkId) && (item.type === 'group' ||
		response.answers[item.linkId] !== undefined));
	return html`<dl class="answers">
		${rows.map(({ item, depth }) => item.type === 'group' ?
			html`<div key=${item.linkId} class=${`answers-group depth-${depth}`}><dt>${item.text}</dt><dd></dd></div>` :
			html`<div key=${item.linkId}><dt>${item.text}</dt><dd>${answerText(item, response.answers[item.linkId])}</dd></div>`)}
	</dl>`;
}

function Decide({ v, onDecided }) {
	const [decision, setDecision] = useState('');
	const [note, setNote] = useState('');
	const [alert, setAlert] = useState(null);
	const [busy, setBusy] = useState(false);

	async function send(e) {
		e.preventDefault();
		if (!decision) {
			setAlert({ title: 'Choose a decision', text: 'Choose eligible or not eligible.' });
			return;
		}
		setBusy(true);
		const res = await api('POST', `/api/v1/intake/reviews/${v.id}`,
			note.trim() ? { decision, note: note.trim() } : { decision });
		setBusy(false);
		if (res.ok)
			onDecided(res.data);
		else if (res.status !== 401)
			setAlert({ text: res.problem.detail || res.problem.title });
	}

	return html`<form class="card" onSubmit=${send} novalidate aria-labelledby="decide-h">
		<h2 id="decide-h">Your decision</h2>
		<${FormAlert} alert=${alert} />
		<fieldset class="field">
			<legend>Can this patient go ahead?</legend>
			<div class="choices">
				${[['eligible', 'Eligible: the patient may book'], ['not_eligible', 'Not eligible']].map(([d, label]) => html`
					<div class="choice" key=${d}>
						<input type="radio" id=${`d-${d}`} name="decision" checked=${decision === d} onChange=${() => setDecision(d)} />
						<label for=${`d-${d}`}>${label}</label>
					</div>`)}
			</div>
		</fieldset>
		<div class="field">
			<label for="d-note">Note for the patient <span class="optional">(optional)</span></label>
			<p class="hint" id="d-note-hint">The patient sees this with your decision. Write it in plain words.</p>
			<textarea id="d-note" class="q-input" rows="4" maxlength="2000" aria-describedby="d-note-hint" value=${note}
				onInput=${(e) => setNote(e.currentTarget.value)}></textarea>
		</div>
		<button type="submit" class="button" disabled=${busy}>
			${busy && html`<span class="spinner" aria-hidden="true"></span>`}${busy ? 'Saving…' : 'Record decision'}</button>
	</form>`;
}

function Detail({ id, session }) {
	const [v, setV] = useState(null);
	const [resp, setResp] = useState(null);
	const [def, setDef] = useState(null);
	const [error, setError] = useState(null);
	const [done, setDone] = useState('');

	useEffect(() => {
		(async () => {
			const r = await api('GET', `/api/v1/intake/reviews/${encodeURIComponent(id)}`);
			if (!r.ok)
				return r.status !== 401 && setError(r.problem.title);
			setV(r.data);
			const [a, d] = await Promise.all([
				api('GET', `/api/v1/intake/responses/${r.data.response_id}`),
				api('GET', `/api/v1/intake/questionnaires/${r.data.key}?version=${r.data.version}`),
			]);
			if (!a.ok || !d.ok)
				return setError((a.ok ? d : a).problem.title);
			setResp(a.data);
			setDef(d.data);
		})();
	}, [id]);

	const title = v ? `Review: ${v.patient.given_name} ${v.patient.family_name}` : 'Review';
	return html`<${Page} title=${title} wide>
		<p><a href="#/review">Back to the reviews</a></p>
		${error && html`<div class="alert" role="alert"><p>${error}</p></div>`}
		${!v && !error && html`<p class="loading" role="status"><span class="spinner" aria-hidden="true"></span>Loading…</p>`}
		${v && html`<section class="card" aria-labelledby="why-h">
			<h2 id="why-h">Why it is here</h2>
			<${Summary} v=${v} />
			<${Flags} flags=${v.flags} />
			<${Reasons} reasons=${v.reasons} />
			<${Scores} scores=${v.scores} />
			${v.note && html`<p><span class="muted">Note to the patient:</span> ${v.note}</p>`}
		</section>`}
		<${Status} text=${done} />
		${v && v.status === 'open' && session.user.role === 'clinician' && html`<${Decide} v=${v}
			onDecided=${(nv) => { setV(nv); setDone('Decision recorded. The patient will see it.'); }} />`}
		${v && v.status === 'open' && session.user.role !== 'clinician' && html`<p class="notice">A clinician records the decision.</p>`}
		${resp && def && html`<section class="card" aria-labelledby="answers-h">
			<h2 id="answers-h">Answers</h2>
			<${Answers} def=${def} response=${resp} />
		</section>`}
	<//>`;
}

export function IntakeReview({ session, path }) {
	return path ? html`<${Detail} id=${path} session=${session} />` : html`<${Queue} />`;
}
