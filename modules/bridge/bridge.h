#ifndef CLINIC_BRIDGE_H
#define CLINIC_BRIDGE_H
/*
 * bridge.fcgi: the clinic's side of the pharmacy bridge (issue 6,
 * docs/API.md#bridge). Partner pharmacies post their messages to
 * /api/v1/bridge/events/{code} (Standard Webhooks, docs/WEBHOOKS.md); each
 * verified message is applied once (bridge_inbox) by bridge_apply(). The
 * same program serves the pipeline dashboard, in-portal notifications,
 * stock levels and the outbox's dead letters.
 *
 * Declarations shared between the two halves: in_*.c (receiving, partners,
 * outbox) and view_*.c (applying messages, pipeline, notifications, stock).
 */
#include <stdbool.h>
#include <stdint.h>

#include "err.h"

struct req;
struct pool;
struct json_object;

/* What bridge_apply() made of a message (stored in bridge_inbox.outcome). */
enum bridge_outcome {
	BRIDGE_APPLIED,		/* it changed something */
	BRIDGE_IGNORED,		/* understood, but not a step forward (late or repeated news) */
	BRIDGE_UNKNOWN		/* a type or prescription we do not know: kept, not applied */
};

/*
 * Applies one verified, first-time message from partner partner_id inside
 * r's open transaction: type is the message's "type" (docs/WEBHOOKS.md:
 * "prescription.accepted", "prescription.rejected",
 * "prescription.out_of_stock", "prescription.awaiting_paper",
 * "prescription.dispensed", "prescription.shipped", "prescription.tracking",
 * "prescription.delivered", "prescription.cancelled",
 * "prescription.cancel_refused", "stock.changed", "stock.snapshot"), data its
 * "data" object (borrowed). Moves the prescription forward only (a late or
 * repeated status is BRIDGE_IGNORED), writes its prescription_event
 * (source 'pharmacy' or 'courier', detail = data), the audit row (actor
 * "system", the partner named in the detail) and the notifications (the
 * prescriber and the patient, for out of stock and rejections with the
 * plan's alternatives; the patient for shipped and delivered). A
 * prescription of another partner is BRIDGE_UNKNOWN.
 * Returns CE_OK with *out set, CE_INVALID when data does not have the
 * type's required members (nothing written; the receiver answers 422), or
 * a database error. Implemented in view_apply.c.
 */
enum cerr	bridge_apply(struct req *, int64_t partner_id, const char *partner_name,
		    const char *type, struct json_object *data, enum bridge_outcome *out);

/* "applied", "ignored" or "unknown". Implemented in view_apply.c. */
const char	*bridge_outcome_str(enum bridge_outcome);

/*
 * The first member data lacks (or has wrong) for type, as a 422 names it
 * ("data", "prescription_id", "missing[0].product_id", ...), or NULL when
 * data is fine or the type is unknown (kept, not applied). Pure; the
 * string is static or in pool. bridge_apply() returns CE_INVALID exactly
 * when this is not NULL (or a stock message's as_of is not a time).
 * Implemented in view_rules.c.
 */
const char	*bridge_check_data(struct pool *, const char *type, struct json_object *data);

#endif
