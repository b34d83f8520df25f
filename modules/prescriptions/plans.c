/*
 * Treatment plans (issue 5, docs/API.md#plans): one per patient and
 * condition, each change a new version. The table is system-versioned, so
 * every earlier version stays in its history (plandiff.c reads it); each
 * version carries its own number, author, time and reason.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <json-c/json.h>

#include "audit.h"
#include "conf.h"
#include "db.h"
#include "patient.h"
#include "pool.h"
#include "reply.h"
#include "req.h"
#include "rx.h"

static const char SQL_PLAN[] =
    "SELECT " PLAN_COLS " FROM treatment_plan WHERE id = ?";
static const char SQL_PLAN_LOCK[] =
    "SELECT " PLAN_COLS " FROM treatment_plan WHERE id = ? FOR UPDATE";
static const char SQL_PATIENT_PLANS[] =
    "SELECT " PLAN_COLS " FROM treatment_plan WHERE patient_id = ?"
    " ORDER BY status = 'active' DESC, changed_at DESC, id DESC";
static const char SQL_PERSON[] =
    "SELECT id, given_name, family_name, gmc_number, specialist FROM users WHERE id = ?";
static const char SQL_INSERT[] =
    "INSERT INTO treatment_plan (patient_id, condition_name, version, status, body,"
    " author_id, reason, changed_at)"
    " VALUES (?, ?, 1, 'active', ?, ?, ?, UTC_TIMESTAMP(6))";
/*
 * Whether the server's clock is past the current version's start: system
 * versioning stamps the version an UPDATE ends with the statement's time,
 * and keeps no history row that would end where (or before) it began. A
 * change at the very instant of the last one (a clock held still or set
 * back) would lose a version, so it waits instead (503 busy).
 */
static const char SQL_CLOCK_PAST[] =
    "SELECT ROW_START < UTC_TIMESTAMP(6) FROM treatment_plan WHERE id = ?";
static const char SQL_UPDATE[] =
    "UPDATE treatment_plan SET condition_name = ?, version = version + 1, status = ?,"
    " body = ?, author_id = ?, reason = ?, changed_at = UTC_TIMESTAMP(6)"
    " WHERE id = ? AND version = ?";

static void
put_json(void *o)
{
	json_object_put(o);
}

static int64_t
int_member(struct json_object *o, const char *name)
{
	struct json_object	*v;

	if (!json_object_object_get_ex(o, name, &v) || !json_object_is_type(v, json_type_int))
		return 0;
	return json_object_get_int64(v);
}

static const char *
str_member(struct pool *p, struct json_object *o, const char *name)
{
	const char	*s = valid_str_member(o, name);

	return pool_strdup(p, s != NULL ? s : "");
}

enum cerr
plan_from_row(struct pool *pool, char **row, struct plan *pl)
{
	struct json_object	*body, *a, *e;
	const char		*why;
	size_t			 i, n;

	memset(pl, 0, sizeof(*pl));
	pl->id = db_int(row[0]);
	pl->patient_id = db_int(row[1]);
	pl->condition = row[2];
	pl->version = db_int(row[3]);
	pl->active = row[4] != NULL && strcmp(row[4], "active") == 0;
	pl->author_id = db_int(row[6]);
	pl->reason = row[7];
	pl->changed_at = row[8];
	if (row[5] == NULL || (body = req_parse_json(row[5], strlen(row[5]), &why)) == NULL)
		return CE_DB;
	if (pool_cleanup(pool, put_json, body) == -1) {
		json_object_put(body);
		return CE_NOMEM;
	}
	pl->max_thc_mg_per_day = int_member(body, "max_thc_mg_per_day");
	if ((pl->review_date = str_member(pool, body, "review_date")) == NULL ||
	    (pl->notes = str_member(pool, body, "notes")) == NULL)
		return CE_NOMEM;
	if (json_object_object_get_ex(body, "items", &a) && json_object_is_type(a, json_type_array) &&
	    (n = json_object_array_length(a)) > 0) {
		if ((pl->items = pool_calloc(pool, n, sizeof(*pl->items))) == NULL)
			return CE_NOMEM;
		for (i = 0; i < n; i++) {
			e = json_object_array_get_idx(a, i);
			pl->items[i].product_id = int_member(e, "product_id");
			pl->items[i].daily_amount = int_member(e, "daily_amount");
			pl->items[i].max_per_30d = int_member(e, "max_per_30d");
			if ((pl->items[i].dose = str_member(pool, e, "dose")) == NULL)
				return CE_NOMEM;
		}
		pl->nitems = n;
	}
	if (json_object_object_get_ex(body, "form_limits", &a) &&
	    json_object_is_type(a, json_type_array) && (n = json_object_array_length(a)) > 0) {
		if ((pl->limits = pool_calloc(pool, n, sizeof(*pl->limits))) == NULL)
			return CE_NOMEM;
		for (i = 0; i < n; i++) {
			e = json_object_array_get_idx(a, i);
			pl->limits[i].max_per_30d = int_member(e, "max_per_30d");
			if ((pl->limits[i].form = str_member(pool, e, "form")) == NULL)
				return CE_NOMEM;
		}
		pl->nlimits = n;
	}
	return CE_OK;
}

enum cerr
plan_load(struct req *r, int64_t plan_id, bool lock, struct plan *pl)
{
	struct db_res	*res;
	enum cerr	 rc;

	if ((rc = db_exec(r->db, r->pool, &res, lock ? SQL_PLAN_LOCK : SQL_PLAN, "i",
	    plan_id)) != CE_OK)
		return rc;
	if (res->nrows != 1)
		return CE_NOTFOUND;
	return plan_from_row(r->pool, res->rows[0], pl);
}

const struct plan_item *
plan_item_for(const struct plan *pl, int64_t product_id)
{
	size_t	i;

	for (i = 0; i < pl->nitems; i++)
		if (pl->items[i].product_id == product_id)
			return &pl->items[i];
	return NULL;
}

const struct plan_form_limit *
plan_limit_for(const struct plan *pl, const char *form)
{
	size_t	i;

	if (form == NULL)
		return NULL;
	for (i = 0; i < pl->nlimits; i++)
		if (strcmp(pl->limits[i].form, form) == 0)
			return &pl->limits[i];
	return NULL;
}

void
plan_today(char out[11])
{
	static bool	 zone_set;
	struct tm	 tm;
	time_t		 now = time(NULL);

	/* The clinic's dates: its zone, set once (the process is single-threaded). */
	if (!zone_set) {
		if (conf.clinic_timezone != NULL && *conf.clinic_timezone != '\0' &&
		    setenv("TZ", conf.clinic_timezone, 1) == 0)
			tzset();
		zone_set = true;
	}
	if (localtime_r(&now, &tm) == NULL ||
	    strftime(out, 11, "%Y-%m-%d", &tm) != 10)
		(void)snprintf(out, 11, "1970-01-01");
}

struct json_object *
person_json(struct req *r, int64_t id, bool reg)
{
	struct db_res		*res;
	struct json_object	*o;
	char			*name;

	if (db_exec(r->db, r->pool, &res, SQL_PERSON, "i", id) != CE_OK || res->nrows != 1)
		return NULL;
	if ((name = pool_printf(r->pool, "%s %s", res->rows[0][1], res->rows[0][2])) == NULL ||
	    (o = json_object_new_object()) == NULL)
		return NULL;
	json_object_object_add(o, "id", json_object_new_int64(id));
	json_object_object_add(o, "name", json_object_new_string(name));
	if (reg)
		json_object_object_add(o, "registration_number", res->rows[0][3] != NULL ?
		    json_object_new_string(res->rows[0][3]) : NULL);
	return o;
}

/* "YYYY-MM-DD hh:mm:ss[.f]" (UTC, database text) as "YYYY-MM-DDThh:mm:ssZ". */
static char *
rfc3339(struct pool *p, const char *sql)
{
	if (sql == NULL || strlen(sql) < 19)
		return pool_strdup(p, "");
	return pool_printf(p, "%.10sT%.8sZ", sql, sql + 11);
}

struct json_object *
plan_json(struct req *r, const struct plan *pl)
{
	struct json_object	*o, *a, *it, *pj, *author;
	struct product		 pr;
	const char		*unit;
	char			 today[11], *lbl, *mlbl, *at;
	size_t			 i;

	plan_today(today);
	if ((o = json_object_new_object()) == NULL)
		return NULL;
	json_object_object_add(o, "id", json_object_new_int64(pl->id));
	json_object_object_add(o, "patient_id", json_object_new_int64(pl->patient_id));
	json_object_object_add(o, "condition", json_object_new_string(pl->condition));
	json_object_object_add(o, "version", json_object_new_int64(pl->version));
	json_object_object_add(o, "status", json_object_new_string(pl->active ? "active" : "ended"));
	if ((a = json_object_new_array()) == NULL)
		goto oom;
	json_object_object_add(o, "items", a);
	for (i = 0; i < pl->nitems; i++) {
		if (product_load(r, pl->items[i].product_id, &pr) != CE_OK ||
		    (pj = product_json(r, &pr)) == NULL)
			goto oom;
		lbl = amount_figures(r->pool, pr.supply_unit, pr.form, pl->items[i].daily_amount);
		mlbl = amount_figures(r->pool, pr.supply_unit, pr.form, pl->items[i].max_per_30d);
		if (lbl == NULL || mlbl == NULL || (it = json_object_new_object()) == NULL) {
			json_object_put(pj);
			goto oom;
		}
		json_object_object_add(it, "product_id", json_object_new_int64(pr.id));
		json_object_object_add(it, "product", pj);
		json_object_object_add(it, "dose", json_object_new_string(pl->items[i].dose));
		json_object_object_add(it, "daily_amount",
		    json_object_new_int64(pl->items[i].daily_amount));
		json_object_object_add(it, "daily_label", json_object_new_string(lbl));
		json_object_object_add(it, "max_per_30d",
		    json_object_new_int64(pl->items[i].max_per_30d));
		json_object_object_add(it, "max_label", json_object_new_string(mlbl));
		json_object_array_add(a, it);
	}
	if ((a = json_object_new_array()) == NULL)
		goto oom;
	json_object_object_add(o, "form_limits", a);
	for (i = 0; i < pl->nlimits; i++) {
		unit = form_unit(pl->limits[i].form);
		if ((mlbl = amount_figures(r->pool, unit, pl->limits[i].form,
		    pl->limits[i].max_per_30d)) == NULL || (it = json_object_new_object()) == NULL)
			goto oom;
		json_object_object_add(it, "form", json_object_new_string(pl->limits[i].form));
		json_object_object_add(it, "form_label", json_object_new_string(
		    form_label(pl->limits[i].form) != NULL ? form_label(pl->limits[i].form) :
		    pl->limits[i].form));
		json_object_object_add(it, "max_per_30d", json_object_new_int64(pl->limits[i].max_per_30d));
		json_object_object_add(it, "max_label", json_object_new_string(mlbl));
		json_object_array_add(a, it);
	}
	json_object_object_add(o, "max_thc_mg_per_day", json_object_new_int64(pl->max_thc_mg_per_day));
	json_object_object_add(o, "review_date", json_object_new_string(pl->review_date));
	json_object_object_add(o, "review_due", json_object_new_boolean(
	    strcmp(pl->review_date, today) <= 0));
	json_object_object_add(o, "notes", json_object_new_string(pl->notes));
	if ((author = person_json(r, pl->author_id, true)) == NULL)
		goto oom;
	json_object_object_add(o, "author", author);
	json_object_object_add(o, "reason", json_object_new_string(pl->reason));
	if ((at = rfc3339(r->pool, pl->changed_at)) == NULL)
		goto oom;
	json_object_object_add(o, "changed_at", json_object_new_string(at));
	return o;
oom:
	json_object_put(o);
	return NULL;
}

/* The stored body of a plan (treatment_plan.body). pool string; NULL on OOM. */
static char *
plan_body_text(struct pool *pool, const struct plan *pl)
{
	struct json_object	*o, *a, *e;
	const char		*s;
	char			*out = NULL;
	size_t			 i;

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	if ((a = json_object_new_array()) == NULL)
		goto done;
	json_object_object_add(o, "items", a);
	for (i = 0; i < pl->nitems; i++) {
		if ((e = json_object_new_object()) == NULL)
			goto done;
		json_object_object_add(e, "product_id", json_object_new_int64(pl->items[i].product_id));
		json_object_object_add(e, "dose", json_object_new_string(pl->items[i].dose));
		json_object_object_add(e, "daily_amount",
		    json_object_new_int64(pl->items[i].daily_amount));
		json_object_object_add(e, "max_per_30d", json_object_new_int64(pl->items[i].max_per_30d));
		json_object_array_add(a, e);
	}
	if ((a = json_object_new_array()) == NULL)
		goto done;
	json_object_object_add(o, "form_limits", a);
	for (i = 0; i < pl->nlimits; i++) {
		if ((e = json_object_new_object()) == NULL)
			goto done;
		json_object_object_add(e, "form", json_object_new_string(pl->limits[i].form));
		json_object_object_add(e, "max_per_30d", json_object_new_int64(pl->limits[i].max_per_30d));
		json_object_array_add(a, e);
	}
	json_object_object_add(o, "max_thc_mg_per_day", json_object_new_int64(pl->max_thc_mg_per_day));
	json_object_object_add(o, "review_date", json_object_new_string(pl->review_date));
	json_object_object_add(o, "notes", json_object_new_string(pl->notes));
	if ((s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN)) != NULL)
		out = pool_strdup(pool, s);
done:
	json_object_put(o);
	return out;
}

/* Whether r's principal may read patient_id's plans (staff roles as given); replies 404 if not. */
static int
reach(struct req *r, int64_t patient_id, unsigned staff)
{
	enum cerr	rc;

	if (patient_id == 0)
		return reply_problem(r, 404, "not-found", "No such patient", NULL);
	if ((rc = patient_reach(r, patient_id, staff)) == CE_NOTFOUND)
		return reply_problem(r, 404, "not-found", "No such patient", NULL);
	if (rc != CE_OK)
		return reply_db(r, rc);
	return 0;
}

static struct json_object *
plan_patient_json(struct req *r, int64_t patient_id)
{
	return person_json(r, patient_id, false);
}

int
plans_list(struct req *r)
{
	struct db_res		*res;
	struct json_object	*o, *a, *one, *pt, *d, *ids;
	struct plan		 pl;
	int64_t			 pid = req_id(r, "patient_id");
	size_t			 i;
	int			 st;
	enum cerr		 rc;

	if ((st = reach(r, pid, ROLE_CLINICIAN | ROLE_ADMIN | ROLE_AUDITOR)) != 0)
		return st;
	if ((rc = db_exec(r->db, r->pool, &res, SQL_PATIENT_PLANS, "i", pid)) != CE_OK)
		return reply_db(r, rc);
	if ((o = json_object_new_object()) == NULL)
		return reply_internal(r, "out of memory");
	if ((pt = plan_patient_json(r, pid)) == NULL || (a = json_object_new_array()) == NULL ||
	    (ids = json_object_new_array()) == NULL) {
		json_object_put(pt);
		json_object_put(o);
		return reply_internal(r, "out of memory");
	}
	json_object_object_add(o, "patient", pt);
	json_object_object_add(o, "plans", a);
	for (i = 0; i < res->nrows; i++) {
		if ((rc = plan_from_row(r->pool, res->rows[i], &pl)) != CE_OK ||
		    (one = plan_json(r, &pl)) == NULL) {
			json_object_put(o);
			json_object_put(ids);
			return reply_internal(r, "a plan could not be read");
		}
		json_object_array_add(a, one);
		json_object_array_add(ids, json_object_new_int64(pl.id));
	}
	if ((d = json_object_new_object()) != NULL)
		json_object_object_add(d, "plan_ids", ids);
	else
		json_object_put(ids);
	if ((rc = patient_read_audit(r, pid, "plans", d)) != CE_OK) {
		json_object_put(o);
		return reply_db(r, rc);
	}
	return reply_json(r, 200, o);
}

/*
 * Parses and checks the body (422 naming each field), then that every item's
 * product is in the formulary and active. Replies and returns the status on
 * a problem, 0 when fine.
 */
static int
plan_input(struct req *r, bool update, const struct plan *cur, struct plan_input *in)
{
	struct json_object	*body = NULL;
	struct verr		*errs, *all;
	struct product		 p;
	const char		*why = NULL, *ct = r->content_type;
	char			 today[11];
	size_t			 nerrs, i, n;
	enum cerr		 rc;

	if (r->bodylen > 0 && (ct == NULL || strncasecmp(ct, "application/json", 16) != 0 ||
	    (ct[16] != '\0' && ct[16] != ';' && ct[16] != ' ')))
		return reply_problem(r, 415, "unsupported-media-type", "The body must be JSON",
		    "Send Content-Type: application/json.");
	if (r->bodylen > 0 && (body = req_parse_json(r->body, r->bodylen, &why)) == NULL &&
	    why != NULL)
		return reply_problem(r, 400, "malformed-json", "The body is not valid JSON", why);
	if (body != NULL && pool_cleanup(r->pool, put_json, body) == -1) {
		json_object_put(body);
		return reply_internal(r, "out of memory");
	}
	plan_today(today);
	switch (plan_parse(r->pool, body, update, today, in, &errs, &nerrs)) {
	case 0:
		break;
	case -1:
		return reply_invalid(r, 422, errs, nerrs);
	default:
		return reply_internal(r, "out of memory checking a plan");
	}
	/* each product must be in the formulary and active */
	if ((all = pool_calloc(r->pool, in->plan.nitems, sizeof(*all))) == NULL)
		return reply_internal(r, "out of memory");
	for (i = n = 0; i < in->plan.nitems; i++) {
		rc = product_load(r, in->plan.items[i].product_id, &p);
		if (rc != CE_OK && rc != CE_NOTFOUND)
			return reply_db(r, rc);
		/* a product withdrawn since it was planned may stay; none may be added */
		if (rc == CE_NOTFOUND || (!p.active && (cur == NULL ||
		    plan_item_for(cur, p.id) == NULL)))
			all[n++] = (struct verr){ pool_printf(r->pool, "items[%zu].product_id", i),
			    rc == CE_NOTFOUND ? "is not a product in the formulary" :
			    "is withdrawn from the formulary" };
	}
	if (n > 0)
		return reply_invalid(r, 422, all, n);
	return 0;
}

static struct json_object *
plan_audit(const struct plan *pl, int64_t from_version)
{
	struct json_object	*d = json_object_new_object(), *ids;
	size_t			 i;

	if (d == NULL)
		return NULL;
	json_object_object_add(d, "patient_id", json_object_new_int64(pl->patient_id));
	if (pl->id > 0)
		json_object_object_add(d, "plan_id", json_object_new_int64(pl->id));
	json_object_object_add(d, "version", json_object_new_int64(pl->version));
	if (from_version > 0)
		json_object_object_add(d, "from_version", json_object_new_int64(from_version));
	json_object_object_add(d, "status", json_object_new_string(pl->active ? "active" : "ended"));
	if ((ids = json_object_new_array()) != NULL) {
		for (i = 0; i < pl->nitems; i++)
			json_object_array_add(ids, json_object_new_int64(pl->items[i].product_id));
		json_object_object_add(d, "product_ids", ids);
	}
	return d;
}

static int
plan_reply(struct req *r, int status, int64_t plan_id)
{
	struct plan		 pl;
	struct json_object	*o;
	enum cerr		 rc;

	if ((rc = plan_load(r, plan_id, false, &pl)) != CE_OK)
		return rc == CE_NOTFOUND ? reply_internal(r, "plan vanished") : reply_db(r, rc);
	if ((o = plan_json(r, &pl)) == NULL)
		return reply_internal(r, "out of memory");
	return reply_json(r, status, o);
}

int
plans_create(struct req *r)
{
	struct plan_input	 in;
	struct db_res		*res;
	struct json_object	*d;
	char			*body, ids[24];
	int64_t			 pid = req_id(r, "patient_id"), id;
	int			 st;
	enum cerr		 rc;

	if ((st = reach(r, pid, ROLE_CLINICIAN)) != 0)
		return st;
	if ((rc = db_exec(r->db, r->pool, &res, SQL_PERSON, "i", r->who.user_id)) != CE_OK)
		return reply_db(r, rc);
	if (res->nrows != 1 || db_int(res->rows[0][4]) != 1) {
		/* a new plan starts treatment: only a specialist may (REGULATORY.md) */
		if ((d = json_object_new_object()) != NULL) {
			json_object_object_add(d, "patient_id", json_object_new_int64(pid));
			json_object_object_add(d, "reason", json_object_new_string("specialist-required"));
		}
		if ((rc = db_begin(r->db)) != CE_OK ||
		    (rc = audit_commit(r, "plan.create", "treatment_plan", NULL, "denied", d)) != CE_OK)
			return reply_db(r, rc);
		return reply_problem(r, 403, "specialist-required",
		    "Only a specialist can start a treatment plan",
		    "A new plan initiates treatment with a cannabis-based medicine, which only a "
		    "doctor on the GMC Specialist Register may do. Any prescriber can continue a plan.");
	}
	if ((st = plan_input(r, false, NULL, &in)) != 0)
		return st;
	in.plan.patient_id = pid;
	in.plan.version = 1;
	if ((body = plan_body_text(r->pool, &in.plan)) == NULL)
		return reply_internal(r, "out of memory");
	if ((rc = db_begin(r->db)) != CE_OK)
		return reply_db(r, rc);
	rc = db_exec(r->db, r->pool, NULL, SQL_INSERT, "issis", pid, in.plan.condition, body,
	    r->who.user_id, in.plan.reason);
	if (rc == CE_DUPLICATE) {
		db_rollback(r->db);
		return reply_problem(r, 409, "plan-exists",
		    "The patient has a plan for this condition already",
		    "Continue that plan: change it with a new version instead.");
	}
	if (rc != CE_OK)
		return reply_db(r, rc);
	id = (int64_t)db_insert_id(r->db);
	in.plan.id = id;
	(void)snprintf(ids, sizeof(ids), "%" PRId64, id);
	if ((rc = audit_commit(r, "plan.create", "treatment_plan", ids, "success",
	    plan_audit(&in.plan, 0))) != CE_OK)
		return reply_db(r, rc);
	return plan_reply(r, 201, id);
}

int
plans_update(struct req *r)
{
	struct plan_input	 in;
	struct plan		 cur;
	struct db_res		*res;
	struct json_object	*cj, *extra;
	char			*body, ids[24];
	int64_t			 pid = req_id(r, "patient_id"), id = req_id(r, "plan_id");
	int			 st;
	enum cerr		 rc;

	if ((st = reach(r, pid, ROLE_CLINICIAN)) != 0)
		return st;
	if (id == 0 || (rc = plan_load(r, id, false, &cur)) == CE_NOTFOUND ||
	    (rc == CE_OK && cur.patient_id != pid))
		return reply_problem(r, 404, "not-found", "No such plan", NULL);
	if (rc != CE_OK)
		return reply_db(r, rc);
	if ((st = plan_input(r, true, &cur, &in)) != 0)
		return st;
	if ((rc = db_begin(r->db)) != CE_OK)
		return reply_db(r, rc);
	if ((rc = plan_load(r, id, true, &cur)) == CE_NOTFOUND || (rc == CE_OK &&
	    cur.patient_id != pid)) {
		db_rollback(r->db);
		return reply_problem(r, 404, "not-found", "No such plan", NULL);
	}
	if (rc != CE_OK)
		return reply_db(r, rc);
	if (cur.version != in.base_version) {
		db_rollback(r->db);
		if ((cj = plan_json(r, &cur)) == NULL || (extra = json_object_new_object()) == NULL) {
			json_object_put(cj);
			return reply_internal(r, "out of memory");
		}
		json_object_object_add(extra, "current", cj);
		return reply_problem_with(r, 409, "plan-changed", "The plan has changed since you read it",
		    pool_printf(r->pool, "You changed version %" PRId64 "; it is at version %" PRId64
		    " now. Look at the current plan and make your change again.", in.base_version,
		    cur.version), extra);
	}
	if ((rc = db_exec(r->db, r->pool, &res, SQL_CLOCK_PAST, "i", id)) != CE_OK)
		return reply_db(r, rc);
	if (res->nrows != 1 || db_int(res->rows[0][0]) != 1) {
		db_rollback(r->db);
		(void)reply_header(r, "Retry-After", "1");
		return reply_problem(r, 503, "busy", "The plan changed a moment ago",
		    "Nothing was changed. Try again in a second.");
	}
	in.plan.id = id;
	in.plan.patient_id = pid;
	in.plan.version = cur.version + 1;
	if (in.plan.condition == NULL)
		in.plan.condition = cur.condition;
	if (!in.has_status)
		in.plan.active = cur.active;
	if ((body = plan_body_text(r->pool, &in.plan)) == NULL) {
		db_rollback(r->db);
		return reply_internal(r, "out of memory");
	}
	rc = db_exec(r->db, r->pool, NULL, SQL_UPDATE, "sssisii", in.plan.condition,
	    in.plan.active ? "active" : "ended", body, r->who.user_id, in.plan.reason, id,
	    cur.version);
	if (rc == CE_DUPLICATE) {
		db_rollback(r->db);
		return reply_problem(r, 409, "plan-exists",
		    "The patient has another plan for this condition", NULL);
	}
	if (rc != CE_OK)
		return reply_db(r, rc);
	(void)snprintf(ids, sizeof(ids), "%" PRId64, id);
	if ((rc = audit_commit(r, "plan.update", "treatment_plan", ids, "success",
	    plan_audit(&in.plan, cur.version))) != CE_OK)
		return reply_db(r, rc);
	return plan_reply(r, 200, id);
}
