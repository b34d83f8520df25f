/*
 * The `clinic` command: staff accounts are created only when every option is
 * right, each creation is audited with the system as actor, and migrate is
 * safe to run again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "helpers.h"

/* Runs clinic create-user with argv after "create-user"; returns the status. */
static int
create(char *out, size_t cap, const char *const *rest)
{
	const char	*argv[24];
	int		 n = 0;

	argv[n++] = "create-user";
	while (*rest != NULL && n < 23)
		argv[n++] = *rest++;
	argv[n] = NULL;
	return run_clinic(out, cap, argv);
}

START_TEST(test_cli_refuses_bad_options)
{
	static const struct {
		const char	*why;		/* what the message must name */
		const char	*args[16];
	} cases[] = {
		{ "--gmc", { "--role", "clinician", "--email", "EMAIL", "--password", GOOD_PW,
		    "--given-name", "Gale", "--family-name", "Nogmc", NULL } },
		{ "--gmc", { "--role", "clinician", "--email", "EMAIL", "--password", GOOD_PW,
		    "--given-name", "Gale", "--family-name", "Shortgmc", "--gmc", "12345", NULL } },
		{ "--gphc", { "--role", "pharmacist", "--email", "EMAIL", "--password", GOOD_PW,
		    "--given-name", "Phoebe", "--family-name", "Nogphc", NULL } },
		{ "--specialist", { "--role", "pharmacist", "--email", "EMAIL", "--password",
		    GOOD_PW, "--given-name", "Phoebe", "--family-name", "Spec", "--gphc",
		    "1234567", "--specialist", NULL } },
		{ "--password", { "--role", "admin", "--email", "EMAIL", "--password",
		    "password1234", "--given-name", "Ada", "--family-name", "Common", NULL } },
		{ "--email", { "--role", "admin", "--email", "not-an-address", "--password",
		    GOOD_PW, "--given-name", "Ada", "--family-name", "Bademail", NULL } },
		{ "--role", { "--role", "superuser", "--email", "EMAIL", "--password", GOOD_PW,
		    "--given-name", "Sue", "--family-name", "Root", NULL } },
	};
	char		 email[160], out[4096];
	const char	*args[16];
	size_t		 i, j;
	int64_t		 users = sql_int("SELECT COUNT(*) FROM users");
	int64_t		 rows = sql_int("SELECT COUNT(*) FROM audit_event");
	int		 rc;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unique_email(email, sizeof(email), "cli");
		for (j = 0; cases[i].args[j] != NULL; j++)
			args[j] = strcmp(cases[i].args[j], "EMAIL") == 0 ? email : cases[i].args[j];
		args[j] = NULL;
		rc = create(out, sizeof(out), args);
		ck_assert_msg(rc != 0, "case %zu (%s) was accepted: %s", i, cases[i].why, out);
		ck_assert_msg(strstr(out, cases[i].why) != NULL,
		    "case %zu: the message does not name %s: %s", i, cases[i].why, out);
	}
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM users"), users);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM audit_event"), rows);
}
END_TEST

START_TEST(test_cli_creates_and_audits)
{
	char		 email[160], out[4096];
	const char	*dup[] = { "--role", "clinician", "--email", email, "--password", GOOD_PW,
			    "--given-name", "Gale", "--family-name", "Twice", "--gmc", "7000001",
			    NULL };
	int64_t		 id, users;

	unique_email(email, sizeof(email), "cli-ok");
	id = cli_create_user("clinician", email, GOOD_PW, "--gmc", "7000001");
	ck_assert_int_gt(id, 0);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM users WHERE id = %lld AND role = 'clinician'"
	    " AND gmc_number = '7000001'", (long long)id), 1);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM audit_event WHERE action = 'user.created'"
	    " AND entity_type = 'user' AND entity_id = '%lld' AND actor_role = 'system'"
	    " AND actor_id IS NULL AND outcome = 'success'", (long long)id), 1);
	/* The same address again is refused and changes nothing. */
	users = sql_int("SELECT COUNT(*) FROM users");
	ck_assert_int_ne(create(out, sizeof(out), dup), 0);
	ck_assert_msg(strstr(out, "already registered") != NULL, "%s", out);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM users"), users);
}
END_TEST

START_TEST(test_cli_migrate_again_is_harmless)
{
	char		 out[4096];
	const char	*argv[] = { "migrate", "--db-user", "root", NULL };
	const char	*verify[] = { "verify-audit", NULL };
	int64_t		 applied = sql_int("SELECT COUNT(*) FROM schema_migrations");
	int		 rc;

	rc = run_clinic(out, sizeof(out), argv);
	ck_assert_msg(rc == 0, "migrate exited %d: %s", rc, out);
	ck_assert_msg(strstr(out, "0 migrations applied") != NULL, "%s", out);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM schema_migrations"), applied);
	rc = run_clinic(out, sizeof(out), verify);
	ck_assert_msg(rc == 0 && strncmp(out, "ok: ", 4) == 0, "verify-audit %d: %s", rc, out);
}
END_TEST

START_TEST(test_cli_purge_removes_ended_sessions)
{
	struct user	 u;
	char		 out[4096];
	const char	*argv[] = { "purge", NULL };
	int		 rc;

	user_register(&u, "purge");
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM sessions WHERE user_id = %lld",
	    (long long)u.id), 1);
	/* Still live: purge keeps it. */
	rc = run_clinic(out, sizeof(out), argv);
	ck_assert_msg(rc == 0, "purge exited %d: %s", rc, out);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM sessions WHERE user_id = %lld",
	    (long long)u.id), 1);
	/* Idle past the limit: purge removes it. */
	ck_assert_int_eq(sql_exec("UPDATE sessions SET last_seen = last_seen - INTERVAL 31 MINUTE"
	    " WHERE user_id = %lld", (long long)u.id), 0);
	rc = run_clinic(out, sizeof(out), argv);
	ck_assert_msg(rc == 0 && strstr(out, "removed ") != NULL, "purge %d: %s", rc, out);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM sessions WHERE user_id = %lld",
	    (long long)u.id), 0);
	user_free(&u);
}
END_TEST

/*
 * Copies the migrations next to the demo data into dir; with edited not NULL,
 * appends a comment line to that one.
 */
static void
copy_migrations(const char *dir, const char *edited)
{
	char	src[1024], cmd[4096], *slash;

	(void)snprintf(src, sizeof(src), "%s", E.demo);
	ck_assert_ptr_nonnull(slash = strrchr(src, '/'));
	*slash = '\0';
	(void)snprintf(cmd, sizeof(cmd), "cp '%s'/[0-9][0-9][0-9][0-9]_*.sql '%s'/", src, dir);
	ck_assert_int_eq(system(cmd), 0);
	if (edited != NULL) {
		(void)snprintf(cmd, sizeof(cmd), "echo '-- edited after it was applied' >> '%s/%s'",
		    dir, edited);
		ck_assert_int_eq(system(cmd), 0);
	}
}

START_TEST(test_cli_migrate_refuses_an_edited_migration)
{
	char		 out[4096], dir[] = "/tmp/clinic-migrations-XXXXXX", cmd[128];
	const char	*argv[] = { "migrate", "--sql-dir", dir, "--db-user", "root", NULL };
	int64_t		 applied = sql_int("SELECT COUNT(*) FROM schema_migrations");
	int		 rc;

	ck_assert_ptr_nonnull(mkdtemp(dir));
	/* The same texts: nothing to do. */
	copy_migrations(dir, NULL);
	rc = run_clinic(out, sizeof(out), argv);
	ck_assert_msg(rc == 0 && strstr(out, "0 migrations applied") != NULL, "migrate %d: %s",
	    rc, out);
	/* One applied migration edited: refused, by name, and nothing recorded. */
	copy_migrations(dir, "0001_foundation.sql");
	rc = run_clinic(out, sizeof(out), argv);
	ck_assert_msg(rc == 1 && strstr(out, "0001_foundation.sql has changed since it was applied")
	    != NULL, "migrate %d: %s", rc, out);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM schema_migrations"), applied);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM schema_migrations WHERE checksum IS NULL"
	    " OR LENGTH(checksum) <> 64"), 0);
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	ck_assert_int_eq(system(cmd), 0);
}
END_TEST

START_TEST(test_cli_purge_removes_old_outbox_messages)
{
	char		 out[4096], key[64];
	const char	*argv[] = { "purge", NULL };
	const char	*states[] = { "done-old", "failed-old", "done-new", "pending-old" };
	size_t		 i;
	int		 rc;

	/*
	 * Messages that ended 31 days ago go; recent or pending ones stay. The
	 * pending one is due tomorrow, so the test stack's dispatcher leaves it.
	 */
	for (i = 0; i < 4; i++) {
		(void)snprintf(key, sizeof(key), "purge-%ld-%s", (long)getpid(), states[i]);
		ck_assert_int_eq(sql_exec("INSERT INTO outbox (kind, payload, idempotency_key, status,"
		    " next_attempt_at, created_at, delivered_at) VALUES ('test.purge',"
		    " '{\"name\":\"Someone\"}', '%s', '%s', UTC_TIMESTAMP(6) - INTERVAL %d DAY,"
		    " UTC_TIMESTAMP(6) - INTERVAL %d DAY, %s)", key,
		    strncmp(states[i], "done", 4) == 0 ? "done" :
		    strncmp(states[i], "failed", 6) == 0 ? "failed" : "pending",
		    i == 3 ? -1 : strstr(states[i], "old") ? 31 : 1, strstr(states[i], "old") ? 31 : 1,
		    strncmp(states[i], "done", 4) == 0 ? "next_attempt_at" : "NULL"), 0);
	}
	rc = run_clinic(out, sizeof(out), argv);
	ck_assert_msg(rc == 0 && strstr(out, "outbox message") != NULL, "purge %d: %s", rc, out);
	for (i = 0; i < 4; i++) {
		(void)snprintf(key, sizeof(key), "purge-%ld-%s", (long)getpid(), states[i]);
		ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM outbox WHERE idempotency_key = '%s'",
		    key), i < 2 ? 0 : 1);
	}
	(void)sql_exec("DELETE FROM outbox WHERE kind = 'test.purge'");
}
END_TEST

Suite *
cli_suite(void)
{
	Suite	*s = suite_create("cli");
	TCase	*tc;

	tc = tcase_create("clinic");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_cli_refuses_bad_options);
	tcase_add_test(tc, test_cli_creates_and_audits);
	tcase_add_test(tc, test_cli_migrate_again_is_harmless);
	tcase_add_test(tc, test_cli_migrate_refuses_an_edited_migration);
	tcase_add_test(tc, test_cli_purge_removes_ended_sessions);
	tcase_add_test(tc, test_cli_purge_removes_old_outbox_messages);
	suite_add_tcase(s, tc);
	return s;
}
