/*
 * The outbox for administrators (outbox.h): one list and one resend shared
 * by the identity-check route (issue 3) and the outbox route of issue 6.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "audit.h"
#include "db.h"
#include "outbox.h"
#include "patient.h"
#include "pool.h"
#include "reply.h"
#include "req.h"

#define ISO(col)	"DATE_FORMAT(" col ", '%Y-%m-%dT%H:%i:%sZ')"
#define COLS		"id, kind, idempotency_key, status, attempts, " ISO("next_attempt_at") \
	", last_error, " ISO("created_at") ", " ISO("delivered_at")
#define KIND_MATCH \
	" (? IS NULL OR kind = ? OR (RIGHT(?, 1) = '.' AND LEFT(kind, CHAR_LENGTH(?)) = ?))"

static const char SQL_LIST[] =
    "SELECT " COLS " FROM outbox WHERE (? IS NULL OR status = ?) AND" KIND_MATCH
    " ORDER BY (? <> 0 AND status = 'failed') DESC, id DESC LIMIT ?";
static const char SQL_COUNTS[] =
    "SELECT status, COUNT(*) FROM outbox WHERE" KIND_MATCH " GROUP BY status";
static const char SQL_LOCK[] =
    "SELECT status, kind, attempts, last_error FROM outbox WHERE id = ? FOR UPDATE";
static const char SQL_RESEND[] =
    "UPDATE outbox SET status = 'pending', attempts = 0, next_attempt_at = UTC_TIMESTAMP(6),"
    " locked_until = NULL, locked_by = NULL WHERE id = ? AND status = 'failed'";
static const char SQL_ONE[] =
    "SELECT " COLS " FROM outbox WHERE id = ?";

static struct json_object *
row_json(char **row, unsigned flags)
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
	if (flags & OUTBOX_LIST_DEAD_LETTER)
		json_object_object_add(o, "dead_letter",
		    json_object_new_boolean(strcmp(row[3], "failed") == 0));
	return o;
}

int
outbox_admin_list(struct req *r, const char *status, const char *kind, int64_t limit,
    unsigned flags)
{
	static const char *const statuses[] = { "pending", "sending", "done", "failed" };
	struct db_res		*res, *cnt = NULL;
	struct json_object	*o, *a, *c = NULL, *e;
	int64_t			 dead_first = (flags & OUTBOX_LIST_DEAD_FIRST) != 0;
	size_t			 i;
	enum cerr		 rc;

	if ((rc = db_exec(r->db, r->pool, &res, SQL_LIST, "sssssssii", status, status, kind,
	    kind, kind, kind, kind, dead_first, limit)) != CE_OK)
		return reply_db(r, rc);
	if ((flags & OUTBOX_LIST_COUNTS) &&
	    (rc = db_exec(r->db, r->pool, &cnt, SQL_COUNTS, "sssss", kind, kind, kind, kind,
	    kind)) != CE_OK)
		return reply_db(r, rc);
	if ((o = json_object_new_object()) == NULL || (a = json_object_new_array()) == NULL ||
	    json_object_object_add(o, "messages", a) != 0) {
		json_object_put(o);
		return reply_internal(r, "out of memory");
	}
	if (cnt != NULL) {
		if ((c = json_object_new_object()) == NULL ||
		    json_object_object_add(o, "counts", c) != 0) {
			json_object_put(o);
			return reply_internal(r, "out of memory");
		}
		for (i = 0; i < nitems(statuses); i++)
			json_object_object_add(c, statuses[i], json_object_new_int64(0));
		for (i = 0; i < cnt->nrows; i++)
			json_object_object_add(c, cnt->rows[i][0], json_object_new_int64(
			    db_int(cnt->rows[i][1])));
	}
	for (i = 0; i < res->nrows; i++) {
		if ((e = row_json(res->rows[i], flags)) == NULL ||
		    json_object_array_add(a, e) != 0) {
			json_object_put(e);
			json_object_put(o);
			return reply_internal(r, "out of memory");
		}
	}
	return reply_json(r, 200, o);
}

int
outbox_admin_resend(struct req *r, const struct outbox_resend *how)
{
	struct db_res		*res;
	struct json_object	*d;
	int64_t			 id = req_id(r, "id");
	char			 ids[24];
	int			 k;
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
		return reply_problem(r, 409, how->slug, how->title, !how->explain ? NULL :
		    pool_printf(r->pool, "This message is %s: only one that has given up"
		    " (failed) can be sent again.", res->rows[0][0]));
	}
	k = snprintf(ids, sizeof(ids), "%" PRId64, id);
	if (k <= 0 || (size_t)k >= sizeof(ids)) {
		db_rollback(r->db);
		return reply_internal(r, "the message id could not be formatted");
	}
	if ((d = json_object_new_object()) != NULL) {
		json_object_object_add(d, "kind", json_object_new_string(res->rows[0][1]));
		if (how->history) {
			json_object_object_add(d, "attempts_before", json_object_new_int64(
			    db_int(res->rows[0][2])));
			if (res->rows[0][3] != NULL)
				json_object_object_add(d, "last_error",
				    json_object_new_string(res->rows[0][3]));
		}
	}
	if ((rc = db_exec(r->db, r->pool, NULL, SQL_RESEND, "i", id)) != CE_OK) {
		json_object_put(d);
		return reply_db(r, rc);
	}
	if ((rc = audit_commit(r, how->action, "outbox", ids, "success", d)) != CE_OK)
		return reply_db(r, rc);
	if ((rc = db_exec(r->db, r->pool, &res, SQL_ONE, "i", id)) != CE_OK)
		return reply_db(r, rc);
	if (res->nrows != 1 || (d = row_json(res->rows[0], how->flags)) == NULL)
		return reply_internal(r, "the message could not be read back");
	return reply_json(r, 200, d);
}
