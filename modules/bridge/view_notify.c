/*
 * In-portal notifications: written by bridge_apply() (and anything else in
 * bridge.fcgi) in the transaction of the change they tell about; each
 * person reads and marks only their own. Reads are not audited (contract:
 * a person's own notices).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "db.h"
#include "patient.h"
#include "pool.h"
#include "reply.h"
#include "req.h"
#include "view.h"

static const char SQL_INSERT[] =
    "INSERT INTO notification (user_id, kind, title, body, link, data, created_at)"
    " VALUES (?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(6))";
static const char SQL_LIST[] =
    "SELECT id, kind, title, body, link, data, DATE_FORMAT(created_at, '%Y-%m-%dT%H:%i:%sZ'),"
    " DATE_FORMAT(read_at, '%Y-%m-%dT%H:%i:%sZ') FROM notification"
    " WHERE user_id = ? AND (? = 0 OR read_at IS NULL) ORDER BY id DESC LIMIT ?";
static const char SQL_UNREAD[] =
    "SELECT COUNT(*) FROM notification WHERE user_id = ? AND read_at IS NULL";
static const char SQL_READ[] =
    "UPDATE notification SET read_at = COALESCE(read_at, UTC_TIMESTAMP(6))"
    " WHERE id = ? AND user_id = ?";
static const char SQL_MINE[] =
    "SELECT id FROM notification WHERE id = ? AND user_id = ?";
static const char SQL_READ_ALL[] =
    "UPDATE notification SET read_at = UTC_TIMESTAMP(6) WHERE user_id = ? AND read_at IS NULL";

/* s cut to at most max bytes on a UTF-8 boundary (pool copy when cut). */
static const char *
fit(struct pool *p, const char *s, size_t max)
{
	size_t	n;

	if (s == NULL || (n = strlen(s)) <= max)
		return s;
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return pool_strndup(p, s, n);
}

enum cerr
notify_user(struct req *r, int64_t user_id, const char *kind, const char *title,
    const char *body, const char *link, struct json_object *data)
{
	const char	*text = NULL;
	enum cerr	 rc;

	if (kind == NULL || title == NULL || body == NULL) {
		json_object_put(data);
		return CE_NOMEM;
	}
	if (data != NULL && (text = json_object_to_json_string_ext(data,
	    JSON_C_TO_STRING_PLAIN)) != NULL)
		text = pool_strdup(r->pool, text);
	json_object_put(data);
	/* VARCHAR lengths count characters; bytes are a safe upper bound */
	rc = db_exec(r->db, r->pool, NULL, SQL_INSERT, "isssss", user_id, fit(r->pool, kind, 64),
	    fit(r->pool, title, 200), fit(r->pool, body, 2000), fit(r->pool, link, 300), text);
	return rc;
}

static struct json_object *
one(char **c)
{
	struct json_object	*e = json_object_new_object(), *d = NULL;

	if (e == NULL)
		return NULL;
	if (c[5] != NULL)
		d = json_tokener_parse(c[5]);
	json_object_object_add(e, "id", json_object_new_int64(db_int(c[0])));
	json_object_object_add(e, "kind", json_object_new_string(c[1]));
	json_object_object_add(e, "title", json_object_new_string(c[2]));
	json_object_object_add(e, "body", json_object_new_string(c[3]));
	json_object_object_add(e, "link", c[4] != NULL ? json_object_new_string(c[4]) : NULL);
	json_object_object_add(e, "data", d);
	json_object_object_add(e, "created_at", json_object_new_string(c[6]));
	json_object_object_add(e, "read_at", c[7] != NULL ? json_object_new_string(c[7]) : NULL);
	json_object_object_add(e, "read", json_object_new_boolean(c[7] != NULL));
	return e;
}

int
notifications_list(struct req *r)
{
	struct db_res		*res, *cnt;
	struct json_object	*o, *a, *e;
	int64_t			 unread = r->q.vals[0].present ? r->q.vals[0].i : 0;
	int64_t			 limit = r->q.vals[1].present ? r->q.vals[1].i : 50;
	size_t			 i;
	enum cerr		 rc;

	if ((rc = db_exec(r->db, r->pool, &res, SQL_LIST, "iii", r->who.user_id, unread,
	    limit)) != CE_OK ||
	    (rc = db_exec(r->db, r->pool, &cnt, SQL_UNREAD, "i", r->who.user_id)) != CE_OK)
		return reply_db(r, rc);
	if ((o = json_object_new_object()) == NULL || (a = json_object_new_array()) == NULL) {
		json_object_put(o);
		return reply_internal(r, "out of memory");
	}
	json_object_object_add(o, "unread", json_object_new_int64(db_int(cnt->rows[0][0])));
	json_object_object_add(o, "notifications", a);
	for (i = 0; i < res->nrows; i++) {
		if ((e = one(res->rows[i])) == NULL) {
			json_object_put(o);
			return reply_internal(r, "out of memory");
		}
		json_object_array_add(a, e);
	}
	return reply_json(r, 200, o);
}

int
notifications_read(struct req *r)
{
	struct db_res		*res;
	struct json_object	*o;
	int64_t			 id = req_id(r, "id");
	enum cerr		 rc;

	if (id == 0)
		return reply_problem(r, 404, "not-found", "No such notification", NULL);
	if ((rc = db_exec(r->db, r->pool, &res, SQL_MINE, "ii", id, r->who.user_id)) != CE_OK)
		return reply_db(r, rc);
	if (res->nrows != 1)
		return reply_problem(r, 404, "not-found", "No such notification", NULL);
	if ((rc = db_exec(r->db, r->pool, NULL, SQL_READ, "ii", id, r->who.user_id)) != CE_OK ||
	    (rc = db_exec(r->db, r->pool, &res, SQL_UNREAD, "i", r->who.user_id)) != CE_OK)
		return reply_db(r, rc);
	if ((o = json_object_new_object()) == NULL)
		return reply_internal(r, "out of memory");
	json_object_object_add(o, "id", json_object_new_int64(id));
	json_object_object_add(o, "read", json_object_new_boolean(1));
	json_object_object_add(o, "unread", json_object_new_int64(db_int(res->rows[0][0])));
	return reply_json(r, 200, o);
}

int
notifications_read_all(struct req *r)
{
	struct json_object	*o;
	uint64_t		 n;
	enum cerr		 rc;

	if ((rc = db_exec(r->db, r->pool, NULL, SQL_READ_ALL, "i", r->who.user_id)) != CE_OK)
		return reply_db(r, rc);
	n = db_affected(r->db);
	if ((o = json_object_new_object()) == NULL)
		return reply_internal(r, "out of memory");
	json_object_object_add(o, "marked", json_object_new_int64((int64_t)n));
	json_object_object_add(o, "unread", json_object_new_int64(0));
	return reply_json(r, 200, o);
}
