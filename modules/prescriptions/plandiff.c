/*
 * A plan's history and what changed between two of its versions
 * (docs/API.md#plans). Versions come from MariaDB system versioning
 * (FOR SYSTEM_TIME ALL): every UPDATE leaves the row before it in the
 * history. Each version is read once by its own version number, so two
 * changes close together (even within one second) are two versions.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "db.h"
#include "patient.h"
#include "pool.h"
#include "reply.h"
#include "req.h"
#include "rx.h"

/*
 * Every row a plan has had, newest row end first within a version: the
 * first row of each (id, version) is that version as it stood.
 */
static const char SQL_HISTORY[] =
    "SELECT " PLAN_COLS " FROM treatment_plan FOR SYSTEM_TIME ALL"
    " WHERE patient_id = ? AND (? = 0 OR id = ?)"
    " ORDER BY id, version, ROW_END DESC";

struct versions {
	struct plan	*v;
	size_t		 n;
};

/* The versions of patient pid's plans (of plan_id only when not 0), oldest first per plan. */
static enum cerr
load_versions(struct req *r, int64_t pid, int64_t plan_id, struct versions *out)
{
	struct db_res	*res;
	size_t		 i;
	enum cerr	 rc;

	out->v = NULL;
	out->n = 0;
	if ((rc = db_exec(r->db, r->pool, &res, SQL_HISTORY, "iii", pid, plan_id, plan_id)) != CE_OK)
		return rc;
	if (res->nrows == 0)
		return CE_OK;
	if ((out->v = pool_calloc(r->pool, res->nrows, sizeof(*out->v))) == NULL)
		return CE_NOMEM;
	for (i = 0; i < res->nrows; i++) {
		if (out->n > 0 && out->v[out->n - 1].id == db_int(res->rows[i][0]) &&
		    out->v[out->n - 1].version == db_int(res->rows[i][3]))
			continue;	/* an earlier row of the same version */
		if ((rc = plan_from_row(r->pool, res->rows[i], &out->v[out->n])) != CE_OK)
			return rc;
		out->n++;
	}
	return CE_OK;
}

/*
 * The patient's history is for staff (clinician, admin, auditor). A patient
 * asking for their own is refused (403); for anyone else's, told there is
 * no such patient (404). Replies and returns the status, or 0 to go on.
 */
static int
history_reach(struct req *r, int64_t pid)
{
	enum cerr	rc;

	if (pid == 0)
		return reply_problem(r, 404, "not-found", "No such patient", NULL);
	rc = patient_reach(r, pid, ROLE_CLINICIAN | ROLE_ADMIN | ROLE_AUDITOR);
	if (rc == CE_NOTFOUND)
		return reply_problem(r, 404, "not-found", "No such patient", NULL);
	if (rc != CE_OK)
		return reply_db(r, rc);
	if (r->who.role == ROLE_PATIENT)
		return reply_problem(r, 403, "forbidden", "Not allowed",
		    "A plan's history is for the clinic's staff; your current plan is on your "
		    "prescriptions page.");
	return 0;
}

int
plans_history(struct req *r)
{
	struct versions		 vs;
	struct json_object	*o, *plans, *one = NULL, *vers = NULL, *pj, *pt, *d;
	int64_t			 pid = req_id(r, "patient_id");
	int64_t			 plan_id = r->q.vals[0].present ? r->q.vals[0].i : 0;
	size_t			 i;
	int			 st;
	enum cerr		 rc;

	if ((st = history_reach(r, pid)) != 0)
		return st;
	if ((rc = load_versions(r, pid, plan_id, &vs)) != CE_OK)
		return reply_db(r, rc);
	if (plan_id != 0 && vs.n == 0)
		return reply_problem(r, 404, "not-found", "No such plan", NULL);
	if ((o = json_object_new_object()) == NULL)
		return reply_internal(r, "out of memory");
	if ((pt = person_json(r, pid, false)) == NULL || (plans = json_object_new_array()) == NULL) {
		json_object_put(pt);
		json_object_put(o);
		return reply_internal(r, "out of memory");
	}
	json_object_object_add(o, "patient", pt);
	json_object_object_add(o, "plans", plans);
	for (i = 0; i < vs.n; i++) {
		if (i == 0 || vs.v[i].id != vs.v[i - 1].id) {
			if ((one = json_object_new_object()) == NULL ||
			    (vers = json_object_new_array()) == NULL) {
				json_object_put(one);
				json_object_put(o);
				return reply_internal(r, "out of memory");
			}
			json_object_object_add(one, "id", json_object_new_int64(vs.v[i].id));
			json_object_object_add(one, "versions", vers);
			json_object_array_add(plans, one);
		}
		/* the plan's condition as it is now: its newest version's */
		if (i + 1 == vs.n || vs.v[i + 1].id != vs.v[i].id)
			json_object_object_add(one, "condition",
			    json_object_new_string(vs.v[i].condition));
		if ((pj = plan_json(r, &vs.v[i])) == NULL) {
			json_object_put(o);
			return reply_internal(r, "a plan version could not be read");
		}
		json_object_array_add(vers, pj);
	}
	if ((d = json_object_new_object()) != NULL && plan_id != 0)
		json_object_object_add(d, "plan_id", json_object_new_int64(plan_id));
	if ((rc = patient_read_audit(r, pid, "plan_history", d)) != CE_OK) {
		json_object_put(o);
		return reply_db(r, rc);
	}
	return reply_json(r, 200, o);
}

static const struct plan *
version_of(const struct versions *vs, int64_t v)
{
	size_t	i;

	for (i = 0; i < vs->n; i++)
		if (vs->v[i].version == v)
			return &vs->v[i];
	return NULL;
}

/* Adds every product either version names to ps (loaded once each). */
static enum cerr
diff_products(struct req *r, const struct plan *a, const struct plan *b, struct product *ps,
    size_t *np)
{
	const struct plan	*pl[2] = { a, b };
	size_t			 k, i, j;
	enum cerr		 rc;

	for (k = 0; k < 2; k++)
		for (i = 0; i < pl[k]->nitems; i++) {
			for (j = 0; j < *np; j++)
				if (ps[j].id == pl[k]->items[i].product_id)
					break;
			if (j < *np)
				continue;
			rc = product_load(r, pl[k]->items[i].product_id, &ps[*np]);
			if (rc == CE_OK)
				(*np)++;
			else if (rc != CE_NOTFOUND)
				return rc;
		}
	return CE_OK;
}

int
plans_diff(struct req *r)
{
	struct versions		 vs;
	struct verr		 errs[2];
	const struct plan	*a, *b;
	struct plan_change	*ch;
	struct product		*ps;
	struct json_object	*o, *arr, *c, *d;
	int64_t			 pid = req_id(r, "patient_id");
	int64_t			 plan_id = r->q.vals[0].i, from = r->q.vals[1].i, to = r->q.vals[2].i;
	size_t			 i, n, np = 0, ne = 0;
	int			 st;
	enum cerr		 rc;

	if ((st = history_reach(r, pid)) != 0)
		return st;
	if ((rc = load_versions(r, pid, plan_id, &vs)) != CE_OK)
		return reply_db(r, rc);
	if (vs.n == 0)
		return reply_problem(r, 404, "not-found", "No such plan", NULL);
	if ((a = version_of(&vs, from)) == NULL)
		errs[ne++] = (struct verr){ "from", "is not a version of this plan" };
	if ((b = version_of(&vs, to)) == NULL)
		errs[ne++] = (struct verr){ "to", "is not a version of this plan" };
	if (ne > 0)
		return reply_invalid(r, 422, errs, ne);
	if ((ps = pool_calloc(r->pool, a->nitems + b->nitems + 1, sizeof(*ps))) == NULL)
		return reply_internal(r, "out of memory");
	if ((rc = diff_products(r, a, b, ps, &np)) != CE_OK)
		return reply_db(r, rc);
	if (plan_diff(r->pool, a, b, ps, np, &ch, &n) != 0)
		return reply_internal(r, "out of memory");
	if ((o = json_object_new_object()) == NULL || (arr = json_object_new_array()) == NULL) {
		json_object_put(o);
		return reply_internal(r, "out of memory");
	}
	json_object_object_add(o, "plan_id", json_object_new_int64(plan_id));
	json_object_object_add(o, "from", json_object_new_int64(from));
	json_object_object_add(o, "to", json_object_new_int64(to));
	json_object_object_add(o, "changes", arr);
	for (i = 0; i < n; i++) {
		if ((c = json_object_new_object()) == NULL) {
			json_object_put(o);
			return reply_internal(r, "out of memory");
		}
		json_object_object_add(c, "field", json_object_new_string(ch[i].field));
		if (ch[i].product_id != 0)
			json_object_object_add(c, "product_id", json_object_new_int64(ch[i].product_id));
		json_object_object_add(c, "before", ch[i].before != NULL ?
		    json_object_new_string(ch[i].before) : NULL);
		json_object_object_add(c, "after", ch[i].after != NULL ?
		    json_object_new_string(ch[i].after) : NULL);
		json_object_object_add(c, "text", json_object_new_string(ch[i].text));
		json_object_array_add(arr, c);
	}
	if ((d = json_object_new_object()) != NULL) {
		json_object_object_add(d, "plan_id", json_object_new_int64(plan_id));
		json_object_object_add(d, "from", json_object_new_int64(from));
		json_object_object_add(d, "to", json_object_new_int64(to));
	}
	if ((rc = patient_read_audit(r, pid, "plan_diff", d)) != CE_OK) {
		json_object_put(o);
		return reply_db(r, rc);
	}
	return reply_json(r, 200, o);
}
