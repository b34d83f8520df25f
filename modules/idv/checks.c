/* A patient's identity checks: start one, follow it; staff read them. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "audit.h"
#include "conf.h"
#include "db.h"
#include "idv.h"
#include "outbox.h"
#include "patient.h"
#include "pool.h"
#include "reply.h"
#include "req.h"

static const char SQL_LOCK_PATIENT[] =
    "SELECT given_name, family_name, DATE_FORMAT(date_of_birth, '%Y-%m-%d'), email"
    " FROM users WHERE id = ? AND role = 'patient' FOR UPDATE";
static const char SQL_VERIFIED[] =
    "SELECT check_id, how, " IDV_ISO("verified_at") " FROM idv_verified WHERE patient_id = ?";
static const char SQL_LATEST[] =
    "SELECT " IDV_CHECK_COLS " FROM idv_check c WHERE c.patient_id = ?"
    " ORDER BY c.attempt DESC LIMIT 1";
static const char SQL_BY_ID[] =
    "SELECT " IDV_CHECK_COLS " FROM idv_check c WHERE c.id = ?";
static const char SQL_INSERT[] =
    "INSERT INTO idv_check (patient_id, attempt, status, created_at, updated_at)"
    " VALUES (?, ?, 'queued', UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))";

/* Column numbers of IDV_CHECK_COLS. */
enum {
	C_ID, C_PATIENT, C_ATTEMPT, C_STATUS, C_APPLICANT, C_RUN, C_SDK, C_LINK,
	C_PSTATUS, C_PRESULT, C_ERROR, C_DECISION, C_REASON, C_DECIDED_BY, C_DECIDED_AT,
	C_CREATED, C_UPDATED, C_COMPLETED, C_RETRYING
};

static const struct {
	const char	*status;
	const char	*words;
} steps[] = {
	{ "none", "Start an identity check when you are ready. You will need a passport or a"
	    " photo driving licence, and a phone with a camera." },
	{ "queued", "We are setting up your identity check. This usually takes a few seconds." },
	{ "link_ready", "Your identity check is ready. Continue at our identity partner: have"
	    " your passport or photo driving licence with you." },
	{ "awaiting_result", "Thank you. We are waiting for the result; this page updates by"
	    " itself." },
	{ "clear", "Your identity is verified. There is nothing more to do." },
	{ "approved", "Your identity is verified. There is nothing more to do." },
	{ "consider", "Your check needs a closer look by our team. You don't need to do"
	    " anything now; we will let you know the outcome." },
	{ "declined", "We could not verify your identity from that check. Please try again"
	    " with a different document (in date, all four corners in the photo, in good"
	    " light). If it happens again, contact the clinic." },
	{ "rejected", "Our team could not confirm your identity from this check. Please try"
	    " again with a different document, or contact the clinic." },
	{ "failed", "We could not complete the check with our identity partner. Please start"
	    " again; if it keeps happening, contact the clinic." },
};

const char *
idv_next_step(const char *status)
{
	size_t	i;

	for (i = 0; i < nitems(steps); i++)
		if (strcmp(steps[i].status, status) == 0)
			return steps[i].words;
	return "";
}

/* Statuses from which a new attempt may start. */
static bool
can_start(const char *status)
{
	return strcmp(status, "declined") == 0 || strcmp(status, "rejected") == 0 ||
	    strcmp(status, "failed") == 0;
}

static void
add_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, v != NULL ? json_object_new_string(v) : NULL);
}

struct json_object *
idv_check_json(struct req *r, char **row, bool staff)
{
	struct json_object	*o, *res;
	const char		*st = row[C_STATUS], *why;
	bool			 ready = strcmp(st, "link_ready") == 0;

	(void)r;
	if ((o = json_object_new_object()) == NULL)
		return NULL;
	json_object_object_add(o, "id", json_object_new_int64(db_int(row[C_ID])));
	json_object_object_add(o, "attempt", json_object_new_int64(db_int(row[C_ATTEMPT])));
	add_str(o, "status", st);
	add_str(o, "next_step", idv_next_step(st));
	json_object_object_add(o, "verified", json_object_new_boolean(
	    strcmp(st, "clear") == 0 || strcmp(st, "approved") == 0));
	json_object_object_add(o, "can_start_again", json_object_new_boolean(can_start(st)));
	json_object_object_add(o, "retrying", json_object_new_boolean(
	    row[C_RETRYING] != NULL && db_int(row[C_RETRYING]) > 0));
	add_str(o, "link_url", ready || staff ? row[C_LINK] : NULL);
	add_str(o, "sdk_token", ready ? row[C_SDK] : NULL);
	add_str(o, "created_at", row[C_CREATED]);
	add_str(o, "updated_at", row[C_UPDATED]);
	add_str(o, "completed_at", row[C_COMPLETED]);
	if (!staff)
		return o;
	json_object_object_add(o, "patient_id", json_object_new_int64(db_int(row[C_PATIENT])));
	add_str(o, "applicant_id", row[C_APPLICANT]);
	add_str(o, "workflow_run_id", row[C_RUN]);
	add_str(o, "provider_status", row[C_PSTATUS]);
	res = NULL;
	if (row[C_PRESULT] != NULL &&
	    (res = req_parse_json(row[C_PRESULT], strlen(row[C_PRESULT]), &why)) == NULL)
		res = json_object_new_string(row[C_PRESULT]);
	json_object_object_add(o, "provider_result", res);
	add_str(o, "error", row[C_ERROR]);
	add_str(o, "decision", row[C_DECISION]);
	add_str(o, "decision_reason", row[C_REASON]);
	json_object_object_add(o, "decided_by", row[C_DECIDED_BY] != NULL ?
	    json_object_new_int64(db_int(row[C_DECIDED_BY])) : NULL);
	add_str(o, "decided_at", row[C_DECIDED_AT]);
	return o;
}

static void
add_flags(struct json_object *o)
{
	json_object_object_add(o, "required_for_booking",
	    json_object_new_boolean(conf.idv_required_for_booking != 0));
}

/* The reply for a patient's check (or none): the check plus the booking setting. */
static int
reply_current(struct req *r, int status)
{
	struct db_res		*res;
	struct json_object	*o;
	enum cerr		 rc;

	if ((rc = db_exec(r->db, r->pool, &res, SQL_LATEST, "i", r->who.user_id)) != CE_OK)
		return reply_db(r, rc);
	if (res->nrows == 0) {
		if ((o = json_object_new_object()) == NULL)
			return reply_internal(r, "out of memory");
		json_object_object_add(o, "id", NULL);
		add_str(o, "status", "none");
		add_str(o, "next_step", idv_next_step("none"));
		json_object_object_add(o, "verified", json_object_new_boolean(0));
		json_object_object_add(o, "can_start_again", json_object_new_boolean(1));
		json_object_object_add(o, "retrying", json_object_new_boolean(0));
	} else if ((o = idv_check_json(r, res->rows[0], false)) == NULL)
		return reply_internal(r, "out of memory");
	add_flags(o);
	return reply_json(r, status, o);
}

int
idv_check_start(struct req *r)
{
	struct db_res		*res, *who;
	struct json_object	*payload, *app, *d;
	const char		*st;
	char			 id[24], key[64];
	int64_t			 attempt = 1, check;
	enum cerr		 rc;

	/* The patient's row lock serialises starts: two taps make one check. */
	if ((rc = db_begin(r->db)) != CE_OK ||
	    (rc = db_exec(r->db, r->pool, &who, SQL_LOCK_PATIENT, "i", r->who.user_id)) != CE_OK ||
	    (rc = db_exec(r->db, r->pool, &res, SQL_VERIFIED, "i", r->who.user_id)) != CE_OK)
		return reply_db(r, rc);
	if (who->nrows != 1)
		return reply_internal(r, "patient row vanished");
	if (res->nrows > 0) {
		db_rollback(r->db);
		return reply_problem(r, 409, "already-verified", "Your identity is already verified",
		    "There is nothing more to do.");
	}
	if ((rc = db_exec(r->db, r->pool, &res, SQL_LATEST, "i", r->who.user_id)) != CE_OK)
		return reply_db(r, rc);
	if (res->nrows > 0) {
		st = res->rows[0][C_STATUS];
		if (!can_start(st)) {
			/* One in progress (or waiting for review): that one is the answer. */
			db_rollback(r->db);
			return reply_current(r, 200);
		}
		attempt = db_int(res->rows[0][C_ATTEMPT]) + 1;
	}
	if ((rc = db_exec(r->db, r->pool, NULL, SQL_INSERT, "ii", r->who.user_id, attempt)) != CE_OK)
		return reply_db(r, rc);
	check = (int64_t)db_insert_id(r->db);
	(void)snprintf(id, sizeof(id), "%" PRId64, check);
	(void)snprintf(key, sizeof(key), "idv-%" PRId64 "-applicant", check);
	payload = json_object_new_object();
	app = json_object_new_object();
	if (payload == NULL || app == NULL) {
		json_object_put(payload);
		json_object_put(app);
		return reply_internal(r, "out of memory");
	}
	add_str(app, "first_name", who->rows[0][0]);
	add_str(app, "last_name", who->rows[0][1]);
	if (who->rows[0][2] != NULL)
		add_str(app, "dob", who->rows[0][2]);
	add_str(app, "email", who->rows[0][3]);
	json_object_object_add(payload, "check_id", json_object_new_int64(check));
	json_object_object_add(payload, "applicant", app);
	if ((rc = outbox_put(r, "idv.create_applicant", key, payload)) != CE_OK)
		return reply_db(r, rc);
	d = json_object_new_object();
	json_object_object_add(d, "attempt", json_object_new_int64(attempt));
	json_object_object_add(d, "patient_id", json_object_new_int64(r->who.user_id));
	if ((rc = audit_commit(r, "idv.check_started", "idv_check", id, "success", d)) != CE_OK)
		return reply_db(r, rc);
	return reply_current(r, 201);
}

int
idv_check_current(struct req *r)
{
	return reply_current(r, 200);
}

int
idv_check_get(struct req *r)
{
	struct db_res		*res;
	struct json_object	*o, *d;
	int64_t			 id = req_id(r, "id"), patient;
	bool			 staff = r->who.role != ROLE_PATIENT;
	enum cerr		 rc;

	if (id == 0)
		return reply_problem(r, 404, "not-found", "No such check", NULL);
	if ((rc = db_exec(r->db, r->pool, &res, SQL_BY_ID, "i", id)) != CE_OK)
		return reply_db(r, rc);
	if (res->nrows != 1)
		return reply_problem(r, 404, "not-found", "No such check", NULL);
	patient = db_int(res->rows[0][C_PATIENT]);
	rc = patient_reach(r, patient, ROLE_CLINICIAN | ROLE_ADMIN);
	if (rc == CE_NOTFOUND)
		return reply_problem(r, 404, "not-found", "No such check", NULL);
	if (rc != CE_OK)
		return reply_db(r, rc);
	if (staff) {
		d = json_object_new_object();
		json_object_object_add(d, "check_id", json_object_new_int64(id));
		if ((rc = patient_read_audit(r, patient, "identity_check", d)) != CE_OK)
			return reply_db(r, rc);
	}
	if ((o = idv_check_json(r, res->rows[0], staff)) == NULL)
		return reply_internal(r, "out of memory");
	return reply_json(r, 200, o);
}

int
idv_patient_status(struct req *r)
{
	struct db_res		*res, *v;
	struct json_object	*o, *c = NULL;
	int64_t			 patient = req_id(r, "id");
	enum cerr		 rc;

	if (patient == 0)
		return reply_problem(r, 404, "not-found", "No such patient", NULL);
	rc = patient_reach(r, patient, ROLE_CLINICIAN | ROLE_ADMIN);
	if (rc == CE_NOTFOUND)
		return reply_problem(r, 404, "not-found", "No such patient", NULL);
	if (rc != CE_OK ||
	    (rc = patient_read_audit(r, patient, "identity_status", NULL)) != CE_OK ||
	    (rc = db_exec(r->db, r->pool, &v, SQL_VERIFIED, "i", patient)) != CE_OK ||
	    (rc = db_exec(r->db, r->pool, &res, SQL_LATEST, "i", patient)) != CE_OK)
		return reply_db(r, rc);
	if ((o = json_object_new_object()) == NULL)
		return reply_internal(r, "out of memory");
	json_object_object_add(o, "patient_id", json_object_new_int64(patient));
	json_object_object_add(o, "verified", json_object_new_boolean(v->nrows > 0));
	add_str(o, "verified_at", v->nrows > 0 ? v->rows[0][2] : NULL);
	add_str(o, "verified_by", v->nrows > 0 ? v->rows[0][1] : NULL);
	if (res->nrows > 0 && (c = idv_check_json(r, res->rows[0], true)) == NULL) {
		json_object_put(o);
		return reply_internal(r, "out of memory");
	}
	json_object_object_add(o, "latest_check", c);
	add_flags(o);
	return reply_json(r, 200, o);
}
