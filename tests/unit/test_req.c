/*
 * req: strict JSON bodies, cookies, route patterns with {params}, role names.
 */
#include <string.h>

#include <json-c/json.h>

#include "pool.h"
#include "req.h"
#include "unit.h"


/* Parses body[0..len) and returns the reason it was refused, or NULL. */
static const char *
parse_len(const char *body, size_t len)
{
	struct json_object	*o;
	const char		*why = "(unset)";

	o = req_parse_json(body, len, &why);
	if (o != NULL) {
		ck_assert_msg(why == NULL, "an object and a reason: %s", why);
		json_object_put(o);
		return NULL;
	}
	ck_assert_msg(why != NULL, "no object and no reason");
	return why;
}

static const char *
parse(const char *body)
{
	return parse_len(body, strlen(body));
}

#define NOT_JSON	"the body is not valid JSON"

START_TEST(json_accepts_rfc8259)
{
	static const char *const good[] = {
		"{}", "{\"a\":1}", " {\"a\" : [1, -2.5e3, true, false, null, \"x\"]} ",
		"{\"a\":{\"b\":{\"c\":\"\\u00e9\\n\\\"\\\\\\/\"}}}", "[]", "[1,2]", "\"text\"",
		"{\"a\":\"h\xc3\xa9llo \xf0\x9f\x98\x80\"}", "{\"a\":-0}", "{\"a\":1E+5}",
		"{\"a\":0.5}",
	};
	size_t	i;

	for (i = 0; i < nitems(good); i++)
		ck_assert_msg(parse(good[i]) == NULL, "refused %s: %s", good[i], parse(good[i]));
}
END_TEST

START_TEST(json_returns_the_value)
{
	struct json_object	*o, *v;
	const char		*why;

	ck_assert_ptr_nonnull(o = req_parse_json("{\"name\":\"Ann\",\"n\":3}", 20, &why));
	ck_assert_ptr_null(why);
	ck_assert(json_object_is_type(o, json_type_object));
	ck_assert(json_object_object_get_ex(o, "name", &v));
	ck_assert_str_eq(json_object_get_string(v), "Ann");
	ck_assert(json_object_object_get_ex(o, "n", &v));
	ck_assert_int_eq(json_object_get_int(v), 3);
	json_object_put(o);
}
END_TEST

START_TEST(json_trailing_whitespace_ok)
{
	ck_assert_ptr_null(parse("{\"a\":1} "));
	ck_assert_ptr_null(parse("{\"a\":1}\n"));
	ck_assert_ptr_null(parse("{\"a\":1}\r\n\t  \r\n"));
	ck_assert_ptr_null(parse("\n\t {\"a\":1}"));
}
END_TEST

START_TEST(json_trailing_garbage_refused)
{
	ck_assert_str_eq(parse("{\"a\":1}x"), NOT_JSON);
	ck_assert_str_eq(parse("{\"a\":1} x"), NOT_JSON);
	ck_assert_str_eq(parse("{\"a\":1}{}"), NOT_JSON);
	ck_assert_str_eq(parse("{\"a\":1},"), NOT_JSON);
	ck_assert_str_eq(parse("{\"a\":1}//"), NOT_JSON);
	ck_assert_str_eq(parse("{\"a\":1}\x0b"), NOT_JSON);
	/* A NUL after the value is not whitespace. */
	ck_assert_str_eq(parse_len("{\"a\":1}\0", 8), NOT_JSON);
	ck_assert_str_eq(parse_len("{\"a\":1} \0 ", 10), NOT_JSON);
	ck_assert_str_eq(parse_len("{\"a\":1}\0{\"b\":2}", 15), NOT_JSON);
}
END_TEST

START_TEST(json_non_rfc8259_refused)
{
	static const char *const bad[] = {
		"{'a':1}", "{\"a\":'x'}", "{a:1}", "{\"a\":NaN}", "{\"a\":Infinity}",
		"{\"a\":-Infinity}", "{\"a\":nan}", "{\"a\":1.}", "{\"a\":.5}", "{\"a\":01}",
		"{\"a\":+1}", "{\"a\":0x10}", "{\"a\":1,}", "[1,]", "[,1]", "{,}",
		"{\"a\":tRue}", "{\"a\":True}", "{\"a\":NULL}", "{\"a\":1/*c*/}", "/*c*/{}",
		"{\"a\":\"\\x\"}", "{\"a\" 1}", "{\"a\":[1 2]}",
		"{\"a\":\"tab\there\"}", "{\"a\":\"new\nline\"}", "{\"a\":\"\x01\"}",
		"\xef\xbb\xbf{}",
	};
	size_t	i;

	for (i = 0; i < nitems(bad); i++)
		ck_assert_msg(parse(bad[i]) != NULL, "accepted %s", bad[i]);
	ck_assert_str_eq(parse_len("{\"a\":\"x\0y\"}", 11), NOT_JSON);
}
END_TEST

START_TEST(json_truncated_refused)
{
	static const char	why[] = "the body ends before the JSON value does";

	ck_assert_str_eq(parse("{\"a\":1"), why);
	ck_assert_str_eq(parse("{\"a\":"), why);
	ck_assert_str_eq(parse("{\"a\":\"x"), why);
	ck_assert_str_eq(parse("["), why);
	ck_assert_str_eq(parse(""), why);
	ck_assert_str_eq(parse("   "), why);
}
END_TEST

START_TEST(json_invalid_utf8_refused)
{
	static const char	why[] = "the body is not valid UTF-8";

	ck_assert_str_eq(parse("{\"a\":\"\xff\"}"), why);
	ck_assert_str_eq(parse("{\"a\":\"\xc0\xaf\"}"), why);		/* overlong '/' */
	ck_assert_str_eq(parse("{\"a\":\"\xed\xa0\x80\"}"), why);	/* surrogate */
	ck_assert_str_eq(parse("{\"a\":\"\xf4\x90\x80\x80\"}"), why);	/* > U+10FFFF */
	ck_assert_str_eq(parse("{\"a\":\"\xe2\x82\"}"), why);		/* truncated */
	ck_assert_str_eq(parse("{\"\xe9\":1}"), why);			/* in a name */
	ck_assert_str_eq(parse("{\"a\":1}\x80"), why);			/* after the value */
}
END_TEST

/* n nested arrays, the innermost empty: "[[...]]". */
static const char *
nested(int n)
{
	char	*s;

	ck_assert_ptr_nonnull(s = pool_calloc(unit_pool, 1, (size_t)(2 * n + 1)));
	memset(s, '[', (size_t)n);
	memset(s + n, ']', (size_t)n);
	return s;
}

/* n nested objects with a number innermost: {"a":{"a":...1}}. */
static const char *
nested_objects(int n)
{
	char	*s;
	int	 i;

	ck_assert_ptr_nonnull(s = pool_calloc(unit_pool, 1, (size_t)(6 * n + 2)));
	for (i = 0; i < n; i++)
		memcpy(s + 5 * i, "{\"a\":", 5);
	s[5 * n] = '1';
	memset(s + 5 * n + 1, '}', (size_t)n);
	return s;
}

START_TEST(json_depth_limit)
{
	static const char	why[] = "the JSON is nested too deeply";

	/* Depth counts every value, the innermost one included: at most 16. */
	ck_assert_ptr_null(parse(nested(16)));
	ck_assert_str_eq(parse(nested(17)), why);
	ck_assert_str_eq(parse(nested(1000)), why);
	ck_assert_ptr_null(parse(nested_objects(15)));
	ck_assert_str_eq(parse(nested_objects(16)), why);
	ck_assert_str_eq(parse(nested_objects(17)), why);
}
END_TEST

START_TEST(cookie_found_among_several)
{
	static const char	h[] = "theme=dark; clinic_session=abc123; lang=en-GB";

	ck_assert_str_eq(req_cookie(unit_pool, h, "clinic_session"), "abc123");
	ck_assert_str_eq(req_cookie(unit_pool, h, "theme"), "dark");
	ck_assert_str_eq(req_cookie(unit_pool, h, "lang"), "en-GB");
	ck_assert_str_eq(req_cookie(unit_pool, "a=1;b=2", "b"), "2");
	ck_assert_str_eq(req_cookie(unit_pool, "a=1;\tb=2\t", "b"), "2");
	ck_assert_str_eq(req_cookie(unit_pool, "a=1;   b=2   ", "b"), "2");
	ck_assert_str_eq(req_cookie(unit_pool, "  b=2", "b"), "2");
	ck_assert_str_eq(req_cookie(unit_pool, "b=x=y", "b"), "x=y");
	ck_assert_str_eq(req_cookie(unit_pool, "__Host-clinic_session=t0k",
	    "__Host-clinic_session"), "t0k");
	/* The first of two with the same name wins. */
	ck_assert_str_eq(req_cookie(unit_pool, "b=1; b=2", "b"), "1");
}
END_TEST

START_TEST(cookie_names_match_exactly)
{
	ck_assert_str_eq(req_cookie(unit_pool, "xsid=bad; sid=good", "sid"), "good");
	ck_assert_str_eq(req_cookie(unit_pool, "sid_old=bad; sid=good", "sid"), "good");
	ck_assert_str_eq(req_cookie(unit_pool, "SID=bad; sid=good", "sid"), "good");
	ck_assert_ptr_null(req_cookie(unit_pool, "xsid=bad; sid_old=bad", "sid"));
	ck_assert_ptr_null(req_cookie(unit_pool, "a=sid=x", "sid"));
}
END_TEST

START_TEST(cookie_quoted_values)
{
	ck_assert_str_eq(req_cookie(unit_pool, "sid=\"abc\"", "sid"), "abc");
	ck_assert_str_eq(req_cookie(unit_pool, "a=1; sid=\"abc\"; b=2", "sid"), "abc");
	ck_assert_str_eq(req_cookie(unit_pool, "sid=\"a b\" ", "sid"), "a b");
	ck_assert_ptr_null(req_cookie(unit_pool, "sid=\"\"", "sid"));
}
END_TEST

START_TEST(cookie_absent_or_empty)
{
	char	*big;

	ck_assert_ptr_null(req_cookie(unit_pool, NULL, "sid"));
	ck_assert_ptr_null(req_cookie(unit_pool, "", "sid"));
	ck_assert_ptr_null(req_cookie(unit_pool, ";;; ", "sid"));
	ck_assert_ptr_null(req_cookie(unit_pool, "a=1; b=2", "sid"));
	ck_assert_ptr_null(req_cookie(unit_pool, "sid=", "sid"));
	ck_assert_ptr_null(req_cookie(unit_pool, "sid=; a=1", "sid"));
	ck_assert_ptr_null(req_cookie(unit_pool, "sid=   ", "sid"));
	ck_assert_ptr_null(req_cookie(unit_pool, "sid", "sid"));
	ck_assert_ptr_null(req_cookie(unit_pool, "sid; a=1", "sid"));
	/* Longer than any cookie we set: treated as malformed. */
	ck_assert_ptr_nonnull(big = pool_calloc(unit_pool, 1, 4 + 4097 + 1));
	memcpy(big, "sid=", 4);
	memset(big + 4, 'x', 4096);
	ck_assert_uint_eq(strlen(req_cookie(unit_pool, big, "sid")), 4096);
	big[4 + 4096] = 'x';
	ck_assert_ptr_null(req_cookie(unit_pool, big, "sid"));
}
END_TEST

START_TEST(match_with_params)
{
	struct req	r;

	memset(&r, 0, sizeof(r));
	r.pool = unit_pool;
	ck_assert(req_match(&r, "/api/v1/patients/{id}", "/api/v1/patients/42"));
	ck_assert_uint_eq(r.nparams, 1);
	ck_assert_str_eq(req_param(&r, "id"), "42");
	ck_assert_ptr_null(req_param(&r, "other"));

	ck_assert(req_match(&r, "/api/v1/x/{a}/y/{b}", "/api/v1/x/1/y/two.json"));
	ck_assert_uint_eq(r.nparams, 2);
	ck_assert_str_eq(req_param(&r, "a"), "1");
	ck_assert_str_eq(req_param(&r, "b"), "two.json");

	ck_assert(req_match(&r, "/{a}/{b}/{c}/{d}", "/1/2/3/4"));
	ck_assert_uint_eq(r.nparams, 4);
	ck_assert_str_eq(req_param(&r, "d"), "4");

	ck_assert(req_match(&r, "/api/v1/auth/login", "/api/v1/auth/login"));
	ck_assert_uint_eq(r.nparams, 0);
	ck_assert_ptr_null(req_param(&r, "id"));
}
END_TEST

START_TEST(match_refuses_non_matches)
{
	static const struct {
		const char	*pattern, *path;
	} no[] = {
		{ "/api/v1/patients/{id}", "/api/v1/patients/" },
		{ "/api/v1/patients/{id}", "/api/v1/patients" },
		{ "/api/v1/patients/{id}", "/api/v1/patients/42/" },
		{ "/api/v1/patients/{id}", "/api/v1/patients/42/notes" },
		{ "/api/v1/patients/{id}", "/api/v1/patientsX/42" },
		{ "/api/v1/patients/{id}", "/api/v1/Patients/42" },
		{ "/api/v1/patients/{id}/notes", "/api/v1/patients/42" },
		{ "/api/v1/patients/{id}/notes", "/api/v1/patients//notes" },
		{ "/api/v1/auth/login", "/api/v1/auth/login/" },
		{ "/api/v1/auth/login", "/api/v1/auth/logi" },
		{ "/api/v1/auth/login", "" },
		{ "/{a}/{b}/{c}/{d}/{e}", "/1/2/3/4/5" },	/* more than REQ_MAX_PARAMS */
		{ "/api/{id", "/api/42" },			/* unclosed brace */
	};
	struct req	r;
	size_t		i;

	memset(&r, 0, sizeof(r));
	r.pool = unit_pool;
	for (i = 0; i < nitems(no); i++)
		ck_assert_msg(!req_match(&r, no[i].pattern, no[i].path), "%s matched %s",
		    no[i].pattern, no[i].path);
}
END_TEST

START_TEST(role_names)
{
	static const struct {
		enum role	 role;
		const char	*name;
	} roles[] = {
		{ ROLE_PATIENT, "patient" }, { ROLE_CLINICIAN, "clinician" },
		{ ROLE_PHARMACIST, "pharmacist" }, { ROLE_ADMIN, "admin" },
		{ ROLE_AUDITOR, "auditor" },
	};
	size_t	i;

	for (i = 0; i < nitems(roles); i++) {
		ck_assert_int_eq(role_from_name(roles[i].name), roles[i].role);
		ck_assert_str_eq(role_name(roles[i].role), roles[i].name);
	}
	ck_assert_int_eq(role_from_name("Patient"), ROLE_NONE);
	ck_assert_int_eq(role_from_name("admin "), ROLE_NONE);
	ck_assert_int_eq(role_from_name(""), ROLE_NONE);
	ck_assert_int_eq(role_from_name("none"), ROLE_NONE);
	ck_assert_int_eq(role_from_name(NULL), ROLE_NONE);
	ck_assert_str_eq(role_name(ROLE_NONE), "none");
	ck_assert_str_eq(role_name((enum role)(ROLE_PATIENT | ROLE_ADMIN)), "none");
	ck_assert_str_eq(role_name((enum role)(1 << 10)), "none");
}
END_TEST

Suite *
unit_suite(void)
{
	Suite	*s = suite_create("req");
	TCase	*tc;

	tc = tcase_create("json");
	tcase_add_checked_fixture(tc, unit_pool_setup, unit_pool_teardown);
	tcase_add_test(tc, json_accepts_rfc8259);
	tcase_add_test(tc, json_returns_the_value);
	tcase_add_test(tc, json_trailing_whitespace_ok);
	tcase_add_test(tc, json_trailing_garbage_refused);
	tcase_add_test(tc, json_non_rfc8259_refused);
	tcase_add_test(tc, json_truncated_refused);
	tcase_add_test(tc, json_invalid_utf8_refused);
	tcase_add_test(tc, json_depth_limit);
	suite_add_tcase(s, tc);

	tc = tcase_create("cookie");
	tcase_add_checked_fixture(tc, unit_pool_setup, unit_pool_teardown);
	tcase_add_test(tc, cookie_found_among_several);
	tcase_add_test(tc, cookie_names_match_exactly);
	tcase_add_test(tc, cookie_quoted_values);
	tcase_add_test(tc, cookie_absent_or_empty);
	suite_add_tcase(s, tc);

	tc = tcase_create("route");
	tcase_add_checked_fixture(tc, unit_pool_setup, unit_pool_teardown);
	tcase_add_test(tc, match_with_params);
	tcase_add_test(tc, match_refuses_non_matches);
	tcase_add_test(tc, role_names);
	suite_add_tcase(s, tc);
	return s;
}
