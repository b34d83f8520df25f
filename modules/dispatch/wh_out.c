/*
 * The pure parts of sending a Standard Webhooks message (dispatch.h):
 * building its three headers, reading a partner's Retry-After, and whether
 * this host sends pharmacy messages at all. No network, no database:
 * unit-tested in tests/unit/test_bridge.c.
 */
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "dispatch.h"
#include "webhook.h"

enum cerr
webhook_headers(const char *secret_text, const char *msg_id, int64_t now, const void *body,
    size_t len, struct webhook_headers *h)
{
	unsigned char	secret[WEBHOOK_SECRET_MAX];
	char		sig[WEBHOOK_SIG_LEN];
	size_t		slen = 0;
	enum cerr	rc;
	int		n;

	memset(h, 0, sizeof(*h));
	if (secret_text == NULL || msg_id == NULL)
		return CE_INVALID;
	if (webhook_secret_decode(secret_text, secret, &slen) != CE_OK)
		return CE_INVALID;
	rc = webhook_sign(secret, slen, msg_id, now, body, len, sig);
	OPENSSL_cleanse(secret, sizeof(secret));
	if (rc != CE_OK)
		return rc;
	n = snprintf(h->id, sizeof(h->id), "webhook-id: %s", msg_id);
	if (n < 0 || (size_t)n >= sizeof(h->id))
		return CE_INVALID;
	n = snprintf(h->timestamp, sizeof(h->timestamp), "webhook-timestamp: %" PRId64, now);
	if (n < 0 || (size_t)n >= sizeof(h->timestamp))
		return CE_INVALID;
	n = snprintf(h->signature, sizeof(h->signature), "webhook-signature: %s", sig);
	if (n < 0 || (size_t)n >= sizeof(h->signature))
		return CE_INVALID;
	return CE_OK;
}

/* Days from 1970-01-01 to y-m-d of the proleptic Gregorian calendar. */
static int64_t
days_from_civil(int64_t y, int64_t m, int64_t d)
{
	int64_t	era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* n decimal digits at s into *v; false unless all n are digits. */
static bool
digits(const char *s, size_t n, int64_t *v)
{
	size_t	i;

	*v = 0;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		*v = *v * 10 + (s[i] - '0');
	}
	return true;
}

/* The month of a three-letter English abbreviation (1..12), or 0. */
static int
month_of(const char *s)
{
	static const char	months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	int			i;

	for (i = 0; i < 12; i++)
		if (strncmp(s, months + 3 * i, 3) == 0)
			return i + 1;
	return 0;
}

/* "hh:mm:ss" at s into seconds of the day; false if malformed. */
static bool
clock_of(const char *s, int64_t *secs)
{
	int64_t	h, m, sec;

	if (!digits(s, 2, &h) || s[2] != ':' || !digits(s + 3, 2, &m) || s[5] != ':' ||
	    !digits(s + 6, 2, &sec) || h > 23 || m > 59 || sec > 60)
		return false;
	*secs = h * 3600 + m * 60 + (sec == 60 ? 59 : sec);
	return true;
}

static bool
date_ok(int64_t y, int64_t m, int64_t d)
{
	static const int	mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return false;
	if (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return false;
	return true;
}

/*
 * An HTTP-date (RFC 9110 5.6.7) as Unix seconds: the IMF-fixdate
 * "Sun, 06 Nov 1994 08:49:37 GMT" and the two obsolete forms a recipient must
 * also accept, "Sunday, 06-Nov-94 08:49:37 GMT" and "Sun Nov  6 08:49:37 1994".
 * The weekday name is not checked against the date. false if malformed.
 */
static bool
http_date(const char *s, size_t n, int64_t *out)
{
	const char	*c, *p;
	int64_t		 y, mo, d, secs;

	if (n == 29 && s[3] == ',' && s[4] == ' ' && s[7] == ' ' && s[11] == ' ' &&
	    s[16] == ' ' && strncmp(s + 25, " GMT", 4) == 0) {
		if (!digits(s + 5, 2, &d) || (mo = month_of(s + 8)) == 0 ||
		    !digits(s + 12, 4, &y) || !clock_of(s + 17, &secs))
			return false;
	} else if (n == 24 && s[3] == ' ' && s[7] == ' ' && s[10] == ' ' && s[19] == ' ') {
		if ((mo = month_of(s + 4)) == 0 || !clock_of(s + 11, &secs) ||
		    !digits(s + 20, 4, &y))
			return false;
		if (s[8] == ' ') {
			if (!digits(s + 9, 1, &d))
				return false;
		} else if (!digits(s + 8, 2, &d))
			return false;
	} else if ((c = memchr(s, ',', n)) != NULL && c - s >= 6 && c - s <= 9 &&
	    (size_t)(c - s) + 24 == n) {
		p = c + 1;
		if (p[0] != ' ' || p[3] != '-' || p[7] != '-' || p[10] != ' ' || p[19] != ' ' ||
		    strncmp(p + 19, " GMT", 4) != 0 || !digits(p + 1, 2, &d) ||
		    (mo = month_of(p + 4)) == 0 || !digits(p + 8, 2, &y) || !clock_of(p + 11, &secs))
			return false;
		/* Two-digit years: RFC 9110 says more than 50 years ahead is the past century. */
		y += y < 70 ? 2000 : 1900;
	} else
		return false;
	if (!date_ok(y, mo, d))
		return false;
	*out = days_from_civil(y, mo, d) * 86400 + secs;
	return true;
}

long long
retry_after_ms(const char *value, int64_t now)
{
	size_t		n, i;
	int64_t		when;
	long long	secs = 0;

	if (value == NULL)
		return -1;
	while (*value == ' ' || *value == '\t')
		value++;
	n = strlen(value);
	while (n > 0 && (value[n - 1] == ' ' || value[n - 1] == '\t'))
		n--;
	if (n == 0)
		return -1;
	if (strspn(value, "0123456789") >= n) {
		/* delta-seconds: any run of digits; a huge one is the cap. */
		for (i = 0; i < n; i++) {
			secs = secs * 10 + (value[i] - '0');
			if (secs > RETRY_AFTER_MAX_MS / 1000)
				return RETRY_AFTER_MAX_MS;
		}
		return secs * 1000;
	}
	if (!http_date(value, n, &when))
		return -1;
	if (when <= now)
		return 0;
	if (when - now > RETRY_AFTER_MAX_MS / 1000)
		return RETRY_AFTER_MAX_MS;
	return (long long)(when - now) * 1000;
}

long long
retry_wait_ms(long long backoff_ms, long long retry_after)
{
	if (retry_after > RETRY_AFTER_MAX_MS)
		retry_after = RETRY_AFTER_MAX_MS;
	return retry_after > backoff_ms ? retry_after : backoff_ms;
}

bool
pharmacy_side_configured(const char *events_url, const char *secret_out)
{
	return events_url != NULL && *events_url != '\0' && secret_out != NULL &&
	    *secret_out != '\0';
}
