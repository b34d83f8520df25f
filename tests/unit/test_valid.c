/*
 * valid: every field type's accepted and refused values with the reason a
 * client sees, valid_json()'s and valid_query()'s error lists, the URL
 * decoder and the UTF-8 checker.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "err.h"
#include "pool.h"
#include "valid.h"
#include "unit.h"


/* The reason valid_value gives for s against a field of type t, or NULL. */
static const char *
check_len(enum vtype t, long long min, long long max, const char *choices,
    const char *s, size_t len, const char **norm, int64_t *ival)
{
	struct field	 f = { "f", t, false, min, max, choices };
	const char	*n = NULL;
	int64_t		 i = -12345;
	const char	*why;

	why = valid_value(unit_pool, &f, s, len, &n, &i);
	if (why == NULL)
		ck_assert_ptr_nonnull(n);
	if (norm != NULL)
		*norm = n;
	if (ival != NULL)
		*ival = i;
	return why;
}

static const char *
check(enum vtype t, long long min, long long max, const char *choices, const char *s)
{
	return check_len(t, min, max, choices, s, strlen(s), NULL, NULL);
}

#define OK(t, min, max, ch, s) \
	ck_assert_msg(check(t, min, max, ch, s) == NULL, "refused \"%s\": %s", s, \
	    check(t, min, max, ch, s))
#define BAD(t, min, max, ch, s, why) \
	ck_assert_msg(check(t, min, max, ch, s) != NULL && \
	    strcmp(check(t, min, max, ch, s), why) == 0, "\"%s\": got %s, want %s", s, \
	    check(t, min, max, ch, s) ? check(t, min, max, ch, s) : "(accepted)", why)

START_TEST(string_counts_characters_not_bytes)
{
	OK(V_STRING, 1, 5, NULL, "hello");
	OK(V_STRING, 1, 5, NULL, "h\xc3\xa9llo");			/* 5 chars, 6 bytes */
	OK(V_STRING, 1, 5, NULL, "\xf0\x9f\x98\x80\xf0\x9f\x98\x80\xf0\x9f\x98\x80"
	    "\xf0\x9f\x98\x80\xf0\x9f\x98\x80");			/* 5 emoji, 20 bytes */
	BAD(V_STRING, 1, 5, NULL, "h\xc3\xa9llo!", "must be at most 5 characters");
	BAD(V_STRING, 1, 5, NULL, "hello!", "must be at most 5 characters");
	BAD(V_STRING, 3, 5, NULL, "\xc3\xa9\xc3\xa9", "must be at least 3 characters");
	OK(V_STRING, 3, 5, NULL, "\xc3\xa9\xc3\xa9\xc3\xa9");
	OK(V_STRING, 0, 0, NULL, "no maximum when max is 0, so this may be long");
}
END_TEST

START_TEST(string_refuses_empty_and_controls)
{
	BAD(V_STRING, 1, 50, NULL, "", "must not be empty");
	BAD(V_STRING, 1, 50, NULL, "   ", "must not be empty");
	OK(V_STRING, 0, 50, NULL, "");
	BAD(V_STRING, 0, 50, NULL, "a\nb", "must not contain control characters");
	BAD(V_STRING, 0, 50, NULL, "a\tb", "must not contain control characters");
	BAD(V_STRING, 0, 50, NULL, "a\rb", "must not contain control characters");
	BAD(V_STRING, 0, 50, NULL, "a\x01" "b", "must not contain control characters");
	BAD(V_STRING, 0, 50, NULL, "a\x1b[31m", "must not contain control characters");
	BAD(V_STRING, 0, 50, NULL, "a\x7f", "must not contain control characters");
	BAD(V_STRING, 0, 50, NULL, "\xff", "must be valid UTF-8 text");
	BAD(V_STRING, 0, 50, NULL, "\xc0\xaf", "must be valid UTF-8 text");
	ck_assert_str_eq(check_len(V_STRING, 0, 50, NULL, "a\0b", 3, NULL, NULL),
	    "must not contain NUL characters");
}
END_TEST

START_TEST(text_allows_newline_and_tab)
{
	const char	*norm;

	ck_assert_ptr_null(check_len(V_TEXT, 0, 100, NULL, "line 1\nline 2\tend", 17,
	    &norm, NULL));
	ck_assert_str_eq(norm, "line 1\nline 2\tend");
	BAD(V_TEXT, 0, 100, NULL, "bell\x07", "must not contain control characters");
	BAD(V_TEXT, 0, 100, NULL, "del\x7f", "must not contain control characters");
	BAD(V_TEXT, 0, 5, NULL, "a\nb\nc\n", "must be at most 5 characters");
}
END_TEST

START_TEST(password_any_printable)
{
	OK(V_PASSWORD, 8, 128, NULL, " spaces  and \"quotes\" ");
	OK(V_PASSWORD, 8, 128, NULL, "p\xc3\xa4ssw\xc3\xb6rd!");
	BAD(V_PASSWORD, 8, 128, NULL, "tab\tinside", "must not contain control characters");
	BAD(V_PASSWORD, 8, 128, NULL, "short", "must be at least 8 characters");
}
END_TEST

START_TEST(email_forms)
{
	static const char *const good[] = {
		"alice@example.org", "a.b+tag@mail.example.co.uk", "x@y.zz",
		"o'brien@example.ie", "first_last-1@sub-domain.example.org",
	};
	static const char *const bad[] = {
		"", "alice", "@example.org", "alice@", "alice@example", "alice@@example.org",
		"a@b@example.org", "alice@.example.org", "alice@example.org.",
		"alice@example..org", "al ice@example.org", "alice@exa mple.org",
		"alice@exa(mple.org", "alice@example.org-", "<alice@example.org>",
		"alice@example.org\n", "al\303\257ce@example.org", "alice@example.org;x",
		"a\"b@example.org",
	};
	const char	*norm;
	char		 local[80], longer[300];
	size_t		 i;

	for (i = 0; i < nitems(good); i++)
		OK(V_EMAIL, 0, 0, NULL, good[i]);
	for (i = 0; i < nitems(bad); i++)
		BAD(V_EMAIL, 0, 0, NULL, bad[i],
		    "must be an email address like name@example.org");
	/* Lower-cased on output. */
	ck_assert_ptr_null(check_len(V_EMAIL, 0, 0, NULL, "Alice.Smith@Example.ORG", 23,
	    &norm, NULL));
	ck_assert_str_eq(norm, "alice.smith@example.org");
	/* Local part at most 64 characters, the whole at most 254. */
	memset(local, 'a', 64);
	memcpy(local + 64, "@example.org", 13);
	OK(V_EMAIL, 0, 0, NULL, local);
	memset(local, 'a', 65);
	memcpy(local + 65, "@example.org", 13);
	BAD(V_EMAIL, 0, 0, NULL, local, "must be an email address like name@example.org");
	memcpy(longer, "a@", 2);
	memset(longer + 2, 'b', 248);
	memcpy(longer + 250, ".org", 5);		/* 254 */
	OK(V_EMAIL, 0, 0, NULL, longer);
	memset(longer + 2, 'b', 249);
	memcpy(longer + 251, ".org", 5);		/* 255 */
	BAD(V_EMAIL, 0, 0, NULL, longer, "must be an email address like name@example.org");
}
END_TEST

START_TEST(date_is_a_real_calendar_date)
{
	static const char *const good[] = {
		"2024-02-29", "2000-02-29", "2023-02-28", "2023-12-31", "2024-01-01",
		"1000-01-01", "9999-12-31", "2023-04-30",
	};
	static const char *const bad[] = {
		"2023-02-29", "1900-02-29", "2024-02-30", "2023-04-31", "2024-13-01",
		"2024-00-10", "2024-01-00", "2024-01-32", "2024-1-01", "2024-01-1",
		"2024/01/01", "20240101", "0999-12-31", "2024-01-01 ", " 2024-01-01",
		"2024-01-01T00:00:00Z", "", "abcd-ef-gh", "2024-0a-01", "+024-01-01",
	};
	size_t	i;

	for (i = 0; i < nitems(good); i++)
		OK(V_DATE, 0, 0, NULL, good[i]);
	for (i = 0; i < nitems(bad); i++)
		BAD(V_DATE, 0, 0, NULL, bad[i], "must be a date written YYYY-MM-DD");
}
END_TEST

START_TEST(datetime_forms_and_normalisation)
{
	static const char *const bad[] = {
		"2024-05-06", "2024-05-06T07:08", "2024-05-06T24:00:00Z",
		"2024-05-06T23:60:00Z", "2024-05-06T23:59:60Z", "2023-02-29T00:00:00Z",
		"2024-05-06X07:08:09Z", "2024-05-06T07-08-09Z", "2024-05-06T7:08:09Z",
		"2024-05-06T07:08:09+01:00", "2024-05-06T07:08:09z",
		"2024-05-06T07:08:09.", "2024-05-06T07:08:09.Z", "2024-05-06T07:08:091",
		"2024-05-06T07:08:09.1234567", "2024-05-06T07:08:09.12a", "2024-05-06T07:08:09ZZ",
		"2024-05-06T07:08:09Z1", "2024-05-06T07:08:09.1.2",
	};
	const char	*norm;
	size_t		 i;

	for (i = 0; i < nitems(bad); i++)
		BAD(V_DATETIME, 0, 0, NULL, bad[i],
		    "must be a UTC time written YYYY-MM-DDThh:mm:ssZ");
	ck_assert_ptr_null(check_len(V_DATETIME, 0, 0, NULL, "2024-05-06T07:08:09Z", 20,
	    &norm, NULL));
	ck_assert_str_eq(norm, "2024-05-06 07:08:09");
	ck_assert_ptr_null(check_len(V_DATETIME, 0, 0, NULL, "2024-05-06T07:08:09", 19,
	    &norm, NULL));
	ck_assert_str_eq(norm, "2024-05-06 07:08:09");
	ck_assert_ptr_null(check_len(V_DATETIME, 0, 0, NULL, "2024-05-06T07:08:09.123456Z",
	    27, &norm, NULL));
	ck_assert_str_eq(norm, "2024-05-06 07:08:09.123456");
	ck_assert_ptr_null(check_len(V_DATETIME, 0, 0, NULL, "2024-02-29T23:59:59.5", 21,
	    &norm, NULL));
	ck_assert_str_eq(norm, "2024-02-29 23:59:59.5");
}
END_TEST

START_TEST(int_range_and_form)
{
	int64_t	v = 0;

	ck_assert_ptr_null(check_len(V_INT, -5, 100, NULL, "42", 2, NULL, &v));
	ck_assert_int_eq(v, 42);
	ck_assert_ptr_null(check_len(V_INT, -5, 100, NULL, "-5", 2, NULL, &v));
	ck_assert_int_eq(v, -5);
	ck_assert_ptr_null(check_len(V_INT, -5, 100, NULL, "100", 3, NULL, &v));
	ck_assert_int_eq(v, 100);
	ck_assert_ptr_null(check_len(V_INT, INT64_MIN, INT64_MAX, NULL,
	    "-9223372036854775808", 20, NULL, &v));
	ck_assert(v == INT64_MIN);
	BAD(V_INT, -5, 100, NULL, "-6", "must be at least -5");
	BAD(V_INT, -5, 100, NULL, "101", "must be at most 100");
	BAD(V_INT, -5, 100, NULL, "", "must be a whole number");
	BAD(V_INT, -5, 100, NULL, "4x", "must be a whole number");
	BAD(V_INT, -5, 100, NULL, " 4", "must be a whole number");
	BAD(V_INT, -5, 100, NULL, "4 ", "must be a whole number");
	BAD(V_INT, -5, 100, NULL, "+4", "must be a whole number");
	BAD(V_INT, -5, 100, NULL, "4.0", "must be a whole number");
	BAD(V_INT, -5, 100, NULL, "0x10", "must be a whole number");
	BAD(V_INT, -5, 100, NULL, "-", "must be a whole number");
	BAD(V_INT, -5, 100, NULL, "1e2", "must be a whole number");
	BAD(V_INT, INT64_MIN, INT64_MAX, NULL, "9223372036854775808", "must be a whole number");
	BAD(V_INT, INT64_MIN, INT64_MAX, NULL, "123456789012345678901", "must be a whole number");
}
END_TEST

START_TEST(bool_words)
{
	int64_t	v = -1;

	ck_assert_ptr_null(check_len(V_BOOL, 0, 0, NULL, "true", 4, NULL, &v));
	ck_assert_int_eq(v, 1);
	ck_assert_ptr_null(check_len(V_BOOL, 0, 0, NULL, "false", 5, NULL, &v));
	ck_assert_int_eq(v, 0);
	BAD(V_BOOL, 0, 0, NULL, "True", "must be true or false");
	BAD(V_BOOL, 0, 0, NULL, "1", "must be true or false");
	BAD(V_BOOL, 0, 0, NULL, "yes", "must be true or false");
	BAD(V_BOOL, 0, 0, NULL, "", "must be true or false");
	BAD(V_BOOL, 0, 0, NULL, "truex", "must be true or false");
}
END_TEST

START_TEST(enum_whole_words_only)
{
	static const char	ch[] = "patient|clinician|admin";

	OK(V_ENUM, 0, 0, ch, "patient");
	OK(V_ENUM, 0, 0, ch, "clinician");
	OK(V_ENUM, 0, 0, ch, "admin");
	BAD(V_ENUM, 0, 0, ch, "clin", "is not one of the accepted values");
	BAD(V_ENUM, 0, 0, ch, "patients", "is not one of the accepted values");
	BAD(V_ENUM, 0, 0, ch, "Admin", "is not one of the accepted values");
	BAD(V_ENUM, 0, 0, ch, "patient|clinician", "is not one of the accepted values");
	BAD(V_ENUM, 0, 0, ch, "", "is not one of the accepted values");
	BAD(V_ENUM, 0, 0, ch, "|", "is not one of the accepted values");
	BAD(V_ENUM, 0, 0, NULL, "patient", "is not one of the accepted values");
}
END_TEST

START_TEST(otp_six_ascii_digits)
{
	static const char	why[] = "must be the 6-digit code from your authenticator app";

	OK(V_OTP, 0, 0, NULL, "012345");
	OK(V_OTP, 0, 0, NULL, "999999");
	BAD(V_OTP, 0, 0, NULL, "12345", why);
	BAD(V_OTP, 0, 0, NULL, "1234567", why);
	BAD(V_OTP, 0, 0, NULL, "12a456", why);
	BAD(V_OTP, 0, 0, NULL, " 12345", why);
	BAD(V_OTP, 0, 0, NULL, "123 456", why);
	BAD(V_OTP, 0, 0, NULL, "", why);
	BAD(V_OTP, 0, 0, NULL, "\xd9\xa1\xd9\xa2\xd9\xa3", why);	/* Arabic-Indic digits */
}
END_TEST

/* The JSON body fields used by the valid_json tests. */
static const struct field body[] = {
	{ "email", V_EMAIL, true, 0, 0, NULL },
	{ "name", V_STRING, true, 1, 10, NULL },
	{ "age", V_INT, false, 0, 150, NULL },
	{ "consent", V_BOOL, false, 0, 0, NULL },
	{ "role", V_ENUM, false, 0, 0, "patient|clinician" },
};
enum { B_EMAIL, B_NAME, B_AGE, B_CONSENT, B_ROLE };

static struct json_object	*doc;

static void
json_teardown(void)
{
	json_object_put(doc);
	doc = NULL;
	unit_pool_teardown();
}

/* Parses text (the test's own JSON) and validates it against body[]. */
static int
vjson(const char *text, struct vresult *out)
{
	json_object_put(doc);
	doc = NULL;
	if (text != NULL)
		ck_assert_msg((doc = json_tokener_parse(text)) != NULL, "test JSON: %s", text);
	return valid_json(unit_pool, body, nitems(body), doc, out);
}

/* How many errors name field; the detail of the last one in *detail. */
static size_t
errs_for(const struct vresult *r, const char *field, const char **detail)
{
	size_t	i, n = 0;

	for (i = 0; i < r->nerrs; i++)
		if (strcmp(r->errs[i].field, field) == 0) {
			n++;
			if (detail != NULL)
				*detail = r->errs[i].detail;
		}
	return n;
}

START_TEST(json_good_body_fills_values)
{
	struct vresult	r;

	ck_assert_int_eq(vjson("{\"email\":\"Ann@Example.org\",\"name\":\"Ann\","
	    "\"age\":42,\"consent\":true,\"role\":\"patient\"}", &r), 0);
	ck_assert_uint_eq(r.nerrs, 0);
	ck_assert(r.vals[B_EMAIL].present);
	ck_assert_str_eq(r.vals[B_EMAIL].s, "ann@example.org");
	ck_assert_str_eq(r.vals[B_NAME].s, "Ann");
	ck_assert_uint_eq(r.vals[B_NAME].len, 3);
	ck_assert(r.vals[B_AGE].present);
	ck_assert_int_eq(r.vals[B_AGE].i, 42);
	ck_assert_int_eq(r.vals[B_CONSENT].i, 1);
	ck_assert_str_eq(r.vals[B_ROLE].s, "patient");
}
END_TEST

START_TEST(json_optional_fields_absent)
{
	struct vresult	r;

	ck_assert_int_eq(vjson("{\"email\":\"a@b.cd\",\"name\":\"A\"}", &r), 0);
	ck_assert(!r.vals[B_AGE].present);
	ck_assert(!r.vals[B_CONSENT].present);
	ck_assert(!r.vals[B_ROLE].present);
}
END_TEST

START_TEST(json_unknown_field_listed)
{
	struct vresult	 r;
	const char	*d = NULL;

	ck_assert_int_eq(vjson("{\"email\":\"a@b.cd\",\"name\":\"A\",\"is_admin\":true}", &r),
	    -1);
	ck_assert_uint_eq(r.nerrs, 1);
	ck_assert_uint_eq(errs_for(&r, "is_admin", &d), 1);
	ck_assert_str_eq(d, "is not a field this request takes");
}
END_TEST

START_TEST(json_wrong_type_listed)
{
	struct vresult	 r;
	const char	*d = NULL;

	ck_assert_int_eq(vjson("{\"email\":\"a@b.cd\",\"name\":5,\"age\":\"42\","
	    "\"consent\":\"true\",\"role\":[\"patient\"]}", &r), -1);
	ck_assert_uint_eq(r.nerrs, 4);
	ck_assert_uint_eq(errs_for(&r, "name", &d), 1);
	ck_assert_str_eq(d, "must be a string");
	ck_assert_uint_eq(errs_for(&r, "age", &d), 1);
	ck_assert_str_eq(d, "must be a number");
	ck_assert_uint_eq(errs_for(&r, "consent", &d), 1);
	ck_assert_str_eq(d, "must be true or false");
	ck_assert_uint_eq(errs_for(&r, "role", &d), 1);
	ck_assert_str_eq(d, "must be a string");

	ck_assert_int_eq(vjson("{\"email\":\"a@b.cd\",\"name\":\"A\",\"age\":4.5}", &r), -1);
	ck_assert_uint_eq(errs_for(&r, "age", &d), 1);
	ck_assert_str_eq(d, "must be a number");
	ck_assert_int_eq(vjson("{\"email\":\"a@b.cd\",\"name\":{}}", &r), -1);
	ck_assert_uint_eq(errs_for(&r, "name", &d), 1);
	ck_assert_str_eq(d, "must be a string");
}
END_TEST

START_TEST(json_missing_required_listed_once)
{
	struct vresult	 r;
	const char	*d = NULL;

	ck_assert_int_eq(vjson("{}", &r), -1);
	ck_assert_uint_eq(r.nerrs, 2);
	ck_assert_uint_eq(errs_for(&r, "email", &d), 1);
	ck_assert_str_eq(d, "is required");
	ck_assert_uint_eq(errs_for(&r, "name", &d), 1);
	ck_assert_str_eq(d, "is required");

	/* Present but invalid: one error saying why, not also "is required". */
	ck_assert_int_eq(vjson("{\"email\":\"not-an-address\",\"name\":\"\"}", &r), -1);
	ck_assert_uint_eq(r.nerrs, 2);
	ck_assert_uint_eq(errs_for(&r, "email", &d), 1);
	ck_assert_str_eq(d, "must be an email address like name@example.org");
	ck_assert_uint_eq(errs_for(&r, "name", &d), 1);
	ck_assert_str_eq(d, "must not be empty");

	/* Wrong type of a required field: listed once too. */
	ck_assert_int_eq(vjson("{\"email\":7,\"name\":\"A\"}", &r), -1);
	ck_assert_uint_eq(r.nerrs, 1);
	ck_assert_uint_eq(errs_for(&r, "email", &d), 1);
	ck_assert_str_eq(d, "must be a string");
}
END_TEST

START_TEST(json_null_is_absent)
{
	struct vresult	 r;
	const char	*d = NULL;

	ck_assert_int_eq(vjson("{\"email\":null,\"name\":\"A\",\"age\":null}", &r), -1);
	ck_assert_uint_eq(r.nerrs, 1);
	ck_assert_uint_eq(errs_for(&r, "email", &d), 1);
	ck_assert_str_eq(d, "is required");
	ck_assert(!r.vals[B_AGE].present);

	ck_assert_int_eq(vjson("{\"email\":\"a@b.cd\",\"name\":\"A\",\"age\":null,"
	    "\"consent\":null,\"role\":null}", &r), 0);
	ck_assert(!r.vals[B_AGE].present);
	ck_assert(!r.vals[B_CONSENT].present);
	ck_assert(!r.vals[B_ROLE].present);
}
END_TEST

START_TEST(json_several_errors_all_reported)
{
	struct vresult	 r;
	const char	*d = NULL;

	ck_assert_int_eq(vjson("{\"email\":\"x\",\"name\":\"far too long a name\","
	    "\"age\":200,\"role\":\"admin\",\"extra\":1}", &r), -1);
	ck_assert_uint_eq(r.nerrs, 5);
	ck_assert_uint_eq(errs_for(&r, "email", NULL), 1);
	ck_assert_uint_eq(errs_for(&r, "name", &d), 1);
	ck_assert_str_eq(d, "must be at most 10 characters");
	ck_assert_uint_eq(errs_for(&r, "age", &d), 1);
	ck_assert_str_eq(d, "must be at most 150");
	ck_assert_uint_eq(errs_for(&r, "role", &d), 1);
	ck_assert_str_eq(d, "is not one of the accepted values");
	ck_assert_uint_eq(errs_for(&r, "extra", &d), 1);
	ck_assert_str_eq(d, "is not a field this request takes");
}
END_TEST

START_TEST(json_string_checks_apply)
{
	struct vresult	 r;
	const char	*d = NULL;

	/* An escaped NUL is valid JSON but not an acceptable value. */
	ck_assert_int_eq(vjson("{\"email\":\"a@b.cd\",\"name\":\"a\\u0000b\"}", &r), -1);
	ck_assert_uint_eq(errs_for(&r, "name", &d), 1);
	ck_assert_str_eq(d, "must not contain NUL characters");
	ck_assert_int_eq(vjson("{\"email\":\"a@b.cd\",\"name\":\"a\\u0007b\"}", &r), -1);
	ck_assert_uint_eq(errs_for(&r, "name", &d), 1);
	ck_assert_str_eq(d, "must not contain control characters");
	/* Characters, not bytes: ten accented letters fit a 10-character name. */
	ck_assert_int_eq(vjson("{\"email\":\"a@b.cd\",\"name\":"
	    "\"\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\"}", &r), 0);
	ck_assert_uint_eq(r.vals[B_NAME].len, 20);
}
END_TEST

START_TEST(json_empty_body_and_non_object)
{
	static const struct field	opt[] = { { "q", V_STRING, false, 0, 10, NULL } };
	struct vresult			r;
	const char			*d = NULL;

	/* NULL (no body): required fields are missing, optional ones fine. */
	ck_assert_int_eq(vjson(NULL, &r), -1);
	ck_assert_uint_eq(r.nerrs, 2);
	ck_assert_int_eq(valid_json(unit_pool, opt, nitems(opt), NULL, &r), 0);
	ck_assert(!r.vals[0].present);
	ck_assert_int_eq(valid_json(unit_pool, NULL, 0, NULL, &r), 0);

	ck_assert_int_eq(vjson("[{\"email\":\"a@b.cd\",\"name\":\"A\"}]", &r), -1);
	ck_assert_uint_eq(r.nerrs, 1);
	ck_assert_uint_eq(errs_for(&r, "", &d), 1);
	ck_assert_str_eq(d, "the body must be a JSON object");
	ck_assert_int_eq(vjson("\"text\"", &r), -1);
	ck_assert_uint_eq(errs_for(&r, "", NULL), 1);
}
END_TEST

START_TEST(json_many_unknown_fields_do_not_overflow)
{
	char		text[4096];
	size_t		o = 0;
	int		i;
	struct vresult	r;

	text[o++] = '{';
	for (i = 0; i < 100; i++)
		o += (size_t)snprintf(text + o, sizeof(text) - o, "%s\"k%d\":%d",
		    i ? "," : "", i, i);
	text[o++] = '}';
	text[o] = '\0';
	ck_assert_int_eq(vjson(text, &r), -1);
	ck_assert_uint_gt(r.nerrs, 0);
	ck_assert_uint_le(r.nerrs, 102);
}
END_TEST

/* The query parameters used by the valid_query tests. */
static const struct field query[] = {
	{ "q", V_STRING, false, 0, 50, NULL },
	{ "page", V_INT, false, 1, 1000, NULL },
	{ "from", V_DATE, false, 0, 0, NULL },
};
enum { Q_Q, Q_PAGE, Q_FROM };

START_TEST(query_percent_decoding)
{
	struct vresult	r;

	ck_assert_int_eq(valid_query(unit_pool, query, nitems(query),
	    "q=hello%20world&page=2&from=2024-02-29", &r), 0);
	ck_assert_str_eq(r.vals[Q_Q].s, "hello world");
	ck_assert_int_eq(r.vals[Q_PAGE].i, 2);
	ck_assert_str_eq(r.vals[Q_FROM].s, "2024-02-29");

	ck_assert_int_eq(valid_query(unit_pool, query, nitems(query), "q=a+b%2Bc%26d%3De", &r), 0);
	ck_assert_str_eq(r.vals[Q_Q].s, "a b+c&d=e");
	ck_assert_int_eq(valid_query(unit_pool, query, nitems(query), "q=%C3%a9t%C3%A9", &r), 0);
	ck_assert_str_eq(r.vals[Q_Q].s, "\xc3\xa9t\xc3\xa9");
	ck_assert_uint_eq(r.vals[Q_Q].len, 5);
	/* Keys are decoded too. */
	ck_assert_int_eq(valid_query(unit_pool, query, nitems(query), "%71=x", &r), 0);
	ck_assert_str_eq(r.vals[Q_Q].s, "x");
	/* Empty pieces are skipped; an empty value is a value. */
	ck_assert_int_eq(valid_query(unit_pool, query, nitems(query), "&&q=&", &r), 0);
	ck_assert(r.vals[Q_Q].present);
	ck_assert_str_eq(r.vals[Q_Q].s, "");
	ck_assert(!r.vals[Q_PAGE].present);
}
END_TEST

START_TEST(values_length_is_the_normalised_length)
{
	static const struct field	f[] = {
		{ "at", V_DATETIME, true, 0, 0, NULL },
		{ "email", V_EMAIL, true, 0, 0, NULL },
	};
	struct vresult			r;

	ck_assert_int_eq(valid_query(unit_pool, f, nitems(f),
	    "at=2024-05-06T07:08:09.5Z&email=A%40B.cd", &r), 0);
	ck_assert_str_eq(r.vals[0].s, "2024-05-06 07:08:09.5");
	ck_assert_uint_eq(r.vals[0].len, strlen(r.vals[0].s));
	ck_assert_str_eq(r.vals[1].s, "a@b.cd");
	ck_assert_uint_eq(r.vals[1].len, 6);
}
END_TEST

START_TEST(query_empty)
{
	struct vresult	r;

	ck_assert_int_eq(valid_query(unit_pool, query, nitems(query), "", &r), 0);
	ck_assert(!r.vals[Q_Q].present);
	ck_assert_int_eq(valid_query(unit_pool, query, nitems(query), NULL, &r), 0);
	ck_assert_uint_eq(r.nerrs, 0);
}
END_TEST

/* Validates qs and expects exactly one error, on field, saying why. */
static void
query_one_error(const char *qs, const char *field, const char *why)
{
	struct vresult	r;

	ck_assert_msg(valid_query(unit_pool, query, nitems(query), qs, &r) == -1, "accepted %s", qs);
	ck_assert_msg(r.nerrs == 1, "%s: %zu errors", qs, r.nerrs);
	ck_assert_msg(strcmp(r.errs[0].field, field) == 0 && strcmp(r.errs[0].detail, why) == 0,
	    "%s: got %s %s, want %s %s", qs, r.errs[0].field, r.errs[0].detail, field, why);
}

START_TEST(query_duplicate_unknown_and_malformed)
{
	query_one_error("q=a&q=b", "q", "is given more than once");
	query_one_error("q=a&%71=b", "q", "is given more than once");
	query_one_error("q=a&sort=name", "sort", "is not a parameter this request takes");
	query_one_error("q=%zz", "q", "has a malformed %-escape");
	query_one_error("q=abc%", "q", "has a malformed %-escape");
	query_one_error("q=%4", "q", "has a malformed %-escape");
	query_one_error("q=%4&page=1", "q", "has a malformed %-escape");
	query_one_error("q=%%41", "q", "has a malformed %-escape");
	query_one_error("%zz=1", "?", "has a malformed %-escape");
	query_one_error("q", "q", "needs a value");
	query_one_error("page=0", "page", "must be at least 1");
	query_one_error("page=two", "page", "must be a whole number");
	query_one_error("from=2023-02-29", "from", "must be a date written YYYY-MM-DD");
	query_one_error("q=%e9", "q", "must be valid UTF-8 text");
	query_one_error("q=a%00b", "q", "must not contain NUL characters");
	query_one_error("q=a%0Ab", "q", "must not contain control characters");
	query_one_error("q%00=1", "?", "is not a parameter this request takes");
}
END_TEST

START_TEST(query_several_errors_and_required)
{
	static const struct field	need[] = {
		{ "id", V_INT, true, 1, 100, NULL },
		{ "q", V_STRING, false, 0, 5, NULL },
	};
	struct vresult			r;

	ck_assert_int_eq(valid_query(unit_pool, need, nitems(need), "q=toolong&x=1", &r), -1);
	ck_assert_uint_eq(r.nerrs, 3);
	ck_assert_str_eq(r.errs[0].field, "q");
	ck_assert_str_eq(r.errs[0].detail, "must be at most 5 characters");
	ck_assert_str_eq(r.errs[1].field, "x");
	ck_assert_str_eq(r.errs[2].field, "id");
	ck_assert_str_eq(r.errs[2].detail, "is required");
	/* Present but bad: not also reported missing. */
	ck_assert_int_eq(valid_query(unit_pool, need, nitems(need), "id=0", &r), -1);
	ck_assert_uint_eq(r.nerrs, 1);
	ck_assert_str_eq(r.errs[0].detail, "must be at least 1");
}
END_TEST

START_TEST(urldecode_direct)
{
	size_t	n = 99;
	char	*d;

	ck_assert_ptr_nonnull(d = valid_urldecode(unit_pool, "a%2Bb+c%41%6a", 13, &n));
	ck_assert_str_eq(d, "a+b cAj");
	ck_assert_uint_eq(n, 7);
	ck_assert_ptr_nonnull(d = valid_urldecode(unit_pool, "", 0, &n));
	ck_assert_uint_eq(n, 0);
	ck_assert_ptr_nonnull(d = valid_urldecode(unit_pool, "%00", 3, &n));
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(d[0], '\0');
	/* Only len bytes are read: the escape is cut off. */
	ck_assert_ptr_null(valid_urldecode(unit_pool, "%41", 2, &n));
	ck_assert_ptr_null(valid_urldecode(unit_pool, "%", 1, &n));
	ck_assert_ptr_null(valid_urldecode(unit_pool, "%4", 2, &n));
	ck_assert_ptr_null(valid_urldecode(unit_pool, "%G0", 3, &n));
	ck_assert_ptr_null(valid_urldecode(unit_pool, "%0G", 3, &n));
	ck_assert_ptr_null(valid_urldecode(unit_pool, "%-1", 3, &n));
	ck_assert_ptr_null(valid_urldecode(unit_pool, "% 1", 3, &n));
}
END_TEST

static bool
utf8(const char *s, size_t *n)
{
	return valid_utf8(s, strlen(s), n);
}

START_TEST(utf8_accepts_well_formed)
{
	size_t	n = 0;

	ck_assert(utf8("", &n));
	ck_assert_uint_eq(n, 0);
	ck_assert(utf8("plain", &n));
	ck_assert_uint_eq(n, 5);
	ck_assert(utf8("\xc2\x80", &n));			/* U+0080 */
	ck_assert(utf8("\xdf\xbf", &n));			/* U+07FF */
	ck_assert(utf8("\xe0\xa0\x80", &n));			/* U+0800 */
	ck_assert(utf8("\xe2\x82\xac", &n));			/* euro sign */
	ck_assert(utf8("\xed\x9f\xbf", &n));			/* U+D7FF */
	ck_assert(utf8("\xee\x80\x80", &n));			/* U+E000 */
	ck_assert(utf8("\xef\xbf\xbf", &n));			/* U+FFFF */
	ck_assert(utf8("\xf0\x90\x80\x80", &n));		/* U+10000 */
	ck_assert(utf8("\xf4\x8f\xbf\xbf", &n));		/* U+10FFFF */
	ck_assert_uint_eq(n, 1);
	ck_assert(utf8("a\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80z", &n));
	ck_assert_uint_eq(n, 5);
	ck_assert(valid_utf8("a\0b", 3, &n));		/* NUL is well-formed */
	ck_assert_uint_eq(n, 3);
	ck_assert(valid_utf8("x", 1, NULL));
}
END_TEST

START_TEST(utf8_refuses_ill_formed)
{
	static const char *const bad[] = {
		/* overlong forms */
		"\xc0\x80", "\xc0\xaf", "\xc1\xbf", "\xe0\x80\x80", "\xe0\x9f\xbf",
		"\xf0\x80\x80\x80", "\xf0\x8f\xbf\xbf",
		/* UTF-16 surrogates */
		"\xed\xa0\x80", "\xed\xad\xbf", "\xed\xb0\x80", "\xed\xbf\xbf",
		/* beyond U+10FFFF */
		"\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xf7\xbf\xbf\xbf",
		"\xf8\x88\x80\x80\x80", "\xfc\x84\x80\x80\x80\x80", "\xfe", "\xff",
		/* truncated sequences */
		"\xc3", "\xe2\x82", "\xf0\x9f\x98", "a\xc3", "\xe2\x82\x61",
		/* stray or wrong continuation bytes */
		"\x80", "\xbf", "a\x80z", "\xc3\x28", "\xe2\x28\xa1", "\xe2\x82\x28",
		"\xf0\x28\x8c\xbc", "\xf0\x9f\x98\x28",
	};
	size_t	i;

	for (i = 0; i < nitems(bad); i++)
		ck_assert_msg(!utf8(bad[i], NULL), "accepted bad[%zu]", i);
	/* A sequence cut by len is truncated even if the bytes follow. */
	ck_assert(!valid_utf8("\xc3\xa9", 1, NULL));
	ck_assert(!valid_utf8("\xf0\x9f\x98\x80", 3, NULL));
}
END_TEST

Suite *
unit_suite(void)
{
	Suite	*s = suite_create("valid");
	TCase	*tc;

	tc = tcase_create("types");
	tcase_add_checked_fixture(tc, unit_pool_setup, unit_pool_teardown);
	tcase_add_test(tc, string_counts_characters_not_bytes);
	tcase_add_test(tc, string_refuses_empty_and_controls);
	tcase_add_test(tc, text_allows_newline_and_tab);
	tcase_add_test(tc, password_any_printable);
	tcase_add_test(tc, email_forms);
	tcase_add_test(tc, date_is_a_real_calendar_date);
	tcase_add_test(tc, datetime_forms_and_normalisation);
	tcase_add_test(tc, int_range_and_form);
	tcase_add_test(tc, bool_words);
	tcase_add_test(tc, enum_whole_words_only);
	tcase_add_test(tc, otp_six_ascii_digits);
	suite_add_tcase(s, tc);

	tc = tcase_create("json");
	tcase_add_checked_fixture(tc, unit_pool_setup, json_teardown);
	tcase_add_test(tc, json_good_body_fills_values);
	tcase_add_test(tc, json_optional_fields_absent);
	tcase_add_test(tc, json_unknown_field_listed);
	tcase_add_test(tc, json_wrong_type_listed);
	tcase_add_test(tc, json_missing_required_listed_once);
	tcase_add_test(tc, json_null_is_absent);
	tcase_add_test(tc, json_several_errors_all_reported);
	tcase_add_test(tc, json_string_checks_apply);
	tcase_add_test(tc, json_empty_body_and_non_object);
	tcase_add_test(tc, json_many_unknown_fields_do_not_overflow);
	suite_add_tcase(s, tc);

	tc = tcase_create("query");
	tcase_add_checked_fixture(tc, unit_pool_setup, unit_pool_teardown);
	tcase_add_test(tc, query_percent_decoding);
	tcase_add_test(tc, query_empty);
	tcase_add_test(tc, values_length_is_the_normalised_length);
	tcase_add_test(tc, query_duplicate_unknown_and_malformed);
	tcase_add_test(tc, query_several_errors_and_required);
	tcase_add_test(tc, urldecode_direct);
	suite_add_tcase(s, tc);

	tc = tcase_create("utf8");
	tcase_add_test(tc, utf8_accepts_well_formed);
	tcase_add_test(tc, utf8_refuses_ill_formed);
	suite_add_tcase(s, tc);
	return s;
}
