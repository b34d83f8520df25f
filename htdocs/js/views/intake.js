// The patient's health questionnaire: one section at a time with progress,
// items shown and hidden as they answer (js/intake-eval.js mirrors the
// server), answers saved as they go (debounced, with a visible status), so
// they can stop on a phone and finish on a laptop; then submit and the
// outcome in plain words. The server (modules/intake) is the authority.
import { useEffect, useRef, useState } from '/vendor/hooks.js';
import { api } from '../api.js';
import { flatten, enabledSet, missing, optionValue, optionLabel, answered } from '../intake-eval.js';
import { html, Page, Status } from './ui.js';

const KEY = 'intake';
const BASE = `/api/v1/intake/responses/${KEY}`;
const CRISIS = ['emergency', 'samaritans'];

// Top-level groups are sections; loose top-level items share one.
function sections(def) {
	const out = [];
	let loose = null;
	for (const item of def.item || []) {
		if (item.type === 'group') {
			loose = null;
			out.push({ title: item.text || def.title, root: item, items: item.item || [] });
		} else {
			if (!loose)
				out.push(loose = { title: def.title, root: null, items: [] });
			loose.items.push(item);
		}
	}
	return out.map((s, i) => ({ ...s, index: i, flat: flatten({ item: s.root ? [s.root] : s.items }) }));
}

function sectionOn(s, enabled) {
	return !s.root || enabled.has(s.root.linkId);
}

function errorId(linkId) {
	return `q-${linkId}-error`;
}

function FieldError({ linkId, error }) {
	return error ? html`<p class="field-error" id=${errorId(linkId)}><span class="visually-hidden">Error: </span>${error}</p>` : null;
}

const NUMBER = { integer: /^-?\d+$/, decimal: /^-?\d+([.,]\d+)?$/ };

// One question (or display text, or nested group) and its input.
function Item({ item, ctx }) {
	const { answers, enabled, errors, setAnswer, raw, setRaw } = ctx;
	if (!enabled.has(item.linkId))
		return null;
	const id = `q-${item.linkId}`;
	const error = errors[item.linkId];
	const described = error ? errorId(item.linkId) : undefined;
	const req = item.required ? null : html` <span class="optional">(optional)</span>`;
	const cls = error ? 'field field-invalid' : 'field';
	const value = answers[item.linkId];

	switch (item.type) {
	case 'display':
		return html`<p class="intake-display" id=${id}>${item.text}</p>`;
	case 'group':
		return html`<section class="intake-group" aria-labelledby=${`${id}-h`}>
			${item.text && html`<h3 id=${`${id}-h`}>${item.text}</h3>`}
			${(item.item || []).map((child) => html`<${Item} key=${child.linkId} item=${child} ctx=${ctx} />`)}
		</section>`;
	case 'boolean':
		return html`<fieldset class=${cls} aria-describedby=${described} data-link=${item.linkId}>
			<legend>${item.text}${req}</legend>
			<${FieldError} linkId=${item.linkId} error=${error} />
			<div class="choices choices-inline">
				${[[true, 'Yes'], [false, 'No']].map(([v, label]) => html`<div class="choice" key=${label}>
					<input type="radio" id=${`${id}-${label}`} name=${id} checked=${value === v}
						onChange=${() => setAnswer(item.linkId, v, 0)} />
					<label for=${`${id}-${label}`}>${label}</label>
				</div>`)}
			</div>
		</fieldset>`;
	case 'choice': {
		const many = !!item.repeats;
		const chosen = many ? (value || []) : [value];
		const toggle = (v, on) => {
			if (!many)
				return setAnswer(item.linkId, v, 0);
			const opts = (item.answerOption || []).map(optionValue);
			const next = opts.filter((o) => o === v ? on : chosen.includes(o));
			setAnswer(item.linkId, next.length ? next : null, 0);
		};
		return html`<fieldset class=${cls} aria-describedby=${described} data-link=${item.linkId}>
			<legend>${item.text}${req}</legend>
			${many && html`<p class="hint">Choose all that apply.</p>`}
			<${FieldError} linkId=${item.linkId} error=${error} />
			<div class="choices">
				${(item.answerOption || []).map((opt, i) => {
					const v = optionValue(opt);
					return html`<div class="choice" key=${String(v)}>
						<input type=${many ? 'checkbox' : 'radio'} id=${`${id}-${i}`} name=${id}
							checked=${chosen.includes(v)}
							onChange=${(e) => toggle(v, e.currentTarget.checked)} />
						<label for=${`${id}-${i}`}>${optionLabel(opt)}</label>
					</div>`;
				})}
			</div>
		</fieldset>`;
	}
	case 'integer':
	case 'decimal': {
		const shown = raw[item.linkId] ?? (value === undefined || value === null ? '' : String(value));
		return html`<div class=${cls}>
			<label for=${id}>${item.text}${req}</label>
			<${FieldError} linkId=${item.linkId} error=${error} />
			<input id=${id} class="input-number" type="text" data-link=${item.linkId}
				inputmode=${item.type === 'integer' ? 'numeric' : 'decimal'} value=${shown}
				aria-invalid=${error ? 'true' : undefined} aria-describedby=${described}
				onInput=${(e) => {
					const t = e.currentTarget.value.trim();
					setRaw(item.linkId, t);
					if (t === '')
						return setAnswer(item.linkId, null);
					if (!NUMBER[item.type].test(t))
						return setAnswer(item.linkId, undefined, null,
							item.type === 'integer' ? 'Enter a whole number, like 3' : 'Enter a number, like 2.5');
					setAnswer(item.linkId, Number(t.replace(',', '.')));
				}} />
		</div>`;
	}
	case 'date':
		return html`<div class=${cls}>
			<label for=${id}>${item.text}${req}</label>
			<${FieldError} linkId=${item.linkId} error=${error} />
			<input id=${id} class="q-input" type="date" data-link=${item.linkId} value=${value || ''}
				aria-invalid=${error ? 'true' : undefined} aria-describedby=${described}
				onInput=${(e) => setAnswer(item.linkId, e.currentTarget.value || null)} />
		</div>`;
	default: {
		const long = item.type === 'text';
		const onInput = (e) => {
			const t = e.currentTarget.value;
			setAnswer(item.linkId, t.trim() === '' ? null : t);
		};
		return html`<div class=${cls}>
			<label for=${id}>${item.text}${req}</label>
			<${FieldError} linkId=${item.linkId} error=${error} />
			${long ?
				html`<textarea id=${id} class="q-input" rows="4" data-link=${item.linkId} maxlength=${item.maxLength}
					aria-invalid=${error ? 'true' : undefined} aria-describedby=${described}
					value=${value || ''} onInput=${onInput}></textarea>` :
				html`<input id=${id} type="text" data-link=${item.linkId} maxlength=${item.maxLength}
					aria-invalid=${error ? 'true' : undefined} aria-describedby=${described}
					value=${value || ''} onInput=${onInput} />`}
		</div>`;
	}
	}
}

function HelpList({ help }) {
	return html`<ul class="help-list">
		${help.map((h) => html`<li key=${h.code}><strong>${h.title}</strong><br />${h.text}</li>`)}
	</ul>`;
}

const DECISION_WORDS = {
	eligible: 'You can go ahead and book a consultation.',
	not_eligible: 'The clinic cannot offer you treatment at the moment.',
};

// The outcome in plain words; crisis contacts first when a risk was raised.
export function Outcome({ result, review, onAgain }) {
	const help = result.help || [];
	const crisis = help.filter((h) => CRISIS.includes(h.code));
	const other = help.filter((h) => !CRISIS.includes(h.code));
	return html`<div class=${`outcome outcome-${result.outcome}`} data-outcome=${result.outcome}>
		${crisis.length > 0 && html`<section class="crisis" aria-labelledby="crisis-h">
			<h2 id="crisis-h">If you need help now</h2>
			<${HelpList} help=${crisis} />
		</section>`}
		${review && html`<section class="card decision" aria-labelledby="decision-h">
			<h2 id="decision-h">A doctor has reviewed your answers</h2>
			<p class="decision-words">${DECISION_WORDS[review.decision]}</p>
			${review.note && html`<p><span class="muted">Their note:</span> ${review.note}</p>`}
		</section>`}
		<section class="card" aria-labelledby="outcome-h">
			<h2 id="outcome-h">What happens next</h2>
			<p>${result.text}</p>
			${result.reasons && result.reasons.length > 0 && html`
				<h3>${result.outcome === 'not_eligible' ? 'Why' : 'What the doctor will look at'}</h3>
				<ul class="reasons">${result.reasons.map((r) => html`<li key=${r.code}>${r.text}</li>`)}</ul>`}
			${result.outcome === 'eligible' && !review && html`
				<h3>Next steps</h3>
				<ol class="journey">
					<li><a href="#/documents">Upload your medical records summary</a></li>
					<li><a href="#/identity">Confirm your identity</a></li>
					<li>Book a video consultation</li>
				</ol>`}
		</section>
		${other.length > 0 && html`<section class="card" aria-labelledby="help-h">
			<h2 id="help-h">Where to get help</h2>
			<${HelpList} help=${other} />
		</section>`}
		${onAgain && result.outcome === 'not_eligible' && !review && html`<p>If your circumstances change,
			you can answer the questionnaire again.</p>
			<p><button type="button" class="button button-secondary" onClick=${onAgain}>
			Answer the questionnaire again</button></p>`}
	</div>`;
}

// Saves queued answers one request at a time; the reply is the server's state.
function useSaver(onState, onErrors) {
	const pending = useRef({});
	const timer = useRef(null);
	const chain = useRef(Promise.resolve(true));
	const [status, setStatus] = useState('');

	function send() {
		clearTimeout(timer.current);
		timer.current = null;
		chain.current = chain.current.then(async () => {
			const batch = pending.current;
			pending.current = {};
			if (Object.keys(batch).length === 0)
				return true;
			setStatus('Saving…');
			const res = await api('PUT', BASE, { answers: batch });
			if (res.ok) {
				onState(res.data);
				onErrors(Object.keys(batch), {});
				setStatus(Object.keys(pending.current).length ? 'Saving…' : 'Saved');
				return true;
			}
			if (res.status === 401)
				return false;
			const errs = {};
			for (const e of res.problem.errors || [])
				errs[e.field] = e.detail ? `This answer ${e.detail}` : 'Check this answer';
			onErrors(Object.keys(batch), errs);
			if (res.status === 422)
				setStatus('Not saved: please check the highlighted answers.');
			else {
				// Keep them for the next try (network trouble).
				pending.current = { ...batch, ...pending.current };
				setStatus(`Not saved: ${res.problem.title}. We will try again when you carry on.`);
			}
			return false;
		});
		return chain.current;
	}

	function queue(linkId, value, delay) {
		pending.current[linkId] = value;
		setStatus('Saving…');
		clearTimeout(timer.current);
		timer.current = setTimeout(send, delay);
	}

	// Leaving the page or switching apps on a phone: send what is waiting now.
	useEffect(() => {
		const hide = (e) => {
			if ((e.type === 'pagehide' || document.visibilityState === 'hidden') && timer.current)
				send();
		};
		document.addEventListener('visibilitychange', hide);
		addEventListener('pagehide', hide);
		return () => {
			// Leaving the questionnaire within the portal: nothing typed is lost.
			if (timer.current)
				send();
			document.removeEventListener('visibilitychange', hide);
			removeEventListener('pagehide', hide);
		};
	}, []);
	return { queue, flush: send, status };
}

function Questionnaire({ def, response, onDone }) {
	const secs = useRef(sections(def)).current;
	const flatAll = useRef(flatten(def)).current;
	const [answers, setAnswers] = useState(response ? response.answers || {} : {});
	const [server, setServer] = useState(response || null);
	const [errors, setErrors] = useState({});
	const [raw, setRawState] = useState({});
	const [alert, setAlert] = useState(null);
	const [busy, setBusy] = useState(false);
	const enabled = enabledSet(flatAll, answers);
	const live = secs.filter((s) => sectionOn(s, enabled));
	const remaining = server ? server.remaining_required || [] : null;

	// Resume at the first section with something still to answer.
	const [step, setStep] = useState(() => {
		if (!response)
			return 0;
		const first = live.findIndex((s) => missing(s.flat, answers, enabled).length > 0);
		return first < 0 ? live.length : first;
	});
	const top = useRef(null);
	const saver = useSaver(setServer, (keys, errs) => setErrors((old) => {
		const next = { ...old };
		for (const k of keys)
			delete next[k];
		return { ...next, ...errs };
	}));

	function setAnswer(linkId, value, delay = 800, localError) {
		setErrors((old) => {
			const next = { ...old };
			if (localError)
				next[linkId] = localError;
			else
				delete next[linkId];
			return next;
		});
		if (value === undefined)
			return;
		setAnswers((a) => {
			const next = { ...a };
			if (value === null)
				delete next[linkId];
			else
				next[linkId] = value;
			return next;
		});
		saver.queue(linkId, value, delay ?? 800);
	}
	const setRaw = (linkId, t) => setRawState((r) => ({ ...r, [linkId]: t }));

	const mounted = useRef(false);
	useEffect(() => {
		if (mounted.current && top.current)
			top.current.focus();
		mounted.current = true;
	}, [step]);

	function focusFirst(ids) {
		setTimeout(() => {
			const el = document.querySelector(`[data-link="${ids[0]}"]`);
			const target = el && (el.matches('input, textarea') ? el : el.querySelector('input'));
			if (target)
				target.focus();
		}, 0);
	}

	async function next(e) {
		e.preventDefault();
		const s = live[step];
		const gaps = missing(s.flat, answers, enabled);
		const local = Object.keys(errors).filter((k) => s.flat.some((f) => f.item.linkId === k));
		if (gaps.length || local.length) {
			setErrors((old) => {
				const n = { ...old };
				for (const g of gaps)
					n[g] = 'Answer this question to carry on';
				return n;
			});
			setAlert('Some questions need an answer before you carry on.');
			focusFirst([...gaps, ...local]);
			return;
		}
		setAlert(null);
		setBusy(true);
		const saved = await saver.flush();
		setBusy(false);
		if (saved)
			setStep(step + 1);
	}

	function back() {
		setAlert(null);
		setStep(Math.max(0, step - 1));
	}

	async function submit() {
		setBusy(true);
		setAlert(null);
		if (!await saver.flush()) {
			setBusy(false);
			setAlert('Some answers could not be saved. Please check them and try again.');
			return;
		}
		const res = await api('POST', `${BASE}/submit`);
		setBusy(false);
		if (res.ok)
			return onDone(res.data);
		if (res.status === 422) {
			const errs = {};
			for (const er of res.problem.errors || [])
				errs[er.field] = 'Answer this question';
			setErrors((old) => ({ ...old, ...errs }));
			setServer((sv) => ({ ...(sv || {}), remaining_required: Object.keys(errs) }));
			setAlert('A few questions still need an answer.');
		} else if (res.status !== 401) {
			setAlert(`${res.problem.title}. ${res.problem.detail || 'Please try again.'}`);
		}
	}

	const ctx = { answers, enabled, errors, setAnswer, raw, setRaw };
	const total = live.length;
	const checking = step >= total;
	const s = checking ? null : live[step];
	const sectionOf = (linkId) => live.findIndex((x) => x.flat.some((f) => f.item.linkId === linkId));
	const label = (linkId) => (flatAll.find((f) => f.item.linkId === linkId) || { item: {} }).item.text || linkId;
	const todo = (remaining || missing(flatAll, answers, enabled)).filter((l) => enabled.has(l) && !answered(answers, l));

	return html`<div class="intake">
		<div class="intake-progress">
			<p class="intake-step" id="step-label" ref=${top} tabindex="-1">
				${checking ? 'Check and send' : `Section ${step + 1} of ${total}: ${s.title}`}
			</p>
			<progress max=${total + 1} value=${Math.min(step + 1, total + 1)} aria-labelledby="step-label"></progress>
		</div>
		<div class=${alert ? 'alert' : 'alert alert-empty'} role="alert">${alert && html`<p>${alert}</p>`}</div>
		${checking ? html`<section class="card" aria-labelledby="check-h">
			<h2 id="check-h">${todo.length ? 'A few questions still need an answer' : 'Ready to send'}</h2>
			${todo.length ? html`<ul class="remaining">
				${todo.map((l) => html`<li key=${l}>${label(l)}
					<button type="button" class="button button-small button-secondary"
						onClick=${() => { setStep(Math.max(0, sectionOf(l))); }}>Answer</button></li>`)}
			</ul>` : html`<p>Thank you. When you send your answers, we will tell you straight away what happens next. You cannot change them after sending.</p>`}
			<div class="intake-nav">
				<button type="button" class="button button-secondary" onClick=${back}>Back</button>
				<button type="button" class="button" disabled=${busy || todo.length > 0} onClick=${submit}>
					${busy && html`<span class="spinner" aria-hidden="true"></span>`}${busy ? 'Sending…' : 'Send my answers'}</button>
			</div>
		</section>` : html`<form class="intake-section" onSubmit=${next} novalidate aria-labelledby="section-h">
			<h2 id="section-h">${s.title}</h2>
			${s.items.map((item) => html`<${Item} key=${item.linkId} item=${item} ctx=${ctx} />`)}
			<div class="intake-nav">
				${step > 0 && html`<button type="button" class="button button-secondary" onClick=${back}>Back</button>`}
				<button type="submit" class="button" disabled=${busy}>
					${busy && html`<span class="spinner" aria-hidden="true"></span>`}${step + 1 === total ? 'Check my answers' : 'Continue'}</button>
			</div>
		</form>`}
		<div class="save-status"><${Status} text=${saver.status} /></div>
	</div>`;
}

export function Intake() {
	const [phase, setPhase] = useState({ name: 'loading' });

	async function load() {
		setPhase({ name: 'loading' });
		const cur = await api('GET', BASE);
		if (!cur.ok && cur.status !== 404) {
			if (cur.status !== 401)
				setPhase({ name: 'error', text: cur.problem.title });
			return;
		}
		const response = cur.ok ? cur.data : null;
		if (response && response.status === 'completed')
			return setPhase({ name: 'done', result: response.result, review: response.review });
		const q = response ? `?version=${response.version}` : '';
		const def = await api('GET', `/api/v1/intake/questionnaires/${KEY}${q}`);
		if (!def.ok) {
			if (def.status !== 401)
				setPhase({ name: 'error', text: def.problem.title });
			return;
		}
		setPhase({ name: 'form', def: def.data, response });
	}
	useEffect(() => { load(); }, []);

	async function again() {
		const def = await api('GET', `/api/v1/intake/questionnaires/${KEY}`);
		if (def.ok)
			setPhase({ name: 'form', def: def.data, response: null });
	}

	switch (phase.name) {
	case 'loading':
		return html`<${Page} title="Your health questionnaire"><p class="loading" role="status"><span class="spinner" aria-hidden="true"></span>Loading your questionnaire…</p><//>`;
	case 'error':
		return html`<${Page} title="Your health questionnaire"><div class="alert" role="alert"><p>${phase.text}. Please reload the page.</p></div><//>`;
	case 'done':
		return html`<${Page} title=${phase.review ? 'Your questionnaire has been reviewed' : phase.result.title}>
			<${Outcome} result=${phase.result} review=${phase.review} onAgain=${again} />
		<//>`;
	default:
		return html`<${Page} title=${phase.def.title}>
			${!phase.response && html`<p class="intake-intro">${phase.def.description} It takes about 10 minutes. Your answers are saved as you go, so you can stop and carry on later on any device.</p>`}
			<${Questionnaire} def=${phase.def} response=${phase.response}
				onDone=${(result) => setPhase({ name: 'done', result, review: null })} />
		<//>`;
	}
}
