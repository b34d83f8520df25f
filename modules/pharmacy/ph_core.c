/*
 * The pharmacy's database side shared by pharmacy.fcgi and dispatch
 * (ph.h): the check of a received prescription with its outcome (reserve,
 * out of stock, reject), stock figures, the register's running balance, the
 * stock messages to the clinic and the periodic snapshot (pharmacy.h).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "audit.h"
#include "crypto.h"
#include "db.h"
#include "outbox.h"
#include "pool.h"
#include "req.h"
#include "pharmacy.h"
#include "ph.h"

static const char SQL_RX_LOCK[] =
    "SELECT status, document, signature, key_fingerprint, prescriber_id, clinic_rx_id,"
    " paper_received_at FROM ph_prescription WHERE id = ? FOR UPDATE";
static const char SQL_KEY[] =
    "SELECT public_pem, prescriber_id FROM ph_prescriber_key WHERE fingerprint = ?";
static const char SQL_PRODUCT_BY_CLINIC[] =
    "SELECT id, supply_unit, active FROM ph_product WHERE clinic_product_id = ?";
static const char SQL_PRODUCT_LOCK[] =
    "SELECT id FROM ph_product WHERE id = ? FOR UPDATE";
static const char SQL_ON_HAND[] =
    "SELECT COALESCE(SUM(on_hand), 0) FROM ph_batch WHERE product_id = ?"
    " AND expiry_date >= UTC_DATE()";
static const char SQL_HELD[] =
    "SELECT COALESCE(SUM(quantity), 0) FROM ph_reservation WHERE product_id = ?"
    " AND status = 'held'";
static const char SQL_EXPECTED[] =
    "SELECT DATE_FORMAT(expected_date, '%Y-%m-%d'), quantity FROM ph_expected"
    " WHERE product_id = ? AND arrived = 0 AND expected_date >= UTC_DATE()"
    " ORDER BY expected_date, id";
static const char SQL_TRUSTED[] =
    "UPDATE ph_prescription SET signature_status = 'valid', product_id = ?,"
    " clinic_product_id = ?, quantity = ?, patient_name = ?,"
    " valid_from = ?, valid_until = ?, paper_required = ? WHERE id = ?";
static const char SQL_STATUS[] =
    "UPDATE ph_prescription SET status = ?, check_result = ?,"
    " signature_status = COALESCE(?, signature_status),"
    " status_changed_at = UTC_TIMESTAMP(6) WHERE id = ?";
static const char SQL_RESERVE[] =
    "INSERT INTO ph_reservation (prescription_id, product_id, quantity, status, created_at)"
    " VALUES (?, ?, ?, 'held', UTC_TIMESTAMP(6))";
static const char SQL_RES_ID[] =
    "SELECT id FROM ph_reservation WHERE prescription_id = ?";
static const char SQL_CLINIC_ID[] =
    "SELECT clinic_product_id, supply_unit FROM ph_product WHERE id = ?";
static const char SQL_NOW[] =
    "SELECT DATE_FORMAT(UTC_TIMESTAMP(6), '%Y-%m-%dT%H:%i:%s.%fZ')";
static const char SQL_BALANCE[] =
    "SELECT balance FROM ph_register WHERE product_id = ? ORDER BY id DESC LIMIT 1";
static const char SQL_REGISTER[] =
    "INSERT INTO ph_register (product_id, batch_id, kind, quantity, balance, at, counterparty,"
    " prescription_id, prescriber, collector, id_requested, id_provided, witness, corrects_id,"
    " reason, recorded_by) VALUES (?, NULLIF(?, 0), ?, ?, ?, UTC_TIMESTAMP(6), ?,"
    " NULLIF(?, 0), ?, ?, IF(? < 0, NULL, ?), IF(? < 0, NULL, ?), ?, NULLIF(?, 0), ?,"
    " NULLIF(?, 0))";
static const char SQL_MAPPED[] =
    "SELECT id FROM ph_product WHERE clinic_product_id IS NOT NULL ORDER BY id";
static const char SQL_RECEIVED_BY_ID[] =
    "SELECT clinic_rx_id FROM ph_prescription WHERE id = ? AND status = 'received' FOR UPDATE";

void
ph_json_free(void *o)
{
	json_object_put(o);
}

enum cerr
ph_audit(struct req *r, int64_t actor_id, const char *action, const char *entity_type,
    int64_t entity_id, struct json_object *details)
{
	char	eid[24];

	(void)snprintf(eid, sizeof(eid), "%" PRId64, entity_id);
	if (actor_id == 0)
		return audit_as(r, 0, "system", NULL, action, entity_type, eid, "success",
		    details, false);
	return audit(r, action, entity_type, eid, "success", details);
}

enum cerr
ph_emit_rx(struct req *r, int64_t clinic_rx_id, const char *suffix, struct json_object *data)
{
	struct timespec	ts;
	char		type[64], key[OUTBOX_KEY_MAX + 1];
	enum cerr	rc;

	if (data == NULL)
		return CE_NOMEM;
	if (clock_gettime(CLOCK_REALTIME, &ts) != 0) {
		ts.tv_sec = time(NULL);
		ts.tv_nsec = 0;
	}
	(void)snprintf(type, sizeof(type), "prescription.%s", suffix);
	(void)snprintf(key, sizeof(key), "ph-rx-%" PRId64 "-%s-%lld%06ld", clinic_rx_id, suffix,
	    (long long)ts.tv_sec, (long)(ts.tv_nsec / 1000));
	(void)json_object_get(data);	/* kept for a second try */
	rc = ph_emit(r, type, key, data);
	if (rc == CE_DUPLICATE) {
		/* the same microsecond twice: make it unique */
		(void)snprintf(key, sizeof(key), "ph-rx-%" PRId64 "-%s-%lld%06ld-2", clinic_rx_id,
		    suffix, (long long)ts.tv_sec, (long)(ts.tv_nsec / 1000));
		return ph_emit(r, type, key, data);
	}
	json_object_put(data);
	return rc;
}

enum cerr
ph_product_lock(struct req *r, int64_t product_id)
{
	struct db_res	*res;
	enum cerr	 rc;

	if ((rc = db_exec(r->db, r->pool, &res, SQL_PRODUCT_LOCK, "i", product_id)) != CE_OK)
		return rc;
	return res->nrows == 1 ? CE_OK : CE_NOTFOUND;
}

enum cerr
ph_available(struct req *r, int64_t product_id, int64_t *available, const char **expected)
{
	struct db_res	*a, *b, *e;
	enum cerr	 rc;

	*available = 0;
	if (expected != NULL)
		*expected = NULL;
	if ((rc = db_exec(r->db, r->pool, &a, SQL_ON_HAND, "i", product_id)) != CE_OK ||
	    (rc = db_exec(r->db, r->pool, &b, SQL_HELD, "i", product_id)) != CE_OK)
		return rc;
	*available = db_int(a->rows[0][0]) - db_int(b->rows[0][0]);
	if (expected != NULL) {
		if ((rc = db_exec(r->db, r->pool, &e, SQL_EXPECTED, "i", product_id)) != CE_OK)
			return rc;
		if (e->nrows > 0)
			*expected = e->rows[0][0];
	}
	return CE_OK;
}

/* The earliest expected date whose deliveries, added up in date order, cover shortfall. */
static enum cerr
expected_cover(struct req *r, int64_t product_id, int64_t shortfall, const char **date)
{
	struct db_res	*e;
	int64_t		 sum = 0;
	size_t		 i;
	enum cerr	 rc;

	*date = NULL;
	if ((rc = db_exec(r->db, r->pool, &e, SQL_EXPECTED, "i", product_id)) != CE_OK)
		return rc;
	for (i = 0; i < e->nrows; i++) {
		sum += db_int(e->rows[i][1]);
		if (sum >= shortfall) {
			*date = e->rows[i][0];
			break;
		}
	}
	return CE_OK;
}

static enum cerr
now_iso(struct req *r, const char **out)
{
	struct db_res	*res;
	enum cerr	 rc;

	if ((rc = db_exec(r->db, r->pool, &res, SQL_NOW, "")) != CE_OK)
		return rc;
	*out = res->rows[0][0];
	return CE_OK;
}

/* {product_id (clinic), available, unit, expected_date} of a mapped product, or NULL item. */
static enum cerr
stock_item(struct req *r, int64_t product_id, struct json_object **item)
{
	struct db_res		*p;
	struct json_object	*o;
	const char		*exp;
	int64_t			 avail;
	enum cerr		 rc;

	*item = NULL;
	if ((rc = db_exec(r->db, r->pool, &p, SQL_CLINIC_ID, "i", product_id)) != CE_OK)
		return rc;
	if (p->nrows != 1 || p->rows[0][0] == NULL)
		return CE_OK;
	if ((rc = ph_available(r, product_id, &avail, &exp)) != CE_OK)
		return rc;
	if ((o = json_object_new_object()) == NULL)
		return CE_NOMEM;
	json_object_object_add(o, "product_id", json_object_new_int64(db_int(p->rows[0][0])));
	json_object_object_add(o, "available", json_object_new_int64(avail > 0 ? avail : 0));
	json_object_object_add(o, "unit", json_object_new_string(p->rows[0][1]));
	json_object_object_add(o, "expected_date", exp != NULL ? json_object_new_string(exp) : NULL);
	*item = o;
	return CE_OK;
}

enum cerr
ph_stock_changed(struct req *r, int64_t product_id, const char *tag)
{
	struct json_object	*item, *data, *items;
	const char		*asof;
	char			 key[OUTBOX_KEY_MAX + 1];
	enum cerr		 rc;

	if ((rc = stock_item(r, product_id, &item)) != CE_OK)
		return rc;
	if (item == NULL)
		return CE_OK;	/* not mapped: the clinic has no use for it */
	if ((rc = now_iso(r, &asof)) != CE_OK) {
		json_object_put(item);
		return rc;
	}
	if ((data = json_object_new_object()) == NULL || (items = json_object_new_array()) == NULL) {
		json_object_put(data);
		json_object_put(item);
		return CE_NOMEM;
	}
	json_object_array_add(items, item);
	json_object_object_add(data, "as_of", json_object_new_string(asof));
	json_object_object_add(data, "items", items);
	(void)snprintf(key, sizeof(key), "ph-stock-%" PRId64 "-%s", product_id, tag);
	rc = ph_emit(r, "stock.changed", key, data);
	return rc == CE_DUPLICATE ? CE_OK : rc;
}

enum cerr
ph_stock_snapshot(struct req *r)
{
	struct db_res		*res;
	struct json_object	*data = NULL, *items, *item;
	const char		*asof;
	char			 key[OUTBOX_KEY_MAX + 1];
	size_t			 i;
	enum cerr		 rc;

	if ((rc = db_begin(r->db)) != CE_OK)
		return rc;
	if ((rc = db_exec(r->db, r->pool, &res, SQL_MAPPED, "")) != CE_OK ||
	    (rc = now_iso(r, &asof)) != CE_OK)
		goto fail;
	rc = CE_NOMEM;
	if ((data = json_object_new_object()) == NULL || (items = json_object_new_array()) == NULL)
		goto fail;
	json_object_object_add(data, "items", items);
	json_object_object_add(data, "as_of", json_object_new_string(asof));
	for (i = 0; i < res->nrows; i++) {
		if ((rc = stock_item(r, db_int(res->rows[i][0]), &item)) != CE_OK)
			goto fail;
		if (item != NULL)
			json_object_array_add(items, item);
	}
	(void)snprintf(key, sizeof(key), "ph-snapshot-%lld", (long long)time(NULL));
	rc = ph_emit(r, "stock.snapshot", key, data);
	data = NULL;
	if (rc == CE_DUPLICATE) {
		db_rollback(r->db);
		return CE_OK;
	}
	if (rc != CE_OK)
		goto fail;
	return db_commit(r->db);
fail:
	json_object_put(data);
	db_rollback(r->db);
	return rc;
}

enum cerr
ph_register_add(struct req *r, const struct ph_entry *e, int64_t *entry_id)
{
	struct db_res	*res;
	int64_t		 balance = 0;
	int64_t		 idr = e->id_requested, idp = e->id_provided;
	enum cerr	 rc;

	if ((rc = db_exec(r->db, r->pool, &res, SQL_BALANCE, "i", e->product_id)) != CE_OK)
		return rc;
	if (res->nrows == 1)
		balance = db_int(res->rows[0][0]);
	balance += e->quantity;
	if ((rc = db_exec(r->db, r->pool, NULL, SQL_REGISTER, "iisiisissiiiisisi",
	    e->product_id, e->batch_id, e->kind, e->quantity, balance, e->counterparty,
	    e->prescription_id, e->prescriber, e->collector, idr, idr, idp, idp, e->witness,
	    e->corrects_id, e->reason, e->recorded_by)) != CE_OK)
		return rc;
	if (entry_id != NULL)
		*entry_id = (int64_t)db_insert_id(r->db);
	return CE_OK;
}

/* Sets status (and check_result, signature_status when not NULL). */
static enum cerr
set_status(struct req *r, int64_t id, const char *status, struct json_object *result,
    const char *sigstatus)
{
	const char	*text = NULL;

	if (result != NULL && (text = json_object_to_json_string_ext(result,
	    JSON_C_TO_STRING_PLAIN)) == NULL)
		return CE_NOMEM;
	return db_exec(r->db, r->pool, NULL, SQL_STATUS, "sssi", status, text, sigstatus, id);
}

static enum cerr
reject(struct req *r, int64_t id, int64_t clinic_id, int64_t actor, const struct ph_verdict *v,
    const char *sigstatus)
{
	struct json_object	*res, *data, *det;
	char			 ref[24];
	enum cerr		 rc;

	if ((res = json_object_new_object()) == NULL)
		return CE_NOMEM;
	json_object_object_add(res, "reasons", ph_reasons_json(v));
	rc = set_status(r, id, "rejected", res, sigstatus);
	json_object_put(res);
	if (rc != CE_OK)
		return rc;
	(void)snprintf(ref, sizeof(ref), "%" PRId64, id);
	if ((data = json_object_new_object()) == NULL)
		return CE_NOMEM;
	json_object_object_add(data, "prescription_id", json_object_new_int64(clinic_id));
	json_object_object_add(data, "pharmacy_ref", json_object_new_string(ref));
	json_object_object_add(data, "reasons", ph_reasons_json(v));
	if ((rc = ph_emit_rx(r, clinic_id, "rejected", data)) != CE_OK)
		return rc;
	if ((det = json_object_new_object()) != NULL) {
		json_object_object_add(det, "clinic_prescription_id",
		    json_object_new_int64(clinic_id));
		json_object_object_add(det, "reasons", ph_reasons_json(v));
	}
	return ph_audit(r, actor, "pharmacy.prescription_rejected", "ph_prescription", id, det);
}

enum cerr
ph_reject_received(struct req *r, int64_t ph_id, const char *code, const char *message)
{
	struct ph_verdict	 v;
	struct db_res		*res;
	enum cerr		 rc;

	if ((rc = db_exec(r->db, r->pool, &res, SQL_RECEIVED_BY_ID, "i", ph_id)) != CE_OK)
		return rc;
	if (res->nrows != 1)
		return CE_OK;
	memset(&v, 0, sizeof(v));
	ph_reason_add(&v, code, "%s", message);
	return reject(r, ph_id, db_int(res->rows[0][0]), 0, &v, NULL);
}

/* Strings for the document's times as DATETIME text, or NULL. */
static const char *
dt(struct pool *p, int64_t s)
{
	time_t		t = (time_t)s;
	struct tm	tm;
	char		b[32];

	if (s < 0 || gmtime_r(&t, &tm) == NULL ||
	    strftime(b, sizeof(b), "%Y-%m-%d %H:%M:%S", &tm) == 0)
		return NULL;
	return pool_strdup(p, b);
}

enum cerr
ph_check_run(struct req *r, int64_t id, int64_t actor, const char **status_out)
{
	struct db_res		*rx, *key, *prod, *rid;
	struct ph_doc		 d;
	struct ph_verdict	 v;
	struct json_object	*data, *res, *miss, *m, *det, *reserved;
	const char		*status, *fp, *unit = NULL, *exp = NULL, *newstatus;
	const unsigned char	*sig;
	size_t			 siglen;
	int64_t			 clinic_id, prescriber, product = 0, avail = 0;
	char			 ref[24], tag[48];
	int			 ok;
	bool			 was_oos;
	enum cerr		 rc;

	if (status_out != NULL)
		*status_out = NULL;
	if ((rc = db_exec(r->db, r->pool, &rx, SQL_RX_LOCK, "i", id)) != CE_OK)
		return rc;
	if (rx->nrows != 1)
		return CE_NOTFOUND;
	status = rx->rows[0][0];
	if (status_out != NULL)
		*status_out = pool_strdup(r->pool, status);
	if (strcmp(status, "received") != 0 && strcmp(status, "out_of_stock") != 0)
		return CE_OK;
	was_oos = strcmp(status, "out_of_stock") == 0;
	fp = rx->rows[0][3];
	prescriber = db_int(rx->rows[0][4]);
	clinic_id = db_int(rx->rows[0][5]);
	sig = (const unsigned char *)rx->rows[0][2];
	siglen = rx->lens[0][2];
	(void)snprintf(ref, sizeof(ref), "%" PRId64, id);
	if ((rc = db_exec(r->db, r->pool, &key, SQL_KEY, "s", fp)) != CE_OK)
		return rc;
	if (key->nrows != 1)
		return CE_NOTFOUND;
	memset(&v, 0, sizeof(v));
	if (db_int(key->rows[0][1]) != prescriber) {
		/* a real signature, by someone else than the message names */
		ph_reason_add(&v, "signature-invalid", "the key that signed it belongs to another"
		    " prescriber than the one the message names");
		rc = reject(r, id, clinic_id, actor, &v, "invalid");
		if (status_out != NULL)
			*status_out = "rejected";
		return rc;
	}
	ok = ph_sig_verify(key->rows[0][0], key->lens[0][0], rx->rows[0][1], rx->lens[0][1],
	    sig, siglen);
	if (ok < 0)
		return CE_CRYPTO;
	if (ok == 0) {
		ph_reason_add(&v, "signature-invalid", "the prescriber's signature does not match"
		    " the document: it was altered or signed with another key");
		rc = reject(r, id, clinic_id, actor, &v, "invalid");
		if (status_out != NULL)
			*status_out = "rejected";
		return rc;
	}
	if (ph_doc_parse(r->pool, rx->rows[0][1], rx->lens[0][1], &d, &v) != 0)
		return CE_NOMEM;
	ph_doc_check(&d, clinic_id, fp, prescriber, (int64_t)time(NULL), &v);
	if (d.product_id != 0) {
		if ((rc = db_exec(r->db, r->pool, &prod, SQL_PRODUCT_BY_CLINIC, "i", d.product_id))
		    != CE_OK)
			return rc;
		if (prod->nrows != 1 || db_int(prod->rows[0][2]) == 0)
			ph_reason_add(&v, "product-not-stocked", "this pharmacy does not stock %s %s"
			    " (clinic product %" PRId64 ")", d.brand != NULL ? d.brand : "",
			    d.product_name != NULL ? d.product_name : "", d.product_id);
		else {
			product = db_int(prod->rows[0][0]);
			unit = prod->rows[0][1];
			if (d.supply_unit != NULL && strcmp(unit, d.supply_unit) != 0)
				ph_reason_add(&v, "unit-mismatch", "prescribed in %s, stocked in %s",
				    d.supply_unit, unit);
		}
	}
	if (v.n > 0) {
		rc = reject(r, id, clinic_id, actor, &v, "valid");
		if (status_out != NULL)
			*status_out = "rejected";
		return rc;
	}
	if ((rc = db_exec(r->db, r->pool, NULL, SQL_TRUSTED, "iiisssii", product, d.product_id,
	    d.quantity, ph_clip(r->pool, d.patient_name, 300), dt(r->pool, d.valid_from_s),
	    dt(r->pool, d.valid_until_s),
	    (int64_t)d.paper_required, id)) != CE_OK)
		return rc;
	if ((rc = ph_product_lock(r, product)) != CE_OK ||
	    (rc = ph_available(r, product, &avail, NULL)) != CE_OK)
		return rc;
	if (avail < d.quantity) {
		if (was_oos) {
			/* still short: nothing new to say */
			if (status_out != NULL)
				*status_out = "out_of_stock";
			return CE_OK;
		}
		if ((rc = expected_cover(r, product, d.quantity - (avail > 0 ? avail : 0), &exp))
		    != CE_OK)
			return rc;
		if ((res = json_object_new_object()) == NULL || (miss = json_object_new_array())
		    == NULL || (m = json_object_new_object()) == NULL) {
			json_object_put(res);
			return CE_NOMEM;
		}
		json_object_object_add(m, "product_id", json_object_new_int64(d.product_id));
		json_object_object_add(m, "needed", json_object_new_int64(d.quantity));
		json_object_object_add(m, "available", json_object_new_int64(avail > 0 ? avail : 0));
		json_object_object_add(m, "unit", json_object_new_string(unit));
		json_object_array_add(miss, m);
		json_object_object_add(res, "missing", miss);
		json_object_object_add(res, "expected_date",
		    exp != NULL ? json_object_new_string(exp) : NULL);
		if ((rc = set_status(r, id, "out_of_stock", res, "valid")) != CE_OK) {
			json_object_put(res);
			return rc;
		}
		if ((data = json_object_new_object()) == NULL) {
			json_object_put(res);
			return CE_NOMEM;
		}
		json_object_object_add(data, "prescription_id", json_object_new_int64(clinic_id));
		json_object_object_add(data, "pharmacy_ref", json_object_new_string(ref));
		json_object_object_add(data, "missing", json_object_get(miss));
		json_object_object_add(data, "expected_date",
		    exp != NULL ? json_object_new_string(exp) : NULL);
		if ((rc = ph_emit_rx(r, clinic_id, "out_of_stock", data)) != CE_OK) {
			json_object_put(res);
			return rc;
		}
		if (status_out != NULL)
			*status_out = "out_of_stock";
		return ph_audit(r, actor, "pharmacy.prescription_out_of_stock", "ph_prescription", id,
		    res);
	}
	newstatus = d.paper_required && rx->rows[0][6] == NULL ? "awaiting_paper" : "accepted";
	if ((rc = db_exec(r->db, r->pool, NULL, SQL_RESERVE, "iii", id, product, d.quantity))
	    != CE_OK)
		return rc;
	if ((rc = db_exec(r->db, r->pool, &rid, SQL_RES_ID, "i", id)) != CE_OK)
		return rc;
	if ((res = json_object_new_object()) == NULL)
		return CE_NOMEM;
	json_object_object_add(res, "reasons", json_object_new_array());
	rc = set_status(r, id, newstatus, res, "valid");
	json_object_put(res);
	if (rc != CE_OK)
		return rc;
	if ((data = json_object_new_object()) == NULL)
		return CE_NOMEM;
	json_object_object_add(data, "prescription_id", json_object_new_int64(clinic_id));
	json_object_object_add(data, "pharmacy_ref", json_object_new_string(ref));
	if (strcmp(newstatus, "accepted") == 0 && (reserved = json_object_new_object()) != NULL) {
		json_object_object_add(reserved, "quantity", json_object_new_int64(d.quantity));
		json_object_object_add(reserved, "unit", json_object_new_string(unit));
		json_object_object_add(data, "reserved", reserved);
	}
	if ((rc = ph_emit_rx(r, clinic_id, newstatus, data)) != CE_OK)
		return rc;
	(void)snprintf(tag, sizeof(tag), "res-%s-held", rid->nrows == 1 ? rid->rows[0][0] : "0");
	if ((rc = ph_stock_changed(r, product, tag)) != CE_OK)
		return rc;
	if ((det = json_object_new_object()) != NULL) {
		json_object_object_add(det, "clinic_prescription_id",
		    json_object_new_int64(clinic_id));
		json_object_object_add(det, "reserved", json_object_new_int64(d.quantity));
		json_object_object_add(det, "unit", json_object_new_string(unit));
	}
	if (status_out != NULL)
		*status_out = newstatus;
	return ph_audit(r, actor, strcmp(newstatus, "accepted") == 0 ?
	    "pharmacy.prescription_accepted" : "pharmacy.prescription_awaiting_paper",
	    "ph_prescription", id, det);
}
