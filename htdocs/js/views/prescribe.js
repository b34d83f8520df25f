// Prescribing (#/prescribe). Placeholder: filled in by the issue 5 work.
import { html, Page } from './ui.js';

export function Prescribe() {
	return html`<${Page} title="Prescribing"><p>Being built.</p><//>`;
}
