// Prescriptions (#/prescriptions). Placeholder: filled in by the issue 5 work.
import { html, Page } from './ui.js';

export function Prescriptions() {
	return html`<${Page} title="Prescriptions"><p>Being built.</p><//>`;
}
