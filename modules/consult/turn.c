/* TURN REST credentials for coturn's use-auth-secret (pure: unit-tested). */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "consult.h"
#include "crypto.h"

enum cerr
turn_credential(const char *secret, size_t secretlen, int64_t user_id, int64_t expiry,
    char user[TURN_USER_MAX], char cred[TURN_CRED_MAX])
{
	unsigned char	mac[64];
	size_t		maclen = 0;
	int		n;

	n = snprintf(user, TURN_USER_MAX, "%" PRId64 ":%" PRId64, expiry, user_id);
	if (n < 0 || n >= TURN_USER_MAX)
		return CE_INVALID;
	if (crypto_hmac("SHA1", secret, secretlen, user, (size_t)n, mac, &maclen) != CE_OK ||
	    maclen != 20)
		return CE_CRYPTO;
	/* Standard base64 with padding, as coturn computes it: 28 characters. */
	if (EVP_EncodeBlock((unsigned char *)cred, mac, (int)maclen) != 28)
		return CE_CRYPTO;
	return CE_OK;
}
