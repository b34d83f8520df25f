// Courier shipments (#/shipments; pharmacist) and the ShipmentPanel the
// pharmacy console's prescription page shows (issue 6, helper D).
import { html, Page } from './ui.js';

export function ShipmentPanel() {
	return null;
}

export function Shipments() {
	return html`<${Page} title="Shipments"><p>Loading…</p><//>`;
}
