/*
 * idv.fcgi: identity verification (issue 3, section 4). Routes are the
 * contract; docs/API.md#idv describes each.
 */
#include <string.h>

#include "err.h"
#include "req.h"
#include "serve.h"
#include "valid.h"
#include "idv.h"

static const char *
not_blank(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s != ' ' && *s != '\n' && *s != '\t' && *s != '\r')
			return NULL;
	return "must not be blank";
}

static const struct field decide_fields[] = {
	{ "decision", V_ENUM, true, 0, 0, "approve|reject", NULL },
	{ "reason", V_TEXT, true, 3, 1000, NULL, not_blank },
};

static const struct field review_query[] = {
	{ "state", V_ENUM, false, 0, 0, "open|decided", NULL },
	{ "limit", V_INT, false, 1, 200, NULL, NULL },
};

static const struct field outbox_query[] = {
	{ "status", V_ENUM, false, 0, 0, "pending|sending|done|failed", NULL },
	{ "limit", V_INT, false, 1, 200, NULL, NULL },
};

#define BODY(f)		f, nitems(f)
#define QUERY(f)	f, nitems(f)

static const struct route routes[] = {
	{ "POST", "/api/v1/idv/checks", idv_check_start, ROLE_PATIENT, NULL, 0, NULL, 0 },
	{ "GET", "/api/v1/idv/checks/current", idv_check_current, ROLE_PATIENT, NULL, 0, NULL, 0 },
	{ "GET", "/api/v1/idv/checks/{id}", idv_check_get,
	    ROLE_PATIENT | ROLE_CLINICIAN | ROLE_ADMIN, NULL, 0, NULL, 0 },
	{ "GET", "/api/v1/idv/patients/{id}", idv_patient_status, ROLE_CLINICIAN | ROLE_ADMIN,
	    NULL, 0, NULL, 0 },
	{ "POST", "/api/v1/idv/webhook", idv_webhook, R_PUBLIC | R_RAW, NULL, 0, NULL, 0 },
	{ "GET", "/api/v1/idv/reviews", idv_review_list, ROLE_ADMIN, NULL, 0, QUERY(review_query) },
	{ "POST", "/api/v1/idv/reviews/{id}", idv_review_decide, ROLE_ADMIN, BODY(decide_fields),
	    NULL, 0 },
	{ "GET", "/api/v1/idv/outbox", idv_outbox_list, ROLE_ADMIN, NULL, 0, QUERY(outbox_query) },
	{ "POST", "/api/v1/idv/outbox/{id}/retry", idv_outbox_retry, ROLE_ADMIN, NULL, 0, NULL, 0 },
};

int
main(void)
{
	return serve("idv", routes, nitems(routes), NULL);
}
