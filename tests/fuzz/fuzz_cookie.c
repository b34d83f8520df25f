/*
 * libFuzzer target: a Cookie header through req_cookie() for the names the
 * modules look up, and the same bytes as a request path through req_match()
 * against route patterns. A cookie value found is never empty, never longer
 * than 4096 bytes and never holds a ';'.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"
#include "req.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char *const	names[] = {
	"__Host-clinic_session", "clinic_session", "a", "x=y",
};

static const char *const	patterns[] = {
	"/api/v1/auth/login",
	"/api/v1/patients/{id}",
	"/api/v1/patients/{id}/documents/{doc}",
	"/{a}/{b}/{c}/{d}",
	"/{a}/{b}/{c}/{d}/{e}",
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pool	*pool;
	struct req		 r;
	char			*h, *v;
	size_t			 i, j, n;

	if (pool == NULL && (pool = pool_new()) == NULL)
		abort();
	if ((h = pool_strndup(pool, (const char *)data, size)) == NULL)
		abort();
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if ((v = req_cookie(pool, h, names[i])) == NULL)
			continue;
		n = strlen(v);
		if (n == 0 || n > 4096 || strchr(v, ';') != NULL)
			abort();
	}
	memset(&r, 0, sizeof(r));
	r.pool = pool;
	for (i = 0; i < sizeof(patterns) / sizeof(patterns[0]); i++) {
		if (!req_match(&r, patterns[i], h))
			continue;
		if (r.nparams > REQ_MAX_PARAMS)
			abort();
		for (j = 0; j < r.nparams; j++)
			if (*r.param_values[j] == '\0' || strchr(r.param_values[j], '/') != NULL ||
			    req_param(&r, r.param_names[j]) == NULL)
				abort();
	}
	pool_reset(pool);
	return 0;
}
