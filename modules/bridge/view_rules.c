/*
 * The rules the clinic applies partners' messages by (pure: no database,
 * no request): the forward-only order of statuses, the members each message
 * must carry, and the pipeline's time limits including working days.
 */
#include <stdint.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "pool.h"
#include "view.h"

static const struct {
	const char	*status;
	int		 rank;
	const char	*label;
} stages[] = {
	{ "draft", 0, "Being prepared by the clinician" },
	{ "signed", 1, "Signed, on its way to the pharmacy" },
	{ "sent", 2, "At the pharmacy, waiting to be checked" },
	{ "out_of_stock", 3, "Waiting for stock at the pharmacy" },
	{ "awaiting_paper", 4, "Waiting for the paper original at the pharmacy" },
	{ "accepted", 5, "Accepted by the pharmacy, being prepared" },
	{ "dispensed", 6, "Dispensed by the pharmacy" },
	{ "shipped", 7, "On its way with the courier" },
	{ "delivered", 8, "Delivered" },
	{ "rejected", 0, "Not accepted by the pharmacy" },
	{ "cancelled", 0, "Cancelled" },
	{ "expired", 0, "Expired" },
};

int
bridge_rank(const char *status)
{
	size_t	i;

	for (i = 0; status != NULL && i < sizeof(stages) / sizeof(stages[0]); i++)
		if (strcmp(stages[i].status, status) == 0)
			return stages[i].rank;
	return -1;
}

const char *
bridge_stage_label(const char *status)
{
	size_t	i;

	for (i = 0; status != NULL && i < sizeof(stages) / sizeof(stages[0]); i++)
		if (strcmp(stages[i].status, status) == 0)
			return stages[i].label;
	return "Unknown";
}

bool
bridge_final(const char *status)
{
	return status != NULL && (strcmp(status, "rejected") == 0 ||
	    strcmp(status, "cancelled") == 0 || strcmp(status, "expired") == 0 ||
	    strcmp(status, "delivered") == 0);
}

bool
bridge_forward(const char *cur, const char *next)
{
	int	rc = bridge_rank(cur), rn = bridge_rank(next);

	if (rc < 1 || rn < 0 || bridge_final(cur))
		return false;
	if (strcmp(next, "rejected") == 0 || strcmp(next, "cancelled") == 0)
		return rc <= 5;
	if (rn == 0)
		return false;
	return rn > rc;
}

static const struct {
	const char	*type;
	const char	*status;	/* what it sets; NULL: none */
} types[] = {
	{ "prescription.received", NULL },
	{ "prescription.accepted", "accepted" },
	{ "prescription.awaiting_paper", "awaiting_paper" },
	{ "prescription.rejected", "rejected" },
	{ "prescription.out_of_stock", "out_of_stock" },
	{ "prescription.dispensed", "dispensed" },
	{ "prescription.shipped", "shipped" },
	{ "prescription.tracking", NULL },
	{ "prescription.delivered", "delivered" },
	{ "prescription.cancelled", "cancelled" },
	{ "prescription.cancel_refused", NULL },
	{ "stock.changed", NULL },
	{ "stock.snapshot", NULL },
};

bool
bridge_type_known(const char *type)
{
	size_t	i;

	for (i = 0; type != NULL && i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(types[i].type, type) == 0)
			return true;
	return false;
}

const char *
bridge_type_status(const char *type)
{
	size_t	i;

	for (i = 0; type != NULL && i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(types[i].type, type) == 0)
			return types[i].status;
	return NULL;
}

/* ---- message members ---- */

static struct json_object *
member(struct json_object *o, const char *k)
{
	struct json_object	*v;

	return json_object_object_get_ex(o, k, &v) ? v : NULL;
}

static bool
is_str(struct json_object *o, const char *k, size_t max)
{
	struct json_object	*v = member(o, k);
	size_t			 n;

	if (v == NULL || !json_object_is_type(v, json_type_string))
		return false;
	n = (size_t)json_object_get_string_len(v);
	return n >= 1 && n <= max;
}

/* A string of at most max bytes, or null (or absent when absent_ok). */
static bool
is_str_or_null(struct json_object *o, const char *k, size_t max, bool absent_ok)
{
	struct json_object	*v;

	if (!json_object_object_get_ex(o, k, &v))
		return absent_ok;
	return v == NULL || is_str(o, k, max);
}

/*
 * An absolute http:// or https:// address (scheme in any case) of at most
 * max bytes with a host after the scheme, printable ASCII only, or null, or
 * absent: what a patient's page may link to.
 */
static bool
is_web_url_or_null(struct json_object *o, const char *k, size_t max)
{
	struct json_object	*v;
	const char		*s, *h;
	size_t			 i;

	if (!json_object_object_get_ex(o, k, &v) || v == NULL)
		return true;
	if (!is_str(o, k, max))
		return false;
	s = json_object_get_string(v);
	if (strncasecmp(s, "https://", 8) == 0)
		h = s + 8;
	else if (strncasecmp(s, "http://", 7) == 0)
		h = s + 7;
	else
		return false;
	if (*h == '\0' || *h == '/' || *h == '?' || *h == '#')
		return false;
	for (i = 0; s[i] != '\0'; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f)
			return false;
	return true;
}

/* Absent, null or one of the (NULL-terminated) words. */
static bool
is_word_or_null(struct json_object *o, const char *k, const char *const *words)
{
	struct json_object	*v;
	size_t			 i;

	if (!json_object_object_get_ex(o, k, &v) || v == NULL)
		return true;
	if (!json_object_is_type(v, json_type_string))
		return false;
	for (i = 0; words[i] != NULL; i++)
		if (strcmp(json_object_get_string(v), words[i]) == 0)
			return true;
	return false;
}

static bool
is_int(struct json_object *o, const char *k, int64_t min)
{
	struct json_object	*v = member(o, k);

	return v != NULL && json_object_is_type(v, json_type_int) &&
	    json_object_get_int64(v) >= min && json_object_get_int64(v) < INT64_MAX;
}

/* n decimal digits of s as a number, or -1. */
static int
digits(const char *s, size_t n)
{
	int	v = 0;
	size_t	i;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* The first 10 bytes of s are a real calendar date YYYY-MM-DD, years 1000..9999. */
static bool
day_ok(const char *s)
{
	static const int	mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int			y, m, d, max;

	if (strnlen(s, 10) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	y = digits(s, 4);
	m = digits(s + 5, 2);
	d = digits(s + 8, 2);
	if (y < 1000 || m < 1 || m > 12 || d < 1)
		return false;
	max = mdays[m - 1];
	if (m == 2 && y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))
		max = 29;
	return d <= max;
}

/* Exactly YYYY-MM-DD, a real date. */
static bool
date_ok(const char *s)
{
	return s != NULL && strlen(s) == 10 && day_ok(s);
}

bool
bridge_time_ok(const char *s)
{
	size_t	n, i;

	if (s == NULL || (n = strlen(s)) < 19 || n > 28 || !day_ok(s) || s[10] != 'T' ||
	    s[13] != ':' || s[16] != ':')
		return false;
	if (digits(s + 11, 2) < 0 || digits(s + 11, 2) > 23 || digits(s + 14, 2) < 0 ||
	    digits(s + 14, 2) > 59 || digits(s + 17, 2) < 0 || digits(s + 17, 2) > 59)
		return false;
	i = 19;
	if (i < n && s[i] == '.') {
		if (++i == n || s[i] < '0' || s[i] > '9')
			return false;
		for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			if (i > 25)	/* at most 6 digits: 20..25 */
				return false;
	}
	if (i < n && s[i] == 'Z')
		i++;
	return i == n;
}

static bool
is_date_or_null(struct json_object *o, const char *k)
{
	struct json_object	*v;

	if (!json_object_object_get_ex(o, k, &v) || v == NULL)
		return true;
	return json_object_is_type(v, json_type_string) && date_ok(json_object_get_string(v));
}

static bool
is_unit(struct json_object *o, const char *k)
{
	struct json_object	*v = member(o, k);
	const char		*s;

	if (v == NULL || !json_object_is_type(v, json_type_string))
		return false;
	s = json_object_get_string(v);
	return strcmp(s, "mg") == 0 || strcmp(s, "ul") == 0 || strcmp(s, "each") == 0;
}

static struct json_object *
array(struct json_object *o, const char *k)
{
	struct json_object	*v = member(o, k);

	return v != NULL && json_object_is_type(v, json_type_array) ? v : NULL;
}

static const char *
item_field(struct pool *p, const char *arr, size_t i, const char *k)
{
	const char	*s = pool_printf(p, "%s[%zu].%s", arr, i, k);

	return s != NULL ? s : arr;
}

static const char *
check_stock(struct pool *p, struct json_object *d)
{
	struct json_object	*a, *e;
	size_t			 i;

	if (!is_str(d, "as_of", 40) || !bridge_time_ok(json_object_get_string(member(d, "as_of"))))
		return "as_of";
	if ((a = array(d, "items")) == NULL)
		return "items";
	for (i = 0; i < json_object_array_length(a); i++) {
		e = json_object_array_get_idx(a, i);
		if (e == NULL || !json_object_is_type(e, json_type_object))
			return item_field(p, "items", i, "product_id");
		if (!is_int(e, "product_id", 1))
			return item_field(p, "items", i, "product_id");
		if (!is_int(e, "available", 0))
			return item_field(p, "items", i, "available");
		if (!is_unit(e, "unit"))
			return item_field(p, "items", i, "unit");
		if (!is_date_or_null(e, "expected_date"))
			return item_field(p, "items", i, "expected_date");
	}
	return NULL;
}

static const char *const refused_statuses[] = { "dispensed", "shipped", "delivered", NULL };
static const char *const methods[] = { "collection", "courier", NULL };

const char *
bridge_check_data(struct pool *p, const char *type, struct json_object *d)
{
	struct json_object	*a, *e;
	size_t			 i;

	if (!bridge_type_known(type))
		return NULL;
	if (d == NULL || !json_object_is_type(d, json_type_object))
		return "data";
	if (strncmp(type, "stock.", 6) == 0)
		return check_stock(p, d);
	if (!is_int(d, "prescription_id", 1))
		return "prescription_id";
	if (strcmp(type, "prescription.tracking") == 0) {
		if (!is_str(d, "status", 64))
			return "status";
		if (!is_str_or_null(d, "description", 500, true))
			return "description";
		if (!is_str_or_null(d, "location", 200, true))
			return "location";
		if (!is_str(d, "at", 40))
			return "at";
		return NULL;
	}
	if (!is_str_or_null(d, "pharmacy_ref", 64, true))
		return "pharmacy_ref";
	if (strcmp(type, "prescription.received") == 0 && !is_str(d, "pharmacy_ref", 64))
		return "pharmacy_ref";
	if (strcmp(type, "prescription.rejected") == 0) {
		if ((a = array(d, "reasons")) == NULL || json_object_array_length(a) == 0)
			return "reasons";
		for (i = 0; i < json_object_array_length(a); i++) {
			e = json_object_array_get_idx(a, i);
			if (e == NULL || !json_object_is_type(e, json_type_object) ||
			    !is_str(e, "code", 64))
				return item_field(p, "reasons", i, "code");
			if (!is_str(e, "message", 1000))
				return item_field(p, "reasons", i, "message");
		}
	} else if (strcmp(type, "prescription.out_of_stock") == 0) {
		if ((a = array(d, "missing")) == NULL)
			return "missing";
		for (i = 0; i < json_object_array_length(a); i++) {
			e = json_object_array_get_idx(a, i);
			if (e == NULL || !json_object_is_type(e, json_type_object) ||
			    !is_int(e, "product_id", 1))
				return item_field(p, "missing", i, "product_id");
			if (!is_int(e, "needed", 0))
				return item_field(p, "missing", i, "needed");
			if (!is_int(e, "available", 0))
				return item_field(p, "missing", i, "available");
			if (!is_unit(e, "unit"))
				return item_field(p, "missing", i, "unit");
		}
		if (!is_date_or_null(d, "expected_date"))
			return "expected_date";
	} else if (strcmp(type, "prescription.dispensed") == 0) {
		e = member(d, "method");
		if (e == NULL || !json_object_is_type(e, json_type_string) ||
		    (strcmp(json_object_get_string(e), "collection") != 0 &&
		    strcmp(json_object_get_string(e), "courier") != 0))
			return "method";
	} else if (strcmp(type, "prescription.shipped") == 0) {
		if (!is_str(d, "tracking_number", 64))
			return "tracking_number";
		if (!is_web_url_or_null(d, "tracking_url", 500))
			return "tracking_url";
		if (!is_str_or_null(d, "courier", 100, true))
			return "courier";
	} else if (strcmp(type, "prescription.cancel_refused") == 0) {
		if (!is_str_or_null(d, "reason", 1000, true))
			return "reason";
		/* where the pharmacy's prescription is (bridge_apply restores it) */
		if (!is_word_or_null(d, "status", refused_statuses))
			return "status";
		if (!is_word_or_null(d, "method", methods))
			return "method";
		if (!is_str_or_null(d, "tracking_number", 64, true))
			return "tracking_number";
		if (!is_web_url_or_null(d, "tracking_url", 500))
			return "tracking_url";
	}
	return NULL;
}

/* ---- time limits ---- */

#define DAY_S	86400

/* Monday..Friday seconds in whole days [0, days) counted from day 0 (1970-01-01, a Thursday). */
static int64_t
weekday_seconds_before(int64_t day)
{
	int64_t	weeks, rest, n = 0, d;

	/* shift so that week boundaries start on a Monday: day 4 is 1970-01-05, a Monday */
	d = day + 3;	/* days since Monday 1969-12-29 */
	weeks = d / 7;
	rest = d % 7;
	n = weeks * 5 + (rest < 5 ? rest : 5);
	/* minus the Monday..Wednesday before day 0 (29, 30, 31 December 1969) */
	return (n - 3) * DAY_S;
}

/* Monday..Friday seconds in [0, t) for t >= 0. */
static int64_t
weekday_seconds(int64_t t)
{
	int64_t	day = t / DAY_S, into = t % DAY_S, wd;

	wd = (day + 3) % 7;	/* 0 Monday .. 6 Sunday */
	return weekday_seconds_before(day) + (wd < 5 ? into : 0);
}

int64_t
bridge_working_minutes(int64_t from, int64_t to)
{
	if (from < 0)
		from = 0;
	if (to <= from)
		return 0;
	return (weekday_seconds(to) - weekday_seconds(from)) / 60;
}

int64_t
bridge_limit_minutes(int64_t amount, const char *unit)
{
	int64_t	per;

	if (unit == NULL || amount < 0)
		return -1;
	if (strcmp(unit, "minutes") == 0)
		per = 1;
	else if (strcmp(unit, "hours") == 0)
		per = 60;
	else if (strcmp(unit, "days") == 0)
		per = 1440;
	else
		return -1;
	if (amount > INT64_MAX / per)
		return INT64_MAX;
	return amount * per;
}

bool
bridge_over_limit(int64_t since, int64_t now, int64_t amount, const char *unit)
{
	int64_t	lim;

	if (now <= since)
		return false;
	if (unit != NULL && strcmp(unit, "working_days") == 0) {
		if (amount > INT64_MAX / 1440)
			return false;
		return bridge_working_minutes(since, now) > amount * 1440;
	}
	if ((lim = bridge_limit_minutes(amount, unit)) < 0)
		return false;
	/* now > since: the difference fits in 64 unsigned bits whatever their signs */
	return ((uint64_t)now - (uint64_t)since) / 60 > (uint64_t)lim;
}

const char *
bridge_date_words(struct pool *p, const char *ymd)
{
	static const char *const months[] = { "January", "February", "March", "April", "May",
		"June", "July", "August", "September", "October", "November", "December" };
	int	m, d;

	if (ymd == NULL || !date_ok(ymd))
		return ymd;
	m = (ymd[5] - '0') * 10 + (ymd[6] - '0');
	d = (ymd[8] - '0') * 10 + (ymd[9] - '0');
	if (m < 1 || m > 12 || d < 1 || d > 31)
		return ymd;
	return pool_printf(p, "%d %s %.4s", d, months[m - 1], ymd);
}
