// The pharmacist's console (#/pharmacy[/...]): incoming prescriptions, stock, receipts, the controlled-drug register (issue 6, helper C).
import { html, Page } from './ui.js';

export function Pharmacy() {
	return html`<${Page} title="Pharmacy"><p>Loading…</p><//>`;
}
