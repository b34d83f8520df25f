// FHIR conformance, checked by an independent validator (FHIR.js, npm "fhir",
// R4 structure definitions): the QuestionnaireResponse of an in-progress and
// of a submitted intake, and the shipped Questionnaire definitions. No browser.
import fhirpkg from 'fhir';

const { Fhir, Versions } = fhirpkg;

// Answers to every required item (an eligible adult), as tests/api/test_intake.c.
const A = (code) => code;
const FULL = {
	conditions: ['chronic-pain', 'other'], 'condition-other': 'Cluster headaches',
	'treatments-tried': ['painkillers', 'physiotherapy'], 'takes-medicines': true,
	'medicines-list': 'Paracetamol 1 g when needed', 'has-allergies': false, pregnancy: ['none'],
	alcohol: 'monthly', smoking: 'never', 'cannabis-use': 'never', 'other-drugs': false,
	psychosis: false, bipolar: false, 'suicide-attempt': false, 'family-psychosis': false,
	...Object.fromEntries([1, 2, 3, 4, 5, 6, 7, 8, 9].map((i) => [`phq9-${i}`, A('LA6568-5')])),
	...Object.fromEntries([1, 2, 3, 4, 5, 6, 7].map((i) => [`gad7-${i}`, A('LA6569-3')])),
};

export default function (h) {
	const { test, assert, URL_, RUN } = h;
	const fhir = new Fhir(Versions.r4);

	function valid(resource, what) {
		const v = fhir.validate(resource);
		const errors = v.messages.filter((m) => m.severity === 'error');
		assert(v.valid && errors.length === 0,
			`${what} is not valid FHIR R4:\n  ${errors.map((m) => `${m.location}: ${m.message}`).join('\n  ')}`);
	}

	async function call(s, method, path, body) {
		const headers = { Cookie: s.cookie };
		if (body !== undefined)
			headers['Content-Type'] = 'application/json';
		if (method !== 'GET')
			headers['X-CSRF-Token'] = s.csrf;
		const r = await fetch(`${URL_}${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
		const text = await r.text();
		return { status: r.status, type: r.headers.get('content-type'), json: text ? JSON.parse(text) : null };
	}

	test('intake responses and questionnaires pass an independent FHIR R4 validator', async () => {
		const reg = await fetch(`${URL_}/api/v1/auth/register`, {
			method: 'POST', headers: { 'Content-Type': 'application/json' },
			body: JSON.stringify({ email: `e2e-fhir-${RUN}@example.org`, password: `e2e fhir harbour ${RUN}`,
				given_name: 'Fern', family_name: 'Hale', date_of_birth: '1980-02-29' }),
		});
		assert(reg.status === 201, `register: ${reg.status}`);
		const s = { cookie: reg.headers.get('set-cookie').split(';')[0], csrf: (await reg.json()).csrf_token };

		// The validator itself refuses a broken resource (the check can fail).
		assert(!fhir.validate({ resourceType: 'QuestionnaireResponse', status: 'done' }).valid,
			'the validator accepts anything');

		for (const key of ['intake', 'phq-9', 'gad-7']) {
			const q = await call(s, 'GET', `/api/v1/intake/questionnaires/${key}`);
			assert(q.status === 200 && q.json.resourceType === 'Questionnaire', `questionnaire ${key}: ${q.status}`);
			valid(q.json, `Questionnaire ${key}`);
		}

		let r = await call(s, 'PUT', '/api/v1/intake/responses/intake', { answers: { conditions: ['chronic-pain'] } });
		assert(r.status === 200, `save: ${r.status} ${JSON.stringify(r.json)}`);
		const id = r.json.id;
		r = await call(s, 'GET', `/api/v1/intake/responses/${id}?format=fhir`);
		assert(r.status === 200 && /application\/fhir\+json/.test(r.type), `fhir: ${r.status} ${r.type}`);
		assert(r.json.status === 'in-progress', `status ${r.json.status}`);
		valid(r.json, 'in-progress QuestionnaireResponse');

		r = await call(s, 'PUT', '/api/v1/intake/responses/intake', { answers: FULL });
		assert(r.status === 200 && r.json.remaining_required.length === 0,
			`full answers: ${r.status} ${JSON.stringify(r.json.remaining_required || r.json)}`);
		r = await call(s, 'POST', '/api/v1/intake/responses/intake/submit');
		assert(r.status === 200 && r.json.outcome === 'eligible', `submit: ${r.status} ${JSON.stringify(r.json)}`);
		r = await call(s, 'GET', `/api/v1/intake/responses/${id}?format=fhir`);
		const qr = r.json;
		assert(qr.status === 'completed' && qr.subject && /^Patient\/\d+$/.test(qr.subject.reference),
			`completed response: ${JSON.stringify(qr).slice(0, 300)}`);
		assert(/\|\d+$/.test(qr.questionnaire), `questionnaire canonical without version: ${qr.questionnaire}`);
		valid(qr, 'completed QuestionnaireResponse');
		// Every kind of answer made it across, nested in its group.
		const flat = [];
		const walk = (items) => items.forEach((i) => { flat.push(i); walk(i.item || []); });
		walk(qr.item);
		const answer = (link) => (flat.find((i) => i.linkId === link) || {}).answer || [];
		assert(answer('takes-medicines')[0]?.valueBoolean === true, 'boolean answer missing');
		assert(answer('conditions').some((a) => a.valueCoding?.code === 'other'), 'coding answer missing');
		assert(answer('medicines-list')[0]?.valueString === 'Paracetamol 1 g when needed', 'string answer missing');
	});
}
