/* One appointment: loading, who may reach it, its JSON. */
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "apptime.h"
#include "appt.h"
#include "conf.h"
#include "db.h"
#include "patient.h"
#include "pool.h"
#include "reply.h"
#include "req.h"

static const char SQL_ONE[] = APPT_SELECT " WHERE a.id = ?";
/* Locks the appointment row only (a join would lock the users rows too). */
static const char SQL_LOCK[] = "SELECT id FROM appointment WHERE id = ? FOR UPDATE";

int64_t
appt_now(void)
{
	return (int64_t)time(NULL);
}

void
appt_row(struct appt *a, char **row)
{
	memset(a, 0, sizeof(*a));
	a->id = db_int(row[0]);
	a->patient_id = db_int(row[1]);
	a->patient_name = row[2] != NULL ? row[2] : "";
	a->clinician_id = db_int(row[3]);
	a->clinician_name = row[4] != NULL ? row[4] : "";
	a->type = row[5];
	a->type_name = row[6];
	a->fee_pence = row[7] != NULL ? db_int(row[7]) : 0;
	a->currency = row[8];
	(void)at_parse_sql(row[9], &a->start);
	(void)at_parse_sql(row[10], &a->end);
	a->status = row[11];
	a->sequence = db_int(row[12]);
	a->cancel_reason = row[13];
	(void)at_parse_sql(row[14], &a->created_at);
}

enum cerr
appt_load(struct req *r, int64_t id, bool lock, struct appt *a)
{
	struct db_res	*res;
	enum cerr	 rc;

	if (id <= 0)
		return CE_NOTFOUND;
	if (lock && (rc = db_exec(r->db, r->pool, &res, SQL_LOCK, "i", id)) != CE_OK)
		return rc;
	if ((rc = db_exec(r->db, r->pool, &res, SQL_ONE, "i", id)) != CE_OK)
		return rc;
	if (res->nrows != 1)
		return CE_NOTFOUND;
	appt_row(a, res->rows[0]);
	return CE_OK;
}

enum cerr
appt_reach(struct req *r, bool lock, struct appt *a)
{
	enum cerr	rc;

	if ((rc = appt_load(r, req_id(r, "id"), lock, a)) != CE_OK)
		return rc;
	if (r->who.role == ROLE_PATIENT)
		return a->patient_id == r->who.user_id ? CE_OK : CE_NOTFOUND;
	if (r->who.role == ROLE_CLINICIAN || r->who.role == ROLE_ADMIN)
		return CE_OK;
	return CE_NOTFOUND;
}

bool
appt_can_change(const struct appt *a, int64_t now)
{
	return strcmp(a->status, "booked") == 0 &&
	    a->start - now >= (int64_t)conf.cancel_notice_hours * 3600;
}

static void
add_time(struct json_object *o, const char *name, int64_t t, bool local)
{
	char	b[AT_LOCAL_LEN];

	json_object_object_add(o, name, json_object_new_string(local ? at_fmt_local(t, b) :
	    at_fmt_utc(t, b)));
}

struct json_object *
appt_json(struct req *r, const struct appt *a)
{
	struct json_object	*o = json_object_new_object();

	if (o == NULL)
		return NULL;
	json_object_object_add(o, "id", json_object_new_int64(a->id));
	json_object_object_add(o, "patient_id", json_object_new_int64(a->patient_id));
	if (r->who.role != ROLE_PATIENT)
		json_object_object_add(o, "patient_name", json_object_new_string(a->patient_name));
	json_object_object_add(o, "clinician_id", json_object_new_int64(a->clinician_id));
	json_object_object_add(o, "clinician_name", json_object_new_string(a->clinician_name));
	json_object_object_add(o, "type", json_object_new_string(a->type));
	json_object_object_add(o, "type_name", json_object_new_string(a->type_name));
	json_object_object_add(o, "minutes", json_object_new_int64((a->end - a->start) / 60));
	/* The fee at booking (null only for a row written other than by booking). */
	json_object_object_add(o, "fee_pence", a->currency != NULL ?
	    json_object_new_int64(a->fee_pence) : NULL);
	json_object_object_add(o, "currency", a->currency != NULL ?
	    json_object_new_string(a->currency) : NULL);
	add_time(o, "start", a->start, false);
	add_time(o, "end", a->end, false);
	add_time(o, "start_local", a->start, true);
	add_time(o, "end_local", a->end, true);
	json_object_object_add(o, "status", json_object_new_string(a->status));
	json_object_object_add(o, "sequence", json_object_new_int64(a->sequence));
	json_object_object_add(o, "cancel_reason", a->cancel_reason != NULL ?
	    json_object_new_string(a->cancel_reason) : NULL);
	json_object_object_add(o, "can_change", json_object_new_boolean(appt_can_change(a,
	    appt_now())));
	add_time(o, "room_opens", a->start - (int64_t)conf.consult_open_before_minutes * 60, false);
	add_time(o, "room_closes", a->end + (int64_t)conf.consult_close_after_minutes * 60, false);
	add_time(o, "created_at", a->created_at, false);
	return o;
}
