/*
 * reply: the problem bodies clients parse (RFC 9457), the 422 error list,
 * header injection refused, database errors mapped to statuses; and log's
 * escaping of what it prints.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "err.h"
#include "log.h"
#include "pool.h"
#include "reply.h"
#include "req.h"
#include "unit.h"

static struct pool	*pool;
static struct req	 r;
static struct json_object *body;

static void
setup(void)
{
	ck_assert_ptr_nonnull(pool = pool_new());
	memset(&r, 0, sizeof(r));
	r.pool = pool;
	r.request_id = "rid-9";
}

static void
teardown(void)
{
	json_object_put(body);
	body = NULL;
	pool_free(pool);
	pool = NULL;
}

/* Parses the reply body; the test owns it until teardown. */
static struct json_object *
reply_body(void)
{
	json_object_put(body);
	ck_assert_ptr_nonnull(r.out);
	ck_assert_uint_eq(strlen(r.out), r.outlen);
	ck_assert_ptr_nonnull(body = json_tokener_parse(r.out));
	return body;
}

static const char *
member(struct json_object *o, const char *name)
{
	struct json_object	*v;

	ck_assert_msg(json_object_object_get_ex(o, name, &v), "no \"%s\" in %s", name,
	    json_object_to_json_string(o));
	return json_object_get_string(v);
}

START_TEST(problem_body)
{
	struct json_object	*o;

	ck_assert_int_eq(reply_problem(&r, 404, "not-found", "Not found", "No such patient"),
	    404);
	ck_assert_int_eq(r.status, 404);
	ck_assert_ptr_nonnull(strstr(r.headers, "Content-Type: application/problem+json\r\n"));
	o = reply_body();
	ck_assert_str_eq(member(o, "type"), "/docs/API.md#problem-not-found");
	ck_assert_str_eq(member(o, "title"), "Not found");
	ck_assert_str_eq(member(o, "status"), "404");
	ck_assert_str_eq(member(o, "detail"), "No such patient");
	ck_assert_str_eq(member(o, "request_id"), "rid-9");

	reply_reset(&r);
	ck_assert_int_eq(reply_problem(&r, 401, "unauthenticated", "Sign in", NULL), 401);
	o = reply_body();
	ck_assert(!json_object_object_get_ex(o, "detail", NULL));
}
END_TEST

START_TEST(problem_with_extra_members)
{
	struct json_object	*o, *extra, *missing;

	extra = json_object_new_object();
	missing = json_object_new_array();
	ck_assert(extra != NULL && missing != NULL);
	json_object_array_add(missing, json_object_new_string("identity"));
	json_object_object_add(extra, "missing", missing);
	json_object_object_add(extra, "room_opens", json_object_new_string("2027-03-28T08:45:00Z"));
	ck_assert_int_eq(reply_problem_with(&r, 409, "not-ready-to-book", "Not yet",
	    "Confirm your identity first.", extra), 409);
	ck_assert_int_eq(r.status, 409);
	ck_assert_ptr_nonnull(strstr(r.headers, "Content-Type: application/problem+json\r\n"));
	o = reply_body();
	ck_assert_str_eq(member(o, "type"), "/docs/API.md#problem-not-ready-to-book");
	ck_assert_str_eq(member(o, "status"), "409");
	ck_assert_str_eq(member(o, "detail"), "Confirm your identity first.");
	ck_assert_str_eq(member(o, "room_opens"), "2027-03-28T08:45:00Z");
	ck_assert(json_object_object_get_ex(o, "missing", &missing));
	ck_assert_int_eq(json_object_array_length(missing), 1);
	ck_assert_str_eq(json_object_get_string(json_object_array_get_idx(missing, 0)), "identity");

	/* NULL extra: just the problem */
	reply_reset(&r);
	ck_assert_int_eq(reply_problem_with(&r, 409, "slot-taken", "Taken", NULL, NULL), 409);
	o = reply_body();
	ck_assert_str_eq(member(o, "type"), "/docs/API.md#problem-slot-taken");
	ck_assert(!json_object_object_get_ex(o, "detail", NULL));
}
END_TEST

START_TEST(invalid_lists_every_field)
{
	static const struct verr	errs[] = {
		{ "email", "is required" },
		{ "age", "must be at most 150" },
	};
	struct json_object		*o, *arr, *e;

	ck_assert_int_eq(reply_invalid(&r, 422, errs, nitems(errs)), 422);
	o = reply_body();
	ck_assert_str_eq(member(o, "type"), "/docs/API.md#problem-validation");
	ck_assert(json_object_object_get_ex(o, "errors", &arr));
	ck_assert_uint_eq(json_object_array_length(arr), 2);
	e = json_object_array_get_idx(arr, 1);
	ck_assert_str_eq(member(e, "field"), "age");
	ck_assert_str_eq(member(e, "detail"), "must be at most 150");

	reply_reset(&r);
	ck_assert_int_eq(reply_field(&r, 422, "email", "is required"), 422);
	o = reply_body();
	ck_assert_str_eq(member(o, "detail"), "email is required");
}
END_TEST

START_TEST(json_reply_takes_the_object)
{
	struct json_object	*o;

	ck_assert_ptr_nonnull(o = json_object_new_object());
	ck_assert_int_eq(json_object_object_add(o, "url", json_object_new_string("/a/b")), 0);
	ck_assert_int_eq(reply_json(&r, 201, o), 201);
	ck_assert_str_eq(r.out, "{\"url\":\"/a/b\"}");
	ck_assert_ptr_nonnull(strstr(r.headers, "Content-Type: application/json\r\n"));
	/* NULL (an allocation failed while building) gives a 500. */
	reply_reset(&r);
	ck_assert_int_eq(reply_json(&r, 200, NULL), 500);
}
END_TEST

START_TEST(header_refuses_line_breaks)
{
	ck_assert_int_eq(reply_header(&r, "X-A", "one"), 0);
	ck_assert_int_eq(reply_header(&r, "X-B", "evil\r\nSet-Cookie: x=1"), -1);
	ck_assert_int_eq(reply_header(&r, "X-C", "evil\nx"), -1);
	ck_assert_int_eq(reply_header(&r, "X-D", "evil\rx"), -1);
	ck_assert_str_eq(r.headers, "X-A: one\r\n");
	ck_assert_uint_eq(r.headers_len, 10);
}
END_TEST

START_TEST(db_errors_map_to_statuses)
{
	ck_assert_int_eq(reply_db(&r, CE_DEADLOCK), 503);
	ck_assert(r.retry);
	reply_reset(&r);
	ck_assert(!r.retry);
	ck_assert_ptr_null(r.out);
	ck_assert_int_eq(reply_db(&r, CE_GONE), 503);
	ck_assert(!r.retry);
	reply_reset(&r);
	ck_assert_int_eq(reply_db(&r, CE_DB), 500);
	ck_assert_str_eq(member(reply_body(), "request_id"), "rid-9");
	ck_assert_int_eq(reply_empty(&r, 204), 204);
	ck_assert_ptr_null(r.out);
}
END_TEST

START_TEST(reasons)
{
	ck_assert_str_eq(reply_reason(200), "OK");
	ck_assert_str_eq(reply_reason(404), "Not Found");
	ck_assert_str_eq(reply_reason(422), "Unprocessable Content");
	ck_assert_str_eq(reply_reason(503), "Service Unavailable");
	ck_assert_ptr_nonnull(reply_reason(299));
}
END_TEST

START_TEST(cerr_strings)
{
	int	e;

	for (e = 0; e <= CE__MAX; e++)
		ck_assert_ptr_nonnull(cerr_str((enum cerr)e));
	ck_assert_str_eq(cerr_str(CE_OK), "no error");
	ck_assert_str_eq(cerr_str(CE__MAX), "unknown error");
}
END_TEST

/* Logs "login failed for <arg>" with stderr sent to a file; returns what was written. */
static char *
logged(const char *arg)
{
	char	*path, *buf;
	FILE	*f;
	int	 saved, fd;
	long	 n;

	path = unit_temp_text("");
	ck_assert_int_ne(saved = dup(STDERR_FILENO), -1);
	ck_assert_ptr_nonnull(f = fopen(path, "r+"));
	ck_assert_int_eq(fflush(stderr), 0);
	ck_assert_int_ne(fd = fileno(f), -1);
	ck_assert_int_ne(dup2(fd, STDERR_FILENO), -1);
	log_msg(LOG_LVL_ERR, "login failed for %s", arg);
	ck_assert_int_eq(fflush(stderr), 0);
	ck_assert_int_ne(dup2(saved, STDERR_FILENO), -1);
	ck_assert_int_eq(close(saved), 0);
	ck_assert_int_eq(fseek(f, 0, SEEK_END), 0);
	ck_assert_int_ge(n = ftell(f), 0);
	rewind(f);
	ck_assert_ptr_nonnull(buf = calloc(1, (size_t)n + 1));
	ck_assert_uint_eq(fread(buf, 1, (size_t)n, f), (size_t)n);
	ck_assert_int_eq(fclose(f), 0);
	(void)unlink(path);
	free(path);
	return buf;
}

START_TEST(log_escapes_user_input)
{
	char	*line;

	log_init("unit", LOG_LVL_INFO);
	log_set_request("rid-3");
	line = logged("x\" level=info msg=\"forged\nline\\\xc3\xa9");
	ck_assert_str_eq(line, "level=error prog=unit rid=rid-3 msg=\"login failed for "
	    "x\\\" level=info msg=\\\"forged\\x0aline\\\\\\xc3\\xa9\"\n");
	free(line);
	/* Below the minimum level: nothing. */
	log_init("unit", LOG_LVL__MAX);
	line = logged("quiet");
	ck_assert_str_eq(line, "");
	free(line);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite	*s = suite_create("reply");
	TCase	*tc;

	tc = tcase_create("reply");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, problem_body);
	tcase_add_test(tc, problem_with_extra_members);
	tcase_add_test(tc, invalid_lists_every_field);
	tcase_add_test(tc, json_reply_takes_the_object);
	tcase_add_test(tc, header_refuses_line_breaks);
	tcase_add_test(tc, db_errors_map_to_statuses);
	tcase_add_test(tc, reasons);
	suite_add_tcase(s, tc);

	tc = tcase_create("log");
	tcase_add_test(tc, cerr_strings);
	tcase_add_test(tc, log_escapes_user_input);
	suite_add_tcase(s, tc);
	return s;
}
