/*
 * bridge.fcgi routes for receiving partners' messages, the partners and
 * the outbox (helper A), with their field tables. Included once, by
 * bridge.c. Literal paths come before "{...}" ones.
 */
#include "in_msg.h"

/* in_outbox.c reads these by position. */
static const struct field outbox_query[] = {
	{ "status", V_ENUM, false, 0, 0, "pending|sending|done|failed", NULL },
	{ "kind", V_STRING, false, 1, 64, NULL, NULL },
	{ "limit", V_INT, false, 1, 500, NULL, NULL },
};

/*
 * The receiver takes the raw body (its signature covers the exact bytes);
 * a message is at most 256 KiB (a stock snapshot of a large catalogue).
 */
#define BRIDGE_IN_ROUTES \
	{ "POST", "/api/v1/bridge/events/{code}", bridge_event_receive, R_PUBLIC | R_RAW, \
	    NULL, 0, NULL, 0, 262144 }, \
	{ "GET", "/api/v1/outbox", bridge_outbox_list, ROLE_ADMIN, NULL, 0, \
	    BODY(outbox_query), 0 }, \
	{ "POST", "/api/v1/outbox/{id}/replay", bridge_outbox_replay, ROLE_ADMIN, NULL, 0, \
	    NULL, 0, 0 },
