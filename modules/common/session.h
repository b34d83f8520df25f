#ifndef CLINIC_SESSION_H
#define CLINIC_SESSION_H
/*
 * Cookie sessions. The cookie holds a 256-bit random token (base64url); the
 * database holds only its SHA-256. Sessions end after conf.session_idle_seconds
 * without use or conf.session_absolute_seconds after sign-in. last_seen is
 * written at most every conf.session_touch_seconds.
 *
 * Cookie: "__Host-clinic_session=...; Path=/; Secure; HttpOnly; SameSite=Strict",
 * or "clinic_session=...; Path=/; HttpOnly; SameSite=Strict" when
 * cookie_mode = insecure-dev and the request came over plain http from a
 * loopback address.
 */
#include <stdbool.h>
#include <stdint.h>

#include "err.h"

struct db;
struct pool;

struct req;

/*
 * Reads the session cookie and fills r->who when it names a live session.
 * No cookie, an unknown token or an expired session leave r->who.user_id 0
 * (an expired session is deleted and *expired set). Returns CE_OK or a
 * database error.
 */
enum cerr	 session_load(struct req *, bool *expired);
/*
 * Starts a new session for user_id (ending r's current session, if any: the
 * token is rotated at every privilege change) and adds its Set-Cookie header
 * to the reply. Must run inside the caller's transaction. Fills r->who from
 * the users row. CE_OK or a database/crypto error.
 */
enum cerr	 session_start(struct req *, int64_t user_id, bool mfa_done);
/* Ends r's session and adds a clearing Set-Cookie. In the caller's transaction. */
enum cerr	 session_end(struct req *);
/*
 * Deletes sessions past their idle or absolute limit and sign-in failure
 * records older than the back-off window: what is no longer needed is not
 * kept. *sessions and *throttles are set to the rows removed. Runs in its
 * own statements (autocommit); used by `clinic purge`.
 */
enum cerr	 session_purge(struct db *, struct pool *, uint64_t *sessions,
		    uint64_t *throttles);
/* Ends every session of user_id except r's own. */
enum cerr	 session_end_others(struct req *, int64_t user_id);
/* True when the X-CSRF-Token header matches the session's token. */
bool		 session_csrf_ok(const struct req *);
/* True when r's principal must still pass the second factor. */
bool		 session_mfa_pending(const struct req *);
/* The cookie name in force for this request. */
const char	*session_cookie_name(const struct req *);

#endif
