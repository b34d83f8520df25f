/* The admin review queue: checks the provider marked "consider". */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "audit.h"
#include "db.h"
#include "idv.h"
#include "patient.h"
#include "reply.h"
#include "req.h"

#define REVIEW_COLS	IDV_CHECK_COLS ", u.given_name, u.family_name," \
	" DATE_FORMAT(u.date_of_birth, '%Y-%m-%d'), u.email"
enum { R_GIVEN = 19, R_FAMILY, R_DOB, R_EMAIL };

static const char SQL_OPEN[] =
    "SELECT " REVIEW_COLS " FROM idv_check c JOIN users u ON u.id = c.patient_id"
    " WHERE c.status = 'consider' ORDER BY c.updated_at, c.id LIMIT ?";
static const char SQL_DECIDED[] =
    "SELECT " REVIEW_COLS " FROM idv_check c JOIN users u ON u.id = c.patient_id"
    " WHERE c.status IN ('approved','rejected') ORDER BY c.decided_at DESC, c.id DESC LIMIT ?";
static const char SQL_LOCK[] =
    "SELECT patient_id, status, provider_status FROM idv_check WHERE id = ? FOR UPDATE";
static const char SQL_DECIDE[] =
    "UPDATE idv_check SET status = ?, decision = ?, decision_reason = ?, decided_by = ?,"
    " decided_at = UTC_TIMESTAMP(6), completed_at = UTC_TIMESTAMP(6),"
    " updated_at = UTC_TIMESTAMP(6) WHERE id = ?";
static const char SQL_VERIFY[] =
    "INSERT INTO idv_verified (patient_id, check_id, how, verified_at)"
    " VALUES (?, ?, 'approved', UTC_TIMESTAMP(6))"
    " ON DUPLICATE KEY UPDATE check_id = VALUES(check_id), how = VALUES(how),"
    " verified_at = VALUES(verified_at)";
static const char SQL_BY_ID[] =
    "SELECT " REVIEW_COLS " FROM idv_check c JOIN users u ON u.id = c.patient_id WHERE c.id = ?";

static struct json_object *
review_json(struct req *r, char **row)
{
	struct json_object	*o = idv_check_json(r, row, true), *p;

	if (o == NULL || (p = json_object_new_object()) == NULL) {
		json_object_put(o);
		return NULL;
	}
	json_object_object_add(p, "id", json_object_new_int64(db_int(row[1])));
	json_object_object_add(p, "given_name", json_object_new_string(row[R_GIVEN]));
	json_object_object_add(p, "family_name", json_object_new_string(row[R_FAMILY]));
	json_object_object_add(p, "date_of_birth", row[R_DOB] != NULL ?
	    json_object_new_string(row[R_DOB]) : NULL);
	json_object_object_add(p, "email", json_object_new_string(row[R_EMAIL]));
	json_object_object_add(o, "patient", p);
	return o;
}

int
idv_review_list(struct req *r)
{
	struct db_res		*res;
	struct json_object	*o, *a, *ids, *d, *one;
	bool			 decided = r->q.vals[0].present && strcmp(r->q.vals[0].s, "decided") == 0;
	int64_t			 limit = r->q.vals[1].present ? r->q.vals[1].i : 50;
	size_t			 i;
	enum cerr		 rc;

	if ((rc = db_exec(r->db, r->pool, &res, decided ? SQL_DECIDED : SQL_OPEN, "i", limit)) != CE_OK)
		return reply_db(r, rc);
	o = json_object_new_object();
	a = json_object_new_array();
	ids = json_object_new_array();
	if (o == NULL || a == NULL || ids == NULL) {
		json_object_put(o);
		json_object_put(a);
		json_object_put(ids);
		return reply_internal(r, "out of memory");
	}
	json_object_object_add(o, "reviews", a);
	for (i = 0; i < res->nrows; i++) {
		if ((one = review_json(r, res->rows[i])) == NULL) {
			json_object_put(o);
			json_object_put(ids);
			return reply_internal(r, "out of memory");
		}
		json_object_array_add(a, one);
		json_object_array_add(ids, json_object_new_int64(db_int(res->rows[i][0])));
	}
	/* Staff reading patients' records is recorded: which checks were shown. */
	d = json_object_new_object();
	json_object_object_add(d, "state", json_object_new_string(decided ? "decided" : "open"));
	json_object_object_add(d, "check_ids", ids);
	if ((rc = db_begin(r->db)) != CE_OK ||
	    (rc = audit_commit(r, "idv.reviews_viewed", "idv_check", NULL, "success", d)) != CE_OK) {
		json_object_put(o);
		return reply_db(r, rc);
	}
	return reply_json(r, 200, o);
}

int
idv_review_decide(struct req *r)
{
	struct db_res		*res;
	struct json_object	*d, *o;
	const char		*decision = r->in.vals[0].s, *reason = r->in.vals[1].s;
	bool			 approve = strcmp(decision, "approve") == 0;
	int64_t			 id = req_id(r, "id"), patient;
	char			 ids[24];
	enum cerr		 rc;

	if (id == 0)
		return reply_problem(r, 404, "not-found", "No such check", NULL);
	if ((rc = db_begin(r->db)) != CE_OK ||
	    (rc = db_exec(r->db, r->pool, &res, SQL_LOCK, "i", id)) != CE_OK)
		return reply_db(r, rc);
	if (res->nrows != 1) {
		db_rollback(r->db);
		return reply_problem(r, 404, "not-found", "No such check", NULL);
	}
	if (strcmp(res->rows[0][1], "consider") != 0) {
		db_rollback(r->db);
		return reply_problem(r, 409, "not-in-review", "This check is not waiting for review",
		    strcmp(res->rows[0][1], "approved") == 0 || strcmp(res->rows[0][1], "rejected") == 0 ?
		    "It has been decided already." : "Only checks the provider marked consider are reviewed.");
	}
	patient = db_int(res->rows[0][0]);
	(void)snprintf(ids, sizeof(ids), "%" PRId64, id);
	if ((rc = db_exec(r->db, r->pool, NULL, SQL_DECIDE, "sssii", approve ? "approved" : "rejected",
	    decision, reason, r->who.user_id, id)) != CE_OK ||
	    (approve && (rc = db_exec(r->db, r->pool, NULL, SQL_VERIFY, "ii", patient, id)) != CE_OK))
		return reply_db(r, rc);
	d = json_object_new_object();
	json_object_object_add(d, "decision", json_object_new_string(decision));
	json_object_object_add(d, "reason", json_object_new_string(reason));
	json_object_object_add(d, "patient_id", json_object_new_int64(patient));
	json_object_object_add(d, "provider_status", res->rows[0][2] != NULL ?
	    json_object_new_string(res->rows[0][2]) : NULL);
	if ((rc = audit_commit(r, "idv.review_decided", "idv_check", ids, "success", d)) != CE_OK)
		return reply_db(r, rc);
	if ((rc = db_exec(r->db, r->pool, &res, SQL_BY_ID, "i", id)) != CE_OK)
		return reply_db(r, rc);
	if (res->nrows != 1 || (o = review_json(r, res->rows[0])) == NULL)
		return reply_internal(r, "decided check vanished");
	return reply_json(r, 200, o);
}
