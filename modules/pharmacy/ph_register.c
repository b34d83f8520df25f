/*
 * The controlled-drug register (docs/API.md#pharmacy, REGULATORY.md):
 * every receipt, supply, return, destruction, count adjustment and
 * correction as its own entry with the product's running balance; read as
 * JSON or CSV (cells a spreadsheet would run as formulas are neutralised),
 * and corrected only by a new entry naming the one it corrects (the
 * table's triggers refuse edits and removals).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "audit.h"
#include "db.h"
#include "log.h"
#include "patient.h"
#include "pool.h"
#include "reply.h"
#include "req.h"
#include "strbuf.h"
#include "valid.h"
#include "pharmacy.h"
#include "ph.h"

/*
 * One page of the register, by product then entry, after the cursor
 * (product, entry; 0, 0 from the start) and up to the snapshot's last
 * entry, so that a CSV read page by page is one consistent picture.
 */
#define REGISTER_WHERE \
    " WHERE (? = 0 OR g.product_id = ?) AND (? IS NULL OR g.at >= ?)" \
    " AND (? IS NULL OR g.at < DATE_ADD(?, INTERVAL 1 DAY)) AND g.id <= ?"
static const char SQL_REGISTER[] =
    "SELECT g.id, DATE_FORMAT(g.at, '%Y-%m-%dT%H:%i:%sZ'), g.product_id, p.brand, p.name,"
    " p.supply_unit, g.kind, g.quantity, g.balance, b.batch_number,"
    " DATE_FORMAT(b.expiry_date, '%Y-%m-%d'), b.thc_ug_per_unit, b.cbd_ug_per_unit,"
    " g.counterparty, g.prescription_id, g.prescriber, g.collector, g.id_requested,"
    " g.id_provided, g.witness, g.corrects_id, g.reason,"
    " CONCAT_WS(' ', u.given_name, u.family_name), g.recorded_by"
    " FROM ph_register g JOIN ph_product p ON p.id = g.product_id"
    " LEFT JOIN ph_batch b ON b.id = g.batch_id LEFT JOIN users u ON u.id = g.recorded_by"
    REGISTER_WHERE
    " AND (g.product_id > ? OR (g.product_id = ? AND g.id > ?))"
    " ORDER BY g.product_id, g.id LIMIT ?";
static const char SQL_REGISTER_COUNT[] =
    "SELECT COUNT(*) FROM ph_register g" REGISTER_WHERE
    " AND (g.product_id > ? OR (g.product_id = ? AND g.id > ?))";
static const char SQL_REGISTER_LAST[] =
    "SELECT COALESCE(MAX(id), 0) FROM ph_register";
static const char SQL_ENTRY[] =
    "SELECT product_id, batch_id, kind FROM ph_register WHERE id = ?";
static const char SQL_BATCH_LOCK[] =
    "SELECT on_hand FROM ph_batch WHERE id = ? FOR UPDATE";
static const char SQL_BATCH_ADD[] =
    "UPDATE ph_batch SET on_hand = on_hand + ? WHERE id = ? AND on_hand + ? >= 0";
static const char SQL_LAST_BALANCE[] =
    "SELECT balance FROM ph_register WHERE product_id = ? ORDER BY id DESC LIMIT 1";

/* An integer cell from a database value; NULL is an empty cell. */
static void
icell(struct strbuf *b, const char *num, bool last)
{
	if (num == NULL)
		csv_cell(b, NULL, last);
	else
		csv_int(b, db_int(num), last);
}

static const char *
yesno(const char *v)
{
	return v == NULL ? NULL : db_int(v) != 0 ? "yes" : "no";
}

static struct json_object *
jstr(const char *s)
{
	return s != NULL ? json_object_new_string(s) : NULL;
}

static struct json_object *
jint(const char *s)
{
	return s != NULL ? json_object_new_int64(db_int(s)) : NULL;
}

static struct json_object *
jbool(const char *s)
{
	return s != NULL ? json_object_new_boolean(db_int(s) != 0) : NULL;
}

/* The query's members, in ph_register_query's order (ph_routes.h). */
enum { RQ_PRODUCT, RQ_FROM, RQ_TO, RQ_FORMAT, RQ_AFTER, RQ_LIMIT };

#define REGISTER_PAGE_JSON	500	/* entries per JSON page unless limit says */
#define REGISTER_PAGE_MAX	1000	/* at most, per JSON page (the detail says so) */
#define REGISTER_PAGE_CSV	2000	/* entries fetched at a time for the CSV */

/* What one read of the register asked for, and where it has got to. */
struct rq {
	int64_t		 product;	/* 0: every product */
	const char	*from, *to;	/* dates, both included, or NULL */
	int64_t		 last;		/* the snapshot: no entry after this one */
	int64_t		 at_product;	/* the cursor: after this product … */
	int64_t		 at_id;		/* … and this entry of it (0, 0: the start) */
};

static bool
wants_csv(struct req *r)
{
	const char	*acc = req_env(r, "HTTP_ACCEPT");

	if (r->q.vals[RQ_FORMAT].present)
		return strcmp(r->q.vals[RQ_FORMAT].s, "csv") == 0;
	return acc != NULL && strstr(acc, "text/csv") != NULL &&
	    strstr(acc, "application/json") == NULL;
}

/* Up to n entries of q after its cursor, into *res (allocated from pool). */
static enum cerr
page(struct req *r, struct pool *pool, const struct rq *q, int64_t n, struct db_res **res)
{
	return db_exec(r->db, pool, res, SQL_REGISTER, "iissssiiiii", q->product, q->product,
	    q->from, q->from, q->to, q->to, q->last, q->at_product, q->at_product, q->at_id, n);
}

/* The CSV lines of entries [0, n) of res. */
static void
csv_rows(struct pool *pool, struct strbuf *b, const struct db_res *res, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++) {
		char **x = res->rows[i];

		icell(b, x[0], false);
		csv_cell(b, x[1], false);
		icell(b, x[2], false);
		csv_cell(b, pool_printf(pool, "%s %s", x[3], x[4]), false);
		csv_cell(b, x[5], false);
		csv_cell(b, x[6], false);
		icell(b, x[7], false);
		icell(b, x[8], false);
		csv_cell(b, x[9], false);
		csv_cell(b, x[10], false);
		icell(b, x[11], false);
		icell(b, x[12], false);
		csv_cell(b, x[13], false);
		icell(b, x[14], false);
		csv_cell(b, x[15], false);
		csv_cell(b, x[16], false);
		csv_cell(b, yesno(x[17]), false);
		csv_cell(b, yesno(x[18]), false);
		csv_cell(b, x[19], false);
		icell(b, x[20], false);
		csv_cell(b, x[21], false);
		csv_cell(b, x[23] == NULL ? "system" : x[22], true);
	}
}

/* Entries [0, n) of res as JSON objects appended to a; -1 when out of memory. */
static int
json_rows(struct pool *pool, struct json_object *a, const struct db_res *res, size_t n)
{
	struct json_object	*e;
	size_t			 i;

	for (i = 0; i < n; i++) {
		char **x = res->rows[i];

		if ((e = json_object_new_object()) == NULL || json_object_array_add(a, e) != 0) {
			json_object_put(e);
			return -1;
		}
		json_object_object_add(e, "id", jint(x[0]));
		json_object_object_add(e, "at", jstr(x[1]));
		json_object_object_add(e, "product_id", jint(x[2]));
		json_object_object_add(e, "product", jstr(pool_printf(pool, "%s %s", x[3], x[4])));
		json_object_object_add(e, "unit", jstr(x[5]));
		json_object_object_add(e, "kind", jstr(x[6]));
		json_object_object_add(e, "quantity", jint(x[7]));
		json_object_object_add(e, "balance", jint(x[8]));
		json_object_object_add(e, "batch_number", jstr(x[9]));
		json_object_object_add(e, "expiry_date", jstr(x[10]));
		json_object_object_add(e, "thc_ug_per_unit", jint(x[11]));
		json_object_object_add(e, "cbd_ug_per_unit", jint(x[12]));
		json_object_object_add(e, "counterparty", jstr(x[13]));
		json_object_object_add(e, "prescription_id", jint(x[14]));
		json_object_object_add(e, "prescriber", jstr(x[15]));
		json_object_object_add(e, "collector", jstr(x[16]));
		json_object_object_add(e, "id_requested", jbool(x[17]));
		json_object_object_add(e, "id_provided", jbool(x[18]));
		json_object_object_add(e, "witness", jstr(x[19]));
		json_object_object_add(e, "corrects_id", jint(x[20]));
		json_object_object_add(e, "reason", jstr(x[21]));
		json_object_object_add(e, "recorded_by", x[23] == NULL ?
		    json_object_new_string("system") : jstr(x[22]));
	}
	return 0;
}

/* How many entries of q's selection lie after its cursor, into *n. */
static enum cerr
count(struct req *r, const struct rq *q, int64_t *n)
{
	struct db_res	*res;
	enum cerr	 rc;

	if ((rc = db_exec(r->db, r->pool, &res, SQL_REGISTER_COUNT, "iissssiiii", q->product,
	    q->product, q->from, q->from, q->to, q->to, q->last, q->at_product, q->at_product,
	    q->at_id)) != CE_OK)
		return rc;
	*n = db_int(res->rows[0][0]);
	return CE_OK;
}

/*
 * The CSV: every entry of the selection (up to limit when given), read in
 * one transaction (one snapshot, so the pages fit together and match the
 * X-Register-Entries header) and written page by page from a pool of its
 * own, so that memory does not grow with the register. Before the first
 * byte a failure is an ordinary problem reply; after it the answer ends
 * short of X-Register-Entries, and the failure is logged and audited.
 */
static int
csv_stream(struct req *r, struct rq *q, int64_t limit)
{
	struct pool		*pp;
	struct db_res		*res = NULL;
	struct strbuf		 b;
	struct json_object	*d;
	const char		*disp, *total;
	int64_t			 left = limit, n, sent = 0, entries;
	enum cerr		 rc;
	bool			 begun = false;

	if ((rc = db_begin(r->db)) != CE_OK || (rc = count(r, q, &entries)) != CE_OK) {
		db_rollback(r->db);
		return reply_db(r, rc);
	}
	if (entries > limit)
		entries = limit;
	for (;;) {
		n = left < REGISTER_PAGE_CSV ? left : REGISTER_PAGE_CSV;
		if ((pp = pool_new()) == NULL) {
			rc = CE_NOMEM;
			break;
		}
		if ((rc = page(r, pp, q, n, &res)) != CE_OK) {
			pool_free(pp);
			break;
		}
		strbuf_init(&b, pp);
		if (!begun)
			strbuf_puts(&b, "id,at,product_id,product,unit,kind,quantity,balance,batch,"
			    "expiry_date,thc_ug_per_unit,cbd_ug_per_unit,counterparty,"
			    "prescription_id,prescriber,collector,id_requested,id_provided,"
			    "witness,corrects_id,reason,recorded_by\r\n");
		csv_rows(pp, &b, res, res->nrows);
		if (b.oom) {
			pool_free(pp);
			rc = CE_NOMEM;
			break;
		}
		if (!begun) {
			disp = pool_printf(r->pool, "attachment; filename=\"cd-register%s%s%s%s.csv\"",
			    q->from != NULL ? "-from-" : "", q->from != NULL ? q->from : "",
			    q->to != NULL ? "-to-" : "", q->to != NULL ? q->to : "");
			total = pool_printf(r->pool, "%" PRId64, entries);
			if (disp == NULL || total == NULL ||
			    reply_header(r, "Content-Type", "text/csv; charset=utf-8") != 0 ||
			    reply_header(r, "Content-Disposition", disp) != 0 ||
			    reply_header(r, "X-Register-Entries", total) != 0) {
				pool_free(pp);
				db_rollback(r->db);
				reply_reset(r);
				return reply_internal(r, "out of memory");
			}
			begun = true;
			if (reply_stream_begin(r, 200, -1) == -1) {
				pool_free(pp);
				rc = CE_GONE;
				break;
			}
		}
		if (reply_stream_write(r, b.s, b.len) == -1) {
			pool_free(pp);
			rc = CE_GONE;
			break;
		}
		sent += (int64_t)res->nrows;
		left -= (int64_t)res->nrows;
		if ((int64_t)res->nrows < n || left == 0) {
			pool_free(pp);
			db_rollback(r->db);	/* read only */
			return 200;
		}
		q->at_product = db_int(res->rows[res->nrows - 1][2]);
		q->at_id = db_int(res->rows[res->nrows - 1][0]);
		pool_free(pp);
	}
	db_rollback(r->db);
	if (!begun)
		return reply_db(r, rc);
	/* The head is gone: the reader is told by the short count; the trail says so too. */
	log_warn("pharmacy: the register's CSV stopped after %" PRId64 " of %" PRId64 " entries"
	    " (%s: the database, memory or the client went away)", sent, entries, cerr_str(rc));
	if ((d = json_object_new_object()) != NULL) {
		json_object_object_add(d, "entries", json_object_new_int64(entries));
		json_object_object_add(d, "entries_sent", json_object_new_int64(sent));
		json_object_object_add(d, "reason", json_object_new_string(cerr_str(rc)));
	}
	if (db_begin(r->db) != CE_OK)
		json_object_put(d);
	else if (audit_commit(r, "pharmacy.register_read", "ph_register", NULL, "failure", d) !=
	    CE_OK)
		db_rollback(r->db);
	return 200;
}

/* query: product, from, to, format, after, limit */
int
ph_register(struct req *r)
{
	struct rq		 q = { 0 };
	bool			 csv = wants_csv(r);
	int64_t			 limit, after = 0, entries;
	struct db_res		*res;
	struct json_object	*o, *a, *d;
	enum cerr		 rc;

	q.product = r->q.vals[RQ_PRODUCT].present ? r->q.vals[RQ_PRODUCT].i : 0;
	q.from = r->q.vals[RQ_FROM].present ? r->q.vals[RQ_FROM].s : NULL;
	q.to = r->q.vals[RQ_TO].present ? r->q.vals[RQ_TO].s : NULL;
	limit = r->q.vals[RQ_LIMIT].present ? r->q.vals[RQ_LIMIT].i :
	    csv ? INT64_MAX : REGISTER_PAGE_JSON;
	if (!csv && limit > REGISTER_PAGE_MAX)
		return reply_field(r, 422, "limit", "a page holds at most 1000 entries"
		    " (the CSV takes any number)");
	if (q.from != NULL && q.to != NULL && strcmp(q.from, q.to) > 0)
		return reply_field(r, 422, "to", "must not be before from");
	if (r->q.vals[RQ_AFTER].present) {
		after = r->q.vals[RQ_AFTER].i;
		if ((rc = db_exec(r->db, r->pool, &res, SQL_ENTRY, "i", after)) != CE_OK)
			return reply_db(r, rc);
		if (res->nrows != 1)
			return reply_field(r, 422, "after", "is not an entry of the register"
			    " (give next_after from the page before)");
		if (q.product != 0 && db_int(res->rows[0][0]) != q.product)
			return reply_field(r, 422, "after", "is an entry of another product than"
			    " the one asked for");
		q.at_product = db_int(res->rows[0][0]);
		q.at_id = after;
	}
	if ((rc = db_exec(r->db, r->pool, &res, SQL_REGISTER_LAST, "")) != CE_OK)
		return reply_db(r, rc);
	q.last = db_int(res->rows[0][0]);
	if (csv) {
		if ((rc = count(r, &q, &entries)) != CE_OK)
			return reply_db(r, rc);
		if (entries > limit)
			entries = limit;
	} else {
		/* one more than asked for says whether there is a next page */
		if ((rc = page(r, r->pool, &q, limit + 1, &res)) != CE_OK)
			return reply_db(r, rc);
		entries = (int64_t)res->nrows > limit ? limit : (int64_t)res->nrows;
	}
	/* the register names patients: who read it is recorded */
	if ((d = json_object_new_object()) != NULL) {
		json_object_object_add(d, "product", q.product != 0 ?
		    json_object_new_int64(q.product) : NULL);
		json_object_object_add(d, "from", jstr(q.from));
		json_object_object_add(d, "to", jstr(q.to));
		json_object_object_add(d, "after", after != 0 ? json_object_new_int64(after) : NULL);
		json_object_object_add(d, "format", json_object_new_string(csv ? "csv" : "json"));
		json_object_object_add(d, "entries", json_object_new_int64(entries));
	}
	if ((rc = db_begin(r->db)) != CE_OK ||
	    (rc = audit_commit(r, "pharmacy.register_read", "ph_register", NULL, "success", d))
	    != CE_OK)
		return reply_db(r, rc);
	if (csv)
		return csv_stream(r, &q, limit);
	if ((o = json_object_new_object()) == NULL || (a = json_object_new_array()) == NULL) {
		json_object_put(o);
		return reply_internal(r, "out of memory");
	}
	json_object_object_add(o, "items", a);
	if (json_rows(r->pool, a, res, (size_t)entries) != 0) {
		json_object_put(o);
		return reply_internal(r, "out of memory");
	}
	json_object_object_add(o, "next_after", (int64_t)res->nrows > limit ?
	    jint(res->rows[entries - 1][0]) : NULL);
	return reply_json(r, 200, o);
}

/* fields: quantity (signed, non-zero), reason */
int
ph_correction(struct req *r)
{
	int64_t			 id = req_id(r, "id");
	int64_t			 q = r->in.vals[0].i, product, batch, entry;
	struct db_res		*res, *b, *bal;
	struct json_object	*d, *o;
	struct ph_entry		 en;
	enum cerr		 rc;

	if (id == 0)
		return reply_problem(r, 404, "not-found", "No such register entry", NULL);
	if (q == 0)
		return reply_field(r, 422, "quantity", "a correction changes the stock: a signed,"
		    " non-zero whole number");
	if ((rc = db_begin(r->db)) != CE_OK)
		return reply_db(r, rc);
	if ((rc = db_exec(r->db, r->pool, &res, SQL_ENTRY, "i", id)) != CE_OK)
		return reply_db(r, rc);
	if (res->nrows != 1) {
		db_rollback(r->db);
		return reply_problem(r, 404, "not-found", "No such register entry", NULL);
	}
	product = db_int(res->rows[0][0]);
	batch = res->rows[0][1] != NULL ? db_int(res->rows[0][1]) : 0;
	if ((rc = ph_product_lock(r, product)) != CE_OK)
		return reply_db(r, rc);
	if (batch != 0) {
		if ((rc = db_exec(r->db, r->pool, &b, SQL_BATCH_LOCK, "i", batch)) != CE_OK)
			return reply_db(r, rc);
		if (b->nrows != 1 || db_int(b->rows[0][0]) + q < 0) {
			db_rollback(r->db);
			return reply_field(r, 422, "quantity", pool_printf(r->pool, "the batch has %s"
			    " on hand: it cannot go below zero", b->nrows == 1 ? b->rows[0][0] : "0"));
		}
		if ((rc = db_exec(r->db, r->pool, NULL, SQL_BATCH_ADD, "iii", q, batch, q)) != CE_OK)
			return reply_db(r, rc);
	} else {
		if ((rc = db_exec(r->db, r->pool, &bal, SQL_LAST_BALANCE, "i", product)) != CE_OK)
			return reply_db(r, rc);
		if (bal->nrows == 1 && db_int(bal->rows[0][0]) + q < 0) {
			db_rollback(r->db);
			return reply_field(r, 422, "quantity", "the balance cannot go below zero");
		}
	}
	memset(&en, 0, sizeof(en));
	en.product_id = product;
	en.batch_id = batch;
	en.kind = "correction";
	en.quantity = q;
	en.corrects_id = id;
	en.reason = r->in.vals[1].s;
	en.id_requested = en.id_provided = -1;
	en.recorded_by = r->who.user_id;
	if ((rc = ph_register_add(r, &en, &entry)) != CE_OK)
		return reply_db(r, rc);
	if ((d = json_object_new_object()) != NULL) {
		json_object_object_add(d, "corrects_id", json_object_new_int64(id));
		json_object_object_add(d, "quantity", json_object_new_int64(q));
		json_object_object_add(d, "reason", json_object_new_string(r->in.vals[1].s));
	}
	if ((rc = ph_audit(r, r->who.user_id, "pharmacy.register_corrected", "ph_register", entry,
	    d)) != CE_OK || (rc = ph_stock_changed(r, product, pool_printf(r->pool, "reg-%" PRId64,
	    entry))) != CE_OK || (rc = db_commit(r->db)) != CE_OK)
		return reply_db(r, rc);
	if ((rc = db_exec(r->db, r->pool, &bal, SQL_LAST_BALANCE, "i", product)) != CE_OK)
		return reply_db(r, rc);
	if ((o = json_object_new_object()) == NULL)
		return reply_internal(r, "out of memory");
	json_object_object_add(o, "id", json_object_new_int64(entry));
	json_object_object_add(o, "corrects_id", json_object_new_int64(id));
	json_object_object_add(o, "quantity", json_object_new_int64(q));
	json_object_object_add(o, "product_id", json_object_new_int64(product));
	json_object_object_add(o, "balance", bal->nrows == 1 ? json_object_new_int64(
	    db_int(bal->rows[0][0])) : NULL);
	return reply_json(r, 201, o);
}
