#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "pool.h"
#include "valid.h"

bool
valid_utf8(const char *str, size_t len, size_t *nchars)
{
	const unsigned char	*s = (const unsigned char *)str;
	size_t			 i = 0, n = 0, k, need;
	uint32_t		 cp;

	while (i < len) {
		unsigned char c = s[i];
		if (c < 0x80) {
			i++;
			n++;
			continue;
		}
		if (c >= 0xc2 && c <= 0xdf) {
			need = 1;
			cp = c & 0x1f;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2;
			cp = c & 0x0f;
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			cp = c & 0x07;
		} else
			return false;
		if (len - i <= need)
			return false;
		for (k = 1; k <= need; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + k] & 0x3f);
		}
		if ((need == 2 && cp < 0x800) || (need == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += need + 1;
		n++;
	}
	if (nchars != NULL)
		*nchars = n;
	return true;
}

static bool
has_controls(const char *s, size_t len, bool allow_newlines)
{
	size_t	i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == 0x7f || (c < 0x20 && !(allow_newlines &&
		    (c == '\n' || c == '\t' || c == '\r'))))
			return true;
	}
	return false;
}

static bool
is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Parses YYYY-MM-DD at s; returns true for a real date from year 1000. */
static bool
parse_date(const char *s, int *y, int *m, int *d)
{
	static const int	mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int			i;

	for (i = 0; i < 10; i++) {
		if (i == 4 || i == 7) {
			if (s[i] != '-')
				return false;
		} else if (!isdigit((unsigned char)s[i]))
			return false;
	}
	*y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	*m = (s[5] - '0') * 10 + (s[6] - '0');
	*d = (s[8] - '0') * 10 + (s[9] - '0');
	if (*y < 1000 || *m < 1 || *m > 12 || *d < 1)
		return false;
	return *d <= mdays[*m - 1] + (*m == 2 && is_leap(*y));
}

static bool
email_ok(const char *s, size_t len)
{
	const char	*at, *dot;
	size_t		 i;

	if (len < 3 || len > 254)
		return false;
	if ((at = memchr(s, '@', len)) == NULL || at == s || memchr(at + 1, '@',
	    len - (size_t)(at - s) - 1) != NULL)
		return false;
	if (at - s > 64)
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= 0x20 || c >= 0x7f || strchr("\"(),:;<>[\\]", c) != NULL)
			return false;
	}
	/* Domain: at least one dot, not at either end, no empty labels. */
	dot = memchr(at + 1, '.', len - (size_t)(at - s) - 1);
	if (dot == NULL || at[1] == '.' || s[len - 1] == '.' || s[len - 1] == '-')
		return false;
	for (i = (size_t)(at - s) + 1; i + 1 < len; i++)
		if (s[i] == '.' && s[i + 1] == '.')
			return false;
	return true;
}

static bool
enum_ok(const char *choices, const char *s, size_t len)
{
	const char	*p = choices, *bar;
	size_t		 wl;

	while (p != NULL && *p != '\0') {
		bar = strchr(p, '|');
		wl = bar != NULL ? (size_t)(bar - p) : strlen(p);
		if (wl == len && memcmp(p, s, len) == 0)
			return true;
		p = bar != NULL ? bar + 1 : NULL;
	}
	return false;
}

/* "<what> <n><unit>", pool-owned; the static fallback if memory runs out. */
static const char *
reason(struct pool *pool, const char *what, long long n, const char *unit,
    const char *fallback)
{
	const char	*s = pool_printf(pool, "%s %lld%s", what, n, unit);

	return s != NULL ? s : fallback;
}

const char *
valid_value(struct pool *pool, const struct field *f, const char *s, size_t len,
    const char **norm, int64_t *ival)
{
	size_t		 nchars = 0, i;
	const char	*why;
	char		*copy, *end;
	long long	 v;
	int		 y, m, d;

	if (memchr(s, '\0', len) != NULL)
		return "must not contain NUL characters";
	if (!valid_utf8(s, len, &nchars))
		return "must be valid UTF-8 text";
	switch (f->type) {
	case V_STRING:
	case V_TEXT:
	case V_PASSWORD:
		if (has_controls(s, len, f->type == V_TEXT))
			return "must not contain control characters";
		if (f->type == V_STRING) {
			/* No leading/trailing spaces count toward "not empty". */
			size_t a = 0, b = len;
			while (a < b && s[a] == ' ')
				a++;
			while (b > a && s[b - 1] == ' ')
				b--;
			if (f->min > 0 && a == b)
				return "must not be empty";
		}
		if ((long long)nchars < f->min)
			return reason(pool, "must be at least", f->min, " characters",
			    "is too short");
		if (f->max > 0 && (long long)nchars > f->max)
			return reason(pool, "must be at most", f->max, " characters",
			    "is too long");
		break;
	case V_EMAIL:
		if (!email_ok(s, len))
			return "must be an email address like name@example.org";
		break;
	case V_DATE:
		if (len != 10 || !parse_date(s, &y, &m, &d))
			return "must be a date written YYYY-MM-DD";
		break;
	case V_DATETIME:
		if (len < 19 || len > 27 || !parse_date(s, &y, &m, &d) ||
		    (s[10] != 'T' && s[10] != ' ') || !isdigit((unsigned char)s[11]) ||
		    !isdigit((unsigned char)s[12]) || s[13] != ':' ||
		    !isdigit((unsigned char)s[14]) || !isdigit((unsigned char)s[15]) ||
		    s[16] != ':' || !isdigit((unsigned char)s[17]) ||
		    !isdigit((unsigned char)s[18]) || (s[11] - '0') * 10 + (s[12] - '0') > 23 ||
		    (s[14] - '0') > 5 || (s[17] - '0') > 5)
			return "must be a UTC time written YYYY-MM-DDThh:mm:ssZ";
		/* Then optionally "." and 1 to 6 digits, then optionally "Z". */
		i = 19;
		if (i < len && s[i] == '.') {
			for (i = 20; i < len && i < 26 && isdigit((unsigned char)s[i]); i++)
				continue;
			if (i == 20)
				return "must be a UTC time written YYYY-MM-DDThh:mm:ssZ";
		}
		if (i < len && s[i] == 'Z')
			i++;
		if (i != len)
			return "must be a UTC time written YYYY-MM-DDThh:mm:ssZ";
		break;
	case V_INT:
		if (len == 0 || len > 20)
			return "must be a whole number";
		if ((copy = pool_strndup(pool, s, len)) == NULL)
			return "could not be read";
		errno = 0;
		v = strtoll(copy, &end, 10);
		if (errno != 0 || *end != '\0' || !(isdigit((unsigned char)*copy) || *copy == '-'))
			return "must be a whole number";
		if (v < f->min)
			return reason(pool, "must be at least", f->min, "", "is out of range");
		if (v > f->max)
			return reason(pool, "must be at most", f->max, "", "is out of range");
		*ival = v;
		break;
	case V_BOOL:
		if (len == 4 && memcmp(s, "true", 4) == 0)
			*ival = 1;
		else if (len == 5 && memcmp(s, "false", 5) == 0)
			*ival = 0;
		else
			return "must be true or false";
		break;
	case V_ENUM:
		if (!enum_ok(f->choices, s, len))
			return "is not one of the accepted values";
		break;
	case V_OTP:
		if (len != 6)
			return "must be the 6-digit code from your authenticator app";
		for (i = 0; i < 6; i++)
			if (!isdigit((unsigned char)s[i]))
				return "must be the 6-digit code from your authenticator app";
		break;
	case V__MAX:
		return "has an unknown type";
	}
	if ((copy = pool_strndup(pool, s, len)) == NULL)
		return "could not be read";
	if (f->type == V_EMAIL)
		for (i = 0; i < len; i++)
			copy[i] = (char)tolower((unsigned char)copy[i]);
	if (f->check != NULL && (why = f->check(copy)) != NULL)
		return why;
	if (f->type == V_DATETIME) {
		copy[10] = ' ';
		if (copy[len - 1] == 'Z')
			copy[len - 1] = '\0';
	}
	*norm = copy;
	return NULL;
}

static int
add_err(struct pool *pool, struct vresult *out, size_t cap, const char *field,
    const char *detail)
{
	if (out->nerrs >= cap)
		return 0;
	out->errs[out->nerrs].field = pool_strdup(pool, field);
	out->errs[out->nerrs].detail = detail;
	if (out->errs[out->nerrs].field == NULL)
		return -2;
	out->nerrs++;
	return 0;
}

#define MAX_ERRS	32

static int
start(struct pool *pool, size_t n, struct vresult *out)
{
	memset(out, 0, sizeof(*out));
	if ((out->vals = pool_calloc(pool, n ? n : 1, sizeof(*out->vals))) == NULL ||
	    (out->errs = pool_calloc(pool, MAX_ERRS, sizeof(*out->errs))) == NULL)
		return -2;
	return 0;
}

static ssize_t
field_index(const struct field *fields, size_t n, const char *name, size_t len)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strlen(fields[i].name) == len && memcmp(fields[i].name, name, len) == 0)
			return (ssize_t)i;
	return -1;
}

static int
finish(struct pool *pool, const struct field *fields, size_t n, struct vresult *out)
{
	size_t	i;
	size_t	j;
	bool	named;

	for (i = 0; i < n; i++) {
		if (!fields[i].required || out->vals[i].present)
			continue;
		for (named = false, j = 0; j < out->nerrs && !named; j++)
			named = strcmp(out->errs[j].field, fields[i].name) == 0;
		if (!named && add_err(pool, out, MAX_ERRS, fields[i].name, "is required") == -2)
			return -2;
	}
	return out->nerrs > 0 ? -1 : 0;
}

static int
check_one(struct pool *pool, const struct field *f, struct val *v, const char *s,
    size_t len, struct vresult *out)
{
	const char	*why, *norm = NULL;
	int64_t		 ival = 0;

	if ((why = valid_value(pool, f, s, len, &norm, &ival)) != NULL)
		return add_err(pool, out, MAX_ERRS, f->name, why);
	v->present = true;
	v->s = norm;
	v->len = strlen(norm);	/* normalising may shorten it (a datetime's Z) */
	v->i = ival;
	return 0;
}

static const char *
type_word(enum vtype t)
{
	switch (t) {
	case V_INT:
		return "must be a number";
	case V_BOOL:
		return "must be true or false";
	default:
		return "must be a string";
	}
}

int
valid_json(struct pool *pool, const struct field *fields, size_t n,
    struct json_object *obj, struct vresult *out)
{
	struct json_object_iterator	 it, end;
	struct json_object		*v;
	const char			*key, *s;
	ssize_t				 idx;
	char				 num[32];
	int				 rc;

	if (start(pool, n, out) != 0)
		return -2;
	if (obj == NULL)
		return finish(pool, fields, n, out);
	if (!json_object_is_type(obj, json_type_object)) {
		if (add_err(pool, out, MAX_ERRS, "", "the body must be a JSON object") == -2)
			return -2;
		return -1;
	}
	it = json_object_iter_begin(obj);
	end = json_object_iter_end(obj);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		key = json_object_iter_peek_name(&it);
		v = json_object_iter_peek_value(&it);
		if (!valid_utf8(key, strlen(key), NULL) || strlen(key) > 64) {
			rc = add_err(pool, out, MAX_ERRS, "?", "is not a field this request takes");
		} else if ((idx = field_index(fields, n, key, strlen(key))) < 0) {
			rc = add_err(pool, out, MAX_ERRS, key, "is not a field this request takes");
		} else if (v == NULL || json_object_is_type(v, json_type_null)) {
			/* null means "not given"; required fields then fail below */
			rc = 0;
		} else if (fields[idx].type == V_INT) {
			if (!json_object_is_type(v, json_type_int))
				rc = add_err(pool, out, MAX_ERRS, key, type_word(V_INT));
			else {
				(void)snprintf(num, sizeof(num), "%lld",
				    (long long)json_object_get_int64(v));
				rc = check_one(pool, &fields[idx], &out->vals[idx], num,
				    strlen(num), out);
			}
		} else if (fields[idx].type == V_BOOL) {
			if (!json_object_is_type(v, json_type_boolean))
				rc = add_err(pool, out, MAX_ERRS, key, type_word(V_BOOL));
			else {
				s = json_object_get_boolean(v) ? "true" : "false";
				rc = check_one(pool, &fields[idx], &out->vals[idx], s,
				    strlen(s), out);
			}
		} else if (!json_object_is_type(v, json_type_string)) {
			rc = add_err(pool, out, MAX_ERRS, key, type_word(fields[idx].type));
		} else {
			s = json_object_get_string(v);
			rc = check_one(pool, &fields[idx], &out->vals[idx], s,
			    (size_t)json_object_get_string_len(v), out);
		}
		if (rc == -2)
			return -2;
	}
	return finish(pool, fields, n, out);
}

static int
hexdig(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

char *
valid_urldecode(struct pool *pool, const char *s, size_t len, size_t *outlen)
{
	char	*d;
	size_t	 i, o = 0;
	int	 hi, lo;

	if ((d = pool_calloc(pool, 1, len + 1)) == NULL)
		return NULL;
	for (i = 0; i < len; i++) {
		if (s[i] == '+')
			d[o++] = ' ';
		else if (s[i] == '%') {
			if (i + 2 >= len || (hi = hexdig((unsigned char)s[i + 1])) < 0 ||
			    (lo = hexdig((unsigned char)s[i + 2])) < 0)
				return NULL;
			d[o++] = (char)(hi << 4 | lo);
			i += 2;
		} else
			d[o++] = s[i];
	}
	d[o] = '\0';
	*outlen = o;
	return d;
}

int
valid_query(struct pool *pool, const struct field *fields, size_t n,
    const char *qs, struct vresult *out)
{
	const char	*p, *amp, *eq;
	char		*key, *val;
	size_t		 plen, klen, vlen;
	ssize_t		 idx;
	int		 rc;

	if (start(pool, n, out) != 0)
		return -2;
	for (p = qs; p != NULL && *p != '\0'; p = amp != NULL ? amp + 1 : NULL) {
		amp = strchr(p, '&');
		plen = amp != NULL ? (size_t)(amp - p) : strlen(p);
		if (plen == 0)
			continue;
		eq = memchr(p, '=', plen);
		key = valid_urldecode(pool, p, eq != NULL ? (size_t)(eq - p) : plen, &klen);
		if (key == NULL) {
			rc = add_err(pool, out, MAX_ERRS, "?", "has a malformed %-escape");
		} else if (memchr(key, '\0', klen) != NULL || !valid_utf8(key, klen, NULL) ||
		    (idx = field_index(fields, n, key, klen)) < 0) {
			rc = add_err(pool, out, MAX_ERRS,
			    valid_utf8(key, klen, NULL) && memchr(key, '\0', klen) == NULL ?
			    key : "?", "is not a parameter this request takes");
		} else if (out->vals[idx].present) {
			rc = add_err(pool, out, MAX_ERRS, key, "is given more than once");
		} else if (eq == NULL) {
			rc = add_err(pool, out, MAX_ERRS, key, "needs a value");
		} else if ((val = valid_urldecode(pool, eq + 1, plen - (size_t)(eq - p) - 1,
		    &vlen)) == NULL) {
			rc = add_err(pool, out, MAX_ERRS, key, "has a malformed %-escape");
		} else
			rc = check_one(pool, &fields[idx], &out->vals[idx], val, vlen, out);
		if (rc == -2)
			return -2;
	}
	return finish(pool, fields, n, out);
}

const char *
valid_str_member(struct json_object *o, const char *name)
{
	struct json_object	*v;

	if (o == NULL || !json_object_object_get_ex(o, name, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}
