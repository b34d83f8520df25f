/*
 * pharmacy.fcgi routes of shipments and the courier's tracking webhooks
 * (helper D; docs/API.md#courier-and-shipments). Included once, by
 * pharmacy.c, before the other pharmacy routes.
 */
#include "courier.h"

static const struct field courier_book_fields[] = {
	{ "service", V_ENUM, false, 0, 0, COURIER_SERVICES, NULL },
};

static const struct field courier_list_query[] = {
	{ "status", V_ENUM, false, 0, 0,
	    "requested|booked|collected|in_transit|out_for_delivery|delivered|failed|cancelled",
	    NULL },
	{ "limit", V_INT, false, 1, 500, NULL, NULL },
};

/* The courier's webhooks are small; 64 KiB is plenty (nginx allows it). */
#define COURIER_EVENT_MAX	65536

#define COURIER_ROUTES \
	{ "POST", "/api/v1/pharmacy/courier/events", courier_events, R_PUBLIC | R_RAW, \
	    NULL, 0, NULL, 0, COURIER_EVENT_MAX }, \
	{ "GET", "/api/v1/pharmacy/shipments", courier_list, ROLE_PHARMACIST | ROLE_AUDITOR, \
	    NULL, 0, courier_list_query, nitems(courier_list_query), 0 }, \
	{ "GET", "/api/v1/pharmacy/shipments/{id}", courier_get, ROLE_PHARMACIST | ROLE_AUDITOR, \
	    NULL, 0, NULL, 0, 0 }, \
	{ "GET", "/api/v1/pharmacy/prescriptions/{id}/shipment", courier_rx_shipment, \
	    ROLE_PHARMACIST | ROLE_AUDITOR, NULL, 0, NULL, 0, 0 }, \
	{ "POST", "/api/v1/pharmacy/prescriptions/{id}/shipment", courier_book, ROLE_PHARMACIST, \
	    BODY(courier_book_fields), NULL, 0, 0 },
