// The room's signalling channel: one WebSocket to the appointment's nchan
// channel (docs/API.md#consult), reconnecting by itself.
//
// Contract:
//   const s = new Signal(url, {onMessage, onState});
//     url        the signal_url from the API ("/api/v1/consult/<id>/signal");
//                made absolute here (ws: or wss: as the page is http: or https:).
//     onMessage(msg)   every JSON object received (the caller filters its own
//                      from_id out: nchan echoes to the publisher).
//     onState(state, reopened)  'connecting' | 'open' | 'closed' (waiting to
//                      reconnect) | 'stopped'; reopened is true on an 'open'
//                      that follows an earlier one.
//   s.send(obj)     sends now when open; otherwise queues it (at most 64
//                   messages, oldest dropped) and sends on reconnecting.
//   s.stop()        closes for good; nothing is called after it.
// Reconnects with exponential backoff (1 s doubling to 30 s, with jitter),
// at once when the browser says it is back online. Nothing here throws.

const MAX_QUEUE = 64;

export class Signal {
	constructor(url, { onMessage, onState }) {
		const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
		this.url = /^wss?:/.test(url) ? url : `${scheme}//${location.host}${url}`;
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
			const pending = this.queue;
			this.queue = [];
			for (const m of pending)
				ws.send(JSON.stringify(m));
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
		if (this.stopped)
			return;
		if (this.isOpen) {
			try {
				this.ws.send(JSON.stringify(obj));
				return;
			} catch {
				// falls through to the queue
			}
		}
		this.queue.push(obj);
		if (this.queue.length > MAX_QUEUE)
			this.queue.shift();
	}

	// Drops queued messages of these types (stale candidates after a restart).
	unqueue(types) {
		this.queue = this.queue.filter((m) => !types.includes(m.type));
	}

	stop() {
		this.stopped = true;
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
