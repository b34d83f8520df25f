/* Sign-in, sign-out, registration. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "audit.h"
#include "auth.h"
#include "conf.h"
#include "crypto.h"
#include "db.h"
#include "log.h"
#include "password.h"
#include "pool.h"
#include "reply.h"
#include "req.h"
#include "session.h"
#include "user.h"

static const char SQL_BY_EMAIL[] =
    "SELECT id, password_hash, role, disabled, COALESCE(gmc_number, gphc_number)"
    " FROM users WHERE email = ?";
static const char SQL_REHASH[] =
    "UPDATE users SET password_hash = ?, updated_at = UTC_TIMESTAMP(6) WHERE id = ?";

/* A hash to check against when the email is unknown, so both cases cost the same. */
static char	dummy_hash[PWHASH_MAX];

int
auth_init(void)
{
	unsigned char	raw[18];
	char		pw[32];

	if (conf_secret_key() == NULL) {
		log_err("secret_key is not set: second-factor secrets cannot be sealed "
		    "(make one with: openssl rand -hex 32)");
		return 78;	/* EX_CONFIG */
	}
	/* A random password nobody knows, hashed with today's parameters. */
	if (crypto_random(raw, sizeof(raw)) != CE_OK)
		return 71;
	base64url_encode(raw, sizeof(raw), pw);
	if (pwhash_make(pw, (int)conf.scrypt_log_n, (int)conf.scrypt_r, (int)conf.scrypt_p,
	    dummy_hash) != CE_OK) {
		log_err("cannot compute the timing-equaliser hash");
		return 71;
	}
	return 0;
}

struct json_object *
auth_session_json(struct req *r)
{
	struct json_object	*o, *u, *p;
	const char		*why;

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	if ((u = json_object_new_object()) == NULL) {
		json_object_put(o);
		return NULL;
	}
	json_object_object_add(u, "id", json_object_new_int64(r->who.user_id));
	json_object_object_add(u, "role", json_object_new_string(role_name(r->who.role)));
	json_object_object_add(u, "email", json_object_new_string(r->who.email));
	json_object_object_add(u, "given_name", json_object_new_string(r->who.given_name));
	json_object_object_add(u, "family_name", json_object_new_string(r->who.family_name));
	if (r->who.reg_number != NULL)
		json_object_object_add(u, "registration_number",
		    json_object_new_string(r->who.reg_number));
	json_object_object_add(o, "user", u);
	json_object_object_add(o, "mfa_required", json_object_new_boolean(session_mfa_pending(r)));
	json_object_object_add(o, "mfa_enrolled", json_object_new_boolean(r->who.mfa_enrolled));
	json_object_object_add(o, "csrf_token", json_object_new_string(r->who.csrf_token));
	p = r->who.preferences != NULL ?
	    req_parse_json(r->who.preferences, strlen(r->who.preferences), &why) : NULL;
	json_object_object_add(o, "preferences", p != NULL ? p : json_object_new_object());
	return o;
}

static int
fail_login(struct req *r, int64_t uid, const char *role, const char *reg,
    const char *email, const char *why)
{
	struct json_object	*d;
	enum cerr		 rc;
	char			 id[24];

	(void)snprintf(id, sizeof(id), "%" PRId64, uid);
	if ((rc = db_begin(r->db)) != CE_OK)
		return reply_db(r, rc);
	d = json_object_new_object();
	json_object_object_add(d, "email", json_object_new_string(email));
	json_object_object_add(d, "reason", json_object_new_string(why));
	if ((rc = throttle_fail(r, TH_ACCOUNT, email)) != CE_OK ||
	    (rc = throttle_fail(r, TH_ADDRESS, r->remote_addr)) != CE_OK ||
	    (rc = audit_as(r, uid, role, reg, "auth.login", "user", uid ? id : NULL,
	    "failure", d, true)) != CE_OK)
		return reply_db(r, rc);
	return reply_problem(r, 401, "invalid-credentials", "Email or password is incorrect",
	    "Check both and try again.");
}

int
auth_login(struct req *r)
{
	const char		*email = r->in.vals[0].s, *pw = r->in.vals[1].s;
	struct db_res		*res;
	struct json_object	*d;
	char			**row, newhash[PWHASH_MAX], id[24];
	int64_t			 wait, uid;
	enum cerr		 rc;

	if ((rc = throttle_wait(r, email, r->remote_addr, NULL, &wait)) != CE_OK)
		return reply_db(r, rc);
	if (wait > 0) {
		d = json_object_new_object();
		json_object_object_add(d, "email", json_object_new_string(email));
		if ((rc = db_begin(r->db)) != CE_OK ||
		    (rc = audit_as(r, 0, NULL, NULL, "auth.login", "user", NULL, "throttled",
		    d, true)) != CE_OK)
			return reply_db(r, rc);
		return throttle_reply(r, wait);
	}
	if ((rc = db_exec(r->db, r->pool, &res, SQL_BY_EMAIL, "s", email)) != CE_OK)
		return reply_db(r, rc);
	if (res->nrows == 0) {
		(void)pwhash_verify(pw, dummy_hash);
		return fail_login(r, 0, NULL, NULL, email, "unknown email");
	}
	row = res->rows[0];
	uid = db_int(row[0]);
	rc = pwhash_verify(pw, row[1]);
	if (rc == CE_CRYPTO)
		return reply_internal(r, "password check failed");
	if (rc != CE_OK)
		return fail_login(r, uid, row[2], row[4], email, "wrong password");
	if (db_int(row[3]) != 0)
		return fail_login(r, uid, row[2], row[4], email, "account disabled");

	(void)snprintf(id, sizeof(id), "%" PRId64, uid);
	if ((rc = db_begin(r->db)) != CE_OK)
		return reply_db(r, rc);
	if (pwhash_needs_rehash(row[1], (int)conf.scrypt_log_n, (int)conf.scrypt_r,
	    (int)conf.scrypt_p)) {
		if (pwhash_make(pw, (int)conf.scrypt_log_n, (int)conf.scrypt_r,
		    (int)conf.scrypt_p, newhash) != CE_OK)
			return reply_internal(r, "rehash failed");
		if ((rc = db_exec(r->db, r->pool, NULL, SQL_REHASH, "si", newhash, uid)) != CE_OK)
			return reply_db(r, rc);
	}
	/* mfa_done starts false; session_mfa_pending() decides whether it matters. */
	if ((rc = throttle_clear(r, TH_ACCOUNT, email)) != CE_OK ||
	    (rc = session_start(r, uid, false)) != CE_OK)
		return reply_db(r, rc);
	if (!session_mfa_pending(r))
		r->who.mfa_done = true;
	d = json_object_new_object();
	json_object_object_add(d, "mfa_pending", json_object_new_boolean(session_mfa_pending(r)));
	if ((rc = audit_commit(r, "auth.login", "user", id, "success", d)) != CE_OK)
		return reply_db(r, rc);
	return reply_json(r, 200, auth_session_json(r));
}

int
auth_logout(struct req *r)
{
	char		id[24];
	enum cerr	rc;

	(void)snprintf(id, sizeof(id), "%" PRId64, r->who.user_id);
	if ((rc = db_begin(r->db)) != CE_OK ||
	    (rc = session_end(r)) != CE_OK ||
	    (rc = audit_commit(r, "auth.logout", "user", id, "success", NULL)) != CE_OK)
		return reply_db(r, rc);
	return reply_empty(r, 204);
}

int
auth_register(struct req *r)
{
	struct new_user		 u;
	struct json_object	*d;
	const char		*why;
	char			 id[24];
	int64_t			 uid;
	enum cerr		 rc;

	memset(&u, 0, sizeof(u));
	u.email = r->in.vals[0].s;
	u.password = r->in.vals[1].s;
	u.given_name = r->in.vals[2].s;
	u.family_name = r->in.vals[3].s;
	u.date_of_birth = r->in.vals[4].s;
	u.role = "patient";
	{
		struct verr	errs[2];
		size_t		n = 0;

		if ((why = password_policy(u.password, u.email)) != NULL)
			errs[n++] = (struct verr){ "password", why };
		if (strcmp(u.date_of_birth, "1900-01-01") < 0)
			errs[n++] = (struct verr){ "date_of_birth", "must be after 1900" };
		if (n > 0)
			return reply_invalid(r, 422, errs, n);
	}
	if ((rc = db_begin(r->db)) != CE_OK)
		return reply_db(r, rc);
	/* Dates in the future are refused against the database clock. */
	{
		struct db_res	*res;
		static const char SQL_FUTURE[] = "SELECT ? > UTC_DATE()";

		if ((rc = db_exec(r->db, r->pool, &res, SQL_FUTURE, "s", u.date_of_birth)) != CE_OK)
			return reply_db(r, rc);
		if (res->nrows == 1 && db_int(res->rows[0][0]) == 1) {
			db_rollback(r->db);
			return reply_field(r, 422, "date_of_birth", "must not be in the future");
		}
	}
	rc = user_create(r->db, r->pool, &u, &uid);
	if (rc == CE_DUPLICATE) {
		db_rollback(r->db);
		return reply_field(r, 409, "email",
		    "is already registered: sign in instead, or use another address");
	}
	if (rc != CE_OK || (rc = session_start(r, uid, true)) != CE_OK)
		return reply_db(r, rc);
	(void)snprintf(id, sizeof(id), "%" PRId64, uid);
	d = json_object_new_object();
	json_object_object_add(d, "role", json_object_new_string("patient"));
	json_object_object_add(d, "via", json_object_new_string("self-registration"));
	if ((rc = audit_commit(r, "user.registered", "user", id, "success", d)) != CE_OK)
		return reply_db(r, rc);
	return reply_json(r, 201, auth_session_json(r));
}
