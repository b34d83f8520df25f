/*
 * The pharmacist's prescriptions (docs/API.md#pharmacy): the queue, one
 * prescription with its document, checks, reservation, dispenses and
 * register entries, and what the pharmacist does with it: accept (check
 * again), reject, mark the paper original received, dispense batch by
 * batch. Every change is audited and told to the clinic in its transaction.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <json-c/json.h>

#include "audit.h"
#include "db.h"
#include "outbox.h"
#include "patient.h"
#include "pool.h"
#include "reply.h"
#include "req.h"
#include "valid.h"
#include "pharmacy.h"
#include "ph.h"

#define DISPENSE_BATCHES_MAX	20

static const char SQL_LIST[] =
    "SELECT p.id, p.clinic_rx_id, p.status, p.signature_status, p.patient_name,"
    " p.product_id, CONCAT(pr.brand, ' ', pr.name), p.quantity, pr.supply_unit,"
    " DATE_FORMAT(p.received_at, '%Y-%m-%dT%H:%i:%sZ'),"
    " DATE_FORMAT(p.status_changed_at, '%Y-%m-%dT%H:%i:%sZ'), p.paper_required,"
    " JSON_UNQUOTE(JSON_EXTRACT(p.check_result, '$.expected_date'))"
    " FROM ph_prescription p LEFT JOIN ph_product pr ON pr.id = p.product_id"
    " WHERE (? IS NULL OR p.status = ?) AND p.document <> ''"
    " ORDER BY p.status_changed_at DESC, p.id DESC LIMIT 500";
static const char SQL_GET[] =
    "SELECT p.id, p.clinic_rx_id, p.status, p.signature_status, p.patient_name,"
    " p.product_id, p.clinic_product_id, p.quantity, p.document, p.key_fingerprint,"
    " p.prescriber_id, DATE_FORMAT(p.valid_from, '%Y-%m-%d'),"
    " DATE_FORMAT(p.valid_until, '%Y-%m-%dT%H:%i:%sZ'), p.paper_required,"
    " DATE_FORMAT(p.paper_received_at, '%Y-%m-%dT%H:%i:%sZ'), p.paper_received_by,"
    " p.check_result, DATE_FORMAT(p.received_at, '%Y-%m-%dT%H:%i:%sZ'),"
    " DATE_FORMAT(p.status_changed_at, '%Y-%m-%dT%H:%i:%sZ'),"
    " pr.brand, pr.name, pr.supply_unit, pr.form"
    " FROM ph_prescription p LEFT JOIN ph_product pr ON pr.id = p.product_id WHERE p.id = ?";
/* [6]: 1 when the prescription's validity has ended (valid_until passed) */
static const char SQL_LOCK[] =
    "SELECT status, clinic_rx_id, product_id, quantity, patient_name, document,"
    " valid_until IS NOT NULL AND valid_until <= UTC_TIMESTAMP(6)"
    " FROM ph_prescription WHERE id = ? FOR UPDATE";
static const char SQL_RES[] =
    "SELECT id, quantity, status, DATE_FORMAT(created_at, '%Y-%m-%dT%H:%i:%sZ')"
    " FROM ph_reservation WHERE prescription_id = ?";
static const char SQL_DISPENSES[] =
    "SELECT d.id, d.batch_id, b.batch_number, d.quantity, d.method, d.collector,"
    " d.id_requested, d.id_provided, d.register_id, d.pharmacist_id,"
    " DATE_FORMAT(d.at, '%Y-%m-%dT%H:%i:%sZ'), DATE_FORMAT(b.expiry_date, '%Y-%m-%d')"
    " FROM ph_dispense d JOIN ph_batch b ON b.id = d.batch_id WHERE d.prescription_id = ?"
    " ORDER BY d.id";
static const char SQL_SHIPMENT[] =
    "SELECT id, status, courier_ref, tracking_number, tracking_url, service,"
    " DATE_FORMAT(delivered_at, '%Y-%m-%dT%H:%i:%sZ')"
    " FROM ph_shipment WHERE prescription_id = ?";
static const char SQL_ENTRIES[] =
    "SELECT id, kind, quantity, balance, DATE_FORMAT(at, '%Y-%m-%dT%H:%i:%sZ'), batch_id"
    " FROM ph_register WHERE prescription_id = ? ORDER BY id";
static const char SQL_BATCHES[] =
    "SELECT id, batch_number, DATE_FORMAT(expiry_date, '%Y-%m-%d'), on_hand,"
    " thc_ug_per_unit, cbd_ug_per_unit FROM ph_batch WHERE product_id = ? AND on_hand > 0"
    " AND expiry_date >= UTC_DATE() ORDER BY expiry_date, id";
static const char SQL_SET_STATUS[] =
    "UPDATE ph_prescription SET status = ?, status_changed_at = UTC_TIMESTAMP(6) WHERE id = ?";
static const char SQL_REJECT[] =
    "UPDATE ph_prescription SET status = 'rejected', check_result = ?,"
    " status_changed_at = UTC_TIMESTAMP(6) WHERE id = ?";
static const char SQL_PAPER[] =
    "UPDATE ph_prescription SET status = 'accepted', paper_received_at = UTC_TIMESTAMP(6),"
    " paper_received_by = ?, status_changed_at = UTC_TIMESTAMP(6) WHERE id = ?";
static const char SQL_HELD[] =
    "SELECT id, product_id, quantity FROM ph_reservation WHERE prescription_id = ?"
    " AND status = 'held' FOR UPDATE";
static const char SQL_RES_END[] =
    "UPDATE ph_reservation SET status = ?, ended_at = UTC_TIMESTAMP(6) WHERE id = ?";
static const char SQL_BATCH_LOCK[] =
    "SELECT product_id, on_hand, batch_number, DATE_FORMAT(expiry_date, '%Y-%m-%d'),"
    " expiry_date >= UTC_DATE() FROM ph_batch WHERE id = ? FOR UPDATE";
static const char SQL_TAKE[] =
    "UPDATE ph_batch SET on_hand = on_hand - ? WHERE id = ? AND on_hand >= ?";
static const char SQL_DISPENSE[] =
    "INSERT INTO ph_dispense (prescription_id, batch_id, quantity, method, collector,"
    " id_requested, id_provided, register_id, pharmacist_id, at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(6))";
static const char SQL_KEY_OF[] =
    "SELECT key_fingerprint, prescriber_id FROM ph_prescription WHERE id = ?";
/* The newest fetch of a key: the first one, or one asked for again. */
static const char SQL_FETCH_STATE[] =
    "SELECT status FROM outbox WHERE kind = 'ph.fetch_key' AND (idempotency_key = ? OR"
    " idempotency_key LIKE CONCAT(?, '-%')) ORDER BY id DESC LIMIT 1";
static const char SQL_NOW[] =
    "SELECT DATE_FORMAT(UTC_TIMESTAMP(6), '%Y-%m-%dT%H:%i:%sZ')";

static struct json_object *
jstr(const char *s)
{
	return s != NULL ? json_object_new_string(s) : NULL;
}

static int
not_found(struct req *r)
{
	return reply_problem(r, 404, "not-found", "No such prescription at this pharmacy", NULL);
}

static int
wrong_status(struct req *r, const char *status, const char *what)
{
	struct json_object	*extra = json_object_new_object();

	if (extra != NULL)
		json_object_object_add(extra, "current_status", json_object_new_string(status));
	return reply_problem_with(r, 409, "wrong-status", "Not possible in this status", what,
	    extra);
}

int
ph_rx_list(struct req *r)
{
	const char		*status = r->q.vals[0].present ? r->q.vals[0].s : NULL;
	struct db_res		*res;
	struct json_object	*o, *a, *e;
	const char		*exp;
	int64_t			 avail;
	size_t			 i;
	enum cerr		 rc;

	if ((rc = db_exec(r->db, r->pool, &res, SQL_LIST, "ss", status, status)) != CE_OK)
		return reply_db(r, rc);
	if ((o = json_object_new_object()) == NULL || (a = json_object_new_array()) == NULL) {
		json_object_put(o);
		return reply_internal(r, "out of memory");
	}
	json_object_object_add(o, "items", a);
	for (i = 0; i < res->nrows; i++) {
		char **row = res->rows[i];

		if ((e = json_object_new_object()) == NULL || json_object_array_add(a, e) != 0) {
			json_object_put(e);
			json_object_put(o);
			return reply_internal(r, "out of memory");
		}
		json_object_object_add(e, "id", json_object_new_int64(db_int(row[0])));
		json_object_object_add(e, "clinic_prescription_id",
		    json_object_new_int64(db_int(row[1])));
		json_object_object_add(e, "status", jstr(row[2]));
		json_object_object_add(e, "signature_status", jstr(row[3]));
		json_object_object_add(e, "patient_name", jstr(row[4]));
		json_object_object_add(e, "product_id", row[5] != NULL ?
		    json_object_new_int64(db_int(row[5])) : NULL);
		json_object_object_add(e, "product", jstr(row[6]));
		json_object_object_add(e, "quantity", row[7] != NULL ?
		    json_object_new_int64(db_int(row[7])) : NULL);
		json_object_object_add(e, "unit", jstr(row[8]));
		json_object_object_add(e, "received_at", jstr(row[9]));
		json_object_object_add(e, "status_changed_at", jstr(row[10]));
		json_object_object_add(e, "paper_required",
		    json_object_new_boolean(db_int(row[11]) != 0));
		json_object_object_add(e, "expected_date", row[12] != NULL &&
		    strcmp(row[12], "null") != 0 ? json_object_new_string(row[12]) : NULL);
		if (row[5] != NULL) {
			if ((rc = ph_available(r, db_int(row[5]), &avail, &exp)) != CE_OK) {
				json_object_put(o);
				return reply_db(r, rc);
			}
			json_object_object_add(e, "stock_available", json_object_new_int64(avail));
		} else
			json_object_object_add(e, "stock_available", NULL);
	}
	return reply_json(r, 200, o);
}

static struct json_object *
parse_json_text(const char *s, size_t len)
{
	const char	*why;

	if (s == NULL || len == 0)
		return NULL;
	return req_parse_json(s, len, &why);
}

int
ph_rx_get(struct req *r)
{
	int64_t			 id = req_id(r, "id");
	struct db_res		*res, *rs, *ds, *sh, *en, *bt;
	struct json_object	*o, *a, *e, *doc;
	struct ph_doc		 d;
	struct ph_verdict	 v;
	const char		*exp;
	int64_t			 avail;
	size_t			 i;
	char			**row;
	enum cerr		 rc;

	if (id == 0)
		return not_found(r);
	if ((rc = db_exec(r->db, r->pool, &res, SQL_GET, "i", id)) != CE_OK)
		return reply_db(r, rc);
	if (res->nrows != 1)
		return not_found(r);
	row = res->rows[0];
	if ((o = json_object_new_object()) == NULL)
		return reply_internal(r, "out of memory");
	json_object_object_add(o, "id", json_object_new_int64(id));
	json_object_object_add(o, "clinic_prescription_id", json_object_new_int64(db_int(row[1])));
	json_object_object_add(o, "status", jstr(row[2]));
	json_object_object_add(o, "signature_status", jstr(row[3]));
	json_object_object_add(o, "patient_name", jstr(row[4]));
	json_object_object_add(o, "product_id", row[5] != NULL ?
	    json_object_new_int64(db_int(row[5])) : NULL);
	json_object_object_add(o, "clinic_product_id", row[6] != NULL ?
	    json_object_new_int64(db_int(row[6])) : NULL);
	json_object_object_add(o, "quantity", row[7] != NULL ?
	    json_object_new_int64(db_int(row[7])) : NULL);
	json_object_object_add(o, "key_fingerprint", jstr(row[9]));
	json_object_object_add(o, "prescriber_id", json_object_new_int64(db_int(row[10])));
	json_object_object_add(o, "valid_from", jstr(row[11]));
	json_object_object_add(o, "valid_until", jstr(row[12]));
	json_object_object_add(o, "paper_required", json_object_new_boolean(db_int(row[13]) != 0));
	json_object_object_add(o, "paper_received_at", jstr(row[14]));
	json_object_object_add(o, "paper_received_by", row[15] != NULL ?
	    json_object_new_int64(db_int(row[15])) : NULL);
	json_object_object_add(o, "check_result", parse_json_text(row[16], res->lens[0][16]));
	json_object_object_add(o, "received_at", jstr(row[17]));
	json_object_object_add(o, "status_changed_at", jstr(row[18]));
	json_object_object_add(o, "product", row[19] != NULL ?
	    jstr(pool_printf(r->pool, "%s %s", row[19], row[20])) : NULL);
	json_object_object_add(o, "unit", jstr(row[21]));
	json_object_object_add(o, "form", jstr(row[22]));
	/* the document as signed, decoded (its members: docs/API.md#prescribing) */
	doc = parse_json_text(row[8], res->lens[0][8]);
	json_object_object_add(o, "document", doc);
	json_object_object_add(o, "document_text", jstr(row[8]));
	/* the field checks again, as information (the outcome is check_result) */
	memset(&v, 0, sizeof(v));
	if (ph_doc_parse(r->pool, row[8], res->lens[0][8], &d, &v) != 0) {
		json_object_put(o);
		return reply_internal(r, "out of memory");
	}
	json_object_object_add(o, "field_problems", ph_reasons_json(&v));
	if ((rc = db_exec(r->db, r->pool, &rs, SQL_RES, "i", id)) != CE_OK ||
	    (rc = db_exec(r->db, r->pool, &ds, SQL_DISPENSES, "i", id)) != CE_OK ||
	    (rc = db_exec(r->db, r->pool, &sh, SQL_SHIPMENT, "i", id)) != CE_OK ||
	    (rc = db_exec(r->db, r->pool, &en, SQL_ENTRIES, "i", id)) != CE_OK) {
		json_object_put(o);
		return reply_db(r, rc);
	}
	if (rs->nrows == 1 && (e = json_object_new_object()) != NULL) {
		json_object_object_add(e, "id", json_object_new_int64(db_int(rs->rows[0][0])));
		json_object_object_add(e, "quantity", json_object_new_int64(db_int(rs->rows[0][1])));
		json_object_object_add(e, "status", jstr(rs->rows[0][2]));
		json_object_object_add(e, "created_at", jstr(rs->rows[0][3]));
		json_object_object_add(o, "reservation", e);
	} else
		json_object_object_add(o, "reservation", NULL);
	if ((a = json_object_new_array()) != NULL) {
		json_object_object_add(o, "dispenses", a);
		for (i = 0; i < ds->nrows; i++) {
			char **x = ds->rows[i];

			if ((e = json_object_new_object()) == NULL)
				break;
			json_object_object_add(e, "id", json_object_new_int64(db_int(x[0])));
			json_object_object_add(e, "batch_id", json_object_new_int64(db_int(x[1])));
			json_object_object_add(e, "batch_number", jstr(x[2]));
			json_object_object_add(e, "quantity", json_object_new_int64(db_int(x[3])));
			json_object_object_add(e, "method", jstr(x[4]));
			json_object_object_add(e, "collector", jstr(x[5]));
			json_object_object_add(e, "id_requested",
			    json_object_new_boolean(db_int(x[6]) != 0));
			json_object_object_add(e, "id_provided",
			    json_object_new_boolean(db_int(x[7]) != 0));
			json_object_object_add(e, "register_id", json_object_new_int64(db_int(x[8])));
			json_object_object_add(e, "pharmacist_id", json_object_new_int64(db_int(x[9])));
			json_object_object_add(e, "at", jstr(x[10]));
			json_object_object_add(e, "expiry_date", jstr(x[11]));
			json_object_array_add(a, e);
		}
	}
	if (sh->nrows == 1 && (e = json_object_new_object()) != NULL) {
		json_object_object_add(e, "id", json_object_new_int64(db_int(sh->rows[0][0])));
		json_object_object_add(e, "status", jstr(sh->rows[0][1]));
		json_object_object_add(e, "courier_ref", jstr(sh->rows[0][2]));
		json_object_object_add(e, "tracking_number", jstr(sh->rows[0][3]));
		json_object_object_add(e, "tracking_url", jstr(sh->rows[0][4]));
		json_object_object_add(e, "service", jstr(sh->rows[0][5]));
		json_object_object_add(e, "delivered_at", jstr(sh->rows[0][6]));
		json_object_object_add(o, "shipment", e);
	} else
		json_object_object_add(o, "shipment", NULL);
	if ((a = json_object_new_array()) != NULL) {
		json_object_object_add(o, "register", a);
		for (i = 0; i < en->nrows; i++) {
			char **x = en->rows[i];

			if ((e = json_object_new_object()) == NULL)
				break;
			json_object_object_add(e, "id", json_object_new_int64(db_int(x[0])));
			json_object_object_add(e, "kind", jstr(x[1]));
			json_object_object_add(e, "quantity", json_object_new_int64(db_int(x[2])));
			json_object_object_add(e, "balance", json_object_new_int64(db_int(x[3])));
			json_object_object_add(e, "at", jstr(x[4]));
			json_object_object_add(e, "batch_id", x[5] != NULL ?
			    json_object_new_int64(db_int(x[5])) : NULL);
			json_object_array_add(a, e);
		}
	}
	/* batches to pick from, earliest expiry first, and the stock */
	if (row[5] != NULL) {
		if ((rc = db_exec(r->db, r->pool, &bt, SQL_BATCHES, "i", db_int(row[5]))) != CE_OK ||
		    (rc = ph_available(r, db_int(row[5]), &avail, &exp)) != CE_OK) {
			json_object_put(o);
			return reply_db(r, rc);
		}
		json_object_object_add(o, "stock_available", json_object_new_int64(avail));
		json_object_object_add(o, "expected_date", jstr(exp));
		if ((a = json_object_new_array()) != NULL) {
			json_object_object_add(o, "batches", a);
			for (i = 0; i < bt->nrows; i++) {
				char **x = bt->rows[i];

				if ((e = json_object_new_object()) == NULL)
					break;
				json_object_object_add(e, "id", json_object_new_int64(db_int(x[0])));
				json_object_object_add(e, "batch_number", jstr(x[1]));
				json_object_object_add(e, "expiry_date", jstr(x[2]));
				json_object_object_add(e, "on_hand",
				    json_object_new_int64(db_int(x[3])));
				json_object_object_add(e, "thc_ug_per_unit",
				    json_object_new_int64(db_int(x[4])));
				json_object_object_add(e, "cbd_ug_per_unit",
				    json_object_new_int64(db_int(x[5])));
				json_object_array_add(a, e);
			}
		}
	} else {
		json_object_object_add(o, "stock_available", NULL);
		json_object_object_add(o, "batches", json_object_new_array());
	}
	return reply_json(r, 200, o);
}

/* The prescription locked: 0 and *res, or a reply already made (status returned). */
static int
lock_rx(struct req *r, int64_t id, struct db_res **res)
{
	enum cerr	rc;

	if (id == 0)
		return not_found(r);
	if ((rc = db_begin(r->db)) != CE_OK)
		return reply_db(r, rc);
	if ((rc = db_exec(r->db, r->pool, res, SQL_LOCK, "i", id)) != CE_OK)
		return reply_db(r, rc);
	if ((*res)->nrows != 1 || *(*res)->rows[0][5] == '\0') {
		db_rollback(r->db);
		return not_found(r);
	}
	return 0;
}

/*
 * 409 prescription-expired (rolled back) when the locked prescription's
 * validity has ended: nothing may be supplied on it any more. The clinic's
 * expiry sweep sends the cancellation that releases its reservation.
 */
static int
expired(struct req *r, struct db_res *res)
{
	if (db_int(res->rows[0][6]) == 0)
		return 0;
	db_rollback(r->db);
	return reply_problem(r, 409, "prescription-expired", "The prescription has expired",
	    "Its validity ended: it can no longer be dispensed or accepted on its paper"
	    " original. The prescriber can issue a new one.");
}

/* Answers with the prescription as GET shows it, after a commit. */
static int
show(struct req *r)
{
	return ph_rx_get(r);
}

/*
 * 409 key-pending. When the last fetch of the key gave up (a dead letter),
 * it is asked for again (a new outbox row), audited.
 */
static int
key_pending(struct req *r, int64_t id)
{
	struct db_res		*res, *ob;
	struct json_object	*p, *d;
	char			 key[OUTBOX_KEY_MAX + 1];
	const char		*fp;
	bool			 again = false;
	enum cerr		 rc;

	if ((rc = db_exec(r->db, r->pool, &res, SQL_KEY_OF, "i", id)) != CE_OK)
		return reply_db(r, rc);
	if (res->nrows == 1) {
		fp = res->rows[0][0];
		(void)snprintf(key, sizeof(key), "ph-key-%s", fp);
		if ((rc = db_exec(r->db, r->pool, &ob, SQL_FETCH_STATE, "ss", key, key)) != CE_OK)
			return reply_db(r, rc);
		if (ob->nrows == 0 || strcmp(ob->rows[0][0], "failed") == 0) {
			(void)snprintf(key, sizeof(key), "ph-key-%s-%lld", fp, (long long)time(NULL));
			if ((p = json_object_new_object()) == NULL)
				return reply_internal(r, "out of memory");
			json_object_object_add(p, "fingerprint", json_object_new_string(fp));
			json_object_object_add(p, "prescriber_id",
			    json_object_new_int64(db_int(res->rows[0][1])));
			if ((rc = db_begin(r->db)) != CE_OK) {
				json_object_put(p);
				return reply_db(r, rc);
			}
			rc = outbox_put(r, "ph.fetch_key", key, p);
			if (rc != CE_OK && rc != CE_DUPLICATE)
				return reply_db(r, rc);
			if ((d = json_object_new_object()) != NULL)
				json_object_object_add(d, "key_fingerprint", json_object_new_string(fp));
			if ((rc = ph_audit(r, r->who.user_id, "pharmacy.key_fetch_again",
			    "ph_prescription", id, d)) != CE_OK || (rc = db_commit(r->db)) != CE_OK)
				return reply_db(r, rc);
			again = true;
		}
	}
	return reply_problem(r, 409, "key-pending", "The prescriber's key is not here yet",
	    again ? "The last fetch of the key that signed it gave up; it is being fetched again."
	    " Try again shortly." :
	    "The pharmacy is fetching the key that signed it; try again shortly.");
}

int
ph_rx_accept(struct req *r)
{
	int64_t			 id = req_id(r, "id");
	struct db_res		*res, *cr;
	const char		*status = NULL;
	struct json_object	*extra;
	int			 s;
	enum cerr		 rc;

	if ((s = lock_rx(r, id, &res)) != 0)
		return s;
	if (strcmp(res->rows[0][0], "received") != 0 && strcmp(res->rows[0][0], "out_of_stock")
	    != 0) {
		db_rollback(r->db);
		return wrong_status(r, res->rows[0][0], "Only a received or out-of-stock"
		    " prescription can be checked again.");
	}
	rc = ph_check_run(r, id, r->who.user_id, &status);
	if (rc == CE_NOTFOUND) {
		db_rollback(r->db);
		return key_pending(r, id);
	}
	if (rc != CE_OK)
		return reply_db(r, rc);
	if (status != NULL && strcmp(status, "out_of_stock") == 0) {
		db_rollback(r->db);
		if ((rc = db_exec(r->db, r->pool, &cr, "SELECT check_result FROM ph_prescription"
		    " WHERE id = ?", "i", id)) != CE_OK)
			return reply_db(r, rc);
		extra = json_object_new_object();
		if (extra != NULL && cr->nrows == 1)
			json_object_object_add(extra, "check_result",
			    parse_json_text(cr->rows[0][0], cr->lens[0][0]));
		return reply_problem_with(r, 409, "out-of-stock", "Not enough stock",
		    "There is not enough unexpired stock to reserve for this prescription.", extra);
	}
	if ((rc = db_commit(r->db)) != CE_OK)
		return reply_db(r, rc);
	return show(r);
}

/*
 * Ends the held reservation (released or consumed), with the stock message.
 * A release takes the product's lock first (the prescription's is held
 * already: the order of every path), so the figure stock.changed reports is
 * the product's as no other change to it is half done.
 */
static enum cerr
end_reservation(struct req *r, int64_t id, const char *how, int64_t *product)
{
	struct db_res	*held;
	char		 tag[48];
	enum cerr	 rc;

	if ((rc = db_exec(r->db, r->pool, &held, SQL_HELD, "i", id)) != CE_OK)
		return rc;
	if (held->nrows != 1)
		return CE_OK;
	if (product != NULL)
		*product = db_int(held->rows[0][1]);
	(void)snprintf(tag, sizeof(tag), "res-%s-%s", held->rows[0][0], how);
	if (strcmp(how, "released") == 0 &&
	    (rc = ph_product_lock(r, db_int(held->rows[0][1]))) != CE_OK)
		return rc;
	if ((rc = db_exec(r->db, r->pool, NULL, SQL_RES_END, "si", how, db_int(held->rows[0][0])))
	    != CE_OK)
		return rc;
	if (strcmp(how, "released") == 0)
		return ph_stock_changed(r, db_int(held->rows[0][1]), tag);
	return CE_OK;
}

int
ph_rx_reject(struct req *r)
{
	int64_t			 id = req_id(r, "id");
	const char		*reason = r->in.vals[0].s;
	struct db_res		*res;
	struct ph_verdict	 v;
	struct json_object	*cr, *data, *det;
	const char		*st;
	char			 ref[24];
	int			 s;
	enum cerr		 rc;

	if ((s = lock_rx(r, id, &res)) != 0)
		return s;
	st = res->rows[0][0];
	if (strcmp(st, "received") != 0 && strcmp(st, "out_of_stock") != 0 &&
	    strcmp(st, "awaiting_paper") != 0 && strcmp(st, "accepted") != 0) {
		db_rollback(r->db);
		return wrong_status(r, st, "A prescription can be rejected only before it is"
		    " dispensed.");
	}
	memset(&v, 0, sizeof(v));
	ph_reason_add(&v, "pharmacist", "%s", reason);
	if ((cr = json_object_new_object()) == NULL)
		return reply_internal(r, "out of memory");
	json_object_object_add(cr, "reasons", ph_reasons_json(&v));
	rc = db_exec(r->db, r->pool, NULL, SQL_REJECT, "si",
	    json_object_to_json_string_ext(cr, JSON_C_TO_STRING_PLAIN), id);
	json_object_put(cr);
	if (rc != CE_OK || (rc = end_reservation(r, id, "released", NULL)) != CE_OK)
		return reply_db(r, rc);
	(void)snprintf(ref, sizeof(ref), "%" PRId64, id);
	if ((data = json_object_new_object()) == NULL)
		return reply_internal(r, "out of memory");
	json_object_object_add(data, "prescription_id", json_object_new_int64(db_int(res->rows[0][1])));
	json_object_object_add(data, "pharmacy_ref", json_object_new_string(ref));
	json_object_object_add(data, "reasons", ph_reasons_json(&v));
	if ((rc = ph_emit_rx(r, db_int(res->rows[0][1]), "rejected", data)) != CE_OK)
		return reply_db(r, rc);
	if ((det = json_object_new_object()) != NULL) {
		json_object_object_add(det, "previous_status", json_object_new_string(st));
		json_object_object_add(det, "reason", json_object_new_string(reason));
	}
	if ((rc = ph_audit(r, r->who.user_id, "pharmacy.prescription_rejected", "ph_prescription",
	    id, det)) != CE_OK || (rc = db_commit(r->db)) != CE_OK)
		return reply_db(r, rc);
	return show(r);
}

int
ph_rx_paper(struct req *r)
{
	int64_t			 id = req_id(r, "id");
	struct db_res		*res, *held, *u;
	struct json_object	*data, *reserved, *det;
	char			 ref[24];
	int			 s;
	enum cerr		 rc;

	if ((s = lock_rx(r, id, &res)) != 0)
		return s;
	if (strcmp(res->rows[0][0], "awaiting_paper") != 0) {
		db_rollback(r->db);
		return wrong_status(r, res->rows[0][0], "Only a prescription awaiting its paper"
		    " original can be marked received.");
	}
	if ((s = expired(r, res)) != 0)
		return s;
	if ((rc = db_exec(r->db, r->pool, NULL, SQL_PAPER, "ii", r->who.user_id, id)) != CE_OK ||
	    (rc = db_exec(r->db, r->pool, &held, "SELECT quantity FROM ph_reservation"
	    " WHERE prescription_id = ? AND status = 'held'", "i", id)) != CE_OK ||
	    (rc = db_exec(r->db, r->pool, &u, "SELECT supply_unit FROM ph_product WHERE id = ?",
	    "i", db_int(res->rows[0][2]))) != CE_OK)
		return reply_db(r, rc);
	(void)snprintf(ref, sizeof(ref), "%" PRId64, id);
	if ((data = json_object_new_object()) == NULL)
		return reply_internal(r, "out of memory");
	json_object_object_add(data, "prescription_id", json_object_new_int64(db_int(res->rows[0][1])));
	json_object_object_add(data, "pharmacy_ref", json_object_new_string(ref));
	if ((reserved = json_object_new_object()) != NULL) {
		json_object_object_add(reserved, "quantity", json_object_new_int64(held->nrows == 1 ?
		    db_int(held->rows[0][0]) : 0));
		json_object_object_add(reserved, "unit", u->nrows == 1 ?
		    json_object_new_string(u->rows[0][0]) : NULL);
		json_object_object_add(data, "reserved", reserved);
	}
	if ((rc = ph_emit_rx(r, db_int(res->rows[0][1]), "accepted", data)) != CE_OK)
		return reply_db(r, rc);
	if ((det = json_object_new_object()) != NULL)
		json_object_object_add(det, "paper_original", json_object_new_string("received"));
	if ((rc = ph_audit(r, r->who.user_id, "pharmacy.prescription_accepted", "ph_prescription",
	    id, det)) != CE_OK || (rc = db_commit(r->db)) != CE_OK)
		return reply_db(r, rc);
	return show(r);
}

static const struct field dispense_fields[] = {
	{ "method", V_ENUM, true, 0, 0, "collection|courier", NULL },
	{ "collector", V_STRING, false, 2, 300, NULL, NULL },
	{ "id_requested", V_BOOL, true, 0, 0, NULL, NULL },
	{ "id_provided", V_BOOL, true, 0, 0, NULL, NULL },
};

struct pick {
	int64_t		 batch_id;
	int64_t		 quantity;
	const char	*number, *expiry;
};

static int
invalid1(struct req *r, const char *field, const char *detail)
{
	db_rollback(r->db);
	return reply_field(r, 422, field, detail);
}

int
ph_rx_dispense(struct req *r)
{
	int64_t			 id = req_id(r, "id");
	struct json_object	*body, *rest, *batches = NULL, *b, *m, *data, *arr, *e, *det;
	struct vresult		 vr;
	struct pick		 picks[DISPENSE_BATCHES_MAX];
	size_t			 npick = 0, i, j;
	struct db_res		*res, *bl, *now;
	struct ph_doc		 d;
	struct ph_verdict	 v;
	const char		*why, *method, *collector, *counterparty, *prescriber, *unit;
	int64_t			 sum = 0, product, quantity, clinic_id, first_entry = 0, entry;
	int64_t			 idreq, idprov;
	char			 ref[24], tag[48], field[48];
	int			 s;
	bool			 collection;
	enum cerr		 rc;

	if (r->bodylen == 0 || r->content_type == NULL ||
	    strncasecmp(r->content_type, "application/json", 16) != 0)
		return reply_problem(r, 415, "unsupported-media-type", "The body must be JSON",
		    "Send Content-Type: application/json.");
	if ((body = req_parse_json(r->body, r->bodylen, &why)) == NULL)
		return why == NULL ? reply_field(r, 422, "", "the body must be a JSON object") :
		    reply_problem(r, 400, "malformed-json", "The body is not valid JSON", why);
	if (pool_cleanup(r->pool, ph_json_free, body) != 0) {
		json_object_put(body);
		return reply_internal(r, "out of memory");
	}
	if (!json_object_is_type(body, json_type_object) ||
	    (rest = json_object_new_object()) == NULL)
		return reply_field(r, 422, "", "the body must be a JSON object");
	if (pool_cleanup(r->pool, ph_json_free, rest) != 0) {
		json_object_put(rest);
		return reply_internal(r, "out of memory");
	}
	{
		json_object_object_foreach(body, k, val) {
			if (strcmp(k, "batches") == 0)
				batches = val;
			else
				json_object_object_add(rest, k, json_object_get(val));
		}
	}
	switch (valid_json(r->pool, dispense_fields, nitems(dispense_fields), rest, &vr)) {
	case 0:
		break;
	case -1:
		return reply_invalid(r, 422, vr.errs, vr.nerrs);
	default:
		return reply_internal(r, "out of memory");
	}
	method = vr.vals[0].s;
	collection = strcmp(method, "collection") == 0;
	collector = vr.vals[1].present ? vr.vals[1].s : NULL;
	idreq = vr.vals[2].i;
	idprov = vr.vals[3].i;
	if (collection && collector == NULL)
		return reply_field(r, 422, "collector", "who collected is required for a collection"
		    " (the patient, a representative or a healthcare professional, by name)");
	if (batches == NULL || !json_object_is_type(batches, json_type_array) ||
	    json_object_array_length(batches) == 0 ||
	    json_object_array_length(batches) > DISPENSE_BATCHES_MAX)
		return reply_field(r, 422, "batches", "a list of 1 to 20 {batch_id, quantity}");
	for (i = 0; i < json_object_array_length(batches); i++) {
		b = json_object_array_get_idx(batches, i);
		(void)snprintf(field, sizeof(field), "batches[%zu]", i);
		if (b == NULL || !json_object_is_type(b, json_type_object) ||
		    !json_object_object_get_ex(b, "batch_id", &m) ||
		    !json_object_is_type(m, json_type_int) || json_object_get_int64(m) <= 0)
			return reply_field(r, 422, pool_strdup(r->pool, field),
			    "each batch needs a batch_id (a positive whole number)");
		picks[npick].batch_id = json_object_get_int64(m);
		if (!json_object_object_get_ex(b, "quantity", &m) ||
		    !json_object_is_type(m, json_type_int) || json_object_get_int64(m) <= 0 ||
		    json_object_get_int64(m) > 100000000000LL)
			return reply_field(r, 422, pool_strdup(r->pool, field),
			    "each batch needs a quantity (a positive whole number)");
		picks[npick].quantity = json_object_get_int64(m);
		for (j = 0; j < npick; j++)
			if (picks[j].batch_id == picks[npick].batch_id)
				return reply_field(r, 422, pool_strdup(r->pool, field),
				    "the same batch is named twice");
		sum += picks[npick].quantity;
		npick++;
	}
	if ((s = lock_rx(r, id, &res)) != 0)
		return s;
	if (strcmp(res->rows[0][0], "accepted") != 0) {
		db_rollback(r->db);
		return wrong_status(r, res->rows[0][0], "Only an accepted prescription can be"
		    " dispensed (a paper original, when required, must be received first).");
	}
	if ((s = expired(r, res)) != 0)
		return s;
	clinic_id = db_int(res->rows[0][1]);
	product = db_int(res->rows[0][2]);
	quantity = db_int(res->rows[0][3]);
	if (sum != quantity)
		return invalid1(r, "batches", pool_printf(r->pool, "the batches add up to %" PRId64
		    "; the prescription is for %" PRId64, sum, quantity));
	if ((rc = ph_product_lock(r, product)) != CE_OK)
		return reply_db(r, rc);
	for (i = 0; i < npick; i++) {
		(void)snprintf(field, sizeof(field), "batches[%zu]", i);
		if ((rc = db_exec(r->db, r->pool, &bl, SQL_BATCH_LOCK, "i", picks[i].batch_id))
		    != CE_OK)
			return reply_db(r, rc);
		if (bl->nrows != 1 || db_int(bl->rows[0][0]) != product)
			return invalid1(r, pool_strdup(r->pool, field),
			    "not a batch of the prescribed product");
		if (db_int(bl->rows[0][4]) == 0)
			return invalid1(r, pool_strdup(r->pool, field), "this batch has expired");
		if (db_int(bl->rows[0][1]) < picks[i].quantity)
			return invalid1(r, pool_strdup(r->pool, field), pool_printf(r->pool,
			    "only %s on hand in this batch", bl->rows[0][1]));
		picks[i].number = bl->rows[0][2];
		picks[i].expiry = bl->rows[0][3];
	}
	memset(&v, 0, sizeof(v));
	if (ph_doc_parse(r->pool, res->rows[0][5], strlen(res->rows[0][5]), &d, &v) != 0)
		return reply_internal(r, "out of memory");
	counterparty = pool_printf(r->pool, "%s, %s", d.patient_name != NULL ? d.patient_name :
	    "", d.patient_address != NULL ? d.patient_address : "");
	prescriber = pool_printf(r->pool, "%s (GMC %s), %s", d.prescriber_name != NULL ?
	    d.prescriber_name : "", d.prescriber_reg != NULL ? d.prescriber_reg : "",
	    d.practice_address != NULL ? d.practice_address : "");
	unit = d.supply_unit;
	if (!collection)
		collector = collector != NULL ? pool_printf(r->pool, "courier: %s", collector) :
		    "courier";
	counterparty = ph_clip(r->pool, counterparty, 300);
	prescriber = ph_clip(r->pool, prescriber, 300);
	collector = ph_clip(r->pool, collector, 300);
	if (counterparty == NULL || prescriber == NULL || collector == NULL)
		return reply_internal(r, "out of memory");
	/* the reservation is consumed first: the stock it held leaves with the supply */
	if ((rc = end_reservation(r, id, "consumed", NULL)) != CE_OK)
		return reply_db(r, rc);
	if ((arr = json_object_new_array()) == NULL)
		return reply_internal(r, "out of memory");
	for (i = 0; i < npick; i++) {
		struct ph_entry	 en;

		memset(&en, 0, sizeof(en));
		en.product_id = product;
		en.batch_id = picks[i].batch_id;
		en.kind = "supply";
		en.quantity = -picks[i].quantity;
		en.counterparty = counterparty;
		en.prescription_id = id;
		en.prescriber = prescriber;
		en.collector = collector;
		en.id_requested = (int)idreq;
		en.id_provided = (int)idprov;
		en.recorded_by = r->who.user_id;
		if ((rc = db_exec(r->db, r->pool, NULL, SQL_TAKE, "iii", picks[i].quantity,
		    picks[i].batch_id, picks[i].quantity)) != CE_OK ||
		    (rc = ph_register_add(r, &en, &entry)) != CE_OK ||
		    (rc = db_exec(r->db, r->pool, NULL, SQL_DISPENSE, "iiissiiii", id,
		    picks[i].batch_id, picks[i].quantity, method, collection ? collector : NULL,
		    idreq, idprov, entry, r->who.user_id)) != CE_OK) {
			json_object_put(arr);
			return reply_db(r, rc);
		}
		if (first_entry == 0)
			first_entry = entry;
		if ((e = json_object_new_object()) != NULL) {
			json_object_object_add(e, "batch_number", jstr(picks[i].number));
			json_object_object_add(e, "quantity", json_object_new_int64(picks[i].quantity));
			json_object_object_add(e, "expiry_date", jstr(picks[i].expiry));
			json_object_array_add(arr, e);
		}
	}
	if ((rc = db_exec(r->db, r->pool, NULL, SQL_SET_STATUS, "si",
	    collection ? "delivered" : "dispensed", id)) != CE_OK ||
	    (rc = db_exec(r->db, r->pool, &now, SQL_NOW, "")) != CE_OK) {
		json_object_put(arr);
		return reply_db(r, rc);
	}
	(void)snprintf(ref, sizeof(ref), "%" PRId64, id);
	if ((data = json_object_new_object()) == NULL) {
		json_object_put(arr);
		return reply_internal(r, "out of memory");
	}
	json_object_object_add(data, "prescription_id", json_object_new_int64(clinic_id));
	json_object_object_add(data, "pharmacy_ref", json_object_new_string(ref));
	json_object_object_add(data, "method", json_object_new_string(method));
	json_object_object_add(data, "quantity", json_object_new_int64(quantity));
	json_object_object_add(data, "unit", jstr(unit));
	json_object_object_add(data, "batches", arr);
	if ((rc = ph_emit_rx(r, clinic_id, "dispensed", data)) != CE_OK)
		return reply_db(r, rc);
	if (collection) {
		if ((data = json_object_new_object()) == NULL)
			return reply_internal(r, "out of memory");
		json_object_object_add(data, "prescription_id", json_object_new_int64(clinic_id));
		json_object_object_add(data, "pharmacy_ref", json_object_new_string(ref));
		json_object_object_add(data, "method", json_object_new_string(method));
		json_object_object_add(data, "at", jstr(now->rows[0][0]));
		json_object_object_add(data, "proof", NULL);
		json_object_object_add(data, "collector", jstr(collector));
		if ((rc = ph_emit_rx(r, clinic_id, "delivered", data)) != CE_OK)
			return reply_db(r, rc);
	}
	(void)snprintf(tag, sizeof(tag), "reg-%" PRId64, first_entry);
	if ((rc = ph_stock_changed(r, product, tag)) != CE_OK)
		return reply_db(r, rc);
	if ((det = json_object_new_object()) != NULL) {
		json_object_object_add(det, "method", json_object_new_string(method));
		json_object_object_add(det, "quantity", json_object_new_int64(quantity));
		json_object_object_add(det, "batches", json_object_new_int64((int64_t)npick));
		json_object_object_add(det, "id_requested", json_object_new_boolean(idreq != 0));
		json_object_object_add(det, "id_provided", json_object_new_boolean(idprov != 0));
	}
	if ((rc = ph_audit(r, r->who.user_id, "pharmacy.prescription_dispensed", "ph_prescription",
	    id, det)) != CE_OK)
		return reply_db(r, rc);
	if (collection && (rc = ph_audit(r, r->who.user_id, "pharmacy.prescription_delivered",
	    "ph_prescription", id, NULL)) != CE_OK)
		return reply_db(r, rc);
	if ((rc = db_commit(r->db)) != CE_OK)
		return reply_db(r, rc);
	return show(r);
}
