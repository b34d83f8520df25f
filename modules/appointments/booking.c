/*
 * Booking, listing, cancelling and rescheduling appointments.
 *
 * Race safety: a booking (or a reschedule) locks the clinician's users row
 * (SELECT ... FOR UPDATE) before it looks for overlapping appointments and
 * inserts, so bookings of one clinician run one at a time; the UNIQUE key
 * (clinician_id, starts_at, live) refuses a second booked appointment at one
 * start even without the lock. Lock order: clinician, then patient, then the
 * appointment row.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "apptime.h"
#include "appt.h"
#include "audit.h"
#include "conf.h"
#include "db.h"
#include "patient.h"
#include "pool.h"
#include "reply.h"
#include "req.h"

static const char SQL_TYPE[] =
    "SELECT id, minutes, fee_pence, currency FROM appointment_type WHERE code = ? AND active = 1";
static const char SQL_TYPE_ANY[] =
    "SELECT id, minutes FROM appointment_type WHERE code = ?";
static const char SQL_CLINICIAN[] =
    "SELECT 1 FROM users WHERE id = ? AND role = 'clinician' AND disabled = 0";
static const char SQL_LOCK_USER[] =
    "SELECT id FROM users WHERE id = ? FOR UPDATE";
static const char SQL_ELIGIBLE[] =
    "SELECT COALESCE(decision, outcome) FROM intake_response WHERE patient_id = ?"
    " AND qkey = 'intake' AND status = 'completed' ORDER BY submitted_at DESC, id DESC LIMIT 1";
static const char SQL_VERIFIED[] =
    "SELECT verified_at FROM idv_verified WHERE patient_id = ?";
static const char SQL_CLASH[] =
    "SELECT id FROM appointment WHERE clinician_id = ? AND live = 1"
    " AND starts_at < ? AND ends_at > ? AND id <> ? LIMIT 1";
static const char SQL_PATIENT_CLASH[] =
    "SELECT id FROM appointment WHERE patient_id = ? AND live = 1"
    " AND starts_at < ? AND ends_at > ? AND id <> ? LIMIT 1";
static const char SQL_OPEN_INITIAL[] =
    "SELECT a.id FROM appointment a JOIN appointment_type t ON t.id = a.type_id"
    " WHERE a.patient_id = ? AND a.live = 1 AND t.code = 'initial'"
    " AND a.ends_at > UTC_TIMESTAMP() LIMIT 1";
static const char SQL_INSERT[] =
    "INSERT INTO appointment (patient_id, clinician_id, type_id, starts_at, ends_at, status,"
    " booked_by, created_at, updated_at, sequence, fee_pence, currency)"
    " VALUES (?, ?, ?, ?, ?, 'booked', ?, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), 0, ?, ?)";
static const char SQL_CANCEL[] =
    "UPDATE appointment SET status = 'cancelled', cancelled_at = UTC_TIMESTAMP(6),"
    " cancelled_by = ?, cancel_reason = ?, sequence = sequence + 1,"
    " updated_at = UTC_TIMESTAMP(6) WHERE id = ?";
static const char SQL_MOVE[] =
    "UPDATE appointment SET clinician_id = ?, starts_at = ?, ends_at = ?,"
    " sequence = sequence + 1, updated_at = UTC_TIMESTAMP(6) WHERE id = ?";
/*
 * A moved appointment's consultation room starts again: nobody has joined,
 * been admitted or ended it (the consult module treats a row like this as a
 * room nobody has entered yet, as it does a missing row).
 */
static const char SQL_ROOM_RESET[] =
    "UPDATE consult_room SET patient_joined_at = NULL, patient_left_at = NULL,"
    " patient_present = 0, clinician_joined_at = NULL, admitted_at = NULL, admitted_by = NULL,"
    " ended_at = NULL, ended_by = NULL, updated_at = UTC_TIMESTAMP(6) WHERE appointment_id = ?";
static const char SQL_HAS_NOTE[] =
    "SELECT 1 FROM consult_note_version WHERE appointment_id = ? LIMIT 1";
static const char SQL_LIST[] =
    APPT_SELECT " WHERE (? = 0 OR a.patient_id = ?) AND (? = 0 OR a.clinician_id = ?)"
    " AND (? = '' OR a.status = ?) AND a.starts_at >= ? AND a.starts_at < ?"
    " ORDER BY a.starts_at, a.id LIMIT 500";

static const char *
not_blank(const struct val *v)
{
	const char	*s;

	if (!v->present)
		return "is required when staff make this change";
	for (s = v->s; *s != '\0'; s++)
		if (*s != ' ' && *s != '\n' && *s != '\t' && *s != '\r')
			return v->len >= 3 ? NULL : "must be at least 3 characters";
	return "is required when staff make this change";
}

static int
reply_appt(struct req *r, int status, int64_t id)
{
	struct appt		 a;
	struct json_object	*o;
	enum cerr		 rc;

	if ((rc = appt_load(r, id, false, &a)) != CE_OK)
		return rc == CE_NOTFOUND ? reply_internal(r, "appointment vanished") : reply_db(r, rc);
	if ((o = appt_json(r, &a)) == NULL)
		return reply_internal(r, "out of memory");
	return reply_json(r, status, o);
}

/*
 * What keeps patient from booking: eligibility (the latest submitted intake,
 * or a clinician's decision on it, must be eligible) and, when
 * idv_required_for_booking is set, a verified identity. Replies 409
 * not-ready-to-book and returns the status, or returns 0 when ready.
 */
static int
readiness(struct req *r, int64_t patient)
{
	struct db_res		*res;
	struct json_object	*missing;
	const char		*outcome, *why_e = NULL, *why_i = NULL;
	bool			 self = r->who.role == ROLE_PATIENT;
	enum cerr		 rc;

	if ((rc = db_exec(r->db, r->pool, &res, SQL_ELIGIBLE, "i", patient)) != CE_OK)
		return reply_db(r, rc);
	outcome = res->nrows == 1 ? res->rows[0][0] : NULL;
	if (outcome == NULL)
		why_e = self ? "You have not completed the eligibility questionnaire yet." :
		    "The patient has not completed the eligibility questionnaire yet.";
	else if (strcmp(outcome, "needs_review") == 0)
		why_e = self ? "A doctor is still reviewing your questionnaire answers." :
		    "The patient's questionnaire answers are waiting for a clinician's review.";
	else if (strcmp(outcome, "eligible") != 0)
		why_e = self ? "Your questionnaire answers show that the clinic cannot treat you." :
		    "The patient's questionnaire outcome is not eligible.";
	if (conf.idv_required_for_booking) {
		if ((rc = db_exec(r->db, r->pool, &res, SQL_VERIFIED, "i", patient)) != CE_OK)
			return reply_db(r, rc);
		if (res->nrows == 0)
			why_i = self ? "Your identity has not been verified yet." :
			    "The patient's identity has not been verified yet.";
	}
	if (why_e == NULL && why_i == NULL)
		return 0;
	if ((missing = json_object_new_array()) == NULL)
		return reply_internal(r, "out of memory");
	if (why_e != NULL)
		json_object_array_add(missing, json_object_new_string("eligibility"));
	if (why_i != NULL)
		json_object_array_add(missing, json_object_new_string("identity"));
	/* The refusal tells staff about the patient's eligibility and identity: recorded. */
	if (!self) {
		struct json_object	*d = json_object_new_object();

		if (d == NULL) {
			json_object_put(missing);
			return reply_internal(r, "out of memory");
		}
		json_object_object_add(d, "refused", json_object_new_string("not-ready-to-book"));
		json_object_object_add(d, "missing", json_object_get(missing));
		if ((rc = patient_read_audit(r, patient, "booking_readiness", d)) != CE_OK) {
			json_object_put(missing);
			return reply_db(r, rc);
		}
	}
	return appt_problem(r, 409, "not-ready-to-book", self ? "You cannot book yet" :
	    "This patient cannot be booked yet", pool_printf(r->pool, "%s%s%s",
	    why_e != NULL ? why_e : "", why_e != NULL && why_i != NULL ? " " : "",
	    why_i != NULL ? why_i : ""), "missing", missing);
}

/*
 * Whether start is one of clinician's open slots for a type of `minutes`
 * (bookings aside: those are checked under the lock). -1 after a reply.
 */
static int
is_slot(struct req *r, int64_t clinician, int minutes, int64_t start)
{
	struct at_span	*s;
	size_t		 n;
	bool		 ok;
	enum cerr	 rc;

	if ((rc = slots_compute(r, clinician, minutes, start, start + 1, false, &s, &n)) != CE_OK) {
		(void)reply_db(r, rc);
		return -1;
	}
	ok = n == 1 && s[0].start == start;
	free(s);
	return ok ? 1 : 0;
}

static int
not_a_slot(struct req *r)
{
	return reply_field(r, 422, "slot_start",
	    "is not an open slot of this clinician for this appointment type");
}

/* Locks user id's row (the clinician's, the patient's). */
static enum cerr
lock_user(struct req *r, int64_t id)
{
	return db_exec(r->db, r->pool, NULL, SQL_LOCK_USER, "i", id);
}

/*
 * Under the clinician's lock: the clinician's and the patient's other
 * booked appointments must not overlap [s, e). Replies 409 and returns the
 * status, or 0.
 */
static int
clashes(struct req *r, int64_t clinician, int64_t patient, int64_t s, int64_t e, int64_t self_id)
{
	struct db_res	*res;
	char		 ss[AT_SQL_LEN], es[AT_SQL_LEN];
	enum cerr	 rc;

	(void)at_fmt_sql(s, ss);
	(void)at_fmt_sql(e, es);
	if ((rc = db_exec(r->db, r->pool, &res, SQL_CLASH, "issi", clinician, es, ss,
	    self_id)) != CE_OK)
		return reply_db(r, rc);
	if (res->nrows > 0) {
		db_rollback(r->db);
		return reply_problem(r, 409, "slot-taken", "This time has just been taken",
		    "Someone else booked this time. Please choose another.");
	}
	if ((rc = db_exec(r->db, r->pool, &res, SQL_PATIENT_CLASH, "issi", patient, es, ss,
	    self_id)) != CE_OK)
		return reply_db(r, rc);
	if (res->nrows > 0) {
		db_rollback(r->db);
		return reply_problem(r, 409, "already-booked", "Another appointment at this time",
		    r->who.role == ROLE_PATIENT ? "You already have an appointment at this time." :
		    "The patient already has an appointment at this time.");
	}
	return 0;
}

int
book_create(struct req *r)
{
	const struct val	*v = r->in.vals;
	struct db_res		*res;
	struct json_object	*d;
	struct appt		 a;
	int64_t			 start, end, clinician = v[1].i, patient, type_id, id, fee;
	int			 minutes, ok;
	const char		*currency;
	char			 ss[AT_SQL_LEN], es[AT_SQL_LEN], ids[24], b[AT_UTC_LEN];
	enum cerr		 rc;

	(void)at_parse_instant(v[0].s, false, &start);
	if (r->who.role == ROLE_PATIENT) {
		if (v[3].present)
			return reply_field(r, 422, "patient_id",
			    "is not allowed: patients book for themselves");
		patient = r->who.user_id;
	} else {
		if (!v[3].present)
			return reply_field(r, 422, "patient_id", "is required when staff book");
		patient = v[3].i;
		if ((rc = patient_reach(r, patient, ROLE_CLINICIAN | ROLE_ADMIN)) == CE_NOTFOUND)
			return reply_field(r, 422, "patient_id", "is not a patient of this clinic");
		if (rc != CE_OK)
			return reply_db(r, rc);
	}
	if ((rc = db_exec(r->db, r->pool, &res, SQL_TYPE, "s", v[2].s)) != CE_OK)
		return reply_db(r, rc);
	if (res->nrows != 1)
		return reply_field(r, 422, "type", "is not an appointment type offered");
	type_id = db_int(res->rows[0][0]);
	minutes = (int)db_int(res->rows[0][1]);
	/* The fee is the type's at booking: a later change of the type's fee does not alter it. */
	fee = db_int(res->rows[0][2]);
	if ((currency = pool_strdup(r->pool, res->rows[0][3])) == NULL)
		return reply_internal(r, "out of memory");
	if ((rc = db_exec(r->db, r->pool, &res, SQL_CLINICIAN, "i", clinician)) != CE_OK)
		return reply_db(r, rc);
	if (res->nrows != 1)
		return reply_field(r, 422, "clinician_id", "is not a clinician of this clinic");
	if ((ok = is_slot(r, clinician, minutes, start)) < 0)
		return r->status;
	if (ok == 0)
		return not_a_slot(r);
	if ((ok = readiness(r, patient)) != 0)
		return ok;
	end = start + (int64_t)minutes * 60;
	if ((rc = db_begin(r->db)) != CE_OK || (rc = lock_user(r, clinician)) != CE_OK ||
	    (rc = lock_user(r, patient)) != CE_OK)
		return reply_db(r, rc);
	if ((ok = clashes(r, clinician, patient, start, end, 0)) != 0)
		return ok;
	if (strcmp(v[2].s, "initial") == 0) {
		if ((rc = db_exec(r->db, r->pool, &res, SQL_OPEN_INITIAL, "i", patient)) != CE_OK)
			return reply_db(r, rc);
		if (res->nrows > 0) {
			db_rollback(r->db);
			return reply_problem(r, 409, "already-booked",
			    "An initial consultation is booked already",
			    "Only one initial consultation can be booked at a time: reschedule the"
			    " one booked instead.");
		}
	}
	rc = db_exec(r->db, r->pool, NULL, SQL_INSERT, "iiissiis", patient, clinician, type_id,
	    at_fmt_sql(start, ss), at_fmt_sql(end, es), r->who.user_id, fee, currency);
	if (rc == CE_DUPLICATE) {
		db_rollback(r->db);
		return reply_problem(r, 409, "slot-taken", "This time has just been taken",
		    "Someone else booked this time. Please choose another.");
	}
	if (rc != CE_OK)
		return reply_db(r, rc);
	id = (int64_t)db_insert_id(r->db);
	if ((rc = appt_load(r, id, false, &a)) != CE_OK || (rc = appt_notify(r, &a, "confirm")) != CE_OK)
		return reply_db(r, rc);
	(void)snprintf(ids, sizeof(ids), "%" PRId64, id);
	d = json_object_new_object();
	json_object_object_add(d, "patient_id", json_object_new_int64(patient));
	json_object_object_add(d, "clinician_id", json_object_new_int64(clinician));
	json_object_object_add(d, "type", json_object_new_string(v[2].s));
	json_object_object_add(d, "start", json_object_new_string(at_fmt_utc(start, b)));
	json_object_object_add(d, "by_staff", json_object_new_boolean(r->who.role != ROLE_PATIENT));
	if ((rc = audit_commit(r, "appointment.booked", "appointment", ids, "success", d)) != CE_OK)
		return reply_db(r, rc);
	return reply_appt(r, 201, id);
}

int
book_list(struct req *r)
{
	const struct val	*v = r->q.vals;
	struct db_res		*res;
	struct json_object	*o, *a, *one, *d, *pids;
	struct appt		 ap;
	int64_t			 patient = v[3].present ? v[3].i : 0;
	int64_t			 clinician = v[2].present ? v[2].i : 0, from, to;
	const char		*status = v[4].present ? v[4].s : "";
	char			 lo[AT_SQL_LEN], hi[AT_SQL_LEN];
	size_t			 i;
	enum cerr		 rc;

	if (r->who.role == ROLE_PATIENT) {
		if (patient != 0 && patient != r->who.user_id)
			return reply_problem(r, 404, "not-found", "No such patient", NULL);
		patient = r->who.user_id;
	} else if (patient != 0) {
		if ((rc = patient_reach(r, patient, ROLE_CLINICIAN | ROLE_ADMIN)) == CE_NOTFOUND)
			return reply_problem(r, 404, "not-found", "No such patient", NULL);
		if (rc != CE_OK)
			return reply_db(r, rc);
	} else if (r->who.role == ROLE_CLINICIAN && clinician == 0)
		clinician = r->who.user_id;
	from = v[0].present ? appt_day_or_instant(v[0].s, false) : 0;
	to = v[1].present ? appt_day_or_instant(v[1].s, true) : 253402300799LL;
	if (to <= from)
		return reply_field(r, 400, "to", "must be after from");
	if ((rc = db_exec(r->db, r->pool, &res, SQL_LIST, "iiiissss", patient, patient, clinician,
	    clinician, status, status, at_fmt_sql(from, lo), at_fmt_sql(to, hi))) != CE_OK)
		return reply_db(r, rc);
	o = json_object_new_object();
	a = json_object_new_array();
	pids = json_object_new_array();
	if (o == NULL || a == NULL || pids == NULL) {
		json_object_put(o);
		json_object_put(a);
		json_object_put(pids);
		return reply_internal(r, "out of memory");
	}
	json_object_object_add(o, "appointments", a);
	for (i = 0; i < res->nrows; i++) {
		appt_row(&ap, res->rows[i]);
		if ((one = appt_json(r, &ap)) == NULL) {
			json_object_put(o);
			json_object_put(pids);
			return reply_internal(r, "out of memory");
		}
		json_object_array_add(a, one);
		json_object_array_add(pids, json_object_new_int64(ap.patient_id));
	}
	/* Staff reading patients' appointments is recorded. */
	if (r->who.role != ROLE_PATIENT) {
		d = json_object_new_object();
		json_object_object_add(d, "count", json_object_new_int64((int64_t)res->nrows));
		if (patient != 0) {
			json_object_put(pids);
			rc = patient_read_audit(r, patient, "appointments", d);
		} else {
			json_object_object_add(d, "clinician_id", json_object_new_int64(clinician));
			json_object_object_add(d, "patients", pids);
			if ((rc = db_begin(r->db)) == CE_OK)
				rc = audit_commit(r, "appointment.list_viewed", "appointment", NULL,
				    "success", d);
			else
				json_object_put(d);
		}
		if (rc != CE_OK) {
			json_object_put(o);
			return reply_db(r, rc);
		}
	} else
		json_object_put(pids);
	return reply_json(r, 200, o);
}

int
book_get(struct req *r)
{
	struct appt		 a;
	struct json_object	*o, *d;
	enum cerr		 rc;

	if ((rc = appt_reach(r, false, &a)) == CE_NOTFOUND)
		return reply_problem(r, 404, "not-found", "No such appointment", NULL);
	if (rc != CE_OK)
		return reply_db(r, rc);
	if ((o = appt_json(r, &a)) == NULL)
		return reply_internal(r, "out of memory");
	if ((d = json_object_new_object()) != NULL)
		json_object_object_add(d, "appointment_id", json_object_new_int64(a.id));
	if ((rc = patient_read_audit(r, a.patient_id, "appointment", d)) != CE_OK) {
		json_object_put(o);
		return reply_db(r, rc);
	}
	return reply_json(r, 200, o);
}

static int
too_late(struct req *r)
{
	db_rollback(r->db);
	return reply_problem(r, 409, "too-late-to-change", "Too late to change online",
	    pool_printf(r->pool, "Appointments can be cancelled or moved online until %ld hours"
	    " before they start. Please call the clinic.", conf.cancel_notice_hours));
}

static int
not_booked(struct req *r, const struct appt *a)
{
	db_rollback(r->db);
	return reply_problem(r, 409, "not-booked", "This appointment is not booked",
	    pool_printf(r->pool, "It is %s.", a->status));
}

int
book_cancel(struct req *r)
{
	const struct val	*v = r->in.vals;
	struct appt		 a;
	struct json_object	*d;
	const char		*why, *reason = v[0].present && v[0].len > 0 ? v[0].s : NULL;
	char			 ids[24], b[AT_UTC_LEN];
	enum cerr		 rc;

	if (r->who.role != ROLE_PATIENT && (why = not_blank(&v[0])) != NULL)
		return reply_field(r, 422, "reason", why);
	if ((rc = db_begin(r->db)) != CE_OK)
		return reply_db(r, rc);
	if ((rc = appt_reach(r, true, &a)) == CE_NOTFOUND) {
		db_rollback(r->db);
		return reply_problem(r, 404, "not-found", "No such appointment", NULL);
	}
	if (rc != CE_OK)
		return reply_db(r, rc);
	if (strcmp(a.status, "booked") != 0)
		return not_booked(r, &a);
	if (r->who.role == ROLE_PATIENT && !appt_can_change(&a, appt_now()))
		return too_late(r);
	if ((rc = db_exec(r->db, r->pool, NULL, SQL_CANCEL, "isi", r->who.user_id, reason,
	    a.id)) != CE_OK || (rc = appt_load(r, a.id, false, &a)) != CE_OK ||
	    (rc = appt_notify(r, &a, "cancel")) != CE_OK)
		return reply_db(r, rc);
	(void)snprintf(ids, sizeof(ids), "%" PRId64, a.id);
	d = json_object_new_object();
	json_object_object_add(d, "patient_id", json_object_new_int64(a.patient_id));
	json_object_object_add(d, "start", json_object_new_string(at_fmt_utc(a.start, b)));
	json_object_object_add(d, "by_staff", json_object_new_boolean(r->who.role != ROLE_PATIENT));
	json_object_object_add(d, "reason", reason != NULL ? json_object_new_string(reason) : NULL);
	if ((rc = audit_commit(r, "appointment.cancelled", "appointment", ids, "success", d)) != CE_OK)
		return reply_db(r, rc);
	return reply_appt(r, 200, a.id);
}

int
book_reschedule(struct req *r)
{
	const struct val	*v = r->in.vals;
	struct db_res		*res;
	struct appt		 a;
	struct json_object	*d;
	const char		*why;
	int64_t			 start, end, clinician, old_start, old_clinician;
	int			 minutes, ok;
	char			 ids[24], ss[AT_SQL_LEN], es[AT_SQL_LEN], b[AT_UTC_LEN];
	enum cerr		 rc;

	if (r->who.role != ROLE_PATIENT && (why = not_blank(&v[2])) != NULL)
		return reply_field(r, 422, "reason", why);
	(void)at_parse_instant(v[0].s, false, &start);
	if ((rc = appt_reach(r, false, &a)) == CE_NOTFOUND)
		return reply_problem(r, 404, "not-found", "No such appointment", NULL);
	if (rc != CE_OK)
		return reply_db(r, rc);
	if (strcmp(a.status, "booked") != 0)
		return not_booked(r, &a);
	if (r->who.role == ROLE_PATIENT && !appt_can_change(&a, appt_now()))
		return too_late(r);
	clinician = v[1].present ? v[1].i : a.clinician_id;
	if ((rc = db_exec(r->db, r->pool, &res, SQL_CLINICIAN, "i", clinician)) != CE_OK)
		return reply_db(r, rc);
	if (res->nrows != 1)
		return reply_field(r, 422, "clinician_id", "is not a clinician of this clinic");
	if ((rc = db_exec(r->db, r->pool, &res, SQL_TYPE_ANY, "s", a.type)) != CE_OK)
		return reply_db(r, rc);
	if (res->nrows != 1)
		return reply_internal(r, "appointment type vanished");
	minutes = (int)db_int(res->rows[0][1]);
	if ((ok = is_slot(r, clinician, minutes, start)) < 0)
		return r->status;
	if (ok == 0)
		return not_a_slot(r);
	end = start + (int64_t)minutes * 60;
	if ((rc = db_begin(r->db)) != CE_OK || (rc = lock_user(r, clinician)) != CE_OK ||
	    (rc = lock_user(r, a.patient_id)) != CE_OK ||
	    (rc = appt_load(r, a.id, true, &a)) != CE_OK)
		return reply_db(r, rc);
	/* Checked again under the locks: it may have changed meanwhile. */
	if (strcmp(a.status, "booked") != 0)
		return not_booked(r, &a);
	if (r->who.role == ROLE_PATIENT && !appt_can_change(&a, appt_now()))
		return too_late(r);
	/* From the locked row: what the appointment is now, not what it was before the lock. */
	old_start = a.start;
	old_clinician = a.clinician_id;
	if (start == a.start && clinician == a.clinician_id) {
		db_rollback(r->db);
		return reply_field(r, 422, "slot_start", "is the appointment's current time");
	}
	/* A clinician's consultation note stays with that clinician: no handing it on. */
	if (clinician != old_clinician) {
		if ((rc = db_exec(r->db, r->pool, &res, SQL_HAS_NOTE, "i", a.id)) != CE_OK)
			return reply_db(r, rc);
		if (res->nrows > 0) {
			db_rollback(r->db);
			return reply_problem(r, 409, "has-notes", "This appointment has notes",
			    "A consultation note has been written for this appointment, so it"
			    " cannot move to another clinician. Move it to a time with the same"
			    " clinician, or cancel it and book a new one.");
		}
	}
	if ((ok = clashes(r, clinician, a.patient_id, start, end, a.id)) != 0)
		return ok;
	rc = db_exec(r->db, r->pool, NULL, SQL_MOVE, "issi", clinician, at_fmt_sql(start, ss),
	    at_fmt_sql(end, es), a.id);
	if (rc == CE_DUPLICATE) {
		db_rollback(r->db);
		return reply_problem(r, 409, "slot-taken", "This time has just been taken",
		    "Someone else booked this time. Please choose another.");
	}
	if (rc != CE_OK || (rc = db_exec(r->db, r->pool, NULL, SQL_ROOM_RESET, "i", a.id)) != CE_OK ||
	    (rc = appt_load(r, a.id, false, &a)) != CE_OK ||
	    (rc = appt_notify(r, &a, start != old_start ? "change" : "clinician")) != CE_OK)
		return reply_db(r, rc);
	(void)snprintf(ids, sizeof(ids), "%" PRId64, a.id);
	d = json_object_new_object();
	json_object_object_add(d, "patient_id", json_object_new_int64(a.patient_id));
	json_object_object_add(d, "from", json_object_new_string(at_fmt_utc(old_start, b)));
	json_object_object_add(d, "to", json_object_new_string(at_fmt_utc(start, b)));
	json_object_object_add(d, "clinician_id", json_object_new_int64(clinician));
	if (clinician != old_clinician)
		json_object_object_add(d, "from_clinician_id", json_object_new_int64(old_clinician));
	json_object_object_add(d, "by_staff", json_object_new_boolean(r->who.role != ROLE_PATIENT));
	json_object_object_add(d, "reason", v[2].present && v[2].len > 0 ?
	    json_object_new_string(v[2].s) : NULL);
	if ((rc = audit_commit(r, "appointment.rescheduled", "appointment", ids, "success",
	    d)) != CE_OK)
		return reply_db(r, rc);
	return reply_appt(r, 200, a.id);
}
