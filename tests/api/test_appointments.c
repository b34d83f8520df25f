/*
 * API tests for appointments.fcgi (docs/API.md#appointments), through nginx
 * against the stack's MariaDB: types, slots (parameters, leave, notice,
 * horizon), booking and the same slot again, a concurrent race for one slot,
 * both clock-change days of 2027 through the API, cancellation and
 * rescheduling rules, staff booking, not-ready refusals, other patients'
 * appointments, the .ics file, bad input, the outbox rows and the audit rows.
 *
 * Each test makes its own clinician (staff_new) and patients, and gives the
 * clinician hours as "extra" exceptions at UTC times relative to now (the
 * stack's booking_min_notice_minutes 60, cancel_notice_hours 24,
 * reminder_hours_before 24 and booking_horizon_days 60 are the defaults).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include <check.h>

#include "helpers.h"

#define APPTS	"/api/v1/appointments"
#define DAY	86400
#define HOUR	3600

/* "2026-11-29T10:00:00Z" */
static void
iso(time_t t, char out[32])
{
	struct tm	tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* "2026-11-29 10:00:00" */
static void
sqlt(time_t t, char out[32])
{
	struct tm	tm;

	gmtime_r(&t, &tm);
	strftime(out, 32, "%Y-%m-%d %H:%M:%S", &tm);
}

/* Midnight UTC `days` from today, plus `hour` hours. */
static time_t
at_day(int days, int hour)
{
	time_t	now = time(NULL);

	return now - now % DAY + (time_t)days * DAY + (time_t)hour * HOUR;
}

/* The next whole hour at least `secs` from now. */
static time_t
hour_after(long secs)
{
	time_t	t = time(NULL) + secs;

	return t - t % HOUR + HOUR;
}

/* An extra session of clinician [s, e) (root SQL). */
static void
extra(int64_t clinician, time_t s, time_t e)
{
	char	a[32], b[32];

	sqlt(s, a);
	sqlt(e, b);
	ck_assert_msg(sql_exec("INSERT INTO availability_exception (clinician_id, kind, starts_at,"
	    " ends_at, reason, created_by, created_at) VALUES (%lld, 'extra', '%s', '%s', NULL, %lld,"
	    " UTC_TIMESTAMP(6))", (long long)clinician, a, b, (long long)clinician) == 0,
	    "extra: %s", sql_error());
}

/* Makes patient id eligible (a submitted intake) and, if idv, identity-verified. */
static void
make_eligible(int64_t id, const char *outcome)
{
	ck_assert_msg(sql_exec("INSERT INTO intake_response (patient_id, qkey, q_version, status,"
	    " answers, created_at, updated_at, submitted_at, outcome) VALUES (%lld, 'intake', 1,"
	    " 'completed', '{}', UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), '%s')",
	    (long long)id, outcome) == 0, "intake: %s", sql_error());
}

static void
make_verified(int64_t id)
{
	ck_assert_msg(sql_exec("INSERT INTO idv_check (patient_id, attempt, status, created_at,"
	    " updated_at) VALUES (%lld, 1, 'clear', UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))",
	    (long long)id) == 0, "idv_check: %s", sql_error());
	ck_assert_msg(sql_exec("INSERT INTO idv_verified (patient_id, check_id, how, verified_at)"
	    " VALUES (%lld, LAST_INSERT_ID(), 'clear', UTC_TIMESTAMP(6))", (long long)id) == 0,
	    "idv_verified: %s", sql_error());
}

/* A registered patient who may book. */
static void
ready_patient(struct user *u, const char *tag)
{
	user_register(u, tag);
	make_eligible(u->id, "eligible");
	make_verified(u->id);
}

static struct resp *
book(struct browser *b, time_t start, int64_t clinician, const char *type, int64_t patient)
{
	char	body[256], s[32];

	iso(start, s);
	if (patient > 0)
		(void)snprintf(body, sizeof(body), "{\"slot_start\":\"%s\",\"clinician_id\":%lld,"
		    "\"type\":\"%s\",\"patient_id\":%lld}", s, (long long)clinician, type,
		    (long long)patient);
	else
		(void)snprintf(body, sizeof(body), "{\"slot_start\":\"%s\",\"clinician_id\":%lld,"
		    "\"type\":\"%s\"}", s, (long long)clinician, type);
	return api(b, "POST", APPTS, body);
}

/* Books and asserts 201; returns the appointment id. */
static int64_t
book_ok(struct browser *b, time_t start, int64_t clinician, const char *type, int64_t patient)
{
	struct resp	*r = book(b, start, clinician, type, patient);
	int64_t		 id;

	ck_assert_msg(r->status == 201, "book: %s", rdesc(r));
	id = jint(r->json, "id");
	ck_assert(id > 0);
	resp_free(r);
	return id;
}

/* The slots' starts (UTC) as one comma-separated string (caller frees). */
static char *
slot_starts(struct browser *b, const char *query)
{
	struct resp	*r = api_get(b, APPTS "/slots?%s", query);
	json_object	*a;
	char		*out;
	size_t		 i, n, len = 0, cap;

	ck_assert_msg(r->status == 200, "slots %s: %s", query, rdesc(r));
	a = jget(r->json, "slots");
	ck_assert(a != NULL && json_object_is_type(a, json_type_array));
	n = json_object_array_length(a);
	cap = n * 24 + 1;
	out = calloc(1, cap);
	ck_assert(out != NULL);
	for (i = 0; i < n; i++) {
		const char	*s = jstr(json_object_array_get_idx(a, i), "start");
		int		 w = snprintf(out + len, cap - len, "%s%s", i ? "," : "",
				    s ? s : "?");

		ck_assert_msg(w > 0 && (size_t)w < cap - len, "slot start too long: %s", s);
		len += (size_t)w;
	}
	resp_free(r);
	return out;
}

static int64_t
count_appts(int64_t clinician)
{
	return sql_int("SELECT COUNT(*) FROM appointment WHERE clinician_id = %lld",
	    (long long)clinician);
}

static void
setup(void)
{
	fx_clear_throttle();
}

START_TEST(test_types)
{
	struct user	 p;
	struct browser	*admin = staff_new("admin", NULL);
	struct resp	*r;
	char		 body[256], code[40];
	int64_t		 id;

	user_register(&p, "appt-types");
	r = api(p.b, "GET", APPTS "/types", NULL);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert_str_eq(jstr(r->json, "types.0.code"), "initial");
	ck_assert_str_eq(jstr(r->json, "types.0.name"), "Initial consultation");
	ck_assert_int_eq(jint(r->json, "types.0.minutes"), 30);
	ck_assert_int_eq(jint(r->json, "types.0.fee_pence"), 15000);
	ck_assert_str_eq(jstr(r->json, "types.0.currency"), "GBP");
	ck_assert_str_eq(jstr(r->json, "types.1.code"), "follow_up");
	ck_assert_int_eq(jint(r->json, "types.1.minutes"), 15);
	ck_assert_int_eq(jint(r->json, "types.1.fee_pence"), 7500);
	resp_free(r);

	/* admins add and change types; patients may not */
	(void)snprintf(code, sizeof(code), "review_%ld", (long)getpid());
	(void)snprintf(body, sizeof(body), "{\"code\":\"%s\",\"name\":\"Review\",\"minutes\":20,"
	    "\"fee_pence\":5000}", code);
	r = api(p.b, "POST", APPTS "/types", body);
	expect_problem(r, 404, "not-found");	/* a staff route, to a patient */
	resp_free(r);
	r = api(admin, "POST", APPTS "/types", body);
	ck_assert_msg(r->status == 201, "%s", rdesc(r));
	id = jint(r->json, "id");
	ck_assert_int_eq(jint(r->json, "minutes"), 20);
	expect_one_audit(r, "appointment.type_created", "success");
	resp_free(r);
	r = api(admin, "POST", APPTS "/types", body);
	expect_problem(r, 409, "validation");
	ck_assert(has_error_field(r, "code"));
	resp_free(r);
	r = api(admin, "POST", APPTS "/types", "{\"code\":\"Bad Code\",\"name\":\"x\",\"minutes\":2,"
	    "\"fee_pence\":-1}");
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "code"));
	ck_assert(has_error_field(r, "name"));
	ck_assert(has_error_field(r, "minutes"));
	ck_assert(has_error_field(r, "fee_pence"));
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM audit_event WHERE request_id = '%s'",
	    r->rid), 0);
	resp_free(r);
	{
		char path[96];

		(void)snprintf(path, sizeof(path), APPTS "/types/%lld", (long long)id);
		r = api(admin, "PATCH", path, "{\"active\":false,\"name\":\"Review call\"}");
		ck_assert_msg(r->status == 200, "%s", rdesc(r));
		ck_assert_str_eq(jstr(r->json, "name"), "Review call");
		ck_assert(!jbool(r->json, "active"));
		expect_one_audit(r, "appointment.type_updated", "success");
		resp_free(r);
		r = api(admin, "PATCH", APPTS "/types/999999999", "{\"active\":true}");
		expect_problem(r, 404, "not-found");
		resp_free(r);
	}
	/* an inactive type is not listed, nor offered */
	r = api(p.b, "GET", APPTS "/types", NULL);
	ck_assert_ptr_null(strstr(r->body, code));
	resp_free(r);
	br_free(admin);
	user_free(&p);
}
END_TEST

START_TEST(test_slots)
{
	struct user	 p;
	struct browser	*cb, *admin = staff_new("admin", NULL);
	struct resp	*r;
	int64_t		 cid, pid_other;
	time_t		 s = at_day(3, 10);
	char		*got, want[512], q[256], a[32], b2[32], c[32], d[32], body[256], path[96];
	int64_t		 exc;

	cb = staff_new("clinician", &cid);
	user_register(&p, "appt-slots");
	extra(cid, s, s + 2 * HOUR);	/* 10:00-12:00Z three days ahead */
	iso(s, a);
	iso(s + 30 * 60, b2);
	iso(s + 60 * 60, c);
	iso(s + 90 * 60, d);
	(void)snprintf(q, sizeof(q), "from=%.10s&to=%.10s&clinician=%lld", a, a, (long long)cid);
	got = slot_starts(p.b, q);
	(void)snprintf(want, sizeof(want), "%s,%s,%s,%s", a, b2, c, d);
	ck_assert_str_eq(got, want);
	free(got);
	/* follow-up: 15 minutes, eight slots */
	(void)snprintf(q, sizeof(q), "from=%.10s&to=%.10s&clinician=%lld&type=follow_up", a, a,
	    (long long)cid);
	r = api_get(p.b, APPTS "/slots?%s", q);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert_int_eq(json_object_array_length(jget(r->json, "slots")), 8);
	ck_assert_str_eq(jstr(r->json, "timezone"), "Europe/London");
	ck_assert_str_eq(jstr(r->json, "slots.0.start"), a);
	ck_assert_int_eq(jint(r->json, "slots.0.clinician_id"), cid);
	ck_assert_str_eq(jstr(r->json, "slots.0.type"), "follow_up");
	ck_assert_ptr_nonnull(jstr(r->json, "slots.0.clinician_name"));
	ck_assert_ptr_nonnull(jstr(r->json, "slots.0.end_local"));
	ck_assert_msg(strncmp(jstr(r->json, "slots.0.start_local"), a, 10) == 0, "%s",
	    jstr(r->json, "slots.0.start_local"));
	resp_free(r);
	/* RFC 3339 instants as from/to */
	(void)snprintf(q, sizeof(q), "from=%s&to=%s&clinician=%lld", b2, d, (long long)cid);
	got = slot_starts(p.b, q);
	(void)snprintf(want, sizeof(want), "%s,%s", b2, c);
	ck_assert_str_eq(got, want);
	free(got);

	/* leave over 10:30-11:00 removes that slot; deleting it gives it back */
	(void)snprintf(body, sizeof(body), "{\"kind\":\"leave\",\"starts_at\":\"%s\","
	    "\"ends_at\":\"%s\",\"reason\":\"Training\"}", b2, c);
	r = api(cb, "POST", APPTS "/exceptions", body);
	ck_assert_msg(r->status == 201, "%s", rdesc(r));
	exc = jint(r->json, "id");
	ck_assert_str_eq(jstr(r->json, "kind"), "leave");
	ck_assert_str_eq(jstr(r->json, "starts_at"), b2);
	expect_one_audit(r, "appointment.exception_added", "success");
	resp_free(r);
	(void)snprintf(q, sizeof(q), "from=%.10s&to=%.10s&clinician=%lld", a, a, (long long)cid);
	got = slot_starts(p.b, q);
	(void)snprintf(want, sizeof(want), "%s,%s,%s", a, c, d);
	ck_assert_str_eq(got, want);
	free(got);
	(void)snprintf(path, sizeof(path), APPTS "/exceptions/%lld", (long long)exc);
	r = api(admin, "DELETE", path, NULL);
	ck_assert_msg(r->status == 204, "%s", rdesc(r));
	expect_one_audit(r, "appointment.exception_removed", "success");
	resp_free(r);
	r = api(cb, "DELETE", path, NULL);
	expect_problem(r, 404, "not-found");
	resp_free(r);
	got = slot_starts(p.b, q);
	(void)snprintf(want, sizeof(want), "%s,%s,%s,%s", a, b2, c, d);
	ck_assert_str_eq(got, want);
	free(got);

	/* bad parameters are named */
	r = api_get(p.b, APPTS "/slots?from=2027-02-30&to=x&type=Nope&clinician=0&extra=1");
	expect_problem(r, 400, "validation");
	ck_assert(has_error_field(r, "from"));
	ck_assert(has_error_field(r, "to"));
	ck_assert(has_error_field(r, "type"));
	ck_assert(has_error_field(r, "clinician"));
	ck_assert(has_error_field(r, "extra"));
	resp_free(r);
	r = api_get(p.b, APPTS "/slots?from=2027-01-01&to=2027-02-15");
	expect_problem(r, 400, "validation");
	ck_assert(has_error_field(r, "to"));
	resp_free(r);
	r = api_get(p.b, APPTS "/slots?from=2027-01-10&to=2027-01-09");
	expect_problem(r, 400, "validation");
	ck_assert(has_error_field(r, "to"));
	resp_free(r);
	r = api_get(p.b, APPTS "/slots?from=9999-12-31&to=9999-12-31T23:59:59Z");
	expect_problem(r, 400, "validation");
	ck_assert(has_error_field(r, "from"));
	ck_assert(has_error_field(r, "to"));
	resp_free(r);
	r = api_get(p.b, APPTS "/slots?type=no_such_type");
	expect_problem(r, 400, "validation");
	ck_assert(has_error_field(r, "type"));
	resp_free(r);
	pid_other = p.id;
	r = api_get(p.b, APPTS "/slots?clinician=%lld", (long long)pid_other);
	expect_problem(r, 400, "validation");
	ck_assert(has_error_field(r, "clinician"));
	resp_free(r);

	/* the demo clinician's weekly hours (sql/demo.json, clinic load-demo) give slots */
	{
		int64_t	demo = sql_int("SELECT id FROM users WHERE email = 'clinician@demo.clinic'");
		char	dq[64];

		ck_assert(demo > 0);
		ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM availability_template WHERE"
		    " clinician_id = %lld", (long long)demo), 6);
		(void)snprintf(dq, sizeof(dq), "clinician=%lld", (long long)demo);
		got = slot_starts(p.b, dq);	/* the next 7 days hold 5 weekdays */
		ck_assert_msg(strlen(got) > 40 * 21, "demo slots: %s", got);
		free(got);
	}
	/* the clinician appears in the pickers' list */
	r = api(p.b, "GET", APPTS "/clinicians", NULL);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	(void)snprintf(want, sizeof(want), "\"id\":%lld,", (long long)cid);
	ck_assert_ptr_nonnull(strstr(r->body, want));
	resp_free(r);
	br_free(cb);
	br_free(admin);
	user_free(&p);
}
END_TEST

/* Minimum notice and the horizon: patients see neither; staff see beyond the horizon. */
START_TEST(test_slots_notice_horizon)
{
	struct user	 p;
	struct browser	*cb, *admin = staff_new("admin", NULL);
	int64_t		 cid;
	time_t		 soon = hour_after(0), far = at_day(70, 10);
	char		*got, q[256], a[32], e[32], want[64];

	cb = staff_new("clinician", &cid);
	user_register(&p, "appt-notice");
	extra(cid, soon, soon + 3 * HOUR);
	extra(cid, far, far + HOUR);
	/* within the hour's notice nothing is offered: slots start >= now + 60 min */
	iso(soon, a);
	iso(soon + 3 * HOUR, e);
	(void)snprintf(q, sizeof(q), "from=%s&to=%s&clinician=%lld", a, e, (long long)cid);
	got = slot_starts(p.b, q);
	{
		time_t	first = soon;
		char	f[32];

		while (first < time(NULL) + 3600)
			first += 1800;
		iso(first, f);
		ck_assert_msg(strncmp(got, f, strlen(f)) == 0, "first slot %s, want %s", got, f);
	}
	free(got);
	/* 70 days ahead: beyond the patient's 60-day horizon, within staff's */
	iso(far, a);
	(void)snprintf(q, sizeof(q), "from=%.10s&to=%.10s&clinician=%lld", a, a, (long long)cid);
	got = slot_starts(p.b, q);
	ck_assert_str_eq(got, "");
	free(got);
	got = slot_starts(admin, q);
	iso(far + 1800, e);
	(void)snprintf(want, sizeof(want), "%s,%s", a, e);
	ck_assert_str_eq(got, want);
	free(got);
	br_free(cb);
	br_free(admin);
	user_free(&p);
}
END_TEST

/* No clinical detail in anything sent to the patient. */
static void
no_clinical_words(const char *s)
{
	static const char *const words[] = { "Initial", "initial", "Follow", "follow_up",
	    "cannabis", "Cannabis", "pain", "anxiety", "condition", "GMC", "7000001" };
	size_t	i;

	for (i = 0; i < sizeof(words) / sizeof(*words); i++)
		ck_assert_msg(strstr(s, words[i]) == NULL, "\"%s\" in %s", words[i], s);
}

START_TEST(test_book_taken)
{
	struct user	 p1, p2;
	struct browser	*cb;
	struct resp	*r;
	int64_t		 cid, id;
	time_t		 s = at_day(4, 9);
	char		 a[32], key[96], *text, *due, wantdue[32], path[96];

	cb = staff_new("clinician", &cid);
	ready_patient(&p1, "appt-book1");
	ready_patient(&p2, "appt-book2");
	extra(cid, s, s + HOUR);
	iso(s, a);
	r = book(p1.b, s, cid, "initial", 0);
	ck_assert_msg(r->status == 201, "%s", rdesc(r));
	id = jint(r->json, "id");
	ck_assert_int_eq(jint(r->json, "patient_id"), p1.id);
	ck_assert_int_eq(jint(r->json, "clinician_id"), cid);
	ck_assert_str_eq(jstr(r->json, "type"), "initial");
	ck_assert_str_eq(jstr(r->json, "type_name"), "Initial consultation");
	ck_assert_int_eq(jint(r->json, "minutes"), 30);
	ck_assert_int_eq(jint(r->json, "fee_pence"), 15000);
	ck_assert_str_eq(jstr(r->json, "currency"), "GBP");
	ck_assert_str_eq(jstr(r->json, "start"), a);
	ck_assert_str_eq(jstr(r->json, "status"), "booked");
	ck_assert_int_eq(jint(r->json, "sequence"), 0);
	ck_assert(jbool(r->json, "can_change"));
	ck_assert(jnull(r->json, "cancel_reason"));
	ck_assert_ptr_null(jget(r->json, "patient_name"));	/* staff only */
	ck_assert_ptr_nonnull(jstr(r->json, "room_opens"));
	ck_assert_ptr_nonnull(jstr(r->json, "start_local"));
	expect_one_audit(r, "appointment.booked", "success");
	resp_free(r);

	/* the confirmation and the reminder are queued, with no clinical detail */
	(void)snprintf(key, sizeof(key), "appt-%lld-confirm-0-email", (long long)id);
	text = sql_str("SELECT CONCAT(kind, ' ', payload) FROM outbox WHERE idempotency_key = '%s'",
	    key);
	ck_assert_msg(text != NULL, "no outbox row %s", key);
	ck_assert_ptr_nonnull(strstr(text, "notify.email "));
	/* the address is read at delivery: the payload names the patient */
	ck_assert_ptr_null(strstr(text, p1.email));
	{
		char	pid[48];

		(void)snprintf(pid, sizeof(pid), "\"patient_id\":%lld", (long long)p1.id);
		ck_assert_ptr_nonnull(strstr(text, pid));
	}
	ck_assert_ptr_nonnull(strstr(text, "video consultation"));
	ck_assert_ptr_nonnull(strstr(text, "#/consult/"));
	ck_assert_ptr_nonnull(strstr(text, a));		/* starts_at */
	no_clinical_words(text);
	free(text);
	/* the SMS is queued too: phone and consent are checked at delivery */
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM outbox WHERE idempotency_key ="
	    " 'appt-%lld-confirm-0-sms'", (long long)id), 1);
	(void)snprintf(key, sizeof(key), "appt-%lld-reminder-0-email", (long long)id);
	due = sql_str("SELECT DATE_FORMAT(next_attempt_at, '%%Y-%%m-%%dT%%H:%%i:%%sZ') FROM outbox"
	    " WHERE idempotency_key = '%s' AND kind = 'notify.email'", key);
	iso(s - 24 * HOUR, wantdue);
	ck_assert_msg(due != NULL && strcmp(due, wantdue) == 0, "reminder due %s, want %s",
	    due ? due : "(none)", wantdue);
	free(due);
	text = sql_str("SELECT payload FROM outbox WHERE idempotency_key = '%s'", key);
	no_clinical_words(text);
	free(text);

	/* the same slot again, by someone else: 409, nothing written */
	r = book(p2.b, s, cid, "initial", 0);
	expect_problem(r, 409, "slot-taken");
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM audit_event WHERE request_id = '%s'",
	    r->rid), 0);
	resp_free(r);
	/* an overlapping follow-up (10 past... 15 past within the 30 minutes) */
	r = book(p2.b, s + 15 * 60, cid, "follow_up", 0);
	expect_problem(r, 409, "slot-taken");
	resp_free(r);
	ck_assert_int_eq(count_appts(cid), 1);
	/* the taken slot is no longer offered; the next is */
	{
		char q[128], *got, b2[32];

		(void)snprintf(q, sizeof(q), "from=%.10s&to=%.10s&clinician=%lld", a, a, (long long)cid);
		got = slot_starts(p2.b, q);
		iso(s + 1800, b2);
		ck_assert_str_eq(got, b2);
		free(got);
	}
	/* one initial consultation at a time */
	r = book(p1.b, s + 1800, cid, "initial", 0);
	expect_problem(r, 409, "already-booked");
	resp_free(r);
	/* the patient lists and reads their own */
	r = api(p1.b, "GET", APPTS, NULL);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert_int_eq(json_object_array_length(jget(r->json, "appointments")), 1);
	ck_assert_int_eq(jint(r->json, "appointments.0.id"), id);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM audit_event WHERE request_id = '%s'",
	    r->rid), 0);
	resp_free(r);
	(void)snprintf(path, sizeof(path), APPTS "/%lld", (long long)id);
	r = api(p1.b, "GET", path, NULL);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert_int_eq(jint(r->json, "id"), id);
	resp_free(r);
	/* the clinician reads it: audited, with the patient's name */
	r = api(cb, "GET", path, NULL);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert_ptr_nonnull(jstr(r->json, "patient_name"));
	expect_one_audit(r, "patient.record_viewed", "success");
	resp_free(r);
	r = api(cb, "GET", APPTS, NULL);	/* the clinician's own diary */
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert_int_eq(json_object_array_length(jget(r->json, "appointments")), 1);
	expect_one_audit(r, "appointment.list_viewed", "success");
	resp_free(r);
	r = api_get(cb, APPTS "?patient=%lld", (long long)p1.id);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert_int_eq(json_object_array_length(jget(r->json, "appointments")), 1);
	expect_one_audit(r, "patient.record_viewed", "success");
	resp_free(r);
	br_free(cb);
	user_free(&p1);
	user_free(&p2);
}
END_TEST

#define RACERS	8

START_TEST(test_race)
{
	struct user	 p[RACERS];
	struct browser	*cb;
	int64_t		 cid;
	time_t		 s = at_day(5, 14);
	int		 go[2], res[2], i, created = 0, taken = 0, other = 0;
	pid_t		 kids[RACERS];
	char		 c;

	cb = staff_new("clinician", &cid);
	extra(cid, s, s + HOUR);
	for (i = 0; i < RACERS; i++)
		ready_patient(&p[i], "appt-race");
	ck_assert(pipe(go) == 0 && pipe(res) == 0);
	for (i = 0; i < RACERS; i++) {
		if ((kids[i] = fork()) == 0) {
			struct resp	*r;
			char		 out;

			close(go[1]);
			if (read(go[0], &c, 1) < 0)	/* all start together (EOF) */
				_exit(2);
			r = book(p[i].b, s, cid, "initial", 0);
			out = r->status == 201 ? 'C' : r->status == 409 && problem_is(r, "slot-taken") ?
			    'T' : 'X';
			if (out == 'X')
				fprintf(stderr, "racer %d: %s\n", i, rdesc(r));
			_exit(write(res[1], &out, 1) == 1 ? 0 : 2);
		}
		ck_assert(kids[i] > 0);
	}
	close(go[0]);
	close(res[1]);
	close(go[1]);		/* go */
	for (i = 0; i < RACERS; i++) {
		ck_assert_int_eq(read(res[0], &c, 1), 1);
		if (c == 'C')
			created++;
		else if (c == 'T')
			taken++;
		else
			other++;
	}
	for (i = 0; i < RACERS; i++)
		(void)waitpid(kids[i], NULL, 0);
	ck_assert_int_eq(other, 0);
	ck_assert_int_eq(created, 1);
	ck_assert_int_eq(taken, RACERS - 1);
	ck_assert_int_eq(count_appts(cid), 1);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM audit_event WHERE action = 'appointment.booked'"
	    " AND JSON_VALUE(details, '$.clinician_id') = %lld", (long long)cid), 1);
	for (i = 0; i < RACERS; i++)
		user_free(&p[i]);
	br_free(cb);
}
END_TEST

/*
 * Both clock changes of 2027 through the API: a clinician's Saturday and
 * Sunday 09:00-10:00 hours and an extra 00:00-04:00 local session on each
 * change day (entered as local times). Slots beyond the patients' horizon
 * are offered to staff, who book one.
 */
START_TEST(test_clock_changes)
{
	struct user	 p;
	struct browser	*cb, *admin = staff_new("admin", NULL);
	struct resp	*r;
	int64_t		 cid;
	char		*got, body[256];
	int		 wd;

	cb = staff_new("clinician", &cid);
	ready_patient(&p, "appt-dst");
	for (wd = 6; wd <= 7; wd++) {
		(void)snprintf(body, sizeof(body), "{\"weekday\":%d,\"start_time\":\"09:00\","
		    "\"end_time\":\"10:00\",\"valid_from\":\"2027-03-01\",\"valid_until\":"
		    "\"2027-11-30\"}", wd);
		r = api(cb, "POST", APPTS "/availability", body);
		ck_assert_msg(r->status == 201, "%s", rdesc(r));
		ck_assert_str_eq(jstr(r->json, "start_time"), "09:00");
		ck_assert_int_eq(jint(r->json, "clinician_id"), cid);
		expect_one_audit(r, "appointment.availability_added", "success");
		resp_free(r);
	}
	/* the clinician's own list; an admin's view of it; no one else's to delete */
	r = api(cb, "GET", APPTS "/availability", NULL);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert_int_eq(json_object_array_length(jget(r->json, "availability")), 2);
	ck_assert_int_eq(jint(r->json, "availability.0.weekday"), 6);
	ck_assert_str_eq(jstr(r->json, "availability.0.valid_until"), "2027-11-30");
	resp_free(r);
	r = api_get(admin, APPTS "/availability?clinician_id=%lld", (long long)cid);
	ck_assert_int_eq(json_object_array_length(jget(r->json, "availability")), 2);
	resp_free(r);
	{
		struct browser	*other = staff_new("clinician", NULL);
		int64_t		 tid;
		char		 path[96];

		r = api(other, "POST", APPTS "/availability", "{\"weekday\":3,\"start_time\":"
		    "\"13:00\",\"end_time\":\"24:00\"}");
		ck_assert_msg(r->status == 201, "%s", rdesc(r));
		ck_assert_str_eq(jstr(r->json, "end_time"), "24:00");
		tid = jint(r->json, "id");
		resp_free(r);
		(void)snprintf(path, sizeof(path), APPTS "/availability/%lld", (long long)tid);
		r = api(cb, "DELETE", path, NULL);
		expect_problem(r, 404, "not-found");
		resp_free(r);
		r = api(other, "DELETE", path, NULL);
		ck_assert_msg(r->status == 204, "%s", rdesc(r));
		expect_one_audit(r, "appointment.availability_removed", "success");
		resp_free(r);
		br_free(other);
	}
	r = api(cb, "POST", APPTS "/exceptions", "{\"kind\":\"extra\","
	    "\"starts_at\":\"2027-03-28T00:00\",\"ends_at\":\"2027-03-28T04:00\"}");
	ck_assert_msg(r->status == 201, "%s", rdesc(r));
	ck_assert_str_eq(jstr(r->json, "starts_at"), "2027-03-28T00:00:00Z");
	ck_assert_str_eq(jstr(r->json, "ends_at"), "2027-03-28T03:00:00Z");
	ck_assert_str_eq(jstr(r->json, "ends_at_local"), "2027-03-28T04:00:00+01:00");
	resp_free(r);
	/* spring: Saturday 09:00 GMT = 09:00Z; Sunday 09:00 BST = 08:00Z; 3 real hours at night */
	{
		char q[128];

		(void)snprintf(q, sizeof(q), "from=2027-03-27&to=2027-03-28&clinician=%lld",
		    (long long)cid);
		got = slot_starts(admin, q);
		ck_assert_str_eq(got, "2027-03-27T09:00:00Z,2027-03-27T09:30:00Z,"
		    "2027-03-28T00:00:00Z,2027-03-28T00:30:00Z,2027-03-28T01:00:00Z,"
		    "2027-03-28T01:30:00Z,2027-03-28T02:00:00Z,2027-03-28T02:30:00Z,"
		    "2027-03-28T08:00:00Z,2027-03-28T08:30:00Z");
		free(got);
		r = api_get(admin, APPTS "/slots?%s", q);
		ck_assert_str_eq(jstr(r->json, "slots.1.start_local"), "2027-03-27T09:30:00+00:00");
		ck_assert_str_eq(jstr(r->json, "slots.3.start_local"), "2027-03-28T00:30:00+00:00");
		ck_assert_str_eq(jstr(r->json, "slots.4.start_local"), "2027-03-28T02:00:00+01:00");
		ck_assert_str_eq(jstr(r->json, "slots.8.start_local"), "2027-03-28T09:00:00+01:00");
		ck_assert_str_eq(jstr(r->json, "slots.8.end_local"), "2027-03-28T09:30:00+01:00");
		resp_free(r);
		/* beyond the patient's horizon: nothing offered, and not bookable */
		got = slot_starts(p.b, q);
		ck_assert_str_eq(got, "");
		free(got);
		r = api(p.b, "POST", APPTS, "{\"slot_start\":\"2027-03-28T08:00:00Z\","
		    "\"clinician_id\":0,\"type\":\"initial\"}");
		expect_problem(r, 422, "validation");
		ck_assert(has_error_field(r, "clinician_id"));
		resp_free(r);
	}
	/* staff book the 09:00 BST slot for the patient */
	{
		char b2[256];

		(void)snprintf(b2, sizeof(b2), "{\"slot_start\":\"2027-03-28T09:00:00+01:00\","
		    "\"clinician_id\":%lld,\"type\":\"initial\",\"patient_id\":%lld}",
		    (long long)cid, (long long)p.id);
		r = api(cb, "POST", APPTS, b2);
		ck_assert_msg(r->status == 201, "%s", rdesc(r));
		ck_assert_str_eq(jstr(r->json, "start"), "2027-03-28T08:00:00Z");
		ck_assert_str_eq(jstr(r->json, "end"), "2027-03-28T08:30:00Z");
		ck_assert_str_eq(jstr(r->json, "start_local"), "2027-03-28T09:00:00+01:00");
		resp_free(r);
	}
	/* autumn: Saturday 09:00 BST = 08:00Z; Sunday 09:00 GMT = 09:00Z; 5 real hours at night */
	r = api(cb, "POST", APPTS "/exceptions", "{\"kind\":\"extra\","
	    "\"starts_at\":\"2027-10-31T00:00\",\"ends_at\":\"2027-10-31T04:00\"}");
	ck_assert_msg(r->status == 201, "%s", rdesc(r));
	ck_assert_str_eq(jstr(r->json, "starts_at"), "2027-10-30T23:00:00Z");
	ck_assert_str_eq(jstr(r->json, "ends_at"), "2027-10-31T04:00:00Z");
	resp_free(r);
	{
		char q[128];

		(void)snprintf(q, sizeof(q), "from=2027-10-30&to=2027-10-31&clinician=%lld",
		    (long long)cid);
		got = slot_starts(admin, q);
		ck_assert_str_eq(got, "2027-10-30T08:00:00Z,2027-10-30T08:30:00Z,"
		    "2027-10-30T23:00:00Z,2027-10-30T23:30:00Z,2027-10-31T00:00:00Z,"
		    "2027-10-31T00:30:00Z,2027-10-31T01:00:00Z,2027-10-31T01:30:00Z,"
		    "2027-10-31T02:00:00Z,2027-10-31T02:30:00Z,2027-10-31T03:00:00Z,"
		    "2027-10-31T03:30:00Z,2027-10-31T09:00:00Z,2027-10-31T09:30:00Z");
		free(got);
		r = api_get(admin, APPTS "/slots?%s", q);
		ck_assert_str_eq(jstr(r->json, "slots.0.start_local"), "2027-10-30T09:00:00+01:00");
		ck_assert_str_eq(jstr(r->json, "slots.4.start_local"), "2027-10-31T01:00:00+01:00");
		ck_assert_str_eq(jstr(r->json, "slots.6.start_local"), "2027-10-31T01:00:00+00:00");
		ck_assert_str_eq(jstr(r->json, "slots.12.start_local"), "2027-10-31T09:00:00+00:00");
		resp_free(r);
	}
	br_free(cb);
	br_free(admin);
	user_free(&p);
}
END_TEST

START_TEST(test_cancel_rules)
{
	struct user	 p;
	struct browser	*cb;
	struct resp	*r;
	int64_t		 cid, soon_id, far_id;
	time_t		 soon = hour_after(2 * HOUR), far = at_day(6, 11);
	char		 path[96];

	cb = staff_new("clinician", &cid);
	ready_patient(&p, "appt-cancel");
	extra(cid, soon, soon + HOUR);
	extra(cid, far, far + HOUR);
	soon_id = book_ok(p.b, soon, cid, "follow_up", 0);
	far_id = book_ok(p.b, far, cid, "initial", 0);

	/* inside the 24 hours' notice the patient must call */
	(void)snprintf(path, sizeof(path), APPTS "/%lld", (long long)soon_id);
	r = api(p.b, "GET", path, NULL);
	ck_assert(!jbool(r->json, "can_change"));
	resp_free(r);
	(void)snprintf(path, sizeof(path), APPTS "/%lld/cancel", (long long)soon_id);
	r = api(p.b, "POST", path, "{}");
	expect_problem(r, 409, "too-late-to-change");
	ck_assert_ptr_nonnull(strstr(jstr(r->json, "detail"), "call the clinic"));
	resp_free(r);
	/* staff may, with a reason */
	r = api(cb, "POST", path, "{}");
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "reason"));
	resp_free(r);
	r = api(cb, "POST", path, "{\"reason\":\"  \"}");
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "reason"));
	resp_free(r);
	ck_assert_int_eq(sql_int("SELECT sequence FROM appointment WHERE id = %lld",
	    (long long)soon_id), 0);
	r = api(cb, "POST", path, "{\"reason\":\"Clinician unwell\"}");
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert_str_eq(jstr(r->json, "status"), "cancelled");
	ck_assert_int_eq(jint(r->json, "sequence"), 1);
	ck_assert_str_eq(jstr(r->json, "cancel_reason"), "Clinician unwell");
	ck_assert(!jbool(r->json, "can_change"));
	expect_one_audit(r, "appointment.cancelled", "success");
	resp_free(r);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM outbox WHERE idempotency_key ="
	    " 'appt-%lld-cancel-1-email' AND kind = 'notify.email'", (long long)soon_id), 1);
	r = api(cb, "POST", path, "{\"reason\":\"again\"}");
	expect_problem(r, 409, "not-booked");
	resp_free(r);
	{
		char	mv[96], body[96], t[32];

		(void)snprintf(mv, sizeof(mv), APPTS "/%lld/reschedule", (long long)soon_id);
		iso(soon + 30 * 60, t);
		(void)snprintf(body, sizeof(body), "{\"slot_start\":\"%s\"}", t);
		r = api(p.b, "POST", mv, body);
		expect_problem(r, 409, "not-booked");
		resp_free(r);
		/* moving a booking inside the notice is refused to the patient too */
		(void)snprintf(mv, sizeof(mv), APPTS "/%lld/reschedule",
		    (long long)book_ok(p.b, soon + 15 * 60, cid, "follow_up", 0));
		r = api(p.b, "POST", mv, body);
		expect_problem(r, 409, "too-late-to-change");
		resp_free(r);
	}

	/* outside the notice the patient cancels without a reason */
	(void)snprintf(path, sizeof(path), APPTS "/%lld/cancel", (long long)far_id);
	r = api(p.b, "POST", path, "{}");
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert_str_eq(jstr(r->json, "status"), "cancelled");
	expect_one_audit(r, "appointment.cancelled", "success");
	resp_free(r);
	/* the slot is free again and the patient may book another initial */
	book_ok(p.b, far, cid, "initial", 0);
	br_free(cb);
	user_free(&p);
}
END_TEST

START_TEST(test_reschedule)
{
	struct user	 p;
	struct browser	*cb;
	struct resp	*r;
	int64_t		 cid, cid2, id;
	time_t		 s = at_day(7, 9);
	char		 path[96], body[256], a[32], b2[32], *got, q[128];

	cb = staff_new("clinician", &cid);
	br_free(staff_new("clinician", &cid2));
	ready_patient(&p, "appt-move");
	extra(cid, s, s + HOUR);
	extra(cid2, s + 2 * HOUR, s + 3 * HOUR);
	id = book_ok(p.b, s, cid, "initial", 0);
	(void)snprintf(path, sizeof(path), APPTS "/%lld/reschedule", (long long)id);
	iso(s + 1800, b2);
	(void)snprintf(body, sizeof(body), "{\"slot_start\":\"%s\"}", b2);
	r = api(p.b, "POST", path, body);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert_int_eq(jint(r->json, "id"), id);
	ck_assert_int_eq(jint(r->json, "sequence"), 1);
	ck_assert_str_eq(jstr(r->json, "start"), b2);
	expect_one_audit(r, "appointment.rescheduled", "success");
	resp_free(r);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM outbox WHERE idempotency_key IN"
	    " ('appt-%lld-change-1-email', 'appt-%lld-reminder-1-email')", (long long)id,
	    (long long)id), 2);
	/* the old slot is offered again */
	iso(s, a);
	(void)snprintf(q, sizeof(q), "from=%.10s&to=%.10s&clinician=%lld", a, a, (long long)cid);
	got = slot_starts(p.b, q);
	ck_assert_str_eq(got, a);
	free(got);
	/* not a slot; the current time; unknown clinician */
	r = api(p.b, "POST", path, "{\"slot_start\":\"2027-01-01T03:07:00Z\"}");
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "slot_start"));
	resp_free(r);
	r = api(p.b, "POST", path, body);
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "slot_start"));
	resp_free(r);
	/* staff move it to another clinician, with a reason */
	iso(s + 2 * HOUR, b2);
	(void)snprintf(body, sizeof(body), "{\"slot_start\":\"%s\",\"clinician_id\":%lld}", b2,
	    (long long)cid2);
	r = api(cb, "POST", path, body);
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "reason"));
	resp_free(r);
	(void)snprintf(body, sizeof(body), "{\"slot_start\":\"%s\",\"clinician_id\":%lld,"
	    "\"reason\":\"Dr away\"}", b2, (long long)cid2);
	r = api(cb, "POST", path, body);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert_int_eq(jint(r->json, "clinician_id"), cid2);
	ck_assert_int_eq(jint(r->json, "sequence"), 2);
	expect_one_audit(r, "appointment.rescheduled", "success");
	resp_free(r);
	ck_assert_int_eq(count_appts(cid), 0);
	ck_assert_int_eq(count_appts(cid2), 1);
	br_free(cb);
	user_free(&p);
}
END_TEST

/*
 * A reschedule starts the consultation room again (the patient waits to be
 * admitted at the new time) and, once a note exists, keeps the appointment
 * with its clinician (409 has-notes, nothing changed).
 */
START_TEST(test_reschedule_room)
{
	struct user	 p;
	struct browser	*cb;
	struct resp	*r;
	int64_t		 cid, cid2, id;
	time_t		 s = at_day(10, 9);
	char		 path[96], body[256], b2[32];

	cb = staff_new("clinician", &cid);
	br_free(staff_new("clinician", &cid2));
	ready_patient(&p, "appt-room");
	extra(cid, s, s + 2 * HOUR);
	extra(cid2, s + 3 * HOUR, s + 4 * HOUR);
	id = book_ok(p.b, s, cid, "initial", 0);
	/* the patient joined and was admitted, then the appointment is moved */
	ck_assert_msg(sql_exec("INSERT INTO consult_room (appointment_id, patient_joined_at,"
	    " patient_present, clinician_joined_at, admitted_at, admitted_by, updated_at) VALUES"
	    " (%lld, UTC_TIMESTAMP(6), 1, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), %lld,"
	    " UTC_TIMESTAMP(6))", (long long)id, (long long)cid) == 0, "room: %s", sql_error());
	(void)snprintf(path, sizeof(path), APPTS "/%lld/reschedule", (long long)id);
	iso(s + HOUR, b2);
	(void)snprintf(body, sizeof(body), "{\"slot_start\":\"%s\"}", b2);
	r = api(p.b, "POST", path, body);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	resp_free(r);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM consult_room WHERE appointment_id = %lld"
	    " AND admitted_at IS NULL AND admitted_by IS NULL AND patient_present = 0 AND"
	    " patient_joined_at IS NULL AND clinician_joined_at IS NULL AND ended_at IS NULL",
	    (long long)id), 1);
	/* a note written: another clinician is refused, the same one may move it */
	ck_assert_msg(sql_exec("INSERT INTO consult_note_version (appointment_id, version, kind,"
	    " subjective, objective, assessment, plan, author_id, saved_at) VALUES (%lld, 1,"
	    " 'draft', 's', 'o', 'a', 'p', %lld, UTC_TIMESTAMP(6))", (long long)id,
	    (long long)cid) == 0, "note: %s", sql_error());
	iso(s + 3 * HOUR, b2);
	(void)snprintf(body, sizeof(body), "{\"slot_start\":\"%s\",\"clinician_id\":%lld,"
	    "\"reason\":\"Dr away\"}", b2, (long long)cid2);
	r = api(cb, "POST", path, body);
	expect_problem(r, 409, "has-notes");
	resp_free(r);
	ck_assert_int_eq(sql_int("SELECT sequence FROM appointment WHERE id = %lld AND"
	    " clinician_id = %lld", (long long)id, (long long)cid), 1);
	iso(s + 1800, b2);
	(void)snprintf(body, sizeof(body), "{\"slot_start\":\"%s\",\"reason\":\"earlier\"}", b2);
	r = api(cb, "POST", path, body);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert_int_eq(jint(r->json, "sequence"), 2);
	resp_free(r);
	br_free(cb);
	user_free(&p);
}
END_TEST

/*
 * Moved to another clinician at the same time: the notice says the time
 * stands (not "has moved"), and the old reminder gives way to one new one.
 */
START_TEST(test_reschedule_clinician_only)
{
	struct user	 p;
	struct browser	*admin = staff_new("admin", NULL);
	struct resp	*r;
	int64_t		 cid, cid2, id;
	time_t		 s = at_day(11, 9);
	char		 path[96], body[256], b2[32], *text;

	br_free(staff_new("clinician", &cid));
	br_free(staff_new("clinician", &cid2));
	ready_patient(&p, "appt-other-dr");
	extra(cid, s, s + HOUR);
	extra(cid2, s, s + HOUR);
	id = book_ok(p.b, s, cid, "follow_up", 0);
	(void)snprintf(path, sizeof(path), APPTS "/%lld/reschedule", (long long)id);
	iso(s, b2);
	(void)snprintf(body, sizeof(body), "{\"slot_start\":\"%s\",\"clinician_id\":%lld,"
	    "\"reason\":\"Dr away\"}", b2, (long long)cid2);
	r = api(admin, "POST", path, body);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert_int_eq(jint(r->json, "sequence"), 1);
	resp_free(r);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM outbox WHERE idempotency_key ="
	    " 'appt-%lld-change-1-email'", (long long)id), 0);
	text = sql_str("SELECT payload FROM outbox WHERE idempotency_key ="
	    " 'appt-%lld-clinician-1-email'", (long long)id);
	ck_assert_msg(text != NULL, "no notice of the clinician change");
	ck_assert_ptr_nonnull(strstr(text, "still at that time"));
	ck_assert_ptr_null(strstr(text, "moved"));
	ck_assert_ptr_nonnull(strstr(text, "\"sequence\":1"));
	free(text);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM outbox WHERE idempotency_key ="
	    " 'appt-%lld-reminder-1-email'", (long long)id), 1);
	br_free(admin);
	user_free(&p);
}
END_TEST

/* A staff booking refused as not ready shows the patient's status: recorded. */
START_TEST(test_not_ready_staff_audited)
{
	struct user	 q;
	struct browser	*cb;
	struct resp	*r;
	int64_t		 cid;
	time_t		 s = at_day(12, 10);
	char		*d;

	cb = staff_new("clinician", &cid);
	user_register(&q, "appt-notready-audit");
	extra(cid, s, s + HOUR);
	r = book(cb, s, cid, "initial", q.id);
	expect_problem(r, 409, "not-ready-to-book");
	expect_one_audit(r, "patient.record_viewed", "success");
	d = sql_str("SELECT details FROM audit_event WHERE request_id = '%s'", r->rid);
	ck_assert_msg(d != NULL && strstr(d, "booking_readiness") != NULL &&
	    strstr(d, "eligibility") != NULL, "%s", d ? d : "(null)");
	free(d);
	ck_assert_int_eq(sql_int("SELECT entity_id FROM audit_event WHERE request_id = '%s'",
	    r->rid), q.id);
	resp_free(r);
	br_free(cb);
	user_free(&q);
}
END_TEST

/* The fee is the type's at booking: a later change of the type's fee leaves it. */
START_TEST(test_fee_snapshot)
{
	struct user	 p;
	struct resp	*r;
	int64_t		 cid, id, fee;
	time_t		 s = at_day(13, 10);

	br_free(staff_new("clinician", &cid));
	ready_patient(&p, "appt-fee");
	extra(cid, s, s + HOUR);
	fee = sql_int("SELECT fee_pence FROM appointment_type WHERE code = 'follow_up'");
	id = book_ok(p.b, s, cid, "follow_up", 0);
	ck_assert_int_eq(sql_exec("UPDATE appointment_type SET fee_pence = fee_pence + 1234,"
	    " currency = 'EUR' WHERE code = 'follow_up'"), 0);
	r = api_get(p.b, APPTS "/%lld", (long long)id);
	ck_assert_int_eq(sql_exec("UPDATE appointment_type SET fee_pence = %lld, currency = 'GBP'"
	    " WHERE code = 'follow_up'", (long long)fee), 0);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert_int_eq(jint(r->json, "fee_pence"), fee);
	ck_assert_str_eq(jstr(r->json, "currency"), "GBP");
	resp_free(r);
	ck_assert_int_eq(sql_int("SELECT fee_pence FROM appointment WHERE id = %lld",
	    (long long)id), fee);
	user_free(&p);
}
END_TEST

/* A clinician_id query parameter that is not a clinician is a bad query: 400. */
START_TEST(test_availability_bad_query)
{
	struct browser	*admin = staff_new("admin", NULL);
	struct resp	*r;
	int64_t		 aid;

	br_free(staff_new("pharmacist", &aid));
	r = api_get(admin, APPTS "/availability?clinician_id=%lld", (long long)aid);
	expect_problem(r, 400, "validation");
	ck_assert(has_error_field(r, "clinician_id"));
	resp_free(r);
	r = api_get(admin, APPTS "/exceptions?clinician_id=%lld", (long long)aid);
	expect_problem(r, 400, "validation");
	ck_assert(has_error_field(r, "clinician_id"));
	resp_free(r);
	br_free(admin);
}
END_TEST

/*
 * clinic load-demo writes a clinician's hours in one transaction with an
 * audit row, after checking every hh:mm: a bad entry leaves nothing.
 */
START_TEST(test_load_demo_hours)
{
	char		 file[256], email[96], out[4096];
	const char	*argv[] = { "load-demo", file, NULL };
	FILE		*f;
	int64_t		 id;
	int		 st;

	(void)snprintf(email, sizeof(email), "demo-hours-%ld-%d@test.example", (long)time(NULL),
	    (int)getpid());
	(void)snprintf(file, sizeof(file), "%s.demo-hours-%d.json", E.conf, (int)getpid());
	ck_assert((f = fopen(file, "w")) != NULL);
	fprintf(f, "{\"accounts\":[{\"role\":\"clinician\",\"email\":\"%s\",\"password\":"
	    "\"demo-hours-lantern-42-x\",\"given_name\":\"Hal\",\"family_name\":\"Ours\","
	    "\"gmc\":\"%07d\",\"availability\":[{\"weekday\":1,\"start\":\"09:00\",\"end\":\"12:00\"},"
	    "{\"weekday\":2,\"start\":\"13:00\",\"end\":\"25:00\"}]}]}", email,
	    (int)(4000000 + getpid() % 1000000));
	fclose(f);
	st = run_clinic(out, sizeof(out), argv);
	ck_assert_msg(st != 0, "a bad end was accepted: %s", out);
	id = sql_int("SELECT id FROM users WHERE email = '%s'", email);
	ck_assert_int_gt(id, 0);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM availability_template WHERE clinician_id"
	    " = %lld", (long long)id), 0);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM audit_event WHERE action ="
	    " 'appointment.availability_added' AND entity_id = '%lld'", (long long)id), 0);
	ck_assert((f = fopen(file, "w")) != NULL);
	fprintf(f, "{\"accounts\":[{\"role\":\"clinician\",\"email\":\"%s\",\"password\":"
	    "\"demo-hours-lantern-42-x\",\"given_name\":\"Hal\",\"family_name\":\"Ours\","
	    "\"gmc\":\"%07d\",\"availability\":[{\"weekday\":1,\"start\":\"09:00\",\"end\":\"12:00\"},"
	    "{\"weekday\":2,\"start\":\"13:00\",\"end\":\"24:00\"}]}]}", email,
	    (int)(4000000 + getpid() % 1000000));
	fclose(f);
	st = run_clinic(out, sizeof(out), argv);
	unlink(file);
	ck_assert_msg(st == 0, "load-demo: %s", out);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM availability_template WHERE clinician_id"
	    " = %lld", (long long)id), 2);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM audit_event WHERE action ="
	    " 'appointment.availability_added' AND entity_id = '%lld' AND actor_role = 'system'",
	    (long long)id), 1);
}
END_TEST

START_TEST(test_staff_booking)
{
	struct user	 p, q;
	struct browser	*cb, *admin = staff_new("admin", NULL), *pharm = staff_new("pharmacist", NULL);
	struct resp	*r;
	int64_t		 cid, id;
	time_t		 s = at_day(8, 10);

	cb = staff_new("clinician", &cid);
	ready_patient(&p, "appt-staff");
	user_register(&q, "appt-staff-notready");
	extra(cid, s, s + 2 * HOUR);
	/* staff must name the patient; patients must not */
	r = book(cb, s, cid, "initial", 0);
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "patient_id"));
	resp_free(r);
	r = book(p.b, s, cid, "initial", p.id);
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "patient_id"));
	resp_free(r);
	r = book(cb, s, cid, "initial", cid);
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "patient_id"));
	resp_free(r);
	r = book(pharm, s, cid, "initial", p.id);
	expect_problem(r, 403, "forbidden");
	resp_free(r);
	/* the readiness rules hold for staff bookings too */
	r = book(cb, s, cid, "initial", q.id);
	expect_problem(r, 409, "not-ready-to-book");
	ck_assert_ptr_nonnull(strstr(jstr(r->json, "detail"), "The patient"));
	resp_free(r);
	/* with a phone number and SMS consent the patient also gets texts */
	ck_assert_msg(sql_exec("INSERT INTO patient_profile (user_id, phone, contact_sms, updated_at)"
	    " VALUES (%lld, '+447700900123', 1, UTC_TIMESTAMP(6))", (long long)p.id) == 0, "%s",
	    sql_error());
	r = book(cb, s, cid, "initial", p.id);
	ck_assert_msg(r->status == 201, "%s", rdesc(r));
	id = jint(r->json, "id");
	{
		char *sms = sql_str("SELECT payload FROM outbox WHERE kind = 'notify.sms' AND"
		    " idempotency_key = 'appt-%lld-confirm-0-sms'", (long long)id);

		ck_assert_msg(sms != NULL, "no confirmation SMS");
		/* the number is read at delivery: the payload names the patient */
		ck_assert_ptr_null(strstr(sms, "+447700900123"));
		ck_assert_ptr_nonnull(strstr(sms, "\"patient_id\""));
		ck_assert_ptr_nonnull(strstr(sms, "video consultation"));
		no_clinical_words(sms);
		free(sms);
		ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM outbox WHERE kind = 'notify.sms' AND"
		    " idempotency_key = 'appt-%lld-reminder-0-sms'", (long long)id), 1);
	}
	ck_assert_int_eq(jint(r->json, "patient_id"), p.id);
	ck_assert_ptr_nonnull(jstr(r->json, "patient_name"));
	expect_one_audit(r, "appointment.booked", "success");
	resp_free(r);
	ck_assert_int_eq(sql_int("SELECT booked_by FROM appointment WHERE id = %lld",
	    (long long)id), cid);
	/* an admin books a follow-up for them with this clinician */
	r = book(admin, s + HOUR, cid, "follow_up", p.id);
	ck_assert_msg(r->status == 201, "%s", rdesc(r));
	resp_free(r);
	/* the patient sees both */
	r = api(p.b, "GET", APPTS "?status=booked", NULL);
	ck_assert_int_eq(json_object_array_length(jget(r->json, "appointments")), 2);
	resp_free(r);
	br_free(cb);
	br_free(admin);
	br_free(pharm);
	user_free(&p);
	user_free(&q);
}
END_TEST

START_TEST(test_not_ready)
{
	struct user	 p;
	struct browser	*cb;
	struct resp	*r;
	int64_t		 cid;
	time_t		 s = at_day(9, 10);

	cb = staff_new("clinician", &cid);
	user_register(&p, "appt-notready");
	extra(cid, s, s + HOUR);
	r = book(p.b, s, cid, "initial", 0);
	expect_problem(r, 409, "not-ready-to-book");
	ck_assert_str_eq(jstr(r->json, "missing.0"), "eligibility");
	ck_assert_str_eq(jstr(r->json, "missing.1"), "identity");
	ck_assert_ptr_nonnull(strstr(jstr(r->json, "detail"), "questionnaire"));
	ck_assert_ptr_nonnull(strstr(jstr(r->json, "detail"), "identity"));
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM audit_event WHERE request_id = '%s'",
	    r->rid), 0);
	resp_free(r);
	make_eligible(p.id, "needs_review");
	r = book(p.b, s, cid, "initial", 0);
	expect_problem(r, 409, "not-ready-to-book");
	ck_assert_ptr_nonnull(strstr(jstr(r->json, "detail"), "reviewing"));
	resp_free(r);
	/* a clinician's decision on the review counts */
	ck_assert(sql_exec("UPDATE intake_response SET decision = 'eligible' WHERE patient_id = %lld",
	    (long long)p.id) == 0);
	r = book(p.b, s, cid, "initial", 0);
	expect_problem(r, 409, "not-ready-to-book");
	ck_assert_str_eq(jstr(r->json, "missing.0"), "identity");
	ck_assert_ptr_null(jget(r->json, "missing.1"));
	resp_free(r);
	make_verified(p.id);
	/* a later not_eligible submission wins over the earlier */
	make_eligible(p.id, "not_eligible");
	r = book(p.b, s, cid, "initial", 0);
	expect_problem(r, 409, "not-ready-to-book");
	ck_assert_str_eq(jstr(r->json, "missing.0"), "eligibility");
	resp_free(r);
	ck_assert_int_eq(count_appts(cid), 0);
	make_eligible(p.id, "eligible");
	book_ok(p.b, s, cid, "initial", 0);
	br_free(cb);
	user_free(&p);
}
END_TEST

START_TEST(test_other_patient)
{
	struct user	 p, q;
	struct browser	*cb, *pharm = staff_new("pharmacist", NULL);
	struct resp	*r;
	int64_t		 cid, id;
	time_t		 s = at_day(10, 10);
	char		 path[128], body[128];
	static const char *const suffix[] = { "", "/calendar.ics" };
	size_t		 i;

	cb = staff_new("clinician", &cid);
	ready_patient(&p, "appt-own");
	ready_patient(&q, "appt-other");
	extra(cid, s, s + 2 * HOUR);
	id = book_ok(p.b, s, cid, "initial", 0);
	for (i = 0; i < 2; i++) {
		(void)snprintf(path, sizeof(path), APPTS "/%lld%s", (long long)id, suffix[i]);
		r = api(q.b, "GET", path, NULL);
		expect_problem(r, 404, "not-found");
		resp_free(r);
		(void)snprintf(path, sizeof(path), APPTS "/%lld%s", (long long)id + 1000000, suffix[i]);
		r = api(q.b, "GET", path, NULL);
		expect_problem(r, 404, "not-found");
		resp_free(r);
	}
	(void)snprintf(path, sizeof(path), APPTS "/%lld/cancel", (long long)id);
	r = api(q.b, "POST", path, "{}");
	expect_problem(r, 404, "not-found");
	resp_free(r);
	(void)snprintf(path, sizeof(path), APPTS "/%lld/reschedule", (long long)id);
	{
		char t[32];

		iso(s + HOUR, t);
		(void)snprintf(body, sizeof(body), "{\"slot_start\":\"%s\"}", t);
	}
	r = api(q.b, "POST", path, body);
	expect_problem(r, 404, "not-found");
	resp_free(r);
	r = api_get(q.b, APPTS "?patient=%lld", (long long)p.id);
	expect_problem(r, 404, "not-found");
	resp_free(r);
	r = api(q.b, "GET", APPTS, NULL);
	ck_assert_int_eq(json_object_array_length(jget(r->json, "appointments")), 0);
	resp_free(r);
	/* nothing changed */
	ck_assert_int_eq(sql_int("SELECT sequence FROM appointment WHERE id = %lld", (long long)id), 0);
	ck_assert_str_eq(sql_str("SELECT status FROM appointment WHERE id = %lld", (long long)id),
	    "booked");
	/* pharmacists do not handle appointments */
	(void)snprintf(path, sizeof(path), APPTS "/%lld", (long long)id);
	r = api(pharm, "GET", path, NULL);
	expect_problem(r, 403, "forbidden");
	resp_free(r);
	/* patients do not keep availability */
	r = api(p.b, "GET", APPTS "/availability", NULL);
	expect_problem(r, 404, "not-found");
	resp_free(r);
	br_free(cb);
	br_free(pharm);
	user_free(&p);
	user_free(&q);
}
END_TEST

START_TEST(test_ics)
{
	struct user	 p;
	struct browser	*cb;
	struct resp	*r;
	int64_t		 cid, id;
	time_t		 s = at_day(11, 15);
	char		 path[96], want[96], a[32], *cd, *ct;
	const char	*l, *e;

	cb = staff_new("clinician", &cid);
	ready_patient(&p, "appt-ics");
	extra(cid, s, s + HOUR);
	id = book_ok(p.b, s, cid, "initial", 0);
	(void)snprintf(path, sizeof(path), APPTS "/%lld/calendar.ics", (long long)id);
	r = api(p.b, "GET", path, NULL);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ct = resp_header(r, "Content-Type");
	cd = resp_header(r, "Content-Disposition");
	ck_assert_msg(ct != NULL && strncmp(ct, "text/calendar", 13) == 0, "%s", ct ? ct : "-");
	ck_assert_msg(cd != NULL && strncmp(cd, "attachment", 10) == 0, "%s", cd ? cd : "-");
	free(ct);
	free(cd);
	ck_assert_msg(strncmp(r->body, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n", 30) == 0, "%s", r->body);
	(void)snprintf(want, sizeof(want), "\r\nUID:appointment-%lld@", (long long)id);
	ck_assert_ptr_nonnull(strstr(r->body, want));
	iso(s, a);	/* 2026-12-07T15:00:00Z -> 20261207T150000Z */
	(void)snprintf(want, sizeof(want), "\r\nDTSTART:%.4s%.2s%.2sT%.2s%.2s%.2sZ\r\n", a, a + 5,
	    a + 8, a + 11, a + 14, a + 17);
	ck_assert_msg(strstr(r->body, want) != NULL, "no %s in %s", want, r->body);
	ck_assert_ptr_nonnull(strstr(r->body, "\r\nDTSTAMP:"));
	ck_assert_ptr_nonnull(strstr(r->body, "\r\nSEQUENCE:0\r\n"));
	ck_assert_ptr_nonnull(strstr(r->body, "\r\nSTATUS:CONFIRMED\r\n"));
	ck_assert_ptr_nonnull(strstr(r->body, "\r\nSUMMARY:Clinic video consultation\r\n"));
	(void)snprintf(want, sizeof(want), "#/consult/%lld", (long long)id);
	ck_assert_ptr_nonnull(strstr(r->body, want));
	ck_assert_ptr_nonnull(strstr(r->body, "END:VEVENT\r\nEND:VCALENDAR\r\n"));
	no_clinical_words(r->body);
	/* every line ends CRLF and is at most 75 octets */
	for (l = r->body; *l != '\0'; l = e + 2) {
		e = strstr(l, "\r\n");
		ck_assert_ptr_nonnull(e);
		ck_assert_msg(e - l <= 75, "line of %d octets", (int)(e - l));
		ck_assert_ptr_null(memchr(l, '\n', (size_t)(e - l)));
	}
	resp_free(r);
	/* staff reading it is audited */
	r = api(cb, "GET", path, NULL);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	expect_one_audit(r, "patient.record_viewed", "success");
	resp_free(r);
	(void)snprintf(want, sizeof(want), APPTS "/%lld/cancel", (long long)id);
	r = api(p.b, "POST", want, "{\"reason\":\"Cannot make it\"}");
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	resp_free(r);
	r = api(p.b, "GET", path, NULL);
	ck_assert_ptr_nonnull(strstr(r->body, "\r\nSTATUS:CANCELLED\r\n"));
	ck_assert_ptr_nonnull(strstr(r->body, "\r\nSEQUENCE:1\r\n"));
	resp_free(r);
	br_free(cb);
	user_free(&p);
}
END_TEST

START_TEST(test_bad_input)
{
	struct user	 p;
	struct browser	*cb, *admin;
	struct resp	*r;
	int64_t		 cid, aid, audits;
	time_t		 s = at_day(12, 10);
	char		 body[256], a[32];

	admin = staff_new("admin", &aid);
	cb = staff_new("clinician", &cid);
	ready_patient(&p, "appt-bad");
	extra(cid, s, s + HOUR);
	/* what these three do from here on writes no audit row */
#define AUDITS	sql_int("SELECT COUNT(*) FROM audit_event WHERE actor_id IN (%lld, %lld, %lld)", \
	    (long long)aid, (long long)cid, (long long)p.id)
	audits = AUDITS;
	r = api(p.b, "POST", APPTS, "{}");
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "slot_start"));
	ck_assert(has_error_field(r, "clinician_id"));
	ck_assert(has_error_field(r, "type"));
	resp_free(r);
	r = api(p.b, "POST", APPTS, "{\"slot_start\":\"tomorrow at ten\",\"clinician_id\":\"x\","
	    "\"type\":\"INITIAL\",\"colour\":\"red\"}");
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "slot_start"));
	ck_assert(has_error_field(r, "clinician_id"));
	ck_assert(has_error_field(r, "type"));
	ck_assert(has_error_field(r, "colour"));
	resp_free(r);
	r = api(p.b, "POST", APPTS, "{\"slot_start\":\"2026-02-30T10:00:00Z\",\"clinician_id\":1,"
	    "\"type\":\"initial\"}");
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "slot_start"));
	resp_free(r);
	/* a real time that is no slot (off the grid; in the past) */
	iso(s + 600, a);
	(void)snprintf(body, sizeof(body), "{\"slot_start\":\"%s\",\"clinician_id\":%lld,"
	    "\"type\":\"initial\"}", a, (long long)cid);
	r = api(p.b, "POST", APPTS, body);
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "slot_start"));
	resp_free(r);
	(void)snprintf(body, sizeof(body), "{\"slot_start\":\"2020-01-06T10:00:00Z\","
	    "\"clinician_id\":%lld,\"type\":\"initial\"}", (long long)cid);
	r = api(p.b, "POST", APPTS, body);
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "slot_start"));
	resp_free(r);
	iso(s, a);
	(void)snprintf(body, sizeof(body), "{\"slot_start\":\"%s\",\"clinician_id\":%lld,"
	    "\"type\":\"no_such\"}", a, (long long)cid);
	r = api(p.b, "POST", APPTS, body);
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "type"));
	resp_free(r);
	r = http_raw(p.b, "POST", APPTS, "{\"slot_start\":", 14, "application/json", p.b->csrf, NULL);
	expect_problem(r, 400, "malformed-json");
	resp_free(r);
	/* availability */
	r = api(cb, "POST", APPTS "/availability", "{\"weekday\":9,\"start_time\":\"25:00\","
	    "\"end_time\":\"9am\",\"valid_from\":\"2027-02-29\"}");
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "weekday"));
	ck_assert(has_error_field(r, "start_time"));
	ck_assert(has_error_field(r, "end_time"));
	ck_assert(has_error_field(r, "valid_from"));
	resp_free(r);
	r = api(cb, "POST", APPTS "/availability", "{\"weekday\":1,\"start_time\":\"12:00\","
	    "\"end_time\":\"09:00\"}");
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "end_time"));
	resp_free(r);
	r = api(cb, "POST", APPTS "/availability", "{\"weekday\":1,\"start_time\":\"09:00\","
	    "\"end_time\":\"12:00\",\"valid_from\":\"2027-03-01\",\"valid_until\":\"2027-02-01\"}");
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "valid_until"));
	resp_free(r);
	r = api(admin, "POST", APPTS "/availability", "{\"weekday\":1,\"start_time\":\"09:00\","
	    "\"end_time\":\"12:00\"}");
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "clinician_id"));
	resp_free(r);
	r = api(cb, "POST", APPTS "/exceptions", "{\"kind\":\"holiday\",\"starts_at\":"
	    "\"2027-01-01T10:00:00Z\",\"ends_at\":\"2027-01-01T09:00:00Z\"}");
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "kind"));
	resp_free(r);
	r = api(cb, "POST", APPTS "/exceptions", "{\"kind\":\"leave\",\"starts_at\":"
	    "\"2027-01-01T10:00:00Z\",\"ends_at\":\"2027-01-01T09:00:00Z\"}");
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "ends_at"));
	resp_free(r);
	/* another clinician's availability is not a clinician's to keep */
	(void)snprintf(body, sizeof(body), "{\"weekday\":1,\"start_time\":\"09:00\","
	    "\"end_time\":\"12:00\",\"clinician_id\":%lld}", (long long)cid + 100000);
	r = api(cb, "POST", APPTS "/availability", body);
	expect_problem(r, 403, "forbidden");
	resp_free(r);
	ck_assert_int_eq(AUDITS, audits);
	ck_assert_int_eq(count_appts(cid), 0);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM availability_template WHERE clinician_id ="
	    " %lld", (long long)cid), 0);
	br_free(cb);
	br_free(admin);
	user_free(&p);
}
END_TEST

Suite *
appointments_suite(void)
{
	Suite	*s = suite_create("appointments");
	TCase	*tc;

	tc = tcase_create("slots");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_types);
	tcase_add_test(tc, test_slots);
	tcase_add_test(tc, test_slots_notice_horizon);
	tcase_add_test(tc, test_clock_changes);
	suite_add_tcase(s, tc);
	tc = tcase_create("booking");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_set_timeout(tc, 180);
	tcase_add_test(tc, test_book_taken);
	tcase_add_test(tc, test_race);
	tcase_add_test(tc, test_cancel_rules);
	tcase_add_test(tc, test_reschedule);
	tcase_add_test(tc, test_staff_booking);
	tcase_add_test(tc, test_not_ready);
	tcase_add_test(tc, test_other_patient);
	tcase_add_test(tc, test_ics);
	tcase_add_test(tc, test_bad_input);
	tcase_add_test(tc, test_reschedule_room);
	tcase_add_test(tc, test_reschedule_clinician_only);
	tcase_add_test(tc, test_not_ready_staff_audited);
	tcase_add_test(tc, test_fee_snapshot);
	tcase_add_test(tc, test_availability_bad_query);
	tcase_add_test(tc, test_load_demo_hours);
	suite_add_tcase(s, tc);
	return s;
}
