/*
 * One patient never reaches another's records, in any module: patient A
 * makes something in every module (profile, intake response, document,
 * upload in progress, identity check, appointment with its consultation
 * room and note, signed prescription); patient B then asks for each of A's
 * things by every route and verb a patient can name it with, and by the
 * staff-only routes that take a patient id. Every answer is 404, exactly as
 * for an id nobody has, and A's records are unchanged.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "helpers.h"

#define TUS	"Tus-Resumable: 1.0.0"

/* A 1x1 PNG. */
static const unsigned char png[] = {
	0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48,
	0x44, 0x52, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00,
	0x00, 0x1f, 0x15, 0xc4, 0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78,
	0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0, 0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99,
	0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
};

/* POST a tus upload of len bytes; its URL into loc. */
static void
tus_create(struct user *u, size_t len, char *loc, size_t cap)
{
	char		 lenh[64];
	/* filename "x.png", category "other" */
	const char	*extra[] = { TUS, lenh, "Upload-Metadata: filename eC5wbmc=,category b3RoZXI=",
			    NULL };
	struct resp	*r;
	char		*l;

	(void)snprintf(lenh, sizeof(lenh), "Upload-Length: %zu", len);
	r = http_raw(u->b, "POST", "/api/v1/documents/uploads", NULL, 0, NULL, u->b->csrf, extra);
	ck_assert_msg(r->status == 201, "tus create: %s", rdesc(r));
	ck_assert_ptr_nonnull(l = resp_header(r, "Location"));
	(void)snprintf(loc, cap, "%s", l);
	free(l);
	resp_free(r);
}

static struct resp *
tus_patch(struct browser *b, const char *loc, const void *data, size_t n)
{
	const char	*extra[] = { TUS, "Upload-Offset: 0", NULL };

	return http_raw(b, "PATCH", loc, data, n, "application/offset+octet-stream", b->csrf,
	    extra);
}

/* What B tries: method, path, body (NULL: none), tus headers. */
struct probe {
	const char	*method;
	char		 path[256];
	const char	*body;
	bool		 tus;
};

/*
 * A prescription for patient (identity verified by check_id), signed by a
 * new specialist: product and plan
 * written as root, drafted and signed through the API. Returns its id;
 * *plan its plan's.
 */
static long long
rx_signed_for(int64_t patient, long long check_id, long long *plan)
{
	struct browser	*spec;
	struct resp	*r;
	int64_t		 spec_id;
	long long	 product, id;
	char		 secret[40], code[7], body[256], path[96];

	/* Identity verified by the check made above (its status is left as it is). */
	ck_assert_msg(sql_exec("INSERT INTO idv_verified (patient_id, check_id, how, verified_at)"
	    " VALUES (%lld, %lld, 'clear', UTC_TIMESTAMP(6))", (long long)patient, check_id) == 0,
	    "idv_verified: %s", sql_error());
	/* A prescription names the patient's address (rule patient-details). */
	ck_assert_msg(sql_exec("INSERT INTO patient_profile (user_id, address_line1, town,"
	    " updated_at) VALUES (%lld, '1 Iso Road', 'Leeds', UTC_TIMESTAMP(6)) ON DUPLICATE KEY"
	    " UPDATE address_line1 = '1 Iso Road', town = 'Leeds'", (long long)patient) == 0,
	    "profile: %s", sql_error());
	spec = clinician_new(true, &spec_id, secret);
	ck_assert_msg(sql_exec("INSERT INTO formulary_product (supplier, brand, name, form,"
	    " supply_unit, pack_size, thc_ug_per_unit, cbd_ug_per_unit, active, created_at,"
	    " updated_at) VALUES ('Iso Supplies', 'Iso', 'Flower %lld', 'flower', 'mg', 10000, 200,"
	    " 10, 1, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))", (long long)patient) == 0, "product: %s",
	    sql_error());
	product = sql_int("SELECT LAST_INSERT_ID()");
	ck_assert_msg(sql_exec("INSERT INTO treatment_plan (patient_id, condition_name, version,"
	    " status, body, author_id, reason, changed_at) VALUES (%lld, 'Pain', 1, 'active',"
	    " '{\"items\":[{\"product_id\":%lld,\"dose\":\"1 g a day\",\"daily_amount\":1000,"
	    "\"max_per_30d\":30000}],\"form_limits\":[],\"max_thc_mg_per_day\":300,"
	    "\"review_date\":\"2099-01-01\",\"notes\":\"\"}', %lld, 'start', UTC_TIMESTAMP(6))",
	    (long long)patient, product, (long long)spec_id) == 0, "plan: %s", sql_error());
	*plan = sql_int("SELECT LAST_INSERT_ID()");
	(void)snprintf(body, sizeof(body), "{\"patient_id\":%lld,\"plan_id\":%lld,"
	    "\"product_id\":%lld,\"quantity\":10000}", (long long)patient, *plan, product);
	r = api(spec, "POST", "/api/v1/prescriptions", body);
	ck_assert_msg(r->status == 201, "prescription: %s", rdesc(r));
	id = jint(r->json, "id");
	resp_free(r);
	totp_at(secret, totp_step_now() + 1, code);
	(void)snprintf(body, sizeof(body), "{\"code\":\"%s\"}", code);
	(void)snprintf(path, sizeof(path), "/api/v1/prescriptions/%lld/sign", id);
	r = api(spec, "POST", path, body);
	ck_assert_msg(r->status == 200, "sign: %s", rdesc(r));
	resp_free(r);
	br_free(spec);
	return id;
}

START_TEST(test_no_patient_reaches_another)
{
	struct user	 a, b;
	struct resp	*r;
	struct probe	 p[64];
	struct browser	*clin;
	int64_t		 clin_id;
	long long	 appt_id;
	char		 path[128];
	char		 done_loc[160], open_loc[160], *before, *after;
	long long	 resp_id, doc_id, check_id, rx_id, plan_id;
	char		 rx_body[256];
	size_t		 n = 0, i;

	user_register(&a, "iso-a");
	user_register(&b, "iso-b");

	/* A's records, one in each module. */
	r = api(a.b, "PATCH", "/api/v1/patients/me", "{\"nhs_number\":\"9434765919\"}");
	ck_assert_msg(r->status == 200, "profile: %s", rdesc(r));
	resp_free(r);
	r = api(a.b, "PUT", "/api/v1/intake/responses/intake",
	    "{\"answers\":{\"conditions\":[\"chronic-pain\"]}}");
	ck_assert_msg(r->status == 200, "intake: %s", rdesc(r));
	resp_id = jint(r->json, "id");
	resp_free(r);
	tus_create(&a, sizeof(png), done_loc, sizeof(done_loc));
	r = tus_patch(a.b, done_loc, png, sizeof(png));
	ck_assert_msg(r->status == 204, "tus patch: %s", rdesc(r));
	resp_free(r);
	r = api(a.b, "GET", "/api/v1/documents", NULL);
	ck_assert_msg(r->status == 200, "documents: %s", rdesc(r));
	doc_id = jint(r->json, "documents.0.id");
	ck_assert_msg(doc_id > 0, "no document: %s", r->body);
	resp_free(r);
	tus_create(&a, 1000, open_loc, sizeof(open_loc));
	r = api(a.b, "POST", "/api/v1/idv/checks", NULL);
	ck_assert_msg(r->status == 201, "idv: %s", rdesc(r));
	check_id = jint(r->json, "id");
	resp_free(r);
	/* An appointment of A's whose room is open now, with a note in it. */
	clin = staff_new("clinician", &clin_id);
	ck_assert_msg(sql_exec("INSERT INTO appointment (patient_id, clinician_id, type_id,"
	    " starts_at, ends_at, status, booked_by, created_at, updated_at) VALUES (%lld, %lld,"
	    " (SELECT id FROM appointment_type WHERE code = 'initial'),"
	    " UTC_TIMESTAMP() + INTERVAL 5 MINUTE, UTC_TIMESTAMP() + INTERVAL 35 MINUTE, 'booked',"
	    " %lld, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))", (long long)a.id, (long long)clin_id,
	    (long long)a.id) == 0, "appointment: %s", sql_error());
	appt_id = sql_int("SELECT MAX(id) FROM appointment WHERE patient_id = %lld", (long long)a.id);
	r = api_get(a.b, "/api/v1/consult/%lld/join", appt_id);
	ck_assert_msg(r->status == 200, "A joins: %s", rdesc(r));
	resp_free(r);
	(void)snprintf(path, sizeof(path), "/api/v1/consult/%lld/notes", appt_id);
	r = api(clin, "PUT", path, "{\"soap\":{\"subjective\":\"x\",\"objective\":\"\","
	    "\"assessment\":\"\",\"plan\":\"\"},\"base_version\":0}");
	ck_assert_msg(r->status == 200, "note: %s", rdesc(r));
	resp_free(r);
	/* A signed prescription of A's (product and plan written as root). */
	rx_id = rx_signed_for(a.id, check_id, &plan_id);
	(void)snprintf(rx_body, sizeof(rx_body), "{\"patient_id\":%lld,\"plan_id\":%lld,"
	    "\"product_id\":1,\"quantity\":1000}", (long long)a.id, plan_id);

#define PROBE(m, b_, t, ...) do {						\
	p[n].method = (m); p[n].body = (b_); p[n].tus = (t);			\
	(void)snprintf(p[n].path, sizeof(p[n].path), __VA_ARGS__); n++;		\
} while (0)
	PROBE("GET", NULL, false, "/api/v1/patients/%lld", (long long)a.id);
	PROBE("GET", NULL, false, "/api/v1/patients?q=%s", a.email);
	PROBE("GET", NULL, false, "/api/v1/intake/responses/%lld", resp_id);
	PROBE("GET", NULL, false, "/api/v1/intake/responses/%lld?format=fhir", resp_id);
	PROBE("GET", NULL, false, "/api/v1/intake/responses?patient_id=%lld", (long long)a.id);
	PROBE("GET", NULL, false, "/api/v1/intake/reviews");
	PROBE("GET", NULL, false, "/api/v1/documents?patient_id=%lld", (long long)a.id);
	PROBE("GET", NULL, false, "/api/v1/documents/%lld", doc_id);
	PROBE("GET", NULL, false, "/api/v1/documents/%lld/content", doc_id);
	PROBE("DELETE", NULL, false, "/api/v1/documents/%lld", doc_id);
	PROBE("GET", NULL, false, "/api/v1/documents/requests?patient_id=%lld", (long long)a.id);
	PROBE("POST", "{\"patient_id\":1,\"category\":\"other\",\"reason\":\"x\"}", false,
	    "/api/v1/documents/requests");
	PROBE("HEAD", NULL, true, "%s", open_loc);
	PROBE("PATCH", "x", true, "%s", open_loc);
	PROBE("DELETE", NULL, true, "%s", open_loc);
	PROBE("DELETE", NULL, true, "%s", done_loc);
	PROBE("GET", NULL, false, "/api/v1/idv/checks/%lld", check_id);
	PROBE("GET", NULL, false, "/api/v1/idv/patients/%lld", (long long)a.id);
	PROBE("GET", NULL, false, "/api/v1/idv/reviews");
	PROBE("GET", NULL, false, "/api/v1/audit/events?entity_type=patient&entity_id=%lld",
	    (long long)a.id);
	PROBE("GET", NULL, false, "/api/v1/appointments/%lld", appt_id);
	PROBE("GET", NULL, false, "/api/v1/appointments/%lld/calendar.ics", appt_id);
	PROBE("GET", NULL, false, "/api/v1/appointments?patient=%lld", (long long)a.id);
	PROBE("POST", "{}", false, "/api/v1/appointments/%lld/cancel", appt_id);
	PROBE("POST", "{\"slot_start\":\"2030-01-07T09:00:00Z\"}", false,
	    "/api/v1/appointments/%lld/reschedule", appt_id);
	PROBE("GET", NULL, false, "/api/v1/consult/%lld", appt_id);
	PROBE("GET", NULL, false, "/api/v1/consult/%lld/join", appt_id);
	PROBE("POST", NULL, false, "/api/v1/consult/%lld/admit", appt_id);
	PROBE("POST", NULL, false, "/api/v1/consult/%lld/end", appt_id);
	PROBE("GET", NULL, false, "/api/v1/consult/%lld/notes", appt_id);
	PROBE("PUT", "{\"soap\":{\"subjective\":\"y\",\"objective\":\"\",\"assessment\":\"\","
	    "\"plan\":\"\"},\"base_version\":1}", false, "/api/v1/consult/%lld/notes", appt_id);
	PROBE("POST", "{\"base_version\":1}", false, "/api/v1/consult/%lld/notes/sign", appt_id);
	PROBE("GET", NULL, false, "/api/v1/prescriptions/%lld", rx_id);
	PROBE("GET", NULL, false, "/api/v1/prescriptions/%lld/document", rx_id);
	PROBE("GET", NULL, false, "/api/v1/prescriptions/%lld/signature", rx_id);
	PROBE("PUT", "{\"plan_id\":1,\"product_id\":1,\"quantity\":1}", false,
	    "/api/v1/prescriptions/%lld", rx_id);
	PROBE("POST", "{\"code\":\"123456\"}", false, "/api/v1/prescriptions/%lld/sign", rx_id);
	PROBE("POST", "{\"reason\":\"not mine\"}", false, "/api/v1/prescriptions/%lld/cancel",
	    rx_id);
	PROBE("GET", NULL, false, "/api/v1/prescriptions/quota/%lld?plan_id=%lld", (long long)a.id,
	    plan_id);
	PROBE("GET", NULL, false, "/api/v1/prescriptions/quota/%lld", (long long)a.id);
	PROBE("POST", rx_body, false, "/api/v1/prescriptions/check");
	PROBE("POST", rx_body, false, "/api/v1/prescriptions");
	PROBE("GET", NULL, false, "/api/v1/prescriptions/plans/%lld", (long long)a.id);
#undef PROBE

	/*
	 * The demo pharmacy moves A's prescription on by itself (signed → sent →
	 * its answer: accepted, rejected, ...), as actor system. Wait until its
	 * answer is recorded so that the snapshot below changes only if one of
	 * B's requests changed something; a stack with no pharmacy partner never
	 * queues the message (no rx-<id>-sent row), and the status stays signed.
	 */
	{
		double		until = now_secs() + 90;
		long long	settled = 0;

		while (now_secs() < until && (settled = sql_int("SELECT status NOT IN ('signed',"
		    " 'sent') OR NOT EXISTS (SELECT 1 FROM outbox WHERE idempotency_key ="
		    " 'rx-%lld-sent') FROM prescription WHERE id = %lld", rx_id, rx_id)) != 1)
			(void)usleep(250 * 1000);
		ck_assert_msg(settled == 1, "the pharmacy never answered for prescription %lld: %s",
		    rx_id, sql_str("SELECT CONCAT(p.status, ' / outbox ', COALESCE(o.status, '-'),"
		    " ' ', COALESCE(o.last_error, '')) FROM prescription p LEFT JOIN outbox o ON"
		    " o.idempotency_key = CONCAT('rx-', p.id, '-sent') WHERE p.id = %lld", rx_id));
	}
	before = sql_str("SELECT CONCAT_WS('|',"
	    " (SELECT COUNT(*) FROM patient_profile WHERE user_id = %lld AND nhs_number IS NOT NULL),"
	    " (SELECT COUNT(*) FROM documents WHERE patient_id = %lld AND status <> 'deleted'),"
	    " (SELECT COUNT(*) FROM idv_check WHERE patient_id = %lld),"
	    " (SELECT CONCAT(status, sequence) FROM appointment WHERE id = %lld),"
	    " (SELECT COUNT(*) FROM consult_note_version WHERE appointment_id = %lld),"
	    " (SELECT CONCAT(status, quantity, status_changed_at) FROM prescription WHERE id = %lld),"
	    " (SELECT COUNT(*) FROM prescription WHERE patient_id = %lld),"
	    " (SELECT COUNT(*) FROM outbox WHERE idempotency_key LIKE 'rx-%lld-%%'))",
	    (long long)a.id, (long long)a.id, (long long)a.id, appt_id, appt_id, rx_id,
	    (long long)a.id, rx_id);
	for (i = 0; i < n; i++) {
		const char	*extra[] = { TUS, "Upload-Offset: 0", NULL };
		long		 status;

		if (p[i].tus)
			r = http_raw(b.b, p[i].method, p[i].path, p[i].body,
			    p[i].body != NULL ? strlen(p[i].body) : 0,
			    p[i].body != NULL ? "application/offset+octet-stream" : NULL,
			    b.b->csrf, extra);
		else
			r = api(b.b, p[i].method, p[i].path, p[i].body);
		status = r->status;
		ck_assert_msg(status == 404, "patient B: %s %s -> %s", p[i].method, p[i].path,
		    rdesc(r));
		/* HEAD has no body; every other 404 is the not-found problem. */
		if (strcmp(p[i].method, "HEAD") != 0)
			ck_assert_msg(problem_is(r, "not-found"), "%s %s: %s", p[i].method,
			    p[i].path, r->body);
		resp_free(r);
	}
	after = sql_str("SELECT CONCAT_WS('|',"
	    " (SELECT COUNT(*) FROM patient_profile WHERE user_id = %lld AND nhs_number IS NOT NULL),"
	    " (SELECT COUNT(*) FROM documents WHERE patient_id = %lld AND status <> 'deleted'),"
	    " (SELECT COUNT(*) FROM idv_check WHERE patient_id = %lld),"
	    " (SELECT CONCAT(status, sequence) FROM appointment WHERE id = %lld),"
	    " (SELECT COUNT(*) FROM consult_note_version WHERE appointment_id = %lld),"
	    " (SELECT CONCAT(status, quantity, status_changed_at) FROM prescription WHERE id = %lld),"
	    " (SELECT COUNT(*) FROM prescription WHERE patient_id = %lld),"
	    " (SELECT COUNT(*) FROM outbox WHERE idempotency_key LIKE 'rx-%lld-%%'))",
	    (long long)a.id, (long long)a.id, (long long)a.id, appt_id, appt_id, rx_id,
	    (long long)a.id, rx_id);
	ck_assert_str_eq(before, after);
	free(before);
	free(after);
	/* Nothing B asked for was recorded as done to A's records. */
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM audit_event WHERE actor_id = %lld AND"
	    " outcome = 'success' AND ((entity_type = 'prescription' AND entity_id = '%lld') OR"
	    " (entity_type = 'appointment' AND entity_id = '%lld') OR (entity_type = 'document'"
	    " AND entity_id = '%lld'))", (long long)b.id, rx_id, appt_id, doc_id), 0);

	/* A still reaches every one of them. */
	r = api_get(a.b, "/api/v1/documents/%lld/content", doc_id);
	ck_assert_msg(r->status == 200 && r->bodylen == sizeof(png) &&
	    memcmp(r->body, png, sizeof(png)) == 0, "A's document: %s", rdesc(r));
	resp_free(r);
	r = api_get(a.b, "/api/v1/intake/responses/%lld?format=fhir", resp_id);
	ck_assert_msg(r->status == 200, "A's response: %s", rdesc(r));
	resp_free(r);
	r = api_get(a.b, "/api/v1/idv/checks/%lld", check_id);
	ck_assert_msg(r->status == 200, "A's check: %s", rdesc(r));
	resp_free(r);
	r = api_get(a.b, "/api/v1/appointments/%lld", appt_id);
	ck_assert_msg(r->status == 200, "A's appointment: %s", rdesc(r));
	resp_free(r);
	r = api_get(a.b, "/api/v1/prescriptions/%lld", rx_id);
	ck_assert_msg(r->status == 200, "A's prescription: %s", rdesc(r));
	resp_free(r);
	/* B's list of prescriptions, even asking for A's, holds none of A's. */
	r = api_get(b.b, "/api/v1/prescriptions?patient_id=%lld", (long long)a.id);
	ck_assert_msg(r->status == 200 && json_object_array_length(jget(r->json,
	    "prescriptions")) == 0, "B's list: %s", rdesc(r));
	resp_free(r);
	br_free(clin);
	user_free(&a);
	user_free(&b);
}
END_TEST

Suite *
isolation_suite(void)
{
	Suite	*s = suite_create("isolation");
	TCase	*tc = tcase_create("patients");

	tcase_set_timeout(tc, 200);
	tcase_add_checked_fixture(tc, fx_clear_throttle, NULL);
	tcase_add_test(tc, test_no_patient_reaches_another);
	suite_add_tcase(s, tc);
	return s;
}
