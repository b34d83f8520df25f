/*
 * appointments: civil dates, Europe/London wall-clock <-> UTC on both 2026
 * clock-change days and the days either side, the parsers of client text,
 * the slot computation (templates, leave, extra sessions, bookings, notice,
 * horizon) and the iCalendar text (CRLF, folding, escaping).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "apptime.h"
#include "icsfmt.h"
#include "unit.h"

static void
london(void)
{
	ck_assert_int_eq(at_zone_set("Europe/London"), 0);
}

static int64_t
utc(const char *s)
{
	int64_t	t;

	ck_assert_msg(at_parse_instant(s, false, &t) == 0, "bad literal %s", s);
	return t;
}

static int64_t
day(int y, int m, int d)
{
	return at_days_from_civil(y, m, d);
}

START_TEST(test_civil)
{
	int	y, m, d;

	ck_assert_int_eq(at_days_from_civil(1970, 1, 1), 0);
	ck_assert_int_eq(at_days_from_civil(2000, 3, 1), 11017);
	at_civil_from_days(day(2028, 2, 29), &y, &m, &d);
	ck_assert_int_eq(y, 2028);
	ck_assert_int_eq(m, 2);
	ck_assert_int_eq(d, 29);
	ck_assert_int_eq(at_weekday(day(2026, 3, 29)), 7);	/* Sunday */
	ck_assert_int_eq(at_weekday(day(2026, 10, 26)), 1);	/* Monday */
	ck_assert_int_eq(at_weekday(day(2026, 11, 26)), 4);	/* Thursday */
	ck_assert_int_eq(at_weekday(0), 4);
}
END_TEST

START_TEST(test_zone)
{
	ck_assert_int_eq(at_zone_set("Nowhere/Atlantis"), -1);
	ck_assert_int_eq(at_zone_set("../etc/passwd"), -1);
	ck_assert_int_eq(at_zone_set("/usr/share/zoneinfo/UTC"), -1);
	ck_assert_int_eq(at_zone_set(""), -1);
	london();
	ck_assert_int_eq(at_offset(utc("2026-03-29T00:59:59Z")), 0);
	ck_assert_int_eq(at_offset(utc("2026-03-29T01:00:00Z")), 3600);
	ck_assert_int_eq(at_offset(utc("2026-10-25T00:59:59Z")), 3600);
	ck_assert_int_eq(at_offset(utc("2026-10-25T01:00:00Z")), 0);
}
END_TEST

/* 09:00 local on the spring change and the days either side. */
START_TEST(test_spring_0900)
{
	char	b[AT_LOCAL_LEN];

	london();
	ck_assert_int_eq(at_local_to_utc(day(2026, 3, 28), 540), utc("2026-03-28T09:00:00Z"));
	ck_assert_int_eq(at_local_to_utc(day(2026, 3, 29), 540), utc("2026-03-29T08:00:00Z"));
	ck_assert_int_eq(at_local_to_utc(day(2026, 3, 30), 540), utc("2026-03-30T08:00:00Z"));
	ck_assert_str_eq(at_fmt_local(utc("2026-03-29T08:00:00Z"), b), "2026-03-29T09:00:00+01:00");
	ck_assert_str_eq(at_fmt_local(utc("2026-03-28T09:00:00Z"), b), "2026-03-28T09:00:00+00:00");
	/* midnight and the hour that does not exist (01:00-02:00 local) */
	ck_assert_int_eq(at_local_to_utc(day(2026, 3, 29), 0), utc("2026-03-29T00:00:00Z"));
	ck_assert_int_eq(at_local_to_utc(day(2026, 3, 29), 60), utc("2026-03-29T01:00:00Z"));
	ck_assert_int_eq(at_local_to_utc(day(2026, 3, 29), 90), utc("2026-03-29T01:30:00Z"));
	ck_assert_int_eq(at_local_to_utc(day(2026, 3, 29), 120), utc("2026-03-29T01:00:00Z"));
	ck_assert_int_eq(at_local_to_utc(day(2026, 3, 29), 240), utc("2026-03-29T03:00:00Z"));
	ck_assert_str_eq(at_fmt_local(utc("2026-03-29T01:30:00Z"), b), "2026-03-29T02:30:00+01:00");
}
END_TEST

/* 09:00 local on the autumn change and the days either side. */
START_TEST(test_autumn_0900)
{
	char	b[AT_LOCAL_LEN];

	london();
	ck_assert_int_eq(at_local_to_utc(day(2026, 10, 24), 540), utc("2026-10-24T08:00:00Z"));
	ck_assert_int_eq(at_local_to_utc(day(2026, 10, 25), 540), utc("2026-10-25T09:00:00Z"));
	ck_assert_int_eq(at_local_to_utc(day(2026, 10, 26), 540), utc("2026-10-26T09:00:00Z"));
	ck_assert_str_eq(at_fmt_local(utc("2026-10-25T09:00:00Z"), b), "2026-10-25T09:00:00+00:00");
	ck_assert_str_eq(at_fmt_local(utc("2026-10-24T08:00:00Z"), b), "2026-10-24T09:00:00+01:00");
	/* 01:30 happens twice: the first (BST) is taken */
	ck_assert_int_eq(at_local_to_utc(day(2026, 10, 25), 90), utc("2026-10-25T00:30:00Z"));
	ck_assert_int_eq(at_local_to_utc(day(2026, 10, 25), 0), utc("2026-10-24T23:00:00Z"));
	ck_assert_int_eq(at_local_to_utc(day(2026, 10, 25), 120), utc("2026-10-25T02:00:00Z"));
	ck_assert_int_eq(at_local_to_utc(day(2026, 10, 25), 1440), utc("2026-10-26T00:00:00Z"));
}
END_TEST

START_TEST(test_parse)
{
	int64_t	 t, d;
	int	 m;
	char	 b[AT_UTC_LEN], s[AT_SQL_LEN], ds[AT_DATE_LEN];
	static const char *const bad_instants[] = {
		"", "2026-03-29", "2026-03-29T08:00", "2026-03-29T08:00:00", "2026-13-01T00:00:00Z",
		"2026-02-29T00:00:00Z", "2026-03-29T24:00:00Z", "2026-03-29T08:60:00Z",
		"2026-03-29T08:00:60Z", "2026-03-29 08:00:00Z", "2026-03-29T08:00:00+1:00",
		"2026-03-29T08:00:00+01:60", "2026-03-29T08:00:00+24:00", "2026-03-29T08:00:00.Z",
		"2026-03-29T08:00:00Zx", "1969-12-31T23:59:59Z", "+026-03-29T08:00:00Z",
		"2026-03-29T08:00:00+01:00:00", "2026-3-29T08:00:00Z",
	};
	size_t	 i;

	london();
	for (i = 0; i < sizeof(bad_instants) / sizeof(*bad_instants); i++) {
		t = 42;
		ck_assert_msg(at_parse_instant(bad_instants[i], false, &t) == -1, "%s", bad_instants[i]);
		ck_assert_int_eq(t, 42);
	}
	ck_assert_int_eq(at_parse_instant("2026-03-29T09:00:00+01:00", false, &t), 0);
	ck_assert_str_eq(at_fmt_utc(t, b), "2026-03-29T08:00:00Z");
	ck_assert_int_eq(at_parse_instant("2026-03-29t08:00:00.123456z", false, &t), 0);
	ck_assert_str_eq(at_fmt_utc(t, b), "2026-03-29T08:00:00Z");
	ck_assert_int_eq(at_parse_instant("2026-01-01T00:30:00-05:30", false, &t), 0);
	ck_assert_str_eq(at_fmt_utc(t, b), "2026-01-01T06:00:00Z");
	/* local forms only when asked for */
	ck_assert_int_eq(at_parse_instant("2026-03-29T09:00", false, &t), -1);
	ck_assert_int_eq(at_parse_instant("2026-03-29T09:00", true, &t), 0);
	ck_assert_str_eq(at_fmt_utc(t, b), "2026-03-29T08:00:00Z");
	ck_assert_int_eq(at_parse_instant("2026-03-28T09:00:00", true, &t), 0);
	ck_assert_str_eq(at_fmt_utc(t, b), "2026-03-28T09:00:00Z");
	ck_assert_int_eq(at_parse_instant("2026-03-28T09:00:00.5", true, &t), -1);

	ck_assert_int_eq(at_parse_date("2028-02-29", &d), 0);
	ck_assert_str_eq(at_fmt_date(d, ds), "2028-02-29");
	ck_assert_int_eq(at_parse_date("2027-02-29", &d), -1);
	ck_assert_int_eq(at_parse_date("2027-02-2", &d), -1);
	ck_assert_int_eq(at_parse_date("2027-02-02 ", &d), -1);

	ck_assert_int_eq(at_parse_hhmm("09:30", false, &m), 0);
	ck_assert_int_eq(m, 570);
	ck_assert_int_eq(at_parse_hhmm("17:00:00", false, &m), 0);
	ck_assert_int_eq(m, 1020);
	ck_assert_int_eq(at_parse_hhmm("17:00:01", false, &m), -1);
	ck_assert_int_eq(at_parse_hhmm("24:00", false, &m), -1);
	ck_assert_int_eq(at_parse_hhmm("24:00", true, &m), 0);
	ck_assert_int_eq(m, 1440);
	ck_assert_int_eq(at_parse_hhmm("24:01", true, &m), -1);
	ck_assert_int_eq(at_parse_hhmm("9:30", true, &m), -1);
	ck_assert_int_eq(at_parse_hhmm("09:3a", true, &m), -1);

	ck_assert_int_eq(at_parse_sql("2026-10-25 01:30:00.000000", &t), 0);
	ck_assert_str_eq(at_fmt_sql(t, s), "2026-10-25 01:30:00");
	ck_assert_int_eq(at_parse_sql("2026-10-25 01:30", &t), -1);
}
END_TEST

/* A rules window open wide: every slot in [from, to). */
static struct at_rules
wide(const char *from, const char *to, int minutes)
{
	struct at_rules	r;

	r.from = utc(from);
	r.to = utc(to);
	r.earliest = 0;
	r.latest = INT64_MAX;
	r.minutes = minutes;
	return r;
}

static void
expect_starts(const struct at_span *s, size_t n, const char *const *want, size_t nwant)
{
	char	b[AT_UTC_LEN];
	size_t	i;

	ck_assert_msg(n == nwant, "got %zu slots, want %zu (first %s)", n, nwant,
	    n > 0 ? at_fmt_utc(s[0].start, b) : "-");
	for (i = 0; i < n; i++)
		ck_assert_str_eq(at_fmt_utc(s[i].start, b), want[i]);
}

/* A Sunday 09:00-10:00 template on the days around the spring change. */
START_TEST(test_slots_template_spring)
{
	struct at_template	t[] = {
		{ 5, 7, 540, 600, 0, AT_OPEN_END },	/* Sundays 09:00-10:00 */
		{ 5, 6, 540, 570, 0, AT_OPEN_END },	/* Saturdays 09:00-09:30 */
		{ 5, 1, 540, 570, 0, AT_OPEN_END },	/* Mondays 09:00-09:30 */
	};
	struct at_rules		r = wide("2026-03-27T00:00:00Z", "2026-03-31T00:00:00Z", 30);
	struct at_span		*s;
	size_t			 n;
	static const char *const want[] = {
		"2026-03-28T09:00:00Z",		/* Saturday, GMT */
		"2026-03-29T08:00:00Z", "2026-03-29T08:30:00Z",	/* Sunday, BST */
		"2026-03-30T08:00:00Z",		/* Monday, BST */
	};

	london();
	ck_assert_int_eq(at_slots(t, 3, NULL, 0, NULL, 0, NULL, 0, &r, &s, &n), 0);
	expect_starts(s, n, want, 4);
	ck_assert_int_eq(s[1].end, utc("2026-03-29T08:30:00Z"));
	ck_assert_int_eq(s[1].clinician_id, 5);
	free(s);
}
END_TEST

START_TEST(test_slots_template_autumn)
{
	struct at_template	t[] = {
		{ 5, 6, 540, 570, 0, AT_OPEN_END },
		{ 5, 7, 540, 570, 0, AT_OPEN_END },
		{ 5, 1, 540, 570, 0, AT_OPEN_END },
	};
	struct at_rules		r = wide("2026-10-23T00:00:00Z", "2026-10-27T00:00:00Z", 30);
	struct at_span		*s;
	size_t			 n;
	static const char *const want[] = {
		"2026-10-24T08:00:00Z", "2026-10-25T09:00:00Z", "2026-10-26T09:00:00Z",
	};

	london();
	ck_assert_int_eq(at_slots(t, 3, NULL, 0, NULL, 0, NULL, 0, &r, &s, &n), 0);
	expect_starts(s, n, want, 3);
	free(s);
}
END_TEST

/* An extra session 00:00-04:00 local on the spring Sunday: three real hours. */
START_TEST(test_slots_extra_spring)
{
	struct at_span		 x, *s;
	struct at_rules		 r = wide("2026-03-28T00:00:00Z", "2026-03-30T00:00:00Z", 30);
	size_t			 n;
	char			 b[AT_LOCAL_LEN];
	static const char *const want[] = {
		"2026-03-29T00:00:00Z", "2026-03-29T00:30:00Z", "2026-03-29T01:00:00Z",
		"2026-03-29T01:30:00Z", "2026-03-29T02:00:00Z", "2026-03-29T02:30:00Z",
	};

	london();
	x.clinician_id = 9;
	x.start = at_local_to_utc(day(2026, 3, 29), 0);
	x.end = at_local_to_utc(day(2026, 3, 29), 240);
	ck_assert_int_eq(at_slots(NULL, 0, NULL, 0, &x, 1, NULL, 0, &r, &s, &n), 0);
	expect_starts(s, n, want, 6);
	/* local labels jump from 00:30 GMT to 02:00 BST */
	ck_assert_str_eq(at_fmt_local(s[1].start, b), "2026-03-29T00:30:00+00:00");
	ck_assert_str_eq(at_fmt_local(s[2].start, b), "2026-03-29T02:00:00+01:00");
	ck_assert_str_eq(at_fmt_local(s[5].end, b), "2026-03-29T04:00:00+01:00");
	free(s);
}
END_TEST

/* The same on the autumn Sunday: five real hours, 01:00-02:00 local twice. */
START_TEST(test_slots_extra_autumn)
{
	struct at_span		 x, *s;
	struct at_rules		 r = wide("2026-10-24T00:00:00Z", "2026-10-26T00:00:00Z", 30);
	size_t			 n;
	char			 b[AT_LOCAL_LEN];

	london();
	x.clinician_id = 9;
	x.start = at_local_to_utc(day(2026, 10, 25), 0);
	x.end = at_local_to_utc(day(2026, 10, 25), 240);
	ck_assert_int_eq(x.start, utc("2026-10-24T23:00:00Z"));
	ck_assert_int_eq(x.end, utc("2026-10-25T04:00:00Z"));
	ck_assert_int_eq(at_slots(NULL, 0, NULL, 0, &x, 1, NULL, 0, &r, &s, &n), 0);
	ck_assert_uint_eq(n, 10);
	ck_assert_str_eq(at_fmt_local(s[2].start, b), "2026-10-25T01:00:00+01:00");
	ck_assert_str_eq(at_fmt_local(s[3].start, b), "2026-10-25T01:30:00+01:00");
	ck_assert_str_eq(at_fmt_local(s[4].start, b), "2026-10-25T01:00:00+00:00");
	ck_assert_str_eq(at_fmt_local(s[5].start, b), "2026-10-25T01:30:00+00:00");
	ck_assert_str_eq(at_fmt_local(s[9].start, b), "2026-10-25T03:30:00+00:00");
	free(s);
}
END_TEST

/* A template over the skipped hour: 01:30 does not exist and moves to 02:30 BST. */
START_TEST(test_slots_template_gap)
{
	struct at_template	t[] = { { 5, 7, 90, 180, 0, AT_OPEN_END } };	/* 01:30-03:00 */
	struct at_rules		r = wide("2026-03-29T00:00:00Z", "2026-03-30T00:00:00Z", 15);
	struct at_span		*s;
	size_t			 n;
	static const char *const want[] = {
		"2026-03-29T01:30:00Z", "2026-03-29T01:45:00Z",
	};

	london();
	ck_assert_int_eq(at_slots(t, 1, NULL, 0, NULL, 0, NULL, 0, &r, &s, &n), 0);
	expect_starts(s, n, want, 2);
	free(s);
}
END_TEST

/* A template over the repeated hour: 01:00 is its first occurrence (BST). */
START_TEST(test_slots_template_repeat)
{
	struct at_template	t[] = { { 5, 7, 60, 180, 0, AT_OPEN_END } };	/* 01:00-03:00 */
	struct at_rules		r = wide("2026-10-25T00:00:00Z", "2026-10-26T00:00:00Z", 30);
	struct at_span		*s;
	size_t			 n;
	char			 b[AT_LOCAL_LEN];

	london();
	ck_assert_int_eq(at_slots(t, 1, NULL, 0, NULL, 0, NULL, 0, &r, &s, &n), 0);
	ck_assert_uint_eq(n, 6);	/* 00:00Z to 03:00Z: three real hours */
	ck_assert_int_eq(s[0].start, utc("2026-10-25T00:00:00Z"));
	ck_assert_str_eq(at_fmt_local(s[0].start, b), "2026-10-25T01:00:00+01:00");
	ck_assert_str_eq(at_fmt_local(s[2].start, b), "2026-10-25T01:00:00+00:00");
	ck_assert_int_eq(s[5].end, utc("2026-10-25T03:00:00Z"));
	free(s);
}
END_TEST

START_TEST(test_slots_leave_bookings)
{
	/* Mondays 09:00-12:00 (GMT in January) for clinicians 1 and 2 */
	struct at_template	t[] = {
		{ 1, 1, 540, 720, 0, AT_OPEN_END },
		{ 2, 1, 540, 720, 0, AT_OPEN_END },
	};
	struct at_span		 leave[] = {
		{ 1, 0, 0 },	/* clinician 1 away 09:45-11:00 */
		{ 2, 0, 0 },	/* clinician 2 away all of the 11th */
	};
	struct at_span		 busy[] = {
		{ 1, 0, 0 },	/* clinician 1 booked 09:00-09:15 (a follow-up) */
		{ 2, 0, 0 },	/* clinician 2's booking on another day: no effect here */
	};
	struct at_rules		 r = wide("2027-01-11T00:00:00Z", "2027-01-12T00:00:00Z", 30);
	struct at_span		*s;
	size_t			 n;
	static const char *const want[] = {
		"2027-01-11T11:00:00Z", "2027-01-11T11:30:00Z",
	};

	london();
	leave[0].start = utc("2027-01-11T09:45:00Z");
	leave[0].end = utc("2027-01-11T11:00:00Z");
	leave[1].start = utc("2027-01-11T00:00:00Z");
	leave[1].end = utc("2027-01-12T00:00:00Z");
	busy[0].start = utc("2027-01-11T09:00:00Z");
	busy[0].end = utc("2027-01-11T09:15:00Z");
	busy[1].start = utc("2027-01-18T09:00:00Z");
	busy[1].end = utc("2027-01-18T09:30:00Z");
	/* 09:00 overlaps the booking, 09:30 the leave, 10:00 and 10:30 the leave */
	ck_assert_int_eq(at_slots(t, 2, leave, 2, NULL, 0, busy, 2, &r, &s, &n), 0);
	expect_starts(s, n, want, 2);
	ck_assert_int_eq(s[0].clinician_id, 1);
	free(s);
	/* without the leave: all but the booked one, both clinicians */
	ck_assert_int_eq(at_slots(t, 2, NULL, 0, NULL, 0, busy, 2, &r, &s, &n), 0);
	ck_assert_uint_eq(n, 5 + 6);
	free(s);
}
END_TEST

START_TEST(test_slots_notice_horizon)
{
	struct at_template	t[] = { { 1, 2, 540, 720, 0, AT_OPEN_END } };	/* Tuesdays */
	struct at_rules		r = wide("2027-01-05T00:00:00Z", "2027-01-20T00:00:00Z", 60);
	struct at_span		*s;
	size_t			 n;
	static const char *const want[] = {
		"2027-01-05T11:00:00Z", "2027-01-12T09:00:00Z", "2027-01-12T10:00:00Z",
	};

	london();
	/* "now" 09:30 on the 5th with 60 minutes' notice; horizon the 12th 10:00 */
	r.earliest = utc("2027-01-05T10:30:00Z");
	r.latest = utc("2027-01-12T10:00:00Z");
	ck_assert_int_eq(at_slots(t, 1, NULL, 0, NULL, 0, NULL, 0, &r, &s, &n), 0);
	expect_starts(s, n, want, 3);
	free(s);
}
END_TEST

START_TEST(test_slots_validity_dedupe)
{
	struct at_template	t[] = {
		/* the same session twice (two overlapping templates) */
		{ 1, 3, 540, 600, 0, AT_OPEN_END },
		{ 1, 3, 540, 600, 0, AT_OPEN_END },
		/* valid only from the 13th: the 6th is not offered */
		{ 1, 3, 600, 660, 0, 0 },
		/* a remainder shorter than a slot is not offered */
		{ 1, 3, 780, 820, 0, AT_OPEN_END },
	};
	struct at_rules		r = wide("2027-01-06T00:00:00Z", "2027-01-07T00:00:00Z", 30);
	struct at_span		*s;
	size_t			 n;
	static const char *const want[] = {
		"2027-01-06T09:00:00Z", "2027-01-06T09:30:00Z", "2027-01-06T13:00:00Z",
	};

	london();
	t[2].valid_from = day(2027, 1, 13);
	t[2].valid_until = AT_OPEN_END;
	ck_assert_int_eq(at_slots(t, 4, NULL, 0, NULL, 0, NULL, 0, &r, &s, &n), 0);
	expect_starts(s, n, want, 3);
	free(s);
	/* valid_until inclusive: the 6th is the last day */
	t[0].valid_until = day(2027, 1, 5);
	t[1].valid_until = day(2027, 1, 6);
	ck_assert_int_eq(at_slots(t, 4, NULL, 0, NULL, 0, NULL, 0, &r, &s, &n), 0);
	expect_starts(s, n, want, 3);
	free(s);
	r.minutes = 0;
	ck_assert_int_eq(at_slots(t, 4, NULL, 0, NULL, 0, NULL, 0, &r, &s, &n), -1);
	ck_assert_ptr_null(s);
}
END_TEST

static bool
lines_ok(const char *ics)
{
	const char	*p = ics, *e;

	while (*p != '\0') {
		if ((e = strstr(p, "\r\n")) == NULL)
			return false;
		if (e - p > 75 || memchr(p, '\n', (size_t)(e - p)) != NULL)
			return false;
		p = e + 2;
	}
	return true;
}

/* A week from a local date ends at local midnight, 23 or 25 hours a day across a change. */
START_TEST(test_days_after)
{
	int64_t	from;

	london();
	from = at_local_to_utc(day(2026, 3, 25), 0);
	ck_assert_int_eq(from, utc("2026-03-25T00:00:00Z"));
	/* spring: 1 April 00:00 BST is 31 March 23:00 UTC */
	ck_assert_int_eq(at_days_after("2026-03-25", from, 7), utc("2026-03-31T23:00:00Z"));
	from = at_local_to_utc(day(2026, 10, 21), 0);
	ck_assert_int_eq(from, utc("2026-10-20T23:00:00Z"));
	/* autumn: 28 October 00:00 GMT */
	ck_assert_int_eq(at_days_after("2026-10-21", from, 7), utc("2026-10-28T00:00:00Z"));
	/* an instant: exactly 7 * 24 hours */
	from = utc("2026-03-25T10:00:00Z");
	ck_assert_int_eq(at_days_after("2026-03-25T10:00:00Z", from, 7), from + 7 * 86400);
	ck_assert_int_eq(at_days_after(NULL, from, 7), from + 7 * 86400);
}
END_TEST

START_TEST(test_ics)
{
	struct ics_event	 ev;
	char			*ics, *esc;
	size_t			 len;
	char			 longdesc[400];

	memset(&ev, 0, sizeof(ev));
	ev.uid = "appointment-7@clinic.example";
	ev.dtstamp = utc("2026-11-26T04:00:00Z");
	ev.start = utc("2027-03-28T08:00:00Z");
	ev.end = utc("2027-03-28T08:30:00Z");
	ev.sequence = 2;
	ev.summary = "Clinic video consultation";
	memset(longdesc, 0, sizeof(longdesc));
	/* long, with characters to escape and multi-byte ones near the fold */
	strcpy(longdesc, "Join, at the time; your link\\room:\nhttps://clinic.example/#/consult/7 ");
	while (strlen(longdesc) < 300)
		strcat(longdesc, "\xc3\xa9t\xc3\xa9 ");
	ev.description = longdesc;
	ev.url = "https://clinic.example/#/consult/7";
	ics = ics_calendar(&ev, &len);
	ck_assert_ptr_nonnull(ics);
	ck_assert_uint_eq(strlen(ics), len);
	ck_assert(lines_ok(ics));
	ck_assert_ptr_nonnull(strstr(ics, "BEGIN:VCALENDAR\r\nVERSION:2.0\r\n"));
	ck_assert_ptr_nonnull(strstr(ics, "\r\nUID:appointment-7@clinic.example\r\n"));
	ck_assert_ptr_nonnull(strstr(ics, "\r\nDTSTAMP:20261126T040000Z\r\n"));
	ck_assert_ptr_nonnull(strstr(ics, "\r\nDTSTART:20270328T080000Z\r\n"));
	ck_assert_ptr_nonnull(strstr(ics, "\r\nDTEND:20270328T083000Z\r\n"));
	ck_assert_ptr_nonnull(strstr(ics, "\r\nSEQUENCE:2\r\n"));
	ck_assert_ptr_nonnull(strstr(ics, "\r\nSTATUS:CONFIRMED\r\n"));
	ck_assert_ptr_nonnull(strstr(ics,
	    "DESCRIPTION:Join\\, at the time\\; your link\\\\room:\\nhttps"));
	ck_assert_ptr_nonnull(strstr(ics, "END:VCALENDAR\r\n"));
	/* folded lines never split a UTF-8 sequence: no continuation byte after "\r\n " */
	{
		const char *p = ics;
		while ((p = strstr(p, "\r\n ")) != NULL) {
			ck_assert((((unsigned char)p[3]) & 0xC0) != 0x80);
			p += 3;
		}
	}
	free(ics);
	ev.cancelled = 1;
	ev.description = NULL;
	ics = ics_calendar(&ev, &len);
	ck_assert_ptr_nonnull(strstr(ics, "\r\nSTATUS:CANCELLED\r\n"));
	ck_assert_ptr_nonnull(strstr(ics, "\r\nSEQUENCE:2\r\n"));
	/* A downloaded file is not an iTIP message: no METHOD:CANCEL (PUBLISH only). */
	ck_assert_ptr_null(strstr(ics, "METHOD:CANCEL"));
	ck_assert_ptr_nonnull(strstr(ics, "\r\nMETHOD:PUBLISH\r\n"));
	ck_assert_ptr_null(strstr(ics, "DESCRIPTION"));
	free(ics);
	esc = ics_escape("a\tb\x01" "c,d");
	ck_assert_str_eq(esc, "abc\\,d");
	free(esc);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite	*s = suite_create("appointments");
	TCase	*tc = tcase_create("time");

	tcase_add_test(tc, test_civil);
	tcase_add_test(tc, test_zone);
	tcase_add_test(tc, test_spring_0900);
	tcase_add_test(tc, test_autumn_0900);
	tcase_add_test(tc, test_parse);
	tcase_add_test(tc, test_days_after);
	suite_add_tcase(s, tc);
	tc = tcase_create("slots");
	tcase_add_test(tc, test_slots_template_spring);
	tcase_add_test(tc, test_slots_template_autumn);
	tcase_add_test(tc, test_slots_extra_spring);
	tcase_add_test(tc, test_slots_extra_autumn);
	tcase_add_test(tc, test_slots_template_gap);
	tcase_add_test(tc, test_slots_template_repeat);
	tcase_add_test(tc, test_slots_leave_bookings);
	tcase_add_test(tc, test_slots_notice_horizon);
	tcase_add_test(tc, test_slots_validity_dedupe);
	suite_add_tcase(s, tc);
	tc = tcase_create("ics");
	tcase_add_test(tc, test_ics);
	suite_add_tcase(s, tc);
	return s;
}
