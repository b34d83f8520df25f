/* A tiny libcurl client for the API tests: see http.h. */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "http.h"

static char	base_url[256];

void
http_init(const char *base)
{
	size_t	n;

	(void)snprintf(base_url, sizeof(base_url), "%s", base);
	n = strlen(base_url);
	while (n > 0 && base_url[n - 1] == '/')
		base_url[--n] = '\0';
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

const char *
http_base(void)
{
	return base_url;
}

struct browser *
br_new(void)
{
	struct browser	*b;

	if ((b = calloc(1, sizeof(*b))) == NULL || (b->curl = curl_easy_init()) == NULL) {
		fprintf(stderr, "api_tests: out of memory\n");
		abort();
	}
	/* An empty file name turns on the cookie engine with an in-memory jar. */
	curl_easy_setopt(b->curl, CURLOPT_COOKIEFILE, "");
	curl_easy_setopt(b->curl, CURLOPT_USERAGENT, "clinic-api-tests/1");
	curl_easy_setopt(b->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(b->curl, CURLOPT_TIMEOUT, 60L);
	return b;
}

void
br_free(struct browser *b)
{
	if (b == NULL)
		return;
	curl_easy_cleanup(b->curl);
	free(b);
}

char *
br_cookie(struct browser *b)
{
	struct curl_slist	*list = NULL, *l;
	char			*val = NULL;

	if (curl_easy_getinfo(b->curl, CURLINFO_COOKIELIST, &list) != CURLE_OK)
		return NULL;
	for (l = list; l != NULL; l = l->next) {
		/* Netscape format: domain, tailmatch, path, secure, expires, name, value. */
		char	*copy = strdup(l->data), *f[7], *p = copy, *tab;
		int	 i;

		for (i = 0; i < 7 && p != NULL; i++) {
			f[i] = p;
			tab = strchr(p, '\t');
			if (tab != NULL)
				*tab++ = '\0';
			p = tab;
		}
		if (i == 7 && strcmp(f[5], SESSION_COOKIE) == 0) {
			free(val);
			val = strdup(f[6]);
		}
		free(copy);
	}
	curl_slist_free_all(list);
	return val;
}

void
br_set_cookie(struct browser *b, const char *value)
{
	char	line[512];

	(void)snprintf(line, sizeof(line), "127.0.0.1\tFALSE\t/\tFALSE\t0\t%s\t%s",
	    SESSION_COOKIE, value);
	curl_easy_setopt(b->curl, CURLOPT_COOKIELIST, line);
}

struct buf {
	char	*p;
	size_t	 len;
};

static size_t
on_data(char *ptr, size_t size, size_t n, void *arg)
{
	struct buf	*b = arg;
	size_t		 add = size * n;
	char		*np;

	if ((np = realloc(b->p, b->len + add + 1)) == NULL)
		return 0;
	b->p = np;
	memcpy(b->p + b->len, ptr, add);
	b->len += add;
	b->p[b->len] = '\0';
	return add;
}

static size_t
on_header(char *ptr, size_t size, size_t n, void *arg)
{
	struct buf	*b = arg;
	size_t		 add = size * n;

	/* A new status line starts a new header block (e.g. after 100 Continue). */
	if (add >= 5 && strncmp(ptr, "HTTP/", 5) == 0)
		b->len = 0;
	return on_data(ptr, size, n, arg);
}

static bool
is_unsafe(const char *m)
{
	return strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0 && strcmp(m, "OPTIONS") != 0;
}

static void
remember_csrf(struct browser *b, const struct resp *r)
{
	const char	*t;

	if ((t = jstr(r->json, "csrf_token")) != NULL)
		(void)snprintf(b->csrf, sizeof(b->csrf), "%s", t);
}

static struct resp *http_once(struct browser *, const char *, const char *, const char *,
    size_t, const char *, const char *, const char *const *);

/*
 * nginx rate-limits sign-in and registration per address; no test here is
 * about that limit, so its 429 is waited out (the app's own 429 is returned).
 */
struct resp *
http_raw(struct browser *b, const char *method, const char *path, const char *body,
    size_t len, const char *ctype, const char *csrf, const char *const *extra)
{
	struct resp	*r;
	int		 i;

	for (i = 0;; i++) {
		r = http_once(b, method, path, body, len, ctype, csrf, extra);
		if (!is_nginx_429(r) || i == 100)
			return r;
		resp_free(r);
		usleep(300 * 1000);
	}
}

static struct resp *
http_once(struct browser *b, const char *method, const char *path, const char *body,
    size_t len, const char *ctype, const char *csrf, const char *const *extra)
{
	struct resp		*r;
	struct curl_slist	*hdrs = NULL;
	struct buf		 hb = { NULL, 0 }, bb = { NULL, 0 };
	char			 url[1024], line[512], *rid;
	CURLcode		 cc;
	CURL			*c = b->curl;

	if ((r = calloc(1, sizeof(*r))) == NULL)
		abort();
	(void)snprintf(r->method, sizeof(r->method), "%s", method);
	(void)snprintf(r->path, sizeof(r->path), "%s", path);
	(void)snprintf(url, sizeof(url), "%s%s", base_url, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, NULL);
	curl_easy_setopt(c, CURLOPT_NOBODY, 0L);
	curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
	if (body != NULL) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)len);
		curl_easy_setopt(c, CURLOPT_COPYPOSTFIELDS, body);
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	} else if (strcmp(method, "GET") != 0) {
		if (strcmp(method, "HEAD") == 0)
			curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
		else if (is_unsafe(method)) {
			/* An empty body, sent with Content-Length: 0. */
			curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L);
			curl_easy_setopt(c, CURLOPT_COPYPOSTFIELDS, "");
		}
		curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	}
	/* No automatic Content-Type or Expect: the test says what is sent. */
	if (ctype != NULL) {
		(void)snprintf(line, sizeof(line), "Content-Type: %s", ctype);
		hdrs = curl_slist_append(hdrs, line);
	} else
		hdrs = curl_slist_append(hdrs, "Content-Type:");
	hdrs = curl_slist_append(hdrs, "Expect:");
	if (csrf != NULL) {
		(void)snprintf(line, sizeof(line), "X-CSRF-Token: %s", csrf);
		hdrs = curl_slist_append(hdrs, line);
	}
	for (; extra != NULL && *extra != NULL; extra++)
		hdrs = curl_slist_append(hdrs, *extra);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &bb);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &hb);
	cc = curl_easy_perform(c);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
	curl_slist_free_all(hdrs);
	if (cc != CURLE_OK) {
		fprintf(stderr, "api_tests: %s %s: %s\n", method, path, curl_easy_strerror(cc));
		r->status = 0;
	} else
		curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
	curl_easy_getinfo(c, CURLINFO_TOTAL_TIME, &r->secs);
	r->headers = hb.p != NULL ? hb.p : strdup("");
	r->body = bb.p != NULL ? bb.p : strdup("");
	r->bodylen = bb.len;
	if (r->bodylen > 0)
		r->json = json_tokener_parse(r->body);
	if ((rid = resp_header(r, "X-Request-Id")) != NULL) {
		(void)snprintf(r->rid, sizeof(r->rid), "%s", rid);
		free(rid);
	}
	remember_csrf(b, r);
	return r;
}

struct resp *
api(struct browser *b, const char *method, const char *path, const char *body)
{
	return http_raw(b, method, path, body, body != NULL ? strlen(body) : 0,
	    body != NULL ? "application/json" : NULL,
	    is_unsafe(method) && b->csrf[0] != '\0' ? b->csrf : NULL, NULL);
}

struct resp *
api_get(struct browser *b, const char *fmt, ...)
{
	char	path[1024];
	va_list	ap;

	va_start(ap, fmt);
	(void)vsnprintf(path, sizeof(path), fmt, ap);
	va_end(ap);
	return api(b, "GET", path, NULL);
}

bool
is_nginx_429(const struct resp *r)
{
	const char	*t = jstr(r->json, "title");

	return r->status == 429 && jget(r->json, "request_id") == NULL &&
	    (t == NULL || strcmp(t, "Too many requests") == 0);
}

struct resp *
api_limited(struct browser *b, const char *path, const char *body)
{
	return api(b, "POST", path, body);
}

void
resp_free(struct resp *r)
{
	if (r == NULL)
		return;
	json_object_put(r->json);
	free(r->headers);
	free(r->body);
	free(r);
}

char *
resp_header(const struct resp *r, const char *name)
{
	const char	*p = r->headers, *eol, *v;
	size_t		 nlen = strlen(name);
	char		*val = NULL;

	while (p != NULL && *p != '\0') {
		eol = strstr(p, "\r\n");
		if (eol == NULL)
			eol = p + strlen(p);
		if ((size_t)(eol - p) > nlen && p[nlen] == ':' && strncasecmp(p, name, nlen) == 0) {
			v = p + nlen + 1;
			while (v < eol && (*v == ' ' || *v == '\t'))
				v++;
			free(val);
			val = strndup(v, (size_t)(eol - v));
		}
		p = *eol != '\0' ? eol + 2 : NULL;
	}
	return val;
}

json_object *
jget(json_object *o, const char *path)
{
	char		 key[128];
	const char	*p = path, *dot;
	size_t		 n;
	json_object	*v = o;

	while (v != NULL && *p != '\0') {
		dot = strchr(p, '.');
		n = dot != NULL ? (size_t)(dot - p) : strlen(p);
		if (n >= sizeof(key))
			return NULL;
		memcpy(key, p, n);
		key[n] = '\0';
		if (json_object_is_type(v, json_type_array) && isdigit((unsigned char)key[0])) {
			size_t i = (size_t)strtoul(key, NULL, 10);
			v = i < json_object_array_length(v) ? json_object_array_get_idx(v, i) : NULL;
		} else if (json_object_is_type(v, json_type_object)) {
			json_object *nv = NULL;
			if (!json_object_object_get_ex(v, key, &nv))
				return NULL;
			v = nv;
		} else
			return NULL;
		p = dot != NULL ? dot + 1 : p + n;
	}
	return v;
}

const char *
jstr(json_object *o, const char *path)
{
	json_object	*v = jget(o, path);

	return v != NULL && json_object_is_type(v, json_type_string) ?
	    json_object_get_string(v) : NULL;
}

long long
jint(json_object *o, const char *path)
{
	json_object	*v = jget(o, path);

	return v != NULL && json_object_is_type(v, json_type_int) ?
	    (long long)json_object_get_int64(v) : -999999;
}

bool
jbool(json_object *o, const char *path)
{
	json_object	*v = jget(o, path);

	return v != NULL && json_object_is_type(v, json_type_boolean) &&
	    json_object_get_boolean(v);
}

bool
jnull(json_object *o, const char *path)
{
	const char	*dot = strrchr(path, '.');
	json_object	*parent = o, *v = NULL;

	if (dot != NULL) {
		char	pp[256];

		(void)snprintf(pp, sizeof(pp), "%.*s", (int)(dot - path), path);
		parent = jget(o, pp);
		path = dot + 1;
	}
	return parent != NULL && json_object_is_type(parent, json_type_object) &&
	    json_object_object_get_ex(parent, path, &v) && v == NULL;
}

bool
has_error_field(const struct resp *r, const char *field)
{
	json_object	*errs = jget(r->json, "errors");
	size_t		 i;
	const char	*f;

	if (errs == NULL || !json_object_is_type(errs, json_type_array))
		return false;
	for (i = 0; i < json_object_array_length(errs); i++)
		if ((f = jstr(json_object_array_get_idx(errs, i), "field")) != NULL &&
		    strcmp(f, field) == 0)
			return true;
	return false;
}

bool
problem_is(const struct resp *r, const char *slug)
{
	const char	*t = jstr(r->json, "type");
	char		 want[96];
	size_t		 tl, wl;

	if (t == NULL)
		return false;
	(void)snprintf(want, sizeof(want), "#problem-%s", slug);
	tl = strlen(t);
	wl = strlen(want);
	return tl >= wl && strcmp(t + tl - wl, want) == 0;
}

const char *
rdesc(const struct resp *r)
{
	static char	d[1024];

	(void)snprintf(d, sizeof(d), "%s %s -> %ld %.500s", r->method, r->path, r->status,
	    r->body);
	return d;
}
