/*
 * libFuzzer target: a query string through valid_query(), the raw bytes
 * through valid_urldecode() and valid_value() for every field type.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "pool.h"
#include "valid.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const struct field	fields[] = {
	{ "q", V_STRING, false, 0, 100, NULL },
	{ "text", V_TEXT, false, 0, 100, NULL },
	{ "email", V_EMAIL, false, 0, 0, NULL },
	{ "pw", V_PASSWORD, false, 1, 64, NULL },
	{ "from", V_DATE, false, 0, 0, NULL },
	{ "at", V_DATETIME, false, 0, 0, NULL },
	{ "page", V_INT, true, 1, 1000, NULL },
	{ "all", V_BOOL, false, 0, 0, NULL },
	{ "sort", V_ENUM, false, 0, 0, "name|date|-date" },
	{ "code", V_OTP, false, 0, 0, NULL },
};
#define NFIELDS	(sizeof(fields) / sizeof(fields[0]))

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pool	*pool;
	struct vresult		 out;
	const char		*why, *norm;
	char			*qs, *dec;
	size_t			 i, declen;
	int64_t			 ival;
	int			 rc;

	if (pool == NULL && (pool = pool_new()) == NULL)
		abort();
	/* Query strings arrive NUL-terminated; embedded NULs end them early. */
	if ((qs = pool_strndup(pool, (const char *)data, size)) == NULL)
		abort();
	rc = valid_query(pool, fields, NFIELDS, qs, &out);
	if (rc == -2 || (rc == 0) != (out.nerrs == 0))
		abort();
	for (i = 0; rc == 0 && i < NFIELDS; i++)
		if (out.vals[i].present && out.vals[i].s == NULL)
			abort();
	if (rc == 0 && (out.vals[6].i < 1 || out.vals[6].i > 1000))
		abort();

	if ((dec = valid_urldecode(pool, (const char *)data, size, &declen)) != NULL &&
	    (declen > size || dec[declen] != '\0'))
		abort();

	for (i = 0; i < NFIELDS; i++) {
		norm = NULL;
		if ((why = valid_value(pool, &fields[i], (const char *)data, size, &norm,
		    &ival)) == NULL && norm == NULL)
			abort();
	}
	pool_reset(pool);
	return 0;
}
