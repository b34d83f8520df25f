/*
 * prescriptions.fcgi routes of the formulary, treatment plans and reports,
 * with their field tables. Included once, by prescriptions.c.
 */
#define PLANS_ROUTES \
	{ "GET", "/api/v1/prescriptions/formulary", formulary_list, ROLE_STAFF, NULL, 0, NULL, 0 },
