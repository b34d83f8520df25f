/*
 * The outbox for administrators (every kind: identity checks, email and SMS,
 * the pharmacy bridge both ways, courier bookings): GET /api/v1/outbox lists
 * messages (dead letters, status 'failed', are the ones to act on) with the
 * count per status, and POST /api/v1/outbox/{id}/replay sends a dead letter
 * again from its first attempt, audited ("outbox.replayed"). Payloads are
 * never shown: many hold patients' details. /api/v1/idv/outbox (issue 3)
 * stays as it was; both are outbox_admin_list()/outbox_admin_resend()
 * (modules/common/outbox_admin.c).
 */
#include <stdint.h>

#include "outbox.h"
#include "req.h"
#include "in_msg.h"

#define BRIDGE_MESSAGE	OUTBOX_LIST_DEAD_LETTER

/*
 * kind: one kind ("pharmacy.prescription"), or a family when it ends in a
 * dot ("pharmacy." is every pharmacy.* kind). Dead letters first when no
 * status is asked for, then newest first.
 */
int
bridge_outbox_list(struct req *r)
{
	return outbox_admin_list(r, r->q.vals[0].present ? r->q.vals[0].s : NULL,
	    r->q.vals[1].present ? r->q.vals[1].s : NULL,
	    r->q.vals[2].present ? r->q.vals[2].i : 100,
	    OUTBOX_LIST_COUNTS | OUTBOX_LIST_DEAD_FIRST | BRIDGE_MESSAGE);
}

int
bridge_outbox_replay(struct req *r)
{
	static const struct outbox_resend how = {
		"outbox.replayed", "not-dead-letter", "Only a dead letter can be replayed",
		true, true, BRIDGE_MESSAGE
	};

	return outbox_admin_resend(r, &how);
}
