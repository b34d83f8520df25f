/*
 * POST /api/v1/idv/webhook: the provider's events. The raw body is checked
 * against X-SHA2-Signature (hex HMAC-SHA256 under idv_webhook_token) before
 * anything in it is believed; a refused one is audited and changes nothing.
 * A finished workflow run queues a fetch of its result (outbox): the request
 * itself never calls out.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "audit.h"
#include "conf.h"
#include "db.h"
#include "idv.h"
#include "log.h"
#include "outbox.h"
#include "provider.h"
#include "reply.h"
#include "req.h"

static const char SQL_BY_RUN[] =
    "SELECT id, status, webhooks FROM idv_check WHERE workflow_run_id = ? FOR UPDATE";
static const char SQL_SEEN[] =
    "UPDATE idv_check SET webhooks = webhooks + 1, provider_status = COALESCE(?, provider_status),"
    " updated_at = UTC_TIMESTAMP(6) WHERE id = ?";
static const char SQL_AWAIT[] =
    "UPDATE idv_check SET status = 'awaiting_result', updated_at = UTC_TIMESTAMP(6)"
    " WHERE id = ?";

static int
refuse(struct req *r, const char *why)
{
	struct json_object	*d = json_object_new_object();
	enum cerr		 rc;

	json_object_object_add(d, "reason", json_object_new_string(why));
	json_object_object_add(d, "bytes", json_object_new_int64((int64_t)r->bodylen));
	if ((rc = db_begin(r->db)) != CE_OK ||
	    (rc = audit_as(r, 0, NULL, NULL, "idv.webhook_refused", "idv_webhook", NULL, "denied",
	    d, true)) != CE_OK)
		return reply_db(r, rc);
	log_warn("idv webhook refused: %s", why);
	return reply_problem(r, 401, "invalid-signature", "The webhook signature is not valid",
	    "Sign the raw body with the webhook token (X-SHA2-Signature).");
}

static int
received(struct req *r)
{
	struct json_object	*o = json_object_new_object();

	json_object_object_add(o, "received", json_object_new_boolean(1));
	return reply_json(r, 200, o);
}

int
idv_webhook(struct req *r)
{
	const char		*sig = req_env(r, "HTTP_X_SHA2_SIGNATURE");
	struct idv_event	 ev;
	struct db_res		*res;
	struct json_object	*d, *p;
	const char		*status, *outcome = "success";
	char			 id[24], key[80];
	int64_t			 check, n;
	enum cerr		 rc;

	if (*conf.idv_webhook_token == '\0')
		return refuse(r, "no idv_webhook_token is configured");
	if (sig == NULL)
		return refuse(r, "missing X-SHA2-Signature");
	if (!idv_signature_ok(sig, r->body, r->bodylen, conf.idv_webhook_token))
		return refuse(r, "signature does not match");
	if (idv_event_parse(r->body, r->bodylen, &ev) != 0) {
		d = json_object_new_object();
		json_object_object_add(d, "bytes", json_object_new_int64((int64_t)r->bodylen));
		if ((rc = db_begin(r->db)) != CE_OK ||
		    (rc = audit_as(r, 0, NULL, NULL, "idv.webhook_malformed", "idv_webhook", NULL,
		    "failure", d, true)) != CE_OK)
			return reply_db(r, rc);
		return reply_problem(r, 400, "malformed-json", "The event is not understood",
		    "Expected {\"payload\": {\"resource_type\", \"action\", \"object\": {\"id\", \"status\"}}}.");
	}
	d = json_object_new_object();
	json_object_object_add(d, "resource_type", json_object_new_string(ev.resource_type));
	json_object_object_add(d, "action", json_object_new_string(ev.action));
	json_object_object_add(d, "object_id", json_object_new_string(ev.object_id));
	json_object_object_add(d, "object_status", json_object_new_string(ev.object_status));
	if ((rc = db_begin(r->db)) != CE_OK) {
		json_object_put(d);
		return reply_db(r, rc);
	}
	if (strcmp(ev.resource_type, "workflow_run") != 0 || ev.object_id[0] == '\0') {
		if ((rc = audit_as(r, 0, NULL, NULL, "idv.webhook_ignored", "idv_webhook", NULL,
		    "ignored", d, true)) != CE_OK)
			return reply_db(r, rc);
		return received(r);
	}
	if ((rc = db_exec(r->db, r->pool, &res, SQL_BY_RUN, "s", ev.object_id)) != CE_OK) {
		json_object_put(d);
		return reply_db(r, rc);
	}
	if (res->nrows == 0) {
		/* Not ours (another environment on the same provider account): acknowledged. */
		if ((rc = audit_as(r, 0, NULL, NULL, "idv.webhook_ignored", "idv_webhook",
		    ev.object_id, "ignored", d, true)) != CE_OK)
			return reply_db(r, rc);
		return received(r);
	}
	check = db_int(res->rows[0][0]);
	status = res->rows[0][1];
	n = db_int(res->rows[0][2]) + 1;
	(void)snprintf(id, sizeof(id), "%" PRId64, check);
	if ((rc = db_exec(r->db, r->pool, NULL, SQL_SEEN, "si",
	    ev.object_status[0] != '\0' ? ev.object_status : NULL, check)) != CE_OK) {
		json_object_put(d);
		return reply_db(r, rc);
	}
	if ((strcmp(ev.action, "workflow_run.completed") == 0 || idv_run_final(ev.object_status)) &&
	    (strcmp(status, "link_ready") == 0 || strcmp(status, "awaiting_result") == 0 ||
	    strcmp(status, "queued") == 0)) {
		/* The run finished: fetch its result (the webhook says only its status). */
		(void)snprintf(key, sizeof(key), "idv-%" PRId64 "-result-%" PRId64, check, n);
		p = json_object_new_object();
		json_object_object_add(p, "check_id", json_object_new_int64(check));
		json_object_object_add(p, "workflow_run_id", json_object_new_string(ev.object_id));
		if ((rc = db_exec(r->db, r->pool, NULL, SQL_AWAIT, "i", check)) != CE_OK ||
		    (rc = outbox_put(r, "idv.fetch_result", key, p)) != CE_OK) {
			json_object_put(d);
			return reply_db(r, rc);
		}
		json_object_object_add(d, "status", json_object_new_string("awaiting_result"));
	} else
		outcome = "ignored";
	if ((rc = audit_as(r, 0, NULL, NULL, "idv.webhook_received", "idv_check", id, outcome, d,
	    true)) != CE_OK)
		return reply_db(r, rc);
	return received(r);
}
