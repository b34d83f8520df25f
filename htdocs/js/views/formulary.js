// Formulary (#/formulary). Placeholder: filled in by the issue 5 work.
import { html, Page } from './ui.js';

export function Formulary() {
	return html`<${Page} title="Formulary"><p>Being built.</p><//>`;
}
