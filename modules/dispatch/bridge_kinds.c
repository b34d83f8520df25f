/*
 * The clinic's messages to partner pharmacies (helper A): pharmacy.prescription
 * and pharmacy.cancel, as Standard Webhooks deliveries (webhook_send) to the
 * partner's base_url + /api/v1/pharmacy/inbox, signed with its send secret.
 * The body is {"type": "prescription.sent" | "prescription.cancel",
 * "timestamp": "<ISO-8601 UTC of sending>", "data": <the outbox payload>}
 * (docs/WEBHOOKS.md). The partner is the prescription's pharmacy_id, or the
 * first active partner when it has none; no partner (or an inactive one) is
 * retried, so a message waits for the administrator to set one up.
 * Delivered: a prescription still 'signed' becomes 'sent' (its event row in
 * the same transaction; the loop audits the delivery), with the pharmacy's
 * reference when it answered one.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>
#include <openssl/crypto.h>

#include "conf.h"
#include "crypto.h"
#include "db.h"
#include "dispatch.h"
#include "pool.h"
#include "req.h"
#include "webhook.h"

#define INBOX_PATH	"/api/v1/pharmacy/inbox"

static const char SQL_PARTNER_OF[] =
    "SELECT p.id, p.code, p.base_url, p.send_secret_sealed, p.active"
    " FROM prescription x JOIN pharmacy_partner p ON p.id = x.pharmacy_id WHERE x.id = ?";
static const char SQL_FIRST_PARTNER[] =
    "SELECT id, code, base_url, send_secret_sealed, active FROM pharmacy_partner"
    " WHERE active = 1 ORDER BY id LIMIT 1";
static const char SQL_SENT[] =
    "UPDATE prescription SET status = 'sent', status_changed_at = UTC_TIMESTAMP(6),"
    " updated_at = UTC_TIMESTAMP(6) WHERE id = ? AND status = 'signed'";
static const char SQL_SENT_EVENT[] =
    "INSERT INTO prescription_event (prescription_id, status, at, actor_id, reason, source)"
    " VALUES (?, 'sent', UTC_TIMESTAMP(6), NULL, ?, 'clinic')";
static const char SQL_REF[] =
    "UPDATE prescription SET pharmacy_ref = ? WHERE id = ? AND pharmacy_ref IS NULL";
static const char SQL_PHARMACY[] =
    "UPDATE prescription SET pharmacy_id = ? WHERE id = ? AND pharmacy_id IS NULL";

/* The prescription the job is about (payload prescription_id), or 0. */
static int64_t
rx_of(struct job *j)
{
	struct json_object	*v;

	if (json_object_object_get_ex(j->payload, "prescription_id", &v) &&
	    json_object_is_type(v, json_type_int) && json_object_get_int64(v) > 0)
		return json_object_get_int64(v);
	return 0;
}

/*
 * The partner row for prescription rx into *row (pool-owned cells: id, code,
 * base_url, sealed secret, active). V_DONE when found, else V_RETRY or
 * V_FAIL with a->why set.
 */
static enum verdict
partner_of(struct job *j, int64_t rx, char ***row, size_t **lens, struct answer *a)
{
	struct db_res	*res;
	enum cerr	 rc;

	if ((rc = db_exec(j->r->db, j->r->pool, &res, SQL_PARTNER_OF, "i", rx)) != CE_OK) {
		(void)snprintf(a->why, sizeof(a->why), "the partner could not be read: %s",
		    cerr_str(rc));
		return V_RETRY;
	}
	if (res->nrows == 0 &&
	    (rc = db_exec(j->r->db, j->r->pool, &res, SQL_FIRST_PARTNER, "")) != CE_OK) {
		(void)snprintf(a->why, sizeof(a->why), "the partner could not be read: %s",
		    cerr_str(rc));
		return V_RETRY;
	}
	if (res->nrows == 0) {
		(void)snprintf(a->why, sizeof(a->why), "no partner pharmacy is configured");
		return V_RETRY;
	}
	if (strcmp(res->rows[0][4], "1") != 0) {
		(void)snprintf(a->why, sizeof(a->why), "the partner pharmacy %s is inactive",
		    res->rows[0][1]);
		return V_RETRY;
	}
	*row = res->rows[0];
	*lens = res->lens[0];
	return V_DONE;
}

static enum verdict
bridge_deliver(struct job *j, struct answer *a, const char *type)
{
	unsigned char		 raw[WEBHOOK_SECRET_MAX + SEAL_OVERHEAD];
	char			 label[80], secret[WEBHOOK_SECRET_TEXT_MAX], url[600], ts[32];
	char			**row;
	size_t			*lens, rawlen = 0;
	struct json_object	*body;
	const char		*text;
	struct tm		 tm;
	time_t			 now = time(NULL);
	enum verdict		 v;
	int64_t			 rx;
	int			 n;

	if ((rx = rx_of(j)) == 0) {
		(void)snprintf(a->why, sizeof(a->why), "the payload has no prescription_id");
		return V_FAIL;
	}
	if ((v = partner_of(j, rx, &row, &lens, a)) != V_DONE)
		return v;
	n = snprintf(label, sizeof(label), "pharmacy_partner:%s:send", row[1]);
	if (n < 0 || (size_t)n >= sizeof(label) || lens[3] > sizeof(raw) ||
	    conf_secret_key() == NULL ||
	    crypto_open(conf_secret_key(), label, (const unsigned char *)row[3], lens[3], raw,
	    &rawlen) != CE_OK ||
	    webhook_secret_encode(raw, rawlen, secret) != CE_OK) {
		OPENSSL_cleanse(raw, sizeof(raw));
		(void)snprintf(a->why, sizeof(a->why), "the send secret of partner %s cannot be"
		    " opened (set it again with clinic partner-set)", row[1]);
		return V_RETRY;
	}
	OPENSSL_cleanse(raw, sizeof(raw));
	n = snprintf(url, sizeof(url), "%s%s", row[2], INBOX_PATH);
	if (n < 0 || (size_t)n >= sizeof(url) || gmtime_r(&now, &tm) == NULL ||
	    strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
		OPENSSL_cleanse(secret, sizeof(secret));
		(void)snprintf(a->why, sizeof(a->why), "the partner's URL is too long");
		return V_FAIL;
	}
	if ((body = json_object_new_object()) == NULL) {
		OPENSSL_cleanse(secret, sizeof(secret));
		(void)snprintf(a->why, sizeof(a->why), "out of memory");
		return V_RETRY;
	}
	json_object_object_add(body, "type", json_object_new_string(type));
	json_object_object_add(body, "timestamp", json_object_new_string(ts));
	json_object_object_add(body, "data", json_object_get(j->payload));
	if ((text = json_object_to_json_string_ext(body,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE)) == NULL) {
		json_object_put(body);
		OPENSSL_cleanse(secret, sizeof(secret));
		(void)snprintf(a->why, sizeof(a->why), "out of memory");
		return V_RETRY;
	}
	v = webhook_send(url, "the partner pharmacy's base_url", secret, j->key, text,
	    strlen(text), a);
	json_object_put(body);
	OPENSSL_cleanse(secret, sizeof(secret));
	return v;
}

static enum verdict
prescription_deliver(struct job *j, struct answer *a)
{
	return bridge_deliver(j, a, "prescription.sent");
}

static enum verdict
cancel_deliver(struct job *j, struct answer *a)
{
	return bridge_deliver(j, a, "prescription.cancel");
}

/* The pharmacy's reference from its answer: 1..64 printable characters, or NULL. */
static const char *
answer_ref(struct answer *a)
{
	struct json_object	*v;
	const char		*s;
	size_t			 n, i;

	if (a->json == NULL || !json_object_object_get_ex(a->json, "pharmacy_ref", &v))
		return NULL;
	if (!json_object_is_type(v, json_type_string) && !json_object_is_type(v, json_type_int))
		return NULL;
	s = json_object_get_string(v);
	n = s != NULL ? strlen(s) : 0;
	if (n == 0 || n > 64)
		return NULL;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return NULL;
	return s;
}

static enum cerr
prescription_done(struct req *r, struct job *j, struct answer *a)
{
	const char	*ref = answer_ref(a);
	struct db_res	*res;
	int64_t		 rx = rx_of(j);
	enum cerr	 rc;

	if (rx == 0)
		return CE_OK;
	/* The partner it went to, when the prescription had none (the first active one). */
	if ((rc = db_exec(r->db, r->pool, &res, SQL_FIRST_PARTNER, "")) != CE_OK)
		return rc;
	if (res->nrows > 0 &&
	    (rc = db_exec(r->db, r->pool, NULL, SQL_PHARMACY, "ii", db_int(res->rows[0][0]),
	    rx)) != CE_OK)
		return rc;
	if ((rc = db_exec(r->db, r->pool, NULL, SQL_SENT, "i", rx)) != CE_OK)
		return rc;
	if (db_affected(r->db) > 0 &&
	    (rc = db_exec(r->db, r->pool, NULL, SQL_SENT_EVENT, "is", rx,
	    "delivered to the pharmacy")) != CE_OK)
		return rc;
	if (ref != NULL && (rc = db_exec(r->db, r->pool, NULL, SQL_REF, "si", ref, rx)) != CE_OK)
		return rc;
	return CE_OK;
}

static enum cerr
nothing_done(struct req *r, struct job *j, struct answer *a)
{
	(void)r;
	(void)j;
	(void)a;
	return CE_OK;
}

/* A dead letter: the loop's audit row and the pipeline's dead-letter count say it. */
static enum cerr
nothing_failed(struct req *r, struct job *j, const char *why)
{
	(void)r;
	(void)j;
	(void)why;
	return CE_OK;
}

static const struct kind table[] = {
	{ "pharmacy.prescription", true, false, prescription_deliver, prescription_done,
	    nothing_failed },
	{ "pharmacy.cancel", true, false, cancel_deliver, nothing_done, nothing_failed },
};

const struct kind *const	bridge_kinds = table;
const size_t			bridge_nkinds = sizeof(table) / sizeof(table[0]);
