/*
 * prescriptions.fcgi routes of prescriptions, their checks, signing and
 * keys, with their field tables. Included once, by prescriptions.c.
 */
#define RX_ROUTES \
	{ "GET", "/api/v1/prescriptions/{id}", rx_get, ROLE_ANY, NULL, 0, NULL, 0 },
