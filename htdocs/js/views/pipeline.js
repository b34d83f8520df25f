// The clinic admin's pipeline dashboard (#/pipeline): every prescription's stage, stuck ones first (issue 6, helper B).
import { html, Page } from './ui.js';

export function Pipeline() {
	return html`<${Page} title="Prescription pipeline"><p>Loading…</p><//>`;
}
