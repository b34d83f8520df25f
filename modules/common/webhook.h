#ifndef CLINIC_WEBHOOK_H
#define CLINIC_WEBHOOK_H
/*
 * Standard Webhooks (https://www.standardwebhooks.com), symmetric scheme:
 * the one mechanism both parties use to sign what they send and to check
 * what they receive. A message carries three headers:
 *
 *	webhook-id		the message id, 1..WEBHOOK_ID_MAX printable
 *				ASCII characters (0x21..0x7e), the same on every
 *				retry of the message
 *	webhook-timestamp	Unix seconds, decimal digits, no sign, no leading
 *				zero, at most WEBHOOK_TS_MAX
 *	webhook-signature	space-separated "<version>,<value>" entries; this
 *				side writes and checks "v1,<base64(HMAC-SHA256(
 *				secret, id "." timestamp "." body))>" (standard
 *				base64, padded) and ignores other versions
 *
 * Secrets are WEBHOOK_SECRET_MIN..WEBHOOK_SECRET_MAX random bytes; in
 * configuration they are written "whsec_<standard base64, padded>".
 *
 * Nothing here allocates: every output goes to a caller buffer of the size
 * named below, and the caller owns every argument. The functions keep no
 * state and may be called from any number of threads.
 */
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define WEBHOOK_SECRET_MIN	24	/* raw secret bytes, as the standard advises */
#define WEBHOOK_SECRET_MAX	64
/* "whsec_" + base64 of WEBHOOK_SECRET_MAX bytes + NUL. */
#define WEBHOOK_SECRET_TEXT_MAX	(6 + 4 * ((WEBHOOK_SECRET_MAX + 2) / 3) + 1)
#define WEBHOOK_ID_MAX		256	/* characters of webhook-id */
#define WEBHOOK_TS_MAX		253402300799LL	/* 9999-12-31T23:59:59Z */
#define WEBHOOK_SIGHDR_MAX	4096	/* bytes of webhook-signature */
/* One "v1," entry: 3 + base64 of 32 bytes (44) + NUL. */
#define WEBHOOK_SIG_LEN		48
#define WEBHOOK_TOLERANCE	300	/* seconds either side of now (default) */

/* What webhook_verify found. Append only. */
enum webhook_verdict {
	WEBHOOK_OK = 0,		/* fresh, and one v1 entry is the true signature */
	WEBHOOK_MISSING,	/* a header is absent (NULL) */
	WEBHOOK_MALFORMED,	/* id or signature header out of bounds, or bad secret */
	WEBHOOK_BAD_TIMESTAMP,	/* timestamp not canonical digits, or out of range */
	WEBHOOK_STALE,		/* timestamp more than the tolerance from now */
	WEBHOOK_BAD_SIGNATURE,	/* no v1 entry matches */
	WEBHOOK_ERROR,		/* the crypto library failed: not the sender's fault */
	WEBHOOK__MAX
};

/* A static lower-case name for logs and audit details ("bad_signature"); never NULL. */
const char	*webhook_verdict_str(enum webhook_verdict);

/*
 * id itself when it is a well-formed webhook-id (1..WEBHOOK_ID_MAX
 * characters, each printable ASCII 0x21..0x7e), else NULL (NULL too for a
 * NULL id). A receiver records a refused message's id through this, so that
 * what it writes (audit details, logs) is always plain ASCII, never bytes a
 * sender chose; webhook_verify() refuses every id this refuses. Reads at
 * most WEBHOOK_ID_MAX + 1 bytes of id; borrows id.
 */
const char	*webhook_printable_id(const char *id);

/*
 * Writes the webhook-signature value "v1,<base64>" (NUL-terminated, always
 * WEBHOOK_SIG_LEN - 1 characters) for the message into out.
 * body may be NULL when bodylen is 0.
 * Returns CE_OK; CE_INVALID when the secret's length, the id or the
 * timestamp is outside the bounds above (out is then the empty string);
 * CE_CRYPTO on library failure (out empty too).
 */
enum cerr	webhook_sign(const unsigned char *secret, size_t secretlen,
		    const char *id, int64_t timestamp, const void *body, size_t bodylen,
		    char out[WEBHOOK_SIG_LEN]);

/*
 * Checks a received message. id, timestamp and signature are the raw header
 * values as received (NUL-terminated), any of which may be NULL; body may be
 * NULL when bodylen is 0. now is the receiver's clock in Unix seconds and
 * tolerance the seconds allowed either side of it (WEBHOOK_TOLERANCE unless
 * there is a reason). Reads no byte of id beyond WEBHOOK_ID_MAX + 1 nor of
 * signature beyond WEBHOOK_SIGHDR_MAX + 1. The checks run in the order of
 * the enum above and the first failure is returned; signature values are
 * compared in constant time.
 */
enum webhook_verdict	webhook_verify(const unsigned char *secret, size_t secretlen,
			    const char *id, const char *timestamp, const char *signature,
			    const void *body, size_t bodylen, int64_t now, uint32_t tolerance);

/*
 * Decodes "whsec_<base64>" (standard alphabet, '=' padding to a multiple of
 * four, unused bits zero, nothing else) into out and sets *outlen.
 * Returns CE_OK, or CE_INVALID when text is NULL, malformed, or decodes to
 * fewer than WEBHOOK_SECRET_MIN or more than WEBHOOK_SECRET_MAX bytes
 * (out's contents are then unspecified and *outlen is 0).
 */
enum cerr	webhook_secret_decode(const char *text,
		    unsigned char out[WEBHOOK_SECRET_MAX], size_t *outlen);

/*
 * The reverse: writes "whsec_<base64>" of n secret bytes (NUL-terminated)
 * into out. CE_OK, or CE_INVALID when n is outside the secret bounds (out
 * is then the empty string).
 */
enum cerr	webhook_secret_encode(const unsigned char *secret, size_t n,
		    char out[WEBHOOK_SECRET_TEXT_MAX]);

#endif
