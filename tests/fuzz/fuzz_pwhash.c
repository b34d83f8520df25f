/*
 * libFuzzer target: the decoders of stored secrets. Every input goes through
 * base32_decode(), base64url_decode() and hex_decode() (round-tripping what
 * decodes), pwhash_needs_rehash(), and pwhash_verify() when the parameters
 * it would use are tiny: verify runs scrypt with the N, r and p written in
 * the hash, so an input asking for ln=30 would only measure memory.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

#define MAX_IN	4096

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		*s, *enc;
	unsigned char	*out, *again;
	size_t		 cap;
	int		 n, m, ln, r, p;
	enum cerr	 rc;

	if (size > MAX_IN)
		return 0;
	if ((s = malloc(size + 1)) == NULL)
		abort();
	memcpy(s, data, size);
	s[size] = '\0';
	cap = size + 1;
	if ((out = malloc(cap)) == NULL || (again = malloc(cap)) == NULL ||
	    (enc = malloc(2 * cap + 8)) == NULL)
		abort();

	if ((n = base32_decode(s, out, cap)) >= 0) {
		if ((size_t)n > cap)
			abort();
		base32_encode(out, (size_t)n, enc);
		if ((m = base32_decode(enc, again, cap)) != n || memcmp(out, again, (size_t)n))
			abort();
	}
	if ((n = base64url_decode(s, out, cap)) >= 0) {
		if ((size_t)n > cap)
			abort();
		base64url_encode(out, (size_t)n, enc);
		if ((m = base64url_decode(enc, again, cap)) != n || memcmp(out, again, (size_t)n))
			abort();
	}
	if (strlen(s) % 2 == 0 && hex_decode(s, out, strlen(s) / 2) == 0) {
		hex_encode(out, strlen(s) / 2, enc);
		if (hex_decode(enc, again, strlen(s) / 2) != 0 ||
		    memcmp(out, again, strlen(s) / 2) != 0)
			abort();
	}

	(void)pwhash_needs_rehash(s, 17, 8, 1);
	/* The same leading parse as pwhash_verify's, to bound the work. */
	if (sscanf(s, "$scrypt$ln=%d,r=%d,p=%d$", &ln, &r, &p) != 3 ||
	    (ln <= 4 && r <= 4 && p <= 2)) {
		rc = pwhash_verify("password", s);
		if (rc != CE_OK && rc != CE_INVALID && rc != CE_CRYPTO)
			abort();
	}
	free(enc);
	free(again);
	free(out);
	free(s);
	return 0;
}
