#ifndef CLINIC_OUTBOX_H
#define CLINIC_OUTBOX_H
/*
 * The outbox: outbound calls never run inside a request. A handler writes an
 * outbox row in its own open transaction (so the message exists exactly when
 * the change that asked for it commits); the dispatch daemon
 * (modules/dispatch) delivers it later with retries, timeouts and the row's
 * idempotency key, and records the outcome in the same row.
 */
#include <stdbool.h>
#include <stdint.h>

#include "err.h"

struct db;
struct pool;
struct req;
struct json_object;

#define OUTBOX_KEY_MAX	128

/*
 * Queues one message of `kind` (names the dispatch handler, e.g.
 * "idv.create_applicant") with payload (a JSON object; taken: it is put in
 * every case) inside r's open transaction (r->db must have one; CE_INVALID
 * otherwise). idempotency_key is sent as the Idempotency-Key header on every
 * attempt: at most OUTBOX_KEY_MAX characters of [A-Za-z0-9._:-] (CE_INVALID
 * otherwise); NULL makes a random one. The message is due at once. Returns
 * CE_OK, CE_DUPLICATE when a message with that key exists already (nothing
 * written; the transaction stays usable), or a database error.
 */
enum cerr	outbox_put(struct req *, const char *kind, const char *idempotency_key,
		    struct json_object *payload);

/*
 * outbox_put() for a message due later: it is not delivered before due_unix
 * (Unix seconds, UTC), e.g. a reminder the day before an appointment.
 * due_unix <= 0 (or in the past) means at once, exactly as outbox_put().
 * Same arguments, ownership and results as outbox_put().
 */
enum cerr	outbox_put_at(struct req *, const char *kind, const char *idempotency_key,
		    struct json_object *payload, int64_t due_unix);

/*
 * Removes messages that ended (done or failed) more than keep_days ago, with
 * whatever patient details their payloads held; *removed is the count.
 * Returns CE_OK or a database error. Run by `clinic purge`.
 */
enum cerr	outbox_purge(struct db *, struct pool *, long keep_days, uint64_t *removed);

/* True when key is a valid idempotency key (see outbox_put). */
bool		outbox_key_ok(const char *key);

/*
 * Full-jitter exponential backoff (pure): the delay before retry number
 * `attempt` (0 for the first retry) is a uniform choice in
 * [0, min(max_ms, base_ms * 2^attempt)], taken from rnd (any 64-bit random
 * value). Never overflows; base_ms <= 0 gives 0; max_ms < base_ms caps at
 * max_ms.
 */
long long	outbox_backoff_ms(unsigned attempt, long long base_ms, long long max_ms,
		    uint64_t rnd);
/* The cap above: min(max_ms, base_ms * 2^attempt), without overflow. */
long long	outbox_backoff_cap_ms(unsigned attempt, long long base_ms, long long max_ms);

#endif

/*
 * The outbox as administrators see it (GET /api/v1/idv/outbox and
 * GET /api/v1/outbox; sending a failed message again from
 * POST /api/v1/idv/outbox/{id}/retry and POST /api/v1/outbox/{id}/replay).
 * Payloads are never shown. Both answer r themselves (the reply_*() result);
 * the JSON they build is put by reply_json().
 */
#define OUTBOX_LIST_COUNTS	0x1	/* "counts" per status for the kind asked */
#define OUTBOX_LIST_DEAD_FIRST	0x2	/* failed messages first, then newest first */
#define OUTBOX_LIST_DEAD_LETTER	0x4	/* each message has "dead_letter" */

/*
 * {messages: [...]} of at most limit messages, newest first; status (NULL:
 * any) and kind (NULL: any; one kind, or a family when it ends in '.') are
 * borrowed filters; flags are OUTBOX_LIST_* above.
 */
int		outbox_admin_list(struct req *, const char *status, const char *kind,
		    int64_t limit, unsigned flags);

/* How one route sends a failed message again (static strings, borrowed). */
struct outbox_resend {
	const char	*action;	/* audited as this, target "outbox" <id> */
	const char	*slug, *title;	/* the 409 problem when the message has not failed */
	bool		 explain;	/* the 409 detail names the message's status */
	bool		 history;	/* audit details attempts_before and last_error too */
	unsigned	 flags;		/* OUTBOX_LIST_DEAD_LETTER: the answer has dead_letter */
};

/*
 * Makes message `id` of route r (req_id(r, "id")) pending again, due at once
 * with attempts 0, audited in the same transaction; 200 the message, 404
 * not-found, or 409 how->slug when it is not failed.
 */
int		outbox_admin_resend(struct req *, const struct outbox_resend *how);
