/*
 * prescriptions.fcgi routes of prescriptions, their checks, signing and
 * keys, with their field tables. Included once, by prescriptions.c. Literal
 * second segments (check, keys, quota) come before "{id}".
 */
#define RX_ID_MAX	9007199254740991LL	/* ids fit JSON numbers exactly */

static const struct field rx_draft_fields[] = {
	{ "patient_id", V_INT, true, 1, RX_ID_MAX, NULL, NULL },
	{ "plan_id", V_INT, true, 1, RX_ID_MAX, NULL, NULL },
	{ "product_id", V_INT, true, 1, RX_ID_MAX, NULL, NULL },
	{ "quantity", V_INT, true, 1, 100000000, NULL, NULL },
	{ "dose", V_STRING, false, 3, 500, NULL, NULL },
	{ "justification", V_TEXT, false, 10, 2000, NULL, NULL },
	{ "start_date", V_DATE, false, 0, 0, NULL, NULL },
	{ "instalment_amount", V_INT, false, 1, 100000000, NULL, NULL },
	{ "instalment_interval_days", V_INT, false, 1, 28, NULL, NULL },
	{ "appointment_id", V_INT, false, 1, RX_ID_MAX, NULL, NULL },
};

/* The same without patient_id: a draft keeps its patient. */
static const struct field rx_update_fields[] = {
	{ "plan_id", V_INT, true, 1, RX_ID_MAX, NULL, NULL },
	{ "product_id", V_INT, true, 1, RX_ID_MAX, NULL, NULL },
	{ "quantity", V_INT, true, 1, 100000000, NULL, NULL },
	{ "dose", V_STRING, false, 3, 500, NULL, NULL },
	{ "justification", V_TEXT, false, 10, 2000, NULL, NULL },
	{ "start_date", V_DATE, false, 0, 0, NULL, NULL },
	{ "instalment_amount", V_INT, false, 1, 100000000, NULL, NULL },
	{ "instalment_interval_days", V_INT, false, 1, 28, NULL, NULL },
	{ "appointment_id", V_INT, false, 1, RX_ID_MAX, NULL, NULL },
};

/* A missing or malformed code is a failed step-up (403), not a 422. */
static const struct field rx_sign_fields[] = {
	{ "code", V_STRING, false, 0, 16, NULL, NULL },
	{ "pharmacy_id", V_INT, false, 1, RX_ID_MAX, NULL, NULL },	/* a partner; else chosen */
};

static const struct field rx_cancel_fields[] = {
	{ "reason", V_TEXT, true, 3, 1000, NULL, NULL },
};

static const struct field rx_list_query[] = {
	{ "patient_id", V_INT, false, 1, RX_ID_MAX, NULL, NULL },
	{ "status", V_ENUM, false, 0, 0, "draft|signed|sent|accepted|rejected|out_of_stock|"
	    "awaiting_paper|dispensed|shipped|delivered|cancelled|expired", NULL },
	{ "mine", V_INT, false, 0, 1, NULL, NULL },
};

static const struct field rx_quota_query[] = {
	{ "plan_id", V_INT, false, 1, RX_ID_MAX, NULL, NULL },
};

static const struct field rx_key_query[] = {
	{ "fingerprint", V_STRING, false, 64, 64, NULL, NULL },
};

#define RX_READERS	(ROLE_ANY)
#define RX_ROUTES \
	{ "POST", "/api/v1/prescriptions/check", rx_check, ROLE_CLINICIAN, BODY(rx_draft_fields), \
	    NULL, 0, 0 }, \
	{ "GET", "/api/v1/prescriptions/keys/{clinician_id}", rx_key, R_PUBLIC, NULL, 0, \
	    BODY(rx_key_query), 0 }, \
	{ "GET", "/api/v1/prescriptions/quota/{patient_id}", rx_quota, ROLE_PATIENT | \
	    ROLE_CLINICIAN | ROLE_ADMIN | ROLE_AUDITOR, NULL, 0, BODY(rx_quota_query), 0 }, \
	{ "POST", "/api/v1/prescriptions", rx_create, ROLE_CLINICIAN, BODY(rx_draft_fields), \
	    NULL, 0, 0 }, \
	{ "GET", "/api/v1/prescriptions", rx_list, RX_READERS, NULL, 0, BODY(rx_list_query), 0 }, \
	{ "GET", "/api/v1/prescriptions/{id}", rx_get, RX_READERS, NULL, 0, NULL, 0, 0 }, \
	{ "PUT", "/api/v1/prescriptions/{id}", rx_update, ROLE_CLINICIAN, \
	    BODY(rx_update_fields), NULL, 0, 0 }, \
	{ "GET", "/api/v1/prescriptions/{id}/document", rx_document, RX_READERS, NULL, 0, NULL, \
	    0, 0 }, \
	{ "GET", "/api/v1/prescriptions/{id}/signature", rx_signature, RX_READERS, NULL, 0, \
	    NULL, 0, 0 }, \
	{ "POST", "/api/v1/prescriptions/{id}/sign", rx_sign, ROLE_CLINICIAN, \
	    BODY(rx_sign_fields), NULL, 0, 0 }, \
	{ "POST", "/api/v1/prescriptions/{id}/cancel", rx_cancel, ROLE_CLINICIAN | ROLE_ADMIN, \
	    BODY(rx_cancel_fields), NULL, 0, 0 },
