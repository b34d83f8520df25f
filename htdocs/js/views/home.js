// The first screen after sign-in, one per role.
import { html, Page } from './ui.js';
import { Preferences } from './account.js';
import { AuditTrail } from './audit.js';

function fullName(u) {
	return `${u.given_name} ${u.family_name}`;
}

function PatientHome({ session, onPreferences }) {
	const u = session.user;
	return html`<${Page} title=${`Welcome, ${u.given_name}`}>
		<p>You are signed in as ${fullName(u)} (${u.email}).</p>
		<section class="card" aria-labelledby="next-h">
			<h2 id="next-h">Before your consultation</h2>
			<p>Do these in any order; each one saves as you go, so you can stop and come back on any device.</p>
			<ol class="journey">
				<li><a class="journey-step" href="#/profile">Your details</a> <span class="journey-hint">Address, NHS number, GP, emergency contact</span></li>
				<li><a class="journey-step" href="#/intake">Tell us about your health</a> <span class="journey-hint">About 10 minutes</span></li>
				<li><a class="journey-step" href="#/documents">Upload your documents</a> <span class="journey-hint">Your medical records summary; photos are fine</span></li>
				<li><a class="journey-step" href="#/identity">Confirm your identity</a> <span class="journey-hint">A photo ID and a selfie</span></li>
				<li><span class="journey-step">Book a video consultation</span> <span class="badge">Coming soon</span></li>
			</ol>
		</section>
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
		<${StaffLinks} links=${[['#/patients', 'Patients', 'Find a patient and open their record'],
			['#/review', 'Intake reviews', 'Intakes flagged for a clinician to review']]} />
		<section class="card" aria-labelledby="soon-h">
			<h2 id="soon-h">Coming here</h2>
			<p>Your consultation list, treatment plans and prescriptions will live here. Signing a prescription will ask for a fresh code from your authenticator app.</p>
		</section>
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
		<section class="card" aria-labelledby="soon-h">
			<h2 id="soon-h">Coming here</h2>
			<p>Prescriptions to check and dispense, stock, and the controlled drugs register will live here.</p>
		</section>
	<//>`;
}

function AdminHome({ session }) {
	return html`<${Page} title="Administration" wide>
		<${StaffCard} u=${session.user}>
			<p>Managing staff accounts and clinic settings will live here. For now, staff accounts are created with the <code>clinic</code> command-line tool.</p>
		<//>
		<${StaffLinks} links=${[['#/patients', 'Patients', 'Find a patient and open their record'],
			['#/review', 'Intake reviews', 'Intakes flagged for clinical review'],
			['#/identity-review', 'Identity checks to review', 'Checks the provider could not clear']]} />
		<${AuditTrail} />
	<//>`;
}

function AuditorHome({ session }) {
	return html`<${Page} title="Audit trail" wide>
		<${StaffCard} u=${session.user} />
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
