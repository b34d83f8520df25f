/*
 * The formulary (issue 5, docs/API.md#formulary): the products clinicians
 * may put in a plan and prescribe. Admins add and edit them; nobody removes
 * one (prescriptions name them): a withdrawn product is inactive.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "audit.h"
#include "conf.h"
#include "db.h"
#include "patient.h"
#include "pool.h"
#include "reply.h"
#include "req.h"
#include "rx.h"

#define PRODUCT_COLS	"id, supplier, brand, name, form, supply_unit, pack_size," \
	" thc_ug_per_unit, cbd_ug_per_unit, active"

static const char SQL_ONE[] =
    "SELECT " PRODUCT_COLS " FROM formulary_product WHERE id = ?";
static const char SQL_ONE_LOCK[] =
    "SELECT " PRODUCT_COLS " FROM formulary_product WHERE id = ? FOR UPDATE";
static const char SQL_LIST[] =
    "SELECT " PRODUCT_COLS " FROM formulary_product"
    " WHERE (? IS NULL OR LOCATE(LOWER(?), LOWER(CONCAT_WS(' ', supplier, brand, name))) > 0)"
    " AND (? IS NULL OR form = ?) AND (? = 1 OR active = 1)"
    " ORDER BY active DESC, form, brand, name, pack_size, id LIMIT 500";
static const char SQL_INSERT[] =
    "INSERT INTO formulary_product (supplier, brand, name, form, supply_unit, pack_size,"
    " thc_ug_per_unit, cbd_ug_per_unit, active, created_at, updated_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, 1, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))";
static const char SQL_THRESHOLD[] =
    "UPDATE formulary_product SET low_stock_threshold = ? WHERE id = ?";
static const char SQL_THRESHOLD_OLD[] =
    "SELECT low_stock_threshold FROM formulary_product WHERE id = ?";
static const char SQL_UPDATE[] =
    "UPDATE formulary_product SET supplier = ?, brand = ?, name = ?, form = ?,"
    " supply_unit = ?, pack_size = ?, thc_ug_per_unit = ?, cbd_ug_per_unit = ?,"
    " active = ?, updated_at = UTC_TIMESTAMP(6) WHERE id = ?";

static const struct {
	const char	*form, *unit, *label;
} forms[] = {
	{ "flower", "mg", "Flower" },
	{ "oil", "ul", "Oil" },
	{ "capsule", "each", "Capsule" },
	{ "vape_cartridge", "each", "Vape cartridge" },
	{ "pastille", "each", "Pastille" },
	{ "spray", "ul", "Spray" },
};

const char *
form_unit(const char *form)
{
	size_t	i;

	if (form == NULL)
		return NULL;
	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++)
		if (strcmp(forms[i].form, form) == 0)
			return forms[i].unit;
	return NULL;
}

const char *
form_label(const char *form)
{
	size_t	i;

	if (form == NULL)
		return NULL;
	for (i = 0; i < sizeof(forms) / sizeof(forms[0]); i++)
		if (strcmp(forms[i].form, form) == 0)
			return forms[i].label;
	return NULL;
}

const char *
unit_label(const char *unit, const char *form)
{
	if (unit == NULL)
		return NULL;
	if (strcmp(unit, "mg") == 0)
		return "g";
	if (strcmp(unit, "ul") == 0)
		return "ml";
	return form_noun(form, true);
}

/* "THC 22% · CBD <1%", "THC 10 mg/ml · CBD 5 mg/ml", "THC 5 mg · CBD 0 mg per capsule". */
char *
strength_label(struct pool *p, const char *form, const char *unit, int64_t thc, int64_t cbd)
{
	char	*t, *c;

	if (unit == NULL)
		return NULL;
	if (strcmp(unit, "mg") == 0) {
		/* micrograms per milligram: 10 ug/mg = 1 % w/w */
		t = thc > 0 && thc < 10 ? pool_strdup(p, "<1") : decimal_text(p, thc, 1);
		c = cbd < 10 ? pool_strdup(p, "<1") : decimal_text(p, cbd, 1);
		if (t == NULL || c == NULL)
			return NULL;
		return pool_printf(p, "THC %s%% \xc2\xb7 CBD %s%%", t, c);
	}
	if (strcmp(unit, "ul") == 0)	/* ug per ul = mg per ml */
		return pool_printf(p, "THC %" PRId64 " mg/ml \xc2\xb7 CBD %" PRId64 " mg/ml",
		    thc, cbd);
	if ((t = decimal_text(p, thc, 3)) == NULL || (c = decimal_text(p, cbd, 3)) == NULL)
		return NULL;
	return pool_printf(p, "THC %s mg \xc2\xb7 CBD %s mg per %s", t, c, form_noun(form, false));
}

/* One row of PRODUCT_COLS into *p (strings borrowed from the row). */
static void
product_from_row(char **row, struct product *p)
{
	p->id = db_int(row[0]);
	p->supplier = row[1];
	p->brand = row[2];
	p->name = row[3];
	p->form = row[4];
	p->supply_unit = row[5];
	p->pack_size = db_int(row[6]);
	p->thc_ug = db_int(row[7]);
	p->cbd_ug = db_int(row[8]);
	p->active = db_int(row[9]) != 0;
}

static enum cerr
product_load_sql(struct req *r, const char *sql, int64_t id, struct product *p)
{
	struct db_res	*res;
	enum cerr	 rc;

	if ((rc = db_exec(r->db, r->pool, &res, sql, "i", id)) != CE_OK)
		return rc;
	if (res->nrows != 1)
		return CE_NOTFOUND;
	product_from_row(res->rows[0], p);
	return CE_OK;
}

enum cerr
product_load(struct req *r, int64_t id, struct product *p)
{
	return product_load_sql(r, SQL_ONE, id, p);
}

/*
 * Where the product can be had, as the partner pharmacies last reported it
 * (pharmacy_stock, fed by the bridge, issue 6): per active partner the
 * figure, when it is from and whether it is low (below the product's
 * low_stock_threshold, or bridge_low_stock_packs packs); overall
 * "available" when some pharmacy has enough, "low" when some has a little,
 * "out_of_stock" when none has any, "unknown" when none has reported.
 * *stored is the product's own threshold (-1: none, the setting applies).
 */
static const char SQL_AVAILABILITY[] =
    "SELECT COALESCE(f.low_stock_threshold, f.pack_size * ?), f.low_stock_threshold,"
    " s.partner_id, pp.name, s.available, DATE_FORMAT(s.expected_date, '%Y-%m-%d'),"
    " DATE_FORMAT(s.as_of, '%Y-%m-%dT%H:%i:%sZ')"
    " FROM formulary_product f LEFT JOIN (pharmacy_stock s JOIN pharmacy_partner pp"
    " ON pp.id = s.partner_id AND pp.active = 1) ON s.product_id = f.id"
    " WHERE f.id = ? ORDER BY pp.name, s.partner_id";

static struct json_object *
product_availability(struct req *r, const struct product *p, int64_t *threshold,
    int64_t *stored)
{
	struct json_object	*o, *a, *e;
	struct db_res		*res;
	int64_t			 avail, thr = 0;
	bool			 any = false, enough = false, left = false;
	size_t			 i;

	*threshold = 0;
	*stored = -1;
	if (db_exec(r->db, r->pool, &res, SQL_AVAILABILITY, "ii",
	    (int64_t)conf.bridge_low_stock_packs, p->id) != CE_OK)
		return NULL;
	if ((o = json_object_new_object()) == NULL || (a = json_object_new_array()) == NULL) {
		json_object_put(o);
		return NULL;
	}
	for (i = 0; i < res->nrows; i++) {
		char **c = res->rows[i];

		thr = db_int(c[0]);
		if (c[1] != NULL)
			*stored = db_int(c[1]);
		if (c[2] == NULL)
			continue;
		avail = db_int(c[4]);
		any = true;
		if (avail > 0 && avail >= thr)
			enough = true;
		if (avail > 0)
			left = true;
		if ((e = json_object_new_object()) == NULL)
			continue;
		json_object_object_add(e, "id", json_object_new_int64(db_int(c[2])));
		json_object_object_add(e, "name", json_object_new_string(c[3] != NULL ? c[3] : ""));
		json_object_object_add(e, "available", json_object_new_int64(avail));
		json_object_object_add(e, "unit", json_object_new_string(p->supply_unit));
		json_object_object_add(e, "expected_date", c[5] != NULL ?
		    json_object_new_string(c[5]) : NULL);
		json_object_object_add(e, "as_of", c[6] != NULL ? json_object_new_string(c[6]) : NULL);
		json_object_object_add(e, "low", json_object_new_boolean(avail == 0 || avail < thr));
		json_object_array_add(a, e);
	}
	*threshold = thr;
	json_object_object_add(o, "status", json_object_new_string(!any ? "unknown" :
	    enough ? "available" : left ? "low" : "out_of_stock"));
	json_object_object_add(o, "pharmacies", a);
	return o;
}

struct json_object *
product_json(struct req *r, const struct product *p)
{
	struct json_object	*o, *av;
	const char		*pack, *strength, *ul;
	int64_t			 thr, stored;

	pack = amount_figures(r->pool, p->supply_unit, p->form, p->pack_size);
	strength = strength_label(r->pool, p->form, p->supply_unit, p->thc_ug, p->cbd_ug);
	ul = unit_label(p->supply_unit, p->form);
	if (pack == NULL || strength == NULL || ul == NULL)
		return NULL;
	if ((o = json_object_new_object()) == NULL)
		return NULL;
	if ((av = product_availability(r, p, &thr, &stored)) == NULL) {
		json_object_put(o);
		return NULL;
	}
	json_object_object_add(o, "id", json_object_new_int64(p->id));
	json_object_object_add(o, "supplier", json_object_new_string(p->supplier));
	json_object_object_add(o, "brand", json_object_new_string(p->brand));
	json_object_object_add(o, "name", json_object_new_string(p->name));
	json_object_object_add(o, "form", json_object_new_string(p->form));
	json_object_object_add(o, "form_label", json_object_new_string(form_label(p->form) != NULL ?
	    form_label(p->form) : p->form));
	json_object_object_add(o, "supply_unit", json_object_new_string(p->supply_unit));
	json_object_object_add(o, "unit_label", json_object_new_string(ul));
	json_object_object_add(o, "pack_size", json_object_new_int64(p->pack_size));
	json_object_object_add(o, "pack_label", json_object_new_string(pack));
	json_object_object_add(o, "thc_ug_per_unit", json_object_new_int64(p->thc_ug));
	json_object_object_add(o, "cbd_ug_per_unit", json_object_new_int64(p->cbd_ug));
	json_object_object_add(o, "strength_label", json_object_new_string(strength));
	json_object_object_add(o, "active", json_object_new_boolean(p->active));
	json_object_object_add(o, "low_stock_threshold", stored >= 0 ?
	    json_object_new_int64(stored) : NULL);
	json_object_object_add(o, "low_threshold", json_object_new_int64(thr));
	json_object_object_add(o, "availability", av);
	return o;
}

char *
product_title(struct pool *pool, const struct product *p)
{
	return pool_printf(pool, "%s %s", p->brand, p->name);
}

int
formulary_list(struct req *r)
{
	struct db_res		*res;
	struct json_object	*o, *a, *one;
	struct product		 p;
	const char		*q = r->q.vals[0].present && r->q.vals[0].len > 0 ? r->q.vals[0].s : NULL;
	const char		*form = r->q.vals[1].present ? r->q.vals[1].s : NULL;
	int64_t			 all = r->q.vals[2].present ? r->q.vals[2].i : 0;
	size_t			 i;
	enum cerr		 rc;

	if ((rc = db_exec(r->db, r->pool, &res, SQL_LIST, "ssssi", q, q, form, form,
	    all)) != CE_OK)
		return reply_db(r, rc);
	if ((o = json_object_new_object()) == NULL || (a = json_object_new_array()) == NULL) {
		json_object_put(o);
		return reply_internal(r, "out of memory");
	}
	json_object_object_add(o, "products", a);
	for (i = 0; i < res->nrows; i++) {
		product_from_row(res->rows[i], &p);
		if ((one = product_json(r, &p)) == NULL) {
			json_object_put(o);
			return reply_internal(r, "out of memory");
		}
		json_object_array_add(a, one);
	}
	return reply_json(r, 200, o);
}

int
formulary_get(struct req *r)
{
	struct product		 p;
	struct json_object	*o;
	int64_t			 id = req_id(r, "id");
	enum cerr		 rc;

	if (id == 0 || (rc = product_load(r, id, &p)) == CE_NOTFOUND)
		return reply_problem(r, 404, "not-found", "No such product", NULL);
	if (rc != CE_OK)
		return reply_db(r, rc);
	if ((o = product_json(r, &p)) == NULL)
		return reply_internal(r, "out of memory");
	return reply_json(r, 200, o);
}

/*
 * The body of POST and PUT (the same table order: supplier, brand, name,
 * form, pack_size, thc, cbd, low_stock_threshold[, active]) into *p
 * (the threshold is written apart). Checks what the field table cannot:
 * content that no product of that form can have. Replies and returns the
 * status on a problem, 0 when fine.
 */
static int
product_from_body(struct req *r, struct product *p)
{
	struct verr	 errs[2];
	size_t		 n = 0;

	p->supplier = r->in.vals[0].s;
	p->brand = r->in.vals[1].s;
	p->name = r->in.vals[2].s;
	p->form = r->in.vals[3].s;
	p->supply_unit = form_unit(p->form);
	p->pack_size = r->in.vals[4].i;
	p->thc_ug = r->in.vals[5].i;
	p->cbd_ug = r->in.vals[6].i;
	if (p->supply_unit == NULL)
		return reply_field(r, 422, "form", "is not a form the formulary knows");
	/* by weight (ug per mg) or by volume (ug per ul = mg/ml) at most 100 % / 1000 mg/ml */
	if (strcmp(p->supply_unit, "each") != 0) {
		if (p->thc_ug > 1000)
			errs[n++] = (struct verr){ "thc_ug_per_unit", strcmp(p->supply_unit, "mg") == 0 ?
			    "must be at most 1000 micrograms per milligram (100 %)" :
			    "must be at most 1000 micrograms per microlitre (1000 mg/ml)" };
		if (p->cbd_ug > 1000)
			errs[n++] = (struct verr){ "cbd_ug_per_unit", strcmp(p->supply_unit, "mg") == 0 ?
			    "must be at most 1000 micrograms per milligram (100 %)" :
			    "must be at most 1000 micrograms per microlitre (1000 mg/ml)" };
		if (n == 0 && strcmp(p->supply_unit, "mg") == 0 && p->thc_ug + p->cbd_ug > 1000) {
			errs[n++] = (struct verr){ "cbd_ug_per_unit",
			    "THC and CBD together cannot be more than 100 % of the weight" };
		}
	}
	if (n > 0)
		return reply_invalid(r, 422, errs, n);
	return 0;
}

static int
product_reply(struct req *r, int status, int64_t id)
{
	struct product		 p;
	struct json_object	*o;
	enum cerr		 rc;

	if ((rc = product_load(r, id, &p)) != CE_OK)
		return rc == CE_NOTFOUND ? reply_internal(r, "product vanished") : reply_db(r, rc);
	if ((o = product_json(r, &p)) == NULL)
		return reply_internal(r, "out of memory");
	return reply_json(r, status, o);
}

static struct json_object *
product_audit(const struct product *p)
{
	struct json_object	*d = json_object_new_object();

	if (d == NULL)
		return NULL;
	json_object_object_add(d, "supplier", json_object_new_string(p->supplier));
	json_object_object_add(d, "brand", json_object_new_string(p->brand));
	json_object_object_add(d, "name", json_object_new_string(p->name));
	json_object_object_add(d, "form", json_object_new_string(p->form));
	json_object_object_add(d, "pack_size", json_object_new_int64(p->pack_size));
	json_object_object_add(d, "thc_ug_per_unit", json_object_new_int64(p->thc_ug));
	json_object_object_add(d, "cbd_ug_per_unit", json_object_new_int64(p->cbd_ug));
	json_object_object_add(d, "active", json_object_new_boolean(p->active));
	return d;
}

int
formulary_create(struct req *r)
{
	struct product	 p;
	struct json_object *d;
	char		 ids[24];
	int64_t		 id;
	int		 st;
	enum cerr	 rc;

	if ((st = product_from_body(r, &p)) != 0)
		return st;
	p.active = true;
	if ((rc = db_begin(r->db)) != CE_OK)
		return reply_db(r, rc);
	rc = db_exec(r->db, r->pool, NULL, SQL_INSERT, "sssssiii", p.supplier, p.brand, p.name,
	    p.form, p.supply_unit, p.pack_size, p.thc_ug, p.cbd_ug);
	if (rc == CE_DUPLICATE) {
		db_rollback(r->db);
		return reply_problem(r, 409, "product-exists", "This product is in the formulary already",
		    "A product with the same supplier, brand, name, form and pack size exists.");
	}
	if (rc != CE_OK)
		return reply_db(r, rc);
	id = (int64_t)db_insert_id(r->db);
	if (r->in.vals[7].present && (rc = db_exec(r->db, r->pool, NULL, SQL_THRESHOLD, "ii",
	    r->in.vals[7].i, id)) != CE_OK)
		return reply_db(r, rc);
	(void)snprintf(ids, sizeof(ids), "%" PRId64, id);
	if ((d = product_audit(&p)) != NULL && r->in.vals[7].present)
		json_object_object_add(d, "low_stock_threshold",
		    json_object_new_int64(r->in.vals[7].i));
	if ((rc = audit_commit(r, "formulary.create", "formulary_product", ids, "success",
	    d)) != CE_OK)
		return reply_db(r, rc);
	return product_reply(r, 201, id);
}

/* Adds "field": {"before", "after"} to d when the values differ. */
static void
change_s(struct json_object *d, const char *field, const char *a, const char *b)
{
	struct json_object	*c;

	if (strcmp(a, b) == 0 || (c = json_object_new_object()) == NULL)
		return;
	json_object_object_add(c, "before", json_object_new_string(a));
	json_object_object_add(c, "after", json_object_new_string(b));
	json_object_object_add(d, field, c);
}

static void
change_i(struct json_object *d, const char *field, int64_t a, int64_t b)
{
	struct json_object	*c;

	if (a == b || (c = json_object_new_object()) == NULL)
		return;
	json_object_object_add(c, "before", json_object_new_int64(a));
	json_object_object_add(c, "after", json_object_new_int64(b));
	json_object_object_add(d, field, c);
}

static void
change_b(struct json_object *d, const char *field, bool a, bool b)
{
	struct json_object	*c;

	if (a == b || (c = json_object_new_object()) == NULL)
		return;
	json_object_object_add(c, "before", json_object_new_boolean(a));
	json_object_object_add(c, "after", json_object_new_boolean(b));
	json_object_object_add(d, field, c);
}

int
formulary_update(struct req *r)
{
	struct product		 p, old;
	struct json_object	*d, *c;
	struct db_res		*res;
	char			 ids[24];
	int64_t			 id = req_id(r, "id");
	int			 st;
	enum cerr		 rc;

	if (id == 0)
		return reply_problem(r, 404, "not-found", "No such product", NULL);
	if ((st = product_from_body(r, &p)) != 0)
		return st;
	if ((rc = db_begin(r->db)) != CE_OK)
		return reply_db(r, rc);
	if ((rc = product_load_sql(r, SQL_ONE_LOCK, id, &old)) == CE_NOTFOUND) {
		db_rollback(r->db);
		return reply_problem(r, 404, "not-found", "No such product", NULL);
	}
	if (rc != CE_OK)
		return reply_db(r, rc);
	/* plans and prescriptions hold amounts in the product's unit: it stays */
	if (strcmp(old.supply_unit, p.supply_unit) != 0) {
		db_rollback(r->db);
		return reply_field(r, 422, "form", "cannot change to a form measured in another unit"
		    " (grams, millilitres or counts): add it as a new product");
	}
	p.id = id;
	p.active = r->in.vals[8].present ? r->in.vals[8].i != 0 : old.active;
	rc = db_exec(r->db, r->pool, NULL, SQL_UPDATE, "sssssiiiii", p.supplier, p.brand, p.name,
	    p.form, p.supply_unit, p.pack_size, p.thc_ug, p.cbd_ug, (int64_t)(p.active ? 1 : 0), id);
	if (rc == CE_DUPLICATE) {
		db_rollback(r->db);
		return reply_problem(r, 409, "product-exists", "This product is in the formulary already",
		    "Another product has the same supplier, brand, name, form and pack size.");
	}
	if (rc != CE_OK)
		return reply_db(r, rc);
	if ((d = json_object_new_object()) == NULL) {
		db_rollback(r->db);
		return reply_internal(r, "out of memory");
	}
	change_s(d, "supplier", old.supplier, p.supplier);
	change_s(d, "brand", old.brand, p.brand);
	change_s(d, "name", old.name, p.name);
	change_s(d, "form", old.form, p.form);
	change_i(d, "pack_size", old.pack_size, p.pack_size);
	change_i(d, "thc_ug_per_unit", old.thc_ug, p.thc_ug);
	change_i(d, "cbd_ug_per_unit", old.cbd_ug, p.cbd_ug);
	change_b(d, "active", old.active, p.active);
	/* low_stock_threshold: absent keeps it (editors that do not know it leave it be) */
	if (r->in.vals[7].present) {
		if ((rc = db_exec(r->db, r->pool, &res, SQL_THRESHOLD_OLD, "i", id)) != CE_OK ||
		    (rc = db_exec(r->db, r->pool, NULL, SQL_THRESHOLD, "ii", r->in.vals[7].i,
		    id)) != CE_OK) {
			json_object_put(d);
			return reply_db(r, rc);
		}
		if (res->nrows == 1 && (res->rows[0][0] == NULL ||
		    db_int(res->rows[0][0]) != r->in.vals[7].i) &&
		    (c = json_object_new_object()) != NULL) {
			json_object_object_add(c, "before", res->rows[0][0] != NULL ?
			    json_object_new_int64(db_int(res->rows[0][0])) : NULL);
			json_object_object_add(c, "after", json_object_new_int64(r->in.vals[7].i));
			json_object_object_add(d, "low_stock_threshold", c);
		}
	}
	(void)snprintf(ids, sizeof(ids), "%" PRId64, id);
	if ((rc = audit_commit(r, "formulary.update", "formulary_product", ids, "success",
	    d)) != CE_OK)
		return reply_db(r, rc);
	return product_reply(r, 200, id);
}
