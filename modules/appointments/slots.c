/*
 * Open slots: the clinicians' templates and exceptions and the booked
 * appointments read from the database, cut by at_slots() (apptime.h).
 */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "apptime.h"
#include "appt.h"
#include "conf.h"
#include "db.h"
#include "pool.h"
#include "reply.h"
#include "req.h"

#define DAY		86400
#define STAFF_DAYS	400	/* how far ahead staff may book (patients: booking_horizon_days) */
#define MAX_RANGE	(31 * DAY + 3600)	/* 31 local days, one of them 25 hours long */

static const char SQL_TPL[] =
    "SELECT t.clinician_id, t.weekday, TIME_FORMAT(t.start_time, '%H:%i'),"
    " TIME_FORMAT(t.end_time, '%H:%i'), t.valid_from, t.valid_until"
    " FROM availability_template t JOIN users u ON u.id = t.clinician_id"
    " WHERE u.role = 'clinician' AND u.disabled = 0 AND (? = 0 OR t.clinician_id = ?)";
static const char SQL_EXC[] =
    "SELECT e.clinician_id, e.kind, e.starts_at, e.ends_at"
    " FROM availability_exception e JOIN users u ON u.id = e.clinician_id"
    " WHERE u.role = 'clinician' AND u.disabled = 0 AND (? = 0 OR e.clinician_id = ?)"
    " AND e.starts_at < ? AND e.ends_at > ?";
static const char SQL_BUSY[] =
    "SELECT clinician_id, starts_at, ends_at FROM appointment"
    " WHERE live = 1 AND (? = 0 OR clinician_id = ?) AND starts_at < ? AND ends_at > ?";
static const char SQL_TYPE[] =
    "SELECT minutes FROM appointment_type WHERE code = ? AND active = 1";
static const char SQL_CLINICIAN[] =
    "SELECT 1 FROM users WHERE id = ? AND role = 'clinician' AND disabled = 0";
static const char SQL_NAMES[] =
    "SELECT id, CONCAT(given_name, ' ', family_name) FROM users WHERE role = 'clinician'";

int64_t
slots_latest(const struct req *r)
{
	return appt_now() + (r->who.role == ROLE_PATIENT ?
	    (int64_t)conf.booking_horizon_days : STAFF_DAYS) * DAY;
}

enum cerr
slots_compute(struct req *r, int64_t clinician, int minutes, int64_t from, int64_t to,
    bool with_busy, struct at_span **out, size_t *n)
{
	struct db_res		*tr, *er, *br;
	struct at_template	*tpl;
	struct at_span		*leave, *extra, *busy;
	struct at_rules		 ru;
	size_t			 i, nl = 0, nx = 0, nb = 0, nt = 0;
	char			 lo[AT_SQL_LEN], hi[AT_SQL_LEN];
	enum cerr		 rc;

	*out = NULL;
	*n = 0;
	(void)at_fmt_sql(from - DAY, lo);
	(void)at_fmt_sql(to + DAY, hi);
	if ((rc = db_exec(r->db, r->pool, &tr, SQL_TPL, "ii", clinician, clinician)) != CE_OK ||
	    (rc = db_exec(r->db, r->pool, &er, SQL_EXC, "iiss", clinician, clinician, hi, lo)) != CE_OK)
		return rc;
	br = NULL;
	if (with_busy && (rc = db_exec(r->db, r->pool, &br, SQL_BUSY, "iiss", clinician, clinician,
	    hi, lo)) != CE_OK)
		return rc;
	tpl = pool_calloc(r->pool, tr->nrows + 1, sizeof(*tpl));
	leave = pool_calloc(r->pool, er->nrows + 1, sizeof(*leave));
	extra = pool_calloc(r->pool, er->nrows + 1, sizeof(*extra));
	busy = pool_calloc(r->pool, (br != NULL ? br->nrows : 0) + 1, sizeof(*busy));
	if (tpl == NULL || leave == NULL || extra == NULL || busy == NULL)
		return CE_NOMEM;
	for (i = 0; i < tr->nrows; i++) {
		char	**row = tr->rows[i];
		struct at_template *t = &tpl[nt];

		t->clinician_id = db_int(row[0]);
		t->weekday = (int)db_int(row[1]);
		t->valid_until = AT_OPEN_END;
		if (at_parse_hhmm(row[2], false, &t->start_min) != 0 ||
		    at_parse_hhmm(row[3], true, &t->end_min) != 0 ||
		    at_parse_date(row[4], &t->valid_from) != 0 ||
		    (row[5] != NULL && at_parse_date(row[5], &t->valid_until) != 0))
			continue;	/* not a shape this module writes */
		nt++;
	}
	for (i = 0; i < er->nrows; i++) {
		char		**row = er->rows[i];
		struct at_span	*s = strcmp(row[1], "leave") == 0 ? &leave[nl] : &extra[nx];

		s->clinician_id = db_int(row[0]);
		if (at_parse_sql(row[2], &s->start) != 0 || at_parse_sql(row[3], &s->end) != 0)
			continue;
		if (s == &leave[nl])
			nl++;
		else
			nx++;
	}
	for (i = 0; br != NULL && i < br->nrows; i++) {
		busy[nb].clinician_id = db_int(br->rows[i][0]);
		if (at_parse_sql(br->rows[i][1], &busy[nb].start) == 0 &&
		    at_parse_sql(br->rows[i][2], &busy[nb].end) == 0)
			nb++;
	}
	ru.from = from;
	ru.to = to;
	ru.earliest = appt_now() + (int64_t)conf.booking_min_notice_minutes * 60;
	ru.latest = slots_latest(r);
	ru.minutes = minutes;
	if (at_slots(tpl, nt, leave, nl, extra, nx, busy, nb, &ru, out, n) != 0)
		return CE_NOMEM;
	return CE_OK;
}

int
slots_list(struct req *r)
{
	const struct val	*v = r->q.vals;
	struct db_res		*res, *names;
	struct json_object	*o, *a, *one;
	struct at_span		*s;
	const char		*type = v[2].present ? v[2].s : "initial", *name;
	int64_t			 from, to, clinician = v[3].present ? v[3].i : 0;
	char			 b[AT_LOCAL_LEN];
	size_t			 n, i, j;
	enum cerr		 rc;

	from = v[0].present ? appt_day_or_instant(v[0].s, false) : appt_now();
	if (v[1].present)
		to = appt_day_or_instant(v[1].s, true);
	else	/* a week: from a local date, to local midnight 7 days on (clock changes) */
		to = at_days_after(v[0].present ? v[0].s : NULL, from, 7);
	if (to <= from)
		return reply_field(r, 400, "to", "must be after from");
	if (to - from > MAX_RANGE)
		return reply_field(r, 400, "to", "must be at most 31 days after from");
	if ((rc = db_exec(r->db, r->pool, &res, SQL_TYPE, "s", type)) != CE_OK)
		return reply_db(r, rc);
	if (res->nrows != 1)
		return reply_field(r, 400, "type", "is not an appointment type offered");
	if (clinician != 0) {
		if ((rc = db_exec(r->db, r->pool, &names, SQL_CLINICIAN, "i", clinician)) != CE_OK)
			return reply_db(r, rc);
		if (names->nrows != 1)
			return reply_field(r, 400, "clinician", "is not a clinician of this clinic");
	}
	if ((rc = slots_compute(r, clinician, (int)db_int(res->rows[0][0]), from, to, true, &s,
	    &n)) != CE_OK)
		return reply_db(r, rc);
	if ((rc = db_exec(r->db, r->pool, &names, SQL_NAMES, "")) != CE_OK) {
		free(s);
		return reply_db(r, rc);
	}
	o = json_object_new_object();
	a = json_object_new_array();
	if (o == NULL || a == NULL) {
		free(s);
		json_object_put(o);
		json_object_put(a);
		return reply_internal(r, "out of memory");
	}
	json_object_object_add(o, "timezone", json_object_new_string(conf.clinic_timezone));
	json_object_object_add(o, "slots", a);
	for (i = 0; i < n; i++) {
		if ((one = json_object_new_object()) == NULL) {
			free(s);
			json_object_put(o);
			return reply_internal(r, "out of memory");
		}
		json_object_object_add(one, "start", json_object_new_string(at_fmt_utc(s[i].start, b)));
		json_object_object_add(one, "end", json_object_new_string(at_fmt_utc(s[i].end, b)));
		json_object_object_add(one, "start_local",
		    json_object_new_string(at_fmt_local(s[i].start, b)));
		json_object_object_add(one, "end_local",
		    json_object_new_string(at_fmt_local(s[i].end, b)));
		json_object_object_add(one, "clinician_id", json_object_new_int64(s[i].clinician_id));
		for (name = "", j = 0; j < names->nrows; j++)
			if (db_int(names->rows[j][0]) == s[i].clinician_id)
				name = names->rows[j][1];
		json_object_object_add(one, "clinician_name", json_object_new_string(name));
		json_object_object_add(one, "type", json_object_new_string(type));
		json_object_array_add(a, one);
	}
	free(s);
	return reply_json(r, 200, o);
}
