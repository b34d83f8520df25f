/*
 * intake.fcgi: the shipped questionnaires, saving as the patient goes and
 * resuming elsewhere, answers refused by linkId with nothing saved, the
 * psychiatric branch by each of its triggers and its flag in the review
 * queue, every eligibility outcome (under-18 included), scores in their
 * bands, versions (a response keeps its own), bad definitions and rules
 * refused naming the problem, the FHIR QuestionnaireResponse, another
 * patient's response (404), staff reads audited, role checks, and the
 * clinician's decision reaching the patient.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "helpers.h"

#define nitems(a)	(sizeof(a) / sizeof((a)[0]))

#define RESP		"/api/v1/intake/responses"
#define INTAKE		RESP "/intake"
#define REVIEWS		"/api/v1/intake/reviews"
#define QS		"/api/v1/intake/questionnaires"

/* PHQ-9/GAD-7 answers by score (LOINC answer codes). */
static const char *const F[4] = { "LA6568-5", "LA6569-3", "LA6570-1", "LA6571-9" };

/* Answers to every required item that make an adult eligible (PHQ-9 0, GAD-7 7). */
static const char BASE[] = "{\"conditions\":[\"chronic-pain\"],"
    "\"treatments-tried\":[\"painkillers\",\"physiotherapy\"],\"takes-medicines\":false,"
    "\"has-allergies\":false,\"pregnancy\":[\"none\"],\"alcohol\":\"monthly\","
    "\"smoking\":\"never\",\"cannabis-use\":\"never\",\"other-drugs\":false,"
    "\"psychosis\":false,\"bipolar\":false,\"suicide-attempt\":false,"
    "\"family-psychosis\":false,"
    "\"phq9-1\":\"LA6568-5\",\"phq9-2\":\"LA6568-5\",\"phq9-3\":\"LA6568-5\","
    "\"phq9-4\":\"LA6568-5\",\"phq9-5\":\"LA6568-5\",\"phq9-6\":\"LA6568-5\","
    "\"phq9-7\":\"LA6568-5\",\"phq9-8\":\"LA6568-5\",\"phq9-9\":\"LA6568-5\","
    "\"gad7-1\":\"LA6569-3\",\"gad7-2\":\"LA6569-3\",\"gad7-3\":\"LA6569-3\","
    "\"gad7-4\":\"LA6569-3\",\"gad7-5\":\"LA6569-3\",\"gad7-6\":\"LA6569-3\","
    "\"gad7-7\":\"LA6569-3\"}";

/* The answers of the psychiatric branch (all required ones). */
static const char PSYCH[] = "{\"current-thoughts\":false,\"psych-under-care\":false,"
    "\"psych-support\":true,\"crisis-plan\":false}";

/* BASE with the members of overrides (a JSON object) replacing its own. Caller frees. */
static char *
answers_with(const char *overrides)
{
	json_object	*base = json_tokener_parse(BASE), *o;
	char		*s;

	if (overrides != NULL) {
		o = json_tokener_parse(overrides);
		ck_assert_msg(o != NULL, "bad overrides %s", overrides);
		json_object_object_foreach(o, k, v)
			json_object_object_add(base, k, json_object_get(v));
		json_object_put(o);
	}
	s = strdup(json_object_to_json_string_ext(base, JSON_C_TO_STRING_PLAIN));
	json_object_put(base);
	return s;
}

static struct resp *
save(struct browser *b, const char *path, const char *answers)
{
	struct resp	*r;
	size_t		 n = strlen(answers) + 32;
	char		*body = malloc(n);

	(void)snprintf(body, n, "{\"answers\":%s}", answers);
	r = api(b, "PUT", path, body);
	free(body);
	return r;
}

/* Saves BASE + overrides, expecting 200; returns the reply. */
static struct resp *
save_ok(struct user *u, const char *overrides)
{
	char		*a = answers_with(overrides);
	struct resp	*r = save(u->b, INTAKE, a);

	free(a);
	ck_assert_msg(r->status == 200, "save: %s", rdesc(r));
	return r;
}

static struct resp *
submit(struct user *u)
{
	return api(u->b, "POST", INTAKE "/submit", NULL);
}

static bool
has_str(json_object *arr, const char *s)
{
	size_t	i;

	for (i = 0; arr != NULL && i < json_object_array_length(arr); i++)
		if (strcmp(json_object_get_string(json_object_array_get_idx(arr, i)), s) == 0)
			return true;
	return false;
}

/* Whether an array of {code, ...} has code. */
static bool
has_code(json_object *arr, const char *code)
{
	size_t	i;

	for (i = 0; arr != NULL && i < json_object_array_length(arr); i++)
		if (jstr(json_object_array_get_idx(arr, i), "code") != NULL &&
		    strcmp(jstr(json_object_array_get_idx(arr, i), "code"), code) == 0)
			return true;
	return false;
}

/* Registers a patient born on dob (YYYY-MM-DD). */
static void
register_born(struct user *u, const char *tag, const char *dob)
{
	json_object	*o;
	struct resp	*r;
	char		*body;

	memset(u, 0, sizeof(*u));
	unique_email(u->email, sizeof(u->email), tag);
	(void)snprintf(u->password, sizeof(u->password), "%s", GOOD_PW);
	u->b = br_new();
	body = register_body(u->email, u->password, "Young");
	o = json_tokener_parse(body);
	free(body);
	json_object_object_add(o, "date_of_birth", json_object_new_string(dob));
	r = api_limited(u->b, "/api/v1/auth/register",
	    json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	ck_assert_msg(r->status == 201, "register: %s", rdesc(r));
	u->id = jint(r->json, "user.id");
	resp_free(r);
}

/* Submits BASE + overrides (+ the psychiatric answers when asked); returns the reply. */
static struct resp *
complete_and_submit(struct user *u, const char *overrides, bool psych)
{
	struct resp	*r = save_ok(u, overrides);

	resp_free(r);
	if (psych) {
		r = save(u->b, INTAKE, PSYCH);
		ck_assert_msg(r->status == 200, "psych answers: %s", rdesc(r));
		resp_free(r);
	}
	r = submit(u);
	ck_assert_msg(r->status == 200, "submit: %s", rdesc(r));
	return r;
}

/* The open review of response id in the queue as seen by b, or NULL (caller puts). */
static json_object *
queued(struct browser *b, long long response_id, const char *status)
{
	struct resp	*r = api_get(b, REVIEWS "?status=%s", status);
	json_object	*list, *e, *found = NULL;
	size_t		 i;

	ck_assert_msg(r->status == 200, "review queue: %s", rdesc(r));
	list = jget(r->json, "reviews");
	for (i = 0; list != NULL && i < json_object_array_length(list); i++) {
		e = json_object_array_get_idx(list, i);
		if (jint(e, "response_id") == response_id)
			found = json_object_get(e);
	}
	resp_free(r);
	return found;
}

START_TEST(test_questionnaires_are_listed_and_read)
{
	struct user	 u;
	struct resp	*r;
	json_object	*list;
	size_t		 i, found = 0;

	user_register(&u, "qlist");
	r = api(u.b, "GET", QS, NULL);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	expect_api_headers(r);
	list = jget(r->json, "questionnaires");
	for (i = 0; i < json_object_array_length(list); i++) {
		const char *k = jstr(json_object_array_get_idx(list, i), "key");
		found += strcmp(k, "intake") == 0 || strcmp(k, "phq-9") == 0 ||
		    strcmp(k, "gad-7") == 0;
	}
	ck_assert_msg(found == 3, "shipped questionnaires missing: %s", rdesc(r));
	resp_free(r);

	r = api(u.b, "GET", QS "/intake?version=1", NULL);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert_str_eq(jstr(r->json, "resourceType"), "Questionnaire");
	ck_assert_str_eq(jstr(r->json, "id"), "intake");
	ck_assert_str_eq(jstr(r->json, "version"), "1");
	ck_assert_str_eq(jstr(r->json, "url"), "urn:clinic:questionnaire:intake");
	ck_assert_str_eq(jstr(r->json, "item.0.linkId"), "condition");
	ck_assert_msg(jget(r->json, "scoring") != NULL && jget(r->json, "flags") != NULL,
	    "scoring and flags are part of the definition: %s", rdesc(r));
	resp_free(r);

	r = api(u.b, "GET", QS "/phq-9", NULL);
	ck_assert_msg(r->status == 200 && strcmp(jstr(r->json, "scoring.0.name"), "phq9") == 0,
	    "%s", rdesc(r));
	resp_free(r);
	r = api(u.b, "GET", QS "/intake?version=999", NULL);
	expect_problem(r, 404, "not-found");
	resp_free(r);
	r = api(u.b, "GET", QS "/no-such-thing", NULL);
	expect_problem(r, 404, "not-found");
	resp_free(r);
	r = api(u.b, "GET", QS "/intake?version=x", NULL);
	expect_problem(r, 400, "validation");
	ck_assert(has_error_field(r, "version"));
	resp_free(r);
	r = api(u.b, "GET", QS "/intake?colour=red", NULL);
	expect_problem(r, 400, "validation");
	resp_free(r);
	user_free(&u);
}
END_TEST

START_TEST(test_partial_save_and_resume_elsewhere)
{
	struct user	 u;
	struct browser	*b2;
	struct resp	*r;
	long long	 id;
	char		*details;

	user_register(&u, "resume");
	r = api(u.b, "GET", INTAKE, NULL);
	expect_problem(r, 404, "not-found");	/* not started */
	resp_free(r);

	r = save(u.b, INTAKE, "{\"conditions\":[\"chronic-pain\",\"other\"],"
	    "\"condition-other\":\"Cluster headaches\",\"takes-medicines\":true}");
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	expect_api_headers(r);
	id = jint(r->json, "id");
	ck_assert(id > 0);
	ck_assert_str_eq(jstr(r->json, "status"), "in-progress");
	ck_assert_int_eq(jint(r->json, "version"), 1);
	ck_assert(has_str(jget(r->json, "enabled"), "condition-other"));
	ck_assert(has_str(jget(r->json, "enabled"), "medicines-list"));
	ck_assert(has_str(jget(r->json, "remaining_required"), "medicines-list"));
	ck_assert(has_str(jget(r->json, "remaining_required"), "treatments-tried"));
	ck_assert(!has_str(jget(r->json, "remaining_required"), "conditions"));
	ck_assert(!has_str(jget(r->json, "enabled"), "psych-screen"));
	ck_assert(jget(r->json, "scores.phq9") != NULL);
	ck_assert(!jbool(r->json, "scores.phq9.complete"));
	/* One audit row: how many answers changed, never which or what. */
	expect_one_audit(r, "intake.response_saved", "success");
	details = sql_str("SELECT details FROM audit_event WHERE request_id = '%s'", r->rid);
	ck_assert_msg(details != NULL && strstr(details, "\"answers_changed\"") != NULL &&
	    strstr(details, "condition-other") == NULL &&
	    strstr(details, "Cluster") == NULL && strstr(details, "chronic-pain") == NULL,
	    "audit details: %s", details ? details : "(none)");
	free(details);
	resp_free(r);

	/* Another device: sign in afresh, the same answers and state. */
	b2 = br_new();
	resp_free(login(b2, u.email, u.password));
	r = api(b2, "GET", INTAKE, NULL);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert_int_eq(jint(r->json, "id"), id);
	ck_assert_str_eq(jstr(r->json, "answers.condition-other"), "Cluster headaches");
	ck_assert_str_eq(jstr(r->json, "answers.conditions.1"), "other");
	ck_assert(has_str(jget(r->json, "remaining_required"), "medicines-list"));
	resp_free(r);

	/* Carry on there: merged into the same response; null clears an answer. */
	r = save(b2, INTAKE, "{\"medicines-list\":\"Paracetamol\",\"takes-medicines\":null}");
	ck_assert_msg(r->status == 200 && jint(r->json, "id") == id, "%s", rdesc(r));
	ck_assert(!has_str(jget(r->json, "enabled"), "medicines-list"));
	ck_assert(has_str(jget(r->json, "remaining_required"), "takes-medicines"));
	resp_free(r);
	r = api(u.b, "GET", INTAKE, NULL);
	ck_assert(jget(r->json, "answers.takes-medicines") == NULL);
	ck_assert_str_eq(jstr(r->json, "answers.medicines-list"), "Paracetamol");
	ck_assert_str_eq(jstr(r->json, "answers.condition-other"), "Cluster headaches");
	resp_free(r);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM intake_response WHERE patient_id = %lld",
	    (long long)u.id), 1);
	br_free(b2);
	user_free(&u);
}
END_TEST

START_TEST(test_invalid_answers_named_and_nothing_saved)
{
	struct user	 u;
	struct resp	*r;
	char		*before, *after;

	user_register(&u, "invalid");
	resp_free(save_ok(&u, NULL));
	before = sql_str("SELECT answers FROM intake_response WHERE patient_id = %lld",
	    (long long)u.id);
	/* A good change alongside bad ones: all refused, each bad linkId named. */
	r = save(u.b, INTAKE, "{\"smoking\":\"current\",\"conditions\":[\"dragon-pox\"],"
	    "\"psychosis\":\"yes\",\"condition-years\":400,\"alcohol\":[\"never\"],"
	    "\"no-such-question\":1,\"phq9\":\"x\"}");
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "conditions"));
	ck_assert(has_error_field(r, "psychosis"));
	ck_assert(has_error_field(r, "condition-years"));
	ck_assert(has_error_field(r, "alcohol"));
	ck_assert(has_error_field(r, "no-such-question"));
	ck_assert(has_error_field(r, "phq9"));
	ck_assert(!has_error_field(r, "smoking"));
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM audit_event WHERE request_id = '%s'", r->rid),
	    0);
	resp_free(r);
	after = sql_str("SELECT answers FROM intake_response WHERE patient_id = %lld",
	    (long long)u.id);
	ck_assert_str_eq(before, after);
	free(before);
	free(after);

	/* The body itself. */
	r = api(u.b, "PUT", INTAKE, "{\"answers\":{},\"extra\":1}");
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "extra"));
	resp_free(r);
	r = api(u.b, "PUT", INTAKE, "{\"answers\":[1]}");
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "answers"));
	resp_free(r);
	r = api(u.b, "PUT", INTAKE, "{\"answers\":");
	expect_problem(r, 400, "malformed-json");
	resp_free(r);
	r = http_raw(u.b, "PUT", INTAKE, "answers", 7, "text/plain", u.b->csrf, NULL);
	expect_problem(r, 415, "unsupported-media-type");
	resp_free(r);
	r = save(u.b, RESP "/no-such-questionnaire", "{}");
	expect_problem(r, 404, "not-found");
	resp_free(r);
	/* Without the CSRF token nothing happens. */
	r = http_raw(u.b, "PUT", INTAKE, "{\"answers\":{}}", 14, "application/json", NULL, NULL);
	expect_problem(r, 403, "csrf");
	resp_free(r);
	user_free(&u);
}
END_TEST

/* One trigger of the psychiatric branch: the extra items appear, the flag is raised. */
static void
branch_by(const char *trigger, struct browser *clinician)
{
	struct user	 u;
	struct resp	*r;
	json_object	*q;
	long long	 id;

	user_register(&u, "branch");
	r = save_ok(&u, NULL);
	ck_assert_msg(!has_str(jget(r->json, "enabled"), "psych-screen") &&
	    !has_str(jget(r->json, "enabled"), "current-thoughts"),
	    "branch shown without a trigger: %s", rdesc(r));
	ck_assert_int_eq(json_object_array_length(jget(r->json, "flags")), 0);
	resp_free(r);

	r = save(u.b, INTAKE, trigger);
	ck_assert_msg(r->status == 200, "%s: %s", trigger, rdesc(r));
	ck_assert_msg(has_str(jget(r->json, "enabled"), "psych-screen") &&
	    has_str(jget(r->json, "enabled"), "current-thoughts") &&
	    has_str(jget(r->json, "enabled"), "crisis-plan"),
	    "%s did not open the branch: %s", trigger, rdesc(r));
	ck_assert(has_str(jget(r->json, "remaining_required"), "current-thoughts"));
	ck_assert(has_code(jget(r->json, "flags"), "psychiatric-risk"));
	resp_free(r);

	/* The branch's questions must be answered before submitting. */
	r = submit(&u);
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "current-thoughts"));
	ck_assert(has_error_field(r, "crisis-plan"));
	resp_free(r);
	r = save(u.b, INTAKE, PSYCH);
	resp_free(r);
	r = submit(&u);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert_str_eq(jstr(r->json, "outcome"), "needs_review");
	ck_assert(has_code(jget(r->json, "reasons"), "psychiatric-history"));
	ck_assert(has_code(jget(r->json, "flags"), "psychiatric-risk"));
	/* Crisis contacts come with a risk flag. */
	ck_assert(has_code(jget(r->json, "help"), "samaritans"));
	ck_assert(has_code(jget(r->json, "help"), "emergency"));
	ck_assert(jbool(r->json, "queued_for_review"));
	id = jint(r->json, "id");
	resp_free(r);

	q = queued(clinician, id, "open");
	ck_assert_msg(q != NULL, "%s: response %lld not in the review queue", trigger, id);
	ck_assert(has_code(jget(q, "flags"), "psychiatric-risk"));
	ck_assert(has_code(jget(q, "reasons"), "psychiatric-history"));
	ck_assert_int_eq(jint(q, "patient.id"), u.id);
	ck_assert_str_eq(jstr(q, "patient.given_name"), "Reggie");
	ck_assert_str_eq(jstr(q, "patient.family_name"), "Tester");
	ck_assert_str_eq(jstr(q, "outcome"), "needs_review");
	ck_assert(jget(q, "scores.phq9") != NULL);
	json_object_put(q);
	user_free(&u);
}

START_TEST(test_psychiatric_branch_by_each_trigger)
{
	struct browser	*c = staff_new("clinician", NULL);
	char		 item9[64];

	branch_by("{\"psychosis\":true}", c);
	branch_by("{\"bipolar\":true}", c);
	branch_by("{\"suicide-attempt\":true}", c);
	(void)snprintf(item9, sizeof(item9), "{\"phq9-9\":\"%s\"}", F[1]);
	branch_by(item9, c);
	br_free(c);
}
END_TEST

START_TEST(test_eligible_and_a_new_response_after_submission)
{
	struct user	 u;
	struct resp	*r;
	long long	 id;

	user_register(&u, "eligible");
	r = complete_and_submit(&u, NULL, false);
	ck_assert_str_eq(jstr(r->json, "outcome"), "eligible");
	ck_assert_str_eq(jstr(r->json, "status"), "completed");
	ck_assert_int_eq(json_object_array_length(jget(r->json, "reasons")), 0);
	ck_assert_int_eq(json_object_array_length(jget(r->json, "flags")), 0);
	ck_assert(!jbool(r->json, "queued_for_review"));
	ck_assert_msg(jstr(r->json, "title") != NULL && jstr(r->json, "text") != NULL,
	    "plain words for the patient: %s", rdesc(r));
	ck_assert_int_eq(jint(r->json, "scores.gad7.value"), 7);
	ck_assert_str_eq(jstr(r->json, "scores.gad7.band"), "mild");
	expect_one_audit(r, "intake.response_submitted", "success");
	id = jint(r->json, "id");
	resp_free(r);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM intake_review WHERE response_id = %lld", id),
	    0);

	r = api(u.b, "GET", INTAKE, NULL);
	ck_assert_int_eq(jint(r->json, "id"), id);
	ck_assert_str_eq(jstr(r->json, "status"), "completed");
	ck_assert_str_eq(jstr(r->json, "outcome"), "eligible");
	ck_assert_str_eq(jstr(r->json, "result.outcome"), "eligible");
	ck_assert(jstr(r->json, "submitted_at") != NULL);
	resp_free(r);

	/* Submitting again: nothing is in progress. */
	r = submit(&u);
	expect_problem(r, 409, "nothing-to-submit");
	resp_free(r);
	/* A save after submission starts a new response; the submitted one is kept. */
	r = save(u.b, INTAKE, "{\"smoking\":\"former\"}");
	ck_assert_msg(r->status == 200 && jint(r->json, "id") != id, "%s", rdesc(r));
	ck_assert_str_eq(jstr(r->json, "status"), "in-progress");
	resp_free(r);
	r = api(u.b, "GET", RESP, NULL);
	ck_assert_msg(r->status == 200 && json_object_array_length(jget(r->json, "responses")) == 2,
	    "%s", rdesc(r));
	resp_free(r);
	user_free(&u);
}
END_TEST

START_TEST(test_not_eligible_with_reasons_and_help)
{
	static const struct { const char *answers, *code; } cases[] = {
		{ "{\"treatments-tried\":[\"painkillers\"]}", "fewer-than-two-treatments" },
		{ "{\"treatments-tried\":[\"none\"]}", "fewer-than-two-treatments" },
		{ "{\"pregnancy\":[\"breastfeeding\"]}", "pregnancy" },
		{ "{\"pregnancy\":[\"planning\"]}", "pregnancy" },
		{ "{\"conditions\":[\"other\"],\"condition-other\":\"Acne\"}", "no-listed-condition" },
	};
	struct user	 u;
	struct resp	*r;
	size_t		 i;

	for (i = 0; i < nitems(cases); i++) {
		user_register(&u, "noteligible");
		r = complete_and_submit(&u, cases[i].answers, false);
		ck_assert_msg(strcmp(jstr(r->json, "outcome"), "not_eligible") == 0 &&
		    has_code(jget(r->json, "reasons"), cases[i].code), "%s: %s", cases[i].answers,
		    rdesc(r));
		ck_assert(jstr(r->json, "reasons.0.text") != NULL);
		ck_assert(has_code(jget(r->json, "help"), "gp"));
		ck_assert(has_code(jget(r->json, "help"), "nhs111"));
		ck_assert(!jbool(r->json, "queued_for_review"));
		resp_free(r);
		user_free(&u);
	}
}
END_TEST

START_TEST(test_under_18_is_not_eligible)
{
	struct user	 u;
	struct resp	*r;
	char		 dob[32];
	time_t		 now = time(NULL);
	struct tm	 tm;

	gmtime_r(&now, &tm);
	(void)snprintf(dob, sizeof(dob), "%04d-01-01", tm.tm_year + 1900 - 16);
	register_born(&u, "minor", dob);
	r = complete_and_submit(&u, NULL, false);
	ck_assert_str_eq(jstr(r->json, "outcome"), "not_eligible");
	ck_assert(has_code(jget(r->json, "reasons"), "under-18"));
	ck_assert_int_eq(json_object_array_length(jget(r->json, "reasons")), 1);
	resp_free(r);
	user_free(&u);

	/* Eighteen today-ish (born 19 years ago): eligible. */
	(void)snprintf(dob, sizeof(dob), "%04d-01-01", tm.tm_year + 1900 - 19);
	register_born(&u, "adult", dob);
	r = complete_and_submit(&u, NULL, false);
	ck_assert_str_eq(jstr(r->json, "outcome"), "eligible");
	resp_free(r);
	user_free(&u);
}
END_TEST

/* PHQ-9 items 1..k at score phq (the rest 0) and every GAD-7 item at gad, as answers. */
static void
phq_gad(char *o, size_t cap, int k, int phq, int gad)
{
	size_t	n;
	int	i;

	n = (size_t)snprintf(o, cap, "{");
	for (i = 1; i <= 9; i++)
		n += (size_t)snprintf(o + n, cap - n, "\"phq9-%d\":\"%s\",", i, F[i <= k ? phq : 0]);
	for (i = 1; i <= 7; i++)
		n += (size_t)snprintf(o + n, cap - n, "%s\"gad7-%d\":\"%s\"", i > 1 ? "," : "", i,
		    F[gad]);
	(void)snprintf(o + n, cap - n, "}");
}

START_TEST(test_scores_bands_and_severe_scores_need_review)
{
	struct user	 u;
	struct resp	*r;
	char		 o[1024];

	/* PHQ-9: 2+2+2+2+2+0+0+0+0 = 10, moderate; GAD-7 all 0: minimal. */
	phq_gad(o, sizeof(o), 5, 2, 0);
	user_register(&u, "moderate");
	r = save_ok(&u, o);
	ck_assert_int_eq(jint(r->json, "scores.phq9.value"), 10);
	ck_assert_str_eq(jstr(r->json, "scores.phq9.band"), "moderate");
	ck_assert_str_eq(jstr(r->json, "scores.phq9.label"), "Moderate depression");
	ck_assert(jbool(r->json, "scores.phq9.complete"));
	ck_assert_int_eq(jint(r->json, "scores.gad7.value"), 0);
	ck_assert_str_eq(jstr(r->json, "scores.gad7.band"), "minimal");
	resp_free(r);
	r = submit(&u);
	ck_assert_str_eq(jstr(r->json, "outcome"), "eligible");
	resp_free(r);
	user_free(&u);

	/* PHQ-9 items 1-8 at 3 (24, severe; item 9 at 0) and GAD-7 all 3 (21, severe). */
	phq_gad(o, sizeof(o), 8, 3, 3);
	user_register(&u, "severe");
	r = complete_and_submit(&u, o, false);
	ck_assert_str_eq(jstr(r->json, "outcome"), "needs_review");
	ck_assert_int_eq(jint(r->json, "scores.phq9.value"), 24);
	ck_assert_str_eq(jstr(r->json, "scores.phq9.band"), "severe");
	ck_assert_int_eq(jint(r->json, "scores.gad7.value"), 21);
	ck_assert_str_eq(jstr(r->json, "scores.gad7.band"), "severe");
	ck_assert(has_code(jget(r->json, "reasons"), "severe-depression"));
	ck_assert(has_code(jget(r->json, "reasons"), "severe-anxiety"));
	ck_assert(has_code(jget(r->json, "flags"), "severe-depression"));
	ck_assert(!has_code(jget(r->json, "flags"), "psychiatric-risk"));
	ck_assert(jbool(r->json, "queued_for_review"));
	resp_free(r);
	user_free(&u);
}
END_TEST

START_TEST(test_submit_incomplete_names_what_remains)
{
	struct user	 u;
	struct resp	*r;

	user_register(&u, "incomplete");
	r = submit(&u);
	expect_problem(r, 409, "nothing-to-submit");
	resp_free(r);
	resp_free(save(u.b, INTAKE, "{\"conditions\":[\"insomnia\"],\"takes-medicines\":true}"));
	r = submit(&u);
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "treatments-tried"));
	ck_assert(has_error_field(r, "medicines-list"));
	ck_assert(has_error_field(r, "phq9-9"));
	ck_assert(!has_error_field(r, "conditions"));
	ck_assert(!has_error_field(r, "allergies-list"));	/* not enabled */
	resp_free(r);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM intake_response WHERE patient_id = %lld"
	    " AND status = 'in-progress' AND outcome IS NULL", (long long)u.id), 1);
	user_free(&u);
}
END_TEST

/* A small definition for the versioning tests, under key. */
static char *
small_def(const char *title, bool extra)
{
	char	buf[2048];

	(void)snprintf(buf, sizeof(buf), "{\"resourceType\":\"Questionnaire\",\"title\":\"%s\","
	    "\"status\":\"active\",\"item\":[{\"linkId\":\"mood\",\"text\":\"Mood today?\","
	    "\"type\":\"integer\",\"required\":true,\"extension\":[{\"url\":"
	    "\"http://hl7.org/fhir/StructureDefinition/minValue\",\"valueInteger\":0},{\"url\":"
	    "\"http://hl7.org/fhir/StructureDefinition/maxValue\",\"valueInteger\":10}]}%s]}",
	    title, extra ? ",{\"linkId\":\"sleep\",\"text\":\"Hours slept?\",\"type\":\"decimal\","
	    "\"required\":true}" : "");
	return strdup(buf);
}

START_TEST(test_versions_keep_in_progress_responses_on_theirs)
{
	struct browser	*admin = staff_new("admin", NULL), *clin = staff_new("clinician", NULL);
	struct user	 u, v;
	struct resp	*r;
	char		 key[64], path[256], rpath[128], *def;

	(void)snprintf(key, sizeof(key), "api-v-%ld-%d", (long)time(NULL), (int)getpid());
	(void)snprintf(path, sizeof(path), QS "/%s", key);
	(void)snprintf(rpath, sizeof(rpath), RESP "/%s", key);
	def = small_def("Daily check", false);
	/* Only admins write definitions. */
	user_register(&u, "version");
	r = api(u.b, "PUT", path, def);
	expect_problem(r, 404, "not-found");
	resp_free(r);
	r = api(clin, "PUT", path, def);
	expect_problem(r, 403, "forbidden");
	resp_free(r);
	r = api(admin, "PUT", path, def);
	free(def);
	ck_assert_msg(r->status == 201 && jint(r->json, "version") == 1, "%s", rdesc(r));
	expect_one_audit(r, "intake.questionnaire_saved", "success");
	resp_free(r);

	r = save(u.b, rpath, "{\"mood\":7}");
	ck_assert_msg(r->status == 200 && jint(r->json, "version") == 1, "%s", rdesc(r));
	resp_free(r);

	def = small_def("Daily check, with sleep", true);
	r = api(admin, "PUT", path, def);
	free(def);
	ck_assert_msg(r->status == 201 && jint(r->json, "version") == 2, "%s", rdesc(r));
	resp_free(r);
	r = api(u.b, "GET", path, NULL);
	ck_assert_str_eq(jstr(r->json, "version"), "2");
	ck_assert_str_eq(jstr(r->json, "item.1.linkId"), "sleep");
	resp_free(r);
	(void)snprintf(path + strlen(path), sizeof(path) - strlen(path), "?version=1");
	r = api(u.b, "GET", path, NULL);
	ck_assert_msg(r->status == 200 && jget(r->json, "item.1") == NULL, "%s", rdesc(r));
	resp_free(r);

	/* The started response stays on version 1: "sleep" is not asked, nor accepted. */
	r = save(u.b, rpath, "{\"mood\":6}");
	ck_assert_msg(r->status == 200 && jint(r->json, "version") == 1, "%s", rdesc(r));
	ck_assert_int_eq(json_object_array_length(jget(r->json, "remaining_required")), 0);
	resp_free(r);
	r = save(u.b, rpath, "{\"sleep\":7.5}");
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "sleep"));
	resp_free(r);
	/* No rules for this questionnaire: a clinician decides. */
	(void)snprintf(path, sizeof(path), "%s/submit", rpath);
	r = api(u.b, "POST", path, NULL);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert_str_eq(jstr(r->json, "outcome"), "needs_review");
	ck_assert(has_code(jget(r->json, "reasons"), "rules-unavailable"));
	ck_assert_int_eq(jint(r->json, "version"), 1);
	resp_free(r);

	/* A new patient starts on version 2. */
	user_register(&v, "version2");
	r = save(v.b, rpath, "{\"mood\":3}");
	ck_assert_msg(r->status == 200 && jint(r->json, "version") == 2, "%s", rdesc(r));
	ck_assert(has_str(jget(r->json, "remaining_required"), "sleep"));
	resp_free(r);
	user_free(&u);
	user_free(&v);
	br_free(admin);
	br_free(clin);
}
END_TEST

START_TEST(test_bad_definitions_and_rules_are_refused)
{
	static const struct { const char *def, *field, *words; } cases[] = {
		{ "{\"title\":\"T\",\"item\":[{\"linkId\":\"a\",\"text\":\"A\",\"type\":\"boolean\"},"
		  "{\"linkId\":\"a\",\"text\":\"B\",\"type\":\"boolean\"}]}", "a", "used more than once" },
		{ "{\"title\":\"T\",\"item\":[{\"linkId\":\"a\",\"text\":\"A\",\"type\":\"boolean\","
		  "\"enableWhen\":[{\"question\":\"b\",\"operator\":\"=\",\"answerBoolean\":true}]},"
		  "{\"linkId\":\"b\",\"text\":\"B\",\"type\":\"boolean\"}]}", "a.enableWhen[0]",
		  "is not an earlier question" },
		{ "{\"title\":\"T\",\"item\":[{\"linkId\":\"a\",\"text\":\"A\",\"type\":\"slider\"}]}",
		  "a", "is not one of boolean" },
		{ "{\"title\":\"T\",\"item\":[{\"linkId\":\"a\",\"text\":\"A\",\"type\":\"string\"},"
		  "{\"linkId\":\"b\",\"text\":\"B\",\"type\":\"boolean\",\"enableWhen\":[{\"question\":"
		  "\"a\",\"operator\":\">\",\"answerString\":\"x\"}]}]}", "b.enableWhen[0]",
		  "operator > cannot be used with string" },
		{ "{\"item\":[{\"linkId\":\"a\",\"text\":\"A\",\"type\":\"boolean\"}]}", "title",
		  "is required" },
	};
	struct browser	*admin = staff_new("admin", NULL);
	struct resp	*r;
	char		 key[64], path[128], *def;
	size_t		 i, j;
	bool		 named;

	(void)snprintf(key, sizeof(key), "api-bad-%ld-%d", (long)time(NULL), (int)getpid());
	(void)snprintf(path, sizeof(path), QS "/%s", key);
	for (i = 0; i < nitems(cases); i++) {
		r = api(admin, "PUT", path, cases[i].def);
		expect_problem(r, 422, "validation");
		for (named = false, j = 0; j < json_object_array_length(jget(r->json, "errors")); j++) {
			json_object *e = json_object_array_get_idx(jget(r->json, "errors"), j);
			named = named || (strcmp(jstr(e, "field"), cases[i].field) == 0 &&
			    strstr(jstr(e, "detail"), cases[i].words) != NULL);
		}
		ck_assert_msg(named, "case %zu: wanted %s %s in %s", i, cases[i].field,
		    cases[i].words, rdesc(r));
		resp_free(r);
	}
	r = api(admin, "GET", path, NULL);
	expect_problem(r, 404, "not-found");	/* nothing stored */
	resp_free(r);
	r = api(admin, "PUT", QS "/Bad_Key", "{}");
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "key"));
	resp_free(r);

	/* A new intake version that drops a question the rules use is refused. */
	def = small_def("No conditions here", false);
	r = api(admin, "PUT", QS "/intake", def);
	free(def);
	expect_problem(r, 422, "validation");
	ck_assert_msg(strstr(r->body, "rules: ") != NULL && strstr(r->body, "count must name") !=
	    NULL, "%s", rdesc(r));
	resp_free(r);
	ck_assert_int_eq(sql_int("SELECT MAX(version) FROM intake_questionnaire WHERE qkey ="
	    " 'intake'"), 1);

	/* Rules naming what the questionnaire lacks are refused too. */
	r = api(admin, "PUT", "/api/v1/intake/rules/intake", "{\"outcomes\":{},\"help\":[],"
	    "\"rules\":[{\"code\":\"x\",\"outcome\":\"needs_review\",\"text\":\"X\","
	    "\"when\":[{\"question\":\"shoe-size\",\"operator\":\"exists\",\"answerBoolean\":"
	    "true}]}]}");
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "rules[0].when[0]"));
	ck_assert(has_error_field(r, "outcomes.eligible"));
	resp_free(r);
	r = api(admin, "GET", "/api/v1/intake/rules/intake", NULL);
	ck_assert_msg(r->status == 200 && jget(r->json, "rules.rules") != NULL, "%s", rdesc(r));
	resp_free(r);
	br_free(admin);
}
END_TEST

START_TEST(test_fhir_questionnaire_response)
{
	struct user	 u;
	struct resp	*r;
	char		 path[128], subject[64], *ct;
	json_object	*items, *g, *first;
	long long	 id;
	size_t		 i;

	user_register(&u, "fhir");
	r = save(u.b, INTAKE, "{\"conditions\":[\"epilepsy\",\"insomnia\"],"
	    "\"takes-medicines\":false,\"medicines-list\":\"hidden\",\"condition-years\":4}");
	id = jint(r->json, "id");
	resp_free(r);
	(void)snprintf(path, sizeof(path), RESP "/%lld?format=fhir", id);
	r = api(u.b, "GET", path, NULL);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ct = resp_header(r, "Content-Type");
	ck_assert_msg(ct != NULL && strncmp(ct, "application/fhir+json", 21) == 0, "%s", ct);
	free(ct);
	ck_assert_str_eq(jstr(r->json, "resourceType"), "QuestionnaireResponse");
	ck_assert_str_eq(jstr(r->json, "status"), "in-progress");
	resp_free(r);

	resp_free(save_ok(&u, "{\"takes-medicines\":false,\"medicines-list\":\"hidden\"}"));
	resp_free(submit(&u));
	r = api(u.b, "GET", path, NULL);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert_str_eq(jstr(r->json, "resourceType"), "QuestionnaireResponse");
	(void)snprintf(subject, sizeof(subject), "%lld", id);
	ck_assert_str_eq(jstr(r->json, "id"), subject);
	ck_assert_str_eq(jstr(r->json, "questionnaire"), "urn:clinic:questionnaire:intake|1");
	ck_assert_str_eq(jstr(r->json, "status"), "completed");
	(void)snprintf(subject, sizeof(subject), "Patient/%lld", (long long)u.id);
	ck_assert_str_eq(jstr(r->json, "subject.reference"), subject);
	ck_assert_msg(jstr(r->json, "authored") != NULL &&
	    jstr(r->json, "authored")[strlen(jstr(r->json, "authored")) - 1] == 'Z' &&
	    jstr(r->json, "authored")[10] == 'T', "authored: %s", rdesc(r));
	/* Groups are items with item[]; answers carry typed values. */
	items = jget(r->json, "item");
	ck_assert(items != NULL && json_object_array_length(items) >= 6);
	g = json_object_array_get_idx(items, 0);
	ck_assert_str_eq(jstr(g, "linkId"), "condition");
	ck_assert(jget(g, "answer") == NULL);
	first = jget(g, "item.0");
	ck_assert_str_eq(jstr(first, "linkId"), "conditions");
	ck_assert_str_eq(jstr(first, "text"), "Which conditions do you want treatment for?"
	    " Choose all that apply.");
	ck_assert_str_eq(jstr(first, "answer.0.valueCoding.code"), "chronic-pain");
	ck_assert_str_eq(jstr(first, "answer.0.valueCoding.display"), "Chronic pain");
	ck_assert(jstr(first, "answer.0.valueCoding.system") != NULL);
	ck_assert_int_eq(jint(g, "item.1.answer.0.valueInteger"), 4);
	ck_assert_str_eq(jstr(g, "item.1.linkId"), "condition-years");
	/* Disabled items (and the branch nobody triggered) are not there. */
	ck_assert_msg(strstr(r->body, "medicines-list") == NULL && strstr(r->body, "hidden") == NULL &&
	    strstr(r->body, "psych-screen") == NULL, "disabled items in %s", rdesc(r));
	ck_assert(strstr(r->body, "\"valueBoolean\":false") != NULL);
	for (i = 0; i < json_object_array_length(items); i++)
		ck_assert(jstr(json_object_array_get_idx(items, i), "linkId") != NULL);
	resp_free(r);
	/* And the stored answers lost the disabled one at submission. */
	ck_assert_int_eq(sql_int("SELECT JSON_CONTAINS_PATH(answers, 'one', '$.\"medicines-list\"')"
	    " FROM intake_response WHERE id = %lld", id), 0);
	user_free(&u);
}
END_TEST

START_TEST(test_another_patients_response_is_404_and_roles)
{
	struct user	 a, b;
	struct browser	*ph = staff_new("pharmacist", NULL);
	struct resp	*r;
	char		 path[128];
	long long	 id;

	user_register(&a, "owner");
	user_register(&b, "other");
	r = save(a.b, INTAKE, "{\"smoking\":\"never\"}");
	id = jint(r->json, "id");
	resp_free(r);
	(void)snprintf(path, sizeof(path), RESP "/%lld", id);
	r = api(b.b, "GET", path, NULL);
	expect_problem(r, 404, "not-found");
	resp_free(r);
	(void)snprintf(path, sizeof(path), RESP "/%lld?format=fhir", id);
	r = api(b.b, "GET", path, NULL);
	expect_problem(r, 404, "not-found");
	resp_free(r);
	r = api(b.b, "GET", RESP "/999999999", NULL);
	expect_problem(r, 404, "not-found");
	resp_free(r);
	(void)snprintf(path, sizeof(path), RESP "?patient_id=%lld", (long long)a.id);
	r = api(b.b, "GET", path, NULL);
	expect_problem(r, 404, "not-found");
	resp_free(r);
	/* B's own view does not show A's answers. */
	r = api(b.b, "GET", INTAKE, NULL);
	expect_problem(r, 404, "not-found");
	resp_free(r);

	/* Patients cannot see the queue or decide; pharmacists reach no responses. */
	r = api(b.b, "GET", REVIEWS, NULL);
	expect_problem(r, 404, "not-found");
	resp_free(r);
	r = api(b.b, "POST", REVIEWS "/1", "{\"decision\":\"eligible\"}");
	expect_problem(r, 404, "not-found");
	resp_free(r);
	(void)snprintf(path, sizeof(path), RESP "/%lld", id);
	r = api(ph, "GET", path, NULL);
	expect_problem(r, 403, "forbidden");
	resp_free(r);
	r = api(ph, "GET", REVIEWS, NULL);
	expect_problem(r, 403, "forbidden");
	resp_free(r);
	r = api(ph, "PUT", INTAKE, "{\"answers\":{}}");
	expect_problem(r, 403, "forbidden");
	resp_free(r);
	/* Signed out: 401. */
	{
		struct browser *nobody = br_new();
		r = api(nobody, "GET", QS, NULL);
		expect_problem(r, 401, "unauthenticated");
		resp_free(r);
		br_free(nobody);
	}
	user_free(&a);
	user_free(&b);
	br_free(ph);
}
END_TEST

START_TEST(test_staff_reads_are_audited)
{
	struct user	 u;
	struct browser	*c;
	struct resp	*r;
	int64_t		 cid;
	char		 path[128];
	long long	 id;

	c = staff_new("clinician", &cid);
	user_register(&u, "staffread");
	r = save(u.b, INTAKE, "{\"smoking\":\"never\"}");
	id = jint(r->json, "id");
	resp_free(r);
	/* The patient's own reads are not recorded. */
	(void)snprintf(path, sizeof(path), RESP "/%lld", id);
	r = api(u.b, "GET", path, NULL);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM audit_event WHERE request_id = '%s'", r->rid),
	    0);
	resp_free(r);

	r = api(c, "GET", path, NULL);
	ck_assert_msg(r->status == 200 && jint(r->json, "patient_id") == u.id, "%s", rdesc(r));
	ck_assert_str_eq(jstr(r->json, "answers.smoking"), "never");
	expect_one_audit(r, "patient.record_viewed", "success");
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM audit_event WHERE request_id = '%s' AND"
	    " actor_id = %lld AND entity_id = '%lld'", r->rid, (long long)cid, (long long)u.id), 1);
	resp_free(r);

	(void)snprintf(path, sizeof(path), RESP "?patient_id=%lld", (long long)u.id);
	r = api(c, "GET", path, NULL);
	ck_assert_msg(r->status == 200 &&
	    json_object_array_length(jget(r->json, "responses")) == 1, "%s", rdesc(r));
	expect_one_audit(r, "patient.record_viewed", "success");
	resp_free(r);
	r = api(c, "GET", RESP, NULL);
	expect_problem(r, 400, "validation");
	ck_assert(has_error_field(r, "patient_id"));
	resp_free(r);
	/* A staff member has no "own" response by key. */
	r = api(c, "GET", INTAKE, NULL);
	expect_problem(r, 403, "forbidden");
	resp_free(r);
	/* Viewing the queue is recorded too, naming the patients shown. */
	r = api(c, "GET", REVIEWS, NULL);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	expect_one_audit(r, "intake.reviews_viewed", "success");
	if (json_object_array_length(jget(r->json, "reviews")) > 0) {
		char	 want[48], *details;

		details = sql_str("SELECT details FROM audit_event WHERE request_id = '%s'", r->rid);
		(void)snprintf(want, sizeof(want), "%lld", jint(r->json, "reviews.0.patient.id"));
		ck_assert_msg(details != NULL && strstr(details, "\"patients\"") != NULL &&
		    strstr(details, want) != NULL, "audit details: %s", details ? details : "(none)");
		free(details);
	}
	resp_free(r);
	user_free(&u);
	br_free(c);
}
END_TEST

START_TEST(test_clinician_decides_and_the_patient_sees_it)
{
	struct user	 u;
	struct browser	*c, *admin;
	struct resp	*r;
	json_object	*q;
	char		 path[128], body[256];
	long long	 id, rid;

	c = staff_new("clinician", NULL);
	admin = staff_new("admin", NULL);
	user_register(&u, "decide");
	r = complete_and_submit(&u, "{\"bipolar\":true}", true);
	ck_assert_str_eq(jstr(r->json, "outcome"), "needs_review");
	id = jint(r->json, "id");
	resp_free(r);
	/* Admins see the queue too, but clinicians decide. */
	q = queued(admin, id, "open");
	ck_assert_ptr_nonnull(q);
	rid = jint(q, "id");
	json_object_put(q);
	(void)snprintf(path, sizeof(path), REVIEWS "/%lld", rid);
	/* One review, as staff open it: recorded as a read of the patient's record. */
	r = api(c, "GET", path, NULL);
	ck_assert_msg(r->status == 200 && jint(r->json, "response_id") == id, "%s", rdesc(r));
	ck_assert_str_eq(jstr(r->json, "status"), "open");
	ck_assert(has_code(jget(r->json, "flags"), "psychiatric-risk"));
	expect_one_audit(r, "patient.record_viewed", "success");
	resp_free(r);
	r = api(u.b, "GET", path, NULL);
	expect_problem(r, 404, "not-found");
	resp_free(r);
	r = api(admin, "POST", path, "{\"decision\":\"eligible\"}");
	expect_problem(r, 403, "forbidden");
	resp_free(r);
	r = api(c, "POST", path, "{\"decision\":\"maybe\",\"colour\":1}");
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "decision"));
	ck_assert(has_error_field(r, "colour"));
	resp_free(r);
	r = api(c, "POST", REVIEWS "/999999999", "{\"decision\":\"eligible\"}");
	expect_problem(r, 404, "not-found");
	resp_free(r);

	(void)snprintf(body, sizeof(body), "{\"decision\":\"eligible\",\"note\":\"Spoke on the"
	    " phone; stable for 3 years. Please book.\"}");
	r = api(c, "POST", path, body);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert_str_eq(jstr(r->json, "status"), "closed");
	ck_assert_str_eq(jstr(r->json, "decision"), "eligible");
	ck_assert(jstr(r->json, "decided_by.family_name") != NULL);
	expect_one_audit(r, "intake.review_decided", "success");
	resp_free(r);
	r = api(c, "POST", path, "{\"decision\":\"not_eligible\"}");
	expect_problem(r, 409, "already-decided");
	resp_free(r);
	q = queued(c, id, "open");
	ck_assert_ptr_null(q);
	q = queued(c, id, "closed");
	ck_assert_ptr_nonnull(q);
	json_object_put(q);

	r = api(u.b, "GET", INTAKE, NULL);
	ck_assert_str_eq(jstr(r->json, "outcome"), "eligible");
	ck_assert_str_eq(jstr(r->json, "result.outcome"), "needs_review");
	ck_assert_str_eq(jstr(r->json, "review.decision"), "eligible");
	ck_assert_str_eq(jstr(r->json, "review.note"),
	    "Spoke on the phone; stable for 3 years. Please book.");
	resp_free(r);
	user_free(&u);
	br_free(c);
	br_free(admin);
}
END_TEST

Suite *
intake_suite(void)
{
	Suite	*s = suite_create("intake");
	TCase	*tc = tcase_create("intake");

	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, fx_clear_throttle, NULL);
	tcase_add_test(tc, test_questionnaires_are_listed_and_read);
	tcase_add_test(tc, test_partial_save_and_resume_elsewhere);
	tcase_add_test(tc, test_invalid_answers_named_and_nothing_saved);
	tcase_add_test(tc, test_psychiatric_branch_by_each_trigger);
	tcase_add_test(tc, test_eligible_and_a_new_response_after_submission);
	tcase_add_test(tc, test_not_eligible_with_reasons_and_help);
	tcase_add_test(tc, test_under_18_is_not_eligible);
	tcase_add_test(tc, test_scores_bands_and_severe_scores_need_review);
	tcase_add_test(tc, test_submit_incomplete_names_what_remains);
	tcase_add_test(tc, test_versions_keep_in_progress_responses_on_theirs);
	tcase_add_test(tc, test_bad_definitions_and_rules_are_refused);
	tcase_add_test(tc, test_fhir_questionnaire_response);
	tcase_add_test(tc, test_another_patients_response_is_404_and_roles);
	tcase_add_test(tc, test_staff_reads_are_audited);
	tcase_add_test(tc, test_clinician_decides_and_the_patient_sees_it);
	suite_add_tcase(s, tc);
	return s;
}
