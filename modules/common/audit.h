#ifndef CLINIC_AUDIT_H
#define CLINIC_AUDIT_H
/*
 * The audit trail: one append-only table, each row chained to the one before
 * by hash = SHA-256(previous row's hash (32 raw bytes) || canonical(row)).
 * The first row's previous hash is 32 zero bytes. Rows are numbered 1, 2, ...
 * without gaps, in chain order. The chain head (last seq and hash) is kept
 * in audit_head, whose row lock serialises writers. Rows are written by the
 * stored procedure audit_append (sql/0002_audit_append.sql), which computes
 * the same hash server-side; this file computes it again to verify.
 *
 * canonical(row) = "clinic-audit-v1" then, for each field in this order:
 *   seq, occurred_at (YYYY-MM-DD hh:mm:ss.ffffff, UTC), actor_id, actor_role,
 *   actor_reg, action, entity_type, entity_id, outcome, request_id,
 *   client_addr, details (JSON text as stored)
 * the bytes "|" <decimal byte length> ":" <value>, or "|-" for SQL NULL.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct db;
struct pool;
struct req;
struct json_object;

#define AUDIT_HASH_HEX	65	/* 64 hex digits + NUL */

struct audit_rec {
	int64_t		 seq;
	const char	*occurred_at;
	int64_t		 actor_id;	/* 0: no actor (e.g. unknown email) */
	const char	*actor_role;
	const char	*actor_reg;
	const char	*action;
	const char	*entity_type;
	const char	*entity_id;
	const char	*outcome;	/* "success", "failure", "denied", ... */
	const char	*request_id;
	const char	*client_addr;
	const char	*details;	/* JSON text; never NULL ("{}" if none) */
};

/*
 * The canonical encoding of rec into pool memory; *len is set. NULL on OOM.
 * Pure: used by the writer, the verifier and the unit tests.
 */
char		*audit_canonical(struct pool *, const struct audit_rec *, size_t *len);
/* out = hex(SHA-256(prev || canonical(rec))); prev_hex is 64 hex digits. */
enum cerr	 audit_chain_hash(struct pool *, const char *prev_hex,
		    const struct audit_rec *, char out[AUDIT_HASH_HEX]);

/*
 * Appends rec to the chain (seq and occurred_at are assigned by the server;
 * rec->seq and rec->occurred_at are ignored). The caller must hold an open
 * transaction: the row commits or rolls back with the change it records.
 * With commit true the same round trip also commits that transaction (and
 * db_in_tx() is false after CE_OK) — the way to end a transaction, since the
 * chain lock is then released without waiting for the client.
 * Returns CE_OK or a database error (CE_DEADLOCK: retry); on error the
 * transaction is still open for the caller to roll back.
 */
enum cerr	 audit_append(struct db *, struct pool *, struct audit_rec *, bool commit);

/*
 * Records an action by r's principal (or nobody) with r's request id and
 * client address, inside the handler's open transaction, and commits that
 * transaction in the same round trip. details, if not NULL, is taken (put).
 * This is how a handler ends a state change: do the change, then
 * audit_commit(). CE_OK, or a database error with the transaction open.
 */
enum cerr	 audit_commit(struct req *, const char *action, const char *entity_type,
		    const char *entity_id, const char *outcome, struct json_object *details);
/* Like audit_commit() but leaves the transaction open (more rows follow). */
enum cerr	 audit(struct req *, const char *action, const char *entity_type,
		    const char *entity_id, const char *outcome, struct json_object *details);
/* Like audit()/audit_commit() with an explicit actor (sign-in before a session exists). */
enum cerr	 audit_as(struct req *, int64_t actor_id, const char *actor_role,
		    const char *actor_reg, const char *action, const char *entity_type,
		    const char *entity_id, const char *outcome, struct json_object *details,
		    bool commit);

struct audit_verdict {
	bool		 ok;
	int64_t		 count;		/* rows read */
	int64_t		 head_seq;	/* last good row's seq */
	char		 head[AUDIT_HASH_HEX];	/* last good row's hash */
	int64_t		 first_bad;	/* seq of the first bad row, 0 when ok */
	char		 reason[128];
};

/*
 * Walks the whole chain in seq order, streaming (constant memory). Checks
 * numbering, each previous-hash link, each row's hash, and that audit_head
 * points at the last row. Returns CE_OK with v filled (v->ok false when the
 * chain is broken), or a database error.
 */
enum cerr	 audit_verify(struct db *, struct audit_verdict *v);

#endif
