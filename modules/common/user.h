#ifndef CLINIC_USER_H
#define CLINIC_USER_H
/*
 * Creating people: the one place a users row is written, shared by
 * self-registration (auth module) and staff provisioning (clinic create-user).
 */
#include <stdbool.h>
#include <stdint.h>

#include "err.h"

struct db;
struct pool;

/*
 * Second-factor secrets are stored sealed (crypto_seal) under the
 * configuration's secret_key with this label, in users.mfa_secret and
 * users.mfa_pending.
 */
#define TOTP_SEAL_LABEL	"clinic-totp-secret-v1"
#define TOTP_SECRET_MAX	32	/* raw bytes */

struct new_user {
	const char	*email;		/* already validated and lower-cased */
	const char	*password;	/* already checked against the policy */
	const char	*role;		/* "patient", "clinician", ... */
	const char	*given_name;
	const char	*family_name;
	const char	*date_of_birth;	/* YYYY-MM-DD or NULL */
	const char	*gmc_number;	/* clinicians */
	const char	*gphc_number;	/* pharmacists */
	bool		 specialist;
	const unsigned char *totp_secret;	/* pre-enrolled second factor (raw), or NULL */
	size_t		 totp_len;
};

/*
 * Hashes the password (scrypt with conf's parameters), seals any TOTP secret
 * (CE_CONF when no secret_key is configured, CE_INVALID when it is longer
 * than TOTP_SECRET_MAX) and inserts the row in the caller's transaction.
 * Sets *id. Returns CE_OK, CE_DUPLICATE (email taken), or a database/crypto
 * error. Does not audit: the caller does, with its own actor.
 */
enum cerr	user_create(struct db *, struct pool *, const struct new_user *, int64_t *id);

#endif
