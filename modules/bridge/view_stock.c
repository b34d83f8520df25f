/*
 * Stock as the partner pharmacies report it (pharmacy_stock, fed by
 * bridge_apply()), per formulary product, for prescribers: available,
 * expected date, when the figure is from, and whether it is low (below the
 * product's low_stock_threshold, or bridge_low_stock_packs packs).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "conf.h"
#include "db.h"
#include "pool.h"
#include "reply.h"
#include "req.h"
#include "view.h"

static const char SQL_STOCK[] =
    "SELECT f.id, f.supplier, f.brand, f.name, f.form, f.supply_unit, f.pack_size,"
    " COALESCE(f.low_stock_threshold, f.pack_size * ?), s.partner_id, pp.name, s.available,"
    " DATE_FORMAT(s.expected_date, '%Y-%m-%d'), DATE_FORMAT(s.as_of, '%Y-%m-%dT%H:%i:%sZ')"
    " FROM formulary_product f LEFT JOIN pharmacy_stock s ON s.product_id = f.id"
    " LEFT JOIN pharmacy_partner pp ON pp.id = s.partner_id AND pp.active = 1"
    " WHERE f.active = 1 AND (? = 0 OR f.id = ?)"
    " ORDER BY f.form, f.brand, f.name, f.pack_size, f.id, pp.name, s.partner_id LIMIT 5000";

/* The partner pharmacies a prescription may be sent to (active ones). */
static const char SQL_PARTNERS[] =
    "SELECT id, code, name FROM pharmacy_partner WHERE active = 1 ORDER BY id LIMIT 500";

static void
add_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, v != NULL ? json_object_new_string(v) : NULL);
}

/* available|low|out_of_stock|unknown from what the partners report. */
static const char *
overall(bool any, bool some_enough, bool some_left)
{
	if (!any)
		return "unknown";
	if (some_enough)
		return "available";
	return some_left ? "low" : "out_of_stock";
}

int
stock_list(struct req *r)
{
	int64_t			 only = r->q.vals[0].present ? r->q.vals[0].i : 0;
	struct db_res		*res;
	struct json_object	*o, *a, *e = NULL, *ph = NULL, *p;
	int64_t			 cur = 0, thr = 0, avail;
	bool			 any = false, enough = false, left = false;
	size_t			 i;
	enum cerr		 rc;

	if ((rc = db_exec(r->db, r->pool, &res, SQL_STOCK, "iii", (int64_t)conf.bridge_low_stock_packs,
	    only, only)) != CE_OK)
		return reply_db(r, rc);
	if ((o = json_object_new_object()) == NULL || (a = json_object_new_array()) == NULL) {
		json_object_put(o);
		return reply_internal(r, "out of memory");
	}
	json_object_object_add(o, "products", a);
	for (i = 0; i <= res->nrows; i++) {
		char **c = i < res->nrows ? res->rows[i] : NULL;

		if (e != NULL && (c == NULL || db_int(c[0]) != cur)) {
			add_str(e, "status", overall(any, enough, left));
			json_object_array_add(a, e);
			e = NULL;
		}
		if (c == NULL)
			break;
		if (e == NULL) {
			if ((e = json_object_new_object()) == NULL || (ph = json_object_new_array()) == NULL) {
				json_object_put(e);
				json_object_put(o);
				return reply_internal(r, "out of memory");
			}
			cur = db_int(c[0]);
			thr = db_int(c[7]);
			any = enough = left = false;
			json_object_object_add(e, "product_id", json_object_new_int64(cur));
			add_str(e, "supplier", c[1]);
			add_str(e, "brand", c[2]);
			add_str(e, "name", c[3]);
			add_str(e, "form", c[4]);
			add_str(e, "supply_unit", c[5]);
			json_object_object_add(e, "pack_size", json_object_new_int64(db_int(c[6])));
			json_object_object_add(e, "low_threshold", json_object_new_int64(thr));
			json_object_object_add(e, "pharmacies", ph);
		}
		if (c[8] == NULL || c[9] == NULL)	/* no figure, or an inactive partner */
			continue;
		avail = db_int(c[10]);
		any = true;
		if (avail >= thr && avail > 0)
			enough = true;
		if (avail > 0)
			left = true;
		if ((p = json_object_new_object()) == NULL)
			continue;
		json_object_object_add(p, "id", json_object_new_int64(db_int(c[8])));
		add_str(p, "name", c[9]);
		json_object_object_add(p, "available", json_object_new_int64(avail));
		add_str(p, "unit", c[5]);
		add_str(p, "expected_date", c[11]);
		add_str(p, "as_of", c[12]);
		json_object_object_add(p, "low", json_object_new_boolean(avail < thr || avail == 0));
		json_object_array_add(ph, p);
	}
	return reply_json(r, 200, o);
}

/* GET /api/v1/bridge/partners: {"partners": [{id, code, name}]}, the active ones, first first. */
int
partners_list(struct req *r)
{
	struct db_res		*res;
	struct json_object	*o, *a, *p;
	size_t			 i;
	enum cerr		 rc;

	if ((rc = db_exec(r->db, r->pool, &res, SQL_PARTNERS, "")) != CE_OK)
		return reply_db(r, rc);
	if ((o = json_object_new_object()) == NULL || (a = json_object_new_array()) == NULL) {
		json_object_put(o);
		return reply_internal(r, "out of memory");
	}
	json_object_object_add(o, "partners", a);
	for (i = 0; i < res->nrows; i++) {
		if ((p = json_object_new_object()) == NULL || json_object_array_add(a, p) != 0) {
			json_object_put(p);
			json_object_put(o);
			return reply_internal(r, "out of memory");
		}
		json_object_object_add(p, "id", json_object_new_int64(db_int(res->rows[i][0])));
		add_str(p, "code", res->rows[i][1]);
		add_str(p, "name", res->rows[i][2]);
	}
	return reply_json(r, 200, o);
}
