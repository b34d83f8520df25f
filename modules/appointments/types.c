/* Appointment types: listed to anyone signed in, kept by admins. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "appt.h"
#include "audit.h"
#include "db.h"
#include "patient.h"
#include "reply.h"
#include "req.h"

#define TYPE_COLS	"id, code, name, minutes, fee_pence, currency, active"

static const char SQL_ACTIVE[] =
    "SELECT " TYPE_COLS " FROM appointment_type WHERE active = 1 ORDER BY minutes DESC, id";
static const char SQL_ALL[] =
    "SELECT " TYPE_COLS " FROM appointment_type ORDER BY active DESC, minutes DESC, id";
static const char SQL_ONE[] =
    "SELECT " TYPE_COLS " FROM appointment_type WHERE id = ?";
static const char SQL_LOCK[] =
    "SELECT " TYPE_COLS " FROM appointment_type WHERE id = ? FOR UPDATE";
static const char SQL_INSERT[] =
    "INSERT INTO appointment_type (code, name, minutes, fee_pence, currency, active,"
    " created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))";
static const char SQL_UPDATE[] =
    "UPDATE appointment_type SET name = ?, minutes = ?, fee_pence = ?, active = ?,"
    " updated_at = UTC_TIMESTAMP(6) WHERE id = ?";

static struct json_object *
type_json(char **row, bool admin)
{
	struct json_object	*o = json_object_new_object();

	if (o == NULL)
		return NULL;
	json_object_object_add(o, "id", json_object_new_int64(db_int(row[0])));
	json_object_object_add(o, "code", json_object_new_string(row[1]));
	json_object_object_add(o, "name", json_object_new_string(row[2]));
	json_object_object_add(o, "minutes", json_object_new_int64(db_int(row[3])));
	json_object_object_add(o, "fee_pence", json_object_new_int64(db_int(row[4])));
	json_object_object_add(o, "currency", json_object_new_string(row[5]));
	if (admin)
		json_object_object_add(o, "active", json_object_new_boolean(db_int(row[6]) != 0));
	return o;
}

int
types_list(struct req *r)
{
	struct db_res		*res;
	struct json_object	*o, *a, *one;
	bool			 admin = r->who.role == ROLE_ADMIN;
	bool			 all = admin && r->q.vals[0].present && r->q.vals[0].i != 0;
	size_t			 i;
	enum cerr		 rc;

	if ((rc = db_exec(r->db, r->pool, &res, all ? SQL_ALL : SQL_ACTIVE, "")) != CE_OK)
		return reply_db(r, rc);
	if ((o = json_object_new_object()) == NULL || (a = json_object_new_array()) == NULL) {
		json_object_put(o);
		return reply_internal(r, "out of memory");
	}
	json_object_object_add(o, "types", a);
	for (i = 0; i < res->nrows; i++) {
		if ((one = type_json(res->rows[i], admin)) == NULL) {
			json_object_put(o);
			return reply_internal(r, "out of memory");
		}
		json_object_array_add(a, one);
	}
	return reply_json(r, 200, o);
}

static int
reply_type(struct req *r, int status, int64_t id)
{
	struct db_res		*res;
	struct json_object	*o;
	enum cerr		 rc;

	if ((rc = db_exec(r->db, r->pool, &res, SQL_ONE, "i", id)) != CE_OK)
		return reply_db(r, rc);
	if (res->nrows != 1 || (o = type_json(res->rows[0], true)) == NULL)
		return reply_internal(r, "type vanished");
	return reply_json(r, status, o);
}

int
types_create(struct req *r)
{
	const struct val	*v = r->in.vals;
	struct json_object	*d;
	int64_t			 id;
	char			 ids[24];
	enum cerr		 rc;

	if ((rc = db_begin(r->db)) != CE_OK)
		return reply_db(r, rc);
	rc = db_exec(r->db, r->pool, NULL, SQL_INSERT, "ssiisi", v[0].s, v[1].s, v[2].i, v[3].i,
	    v[4].present ? v[4].s : "GBP", (int64_t)(v[5].present ? v[5].i != 0 : 1));
	if (rc == CE_DUPLICATE) {
		db_rollback(r->db);
		return reply_field(r, 409, "code", "is taken by another type");
	}
	if (rc != CE_OK)
		return reply_db(r, rc);
	id = (int64_t)db_insert_id(r->db);
	(void)snprintf(ids, sizeof(ids), "%" PRId64, id);
	d = json_object_new_object();
	json_object_object_add(d, "code", json_object_new_string(v[0].s));
	json_object_object_add(d, "minutes", json_object_new_int64(v[2].i));
	json_object_object_add(d, "fee_pence", json_object_new_int64(v[3].i));
	if ((rc = audit_commit(r, "appointment.type_created", "appointment_type", ids, "success",
	    d)) != CE_OK)
		return reply_db(r, rc);
	return reply_type(r, 201, id);
}

int
types_update(struct req *r)
{
	const struct val	*v = r->in.vals;
	struct db_res		*res;
	struct json_object	*d;
	int64_t			 id = req_id(r, "id"), minutes, fee, active;
	const char		*name;
	char			 ids[24];
	enum cerr		 rc;

	if (id == 0)
		return reply_problem(r, 404, "not-found", "No such appointment type", NULL);
	if ((rc = db_begin(r->db)) != CE_OK ||
	    (rc = db_exec(r->db, r->pool, &res, SQL_LOCK, "i", id)) != CE_OK)
		return reply_db(r, rc);
	if (res->nrows != 1) {
		db_rollback(r->db);
		return reply_problem(r, 404, "not-found", "No such appointment type", NULL);
	}
	name = v[0].present ? v[0].s : res->rows[0][2];
	minutes = v[1].present ? v[1].i : db_int(res->rows[0][3]);
	fee = v[2].present ? v[2].i : db_int(res->rows[0][4]);
	active = v[3].present ? v[3].i != 0 : db_int(res->rows[0][6]) != 0;
	if ((rc = db_exec(r->db, r->pool, NULL, SQL_UPDATE, "siiii", name, minutes, fee, active,
	    id)) != CE_OK)
		return reply_db(r, rc);
	(void)snprintf(ids, sizeof(ids), "%" PRId64, id);
	d = json_object_new_object();
	json_object_object_add(d, "name", json_object_new_string(name));
	json_object_object_add(d, "minutes", json_object_new_int64(minutes));
	json_object_object_add(d, "fee_pence", json_object_new_int64(fee));
	json_object_object_add(d, "active", json_object_new_boolean(active != 0));
	if ((rc = audit_commit(r, "appointment.type_updated", "appointment_type", ids, "success",
	    d)) != CE_OK)
		return reply_db(r, rc);
	return reply_type(r, 200, id);
}
