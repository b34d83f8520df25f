/*
 * libFuzzer target: a request body through req_parse_json() and, when it
 * parses, valid_json() against a table using every field type. Checks the
 * contracts a handler relies on: a reason whenever parsing fails, an error
 * list exactly when validation fails, typed values within their limits.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "pool.h"
#include "req.h"
#include "valid.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const struct field	fields[] = {
	{ "email", V_EMAIL, true, 0, 0, NULL },
	{ "name", V_STRING, false, 1, 40, NULL },
	{ "notes", V_TEXT, false, 0, 200, NULL },
	{ "password", V_PASSWORD, false, 8, 128, NULL },
	{ "born", V_DATE, false, 0, 0, NULL },
	{ "at", V_DATETIME, false, 0, 0, NULL },
	{ "age", V_INT, false, 0, 150, NULL },
	{ "consent", V_BOOL, false, 0, 0, NULL },
	{ "role", V_ENUM, false, 0, 0, "patient|clinician|pharmacist" },
	{ "code", V_OTP, false, 0, 0, NULL },
};

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pool	*pool;
	struct json_object	*obj;
	struct vresult		 out;
	const char		*why = NULL;
	size_t			 i, nchars;
	int			 rc;

	if (pool == NULL && (pool = pool_new()) == NULL)
		abort();
	obj = req_parse_json((const char *)data, size, &why);
	if (obj == NULL) {
		/* No value and no reason is the JSON value null, and only that. */
		if (why == NULL) {
			size_t a = 0, b = size;
			while (a < b && strchr(" \t\r\n", data[a]) != NULL && data[a] != '\0')
				a++;
			while (b > a && strchr(" \t\r\n", data[b - 1]) != NULL && data[b - 1] != '\0')
				b--;
			if (b - a != 4 || memcmp(data + a, "null", 4) != 0)
				abort();
		}
		return 0;
	}
	if (why != NULL)
		abort();
	rc = valid_json(pool, fields, sizeof(fields) / sizeof(fields[0]), obj, &out);
	if (rc == -2)
		abort();
	if ((rc == 0) != (out.nerrs == 0))
		abort();
	for (i = 0; i < out.nerrs; i++)
		if (out.errs[i].field == NULL || out.errs[i].detail == NULL)
			abort();
	for (i = 0; rc == 0 && i < sizeof(fields) / sizeof(fields[0]); i++) {
		const struct val *v = &out.vals[i];
		if (!v->present) {
			if (fields[i].required)
				abort();
			continue;
		}
		if (v->s == NULL || memchr(v->s, '\0', v->len) != NULL ||
		    !valid_utf8(v->s, v->len, &nchars))
			abort();
		if (fields[i].type == V_INT && (v->i < fields[i].min || v->i > fields[i].max))
			abort();
		if (fields[i].type == V_STRING && (nchars < (size_t)fields[i].min ||
		    nchars > (size_t)fields[i].max))
			abort();
	}
	json_object_put(obj);
	pool_reset(pool);
	return 0;
}
