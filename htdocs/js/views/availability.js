// Availability (#/availability). Placeholder: filled in by the issue 4 work.
import { html, Page } from './ui.js';

export function Availability() {
	return html`<${Page} title="Availability"><p>Coming soon.</p><//>`;
}
