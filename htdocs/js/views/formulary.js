// Formulary (#/formulary). Everyone who may open it searches the products
// (by supplier, brand or name, and form). An admin also adds products,
// corrects them and withdraws them (or brings them back): pack sizes are
// typed in g, ml or a count and strengths as % (flower), mg/ml (liquids) or
// mg per unit, and converted exactly to the API's integers (rx-format.js).
// Availability stays "unknown" until pharmacies report stock.
import { useEffect, useState } from '/vendor/hooks.js';
import { api } from '../api.js';
import { html, Page, useForm, Field, FormAlert, Status, Submit } from './ui.js';
import { problemText } from './book.js';
import { FORMS, scaled, unscaled } from './rx-format.js';

const LABELS = {
	supplier: 'Supplier', brand: 'Brand', name: 'Product or strain name', form: 'Form',
	pack_size: 'Pack size', thc_ug_per_unit: 'THC', cbd_ug_per_unit: 'CBD',
	low_stock_threshold: 'Low stock below',
};

function availabilityWords(a) {
	if (!a || !a.status || a.status === 'unknown')
		return 'unknown';
	if (a.status === 'in_stock')
		return 'in stock';
	if (a.status === 'out_of_stock')
		return 'out of stock';
	return a.status.replace(/_/g, ' ');
}

// The form's typed values for a product (or empty ones for a new product).
function typed(p) {
	if (!p)
		return { supplier: '', brand: '', name: '', form: 'flower', pack_size: '', thc_ug_per_unit: '', cbd_ug_per_unit: '', low_stock_threshold: '' };
	const f = FORMS[p.form] || FORMS.flower;
	// Strength: ug per unit → %, mg/ml or mg. Flower: 220 ug/mg = 22.0 %; liquids equal; counted: ug → mg.
	return {
		supplier: p.supplier, brand: p.brand, name: p.name, form: p.form,
		pack_size: unscaled(p.pack_size, f.packScale),
		thc_ug_per_unit: unscaled(p.thc_ug_per_unit, f.strengthScale),
		cbd_ug_per_unit: unscaled(p.cbd_ug_per_unit, f.strengthScale),
		low_stock_threshold: p.low_stock_threshold == null ? '' : unscaled(p.low_stock_threshold, f.packScale),
	};
}

function ProductForm({ product, onSaved, onClose }) {
	const form = useForm(typed(product), LABELS);
	const { values, set, errors } = form;
	const f = FORMS[values.form] || FORMS.flower;
	const packPlaces = f.packScale ? `up to ${f.packScale} decimal places` : 'a whole number';
	const strengthPlaces = f.strengthScale ? `up to ${f.strengthScale} decimal place${f.strengthScale > 1 ? 's' : ''}` : 'a whole number';

	async function save(e) {
		e.preventDefault();
		const pack = scaled(values.pack_size, f.packScale);
		const thc = scaled(values.thc_ug_per_unit, f.strengthScale);
		const cbd = scaled(values.cbd_ug_per_unit, f.strengthScale);
		const low = values.low_stock_threshold.trim() ? scaled(values.low_stock_threshold, f.packScale) : null;
		const need = (k, what) => values[k].trim() ? null : `Enter the ${what}`;
		const ok = form.check({
			supplier: need('supplier', 'supplier'), brand: need('brand', 'brand'), name: need('name', 'product or strain name'),
			pack_size: need('pack_size', 'pack size') || (pack === null || pack === 0 ?
				`Pack size must be a number of ${f.packUnit} greater than 0 (${packPlaces})` : null),
			thc_ug_per_unit: need('thc_ug_per_unit', 'THC content') || (thc === null ?
				`THC must be a number in ${f.strengthUnit} (${strengthPlaces})` : null),
			cbd_ug_per_unit: need('cbd_ug_per_unit', 'CBD content') || (cbd === null ?
				`CBD must be a number in ${f.strengthUnit} (${strengthPlaces})` : null),
			low_stock_threshold: values.low_stock_threshold.trim() && (low === null || low > 1000000000) ?
				`Low stock must be a number of ${f.packUnit}, 0 or more (${packPlaces}), or left empty` : null,
		});
		if (!ok)
			return;
		const body = {
			supplier: values.supplier.trim(), brand: values.brand.trim(), name: values.name.trim(), form: values.form,
			pack_size: pack, thc_ug_per_unit: thc, cbd_ug_per_unit: cbd,
		};
		// Empty: the product keeps the threshold it has (or the clinic's bridge_low_stock_packs packs).
		if (low !== null)
			body.low_stock_threshold = low;
		if (product)
			body.active = product.active;
		await form.submit(() => product ? api('PUT', `/api/v1/prescriptions/formulary/${product.id}`, body) :
			api('POST', '/api/v1/prescriptions/formulary', body), onSaved);
	}

	const id = product ? `edit-${product.id}` : 'new';
	return html`<form class="card rx-product-form" ref=${form.form} onSubmit=${save} noValidate aria-labelledby=${`${id}-h`}>
		<h2 id=${`${id}-h`}>${product ? `Edit ${product.brand} ${product.name}` : 'Add a product'}</h2>
		<${FormAlert} alert=${form.alert} />
		<${Field} name="supplier" label="Supplier" value=${values.supplier} onValue=${set('supplier')} error=${errors.supplier} maxlength="200" />
		<${Field} name="brand" label="Brand" value=${values.brand} onValue=${set('brand')} error=${errors.brand} maxlength="200" />
		<${Field} name="name" label="Product or strain name" value=${values.name} onValue=${set('name')} error=${errors.name} maxlength="200" />
		<div class=${errors.form ? 'field field-invalid' : 'field'}>
			<label for="f-form">Form</label>
			${errors.form && html`<p class="field-error" id="f-form-error">${errors.form}</p>`}
			<select id="f-form" data-field="form" value=${values.form} disabled=${!!product}
				aria-describedby=${product ? 'f-form-hint' : undefined}
				onChange=${(e) => set('form')(e.currentTarget.value)}>
				${Object.entries(FORMS).map(([k, v]) => html`<option value=${k}>${v.label}</option>`)}
			</select>
			${product && html`<p class="hint" id="f-form-hint">The form of a product cannot change: add a new product instead.</p>`}
		</div>
		<${Field} name="pack_size" label=${`Pack size (${f.packUnit})`} hint=${`For example ${f.packUnit === 'g' ? '10' : f.packUnit === 'ml' ? '50' : '30'}`}
			inputmode="decimal" value=${values.pack_size} onValue=${set('pack_size')} error=${errors.pack_size} />
		<div class="field-row">
			<${Field} name="thc_ug_per_unit" label=${`THC (${f.strengthUnit})`} inputmode="decimal"
				value=${values.thc_ug_per_unit} onValue=${set('thc_ug_per_unit')} error=${errors.thc_ug_per_unit} />
			<${Field} name="cbd_ug_per_unit" label=${`CBD (${f.strengthUnit})`} inputmode="decimal"
				value=${values.cbd_ug_per_unit} onValue=${set('cbd_ug_per_unit')} error=${errors.cbd_ug_per_unit} />
		</div>
		<${Field} name="low_stock_threshold" label=${`Low stock below (${f.packUnit})`}
			hint="Pharmacies' stock under this shows as low. Empty: the clinic's usual number of packs."
			inputmode="decimal" value=${values.low_stock_threshold} onValue=${set('low_stock_threshold')} error=${errors.low_stock_threshold} />
		<p class="actions">
			<${Submit} busy=${form.busy} label=${product ? 'Save changes' : 'Add the product'} busyLabel="Saving…" />
			<button type="button" class="button button-secondary" onClick=${onClose}>Cancel</button>
		</p>
	</form>`;
}

function Product({ p, admin, editing, onEdit, onWithdraw }) {
	return html`<li class=${p.active ? 'rx-product' : 'rx-product rx-withdrawn'}>
		<h3 class="rx-product-name">${p.brand} ${p.name}
			${!p.active && html` <span class="badge badge-action">Withdrawn</span>`}</h3>
		<p class="rx-product-meta">${[p.form_label, p.strength_label, p.pack_label].filter(Boolean).join(' · ')}</p>
		<p class="rx-product-meta">Supplier: ${p.supplier} · Availability: ${availabilityWords(p.availability)}</p>
		${admin && !editing && html`<p class="actions">
			<button type="button" class="button button-secondary button-small" onClick=${onEdit}
				aria-label=${`Edit ${p.brand} ${p.name}`}>Edit</button>
			<button type="button" class="button button-secondary button-small" onClick=${onWithdraw}
				aria-label=${`${p.active ? 'Withdraw' : 'Bring back'} ${p.brand} ${p.name}`}>${p.active ? 'Withdraw' : 'Bring back'}</button>
		</p>`}
	</li>`;
}

export function Formulary({ session }) {
	const admin = session.user.role === 'admin';
	const [q, setQ] = useState('');
	const [formFilter, setFormFilter] = useState('');
	const [inactive, setInactive] = useState(false);
	const [products, setProducts] = useState(null);
	const [error, setError] = useState(null);
	const [editing, setEditing] = useState(null);	// null | 'new' | product id
	const [status, setStatus] = useState('');

	async function load(e) {
		if (e)
			e.preventDefault();
		const params = new URLSearchParams();
		if (q.trim())
			params.set('q', q.trim());
		if (formFilter)
			params.set('form', formFilter);
		if (inactive)
			params.set('include_inactive', 'true');
		const qs = params.toString();
		const res = await api('GET', `/api/v1/prescriptions/formulary${qs ? `?${qs}` : ''}`);
		if (res.ok) {
			setProducts(res.data.products || []);
			setError(null);
		} else if (res.status !== 401)
			setError(problemText(res));
	}

	useEffect(() => { load(); }, [formFilter, inactive]);

	async function withdraw(p) {
		const body = {
			supplier: p.supplier, brand: p.brand, name: p.name, form: p.form, pack_size: p.pack_size,
			thc_ug_per_unit: p.thc_ug_per_unit, cbd_ug_per_unit: p.cbd_ug_per_unit, active: !p.active,
		};
		const res = await api('PUT', `/api/v1/prescriptions/formulary/${p.id}`, body);
		if (res.ok) {
			setStatus(p.active ? `${p.brand} ${p.name} is withdrawn: it can no longer be added to plans.` :
				`${p.brand} ${p.name} is back in the formulary.`);
			if (p.active && !inactive)
				setInactive(true);
			else
				load();
		} else if (res.status !== 401)
			setError(problemText(res));
	}

	const saved = (p, verb) => {
		setEditing(null);
		setStatus(`${p.brand} ${p.name} ${verb}: ${p.strength_label}, ${p.pack_label}.`);
		load();
	};

	return html`<${Page} title="Formulary" wide>
		<p>${admin ? 'The products clinicians can put in treatment plans. Products are never deleted: withdraw one to stop new prescribing.' :
			'The products clinicians can put in treatment plans.'}</p>
		<${Status} text=${status} />
		${error && html`<p class="alert" role="alert">${error}</p>`}
		${admin && editing !== 'new' && html`<p><button type="button" class="button" onClick=${() => { setStatus(''); setEditing('new'); }}>Add a product</button></p>`}
		${admin && editing === 'new' && html`<${ProductForm} onClose=${() => setEditing(null)} onSaved=${(p) => saved(p, 'added')} />`}
		<form class="card rx-search" role="search" onSubmit=${load} aria-label="Search the formulary">
			<div class="field">
				<label for="f-q">Search</label>
				<p class="hint" id="f-q-hint">Supplier, brand or product name</p>
				<div class="search-row">
					<input id="f-q" type="search" value=${q} aria-describedby="f-q-hint" onInput=${(e) => setQ(e.currentTarget.value)} />
					<button type="submit" class="button">Search</button>
				</div>
			</div>
			<div class="field">
				<label for="f-form-filter">Form</label>
				<select id="f-form-filter" value=${formFilter} onChange=${(e) => setFormFilter(e.currentTarget.value)}>
					<option value="">All forms</option>
					${Object.entries(FORMS).map(([k, v]) => html`<option value=${k}>${v.label}</option>`)}
				</select>
			</div>
			<div class="choices"><div class="choice">
				<input id="f-inactive" type="checkbox" checked=${inactive} onChange=${(e) => setInactive(e.currentTarget.checked)} />
				<label for="f-inactive">Include withdrawn products</label>
			</div></div>
		</form>
		<section aria-labelledby="products-h">
			<h2 id="products-h">Products</h2>
			${products === null ? html`<p class="loading" role="status"><span class="spinner" aria-hidden="true"></span>Loading…</p>` :
				products.length === 0 ? html`<p>No products match.</p>` :
				html`<ul class="rx-products">${products.map((p) => html`<${Product} key=${p.id} p=${p} admin=${admin}
					editing=${editing === p.id} onEdit=${() => { setStatus(''); setEditing(p.id); }} onWithdraw=${() => withdraw(p)} />
					${editing === p.id && html`<li class="rx-product-edit"><${ProductForm} product=${p} onClose=${() => setEditing(null)}
						onSaved=${(x) => saved(x, 'saved')} /></li>`}`)}</ul>`}
		</section>
	<//>`;
}
