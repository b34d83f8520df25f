/*
 * POST /api/v1/idv/webhook: the provider's events. The raw body is checked
 * against X-SHA2-Signature (hex HMAC-SHA256 under idv_webhook_token) before
 * anything in it is believed; a refused one changes nothing and is logged.
 * Anyone can post here and each audit row takes the audit chain's head lock,
 * so refusals are audited at most once per client address per minute, and
 * at most REFUSAL_BUDGET times a minute in all (per idv.fcgi process: with N
 * processes, up to N times that): the trail still shows that forged webhooks
 * arrived, and from where, while a flood of them cannot slow every audited
 * write. A finished workflow run queues a fetch of its result (outbox), once:
 * a replayed event for a check already awaiting its result queues nothing
 * more. The request itself never calls out.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

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

/*
 * When each client address last had a refusal audited: a small open-addressed
 * table (REFUSAL_SLOTS, probing REFUSAL_PROBE slots; a full probe evicts its
 * oldest entry), so memory stays bounded however many addresses post.
 */
#define REFUSAL_SLOTS	512
#define REFUSAL_PROBE	8
#define REFUSAL_WINDOW	60	/* seconds */
#define REFUSAL_BUDGET	30	/* audited refusals per window, all addresses */

static struct {
	char	addr[48];
	time_t	at;
} refused[REFUSAL_SLOTS];
static time_t	budget_start;
static int	budget_used;

/* Whether this refusal from addr should be audited now (if so, it is noted as audited). */
static bool
refusal_audit_due(const char *addr, time_t now)
{
	uint32_t	h = 2166136261u;
	size_t		i, slot, pick = REFUSAL_SLOTS;
	const char	*p;

	for (p = addr; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	for (i = 0; i < REFUSAL_PROBE; i++) {
		slot = (h + i) % REFUSAL_SLOTS;
		if (strcmp(refused[slot].addr, addr) == 0 && refused[slot].at != 0) {
			if (now - refused[slot].at < REFUSAL_WINDOW && now >= refused[slot].at)
				return false;
			pick = slot;
			break;
		}
		if (pick == REFUSAL_SLOTS || refused[slot].at < refused[pick].at)
			pick = slot;	/* an empty (at 0) or the oldest slot */
	}
	if (now - budget_start >= REFUSAL_WINDOW || now < budget_start) {
		budget_start = now;
		budget_used = 0;
	}
	if (budget_used >= REFUSAL_BUDGET)
		return false;
	budget_used++;
	(void)snprintf(refused[pick].addr, sizeof(refused[pick].addr), "%s", addr);
	refused[pick].at = now;
	return true;
}

static int
refuse(struct req *r, const char *why)
{
	struct json_object	*d;
	const char		*addr = r->remote_addr != NULL ? r->remote_addr : "";
	enum cerr		 rc;

	log_warn("idv webhook from %s refused: %s", addr, why);
	if (!refusal_audit_due(addr, time(NULL)))
		return reply_problem(r, 401, "invalid-signature",
		    "The webhook signature is not valid",
		    "Sign the raw body with the webhook token (X-SHA2-Signature).");
	d = json_object_new_object();
	json_object_object_add(d, "window_seconds", json_object_new_int64(REFUSAL_WINDOW));
	json_object_object_add(d, "reason", json_object_new_string(why));
	json_object_object_add(d, "bytes", json_object_new_int64((int64_t)r->bodylen));
	if ((rc = db_begin(r->db)) != CE_OK ||
	    (rc = audit_as(r, 0, NULL, NULL, "idv.webhook_refused", "idv_webhook", NULL, "denied",
	    d, true)) != CE_OK)
		return reply_db(r, rc);
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
	    strcmp(status, "awaiting_result") == 0) {
		/* A replay (or the provider retrying): its result is being fetched already. */
		json_object_object_add(d, "status", json_object_new_string("awaiting_result"));
		json_object_object_add(d, "already_fetching", json_object_new_boolean(1));
		outcome = "ignored";
	} else if ((strcmp(ev.action, "workflow_run.completed") == 0 ||
	    idv_run_final(ev.object_status)) &&
	    (strcmp(status, "link_ready") == 0 || strcmp(status, "queued") == 0)) {
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
