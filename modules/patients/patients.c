/*
 * patients.fcgi: a patient's own profile (address, phone, NHS number, GP,
 * emergency contact, consents) and the staff look-ups, each staff read
 * audited. Routes are the contract; docs/API.md#patients describes each.
 */
#include "err.h"
#include "req.h"
#include "serve.h"
#include "valid.h"
#include "checks.h"
#include "patients.h"

/* In enum pf order. Every field optional; "" clears a text field. */
static const struct field profile_fields[] = {
	[PF_PHONE] = { "phone", V_STRING, false, 0, 32, NULL, phone_check },
	[PF_ADDRESS_LINE1] = { "address_line1", V_STRING, false, 0, 200, NULL, NULL },
	[PF_ADDRESS_LINE2] = { "address_line2", V_STRING, false, 0, 200, NULL, NULL },
	[PF_TOWN] = { "town", V_STRING, false, 0, 100, NULL, NULL },
	[PF_POSTCODE] = { "postcode", V_STRING, false, 0, 10, NULL, postcode_check },
	[PF_NHS_NUMBER] = { "nhs_number", V_STRING, false, 0, 12, NULL, nhs_number_check },
	[PF_GP_PRACTICE] = { "gp_practice", V_STRING, false, 0, 200, NULL, NULL },
	[PF_GP_ADDRESS] = { "gp_address", V_STRING, false, 0, 400, NULL, NULL },
	[PF_EMERGENCY_NAME] = { "emergency_name", V_STRING, false, 0, 200, NULL, NULL },
	[PF_EMERGENCY_PHONE] = { "emergency_phone", V_STRING, false, 0, 32, NULL, phone_check },
	[PF_EMERGENCY_RELATIONSHIP] = { "emergency_relationship", V_STRING, false, 0, 100,
	    NULL, NULL },
	[PF_CONSENT_REGISTRY] = { "consent_registry", V_BOOL, false, 0, 0, NULL, NULL },
	[PF_CONTACT_EMAIL] = { "contact_email", V_BOOL, false, 0, 0, NULL, NULL },
	[PF_CONTACT_SMS] = { "contact_sms", V_BOOL, false, 0, 0, NULL, NULL },
	[PF_CONTACT_POST] = { "contact_post", V_BOOL, false, 0, 0, NULL, NULL },
};

static const struct field search_fields[] = {
	{ "q", V_STRING, false, 0, 100, NULL, NULL },
	{ "limit", V_INT, false, 1, 100, NULL, NULL },
	{ "offset", V_INT, false, 0, 1000000, NULL, NULL },
};

#define BODY(f)		f, nitems(f)
#define QUERY(f)	f, nitems(f)

static const struct route routes[] = {
	{ "GET", "/api/v1/patients/me", patients_me, ROLE_PATIENT, NULL, 0, NULL, 0 },
	{ "PATCH", "/api/v1/patients/me", patients_me_update, ROLE_PATIENT,
	    BODY(profile_fields), NULL, 0 },
	{ "GET", "/api/v1/patients", patients_search, ROLE_CLINICIAN | ROLE_ADMIN, NULL, 0,
	    QUERY(search_fields) },
	/* Patients may ask too: their own id answers, any other is 404. */
	{ "GET", "/api/v1/patients/{id}", patients_get,
	    ROLE_PATIENT | ROLE_CLINICIAN | ROLE_ADMIN, NULL, 0, NULL, 0 },
};

int
main(void)
{
	return serve("patients", routes, nitems(routes), NULL);
}
