// Treatment plans (#/plans). Placeholder: filled in by the issue 5 work.
import { html, Page } from './ui.js';

export function Plans() {
	return html`<${Page} title="Treatment plans"><p>Being built.</p><//>`;
}
