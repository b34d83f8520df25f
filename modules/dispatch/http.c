/* provider_call: one HTTP exchange with the identity provider (libcurl). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>
#include <json-c/json.h>

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

/*
 * The `type` of the provider's JSON error object ({"error": {"type": ...}}),
 * if it is a plain word (at most 40 of [A-Za-z0-9_.-]); NULL otherwise. Only
 * this is kept of an error answer: its message may echo what we sent (an
 * applicant's details).
 */
static const char *
error_type(struct answer *a)
{
	struct json_object	*e, *t;
	const char		*s, *why;
	size_t			 i;

	if (a->body == NULL || a->json != NULL ||
	    (a->json = req_parse_json(a->body, a->len, &why)) == NULL)
		return NULL;
	if (!json_object_is_type(a->json, json_type_object) ||
	    !json_object_object_get_ex(a->json, "error", &e) ||
	    !json_object_is_type(e, json_type_object) ||
	    !json_object_object_get_ex(e, "type", &t) || !json_object_is_type(t, json_type_string))
		return NULL;
	s = json_object_get_string(t);
	for (i = 0; s[i] != '\0'; i++)
		if (i >= 40 || !((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '.' || s[i] == '-'))
			return NULL;
	return i > 0 ? s : NULL;
}

enum verdict
provider_call(const char *method, const char *path, const char *key, struct json_object *body,
    struct answer *a)
{
	struct curl_slist	*h = NULL, *t;
	char			 url[2300], auth[600], idem[200], errbuf[CURL_ERROR_SIZE] = "";
	const char		*text = NULL, *why, *type;
	bool			 plain;
	size_t			 blen = strlen(conf.idv_base_url);
	long			 timeout = conf.dispatch_timeout_seconds;
	CURLcode		 cc;

	if (easy == NULL && (easy = curl_easy_init()) == NULL) {
		(void)snprintf(a->why, sizeof(a->why), "libcurl could not start");
		return V_RETRY;
	}
	curl_easy_reset(easy);
	/* Checked at start-up too (dispatch.c); never send the token in clear. */
	if (!idv_base_url_ok(conf.idv_base_url, &plain)) {
		(void)snprintf(a->why, sizeof(a->why), "idv_base_url must be https"
		    " (plain http only to a loopback host)");
		return V_FAIL;
	}
	while (blen > 0 && conf.idv_base_url[blen - 1] == '/')
		blen--;
	if ((size_t)snprintf(url, sizeof(url), "%.*s%s", (int)blen, conf.idv_base_url, path) >=
	    sizeof(url) ||
	    (size_t)snprintf(auth, sizeof(auth), "Authorization: Token token=%s",
	    conf.idv_api_token) >= sizeof(auth) ||
	    (size_t)snprintf(idem, sizeof(idem), "Idempotency-Key: %s", key) >= sizeof(idem)) {
		(void)snprintf(a->why, sizeof(a->why), "URL, token or key too long");
		return V_FAIL;
	}
	/* Each append either returns the extended list or NULL (the old list kept). */
#define ADD(s)	do { if ((t = curl_slist_append(h, (s))) == NULL) goto nomem; h = t; } while (0)
	ADD(auth);
	ADD(idem);
	ADD("Accept: application/json");
	ADD("Expect:");
	if (body != NULL) {
		ADD("Content-Type: application/json");
		text = json_object_to_json_string_ext(body,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	}
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
	if (strcmp(method, "POST") == 0) {
		curl_easy_setopt(easy, CURLOPT_POST, 1L);
		curl_easy_setopt(easy, CURLOPT_POSTFIELDS, text != NULL ? text : "");
		curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE, (long)(text != NULL ? strlen(text) : 0));
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
		if ((type = error_type(a)) != NULL)
			(void)snprintf(a->why, sizeof(a->why), "the provider answered %ld (%s)",
			    a->status, type);
		else
			(void)snprintf(a->why, sizeof(a->why), "the provider answered %ld", a->status);
		return a->status == 408 || a->status == 425 || a->status == 429 ||
		    a->status >= 500 ? V_RETRY : V_FAIL;
	}
	if (a->body == NULL ||
	    (a->json = req_parse_json(a->body, a->len, &why)) == NULL ||
	    !json_object_is_type(a->json, json_type_object)) {
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
