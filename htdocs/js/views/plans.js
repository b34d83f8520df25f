// Treatment plans (#/plans/<patient id>). Staff see the patient's plans,
// each version's author, time and reason, and compare any two versions in
// plain sentences (GET .../history and .../diff); clinicians create a plan
// (only a specialist may: the API's refusal is shown as it comes) and change
// one (every change needs a reason and becomes a new version). A patient
// sees their own current plans, read only.
// Amounts are typed in g / ml / a count and sent in mg / ul / each
// (js/rx-units.js).
import { useEffect, useRef, useState } from '/vendor/hooks.js';
import { api } from '../api.js';
import { html, Page, Field } from './ui.js';
import {
	AmountField, FieldError, FORMS, amountText, focusFirst, formLabel, formUnit, fromSupply, productName,
	problemText, slug, splitErrors, stamp, longDate, toSupply,
} from '../rx-units.js';

const STAFF = ['clinician', 'admin', 'auditor'];

// ---- reading a plan ----

function itemLine(it) {
	const p = it.product || {};
	return html`<li class="plan-item">
		<span class="plan-product">${productName(p)}</span>
		<span class="patient-meta">${[p.form_label, p.strength_label, p.pack_label].filter(Boolean).join(' · ')}</span>
		<span>${it.dose}</span>
		<span class="patient-meta">${it.daily_label || amountText(it.daily_amount, p.supply_unit, p.form)} a day,
			at most ${it.max_label || amountText(it.max_per_30d, p.supply_unit, p.form)} in any 30 days</span>
	</li>`;
}

// One plan as it stands (or as it was at a version).
export function PlanSummary({ plan, patientView }) {
	const limits = plan.form_limits || [];
	return html`<div class="plan-summary">
		<ul class="plan-items">${(plan.items || []).map(itemLine)}</ul>
		<dl class="facts">
			${limits.length > 0 && html`<dt>Limits by form</dt><dd>${limits.map((l) =>
				`${l.form_label || formLabel(l.form)}: at most ${l.max_label || amountText(l.max_per_30d, formUnit(l.form), l.form)} in any 30 days`).join('; ')}</dd>`}
			<dt>THC ceiling</dt><dd>${plan.max_thc_mg_per_day} mg THC a day</dd>
			<dt>Review by</dt><dd>${longDate(plan.review_date)}${plan.review_due ? html` <span class="badge badge-action">Review due</span>` : ''}</dd>
			${plan.notes && html`<dt>Notes</dt><dd class="plan-notes">${plan.notes}</dd>`}
			${!patientView && html`<dt>Version</dt><dd>${plan.version}, ${stamp(plan.changed_at)}${plan.author ?
				` by ${plan.author.name}${plan.author.registration_number ? ` (GMC ${plan.author.registration_number})` : ''}` : ''}</dd>
			<dt>Reason</dt><dd>${plan.reason}</dd>`}
		</dl>
	</div>`;
}

// ---- the editor ----

const AMOUNT_HINT = 'In grams for flower, millilitres for oils and sprays, or a count.';

function blankItem() {
	return { product_id: '', dose: '', daily: '', max: '' };
}

function inMonths(n) {
	const t = new Date();
	t.setUTCMonth(t.getUTCMonth() + n);
	return t.toISOString().slice(0, 10);
}

function fromPlan(plan) {
	if (!plan)
		return {
			condition: '', items: [blankItem()], limits: [], thc: '', review: inMonths(3), notes: '', status: 'active', reason: '',
		};
	return {
		condition: plan.condition,
		items: (plan.items || []).map((it) => {
			const u = it.product ? it.product.supply_unit : 'each';
			return { product_id: String(it.product_id), dose: it.dose, daily: fromSupply(it.daily_amount, u), max: fromSupply(it.max_per_30d, u) };
		}),
		limits: (plan.form_limits || []).map((l) => ({ form: l.form, max: fromSupply(l.max_per_30d, formUnit(l.form)) })),
		thc: String(plan.max_thc_mg_per_day ?? ''),
		review: plan.review_date || '',
		notes: plan.notes || '',
		status: plan.status || 'active',
		reason: '',
	};
}

function ProductSelect({ id, name, value, products, onValue, error, described }) {
	const byForm = FORMS.map((f) => [f, products.filter((p) => p.form === f)]).filter(([, l]) => l.length);
	return html`<select id=${id} data-field=${name} value=${value} onChange=${(e) => onValue(e.currentTarget.value)}
		aria-invalid=${error ? 'true' : undefined} aria-describedby=${described || undefined}>
		<option value="">Choose a product</option>
		${byForm.map(([f, list]) => html`<optgroup label=${formLabel(f)}>
			${list.map((p) => html`<option value=${String(p.id)}>${productName(p)} – ${[p.strength_label, p.pack_label].filter(Boolean).join(', ')}${p.active === false ? ' (withdrawn)' : ''}</option>`)}
		</optgroup>`)}
	</select>`;
}

export function PlanEditor({ patientId, plan, products, onSaved, onCancel }) {
	const [v, setV] = useState(() => fromPlan(plan));
	const [base, setBase] = useState(plan ? plan.version : null);
	const [errors, setErrors] = useState({});
	const [alert, setAlert] = useState(null);
	const [busy, setBusy] = useState(false);
	const [current, setCurrent] = useState(null);	// the plan as someone else saved it meanwhile
	const form = useRef(null);
	const heading = useRef(null);

	useEffect(() => { if (heading.current) heading.current.focus(); }, []);

	// Products offered: the formulary's active ones, plus any the plan already names.
	const all = [...products];
	for (const it of (plan && plan.items) || [])
		if (it.product && !all.some((p) => p.id === it.product.id))
			all.push(it.product);
	const productOf = (id) => all.find((p) => String(p.id) === String(id));

	const set = (k) => (val) => setV((s) => ({ ...s, [k]: val }));
	const setItem = (i, k) => (val) => setV((s) => ({ ...s, items: s.items.map((it, j) => (j === i ? { ...it, [k]: val } : it)) }));
	const setLimit = (i, k) => (val) => setV((s) => ({ ...s, limits: s.limits.map((l, j) => (j === i ? { ...l, [k]: val } : l)) }));

	const labels = { condition: 'Condition', items: 'Products', form_limits: 'Limits by form', max_thc_mg_per_day: 'THC ceiling',
		review_date: 'Review date', notes: 'Notes', reason: 'Reason', status: 'Status', base_version: 'Version' };
	v.items.forEach((_, i) => Object.assign(labels, {
		[`items-${i}`]: `Product ${i + 1}`, [`items-${i}-product_id`]: 'Product', [`items-${i}-dose`]: 'Dose',
		[`items-${i}-daily_amount`]: 'Daily amount', [`items-${i}-max_per_30d`]: '30-day maximum',
	}));
	v.limits.forEach((_, i) => Object.assign(labels, {
		[`form_limits-${i}`]: `Form limit ${i + 1}`, [`form_limits-${i}-form`]: 'Form', [`form_limits-${i}-max_per_30d`]: '30-day maximum',
	}));

	function show(errs, text) {
		setErrors(errs);
		setAlert({ title: Object.keys(errs).length ? 'Some fields need attention' : null, text });
		setTimeout(() => focusFirst(form.current, errs), 0);
	}

	// What the browser can tell before asking: every amount readable in its unit.
	function build() {
		const errs = {};
		const items = v.items.map((it, i) => {
			const p = productOf(it.product_id);
			const unit = p ? p.supply_unit : 'each';
			const daily = toSupply(it.daily, unit);
			const max = toSupply(it.max, unit);
			if (!it.product_id)
				errs[`items-${i}-product_id`] = 'Choose a product';
			if (daily === null || daily < 1)
				errs[`items-${i}-daily_amount`] = unit === 'each' ? 'Daily amount must be a whole number' : 'Daily amount must be a number, like 0.5';
			if (max === null || max < 1)
				errs[`items-${i}-max_per_30d`] = unit === 'each' ? '30-day maximum must be a whole number' : '30-day maximum must be a number, like 15';
			return { product_id: Number(it.product_id), dose: it.dose.trim(), daily_amount: daily, max_per_30d: max };
		});
		const limits = v.limits.map((l, i) => {
			const max = toSupply(l.max, formUnit(l.form));
			if (max === null || max < 1)
				errs[`form_limits-${i}-max_per_30d`] = '30-day maximum must be a number';
			return { form: l.form, max_per_30d: max };
		});
		const thc = /^\d{1,4}$/.test(v.thc.trim()) ? Number(v.thc.trim()) : null;
		if (thc === null)
			errs.max_thc_mg_per_day = 'THC ceiling must be a whole number of milligrams';
		const body = {
			condition: v.condition.trim(), items, form_limits: limits, max_thc_mg_per_day: thc,
			review_date: v.review, reason: v.reason.trim(),
		};
		if (v.notes.trim())
			body.notes = v.notes.trim();
		if (plan) {
			body.base_version = base;
			body.status = v.status;
		}
		return { body, errs };
	}

	async function save(e) {
		e.preventDefault();
		if (busy)
			return;
		const { body, errs } = build();
		if (Object.keys(errs).length) {
			show(errs, 'Please correct the highlighted fields.');
			return;
		}
		setBusy(true);
		setAlert(null);
		const res = plan ? await api('PUT', `/api/v1/prescriptions/plans/${patientId}/${plan.id}`, body) :
			await api('POST', `/api/v1/prescriptions/plans/${patientId}`, body);
		setBusy(false);
		if (res.ok) {
			setErrors({});
			onSaved(res.data, plan ? `Saved as version ${res.data.version}.` : 'Plan created.');
			return;
		}
		if (res.status === 401)
			return;
		const s = slug(res.problem);
		if (s === 'plan-changed') {
			const cur = res.problem.current;
			if (cur) {
				setBase(cur.version);
				setCurrent(cur);
			}
			show({}, `Someone else changed this plan while you were editing it${cur ? ` (it is now version ${cur.version}, by ${cur.author ? cur.author.name : 'another clinician'}: "${cur.reason}")` : ''}. Your changes are still here: compare them with the plan as it is now, shown below, and save again to replace it.`);
			return;
		}
		if (s === 'plan-exists') {
			show({ condition: 'This patient already has a plan for this condition: change that plan instead' }, 'Please correct the highlighted fields.');
			return;
		}
		if (s === 'specialist-required') {
			show({}, `${problemText(res.problem)} Only a clinician on the specialist register can start a treatment plan; any prescriber can then continue it.`);
			return;
		}
		const { errs: apiErrs, rest } = splitErrors(res.problem, labels);
		show(apiErrs, rest.length ? rest.join('. ') : Object.keys(apiErrs).length ? 'Please correct the highlighted fields.' : problemText(res.problem));
	}

	const err = (k) => errors[k];
	const desc = (id, k, hint) => [hint && `${id}-hint`, err(k) && `${id}-error`].filter(Boolean).join(' ') || undefined;
	return html`<section class="card plan-editor" aria-labelledby="plan-edit-h">
		<h2 id="plan-edit-h" tabindex="-1" ref=${heading}>${plan ? `Change the plan for ${plan.condition}` : 'New treatment plan'}</h2>
		<form ref=${form} onSubmit=${save} noValidate>
			<div class=${alert ? 'alert' : 'alert alert-empty'} role="alert">
				${alert && html`${alert.title && html`<p class="alert-title">${alert.title}</p>`}<p>${alert.text}</p>`}
			</div>
			${current && html`<details class="plan-current" open>
				<summary>The plan as it is now (version ${current.version})</summary>
				<${PlanSummary} plan=${current} />
			</details>`}
			<${Field} name="condition" label="Condition" value=${v.condition} onValue=${set('condition')} error=${err('condition')}
				hint="For example: chronic neuropathic pain" maxlength="200" />
			<fieldset class="field plan-items-edit">
				<legend>Products allowed</legend>
				<p class="hint">${AMOUNT_HINT}</p>
				<${FieldError} id="f-items-error" error=${err('items')} />
				${v.items.map((it, i) => {
					const p = productOf(it.product_id);
					const unit = p ? p.supply_unit : 'each';
					const pid = `f-items-${i}-product_id`;
					return html`<div class="plan-item-edit" key=${i}>
						<h3 class="h3">Product ${i + 1}</h3>
						<${FieldError} id=${`f-items-${i}-error`} error=${err(`items-${i}`)} />
						<div class=${err(`items-${i}-product_id`) ? 'field field-invalid' : 'field'}>
							<label for=${pid}>Product</label>
							<${FieldError} id=${`${pid}-error`} error=${err(`items-${i}-product_id`)} />
							<${ProductSelect} id=${pid} name=${`items-${i}-product_id`} value=${it.product_id} products=${all}
								onValue=${setItem(i, 'product_id')} error=${err(`items-${i}-product_id`)} described=${desc(pid, `items-${i}-product_id`)} />
							${p && html`<p class="hint">Availability: ${p.availability && p.availability.status !== 'unknown' ? p.availability.status : 'unknown'}</p>`}
						</div>
						<div class=${err(`items-${i}-dose`) ? 'field field-invalid' : 'field'}>
							<label for=${`f-items-${i}-dose`}>Dose instructions</label>
							<p class="hint" id=${`f-items-${i}-dose-hint`}>How much and how often, for example "0.1 g vaporised up to 5 times a day". Never only "as directed".</p>
							<${FieldError} id=${`f-items-${i}-dose-error`} error=${err(`items-${i}-dose`)} />
							<textarea id=${`f-items-${i}-dose`} data-field=${`items-${i}-dose`} rows="2" maxlength="500" value=${it.dose}
								onInput=${(e) => setItem(i, 'dose')(e.currentTarget.value)} aria-invalid=${err(`items-${i}-dose`) ? 'true' : undefined}
								aria-describedby=${desc(`f-items-${i}-dose`, `items-${i}-dose`, true)}></textarea>
						</div>
						<div class="field-row">
							<${AmountField} name=${`items-${i}-daily_amount`} label="Daily amount" unit=${unit} form=${p && p.form}
								value=${it.daily} onValue=${setItem(i, 'daily')} error=${err(`items-${i}-daily_amount`)} />
							<${AmountField} name=${`items-${i}-max_per_30d`} label="Most in any 30 days" unit=${unit} form=${p && p.form}
								value=${it.max} onValue=${setItem(i, 'max')} error=${err(`items-${i}-max_per_30d`)} />
						</div>
						${v.items.length > 1 && html`<button type="button" class="button button-secondary button-small"
							onClick=${() => setV((s) => ({ ...s, items: s.items.filter((_, j) => j !== i) }))}>Remove product ${i + 1}</button>`}
					</div>`;
				})}
				<p><button type="button" class="button button-secondary"
					onClick=${() => setV((s) => ({ ...s, items: [...s.items, blankItem()] }))}>Add another product</button></p>
			</fieldset>
			<fieldset class="field plan-limits-edit">
				<legend>Limits by form (optional)</legend>
				<p class="hint">A ceiling across every product of one form, for example all flower together.</p>
				<${FieldError} id="f-form_limits-error" error=${err('form_limits')} />
				${v.limits.map((l, i) => html`<div class="field-row plan-limit-edit" key=${i}>
					<div class="field"><label for=${`f-form_limits-${i}-form`}>Form</label>
						<${FieldError} id=${`f-form_limits-${i}-form-error`} error=${err(`form_limits-${i}-form`) || err(`form_limits-${i}`)} />
						<select id=${`f-form_limits-${i}-form`} data-field=${`form_limits-${i}-form`} value=${l.form}
							onChange=${(e) => setLimit(i, 'form')(e.currentTarget.value)}>
							${FORMS.map((f) => html`<option value=${f}>${formLabel(f)}</option>`)}
						</select></div>
					<${AmountField} name=${`form_limits-${i}-max_per_30d`} label="Most in any 30 days" unit=${formUnit(l.form)} form=${l.form}
						value=${l.max} onValue=${setLimit(i, 'max')} error=${err(`form_limits-${i}-max_per_30d`)} />
					<p><button type="button" class="button button-secondary button-small"
						onClick=${() => setV((s) => ({ ...s, limits: s.limits.filter((_, j) => j !== i) }))}>Remove this limit</button></p>
				</div>`)}
				<p><button type="button" class="button button-secondary"
					onClick=${() => setV((s) => ({ ...s, limits: [...s.limits, { form: FORMS.find((f) => !s.limits.some((x) => x.form === f)) || 'flower', max: '' }] }))}>Add a limit by form</button></p>
			</fieldset>
			<div class="field-row">
				<${Field} name="max_thc_mg_per_day" label="THC ceiling (mg a day)" inputmode="numeric" class="input-4"
					value=${v.thc} onValue=${set('thc')} error=${err('max_thc_mg_per_day')} />
				<${Field} name="review_date" label="Review by" type="date" value=${v.review} onValue=${set('review')} error=${err('review_date')} />
			</div>
			<div class=${err('notes') ? 'field field-invalid' : 'field'}>
				<label for="f-notes">Notes (optional)</label>
				<${FieldError} id="f-notes-error" error=${err('notes')} />
				<textarea id="f-notes" data-field="notes" rows="2" value=${v.notes} onInput=${(e) => set('notes')(e.currentTarget.value)}></textarea>
			</div>
			${plan && html`<fieldset class="field choices">
				<legend>Status</legend>
				<div class="choice"><input type="radio" id="f-status-active" name="status" checked=${v.status === 'active'}
					onChange=${() => set('status')('active')} /><label for="f-status-active">Active</label></div>
				<div class="choice"><input type="radio" id="f-status-ended" name="status" checked=${v.status === 'ended'}
					onChange=${() => set('status')('ended')} /><label for="f-status-ended">Ended (no more prescriptions from it)</label></div>
			</fieldset>`}
			<div class=${err('reason') ? 'field field-invalid' : 'field'}>
				<label for="f-reason">Reason for ${plan ? 'this change' : 'this plan'}</label>
				<p class="hint" id="f-reason-hint">Kept with this version of the plan for everyone who reads its history.</p>
				<${FieldError} id="f-reason-error" error=${err('reason')} />
				<textarea id="f-reason" data-field="reason" rows="2" maxlength="1000" value=${v.reason}
					onInput=${(e) => set('reason')(e.currentTarget.value)} aria-invalid=${err('reason') ? 'true' : undefined}
					aria-describedby=${desc('f-reason', 'reason', true)}></textarea>
			</div>
			<div class="actions">
				<button type="submit" class="button" disabled=${busy}>${busy ? 'Saving…' : plan ? 'Save as a new version' : 'Create plan'}</button>
				<button type="button" class="button button-secondary" onClick=${onCancel}>Cancel</button>
			</div>
		</form>
	</section>`;
}

// ---- history and compare ----

function versionLabel(x) {
	return `Version ${x.version} – ${stamp(x.changed_at)}`;
}

function Compare({ patientId, plan }) {
	const versions = plan.versions || [];
	const n = versions.length;
	const [from, setFrom] = useState(n > 1 ? String(versions[n - 2].version) : '');
	const [to, setTo] = useState(n > 0 ? String(versions[n - 1].version) : '');
	const [result, setResult] = useState(null);
	const [error, setError] = useState(null);
	const [busy, setBusy] = useState(false);
	// A new version arrived: compare the latest with the one before, again.
	useEffect(() => {
		setFrom(n > 1 ? String(versions[n - 2].version) : '');
		setTo(n > 0 ? String(versions[n - 1].version) : '');
		setResult(null);
	}, [n]);
	if (n < 2)
		return html`<p class="muted">Only one version so far: nothing to compare.</p>`;

	async function run(e) {
		e.preventDefault();
		setBusy(true);
		setError(null);
		const res = await api('GET', `/api/v1/prescriptions/plans/${patientId}/diff?plan=${plan.id}&from=${from}&to=${to}`);
		setBusy(false);
		if (res.ok)
			setResult(res.data);
		else if (res.status !== 401) {
			setResult(null);
			setError(problemText(res.problem));
		}
	}
	const pid = `cmp-${plan.id}`;
	return html`<form class="plan-compare" onSubmit=${run} noValidate>
		<h4 class="h3">Compare two versions</h4>
		<div class="field-row">
			<div class="field"><label for=${`${pid}-from`}>From</label>
				<select id=${`${pid}-from`} value=${from} onChange=${(e) => setFrom(e.currentTarget.value)}>
					${versions.map((x) => html`<option value=${String(x.version)}>${versionLabel(x)}</option>`)}
				</select></div>
			<div class="field"><label for=${`${pid}-to`}>To</label>
				<select id=${`${pid}-to`} value=${to} onChange=${(e) => setTo(e.currentTarget.value)}>
					${versions.map((x) => html`<option value=${String(x.version)}>${versionLabel(x)}</option>`)}
				</select></div>
		</div>
		<button type="submit" class="button button-secondary" disabled=${busy}>${busy ? 'Comparing…' : 'Compare'}</button>
		<div class=${error ? 'alert' : 'alert alert-empty'} role="alert">${error && html`<p>${error}</p>`}</div>
		<div role="status" class="plan-diff">
			${result && (result.changes.length === 0 ? html`<p>No differences between version ${result.from} and version ${result.to}.</p>` :
				html`<p class="plan-diff-h">From version ${result.from} to version ${result.to}:</p>
				<ul class="plan-changes">${result.changes.map((c) => html`<li>${c.text}</li>`)}</ul>`)}
		</div>
	</form>`;
}

function History({ patientId, stamp: bump }) {
	const [h, setH] = useState(null);
	const [error, setError] = useState(null);
	useEffect(() => {
		api('GET', `/api/v1/prescriptions/plans/${patientId}/history`).then((res) => {
			if (res.ok)
				setH(res.data);
			else if (res.status !== 401)
				setError(problemText(res.problem));
		});
	}, [patientId, bump]);
	return html`<section class="card" aria-labelledby="history-h">
		<h2 id="history-h">History</h2>
		${error && html`<p class="alert" role="alert">${error}</p>`}
		${!h && !error && html`<p class="loading" role="status">Loading…</p>`}
		${h && h.plans.length === 0 && html`<p>No plans yet.</p>`}
		${h && h.plans.map((p) => html`<div class="plan-history" key=${p.id}>
			<h3 class="h3">${p.condition}</h3>
			<ol class="plan-versions" reversed>
				${[...(p.versions || [])].reverse().map((x) => html`<li>
					<p class="plan-version-head"><strong>${versionLabel(x)}</strong>${x.status === 'ended' ? ' (ended)' : ''}</p>
					<p class="patient-meta">By ${x.author ? `${x.author.name}${x.author.registration_number ? ` (GMC ${x.author.registration_number})` : ''}` : 'unknown'}. Reason: ${x.reason}</p>
				</li>`)}
			</ol>
			<${Compare} patientId=${patientId} plan=${p} />
		</div>`)}
	</section>`;
}

// ---- the screen ----

export function Plans({ session, path }) {
	const role = session.user.role;
	const patientView = role === 'patient';
	const patientId = patientView ? String(session.user.id) : (path || '').split('/')[0];
	const query = new URLSearchParams(location.hash.split('?')[1] || '');
	const [data, setData] = useState(null);
	const [error, setError] = useState(null);
	const [products, setProducts] = useState([]);
	const [editing, setEditing] = useState(role === 'clinician' && query.get('new') === '1' ? 'new' : null);
	const [done, setDone] = useState(null);
	const [bump, setBump] = useState(0);

	async function load() {
		const res = await api('GET', `/api/v1/prescriptions/plans/${patientId}`);
		if (res.ok)
			setData(res.data);
		else if (res.status !== 401)
			setError(res.status === 404 ? 'There is no such patient.' : problemText(res.problem));
	}

	useEffect(() => {
		if (!/^\d+$/.test(patientId))
			return;
		setData(null);
		load();
		if (role === 'clinician')
			api('GET', '/api/v1/prescriptions/formulary').then((r) => setProducts(r.ok ? r.data.products || [] : []));
	}, [patientId]);

	if (!/^\d+$/.test(patientId))
		return html`<${Page} title="Treatment plans"><p>Open a patient's record and choose "Treatment plans" there.</p>
			<p><a class="button" href="#/patients">Find a patient</a></p><//>`;
	if (error)
		return html`<${Page} title="Treatment plans"><p class="alert" role="alert">${error}</p>
			${!patientView && html`<p><a href="#/patients">Back to the patient list</a></p>`}<//>`;
	if (!data)
		return html`<${Page} title="Treatment plans"><p class="loading" role="status"><span class="spinner" aria-hidden="true"></span>Loading…</p><//>`;

	const plans = data.plans || [];
	const shown = patientView ? plans.filter((p) => p.status === 'active') : plans;
	const title = patientView ? 'Your treatment plan' : `Treatment plans: ${data.patient ? data.patient.name : ''}`;
	const editPlan = editing && editing !== 'new' ? plans.find((p) => p.id === editing) : null;

	function saved(plan, text) {
		setEditing(null);
		setDone(text);
		setBump((b) => b + 1);
		load();
	}

	return html`<${Page} title=${title} wide>
		${!patientView && html`<p class="rxp-links"><a href=${`#/patients/${patientId}`}>Patient record</a>
			${role === 'clinician' && html` · <a href=${`#/prescribe/${patientId}`}>Prescribe</a>`}</p>`}
		<div class=${done ? 'alert alert-ok' : 'alert alert-empty'} role="status">${done && html`<p>${done}</p>`}</div>
		${editing === 'new' && html`<${PlanEditor} patientId=${patientId} plan=${null} products=${products}
			onSaved=${saved} onCancel=${() => setEditing(null)} />`}
		${shown.length === 0 && editing !== 'new' && html`<section class="card"><p>${patientView ?
			'You do not have a treatment plan yet. Your clinician writes one with you at your consultation.' :
			'This patient has no treatment plan yet.'}</p></section>`}
		${shown.map((p) => editPlan && editPlan.id === p.id ?
			html`<${PlanEditor} key=${`edit-${p.id}`} patientId=${patientId} plan=${p} products=${products}
				onSaved=${saved} onCancel=${() => setEditing(null)} />` :
			html`<section class="card plan-card" key=${p.id} aria-labelledby=${`plan-${p.id}-h`}>
				<h2 id=${`plan-${p.id}-h`}>${p.condition}${p.status === 'ended' ? html` <span class="badge">Ended</span>` : ''}</h2>
				<${PlanSummary} plan=${p} patientView=${patientView} />
				${role === 'clinician' && !editing && html`<p class="actions">
					<button type="button" class="button button-secondary" onClick=${() => { setDone(null); setEditing(p.id); }}>Change this plan</button>
					${p.status === 'active' && html`<a class="button" href=${`#/prescribe/${patientId}?plan=${p.id}`}>Prescribe from this plan</a>`}
				</p>`}
			</section>`)}
		${role === 'clinician' && !editing && html`<p><button type="button" class="button button-secondary"
			onClick=${() => { setDone(null); setEditing('new'); }}>${plans.length ? 'New plan for another condition' : 'New plan'}</button></p>`}
		${STAFF.includes(role) && html`<${History} patientId=${patientId} stamp=${bump} />`}
	<//>`;
}
