/* The signed-in person: who am I, preferences, password change. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "audit.h"
#include "auth.h"
#include "conf.h"
#include "crypto.h"
#include "db.h"
#include "password.h"
#include "pool.h"
#include "reply.h"
#include "req.h"
#include "session.h"

static const char SQL_SET_PREFS[] =
    "UPDATE users SET preferences = JSON_SET(preferences,"
    " '$.theme', COALESCE(?, JSON_VALUE(preferences, '$.theme'), 'system'),"
    " '$.text_size', COALESCE(?, JSON_VALUE(preferences, '$.text_size'), 'normal')),"
    " updated_at = UTC_TIMESTAMP(6) WHERE id = ?";
static const char SQL_HASH[] =
    "SELECT password_hash FROM users WHERE id = ? FOR UPDATE";
static const char SQL_SET_HASH[] =
    "UPDATE users SET password_hash = ?, updated_at = UTC_TIMESTAMP(6) WHERE id = ?";

int
auth_me(struct req *r)
{
	struct json_object	*o;

	if ((o = auth_session_json(r)) == NULL)
		return reply_internal(r, "out of memory");
	json_object_object_add(o, "session_started_at",
	    json_object_new_string(r->who.created_at != NULL ? r->who.created_at : ""));
	return reply_json(r, 200, o);
}

int
auth_preferences(struct req *r)
{
	struct json_object	*d, *p = NULL;
	const char		*why;
	char			 id[24];
	enum cerr		 rc;

	if (!r->in.vals[0].present && !r->in.vals[1].present)
		return reply_field(r, 422, "", "give theme, text_size or both");
	(void)snprintf(id, sizeof(id), "%" PRId64, r->who.user_id);
	/*
	 * The UPDATE merges under the row lock, so a concurrent change to the
	 * other key is kept; the reply is what this session knew plus its change.
	 */
	if ((rc = db_begin(r->db)) != CE_OK ||
	    (rc = db_exec(r->db, r->pool, NULL, SQL_SET_PREFS, "ssi", r->in.vals[0].s,
	    r->in.vals[1].s, r->who.user_id)) != CE_OK)
		return reply_db(r, rc);
	d = json_object_new_object();
	if (r->in.vals[0].present)
		json_object_object_add(d, "theme", json_object_new_string(r->in.vals[0].s));
	if (r->in.vals[1].present)
		json_object_object_add(d, "text_size", json_object_new_string(r->in.vals[1].s));
	/* audit_commit() takes d, and commits with the chain lock held only server-side. */
	if ((rc = audit_commit(r, "user.preferences_changed", "user", id, "success", d)) != CE_OK)
		return reply_db(r, rc);
	if (r->who.preferences != NULL)
		p = req_parse_json(r->who.preferences, strlen(r->who.preferences), &why);
	if (p == NULL && (p = json_object_new_object()) == NULL)
		return reply_internal(r, "out of memory");
	if (!json_object_object_get_ex(p, "theme", NULL))
		json_object_object_add(p, "theme", json_object_new_string("system"));
	if (!json_object_object_get_ex(p, "text_size", NULL))
		json_object_object_add(p, "text_size", json_object_new_string("normal"));
	if (r->in.vals[0].present)
		json_object_object_add(p, "theme", json_object_new_string(r->in.vals[0].s));
	if (r->in.vals[1].present)
		json_object_object_add(p, "text_size", json_object_new_string(r->in.vals[1].s));
	return reply_json(r, 200, p);
}

int
auth_password(struct req *r)
{
	const char	*cur = r->in.vals[0].s, *next = r->in.vals[1].s, *why;
	struct db_res	*res;
	char		 hash[PWHASH_MAX], id[24];
	int64_t		 wait;
	enum cerr	 rc;

	(void)snprintf(id, sizeof(id), "%" PRId64, r->who.user_id);
	if ((rc = throttle_wait(r, r->who.email, NULL, NULL, &wait)) != CE_OK)
		return reply_db(r, rc);
	if (wait > 0)
		return throttle_reply(r, wait);
	if ((rc = db_begin(r->db)) != CE_OK ||
	    (rc = db_exec(r->db, r->pool, &res, SQL_HASH, "i", r->who.user_id)) != CE_OK)
		return reply_db(r, rc);
	if (res->nrows != 1)
		return reply_internal(r, "user row vanished");
	rc = pwhash_verify(cur, res->rows[0][0]);
	if (rc == CE_CRYPTO)
		return reply_internal(r, "password check failed");
	if (rc != CE_OK) {
		if ((rc = throttle_fail(r, TH_ACCOUNT, r->who.email)) != CE_OK ||
		    (rc = audit_commit(r, "auth.password_change", "user", id, "failure", NULL)) != CE_OK)
			return reply_db(r, rc);
		return reply_field(r, 422, "current_password", "is not your current password");
	}
	if ((why = password_policy(next, r->who.email)) != NULL) {
		db_rollback(r->db);
		return reply_field(r, 422, "new_password", why);
	}
	if (strcmp(cur, next) == 0) {
		db_rollback(r->db);
		return reply_field(r, 422, "new_password", "must differ from the current password");
	}
	if (pwhash_make(next, (int)conf.scrypt_log_n, (int)conf.scrypt_r, (int)conf.scrypt_p,
	    hash) != CE_OK)
		return reply_internal(r, "password hash failed");
	if ((rc = db_exec(r->db, r->pool, NULL, SQL_SET_HASH, "si", hash, r->who.user_id)) != CE_OK ||
	    (rc = session_end_others(r, r->who.user_id)) != CE_OK ||
	    (rc = audit_commit(r, "auth.password_changed", "user", id, "success", NULL)) != CE_OK)
		return reply_db(r, rc);
	return reply_empty(r, 204);
}
