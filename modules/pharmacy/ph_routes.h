/*
 * pharmacy.fcgi routes of the inbox, prescriptions, stock and the
 * controlled-drug register (helper C). Included once, by pharmacy.c.
 */
#define PH_ROUTES
