/*
 * bridge transport (modules/dispatch/wh_out.c): the Standard Webhooks header
 * lines webhook_send() sends are what webhook_verify() accepts (and nothing
 * else is), including the specification's own vector; Retry-After in both
 * forms (delta-seconds and the three HTTP-date forms), its cap, dates in the
 * past and junk; the wait chosen from the backoff and a Retry-After.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "dispatch.h"
#include "unit.h"
#include "webhook.h"

static const char	vec_secret[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
static const char	vec_id[] = "msg_p5jXN8AQM9LWM0D4loKWxJek";
static const int64_t	vec_now = 1614265330;
static const char	vec_body[] = "{\"test\": 2432232314}";
static const char	vec_sig[] = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";

/* The value of a "name: value" header line, or NULL when the name differs. */
static const char *
value_of(const char *line, const char *name)
{
	size_t	n = strlen(name);

	if (strncmp(line, name, n) != 0 || line[n] != ':' || line[n + 1] != ' ')
		return NULL;
	return line + n + 2;
}

static enum webhook_verdict
verify(const char *secret_text, const struct webhook_headers *h, const char *body, int64_t now)
{
	unsigned char	key[WEBHOOK_SECRET_MAX];
	size_t		keylen = 0;

	ck_assert_int_eq(webhook_secret_decode(secret_text, key, &keylen), CE_OK);
	return webhook_verify(key, keylen, value_of(h->id, "webhook-id"),
	    value_of(h->timestamp, "webhook-timestamp"),
	    value_of(h->signature, "webhook-signature"), body, strlen(body), now,
	    WEBHOOK_TOLERANCE);
}

START_TEST(headers_match_the_vector)
{
	struct webhook_headers	h;

	ck_assert_int_eq(webhook_headers(vec_secret, vec_id, vec_now, vec_body,
	    strlen(vec_body), &h), CE_OK);
	ck_assert_str_eq(value_of(h.id, "webhook-id"), vec_id);
	ck_assert_str_eq(value_of(h.timestamp, "webhook-timestamp"), "1614265330");
	ck_assert_str_eq(value_of(h.signature, "webhook-signature"), vec_sig);
	ck_assert_int_eq(verify(vec_secret, &h, vec_body, vec_now), WEBHOOK_OK);
}
END_TEST

START_TEST(headers_verify_and_bind_every_part)
{
	unsigned char		 raw[32];
	char			 secret[WEBHOOK_SECRET_TEXT_MAX], other[WEBHOOK_SECRET_TEXT_MAX];
	const char		*body = "{\"type\":\"prescription.sent\",\"timestamp\":"
				    "\"2026-11-26T10:00:00Z\",\"data\":{\"prescription_id\":7}}";
	struct webhook_headers	 h;
	size_t			 i;

	for (i = 0; i < sizeof(raw); i++)
		raw[i] = (unsigned char)(i * 7 + 1);
	ck_assert_int_eq(webhook_secret_encode(raw, sizeof(raw), secret), CE_OK);
	raw[0] ^= 1;
	ck_assert_int_eq(webhook_secret_encode(raw, sizeof(raw), other), CE_OK);
	ck_assert_int_eq(webhook_headers(secret, "rx-7-sent", 1800000000, body, strlen(body), &h),
	    CE_OK);
	ck_assert_int_eq(verify(secret, &h, body, 1800000000), WEBHOOK_OK);
	ck_assert_int_eq(verify(secret, &h, body, 1800000000 + WEBHOOK_TOLERANCE), WEBHOOK_OK);
	/* Another secret, another body, too late. */
	ck_assert_int_eq(verify(other, &h, body, 1800000000), WEBHOOK_BAD_SIGNATURE);
	ck_assert_int_eq(verify(secret, &h, "{\"type\":\"prescription.cancel\"}", 1800000000),
	    WEBHOOK_BAD_SIGNATURE);
	ck_assert_int_eq(verify(secret, &h, body, 1800000000 + WEBHOOK_TOLERANCE + 1),
	    WEBHOOK_STALE);
	/* The id is signed: the same signature under another id fails. */
	(void)snprintf(h.id, sizeof(h.id), "webhook-id: rx-8-sent");
	ck_assert_int_eq(verify(secret, &h, body, 1800000000), WEBHOOK_BAD_SIGNATURE);
}
END_TEST

START_TEST(headers_refuse_bad_input)
{
	struct webhook_headers	h;
	char			long_id[WEBHOOK_ID_MAX + 2];

	memset(long_id, 'a', sizeof(long_id) - 1);
	long_id[sizeof(long_id) - 1] = '\0';
	ck_assert_int_eq(webhook_headers("whsec_short", "id", 1, "{}", 2, &h), CE_INVALID);
	ck_assert_str_eq(h.signature, "");
	ck_assert_int_eq(webhook_headers("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "id", 1, "{}", 2, &h),
	    CE_INVALID);
	ck_assert_int_eq(webhook_headers(NULL, "id", 1, "{}", 2, &h), CE_INVALID);
	ck_assert_int_eq(webhook_headers(vec_secret, NULL, 1, "{}", 2, &h), CE_INVALID);
	ck_assert_int_eq(webhook_headers(vec_secret, "", 1, "{}", 2, &h), CE_INVALID);
	ck_assert_int_eq(webhook_headers(vec_secret, "has space", 1, "{}", 2, &h), CE_INVALID);
	ck_assert_int_eq(webhook_headers(vec_secret, long_id, 1, "{}", 2, &h), CE_INVALID);
	ck_assert_int_eq(webhook_headers(vec_secret, "id", -1, "{}", 2, &h), CE_INVALID);
	ck_assert_str_eq(h.id, "");
	/* An empty body is allowed (NULL with length 0). */
	ck_assert_int_eq(webhook_headers(vec_secret, "id", 1, NULL, 0, &h), CE_OK);
}
END_TEST

/* 1994-11-06T08:49:37Z, the RFC's example date. */
#define RFC_DATE	784111777LL

START_TEST(retry_after_seconds)
{
	ck_assert_int_eq(retry_after_ms("0", 0), 0);
	ck_assert_int_eq(retry_after_ms("1", 0), 1000);
	ck_assert_int_eq(retry_after_ms("120", 0), 120000);
	ck_assert_int_eq(retry_after_ms("  30 ", 0), 30000);
	ck_assert_int_eq(retry_after_ms("007", 0), 7000);
	ck_assert_int_eq(retry_after_ms("3600", 0), RETRY_AFTER_MAX_MS);
	ck_assert_int_eq(retry_after_ms("3601", 0), RETRY_AFTER_MAX_MS);
	ck_assert_int_eq(retry_after_ms("99999999999999999999999999999", 0), RETRY_AFTER_MAX_MS);
}
END_TEST

START_TEST(retry_after_dates)
{
	/* The three forms of the same instant. */
	ck_assert_int_eq(retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", RFC_DATE - 90), 90000);
	ck_assert_int_eq(retry_after_ms("Sunday, 06-Nov-94 08:49:37 GMT", RFC_DATE - 90), 90000);
	ck_assert_int_eq(retry_after_ms("Sun Nov  6 08:49:37 1994", RFC_DATE - 90), 90000);
	ck_assert_int_eq(retry_after_ms("Wednesday, 06-Nov-24 08:49:37 GMT", 0),
	    RETRY_AFTER_MAX_MS);
	/* Now or past: at once. */
	ck_assert_int_eq(retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", RFC_DATE), 0);
	ck_assert_int_eq(retry_after_ms("Sun, 06 Nov 1994 08:49:37 GMT", RFC_DATE + 5), 0);
	/* Far ahead: the cap. */
	ck_assert_int_eq(retry_after_ms("Fri, 31 Dec 9999 23:59:59 GMT", RFC_DATE),
	    RETRY_AFTER_MAX_MS);
	/* A leap day, and the day after the year's end. */
	ck_assert_int_eq(retry_after_ms("Thu, 29 Feb 2024 00:00:01 GMT", 1709164800), 1000);
	ck_assert_int_eq(retry_after_ms("Mon, 01 Jan 2024 00:00:00 GMT", 1704067200 - 2), 2000);
	ck_assert_int_eq(retry_after_ms("Thu, 26 Nov 2026 10:00:00 GMT", 1795686900), 300000);
}
END_TEST

START_TEST(retry_after_junk)
{
	static const char *const bad[] = {
		"", "   ", "-1", "+5", "1.5", "5s", "0x10", "soon",
		"Sun, 06 Nov 1994 08:49:37 UTC",
		"Sun, 06 Nox 1994 08:49:37 GMT",
		"Sun, 31 Nov 1994 08:49:37 GMT",
		"Tue, 29 Feb 2023 08:49:37 GMT",
		"Sun, 06 Nov 1994 24:49:37 GMT",
		"Sun, 06 Nov 1994 08:60:37 GMT",
		"Sun, 6 Nov 1994 08:49:37 GMT",
		"Sun, 06 Nov 94 08:49:37 GMT",
		"Sun, 06 Nov 1994 08:49:37",
		"Sun, 00 Nov 1994 08:49:37 GMT",
		"Sunday, 06-Nov-1994 08:49:37 GMT",
		"Sun Nov 6 08:49:37 1994",
		"Sun Nov  6 08:49:37 94  ",
		"Sun Nov  x 08:49:37 1994",
		"Sun, 06 Nov 1994 08:4a:37 GMT",
		",123456789012345678901234",
	};
	size_t	i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(retry_after_ms(bad[i], RFC_DATE) == -1, "accepted \"%s\"", bad[i]);
	ck_assert_int_eq(retry_after_ms(NULL, 0), -1);
}
END_TEST

START_TEST(retry_wait)
{
	ck_assert_int_eq(retry_wait_ms(5000, 0), 5000);
	ck_assert_int_eq(retry_wait_ms(5000, 2000), 5000);
	ck_assert_int_eq(retry_wait_ms(5000, 9000), 9000);
	ck_assert_int_eq(retry_wait_ms(0, RETRY_AFTER_MAX_MS * 3), RETRY_AFTER_MAX_MS);
	/* A backoff longer than an hour is kept. */
	ck_assert_int_eq(retry_wait_ms(RETRY_AFTER_MAX_MS * 2, 1000), RETRY_AFTER_MAX_MS * 2);
}
END_TEST

/* A clinic-only host (no pharmacy events URL or secret) queues no stock snapshots. */
START_TEST(pharmacy_side)
{
	ck_assert(pharmacy_side_configured("http://127.0.0.1:8080/api/v1/bridge/events/x",
	    "whsec_x"));
	ck_assert(!pharmacy_side_configured("", "whsec_x"));
	ck_assert(!pharmacy_side_configured("http://127.0.0.1:8080/x", ""));
	ck_assert(!pharmacy_side_configured(NULL, "whsec_x"));
	ck_assert(!pharmacy_side_configured("http://127.0.0.1:8080/x", NULL));
	ck_assert(!pharmacy_side_configured("", ""));
}
END_TEST

Suite *
unit_suite(void)
{
	Suite	*s = suite_create("bridge");
	TCase	*tc = tcase_create("transport");

	tcase_add_test(tc, headers_match_the_vector);
	tcase_add_test(tc, headers_verify_and_bind_every_part);
	tcase_add_test(tc, headers_refuse_bad_input);
	tcase_add_test(tc, retry_after_seconds);
	tcase_add_test(tc, retry_after_dates);
	tcase_add_test(tc, retry_after_junk);
	tcase_add_test(tc, retry_wait);
	tcase_add_test(tc, pharmacy_side);
	suite_add_tcase(s, tc);
	return s;
}
