// The first screen after sign-in, one per role.
import { useEffect, useState } from '/vendor/hooks.js';
import { api } from '../api.js';
import { html, Page } from './ui.js';
import { Preferences } from './account.js';
import { AuditTrail } from './audit.js';
import { dayLabel, timeLabel } from './book.js';

function fullName(u) {
	return `${u.given_name} ${u.family_name}`;
}

// Each onboarding step's state in a few words, from the modules' own reads.
const PROFILE_KEYS = ['phone', 'address_line1', 'postcode', 'gp_practice', 'emergency_name'];
const INTAKE_WORDS = {
	eligible: 'Sent: you can go ahead', needs_review: 'Sent: a doctor will review it',
	not_eligible: 'Sent: see the outcome',
};
const IDV_WORDS = {
	none: null, queued: 'Started', link_ready: 'Ready for you', awaiting_result: 'Checking',
	clear: 'Verified', approved: 'Verified', consider: 'Being reviewed', declined: 'Try again',
	rejected: 'Please contact us', failed: 'Try again',
};

// The treatment step: the latest prescription's status in the API's plain
// words, else whether a plan is in place.
const RX_DONE = ['dispensed', 'shipped', 'delivered'];
const RX_ACTION = ['rejected', 'out_of_stock', 'cancelled', 'expired'];

function treatmentState(plans, rxs) {
	const latest = rxs.ok ? (rxs.data.prescriptions || []).slice().sort((a, b) => b.id - a.id)[0] : null;
	if (latest) {
		const words = latest.status_label || 'Prescription written';
		return [RX_DONE.includes(latest.status) ? 'done' : RX_ACTION.includes(latest.status) ? 'action' : 'started',
			`Prescription: ${words}`];
	}
	const active = plans.ok ? (plans.data.plans || []).filter((p) => p.status !== 'ended') : [];
	if (active.length)
		return active.some((p) => p.review_due) ? ['action', 'Plan review due'] : ['started', 'Plan in place'];
	return null;
}

async function journeyState(userId) {
	const [profile, intake, docs, reqs, idv, appts, plans, rxs] = await Promise.all([
		api('GET', '/api/v1/patients/me'), api('GET', '/api/v1/intake/responses'),
		api('GET', '/api/v1/documents'), api('GET', '/api/v1/documents/requests'),
		api('GET', '/api/v1/idv/checks/current'), api('GET', '/api/v1/appointments'),
		api('GET', `/api/v1/prescriptions/plans/${userId}`), api('GET', '/api/v1/prescriptions'),
	]);
	const st = {};
	if (profile.ok) {
		const n = PROFILE_KEYS.filter((k) => profile.data[k]).length;
		st.profile = n === PROFILE_KEYS.length ? ['done', 'Done'] : n ? ['started', 'Started'] : null;
	}
	if (intake.ok) {
		const r = intake.data.responses.find((x) => x.key === 'intake');
		if (r)
			st.intake = r.status === 'completed' ? ['done', INTAKE_WORDS[r.outcome] || 'Sent'] : ['started', 'In progress'];
	}
	if (reqs.ok && reqs.data.requests.some((x) => !x.fulfilled_at))
		st.documents = ['action', 'The clinic asked for a document'];
	else if (docs.ok) {
		const n = docs.data.documents.filter((d) => d.status === 'ready').length;
		if (n)
			st.documents = ['done', `${n} uploaded`];
	}
	if (idv.ok && IDV_WORDS[idv.data.status]) {
		const s = idv.data.status;
		st.identity = [s === 'clear' || s === 'approved' ? 'done' : s === 'declined' || s === 'failed' ||
			s === 'rejected' ? 'action' : 'started', IDV_WORDS[s]];
	}
	if (appts.ok) {
		const next = (appts.data.appointments || []).filter((a) => a.status === 'booked' &&
			Date.parse(a.end) > Date.now()).sort((x, y) => Date.parse(x.start) - Date.parse(y.start))[0];
		if (next)
			st.book = ['done', `Booked: ${dayLabel(next.start_local)}, ${timeLabel(next.start_local)}`];
		else if ((appts.data.appointments || []).some((a) => a.status === 'completed'))
			st.book = ['done', 'Done'];
	}
	st.treatment = treatmentState(plans, rxs);
	return st;
}

function Journey({ userId }) {
	const [st, setSt] = useState({});
	useEffect(() => { journeyState(userId).then(setSt); }, []);
	const step = (key, href, label, hint, none = 'To do') => html`<li>
		<a class="journey-step" href=${href}>${label}</a>
		${st[key] ? html`<span class=${`badge badge-${st[key][0]}`}>${st[key][1]}</span>` :
			html`<span class="badge">${none}</span>`}
		<span class="journey-hint">${hint}</span>
	</li>`;
	return html`<section class="card" aria-labelledby="next-h">
		<h2 id="next-h">Your journey</h2>
		<h3 class="h3">Before your consultation</h3>
		<p>Do these in any order; each one saves as you go, so you can stop and come back on any device.</p>
		<ol class="journey">
			${step('profile', '#/profile', 'Your details', 'Address, NHS number, GP, emergency contact')}
			${step('intake', '#/intake', 'Tell us about your health', 'About 10 minutes')}
			${step('documents', '#/documents', 'Upload your documents', 'Your medical records summary; photos are fine')}
			${step('identity', '#/identity', 'Confirm your identity', 'A photo ID and a selfie')}
			${step('book', '#/book', 'Book a video consultation', 'When your questionnaire and identity check are done')}
		</ol>
		<h3 class="h3">After your consultation</h3>
		<ol class="journey" start="6">
			${step('treatment', '#/prescriptions', 'Your treatment', 'Your treatment plan and prescriptions, and where each prescription is',
				'Not yet')}
		</ol>
		<p><a href="#/appointments">Your appointments</a> · <a href="#/notifications">Your notifications</a></p>
	</section>`;
}

function PatientHome({ session, onPreferences }) {
	const u = session.user;
	return html`<${Page} title=${`Welcome, ${u.given_name}`}>
		<p>You are signed in as ${fullName(u)} (${u.email}).</p>
		<${Journey} userId=${u.id} />
		<section class="card" aria-labelledby="mfa-h">
			<h2 id="mfa-h">Protect your account</h2>
			${session.mfa_enrolled ?
				html`<p>An authenticator app is set up. You will be asked for a code each time you sign in.</p>` :
				html`<p>Add a second step at sign-in with an authenticator app on your phone. Optional, but recommended.</p>
					<p><a class="button button-secondary" href="#/authenticator">Set up an authenticator app</a></p>`}
		</section>
		<${Preferences} preferences=${session.preferences} onSaved=${onPreferences} />
	<//>`;
}

function StaffCard({ u, regLabel, children }) {
	return html`<section class="card" aria-labelledby="who-h">
		<h2 id="who-h">Signed in as</h2>
		<dl class="facts">
			<dt>Name</dt><dd>${fullName(u)}</dd>
			<dt>Email</dt><dd>${u.email}</dd>
			${regLabel && html`<dt>${regLabel}</dt><dd class="reg">${u.registration_number || 'Not recorded'}</dd>`}
		</dl>
		${children}
	</section>`;
}

function ClinicianHome({ session }) {
	return html`<${Page} title="Clinician console">
		<${StaffCard} u=${session.user} regLabel="GMC number" />
		<${StaffLinks} links=${[['#/appointments', 'Appointments', 'Today\'s and upcoming video consultations'],
			['#/availability', 'Availability', 'Your weekly hours, leave and extra sessions'],
			['#/patients', 'Patients', 'Find a patient and open their record'],
			['#/review', 'Intake reviews', 'Intakes flagged for a clinician to review'],
			['#/prescriptions', 'Prescriptions', 'The prescriptions you wrote: status, signature, print'],
			['#/notifications', 'Notifications', 'Prescriptions out of stock or not accepted, with the plan\'s alternatives'],
			['#/formulary', 'Formulary', 'Search the products you can put in a plan, with stock at the pharmacies']]} />
		<p class="muted">To write a treatment plan or a prescription, open the patient's record. Signing asks for a fresh code from your authenticator app.</p>
	<//>`;
}

function StaffLinks({ links }) {
	return html`<nav class="card" aria-labelledby="work-h">
		<h2 id="work-h">Work</h2>
		<ul class="work-links">
			${links.map(([href, label, hint]) => html`<li><a href=${href}>${label}</a> <span class="journey-hint">${hint}</span></li>`)}
		</ul>
	</nav>`;
}

function PharmacistHome({ session }) {
	return html`<${Page} title="Pharmacy console">
		<${StaffCard} u=${session.user} regLabel="GPhC number" />
		<${StaffLinks} links=${[['#/pharmacy', 'Incoming prescriptions', 'Check, accept and dispense signed prescriptions'],
			['#/pharmacy/stock', 'Stock', 'Batches on the shelves, receipts, expected deliveries, counts, returns and destruction'],
			['#/pharmacy/register', 'Controlled drugs register', 'Every receipt and supply with running balances; download as CSV'],
			['#/shipments', 'Courier shipments', 'Parcels booked with the courier and their tracking'],
			['#/prescriptions', 'Prescriptions', 'Signed prescriptions and their signatures'],
			['#/formulary', 'Formulary', 'The products the clinic prescribes']]} />
	<//>`;
}

function AdminHome({ session }) {
	return html`<${Page} title="Administration" wide>
		<${StaffCard} u=${session.user}>
			<p>Managing staff accounts and clinic settings will live here. For now, staff accounts are created with the <code>clinic</code> command-line tool.</p>
		<//>
		<${StaffLinks} links=${[['#/appointments', 'Appointments', 'Every clinician\'s consultations'],
			['#/availability', 'Availability', 'Clinicians\' hours and the appointment types'],
			['#/patients', 'Patients', 'Find a patient and open their record'],
			['#/review', 'Intake reviews', 'Intakes flagged for clinical review'],
			['#/identity-review', 'Identity checks to review', 'Checks the provider could not clear'],
			['#/questionnaires', 'Questionnaires', 'The intake and its eligibility rules, as versioned data'],
			['#/formulary', 'Formulary', 'Add, correct and withdraw products'],
			['#/prescriptions', 'Prescriptions', 'Every prescription, its status and signature'],
			['#/pipeline', 'Prescription pipeline', 'Where every prescription is between signing and delivery; stuck ones first'],
			['#/rx-reports', 'Prescribing reports', 'Totals by product, prescriber and patient; running 30-day totals; CSV'],
			['#/outbox', 'Messages to partners', 'Dead letters first: messages that gave up, and sending them again']]} />
		<${AuditTrail} />
	<//>`;
}

function AuditorHome({ session }) {
	return html`<${Page} title="Audit trail" wide>
		<${StaffCard} u=${session.user} />
		<${StaffLinks} links=${[['#/rx-reports', 'Prescribing reports', 'Totals by product, prescriber and patient; running 30-day totals; CSV'],
			['#/prescriptions', 'Prescriptions', 'Every prescription, its status and signature'],
			['#/pipeline', 'Prescription pipeline', 'Where every prescription is between signing and delivery'],
			['#/pharmacy', 'Pharmacy stock and register', 'The pharmacy\'s stock and controlled drugs register, read only'],
			['#/formulary', 'Formulary', 'The products the clinic prescribes']]} />
		<${AuditTrail} />
	<//>`;
}

const HOMES = {
	patient: PatientHome, clinician: ClinicianHome, pharmacist: PharmacistHome,
	admin: AdminHome, auditor: AuditorHome,
};

export function Home(props) {
	const View = HOMES[props.session.user.role];
	return View ? html`<${View} ...${props} />` :
		html`<${Page} title="Signed in"><p>There is nothing here for your role yet.</p><//>`;
}
