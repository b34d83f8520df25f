/*
 * POST /api/v1/pharmacy/inbox: the clinic's messages (docs/API.md#pharmacy),
 * Standard Webhooks-signed under pharmacy_clinic_secret_in. The raw body is
 * checked before anything in it is believed; a refused message changes
 * nothing but the audit trail. A message is applied once: its webhook-id
 * goes into ph_inbox in the same transaction as its effect, and a second
 * delivery is answered {"duplicate": true}.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <openssl/crypto.h>

#include <json-c/json.h>

#include "audit.h"
#include "conf.h"
#include "crypto.h"
#include "db.h"
#include "log.h"
#include "outbox.h"
#include "pool.h"
#include "reply.h"
#include "req.h"
#include "valid.h"
#include "webhook.h"
#include "pharmacy.h"
#include "ph.h"

#define SIG_MAX	160
#define PH_WEBHOOK_ID_MAX	128	/* ph_inbox.webhook_id */

static const char SQL_INBOX[] =
    "INSERT INTO ph_inbox (source, webhook_id, type, received_at)"
    " VALUES ('clinic', ?, ?, UTC_TIMESTAMP(6))";
static const char SQL_INSERT_RX[] =
    "INSERT INTO ph_prescription (clinic_rx_id, webhook_id, status, document, signature,"
    " key_fingerprint, prescriber_id, received_at, status_changed_at)"
    " VALUES (?, ?, 'received', ?, ?, ?, ?, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))";
static const char SQL_PLACEHOLDER[] =
    "INSERT INTO ph_prescription (clinic_rx_id, webhook_id, status, document, signature,"
    " key_fingerprint, prescriber_id, received_at, status_changed_at)"
    " VALUES (?, ?, 'cancelled', '', '', '', 0, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))";
static const char SQL_HAS_KEY[] =
    "SELECT 1 FROM ph_prescriber_key WHERE fingerprint = ?";
static const char SQL_BY_CLINIC[] =
    "SELECT id, status FROM ph_prescription WHERE clinic_rx_id = ? FOR UPDATE";
/* How a dispensed prescription left: its method and the newest shipment's tracking. */
static const char SQL_SUPPLY[] =
    "SELECT (SELECT method FROM ph_dispense WHERE prescription_id = ? ORDER BY id LIMIT 1),"
    " (SELECT tracking_number FROM ph_shipment WHERE prescription_id = ? ORDER BY id DESC"
    " LIMIT 1),"
    " (SELECT tracking_url FROM ph_shipment WHERE prescription_id = ? ORDER BY id DESC LIMIT 1)";
static const char SQL_CANCEL[] =
    "UPDATE ph_prescription SET status = 'cancelled', status_changed_at = UTC_TIMESTAMP(6)"
    " WHERE id = ?";
static const char SQL_HELD[] =
    "SELECT id, product_id FROM ph_reservation WHERE prescription_id = ? AND status = 'held'"
    " FOR UPDATE";
static const char SQL_RELEASE[] =
    "UPDATE ph_reservation SET status = 'released', ended_at = UTC_TIMESTAMP(6) WHERE id = ?";

static int
refuse(struct req *r, enum webhook_verdict v, const char *id)
{
	struct json_object	*d;
	const char		*addr = r->remote_addr != NULL ? r->remote_addr : "";
	bool			 stale = v == WEBHOOK_STALE;
	enum cerr		 rc;

	log_warn("pharmacy inbox message from %s refused: %s", addr, webhook_verdict_str(v));
	if ((d = json_object_new_object()) != NULL) {
		json_object_object_add(d, "verdict", json_object_new_string(webhook_verdict_str(v)));
		/* only a well-formed id: a sender's other bytes would not even be UTF-8 */
		json_object_object_add(d, "webhook_id", (id = webhook_printable_id(id)) != NULL ?
		    json_object_new_string(id) : NULL);
		json_object_object_add(d, "remote_addr", json_object_new_string(addr));
	}
	if ((rc = db_begin(r->db)) != CE_OK ||
	    (rc = audit_as(r, 0, "system", NULL, "pharmacy.webhook_refused", "ph_inbox", NULL,
	    "failure", d, true)) != CE_OK)
		return reply_db(r, rc);
	if (stale)
		return reply_problem(r, 401, "webhook-stale", "The message is too old or too new",
		    "webhook-timestamp must be within 300 seconds of the pharmacy's clock.");
	return reply_problem(r, 401, "webhook-signature", "The message's signature is not valid",
	    "Sign id.timestamp.body with the shared secret (Standard Webhooks, v1).");
}

/* 422 invalid-message naming each bad member; nothing changed. */
static int
invalid(struct req *r, const struct verr *errs, size_t n)
{
	struct json_object	*extra, *a, *e;
	size_t			 i;

	db_rollback(r->db);
	if ((extra = json_object_new_object()) != NULL &&
	    (a = json_object_new_array()) != NULL) {
		json_object_object_add(extra, "errors", a);
		for (i = 0; i < n; i++) {
			if ((e = json_object_new_object()) == NULL)
				break;
			json_object_object_add(e, "field", json_object_new_string(errs[i].field));
			json_object_object_add(e, "detail", json_object_new_string(errs[i].detail));
			if (json_object_array_add(a, e) != 0) {
				json_object_put(e);
				break;
			}
		}
	}
	return reply_problem_with(r, 422, "invalid-message", "The message is not understood",
	    "A member of the message is missing or malformed: see errors.", extra);
}

static int
answer(struct req *r, const char *ref, const char *status)
{
	struct json_object	*o = json_object_new_object();

	if (o == NULL)
		return reply_internal(r, "out of memory");
	json_object_object_add(o, "received", json_object_new_boolean(1));
	json_object_object_add(o, "pharmacy_ref", ref != NULL ? json_object_new_string(ref) : NULL);
	json_object_object_add(o, "status", json_object_new_string(status));
	return reply_json(r, 200, o);
}

static int
duplicate(struct req *r)
{
	struct json_object	*o = json_object_new_object();

	db_rollback(r->db);
	if (o == NULL)
		return reply_internal(r, "out of memory");
	json_object_object_add(o, "duplicate", json_object_new_boolean(1));
	return reply_json(r, 200, o);
}

static int64_t
int_member(struct json_object *o, const char *name)
{
	struct json_object	*m;
	int64_t			 v;

	if (!json_object_object_get_ex(o, name, &m) || !json_object_is_type(m, json_type_int))
		return 0;
	v = json_object_get_int64(m);
	return v > 0 && v < INT64_MAX ? v : 0;
}

static int
sent(struct req *r, const char *wid, struct json_object *data)
{
	struct verr		 errs[5];
	size_t			 n = 0;
	int64_t			 rxid = int_member(data, "prescription_id");
	int64_t			 prescriber = int_member(data, "prescriber_id");
	const char		*doc = valid_str_member(data, "document");
	const char		*sigtext = valid_str_member(data, "signature");
	const char		*fp = valid_str_member(data, "key_fingerprint");
	unsigned char		 sig[SIG_MAX];
	long			 siglen;
	struct db_res		*res;
	struct json_object	*d, *det, *p;
	const char		*status = "received";
	char			 ref[24], key[OUTBOX_KEY_MAX + 1];
	int64_t			 id;
	enum cerr		 rc;

	if (rxid == 0)
		errs[n++] = (struct verr){ "data.prescription_id", "a positive whole number" };
	if (prescriber == 0)
		errs[n++] = (struct verr){ "data.prescriber_id", "a positive whole number" };
	if (doc == NULL || *doc == '\0')
		errs[n++] = (struct verr){ "data.document", "the signed document, as text" };
	if (sigtext == NULL)
		errs[n++] = (struct verr){ "data.signature", "base64 of the DER signature" };
	if (!ph_hex64(fp))
		errs[n++] = (struct verr){ "data.key_fingerprint", "64 lower-case hex digits" };
	if (n > 0)
		return invalid(r, errs, n);
	/* A signature that is not base64 is kept empty: the check rejects it as invalid. */
	siglen = base64_decode(sigtext, strlen(sigtext), sig, sizeof(sig));
	if (siglen < 0)
		siglen = 0;
	rc = db_exec(r->db, r->pool, NULL, SQL_INSERT_RX, "issbsi", rxid, wid, doc,
	    (const void *)sig, (size_t)siglen, fp, prescriber);
	if (rc == CE_DUPLICATE)
		return duplicate(r);	/* the same prescription again, under another id */
	if (rc != CE_OK)
		return reply_db(r, rc);
	id = (int64_t)db_insert_id(r->db);
	(void)snprintf(ref, sizeof(ref), "%" PRId64, id);
	if ((d = json_object_new_object()) == NULL)
		return reply_internal(r, "out of memory");
	json_object_object_add(d, "prescription_id", json_object_new_int64(rxid));
	json_object_object_add(d, "pharmacy_ref", json_object_new_string(ref));
	if ((rc = ph_emit_rx(r, rxid, "received", d)) != CE_OK)
		return reply_db(r, rc);
	if ((det = json_object_new_object()) != NULL) {
		json_object_object_add(det, "clinic_prescription_id", json_object_new_int64(rxid));
		json_object_object_add(det, "webhook_id", json_object_new_string(wid));
		json_object_object_add(det, "key_fingerprint", json_object_new_string(fp));
	}
	if ((rc = ph_audit(r, 0, "pharmacy.prescription_received", "ph_prescription", id, det))
	    != CE_OK)
		return reply_db(r, rc);
	if ((rc = db_exec(r->db, r->pool, &res, SQL_HAS_KEY, "s", fp)) != CE_OK)
		return reply_db(r, rc);
	if (res->nrows == 1) {
		if ((rc = ph_check_run(r, id, 0, &status)) != CE_OK)
			return reply_db(r, rc);
	} else {
		if ((p = json_object_new_object()) == NULL)
			return reply_internal(r, "out of memory");
		json_object_object_add(p, "fingerprint", json_object_new_string(fp));
		json_object_object_add(p, "prescriber_id", json_object_new_int64(prescriber));
		(void)snprintf(key, sizeof(key), "ph-key-%s", fp);
		rc = outbox_put(r, "ph.fetch_key", key, p);
		if (rc != CE_OK && rc != CE_DUPLICATE)
			return reply_db(r, rc);
	}
	if ((rc = db_commit(r->db)) != CE_OK)
		return reply_db(r, rc);
	return answer(r, ref, status != NULL ? status : "received");
}

static int
cancel(struct req *r, const char *wid, struct json_object *data)
{
	struct verr		 errs[1];
	int64_t			 rxid = int_member(data, "prescription_id");
	const char		*reason = valid_str_member(data, "reason");
	struct db_res		*res, *held, *sup;
	struct json_object	*d, *det;
	const char		*status;
	char			 ref[24], tag[48];
	int64_t			 id;
	enum cerr		 rc;

	if (rxid == 0) {
		errs[0] = (struct verr){ "data.prescription_id", "a positive whole number" };
		return invalid(r, errs, 1);
	}
	if ((rc = db_exec(r->db, r->pool, &res, SQL_BY_CLINIC, "i", rxid)) != CE_OK)
		return reply_db(r, rc);
	if (res->nrows == 0) {
		/*
		 * The cancellation overtook the prescription: keep a cancelled
		 * placeholder so that the prescription, when it arrives, is a
		 * duplicate and is never dispensed.
		 */
		if ((rc = db_exec(r->db, r->pool, NULL, SQL_PLACEHOLDER, "is", rxid, wid)) != CE_OK)
			return reply_db(r, rc);
		id = (int64_t)db_insert_id(r->db);
		status = "cancelled";
	} else {
		id = db_int(res->rows[0][0]);
		status = res->rows[0][1];
	}
	(void)snprintf(ref, sizeof(ref), "%" PRId64, id);
	if ((d = json_object_new_object()) == NULL)
		return reply_internal(r, "out of memory");
	json_object_object_add(d, "prescription_id", json_object_new_int64(rxid));
	json_object_object_add(d, "pharmacy_ref", json_object_new_string(ref));
	if (strcmp(status, "dispensed") == 0 || strcmp(status, "shipped") == 0 ||
	    strcmp(status, "delivered") == 0) {
		json_object_object_add(d, "reason", json_object_new_string(
		    "already dispensed: the medicine has left the pharmacy's stock"));
		/*
		 * Where it is here, so that a clinic that cancelled it meanwhile
		 * (and ignored our dispensed/shipped/delivered) follows it there.
		 */
		if ((rc = db_exec(r->db, r->pool, &sup, SQL_SUPPLY, "iii", id, id, id)) != CE_OK) {
			json_object_put(d);
			return reply_db(r, rc);
		}
		json_object_object_add(d, "status", json_object_new_string(status));
		json_object_object_add(d, "method", sup->nrows == 1 && sup->rows[0][0] != NULL ?
		    json_object_new_string(sup->rows[0][0]) : NULL);
		json_object_object_add(d, "tracking_number", sup->nrows == 1 &&
		    sup->rows[0][1] != NULL ? json_object_new_string(sup->rows[0][1]) : NULL);
		json_object_object_add(d, "tracking_url", sup->nrows == 1 &&
		    sup->rows[0][2] != NULL ? json_object_new_string(sup->rows[0][2]) : NULL);
		if ((rc = ph_emit_rx(r, rxid, "cancel_refused", d)) != CE_OK)
			return reply_db(r, rc);
		if ((det = json_object_new_object()) != NULL)
			json_object_object_add(det, "status", json_object_new_string(status));
		if ((rc = ph_audit(r, 0, "pharmacy.prescription_cancel_refused", "ph_prescription",
		    id, det)) != CE_OK || (rc = db_commit(r->db)) != CE_OK)
			return reply_db(r, rc);
		return answer(r, ref, status);
	}
	if (strcmp(status, "rejected") == 0) {
		/* refused already (the clinic was told why): nothing is open to cancel */
		json_object_put(d);
		if ((rc = db_commit(r->db)) != CE_OK)
			return reply_db(r, rc);
		return answer(r, ref, status);
	}
	if (strcmp(status, "cancelled") != 0 || res->nrows == 0) {
		if (res->nrows != 0) {
			if ((rc = db_exec(r->db, r->pool, NULL, SQL_CANCEL, "i", id)) != CE_OK ||
			    (rc = db_exec(r->db, r->pool, &held, SQL_HELD, "i", id)) != CE_OK) {
				json_object_put(d);
				return reply_db(r, rc);
			}
			if (held->nrows == 1) {
				(void)snprintf(tag, sizeof(tag), "res-%s-released", held->rows[0][0]);
				if ((rc = ph_product_lock(r, db_int(held->rows[0][1]))) != CE_OK ||
				    (rc = db_exec(r->db, r->pool, NULL, SQL_RELEASE, "i",
				    db_int(held->rows[0][0]))) != CE_OK ||
				    (rc = ph_stock_changed(r, db_int(held->rows[0][1]), tag)) != CE_OK) {
					json_object_put(d);
					return reply_db(r, rc);
				}
			}
		}
		if ((rc = ph_emit_rx(r, rxid, "cancelled", d)) != CE_OK)
			return reply_db(r, rc);
		if ((det = json_object_new_object()) != NULL) {
			json_object_object_add(det, "previous_status", json_object_new_string(
			    res->nrows == 0 ? "not received" : status));
			json_object_object_add(det, "reason", reason != NULL ?
			    json_object_new_string(reason) : NULL);
		}
		if ((rc = ph_audit(r, 0, "pharmacy.prescription_cancelled", "ph_prescription", id,
		    det)) != CE_OK)
			return reply_db(r, rc);
	} else
		json_object_put(d);
	if ((rc = db_commit(r->db)) != CE_OK)
		return reply_db(r, rc);
	return answer(r, ref, "cancelled");
}

int
ph_inbox(struct req *r)
{
	unsigned char		 secret[WEBHOOK_SECRET_MAX];
	size_t			 secretlen = 0;
	const char		*id = req_env(r, "HTTP_WEBHOOK_ID");
	const char		*ts = req_env(r, "HTTP_WEBHOOK_TIMESTAMP");
	const char		*sig = req_env(r, "HTTP_WEBHOOK_SIGNATURE");
	struct json_object	*body, *data = NULL;
	struct verr		 errs[3];
	const char		*type, *why = NULL;
	enum webhook_verdict	 v;
	size_t			 n = 0;
	enum cerr		 rc;
	int			 status;

	if (webhook_secret_decode(conf.pharmacy_clinic_secret_in, secret, &secretlen) != CE_OK)
		return refuse(r, WEBHOOK_MALFORMED, id);
	v = webhook_verify(secret, secretlen, id, ts, sig, r->body, r->bodylen,
	    (int64_t)time(NULL), WEBHOOK_TOLERANCE);
	OPENSSL_cleanse(secret, sizeof(secret));
	if (v == WEBHOOK_ERROR)
		return reply_internal(r, "the webhook signature could not be checked");
	if (v != WEBHOOK_OK)
		return refuse(r, v, id);
	body = req_parse_json(r->body, r->bodylen, &why);
	if (body == NULL || !json_object_is_type(body, json_type_object)) {
		json_object_put(body);
		errs[0] = (struct verr){ "body", "a JSON object {type, timestamp, data}" };
		return invalid(r, errs, 1);
	}
	if (pool_cleanup(r->pool, ph_json_free, body) != 0) {
		json_object_put(body);
		return reply_internal(r, "out of memory");
	}
	type = valid_str_member(body, "type");
	if (type == NULL || (strcmp(type, "prescription.sent") != 0 &&
	    strcmp(type, "prescription.cancel") != 0))
		errs[n++] = (struct verr){ "type",
		    "prescription.sent or prescription.cancel" };
	if (!json_object_object_get_ex(body, "data", &data) || data == NULL ||
	    !json_object_is_type(data, json_type_object))
		errs[n++] = (struct verr){ "data", "an object" };
	if (n > 0)
		return invalid(r, errs, n);
	if (strlen(id) > PH_WEBHOOK_ID_MAX) {
		errs[0] = (struct verr){ "webhook-id", "at most 128 characters" };
		return invalid(r, errs, 1);
	}
	if ((rc = db_begin(r->db)) != CE_OK)
		return reply_db(r, rc);
	rc = db_exec(r->db, r->pool, NULL, SQL_INBOX, "ss", id, type);
	if (rc == CE_DUPLICATE)
		return duplicate(r);
	if (rc != CE_OK)
		return reply_db(r, rc);
	if (strcmp(type, "prescription.sent") == 0)
		status = sent(r, id, data);
	else
		status = cancel(r, id, data);
	return status;
}
