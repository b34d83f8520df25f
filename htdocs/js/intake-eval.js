// Client-side mirror of the server's enablement rules (modules/intake/qeval.c),
// used only to show and hide items as the patient types; the server decides
// what is saved, what remains and the outcome.
//
// A definition is a FHIR R4 Questionnaire; answers map linkId -> value or an
// array of values (choice: the option's code, string or integer).

// Items in pre-order with their parent's index, so one pass decides all.
export function flatten(def) {
	const out = [];
	const walk = (items, parent, depth) => {
		for (const item of items || []) {
			const index = out.length;
			out.push({ item, parent, depth, index });
			if (item.type === 'group')
				walk(item.item, index, depth + 1);
		}
	};
	walk(def.item, -1, 0);
	return out;
}

export function optionValue(opt) {
	if (opt.valueCoding)
		return opt.valueCoding.code;
	if ('valueString' in opt)
		return opt.valueString;
	return opt.valueInteger;
}

export function optionLabel(opt) {
	if (opt.valueCoding)
		return opt.valueCoding.display || opt.valueCoding.code;
	return String(optionValue(opt));
}

function values(answers, linkId) {
	const v = answers[linkId];
	if (v === undefined || v === null)
		return [];
	return Array.isArray(v) ? v : [v];
}

function wanted(cond) {
	if ('answerCoding' in cond)
		return cond.answerCoding.code;
	for (const k of ['answerBoolean', 'answerInteger', 'answerDecimal', 'answerString', 'answerDate'])
		if (k in cond)
			return cond[k];
	return undefined;
}

function compare(a, b) {
	if (typeof a === 'number' && typeof b === 'number')
		return a === b ? 0 : a < b ? -1 : 1;
	const x = String(a), y = String(b);
	return x === y ? 0 : x < y ? -1 : 1;
}

// Whether one enableWhen condition holds; answers of disabled items count as none.
function holds(cond, answers, enabled) {
	const have = enabled.has(cond.question) ? values(answers, cond.question) : [];
	if (cond.operator === 'exists')
		return (have.length > 0) === cond.answerBoolean;
	if (have.length === 0)
		return false;
	const want = wanted(cond);
	const r = have.map((a) => compare(a, want));
	switch (cond.operator) {
	case '=': return r.some((x) => x === 0);
	case '!=': return r.every((x) => x !== 0);
	case '>': return r.some((x) => x > 0);
	case '<': return r.some((x) => x < 0);
	case '>=': return r.some((x) => x >= 0);
	case '<=': return r.some((x) => x <= 0);
	default: return false;
	}
}

// The set of enabled linkIds for these answers.
export function enabledSet(flat, answers) {
	const enabled = new Set();
	const on = [];
	for (const { item, parent, index } of flat) {
		let ok = parent < 0 || on[parent];
		const conds = item.enableWhen || [];
		if (ok && conds.length) {
			const any = item.enableBehavior === 'any';
			const results = conds.map((c) => holds(c, answers, enabled));
			ok = any ? results.some(Boolean) : results.every(Boolean);
		}
		on[index] = ok;
		if (ok)
			enabled.add(item.linkId);
	}
	return enabled;
}

export function answered(answers, linkId) {
	return values(answers, linkId).length > 0;
}

// Required, enabled questions without an answer, among the items of flat.
export function missing(flat, answers, enabled) {
	return flat.filter(({ item }) => item.required && enabled.has(item.linkId) &&
		item.type !== 'group' && item.type !== 'display' && !answered(answers, item.linkId))
		.map(({ item }) => item.linkId);
}
