/*
 * audit.fcgi: read and verify the audit trail (auditors and admins).
 * Reading the trail is itself recorded, so the trail shows who looked.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "audit.h"
#include "db.h"
#include "log.h"
#include "pool.h"
#include "reply.h"
#include "req.h"
#include "serve.h"

static const char SQL_EVENTS[] =
    "SELECT e.seq, DATE_FORMAT(e.occurred_at, '%Y-%m-%dT%H:%i:%s.%fZ'), e.actor_id,"
    " e.actor_role, e.actor_reg, e.action, e.entity_type, e.entity_id, e.outcome,"
    " e.request_id, e.client_addr, e.details, e.hash,"
    " CONCAT(u.given_name, ' ', u.family_name), u.email"
    " FROM audit_event e LEFT JOIN users u ON u.id = e.actor_id"
    " WHERE (? IS NULL OR e.actor_id = ?)"
    " AND (? IS NULL OR e.entity_type = ?)"
    " AND (? IS NULL OR e.entity_id = ?)"
    " AND (? IS NULL OR e.action = ?)"
    " AND (? IS NULL OR e.outcome = ?)"
    " AND (? IS NULL OR e.occurred_at >= ?)"
    " AND (? IS NULL OR e.occurred_at < ?)"
    " AND e.seq < ?"
    " ORDER BY e.seq DESC LIMIT ?";

enum { Q_ACTOR, Q_ENTITY_TYPE, Q_ENTITY_ID, Q_ACTION, Q_OUTCOME, Q_FROM, Q_TO, Q_BEFORE,
    Q_LIMIT };

static const struct field events_query[] = {
	[Q_ACTOR] = { "actor", V_INT, false, 1, INT64_MAX, NULL },
	[Q_ENTITY_TYPE] = { "entity_type", V_STRING, false, 1, 32, NULL },
	[Q_ENTITY_ID] = { "entity_id", V_STRING, false, 1, 64, NULL },
	[Q_ACTION] = { "action", V_STRING, false, 1, 64, NULL },
	[Q_OUTCOME] = { "outcome", V_STRING, false, 1, 16, NULL },
	[Q_FROM] = { "from", V_DATETIME, false, 0, 0, NULL },
	[Q_TO] = { "to", V_DATETIME, false, 0, 0, NULL },
	[Q_BEFORE] = { "before", V_INT, false, 1, INT64_MAX, NULL },
	[Q_LIMIT] = { "limit", V_INT, false, 1, 500, NULL },
};

static const char *
qs(const struct req *r, int i)
{
	return r->q.vals != NULL && r->q.vals[i].present ? r->q.vals[i].s : NULL;
}

static struct json_object *
str_or_null(const char *s)
{
	return s != NULL ? json_object_new_string(s) : NULL;
}

/*
 * Records a look at the trail. If the trail itself refuses the row (a row
 * forged beyond the head takes the next number) the look is still answered:
 * an auditor must be able to read and verify a damaged trail. Returns CE_OK,
 * or CE_DEADLOCK/CE_GONE for the caller to pass on.
 */
static enum cerr
record(struct req *r, const char *action, const char *outcome, struct json_object *d)
{
	enum cerr	rc;

	if ((rc = db_begin(r->db)) != CE_OK) {
		json_object_put(d);
		return rc;
	}
	rc = audit_commit(r, action, "audit_trail", NULL, outcome, d);
	if (rc == CE_DEADLOCK || rc == CE_GONE)
		return rc;
	if (rc != CE_OK) {
		db_rollback(r->db);
		log_err("could not record %s: %s (answering anyway)", action, cerr_str(rc));
	}
	return CE_OK;
}

static int
events(struct req *r)
{
	struct db_res		*res;
	struct json_object	*o, *arr, *e, *d, *f;
	const char		*why;
	int64_t			 before = INT64_MAX, limit = 50;
	size_t			 i;
	char			**row;
	enum cerr		 rc;
	int			 k;

	if (r->q.vals != NULL && r->q.vals[Q_BEFORE].present)
		before = r->q.vals[Q_BEFORE].i;
	if (r->q.vals != NULL && r->q.vals[Q_LIMIT].present)
		limit = r->q.vals[Q_LIMIT].i;
	if ((rc = db_exec(r->db, r->pool, &res, SQL_EVENTS, "ssssssssssssssii",
	    qs(r, Q_ACTOR), qs(r, Q_ACTOR), qs(r, Q_ENTITY_TYPE), qs(r, Q_ENTITY_TYPE),
	    qs(r, Q_ENTITY_ID), qs(r, Q_ENTITY_ID), qs(r, Q_ACTION), qs(r, Q_ACTION),
	    qs(r, Q_OUTCOME), qs(r, Q_OUTCOME), qs(r, Q_FROM), qs(r, Q_FROM),
	    qs(r, Q_TO), qs(r, Q_TO), before, limit)) != CE_OK)
		return reply_db(r, rc);
	/* Record the look, with the filter used, before answering. */
	f = json_object_new_object();
	for (k = 0; k < (int)nitems(events_query); k++)
		if (qs(r, k) != NULL)
			json_object_object_add(f, events_query[k].name,
			    json_object_new_string(qs(r, k)));
	if ((rc = record(r, "audit.events_viewed", "success", f)) != CE_OK)
		return reply_db(r, rc);

	o = json_object_new_object();
	arr = json_object_new_array();
	json_object_object_add(o, "events", arr);
	for (i = 0; i < res->nrows; i++) {
		row = res->rows[i];
		e = json_object_new_object();
		json_object_object_add(e, "seq", json_object_new_int64(db_int(row[0])));
		json_object_object_add(e, "occurred_at", str_or_null(row[1]));
		json_object_object_add(e, "actor_id", row[2] ? json_object_new_int64(db_int(row[2])) : NULL);
		json_object_object_add(e, "actor_role", str_or_null(row[3]));
		json_object_object_add(e, "actor_registration", str_or_null(row[4]));
		json_object_object_add(e, "actor_name", str_or_null(row[13]));
		json_object_object_add(e, "actor_email", str_or_null(row[14]));
		json_object_object_add(e, "action", str_or_null(row[5]));
		json_object_object_add(e, "entity_type", str_or_null(row[6]));
		json_object_object_add(e, "entity_id", str_or_null(row[7]));
		json_object_object_add(e, "outcome", str_or_null(row[8]));
		json_object_object_add(e, "request_id", str_or_null(row[9]));
		json_object_object_add(e, "client_addr", str_or_null(row[10]));
		d = row[11] != NULL ? req_parse_json(row[11], res->lens[i][11], &why) : NULL;
		json_object_object_add(e, "details", d);
		json_object_object_add(e, "hash", str_or_null(row[12]));
		json_object_array_add(arr, e);
	}
	if (res->nrows == (size_t)limit && res->nrows > 0)
		json_object_object_add(o, "next_before",
		    json_object_new_int64(db_int(res->rows[res->nrows - 1][0])));
	else
		json_object_object_add(o, "next_before", NULL);
	return reply_json(r, 200, o);
}

static int
verify(struct req *r)
{
	struct audit_verdict	 v;
	struct json_object	*o, *d;
	enum cerr		 rc;

	if ((rc = audit_verify(r->db, &v)) != CE_OK)
		return reply_db(r, rc);
	d = json_object_new_object();
	json_object_object_add(d, "ok", json_object_new_boolean(v.ok));
	json_object_object_add(d, "count", json_object_new_int64(v.count));
	if (!v.ok)
		json_object_object_add(d, "first_bad", json_object_new_int64(v.first_bad));
	if ((rc = record(r, "audit.verified", v.ok ? "success" : "failure", d)) != CE_OK)
		return reply_db(r, rc);
	o = json_object_new_object();
	json_object_object_add(o, "ok", json_object_new_boolean(v.ok));
	json_object_object_add(o, "count", json_object_new_int64(v.count));
	json_object_object_add(o, "head", json_object_new_string(v.head));
	json_object_object_add(o, "head_seq", json_object_new_int64(v.head_seq));
	json_object_object_add(o, "first_bad", v.ok ? NULL : json_object_new_int64(v.first_bad));
	json_object_object_add(o, "reason", v.ok ? NULL : json_object_new_string(v.reason));
	return reply_json(r, 200, o);
}

static const struct route routes[] = {
	{ "GET", "/api/v1/audit/events", events, ROLE_AUDITOR | ROLE_ADMIN, NULL, 0,
	    events_query, nitems(events_query) },
	{ "GET", "/api/v1/audit/verify", verify, ROLE_AUDITOR | ROLE_ADMIN, NULL, 0, NULL, 0 },
};

int
main(void)
{
	return serve("audit", routes, nitems(routes), NULL);
}
