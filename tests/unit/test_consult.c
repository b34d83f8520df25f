/*
 * consult: TURN REST credentials (values computed independently with
 * `openssl dgst -sha1 -hmac ... -binary | base64`) and the signalling
 * message rules (what is dropped, what is published and how it is stamped).
 */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "consult.h"
#include "unit.h"

START_TEST(test_turn_credential)
{
	char	user[TURN_USER_MAX], cred[TURN_CRED_MAX];

	ck_assert_int_eq(turn_credential("north", 5, 42, 1700000000, user, cred), CE_OK);
	ck_assert_str_eq(user, "1700000000:42");
	ck_assert_str_eq(cred, "DWX3FI7DiPIpadEYQAZsnZBAagI=");
	ck_assert_int_eq(turn_credential("0123456789abcdef0123456789abcdef", 32, 7, 4102444800LL,
	    user, cred), CE_OK);
	ck_assert_str_eq(user, "4102444800:7");
	ck_assert_str_eq(cred, "YIuT+MXaQhdZKXRzjiNKw6yMmlk=");
	/* Another secret, user or expiry: another credential. */
	ck_assert_int_eq(turn_credential("north", 5, 43, 1700000000, user, cred), CE_OK);
	ck_assert_str_ne(cred, "DWX3FI7DiPIpadEYQAZsnZBAagI=");
	ck_assert_int_eq(turn_credential("nortH", 5, 42, 1700000000, user, cred), CE_OK);
	ck_assert_str_ne(cred, "DWX3FI7DiPIpadEYQAZsnZBAagI=");
}
END_TEST

static int
rewrite(const char *msg, bool clinician, char **out, const char **type)
{
	return sig_rewrite(msg, strlen(msg), 16384, clinician, 42, out, type);
}

START_TEST(test_sig_drops)
{
	static const struct {
		const char	*msg;
		bool		 clinician;
		int		 want;
	} cases[] = {
		{ "", false, SIG_DROP_SIZE },
		{ "not json", false, SIG_DROP_JSON },
		{ "[1]", false, SIG_DROP_JSON },
		{ "\"hello\"", false, SIG_DROP_JSON },
		{ "null", false, SIG_DROP_JSON },
		{ "{\"type\":\"hello\"} x", false, SIG_DROP_JSON },
		{ "{\"type\":\"hello\",}", false, SIG_DROP_JSON },
		{ "{\"type\":\"hel\xc0\xafo\"}", false, SIG_DROP_JSON },
		{ "{}", false, SIG_DROP_TYPE },
		{ "{\"type\":1}", false, SIG_DROP_TYPE },
		{ "{\"type\":\"HELLO\"}", false, SIG_DROP_TYPE },
		{ "{\"type\":\"offer\"}", true, SIG_DROP_TYPE },
		{ "{\"type\":\"admitted\"}", false, SIG_DROP_ROLE },
		{ "{\"type\":\"ended\"}", false, SIG_DROP_ROLE },
		{ "{\"type\":\"description\"}", true, SIG_DROP_SHAPE },
		{ "{\"type\":\"description\",\"description\":{\"type\":\"offer\"}}", true,
		    SIG_DROP_SHAPE },
		{ "{\"type\":\"description\",\"description\":{\"type\":\"offer\",\"sdp\":1}}", true,
		    SIG_DROP_SHAPE },
		{ "{\"type\":\"candidate\"}", true, SIG_DROP_SHAPE },
		{ "{\"type\":\"candidate\",\"candidate\":\"x\"}", true, SIG_DROP_SHAPE },
		{ "{\"type\":\"candidate\",\"candidate\":{\"sdpMid\":\"0\"}}", true, SIG_DROP_SHAPE },
		{ "{\"type\":\"media\",\"audio\":1}", false, SIG_DROP_SHAPE },
	};
	char		*out;
	const char	*type;
	size_t		 i;
	int		 rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		rc = rewrite(cases[i].msg, cases[i].clinician, &out, &type);
		ck_assert_msg(rc == cases[i].want, "%s: %d, not %d", cases[i].msg, rc, cases[i].want);
		ck_assert(out == NULL && type == NULL);
	}
	/* Over the limit, by one byte. */
	ck_assert_int_eq(sig_rewrite("{\"type\":\"hello\"}", 16, 15, true, 1, &out, &type),
	    SIG_DROP_SIZE);
	ck_assert_int_gt(sig_rewrite("{\"type\":\"hello\"}", 16, 16, true, 1, &out, &type), 0);
	free(out);
}
END_TEST

START_TEST(test_sig_rewrite)
{
	char		*out;
	const char	*type;
	json_object	*o, *v;
	int		 rc;

	rc = rewrite("{\"type\":\"hello\",\"from\":\"clinician\",\"from_id\":1,\"note\":\"x\"}", false,
	    &out, &type);
	ck_assert_int_eq(rc, SIG_OK);
	ck_assert_str_eq(type, "hello");
	o = json_tokener_parse(out);
	ck_assert(o != NULL);
	ck_assert(json_object_object_get_ex(o, "from", &v));
	ck_assert_str_eq(json_object_get_string(v), "patient");
	ck_assert(json_object_object_get_ex(o, "from_id", &v));
	ck_assert_int_eq(json_object_get_int64(v), 42);
	ck_assert(json_object_object_get_ex(o, "note", &v));
	ck_assert_str_eq(json_object_get_string(v), "x");
	ck_assert_int_eq(json_object_object_length(o), 4);
	json_object_put(o);
	free(out);

	rc = rewrite("{\"type\":\"description\",\"description\":{\"type\":\"offer\",\"sdp\":\"v=0\"}}",
	    false, &out, &type);
	ck_assert_int_eq(rc, SIG_OK | SIG_NEEDS_ADMISSION);
	ck_assert_str_eq(type, "description");
	ck_assert(strstr(out, "\"from\":\"patient\"") != NULL);
	free(out);
	rc = rewrite("{\"type\":\"candidate\",\"candidate\":null}", true, &out, &type);
	ck_assert_int_eq(rc, SIG_OK | SIG_NEEDS_ADMISSION);
	ck_assert(strstr(out, "\"candidate\":null") != NULL);
	ck_assert(strstr(out, "\"from\":\"clinician\"") != NULL);
	free(out);
	rc = rewrite("{\"type\":\"admitted\"}", true, &out, &type);
	ck_assert_int_eq(rc, SIG_OK | SIG_CLINICIAN_ONLY);
	free(out);
	rc = rewrite("{\"type\":\"media\",\"audio\":true,\"screen\":false}", false, &out, &type);
	ck_assert_int_eq(rc, SIG_OK);
	free(out);
	/* Stamped by the client exactly as the server would: may go as sent. */
	rc = rewrite("{\"type\":\"hello\",\"from\":\"patient\",\"from_id\":42}", false, &out,
	    &type);
	ck_assert_int_eq(rc, SIG_OK | SIG_AS_SENT);
	free(out);
	rc = rewrite("{\"type\":\"hello\",\"from\":\"clinician\",\"from_id\":42}", true, &out,
	    &type);
	ck_assert_int_eq(rc, SIG_OK | SIG_AS_SENT);
	free(out);
	/* Wrong role, wrong id, id as text: rewritten, not as sent. */
	rc = rewrite("{\"type\":\"hello\",\"from\":\"clinician\",\"from_id\":42}", false, &out,
	    &type);
	ck_assert_int_eq(rc, SIG_OK);
	ck_assert(strstr(out, "\"from\":\"patient\"") != NULL);
	free(out);
	rc = rewrite("{\"type\":\"hello\",\"from\":\"patient\",\"from_id\":43}", false, &out,
	    &type);
	ck_assert_int_eq(rc, SIG_OK);
	ck_assert(strstr(out, "\"from_id\":42") != NULL);
	free(out);
	rc = rewrite("{\"type\":\"hello\",\"from\":\"patient\",\"from_id\":\"42\"}", false,
	    &out, &type);
	ck_assert_int_eq(rc, SIG_OK);
	free(out);
	rc = rewrite("{\"type\":\"bye\"}", false, &out, &type);
	ck_assert_int_eq(rc, SIG_OK);
	ck_assert_str_eq(type, "bye");
	free(out);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite	*s = suite_create("consult");
	TCase	*tc = tcase_create("consult");

	tcase_add_test(tc, test_turn_credential);
	tcase_add_test(tc, test_sig_drops);
	tcase_add_test(tc, test_sig_rewrite);
	suite_add_tcase(s, tc);
	return s;
}
