/* Checking a second-factor code, for sign-in and for step-up (stepup.h). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "conf.h"
#include "crypto.h"
#include "db.h"
#include "req.h"
#include "stepup.h"
#include "user.h"

static const char SQL_LOCK_USER[] =
    "SELECT mfa_secret, mfa_pending, mfa_last_step FROM users WHERE id = ? FOR UPDATE";
static const char SQL_CONFIRM[] =
    "UPDATE users SET mfa_secret = mfa_pending, mfa_pending = NULL, mfa_last_step = ?,"
    " updated_at = UTC_TIMESTAMP(6) WHERE id = ?";
static const char SQL_USED[] =
    "UPDATE users SET mfa_last_step = ? WHERE id = ?";

enum cerr
stepup_check(struct req *r, const char *code, bool pending, enum stepup_outcome *out,
    int64_t *wait)
{
	struct db_res	*res;
	unsigned char	 key[TOTP_SECRET_MAX];
	char		 subject[24];
	const char	*sealed;
	size_t		 sealed_len, keylen = 0;
	bool		 ok = false;
	int64_t		 last;
	enum cerr	 rc;

	*out = STEPUP_WRONG;
	*wait = 0;
	(void)snprintf(subject, sizeof(subject), "%" PRId64, r->who.user_id);
	if ((rc = throttle_wait(r, NULL, NULL, subject, wait)) != CE_OK)
		return rc;
	if (*wait > 0) {
		*out = STEPUP_WAIT;
		return CE_OK;
	}
	if ((rc = db_begin(r->db)) != CE_OK ||
	    (rc = db_exec(r->db, r->pool, &res, SQL_LOCK_USER, "i", r->who.user_id)) != CE_OK)
		return rc;
	if (res->nrows != 1)
		return CE_NOTFOUND;
	sealed = res->rows[0][pending ? 1 : 0];
	sealed_len = res->lens[0][pending ? 1 : 0];
	last = db_int(res->rows[0][2]);
	if (sealed == NULL) {
		db_rollback(r->db);
		*out = STEPUP_NO_SECRET;
		return CE_OK;
	}
	if (sealed_len > sizeof(key) + SEAL_OVERHEAD ||
	    crypto_open(conf_secret_key(), TOTP_SEAL_LABEL, (const unsigned char *)sealed,
	    sealed_len, key, &keylen) != CE_OK)
		return CE_CRYPTO;
	if (code != NULL && *code != '\0')
		ok = totp_verify(key, keylen, code, (uint64_t)time(NULL), &last);
	explicit_bzero(key, sizeof(key));
	if (!ok) {
		*out = STEPUP_WRONG;
		return throttle_fail(r, TH_MFA, subject);
	}
	if ((rc = db_exec(r->db, r->pool, NULL, pending ? SQL_CONFIRM : SQL_USED, "ii", last,
	    r->who.user_id)) != CE_OK ||
	    (rc = throttle_clear(r, TH_MFA, subject)) != CE_OK)
		return rc;
	*out = STEPUP_OK;
	return CE_OK;
}
