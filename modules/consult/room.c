/*
 * The room of an appointment: who may enter and when, what it looks like,
 * joining (with TURN credentials), admitting the patient, ending.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "../appointments/apptime.h"
#include "audit.h"
#include "conf.h"
#include "consult.h"
#include "db.h"
#include "pool.h"
#include "reply.h"
#include "req.h"
#include "patient.h"

static const char SQL_STATE[] =
    "SELECT admitted_at IS NOT NULL, ended_at IS NOT NULL, patient_present"
    " FROM consult_room WHERE appointment_id = ?";
static const char SQL_JOIN_PATIENT[] =
    "INSERT INTO consult_room (appointment_id, patient_joined_at, patient_present, updated_at)"
    " VALUES (?, UTC_TIMESTAMP(6), 1, UTC_TIMESTAMP(6)) ON DUPLICATE KEY UPDATE"
    " patient_joined_at = UTC_TIMESTAMP(6), patient_present = 1, updated_at = UTC_TIMESTAMP(6)";
static const char SQL_JOIN_CLINICIAN[] =
    "INSERT INTO consult_room (appointment_id, clinician_joined_at, updated_at)"
    " VALUES (?, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6)) ON DUPLICATE KEY UPDATE"
    " clinician_joined_at = UTC_TIMESTAMP(6), updated_at = UTC_TIMESTAMP(6)";
static const char SQL_ADMIT[] =
    "INSERT INTO consult_room (appointment_id, admitted_at, admitted_by, updated_at)"
    " VALUES (?, UTC_TIMESTAMP(6), ?, UTC_TIMESTAMP(6)) ON DUPLICATE KEY UPDATE"
    " admitted_at = COALESCE(admitted_at, UTC_TIMESTAMP(6)),"
    " admitted_by = COALESCE(admitted_by, VALUES(admitted_by)), updated_at = UTC_TIMESTAMP(6)";
static const char SQL_END_ROOM[] =
    "INSERT INTO consult_room (appointment_id, ended_at, ended_by, patient_present, updated_at)"
    " VALUES (?, UTC_TIMESTAMP(6), ?, 0, UTC_TIMESTAMP(6)) ON DUPLICATE KEY UPDATE"
    " ended_at = UTC_TIMESTAMP(6), ended_by = VALUES(ended_by), patient_present = 0,"
    " updated_at = UTC_TIMESTAMP(6)";
static const char SQL_COMPLETE[] =
    "UPDATE appointment SET status = 'completed', updated_at = UTC_TIMESTAMP(6)"
    " WHERE id = ? AND status = 'booked'";

int64_t
cons_now(void)
{
	return (int64_t)time(NULL);
}

enum cerr
room_load(struct req *r, bool lock, struct room *rm)
{
	struct db_res	*res;
	enum cerr	 rc;
	int64_t		 now = cons_now();

	memset(rm, 0, sizeof(*rm));
	if ((rc = appt_load(r, req_id(r, "id"), lock, &rm->a)) != CE_OK)
		return rc;
	if (r->who.role == ROLE_PATIENT && rm->a.patient_id == r->who.user_id)
		rm->clinician = false;
	else if (r->who.role == ROLE_CLINICIAN && rm->a.clinician_id == r->who.user_id)
		rm->clinician = true;
	else
		return CE_NOTFOUND;
	rm->opens = rm->a.start - (int64_t)conf.consult_open_before_minutes * 60;
	rm->closes = rm->a.end + (int64_t)conf.consult_close_after_minutes * 60;
	if ((rc = db_exec(r->db, r->pool, &res, SQL_STATE, "i", rm->a.id)) != CE_OK)
		return rc;
	if (res->nrows == 1) {
		rm->admitted = db_int(res->rows[0][0]) != 0;
		rm->ended = db_int(res->rows[0][1]) != 0;
		rm->present = db_int(res->rows[0][2]) != 0;
	}
	rm->open = strcmp(rm->a.status, "booked") == 0 && !rm->ended && now >= rm->opens &&
	    now <= rm->closes;
	return CE_OK;
}

const char *
room_role(const struct room *rm)
{
	return rm->clinician ? "clinician" : "patient";
}

const char *
room_state(const struct room *rm)
{
	if (rm->ended || strcmp(rm->a.status, "completed") == 0)
		return "ended";
	return rm->admitted ? "admitted" : "waiting";
}

static void
add_time(struct json_object *o, const char *name, int64_t t)
{
	char	b[AT_UTC_LEN];

	json_object_object_add(o, name, json_object_new_string(at_fmt_utc(t, b)));
}

int
cons_refuse(struct req *r, int status)
{
	db_rollback(r->db);
	return status == 404 ? reply_problem(r, 404, "not-found", "No such resource", NULL) :
	    reply_problem(r, 403, "forbidden", "Only the appointment's clinician does this", NULL);
}

int
room_closed(struct req *r, const struct room *rm, const char *detail)
{
	struct json_object	*x = json_object_new_object();

	db_rollback(r->db);

	if (x == NULL)
		return reply_internal(r, "out of memory");
	add_time(x, "room_opens", rm->opens);
	add_time(x, "room_closes", rm->closes);
	return reply_problem_with(r, 409, "room-closed", "The consultation room is not open",
	    detail != NULL ? detail : "The room opens shortly before the appointment and closes"
	    " shortly after it.", x);
}

static int
room_reply(struct req *r, const struct room *rm)
{
	struct json_object	*o = json_object_new_object(), *a;

	if (o == NULL || (a = appt_json(r, &rm->a)) == NULL) {
		json_object_put(o);
		return reply_internal(r, "out of memory");
	}
	json_object_object_add(o, "appointment", a);
	json_object_object_add(o, "role", json_object_new_string(room_role(rm)));
	json_object_object_add(o, "state", json_object_new_string(room_state(rm)));
	json_object_object_add(o, "patient_present", json_object_new_boolean(rm->present &&
	    !rm->ended));
	add_time(o, "room_opens", rm->opens);
	add_time(o, "room_closes", rm->closes);
	json_object_object_add(o, "open", json_object_new_boolean(rm->open));
	json_object_object_add(o, "signal_url", json_object_new_string(pool_printf(r->pool,
	    "/api/v1/consult/%" PRId64 "/signal", rm->a.id)));
	return reply_json(r, 200, o);
}

int
room_get(struct req *r)
{
	struct room	rm;
	enum cerr	rc;

	if ((rc = room_load(r, false, &rm)) == CE_NOTFOUND)
		return cons_refuse(r, 404);
	if (rc != CE_OK)
		return reply_db(r, rc);
	return room_reply(r, &rm);
}

/* The ice_servers entry: every turn_urls URL with one credential. */
static struct json_object *
ice_servers(struct req *r, int64_t expiry)
{
	struct json_object	*list = json_object_new_array(), *srv, *urls;
	char			 user[TURN_USER_MAX], cred[TURN_CRED_MAX];
	char			*copy, *tok, *save = NULL;

	if (list == NULL)
		return NULL;
	if (*conf.turn_urls == '\0')
		return list;
	if ((srv = json_object_new_object()) == NULL || (urls = json_object_new_array()) == NULL ||
	    (copy = pool_strdup(r->pool, conf.turn_urls)) == NULL) {
		json_object_put(srv);
		json_object_put(list);
		return NULL;
	}
	for (tok = strtok_r(copy, ", ", &save); tok != NULL; tok = strtok_r(NULL, ", ", &save))
		json_object_array_add(urls, json_object_new_string(tok));
	json_object_object_add(srv, "urls", urls);
	if (*conf.turn_secret != '\0') {
		if (turn_credential(conf.turn_secret, strlen(conf.turn_secret), r->who.user_id,
		    expiry, user, cred) != CE_OK) {
			json_object_put(srv);
			json_object_put(list);
			return NULL;
		}
		json_object_object_add(srv, "username", json_object_new_string(user));
		json_object_object_add(srv, "credential", json_object_new_string(cred));
	}
	json_object_array_add(list, srv);
	return list;
}

int
room_join(struct req *r)
{
	struct room		 rm;
	struct json_object	*o, *ice, *d;
	enum cerr		 rc;
	int64_t			 expiry = cons_now() + conf.turn_ttl_seconds;

	if ((rc = db_begin(r->db)) != CE_OK)
		return reply_db(r, rc);
	if ((rc = room_load(r, true, &rm)) == CE_NOTFOUND)
		return cons_refuse(r, 404);
	if (rc != CE_OK)
		return reply_db(r, rc);
	if (!rm.open)
		return room_closed(r, &rm, rm.ended || strcmp(rm.a.status, "booked") != 0 ?
		    "This consultation has ended or was cancelled." : NULL);
	if ((rc = db_exec(r->db, r->pool, NULL, rm.clinician ? SQL_JOIN_CLINICIAN :
	    SQL_JOIN_PATIENT, "i", rm.a.id)) != CE_OK)
		return reply_db(r, rc);
	if ((d = json_object_new_object()) == NULL)
		return reply_internal(r, "out of memory");
	json_object_object_add(d, "role", json_object_new_string(room_role(&rm)));
	if ((rc = audit_commit(r, "consult.join", "appointment", pool_printf(r->pool, "%" PRId64,
	    rm.a.id), "success", d)) != CE_OK)
		return reply_db(r, rc);
	if ((o = json_object_new_object()) == NULL || (ice = ice_servers(r, expiry)) == NULL) {
		json_object_put(o);
		return reply_internal(r, "could not make TURN credentials");
	}
	json_object_object_add(o, "ice_servers", ice);
	add_time(o, "expires_at", expiry);
	json_object_object_add(o, "ttl", json_object_new_int64(conf.turn_ttl_seconds));
	json_object_object_add(o, "signal_url", json_object_new_string(pool_printf(r->pool,
	    "/api/v1/consult/%" PRId64 "/signal", rm.a.id)));
	json_object_object_add(o, "user_id", json_object_new_int64(r->who.user_id));
	json_object_object_add(o, "role", json_object_new_string(room_role(&rm)));
	return reply_json(r, 200, o);
}

int
room_admit(struct req *r)
{
	struct room	rm;
	enum cerr	rc;

	if ((rc = db_begin(r->db)) != CE_OK)
		return reply_db(r, rc);
	if ((rc = room_load(r, true, &rm)) == CE_NOTFOUND)
		return cons_refuse(r, 404);
	if (rc != CE_OK)
		return reply_db(r, rc);
	if (!rm.clinician)
		return cons_refuse(r, 403);
	if (!rm.open)
		return room_closed(r, &rm, NULL);
	if (!rm.admitted) {
		if ((rc = db_exec(r->db, r->pool, NULL, SQL_ADMIT, "ii", rm.a.id,
		    r->who.user_id)) != CE_OK)
			return reply_db(r, rc);
		if ((rc = audit_commit(r, "consult.admit", "appointment", pool_printf(r->pool,
		    "%" PRId64, rm.a.id), "success", NULL)) != CE_OK)
			return reply_db(r, rc);
		rm.admitted = true;
	} else
		db_rollback(r->db);
	return room_reply(r, &rm);
}

int
room_end(struct req *r)
{
	struct room	rm;
	enum cerr	rc;

	if ((rc = db_begin(r->db)) != CE_OK)
		return reply_db(r, rc);
	if ((rc = room_load(r, true, &rm)) == CE_NOTFOUND)
		return cons_refuse(r, 404);
	if (rc != CE_OK)
		return reply_db(r, rc);
	if (!rm.clinician)
		return cons_refuse(r, 403);
	/* Ending is allowed from the room's opening on, also after it closed. */
	if (strcmp(rm.a.status, "booked") != 0 || rm.ended || cons_now() < rm.opens)
		return room_closed(r, &rm, rm.ended || strcmp(rm.a.status, "booked") != 0 ?
		    "This consultation has already ended or was cancelled." : NULL);
	if ((rc = db_exec(r->db, r->pool, NULL, SQL_END_ROOM, "ii", rm.a.id,
	    r->who.user_id)) != CE_OK ||
	    (rc = db_exec(r->db, r->pool, NULL, SQL_COMPLETE, "i", rm.a.id)) != CE_OK)
		return reply_db(r, rc);
	if ((rc = audit_commit(r, "consult.end", "appointment", pool_printf(r->pool, "%" PRId64,
	    rm.a.id), "success", NULL)) != CE_OK)
		return reply_db(r, rc);
	rm.ended = true;
	rm.open = false;
	rm.present = false;
	rm.a.status = "completed";
	return room_reply(r, &rm);
}
