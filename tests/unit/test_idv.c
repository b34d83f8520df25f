/*
 * idv and the outbox: the webhook signature (RFC 4231 HMAC-SHA256 vectors,
 * then what a forged or mangled X-SHA2-Signature looks like), the provider's
 * words, webhook bodies, links, idempotency keys, and full-jitter backoff
 * bounds (modules/common/outbox.c).
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "crypto.h"
#include "outbox.h"
#include "provider.h"
#include "unit.h"

struct hmac_vector {
	unsigned char	 key_byte;	/* repeated key_len times; 0: key is key_text */
	size_t		 key_len;
	const char	*key_text;
	unsigned char	 data_byte;	/* repeated data_len times; 0: data is data_text */
	size_t		 data_len;
	const char	*data_text;
	const char	*mac;
};

/* RFC 4231 test cases 1, 2, 3, 4, 6 and 7 (case 5 is truncated output). */
static const struct hmac_vector	vectors[] = {
	{ 0x0b, 20, NULL, 0, 0, "Hi There",
	    "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7" },
	{ 0, 0, "Jefe", 0, 0, "what do ya want for nothing?",
	    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" },
	{ 0xaa, 20, NULL, 0xdd, 50, NULL,
	    "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe" },
	{ 1, 25, NULL, 0xcd, 50, NULL,
	    "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b" },
	{ 0xaa, 131, NULL, 0, 0, "Test Using Larger Than Block-Size Key - Hash Key First",
	    "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54" },
	{ 0xaa, 131, NULL, 0, 0, "This is a test using a larger than block-size key and a larger"
	    " than block-size data. The key needs to be hashed before being used by the HMAC"
	    " algorithm.",
	    "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2" },
};

static void
vector_inputs(const struct hmac_vector *v, char key[200], unsigned char data[200], size_t *dlen)
{
	size_t	i;

	if (v->key_text != NULL)
		(void)snprintf(key, 200, "%s", v->key_text);
	else {
		for (i = 0; i < v->key_len; i++)	/* case 4's key counts 0x01..0x19 */
			key[i] = (char)(v->key_byte == 1 ? i + 1 : v->key_byte);
		key[v->key_len] = '\0';
	}
	if (v->data_text != NULL) {
		*dlen = strlen(v->data_text);
		memcpy(data, v->data_text, *dlen);
	} else {
		*dlen = v->data_len;
		memset(data, v->data_byte, v->data_len);
	}
}

START_TEST(rfc4231_make)
{
	const struct hmac_vector *v = &vectors[_i];
	char		 key[200], hex[65];
	unsigned char	 data[200];
	size_t		 dlen;

	vector_inputs(v, key, data, &dlen);
	ck_assert(idv_signature_make(data, dlen, key, hex));
	ck_assert_str_eq(hex, v->mac);
}
END_TEST

START_TEST(rfc4231_verify)
{
	const struct hmac_vector *v = &vectors[_i];
	char		 key[200], upper[65], bad[65];
	unsigned char	 data[200];
	size_t		 dlen, i;

	vector_inputs(v, key, data, &dlen);
	ck_assert(idv_signature_ok(v->mac, data, dlen, key));
	for (i = 0; i < 64; i++)
		upper[i] = (char)(v->mac[i] >= 'a' ? v->mac[i] - 'a' + 'A' : v->mac[i]);
	upper[64] = '\0';
	ck_assert(idv_signature_ok(upper, data, dlen, key));
	/* One changed digit anywhere is refused. */
	for (i = 0; i < 64; i++) {
		memcpy(bad, v->mac, 65);
		bad[i] = bad[i] == '0' ? '1' : '0';
		ck_assert_msg(!idv_signature_ok(bad, data, dlen, key), "digit %zu", i);
	}
	/* One changed byte of the body is refused. */
	data[0] ^= 1;
	ck_assert(!idv_signature_ok(v->mac, data, dlen, key));
}
END_TEST

START_TEST(signature_malformed)
{
	static const char body[] = "{\"payload\":{}}";
	char	 good[65], s[80];

	ck_assert(idv_signature_make(body, strlen(body), "tok", good));
	ck_assert(idv_signature_ok(good, body, strlen(body), "tok"));
	ck_assert(!idv_signature_ok(good, body, strlen(body), "tok2"));
	ck_assert(!idv_signature_ok(good, body, strlen(body), ""));
	ck_assert(!idv_signature_ok(good, body, strlen(body), NULL));
	ck_assert(!idv_signature_ok(NULL, body, strlen(body), "tok"));
	ck_assert(!idv_signature_ok("", body, strlen(body), "tok"));
	/* Too short, too long, not hex, with "sha256=" prefix. */
	(void)snprintf(s, sizeof(s), "%.63s", good);
	ck_assert(!idv_signature_ok(s, body, strlen(body), "tok"));
	(void)snprintf(s, sizeof(s), "%s0", good);
	ck_assert(!idv_signature_ok(s, body, strlen(body), "tok"));
	(void)snprintf(s, sizeof(s), "%s", good);
	s[10] = 'g';
	ck_assert(!idv_signature_ok(s, body, strlen(body), "tok"));
	(void)snprintf(s, sizeof(s), "sha256=%s", good);
	ck_assert(!idv_signature_ok(s, body, strlen(body), "tok"));
	/* The raw body is what is signed: bytes after a NUL count too. */
	ck_assert(idv_signature_make("a\0b", 3, "tok", good));
	ck_assert(idv_signature_ok(good, "a\0b", 3, "tok"));
	ck_assert(!idv_signature_ok(good, "a\0c", 3, "tok"));
	ck_assert(!idv_signature_ok(good, "a", 1, "tok"));
	/* An empty body has a signature too. */
	ck_assert(idv_signature_make(NULL, 0, "tok", good));
	ck_assert(idv_signature_ok(good, "", 0, "tok"));
}
END_TEST

START_TEST(outcomes)
{
	ck_assert_str_eq(idv_outcome_of("approved"), "clear");
	ck_assert_str_eq(idv_outcome_of("review"), "consider");
	ck_assert_str_eq(idv_outcome_of("declined"), "declined");
	ck_assert_str_eq(idv_outcome_of("abandoned"), "failed");
	ck_assert_str_eq(idv_outcome_of("error"), "failed");
	ck_assert_ptr_null(idv_outcome_of("processing"));
	ck_assert_ptr_null(idv_outcome_of("awaiting_input"));
	ck_assert_ptr_null(idv_outcome_of("Approved"));
	ck_assert_ptr_null(idv_outcome_of(""));
	ck_assert_ptr_null(idv_outcome_of(NULL));
	ck_assert(idv_run_final("review"));
	ck_assert(!idv_run_final("awaiting_client_input"));
}
END_TEST

START_TEST(event_parse)
{
	struct idv_event	 ev;
	static const char	 ok[] = "{\"payload\":{\"resource_type\":\"workflow_run\","
	    "\"action\":\"workflow_run.completed\",\"object\":{\"id\":\"abc-123\","
	    "\"status\":\"approved\",\"href\":\"x\"},\"resource\":{\"tags\":[]}}}";
	static const char *const bad[] = {
		"", "null", "[]", "{}", "{\"payload\":[]}",
		"{\"payload\":{\"action\":\"a\"}}",
		"{\"payload\":{\"resource_type\":\"r\"}}",
		"{\"payload\":{\"resource_type\":1,\"action\":\"a\"}}",
		"{\"payload\":{\"resource_type\":\"r\",\"action\":\"a\",\"object\":[]}}",
		"{\"payload\":{\"resource_type\":\"r\",\"action\":\"a\",\"object\":{\"id\":7}}}",
		"{\"payload\":{\"resource_type\":\"r\",\"action\":\"a\",\"object\":{\"id\":\"../x\"}}}",
		"{\"payload\":{\"resource_type\":\"r\",\"action\":\"a\",\"object\":{\"id\":\"a\\u0000b\"}}}",
		"{\"payload\":{\"resource_type\":\"rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr\",\"action\":\"a\"}}",
		"{\"payload\":{\"resource_type\":\"r\",\"action\":\"a\"}",
	};
	static const char	 bare[] = "{\"payload\":{\"resource_type\":\"r\",\"action\":\"a\"}}";
	size_t	i;

	ck_assert_int_eq(idv_event_parse(ok, strlen(ok), &ev), 0);
	ck_assert_str_eq(ev.resource_type, "workflow_run");
	ck_assert_str_eq(ev.action, "workflow_run.completed");
	ck_assert_str_eq(ev.object_id, "abc-123");
	ck_assert_str_eq(ev.object_status, "approved");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_msg(idv_event_parse(bad[i], strlen(bad[i]), &ev) == -1, "accepted %s", bad[i]);
		ck_assert_str_eq(ev.object_id, "");
	}
	/* No object at all is a well-formed event that names nothing. */
	ck_assert_int_eq(idv_event_parse(bare, strlen(bare), &ev), 0);
	ck_assert_str_eq(ev.object_id, "");
}
END_TEST

START_TEST(ids_links_keys)
{
	char	long_id[80];

	ck_assert(idv_id_ok("2b932c63-2955-4d5c-8be5-5d92d848729c"));
	ck_assert(!idv_id_ok(""));
	ck_assert(!idv_id_ok(NULL));
	ck_assert(!idv_id_ok("a/b"));
	ck_assert(!idv_id_ok("a b"));
	memset(long_id, 'a', 65);
	long_id[65] = '\0';
	ck_assert(!idv_id_ok(long_id));
	long_id[64] = '\0';
	ck_assert(idv_id_ok(long_id));

	ck_assert(idv_link_ok("https://id.example/run/1?x=y"));
	ck_assert(idv_link_ok("http://127.0.0.1:18587/run/abc"));
	ck_assert(!idv_link_ok("javascript:alert(1)"));
	ck_assert(!idv_link_ok("https://x\" onclick=\"y"));
	ck_assert(!idv_link_ok("https://a b"));
	ck_assert(!idv_link_ok("https://"));
	ck_assert(!idv_link_ok("ftp://x/y"));
	ck_assert(!idv_link_ok(NULL));

	ck_assert(outbox_key_ok("idv-12-applicant"));
	ck_assert(outbox_key_ok("a.b_c:d-E9"));
	ck_assert(!outbox_key_ok(""));
	ck_assert(!outbox_key_ok(NULL));
	ck_assert(!outbox_key_ok("a b"));
	ck_assert(!outbox_key_ok("a\r\nX-Evil: 1"));
}
END_TEST

START_TEST(backoff_cap)
{
	unsigned	a;

	ck_assert_int_eq(outbox_backoff_cap_ms(0, 1000, 600000), 1000);
	ck_assert_int_eq(outbox_backoff_cap_ms(1, 1000, 600000), 2000);
	ck_assert_int_eq(outbox_backoff_cap_ms(9, 1000, 600000), 512000);
	ck_assert_int_eq(outbox_backoff_cap_ms(10, 1000, 600000), 600000);
	ck_assert_int_eq(outbox_backoff_cap_ms(63, 1000, 600000), 600000);
	ck_assert_int_eq(outbox_backoff_cap_ms(64, 1000, 600000), 600000);
	ck_assert_int_eq(outbox_backoff_cap_ms(UINT_MAX, 1000, 600000), 600000);
	ck_assert_int_eq(outbox_backoff_cap_ms(200, LLONG_MAX / 2, LLONG_MAX), LLONG_MAX);
	ck_assert_int_eq(outbox_backoff_cap_ms(3, 5000, 1000), 1000);	/* max below base */
	ck_assert_int_eq(outbox_backoff_cap_ms(3, 0, 1000), 0);
	ck_assert_int_eq(outbox_backoff_cap_ms(3, -5, 1000), 0);
	/* Never decreasing, never above max. */
	for (a = 1; a < 100; a++) {
		ck_assert(outbox_backoff_cap_ms(a, 10, 86400000) >= outbox_backoff_cap_ms(a - 1, 10, 86400000));
		ck_assert(outbox_backoff_cap_ms(a, 10, 86400000) <= 86400000);
	}
}
END_TEST

START_TEST(backoff_jitter_bounds)
{
	uint64_t	rnd;
	long long	d, cap, lo_seen, hi_seen;
	unsigned	a;
	int		i;

	/* The ends of the range are reachable: 0 and the cap itself. */
	ck_assert_int_eq(outbox_backoff_ms(2, 1000, 600000, 0), 0);
	ck_assert_int_eq(outbox_backoff_ms(2, 1000, 600000, 4000), 4000);
	ck_assert_int_eq(outbox_backoff_ms(2, 1000, 600000, 4001), 0);
	ck_assert_int_le(outbox_backoff_ms(2, 1000, 600000, UINT64_MAX), 4000);
	ck_assert_int_eq(outbox_backoff_ms(5, 0, 600000, 12345), 0);
	/* With real randomness: always within [0, cap], and spread over it. */
	for (a = 0; a < 16; a++) {
		cap = outbox_backoff_cap_ms(a, 1000, 600000);
		lo_seen = cap;
		hi_seen = 0;
		for (i = 0; i < 2000; i++) {
			ck_assert(crypto_random(&rnd, sizeof(rnd)) == CE_OK);
			d = outbox_backoff_ms(a, 1000, 600000, rnd);
			ck_assert_msg(d >= 0 && d <= cap, "attempt %u: %lld outside [0, %lld]", a, d, cap);
			if (d < lo_seen)
				lo_seen = d;
			if (d > hi_seen)
				hi_seen = d;
		}
		/* Full jitter, not "cap/2 + jitter": both quarters are hit. */
		ck_assert_msg(lo_seen < cap / 4 && hi_seen > cap * 3 / 4,
		    "attempt %u: seen [%lld, %lld] of [0, %lld]", a, lo_seen, hi_seen, cap);
	}
}
END_TEST

START_TEST(base_urls)
{
	static const struct { const char *url; bool ok, plain; } c[] = {
		{ "https://api.eu.onfido.com/v3.6", true, false },
		{ "HTTPS://api.onfido.com", true, false },
		{ "http://127.0.0.1:18887/v3.6", true, true },
		{ "http://127.8.9.10/v3.6", true, true },
		{ "http://localhost:9/v3.6", true, true },
		{ "http://LocalHost/", true, true },
		{ "http://[::1]:8080/v3.6", true, true },
		{ "http://api.eu.onfido.com/v3.6", false, false },
		{ "http://127.0.0.1.example.com/v3.6", false, false },
		{ "http://localhost.example.com/", false, false },
		{ "http://128.0.0.1/", false, false },
		{ "http://10.0.0.1/", false, false },
		{ "http://[::2]/", false, false },
		{ "http://[::1/", false, false },
		{ "http://127.0.0.1@evil.example/", false, false },
		{ "https://user:pw@api.onfido.com/", false, false },
		{ "http://", false, false },
		{ "https:///v3.6", false, false },
		{ "ftp://127.0.0.1/", false, false },
		{ "file:///etc/passwd", false, false },
		{ "http://127.0.0.1/ x", false, false },
		{ "", false, false },
	};
	size_t	i;
	bool	plain;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		plain = !c[i].plain;
		ck_assert_msg(idv_base_url_ok(c[i].url, &plain) == c[i].ok, "%s", c[i].url);
		ck_assert_msg(plain == c[i].plain, "%s: plain", c[i].url);
	}
	ck_assert(!idv_base_url_ok(NULL, &plain));
}
END_TEST

Suite *
unit_suite(void)
{
	Suite	*s = suite_create("idv");
	TCase	*tc = tcase_create("signature");

	tcase_add_loop_test(tc, rfc4231_make, 0, sizeof(vectors) / sizeof(vectors[0]));
	tcase_add_loop_test(tc, rfc4231_verify, 0, sizeof(vectors) / sizeof(vectors[0]));
	tcase_add_test(tc, signature_malformed);
	suite_add_tcase(s, tc);
	tc = tcase_create("provider");
	tcase_add_test(tc, outcomes);
	tcase_add_test(tc, event_parse);
	tcase_add_test(tc, ids_links_keys);
	tcase_add_test(tc, base_urls);
	suite_add_tcase(s, tc);
	tc = tcase_create("backoff");
	tcase_add_test(tc, backoff_cap);
	tcase_add_test(tc, backoff_jitter_bounds);
	suite_add_tcase(s, tc);
	return s;
}
