// Session state and hash routing. The session is what GET /api/v1/auth/me
// returned: undefined while loading, null when signed out.
import { render } from '/vendor/preact.js';
import { useEffect, useLayoutEffect, useRef, useState } from '/vendor/hooks.js';
import { api, forgetCsrf, onSessionEnded } from './api.js';
import { html } from './views/ui.js';
import { SignIn } from './views/signin.js';
import { SignUp } from './views/signup.js';
import { MfaVerify, MfaEnrol } from './views/mfa.js';
import { Home } from './views/home.js';
import { Account } from './views/account.js';
import { ROUTES } from './routes.js';
import { NotificationsLink } from './views/notifications.js';
import { clearPendingUploads, pendingFor } from './documents-pending.js';
import { clearNoteDrafts, noteDraftsFor } from './consult/drafts.js';

const ME = '/api/v1/auth/me';

function currentRoute() {
	return location.hash.replace(/^#\/?/, '').split('?')[0] || '';
}

// Themes and text sizes are classes on <html>; css/app.css does the rest.
// "system" follows the device, so one dark palette (theme-dark) serves both.
const systemDark = window.matchMedia('(prefers-color-scheme: dark)');
let lastPreferences = null;

function applyPreferences(p) {
	const root = document.documentElement;
	const theme = p && p.theme || 'system';
	const size = p && p.text_size || 'normal';
	lastPreferences = p;
	root.className = root.className.replace(/\b(theme|text)-\S+/g, '').trim();
	root.classList.add(`theme-${theme}`, `text-${size}`);
	if (theme === 'system' && systemDark.matches)
		root.classList.add('theme-dark');
}
systemDark.addEventListener('change', () => applyPreferences(lastPreferences));

// Which screen the state allows for the asked-for route.
function screenFor(route, session) {
	if (session === null)
		return route === 'sign-up' ? 'sign-up' : 'sign-in';
	if (session.mfa_required)
		return session.mfa_enrolled ? 'mfa' : 'authenticator';
	if (route === 'account' || route === 'authenticator')
		return route;
	const r = ROUTES[route.split('/')[0]];
	if (r && r.roles.includes(session.user.role))
		return route;
	return 'home';
}

function Header({ session, onSignOut, busy }) {
	return html`<header class="site-header">
		<div class="bar">
			<a class="brand" href="#/home">Clinic</a>
			${session && !session.mfa_required && html`<nav aria-label="Account">
				<a href="#/home">Home</a>
				<${NotificationsLink} />
				<a href="#/account">Account</a>
			</nav>`}
			${session && html`<button type="button" class="button button-small" onClick=${onSignOut} disabled=${busy}>
				${busy ? 'Signing out…' : 'Sign out'}</button>`}
		</div>
	</header>`;
}

function App() {
	const [session, setSession] = useState(undefined);
	const [route, setRoute] = useState(currentRoute());
	const [notice, setNotice] = useState(null);
	const [signingOut, setSigningOut] = useState(false);
	const signedIn = useRef(false);
	signedIn.current = !!session;

	async function refresh() {
		const res = await api('GET', ME);
		if (res.ok) {
			setSession(res.data);
			// Unfinished uploads kept on this device by anyone else go now,
			// even if that person's session simply expired (shared phones).
			pendingFor(res.data.user.id);
			noteDraftsFor(res.data.user.id);	// unsent consultation notes: only the signed-in clinician's
		}
		else if (res.status !== 401)
			setNotice(`${res.problem.title}. Please reload the page.`);
		return res.ok;
	}

	useEffect(() => {
		onSessionEnded((problem) => {
			if (problem.title === 'Your session has ended')
				setNotice('Your session has ended. Please sign in again.');
			else if (signedIn.current)
				setNotice('You have been signed out. Please sign in again.');
			setSession(null);
		});
		const onHash = () => setRoute(currentRoute());
		addEventListener('hashchange', onHash);
		refresh().then((ok) => { if (!ok) setSession((s) => s === undefined ? null : s); });
		return () => removeEventListener('hashchange', onHash);
	}, []);

	useLayoutEffect(() => applyPreferences(session && session.preferences), [session && session.preferences]);

	// A session body from sign-in, sign-up or the second factor: load the
	// full session (with preferences) and go home.
	async function onSession() {
		setNotice(null);
		if (await refresh())
			location.hash = '#/home';
	}

	async function signOut() {
		setSigningOut(true);
		await clearPendingUploads();	// unfinished uploads kept on this device (shared phones)
		clearNoteDrafts();		// and unsent consultation-note text
		await api('POST', '/api/v1/auth/logout');
		setSigningOut(false);
		forgetCsrf();
		setSession(null);
		setNotice('You have signed out.');
		location.hash = '#/sign-in';
	}

	const screen = session === undefined ? 'loading' : screenFor(route, session);
	useEffect(() => {
		if (screen !== 'loading' && screen !== route)
			history.replaceState(null, '', `#/${screen}`);
	}, [screen, route]);

	const onPreferences = (p) => setSession((s) => ({ ...s, preferences: p }));
	let body;
	switch (screen) {
	case 'loading':
		body = html`<main class="page"><p class="loading" role="status">Loading…</p></main>`;
		break;
	case 'sign-in':
		body = html`<${SignIn} notice=${notice} onSession=${onSession} />`;
		break;
	case 'sign-up':
		body = html`<${SignUp} onSession=${onSession} />`;
		break;
	case 'mfa':
		body = html`<${MfaVerify} onSession=${onSession} />`;
		break;
	case 'authenticator':
		body = html`<${MfaEnrol} session=${session} onSession=${onSession} />`;
		break;
	case 'account':
		body = html`<${Account} session=${session} onPreferences=${onPreferences} />`;
		break;
	default: {
		const [name, ...rest] = screen.split('/');
		const View = ROUTES[name] ? ROUTES[name].view : Home;
		body = html`<${View} session=${session} path=${rest.join('/')} onPreferences=${onPreferences} />`;
	}
	}
	return html`<a class="skip-link" href="#main" onClick=${(e) => {
		e.preventDefault();
		const m = document.getElementById('main');
		if (m) { m.setAttribute('tabindex', '-1'); m.focus(); }
	}}>Skip to main content</a>
	<${Header} session=${session} onSignOut=${signOut} busy=${signingOut} />
	${body}`;
}

const root = document.getElementById('app');
root.textContent = '';
render(html`<${App} />`, root);
