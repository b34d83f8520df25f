// Placeholder: this screen arrives with its module (issue 3).
import { html, Page } from './ui.js';

export function Identity() {
	return html`<${Page} title="Not ready yet"><p>This part of the portal is being built.</p><//>`;
}
