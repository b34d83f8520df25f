/*
 * The pipeline dashboard (docs/API.md#pipeline-notifications-and-stock):
 * every open prescription's stage, how long it has been there and whether
 * that is over the stage's limit (pipeline_limit), stuck ones first; counts
 * per stage; the limits and their changes. Reads are audited
 * ("pipeline.read": the rows name patients).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "audit.h"
#include "conf.h"
#include "db.h"
#include "log.h"
#include "pool.h"
#include "reply.h"
#include "req.h"
#include "view.h"
#include "../appointments/apptime.h"

#define OPEN_STAGES	"('signed','sent','out_of_stock','awaiting_paper','accepted','dispensed'," \
	"'shipped')"

static const char *const stage_order[] = { "signed", "sent", "out_of_stock", "awaiting_paper",
	"accepted", "dispensed", "shipped" };
#define NSTAGES	(sizeof(stage_order) / sizeof(stage_order[0]))

static const char SQL_ROWS[] =
    "SELECT p.id, p.status, p.patient_id, pu.given_name, pu.family_name, p.prescriber_id,"
    " cu.given_name, cu.family_name, p.pharmacy_id, pp.name,"
    " DATE_FORMAT(p.status_changed_at, '%Y-%m-%dT%H:%i:%sZ'),"
    " TIMESTAMPDIFF(SECOND, '1970-01-01', p.status_changed_at),"
    " TIMESTAMPDIFF(SECOND, '1970-01-01', UTC_TIMESTAMP(6)),"
    " l.amount, l.unit, l.reason,"
    " le.status, DATE_FORMAT(le.at, '%Y-%m-%dT%H:%i:%sZ'), le.reason, le.source,"
    " o.status, o.last_error, o.attempts, p.pharmacy_ref"
    " FROM prescription p JOIN users pu ON pu.id = p.patient_id"
    " JOIN users cu ON cu.id = p.prescriber_id"
    " LEFT JOIN pharmacy_partner pp ON pp.id = p.pharmacy_id"
    " LEFT JOIN pipeline_limit l ON l.stage = p.status"
    " LEFT JOIN prescription_event le ON le.id ="
    "  (SELECT MAX(e.id) FROM prescription_event e WHERE e.prescription_id = p.id)"
    " LEFT JOIN outbox o ON o.idempotency_key = CONCAT('rx-', p.id, '-sent')"
    " WHERE p.status IN " OPEN_STAGES
    " AND (? = 0 OR p.pharmacy_id = ?) AND (? = 0 OR p.prescriber_id = ?)"
    " AND p.status_changed_at <= UTC_TIMESTAMP(6) - INTERVAL ? MINUTE"
    " ORDER BY p.status_changed_at, p.id LIMIT 5000";
static const char SQL_DEAD[] =
    "SELECT COUNT(*) FROM outbox WHERE status = 'failed' AND kind LIKE 'pharmacy.%'";
static const char SQL_LIMITS[] =
    "SELECT l.stage, l.amount, l.unit, l.reason, l.updated_by, u.given_name, u.family_name,"
    " DATE_FORMAT(l.updated_at, '%Y-%m-%dT%H:%i:%sZ') FROM pipeline_limit l"
    " LEFT JOIN users u ON u.id = l.updated_by";
static const char SQL_LIMIT_LOCK[] =
    "SELECT amount, unit, reason FROM pipeline_limit WHERE stage = ? FOR UPDATE";
static const char SQL_LIMIT_SET[] =
    "UPDATE pipeline_limit SET amount = ?, unit = ?, reason = ?, updated_by = ?,"
    " updated_at = UTC_TIMESTAMP(6) WHERE stage = ?";
static const char SQL_LIMIT_ADD[] =
    "INSERT INTO pipeline_limit (stage, amount, unit, reason, updated_by, updated_at)"
    " VALUES (?, ?, ?, ?, ?, UTC_TIMESTAMP(6))";

/*
 * Working days are the clinic's (clinic_timezone): instants move to local
 * wall-clock time before Monday..Friday are counted. The zone is set once
 * per process; an unknown zone leaves UTC (logged).
 */
static bool
over_limit(int64_t since, int64_t now, int64_t amount, const char *unit)
{
	static int	zone = 0;	/* 0 not tried, 1 set, -1 unknown */

	if (unit == NULL || strcmp(unit, "working_days") != 0)
		return bridge_over_limit(since, now, amount, unit);
	if (zone == 0) {
		zone = at_zone_set(conf.clinic_timezone) == 0 ? 1 : -1;
		if (zone < 0)
			log_warn("pipeline: clinic_timezone %s is not a zone: working days in UTC",
			    conf.clinic_timezone);
	}
	if (zone > 0) {
		since += at_offset(since);
		now += at_offset(now);
	}
	return bridge_over_limit(since, now, amount, unit);
}

static int
stage_index(const char *s)
{
	size_t	i;

	for (i = 0; s != NULL && i < NSTAGES; i++)
		if (strcmp(stage_order[i], s) == 0)
			return (int)i;
	return -1;
}

struct prow {
	char		**c;
	int64_t		  since, now;
	bool		  stuck;
	const char	 *reason;
};

static int
cmp_rows(const void *a, const void *b)
{
	const struct prow	*x = a, *y = b;

	if (x->stuck != y->stuck)
		return x->stuck ? -1 : 1;
	if (x->since != y->since)
		return x->since < y->since ? -1 : 1;
	return db_int(x->c[0]) < db_int(y->c[0]) ? -1 : 1;
}

static void
add_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, v != NULL ? json_object_new_string(v) : NULL);
}

static struct json_object *
person(struct req *r, const char *id, const char *given, const char *family)
{
	struct json_object	*p = json_object_new_object();

	if (p == NULL)
		return NULL;
	json_object_object_add(p, "id", json_object_new_int64(db_int(id)));
	add_str(p, "name", pool_printf(r->pool, "%s %s", given, family));
	return p;
}

static struct json_object *
row_json(struct req *r, const struct prow *w)
{
	char			**c = w->c;
	struct json_object	 *e = json_object_new_object(), *v;

	if (e == NULL)
		return NULL;
	json_object_object_add(e, "prescription_id", json_object_new_int64(db_int(c[0])));
	json_object_object_add(e, "patient", person(r, c[2], c[3], c[4]));
	json_object_object_add(e, "prescriber", person(r, c[5], c[6], c[7]));
	if (c[8] != NULL && (v = json_object_new_object()) != NULL) {
		json_object_object_add(v, "id", json_object_new_int64(db_int(c[8])));
		add_str(v, "name", c[9]);
		json_object_object_add(e, "pharmacy", v);
	} else
		json_object_object_add(e, "pharmacy", NULL);
	add_str(e, "pharmacy_ref", c[23]);
	add_str(e, "stage", c[1]);
	add_str(e, "stage_label", bridge_stage_label(c[1]));
	add_str(e, "since", c[10]);
	json_object_object_add(e, "minutes_in_stage", json_object_new_int64(
	    w->now > w->since ? (w->now - w->since) / 60 : 0));
	if (c[13] != NULL && (v = json_object_new_object()) != NULL) {
		json_object_object_add(v, "amount", json_object_new_int64(db_int(c[13])));
		add_str(v, "unit", c[14]);
		json_object_object_add(e, "limit", v);
	} else
		json_object_object_add(e, "limit", NULL);
	json_object_object_add(e, "stuck", json_object_new_boolean(w->stuck));
	add_str(e, "stuck_reason", w->stuck ? w->reason : NULL);
	if (c[16] != NULL && (v = json_object_new_object()) != NULL) {
		add_str(v, "status", c[16]);
		add_str(v, "at", c[17]);
		add_str(v, "reason", c[18]);
		add_str(v, "source", c[19]);
		json_object_object_add(e, "last_event", v);
	} else
		json_object_object_add(e, "last_event", NULL);
	if (c[20] != NULL && (v = json_object_new_object()) != NULL) {
		add_str(v, "status", strcmp(c[20], "failed") == 0 ? "dead_letter" : c[20]);
		json_object_object_add(v, "attempts", json_object_new_int64(db_int(c[22])));
		add_str(v, "last_error", c[21]);
		json_object_object_add(e, "delivery", v);
	} else
		json_object_object_add(e, "delivery", NULL);
	return e;
}

int
pipeline_list(struct req *r)
{
	const struct val	*q = r->q.vals;
	const char		*stage = q[0].present ? q[0].s : NULL;
	int64_t			 pharmacy = q[1].present ? q[1].i : 0;
	int64_t			 prescriber = q[2].present ? q[2].i : 0;
	int64_t			 older = q[3].present ? q[3].i : 0;
	bool			 only_stuck = q[4].present && q[4].i != 0;
	int64_t			 limit = q[5].present ? q[5].i : 500;
	struct db_res		*res, *dead;
	struct prow		*rows;
	struct json_object	*o, *a = NULL, *counts, *cs[NSTAGES], *d, *e;
	int64_t			 nstage[NSTAGES] = { 0 }, nstuck[NSTAGES] = { 0 }, total_stuck = 0;
	size_t			 i, n;
	int			 k;
	enum cerr		 rc;

	if ((rc = db_exec(r->db, r->pool, &res, SQL_ROWS, "iiiii", pharmacy, pharmacy, prescriber,
	    prescriber, older)) != CE_OK ||
	    (rc = db_exec(r->db, r->pool, &dead, SQL_DEAD, "")) != CE_OK)
		return reply_db(r, rc);
	if ((rows = pool_calloc(r->pool, res->nrows + 1, sizeof(*rows))) == NULL)
		return reply_internal(r, "out of memory");
	for (i = n = 0; i < res->nrows; i++) {
		char **c = res->rows[i];
		struct prow *w = &rows[n];

		w->c = c;
		w->since = db_int(c[11]);
		w->now = db_int(c[12]);
		if (c[20] != NULL && strcmp(c[20], "failed") == 0 && strcmp(c[1], "signed") == 0) {
			w->stuck = true;
			w->reason = pool_printf(r->pool, "could not be delivered to the pharmacy"
			    " (dead letter after %s attempts%s%s)", c[22], c[21] != NULL ? ": " : "",
			    c[21] != NULL ? c[21] : "");
		} else if (c[13] != NULL &&
		    over_limit(w->since, w->now, db_int(c[13]), c[14])) {
			w->stuck = true;
			w->reason = c[15];
		}
		if ((k = stage_index(c[1])) >= 0) {
			nstage[k]++;
			if (w->stuck) {
				nstuck[k]++;
				total_stuck++;
			}
		}
		if (stage != NULL && strcmp(stage, c[1]) != 0)
			continue;
		if (only_stuck && !w->stuck)
			continue;
		n++;
	}
	qsort(rows, n, sizeof(*rows), cmp_rows);
	if ((o = json_object_new_object()) == NULL || (a = json_object_new_array()) == NULL ||
	    (counts = json_object_new_object()) == NULL) {
		json_object_put(o);
		json_object_put(a);
		return reply_internal(r, "out of memory");
	}
	json_object_object_add(o, "prescriptions", a);
	json_object_object_add(o, "counts", counts);
	for (i = 0; i < NSTAGES; i++) {
		if ((cs[i] = json_object_new_object()) == NULL)
			continue;
		json_object_object_add(cs[i], "label", json_object_new_string(
		    bridge_stage_label(stage_order[i])));
		json_object_object_add(cs[i], "count", json_object_new_int64(nstage[i]));
		json_object_object_add(cs[i], "stuck", json_object_new_int64(nstuck[i]));
		json_object_object_add(counts, stage_order[i], cs[i]);
	}
	json_object_object_add(o, "stuck", json_object_new_int64(total_stuck));
	json_object_object_add(o, "total", json_object_new_int64((int64_t)res->nrows));
	json_object_object_add(o, "dead_letters", json_object_new_int64(db_int(dead->rows[0][0])));
	json_object_object_add(o, "truncated", json_object_new_boolean((int64_t)n > limit));
	for (i = 0; i < n && (int64_t)i < limit; i++) {
		if ((e = row_json(r, &rows[i])) == NULL) {
			json_object_put(o);
			return reply_internal(r, "out of memory");
		}
		json_object_array_add(a, e);
	}
	if ((d = json_object_new_object()) != NULL) {
		json_object_object_add(d, "rows", json_object_new_int64((int64_t)(n < (size_t)limit ?
		    n : (size_t)limit)));
		if (stage != NULL)
			json_object_object_add(d, "stage", json_object_new_string(stage));
		if (pharmacy != 0)
			json_object_object_add(d, "pharmacy", json_object_new_int64(pharmacy));
		if (prescriber != 0)
			json_object_object_add(d, "prescriber", json_object_new_int64(prescriber));
		if (only_stuck)
			json_object_object_add(d, "stuck", json_object_new_boolean(1));
	}
	if ((rc = db_begin(r->db)) != CE_OK ||
	    (rc = audit_commit(r, "pipeline.read", "prescription", NULL, "success", d)) != CE_OK) {
		json_object_put(o);
		return reply_db(r, rc);
	}
	return reply_json(r, 200, o);
}

static struct json_object *
limit_json(char **c)
{
	struct json_object	*e = json_object_new_object(), *b;

	if (e == NULL)
		return NULL;
	add_str(e, "stage", c[0]);
	add_str(e, "stage_label", bridge_stage_label(c[0]));
	json_object_object_add(e, "amount", json_object_new_int64(db_int(c[1])));
	add_str(e, "unit", c[2]);
	add_str(e, "reason", c[3]);
	if (c[4] != NULL && (b = json_object_new_object()) != NULL) {
		json_object_object_add(b, "id", json_object_new_int64(db_int(c[4])));
		json_object_object_add(e, "updated_by", b);
	} else
		json_object_object_add(e, "updated_by", NULL);
	add_str(e, "updated_at", c[7]);
	return e;
}

/* [{stage, stage_label, amount, unit, reason, updated_by, updated_at}] in stage order. */
static struct json_object *
limits_json(struct req *r, enum cerr *rc)
{
	struct db_res		*res;
	struct json_object	*a, *e, *b;
	size_t			 i, j;

	if ((*rc = db_exec(r->db, r->pool, &res, SQL_LIMITS, "")) != CE_OK)
		return NULL;
	if ((a = json_object_new_array()) == NULL) {
		*rc = CE_NOMEM;
		return NULL;
	}
	for (j = 0; j < NSTAGES; j++)
		for (i = 0; i < res->nrows; i++) {
			char **c = res->rows[i];

			if (strcmp(c[0], stage_order[j]) != 0 || (e = limit_json(c)) == NULL)
				continue;
			if (json_object_object_get_ex(e, "updated_by", &b) && b != NULL)
				json_object_object_add(b, "name", json_object_new_string(
				    pool_printf(r->pool, "%s %s", c[5] != NULL ? c[5] : "",
				    c[6] != NULL ? c[6] : "")));
			json_object_array_add(a, e);
		}
	return a;
}

int
pipeline_limits(struct req *r)
{
	struct json_object	*o, *a;
	enum cerr		 rc;

	if ((a = limits_json(r, &rc)) == NULL)
		return reply_db(r, rc);
	if ((o = json_object_new_object()) == NULL) {
		json_object_put(a);
		return reply_internal(r, "out of memory");
	}
	json_object_object_add(o, "limits", a);
	return reply_json(r, 200, o);
}

int
pipeline_limit_put(struct req *r)
{
	const char		*stage = req_param(r, "stage"), *unit = r->in.vals[1].s;
	const char		*reason = r->in.vals[2].s;
	int64_t			 amount = r->in.vals[0].i;
	struct db_res		*res;
	struct json_object	*d, *b, *a, *o;
	enum cerr		 rc;

	if (stage_index(stage) < 0)
		return reply_problem(r, 404, "not-found", "No such stage",
		    "Stages with limits: signed, sent, out_of_stock, awaiting_paper, accepted,"
		    " dispensed, shipped.");
	/* a limit longer than a year is no limit: say so rather than store it */
	if ((strcmp(unit, "minutes") == 0 && amount > 525600) ||
	    (strcmp(unit, "hours") == 0 && amount > 8760) ||
	    ((strcmp(unit, "days") == 0 || strcmp(unit, "working_days") == 0) && amount > 366))
		return reply_field(r, 422, "amount", "must be at most a year (525600 minutes,"
		    " 8760 hours, 366 days)");
	if ((rc = db_begin(r->db)) != CE_OK ||
	    (rc = db_exec(r->db, r->pool, &res, SQL_LIMIT_LOCK, "s", stage)) != CE_OK)
		return reply_db(r, rc);
	if ((d = json_object_new_object()) == NULL || (a = json_object_new_object()) == NULL) {
		json_object_put(d);
		db_rollback(r->db);
		return reply_internal(r, "out of memory");
	}
	if (res->nrows == 1 && (b = json_object_new_object()) != NULL) {
		json_object_object_add(b, "amount", json_object_new_int64(db_int(res->rows[0][0])));
		json_object_object_add(b, "unit", json_object_new_string(res->rows[0][1]));
		json_object_object_add(b, "reason", json_object_new_string(res->rows[0][2]));
		json_object_object_add(d, "before", b);
	} else
		json_object_object_add(d, "before", NULL);
	json_object_object_add(a, "amount", json_object_new_int64(amount));
	json_object_object_add(a, "unit", json_object_new_string(unit));
	json_object_object_add(a, "reason", json_object_new_string(reason));
	json_object_object_add(d, "after", a);
	if (res->nrows == 1)
		rc = db_exec(r->db, r->pool, NULL, SQL_LIMIT_SET, "issis", amount, unit, reason,
		    r->who.user_id, stage);
	else
		rc = db_exec(r->db, r->pool, NULL, SQL_LIMIT_ADD, "sissi", stage, amount, unit,
		    reason, r->who.user_id);
	if (rc != CE_OK) {
		json_object_put(d);
		return reply_db(r, rc);
	}
	if ((rc = audit_commit(r, "pipeline.limit_set", "pipeline_limit", stage, "success",
	    d)) != CE_OK)
		return reply_db(r, rc);
	if ((a = limits_json(r, &rc)) == NULL)
		return reply_db(r, rc);
	if ((o = json_object_new_object()) == NULL) {
		json_object_put(a);
		return reply_internal(r, "out of memory");
	}
	json_object_object_add(o, "limits", a);
	return reply_json(r, 200, o);
}
