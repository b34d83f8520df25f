/*
 * Shipments, as pharmacists see and ask for them (docs/API.md#courier-and-
 * shipments): booking a courier for a prescription dispensed for delivery
 * (a ph_shipment 'requested' and its outbox row COURIER_KIND, in one
 * transaction; dispatch books it with the courier, courier_kinds.c), the
 * shipment of a prescription, the list and one shipment with its tracking
 * events.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "audit.h"
#include "courier.h"
#include "db.h"
#include "outbox.h"
#include "patient.h"
#include "reply.h"
#include "req.h"

#define ISO(col)	"DATE_FORMAT(" col ", '%Y-%m-%dT%H:%i:%sZ')"
#define SHIP_COLS \
	"s.id, s.prescription_id, p.clinic_rx_id, p.patient_name, p.status, s.status, s.service," \
	" s.courier_ref, s.tracking_number, s.tracking_url, " ISO("s.delivered_at") ", s.proof," \
	" " ISO("s.created_at") ", " ISO("s.updated_at") ", s.booked_by," \
	" (SELECT CONCAT(u.given_name, ' ', u.family_name) FROM users u WHERE u.id = s.booked_by)"

static const char SQL_BY_RX[] =
    "SELECT " SHIP_COLS " FROM ph_shipment s JOIN ph_prescription p ON p.id = s.prescription_id"
    " WHERE s.prescription_id = ?";
static const char SQL_BY_ID[] =
    "SELECT " SHIP_COLS " FROM ph_shipment s JOIN ph_prescription p ON p.id = s.prescription_id"
    " WHERE s.id = ?";
static const char SQL_EVENTS[] =
    "SELECT status, description, location, " ISO("at") ", " ISO("received_at")
    " FROM ph_shipment_event WHERE shipment_id = ? ORDER BY at, id";
/* the booking's outbox row (its payload holds only ids) */
static const char SQL_BOOKING[] =
    "SELECT attempts, last_error, " ISO("next_attempt_at") ", status FROM outbox"
    " WHERE kind = '" COURIER_KIND "' AND idempotency_key LIKE CONCAT('ph-ship-', ?, '%')"
    " AND (idempotency_key = CONCAT('ph-ship-', ?)"
    " OR idempotency_key LIKE CONCAT('ph-ship-', ?, '-%'))"
    " ORDER BY id DESC LIMIT 1";
static const char SQL_LAST_EVENT[] =
    "SELECT status, description, location, " ISO("at") " FROM ph_shipment_event"
    " WHERE shipment_id = ? ORDER BY at DESC, id DESC LIMIT 1";
/* open shipments first (oldest change first), then finished ones, newest first */
#define LIST_ORDER \
	" ORDER BY s.status IN ('delivered', 'cancelled') ," \
	" CASE WHEN s.status IN ('delivered', 'cancelled') THEN 0" \
	" ELSE TIMESTAMPDIFF(SECOND, '2000-01-01', s.updated_at) END," \
	" s.updated_at DESC, s.id DESC LIMIT ?"
static const char SQL_LIST[] =
    "SELECT " SHIP_COLS " FROM ph_shipment s JOIN ph_prescription p ON p.id = s.prescription_id"
    LIST_ORDER;
static const char SQL_LIST_STATUS[] =
    "SELECT " SHIP_COLS " FROM ph_shipment s JOIN ph_prescription p ON p.id = s.prescription_id"
    " WHERE s.status = ?" LIST_ORDER;
static const char SQL_COUNTS[] =
    "SELECT status, COUNT(*) FROM ph_shipment GROUP BY status";
static const char SQL_RX_LOCK[] =
    "SELECT p.status, p.clinic_rx_id, p.document,"
    " (SELECT COUNT(*) FROM ph_dispense d WHERE d.prescription_id = p.id AND d.method = 'courier')"
    " FROM ph_prescription p WHERE p.id = ? FOR UPDATE";
static const char SQL_RX_READ[] =
    "SELECT p.status, p.clinic_rx_id, NULL,"
    " (SELECT COUNT(*) FROM ph_dispense d WHERE d.prescription_id = p.id AND d.method = 'courier')"
    " FROM ph_prescription p WHERE p.id = ?";
static const char SQL_SHIP_LOCK[] =
    "SELECT id, status, courier_ref FROM ph_shipment WHERE prescription_id = ? FOR UPDATE";
static const char SQL_SHIP_NEW[] =
    "INSERT INTO ph_shipment (prescription_id, status, service, booked_by, created_at, updated_at)"
    " VALUES (?, 'requested', ?, ?, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))";
static const char SQL_SHIP_AGAIN[] =
    "UPDATE ph_shipment SET status = 'requested', service = ?, booked_by = ?,"
    " updated_at = UTC_TIMESTAMP(6) WHERE id = ?";

static bool
add(struct json_object *o, const char *k, struct json_object *v)
{
	if (o == NULL || json_object_object_add(o, k, v) != 0) {
		json_object_put(v);
		return false;
	}
	return true;
}

static bool
add_str(struct json_object *o, const char *k, const char *v)
{
	struct json_object	*s = NULL;

	if (v != NULL && (s = json_object_new_string(v)) == NULL)
		return false;
	return add(o, k, s);
}

static bool
add_int(struct json_object *o, const char *k, int64_t v)
{
	struct json_object	*s = json_object_new_int64(v);

	return s != NULL && add(o, k, s);
}

/* What pharmacists should read of a status. */
static const char *
status_label(const char *st)
{
	static const char *const labels[][2] = {
		{ "requested", "Booking with the courier" },
		{ "booked", "Booked: waiting for collection" },
		{ "collected", "Collected by the courier" },
		{ "in_transit", "In transit" },
		{ "out_for_delivery", "Out for delivery" },
		{ "delivered", "Delivered" },
		{ "failed", "Booking failed" },
		{ "cancelled", "Cancelled" },
	};
	size_t	i;

	for (i = 0; i < nitems(labels); i++)
		if (strcmp(st, labels[i][0]) == 0)
			return labels[i][1];
	return st;
}

/* One shipment row (SHIP_COLS) as JSON; NULL on OOM. */
static struct json_object *
row_json(char **row)
{
	struct json_object	*o = json_object_new_object(), *rx = json_object_new_object(),
				*proof = NULL;
	bool			 ok;

	if (row[11] != NULL && (proof = json_tokener_parse(row[11])) == NULL) {
		json_object_put(o);
		json_object_put(rx);
		return NULL;
	}
	ok = o != NULL && rx != NULL && add(o, "proof", proof) &&
	    add_int(o, "id", db_int(row[0])) &&
	    add_int(rx, "id", db_int(row[1])) && add_int(rx, "clinic_rx_id", db_int(row[2])) &&
	    add_str(rx, "patient_name", row[3]) && add_str(rx, "status", row[4]) &&
	    add(o, "prescription", json_object_get(rx)) &&
	    add_str(o, "status", row[5]) && add_str(o, "status_label", status_label(row[5])) &&
	    add_str(o, "service", row[6]) &&
	    add_str(o, "service_label", courier_service_label(row[6])) &&
	    add_str(o, "courier_ref", row[7]) && add_str(o, "tracking_number", row[8]) &&
	    add_str(o, "tracking_url", row[9]) && add_str(o, "delivered_at", row[10]) &&
	    add_str(o, "created_at", row[12]) &&
	    add_str(o, "updated_at", row[13]) && add_int(o, "booked_by", db_int(row[14])) &&
	    add_str(o, "booked_by_name", row[15]);
	json_object_put(rx);
	if (!ok) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static struct json_object *
event_json(char **row, bool received)
{
	struct json_object	*e = json_object_new_object();

	if (e == NULL || !add_str(e, "status", row[0]) || !add_str(e, "description", row[1]) ||
	    !add_str(e, "location", row[2]) || !add_str(e, "at", row[3]) ||
	    (received && !add_str(e, "received_at", row[4]))) {
		json_object_put(e);
		return NULL;
	}
	return e;
}

/* The shipment of res's first row with its events into *out. */
static enum cerr
full_json(struct req *r, struct db_res *res, struct json_object **out)
{
	struct db_res		*ev;
	struct json_object	*o, *a, *e;
	size_t			 i;
	enum cerr		 rc;

	*out = NULL;
	if (res->nrows == 0)
		return CE_OK;
	if ((rc = db_exec(r->db, r->pool, &ev, SQL_EVENTS, "i", db_int(res->rows[0][0]))) != CE_OK)
		return rc;
	if ((o = row_json(res->rows[0])) == NULL)
		return CE_NOMEM;
	if ((a = json_object_new_array()) == NULL || !add(o, "events", a)) {
		json_object_put(o);
		return CE_NOMEM;
	}
	/* while booking, or after it failed: how the calls to the courier went */
	if (strcmp(res->rows[0][5], "requested") == 0 || strcmp(res->rows[0][5], "failed") == 0) {
		struct db_res		*bk;
		struct json_object	*b = NULL;

		if ((rc = db_exec(r->db, r->pool, &bk, SQL_BOOKING, "sss", res->rows[0][0],
		    res->rows[0][0], res->rows[0][0])) != CE_OK) {
			json_object_put(o);
			return rc;
		}
		if (bk->nrows > 0 && ((b = json_object_new_object()) == NULL ||
		    !add_int(b, "attempts", db_int(bk->rows[0][0])) ||
		    !add_str(b, "last_error", bk->rows[0][1]) ||
		    !add_str(b, "next_attempt_at", strcmp(bk->rows[0][3], "pending") == 0 ?
		    bk->rows[0][2] : NULL))) {
			json_object_put(b);
			json_object_put(o);
			return CE_NOMEM;
		}
		if (!add(o, "booking", b)) {
			json_object_put(o);
			return CE_NOMEM;
		}
	}
	for (i = 0; i < ev->nrows; i++)
		if ((e = event_json(ev->rows[i], true)) == NULL || json_object_array_add(a, e) != 0) {
			json_object_put(e);
			json_object_put(o);
			return CE_NOMEM;
		}
	*out = o;
	return CE_OK;
}

enum cerr
courier_shipment_json(struct req *r, int64_t rx_id, struct json_object **out)
{
	struct db_res	*res;
	enum cerr	 rc;

	*out = NULL;
	if ((rc = db_exec(r->db, r->pool, &res, SQL_BY_RX, "i", rx_id)) != CE_OK)
		return rc;
	return full_json(r, res, out);
}

int
courier_get(struct req *r)
{
	struct db_res		*res;
	struct json_object	*o;
	int64_t			 id = req_id(r, "id");
	enum cerr		 rc;

	if (id <= 0)
		return reply_problem(r, 404, "not-found", "No such shipment", NULL);
	if ((rc = db_exec(r->db, r->pool, &res, SQL_BY_ID, "i", id)) != CE_OK ||
	    (rc = full_json(r, res, &o)) != CE_OK)
		return rc == CE_NOMEM ? reply_internal(r, "out of memory") : reply_db(r, rc);
	if (o == NULL)
		return reply_problem(r, 404, "not-found", "No such shipment", NULL);
	return reply_json(r, 200, o);
}

int
courier_list(struct req *r)
{
	struct db_res		*res, *ev, *cnt;
	struct json_object	*o, *a, *s, *c, *e;
	int64_t			 limit = r->q.vals[1].present ? r->q.vals[1].i : 100;
	size_t			 i;
	enum cerr		 rc;

	rc = r->q.vals[0].present ?
	    db_exec(r->db, r->pool, &res, SQL_LIST_STATUS, "si", r->q.vals[0].s, limit) :
	    db_exec(r->db, r->pool, &res, SQL_LIST, "i", limit);
	if (rc != CE_OK || (rc = db_exec(r->db, r->pool, &cnt, SQL_COUNTS, "")) != CE_OK)
		return reply_db(r, rc);
	o = json_object_new_object();
	if ((a = json_object_new_array()) == NULL || !add(o, "shipments", a) ||
	    (c = json_object_new_object()) == NULL || !add(o, "counts", c)) {
		json_object_put(o);
		return reply_internal(r, "out of memory");
	}
	for (i = 0; i < cnt->nrows; i++)
		if (!add_int(c, cnt->rows[i][0], db_int(cnt->rows[i][1]))) {
			json_object_put(o);
			return reply_internal(r, "out of memory");
		}
	for (i = 0; i < res->nrows; i++) {
		if ((rc = db_exec(r->db, r->pool, &ev, SQL_LAST_EVENT, "i",
		    db_int(res->rows[i][0]))) != CE_OK) {
			json_object_put(o);
			return reply_db(r, rc);
		}
		e = NULL;
		if ((s = row_json(res->rows[i])) == NULL) {
			json_object_put(o);
			return reply_internal(r, "out of memory");
		}
		if (json_object_array_add(a, s) != 0) {
			json_object_put(s);
			json_object_put(o);
			return reply_internal(r, "out of memory");
		}
		if ((ev->nrows > 0 && (e = event_json(ev->rows[0], false)) == NULL) ||
		    !add(s, "last_event", e)) {
			json_object_put(o);
			return reply_internal(r, "out of memory");
		}
	}
	return reply_json(r, 200, o);
}

/*
 * Whether prescription rx may be booked: *why NULL when it may, else why not
 * (plain words). status, dispensed-by-courier count as SQL_RX_LOCK reads them.
 */
static const char *
why_not(const char *status, int64_t courier_dispenses)
{
	if (strcmp(status, "dispensed") != 0) {
		if (strcmp(status, "shipped") == 0 || strcmp(status, "delivered") == 0)
			return "it has been handed to the courier already";
		return "it has not been dispensed yet";
	}
	if (courier_dispenses == 0)
		return "it was dispensed for collection, not for delivery";
	return NULL;
}

/* A refusal inside the booking transaction: nothing it did stays. */
static int
rollback_problem(struct req *r, int status, const char *slug, const char *title,
    const char *detail)
{
	db_rollback(r->db);
	return reply_problem(r, status, slug, title, detail);
}

int
courier_rx_shipment(struct req *r)
{
	struct db_res		*res;
	struct json_object	*o, *s;
	const char		*why;
	int64_t			 id = req_id(r, "id");
	enum cerr		 rc;

	if (id <= 0)
		return reply_problem(r, 404, "not-found", "No such prescription", NULL);
	if ((rc = db_exec(r->db, r->pool, &res, SQL_RX_READ, "i", id)) != CE_OK)
		return reply_db(r, rc);
	if (res->nrows == 0)
		return reply_problem(r, 404, "not-found", "No such prescription", NULL);
	if ((rc = courier_shipment_json(r, id, &s)) != CE_OK)
		return rc == CE_NOMEM ? reply_internal(r, "out of memory") : reply_db(r, rc);
	why = why_not(res->rows[0][0], db_int(res->rows[0][3]));
	if (s != NULL && strcmp(json_object_get_string(json_object_object_get(s, "status")),
	    "failed") != 0)
		why = "a shipment is booked already";
	else if (why == NULL && r->who.role != ROLE_PHARMACIST)
		why = "only a pharmacist books the courier";
	o = json_object_new_object();
	if (!add(o, "shipment", s) || !add(o, "can_book", json_object_new_boolean(why == NULL)) ||
	    !add_str(o, "cannot_book_reason", why) ||
	    !add_str(o, "prescription_status", res->rows[0][0])) {
		json_object_put(o);
		return reply_internal(r, "out of memory");
	}
	return reply_json(r, 200, o);
}

int
courier_book(struct req *r)
{
	struct db_res		*rx, *sh;
	struct json_object	*p, *d, *s;
	struct courier_doc	 doc;
	const char		*why, *service = r->in.vals[0].present ? r->in.vals[0].s :
				    COURIER_DEFAULT_SERVICE;
	char			 key[OUTBOX_KEY_MAX + 1], eid[24];
	int64_t			 id = req_id(r, "id"), ship;
	bool			 again = false;
	enum cerr		 rc;

	if (id <= 0)
		return reply_problem(r, 404, "not-found", "No such prescription", NULL);
	if ((rc = db_begin(r->db)) != CE_OK ||
	    (rc = db_exec(r->db, r->pool, &rx, SQL_RX_LOCK, "i", id)) != CE_OK)
		return reply_db(r, rc);
	if (rx->nrows == 0)
		return rollback_problem(r, 404, "not-found", "No such prescription", NULL);
	if ((rc = db_exec(r->db, r->pool, &sh, SQL_SHIP_LOCK, "i", id)) != CE_OK)
		return reply_db(r, rc);
	if (sh->nrows > 0 && strcmp(sh->rows[0][1], "failed") != 0)
		return rollback_problem(r, 409, "shipment-exists", "A shipment is booked already",
		    "This prescription has a shipment; see GET .../shipment.");
	if ((why = why_not(rx->rows[0][0], db_int(rx->rows[0][3]))) != NULL)
		return rollback_problem(r, 409, "not-for-delivery", "This prescription cannot be shipped",
		    why);
	if (courier_doc_read(rx->rows[0][2], rx->lens[0][2], &doc, &why) != 0)
		return rollback_problem(r, 422, "no-address", "The parcel cannot be addressed", why);
	if (sh->nrows > 0) {
		/* a booking that failed: asked for again, with a new key for the courier */
		ship = db_int(sh->rows[0][0]);
		again = true;
		if ((rc = db_exec(r->db, r->pool, NULL, SQL_SHIP_AGAIN, "sii", service,
		    r->who.user_id, ship)) != CE_OK)
			return reply_db(r, rc);
		(void)snprintf(key, sizeof(key), "ph-ship-%" PRId64 "-%lld", ship,
		    (long long)time(NULL));
	} else {
		if ((rc = db_exec(r->db, r->pool, NULL, SQL_SHIP_NEW, "isi", id, service,
		    r->who.user_id)) != CE_OK)
			return reply_db(r, rc);
		ship = (int64_t)db_insert_id(r->db);
		(void)snprintf(key, sizeof(key), "ph-ship-%" PRId64, ship);
	}
	if ((p = json_object_new_object()) == NULL || !add_int(p, "shipment_id", ship) ||
	    !add_int(p, "prescription_id", id)) {
		json_object_put(p);
		return reply_internal(r, "out of memory");
	}
	if ((rc = outbox_put(r, COURIER_KIND, key, p)) == CE_DUPLICATE)
		return rollback_problem(r, 503, "busy", "A booking was asked for a moment ago",
		    "Try again in a second.");
	if (rc != CE_OK)
		return reply_db(r, rc);
	(void)snprintf(eid, sizeof(eid), "%" PRId64, ship);
	if ((d = json_object_new_object()) == NULL || !add_int(d, "prescription_id", id) ||
	    !add_str(d, "service", service) || !add(d, "again", json_object_new_boolean(again)) ||
	    !add_str(d, "outbox_key", key)) {
		json_object_put(d);
		return reply_internal(r, "out of memory");
	}
	if ((rc = audit_commit(r, "courier.requested", "ph_shipment", eid, "success", d)) != CE_OK)
		return reply_db(r, rc);
	if ((rc = courier_shipment_json(r, id, &s)) != CE_OK || s == NULL)
		return rc == CE_OK ? reply_internal(r, "the shipment vanished") :
		    rc == CE_NOMEM ? reply_internal(r, "out of memory") : reply_db(r, rc);
	return reply_json(r, 202, s);
}
