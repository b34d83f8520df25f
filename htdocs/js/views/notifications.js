// In-portal notifications (#/notifications) (issue 6, helper B).
import { html, Page } from './ui.js';

export function Notifications() {
	return html`<${Page} title="Notifications"><p>Loading…</p><//>`;
}
