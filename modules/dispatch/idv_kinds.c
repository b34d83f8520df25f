/*
 * The identity provider's outbox kinds (Onfido API v3.6 shape):
 *   idv.create_applicant     POST /applicants, then queue the workflow run
 *   idv.create_workflow_run  POST /workflow_runs: the link and SDK token
 *   idv.fetch_result         GET /workflow_runs/{id}: the outcome
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "audit.h"
#include "conf.h"
#include "db.h"
#include "dispatch.h"
#include "outbox.h"
#include "pool.h"
#include "req.h"
#include "valid.h"
#include "../idv/provider.h"

static const char SQL_APPLICANT[] =
    "UPDATE idv_check SET applicant_id = ?, updated_at = UTC_TIMESTAMP(6)"
    " WHERE id = ? AND status = 'queued'";
static const char SQL_LINK[] =
    "UPDATE idv_check SET workflow_run_id = ?, sdk_token = ?, link_url = ?, provider_status = ?,"
    " status = 'link_ready', updated_at = UTC_TIMESTAMP(6) WHERE id = ? AND status = 'queued'";
static const char SQL_RESULT[] =
    "UPDATE idv_check SET status = ?, provider_status = ?, provider_result = ?, error = ?,"
    " completed_at = UTC_TIMESTAMP(6), updated_at = UTC_TIMESTAMP(6)"
    " WHERE id = ? AND status = 'awaiting_result'";
static const char SQL_PATIENT[] =
    "SELECT patient_id FROM idv_check WHERE id = ?";
static const char SQL_VERIFIED[] =
    "INSERT INTO idv_verified (patient_id, check_id, how, verified_at)"
    " VALUES (?, ?, 'clear', UTC_TIMESTAMP(6))"
    " ON DUPLICATE KEY UPDATE check_id = VALUES(check_id), how = VALUES(how),"
    " verified_at = VALUES(verified_at)";
static const char SQL_FAILED[] =
    "UPDATE idv_check SET status = 'failed', error = ?, updated_at = UTC_TIMESTAMP(6)"
    " WHERE id = ? AND status IN ('queued','awaiting_result')";

static int64_t
check_of(struct job *j, char id[24])
{
	struct json_object	*v;
	int64_t			 c = 0;

	if (json_object_object_get_ex(j->payload, "check_id", &v) &&
	    json_object_is_type(v, json_type_int))
		c = json_object_get_int64(v);
	(void)snprintf(id, 24, "%" PRId64, c);
	return c;
}

static enum verdict
bad_answer(struct answer *a, const char *what)
{
	(void)snprintf(a->why, sizeof(a->why), "the provider's answer has %s", what);
	return V_FAIL;
}

/* ---- idv.create_applicant ---- */

static enum verdict
applicant_deliver(struct job *j, struct answer *a)
{
	struct json_object	*app;
	enum verdict		 v;

	if (!json_object_object_get_ex(j->payload, "applicant", &app)) {
		(void)snprintf(a->why, sizeof(a->why), "payload has no applicant");
		return V_FAIL;
	}
	if ((v = provider_call("POST", "/applicants", j->key, app, a)) != V_DONE)
		return v;
	if (!idv_id_ok(valid_str_member(a->json, "id")))
		return bad_answer(a, "no usable applicant id");
	return V_DONE;
}

static enum cerr
applicant_done(struct req *r, struct job *j, struct answer *a)
{
	struct json_object	*p, *d;
	const char		*applicant = valid_str_member(a->json, "id");
	char			 id[24], key[64];
	int64_t			 check = check_of(j, id);
	enum cerr		 rc;

	if ((rc = db_exec(r->db, r->pool, NULL, SQL_APPLICANT, "si", applicant, check)) != CE_OK)
		return rc;
	if (db_affected(r->db) == 0)
		return CE_OK;	/* the check moved on (failed, replaced): nothing more to do */
	(void)snprintf(key, sizeof(key), "idv-%" PRId64 "-run", check);
	p = json_object_new_object();
	json_object_object_add(p, "check_id", json_object_new_int64(check));
	json_object_object_add(p, "applicant_id", json_object_new_string(applicant));
	json_object_object_add(p, "workflow_id", json_object_new_string(conf.idv_workflow_id));
	if ((rc = outbox_put(r, "idv.create_workflow_run", key, p)) != CE_OK &&
	    rc != CE_DUPLICATE)
		return rc;
	d = json_object_new_object();
	json_object_object_add(d, "applicant_id", json_object_new_string(applicant));
	return audit_as(r, 0, "system", NULL, "idv.applicant_created", "idv_check", id, "success",
	    d, false);
}

/* ---- idv.create_workflow_run ---- */

static enum verdict
run_deliver(struct job *j, struct answer *a)
{
	struct json_object	*body, *link;
	const char		*url = NULL, *sdk, *st;
	enum verdict		 v;

	if (valid_str_member(j->payload, "applicant_id") == NULL ||
	    valid_str_member(j->payload, "workflow_id") == NULL) {
		(void)snprintf(a->why, sizeof(a->why), "payload lacks applicant_id or workflow_id");
		return V_FAIL;
	}
	if ((body = json_object_new_object()) == NULL) {
		(void)snprintf(a->why, sizeof(a->why), "out of memory");
		return V_RETRY;
	}
	json_object_object_add(body, "workflow_id",
	    json_object_new_string(valid_str_member(j->payload, "workflow_id")));
	json_object_object_add(body, "applicant_id",
	    json_object_new_string(valid_str_member(j->payload, "applicant_id")));
	v = provider_call("POST", "/workflow_runs", j->key, body, a);
	json_object_put(body);
	if (v != V_DONE)
		return v;
	if (!idv_id_ok(valid_str_member(a->json, "id")))
		return bad_answer(a, "no usable workflow run id");
	if (json_object_object_get_ex(a->json, "link", &link))
		url = valid_str_member(link, "url");
	sdk = valid_str_member(a->json, "sdk_token");
	st = valid_str_member(a->json, "status");
	if (st != NULL && strlen(st) > IDV_STATUS_MAX)
		return bad_answer(a, "a status over 31 bytes");
	if (url != NULL && !idv_link_ok(url))
		return bad_answer(a, "a link that is not an http(s) URL");
	if (sdk != NULL && strlen(sdk) > 2048)
		return bad_answer(a, "an SDK token over 2048 bytes");
	if (url == NULL && sdk == NULL)
		return bad_answer(a, "neither a link nor an SDK token");
	return V_DONE;
}

static enum cerr
run_done(struct req *r, struct job *j, struct answer *a)
{
	struct json_object	*link, *d;
	const char		*run = valid_str_member(a->json, "id"), *url = NULL;
	char			 id[24];
	int64_t			 check = check_of(j, id);
	enum cerr		 rc;

	if (json_object_object_get_ex(a->json, "link", &link))
		url = valid_str_member(link, "url");
	if ((rc = db_exec(r->db, r->pool, NULL, SQL_LINK, "ssssi", run,
	    valid_str_member(a->json, "sdk_token"), url, valid_str_member(a->json, "status"),
	    check)) != CE_OK)
		return rc;
	if (db_affected(r->db) == 0)
		return CE_OK;
	d = json_object_new_object();
	json_object_object_add(d, "workflow_run_id", json_object_new_string(run));
	return audit_as(r, 0, "system", NULL, "idv.link_ready", "idv_check", id, "success", d,
	    false);
}

/* ---- idv.fetch_result ---- */

static enum verdict
result_deliver(struct job *j, struct answer *a)
{
	const char	*run = valid_str_member(j->payload, "workflow_run_id"), *st;
	char		 path[128];
	enum verdict	 v;

	if (!idv_id_ok(run)) {
		(void)snprintf(a->why, sizeof(a->why), "payload has no usable workflow_run_id");
		return V_FAIL;
	}
	(void)snprintf(path, sizeof(path), "/workflow_runs/%s", run);
	if ((v = provider_call("GET", path, j->key, NULL, a)) != V_DONE)
		return v;
	st = valid_str_member(a->json, "status");
	if (st == NULL || strlen(st) > IDV_STATUS_MAX)
		return bad_answer(a, "no status (or one over 31 bytes)");
	if (!idv_run_final(st)) {
		/* Not finished after all (or still being processed): ask again later. */
		(void)snprintf(a->why, sizeof(a->why), "the workflow run is still %s", st);
		return V_RETRY;
	}
	return V_DONE;
}

static enum cerr
result_done(struct req *r, struct job *j, struct answer *a)
{
	struct db_res		*res;
	struct json_object	*d;
	const char		*st = valid_str_member(a->json, "status");
	const char		*outcome = idv_outcome_of(st);
	const char		*text, *err = NULL;
	char			 id[24];
	int64_t			 check = check_of(j, id);
	enum cerr		 rc;

	text = pool_strdup(r->pool, json_object_to_json_string_ext(a->json,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	if (text == NULL)
		return CE_NOMEM;
	if (strcmp(outcome, "failed") == 0)
		err = pool_printf(r->pool, "the provider reported the run as %s", st);
	if ((rc = db_exec(r->db, r->pool, NULL, SQL_RESULT, "ssssi", outcome, st, text, err,
	    check)) != CE_OK)
		return rc;
	if (db_affected(r->db) == 0)
		return CE_OK;
	if (strcmp(outcome, "clear") == 0) {
		if ((rc = db_exec(r->db, r->pool, &res, SQL_PATIENT, "i", check)) != CE_OK)
			return rc;
		if (res->nrows != 1)
			return CE_NOTFOUND;
		if ((rc = db_exec(r->db, r->pool, NULL, SQL_VERIFIED, "ii",
		    db_int(res->rows[0][0]), check)) != CE_OK)
			return rc;
	}
	d = json_object_new_object();
	json_object_object_add(d, "outcome", json_object_new_string(outcome));
	json_object_object_add(d, "provider_status", json_object_new_string(st));
	return audit_as(r, 0, "system", NULL, "idv.result_recorded", "idv_check", id, "success",
	    d, false);
}

/* ---- giving up ---- */

static enum cerr
check_failed(struct req *r, struct job *j, const char *why)
{
	struct json_object	*d;
	char			 id[24];
	int64_t			 check = check_of(j, id);
	enum cerr		 rc;

	if ((rc = db_exec(r->db, r->pool, NULL, SQL_FAILED, "si", why, check)) != CE_OK)
		return rc;
	if (db_affected(r->db) == 0)
		return CE_OK;
	d = json_object_new_object();
	json_object_object_add(d, "kind", json_object_new_string(j->kind));
	json_object_object_add(d, "error", json_object_new_string(why));
	return audit_as(r, 0, "system", NULL, "idv.check_failed", "idv_check", id, "failure", d,
	    false);
}

const struct kind idv_kinds[] = {
	{ "idv.create_applicant", true, false, applicant_deliver, applicant_done, check_failed },
	{ "idv.create_workflow_run", false, false, run_deliver, run_done, check_failed },
	{ "idv.fetch_result", false, false, result_deliver, result_done, check_failed },
};
const size_t idv_nkinds = sizeof(idv_kinds) / sizeof(idv_kinds[0]);
