/*
 * API tests (issue 6, helper A): the transport of the pharmacy bridge.
 * Partners' messages to POST /api/v1/bridge/events/{code}, signed here with
 * webhook_sign() under the test stack's pharmacy→clinic secret (the
 * pharmacy_clinic_secret_out line of CLINIC_TEST_CONF): a good one is
 * applied and stored once, the same webhook-id again changes nothing; bad,
 * missing and stale signatures are refused (401) and audited; a good
 * signature over a body that is not a message is 422 invalid-message naming
 * the members; unknown and inactive partners are 404. `clinic partner-set`
 * (validation, sealing, update by code, the audit row without secrets).
 * The outbox admin API: dead letters listed without payloads, replayed
 * once (409 after), admins only. A signed prescription is delivered by
 * dispatch to the pharmacy and becomes 'sent' (done() hook).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <check.h>

#include "helpers.h"
#include "webhook.h"

#define EVENTS	"/api/v1/bridge/events/"

static int	seq;

/* A whsec_ setting of the test stack's configuration into out. */
static void
conf_secret(const char *name, char out[WEBHOOK_SECRET_TEXT_MAX])
{
	char			line[512], *v, *e;
	FILE			*f = fopen(E.conf, "r");
	bool			found = false;
	size_t			nl = strlen(name);

	ck_assert_msg(f != NULL, "cannot read %s", E.conf);
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, name, nl) != 0 || (line[nl] != ' ' && line[nl] != '='))
			continue;
		v = line + nl;
		v += strspn(v, " \t=");
		e = v + strcspn(v, " \t\r\n");
		*e = '\0';
		ck_assert(strlen(v) < WEBHOOK_SECRET_TEXT_MAX);
		memcpy(out, v, strlen(v) + 1);
		found = true;
	}
	(void)fclose(f);
	ck_assert_msg(found, "no %s in %s", name, E.conf);
}

/* The test stack's pharmacy→clinic secret (whsec_...) into out. */
static void
p2c_secret(char out[WEBHOOK_SECRET_TEXT_MAX])
{
	conf_secret("pharmacy_clinic_secret_out", out);
}

/*
 * POSTs body to EVENTS code with the three headers signed under secret
 * (whsec_ text) at now + skew; sig_override, if not NULL, replaces the
 * webhook-signature value; id NULL sends no webhook-id.
 */
static struct resp *
post_signed(const char *code, const char *secret, const char *id, long long skew,
    const char *body, const char *sig_override)
{
	unsigned char	 key[WEBHOOK_SECRET_MAX];
	size_t		 keylen = 0;
	char		 sig[WEBHOOK_SIG_LEN], h_id[WEBHOOK_ID_MAX + 16], h_ts[64], h_sig[4200];
	char		 path[128];
	const char	*extra[4];
	long long	 ts = (long long)time(NULL) + skew;
	struct browser	*b = br_new();
	struct resp	*r;
	int		 n = 0;

	ck_assert_int_eq(webhook_secret_decode(secret, key, &keylen), CE_OK);
	ck_assert_int_eq(webhook_sign(key, keylen, id != NULL ? id : "none", ts, body,
	    strlen(body), sig), CE_OK);
	if (id != NULL) {
		(void)snprintf(h_id, sizeof(h_id), "webhook-id: %s", id);
		extra[n++] = h_id;
	}
	(void)snprintf(h_ts, sizeof(h_ts), "webhook-timestamp: %lld", ts);
	extra[n++] = h_ts;
	(void)snprintf(h_sig, sizeof(h_sig), "webhook-signature: %s",
	    sig_override != NULL ? sig_override : sig);
	extra[n++] = h_sig;
	extra[n] = NULL;
	(void)snprintf(path, sizeof(path), "%s%s", EVENTS, code);
	r = http_raw(b, "POST", path, body, strlen(body), "application/json", NULL, extra);
	br_free(b);
	return r;
}

/* A webhook-id no other test uses. */
static void
msg_id(char *buf, size_t cap, const char *tag)
{
	(void)snprintf(buf, cap, "test-%s-%ld-%d-%d", tag, (long)time(NULL), (int)getpid(), ++seq);
}

static int64_t
demo_partner(void)
{
	int64_t	id = sql_int("SELECT id FROM pharmacy_partner WHERE code = 'demo-pharmacy'");

	ck_assert_msg(id > 0, "the test stack has no demo-pharmacy partner");
	return id;
}

static int64_t
inbox_rows(const char *id)
{
	return sql_int("SELECT COUNT(*) FROM bridge_inbox WHERE webhook_id = '%s'", id);
}

/* Audit rows of action whose details name webhook id. */
static int64_t
audits_for(const char *action, const char *id)
{
	return sql_int("SELECT COUNT(*) FROM audit_event WHERE action = '%s' AND"
	    " JSON_VALUE(details, '$.webhook_id') = '%s'", action, id);
}

/* Audit rows of action written by request r. */
static int64_t
audits_of(const struct resp *r, const char *action)
{
	return sql_int("SELECT COUNT(*) FROM audit_event WHERE request_id = '%s' AND action = '%s'",
	    r->rid, action);
}


/* ---- a signed prescription (as tests/api/test_prescriptions.c makes them) ---- */

struct rxfx {
	struct user	 pat;
	struct browser	*spec;
	int64_t		 spec_id, product, plan, rx;
	char		 secret[40];
};

static void
rx_signed(struct rxfx *f)
{
	char		 name[64], code[7], path[96];
	struct resp	*r;

	memset(f, 0, sizeof(*f));
	user_register(&f->pat, "bridge");
	patient_verified(f->pat.id);
	ck_assert_msg(sql_exec("INSERT INTO patient_profile (user_id, address_line1, town, postcode,"
	    " updated_at) VALUES (%lld, '3 Quay Lane', 'Bristol', 'BS1 5TT', UTC_TIMESTAMP(6))"
	    " ON DUPLICATE KEY UPDATE address_line1 = '3 Quay Lane', town = 'Bristol',"
	    " postcode = 'BS1 5TT'", (long long)f->pat.id) == 0, "profile: %s", sql_error());
	f->spec = clinician_new(true, &f->spec_id, f->secret);
	(void)snprintf(name, sizeof(name), "Bridge %ld-%d-%d", (long)time(NULL), (int)getpid(),
	    ++seq);
	ck_assert_msg(sql_exec("INSERT INTO formulary_product (supplier, brand, name, form,"
	    " supply_unit, pack_size, thc_ug_per_unit, cbd_ug_per_unit, active, created_at,"
	    " updated_at) VALUES ('Test Supplies', 'Quay', '%s', 'flower', 'mg', 10000, 200, 10, 1,"
	    " UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))", name) == 0, "product: %s", sql_error());
	f->product = sql_int("SELECT LAST_INSERT_ID()");
	ck_assert_msg(sql_exec("INSERT INTO treatment_plan (patient_id, condition_name, version,"
	    " status, body, author_id, reason, changed_at) VALUES (%lld, 'Chronic pain', 1,"
	    " 'active', '{\"items\":[{\"product_id\":%lld,\"dose\":\"1 g vaporised a day in three"
	    " doses\",\"daily_amount\":1000,\"max_per_30d\":30000}],\"form_limits\":[],"
	    "\"max_thc_mg_per_day\":300,\"review_date\":\"2099-01-01\",\"notes\":\"\"}', %lld,"
	    " 'start', UTC_TIMESTAMP(6))", (long long)f->pat.id, (long long)f->product,
	    (long long)f->spec_id) == 0, "plan: %s", sql_error());
	f->plan = sql_int("SELECT LAST_INSERT_ID()");
	r = apif(f->spec, "POST", "/api/v1/prescriptions", "{\"patient_id\":%lld,\"plan_id\":%lld,"
	    "\"product_id\":%lld,\"quantity\":5000}", (long long)f->pat.id, (long long)f->plan,
	    (long long)f->product);
	ck_assert_msg(r->status == 201, "draft: %s", rdesc(r));
	f->rx = jint(r->json, "id");
	resp_free(r);
	totp_at(f->secret, totp_step_now() + 1, code);
	(void)snprintf(path, sizeof(path), "/api/v1/prescriptions/%lld/sign", (long long)f->rx);
	r = apif(f->spec, "POST", path, "{\"code\":\"%s\"}", code);
	ck_assert_msg(r->status == 200, "sign: %s", rdesc(r));
	resp_free(r);
}

static void
rx_free(struct rxfx *f)
{
	br_free(f->spec);
	user_free(&f->pat);
}

/* ---- the receiver ---- */

START_TEST(test_unknown_type_stored_once)
{
	char		 secret[WEBHOOK_SECRET_TEXT_MAX], id[96];
	const char	*body = "{\"type\":\"test.unheard_of\",\"timestamp\":\"2026-11-26T10:00:00Z\","
			    "\"data\":{\"anything\":1}}";
	struct resp	*r;

	p2c_secret(secret);
	msg_id(id, sizeof(id), "unknown");
	r = post_signed("demo-pharmacy", secret, id, 0, body, NULL);
	ck_assert_msg(r->status == 200, "first: %s", rdesc(r));
	ck_assert(jbool(r->json, "received"));
	ck_assert_str_eq(jstr(r->json, "outcome"), "unknown");
	ck_assert(!jbool(r->json, "duplicate"));
	ck_assert_int_eq(audits_of(r, "bridge.message_received"), 1);
	resp_free(r);
	ck_assert_int_eq(inbox_rows(id), 1);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM bridge_inbox WHERE webhook_id = '%s' AND"
	    " partner_id = %lld AND type = 'test.unheard_of' AND outcome = 'unknown'", id,
	    (long long)demo_partner()), 1);
	/* The same message again: acknowledged, nothing more stored or audited. */
	r = post_signed("demo-pharmacy", secret, id, 0, body, NULL);
	ck_assert_msg(r->status == 200, "second: %s", rdesc(r));
	ck_assert(jbool(r->json, "duplicate"));
	ck_assert_int_eq(audits_of(r, "bridge.message_received"), 0);
	resp_free(r);
	ck_assert_int_eq(inbox_rows(id), 1);
	ck_assert_int_eq(audits_for("bridge.message_received", id), 1);
}
END_TEST

START_TEST(test_prescription_message_applied_once)
{
	struct rxfx	 f;
	char		 secret[WEBHOOK_SECRET_TEXT_MAX], id[96], body[1024];
	struct resp	*r;
	int64_t		 events;

	p2c_secret(secret);
	rx_signed(&f);
	ck_assert_int_eq(sql_int("SELECT pharmacy_id FROM prescription WHERE id = %lld",
	    (long long)f.rx), demo_partner());
	msg_id(id, sizeof(id), "delivered");
	(void)snprintf(body, sizeof(body), "{\"type\":\"prescription.delivered\",\"timestamp\":"
	    "\"2026-11-26T10:00:00Z\",\"data\":{\"prescription_id\":%lld,\"pharmacy_ref\":\"T-%d\","
	    "\"method\":\"collection\",\"at\":\"2026-11-26T10:00:00Z\",\"proof\":null,"
	    "\"collector\":\"The patient\"}}", (long long)f.rx, seq);
	r = post_signed("demo-pharmacy", secret, id, 0, body, NULL);
	ck_assert_msg(r->status == 200, "first: %s", rdesc(r));
	ck_assert_str_eq(jstr(r->json, "outcome"), "applied");
	ck_assert_int_eq(audits_of(r, "bridge.message_received"), 1);
	resp_free(r);
	ck_assert_int_eq(sql_int("SELECT status = 'delivered' FROM prescription WHERE id = %lld",
	    (long long)f.rx), 1);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM audit_event WHERE action ="
	    " 'bridge.message_received' AND entity_type = 'prescription' AND entity_id = '%lld'"
	    " AND JSON_VALUE(details, '$.webhook_id') = '%s'", (long long)f.rx, id), 1);
	events = sql_int("SELECT COUNT(*) FROM prescription_event WHERE prescription_id = %lld",
	    (long long)f.rx);
	/* Delivered twice: the second changes nothing. */
	r = post_signed("demo-pharmacy", secret, id, 0, body, NULL);
	ck_assert_msg(r->status == 200 && jbool(r->json, "duplicate"), "second: %s", rdesc(r));
	resp_free(r);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM prescription_event WHERE prescription_id ="
	    " %lld", (long long)f.rx), events);
	ck_assert_int_eq(inbox_rows(id), 1);
	ck_assert_int_eq(audits_for("bridge.message_received", id), 1);
	rx_free(&f);
}
END_TEST

/*
 * Standard Webhooks ids are case-sensitive: two ids differing only in case
 * are two messages (bridge_inbox.webhook_id compares bytes), each stored.
 */
START_TEST(test_ids_differing_in_case)
{
	char		 secret[WEBHOOK_SECRET_TEXT_MAX], lower[96], upper[96];
	const char	*body = "{\"type\":\"test.case\",\"timestamp\":\"2026-11-26T10:00:00Z\","
			    "\"data\":{}}";
	struct resp	*r;
	size_t		 i;

	p2c_secret(secret);
	msg_id(lower, sizeof(lower), "case-msg");
	memcpy(upper, lower, strlen(lower) + 1);
	for (i = 0; upper[i] != '\0'; i++)
		if (upper[i] >= 'a' && upper[i] <= 'z')
			upper[i] = (char)(upper[i] - 'a' + 'A');
	r = post_signed("demo-pharmacy", secret, lower, 0, body, NULL);
	ck_assert_msg(r->status == 200 && !jbool(r->json, "duplicate"), "lower: %s", rdesc(r));
	resp_free(r);
	r = post_signed("demo-pharmacy", secret, upper, 0, body, NULL);
	ck_assert_msg(r->status == 200 && !jbool(r->json, "duplicate"), "upper: %s", rdesc(r));
	ck_assert_int_eq(audits_of(r, "bridge.message_received"), 1);
	resp_free(r);
	ck_assert_int_eq(inbox_rows(lower), 1);
	ck_assert_int_eq(inbox_rows(upper), 1);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM bridge_inbox WHERE webhook_id IN ('%s', '%s')",
	    lower, upper), 2);
}
END_TEST

/*
 * An unsigned message whose webhook-id holds bytes that are not printable
 * ASCII (not even UTF-8): 401, audited as refused with no id recorded (the
 * id's bytes never reach the audit row), nothing stored.
 */
START_TEST(test_refused_non_ascii_id)
{
	const char	*body = "{\"type\":\"test.refused\",\"timestamp\":\"2026-11-26T10:00:00Z\","
			    "\"data\":{}}";
	const char	*ids[] = { "bad-\xff\xfe-id", "caf\xc3\xa9-id" };
	char		 h_id[64], h_ts[64];
	const char	*extra[4];
	struct browser	*b;
	struct resp	*r;
	size_t		 i;

	for (i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		(void)snprintf(h_id, sizeof(h_id), "webhook-id: %s", ids[i]);
		(void)snprintf(h_ts, sizeof(h_ts), "webhook-timestamp: %lld",
		    (long long)time(NULL));
		extra[0] = h_id;
		extra[1] = h_ts;
		extra[2] = "webhook-signature: v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
		extra[3] = NULL;
		b = br_new();
		r = http_raw(b, "POST", EVENTS "demo-pharmacy", body, strlen(body),
		    "application/json", NULL, extra);
		br_free(b);
		expect_problem(r, 401, "webhook-signature");
		expect_one_audit(r, "bridge.webhook_refused", "failure");
		ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM audit_event WHERE request_id = '%s'"
		    " AND JSON_TYPE(JSON_EXTRACT(details, '$.webhook_id')) = 'NULL'", r->rid), 1);
		resp_free(r);
	}
}
END_TEST

START_TEST(test_refused_signatures)
{
	unsigned char	 raw[32];
	char		 secret[WEBHOOK_SECRET_TEXT_MAX], other[WEBHOOK_SECRET_TEXT_MAX], id[96];
	const char	*body = "{\"type\":\"test.refused\",\"timestamp\":\"2026-11-26T10:00:00Z\","
			    "\"data\":{}}";
	struct resp	*r;
	size_t		 i;

	p2c_secret(secret);
	for (i = 0; i < sizeof(raw); i++)
		raw[i] = (unsigned char)(0xa5 ^ i);
	ck_assert_int_eq(webhook_secret_encode(raw, sizeof(raw), other), CE_OK);
	/* Another secret. */
	msg_id(id, sizeof(id), "badsig");
	r = post_signed("demo-pharmacy", other, id, 0, body, NULL);
	expect_problem(r, 401, "webhook-signature");
	expect_one_audit(r, "bridge.webhook_refused", "failure");
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM audit_event WHERE request_id = '%s' AND"
	    " actor_role = 'system' AND JSON_VALUE(details, '$.verdict') = 'bad_signature' AND"
	    " JSON_VALUE(details, '$.webhook_id') = '%s' AND"
	    " JSON_VALUE(details, '$.remote_addr') = '127.0.0.1'", r->rid, id), 1);
	resp_free(r);
	ck_assert_int_eq(inbox_rows(id), 0);
	/* A malformed signature value, and none at all. */
	msg_id(id, sizeof(id), "malformed");
	r = post_signed("demo-pharmacy", secret, id, 0, body, "v1,not base64!");
	expect_problem(r, 401, "webhook-signature");
	expect_one_audit(r, "bridge.webhook_refused", "failure");
	resp_free(r);
	r = post_signed("demo-pharmacy", secret, NULL, 0, body, NULL);
	expect_problem(r, 401, "webhook-signature");
	expect_one_audit(r, "bridge.webhook_refused", "failure");
	ck_assert_int_eq(sql_int("SELECT JSON_VALUE(details, '$.verdict') = 'missing_header' FROM"
	    " audit_event WHERE request_id = '%s'", r->rid), 1);
	resp_free(r);
	/* Stale both ways (more than 300 s), then just inside. */
	msg_id(id, sizeof(id), "stale");
	r = post_signed("demo-pharmacy", secret, id, -400, body, NULL);
	expect_problem(r, 401, "webhook-stale");
	expect_one_audit(r, "bridge.webhook_refused", "failure");
	resp_free(r);
	r = post_signed("demo-pharmacy", secret, id, 400, body, NULL);
	expect_problem(r, 401, "webhook-stale");
	resp_free(r);
	ck_assert_int_eq(inbox_rows(id), 0);
	r = post_signed("demo-pharmacy", secret, id, -250, body, NULL);
	ck_assert_msg(r->status == 200, "inside the tolerance: %s", rdesc(r));
	resp_free(r);
	ck_assert_int_eq(inbox_rows(id), 1);
}
END_TEST

START_TEST(test_tampered_body_refused)
{
	char		 secret[WEBHOOK_SECRET_TEXT_MAX], id[96], h_id[160], h_ts[64], h_sig[128];
	unsigned char	 key[WEBHOOK_SECRET_MAX];
	size_t		 keylen = 0;
	char		 sig[WEBHOOK_SIG_LEN];
	const char	*body = "{\"type\":\"test.tamper\",\"timestamp\":\"2026-11-26T10:00:00Z\","
			    "\"data\":{\"n\":1}}";
	const char	*sent = "{\"type\":\"test.tamper\",\"timestamp\":\"2026-11-26T10:00:00Z\","
			    "\"data\":{\"n\":2}}";
	const char	*extra[4];
	struct browser	*b = br_new();
	struct resp	*r;
	long long	 ts = (long long)time(NULL);

	p2c_secret(secret);
	msg_id(id, sizeof(id), "tamper");
	ck_assert_int_eq(webhook_secret_decode(secret, key, &keylen), CE_OK);
	ck_assert_int_eq(webhook_sign(key, keylen, id, ts, body, strlen(body), sig), CE_OK);
	(void)snprintf(h_id, sizeof(h_id), "webhook-id: %s", id);
	(void)snprintf(h_ts, sizeof(h_ts), "webhook-timestamp: %lld", ts);
	(void)snprintf(h_sig, sizeof(h_sig), "webhook-signature: %s", sig);
	extra[0] = h_id;
	extra[1] = h_ts;
	extra[2] = h_sig;
	extra[3] = NULL;
	r = http_raw(b, "POST", EVENTS "demo-pharmacy", sent, strlen(sent), "application/json",
	    NULL, extra);
	expect_problem(r, 401, "webhook-signature");
	expect_one_audit(r, "bridge.webhook_refused", "failure");
	resp_free(r);
	ck_assert_int_eq(inbox_rows(id), 0);
	br_free(b);
}
END_TEST

START_TEST(test_invalid_message)
{
	char		 secret[WEBHOOK_SECRET_TEXT_MAX], id[96];
	struct resp	*r;

	p2c_secret(secret);
	msg_id(id, sizeof(id), "invalid");
	r = post_signed("demo-pharmacy", secret, id, 0, "not json", NULL);
	expect_problem(r, 422, "invalid-message");
	ck_assert(has_error_field(r, "body"));
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM audit_event WHERE request_id = '%s'",
	    r->rid), 0);
	resp_free(r);
	r = post_signed("demo-pharmacy", secret, id, 0, "{\"type\":\"Prescription\","
	    "\"timestamp\":\"26/11/2026\",\"data\":[1]}", NULL);
	expect_problem(r, 422, "invalid-message");
	ck_assert(has_error_field(r, "type"));
	ck_assert(has_error_field(r, "timestamp"));
	ck_assert(has_error_field(r, "data"));
	resp_free(r);
	{
		char	long_id[200];

		memset(long_id, 'x', sizeof(long_id) - 1);
		long_id[sizeof(long_id) - 1] = '\0';
		r = post_signed("demo-pharmacy", secret, long_id, 0, "{\"type\":\"test.long\","
		    "\"timestamp\":\"2026-11-26T10:00:00Z\",\"data\":{}}", NULL);
		expect_problem(r, 422, "invalid-message");
		ck_assert(has_error_field(r, "webhook-id"));
		resp_free(r);
		ck_assert_int_eq(inbox_rows(long_id), 0);
	}
	r = post_signed("demo-pharmacy", secret, id, 0, "{\"data\":{}}", NULL);
	expect_problem(r, 422, "invalid-message");
	ck_assert(has_error_field(r, "type"));
	ck_assert(has_error_field(r, "timestamp"));
	ck_assert(!has_error_field(r, "data"));
	resp_free(r);
	/* A known type without the members it needs. */
	r = post_signed("demo-pharmacy", secret, id, 0, "{\"type\":\"prescription.rejected\","
	    "\"timestamp\":\"2026-11-26T10:00:00Z\",\"data\":{\"prescription_id\":\"x\"}}", NULL);
	expect_problem(r, 422, "invalid-message");
	ck_assert(has_error_field(r, "data.prescription_id"));
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM audit_event WHERE request_id = '%s'",
	    r->rid), 0);
	resp_free(r);
	/* The exact member inside an array is named, and only it. */
	r = post_signed("demo-pharmacy", secret, id, 0, "{\"type\":\"prescription.out_of_stock\","
	    "\"timestamp\":\"2026-11-26T10:00:00Z\",\"data\":{\"prescription_id\":1,"
	    "\"missing\":[{\"product_id\":\"one\",\"needed\":2,\"available\":0,"
	    "\"unit\":\"mg\"}]}}", NULL);
	expect_problem(r, 422, "invalid-message");
	ck_assert(has_error_field(r, "data.missing[0].product_id"));
	ck_assert(!has_error_field(r, "data"));
	ck_assert(!has_error_field(r, "data.prescription_id"));
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM audit_event WHERE request_id = '%s'",
	    r->rid), 0);
	resp_free(r);
	/* A stock message whose as_of is not a time names data.as_of. */
	r = post_signed("demo-pharmacy", secret, id, 0, "{\"type\":\"stock.snapshot\","
	    "\"timestamp\":\"2026-11-26T10:00:00Z\",\"data\":{\"as_of\":\"yesterday\","
	    "\"items\":[]}}", NULL);
	expect_problem(r, 422, "invalid-message");
	ck_assert(has_error_field(r, "data.as_of"));
	resp_free(r);
	ck_assert_int_eq(inbox_rows(id), 0);
	/*
	 * The data is checked before anything else is looked at or applied: bad
	 * data under a webhook-id already taken is still 422 naming the member
	 * (not 200 duplicate), and the kept message is left as it was.
	 */
	msg_id(id, sizeof(id), "invalid-seen");
	r = post_signed("demo-pharmacy", secret, id, 0, "{\"type\":\"test.seen\","
	    "\"timestamp\":\"2026-11-26T10:00:00Z\",\"data\":{}}", NULL);
	ck_assert_msg(r->status == 200, "first delivery: %s", rdesc(r));
	resp_free(r);
	ck_assert_int_eq(inbox_rows(id), 1);
	r = post_signed("demo-pharmacy", secret, id, 0, "{\"type\":\"prescription.out_of_stock\","
	    "\"timestamp\":\"2026-11-26T10:00:00Z\",\"data\":{\"prescription_id\":1,"
	    "\"missing\":[{\"product_id\":2,\"needed\":\"two\",\"available\":0,"
	    "\"unit\":\"mg\"}]}}", NULL);
	expect_problem(r, 422, "invalid-message");
	ck_assert(has_error_field(r, "data.missing[0].needed"));
	resp_free(r);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM bridge_inbox WHERE webhook_id = '%s' AND"
	    " type = 'test.seen'", id), 1);
}
END_TEST

START_TEST(test_unknown_and_inactive_partner)
{
	char		 secret[WEBHOOK_SECRET_TEXT_MAX], id[96], code[40], out[2048];
	const char	*body = "{\"type\":\"test.partner\",\"timestamp\":\"2026-11-26T10:00:00Z\","
			    "\"data\":{}}";
	char		*send, *recv;
	struct resp	*r;

	p2c_secret(secret);
	msg_id(id, sizeof(id), "partner");
	r = post_signed("no-such-pharmacy", secret, id, 0, body, NULL);
	expect_problem(r, 404, "not-found");
	resp_free(r);
	r = post_signed("Demo_Pharmacy", secret, id, 0, body, NULL);
	expect_problem(r, 404, "not-found");
	resp_free(r);
	/* An inactive partner with this very secret: 404 all the same. */
	send = temp_file(secret);
	recv = temp_file(secret);
	(void)snprintf(code, sizeof(code), "t-%d-%d", (int)getpid(), ++seq);
	{
		const char *const argv[] = { "partner-set", "--code", code, "--name", "Closed",
		    "--url", "https://closed.example", "--send-secret-file", send,
		    "--receive-secret-file", recv, "--inactive", NULL };

		ck_assert_msg(run_clinic(out, sizeof(out), argv) == 0, "partner-set: %s", out);
	}
	r = post_signed(code, secret, id, 0, body, NULL);
	expect_problem(r, 404, "not-found");
	resp_free(r);
	ck_assert_int_eq(inbox_rows(id), 0);
	(void)unlink(send);
	(void)unlink(recv);
	free(send);
	free(recv);
}
END_TEST

/* ---- clinic partner-set ---- */

START_TEST(test_partner_set)
{
	char		 secret[WEBHOOK_SECRET_TEXT_MAX], code[40], out[2048];
	char		*good, *bad, *det;
	int64_t		 id;

	p2c_secret(secret);
	good = temp_file(secret);
	bad = temp_file("whsec_dG9vIHNob3J0");
	(void)snprintf(code, sizeof(code), "cli-%d-%d", (int)getpid(), ++seq);
	{
		const char *const usage[] = { "partner-set", "--code", code, NULL };
		const char *const badcode[] = { "partner-set", "--code", "Bad_Code", "--name", "x",
		    "--url", "https://x.example", "--send-secret-file", good,
		    "--receive-secret-file", good, NULL };
		const char *const plain[] = { "partner-set", "--code", code, "--name", "x",
		    "--url", "http://pharmacy.example", "--send-secret-file", good,
		    "--receive-secret-file", good, NULL };
		const char *const query[] = { "partner-set", "--code", code, "--name", "x",
		    "--url", "https://pharmacy.example/?a=b", "--send-secret-file", good,
		    "--receive-secret-file", good, NULL };
		const char *const weak[] = { "partner-set", "--code", code, "--name", "x",
		    "--url", "https://pharmacy.example", "--send-secret-file", good,
		    "--receive-secret-file", bad, NULL };
		const char *const ok[] = { "partner-set", "--code", code, "--name", "Quay Pharmacy",
		    "--url", "https://pharmacy.example/clinic/", "--send-secret-file", good,
		    "--receive-secret-file", good, NULL };
		const char *const again[] = { "partner-set", "--code", code, "--name",
		    "Quay Pharmacy Ltd", "--url", "http://127.0.0.1:9", "--send-secret-file", good,
		    "--receive-secret-file", good, "--inactive", NULL };

		ck_assert_int_eq(run_clinic(out, sizeof(out), usage), 2);
		ck_assert_int_eq(run_clinic(out, sizeof(out), badcode), 1);
		ck_assert_msg(strstr(out, "--code") != NULL, "%s", out);
		ck_assert_int_eq(run_clinic(out, sizeof(out), plain), 1);
		ck_assert_msg(strstr(out, "https") != NULL, "%s", out);
		ck_assert_int_eq(run_clinic(out, sizeof(out), query), 1);
		ck_assert_int_eq(run_clinic(out, sizeof(out), weak), 1);
		ck_assert_msg(strstr(out, "whsec_") != NULL, "%s", out);
		ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM pharmacy_partner WHERE code = '%s'",
		    code), 0);
		ck_assert_msg(run_clinic(out, sizeof(out), ok) == 0, "%s", out);
		id = sql_int("SELECT id FROM pharmacy_partner WHERE code = '%s' AND active = 1 AND"
		    " base_url = 'https://pharmacy.example/clinic' AND name = 'Quay Pharmacy'", code);
		ck_assert_int_gt(id, 0);
		/* Sealed, not stored as given. */
		ck_assert_int_eq(sql_int("SELECT LOCATE('whsec_', send_secret_sealed) +"
		    " LOCATE('whsec_', receive_secret_sealed) FROM pharmacy_partner WHERE id = %lld",
		    (long long)id), 0);
		ck_assert_msg(run_clinic(out, sizeof(out), again) == 0, "%s", out);
		ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM pharmacy_partner WHERE code = '%s'",
		    code), 1);
		ck_assert_int_eq(sql_int("SELECT id FROM pharmacy_partner WHERE code = '%s' AND"
		    " active = 0 AND name = 'Quay Pharmacy Ltd'", code), id);
	}
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM audit_event WHERE action ="
	    " 'bridge.partner_set' AND entity_id = '%lld' AND actor_role = 'system'",
	    (long long)id), 2);
	det = sql_str("SELECT GROUP_CONCAT(details) FROM audit_event WHERE action ="
	    " 'bridge.partner_set' AND entity_id = '%lld'", (long long)id);
	ck_assert(det != NULL);
	ck_assert_msg(strstr(det, "whsec_") == NULL && strstr(det, secret + 6) == NULL,
	    "a secret in the audit: %s", det);
	free(det);
	(void)unlink(good);
	(void)unlink(bad);
	free(good);
	free(bad);
}
END_TEST

/* ---- the outbox's dead letters ---- */

/* A dead letter of a kind no dispatcher delivers (so a replay stays pending). */
static int64_t
dead_letter(const char *kind)
{
	ck_assert_msg(sql_exec("INSERT INTO outbox (kind, payload, idempotency_key, status,"
	    " attempts, next_attempt_at, last_error, created_at) VALUES ('%s',"
	    " '{\"patient\":\"Secret Name\"}', 'test-dead-%ld-%d-%d', 'failed', 20,"
	    " UTC_TIMESTAMP(6), 'the provider answered 503', UTC_TIMESTAMP(6))", kind,
	    (long)time(NULL), (int)getpid(), ++seq) == 0, "outbox: %s", sql_error());
	return sql_int("SELECT LAST_INSERT_ID()");
}

/* The message with id in r's "messages", or NULL. */
static json_object *
listed(const struct resp *r, int64_t id)
{
	json_object	*a = jget(r->json, "messages"), *e;
	size_t		 i;

	ck_assert(a != NULL && json_object_is_type(a, json_type_array));
	for (i = 0; i < json_object_array_length(a); i++) {
		e = json_object_array_get_idx(a, i);
		if (jint(e, "id") == id)
			return e;
	}
	return NULL;
}

START_TEST(test_outbox_list_and_replay)
{
	struct browser	*admin = staff_new("admin", NULL), *pharmacist;
	struct user	 pat;
	struct resp	*r;
	json_object	*m;
	char		 kind[48], path[96];
	int64_t		 id;

	(void)snprintf(kind, sizeof(kind), "test%d.replay", (int)getpid());
	id = dead_letter(kind);
	r = api_get(admin, "/api/v1/outbox?status=failed&kind=%s&limit=50", kind);
	ck_assert_msg(r->status == 200, "list: %s", rdesc(r));
	ck_assert_msg((m = listed(r, id)) != NULL, "not listed: %s", r->body);
	ck_assert_str_eq(jstr(m, "status"), "failed");
	ck_assert(jbool(m, "dead_letter"));
	ck_assert_int_eq(jint(m, "attempts"), 20);
	ck_assert_str_eq(jstr(m, "last_error"), "the provider answered 503");
	ck_assert(jget(m, "payload") == NULL);
	ck_assert_msg(strstr(r->body, "Secret Name") == NULL, "a payload shown: %s", r->body);
	ck_assert_int_eq(jint(r->json, "counts.failed"), 1);
	ck_assert_int_eq(jint(r->json, "counts.pending"), 0);
	resp_free(r);
	/* The family filter (a kind ending in a dot). */
	r = api_get(admin, "/api/v1/outbox?kind=test%d.", (int)getpid());
	ck_assert_msg(r->status == 200 && listed(r, id) != NULL, "family: %s", rdesc(r));
	resp_free(r);
	r = api_get(admin, "/api/v1/outbox?status=lost");
	expect_problem(r, 400, "validation");
	ck_assert(has_error_field(r, "status"));
	resp_free(r);
	/* Admins only (to a patient, staff routes do not exist). */
	user_register(&pat, "outbox");
	r = api_get(pat.b, "/api/v1/outbox");
	expect_problem(r, 404, "not-found");
	resp_free(r);
	(void)snprintf(path, sizeof(path), "/api/v1/outbox/%lld/replay", (long long)id);
	r = api(pat.b, "POST", path, "{}");
	expect_problem(r, 404, "not-found");
	resp_free(r);
	user_free(&pat);
	pharmacist = staff_new("pharmacist", NULL);
	r = api_get(pharmacist, "/api/v1/outbox");
	expect_problem(r, 403, "forbidden");
	resp_free(r);
	r = api(pharmacist, "POST", path, "{}");
	expect_problem(r, 403, "forbidden");
	resp_free(r);
	br_free(pharmacist);
	ck_assert_int_eq(sql_int("SELECT status = 'failed' FROM outbox WHERE id = %lld",
	    (long long)id), 1);
	/* Replay: pending again from the first attempt, audited; once. */
	r = api(admin, "POST", path, "{}");
	ck_assert_msg(r->status == 200, "replay: %s", rdesc(r));
	expect_one_audit(r, "outbox.replayed", "success");
	ck_assert_str_eq(jstr(r->json, "status"), "pending");
	ck_assert_int_eq(jint(r->json, "attempts"), 0);
	ck_assert(!jbool(r->json, "dead_letter"));
	resp_free(r);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM outbox WHERE id = %lld AND status ="
	    " 'pending' AND attempts = 0 AND next_attempt_at <= UTC_TIMESTAMP(6)", (long long)id), 1);
	ck_assert_int_eq(sql_int("SELECT JSON_VALUE(details, '$.attempts_before') FROM audit_event"
	    " WHERE action = 'outbox.replayed' AND entity_id = '%lld'", (long long)id), 20);
	r = api(admin, "POST", path, "{}");
	expect_problem(r, 409, "not-dead-letter");
	resp_free(r);
	r = api(admin, "POST", "/api/v1/outbox/999999999999/replay", "{}");
	expect_problem(r, 404, "not-found");
	resp_free(r);
	r = api(admin, "POST", "/api/v1/outbox/abc/replay", "{}");
	expect_problem(r, 404, "not-found");
	resp_free(r);
	br_free(admin);
}
END_TEST

/* ---- delivery to the pharmacy ---- */

START_TEST(test_sent_when_delivered)
{
	struct rxfx	 f;
	double		 until;
	int64_t		 done = 0;

	rx_signed(&f);
	/* dispatch delivers it to the demo pharmacy (this stack's pharmacy.fcgi). */
	until = now_secs() + 60;
	while (now_secs() < until && (done = sql_int("SELECT COUNT(*) FROM outbox WHERE"
	    " idempotency_key = 'rx-%lld-sent' AND status = 'done'", (long long)f.rx)) != 1)
		(void)usleep(250 * 1000);
	ck_assert_msg(done == 1, "not delivered: %s", sql_str("SELECT CONCAT(status, ' ',"
	    " attempts, ' ', COALESCE(last_error, '')) FROM outbox WHERE idempotency_key ="
	    " 'rx-%lld-sent'", (long long)f.rx));
	/* Delivered: 'sent' (or further, if the pharmacy has answered since), with its event. */
	ck_assert_int_eq(sql_int("SELECT pharmacy_ref IS NOT NULL FROM prescription WHERE id = %lld",
	    (long long)f.rx), 1);
	ck_assert_int_eq(sql_int("SELECT status NOT IN ('draft', 'signed') FROM prescription"
	    " WHERE id = %lld", (long long)f.rx), 1);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM prescription_event WHERE prescription_id ="
	    " %lld AND status = 'sent' AND source = 'clinic' AND actor_id IS NULL",
	    (long long)f.rx), 1);
	/* The patient's details left with the message: the row keeps none. */
	ck_assert_int_eq(sql_int("SELECT JSON_EXTRACT(payload, '$.redacted') = 'true' FROM outbox"
	    " WHERE idempotency_key = 'rx-%lld-sent'", (long long)f.rx), 1);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM audit_event WHERE action ="
	    " 'outbox.delivered' AND entity_id = (SELECT id FROM outbox WHERE idempotency_key ="
	    " 'rx-%lld-sent')", (long long)f.rx), 1);
	/* The pharmacy holds it once, by the same webhook-id. */
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM ph_inbox WHERE webhook_id = 'rx-%lld-sent'",
	    (long long)f.rx), 1);
	rx_free(&f);
}
END_TEST

/* ---- Retry-After, from a partner that is busy ---- */

/*
 * A one-answer-fits-all HTTP server on 127.0.0.1 (a child process): every
 * request gets 429 with Retry-After: 7. Returns its port; *pid is the child.
 */
static int
busy_partner(pid_t *pid)
{
	static const char	answer[] = "HTTP/1.1 429 Too Many Requests\r\nRetry-After: 7\r\n"
				    "Content-Type: application/json\r\nContent-Length: 2\r\n"
				    "Connection: close\r\n\r\n{}";
	struct sockaddr_in	 a;
	socklen_t		 alen = sizeof(a);
	char			 buf[8192];
	int			 fd, c;

	ck_assert((fd = socket(AF_INET, SOCK_STREAM, 0)) != -1);
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert(bind(fd, (struct sockaddr *)&a, sizeof(a)) == 0);
	ck_assert(listen(fd, 8) == 0);
	ck_assert(getsockname(fd, (struct sockaddr *)&a, &alen) == 0);
	ck_assert((*pid = fork()) != -1);
	if (*pid == 0) {
		/* Not check's handlers (they end the test's process group); gone in a minute anyway. */
		(void)signal(SIGTERM, SIG_DFL);
		(void)signal(SIGALRM, SIG_DFL);
		(void)alarm(60);
		for (;;) {
			if ((c = accept(fd, NULL, NULL)) == -1)
				continue;
			/* The request's head and (small) body; its content does not matter. */
			(void)recv(c, buf, sizeof(buf), 0);
			(void)send(c, answer, sizeof(answer) - 1, MSG_NOSIGNAL);
			(void)close(c);
		}
	}
	(void)close(fd);
	return ntohs(a.sin_port);
}

START_TEST(test_retry_after_honoured)
{
	struct rxfx	 f;
	char		 secret[WEBHOOK_SECRET_TEXT_MAX], code[40], url[64], out[2048];
	char		*file, *before;
	double		 until;
	int64_t		 outbox = 0, got = 0, partner;
	pid_t		 srv;
	int		 port = busy_partner(&srv), st;

	conf_secret("pharmacy_clinic_secret_in", secret);
	file = temp_file(secret);
	(void)snprintf(code, sizeof(code), "busy-%d-%d", (int)getpid(), ++seq);
	(void)snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
	{
		const char *const argv[] = { "partner-set", "--code", code, "--name", "Busy",
		    "--url", url, "--send-secret-file", file, "--receive-secret-file", file, NULL };

		ck_assert_msg(run_clinic(out, sizeof(out), argv) == 0, "partner-set: %s", out);
	}
	partner = sql_int("SELECT id FROM pharmacy_partner WHERE code = '%s'", code);
	/* Signed while it is the first active partner: the prescription is its. */
	before = sql_str("SELECT GROUP_CONCAT(id) FROM pharmacy_partner WHERE active = 1 AND id <"
	    " %lld", (long long)partner);
	ck_assert(before != NULL);
	ck_assert(sql_exec("UPDATE pharmacy_partner SET active = 0 WHERE FIND_IN_SET(id, '%s')",
	    before) == 0);
	rx_signed(&f);
	ck_assert(sql_exec("UPDATE pharmacy_partner SET active = 1 WHERE FIND_IN_SET(id, '%s')",
	    before) == 0);
	free(before);
	ck_assert_int_eq(sql_int("SELECT pharmacy_id FROM prescription WHERE id = %lld",
	    (long long)f.rx), partner);
	outbox = sql_int("SELECT id FROM outbox WHERE idempotency_key = 'rx-%lld-sent'",
	    (long long)f.rx);
	until = now_secs() + 30;
	while (now_secs() < until && (got = sql_int("SELECT COUNT(*) FROM audit_event WHERE action"
	    " = 'outbox.retry_scheduled' AND entity_id = '%lld'", (long long)outbox)) < 1)
		(void)usleep(200 * 1000);
	ck_assert_msg(got >= 1, "no retry was scheduled: %s", sql_str("SELECT CONCAT(status, ' ',"
	    " attempts, ' ', COALESCE(last_error, '')) FROM outbox WHERE id = %lld",
	    (long long)outbox));
	/* The partner's 7 s is a floor under the (test stack's short) backoff. */
	ck_assert_int_eq(sql_int("SELECT JSON_VALUE(details, '$.retry_after_ms') FROM audit_event"
	    " WHERE action = 'outbox.retry_scheduled' AND entity_id = '%lld' ORDER BY seq LIMIT 1",
	    (long long)outbox), 7000);
	ck_assert_int_ge(sql_int("SELECT JSON_VALUE(details, '$.retry_in_ms') FROM audit_event"
	    " WHERE action = 'outbox.retry_scheduled' AND entity_id = '%lld' ORDER BY seq LIMIT 1",
	    (long long)outbox), 7000);
	ck_assert_int_eq(sql_int("SELECT last_error = 'the provider answered 429' FROM outbox"
	    " WHERE id = %lld", (long long)outbox), 1);
	(void)kill(srv, SIGKILL);
	(void)waitpid(srv, &st, 0);
	/* Then the partner points at this stack's pharmacy: the prescription gets there. */
	(void)snprintf(url, sizeof(url), "%s", E.url);
	{
		const char *const argv[] = { "partner-set", "--code", code, "--name", "Busy",
		    "--url", url, "--send-secret-file", file, "--receive-secret-file", file, NULL };

		ck_assert_msg(run_clinic(out, sizeof(out), argv) == 0, "partner-set: %s", out);
	}
	until = now_secs() + 90;
	while (now_secs() < until && sql_int("SELECT status = 'done' FROM outbox WHERE id = %lld",
	    (long long)outbox) != 1)
		(void)usleep(300 * 1000);
	ck_assert_msg(sql_int("SELECT status = 'done' FROM outbox WHERE id = %lld",
	    (long long)outbox) == 1, "not delivered after the 429: %s", sql_str("SELECT"
	    " CONCAT(status, ' ', attempts, ' ', COALESCE(last_error, '')) FROM outbox WHERE id ="
	    " %lld", (long long)outbox));
	/* Delivered: Busy closes, so that later tests see the demo pharmacy as the only partner. */
	{
		const char *const argv[] = { "partner-set", "--code", code, "--name", "Busy",
		    "--url", url, "--send-secret-file", file, "--receive-secret-file", file,
		    "--inactive", NULL };

		ck_assert_msg(run_clinic(out, sizeof(out), argv) == 0, "partner-set: %s", out);
	}
	(void)unlink(file);
	free(file);
	rx_free(&f);
}
END_TEST

Suite *
bridge_suite(void)
{
	Suite	*s = suite_create("bridge");
	TCase	*tc = tcase_create("transport");

	tcase_add_checked_fixture(tc, fx_clear_throttle, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_unknown_type_stored_once);
	tcase_add_test(tc, test_prescription_message_applied_once);
	tcase_add_test(tc, test_refused_signatures);
	tcase_add_test(tc, test_refused_non_ascii_id);
	tcase_add_test(tc, test_ids_differing_in_case);
	tcase_add_test(tc, test_tampered_body_refused);
	tcase_add_test(tc, test_invalid_message);
	tcase_add_test(tc, test_unknown_and_inactive_partner);
	tcase_add_test(tc, test_partner_set);
	tcase_add_test(tc, test_outbox_list_and_replay);
	tcase_add_test(tc, test_sent_when_delivered);
	tcase_add_test(tc, test_retry_after_honoured);
	suite_add_tcase(s, tc);
	return s;
}
