/*
 * Auth: registration, sign-in and its back-off, the second factor, CSRF,
 * session expiry, password change, sign-out, role checks — and the audit
 * row each of them writes.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>

#include "helpers.h"

static const char ME[] = "/api/v1/auth/me";
static const char PREFS[] = "/api/v1/auth/me/preferences";
static const char EVENTS[] = "/api/v1/audit/events";

/* The session body: {user{id,role,email,given_name,family_name}, mfa_required, mfa_enrolled, csrf_token}. */
static void
expect_session_body(const struct resp *r, const char *role, const char *email)
{
	const char	*csrf = jstr(r->json, "csrf_token");
	char		*ct = resp_header(r, "Content-Type");

	ck_assert_msg(ct != NULL && strncmp(ct, "application/json", 16) == 0,
	    "Content-Type %s: %s", ct ? ct : "(absent)", rdesc(r));
	free(ct);
	expect_api_headers(r);
	ck_assert_msg(jint(r->json, "user.id") > 0, "user.id: %s", rdesc(r));
	ck_assert_msg(jstr(r->json, "user.role") != NULL &&
	    strcmp(jstr(r->json, "user.role"), role) == 0, "user.role: %s", rdesc(r));
	ck_assert_msg(jstr(r->json, "user.email") != NULL &&
	    strcmp(jstr(r->json, "user.email"), email) == 0, "user.email: %s", rdesc(r));
	ck_assert_msg(jstr(r->json, "user.given_name") != NULL, "user.given_name: %s", rdesc(r));
	ck_assert_msg(jstr(r->json, "user.family_name") != NULL, "user.family_name: %s",
	    rdesc(r));
	ck_assert_msg(jget(r->json, "mfa_required") != NULL &&
	    json_object_is_type(jget(r->json, "mfa_required"), json_type_boolean),
	    "mfa_required: %s", rdesc(r));
	ck_assert_msg(jget(r->json, "mfa_enrolled") != NULL &&
	    json_object_is_type(jget(r->json, "mfa_enrolled"), json_type_boolean),
	    "mfa_enrolled: %s", rdesc(r));
	ck_assert_msg(csrf != NULL && strlen(csrf) == 43, "csrf_token: %s", rdesc(r));
}

/* The reply set a session cookie: clinic_session=<43 chars>; HttpOnly; SameSite=Strict. */
static void
expect_session_cookie(const struct resp *r)
{
	char	*sc = resp_header(r, "Set-Cookie");

	ck_assert_msg(sc != NULL && strncmp(sc, SESSION_COOKIE "=", strlen(SESSION_COOKIE) + 1) == 0,
	    "Set-Cookie %s: %s", sc ? sc : "(absent)", rdesc(r));
	ck_assert_msg(strcspn(sc + strlen(SESSION_COOKIE) + 1, ";") == 43,
	    "session token is not 43 characters: %s", sc);
	ck_assert_msg(strstr(sc, "HttpOnly") != NULL, "cookie not HttpOnly: %s", sc);
	ck_assert_msg(strstr(sc, "SameSite=Strict") != NULL, "cookie not SameSite=Strict: %s", sc);
	ck_assert_msg(strstr(sc, "Path=/") != NULL, "cookie Path: %s", sc);
	free(sc);
}

static void
expect_status(struct resp *r, long status)
{
	ck_assert_msg(r->status == status, "expected %ld: %s", status, rdesc(r));
}

/* GET /me as b: the status. */
static long
me_status(struct browser *b)
{
	struct resp	*r = api(b, "GET", ME, NULL);
	long		 st = r->status;

	resp_free(r);
	return st;
}

static void
lower_in_place(char *s)
{
	for (; *s; s++)
		*s = (char)tolower((unsigned char)*s);
}

START_TEST(test_register_ok)
{
	struct browser	*b = br_new();
	struct resp	*r, *e;
	char		 email[160], lower[160], *body;
	int64_t		 uid;

	/* Mixed case in: stored and returned lower-case. */
	unique_email(email, sizeof(email), "Register");
	email[0] = 'A';
	email[1] = 'P';
	(void)snprintf(lower, sizeof(lower), "%s", email);
	lower_in_place(lower);
	body = register_body(email, GOOD_PW, "Ann");
	r = api_limited(b, "/api/v1/auth/register", body);
	free(body);
	expect_status(r, 201);
	expect_session_body(r, "patient", lower);
	expect_session_cookie(r);
	ck_assert_msg(!jbool(r->json, "mfa_required"), "patient must not need MFA: %s", rdesc(r));
	ck_assert_msg(!jbool(r->json, "mfa_enrolled"), "new patient is not enrolled: %s", rdesc(r));
	ck_assert_str_eq(jstr(r->json, "user.given_name"), "Ann");
	uid = jint(r->json, "user.id");
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM users WHERE id = %lld AND email = '%s'"
	    " AND role = 'patient'", (long long)uid, lower), 1);
	/* Exactly one audit row, user.registered, by the new patient. */
	expect_one_audit(r, "user.registered", "success");
	e = audit_events("action=user.registered&entity_id=%lld", (long long)uid);
	ck_assert_int_eq(json_object_array_length(jget(e->json, "events")), 1);
	ck_assert_int_eq(jint(e->json, "events.0.actor_id"), uid);
	ck_assert_str_eq(jstr(e->json, "events.0.actor_role"), "patient");
	ck_assert_str_eq(jstr(e->json, "events.0.request_id"), r->rid);
	ck_assert_str_eq(jstr(e->json, "events.0.client_addr"), "127.0.0.1");
	resp_free(e);
	resp_free(r);

	/* The cookie is a working session. */
	r = api(b, "GET", ME, NULL);
	expect_status(r, 200);
	expect_session_body(r, "patient", lower);
	ck_assert_int_eq(jint(r->json, "user.id"), uid);
	ck_assert_msg(jget(r->json, "preferences") != NULL, "me without preferences: %s", rdesc(r));
	ck_assert_msg(jstr(r->json, "session_started_at") != NULL, "me: %s", rdesc(r));
	resp_free(r);
	br_free(b);
}
END_TEST

START_TEST(test_register_duplicate)
{
	struct user	 u;
	struct browser	*b = br_new();
	struct resp	*r;
	char		*body, upper[160];
	size_t		 i;

	user_register(&u, "dup");
	body = register_body(u.email, GOOD_PW2, "Dupe");
	r = api_limited(b, "/api/v1/auth/register", body);
	free(body);
	expect_problem(r, 409, "validation");
	ck_assert_str_eq(jstr(r->json, "errors.0.field"), "email");
	ck_assert_msg(br_cookie(b) == NULL, "a refused registration set a cookie");
	resp_free(r);

	/* The same address in other case is the same address. */
	(void)snprintf(upper, sizeof(upper), "%s", u.email);
	for (i = 0; upper[i] != '@'; i++)
		upper[i] = (char)toupper((unsigned char)upper[i]);
	body = register_body(upper, GOOD_PW2, "Dupe");
	r = api_limited(b, "/api/v1/auth/register", body);
	free(body);
	expect_problem(r, 409, "validation");
	ck_assert_str_eq(jstr(r->json, "errors.0.field"), "email");
	resp_free(r);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM users WHERE email = '%s'", u.email), 1);
	/* The original account is untouched: its password still works. */
	r = login(b, u.email, GOOD_PW);
	expect_status(r, 200);
	resp_free(r);
	user_free(&u);
	br_free(b);
}
END_TEST

START_TEST(test_register_weak_password)
{
	static const char *const weak[] = {
		"123456789012",		/* on the common-password list */
		"short-pw",		/* under 12 characters */
		NULL,			/* the email itself (filled in below) */
	};
	struct browser	*b = br_new();
	struct resp	*r;
	char		 email[160], *body;
	int64_t		 before = sql_int("SELECT COUNT(*) FROM users");
	size_t		 i;

	unique_email(email, sizeof(email), "weak");
	for (i = 0; i < sizeof(weak) / sizeof(weak[0]); i++) {
		body = register_body(email, weak[i] != NULL ? weak[i] : email, "Wendy");
		r = api_limited(b, "/api/v1/auth/register", body);
		free(body);
		expect_problem(r, 422, "validation");
		ck_assert_msg(has_error_field(r, "password"), "password not named: %s", rdesc(r));
		resp_free(r);
	}
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM users"), before);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM users WHERE email = '%s'", email), 0);
	br_free(b);
}
END_TEST

START_TEST(test_login_ok)
{
	struct user	 u;
	struct browser	*b = br_new();
	struct resp	*r, *e;

	user_register(&u, "login");
	r = login(b, u.email, u.password);
	expect_status(r, 200);
	expect_session_body(r, "patient", u.email);
	expect_session_cookie(r);
	ck_assert_int_eq(jint(r->json, "user.id"), u.id);
	ck_assert_str_eq(jstr(r->json, "user.given_name"), "Reggie");
	ck_assert_str_eq(jstr(r->json, "user.family_name"), "Tester");
	ck_assert_msg(!jbool(r->json, "mfa_required"), "patient needs no MFA: %s", rdesc(r));
	expect_one_audit(r, "auth.login", "success");
	e = audit_events("action=auth.login&entity_id=%lld&outcome=success", (long long)u.id);
	ck_assert_int_eq(json_object_array_length(jget(e->json, "events")), 1);
	ck_assert_str_eq(jstr(e->json, "events.0.request_id"), r->rid);
	ck_assert_int_eq(jint(e->json, "events.0.actor_id"), u.id);
	resp_free(e);
	resp_free(r);
	ck_assert_int_eq(me_status(b), 200);
	/* A second sign-in is a second, independent session. */
	ck_assert_int_eq(me_status(u.b), 200);
	user_free(&u);
	br_free(b);
}
END_TEST

/*
 * Each auth process makes its unknown-email comparison hash on first use, so
 * its first unknown-email sign-in costs two scrypt runs instead of one. One
 * unknown-email sign-in per process, all at once (so each lands on a
 * different idle process), warms them; the steady state is then measured.
 */
static void
warm_up_unknown_email(int procs)
{
	pid_t	 pid[16];
	int	 k, st;
	char	 email[160];

	for (k = 0; k < procs && k < 16; k++) {
		unique_email(email, sizeof(email), "warm-up");
		if ((pid[k] = fork()) == 0) {
			struct browser	*b = br_new();
			struct resp	*r = login(b, email, "warm-up-password");
			_exit(r->status == 401 ? 0 : 1);
		}
	}
	for (k = 0; k < procs && k < 16; k++)
		if (pid[k] > 0)
			(void)waitpid(pid[k], &st, 0);
}

/* Wrong password and unknown email: the same 401, about the same time. */
START_TEST(test_login_wrong_vs_unknown)
{
	struct user	 u;
	struct browser	*b = br_new();
	struct resp	*r;
	char		 unknown[160], title[128] = "", type[128] = "";
	double		 t_wrong = 1e9, t_unknown = 1e9, ratio;
	int		 i;

	user_register(&u, "timing");
	unique_email(unknown, sizeof(unknown), "nobody");
	warm_up_unknown_email(8);
	/*
	 * Four of each (under the 5-failure back-off), interleaved; the fastest
	 * of each is compared (noise only adds time).
	 */
	for (i = 0; i < 8; i++) {
		usleep(100 * 1000);
		if (i % 2 == 0)
			r = login(b, u.email, "not-the-right-password-1");
		else
			r = login(b, unknown, GOOD_PW);
		expect_problem(r, 401, "invalid-credentials");
		if (*title == '\0') {
			(void)snprintf(title, sizeof(title), "%s", jstr(r->json, "title"));
			(void)snprintf(type, sizeof(type), "%s", jstr(r->json, "type"));
		}
		ck_assert_str_eq(jstr(r->json, "title"), title);
		ck_assert_str_eq(jstr(r->json, "type"), type);
		ck_assert_msg(br_cookie(b) == NULL, "a failed sign-in set a cookie");
		expect_one_audit(r, "auth.login", "failure");
		if (i % 2 == 0) {
			ck_assert_int_eq(sql_int("SELECT actor_id FROM audit_event WHERE request_id"
			    " = '%s'", r->rid), u.id);
			t_wrong = r->secs < t_wrong ? r->secs : t_wrong;
		} else {
			ck_assert_int_eq(sql_int("SELECT actor_id IS NULL AND entity_id IS NULL"
			    " AND JSON_VALUE(details, '$.email') = '%s' FROM audit_event"
			    " WHERE request_id = '%s'", unknown, r->rid), 1);
			t_unknown = r->secs < t_unknown ? r->secs : t_unknown;
		}
		resp_free(r);
	}
	ck_assert_msg(t_wrong > 0.050, "wrong password answered in %.3f s: no password hash "
	    "check?", t_wrong);
	ck_assert_msg(t_unknown > 0.050, "unknown email answered in %.3f s: the timing "
	    "equaliser is not working", t_unknown);
	ratio = t_wrong > t_unknown ? t_wrong / t_unknown : t_unknown / t_wrong;
	ck_assert_msg(ratio < 3.0, "wrong password %.3f s vs unknown email %.3f s (x%.1f)",
	    t_wrong, t_unknown, ratio);
	user_free(&u);
	br_free(b);
}
END_TEST

START_TEST(test_login_backoff_account)
{
	struct user	 u;
	struct browser	*b = br_new();
	struct resp	*r;
	char		*ra;
	long		 secs;
	int		 i;

	user_register(&u, "backoff");
	/* Each attempt costs a password hash, which keeps under nginx's 5 r/s. */
	for (i = 0; i < 5; i++) {
		r = login(b, u.email, "wrong-password-attempt");
		expect_problem(r, 401, "invalid-credentials");
		resp_free(r);
	}
	r = login(b, u.email, u.password);
	expect_problem(r, 429, "too-many-attempts");
	ra = resp_header(r, "Retry-After");
	ck_assert_msg(ra != NULL, "429 without Retry-After: %s", rdesc(r));
	secs = strtol(ra, NULL, 10);
	ck_assert_msg(secs >= 1 && secs <= 30, "Retry-After %s, expected 1..30", ra);
	free(ra);
	ck_assert_msg(br_cookie(b) == NULL, "a throttled sign-in set a cookie");
	expect_one_audit(r, "auth.login", "throttled");
	resp_free(r);
	/* The five failures are in the trail. */
	ck_assert_int_eq(audit_count("action=auth.login&entity_id=%lld&outcome=failure",
	    (long long)u.id), 5);
	ck_assert_int_eq(audit_count("action=auth.login&entity_id=%lld&outcome=success",
	    (long long)u.id), 0);
	/* The signed-in session from registration is not affected. */
	ck_assert_int_eq(me_status(u.b), 200);
	sql_clear_throttle();
	r = login(b, u.email, u.password);
	expect_status(r, 200);
	resp_free(r);
	user_free(&u);
	br_free(b);
}
END_TEST

START_TEST(test_login_backoff_address)
{
	struct user	 a, target;
	struct browser	*b = br_new();
	struct resp	*r;
	char		 email[160], *ra;
	int		 i;

	user_register(&a, "addr-a");
	user_register(&target, "addr-target");
	/* 20 failures from this address across many accounts, none over 4 each. */
	for (i = 0; i < 20; i++) {
		if (i < 4)
			r = login(b, a.email, "wrong-password-attempt");
		else {
			unique_email(email, sizeof(email), "addr-unknown");
			r = login(b, email, "wrong-password-attempt");
		}
		expect_problem(r, 401, "invalid-credentials");
		resp_free(r);
	}
	r = login(b, target.email, target.password);
	expect_problem(r, 429, "too-many-attempts");
	ra = resp_header(r, "Retry-After");
	ck_assert_msg(ra != NULL && strtol(ra, NULL, 10) >= 1, "Retry-After: %s", rdesc(r));
	free(ra);
	resp_free(r);
	/* Clean up for later tests: forget the failures; sign-in works again. */
	sql_clear_throttle();
	r = login(b, target.email, target.password);
	expect_status(r, 200);
	resp_free(r);
	user_free(&a);
	user_free(&target);
	br_free(b);
}
END_TEST

/* A code for secret that matches none of the steps the server accepts now. */
static void
wrong_code(const char *secret, char out[7])
{
	char		 c[3][7];
	uint64_t	 s = totp_step_now();
	int		 d, k;

	totp_at(secret, s - 1, c[0]);
	totp_at(secret, s, c[1]);
	totp_at(secret, s + 1, c[2]);
	for (d = 0; d <= 9; d++) {
		(void)snprintf(out, 7, "%d%d%d%d%d%d", d, d, d, d, d, d);
		for (k = 0; k < 3 && strcmp(out, c[k]) != 0; k++)
			;
		if (k == 3)
			return;
	}
}

static struct resp *
post_code(struct browser *b, const char *path, const char *code)
{
	char	body[64];

	(void)snprintf(body, sizeof(body), "{\"code\":\"%s\"}", code);
	return api(b, "POST", path, body);
}

START_TEST(test_mfa_staff_enrol)
{
	struct browser	*b = br_new(), *old, *b2;
	struct resp	*r;
	char		 email[160], secret[64], code[7], bad[7], *cookie1, *cookie2;
	uint64_t	 step;
	int64_t		 uid;

	/* A clinician made with the CLI: one user.created row, by "system". */
	unique_email(email, sizeof(email), "clinician");
	uid = cli_create_user("clinician", email, GOOD_PW, "--gmc", "1234567");
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM audit_event WHERE action = 'user.created'"
	    " AND entity_type = 'user' AND entity_id = '%lld' AND actor_role = 'system'"
	    " AND actor_id IS NULL AND client_addr = 'local' AND outcome = 'success'",
	    (long long)uid), 1);
	ck_assert_int_eq(audit_count("action=user.created&entity_id=%lld", (long long)uid), 1);

	r = login(b, email, GOOD_PW);
	expect_status(r, 200);
	expect_session_body(r, "clinician", email);
	ck_assert_msg(jbool(r->json, "mfa_required"), "clinician must need MFA: %s", rdesc(r));
	ck_assert_msg(!jbool(r->json, "mfa_enrolled"), "not enrolled yet: %s", rdesc(r));
	ck_assert_str_eq(jstr(r->json, "user.registration_number"), "1234567");
	expect_one_audit(r, "auth.login", "success");
	resp_free(r);

	/* Nothing but me/logout/mfa before the second factor. */
	r = api(b, "GET", EVENTS, NULL);
	expect_problem(r, 403, "mfa-required");
	resp_free(r);
	r = api(b, "PUT", PREFS, "{\"theme\":\"dark\"}");
	expect_problem(r, 403, "mfa-required");
	resp_free(r);
	r = api(b, "POST", "/api/v1/auth/password",
	    "{\"current_password\":\"" GOOD_PW "\",\"new_password\":\"" GOOD_PW2 "\"}");
	expect_problem(r, 403, "mfa-required");
	resp_free(r);
	ck_assert_int_eq(me_status(b), 200);
	/* Not enrolled: the verify step has nothing to check against. */
	r = post_code(b, "/api/v1/auth/mfa", "123456");
	expect_problem(r, 409, "mfa-not-enrolled");
	resp_free(r);

	/* Enrol. */
	r = api(b, "POST", "/api/v1/auth/mfa/enrol", NULL);
	expect_status(r, 200);
	expect_api_headers(r);
	ck_assert_msg(jstr(r->json, "secret") != NULL && strlen(jstr(r->json, "secret")) >= 16,
	    "secret: %s", rdesc(r));
	(void)snprintf(secret, sizeof(secret), "%s", jstr(r->json, "secret"));
	ck_assert_msg(jstr(r->json, "otpauth_uri") != NULL &&
	    strncmp(jstr(r->json, "otpauth_uri"), "otpauth://totp/", 15) == 0,
	    "otpauth_uri: %s", rdesc(r));
	ck_assert_msg(strstr(jstr(r->json, "otpauth_uri"), secret) != NULL,
	    "otpauth_uri lacks the secret: %s", rdesc(r));
	ck_assert_msg(jstr(r->json, "qr_svg") != NULL &&
	    strncmp(jstr(r->json, "qr_svg"), "<svg", 4) == 0, "qr_svg: %.200s", r->body);
	expect_one_audit(r, "auth.mfa.enrol_started", "success");
	resp_free(r);
	ck_assert_int_eq(sql_int("SELECT mfa_secret IS NULL AND mfa_pending IS NOT NULL FROM users"
	    " WHERE id = %lld", (long long)uid), 1);

	/* A wrong code: 422 on code, still not through. */
	wrong_code(secret, bad);
	r = post_code(b, "/api/v1/auth/mfa/enrol/confirm", bad);
	expect_problem(r, 422, "validation");
	ck_assert_msg(has_error_field(r, "code"), "code not named: %s", rdesc(r));
	expect_one_audit(r, "auth.mfa.enrol_confirm", "failure");
	resp_free(r);
	r = api(b, "GET", EVENTS, NULL);
	expect_problem(r, 403, "mfa-required");
	resp_free(r);

	/* The right code: factor done, and a new session token. */
	cookie1 = br_cookie(b);
	ck_assert_ptr_nonnull(cookie1);
	step = totp_step_now();
	totp_at(secret, step, code);
	r = post_code(b, "/api/v1/auth/mfa/enrol/confirm", code);
	expect_status(r, 200);
	expect_session_body(r, "clinician", email);
	expect_session_cookie(r);
	ck_assert_msg(!jbool(r->json, "mfa_required"), "still mfa_required: %s", rdesc(r));
	ck_assert_msg(jbool(r->json, "mfa_enrolled"), "not mfa_enrolled: %s", rdesc(r));
	expect_one_audit(r, "auth.mfa.enrolled", "success");
	resp_free(r);
	cookie2 = br_cookie(b);
	ck_assert_ptr_nonnull(cookie2);
	ck_assert_msg(strcmp(cookie1, cookie2) != 0, "the session token did not change");
	old = br_new();
	br_set_cookie(old, cookie1);
	ck_assert_msg(me_status(old) == 401, "the pre-MFA session token still works");
	br_free(old);
	ck_assert_int_eq(me_status(b), 200);
	r = api(b, "PUT", PREFS, "{\"theme\":\"dark\"}");
	expect_status(r, 200);
	resp_free(r);
	/* Through the second factor, but a clinician still may not read the trail. */
	r = api(b, "GET", EVENTS, NULL);
	expect_problem(r, 403, "forbidden");
	resp_free(r);
	free(cookie1);
	free(cookie2);

	/* Sign in again: the code just used is refused, the next one works. */
	b2 = br_new();
	r = login(b2, email, GOOD_PW);
	expect_status(r, 200);
	ck_assert_msg(jbool(r->json, "mfa_required") && jbool(r->json, "mfa_enrolled"),
	    "second sign-in: %s", rdesc(r));
	resp_free(r);
	r = post_code(b2, "/api/v1/auth/mfa", code);
	expect_problem(r, 422, "validation");
	ck_assert_msg(has_error_field(r, "code"), "code not named: %s", rdesc(r));
	expect_one_audit(r, "auth.mfa.verify", "failure");
	resp_free(r);
	totp_at(secret, step + 1, code);
	r = post_code(b2, "/api/v1/auth/mfa", code);
	expect_status(r, 200);
	expect_session_body(r, "clinician", email);
	expect_session_cookie(r);
	ck_assert_msg(!jbool(r->json, "mfa_required"), "still mfa_required: %s", rdesc(r));
	expect_one_audit(r, "auth.mfa.verified", "success");
	resp_free(r);
	r = post_code(b2, "/api/v1/auth/mfa", code);
	expect_problem(r, 409, "mfa-done");
	resp_free(r);
	r = api(b2, "PUT", PREFS, "{\"text_size\":\"large\"}");
	expect_status(r, 200);
	resp_free(r);
	ck_assert_int_eq(audit_count("action=auth.mfa.enrolled&entity_id=%lld", (long long)uid), 1);
	ck_assert_int_eq(audit_count("action=auth.mfa.verified&entity_id=%lld", (long long)uid), 1);
	br_free(b);
	br_free(b2);
}
END_TEST

START_TEST(test_mfa_demo_clinician)
{
	struct browser	*b = br_new();
	struct resp	*r;

	/* Sign-in only: the demo account's codes are left for other test layers. */
	r = login(b, demo_clinician.email, demo_clinician.password);
	expect_status(r, 200);
	expect_session_body(r, "clinician", demo_clinician.email);
	ck_assert_msg(jbool(r->json, "mfa_required"), "mfa_required: %s", rdesc(r));
	ck_assert_msg(jbool(r->json, "mfa_enrolled"), "mfa_enrolled: %s", rdesc(r));
	ck_assert_str_eq(jstr(r->json, "user.registration_number"), "7123456");
	resp_free(r);
	r = api(b, "GET", EVENTS, NULL);
	expect_problem(r, 403, "mfa-required");
	resp_free(r);
	/* Enrolled and not verified: no new authenticator without the current one. */
	r = api(b, "POST", "/api/v1/auth/mfa/enrol", NULL);
	expect_problem(r, 403, "mfa-required");
	resp_free(r);
	br_free(b);
}
END_TEST

START_TEST(test_csrf)
{
	static const char dark[] = "{\"theme\":\"dark\"}";
	struct user	 u;
	struct resp	*r;

	user_register(&u, "csrf");
	/* No token. */
	r = http_raw(u.b, "PUT", PREFS, dark, strlen(dark), "application/json", NULL, NULL);
	expect_problem(r, 403, "csrf");
	resp_free(r);
	/* A wrong token (right length). */
	r = http_raw(u.b, "PUT", PREFS, dark, strlen(dark), "application/json",
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", NULL);
	expect_problem(r, 403, "csrf");
	resp_free(r);
	/* An empty token. */
	r = http_raw(u.b, "PUT", PREFS, dark, strlen(dark), "application/json", "", NULL);
	expect_problem(r, 403, "csrf");
	resp_free(r);
	/* Logout and password change need it too; the session survives the attempts. */
	r = http_raw(u.b, "POST", "/api/v1/auth/logout", NULL, 0, NULL, NULL, NULL);
	expect_problem(r, 403, "csrf");
	resp_free(r);
	r = http_raw(u.b, "POST", "/api/v1/auth/password",
	    "{\"current_password\":\"" GOOD_PW "\",\"new_password\":\"" GOOD_PW2 "\"}",
	    strlen("{\"current_password\":\"" GOOD_PW "\",\"new_password\":\"" GOOD_PW2 "\"}"),
	    "application/json", NULL, NULL);
	expect_problem(r, 403, "csrf");
	resp_free(r);
	ck_assert_int_eq(sql_int("SELECT JSON_VALUE(preferences, '$.theme') IS NULL FROM users"
	    " WHERE id = %lld", (long long)u.id), 1);
	ck_assert_int_eq(me_status(u.b), 200);
	/* The right token works. */
	r = api(u.b, "PUT", PREFS, "{\"theme\":\"dark\"}");
	expect_status(r, 200);
	ck_assert_str_eq(jstr(r->json, "theme"), "dark");
	expect_one_audit(r, "user.preferences_changed", "success");
	resp_free(r);
	user_free(&u);
}
END_TEST

static void
expect_ended(struct browser *b)
{
	struct resp	*r = api(b, "GET", ME, NULL);

	expect_problem(r, 401, "unauthenticated");
	ck_assert_str_eq(jstr(r->json, "title"), "Your session has ended");
	resp_free(r);
}

START_TEST(test_idle_expiry)
{
	struct user	 u;

	user_register(&u, "idle");
	/* 29 idle minutes: still signed in. */
	ck_assert_int_eq(sql_exec("UPDATE sessions SET last_seen = last_seen - INTERVAL 29 MINUTE"
	    " WHERE user_id = %lld", (long long)u.id), 0);
	ck_assert_int_eq(me_status(u.b), 200);
	/* 31: ended. */
	ck_assert_int_eq(sql_exec("UPDATE sessions SET last_seen = last_seen - INTERVAL 31 MINUTE"
	    " WHERE user_id = %lld", (long long)u.id), 0);
	expect_ended(u.b);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM sessions WHERE user_id = %lld",
	    (long long)u.id), 0);
	user_free(&u);
}
END_TEST

START_TEST(test_absolute_expiry)
{
	struct user	 u;

	user_register(&u, "absolute");
	ck_assert_int_eq(sql_exec("UPDATE sessions SET created_at = created_at - INTERVAL 11 HOUR"
	    " WHERE user_id = %lld", (long long)u.id), 0);
	ck_assert_int_eq(me_status(u.b), 200);
	/* Busy all along (last_seen is now), but signed in 13 hours ago. */
	ck_assert_int_eq(sql_exec("UPDATE sessions SET created_at = created_at - INTERVAL 2 HOUR"
	    " WHERE user_id = %lld", (long long)u.id), 0);
	expect_ended(u.b);
	user_free(&u);
}
END_TEST

START_TEST(test_password_change)
{
	struct user	 u;
	struct browser	*b2 = br_new(), *b3 = br_new();
	struct resp	*r;
	int64_t		 sessions;

	user_register(&u, "pwchange");
	r = login(b2, u.email, u.password);
	expect_status(r, 200);
	resp_free(r);
	ck_assert_int_eq(me_status(b2), 200);
	r = api(u.b, "POST", "/api/v1/auth/password",
	    "{\"current_password\":\"" GOOD_PW "\",\"new_password\":\"" GOOD_PW2 "\"}");
	expect_status(r, 204);
	expect_api_headers(r);
	expect_one_audit(r, "auth.password_changed", "success");
	resp_free(r);
	ck_assert_int_eq(audit_count("action=auth.password_changed&entity_id=%lld",
	    (long long)u.id), 1);
	/* The other session ended; this one goes on. */
	ck_assert_msg(me_status(b2) == 401, "the other session survived a password change");
	ck_assert_int_eq(me_status(u.b), 200);
	sessions = sql_int("SELECT COUNT(*) FROM sessions WHERE user_id = %lld", (long long)u.id);
	ck_assert_int_eq(sessions, 1);
	/* Old password refused, new one accepted. */
	r = login(b3, u.email, GOOD_PW);
	expect_problem(r, 401, "invalid-credentials");
	resp_free(r);
	r = login(b3, u.email, GOOD_PW2);
	expect_status(r, 200);
	resp_free(r);
	user_free(&u);
	br_free(b2);
	br_free(b3);
}
END_TEST

START_TEST(test_password_change_refused)
{
	struct user	 u;
	struct resp	*r;
	char		*hash;

	user_register(&u, "pwwrong");
	hash = sql_str("SELECT password_hash FROM users WHERE id = %lld", (long long)u.id);
	r = api(u.b, "POST", "/api/v1/auth/password",
	    "{\"current_password\":\"not-my-password-at-all\",\"new_password\":\"" GOOD_PW2 "\"}");
	expect_problem(r, 422, "validation");
	ck_assert_msg(has_error_field(r, "current_password"), "field: %s", rdesc(r));
	expect_one_audit(r, "auth.password_change", "failure");
	resp_free(r);
	/* A weak new password, or the same one again. */
	r = api(u.b, "POST", "/api/v1/auth/password",
	    "{\"current_password\":\"" GOOD_PW "\",\"new_password\":\"123456789012\"}");
	expect_problem(r, 422, "validation");
	ck_assert_msg(has_error_field(r, "new_password"), "field: %s", rdesc(r));
	resp_free(r);
	r = api(u.b, "POST", "/api/v1/auth/password",
	    "{\"current_password\":\"" GOOD_PW "\",\"new_password\":\"" GOOD_PW "\"}");
	expect_problem(r, 422, "validation");
	ck_assert_msg(has_error_field(r, "new_password"), "field: %s", rdesc(r));
	resp_free(r);
	{
		char *now = sql_str("SELECT password_hash FROM users WHERE id = %lld",
		    (long long)u.id);
		ck_assert_msg(now != NULL && hash != NULL && strcmp(now, hash) == 0,
		    "a refused password change changed the hash");
		free(now);
	}
	free(hash);
	ck_assert_int_eq(audit_count("action=auth.password_changed&entity_id=%lld",
	    (long long)u.id), 0);
	ck_assert_int_eq(me_status(u.b), 200);
	user_free(&u);
}
END_TEST

START_TEST(test_logout)
{
	struct user	 u;
	struct browser	*replay;
	struct resp	*r;
	char		*cookie, *sc;

	user_register(&u, "logout");
	cookie = br_cookie(u.b);
	ck_assert_ptr_nonnull(cookie);
	r = api(u.b, "POST", "/api/v1/auth/logout", NULL);
	expect_status(r, 204);
	expect_api_headers(r);
	sc = resp_header(r, "Set-Cookie");
	ck_assert_msg(sc != NULL && strncmp(sc, SESSION_COOKIE "=;", strlen(SESSION_COOKIE) + 2)
	    == 0 && strstr(sc, "Max-Age=0") != NULL, "logout cookie: %s", sc ? sc : "(absent)");
	free(sc);
	expect_one_audit(r, "auth.logout", "success");
	resp_free(r);
	r = api(u.b, "GET", ME, NULL);
	expect_problem(r, 401, "unauthenticated");
	resp_free(r);
	/* The token itself is dead, not just forgotten by this browser. */
	replay = br_new();
	br_set_cookie(replay, cookie);
	ck_assert_int_eq(me_status(replay), 401);
	br_free(replay);
	ck_assert_int_eq(audit_count("action=auth.logout&entity_id=%lld", (long long)u.id), 1);
	free(cookie);
	user_free(&u);
}
END_TEST

START_TEST(test_audit_hidden_from_patients)
{
	struct user	 u;
	struct browser	*anon = br_new();
	struct resp	*r;

	user_register(&u, "nosy");
	r = api(u.b, "GET", EVENTS, NULL);
	expect_problem(r, 404, "not-found");
	resp_free(r);
	r = api(u.b, "GET", "/api/v1/audit/verify", NULL);
	expect_problem(r, 404, "not-found");
	resp_free(r);
	r = api(anon, "GET", EVENTS, NULL);
	expect_problem(r, 401, "unauthenticated");
	resp_free(r);
	r = api(anon, "GET", ME, NULL);
	expect_problem(r, 401, "unauthenticated");
	ck_assert_str_eq(jstr(r->json, "title"), "Please sign in");
	resp_free(r);
	user_free(&u);
	br_free(anon);
}
END_TEST

/*
 * Two sessions of one person change different preferences at the same moment:
 * neither change may be lost (each PUT changes only the fields it names).
 */
START_TEST(test_concurrent_preferences)
{
	static const char *const themes[] = { "light", "dark", "system" };
	static const char *const sizes[] = { "normal", "large", "larger" };
	struct user	 u;
	struct browser	*b2 = br_new();
	struct resp	*r;
	char		*c1, *c2, *theme, *size, lost[512] = "";
	int		 round, k, st, nlost = 0, bad = 0;
	pid_t		 pid[2];

	user_register(&u, "prefs-race");
	r = login(b2, u.email, u.password);
	expect_status(r, 200);
	resp_free(r);
	c1 = br_cookie(u.b);
	c2 = br_cookie(b2);
	for (round = 0; round < 20; round++) {
		for (k = 0; k < 2; k++) {
			if ((pid[k] = fork()) == 0) {
				struct browser	*b = br_new();
				char		 body[64];

				br_set_cookie(b, k == 0 ? c1 : c2);
				(void)snprintf(b->csrf, sizeof(b->csrf), "%s",
				    k == 0 ? u.b->csrf : b2->csrf);
				(void)snprintf(body, sizeof(body), k == 0 ? "{\"theme\":\"%s\"}" :
				    "{\"text_size\":\"%s\"}",
				    k == 0 ? themes[round % 3] : sizes[round % 3]);
				r = api(b, "PUT", PREFS, body);
				_exit(r->status == 200 ? 0 : 1);
			}
		}
		for (k = 0; k < 2; k++)
			if (waitpid(pid[k], &st, 0) != pid[k] || !WIFEXITED(st) ||
			    WEXITSTATUS(st) != 0)
				bad++;
		theme = sql_str("SELECT JSON_VALUE(preferences, '$.theme') FROM users WHERE id = %lld",
		    (long long)u.id);
		size = sql_str("SELECT JSON_VALUE(preferences, '$.text_size') FROM users"
		    " WHERE id = %lld", (long long)u.id);
		if (theme == NULL || size == NULL || strcmp(theme, themes[round % 3]) != 0 ||
		    strcmp(size, sizes[round % 3]) != 0) {
			if (nlost++ == 0)
				(void)snprintf(lost, sizeof(lost), "round %d: sent theme=%s and"
				    " text_size=%s at once, stored theme=%s text_size=%s", round,
				    themes[round % 3], sizes[round % 3], theme ? theme : "(none)",
				    size ? size : "(none)");
		}
		free(theme);
		free(size);
	}
	ck_assert_msg(bad == 0, "%d concurrent preference writes did not get 200", bad);
	ck_assert_msg(nlost == 0, "a concurrent change was lost in %d of 20 rounds; first: %s",
	    nlost, lost);
	free(c1);
	free(c2);
	br_free(b2);
	user_free(&u);
}
END_TEST

Suite *
auth_suite(void)
{
	Suite	*s = suite_create("auth");
	TCase	*tc;

	tc = tcase_create("register");
	tcase_add_checked_fixture(tc, fx_clear_throttle, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_register_ok);
	tcase_add_test(tc, test_register_duplicate);
	tcase_add_test(tc, test_register_weak_password);
	suite_add_tcase(s, tc);

	tc = tcase_create("login");
	tcase_add_checked_fixture(tc, fx_clear_throttle, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_login_ok);
	tcase_add_test(tc, test_login_wrong_vs_unknown);
	tcase_add_test(tc, test_login_backoff_account);
	tcase_add_test(tc, test_login_backoff_address);
	suite_add_tcase(s, tc);

	tc = tcase_create("mfa");
	tcase_add_checked_fixture(tc, fx_clear_throttle, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_mfa_staff_enrol);
	tcase_add_test(tc, test_mfa_demo_clinician);
	suite_add_tcase(s, tc);

	tc = tcase_create("session");
	tcase_add_checked_fixture(tc, fx_clear_throttle, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_csrf);
	tcase_add_test(tc, test_idle_expiry);
	tcase_add_test(tc, test_absolute_expiry);
	tcase_add_test(tc, test_password_change);
	tcase_add_test(tc, test_password_change_refused);
	tcase_add_test(tc, test_logout);
	tcase_add_test(tc, test_audit_hidden_from_patients);
	tcase_add_test(tc, test_concurrent_preferences);
	suite_add_tcase(s, tc);
	return s;
}
