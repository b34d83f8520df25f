/*
 * pharmacy: the pure part of the check of a received prescription
 * (modules/pharmacy/ph_check.c): the document written by the clinic's own
 * canonical writer (modules/prescriptions/canon.c) read back, each
 * Schedule 2 member missing, the validity rules at their edges, times, and
 * the ECDSA signature and key fingerprint.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <json-c/json.h>

#include "crypto.h"
#include "pool.h"
#include "rx.h"
#include "ph.h"
#include "unit.h"

#define DAY	86400LL

static const char FP[] = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

static void
doc_fill(struct rx_doc *d)
{
	memset(d, 0, sizeof(*d));
	d->id = 12;
	d->issued_at = "2026-11-26T10:00:00Z";
	d->valid_from = "2026-11-26";
	d->valid_until = "2026-12-24T10:00:00Z";
	d->patient_name = "Ann Smith";
	d->patient_dob = "1980-02-03";
	d->patient_address = "1 High Street, Leeds, LS1 1AA";
	d->product_id = 3;
	d->supplier = "Northfield Botanicals";
	d->brand = "Harbour";
	d->product_name = "Flower 18%";
	d->form = "flower";
	d->strength = "THC 18% · CBD <1%";
	d->supply_unit = "mg";
	d->thc_ug_per_unit = 180;
	d->cbd_ug_per_unit = 5;
	d->dose = "0.5 g vaporised twice a day";
	d->quantity = 30000;
	d->quantity_figures = "30 g";
	d->quantity_words = "thirty grams";
	d->days_supply = 30;
	d->prescriber_id = 5;
	d->prescriber_name = "Sam Specialist";
	d->prescriber_reg = "7000002";
	d->specialist = true;
	d->practice = "Demo Clinic";
	d->practice_address = "1 Clinic Road, London";
	d->plan_id = 7;
	d->plan_version = 3;
	d->initial = true;
	d->key_fingerprint = FP;
}

static bool
has(const struct ph_verdict *v, const char *code, const char *mention)
{
	size_t	i;

	for (i = 0; i < v->n; i++)
		if (strcmp(v->r[i].code, code) == 0 &&
		    (mention == NULL || strstr(v->r[i].message, mention) != NULL))
			return true;
	return false;
}

START_TEST(reads_the_clinics_document)
{
	struct rx_doc		 rd;
	struct ph_doc		 d;
	struct ph_verdict	 v;
	char			*text;
	size_t			 len;

	doc_fill(&rd);
	rd.instalment_amount = 10000;
	rd.instalment_figures = "10 g";
	rd.instalment_interval_days = 10;
	rd.paper_required = true;
	text = rx_canon(unit_pool, &rd, &len);
	ck_assert(text != NULL);
	memset(&v, 0, sizeof(v));
	ck_assert_int_eq(ph_doc_parse(unit_pool, text, len, &d, &v), 0);
	ck_assert_msg(v.n == 0, "%s: %s", v.r[0].code, v.r[0].message);
	ck_assert_int_eq(d.prescription_id, 12);
	ck_assert_str_eq(d.patient_address, "1 High Street, Leeds, LS1 1AA");
	ck_assert_int_eq(d.product_id, 3);
	ck_assert_int_eq(d.quantity, 30000);
	ck_assert_str_eq(d.quantity_unit, "mg");
	ck_assert(d.has_instalments);
	ck_assert_int_eq(d.instalment_interval_days, 10);
	ck_assert(d.paper_required);
	ck_assert_str_eq(d.key_fingerprint, FP);
	ck_assert_int_eq(d.issued_s, 1795687200);
	ck_assert_int_eq(d.valid_until_s - d.issued_s, 28 * DAY);
	/* and it passes the checks at a time inside its validity */
	ph_doc_check(&d, 12, FP, 5, d.issued_s + DAY, &v);
	ck_assert_msg(v.n == 0, "%s: %s", v.r[0].code, v.r[0].message);
}
END_TEST

/* Each Schedule 2 member left out (NULL in the clinic's writer) is named. */
START_TEST(each_required_member_named)
{
	static const struct {
		size_t		 off;
		const char	*name;
	} m[] = {
		{ offsetof(struct rx_doc, patient_name), "patient.name" },
		{ offsetof(struct rx_doc, patient_dob), "patient.date_of_birth" },
		{ offsetof(struct rx_doc, patient_address), "patient.address" },
		{ offsetof(struct rx_doc, brand), "product.brand" },
		{ offsetof(struct rx_doc, supplier), "product.supplier" },
		{ offsetof(struct rx_doc, strength), "product.strength" },
		{ offsetof(struct rx_doc, dose), "dose" },
		{ offsetof(struct rx_doc, quantity_words), "quantity.words" },
		{ offsetof(struct rx_doc, quantity_figures), "quantity.figures" },
		{ offsetof(struct rx_doc, prescriber_reg), "prescriber.registration_number" },
		{ offsetof(struct rx_doc, practice_address), "prescriber.address" },
		{ offsetof(struct rx_doc, issued_at), "issued_at" },
		{ offsetof(struct rx_doc, key_fingerprint), "key_fingerprint" },
	};
	struct rx_doc		 rd;
	struct ph_doc		 d;
	struct ph_verdict	 v;
	char			*text;
	size_t			 i, len;

	for (i = 0; i < nitems(m); i++) {
		doc_fill(&rd);
		*(const char **)((char *)&rd + m[i].off) = NULL;
		text = rx_canon(unit_pool, &rd, &len);
		ck_assert(text != NULL);
		memset(&v, 0, sizeof(v));
		ck_assert_int_eq(ph_doc_parse(unit_pool, text, len, &d, &v), 0);
		ck_assert_msg(has(&v, "field-missing", m[i].name), "%s not named", m[i].name);
	}
	/* an empty dose, a blank name */
	doc_fill(&rd);
	rd.dose = "";
	rd.patient_name = "   ";
	text = rx_canon(unit_pool, &rd, &len);
	memset(&v, 0, sizeof(v));
	ck_assert_int_eq(ph_doc_parse(unit_pool, text, len, &d, &v), 0);
	ck_assert(has(&v, "field-missing", "dose"));
	ck_assert(has(&v, "field-missing", "patient.name"));
	/* not JSON, not an object, another type of document */
	memset(&v, 0, sizeof(v));
	ck_assert_int_eq(ph_doc_parse(unit_pool, "{\"a\":", 5, &d, &v), 0);
	ck_assert(has(&v, "field-missing", "document"));
	memset(&v, 0, sizeof(v));
	ck_assert_int_eq(ph_doc_parse(unit_pool, "[1]", 3, &d, &v), 0);
	ck_assert(has(&v, "field-missing", "document"));
	memset(&v, 0, sizeof(v));
	ck_assert_int_eq(ph_doc_parse(unit_pool, "{\"type\":\"x\"}", 12, &d, &v), 0);
	ck_assert(has(&v, "field-missing", "type"));
	ck_assert(has(&v, "field-missing", "patient"));
}
END_TEST

static void
check_at(struct rx_doc *rd, int64_t msg_rx, const char *fp, int64_t prescriber, int64_t now,
    struct ph_verdict *v)
{
	struct ph_doc	 d;
	char		*text;
	size_t		 len;

	text = rx_canon(unit_pool, rd, &len);
	ck_assert(text != NULL);
	memset(v, 0, sizeof(*v));
	ck_assert_int_eq(ph_doc_parse(unit_pool, text, len, &d, v), 0);
	ck_assert_int_eq(v->n, 0);
	ph_doc_check(&d, msg_rx, fp, prescriber, now, v);
}

START_TEST(validity_edges)
{
	struct rx_doc		rd;
	struct ph_verdict	v;
	int64_t			issued = 1795687200;	/* 2026-11-26T10:00:00Z */

	doc_fill(&rd);
	/* valid until the last second, expired one after */
	check_at(&rd, 12, FP, 5, issued + 28 * DAY, &v);
	ck_assert_int_eq(v.n, 0);
	check_at(&rd, 12, FP, 5, issued + 28 * DAY + 1, &v);
	ck_assert(has(&v, "expired", "2026-12-24T10:00:00Z"));
	/* a validity of 29 days is refused */
	rd.valid_until = "2026-12-25T10:00:00Z";
	check_at(&rd, 12, FP, 5, issued, &v);
	ck_assert(has(&v, "validity-too-long", "29 days"));
	/* with a start date, 28 days count from it */
	rd.valid_from = "2026-12-01";
	rd.valid_until = "2026-12-29T00:00:00Z";
	check_at(&rd, 12, FP, 5, 1796083200 /* 2026-12-01T00:00:00Z */, &v);
	ck_assert_int_eq(v.n, 0);
	check_at(&rd, 12, FP, 5, issued, &v);
	ck_assert(has(&v, "not-yet-valid", "2026-12-01"));
	/* valid_until before issued_at */
	doc_fill(&rd);
	rd.valid_until = "2026-11-20T10:00:00Z";
	check_at(&rd, 12, FP, 5, issued, &v);
	ck_assert(has(&v, "validity-too-long", "before"));
	/* the message and the document disagree */
	doc_fill(&rd);
	check_at(&rd, 13, FP, 5, issued, &v);
	ck_assert(has(&v, "document-mismatch", "13"));
	check_at(&rd, 12, "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff", 5,
	    issued, &v);
	ck_assert(has(&v, "document-mismatch", "signing key"));
	check_at(&rd, 12, FP, 6, issued, &v);
	ck_assert(has(&v, "document-mismatch", "prescriber"));
}
END_TEST

START_TEST(times)
{
	ck_assert_int_eq(ph_time_parse("1970-01-01"), 0);
	ck_assert_int_eq(ph_time_parse("1970-01-02T00:00:01Z"), 86401);
	ck_assert_int_eq(ph_time_parse("2026-11-26T10:00:00Z"), 1795687200);
	ck_assert_int_eq(ph_time_parse("2026-11-26T10:00:00.123456Z"), 1795687200);
	ck_assert_int_eq(ph_time_parse("2024-02-29"), 1709164800);
	ck_assert_int_eq(ph_time_parse("2026-02-29"), -1);
	ck_assert_int_eq(ph_time_parse("2026-04-31"), -1);
	ck_assert_int_eq(ph_time_parse("2026-11-26T24:00:00Z"), -1);
	ck_assert_int_eq(ph_time_parse("2026-11-26T10:00:00"), -1);
	ck_assert_int_eq(ph_time_parse("2026-11-26T10:00:00+01:00"), -1);
	ck_assert_int_eq(ph_time_parse("2026-11-26T10:00:00.Z"), -1);
	ck_assert_int_eq(ph_time_parse("2026-11-26 10:00:00Z"), -1);
	ck_assert_int_eq(ph_time_parse("1969-12-31"), -1);
	ck_assert_int_eq(ph_time_parse("26-11-2026"), -1);
	ck_assert_int_eq(ph_time_parse(""), -1);
	ck_assert_int_eq(ph_time_parse(NULL), -1);
}
END_TEST

static char *
pem_of(EVP_PKEY *k)
{
	BIO	*b = BIO_new(BIO_s_mem());
	char	*mem, *out;
	long	 n;

	ck_assert(b != NULL && PEM_write_bio_PUBKEY(b, k) == 1);
	n = BIO_get_mem_data(b, &mem);
	ck_assert(n > 0);
	out = calloc(1, (size_t)n + 1);
	ck_assert(out != NULL);
	memcpy(out, mem, (size_t)n);
	ck_assert_int_eq(BIO_free(b), 1);
	return out;
}

static size_t
sign(EVP_PKEY *k, const char *text, unsigned char sig[160])
{
	EVP_MD_CTX	*ctx = EVP_MD_CTX_new();
	size_t		 n = 160;

	ck_assert(ctx != NULL);
	ck_assert(EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, k) == 1);
	ck_assert(EVP_DigestSign(ctx, sig, &n, (const unsigned char *)text, strlen(text)) == 1);
	EVP_MD_CTX_free(ctx);
	return n;
}

START_TEST(signature_and_fingerprint)
{
	EVP_PKEY	*k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	EVP_PKEY	*k384 = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-384");
	EVP_PKEY	*other = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	const char	*doc = "{\"type\":\"clinic-prescription-v1\",\"prescription_id\":12}";
	char		*pem, *pem384, *pemo, fp[65], want[65];
	unsigned char	 sig[160], *der = NULL, dg[SHA256_LEN];
	size_t		 n;
	int		 dn;

	ck_assert(k != NULL && k384 != NULL && other != NULL);
	pem = pem_of(k);
	pem384 = pem_of(k384);
	pemo = pem_of(other);
	n = sign(k, doc, sig);
	ck_assert_int_eq(ph_sig_verify(pem, strlen(pem), doc, strlen(doc), sig, n), 1);
	/* one byte of the document changed, the signature changed, another key */
	ck_assert_int_eq(ph_sig_verify(pem, strlen(pem), "{\"type\":\"clinic-prescription-v1\","
	    "\"prescription_id\":13}", strlen(doc), sig, n), 0);
	sig[n - 1] ^= 1;
	ck_assert_int_eq(ph_sig_verify(pem, strlen(pem), doc, strlen(doc), sig, n), 0);
	sig[n - 1] ^= 1;
	ck_assert_int_eq(ph_sig_verify(pemo, strlen(pemo), doc, strlen(doc), sig, n), 0);
	/* a P-384 key is not the clinic's kind, whatever it signed */
	n = sign(k384, doc, sig);
	ck_assert_int_eq(ph_sig_verify(pem384, strlen(pem384), doc, strlen(doc), sig, n), 0);
	/* nothing, or junk */
	ck_assert_int_eq(ph_sig_verify(pem, strlen(pem), doc, strlen(doc), NULL, 0), 0);
	ck_assert_int_eq(ph_sig_verify("not a key", 9, doc, strlen(doc), sig, n), 0);
	/* the fingerprint is SHA-256 of the DER SubjectPublicKeyInfo */
	dn = i2d_PUBKEY(k, &der);
	ck_assert(dn > 0);
	ck_assert(crypto_sha256(der, (size_t)dn, dg) == CE_OK);
	hex_encode(dg, SHA256_LEN, want);
	ck_assert_int_eq(ph_pem_fingerprint(pem, strlen(pem), fp), 0);
	ck_assert_str_eq(fp, want);
	ck_assert_int_eq(ph_pem_fingerprint("-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC"
	    " KEY-----\n", 58, fp), -1);
	ck_assert_str_eq(fp, "");
	OPENSSL_free(der);
	free(pem);
	free(pem384);
	free(pemo);
	EVP_PKEY_free(k);
	EVP_PKEY_free(k384);
	EVP_PKEY_free(other);
}
END_TEST

START_TEST(clip)
{
	const char	*s = "abc";

	ck_assert_ptr_eq(ph_clip(unit_pool, s, 3), s);
	ck_assert_str_eq(ph_clip(unit_pool, "abcdef", 3), "abc");
	/* characters, not bytes: "é" is two bytes, "€" three */
	ck_assert_str_eq(ph_clip(unit_pool, "\xc3\xa9\xc3\xa9\xc3\xa9", 2), "\xc3\xa9\xc3\xa9");
	ck_assert_str_eq(ph_clip(unit_pool, "a\xe2\x82\xac" "b", 2), "a\xe2\x82\xac");
	ck_assert_str_eq(ph_clip(unit_pool, "abc", 0), "");
	ck_assert_ptr_null(ph_clip(unit_pool, NULL, 3));
}
END_TEST

START_TEST(reasons_json)
{
	struct ph_verdict	 v;
	struct json_object	*a;
	int			 i;

	memset(&v, 0, sizeof(v));
	for (i = 0; i < PH_REASONS_MAX + 5; i++)
		ph_reason_add(&v, "field-missing", "member %d", i);
	ck_assert_int_eq(v.n, PH_REASONS_MAX);
	/* a long message is cut between characters, never inside one */
	{
		struct ph_verdict	w;
		char			long_text[1200];
		size_t			k, len;

		for (k = 0; k + 2 < sizeof(long_text); k += 2) {
			long_text[k] = '\xc3';
			long_text[k + 1] = '\xa9';
		}
		long_text[k] = '\0';
		memset(&w, 0, sizeof(w));
		ph_reason_add(&w, "pharmacist", "x%s", long_text);
		len = strlen(w.r[0].message);
		ck_assert(len > 400 && len < sizeof(w.r[0].message));
		ck_assert_int_eq(len % 2, 1);	/* "x" then whole two-byte characters */
	}
	a = ph_reasons_json(&v);
	ck_assert(a != NULL);
	ck_assert_int_eq(json_object_array_length(a), PH_REASONS_MAX);
	ck_assert_str_eq(json_object_get_string(json_object_object_get(
	    json_object_array_get_idx(a, 1), "message")), "member 1");
	json_object_put(a);
}
END_TEST

/* A key fingerprint as the inbox and the document check both accept it. */
START_TEST(hex64)
{
	ck_assert(ph_hex64("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"));
	ck_assert(!ph_hex64(NULL));
	ck_assert(!ph_hex64(""));
	ck_assert(!ph_hex64("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde"));
	ck_assert(!ph_hex64("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef0"));
	ck_assert(!ph_hex64("0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef"));
	ck_assert(!ph_hex64("g123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"));
}
END_TEST

Suite *
unit_suite(void)
{
	Suite	*s = suite_create("pharmacy");
	TCase	*tc = tcase_create("check");

	tcase_add_checked_fixture(tc, unit_pool_setup, unit_pool_teardown);
	tcase_add_test(tc, reads_the_clinics_document);
	tcase_add_test(tc, each_required_member_named);
	tcase_add_test(tc, validity_edges);
	tcase_add_test(tc, times);
	tcase_add_test(tc, signature_and_fingerprint);
	tcase_add_test(tc, clip);
	tcase_add_test(tc, reasons_json);
	tcase_add_test(tc, hex64);
	suite_add_tcase(s, tc);
	return s;
}
