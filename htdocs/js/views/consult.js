// Consultation (#/consult). Placeholder: filled in by the issue 4 work.
import { html, Page } from './ui.js';

export function Consult() {
	return html`<${Page} title="Consultation"><p>Coming soon.</p><//>`;
}
