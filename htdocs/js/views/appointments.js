// Appointments (#/appointments). Placeholder: filled in by the issue 4 work.
import { html, Page } from './ui.js';

export function Appointments() {
	return html`<${Page} title="Appointments"><p>Coming soon.</p><//>`;
}
