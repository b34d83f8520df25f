// The video consultation room (#/consult/<appointment id>), for the
// appointment's patient and clinician (docs/API.md#consult). The patient may
// come in early and waits with a self-view and a device check until the
// clinician admits them; then the clinician's browser offers the call
// (consult/room.js, consult/rtc.js). Beside the video the clinician has the
// patient's context and the consultation note; ending the consultation leads
// to the next steps.
import { useEffect, useRef, useState } from '/vendor/hooks.js';
import { api } from '../api.js';
import { html, Page } from './ui.js';
import { Room } from '../consult/room.js';
import { NoteEditor } from '../consult/notes.js';
import { PatientContext } from '../consult/context.js';

const when = (iso) => {
	const d = new Date(iso);
	return isNaN(d) ? iso || '' : d.toLocaleString('en-GB', { weekday: 'long', day: 'numeric', month: 'long', hour: '2-digit', minute: '2-digit' });
};
const dayOnly = (iso) => {
	const d = new Date(iso);
	return isNaN(d) ? iso || '' : d.toLocaleDateString('en-GB', { weekday: 'long', day: 'numeric', month: 'long' });
};
const timeOnly = (iso) => {
	const d = new Date(iso);
	return isNaN(d) ? iso || '' : d.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' });
};

const QUALITY = {
	connecting: 'Connecting',
	reconnecting: 'Reconnecting',
	good: 'Good',
	fair: 'Fair',
	poor: 'Poor',
};

// Camera and microphone: both if we can, else whatever works, else none.
async function getMedia(audioId, videoId) {
	if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia)
		return { stream: null, error: 'This browser cannot use a camera or microphone here.' };
	const audio = audioId ? { deviceId: { exact: audioId } } : true;
	const video = videoId ? { deviceId: { exact: videoId } } : { width: { ideal: 1280 }, height: { ideal: 720 }, facingMode: 'user' };
	const tries = [{ audio, video }, { audio, video: false }, { audio: false, video }];
	let last = null;
	for (const c of tries) {
		try {
			return { stream: await navigator.mediaDevices.getUserMedia(c), error: null };
		} catch (e) {
			last = e;
			if (e && e.name === 'NotAllowedError' && c === tries[0])
				break;
		}
	}
	const blocked = last && last.name === 'NotAllowedError';
	return {
		stream: null,
		error: blocked ? 'The browser was not allowed to use your camera and microphone. Allow them in the browser\'s site settings, then reload this page.' :
			'We could not find a camera or microphone that works. You can still join and see and hear the other person.',
	};
}

function stopStream(s) {
	if (s)
		s.getTracks().forEach((t) => t.stop());
}

// A <video> showing a MediaStream (srcObject cannot be set from markup).
// Without a camera or microphone in use, a browser may refuse to play sound
// by itself: then a button starts it.
function Video({ stream, muted, className, label }) {
	const ref = useRef(null);
	const [blocked, setBlocked] = useState(false);
	const play = () => {
		const v = ref.current;
		if (v)
			v.play().then(() => setBlocked(false)).catch((e) => setBlocked(e && e.name === 'NotAllowedError'));
	};
	useEffect(() => {
		const v = ref.current;
		if (v && v.srcObject !== stream) {
			v.srcObject = stream || null;
			if (stream)
				play();
		}
	}, [stream]);
	return html`<video ref=${ref} class=${className} autoplay playsinline muted=${muted} aria-label=${label}></video>
		${blocked && html`<button type="button" class="button video-start" onClick=${play}>Start sound and video</button>`}`;
}

// Microphone level, so the patient can see it hears them.
function MicLevel({ stream }) {
	const [level, setLevel] = useState(0);
	useEffect(() => {
		const track = stream && stream.getAudioTracks()[0];
		const AC = window.AudioContext || window.webkitAudioContext;
		if (!track || !AC)
			return undefined;
		let ctx;
		try {
			ctx = new AC();
		} catch {
			return undefined;
		}
		const src = ctx.createMediaStreamSource(new MediaStream([track]));
		const an = ctx.createAnalyser();
		an.fftSize = 512;
		src.connect(an);
		const buf = new Uint8Array(an.fftSize);
		const t = setInterval(() => {
			an.getByteTimeDomainData(buf);
			let peak = 0;
			for (const b of buf)
				peak = Math.max(peak, Math.abs(b - 128));
			setLevel(Math.min(100, Math.round(peak / 128 * 200)));
		}, 250);
		return () => { clearInterval(t); ctx.close().catch(() => {}); };
	}, [stream]);
	if (!stream || stream.getAudioTracks().length === 0)
		return html`<p>Microphone: none found.</p>`;
	return html`<div class="mic-level">
		<label for="mic-meter">Microphone level</label>
		<meter id="mic-meter" min="0" max="100" low="10" value=${level}>${level}%</meter>
		<span class="hint">${level > 8 ? 'We can hear you.' : 'Say something to test it.'}</span>
	</div>`;
}

function DeviceCheck({ local, onDevices }) {
	const [devices, setDevices] = useState([]);
	useEffect(() => {
		if (navigator.mediaDevices && navigator.mediaDevices.enumerateDevices)
			navigator.mediaDevices.enumerateDevices().then(setDevices).catch(() => {});
	}, [local]);
	const current = (kind) => {
		const t = local && local.getTracks().find((x) => x.kind === kind);
		return t && t.getSettings ? t.getSettings().deviceId || '' : '';
	};
	const pick = (kind, label) => {
		const list = devices.filter((d) => d.kind === `${kind}input` && d.deviceId);
		if (list.length < 2)
			return null;
		return html`<div class="field">
			<label for=${`dev-${kind}`}>${label}</label>
			<select id=${`dev-${kind}`} value=${current(kind)}
				onChange=${(e) => onDevices(kind, e.currentTarget.value)}>
				${list.map((d, i) => html`<option key=${d.deviceId} value=${d.deviceId}>${d.label || `${label} ${i + 1}`}</option>`)}
			</select>
		</div>`;
	};
	return html`<div class="device-check">
		<h2 class="h3">Check your camera and microphone</h2>
		<p>You should see yourself ${local && local.getVideoTracks().length ? 'in the picture' : '(no camera found)'}.</p>
		<${MicLevel} stream=${local} />
		${pick('video', 'Camera')}
		${pick('audio', 'Microphone')}
	</div>`;
}

function Quality({ call }) {
	if (!call)
		return null;
	const q = call.quality;
	const bits = [];
	if (q.rtt !== null && (q.level === 'good' || q.level === 'fair' || q.level === 'poor'))
		bits.push(`round trip ${q.rtt} ms`);
	if (q.loss !== null && q.level !== 'connecting')
		bits.push(`${(q.loss * 100).toFixed(q.loss < 0.1 ? 1 : 0)}% packets lost`);
	return html`<p class=${`quality quality-${q.level}`} data-quality=${q.level}>
		<span class="quality-bars" aria-hidden="true"><span></span><span></span><span></span></span>
		<span>Connection: <strong>${QUALITY[q.level]}</strong>${bits.length ? ` (${bits.join(', ')})` : ''}</span>
	</p>`;
}

function Controls({ room, state, role, onEnd, ending }) {
	const s = state;
	const canShare = !!(navigator.mediaDevices && navigator.mediaDevices.getDisplayMedia);
	const hasAudio = room.local && room.local.getAudioTracks().length > 0;
	const hasVideo = room.local && room.local.getVideoTracks().length > 0;
	return html`<div class="consult-controls" role="group" aria-label="Call controls">
		<button type="button" class="button button-secondary" disabled=${!hasAudio}
			onClick=${() => room.setMuted(!s.muted)}>${s.muted ? 'Unmute' : 'Mute'}</button>
		<button type="button" class="button button-secondary" disabled=${!hasVideo}
			onClick=${() => room.setCameraOff(!s.cameraOff)}>${s.cameraOff ? 'Turn camera on' : 'Turn camera off'}</button>
		${canShare && html`<button type="button" class="button button-secondary"
			disabled=${!s.call} onClick=${() => room.toggleScreen()}>${s.sharing ? 'Stop sharing' : 'Share screen'}</button>`}
		${role === 'clinician' ?
			html`<button type="button" class="button button-danger" disabled=${ending} onClick=${onEnd}>${ending ? 'Ending…' : 'End consultation'}</button>` :
			html`<button type="button" class="button button-danger" onClick=${() => room.leave()}>Leave call</button>`}
	</div>`;
}

function NextSteps({ appointment, focusNote }) {
	return html`<section class="card next-steps" aria-labelledby="next-h">
		<h2 id="next-h" tabindex="-1">Next steps</h2>
		<ul class="work-links">
			<li><a href=${`#/book/${appointment.patient_id}?type=follow_up`}>Book a follow-up</a></li>
			<li><a href=${`#/plans/${appointment.patient_id}`}>Change the treatment plan</a></li>
			<li><a href=${`#/prescribe/${appointment.patient_id}?appointment=${appointment.id}`}>Write a prescription</a></li>
			<li><button type="button" class="link-button" onClick=${focusNote}>Finish the note</button></li>
		</ul>
	</section>`;
}

function Stage({ info, room, state, local, mediaError, onDevices, onAdmit, admitting, onEnd, ending, announce }) {
	const role = info.role;
	const s = state;
	const other = role === 'patient' ? 'your clinician' : 'the patient';
	const inCall = s.phase === 'admitted' && !s.left;
	const remote = s.call && s.call.remote;
	const screen = s.call && s.call.screen;
	let placeholder = null;
	if (s.left)
		placeholder = 'You have left the call.';
	else if (s.phase === 'waiting')
		placeholder = role === 'patient' ? 'Waiting for your clinician to let you in.' :
			s.peerPresent ? 'The patient is waiting.' : 'The patient has not arrived yet.';
	else if (!s.call && !s.peerPresent)
		placeholder = role === 'patient' ? 'Your clinician is not in the call at the moment. Please wait here.' :
			'The patient is not in the call.';
	else if (!remote || !(s.call.ice === 'connected' || s.call.ice === 'completed'))
		placeholder = `Connecting to ${other}…`;
	const peerCamOff = s.peerMedia && !s.peerMedia.video;
	const peerMuted = s.peerMedia && !s.peerMedia.audio;
	return html`<div class="consult-stage">
		<div class=${screen ? 'consult-videos has-screen' : 'consult-videos'}>
			${screen && html`<${Video} stream=${screen} muted className="video-screen" label="Shared screen" />`}
			${remote && !s.left ? html`<${Video} stream=${remote} muted=${false} className="video-remote"
				label=${role === 'patient' ? 'Your clinician' : 'The patient'} />` : html`<div class="video-remote video-empty"></div>`}
			${placeholder && html`<p class="video-placeholder">${placeholder}</p>`}
			${local && local.getVideoTracks().length > 0 && html`<${Video} stream=${local} muted className="video-self" label="Your own camera" />`}
		</div>
		${inCall && (peerCamOff || peerMuted) && html`<p class="peer-media">${[
			peerCamOff && `${role === 'patient' ? 'Your clinician' : 'The patient'} has turned their camera off.`,
			peerMuted && `${role === 'patient' ? 'Your clinician' : 'The patient'} is muted.`,
		].filter(Boolean).join(' ')}</p>`}
		${inCall && screen && html`<p class="peer-media">${role === 'patient' ? 'Your clinician' : 'The patient'} is sharing their screen.</p>`}
		${inCall && s.peerMedia && s.peerMedia.screen && !screen && html`<p class="peer-media">Receiving a shared screen…</p>`}
		${inCall && s.sharing && html`<p class="peer-media">You are sharing your screen.</p>`}
		${inCall && html`<${Quality} call=${s.call} />`}
		${s.signal !== 'open' && s.signal !== 'stopped' && html`<p class="notice">${s.signal === 'connecting' ? 'Connecting to the clinic…' : 'Lost contact with the clinic. Reconnecting…'}</p>`}
		${mediaError && html`<p class="notice">${mediaError}</p>`}
		${role === 'clinician' && s.phase === 'waiting' && html`<div class="admit">
			<p>${s.peerPresent ? html`<strong>The patient is waiting.</strong>` : 'You can admit the patient as soon as they arrive.'}</p>
			<button type="button" class="button" disabled=${!s.peerPresent || admitting} onClick=${onAdmit}>${admitting ? 'Admitting…' : 'Admit the patient'}</button>
		</div>`}
		${!s.left && s.phase !== 'ended' && html`<${Controls} room=${room} state=${s} role=${role} onEnd=${onEnd} ending=${ending} />`}
		${s.left && html`<p><button type="button" class="button" onClick=${() => room.rejoin()}>Rejoin the call</button></p>`}
		${announce && html`<p class="consult-error" role="alert">${announce}</p>`}
		${role === 'patient' && s.phase === 'waiting' && html`<${DeviceCheck} local=${local} onDevices=${onDevices} />`}
	</div>`;
}

// Everything after the room's state has loaded and the window is open.
function RoomView({ info, session, onReload }) {
	const role = info.role;
	const appt = info.appointment;
	const userId = session.user.id;
	const [joinError, setJoinError] = useState(null);
	const [local, setLocal] = useState(null);
	const [mediaError, setMediaError] = useState(null);
	const [state, setState] = useState(null);
	const [error, setError] = useState(null);
	const [admitting, setAdmitting] = useState(false);
	const [ending, setEnding] = useState(false);
	const [notice, setNotice] = useState('');
	const [confirmEnd, setConfirmEnd] = useState(false);
	const roomRef = useRef(null);
	const localRef = useRef(null);
	const noteHeading = useRef(null);
	const nextHeading = useRef(null);
	const ended = (state ? state.phase : info.state) === 'ended';
	const closed = !info.open && !ended;

	// Join (TURN credentials), then the camera, then signalling.
	useEffect(() => {
		if (info.state === 'ended' || !info.open)
			return undefined;
		let gone = false;
		(async () => {
			const j = await api('GET', `/api/v1/consult/${appt.id}/join`);
			if (gone)
				return;
			if (!j.ok) {
				if (j.status !== 401)
					setJoinError(j.problem.detail || j.problem.title);
				return;
			}
			const m = await getMedia();
			if (gone) {
				stopStream(m.stream);
				return;
			}
			localRef.current = m.stream;
			setLocal(m.stream);
			setMediaError(m.error);
			const room = new Room({
				role, userId: j.data.user_id !== undefined ? j.data.user_id : userId, phase: info.state,
				iceServers: j.data.ice_servers || [], signalUrl: j.data.signal_url || info.signal_url,
				local: m.stream,
				onUpdate: (st) => {
					setState(st);
					if (st.notice)
						setNotice(st.notice);
				},
				refreshIce: async () => {
					const r = await api('GET', `/api/v1/consult/${appt.id}/join`);
					return r.ok ? r.data.ice_servers : null;
				},
			});
			roomRef.current = room;
			setState(room.state);
		})();
		// Closing the tab says goodbye, so the other side is not left waiting.
		const bye = () => { if (roomRef.current) roomRef.current.stop(); };
		const back = (e) => { if (e.persisted) location.reload(); };	// from the back-forward cache
		addEventListener('pagehide', bye);
		addEventListener('pageshow', back);
		return () => {
			gone = true;
			removeEventListener('pagehide', bye);
			removeEventListener('pageshow', back);
			if (roomRef.current)
				roomRef.current.stop();
			roomRef.current = null;
			stopStream(localRef.current);
			localRef.current = null;
		};
	}, [appt.id]);

	// Keep the room's state fresh (presence, admission, the end: after the
	// end the server publishes nothing more, so an "ended" may never come).
	useEffect(() => {
		if (!state || state.phase === 'ended')
			return undefined;
		const t = setInterval(async () => {
			const r = await api('GET', `/api/v1/consult/${appt.id}`);
			const room = roomRef.current;
			if (!r.ok || !room)
				return;
			if (role === 'clinician' && r.data.patient_present && !room.state.peerPresent)
				room.set({ peerPresent: true });
			if (role === 'patient' && r.data.state === 'admitted' && room.state.phase === 'waiting') {
				room.set({ phase: 'admitted' });
				room.send({ type: 'hello' });
			}
			if (r.data.state === 'ended' && room.state.phase !== 'ended') {
				room.closeCall();
				room.set({ phase: 'ended', notice: 'The consultation has ended.' });
			}
		}, 8000);
		return () => clearInterval(t);
	}, [state && state.phase]);

	useEffect(() => {
		if (confirmEnd)
			document.getElementById('end-yes')?.focus();
	}, [confirmEnd]);

	// The patient's camera stops when the consultation ends, and signalling
	// a little later (the clinician's "ended" must go out first).
	useEffect(() => {
		if (ended) {
			const t = setTimeout(() => { if (roomRef.current) roomRef.current.stop(); }, 3000);
			stopStream(localRef.current);
			localRef.current = null;
			setLocal(null);
			if (nextHeading.current)
				nextHeading.current.focus();
			return () => clearTimeout(t);
		}
		return undefined;
	}, [ended]);

	async function onAdmit() {
		setAdmitting(true);
		setError(null);
		const r = await api('POST', `/api/v1/consult/${appt.id}/admit`);
		setAdmitting(false);
		if (r.ok)
			roomRef.current && roomRef.current.admitted();
		else if (r.status !== 401)
			setError(`Could not admit the patient: ${r.problem.detail || r.problem.title}`);
	}

	async function onEnd() {
		setConfirmEnd(false);
		setEnding(true);
		setError(null);
		const r = await api('POST', `/api/v1/consult/${appt.id}/end`);
		setEnding(false);
		if (r.ok) {
			if (roomRef.current)
				roomRef.current.ended();
			else
				onReload();
		} else if (r.status !== 401) {
			setError(`Could not end the consultation: ${r.problem.detail || r.problem.title}`);
		}
	}

	async function onDevices(kind, deviceId) {
		const cur = localRef.current;
		const keepId = (k) => {
			const t = cur && cur.getTracks().find((x) => x.kind === k);
			return t && t.getSettings ? t.getSettings().deviceId : undefined;
		};
		const m = await getMedia(kind === 'audio' ? deviceId : keepId('audio'), kind === 'video' ? deviceId : keepId('video'));
		if (!m.stream) {
			setMediaError(m.error);
			return;
		}
		stopStream(cur);
		localRef.current = m.stream;
		setLocal(m.stream);
		setMediaError(null);
		if (roomRef.current)
			roomRef.current.setLocal(m.stream);
	}

	const focusNote = () => noteHeading.current && noteHeading.current.focus();
	const s = state;
	const call = s && s.call;
	return html`<div class=${role === 'clinician' ? 'consult-room consult-clinician' : 'consult-room'}
		data-role=${role} data-phase=${s ? s.phase : info.state} data-signal=${s ? s.signal : 'none'}
		data-ice-state=${call ? call.ice : 'new'} data-dc-open=${call && call.dcOpen ? 'true' : 'false'}
		data-dc-rtt=${call && call.dcRtt !== null ? String(call.dcRtt) : undefined}
		data-pings-in=${call ? String(call.pingsIn) : '0'} data-pongs-in=${call ? String(call.pongsIn) : '0'}
		data-remote-screen=${call && call.screen ? 'true' : 'false'}>
		<div class="consult-main">
			<div class="visually-hidden" role="status" aria-live="polite">${notice}</div>
			${error && html`<p class="alert" role="alert">${error}</p>`}
			${joinError && html`<p class="alert" role="alert">${joinError}</p>`}
			${closed && html`<${Closed} info=${info} />`}
			${!ended && !closed && !joinError && !s && html`<p class="loading" role="status"><span class="spinner" aria-hidden="true"></span>Getting the room ready…</p>`}
			${!ended && s && html`<${Stage} info=${info} room=${roomRef.current} state=${s} local=${local}
				mediaError=${mediaError} onDevices=${onDevices} onAdmit=${onAdmit} admitting=${admitting}
				onEnd=${() => setConfirmEnd(true)} ending=${ending} />`}
			${!ended && confirmEnd && html`<div class="card end-confirm" role="alertdialog" aria-labelledby="end-h" aria-describedby="end-d">
				<h2 id="end-h" class="h3">End the consultation?</h2>
				<p id="end-d">The call ends for both of you and the appointment is marked as completed. You can still write the note.</p>
				<div class="consult-controls">
					<button type="button" class="button button-danger" id="end-yes" onClick=${onEnd}>End for both of us</button>
					<button type="button" class="button button-secondary" onClick=${() => {
						setConfirmEnd(false);
						setTimeout(() => document.querySelector('.consult-controls .button-danger')?.focus(), 0);
					}}>Keep talking</button>
				</div>
			</div>`}
			${ended && role === 'patient' && html`<div class="card">
				<h2 ref=${nextHeading} tabindex="-1">The consultation has ended</h2>
				<p>Thank you. Your clinician will be in touch about what happens next.</p>
				<p><a href="#/appointments">Your appointments</a></p>
			</div>`}
			${ended && role === 'clinician' && html`<${NextSteps} appointment=${appt} focusNote=${focusNote} />`}
		</div>
		${role === 'clinician' && html`<div class="consult-side">
			<${PatientContext} patientId=${appt.patient_id} appointmentId=${appt.id} />
			<${NoteEditor} apptId=${appt.id} userId=${userId} headingRef=${noteHeading} />
		</div>`}
	</div>`;
}

function Closed({ problem, info }) {
	const opens = (problem && problem.room_opens) || (info && info.room_opens);
	const closes = (problem && problem.room_closes) || (info && info.room_closes);
	const now = Date.now();
	if (opens && new Date(opens).getTime() > now)
		return html`<div class="card"><p><strong>The room is not open yet.</strong></p>
			<p>It opens at ${timeOnly(opens)} on ${dayOnly(opens)}. You can come back then, or keep this page open: it will let you in by itself.</p>
			<p><a href="#/appointments">Your appointments</a></p></div>`;
	return html`<div class="card"><p><strong>The room is closed.</strong></p>
		<p>${closes ? `It closed at ${timeOnly(closes)} on ${dayOnly(closes)}.` : 'This consultation cannot be joined now.'}</p>
		<p><a href="#/appointments">Your appointments</a></p></div>`;
}

export function Consult({ session, path }) {
	const id = /^\d{1,18}$/.test(path || '') ? path : null;
	const [info, setInfo] = useState(null);
	const [problem, setProblem] = useState(null);
	const [loads, setLoads] = useState(0);

	useEffect(() => {
		if (!id)
			return undefined;
		let gone = false;
		let timer = null;
		api('GET', `/api/v1/consult/${id}`).then(async (r) => {
			if (gone)
				return;
			if (r.ok) {
				setInfo(r.data);
				setProblem(null);
			} else if (r.status === 409 && session.user.role === 'clinician') {
				// Outside the room's window the clinician still has the patient's
				// context and the note (notes have no window).
				const a = await api('GET', `/api/v1/appointments/${id}`);
				if (gone)
					return;
				if (a.ok) {
					setInfo({ appointment: a.data, role: 'clinician', open: false,
						state: a.data.status === 'completed' ? 'ended' : 'waiting',
						room_opens: r.problem.room_opens || a.data.room_opens,
						room_closes: r.problem.room_closes || a.data.room_closes });
					setProblem(null);
				} else {
					setProblem({ ...r.problem, status: r.status });
				}
			} else {
				setProblem({ ...r.problem, status: r.status });
			}
			// Not open yet: come back by itself when it opens.
			const opens = r.ok ? !r.data.open && r.data.room_opens : r.status === 409 && r.problem.room_opens;
			const wait = opens ? new Date(opens).getTime() - Date.now() : -1;
			if (wait > 0 && wait < 86400000)
				timer = setTimeout(() => setLoads((n) => n + 1), wait + 1000);
			else if (r.status === 0)
				timer = setTimeout(() => setLoads((n) => n + 1), 5000);
		});
		return () => { gone = true; clearTimeout(timer); };
	}, [id, loads]);

	const appt = info && info.appointment;
	const title = appt && info.role === 'clinician' && appt.patient_name ? `Consultation: ${appt.patient_name}` : 'Video consultation';
	let body;
	if (!id || (problem && problem.status === 404))
		body = html`<p class="alert" role="alert">There is no consultation here for you. Check the link in your appointment.</p>
			<p><a href="#/appointments">Your appointments</a></p>`;
	else if (problem && problem.status === 409)
		body = html`<${Closed} problem=${problem} />`;
	else if (problem)
		body = html`<p class="alert" role="alert">${problem.title}${problem.detail ? `. ${problem.detail}` : ''}</p>
			<p><button type="button" class="button" onClick=${() => setLoads((n) => n + 1)}>Try again</button></p>`;
	else if (!info)
		body = html`<p class="loading" role="status"><span class="spinner" aria-hidden="true"></span>Loading…</p>`;
	else if (!info.open && info.state !== 'ended' && info.role === 'patient')
		body = html`<${Closed} info=${info} />`;
	else
		body = html`${appt && html`<p class="consult-when">${when(appt.start)}${info.role === 'patient' && appt.clinician_name ? ` with ${appt.clinician_name}` : ''}</p>`}
			<${RoomView} key=${`${id}-${loads}`} info=${info} session=${session} onReload=${() => setLoads((n) => n + 1)} />`;
	return html`<${Page} title=${title} wide>${body}<//>`;
}
