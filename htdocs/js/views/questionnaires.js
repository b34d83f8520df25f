// Admin: the questionnaires and eligibility rules the intake runs on. Both are
// versioned data: publishing stores a new version (responses in progress keep
// theirs); the server checks every definition and names each problem.
import { useEffect, useState } from '/vendor/hooks.js';
import { api } from '../api.js';
import { html, Page } from './ui.js';

const KEY_RE = /^[a-z][a-z0-9-]{0,63}$/;

// A problem's errors as lines "where: what".
function Problems({ problem }) {
	if (!problem)
		return null;
	return html`<div class="alert" role="alert">
		<p class="alert-title">${problem.title}</p>
		${problem.detail && html`<p>${problem.detail}</p>`}
		${problem.errors && html`<ul class="problem-list">${problem.errors.map((e) =>
			html`<li><code>${e.field || '(body)'}</code> ${e.detail}</li>`)}</ul>`}
	</div>`;
}

// One JSON document (definition or rules) with its version and a publish button.
function Editor({ title, id, load, save, hint }) {
	const [text, setText] = useState(null);
	const [version, setVersion] = useState(null);
	const [problem, setProblem] = useState(null);
	const [done, setDone] = useState(null);
	const [busy, setBusy] = useState(false);

	useEffect(() => {
		setText(null);
		setProblem(null);
		setDone(null);
		load().then((res) => {
			if (res.ok) {
				setVersion(res.version);
				setText(JSON.stringify(res.body, null, 2));
			} else if (res.status === 404) {
				setVersion(null);
				setText('');
			} else
				setProblem(res.problem);
		});
	}, [id]);

	async function publish(e) {
		e.preventDefault();
		setProblem(null);
		setDone(null);
		let body;
		try {
			body = JSON.parse(text);
		} catch (err) {
			setProblem({ title: 'This is not valid JSON', detail: String(err.message || err) });
			return;
		}
		setBusy(true);
		const res = await save(body);
		setBusy(false);
		if (res.ok) {
			setVersion(String(res.data.version));
			setDone(`Published as version ${res.data.version}. Responses already started keep their version.`);
		} else
			setProblem(res.problem);
	}

	const tid = `${id}-json`;
	return html`<section class="card" aria-labelledby=${`${id}-h`}>
		<h2 id=${`${id}-h`}>${title}</h2>
		<p>${version ? `Current version: ${version}.` : 'Not published yet.'} ${hint}</p>
		${text === null && !problem ? html`<p class="loading" role="status">Loading…</p>` : html`
		<form onSubmit=${publish} novalidate>
			<${Problems} problem=${problem} />
			<div class=${done ? 'alert alert-ok' : 'alert alert-empty'} role="status">${done && html`<p>${done}</p>`}</div>
			<div class="field">
				<label for=${tid}>JSON</label>
				<textarea id=${tid} class="json-edit" rows="18" spellcheck="false" value=${text || ''}
					onInput=${(e) => setText(e.currentTarget.value)}></textarea>
			</div>
			<button type="submit" class="button" disabled=${busy}>${busy ? 'Publishing…' : `Publish a new version`}</button>
		</form>`}
	</section>`;
}

function Detail({ qkey }) {
	const loadDef = async () => {
		const res = await api('GET', `/api/v1/intake/questionnaires/${qkey}`);
		return res.ok ? { ok: true, version: res.data.version, body: res.data } : res;
	};
	const loadRules = async () => {
		const res = await api('GET', `/api/v1/intake/rules/${qkey}`);
		return res.ok ? { ok: true, version: String(res.data.version), body: res.data.rules } : res;
	};
	return html`<${Page} title=${`Questionnaire ${qkey}`} wide>
		<p><a href="#/questionnaires">All questionnaires</a></p>
		<${Editor} id="def" title="Definition (FHIR R4 Questionnaire)" load=${loadDef}
			save=${(b) => api('PUT', `/api/v1/intake/questionnaires/${qkey}`, b)}
			hint="Items, enableWhen, answer options with their scores, scoring bands and flags: see docs/API.md#intake." />
		<${Editor} id="rules" title="Eligibility rules" load=${loadRules}
			save=${(b) => api('PUT', `/api/v1/intake/rules/${qkey}`, b)}
			hint="The rules decide eligible, needs review or not eligible, with the words the patient reads." />
	<//>`;
}

function List() {
	const [list, setList] = useState(null);
	const [error, setError] = useState(null);
	const [key, setKey] = useState('');
	const [keyError, setKeyError] = useState(null);

	useEffect(() => {
		api('GET', '/api/v1/intake/questionnaires').then((res) => {
			if (res.ok)
				setList(res.data.questionnaires);
			else
				setError(res.problem.title);
		});
	}, []);

	function create(e) {
		e.preventDefault();
		if (!KEY_RE.test(key)) {
			setKeyError('Key must start with a lower-case letter, then up to 63 of a–z, 0–9 and -');
			return;
		}
		location.hash = `#/questionnaires/${key}`;
	}

	return html`<${Page} title="Questionnaires" wide>
		${error && html`<p class="alert" role="alert">${error}</p>`}
		<section class="card" aria-labelledby="q-list-h">
			<h2 id="q-list-h">Published</h2>
			${list === null ? html`<p class="loading" role="status">Loading…</p>` :
				html`<ul class="patient-list">${list.map((q) => html`<li>
					<a href=${`#/questionnaires/${q.key}`}>${q.title}</a>
					<span class="patient-meta">${q.key} · version ${q.version} · ${(q.created_at || '').slice(0, 10)}</span>
				</li>`)}</ul>`}
		</section>
		<section class="card" aria-labelledby="q-new-h">
			<h2 id="q-new-h">A new questionnaire</h2>
			<form onSubmit=${create} novalidate>
				<div class=${keyError ? 'field field-invalid' : 'field'}>
					<label for="f-qkey">Key</label>
					<p class="hint" id="f-qkey-hint">Used in addresses, e.g. <code>pain-scale</code>.</p>
					${keyError && html`<p class="field-error" id="f-qkey-error"><span class="visually-hidden">Error: </span>${keyError}</p>`}
					<input id="f-qkey" value=${key} onInput=${(e) => { setKey(e.currentTarget.value.trim()); setKeyError(null); }}
						aria-invalid=${keyError ? 'true' : undefined}
						aria-describedby=${keyError ? 'f-qkey-hint f-qkey-error' : 'f-qkey-hint'} />
				</div>
				<button type="submit" class="button button-secondary">Write its definition</button>
			</form>
		</section>
	<//>`;
}

export function Questionnaires({ path }) {
	return path ? html`<${Detail} qkey=${path} />` : html`<${List} />`;
}
