/*
 * Staff asking a patient for a (new) upload, with a reason the patient sees.
 * An upload that names the request (Upload-Metadata "request") closes it
 * when its last byte arrives (uploads.c).
 */
#include <inttypes.h>
#include <string.h>

#include <json-c/json.h>

#include "audit.h"
#include "db.h"
#include "documents.h"
#include "patient.h"
#include "pool.h"
#include "reply.h"
#include "req.h"

#define REQ_COLUMNS \
	"r.id, r.patient_id, r.category, r.reason," \
	" DATE_FORMAT(r.created_at, '%Y-%m-%dT%H:%i:%sZ')," \
	" DATE_FORMAT(r.fulfilled_at, '%Y-%m-%dT%H:%i:%sZ'), r.document_id," \
	" CONCAT(u.given_name, ' ', u.family_name), u.role"

static const char SQL_OPEN[] =
    "SELECT " REQ_COLUMNS " FROM document_requests r JOIN users u ON u.id = r.requested_by"
    " WHERE r.patient_id = ? AND r.fulfilled_at IS NULL ORDER BY r.created_at DESC LIMIT 100";
static const char SQL_ALL[] =
    "SELECT " REQ_COLUMNS " FROM document_requests r JOIN users u ON u.id = r.requested_by"
    " WHERE r.patient_id = ? ORDER BY r.created_at DESC LIMIT 200";
static const char SQL_ONE[] =
    "SELECT " REQ_COLUMNS " FROM document_requests r JOIN users u ON u.id = r.requested_by"
    " WHERE r.id = ?";
static const char SQL_INSERT[] =
    "INSERT INTO document_requests (patient_id, category, reason, requested_by, created_at)"
    " VALUES (?, ?, ?, ?, UTC_TIMESTAMP(6))";

static struct json_object *
req_json(char **row)
{
	struct json_object	*o = json_object_new_object();

	if (o == NULL)
		return NULL;
	json_object_object_add(o, "id", json_object_new_int64(db_int(row[0])));
	json_object_object_add(o, "patient_id", json_object_new_int64(db_int(row[1])));
	json_object_object_add(o, "category", json_object_new_string(row[2]));
	json_object_object_add(o, "reason", json_object_new_string(row[3]));
	json_object_object_add(o, "created_at", json_object_new_string(row[4]));
	json_object_object_add(o, "fulfilled_at", row[5] != NULL ?
	    json_object_new_string(row[5]) : NULL);
	json_object_object_add(o, "document_id", row[6] != NULL ?
	    json_object_new_int64(db_int(row[6])) : NULL);
	json_object_object_add(o, "requested_by", json_object_new_string(row[7]));
	json_object_object_add(o, "requested_by_role", json_object_new_string(row[8]));
	return o;
}

int
reqs_list(struct req *r)
{
	struct json_object	*o, *arr;
	struct db_res		*res;
	int64_t			 pid;
	size_t			 i;
	enum cerr		 rc;

	if (r->who.role == ROLE_PATIENT) {
		if (r->q.vals != NULL && r->q.vals[0].present && r->q.vals[0].i != r->who.user_id)
			return reply_problem(r, 404, "not-found", "No such patient", NULL);
		pid = r->who.user_id;
		rc = db_exec(r->db, r->pool, &res, SQL_OPEN, "i", pid);
	} else {
		if (r->q.vals == NULL || !r->q.vals[0].present)
			return reply_field(r, 400, "patient_id", "is required");
		pid = r->q.vals[0].i;
		if ((rc = patient_reach(r, pid, DOC_STAFF)) == CE_NOTFOUND)
			return reply_problem(r, 404, "not-found", "No such patient", NULL);
		if (rc != CE_OK)
			return reply_db(r, rc);
		if ((rc = patient_read_audit(r, pid, "document_requests", NULL)) != CE_OK)
			return reply_db(r, rc);
		rc = db_exec(r->db, r->pool, &res, SQL_ALL, "i", pid);
	}
	if (rc != CE_OK)
		return reply_db(r, rc);
	if ((o = json_object_new_object()) == NULL || (arr = json_object_new_array()) == NULL) {
		json_object_put(o);
		return reply_internal(r, "out of memory");
	}
	json_object_object_add(o, "requests", arr);
	for (i = 0; i < res->nrows; i++)
		json_object_array_add(arr, req_json(res->rows[i]));
	return reply_json(r, 200, o);
}

int
reqs_create(struct req *r)
{
	struct json_object	*det;
	struct db_res		*res;
	int64_t			 pid = r->in.vals[0].i, id;
	enum cerr		 rc;

	if ((rc = patient_reach(r, pid, DOC_STAFF)) == CE_NOTFOUND)
		return reply_field(r, 422, "patient_id", "is not a patient");
	if (rc != CE_OK)
		return reply_db(r, rc);
	if ((rc = db_begin(r->db)) != CE_OK ||
	    (rc = db_exec(r->db, r->pool, NULL, SQL_INSERT, "issi", pid, r->in.vals[1].s,
	    r->in.vals[2].s, r->who.user_id)) != CE_OK)
		return reply_db(r, rc);
	id = (int64_t)db_insert_id(r->db);
	det = json_object_new_object();
	json_object_object_add(det, "patient_id", json_object_new_int64(pid));
	json_object_object_add(det, "category", json_object_new_string(r->in.vals[1].s));
	/*
	 * The reason is free text about the patient's health or papers: it stays
	 * in document_requests (row `id`), and the append-only trail, which
	 * cannot forget, records only its length.
	 */
	json_object_object_add(det, "reason_length",
	    json_object_new_int64((int64_t)strlen(r->in.vals[2].s)));
	if ((rc = audit_commit(r, "document.reupload_requested", "document_request",
	    pool_printf(r->pool, "%" PRId64, id), "success", det)) != CE_OK)
		return reply_db(r, rc);
	if ((rc = db_exec(r->db, r->pool, &res, SQL_ONE, "i", id)) != CE_OK || res->nrows != 1)
		return reply_db(r, rc != CE_OK ? rc : CE_DB);
	return reply_json(r, 201, req_json(res->rows[0]));
}
