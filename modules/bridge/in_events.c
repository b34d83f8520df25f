/*
 * POST /api/v1/bridge/events/{code}: a partner pharmacy's messages
 * (docs/WEBHOOKS.md). No session: the Standard Webhooks signature under the
 * partner's receive secret is checked against the raw body before anything
 * in it is believed. A refused message (missing, malformed or wrong
 * signature: 401 webhook-signature; timestamp more than 300 s from our
 * clock: 401 webhook-stale) changes nothing but its own audit row
 * ("bridge.webhook_refused", actor system, in its own transaction). A good
 * one whose body is not a message is 422 invalid-message, naming the
 * members, nothing changed. Otherwise, in ONE transaction: the message is
 * looked up by (partner, webhook-id) in bridge_inbox (found: 200
 * {"duplicate": true}, nothing changed), applied by bridge_apply()
 * (view_apply.c), stored in bridge_inbox with its outcome, and audited
 * ("bridge.message_received"); two copies arriving at once meet at the
 * inbox's primary key and the second is rolled back as a duplicate.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>
#include <openssl/crypto.h>

#include "audit.h"
#include "conf.h"
#include "crypto.h"
#include "db.h"
#include "log.h"
#include "pool.h"
#include "reply.h"
#include "req.h"
#include "webhook.h"
#include "bridge.h"
#include "in_msg.h"
#include "view.h"

#define BRIDGE_WEBHOOK_ID_MAX	128	/* bridge_inbox.webhook_id */

static const char SQL_PARTNER[] =
    "SELECT id, name, receive_secret_sealed FROM pharmacy_partner WHERE code = ? AND active = 1";
static const char SQL_SEEN[] =
    "SELECT outcome FROM bridge_inbox WHERE partner_id = ? AND webhook_id = ?";
static const char SQL_INBOX[] =
    "INSERT INTO bridge_inbox (partner_id, webhook_id, type, received_at, outcome)"
    " VALUES (?, ?, ?, UTC_TIMESTAMP(6), ?)";

static bool
code_ok(const char *s)
{
	size_t	n = s != NULL ? strlen(s) : 0;

	return n >= 1 && n <= 32 && strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

static int
no_partner(struct req *r)
{
	return reply_problem(r, 404, "not-found", "No such partner",
	    "No active partner pharmacy has this code.");
}

/* A refused message: its own audited transaction, then 401. */
static int
refuse(struct req *r, const char *partner_id, const char *code, enum webhook_verdict v,
    const char *msg_id)
{
	struct json_object	*d;
	bool			 stale = v == WEBHOOK_STALE;
	enum cerr		 rc;

	log_warn("bridge: message from partner %s (%s) refused: %s", code,
	    r->remote_addr != NULL ? r->remote_addr : "?", webhook_verdict_str(v));
	if ((d = json_object_new_object()) != NULL) {
		json_object_object_add(d, "verdict", json_object_new_string(webhook_verdict_str(v)));
		json_object_object_add(d, "partner", json_object_new_string(code));
		/* only a well-formed id: a sender's other bytes would not even be UTF-8 */
		json_object_object_add(d, "webhook_id", (msg_id = webhook_printable_id(msg_id)) !=
		    NULL ? json_object_new_string(msg_id) : NULL);
		json_object_object_add(d, "remote_addr",
		    json_object_new_string(r->remote_addr != NULL ? r->remote_addr : ""));
		json_object_object_add(d, "bytes", json_object_new_int64((int64_t)r->bodylen));
	}
	if ((rc = db_begin(r->db)) != CE_OK ||
	    (rc = audit_as(r, 0, "system", NULL, "bridge.webhook_refused", "pharmacy_partner",
	    partner_id, "failure", d, true)) != CE_OK)
		return reply_db(r, rc);
	if (stale)
		return reply_problem(r, 401, "webhook-stale", "The message is stale",
		    "webhook-timestamp is more than 300 seconds from the clinic's clock: sign it"
		    " again with the current time.");
	return reply_problem(r, 401, "webhook-signature", "The message's signature is not valid",
	    "Send webhook-id, webhook-timestamp and webhook-signature (v1, HMAC-SHA256 of"
	    " id.timestamp.body under the partner's secret) with the raw body.");
}

static int
invalid(struct req *r, const struct verr *errs, size_t n)
{
	struct json_object	*extra, *arr, *e;
	size_t			 i;

	if ((extra = json_object_new_object()) == NULL || (arr = json_object_new_array()) == NULL) {
		json_object_put(extra);
		return reply_internal(r, "out of memory");
	}
	json_object_object_add(extra, "errors", arr);
	for (i = 0; i < n; i++) {
		if ((e = json_object_new_object()) == NULL) {
			json_object_put(extra);
			return reply_internal(r, "out of memory");
		}
		json_object_object_add(e, "field", json_object_new_string(errs[i].field));
		json_object_object_add(e, "detail", json_object_new_string(errs[i].detail));
		json_object_array_add(arr, e);
	}
	return reply_problem_with(r, 422, "invalid-message", "The message is not understood",
	    n == 1 ? pool_printf(r->pool, "%s %s", errs[0].field, errs[0].detail) :
	    "Several members need attention; see errors.", extra);
}

static int
answer(struct req *r, bool duplicate, const char *outcome)
{
	struct json_object	*o;

	if ((o = json_object_new_object()) == NULL)
		return reply_internal(r, "out of memory");
	json_object_object_add(o, "received", json_object_new_boolean(1));
	if (duplicate)
		json_object_object_add(o, "duplicate", json_object_new_boolean(1));
	else
		json_object_object_add(o, "outcome", json_object_new_string(outcome));
	return reply_json(r, 200, o);
}

/* The message's prescription, if its data names one (for the audit row). */
static int64_t
rx_of(struct json_object *data)
{
	struct json_object	*v;

	if (json_object_object_get_ex(data, "prescription_id", &v) &&
	    json_object_is_type(v, json_type_int) && json_object_get_int64(v) > 0)
		return json_object_get_int64(v);
	return 0;
}

/* 422 invalid-message naming the data member bad ("missing[0].product_id") as "data.<bad>". */
static int
invalid_data(struct req *r, const char *bad)
{
	struct verr	 e;

	e.field = strcmp(bad, "data") == 0 ? "data" : pool_printf(r->pool, "data.%s", bad);
	if (e.field == NULL)
		e.field = "data";
	e.detail = "is missing or not what this type of message needs (docs/WEBHOOKS.md)";
	return invalid(r, &e, 1);
}

int
bridge_event_receive(struct req *r)
{
	const char		*code = req_param(r, "code");
	const char		*msg_id = req_env(r, "HTTP_WEBHOOK_ID");
	const char		*msg_ts = req_env(r, "HTTP_WEBHOOK_TIMESTAMP");
	const char		*msg_sig = req_env(r, "HTTP_WEBHOOK_SIGNATURE");
	unsigned char		 secret[WEBHOOK_SECRET_MAX + SEAL_OVERHEAD];
	struct verr		 errs[BRIDGE_ENV_ERRS];
	struct bridge_msg	 m;
	struct json_object	*d;
	struct db_res		*res;
	enum bridge_outcome	 out = BRIDGE_UNKNOWN;
	enum webhook_verdict	 v;
	const char		*pid, *pname, *outcome, *bad;
	char			 label[80], eid[24];
	size_t			 slen = 0, n;
	int64_t			 partner, rx;
	enum cerr		 rc;
	int			 k;

	if (!code_ok(code))
		return no_partner(r);
	if ((rc = db_exec(r->db, r->pool, &res, SQL_PARTNER, "s", code)) != CE_OK)
		return reply_db(r, rc);
	if (res->nrows != 1)
		return no_partner(r);
	pid = res->rows[0][0];
	pname = res->rows[0][1];
	partner = db_int(pid);
	k = snprintf(label, sizeof(label), "pharmacy_partner:%s:receive", code);
	if (k < 0 || (size_t)k >= sizeof(label) || conf_secret_key() == NULL ||
	    res->lens[0][2] > sizeof(secret) ||
	    crypto_open(conf_secret_key(), label, (const unsigned char *)res->rows[0][2],
	    res->lens[0][2], secret, &slen) != CE_OK) {
		log_err("bridge: the receive secret of partner %s cannot be opened (secret_key"
		    " changed? set it again with clinic partner-set)", code);
		return reply_problem(r, 503, "unavailable", "Not ready to receive",
		    "The clinic cannot check this partner's messages yet; try again later.");
	}
	v = webhook_verify(secret, slen, msg_id, msg_ts, msg_sig, r->body, r->bodylen,
	    (int64_t)time(NULL), WEBHOOK_TOLERANCE);
	OPENSSL_cleanse(secret, sizeof(secret));
	if (v == WEBHOOK_ERROR)
		return reply_problem(r, 503, "unavailable", "Not ready to receive",
		    "The message could not be checked just now; try again later.");
	if (v != WEBHOOK_OK)
		return refuse(r, pid, code, v, msg_id);
	if (strlen(msg_id) > BRIDGE_WEBHOOK_ID_MAX) {
		/* Standard Webhooks allows 256; bridge_inbox keeps 128 (message keys are short). */
		errs[0].field = "webhook-id";
		errs[0].detail = "must be at most 128 characters";
		return invalid(r, errs, 1);
	}
	if ((n = bridge_msg_parse(r->body, r->bodylen, &m, errs, nitems(errs))) > 0)
		return invalid(r, errs, n < nitems(errs) ? n : nitems(errs));
	/* Name the exact bad member (view_rules.c) before anything is applied. */
	if ((bad = bridge_check_data(r->pool, m.type, m.data)) != NULL) {
		json_object_put(m.root);
		return invalid_data(r, bad);
	}
	if ((rc = db_begin(r->db)) != CE_OK ||
	    (rc = db_exec(r->db, r->pool, &res, SQL_SEEN, "is", partner, msg_id)) != CE_OK) {
		json_object_put(m.root);
		return reply_db(r, rc);
	}
	if (res->nrows > 0) {
		db_rollback(r->db);
		json_object_put(m.root);
		return answer(r, true, NULL);
	}
	rc = bridge_apply(r, partner, pname, m.type, m.data, &out);
	if (rc == CE_INVALID) {
		/* The data passed bridge_check_data(): only a stock message's as_of is left. */
		db_rollback(r->db);
		json_object_put(m.root);
		return invalid_data(r, "as_of");
	}
	outcome = bridge_outcome_str(out);
	if (rc != CE_OK ||
	    (rc = db_exec(r->db, r->pool, NULL, SQL_INBOX, "isss", partner, msg_id, m.type,
	    outcome)) != CE_OK) {
		json_object_put(m.root);
		if (rc == CE_DUPLICATE) {
			/* The same message, arriving at the same time, was applied first. */
			db_rollback(r->db);
			return answer(r, true, NULL);
		}
		return reply_db(r, rc);
	}
	rx = rx_of(m.data);
	if ((d = json_object_new_object()) != NULL) {
		json_object_object_add(d, "type", json_object_new_string(m.type));
		json_object_object_add(d, "webhook_id", json_object_new_string(msg_id));
		json_object_object_add(d, "outcome", json_object_new_string(outcome));
		json_object_object_add(d, "partner", json_object_new_string(code));
		if (rx > 0)
			json_object_object_add(d, "prescription_id", json_object_new_int64(rx));
	}
	json_object_put(m.root);
	if (rx > 0)
		(void)snprintf(eid, sizeof(eid), "%" PRId64, rx);
	if ((rc = audit_as(r, 0, "system", NULL, "bridge.message_received",
	    rx > 0 ? "prescription" : "pharmacy_partner", rx > 0 ? eid : pid,
	    out == BRIDGE_APPLIED ? "success" : "ignored", d, true)) != CE_OK)
		return reply_db(r, rc);
	return answer(r, false, outcome);
}
