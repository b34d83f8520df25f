/*
 * API tests (issue 6, helper B): what the pharmacy's news does at the
 * clinic (bridge_apply through POST /api/v1/bridge/events/demo-pharmacy,
 * each message signed here with webhook_sign() under the test stack's
 * pharmacy→clinic secret), the notifications it leaves, stock and
 * availability, and the pipeline with its limits.
 *
 * The prescriptions the messages are about are copies, made by root, of a
 * really signed one (document and signature included) with the demo
 * pharmacy as their pharmacy and no outbox row: the stack's own pharmacy
 * never hears of them, so only this file's messages move them. Stock
 * figures are dated ahead of now (as_of tomorrow and later), so the
 * pharmacy's periodic snapshot (dated now) never overrides them mid-test.
 * Prescriptions left open are closed at the end of each test (root), so the
 * pipeline of other suites shows nothing stuck of ours.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "helpers.h"
#include "webhook.h"

#define EVENTS		"/api/v1/bridge/events/demo-pharmacy"
#define RX		"/api/v1/prescriptions"

static int	seq;

struct fx {
	struct user	 pat;
	struct browser	*spec;
	int64_t		 spec_id;
	char		 secret[40];
	int64_t		 flower, oil, capsule, spray;	/* all four in the plan */
	int64_t		 plan;
	int64_t		 signed_id;	/* the really signed one */
	int64_t		 partner;	/* demo-pharmacy's id */
};

/* ---- signed messages ---- */

/* The whsec_ text of the pharmacy_clinic_secret_out line of the test conf, decoded. */
static void
p2c_key(unsigned char key[WEBHOOK_SECRET_MAX], size_t *keylen)
{
	static const char	 want[] = "pharmacy_clinic_secret_out";
	char			 line[600], *p;
	FILE			*f;
	int			 found = 0;

	ck_assert_msg((f = fopen(E.conf, "r")) != NULL, "cannot open %s", E.conf);
	while (!found && fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, want, strlen(want)) != 0)
			continue;
		p = line + strlen(want);
		while (*p == ' ' || *p == '\t' || *p == '=')
			p++;
		p[strcspn(p, " \t\r\n")] = '\0';
		ck_assert_int_eq(webhook_secret_decode(p, key, keylen), CE_OK);
		found = 1;
	}
	(void)fclose(f);
	ck_assert_msg(found, "%s has no %s", E.conf, want);
}

/* POSTs {"type", "timestamp", "data"} signed as the demo pharmacy; id "" makes a fresh one. */
static struct resp *
event_as(const char *id, const char *type, const char *data)
{
	unsigned char	 key[WEBHOOK_SECRET_MAX];
	size_t		 keylen = 0;
	char		 wid[96], sig[WEBHOOK_SIG_LEN], hid[160], hts[64], hsig[96], ts[32];
	char		*body;
	const char	*hdrs[4];
	time_t		 now = time(NULL);
	struct tm	 tm;
	struct browser	*b;
	struct resp	*r;
	size_t		 cap;
	int		 n;

	if (*id == '\0') {
		n = snprintf(wid, sizeof(wid), "views-%ld-%d-%d", (long)now, (int)getpid(), ++seq);
		ck_assert(n > 0 && (size_t)n < sizeof(wid));
	} else {
		ck_assert(strlen(id) < sizeof(wid));
		memcpy(wid, id, strlen(id) + 1);
	}
	ck_assert(gmtime_r(&now, &tm) != NULL);
	ck_assert(strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm) > 0);
	cap = strlen(type) + strlen(data) + 128;
	ck_assert((body = malloc(cap)) != NULL);
	n = snprintf(body, cap, "{\"type\":\"%s\",\"timestamp\":\"%s\",\"data\":%s}", type, ts, data);
	ck_assert(n > 0 && (size_t)n < cap);
	p2c_key(key, &keylen);
	ck_assert_int_eq(webhook_sign(key, keylen, wid, (int64_t)now, body, strlen(body), sig),
	    CE_OK);
	(void)snprintf(hid, sizeof(hid), "webhook-id: %s", wid);
	(void)snprintf(hts, sizeof(hts), "webhook-timestamp: %lld", (long long)now);
	(void)snprintf(hsig, sizeof(hsig), "webhook-signature: %s", sig);
	hdrs[0] = hid;
	hdrs[1] = hts;
	hdrs[2] = hsig;
	hdrs[3] = NULL;
	b = br_new();
	r = http_raw(b, "POST", EVENTS, body, strlen(body), "application/json", NULL, hdrs);
	br_free(b);
	free(body);
	return r;
}

/* A message that must be received (200): returns its outcome ("applied", "ignored", "unknown"). */
static void
event_expect(const char *outcome, const char *type, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
event_expect(const char *outcome, const char *type, const char *fmt, ...)
{
	char		 data[4096];
	va_list		 ap;
	struct resp	*r;
	int		 n;

	va_start(ap, fmt);
	n = vsnprintf(data, sizeof(data), fmt, ap);
	va_end(ap);
	ck_assert(n > 0 && (size_t)n < sizeof(data));
	r = event_as("", type, data);
	ck_assert_msg(r->status == 200, "%s: %s", type, rdesc(r));
	ck_assert_msg(jstr(r->json, "outcome") != NULL && strcmp(jstr(r->json, "outcome"),
	    outcome) == 0, "%s: wanted %s, got %s", type, outcome, rdesc(r));
	resp_free(r);
}

/* An as_of `days` days ahead (see the top of the file). */
static void
as_of(char out[32], int days)
{
	time_t		now = time(NULL) + (time_t)days * 86400;
	struct tm	tm;

	ck_assert(gmtime_r(&now, &tm) != NULL);
	ck_assert(strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) > 0);
}

/* ---- fixture ---- */

static int64_t
product_new(const char *form, const char *unit, long long pack)
{
	char	name[64];
	int	n = snprintf(name, sizeof(name), "Views %ld-%d-%d", (long)time(NULL), (int)getpid(),
		    ++seq);

	ck_assert(n > 0 && (size_t)n < sizeof(name));
	ck_assert_msg(sql_exec("INSERT INTO formulary_product (supplier, brand, name, form,"
	    " supply_unit, pack_size, thc_ug_per_unit, cbd_ug_per_unit, active, created_at,"
	    " updated_at) VALUES ('Views Supplies', 'Meadow', '%s', '%s', '%s', %lld, 100, 10, 1,"
	    " UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))", name, form, unit, pack) == 0, "product: %s",
	    sql_error());
	return sql_int("SELECT LAST_INSERT_ID()");
}

static void
fx_new(struct fx *f)
{
	char		 code[7], path[96];
	struct resp	*r;
	int64_t		 draft;

	memset(f, 0, sizeof(*f));
	user_register(&f->pat, "views");
	patient_verified(f->pat.id);
	ck_assert_msg(sql_exec("INSERT INTO patient_profile (user_id, address_line1, town, postcode,"
	    " updated_at) VALUES (%lld, '3 Mill Lane', 'Leeds', 'LS1 4AB', UTC_TIMESTAMP(6))"
	    " ON DUPLICATE KEY UPDATE address_line1 = '3 Mill Lane', town = 'Leeds'",
	    (long long)f->pat.id) == 0, "profile: %s", sql_error());
	f->spec = clinician_new(true, &f->spec_id, f->secret);
	f->flower = product_new("flower", "mg", 10000);
	f->oil = product_new("oil", "ul", 30000);
	f->capsule = product_new("capsule", "each", 30);
	f->spray = product_new("spray", "ul", 10000);
	ck_assert_msg(sql_exec("INSERT INTO treatment_plan (patient_id, condition_name, version,"
	    " status, body, author_id, reason, changed_at) VALUES (%lld, 'Neuropathic pain %d', 1,"
	    " 'active', '{\"items\":[{\"product_id\":%lld,\"dose\":\"0.5 g vaporised twice a day\","
	    "\"daily_amount\":1000,\"max_per_30d\":30000},{\"product_id\":%lld,\"dose\":\"0.5 ml"
	    " under the tongue twice a day\",\"daily_amount\":1000,\"max_per_30d\":30000},"
	    "{\"product_id\":%lld,\"dose\":\"one capsule at night\",\"daily_amount\":1,"
	    "\"max_per_30d\":30},{\"product_id\":%lld,\"dose\":\"two sprays at night\","
	    "\"daily_amount\":200,\"max_per_30d\":6000}],\"form_limits\":[],"
	    "\"max_thc_mg_per_day\":300,\"review_date\":\"2099-01-01\",\"notes\":\"\"}', %lld,"
	    " 'start', UTC_TIMESTAMP(6))", (long long)f->pat.id, ++seq, (long long)f->flower,
	    (long long)f->oil, (long long)f->capsule, (long long)f->spray,
	    (long long)f->spec_id) == 0, "plan: %s", sql_error());
	f->plan = sql_int("SELECT LAST_INSERT_ID()");
	r = apif(f->spec, "POST", RX, "{\"patient_id\":%lld,\"plan_id\":%lld,\"product_id\":%lld,"
	    "\"quantity\":10000}", (long long)f->pat.id, (long long)f->plan, (long long)f->flower);
	ck_assert_msg(r->status == 201, "draft: %s", rdesc(r));
	draft = jint(r->json, "id");
	resp_free(r);
	totp_at(f->secret, totp_step_now() + 1, code);
	(void)snprintf(path, sizeof(path), RX "/%lld/sign", (long long)draft);
	r = apif(f->spec, "POST", path, "{\"code\":\"%s\"}", code);
	ck_assert_msg(r->status == 200, "sign: %s", rdesc(r));
	resp_free(r);
	f->signed_id = draft;
	f->partner = sql_int("SELECT id FROM pharmacy_partner WHERE code = 'demo-pharmacy'");
	ck_assert_msg(f->partner > 0, "no demo-pharmacy partner");
}

/*
 * A copy of the signed prescription in status, at the demo pharmacy, no
 * outbox row, valid until the SQL expression until (the original's
 * "valid_until", or another time: a signed row's validity never changes).
 */
static int64_t
rx_copy_until(const struct fx *f, const char *status, const char *until)
{
	ck_assert_msg(sql_exec("INSERT INTO prescription (patient_id, plan_id, plan_version,"
	    " prescriber_id, product_id, pharmacy_id, status, initial, dose, quantity, daily_amount,"
	    " days_supply, thc_ug_total, cbd_ug_total, effective_at, created_at, updated_at,"
	    " signed_at, valid_until, key_id, document, signature, paper_required,"
	    " status_changed_at) SELECT patient_id, plan_id, plan_version, prescriber_id,"
	    " product_id, %lld, '%s', initial, dose, quantity, daily_amount, days_supply,"
	    " thc_ug_total, cbd_ug_total, effective_at, created_at, updated_at, signed_at,"
	    " %s, key_id, document, signature, paper_required, UTC_TIMESTAMP(6)"
	    " FROM prescription WHERE id = %lld", (long long)f->partner, status, until,
	    (long long)f->signed_id) == 0, "copy: %s", sql_error());
	return sql_int("SELECT LAST_INSERT_ID()");
}

/* A copy of the signed prescription in status (rx_copy_until), valid as long as it. */
static int64_t
rx_copy(const struct fx *f, const char *status)
{
	return rx_copy_until(f, status, "valid_until");
}

/* Closes what the fixture left open (see the top of the file). */
static void
fx_free(struct fx *f)
{
	ck_assert_msg(sql_exec("UPDATE prescription SET status = 'delivered',"
	    " status_changed_at = UTC_TIMESTAMP(6) WHERE patient_id = %lld AND status IN"
	    " ('signed','sent','out_of_stock','awaiting_paper','accepted','dispensed','shipped')"
	    " AND id <> %lld", (long long)f->pat.id, (long long)f->signed_id) == 0, "close: %s",
	    sql_error());
	br_free(f->spec);
	user_free(&f->pat);
}

static char *
status_of(int64_t rx)
{
	return sql_str("SELECT status FROM prescription WHERE id = %lld", (long long)rx);
}

static void
expect_status(int64_t rx, const char *want)
{
	char	*s = status_of(rx);

	ck_assert_msg(s != NULL && strcmp(s, want) == 0, "prescription %lld is %s, not %s",
	    (long long)rx, s != NULL ? s : "(none)", want);
	free(s);
}

/* The newest notification of b's user with kind about rx (asserts one), as the API lists it. */
static json_object *
note_for(struct browser *b, const char *kind, int64_t rx, struct resp **keep)
{
	struct resp	*r = api_get(b, "/api/v1/notifications");
	json_object	*a, *n;
	size_t		 i;

	ck_assert_msg(r->status == 200, "notifications: %s", rdesc(r));
	a = jget(r->json, "notifications");
	ck_assert(a != NULL);
	for (i = 0; i < json_object_array_length(a); i++) {
		n = json_object_array_get_idx(a, i);
		if (strcmp(jstr(n, "kind"), kind) == 0 && jint(n, "data.prescription_id") == rx) {
			*keep = r;
			return n;
		}
	}
	ck_abort_msg("no %s notification about %lld: %s", kind, (long long)rx, rdesc(r));
	return NULL;
}

/* True when the JSON array a holds an object whose member k is v. */
static bool
has_id(json_object *a, const char *k, int64_t v)
{
	size_t	i;

	for (i = 0; a != NULL && i < json_object_array_length(a); i++)
		if (jint(json_object_array_get_idx(a, i), k) == v)
			return true;
	return false;
}

/* ---- tests ---- */

/*
 * Out of stock reaches the prescriber (figures, expected date, the plan's
 * alternatives that are available or not reported) and the patient (plain
 * words, no alternatives) at once, through the notifications API; the
 * patient's prescription says where it is; audited as the system.
 */
START_TEST(test_out_of_stock)
{
	struct fx	 f;
	struct resp	*keep, *r;
	json_object	*n, *alts;
	char		 t[32], want[64];
	int64_t		 rx;

	fx_new(&f);
	rx = rx_copy(&f, "sent");
	as_of(t, 1);
	/* the oil is in stock, the capsules are out, the spray has no figure */
	event_expect("applied", "stock.changed", "{\"as_of\":\"%s\",\"items\":[{\"product_id\":%lld,"
	    "\"available\":90000,\"unit\":\"ul\",\"expected_date\":null},{\"product_id\":%lld,"
	    "\"available\":0,\"unit\":\"each\",\"expected_date\":\"2030-02-01\"}]}", t,
	    (long long)f.oil, (long long)f.capsule);
	event_expect("applied", "prescription.received", "{\"prescription_id\":%lld,"
	    "\"pharmacy_ref\":\"PH-%lld\"}", (long long)rx, (long long)rx);
	expect_status(rx, "sent");
	event_expect("applied", "prescription.out_of_stock", "{\"prescription_id\":%lld,"
	    "\"pharmacy_ref\":\"PH-%lld\",\"missing\":[{\"product_id\":%lld,\"needed\":10000,"
	    "\"available\":4000,\"unit\":\"mg\"}],\"expected_date\":\"2030-01-15\"}", (long long)rx,
	    (long long)rx, (long long)f.flower);
	expect_status(rx, "out_of_stock");
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM prescription_event WHERE prescription_id ="
	    " %lld AND status = 'out_of_stock' AND source = 'pharmacy' AND"
	    " JSON_VALUE(detail, '$.expected_date') = '2030-01-15'", (long long)rx), 1);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM audit_event WHERE action ="
	    " 'prescription.out_of_stock' AND entity_id = '%lld' AND actor_role = 'system'",
	    (long long)rx), 1);

	/* the prescriber: figures, date, alternatives (oil and spray; not the capsules, not itself) */
	n = note_for(f.spec, "prescription.out_of_stock", rx, &keep);
	ck_assert_msg(strstr(jstr(n, "body"), "4 g available of the 10 g needed") != NULL, "%s",
	    jstr(n, "body"));
	ck_assert_msg(strstr(jstr(n, "body"), "15 January 2030") != NULL, "%s", jstr(n, "body"));
	ck_assert_str_eq(jstr(n, "data.expected_date"), "2030-01-15");
	alts = jget(n, "data.alternatives");
	ck_assert_msg(has_id(alts, "id", f.oil) && has_id(alts, "id", f.spray), "%s",
	    json_object_to_json_string(alts));
	ck_assert(!has_id(alts, "id", f.capsule));
	ck_assert(!has_id(alts, "id", f.flower));
	ck_assert_int_eq(jint(n, "data.missing.0.available"), 4000);
	ck_assert(!jbool(n, "read"));
	(void)snprintf(want, sizeof(want), "#/prescriptions/%lld", (long long)rx);
	ck_assert_str_eq(jstr(n, "link"), want);
	resp_free(keep);

	/* the patient: plain words, told the clinic will be in touch, no alternatives */
	n = note_for(f.pat.b, "prescription.out_of_stock", rx, &keep);
	ck_assert_msg(strstr(jstr(n, "body"), "will be in touch") != NULL, "%s", jstr(n, "body"));
	ck_assert_msg(strstr(jstr(n, "body"), "15 January 2030") != NULL, "%s", jstr(n, "body"));
	ck_assert(jget(n, "data.alternatives") == NULL);
	resp_free(keep);
	r = api_get(f.pat.b, RX "/%lld", (long long)rx);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert_str_eq(jstr(r->json, "where.stage"), "out_of_stock");
	ck_assert_str_eq(jstr(r->json, "where.expected_date"), "2030-01-15");
	(void)snprintf(want, sizeof(want), "PH-%lld", (long long)rx);
	ck_assert_str_eq(jstr(r->json, "where.pharmacy_ref"), want);
	ck_assert_msg(strstr(jstr(r->json, "where.sentence"), "waiting for stock") != NULL &&
	    strstr(jstr(r->json, "where.sentence"), "15 January 2030") != NULL, "%s",
	    jstr(r->json, "where.sentence"));
	resp_free(r);
	fx_free(&f);
}
END_TEST

/* A rejection reaches both with the reasons (prescriber) and plain words (patient); it is final. */
START_TEST(test_rejected)
{
	struct fx	 f;
	struct resp	*keep;
	json_object	*n;
	int64_t		 rx;

	fx_new(&f);
	rx = rx_copy(&f, "sent");
	event_expect("applied", "prescription.rejected", "{\"prescription_id\":%lld,"
	    "\"pharmacy_ref\":\"R-1\",\"reasons\":[{\"code\":\"validity-too-long\",\"message\":"
	    "\"The prescription is valid for more than 28 days\"}]}", (long long)rx);
	expect_status(rx, "rejected");
	n = note_for(f.spec, "prescription.rejected", rx, &keep);
	ck_assert_msg(strstr(jstr(n, "body"), "valid for more than 28 days") != NULL, "%s",
	    jstr(n, "body"));
	ck_assert_str_eq(jstr(n, "data.reasons.0.code"), "validity-too-long");
	ck_assert(has_id(jget(n, "data.alternatives"), "id", f.oil));
	resp_free(keep);
	n = note_for(f.pat.b, "prescription.rejected", rx, &keep);
	ck_assert_msg(strstr(jstr(n, "body"), "will be in touch") != NULL, "%s", jstr(n, "body"));
	ck_assert(jget(n, "data.reasons") == NULL);
	resp_free(keep);
	/* final: a late acceptance changes nothing */
	event_expect("ignored", "prescription.accepted", "{\"prescription_id\":%lld,"
	    "\"pharmacy_ref\":\"R-1\",\"reserved\":{\"quantity\":10000,\"unit\":\"mg\"}}",
	    (long long)rx);
	expect_status(rx, "rejected");
	fx_free(&f);
}
END_TEST

/*
 * Forward only: accepted → dispensed; a late accepted is ignored (no event);
 * shipped with tracking tells the patient; a courier step is on the
 * timeline; delivered; a late shipped is ignored. The same webhook-id twice
 * changes nothing the second time.
 */
START_TEST(test_forward_only)
{
	struct fx	 f;
	struct resp	*keep, *r;
	json_object	*n;
	int64_t		 rx, events;

	fx_new(&f);
	rx = rx_copy(&f, "sent");
	event_expect("applied", "prescription.accepted", "{\"prescription_id\":%lld,"
	    "\"pharmacy_ref\":\"F-1\",\"reserved\":{\"quantity\":10000,\"unit\":\"mg\"}}",
	    (long long)rx);
	event_expect("applied", "prescription.dispensed", "{\"prescription_id\":%lld,"
	    "\"pharmacy_ref\":\"F-1\",\"method\":\"courier\",\"quantity\":10000,\"unit\":\"mg\","
	    "\"batches\":[{\"batch_number\":\"B7\",\"quantity\":10000,\"expiry_date\":\"2027-06-30\"}]}",
	    (long long)rx);
	expect_status(rx, "dispensed");
	events = sql_int("SELECT COUNT(*) FROM prescription_event WHERE prescription_id = %lld",
	    (long long)rx);
	event_expect("ignored", "prescription.accepted", "{\"prescription_id\":%lld,"
	    "\"pharmacy_ref\":\"F-1\"}", (long long)rx);
	expect_status(rx, "dispensed");
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM prescription_event WHERE prescription_id ="
	    " %lld", (long long)rx), events);
	event_expect("applied", "prescription.shipped", "{\"prescription_id\":%lld,"
	    "\"pharmacy_ref\":\"F-1\",\"courier\":\"Swift Parcels\",\"tracking_number\":\"SP123456\","
	    "\"tracking_url\":\"https://track.example/SP123456\"}", (long long)rx);
	n = note_for(f.pat.b, "prescription.shipped", rx, &keep);
	ck_assert_str_eq(jstr(n, "data.tracking_number"), "SP123456");
	ck_assert_msg(strstr(jstr(n, "body"), "SP123456") != NULL, "%s", jstr(n, "body"));
	resp_free(keep);
	event_expect("applied", "prescription.tracking", "{\"prescription_id\":%lld,"
	    "\"status\":\"out_for_delivery\",\"description\":\"Out for delivery\",\"location\":"
	    "\"Leeds depot\",\"at\":\"2026-11-26T09:00:00Z\"}", (long long)rx);
	expect_status(rx, "shipped");
	r = api_get(f.pat.b, RX "/%lld", (long long)rx);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert_str_eq(jstr(r->json, "where.stage"), "shipped");
	ck_assert_str_eq(jstr(r->json, "where.tracking_number"), "SP123456");
	ck_assert_str_eq(jstr(r->json, "where.tracking_url"), "https://track.example/SP123456");
	ck_assert_str_eq(jstr(r->json, "where.supply_method"), "courier");
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM prescription_event WHERE prescription_id ="
	    " %lld AND status = 'tracking' AND source = 'courier' AND reason = 'Out for delivery'",
	    (long long)rx), 1);
	resp_free(r);
	event_expect("applied", "prescription.delivered", "{\"prescription_id\":%lld,"
	    "\"pharmacy_ref\":\"F-1\",\"method\":\"courier\",\"at\":\"2026-11-26T10:00:00Z\","
	    "\"proof\":{\"type\":\"signature\",\"signed_by\":\"A. Patient\"},\"collector\":null}",
	    (long long)rx);
	expect_status(rx, "delivered");
	note_for(f.pat.b, "prescription.delivered", rx, &keep);
	resp_free(keep);
	event_expect("ignored", "prescription.shipped", "{\"prescription_id\":%lld,"
	    "\"tracking_number\":\"LATE\"}", (long long)rx);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM prescription WHERE id = %lld AND"
	    " tracking_number = 'SP123456'", (long long)rx), 1);
	fx_free(&f);
}
END_TEST

/* The same message twice (same webhook-id): applied once. Another partner's or unknown prescription: unknown. */
START_TEST(test_duplicate_and_unknown)
{
	struct fx	 f;
	struct resp	*r;
	char		 id[80], data[256];
	int64_t		 rx, notes;

	fx_new(&f);
	rx = rx_copy(&f, "sent");
	(void)snprintf(id, sizeof(id), "views-dup-%ld-%d-%d", (long)time(NULL), (int)getpid(),
	    ++seq);
	(void)snprintf(data, sizeof(data), "{\"prescription_id\":%lld,\"pharmacy_ref\":\"D-1\","
	    "\"missing\":[],\"expected_date\":null}", (long long)rx);
	r = event_as(id, "prescription.out_of_stock", data);
	ck_assert_msg(r->status == 200 && strcmp(jstr(r->json, "outcome"), "applied") == 0, "%s",
	    rdesc(r));
	resp_free(r);
	notes = sql_int("SELECT COUNT(*) FROM notification WHERE JSON_VALUE(data,"
	    " '$.prescription_id') = %lld", (long long)rx);
	ck_assert_int_eq(notes, 2);
	r = event_as(id, "prescription.out_of_stock", data);
	ck_assert_msg(r->status == 200 && jbool(r->json, "duplicate"), "%s", rdesc(r));
	resp_free(r);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM notification WHERE JSON_VALUE(data,"
	    " '$.prescription_id') = %lld", (long long)rx), notes);
	/* no such prescription */
	event_expect("unknown", "prescription.accepted", "{\"prescription_id\":%lld,"
	    "\"pharmacy_ref\":\"X\"}", (long long)9000000000000LL);
	/* another partner's prescription */
	ck_assert(sql_exec("INSERT INTO pharmacy_partner (code, name, base_url, send_secret_sealed,"
	    " receive_secret_sealed, active, created_at, updated_at) VALUES ('views-other',"
	    " 'Other Pharmacy', 'http://127.0.0.1:9', 'x', 'x', 0, UTC_TIMESTAMP(6),"
	    " UTC_TIMESTAMP(6)) ON DUPLICATE KEY UPDATE active = 0") == 0);
	ck_assert(sql_exec("UPDATE prescription SET pharmacy_id = (SELECT id FROM pharmacy_partner"
	    " WHERE code = 'views-other') WHERE id = %lld", (long long)rx) == 0);
	event_expect("unknown", "prescription.accepted", "{\"prescription_id\":%lld,"
	    "\"pharmacy_ref\":\"X\"}", (long long)rx);
	expect_status(rx, "out_of_stock");
	/* a message lacking what its type needs: 422, nothing kept */
	(void)snprintf(id, sizeof(id), "views-bad-%ld-%d-%d", (long)time(NULL), (int)getpid(),
	    ++seq);
	(void)snprintf(data, sizeof(data), "{\"prescription_id\":%lld,\"pharmacy_ref\":\"D-1\"}",
	    (long long)rx);
	r = event_as(id, "prescription.rejected", data);
	expect_problem(r, 422, "invalid-message");
	resp_free(r);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM bridge_inbox WHERE webhook_id = '%s'", id),
	    0);
	/* a date the database would refuse is the sender's mistake (422), never a 500 */
	(void)snprintf(data, sizeof(data), "{\"as_of\":\"2030-02-30T10:00:00Z\",\"items\":"
	    "[{\"product_id\":%lld,\"available\":1,\"unit\":\"mg\",\"expected_date\":null}]}",
	    (long long)f.flower);
	r = event_as("", "stock.changed", data);
	expect_problem(r, 422, "invalid-message");
	resp_free(r);
	(void)snprintf(data, sizeof(data), "{\"as_of\":\"2030-01-30T10:00:00Z\",\"items\":"
	    "[{\"product_id\":%lld,\"available\":1,\"unit\":\"mg\",\"expected_date\":"
	    "\"2030-06-31\"}]}", (long long)f.flower);
	r = event_as("", "stock.changed", data);
	expect_problem(r, 422, "invalid-message");
	resp_free(r);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM pharmacy_stock WHERE product_id = %lld",
	    (long long)f.flower), 0);
	fx_free(&f);
}
END_TEST

/* The paper-original stage is visible at the clinic: status, list filter, pipeline. */
START_TEST(test_awaiting_paper)
{
	struct fx	 f;
	struct resp	*r;
	struct browser	*admin = staff_new("admin", NULL);
	int64_t		 rx;

	fx_new(&f);
	rx = rx_copy(&f, "sent");
	event_expect("applied", "prescription.awaiting_paper", "{\"prescription_id\":%lld,"
	    "\"pharmacy_ref\":\"P-9\"}", (long long)rx);
	expect_status(rx, "awaiting_paper");
	r = api_get(f.spec, RX "?status=awaiting_paper&mine=1");
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert(has_id(jget(r->json, "prescriptions"), "id", rx));
	resp_free(r);
	r = api_get(f.pat.b, RX "/%lld", (long long)rx);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert_str_eq(jstr(r->json, "status_label"), "Waiting at the pharmacy for the paper original");
	ck_assert_msg(strstr(jstr(r->json, "where.sentence"), "paper original") != NULL, "%s",
	    jstr(r->json, "where.sentence"));
	resp_free(r);
	r = api_get(admin, "/api/v1/pipeline?stage=awaiting_paper&prescriber=%lld",
	    (long long)f.spec_id);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert(has_id(jget(r->json, "prescriptions"), "prescription_id", rx));
	ck_assert_str_eq(jstr(r->json, "prescriptions.0.stage"), "awaiting_paper");
	ck_assert_str_eq(jstr(r->json, "prescriptions.0.pharmacy_ref"), "P-9");
	ck_assert(jint(r->json, "counts.awaiting_paper.count") >= 1);
	resp_free(r);
	/* then the paper arrives: accepted */
	event_expect("applied", "prescription.accepted", "{\"prescription_id\":%lld,"
	    "\"pharmacy_ref\":\"P-9\"}", (long long)rx);
	expect_status(rx, "accepted");
	br_free(admin);
	fx_free(&f);
}
END_TEST

/* The availability of a product in the formulary and the stock API, from changes and snapshots. */
START_TEST(test_stock)
{
	struct fx	 f;
	struct resp	*r;
	struct browser	*admin = staff_new("admin", NULL);
	char		 t1[32], t0[32], t2[32], t3[32], body[512];

	fx_new(&f);
	as_of(t0, 1);
	as_of(t1, 2);
	as_of(t2, 3);
	as_of(t3, 4);
	r = api_get(f.spec, "/api/v1/prescriptions/formulary/%lld", (long long)f.flower);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert_str_eq(jstr(r->json, "availability.status"), "unknown");
	ck_assert_int_eq(jint(r->json, "low_threshold"), 20000);	/* 2 packs of 10 g */
	ck_assert(jnull(r->json, "low_stock_threshold"));
	resp_free(r);
	event_expect("applied", "stock.changed", "{\"as_of\":\"%s\",\"items\":[{\"product_id\":%lld,"
	    "\"available\":25000,\"unit\":\"mg\",\"expected_date\":null}]}", t1, (long long)f.flower);
	r = api_get(f.spec, "/api/v1/prescriptions/formulary/%lld", (long long)f.flower);
	ck_assert_str_eq(jstr(r->json, "availability.status"), "available");
	ck_assert_int_eq(jint(r->json, "availability.pharmacies.0.available"), 25000);
	ck_assert(!jbool(r->json, "availability.pharmacies.0.low"));
	resp_free(r);
	/* an older figure never overwrites a newer one */
	event_expect("ignored", "stock.changed", "{\"as_of\":\"%s\",\"items\":[{\"product_id\":%lld,"
	    "\"available\":0,\"unit\":\"mg\",\"expected_date\":null}]}", t0, (long long)f.flower);
	ck_assert_int_eq(sql_int("SELECT available FROM pharmacy_stock WHERE product_id = %lld",
	    (long long)f.flower), 25000);
	/* a wrong unit is not taken */
	event_expect("ignored", "stock.changed", "{\"as_of\":\"%s\",\"items\":[{\"product_id\":%lld,"
	    "\"available\":1,\"unit\":\"ul\",\"expected_date\":null}]}", t2, (long long)f.flower);
	event_expect("applied", "stock.changed", "{\"as_of\":\"%s\",\"items\":[{\"product_id\":%lld,"
	    "\"available\":5000,\"unit\":\"mg\",\"expected_date\":\"2030-03-01\"}]}", t2,
	    (long long)f.flower);
	r = api_get(f.spec, "/api/v1/prescriptions/formulary/%lld", (long long)f.flower);
	ck_assert_str_eq(jstr(r->json, "availability.status"), "low");
	ck_assert(jbool(r->json, "availability.pharmacies.0.low"));
	ck_assert_str_eq(jstr(r->json, "availability.pharmacies.0.expected_date"), "2030-03-01");
	resp_free(r);
	/* the product's own threshold (admin, through the formulary) */
	r = api_get(admin, "/api/v1/prescriptions/formulary/%lld", (long long)f.flower);
	(void)snprintf(body, sizeof(body), "{\"supplier\":\"%s\",\"brand\":\"%s\",\"name\":\"%s\","
	    "\"form\":\"flower\",\"pack_size\":10000,\"thc_ug_per_unit\":100,\"cbd_ug_per_unit\":10,"
	    "\"low_stock_threshold\":1000}", jstr(r->json, "supplier"), jstr(r->json, "brand"),
	    jstr(r->json, "name"));
	resp_free(r);
	{
		char path[96];

		(void)snprintf(path, sizeof(path), "/api/v1/prescriptions/formulary/%lld",
		    (long long)f.flower);
		r = api(admin, "PUT", path, body);
	}
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert_int_eq(jint(r->json, "low_stock_threshold"), 1000);
	ck_assert_str_eq(jstr(r->json, "availability.status"), "available");
	resp_free(r);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM audit_event WHERE action = 'formulary.update'"
	    " AND entity_id = '%lld' AND JSON_VALUE(details, '$.low_stock_threshold.after') = 1000",
	    (long long)f.flower), 1);
	/* a snapshot that leaves the product out: none left */
	event_expect("applied", "stock.snapshot", "{\"as_of\":\"%s\",\"items\":[{\"product_id\":%lld,"
	    "\"available\":7000,\"unit\":\"ul\",\"expected_date\":null}]}", t3, (long long)f.oil);
	r = api_get(f.spec, "/api/v1/prescriptions/formulary/%lld", (long long)f.flower);
	ck_assert_str_eq(jstr(r->json, "availability.status"), "out_of_stock");
	resp_free(r);
	r = api_get(f.spec, "/api/v1/bridge/stock?product=%lld", (long long)f.oil);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert_int_eq(jint(r->json, "products.0.product_id"), f.oil);
	ck_assert_int_eq(jint(r->json, "products.0.pharmacies.0.available"), 7000);
	ck_assert_str_eq(jstr(r->json, "products.0.status"), "low");	/* 2 packs = 60 ml */
	resp_free(r);
	/* to a patient, a staff route does not exist */
	r = api_get(f.pat.b, "/api/v1/bridge/stock");
	expect_problem(r, 404, "not-found");
	resp_free(r);
	/* bad input to the threshold names the field */
	(void)snprintf(body, sizeof(body), "{\"supplier\":\"S\",\"brand\":\"B\",\"name\":\"N\","
	    "\"form\":\"flower\",\"pack_size\":10000,\"thc_ug_per_unit\":100,\"cbd_ug_per_unit\":10,"
	    "\"low_stock_threshold\":-5}");
	{
		char path[96];

		(void)snprintf(path, sizeof(path), "/api/v1/prescriptions/formulary/%lld",
		    (long long)f.flower);
		r = api(admin, "PUT", path, body);
	}
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "low_stock_threshold"));
	resp_free(r);
	br_free(admin);
	fx_free(&f);
}
END_TEST

/* Drafts qty of product for the fixture's patient; the draft's id. */
static int64_t
draft_of(const struct fx *f, int64_t product, long long qty)
{
	struct resp	*r;
	int64_t		 id;

	r = apif(f->spec, "POST", RX, "{\"patient_id\":%lld,\"plan_id\":%lld,\"product_id\":%lld,"
	    "\"quantity\":%lld}", (long long)f->pat.id, (long long)f->plan, (long long)product, qty);
	ck_assert_msg(r->status == 201, "draft: %s", rdesc(r));
	id = jint(r->json, "id");
	resp_free(r);
	return id;
}

/*
 * A code the step-up takes now. Each time step's code works once, and this
 * test signs several times within one: the step last used is forgotten as
 * root first (what the step-up remembers is not what this test is about).
 */
static void
code_now(const struct fx *f, char code[7])
{
	ck_assert(sql_exec("UPDATE users SET mfa_last_step = 0 WHERE id = %lld",
	    (long long)f->spec_id) == 0);
	totp_at(f->secret, totp_step_now(), code);
}

/* POST …/{id}/sign with code and, when not 0, pharmacy_id. */
static struct resp *
sign_to(struct fx *f, int64_t rx, const char *code, int64_t pharmacy)
{
	char	path[96];

	(void)snprintf(path, sizeof(path), RX "/%lld/sign", (long long)rx);
	if (pharmacy == 0)
		return apif(f->spec, "POST", path, "{\"code\":\"%s\"}", code);
	return apif(f->spec, "POST", path, "{\"code\":\"%s\",\"pharmacy_id\":%lld}", code,
	    (long long)pharmacy);
}

/*
 * The pharmacy a prescription goes to: the one the prescriber names (an
 * active partner, else 422 naming pharmacy_id before the code is spent),
 * else the one that reported enough of the product, else the first.
 */
START_TEST(test_pharmacy_chosen_at_signing)
{
	struct fx	 f;
	struct resp	*r;
	char		 code[7], pcode[40], out[2048], *secret;
	int64_t		 north, oil_rx, cap_rx;
	json_object	*a;

	fx_new(&f);
	/* nothing reported: the first partner, the demo pharmacy */
	ck_assert_int_eq(sql_int("SELECT pharmacy_id FROM prescription WHERE id = %lld",
	    (long long)f.signed_id), f.partner);
	/* a second partner (its URL answers nothing: this test only signs) */
	secret = temp_file("whsec_Tm9ydGggUXVheSBQaGFybWFjeSB0ZXN0IHNlY3JldCAzMg==");
	(void)snprintf(pcode, sizeof(pcode), "north-%d-%d", (int)getpid(), ++seq);
	{
		const char *const argv[] = { "partner-set", "--code", pcode, "--name",
		    "North Quay Pharmacy", "--url", "http://127.0.0.1:9", "--send-secret-file", secret,
		    "--receive-secret-file", secret, NULL };

		ck_assert_msg(run_clinic(out, sizeof(out), argv) == 0, "partner-set: %s", out);
	}
	north = sql_int("SELECT id FROM pharmacy_partner WHERE code = '%s'", pcode);
	ck_assert_int_gt(north, f.partner);
	/* the partners a prescriber may choose from, first first; not for patients */
	r = api_get(f.spec, "/api/v1/bridge/partners");
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	a = jget(r->json, "partners");
	ck_assert(has_id(a, "id", f.partner) && has_id(a, "id", north));
	ck_assert_int_eq(jint(r->json, "partners.0.id"), f.partner);
	resp_free(r);
	r = api_get(f.pat.b, "/api/v1/bridge/partners");
	expect_problem(r, 404, "not-found");
	resp_free(r);

	/* North has enough oil, the demo pharmacy none: North, unasked */
	ck_assert_msg(sql_exec("INSERT INTO pharmacy_stock (partner_id, product_id, available,"
	    " as_of, received_at) VALUES (%lld, %lld, 0, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6)),"
	    " (%lld, %lld, 50000, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6)), (%lld, %lld, 90,"
	    " UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))", (long long)f.partner, (long long)f.oil,
	    (long long)north, (long long)f.oil, (long long)north, (long long)f.capsule) == 0,
	    "stock: %s", sql_error());
	oil_rx = draft_of(&f, f.oil, 10000);
	code_now(&f, code);
	r = sign_to(&f, oil_rx, code, 0);
	ck_assert_msg(r->status == 200, "sign: %s", rdesc(r));
	resp_free(r);
	ck_assert_int_eq(sql_int("SELECT pharmacy_id FROM prescription WHERE id = %lld",
	    (long long)oil_rx), north);
	ck_assert_int_eq(sql_int("SELECT JSON_VALUE(details, '$.pharmacy_id') FROM audit_event"
	    " WHERE action = 'prescription.sign' AND entity_id = '%lld' AND outcome = 'success'",
	    (long long)oil_rx), north);
	ck_assert_int_eq(sql_int("SELECT JSON_EXTRACT(details, '$.pharmacy_named') = 'false' FROM"
	    " audit_event WHERE action = 'prescription.sign' AND entity_id = '%lld' AND outcome ="
	    " 'success'", (long long)oil_rx), 1);

	/* named: an unknown or inactive partner is refused, the draft and the code untouched */
	cap_rx = draft_of(&f, f.capsule, 30);
	code_now(&f, code);
	r = sign_to(&f, cap_rx, code, 999999999);
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "pharmacy_id"));
	resp_free(r);
	r = api(f.spec, "POST", RX "/0/sign", "{\"code\":\"123456\",\"pharmacy_id\":\"north\"}");
	ck_assert(r->status == 422 || r->status == 400);
	ck_assert(has_error_field(r, "pharmacy_id"));
	resp_free(r);
	ck_assert_str_eq(status_of(cap_rx), "draft");
	/* the demo pharmacy named although North has the capsules: the choice is kept */
	r = sign_to(&f, cap_rx, code, f.partner);
	ck_assert_msg(r->status == 200, "sign with the same code: %s", rdesc(r));
	resp_free(r);
	ck_assert_int_eq(sql_int("SELECT pharmacy_id FROM prescription WHERE id = %lld",
	    (long long)cap_rx), f.partner);
	ck_assert_int_eq(sql_int("SELECT JSON_EXTRACT(details, '$.pharmacy_named') = 'true' FROM"
	    " audit_event WHERE action = 'prescription.sign' AND entity_id = '%lld' AND outcome ="
	    " 'success'", (long long)cap_rx), 1);

	/* North closes: no longer offered, no longer accepted */
	{
		const char *const argv[] = { "partner-set", "--code", pcode, "--name",
		    "North Quay Pharmacy", "--url", "http://127.0.0.1:9", "--send-secret-file", secret,
		    "--receive-secret-file", secret, "--inactive", NULL };

		ck_assert_msg(run_clinic(out, sizeof(out), argv) == 0, "partner-set: %s", out);
	}
	r = api_get(f.spec, "/api/v1/bridge/partners");
	ck_assert(!has_id(jget(r->json, "partners"), "id", north));
	resp_free(r);
	cap_rx = draft_of(&f, f.spray, 2000);
	code_now(&f, code);
	r = sign_to(&f, cap_rx, code, north);
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "pharmacy_id"));
	resp_free(r);
	/*
	 * What went to North was never going to arrive (127.0.0.1:9): cancelled,
	 * and its messages closed so that no other test meets them as dead letters.
	 */
	{
		char path[96];

		(void)snprintf(path, sizeof(path), RX "/%lld/cancel", (long long)oil_rx);
		r = api(f.spec, "POST", path, "{\"reason\":\"sent to a test partner\"}");
		ck_assert_msg(r->status == 200, "cancel: %s", rdesc(r));
		resp_free(r);
	}
	ck_assert(sql_exec("UPDATE outbox SET status = 'done' WHERE idempotency_key LIKE"
	    " 'rx-%lld-%%'", (long long)oil_rx) == 0);
	(void)unlink(secret);
	free(secret);
	fx_free(&f);
}
END_TEST

/* The row of rx in a pipeline reply, or NULL. */
static json_object *
row_of(const struct resp *r, int64_t rx)
{
	json_object	*a = jget(r->json, "prescriptions");
	size_t		 i;

	for (i = 0; a != NULL && i < json_object_array_length(a); i++)
		if (jint(json_object_array_get_idx(a, i), "prescription_id") == rx)
			return json_object_array_get_idx(a, i);
	return NULL;
}

/*
 * Stuck detection with a back-dated stage (root), stuck first, the filters,
 * who may read it (audited), and the limits: PUT with validation, audited
 * with before and after, and the effect on what is stuck.
 */
START_TEST(test_pipeline)
{
	struct fx	 f;
	struct resp	*r;
	struct browser	*admin = staff_new("admin", NULL), *aud = staff_new("auditor", NULL);
	json_object	*row;
	int64_t		 stuck, fresh, before;

	fx_new(&f);
	stuck = rx_copy(&f, "sent");
	fresh = rx_copy(&f, "sent");
	ck_assert(sql_exec("UPDATE prescription SET status_changed_at = UTC_TIMESTAMP(6) -"
	    " INTERVAL 20 MINUTE WHERE id = %lld", (long long)stuck) == 0);
	before = sql_int("SELECT COUNT(*) FROM audit_event WHERE action = 'pipeline.read'");
	r = api_get(admin, "/api/v1/pipeline?prescriber=%lld", (long long)f.spec_id);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM audit_event WHERE action = 'pipeline.read'"),
	    before + 1);
	/* stuck first, with the stage's reason */
	ck_assert_int_eq(jint(r->json, "prescriptions.0.prescription_id"), stuck);
	ck_assert(jbool(r->json, "prescriptions.0.stuck"));
	ck_assert_str_eq(jstr(r->json, "prescriptions.0.stuck_reason"),
	    "not acknowledged by the pharmacy");
	ck_assert(jint(r->json, "prescriptions.0.minutes_in_stage") >= 20);
	ck_assert_int_eq(jint(r->json, "prescriptions.0.limit.amount"), 15);
	ck_assert_str_eq(jstr(r->json, "prescriptions.0.limit.unit"), "minutes");
	ck_assert_str_eq(jstr(r->json, "prescriptions.0.stage_label"),
	    "At the pharmacy, waiting to be checked");
	ck_assert(jstr(r->json, "prescriptions.0.pharmacy.name") != NULL);
	ck_assert_int_eq(jint(r->json, "prescriptions.0.pharmacy.id"), f.partner);
	ck_assert_int_eq(jint(r->json, "prescriptions.0.patient.id"), f.pat.id);
	row = row_of(r, fresh);
	ck_assert(row != NULL && !jbool(row, "stuck") && jnull(row, "stuck_reason"));
	ck_assert(jint(r->json, "counts.sent.stuck") >= 1);
	ck_assert(jint(r->json, "counts.sent.count") >= 2);
	ck_assert(jint(r->json, "dead_letters") >= 0);
	resp_free(r);
	/* filters */
	r = api_get(admin, "/api/v1/pipeline?prescriber=%lld&stuck=1", (long long)f.spec_id);
	ck_assert(row_of(r, stuck) != NULL && row_of(r, fresh) == NULL);
	resp_free(r);
	r = api_get(admin, "/api/v1/pipeline?prescriber=%lld&older_than_minutes=10",
	    (long long)f.spec_id);
	ck_assert(row_of(r, stuck) != NULL && row_of(r, fresh) == NULL);
	resp_free(r);
	r = api_get(admin, "/api/v1/pipeline?prescriber=%lld&stage=accepted", (long long)f.spec_id);
	ck_assert(row_of(r, stuck) == NULL && row_of(r, fresh) == NULL);
	resp_free(r);
	r = api_get(admin, "/api/v1/pipeline?prescriber=%lld&pharmacy=%lld", (long long)f.spec_id,
	    (long long)f.partner);
	ck_assert(row_of(r, stuck) != NULL && row_of(r, fresh) != NULL);
	resp_free(r);
	r = api_get(admin, "/api/v1/pipeline?pharmacy=%lld", (long long)f.partner + 1000000);
	ck_assert_int_eq(json_object_array_length(jget(r->json, "prescriptions")), 0);
	resp_free(r);
	r = api_get(admin, "/api/v1/pipeline?stage=draft");
	expect_problem(r, 400, "validation");
	ck_assert(has_error_field(r, "stage"));
	resp_free(r);
	/* who may read it */
	r = api_get(aud, "/api/v1/pipeline?prescriber=%lld", (long long)f.spec_id);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	resp_free(r);
	r = api_get(f.spec, "/api/v1/pipeline");
	expect_problem(r, 403, "forbidden");
	resp_free(r);
	r = api_get(f.pat.b, "/api/v1/pipeline/limits");
	expect_problem(r, 404, "not-found");
	resp_free(r);

	/* limits: validation names each field, changes nothing */
	r = api(admin, "PUT", "/api/v1/pipeline/limits/sent", "{\"amount\":0,\"unit\":\"weeks\"}");
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "amount") && has_error_field(r, "unit") &&
	    has_error_field(r, "reason"));
	resp_free(r);
	r = api(admin, "PUT", "/api/v1/pipeline/limits/sent",
	    "{\"amount\":9000,\"unit\":\"hours\",\"reason\":\"too long\"}");
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "amount"));
	resp_free(r);
	r = api(admin, "PUT", "/api/v1/pipeline/limits/delivered",
	    "{\"amount\":1,\"unit\":\"days\",\"reason\":\"closed stage\"}");
	expect_problem(r, 404, "not-found");
	resp_free(r);
	r = api(aud, "PUT", "/api/v1/pipeline/limits/sent",
	    "{\"amount\":30,\"unit\":\"minutes\",\"reason\":\"not acknowledged by the pharmacy\"}");
	expect_problem(r, 403, "forbidden");
	resp_free(r);
	ck_assert_int_eq(sql_int("SELECT amount FROM pipeline_limit WHERE stage = 'sent'"), 15);
	/* a longer limit: no longer stuck */
	r = api(admin, "PUT", "/api/v1/pipeline/limits/sent",
	    "{\"amount\":1,\"unit\":\"hours\",\"reason\":\"not acknowledged by the pharmacy\"}");
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	expect_one_audit(r, "pipeline.limit_set", "success");
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM audit_event WHERE request_id = '%s' AND"
	    " JSON_VALUE(details, '$.before.amount') = 15 AND JSON_VALUE(details, '$.after.unit') ="
	    " 'hours'", r->rid), 1);
	ck_assert_str_eq(jstr(r->json, "limits.1.stage"), "sent");
	ck_assert_str_eq(jstr(r->json, "limits.1.unit"), "hours");
	resp_free(r);
	r = api_get(admin, "/api/v1/pipeline?prescriber=%lld", (long long)f.spec_id);
	row = row_of(r, stuck);
	ck_assert(row != NULL && !jbool(row, "stuck"));
	resp_free(r);
	r = api_get(aud, "/api/v1/pipeline/limits");
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert_str_eq(jstr(r->json, "limits.1.unit"), "hours");
	ck_assert(jint(r->json, "limits.1.updated_by.id") > 0);
	resp_free(r);
	/* back as it was, for the other suites */
	r = api(admin, "PUT", "/api/v1/pipeline/limits/sent",
	    "{\"amount\":15,\"unit\":\"minutes\",\"reason\":\"not acknowledged by the pharmacy\"}");
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	resp_free(r);
	br_free(aud);
	br_free(admin);
	fx_free(&f);
}
END_TEST

/* A dead letter at signing is stuck at once, with the delivery's last error. */
START_TEST(test_pipeline_dead_letter)
{
	struct fx	 f;
	struct resp	*r;
	struct browser	*admin = staff_new("admin", NULL);
	json_object	*row;
	int64_t		 rx;

	fx_new(&f);
	rx = rx_copy(&f, "signed");
	ck_assert_msg(sql_exec("INSERT INTO outbox (kind, payload, idempotency_key, status, attempts,"
	    " next_attempt_at, last_error, created_at) VALUES ('pharmacy.prescription', '{}',"
	    " 'rx-%lld-sent', 'failed', 20, UTC_TIMESTAMP(6), 'connection refused',"
	    " UTC_TIMESTAMP(6))", (long long)rx) == 0, "outbox: %s", sql_error());
	r = api_get(admin, "/api/v1/pipeline?prescriber=%lld&stage=signed", (long long)f.spec_id);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	row = row_of(r, rx);
	ck_assert(row != NULL && jbool(row, "stuck"));
	ck_assert_msg(strstr(jstr(row, "stuck_reason"), "dead letter") != NULL &&
	    strstr(jstr(row, "stuck_reason"), "connection refused") != NULL, "%s",
	    jstr(row, "stuck_reason"));
	ck_assert_str_eq(jstr(row, "delivery.status"), "dead_letter");
	ck_assert(jint(r->json, "dead_letters") >= 1);
	resp_free(r);
	ck_assert(sql_exec("UPDATE outbox SET status = 'done' WHERE idempotency_key = 'rx-%lld-sent'",
	    (long long)rx) == 0);
	br_free(admin);
	fx_free(&f);
}
END_TEST

/* An accepted copy (rx_copy) that the prescriber then cancels; its id. */
static int64_t
accepted_then_cancelled(struct fx *f)
{
	struct resp	*r;
	char		 path[96];
	int64_t		 rx = rx_copy(f, "accepted");

	(void)snprintf(path, sizeof(path), RX "/%lld/cancel", (long long)rx);
	r = api(f->spec, "POST", path, "{\"reason\":\"patient asked to stop\"}");
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	resp_free(r);
	return rx;
}

/* The pharmacy had dispensed it before our cancellation: the prescriber is told, the status follows. */
START_TEST(test_cancel_refused)
{
	struct fx	 f;
	struct resp	*keep;
	int64_t		 rx;

	fx_new(&f);
	rx = accepted_then_cancelled(&f);
	event_expect("applied", "prescription.cancel_refused", "{\"prescription_id\":%lld,"
	    "\"pharmacy_ref\":\"C-1\",\"reason\":\"already dispensed at 10:02\"}", (long long)rx);
	expect_status(rx, "dispensed");
	note_for(f.spec, "prescription.cancel_refused", rx, &keep);
	resp_free(keep);
	fx_free(&f);
}
END_TEST

/* r is 422 invalid-message naming field first in its errors. */
static void
expect_invalid_field(const struct resp *r, const char *field)
{
	json_object	*a;
	const char	*got;

	expect_problem(r, 422, "invalid-message");
	a = jget(r->json, "errors");
	ck_assert_msg(a != NULL && json_object_array_length(a) >= 1, "%s", rdesc(r));
	got = jstr(json_object_array_get_idx(a, 0), "field");
	ck_assert_msg(got != NULL && strcmp(got, field) == 0, "wanted %s named: %s", field,
	    rdesc(r));
}

/*
 * A cancellation racing the courier: the pharmacy's dispensed and shipped
 * arrive while the clinic says cancelled (ignored), then its cancel_refused
 * says where the prescription really is (shipped, with its tracking), and
 * the clinic follows it there, not only back to dispensed. A status the
 * clinic does not know there is the sender's mistake (422 naming it).
 */
START_TEST(test_cancel_refused_after_shipping)
{
	struct fx	 f;
	struct resp	*r, *keep;
	char		 data[512];
	char		*s;
	int64_t		 rx;

	fx_new(&f);
	rx = accepted_then_cancelled(&f);
	event_expect("ignored", "prescription.dispensed", "{\"prescription_id\":%lld,"
	    "\"pharmacy_ref\":\"C-2\",\"method\":\"courier\",\"quantity\":10000,\"unit\":\"mg\","
	    "\"batches\":[]}", (long long)rx);
	event_expect("ignored", "prescription.shipped", "{\"prescription_id\":%lld,"
	    "\"pharmacy_ref\":\"C-2\",\"courier\":\"Tracked 24\",\"tracking_number\":\"TRK-R2\","
	    "\"tracking_url\":\"https://track.example/TRK-R2\"}", (long long)rx);
	expect_status(rx, "cancelled");
	(void)snprintf(data, sizeof(data), "{\"prescription_id\":%lld,\"pharmacy_ref\":\"C-2\","
	    "\"reason\":\"already dispensed\",\"status\":\"cancelled\"}", (long long)rx);
	r = event_as("", "prescription.cancel_refused", data);
	expect_invalid_field(r, "data.status");
	resp_free(r);
	expect_status(rx, "cancelled");
	event_expect("applied", "prescription.cancel_refused", "{\"prescription_id\":%lld,"
	    "\"pharmacy_ref\":\"C-2\",\"reason\":\"already dispensed\",\"status\":\"shipped\","
	    "\"method\":\"courier\",\"tracking_number\":\"TRK-R2\","
	    "\"tracking_url\":\"https://track.example/TRK-R2\"}", (long long)rx);
	expect_status(rx, "shipped");
	s = sql_str("SELECT CONCAT(supply_method, ' ', tracking_number, ' ', tracking_url) FROM"
	    " prescription WHERE id = %lld", (long long)rx);
	ck_assert_msg(s != NULL && strcmp(s, "courier TRK-R2 https://track.example/TRK-R2") == 0,
	    "method and tracking: %s", s != NULL ? s : "(null)");
	free(s);
	note_for(f.spec, "prescription.cancel_refused", rx, &keep);
	resp_free(keep);
	fx_free(&f);
}
END_TEST

/* A tracking link the patient's page shows must be a web address: 422 naming it otherwise. */
START_TEST(test_tracking_url_http)
{
	struct fx	 f;
	struct resp	*r;
	char		 data[512];
	int64_t		 rx;
	size_t		 i;
	static const char *const bad[] = { "javascript:alert(1)", "ftp://track.example/1",
		"https://", "//track.example/1", "data:text/html,hi" };

	fx_new(&f);
	rx = rx_copy(&f, "dispensed");
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		(void)snprintf(data, sizeof(data), "{\"prescription_id\":%lld,\"pharmacy_ref\":"
		    "\"T-1\",\"courier\":\"Tracked 24\",\"tracking_number\":\"TRK-U1\","
		    "\"tracking_url\":\"%s\"}", (long long)rx, bad[i]);
		r = event_as("", "prescription.shipped", data);
		expect_invalid_field(r, "data.tracking_url");
		resp_free(r);
		expect_status(rx, "dispensed");
	}
	event_expect("applied", "prescription.shipped", "{\"prescription_id\":%lld,"
	    "\"pharmacy_ref\":\"T-1\",\"courier\":\"Tracked 24\",\"tracking_number\":\"TRK-U1\","
	    "\"tracking_url\":\"HTTP://127.0.0.1:18410/track/TRK-U1\"}", (long long)rx);
	expect_status(rx, "shipped");
	fx_free(&f);
}
END_TEST

/*
 * The clinic's expiry sweep tells the pharmacy: an accepted prescription
 * whose validity ended becomes expired with a "pharmacy.cancel" message
 * (reason "expired") queued in the same step, so the pharmacy releases its
 * reservation.
 */
START_TEST(test_expiry_tells_pharmacy)
{
	struct fx	 f;
	struct resp	*r;
	int64_t		 rx;

	fx_new(&f);
	rx = rx_copy_until(&f, "accepted", "UTC_TIMESTAMP(6) - INTERVAL 1 MINUTE");
	r = api_get(f.spec, RX "/%lld", (long long)rx);	/* every read runs the sweep first */
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	resp_free(r);
	expect_status(rx, "expired");
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM outbox WHERE kind = 'pharmacy.cancel' AND"
	    " idempotency_key = 'rx-%lld-cancel' AND JSON_VALUE(payload, '$.reason') = 'expired'"
	    " AND JSON_VALUE(payload, '$.prescription_id') = %lld", (long long)rx, (long long)rx),
	    1);
	fx_free(&f);
}
END_TEST

/* Each person reads and marks only their own notifications; another's id is 404. */
START_TEST(test_notifications)
{
	struct user	 a, b;
	struct resp	*r;
	char		 path[96];
	int64_t		 na, nb, na2;

	user_register(&a, "notes-a");
	user_register(&b, "notes-b");
	ck_assert(sql_exec("INSERT INTO notification (user_id, kind, title, body, created_at) VALUES"
	    " (%lld, 'test', 'For A', 'one', UTC_TIMESTAMP(6))", (long long)a.id) == 0);
	na = sql_int("SELECT LAST_INSERT_ID()");
	ck_assert(sql_exec("INSERT INTO notification (user_id, kind, title, body, link, data,"
	    " created_at) VALUES (%lld, 'test', 'For A again', 'two', '#/prescriptions',"
	    " '{\"n\": 2}', UTC_TIMESTAMP(6))", (long long)a.id) == 0);
	na2 = sql_int("SELECT LAST_INSERT_ID()");
	ck_assert(sql_exec("INSERT INTO notification (user_id, kind, title, body, created_at) VALUES"
	    " (%lld, 'test', 'For B', 'secret', UTC_TIMESTAMP(6))", (long long)b.id) == 0);
	nb = sql_int("SELECT LAST_INSERT_ID()");
	r = api_get(a.b, "/api/v1/notifications");
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert_int_eq(json_object_array_length(jget(r->json, "notifications")), 2);
	ck_assert_int_eq(jint(r->json, "unread"), 2);
	ck_assert_int_eq(jint(r->json, "notifications.0.id"), na2);	/* newest first */
	ck_assert_int_eq(jint(r->json, "notifications.0.data.n"), 2);
	ck_assert(!has_id(jget(r->json, "notifications"), "id", nb));
	resp_free(r);
	/* B's, as A: as if there were none */
	(void)snprintf(path, sizeof(path), "/api/v1/notifications/%lld/read", (long long)nb);
	r = api(a.b, "POST", path, NULL);
	expect_problem(r, 404, "not-found");
	resp_free(r);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM notification WHERE id = %lld AND read_at IS"
	    " NULL", (long long)nb), 1);
	(void)snprintf(path, sizeof(path), "/api/v1/notifications/%lld/read", (long long)na);
	r = api(a.b, "POST", path, NULL);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert_int_eq(jint(r->json, "unread"), 1);
	resp_free(r);
	r = api_get(a.b, "/api/v1/notifications?unread=1");
	ck_assert_int_eq(json_object_array_length(jget(r->json, "notifications")), 1);
	ck_assert_int_eq(jint(r->json, "notifications.0.id"), na2);
	resp_free(r);
	r = api(a.b, "POST", "/api/v1/notifications/read-all", NULL);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert_int_eq(jint(r->json, "marked"), 1);
	resp_free(r);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM notification WHERE user_id = %lld AND"
	    " read_at IS NULL", (long long)b.id), 1);
	r = api_get(a.b, "/api/v1/notifications?unread=2");
	expect_problem(r, 400, "validation");
	resp_free(r);
	r = api(a.b, "POST", "/api/v1/notifications/abc/read", NULL);
	expect_problem(r, 404, "not-found");
	resp_free(r);
	user_free(&a);
	user_free(&b);
}
END_TEST

Suite *
pipeline_suite(void)
{
	Suite	*s = suite_create("pipeline");
	TCase	*tc = tcase_create("pipeline");

	tcase_add_checked_fixture(tc, fx_clear_throttle, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_out_of_stock);
	tcase_add_test(tc, test_rejected);
	tcase_add_test(tc, test_forward_only);
	tcase_add_test(tc, test_duplicate_and_unknown);
	tcase_add_test(tc, test_awaiting_paper);
	tcase_add_test(tc, test_stock);
	tcase_add_test(tc, test_pharmacy_chosen_at_signing);
	tcase_add_test(tc, test_pipeline);
	tcase_add_test(tc, test_pipeline_dead_letter);
	tcase_add_test(tc, test_cancel_refused);
	tcase_add_test(tc, test_expiry_tells_pharmacy);
	tcase_add_test(tc, test_cancel_refused_after_shipping);
	tcase_add_test(tc, test_tracking_url_http);
	tcase_add_test(tc, test_notifications);
	suite_add_tcase(s, tc);
	return s;
}
