/*
 * intake.fcgi: the smart intake — questionnaires as data, answers saved as
 * the patient goes, eligibility by rules, and the clinicians' review queue.
 * Routes are the contract; docs/API.md#intake describes each.
 */
#include "err.h"
#include "req.h"
#include "serve.h"
#include "valid.h"
#include "intake.h"

static const struct field version_query[] = {
	{ "version", V_INT, false, 1, 1000000, NULL, NULL },
};

static const struct field format_query[] = {
	{ "format", V_ENUM, false, 0, 0, "json|fhir", NULL },
};

static const struct field list_query[] = {
	{ "patient_id", V_INT, false, 1, 999999999999LL, NULL, NULL },
};

static const struct field review_query[] = {
	{ "status", V_ENUM, false, 0, 0, "open|closed", NULL },
};

static const struct field decide_fields[] = {
	{ "decision", V_ENUM, true, 0, 0, "eligible|not_eligible", NULL },
	{ "note", V_TEXT, false, 0, 2000, NULL, NULL },
};

#define BODY(f)		f, nitems(f)
#define QUERY(f)	f, nitems(f)
#define STAFF_READ	(ROLE_CLINICIAN | ROLE_ADMIN)

static const struct route routes[] = {
	{ "GET", "/api/v1/intake/questionnaires", intake_questionnaire_list, ROLE_ANY,
	    NULL, 0, NULL, 0 },
	{ "GET", "/api/v1/intake/questionnaires/{key}", intake_questionnaire_get, ROLE_ANY,
	    NULL, 0, QUERY(version_query) },
	/* The body is the definition itself, checked by qdef_parse(). */
	{ "PUT", "/api/v1/intake/questionnaires/{key}", intake_questionnaire_put,
	    ROLE_ADMIN | R_RAW, NULL, 0, NULL, 0 },
	{ "GET", "/api/v1/intake/rules/{key}", intake_rules_get, STAFF_READ,
	    NULL, 0, QUERY(version_query) },
	{ "PUT", "/api/v1/intake/rules/{key}", intake_rules_put, ROLE_ADMIN | R_RAW,
	    NULL, 0, NULL, 0 },
	{ "GET", "/api/v1/intake/responses", intake_response_list, ROLE_PATIENT | STAFF_READ,
	    NULL, 0, QUERY(list_query) },
	/* {ref} is a questionnaire key (the patient's current response) or a response id. */
	{ "GET", "/api/v1/intake/responses/{ref}", intake_response_get,
	    ROLE_PATIENT | STAFF_READ, NULL, 0, QUERY(format_query) },
	/* {"answers": {linkId: value}}: checked against the definition by qans_parse(). */
	{ "PUT", "/api/v1/intake/responses/{ref}", intake_response_put, ROLE_PATIENT | R_RAW,
	    NULL, 0, NULL, 0 },
	{ "POST", "/api/v1/intake/responses/{ref}/submit", intake_response_submit, ROLE_PATIENT,
	    NULL, 0, NULL, 0 },
	{ "GET", "/api/v1/intake/reviews", intake_review_list, STAFF_READ,
	    NULL, 0, QUERY(review_query) },
	{ "GET", "/api/v1/intake/reviews/{id}", intake_review_get, STAFF_READ,
	    NULL, 0, NULL, 0 },
	{ "POST", "/api/v1/intake/reviews/{id}", intake_review_decide, ROLE_CLINICIAN,
	    BODY(decide_fields), NULL, 0 },
};

int
main(void)
{
	return serve("intake", routes, nitems(routes), NULL);
}
