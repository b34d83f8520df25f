/*
 * prescriptions.fcgi routes of the formulary, treatment plans and reports,
 * with their field tables. Included once, by prescriptions.c.
 */
#define PRODUCT_FORMS	"flower|oil|capsule|vape_cartridge|pastille|spray"

static const struct field formulary_query[] = {
	{ "q", V_STRING, false, 0, 200, NULL, NULL },
	{ "form", V_ENUM, false, 0, 0, PRODUCT_FORMS, NULL },
	{ "include_inactive", V_BOOL, false, 0, 0, NULL, NULL },
};

/* formulary.c product_from_body() reads these by position. */
static const struct field product_fields[] = {
	{ "supplier", V_STRING, true, 1, 200, NULL, NULL },
	{ "brand", V_STRING, true, 1, 200, NULL, NULL },
	{ "name", V_STRING, true, 1, 200, NULL, NULL },
	{ "form", V_ENUM, true, 0, 0, PRODUCT_FORMS, NULL },
	{ "pack_size", V_INT, true, 1, 100000000, NULL, NULL },
	{ "thc_ug_per_unit", V_INT, true, 0, 10000000, NULL, NULL },
	{ "cbd_ug_per_unit", V_INT, true, 0, 10000000, NULL, NULL },
	{ "active", V_BOOL, false, 0, 0, NULL, NULL },
};

#define PLANS_ROUTES \
	{ "GET", "/api/v1/prescriptions/formulary", formulary_list, ROLE_STAFF, NULL, 0, \
	    formulary_query, nitems(formulary_query) }, \
	{ "GET", "/api/v1/prescriptions/formulary/{id}", formulary_get, ROLE_STAFF, NULL, 0, \
	    NULL, 0 }, \
	{ "POST", "/api/v1/prescriptions/formulary", formulary_create, ROLE_ADMIN, \
	    product_fields, nitems(product_fields) - 1, NULL, 0 }, \
	{ "PUT", "/api/v1/prescriptions/formulary/{id}", formulary_update, ROLE_ADMIN, \
	    BODY(product_fields), NULL, 0 },
