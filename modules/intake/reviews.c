/*
 * The clinicians' review queue: submissions that need a clinician (outcome
 * needs_review, or any raised flag), with the patient's name, reasons,
 * flags and scores; a clinician closes one with a decision the patient sees.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "audit.h"
#include "db.h"
#include "intake.h"
#include "patient.h"
#include "pool.h"
#include "reply.h"
#include "req.h"

#define REVIEW_COLS "v.id, v.response_id, v.patient_id, v.status, v.reasons, v.flags," \
	" v.created_at, v.decision, v.note, v.decided_at, v.decided_by, u.given_name," \
	" u.family_name, u.date_of_birth, s.qkey, s.q_version, s.outcome, s.submitted_at," \
	" JSON_EXTRACT(s.result, '$.scores'), d.given_name, d.family_name"

static const char SQL_LIST[] =
    "SELECT " REVIEW_COLS " FROM intake_review v JOIN users u ON u.id = v.patient_id"
    " JOIN intake_response s ON s.id = v.response_id LEFT JOIN users d ON d.id = v.decided_by"
    " WHERE v.status = ? ORDER BY v.id LIMIT 200";
static const char SQL_ONE[] =
    "SELECT " REVIEW_COLS " FROM intake_review v JOIN users u ON u.id = v.patient_id"
    " JOIN intake_response s ON s.id = v.response_id LEFT JOIN users d ON d.id = v.decided_by"
    " WHERE v.id = ?";
static const char SQL_LOCK[] =
    "SELECT status, response_id, patient_id FROM intake_review WHERE id = ? FOR UPDATE";
static const char SQL_CLOSE[] =
    "UPDATE intake_review SET status = 'closed', decision = ?, note = ?, decided_by = ?,"
    " decided_at = UTC_TIMESTAMP(6) WHERE id = ?";
static const char SQL_DECIDE[] =
    "UPDATE intake_response SET decision = ?, decision_note = ?, decided_by = ?,"
    " decided_at = UTC_TIMESTAMP(6) WHERE id = ?";

static struct json_object *
json_or(struct req *r, const char *text, const char *fallback)
{
	struct json_object	*o = NULL;

	if (text != NULL)
		o = intake_json(r, text, strlen(text));
	if (o == NULL)
		o = intake_json(r, fallback, strlen(fallback));
	return o != NULL ? json_object_get(o) : NULL;
}

static struct json_object *
review_json(struct req *r, char **row)
{
	struct json_object	*o = json_object_new_object(), *p, *by;

	json_object_object_add(o, "id", json_object_new_int64(db_int(row[0])));
	json_object_object_add(o, "response_id", json_object_new_int64(db_int(row[1])));
	json_object_object_add(o, "status", json_object_new_string(row[3]));
	json_object_object_add(o, "reasons", json_or(r, row[4], "[]"));
	json_object_object_add(o, "flags", json_or(r, row[5], "[]"));
	json_object_object_add(o, "created_at", json_object_new_string(intake_iso(r, row[6])));
	json_object_object_add(o, "decision", intake_str(row[7]));
	json_object_object_add(o, "note", intake_str(row[8]));
	json_object_object_add(o, "decided_at", intake_str(intake_iso(r, row[9])));
	if (row[10] != NULL) {
		by = json_object_new_object();
		json_object_object_add(by, "id", json_object_new_int64(db_int(row[10])));
		json_object_object_add(by, "given_name", intake_str(row[19]));
		json_object_object_add(by, "family_name", intake_str(row[20]));
		json_object_object_add(o, "decided_by", by);
	} else
		json_object_object_add(o, "decided_by", NULL);
	p = json_object_new_object();
	json_object_object_add(p, "id", json_object_new_int64(db_int(row[2])));
	json_object_object_add(p, "given_name", json_object_new_string(row[11]));
	json_object_object_add(p, "family_name", json_object_new_string(row[12]));
	json_object_object_add(p, "date_of_birth", intake_str(row[13]));
	json_object_object_add(o, "patient", p);
	json_object_object_add(o, "key", json_object_new_string(row[14]));
	json_object_object_add(o, "version", json_object_new_int64(db_int(row[15])));
	json_object_object_add(o, "outcome", intake_str(row[16]));
	json_object_object_add(o, "submitted_at", intake_str(intake_iso(r, row[17])));
	json_object_object_add(o, "scores", json_or(r, row[18], "{}"));
	return o;
}

int
intake_review_list(struct req *r)
{
	const char		*status = r->q.vals != NULL && r->q.vals[0].present ?
	    r->q.vals[0].s : "open";
	struct json_object	*o, *arr, *d, *shown;
	struct db_res		*res;
	size_t			 i;
	enum cerr		 rc;

	if ((rc = db_exec(r->db, r->pool, &res, SQL_LIST, "s", status)) != CE_OK)
		return reply_db(r, rc);
	/* Listing names patients and their flags: one audit row for the view, naming them. */
	if ((d = json_object_new_object()) == NULL || (shown = json_object_new_array()) == NULL) {
		json_object_put(d);
		return reply_internal(r, "out of memory");
	}
	for (i = 0; i < res->nrows; i++)
		json_object_array_add(shown, json_object_new_int64(db_int(res->rows[i][2])));
	json_object_object_add(d, "status", json_object_new_string(status));
	json_object_object_add(d, "count", json_object_new_int64((int64_t)res->nrows));
	json_object_object_add(d, "patients", shown);
	if ((rc = db_begin(r->db)) != CE_OK) {
		json_object_put(d);
		return reply_db(r, rc);
	}
	if ((rc = audit_commit(r, "intake.reviews_viewed", "intake_review", NULL, "success",
	    d)) != CE_OK)
		return reply_db(r, rc);
	o = json_object_new_object();
	arr = json_object_new_array();
	for (i = 0; i < res->nrows; i++)
		json_object_array_add(arr, review_json(r, res->rows[i]));
	json_object_object_add(o, "reviews", arr);
	return reply_json(r, 200, o);
}

int
intake_review_get(struct req *r)
{
	struct db_res		*res;
	struct json_object	*d;
	int64_t			 id = req_id(r, "id");
	enum cerr		 rc;

	if (id == 0)
		return reply_problem(r, 404, "not-found", "No such review", NULL);
	if ((rc = db_exec(r->db, r->pool, &res, SQL_ONE, "i", id)) != CE_OK)
		return reply_db(r, rc);
	if (res->nrows == 0)
		return reply_problem(r, 404, "not-found", "No such review", NULL);
	d = json_object_new_object();
	json_object_object_add(d, "review_id", json_object_new_int64(id));
	if ((rc = patient_read_audit(r, db_int(res->rows[0][2]), "intake_review", d)) != CE_OK)
		return reply_db(r, rc);
	return reply_json(r, 200, review_json(r, res->rows[0]));
}

int
intake_review_decide(struct req *r)
{
	const char		*decision = r->in.vals[0].s;
	const char		*note = r->in.vals[1].present && r->in.vals[1].len > 0 ?
	    r->in.vals[1].s : NULL;
	struct db_res		*res;
	struct json_object	*d;
	int64_t			 id = req_id(r, "id"), response_id, patient_id;
	char			 idbuf[24];
	enum cerr		 rc;

	if (id == 0)
		return reply_problem(r, 404, "not-found", "No such review", NULL);
	if ((rc = db_begin(r->db)) != CE_OK ||
	    (rc = db_exec(r->db, r->pool, &res, SQL_LOCK, "i", id)) != CE_OK)
		return reply_db(r, rc);
	if (res->nrows == 0) {
		db_rollback(r->db);
		return reply_problem(r, 404, "not-found", "No such review", NULL);
	}
	if (strcmp(res->rows[0][0], "open") != 0) {
		db_rollback(r->db);
		return reply_problem(r, 409, "already-decided", "Already decided",
		    "Another clinician has closed this review.");
	}
	response_id = db_int(res->rows[0][1]);
	patient_id = db_int(res->rows[0][2]);
	if ((rc = db_exec(r->db, r->pool, NULL, SQL_CLOSE, "ssii", decision, note,
	    r->who.user_id, id)) != CE_OK ||
	    (rc = db_exec(r->db, r->pool, NULL, SQL_DECIDE, "ssii", decision, note,
	    r->who.user_id, response_id)) != CE_OK)
		return reply_db(r, rc);
	(void)snprintf(idbuf, sizeof(idbuf), "%" PRId64, id);
	d = json_object_new_object();
	json_object_object_add(d, "response_id", json_object_new_int64(response_id));
	json_object_object_add(d, "patient_id", json_object_new_int64(patient_id));
	json_object_object_add(d, "decision", json_object_new_string(decision));
	if ((rc = audit_commit(r, "intake.review_decided", "intake_review", idbuf, "success", d)) !=
	    CE_OK)
		return reply_db(r, rc);
	if ((rc = db_exec(r->db, r->pool, &res, SQL_ONE, "i", id)) != CE_OK)
		return reply_db(r, rc);
	if (res->nrows != 1)
		return reply_internal(r, "review vanished");
	return reply_json(r, 200, review_json(r, res->rows[0]));
}
