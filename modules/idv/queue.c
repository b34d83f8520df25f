/*
 * The outbox as admins see it: what is waiting, retrying or has failed, and
 * a way to try a failed message again. Payloads (which may hold patients'
 * details) are not shown. Shared with GET /api/v1/outbox (issue 6):
 * outbox_admin_list()/outbox_admin_resend() in modules/common/outbox_admin.c.
 */
#include <stdint.h>

#include "idv.h"
#include "outbox.h"
#include "req.h"

int
idv_outbox_list(struct req *r)
{
	return outbox_admin_list(r, r->q.vals[0].present ? r->q.vals[0].s : NULL, NULL,
	    r->q.vals[1].present ? r->q.vals[1].i : 50, 0);
}

int
idv_outbox_retry(struct req *r)
{
	static const struct outbox_resend how = {
		"outbox.retry_requested", "not-failed", "Only a failed message can be retried",
		false, false, 0
	};

	return outbox_admin_resend(r, &how);
}
