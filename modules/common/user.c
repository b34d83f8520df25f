#include <string.h>

#include "conf.h"
#include "crypto.h"
#include "db.h"
#include "user.h"

static const char SQL_INSERT[] =
    "INSERT INTO users (email, password_hash, role, given_name, family_name, date_of_birth,"
    " gmc_number, gphc_number, specialist, mfa_secret, created_at, updated_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))";

enum cerr
user_create(struct db *db, struct pool *pool, const struct new_user *u, int64_t *id)
{
	unsigned char	 sealed[TOTP_SECRET_MAX + SEAL_OVERHEAD];
	const unsigned char *key = conf_secret_key();
	char		 hash[PWHASH_MAX];
	size_t		 sealed_len = 0;
	enum cerr	 rc;

	if (u->totp_secret != NULL) {
		if (key == NULL)
			return CE_CONF;
		if (u->totp_len > TOTP_SECRET_MAX)
			return CE_INVALID;
		if ((rc = crypto_seal(key, TOTP_SEAL_LABEL, u->totp_secret, u->totp_len,
		    sealed)) != CE_OK)
			return rc;
		sealed_len = u->totp_len + SEAL_OVERHEAD;
	}
	if ((rc = pwhash_make(u->password, (int)conf.scrypt_log_n, (int)conf.scrypt_r,
	    (int)conf.scrypt_p, hash)) != CE_OK)
		return rc;
	if ((rc = db_exec(db, pool, NULL, SQL_INSERT, "ssssssssib", u->email, hash, u->role,
	    u->given_name, u->family_name, u->date_of_birth, u->gmc_number, u->gphc_number,
	    (int64_t)(u->specialist ? 1 : 0), u->totp_secret != NULL ? sealed : NULL,
	    sealed_len)) != CE_OK)
		return rc;
	*id = (int64_t)db_insert_id(db);
	return CE_OK;
}
