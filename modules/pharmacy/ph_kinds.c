/*
 * The pharmacy's delivery handlers (helper C), linked into dispatch:
 *   ph.clinic_event (PH_CLINIC_KIND)  its messages to the clinic, Standard
 *                                     Webhooks-signed, to pharmacy_events_url
 *   ph.fetch_key                      a prescriber's public key from the
 *                                     clinic, then the check of every
 *                                     prescription waiting for it
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "conf.h"
#include "db.h"
#include "pool.h"
#include "req.h"
#include "valid.h"
#include "pharmacy.h"
#include "ph.h"
#include "../dispatch/dispatch.h"

static const char SQL_STORE_KEY[] =
    "INSERT IGNORE INTO ph_prescriber_key (fingerprint, prescriber_id, public_pem, fetched_at)"
    " VALUES (?, ?, ?, UTC_TIMESTAMP(6))";
static const char SQL_WAITING[] =
    "SELECT id FROM ph_prescription WHERE key_fingerprint = ? AND status = 'received'"
    " ORDER BY id";

/* ---- ph.clinic_event ---- */

static enum verdict
event_deliver(struct job *j, struct answer *a)
{
	struct json_object	*type, *data, *o;
	const char		*body;
	char			 ts[32];
	time_t			 now = time(NULL);
	struct tm		 tm;
	enum verdict		 v;

	if (!json_object_object_get_ex(j->payload, "type", &type) ||
	    !json_object_is_type(type, json_type_string) ||
	    !json_object_object_get_ex(j->payload, "data", &data)) {
		(void)snprintf(a->why, sizeof(a->why), "the payload has no type or data");
		return V_FAIL;
	}
	if (*conf.pharmacy_events_url == '\0' || *conf.pharmacy_clinic_secret_out == '\0') {
		(void)snprintf(a->why, sizeof(a->why),
		    "pharmacy_events_url or pharmacy_clinic_secret_out is not set");
		return V_RETRY;
	}
	if (gmtime_r(&now, &tm) == NULL || strftime(ts, sizeof(ts), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
		(void)snprintf(a->why, sizeof(a->why), "the clock cannot be read");
		return V_RETRY;
	}
	if ((o = json_object_new_object()) == NULL) {
		(void)snprintf(a->why, sizeof(a->why), "out of memory");
		return V_RETRY;
	}
	json_object_object_add(o, "type", json_object_get(type));
	json_object_object_add(o, "timestamp", json_object_new_string(ts));
	json_object_object_add(o, "data", json_object_get(data));
	if ((body = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN)) == NULL) {
		json_object_put(o);
		(void)snprintf(a->why, sizeof(a->why), "out of memory");
		return V_RETRY;
	}
	v = webhook_send(conf.pharmacy_events_url, "pharmacy_events_url",
	    conf.pharmacy_clinic_secret_out, j->key, body, strlen(body), a);
	json_object_put(o);
	return v;
}

static enum cerr
event_done(struct req *r, struct job *j, struct answer *a)
{
	(void)r;
	(void)j;
	(void)a;
	return CE_OK;
}

static enum cerr
event_failed(struct req *r, struct job *j, const char *why)
{
	(void)r;
	(void)j;
	(void)why;
	return CE_OK;
}

/* ---- ph.fetch_key ---- */

static const char *
fp_of(struct job *j)
{
	const char	*fp = valid_str_member(j->payload, "fingerprint");
	size_t		 i;

	if (fp == NULL || strlen(fp) != 64)
		return NULL;
	for (i = 0; i < 64; i++)
		if (!((fp[i] >= '0' && fp[i] <= '9') || (fp[i] >= 'a' && fp[i] <= 'f')))
			return NULL;
	return fp;
}

static int64_t
prescriber_of(struct job *j)
{
	struct json_object	*v;

	if (!json_object_object_get_ex(j->payload, "prescriber_id", &v) ||
	    !json_object_is_type(v, json_type_int))
		return 0;
	return json_object_get_int64(v);
}

static enum verdict
key_deliver(struct job *j, struct answer *a)
{
	struct http_req	 q;
	const char	*fp = fp_of(j);
	int64_t		 who = prescriber_of(j);
	char		 path[160];
	enum verdict	 v;

	if (fp == NULL || who <= 0) {
		(void)snprintf(a->why, sizeof(a->why), "the payload has no fingerprint or prescriber");
		return V_FAIL;
	}
	if (*conf.pharmacy_clinic_url == '\0') {
		(void)snprintf(a->why, sizeof(a->why), "pharmacy_clinic_url is not set");
		return V_RETRY;
	}
	(void)snprintf(path, sizeof(path), "/api/v1/prescriptions/keys/%" PRId64 "?fingerprint=%s",
	    who, fp);
	memset(&q, 0, sizeof(q));
	q.base = conf.pharmacy_clinic_url;
	q.base_name = "pharmacy_clinic_url";
	q.method = "GET";
	q.path = path;
	q.auth = NULL;
	q.any_2xx_ok = true;
	v = http_call(&q, a);
	/* the clinic says it has no such key: the waiting prescriptions are rejected (done) */
	if (v == V_FAIL && a->status == 404)
		return V_DONE;
	if (v == V_DONE && (a->body == NULL || a->len == 0)) {
		(void)snprintf(a->why, sizeof(a->why), "the clinic's answer holds no key");
		return V_FAIL;
	}
	return v;
}

static enum cerr
reject_all(struct req *r, const char *fp, const char *code, const char *message)
{
	struct db_res	*res;
	size_t		 i;
	enum cerr	 rc;

	if ((rc = db_exec(r->db, r->pool, &res, SQL_WAITING, "s", fp)) != CE_OK)
		return rc;
	for (i = 0; i < res->nrows; i++)
		if ((rc = ph_reject_received(r, db_int(res->rows[i][0]), code, message)) != CE_OK)
			return rc;
	return CE_OK;
}

static enum cerr
key_done(struct req *r, struct job *j, struct answer *a)
{
	const char	*fp = fp_of(j);
	struct db_res	*res;
	char		 got[65];
	size_t		 i;
	enum cerr	 rc;

	if (fp == NULL)
		return CE_OK;
	if (a->status == 404)
		return reject_all(r, fp, "key-unknown",
		    "the clinic does not publish the key that signed this prescription");
	if (ph_pem_fingerprint(a->body, a->len, got) != 0 || strcmp(got, fp) != 0)
		return reject_all(r, fp, "key-mismatch",
		    "the key the clinic publishes for this prescriber is not the one named");
	if ((rc = db_exec(r->db, r->pool, NULL, SQL_STORE_KEY, "sis", fp, prescriber_of(j),
	    a->body)) != CE_OK)
		return rc;
	if ((rc = db_exec(r->db, r->pool, &res, SQL_WAITING, "s", fp)) != CE_OK)
		return rc;
	for (i = 0; i < res->nrows; i++)
		if ((rc = ph_check_run(r, db_int(res->rows[i][0]), 0, NULL)) != CE_OK &&
		    rc != CE_NOTFOUND)
			return rc;
	return CE_OK;
}

static enum cerr
key_failed(struct req *r, struct job *j, const char *why)
{
	(void)r;
	(void)j;
	(void)why;
	return CE_OK;
}

static const struct kind kinds[] = {
	{ PH_CLINIC_KIND, true, false, event_deliver, event_done, event_failed },
	{ "ph.fetch_key", false, false, key_deliver, key_done, key_failed },
};

const struct kind *const	pharmacy_kinds = kinds;
const size_t			pharmacy_nkinds = nitems(kinds);
