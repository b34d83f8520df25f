/*
 * API tests for idv.fcgi and the dispatch daemon (docs/API.md#idv), through
 * nginx, against the stack's identity-provider stand-in
 * (tools/idv-standin), whose address and webhook token come from the stack's
 * clinic.conf: start a check, the outbox delivers, the stand-in completes it
 * and signs a webhook, the result is fetched; forged and missing signatures;
 * the provider down and back (delivered once); the admin review queue;
 * another patient's check; roles and bad input.
 */
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include <check.h>
#include <curl/curl.h>

#include "crypto.h"
#include "helpers.h"

static const char CHECKS[] = "/api/v1/idv/checks";
static const char CURRENT[] = "/api/v1/idv/checks/current";
static const char WEBHOOK[] = "/api/v1/idv/webhook";
static const char REVIEWS[] = "/api/v1/idv/reviews";

static char	standin_url[256];	/* http://127.0.0.1:<port> (idv_base_url without /v3.6) */
static char	webhook_token[256];

/* strcmp that treats NULL (an absent field) as different from anything. */
static bool
same(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

/* A string field, or "" when absent. */
static const char *
text(json_object *o, const char *path)
{
	const char	*s = jstr(o, path);

	return s != NULL ? s : "";
}

static void
idv_setup(void)
{
	char	*p;

	fx_clear_throttle();
	conf_need("idv_base_url", standin_url, sizeof(standin_url));
	if ((p = strstr(standin_url, "/v3.6")) != NULL)
		*p = '\0';
	conf_need("idv_webhook_token", webhook_token, sizeof(webhook_token));
}

struct sbuf {
	char	*p;
	size_t	 n;
};

static size_t
sbuf_add(char *d, size_t s, size_t n, void *arg)
{
	struct sbuf	*b = arg;
	char		*q = realloc(b->p, b->n + s * n + 1);

	if (q == NULL)
		return 0;
	memcpy(q + b->n, d, s * n);
	b->p = q;
	b->n += s * n;
	b->p[b->n] = '\0';
	return s * n;
}

/* A call to the stand-in's control API; returns the parsed reply (caller puts). */
static json_object *
standin(const char *method, const char *path, const char *body)
{
	return standin_call(standin_url, method, path, body);
}

/* Sets the stand-in's failure mode (for times calls, 0: until changed; path NULL: every call). */
static void
standin_mode(const char *mode, int times, const char *path)
{
	char	body[160];

	(void)snprintf(body, sizeof(body), "{\"mode\":\"%s\",\"times\":%d,\"path\":\"%s\"}", mode,
	    times, path != NULL ? path : "");
	json_object_put(standin("POST", "/_control/mode", body));
}

/* How many objects the stand-in created for an idempotency key, and how many calls it saw. */
static void
standin_key(const char *key, long long *creations, long long *requests)
{
	char		 path[256];
	json_object	*o;

	(void)snprintf(path, sizeof(path), "/_control/keys/%s", key);
	o = standin("GET", path, NULL);
	*creations = jint(o, "creations");
	*requests = jint(o, "requests");
	json_object_put(o);
}

/* Completes a workflow run at the stand-in (which signs and sends the webhook). */
static void
standin_complete(const char *run, const char *result)
{
	char		 body[256];
	json_object	*o;

	(void)snprintf(body, sizeof(body), "{\"workflow_run_id\":\"%s\",\"result\":\"%s\"}", run,
	    result);
	o = standin("POST", "/_control/complete", body);
	ck_assert_msg(jint(o, "webhook_status") == 200, "the clinic refused the stand-in's webhook"
	    " (%lld)", jint(o, "webhook_status"));
	json_object_put(o);
}

/* Polls GET /checks/current until status is want (or secs pass); returns the last reply. */
static struct resp *
wait_status(struct browser *b, const char *want, double secs)
{
	double		 until = now_secs() + secs;
	struct resp	*r;
	const char	*st;

	for (;;) {
		r = api(b, "GET", CURRENT, NULL);
		ck_assert_msg(r->status == 200, "current: %s", rdesc(r));
		st = jstr(r->json, "status");
		if ((st != NULL && strcmp(st, want) == 0) || now_secs() > until)
			break;
		resp_free(r);
		usleep(200 * 1000);
	}
	ck_assert_msg(st != NULL && strcmp(st, want) == 0, "status did not become %s in %.0f s: %s",
	    want, secs, rdesc(r));
	return r;
}

/* Starts a check for u (201) and waits for its link; returns the check id, run id in run. */
static long long
start_to_link(struct user *u, char *run, size_t cap)
{
	struct resp	*r = api(u->b, "POST", CHECKS, NULL);
	const char	*link;
	long long	 id;

	ck_assert_msg(r->status == 201, "start: %s", rdesc(r));
	id = jint(r->json, "id");
	ck_assert_msg(id > 0, "start gave no id: %s", rdesc(r));
	resp_free(r);
	r = wait_status(u->b, "link_ready", 20);
	ck_assert_int_eq(jint(r->json, "id"), id);
	link = jstr(r->json, "link_url");
	ck_assert_msg(link != NULL && strncmp(link, standin_url, strlen(standin_url)) == 0,
	    "link_url is not the stand-in's page: %s", rdesc(r));
	ck_assert_msg(jstr(r->json, "sdk_token") != NULL, "no sdk_token: %s", rdesc(r));
	ck_assert_msg(strrchr(link, '/') != NULL, "link has no run id");
	(void)snprintf(run, cap, "%s", strrchr(link, '/') + 1);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM idv_check WHERE id = %lld AND"
	    " workflow_run_id = '%s'", id, run), 1);
	resp_free(r);
	return id;
}

/* A webhook body for run with status, as the provider sends it. */
static void
webhook_body(char *out, size_t cap, const char *run, const char *status)
{
	(void)snprintf(out, cap, "{\"payload\":{\"resource_type\":\"workflow_run\","
	    "\"action\":\"workflow_run.completed\",\"object\":{\"id\":\"%s\",\"status\":\"%s\","
	    "\"completed_at_iso8601\":\"2026-01-01T00:00:00Z\"}}}", run, status);
}

/* POST /webhook with a signature header (NULL: none). */
static struct resp *
post_webhook(const char *body, const char *signature)
{
	struct browser	*b = br_new();
	struct resp	*r;
	char		 h[160];
	const char	*extra[] = { h, NULL };

	(void)snprintf(h, sizeof(h), "X-SHA2-Signature: %s", signature != NULL ? signature : "");
	r = http_raw(b, "POST", WEBHOOK, body, strlen(body), "application/json", NULL,
	    signature != NULL ? extra : NULL);
	br_free(b);
	return r;
}

static void
sign(const char *body, const char *key, char out[65])
{
	unsigned char	mac[64];
	size_t		n = 0;

	ck_assert(crypto_hmac("SHA256", key, strlen(key), body, strlen(body), mac, &n) == CE_OK);
	hex_encode(mac, n, out);
}

/* The status of check id in the database. */
static char *
db_status(long long id)
{
	return sql_str("SELECT status FROM idv_check WHERE id = %lld", id);
}

START_TEST(test_clear_verifies)
{
	struct user	 u;
	struct resp	*r;
	char		 run[80];
	long long	 id;

	user_register(&u, "idv-clear");
	r = api(u.b, "GET", CURRENT, NULL);
	ck_assert_msg(r->status == 200 && same(jstr(r->json, "status"), "none"),
	    "before any check: %s", rdesc(r));
	ck_assert_msg(jget(r->json, "required_for_booking") != NULL, "no required_for_booking");
	resp_free(r);

	r = api(u.b, "POST", CHECKS, NULL);
	ck_assert_msg(r->status == 201, "start: %s", rdesc(r));
	expect_one_audit(r, "idv.check_started", "success");
	id = jint(r->json, "id");
	resp_free(r);
	/* The request only queued the call: the outbox row exists, keyed per check. */
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM outbox WHERE idempotency_key ="
	    " 'idv-%lld-applicant' AND kind = 'idv.create_applicant'", id), 1);
	/* Starting again while one is in progress gives the same check, not a new one. */
	r = api(u.b, "POST", CHECKS, NULL);
	ck_assert_msg(r->status == 200 && jint(r->json, "id") == id, "second start: %s", rdesc(r));
	resp_free(r);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM idv_check WHERE patient_id = %lld",
	    (long long)u.id), 1);

	r = wait_status(u.b, "link_ready", 20);
	(void)snprintf(run, sizeof(run), "%s", strrchr(jstr(r->json, "link_url"), '/') + 1);
	resp_free(r);
	standin_complete(run, "clear");
	r = wait_status(u.b, "clear", 20);
	ck_assert_msg(jbool(r->json, "verified"), "clear is not verified: %s", rdesc(r));
	ck_assert_msg(jstr(r->json, "link_url") == NULL, "link still shown: %s", rdesc(r));
	resp_free(r);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM idv_verified WHERE patient_id = %lld AND"
	    " check_id = %lld AND how = 'clear'", (long long)u.id, id), 1);
	/* Delivered messages keep no personal details, nor the SDK token. */
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM outbox WHERE idempotency_key ="
	    " 'idv-%lld-applicant' AND status = 'done' AND payload NOT LIKE '%%%s%%'"
	    " AND result NOT LIKE '%%%s%%'", id, u.email, u.email), 1);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM outbox WHERE idempotency_key ="
	    " 'idv-%lld-run' AND status = 'done' AND result NOT LIKE '%%sdk_token%%'"
	    " AND JSON_VALUE(result, '$.id') = '%s'", id, run), 1);
	/* Each step is in the audit trail; the daemon's as "system". */
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM audit_event WHERE entity_type = 'idv_check'"
	    " AND entity_id = '%lld' AND action IN ('idv.applicant_created', 'idv.link_ready',"
	    " 'idv.result_recorded') AND actor_role = 'system' AND actor_id IS NULL", id), 3);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM audit_event WHERE entity_type = 'idv_check'"
	    " AND entity_id = '%lld' AND action = 'idv.webhook_received'", id), 1);
	/* Verified: nothing more to start. */
	r = api(u.b, "POST", CHECKS, NULL);
	expect_problem(r, 409, "already-verified");
	resp_free(r);
	user_free(&u);
}
END_TEST

START_TEST(test_consider_review)
{
	struct user	 u;
	struct browser	*admin, *clin;
	struct resp	*r;
	json_object	*list, *mine = NULL;
	char		 run[80], path[96], *reason;
	long long	 id;
	size_t		 i;

	user_register(&u, "idv-consider");
	id = start_to_link(&u, run, sizeof(run));
	standin_complete(run, "consider");
	r = wait_status(u.b, "consider", 20);
	ck_assert_msg(!jbool(r->json, "verified"), "consider must not verify: %s", rdesc(r));
	ck_assert_msg(strstr(text(r->json, "next_step"), "closer look") != NULL, "next_step: %s",
	    rdesc(r));
	resp_free(r);

	/* Only admins see the queue. */
	r = api(u.b, "GET", REVIEWS, NULL);
	expect_problem(r, 404, "not-found");
	resp_free(r);
	clin = staff_new("clinician", NULL);
	r = api(clin, "GET", REVIEWS, NULL);
	expect_problem(r, 403, "forbidden");
	resp_free(r);
	admin = staff_new("admin", NULL);
	r = api(admin, "GET", "/api/v1/idv/reviews?limit=200", NULL);
	ck_assert_msg(r->status == 200, "reviews: %s", rdesc(r));
	expect_one_audit(r, "idv.reviews_viewed", "success");
	list = jget(r->json, "reviews");
	for (i = 0; list != NULL && i < json_object_array_length(list); i++)
		if (jint(json_object_array_get_idx(list, i), "id") == id)
			mine = json_object_array_get_idx(list, i);
	ck_assert_msg(mine != NULL, "check %lld not in the queue: %s", id, rdesc(r));
	ck_assert_str_eq(jstr(mine, "status"), "consider");
	ck_assert_str_eq(jstr(mine, "provider_status"), "review");
	ck_assert_str_eq(jstr(mine, "provider_result.output.result"), "consider");
	ck_assert_msg(jget(mine, "provider_result.reasons") != NULL, "no reasons shown");
	ck_assert_str_eq(jstr(mine, "patient.email"), u.email);
	resp_free(r);

	/* The decision needs a decision and a reason; each bad field is named. */
	(void)snprintf(path, sizeof(path), "%s/%lld", REVIEWS, id);
	r = api(admin, "POST", path, "{}");
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "decision"));
	ck_assert(has_error_field(r, "reason"));
	resp_free(r);
	r = api(admin, "POST", path, "{\"decision\":\"maybe\",\"reason\":\"   \",\"extra\":1}");
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "decision"));
	ck_assert(has_error_field(r, "reason"));
	ck_assert(has_error_field(r, "extra"));
	resp_free(r);
	ck_assert_str_eq((reason = db_status(id)), "consider");
	free(reason);
	r = api(clin, "POST", path, "{\"decision\":\"approve\",\"reason\":\"looks fine\"}");
	expect_problem(r, 403, "forbidden");
	resp_free(r);

	r = api(admin, "POST", path,
	    "{\"decision\":\"approve\",\"reason\":\"Passport seen on video call; face matches\"}");
	ck_assert_msg(r->status == 200, "decide: %s", rdesc(r));
	expect_one_audit(r, "idv.review_decided", "success");
	ck_assert_str_eq(jstr(r->json, "status"), "approved");
	ck_assert_str_eq(jstr(r->json, "decision_reason"), "Passport seen on video call; face matches");
	reason = sql_str("SELECT JSON_VALUE(details, '$.reason') FROM audit_event WHERE"
	    " request_id = '%s'", r->rid);
	ck_assert_msg(reason != NULL && strcmp(reason, "Passport seen on video call; face matches") == 0,
	    "the reason is not in the audit row: %s", reason ? reason : "(none)");
	free(reason);
	resp_free(r);
	/* Decided once. */
	r = api(admin, "POST", path, "{\"decision\":\"reject\",\"reason\":\"changed my mind\"}");
	expect_problem(r, 409, "not-in-review");
	resp_free(r);
	r = wait_status(u.b, "approved", 5);
	ck_assert(jbool(r->json, "verified"));
	resp_free(r);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM idv_verified WHERE patient_id = %lld AND"
	    " how = 'approved'", (long long)u.id), 1);
	br_free(admin);
	br_free(clin);
	user_free(&u);
}
END_TEST

START_TEST(test_declined_try_again)
{
	struct user	 u;
	struct resp	*r;
	char		 run[80];
	long long	 id;

	user_register(&u, "idv-declined");
	id = start_to_link(&u, run, sizeof(run));
	standin_complete(run, "declined");
	r = wait_status(u.b, "declined", 20);
	ck_assert(!jbool(r->json, "verified"));
	ck_assert(jbool(r->json, "can_start_again"));
	ck_assert_msg(strstr(text(r->json, "next_step"), "different document") != NULL &&
	    strstr(text(r->json, "next_step"), "contact the clinic") != NULL,
	    "the patient is not told what to do next: %s", rdesc(r));
	resp_free(r);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM idv_verified WHERE patient_id = %lld",
	    (long long)u.id), 0);
	/* A new attempt. */
	r = api(u.b, "POST", CHECKS, NULL);
	ck_assert_msg(r->status == 201 && jint(r->json, "id") != id && jint(r->json, "attempt") == 2,
	    "second attempt: %s", rdesc(r));
	resp_free(r);
	user_free(&u);
}
END_TEST

START_TEST(test_webhook_signatures)
{
	struct user	 u;
	struct resp	*r;
	char		 run[80], body[512], sig[65], *st;
	long long	 id, audits, refusals, n;
	int		 i;

	user_register(&u, "idv-forged");
	id = start_to_link(&u, run, sizeof(run));
	webhook_body(body, sizeof(body), run, "approved");
	audits = sql_int("SELECT COUNT(*) FROM audit_event WHERE entity_type = 'idv_check' AND"
	    " entity_id = '%lld'", id);
	refusals = sql_int("SELECT COUNT(*) FROM audit_event WHERE action = 'idv.webhook_refused'");

	/*
	 * Missing signature. Refusals are audited at most once a minute per
	 * client address (per idv.fcgi process: the stack runs CLINIC_PROCS, 2):
	 * the first is in the trail, a flood of them is not.
	 */
	r = post_webhook(body, NULL);
	expect_problem(r, 401, "invalid-signature");
	expect_one_audit(r, "idv.webhook_refused", "denied");
	resp_free(r);
	/* Signed with another key. */
	sign(body, "not-the-webhook-token", sig);
	r = post_webhook(body, sig);
	expect_problem(r, 401, "invalid-signature");
	resp_free(r);
	for (i = 0; i < 8; i++) {
		r = post_webhook(body, sig);
		expect_problem(r, 401, "invalid-signature");
		resp_free(r);
	}
	/* The right key, but the body changed after signing. */
	sign(body, webhook_token, sig);
	body[strlen(body) - 5] = 'X';
	r = post_webhook(body, sig);
	expect_problem(r, 401, "invalid-signature");
	resp_free(r);
	/* Not hex, and the wrong length. */
	r = post_webhook(body, "zz");
	expect_problem(r, 401, "invalid-signature");
	resp_free(r);
	/* Nothing changed; the four refusals were recorded. */
	ck_assert_str_eq((st = db_status(id)), "link_ready");
	free(st);
	ck_assert_int_eq(sql_int("SELECT webhooks FROM idv_check WHERE id = %lld", id), 0);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM outbox WHERE idempotency_key LIKE"
	    " 'idv-%lld-result-%%'", id), 0);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM audit_event WHERE entity_type = 'idv_check'"
	    " AND entity_id = '%lld'", id), audits);
	n = sql_int("SELECT COUNT(*) FROM audit_event WHERE action = 'idv.webhook_refused'") -
	    refusals;
	ck_assert_msg(n >= 1 && n <= 2, "12 refusals from one address made %lld audit rows"
	    " (want 1, at most one per idv.fcgi process)", n);

	/* The same body correctly signed (upper-case hex too) is accepted. */
	webhook_body(body, sizeof(body), run, "approved");
	sign(body, webhook_token, sig);
	for (char *p = sig; *p; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	/* The run is not finished at the stand-in: the fetch keeps retrying, status waits. */
	r = post_webhook(body, sig);
	ck_assert_msg(r->status == 200, "signed webhook: %s", rdesc(r));
	expect_one_audit(r, "idv.webhook_received", "success");
	resp_free(r);
	ck_assert_str_eq((st = db_status(id)), "awaiting_result");
	free(st);
	/* The same signed event again (a replay, or the provider retrying): no second fetch. */
	r = post_webhook(body, sig);
	ck_assert_msg(r->status == 200, "replayed webhook: %s", rdesc(r));
	expect_one_audit(r, "idv.webhook_received", "ignored");
	resp_free(r);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM outbox WHERE idempotency_key LIKE"
	    " 'idv-%lld-result-%%'", id), 1);
	/* Signed but not the provider's shape: 400, audited. */
	sign("[1,2]", webhook_token, sig);
	r = post_webhook("[1,2]", sig);
	expect_problem(r, 400, "malformed-json");
	expect_one_audit(r, "idv.webhook_malformed", "failure");
	resp_free(r);
	/* Another run nobody knows: acknowledged, changes nothing. */
	webhook_body(body, sizeof(body), "00000000-0000-0000-0000-000000000000", "approved");
	sign(body, webhook_token, sig);
	r = post_webhook(body, sig);
	ck_assert_msg(r->status == 200, "unknown run: %s", rdesc(r));
	expect_one_audit(r, "idv.webhook_ignored", "ignored");
	resp_free(r);
	/* The stand-in finishing the run then settles it. */
	standin_complete(run, "clear");
	r = wait_status(u.b, "clear", 20);
	resp_free(r);
	user_free(&u);
}
END_TEST

START_TEST(test_provider_down)
{
	struct user	 u;
	struct resp	*r;
	double		 until;
	long long	 id, creations, requests, attempts = 0;
	char		 key[64], *err = NULL, *st;

	user_register(&u, "idv-down");
	standin_mode("down", 0, NULL);
	r = api(u.b, "POST", CHECKS, NULL);
	ck_assert_msg(r->status == 201, "start while the provider is down: %s", rdesc(r));
	id = jint(r->json, "id");
	resp_free(r);
	(void)snprintf(key, sizeof(key), "idv-%lld-applicant", id);
	/* The outbox retries with backoff, recording why. */
	until = now_secs() + 20;
	while (now_secs() < until) {
		attempts = sql_int("SELECT attempts FROM outbox WHERE idempotency_key = '%s'", key);
		if (attempts >= 2)
			break;
		usleep(200 * 1000);
	}
	ck_assert_msg(attempts >= 2, "the outbox did not retry (attempts %lld)", attempts);
	usleep(300 * 1000);
	err = sql_str("SELECT last_error FROM outbox WHERE idempotency_key = '%s'", key);
	ck_assert_msg(err != NULL && *err != '\0', "no last_error recorded");
	free(err);
	ck_assert_msg(sql_int("SELECT COUNT(*) FROM outbox WHERE idempotency_key = '%s' AND"
	    " status IN ('pending','sending')", key) == 1, "the row gave up too early");
	ck_assert_msg(sql_int("SELECT COUNT(*) FROM audit_event WHERE action ="
	    " 'outbox.retry_scheduled' AND entity_id = (SELECT id FROM outbox WHERE"
	    " idempotency_key = '%s')", key) >= 1, "retries are not audited");
	r = api(u.b, "GET", CURRENT, NULL);
	ck_assert_msg(same(jstr(r->json, "status"), "queued") && jbool(r->json, "retrying"),
	    "the patient is not shown that it is retrying: %s", rdesc(r));
	resp_free(r);
	standin_key(key, &creations, &requests);
	ck_assert_int_eq(creations, 0);

	/* Back up: delivered, once. */
	standin_mode("ok", 0, NULL);
	r = wait_status(u.b, "link_ready", 60);
	resp_free(r);
	ck_assert_str_eq((st = sql_str("SELECT status FROM outbox WHERE idempotency_key = '%s'",
	    key)), "done");
	free(st);
	standin_key(key, &creations, &requests);
	ck_assert_int_eq(creations, 1);
	user_free(&u);
}
END_TEST

START_TEST(test_lost_answer_delivered_once)
{
	struct user	 u;
	struct resp	*r;
	long long	 id, creations, requests;
	char		 key[64];

	/*
	 * The provider creates the applicant, but its answer never arrives, twice
	 * (libcurl itself resends once when a kept-alive connection dies unanswered).
	 */
	user_register(&u, "idv-lost");
	standin_mode("lose_response", 2, "/v3.6/applicants");
	r = api(u.b, "POST", CHECKS, NULL);
	ck_assert_msg(r->status == 201, "start: %s", rdesc(r));
	id = jint(r->json, "id");
	resp_free(r);
	r = wait_status(u.b, "link_ready", 30);
	resp_free(r);
	(void)snprintf(key, sizeof(key), "idv-%lld-applicant", id);
	ck_assert_int_ge(sql_int("SELECT attempts FROM outbox WHERE idempotency_key = '%s'", key), 2);
	/* Sent twice with the same Idempotency-Key; created once. */
	standin_key(key, &creations, &requests);
	ck_assert_int_eq(creations, 1);
	ck_assert_int_ge(requests, 3);
	user_free(&u);
}
END_TEST

START_TEST(test_other_patients_check)
{
	struct user	 a, b;
	struct browser	*admin;
	struct resp	*r;
	char		 path[96];
	long long	 id;

	user_register(&a, "idv-owner");
	user_register(&b, "idv-other");
	r = api(a.b, "POST", CHECKS, NULL);
	ck_assert_msg(r->status == 201, "start: %s", rdesc(r));
	id = jint(r->json, "id");
	resp_free(r);
	(void)snprintf(path, sizeof(path), "%s/%lld", CHECKS, id);
	r = api(a.b, "GET", path, NULL);
	ck_assert_msg(r->status == 200 && jint(r->json, "id") == id, "own check: %s", rdesc(r));
	ck_assert_msg(jget(r->json, "provider_result") == NULL, "a patient sees provider internals");
	resp_free(r);
	r = api(b.b, "GET", path, NULL);
	expect_problem(r, 404, "not-found");
	resp_free(r);
	r = api(b.b, "GET", "/api/v1/idv/checks/999999999", NULL);
	expect_problem(r, 404, "not-found");
	resp_free(r);
	r = api(b.b, "GET", "/api/v1/idv/checks/x1", NULL);
	expect_problem(r, 404, "not-found");
	resp_free(r);
	/* b's own current is b's, not a's. */
	r = api(b.b, "GET", CURRENT, NULL);
	ck_assert_msg(same(jstr(r->json, "status"), "none"), "b sees a check: %s", rdesc(r));
	resp_free(r);
	/* A patient cannot ask staff's per-patient view either. */
	(void)snprintf(path, sizeof(path), "/api/v1/idv/patients/%lld", (long long)a.id);
	r = api(b.b, "GET", path, NULL);
	expect_problem(r, 404, "not-found");
	resp_free(r);
	/* An admin can, and the read is recorded. */
	admin = staff_new("admin", NULL);
	r = api(admin, "GET", path, NULL);
	ck_assert_msg(r->status == 200 && jint(r->json, "latest_check.id") == id, "admin: %s",
	    rdesc(r));
	ck_assert_msg(!jbool(r->json, "verified"), "not verified yet: %s", rdesc(r));
	resp_free(r);
	ck_assert_int_ge(sql_int("SELECT COUNT(*) FROM audit_event WHERE entity_id = '%lld' AND"
	    " details LIKE '%%identity_status%%'", (long long)a.id), 1);
	br_free(admin);
	r = wait_status(a.b, "link_ready", 20);
	resp_free(r);
	user_free(&a);
	user_free(&b);
}
END_TEST

START_TEST(test_roles_and_input)
{
	struct user	 u;
	struct browser	*anon = br_new(), *admin;
	struct resp	*r;

	r = api(anon, "GET", CURRENT, NULL);
	expect_problem(r, 401, "unauthenticated");
	resp_free(r);
	br_free(anon);
	user_register(&u, "idv-input");
	r = api(u.b, "POST", CHECKS, "{\"document\":\"passport\"}");
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "document"));
	resp_free(r);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM idv_check WHERE patient_id = %lld",
	    (long long)u.id), 0);
	r = api(u.b, "GET", "/api/v1/idv/outbox", NULL);
	expect_problem(r, 404, "not-found");
	resp_free(r);
	admin = staff_new("admin", NULL);
	r = api(admin, "POST", CHECKS, NULL);
	expect_problem(r, 403, "forbidden");
	resp_free(r);
	r = api(admin, "GET", "/api/v1/idv/reviews?state=bogus&limit=0", NULL);
	expect_problem(r, 400, "validation");
	ck_assert(has_error_field(r, "state"));
	ck_assert(has_error_field(r, "limit"));
	resp_free(r);
	r = api(admin, "POST", "/api/v1/idv/reviews/999999999",
	    "{\"decision\":\"reject\",\"reason\":\"no such check\"}");
	expect_problem(r, 404, "not-found");
	resp_free(r);
	br_free(admin);
	user_free(&u);
}
END_TEST

START_TEST(test_failed_visible_to_admins)
{
	struct browser	*admin = staff_new("admin", NULL);
	struct resp	*r;
	json_object	*list;
	char		 key[64], path[96];
	long long	 id = 0, st = 0, unknown, done;
	double		 until;
	size_t		 i;
	bool		 seen = false;

	/*
	 * A message that cannot be delivered (its payload is not a JSON object)
	 * fails at once, and admins can see and retry it. A kind no handler here
	 * knows (e.g. pharmacy.*, for a later bridge) is never claimed: it stays
	 * pending, untouched.
	 */
	(void)snprintf(key, sizeof(key), "test-unknown-%ld-%ld", (long)time(NULL), (long)getpid());
	ck_assert_int_eq(sql_exec("INSERT INTO outbox (kind, payload, idempotency_key, status,"
	    " attempts, next_attempt_at, created_at) VALUES ('test.nobody', '{}', '%s', 'pending',"
	    " 0, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))", key), 0);
	unknown = sql_int("SELECT id FROM outbox WHERE idempotency_key = '%s'", key);
	(void)snprintf(key, sizeof(key), "test-bad-%ld-%ld", (long)time(NULL), (long)getpid());
	ck_assert_int_eq(sql_exec("INSERT INTO outbox (kind, payload, idempotency_key, status,"
	    " attempts, next_attempt_at, created_at) VALUES ('notify.email', '[]', '%s', 'pending',"
	    " 0, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))", key), 0);
	id = sql_int("SELECT id FROM outbox WHERE idempotency_key = '%s'", key);
	until = now_secs() + 20;
	while (now_secs() < until && (st = sql_int("SELECT status = 'failed' FROM outbox WHERE"
	    " id = %lld", id)) != 1)
		usleep(200 * 1000);
	ck_assert_msg(st == 1, "the undeliverable message did not fail");
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM outbox WHERE id = %lld AND status ="
	    " 'pending' AND attempts = 0 AND locked_by IS NULL", unknown), 1);
	ck_assert_int_eq(sql_exec("DELETE FROM outbox WHERE id = %lld", unknown), 0);
	r = api(admin, "GET", "/api/v1/idv/outbox?status=failed&limit=200", NULL);
	ck_assert_msg(r->status == 200, "outbox: %s", rdesc(r));
	list = jget(r->json, "messages");
	for (i = 0; list != NULL && i < json_object_array_length(list); i++) {
		json_object *m = json_object_array_get_idx(list, i);
		if (jint(m, "id") == id) {
			seen = true;
			ck_assert_msg(strstr(text(m, "last_error"), "not a JSON object") != NULL,
			    "last_error: %s", jstr(m, "last_error"));
			ck_assert_msg(jget(m, "payload") == NULL, "payloads are not shown");
		}
	}
	ck_assert_msg(seen, "failed message %lld not listed: %s", id, rdesc(r));
	resp_free(r);
	(void)snprintf(path, sizeof(path), "/api/v1/idv/outbox/%lld/retry", id);
	r = api(admin, "POST", path, NULL);
	ck_assert_msg(r->status == 200, "retry: %s", rdesc(r));
	expect_one_audit(r, "outbox.retry_requested", "success");
	ck_assert_int_eq(jint(r->json, "attempts"), 0);
	ck_assert_msg(jget(r->json, "dead_letter") == NULL, "the idv outbox has no dead_letter");
	resp_free(r);
	/* a message that has not failed is not retried: 409 not-failed, nothing changed */
	ck_assert_int_eq(sql_exec("INSERT INTO outbox (kind, payload, idempotency_key, status,"
	    " attempts, next_attempt_at, created_at, delivered_at) VALUES ('idv.test_done', '{}',"
	    " 'idv-test-done-%lld-%d', 'done', 1, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6),"
	    " UTC_TIMESTAMP(6))", (long long)time(NULL), (int)getpid()), 0);
	done = (long long)sql_int("SELECT LAST_INSERT_ID()");
	ck_assert(done > 0);
	(void)snprintf(path, sizeof(path), "/api/v1/idv/outbox/%lld/retry", (long long)done);
	r = api(admin, "POST", path, NULL);
	expect_problem(r, 409, "not-failed");
	resp_free(r);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM outbox WHERE id = %lld AND status = 'done'"
	    " AND attempts = 1", (long long)done), 1);
	ck_assert_int_eq(sql_exec("DELETE FROM outbox WHERE id = %lld", (long long)done), 0);
	(void)snprintf(path, sizeof(path), "/api/v1/idv/outbox/%lld/retry", id);
	until = now_secs() + 20;
	while (now_secs() < until && sql_int("SELECT status = 'failed' FROM outbox WHERE"
	    " id = %lld", id) != 1)
		usleep(200 * 1000);
	ck_assert_int_eq(sql_int("SELECT attempts FROM outbox WHERE id = %lld", id), 1);
	r = api(admin, "POST", path, NULL);	/* failed again: can be retried again */
	ck_assert_msg(r->status == 200, "retry again: %s", rdesc(r));
	resp_free(r);
	br_free(admin);
}
END_TEST

/* Reshapes the stand-in's next successful answer to path (see standin.mjs /_control/shape). */
static void
standin_shape(const char *path, const char *fields)
{
	char	body[512];

	(void)snprintf(body, sizeof(body), "{\"path\":\"%s\",\"fields\":%s}", path, fields);
	json_object_put(standin("POST", "/_control/shape", body));
}

/* Waits until the outbox row with key has status want; returns whether it did. */
static bool
outbox_becomes(const char *key, const char *want, double secs)
{
	double	until = now_secs() + secs;

	for (;;) {
		if (sql_int("SELECT COUNT(*) FROM outbox WHERE idempotency_key = '%s' AND"
		    " status = '%s'", key, want) == 1)
			return true;
		if (now_secs() > until)
			return false;
		usleep(200 * 1000);
	}
}

/* Starts a check for u (201); returns its id. */
static long long
start_check(struct user *u)
{
	struct resp	*r = api(u->b, "POST", CHECKS, NULL);
	long long	 id;

	ck_assert_msg(r->status == 201, "start: %s", rdesc(r));
	id = jint(r->json, "id");
	resp_free(r);
	return id;
}

/* Asserts the outbox row with key fails within 20 s; returns its last_error (caller frees). */
static char *
outbox_failed(const char *key)
{
	ck_assert_msg(outbox_becomes(key, "failed", 20), "%s did not fail (status %s)", key,
	    sql_str("SELECT status FROM outbox WHERE idempotency_key = '%s'", key));
	return sql_str("SELECT last_error FROM outbox WHERE idempotency_key = '%s'", key);
}

START_TEST(test_overlong_status_fails)
{
	struct user	 u;
	struct resp	*r;
	char		 key[64], *err;
	long long	 id;

	/*
	 * A run whose status word does not fit (provider_status is 32): the
	 * answer is refused, the message fails at once (it used to stay
	 * 'sending' and be posted again every lease, for ever).
	 */
	user_register(&u, "idv-longstatus");
	standin_shape("/v3.6/workflow_runs",
	    "{\"status\":\"awaiting_input_awaiting_input_awaiting_input\"}");
	id = start_check(&u);
	(void)snprintf(key, sizeof(key), "idv-%lld-run", id);
	err = outbox_failed(key);
	ck_assert_msg(err != NULL && strstr(err, "status") != NULL, "last_error: %s",
	    err ? err : "(none)");
	free(err);
	r = wait_status(u.b, "failed", 10);
	resp_free(r);
	user_free(&u);
}
END_TEST

START_TEST(test_unrecordable_answer_fails)
{
	struct user	 a, b;
	struct resp	*r;
	char		 run[80], key[64], fields[160], *err;
	long long	 id;

	/*
	 * The provider gives b's check the run id a's check has: recording it
	 * breaks a unique key every time. The message is marked failed (with the
	 * error) in a second transaction instead of being re-sent for ever.
	 */
	user_register(&a, "idv-dup-a");
	user_register(&b, "idv-dup-b");
	(void)start_to_link(&a, run, sizeof(run));
	(void)snprintf(fields, sizeof(fields), "{\"id\":\"%s\"}", run);
	standin_shape("/v3.6/workflow_runs", fields);
	id = start_check(&b);
	(void)snprintf(key, sizeof(key), "idv-%lld-run", id);
	err = outbox_failed(key);
	ck_assert_msg(err != NULL && strstr(err, "could not be recorded") != NULL,
	    "last_error: %s", err ? err : "(none)");
	free(err);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM audit_event WHERE action = 'outbox.failed'"
	    " AND entity_id = (SELECT id FROM outbox WHERE idempotency_key = '%s')", key), 1);
	r = wait_status(b.b, "failed", 10);
	resp_free(r);
	/* a's check is untouched. */
	r = wait_status(a.b, "link_ready", 5);
	resp_free(r);
	user_free(&a);
	user_free(&b);
}
END_TEST

START_TEST(test_sending_out_of_attempts)
{
	char		 key[64];
	long long	 creations, requests;

	/*
	 * A row left 'sending' (its dispatcher died) that has used every attempt
	 * is failed when its lease runs out, not sent once more.
	 */
	(void)snprintf(key, sizeof(key), "test-spent-%ld-%ld", (long)time(NULL), (long)getpid());
	ck_assert_int_eq(sql_exec("INSERT INTO outbox (kind, payload, idempotency_key, status,"
	    " attempts, next_attempt_at, locked_by, locked_until, created_at) VALUES"
	    " ('idv.create_applicant', '{\"check_id\":0,\"applicant\":{\"first_name\":\"Spent\","
	    "\"last_name\":\"Row\"}}', '%s', 'sending', 100, UTC_TIMESTAMP(6), 'gone:1:x',"
	    " UTC_TIMESTAMP(6) - INTERVAL 1 SECOND, UTC_TIMESTAMP(6))", key), 0);
	free(outbox_failed(key));
	ck_assert_int_eq(sql_int("SELECT attempts FROM outbox WHERE idempotency_key = '%s'", key),
	    100);
	standin_key(key, &creations, &requests);
	ck_assert_int_eq(requests, 0);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM audit_event WHERE action = 'outbox.failed'"
	    " AND entity_id = (SELECT id FROM outbox WHERE idempotency_key = '%s')", key), 1);
}
END_TEST

START_TEST(test_error_body_not_kept)
{
	struct user	 u;
	char		 key[64], *err;
	long long	 id;

	/*
	 * The provider refuses the applicant with an error that echoes what it
	 * was sent: only the HTTP status and the error type are kept.
	 */
	user_register(&u, "idv-echo");
	standin_mode("reject", 0, "/v3.6/applicants");
	id = start_check(&u);
	(void)snprintf(key, sizeof(key), "idv-%lld-applicant", id);
	err = outbox_failed(key);
	ck_assert_msg(err != NULL && strcmp(err, "the provider answered 422 (validation_error)") == 0,
	    "last_error: %s", err ? err : "(none)");
	free(err);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM audit_event WHERE details LIKE '%%%s%%'",
	    u.email), 0);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM audit_event WHERE details LIKE"
	    " '%%Rejected:%%'"), 0);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM idv_check WHERE id = %lld AND"
	    " error LIKE '%%Rejected%%'", id), 0);
	user_free(&u);
}
END_TEST

/* Starts the stack's dispatcher program with CLINIC_CONF=conf; returns its pid. */
static pid_t
dispatcher_spawn(const char *conf)
{
	char	path[1024], *copy = strdup(E.clinic);
	pid_t	pid;
	int	fd;

	ck_assert(copy != NULL);
	/* E.clinic is <build>/modules/admin-cli/clinic. */
	(void)snprintf(path, sizeof(path), "%s/dispatch/dispatch", dirname(dirname(copy)));
	free(copy);
	ck_assert_msg(access(path, X_OK) == 0, "no dispatcher at %s", path);
	if ((pid = fork()) == 0) {
		setenv("CLINIC_CONF", conf, 1);
		if ((fd = open("/dev/null", O_RDWR)) >= 0) {
			dup2(fd, 0);
			dup2(fd, 1);
		}
		execl(path, path, (char *)NULL);
		_exit(127);
	}
	ck_assert(pid > 0);
	return pid;
}

/* Runs the dispatcher with the stack's clinic.conf but idv_base_url = url; returns its exit status (-1: still running after 10 s). */
static int
dispatcher_with_base(const char *url)
{
	char	 conf[1024], line[1024];
	FILE	*in, *out;
	pid_t	 pid, done;
	int	 fd, st = 0;
	double	 until;

	(void)snprintf(conf, sizeof(conf), "%s.idvbase-%ld", E.conf, (long)getpid());
	ck_assert((in = fopen(E.conf, "r")) != NULL);
	ck_assert((fd = open(conf, O_WRONLY | O_CREAT | O_TRUNC, 0600)) >= 0);
	ck_assert((out = fdopen(fd, "w")) != NULL);
	while (fgets(line, sizeof(line), in) != NULL)
		if (strncmp(line, "idv_base_url = ", 15) != 0)
			fputs(line, out);
	fprintf(out, "idv_base_url = %s\n", url);
	fclose(in);
	fclose(out);
	pid = dispatcher_spawn(conf);
	until = now_secs() + 10;
	while ((done = waitpid(pid, &st, WNOHANG)) == 0 && now_secs() < until)
		usleep(100 * 1000);
	unlink(conf);
	if (done == pid)
		return WIFEXITED(st) ? WEXITSTATUS(st) : 128;
	ck_assert_int_eq(kill(pid, SIGTERM), 0);
	ck_assert_int_eq(waitpid(pid, &st, 0), pid);
	return -1;
}

START_TEST(test_plain_http_refused)
{
	/* The API token never travels in clear: plain http only to this host. */
	ck_assert_int_eq(dispatcher_with_base("http://idv.example.com/v3.6"), 78);
	ck_assert_int_eq(dispatcher_with_base("http://127.0.0.1.example.com/v3.6"), 78);
	ck_assert_int_eq(dispatcher_with_base("ftp://127.0.0.1/v3.6"), 78);
	/* Loopback http (the stand-in) starts: still running when asked to stop. */
	ck_assert_int_eq(dispatcher_with_base("http://localhost:9/v3.6"), -1);
}
END_TEST

/* Starts another dispatcher of the stack's build (beside the one scripts/test runs). */
static pid_t
second_dispatcher(void)
{
	return dispatcher_spawn(E.conf);
}

START_TEST(test_two_dispatchers)
{
	struct user	 u[6];
	struct resp	*r;
	long long	 ids[6], creations, requests;
	char		 key[64];
	pid_t		 pid = second_dispatcher();
	int		 i, st = -1;
	double		 until;

	usleep(300 * 1000);
	for (i = 0; i < 6; i++) {
		user_register(&u[i], "idv-two");
		r = api(u[i].b, "POST", CHECKS, NULL);
		ck_assert_msg(r->status == 201, "start: %s", rdesc(r));
		ids[i] = jint(r->json, "id");
		resp_free(r);
	}
	for (i = 0; i < 6; i++) {
		r = wait_status(u[i].b, "link_ready", 30);
		resp_free(r);
		/* Each message was claimed by one dispatcher and sent once. */
		(void)snprintf(key, sizeof(key), "idv-%lld-applicant", ids[i]);
		standin_key(key, &creations, &requests);
		ck_assert_msg(creations == 1 && requests == 1, "%s: %lld created, %lld sent", key,
		    creations, requests);
		(void)snprintf(key, sizeof(key), "idv-%lld-run", ids[i]);
		standin_key(key, &creations, &requests);
		ck_assert_msg(creations == 1 && requests == 1, "%s: %lld created, %lld sent", key,
		    creations, requests);
		ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM outbox WHERE idempotency_key LIKE"
		    " 'idv-%lld-%%' AND status = 'done' AND attempts = 1", ids[i]), 2);
		user_free(&u[i]);
	}
	/* SIGTERM stops a dispatcher cleanly. */
	ck_assert_int_eq(kill(pid, SIGTERM), 0);
	until = now_secs() + 20;
	while (now_secs() < until && waitpid(pid, &st, WNOHANG) == 0)
		usleep(100 * 1000);
	ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "dispatcher ended with status %d", st);
}
END_TEST

static void
idv_teardown(void)
{
	/* Never leave the stand-in failing for the next test. */
	CURL	*c = curl_easy_init();
	char	 url[512];

	if (c == NULL || standin_url[0] == '\0')
		return;
	(void)snprintf(url, sizeof(url), "%s/_control/mode", standin_url);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, "{\"mode\":\"ok\"}");
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 5L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sbuf_add);
	{
		struct sbuf b = { NULL, 0 };
		curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
		(void)curl_easy_perform(c);
		free(b.p);
	}
	curl_easy_cleanup(c);
}

Suite *
idv_suite(void)
{
	Suite	*s = suite_create("idv");
	TCase	*tc;

	tc = tcase_create("flow");
	tcase_add_checked_fixture(tc, idv_setup, idv_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_clear_verifies);
	tcase_add_test(tc, test_consider_review);
	tcase_add_test(tc, test_declined_try_again);
	tcase_add_test(tc, test_webhook_signatures);
	tcase_add_test(tc, test_other_patients_check);
	tcase_add_test(tc, test_roles_and_input);
	suite_add_tcase(s, tc);

	tc = tcase_create("outbox");
	tcase_add_checked_fixture(tc, idv_setup, idv_teardown);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_provider_down);
	tcase_add_test(tc, test_lost_answer_delivered_once);
	tcase_add_test(tc, test_failed_visible_to_admins);
	tcase_add_test(tc, test_two_dispatchers);
	tcase_add_test(tc, test_overlong_status_fails);
	tcase_add_test(tc, test_unrecordable_answer_fails);
	tcase_add_test(tc, test_sending_out_of_attempts);
	tcase_add_test(tc, test_error_body_not_kept);
	tcase_add_test(tc, test_plain_http_refused);
	suite_add_tcase(s, tc);
	return s;
}
