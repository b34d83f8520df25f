/*
 * libFuzzer target: the tus request headers through modules/documents/
 * tusparse.c (Upload-Metadata, Upload-Checksum, decimal headers, file
 * names and Content-Disposition), and the bytes as a sealed segment through
 * seg_open(). Checks the parsers' promises: decoded values within bounds,
 * unique keys, safe file names, a disposition without quotes or controls in
 * its fallback, and no forged segment ever opening.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "pool.h"
#include "segcrypt.h"
#include "tusparse.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pool	*pool;
	static const unsigned char key[SEG_KEY_LEN] = { 1, 2, 3 };
	static unsigned char	 plain[SEG_PLAIN];
	struct tus_meta		*m;
	unsigned char		 digest[20], buf[256];
	const char		*q;
	char			*s, *f, *d;
	uint64_t		 v;
	size_t			 outlen;
	long			 bl;
	int			 n, i, j;

	if (pool == NULL && (pool = pool_new()) == NULL)
		abort();
	if ((s = pool_strndup(pool, (const char *)data, size)) == NULL)
		abort();
	if ((n = tus_metadata(pool, s, &m)) > TUS_META_MAX)
		abort();
	for (i = 0; i < n; i++) {
		if (*m[i].key == '\0' || strlen(m[i].key) > 64 || strpbrk(m[i].key, " ,") != NULL)
			abort();
		if (m[i].value != NULL && m[i].len > TUS_META_VALUE_MAX)
			abort();
		for (j = 0; j < i; j++)
			if (strcmp(m[i].key, m[j].key) == 0)
				abort();
		if (m[i].value != NULL && (f = tus_filename(pool, m[i].value, m[i].len)) != NULL) {
			if (*f == '\0' || strlen(f) > 255 || strpbrk(f, "/\\\r\n") != NULL)
				abort();
			if ((d = tus_disposition(pool, f)) == NULL)
				abort();
			q = strchr(d, '"');
			if (q == NULL || strchr(q + 1, '"') == NULL)
				abort();
			for (q = d; *q != '\0'; q++)
				if ((unsigned char)*q < 0x20 || (unsigned char)*q >= 0x7f)
					abort();
		}
	}
	if (tus_checksum(s, digest) == TUS_CK_OK && strncmp(s, "sha1 ", 5) != 0)
		abort();
	if (tus_decimal(s, 1000, &v) == 0 && (v > 1000 || strspn(s, "0123456789") != strlen(s)))
		abort();
	bl = base64_decode(s, strlen(s), buf, sizeof(buf));
	if (bl > (long)sizeof(buf))
		abort();
	if (size <= SEG_SEALED && seg_open(key, 0, SEG_LAST, data, size, plain, &outlen) == 0)
		abort();	/* nobody forges a tag without the key */
	pool_reset(pool);
	return 0;
}
