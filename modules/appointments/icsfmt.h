#ifndef CLINIC_ICSFMT_H
#define CLINIC_ICSFMT_H
/*
 * iCalendar (RFC 5545) text for one appointment, pure: CRLF line endings,
 * content lines folded at 75 octets (never inside a UTF-8 sequence), TEXT
 * values escaped (backslash, semicolon, comma, newline).
 */
#include <stddef.h>
#include <stdint.h>

struct ics_event {
	const char	*uid;		/* "appointment-7@clinic.example" */
	int64_t		 dtstamp;	/* Unix seconds (UTC) */
	int64_t		 start;
	int64_t		 end;
	long		 sequence;
	int		 cancelled;	/* STATUS:CANCELLED, else CONFIRMED */
	const char	*summary;
	const char	*description;	/* may be NULL */
	const char	*url;		/* may be NULL; written as a URI, not escaped */
};

/*
 * A VCALENDAR holding one VEVENT. Returns a malloc'd NUL-terminated string
 * (caller frees; *len set to its length), or NULL on out-of-memory.
 */
char	*ics_calendar(const struct ics_event *, size_t *len);
/*
 * Escapes s as an RFC 5545 TEXT value into a malloc'd string (caller frees),
 * or NULL on out-of-memory. Control characters other than newline are dropped.
 */
char	*ics_escape(const char *s);
/*
 * Appends the content line `line` (no CRLF) to buf, folded at 75 octets
 * (continuation lines begin with one space), then CRLF. buf is a malloc'd
 * string grown as needed; *len its length. Returns 0, or -1 on out-of-memory.
 */
int	 ics_line(char **buf, size_t *len, const char *line);

#endif
