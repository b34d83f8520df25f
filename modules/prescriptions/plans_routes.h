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
	{ "low_stock_threshold", V_INT, false, 0, 1000000000, NULL, NULL },
	{ "active", V_BOOL, false, 0, 0, NULL, NULL },
};

static const struct field history_query[] = {
	{ "plan", V_INT, false, 1, INT64_MAX, NULL, NULL },
};

/* plandiff.c plans_diff() reads these by position. */
static const struct field diff_query[] = {
	{ "plan", V_INT, true, 1, INT64_MAX, NULL, NULL },
	{ "from", V_INT, true, 1, INT32_MAX, NULL, NULL },
	{ "to", V_INT, true, 1, INT32_MAX, NULL, NULL },
};

/* reports.c reads these by position. */
static const struct field totals_query[] = {
	{ "by", V_ENUM, false, 0, 0, "product|prescriber|patient", NULL },
	{ "from", V_DATE, false, 0, 0, NULL, NULL },
	{ "to", V_DATE, false, 0, 0, NULL, NULL },
	{ "format", V_ENUM, false, 0, 0, "json|csv", NULL },
};

static const struct field running_query[] = {
	{ "patient", V_INT, false, 1, INT64_MAX, NULL, NULL },
	{ "format", V_ENUM, false, 0, 0, "json|csv", NULL },
};

/*
 * Plan bodies hold lists (items, form_limits), which field tables do not
 * describe: their routes take the raw body and planbody.c checks it.
 */
#define PLANS_ROUTES \
	{ "GET", "/api/v1/prescriptions/formulary", formulary_list, ROLE_STAFF, NULL, 0, \
	    formulary_query, nitems(formulary_query) }, \
	{ "GET", "/api/v1/prescriptions/formulary/{id}", formulary_get, ROLE_STAFF, NULL, 0, \
	    NULL, 0 }, \
	{ "POST", "/api/v1/prescriptions/formulary", formulary_create, ROLE_ADMIN, \
	    product_fields, nitems(product_fields) - 1, NULL, 0 }, \
	{ "PUT", "/api/v1/prescriptions/formulary/{id}", formulary_update, ROLE_ADMIN, \
	    BODY(product_fields), NULL, 0 }, \
	{ "GET", "/api/v1/prescriptions/plans/{patient_id}", plans_list, \
	    ROLE_PATIENT | ROLE_CLINICIAN | ROLE_ADMIN | ROLE_AUDITOR, NULL, 0, NULL, 0 }, \
	{ "POST", "/api/v1/prescriptions/plans/{patient_id}", plans_create, ROLE_CLINICIAN | R_RAW, \
	    NULL, 0, NULL, 0 }, \
	{ "GET", "/api/v1/prescriptions/plans/{patient_id}/history", plans_history, \
	    ROLE_PATIENT | ROLE_CLINICIAN | ROLE_ADMIN | ROLE_AUDITOR, NULL, 0, \
	    history_query, nitems(history_query) }, \
	{ "GET", "/api/v1/prescriptions/plans/{patient_id}/diff", plans_diff, \
	    ROLE_PATIENT | ROLE_CLINICIAN | ROLE_ADMIN | ROLE_AUDITOR, NULL, 0, \
	    diff_query, nitems(diff_query) }, \
	{ "PUT", "/api/v1/prescriptions/plans/{patient_id}/{plan_id}", plans_update, \
	    ROLE_CLINICIAN | R_RAW, NULL, 0, NULL, 0 }, \
	{ "GET", "/api/v1/prescriptions/reports/totals", reports_totals, ROLE_ADMIN | ROLE_AUDITOR, \
	    NULL, 0, totals_query, nitems(totals_query) }, \
	{ "GET", "/api/v1/prescriptions/reports/running", reports_running, \
	    ROLE_ADMIN | ROLE_AUDITOR, NULL, 0, running_query, nitems(running_query) },
