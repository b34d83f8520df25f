#include <string.h>

#include <fcgiapp.h>

#include <json-c/json.h>

#include "pool.h"
#include "req.h"

static const struct {
	enum role	 role;
	const char	*name;
} roles[] = {
	{ ROLE_PATIENT, "patient" },
	{ ROLE_CLINICIAN, "clinician" },
	{ ROLE_PHARMACIST, "pharmacist" },
	{ ROLE_ADMIN, "admin" },
	{ ROLE_AUDITOR, "auditor" },
};

enum role
role_from_name(const char *s)
{
	size_t	i;

	for (i = 0; s != NULL && i < nitems(roles); i++)
		if (strcmp(roles[i].name, s) == 0)
			return roles[i].role;
	return ROLE_NONE;
}

const char *
role_name(enum role r)
{
	size_t	i;

	for (i = 0; i < nitems(roles); i++)
		if (roles[i].role == r)
			return roles[i].name;
	return "none";
}

const char *
req_param(const struct req *r, const char *name)
{
	size_t	i;

	for (i = 0; i < r->nparams; i++)
		if (strcmp(r->param_names[i], name) == 0)
			return r->param_values[i];
	return NULL;
}

bool
req_match(struct req *r, const char *pattern, const char *path)
{
	const char	*p = pattern, *s = path, *pe, *se;
	size_t		 n = 0;

	while (*p != '\0' && *s != '\0') {
		if (*p == '{') {
			if ((pe = strchr(p, '}')) == NULL || n == REQ_MAX_PARAMS)
				return false;
			se = strchr(s, '/');
			if (se == NULL)
				se = s + strlen(s);
			if (se == s)
				return false;
			r->param_names[n] = pool_strndup(r->pool, p + 1, (size_t)(pe - p - 1));
			r->param_values[n] = pool_strndup(r->pool, s, (size_t)(se - s));
			if (r->param_names[n] == NULL || r->param_values[n] == NULL)
				return false;
			n++;
			p = pe + 1;
			s = se;
			continue;
		}
		if (*p != *s)
			return false;
		p++;
		s++;
	}
	if (*p != '\0' || *s != '\0')
		return false;
	r->nparams = n;
	return true;
}

char *
req_cookie(struct pool *pool, const char *header, const char *name)
{
	const char	*p = header, *end, *eq, *v;
	size_t		 nlen = strlen(name), vlen;

	if (header == NULL)
		return NULL;
	while (*p != '\0') {
		while (*p == ' ' || *p == '\t')
			p++;
		end = strchr(p, ';');
		if (end == NULL)
			end = p + strlen(p);
		eq = memchr(p, '=', (size_t)(end - p));
		if (eq != NULL && (size_t)(eq - p) == nlen && memcmp(p, name, nlen) == 0) {
			v = eq + 1;
			vlen = (size_t)(end - v);
			while (vlen > 0 && (v[vlen - 1] == ' ' || v[vlen - 1] == '\t'))
				vlen--;
			if (vlen >= 2 && v[0] == '"' && v[vlen - 1] == '"') {
				v++;
				vlen -= 2;
			}
			if (vlen == 0 || vlen > 4096)
				return NULL;
			return pool_strndup(pool, v, vlen);
		}
		if (*end == '\0')
			break;
		p = end + 1;
	}
	return NULL;
}

/*
 * json-c's strict mode still takes some input RFC 8259 does not: single-quoted
 * names, NaN and Infinity, "1." and raw control characters inside strings.
 * True when s[0..len) has none of them: outside strings only structural
 * characters, whitespace, number characters and the letters of true, false
 * and null; inside strings no byte below 0x20; a '.' followed by a digit.
 */
static bool
json_lexically_strict(const char *s, size_t len)
{
	size_t	i;
	bool	in_string = false;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];
		if (in_string) {
			if (c < 0x20)
				return false;
			if (c == '\\')
				i++;	/* json-c checks the escape itself */
			else if (c == '"')
				in_string = false;
		} else if (c == '"')
			in_string = true;
		else if (c == '.' && (i + 1 == len || s[i + 1] < '0' || s[i + 1] > '9'))
			return false;
		else if (c == '\0' || strchr(" \t\r\n{}[],:0123456789+-.eEtrufalsn", c) == NULL)
			return false;
	}
	return true;
}

struct json_object *
req_parse_json(const char *body, size_t len, const char **why)
{
	struct json_tokener	*tok;
	struct json_object	*obj;
	enum json_tokener_error	 jerr;

	*why = NULL;
	if (len > INT32_MAX) {
		*why = "the body is too large";
		return NULL;
	}
	if (!valid_utf8(body, len, NULL)) {
		*why = "the body is not valid UTF-8";
		return NULL;
	}
	if (!json_lexically_strict(body, len)) {
		*why = "the body is not valid JSON";
		return NULL;
	}
	if ((tok = json_tokener_new_ex(16)) == NULL) {
		*why = "out of memory";
		return NULL;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	obj = json_tokener_parse_ex(tok, body, (int)len);
	jerr = json_tokener_get_error(tok);
	if (jerr == json_tokener_continue && len > 0) {
		/* A number or literal at the very end is complete once anything follows. */
		obj = json_tokener_parse_ex(tok, " ", 1);
		jerr = json_tokener_get_error(tok);
	} else if (jerr == json_tokener_success && json_tokener_get_parse_end(tok) != len) {
		/* Only whitespace may follow the value. */
		size_t i;
		for (i = json_tokener_get_parse_end(tok); i < len; i++)
			if (body[i] == '\0' || strchr(" \t\r\n", body[i]) == NULL) {
				jerr = json_tokener_error_parse_unexpected;
				break;
			}
	}
	if (jerr == json_tokener_continue)
		*why = "the body ends before the JSON value does";
	else if (jerr == json_tokener_error_depth)
		*why = "the JSON is nested too deeply";
	else if (jerr != json_tokener_success)
		*why = "the body is not valid JSON";
	json_tokener_free(tok);
	if (*why != NULL) {
		json_object_put(obj);
		return NULL;
	}
	return obj;
}

const char *
req_env(const struct req *r, const char *name)
{
	const FCGX_Request	*f = r->fcgi;
	const char		*v;

	if (f == NULL)
		return NULL;
	v = FCGX_GetParam(name, f->envp);
	return v != NULL && *v != '\0' ? v : NULL;
}

ssize_t
req_read(struct req *r, void *buf, size_t cap)
{
	FCGX_Request	*f = r->fcgi;
	long long	 left;
	int		 want, got;

	if (f == NULL)
		return -1;
	if (r->body_eof || cap == 0)
		return r->content_length >= 0 && r->body_read < r->content_length ? -1 : 0;
	want = cap > 1 << 30 ? 1 << 30 : (int)cap;
	if (r->content_length >= 0) {
		left = r->content_length - r->body_read;
		if (left <= 0) {
			r->body_eof = true;
			return 0;
		}
		if (left < want)
			want = (int)left;
	}
	/* FCGX_GetStr returns fewer bytes only at the end of the stream. */
	if ((got = FCGX_GetStr(buf, want, f->in)) < want)
		r->body_eof = true;
	if (got > 0) {
		r->body_read += got;
		return got;
	}
	return r->content_length >= 0 ? -1 : 0;
}
