/*
 * A prescription's states after signing: cancellation (with a reason) and
 * the plain words each state shows patients (docs/API.md#prescribing).
 * Expiry is expiry.c (the dispatch daemon runs it too).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "audit.h"
#include "db.h"
#include "outbox.h"
#include "pool.h"
#include "reply.h"
#include "req.h"
#include "rx.h"

static const char SQL_CANCEL[] =
    "UPDATE prescription SET status = 'cancelled', cancelled_by = ?, cancel_reason = ?,"
    " status_changed_at = UTC_TIMESTAMP(6), updated_at = UTC_TIMESTAMP(6) WHERE id = ?";

const char *
rx_status_label(const char *s)
{
	static const struct { const char *status, *label; } labels[] = {
		{ "draft", "Being prepared by your clinician" },
		{ "signed", "Signed \xe2\x80\x94 on its way to the pharmacy" },
		{ "sent", "Sent to the pharmacy" },
		{ "accepted", "Accepted by the pharmacy" },
		{ "rejected", "Not accepted by the pharmacy \xe2\x80\x94 your clinician will be in"
		    " touch" },
		{ "out_of_stock", "Waiting for stock at the pharmacy" },
		{ "dispensed", "Dispensed by the pharmacy" },
		{ "shipped", "On its way to you" },
		{ "delivered", "Delivered" },
		{ "cancelled", "Cancelled" },
		{ "expired", "Expired" },
	};
	size_t	i;

	for (i = 0; s != NULL && i < nitems(labels); i++)
		if (strcmp(labels[i].status, s) == 0)
			return labels[i].label;
	return "Unknown";
}

int
rx_cancel(struct req *r)
{
	static const char *const cancellable[] = { "draft", "signed", "sent", "accepted",
		"out_of_stock" };
	struct rx_row		 x;
	struct product		 pr;
	struct json_object	*o, *d, *payload;
	const char		*reason = r->in.vals[0].s;
	char			 eid[24], key[64];
	bool			 ok = false;
	size_t			 i;
	int			 st;
	enum cerr		 rc;

	if ((st = rx_reach(r, true, &x)) != 0)
		return st;
	if (r->who.role != ROLE_ADMIN && x.prescriber_id != r->who.user_id) {
		db_rollback(r->db);
		return reply_problem(r, 403, "forbidden", "Not your prescription",
		    "Only its prescriber or an administrator may cancel a prescription.");
	}
	for (i = 0; i < nitems(cancellable); i++)
		if (strcmp(x.status, cancellable[i]) == 0)
			ok = true;
	if (!ok) {
		db_rollback(r->db);
		return reply_problem(r, 409, "cannot-cancel", "Cannot be cancelled",
		    pool_printf(r->pool, "The prescription is %s: only a draft, or one signed, sent,"
		    " accepted or waiting for stock, can be cancelled.", x.status));
	}
	(void)snprintf(eid, sizeof(eid), "%" PRId64, x.id);
	if ((rc = db_exec(r->db, r->pool, NULL, SQL_CANCEL, "isi", r->who.user_id, reason,
	    x.id)) != CE_OK ||
	    (rc = rx_event(r, x.id, "cancelled", r->who.user_id, reason)) != CE_OK)
		return reply_db(r, rc);
	if (x.signed_at != NULL) {
		if ((payload = json_object_new_object()) == NULL)
			return reply_internal(r, "out of memory");
		json_object_object_add(payload, "prescription_id", json_object_new_int64(x.id));
		json_object_object_add(payload, "reason", json_object_new_string(reason));
		(void)snprintf(key, sizeof(key), "rx-%" PRId64 "-cancel", x.id);
		if ((rc = outbox_put(r, "pharmacy.cancel", key, payload)) != CE_OK)
			return reply_db(r, rc);
	}
	if ((rc = product_load(r, x.product_id, &pr)) != CE_OK)
		return reply_db(r, rc);
	if ((d = rx_audit_details(&x, pr.supply_unit)) != NULL)
		json_object_object_add(d, "from", json_object_new_string(x.status));
	if ((rc = audit_commit(r, "prescription.cancel", "prescription", eid, "success", d)) != CE_OK)
		return reply_db(r, rc);
	if ((rc = rx_load(r, x.id, false, &x)) != CE_OK)
		return reply_db(r, rc);
	if ((o = rx_json(r, &x)) == NULL)
		return reply_internal(r, "cannot show the prescription");
	return reply_json(r, 200, o);
}
