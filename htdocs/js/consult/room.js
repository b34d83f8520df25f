// The room's conversation over signalling (docs/API.md#consult): who is
// here, admission, the call's lifetime (restarts when the other side reloads
// or reconnects), the other side's camera/microphone/screen state, leaving
// and the end of the consultation.
//
// Contract:
//   const room = new Room({role, userId, phase, iceServers, signalUrl, local, onUpdate, refreshIce});
//     role       'patient' | 'clinician'; phase 'waiting' | 'admitted' | 'ended' (from GET).
//     local      the camera/microphone MediaStream or null.
//     onUpdate(state)   after any change; state as in room.state below.
//   room.state → {signal, phase, peerPresent, peerMedia:{audio,video,screen}|null,
//                 call (Call snapshot)|null, muted, cameraOff, sharing, left, notice}
//   room.admitted()   the clinician's admit succeeded (POST /admit): tells the
//                     patient and starts the call (the clinician offers).
//   room.ended()      the clinician's end succeeded (POST /end): tells the patient.
//   room.leave()      hang up (a "bye"); room.rejoin() comes back.
//   room.setMuted(b), room.setCameraOff(b), room.toggleScreen(), room.setLocal(stream)
//   room.stop()       closes everything (leaving the page); the caller stops `local`.
// Each call has a random id (cid); descriptions and candidates carry it and the
// id of the call they answer (to), so messages of an earlier call are dropped.
// A description longer than PART_BYTES as JSON goes as several messages, each
// a valid description with part {id, i, n} (the server refuses messages over
// signal_max_bytes, 16 KiB by default; an SDP is usually 4-8 KB, so parts are
// rare), put together again here. Candidates that arrive before
// their call's offer are kept until it comes.
import { Signal } from './signal.js';
import { Call } from './rtc.js';

const cidNew = () => Math.random().toString(36).slice(2, 12).padEnd(10, '0');
const PART_CHARS = 8000;	// of SDP per message at most
const PART_BYTES = 12000;	// per message as sent; the server refuses over signal_max_bytes
const MAX_PARTS = 64;
const MAX_EARLY = 64;
const HEALTHY = ['connected', 'completed', 'checking'];

export class Room {
	constructor({ role, userId, phase, iceServers, signalUrl, local, onUpdate, refreshIce }) {
		this.role = role;
		this.userId = userId;
		this.iceServers = iceServers;
		this.local = local;
		this.onUpdate = onUpdate;
		this.refreshIce = refreshIce;
		this.call = null;
		this.stopped = false;
		this.parts = new Map();		// "<from_id>:<part id>" → {n, got: [...], at}
		this.early = [];		// candidates before their call's offer (patient)
		this.chain = Promise.resolve();	// negotiation messages, one at a time
		this.state = {
			signal: 'connecting', phase, peerPresent: false, peerMedia: null, call: null,
			muted: false, cameraOff: false, sharing: false, left: false, notice: '',
		};
		this.signal = new Signal(signalUrl, {
			onMessage: (m) => this.onMessage(m),
			onState: (s, reopened) => this.onSignalState(s, reopened),
		});
	}

	set(patch) {
		if (this.stopped)
			return;
		this.state = { ...this.state, ...patch };
		this.onUpdate(this.state);
	}

	send(msg) {
		const sdp = msg.type === 'description' && msg.description && msg.description.sdp;
		if (!sdp || JSON.stringify(msg).length <= PART_BYTES) {
			this.signal.send(msg);
			return;
		}
		const id = cidNew();
		const build = (size) => {
			const n = Math.ceil(sdp.length / size);
			const out = [];
			for (let i = 0; i < n; i++) {
				out.push({ ...msg, description: { type: msg.description.type,
					sdp: sdp.slice(i * size, (i + 1) * size) }, part: { id, i, n } });
			}
			return out;
		};
		// SDP is ASCII, but its line ends double in JSON: shrink until each fits.
		let size = PART_CHARS;
		let parts = build(size);
		while (size > 400 && parts.some((p) => JSON.stringify(p).length > PART_BYTES)) {
			size = Math.floor(size * 0.8);
			parts = build(size);
		}
		for (const p of parts)
			this.signal.send(p);
	}

	// A description in parts: the whole message once every part is here, else null.
	assemble(m) {
		const p = m.part;
		if (!p || typeof p !== 'object')
			return m;
		const { id, i, n } = p;
		if (typeof id !== 'string' || id.length > 16 || !Number.isInteger(n) || n < 1 || n > MAX_PARTS ||
		    !Number.isInteger(i) || i < 0 || i >= n || typeof m.description.sdp !== 'string')
			return null;
		const key = `${m.from_id}:${id}`;
		let entry = this.parts.get(key);
		if (!entry) {
			entry = { n, got: new Array(n).fill(null) };
			this.parts.set(key, entry);
			if (this.parts.size > 8)
				this.parts.delete(this.parts.keys().next().value);
		}
		if (entry.n !== n)
			return null;
		entry.got[i] = m.description.sdp;
		if (entry.got.some((x) => x === null))
			return null;
		this.parts.delete(key);
		const whole = { ...m, description: { type: m.description.type, sdp: entry.got.join('') } };
		delete whole.part;
		return whole;
	}

	callHealthy() {
		return !!this.call && HEALTHY.includes(this.call.snapshot().ice) && !!this.call.pc;
	}

	onSignalState(s, reopened) {
		this.set({ signal: s });
		if (s !== 'open' || this.state.left || this.state.phase === 'ended')
			return;
		// Say we are here, unless a working call is just carrying on after a
		// signalling blip (a hello makes the other side start the call afresh).
		if (!reopened || !this.callHealthy())
			this.send({ type: 'hello' });
		else if (this.call)
			this.call.kick();
	}

	newCall() {
		this.closeCall();
		const call = new Call({
			polite: this.role === 'patient',
			iceServers: this.iceServers,
			local: this.local,
			refreshIce: this.refreshIce,
			send: (m) => this.send({ ...m, cid: call.cid, ...(call.peerCid ? { to: call.peerCid } : {}) }),
			onChange: (snap) => this.onCall(call, snap),
		});
		call.cid = cidNew();
		call.peerCid = null;
		call.onPeerGone = () => {
			if (call === this.call)
				this.peerLeft();
		};
		call.onScreenStopped = () => {
			this.set({ sharing: false, notice: 'You stopped sharing your screen.' });
			this.sendMedia();
		};
		this.call = call;
		this.applyMedia();
		return call;
	}

	closeCall() {
		if (this.call) {
			this.call.close();
			this.call = null;
		}
		this.signal.unqueue(['description', 'candidate']);
		this.set({ call: null, sharing: false });
	}

	onCall(call, snap) {
		if (call !== this.call)
			return;
		const was = this.state.call;
		this.set({ call: snap, sharing: snap.sharing });
		const up = (x) => x && (x.ice === 'connected' || x.ice === 'completed');
		if (up(snap) && !up(was)) {
			this.sendMedia();
			this.set({ notice: 'Connected.' });
		} else if (was && up(was) && (snap.ice === 'disconnected' || snap.ice === 'failed')) {
			this.set({ notice: 'The connection dropped. Reconnecting…' });
		}
	}

	onMessage(m) {
		if (this.stopped || m.from_id === this.userId || m.from === this.role)
			return;
		const me = this.role;
		switch (m.type) {
		case 'hello':
			this.set({ peerPresent: true });
			if (this.state.left || this.state.phase === 'ended')
				return;
			if (me === 'clinician') {
				if (this.state.phase === 'admitted')
					this.newCall().start();
				else
					this.set({ notice: 'The patient is waiting.' });
			} else {
				// The clinician (re)joined: drop any old call, say we are here.
				this.closeCall();
				this.send({ type: 'hello' });
			}
			break;
		case 'admitted':
			if (me === 'patient' && this.state.phase !== 'ended') {
				this.closeCall();
				this.set({ phase: 'admitted', peerPresent: true, notice: 'Your clinician has let you in. Connecting…' });
			}
			break;
		case 'description':
		case 'candidate':
			this.onNegotiation(m);
			break;
		case 'media':
			if (m.screen && !(this.state.peerMedia && this.state.peerMedia.screen))
				this.set({ notice: `${this.role === 'patient' ? 'Your clinician' : 'The patient'} is sharing their screen.` });
			this.set({ peerMedia: { audio: !!m.audio, video: !!m.video, screen: !!m.screen } });
			if (!m.screen && this.call)
				this.call.screenGone();
			break;
		case 'bye':
			this.peerLeft();
			break;
		case 'ended':
			if (me === 'patient') {
				this.closeCall();
				this.set({ phase: 'ended', notice: 'The consultation has ended.' });
			}
			break;
		default:
			break;
		}
	}

	peerLeft() {
		this.closeCall();
		this.set({
			peerPresent: false, peerMedia: null,
			notice: this.role === 'patient' ? 'Your clinician has left the call. Please wait here.' : 'The patient has left the call.',
		});
	}

	onNegotiation(m) {
		if (this.state.left || this.state.phase === 'ended')
			return;
		if (m.type === 'description') {
			if (!m.description || typeof m.description !== 'object')
				return;
			m = this.assemble(m);
			if (!m)
				return;
		}
		let replay = [];
		if (this.role === 'patient') {
			const offer = m.type === 'description' && m.description.type === 'offer';
			if (m.type === 'candidate' && (!this.call || (m.cid && this.call.peerCid && m.cid !== this.call.peerCid))) {
				// Maybe the next call's, ahead of its offer.
				this.early.push(m);
				if (this.early.length > MAX_EARLY)
					this.early.shift();
				return;
			}
			// An offer from a call we do not have: the clinician started afresh.
			if (offer && this.call && m.cid && this.call.peerCid && m.cid !== this.call.peerCid)
				this.newCall();
			if (!this.call) {
				if (!offer)
					return;
				this.newCall();
				this.set({ phase: 'admitted', peerPresent: true });
			}
			if (m.cid && this.call.peerCid && m.cid !== this.call.peerCid)
				return;
			if (m.cid && !this.call.peerCid) {
				this.call.peerCid = m.cid;
				replay = this.early.filter((c) => c.cid === m.cid);
				this.early = [];
			}
		} else {
			if (!this.call || (m.to && m.to !== this.call.cid))
				return;
			if (m.cid && this.call.peerCid && m.cid !== this.call.peerCid && m.type === 'candidate')
				return;
			if (m.cid)
				this.call.peerCid = m.cid;
		}
		const call = this.call;
		this.chain = this.chain.then(async () => {
			if (call !== this.call)
				return;
			await call.handle(m);
			for (const c of replay)
				await call.handle(c);
		}).catch((e) => console.warn('consult: negotiation message failed', e));
	}

	media() {
		const has = (kind) => !!this.local && this.local.getTracks().some((t) => t.kind === kind);
		return {
			audio: has('audio') && !this.state.muted,
			video: has('video') && !this.state.cameraOff,
			screen: this.state.sharing,
		};
	}

	sendMedia() {
		this.send({ type: 'media', ...this.media() });
	}

	applyMedia() {
		if (!this.local)
			return;
		for (const t of this.local.getAudioTracks())
			t.enabled = !this.state.muted;
		for (const t of this.local.getVideoTracks())
			t.enabled = !this.state.cameraOff;
	}

	setMuted(b) {
		this.set({ muted: b, notice: b ? 'Your microphone is muted.' : 'Your microphone is on.' });
		this.applyMedia();
		this.sendMedia();
	}

	setCameraOff(b) {
		this.set({ cameraOff: b, notice: b ? 'Your camera is off.' : 'Your camera is on.' });
		this.applyMedia();
		this.sendMedia();
	}

	async toggleScreen() {
		if (!this.call)
			return false;
		if (this.state.sharing) {
			this.call.stopScreen();
			return false;
		}
		const ok = await this.call.shareScreen();
		this.set({ sharing: ok && !!this.call && this.call.snapshot().sharing,
			notice: ok ? 'You are sharing your screen.' : 'Screen sharing did not start.' });
		this.sendMedia();
		return ok;
	}

	setLocal(stream) {
		this.local = stream;
		this.applyMedia();
		if (this.call)
			this.call.setLocal(stream);
	}

	admitted() {
		this.set({ phase: 'admitted', notice: 'Patient admitted. Connecting…' });
		this.send({ type: 'admitted' });
		this.newCall().start();
	}

	ended() {
		this.send({ type: 'ended' });
		this.closeCall();
		this.set({ phase: 'ended', notice: 'The consultation has ended.' });
	}

	leave() {
		this.send({ type: 'bye' });
		this.closeCall();
		this.set({ left: true, notice: 'You have left the call.' });
	}

	rejoin() {
		this.set({ left: false, notice: 'Rejoining…' });
		this.send({ type: 'hello' });
	}

	stop() {
		if (this.stopped)
			return;
		if (!this.state.left && this.state.phase !== 'ended')
			this.signal.send({ type: 'bye' });
		if (this.call)
			this.call.close();
		this.call = null;
		this.stopped = true;
		this.signal.stop();
	}
}
