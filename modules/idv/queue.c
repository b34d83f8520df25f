/*
 * The outbox as admins see it: what is waiting, retrying or has failed, and
 * a way to try a failed message again. Payloads (which may hold patients'
 * details) are not shown.
 */
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

#define OUTBOX_COLS "id, kind, idempotency_key, status, attempts, " IDV_ISO("next_attempt_at") \
	", last_error, " IDV_ISO("created_at") ", " IDV_ISO("delivered_at")

static const char SQL_LIST_ALL[] =
    "SELECT " OUTBOX_COLS " FROM outbox ORDER BY id DESC LIMIT ?";
static const char SQL_LIST_STATUS[] =
    "SELECT " OUTBOX_COLS " FROM outbox WHERE status = ? ORDER BY id DESC LIMIT ?";
static const char SQL_LOCK[] =
    "SELECT status, kind FROM outbox WHERE id = ? FOR UPDATE";
static const char SQL_RETRY[] =
    "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = UTC_TIMESTAMP(6),"
    " locked_until = NULL, locked_by = NULL WHERE id = ?";
static const char SQL_ONE[] =
    "SELECT " OUTBOX_COLS " FROM outbox WHERE id = ?";

static struct json_object *
row_json(char **row)
{
	static const char *const names[] = { "id", "kind", "idempotency_key", "status",
	    "attempts", "next_attempt_at", "last_error", "created_at", "delivered_at" };
	struct json_object	*o = json_object_new_object();
	size_t			 i;

	if (o == NULL)
		return NULL;
	for (i = 0; i < nitems(names); i++) {
		if (i == 0 || i == 4)
			json_object_object_add(o, names[i], json_object_new_int64(db_int(row[i])));
		else
			json_object_object_add(o, names[i], row[i] != NULL ?
			    json_object_new_string(row[i]) : NULL);
	}
	return o;
}

int
idv_outbox_list(struct req *r)
{
	struct db_res		*res;
	struct json_object	*o, *a;
	int64_t			 limit = r->q.vals[1].present ? r->q.vals[1].i : 50;
	size_t			 i;
	enum cerr		 rc;

	rc = r->q.vals[0].present ?
	    db_exec(r->db, r->pool, &res, SQL_LIST_STATUS, "si", r->q.vals[0].s, limit) :
	    db_exec(r->db, r->pool, &res, SQL_LIST_ALL, "i", limit);
	if (rc != CE_OK)
		return reply_db(r, rc);
	if ((o = json_object_new_object()) == NULL || (a = json_object_new_array()) == NULL) {
		json_object_put(o);
		return reply_internal(r, "out of memory");
	}
	json_object_object_add(o, "messages", a);
	for (i = 0; i < res->nrows; i++)
		json_object_array_add(a, row_json(res->rows[i]));
	return reply_json(r, 200, o);
}

int
idv_outbox_retry(struct req *r)
{
	struct db_res		*res;
	struct json_object	*d;
	int64_t			 id = req_id(r, "id");
	char			 ids[24];
	enum cerr		 rc;

	if (id == 0)
		return reply_problem(r, 404, "not-found", "No such message", NULL);
	if ((rc = db_begin(r->db)) != CE_OK ||
	    (rc = db_exec(r->db, r->pool, &res, SQL_LOCK, "i", id)) != CE_OK)
		return reply_db(r, rc);
	if (res->nrows != 1) {
		db_rollback(r->db);
		return reply_problem(r, 404, "not-found", "No such message", NULL);
	}
	if (strcmp(res->rows[0][0], "failed") != 0) {
		db_rollback(r->db);
		return reply_problem(r, 409, "not-failed", "Only a failed message can be retried",
		    NULL);
	}
	(void)snprintf(ids, sizeof(ids), "%" PRId64, id);
	d = json_object_new_object();
	json_object_object_add(d, "kind", json_object_new_string(res->rows[0][1]));
	if ((rc = db_exec(r->db, r->pool, NULL, SQL_RETRY, "i", id)) != CE_OK) {
		json_object_put(d);
		return reply_db(r, rc);
	}
	if ((rc = audit_commit(r, "outbox.retry_requested", "outbox", ids, "success", d)) != CE_OK)
		return reply_db(r, rc);
	if ((rc = db_exec(r->db, r->pool, &res, SQL_ONE, "i", id)) != CE_OK)
		return reply_db(r, rc);
	if (res->nrows != 1 || (d = row_json(res->rows[0])) == NULL)
		return reply_internal(r, "message vanished");
	return reply_json(r, 200, d);
}
