/*
 * The message envelope of the bridge (in_msg.h): pure, no database.
 */
#include <stdbool.h>
#include <string.h>

#include <json-c/json.h>

#include "req.h"
#include "in_msg.h"

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* n digits at s as a number, or -1. */
static int
num(const char *s, size_t n)
{
	int	v = 0;
	size_t	i;

	for (i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static bool
type_ok(const char *s, size_t n)
{
	size_t	i, words = 1;
	bool	start = true;

	if (n == 0 || n > BRIDGE_TYPE_MAX)
		return false;
	for (i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (start)
				return false;	/* empty word */
			start = true;
			words++;
			continue;
		}
		if (start && !(s[i] >= 'a' && s[i] <= 'z'))
			return false;
		if (!(s[i] >= 'a' && s[i] <= 'z') && !is_digit(s[i]) && s[i] != '_')
			return false;
		start = false;
	}
	return !start && words >= 2;
}

static bool
timestamp_ok(const char *s, size_t n)
{
	static const int	mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int			y, mo, d, h, mi, se;
	size_t			i;

	if (n < 20 || n > 30 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
	    s[16] != ':' || s[n - 1] != 'Z')
		return false;
	if ((y = num(s, 4)) < 1 || (mo = num(s + 5, 2)) < 1 || mo > 12 ||
	    (d = num(s + 8, 2)) < 1 || d > mdays[mo - 1] ||
	    (h = num(s + 11, 2)) < 0 || h > 23 || (mi = num(s + 14, 2)) < 0 || mi > 59 ||
	    (se = num(s + 17, 2)) < 0 || se > 60)
		return false;
	if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return false;
	if (n == 20)
		return true;
	/* A fraction: '.' and 1..9 digits before the Z. */
	if (s[19] != '.' || n - 21 < 1 || n - 21 > 9)
		return false;
	for (i = 20; i < n - 1; i++)
		if (!is_digit(s[i]))
			return false;
	return true;
}

static size_t
add(struct verr *errs, size_t cap, size_t n, const char *field, const char *detail)
{
	if (n < cap) {
		errs[n].field = field;
		errs[n].detail = detail;
	}
	return n + 1;
}

size_t
bridge_msg_parse(const char *body, size_t len, struct bridge_msg *m, struct verr *errs,
    size_t cap)
{
	struct json_object	*v;
	const char		*why;
	size_t			 n = 0;

	memset(m, 0, sizeof(*m));
	if (body == NULL || len == 0)
		return add(errs, cap, 0, "body", "is empty: expected a JSON object");
	m->root = req_parse_json(body, len, &why);
	if (m->root == NULL || !json_object_is_type(m->root, json_type_object)) {
		json_object_put(m->root);
		m->root = NULL;
		return add(errs, cap, 0, "body", "is not a JSON object");
	}
	if (!json_object_object_get_ex(m->root, "type", &v) || v == NULL)
		n = add(errs, cap, n, "type", "is required");
	else if (!json_object_is_type(v, json_type_string) ||
	    !type_ok(json_object_get_string(v), (size_t)json_object_get_string_len(v)))
		n = add(errs, cap, n, "type", "must be a message type such as"
		    " \"prescription.accepted\" (lower case words joined by dots)");
	else
		m->type = json_object_get_string(v);
	if (!json_object_object_get_ex(m->root, "timestamp", &v) || v == NULL)
		n = add(errs, cap, n, "timestamp", "is required");
	else if (!json_object_is_type(v, json_type_string) ||
	    !timestamp_ok(json_object_get_string(v), (size_t)json_object_get_string_len(v)))
		n = add(errs, cap, n, "timestamp", "must be an ISO-8601 UTC time such as"
		    " \"2026-11-26T10:00:00Z\"");
	else
		m->timestamp = json_object_get_string(v);
	if (!json_object_object_get_ex(m->root, "data", &v) || v == NULL)
		n = add(errs, cap, n, "data", "is required");
	else if (!json_object_is_type(v, json_type_object))
		n = add(errs, cap, n, "data", "must be a JSON object");
	else
		m->data = v;
	if (n > 0) {
		json_object_put(m->root);
		memset(m, 0, sizeof(*m));
	}
	return n;
}
