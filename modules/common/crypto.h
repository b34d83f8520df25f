#ifndef CLINIC_CRYPTO_H
#define CLINIC_CRYPTO_H
/*
 * OpenSSL wrappers: randomness, SHA-256, HMAC, TOTP (RFC 6238), scrypt
 * password hashes (RFC 7914 via EVP_KDF), base32/base64url/hex.
 * No function here allocates unless it says so.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define SHA256_LEN	32

/* Fills buf with n cryptographically random bytes. CE_OK or CE_CRYPTO. */
enum cerr	crypto_random(void *buf, size_t n);
/* out = SHA-256(data). */
enum cerr	crypto_sha256(const void *data, size_t len, unsigned char out[SHA256_LEN]);
/* out = HMAC-<md>(key, data); md is "SHA1" or "SHA256"; *outlen is set. */
enum cerr	crypto_hmac(const char *md, const void *key, size_t keylen,
		    const void *data, size_t len, unsigned char *out, size_t *outlen);
/* Constant-time comparison of n bytes: true when equal. */
bool		crypto_equal(const void *a, const void *b, size_t n);

/* Lower-case hex of n bytes into out (2n+1 bytes incl. NUL). */
void		hex_encode(const unsigned char *in, size_t n, char *out);
/* Decodes exactly 2n hex digits into n bytes. Returns 0 or -1. */
int		hex_decode(const char *in, unsigned char *out, size_t n);

/* Unpadded RFC 4648 base32 into out (needs (n*8+4)/5+1 bytes). */
void		base32_encode(const unsigned char *in, size_t n, char *out);
/*
 * Decodes base32 (case-insensitive, '=' padding and spaces ignored) into out,
 * which has room for cap bytes. Returns the byte count or -1 on bad input.
 */
int		base32_decode(const char *in, unsigned char *out, size_t cap);

/* Standard base64 with '=' padding into out (needs 4*((n+2)/3)+1 bytes; n < 2^30). */
void		base64_encode(const unsigned char *in, size_t n, char *out);
/*
 * Strict standard base64 of exactly len characters (a multiple of four, '='
 * only as the last one or two, unused bits zero: the one canonical form)
 * into out, which has room for cap bytes. Returns the byte count (0 for
 * empty input), or -1 on bad input or too little room.
 */
long		base64_decode(const char *in, size_t len, unsigned char *out, size_t cap);

/* Unpadded base64url into out (needs 4*((n+2)/3)+1 bytes). */
void		base64url_encode(const unsigned char *in, size_t n, char *out);
/* Decodes unpadded base64url; returns the byte count or -1. */
int		base64url_decode(const char *in, unsigned char *out, size_t cap);

/*
 * RFC 6238 TOTP: the code for time step `step` (unix time / 30) with HMAC-SHA1
 * over key, `digits` digits (6..8). Returns the code, or -1 on failure.
 */
long		totp_code(const unsigned char *key, size_t keylen, uint64_t step,
		    int digits, const char *md);
/*
 * Checks a 6-digit code against steps now-1..now+1 (HMAC-SHA1, 30 s).
 * A step at or below *last_step is never accepted (a code is used once).
 * On success returns true and sets *last_step to the matching step.
 */
bool		totp_verify(const unsigned char *key, size_t keylen, const char *code,
		    uint64_t now, int64_t *last_step);

/* scrypt raw: out = scrypt(pass, salt, N, r, p) of outlen bytes. */
enum cerr	crypto_scrypt(const char *pass, size_t passlen, const unsigned char *salt,
		    size_t saltlen, uint64_t n, uint64_t r, uint64_t p,
		    unsigned char *out, size_t outlen);

#define SEAL_KEY_LEN	32			/* AES-256 */
#define SEAL_OVERHEAD	(1 + 12 + 16)		/* version, nonce, tag */
/*
 * AES-256-GCM with a fresh random 96-bit nonce, binding aad (a label naming
 * what the secret is for): out = 0x01 || nonce || ciphertext || tag, which
 * needs len + SEAL_OVERHEAD bytes. CE_OK or CE_CRYPTO.
 */
enum cerr	crypto_seal(const unsigned char key[SEAL_KEY_LEN], const char *aad,
		    const void *in, size_t len, unsigned char *out);
/*
 * Reverses crypto_seal into out (room for len - SEAL_OVERHEAD bytes); sets
 * *outlen. CE_INVALID when the input is malformed, was sealed under another
 * key or label, or was altered; CE_CRYPTO on library failure.
 */
enum cerr	crypto_open(const unsigned char key[SEAL_KEY_LEN], const char *aad,
		    const unsigned char *in, size_t len, unsigned char *out, size_t *outlen);

#define PWHASH_MAX	160
/*
 * Hashes a password with a fresh 16-byte salt into
 * "$scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt b64url>$<hash b64url>" (NUL-terminated,
 * at most PWHASH_MAX bytes) in out.
 */
enum cerr	pwhash_make(const char *pass, int log_n, int r, int p, char out[PWHASH_MAX]);
/*
 * Verifies pass against a stored hash using the parameters stored with it.
 * Returns CE_OK on a match, CE_INVALID on mismatch or malformed hash,
 * CE_CRYPTO on library failure. Takes the same time for either outcome.
 */
enum cerr	pwhash_verify(const char *pass, const char *stored);
/* True when the stored hash uses parameters below the given ones (rehash). */
bool		pwhash_needs_rehash(const char *stored, int log_n, int r, int p);

#endif
