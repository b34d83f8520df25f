/*
 * libFuzzer target: the appointments module's parsers of client text
 * (RFC 3339 instants, local wall-clock times, dates, hh:mm, database
 * DATETIME text) in Europe/London, and the iCalendar writer fed the same
 * bytes. Whatever is accepted must format back to something that parses to
 * the same value; dates and times are canonical; .ics lines stay CRLF and at
 * most 75 octets.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "apptime.h"
#include "icsfmt.h"

int	LLVMFuzzerInitialize(int *, char ***);
int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (at_zone_set("Europe/London") != 0)
		abort();
	return 0;
}

static void
lines_ok(const char *s)
{
	const char	*e;

	while (*s != '\0') {
		if ((e = strstr(s, "\r\n")) == NULL || e - s > 75 ||
		    memchr(s, '\n', (size_t)(e - s)) != NULL)
			abort();
		s = e + 2;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char			*s, b[AT_LOCAL_LEN], d[AT_DATE_LEN], hm[6], *ics;
	int64_t			 t, t2, day;
	int			 m, m2;
	size_t			 len;
	struct ics_event	 ev;

	if (size > 4096 || (s = malloc(size + 1)) == NULL)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (at_parse_instant(s, false, &t) == 0) {
		if (at_parse_instant(at_fmt_utc(t, b), false, &t2) != 0 || t2 != t)
			abort();
		if (at_parse_instant(at_fmt_local(t, b), false, &t2) != 0 || t2 != t)
			abort();
	}
	if (at_parse_instant(s, true, &t) == 0) {
		/* a local time lands within the day's offsets of its wall-clock reading */
		if (at_parse_instant(at_fmt_utc(t, b), false, &t2) != 0 || t2 != t)
			abort();
	}
	if (at_parse_date(s, &day) == 0 && strcmp(at_fmt_date(day, d), s) != 0)
		abort();
	if (at_parse_hhmm(s, true, &m) == 0) {
		if (m < 0 || m > 1440 || at_parse_hhmm(at_fmt_hhmm(m, hm), true, &m2) != 0 || m2 != m)
			abort();
	}
	if (at_parse_sql(s, &t) == 0 &&
	    (at_parse_sql(at_fmt_sql(t, b), &t2) != 0 || t2 != t))
		abort();
	memset(&ev, 0, sizeof(ev));
	ev.uid = "appointment-1@clinic.example";
	ev.summary = s;
	ev.description = s;
	ev.start = 1800000000;
	ev.end = 1800001800;
	if ((ics = ics_calendar(&ev, &len)) != NULL) {
		if (strlen(ics) != len)
			abort();
		lines_ok(ics);
		free(ics);
	}
	free(s);
	return 0;
}
