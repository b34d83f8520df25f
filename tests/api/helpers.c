/* Shared set-up for the API tests: see helpers.h. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <check.h>
#include <curl/curl.h>
#include <json-c/json.h>

#include "crypto.h"
#include "helpers.h"
#include "webhook.h"

struct env	E;
struct account	demo_patient, demo_clinician, demo_auditor, demo_admin;
char		auditor_cookie[128];

static int	counter;

double
now_secs(void)
{
	struct timespec	ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool
need(const char *name, const char **out)
{
	*out = getenv(name);
	if (*out == NULL || **out == '\0') {
		fprintf(stderr, "api_tests: %s is not set (scripts/test sets it)\n", name);
		return false;
	}
	return true;
}

static void
copy_account(json_object *a, struct account *acc)
{
	const char	*s;

	if ((s = jstr(a, "email")) != NULL)
		(void)snprintf(acc->email, sizeof(acc->email), "%s", s);
	if ((s = jstr(a, "password")) != NULL)
		(void)snprintf(acc->password, sizeof(acc->password), "%s", s);
	if ((s = jstr(a, "totp_secret")) != NULL)
		(void)snprintf(acc->totp, sizeof(acc->totp), "%s", s);
}

/* db_user / db_password from clinic.conf ("name = value" lines). */
static bool
read_conf(void)
{
	FILE	*f;
	char	 line[1024], *k, *v, *e;

	if ((f = fopen(E.conf, "r")) == NULL) {
		fprintf(stderr, "api_tests: cannot read %s: %s\n", E.conf, strerror(errno));
		return false;
	}
	(void)snprintf(E.app_user, sizeof(E.app_user), "clinic_app");
	while (fgets(line, sizeof(line), f) != NULL) {
		k = line;
		while (*k == ' ' || *k == '\t')
			k++;
		if (*k == '#' || (v = strchr(k, '=')) == NULL)
			continue;
		e = v;
		*v++ = '\0';
		while (e > k && (e[-1] == ' ' || e[-1] == '\t'))
			*--e = '\0';
		while (*v == ' ' || *v == '\t')
			v++;
		v[strcspn(v, "\r\n")] = '\0';
		if (strcmp(k, "db_user") == 0)
			(void)snprintf(E.app_user, sizeof(E.app_user), "%s", v);
		else if (strcmp(k, "db_password") == 0)
			(void)snprintf(E.app_password, sizeof(E.app_password), "%s", v);
	}
	fclose(f);
	return true;
}

bool
env_load(void)
{
	json_object	*root, *accs, *a;
	const char	*role;
	size_t		 i;

	if (!need("CLINIC_TEST_URL", &E.url) || !need("CLINIC_TEST_DB_SOCKET", &E.socket) ||
	    !need("CLINIC_TEST_CONF", &E.conf) || !need("CLINIC_TEST_CLINIC", &E.clinic) ||
	    !need("CLINIC_TEST_DEMO", &E.demo))
		return false;
	if (!read_conf())
		return false;
	if ((root = json_object_from_file(E.demo)) == NULL ||
	    (accs = jget(root, "accounts")) == NULL) {
		fprintf(stderr, "api_tests: cannot read accounts from %s\n", E.demo);
		return false;
	}
	for (i = 0; i < json_object_array_length(accs); i++) {
		a = json_object_array_get_idx(accs, i);
		if ((role = jstr(a, "role")) == NULL)
			continue;
		if (strcmp(role, "patient") == 0)
			copy_account(a, &demo_patient);
		else if (strcmp(role, "clinician") == 0)
			copy_account(a, &demo_clinician);
		else if (strcmp(role, "auditor") == 0)
			copy_account(a, &demo_auditor);
		else if (strcmp(role, "admin") == 0)
			copy_account(a, &demo_admin);
	}
	json_object_put(root);
	if (demo_auditor.email[0] == '\0' || demo_clinician.totp[0] == '\0') {
		fprintf(stderr, "api_tests: %s lacks the auditor or the clinician's TOTP secret\n",
		    E.demo);
		return false;
	}
	http_init(E.url);
	sql_init(E.socket);
	return true;
}

void
unique_email(char *buf, size_t cap, const char *tag)
{
	(void)snprintf(buf, cap, "api-%ld-%d-%d-%s@test.example", (long)time(NULL),
	    (int)getpid(), ++counter, tag);
}

char *
register_body(const char *email, const char *password, const char *given)
{
	json_object	*o = json_object_new_object();
	char		*s;

	json_object_object_add(o, "email", json_object_new_string(email));
	json_object_object_add(o, "password", json_object_new_string(password));
	json_object_object_add(o, "given_name", json_object_new_string(given));
	json_object_object_add(o, "family_name", json_object_new_string("Tester"));
	json_object_object_add(o, "date_of_birth", json_object_new_string("1990-02-03"));
	s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return s;
}

void
user_register(struct user *u, const char *tag)
{
	struct resp	*r;
	char		*body;

	memset(u, 0, sizeof(*u));
	unique_email(u->email, sizeof(u->email), tag);
	(void)snprintf(u->password, sizeof(u->password), "%s", GOOD_PW);
	u->b = br_new();
	body = register_body(u->email, u->password, "Reggie");
	r = api_limited(u->b, "/api/v1/auth/register", body);
	free(body);
	ck_assert_msg(r->status == 201, "register: %s", rdesc(r));
	u->id = jint(r->json, "user.id");
	ck_assert_msg(u->id > 0, "register gave no user.id: %s", rdesc(r));
	(void)snprintf(u->rid, sizeof(u->rid), "%s", r->rid);
	resp_free(r);
}

void
user_free(struct user *u)
{
	br_free(u->b);
	u->b = NULL;
}

struct resp *
login(struct browser *b, const char *email, const char *password)
{
	json_object	*o = json_object_new_object();
	struct resp	*r;
	char		*s;

	json_object_object_add(o, "email", json_object_new_string(email));
	json_object_object_add(o, "password", json_object_new_string(password));
	s = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	r = api_limited(b, "/api/v1/auth/login", s);
	free(s);
	return r;
}

uint64_t
totp_step_now(void)
{
	return (uint64_t)time(NULL) / 30;
}

/* Outside a test (set-up in main) check's assertions may not be used. */
static bool
totp_str(const char *b32, uint64_t step, char out[7])
{
	unsigned char	key[64];
	int		n;
	long		code;

	if ((n = base32_decode(b32, key, sizeof(key))) <= 0 ||
	    (code = totp_code(key, (size_t)n, step, 6, "SHA1")) < 0 || code > 999999)
		return false;
	(void)snprintf(out, 7, "%06d", (int)code);
	return true;
}

void
totp_at(const char *b32, uint64_t step, char out[7])
{
	ck_assert_msg(totp_str(b32, step, out), "cannot make a TOTP code from %s", b32);
}

struct browser *
auditor(void)
{
	struct browser	*b = br_new();

	br_set_cookie(b, auditor_cookie);
	return b;
}

static struct resp *vevents(const char *, va_list) __attribute__((format(printf, 1, 0)));

static struct resp *
vevents(const char *fmt, va_list ap)
{
	struct browser	*b = auditor();
	struct resp	*r;
	char		 q[1024], path[1100];

	(void)vsnprintf(q, sizeof(q), fmt, ap);
	(void)snprintf(path, sizeof(path), "/api/v1/audit/events%s%s", *q ? "?" : "", q);
	r = api(b, "GET", path, NULL);
	br_free(b);
	return r;
}

struct resp *
audit_events(const char *fmt, ...)
{
	struct resp	*r;
	va_list		 ap;

	va_start(ap, fmt);
	r = vevents(fmt, ap);
	va_end(ap);
	ck_assert_msg(r->status == 200, "audit events: %s", rdesc(r));
	return r;
}

int
audit_count(const char *fmt, ...)
{
	struct resp	*r;
	va_list		 ap;
	char		 q[1024];
	int		 n;

	va_start(ap, fmt);
	(void)vsnprintf(q, sizeof(q), fmt, ap);
	va_end(ap);
	r = audit_events("%s&limit=500", q);
	n = (int)json_object_array_length(jget(r->json, "events"));
	resp_free(r);
	return n;
}

void
expect_one_audit(const struct resp *r, const char *action, const char *outcome)
{
	char	*q = sql_quote(r->rid), *a, *o;
	int64_t	 n;

	ck_assert_msg(r->rid[0] != '\0', "no X-Request-Id on %s", rdesc(r));
	n = sql_int("SELECT COUNT(*) FROM audit_event WHERE request_id = '%s'", q);
	ck_assert_msg(n == 1, "%s: %lld audit rows for request %s, expected 1 (%s)", rdesc(r),
	    (long long)n, r->rid, action);
	a = sql_str("SELECT action FROM audit_event WHERE request_id = '%s'", q);
	o = sql_str("SELECT outcome FROM audit_event WHERE request_id = '%s'", q);
	ck_assert_msg(a != NULL && strcmp(a, action) == 0,
	    "request %s recorded action %s, expected %s", r->rid, a ? a : "(none)", action);
	ck_assert_msg(o != NULL && strcmp(o, outcome) == 0,
	    "request %s (%s) recorded outcome %s, expected %s", r->rid, action,
	    o ? o : "(none)", outcome);
	free(a);
	free(o);
	free(q);
}

int
run_clinic(char *out, size_t cap, const char *const argv[])
{
	char		*args[32];
	int		 fd[2], st, n = 0, i;
	size_t		 have = 0;
	ssize_t		 got;
	pid_t		 pid;

	args[n++] = strdup(E.clinic);
	for (i = 0; argv[i] != NULL && n < 31; i++)
		args[n++] = strdup(argv[i]);
	args[n] = NULL;
	if (pipe(fd) == -1)
		return -1;
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		dup2(fd[1], 1);
		dup2(fd[1], 2);
		close(fd[0]);
		close(fd[1]);
		setenv("CLINIC_CONF", E.conf, 1);
		execv(E.clinic, args);
		_exit(127);
	}
	close(fd[1]);
	for (i = 0; i < n; i++)
		free(args[i]);
	while (have + 1 < cap && (got = read(fd[0], out + have, cap - have - 1)) > 0)
		have += (size_t)got;
	out[have] = '\0';
	close(fd[0]);
	if (waitpid(pid, &st, 0) == -1)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

int64_t
cli_create_user(const char *role, const char *email, const char *password,
    const char *extra_flag, const char *extra_value)
{
	const char	*argv[20];
	char		 out[2048], *p;
	int		 n = 0, rc;

	argv[n++] = "create-user";
	argv[n++] = "--role";
	argv[n++] = role;
	argv[n++] = "--email";
	argv[n++] = email;
	argv[n++] = "--password";
	argv[n++] = password;
	argv[n++] = "--given-name";
	argv[n++] = "Cli";
	argv[n++] = "--family-name";
	argv[n++] = "Created";
	if (extra_flag != NULL) {
		argv[n++] = extra_flag;
		argv[n++] = extra_value;
	}
	argv[n] = NULL;
	rc = run_clinic(out, sizeof(out), argv);
	ck_assert_msg(rc == 0, "clinic create-user exited %d: %s", rc, out);
	p = strstr(out, "(id ");
	ck_assert_msg(p != NULL, "clinic create-user printed no id: %s", out);
	return strtoll(p + 4, NULL, 10);
}

void
expect_api_headers(const struct resp *r)
{
	char	*cc = resp_header(r, "Cache-Control");

	ck_assert_msg(cc != NULL && strstr(cc, "no-store") != NULL,
	    "Cache-Control is %s, expected no-store: %s", cc ? cc : "(absent)", rdesc(r));
	free(cc);
	ck_assert_msg(r->rid[0] != '\0', "no X-Request-Id: %s", rdesc(r));
}

void
expect_problem(const struct resp *r, long status, const char *slug)
{
	char	*ct = resp_header(r, "Content-Type");

	ck_assert_msg(r->status == status, "expected %ld %s: %s", status, slug, rdesc(r));
	ck_assert_msg(ct != NULL && strncmp(ct, "application/problem+json", 24) == 0,
	    "Content-Type is %s, expected application/problem+json: %s", ct ? ct : "(absent)",
	    rdesc(r));
	free(ct);
	ck_assert_msg(problem_is(r, slug), "expected problem type %s: %s", slug, rdesc(r));
	ck_assert_msg(jint(r->json, "status") == status, "problem status field: %s", rdesc(r));
	ck_assert_msg(jstr(r->json, "title") != NULL, "problem without title: %s", rdesc(r));
	expect_api_headers(r);
}

void
fx_clear_throttle(void)
{
	sql_clear_throttle();
}

bool
setup_auditor(void)
{
	struct browser	*b;
	struct resp	*r;
	char		*q, *cookie, code[7];
	const char	*secret;
	uint64_t	 step;

	/* A rerun on the same database: forget the authenticator set up last time. */
	q = sql_quote(demo_auditor.email);
	if (sql_exec("UPDATE users SET mfa_secret = NULL, mfa_pending = NULL, mfa_last_step = -1"
	    " WHERE email = '%s'", q) != 0) {
		fprintf(stderr, "api_tests: root SQL failed: %s\n", sql_error());
		free(q);
		return false;
	}
	free(q);
	sql_clear_throttle();
	b = br_new();
	r = login(b, demo_auditor.email, demo_auditor.password);
	if (r->status != 200 || !jbool(r->json, "mfa_required")) {
		fprintf(stderr, "api_tests: auditor sign-in: %s\n", rdesc(r));
		return false;
	}
	resp_free(r);
	r = api(b, "POST", "/api/v1/auth/mfa/enrol", NULL);
	if (r->status != 200 || (secret = jstr(r->json, "secret")) == NULL) {
		fprintf(stderr, "api_tests: auditor enrol: %s\n", rdesc(r));
		return false;
	}
	step = totp_step_now();
	if (!totp_str(secret, step, code)) {
		fprintf(stderr, "api_tests: bad secret from enrol: %s\n", secret);
		return false;
	}
	resp_free(r);
	{
		char	body[64];

		(void)snprintf(body, sizeof(body), "{\"code\":\"%s\"}", code);
		r = api(b, "POST", "/api/v1/auth/mfa/enrol/confirm", body);
	}
	if (r->status != 200 || jbool(r->json, "mfa_required")) {
		fprintf(stderr, "api_tests: auditor enrol confirm: %s\n", rdesc(r));
		return false;
	}
	resp_free(r);
	if ((cookie = br_cookie(b)) == NULL) {
		fprintf(stderr, "api_tests: auditor has no session cookie\n");
		return false;
	}
	(void)snprintf(auditor_cookie, sizeof(auditor_cookie), "%s", cookie);
	free(cookie);
	br_free(b);
	/* The session works for the audit API. */
	b = auditor();
	r = api(b, "GET", "/api/v1/audit/verify", NULL);
	if (r->status != 200) {
		fprintf(stderr, "api_tests: auditor cannot verify: %s\n", rdesc(r));
		return false;
	}
	resp_free(r);
	br_free(b);
	return true;
}

/* Signs email in and enrols a fresh authenticator; its secret goes to secret_out (40 bytes, may be NULL). */
static struct browser *
staff_enrol(const char *email, char secret_out[40])
{
	struct browser	*b;
	struct resp	*r;
	const char	*secret;
	char		 body[64], code[7];

	b = br_new();
	r = login(b, email, GOOD_PW);
	ck_assert_msg(r->status == 200, "staff sign-in: %s", rdesc(r));
	resp_free(r);
	r = api(b, "POST", "/api/v1/auth/mfa/enrol", NULL);
	ck_assert_msg(r->status == 200 && (secret = jstr(r->json, "secret")) != NULL,
	    "staff enrol: %s", rdesc(r));
	ck_assert(strlen(secret) < 40);
	if (secret_out != NULL)
		memcpy(secret_out, secret, strlen(secret) + 1);
	ck_assert(totp_str(secret, totp_step_now(), code));
	resp_free(r);
	(void)snprintf(body, sizeof(body), "{\"code\":\"%s\"}", code);
	r = api(b, "POST", "/api/v1/auth/mfa/enrol/confirm", body);
	ck_assert_msg(r->status == 200, "staff enrol confirm: %s", rdesc(r));
	resp_free(r);
	return b;
}

struct resp *
apif(struct browser *b, const char *method, const char *path, const char *fmt, ...)
{
	char	body[8192];
	va_list	ap;
	int	n;

	va_start(ap, fmt);
	n = vsnprintf(body, sizeof(body), fmt, ap);
	va_end(ap);
	ck_assert(n > 0 && (size_t)n < sizeof(body));
	return api(b, method, path, body);
}

struct browser *
staff_new(const char *role, int64_t *id)
{
	char		 email[160];
	int64_t		 uid;

	unique_email(email, sizeof(email), role);
	if (strcmp(role, "clinician") == 0)
		uid = cli_create_user(role, email, GOOD_PW, "--gmc", "7000001");
	else if (strcmp(role, "pharmacist") == 0)
		uid = cli_create_user(role, email, GOOD_PW, "--gphc", "2000001");
	else
		uid = cli_create_user(role, email, GOOD_PW, NULL, NULL);
	if (id != NULL)
		*id = uid;
	return staff_enrol(email, NULL);
}

struct browser *
clinician_new(bool specialist, int64_t *id, char secret[40])
{
	const char	*argv[16];
	char		 email[160], out[2048], *p;
	int		 n = 0, rc;
	int64_t		 uid;

	unique_email(email, sizeof(email), specialist ? "specialist" : "clinician");
	argv[n++] = "create-user";
	argv[n++] = "--role";
	argv[n++] = "clinician";
	argv[n++] = "--email";
	argv[n++] = email;
	argv[n++] = "--password";
	argv[n++] = GOOD_PW;
	argv[n++] = "--given-name";
	argv[n++] = specialist ? "Sam" : "Gene";
	argv[n++] = "--family-name";
	argv[n++] = specialist ? "Specialist" : "Prescriber";
	argv[n++] = "--gmc";
	argv[n++] = specialist ? "7000002" : "7000001";
	if (specialist)
		argv[n++] = "--specialist";
	argv[n] = NULL;
	rc = run_clinic(out, sizeof(out), argv);
	ck_assert_msg(rc == 0, "clinic create-user exited %d: %s", rc, out);
	p = strstr(out, "(id ");
	ck_assert_msg(p != NULL, "clinic create-user printed no id: %s", out);
	uid = strtoll(p + 4, NULL, 10);
	ck_assert(uid > 0);
	if (id != NULL)
		*id = uid;
	return staff_enrol(email, secret);
}

void
patient_verified(int64_t patient_id)
{
	ck_assert_msg(sql_exec("INSERT INTO idv_check (patient_id, attempt, status, created_at,"
	    " updated_at) VALUES (%lld, 1, 'clear', UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))",
	    (long long)patient_id) == 0, "idv_check: %s", sql_error());
	ck_assert_msg(sql_exec("INSERT INTO idv_verified (patient_id, check_id, how, verified_at)"
	    " VALUES (%lld, LAST_INSERT_ID(), 'clear', UTC_TIMESTAMP(6))",
	    (long long)patient_id) == 0, "idv_verified: %s", sql_error());
}

struct standin_buf {
	char	*p;
	size_t	 n;
};

static size_t
standin_add(char *d, size_t s, size_t n, void *arg)
{
	struct standin_buf	*b = arg;
	char			*q = realloc(b->p, b->n + s * n + 1);

	if (q == NULL)
		return 0;
	memcpy(q + b->n, d, s * n);
	b->p = q;
	b->n += s * n;
	b->p[b->n] = '\0';
	return s * n;
}

json_object *
standin_call(const char *base, const char *method, const char *path, const char *body)
{
	CURL			*c = curl_easy_init();
	struct curl_slist	*h = curl_slist_append(NULL, "Content-Type: application/json");
	struct standin_buf	 b = { NULL, 0 };
	char			 url[512];
	json_object		*o;
	long			 st = 0;

	ck_assert(c != NULL && h != NULL);
	ck_assert((size_t)snprintf(url, sizeof(url), "%s%s", base, path) < sizeof(url));
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, standin_add);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
	if (body != NULL)
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	ck_assert_msg(curl_easy_perform(c) == CURLE_OK, "stand-in at %s does not answer", url);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &st);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	ck_assert_msg(st == 200, "stand-in %s %s: %ld %s", method, path, st, b.p ? b.p : "");
	o = json_tokener_parse(b.p != NULL ? b.p : "");
	free(b.p);
	ck_assert_msg(o != NULL, "stand-in reply is not JSON");
	return o;
}

void
conf_setting(const char *name, char *out, size_t cap)
{
	FILE	*f = fopen(E.conf, "r");
	char	 line[1024];
	size_t	 n = strlen(name), l;

	ck_assert_msg(f != NULL, "cannot read %s", E.conf);
	out[0] = '\0';
	while (fgets(line, sizeof(line), f) != NULL) {
		if (strncmp(line, name, n) != 0 || strncmp(line + n, " = ", 3) != 0)
			continue;
		ck_assert_msg((size_t)snprintf(out, cap, "%s", line + n + 3) < cap,
		    "%s is too long", name);
		l = strlen(out);
		while (l > 0 && (out[l - 1] == '\n' || out[l - 1] == '\r'))
			out[--l] = '\0';
	}
	ck_assert_int_eq(fclose(f), 0);
}

int64_t
plan_one_product(int64_t patient, int64_t product, int64_t author)
{
	int64_t	id;

	ck_assert_msg(sql_exec("INSERT INTO treatment_plan (patient_id, condition_name, version,"
	    " status, body, author_id, reason, changed_at) VALUES (%lld, 'Chronic pain', 1,"
	    " 'active', '{\"items\":[{\"product_id\":%lld,\"dose\":\"1 g vaporised a day in three"
	    " doses\",\"daily_amount\":1000,\"max_per_30d\":30000}],\"form_limits\":[],"
	    "\"max_thc_mg_per_day\":300,\"review_date\":\"2099-01-01\",\"notes\":\"\"}', %lld,"
	    " 'start', UTC_TIMESTAMP(6))", (long long)patient, (long long)product,
	    (long long)author) == 0, "plan: %s", sql_error());
	id = sql_int("SELECT LAST_INSERT_ID()");
	ck_assert_int_gt(id, 0);
	return id;
}

void
conf_need(const char *name, char *out, size_t cap)
{
	conf_setting(name, out, cap);
	ck_assert_msg(out[0] != '\0', "%s has no %s", E.conf, name);
}

struct resp *
webhook_post_raw(const char *path, const char *id, const char *ts, const char *sig,
    const char *body)
{
	static const char *const names[] = { "webhook-id", "webhook-timestamp",
	    "webhook-signature" };
	const char	*vals[3] = { id, ts, sig };
	struct browser	*b = br_new();
	char		 h[3][WEBHOOK_SIGHDR_MAX + 64];
	const char	*extra[4];
	size_t		 i, n = 0;
	struct resp	*r;

	ck_assert_ptr_nonnull(b);
	for (i = 0; i < 3; i++) {
		if (vals[i] == NULL)
			continue;
		ck_assert((size_t)snprintf(h[n], sizeof(h[n]), "%s: %s", names[i], vals[i]) <
		    sizeof(h[n]));
		extra[n] = h[n];
		n++;
	}
	extra[n] = NULL;
	r = http_raw(b, "POST", path, body, strlen(body), "application/json", NULL, extra);
	br_free(b);
	return r;
}

struct resp *
webhook_post_signed(const char *path, const char *secret, const char *id, int64_t ts,
    const char *body)
{
	unsigned char	key[WEBHOOK_SECRET_MAX];
	size_t		klen = 0;
	char		sig[WEBHOOK_SIG_LEN], tsbuf[24];

	ck_assert(webhook_secret_decode(secret, key, &klen) == CE_OK);
	ck_assert(webhook_sign(key, klen, id, ts, body, strlen(body), sig) == CE_OK);
	ck_assert((size_t)snprintf(tsbuf, sizeof(tsbuf), "%lld", (long long)ts) < sizeof(tsbuf));
	return webhook_post_raw(path, id, tsbuf, sig, body);
}

char *
temp_file(const char *text)
{
	char	*path = strdup("/tmp/api-test-XXXXXX");
	FILE	*f;
	int	 fd;

	ck_assert(path != NULL);
	ck_assert((fd = mkstemp(path)) != -1);
	ck_assert((f = fdopen(fd, "w")) != NULL);
	ck_assert(fprintf(f, "%s\n", text) > 0);
	ck_assert(fclose(f) == 0);
	return path;
}
