/*
 * crypto: RFC 6238 TOTP vectors and one-time use, RFC 7914 scrypt vectors,
 * password hashes, RFC 4648 base32/base64url/base64, hex, SHA-256 and HMAC.
 */
#include <stdio.h>
#include <string.h>

#include "crypto.h"
#include "unit.h"

/* RFC 6238 Appendix B seeds: ASCII "1234567890" repeated to the digest size. */
static const char	seed_sha1[] = "12345678901234567890";
static const char	seed_sha256[] = "12345678901234567890123456789012";
static const char	seed_sha512[] =
    "1234567890123456789012345678901234567890123456789012345678901234";

struct totp_vector {
	uint64_t	 time;
	long		 sha1, sha256, sha512;
};

static const struct totp_vector	totp_vectors[] = {
	{ 59ULL,		94287082, 46119246, 90693936 },
	{ 1111111109ULL,	 7081804, 68084774, 25091201 },
	{ 1111111111ULL,	14050471, 67062674, 99943326 },
	{ 1234567890ULL,	89005924, 91819424, 93441116 },
	{ 2000000000ULL,	69279037, 90698825, 38618901 },
	{ 20000000000ULL,	65353130, 77737706, 47863826 },
};

static const unsigned char *
u(const char *s)
{
	return (const unsigned char *)s;
}

START_TEST(totp_rfc6238_sha1)
{
	const struct totp_vector *v = &totp_vectors[_i];

	ck_assert_int_eq(totp_code(u(seed_sha1), 20, v->time / 30, 8, "SHA1"), v->sha1);
}
END_TEST

START_TEST(totp_rfc6238_sha256)
{
	const struct totp_vector *v = &totp_vectors[_i];

	ck_assert_int_eq(totp_code(u(seed_sha256), 32, v->time / 30, 8, "SHA256"), v->sha256);
}
END_TEST

START_TEST(totp_rfc6238_sha512)
{
	const struct totp_vector *v = &totp_vectors[_i];

	ck_assert_int_eq(totp_code(u(seed_sha512), 64, v->time / 30, 8, "SHA512"), v->sha512);
}
END_TEST

START_TEST(totp_code_six_digits_is_the_tail_of_eight)
{
	/* Dynamic truncation is the same; only the modulus differs. */
	ck_assert_int_eq(totp_code(u(seed_sha1), 20, 59 / 30, 6, "SHA1"), 287082);
	ck_assert_int_eq(totp_code(u(seed_sha1), 20, 1111111109 / 30, 6, "SHA1"), 81804);
}
END_TEST

START_TEST(totp_code_refuses_bad_arguments)
{
	ck_assert_int_eq(totp_code(u(seed_sha1), 20, 1, 5, "SHA1"), -1);
	ck_assert_int_eq(totp_code(u(seed_sha1), 20, 1, 9, "SHA1"), -1);
	ck_assert_int_eq(totp_code(u(seed_sha1), 20, 1, 6, "MD5"), -1);
}
END_TEST

/* The 6-digit code for unix time t, as an authenticator app shows it. */
static void
code_at(uint64_t t, char out[7])
{
	long	c = totp_code(u(seed_sha1), 20, t / 30, 6, "SHA1");

	ck_assert_int_ge(c, 0);
	ck_assert_int_eq(snprintf(out, 7, "%06ld", c), 6);
}

/* A fixed "now" at the start of a step, so now-30..now+59 are the 3 steps. */
#define NOW	1111111110ULL
#define STEP	((int64_t)(NOW / 30))

START_TEST(totp_verify_accepts_now_and_one_step_either_side)
{
	char	code[7];
	int64_t	last;

	code_at(NOW, code);
	last = 0;
	ck_assert(totp_verify(u(seed_sha1), 20, code, NOW, &last));
	ck_assert_int_eq(last, STEP);

	code_at(NOW - 30, code);
	last = 0;
	ck_assert(totp_verify(u(seed_sha1), 20, code, NOW, &last));
	ck_assert_int_eq(last, STEP - 1);

	code_at(NOW + 30, code);
	last = 0;
	ck_assert(totp_verify(u(seed_sha1), 20, code, NOW, &last));
	ck_assert_int_eq(last, STEP + 1);

	/* Late in the step: the same code still verifies. */
	code_at(NOW, code);
	last = 0;
	ck_assert(totp_verify(u(seed_sha1), 20, code, NOW + 29, &last));
	ck_assert_int_eq(last, STEP);
}
END_TEST

START_TEST(totp_verify_rejects_two_steps_away)
{
	char	now[7], before[7], after[7];
	int64_t	last = 0;

	code_at(NOW, now);
	code_at(NOW - 60, before);
	code_at(NOW + 60, after);
	/* The fixed vectors must not collide, or the test proves nothing. */
	ck_assert_str_ne(before, now);
	ck_assert_str_ne(after, now);
	ck_assert(!totp_verify(u(seed_sha1), 20, before, NOW, &last));
	ck_assert(!totp_verify(u(seed_sha1), 20, after, NOW, &last));
	ck_assert_int_eq(last, 0);
}
END_TEST

START_TEST(totp_verify_accepts_a_code_once)
{
	char	code[7], prev[7], next[7];
	int64_t	last = 0;

	code_at(NOW, code);
	code_at(NOW - 30, prev);
	code_at(NOW + 30, next);
	ck_assert(totp_verify(u(seed_sha1), 20, code, NOW, &last));
	ck_assert_int_eq(last, STEP);
	/* Replay of the same code, even a few seconds later: refused. */
	ck_assert(!totp_verify(u(seed_sha1), 20, code, NOW, &last));
	ck_assert(!totp_verify(u(seed_sha1), 20, code, NOW + 10, &last));
	/* An older step after a newer one was used: refused. */
	ck_assert(!totp_verify(u(seed_sha1), 20, prev, NOW, &last));
	ck_assert_int_eq(last, STEP);
	/* The next step is still fine. */
	ck_assert(totp_verify(u(seed_sha1), 20, next, NOW, &last));
	ck_assert_int_eq(last, STEP + 1);
}
END_TEST

START_TEST(totp_verify_refuses_step_at_last_step)
{
	char	code[7];
	int64_t	last = STEP;

	code_at(NOW, code);
	ck_assert(!totp_verify(u(seed_sha1), 20, code, NOW, &last));
	ck_assert_int_eq(last, STEP);
	last = STEP - 1;
	ck_assert(totp_verify(u(seed_sha1), 20, code, NOW, &last));
	ck_assert_int_eq(last, STEP);
}
END_TEST

START_TEST(totp_verify_refuses_malformed_codes)
{
	static const char *const bad[] = {
		"", "1", "12345", "1234567", "12345a", "a12345", " 12345", "12345 ",
		"12 456", "-12345", "+12345", "١٢٣٤٥٦",
	};
	char	code[7], longer[8];
	int64_t	last = 0;
	size_t	i;

	for (i = 0; i < nitems(bad); i++)
		ck_assert_msg(!totp_verify(u(seed_sha1), 20, bad[i], NOW, &last),
		    "accepted \"%s\"", bad[i]);
	/* The right code with anything after it is not the right code. */
	code_at(NOW, code);
	ck_assert_int_eq(snprintf(longer, sizeof(longer), "%s0", code), 7);
	ck_assert(!totp_verify(u(seed_sha1), 20, longer, NOW, &last));
	ck_assert_int_eq(last, 0);
	/* A wrong key gives a different code. */
	ck_assert(!totp_verify(u("another key of 20 b"), 19, code, NOW, &last));
	ck_assert_int_eq(last, 0);
}
END_TEST

static void
assert_hex(const unsigned char *got, size_t n, const char *want)
{
	char	hex[2 * 64 + 1];

	ck_assert_uint_le(n, 64);
	hex_encode(got, n, hex);
	ck_assert_str_eq(hex, want);
}

START_TEST(scrypt_rfc7914_empty)
{
	unsigned char	dk[64];

	ck_assert_int_eq(crypto_scrypt("", 0, u(""), 0, 16, 1, 1, dk, sizeof(dk)), CE_OK);
	assert_hex(dk, sizeof(dk),
	    "77d6576238657b203b19ca42c18a0497f16b4844e3074ae8dfdffa3fede21442"
	    "fcd0069ded0948f8326a753a0fc81f17e8d3e0fb2e0d3628cf35e20c38d18906");
}
END_TEST

START_TEST(scrypt_rfc7914_password_nacl)
{
	unsigned char	dk[64];

	ck_assert_int_eq(crypto_scrypt("password", 8, u("NaCl"), 4, 1024, 8, 16, dk,
	    sizeof(dk)), CE_OK);
	assert_hex(dk, sizeof(dk),
	    "fdbabe1c9d3472007856e7190d01e9fe7c6ad7cbc8237830e77376634b373162"
	    "2eaf30d92e22a3886ff109279d9830dac727afb94a83ee6d8360cbdfa2cc0640");
}
END_TEST

START_TEST(scrypt_rfc7914_sodium_chloride)
{
	unsigned char	dk[64];

	/* N=16384, r=8: needs 16 MiB, which maxmem must allow. */
	ck_assert_int_eq(crypto_scrypt("pleaseletmein", 13, u("SodiumChloride"), 14,
	    16384, 8, 1, dk, sizeof(dk)), CE_OK);
	assert_hex(dk, sizeof(dk),
	    "7023bdcb3afd7348461c06cd81fd38ebfda8fbba904f8e3ea9b543f6545da1f2"
	    "d5432955613f0fcf62d49705242a9af9e61e85dc0d651e40dfcf017b45575887");
}
END_TEST

START_TEST(scrypt_refuses_bad_n)
{
	unsigned char	dk[32];

	/* N must be a power of two greater than 1. */
	ck_assert_int_eq(crypto_scrypt("x", 1, u("salt"), 4, 1000, 8, 1, dk, sizeof(dk)),
	    CE_CRYPTO);
	ck_assert_int_eq(crypto_scrypt("x", 1, u("salt"), 4, 1, 8, 1, dk, sizeof(dk)),
	    CE_CRYPTO);
}
END_TEST

START_TEST(pwhash_round_trip)
{
	char	h[PWHASH_MAX];

	ck_assert_int_eq(pwhash_make("correct horse battery staple", 10, 8, 1, h), CE_OK);
	ck_assert_msg(strncmp(h, "$scrypt$ln=10,r=8,p=1$", 22) == 0, "format: %s", h);
	ck_assert_uint_lt(strlen(h), PWHASH_MAX);
	ck_assert_int_eq(pwhash_verify("correct horse battery staple", h), CE_OK);
	ck_assert_int_eq(pwhash_verify("correct horse battery stapl", h), CE_INVALID);
	ck_assert_int_eq(pwhash_verify("Correct horse battery staple", h), CE_INVALID);
	ck_assert_int_eq(pwhash_verify("", h), CE_INVALID);
}
END_TEST

START_TEST(pwhash_salts_differ)
{
	char	a[PWHASH_MAX], b[PWHASH_MAX];

	ck_assert_int_eq(pwhash_make("same password", 10, 1, 1, a), CE_OK);
	ck_assert_int_eq(pwhash_make("same password", 10, 1, 1, b), CE_OK);
	ck_assert_str_ne(a, b);
	ck_assert_int_eq(pwhash_verify("same password", a), CE_OK);
	ck_assert_int_eq(pwhash_verify("same password", b), CE_OK);
}
END_TEST

START_TEST(pwhash_verify_uses_stored_parameters)
{
	char	h[PWHASH_MAX];

	/* A hash made with other parameters still verifies (upgrade path). */
	ck_assert_int_eq(pwhash_make("an older hash", 11, 2, 2, h), CE_OK);
	ck_assert_msg(strncmp(h, "$scrypt$ln=11,r=2,p=2$", 22) == 0, "format: %s", h);
	ck_assert_int_eq(pwhash_verify("an older hash", h), CE_OK);
}
END_TEST

START_TEST(pwhash_tampered_hash_is_invalid)
{
	char	h[PWHASH_MAX], *last;

	ck_assert_int_eq(pwhash_make("tamper with me", 10, 1, 1, h), CE_OK);
	ck_assert_ptr_nonnull(last = strrchr(h, '$'));
	/* Change one character of the derived key. */
	last[5] = last[5] == 'A' ? 'B' : 'A';
	ck_assert_int_eq(pwhash_verify("tamper with me", h), CE_INVALID);
}
END_TEST

START_TEST(pwhash_make_refuses_bad_parameters)
{
	char	h[PWHASH_MAX];

	ck_assert_int_eq(pwhash_make("x", 0, 8, 1, h), CE_INVALID);
	ck_assert_int_eq(pwhash_make("x", 31, 8, 1, h), CE_INVALID);
	ck_assert_int_eq(pwhash_make("x", 10, 0, 1, h), CE_INVALID);
	ck_assert_int_eq(pwhash_make("x", 10, 8, 0, h), CE_INVALID);
}
END_TEST

/* A well-formed stored hash of "pw" with ln=4, r=1, p=1, built by the test. */
static void
small_hash(char out[PWHASH_MAX], char salt64[32], char dk64[48])
{
	unsigned char	salt[16], dk[32];

	memset(salt, 0x5a, sizeof(salt));
	ck_assert_int_eq(crypto_scrypt("pw", 2, salt, sizeof(salt), 16, 1, 1, dk, sizeof(dk)),
	    CE_OK);
	base64url_encode(salt, sizeof(salt), salt64);
	base64url_encode(dk, sizeof(dk), dk64);
	ck_assert_int_lt(snprintf(out, PWHASH_MAX, "$scrypt$ln=4,r=1,p=1$%s$%s", salt64, dk64),
	    PWHASH_MAX);
}

START_TEST(pwhash_verify_matches_independent_scrypt)
{
	char	h[PWHASH_MAX], s[32], d[48];

	small_hash(h, s, d);
	ck_assert_int_eq(pwhash_verify("pw", h), CE_OK);
	ck_assert_int_eq(pwhash_verify("pW", h), CE_INVALID);
}
END_TEST

START_TEST(pwhash_malformed_stored_is_invalid)
{
	char	h[PWHASH_MAX], s[32], d[48], bad[512];
	size_t	i;
	struct {
		const char	*fmt;	/* %1$s salt, %2$s derived key */
	} forms[] = {
		{ "" },
		{ "$scrypt$" },
		{ "$scrypt$ln=4,r=1,p=1$" },
		{ "$scrypt$ln=4,r=1,p=1$%1$s" },
		{ "$scrypt$ln=4,r=1,p=1$%1$s$" },
		{ "$scrypt$ln=4,r=1,p=1$$%2$s" },
		{ "$scrypt$ln=4,r=1,p=1$%1$s$%2$s$" },
		{ "$scrypt$ln=4,r=1,p=1$%1$s$%2$sx!" },
		{ "$scrypt$ln=4,r=1,p=1$%1$s$%2$s " },
		{ "$scrypt$ln=4,r=1,p=1$%1$s!$%2$s" },
		{ "$scrypt$ln=4,r=1,p=1$%1$s$%2$s=" },
		{ "$scrypt$ln=0,r=1,p=1$%1$s$%2$s" },
		{ "$scrypt$ln=31,r=1,p=1$%1$s$%2$s" },
		{ "$scrypt$ln=-4,r=1,p=1$%1$s$%2$s" },
		{ "$scrypt$ln=4,r=0,p=1$%1$s$%2$s" },
		{ "$scrypt$ln=4,r=65,p=1$%1$s$%2$s" },
		{ "$scrypt$ln=4,r=1,p=0$%1$s$%2$s" },
		{ "$scrypt$ln=4,r=1,p=65$%1$s$%2$s" },
		{ "$scrypt$ln=x,r=1,p=1$%1$s$%2$s" },
		{ "$scrypt$r=1,ln=4,p=1$%1$s$%2$s" },
		{ "$SCRYPT$ln=4,r=1,p=1$%1$s$%2$s" },
		{ "$2y$10$abcdefghijklmnopqrstuvABCDEFGHIJKLMNOPQRSTUVWXYZ01234" },
		{ "$scrypt$ln=4,r=1,p=1$QUJD$%2$s" },		/* salt of 3 bytes */
		{ "$scrypt$ln=4,r=1,p=1$%1$s$QUJDREVGR0g" },	/* key of 8 bytes */
		{ "$scrypt$ln=4,r=1,p=1$%1$sAAA$%2$s" },	/* lone sextet */
	};

	small_hash(h, s, d);
	for (i = 0; i < nitems(forms); i++) {
		/* Build from the table with explicit arguments: no user format. */
		const char *f = forms[i].fmt;
		size_t o = 0;
		while (*f != '\0' && o + 64 < sizeof(bad)) {
			if (strncmp(f, "%1$s", 4) == 0) {
				o += (size_t)snprintf(bad + o, sizeof(bad) - o, "%s", s);
				f += 4;
			} else if (strncmp(f, "%2$s", 4) == 0) {
				o += (size_t)snprintf(bad + o, sizeof(bad) - o, "%s", d);
				f += 4;
			} else
				bad[o++] = *f++;
		}
		bad[o] = '\0';
		ck_assert_msg(pwhash_verify("pw", bad) == CE_INVALID, "accepted %s", bad);
		ck_assert_msg(pwhash_needs_rehash(bad, 1, 1, 1), "parsed %s", bad);
	}
	/* Too long to be a stored hash at all. */
	memset(bad, 'A', sizeof(bad) - 1);
	bad[sizeof(bad) - 1] = '\0';
	memcpy(bad, h, strlen(h));
	ck_assert_int_eq(pwhash_verify("pw", bad), CE_INVALID);
}
END_TEST

START_TEST(pwhash_needs_rehash_compares_each_parameter)
{
	char	h[PWHASH_MAX];

	ck_assert_int_eq(pwhash_make("rehash", 10, 8, 1, h), CE_OK);
	ck_assert(!pwhash_needs_rehash(h, 10, 8, 1));
	ck_assert(!pwhash_needs_rehash(h, 9, 4, 1));
	ck_assert(pwhash_needs_rehash(h, 11, 8, 1));
	ck_assert(pwhash_needs_rehash(h, 10, 16, 1));
	ck_assert(pwhash_needs_rehash(h, 10, 8, 2));
	ck_assert(pwhash_needs_rehash("not a hash", 10, 8, 1));
}
END_TEST

struct rfc4648 {
	const char	*in, *b32, *b64;
};

static const struct rfc4648	rfc4648[] = {
	{ "", "", "" },
	{ "f", "MY", "Zg" },
	{ "fo", "MZXQ", "Zm8" },
	{ "foo", "MZXW6", "Zm9v" },
	{ "foob", "MZXW6YQ", "Zm9vYg" },
	{ "fooba", "MZXW6YTB", "Zm9vYmE" },
	{ "foobar", "MZXW6YTBOI", "Zm9vYmFy" },
};

START_TEST(base32_rfc4648_vectors)
{
	const struct rfc4648 *v = &rfc4648[_i];
	char		 enc[32];
	unsigned char	 dec[16];
	size_t		 n = strlen(v->in);

	base32_encode(u(v->in), n, enc);
	ck_assert_str_eq(enc, v->b32);
	ck_assert_int_eq(base32_decode(v->b32, dec, sizeof(dec)), (int)n);
	ck_assert_mem_eq(dec, v->in, n);
}
END_TEST

START_TEST(base32_decode_is_lenient_about_case_padding_spaces)
{
	unsigned char	dec[16];

	ck_assert_int_eq(base32_decode("mzxw6ytboi", dec, sizeof(dec)), 6);
	ck_assert_mem_eq(dec, "foobar", 6);
	ck_assert_int_eq(base32_decode("MZXW6YQ=", dec, sizeof(dec)), 4);
	ck_assert_mem_eq(dec, "foob", 4);
	ck_assert_int_eq(base32_decode("MZXW 6YTB OI", dec, sizeof(dec)), 6);
	ck_assert_mem_eq(dec, "foobar", 6);
}
END_TEST

START_TEST(base32_decode_refuses_bad_input)
{
	unsigned char	dec[16];

	ck_assert_int_eq(base32_decode("MZ1Q", dec, sizeof(dec)), -1);
	ck_assert_int_eq(base32_decode("MZ8Q", dec, sizeof(dec)), -1);
	ck_assert_int_eq(base32_decode("MZ0Q", dec, sizeof(dec)), -1);
	ck_assert_int_eq(base32_decode("MZ!Q", dec, sizeof(dec)), -1);
	ck_assert_int_eq(base32_decode("MZ\xc3\x89Q", dec, sizeof(dec)), -1);
	/* Output larger than the buffer. */
	ck_assert_int_eq(base32_decode("MZXW6YTBOI", dec, 5), -1);
	ck_assert_int_eq(base32_decode("MZXW6YTBOI", dec, 6), 6);
}
END_TEST

START_TEST(base32_round_trip_totp_secret)
{
	unsigned char	key[20], dec[20];
	char		enc[(20 * 8 + 4) / 5 + 1];

	memcpy(key, seed_sha1, 20);
	base32_encode(key, sizeof(key), enc);
	ck_assert_str_eq(enc, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
	ck_assert_int_eq(base32_decode(enc, dec, sizeof(dec)), 20);
	ck_assert_mem_eq(dec, key, 20);
}
END_TEST

START_TEST(base64url_rfc4648_vectors)
{
	const struct rfc4648 *v = &rfc4648[_i];
	char		 enc[32];
	unsigned char	 dec[16];
	size_t		 n = strlen(v->in);

	base64url_encode(u(v->in), n, enc);
	ck_assert_str_eq(enc, v->b64);
	ck_assert_int_eq(base64url_decode(v->b64, dec, sizeof(dec)), (int)n);
	ck_assert_mem_eq(dec, v->in, n);
}
END_TEST

START_TEST(base64url_uses_url_alphabet)
{
	static const unsigned char	in[] = { 0xfb, 0xff, 0xbf };
	unsigned char			dec[4];
	char				enc[8];

	base64url_encode(in, sizeof(in), enc);
	ck_assert_str_eq(enc, "-_-_");
	ck_assert_int_eq(base64url_decode("-_-_", dec, sizeof(dec)), 3);
	ck_assert_mem_eq(dec, in, 3);
}
END_TEST

START_TEST(base64url_round_trips_every_length)
{
	unsigned char	in[96], dec[96];
	char		enc[4 * ((96 + 2) / 3) + 1];
	size_t		n, i;

	for (i = 0; i < sizeof(in); i++)
		in[i] = (unsigned char)(i * 37 + 11);
	for (n = 0; n <= sizeof(in); n++) {
		base64url_encode(in, n, enc);
		ck_assert_uint_eq(strlen(enc), (4 * n + 2) / 3);
		ck_assert_int_eq(base64url_decode(enc, dec, sizeof(dec)), (int)n);
		ck_assert_mem_eq(dec, in, n);
	}
}
END_TEST

START_TEST(base64url_decode_refuses_bad_input)
{
	unsigned char	dec[16];

	ck_assert_int_eq(base64url_decode("Zm9v=", dec, sizeof(dec)), -1);
	ck_assert_int_eq(base64url_decode("Zg==", dec, sizeof(dec)), -1);
	ck_assert_int_eq(base64url_decode("Zm+v", dec, sizeof(dec)), -1);
	ck_assert_int_eq(base64url_decode("Zm/v", dec, sizeof(dec)), -1);
	ck_assert_int_eq(base64url_decode("Zm 9v", dec, sizeof(dec)), -1);
	ck_assert_int_eq(base64url_decode("Zm9v\n", dec, sizeof(dec)), -1);
	ck_assert_int_eq(base64url_decode("Z", dec, sizeof(dec)), -1);
	ck_assert_int_eq(base64url_decode("Zm9vY", dec, sizeof(dec)), -1);
	ck_assert_int_eq(base64url_decode("Zm9vYmFy", dec, 5), -1);
	ck_assert_int_eq(base64url_decode("Zm9vYmFy", dec, 6), 6);
}
END_TEST

/* RFC 4648 section 10, standard alphabet with padding. */
START_TEST(base64_rfc4648_vectors)
{
	static const struct { const char *in, *b64; } v[] = {
		{ "", "" }, { "f", "Zg==" }, { "fo", "Zm8=" }, { "foo", "Zm9v" },
		{ "foob", "Zm9vYg==" }, { "fooba", "Zm9vYmE=" }, { "foobar", "Zm9vYmFy" },
	};
	char		enc[16];
	unsigned char	dec[16];
	size_t		i, n;

	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		n = strlen(v[i].in);
		base64_encode(u(v[i].in), n, enc);
		ck_assert_str_eq(enc, v[i].b64);
		ck_assert_int_eq(base64_decode(v[i].b64, strlen(v[i].b64), dec, sizeof(dec)), (long)n);
		ck_assert_mem_eq(dec, v[i].in, n);
	}
}
END_TEST

START_TEST(base64_standard_alphabet_and_strictness)
{
	static const unsigned char	in[] = { 0xfb, 0xff, 0xbf };
	unsigned char			dec[8];
	char				enc[8];

	base64_encode(in, sizeof(in), enc);
	ck_assert_str_eq(enc, "+/+/");
	ck_assert_int_eq(base64_decode("+/+/", 4, dec, sizeof(dec)), 3);
	ck_assert_mem_eq(dec, in, 3);
	ck_assert_int_eq(base64_decode("-_-_", 4, dec, sizeof(dec)), -1);	/* url alphabet */
	ck_assert_int_eq(base64_decode("Zg", 2, dec, sizeof(dec)), -1);	/* unpadded */
	ck_assert_int_eq(base64_decode("Zh==", 4, dec, sizeof(dec)), -1);	/* unused bits set */
	ck_assert_int_eq(base64_decode("Z=g=", 4, dec, sizeof(dec)), -1);	/* padding inside */
	ck_assert_int_eq(base64_decode("Zm9v", 4, dec, 2), -1);		/* too little room */
	ck_assert_int_eq(base64_decode("A", 1, dec, sizeof(dec)), -1);	/* not a multiple of 4 */
}
END_TEST

START_TEST(hex_encode_decode)
{
	static const unsigned char	in[] = { 0x00, 0x01, 0xab, 0xcd, 0xef, 0xff };
	unsigned char			dec[6];
	char				enc[13];

	hex_encode(in, sizeof(in), enc);
	ck_assert_str_eq(enc, "0001abcdefff");
	ck_assert_int_eq(hex_decode("0001abcdefff", dec, 6), 0);
	ck_assert_mem_eq(dec, in, 6);
	ck_assert_int_eq(hex_decode("0001ABCDEFFF", dec, 6), 0);
	ck_assert_mem_eq(dec, in, 6);
	hex_encode(in, 0, enc);
	ck_assert_str_eq(enc, "");
}
END_TEST

START_TEST(hex_decode_refuses_bad_input)
{
	unsigned char	dec[4];

	ck_assert_int_eq(hex_decode("0001ab", dec, 4), -1);		/* short */
	ck_assert_int_eq(hex_decode("0001abc", dec, 4), -1);	/* odd */
	ck_assert_int_eq(hex_decode("0001abcdef", dec, 4), -1);	/* long */
	ck_assert_int_eq(hex_decode("0001abcg", dec, 4), -1);
	ck_assert_int_eq(hex_decode("0x01abcd", dec, 4), -1);
	ck_assert_int_eq(hex_decode(" 001abcd", dec, 4), -1);
	ck_assert_int_eq(hex_decode("", dec, 0), 0);
	ck_assert_int_eq(hex_decode("0", dec, 0), -1);
}
END_TEST

START_TEST(sha256_and_hmac_vectors)
{
	unsigned char	out[64];
	size_t		n = 0;

	/* FIPS 180-2 "abc". */
	ck_assert_int_eq(crypto_sha256("abc", 3, out), CE_OK);
	assert_hex(out, SHA256_LEN,
	    "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	/* RFC 4231 test case 2. */
	ck_assert_int_eq(crypto_hmac("SHA256", "Jefe", 4, "what do ya want for nothing?", 28,
	    out, &n), CE_OK);
	ck_assert_uint_eq(n, 32);
	assert_hex(out, n,
	    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
	/* RFC 2202 test case 2. */
	ck_assert_int_eq(crypto_hmac("SHA1", "Jefe", 4, "what do ya want for nothing?", 28,
	    out, &n), CE_OK);
	ck_assert_uint_eq(n, 20);
	assert_hex(out, n, "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79");
	ck_assert_int_eq(crypto_hmac("MD5", "k", 1, "d", 1, out, &n), CE_CRYPTO);
}
END_TEST

START_TEST(equal_and_random)
{
	unsigned char	a[32], b[32];

	ck_assert(crypto_equal("abcd", "abcd", 4));
	ck_assert(!crypto_equal("abcd", "abce", 4));
	ck_assert(crypto_equal("abcd", "abce", 3));
	ck_assert_int_eq(crypto_random(a, sizeof(a)), CE_OK);
	ck_assert_int_eq(crypto_random(b, sizeof(b)), CE_OK);
	ck_assert(!crypto_equal(a, b, sizeof(a)));
}
END_TEST

START_TEST(seal_round_trip_and_tamper)
{
	unsigned char	 key[SEAL_KEY_LEN], other[SEAL_KEY_LEN];
	unsigned char	 msg[20], sealed[20 + SEAL_OVERHEAD], again[20 + SEAL_OVERHEAD];
	unsigned char	 out[20];
	size_t		 n = 0, i;

	memset(key, 0x11, sizeof(key));
	memset(other, 0x22, sizeof(other));
	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (unsigned char)i;
	ck_assert_int_eq(crypto_seal(key, "label", msg, sizeof(msg), sealed), CE_OK);
	ck_assert_int_eq(sealed[0], 0x01);
	ck_assert_int_eq(crypto_open(key, "label", sealed, sizeof(sealed), out, &n), CE_OK);
	ck_assert_uint_eq(n, sizeof(msg));
	ck_assert_mem_eq(out, msg, sizeof(msg));
	/* A fresh nonce each time: the same secret never seals the same way. */
	ck_assert_int_eq(crypto_seal(key, "label", msg, sizeof(msg), again), CE_OK);
	ck_assert(memcmp(sealed, again, sizeof(sealed)) != 0);
	/* Another key, another label, any flipped byte, a short input: refused. */
	ck_assert_int_eq(crypto_open(other, "label", sealed, sizeof(sealed), out, &n), CE_INVALID);
	ck_assert_int_eq(crypto_open(key, "label2", sealed, sizeof(sealed), out, &n), CE_INVALID);
	for (i = 1; i < sizeof(sealed); i++) {
		sealed[i] ^= 0x40;
		ck_assert_int_eq(crypto_open(key, "label", sealed, sizeof(sealed), out, &n),
		    CE_INVALID);
		sealed[i] ^= 0x40;
	}
	sealed[0] = 0x02;
	ck_assert_int_eq(crypto_open(key, "label", sealed, sizeof(sealed), out, &n), CE_INVALID);
	ck_assert_int_eq(crypto_open(key, "label", sealed, SEAL_OVERHEAD - 1, out, &n),
	    CE_INVALID);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite	*s = suite_create("crypto");
	TCase	*tc;

	tc = tcase_create("totp");
	tcase_add_loop_test(tc, totp_rfc6238_sha1, 0, (int)nitems(totp_vectors));
	tcase_add_loop_test(tc, totp_rfc6238_sha256, 0, (int)nitems(totp_vectors));
	tcase_add_loop_test(tc, totp_rfc6238_sha512, 0, (int)nitems(totp_vectors));
	tcase_add_test(tc, totp_code_six_digits_is_the_tail_of_eight);
	tcase_add_test(tc, totp_code_refuses_bad_arguments);
	tcase_add_test(tc, totp_verify_accepts_now_and_one_step_either_side);
	tcase_add_test(tc, totp_verify_rejects_two_steps_away);
	tcase_add_test(tc, totp_verify_accepts_a_code_once);
	tcase_add_test(tc, totp_verify_refuses_step_at_last_step);
	tcase_add_test(tc, totp_verify_refuses_malformed_codes);
	suite_add_tcase(s, tc);

	tc = tcase_create("scrypt");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, scrypt_rfc7914_empty);
	tcase_add_test(tc, scrypt_rfc7914_password_nacl);
	tcase_add_test(tc, scrypt_rfc7914_sodium_chloride);
	tcase_add_test(tc, scrypt_refuses_bad_n);
	tcase_add_test(tc, pwhash_round_trip);
	tcase_add_test(tc, pwhash_salts_differ);
	tcase_add_test(tc, pwhash_verify_uses_stored_parameters);
	tcase_add_test(tc, pwhash_tampered_hash_is_invalid);
	tcase_add_test(tc, pwhash_make_refuses_bad_parameters);
	tcase_add_test(tc, pwhash_verify_matches_independent_scrypt);
	tcase_add_test(tc, pwhash_malformed_stored_is_invalid);
	tcase_add_test(tc, pwhash_needs_rehash_compares_each_parameter);
	suite_add_tcase(s, tc);

	tc = tcase_create("encodings");
	tcase_add_loop_test(tc, base32_rfc4648_vectors, 0, (int)nitems(rfc4648));
	tcase_add_test(tc, base32_decode_is_lenient_about_case_padding_spaces);
	tcase_add_test(tc, base32_decode_refuses_bad_input);
	tcase_add_test(tc, base32_round_trip_totp_secret);
	tcase_add_loop_test(tc, base64url_rfc4648_vectors, 0, (int)nitems(rfc4648));
	tcase_add_test(tc, base64url_uses_url_alphabet);
	tcase_add_test(tc, base64url_round_trips_every_length);
	tcase_add_test(tc, base64url_decode_refuses_bad_input);
	tcase_add_test(tc, base64_rfc4648_vectors);
	tcase_add_test(tc, base64_standard_alphabet_and_strictness);
	tcase_add_test(tc, hex_encode_decode);
	tcase_add_test(tc, hex_decode_refuses_bad_input);
	suite_add_tcase(s, tc);

	tc = tcase_create("primitives");
	tcase_add_test(tc, sha256_and_hmac_vectors);
	tcase_add_test(tc, equal_and_random);
	tcase_add_test(tc, seal_round_trip_and_tamper);
	suite_add_tcase(s, tc);
	return s;
}
