/*
 * pharmacy.fcgi routes of shipments and the courier's tracking webhooks
 * (helper D). Included once, by pharmacy.c.
 */
#define COURIER_ROUTES
