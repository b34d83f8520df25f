// The room's signalling channel (docs/API.md#consult): messages arrive on a
// receive-only WebSocket to the appointment's nchan channel, reconnecting by
// itself; they are sent with POST <signal_url>/messages through api() (session
// + X-CSRF-Token), one at a time in order, so a candidate never overtakes its
// description. (The WebSocket is subscribe-only: nchan 1.3.6 crashed nginx
// publishing frames from it; the server closes a socket that sends a frame.)
//
// Contract:
//   const s = new Signal(url, {onMessage, onState});
//     url        the signal_url from the API ("/api/v1/consult/<id>/signal");
//                made absolute here (ws: or wss: as the page is http: or https:).
//     onMessage(msg)   every JSON object received (the caller filters its own
//                      from_id out: the server echoes to the sender too).
//     onState(state, reopened)  'connecting' | 'open' | 'closed' (waiting to
//                      reconnect) | 'stopped'; reopened is true on an 'open'
//                      that follows an earlier one.
//   s.send(obj)     queues obj (at most 64 messages, oldest dropped) and sends
//                   the queue in order, one POST at a time. A 429 is resent
//                   after Retry-After (or 1 s); a network failure or 503 is
//                   resent after a short wait (a few times); any other refusal
//                   (409 not admitted, 413, 422, 403...) is dropped with a
//                   console warning.
//   s.stop()        closes the socket for good; nothing is called after it
//                   (what is queued is still sent, without retries).
// Reconnects with exponential backoff (1 s doubling to 30 s, with jitter),
// at once when the browser says it is back online. Nothing here throws.
import { api } from '../api.js';

const MAX_QUEUE = 64;
const MAX_RETRIES = 5;

export class Signal {
	constructor(url, { onMessage, onState }) {
		const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
		this.url = /^wss?:/.test(url) ? url : `${scheme}//${location.host}${url}`;
		this.postUrl = `${/^wss?:/.test(url) ? new URL(url).pathname : url}/messages`;
		this.sending = false;
		this.onMessage = onMessage;
		this.onState = onState;
		this.queue = [];
		this.attempt = 0;
		this.opened = false;
		this.stopped = false;
		this.timer = null;
		this.ws = null;
		this.online = () => { if (!this.ws) this.connectNow(); };
		addEventListener('online', this.online);
		this.connect();
	}

	connect() {
		if (this.stopped)
			return;
		this.timer = null;
		this.onState('connecting', false);
		let ws;
		try {
			ws = new WebSocket(this.url);
		} catch {
			this.retry();
			return;
		}
		this.ws = ws;
		ws.onopen = () => {
			if (this.stopped || this.ws !== ws)
				return;
			this.attempt = 0;
			const reopened = this.opened;
			this.opened = true;
			this.onState('open', reopened);
		};
		ws.onmessage = (e) => {
			if (this.stopped || this.ws !== ws || typeof e.data !== 'string')
				return;
			let msg;
			try {
				msg = JSON.parse(e.data);
			} catch {
				return;
			}
			if (msg && typeof msg === 'object' && typeof msg.type === 'string')
				this.onMessage(msg);
		};
		ws.onclose = () => {
			if (this.ws !== ws)
				return;
			this.ws = null;
			if (this.stopped)
				return;
			this.onState('closed', false);
			this.retry();
		};
		ws.onerror = () => {};	// onclose follows
	}

	retry() {
		if (this.stopped || this.timer)
			return;
		const base = Math.min(30000, 1000 * 2 ** this.attempt);
		this.attempt = Math.min(this.attempt + 1, 10);
		this.timer = setTimeout(() => this.connect(), base / 2 + Math.random() * base / 2);
	}

	connectNow() {
		if (this.stopped || this.ws)
			return;
		clearTimeout(this.timer);
		this.timer = null;
		this.attempt = 0;
		this.connect();
	}

	get isOpen() {
		return !!this.ws && this.ws.readyState === WebSocket.OPEN;
	}

	send(obj) {
		this.queue.push(obj);
		if (this.queue.length > MAX_QUEUE)
			this.queue.shift();
		this.pump();
	}

	// Sends the queue's head, then the next, until it is empty.
	async pump() {
		if (this.sending)
			return;
		this.sending = true;
		let tries = 0;
		while (this.queue.length > 0) {
			const m = this.queue[0];
			const res = await api('POST', this.postUrl, m);
			if (res.ok || this.queue[0] !== m) {
				if (this.queue[0] === m)
					this.queue.shift();
				tries = 0;
				continue;
			}
			const again = res.status === 429 || res.status === 0 || res.status === 503;
			if (again && !this.stopped && tries < MAX_RETRIES) {
				tries++;
				const wait = res.status === 429 ? (res.problem.retryAfter || 1) * 1000 :
					500 * 2 ** tries;
				await new Promise((ok) => setTimeout(ok, wait));
				continue;
			}
			console.warn(`signalling message "${m.type}" not sent:`, res.status,
				res.problem && (res.problem.detail || res.problem.title));
			if (this.queue[0] === m)
				this.queue.shift();
			tries = 0;
		}
		this.sending = false;
	}

	// Drops queued messages of these types (stale candidates after a restart).
	unqueue(types) {
		this.queue = this.queue.filter((m) => !types.includes(m.type));
	}

	stop() {
		this.stopped = true;	// the queue still goes out (a last "bye")
		clearTimeout(this.timer);
		removeEventListener('online', this.online);
		if (this.ws) {
			const ws = this.ws;
			this.ws = null;
			try {
				ws.close(1000);
			} catch {
				// already closed
			}
		}
		this.onState('stopped', false);
	}
}
