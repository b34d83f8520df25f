/*
 * The email and SMS requests built from outbox payloads
 * (modules/dispatch/notify_msg.c): SendGrid v3 JSON, Twilio form encoding,
 * addresses and numbers, HTTP Basic, and the instant comparison that decides
 * whether a message about an appointment is still wanted.
 */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "notify_msg.h"
#include "unit.h"

static struct json_object *
parse(const char *s)
{
	struct json_object	*o = json_tokener_parse(s);

	ck_assert_ptr_nonnull(o);
	return o;
}

START_TEST(email_addresses)
{
	ck_assert(notify_email_ok("a@b.co"));
	ck_assert(notify_email_ok("first.last+tag@example.org.uk"));
	ck_assert(!notify_email_ok(NULL));
	ck_assert(!notify_email_ok(""));
	ck_assert(!notify_email_ok("ab"));
	ck_assert(!notify_email_ok("no-at.example.org"));
	ck_assert(!notify_email_ok("two@@example.org"));
	ck_assert(!notify_email_ok("@example.org"));
	ck_assert(!notify_email_ok("a@example"));
	ck_assert(!notify_email_ok("a@.example.org"));
	ck_assert(!notify_email_ok("a@example.org."));
	ck_assert(!notify_email_ok("a b@example.org"));
	ck_assert(!notify_email_ok("a@example.org\r\nBcc: x@y.z"));
	ck_assert(!notify_email_ok("\"Name\" <a@example.org>"));
}
END_TEST

START_TEST(phone_numbers)
{
	char	out[17];

	ck_assert(notify_phone_e164("+44 7700 900123", "44", out, sizeof(out)));
	ck_assert_str_eq(out, "+447700900123");
	ck_assert(notify_phone_e164("07700 900123", "44", out, sizeof(out)));
	ck_assert_str_eq(out, "+447700900123");
	ck_assert(notify_phone_e164("(0)7700-900-123", "44", out, sizeof(out)));
	ck_assert_str_eq(out, "+447700900123");
	ck_assert(notify_phone_e164("0044 7700 900123", "44", out, sizeof(out)));
	ck_assert_str_eq(out, "+447700900123");
	ck_assert(notify_phone_e164("+44 (0)7700 900123", "44", out, sizeof(out)));
	ck_assert_str_eq(out, "+447700900123");
	ck_assert(notify_phone_e164("+1 (415) 555-0100", "44", out, sizeof(out)));
	ck_assert_str_eq(out, "+14155550100");
	/* national without a country; too short; too long; letters; a second + */
	ck_assert(!notify_phone_e164("07700 900123", NULL, out, sizeof(out)));
	ck_assert_str_eq(out, "");
	ck_assert(!notify_phone_e164("+44 12", "44", out, sizeof(out)));
	ck_assert(!notify_phone_e164("+44 1234 5678 9012 34", "44", out, sizeof(out)));
	ck_assert(!notify_phone_e164("+44 7700 CALLME", "44", out, sizeof(out)));
	ck_assert(!notify_phone_e164("+44+7700900123", "44", out, sizeof(out)));
	ck_assert(!notify_phone_e164("+0 7700900123", "44", out, sizeof(out)));
	ck_assert(!notify_phone_e164("7700900123", "44", out, sizeof(out)));
	ck_assert(!notify_phone_e164(NULL, "44", out, sizeof(out)));
	ck_assert(!notify_phone_e164("+447700900123", "44", out, 10));
}
END_TEST

START_TEST(email_request)
{
	struct json_object	*p, *b, *v;
	char			 why[200];

	p = parse("{\"to\":\"pat@example.org\",\"subject\":\"Your video consultation\","
	    "\"text\":\"Line one\\nLine two \\u00e9\",\"appointment_id\":7,"
	    "\"starts_at\":\"2026-03-29T08:00:00Z\"}");
	b = notify_email_request(p, "clinic@example.org", why, sizeof(why));
	ck_assert_ptr_nonnull(b);
	/* exactly the SendGrid v3 shape, nothing of the payload beyond it */
	ck_assert_str_eq(json_object_to_json_string_ext(b, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE),
	    "{\"personalizations\":[{\"to\":[{\"email\":\"pat@example.org\"}]}],"
	    "\"from\":{\"email\":\"clinic@example.org\"},\"subject\":\"Your video consultation\","
	    "\"content\":[{\"type\":\"text/plain\",\"value\":\"Line one\\nLine two \xc3\xa9\"}]}");
	ck_assert(!json_object_object_get_ex(b, "appointment_id", &v));
	json_object_put(b);
	json_object_put(p);
}
END_TEST

START_TEST(email_request_refused)
{
	static const char *const bad[] = {
		"{\"subject\":\"s\",\"text\":\"t\"}",
		"{\"to\":\"nobody\",\"subject\":\"s\",\"text\":\"t\"}",
		"{\"to\":42,\"subject\":\"s\",\"text\":\"t\"}",
		"{\"to\":\"a@b.co\",\"text\":\"t\"}",
		"{\"to\":\"a@b.co\",\"subject\":\"\",\"text\":\"t\"}",
		"{\"to\":\"a@b.co\",\"subject\":\"s\\r\\nBcc: x@y.z\",\"text\":\"t\"}",
		"{\"to\":\"a@b.co\",\"subject\":\"s\"}",
		"{\"to\":\"a@b.co\",\"subject\":\"s\",\"text\":\"\"}",
	};
	struct json_object	*p;
	char			 why[200], *big;
	size_t			 i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		p = parse(bad[i]);
		*why = '\0';
		ck_assert_msg(notify_email_request(p, "clinic@example.org", why, sizeof(why)) == NULL,
		    "%s", bad[i]);
		ck_assert(*why != '\0');
		/* the reason names the field, never the address */
		ck_assert(strstr(why, "@") == NULL);
		json_object_put(p);
	}
	p = parse("{\"to\":\"a@b.co\",\"subject\":\"s\",\"text\":\"t\"}");
	ck_assert(notify_email_request(p, "", why, sizeof(why)) == NULL);
	ck_assert(strstr(why, "notify_email_from") != NULL);
	/* a subject of 201 bytes, a text of 10001 */
	big = malloc(NOTIFY_EMAIL_TEXT_MAX + 2);
	ck_assert_ptr_nonnull(big);
	memset(big, 'x', NOTIFY_EMAIL_TEXT_MAX + 1);
	big[NOTIFY_EMAIL_TEXT_MAX + 1] = '\0';
	json_object_object_add(p, "text", json_object_new_string(big));
	ck_assert(notify_email_request(p, "clinic@example.org", why, sizeof(why)) == NULL);
	big[NOTIFY_EMAIL_TEXT_MAX] = '\0';
	json_object_object_add(p, "text", json_object_new_string(big));
	json_object_put(notify_email_request(p, "clinic@example.org", why, sizeof(why)));
	big[NOTIFY_SUBJECT_MAX + 1] = '\0';
	json_object_object_add(p, "subject", json_object_new_string(big));
	ck_assert(notify_email_request(p, "clinic@example.org", why, sizeof(why)) == NULL);
	free(big);
	json_object_put(p);
}
END_TEST

START_TEST(form_encoding)
{
	char	*buf = NULL;
	size_t	 len = 0;

	ck_assert_int_eq(notify_form_add(&buf, &len, "To", "+447700900123"), 0);
	ck_assert_str_eq(buf, "To=%2B447700900123");
	ck_assert_int_eq(notify_form_add(&buf, &len, "Body", "a b&c=d/e?f\n\xc3\xa9*-._~"), 0);
	ck_assert_str_eq(buf, "To=%2B447700900123&Body=a+b%26c%3Dd%2Fe%3Ff%0A%C3%A9*-._%7E");
	ck_assert_uint_eq(len, strlen(buf));
	ck_assert_int_eq(notify_form_add(&buf, &len, "Empty", ""), 0);
	ck_assert_str_eq(buf + len - 6, "Empty=");
	free(buf);
}
END_TEST

/*
 * A second pair whose name is all bytes needing percent-encoding: the buffer
 * must hold "&", the name and value at 3 bytes each, "=" and the NUL (the
 * realloc is exact, so under ASan a byte short is a heap overflow).
 */
START_TEST(form_encoding_full)
{
	char	*buf = NULL;
	size_t	 len = 0;

	ck_assert_int_eq(notify_form_add(&buf, &len, "A", "b"), 0);
	ck_assert_int_eq(notify_form_add(&buf, &len, "&&&", ""), 0);
	ck_assert_str_eq(buf, "A=b&%26%26%26=");
	ck_assert_uint_eq(len, strlen(buf));
	ck_assert_int_eq(notify_form_add(&buf, &len, "", "///"), 0);
	ck_assert_str_eq(buf, "A=b&%26%26%26=&=%2F%2F%2F");
	ck_assert_uint_eq(len, strlen(buf));
	free(buf);
}
END_TEST

START_TEST(payload_ints)
{
	struct json_object	*p = json_tokener_parse("{\"sequence\":3,\"zero\":0,\"neg\":-1,"
	    "\"text\":\"3\",\"f\":1.5}");
	long long		 n = 99;

	ck_assert_ptr_nonnull(p);
	ck_assert(notify_int(p, "sequence", &n));
	ck_assert_int_eq(n, 3);
	ck_assert(notify_int(p, "zero", &n));
	ck_assert_int_eq(n, 0);
	ck_assert(!notify_int(p, "neg", &n));
	ck_assert(!notify_int(p, "text", &n));
	ck_assert(!notify_int(p, "f", &n));
	ck_assert(!notify_int(p, "absent", &n));
	ck_assert(!notify_int(NULL, "sequence", &n));
	json_object_put(p);
}
END_TEST

START_TEST(sms_form)
{
	struct json_object	*p;
	char			*f, why[200];

	p = parse("{\"to\":\"07700 900123\",\"text\":\"Video consultation on Mon 30 March at"
	    " 09:00 UK time: http://x/#/consult/7\",\"appointment_id\":7}");
	f = notify_sms_form(p, "Clinic", "44", why, sizeof(why));
	ck_assert_ptr_nonnull(f);
	ck_assert_str_eq(f, "To=%2B447700900123&From=Clinic&Body=Video+consultation+on+Mon+30+March"
	    "+at+09%3A00+UK+time%3A+http%3A%2F%2Fx%2F%23%2Fconsult%2F7");
	free(f);
	ck_assert(notify_sms_form(p, "", "44", why, sizeof(why)) == NULL);
	ck_assert(strstr(why, "notify_sms_from") != NULL);
	json_object_object_add(p, "to", json_object_new_string("not a number"));
	ck_assert(notify_sms_form(p, "Clinic", "44", why, sizeof(why)) == NULL);
	ck_assert(strstr(why, "to") != NULL && strstr(why, "not a number") == NULL);
	json_object_object_add(p, "to", json_object_new_string("+447700900123"));
	json_object_object_del(p, "text");
	ck_assert(notify_sms_form(p, "Clinic", "44", why, sizeof(why)) == NULL);
	json_object_put(p);
}
END_TEST

START_TEST(about_an_appointment)
{
	struct json_object	*p;
	const char		*at = NULL;
	long long		 id = 0;

	p = parse("{\"appointment_id\":12,\"starts_at\":\"2026-03-29T08:00:00Z\"}");
	ck_assert(notify_about(p, &id, &at));
	ck_assert_int_eq(id, 12);
	ck_assert_str_eq(at, "2026-03-29T08:00:00Z");
	json_object_put(p);
	p = parse("{\"appointment_id\":\"13\",\"starts_at\":\"2026-03-29T08:00:00Z\"}");
	ck_assert(notify_about(p, &id, &at));
	ck_assert_int_eq(id, 13);
	json_object_put(p);
	p = parse("{\"appointment_id\":12}");
	ck_assert(!notify_about(p, &id, &at));
	json_object_put(p);
	p = parse("{\"starts_at\":\"2026-03-29T08:00:00Z\"}");
	ck_assert(!notify_about(p, &id, &at));
	json_object_put(p);
	p = parse("{\"appointment_id\":0,\"starts_at\":\"2026-03-29T08:00:00Z\"}");
	ck_assert(!notify_about(p, &id, &at));
	json_object_put(p);
	p = parse("{\"appointment_id\":\"12x\",\"starts_at\":\"2026-03-29T08:00:00Z\"}");
	ck_assert(!notify_about(p, &id, &at));
	json_object_put(p);
}
END_TEST

START_TEST(same_instant)
{
	ck_assert(notify_same_instant("2026-03-29T08:00:00", "2026-03-29T08:00:00Z"));
	ck_assert(notify_same_instant("2026-03-29T08:00:00", "2026-03-29T08:00:00+00:00"));
	ck_assert(notify_same_instant("2026-03-29T08:00:00", "2026-03-29T08:00:00.000Z"));
	ck_assert(!notify_same_instant("2026-03-29T08:00:00", "2026-03-29T08:15:00Z"));
	ck_assert(!notify_same_instant("2026-03-29T08:00:00", "2026-03-29T08:00:00.5Z"));
	ck_assert(!notify_same_instant("2026-03-29T08:00:00", "2026-03-29T09:00:00+01:00"));
	ck_assert(!notify_same_instant("2026-03-29T08:00:00", "2026-03-29T08:00:00"));
	ck_assert(!notify_same_instant(NULL, "2026-03-29T08:00:00Z"));
	ck_assert(!notify_same_instant("2026-03-29", "2026-03-29T08:00:00Z"));
}
END_TEST

START_TEST(cancel_keys)
{
	ck_assert(notify_cancel_key("appt-12-cancel-2-email"));
	ck_assert(notify_cancel_key("appt-1-cancel-0-sms"));
	ck_assert(!notify_cancel_key("appt-12-reminder-0-email"));
	ck_assert(!notify_cancel_key("appt-12-change-1-sms"));
	ck_assert(!notify_cancel_key("appt--cancel-1-sms"));
	ck_assert(!notify_cancel_key("appt-x-cancel-1-sms"));
	ck_assert(!notify_cancel_key("xappt-12-cancel-2-email"));
	ck_assert(!notify_cancel_key("appt-12-cancelled"));
	ck_assert(!notify_cancel_key(NULL));
}
END_TEST

START_TEST(basic_auth)
{
	char	out[64];

	/* RFC 7617 section 2's example */
	ck_assert(notify_basic_auth("Aladdin", "open sesame", out, sizeof(out)));
	ck_assert_str_eq(out, "Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==");
	ck_assert(notify_basic_auth("AC1", "t", out, sizeof(out)));
	ck_assert_str_eq(out, "Basic QUMxOnQ=");
	ck_assert(notify_basic_auth("AC", "xy", out, sizeof(out)));
	ck_assert_str_eq(out, "Basic QUM6eHk=");
	ck_assert(notify_basic_auth("ACx", "yz", out, sizeof(out)));
	ck_assert_str_eq(out, "Basic QUN4Onl6");
	ck_assert(!notify_basic_auth("a:b", "c", out, sizeof(out)));
	ck_assert(!notify_basic_auth("Aladdin", "open sesame", out, 20));
}
END_TEST

Suite *
unit_suite(void)
{
	Suite	*s = suite_create("notify");
	TCase	*tc = tcase_create("requests");

	tcase_add_test(tc, email_addresses);
	tcase_add_test(tc, phone_numbers);
	tcase_add_test(tc, email_request);
	tcase_add_test(tc, email_request_refused);
	tcase_add_test(tc, form_encoding);
	tcase_add_test(tc, form_encoding_full);
	tcase_add_test(tc, payload_ints);
	tcase_add_test(tc, sms_form);
	tcase_add_test(tc, about_an_appointment);
	tcase_add_test(tc, same_instant);
	tcase_add_test(tc, cancel_keys);
	tcase_add_test(tc, basic_auth);
	suite_add_tcase(s, tc);
	return s;
}
