// The patient's context beside the video (clinician only): details, the
// latest intake (outcome, flags, PHQ-9/GAD-7 and the answers), documents,
// identity status and the active treatment plans (with links to change
// them and to prescribe).
// Every read goes through the existing endpoints (docs/API.md), which audit
// staff reads themselves.
//
// Contract: <PatientContext patientId appointmentId? /> renders a <section>.
import { useEffect, useState } from '/vendor/hooks.js';
import { api } from '../api.js';
import { flatten, optionValue, optionLabel } from '../intake-eval.js';
import { html } from '../views/ui.js';

const OUTCOMES = { eligible: 'Eligible', needs_review: 'Needs review', not_eligible: 'Not eligible' };
const RISK = ['psychiatric-risk', 'current-suicidal-thoughts', 'self-harm-thoughts'];
const IDV = {
	none: 'Not started', queued: 'Started', link_ready: 'Waiting for the patient',
	awaiting_result: 'Waiting for the provider', clear: 'Clear', consider: 'Needs an admin review',
	declined: 'Declined by the provider', approved: 'Approved by an admin', rejected: 'Rejected by an admin',
	failed: 'Could not reach the provider',
};
const CATEGORY = {
	medical_records_summary: 'Medical records summary', identity: 'Identity', letter: 'Letter', other: 'Other',
};

const day = (iso) => (iso || '').slice(0, 10);

function age(dob) {
	if (!dob)
		return null;
	const b = new Date(`${dob}T00:00:00Z`), n = new Date();
	let y = n.getUTCFullYear() - b.getUTCFullYear();
	if (n.getUTCMonth() < b.getUTCMonth() || (n.getUTCMonth() === b.getUTCMonth() && n.getUTCDate() < b.getUTCDate()))
		y--;
	return y;
}

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

function Details({ p }) {
	if (!p)
		return null;
	const years = age(p.date_of_birth);
	return html`<dl class="facts consult-facts">
		<dt>Name</dt><dd>${p.given_name} ${p.family_name}</dd>
		<dt>Date of birth</dt><dd>${p.date_of_birth ? `${p.date_of_birth}${years !== null ? ` (${years} years)` : ''}` : 'Not given'}</dd>
		<dt>NHS number</dt><dd>${p.nhs_number ? p.nhs_number.replace(/(\d{3})(\d{3})(\d{4})/, '$1 $2 $3') : 'Not given'}</dd>
		<dt>Phone</dt><dd>${p.phone || 'Not given'}</dd>
		<dt>GP practice</dt><dd>${[p.gp_practice, p.gp_address].filter(Boolean).join(', ') || 'Not given'}</dd>
		<dt>Emergency contact</dt><dd>${p.emergency_name ?
			`${p.emergency_name}${p.emergency_relationship ? ` (${p.emergency_relationship})` : ''}${p.emergency_phone ? `, ${p.emergency_phone}` : ''}` : 'Not given'}</dd>
	</dl>`;
}

function Intake({ intake }) {
	if (intake === null)
		return html`<p class="loading">Loading…</p>`;
	if (!intake.response)
		return html`<p>No intake submitted yet.</p>`;
	const r = intake.response;
	const result = r.result || {};
	const flags = r.flags || result.flags || [];
	const scores = Object.values(r.scores || result.scores || {});
	const on = new Set(r.enabled || []);
	const rows = intake.def ? flatten(intake.def).filter(({ item }) => item.type !== 'group' &&
		item.type !== 'display' && on.has(item.linkId) && r.answers && r.answers[item.linkId] !== undefined) : [];
	return html`<dl class="facts consult-facts">
			<dt>Submitted</dt><dd>${day(r.submitted_at) || 'In progress'}</dd>
			<dt>Outcome</dt><dd>${OUTCOMES[r.outcome] || OUTCOMES[result.outcome] || r.outcome || result.outcome || 'None yet'}${r.review && r.review.decision ? ' (clinician decision)' : ''}</dd>
			${scores.map((s) => html`<dt key=${`${s.title}-t`}>${s.title}</dt>
				<dd key=${`${s.title}-d`}><strong>${s.value}</strong>${s.label ? ` – ${s.label}` : s.band ? ` – ${s.band}` : ''}${s.complete === false ? ' (incomplete)' : ''}</dd>`)}
		</dl>
		${flags.length ? html`<ul class="flags">${flags.map((f) => html`<li key=${f.code}
			class=${RISK.includes(f.code) ? 'flag flag-risk' : 'flag'}><strong>${RISK.includes(f.code) ? 'Risk: ' : 'Flag: '}</strong>${f.text}</li>`)}</ul>` :
			html`<p class="muted">No flags.</p>`}
		${rows.length > 0 && html`<details class="consult-answers">
			<summary>Intake answers (${rows.length})</summary>
			<dl class="answers">${rows.map(({ item }) => html`<div key=${item.linkId}>
				<dt>${item.text}</dt><dd>${answerText(item, r.answers[item.linkId])}</dd></div>`)}</dl>
		</details>`}`;
}

function Documents({ docs }) {
	if (docs === null)
		return html`<p class="loading">Loading…</p>`;
	const list = docs.filter((d) => d.status !== 'deleted' && d.status !== 'uploading');
	if (list.length === 0)
		return html`<p>No documents.</p>`;
	return html`<ul class="consult-docs">${list.map((d) => html`<li key=${d.id}>
		<a href=${`/api/v1/documents/${d.id}/content`} download>${d.filename}</a>
		<span class="patient-meta">${CATEGORY[d.category] || d.category} · ${day(d.completed_at || d.created_at)}</span>
	</li>`)}</ul>`;
}

// The patient's active plans in a line each (docs/API.md#plans).
function Plans({ plans, patientId, appointmentId }) {
	if (plans === null)
		return html`<p class="loading">Loading…</p>`;
	const active = plans.filter((p) => p.status === 'active');
	return html`${active.length === 0 ? html`<p>No treatment plan yet.</p>` :
		html`<ul class="consult-docs">${active.map((p) => html`<li key=${p.id}>
			<strong>${p.condition}</strong>
			<span class="patient-meta">${(p.items || []).map((it) => `${it.product ? `${it.product.brand} ${it.product.name}` : 'Product'}: ${it.dose}`).join('; ')}</span>
			<span class="patient-meta">Review by ${p.review_date}${p.review_due ? ' (due)' : ''} · version ${p.version}</span>
		</li>`)}</ul>`}
		<p class="hint">These open in a new tab, so the call carries on here.</p>
		<p><a href=${`#/plans/${patientId}`} target="_blank" rel="noopener">${active.length ? 'Change the plan' : 'New plan'}<span
			class="visually-hidden"> (opens in a new tab)</span></a>${active.length > 0 &&
			html` · <a href=${`#/prescribe/${patientId}${appointmentId ? `?appointment=${appointmentId}` : ''}`} target="_blank"
				rel="noopener">Prescribe<span class="visually-hidden"> (opens in a new tab)</span></a>`}</p>`;
}

export function PatientContext({ patientId, appointmentId }) {
	const [p, setP] = useState(null);
	const [intake, setIntake] = useState(null);
	const [docs, setDocs] = useState(null);
	const [idv, setIdv] = useState(null);
	const [plans, setPlans] = useState(null);
	const [error, setError] = useState(null);

	useEffect(() => {
		let gone = false;
		const q = encodeURIComponent(patientId);
		api('GET', `/api/v1/patients/${q}`).then((r) => {
			if (gone)
				return;
			if (r.ok)
				setP(r.data);
			else if (r.status !== 401)
				setError(r.problem.title);
		});
		(async () => {
			const list = await api('GET', `/api/v1/intake/responses?patient_id=${q}`);
			const latest = list.ok ? (list.data.responses || []).find((x) => x.key === 'intake' && x.status === 'completed') ||
				(list.data.responses || []).find((x) => x.key === 'intake') : null;
			if (!latest) {
				if (!gone)
					setIntake({ response: null });
				return;
			}
			const [resp, def] = await Promise.all([
				api('GET', `/api/v1/intake/responses/${latest.id}`),
				api('GET', `/api/v1/intake/questionnaires/${latest.key}?version=${latest.version}`),
			]);
			if (!gone)
				setIntake({ response: resp.ok ? resp.data : null, def: def.ok ? def.data : null });
		})();
		api('GET', `/api/v1/documents?patient_id=${q}`).then((r) => { if (!gone) setDocs(r.ok ? r.data.documents : []); });
		api('GET', `/api/v1/idv/patients/${q}`).then((r) => { if (!gone) setIdv(r.ok ? r.data : {}); });
		api('GET', `/api/v1/prescriptions/plans/${q}`).then((r) => { if (!gone) setPlans(r.ok ? r.data.plans || [] : []); });
		return () => { gone = true; };
	}, [patientId]);

	return html`<section class="card consult-context" aria-labelledby="ctx-h">
		<h2 id="ctx-h">Patient</h2>
		${error && html`<p class="alert" role="alert">${error}</p>`}
		<${Details} p=${p} />
		<p><a href=${`#/patients/${patientId}`}>Open the full record</a></p>
		<h3 class="h3">Intake</h3>
		<${Intake} intake=${intake} />
		<h3 class="h3">Identity</h3>
		${idv === null ? html`<p class="loading">Loading…</p>` : html`<p>${idv.verified ?
			`Verified ${day(idv.verified_at)}` : `Not verified. Latest check: ${idv.latest_check ? IDV[idv.latest_check.status] || idv.latest_check.status : 'none'}`}</p>`}
		<h3 class="h3">Documents</h3>
		<${Documents} docs=${docs} />
		<h3 class="h3">Treatment plan</h3>
		<${Plans} plans=${plans} patientId=${patientId} appointmentId=${appointmentId} />
	</section>`;
}
