/*
 * API tests (issue 6, helper C): the pharmacy's inbox, the check of a
 * received prescription, stock and the controlled-drug register
 * (docs/API.md#pharmacy).
 *
 * Most prescriptions here are written by the test as a prescriber would:
 * a P-256 key made here, a document in the clinic's canonical shape signed
 * with it, and the key put in ph_prescriber_key as root (as if fetched
 * already); each is delivered as the clinic does, a Standard Webhooks POST
 * signed with the stack's pharmacy_clinic_secret_in. The last tests go the
 * whole way: a clinician signs at the clinic, dispatch delivers to the
 * pharmacy, which fetches the key from the clinic, checks and answers, and
 * the clinic's prescription follows.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <check.h>

#include "crypto.h"
#include "helpers.h"
#include "webhook.h"

#define INBOX		"/api/v1/pharmacy/inbox"
#define WAIT_SECS	90
#define DAY		86400LL

static char	secret_text[WEBHOOK_SECRET_TEXT_MAX];	/* pharmacy_clinic_secret_in */
static int	seq;

/* ---- set-up ---- */

static void
setup(void)
{
	conf_need("pharmacy_clinic_secret_in", secret_text, sizeof(secret_text));
	fx_clear_throttle();
}

/* A number unique to this run (clinic ids the clinic never issued). */
static int64_t
uniq(void)
{
	return 700000000LL + ((int64_t)time(NULL) % 100000) * 1000 + (getpid() % 10) * 100 +
	    (++seq % 100);
}

/* A prescriber's key: made here, published to the pharmacy's cache as root. */
struct key {
	EVP_PKEY	*pkey;
	char		 fp[65];
	int64_t		 prescriber;
};

static void
key_new(struct key *k, bool cache)
{
	BIO		*bio;
	unsigned char	*der = NULL, dg[SHA256_LEN];
	char		*pem;
	long		 len;
	int		 n;

	k->pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	ck_assert(k->pkey != NULL);
	n = i2d_PUBKEY(k->pkey, &der);
	ck_assert(n > 0);
	ck_assert(crypto_sha256(der, (size_t)n, dg) == CE_OK);
	OPENSSL_free(der);
	hex_encode(dg, SHA256_LEN, k->fp);
	k->prescriber = uniq();
	if (!cache)
		return;
	bio = BIO_new(BIO_s_mem());
	ck_assert(bio != NULL && PEM_write_bio_PUBKEY(bio, k->pkey) == 1);
	len = BIO_get_mem_data(bio, &pem);
	ck_assert(len > 0);
	ck_assert_msg(sql_exec("INSERT INTO ph_prescriber_key (fingerprint, prescriber_id,"
	    " public_pem, fetched_at) VALUES ('%s', %lld, '%.*s', UTC_TIMESTAMP(6))", k->fp,
	    (long long)k->prescriber, (int)len, pem) == 0, "key: %s", sql_error());
	ck_assert_int_eq(BIO_free(bio), 1);
}

static void
key_free(struct key *k)
{
	EVP_PKEY_free(k->pkey);
}

/* "YYYY-MM-DDThh:mm:ssZ" (or the date only) of now + off seconds. */
static void
stamp(char *out, size_t cap, long long off, bool date_only)
{
	time_t		t = time(NULL) + (time_t)off;
	struct tm	tm;

	ck_assert(gmtime_r(&t, &tm) != NULL);
	ck_assert(strftime(out, cap, date_only ? "%Y-%m-%d" : "%Y-%m-%dT%H:%M:%SZ", &tm) > 0);
}

/* What a document says; the defaults make a valid one. */
struct doc {
	int64_t		 rx;		/* clinic prescription id */
	int64_t		 product;	/* clinic product id */
	long long	 qty;
	const char	*unit;
	long long	 issued_off, from_off, until_off;	/* seconds from now */
	bool		 paper;
	bool		 no_address;
	const char	*patient;
};

static void
doc_defaults(struct doc *d, int64_t product, long long qty)
{
	memset(d, 0, sizeof(*d));
	d->rx = uniq();
	d->product = product;
	d->qty = qty;
	d->unit = "mg";
	d->issued_off = -60;
	d->from_off = 0;
	d->until_off = 28 * DAY - 60;
	d->patient = "Ann Pharmacy";
}

/* The document's exact bytes (caller frees). */
static char *
doc_text(const struct doc *d, const struct key *k)
{
	char	 issued[32], from[16], until[32], *s;
	int	 n;

	stamp(issued, sizeof(issued), d->issued_off, false);
	stamp(from, sizeof(from), d->from_off, true);
	stamp(until, sizeof(until), d->until_off, false);
	s = malloc(4096);
	ck_assert(s != NULL);
	n = snprintf(s, 4096, "{\"type\":\"clinic-prescription-v1\",\"prescription_id\":%lld,"
	    "\"issued_at\":\"%s\",\"valid_from\":\"%s\",\"valid_until\":\"%s\","
	    "\"patient\":{\"name\":\"%s\",\"date_of_birth\":\"1980-02-03\",\"address\":%s},"
	    "\"product\":{\"id\":%lld,\"supplier\":\"Test Supplies\",\"brand\":\"Harbour\","
	    "\"name\":\"Flower 22%%\",\"form\":\"flower\",\"strength\":\"THC 22%% · CBD <1%%\","
	    "\"thc_ug_per_unit\":220,\"cbd_ug_per_unit\":5,\"supply_unit\":\"%s\"},"
	    "\"dose\":\"0.5 g vaporised twice a day\","
	    "\"quantity\":{\"amount\":%lld,\"unit\":\"%s\",\"figures\":\"%lld mg\","
	    "\"words\":\"some milligrams\"},\"days_supply\":30,\"instalments\":null,"
	    "\"justification\":null,\"prescriber\":{\"id\":%lld,\"name\":\"Sam Specialist\","
	    "\"registration_number\":\"7000002\",\"specialist\":true,\"practice\":\"Demo Clinic\","
	    "\"address\":\"1 Clinic Road, London\"},\"plan\":{\"id\":7,\"version\":1},"
	    "\"initial\":true,\"paper_original_required\":%s,\"key_fingerprint\":\"%s\"}",
	    (long long)d->rx, issued, from, until, d->patient,
	    d->no_address ? "null" : "\"1 High Street, Leeds, LS1 1AA\"", (long long)d->product,
	    d->unit, d->qty, d->unit, d->qty, (long long)k->prescriber,
	    d->paper ? "true" : "false", k->fp);
	ck_assert(n > 0 && n < 4096);
	return s;
}

/* base64 of the DER ECDSA signature of text (caller frees). */
static char *
sign_text(const struct key *k, const char *text)
{
	EVP_MD_CTX	*ctx = EVP_MD_CTX_new();
	unsigned char	 sig[160];
	size_t		 siglen = sizeof(sig);
	char		*b64 = malloc(256);

	ck_assert(ctx != NULL && b64 != NULL);
	ck_assert(EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, k->pkey) == 1);
	ck_assert(EVP_DigestSign(ctx, sig, &siglen, (const unsigned char *)text, strlen(text)) == 1);
	EVP_MD_CTX_free(ctx);
	base64_encode(sig, siglen, b64);
	return b64;
}

/* POSTs body to the inbox with these headers (any may be NULL). */
static struct resp *
post_raw(const char *id, const char *ts, const char *sig, const char *body)
{
	return webhook_post_raw(INBOX, id, ts, sig, body);
}

/* POSTs body signed under the stack's clinic-to-pharmacy secret at time ts. */
static struct resp *
post_signed(const char *id, int64_t ts, const char *body)
{
	return webhook_post_signed(INBOX, secret_text, id, ts, body);
}

static void
msg_id(char *out, size_t cap, const char *tag)
{
	ck_assert((size_t)snprintf(out, cap, "rx-test-%lld-%s", (long long)uniq(), tag) < cap);
}

/* The prescription.sent envelope for a document and signature (caller frees). */
static char *
sent_body(int64_t rx, const char *doc, const char *sig, const struct key *k)
{
	json_object	*o = json_object_new_object(), *d = json_object_new_object();
	char		*s;

	ck_assert(o != NULL && d != NULL);
	json_object_object_add(o, "type", json_object_new_string("prescription.sent"));
	json_object_object_add(o, "timestamp", json_object_new_string("2026-11-26T10:00:00Z"));
	json_object_object_add(d, "prescription_id", json_object_new_int64(rx));
	json_object_object_add(d, "document", json_object_new_string(doc));
	json_object_object_add(d, "signature", json_object_new_string(sig));
	json_object_object_add(d, "key_fingerprint", json_object_new_string(k->fp));
	json_object_object_add(d, "prescriber_id", json_object_new_int64(k->prescriber));
	json_object_object_add(o, "data", d);
	s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	ck_assert(s != NULL);
	json_object_put(o);
	return s;
}

/* Signs d with k and delivers it; returns the answer (caller frees). id: the webhook-id used. */
static struct resp *
deliver(const struct doc *d, const struct key *k, char id[96], bool tamper)
{
	char		*text = doc_text(d, k), *sig = sign_text(k, text), *body, *p;
	struct resp	*r;

	if (tamper) {
		/* the quantity changed after signing: one digit more */
		p = strstr(text, "\"amount\":");
		ck_assert(p != NULL);
		(void)memmove(p + 10, p + 9, strlen(p + 9) + 1);
		p[9] = '9';
	}
	body = sent_body(d->rx, text, sig, k);
	msg_id(id, 96, "sent");
	r = post_signed(id, (int64_t)time(NULL), body);
	free(body);
	free(sig);
	free(text);
	return r;
}

static int64_t
ph_id(int64_t clinic_rx)
{
	return sql_int("SELECT id FROM ph_prescription WHERE clinic_rx_id = %lld",
	    (long long)clinic_rx);
}

static int64_t
outbox_count(int64_t clinic_rx, const char *suffix)
{
	return sql_int("SELECT COUNT(*) FROM outbox WHERE kind = 'ph.clinic_event' AND"
	    " idempotency_key LIKE 'ph-rx-%lld-%s-%%'", (long long)clinic_rx, suffix);
}

/* A pharmacy product mapped to clinic product cp (a fresh number), as the pharmacist. */
static int64_t
product_new(struct browser *ph, int64_t cp, const char *unit)
{
	struct resp	*r;
	int64_t		 id;

	r = apif(ph, "POST", "/api/v1/pharmacy/products", "{\"clinic_product_id\":%lld,"
	    "\"supplier\":\"Test Supplies\",\"brand\":\"Harbour\",\"name\":\"Flower 22%% %lld\","
	    "\"form\":\"flower\",\"supply_unit\":\"%s\",\"pack_size\":10000}", (long long)cp,
	    (long long)cp, unit);
	ck_assert_msg(r->status == 201, "product: %s", rdesc(r));
	expect_one_audit(r, "pharmacy.product_created", "success");
	id = jint(r->json, "id");
	resp_free(r);
	return id;
}

/* Receives qty of a new batch of product; returns the answer (caller frees). */
static struct resp *
receive(struct browser *ph, int64_t product, long long qty, const char *batch)
{
	return apif(ph, "POST", "/api/v1/pharmacy/receipts", "{\"product_id\":%lld,"
	    "\"supplier\":\"Northfield Botanicals\",\"supplier_address\":\"Unit 4, Hull HU1 2AB\","
	    "\"batch_number\":\"%s\",\"expiry_date\":\"2099-06-30\",\"thc_ug_per_unit\":220,"
	    "\"cbd_ug_per_unit\":5,\"quantity\":%lld}", (long long)product, batch, qty);
}

static int64_t
receive_ok(struct browser *ph, int64_t product, long long qty, const char *batch)
{
	struct resp	*r = receive(ph, product, qty, batch);
	int64_t		 b;

	ck_assert_msg(r->status == 201, "receipt: %s", rdesc(r));
	expect_one_audit(r, "pharmacy.stock_received", "success");
	b = jint(r->json, "batch_id");
	resp_free(r);
	return b;
}

struct fx {
	struct browser	*ph;
	struct key	 k;
	int64_t		 cp;		/* clinic product id */
	int64_t		 product;	/* ours */
	int64_t		 batch;
};

static void
fx_new(struct fx *f, long long stock)
{
	char	batch[48];

	memset(f, 0, sizeof(*f));
	f->ph = staff_new("pharmacist", NULL);
	key_new(&f->k, true);
	f->cp = uniq();
	f->product = product_new(f->ph, f->cp, "mg");
	if (stock > 0) {
		ck_assert((size_t)snprintf(batch, sizeof(batch), "B-%lld", (long long)f->cp) <
		    sizeof(batch));
		f->batch = receive_ok(f->ph, f->product, stock, batch);
	}
}

static void
fx_free(struct fx *f)
{
	key_free(&f->k);
	br_free(f->ph);
}

/* ---- the inbox and the check ---- */

START_TEST(accepted_then_duplicates_ignored)
{
	struct fx	 f;
	struct doc	 d;
	struct resp	*r;
	char		 id[96], *body, *text, *sig;
	int64_t		 rx, inbox, outbox;

	fx_new(&f, 50000);
	doc_defaults(&d, f.cp, 10000);
	r = deliver(&d, &f.k, id, false);
	ck_assert_msg(r->status == 200, "inbox: %s", rdesc(r));
	ck_assert(jbool(r->json, "received"));
	ck_assert_str_eq(jstr(r->json, "status"), "accepted");
	rx = ph_id(d.rx);
	{
		char ref[24];

		ck_assert((size_t)snprintf(ref, sizeof(ref), "%lld", (long long)rx) < sizeof(ref));
		ck_assert_str_eq(jstr(r->json, "pharmacy_ref"), ref);
	}
	resp_free(r);
	ck_assert_int_eq(sql_int("SELECT quantity FROM ph_reservation WHERE prescription_id = %lld"
	    " AND status = 'held'", (long long)rx), 10000);
	ck_assert_int_eq(outbox_count(d.rx, "received"), 1);
	ck_assert_int_eq(outbox_count(d.rx, "accepted"), 1);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM audit_event WHERE action ="
	    " 'pharmacy.prescription_accepted' AND entity_id = '%lld'", (long long)rx), 1);
	ck_assert_int_eq(sql_int("SELECT JSON_VALUE(payload, '$.data.reserved.quantity') FROM outbox"
	    " WHERE idempotency_key LIKE 'ph-rx-%lld-accepted-%%'", (long long)d.rx), 10000);
	/* the stock message says what is left */
	ck_assert_int_eq(sql_int("SELECT JSON_VALUE(payload, '$.data.items[0].available') FROM outbox"
	    " WHERE kind = 'ph.clinic_event' AND idempotency_key LIKE 'ph-stock-%lld-res-%%-held'",
	    (long long)f.product), 40000);
	/* (this prescription's and product's rows only: other work goes on meanwhile) */
	inbox = sql_int("SELECT COUNT(*) FROM ph_inbox WHERE webhook_id IN ('%s',"
	    " 'rx-test-other-id')", id);
	outbox = sql_int("SELECT COUNT(*) FROM outbox WHERE kind = 'ph.clinic_event' AND"
	    " (idempotency_key LIKE 'ph-rx-%lld-%%' OR idempotency_key LIKE 'ph-stock-%lld-%%')",
	    (long long)d.rx, (long long)f.product);

	/* the same message again (a retry after a lost answer) */
	text = doc_text(&d, &f.k);
	sig = sign_text(&f.k, text);
	body = sent_body(d.rx, text, sig, &f.k);
	r = post_signed(id, (int64_t)time(NULL), body);
	ck_assert_msg(r->status == 200, "again: %s", rdesc(r));
	ck_assert(jbool(r->json, "duplicate"));
	resp_free(r);
	/* the same prescription under another webhook-id */
	r = post_signed("rx-test-other-id", (int64_t)time(NULL), body);
	ck_assert_msg(r->status == 200, "other id: %s", rdesc(r));
	ck_assert(jbool(r->json, "duplicate"));
	resp_free(r);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM ph_inbox WHERE webhook_id IN ('%s',"
	    " 'rx-test-other-id')", id), inbox);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM outbox WHERE kind = 'ph.clinic_event' AND"
	    " (idempotency_key LIKE 'ph-rx-%lld-%%' OR idempotency_key LIKE 'ph-stock-%lld-%%')",
	    (long long)d.rx, (long long)f.product), outbox);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM ph_prescription WHERE clinic_rx_id = %lld",
	    (long long)d.rx), 1);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM ph_reservation WHERE prescription_id = %lld",
	    (long long)rx), 1);
	free(body);
	free(sig);
	free(text);
	fx_free(&f);
}
END_TEST

START_TEST(tampered_document_rejected)
{
	struct fx	 f;
	struct doc	 d;
	struct resp	*r;
	char		 id[96];
	int64_t		 rx;

	fx_new(&f, 50000);
	doc_defaults(&d, f.cp, 1000);
	r = deliver(&d, &f.k, id, true);
	ck_assert_msg(r->status == 200, "inbox: %s", rdesc(r));
	ck_assert_str_eq(jstr(r->json, "status"), "rejected");
	resp_free(r);
	rx = ph_id(d.rx);
	ck_assert_str_eq(sql_str("SELECT signature_status FROM ph_prescription WHERE id = %lld",
	    (long long)rx), "invalid");
	ck_assert_str_eq(sql_str("SELECT JSON_VALUE(check_result, '$.reasons[0].code') FROM"
	    " ph_prescription WHERE id = %lld", (long long)rx), "signature-invalid");
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM ph_reservation WHERE prescription_id = %lld",
	    (long long)rx), 0);
	ck_assert_int_eq(outbox_count(d.rx, "rejected"), 1);
	ck_assert_str_eq(sql_str("SELECT JSON_VALUE(payload, '$.data.reasons[0].code') FROM outbox"
	    " WHERE idempotency_key LIKE 'ph-rx-%lld-rejected-%%'", (long long)d.rx),
	    "signature-invalid");
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM audit_event WHERE action ="
	    " 'pharmacy.prescription_rejected' AND entity_id = '%lld'", (long long)rx), 1);
	/* the pharmacist sees it rejected with the reason */
	r = api_get(f.ph, "/api/v1/pharmacy/prescriptions/%lld", (long long)rx);
	ck_assert_msg(r->status == 200, "get: %s", rdesc(r));
	ck_assert_str_eq(jstr(r->json, "status"), "rejected");
	ck_assert_str_eq(jstr(r->json, "signature_status"), "invalid");
	ck_assert_str_eq(jstr(r->json, "check_result.reasons.0.code"), "signature-invalid");
	resp_free(r);
	fx_free(&f);
}
END_TEST

/* Delivers d and asserts it was rejected with code (first reason naming it). */
static void
expect_rejected(struct fx *f, const struct doc *d, const char *code, const char *mention)
{
	struct resp	*r;
	char		 id[96], *all;

	r = deliver(d, &f->k, id, false);
	ck_assert_msg(r->status == 200, "inbox: %s", rdesc(r));
	ck_assert_msg(strcmp(jstr(r->json, "status"), "rejected") == 0, "%s: %s", code, rdesc(r));
	resp_free(r);
	all = sql_str("SELECT check_result FROM ph_prescription WHERE clinic_rx_id = %lld",
	    (long long)d->rx);
	ck_assert_msg(all != NULL && strstr(all, code) != NULL, "%s not in %s", code, all);
	if (mention != NULL)
		ck_assert_msg(strstr(all, mention) != NULL, "%s not in %s", mention, all);
	ck_assert_str_eq(sql_str("SELECT signature_status FROM ph_prescription WHERE"
	    " clinic_rx_id = %lld", (long long)d->rx), "valid");
	ck_assert_int_eq(outbox_count(d->rx, "rejected"), 1);
	free(all);
}

START_TEST(validity_and_fields_rejected)
{
	struct fx	 f;
	struct doc	 d;

	fx_new(&f, 50000);
	/* expired yesterday */
	doc_defaults(&d, f.cp, 1000);
	d.issued_off = -29 * DAY;
	d.from_off = -29 * DAY;
	d.until_off = -DAY;
	expect_rejected(&f, &d, "expired", NULL);
	/* valid for 35 days */
	doc_defaults(&d, f.cp, 1000);
	d.until_off = 35 * DAY;
	expect_rejected(&f, &d, "validity-too-long", NULL);
	/* starts in a week */
	doc_defaults(&d, f.cp, 1000);
	d.from_off = 7 * DAY;
	d.until_off = 30 * DAY;
	expect_rejected(&f, &d, "not-yet-valid", NULL);
	/* no address for the patient (a Schedule 2 field) */
	doc_defaults(&d, f.cp, 1000);
	d.no_address = true;
	expect_rejected(&f, &d, "field-missing", "patient.address");
	/* a name longer than the register's column: accepted, the name clipped where stored */
	{
		struct resp	*r;
		char		 id[96], name[420];

		memset(name, 'N', sizeof(name) - 1);
		name[sizeof(name) - 1] = '\0';
		doc_defaults(&d, f.cp, 1000);
		d.patient = name;
		r = deliver(&d, &f.k, id, false);
		ck_assert_msg(r->status == 200, "long name: %s", rdesc(r));
		ck_assert_str_eq(jstr(r->json, "status"), "accepted");
		resp_free(r);
		ck_assert_int_eq(sql_int("SELECT CHAR_LENGTH(patient_name) FROM ph_prescription WHERE"
		    " clinic_rx_id = %lld", (long long)d.rx), 300);
	}
	/* a product this pharmacy does not stock, and one in another unit */
	doc_defaults(&d, uniq(), 1000);
	expect_rejected(&f, &d, "product-not-stocked", NULL);
	doc_defaults(&d, f.cp, 1000);
	d.unit = "ul";
	expect_rejected(&f, &d, "unit-mismatch", NULL);
	fx_free(&f);
}
END_TEST

START_TEST(out_of_stock_then_receipt_accepts)
{
	struct fx	 f;
	struct doc	 d, d2;
	struct resp	*r;
	char		 id[96], date[16], batch[48];
	int64_t		 rx, rx2;

	fx_new(&f, 1000);
	/* two deliveries expected: 2000 in 3 days (not enough alone), 10000 in 9 days */
	stamp(date, sizeof(date), 3 * DAY, true);
	r = apif(f.ph, "POST", "/api/v1/pharmacy/expected", "{\"product_id\":%lld,\"quantity\":2000,"
	    "\"expected_date\":\"%s\",\"note\":\"part order\"}", (long long)f.product, date);
	ck_assert_msg(r->status == 201, "expected: %s", rdesc(r));
	expect_one_audit(r, "pharmacy.delivery_expected", "success");
	resp_free(r);
	stamp(date, sizeof(date), 9 * DAY, true);
	r = apif(f.ph, "POST", "/api/v1/pharmacy/expected", "{\"product_id\":%lld,"
	    "\"quantity\":10000,\"expected_date\":\"%s\"}", (long long)f.product, date);
	ck_assert_msg(r->status == 201, "expected: %s", rdesc(r));
	resp_free(r);

	doc_defaults(&d, f.cp, 5000);
	r = deliver(&d, &f.k, id, false);
	ck_assert_msg(r->status == 200, "inbox: %s", rdesc(r));
	ck_assert_str_eq(jstr(r->json, "status"), "out_of_stock");
	resp_free(r);
	rx = ph_id(d.rx);
	/* the message names what is missing and when the delivery that covers it comes */
	ck_assert_int_eq(outbox_count(d.rx, "out_of_stock"), 1);
	ck_assert_int_eq(sql_int("SELECT JSON_VALUE(payload, '$.data.missing[0].product_id') FROM"
	    " outbox WHERE idempotency_key LIKE 'ph-rx-%lld-out_of_stock-%%'", (long long)d.rx),
	    f.cp);
	ck_assert_int_eq(sql_int("SELECT JSON_VALUE(payload, '$.data.missing[0].needed') FROM"
	    " outbox WHERE idempotency_key LIKE 'ph-rx-%lld-out_of_stock-%%'", (long long)d.rx),
	    5000);
	ck_assert_int_eq(sql_int("SELECT JSON_VALUE(payload, '$.data.missing[0].available') FROM"
	    " outbox WHERE idempotency_key LIKE 'ph-rx-%lld-out_of_stock-%%'", (long long)d.rx),
	    1000);
	ck_assert_str_eq(sql_str("SELECT JSON_VALUE(payload, '$.data.missing[0].unit') FROM"
	    " outbox WHERE idempotency_key LIKE 'ph-rx-%lld-out_of_stock-%%'", (long long)d.rx), "mg");
	ck_assert_str_eq(sql_str("SELECT JSON_VALUE(payload, '$.data.expected_date') FROM"
	    " outbox WHERE idempotency_key LIKE 'ph-rx-%lld-out_of_stock-%%'", (long long)d.rx), date);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM ph_reservation WHERE prescription_id = %lld",
	    (long long)rx), 0);
	/* a second one, still short after the receipt below */
	doc_defaults(&d2, f.cp, 9000);
	r = deliver(&d2, &f.k, id, false);
	ck_assert_str_eq(jstr(r->json, "status"), "out_of_stock");
	resp_free(r);
	rx2 = ph_id(d2.rx);
	/* accepting by hand while short: 409 with the figures, nothing changed */
	r = api_get(f.ph, "/api/v1/pharmacy/prescriptions/%lld", (long long)rx);
	resp_free(r);
	r = api(f.ph, "POST", "/api/v1/pharmacy/prescriptions/0/accept", NULL);
	expect_problem(r, 404, "not-found");
	resp_free(r);
	{
		char path[96];

		(void)snprintf(path, sizeof(path), "/api/v1/pharmacy/prescriptions/%lld/accept",
		    (long long)rx);
		r = api(f.ph, "POST", path, NULL);
		expect_problem(r, 409, "out-of-stock");
		resp_free(r);
	}
	/* 6000 arrive: the oldest (5000) is accepted; the other (9000) still waits */
	ck_assert((size_t)snprintf(batch, sizeof(batch), "B2-%lld", (long long)f.cp) < sizeof(batch));
	r = receive(f.ph, f.product, 6000, batch);
	ck_assert_msg(r->status == 201, "receipt: %s", rdesc(r));
	ck_assert_int_eq(jint(r->json, "rechecked.0.id"), rx);
	ck_assert_str_eq(jstr(r->json, "rechecked.0.status"), "accepted");
	ck_assert_int_eq(jint(r->json, "rechecked.1.id"), rx2);
	ck_assert_str_eq(jstr(r->json, "rechecked.1.status"), "out_of_stock");
	resp_free(r);
	ck_assert_str_eq(sql_str("SELECT status FROM ph_prescription WHERE id = %lld",
	    (long long)rx), "accepted");
	ck_assert_int_eq(outbox_count(d.rx, "accepted"), 1);
	ck_assert_int_eq(outbox_count(d2.rx, "out_of_stock"), 1);	/* not said twice */
	/* the pharmacist gives up on the other, in a long reason (multibyte text cut cleanly) */
	{
		char	body[2048], path[128];
		size_t	k, n;

		n = (size_t)snprintf(body, sizeof(body), "{\"reason\":\"x");
		for (k = 0; k < 600; k++) {
			body[n++] = '\xc3';
			body[n++] = '\xa9';
		}
		ck_assert((size_t)snprintf(body + n, sizeof(body) - n, "\"}") < sizeof(body) - n);
		(void)snprintf(path, sizeof(path), "/api/v1/pharmacy/prescriptions/%lld/reject",
		    (long long)rx2);
		r = api(f.ph, "POST", path, body);
		ck_assert_msg(r->status == 200, "reject: %s", rdesc(r));
		ck_assert_str_eq(jstr(r->json, "status"), "rejected");
		ck_assert_str_eq(jstr(r->json, "check_result.reasons.0.code"), "pharmacist");
		expect_one_audit(r, "pharmacy.prescription_rejected", "success");
		resp_free(r);
		ck_assert_int_eq(outbox_count(d2.rx, "rejected"), 1);
		/* and not twice */
		r = api(f.ph, "POST", path, "{\"reason\":\"again\"}");
		expect_problem(r, 409, "wrong-status");
		resp_free(r);
	}
	fx_free(&f);
}
END_TEST

START_TEST(paper_original_stage)
{
	struct fx	 f;
	struct doc	 d;
	struct resp	*r;
	char		 id[96], path[128];
	int64_t		 rx, ph_user;
	struct browser	*other;

	fx_new(&f, 20000);
	doc_defaults(&d, f.cp, 2000);
	d.paper = true;
	r = deliver(&d, &f.k, id, false);
	ck_assert_msg(r->status == 200, "inbox: %s", rdesc(r));
	ck_assert_str_eq(jstr(r->json, "status"), "awaiting_paper");
	resp_free(r);
	rx = ph_id(d.rx);
	ck_assert_int_eq(outbox_count(d.rx, "awaiting_paper"), 1);
	ck_assert_int_eq(outbox_count(d.rx, "accepted"), 0);
	/* stock is held for it meanwhile */
	ck_assert_int_eq(sql_int("SELECT quantity FROM ph_reservation WHERE prescription_id = %lld"
	    " AND status = 'held'", (long long)rx), 2000);
	/* not dispensed before the paper arrives */
	(void)snprintf(path, sizeof(path), "/api/v1/pharmacy/prescriptions/%lld/dispense",
	    (long long)rx);
	r = apif(f.ph, "POST", path, "{\"batches\":[{\"batch_id\":%lld,\"quantity\":2000}],"
	    "\"method\":\"collection\",\"collector\":\"Ann Pharmacy\",\"id_requested\":true,"
	    "\"id_provided\":true}", (long long)f.batch);
	expect_problem(r, 409, "wrong-status");
	resp_free(r);
	/* the queue shows it in its own tab */
	r = api_get(f.ph, "/api/v1/pharmacy/prescriptions?status=awaiting_paper");
	ck_assert_msg(r->status == 200, "queue: %s", rdesc(r));
	ck_assert(strstr(r->body, d.patient) != NULL);
	resp_free(r);
	other = staff_new("pharmacist", &ph_user);
	(void)snprintf(path, sizeof(path), "/api/v1/pharmacy/prescriptions/%lld/paper-received",
	    (long long)rx);
	r = api(other, "POST", path, NULL);
	ck_assert_msg(r->status == 200, "paper: %s", rdesc(r));
	ck_assert_str_eq(jstr(r->json, "status"), "accepted");
	ck_assert(jstr(r->json, "paper_received_at") != NULL);
	ck_assert_int_eq(jint(r->json, "paper_received_by"), ph_user);
	expect_one_audit(r, "pharmacy.prescription_accepted", "success");
	resp_free(r);
	ck_assert_int_eq(outbox_count(d.rx, "accepted"), 1);
	/* twice: 409 */
	r = api(other, "POST", path, NULL);
	expect_problem(r, 409, "wrong-status");
	resp_free(r);
	br_free(other);
	fx_free(&f);
}
END_TEST

START_TEST(register_balance_supply_correction_csv)
{
	struct fx	 f;
	struct doc	 d;
	struct resp	*r;
	char		 id[96], path[128], batch[48];
	int64_t		 rx, b2, receipt, corr;
	char		*csv;

	fx_new(&f, 10000);
	ck_assert((size_t)snprintf(batch, sizeof(batch), "C2-%lld", (long long)f.cp) < sizeof(batch));
	b2 = receive_ok(f.ph, f.product, 5000, batch);
	receipt = sql_int("SELECT id FROM ph_register WHERE batch_id = %lld AND kind = 'receipt'",
	    (long long)b2);
	ck_assert_int_eq(sql_int("SELECT balance FROM ph_register WHERE id = %lld",
	    (long long)receipt), 15000);
	doc_defaults(&d, f.cp, 3000);
	d.patient = "=HYPERLINK(1+1)";
	r = deliver(&d, &f.k, id, false);
	ck_assert_str_eq(jstr(r->json, "status"), "accepted");
	resp_free(r);
	rx = ph_id(d.rx);
	(void)snprintf(path, sizeof(path), "/api/v1/pharmacy/prescriptions/%lld/dispense",
	    (long long)rx);
	/* batches must add up to the prescription, be of its product and on hand */
	r = apif(f.ph, "POST", path, "{\"batches\":[{\"batch_id\":%lld,\"quantity\":2000}],"
	    "\"method\":\"collection\",\"collector\":\"-1+cmd|calc\",\"id_requested\":true,"
	    "\"id_provided\":false}", (long long)f.batch);
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "batches"));
	resp_free(r);
	r = apif(f.ph, "POST", path, "{\"batches\":[{\"batch_id\":%lld,\"quantity\":3000}],"
	    "\"method\":\"collection\",\"id_requested\":true,\"id_provided\":false}",
	    (long long)f.batch);
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "collector"));
	resp_free(r);
	/* 2000 from the first batch and 1000 from the second */
	r = apif(f.ph, "POST", path, "{\"batches\":[{\"batch_id\":%lld,\"quantity\":2000},"
	    "{\"batch_id\":%lld,\"quantity\":1000}],\"method\":\"collection\","
	    "\"collector\":\"-1+cmd|calc\",\"id_requested\":true,\"id_provided\":false}",
	    (long long)f.batch, (long long)b2);
	ck_assert_msg(r->status == 200, "dispense: %s", rdesc(r));
	ck_assert_str_eq(jstr(r->json, "status"), "delivered");
	ck_assert_int_eq(json_object_array_length(jget(r->json, "dispenses")), 2);
	resp_free(r);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM audit_event WHERE action ="
	    " 'pharmacy.prescription_dispensed' AND entity_id = '%lld'", (long long)rx), 1);
	ck_assert_str_eq(sql_str("SELECT status FROM ph_reservation WHERE prescription_id = %lld",
	    (long long)rx), "consumed");
	ck_assert_int_eq(outbox_count(d.rx, "dispensed"), 1);
	ck_assert_int_eq(outbox_count(d.rx, "delivered"), 1);
	ck_assert_str_eq(sql_str("SELECT JSON_VALUE(payload, '$.data.batches[1].batch_number') FROM"
	    " outbox WHERE idempotency_key LIKE 'ph-rx-%lld-dispensed-%%'", (long long)d.rx), batch);
	ck_assert_int_eq(sql_int("SELECT balance FROM ph_register WHERE product_id = %lld ORDER BY"
	    " id DESC LIMIT 1", (long long)f.product), 12000);
	ck_assert_int_eq(sql_int("SELECT SUM(on_hand) FROM ph_batch WHERE product_id = %lld",
	    (long long)f.product), 12000);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM ph_register WHERE prescription_id = %lld AND"
	    " kind = 'supply' AND id_requested = 1 AND id_provided = 0 AND prescriber LIKE"
	    " '%%7000002%%'", (long long)rx), 2);

	/* a correction: the second receipt was 500 more */
	(void)snprintf(path, sizeof(path), "/api/v1/pharmacy/register/%lld/correction",
	    (long long)receipt);
	r = api(f.ph, "POST", path, "{\"quantity\":0,\"reason\":\"miscounted\"}");
	expect_problem(r, 422, "validation");
	resp_free(r);
	r = api(f.ph, "POST", path, "{\"quantity\":500,\"reason\":\"the delivery note said 5500\"}");
	ck_assert_msg(r->status == 201, "correction: %s", rdesc(r));
	ck_assert_int_eq(jint(r->json, "balance"), 12500);
	corr = jint(r->json, "id");
	expect_one_audit(r, "pharmacy.register_corrected", "success");
	resp_free(r);
	ck_assert_int_eq(sql_int("SELECT corrects_id FROM ph_register WHERE id = %lld",
	    (long long)corr), receipt);
	/* the entry corrected is unchanged, and no one may change it */
	ck_assert_int_eq(sql_int("SELECT quantity FROM ph_register WHERE id = %lld",
	    (long long)receipt), 5000);
	ck_assert_msg(sql_exec("UPDATE ph_register SET quantity = 5500 WHERE id = %lld",
	    (long long)receipt) != 0, "the register accepted an UPDATE");
	ck_assert_msg(sql_exec("DELETE FROM ph_register WHERE id = %lld", (long long)corr) != 0,
	    "the register accepted a DELETE");

	/* the register as JSON: receipts, supplies and the correction with running balances */
	r = api_get(f.ph, "/api/v1/pharmacy/register?product=%lld", (long long)f.product);
	ck_assert_msg(r->status == 200, "register: %s", rdesc(r));
	ck_assert_int_eq(json_object_array_length(jget(r->json, "items")), 5);
	ck_assert_str_eq(jstr(r->json, "items.0.kind"), "receipt");
	ck_assert_int_eq(jint(r->json, "items.0.balance"), 10000);
	ck_assert_int_eq(jint(r->json, "items.1.balance"), 15000);
	ck_assert_str_eq(jstr(r->json, "items.2.kind"), "supply");
	ck_assert_int_eq(jint(r->json, "items.2.quantity"), -2000);
	ck_assert_int_eq(jint(r->json, "items.3.balance"), 12000);
	ck_assert_str_eq(jstr(r->json, "items.4.kind"), "correction");
	ck_assert_int_eq(jint(r->json, "items.4.balance"), 12500);
	ck_assert_str_eq(jstr(r->json, "items.0.counterparty"),
	    "Northfield Botanicals, Unit 4, Hull HU1 2AB");
	ck_assert_int_eq(jint(r->json, "items.2.thc_ug_per_unit"), 220);
	expect_one_audit(r, "pharmacy.register_read", "success");
	resp_free(r);
	/* a date range that ends before today holds nothing */
	r = api_get(f.ph, "/api/v1/pharmacy/register?product=%lld&from=2020-01-01&to=2020-12-31",
	    (long long)f.product);
	ck_assert_int_eq(json_object_array_length(jget(r->json, "items")), 0);
	resp_free(r);
	r = api_get(f.ph, "/api/v1/pharmacy/register?from=2021-01-01&to=2020-12-31");
	expect_problem(r, 422, "validation");
	resp_free(r);
	/* CSV, with the patient's and collector's formula-like text neutralised */
	r = api_get(f.ph, "/api/v1/pharmacy/register?product=%lld&format=csv", (long long)f.product);
	ck_assert_msg(r->status == 200, "csv: %s", rdesc(r));
	csv = resp_header(r, "Content-Type");
	ck_assert(csv != NULL && strncmp(csv, "text/csv", 8) == 0);
	free(csv);
	ck_assert(strncmp(r->body, "id,at,product_id,product,unit,kind,quantity,balance,", 52) == 0);
	ck_assert_msg(strstr(r->body, "\"'=HYPERLINK(1+1)") != NULL, "not neutralised: %s", r->body);
	ck_assert_msg(strstr(r->body, "\"'-1+cmd|calc\"") != NULL, "not neutralised: %s", r->body);
	ck_assert(strstr(r->body, ",-2000,13000,") != NULL);
	ck_assert(strstr(r->body, ",correction,500,12500,") != NULL);
	resp_free(r);
	fx_free(&f);
}
END_TEST

/*
 * The register a page at a time: 2,601 entries of one product read as
 * JSON pages (500 by default, at most 1000, next_after to go on) and as
 * one CSV holding every entry (streamed a page at a time by the server).
 */
START_TEST(register_pages_and_csv_whole)
{
	struct fx	 f;
	struct resp	*r;
	int64_t		 first, last, after = 0, prev = 0, n = 0, id;
	size_t		 i, len, lines = 0;
	int		 pages = 0;
	char		*p, *line;

	fx_new(&f, 1000);
	/* 2,600 more receipts of 1 mg each, as the books would have them */
	ck_assert_msg(sql_exec("INSERT INTO ph_register (product_id, batch_id, kind, quantity,"
	    " balance, at, counterparty) SELECT %lld, %lld, 'receipt', 1, 1000 + seq,"
	    " UTC_TIMESTAMP(6), CONCAT('Northfield Botanicals, delivery ', seq)"
	    " FROM seq_1_to_2600 ORDER BY seq", (long long)f.product, (long long)f.batch) == 0,
	    "%s", sql_error());
	ck_assert(sql_exec("UPDATE ph_batch SET on_hand = on_hand + 2600 WHERE id = %lld",
	    (long long)f.batch) == 0);
	first = sql_int("SELECT MIN(id) FROM ph_register WHERE product_id = %lld",
	    (long long)f.product);
	last = sql_int("SELECT MAX(id) FROM ph_register WHERE product_id = %lld",
	    (long long)f.product);

	/* the first page: 500 entries and where the next starts */
	r = api_get(f.ph, "/api/v1/pharmacy/register?product=%lld", (long long)f.product);
	ck_assert_msg(r->status == 200, "register: %s", rdesc(r));
	len = json_object_array_length(jget(r->json, "items"));
	ck_assert_uint_eq(len, 500);
	ck_assert_int_eq(jint(r->json, "items.0.id"), first);
	ck_assert_int_eq(jint(r->json, "next_after"), jint(r->json, "items.499.id"));
	ck_assert_int_eq(jint(r->json, "items.499.balance"), 1499);
	resp_free(r);

	/* every page of 1000: each entry once, in order, the last page says no more */
	do {
		if (after == 0)
			r = api_get(f.ph, "/api/v1/pharmacy/register?product=%lld&limit=1000",
			    (long long)f.product);
		else
			r = api_get(f.ph, "/api/v1/pharmacy/register?product=%lld&limit=1000"
			    "&after=%lld", (long long)f.product, (long long)after);
		ck_assert_msg(r->status == 200, "page %d: %s", pages, rdesc(r));
		len = json_object_array_length(jget(r->json, "items"));
		for (i = 0; i < len; i++) {
			char	 key[32];

			(void)snprintf(key, sizeof(key), "items.%zu.id", i);
			id = jint(r->json, key);
			ck_assert_msg(id > prev, "entry %lld after %lld", (long long)id,
			    (long long)prev);
			prev = id;
			n++;
		}
		after = jnull(r->json, "next_after") ? 0 : jint(r->json, "next_after");
		resp_free(r);
		pages++;
	} while (after != 0 && pages < 10);
	ck_assert_int_eq(pages, 3);
	ck_assert_int_eq(n, 2601);
	ck_assert_int_eq(prev, last);

	/* a page too large, a cursor that is no entry, a limit of none: named, nothing read */
	r = api_get(f.ph, "/api/v1/pharmacy/register?product=%lld&limit=1001",
	    (long long)f.product);
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "limit"));
	resp_free(r);
	r = api_get(f.ph, "/api/v1/pharmacy/register?limit=0");
	ck_assert(r->status == 400 || r->status == 422);
	ck_assert(has_error_field(r, "limit"));
	resp_free(r);
	r = api_get(f.ph, "/api/v1/pharmacy/register?after=%lld", (long long)last + 1000000);
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "after"));
	resp_free(r);
	r = api_get(f.ph, "/api/v1/pharmacy/register?after=first");
	ck_assert(r->status == 400 || r->status == 422);
	ck_assert(has_error_field(r, "after"));
	resp_free(r);

	/* a cursor of another product than the one asked for */
	r = api_get(f.ph, "/api/v1/pharmacy/register?product=%lld&after=%lld",
	    (long long)f.product + 1000000, (long long)first);
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "after"));
	resp_free(r);

	/* the CSV holds every entry, once, in order (more than one page on the server) */
	r = api_get(f.ph, "/api/v1/pharmacy/register?product=%lld&format=csv", (long long)f.product);
	ck_assert_msg(r->status == 200, "csv: %s", rdesc(r));
	p = resp_header(r, "X-Register-Entries");
	ck_assert_msg(p != NULL && strcmp(p, "2601") == 0, "X-Register-Entries: %s", p);
	free(p);
	prev = 0;
	for (p = r->body; (line = strsep(&p, "\n")) != NULL; ) {
		if (*line == '\0')
			continue;
		ck_assert_msg(line[strlen(line) - 1] == '\r', "a line without CRLF: %s", line);
		if (lines++ == 0) {
			ck_assert(strncmp(line, "id,at,product_id,", 17) == 0);
			continue;
		}
		id = strtoll(line, NULL, 10);
		ck_assert_msg(id > prev, "CSV entry %lld after %lld", (long long)id, (long long)prev);
		prev = id;
	}
	ck_assert_uint_eq(lines, 2602);
	ck_assert_int_eq(prev, last);
	/* the read is audited with how many entries it gave */
	expect_one_audit(r, "pharmacy.register_read", "success");
	ck_assert_int_eq(sql_int("SELECT JSON_VALUE(details, '$.entries') FROM audit_event WHERE"
	    " request_id = '%s'", r->rid), 2601);
	resp_free(r);
	/* and with a limit, that many after the cursor */
	r = api_get(f.ph, "/api/v1/pharmacy/register?product=%lld&format=csv&limit=3&after=%lld",
	    (long long)f.product, (long long)first);
	ck_assert_msg(r->status == 200, "csv: %s", rdesc(r));
	for (lines = 0, p = r->body; *p != '\0'; p++)
		lines += *p == '\n';
	ck_assert_uint_eq(lines, 4);
	resp_free(r);
	fx_free(&f);
}
END_TEST

START_TEST(stock_out_and_counts)
{
	struct fx	 f;
	struct resp	*r;

	fx_new(&f, 10000);
	/* destruction needs a witness */
	r = apif(f.ph, "POST", "/api/v1/pharmacy/stock-out", "{\"batch_id\":%lld,\"quantity\":500,"
	    "\"kind\":\"destruction\",\"reason\":\"damaged in storage\"}", (long long)f.batch);
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "witness"));
	resp_free(r);
	r = apif(f.ph, "POST", "/api/v1/pharmacy/stock-out", "{\"batch_id\":%lld,\"quantity\":50000,"
	    "\"kind\":\"return\",\"reason\":\"recall\"}", (long long)f.batch);
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "quantity"));
	resp_free(r);
	r = apif(f.ph, "POST", "/api/v1/pharmacy/stock-out", "{\"batch_id\":%lld,\"quantity\":500,"
	    "\"kind\":\"destruction\",\"reason\":\"damaged in storage\","
	    "\"witness\":\"Dr Kay Witness, CD accountable officer\"}", (long long)f.batch);
	ck_assert_msg(r->status == 201, "destroy: %s", rdesc(r));
	ck_assert_int_eq(jint(r->json, "on_hand"), 9500);
	expect_one_audit(r, "pharmacy.stock_destroyed", "success");
	resp_free(r);
	ck_assert_str_eq(sql_str("SELECT witness FROM ph_register WHERE batch_id = %lld AND kind ="
	    " 'destruction'", (long long)f.batch), "Dr Kay Witness, CD accountable officer");
	r = apif(f.ph, "POST", "/api/v1/pharmacy/stock-out", "{\"batch_id\":%lld,\"quantity\":1500,"
	    "\"kind\":\"return\",\"reason\":\"supplier recall\"}", (long long)f.batch);
	ck_assert_msg(r->status == 201, "return: %s", rdesc(r));
	resp_free(r);
	ck_assert_int_eq(sql_int("SELECT balance FROM ph_register WHERE product_id = %lld ORDER BY"
	    " id DESC LIMIT 1", (long long)f.product), 8000);
	ck_assert_str_eq(sql_str("SELECT counterparty FROM ph_register WHERE batch_id = %lld AND"
	    " kind = 'return'", (long long)f.batch), "Northfield Botanicals");

	/* a count that agrees makes no entry */
	r = apif(f.ph, "POST", "/api/v1/pharmacy/counts", "{\"batch_id\":%lld,\"counted\":8000}",
	    (long long)f.batch);
	ck_assert_msg(r->status == 201, "count: %s", rdesc(r));
	ck_assert_int_eq(jint(r->json, "discrepancy"), 0);
	ck_assert(jnull(r->json, "register_id"));
	resp_free(r);
	/* one that differs needs a note, and adjusts */
	r = apif(f.ph, "POST", "/api/v1/pharmacy/counts", "{\"batch_id\":%lld,\"counted\":7900}",
	    (long long)f.batch);
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "note"));
	resp_free(r);
	r = apif(f.ph, "POST", "/api/v1/pharmacy/counts", "{\"batch_id\":%lld,\"counted\":7900,"
	    "\"note\":\"100 mg short: spillage when weighing\"}", (long long)f.batch);
	ck_assert_msg(r->status == 201, "count: %s", rdesc(r));
	ck_assert_int_eq(jint(r->json, "discrepancy"), -100);
	ck_assert_int_eq(jint(r->json, "expected"), 8000);
	expect_one_audit(r, "pharmacy.stock_counted", "success");
	resp_free(r);
	ck_assert_int_eq(sql_int("SELECT balance FROM ph_register WHERE product_id = %lld ORDER BY"
	    " id DESC LIMIT 1", (long long)f.product), 7900);
	ck_assert_int_eq(sql_int("SELECT on_hand FROM ph_batch WHERE id = %lld", (long long)f.batch),
	    7900);
	/* the stock view */
	r = api_get(f.ph, "/api/v1/pharmacy/stock");
	ck_assert_msg(r->status == 200, "stock: %s", rdesc(r));
	{
		json_object	*items = jget(r->json, "items"), *p = NULL;
		size_t		 i;

		for (i = 0; i < json_object_array_length(items); i++)
			if (jint(json_object_array_get_idx(items, i), "id") == f.product)
				p = json_object_array_get_idx(items, i);
		ck_assert(p != NULL);
		ck_assert_int_eq(jint(p, "on_hand"), 7900);
		ck_assert_int_eq(jint(p, "available"), 7900);
		ck_assert_int_eq(jint(p, "counts.0.discrepancy"), -100);
	}
	resp_free(r);
	fx_free(&f);
}
END_TEST

START_TEST(bad_signature_refused_and_audited)
{
	struct resp	*r;
	char		 id[96], ts[24];
	const char	*body = "{\"type\":\"prescription.sent\",\"timestamp\":\"x\",\"data\":{}}";
	unsigned char	 key[WEBHOOK_SECRET_MAX];
	size_t		 klen;
	char		 sig[WEBHOOK_SIG_LEN];

	msg_id(id, sizeof(id), "badsig");
	ck_assert((size_t)snprintf(ts, sizeof(ts), "%lld", (long long)time(NULL)) < sizeof(ts));
	/* signed under another secret */
	ck_assert(webhook_secret_decode("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", key, &klen) ==
	    CE_OK);
	ck_assert(webhook_sign(key, klen, id, (int64_t)time(NULL), body, strlen(body), sig) ==
	    CE_OK);
	r = post_raw(id, ts, sig, body);
	expect_problem(r, 401, "webhook-signature");
	expect_one_audit(r, "pharmacy.webhook_refused", "failure");
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM audit_event WHERE request_id = '%s' AND"
	    " JSON_VALUE(details, '$.verdict') = 'bad_signature' AND JSON_VALUE(details,"
	    " '$.webhook_id') = '%s' AND actor_role = 'system'", r->rid, id), 1);
	resp_free(r);
	/* no headers */
	r = post_raw(NULL, NULL, NULL, body);
	expect_problem(r, 401, "webhook-signature");
	expect_one_audit(r, "pharmacy.webhook_refused", "failure");
	resp_free(r);
	/* an id of bytes that are not printable ASCII (not even UTF-8): refused, audited without it */
	r = post_raw("bad-\xff\xfe-id", ts, sig, body);
	expect_problem(r, 401, "webhook-signature");
	expect_one_audit(r, "pharmacy.webhook_refused", "failure");
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM audit_event WHERE request_id = '%s' AND"
	    " JSON_TYPE(JSON_EXTRACT(details, '$.webhook_id')) = 'NULL'", r->rid), 1);
	resp_free(r);
	/* stale: ten minutes old, correctly signed */
	r = post_signed(id, (int64_t)time(NULL) - 600, body);
	expect_problem(r, 401, "webhook-stale");
	expect_one_audit(r, "pharmacy.webhook_refused", "failure");
	resp_free(r);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM ph_inbox WHERE webhook_id = '%s'", id), 0);
	/* a good signature over a message that lacks what it needs: 422 naming the members */
	r = post_signed(id, (int64_t)time(NULL), body);
	expect_problem(r, 422, "invalid-message");
	ck_assert(has_error_field(r, "data.prescription_id"));
	ck_assert(has_error_field(r, "data.document"));
	resp_free(r);
	r = post_signed(id, (int64_t)time(NULL), "{\"type\":\"prescription.lost\",\"data\":{}}");
	expect_problem(r, 422, "invalid-message");
	ck_assert(has_error_field(r, "type"));
	resp_free(r);
	r = post_signed(id, (int64_t)time(NULL), "[1,2");
	expect_problem(r, 422, "invalid-message");
	resp_free(r);
	/* an id the standard allows (up to 256) but longer than the inbox keeps */
	{
		char long_id[201];

		memset(long_id, 'x', sizeof(long_id) - 1);
		long_id[sizeof(long_id) - 1] = '\0';
		r = post_signed(long_id, (int64_t)time(NULL),
		    "{\"type\":\"prescription.cancel\",\"data\":{\"prescription_id\":1}}");
		expect_problem(r, 422, "invalid-message");
		ck_assert(has_error_field(r, "webhook-id"));
		resp_free(r);
	}
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM ph_inbox WHERE webhook_id = '%s' OR"
	    " webhook_id LIKE 'xxxxxxxxxxxxxxxxxxxx%%'", id), 0);
}
END_TEST

static struct resp *
cancel_msg(int64_t rx, char id[96])
{
	char	body[256];

	ck_assert((size_t)snprintf(body, sizeof(body), "{\"type\":\"prescription.cancel\","
	    "\"timestamp\":\"2026-11-26T10:00:00Z\",\"data\":{\"prescription_id\":%lld,"
	    "\"reason\":\"the patient moved away\"}}", (long long)rx) < sizeof(body));
	msg_id(id, 96, "cancel");
	return post_signed(id, (int64_t)time(NULL), body);
}

START_TEST(cancel_releases_or_is_refused)
{
	struct fx	 f;
	struct doc	 d, d2, d3;
	struct resp	*r;
	char		 id[96], path[128];
	int64_t		 rx;

	fx_new(&f, 10000);
	doc_defaults(&d, f.cp, 4000);
	r = deliver(&d, &f.k, id, false);
	ck_assert_str_eq(jstr(r->json, "status"), "accepted");
	resp_free(r);
	rx = ph_id(d.rx);
	r = cancel_msg(d.rx, id);
	ck_assert_msg(r->status == 200, "cancel: %s", rdesc(r));
	ck_assert_str_eq(jstr(r->json, "status"), "cancelled");
	resp_free(r);
	ck_assert_str_eq(sql_str("SELECT status FROM ph_reservation WHERE prescription_id = %lld",
	    (long long)rx), "released");
	ck_assert_int_eq(outbox_count(d.rx, "cancelled"), 1);
	/* dispensed ones cannot be cancelled: the clinic is told */
	doc_defaults(&d2, f.cp, 4000);
	r = deliver(&d2, &f.k, id, false);
	ck_assert_str_eq(jstr(r->json, "status"), "accepted");
	resp_free(r);
	(void)snprintf(path, sizeof(path), "/api/v1/pharmacy/prescriptions/%lld/dispense",
	    (long long)ph_id(d2.rx));
	r = apif(f.ph, "POST", path, "{\"batches\":[{\"batch_id\":%lld,\"quantity\":4000}],"
	    "\"method\":\"courier\",\"id_requested\":false,\"id_provided\":false}",
	    (long long)f.batch);
	ck_assert_msg(r->status == 200, "dispense: %s", rdesc(r));
	ck_assert_str_eq(jstr(r->json, "status"), "dispensed");
	resp_free(r);
	ck_assert_int_eq(outbox_count(d2.rx, "delivered"), 0);
	r = cancel_msg(d2.rx, id);
	ck_assert_msg(r->status == 200, "cancel: %s", rdesc(r));
	ck_assert_str_eq(jstr(r->json, "status"), "dispensed");
	resp_free(r);
	ck_assert_int_eq(outbox_count(d2.rx, "cancel_refused"), 1);
	/* it says where the prescription is, for a clinic that cancelled it meanwhile */
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM outbox WHERE kind = 'ph.clinic_event' AND"
	    " idempotency_key LIKE 'ph-rx-%lld-cancel_refused-%%' AND"
	    " JSON_VALUE(payload, '$.data.status') = 'dispensed' AND"
	    " JSON_VALUE(payload, '$.data.method') = 'courier'", (long long)d2.rx), 1);
	/* a cancellation that overtakes its prescription: the prescription is never taken on */
	doc_defaults(&d3, f.cp, 1000);
	r = cancel_msg(d3.rx, id);
	ck_assert_msg(r->status == 200, "cancel first: %s", rdesc(r));
	resp_free(r);
	r = deliver(&d3, &f.k, id, false);
	ck_assert_msg(r->status == 200, "late: %s", rdesc(r));
	ck_assert(jbool(r->json, "duplicate"));
	resp_free(r);
	ck_assert_str_eq(sql_str("SELECT status FROM ph_prescription WHERE clinic_rx_id = %lld",
	    (long long)d3.rx), "cancelled");
	fx_free(&f);
}
END_TEST

/*
 * A prescription whose validity ended is never supplied: dispense and
 * paper-received are 409 prescription-expired and change nothing (stock
 * stays held until the clinic's cancellation, reason "expired", releases it).
 */
START_TEST(expired_not_supplied)
{
	struct fx	 f;
	struct doc	 d, d2;
	struct resp	*r;
	char		 id[96], path[128];
	int64_t		 rx, rx2, entries;

	fx_new(&f, 10000);
	doc_defaults(&d, f.cp, 2000);
	r = deliver(&d, &f.k, id, false);
	ck_assert_str_eq(jstr(r->json, "status"), "accepted");
	resp_free(r);
	doc_defaults(&d2, f.cp, 2000);
	d2.paper = true;
	r = deliver(&d2, &f.k, id, false);
	ck_assert_str_eq(jstr(r->json, "status"), "awaiting_paper");
	resp_free(r);
	rx = ph_id(d.rx);
	rx2 = ph_id(d2.rx);
	/* their validity ends (as root: time passing) */
	ck_assert_msg(sql_exec("UPDATE ph_prescription SET valid_until = UTC_TIMESTAMP(6) -"
	    " INTERVAL 1 MINUTE WHERE id IN (%lld, %lld)", (long long)rx, (long long)rx2) == 0,
	    "expire: %s", sql_error());
	entries = sql_int("SELECT COUNT(*) FROM ph_register WHERE product_id = %lld",
	    (long long)f.product);
	(void)snprintf(path, sizeof(path), "/api/v1/pharmacy/prescriptions/%lld/dispense",
	    (long long)rx);
	r = apif(f.ph, "POST", path, "{\"batches\":[{\"batch_id\":%lld,\"quantity\":2000}],"
	    "\"method\":\"collection\",\"collector\":\"Ann Pharmacy\",\"id_requested\":true,"
	    "\"id_provided\":true}", (long long)f.batch);
	expect_problem(r, 409, "prescription-expired");
	resp_free(r);
	(void)snprintf(path, sizeof(path), "/api/v1/pharmacy/prescriptions/%lld/paper-received",
	    (long long)rx2);
	r = api(f.ph, "POST", path, NULL);
	expect_problem(r, 409, "prescription-expired");
	resp_free(r);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM ph_prescription WHERE id IN (%lld, %lld)"
	    " AND status IN ('accepted', 'awaiting_paper')", (long long)rx, (long long)rx2), 2);
	ck_assert_int_eq(sql_int("SELECT on_hand FROM ph_batch WHERE id = %lld",
	    (long long)f.batch), 10000);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM ph_register WHERE product_id = %lld",
	    (long long)f.product), entries);
	ck_assert_int_eq(outbox_count(d.rx, "dispensed"), 0);
	ck_assert_int_eq(outbox_count(d2.rx, "accepted"), 0);
	/* the clinic's expiry sends the cancellation: the stock is released */
	r = cancel_msg(d.rx, id);
	ck_assert_msg(r->status == 200, "cancel: %s", rdesc(r));
	ck_assert_str_eq(jstr(r->json, "status"), "cancelled");
	resp_free(r);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM ph_reservation WHERE prescription_id = %lld"
	    " AND status = 'released'", (long long)rx), 1);
	fx_free(&f);
}
END_TEST

/* A cancellation of a prescription the pharmacy rejected: it stays rejected, nothing sent. */
START_TEST(cancel_of_rejected_changes_nothing)
{
	struct fx	 f;
	struct doc	 d;
	struct resp	*r;
	char		 id[96];
	char		*st;

	fx_new(&f, 10000);
	doc_defaults(&d, f.cp, 1000);
	r = deliver(&d, &f.k, id, true);
	ck_assert_str_eq(jstr(r->json, "status"), "rejected");
	resp_free(r);
	r = cancel_msg(d.rx, id);
	ck_assert_msg(r->status == 200, "cancel: %s", rdesc(r));
	ck_assert_str_eq(jstr(r->json, "status"), "rejected");
	resp_free(r);
	st = sql_str("SELECT status FROM ph_prescription WHERE clinic_rx_id = %lld",
	    (long long)d.rx);
	ck_assert_str_eq(st, "rejected");
	free(st);
	ck_assert_int_eq(outbox_count(d.rx, "cancelled"), 0);
	fx_free(&f);
}
END_TEST

/*
 * A document signed with a cached key of another prescriber than the
 * message (and the document) names is rejected signature-invalid, never
 * accepted because the signature itself verifies.
 */
START_TEST(key_of_another_prescriber_rejected)
{
	struct fx	 f;
	struct doc	 d;
	struct resp	*r;
	char		 id[96];
	char		*cr;

	fx_new(&f, 10000);
	ck_assert_msg(sql_exec("UPDATE ph_prescriber_key SET prescriber_id = prescriber_id + 1"
	    " WHERE fingerprint = '%s'", f.k.fp) == 0, "key: %s", sql_error());
	doc_defaults(&d, f.cp, 1000);
	r = deliver(&d, &f.k, id, false);
	ck_assert_msg(r->status == 200, "inbox: %s", rdesc(r));
	ck_assert_str_eq(jstr(r->json, "status"), "rejected");
	resp_free(r);
	cr = sql_str("SELECT JSON_VALUE(check_result, '$.reasons[0].code') FROM ph_prescription"
	    " WHERE clinic_rx_id = %lld", (long long)d.rx);
	ck_assert_str_eq(cr, "signature-invalid");
	free(cr);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM ph_reservation r JOIN ph_prescription p"
	    " ON p.id = r.prescription_id WHERE p.clinic_rx_id = %lld", (long long)d.rx), 0);
	fx_free(&f);
}
END_TEST

/*
 * Lock order: a receipt re-checks the product's out-of-stock prescriptions
 * without holding the product's lock while it locks them, as accept and
 * dispense lock the prescription first and then the product. Here root
 * plays an accept: it holds the prescription's row while the receipt (in a
 * child process) waits for it, then takes the product's row. Had the
 * receipt kept the product locked, that is a deadlock (root, the smaller
 * transaction, is its victim); with the order the same everywhere root gets
 * the product at once, and the receipt then accepts the prescription.
 */
START_TEST(receipt_recheck_lock_order)
{
	struct fx	 f;
	struct doc	 d;
	struct resp	*r;
	char		 id[96], batch[48], why[256];
	int64_t		 rx;
	unsigned	 err;
	pid_t		 pid;
	int		 status, i;

	fx_new(&f, 1000);
	doc_defaults(&d, f.cp, 2000);
	r = deliver(&d, &f.k, id, false);
	ck_assert_str_eq(jstr(r->json, "status"), "out_of_stock");
	resp_free(r);
	rx = ph_id(d.rx);
	ck_assert((size_t)snprintf(batch, sizeof(batch), "L-%lld", (long long)f.cp) <
	    sizeof(batch));
	ck_assert_int_eq(sql_exec("BEGIN"), 0);
	ck_assert_int_eq(sql_exec("SELECT id FROM ph_prescription WHERE id = %lld FOR UPDATE",
	    (long long)rx), 0);
	pid = fork();
	ck_assert(pid >= 0);
	if (pid == 0) {
		/* the child only speaks HTTP: the root connection is the parent's */
		r = receive(f.ph, f.product, 5000, batch);
		_exit(r->status == 201 ? 0 : 1);
	}
	/*
	 * the receipt is waiting for the prescription's row (MariaDB may wait
	 * for it while optimising, before the transaction shows as LOCK WAIT)
	 */
	for (i = 0; i < 1200 && sql_int("SELECT COUNT(*) FROM information_schema.PROCESSLIST"
	    " WHERE id <> CONNECTION_ID() AND info LIKE 'SELECT status, document, signature,%%"
	    " FROM ph_prescription WHERE id = ? FOR UPDATE'") < 1; i++)
		ck_assert(usleep(50000) == 0);
	ck_assert_msg(i < 1200, "the receipt never waited for the prescription");
	err = sql_exec("SELECT id FROM ph_product WHERE id = %lld FOR UPDATE",
	    (long long)f.product);
	(void)snprintf(why, sizeof(why), "%s", err != 0 ? sql_error() : "");
	ck_assert_int_eq(sql_exec(err == 0 ? "COMMIT" : "ROLLBACK"), 0);
	ck_assert(waitpid(pid, &status, 0) == pid);
	ck_assert_msg(err == 0, "prescription then product deadlocked with the receipt: %s", why);
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the receipt failed");
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM ph_prescription WHERE id = %lld AND"
	    " status = 'accepted'", (long long)rx), 1);
	fx_free(&f);
}
END_TEST

/*
 * Stock held for accepted prescriptions never leaves by a return or a
 * destruction (409 stock-reserved with the shortfall, nothing changed); a
 * count records what is there and says how far it falls short of them.
 */
START_TEST(stock_out_keeps_reservations)
{
	struct fx	 f;
	struct doc	 d;
	struct resp	*r;
	char		 id[96];
	int64_t		 entries;

	fx_new(&f, 1000);
	doc_defaults(&d, f.cp, 800);
	r = deliver(&d, &f.k, id, false);
	ck_assert_str_eq(jstr(r->json, "status"), "accepted");
	resp_free(r);
	entries = sql_int("SELECT COUNT(*) FROM ph_register WHERE product_id = %lld",
	    (long long)f.product);
	r = apif(f.ph, "POST", "/api/v1/pharmacy/stock-out", "{\"batch_id\":%lld,\"quantity\":300,"
	    "\"kind\":\"return\",\"reason\":\"supplier recall\"}", (long long)f.batch);
	expect_problem(r, 409, "stock-reserved");
	ck_assert_int_eq(jint(r->json, "shortfall"), 100);
	resp_free(r);
	ck_assert_int_eq(sql_int("SELECT on_hand FROM ph_batch WHERE id = %lld", (long long)f.batch),
	    1000);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM ph_register WHERE product_id = %lld",
	    (long long)f.product), entries);
	r = apif(f.ph, "POST", "/api/v1/pharmacy/stock-out", "{\"batch_id\":%lld,\"quantity\":200,"
	    "\"kind\":\"return\",\"reason\":\"supplier recall\"}", (long long)f.batch);
	ck_assert_msg(r->status == 201, "the unreserved part: %s", rdesc(r));
	resp_free(r);
	/* a count is the truth even when it leaves less than is reserved */
	r = apif(f.ph, "POST", "/api/v1/pharmacy/counts", "{\"batch_id\":%lld,\"counted\":750,"
	    "\"note\":\"50 mg short: spillage\"}", (long long)f.batch);
	ck_assert_msg(r->status == 201, "count: %s", rdesc(r));
	ck_assert_int_eq(jint(r->json, "discrepancy"), -50);
	ck_assert_int_eq(jint(r->json, "reserved_shortfall"), 50);
	resp_free(r);
	ck_assert_int_eq(sql_int("SELECT on_hand FROM ph_batch WHERE id = %lld", (long long)f.batch),
	    750);
	fx_free(&f);
}
END_TEST

/*
 * A pharmacist's rejection releases the reservation under the product's
 * lock: while root holds the product's row, the rejection waits for it (and
 * then completes), so its stock.changed figure is never read mid-change.
 */
START_TEST(reject_releases_under_product_lock)
{
	struct fx	 f;
	struct doc	 d;
	struct resp	*r;
	char		 id[96], path[128];
	int64_t		 rx;
	pid_t		 pid, reaped = 0;
	int		 status, i;
	bool		 waited;

	fx_new(&f, 1000);
	doc_defaults(&d, f.cp, 500);
	r = deliver(&d, &f.k, id, false);
	ck_assert_str_eq(jstr(r->json, "status"), "accepted");
	resp_free(r);
	rx = ph_id(d.rx);
	(void)snprintf(path, sizeof(path), "/api/v1/pharmacy/prescriptions/%lld/reject",
	    (long long)rx);
	ck_assert_int_eq(sql_exec("BEGIN"), 0);
	ck_assert_int_eq(sql_exec("SELECT id FROM ph_product WHERE id = %lld FOR UPDATE",
	    (long long)f.product), 0);
	pid = fork();
	ck_assert(pid >= 0);
	if (pid == 0) {
		/* the child only speaks HTTP: the root connection is the parent's */
		r = api(f.ph, "POST", path, "{\"reason\":\"the patient asked us to stop\"}");
		_exit(r->status == 200 ? 0 : 1);
	}
	for (i = 0; i < 400 && sql_int("SELECT COUNT(*) FROM information_schema.PROCESSLIST"
	    " WHERE id <> CONNECTION_ID() AND info = 'SELECT id FROM ph_product WHERE id = ?"
	    " FOR UPDATE'") < 1 && (reaped = waitpid(pid, &status, WNOHANG)) == 0; i++)
		ck_assert(usleep(50000) == 0);
	waited = i < 400 && reaped == 0;
	ck_assert_int_eq(sql_exec("COMMIT"), 0);
	if (reaped == 0)
		ck_assert(waitpid(pid, &status, 0) == pid);
	ck_assert_msg(waited, "the rejection did not wait for the product's lock");
	ck_assert_msg(WIFEXITED(status) && WEXITSTATUS(status) == 0, "the rejection failed");
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM ph_reservation WHERE prescription_id = %lld"
	    " AND status = 'released'", (long long)rx), 1);
	fx_free(&f);
}
END_TEST

START_TEST(roles_and_not_found)
{
	struct user	 pat;
	struct browser	*aud = staff_new("auditor", NULL);
	struct resp	*r;

	user_register(&pat, "phrole");
	/* to a patient, staff routes do not exist */
	r = api_get(pat.b, "/api/v1/pharmacy/prescriptions");
	expect_problem(r, 404, "not-found");
	resp_free(r);
	r = api_get(pat.b, "/api/v1/pharmacy/register");
	expect_problem(r, 404, "not-found");
	resp_free(r);
	/* the auditor reads, never changes */
	r = api_get(aud, "/api/v1/pharmacy/stock");
	ck_assert_msg(r->status == 200, "auditor stock: %s", rdesc(r));
	resp_free(r);
	r = api(aud, "POST", "/api/v1/pharmacy/receipts", "{\"product_id\":1,\"supplier\":\"x\","
	    "\"batch_number\":\"x\",\"expiry_date\":\"2099-01-01\",\"thc_ug_per_unit\":1,"
	    "\"cbd_ug_per_unit\":1,\"quantity\":1}");
	expect_problem(r, 403, "forbidden");
	resp_free(r);
	r = api_get(aud, "/api/v1/pharmacy/prescriptions/999999999");
	expect_problem(r, 404, "not-found");
	resp_free(r);
	br_free(aud);
	user_free(&pat);
}
END_TEST

/* ---- the whole way, through the clinic and dispatch ---- */

/* The status (caller frees) once it is want, or whatever it is after WAIT_SECS. */
static char *
wait_status(bool clinic, long long id, const char *want)
{
	double	 end = now_secs() + WAIT_SECS;
	char	*s = NULL;

	for (;;) {
		free(s);
		s = clinic ? sql_str("SELECT status FROM prescription WHERE id = %lld", id) :
		    sql_str("SELECT status FROM ph_prescription WHERE clinic_rx_id = %lld", id);
		if (s != NULL && strcmp(s, want) == 0)
			return s;
		if (now_secs() > end)
			return s != NULL ? s : strdup("(none)");
		ck_assert(usleep(200000) == 0);
	}
}

START_TEST(key_unknown_rejected_by_fetch)
{
	struct fx	 f;
	struct key	 k;
	struct doc	 d;
	struct resp	*r;
	char		 id[96], *st;
	int64_t		 clin;
	struct browser	*cb = clinician_new(true, &clin, NULL);

	fx_new(&f, 10000);
	/* a key the pharmacy has not seen, claimed by a real clinician who never had it */
	key_new(&k, false);
	k.prescriber = clin;
	doc_defaults(&d, f.cp, 1000);
	r = deliver(&d, &k, id, false);
	ck_assert_msg(r->status == 200, "inbox: %s", rdesc(r));
	ck_assert_str_eq(jstr(r->json, "status"), "received");
	resp_free(r);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM outbox WHERE kind = 'ph.fetch_key' AND"
	    " idempotency_key = 'ph-key-%s'", k.fp), 1);
	st = wait_status(false, (long long)d.rx, "rejected");
	ck_assert_msg(strcmp(st, "rejected") == 0, "still %s", st);
	free(st);
	ck_assert_str_eq(sql_str("SELECT JSON_VALUE(check_result, '$.reasons[0].code') FROM"
	    " ph_prescription WHERE clinic_rx_id = %lld", (long long)d.rx), "key-unknown");
	key_free(&k);
	br_free(cb);
	fx_free(&f);
}
END_TEST

START_TEST(dead_key_fetch_asked_again)
{
	struct fx	 f;
	struct key	 k;
	struct resp	*r;
	char		 path[128];
	int64_t		 crx = uniq(), rx;

	fx_new(&f, 0);
	key_new(&k, false);
	/* a prescription still waiting for its key, whose fetch gave up (as root) */
	ck_assert_msg(sql_exec("INSERT INTO ph_prescription (clinic_rx_id, webhook_id, status,"
	    " document, signature, key_fingerprint, prescriber_id, received_at, status_changed_at)"
	    " VALUES (%lld, 'dead-key-%lld', 'received', '{}', 'x', '%s', %lld, UTC_TIMESTAMP(6),"
	    " UTC_TIMESTAMP(6))", (long long)crx, (long long)crx, k.fp, (long long)k.prescriber) == 0,
	    "rx: %s", sql_error());
	rx = ph_id(crx);
	ck_assert_msg(sql_exec("INSERT INTO outbox (kind, payload, idempotency_key, status, attempts,"
	    " next_attempt_at, last_error, created_at) VALUES ('ph.fetch_key', '{}', 'ph-key-%s',"
	    " 'failed', 40, UTC_TIMESTAMP(6), 'HTTP 503', UTC_TIMESTAMP(6))", k.fp) == 0,
	    "outbox: %s", sql_error());
	(void)snprintf(path, sizeof(path), "/api/v1/pharmacy/prescriptions/%lld/accept", (long long)rx);
	r = api(f.ph, "POST", path, NULL);
	expect_problem(r, 409, "key-pending");
	ck_assert(strstr(jstr(r->json, "detail"), "fetched again") != NULL);
	expect_one_audit(r, "pharmacy.key_fetch_again", "success");
	resp_free(r);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM outbox WHERE kind = 'ph.fetch_key' AND"
	    " idempotency_key LIKE 'ph-key-%s-%%'", k.fp), 1);
	key_free(&k);
	fx_free(&f);
}
END_TEST

START_TEST(clinic_signed_prescription_end_to_end)
{
	struct fx	 f;
	struct user	 pat;
	struct browser	*spec;
	int64_t		 spec_id, product, plan, rx, prx;
	char		 secret[40], code[7], path[96], name[64], *st;
	struct resp	*r;

	/* the clinic: a formulary product, a verified patient with a plan, a specialist */
	ck_assert((size_t)snprintf(name, sizeof(name), "Ph %lld", (long long)uniq()) < sizeof(name));
	ck_assert_msg(sql_exec("INSERT INTO formulary_product (supplier, brand, name, form,"
	    " supply_unit, pack_size, thc_ug_per_unit, cbd_ug_per_unit, active, created_at,"
	    " updated_at) VALUES ('Test Supplies', 'Harbour', '%s', 'flower', 'mg', 10000, 220, 5, 1,"
	    " UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))", name) == 0, "product: %s", sql_error());
	product = sql_int("SELECT LAST_INSERT_ID()");
	user_register(&pat, "phe2e");
	patient_verified(pat.id);
	ck_assert_msg(sql_exec("INSERT INTO patient_profile (user_id, address_line1, town, postcode,"
	    " updated_at) VALUES (%lld, '12 Harbour Street', 'Bristol', 'BS1 4DJ',"
	    " UTC_TIMESTAMP(6)) ON DUPLICATE KEY UPDATE address_line1 = '12 Harbour Street'",
	    (long long)pat.id) == 0, "profile: %s", sql_error());
	spec = clinician_new(true, &spec_id, secret);
	plan = plan_one_product(pat.id, product, spec_id);
	/* the pharmacy stocks it */
	memset(&f, 0, sizeof(f));
	f.ph = staff_new("pharmacist", NULL);
	f.product = product_new(f.ph, uniq(), "mg");
	(void)snprintf(path, sizeof(path), "/api/v1/pharmacy/products/%lld", (long long)f.product);
	r = apif(f.ph, "PUT", path, "{\"clinic_product_id\":%lld}", (long long)product);
	ck_assert_msg(r->status == 200, "map: %s", rdesc(r));
	ck_assert_int_eq(jint(r->json, "clinic_product_id"), product);
	resp_free(r);
	receive_ok(f.ph, f.product, 50000, name);

	r = apif(spec, "POST", "/api/v1/prescriptions", "{\"patient_id\":%lld,\"plan_id\":%lld,"
	    "\"product_id\":%lld,\"quantity\":7000}", (long long)pat.id, (long long)plan,
	    (long long)product);
	ck_assert_msg(r->status == 201, "draft: %s", rdesc(r));
	rx = jint(r->json, "id");
	resp_free(r);
	totp_at(secret, totp_step_now() + 1, code);
	(void)snprintf(path, sizeof(path), "/api/v1/prescriptions/%lld/sign", (long long)rx);
	r = apif(spec, "POST", path, "{\"code\":\"%s\"}", code);
	ck_assert_msg(r->status == 200, "sign: %s", rdesc(r));
	resp_free(r);
	/* dispatch delivers it; the pharmacy fetches the key, checks and reserves */
	st = wait_status(false, (long long)rx, "accepted");
	ck_assert_msg(strcmp(st, "accepted") == 0, "pharmacy: %s (%s)", st,
	    sql_str("SELECT check_result FROM ph_prescription WHERE clinic_rx_id = %lld",
	    (long long)rx));
	free(st);
	prx = ph_id(rx);
	ck_assert_str_eq(sql_str("SELECT signature_status FROM ph_prescription WHERE id = %lld",
	    (long long)prx), "valid");
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM ph_prescriber_key WHERE prescriber_id ="
	    " %lld", (long long)spec_id), 1);
	/* and the clinic hears it */
	st = wait_status(true, (long long)rx, "accepted");
	ck_assert_msg(strcmp(st, "accepted") == 0, "clinic: %s", st);
	free(st);
	/* the pharmacist's page shows the document's fields */
	r = api_get(f.ph, "/api/v1/pharmacy/prescriptions/%lld", (long long)prx);
	ck_assert_msg(r->status == 200, "get: %s", rdesc(r));
	ck_assert_str_eq(jstr(r->json, "document.patient.address"), "12 Harbour Street, Bristol,"
	    " BS1 4DJ");
	ck_assert_int_eq(jint(r->json, "document.quantity.amount"), 7000);
	ck_assert_int_eq(jint(r->json, "reservation.quantity"), 7000);
	ck_assert_int_eq(jint(r->json, "batches.0.on_hand"), 50000);
	resp_free(r);
	br_free(spec);
	br_free(f.ph);
	user_free(&pat);
}
END_TEST

Suite *
pharmacy_suite(void)
{
	Suite	*s = suite_create("pharmacy");
	TCase	*tc = tcase_create("pharmacy");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 240);
	tcase_add_test(tc, accepted_then_duplicates_ignored);
	tcase_add_test(tc, tampered_document_rejected);
	tcase_add_test(tc, validity_and_fields_rejected);
	tcase_add_test(tc, out_of_stock_then_receipt_accepts);
	tcase_add_test(tc, paper_original_stage);
	tcase_add_test(tc, register_balance_supply_correction_csv);
	tcase_add_test(tc, register_pages_and_csv_whole);
	tcase_add_test(tc, stock_out_and_counts);
	tcase_add_test(tc, bad_signature_refused_and_audited);
	tcase_add_test(tc, cancel_releases_or_is_refused);
	tcase_add_test(tc, reject_releases_under_product_lock);
	tcase_add_test(tc, stock_out_keeps_reservations);
	tcase_add_test(tc, receipt_recheck_lock_order);
	tcase_add_test(tc, key_of_another_prescriber_rejected);
	tcase_add_test(tc, cancel_of_rejected_changes_nothing);
	tcase_add_test(tc, expired_not_supplied);
	tcase_add_test(tc, roles_and_not_found);
	tcase_add_test(tc, key_unknown_rejected_by_fetch);
	tcase_add_test(tc, dead_key_fetch_asked_again);
	tcase_add_test(tc, clinic_signed_prescription_end_to_end);
	suite_add_tcase(s, tc);
	return s;
}
