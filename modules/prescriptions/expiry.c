/*
 * Expiry: a signed, sent, accepted, out-of-stock or awaiting-paper
 * prescription whose valid_until has passed becomes expired, each in its own
 * transaction with an event row, an audit row by the system and, as a
 * cancellation does (states.c), a "pharmacy.cancel" outbox message (key
 * rx-<id>-cancel, reason "expired") so that the pharmacy releases what it
 * reserved: every prescription the sweep finds was signed, so its
 * "pharmacy.prescription" message may have reached the pharmacy already (a
 * cancel of one the pharmacy never saw changes nothing there). Run before
 * every prescriptions read and list, and by the dispatch daemon once a
 * minute. Depends only on libclinic, so the daemon links this file alone.
 */
#include <inttypes.h>
#include <stdio.h>

#include <json-c/json.h>

#include "audit.h"
#include "db.h"
#include "outbox.h"
#include "req.h"
#include "rx.h"

#define SWEEP_MAX	100	/* at most this many per call */

static const char SQL_DUE[] =
    "SELECT id FROM prescription"
    " WHERE status IN ('signed','sent','accepted','out_of_stock','awaiting_paper')"
    " AND valid_until <= UTC_TIMESTAMP(6) ORDER BY valid_until, id LIMIT 100";
static const char SQL_LOCK[] =
    "SELECT p.status, p.patient_id, p.product_id, p.quantity, f.supply_unit"
    " FROM prescription p JOIN formulary_product f ON f.id = p.product_id WHERE p.id = ?"
    " AND p.status IN ('signed','sent','accepted','out_of_stock','awaiting_paper')"
    " AND p.valid_until <= UTC_TIMESTAMP(6) FOR UPDATE";
static const char SQL_EXPIRE[] =
    "UPDATE prescription SET status = 'expired', status_changed_at = UTC_TIMESTAMP(6),"
    " updated_at = UTC_TIMESTAMP(6) WHERE id = ?";
static const char SQL_EVENT[] =
    "INSERT INTO prescription_event (prescription_id, status, at, actor_id, reason)"
    " VALUES (?, 'expired', UTC_TIMESTAMP(6), NULL, 'validity ended')";

enum cerr
rx_expire_sweep(struct req *r, int *expired)
{
	struct db_res		*due, *res;
	struct json_object	*d, *payload;
	char			 eid[24], key[64];
	size_t			 i;
	enum cerr		 rc;

	*expired = 0;
	if ((rc = db_exec(r->db, r->pool, &due, SQL_DUE, "")) != CE_OK)
		return rc;
	for (i = 0; i < due->nrows && i < SWEEP_MAX; i++) {
		int64_t id = db_int(due->rows[i][0]);

		if ((rc = db_begin(r->db)) != CE_OK ||
		    (rc = db_exec(r->db, r->pool, &res, SQL_LOCK, "i", id)) != CE_OK)
			goto fail;
		if (res->nrows != 1) {	/* moved on meanwhile */
			db_rollback(r->db);
			continue;
		}
		if ((rc = db_exec(r->db, r->pool, NULL, SQL_EXPIRE, "i", id)) != CE_OK ||
		    (rc = db_exec(r->db, r->pool, NULL, SQL_EVENT, "i", id)) != CE_OK)
			goto fail;
		if ((payload = json_object_new_object()) == NULL) {
			rc = CE_NOMEM;
			goto fail;
		}
		json_object_object_add(payload, "prescription_id", json_object_new_int64(id));
		json_object_object_add(payload, "reason", json_object_new_string("expired"));
		(void)snprintf(key, sizeof(key), "rx-%" PRId64 "-cancel", id);
		/* CE_DUPLICATE: a cancellation was queued already (nothing written) */
		if ((rc = outbox_put(r, "pharmacy.cancel", key, payload)) != CE_OK &&
		    rc != CE_DUPLICATE)
			goto fail;
		if ((d = json_object_new_object()) != NULL) {
			json_object_object_add(d, "prescription_id", json_object_new_int64(id));
			json_object_object_add(d, "patient_id",
			    json_object_new_int64(db_int(res->rows[0][1])));
			json_object_object_add(d, "product_id",
			    json_object_new_int64(db_int(res->rows[0][2])));
			json_object_object_add(d, "quantity",
			    json_object_new_int64(db_int(res->rows[0][3])));
			json_object_object_add(d, "unit", json_object_new_string(res->rows[0][4]));
			json_object_object_add(d, "from", json_object_new_string(res->rows[0][0]));
		}
		(void)snprintf(eid, sizeof(eid), "%" PRId64, id);
		if ((rc = audit_as(r, 0, "system", NULL, "prescription.expire", "prescription", eid,
		    "success", d, true)) != CE_OK)
			goto fail;
		(*expired)++;
	}
	return CE_OK;
fail:
	db_rollback(r->db);
	return rc;
}
