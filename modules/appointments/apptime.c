/* Time for appointments: see apptime.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "apptime.h"

#define DAY	86400

int64_t
at_days_from_civil(int y, int m, int d)
{
	/* Howard Hinnant's days_from_civil, written out for int64. */
	int64_t	 yy = (int64_t)y - (m <= 2);
	int64_t	 era = (yy >= 0 ? yy : yy - 399) / 400;
	int64_t	 yoe = yy - era * 400;
	int64_t	 doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	int64_t	 doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + doe - 719468;
}

void
at_civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t	 era, doe, yoe, doy, mp, yy;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	yy = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)(yy + (*m <= 2));
}

int
at_weekday(int64_t days)
{
	/* 1970-01-01 was a Thursday (4). */
	int64_t	 w = (days + 3) % 7;

	if (w < 0)
		w += 7;
	return (int)w + 1;
}

int
at_zone_set(const char *name)
{
	char		 path[300];
	const char	*p;

	if (name == NULL || *name == '\0' || *name == '/' || strlen(name) > 200)
		return -1;
	for (p = name; *p != '\0'; p++)
		if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
		    (*p >= '0' && *p <= '9') || *p == '/' || *p == '_' || *p == '-' || *p == '+'))
			return -1;
	if (strstr(name, "..") != NULL)
		return -1;
	(void)snprintf(path, sizeof(path), "/usr/share/zoneinfo/%s", name);
	if (access(path, R_OK) != 0)
		return -1;
	if (setenv("TZ", name, 1) != 0)
		return -1;
	tzset();
	return 0;
}

long
at_offset(int64_t t)
{
	time_t		 tt = (time_t)t;
	struct tm	 tm;

	if (localtime_r(&tt, &tm) == NULL)
		return 0;
	return tm.tm_gmtoff;
}

void
at_local_day(int64_t t, int64_t *days, int *minute)
{
	int64_t	 local = t + at_offset(t), d;

	d = local >= 0 ? local / DAY : -((-local + DAY - 1) / DAY);
	*days = d;
	*minute = (int)((local - d * DAY) / 60);
}

int64_t
at_local_to_utc(int64_t days, int minute)
{
	int64_t	 naive = days * DAY + (int64_t)minute * 60;
	long	 oa = at_offset(naive - DAY), ob = at_offset(naive + DAY);
	int64_t	 ua = naive - oa, ub = naive - ob;
	bool	 va = at_offset(ua) == oa, vb = at_offset(ub) == ob;

	if (va && vb)
		return ua < ub ? ua : ub;	/* repeated: the first occurrence */
	if (va)
		return ua;
	if (vb)
		return ub;
	return naive - oa;			/* skipped: forward by the gap */
}

static void
split(int64_t t, int *y, int *mo, int *d, int *h, int *mi, int *s)
{
	int64_t	 days = t >= 0 ? t / DAY : -((-t + DAY - 1) / DAY);
	int64_t	 rem = t - days * DAY;

	at_civil_from_days(days, y, mo, d);
	*h = (int)(rem / 3600);
	*mi = (int)(rem / 60 % 60);
	*s = (int)(rem % 60);
}

/* Copies the formatted tmp into buf of cap bytes (always terminated). */
static char *
copy_out(char *buf, size_t cap, const char *tmp)
{
	size_t	n = strlen(tmp);

	if (n >= cap)
		n = cap - 1;
	memcpy(buf, tmp, n);
	buf[n] = '\0';
	return buf;
}

char *
at_fmt_utc(int64_t t, char buf[AT_UTC_LEN])
{
	int	y, mo, d, h, mi, s;

	char	tmp[64];

	split(t, &y, &mo, &d, &h, &mi, &s);
	(void)snprintf(tmp, sizeof(tmp), "%04d-%02d-%02dT%02d:%02d:%02dZ",
	    y % 10000, mo, d, h, mi, s);
	return copy_out(buf, AT_UTC_LEN, tmp);
}

char *
at_fmt_sql(int64_t t, char buf[AT_SQL_LEN])
{
	int	y, mo, d, h, mi, s;

	char	tmp[64];

	split(t, &y, &mo, &d, &h, &mi, &s);
	(void)snprintf(tmp, sizeof(tmp), "%04d-%02d-%02d %02d:%02d:%02d",
	    y % 10000, mo, d, h, mi, s);
	return copy_out(buf, AT_SQL_LEN, tmp);
}

char *
at_fmt_local(int64_t t, char buf[AT_LOCAL_LEN])
{
	long	off = at_offset(t), a = off < 0 ? -off : off;
	int	y, mo, d, h, mi, s;

	char	tmp[64];

	split(t + off, &y, &mo, &d, &h, &mi, &s);
	(void)snprintf(tmp, sizeof(tmp), "%04d-%02d-%02dT%02d:%02d:%02d%c%02ld:%02ld",
	    y % 10000, mo, d, h, mi, s, off < 0 ? '-' : '+', (a / 3600) % 100, a / 60 % 60);
	return copy_out(buf, AT_LOCAL_LEN, tmp);
}

char *
at_fmt_date(int64_t days, char buf[AT_DATE_LEN])
{
	int	y, m, d;

	char	tmp[32];

	at_civil_from_days(days, &y, &m, &d);
	(void)snprintf(tmp, sizeof(tmp), "%04d-%02d-%02d", y % 10000, m, d);
	return copy_out(buf, AT_DATE_LEN, tmp);
}

char *
at_fmt_hhmm(int minute, char buf[6])
{
	char	tmp[32];

	if (minute < 0 || minute > 1440)
		minute = 0;
	(void)snprintf(tmp, sizeof(tmp), "%02d:%02d", minute / 60, minute % 60);
	return copy_out(buf, 6, tmp);
}

/* n digits at s as a number, or -1. */
static int
digits(const char *s, int n)
{
	int	v = 0, i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

static int
month_days(int y, int m)
{
	static const int	 len[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return len[m - 1];
}

/* "YYYY-MM-DD" at s (exactly 10 characters read). */
static int
date10(const char *s, int64_t *days)
{
	int	y, m, d;

	if (s[4] != '-' || s[7] != '-')
		return -1;
	y = digits(s, 4);
	m = digits(s + 5, 2);
	d = digits(s + 8, 2);
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > month_days(y, m))
		return -1;
	*days = at_days_from_civil(y, m, d);
	return 0;
}

int
at_parse_date(const char *s, int64_t *days)
{
	if (s == NULL || strlen(s) != 10)
		return -1;
	return date10(s, days);
}

int
at_parse_hhmm(const char *s, bool allow_24, int *minute)
{
	size_t	len;
	int	h, m;

	if (s == NULL || ((len = strlen(s)) != 5 && len != 8) || s[2] != ':')
		return -1;
	if (len == 8 && (s[5] != ':' || digits(s + 6, 2) != 0))
		return -1;
	h = digits(s, 2);
	m = digits(s + 3, 2);
	if (h < 0 || m < 0 || m > 59)
		return -1;
	if (h == 24 && m == 0 && allow_24) {
		*minute = 1440;
		return 0;
	}
	if (h > 23)
		return -1;
	*minute = h * 60 + m;
	return 0;
}

int64_t
at_days_after(const char *from_text, int64_t from, int days)
{
	int64_t	d;

	if (from_text != NULL && at_parse_date(from_text, &d) == 0)
		return at_local_to_utc(d + days, 0);
	return from + (int64_t)days * 86400;
}

int
at_parse_instant(const char *s, bool local, int64_t *t)
{
	int64_t		 days, naive;
	size_t		 len;
	const char	*p;
	int		 h, mi, sec = 0, oh, om;

	if (s == NULL || (len = strlen(s)) < 16 || date10(s, &days) != 0 ||
	    (s[10] != 'T' && s[10] != 't') || s[13] != ':')
		return -1;
	h = digits(s + 11, 2);
	mi = digits(s + 14, 2);
	if (h < 0 || h > 23 || mi < 0 || mi > 59)
		return -1;
	p = s + 16;
	if (*p == ':') {
		if ((sec = digits(p + 1, 2)) < 0 || sec > 59)
			return -1;
		p += 3;
		if (*p == '.') {
			if (p[1] < '0' || p[1] > '9')
				return -1;
			for (p++; *p >= '0' && *p <= '9'; p++)
				if (p - s > 40)
					return -1;
		}
	} else if (!local)
		return -1;
	naive = days * DAY + h * 3600 + mi * 60 + sec;
	if (*p == '\0') {
		if (!local || strchr(s, '.') != NULL)
			return -1;
		*t = at_local_to_utc(days, h * 60 + mi) + sec;
		return 0;
	}
	if ((*p == 'Z' || *p == 'z') && p[1] == '\0') {
		*t = naive;
		return 0;
	}
	if ((*p != '+' && *p != '-') || strlen(p) != 6 || p[3] != ':' ||
	    (oh = digits(p + 1, 2)) < 0 || oh > 23 || (om = digits(p + 4, 2)) < 0 || om > 59)
		return -1;
	*t = naive - (*p == '+' ? 1 : -1) * (int64_t)(oh * 3600 + om * 60);
	return 0;
}

int
at_parse_sql(const char *s, int64_t *t)
{
	int64_t	 days;
	int	 h, mi, sec;
	size_t	 len;

	if (s == NULL || (len = strlen(s)) < 19 || date10(s, &days) != 0 || s[10] != ' ' ||
	    s[13] != ':' || s[16] != ':' || (len > 19 && s[19] != '.'))
		return -1;
	h = digits(s + 11, 2);
	mi = digits(s + 14, 2);
	sec = digits(s + 17, 2);
	if (h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 59)
		return -1;
	*t = days * DAY + h * 3600 + mi * 60 + sec;
	return 0;
}

struct vec {
	struct at_span	*v;
	size_t		 n, cap;
};

static int
push(struct vec *a, int64_t clinician, int64_t start, int64_t end)
{
	struct at_span	*nv;
	size_t		 ncap;

	if (a->n == a->cap) {
		ncap = a->cap == 0 ? 64 : a->cap * 2;
		if ((nv = realloc(a->v, ncap * sizeof(*nv))) == NULL)
			return -1;
		a->v = nv;
		a->cap = ncap;
	}
	a->v[a->n].clinician_id = clinician;
	a->v[a->n].start = start;
	a->v[a->n].end = end;
	a->n++;
	return 0;
}

static bool
hits(int64_t clinician, int64_t s, int64_t e, const struct at_span *x, size_t n)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (x[i].clinician_id == clinician && x[i].start < e && s < x[i].end)
			return true;
	return false;
}

/* Cuts the session [s, e) into slots, keeping the ones the rules allow. */
static int
cut(struct vec *a, int64_t clinician, int64_t s, int64_t e, const struct at_rules *ru,
    const struct at_span *leave, size_t nleave, const struct at_span *busy, size_t nbusy)
{
	int64_t	 len = (int64_t)ru->minutes * 60, t;

	for (t = s; t + len <= e; t += len) {
		if (t < ru->from || t >= ru->to || t < ru->earliest || t > ru->latest)
			continue;
		if (hits(clinician, t, t + len, leave, nleave) ||
		    hits(clinician, t, t + len, busy, nbusy))
			continue;
		if (push(a, clinician, t, t + len) != 0)
			return -1;
	}
	return 0;
}

static int
by_start(const void *x, const void *y)
{
	const struct at_span	*a = x, *b = y;

	if (a->start != b->start)
		return a->start < b->start ? -1 : 1;
	if (a->clinician_id != b->clinician_id)
		return a->clinician_id < b->clinician_id ? -1 : 1;
	return 0;
}

int
at_slots(const struct at_template *tpl, size_t ntpl, const struct at_span *leave, size_t nleave,
    const struct at_span *extra, size_t nextra, const struct at_span *busy, size_t nbusy,
    const struct at_rules *ru, struct at_span **out, size_t *n)
{
	struct vec	 a = { NULL, 0, 0 };
	int64_t		 d0, d1, d, s, e;
	size_t		 i, j, k;
	int		 m;

	*out = NULL;
	*n = 0;
	if (ru->minutes < 1)
		return -1;
	if (ru->to <= ru->from)
		return 0;
	at_local_day(ru->from, &d0, &m);
	at_local_day(ru->to - 1, &d1, &m);
	d0--;
	d1++;
	if (d1 - d0 > 800)		/* callers limit ranges far below this */
		d1 = d0 + 800;
	for (d = d0; d <= d1; d++) {
		for (i = 0; i < ntpl; i++) {
			const struct at_template *t = &tpl[i];

			if (t->weekday != at_weekday(d) || d < t->valid_from || d > t->valid_until ||
			    t->start_min < 0 || t->end_min > 1440 || t->start_min >= t->end_min)
				continue;
			s = at_local_to_utc(d, t->start_min);
			e = at_local_to_utc(d, t->end_min);
			if (cut(&a, t->clinician_id, s, e, ru, leave, nleave, busy, nbusy) != 0)
				goto oom;
		}
	}
	for (i = 0; i < nextra; i++)
		if (cut(&a, extra[i].clinician_id, extra[i].start, extra[i].end, ru, leave, nleave,
		    busy, nbusy) != 0)
			goto oom;
	if (a.n == 0) {
		free(a.v);
		return 0;
	}
	qsort(a.v, a.n, sizeof(*a.v), by_start);
	for (j = 1, k = 1; j < a.n; j++)
		if (by_start(&a.v[j], &a.v[k - 1]) != 0)
			a.v[k++] = a.v[j];
	*out = a.v;
	*n = k;
	return 0;
oom:
	free(a.v);
	return -1;
}
