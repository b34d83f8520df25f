// Staff: find a patient (#/patients) and open their record (#/patients/<id>).
// Every search and every record opened is recorded in the audit trail.
import { useEffect, useState } from '/vendor/hooks.js';
import { api } from '../api.js';
import { html, Page } from './ui.js';
import * as documents from './documents.js';

function Search() {
	const [q, setQ] = useState(sessionStorage.getItem('patients-q') || '');
	const [result, setResult] = useState(null);
	const [busy, setBusy] = useState(false);
	const [error, setError] = useState(null);

	async function run(query, offset = 0) {
		setBusy(true);
		setError(null);
		sessionStorage.setItem('patients-q', query);
		const res = await api('GET', `/api/v1/patients?q=${encodeURIComponent(query)}&limit=25&offset=${offset}`);
		setBusy(false);
		if (res.ok)
			setResult({ ...res.data, offset });
		else
			setError(res.problem.detail || res.problem.title);
	}

	useEffect(() => { run(q); }, []);

	return html`<section class="card" aria-labelledby="find-h">
		<h2 id="find-h">Find a patient</h2>
		<form role="search" onSubmit=${(e) => { e.preventDefault(); run(q.trim()); }}>
			<div class="field">
				<label for="f-q">Name, email, NHS number, postcode or date of birth</label>
				<p class="hint" id="f-q-hint">Dates as YYYY-MM-DD. Leave empty to list everyone.</p>
				<div class="search-row">
					<input id="f-q" type="search" value=${q} aria-describedby="f-q-hint"
						onInput=${(e) => setQ(e.currentTarget.value)} />
					<button type="submit" class="button" disabled=${busy}>${busy ? 'Searching…' : 'Search'}</button>
				</div>
			</div>
		</form>
		${error && html`<p class="alert" role="alert">${error}</p>`}
		<div role="status" class="visually-hidden">${result && !busy ?
			`${result.patients.length} patient${result.patients.length === 1 ? '' : 's'} found` : ''}</div>
		${result && (result.patients.length === 0 ?
			html`<p>No patient matches.</p>` :
			html`<ul class="patient-list">
				${result.patients.map((p) => html`<li>
					<a href=${`#/patients/${p.id}`}>${p.family_name}, ${p.given_name}</a>
					<span class="patient-meta">Born ${p.date_of_birth || 'unknown'}${p.nhs_number ? ` · NHS ${p.nhs_number.replace(/(\d{3})(\d{3})(\d{4})/, '$1 $2 $3')}` : ''}${p.postcode ? ` · ${p.postcode}` : ''}</span>
				</li>`)}
			</ul>`)}
		${result && html`<div class="pager">
			${result.offset > 0 && html`<button type="button" class="button button-secondary"
				onClick=${() => run(q.trim(), Math.max(0, result.offset - 25))}>Previous</button>`}
			${result.has_more && html`<button type="button" class="button button-secondary"
				onClick=${() => run(q.trim(), result.offset + 25)}>Next</button>`}
		</div>`}
	</section>`;
}

const OUTCOMES = { eligible: 'Eligible', needs_review: 'Needs review', not_eligible: 'Not eligible' };

// The patient's questionnaires, newest first (reading them is audited).
function IntakeSummary({ patientId }) {
	const [list, setList] = useState(null);
	useEffect(() => {
		api('GET', `/api/v1/intake/responses?patient_id=${patientId}`)
			.then((res) => setList(res.ok ? res.data.responses : []));
	}, [patientId]);
	return html`<section class="card" aria-labelledby="intake-h">
		<h2 id="intake-h">Questionnaires</h2>
		${list === null ? html`<p class="loading">Loading…</p>` : list.length === 0 ?
			html`<p>None started yet.</p>` :
			html`<ul class="patient-list">${list.map((q) => html`<li>
				<span><strong>${q.key}</strong> (version ${q.version})</span>
				<span class="patient-meta">${q.status === 'completed' ?
					`Sent ${(q.submitted_at || '').slice(0, 10)}: ${OUTCOMES[q.outcome] || q.outcome || 'no outcome'}` :
					`In progress, last saved ${(q.updated_at || '').slice(0, 10)}`}</span>
			</li>`)}</ul>`}
		<p><a href="#/review">Intake reviews</a></p>
	</section>`;
}

const IDV_STATUS = {
	none: 'Not started', queued: 'Started', link_ready: 'Waiting for the patient',
	awaiting_result: 'Waiting for the provider', clear: 'Clear', consider: 'Needs an admin review',
	declined: 'Declined by the provider', approved: 'Approved by an admin', rejected: 'Rejected by an admin',
	failed: 'Could not reach the provider',
};

function IdentitySummary({ patientId }) {
	const [s, setS] = useState(null);
	useEffect(() => {
		api('GET', `/api/v1/idv/patients/${patientId}`).then((res) => setS(res.ok ? res.data : {}));
	}, [patientId]);
	return html`<section class="card" aria-labelledby="idv-h">
		<h2 id="idv-h">Identity</h2>
		${s === null ? html`<p class="loading">Loading…</p>` : html`<dl class="facts">
			<dt>Verified</dt><dd>${s.verified ? `Yes, ${(s.verified_at || '').slice(0, 10)}` : 'No'}</dd>
			<dt>Latest check</dt><dd>${s.latest_check ? IDV_STATUS[s.latest_check.status] || s.latest_check.status : 'None'}</dd>
		</dl>`}
	</section>`;
}

const yesNo = (v) => v === null || v === undefined ? 'Not answered' : v ? 'Yes' : 'No';

function Record({ id, role }) {
	const [p, setP] = useState(null);
	const [error, setError] = useState(null);

	useEffect(() => {
		api('GET', `/api/v1/patients/${encodeURIComponent(id)}`).then((res) => {
			if (res.ok)
				setP(res.data);
			else
				setError(res.status === 404 ? 'There is no such patient.' : res.problem.title);
		});
	}, [id]);

	if (error)
		return html`<${Page} title="Patient record"><p class="alert" role="alert">${error}</p>
			<p><a href="#/patients">Back to the patient list</a></p><//>`;
	if (!p)
		return html`<${Page} title="Patient record"><p class="loading" role="status">Loading…</p><//>`;
	const address = [p.address_line1, p.address_line2, p.town, p.postcode].filter(Boolean).join(', ');
	const contact = ['email', 'sms', 'post'].filter((k) => p[`contact_${k}`])
		.map((k) => ({ email: 'email', sms: 'text message', post: 'post' })[k]).join(', ');
	const PatientDocuments = documents.PatientDocuments;
	return html`<${Page} title=${`${p.given_name} ${p.family_name}`} wide>
		<p><a href="#/patients">Back to the patient list</a></p>
		<p class="actions"><a class="button" href=${`#/book/${p.id}`}>Book an appointment</a>
			${role === 'clinician' && html`<a class="button" href=${`#/prescribe/${p.id}`}>Prescribe</a>`}
			<a class="button button-secondary" href=${`#/plans/${p.id}`}>Treatment plans</a></p>
		<section class="card" aria-labelledby="details-h">
			<h2 id="details-h">Details</h2>
			<dl class="facts">
				<dt>Date of birth</dt><dd>${p.date_of_birth || 'Not given'}</dd>
				<dt>Email</dt><dd>${p.email}</dd>
				<dt>Phone</dt><dd>${p.phone || 'Not given'}</dd>
				<dt>Address</dt><dd>${address || 'Not given'}</dd>
				<dt>NHS number</dt><dd>${p.nhs_number ? p.nhs_number.replace(/(\d{3})(\d{3})(\d{4})/, '$1 $2 $3') : 'Not given'}</dd>
				<dt>GP practice</dt><dd>${[p.gp_practice, p.gp_address].filter(Boolean).join(', ') || 'Not given'}</dd>
				<dt>Emergency contact</dt><dd>${p.emergency_name ?
					`${p.emergency_name}${p.emergency_relationship ? ` (${p.emergency_relationship})` : ''}${p.emergency_phone ? `, ${p.emergency_phone}` : ''}` : 'Not given'}</dd>
				<dt>Contact by</dt><dd>${contact || 'None chosen'}</dd>
				<dt>Registry sharing</dt><dd>${yesNo(p.consent_registry)}</dd>
				<dt>Registered</dt><dd>${(p.registered_at || '').slice(0, 10)}</dd>
			</dl>
		</section>
		<${IntakeSummary} patientId=${p.id} />
		<${IdentitySummary} patientId=${p.id} />
		${PatientDocuments && html`<${PatientDocuments} patientId=${p.id} />`}
	<//>`;
}

export function Patients({ session, path }) {
	if (path)
		return html`<${Record} id=${path} role=${session && session.user.role} />`;
	return html`<${Page} title="Patients" wide><${Search} /><//>`;
}
