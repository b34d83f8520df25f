/*
 * Controlled-drug reports (docs/API.md#reports), for admins and auditors:
 * totals prescribed over a period by product, prescriber or patient, and
 * each patient's running 30-day totals against their plans' ceilings. JSON,
 * or CSV to download. Reading one is recorded (report.read).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "audit.h"
#include "db.h"
#include "pool.h"
#include "reply.h"
#include "req.h"
#include "strbuf.h"
#include "rx.h"

#define LIVE	RX_LIVE_STATUSES

/* Counted: signed at all in [from, to). Cancelled after signing: counted apart. */
#define TOTAL_SUMS \
	" SUM(p.status <> 'cancelled'), SUM(p.status = 'cancelled')," \
	" SUM(IF(p.status <> 'cancelled', p.quantity, 0))," \
	" SUM(IF(p.status <> 'cancelled', p.thc_ug_total, 0))," \
	" SUM(IF(p.status <> 'cancelled', p.cbd_ug_total, 0))"

static const char SQL_BY_PRODUCT[] =
    "SELECT f.id, f.supplier, f.brand, f.name, f.form, f.supply_unit, f.pack_size,"
    " f.thc_ug_per_unit, f.cbd_ug_per_unit, f.active," TOTAL_SUMS
    " FROM prescription p JOIN formulary_product f ON f.id = p.product_id"
    " WHERE p.signed_at IS NOT NULL AND p.signed_at >= ? AND p.signed_at < ?"
    " GROUP BY f.id ORDER BY f.brand, f.name, f.id";
static const char SQL_BY_PRESCRIBER[] =
    "SELECT u.id, u.given_name, u.family_name, u.gmc_number, f.supply_unit," TOTAL_SUMS
    " FROM prescription p JOIN formulary_product f ON f.id = p.product_id"
    " JOIN users u ON u.id = p.prescriber_id"
    " WHERE p.signed_at IS NOT NULL AND p.signed_at >= ? AND p.signed_at < ?"
    " GROUP BY u.id, f.supply_unit ORDER BY u.family_name, u.given_name, u.id, f.supply_unit";
static const char SQL_BY_PATIENT[] =
    "SELECT u.id, u.given_name, u.family_name, NULL, f.supply_unit," TOTAL_SUMS
    " FROM prescription p JOIN formulary_product f ON f.id = p.product_id"
    " JOIN users u ON u.id = p.patient_id"
    " WHERE p.signed_at IS NOT NULL AND p.signed_at >= ? AND p.signed_at < ?"
    " GROUP BY u.id, f.supply_unit ORDER BY u.family_name, u.given_name, u.id, f.supply_unit";
/*
 * Live prescriptions in the 30 days ending now, per patient and product;
 * then one row (product columns NULL) for each patient with an active plan
 * and none of those: zero usage against their ceilings.
 */
#define RUNNING_WINDOW \
	" p.status IN " LIVE " AND p.effective_at > UTC_TIMESTAMP(6) - INTERVAL 30 DAY" \
	" AND p.effective_at <= UTC_TIMESTAMP(6)"
static const char SQL_RUNNING[] =
    "SELECT p.patient_id, u.given_name, u.family_name, f.id, f.supplier, f.brand, f.name,"
    " f.form, f.supply_unit, f.pack_size, f.thc_ug_per_unit, f.cbd_ug_per_unit, f.active,"
    " SUM(p.quantity), SUM(p.thc_ug_total)"
    " FROM prescription p JOIN formulary_product f ON f.id = p.product_id"
    " JOIN users u ON u.id = p.patient_id"
    " WHERE" RUNNING_WINDOW " AND (? = 0 OR p.patient_id = ?)"
    " GROUP BY p.patient_id, f.id"
    " UNION ALL SELECT u.id, u.given_name, u.family_name, NULL, NULL, NULL, NULL, NULL, NULL,"
    " NULL, NULL, NULL, NULL, NULL, NULL FROM users u"
    " WHERE (? = 0 OR u.id = ?) AND EXISTS (SELECT 1 FROM treatment_plan t"
    " WHERE t.patient_id = u.id AND t.status = 'active')"
    " AND NOT EXISTS (SELECT 1 FROM prescription p WHERE p.patient_id = u.id AND"
    RUNNING_WINDOW ")"
    " ORDER BY 3, 2, 1, 4";
static const char SQL_ACTIVE_PLANS[] =
    "SELECT " PLAN_COLS " FROM treatment_plan WHERE patient_id = ? AND status = 'active'"
    " ORDER BY id";
static const char SQL_WINDOW[] =
    "SELECT DATE_FORMAT(UTC_TIMESTAMP() - INTERVAL 30 DAY, '%Y-%m-%dT%H:%i:%sZ'),"
    " DATE_FORMAT(UTC_TIMESTAMP(), '%Y-%m-%dT%H:%i:%sZ')";

/* Milligrams from micrograms, rounded half up. */
static int64_t
mg(int64_t ug)
{
	return (ug + 500) / 1000;
}

/*
 * The UTC instant ("YYYY-MM-DD hh:mm:ss") of local midnight at the start of
 * date + days, in the clinic's zone (plan_today() has set it). 0, or -1.
 */
static int
local_midnight(const char *date, int days, char out[20])
{
	struct tm	 tm;
	time_t		 t;

	memset(&tm, 0, sizeof(tm));
	tm.tm_year = (date[0] - '0') * 1000 + (date[1] - '0') * 100 + (date[2] - '0') * 10 +
	    (date[3] - '0') - 1900;
	tm.tm_mon = (date[5] - '0') * 10 + (date[6] - '0') - 1;
	tm.tm_mday = (date[8] - '0') * 10 + (date[9] - '0') + days;
	tm.tm_isdst = -1;
	if ((t = mktime(&tm)) == (time_t)-1 || gmtime_r(&t, &tm) == NULL ||
	    strftime(out, 20, "%Y-%m-%d %H:%M:%S", &tm) != 19)
		return -1;
	return 0;
}

static const char *
units_label(struct pool *p, const int64_t q[3])
{
	static const char *const units[3] = { "mg", "ul", "each" };
	const char	*s = NULL, *one;
	int		 i;

	for (i = 0; i < 3; i++) {
		if (q[i] == 0)
			continue;
		if ((one = amount_figures(p, units[i], NULL, q[i])) == NULL)
			return NULL;
		s = s == NULL ? one : pool_printf(p, "%s + %s", s, one);
		if (s == NULL)
			return NULL;
	}
	return s != NULL ? s : "0";
}

static int
audit_read(struct req *r, struct json_object *d)
{
	enum cerr	rc;

	if ((rc = db_begin(r->db)) != CE_OK ||
	    (rc = audit_commit(r, "report.read", "report", NULL, "success", d)) != CE_OK)
		return reply_db(r, rc);
	return 0;
}

int
reports_totals(struct req *r)
{
	struct db_res		*res;
	struct json_object	*o, *rows, *row, *key, *qo, *d;
	struct product		 p;
	struct strbuf		 b;
	const char		*by = r->q.vals[0].present ? r->q.vals[0].s : "product";
	const char		*from = r->q.vals[1].present ? r->q.vals[1].s : NULL;
	const char		*to = r->q.vals[2].present ? r->q.vals[2].s : NULL;
	bool			 csv = r->q.vals[3].present && strcmp(r->q.vals[3].s, "csv") == 0;
	bool			 prod = strcmp(by, "product") == 0;
	char			 today[11], t0[20], t1[20], *name;
	const char		*sql, *label;
	int64_t			 q[3];
	size_t			 i, j;
	int			 st, u;
	enum cerr		 rc;

	strbuf_init(&b, r->pool);
	plan_today(today);
	if (to == NULL)
		to = pool_strdup(r->pool, today);
	if (from == NULL)
		from = pool_printf(r->pool, "%.8s01", to);
	if (from == NULL || to == NULL)
		return reply_internal(r, "out of memory");
	if (strcmp(from, to) > 0)
		return reply_field(r, 422, "to", "must be on or after from");
	if (local_midnight(from, 0, t0) != 0 || local_midnight(to, 1, t1) != 0)
		return reply_internal(r, "a date could not be converted");
	sql = prod ? SQL_BY_PRODUCT : strcmp(by, "prescriber") == 0 ? SQL_BY_PRESCRIBER :
	    SQL_BY_PATIENT;
	if ((rc = db_exec(r->db, r->pool, &res, sql, "ss", t0, t1)) != CE_OK)
		return reply_db(r, rc);
	if ((d = json_object_new_object()) != NULL) {
		json_object_object_add(d, "report", json_object_new_string("totals"));
		json_object_object_add(d, "by", json_object_new_string(by));
		json_object_object_add(d, "from", json_object_new_string(from));
		json_object_object_add(d, "to", json_object_new_string(to));
		json_object_object_add(d, "format", json_object_new_string(csv ? "csv" : "json"));
	}
	if ((st = audit_read(r, d)) != 0)
		return st;
	if (csv) {
		if (prod)
			strbuf_puts(&b, "product_id,supplier,brand,name,form,prescriptions,cancelled,"
			    "quantity,unit,quantity_label,thc_mg,cbd_mg\r\n");
		else
			strbuf_puts(&b, pool_printf(r->pool, "%s_id,name,%sprescriptions,cancelled,"
			    "quantity_mg,quantity_ul,quantity_each,quantity_label,thc_mg,cbd_mg\r\n",
			    by, prod || strcmp(by, "prescriber") != 0 ? "" : "registration_number,"));
	}
	if ((o = json_object_new_object()) == NULL || (rows = json_object_new_array()) == NULL) {
		json_object_put(o);
		return reply_internal(r, "out of memory");
	}
	json_object_object_add(o, "by", json_object_new_string(by));
	json_object_object_add(o, "from", json_object_new_string(from));
	json_object_object_add(o, "to", json_object_new_string(to));
	json_object_object_add(o, "rows", rows);
	for (i = 0; i < res->nrows; i = j) {
		char		**c = res->rows[i];
		int64_t		 n = 0, nc = 0, thc = 0, cbd = 0;
		int		 base = prod ? 10 : 5;

		memset(q, 0, sizeof(q));
		/* by product: one row; otherwise one row per supply unit of the same person */
		for (j = i; j < res->nrows && (j == i || (!prod &&
		    db_int(res->rows[j][0]) == db_int(c[0]))); j++) {
			char	**x = res->rows[j];
			const char *unit = prod ? x[5] : x[4];

			u = strcmp(unit, "mg") == 0 ? 0 : strcmp(unit, "ul") == 0 ? 1 : 2;
			n += db_int(x[base]);
			nc += db_int(x[base + 1]);
			q[u] += db_int(x[base + 2]);
			thc += db_int(x[base + 3]);
			cbd += db_int(x[base + 4]);
		}
		if ((row = json_object_new_object()) == NULL || (key = json_object_new_object()) == NULL) {
			json_object_put(row);
			json_object_put(o);
			return reply_internal(r, "out of memory");
		}
		json_object_object_add(row, "key", key);
		json_object_array_add(rows, row);
		if (prod) {
			p = (struct product){ db_int(c[0]), c[1], c[2], c[3], c[4], c[5], db_int(c[6]),
			    db_int(c[7]), db_int(c[8]), db_int(c[9]) != 0 };
			u = strcmp(p.supply_unit, "mg") == 0 ? 0 : strcmp(p.supply_unit, "ul") == 0 ? 1 : 2;
			label = amount_figures(r->pool, p.supply_unit, p.form, q[u]);
			name = product_title(r->pool, &p);
			json_object_object_add(key, "id", json_object_new_int64(p.id));
			json_object_object_add(key, "supplier", json_object_new_string(p.supplier));
			json_object_object_add(key, "brand", json_object_new_string(p.brand));
			json_object_object_add(key, "name", json_object_new_string(p.name));
			json_object_object_add(key, "form", json_object_new_string(p.form));
			json_object_object_add(key, "supply_unit", json_object_new_string(p.supply_unit));
			json_object_object_add(row, "quantity", json_object_new_int64(q[u]));
			if (csv) {
				csv_int(&b, p.id, false);
				csv_cell(&b, p.supplier, false);
				csv_cell(&b, p.brand, false);
				csv_cell(&b, p.name, false);
				csv_cell(&b, p.form, false);
				csv_int(&b, n, false);
				csv_int(&b, nc, false);
				csv_int(&b, q[u], false);
				csv_cell(&b, p.supply_unit, false);
				csv_cell(&b, label, false);
			}
		} else {
			name = pool_printf(r->pool, "%s %s", c[1], c[2]);
			label = units_label(r->pool, q);
			json_object_object_add(key, "id", json_object_new_int64(db_int(c[0])));
			json_object_object_add(key, "name", json_object_new_string(name != NULL ?
			    name : ""));
			if (strcmp(by, "prescriber") == 0)
				json_object_object_add(key, "registration_number", c[3] != NULL ?
				    json_object_new_string(c[3]) : NULL);
			if ((qo = json_object_new_object()) != NULL) {
				json_object_object_add(qo, "mg", json_object_new_int64(q[0]));
				json_object_object_add(qo, "ul", json_object_new_int64(q[1]));
				json_object_object_add(qo, "each", json_object_new_int64(q[2]));
			}
			json_object_object_add(row, "quantity", qo);
			if (csv) {
				csv_int(&b, db_int(c[0]), false);
				csv_cell(&b, name, false);
				if (strcmp(by, "prescriber") == 0)
					csv_cell(&b, c[3], false);
				csv_int(&b, n, false);
				csv_int(&b, nc, false);
				csv_int(&b, q[0], false);
				csv_int(&b, q[1], false);
				csv_int(&b, q[2], false);
				csv_cell(&b, label, false);
			}
		}
		if (label == NULL || name == NULL) {
			json_object_put(o);
			return reply_internal(r, "out of memory");
		}
		json_object_object_add(row, "prescriptions", json_object_new_int64(n));
		json_object_object_add(row, "cancelled", json_object_new_int64(nc));
		json_object_object_add(row, "quantity_label", json_object_new_string(label));
		json_object_object_add(row, "thc_mg", json_object_new_int64(mg(thc)));
		json_object_object_add(row, "cbd_mg", json_object_new_int64(mg(cbd)));
		if (csv) {
			csv_int(&b, mg(thc), false);
			csv_int(&b, mg(cbd), true);
		}
	}
	if (csv) {
		json_object_put(o);
		return csv_reply(r, &b, pool_printf(r->pool, "prescriptions-by-%s-%s-to-%s.csv",
		    by, from, to));
	}
	return reply_json(r, 200, o);
}

/* A patient's running totals against their active plans. */
struct running {
	int64_t		 patient_id;
	const char	*name;
	struct plan	*plans;
	size_t		 nplans;
};

static enum cerr
active_plans(struct req *r, struct running *pr)
{
	struct db_res	*res;
	size_t		 i;
	enum cerr	 rc;

	pr->plans = NULL;
	pr->nplans = 0;
	if ((rc = db_exec(r->db, r->pool, &res, SQL_ACTIVE_PLANS, "i", pr->patient_id)) != CE_OK)
		return rc;
	if (res->nrows == 0)
		return CE_OK;
	if ((pr->plans = pool_calloc(r->pool, res->nrows, sizeof(*pr->plans))) == NULL)
		return CE_NOMEM;
	for (i = 0; i < res->nrows; i++)
		if ((rc = plan_from_row(r->pool, res->rows[i], &pr->plans[i])) != CE_OK)
			return rc;
	pr->nplans = res->nrows;
	return CE_OK;
}

/* The plan ceiling for a product, a form, or THC (mg in 30 days); 0: none. */
static int64_t
ceiling(const struct running *pr, int64_t product_id, const char *form)
{
	const struct plan_item		*it;
	const struct plan_form_limit	*l;
	int64_t				 best = 0, v;
	size_t				 i;

	for (i = 0; i < pr->nplans; i++) {
		v = 0;
		if (product_id != 0 && (it = plan_item_for(&pr->plans[i], product_id)) != NULL)
			v = it->max_per_30d;
		else if (form != NULL && (l = plan_limit_for(&pr->plans[i], form)) != NULL)
			v = l->max_per_30d;
		else if (product_id == 0 && form == NULL && pr->plans[i].max_thc_mg_per_day > 0)
			v = pr->plans[i].max_thc_mg_per_day * 30;
		/* several plans: the lowest ceiling any of them sets */
		if (v > 0 && (best == 0 || v < best))
			best = v;
	}
	return best;
}

struct form_sum {
	const char	*form;
	int64_t		 used;
};

int
reports_running(struct req *r)
{
	struct db_res		*res, *wres;
	struct json_object	*o, *pats, *pj = NULL, *prods = NULL, *forms, *e, *thc, *d, *who;
	struct strbuf		 b;
	struct running		 pr = { 0, NULL, NULL, 0 };
	struct product		 p;
	struct form_sum		 fs[6];
	size_t			 nfs = 0, i, k;
	int64_t			 patient = r->q.vals[0].present ? r->q.vals[0].i : 0, thc_ug = 0, max;
	bool			 csv = r->q.vals[1].present && strcmp(r->q.vals[1].s, "csv") == 0;
	const char		*ul, *ml, *title;
	int			 st;
	enum cerr		 rc;

	strbuf_init(&b, r->pool);
	if ((rc = db_exec(r->db, r->pool, &res, SQL_RUNNING, "iiii", patient, patient, patient,
	    patient)) != CE_OK ||
	    (rc = db_exec(r->db, r->pool, &wres, SQL_WINDOW, "")) != CE_OK)
		return reply_db(r, rc);
	if ((d = json_object_new_object()) != NULL) {
		json_object_object_add(d, "report", json_object_new_string("running"));
		if (patient != 0)
			json_object_object_add(d, "patient_id", json_object_new_int64(patient));
		json_object_object_add(d, "format", json_object_new_string(csv ? "csv" : "json"));
	}
	if ((st = audit_read(r, d)) != 0)
		return st;
	if (csv)
		strbuf_puts(&b, "patient_id,patient_name,kind,item,used,unit,used_label,max,max_label\r\n");
	if ((o = json_object_new_object()) == NULL || (pats = json_object_new_array()) == NULL ||
	    (e = json_object_new_object()) == NULL) {
		json_object_put(o);
		return reply_internal(r, "out of memory");
	}
	json_object_object_add(e, "from", json_object_new_string(wres->rows[0][0]));
	json_object_object_add(e, "to", json_object_new_string(wres->rows[0][1]));
	json_object_object_add(o, "window", e);
	json_object_object_add(o, "patients", pats);
	for (i = 0; i <= res->nrows; i++) {
		char	**c = i < res->nrows ? res->rows[i] : NULL;

		/* a patient's rows end: their forms and THC */
		if (pj != NULL && (c == NULL || db_int(c[0]) != pr.patient_id)) {
			if ((forms = json_object_new_array()) == NULL)
				goto oom;
			json_object_object_add(pj, "forms", forms);
			for (k = 0; k < nfs; k++) {
				max = ceiling(&pr, 0, fs[k].form);
				ul = amount_figures(r->pool, form_unit(fs[k].form), fs[k].form,
				    fs[k].used);
				ml = max > 0 ? amount_figures(r->pool, form_unit(fs[k].form),
				    fs[k].form, max) : "no limit";
				if (ul == NULL || ml == NULL || (e = json_object_new_object()) == NULL)
					goto oom;
				json_object_object_add(e, "form", json_object_new_string(fs[k].form));
				json_object_object_add(e, "form_label",
				    json_object_new_string(form_label(fs[k].form)));
				json_object_object_add(e, "used", json_object_new_int64(fs[k].used));
				json_object_object_add(e, "used_label", json_object_new_string(ul));
				json_object_object_add(e, "max", max > 0 ? json_object_new_int64(max) : NULL);
				json_object_object_add(e, "max_label", json_object_new_string(ml));
				json_object_array_add(forms, e);
				if (csv) {
					csv_int(&b, pr.patient_id, false);
					csv_cell(&b, pr.name, false);
					csv_cell(&b, "form", false);
					csv_cell(&b, fs[k].form, false);
					csv_int(&b, fs[k].used, false);
					csv_cell(&b, form_unit(fs[k].form), false);
					csv_cell(&b, ul, false);
					csv_cell(&b, max > 0 ? pool_printf(r->pool, "%" PRId64, max) : "", false);
					csv_cell(&b, ml, true);
				}
			}
			max = ceiling(&pr, 0, NULL);
			if ((thc = json_object_new_object()) == NULL)
				goto oom;
			json_object_object_add(thc, "used_mg", json_object_new_int64(mg(thc_ug)));
			json_object_object_add(thc, "max_mg", max > 0 ? json_object_new_int64(max) : NULL);
			json_object_object_add(pj, "thc", thc);
			if (csv) {
				csv_int(&b, pr.patient_id, false);
				csv_cell(&b, pr.name, false);
				csv_cell(&b, "thc", false);
				csv_cell(&b, "THC", false);
				csv_int(&b, mg(thc_ug), false);
				csv_cell(&b, "mg", false);
				csv_cell(&b, pool_printf(r->pool, "%" PRId64 " mg", mg(thc_ug)), false);
				csv_cell(&b, max > 0 ? pool_printf(r->pool, "%" PRId64, max) : "", false);
				csv_cell(&b, max > 0 ? pool_printf(r->pool, "%" PRId64 " mg", max) :
				    "no limit", true);
			}
			pj = NULL;
		}
		if (c == NULL)
			break;
		if (pj == NULL) {
			pr.patient_id = db_int(c[0]);
			pr.name = pool_printf(r->pool, "%s %s", c[1], c[2]);
			if (pr.name == NULL || (rc = active_plans(r, &pr)) != CE_OK) {
				json_object_put(o);
				return rc == CE_OK ? reply_internal(r, "out of memory") : reply_db(r, rc);
			}
			nfs = 0;
			thc_ug = 0;
			if ((pj = json_object_new_object()) == NULL)
				goto oom;
			json_object_array_add(pats, pj);
			if ((who = json_object_new_object()) == NULL)
				goto oom;
			json_object_object_add(pj, "patient", who);
			json_object_object_add(who, "id", json_object_new_int64(pr.patient_id));
			json_object_object_add(who, "name", json_object_new_string(pr.name));
			if ((prods = json_object_new_array()) == NULL)
				goto oom;
			json_object_object_add(pj, "products", prods);
		}
		if (c[3] == NULL) {
			/* no live prescription: each planned product at zero against its ceiling */
			size_t	pi, ii;

			for (pi = 0; pi < pr.nplans; pi++)
				for (ii = 0; ii < pr.plans[pi].nitems; ii++) {
					if ((rc = product_load(r, pr.plans[pi].items[ii].product_id,
					    &p)) == CE_NOTFOUND)
						continue;
					if (rc != CE_OK) {
						json_object_put(o);
						return reply_db(r, rc);
					}
					max = ceiling(&pr, p.id, NULL);
					ul = amount_figures(r->pool, p.supply_unit, p.form, 0);
					ml = amount_figures(r->pool, p.supply_unit, p.form, max);
					title = product_title(r->pool, &p);
					if (ul == NULL || ml == NULL || title == NULL ||
					    (e = json_object_new_object()) == NULL)
						goto oom;
					json_object_object_add(e, "product_id", json_object_new_int64(p.id));
					json_object_object_add(e, "product", json_object_new_string(title));
					json_object_object_add(e, "form", json_object_new_string(p.form));
					json_object_object_add(e, "used", json_object_new_int64(0));
					json_object_object_add(e, "used_label", json_object_new_string(ul));
					json_object_object_add(e, "max", json_object_new_int64(max));
					json_object_object_add(e, "max_label", json_object_new_string(ml));
					json_object_array_add(prods, e);
					if (csv) {
						csv_int(&b, pr.patient_id, false);
						csv_cell(&b, pr.name, false);
						csv_cell(&b, "product", false);
						csv_cell(&b, title, false);
						csv_int(&b, 0, false);
						csv_cell(&b, p.supply_unit, false);
						csv_cell(&b, ul, false);
						csv_int(&b, max, false);
						csv_cell(&b, ml, true);
					}
				}
			continue;
		}
		p = (struct product){ db_int(c[3]), c[4], c[5], c[6], c[7], c[8], db_int(c[9]),
		    db_int(c[10]), db_int(c[11]), db_int(c[12]) != 0 };
		thc_ug += db_int(c[14]);
		for (k = 0; k < nfs; k++)
			if (strcmp(fs[k].form, p.form) == 0)
				break;
		if (k == nfs && nfs < sizeof(fs) / sizeof(fs[0]))
			fs[nfs++] = (struct form_sum){ p.form, 0 };
		if (k < nfs)
			fs[k].used += db_int(c[13]);
		max = ceiling(&pr, p.id, NULL);
		ul = amount_figures(r->pool, p.supply_unit, p.form, db_int(c[13]));
		ml = max > 0 ? amount_figures(r->pool, p.supply_unit, p.form, max) : "not in a plan";
		title = product_title(r->pool, &p);
		if (ul == NULL || ml == NULL || title == NULL || (e = json_object_new_object()) == NULL)
			goto oom;
		json_object_object_add(e, "product_id", json_object_new_int64(p.id));
		json_object_object_add(e, "product", json_object_new_string(title));
		json_object_object_add(e, "form", json_object_new_string(p.form));
		json_object_object_add(e, "used", json_object_new_int64(db_int(c[13])));
		json_object_object_add(e, "used_label", json_object_new_string(ul));
		json_object_object_add(e, "max", max > 0 ? json_object_new_int64(max) : NULL);
		json_object_object_add(e, "max_label", json_object_new_string(ml));
		json_object_array_add(prods, e);
		if (csv) {
			csv_int(&b, pr.patient_id, false);
			csv_cell(&b, pr.name, false);
			csv_cell(&b, "product", false);
			csv_cell(&b, title, false);
			csv_int(&b, db_int(c[13]), false);
			csv_cell(&b, p.supply_unit, false);
			csv_cell(&b, ul, false);
			csv_cell(&b, max > 0 ? pool_printf(r->pool, "%" PRId64, max) : "", false);
			csv_cell(&b, ml, true);
		}
	}
	if (csv) {
		json_object_put(o);
		return csv_reply(r, &b, "prescriptions-running-30-days.csv");
	}
	return reply_json(r, 200, o);
oom:
	json_object_put(o);
	return reply_internal(r, "out of memory");
}
