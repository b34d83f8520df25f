/*
 * Bad input through nginx: each is refused with the documented problem, none
 * is a 5xx, and none changes anything (users and audit rows are counted
 * before and after as root).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "helpers.h"

static const char REGISTER[] = "/api/v1/auth/register";
static const char JSON[] = "application/json";

static int64_t	users_before, audit_before;

static void
fx_count(void)
{
	sql_clear_throttle();
	users_before = sql_int("SELECT COUNT(*) FROM users");
	audit_before = sql_int("SELECT COUNT(*) FROM audit_event");
}

static void
expect_nothing_changed(void)
{
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM users"), users_before);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM audit_event"), audit_before);
}

/* POST a raw body to register; asserts the problem (and that it is no 5xx). */
static struct resp *
post(const char *path, const char *body, size_t len, const char *ctype, long status,
    const char *slug)
{
	struct browser	*b = br_new();
	struct resp	*r = http_raw(b, "POST", path, body, len, ctype, NULL, NULL);

	br_free(b);
	ck_assert_msg(r->status > 0 && r->status < 500, "server error: %s", rdesc(r));
	expect_problem(r, status, slug);
	{
		char *sc = resp_header(r, "Set-Cookie");
		ck_assert_msg(sc == NULL, "a refused request set a cookie: %s", rdesc(r));
	}
	return r;
}

static void
post_str(const char *body, long status, const char *slug)
{
	resp_free(post(REGISTER, body, strlen(body), JSON, status, slug));
}

/* A register body with one member replaced (value is raw JSON text; NULL drops it). */
static char *
body_with(const char *field, const char *value)
{
	static const char *const names[] = { "email", "password", "given_name", "family_name",
	    "date_of_birth" };
	char		 email[160], *out, vals[5][200];
	size_t		 i, cap = 4096;
	bool		 first = true;

	unique_email(email, sizeof(email), "input");
	(void)snprintf(vals[0], sizeof(vals[0]), "\"%s\"", email);
	(void)snprintf(vals[1], sizeof(vals[1]), "\"%s\"", GOOD_PW);
	(void)snprintf(vals[2], sizeof(vals[2]), "\"Ivy\"");
	(void)snprintf(vals[3], sizeof(vals[3]), "\"Input\"");
	(void)snprintf(vals[4], sizeof(vals[4]), "\"1980-01-01\"");
	if ((out = calloc(1, cap)) == NULL)
		abort();
	out[0] = '{';
	for (i = 0; i < 5; i++) {
		const char *v = vals[i];
		if (field != NULL && strcmp(field, names[i]) == 0) {
			if (value == NULL)
				continue;
			v = value;
		}
		(void)snprintf(out + strlen(out), cap - strlen(out), "%s\"%s\":%s",
		    first ? "" : ",", names[i], v);
		first = false;
	}
	(void)snprintf(out + strlen(out), cap - strlen(out), "}");
	return out;
}

START_TEST(test_malformed_json)
{
	static const char *const bodies[] = {
		"{\"email\":",
		"{email: \"a@b.org\"}",
		"{\"email\":\"a@b.org\",}",
		"{} trailing",
		"{\"a\":1}{\"b\":2}",
		"'single'",
	};
	size_t	i;

	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++)
		post_str(bodies[i], 400, "malformed-json");
	expect_nothing_changed();
}
END_TEST

START_TEST(test_not_an_object)
{
	static const char *const bodies[] = { "[]", "[{\"email\":\"a@b.org\"}]", "\"string\"",
	    "\"\"" };
	struct resp	*r;
	size_t		 i;

	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		r = post(REGISTER, bodies[i], strlen(bodies[i]), JSON, 422, "validation");
		ck_assert_msg(has_error_field(r, ""), "the body itself not named: %s", rdesc(r));
		resp_free(r);
	}
	expect_nothing_changed();
}
END_TEST

/* A bare number, true or null is JSON too (RFC 8259), just not an object. */
START_TEST(test_scalar_body)
{
	static const char *const bodies[] = { "42", "true", "null", "4.5" };
	size_t	i;

	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++)
		post_str(bodies[i], 422, "validation");
	expect_nothing_changed();
}
END_TEST

START_TEST(test_wrong_types)
{
	static const struct {
		const char	*field, *value;
	} cases[] = {
		{ "email", "5" },
		{ "email", "[\"a@b.org\"]" },
		{ "given_name", "true" },
		{ "family_name", "{\"x\":1}" },
		{ "date_of_birth", "19800101" },
		{ "password", "12345678901234" },
	};
	struct resp	*r;
	char		*body;
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		body = body_with(cases[i].field, cases[i].value);
		r = post(REGISTER, body, strlen(body), JSON, 422, "validation");
		ck_assert_msg(has_error_field(r, cases[i].field), "%s not named: %s",
		    cases[i].field, rdesc(r));
		ck_assert_int_eq(json_object_array_length(jget(r->json, "errors")), 1);
		resp_free(r);
		free(body);
	}
	expect_nothing_changed();
}
END_TEST

START_TEST(test_missing_and_unknown_fields)
{
	struct resp	*r;
	const char	*body = "{\"email\":\"missing@test.example\",\"password\":\"" GOOD_PW "\","
	    "\"given_name\":\"Ivy\",\"nickname\":\"ivy\",\"role\":\"admin\"}";

	r = post(REGISTER, body, strlen(body), JSON, 422, "validation");
	ck_assert_msg(has_error_field(r, "family_name"), "family_name: %s", rdesc(r));
	ck_assert_msg(has_error_field(r, "date_of_birth"), "date_of_birth: %s", rdesc(r));
	ck_assert_msg(has_error_field(r, "nickname"), "nickname: %s", rdesc(r));
	ck_assert_msg(has_error_field(r, "role"), "role: %s", rdesc(r));
	ck_assert_int_eq(json_object_array_length(jget(r->json, "errors")), 4);
	resp_free(r);
	/* An empty object names every required field. */
	r = post(REGISTER, "{}", 2, JSON, 422, "validation");
	ck_assert_int_eq(json_object_array_length(jget(r->json, "errors")), 5);
	resp_free(r);
	/* An empty body too. */
	r = post(REGISTER, NULL, 0, NULL, 422, "validation");
	ck_assert_msg(has_error_field(r, "email"), "email: %s", rdesc(r));
	resp_free(r);
	expect_nothing_changed();
}
END_TEST

START_TEST(test_field_values)
{
	static const struct {
		const char	*field, *value;
	} cases[] = {
		{ "email", "\"not-an-address\"" },
		{ "email", "\"two@@test.example\"" },
		{ "given_name", "\"\"" },
		{ "given_name", "\"   \"" },
		{ "given_name", "\"tab\\there\"" },
		{ "date_of_birth", "\"1980-02-30\"" },
		{ "date_of_birth", "\"2999-01-01\"" },
		{ "date_of_birth", "\"01/02/1980\"" },
	};
	struct resp	*r;
	char		*body;
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		body = body_with(cases[i].field, cases[i].value);
		r = post(REGISTER, body, strlen(body), JSON, 422, "validation");
		ck_assert_msg(has_error_field(r, cases[i].field), "%s=%s not named: %s",
		    cases[i].field, cases[i].value, rdesc(r));
		resp_free(r);
		free(body);
	}
	expect_nothing_changed();
}
END_TEST

START_TEST(test_long_name)
{
	struct resp	*r;
	char		 name[110], *body;

	memset(name, 'x', sizeof(name));
	name[0] = '"';
	name[102] = '"';
	name[103] = '\0';	/* 101 characters */
	body = body_with("given_name", name);
	r = post(REGISTER, body, strlen(body), JSON, 422, "validation");
	ck_assert_msg(has_error_field(r, "given_name"), "given_name: %s", rdesc(r));
	resp_free(r);
	free(body);
	expect_nothing_changed();
}
END_TEST

/* The limit is in characters, not bytes: 100 two-byte letters are fine. */
START_TEST(test_long_name_boundary)
{
	struct browser	*b = br_new();
	struct resp	*r;
	char		 name[2 * 100 + 3], *body;
	size_t		 i;

	name[0] = '"';
	for (i = 0; i < 100; i++) {
		name[1 + 2 * i] = (char)0xc3;
		name[2 + 2 * i] = (char)0xa9;	/* é */
	}
	name[201] = '"';
	name[202] = '\0';
	body = body_with("given_name", name);
	r = http_raw(b, "POST", REGISTER, body, strlen(body), JSON, NULL, NULL);
	ck_assert_msg(r->status == 201, "100 characters refused: %s", rdesc(r));
	ck_assert_int_eq(strlen(jstr(r->json, "user.given_name")), 200);
	resp_free(r);
	free(body);
	br_free(b);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM users"), users_before + 1);
}
END_TEST

START_TEST(test_invalid_utf8)
{
	static const char *const names[] = {
		"\"\xff\xfe\"",			/* not UTF-8 at all */
		"\"\xc3\"",			/* truncated sequence */
		"\"\xc0\xaf\"",			/* overlong '/' */
		"\"\xed\xa0\x80\"",		/* a UTF-16 surrogate */
	};
	char	*body;
	size_t	 i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		body = body_with("given_name", names[i]);
		post_str(body, 400, "malformed-json");
		free(body);
	}
	expect_nothing_changed();
}
END_TEST

START_TEST(test_nul)
{
	struct resp	*r;
	char		*body, raw[512];
	size_t		 n;

	/* An escaped NUL is valid JSON but not a valid name. */
	body = body_with("given_name", "\"Ivy\\u0000Evil\"");
	r = post(REGISTER, body, strlen(body), JSON, 422, "validation");
	ck_assert_msg(has_error_field(r, "given_name"), "given_name: %s", rdesc(r));
	resp_free(r);
	free(body);
	body = body_with("email", "\"nul\\u0000@test.example\"");
	r = post(REGISTER, body, strlen(body), JSON, 422, "validation");
	ck_assert_msg(has_error_field(r, "email"), "email: %s", rdesc(r));
	resp_free(r);
	free(body);
	/* A raw NUL byte inside a string is not JSON. */
	n = (size_t)snprintf(raw, sizeof(raw), "{\"email\":\"a@test.example\",\"password\":\"x"
	    "\",\"given_name\":\"Iv");
	raw[n++] = '\0';
	n += (size_t)snprintf(raw + n, sizeof(raw) - n, "y\",\"family_name\":\"I\","
	    "\"date_of_birth\":\"1980-01-01\"}");
	resp_free(post(REGISTER, raw, n, JSON, 400, "malformed-json"));
	expect_nothing_changed();
}
END_TEST

START_TEST(test_oversized_body)
{
	struct resp	*r;
	char		*body;
	size_t		 n = 100 * 1024;

	/* A syntactically fine object, just too big. */
	body = malloc(n + 1);
	memset(body, ' ', n);
	memcpy(body, "{\"email\":\"", 10);
	memset(body + 10, 'a', n - 20);
	memcpy(body + n - 10, "\"}        ", 10);
	body[n] = '\0';
	r = post(REGISTER, body, n, JSON, 413, "too-large");
	resp_free(r);
	free(body);
	expect_nothing_changed();
}
END_TEST

START_TEST(test_content_type)
{
	static const char *const types[] = { "text/plain", "application/x-www-form-urlencoded",
	    "application/jsonx", "multipart/form-data; boundary=x", NULL };
	struct browser	*b;
	struct resp	*r;
	const char	*body = "{\"email\":\"ct@test.example\",\"password\":\"" GOOD_PW "\"}";
	size_t		 i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		resp_free(post("/api/v1/auth/login", body, strlen(body), types[i], 415,
		    "unsupported-media-type"));
	/* With a charset parameter it is still JSON (and gets as far as the password check). */
	b = br_new();
	r = http_raw(b, "POST", "/api/v1/auth/login", body, strlen(body),
	    "application/json; charset=utf-8", NULL, NULL);
	expect_problem(r, 401, "invalid-credentials");
	resp_free(r);
	br_free(b);
	/* That sign-in failure is the one recorded change. */
	audit_before++;
	expect_nothing_changed();
}
END_TEST

START_TEST(test_unknown_path)
{
	static const struct {
		const char	*method, *path;
	} cases[] = {
		{ "GET", "/api/v1/auth/nope" },
		{ "POST", "/api/v1/auth/registerx" },
		{ "GET", "/api/v1/auth/me/" },
		{ "GET", "/api/v1/auth/me/preferences/extra" },
		{ "POST", "/api/v1/auth/mfa/enrol/confirm/" },
		{ "GET", "/api/v1/audit/nope" },
	};
	struct browser	*b = br_new();
	struct resp	*r;
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = http_raw(b, cases[i].method, cases[i].path, NULL, 0, NULL, NULL, NULL);
		ck_assert_msg(r->status < 500, "server error: %s", rdesc(r));
		expect_problem(r, 404, "not-found");
		resp_free(r);
	}
	br_free(b);
	expect_nothing_changed();
}
END_TEST

/* A family nginx does not route at all: nginx answers itself. */
START_TEST(test_unknown_family)
{
	struct browser	*b = br_new();
	struct resp	*r;

	r = http_raw(b, "GET", "/api/v1/nothing-here", NULL, 0, NULL, NULL, NULL);
	expect_problem(r, 404, "not-found");
	resp_free(r);
	br_free(b);
	expect_nothing_changed();
}
END_TEST

START_TEST(test_wrong_method)
{
	static const struct {
		const char	*method, *path, *allow;
	} cases[] = {
		{ "GET", "/api/v1/auth/login", "POST" },
		{ "PUT", "/api/v1/auth/register", "POST" },
		{ "DELETE", "/api/v1/auth/me", "GET" },
		{ "POST", "/api/v1/auth/me", "GET" },
		{ "PATCH", "/api/v1/auth/me/preferences", "PUT" },
		{ "GET", "/api/v1/auth/logout", "POST" },
		{ "POST", "/api/v1/audit/events", "GET" },
		{ "DELETE", "/api/v1/audit/verify", "GET" },
	};
	struct browser	*b = br_new();
	struct resp	*r;
	char		*allow;
	size_t		 i;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		r = http_raw(b, cases[i].method, cases[i].path, NULL, 0, NULL, NULL, NULL);
		ck_assert_msg(r->status < 500, "server error: %s", rdesc(r));
		expect_problem(r, 405, "method-not-allowed");
		allow = resp_header(r, "Allow");
		ck_assert_msg(allow != NULL && strcmp(allow, cases[i].allow) == 0,
		    "Allow %s, expected %s: %s", allow ? allow : "(absent)", cases[i].allow,
		    rdesc(r));
		free(allow);
		resp_free(r);
	}
	br_free(b);
	expect_nothing_changed();
}
END_TEST

/* Bad input from a signed-in user is refused the same way (and changes nothing). */
START_TEST(test_signed_in_bad_input)
{
	struct user	 u;
	struct resp	*r;
	char		*prefs;

	user_register(&u, "badprefs");
	fx_count();
	prefs = sql_str("SELECT preferences FROM users WHERE id = %lld", (long long)u.id);
	r = api(u.b, "PUT", "/api/v1/auth/me/preferences", "{\"theme\":\"neon\"}");
	expect_problem(r, 422, "validation");
	ck_assert_msg(has_error_field(r, "theme"), "theme: %s", rdesc(r));
	resp_free(r);
	r = api(u.b, "PUT", "/api/v1/auth/me/preferences", "{\"theme\":\"dark\",\"font\":\"x\"}");
	expect_problem(r, 422, "validation");
	ck_assert_msg(has_error_field(r, "font"), "font: %s", rdesc(r));
	resp_free(r);
	r = api(u.b, "PUT", "/api/v1/auth/me/preferences", "{\"theme\":");
	expect_problem(r, 400, "malformed-json");
	resp_free(r);
	r = http_raw(u.b, "PUT", "/api/v1/auth/me/preferences", "{\"theme\":\"dark\"}",
	    strlen("{\"theme\":\"dark\"}"), "text/plain", u.b->csrf, NULL);
	expect_problem(r, 415, "unsupported-media-type");
	resp_free(r);
	{
		char *now = sql_str("SELECT preferences FROM users WHERE id = %lld",
		    (long long)u.id);
		ck_assert_str_eq(now, prefs);
		free(now);
	}
	free(prefs);
	expect_nothing_changed();
	user_free(&u);
}
END_TEST

Suite *
input_suite(void)
{
	Suite	*s = suite_create("input");
	TCase	*tc = tcase_create("bad-input");

	tcase_add_checked_fixture(tc, fx_count, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_malformed_json);
	tcase_add_test(tc, test_not_an_object);
	tcase_add_test(tc, test_scalar_body);
	tcase_add_test(tc, test_wrong_types);
	tcase_add_test(tc, test_missing_and_unknown_fields);
	tcase_add_test(tc, test_field_values);
	tcase_add_test(tc, test_long_name);
	tcase_add_test(tc, test_long_name_boundary);
	tcase_add_test(tc, test_invalid_utf8);
	tcase_add_test(tc, test_nul);
	tcase_add_test(tc, test_oversized_body);
	tcase_add_test(tc, test_content_type);
	tcase_add_test(tc, test_unknown_path);
	tcase_add_test(tc, test_unknown_family);
	tcase_add_test(tc, test_wrong_method);
	tcase_add_test(tc, test_signed_in_bad_input);
	suite_add_tcase(s, tc);
	return s;
}
