/*
 * bridge.fcgi routes for receiving partners' messages, the partners and
 * the outbox (helper A). Included once, by bridge.c.
 */
#define BRIDGE_IN_ROUTES
