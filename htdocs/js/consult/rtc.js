// One-to-one WebRTC for the consultation room: the peer connection with the
// "perfect negotiation" pattern (the clinician impolite, the patient polite),
// so either side may add or remove a screen-share track and renegotiate; a
// small "ping" data channel the connection-quality indicator uses; getStats
// for round-trip time and packet loss; an ICE restart when the connection
// fails or stays disconnected.
//
// Contract:
//   const call = new Call({polite, iceServers, send, local, onChange, refreshIce});
//     polite       true for the patient: gives way when both offer at once.
//     iceServers   RTCIceServer[] from GET /join.
//     send(msg)    sends a signalling message ({type:'description'|'candidate', ...}).
//     local        the camera/microphone MediaStream, or null (receive only).
//     onChange(snapshot)  after anything shown changes (see snapshot()).
//     refreshIce() optional async → fresh RTCIceServer[] (or null) before an ICE restart.
//   call.start()            the impolite side: makes the connection and offers.
//   call.handle(msg)        a 'description' or 'candidate' message from the other side;
//                           the polite side makes its connection on the first offer.
//   call.setLocal(stream)   swaps the camera/microphone (device change).
//   call.shareScreen()      → true when sharing (false if refused or unsupported).
//   call.stopScreen()
//   call.close()            ends this connection (a new one may be started after).
//   call.onPeerGone         optional: called when the other side closed its connection.
//   call.snapshot() → {ice, connection, signaling, remote (MediaStream|null),
//                      screen (MediaStream|null), sharing (bool), dcOpen, dcRtt (ms|null),
//                      pingsIn, pongsIn, quality:{level:'connecting'|'good'|'fair'|'poor'|
//                      'reconnecting', rtt (ms|null), loss (0..1|null)}}
// Nothing here throws to the caller; failures show in the snapshot.

const STATS_MS = 2000;
const PING_MS = 2000;
const DISCONNECTED_GRACE_MS = 5000;

export class Call {
	constructor({ polite, iceServers, send, local, onChange, refreshIce }) {
		this.polite = polite;
		this.iceServers = iceServers || [];
		this.sendSignal = send;
		this.local = local;
		this.onChange = onChange;
		this.refreshIce = refreshIce;
		this.pc = null;
		this.dc = null;
		this.makingOffer = false;
		this.ignoreOffer = false;
		this.remote = null;
		this.screen = null;
		this.screenSender = null;
		this.screenStream = null;
		this.dcRtt = null;
		this.pingsIn = 0;
		this.pongsIn = 0;
		this.quality = { level: 'connecting', rtt: null, loss: null };
		this.lastInbound = null;
		this.timers = [];
		this.disconnectedTimer = null;
		this.closed = false;
	}

	snapshot() {
		const pc = this.pc;
		return {
			ice: pc ? pc.iceConnectionState : 'new',
			connection: pc ? pc.connectionState : 'new',
			signaling: pc ? pc.signalingState : 'stable',
			remote: this.remote,
			screen: this.screen,
			sharing: !!this.screenSender,
			dcOpen: !!this.dc && this.dc.readyState === 'open',
			dcRtt: this.dcRtt,
			pingsIn: this.pingsIn,
			pongsIn: this.pongsIn,
			quality: this.quality,
		};
	}

	changed() {
		if (!this.closed)
			this.onChange(this.snapshot());
	}

	makePc() {
		const pc = new RTCPeerConnection({ iceServers: this.iceServers });
		this.pc = pc;
		pc.onnegotiationneeded = async () => {
			if (this.pc !== pc)
				return;
			try {
				this.makingOffer = true;
				await pc.setLocalDescription();
				this.sendSignal({ type: 'description', description: plain(pc.localDescription) });
			} catch (e) {
				console.warn('consult: offer failed', e);
			} finally {
				this.makingOffer = false;
			}
		};
		pc.onicecandidate = ({ candidate }) => {
			if (this.pc === pc && candidate)
				this.sendSignal({ type: 'candidate', candidate: candidate.toJSON() });
		};
		pc.oniceconnectionstatechange = () => {
			if (this.pc !== pc)
				return;
			this.watchIce();
			this.updateQuality();
			this.changed();
		};
		pc.onconnectionstatechange = () => { if (this.pc === pc) this.changed(); };
		pc.onsignalingstatechange = () => { if (this.pc === pc) this.changed(); };
		pc.ontrack = (e) => { if (this.pc === pc) this.onTrack(e); };
		// Both sides make the same pre-agreed channel: no extra negotiation.
		this.dc = pc.createDataChannel('ping', { negotiated: true, id: 0, ordered: false, maxRetransmits: 0 });
		this.dc.onopen = () => { this.dcWasOpen = true; this.changed(); };
		// The channel closes only when the other side closes its connection
		// (a closed tab, a reload), not when the network drops for a while.
		this.dc.onclose = () => {
			if (this.closed || this.pc !== pc)
				return;
			this.changed();
			if (this.dcWasOpen && this.onPeerGone)
				this.onPeerGone();
		};
		this.dc.onmessage = (e) => this.onData(e.data);
		this.timers.push(setInterval(() => this.ping(), PING_MS));
		this.timers.push(setInterval(() => this.stats(), STATS_MS));
		this.changed();
		return pc;
	}

	addLocal() {
		const pc = this.pc;
		const stream = this.local;
		const kinds = new Set();
		if (stream) {
			for (const track of stream.getTracks()) {
				// On the answering side this takes over the transceiver the offer made.
				pc.addTrack(track, stream);
				kinds.add(track.kind);
			}
		}
		// Without a camera or microphone, still receive the other side's.
		for (const kind of ['audio', 'video']) {
			if (!kinds.has(kind) && !this.polite)
				pc.addTransceiver(kind, { direction: 'recvonly' });
		}
		trimAll(pc);
	}

	start() {
		if (this.closed || this.pc)
			return;
		this.makePc();
		this.addLocal();	// negotiationneeded makes the offer
	}

	async handle(msg) {
		if (this.closed)
			return;
		try {
			if (msg.type === 'description' && msg.description)
				await this.onDescription(msg.description);
			else if (msg.type === 'candidate' && msg.candidate && this.pc)
				await this.onCandidate(msg.candidate);
		} catch (e) {
			console.warn('consult: signalling message not applied', e);
		}
	}

	async onDescription(description) {
		let fresh = false;
		if (!this.pc) {
			if (description.type !== 'offer')
				return;
			this.makePc();
			fresh = true;
		}
		const pc = this.pc;
		const collision = description.type === 'offer' &&
			(this.makingOffer || pc.signalingState !== 'stable');
		this.ignoreOffer = !this.polite && collision;
		if (this.ignoreOffer)
			return;
		await pc.setRemoteDescription(description);
		if (fresh)
			this.addLocal();
		if (description.type === 'offer') {
			trimAll(pc);
			await pc.setLocalDescription();
			this.sendSignal({ type: 'description', description: plain(pc.localDescription) });
		}
		this.changed();
	}

	async onCandidate(candidate) {
		try {
			await this.pc.addIceCandidate(candidate);
		} catch (e) {
			if (!this.ignoreOffer)
				console.warn('consult: candidate refused', e);
		}
	}

	// The camera is the first video transceiver; any later video is a shared screen.
	onTrack(e) {
		const pc = this.pc;
		const stream = e.streams[0] || new MediaStream([e.track]);
		const firstVideo = pc.getTransceivers().find((t) => t.receiver.track && t.receiver.track.kind === 'video');
		const isScreen = e.track.kind === 'video' && firstVideo && firstVideo !== e.transceiver;
		if (isScreen) {
			this.screen = stream;
			const gone = () => {
				if (this.screen === stream) {
					this.screen = null;
					this.changed();
				}
			};
			stream.onremovetrack = gone;
			e.track.onended = gone;
			e.track.onmute = gone;
			e.track.onunmute = () => {
				if (this.pc === pc && !this.screen) {
					this.screen = stream;
					this.changed();
				}
			};
		} else if (!this.remote || !this.remote.getTracks().includes(e.track)) {
			if (!this.remote || (e.streams[0] && e.streams[0] !== this.remote))
				this.remote = stream;
			if (!this.remote.getTracks().includes(e.track))
				this.remote.addTrack(e.track);
		}
		this.changed();
	}

	// The other side said its screen share stopped.
	screenGone() {
		if (this.screen) {
			this.screen = null;
			this.changed();
		}
	}

	watchIce() {
		const state = this.pc.iceConnectionState;
		clearTimeout(this.disconnectedTimer);
		this.disconnectedTimer = null;
		if (state === 'failed')
			this.restartIce();
		else if (state === 'disconnected')
			this.disconnectedTimer = setTimeout(() => {
				if (this.pc && this.pc.iceConnectionState === 'disconnected')
					this.restartIce();
			}, DISCONNECTED_GRACE_MS);
	}

	async restartIce() {
		const pc = this.pc;
		if (!pc || this.closed)
			return;
		if (this.refreshIce) {
			const servers = await this.refreshIce();
			if (servers && this.pc === pc) {
				this.iceServers = servers;
				try {
					pc.setConfiguration({ ...pc.getConfiguration(), iceServers: servers });
				} catch (e) {
					console.warn('consult: new ICE servers refused', e);
				}
			}
		}
		if (this.pc === pc)
			pc.restartIce();	// negotiationneeded: an offer with new ICE credentials
	}

	// Sent again on reconnecting signalling while the connection is down.
	kick() {
		const pc = this.pc;
		if (pc && ['failed', 'disconnected'].includes(pc.iceConnectionState))
			this.restartIce();
	}

	ping() {
		if (this.dc && this.dc.readyState === 'open') {
			try {
				this.dc.send(JSON.stringify({ k: 'ping', t: performance.now() }));
			} catch {
				// the channel closed meanwhile
			}
		}
	}

	onData(data) {
		let m;
		try {
			m = JSON.parse(data);
		} catch {
			return;
		}
		if (!m || typeof m !== 'object')
			return;
		if (m.k === 'ping' && typeof m.t === 'number') {
			this.pingsIn++;
			try {
				this.dc.send(JSON.stringify({ k: 'pong', t: m.t }));
			} catch {
				// closed
			}
		} else if (m.k === 'pong' && typeof m.t === 'number') {
			this.pongsIn++;
			this.dcRtt = Math.max(0, Math.round(performance.now() - m.t));
		} else {
			return;
		}
		this.changed();
	}

	async stats() {
		const pc = this.pc;
		if (!pc || this.closed)
			return;
		let report;
		try {
			report = await pc.getStats();
		} catch {
			return;
		}
		let rtt = null;
		let lost = 0;
		let received = 0;
		const pairs = new Map();
		let selected = null;
		report.forEach((r) => {
			if (r.type === 'candidate-pair')
				pairs.set(r.id, r);
			else if (r.type === 'transport' && r.selectedCandidatePairId)
				selected = r.selectedCandidatePairId;
			else if (r.type === 'inbound-rtp') {
				lost += Math.max(0, r.packetsLost || 0);
				received += r.packetsReceived || 0;
			}
		});
		let pair = selected && pairs.get(selected);
		if (!pair)
			pair = [...pairs.values()].find((p) => p.nominated && p.state === 'succeeded');
		if (pair && typeof pair.currentRoundTripTime === 'number')
			rtt = Math.round(pair.currentRoundTripTime * 1000);
		if (rtt === null && this.dcRtt !== null)
			rtt = this.dcRtt;
		let loss = null;
		if (this.lastInbound) {
			const dl = lost - this.lastInbound.lost;
			const dr = received - this.lastInbound.received;
			if (dl + dr > 0)
				loss = Math.max(0, dl) / (Math.max(0, dl) + Math.max(0, dr));
		}
		this.lastInbound = { lost, received };
		this.updateQuality(rtt, loss);
		this.changed();
	}

	updateQuality(rtt = this.quality.rtt, loss = this.quality.loss) {
		const ice = this.pc ? this.pc.iceConnectionState : 'new';
		let level;
		if (ice === 'disconnected' || ice === 'failed')
			level = 'reconnecting';
		else if (ice !== 'connected' && ice !== 'completed')
			level = 'connecting';
		else if ((rtt === null || rtt <= 250) && (loss === null || loss <= 0.02))
			level = 'good';
		else if ((rtt === null || rtt <= 500) && (loss === null || loss <= 0.08))
			level = 'fair';
		else
			level = 'poor';
		this.quality = { level, rtt, loss };
	}

	setLocal(stream) {
		this.local = stream;
		const pc = this.pc;
		if (!pc || !stream)
			return;
		for (const track of stream.getTracks()) {
			const sender = pc.getSenders().find((s) => s !== this.screenSender && s.track && s.track.kind === track.kind);
			if (sender)
				sender.replaceTrack(track).catch((e) => console.warn('consult: device change failed', e));
		}
	}

	async shareScreen() {
		if (!this.pc || this.screenSender || !navigator.mediaDevices || !navigator.mediaDevices.getDisplayMedia)
			return false;
		let stream;
		try {
			stream = await navigator.mediaDevices.getDisplayMedia({ video: true, audio: false });
		} catch {
			return false;
		}
		const track = stream.getVideoTracks()[0];
		if (!track || !this.pc) {
			stream.getTracks().forEach((t) => t.stop());
			return false;
		}
		track.contentHint = 'detail';
		this.screenStream = stream;
		this.screenSender = this.pc.addTrack(track, stream);	// renegotiates
		trimCodecs(this.pc.getTransceivers().find((t) => t.sender === this.screenSender));
		track.onended = () => this.stopScreen();		// the browser's own "Stop sharing"
		this.changed();
		return true;
	}

	stopScreen() {
		const sender = this.screenSender;
		if (!sender)
			return;
		this.screenSender = null;
		if (this.pc && this.pc.signalingState !== 'closed') {
			try {
				this.pc.removeTrack(sender);	// renegotiates
			} catch (e) {
				console.warn('consult: removing the screen failed', e);
			}
		}
		if (this.screenStream)
			this.screenStream.getTracks().forEach((t) => t.stop());
		this.screenStream = null;
		this.changed();
		if (this.onScreenStopped)
			this.onScreenStopped();
	}

	get localScreen() {
		return this.screenStream;
	}

	// Ends this connection (keeps the local camera: the caller owns it).
	close() {
		if (this.screenStream)
			this.screenStream.getTracks().forEach((t) => t.stop());
		this.screenStream = null;
		this.screenSender = null;
		for (const t of this.timers)
			clearInterval(t);
		this.timers = [];
		clearTimeout(this.disconnectedTimer);
		if (this.pc) {
			try {
				this.pc.close();
			} catch {
				// already closed
			}
		}
		this.pc = null;
		this.dc = null;
		this.remote = null;
		this.screen = null;
		this.closed = true;
	}
}

// Fewer video codecs keep each description well under signal_max_bytes
// (with every codec Chrome offers, a call with a shared screen comes near
// 11 KB): VP8 and VP9 for everyone, H.264 constrained baseline for Safari,
// plus the repair formats. Nothing happens where the browser cannot do this.
const KEEP = /^video\/(vp8|vp9|rtx|red|ulpfec)$/i;
function trimCodecs(transceiver) {
	try {
		if (!transceiver || typeof transceiver.setCodecPreferences !== 'function' ||
		    !RTCRtpReceiver.getCapabilities)
			return;
		const caps = RTCRtpReceiver.getCapabilities('video');
		if (!caps)
			return;
		const keep = caps.codecs.filter((c) => KEEP.test(c.mimeType) ||
			(/^video\/h264$/i.test(c.mimeType) && /profile-level-id=42e01f/i.test(c.sdpFmtpLine || '') &&
			 /packetization-mode=1/.test(c.sdpFmtpLine || '')));
		if (keep.some((c) => /vp8/i.test(c.mimeType)))
			transceiver.setCodecPreferences(keep);
	} catch (e) {
		console.warn('consult: codec preferences not applied', e);
	}
}

function trimAll(pc) {
	for (const t of pc.getTransceivers()) {
		if (t.receiver && t.receiver.track && t.receiver.track.kind === 'video' && !t.stopped)
			trimCodecs(t);
	}
}

function plain(d) {
	return { type: d.type, sdp: d.sdp };
}
