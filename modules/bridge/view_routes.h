/*
 * bridge.fcgi routes for the pipeline, notifications and stock (helper B),
 * with their field tables. Included once, by bridge.c. Literal paths come
 * before "{...}" ones.
 */
#include "view.h"

#define VIEW_ID_MAX	9007199254740991LL

static const struct field notifications_query[] = {
	{ "unread", V_INT, false, 0, 1, NULL, NULL },
	{ "limit", V_INT, false, 1, 200, NULL, NULL },
};

/* view_pipeline.c reads these by position. */
static const struct field pipeline_query[] = {
	{ "stage", V_ENUM, false, 0, 0,
	    "signed|sent|out_of_stock|awaiting_paper|accepted|dispensed|shipped", NULL },
	{ "pharmacy", V_INT, false, 1, VIEW_ID_MAX, NULL, NULL },
	{ "prescriber", V_INT, false, 1, VIEW_ID_MAX, NULL, NULL },
	{ "older_than_minutes", V_INT, false, 0, 52560000, NULL, NULL },
	{ "stuck", V_INT, false, 0, 1, NULL, NULL },
	{ "limit", V_INT, false, 1, 1000, NULL, NULL },
};

static const struct field pipeline_limit_fields[] = {
	{ "amount", V_INT, true, 1, 100000, NULL, NULL },
	{ "unit", V_ENUM, true, 0, 0, "minutes|hours|days|working_days", NULL },
	{ "reason", V_STRING, true, 3, 300, NULL, NULL },
};

static const struct field stock_query[] = {
	{ "product", V_INT, false, 1, VIEW_ID_MAX, NULL, NULL },
};

#define BRIDGE_VIEW_ROUTES \
	{ "GET", "/api/v1/notifications", notifications_list, ROLE_ANY, NULL, 0, \
	    BODY(notifications_query), 0 }, \
	{ "POST", "/api/v1/notifications/read-all", notifications_read_all, ROLE_ANY, NULL, 0, \
	    NULL, 0, 0 }, \
	{ "POST", "/api/v1/notifications/{id}/read", notifications_read, ROLE_ANY, NULL, 0, \
	    NULL, 0, 0 }, \
	{ "GET", "/api/v1/pipeline", pipeline_list, ROLE_ADMIN | ROLE_AUDITOR, NULL, 0, \
	    BODY(pipeline_query), 0 }, \
	{ "GET", "/api/v1/pipeline/limits", pipeline_limits, ROLE_ADMIN | ROLE_AUDITOR, NULL, 0, \
	    NULL, 0, 0 }, \
	{ "PUT", "/api/v1/pipeline/limits/{stage}", pipeline_limit_put, ROLE_ADMIN, \
	    BODY(pipeline_limit_fields), NULL, 0, 0 }, \
	{ "GET", "/api/v1/bridge/stock", stock_list, ROLE_CLINICIAN | ROLE_PHARMACIST | \
	    ROLE_ADMIN | ROLE_AUDITOR, NULL, 0, BODY(stock_query), 0 }, \
	{ "GET", "/api/v1/bridge/partners", partners_list, ROLE_CLINICIAN | ROLE_ADMIN | \
	    ROLE_AUDITOR, NULL, 0, NULL, 0, 0 },
