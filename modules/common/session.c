#include <string.h>

#include "conf.h"
#include "crypto.h"
#include "db.h"
#include "log.h"
#include "pool.h"
#include "reply.h"
#include "req.h"
#include "session.h"

#define TOKEN_BYTES	32
#define TOKEN_CHARS	43	/* base64url of 32 bytes */

/* The person's columns, in the order who_fill() reads them. */
#define WHO_COLUMNS \
    " u.role, u.email, u.given_name, u.family_name, COALESCE(u.gmc_number, u.gphc_number)," \
    " u.mfa_secret IS NOT NULL, u.preferences"

static const char SQL_LOAD[] =
    "SELECT s.user_id, s.csrf_token, s.mfa_done,"
    " TIMESTAMPDIFF(SECOND, s.last_seen, UTC_TIMESTAMP(6)),"
    " TIMESTAMPDIFF(SECOND, s.created_at, UTC_TIMESTAMP(6)), u.disabled,"
    " DATE_FORMAT(s.created_at, '%Y-%m-%dT%H:%i:%sZ'),"
    WHO_COLUMNS
    " FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?";
static const char SQL_TOUCH[] =
    "UPDATE sessions SET last_seen = UTC_TIMESTAMP(6) WHERE token_hash = ?";
static const char SQL_DELETE[] =
    "DELETE FROM sessions WHERE token_hash = ?";
static const char SQL_INSERT[] =
    "INSERT INTO sessions (token_hash, user_id, csrf_token, mfa_done, created_at,"
    " last_seen, client_addr, user_agent)"
    " VALUES (?, ?, ?, ?, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), ?, LEFT(?, 255))";
static const char SQL_PURGE_SESSIONS[] =
    "DELETE FROM sessions WHERE last_seen < UTC_TIMESTAMP(6) - INTERVAL ? SECOND"
    " OR created_at < UTC_TIMESTAMP(6) - INTERVAL ? SECOND";
static const char SQL_PURGE_USER[] =
    "DELETE FROM sessions WHERE user_id = ? AND (last_seen < UTC_TIMESTAMP(6) - INTERVAL ? SECOND"
    " OR created_at < UTC_TIMESTAMP(6) - INTERVAL ? SECOND)";
static const char SQL_PURGE_THROTTLE[] =
    "DELETE FROM login_throttle WHERE last_failure < UTC_TIMESTAMP(6) - INTERVAL ? SECOND"
    " AND (blocked_until IS NULL OR blocked_until < UTC_TIMESTAMP(6))";
static const char SQL_OTHERS[] =
    "DELETE FROM sessions WHERE user_id = ? AND token_hash <> ?";
static const char SQL_USER[] =
    "SELECT DATE_FORMAT(UTC_TIMESTAMP(), '%Y-%m-%dT%H:%i:%sZ')," WHO_COLUMNS
    " FROM users u WHERE u.id = ?";

static bool
loopback(const char *addr)
{
	return addr != NULL && (strncmp(addr, "127.", 4) == 0 || strcmp(addr, "::1") == 0);
}

/*
 * The insecure development cookie is used only over plain http from the
 * machine itself; anyone else always gets the __Host- Secure cookie, which a
 * browser keeps only over TLS — so a mis-set cookie_mode cannot leak
 * sessions over a network.
 */
const char *
session_cookie_name(const struct req *r)
{
	return (!r->tls && conf_insecure_cookies() && loopback(r->remote_addr)) ?
	    "clinic_session" : "__Host-clinic_session";
}

static void
clear_who(struct req *r)
{
	memset(&r->who, 0, sizeof(r->who));
}

/* Fills r->who's person fields from WHO_COLUMNS at row[0..]. */
static void
who_fill(struct req *r, char **row)
{
	r->who.role = role_from_name(row[0]);
	r->who.email = row[1];
	r->who.given_name = row[2];
	r->who.family_name = row[3];
	r->who.reg_number = row[4];
	r->who.mfa_enrolled = db_int(row[5]) != 0;
	r->who.preferences = row[6];
}

enum cerr
session_load(struct req *r, bool *expired)
{
	struct db_res	*res;
	unsigned char	 raw[TOKEN_BYTES + 4];
	char		*tok;
	char		**row;
	enum cerr	 rc;
	int64_t		 idle, age;

	*expired = false;
	clear_who(r);
	if ((tok = req_cookie(r->pool, r->cookie_header, session_cookie_name(r))) == NULL)
		return CE_OK;
	if (strlen(tok) != TOKEN_CHARS ||
	    base64url_decode(tok, raw, sizeof(raw)) != TOKEN_BYTES)
		return CE_OK;
	if ((rc = crypto_sha256(raw, TOKEN_BYTES, r->who.token_hash)) != CE_OK)
		return rc;
	if ((rc = db_exec(r->db, r->pool, &res, SQL_LOAD, "b", r->who.token_hash,
	    (size_t)SHA256_LEN)) != CE_OK)
		return rc;
	if (res->nrows != 1) {
		clear_who(r);
		return CE_OK;
	}
	row = res->rows[0];
	idle = db_int(row[3]);
	age = db_int(row[4]);
	if (idle > conf.session_idle_seconds || age > conf.session_absolute_seconds ||
	    db_int(row[5]) != 0) {
		rc = db_exec(r->db, r->pool, NULL, SQL_DELETE, "b", r->who.token_hash,
		    (size_t)SHA256_LEN);
		clear_who(r);
		*expired = true;
		return rc;
	}
	r->who.user_id = db_int(row[0]);
	r->who.csrf_token = row[1];
	r->who.mfa_done = db_int(row[2]) != 0;
	r->who.created_at = row[6];
	who_fill(r, row + 7);
	if (idle >= conf.session_touch_seconds &&
	    (rc = db_exec(r->db, r->pool, NULL, SQL_TOUCH, "b", r->who.token_hash,
	    (size_t)SHA256_LEN)) != CE_OK)
		return rc;
	return CE_OK;
}

static int
set_cookie(struct req *r, const char *value, bool clear)
{
	const char	*name = session_cookie_name(r);
	bool		 secure = strncmp(name, "__Host-", 7) == 0;
	char		*c;

	c = pool_printf(r->pool, "%s=%s; Path=/;%s HttpOnly; SameSite=Strict%s", name,
	    value, secure ? " Secure;" : "", clear ? "; Max-Age=0" : "");
	return c == NULL ? -1 : reply_header(r, "Set-Cookie", c);
}

enum cerr
session_start(struct req *r, int64_t user_id, bool mfa_done)
{
	unsigned char	 raw[TOKEN_BYTES], csrf_raw[TOKEN_BYTES];
	char		 tok[TOKEN_CHARS + 1], csrf[TOKEN_CHARS + 1];
	struct db_res	*res;
	char		**row;
	enum cerr	 rc;

	if (r->who.user_id != 0 && (rc = db_exec(r->db, r->pool, NULL, SQL_DELETE, "b",
	    r->who.token_hash, (size_t)SHA256_LEN)) != CE_OK)
		return rc;
	/* The person's own ended sessions go as a new one starts. */
	if ((rc = db_exec(r->db, r->pool, NULL, SQL_PURGE_USER, "iii", user_id,
	    (int64_t)conf.session_idle_seconds, (int64_t)conf.session_absolute_seconds)) != CE_OK)
		return rc;
	if ((rc = crypto_random(raw, sizeof(raw))) != CE_OK ||
	    (rc = crypto_random(csrf_raw, sizeof(csrf_raw))) != CE_OK)
		return rc;
	base64url_encode(raw, sizeof(raw), tok);
	base64url_encode(csrf_raw, sizeof(csrf_raw), csrf);
	if ((rc = crypto_sha256(raw, sizeof(raw), r->who.token_hash)) != CE_OK)
		return rc;
	if ((rc = db_exec(r->db, r->pool, NULL, SQL_INSERT, "bisiss", r->who.token_hash,
	    (size_t)SHA256_LEN, user_id, csrf, (int64_t)(mfa_done ? 1 : 0),
	    r->remote_addr, r->user_agent)) != CE_OK)
		return rc;
	if ((rc = db_exec(r->db, r->pool, &res, SQL_USER, "i", user_id)) != CE_OK)
		return rc;
	if (res->nrows != 1)
		return CE_NOTFOUND;
	row = res->rows[0];
	r->who.user_id = user_id;
	r->who.mfa_done = mfa_done;
	r->who.created_at = row[0];
	who_fill(r, row + 1);
	if ((r->who.csrf_token = pool_strdup(r->pool, csrf)) == NULL ||
	    set_cookie(r, tok, false) == -1)
		return CE_NOMEM;
	return CE_OK;
}

enum cerr
session_end(struct req *r)
{
	enum cerr	rc;

	if (r->who.user_id == 0)
		return CE_OK;
	if ((rc = db_exec(r->db, r->pool, NULL, SQL_DELETE, "b", r->who.token_hash,
	    (size_t)SHA256_LEN)) != CE_OK)
		return rc;
	return set_cookie(r, "", true) == -1 ? CE_NOMEM : CE_OK;
}

enum cerr
session_end_others(struct req *r, int64_t user_id)
{
	return db_exec(r->db, r->pool, NULL, SQL_OTHERS, "ib", user_id,
	    r->who.token_hash, (size_t)SHA256_LEN);
}

bool
session_csrf_ok(const struct req *r)
{
	size_t	n;

	if (r->csrf_header == NULL || r->who.csrf_token == NULL)
		return false;
	n = strlen(r->who.csrf_token);
	return strlen(r->csrf_header) == n &&
	    crypto_equal(r->csrf_header, r->who.csrf_token, n);
}

bool
session_mfa_pending(const struct req *r)
{
	if (r->who.user_id == 0 || r->who.mfa_done)
		return false;
	return (r->who.role & ROLE_STAFF) != 0 || r->who.mfa_enrolled;
}

enum cerr
session_purge(struct db *db, struct pool *pool, uint64_t *sessions, uint64_t *throttles)
{
	enum cerr	rc;

	*sessions = *throttles = 0;
	if ((rc = db_exec(db, pool, NULL, SQL_PURGE_SESSIONS, "ii",
	    (int64_t)conf.session_idle_seconds, (int64_t)conf.session_absolute_seconds)) != CE_OK)
		return rc;
	*sessions = db_affected(db);
	if ((rc = db_exec(db, pool, NULL, SQL_PURGE_THROTTLE, "i",
	    (int64_t)conf.login_backoff_window_seconds)) != CE_OK)
		return rc;
	*throttles = db_affected(db);
	return CE_OK;
}
