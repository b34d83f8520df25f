#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "crypto.h"
#include "webhook.h"

#define MAC_LEN		32	/* HMAC-SHA256 */
#define MAC_B64_LEN	44	/* its standard base64, padded */


const char *
webhook_verdict_str(enum webhook_verdict v)
{
	switch (v) {
	case WEBHOOK_OK:
		return "ok";
	case WEBHOOK_MISSING:
		return "missing_header";
	case WEBHOOK_MALFORMED:
		return "malformed";
	case WEBHOOK_BAD_TIMESTAMP:
		return "bad_timestamp";
	case WEBHOOK_STALE:
		return "stale";
	case WEBHOOK_BAD_SIGNATURE:
		return "bad_signature";
	case WEBHOOK_ERROR:
		return "error";
	case WEBHOOK__MAX:
		break;
	}
	return "unknown";
}

static bool
secret_ok(const unsigned char *secret, size_t len)
{
	return secret != NULL && len >= WEBHOOK_SECRET_MIN && len <= WEBHOOK_SECRET_MAX;
}

/* 1..WEBHOOK_ID_MAX characters 0x21..0x7e; reads at most WEBHOOK_ID_MAX + 1 bytes. */
static bool
id_ok(const char *id)
{
	size_t		n;
	unsigned char	c;

	for (n = 0; id[n] != '\0'; n++) {
		c = (unsigned char)id[n];
		if (n == WEBHOOK_ID_MAX || c < 0x21 || c > 0x7e)
			return false;
	}
	return n > 0;
}

const char *
webhook_printable_id(const char *id)
{
	return id != NULL && id_ok(id) ? id : NULL;
}

/*
 * Canonical decimal Unix seconds in 1..WEBHOOK_TS_MAX: digits only, no sign,
 * no leading zero, at most 12 of them (reads at most 13 bytes).
 */
static bool
ts_parse(const char *s, int64_t *out)
{
	size_t		 n;
	long long	 v;
	char		*end;

	for (n = 0; s[n] != '\0'; n++)
		if (n == 12 || s[n] < '0' || s[n] > '9')
			return false;
	if (n == 0 || s[0] == '0')
		return false;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end != s + n || v < 1 || v > WEBHOOK_TS_MAX)
		return false;
	*out = (int64_t)v;
	return true;
}

/* More than tol seconds between ts (1..WEBHOOK_TS_MAX) and now, either way. */
static bool
stale(int64_t ts, int64_t now, uint32_t tol)
{
	uint64_t	d;

	/* Unsigned arithmetic: the true distance is below 2^64 for any now. */
	d = ts > now ? (uint64_t)ts - (uint64_t)now : (uint64_t)now - (uint64_t)ts;
	return d > tol;
}

/* out = HMAC-SHA256(key, id "." ts "." body), streamed: nothing is copied. */
static enum cerr
mac_compute(const unsigned char *key, size_t keylen, const char *id, const char *ts,
    const void *body, size_t bodylen, unsigned char out[MAC_LEN])
{
	static char	 digest[] = "SHA256";
	EVP_MAC		*mac;
	EVP_MAC_CTX	*ctx = NULL;
	OSSL_PARAM	 params[2];
	size_t		 n = 0;
	enum cerr	 rc = CE_CRYPTO;

	if ((mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL)
		return CE_CRYPTO;
	if ((ctx = EVP_MAC_CTX_new(mac)) == NULL)
		goto done;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, digest, 0);
	params[1] = OSSL_PARAM_construct_end();
	if (EVP_MAC_init(ctx, key, keylen, params) != 1 ||
	    EVP_MAC_update(ctx, (const unsigned char *)id, strlen(id)) != 1 ||
	    EVP_MAC_update(ctx, (const unsigned char *)".", 1) != 1 ||
	    EVP_MAC_update(ctx, (const unsigned char *)ts, strlen(ts)) != 1 ||
	    EVP_MAC_update(ctx, (const unsigned char *)".", 1) != 1)
		goto done;
	if (bodylen > 0 && EVP_MAC_update(ctx, body, bodylen) != 1)
		goto done;
	if (EVP_MAC_final(ctx, out, &n, MAC_LEN) != 1 || n != MAC_LEN)
		goto done;
	rc = CE_OK;
done:
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	return rc;
}

enum cerr
webhook_sign(const unsigned char *secret, size_t secretlen, const char *id,
    int64_t timestamp, const void *body, size_t bodylen, char out[WEBHOOK_SIG_LEN])
{
	unsigned char	mac[MAC_LEN];
	char		ts[24];
	int		n;
	enum cerr	rc;

	out[0] = '\0';
	if (!secret_ok(secret, secretlen) || id == NULL || !id_ok(id) ||
	    timestamp < 1 || timestamp > WEBHOOK_TS_MAX || (body == NULL && bodylen > 0))
		return CE_INVALID;
	n = snprintf(ts, sizeof(ts), "%lld", (long long)timestamp);
	if (n < 0 || (size_t)n >= sizeof(ts))
		return CE_INVALID;
	if ((rc = mac_compute(secret, secretlen, id, ts, body, bodylen, mac)) != CE_OK)
		return rc;
	memcpy(out, "v1,", 3);
	base64_encode(mac, MAC_LEN, out + 3);
	return CE_OK;
}

enum webhook_verdict
webhook_verify(const unsigned char *secret, size_t secretlen, const char *id,
    const char *timestamp, const char *signature, const void *body, size_t bodylen,
    int64_t now, uint32_t tolerance)
{
	unsigned char	 mac[MAC_LEN];
	char		 want[MAC_B64_LEN + 1];
	const char	*p, *e, *end;
	size_t		 siglen;
	int64_t		 ts;
	bool		 match = false;

	if (id == NULL || timestamp == NULL || signature == NULL)
		return WEBHOOK_MISSING;
	if (!secret_ok(secret, secretlen) || (body == NULL && bodylen > 0) || !id_ok(id))
		return WEBHOOK_MALFORMED;
	siglen = strnlen(signature, WEBHOOK_SIGHDR_MAX + 1);
	if (siglen == 0 || siglen > WEBHOOK_SIGHDR_MAX)
		return WEBHOOK_MALFORMED;
	if (!ts_parse(timestamp, &ts))
		return WEBHOOK_BAD_TIMESTAMP;
	if (stale(ts, now, tolerance))
		return WEBHOOK_STALE;
	/* timestamp is canonical, so it is exactly what the sender signed. */
	if (mac_compute(secret, secretlen, id, timestamp, body, bodylen, mac) != CE_OK)
		return WEBHOOK_ERROR;
	base64_encode(mac, MAC_LEN, want);
	end = signature + siglen;
	for (p = signature; p < end; p = e + 1) {
		if ((e = memchr(p, ' ', (size_t)(end - p))) == NULL)
			e = end;
		/* Every v1 entry is compared, so the time does not say which matched. */
		if ((size_t)(e - p) == 3 + MAC_B64_LEN && memcmp(p, "v1,", 3) == 0 &&
		    crypto_equal(p + 3, want, MAC_B64_LEN))
			match = true;
	}
	return match ? WEBHOOK_OK : WEBHOOK_BAD_SIGNATURE;
}

enum cerr
webhook_secret_decode(const char *text, unsigned char out[WEBHOOK_SECRET_MAX],
    size_t *outlen)
{
	size_t	len;
	long	n;

	*outlen = 0;
	if (text == NULL || strncmp(text, "whsec_", 6) != 0)
		return CE_INVALID;
	len = strnlen(text + 6, WEBHOOK_SECRET_TEXT_MAX);
	if (len >= WEBHOOK_SECRET_TEXT_MAX - 6)
		return CE_INVALID;
	if ((n = base64_decode(text + 6, len, out, WEBHOOK_SECRET_MAX)) < WEBHOOK_SECRET_MIN)
		return CE_INVALID;
	*outlen = (size_t)n;
	return CE_OK;
}

enum cerr
webhook_secret_encode(const unsigned char *secret, size_t n,
    char out[WEBHOOK_SECRET_TEXT_MAX])
{
	out[0] = '\0';
	if (!secret_ok(secret, n))
		return CE_INVALID;
	memcpy(out, "whsec_", 6);
	base64_encode(secret, n, out + 6);
	return CE_OK;
}
