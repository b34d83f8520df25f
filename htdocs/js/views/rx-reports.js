// Controlled-drug reports (#/rx-reports). Placeholder: filled in by the issue 5 work.
import { html, Page } from './ui.js';

export function RxReports() {
	return html`<${Page} title="Controlled-drug reports"><p>Being built.</p><//>`;
}
