/*
 * POST /api/v1/pharmacy/courier/events: the courier's tracking webhooks
 * (Standard Webhooks under courier_webhook_secret; docs/WEBHOOKS.md#courier).
 * Nothing in a message is believed before its signature and freshness are
 * checked against the raw body; a refusal changes nothing but its own audit
 * row. A message is applied once: its webhook-id goes into ph_inbox (source
 * 'courier') in the transaction that applies it, so a repeat answers
 * {"duplicate": true} and changes nothing. Applying: the event is recorded
 * (ph_shipment_event), the shipment moves forward only, the clinic is told
 * (prescription.tracking; on delivery prescription.delivered with the proof,
 * and the prescription becomes 'delivered').
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "audit.h"
#include "conf.h"
#include "courier.h"
#include "db.h"
#include "log.h"
#include "pharmacy.h"
#include "reply.h"
#include "req.h"
#include "valid.h"
#include "webhook.h"

/* ph_inbox.webhook_id's length */
#define INBOX_ID_MAX	128

static const char SQL_INBOX[] =
    "INSERT INTO ph_inbox (source, webhook_id, type, received_at)"
    " VALUES ('courier', ?, ?, UTC_TIMESTAMP(6))";
static const char SQL_SHIPMENT[] =
    "SELECT s.id, s.status, s.tracking_number, p.id, p.clinic_rx_id, p.status"
    " FROM ph_shipment s JOIN ph_prescription p ON p.id = s.prescription_id"
    " WHERE s.courier_ref = ? FOR UPDATE";
static const char SQL_EVENT[] =
    "INSERT INTO ph_shipment_event (shipment_id, status, description, location, at, received_at)"
    " VALUES (?, ?, ?, ?, ?, UTC_TIMESTAMP(6))";
static const char SQL_MOVE[] =
    "UPDATE ph_shipment SET status = ?, updated_at = UTC_TIMESTAMP(6) WHERE id = ?";
static const char SQL_DELIVERED[] =
    "UPDATE ph_shipment SET status = 'delivered', delivered_at = ?, proof = ?,"
    " updated_at = UTC_TIMESTAMP(6) WHERE id = ?";
static const char SQL_RX_DELIVERED[] =
    "UPDATE ph_prescription SET status = 'delivered', status_changed_at = UTC_TIMESTAMP(6)"
    " WHERE id = ? AND status IN ('dispensed', 'shipped')";

/* 401 (or 503 for our own failure), audited in its own transaction. */
static int
refuse(struct req *r, enum webhook_verdict v, const char *id)
{
	struct json_object	*d;
	const char		*addr = r->remote_addr != NULL ? r->remote_addr : "";
	enum cerr		 rc;

	log_warn("courier webhook from %s refused: %s", addr, webhook_verdict_str(v));
	if ((d = json_object_new_object()) == NULL ||
	    json_object_object_add(d, "verdict",
	    json_object_new_string(webhook_verdict_str(v))) != 0 ||
	    json_object_object_add(d, "webhook_id", (id = webhook_printable_id(id)) != NULL ?
	    json_object_new_string(id) : NULL) != 0 ||
	    json_object_object_add(d, "remote_addr", json_object_new_string(addr)) != 0 ||
	    json_object_object_add(d, "bytes", json_object_new_int64((int64_t)r->bodylen)) != 0) {
		json_object_put(d);
		return reply_internal(r, "out of memory");
	}
	if ((rc = db_begin(r->db)) != CE_OK) {
		json_object_put(d);
		return reply_db(r, rc);
	}
	if ((rc = audit_as(r, 0, "system", NULL, "courier.webhook_refused", "courier_webhook",
	    NULL, "failure", d, true)) != CE_OK)
		return reply_db(r, rc);
	if (v == WEBHOOK_ERROR)
		return reply_problem(r, 503, "unavailable", "The signature could not be checked",
		    "Try again later.");
	if (v == WEBHOOK_STALE)
		return reply_problem(r, 401, "webhook-stale", "The message is stale",
		    "webhook-timestamp is more than 5 minutes from the receiver's clock.");
	return reply_problem(r, 401, "webhook-signature", "The webhook signature is not valid",
	    "Sign id.timestamp.body with the courier webhook secret (Standard Webhooks v1).");
}

static int
answer(struct req *r, const char *key, struct json_object *v, struct json_object *more)
{
	struct json_object	*o;

	if ((o = json_object_new_object()) == NULL ||
	    json_object_object_add(o, key, v) != 0) {
		json_object_put(v);
		json_object_put(o);
		json_object_put(more);
		return reply_internal(r, "out of memory");
	}
	if (more != NULL) {
		json_object_object_foreach(more, k, m) {
			if (json_object_object_add(o, k, json_object_get(m)) != 0) {
				json_object_put(more);
				json_object_put(o);
				return reply_internal(r, "out of memory");
			}
		}
		json_object_put(more);
	}
	return reply_json(r, 200, o);
}

/* Adds a string member (NULL: JSON null); false on OOM. */
static bool
put_str(struct json_object *o, const char *k, const char *v)
{
	struct json_object	*s = NULL;

	if (v != NULL && (s = json_object_new_string(v)) == NULL)
		return false;
	if (json_object_object_add(o, k, s) != 0) {
		json_object_put(s);
		return false;
	}
	return true;
}

static bool
put_int(struct json_object *o, const char *k, int64_t v)
{
	struct json_object	*s;

	if ((s = json_object_new_int64(v)) == NULL)
		return false;
	if (json_object_object_add(o, k, s) != 0) {
		json_object_put(s);
		return false;
	}
	return true;
}

/* "2026-01-31 09:30:00.000000" -> "2026-01-31T09:30:00Z" into out. */
static void
iso_of(const char *sql, char out[21])
{
	(void)snprintf(out, 21, "%.10sT%.8sZ", sql, sql + 11);
}

/* Tells the clinic (inside the open transaction). */
static enum cerr
tell(struct req *r, const struct courier_event *ev, int64_t rx, int64_t clinic_rx,
    int64_t event_id, bool delivered)
{
	struct json_object	*d, *proof = NULL;
	char			 key[96], ref[24], at[21];
	enum cerr		 rc;

	iso_of(ev->at, at);
	if ((d = json_object_new_object()) == NULL)
		return CE_NOMEM;
	(void)snprintf(ref, sizeof(ref), "%" PRId64, rx);
	if (!put_int(d, "prescription_id", clinic_rx) || !put_str(d, "at", at)) {
		json_object_put(d);
		return CE_NOMEM;
	}
	if (delivered) {
		if (ev->proof != NULL && (proof = json_tokener_parse(ev->proof)) == NULL) {
			json_object_put(d);
			return CE_NOMEM;
		}
		if (!put_str(d, "pharmacy_ref", ref) || !put_str(d, "method", "courier") ||
		    json_object_object_add(d, "proof", proof) != 0 ||
		    !put_str(d, "collector", NULL)) {
			json_object_put(d);
			return CE_NOMEM;
		}
		(void)snprintf(key, sizeof(key), "ph-rx-%" PRId64 "-delivered", clinic_rx);
		rc = ph_emit(r, "prescription.delivered", key, d);
	} else {
		if (!put_str(d, "status", ev->status) || !put_str(d, "description", ev->description) ||
		    !put_str(d, "location", ev->location)) {
			json_object_put(d);
			return CE_NOMEM;
		}
		(void)snprintf(key, sizeof(key), "ph-rx-%" PRId64 "-tracking-%" PRId64, clinic_rx,
		    event_id);
		rc = ph_emit(r, "prescription.tracking", key, d);
	}
	return rc == CE_DUPLICATE ? CE_OK : rc;
}

/* 422 invalid-message with "errors": [{field, detail}]. */
static int
invalid(struct req *r, const struct verr *errs, size_t n)
{
	struct json_object	*x, *a, *e;
	size_t			 i;

	if ((x = json_object_new_object()) == NULL || (a = json_object_new_array()) == NULL) {
		json_object_put(x);
		return reply_internal(r, "out of memory");
	}
	if (json_object_object_add(x, "errors", a) != 0) {
		json_object_put(a);
		json_object_put(x);
		return reply_internal(r, "out of memory");
	}
	for (i = 0; i < n; i++) {
		if ((e = json_object_new_object()) == NULL || !put_str(e, "field", errs[i].field) ||
		    !put_str(e, "detail", errs[i].detail) || json_object_array_add(a, e) != 0) {
			json_object_put(e);
			json_object_put(x);
			return reply_internal(r, "out of memory");
		}
	}
	return reply_problem_with(r, 422, "invalid-message", "The message is not understood",
	    "Each entry of errors names a member of the message and what is wrong with it.", x);
}

int
courier_events(struct req *r)
{
	const char		*id = req_env(r, "HTTP_WEBHOOK_ID");
	const char		*ts = req_env(r, "HTTP_WEBHOOK_TIMESTAMP");
	const char		*sig = req_env(r, "HTTP_WEBHOOK_SIGNATURE");
	unsigned char		 secret[WEBHOOK_SECRET_MAX];
	size_t			 slen = 0, nerrs = 0;
	struct verr		 errs[COURIER_MAX_ERRS];
	struct courier_event	 ev;
	struct db_res		*res;
	struct json_object	*d, *more;
	enum webhook_verdict	 v;
	const char		*cur, *outcome = "applied", *now_status;
	char			 eid[24];
	int64_t			 ship, rx, clinic_rx, event_id;
	int			 prc;
	bool			 forward, delivered = false;
	enum cerr		 rc;

	if (webhook_secret_decode(conf.courier_webhook_secret, secret, &slen) != CE_OK) {
		log_err("courier_webhook_secret is not a whsec_ secret: every tracking webhook is"
		    " refused");
		slen = 0;
	}
	v = webhook_verify(secret, slen, id, ts, sig, r->body, r->bodylen, (int64_t)time(NULL),
	    WEBHOOK_TOLERANCE);
	if (v != WEBHOOK_OK)
		return refuse(r, v, id);
	if ((prc = courier_event_parse(r->pool, r->body, r->bodylen, &ev, errs, &nerrs)) == -2)
		return reply_internal(r, "out of memory");
	if (strlen(id) > INBOX_ID_MAX && nerrs < COURIER_MAX_ERRS) {
		errs[nerrs].field = "webhook-id";
		errs[nerrs++].detail = "is longer than the 128 characters this receiver keeps";
		prc = -1;
	}
	if (prc != 0)
		return invalid(r, errs, nerrs);
	if ((rc = db_begin(r->db)) != CE_OK)
		return reply_db(r, rc);
	if ((rc = db_exec(r->db, r->pool, NULL, SQL_INBOX, "ss", id, ev.type)) == CE_DUPLICATE) {
		db_rollback(r->db);
		return answer(r, "duplicate", json_object_new_boolean(1), NULL);
	}
	if (rc != CE_OK)
		return reply_db(r, rc);
	if ((d = json_object_new_object()) == NULL || !put_str(d, "webhook_id", id) ||
	    !put_str(d, "type", ev.type)) {
		json_object_put(d);
		return reply_internal(r, "out of memory");
	}
	if (!ev.tracking) {
		/* Another kind of news: recorded as seen (so never applied twice), nothing more. */
		if (!put_str(d, "outcome", "ignored")) {
			json_object_put(d);
			return reply_internal(r, "out of memory");
		}
		if ((rc = audit_as(r, 0, "system", NULL, "courier.event_received", "courier_webhook",
		    NULL, "success", d, true)) != CE_OK)
			return reply_db(r, rc);
		more = json_object_new_object();
		if (more == NULL || !put_str(more, "outcome", "ignored")) {
			json_object_put(more);
			return reply_internal(r, "out of memory");
		}
		return answer(r, "received", json_object_new_boolean(1), more);
	}
	if ((rc = db_exec(r->db, r->pool, &res, SQL_SHIPMENT, "s", ev.shipment_id)) != CE_OK) {
		json_object_put(d);
		return reply_db(r, rc);
	}
	if (res->nrows == 0) {
		/* Not (yet) known: refused so that the courier sends it again later. */
		json_object_put(d);
		db_rollback(r->db);
		return reply_problem(r, 404, "not-found", "No such shipment",
		    "No shipment has this data.shipment_id (the courier's id given at booking).");
	}
	ship = db_int(res->rows[0][0]);
	cur = res->rows[0][1];
	rx = db_int(res->rows[0][3]);
	clinic_rx = db_int(res->rows[0][4]);
	if (res->rows[0][2] == NULL || strcmp(res->rows[0][2], ev.tracking_number) != 0) {
		struct verr	 e = { "data.tracking_number", "is not this shipment's tracking number" };

		json_object_put(d);
		db_rollback(r->db);
		return invalid(r, &e, 1);
	}
	if ((rc = db_exec(r->db, r->pool, NULL, SQL_EVENT, "issss", ship, ev.status,
	    ev.description, ev.location, ev.at)) != CE_OK) {
		json_object_put(d);
		return reply_db(r, rc);
	}
	event_id = (int64_t)db_insert_id(r->db);
	now_status = cur;
	forward = courier_rank(ev.status) > courier_rank(cur) && courier_rank(cur) >= 1;
	if (forward && strcmp(ev.status, "delivered") == 0) {
		if ((rc = db_exec(r->db, r->pool, NULL, SQL_DELIVERED, "ssi", ev.at, ev.proof,
		    ship)) != CE_OK ||
		    (rc = db_exec(r->db, r->pool, NULL, SQL_RX_DELIVERED, "i", rx)) != CE_OK) {
			json_object_put(d);
			return reply_db(r, rc);
		}
		delivered = true;
		now_status = "delivered";
	} else if (forward) {
		if ((rc = db_exec(r->db, r->pool, NULL, SQL_MOVE, "si", ev.status, ship)) != CE_OK) {
			json_object_put(d);
			return reply_db(r, rc);
		}
		now_status = ev.status;
	} else if (strcmp(ev.status, "failed_attempt") != 0 || courier_rank(cur) < 1 ||
	    courier_rank(cur) > 4)
		outcome = "late";	/* recorded, but the shipment is further on already */
	/* the clinic hears of each step forward and of failed attempts, not of late news */
	if (strcmp(outcome, "applied") == 0 &&
	    (rc = tell(r, &ev, rx, clinic_rx, event_id, delivered)) != CE_OK) {
		json_object_put(d);
		return reply_db(r, rc);
	}
	(void)snprintf(eid, sizeof(eid), "%" PRId64, ship);
	if (!put_str(d, "status", ev.status) || !put_str(d, "shipment_status", now_status) ||
	    !put_str(d, "outcome", outcome) || !put_int(d, "prescription_id", rx)) {
		json_object_put(d);
		return reply_internal(r, "out of memory");
	}
	if ((rc = audit_as(r, 0, "system", NULL, delivered ? "courier.delivered" :
	    "courier.tracking_received", "ph_shipment", eid, "success", d, true)) != CE_OK)
		return reply_db(r, rc);
	if ((more = json_object_new_object()) == NULL || !put_int(more, "shipment_id", ship) ||
	    !put_str(more, "status", now_status) || !put_str(more, "outcome", outcome)) {
		json_object_put(more);
		return reply_internal(r, "out of memory");
	}
	return answer(r, "received", json_object_new_boolean(1), more);
}
