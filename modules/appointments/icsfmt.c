/* iCalendar text: see icsfmt.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apptime.h"
#include "icsfmt.h"

static int
put(char **buf, size_t *len, const char *s, size_t n)
{
	char	*nb;

	if ((nb = realloc(*buf, *len + n + 1)) == NULL)
		return -1;
	memcpy(nb + *len, s, n);
	*len += n;
	nb[*len] = '\0';
	*buf = nb;
	return 0;
}

int
ics_line(char **buf, size_t *len, const char *line)
{
	size_t	n = strlen(line), i = 0, room = 75, take;

	while (n - i > room) {
		take = room;
		/* Never split a UTF-8 sequence: back up over continuation bytes. */
		while (take > 0 && ((unsigned char)line[i + take] & 0xC0) == 0x80)
			take--;
		if (take == 0)
			take = room;
		if (put(buf, len, line + i, take) != 0 || put(buf, len, "\r\n ", 3) != 0)
			return -1;
		i += take;
		room = 74;		/* the leading space counts */
	}
	if (put(buf, len, line + i, n - i) != 0 || put(buf, len, "\r\n", 2) != 0)
		return -1;
	return 0;
}

char *
ics_escape(const char *s)
{
	char	*o, *p;

	if ((o = malloc(strlen(s) * 2 + 1)) == NULL)
		return NULL;
	for (p = o; *s != '\0'; s++) {
		switch (*s) {
		case '\\': case ';': case ',':
			*p++ = '\\';
			*p++ = *s;
			break;
		case '\n':
			*p++ = '\\';
			*p++ = 'n';
			break;
		default:
			if ((unsigned char)*s >= 0x20 && *s != 0x7f)
				*p++ = *s;
			break;
		}
	}
	*p = '\0';
	return o;
}

static void
stamp(int64_t t, char out[17])
{
	char	u[AT_UTC_LEN];

	/* "2026-03-29T08:00:00Z" -> "20260329T080000Z" */
	(void)at_fmt_utc(t, u);
	(void)snprintf(out, 17, "%.4s%.2s%.2sT%.2s%.2s%.2sZ", u, u + 5, u + 8, u + 11, u + 14, u + 17);
}

/* Appends "NAME:value" (value escaped when text). */
static int
prop(char **buf, size_t *len, const char *name, const char *value, int text)
{
	char	*esc = text ? ics_escape(value) : NULL, *line;
	size_t	 n;
	int	 rc;

	if (text && esc == NULL)
		return -1;
	n = strlen(name) + 1 + strlen(text ? esc : value) + 1;
	if ((line = malloc(n)) == NULL) {
		free(esc);
		return -1;
	}
	(void)snprintf(line, n, "%s:%s", name, text ? esc : value);
	rc = ics_line(buf, len, line);
	free(line);
	free(esc);
	return rc;
}

char *
ics_calendar(const struct ics_event *ev, size_t *len)
{
	char	*buf = NULL, t[17], seq[24];
	int	 bad = 0;

	*len = 0;
	(void)snprintf(seq, sizeof(seq), "%ld", ev->sequence);
	bad |= ics_line(&buf, len, "BEGIN:VCALENDAR");
	bad |= ics_line(&buf, len, "VERSION:2.0");
	bad |= ics_line(&buf, len, "PRODID:-//clinic//appointments//EN");
	bad |= ics_line(&buf, len, "CALSCALE:GREGORIAN");
	/*
	 * A downloaded file, not an iTIP message: METHOD:CANCEL would ask the
	 * calendar to treat it as a scheduling message from an organizer. A
	 * cancellation is STATUS:CANCELLED with the higher SEQUENCE.
	 */
	bad |= ics_line(&buf, len, "METHOD:PUBLISH");
	bad |= ics_line(&buf, len, "BEGIN:VEVENT");
	bad |= prop(&buf, len, "UID", ev->uid, 0);
	stamp(ev->dtstamp, t);
	bad |= prop(&buf, len, "DTSTAMP", t, 0);
	stamp(ev->start, t);
	bad |= prop(&buf, len, "DTSTART", t, 0);
	stamp(ev->end, t);
	bad |= prop(&buf, len, "DTEND", t, 0);
	bad |= prop(&buf, len, "SEQUENCE", seq, 0);
	bad |= prop(&buf, len, "STATUS", ev->cancelled ? "CANCELLED" : "CONFIRMED", 0);
	bad |= prop(&buf, len, "SUMMARY", ev->summary, 1);
	if (ev->description != NULL)
		bad |= prop(&buf, len, "DESCRIPTION", ev->description, 1);
	if (ev->url != NULL)
		bad |= prop(&buf, len, "URL", ev->url, 0);
	bad |= ics_line(&buf, len, "TRANSP:OPAQUE");
	bad |= ics_line(&buf, len, "END:VEVENT");
	bad |= ics_line(&buf, len, "END:VCALENDAR");
	if (bad != 0) {
		free(buf);
		*len = 0;
		return NULL;
	}
	return buf;
}
