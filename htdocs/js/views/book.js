// Book a consultation (#/book). Placeholder: filled in by the issue 4 work.
import { html, Page } from './ui.js';

export function Book() {
	return html`<${Page} title="Book a consultation"><p>Coming soon.</p><//>`;
}
