/*
 * API tests for the email and SMS outbox kinds (modules/dispatch/notify_kinds.c,
 * docs/API.md#notifications): the stack's dispatcher delivers notify.email
 * and notify.sms rows to the stack's stand-in (tools/notify-standin, speaking
 * SendGrid v3 and Twilio), whose address comes from the stack's clinic.conf;
 * GET <stand-in>/_messages shows what it received. A message about an
 * appointment that was cancelled or moved is skipped; a refused key ends as a
 * failed row with the reason; booking through the appointments API sends a
 * confirmation with no clinical words, and an SMS only with consent and a
 * phone number.
 */
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include <check.h>

#include "helpers.h"

static char	standin_url[256];	/* notify_email_url: http://127.0.0.1:<port+8> */
static char	email_from[256];
static char	portal_url[256];
static int64_t	clinician_id;
static int	serial;

static void
notify_setup(void)
{
	fx_clear_throttle();
	conf_setting("notify_email_url", standin_url, sizeof(standin_url));
	ck_assert_msg(*standin_url != '\0', "%s has no notify_email_url", E.conf);
	conf_setting("notify_email_from", email_from, sizeof(email_from));
	conf_setting("portal_url", portal_url, sizeof(portal_url));
	ck_assert_msg(*portal_url != '\0', "%s has no portal_url", E.conf);
	clinician_id = sql_int("SELECT id FROM users WHERE email = '%s'", demo_clinician.email);
	ck_assert_int_gt(clinician_id, 0);
}

/* A call to the stand-in's test API; returns the parsed reply (caller puts). */
static json_object *
standin(const char *method, const char *path, const char *body)
{
	return standin_call(standin_url, method, path, body);
}

static void
standin_mode(const char *mode)
{
	char	body[80];

	(void)snprintf(body, sizeof(body), "{\"mode\":\"%s\"}", mode);
	json_object_put(standin("POST", "/_control/mode", body));
}

/*
 * The message the stand-in received with this idempotency key (a copy the
 * caller puts), or NULL.
 */
static json_object *
received(const char *key)
{
	json_object	*all = standin("GET", "/_messages", NULL), *list, *m, *found = NULL;
	size_t		 i;

	ck_assert(json_object_object_get_ex(all, "messages", &list));
	for (i = 0; i < json_object_array_length(list); i++) {
		m = json_object_array_get_idx(list, i);
		if (jstr(m, "idempotency_key") != NULL && strcmp(jstr(m, "idempotency_key"), key) == 0) {
			ck_assert_msg(found == NULL, "two messages with key %s", key);
			found = json_object_get(m);
		}
	}
	json_object_put(all);
	return found;
}

/* Waits (up to 30 s) for the outbox row with key to be done or failed; returns its status (caller frees). */
static char *
row_settled(const char *key)
{
	double	 until = now_secs() + 30;
	char	*st = NULL;

	for (;;) {
		free(st);
		st = sql_str("SELECT status FROM outbox WHERE idempotency_key = '%s'", key);
		ck_assert_msg(st != NULL, "no outbox row %s", key);
		if (strcmp(st, "done") == 0 || strcmp(st, "failed") == 0 || now_secs() > until)
			return st;
		usleep(100 * 1000);
	}
}

/* A unique key for this test run. */
static void
new_key(char *out, size_t cap, const char *channel)
{
	(void)snprintf(out, cap, "test-notify-%ld-%d-%d-%s", (long)time(NULL), (int)getpid(),
	    ++serial, channel);
}

/* Queues an outbox row of kind with a JSON payload, due now. */
static void
queue(const char *kind, const char *key, const char *payload)
{
	char	*q = sql_quote(payload);

	ck_assert_msg(sql_exec("INSERT INTO outbox (kind, payload, idempotency_key, next_attempt_at,"
	    " created_at) VALUES ('%s', '%s', '%s', UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))", kind, q,
	    key) == 0, "queue: %s", sql_error());
	free(q);
}

/*
 * A booked appointment of patient with the demo clinician at a unique minute
 * some years ahead (SQL: these tests are about delivery, not booking).
 * *starts gets its start as RFC 3339 UTC.
 */
static int64_t
appointment_row(int64_t patient, char *starts, size_t cap)
{
	long long	 minute = ((long long)time(NULL) * 7 + getpid() * 131 + ++serial * 15) %
	    (5LL * 365 * 24 * 60);
	char		*s;
	int64_t		 id;

	minute -= minute % 15;
	ck_assert_msg(sql_exec("INSERT INTO appointment (patient_id, clinician_id, type_id, starts_at,"
	    " ends_at, status, booked_by, created_at, updated_at) SELECT %lld, %lld, id,"
	    " '2031-01-01 00:00:00' + INTERVAL %lld MINUTE,"
	    " '2031-01-01 00:00:00' + INTERVAL %lld MINUTE, 'booked', %lld, UTC_TIMESTAMP(6),"
	    " UTC_TIMESTAMP(6) FROM appointment_type WHERE code = 'follow_up'",
	    (long long)patient, (long long)clinician_id, minute, minute + 15,
	    (long long)patient) == 0, "appointment: %s", sql_error());
	id = sql_int("SELECT MAX(id) FROM appointment WHERE patient_id = %lld", (long long)patient);
	ck_assert_int_gt(id, 0);
	s = sql_str("SELECT DATE_FORMAT(starts_at, '%%Y-%%m-%%dT%%H:%%i:%%sZ') FROM appointment"
	    " WHERE id = %lld", (long long)id);
	ck_assert_ptr_nonnull(s);
	(void)snprintf(starts, cap, "%s", s);
	free(s);
	return id;
}

/* Both strings present and equal. */
static bool
same(const char *a, const char *b)
{
	return a != NULL && b != NULL && strcmp(a, b) == 0;
}

START_TEST(test_email_delivered)
{
	struct user	 u;
	json_object	*m, *res;
	char		 key[96], payload[1024], *st, *s;

	user_register(&u, "notify-email");
	new_key(key, sizeof(key), "email");
	(void)snprintf(payload, sizeof(payload), "{\"to\":\"%s\",\"subject\":\"Your video"
	    " consultation is booked\",\"text\":\"Line one\\nOpen: http://x/#/appointments\"}",
	    u.email);
	queue("notify.email", key, payload);
	st = row_settled(key);
	ck_assert_msg(strcmp(st, "done") == 0, "row %s is %s: %s", key, st,
	    sql_str("SELECT last_error FROM outbox WHERE idempotency_key = '%s'", key));
	free(st);
	m = received(key);
	ck_assert_msg(m != NULL, "the stand-in got no email with key %s", key);
	ck_assert_str_eq(jstr(m, "channel"), "email");
	ck_assert_str_eq(jstr(m, "to"), u.email);
	ck_assert_str_eq(jstr(m, "from"), email_from);
	ck_assert_str_eq(jstr(m, "subject"), "Your video consultation is booked");
	ck_assert_str_eq(jstr(m, "text"), "Line one\nOpen: http://x/#/appointments");
	/* The row keeps the provider's message id (X-Message-Id), not the message. */
	s = sql_str("SELECT result FROM outbox WHERE idempotency_key = '%s'", key);
	ck_assert_ptr_nonnull(s);
	res = json_tokener_parse(s);
	ck_assert_ptr_nonnull(res);
	ck_assert_str_eq(jstr(res, "id"), jstr(m, "id"));
	ck_assert_str_eq(jstr(res, "status"), "accepted");
	ck_assert_int_eq(jint(res, "http_status"), 202);
	json_object_put(res);
	free(s);
	s = sql_str("SELECT payload FROM outbox WHERE idempotency_key = '%s'", key);
	ck_assert_msg(s != NULL && strstr(s, u.email) == NULL && strstr(s, "redacted") != NULL,
	    "payload kept after delivery: %s", s ? s : "(null)");
	free(s);
	json_object_put(m);
	user_free(&u);
}
END_TEST

START_TEST(test_sms_delivered)
{
	json_object	*m;
	char		 key[96], *st, *s;

	new_key(key, sizeof(key), "sms");
	queue("notify.sms", key, "{\"to\":\"07700 900123\",\"text\":\"Video consultation"
	    " tomorrow at 09:00 UK time. Details: http://x/#/appointments\"}");
	st = row_settled(key);
	ck_assert_msg(strcmp(st, "done") == 0, "row %s is %s: %s", key, st,
	    sql_str("SELECT last_error FROM outbox WHERE idempotency_key = '%s'", key));
	free(st);
	m = received(key);
	ck_assert_msg(m != NULL, "the stand-in got no SMS with key %s", key);
	ck_assert_str_eq(jstr(m, "channel"), "sms");
	/* A national number goes out in E.164; the form encoding round-trips. */
	ck_assert_str_eq(jstr(m, "to"), "+447700900123");
	ck_assert_str_eq(jstr(m, "text"), "Video consultation tomorrow at 09:00 UK time. Details:"
	    " http://x/#/appointments");
	s = sql_str("SELECT result FROM outbox WHERE idempotency_key = '%s'", key);
	ck_assert_msg(s != NULL && strstr(s, jstr(m, "id")) != NULL && strstr(s, "7700") == NULL &&
	    strstr(s, "queued") != NULL, "result %s", s ? s : "(null)");
	free(s);
	json_object_put(m);
}
END_TEST

START_TEST(test_changed_skipped)
{
	struct user	 u;
	json_object	*m;
	char		 key[96], key2[96], key3[96], payload[1024], starts[40], moved[40], *st, *s;
	int64_t		 appt, appt2;

	user_register(&u, "notify-skip");
	appt = appointment_row(u.id, starts, sizeof(starts));
	/* Still booked at that start: sent. */
	new_key(key, sizeof(key), "email");
	(void)snprintf(payload, sizeof(payload), "{\"to\":\"%s\",\"subject\":\"Reminder\","
	    "\"text\":\"Tomorrow\",\"appointment_id\":%lld,\"starts_at\":\"%s\"}", u.email,
	    (long long)appt, starts);
	queue("notify.email", key, payload);
	st = row_settled(key);
	ck_assert_str_eq(st, "done");
	free(st);
	m = received(key);
	ck_assert_msg(m != NULL, "a reminder of an unchanged appointment was not sent");
	json_object_put(m);
	/* Moved: the reminder for the old start is skipped. */
	(void)snprintf(moved, sizeof(moved), "%s", starts);
	ck_assert_int_eq(sql_exec("UPDATE appointment SET starts_at = starts_at + INTERVAL 1 DAY,"
	    " ends_at = ends_at + INTERVAL 1 DAY, sequence = sequence + 1 WHERE id = %lld",
	    (long long)appt), 0);
	new_key(key2, sizeof(key2), "sms");
	(void)snprintf(payload, sizeof(payload), "{\"to\":\"+447700900123\",\"text\":\"Tomorrow\","
	    "\"appointment_id\":%lld,\"starts_at\":\"%s\"}", (long long)appt, moved);
	queue("notify.sms", key2, payload);
	st = row_settled(key2);
	ck_assert_str_eq(st, "done");
	free(st);
	ck_assert_ptr_null(received(key2));
	s = sql_str("SELECT result FROM outbox WHERE idempotency_key = '%s'", key2);
	ck_assert_msg(same(s, "{\"skipped\":\"appointment changed\"}"), "result %s", s ? s : "(null)");
	free(s);
	/* Cancelled: skipped too. */
	appt2 = appointment_row(u.id, starts, sizeof(starts));
	ck_assert_int_eq(sql_exec("UPDATE appointment SET status = 'cancelled',"
	    " cancelled_at = UTC_TIMESTAMP(6), sequence = sequence + 1 WHERE id = %lld",
	    (long long)appt2), 0);
	new_key(key3, sizeof(key3), "email");
	(void)snprintf(payload, sizeof(payload), "{\"to\":\"%s\",\"subject\":\"Reminder\","
	    "\"text\":\"Tomorrow\",\"appointment_id\":%lld,\"starts_at\":\"%s\"}", u.email,
	    (long long)appt2, starts);
	queue("notify.email", key3, payload);
	st = row_settled(key3);
	ck_assert_str_eq(st, "done");
	free(st);
	ck_assert_ptr_null(received(key3));
	s = sql_str("SELECT result FROM outbox WHERE idempotency_key = '%s'", key3);
	ck_assert_msg(same(s, "{\"skipped\":\"appointment changed\"}"), "result %s", s ? s : "(null)");
	free(s);
	user_free(&u);
}
END_TEST

/*
 * A message queued at one sequence of an appointment is skipped once the
 * appointment has changed (here another clinician at the same start: the
 * same status and start, a higher sequence).
 */
START_TEST(test_sequence_skipped)
{
	struct user	 u;
	char		 key[96], key2[96], payload[1024], starts[40], *st, *s;
	int64_t		 appt;

	user_register(&u, "notify-seq");
	appt = appointment_row(u.id, starts, sizeof(starts));
	new_key(key, sizeof(key), "email");
	(void)snprintf(payload, sizeof(payload), "{\"to\":\"%s\",\"subject\":\"Reminder\","
	    "\"text\":\"Tomorrow\",\"appointment_id\":%lld,\"starts_at\":\"%s\",\"sequence\":0}",
	    u.email, (long long)appt, starts);
	queue("notify.email", key, payload);
	st = row_settled(key);
	ck_assert_str_eq(st, "done");
	free(st);
	json_object_put(received(key));
	ck_assert_int_eq(sql_exec("UPDATE appointment SET sequence = sequence + 1 WHERE id = %lld",
	    (long long)appt), 0);
	new_key(key2, sizeof(key2), "email");
	(void)snprintf(payload, sizeof(payload), "{\"to\":\"%s\",\"subject\":\"Reminder\","
	    "\"text\":\"Tomorrow\",\"appointment_id\":%lld,\"starts_at\":\"%s\",\"sequence\":0}",
	    u.email, (long long)appt, starts);
	queue("notify.email", key2, payload);
	st = row_settled(key2);
	ck_assert_str_eq(st, "done");
	free(st);
	ck_assert_ptr_null(received(key2));
	s = sql_str("SELECT result FROM outbox WHERE idempotency_key = '%s'", key2);
	ck_assert_msg(same(s, "{\"skipped\":\"appointment changed\"}"), "result %s", s ? s : "(null)");
	free(s);
	user_free(&u);
}
END_TEST

/*
 * With patient_id, the address is read at delivery: the current email; the
 * current phone, and only while the patient agrees to SMS contact.
 */
START_TEST(test_contact_at_delivery)
{
	struct user	 u;
	json_object	*m;
	char		 key[96], payload[512], *st, *s;

	user_register(&u, "notify-contact");
	ck_assert_msg(sql_exec("INSERT INTO patient_profile (user_id, phone, contact_sms, updated_at)"
	    " VALUES (%lld, '07700 900111', 1, UTC_TIMESTAMP(6)) ON DUPLICATE KEY UPDATE"
	    " phone = VALUES(phone), contact_sms = 1", (long long)u.id) == 0, "%s", sql_error());
	/* consent withdrawn after queueing: no SMS */
	new_key(key, sizeof(key), "sms");
	(void)snprintf(payload, sizeof(payload), "{\"patient_id\":%lld,\"text\":\"Tomorrow\"}",
	    (long long)u.id);
	ck_assert_int_eq(sql_exec("UPDATE patient_profile SET contact_sms = 0 WHERE user_id = %lld",
	    (long long)u.id), 0);
	queue("notify.sms", key, payload);
	st = row_settled(key);
	ck_assert_str_eq(st, "done");
	free(st);
	ck_assert_ptr_null(received(key));
	s = sql_str("SELECT result FROM outbox WHERE idempotency_key = '%s'", key);
	ck_assert_msg(same(s, "{\"skipped\":\"no consent\"}"), "result %s", s ? s : "(null)");
	free(s);
	/* consent again, with a new number: sent to that number */
	ck_assert_int_eq(sql_exec("UPDATE patient_profile SET contact_sms = 1, phone = '07700 900222'"
	    " WHERE user_id = %lld", (long long)u.id), 0);
	new_key(key, sizeof(key), "sms");
	queue("notify.sms", key, payload);
	st = row_settled(key);
	ck_assert_msg(strcmp(st, "done") == 0, "%s: %s", st,
	    sql_str("SELECT last_error FROM outbox WHERE idempotency_key = '%s'", key));
	free(st);
	m = received(key);
	ck_assert_msg(m != NULL, "no SMS with key %s", key);
	ck_assert_str_eq(jstr(m, "to"), "+447700900222");
	json_object_put(m);
	/* the email goes to the account's address as it is now */
	ck_assert_int_eq(sql_exec("UPDATE users SET email = CONCAT('new-', email) WHERE id = %lld",
	    (long long)u.id), 0);
	new_key(key, sizeof(key), "email");
	(void)snprintf(payload, sizeof(payload), "{\"patient_id\":%lld,\"subject\":\"S\","
	    "\"text\":\"T\"}", (long long)u.id);
	queue("notify.email", key, payload);
	st = row_settled(key);
	ck_assert_msg(strcmp(st, "done") == 0, "%s: %s", st,
	    sql_str("SELECT last_error FROM outbox WHERE idempotency_key = '%s'", key));
	free(st);
	m = received(key);
	ck_assert_msg(m != NULL, "no email with key %s", key);
	ck_assert_msg(strncmp(jstr(m, "to"), "new-", 4) == 0 && strcmp(jstr(m, "to") + 4, u.email) == 0,
	    "sent to %s", jstr(m, "to"));
	json_object_put(m);
	ck_assert_int_eq(sql_exec("UPDATE users SET email = SUBSTRING(email, 5) WHERE id = %lld",
	    (long long)u.id), 0);
	user_free(&u);
}
END_TEST

/*
 * SMS carry Twilio's I-Twilio-Idempotency-Token (the row's key) as well as
 * Idempotency-Key; a 2xx answer that cannot be read is a delivery (done),
 * never a failure that would send the message again.
 */
START_TEST(test_sms_token_and_unreadable_answer)
{
	json_object	*m;
	char		 key[96], *st, *s;

	new_key(key, sizeof(key), "sms");
	standin_mode("garbled");
	queue("notify.sms", key, "{\"to\":\"+447700900123\",\"text\":\"T\"}");
	st = row_settled(key);
	standin_mode("ok");
	ck_assert_msg(strcmp(st, "done") == 0, "%s: %s", st,
	    sql_str("SELECT last_error FROM outbox WHERE idempotency_key = '%s'", key));
	free(st);
	m = received(key);
	ck_assert_msg(m != NULL, "no SMS with key %s", key);
	ck_assert_str_eq(jstr(m, "twilio_token"), key);
	json_object_put(m);
	s = sql_str("SELECT result FROM outbox WHERE idempotency_key = '%s'", key);
	ck_assert_msg(s != NULL && strstr(s, "accepted-unread") != NULL, "result %s", s ? s : "(null)");
	free(s);
}
END_TEST

START_TEST(test_refused_key_fails)
{
	char	 key[96], key2[96], *st, *why;

	standin_mode("revoked");
	new_key(key, sizeof(key), "email");
	queue("notify.email", key, "{\"to\":\"someone@test.example\",\"subject\":\"S\",\"text\":\"T\"}");
	new_key(key2, sizeof(key2), "sms");
	queue("notify.sms", key2, "{\"to\":\"+447700900123\",\"text\":\"T\"}");
	st = row_settled(key);
	why = sql_str("SELECT last_error FROM outbox WHERE idempotency_key = '%s'", key);
	ck_assert_msg(strcmp(st, "failed") == 0, "email row %s: %s", st, why ? why : "");
	ck_assert_msg(same(why, "the provider answered 401"), "reason: %s", why ? why : "(null)");
	free(st);
	free(why);
	st = row_settled(key2);
	why = sql_str("SELECT last_error FROM outbox WHERE idempotency_key = '%s'", key2);
	standin_mode("ok");
	ck_assert_msg(strcmp(st, "failed") == 0, "sms row %s: %s", st, why ? why : "");
	/* Twilio's error code is kept, its message (which may echo the number) is not. */
	ck_assert_msg(same(why, "the provider answered 401 (code 20003)"), "reason: %s",
	    why ? why : "(null)");
	free(st);
	free(why);
	ck_assert_ptr_null(received(key));
	ck_assert_ptr_null(received(key2));
	/* Failed on the first attempt: a refused key is not retried. */
	ck_assert_int_eq(sql_int("SELECT attempts FROM outbox WHERE idempotency_key = '%s'", key), 1);
}
END_TEST

START_TEST(test_bad_payload_fails)
{
	char	 key[96], *st, *why;

	new_key(key, sizeof(key), "email");
	queue("notify.email", key, "{\"to\":\"not an address\",\"subject\":\"S\",\"text\":\"T\"}");
	st = row_settled(key);
	why = sql_str("SELECT last_error FROM outbox WHERE idempotency_key = '%s'", key);
	ck_assert_str_eq(st, "failed");
	ck_assert_msg(why != NULL && strstr(why, "to") != NULL &&
	    strstr(why, "not an address") == NULL, "reason: %s", why ? why : "(null)");
	free(st);
	free(why);
	ck_assert_ptr_null(received(key));
}
END_TEST

/*
 * Runs the stack's dispatcher with its clinic.conf but name = value; returns
 * its exit status (-1: still running after 10 s, then stopped).
 */
static int
dispatcher_with(const char *name, const char *value)
{
	char	 conf[1024], line[1024], path[1024], *copy = strdup(E.clinic);
	FILE	*in, *out;
	pid_t	 pid, done;
	size_t	 n = strlen(name);
	int	 fd, st = 0;
	double	 until;

	ck_assert(copy != NULL);
	/* E.clinic is <build>/modules/admin-cli/clinic. */
	(void)snprintf(path, sizeof(path), "%s/dispatch/dispatch", dirname(dirname(copy)));
	free(copy);
	(void)snprintf(conf, sizeof(conf), "%s.notify-%ld", E.conf, (long)getpid());
	ck_assert((in = fopen(E.conf, "r")) != NULL);
	ck_assert((fd = open(conf, O_WRONLY | O_CREAT | O_TRUNC, 0600)) >= 0);
	ck_assert((out = fdopen(fd, "w")) != NULL);
	while (fgets(line, sizeof(line), in) != NULL)
		if (strncmp(line, name, n) != 0 || strncmp(line + n, " = ", 3) != 0)
			fputs(line, out);
	fprintf(out, "%s = %s\n", name, value);
	fclose(in);
	fclose(out);
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
	/* Keys never travel in clear: plain http only to this host. */
	ck_assert_int_eq(dispatcher_with("notify_email_url", "http://mail.example.com"), 78);
	ck_assert_int_eq(dispatcher_with("notify_sms_url", "http://127.0.0.1.example.com"), 78);
	ck_assert_int_eq(dispatcher_with("notify_sms_url", "https://user:pw@api.example.com"), 78);
	/* Loopback http (the stand-in) and https start: still running when asked to stop. */
	ck_assert_int_eq(dispatcher_with("notify_email_url", "http://localhost:9"), -1);
	ck_assert_int_eq(dispatcher_with("notify_sms_url", "https://127.0.0.1:9"), -1);
}
END_TEST

/* ---- booking through the appointments API ---- */

/* Makes patient able to book: an eligible intake and a verified identity (SQL). */
static void
ready_to_book(int64_t patient)
{
	int64_t	check;

	ck_assert_msg(sql_exec("INSERT INTO intake_response (patient_id, qkey, q_version, status,"
	    " answers, created_at, updated_at, submitted_at, outcome) SELECT %lld, qkey, MAX(version),"
	    " 'completed', '{}', UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), 'eligible'"
	    " FROM intake_questionnaire WHERE qkey = 'intake' GROUP BY qkey", (long long)patient) == 0,
	    "intake: %s", sql_error());
	ck_assert_msg(sql_exec("INSERT INTO idv_check (patient_id, attempt, status, created_at,"
	    " updated_at, completed_at) VALUES (%lld, 1, 'clear', UTC_TIMESTAMP(6), UTC_TIMESTAMP(6),"
	    " UTC_TIMESTAMP(6))", (long long)patient) == 0, "idv_check: %s", sql_error());
	check = sql_int("SELECT id FROM idv_check WHERE patient_id = %lld", (long long)patient);
	ck_assert_msg(sql_exec("INSERT INTO idv_verified (patient_id, check_id, how, verified_at)"
	    " VALUES (%lld, %lld, 'clear', UTC_TIMESTAMP(6))", (long long)patient,
	    (long long)check) == 0, "idv_verified: %s", sql_error());
}

/*
 * The n-th free slot (from the first) of type in the next weeks, as a POST
 * body (with the type when typed, and patient_id unless 0).
 */
static char *
slot_body(struct browser *b, const char *type, int n, int64_t patient, bool typed)
{
	struct resp	*r;
	json_object	*slots, *s, *o;
	time_t		 t = time(NULL);
	struct tm	 from, to;
	char		 f[16], e[16], *body;

	t += 2 * 86400;
	gmtime_r(&t, &from);
	t += 26 * 86400;
	gmtime_r(&t, &to);
	(void)strftime(f, sizeof(f), "%Y-%m-%d", &from);
	(void)strftime(e, sizeof(e), "%Y-%m-%d", &to);
	r = api_get(b, "/api/v1/appointments/slots?from=%s&to=%s&type=%s&clinician=%lld", f, e,
	    type, (long long)clinician_id);
	ck_assert_msg(r->status == 200, "slots: %s", rdesc(r));
	slots = jget(r->json, "slots");
	ck_assert_msg(slots != NULL && (int)json_object_array_length(slots) > n,
	    "the demo clinician has too few slots: %s", rdesc(r));
	s = json_object_array_get_idx(slots, n);
	o = json_object_new_object();
	json_object_object_add(o, "slot_start", json_object_new_string(jstr(s, "start")));
	json_object_object_add(o, "clinician_id", json_object_new_int64(jint(s, "clinician_id")));
	if (typed)
		json_object_object_add(o, "type", json_object_new_string(type));
	if (patient > 0)
		json_object_object_add(o, "patient_id", json_object_new_int64(patient));
	body = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	resp_free(r);
	return body;
}

/* Words a message about an appointment must never carry. */
static const char *const clinical[] = {
	"cannabis", "initial", "follow-up", "follow_up", "pain", "anxiety", "depress", "epilep",
	"sclerosis", "insomnia", "diagnos", "condition", "prescri", "psychiat", "neurolog",
	"PHQ", "GAD", "THC", "CBD", "intake", "eligib",
};

static void
expect_plain_message(json_object *m)
{
	const char	*text = jstr(m, "text"), *subject = jstr(m, "subject");
	size_t		 i;

	ck_assert_ptr_nonnull(text);
	for (i = 0; i < sizeof(clinical) / sizeof(clinical[0]); i++) {
		ck_assert_msg(strcasestr(text, clinical[i]) == NULL, "\"%s\" in %s", clinical[i], text);
		ck_assert_msg(subject == NULL || strcasestr(subject, clinical[i]) == NULL,
		    "\"%s\" in %s", clinical[i], subject);
	}
	ck_assert_msg(strcasestr(text, "video consultation") != NULL, "%s", text);
	ck_assert_msg(strstr(text, portal_url) != NULL, "no portal link (%s) in %s", portal_url, text);
}

/* The appointment's outbox key for event and channel, at sequence seq. */
static void
appt_key(char *out, size_t cap, long long appt, const char *event, int seq, const char *channel)
{
	(void)snprintf(out, cap, "appt-%lld-%s-%d-%s", appt, event, seq, channel);
}

START_TEST(test_booking_sends)
{
	struct user	 u;
	struct resp	*r;
	json_object	*m;
	char		*body, key[96], *st;
	long long	 appt;
	int		 seq;

	user_register(&u, "notify-book");
	ready_to_book(u.id);
	body = slot_body(u.b, "initial", 3, 0, true);
	r = api(u.b, "POST", "/api/v1/appointments", body);
	free(body);
	ck_assert_msg(r->status == 201, "book: %s", rdesc(r));
	appt = jint(r->json, "id");
	if (appt <= 0)
		appt = jint(r->json, "appointment.id");
	ck_assert_int_gt(appt, 0);
	resp_free(r);
	/* The confirmation email, to the account's address, with no clinical words. */
	appt_key(key, sizeof(key), appt, "confirm", 0, "email");
	st = row_settled(key);
	ck_assert_msg(strcmp(st, "done") == 0, "%s is %s", key, st);
	free(st);
	m = received(key);
	ck_assert_msg(m != NULL, "no confirmation email %s", key);
	ck_assert_str_eq(jstr(m, "to"), u.email);
	expect_plain_message(m);
	{
		char	link[64];

		(void)snprintf(link, sizeof(link), "/#/consult/%lld", appt);
		ck_assert_msg(strstr(jstr(m, "text"), link) != NULL, "no room link in %s",
		    jstr(m, "text"));
	}
	json_object_put(m);
	/* No phone, no SMS consent (read at delivery): the SMS is skipped. */
	appt_key(key, sizeof(key), appt, "confirm", 0, "sms");
	st = row_settled(key);
	ck_assert_str_eq(st, "done");
	free(st);
	ck_assert_ptr_null(received(key));
	st = sql_str("SELECT result FROM outbox WHERE idempotency_key = '%s'", key);
	ck_assert_msg(same(st, "{\"skipped\":\"no consent\"}"), "%s", st ? st : "(null)");
	free(st);
	/* A reminder waits for its time. */
	appt_key(key, sizeof(key), appt, "reminder", 0, "email");
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM outbox WHERE idempotency_key = '%s'"
	    " AND status = 'pending'", key), 1);
	/* A phone but no consent: still no SMS; both: an SMS with the change. */
	r = api(u.b, "PATCH", "/api/v1/patients/me",
	    "{\"phone\":\"07700 900456\",\"contact_sms\":false}");
	ck_assert_msg(r->status == 200, "profile: %s", rdesc(r));
	resp_free(r);
	body = slot_body(u.b, "initial", 5, 0, false);
	r = api_get(u.b, "/api/v1/appointments/%lld", appt);
	seq = (int)jint(r->json, "sequence");
	resp_free(r);
	{
		char	path[96];

		(void)snprintf(path, sizeof(path), "/api/v1/appointments/%lld/reschedule", appt);
		r = api(u.b, "POST", path, body);
	}
	free(body);
	ck_assert_msg(r->status == 200, "reschedule: %s", rdesc(r));
	resp_free(r);
	appt_key(key, sizeof(key), appt, "change", seq + 1, "email");
	st = row_settled(key);
	ck_assert_str_eq(st, "done");
	free(st);
	appt_key(key, sizeof(key), appt, "change", seq + 1, "sms");
	st = row_settled(key);
	ck_assert_str_eq(st, "done");
	free(st);
	ck_assert_ptr_null(received(key));
	/* The first reminder (for the old start) is skipped when it falls due. */
	appt_key(key, sizeof(key), appt, "reminder", 0, "email");
	ck_assert_int_eq(sql_exec("UPDATE outbox SET next_attempt_at = UTC_TIMESTAMP(6)"
	    " WHERE idempotency_key = '%s'", key), 0);
	st = row_settled(key);
	ck_assert_str_eq(st, "done");
	free(st);
	ck_assert_ptr_null(received(key));
	st = sql_str("SELECT result FROM outbox WHERE idempotency_key = '%s'", key);
	ck_assert_msg(same(st, "{\"skipped\":\"appointment changed\"}"), "%s", st ? st : "(null)");
	free(st);
	/* With consent, the cancellation goes by SMS too. */
	r = api(u.b, "PATCH", "/api/v1/patients/me", "{\"contact_sms\":true}");
	ck_assert_msg(r->status == 200, "profile: %s", rdesc(r));
	resp_free(r);
	{
		char	path[96];

		(void)snprintf(path, sizeof(path), "/api/v1/appointments/%lld/cancel", appt);
		r = api(u.b, "POST", path, "{\"reason\":\"cannot make it\"}");
	}
	ck_assert_msg(r->status == 200, "cancel: %s", rdesc(r));
	resp_free(r);
	/* A cancellation notice is about an appointment no longer booked: sent all the same. */
	appt_key(key, sizeof(key), appt, "cancel", seq + 2, "email");
	st = row_settled(key);
	ck_assert_msg(strcmp(st, "done") == 0, "%s is %s", key, st);
	free(st);
	m = received(key);
	ck_assert_msg(m != NULL, "no cancellation email %s", key);
	expect_plain_message(m);
	json_object_put(m);
	appt_key(key, sizeof(key), appt, "cancel", seq + 2, "sms");
	st = row_settled(key);
	ck_assert_msg(strcmp(st, "done") == 0, "%s is %s", key, st);
	free(st);
	m = received(key);
	ck_assert_msg(m != NULL, "no cancellation SMS %s", key);
	ck_assert_str_eq(jstr(m, "to"), "+447700900456");
	expect_plain_message(m);
	json_object_put(m);
	user_free(&u);
}
END_TEST

Suite *
notify_suite(void)
{
	Suite	*s = suite_create("notify");
	TCase	*tc;

	tc = tcase_create("delivery");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, notify_setup, NULL);
	tcase_add_test(tc, test_email_delivered);
	tcase_add_test(tc, test_sms_delivered);
	tcase_add_test(tc, test_changed_skipped);
	tcase_add_test(tc, test_refused_key_fails);
	tcase_add_test(tc, test_bad_payload_fails);
	tcase_add_test(tc, test_plain_http_refused);
	tcase_add_test(tc, test_sequence_skipped);
	tcase_add_test(tc, test_contact_at_delivery);
	tcase_add_test(tc, test_sms_token_and_unreadable_answer);
	suite_add_tcase(s, tc);
	tc = tcase_create("booking");
	tcase_set_timeout(tc, 120);
	tcase_add_checked_fixture(tc, notify_setup, NULL);
	tcase_add_test(tc, test_booking_sends);
	suite_add_tcase(s, tc);
	return s;
}
