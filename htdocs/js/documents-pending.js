// Uploads that have not finished yet, kept in IndexedDB so that the documents
// screen can carry them on by itself after the page reloads (or the phone
// closes the tab) without the patient choosing the file again. A PDF made
// from camera photos exists nowhere else, so it is kept here too.
//
// Contract:
//   savePending({userId, blob, name, type, category, request, label})
//       → the new record's id (a number), or null when IndexedDB cannot be
//         used (private mode, quota, no support): the upload still works,
//         it just cannot carry on after a reload.
//   setPendingUrl(id, url)   records the tus upload URL once tus has one;
//                            nothing happens if the record is gone.
//   removePending(id)        forgets one record (finished, refused for good,
//                            or cancelled by the patient).
//   pendingFor(userId)       → the records of this user, oldest first; every
//                            record of any other user is deleted first, so
//                            one patient never sees or resumes another's.
//   clearPendingUploads()    deletes every record (on sign-out).
// Records: {id, userId, blob, name, type, category, request (number|null),
// label, uploadUrl (string|null), created (ms)}. The Blob is stored as is
// (IndexedDB keeps Blobs and Files); the caller frees nothing.
// None of these reject: a failure of storage only loses the convenience.

const DB_NAME = 'clinic-documents';
const STORE = 'pending';

let opening = null;

function open() {
	if (!opening) {
		opening = new Promise((resolve, reject) => {
			if (typeof indexedDB === 'undefined') {
				reject(new Error('no IndexedDB'));
				return;
			}
			const rq = indexedDB.open(DB_NAME, 1);
			rq.onupgradeneeded = () => {
				const db = rq.result;
				if (!db.objectStoreNames.contains(STORE))
					db.createObjectStore(STORE, { keyPath: 'id', autoIncrement: true });
			};
			rq.onsuccess = () => {
				const db = rq.result;
				// Another tab upgrading or deleting the database: let it.
				db.onversionchange = () => {
					db.close();
					opening = null;
				};
				resolve(db);
			};
			rq.onerror = () => reject(rq.error);
			rq.onblocked = () => reject(new Error('IndexedDB blocked'));
		});
		opening.catch(() => { opening = null; });
	}
	return opening;
}

// Runs fn(store) in one transaction; resolves with what fn's last request
// gave (or fn's return value) once the transaction has committed.
async function run(mode, fn) {
	const db = await open();
	return new Promise((resolve, reject) => {
		const tx = db.transaction(STORE, mode);
		let out;
		const r = fn(tx.objectStore(STORE), (v) => { out = v; });
		if (r && typeof r === 'object' && 'onsuccess' in r)
			r.onsuccess = () => { out = r.result; };
		tx.oncomplete = () => resolve(out);
		tx.onerror = () => reject(tx.error);
		tx.onabort = () => reject(tx.error || new Error('transaction aborted'));
	});
}

export async function savePending({ userId, blob, name, type, category, request, label }) {
	if (userId == null || !blob)
		return null;
	try {
		return await run('readwrite', (s) => s.add({
			userId, blob, name, type: type || blob.type || 'application/octet-stream', category,
			request: request == null ? null : Number(request), label: label || name,
			uploadUrl: null, created: Date.now(),
		}));
	} catch {
		return null;
	}
}

export async function setPendingUrl(id, url) {
	if (id == null || !url)
		return;
	try {
		await run('readwrite', (s) => {
			const g = s.get(id);
			g.onsuccess = () => {
				if (g.result && g.result.uploadUrl !== url)
					s.put({ ...g.result, uploadUrl: url });
			};
		});
	} catch {
		// kept without its URL: a new upload starts from the Blob next time
	}
}

export async function removePending(id) {
	if (id == null)
		return;
	try {
		await run('readwrite', (s) => s.delete(id));
	} catch {
		// nothing more to do
	}
}

export async function pendingFor(userId) {
	try {
		return await run('readwrite', (s, set) => {
			const mine = [];
			const c = s.openCursor();
			c.onsuccess = () => {
				const cur = c.result;
				if (!cur) {
					set(mine);
					return;
				}
				if (cur.value.userId === userId)
					mine.push(cur.value);
				else
					cur.delete();
				cur.continue();
			};
		});
	} catch {
		return [];
	}
}

export async function clearPendingUploads() {
	try {
		await run('readwrite', (s) => s.clear());
	} catch {
		// no database: nothing kept
	}
}
