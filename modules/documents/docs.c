/*
 * Documents once uploaded: the list, one document's details, its content
 * (decrypted as it streams) and its deletion by the patient. Patients reach
 * only their own; clinicians and admins reach any patient's, and each such
 * read is audited (patient_read_audit).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "audit.h"
#include "db.h"
#include "documents.h"
#include "patient.h"
#include "pool.h"
#include "reply.h"
#include "req.h"

static const char SQL_LIST[] =
    "SELECT " DOC_COLUMNS " FROM documents WHERE patient_id = ?"
    " AND status IN ('uploading', 'ready') ORDER BY created_at DESC, id DESC LIMIT 500";
static const char SQL_ONE[] =
    "SELECT " DOC_COLUMNS " FROM documents WHERE id = ? AND status IN ('uploading', 'ready')";

/* The patient a list is about: the caller, or ?patient_id= for staff. */
static int
list_patient(struct req *r, int64_t *pid)
{
	enum cerr	rc;

	if (r->who.role == ROLE_PATIENT) {
		if (r->q.vals != NULL && r->q.vals[0].present &&
		    r->q.vals[0].i != r->who.user_id)
			return reply_problem(r, 404, "not-found", "No such patient", NULL);
		*pid = r->who.user_id;
		return 0;
	}
	if (r->q.vals == NULL || !r->q.vals[0].present)
		return reply_field(r, 400, "patient_id", "is required");
	*pid = r->q.vals[0].i;
	if ((rc = patient_reach(r, *pid, DOC_STAFF)) == CE_NOTFOUND)
		return reply_problem(r, 404, "not-found", "No such patient", NULL);
	if (rc != CE_OK)
		return reply_db(r, rc);
	return 0;
}

int
docs_list(struct req *r)
{
	struct json_object	*o, *arr, *det;
	struct db_res		*res;
	struct doc		 d;
	int64_t			 pid;
	size_t			 i;
	enum cerr		 rc;
	int			 st;

	if ((st = list_patient(r, &pid)) != 0)
		return st;
	if ((rc = db_exec(r->db, r->pool, &res, SQL_LIST, "i", pid)) != CE_OK)
		return reply_db(r, rc);
	det = json_object_new_object();
	json_object_object_add(det, "count", json_object_new_int64((int64_t)res->nrows));
	if ((rc = patient_read_audit(r, pid, "documents", det)) != CE_OK)
		return reply_db(r, rc);
	if ((o = json_object_new_object()) == NULL || (arr = json_object_new_array()) == NULL) {
		json_object_put(o);
		return reply_internal(r, "out of memory");
	}
	json_object_object_add(o, "documents", arr);
	for (i = 0; i < res->nrows; i++) {
		doc_from_row(r->pool, res->rows[i], res->lens[i], &d);
		json_object_array_add(arr, doc_json(&d));
	}
	return reply_json(r, 200, o);
}

/* The document {id} if the caller may reach it: 0 with d filled, or a reply status. */
static int
find_doc(struct req *r, struct doc *d)
{
	struct db_res	*res;
	enum cerr	 rc;
	int64_t		 id = req_id(r, "id");

	if (id == 0)
		return reply_problem(r, 404, "not-found", "No such document", NULL);
	if ((rc = db_exec(r->db, r->pool, &res, SQL_ONE, "i", id)) != CE_OK)
		return reply_db(r, rc);
	if (res->nrows != 1)
		return reply_problem(r, 404, "not-found", "No such document", NULL);
	doc_from_row(r->pool, res->rows[0], res->lens[0], d);
	if ((rc = patient_reach(r, d->patient_id, DOC_STAFF)) == CE_NOTFOUND)
		return reply_problem(r, 404, "not-found", "No such document", NULL);
	if (rc != CE_OK)
		return reply_db(r, rc);
	return 0;
}

static struct json_object *
read_details(const struct doc *d)
{
	struct json_object	*det = json_object_new_object();

	json_object_object_add(det, "document_id", json_object_new_int64(d->id));
	return det;
}

int
docs_get(struct req *r)
{
	struct doc	d;
	enum cerr	rc;
	int		st;

	if ((st = find_doc(r, &d)) != 0)
		return st;
	if ((rc = patient_read_audit(r, d.patient_id, "document", read_details(&d))) != CE_OK)
		return reply_db(r, rc);
	return reply_json(r, 200, doc_json(&d));
}

int
docs_content(struct req *r)
{
	struct json_object	*det;
	struct doc		 d;
	enum cerr		 rc;
	int			 st;

	if ((st = find_doc(r, &d)) != 0)
		return st;
	if (strcmp(d.status, "ready") != 0 || d.media_type == NULL)
		return reply_problem(r, 409, "upload-incomplete", "This document is still uploading",
		    "It can be downloaded once every byte has arrived.");
	det = read_details(&d);
	json_object_object_add(det, "content", json_object_new_boolean(1));
	if ((rc = patient_read_audit(r, d.patient_id, "document", det)) != CE_OK)
		return reply_db(r, rc);
	st = store_send(r, &d);
	return st == -1 ? 200 : st;
}

int
docs_delete(struct req *r)
{
	struct json_object	*det;
	struct doc		 d;
	enum cerr		 rc;
	bool			 busy;
	int			 st;

	if ((st = find_doc(r, &d)) != 0)
		return st;
	if ((rc = db_begin(r->db)) != CE_OK || (rc = doc_lock_idle(r, &d, &busy)) != CE_OK) {
		db_rollback(r->db);
		if (rc == CE_NOTFOUND)
			return reply_problem(r, 404, "not-found", "No such document", NULL);
		return reply_db(r, rc);
	}
	if (busy) {
		/* A PATCH writing now would recreate the files after their removal. */
		db_rollback(r->db);
		(void)reply_header(r, "Retry-After", "2");
		return reply_problem(r, 423, "upload-busy", "The upload is being written",
		    "Wait until the upload stops, then delete it.");
	}
	if ((rc = doc_discard(r, &d, "deleted")) != CE_OK) {
		db_rollback(r->db);
		return reply_db(r, rc);
	}
	det = json_object_new_object();
	json_object_object_add(det, "patient_id", json_object_new_int64(d.patient_id));
	json_object_object_add(det, "status_before", json_object_new_string(d.status));
	if ((rc = audit_commit(r, "document.deleted", "document",
	    pool_printf(r->pool, "%" PRId64, d.id), "success", det)) != CE_OK) {
		db_rollback(r->db);
		return reply_db(r, rc);
	}
	store_remove(r->pool, d.token);
	return reply_empty(r, 204);
}
