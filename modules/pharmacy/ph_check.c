/*
 * The pure part of the pharmacy's check of a received prescription
 * (ph.h): reading the signed document (untrusted bytes), its Schedule 2
 * members (REGULATORY.md), its validity against the clock, and the
 * prescriber's ECDSA P-256 signature over the exact bytes. No database:
 * unit-tested (tests/unit/test_pharmacy.c) and fuzzed
 * (tests/fuzz/fuzz_ph_check.c).
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <json-c/json.h>

#include "crypto.h"
#include "pool.h"
#include "req.h"
#include "ph.h"

/* A text cut short by snprintf: its last character, if cut, dropped (never half a character). */
static void
utf8_trim(char *s)
{
	size_t	len = strlen(s), end = len, lead;
	int	want;

	while (end > 0 && ((unsigned char)s[end - 1] & 0xc0) == 0x80)
		end--;
	if (end == 0 || (unsigned char)s[end - 1] < 0xc0)
		return;		/* ends in ASCII (or stray continuation bytes: not ours to fix) */
	lead = end - 1;
	want = (unsigned char)s[lead] >= 0xf0 ? 4 : (unsigned char)s[lead] >= 0xe0 ? 3 : 2;
	if (len - lead < (size_t)want)
		s[lead] = '\0';
}

void
ph_reason_add(struct ph_verdict *v, const char *code, const char *fmt, ...)
{
	va_list	ap;
	int	n;

	if (v->n >= PH_REASONS_MAX)
		return;
	v->r[v->n].code = code;
	va_start(ap, fmt);
	n = vsnprintf(v->r[v->n].message, sizeof(v->r[v->n].message), fmt, ap);
	va_end(ap);
	if (n < 0)
		v->r[v->n].message[0] = '\0';
	else if ((size_t)n >= sizeof(v->r[v->n].message))
		utf8_trim(v->r[v->n].message);
	v->n++;
}

static bool
digits(const char *s, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static int
num(const char *s, size_t n)
{
	int	v = 0;
	size_t	i;

	for (i = 0; i < n; i++)
		v = v * 10 + (s[i] - '0');
	return v;
}

static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t	era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

int64_t
ph_time_parse(const char *s)
{
	static const int mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	size_t		 len, i;
	int		 y, mo, d, h = 0, mi = 0, se = 0;

	if (s == NULL)
		return -1;
	len = strlen(s);
	if (len < 10 || !digits(s, 4) || s[4] != '-' || !digits(s + 5, 2) || s[7] != '-' ||
	    !digits(s + 8, 2))
		return -1;
	y = num(s, 4);
	mo = num(s + 5, 2);
	d = num(s + 8, 2);
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1])
		return -1;
	if (mo == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return -1;
	if (len > 10) {
		if (len < 20 || s[10] != 'T' || !digits(s + 11, 2) || s[13] != ':' ||
		    !digits(s + 14, 2) || s[16] != ':' || !digits(s + 17, 2))
			return -1;
		h = num(s + 11, 2);
		mi = num(s + 14, 2);
		se = num(s + 17, 2);
		if (h > 23 || mi > 59 || se > 59)
			return -1;
		i = 19;
		if (s[i] == '.') {
			for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++)
				;
			if (i == 20 || i > 26)
				return -1;
		}
		if (i != len - 1 || s[i] != 'Z')
			return -1;
	}
	return days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se;
}

const char *
ph_clip(struct pool *p, const char *s, size_t maxchars)
{
	size_t	i, n = 0;

	if (s == NULL)
		return NULL;
	for (i = 0; s[i] != '\0'; i++) {
		if (((unsigned char)s[i] & 0xc0) == 0x80)
			continue;	/* a continuation byte: same character */
		if (n == maxchars)
			return pool_strndup(p, s, i);
		n++;
	}
	return s;
}

/* ---- reading the document ---- */

struct rd {
	struct pool		*p;
	struct ph_verdict	*v;
	bool			 oom;
};

static struct json_object *
member(struct json_object *o, const char *name)
{
	struct json_object	*m;

	if (o == NULL || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, name, &m))
		return NULL;
	return m;
}

static void
missing(struct rd *x, const char *path, const char *what)
{
	ph_reason_add(x->v, "field-missing", "%s: %s", path, what);
}

static const char *
s_req(struct rd *x, struct json_object *o, const char *name, const char *path)
{
	struct json_object	*m = member(o, name);
	const char		*s;
	char			*c;

	if (m == NULL || !json_object_is_type(m, json_type_string)) {
		missing(x, path, "required text is missing");
		return NULL;
	}
	s = json_object_get_string(m);
	if (s == NULL || *s == '\0' || strspn(s, " \t") == strlen(s)) {
		missing(x, path, "required text is empty");
		return NULL;
	}
	if ((c = pool_strdup(x->p, s)) == NULL)
		x->oom = true;
	return c;
}

static const char *
s_opt(struct rd *x, struct json_object *o, const char *name)
{
	struct json_object	*m = member(o, name);
	char			*c;

	if (m == NULL || !json_object_is_type(m, json_type_string))
		return NULL;
	if ((c = pool_strdup(x->p, json_object_get_string(m))) == NULL)
		x->oom = true;
	return c;
}

/* A required integer >= min. */
static int64_t
i_req(struct rd *x, struct json_object *o, const char *name, const char *path, int64_t min)
{
	struct json_object	*m = member(o, name);
	int64_t			 i;

	if (m == NULL || !json_object_is_type(m, json_type_int)) {
		missing(x, path, "required whole number is missing");
		return 0;
	}
	i = json_object_get_int64(m);
	if (i < min || i == INT64_MAX) {
		missing(x, path, "out of range");
		return 0;
	}
	return i;
}

static bool
b_req(struct rd *x, struct json_object *o, const char *name, const char *path)
{
	struct json_object	*m = member(o, name);

	if (m == NULL || !json_object_is_type(m, json_type_boolean)) {
		missing(x, path, "required true/false is missing");
		return false;
	}
	return json_object_get_boolean(m) != 0;
}

static struct json_object *
o_req(struct rd *x, struct json_object *o, const char *name)
{
	struct json_object	*m = member(o, name);

	if (m == NULL || !json_object_is_type(m, json_type_object)) {
		missing(x, name, "required object is missing");
		return NULL;
	}
	return m;
}

bool
ph_hex64(const char *s)
{
	size_t	i;

	if (s == NULL || strlen(s) != 64)
		return false;
	for (i = 0; i < 64; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return false;
	return true;
}

int
ph_doc_parse(struct pool *p, const char *doc, size_t len, struct ph_doc *d,
    struct ph_verdict *v)
{
	struct rd		 x = { p, v, false };
	struct json_object	*root, *pt, *pr, *q, *in, *ps, *t;
	const char		*why = NULL;
	const char		*type;

	memset(d, 0, sizeof(*d));
	d->issued_s = d->valid_from_s = d->valid_until_s = -1;
	if (doc == NULL || len == 0 || (root = req_parse_json(doc, len, &why)) == NULL) {
		ph_reason_add(v, "field-missing", "document: not a JSON document");
		return 0;
	}
	if (!json_object_is_type(root, json_type_object)) {
		ph_reason_add(v, "field-missing", "document: not a JSON object");
		json_object_put(root);
		return 0;
	}
	type = s_opt(&x, root, "type");
	if (type == NULL || strcmp(type, "clinic-prescription-v1") != 0)
		missing(&x, "type", "not a clinic-prescription-v1 document");
	d->prescription_id = i_req(&x, root, "prescription_id", "prescription_id", 1);
	d->issued_at = s_req(&x, root, "issued_at", "issued_at");
	d->valid_from = s_req(&x, root, "valid_from", "valid_from");
	d->valid_until = s_req(&x, root, "valid_until", "valid_until");
	if (d->issued_at != NULL && (d->issued_s = ph_time_parse(d->issued_at)) < 0)
		missing(&x, "issued_at", "not a date and time");
	if (d->valid_from != NULL && (d->valid_from_s = ph_time_parse(d->valid_from)) < 0)
		missing(&x, "valid_from", "not a date");
	if (d->valid_until != NULL && (d->valid_until_s = ph_time_parse(d->valid_until)) < 0)
		missing(&x, "valid_until", "not a date and time");
	if ((pt = o_req(&x, root, "patient")) != NULL) {
		d->patient_name = s_req(&x, pt, "name", "patient.name");
		d->patient_dob = s_req(&x, pt, "date_of_birth", "patient.date_of_birth");
		d->patient_address = s_req(&x, pt, "address", "patient.address");
	}
	if ((pr = o_req(&x, root, "product")) != NULL) {
		d->product_id = i_req(&x, pr, "id", "product.id", 1);
		d->supplier = s_req(&x, pr, "supplier", "product.supplier");
		d->brand = s_req(&x, pr, "brand", "product.brand");
		d->product_name = s_req(&x, pr, "name", "product.name");
		d->form = s_req(&x, pr, "form", "product.form");
		d->strength = s_req(&x, pr, "strength", "product.strength");
		d->thc_ug_per_unit = i_req(&x, pr, "thc_ug_per_unit", "product.thc_ug_per_unit", 0);
		d->cbd_ug_per_unit = i_req(&x, pr, "cbd_ug_per_unit", "product.cbd_ug_per_unit", 0);
		d->supply_unit = s_req(&x, pr, "supply_unit", "product.supply_unit");
	}
	d->dose = s_req(&x, root, "dose", "dose");
	if ((q = o_req(&x, root, "quantity")) != NULL) {
		d->quantity = i_req(&x, q, "amount", "quantity.amount", 1);
		d->quantity_unit = s_req(&x, q, "unit", "quantity.unit");
		d->quantity_figures = s_req(&x, q, "figures", "quantity.figures");
		d->quantity_words = s_req(&x, q, "words", "quantity.words");
	}
	d->days_supply = i_req(&x, root, "days_supply", "days_supply", 1);
	in = member(root, "instalments");
	if (in == NULL && !json_object_object_get_ex(root, "instalments", &t))
		missing(&x, "instalments", "required (null when not in instalments)");
	else if (in != NULL) {
		if (!json_object_is_type(in, json_type_object))
			missing(&x, "instalments", "not an object");
		else {
			d->has_instalments = true;
			d->instalment_amount = i_req(&x, in, "amount", "instalments.amount", 1);
			d->instalment_figures = s_req(&x, in, "figures", "instalments.figures");
			d->instalment_interval_days = i_req(&x, in, "interval_days",
			    "instalments.interval_days", 1);
		}
	}
	if ((ps = o_req(&x, root, "prescriber")) != NULL) {
		d->prescriber_id = i_req(&x, ps, "id", "prescriber.id", 1);
		d->prescriber_name = s_req(&x, ps, "name", "prescriber.name");
		d->prescriber_reg = s_req(&x, ps, "registration_number",
		    "prescriber.registration_number");
		d->practice = s_req(&x, ps, "practice", "prescriber.practice");
		d->practice_address = s_req(&x, ps, "address", "prescriber.address");
	}
	d->paper_required = b_req(&x, root, "paper_original_required", "paper_original_required");
	d->key_fingerprint = s_req(&x, root, "key_fingerprint", "key_fingerprint");
	if (d->key_fingerprint != NULL && !ph_hex64(d->key_fingerprint))
		missing(&x, "key_fingerprint", "not 64 lower-case hex digits");
	if (d->quantity_unit != NULL && d->supply_unit != NULL &&
	    strcmp(d->quantity_unit, d->supply_unit) != 0)
		missing(&x, "quantity.unit", "differs from product.supply_unit");
	json_object_put(root);
	return x.oom ? -1 : 0;
}

void
ph_doc_check(const struct ph_doc *d, int64_t msg_rx_id, const char *msg_fp,
    int64_t msg_prescriber_id, int64_t now, struct ph_verdict *v)
{
	int64_t	start;

	if (d->prescription_id != 0 && d->prescription_id != msg_rx_id)
		ph_reason_add(v, "document-mismatch", "the document is prescription %" PRId64
		    ", the message says %" PRId64, d->prescription_id, msg_rx_id);
	if (d->key_fingerprint != NULL && (msg_fp == NULL || strcmp(d->key_fingerprint,
	    msg_fp) != 0))
		ph_reason_add(v, "document-mismatch",
		    "the document names another signing key than the message");
	if (d->prescriber_id != 0 && d->prescriber_id != msg_prescriber_id)
		ph_reason_add(v, "document-mismatch", "the document's prescriber is %" PRId64
		    ", the message says %" PRId64, d->prescriber_id, msg_prescriber_id);
	if (d->valid_from_s >= 0 && d->valid_from_s - PH_ZONE_SLACK_S > now)
		ph_reason_add(v, "not-yet-valid", "valid from %s", d->valid_from);
	if (d->valid_until_s >= 0 && d->valid_until_s < now)
		ph_reason_add(v, "expired", "expired at %s", d->valid_until);
	if (d->valid_until_s >= 0 && d->issued_s >= 0) {
		start = d->issued_s;
		if (d->valid_from_s > start)
			start = d->valid_from_s;
		if (d->valid_until_s < d->issued_s)
			ph_reason_add(v, "validity-too-long", "valid_until %s is before issued_at %s",
			    d->valid_until, d->issued_at);
		else if (d->valid_until_s - start > PH_VALIDITY_MAX_S + PH_ZONE_SLACK_S)
			ph_reason_add(v, "validity-too-long", "valid for %" PRId64 " days; at most 28"
			    " days from the date signed or the start date",
			    (d->valid_until_s - start + 86399) / 86400);
	}
}

/* ---- keys and signatures ---- */

static EVP_PKEY *
read_pem(const char *pem, size_t len)
{
	BIO		*b;
	EVP_PKEY	*k;

	if (pem == NULL || len == 0 || len > 16384)
		return NULL;
	if ((b = BIO_new_mem_buf(pem, (int)len)) == NULL)
		return NULL;
	k = PEM_read_bio_PUBKEY(b, NULL, NULL, NULL);
	BIO_free(b);
	return k;
}

int
ph_pem_fingerprint(const char *pem, size_t len, char out[65])
{
	EVP_PKEY	*k = read_pem(pem, len);
	unsigned char	*der = NULL, digest[SHA256_LEN];
	int		 n, rc = -1;

	out[0] = '\0';
	if (k == NULL)
		return -1;
	if ((n = i2d_PUBKEY(k, &der)) > 0 && crypto_sha256(der, (size_t)n, digest) == CE_OK) {
		hex_encode(digest, SHA256_LEN, out);
		rc = 0;
	}
	OPENSSL_free(der);
	EVP_PKEY_free(k);
	return rc;
}

int
ph_sig_verify(const char *pem, size_t pemlen, const char *doc, size_t doclen,
    const unsigned char *sig, size_t siglen)
{
	EVP_PKEY	*k = read_pem(pem, pemlen);
	EVP_MD_CTX	*ctx = NULL;
	char		 group[64];
	size_t		 glen = 0;
	int		 rc = 0, ok;

	if (k == NULL)
		return 0;
	if (EVP_PKEY_get_base_id(k) != EVP_PKEY_EC ||
	    EVP_PKEY_get_utf8_string_param(k, "group", group, sizeof(group), &glen) != 1 ||
	    strcmp(group, "prime256v1") != 0 || sig == NULL || siglen == 0 || siglen > 160)
		goto out;
	rc = -1;
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, k) != 1)
		goto out;
	ok = EVP_DigestVerify(ctx, sig, siglen, (const unsigned char *)doc, doclen);
	rc = ok == 1 ? 1 : 0;
out:
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(k);
	return rc;
}

struct json_object *
ph_reasons_json(const struct ph_verdict *v)
{
	struct json_object	*a, *o;
	size_t			 i;

	if ((a = json_object_new_array()) == NULL)
		return NULL;
	for (i = 0; i < v->n; i++) {
		if ((o = json_object_new_object()) == NULL ||
		    json_object_array_add(a, o) != 0) {
			json_object_put(o);
			json_object_put(a);
			return NULL;
		}
		json_object_object_add(o, "code", json_object_new_string(v->r[i].code));
		json_object_object_add(o, "message", json_object_new_string(v->r[i].message));
	}
	return a;
}
