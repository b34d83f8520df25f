/*
 * libFuzzer target: the pharmacy's check of a received prescription
 * (modules/pharmacy/ph_check.c). The input is the document's bytes, as the
 * clinic's message carries them; after a first NUL byte, the rest is taken
 * as a signature. Whatever arrives, reading and checking must not crash or
 * leak, every reason must have a known code, and a signature over the input
 * must never verify under a fixed key that did not make it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "pool.h"
#include "ph.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* A P-256 public key whose private part nobody has here. */
static const char PEM[] =
    "-----BEGIN PUBLIC KEY-----\n"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEgGrHdld1rSuaCltt1D/V1fTqEuS6\n"
    "n0qv8AX/FkZt8mupCXzJasSBnJqh/93nVkoahTV2s1c0ejpIJYZJJ3JuZg==\n"
    "-----END PUBLIC KEY-----\n";

static const char *const codes[] = { "field-missing", "document-mismatch", "not-yet-valid",
	"expired", "validity-too-long" };

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pool		*p = pool_new();
	struct ph_doc		 d;
	struct ph_verdict	 v;
	struct json_object	*a;
	const uint8_t		*nul;
	size_t			 doclen, i, k;
	char			 fp[65];

	if (p == NULL)
		return 0;
	nul = memchr(data, 0, size);
	doclen = nul != NULL ? (size_t)(nul - data) : size;
	memset(&v, 0, sizeof(v));
	if (ph_doc_parse(p, (const char *)data, doclen, &d, &v) == 0) {
		ph_doc_check(&d, d.prescription_id, d.key_fingerprint, d.prescriber_id,
		    1795687200, &v);
		if (d.issued_at != NULL)
			(void)ph_time_parse(d.issued_at);
	}
	if (v.n > PH_REASONS_MAX)
		abort();
	for (i = 0; i < v.n; i++) {
		for (k = 0; k < sizeof(codes) / sizeof(codes[0]); k++)
			if (strcmp(v.r[i].code, codes[k]) == 0)
				break;
		if (k == sizeof(codes) / sizeof(codes[0]) || memchr(v.r[i].message, 0,
		    sizeof(v.r[i].message)) == NULL)
			abort();
	}
	if ((a = ph_reasons_json(&v)) != NULL)
		json_object_put(a);
	if (nul != NULL && ph_sig_verify(PEM, sizeof(PEM) - 1, (const char *)data, doclen,
	    nul + 1, size - doclen - 1) == 1)
		abort();
	/* any text as a key: either a fingerprint of 64 hex digits, or refused */
	if (ph_pem_fingerprint((const char *)data, doclen, fp) == 0 && strlen(fp) != 64)
		abort();
	pool_free(p);
	return 0;
}
