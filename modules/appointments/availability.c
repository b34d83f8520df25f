/*
 * Clinicians' availability: weekly templates (local wall-clock hours) and
 * exceptions (leave, extra sessions; real time). A clinician keeps their
 * own; an admin keeps anyone's, naming clinician_id.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "apptime.h"
#include "appt.h"
#include "audit.h"
#include "db.h"
#include "patient.h"
#include "reply.h"
#include "req.h"

#define DAY	86400

#define TPL_COLS "id, clinician_id, weekday, TIME_FORMAT(start_time, '%H:%i')," \
    " TIME_FORMAT(end_time, '%H:%i'), valid_from, valid_until, created_at"
#define EXC_COLS "id, clinician_id, kind, starts_at, ends_at, reason, created_at"

static const char SQL_IS_CLINICIAN[] =
    "SELECT 1 FROM users WHERE id = ? AND role = 'clinician'";
static const char SQL_TPL_LIST[] =
    "SELECT " TPL_COLS " FROM availability_template WHERE (? = 0 OR clinician_id = ?)"
    " ORDER BY clinician_id, weekday, start_time, id";
static const char SQL_TPL_ONE[] =
    "SELECT " TPL_COLS " FROM availability_template WHERE id = ?";
static const char SQL_TPL_LOCK[] =
    "SELECT " TPL_COLS " FROM availability_template WHERE id = ? FOR UPDATE";
static const char SQL_TPL_INSERT[] =
    "INSERT INTO availability_template (clinician_id, weekday, start_time, end_time,"
    " valid_from, valid_until, created_by, created_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(6))";
static const char SQL_TPL_DELETE[] =
    "DELETE FROM availability_template WHERE id = ?";
static const char SQL_EXC_LIST[] =
    "SELECT " EXC_COLS " FROM availability_exception WHERE (? = 0 OR clinician_id = ?)"
    " AND ends_at > ? AND starts_at < ? ORDER BY starts_at, id LIMIT 1000";
static const char SQL_EXC_ONE[] =
    "SELECT " EXC_COLS " FROM availability_exception WHERE id = ?";
static const char SQL_EXC_LOCK[] =
    "SELECT " EXC_COLS " FROM availability_exception WHERE id = ? FOR UPDATE";
static const char SQL_EXC_INSERT[] =
    "INSERT INTO availability_exception (clinician_id, kind, starts_at, ends_at, reason,"
    " created_by, created_at) VALUES (?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(6))";
static const char SQL_EXC_DELETE[] =
    "DELETE FROM availability_exception WHERE id = ?";
static const char SQL_OVERLAP[] =
    "SELECT id FROM appointment WHERE clinician_id = ? AND live = 1"
    " AND starts_at < ? AND ends_at > ? ORDER BY starts_at";
static const char SQL_CLINICIANS[] =
    "SELECT u.id, CONCAT(u.given_name, ' ', u.family_name) FROM users u"
    " WHERE u.role = 'clinician' AND u.disabled = 0 AND (EXISTS (SELECT 1 FROM"
    " availability_template t WHERE t.clinician_id = u.id AND (t.valid_until IS NULL OR"
    " t.valid_until >= UTC_DATE())) OR EXISTS (SELECT 1 FROM availability_exception e"
    " WHERE e.clinician_id = u.id AND e.kind = 'extra' AND e.ends_at > UTC_TIMESTAMP()))"
    " ORDER BY u.family_name, u.given_name, u.id";

/*
 * Whose availability a request is about: a clinician's own (another id is
 * 403), or for an admin the clinician_id given (422 when missing or not a
 * clinician; for lists, where it is a query parameter, 0 means everyone and
 * one that is not a clinician is 400 like any bad query). Returns the id, or
 * 0 with the reply made (*replied true).
 */
static int64_t
whose(struct req *r, const struct val *v, bool list, bool *replied)
{
	struct db_res	*res;
	enum cerr	 rc;

	*replied = false;
	if (r->who.role == ROLE_CLINICIAN) {
		if (v->present && v->i != r->who.user_id) {
			*replied = true;
			(void)reply_problem(r, 403, "forbidden", "Not allowed",
			    "Clinicians keep only their own availability.");
			return 0;
		}
		return r->who.user_id;
	}
	if (!v->present) {
		if (list)
			return 0;
		*replied = true;
		(void)reply_field(r, 422, "clinician_id", "is required for admins");
		return 0;
	}
	if ((rc = db_exec(r->db, r->pool, &res, SQL_IS_CLINICIAN, "i", v->i)) != CE_OK) {
		*replied = true;
		(void)reply_db(r, rc);
		return 0;
	}
	if (res->nrows != 1) {
		*replied = true;
		(void)reply_field(r, list ? 400 : 422, "clinician_id",
		    "is not a clinician of this clinic");
		return 0;
	}
	return v->i;
}

static void
add_sql_time(struct json_object *o, const char *name, const char *sql, bool local)
{
	int64_t	t;
	char	b[AT_LOCAL_LEN];

	if (sql == NULL || at_parse_sql(sql, &t) != 0) {
		json_object_object_add(o, name, NULL);
		return;
	}
	json_object_object_add(o, name, json_object_new_string(local ? at_fmt_local(t, b) :
	    at_fmt_utc(t, b)));
}

static struct json_object *
tpl_json(char **row)
{
	struct json_object	*o = json_object_new_object();

	if (o == NULL)
		return NULL;
	json_object_object_add(o, "id", json_object_new_int64(db_int(row[0])));
	json_object_object_add(o, "clinician_id", json_object_new_int64(db_int(row[1])));
	json_object_object_add(o, "weekday", json_object_new_int64(db_int(row[2])));
	json_object_object_add(o, "start_time", json_object_new_string(row[3]));
	json_object_object_add(o, "end_time", json_object_new_string(row[4]));
	json_object_object_add(o, "valid_from", json_object_new_string(row[5]));
	json_object_object_add(o, "valid_until", row[6] != NULL ? json_object_new_string(row[6]) :
	    NULL);
	add_sql_time(o, "created_at", row[7], false);
	return o;
}

static struct json_object *
exc_json(char **row)
{
	struct json_object	*o = json_object_new_object();

	if (o == NULL)
		return NULL;
	json_object_object_add(o, "id", json_object_new_int64(db_int(row[0])));
	json_object_object_add(o, "clinician_id", json_object_new_int64(db_int(row[1])));
	json_object_object_add(o, "kind", json_object_new_string(row[2]));
	add_sql_time(o, "starts_at", row[3], false);
	add_sql_time(o, "ends_at", row[4], false);
	add_sql_time(o, "starts_at_local", row[3], true);
	add_sql_time(o, "ends_at_local", row[4], true);
	json_object_object_add(o, "reason", row[5] != NULL ? json_object_new_string(row[5]) : NULL);
	add_sql_time(o, "created_at", row[6], false);
	return o;
}

static int
reply_rows(struct req *r, const char *key, struct db_res *res,
    struct json_object *(*fn)(char **))
{
	struct json_object	*o = json_object_new_object(), *a = json_object_new_array(), *one;
	size_t			 i;

	if (o == NULL || a == NULL) {
		json_object_put(o);
		json_object_put(a);
		return reply_internal(r, "out of memory");
	}
	json_object_object_add(o, key, a);
	for (i = 0; i < res->nrows; i++) {
		if ((one = fn(res->rows[i])) == NULL) {
			json_object_put(o);
			return reply_internal(r, "out of memory");
		}
		json_object_array_add(a, one);
	}
	return reply_json(r, 200, o);
}

int
avail_list(struct req *r)
{
	struct db_res	*res;
	int64_t		 who;
	bool		 replied;
	enum cerr	 rc;

	who = whose(r, &r->q.vals[0], true, &replied);
	if (replied)
		return r->status;
	if ((rc = db_exec(r->db, r->pool, &res, SQL_TPL_LIST, "ii", who, who)) != CE_OK)
		return reply_db(r, rc);
	return reply_rows(r, "availability", res, tpl_json);
}

int
avail_create(struct req *r)
{
	const struct val	*v = r->in.vals;
	struct db_res		*res;
	struct json_object	*d, *o;
	int64_t			 who, from, until = 0, id;
	int			 sm, em, m;
	bool			 replied;
	char			 today[AT_DATE_LEN], ids[24], st[6], et[6];
	enum cerr		 rc;

	who = whose(r, &v[5], false, &replied);
	if (replied)
		return r->status;
	(void)at_parse_hhmm(v[1].s, false, &sm);
	(void)at_parse_hhmm(v[2].s, true, &em);
	if (em <= sm)
		return reply_field(r, 422, "end_time", "must be after start_time");
	if (v[3].present)
		(void)at_parse_date(v[3].s, &from);
	else
		at_local_day(appt_now(), &from, &m);
	if (v[4].present) {
		(void)at_parse_date(v[4].s, &until);
		if (until < from)
			return reply_field(r, 422, "valid_until", "must not be before valid_from");
	}
	(void)at_fmt_date(from, today);
	if ((rc = db_begin(r->db)) != CE_OK ||
	    (rc = db_exec(r->db, r->pool, NULL, SQL_TPL_INSERT, "iissssi",
	    who, v[0].i, at_fmt_hhmm(sm, st), at_fmt_hhmm(em, et), today,
	    v[4].present ? v[4].s : NULL, r->who.user_id)) != CE_OK)
		return reply_db(r, rc);
	id = (int64_t)db_insert_id(r->db);
	(void)snprintf(ids, sizeof(ids), "%" PRId64, id);
	d = json_object_new_object();
	json_object_object_add(d, "clinician_id", json_object_new_int64(who));
	json_object_object_add(d, "weekday", json_object_new_int64(v[0].i));
	json_object_object_add(d, "start_time", json_object_new_string(st));
	json_object_object_add(d, "end_time", json_object_new_string(et));
	json_object_object_add(d, "valid_from", json_object_new_string(today));
	json_object_object_add(d, "valid_until", v[4].present ? json_object_new_string(v[4].s) : NULL);
	if ((rc = audit_commit(r, "appointment.availability_added", "availability_template", ids,
	    "success", d)) != CE_OK)
		return reply_db(r, rc);
	if ((rc = db_exec(r->db, r->pool, &res, SQL_TPL_ONE, "i", id)) != CE_OK)
		return reply_db(r, rc);
	if (res->nrows != 1 || (o = tpl_json(res->rows[0])) == NULL)
		return reply_internal(r, "template vanished");
	return reply_json(r, 201, o);
}

/* Deletes a template or an exception the principal keeps; 204. */
static int
remove_row(struct req *r, const char *lock_sql, const char *delete_sql, const char *action,
    const char *entity, struct json_object *(*fn)(char **))
{
	struct db_res		*res;
	struct json_object	*d;
	int64_t			 id = req_id(r, "id");
	char			 ids[24];
	enum cerr		 rc;

	if (id == 0)
		return reply_problem(r, 404, "not-found", "No such availability", NULL);
	if ((rc = db_begin(r->db)) != CE_OK ||
	    (rc = db_exec(r->db, r->pool, &res, lock_sql, "i", id)) != CE_OK)
		return reply_db(r, rc);
	if (res->nrows != 1 || (r->who.role == ROLE_CLINICIAN &&
	    db_int(res->rows[0][1]) != r->who.user_id)) {
		db_rollback(r->db);
		return reply_problem(r, 404, "not-found", "No such availability", NULL);
	}
	if ((d = fn(res->rows[0])) == NULL)
		return reply_internal(r, "out of memory");
	if ((rc = db_exec(r->db, r->pool, NULL, delete_sql, "i", id)) != CE_OK) {
		json_object_put(d);
		return reply_db(r, rc);
	}
	(void)snprintf(ids, sizeof(ids), "%" PRId64, id);
	if ((rc = audit_commit(r, action, entity, ids, "success", d)) != CE_OK)
		return reply_db(r, rc);
	return reply_empty(r, 204);
}

int
avail_delete(struct req *r)
{
	return remove_row(r, SQL_TPL_LOCK, SQL_TPL_DELETE, "appointment.availability_removed",
	    "availability_template", tpl_json);
}

int
exc_list(struct req *r)
{
	const struct val	*v = r->q.vals;
	struct db_res		*res;
	int64_t			 who, from, to;
	bool			 replied;
	char			 lo[AT_SQL_LEN], hi[AT_SQL_LEN];
	enum cerr		 rc;

	who = whose(r, &v[0], true, &replied);
	if (replied)
		return r->status;
	from = v[1].present ? appt_day_or_instant(v[1].s, false) : appt_now() - DAY;
	to = v[2].present ? appt_day_or_instant(v[2].s, true) : from + 400 * (int64_t)DAY;
	if (to <= from)
		return reply_field(r, 400, "to", "must be after from");
	if ((rc = db_exec(r->db, r->pool, &res, SQL_EXC_LIST, "iiss", who, who,
	    at_fmt_sql(from, lo), at_fmt_sql(to, hi))) != CE_OK)
		return reply_db(r, rc);
	return reply_rows(r, "exceptions", res, exc_json);
}

int
exc_create(struct req *r)
{
	const struct val	*v = r->in.vals;
	struct db_res		*res, *ov;
	struct json_object	*d, *o, *ids_a;
	int64_t			 who, s, e, id;
	bool			 replied;
	char			 ss[AT_SQL_LEN], es[AT_SQL_LEN], b[AT_UTC_LEN], ids[24];
	size_t			 i;
	enum cerr		 rc;

	who = whose(r, &v[4], false, &replied);
	if (replied)
		return r->status;
	(void)at_parse_instant(v[1].s, true, &s);
	(void)at_parse_instant(v[2].s, true, &e);
	if (s % 60 != 0)
		return reply_field(r, 422, "starts_at", "must be a whole minute");
	if (e % 60 != 0)
		return reply_field(r, 422, "ends_at", "must be a whole minute");
	if (e <= s)
		return reply_field(r, 422, "ends_at", "must be after starts_at");
	if (e - s > 366 * (int64_t)DAY)
		return reply_field(r, 422, "ends_at", "must be at most 366 days after starts_at");
	if (strcmp(v[0].s, "extra") == 0 && e - s > DAY + 3600)
		return reply_field(r, 422, "ends_at", "an extra session lasts at most a day");
	(void)at_fmt_sql(s, ss);
	(void)at_fmt_sql(e, es);
	if ((rc = db_begin(r->db)) != CE_OK ||
	    (rc = db_exec(r->db, r->pool, NULL, SQL_EXC_INSERT, "issssi", who, v[0].s, ss, es,
	    v[3].present && v[3].len > 0 ? v[3].s : NULL, r->who.user_id)) != CE_OK)
		return reply_db(r, rc);
	id = (int64_t)db_insert_id(r->db);
	(void)snprintf(ids, sizeof(ids), "%" PRId64, id);
	/* Leave does not cancel bookings: the reply lists those it overlaps. */
	if ((rc = db_exec(r->db, r->pool, &ov, SQL_OVERLAP, "iss", who, es, ss)) != CE_OK)
		return reply_db(r, rc);
	d = json_object_new_object();
	json_object_object_add(d, "clinician_id", json_object_new_int64(who));
	json_object_object_add(d, "kind", json_object_new_string(v[0].s));
	json_object_object_add(d, "starts_at", json_object_new_string(at_fmt_utc(s, b)));
	json_object_object_add(d, "ends_at", json_object_new_string(at_fmt_utc(e, b)));
	if ((rc = audit_commit(r, "appointment.exception_added", "availability_exception", ids,
	    "success", d)) != CE_OK)
		return reply_db(r, rc);
	if ((rc = db_exec(r->db, r->pool, &res, SQL_EXC_ONE, "i", id)) != CE_OK)
		return reply_db(r, rc);
	if (res->nrows != 1 || (o = exc_json(res->rows[0])) == NULL)
		return reply_internal(r, "exception vanished");
	ids_a = json_object_new_array();
	for (i = 0; i < ov->nrows; i++)
		json_object_array_add(ids_a, json_object_new_int64(db_int(ov->rows[i][0])));
	json_object_object_add(o, "overlapping_appointments", ids_a);
	return reply_json(r, 201, o);
}

int
exc_delete(struct req *r)
{
	return remove_row(r, SQL_EXC_LOCK, SQL_EXC_DELETE, "appointment.exception_removed",
	    "availability_exception", exc_json);
}

int
clinicians_list(struct req *r)
{
	struct db_res		*res;
	struct json_object	*o = json_object_new_object(), *a = json_object_new_array(), *one;
	size_t			 i;
	enum cerr		 rc;

	if (o == NULL || a == NULL) {
		json_object_put(o);
		json_object_put(a);
		return reply_internal(r, "out of memory");
	}
	json_object_object_add(o, "clinicians", a);
	if ((rc = db_exec(r->db, r->pool, &res, SQL_CLINICIANS, "")) != CE_OK) {
		json_object_put(o);
		return reply_db(r, rc);
	}
	for (i = 0; i < res->nrows; i++) {
		if ((one = json_object_new_object()) == NULL) {
			json_object_put(o);
			return reply_internal(r, "out of memory");
		}
		json_object_object_add(one, "id", json_object_new_int64(db_int(res->rows[i][0])));
		json_object_object_add(one, "name", json_object_new_string(res->rows[i][1]));
		json_object_array_add(a, one);
	}
	return reply_json(r, 200, o);
}
