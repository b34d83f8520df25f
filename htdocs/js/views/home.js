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
			<h2 id="next-h">What comes next</h2>
			<p>Your account is ready. The next steps are not online yet; we are building them now.</p>
			<ol class="journey">
				<li><span class="journey-step">Tell us about your health</span> <span class="badge">Coming soon</span></li>
				<li><span class="journey-step">Upload your documents and confirm your identity</span> <span class="badge">Coming soon</span></li>
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
		<section class="card" aria-labelledby="soon-h">
			<h2 id="soon-h">Coming here</h2>
			<p>Your consultation list, patient records, treatment plans and prescriptions will live here. Signing a prescription will ask for a fresh code from your authenticator app.</p>
		</section>
	<//>`;
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
