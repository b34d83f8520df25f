/*
 * Signing a draft after a fresh second-factor code (step-up), and the
 * signed document and signature as the pharmacy and anyone else verify
 * them (docs/API.md#prescribing).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/evp.h>

#include "audit.h"
#include "conf.h"
#include "db.h"
#include "outbox.h"
#include "patient.h"
#include "pool.h"
#include "reply.h"
#include "req.h"
#include "stepup.h"
#include "rx.h"

#define SIG_MAX	160

static const char SQL_TIMES[] =
    "SELECT DATE_FORMAT(t, '%Y-%m-%d %H:%i:%s.%f'), DATE_FORMAT(t, '%Y-%m-%dT%H:%i:%sZ'),"
    " DATE_FORMAT(v, '%Y-%m-%d %H:%i:%s.%f'), DATE_FORMAT(v, '%Y-%m-%dT%H:%i:%sZ'),"
    " DATE_FORMAT(COALESCE(s, t), '%Y-%m-%d'), DATE_FORMAT(COALESCE(s, t), '%Y-%m-%d %H:%i:%s.%f'),"
    " TIMESTAMPDIFF(MICROSECOND, '1970-01-01', COALESCE(s, t))"
    " FROM (SELECT t, s, COALESCE(s, t) + INTERVAL ? DAY AS v FROM"
    " (SELECT UTC_TIMESTAMP(6) AS t, CAST(? AS DATETIME(6)) AS s) a) b";
static const char SQL_PATIENT[] =
    "SELECT CONCAT(u.given_name, ' ', u.family_name), DATE_FORMAT(u.date_of_birth, '%Y-%m-%d'),"
    " CONCAT_WS(', ', NULLIF(p.address_line1, ''), NULLIF(p.address_line2, ''),"
    " NULLIF(p.town, ''), NULLIF(p.postcode, ''))"
    " FROM users u LEFT JOIN patient_profile p ON p.user_id = u.id WHERE u.id = ?";
static const char SQL_PRESCRIBER[] =
    "SELECT CONCAT(given_name, ' ', family_name), gmc_number, specialist FROM users WHERE id = ?";
static const char SQL_SIGN[] =
    "UPDATE prescription SET status = 'signed', plan_version = ?, initial = ?, dose = ?,"
    " daily_amount = ?,"
    " days_supply = ?, thc_ug_total = ?, cbd_ug_total = ?, effective_at = ?, signed_at = ?,"
    " valid_until = ?, key_id = ?, document = ?, signature = ?, paper_required = ?,"
    " status_changed_at = ?, updated_at = UTC_TIMESTAMP(6),"
    " pharmacy_id = NULLIF(?, 0) WHERE id = ? AND status = 'draft'";
/*
 * The pharmacy it goes to when the prescriber names none: the active
 * partner that last reported enough of the product for it, else the one
 * that reported the most, else the first set up (a plain read: no locks on
 * the stock the bridge keeps writing). prescribe.js's defaultPharmacy()
 * makes the same choice.
 */
static const char SQL_CHOOSE[] =
    "SELECT pp.id FROM pharmacy_partner pp LEFT JOIN pharmacy_stock s"
    " ON s.partner_id = pp.id AND s.product_id = ? WHERE pp.active = 1"
    " ORDER BY COALESCE(s.available, 0) >= ? DESC, COALESCE(s.available, 0) DESC, pp.id"
    " LIMIT 1";
static const char SQL_PARTNER_STILL[] =
    "SELECT id FROM pharmacy_partner WHERE id = ? AND active = 1 LOCK IN SHARE MODE";
static const char SQL_PARTNER_ACTIVE[] =
    "SELECT id FROM pharmacy_partner WHERE id = ? AND active = 1";

static const char STEPUP_DETAIL[] =
    "is not right, was already used, or is missing: enter the current code from your"
    " authenticator app";

/* 403 step-up-failed naming field "code". */
static int
stepup_failed(struct req *r)
{
	struct json_object	*extra = json_object_new_object(), *errs, *e;

	if (extra != NULL && (errs = json_object_new_array()) != NULL) {
		if ((e = json_object_new_object()) != NULL) {
			json_object_object_add(e, "field", json_object_new_string("code"));
			json_object_object_add(e, "detail", json_object_new_string(STEPUP_DETAIL));
			json_object_array_add(errs, e);
		}
		json_object_object_add(extra, "errors", errs);
	}
	return reply_problem_with(r, 403, "step-up-failed", "Step-up failed",
	    "Signing needs a fresh code from your authenticator app.", extra);
}

/* The signed prescription's text as base64 (standard, padded). pool string. */
static char *
b64(struct pool *p, const unsigned char *s, size_t n)
{
	char	*o = pool_calloc(p, 4 * ((n + 2) / 3) + 1, 1);

	if (o != NULL)
		(void)EVP_EncodeBlock((unsigned char *)o, s, (int)n);
	return o;
}

int
rx_sign(struct req *r)
{
	struct rx_row		 x;
	struct rx_input		 in;
	struct rx_verdict	 v;
	struct plan		 pl;
	struct product		 pr;
	struct rx_key		 k;
	struct rx_doc		 d;
	struct db_res		*t, *pt, *ps, *pp;
	struct json_object	*payload, *det, *o;
	enum stepup_outcome	 out;
	unsigned char		 sig[SIG_MAX];
	const char		*code = r->in.vals[0].present ? r->in.vals[0].s : NULL;
	int64_t			 pharmacy = r->in.vals[1].present ? r->in.vals[1].i : 0, to;
	const char		*start;
	struct verr		 errs[6];
	size_t			 nerr;
	char			 eid[24], key[64], today[11], *doc, *sigtext;
	size_t			 siglen = sizeof(sig), doclen;
	int64_t			 id = req_id(r, "id"), wait;
	enum cerr		 rc;

	if (id == 0 || (rc = rx_load(r, id, false, &x)) == CE_NOTFOUND)
		return reply_problem(r, 404, "not-found", "No such prescription", NULL);
	if (rc != CE_OK)
		return reply_db(r, rc);
	if (x.prescriber_id != r->who.user_id)
		return reply_problem(r, 403, "forbidden", "Not your prescription",
		    "Only the prescriber who drafted it may sign it.");
	if (strcmp(x.status, "draft") != 0)
		return reply_problem(r, 409, "prescription-signed", "Not a draft",
		    "Only a draft is signed, once.");
	/* A pharmacy named must be an active partner: checked before the code is spent. */
	if (pharmacy != 0) {
		if ((rc = db_exec(r->db, r->pool, &pp, SQL_PARTNER_ACTIVE, "i", pharmacy)) != CE_OK)
			return reply_db(r, rc);
		if (pp->nrows != 1)
			return reply_field(r, 422, "pharmacy_id", "is not an active partner pharmacy"
			    " (GET /api/v1/bridge/partners lists them)");
	}
	(void)snprintf(eid, sizeof(eid), "%" PRId64, id);
	if ((rc = stepup_check(r, code, false, &out, &wait)) != CE_OK)
		return rc == CE_CRYPTO ? reply_internal(r, "a stored second-factor secret cannot be"
		    " opened (was secret_key changed?)") : reply_db(r, rc);
	if (out == STEPUP_WAIT)
		return throttle_reply(r, wait);
	if (out != STEPUP_OK) {
		if (out == STEPUP_NO_SECRET && (rc = db_begin(r->db)) != CE_OK)
			return reply_db(r, rc);
		if ((det = json_object_new_object()) != NULL)
			json_object_object_add(det, "reason", json_object_new_string(
			    code == NULL || *code == '\0' ? "code missing" :
			    out == STEPUP_NO_SECRET ? "no authenticator" : "code wrong or reused"));
		if ((rc = audit_commit(r, "prescription.sign", "prescription", eid, "failure",
		    det)) != CE_OK)
			return reply_db(r, rc);
		return stepup_failed(r);
	}
	/* The code passed: the transaction is open, the user row locked. */
	if ((rc = rx_load(r, id, true, &x)) != CE_OK)
		return reply_db(r, rc);
	if (strcmp(x.status, "draft") != 0) {
		db_rollback(r->db);
		return reply_problem(r, 409, "prescription-signed", "Not a draft",
		    "Only a draft is signed, once.");
	}
	/*
	 * The pharmacy, now: the one named must still be active (in share mode,
	 * so it stays so until this commits; rolling back also un-spends the code).
	 */
	if (pharmacy != 0)
		rc = db_exec(r->db, r->pool, &pp, SQL_PARTNER_STILL, "i", pharmacy);
	else
		rc = db_exec(r->db, r->pool, &pp, SQL_CHOOSE, "ii", x.product_id, x.quantity);
	if (rc != CE_OK) {
		db_rollback(r->db);
		return reply_db(r, rc);
	}
	if (pharmacy != 0 && pp->nrows != 1) {
		db_rollback(r->db);
		return reply_field(r, 422, "pharmacy_id", "is not an active partner pharmacy"
		    " (GET /api/v1/bridge/partners lists them)");
	}
	to = pp->nrows == 1 ? db_int(pp->rows[0][0]) : 0;
	memset(&in, 0, sizeof(in));
	in.patient_id = x.patient_id;
	in.plan_id = x.plan_id;
	in.product_id = x.product_id;
	in.quantity = x.quantity;
	in.dose = x.dose;
	in.justification = x.justification;
	in.start_date = x.start_date;
	in.instalment_amount = x.instalment_amount;
	in.instalment_interval_days = x.instalment_interval_days;
	/* the same input checks as at create: a start date since passed is refused */
	plan_today(today);
	if ((nerr = rx_input_check(&in, today, conf.prescription_validity_days, errs)) > 0) {
		db_rollback(r->db);
		return reply_invalid(r, 422, errs, nerr);
	}
	start = rx_start_sql(r->pool, x.start_date);
	if (x.start_date != NULL && start == NULL) {
		db_rollback(r->db);
		return reply_internal(r, "out of memory");
	}
	if ((rc = db_exec(r->db, r->pool, &t, SQL_TIMES, "is",
	    (int64_t)conf.prescription_validity_days, start)) != CE_OK) {
		db_rollback(r->db);
		return reply_db(r, rc);
	}
	if ((rc = rx_evaluate(r, &in, id, r->who.user_id, db_int(t->rows[0][6]), &v, &pl,
	    &pr)) != CE_OK) {
		db_rollback(r->db);
		return rc == CE_INVALID ? reply_field(r, 422, "quantity", "is too large") :
		    reply_db(r, rc);
	}
	if (!v.ok) {
		struct json_object *extra = json_object_new_object();

		if (extra != NULL)
			json_object_object_add(extra, "checks", v.checks);
		else
			json_object_put(v.checks);
		if ((det = json_object_new_object()) != NULL)
			json_object_object_add(det, "reason", json_object_new_string("rules"));
		if ((rc = audit_commit(r, "prescription.sign", "prescription", eid, "denied",
		    det)) != CE_OK || (rc = rx_check_read(r, x.patient_id, x.plan_id)) != CE_OK) {
			json_object_put(extra);
			return reply_db(r, rc);
		}
		return reply_problem_with(r, 422, "prescription-refused",
		    "The prescription does not pass the prescribing rules",
		    "The checks ran again at signing and one no longer passes.", extra);
	}
	json_object_put(v.checks);
	if ((rc = rx_key_current(r, r->who.user_id, true, &k)) != CE_OK)
		return rc == CE_CONF ? reply_internal(r, "secret_key is not set: no key can be"
		    " sealed") : reply_db(r, rc);
	if ((rc = db_exec(r->db, r->pool, &pt, SQL_PATIENT, "i", x.patient_id)) != CE_OK ||
	    (rc = db_exec(r->db, r->pool, &ps, SQL_PRESCRIBER, "i", r->who.user_id)) != CE_OK)
		return reply_db(r, rc);
	if (pt->nrows != 1 || ps->nrows != 1)
		return reply_internal(r, "patient or prescriber vanished");
	memset(&d, 0, sizeof(d));
	d.id = id;
	d.issued_at = t->rows[0][1];
	d.valid_from = x.start_date != NULL ? x.start_date : today;
	d.valid_until = t->rows[0][3];
	d.patient_name = pt->rows[0][0];
	d.patient_dob = pt->rows[0][1];
	d.patient_address = pt->rows[0][2] != NULL && *pt->rows[0][2] != '\0' ?
	    pt->rows[0][2] : NULL;
	d.product_id = pr.id;
	d.supplier = pr.supplier;
	d.brand = pr.brand;
	d.product_name = pr.name;
	d.form = pr.form;
	d.strength = strength_label(r->pool, pr.form, pr.supply_unit, pr.thc_ug, pr.cbd_ug);
	d.supply_unit = pr.supply_unit;
	d.thc_ug_per_unit = pr.thc_ug;
	d.cbd_ug_per_unit = pr.cbd_ug;
	d.dose = v.dose;
	d.quantity = x.quantity;
	d.quantity_figures = amount_figures(r->pool, pr.supply_unit, pr.form, x.quantity);
	d.quantity_words = rx_words(r->pool, pr.supply_unit, pr.form, x.quantity);
	d.days_supply = v.days_supply;
	d.instalment_amount = x.instalment_amount;
	d.instalment_interval_days = x.instalment_interval_days;
	d.instalment_figures = x.instalment_amount > 0 ?
	    amount_figures(r->pool, pr.supply_unit, pr.form, x.instalment_amount) : NULL;
	d.justification = x.justification;
	d.prescriber_id = r->who.user_id;
	d.prescriber_name = ps->rows[0][0];
	d.prescriber_reg = ps->rows[0][1];
	d.specialist = db_int(ps->rows[0][2]) != 0;
	d.practice = conf.clinic_name;
	d.practice_address = conf.clinic_address;
	d.plan_id = pl.id;
	d.plan_version = pl.version;
	d.initial = v.initial;
	d.paper_required = conf.prescription_paper_original != 0;
	d.key_fingerprint = k.fingerprint;
	if (d.strength == NULL || d.quantity_figures == NULL || d.quantity_words == NULL ||
	    (doc = rx_canon(r->pool, &d, &doclen)) == NULL)
		return reply_internal(r, "out of memory");
	rc = rx_key_sign(r->who.user_id, &k, doc, doclen, sig, &siglen);
	if (rc == CE_INVALID) {
		/*
		 * The sealed key no longer opens (secret_key changed): retire it (what
		 * it signed stays verifiable by its public key, ?fingerprint=) and sign
		 * with a new one, in this same transaction.
		 */
		if ((rc = rx_key_retire(r, r->who.user_id, &k,
		    "the sealed private key cannot be opened (secret_key changed?)")) != CE_OK ||
		    (rc = rx_key_current(r, r->who.user_id, true, &k)) != CE_OK) {
			db_rollback(r->db);
			return rc == CE_CONF ? reply_internal(r, "secret_key is not set") :
			    reply_db(r, rc);
		}
		d.key_fingerprint = k.fingerprint;
		siglen = sizeof(sig);
		if ((doc = rx_canon(r->pool, &d, &doclen)) == NULL) {
			db_rollback(r->db);
			return reply_internal(r, "out of memory");
		}
		rc = rx_key_sign(r->who.user_id, &k, doc, doclen, sig, &siglen);
	}
	if (rc != CE_OK) {
		db_rollback(r->db);
		return reply_internal(r, "the prescriber's key cannot be used");
	}
	if ((rc = db_exec(r->db, r->pool, NULL, SQL_SIGN, "iisiiiisssisbisii", pl.version,
	    (int64_t)v.initial,
	    v.dose, v.daily_amount, v.days_supply, v.thc_ug_total, v.cbd_ug_total,
	    t->rows[0][5], t->rows[0][0], t->rows[0][2], k.id, doc, sig, siglen,
	    (int64_t)d.paper_required, t->rows[0][0], to, id)) != CE_OK ||
	    (rc = rx_event(r, id, "signed", r->who.user_id, NULL)) != CE_OK)
		return reply_db(r, rc);
	if ((sigtext = b64(r->pool, sig, siglen)) == NULL ||
	    (payload = json_object_new_object()) == NULL)
		return reply_internal(r, "out of memory");
	json_object_object_add(payload, "prescription_id", json_object_new_int64(id));
	json_object_object_add(payload, "document", json_object_new_string_len(doc, (int)doclen));
	json_object_object_add(payload, "signature", json_object_new_string(sigtext));
	json_object_object_add(payload, "key_fingerprint", json_object_new_string(k.fingerprint));
	json_object_object_add(payload, "prescriber_id", json_object_new_int64(r->who.user_id));
	(void)snprintf(key, sizeof(key), "rx-%" PRId64 "-sent", id);
	if ((rc = outbox_put(r, "pharmacy.prescription", key, payload)) != CE_OK)
		return reply_db(r, rc);
	if ((rc = rx_load(r, id, false, &x)) != CE_OK)
		return reply_db(r, rc);
	det = rx_audit_details(&x, pr.supply_unit);
	if (det != NULL) {
		json_object_object_add(det, "key_fingerprint", json_object_new_string(k.fingerprint));
		json_object_object_add(det, "pharmacy_id", to != 0 ? json_object_new_int64(to) : NULL);
		json_object_object_add(det, "pharmacy_named", json_object_new_boolean(pharmacy != 0));
	}
	if ((rc = audit_commit(r, "prescription.sign", "prescription", eid, "success", det)) != CE_OK)
		return reply_db(r, rc);
	if ((o = rx_json(r, &x)) == NULL)
		return reply_internal(r, "cannot show the prescription");
	return reply_json(r, 200, o);
}

/* The signed bytes of the prescription r names, with content type ctype. */
static int
signed_part(struct req *r, bool document)
{
	struct rx_row	x;
	int		st;

	if ((st = rx_reach(r, false, &x)) != 0)
		return st;
	if (x.document == NULL || x.signature == NULL)
		return reply_problem(r, 409, "not-signed", "Not signed",
		    "This prescription has not been signed.");
	if (reply_header(r, "Content-Type", document ? "application/json" :
	    "application/octet-stream") != 0)
		return reply_internal(r, "out of memory");
	if (document) {
		r->out = pool_strndup(r->pool, x.document, x.doclen);
		r->outlen = x.doclen;
	} else {
		if ((r->out = pool_calloc(r->pool, x.siglen + 1, 1)) != NULL)
			memcpy(r->out, x.signature, x.siglen);
		r->outlen = x.siglen;
	}
	if (r->out == NULL)
		return reply_internal(r, "out of memory");
	r->status = 200;
	return 200;
}

int
rx_document(struct req *r)
{
	return signed_part(r, true);
}

int
rx_signature(struct req *r)
{
	return signed_part(r, false);
}
