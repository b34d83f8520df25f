/*
 * Audit: reading the trail (fields, paging, filters, bad queries), verifying
 * the chain, tampering as database root (each test puts the database back),
 * the application account's grants, and many writers at once.
 */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <check.h>

#include "helpers.h"

static struct resp *
verify_api(void)
{
	struct browser	*b = auditor();
	struct resp	*r = api(b, "GET", "/api/v1/audit/verify", NULL);

	br_free(b);
	ck_assert_msg(r->status == 200, "verify: %s", rdesc(r));
	return r;
}

static bool
matches(const char *s, const char *re)
{
	regex_t	rx;
	bool	ok;

	if (s == NULL || regcomp(&rx, re, REG_EXTENDED | REG_NOSUB) != 0)
		return false;
	ok = regexec(&rx, s, 0, NULL, 0) == 0;
	regfree(&rx);
	return ok;
}

static int64_t
head_seq(void)
{
	return sql_int("SELECT seq FROM audit_head WHERE id = 1");
}

START_TEST(test_event_fields)
{
	struct user	 u;
	struct resp	*e, *r;
	json_object	*ev;
	char		 id[24];

	user_register(&u, "fields");
	ck_assert_msg(u.rid[0] != '\0', "registration had no X-Request-Id");
	e = audit_events("action=user.registered&entity_type=user&entity_id=%lld", (long long)u.id);
	expect_api_headers(e);
	ck_assert_int_eq(json_object_array_length(jget(e->json, "events")), 1);
	ev = jget(e->json, "events.0");
	(void)snprintf(id, sizeof(id), "%lld", (long long)u.id);
	ck_assert_msg(jint(ev, "seq") > 0, "seq: %s", e->body);
	ck_assert_msg(matches(jstr(ev, "occurred_at"),
	    "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6}Z$"),
	    "occurred_at without microseconds: %s", jstr(ev, "occurred_at"));
	ck_assert_int_eq(jint(ev, "actor_id"), u.id);
	ck_assert_str_eq(jstr(ev, "actor_role"), "patient");
	ck_assert_msg(jnull(ev, "actor_registration"), "actor_registration: %s", e->body);
	ck_assert_str_eq(jstr(ev, "actor_name"), "Reggie Tester");
	ck_assert_str_eq(jstr(ev, "actor_email"), u.email);
	ck_assert_str_eq(jstr(ev, "action"), "user.registered");
	ck_assert_str_eq(jstr(ev, "entity_type"), "user");
	ck_assert_str_eq(jstr(ev, "entity_id"), id);
	ck_assert_str_eq(jstr(ev, "outcome"), "success");
	/* The X-Request-Id the registration was answered with. */
	ck_assert_str_eq(jstr(ev, "request_id"), u.rid);
	ck_assert_str_eq(jstr(ev, "client_addr"), "127.0.0.1");
	ck_assert_str_eq(jstr(ev, "details.role"), "patient");
	ck_assert_msg(matches(jstr(ev, "hash"), "^[0-9a-f]{64}$"), "hash: %s", e->body);
	ck_assert_msg(jnull(e->json, "next_before"), "next_before on a short page: %s", e->body);
	/* The look itself is recorded, with the filter used. */
	expect_one_audit(e, "audit.events_viewed", "success");
	ck_assert_int_eq(sql_int("SELECT JSON_VALUE(details, '$.entity_id') = '%lld' AND"
	    " JSON_VALUE(details, '$.action') = 'user.registered' FROM audit_event"
	    " WHERE request_id = '%s'", (long long)u.id, e->rid), 1);
	/* A request id sent by nginx is the one in the row and the header. */
	r = api(u.b, "PUT", "/api/v1/auth/me/preferences", "{\"theme\":\"light\"}");
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM audit_event WHERE request_id = '%s'"
	    " AND actor_id = %lld AND action = 'user.preferences_changed'", r->rid,
	    (long long)u.id), 1);
	resp_free(r);
	resp_free(e);
	user_free(&u);
}
END_TEST

START_TEST(test_events_paging)
{
	struct resp	*p1, *p2;
	int64_t		 s0, s1, nb;
	struct user	 u;

	/* Enough rows to page through. */
	user_register(&u, "paging");
	p1 = audit_events("limit=2");
	ck_assert_int_eq(json_object_array_length(jget(p1->json, "events")), 2);
	s0 = jint(p1->json, "events.0.seq");
	s1 = jint(p1->json, "events.1.seq");
	nb = jint(p1->json, "next_before");
	ck_assert_msg(s0 > s1 && s1 > 0, "not newest first: %s", p1->body);
	ck_assert_msg(s0 == s1 + 1, "unfiltered page has a gap: %s", p1->body);
	ck_assert_msg(nb == s1, "next_before %lld, expected %lld", (long long)nb, (long long)s1);
	p2 = audit_events("limit=2&before=%lld", (long long)nb);
	ck_assert_int_eq(json_object_array_length(jget(p2->json, "events")), 2);
	ck_assert_msg(jint(p2->json, "events.0.seq") == nb - 1 &&
	    jint(p2->json, "events.1.seq") == nb - 2, "second page: %s", p2->body);
	ck_assert_int_eq(jint(p2->json, "next_before"), nb - 2);
	resp_free(p1);
	resp_free(p2);
	/* The last page has no next_before. */
	p1 = audit_events("actor=%lld&limit=500", (long long)u.id);
	ck_assert_msg(jnull(p1->json, "next_before"), "next_before: %s", p1->body);
	resp_free(p1);
	p1 = audit_events("before=1");
	ck_assert_int_eq(json_object_array_length(jget(p1->json, "events")), 0);
	ck_assert_msg(jnull(p1->json, "next_before"), "next_before: %s", p1->body);
	resp_free(p1);
	user_free(&u);
}
END_TEST

START_TEST(test_events_filters)
{
	struct user	 u, other;
	struct resp	*e;
	json_object	*evs;
	size_t		 i;
	bool		 saw_reg = false, saw_prefs = false;

	user_register(&u, "actor");
	user_register(&other, "actor-other");
	e = api(u.b, "PUT", "/api/v1/auth/me/preferences", "{\"text_size\":\"larger\"}");
	ck_assert_msg(e->status == 200, "%s", rdesc(e));
	resp_free(e);
	e = audit_events("actor=%lld", (long long)u.id);
	evs = jget(e->json, "events");
	ck_assert_int_eq(json_object_array_length(evs), 2);
	for (i = 0; i < json_object_array_length(evs); i++) {
		json_object *ev = json_object_array_get_idx(evs, i);
		ck_assert_int_eq(jint(ev, "actor_id"), u.id);
		saw_reg |= strcmp(jstr(ev, "action"), "user.registered") == 0;
		saw_prefs |= strcmp(jstr(ev, "action"), "user.preferences_changed") == 0;
	}
	ck_assert_msg(saw_reg && saw_prefs, "actor filter: %s", e->body);
	resp_free(e);
	/* Filters combine. */
	ck_assert_int_eq(audit_count("actor=%lld&action=user.preferences_changed",
	    (long long)u.id), 1);
	ck_assert_int_eq(audit_count("actor=%lld&outcome=failure", (long long)u.id), 0);
	ck_assert_int_eq(audit_count("actor=%lld&action=user.registered", (long long)other.id), 1);
	/* Time window: nothing before 2000; this user's rows are after an hour ago. */
	ck_assert_int_eq(audit_count("actor=%lld&to=2000-01-01T00:00:00Z", (long long)u.id), 0);
	{
		char	*from = sql_str("SELECT DATE_FORMAT(UTC_TIMESTAMP() - INTERVAL 1 HOUR,"
		    " '%%Y-%%m-%%dT%%H:%%i:%%sZ')");
		ck_assert_ptr_nonnull(from);
		ck_assert_int_eq(audit_count("actor=%lld&from=%s", (long long)u.id, from), 2);
		free(from);
	}
	user_free(&u);
	user_free(&other);
}
END_TEST

START_TEST(test_events_bad_query)
{
	static const struct {
		const char	*query;
		const char	*fields[3];
	} cases[] = {
		{ "bogus=1", { "bogus" } },
		{ "limit=0", { "limit" } },
		{ "limit=501", { "limit" } },
		{ "limit=ten", { "limit" } },
		{ "from=garbage", { "from" } },
		{ "to=2024-13-01T00:00:00Z", { "to" } },
		{ "actor=-3", { "actor" } },
		{ "bogus=1&limit=0&from=garbage", { "bogus", "limit", "from" } },
	};
	struct browser	*b = auditor();
	struct resp	*r;
	char		 path[256];
	size_t		 i, k;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		(void)snprintf(path, sizeof(path), "/api/v1/audit/events?%s", cases[i].query);
		r = api(b, "GET", path, NULL);
		expect_problem(r, 400, "validation");
		for (k = 0; k < 3 && cases[i].fields[k] != NULL; k++)
			ck_assert_msg(has_error_field(r, cases[i].fields[k]), "%s: %s not named: %s",
			    cases[i].query, cases[i].fields[k], rdesc(r));
		resp_free(r);
	}
	/* verify takes no parameters. */
	r = api(b, "GET", "/api/v1/audit/verify?x=1", NULL);
	expect_problem(r, 400, "validation");
	resp_free(r);
	br_free(b);
}
END_TEST

START_TEST(test_verify_ok)
{
	struct resp	*r;
	int64_t		 rows;
	char		*hash, out[1024];
	const char	*argv[] = { "verify-audit", NULL };
	int		 rc;

	r = verify_api();
	expect_api_headers(r);
	/* The verification is itself recorded after it is taken: one row more now. */
	rows = sql_int("SELECT COUNT(*) FROM audit_event");
	ck_assert_msg(jbool(r->json, "ok"), "chain not ok: %s", r->body);
	ck_assert_int_eq(jint(r->json, "count"), rows - 1);
	ck_assert_int_eq(jint(r->json, "head_seq"), rows - 1);
	hash = sql_str("SELECT hash FROM audit_event WHERE seq = %lld",
	    jint(r->json, "head_seq"));
	ck_assert_ptr_nonnull(hash);
	ck_assert_str_eq(jstr(r->json, "head"), hash);
	ck_assert_msg(jnull(r->json, "first_bad") && jnull(r->json, "reason"),
	    "first_bad/reason on a good chain: %s", r->body);
	expect_one_audit(r, "audit.verified", "success");
	free(hash);
	resp_free(r);
	/* The CLI agrees. */
	rc = run_clinic(out, sizeof(out), argv);
	ck_assert_msg(rc == 0 && strncmp(out, "ok: ", 4) == 0, "clinic verify-audit %d: %s",
	    rc, out);
	hash = sql_str("SELECT hash FROM audit_head");
	ck_assert_msg(strstr(out, hash) != NULL, "CLI head is not the chain head: %s", out);
	free(hash);
}
END_TEST

/* A tamper step's findings, asserted after the database is put back. */
struct findings {
	long		 api_status;
	bool		 api_ok;
	long long	 api_first_bad;
	char		 api_reason[160];
	char		 api_body[600];
	int		 cli_rc;
	char		 cli_out[600];
};

static void
observe(struct findings *f)
{
	struct browser	*b = auditor();
	struct resp	*r = api(b, "GET", "/api/v1/audit/verify", NULL);
	const char	*argv[] = { "verify-audit", NULL };

	f->api_status = r->status;
	f->api_ok = jbool(r->json, "ok");
	f->api_first_bad = jint(r->json, "first_bad");
	(void)snprintf(f->api_reason, sizeof(f->api_reason), "%s",
	    jstr(r->json, "reason") ? jstr(r->json, "reason") : "");
	(void)snprintf(f->api_body, sizeof(f->api_body), "%s", r->body);
	resp_free(r);
	br_free(b);
	f->cli_rc = run_clinic(f->cli_out, sizeof(f->cli_out), argv);
}

static void
expect_broken_at(const struct findings *f, long long seq, const char *what)
{
	char	want[64];

	(void)snprintf(want, sizeof(want), "BROKEN at row %lld:", seq);
	/* One assertion, so a failure shows both verifiers' answers. */
	ck_assert_msg(f->api_status == 200 && !f->api_ok && f->api_first_bad == seq &&
	    f->cli_rc == 1 && strstr(f->cli_out, want) != NULL,
	    "%s: expected both verifiers to name row %lld; GET /api/v1/audit/verify -> %ld %s;"
	    " clinic verify-audit -> exit %d: %s", what, seq, f->api_status, f->api_body,
	    f->cli_rc, f->cli_out);
}

static void
expect_chain_whole(void)
{
	struct resp	*r = verify_api();

	ck_assert_msg(jbool(r->json, "ok"), "chain not whole again after restoring: %s", r->body);
	resp_free(r);
}

static char *
trigger_mode(const char *name)
{
	char	*m = sql_trigger_mode(name);

	return m != NULL ? m : strdup(MIGRATE_SQL_MODE);
}

static void
tamper_setup(void)
{
	sql_ensure_triggers();
	(void)sql_exec("DROP TABLE IF EXISTS api_test_saved");
}

START_TEST(test_tamper_refused_by_triggers)
{
	int64_t		 seq = head_seq() - 1;
	unsigned	 e;
	char		*before, *after;

	ck_assert_msg(seq > 0, "no rows");
	before = sql_str("SELECT hash FROM audit_event WHERE seq = %lld", (long long)seq);
	e = sql_exec("UPDATE audit_event SET details = '{\"tampered\":true}' WHERE seq = %lld",
	    (long long)seq);
	ck_assert_msg(e != 0, "root could UPDATE audit_event");
	ck_assert_msg(strstr(sql_error(), "append-only") != NULL, "UPDATE refused by what? %s",
	    sql_error());
	e = sql_exec("DELETE FROM audit_event WHERE seq = %lld", (long long)seq);
	ck_assert_msg(e != 0, "root could DELETE from audit_event");
	ck_assert_msg(strstr(sql_error(), "append-only") != NULL, "DELETE refused by what? %s",
	    sql_error());
	after = sql_str("SELECT hash FROM audit_event WHERE seq = %lld", (long long)seq);
	ck_assert_str_eq(before, after);
	free(before);
	free(after);
	expect_chain_whole();
}
END_TEST

START_TEST(test_tamper_edit)
{
	struct findings	 f;
	struct user	 u;
	char		*def0, *def1, *mode;
	int64_t		 seq;
	unsigned	 e_drop, e_upd, e_restore, e_trig, e_again;

	user_register(&u, "tamper-edit");
	seq = sql_int("SELECT seq FROM audit_event WHERE action = 'user.registered' AND"
	    " entity_id = '%lld'", (long long)u.id);
	ck_assert_msg(seq > 0, "no row to tamper with");
	def0 = sql_trigger_def("audit_event_no_update");
	ck_assert_ptr_nonnull(def0);
	mode = trigger_mode("audit_event_no_update");
	ck_assert_int_eq(sql_exec("CREATE TABLE api_test_saved AS SELECT * FROM audit_event"
	    " WHERE seq = %lld", (long long)seq), 0);

	e_drop = sql_exec("DROP TRIGGER audit_event_no_update");
	e_upd = sql_exec("UPDATE audit_event SET details = '{\"role\":\"admin\"}' WHERE seq = %lld",
	    (long long)seq);
	observe(&f);
	/* Put it back before judging. */
	e_restore = sql_exec("UPDATE audit_event e JOIN api_test_saved s ON s.seq = e.seq"
	    " SET e.details = s.details");
	e_trig = sql_create_trigger(SQL_TRIGGER_NO_UPDATE, mode);
	(void)sql_exec("DROP TABLE api_test_saved");
	sql_ensure_triggers();
	e_again = sql_exec("UPDATE audit_event SET details = '{}' WHERE seq = %lld",
	    (long long)seq);
	def1 = sql_trigger_def("audit_event_no_update");

	ck_assert_int_eq(e_drop, 0);
	ck_assert_int_eq(e_upd, 0);
	ck_assert_int_eq(e_restore, 0);
	ck_assert_int_eq(e_trig, 0);
	expect_broken_at(&f, seq, "edited row");
	ck_assert_msg(e_again != 0, "the restored trigger does not refuse UPDATE");
	ck_assert_msg(def1 != NULL && strcmp(def0, def1) == 0, "trigger differs: %s vs %s",
	    def0, def1 ? def1 : "(none)");
	free(def0);
	free(def1);
	free(mode);
	expect_chain_whole();
	user_free(&u);
}
END_TEST

START_TEST(test_tamper_delete)
{
	struct findings	 f;
	char		*def0, *def1, *mode;
	int64_t		 seq = head_seq() / 2;
	unsigned	 e_drop, e_del, e_back, e_trig, e_again;

	ck_assert_msg(seq > 1, "not enough rows");
	def0 = sql_trigger_def("audit_event_no_delete");
	ck_assert_ptr_nonnull(def0);
	mode = trigger_mode("audit_event_no_delete");
	ck_assert_int_eq(sql_exec("CREATE TABLE api_test_saved AS SELECT * FROM audit_event"
	    " WHERE seq = %lld", (long long)seq), 0);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM api_test_saved"), 1);

	e_drop = sql_exec("DROP TRIGGER audit_event_no_delete");
	e_del = sql_exec("DELETE FROM audit_event WHERE seq = %lld", (long long)seq);
	observe(&f);
	e_back = sql_exec("INSERT INTO audit_event SELECT * FROM api_test_saved");
	e_trig = sql_create_trigger(SQL_TRIGGER_NO_DELETE, mode);
	if (e_back == 0)
		(void)sql_exec("DROP TABLE api_test_saved");
	sql_ensure_triggers();
	e_again = sql_exec("DELETE FROM audit_event WHERE seq = %lld", (long long)seq);
	def1 = sql_trigger_def("audit_event_no_delete");

	ck_assert_int_eq(e_drop, 0);
	ck_assert_int_eq(e_del, 0);
	ck_assert_msg(e_back == 0, "could not put row %lld back: %s", (long long)seq, sql_error());
	ck_assert_int_eq(e_trig, 0);
	expect_broken_at(&f, seq, "deleted row");
	ck_assert_msg(e_again != 0, "the restored trigger does not refuse DELETE");
	ck_assert_msg(def1 != NULL && strcmp(def0, def1) == 0, "trigger differs: %s vs %s",
	    def0, def1 ? def1 : "(none)");
	free(def0);
	free(def1);
	free(mode);
	expect_chain_whole();
}
END_TEST

/*
 * Root inserts a copy of the last row under another seq (with a made-up
 * action); the verifiers are asked; the row is removed again.
 */
static void
forge_and_observe(int64_t forged, struct findings *f, unsigned *e_ins, unsigned *e_del)
{
	int64_t	 last = head_seq();
	char	*mode = trigger_mode("audit_event_no_delete");

	*e_ins = sql_exec("INSERT INTO audit_event SELECT %lld, occurred_at, actor_id, actor_role,"
	    " actor_reg, 'auth.login', entity_type, entity_id, 'success', request_id,"
	    " client_addr, details, prev_hash, hash FROM audit_event WHERE seq = %lld",
	    (long long)forged, (long long)last);
	observe(f);
	(void)sql_exec("DROP TRIGGER audit_event_no_delete");
	*e_del = sql_exec("DELETE FROM audit_event WHERE seq = %lld", (long long)forged);
	(void)sql_create_trigger(SQL_TRIGGER_NO_DELETE, mode);
	sql_ensure_triggers();
	free(mode);
}

/* Right after the head, where the next real row would go. */
START_TEST(test_tamper_insert_next)
{
	struct findings	 f;
	unsigned	 e_ins, e_del;
	int64_t		 forged = head_seq() + 1;

	forge_and_observe(forged, &f, &e_ins, &e_del);
	ck_assert_msg(e_ins == 0, "root could not insert: %s", sql_error());
	ck_assert_int_eq(e_del, 0);
	expect_chain_whole();
	expect_broken_at(&f, forged, "row inserted just beyond the head");
}
END_TEST

/* Far beyond the head, leaving a gap. */
START_TEST(test_tamper_insert_beyond_head)
{
	struct findings	 f;
	unsigned	 e_ins, e_del;
	int64_t		 forged = head_seq() + 1000;

	forge_and_observe(forged, &f, &e_ins, &e_del);
	ck_assert_msg(e_ins == 0, "root could not insert: %s", sql_error());
	ck_assert_int_eq(e_del, 0);
	expect_chain_whole();
	expect_broken_at(&f, forged, "row inserted far beyond the head");
}
END_TEST

START_TEST(test_tamper_insert_seq0)
{
	struct findings	 f;
	unsigned	 e_ins, e_del;

	forge_and_observe(0, &f, &e_ins, &e_del);
	ck_assert_msg(e_ins == 0, "root could not insert: %s", sql_error());
	ck_assert_int_eq(e_del, 0);
	expect_chain_whole();
	expect_broken_at(&f, 0, "row inserted at seq 0");
}
END_TEST

/*
 * The application's account (db_user in clinic.conf): reads the trail and
 * appends only through the audit_append procedure (sql/0002_audit_append.sql);
 * it can neither change nor remove rows, nor insert them directly.
 */
START_TEST(test_app_account_grants)
{
	static const struct {
		const char	*stmt;
		bool		 allowed;
	} cases[] = {
		{ "UPDATE audit_event SET outcome = 'x' WHERE seq = 1", false },
		{ "DELETE FROM audit_event WHERE seq = 1", false },
		{ "INSERT INTO audit_event (seq, occurred_at, action, outcome, details, prev_hash,"
		  " hash) VALUES (0, UTC_TIMESTAMP(6), 'api.test', 'success', '{}',"
		  " REPEAT('0', 64), REPEAT('0', 64))", false },
		{ "UPDATE audit_head SET seq = seq + 1 WHERE id = 1", false },
		{ "DROP TRIGGER audit_event_no_update", false },
		{ "ALTER TABLE audit_event ADD COLUMN x INT", false },
		{ "TRUNCATE TABLE audit_event", false },
		{ "DROP PROCEDURE audit_append", false },
		{ "SELECT COUNT(*) FROM audit_event", true },
		{ "SELECT seq, hash FROM audit_head", true },
	};
	const char	*err, *one[1];
	/* Appending through the procedure works (and is rolled back here). */
	const char	*tx[] = {
		"START TRANSACTION",
		("CALL audit_append(0, NULL, NULL, 'api.test.rolled_back', NULL, NULL, 'success',"
		" NULL, 'local', '{}', 0)"),
		"ROLLBACK",
	};
	int		 at;
	unsigned	 e;
	size_t		 i;
	int64_t		 rows = sql_int("SELECT COUNT(*) FROM audit_event");
	int64_t		 head = head_seq();

	ck_assert_msg(E.app_password[0] != '\0', "no db_password in %s", E.conf);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		one[0] = cases[i].stmt;
		e = sql_exec_as(E.app_user, E.app_password, one, 1, &err, &at);
		if (cases[i].allowed)
			ck_assert_msg(e == 0, "%s refused for %s: %s", cases[i].stmt, E.app_user, err);
		else {
			/* 1142/1370: command denied; 1227/1044: no privilege (not the trigger's 1644). */
			ck_assert_msg(e == 1142 || e == 1370 || e == 1227 || e == 1044,
			    "%s as %s gave %u %s", cases[i].stmt, E.app_user, e,
			    e ? err : "(allowed!)");
		}
	}
	e = sql_exec_as(E.app_user, E.app_password, tx, 3, &err, &at);
	ck_assert_msg(e == 0, "CALL audit_append in a rolled-back transaction failed at %d: %u %s",
	    at, e, err);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM audit_event WHERE action LIKE 'api.test%%'"),
	    0);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM audit_event") >= rows, 1);
	ck_assert_int_eq(head_seq() >= head, 1);
	sql_ensure_triggers();
	expect_chain_whole();
}
END_TEST

#define WRITERS		8
#define WRITES_EACH	25

/* One writer (a child process): sign in, then WRITES_EACH preference changes. */
static int
writer(const struct user *u, int k)
{
	struct browser	*b = br_new();
	struct resp	*r;
	int		 i, bad = 0;
	static const char *const themes[] = { "light", "dark", "system" };
	char		 body[64];

	r = login(b, u->email, u->password);
	if (r->status != 200) {
		fprintf(stderr, "writer %d: sign-in: %s\n", k, rdesc(r));
		return WRITES_EACH + 1;
	}
	resp_free(r);
	for (i = 0; i < WRITES_EACH; i++) {
		(void)snprintf(body, sizeof(body), "{\"theme\":\"%s\"}", themes[(i + k) % 3]);
		r = api(b, "PUT", "/api/v1/auth/me/preferences", body);
		if (r->status != 200) {
			if (bad++ == 0)
				fprintf(stderr, "writer %d, write %d: %s (X-Request-Id %s)\n", k, i,
				    rdesc(r), r->rid);
		}
		resp_free(r);
	}
	br_free(b);
	return bad;
}

START_TEST(test_concurrent_writers)
{
	struct user	 u[WRITERS];
	struct resp	*r;
	pid_t		 pid[WRITERS];
	int64_t		 count0, count1, changed;
	int		 k, st, failures = 0;
	char		 ids[WRITERS * 24] = "";

	for (k = 0; k < WRITERS; k++) {
		user_register(&u[k], "writer");
		(void)snprintf(ids + strlen(ids), sizeof(ids) - strlen(ids), "%s%lld",
		    k ? "," : "", (long long)u[k].id);
	}
	r = verify_api();
	ck_assert_msg(jbool(r->json, "ok"), "chain broken before: %s", r->body);
	count0 = jint(r->json, "count");
	resp_free(r);

	for (k = 0; k < WRITERS; k++) {
		if ((pid[k] = fork()) == 0)
			_exit(writer(&u[k], k));
		ck_assert_msg(pid[k] > 0, "fork failed");
	}
	for (k = 0; k < WRITERS; k++) {
		ck_assert_msg(waitpid(pid[k], &st, 0) == pid[k], "waitpid");
		if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			failures += WIFEXITED(st) ? WEXITSTATUS(st) : WRITES_EACH;
	}
	ck_assert_msg(failures == 0, "%d of %d concurrent writes failed (see stderr)", failures,
	    WRITERS * WRITES_EACH);

	r = verify_api();
	ck_assert_msg(jbool(r->json, "ok"), "chain broken after concurrent writes: %s", r->body);
	count1 = jint(r->json, "count");
	resp_free(r);
	ck_assert_msg(count1 - count0 >= WRITERS * WRITES_EACH, "count grew by %lld only",
	    (long long)(count1 - count0));
	changed = sql_int("SELECT COUNT(*) FROM audit_event WHERE action ="
	    " 'user.preferences_changed' AND actor_id IN (%s)", ids);
	ck_assert_int_eq(changed, WRITERS * WRITES_EACH);
	/* Timestamps never go backwards along the chain. */
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM audit_event a JOIN audit_event b"
	    " ON b.seq = a.seq + 1 WHERE b.occurred_at < a.occurred_at AND a.seq >= %lld",
	    (long long)count0), 0);
	for (k = 0; k < WRITERS; k++)
		user_free(&u[k]);
}
END_TEST

Suite *
audit_suite(void)
{
	Suite	*s = suite_create("audit");
	TCase	*tc;

	tc = tcase_create("events");
	tcase_add_checked_fixture(tc, fx_clear_throttle, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_event_fields);
	tcase_add_test(tc, test_events_paging);
	tcase_add_test(tc, test_events_filters);
	tcase_add_test(tc, test_events_bad_query);
	suite_add_tcase(s, tc);

	tc = tcase_create("chain");
	tcase_add_checked_fixture(tc, tamper_setup, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_verify_ok);
	tcase_add_test(tc, test_tamper_refused_by_triggers);
	tcase_add_test(tc, test_tamper_edit);
	tcase_add_test(tc, test_tamper_delete);
	tcase_add_test(tc, test_tamper_insert_next);
	tcase_add_test(tc, test_tamper_insert_beyond_head);
	tcase_add_test(tc, test_tamper_insert_seq0);
	tcase_add_test(tc, test_app_account_grants);
	suite_add_tcase(s, tc);

	tc = tcase_create("concurrency");
	tcase_add_checked_fixture(tc, fx_clear_throttle, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_concurrent_writers);
	suite_add_tcase(s, tc);
	return s;
}
