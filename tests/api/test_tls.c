/*
 * Served over TLS, as in production: the session cookie is the __Host-
 * Secure one, HSTS is sent, and the session works; over plain http the
 * static files carry no HSTS. Uses CLINIC_TEST_TLS_URL (a self-signed
 * certificate made by scripts/test), skipped when it is not set.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

#include "helpers.h"

struct buf {
	char	*p;
	size_t	 n;
};

static size_t
collect(char *data, size_t size, size_t nmemb, void *arg)
{
	struct buf	*b = arg;
	char		*np;

	if ((np = realloc(b->p, b->n + size * nmemb + 1)) == NULL)
		return 0;
	b->p = np;
	memcpy(b->p + b->n, data, size * nmemb);
	b->n += size * nmemb;
	b->p[b->n] = '\0';
	return size * nmemb;
}

/* One request; returns the status, headers in *hdrs (caller frees). */
static long
fetch(const char *url, const char *method, const char *body, const char *cookie, char **hdrs)
{
	CURL			*c;
	struct curl_slist	*h = NULL;
	struct buf		 hb = { NULL, 0 }, bb = { NULL, 0 };
	long			 status = 0;

	ck_assert_ptr_nonnull(c = curl_easy_init());
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);	/* self-signed test certificate */
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &hb);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &bb);
	if (body != NULL) {
		h = curl_slist_append(h, "Content-Type: application/json");
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	}
	if (cookie != NULL)
		curl_easy_setopt(c, CURLOPT_COOKIE, cookie);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	ck_assert_int_eq(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	free(bb.p);
	*hdrs = hb.p != NULL ? hb.p : strdup("");
	return status;
}

/* The value of header name in a raw header block (first match), or NULL. Caller frees. */
static char *
header(const char *hdrs, const char *name)
{
	const char	*p = hdrs, *eol;
	size_t		 n = strlen(name);

	while (p != NULL && *p != '\0') {
		eol = strstr(p, "\r\n");
		if (strncasecmp(p, name, n) == 0 && p[n] == ':')
			return strndup(p + n + 2, eol != NULL ? (size_t)(eol - p - n - 2) : strlen(p + n + 2));
		p = eol != NULL ? eol + 2 : NULL;
	}
	return NULL;
}

START_TEST(test_tls_cookie_and_hsts)
{
	const char	*tls = getenv("CLINIC_TEST_TLS_URL");
	char		 url[512], email[160], body[512], cookie[256], *hdrs, *v, *end;
	long		 st;

	if (tls == NULL || *tls == '\0') {
		fprintf(stderr, "# CLINIC_TEST_TLS_URL not set: TLS test skipped\n");
		return;
	}
	/* HSTS over TLS, on the portal's files... */
	(void)snprintf(url, sizeof(url), "%s/", tls);
	ck_assert_int_eq(fetch(url, "GET", NULL, NULL, &hdrs), 200);
	ck_assert_ptr_nonnull(v = header(hdrs, "Strict-Transport-Security"));
	ck_assert_msg(strstr(v, "max-age=") != NULL, "%s", v);
	free(v);
	free(hdrs);
	/* ... and none over plain http. */
	(void)snprintf(url, sizeof(url), "%s/", E.url);
	ck_assert_int_eq(fetch(url, "GET", NULL, NULL, &hdrs), 200);
	ck_assert_ptr_null(header(hdrs, "Strict-Transport-Security"));
	free(hdrs);

	/* Registering over TLS gives the __Host- cookie, Secure, HttpOnly, SameSite=Strict. */
	unique_email(email, sizeof(email), "tls");
	(void)snprintf(body, sizeof(body), "{\"email\":\"%s\",\"password\":\"%s\","
	    "\"given_name\":\"Tess\",\"family_name\":\"Layer\",\"date_of_birth\":\"1984-03-03\"}",
	    email, GOOD_PW);
	(void)snprintf(url, sizeof(url), "%s/api/v1/auth/register", tls);
	st = fetch(url, "POST", body, NULL, &hdrs);
	ck_assert_msg(st == 201, "register over TLS gave %ld", st);
	ck_assert_ptr_nonnull(v = header(hdrs, "Set-Cookie"));
	ck_assert_msg(strncmp(v, "__Host-clinic_session=", 22) == 0, "cookie %s", v);
	ck_assert_msg(strstr(v, "; Secure") != NULL && strstr(v, "; HttpOnly") != NULL &&
	    strstr(v, "SameSite=Strict") != NULL && strstr(v, "Path=/") != NULL &&
	    strstr(v, "Domain=") == NULL, "cookie %s", v);
	end = strchr(v, ';');
	(void)snprintf(cookie, sizeof(cookie), "%.*s", (int)(end - v), v);
	free(v);
	free(hdrs);

	/* The session works over TLS under that name. */
	(void)snprintf(url, sizeof(url), "%s/api/v1/auth/me", tls);
	ck_assert_int_eq(fetch(url, "GET", NULL, cookie, &hdrs), 200);
	free(hdrs);
	/* Under the development name over TLS it is not even looked at. */
	(void)snprintf(cookie, sizeof(cookie), "clinic_session=%s", strchr(cookie, '=') + 1);
	ck_assert_int_eq(fetch(url, "GET", NULL, cookie, &hdrs), 401);
	free(hdrs);
}
END_TEST

Suite *
tls_suite(void)
{
	Suite	*s = suite_create("tls");
	TCase	*tc;

	tc = tcase_create("tls");
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_tls_cookie_and_hsts);
	suite_add_tcase(s, tc);
	return s;
}
