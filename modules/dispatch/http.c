/*
 * http_call: one HTTP exchange with a partner (libcurl); provider_call: the
 * identity provider's calls on top of it.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <curl/curl.h>
#include <json-c/json.h>
#include <openssl/crypto.h>

#include "conf.h"
#include "dispatch.h"
#include "req.h"
#include "../idv/provider.h"

#define ANSWER_MAX	(1024 * 1024)

static CURL	*easy;

static size_t
gather(char *data, size_t size, size_t n, void *arg)
{
	struct answer	*a = arg;
	size_t		 add = size * n;
	char		*p;

	if (a->len + add > ANSWER_MAX)
		return 0;	/* too large: curl stops with CURLE_WRITE_ERROR */
	if ((p = realloc(a->body, a->len + add + 1)) == NULL)
		return 0;
	memcpy(p + a->len, data, add);
	a->body = p;
	a->len += add;
	a->body[a->len] = '\0';
	return add;
}

struct hdr_want {
	const char	*name;		/* header wanted (case-insensitive) */
	struct answer	*a;
	char		 retry_after[64];	/* Retry-After's value, "" if none or too long */
};

/* Keeps a Retry-After header's value (trimmed, printable, up to 63 bytes) in w. */
static void
retry_after_seen(struct hdr_want *w, const char *data, size_t len)
{
	static const char	name[] = "retry-after:";
	size_t			i = sizeof(name) - 1, j = 0;

	if (len < i || strncasecmp(data, name, i) != 0)
		return;
	while (i < len && (data[i] == ' ' || data[i] == '\t'))
		i++;
	while (len > i && (data[len - 1] == '\r' || data[len - 1] == '\n' ||
	    data[len - 1] == ' ' || data[len - 1] == '\t'))
		len--;
	if (len - i >= sizeof(w->retry_after))
		return;
	for (; i < len; i++) {
		if (!isprint((unsigned char)data[i]))
			return;
		w->retry_after[j++] = data[i];
	}
	w->retry_after[j] = '\0';
}

/* Keeps the value of the wanted header (a plain token, up to 127 bytes) in a->header. */
static size_t
header_seen(char *data, size_t size, size_t n, void *arg)
{
	struct hdr_want	*w = arg;
	size_t		 len = size * n, nl, i, j = 0;

	/* A new response (after a 100 Continue, say) starts with its status line. */
	if (len >= 5 && strncmp(data, "HTTP/", 5) == 0)
		w->retry_after[0] = '\0';
	retry_after_seen(w, data, len);
	if (w->name == NULL)
		return len;
	nl = strlen(w->name);
	if (len <= nl + 1 || strncasecmp(data, w->name, nl) != 0 || data[nl] != ':')
		return len;
	for (i = nl + 1; i < len && (data[i] == ' ' || data[i] == '\t'); i++)
		;
	for (; i < len && j < sizeof(w->a->header) - 1; i++) {
		if (data[i] == '\r' || data[i] == '\n')
			break;
		if (!isgraph((unsigned char)data[i]))
			return len;	/* not a plain token: not kept */
		w->a->header[j++] = data[i];
	}
	w->a->header[j] = '\0';
	return len;
}

/* A plain word (1..40 of [A-Za-z0-9_.-]) or NULL. */
static const char *
word(const char *s)
{
	size_t	i;

	if (s == NULL)
		return NULL;
	for (i = 0; s[i] != '\0'; i++)
		if (i >= 40 || !((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '.' || s[i] == '-'))
			return NULL;
	return i > 0 ? s : NULL;
}

/*
 * What an error answer is, in a word that is safe to keep: the partner's
 * error type ({"error": {"type"}}, Onfido), the field of its first error
 * ({"errors": [{"field"}]}, SendGrid) or its error code ({"code": n},
 * Twilio); NULL otherwise. Only this is kept of an error answer: its message
 * may echo what we sent (an applicant's details, an address).
 */
static const char *
error_word(struct answer *a, char *buf, size_t bufsz)
{
	struct json_object	*e, *t;
	const char		*why;

	if (a->body == NULL || a->json != NULL ||
	    (a->json = req_parse_json(a->body, a->len, &why)) == NULL ||
	    !json_object_is_type(a->json, json_type_object))
		return NULL;
	if (json_object_object_get_ex(a->json, "error", &e) &&
	    json_object_is_type(e, json_type_object) &&
	    json_object_object_get_ex(e, "type", &t) && json_object_is_type(t, json_type_string))
		return word(json_object_get_string(t));
	if (json_object_object_get_ex(a->json, "errors", &e) &&
	    json_object_is_type(e, json_type_array) && json_object_array_length(e) > 0 &&
	    (e = json_object_array_get_idx(e, 0)) != NULL &&
	    json_object_is_type(e, json_type_object) &&
	    json_object_object_get_ex(e, "field", &t) && json_object_is_type(t, json_type_string))
		return word(json_object_get_string(t));
	if (json_object_object_get_ex(a->json, "code", &t) && json_object_is_type(t, json_type_int)) {
		(void)snprintf(buf, bufsz, "code %" PRId64, json_object_get_int64(t));
		return buf;
	}
	return NULL;
}

enum verdict
http_call(const struct http_req *q, struct answer *a)
{
	struct curl_slist	*h = NULL, *t;
	struct hdr_want		 want = { q->answer_header, a, "" };
	const char *const	*x;
	char			 url[2300], auth[600], idem[200], idem2[240], ctype[120], wbuf[40];
	char			 errbuf[CURL_ERROR_SIZE] = "";
	const char		*why, *type;
	bool			 plain;
	size_t			 blen = strlen(q->base);
	long			 timeout = conf.dispatch_timeout_seconds;
	CURLcode		 cc;

	if (easy == NULL && (easy = curl_easy_init()) == NULL) {
		(void)snprintf(a->why, sizeof(a->why), "libcurl could not start");
		return V_RETRY;
	}
	curl_easy_reset(easy);
	/* Never send a token in clear. */
	if (!idv_base_url_ok(q->base, &plain)) {
		(void)snprintf(a->why, sizeof(a->why), "%s must be https"
		    " (plain http only to a loopback host)", q->base_name);
		return V_FAIL;
	}
	while (blen > 0 && q->base[blen - 1] == '/')
		blen--;
	if ((size_t)snprintf(url, sizeof(url), "%.*s%s", (int)blen, q->base, q->path) >=
	    sizeof(url) ||
	    (size_t)snprintf(auth, sizeof(auth), "Authorization: %s",
	    q->auth != NULL ? q->auth : "") >= sizeof(auth) ||
	    (size_t)snprintf(idem, sizeof(idem), "Idempotency-Key: %s",
	    q->key != NULL ? q->key : "") >= sizeof(idem) ||
	    (size_t)snprintf(idem2, sizeof(idem2), "%s: %s",
	    q->key_header != NULL ? q->key_header : "", q->key != NULL ? q->key : "") >=
	    sizeof(idem2) ||
	    (size_t)snprintf(ctype, sizeof(ctype), "Content-Type: %s",
	    q->type != NULL ? q->type : "") >= sizeof(ctype)) {
		(void)snprintf(a->why, sizeof(a->why), "URL, credentials or key too long");
		return V_FAIL;
	}
	/* Each append either returns the extended list or NULL (the old list kept). */
#define ADD(s)	do { if ((t = curl_slist_append(h, (s))) == NULL) goto nomem; h = t; } while (0)
	if (q->auth != NULL)
		ADD(auth);
	if (q->key != NULL)
		ADD(idem);
	if (q->key != NULL && q->key_header != NULL)
		ADD(idem2);
	ADD("Accept: application/json");
	ADD("Expect:");
	if (q->body != NULL && q->type != NULL)
		ADD(ctype);
	for (x = q->headers; x != NULL && *x != NULL; x++)
		ADD(*x);
#undef ADD
	curl_easy_setopt(easy, CURLOPT_URL, url);
	curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, plain ? "http" : "https");
	curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT, timeout < 10 ? timeout : 10L);
	curl_easy_setopt(easy, CURLOPT_TIMEOUT, timeout);
	curl_easy_setopt(easy, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(easy, CURLOPT_USERAGENT, "clinic-dispatch/1");
	curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, gather);
	curl_easy_setopt(easy, CURLOPT_WRITEDATA, a);
	curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, header_seen);
	curl_easy_setopt(easy, CURLOPT_HEADERDATA, &want);
	if (strcmp(q->method, "POST") == 0) {
		curl_easy_setopt(easy, CURLOPT_POST, 1L);
		curl_easy_setopt(easy, CURLOPT_POSTFIELDS, q->body != NULL ? q->body : "");
		curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE, (long)(q->body != NULL ? q->len : 0));
	}
	cc = curl_easy_perform(easy);
	curl_slist_free_all(h);
	if (cc != CURLE_OK) {
		(void)snprintf(a->why, sizeof(a->why), "%s: %s", curl_easy_strerror(cc),
		    *errbuf != '\0' ? errbuf : "no detail");
		return V_RETRY;
	}
	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &a->status);
	if (a->status < 200 || a->status > 299) {
		if ((type = error_word(a, wbuf, sizeof(wbuf))) != NULL)
			(void)snprintf(a->why, sizeof(a->why), "the provider answered %ld (%s)",
			    a->status, type);
		else
			(void)snprintf(a->why, sizeof(a->why), "the provider answered %ld", a->status);
		if (a->status == 408 || a->status == 425 || a->status == 429 ||
		    a->status >= 500) {
			if (*want.retry_after != '\0' &&
			    (a->retry_after_ms = retry_after_ms(want.retry_after,
			    (int64_t)time(NULL))) < 0)
				a->retry_after_ms = 0;
			return V_RETRY;
		}
		return V_FAIL;
	}
	if (q->empty_ok && a->len == 0)
		return V_DONE;
	if (a->body == NULL ||
	    (a->json = req_parse_json(a->body, a->len, &why)) == NULL ||
	    !json_object_is_type(a->json, json_type_object)) {
		if (q->any_2xx_ok) {
			json_object_put(a->json);
			a->json = NULL;
			return V_DONE;
		}
		(void)snprintf(a->why, sizeof(a->why), "the provider's %ld answer is not a JSON object",
		    a->status);
		return V_FAIL;
	}
	return V_DONE;
nomem:
	curl_slist_free_all(h);
	(void)snprintf(a->why, sizeof(a->why), "out of memory");
	return V_RETRY;
}

enum verdict
provider_call(const char *method, const char *path, const char *key, struct json_object *body,
    struct answer *a)
{
	struct http_req	 q;
	char		 auth[560];

	memset(&q, 0, sizeof(q));
	if ((size_t)snprintf(auth, sizeof(auth), "Token token=%s", conf.idv_api_token) >=
	    sizeof(auth)) {
		(void)snprintf(a->why, sizeof(a->why), "URL, token or key too long");
		return V_FAIL;
	}
	q.base = conf.idv_base_url;
	q.base_name = "idv_base_url";
	q.method = method;
	q.path = path;
	q.auth = auth;
	q.key = key;
	if (body != NULL) {
		q.type = "application/json";
		if ((q.body = json_object_to_json_string_ext(body,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)) == NULL) {
			(void)snprintf(a->why, sizeof(a->why), "out of memory");
			return V_RETRY;
		}
		q.len = strlen(q.body);
	}
	return http_call(&q, a);
}

enum verdict
webhook_send(const char *url, const char *url_name, const char *secret, const char *msg_id,
    const char *body, size_t len, struct answer *a)
{
	struct webhook_headers	 wh;
	struct http_req		 q;
	const char		*lines[4];
	enum verdict		 v;
	enum cerr		 rc;

	if ((rc = webhook_headers(secret, msg_id, (int64_t)time(NULL), body, len, &wh)) != CE_OK) {
		(void)snprintf(a->why, sizeof(a->why), rc == CE_CRYPTO ?
		    "the message could not be signed (crypto library)" :
		    "the message could not be signed: the secret for %s is not a whsec_ secret"
		    " or the message id is unusable", url_name);
		return rc == CE_CRYPTO ? V_RETRY : V_FAIL;
	}
	lines[0] = wh.id;
	lines[1] = wh.timestamp;
	lines[2] = wh.signature;
	lines[3] = NULL;
	memset(&q, 0, sizeof(q));
	q.base = url;
	q.base_name = url_name;
	q.method = "POST";
	q.path = "";
	q.auth = NULL;
	q.type = "application/json";
	q.body = body;
	q.len = len;
	q.empty_ok = true;
	q.any_2xx_ok = true;
	q.headers = lines;
	v = http_call(&q, a);
	OPENSSL_cleanse(&wh, sizeof(wh));
	/*
	 * A receiver that refuses the message itself (400, 413, 415, 422) will
	 * refuse it again; any other 4xx (401 from a secret being rotated or a
	 * clock out of step, 404 from a receiver not yet deployed, 409, 423)
	 * may pass later, so the message is tried again over the whole span.
	 */
	if (v == V_FAIL && a->status >= 400 && a->status <= 499 && a->status != 400 &&
	    a->status != 413 && a->status != 415 && a->status != 422)
		v = V_RETRY;
	return v;
}
