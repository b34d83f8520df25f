// Amounts as people type and read them, and the API's exact integers
// (docs/API.md#prescriptions): quantities in a product's supply unit (mg of
// flower, ul of liquid, each for counted forms), THC/CBD in micrograms per
// supply unit. Conversions are done on the typed digits, never through
// floating point, so "22.5" % is exactly 225. Product names and dates
// come from the prescribing screens' module (js/rx-units.js), so every
// prescribing screen writes them alike.
export { productName, longDate as dateWords } from '../rx-units.js';

// What a person types for each form: the pack size (in g, ml or a count)
// and the strength (% for flower, mg/ml for liquids, mg per unit otherwise).
// packScale / strengthScale: decimal places that map onto whole API units.
const FLOWER = { unit: 'mg', packUnit: 'g', packScale: 3, strengthUnit: '%', strengthScale: 1 };
const LIQUID = { unit: 'ul', packUnit: 'ml', packScale: 3, strengthUnit: 'mg/ml', strengthScale: 0 };
const COUNTED = (noun) => ({ unit: 'each', packUnit: noun, packScale: 0, strengthUnit: `mg per ${noun.replace(/s$/, '')}`, strengthScale: 3 });

export const FORMS = {
	flower: { label: 'Flower', ...FLOWER },
	oil: { label: 'Oil', ...LIQUID },
	spray: { label: 'Spray', ...LIQUID },
	capsule: { label: 'Capsule', ...COUNTED('capsules') },
	vape_cartridge: { label: 'Vape cartridge', ...COUNTED('cartridges') },
	pastille: { label: 'Pastille', ...COUNTED('pastilles') },
};

// "22.5" with 1 decimal place → 225; null unless it is a plain non-negative
// number with at most `places` decimals (and not absurdly long).
export function scaled(text, places) {
	const m = /^\s*(\d{1,9})(?:[.,](\d*))?\s*$/.exec(String(text));
	if (!m)
		return null;
	const frac = (m[2] || '').replace(/0+$/, '');
	if (frac.length > places)
		return null;
	return Number(m[1]) * 10 ** places + (frac ? Number(frac.padEnd(places, '0')) : 0);
}

// 225 with 1 decimal place → "22.5"; 220 → "22".
export function unscaled(n, places) {
	if (n === null || n === undefined)
		return '';
	const s = String(n).padStart(places + 1, '0');
	if (!places)
		return s;
	const whole = s.slice(0, -places);
	const frac = s.slice(-places).replace(/0+$/, '');
	return frac ? `${whole}.${frac}` : whole;
}

// "Being prepared" etc. come from the API (status_label); this is only the
// badge colour for a status.
export function statusClass(status) {
	if (status === 'dispensed' || status === 'shipped' || status === 'delivered')
		return 'badge badge-done';
	if (status === 'cancelled' || status === 'expired' || status === 'rejected' || status === 'out_of_stock')
		return 'badge badge-action';
	return 'badge';
}

// "26 November 2026, 09:30" (UK time).
export function dateTimeWords(iso) {
	if (!iso)
		return '';
	const t = new Date(iso.replace(' ', 'T'));
	if (Number.isNaN(t.getTime()))
		return iso;
	return new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit',
		minute: '2-digit', timeZone: 'Europe/London' }).format(t);
}

// A person's name from the API's {name} or {given_name, family_name}.
export function nameOf(p) {
	if (!p)
		return '';
	return p.name || [p.given_name, p.family_name].filter(Boolean).join(' ');
}

// The exact content per unit as a prescription states it: flower "18.5%",
// liquids "10 mg/ml", counted forms "5 mg per capsule"; '' if unknown.
export function contentWords(product, ug) {
	const f = product && FORMS[product.form];
	if (!f || ug === null || ug === undefined)
		return '';
	const n = unscaled(ug, f.strengthScale);
	return f.strengthUnit === '%' ? `${n}%` : `${n} ${f.strengthUnit}`;
}
