#ifndef DOCUMENTS_TUSPARSE_H
#define DOCUMENTS_TUSPARSE_H
/*
 * Pure parsers for the tus 1.0.0 request headers (and the reply's
 * Content-Disposition), so they can be unit-tested and fuzzed alone.
 * Nothing here trusts its input: every function bounds what it reads and
 * either succeeds completely or reports failure without partial results.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct pool;

/*
 * A decimal header value ("Upload-Offset", "Upload-Length"): one or more
 * ASCII digits and nothing else (no sign, no spaces), at most max.
 * Returns 0 and sets *out, or -1 (bad text or larger than max).
 */
int	tus_decimal(const char *s, uint64_t max, uint64_t *out);

#define TUS_META_MAX		16	/* pairs in one Upload-Metadata */
#define TUS_META_VALUE_MAX	1024	/* decoded bytes per value */

struct tus_meta {
	const char	*key;		/* pool-owned */
	const char	*value;		/* pool-owned, NUL-terminated; NULL: key given alone */
	size_t		 len;		/* decoded length (value may hold NUL bytes) */
};

/*
 * Upload-Metadata: comma-separated pairs "key base64value" or "key" alone;
 * keys are 1..64 printable ASCII characters without spaces or commas and
 * appear once; spaces around pairs are allowed. On success returns the number
 * of pairs (0..TUS_META_MAX) with *out pointing at pool memory; -1 when the
 * header is malformed (or on out-of-memory), *out untouched.
 */
int	tus_metadata(struct pool *, const char *s, struct tus_meta **out);
/* The value of key among n pairs, or NULL (absent or given without value). */
const struct tus_meta *tus_meta_get(const struct tus_meta *, int n, const char *key);

enum tus_ck {
	TUS_CK_OK = 0,		/* algorithm "sha1" and a 20-byte digest */
	TUS_CK_MALFORMED,	/* not "<algorithm> <base64>" */
	TUS_CK_UNSUPPORTED,	/* a well-formed header naming another algorithm */
};
/* Upload-Checksum "sha1 <base64 of 20 bytes>" into digest. */
enum tus_ck tus_checksum(const char *s, unsigned char digest[20]);

/*
 * A file name from a client made safe to keep and show: the part after the
 * last '/' or '\', valid UTF-8 without control characters, 1..255 bytes.
 * Returns a pool-owned copy, or NULL when nothing usable is left.
 */
char	*tus_filename(struct pool *, const char *name, size_t len);

/*
 * The Content-Disposition value for downloading name (as tus_filename made
 * it): attachment; filename="<ASCII fallback>"; filename*=UTF-8''<percent-
 * encoded>. The fallback replaces every byte outside printable ASCII, and
 * '"', '\', '%', ';' with '_'. Pool-owned; NULL on out-of-memory.
 */
char	*tus_disposition(struct pool *, const char *name);

#endif
