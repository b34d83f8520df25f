/*
 * Questionnaire definitions and their eligibility rules: read by anyone
 * signed in (patients render the definition), written by admins as a new
 * version after a full check.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "audit.h"
#include "db.h"
#include "intake.h"
#include "pool.h"
#include "reply.h"
#include "req.h"

static const char SQL_LIST[] =
    "SELECT q.qkey, q.version, q.title, q.created_at FROM intake_questionnaire q"
    " JOIN (SELECT qkey, MAX(version) AS v FROM intake_questionnaire GROUP BY qkey) m"
    " ON m.qkey = q.qkey AND m.v = q.version ORDER BY q.qkey";
static const char SQL_MAX_VERSION[] =
    "SELECT COALESCE(MAX(version), 0) FROM intake_questionnaire WHERE qkey = ? FOR UPDATE";
static const char SQL_INSERT[] =
    "INSERT INTO intake_questionnaire (qkey, version, title, definition, created_by, created_at)"
    " VALUES (?, ?, ?, ?, ?, UTC_TIMESTAMP(6))";
static const char SQL_RULES_VERSION[] =
    "SELECT version, rules, created_at FROM intake_rules WHERE qkey = ? AND version = ?";
static const char SQL_RULES_LATEST[] =
    "SELECT version, rules, created_at FROM intake_rules WHERE qkey = ?"
    " ORDER BY version DESC LIMIT 1";
static const char SQL_RULES_MAX[] =
    "SELECT COALESCE(MAX(version), 0) FROM intake_rules WHERE qkey = ? FOR UPDATE";
static const char SQL_RULES_INSERT[] =
    "INSERT INTO intake_rules (qkey, version, rules, created_by, created_at)"
    " VALUES (?, ?, ?, ?, UTC_TIMESTAMP(6))";

static int
bad_key(struct req *r)
{
	return reply_problem(r, 404, "not-found", "No such questionnaire", NULL);
}

int
intake_questionnaire_list(struct req *r)
{
	struct json_object	*o, *arr, *e;
	struct db_res		*res;
	size_t			 i;
	enum cerr		 rc;

	if ((rc = db_exec(r->db, r->pool, &res, SQL_LIST, "")) != CE_OK)
		return reply_db(r, rc);
	o = json_object_new_object();
	arr = json_object_new_array();
	for (i = 0; i < res->nrows; i++) {
		e = json_object_new_object();
		json_object_object_add(e, "key", json_object_new_string(res->rows[i][0]));
		json_object_object_add(e, "version", json_object_new_int64(db_int(res->rows[i][1])));
		json_object_object_add(e, "title", json_object_new_string(res->rows[i][2]));
		json_object_object_add(e, "created_at",
		    json_object_new_string(intake_iso(r, res->rows[i][3])));
		json_object_array_add(arr, e);
	}
	json_object_object_add(o, "questionnaires", arr);
	return reply_json(r, 200, o);
}

int
intake_questionnaire_get(struct req *r)
{
	const char		*key = req_param(r, "key");
	struct qloaded		 q;
	struct json_object	*o;
	char			 v[24], *url;
	enum cerr		 rc;

	if (!intake_key_ok(key))
		return bad_key(r);
	rc = intake_load(r, key, r->q.vals != NULL && r->q.vals[0].present ? r->q.vals[0].i : 0,
	    false, &q);
	if (rc == CE_NOTFOUND)
		return bad_key(r);
	if (rc != CE_OK)
		return rc == CE_INVALID ? reply_internal(r, "stored definition invalid") :
		    reply_db(r, rc);
	/* The stored definition, with its identity: id, url and version (FHIR). */
	o = NULL;
	if (json_object_deep_copy(q.json, &o, NULL) != 0)
		return reply_internal(r, "out of memory");
	(void)snprintf(v, sizeof(v), "%" PRId64, q.version);
	if ((url = pool_printf(r->pool, INTAKE_CANONICAL "%s", key)) == NULL)
		return reply_internal(r, "out of memory");
	json_object_object_add(o, "resourceType", json_object_new_string("Questionnaire"));
	json_object_object_add(o, "id", json_object_new_string(key));
	json_object_object_add(o, "url", json_object_new_string(url));
	json_object_object_add(o, "version", json_object_new_string(v));
	return reply_json(r, 200, o);
}

/* {field, detail} list for a 422, each field prefixed (e.g. "rules."). */
static int
reply_errs(struct req *r, const struct qerrs *errs, const char *prefix)
{
	struct verr	*v;
	size_t		 i;

	if (errs->n == 0)
		return reply_internal(r, "out of memory");
	if ((v = pool_calloc(r->pool, errs->n, sizeof(*v))) == NULL)
		return reply_internal(r, "out of memory");
	for (i = 0; i < errs->n; i++) {
		v[i].field = *prefix == '\0' ? errs->v[i].field :
		    pool_printf(r->pool, "%s%s", prefix, errs->v[i].field);
		v[i].detail = errs->v[i].detail;
		if (v[i].field == NULL)
			return reply_internal(r, "out of memory");
	}
	return reply_invalid(r, 422, v, errs->n);
}

int
intake_questionnaire_put(struct req *r)
{
	const char		*key = req_param(r, "key"), *text;
	struct json_object	*body, *d, *o;
	struct qdef		*def;
	struct qrules		*rules;
	struct qerrs		 errs;
	struct db_res		*res;
	int64_t			 version, rv;
	enum cerr		 rc;

	if (!intake_key_ok(key))
		return reply_field(r, 422, "key", "must start with a lower-case letter, then up to"
		    " 63 lower-case letters, digits or -");
	if ((body = intake_body(r)) == NULL)
		return r->status;
	if ((def = qdef_parse(r->pool, body, &errs)) == NULL)
		return reply_errs(r, &errs, "");
	/* The identity is the server's: id, url and version are set when read. */
	json_object_object_del(body, "id");
	json_object_object_del(body, "url");
	json_object_object_del(body, "version");
	if ((text = json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN)) == NULL)
		return reply_internal(r, "out of memory");
	if ((rc = db_begin(r->db)) != CE_OK ||
	    (rc = db_exec(r->db, r->pool, &res, SQL_MAX_VERSION, "s", key)) != CE_OK)
		return reply_db(r, rc);
	version = db_int(res->rows[0][0]) + 1;
	/* The rules in force must still fit: every question, score and flag they name. */
	rc = intake_rules_load(r, key, def, &rules, &rv, &errs);
	if (rc == CE_INVALID && errs.n > 0) {
		db_rollback(r->db);
		return reply_errs(r, &errs, "rules: ");
	}
	if (rc != CE_OK && rc != CE_NOTFOUND)
		return rc == CE_INVALID ? reply_internal(r, "stored rules invalid") :
		    reply_db(r, rc);
	rc = db_exec(r->db, r->pool, NULL, SQL_INSERT, "sissi", key, version, def->title, text,
	    r->who.user_id);
	if (rc == CE_DUPLICATE)
		rc = CE_DEADLOCK;	/* a concurrent save took the number: run again */
	if (rc != CE_OK)
		return reply_db(r, rc);
	d = json_object_new_object();
	json_object_object_add(d, "version", json_object_new_int64(version));
	if ((rc = audit_commit(r, "intake.questionnaire_saved", "questionnaire", key, "success",
	    d)) != CE_OK)
		return reply_db(r, rc);
	o = json_object_new_object();
	json_object_object_add(o, "key", json_object_new_string(key));
	json_object_object_add(o, "version", json_object_new_int64(version));
	json_object_object_add(o, "title", json_object_new_string(def->title));
	return reply_json(r, 201, o);
}

int
intake_rules_get(struct req *r)
{
	const char		*key = req_param(r, "key");
	struct json_object	*o, *rules;
	struct db_res		*res;
	enum cerr		 rc;

	if (!intake_key_ok(key))
		return bad_key(r);
	if (r->q.vals != NULL && r->q.vals[0].present)
		rc = db_exec(r->db, r->pool, &res, SQL_RULES_VERSION, "si", key, r->q.vals[0].i);
	else
		rc = db_exec(r->db, r->pool, &res, SQL_RULES_LATEST, "s", key);
	if (rc != CE_OK)
		return reply_db(r, rc);
	if (res->nrows == 0)
		return reply_problem(r, 404, "not-found", "No rules for this questionnaire", NULL);
	if ((rules = intake_json(r, res->rows[0][1], res->lens[0][1])) == NULL)
		return reply_internal(r, "stored rules are not JSON");
	o = json_object_new_object();
	json_object_object_add(o, "key", json_object_new_string(key));
	json_object_object_add(o, "version", json_object_new_int64(db_int(res->rows[0][0])));
	json_object_object_add(o, "created_at",
	    json_object_new_string(intake_iso(r, res->rows[0][2])));
	json_object_object_add(o, "rules", json_object_get(rules));
	return reply_json(r, 200, o);
}

int
intake_rules_put(struct req *r)
{
	const char		*key = req_param(r, "key"), *text;
	struct json_object	*body, *d, *o;
	struct qloaded		 q;
	struct qerrs		 errs;
	struct db_res		*res;
	int64_t			 version;
	enum cerr		 rc;

	if (!intake_key_ok(key))
		return bad_key(r);
	if ((body = intake_body(r)) == NULL)
		return r->status;
	if ((rc = db_begin(r->db)) != CE_OK)
		return reply_db(r, rc);
	/* Rules are checked against the newest definition, locked so it stays newest. */
	if ((rc = intake_load(r, key, 0, true, &q)) == CE_NOTFOUND) {
		db_rollback(r->db);
		return bad_key(r);
	}
	if (rc != CE_OK)
		return rc == CE_INVALID ? reply_internal(r, "stored definition invalid") :
		    reply_db(r, rc);
	if (qrules_parse(r->pool, body, q.def, &errs) == NULL) {
		db_rollback(r->db);
		return reply_errs(r, &errs, "");
	}
	if ((text = json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN)) == NULL)
		return reply_internal(r, "out of memory");
	if ((rc = db_exec(r->db, r->pool, &res, SQL_RULES_MAX, "s", key)) != CE_OK)
		return reply_db(r, rc);
	version = db_int(res->rows[0][0]) + 1;
	rc = db_exec(r->db, r->pool, NULL, SQL_RULES_INSERT, "sisi", key, version, text,
	    r->who.user_id);
	if (rc == CE_DUPLICATE)
		rc = CE_DEADLOCK;
	if (rc != CE_OK)
		return reply_db(r, rc);
	d = json_object_new_object();
	json_object_object_add(d, "version", json_object_new_int64(version));
	if ((rc = audit_commit(r, "intake.rules_saved", "questionnaire", key, "success", d)) !=
	    CE_OK)
		return reply_db(r, rc);
	o = json_object_new_object();
	json_object_object_add(o, "key", json_object_new_string(key));
	json_object_object_add(o, "version", json_object_new_int64(version));
	return reply_json(r, 201, o);
}
