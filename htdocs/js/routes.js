// The screens behind the signed-in routes (#/<name>[/<rest>]): which view
// renders each and which roles may open it. A route a role may not open
// falls back to home. Views get {session, path, onPreferences}; path is the
// part after the name ("" or e.g. "42" for #/patients/42).
import { Profile } from './views/profile.js';
import { Patients } from './views/patients.js';
import { Intake } from './views/intake.js';
import { IntakeReview } from './views/review.js';
import { Documents } from './views/documents.js';
import { Identity } from './views/identity.js';
import { IdentityReview } from './views/identity-review.js';
import { Questionnaires } from './views/questionnaires.js';
import { Book } from './views/book.js';
import { Appointments } from './views/appointments.js';
import { Availability } from './views/availability.js';
import { Consult } from './views/consult.js';
import { Prescribe } from './views/prescribe.js';
import { Plans } from './views/plans.js';
import { Prescriptions } from './views/prescriptions.js';
import { Formulary } from './views/formulary.js';
import { RxReports } from './views/rx-reports.js';
import { Pharmacy } from './views/pharmacy.js';
import { Shipments } from './views/shipments.js';
import { Pipeline } from './views/pipeline.js';
import { Notifications } from './views/notifications.js';
import { Outbox } from './views/outbox.js';

export const ROUTES = {
	profile: { view: Profile, roles: ['patient'] },
	patients: { view: Patients, roles: ['clinician', 'admin'] },
	intake: { view: Intake, roles: ['patient'] },
	review: { view: IntakeReview, roles: ['clinician', 'admin'] },
	documents: { view: Documents, roles: ['patient'] },
	identity: { view: Identity, roles: ['patient'] },
	'identity-review': { view: IdentityReview, roles: ['admin'] },
	questionnaires: { view: Questionnaires, roles: ['admin'] },
	book: { view: Book, roles: ['patient', 'clinician', 'admin'] },
	appointments: { view: Appointments, roles: ['patient', 'clinician', 'admin'] },
	availability: { view: Availability, roles: ['clinician', 'admin'] },
	consult: { view: Consult, roles: ['patient', 'clinician'] },
	prescribe: { view: Prescribe, roles: ['clinician'] },
	plans: { view: Plans, roles: ['patient', 'clinician', 'admin', 'auditor'] },
	prescriptions: { view: Prescriptions, roles: ['patient', 'clinician', 'pharmacist', 'admin', 'auditor'] },
	formulary: { view: Formulary, roles: ['clinician', 'pharmacist', 'admin', 'auditor'] },
	'rx-reports': { view: RxReports, roles: ['admin', 'auditor'] },
	pharmacy: { view: Pharmacy, roles: ['pharmacist', 'auditor'] },
	shipments: { view: Shipments, roles: ['pharmacist'] },
	pipeline: { view: Pipeline, roles: ['admin', 'auditor'] },
	notifications: { view: Notifications, roles: ['patient', 'clinician', 'pharmacist', 'admin', 'auditor'] },
	outbox: { view: Outbox, roles: ['admin'] },
};
