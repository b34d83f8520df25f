#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

#include "crypto.h"

enum cerr
crypto_random(void *buf, size_t n)
{
	if (n > INT32_MAX || RAND_bytes(buf, (int)n) != 1)
		return CE_CRYPTO;
	return CE_OK;
}

enum cerr
crypto_sha256(const void *data, size_t len, unsigned char out[SHA256_LEN])
{
	static EVP_MD	*sha256;	/* fetched once per process, never freed */
	unsigned int	 outlen = 0;

	if (sha256 == NULL && (sha256 = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL)
		return CE_CRYPTO;
	if (EVP_Digest(data, len, out, &outlen, sha256, NULL) != 1 ||
	    outlen != SHA256_LEN)
		return CE_CRYPTO;
	return CE_OK;
}

enum cerr
crypto_hmac(const char *md, const void *key, size_t keylen, const void *data,
    size_t len, unsigned char *out, size_t *outlen)
{
	const EVP_MD	*m;
	unsigned int	 n = 0;

	if (strcmp(md, "SHA1") == 0)
		m = EVP_sha1();
	else if (strcmp(md, "SHA256") == 0)
		m = EVP_sha256();
	else if (strcmp(md, "SHA512") == 0)
		m = EVP_sha512();
	else
		return CE_CRYPTO;
	if (keylen > INT32_MAX || HMAC(m, key, (int)keylen, data, len, out, &n) == NULL)
		return CE_CRYPTO;
	*outlen = n;
	return CE_OK;
}

bool
crypto_equal(const void *a, const void *b, size_t n)
{
	return CRYPTO_memcmp(a, b, n) == 0;
}

void
hex_encode(const unsigned char *in, size_t n, char *out)
{
	static const char	digits[] = "0123456789abcdef";
	size_t			i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[in[i] >> 4];
		out[2 * i + 1] = digits[in[i] & 0xf];
	}
	out[2 * n] = '\0';
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int
hex_decode(const char *in, unsigned char *out, size_t n)
{
	size_t	i;
	int	hi, lo;

	for (i = 0; i < n; i++) {
		if ((hi = hexval((unsigned char)in[2 * i])) < 0 ||
		    (lo = hexval((unsigned char)in[2 * i + 1])) < 0)
			return -1;
		out[i] = (unsigned char)(hi << 4 | lo);
	}
	return in[2 * n] == '\0' ? 0 : -1;
}

static const char	b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

void
base32_encode(const unsigned char *in, size_t n, char *out)
{
	size_t		i, o = 0;
	unsigned	buf = 0;
	int		bits = 0;

	for (i = 0; i < n; i++) {
		buf = (buf << 8) | in[i];
		bits += 8;
		while (bits >= 5) {
			out[o++] = b32[(buf >> (bits - 5)) & 31];
			bits -= 5;
		}
	}
	if (bits > 0)
		out[o++] = b32[(buf << (5 - bits)) & 31];
	out[o] = '\0';
}

int
base32_decode(const char *in, unsigned char *out, size_t cap)
{
	unsigned	buf = 0;
	int		bits = 0, v;
	size_t		o = 0;
	const char	*p;

	for (p = in; *p != '\0'; p++) {
		int c = (unsigned char)*p;
		if (c == '=' || c == ' ' || c == '-')
			continue;
		if (c >= 'a' && c <= 'z')
			c -= 32;
		if (c >= 'A' && c <= 'Z')
			v = c - 'A';
		else if (c >= '2' && c <= '7')
			v = c - '2' + 26;
		else
			return -1;
		buf = (buf << 5) | (unsigned)v;
		bits += 5;
		if (bits >= 8) {
			if (o >= cap)
				return -1;
			out[o++] = (unsigned char)(buf >> (bits - 8));
			bits -= 8;
		}
		buf &= 0xff;
	}
	return o > INT32_MAX ? -1 : (int)o;
}

static const char	b64u[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

void
base64url_encode(const unsigned char *in, size_t n, char *out)
{
	size_t		i, o = 0;
	uint32_t	v;

	for (i = 0; i + 2 < n; i += 3) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
		out[o++] = b64u[v >> 18];
		out[o++] = b64u[(v >> 12) & 63];
		out[o++] = b64u[(v >> 6) & 63];
		out[o++] = b64u[v & 63];
	}
	if (n - i == 1) {
		v = (uint32_t)in[i] << 16;
		out[o++] = b64u[v >> 18];
		out[o++] = b64u[(v >> 12) & 63];
	} else if (n - i == 2) {
		v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
		out[o++] = b64u[v >> 18];
		out[o++] = b64u[(v >> 12) & 63];
		out[o++] = b64u[(v >> 6) & 63];
	}
	out[o] = '\0';
}

int
base64url_decode(const char *in, unsigned char *out, size_t cap)
{
	uint32_t	buf = 0;
	int		bits = 0;
	size_t		o = 0;
	const char	*p, *q;

	for (p = in; *p != '\0'; p++) {
		if ((q = strchr(b64u, *p)) == NULL)
			return -1;
		buf = (buf << 6) | (uint32_t)(q - b64u);
		bits += 6;
		if (bits >= 8) {
			if (o >= cap)
				return -1;
			out[o++] = (unsigned char)(buf >> (bits - 8));
			bits -= 8;
		}
		buf &= 0xff;
	}
	if (bits >= 6)
		return -1;	/* a lone trailing character encodes no byte */
	return o > INT32_MAX ? -1 : (int)o;
}

long
totp_code(const unsigned char *key, size_t keylen, uint64_t step, int digits,
    const char *md)
{
	unsigned char	msg[8], mac[64];
	size_t		maclen = 0;
	int		i;
	unsigned	off;
	uint32_t	bin;
	long		mod = 1;

	if (digits < 6 || digits > 8)
		return -1;
	for (i = 7; i >= 0; i--) {
		msg[i] = (unsigned char)(step & 0xff);
		step >>= 8;
	}
	if (crypto_hmac(md, key, keylen, msg, sizeof(msg), mac, &maclen) != CE_OK ||
	    maclen < 20)
		return -1;
	off = mac[maclen - 1] & 0x0f;
	bin = (uint32_t)(mac[off] & 0x7f) << 24 | (uint32_t)mac[off + 1] << 16 |
	    (uint32_t)mac[off + 2] << 8 | mac[off + 3];
	for (i = 0; i < digits; i++)
		mod *= 10;
	return (long)(bin % (uint32_t)mod);
}

bool
totp_verify(const unsigned char *key, size_t keylen, const char *code,
    uint64_t now, int64_t *last_step)
{
	uint64_t	step = now / 30, s;
	long		want = 0, got;
	int		i;
	bool		ok = false;

	for (i = 0; i < 6; i++) {
		if (code[i] < '0' || code[i] > '9')
			return false;
		want = want * 10 + (code[i] - '0');
	}
	if (code[6] != '\0')
		return false;
	/* Check all three steps so timing does not reveal which one matched. */
	for (s = step == 0 ? 0 : step - 1; s <= step + 1; s++) {
		got = totp_code(key, keylen, s, 6, "SHA1");
		if (got == want && (int64_t)s > *last_step && !ok) {
			ok = true;
			*last_step = (int64_t)s;
		}
	}
	return ok;
}

enum cerr
crypto_scrypt(const char *pass, size_t passlen, const unsigned char *salt,
    size_t saltlen, uint64_t n, uint64_t r, uint64_t p, unsigned char *out,
    size_t outlen)
{
	EVP_KDF		*kdf;
	EVP_KDF_CTX	*ctx;
	OSSL_PARAM	 params[6], *q = params;
	uint64_t	 maxmem = 128 * r * (n + p + 2) + (1u << 20);
	enum cerr	 rc = CE_CRYPTO;

	if ((kdf = EVP_KDF_fetch(NULL, "SCRYPT", NULL)) == NULL)
		return CE_CRYPTO;
	ctx = EVP_KDF_CTX_new(kdf);
	EVP_KDF_free(kdf);
	if (ctx == NULL)
		return CE_CRYPTO;
	*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_PASSWORD,
	    (void *)(uintptr_t)pass, passlen);
	*q++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
	    (void *)(uintptr_t)salt, saltlen);
	*q++ = OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_N, &n);
	*q++ = OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_R, &r);
	*q++ = OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_P, &p);
	*q = OSSL_PARAM_construct_end();
	/* maxmem must cover 128*r*N (V) plus 128*r*p (B). */
	{
		OSSL_PARAM mm[2] = {
			OSSL_PARAM_construct_uint64(OSSL_KDF_PARAM_SCRYPT_MAXMEM, &maxmem),
			OSSL_PARAM_construct_end(),
		};
		if (EVP_KDF_CTX_set_params(ctx, mm) != 1)
			goto out;
	}
	if (EVP_KDF_derive(ctx, out, outlen, params) == 1)
		rc = CE_OK;
out:
	EVP_KDF_CTX_free(ctx);
	return rc;
}

enum cerr
crypto_seal(const unsigned char key[SEAL_KEY_LEN], const char *aad, const void *in,
    size_t len, unsigned char *out)
{
	EVP_CIPHER_CTX	*ctx;
	unsigned char	*nonce = out + 1, *ct = out + 13;
	int		 n = 0, fin = 0;
	enum cerr	 rc = CE_CRYPTO;

	if (len > INT32_MAX - SEAL_OVERHEAD)
		return CE_CRYPTO;
	out[0] = 0x01;
	if (crypto_random(nonce, 12) != CE_OK || (ctx = EVP_CIPHER_CTX_new()) == NULL)
		return CE_CRYPTO;
	if (EVP_EncryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, nonce) == 1 &&
	    EVP_EncryptUpdate(ctx, NULL, &n, (const unsigned char *)aad, (int)strlen(aad)) == 1 &&
	    EVP_EncryptUpdate(ctx, ct, &n, in, (int)len) == 1 &&
	    EVP_EncryptFinal_ex(ctx, ct + n, &fin) == 1 &&
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, 16, ct + len) == 1)
		rc = CE_OK;
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

enum cerr
crypto_open(const unsigned char key[SEAL_KEY_LEN], const char *aad, const unsigned char *in,
    size_t len, unsigned char *out, size_t *outlen)
{
	EVP_CIPHER_CTX	*ctx;
	unsigned char	 tag[16];
	size_t		 ctlen;
	int		 n = 0, fin = 0, ok;

	if (len < SEAL_OVERHEAD || len > INT32_MAX || in[0] != 0x01)
		return CE_INVALID;
	ctlen = len - SEAL_OVERHEAD;
	memcpy(tag, in + 13 + ctlen, sizeof(tag));
	if ((ctx = EVP_CIPHER_CTX_new()) == NULL)
		return CE_CRYPTO;
	ok = EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, key, in + 1) == 1 &&
	    EVP_DecryptUpdate(ctx, NULL, &n, (const unsigned char *)aad, (int)strlen(aad)) == 1 &&
	    EVP_DecryptUpdate(ctx, out, &n, in + 13, (int)ctlen) == 1 &&
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, sizeof(tag), tag) == 1;
	/* Final checks the tag: failure means altered, or another key or label. */
	if (ok && EVP_DecryptFinal_ex(ctx, out + n, &fin) != 1)
		ok = -1;
	EVP_CIPHER_CTX_free(ctx);
	if (ok != 1) {
		OPENSSL_cleanse(out, ctlen);
		return ok == -1 ? CE_INVALID : CE_CRYPTO;
	}
	*outlen = ctlen;
	return CE_OK;
}

#define PW_SALT	16
#define PW_OUT	32

enum cerr
pwhash_make(const char *pass, int log_n, int r, int p, char out[PWHASH_MAX])
{
	unsigned char	salt[PW_SALT], dk[PW_OUT];
	char		s64[32], d64[48];
	enum cerr	rc;
	int		n;

	if (log_n < 1 || log_n > 30 || r < 1 || p < 1)
		return CE_INVALID;
	if ((rc = crypto_random(salt, sizeof(salt))) != CE_OK)
		return rc;
	if ((rc = crypto_scrypt(pass, strlen(pass), salt, sizeof(salt),
	    (uint64_t)1 << log_n, (uint64_t)r, (uint64_t)p, dk, sizeof(dk))) != CE_OK)
		return rc;
	base64url_encode(salt, sizeof(salt), s64);
	base64url_encode(dk, sizeof(dk), d64);
	OPENSSL_cleanse(dk, sizeof(dk));
	n = snprintf(out, PWHASH_MAX, "$scrypt$ln=%d,r=%d,p=%d$%s$%s", log_n, r, p, s64, d64);
	return n > 0 && n < PWHASH_MAX ? CE_OK : CE_INVALID;
}

struct pwparts {
	int		log_n, r, p;
	unsigned char	salt[64];
	int		saltlen;
	unsigned char	dk[64];
	int		dklen;
};

static int
pwhash_parse(const char *stored, struct pwparts *pp)
{
	char	salt[128], dk[128];
	int	used = 0;

	if (strlen(stored) >= PWHASH_MAX)
		return -1;
	if (sscanf(stored, "$scrypt$ln=%d,r=%d,p=%d$%127[A-Za-z0-9_-]$%127[A-Za-z0-9_-]%n",
	    &pp->log_n, &pp->r, &pp->p, salt, dk, &used) != 5 || stored[used] != '\0')
		return -1;
	if (pp->log_n < 1 || pp->log_n > 30 || pp->r < 1 || pp->r > 64 ||
	    pp->p < 1 || pp->p > 64)
		return -1;
	if ((pp->saltlen = base64url_decode(salt, pp->salt, sizeof(pp->salt))) < 8 ||
	    (pp->dklen = base64url_decode(dk, pp->dk, sizeof(pp->dk))) < 16)
		return -1;
	return 0;
}

enum cerr
pwhash_verify(const char *pass, const char *stored)
{
	struct pwparts	pp;
	unsigned char	dk[64];
	enum cerr	rc;

	if (pwhash_parse(stored, &pp) == -1)
		return CE_INVALID;
	if ((rc = crypto_scrypt(pass, strlen(pass), pp.salt, (size_t)pp.saltlen,
	    (uint64_t)1 << pp.log_n, (uint64_t)pp.r, (uint64_t)pp.p, dk,
	    (size_t)pp.dklen)) != CE_OK)
		return rc;
	rc = crypto_equal(dk, pp.dk, (size_t)pp.dklen) ? CE_OK : CE_INVALID;
	OPENSSL_cleanse(dk, sizeof(dk));
	return rc;
}

bool
pwhash_needs_rehash(const char *stored, int log_n, int r, int p)
{
	struct pwparts	pp;

	if (pwhash_parse(stored, &pp) == -1)
		return true;
	return pp.log_n < log_n || pp.r < r || pp.p < p;
}

void
base64_encode(const unsigned char *in, size_t n, char *out)
{
	/* EVP_EncodeBlock writes 4*((n+2)/3) characters and a NUL, no newlines. */
	(void)EVP_EncodeBlock((unsigned char *)out, in, (int)n);
}

static int
base64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

long
base64_decode(const char *in, size_t len, unsigned char *out, size_t cap)
{
	size_t		i, j, o = 0, pad = 0, total;
	uint32_t	v = 0;
	int		d;

	if (len % 4 != 0)
		return -1;
	if (len == 0)
		return 0;
	if (in[len - 1] == '=')
		pad = in[len - 2] == '=' ? 2 : 1;
	total = len / 4 * 3 - pad;
	if (total > cap)
		return -1;
	for (i = 0; i < len; i += 4) {
		v = 0;
		for (j = 0; j < 4; j++) {
			if (i + j >= len - pad)
				d = 0;
			else if ((d = base64_value((unsigned char)in[i + j])) < 0)
				return -1;
			v = v << 6 | (uint32_t)d;
		}
		out[o++] = (unsigned char)(v >> 16);
		if (o < total)
			out[o++] = (unsigned char)(v >> 8);
		if (o < total)
			out[o++] = (unsigned char)v;
	}
	if ((pad == 1 && (v & 0xff) != 0) || (pad == 2 && (v & 0xffff) != 0))
		return -1;
	return (long)total;
}

