/*
 * patients.fcgi: the patient's own profile (partial saves, NHS number check,
 * every bad field named, nothing changed on error), staff search and reads
 * (each audited), and a patient never reaching another patient's record.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "helpers.h"

static struct resp *
patch_me(struct user *u, const char *body)
{
	return api(u->b, "PATCH", "/api/v1/patients/me", body);
}

START_TEST(test_profile_starts_empty_and_saves_partially)
{
	struct user	 u;
	struct resp	*r;

	user_register(&u, "prof");
	r = api(u.b, "GET", "/api/v1/patients/me", NULL);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert_int_eq(jint(r->json, "id"), u.id);
	ck_assert_str_eq(jstr(r->json, "email"), u.email);
	ck_assert(jnull(r->json, "phone"));
	ck_assert(jnull(r->json, "nhs_number"));
	ck_assert(jnull(r->json, "consent_registry"));
	ck_assert(jbool(r->json, "contact_email"));
	ck_assert(!jbool(r->json, "contact_sms"));
	resp_free(r);

	/* One detail at a time: nothing else is demanded. */
	r = patch_me(&u, "{\"phone\":\"+44 7700 900123\"}");
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert_str_eq(jstr(r->json, "phone"), "+44 7700 900123");
	ck_assert(jnull(r->json, "postcode"));
	expect_one_audit(r, "patient.profile_updated", "success");
	resp_free(r);
	r = patch_me(&u, "{\"postcode\":\"sw1a1aa\",\"town\":\"London\",\"consent_registry\":false,"
	    "\"contact_sms\":true,\"emergency_name\":\"Ada Okoro\",\"emergency_phone\":\"020 7946 0958\","
	    "\"emergency_relationship\":\"Sister\",\"gp_practice\":\"Riverside Surgery\"}");
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert_str_eq(jstr(r->json, "phone"), "+44 7700 900123");	/* kept */
	ck_assert_str_eq(jstr(r->json, "postcode"), "SW1A 1AA");	/* normalised */
	ck_assert_str_eq(jstr(r->json, "town"), "London");
	ck_assert(!jbool(r->json, "consent_registry") && !jnull(r->json, "consent_registry"));
	ck_assert(jbool(r->json, "contact_sms"));
	ck_assert_str_eq(jstr(r->json, "gp_practice"), "Riverside Surgery");
	resp_free(r);

	/* An empty string clears a detail. */
	r = patch_me(&u, "{\"phone\":\"\"}");
	ck_assert_msg(r->status == 200 && jnull(r->json, "phone"), "%s", rdesc(r));
	resp_free(r);

	/* Resumed from another device: the same profile. */
	{
		struct browser	*b2 = br_new();

		resp_free(login(b2, u.email, u.password));
		r = api(b2, "GET", "/api/v1/patients/me", NULL);
		ck_assert_str_eq(jstr(r->json, "town"), "London");
		resp_free(r);
		br_free(b2);
	}
	user_free(&u);
}
END_TEST

START_TEST(test_audit_names_fields_not_values)
{
	struct user	 u;
	struct resp	*r;
	char		*details;

	user_register(&u, "profaud");
	r = patch_me(&u, "{\"nhs_number\":\"9434765919\",\"phone\":\"07700900123\"}");
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	details = sql_str("SELECT details FROM audit_event WHERE request_id = '%s'", r->rid);
	ck_assert_ptr_nonnull(details);
	ck_assert_msg(strstr(details, "nhs_number") != NULL && strstr(details, "phone") != NULL,
	    "details: %s", details);
	ck_assert_msg(strstr(details, "9434765919") == NULL && strstr(details, "07700") == NULL,
	    "the trail holds the values: %s", details);
	free(details);
	resp_free(r);
	user_free(&u);
}
END_TEST

START_TEST(test_nhs_number_mod11)
{
	struct user	 u;
	struct resp	*r;

	user_register(&u, "nhs");
	r = patch_me(&u, "{\"nhs_number\":\"943 476 5919\"}");
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert_str_eq(jstr(r->json, "nhs_number"), "9434765919");
	resp_free(r);
	/* Wrong check digit: refused, named, and the saved number is unchanged. */
	r = patch_me(&u, "{\"nhs_number\":\"9434765918\",\"town\":\"Leeds\"}");
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "nhs_number"));
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM audit_event WHERE request_id = '%s'", r->rid), 0);
	resp_free(r);
	r = api(u.b, "GET", "/api/v1/patients/me", NULL);
	ck_assert_str_eq(jstr(r->json, "nhs_number"), "9434765919");
	ck_assert(jnull(r->json, "town"));
	resp_free(r);
	r = patch_me(&u, "{\"nhs_number\":\"123456789\"}");
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "nhs_number"));
	resp_free(r);
	user_free(&u);
}
END_TEST

START_TEST(test_every_bad_field_named)
{
	struct user	 u;
	struct resp	*r;
	static const char *const fields[] = {
		"phone", "postcode", "nhs_number", "contact_sms", "consent_registry", "town",
		"emergency_phone", "unknown",
	};
	size_t		 i;
	char		 big[400];

	user_register(&u, "bad");
	memset(big, 'a', 150);
	big[150] = '\0';
	{
		char	body[1024];

		(void)snprintf(body, sizeof(body), "{\"phone\":\"call me\",\"postcode\":\"12345\","
		    "\"nhs_number\":\"abc\",\"contact_sms\":\"yes\",\"consent_registry\":1,"
		    "\"town\":\"%s\",\"emergency_phone\":\"1\",\"unknown\":true}", big);
		r = patch_me(&u, body);
	}
	expect_problem(r, 422, "validation");
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
		ck_assert_msg(has_error_field(r, fields[i]), "%s not named: %s", fields[i], r->body);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM patient_profile WHERE user_id = %lld",
	    (long long)u.id), 0);
	resp_free(r);
	/* Nothing to change, not JSON, not an object, control characters. */
	r = patch_me(&u, "{}");
	expect_problem(r, 422, "validation");
	resp_free(r);
	r = patch_me(&u, "{\"town\":");
	expect_problem(r, 400, "malformed-json");
	resp_free(r);
	r = patch_me(&u, "[1]");
	expect_problem(r, 422, "validation");
	resp_free(r);
	r = patch_me(&u, "{\"town\":\"a\\u0000b\"}");
	ck_assert_msg(r->status == 422 || r->status == 400, "%s", rdesc(r));
	resp_free(r);
	/* Without the CSRF header the change is refused. */
	r = http_raw(u.b, "PATCH", "/api/v1/patients/me", "{\"town\":\"X\"}", 12,
	    "application/json", NULL, NULL);
	expect_problem(r, 403, "csrf");
	resp_free(r);
	user_free(&u);
}
END_TEST

START_TEST(test_patient_reaches_only_self)
{
	struct user	 a, b;
	struct resp	*r, *none;
	int64_t		 before;

	user_register(&a, "pa");
	user_register(&b, "pb");
	r = api_get(a.b, "/api/v1/patients/%lld", (long long)a.id);
	ck_assert_msg(r->status == 200 && jint(r->json, "id") == a.id, "%s", rdesc(r));
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM audit_event WHERE request_id = '%s'", r->rid), 0);
	resp_free(r);
	/* Another patient's record answers exactly like one that does not exist. */
	before = sql_int("SELECT seq FROM audit_head");
	r = api_get(a.b, "/api/v1/patients/%lld", (long long)b.id);
	none = api_get(a.b, "/api/v1/patients/%d", 999999999);
	expect_problem(r, 404, "not-found");
	expect_problem(none, 404, "not-found");
	ck_assert_str_eq(jstr(r->json, "title"), jstr(none->json, "title"));
	ck_assert_int_eq(sql_int("SELECT seq FROM audit_head"), before);
	resp_free(r);
	resp_free(none);
	/* Malformed ids too. */
	r = api(a.b, "GET", "/api/v1/patients/abc", NULL);
	expect_problem(r, 404, "not-found");
	resp_free(r);
	r = api(a.b, "GET", "/api/v1/patients/0", NULL);
	expect_problem(r, 404, "not-found");
	resp_free(r);
	r = api(a.b, "GET", "/api/v1/patients/99999999999999999999999", NULL);
	expect_problem(r, 404, "not-found");
	resp_free(r);
	/* The list is staff-only: to a patient it does not exist. */
	r = api(a.b, "GET", "/api/v1/patients?q=a", NULL);
	expect_problem(r, 404, "not-found");
	resp_free(r);
	user_free(&a);
	user_free(&b);
}
END_TEST

START_TEST(test_staff_search_and_read_are_audited)
{
	struct user	 u;
	struct browser	*c, *adm;
	struct resp	*r;
	int64_t		 cid;
	char		 path[256], *details;
	const char	*fam;

	user_register(&u, "staffview");
	resp_free(patch_me(&u, "{\"nhs_number\":\"4010232137\",\"postcode\":\"M1 1AE\"}"));
	c = staff_new("clinician", &cid);

	/* By NHS number (spaces allowed), by postcode prefix, by email. */
	r = api(c, "GET", "/api/v1/patients?q=401%20023%202137", NULL);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert_int_eq(json_object_array_length(jget(r->json, "patients")), 1);
	ck_assert_int_eq(jint(r->json, "patients.0.id"), u.id);
	ck_assert_str_eq(jstr(r->json, "patients.0.nhs_number"), "4010232137");
	expect_one_audit(r, "patient.searched", "success");
	details = sql_str("SELECT details FROM audit_event WHERE request_id = '%s'", r->rid);
	(void)snprintf(path, sizeof(path), "%lld", (long long)u.id);
	ck_assert_msg(strstr(details, path) != NULL, "shown ids not recorded: %s", details);
	free(details);
	resp_free(r);
	(void)snprintf(path, sizeof(path), "/api/v1/patients?q=%s&limit=100", u.email);
	r = api(c, "GET", path, NULL);
	ck_assert_int_eq(jint(r->json, "patients.0.id"), u.id);
	resp_free(r);
	/* LIKE metacharacters are text, not wildcards. */
	r = api(c, "GET", "/api/v1/patients?q=%25%25%25zz", NULL);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert_int_eq(json_object_array_length(jget(r->json, "patients")), 0);
	resp_free(r);
	r = api(c, "GET", "/api/v1/patients?limit=0&bogus=1", NULL);
	expect_problem(r, 400, "validation");
	ck_assert(has_error_field(r, "limit") && has_error_field(r, "bogus"));
	resp_free(r);

	/* Reading the record: one audit row naming the clinician and the patient. */
	r = api_get(c, "/api/v1/patients/%lld", (long long)u.id);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert_str_eq(jstr(r->json, "postcode"), "M1 1AE");
	fam = jstr(r->json, "family_name");
	ck_assert_ptr_nonnull(fam);
	expect_one_audit(r, "patient.record_viewed", "success");
	ck_assert_int_eq(sql_int("SELECT actor_id FROM audit_event WHERE request_id = '%s'", r->rid),
	    cid);
	ck_assert_int_eq(sql_int("SELECT entity_id FROM audit_event WHERE request_id = '%s'"
	    " AND entity_type = 'patient'", r->rid), u.id);
	resp_free(r);
	/* A staff id that is not a patient's: 404 (staff are not patients). */
	r = api_get(c, "/api/v1/patients/%lld", (long long)cid);
	expect_problem(r, 404, "not-found");
	resp_free(r);

	adm = staff_new("admin", NULL);
	r = api_get(adm, "/api/v1/patients/%lld", (long long)u.id);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	expect_one_audit(r, "patient.record_viewed", "success");
	resp_free(r);
	br_free(adm);
	br_free(c);

	/* Pharmacists and auditors have no business in patient records here. */
	{
		struct browser	*ph = staff_new("pharmacist", NULL), *au = staff_new("auditor", NULL);

		r = api_get(ph, "/api/v1/patients/%lld", (long long)u.id);
		expect_problem(r, 403, "forbidden");
		resp_free(r);
		r = api(au, "GET", "/api/v1/patients?q=a", NULL);
		expect_problem(r, 403, "forbidden");
		resp_free(r);
		br_free(ph);
		br_free(au);
	}
	user_free(&u);
}
END_TEST

Suite *
patients_suite(void)
{
	Suite	*s = suite_create("patients");
	TCase	*tc = tcase_create("profile");

	tcase_set_timeout(tc, 60);
	tcase_add_checked_fixture(tc, fx_clear_throttle, NULL);
	tcase_add_test(tc, test_profile_starts_empty_and_saves_partially);
	tcase_add_test(tc, test_audit_names_fields_not_values);
	tcase_add_test(tc, test_nhs_number_mod11);
	tcase_add_test(tc, test_every_bad_field_named);
	tcase_add_test(tc, test_patient_reaches_only_self);
	tcase_add_test(tc, test_staff_search_and_read_are_audited);
	suite_add_tcase(s, tc);
	return s;
}
