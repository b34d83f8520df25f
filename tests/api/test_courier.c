/*
 * API tests (issue 6, helper D): shipments and the courier's tracking
 * webhooks (docs/API.md#courier-and-shipments). The courier is the stack's
 * stand-in (tools/courier-standin, at courier_url), the dispatcher books
 * for real, and tracking events either come from the stand-in (its
 * /_advance control) or are signed here with webhook_sign() under the
 * stack's courier_webhook_secret.
 *
 * Most tests start from a prescription the pharmacy has dispensed for
 * delivery, written as root (rx_dispensed): the pharmacy's own intake and
 * dispensing are test_pharmacy.c's. The last test goes the whole way: a
 * clinician signs, dispatch delivers to the pharmacy, which accepts; a
 * pharmacist dispenses through the API and books; the courier delivers;
 * the clinic's prescription ends 'delivered' with the proof.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "helpers.h"
#include "webhook.h"

#define EVENTS		"/api/v1/pharmacy/courier/events"
#define WAIT_SECS	60

static char	courier_base[256];	/* the stand-in: courier_url */
static char	secret_text[WEBHOOK_SECRET_TEXT_MAX];	/* courier_webhook_secret */
static int	seq;

static void
setup(void)
{
	conf_need("courier_url", courier_base, sizeof(courier_base));
	conf_need("courier_webhook_secret", secret_text, sizeof(secret_text));
	fx_clear_throttle();
}

/* A number unique to this run for clinic prescription ids the clinic never issued. */
static int64_t
fake_clinic_rx(void)
{
	return 800000000LL + ((int64_t)time(NULL) % 100000) * 1000 + (getpid() % 100) * 10 +
	    (++seq % 10);
}

/*
 * A prescription the pharmacy has dispensed (method: courier or collection)
 * for a patient at address (a SQL literal, e.g. "'1 High St, Leeds, LS1 4AP'"
 * or "NULL"), written as root. Returns its pharmacy id; *clinic_rx its
 * clinic id.
 */
static int64_t
rx_dispensed(const char *method, const char *address, int64_t *clinic_rx)
{
	int64_t	product, batch, reg, rx, crx = fake_clinic_rx();

	ck_assert_msg(sql_exec("INSERT INTO ph_product (supplier, brand, name, form, supply_unit,"
	    " pack_size, created_at, updated_at) VALUES ('Courier Test', 'Harbour', 'Parcel %lld',"
	    " 'flower', 'mg', 10000, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))", (long long)crx) == 0,
	    "product: %s", sql_error());
	product = sql_int("SELECT LAST_INSERT_ID()");
	ck_assert_msg(sql_exec("INSERT INTO ph_batch (product_id, batch_number, supplier, expiry_date,"
	    " thc_ug_per_unit, cbd_ug_per_unit, received_qty, on_hand, received_at) VALUES (%lld,"
	    " 'CT-%lld', 'Courier Test', '2035-01-01', 200, 10, 10000, 0, UTC_TIMESTAMP(6))",
	    (long long)product, (long long)crx) == 0, "batch: %s", sql_error());
	batch = sql_int("SELECT LAST_INSERT_ID()");
	ck_assert_msg(sql_exec("INSERT INTO ph_register (product_id, batch_id, kind, quantity, balance,"
	    " at, counterparty) VALUES (%lld, %lld, 'supply', -10000, 0, UTC_TIMESTAMP(6),"
	    " 'Ann Parcel')", (long long)product, (long long)batch) == 0, "register: %s",
	    sql_error());
	reg = sql_int("SELECT LAST_INSERT_ID()");
	ck_assert_msg(sql_exec("INSERT INTO ph_prescription (clinic_rx_id, webhook_id, status,"
	    " signature_status, document, signature, key_fingerprint, prescriber_id, product_id,"
	    " quantity, patient_name, received_at, status_changed_at) VALUES (%lld, 'ct-%lld',"
	    " 'dispensed', 'valid', JSON_OBJECT('type', 'clinic-prescription-v1', 'prescription_id',"
	    " %lld, 'patient', JSON_OBJECT('name', 'Ann Parcel', 'date_of_birth', '1980-01-01',"
	    " 'address', %s), 'quantity', JSON_OBJECT('amount', 10000, 'unit', 'mg')), 'sig',"
	    " REPEAT('0', 64), 1, %lld, 10000, 'Ann Parcel', UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))",
	    (long long)crx, (long long)crx, (long long)crx, address, (long long)product) == 0,
	    "prescription: %s", sql_error());
	rx = sql_int("SELECT LAST_INSERT_ID()");
	ck_assert_msg(sql_exec("INSERT INTO ph_dispense (prescription_id, batch_id, quantity, method,"
	    " collector, id_requested, id_provided, register_id, pharmacist_id, at) VALUES (%lld,"
	    " %lld, 10000, '%s', %s, 0, 0, %lld, 1, UTC_TIMESTAMP(6))", (long long)rx,
	    (long long)batch, method, strcmp(method, "courier") == 0 ? "NULL" : "'Ann Parcel'",
	    (long long)reg) == 0, "dispense: %s", sql_error());
	if (clinic_rx != NULL)
		*clinic_rx = crx;
	return rx;
}

/* POSTs body to the courier webhook with these headers (any may be NULL). */
static struct resp *
post_raw(const char *id, const char *ts, const char *sig, const char *body)
{
	return webhook_post_raw(EVENTS, id, ts, sig, body);
}

/* POSTs body signed under secret (a whsec_ text; NULL: the stack's) at time ts. */
static struct resp *
post_signed(const char *id, int64_t ts, const char *body, const char *secret)
{
	return webhook_post_signed(EVENTS, secret != NULL ? secret : secret_text, id, ts, body);
}

/* A tracking.updated body. */
static char *
event_body(const char *ship, const char *tn, const char *status, const char *proof)
{
	char	*b = malloc(2048);
	int	 n;

	ck_assert(b != NULL);
	n = snprintf(b, 2048, "{\"type\":\"tracking.updated\",\"timestamp\":\"2026-01-01T00:00:00Z\","
	    "\"data\":{\"shipment_id\":\"%s\",\"tracking_number\":\"%s\",\"status\":\"%s\","
	    "\"description\":\"Step %s\",\"location\":\"Test hub\",\"at\":\"2026-11-26T10:%02d:00Z\","
	    "\"proof\":%s}}", ship, tn, status, status, ++seq % 60, proof != NULL ? proof : "null");
	ck_assert(n > 0 && n < 2048);
	return b;
}

/* A webhook id unique to this run. */
static void
msg_id(char *out, size_t cap, const char *tag)
{
	ck_assert((size_t)snprintf(out, cap, "msg_test_%s_%ld_%d_%d", tag, (long)time(NULL),
	    (int)getpid(), ++seq) < cap);
}

static int64_t
inbox_rows(const char *id)
{
	return sql_int("SELECT COUNT(*) FROM ph_inbox WHERE source = 'courier' AND webhook_id = '%s'",
	    id);
}

/* The shipment's status of pharmacy prescription rx once dispatch has left 'requested'. */
static char *
wait_booked(int64_t rx)
{
	char	*st = NULL;
	int	 i;

	for (i = 0; i < WAIT_SECS * 4; i++) {
		free(st);
		st = sql_str("SELECT status FROM ph_shipment WHERE prescription_id = %lld",
		    (long long)rx);
		if (st != NULL && strcmp(st, "requested") != 0)
			break;
		ck_assert(usleep(250000) == 0);
	}
	ck_assert_msg(st != NULL, "no shipment for %lld", (long long)rx);
	return st;
}

/* POST .../prescriptions/{rx}/shipment as b. */
static struct resp *
book(struct browser *b, int64_t rx, const char *body)
{
	char	path[128];

	ck_assert((size_t)snprintf(path, sizeof(path), "/api/v1/pharmacy/prescriptions/%lld/shipment",
	    (long long)rx) < sizeof(path));
	return api(b, "POST", path, body);
}

/* How many of the stand-in's shipments carry reference. */
static int
standin_count(const char *reference)
{
	json_object	*o = standin_call(courier_base, "GET", "/_shipments", NULL), *a;
	size_t		 i;
	int		 n = 0;

	a = jget(o, "shipments");
	ck_assert(a != NULL);
	for (i = 0; i < json_object_array_length(a); i++)
		if (strcmp(jstr(json_object_array_get_idx(a, i), "reference"), reference) == 0)
			n++;
	json_object_put(o);
	return n;
}

/*
 * Asks the stand-in for the next tracking event of courier shipment ref;
 * asserts the pharmacy took it. Returns the event's webhook-id (caller frees).
 */
static char *
advance(const char *ref, const char *want)
{
	char		 path[128], *id;
	json_object	*o;

	ck_assert((size_t)snprintf(path, sizeof(path), "/_advance/%s", ref) < sizeof(path));
	o = standin_call(courier_base, "POST", path, "{}");
	ck_assert_str_eq(jstr(o, "status"), want);
	ck_assert_msg(jint(o, "webhook_status") == 200, "the pharmacy answered %lld to %s",
	    jint(o, "webhook_status"), want);
	ck_assert((id = strdup(jstr(o, "webhook_id"))) != NULL);
	json_object_put(o);
	return id;
}

/* A dispensed-for-courier prescription booked through the API and dispatch; its courier ref. */
static char *
booked(struct browser *ph, int64_t *rx, int64_t *crx)
{
	struct resp	*r;
	char		*st, *ref;

	*rx = rx_dispensed("courier", "'1 High Street, Flat 2, Leeds, LS1 4AP'", crx);
	r = book(ph, *rx, "{\"service\":\"tracked_24\"}");
	ck_assert_msg(r->status == 202, "book: %s", rdesc(r));
	ck_assert_str_eq(jstr(r->json, "status"), "requested");
	expect_one_audit(r, "courier.requested", "success");
	resp_free(r);
	st = wait_booked(*rx);
	ck_assert_msg(strcmp(st, "booked") == 0, "the shipment is %s, not booked", st);
	free(st);
	ref = sql_str("SELECT courier_ref FROM ph_shipment WHERE prescription_id = %lld",
	    (long long)*rx);
	ck_assert(ref != NULL);
	return ref;
}

START_TEST(bad_signature_refused)
{
	char		 id[96], ts[24];
	char		*body = event_body("shp_nope", "CT1", "collected", NULL);
	struct resp	*r;
	int64_t		 before = sql_int("SELECT COUNT(*) FROM ph_shipment_event");

	msg_id(id, sizeof(id), "badsig");
	/* signed with another secret */
	r = post_signed(id, (int64_t)time(NULL), body,
	    "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
	expect_problem(r, 401, "webhook-signature");
	expect_one_audit(r, "courier.webhook_refused", "failure");
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM audit_event WHERE request_id = '%s' AND"
	    " JSON_VALUE(details, '$.verdict') = 'bad_signature' AND JSON_VALUE(details,"
	    " '$.webhook_id') = '%s'", r->rid, id), 1);
	resp_free(r);
	ck_assert_int_eq(inbox_rows(id), 0);
	/* no headers at all; a garbled signature */
	r = post_raw(NULL, NULL, NULL, body);
	expect_problem(r, 401, "webhook-signature");
	expect_one_audit(r, "courier.webhook_refused", "failure");
	resp_free(r);
	ck_assert((size_t)snprintf(ts, sizeof(ts), "%lld", (long long)time(NULL)) < sizeof(ts));
	r = post_raw(id, ts, "v1,bm90IGEgc2lnbmF0dXJl", body);
	expect_problem(r, 401, "webhook-signature");
	resp_free(r);
	/* a body changed after signing */
	{
		unsigned char	key[WEBHOOK_SECRET_MAX];
		size_t		klen;
		char		sig[WEBHOOK_SIG_LEN];
		char		*other = event_body("shp_nope", "CT1", "delivered", NULL);

		ck_assert(webhook_secret_decode(secret_text, key, &klen) == CE_OK);
		ck_assert(webhook_sign(key, klen, id, (int64_t)time(NULL), body, strlen(body), sig) ==
		    CE_OK);
		r = post_raw(id, ts, sig, other);
		expect_problem(r, 401, "webhook-signature");
		resp_free(r);
		free(other);
	}
	ck_assert_int_eq(inbox_rows(id), 0);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM ph_shipment_event"), before);
	free(body);
}
END_TEST

START_TEST(stale_refused)
{
	char		 id[96];
	char		*body = event_body("shp_nope", "CT1", "collected", NULL);
	struct resp	*r;

	msg_id(id, sizeof(id), "stale");
	r = post_signed(id, (int64_t)time(NULL) - 600, body, NULL);
	expect_problem(r, 401, "webhook-stale");
	expect_one_audit(r, "courier.webhook_refused", "failure");
	resp_free(r);
	r = post_signed(id, (int64_t)time(NULL) + 600, body, NULL);
	expect_problem(r, 401, "webhook-stale");
	resp_free(r);
	ck_assert_int_eq(inbox_rows(id), 0);
	free(body);
}
END_TEST

START_TEST(invalid_message)
{
	char		 id[96];
	struct resp	*r;

	msg_id(id, sizeof(id), "invalid");
	r = post_signed(id, (int64_t)time(NULL), "{\"type\":\"tracking.updated\",\"data\":"
	    "{\"shipment_id\":\"shp 1\",\"status\":\"lost\",\"at\":\"yesterday\"}}", NULL);
	expect_problem(r, 422, "invalid-message");
	ck_assert(has_error_field(r, "data.shipment_id"));
	ck_assert(has_error_field(r, "data.tracking_number"));
	ck_assert(has_error_field(r, "data.status"));
	ck_assert(has_error_field(r, "data.at"));
	resp_free(r);
	r = post_signed(id, (int64_t)time(NULL), "not json", NULL);
	expect_problem(r, 422, "invalid-message");
	resp_free(r);
	/* a webhook-id longer than the receiver keeps (the standard allows 256) */
	{
		char	 longid[201];
		char	*body = event_body("shp_unknown_1", "CT1", "collected", NULL);

		memset(longid, 'x', sizeof(longid) - 1);
		longid[sizeof(longid) - 1] = '\0';
		r = post_signed(longid, (int64_t)time(NULL), body, NULL);
		expect_problem(r, 422, "invalid-message");
		ck_assert(has_error_field(r, "webhook-id"));
		resp_free(r);
		free(body);
	}
	ck_assert_int_eq(inbox_rows(id), 0);
	/* a well-formed event for a shipment nobody booked: refused, so the courier tries later */
	{
		char	*body = event_body("shp_unknown_1", "CT1", "collected", NULL);

		r = post_signed(id, (int64_t)time(NULL), body, NULL);
		expect_problem(r, 404, "not-found");
		resp_free(r);
		free(body);
	}
	ck_assert_int_eq(inbox_rows(id), 0);
	/* news of another kind is acknowledged, once */
	r = post_signed(id, (int64_t)time(NULL), "{\"type\":\"label.printed\",\"data\":{}}", NULL);
	ck_assert_msg(r->status == 200 && jbool(r->json, "received"), "other type: %s", rdesc(r));
	resp_free(r);
	ck_assert_int_eq(inbox_rows(id), 1);
}
END_TEST

START_TEST(booking_refused)
{
	int64_t		 ph_id, rx;
	struct browser	*ph = staff_new("pharmacist", &ph_id), *aud;
	struct user	 pat;
	struct resp	*r;

	/* who may book: the pharmacist, not the auditor (who may look) */
	rx = rx_dispensed("courier", "'1 High Street, Leeds, LS1 4AP'", NULL);
	r = api_get(ph, "/api/v1/pharmacy/prescriptions/%lld/shipment", (long long)rx);
	ck_assert_msg(r->status == 200 && jbool(r->json, "can_book") &&
	    jnull(r->json, "shipment"), "pharmacist: %s", rdesc(r));
	resp_free(r);
	aud = auditor();
	r = api_get(aud, "/api/v1/auth/me");	/* (its csrf_token, for the POST below) */
	resp_free(r);
	r = api_get(aud, "/api/v1/pharmacy/prescriptions/%lld/shipment", (long long)rx);
	ck_assert_msg(r->status == 200 && !jbool(r->json, "can_book") &&
	    jstr(r->json, "cannot_book_reason") != NULL, "auditor: %s", rdesc(r));
	resp_free(r);
	r = book(aud, rx, "{}");
	expect_problem(r, 403, "forbidden");
	resp_free(r);
	br_free(aud);
	/* dispensed for collection: nothing to ship */
	rx = rx_dispensed("collection", "'1 High Street, Leeds, LS1 4AP'", NULL);
	r = book(ph, rx, "{}");
	expect_problem(r, 409, "not-for-delivery");
	resp_free(r);
	/* no address on the prescription */
	rx = rx_dispensed("courier", "NULL", NULL);
	r = book(ph, rx, "{}");
	expect_problem(r, 422, "no-address");
	resp_free(r);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM ph_shipment WHERE prescription_id = %lld",
	    (long long)rx), 0);
	/* not dispensed yet */
	ck_assert(sql_exec("UPDATE ph_prescription SET status = 'accepted' WHERE id = %lld",
	    (long long)rx) == 0);
	r = book(ph, rx, "{}");
	expect_problem(r, 409, "not-for-delivery");
	resp_free(r);
	/* a service the courier does not sell; an unknown prescription */
	r = book(ph, rx, "{\"service\":\"pigeon\"}");
	ck_assert_msg(r->status == 422 && has_error_field(r, "service"), "service: %s", rdesc(r));
	resp_free(r);
	r = book(ph, 999999999, "{}");
	expect_problem(r, 404, "not-found");
	resp_free(r);
	/* only pharmacists book: to a patient the pharmacy's routes do not exist */
	user_register(&pat, "courier");
	r = book(pat.b, rx, "{}");
	expect_problem(r, 404, "not-found");
	resp_free(r);
	r = api_get(pat.b, "/api/v1/pharmacy/shipments");
	expect_problem(r, 404, "not-found");
	resp_free(r);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM ph_shipment WHERE prescription_id = %lld",
	    (long long)rx), 0);
	user_free(&pat);
	br_free(ph);
}
END_TEST

START_TEST(tracking_to_delivery)
{
	int64_t		 ph_id, rx, crx, ship;
	struct browser	*ph = staff_new("pharmacist", &ph_id);
	struct resp	*r;
	char		*ref, *tn, *first_event, reference[40], *v;
	json_object	*o;

	ref = booked(ph, &rx, &crx);
	ship = sql_int("SELECT id FROM ph_shipment WHERE prescription_id = %lld", (long long)rx);
	/* booked: the prescription is shipped and the clinic is told, with the tracking number */
	ck_assert((size_t)snprintf(reference, sizeof(reference), "PH-%lld", (long long)rx) <
	    sizeof(reference));
	ck_assert_int_eq(standin_count(reference), 1);
	v = sql_str("SELECT status FROM ph_prescription WHERE id = %lld", (long long)rx);
	ck_assert_str_eq(v, "shipped");
	free(v);
	tn = sql_str("SELECT tracking_number FROM ph_shipment WHERE id = %lld", (long long)ship);
	ck_assert(tn != NULL && strlen(tn) > 5);
	/* (the payload is dropped once the clinic has it: it names the patient's parcel) */
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM outbox WHERE kind = 'ph.clinic_event' AND"
	    " idempotency_key = 'ph-rx-%lld-shipped' AND (JSON_VALUE(payload,"
	    " '$.data.tracking_number') = '%s' OR JSON_CONTAINS_PATH(payload, 'one', '$.redacted'))",
	    (long long)crx, tn), 1);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM audit_event WHERE action = 'courier.booked'"
	    " AND entity_id = '%lld'", (long long)ship), 1);
	/* the second booking is refused */
	r = book(ph, rx, "{}");
	expect_problem(r, 409, "shipment-exists");
	resp_free(r);

	/* collected, through the stand-in's signed webhook */
	first_event = advance(ref, "collected");
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM ph_shipment_event WHERE shipment_id = %lld",
	    (long long)ship), 1);
	ck_assert_int_eq(inbox_rows(first_event), 1);
	/* the same event delivered again changes nothing */
	{
		char		 path[128];
		json_object	*x;

		ck_assert((size_t)snprintf(path, sizeof(path), "/_redeliver/%s", ref) < sizeof(path));
		x = standin_call(courier_base, "POST", path, "{}");
		ck_assert_int_eq(jint(x, "webhook_status"), 200);
		ck_assert_str_eq(jstr(x, "webhook_id"), first_event);
		json_object_put(x);
	}
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM ph_shipment_event WHERE shipment_id = %lld",
	    (long long)ship), 1);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM outbox WHERE idempotency_key LIKE"
	    " 'ph-rx-%lld-tracking-%%'", (long long)crx), 1);
	/* and so does a signed duplicate posted here, answered {"duplicate": true} */
	{
		char	*body = event_body(ref, tn, "collected", NULL);

		r = post_signed(first_event, (int64_t)time(NULL), body, NULL);
		ck_assert_msg(r->status == 200 && jbool(r->json, "duplicate"), "dup: %s", rdesc(r));
		resp_free(r);
		free(body);
	}
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM ph_shipment_event WHERE shipment_id = %lld",
	    (long long)ship), 1);

	free(advance(ref, "in_transit"));
	/* an event naming another parcel's tracking number is refused, and not kept */
	{
		char	 id[96];
		char	*body = event_body(ref, "CT000000000GB", "out_for_delivery", NULL);

		msg_id(id, sizeof(id), "othertn");
		r = post_signed(id, (int64_t)time(NULL), body, NULL);
		expect_problem(r, 422, "invalid-message");
		ck_assert(has_error_field(r, "data.tracking_number"));
		resp_free(r);
		free(body);
		ck_assert_int_eq(inbox_rows(id), 0);
	}
	free(advance(ref, "out_for_delivery"));
	/* a late "collected" (new id) is recorded but moves nothing back and tells nobody */
	{
		char	 id[96];
		char	*body = event_body(ref, tn, "collected", NULL);

		msg_id(id, sizeof(id), "late");
		r = post_signed(id, (int64_t)time(NULL), body, NULL);
		ck_assert_msg(r->status == 200, "late: %s", rdesc(r));
		ck_assert_str_eq(jstr(r->json, "outcome"), "late");
		ck_assert_str_eq(jstr(r->json, "status"), "out_for_delivery");
		resp_free(r);
		free(body);
	}
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM outbox WHERE idempotency_key LIKE"
	    " 'ph-rx-%lld-tracking-%%'", (long long)crx), 3);
	free(advance(ref, "delivered"));

	/* delivered with the courier's proof: shipment, prescription, the clinic's message */
	v = sql_str("SELECT status FROM ph_prescription WHERE id = %lld", (long long)rx);
	ck_assert_str_eq(v, "delivered");
	free(v);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM ph_shipment WHERE id = %lld AND status ="
	    " 'delivered' AND delivered_at IS NOT NULL AND JSON_VALUE(proof, '$.type') = 'signature'",
	    (long long)ship), 1);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM outbox WHERE kind = 'ph.clinic_event' AND"
	    " idempotency_key = 'ph-rx-%lld-delivered' AND ((JSON_VALUE(payload, '$.type') ="
	    " 'prescription.delivered' AND JSON_VALUE(payload, '$.data.proof.type') = 'signature'"
	    " AND JSON_VALUE(payload, '$.data.method') = 'courier') OR"
	    " JSON_CONTAINS_PATH(payload, 'one', '$.redacted'))", (long long)crx), 1);

	/* what pharmacists see */
	r = api_get(ph, "/api/v1/pharmacy/shipments/%lld", (long long)ship);
	ck_assert_msg(r->status == 200, "detail: %s", rdesc(r));
	ck_assert_str_eq(jstr(r->json, "status"), "delivered");
	ck_assert_str_eq(jstr(r->json, "tracking_number"), tn);
	ck_assert_str_eq(jstr(r->json, "proof.type"), "signature");
	o = jget(r->json, "events");
	ck_assert(o != NULL && json_object_array_length(o) == 5);
	ck_assert_int_eq(jint(r->json, "prescription.id"), rx);
	resp_free(r);
	r = api_get(ph, "/api/v1/pharmacy/shipments?status=delivered&limit=500");
	ck_assert_msg(r->status == 200, "list: %s", rdesc(r));
	{
		json_object	*a = jget(r->json, "shipments");
		size_t		 i;
		bool		 found = false;

		for (i = 0; a != NULL && i < json_object_array_length(a); i++)
			if (jint(json_object_array_get_idx(a, i), "id") == ship)
				found = true;
		ck_assert(found);
	}
	resp_free(r);
	r = api_get(ph, "/api/v1/pharmacy/prescriptions/%lld/shipment", (long long)rx);
	ck_assert_msg(r->status == 200, "rx shipment: %s", rdesc(r));
	ck_assert(!jbool(r->json, "can_book"));
	ck_assert_str_eq(jstr(r->json, "shipment.status"), "delivered");
	resp_free(r);
	free(first_event);
	free(tn);
	free(ref);
	br_free(ph);
}
END_TEST

START_TEST(idempotent_booking)
{
	int64_t		 ph_id, rx;
	struct browser	*ph = staff_new("pharmacist", &ph_id);
	struct resp	*r;
	json_object	*o;
	char		 reference[40], *st;
	long long	 replays;

	o = standin_call(courier_base, "GET", "/_stats", NULL);
	replays = jint(o, "replays");
	json_object_put(o);
	rx = rx_dispensed("courier", "'3 Mill Lane, York, YO1 7HH'", NULL);
	/*
	 * The courier books the parcel but its answer is lost on the way back,
	 * twice (libcurl itself resends once on a kept-alive connection that
	 * closed): dispatch tries again with the row's Idempotency-Key.
	 */
	o = standin_call(courier_base, "POST", "/_mode", "{\"mode\":\"lose_response\",\"times\":2}");
	json_object_put(o);
	r = book(ph, rx, "{\"service\":\"special_delivery\"}");
	ck_assert_msg(r->status == 202, "book: %s", rdesc(r));
	resp_free(r);
	st = wait_booked(rx);
	ck_assert_msg(strcmp(st, "booked") == 0, "shipment %s", st);
	free(st);
	/* the retry carried the same Idempotency-Key: one parcel, and the courier's answer replayed */
	ck_assert((size_t)snprintf(reference, sizeof(reference), "PH-%lld", (long long)rx) <
	    sizeof(reference));
	ck_assert_int_eq(standin_count(reference), 1);
	o = standin_call(courier_base, "GET", "/_stats", NULL);
	ck_assert_int_gt(jint(o, "replays"), replays);
	json_object_put(o);
	ck_assert_int_ge(sql_int("SELECT attempts FROM outbox WHERE kind = 'ph.courier_book' AND"
	    " JSON_VALUE(payload, '$.prescription_id') = %lld", (long long)rx), 2);
	o = standin_call(courier_base, "POST", "/_mode", "{\"mode\":\"ok\"}");
	json_object_put(o);
	br_free(ph);
}
END_TEST

START_TEST(booking_fails_then_again)
{
	int64_t		 ph_id, rx;
	struct browser	*ph = staff_new("pharmacist", &ph_id);
	struct resp	*r;
	char		*st, *v;
	json_object	*o;

	/* the courier refuses the booking (422): it fails for good, and says so */
	rx = rx_dispensed("courier", "'1 Road, Leeds, LS1 4AP'", NULL);
	o = standin_call(courier_base, "POST", "/_mode", "{\"mode\":\"reject\",\"times\":1}");
	json_object_put(o);
	r = book(ph, rx, "{}");
	ck_assert_msg(r->status == 202, "book: %s", rdesc(r));
	resp_free(r);
	st = wait_booked(rx);
	ck_assert_msg(strcmp(st, "failed") == 0, "shipment %s", st);
	free(st);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM audit_event WHERE action ="
	    " 'courier.booking_failed' AND entity_id = (SELECT id FROM ph_shipment WHERE"
	    " prescription_id = %lld)", (long long)rx), 1);
	v = sql_str("SELECT status FROM ph_prescription WHERE id = %lld", (long long)rx);
	ck_assert_str_eq(v, "dispensed");
	free(v);
	r = api_get(ph, "/api/v1/pharmacy/prescriptions/%lld/shipment", (long long)rx);
	ck_assert(r->status == 200 && jbool(r->json, "can_book"));
	/* the pharmacist is told what the courier said (its status and error word only) */
	ck_assert_str_eq(jstr(r->json, "shipment.status"), "failed");
	ck_assert_msg(jstr(r->json, "shipment.booking.last_error") != NULL &&
	    strstr(jstr(r->json, "shipment.booking.last_error"), "422") != NULL, "booking: %s",
	    rdesc(r));
	ck_assert_int_eq(jint(r->json, "shipment.booking.attempts"), 1);
	resp_free(r);
	/* the pharmacist books again: the same shipment, booked this time */
	r = book(ph, rx, "{}");
	ck_assert_msg(r->status == 202, "again: %s", rdesc(r));
	resp_free(r);
	st = wait_booked(rx);
	ck_assert_msg(strcmp(st, "booked") == 0, "shipment %s", st);
	free(st);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM ph_shipment WHERE prescription_id = %lld",
	    (long long)rx), 1);
	v = sql_str("SELECT status FROM ph_prescription WHERE id = %lld", (long long)rx);
	ck_assert_str_eq(v, "shipped");
	free(v);
	br_free(ph);
}
END_TEST

/* Waits until the clinic's prescription id has status want (or a final one); returns it. */
static char *
wait_clinic_status(int64_t id, const char *want)
{
	char	*st = NULL;
	int	 i;

	for (i = 0; i < WAIT_SECS * 4; i++) {
		free(st);
		st = sql_str("SELECT status FROM prescription WHERE id = %lld", (long long)id);
		if (st != NULL && (strcmp(st, want) == 0 || strcmp(st, "rejected") == 0 ||
		    strcmp(st, "cancelled") == 0 || strcmp(st, "expired") == 0))
			break;
		ck_assert(usleep(250000) == 0);
	}
	ck_assert(st != NULL);
	return st;
}

/*
 * The whole way: a specialist signs; dispatch carries it to the pharmacy,
 * which verifies and accepts it (stock received through the pharmacist's
 * API); the pharmacist dispenses by batch for delivery and books; the
 * courier carries it; the clinic's prescription ends 'delivered', with the
 * tracking number, the courier's steps and the proof in its events.
 */
START_TEST(delivered_reaches_clinic)
{
	struct user	 pat;
	struct browser	*spec, *ph;
	int64_t		 spec_id, ph_id, product, plan, phprod, batch, rx, phrx = 0, ship;
	char		 secret[40], code[7], name[64], *st, *ref, *tn;
	struct resp	*r;
	int		 i;

	user_register(&pat, "courier");
	patient_verified(pat.id);
	ck_assert_msg(sql_exec("INSERT INTO patient_profile (user_id, address_line1, town, postcode,"
	    " updated_at) VALUES (%lld, '7 Quay Street', 'Bristol', 'BS1 4DJ', UTC_TIMESTAMP(6))"
	    " ON DUPLICATE KEY UPDATE address_line1 = '7 Quay Street', town = 'Bristol',"
	    " postcode = 'BS1 4DJ'", (long long)pat.id) == 0, "profile: %s", sql_error());
	spec = clinician_new(true, &spec_id, secret);
	ck_assert((size_t)snprintf(name, sizeof(name), "Courier %ld-%d-%d", (long)time(NULL),
	    (int)getpid(), ++seq) < sizeof(name));
	ck_assert_msg(sql_exec("INSERT INTO formulary_product (supplier, brand, name, form,"
	    " supply_unit, pack_size, thc_ug_per_unit, cbd_ug_per_unit, active, created_at,"
	    " updated_at) VALUES ('Test Supplies', 'Quayside', '%s', 'flower', 'mg', 10000, 220, 10,"
	    " 1, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))", name) == 0, "product: %s", sql_error());
	product = sql_int("SELECT LAST_INSERT_ID()");
	plan = plan_one_product(pat.id, product, spec_id);

	/* the pharmacy stocks the product */
	ph = staff_new("pharmacist", &ph_id);
	r = apif(ph, "POST", "/api/v1/pharmacy/products", "{\"clinic_product_id\":%lld,"
	    "\"supplier\":\"Test Supplies\",\"brand\":\"Quayside\",\"name\":\"%s\",\"form\":\"flower\","
	    "\"supply_unit\":\"mg\",\"pack_size\":10000}", (long long)product, name);
	ck_assert_msg(r->status == 201, "pharmacy product: %s", rdesc(r));
	phprod = jint(r->json, "id");
	resp_free(r);
	r = apif(ph, "POST", "/api/v1/pharmacy/receipts", "{\"product_id\":%lld,\"supplier\":"
	    "\"Test Supplies\",\"batch_number\":\"QS-%d-%d\",\"expiry_date\":\"2035-01-01\","
	    "\"thc_ug_per_unit\":220,\"cbd_ug_per_unit\":10,\"quantity\":50000}", (long long)phprod,
	    (int)getpid(), ++seq);
	ck_assert_msg(r->status == 201, "receipt: %s", rdesc(r));
	batch = jint(r->json, "batch_id");
	resp_free(r);

	/* the specialist signs */
	r = apif(spec, "POST", "/api/v1/prescriptions", "{\"patient_id\":%lld,\"plan_id\":%lld,"
	    "\"product_id\":%lld,\"quantity\":20000}", (long long)pat.id, (long long)plan,
	    (long long)product);
	ck_assert_msg(r->status == 201, "draft: %s", rdesc(r));
	rx = jint(r->json, "id");
	resp_free(r);
	totp_at(secret, totp_step_now() + 1, code);
	{
		char	path[96];

		ck_assert((size_t)snprintf(path, sizeof(path), "/api/v1/prescriptions/%lld/sign",
		    (long long)rx) < sizeof(path));
		r = apif(spec, "POST", path, "{\"code\":\"%s\"}", code);
	}
	ck_assert_msg(r->status == 200, "sign: %s", rdesc(r));
	resp_free(r);

	/* dispatch delivers it; the pharmacy fetches the key, checks and accepts */
	for (i = 0; i < WAIT_SECS * 4; i++) {
		st = sql_str("SELECT status FROM ph_prescription WHERE clinic_rx_id = %lld",
		    (long long)rx);
		if (st != NULL && strcmp(st, "accepted") == 0) {
			free(st);
			phrx = sql_int("SELECT id FROM ph_prescription WHERE clinic_rx_id = %lld",
			    (long long)rx);
			break;
		}
		ck_assert_msg(st == NULL || (strcmp(st, "rejected") != 0 &&
		    strcmp(st, "out_of_stock") != 0), "the pharmacy answered %s", st);
		free(st);
		ck_assert(usleep(250000) == 0);
	}
	ck_assert_msg(phrx > 0, "the pharmacy did not accept prescription %lld", (long long)rx);
	st = wait_clinic_status(rx, "accepted");
	ck_assert_str_eq(st, "accepted");
	free(st);

	/* dispensed by batch for delivery, then booked */
	{
		char	path[128];

		ck_assert((size_t)snprintf(path, sizeof(path),
		    "/api/v1/pharmacy/prescriptions/%lld/dispense", (long long)phrx) < sizeof(path));
		r = apif(ph, "POST", path, "{\"batches\":[{\"batch_id\":%lld,\"quantity\":20000}],"
		    "\"method\":\"courier\",\"id_requested\":false,\"id_provided\":false}",
		    (long long)batch);
	}
	ck_assert_msg(r->status == 200 || r->status == 201, "dispense: %s", rdesc(r));
	resp_free(r);
	r = book(ph, phrx, "{}");
	ck_assert_msg(r->status == 202, "book: %s", rdesc(r));
	resp_free(r);
	st = wait_booked(phrx);
	ck_assert_str_eq(st, "booked");
	free(st);
	ref = sql_str("SELECT courier_ref FROM ph_shipment WHERE prescription_id = %lld",
	    (long long)phrx);
	tn = sql_str("SELECT tracking_number FROM ph_shipment WHERE prescription_id = %lld",
	    (long long)phrx);
	ship = sql_int("SELECT id FROM ph_shipment WHERE prescription_id = %lld", (long long)phrx);
	ck_assert(ref != NULL && tn != NULL && ship > 0);

	/* the clinic hears: shipped, with the tracking number */
	st = wait_clinic_status(rx, "shipped");
	ck_assert_str_eq(st, "shipped");
	free(st);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM prescription WHERE id = %lld AND"
	    " tracking_number = '%s' AND supply_method = 'courier'", (long long)rx, tn), 1);
	/* named as the courier names itself, with the service booked */
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM prescription_event WHERE prescription_id ="
	    " %lld AND status = 'shipped' AND JSON_VALUE(detail, '$.courier') ="
	    " 'Swift Parcels, Tracked 24'", (long long)rx), 1);

	free(advance(ref, "collected"));
	free(advance(ref, "in_transit"));
	free(advance(ref, "out_for_delivery"));
	free(advance(ref, "delivered"));
	st = wait_clinic_status(rx, "delivered");
	ck_assert_str_eq(st, "delivered");
	free(st);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM prescription_event WHERE prescription_id = %lld"
	    " AND status = 'delivered' AND JSON_VALUE(detail, '$.proof.type') = 'signature'",
	    (long long)rx), 1);
	/* the courier's steps reached the clinic's timeline too */
	for (i = 0; i < WAIT_SECS * 4 && sql_int("SELECT COUNT(*) FROM prescription_event WHERE"
	    " prescription_id = %lld AND source = 'courier'", (long long)rx) < 3; i++)
		ck_assert(usleep(250000) == 0);
	ck_assert_int_ge(sql_int("SELECT COUNT(*) FROM prescription_event WHERE prescription_id ="
	    " %lld AND source = 'courier'", (long long)rx), 3);
	free(ref);
	free(tn);
	br_free(ph);
	br_free(spec);
	user_free(&pat);
}
END_TEST

Suite *
courier_suite(void)
{
	Suite	*s = suite_create("courier");
	TCase	*tc = tcase_create("webhooks");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, bad_signature_refused);
	tcase_add_test(tc, stale_refused);
	tcase_add_test(tc, invalid_message);
	suite_add_tcase(s, tc);
	tc = tcase_create("shipments");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, booking_refused);
	tcase_add_test(tc, tracking_to_delivery);
	tcase_add_test(tc, idempotent_booking);
	tcase_add_test(tc, booking_fails_then_again);
	suite_add_tcase(s, tc);
	tc = tcase_create("end to end");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 300);
	tcase_add_test(tc, delivered_reaches_clinic);
	suite_add_tcase(s, tc);
	return s;
}
