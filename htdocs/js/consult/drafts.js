// Consultation-note text not yet saved on the server, kept in localStorage
// per clinician and appointment so that losing the network (or closing the
// tab) loses nothing. Cleared once the server has the text, at sign-out, and
// when anyone else signs in on this device.
//
// Contract:
//   loadDraft(userId, apptId)          → the draft object or null
//   saveDraft(userId, apptId, draft)   keeps draft ({soap, base, amending, reason,
//                                       sendAmendment}); false if storage failed
//   clearDraft(userId, apptId)
//   noteDraftsFor(userId)              forgets every other user's drafts
//   clearNoteDrafts()                  forgets every draft (sign-out)
// None of these throw (private mode or a full quota only lose the convenience).

const PREFIX = 'clinic-consult-note:';

const key = (userId, apptId) => `${PREFIX}${userId}:${apptId}`;

function keys() {
	const out = [];
	try {
		for (let i = 0; i < localStorage.length; i++) {
			const k = localStorage.key(i);
			if (k && k.startsWith(PREFIX))
				out.push(k);
		}
	} catch {
		// no storage
	}
	return out;
}

export function loadDraft(userId, apptId) {
	try {
		const s = localStorage.getItem(key(userId, apptId));
		const d = s ? JSON.parse(s) : null;
		return d && typeof d === 'object' && d.soap && typeof d.soap === 'object' ? d : null;
	} catch {
		return null;
	}
}

export function saveDraft(userId, apptId, draft) {
	try {
		localStorage.setItem(key(userId, apptId), JSON.stringify({ ...draft, at: Date.now() }));
		return true;
	} catch {
		return false;
	}
}

export function clearDraft(userId, apptId) {
	try {
		localStorage.removeItem(key(userId, apptId));
	} catch {
		// nothing kept
	}
}

export function noteDraftsFor(userId) {
	const mine = `${PREFIX}${userId}:`;
	for (const k of keys()) {
		if (!k.startsWith(mine)) {
			try {
				localStorage.removeItem(k);
			} catch {
				// nothing kept
			}
		}
	}
}

export function clearNoteDrafts() {
	for (const k of keys()) {
		try {
			localStorage.removeItem(k);
		} catch {
			// nothing kept
		}
	}
}
