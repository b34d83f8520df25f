#ifndef CLINIC_APPTIME_H
#define CLINIC_APPTIME_H
/*
 * Time for appointments: civil dates, the clinic's time zone, the parsers of
 * the dates and times clients send, and the slot computation. Pure: no
 * database, no request; the zone is the process's (TZ, set once by
 * at_zone_set() at start-up; the programs are single-threaded).
 *
 * Instants are Unix seconds (UTC). Days are civil day numbers (days since
 * 1970-01-01 in the proleptic Gregorian calendar), so a local date is a
 * plain integer and weekday/arithmetics need no time zone.
 *
 * Local wall-clock -> UTC (at_local_to_utc), the one rule used everywhere:
 *  - a local time that does not exist (the hour skipped when the clocks go
 *    forward, e.g. 01:30 on 2026-03-29 in Europe/London) is moved forward by
 *    the length of the gap (01:30 -> 02:30 BST = 01:30Z);
 *  - a local time that happens twice (the hour repeated when the clocks go
 *    back, e.g. 01:30 on 2026-10-25) is its FIRST occurrence (01:30 BST =
 *    00:30Z).
 * A session (a template's start..end on one local day, or an extra
 * exception) is the real time between its start instant and its end
 * instant; slots step through it in real minutes.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AT_OPEN_END	INT64_MAX	/* a template without valid_until */

/* Civil dates. */
int64_t	 at_days_from_civil(int y, int m, int d);
void	 at_civil_from_days(int64_t days, int *y, int *m, int *d);
/* ISO weekday of a civil day: Monday 1 .. Sunday 7. */
int	 at_weekday(int64_t days);

/*
 * Makes name (an IANA zone such as "Europe/London") the process's zone:
 * setenv("TZ") and tzset(). Returns 0, or -1 when name is not a zone found
 * under /usr/share/zoneinfo (nothing changed then).
 */
int	 at_zone_set(const char *name);
/* The zone's UTC offset at instant t, in seconds (east positive). */
long	 at_offset(int64_t t);
/* The local civil day and minute of day of instant t. */
void	 at_local_day(int64_t t, int64_t *days, int *minute);
/*
 * The instant of local wall-clock day `days`, minute of day `minute`
 * (0..1440; 1440 is the next day's midnight), by the rule above.
 */
int64_t	 at_local_to_utc(int64_t days, int minute);

/* Formatting; each returns buf. */
#define AT_UTC_LEN	21	/* "2026-03-29T08:00:00Z" + NUL */
#define AT_LOCAL_LEN	26	/* "2026-03-29T09:00:00+01:00" + NUL */
#define AT_SQL_LEN	20	/* "2026-03-29 08:00:00" + NUL */
#define AT_DATE_LEN	11	/* "2026-03-29" + NUL */
char	*at_fmt_utc(int64_t t, char buf[AT_UTC_LEN]);
char	*at_fmt_local(int64_t t, char buf[AT_LOCAL_LEN]);
char	*at_fmt_sql(int64_t t, char buf[AT_SQL_LEN]);
char	*at_fmt_date(int64_t days, char buf[AT_DATE_LEN]);
/* "09:00" (5 characters + NUL) for a minute of day 0..1440. */
char	*at_fmt_hhmm(int minute, char buf[6]);

/*
 * Parsers of untrusted text (NUL-terminated). Each returns 0 and sets its
 * output, or -1 with the output untouched.
 *  at_parse_date:    "YYYY-MM-DD", a real date, years 1970..9999.
 *  at_parse_hhmm:    "hh:mm" or "hh:mm:ss" (seconds must be 00): minute of day
 *                    0..1439, or 1440 for "24:00" when allow_24 is true.
 *  at_parse_instant: RFC 3339 "YYYY-MM-DDThh:mm:ss[.frac](Z|±hh:mm)" (T or t,
 *                    Z or z); with local true also "YYYY-MM-DDThh:mm[:ss]"
 *                    without offset, read as wall-clock time in the zone
 *                    (at_local_to_utc). Leap seconds (ss 60) are refused.
 *  at_parse_sql:     "YYYY-MM-DD hh:mm:ss[.ffffff]" as UTC (database text).
 */
int	 at_parse_date(const char *s, int64_t *days);
int	 at_parse_hhmm(const char *s, bool allow_24, int *minute);
int	 at_parse_instant(const char *s, bool local, int64_t *t);
int	 at_parse_sql(const char *s, int64_t *t);

/*
 * The end of a range of `days` days that starts at from_text (its instant
 * is from): for a local date "YYYY-MM-DD", local midnight at the start of
 * the day `days` later (at_local_to_utc: a day across a clock change is 23
 * or 25 hours); for an instant, from + days * 86400.
 */
int64_t	 at_days_after(const char *from_text, int64_t from, int days);

/* A weekly template: weekday 1..7, local minutes [start_min, end_min). */
struct at_template {
	int64_t	 clinician_id;
	int	 weekday;
	int	 start_min;		/* 0..1439 */
	int	 end_min;		/* start_min+1 .. 1440 */
	int64_t	 valid_from;		/* civil day, inclusive */
	int64_t	 valid_until;		/* civil day, inclusive; AT_OPEN_END */
};

/* An interval of real time [start, end) of one clinician. */
struct at_span {
	int64_t	 clinician_id;
	int64_t	 start;
	int64_t	 end;
};

struct at_rules {
	int64_t	 from;		/* offer slots starting in [from, to) */
	int64_t	 to;
	int64_t	 earliest;	/* no slot starting before this (now + minimum notice) */
	int64_t	 latest;	/* no slot starting after this (the horizon) */
	int	 minutes;	/* the slot length (the appointment type's) */
};

/*
 * The free slots: every session from the templates (for each local day that
 * can touch [from, to)) and from the extra spans, cut into back-to-back slots
 * of rules->minutes from its start (a remainder shorter than a slot is not
 * offered); then any slot overlapping a leave span or a busy span (existing
 * bookings) of its clinician is removed, as is any outside the rules' window,
 * notice and horizon. Identical (clinician, start) slots are offered once.
 * *out (malloc'd, caller frees; NULL when *n is 0) is sorted by start, then
 * clinician id. Returns 0, or -1 on out-of-memory or rules->minutes < 1
 * (*out NULL, *n 0).
 */
int	 at_slots(const struct at_template *tpl, size_t ntpl,
	    const struct at_span *leave, size_t nleave,
	    const struct at_span *extra, size_t nextra,
	    const struct at_span *busy, size_t nbusy,
	    const struct at_rules *rules, struct at_span **out, size_t *n);

#endif
