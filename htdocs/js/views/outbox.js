// The outbox as admins see it (#/outbox): waiting, retrying and dead-lettered messages, replay (issue 6, helper A).
import { html, Page } from './ui.js';

export function Outbox() {
	return html`<${Page} title="Messages to partners"><p>Loading…</p><//>`;
}
