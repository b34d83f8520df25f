/*
 * Booking a courier (linked into dispatch): outbox kind COURIER_KIND
 * ("ph.courier_book", payload {shipment_id, prescription_id}). At delivery
 * the recipient is read from the signed prescription document the pharmacy
 * holds (so no address sits in the outbox), and the shipment is booked with
 * POST {courier_url}/v1/shipments (Bearer courier_api_key) carrying the
 * row's idempotency key as Idempotency-Key: a retry after a lost answer gets
 * the same shipment back, never a second parcel. done() stores the courier's
 * id and tracking number, marks the prescription 'shipped' and tells the
 * clinic (prescription.shipped); failed() marks the shipment 'failed' so a
 * pharmacist can ask again.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "audit.h"
#include "conf.h"
#include "courier.h"
#include "db.h"
#include "pharmacy.h"
#include "pool.h"
#include "req.h"
#include "valid.h"
#include "../dispatch/dispatch.h"

static const char SQL_READ[] =
    "SELECT s.status, s.service, p.document, p.id, p.clinic_rx_id"
    " FROM ph_shipment s JOIN ph_prescription p ON p.id = s.prescription_id WHERE s.id = ?";
static const char SQL_BOOKED[] =
    "UPDATE ph_shipment SET status = 'booked', courier_ref = ?, tracking_number = ?,"
    " tracking_url = ?, updated_at = UTC_TIMESTAMP(6) WHERE id = ? AND status = 'requested'";
static const char SQL_RX_SHIPPED[] =
    "UPDATE ph_prescription SET status = 'shipped', status_changed_at = UTC_TIMESTAMP(6)"
    " WHERE id = ? AND status = 'dispensed'";
static const char SQL_FAILED[] =
    "UPDATE ph_shipment SET status = 'failed', updated_at = UTC_TIMESTAMP(6)"
    " WHERE id = ? AND status = 'requested'";

static bool
payload_int(struct json_object *p, const char *name, int64_t *v)
{
	struct json_object	*x;

	if (!json_object_object_get_ex(p, name, &x) || x == NULL ||
	    !json_object_is_type(x, json_type_int) || (*v = json_object_get_int64(x)) <= 0)
		return false;
	return true;
}

static bool
add(struct json_object *o, const char *k, struct json_object *v)
{
	if (o == NULL || v == NULL || json_object_object_add(o, k, v) != 0) {
		json_object_put(v);
		return false;
	}
	return true;
}

/* 1..max characters each alphanumeric or in extra. */
static bool
token(const char *s, size_t max, const char *extra)
{
	size_t	i;

	if (s == NULL || *s == '\0')
		return false;
	for (i = 0; s[i] != '\0'; i++)
		if (i >= max || !((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= 'a' && s[i] <= 'z') || strchr(extra, s[i]) != NULL))
			return false;
	return true;
}

/* A tracking link we are willing to show patients: http(s), printable, bounded. */
static bool
link_ok(const char *s)
{
	size_t	i;

	if (s == NULL || (strncmp(s, "https://", 8) != 0 && strncmp(s, "http://", 7) != 0))
		return false;
	for (i = 0; s[i] != '\0'; i++)
		if (i >= 500 || (unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f ||
		    s[i] == '"' || s[i] == '<' || s[i] == '>')
			return false;
	return true;
}

static enum verdict
book_deliver(struct job *j, struct answer *a)
{
	struct db_res		*res;
	struct json_object	*b, *rc_o, *lines, *parcel;
	struct courier_doc	 doc;
	struct http_req		 q;
	const char		*why, *text;
	char			 auth[600], ref[32];
	int64_t			 ship;
	size_t			 i;
	enum verdict		 v;
	enum cerr		 rc;

	if (!payload_int(j->payload, "shipment_id", &ship)) {
		(void)snprintf(a->why, sizeof(a->why), "the payload names no shipment_id");
		return V_FAIL;
	}
	if (j->r == NULL) {
		(void)snprintf(a->why, sizeof(a->why), "no database connection");
		return V_RETRY;
	}
	if ((rc = db_exec(j->r->db, j->r->pool, &res, SQL_READ, "i", ship)) != CE_OK) {
		(void)snprintf(a->why, sizeof(a->why), "reading shipment %" PRId64 ": %s", ship,
		    cerr_str(rc));
		return V_RETRY;
	}
	if (res->nrows != 1) {
		(void)snprintf(a->why, sizeof(a->why), "no shipment %" PRId64, ship);
		return V_FAIL;
	}
	if (strcmp(res->rows[0][0], "requested") != 0) {
		/* booked already (an earlier attempt's outcome was recorded): nothing to send */
		if ((a->json = json_object_new_object()) == NULL ||
		    !add(a->json, "skipped", json_object_new_string(res->rows[0][0]))) {
			(void)snprintf(a->why, sizeof(a->why), "out of memory");
			return V_RETRY;
		}
		return V_DONE;
	}
	if (*conf.courier_url == '\0' || *conf.courier_api_key == '\0') {
		(void)snprintf(a->why, sizeof(a->why), "courier_url or courier_api_key is not set");
		return V_FAIL;
	}
	if (courier_doc_read(res->rows[0][2], res->lens[0][2], &doc, &why) != 0) {
		(void)snprintf(a->why, sizeof(a->why), "%s", why);
		return V_FAIL;
	}
	if ((size_t)snprintf(auth, sizeof(auth), "Bearer %s", conf.courier_api_key) >=
	    sizeof(auth)) {
		(void)snprintf(a->why, sizeof(a->why), "courier_api_key is too long");
		return V_FAIL;
	}
	(void)snprintf(ref, sizeof(ref), "PH-%s", res->rows[0][3]);
	b = json_object_new_object();
	rc_o = json_object_new_object();
	lines = json_object_new_array();
	parcel = json_object_new_object();
	for (i = 0; lines != NULL && i < doc.nlines; i++) {
		struct json_object	*l = json_object_new_string(doc.lines[i]);

		if (l == NULL || json_object_array_add(lines, l) != 0) {
			json_object_put(l);
			break;
		}
	}
	if (b == NULL || rc_o == NULL || lines == NULL || parcel == NULL || i != doc.nlines ||
	    !add(rc_o, "name", json_object_new_string(doc.name)) ||
	    !add(rc_o, "address_lines", json_object_get(lines)) ||
	    !add(rc_o, "postcode", json_object_new_string(doc.postcode)) ||
	    !add(parcel, "weight_g", json_object_new_int64(doc.weight_g)) ||
	    !add(b, "reference", json_object_new_string(ref)) ||
	    !add(b, "service", json_object_new_string(res->rows[0][1])) ||
	    !add(b, "recipient", json_object_get(rc_o)) ||
	    !add(b, "parcel", json_object_get(parcel)) ||
	    (text = json_object_to_json_string_ext(b, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE)) == NULL) {
		json_object_put(lines);
		json_object_put(rc_o);
		json_object_put(parcel);
		json_object_put(b);
		(void)snprintf(a->why, sizeof(a->why), "out of memory");
		return V_RETRY;
	}
	json_object_put(lines);
	json_object_put(rc_o);
	json_object_put(parcel);
	memset(&q, 0, sizeof(q));
	q.base = conf.courier_url;
	q.base_name = "courier_url";
	q.method = "POST";
	q.path = "/v1/shipments";
	q.auth = auth;
	q.key = j->key;
	q.type = "application/json";
	q.body = text;
	q.len = strlen(text);
	v = http_call(&q, a);
	json_object_put(b);
	if (v != V_DONE)
		return v;
	if (a->json == NULL || !token(valid_str_member(a->json, "id"), 64, "_-") ||
	    !token(valid_str_member(a->json, "tracking_number"), 64, "") ||
	    (valid_str_member(a->json, "tracking_url") != NULL &&
	    !link_ok(valid_str_member(a->json, "tracking_url")))) {
		(void)snprintf(a->why, sizeof(a->why), "the courier's answer (HTTP %ld) has no usable"
		    " id, tracking_number or tracking_url", a->status);
		return V_FAIL;
	}
	return V_DONE;
}

/*
 * What the clinic is told the parcel went with: "<carrier>, <service>" when
 * the courier's answer names itself in plain text (1..60 printable
 * characters), else the service's name. Pool string; NULL on OOM.
 */
static const char *
courier_name(struct req *r, const char *carrier, const char *service)
{
	size_t	i;

	if (carrier == NULL || *carrier == '\0')
		return courier_service_label(service);
	for (i = 0; carrier[i] != '\0'; i++)
		if (i >= 60 || (unsigned char)carrier[i] < 0x20 || carrier[i] == 0x7f)
			return courier_service_label(service);
	return pool_printf(r->pool, "%s, %s", carrier, courier_service_label(service));
}

static enum cerr
book_done(struct req *r, struct job *j, struct answer *a)
{
	struct db_res		*res;
	struct json_object	*d, *m;
	const char		*id, *tn, *url, *name;
	char			 eid[24], key[96];
	int64_t			 ship;
	enum cerr		 rc;

	if (a->json == NULL || (id = valid_str_member(a->json, "id")) == NULL ||
	    !payload_int(j->payload, "shipment_id", &ship))
		return CE_OK;	/* nothing was booked by this attempt */
	tn = valid_str_member(a->json, "tracking_number");
	url = valid_str_member(a->json, "tracking_url");
	if ((rc = db_exec(r->db, r->pool, NULL, SQL_BOOKED, "sssi", id, tn, url, ship)) != CE_OK)
		return rc;
	if (db_affected(r->db) == 0)
		return CE_OK;
	if ((rc = db_exec(r->db, r->pool, &res, SQL_READ, "i", ship)) != CE_OK)
		return rc;
	if (res->nrows != 1)
		return CE_OK;
	if ((rc = db_exec(r->db, r->pool, NULL, SQL_RX_SHIPPED, "i", db_int(res->rows[0][3]))) !=
	    CE_OK)
		return rc;
	m = json_object_new_object();
	if (!add(m, "prescription_id", json_object_new_int64(db_int(res->rows[0][4]))) ||
	    !add(m, "pharmacy_ref", json_object_new_string(res->rows[0][3])) ||
	    (name = courier_name(r, valid_str_member(a->json, "carrier"), res->rows[0][1])) ==
	    NULL || !add(m, "courier", json_object_new_string(name)) ||
	    !add(m, "tracking_number", json_object_new_string(tn)) ||
	    (url != NULL ? !add(m, "tracking_url", json_object_new_string(url)) :
	    json_object_object_add(m, "tracking_url", NULL) != 0)) {
		json_object_put(m);
		return CE_NOMEM;
	}
	(void)snprintf(key, sizeof(key), "ph-rx-%s-shipped", res->rows[0][4]);
	if ((rc = ph_emit(r, "prescription.shipped", key, m)) != CE_OK && rc != CE_DUPLICATE)
		return rc;
	(void)snprintf(eid, sizeof(eid), "%" PRId64, ship);
	d = json_object_new_object();
	if (!add(d, "prescription_id", json_object_new_int64(db_int(res->rows[0][3]))) ||
	    !add(d, "courier_ref", json_object_new_string(id)) ||
	    !add(d, "tracking_number", json_object_new_string(tn))) {
		json_object_put(d);
		return CE_NOMEM;
	}
	return audit_as(r, 0, "system", NULL, "courier.booked", "ph_shipment", eid, "success", d,
	    false);
}

static enum cerr
book_failed(struct req *r, struct job *j, const char *why)
{
	struct json_object	*d;
	char			 eid[24];
	int64_t			 ship;
	enum cerr		 rc;

	if (!payload_int(j->payload, "shipment_id", &ship))
		return CE_OK;
	if ((rc = db_exec(r->db, r->pool, NULL, SQL_FAILED, "i", ship)) != CE_OK)
		return rc;
	if (db_affected(r->db) == 0)
		return CE_OK;
	(void)snprintf(eid, sizeof(eid), "%" PRId64, ship);
	d = json_object_new_object();
	if (!add(d, "error", json_object_new_string(why))) {
		json_object_put(d);
		return CE_NOMEM;
	}
	return audit_as(r, 0, "system", NULL, "courier.booking_failed", "ph_shipment", eid,
	    "failure", d, false);
}

static const struct kind table[] = {
	{ COURIER_KIND, false, false, book_deliver, book_done, book_failed },
};

const struct kind *const	courier_kinds = table;
const size_t			courier_nkinds = nitems(table);
