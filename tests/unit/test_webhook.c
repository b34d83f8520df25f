/*
 * webhook: the Standard Webhooks test vector (the one the specification's
 * own libraries test against), tampering with each signed part, the time
 * tolerance both ways, several signatures in one header, other versions
 * ignored, missing and malformed headers, timestamps, and secrets.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "crypto.h"
#include "unit.h"
#include "webhook.h"

/* From the Standard Webhooks libraries' tests (libraries/go/webhook_test.go). */
static const char	vec_secret[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
static const char	vec_id[] = "msg_p5jXN8AQM9LWM0D4loKWxJek";
static const char	vec_ts[] = "1614265330";
static const int64_t	vec_now = 1614265330;
static const char	vec_body[] = "{\"test\": 2432232314}";
static const char	vec_sig[] = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
/* A well-formed v1 entry that is not the signature (from the same tests). */
static const char	other_sig[] = "v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=";

static unsigned char	key[WEBHOOK_SECRET_MAX];
static size_t		keylen;

static void
key_setup(void)
{
	ck_assert_int_eq(webhook_secret_decode(vec_secret, key, &keylen), CE_OK);
	ck_assert_uint_eq(keylen, 24);
}

/* The vector's message with the given headers, at the given time. */
static enum webhook_verdict
check(const char *id, const char *ts, const char *sig, const char *body, int64_t now)
{
	return webhook_verify(key, keylen, id, ts, sig, body, body != NULL ? strlen(body) : 0,
	    now, WEBHOOK_TOLERANCE);
}

START_TEST(sign_standard_vector)
{
	char	out[WEBHOOK_SIG_LEN];

	ck_assert_int_eq(webhook_sign(key, keylen, vec_id, vec_now, vec_body,
	    strlen(vec_body), out), CE_OK);
	ck_assert_str_eq(out, vec_sig);
	ck_assert_uint_eq(strlen(out), WEBHOOK_SIG_LEN - 1);
}
END_TEST

START_TEST(verify_standard_vector)
{
	ck_assert_int_eq(check(vec_id, vec_ts, vec_sig, vec_body, vec_now), WEBHOOK_OK);
}
END_TEST

START_TEST(sign_matches_hmac_of_the_signing_string)
{
	unsigned char	body[300], mac[64];
	char		msg[600], want[64], out[WEBHOOK_SIG_LEN];
	size_t		len, maclen, i;
	int		n;

	/* Against crypto_hmac over the concatenation, for bodies of every length. */
	for (i = 0; i < sizeof(body); i++)
		body[i] = (unsigned char)(i * 7 + 1);
	for (len = 0; len <= sizeof(body); len += 13) {
		n = snprintf(msg, sizeof(msg), "%s.%s.", vec_id, vec_ts);
		ck_assert(n > 0 && (size_t)n + len <= sizeof(msg));
		memcpy(msg + n, body, len);
		ck_assert_int_eq(crypto_hmac("SHA256", key, keylen, msg, (size_t)n + len,
		    mac, &maclen), CE_OK);
		ck_assert_uint_eq(maclen, 32);
		memcpy(want, "v1,", 3);
		ck_assert_int_eq(EVP_EncodeBlock((unsigned char *)want + 3, mac, 32), 44);
		ck_assert_int_eq(webhook_sign(key, keylen, vec_id, vec_now,
		    len > 0 ? body : NULL, len, out), CE_OK);
		ck_assert_str_eq(out, want);
		ck_assert_int_eq(webhook_verify(key, keylen, vec_id, vec_ts, out,
		    len > 0 ? body : NULL, len, vec_now, WEBHOOK_TOLERANCE), WEBHOOK_OK);
	}
}
END_TEST

START_TEST(binary_body_round_trip)
{
	static const unsigned char	body[] = { 0, 1, 2, '.', 0, 0xff, '\n', 0 };
	char				out[WEBHOOK_SIG_LEN];

	ck_assert_int_eq(webhook_sign(key, keylen, "a", 1, body, sizeof(body), out), CE_OK);
	ck_assert_int_eq(webhook_verify(key, keylen, "a", "1", out, body, sizeof(body),
	    1, WEBHOOK_TOLERANCE), WEBHOOK_OK);
	ck_assert_int_eq(webhook_verify(key, keylen, "a", "1", out, body, sizeof(body) - 1,
	    1, WEBHOOK_TOLERANCE), WEBHOOK_BAD_SIGNATURE);
}
END_TEST

START_TEST(tampered_body_refused)
{
	ck_assert_int_eq(check(vec_id, vec_ts, vec_sig, "{\"test\": 2432232315}", vec_now),
	    WEBHOOK_BAD_SIGNATURE);
	ck_assert_int_eq(check(vec_id, vec_ts, vec_sig, "{\"test\": 2432232314} ", vec_now),
	    WEBHOOK_BAD_SIGNATURE);
	ck_assert_int_eq(check(vec_id, vec_ts, vec_sig, "", vec_now), WEBHOOK_BAD_SIGNATURE);
	ck_assert_int_eq(check(vec_id, vec_ts, vec_sig, NULL, vec_now), WEBHOOK_BAD_SIGNATURE);
}
END_TEST

START_TEST(tampered_id_refused)
{
	ck_assert_int_eq(check("msg_p5jXN8AQM9LWM0D4loKWxJel", vec_ts, vec_sig, vec_body,
	    vec_now), WEBHOOK_BAD_SIGNATURE);
	ck_assert_int_eq(check("msg_p5jXN8AQM9LWM0D4loKWxJe", vec_ts, vec_sig, vec_body,
	    vec_now), WEBHOOK_BAD_SIGNATURE);
}
END_TEST

START_TEST(tampered_timestamp_refused)
{
	ck_assert_int_eq(check(vec_id, "1614265331", vec_sig, vec_body, vec_now),
	    WEBHOOK_BAD_SIGNATURE);
	ck_assert_int_eq(check(vec_id, "1614265329", vec_sig, vec_body, vec_now),
	    WEBHOOK_BAD_SIGNATURE);
}
END_TEST

START_TEST(tampered_signature_refused)
{
	char	sig[sizeof(vec_sig)];
	size_t	i;

	/* Each character of the value changed in turn. */
	for (i = 3; i < sizeof(vec_sig) - 1; i++) {
		memcpy(sig, vec_sig, sizeof(sig));
		sig[i] = sig[i] == 'A' ? 'B' : 'A';
		ck_assert_int_eq(check(vec_id, vec_ts, sig, vec_body, vec_now),
		    WEBHOOK_BAD_SIGNATURE);
	}
	ck_assert_int_eq(check(vec_id, vec_ts, other_sig, vec_body, vec_now),
	    WEBHOOK_BAD_SIGNATURE);
	/* Truncated, unpadded, extended. */
	ck_assert_int_eq(check(vec_id, vec_ts, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE",
	    vec_body, vec_now), WEBHOOK_BAD_SIGNATURE);
	ck_assert_int_eq(check(vec_id, vec_ts, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE==",
	    vec_body, vec_now), WEBHOOK_BAD_SIGNATURE);
	/* The right value under another secret. */
	key[0] ^= 1;
	ck_assert_int_eq(check(vec_id, vec_ts, vec_sig, vec_body, vec_now),
	    WEBHOOK_BAD_SIGNATURE);
}
END_TEST

START_TEST(tolerance_both_ways)
{
	char	sig[WEBHOOK_SIG_LEN], ts[24];
	int64_t	t = vec_now + 1000;
	int	n;

	ck_assert_int_eq(check(vec_id, vec_ts, vec_sig, vec_body, vec_now + 300), WEBHOOK_OK);
	ck_assert_int_eq(check(vec_id, vec_ts, vec_sig, vec_body, vec_now - 300), WEBHOOK_OK);
	/* Too old (sent more than 5 minutes ago) and too new (from the future). */
	ck_assert_int_eq(check(vec_id, vec_ts, vec_sig, vec_body, vec_now + 301), WEBHOOK_STALE);
	ck_assert_int_eq(check(vec_id, vec_ts, vec_sig, vec_body, vec_now - 301), WEBHOOK_STALE);
	ck_assert_int_eq(check(vec_id, vec_ts, vec_sig, vec_body, vec_now + 86400),
	    WEBHOOK_STALE);
	ck_assert_int_eq(check(vec_id, vec_ts, vec_sig, vec_body, 0), WEBHOOK_STALE);
	ck_assert_int_eq(check(vec_id, vec_ts, vec_sig, vec_body, INT64_MAX), WEBHOOK_STALE);
	ck_assert_int_eq(check(vec_id, vec_ts, vec_sig, vec_body, INT64_MIN), WEBHOOK_STALE);
	/* Staleness is judged before the signature: a stale forgery is stale. */
	ck_assert_int_eq(check(vec_id, vec_ts, other_sig, vec_body, vec_now + 301),
	    WEBHOOK_STALE);
	/* A caller's own tolerance. */
	ck_assert_int_eq(webhook_verify(key, keylen, vec_id, vec_ts, vec_sig, vec_body,
	    strlen(vec_body), vec_now + 10, 10), WEBHOOK_OK);
	ck_assert_int_eq(webhook_verify(key, keylen, vec_id, vec_ts, vec_sig, vec_body,
	    strlen(vec_body), vec_now + 11, 10), WEBHOOK_STALE);
	ck_assert_int_eq(webhook_verify(key, keylen, vec_id, vec_ts, vec_sig, vec_body,
	    strlen(vec_body), vec_now, 0), WEBHOOK_OK);
	/* A message signed now verifies now. */
	ck_assert_int_eq(webhook_sign(key, keylen, vec_id, t, vec_body, strlen(vec_body), sig),
	    CE_OK);
	n = snprintf(ts, sizeof(ts), "%lld", (long long)t);
	ck_assert(n > 0 && (size_t)n < sizeof(ts));
	ck_assert_int_eq(check(vec_id, ts, sig, vec_body, t), WEBHOOK_OK);
}
END_TEST

START_TEST(multiple_signatures_one_good)
{
	char	hdr[512];
	int	n;

	/* The arrangement of the specification's own test, then others. */
	n = snprintf(hdr, sizeof(hdr), "%s v2,%s %s %s", other_sig, other_sig + 3, vec_sig,
	    other_sig);
	ck_assert(n > 0 && (size_t)n < sizeof(hdr));
	ck_assert_int_eq(check(vec_id, vec_ts, hdr, vec_body, vec_now), WEBHOOK_OK);
	n = snprintf(hdr, sizeof(hdr), "%s %s", vec_sig, other_sig);
	ck_assert(n > 0 && (size_t)n < sizeof(hdr));
	ck_assert_int_eq(check(vec_id, vec_ts, hdr, vec_body, vec_now), WEBHOOK_OK);
	n = snprintf(hdr, sizeof(hdr), "%s %s", other_sig, vec_sig);
	ck_assert(n > 0 && (size_t)n < sizeof(hdr));
	ck_assert_int_eq(check(vec_id, vec_ts, hdr, vec_body, vec_now), WEBHOOK_OK);
	/* Extra spaces and unparseable entries around it are skipped. */
	n = snprintf(hdr, sizeof(hdr), "  junk ,, v1, %s  ", vec_sig);
	ck_assert(n > 0 && (size_t)n < sizeof(hdr));
	ck_assert_int_eq(check(vec_id, vec_ts, hdr, vec_body, vec_now), WEBHOOK_OK);
	/* Several entries, none good. */
	n = snprintf(hdr, sizeof(hdr), "%s %s", other_sig, other_sig);
	ck_assert(n > 0 && (size_t)n < sizeof(hdr));
	ck_assert_int_eq(check(vec_id, vec_ts, hdr, vec_body, vec_now), WEBHOOK_BAD_SIGNATURE);
}
END_TEST

START_TEST(other_versions_ignored)
{
	char	hdr[128];
	int	n;

	/* The true value under another version label does not count. */
	n = snprintf(hdr, sizeof(hdr), "v2,%s", vec_sig + 3);
	ck_assert(n > 0 && (size_t)n < sizeof(hdr));
	ck_assert_int_eq(check(vec_id, vec_ts, hdr, vec_body, vec_now), WEBHOOK_BAD_SIGNATURE);
	n = snprintf(hdr, sizeof(hdr), "v1a,%s", vec_sig + 3);
	ck_assert(n > 0 && (size_t)n < sizeof(hdr));
	ck_assert_int_eq(check(vec_id, vec_ts, hdr, vec_body, vec_now), WEBHOOK_BAD_SIGNATURE);
	n = snprintf(hdr, sizeof(hdr), "V1,%s", vec_sig + 3);
	ck_assert(n > 0 && (size_t)n < sizeof(hdr));
	ck_assert_int_eq(check(vec_id, vec_ts, hdr, vec_body, vec_now), WEBHOOK_BAD_SIGNATURE);
	n = snprintf(hdr, sizeof(hdr), "%s", vec_sig + 3);
	ck_assert(n > 0 && (size_t)n < sizeof(hdr));
	ck_assert_int_eq(check(vec_id, vec_ts, hdr, vec_body, vec_now), WEBHOOK_BAD_SIGNATURE);
	/* An asymmetric entry next to the good one changes nothing. */
	n = snprintf(hdr, sizeof(hdr), "v1a,%s %s", vec_sig + 3, vec_sig);
	ck_assert(n > 0 && (size_t)n < sizeof(hdr));
	ck_assert_int_eq(check(vec_id, vec_ts, hdr, vec_body, vec_now), WEBHOOK_OK);
}
END_TEST

START_TEST(missing_headers)
{
	ck_assert_int_eq(check(NULL, vec_ts, vec_sig, vec_body, vec_now), WEBHOOK_MISSING);
	ck_assert_int_eq(check(vec_id, NULL, vec_sig, vec_body, vec_now), WEBHOOK_MISSING);
	ck_assert_int_eq(check(vec_id, vec_ts, NULL, vec_body, vec_now), WEBHOOK_MISSING);
	ck_assert_int_eq(check(NULL, NULL, NULL, NULL, vec_now), WEBHOOK_MISSING);
}
END_TEST

START_TEST(malformed_id)
{
	char	id[WEBHOOK_ID_MAX + 2], sig[WEBHOOK_SIG_LEN];

	ck_assert_int_eq(check("", vec_ts, vec_sig, vec_body, vec_now), WEBHOOK_MALFORMED);
	ck_assert_int_eq(check("msg 1", vec_ts, vec_sig, vec_body, vec_now), WEBHOOK_MALFORMED);
	ck_assert_int_eq(check("msg\t1", vec_ts, vec_sig, vec_body, vec_now), WEBHOOK_MALFORMED);
	ck_assert_int_eq(check("msg\x7f", vec_ts, vec_sig, vec_body, vec_now), WEBHOOK_MALFORMED);
	ck_assert_int_eq(check("msg\xc3\xa9", vec_ts, vec_sig, vec_body, vec_now),
	    WEBHOOK_MALFORMED);
	/* 256 characters are allowed, 257 are not. */
	memset(id, 'x', sizeof(id));
	id[WEBHOOK_ID_MAX] = '\0';
	ck_assert_int_eq(webhook_sign(key, keylen, id, vec_now, vec_body, strlen(vec_body), sig),
	    CE_OK);
	ck_assert_int_eq(check(id, vec_ts, sig, vec_body, vec_now), WEBHOOK_OK);
	id[WEBHOOK_ID_MAX] = 'x';
	id[WEBHOOK_ID_MAX + 1] = '\0';
	ck_assert_int_eq(check(id, vec_ts, sig, vec_body, vec_now), WEBHOOK_MALFORMED);
	ck_assert_int_eq(webhook_sign(key, keylen, id, vec_now, vec_body, strlen(vec_body), sig),
	    CE_INVALID);
	ck_assert_str_eq(sig, "");
}
END_TEST

START_TEST(malformed_signature_header)
{
	static char	hdr[WEBHOOK_SIGHDR_MAX + 2];
	size_t		len;

	ck_assert_int_eq(check(vec_id, vec_ts, "", vec_body, vec_now), WEBHOOK_MALFORMED);
	/* The good entry padded with spaces to exactly the limit is read... */
	memset(hdr, ' ', sizeof(hdr));
	len = strlen(vec_sig);
	memcpy(hdr + WEBHOOK_SIGHDR_MAX - len, vec_sig, len);
	hdr[WEBHOOK_SIGHDR_MAX] = '\0';
	ck_assert_int_eq(check(vec_id, vec_ts, hdr, vec_body, vec_now), WEBHOOK_OK);
	/* ...one byte more is refused whatever it holds. */
	hdr[WEBHOOK_SIGHDR_MAX] = ' ';
	hdr[WEBHOOK_SIGHDR_MAX + 1] = '\0';
	ck_assert_int_eq(check(vec_id, vec_ts, hdr, vec_body, vec_now), WEBHOOK_MALFORMED);
}
END_TEST

START_TEST(malformed_arguments)
{
	ck_assert_int_eq(webhook_verify(NULL, 24, vec_id, vec_ts, vec_sig, vec_body,
	    strlen(vec_body), vec_now, WEBHOOK_TOLERANCE), WEBHOOK_MALFORMED);
	ck_assert_int_eq(webhook_verify(key, 23, vec_id, vec_ts, vec_sig, vec_body,
	    strlen(vec_body), vec_now, WEBHOOK_TOLERANCE), WEBHOOK_MALFORMED);
	ck_assert_int_eq(webhook_verify(key, WEBHOOK_SECRET_MAX + 1, vec_id, vec_ts, vec_sig,
	    vec_body, strlen(vec_body), vec_now, WEBHOOK_TOLERANCE), WEBHOOK_MALFORMED);
	ck_assert_int_eq(webhook_verify(key, keylen, vec_id, vec_ts, vec_sig, NULL, 5,
	    vec_now, WEBHOOK_TOLERANCE), WEBHOOK_MALFORMED);
}
END_TEST

static const char	*const bad_timestamps[] = {
	"", "abc", "-1614265330", "+1614265330", " 1614265330", "1614265330 ",
	"01614265330", "0", "1614265330.0", "1614265330\n", "0x60381af2",
	"1.6e9", "253402300800", "999999999999", "1614265330000", "99999999999999999999999",
};

START_TEST(bad_timestamp)
{
	ck_assert_int_eq(check(vec_id, bad_timestamps[_i], vec_sig, vec_body, vec_now),
	    WEBHOOK_BAD_TIMESTAMP);
}
END_TEST

START_TEST(timestamp_range_edges)
{
	char	sig[WEBHOOK_SIG_LEN];

	ck_assert_int_eq(webhook_sign(key, keylen, vec_id, 1, "", 0, sig), CE_OK);
	ck_assert_int_eq(check(vec_id, "1", sig, "", 1), WEBHOOK_OK);
	ck_assert_int_eq(webhook_sign(key, keylen, vec_id, WEBHOOK_TS_MAX, "", 0, sig), CE_OK);
	ck_assert_int_eq(check(vec_id, "253402300799", sig, "", WEBHOOK_TS_MAX), WEBHOOK_OK);
	ck_assert_int_eq(webhook_sign(key, keylen, vec_id, 0, "", 0, sig), CE_INVALID);
	ck_assert_str_eq(sig, "");
	ck_assert_int_eq(webhook_sign(key, keylen, vec_id, -1, "", 0, sig), CE_INVALID);
	ck_assert_int_eq(webhook_sign(key, keylen, vec_id, WEBHOOK_TS_MAX + 1, "", 0, sig),
	    CE_INVALID);
	ck_assert_int_eq(webhook_sign(key, keylen, vec_id, INT64_MIN, "", 0, sig), CE_INVALID);
}
END_TEST

START_TEST(sign_refuses_bad_arguments)
{
	char	sig[WEBHOOK_SIG_LEN];

	ck_assert_int_eq(webhook_sign(key, 23, vec_id, vec_now, "", 0, sig), CE_INVALID);
	ck_assert_int_eq(webhook_sign(key, WEBHOOK_SECRET_MAX + 1, vec_id, vec_now, "", 0, sig),
	    CE_INVALID);
	ck_assert_int_eq(webhook_sign(NULL, 24, vec_id, vec_now, "", 0, sig), CE_INVALID);
	ck_assert_int_eq(webhook_sign(key, keylen, NULL, vec_now, "", 0, sig), CE_INVALID);
	ck_assert_int_eq(webhook_sign(key, keylen, "", vec_now, "", 0, sig), CE_INVALID);
	ck_assert_int_eq(webhook_sign(key, keylen, vec_id, vec_now, NULL, 1, sig), CE_INVALID);
	ck_assert_str_eq(sig, "");
}
END_TEST

START_TEST(secret_round_trips_every_length)
{
	unsigned char	raw[WEBHOOK_SECRET_MAX], back[WEBHOOK_SECRET_MAX];
	char		text[WEBHOOK_SECRET_TEXT_MAX];
	size_t		n, len, i;

	for (i = 0; i < sizeof(raw); i++)
		raw[i] = (unsigned char)(0xff - i * 5);
	for (n = WEBHOOK_SECRET_MIN; n <= WEBHOOK_SECRET_MAX; n++) {
		ck_assert_int_eq(webhook_secret_encode(raw, n, text), CE_OK);
		ck_assert_uint_eq(strlen(text), 6 + 4 * ((n + 2) / 3));
		ck_assert_int_eq(webhook_secret_decode(text, back, &len), CE_OK);
		ck_assert_uint_eq(len, n);
		ck_assert(memcmp(raw, back, n) == 0);
	}
	ck_assert_int_eq(webhook_secret_encode(key, keylen, text), CE_OK);
	ck_assert_str_eq(text, vec_secret);
	ck_assert_int_eq(webhook_secret_encode(raw, WEBHOOK_SECRET_MIN - 1, text), CE_INVALID);
	ck_assert_str_eq(text, "");
	ck_assert_int_eq(webhook_secret_encode(raw, WEBHOOK_SECRET_MAX + 1, text), CE_INVALID);
	ck_assert_int_eq(webhook_secret_encode(NULL, 32, text), CE_INVALID);
}
END_TEST

static const char	*const bad_secrets[] = {
	"MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",		/* no prefix */
	"WHSEC_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",	/* prefix is lower case */
	"whsec-MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
	"whsec_",
	"whsec_ MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
	"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw ",
	"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\n",
	"whsec_MfKQ9r8GKYqrTwjUPD8I\nLPZIo2LaLaSw",
	"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS",	/* not a multiple of 4 */
	"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw====",
	"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2La-aSw",	/* base64url alphabet */
	"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2La_aSw",
	"whsec_MfKQ9r8GKYqrTwjUPD8I=PZIo2LaLaSw",	/* padding inside */
	"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLa=w",
	"whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB==",	/* 25 bytes, unused bits set */
	"whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=",	/* 26 bytes, unused bits set */
	"whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==",	/* 22 bytes: too short */
	"whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",	/* 23 bytes */
	/* 65 and 66 bytes: too long */
	"whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
	"whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
};

START_TEST(malformed_secrets)
{
	unsigned char	out[WEBHOOK_SECRET_MAX];
	size_t		len = 99;

	ck_assert_int_eq(webhook_secret_decode(bad_secrets[_i], out, &len), CE_INVALID);
	ck_assert_uint_eq(len, 0);
}
END_TEST

START_TEST(secret_limits)
{
	unsigned char	out[WEBHOOK_SECRET_MAX];
	size_t		len;

	/* 24, 25, 26 and 64 bytes of zeros. */
	ck_assert_int_eq(webhook_secret_decode("whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", out, &len), CE_OK);
	ck_assert_uint_eq(len, 24);
	ck_assert_int_eq(webhook_secret_decode("whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==", out, &len), CE_OK);
	ck_assert_uint_eq(len, 25);
	ck_assert_int_eq(webhook_secret_decode("whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", out, &len), CE_OK);
	ck_assert_uint_eq(len, 26);
	ck_assert_int_eq(webhook_secret_decode("whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==", out, &len), CE_OK);
	ck_assert_uint_eq(len, 64);
	ck_assert_int_eq(webhook_secret_decode(NULL, out, &len), CE_INVALID);
}
END_TEST

START_TEST(verdict_names)
{
	int	i, j;

	for (i = 0; i < WEBHOOK__MAX; i++) {
		ck_assert_ptr_nonnull(webhook_verdict_str((enum webhook_verdict)i));
		ck_assert_str_ne(webhook_verdict_str((enum webhook_verdict)i), "unknown");
		for (j = 0; j < i; j++)
			ck_assert_str_ne(webhook_verdict_str((enum webhook_verdict)i),
			    webhook_verdict_str((enum webhook_verdict)j));
	}
	ck_assert_str_eq(webhook_verdict_str(WEBHOOK_OK), "ok");
	ck_assert_str_eq(webhook_verdict_str(WEBHOOK_BAD_SIGNATURE), "bad_signature");
	ck_assert_str_eq(webhook_verdict_str(WEBHOOK__MAX), "unknown");
}
END_TEST

/* A refused message's id is recorded only when it is printable ASCII (never a sender's raw bytes). */
START_TEST(printable_id)
{
	char	long_id[WEBHOOK_ID_MAX + 2];

	ck_assert_str_eq(webhook_printable_id("msg_2KWPBgLlAfxdpx2AI54pPJ85f4W"),
	    "msg_2KWPBgLlAfxdpx2AI54pPJ85f4W");
	ck_assert_str_eq(webhook_printable_id("!~"), "!~");
	ck_assert_ptr_null(webhook_printable_id(NULL));
	ck_assert_ptr_null(webhook_printable_id(""));
	ck_assert_ptr_null(webhook_printable_id("caf\xc3\xa9"));	/* UTF-8: not ASCII */
	ck_assert_ptr_null(webhook_printable_id("bad\xff\xfe"));	/* not even UTF-8 */
	ck_assert_ptr_null(webhook_printable_id("two words"));
	ck_assert_ptr_null(webhook_printable_id("tab\there"));
	ck_assert_ptr_null(webhook_printable_id("del\x7f"));
	memset(long_id, 'a', WEBHOOK_ID_MAX);
	long_id[WEBHOOK_ID_MAX] = '\0';
	ck_assert_ptr_eq(webhook_printable_id(long_id), long_id);
	long_id[WEBHOOK_ID_MAX] = 'a';
	long_id[WEBHOOK_ID_MAX + 1] = '\0';
	ck_assert_ptr_null(webhook_printable_id(long_id));
}
END_TEST

Suite *
unit_suite(void)
{
	Suite	*s = suite_create("webhook");
	TCase	*tc;

	tc = tcase_create("sign");
	tcase_add_checked_fixture(tc, key_setup, NULL);
	tcase_add_test(tc, sign_standard_vector);
	tcase_add_test(tc, verify_standard_vector);
	tcase_add_test(tc, sign_matches_hmac_of_the_signing_string);
	tcase_add_test(tc, binary_body_round_trip);
	tcase_add_test(tc, sign_refuses_bad_arguments);
	suite_add_tcase(s, tc);

	tc = tcase_create("verify");
	tcase_add_checked_fixture(tc, key_setup, NULL);
	tcase_add_test(tc, tampered_body_refused);
	tcase_add_test(tc, tampered_id_refused);
	tcase_add_test(tc, tampered_timestamp_refused);
	tcase_add_test(tc, tampered_signature_refused);
	tcase_add_test(tc, tolerance_both_ways);
	tcase_add_test(tc, multiple_signatures_one_good);
	tcase_add_test(tc, other_versions_ignored);
	tcase_add_test(tc, missing_headers);
	tcase_add_test(tc, malformed_id);
	tcase_add_test(tc, malformed_signature_header);
	tcase_add_test(tc, malformed_arguments);
	tcase_add_loop_test(tc, bad_timestamp, 0, (int)nitems(bad_timestamps));
	tcase_add_test(tc, timestamp_range_edges);
	tcase_add_test(tc, verdict_names);
	tcase_add_test(tc, printable_id);
	suite_add_tcase(s, tc);

	tc = tcase_create("secrets");
	tcase_add_checked_fixture(tc, key_setup, NULL);
	tcase_add_test(tc, secret_round_trips_every_length);
	tcase_add_loop_test(tc, malformed_secrets, 0, (int)nitems(bad_secrets));
	tcase_add_test(tc, secret_limits);
	suite_add_tcase(s, tc);
	return s;
}
