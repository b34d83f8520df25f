/*
 * The pharmacy's inventory (docs/API.md#pharmacy): products and their
 * mapping to the clinic's formulary, receipts by batch, expected
 * deliveries, stock taken out (returned to the supplier or destroyed before
 * a witness), stock counts with their discrepancies, and the stock view.
 * Every change of stock is a register entry with the running balance,
 * written under the product row's lock, audited, and told to the clinic
 * (stock.changed) in the same transaction.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "audit.h"
#include "db.h"
#include "log.h"
#include "patient.h"
#include "pool.h"
#include "reply.h"
#include "req.h"
#include "valid.h"
#include "pharmacy.h"
#include "ph.h"

static const char SQL_PRODUCTS[] =
    "SELECT id, clinic_product_id, supplier, brand, name, form, supply_unit, pack_size, active,"
    " DATE_FORMAT(created_at, '%Y-%m-%dT%H:%i:%sZ') FROM ph_product ORDER BY brand, name, id";
static const char SQL_PRODUCT_INSERT[] =
    "INSERT INTO ph_product (clinic_product_id, supplier, brand, name, form, supply_unit,"
    " pack_size, active, created_at, updated_at)"
    " VALUES (NULLIF(?, 0), ?, ?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))";
static const char SQL_PRODUCT_ONE[] =
    "SELECT id, clinic_product_id, supplier, brand, name, form, supply_unit, pack_size, active,"
    " DATE_FORMAT(created_at, '%Y-%m-%dT%H:%i:%sZ') FROM ph_product WHERE id = ?";
static const char SQL_PRODUCT_MAP[] =
    "UPDATE ph_product SET clinic_product_id = NULLIF(?, 0), updated_at = UTC_TIMESTAMP(6)"
    " WHERE id = ?";
static const char SQL_PRODUCT_ACTIVE[] =
    "UPDATE ph_product SET active = ?, updated_at = UTC_TIMESTAMP(6) WHERE id = ?";
static const char SQL_BATCH_INSERT[] =
    "INSERT INTO ph_batch (product_id, batch_number, supplier, expiry_date, thc_ug_per_unit,"
    " cbd_ug_per_unit, received_qty, on_hand, received_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(6))";
static const char SQL_EXPIRY_OK[] =
    "SELECT CAST(? AS DATE) >= UTC_DATE()";
static const char SQL_EXPECTED_ARRIVED[] =
    "UPDATE ph_expected SET arrived = 1 WHERE id = ? AND product_id = ? AND arrived = 0";
static const char SQL_OOS[] =
    "SELECT id FROM ph_prescription WHERE product_id = ? AND status = 'out_of_stock'"
    " ORDER BY received_at, id";
static const char SQL_EXPECTED_LIST[] =
    "SELECT e.id, e.product_id, CONCAT(p.brand, ' ', p.name), e.quantity, p.supply_unit,"
    " DATE_FORMAT(e.expected_date, '%Y-%m-%d'), e.note, e.arrived,"
    " DATE_FORMAT(e.created_at, '%Y-%m-%dT%H:%i:%sZ')"
    " FROM ph_expected e JOIN ph_product p ON p.id = e.product_id"
    " WHERE (? = 1 OR e.arrived = 0) ORDER BY e.arrived, e.expected_date, e.id LIMIT 500";
static const char SQL_EXPECTED_INSERT[] =
    "INSERT INTO ph_expected (product_id, quantity, expected_date, note, created_by, created_at)"
    " VALUES (?, ?, ?, ?, ?, UTC_TIMESTAMP(6))";
static const char SQL_BATCH_OF[] =
    "SELECT product_id FROM ph_batch WHERE id = ?";
static const char SQL_BATCH_LOCK[] =
    "SELECT on_hand, supplier, batch_number FROM ph_batch WHERE id = ? FOR UPDATE";
static const char SQL_BATCH_ADD[] =
    "UPDATE ph_batch SET on_hand = on_hand + ? WHERE id = ? AND on_hand + ? >= 0";
static const char SQL_COUNT[] =
    "INSERT INTO ph_count (batch_id, expected, counted, discrepancy, note, register_id,"
    " counted_by, at) VALUES (?, ?, ?, ?, ?, NULLIF(?, 0), ?, UTC_TIMESTAMP(6))";
static const char SQL_STOCK_BATCHES[] =
    "SELECT id, batch_number, supplier, DATE_FORMAT(expiry_date, '%Y-%m-%d'), thc_ug_per_unit,"
    " cbd_ug_per_unit, received_qty, on_hand, expiry_date >= UTC_DATE(),"
    " DATE_FORMAT(received_at, '%Y-%m-%dT%H:%i:%sZ')"
    " FROM ph_batch WHERE product_id = ? AND (on_hand > 0 OR received_at > UTC_TIMESTAMP() -"
    " INTERVAL 90 DAY) ORDER BY expiry_date, id";
static const char SQL_STOCK_EXPECTED[] =
    "SELECT id, quantity, DATE_FORMAT(expected_date, '%Y-%m-%d'), note FROM ph_expected"
    " WHERE product_id = ? AND arrived = 0 ORDER BY expected_date, id";
static const char SQL_HELD_SUM[] =
    "SELECT COALESCE(SUM(quantity), 0) FROM ph_reservation WHERE product_id = ?"
    " AND status = 'held'";
static const char SQL_COUNTS[] =
    "SELECT c.id, c.batch_id, b.batch_number, c.expected, c.counted, c.discrepancy, c.note,"
    " DATE_FORMAT(c.at, '%Y-%m-%dT%H:%i:%sZ') FROM ph_count c JOIN ph_batch b"
    " ON b.id = c.batch_id WHERE b.product_id = ? ORDER BY c.id DESC LIMIT 20";

/* Microseconds now: a tag that makes each stock message's key unique. */
static long long
time_now_us(void)
{
	struct timespec	ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return (long long)time(NULL) * 1000000LL;
	return (long long)ts.tv_sec * 1000000LL + ts.tv_nsec / 1000;
}

static struct json_object *
jstr(const char *s)
{
	return s != NULL ? json_object_new_string(s) : NULL;
}

static struct json_object *
product_json(char **row)
{
	struct json_object	*o = json_object_new_object();

	if (o == NULL)
		return NULL;
	json_object_object_add(o, "id", json_object_new_int64(db_int(row[0])));
	json_object_object_add(o, "clinic_product_id", row[1] != NULL ?
	    json_object_new_int64(db_int(row[1])) : NULL);
	json_object_object_add(o, "supplier", jstr(row[2]));
	json_object_object_add(o, "brand", jstr(row[3]));
	json_object_object_add(o, "name", jstr(row[4]));
	json_object_object_add(o, "form", jstr(row[5]));
	json_object_object_add(o, "supply_unit", jstr(row[6]));
	json_object_object_add(o, "pack_size", json_object_new_int64(db_int(row[7])));
	json_object_object_add(o, "active", json_object_new_boolean(db_int(row[8]) != 0));
	json_object_object_add(o, "created_at", jstr(row[9]));
	return o;
}

int
ph_products_list(struct req *r)
{
	struct db_res		*res;
	struct json_object	*o, *a, *e;
	size_t			 i;
	enum cerr		 rc;

	if ((rc = db_exec(r->db, r->pool, &res, SQL_PRODUCTS, "")) != CE_OK)
		return reply_db(r, rc);
	if ((o = json_object_new_object()) == NULL || (a = json_object_new_array()) == NULL) {
		json_object_put(o);
		return reply_internal(r, "out of memory");
	}
	json_object_object_add(o, "items", a);
	for (i = 0; i < res->nrows; i++)
		if ((e = product_json(res->rows[i])) == NULL || json_object_array_add(a, e) != 0) {
			json_object_put(e);
			json_object_put(o);
			return reply_internal(r, "out of memory");
		}
	return reply_json(r, 200, o);
}

static int
product_reply(struct req *r, int64_t id, int status)
{
	struct db_res		*res;
	struct json_object	*o;
	enum cerr		 rc;

	if ((rc = db_exec(r->db, r->pool, &res, SQL_PRODUCT_ONE, "i", id)) != CE_OK)
		return reply_db(r, rc);
	if (res->nrows != 1)
		return reply_problem(r, 404, "not-found", "No such product", NULL);
	if ((o = product_json(res->rows[0])) == NULL)
		return reply_internal(r, "out of memory");
	return reply_json(r, status, o);
}

static int
mapped_twice(struct req *r)
{
	db_rollback(r->db);
	return reply_field(r, 409, "clinic_product_id",
	    "another product of this pharmacy fills that clinic product already");
}

/* fields: clinic_product_id, supplier, brand, name, form, supply_unit, pack_size, active */
int
ph_product_create(struct req *r)
{
	struct val		*v = r->in.vals;
	struct json_object	*d;
	int64_t			 id;
	enum cerr		 rc;

	if ((rc = db_begin(r->db)) != CE_OK)
		return reply_db(r, rc);
	rc = db_exec(r->db, r->pool, NULL, SQL_PRODUCT_INSERT, "isssssii",
	    v[0].present ? v[0].i : (int64_t)0, v[1].s, v[2].s, v[3].s, v[4].s, v[5].s, v[6].i,
	    v[7].present ? v[7].i : (int64_t)1);
	if (rc == CE_DUPLICATE)
		return mapped_twice(r);
	if (rc != CE_OK)
		return reply_db(r, rc);
	id = (int64_t)db_insert_id(r->db);
	if ((d = json_object_new_object()) != NULL) {
		json_object_object_add(d, "brand", json_object_new_string(v[2].s));
		json_object_object_add(d, "name", json_object_new_string(v[3].s));
		json_object_object_add(d, "clinic_product_id", v[0].present ?
		    json_object_new_int64(v[0].i) : NULL);
	}
	if ((rc = ph_audit(r, r->who.user_id, "pharmacy.product_created", "ph_product", id, d))
	    != CE_OK || (rc = ph_stock_changed(r, id, "created")) != CE_OK ||
	    (rc = db_commit(r->db)) != CE_OK)
		return reply_db(r, rc);
	return product_reply(r, id, 201);
}

/* fields: clinic_product_id (0 unmaps), active */
int
ph_product_update(struct req *r)
{
	int64_t			 id = req_id(r, "id");
	struct val		*v = r->in.vals;
	struct db_res		*res;
	struct json_object	*d;
	enum cerr		 rc;

	if (id == 0)
		return reply_problem(r, 404, "not-found", "No such product", NULL);
	if (!v[0].present && !v[1].present)
		return reply_field(r, 422, "clinic_product_id", "nothing to change: give"
		    " clinic_product_id and/or active");
	if ((rc = db_begin(r->db)) != CE_OK)
		return reply_db(r, rc);
	if ((rc = db_exec(r->db, r->pool, &res, SQL_PRODUCT_ONE, "i", id)) != CE_OK)
		return reply_db(r, rc);
	if (res->nrows != 1) {
		db_rollback(r->db);
		return reply_problem(r, 404, "not-found", "No such product", NULL);
	}
	if ((rc = ph_product_lock(r, id)) != CE_OK)
		return reply_db(r, rc);
	if (v[0].present) {
		rc = db_exec(r->db, r->pool, NULL, SQL_PRODUCT_MAP, "ii", v[0].i, id);
		if (rc == CE_DUPLICATE)
			return mapped_twice(r);
		if (rc != CE_OK)
			return reply_db(r, rc);
	}
	if (v[1].present && (rc = db_exec(r->db, r->pool, NULL, SQL_PRODUCT_ACTIVE, "ii", v[1].i,
	    id)) != CE_OK)
		return reply_db(r, rc);
	if ((d = json_object_new_object()) != NULL) {
		json_object_object_add(d, "before_clinic_product_id", jstr(res->rows[0][1]));
		if (v[0].present)
			json_object_object_add(d, "clinic_product_id", json_object_new_int64(v[0].i));
		if (v[1].present)
			json_object_object_add(d, "active", json_object_new_boolean(v[1].i != 0));
	}
	if ((rc = ph_audit(r, r->who.user_id, "pharmacy.product_updated", "ph_product", id, d))
	    != CE_OK || (rc = ph_stock_changed(r, id, pool_printf(r->pool, "upd-%lld",
	    (long long)time_now_us()))) != CE_OK || (rc = db_commit(r->db)) != CE_OK)
		return reply_db(r, rc);
	return product_reply(r, id, 200);
}

/*
 * Re-checks the product's out-of-stock prescriptions, oldest first, each in
 * its own transaction, after the receipt committed. Locks are taken in the
 * order every other path takes them (accept, dispense, the inbox's check
 * and cancel): the prescription row, then the product. Holding the
 * product's lock while locking a prescription (as this did inside the
 * receipt's transaction) could deadlock with an accept. A re-check that
 * fails (a deadlock three times over, the database) leaves its prescription
 * out of stock, as it was: the next receipt or the pharmacist's accept
 * checks it again; its entry in out says "status": null.
 */
static void
recheck(struct req *r, int64_t product, struct json_object *out)
{
	struct db_res		*res;
	struct json_object	*e;
	const char		*st;
	size_t			 i;
	int			 attempt;
	enum cerr		 rc;

	if ((rc = db_exec(r->db, r->pool, &res, SQL_OOS, "i", product)) != CE_OK) {
		log_warn("re-checking the out-of-stock prescriptions of product %lld: %s",
		    (long long)product, cerr_str(rc));
		return;
	}
	for (i = 0; i < res->nrows; i++) {
		st = NULL;
		rc = CE_DEADLOCK;
		for (attempt = 0; attempt < 3 && rc == CE_DEADLOCK; attempt++) {
			st = NULL;
			if ((rc = db_begin(r->db)) != CE_OK)
				break;
			rc = ph_check_run(r, db_int(res->rows[i][0]), r->who.user_id, &st);
			if (rc == CE_OK)
				rc = db_commit(r->db);
			if (rc != CE_OK)
				db_rollback(r->db);
		}
		if (rc != CE_OK) {
			if (rc != CE_NOTFOUND)
				log_warn("re-checking prescription %lld: %s",
				    (long long)db_int(res->rows[i][0]), cerr_str(rc));
			st = NULL;
		}
		if (out != NULL && (e = json_object_new_object()) != NULL) {
			json_object_object_add(e, "id", json_object_new_int64(db_int(res->rows[i][0])));
			json_object_object_add(e, "status", jstr(st));
			json_object_array_add(out, e);
		}
	}
}

/*
 * fields: product_id, supplier, supplier_address, batch_number, expiry_date,
 * thc_ug_per_unit, cbd_ug_per_unit, quantity, expected_id
 */
int
ph_receipt(struct req *r)
{
	struct val		*v = r->in.vals;
	struct db_res		*res;
	struct json_object	*o, *re, *d;
	struct ph_entry		 en;
	int64_t			 product = v[0].i, batch, entry;
	char			 tag[40];
	enum cerr		 rc;

	if ((rc = db_exec(r->db, r->pool, &res, SQL_EXPIRY_OK, "s", v[4].s)) != CE_OK)
		return reply_db(r, rc);
	if (db_int(res->rows[0][0]) != 1)
		return reply_field(r, 422, "expiry_date", "this batch has expired already");
	if ((rc = db_begin(r->db)) != CE_OK)
		return reply_db(r, rc);
	rc = ph_product_lock(r, product);
	if (rc == CE_NOTFOUND) {
		db_rollback(r->db);
		return reply_field(r, 422, "product_id", "no such product");
	}
	if (rc != CE_OK)
		return reply_db(r, rc);
	rc = db_exec(r->db, r->pool, NULL, SQL_BATCH_INSERT, "isssiiii", product, v[3].s, v[1].s,
	    v[4].s, v[5].i, v[6].i, v[7].i, v[7].i);
	if (rc == CE_DUPLICATE) {
		db_rollback(r->db);
		return reply_field(r, 409, "batch_number", "this batch of the product was received"
		    " already: correct its entry in the register instead");
	}
	if (rc != CE_OK)
		return reply_db(r, rc);
	batch = (int64_t)db_insert_id(r->db);
	memset(&en, 0, sizeof(en));
	en.product_id = product;
	en.batch_id = batch;
	en.kind = "receipt";
	en.quantity = v[7].i;
	en.counterparty = ph_clip(r->pool, v[2].present ? pool_printf(r->pool, "%s, %s", v[1].s,
	    v[2].s) : v[1].s, 300);
	en.id_requested = en.id_provided = -1;
	en.recorded_by = r->who.user_id;
	if (en.counterparty == NULL)
		return reply_internal(r, "out of memory");
	if ((rc = ph_register_add(r, &en, &entry)) != CE_OK)
		return reply_db(r, rc);
	if (v[8].present) {
		if ((rc = db_exec(r->db, r->pool, NULL, SQL_EXPECTED_ARRIVED, "ii", v[8].i, product))
		    != CE_OK)
			return reply_db(r, rc);
		if (db_affected(r->db) != 1) {
			db_rollback(r->db);
			return reply_field(r, 422, "expected_id", "not an awaited delivery of this"
			    " product");
		}
	}
	(void)snprintf(tag, sizeof(tag), "reg-%" PRId64, entry);
	if ((rc = ph_stock_changed(r, product, tag)) != CE_OK)
		return reply_db(r, rc);
	if ((o = json_object_new_object()) == NULL || (re = json_object_new_array()) == NULL) {
		json_object_put(o);
		return reply_internal(r, "out of memory");
	}
	json_object_object_add(o, "rechecked", re);
	if ((d = json_object_new_object()) != NULL) {
		json_object_object_add(d, "batch_id", json_object_new_int64(batch));
		json_object_object_add(d, "batch_number", json_object_new_string(v[3].s));
		json_object_object_add(d, "quantity", json_object_new_int64(v[7].i));
		json_object_object_add(d, "register_id", json_object_new_int64(entry));
	}
	if ((rc = ph_audit(r, r->who.user_id, "pharmacy.stock_received", "ph_product", product, d))
	    != CE_OK || (rc = db_commit(r->db)) != CE_OK) {
		json_object_put(o);
		return reply_db(r, rc);
	}
	/* after the commit: the product's lock is not held while prescriptions are locked */
	recheck(r, product, re);
	json_object_object_add(o, "batch_id", json_object_new_int64(batch));
	json_object_object_add(o, "register_id", json_object_new_int64(entry));
	json_object_object_add(o, "product_id", json_object_new_int64(product));
	return reply_json(r, 201, o);
}

/* ?all=1 includes arrived ones */
int
ph_expected_list(struct req *r)
{
	int64_t			 all = r->q.vals[0].present ? r->q.vals[0].i : 0;
	struct db_res		*res;
	struct json_object	*o, *a, *e;
	size_t			 i;
	enum cerr		 rc;

	if ((rc = db_exec(r->db, r->pool, &res, SQL_EXPECTED_LIST, "i", all)) != CE_OK)
		return reply_db(r, rc);
	if ((o = json_object_new_object()) == NULL || (a = json_object_new_array()) == NULL) {
		json_object_put(o);
		return reply_internal(r, "out of memory");
	}
	json_object_object_add(o, "items", a);
	for (i = 0; i < res->nrows; i++) {
		char **x = res->rows[i];

		if ((e = json_object_new_object()) == NULL || json_object_array_add(a, e) != 0) {
			json_object_put(e);
			json_object_put(o);
			return reply_internal(r, "out of memory");
		}
		json_object_object_add(e, "id", json_object_new_int64(db_int(x[0])));
		json_object_object_add(e, "product_id", json_object_new_int64(db_int(x[1])));
		json_object_object_add(e, "product", jstr(x[2]));
		json_object_object_add(e, "quantity", json_object_new_int64(db_int(x[3])));
		json_object_object_add(e, "unit", jstr(x[4]));
		json_object_object_add(e, "expected_date", jstr(x[5]));
		json_object_object_add(e, "note", jstr(x[6]));
		json_object_object_add(e, "arrived", json_object_new_boolean(db_int(x[7]) != 0));
		json_object_object_add(e, "created_at", jstr(x[8]));
	}
	return reply_json(r, 200, o);
}

/* fields: product_id, quantity, expected_date, note */
int
ph_expected_create(struct req *r)
{
	struct val		*v = r->in.vals;
	struct db_res		*res;
	struct json_object	*d, *o;
	int64_t			 id;
	enum cerr		 rc;

	if ((rc = db_exec(r->db, r->pool, &res, SQL_EXPIRY_OK, "s", v[2].s)) != CE_OK)
		return reply_db(r, rc);
	if (db_int(res->rows[0][0]) != 1)
		return reply_field(r, 422, "expected_date", "a date from today on");
	if ((rc = db_begin(r->db)) != CE_OK)
		return reply_db(r, rc);
	rc = ph_product_lock(r, v[0].i);
	if (rc == CE_NOTFOUND) {
		db_rollback(r->db);
		return reply_field(r, 422, "product_id", "no such product");
	}
	if (rc != CE_OK || (rc = db_exec(r->db, r->pool, NULL, SQL_EXPECTED_INSERT, "iissi",
	    v[0].i, v[1].i, v[2].s, v[3].present ? v[3].s : NULL, r->who.user_id)) != CE_OK)
		return reply_db(r, rc);
	id = (int64_t)db_insert_id(r->db);
	if ((d = json_object_new_object()) != NULL) {
		json_object_object_add(d, "product_id", json_object_new_int64(v[0].i));
		json_object_object_add(d, "quantity", json_object_new_int64(v[1].i));
		json_object_object_add(d, "expected_date", json_object_new_string(v[2].s));
	}
	if ((rc = ph_audit(r, r->who.user_id, "pharmacy.delivery_expected", "ph_expected", id, d))
	    != CE_OK || (rc = ph_stock_changed(r, v[0].i, pool_printf(r->pool, "exp-%" PRId64,
	    id))) != CE_OK || (rc = db_commit(r->db)) != CE_OK)
		return reply_db(r, rc);
	if ((o = json_object_new_object()) == NULL)
		return reply_internal(r, "out of memory");
	json_object_object_add(o, "id", json_object_new_int64(id));
	json_object_object_add(o, "product_id", json_object_new_int64(v[0].i));
	json_object_object_add(o, "quantity", json_object_new_int64(v[1].i));
	json_object_object_add(o, "expected_date", json_object_new_string(v[2].s));
	json_object_object_add(o, "note", v[3].present ? json_object_new_string(v[3].s) : NULL);
	return reply_json(r, 201, o);
}

/* The batch's product locked, then the batch: 0, or a reply made. */
static int
lock_batch(struct req *r, int64_t batch, int64_t *product, struct db_res **b)
{
	struct db_res	*res;
	enum cerr	 rc;

	if ((rc = db_begin(r->db)) != CE_OK)
		return reply_db(r, rc);
	if ((rc = db_exec(r->db, r->pool, &res, SQL_BATCH_OF, "i", batch)) != CE_OK)
		return reply_db(r, rc);
	if (res->nrows != 1) {
		db_rollback(r->db);
		return reply_field(r, 422, "batch_id", "no such batch");
	}
	*product = db_int(res->rows[0][0]);
	if ((rc = ph_product_lock(r, *product)) != CE_OK ||
	    (rc = db_exec(r->db, r->pool, b, SQL_BATCH_LOCK, "i", batch)) != CE_OK)
		return reply_db(r, rc);
	return 0;
}

/* fields: batch_id, quantity, kind, reason, witness */
int
ph_stock_out(struct req *r)
{
	struct val		*v = r->in.vals;
	struct db_res		*b;
	struct json_object	*d, *o;
	struct ph_entry		 en;
	int64_t			 product, entry, avail;
	bool			 destruction = strcmp(v[2].s, "destruction") == 0;
	int			 s;
	enum cerr		 rc;

	if (destruction && !v[4].present)
		return reply_field(r, 422, "witness", "a destruction needs a witness (name and role"
		    " of the authorised person present)");
	if ((s = lock_batch(r, v[0].i, &product, &b)) != 0)
		return s;
	if (db_int(b->rows[0][0]) < v[1].i) {
		db_rollback(r->db);
		return reply_field(r, 422, "quantity", pool_printf(r->pool,
		    "only %s on hand in this batch", b->rows[0][0]));
	}
	memset(&en, 0, sizeof(en));
	en.product_id = product;
	en.batch_id = v[0].i;
	en.kind = v[2].s;
	en.quantity = -v[1].i;
	en.counterparty = destruction ? NULL : b->rows[0][1];
	en.witness = v[4].present ? v[4].s : NULL;
	en.reason = v[3].s;
	en.id_requested = en.id_provided = -1;
	en.recorded_by = r->who.user_id;
	if ((rc = db_exec(r->db, r->pool, NULL, SQL_BATCH_ADD, "iii", -v[1].i, v[0].i, -v[1].i))
	    != CE_OK || (rc = ph_available(r, product, &avail, NULL)) != CE_OK)
		return reply_db(r, rc);
	if (avail < 0) {
		/* stock held for accepted prescriptions never leaves by a return or destruction */
		db_rollback(r->db);
		if ((o = json_object_new_object()) != NULL)
			json_object_object_add(o, "shortfall", json_object_new_int64(-avail));
		return reply_problem_with(r, 409, "stock-reserved", "That stock is reserved",
		    pool_printf(r->pool, "Taking %" PRId64 " out would leave %" PRId64 " less than is"
		    " reserved for accepted prescriptions of this product: cancel or reject them"
		    " first, or take out less.", v[1].i, -avail), o);
	}
	if ((rc = ph_register_add(r, &en, &entry)) != CE_OK)
		return reply_db(r, rc);
	if ((d = json_object_new_object()) != NULL) {
		json_object_object_add(d, "batch_id", json_object_new_int64(v[0].i));
		json_object_object_add(d, "quantity", json_object_new_int64(v[1].i));
		json_object_object_add(d, "kind", json_object_new_string(v[2].s));
		json_object_object_add(d, "register_id", json_object_new_int64(entry));
		json_object_object_add(d, "witness", v[4].present ?
		    json_object_new_string(v[4].s) : NULL);
	}
	if ((rc = ph_audit(r, r->who.user_id, destruction ? "pharmacy.stock_destroyed" :
	    "pharmacy.stock_returned", "ph_batch", v[0].i, d)) != CE_OK ||
	    (rc = ph_stock_changed(r, product, pool_printf(r->pool, "reg-%" PRId64, entry))) !=
	    CE_OK || (rc = db_commit(r->db)) != CE_OK)
		return reply_db(r, rc);
	if ((o = json_object_new_object()) == NULL)
		return reply_internal(r, "out of memory");
	json_object_object_add(o, "register_id", json_object_new_int64(entry));
	json_object_object_add(o, "batch_id", json_object_new_int64(v[0].i));
	json_object_object_add(o, "on_hand", json_object_new_int64(db_int(b->rows[0][0]) - v[1].i));
	return reply_json(r, 201, o);
}

/* fields: batch_id, counted, note */
int
ph_count(struct req *r)
{
	struct val		*v = r->in.vals;
	struct db_res		*b;
	struct json_object	*d, *o;
	struct ph_entry		 en;
	int64_t			 product, expected, disc, entry = 0, cid, avail = 0;
	int			 s;
	enum cerr		 rc;

	if ((s = lock_batch(r, v[0].i, &product, &b)) != 0)
		return s;
	expected = db_int(b->rows[0][0]);
	disc = v[1].i - expected;
	if (disc != 0 && !v[2].present) {
		db_rollback(r->db);
		return reply_field(r, 422, "note", pool_printf(r->pool, "the count differs from the"
		    " books (%" PRId64 " expected): say what was found and why", expected));
	}
	if (disc != 0) {
		memset(&en, 0, sizeof(en));
		en.product_id = product;
		en.batch_id = v[0].i;
		en.kind = "adjustment";
		en.quantity = disc;
		en.reason = v[2].s;
		en.id_requested = en.id_provided = -1;
		en.recorded_by = r->who.user_id;
		if ((rc = db_exec(r->db, r->pool, NULL, SQL_BATCH_ADD, "iii", disc, v[0].i, disc))
		    != CE_OK || (rc = ph_register_add(r, &en, &entry)) != CE_OK)
			return reply_db(r, rc);
	}
	/* a count records the truth; what it leaves short of the reservations is said */
	if ((rc = ph_available(r, product, &avail, NULL)) != CE_OK)
		return reply_db(r, rc);
	if ((rc = db_exec(r->db, r->pool, NULL, SQL_COUNT, "iiiisii", v[0].i, expected, v[1].i,
	    disc, v[2].present ? v[2].s : NULL, entry, r->who.user_id)) != CE_OK)
		return reply_db(r, rc);
	cid = (int64_t)db_insert_id(r->db);
	if ((d = json_object_new_object()) != NULL) {
		json_object_object_add(d, "batch_id", json_object_new_int64(v[0].i));
		json_object_object_add(d, "expected", json_object_new_int64(expected));
		json_object_object_add(d, "counted", json_object_new_int64(v[1].i));
		json_object_object_add(d, "discrepancy", json_object_new_int64(disc));
		json_object_object_add(d, "reserved_shortfall",
		    json_object_new_int64(avail < 0 ? -avail : 0));
	}
	if ((rc = ph_audit(r, r->who.user_id, "pharmacy.stock_counted", "ph_count", cid, d))
	    != CE_OK)
		return reply_db(r, rc);
	if (disc != 0 && (rc = ph_stock_changed(r, product, pool_printf(r->pool, "reg-%" PRId64,
	    entry))) != CE_OK)
		return reply_db(r, rc);
	if ((rc = db_commit(r->db)) != CE_OK)
		return reply_db(r, rc);
	if ((o = json_object_new_object()) == NULL)
		return reply_internal(r, "out of memory");
	json_object_object_add(o, "id", json_object_new_int64(cid));
	json_object_object_add(o, "batch_id", json_object_new_int64(v[0].i));
	json_object_object_add(o, "expected", json_object_new_int64(expected));
	json_object_object_add(o, "counted", json_object_new_int64(v[1].i));
	json_object_object_add(o, "discrepancy", json_object_new_int64(disc));
	json_object_object_add(o, "register_id", entry != 0 ? json_object_new_int64(entry) : NULL);
	json_object_object_add(o, "reserved_shortfall", json_object_new_int64(avail < 0 ? -avail :
	    0));
	return reply_json(r, 201, o);
}

int
ph_stock(struct req *r)
{
	struct db_res		*res, *bt, *ex, *held, *cn;
	struct json_object	*o, *a, *p, *ba, *e;
	const char		*exp;
	int64_t			 avail, on_hand, expired;
	size_t			 i, k;
	enum cerr		 rc;

	if ((rc = db_exec(r->db, r->pool, &res, SQL_PRODUCTS, "")) != CE_OK)
		return reply_db(r, rc);
	if ((o = json_object_new_object()) == NULL || (a = json_object_new_array()) == NULL) {
		json_object_put(o);
		return reply_internal(r, "out of memory");
	}
	json_object_object_add(o, "items", a);
	for (i = 0; i < res->nrows; i++) {
		int64_t pid = db_int(res->rows[i][0]);

		if ((p = product_json(res->rows[i])) == NULL || json_object_array_add(a, p) != 0) {
			json_object_put(p);
			json_object_put(o);
			return reply_internal(r, "out of memory");
		}
		if ((rc = db_exec(r->db, r->pool, &bt, SQL_STOCK_BATCHES, "i", pid)) != CE_OK ||
		    (rc = db_exec(r->db, r->pool, &ex, SQL_STOCK_EXPECTED, "i", pid)) != CE_OK ||
		    (rc = db_exec(r->db, r->pool, &held, SQL_HELD_SUM, "i", pid)) != CE_OK ||
		    (rc = db_exec(r->db, r->pool, &cn, SQL_COUNTS, "i", pid)) != CE_OK ||
		    (rc = ph_available(r, pid, &avail, &exp)) != CE_OK) {
			json_object_put(o);
			return reply_db(r, rc);
		}
		on_hand = expired = 0;
		if ((ba = json_object_new_array()) == NULL) {
			json_object_put(o);
			return reply_internal(r, "out of memory");
		}
		json_object_object_add(p, "batches", ba);
		for (k = 0; k < bt->nrows; k++) {
			char **x = bt->rows[k];

			if (db_int(x[8]) != 0)
				on_hand += db_int(x[7]);
			else
				expired += db_int(x[7]);
			if ((e = json_object_new_object()) == NULL)
				break;
			json_object_object_add(e, "id", json_object_new_int64(db_int(x[0])));
			json_object_object_add(e, "batch_number", jstr(x[1]));
			json_object_object_add(e, "supplier", jstr(x[2]));
			json_object_object_add(e, "expiry_date", jstr(x[3]));
			json_object_object_add(e, "thc_ug_per_unit", json_object_new_int64(db_int(x[4])));
			json_object_object_add(e, "cbd_ug_per_unit", json_object_new_int64(db_int(x[5])));
			json_object_object_add(e, "received_qty", json_object_new_int64(db_int(x[6])));
			json_object_object_add(e, "on_hand", json_object_new_int64(db_int(x[7])));
			json_object_object_add(e, "expired", json_object_new_boolean(db_int(x[8]) == 0));
			json_object_object_add(e, "received_at", jstr(x[9]));
			json_object_array_add(ba, e);
		}
		json_object_object_add(p, "on_hand", json_object_new_int64(on_hand));
		json_object_object_add(p, "expired_on_hand", json_object_new_int64(expired));
		json_object_object_add(p, "reserved", json_object_new_int64(db_int(held->rows[0][0])));
		json_object_object_add(p, "available", json_object_new_int64(avail));
		json_object_object_add(p, "expected_date", jstr(exp));
		if ((ba = json_object_new_array()) != NULL) {
			json_object_object_add(p, "expected", ba);
			for (k = 0; k < ex->nrows; k++) {
				if ((e = json_object_new_object()) == NULL)
					break;
				json_object_object_add(e, "id", json_object_new_int64(db_int(ex->rows[k][0])));
				json_object_object_add(e, "quantity",
				    json_object_new_int64(db_int(ex->rows[k][1])));
				json_object_object_add(e, "expected_date", jstr(ex->rows[k][2]));
				json_object_object_add(e, "note", jstr(ex->rows[k][3]));
				json_object_array_add(ba, e);
			}
		}
		if ((ba = json_object_new_array()) != NULL) {
			json_object_object_add(p, "counts", ba);
			for (k = 0; k < cn->nrows; k++) {
				char **x = cn->rows[k];

				if ((e = json_object_new_object()) == NULL)
					break;
				json_object_object_add(e, "id", json_object_new_int64(db_int(x[0])));
				json_object_object_add(e, "batch_id", json_object_new_int64(db_int(x[1])));
				json_object_object_add(e, "batch_number", jstr(x[2]));
				json_object_object_add(e, "expected", json_object_new_int64(db_int(x[3])));
				json_object_object_add(e, "counted", json_object_new_int64(db_int(x[4])));
				json_object_object_add(e, "discrepancy",
				    json_object_new_int64(db_int(x[5])));
				json_object_object_add(e, "note", jstr(x[6]));
				json_object_object_add(e, "at", jstr(x[7]));
				json_object_array_add(ba, e);
			}
		}
	}
	return reply_json(r, 200, o);
}
