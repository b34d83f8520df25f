/*
 * The body of a plan create or update (docs/API.md#plans), checked field by
 * field. Pure: no database (whether each product exists and is active is
 * checked by plans.c afterwards), so it is unit-tested and fuzzed. Every
 * problem is collected, each naming its field ("items[0].dose").
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "pool.h"
#include "valid.h"
#include "rx.h"

#define MAX_ITEMS	50
#define MAX_LIMITS	6
#define MAX_AMOUNT	100000000000LL	/* 100 kg, 100 l or 10^11 units: beyond any plan */

struct errs {
	struct pool	*pool;
	struct verr	*v;
	size_t		 n, cap;
	bool		 oom;
};

static void
err(struct errs *e, const char *field, const char *detail)
{
	struct verr	*nv;

	if (e->oom || field == NULL) {
		e->oom = true;
		return;
	}
	if (e->n == e->cap) {
		if (e->cap >= 256)
			return;		/* enough to show anyone */
		if ((nv = pool_calloc(e->pool, e->cap == 0 ? 8 : e->cap * 2, sizeof(*nv))) == NULL) {
			e->oom = true;
			return;
		}
		if (e->n > 0)
			memcpy(nv, e->v, e->n * sizeof(*nv));
		e->v = nv;
		e->cap = e->cap == 0 ? 8 : e->cap * 2;
	}
	e->v[e->n++] = (struct verr){ field, detail };
}

/* The text's length in characters when it is acceptable text; -1 otherwise. */
static long
text_len(const char *s, size_t len, bool multiline)
{
	size_t	i, n;

	if (!valid_utf8(s, len, &n))
		return -1;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 &&
		    !(multiline && (s[i] == '\n' || s[i] == '\t' || s[i] == '\r')))
			return -1;
		else if (s[i] == 0x7f)
			return -1;
	return (long)n;
}

static bool
blank(const char *s)
{
	for (; *s != '\0'; s++)
		if (!isspace((unsigned char)*s))
			return false;
	return true;
}

/* A string member: NULL when missing or null (*bad false) or not a string (*bad true). */
static const char *
get_str(struct json_object *o, const char *name, size_t *len, bool *bad)
{
	struct json_object	*v;

	*bad = false;
	if (!json_object_object_get_ex(o, name, &v) || v == NULL)
		return NULL;
	if (!json_object_is_type(v, json_type_string)) {
		*bad = true;
		return NULL;
	}
	*len = (size_t)json_object_get_string_len(v);
	return json_object_get_string(v);
}

/* A text field with character limits; the value (or NULL) after errors are noted. */
static const char *
text_field(struct errs *e, struct json_object *o, const char *field, const char *name,
    bool required, long min, long max, bool multiline)
{
	const char	*s;
	size_t		 len = 0;
	long		 n;
	bool		 bad;

	if ((s = get_str(o, name, &len, &bad)) == NULL) {
		if (bad)
			err(e, field, "must be a string");
		else if (required)
			err(e, field, "is required");
		return NULL;
	}
	if ((n = text_len(s, len, multiline)) < 0 || strlen(s) != len) {
		err(e, field, multiline ? "must be text without control characters" :
		    "must be one line of text");
		return NULL;
	}
	if (n < min || (min > 0 && blank(s))) {
		err(e, field, min <= 1 ? "must not be blank" : pool_printf(e->pool,
		    "must be at least %ld characters", min));
		return NULL;
	}
	if (n > max) {
		err(e, field, pool_printf(e->pool, "must be at most %ld characters", max));
		return NULL;
	}
	return s;
}

/* An integer field in [min, max]; *ok false when missing or bad (errors noted). */
static int64_t
int_field(struct errs *e, struct json_object *o, const char *field, const char *name,
    bool required, int64_t min, int64_t max, bool *ok)
{
	struct json_object	*v;
	int64_t			 i;

	*ok = false;
	if (!json_object_object_get_ex(o, name, &v) || v == NULL) {
		if (required)
			err(e, field, "is required");
		return 0;
	}
	if (!json_object_is_type(v, json_type_int)) {
		err(e, field, "must be a whole number");
		return 0;
	}
	i = json_object_get_int64(v);
	if (i < min || i > max) {
		err(e, field, pool_printf(e->pool, "must be from %lld to %lld",
		    (long long)min, (long long)max));
		return 0;
	}
	*ok = true;
	return i;
}

/* Members of o not in names[] are refused, as the validator tables do. */
static void
only_known(struct errs *e, struct json_object *o, const char *prefix,
    const char *const *names, size_t n)
{
	struct json_object_iterator	 it, end;
	const char			*key;
	size_t				 i;

	it = json_object_iter_begin(o);
	end = json_object_iter_end(o);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		key = json_object_iter_peek_name(&it);
		for (i = 0; i < n; i++)
			if (strcmp(key, names[i]) == 0)
				break;
		if (i == n) {
			if (!valid_utf8(key, strlen(key), NULL) || strlen(key) > 64 ||
			    text_len(key, strlen(key), false) < 0)
				key = "?";
			err(e, prefix[0] == '\0' ? pool_strdup(e->pool, key) :
			    pool_printf(e->pool, "%s.%s", prefix, key),
			    "is not a field this request takes");
		}
	}
}

static int
days_in_month(int y, int m)
{
	static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return d[m - 1];
}

bool
plan_date_ok(const char *s)
{
	int	y, m, d, i;

	if (s == NULL || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
		return false;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
			return false;
	y = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 + (s[3] - '0');
	m = (s[5] - '0') * 10 + (s[6] - '0');
	d = (s[8] - '0') * 10 + (s[9] - '0');
	return y >= 1900 && m >= 1 && m <= 12 && d >= 1 && d <= days_in_month(y, m);
}

static void
parse_items(struct errs *e, struct json_object *a, struct plan *pl)
{
	static const char *const names[] = { "product_id", "dose", "daily_amount", "max_per_30d" };
	struct json_object	*o;
	struct plan_item	*it;
	const char		*pre;
	size_t			 i, j, n = json_object_array_length(a);
	bool			 ok1, ok2, ok3;

	if (n == 0) {
		err(e, "items", "must list at least one product");
		return;
	}
	if (n > MAX_ITEMS) {
		err(e, "items", pool_printf(e->pool, "must list at most %d products", MAX_ITEMS));
		return;
	}
	if ((pl->items = pool_calloc(e->pool, n, sizeof(*pl->items))) == NULL) {
		e->oom = true;
		return;
	}
	pl->nitems = n;
	for (i = 0; i < n; i++) {
		it = &pl->items[i];
		o = json_object_array_get_idx(a, i);
		if ((pre = pool_printf(e->pool, "items[%zu]", i)) == NULL) {
			e->oom = true;
			return;
		}
		if (o == NULL || !json_object_is_type(o, json_type_object)) {
			err(e, pre, "must be an object with product_id, dose, daily_amount and max_per_30d");
			continue;
		}
		only_known(e, o, pre, names, sizeof(names) / sizeof(names[0]));
		it->product_id = int_field(e, o, pool_printf(e->pool, "%s.product_id", pre),
		    "product_id", true, 1, INT64_MAX, &ok1);
		it->dose = text_field(e, o, pool_printf(e->pool, "%s.dose", pre), "dose", true, 3,
		    500, false);
		if (it->dose != NULL && dose_as_directed(it->dose))
			err(e, pool_printf(e->pool, "%s.dose", pre),
			    "must say how much and how often, not only 'as directed'");
		it->daily_amount = int_field(e, o, pool_printf(e->pool, "%s.daily_amount", pre),
		    "daily_amount", true, 1, MAX_AMOUNT, &ok2);
		it->max_per_30d = int_field(e, o, pool_printf(e->pool, "%s.max_per_30d", pre),
		    "max_per_30d", true, 1, MAX_AMOUNT, &ok3);
		if (ok2 && ok3 && it->max_per_30d < it->daily_amount)
			err(e, pool_printf(e->pool, "%s.max_per_30d", pre),
			    "must be at least the daily amount");
		if (ok1)
			for (j = 0; j < i; j++)
				if (pl->items[j].product_id == it->product_id) {
					err(e, pool_printf(e->pool, "%s.product_id", pre),
					    "is in the plan already: list each product once");
					break;
				}
	}
}

static void
parse_limits(struct errs *e, struct json_object *a, struct plan *pl)
{
	static const char *const names[] = { "form", "max_per_30d" };
	struct json_object	*o;
	struct plan_form_limit	*l;
	const char		*pre, *f;
	size_t			 i, j, n = json_object_array_length(a), len;
	bool			 ok, bad;

	if (n > MAX_LIMITS) {
		err(e, "form_limits", "must name each form at most once");
		return;
	}
	if (n == 0)
		return;
	if ((pl->limits = pool_calloc(e->pool, n, sizeof(*pl->limits))) == NULL) {
		e->oom = true;
		return;
	}
	pl->nlimits = n;
	for (i = 0; i < n; i++) {
		l = &pl->limits[i];
		l->form = "";
		o = json_object_array_get_idx(a, i);
		if ((pre = pool_printf(e->pool, "form_limits[%zu]", i)) == NULL) {
			e->oom = true;
			return;
		}
		if (o == NULL || !json_object_is_type(o, json_type_object)) {
			err(e, pre, "must be an object with form and max_per_30d");
			continue;
		}
		only_known(e, o, pre, names, sizeof(names) / sizeof(names[0]));
		f = get_str(o, "form", &len, &bad);
		if (f == NULL || form_unit(f) == NULL || strlen(f) != len)
			err(e, pool_printf(e->pool, "%s.form", pre), f == NULL && !bad ? "is required" :
			    "must be one of flower, oil, capsule, vape_cartridge, pastille, spray");
		else {
			l->form = f;
			for (j = 0; j < i; j++)
				if (strcmp(pl->limits[j].form, f) == 0) {
					err(e, pool_printf(e->pool, "%s.form", pre),
					    "has a limit already: name each form once");
					break;
				}
		}
		l->max_per_30d = int_field(e, o, pool_printf(e->pool, "%s.max_per_30d", pre),
		    "max_per_30d", true, 1, MAX_AMOUNT, &ok);
	}
}

int
plan_parse(struct pool *pool, struct json_object *body, bool update, const char *today,
    struct plan_input *in, struct verr **errs, size_t *nerrs)
{
	static const char *const create_names[] = { "condition", "items", "form_limits",
	    "max_thc_mg_per_day", "review_date", "notes", "reason" };
	static const char *const update_names[] = { "base_version", "condition", "items",
	    "form_limits", "max_thc_mg_per_day", "review_date", "notes", "status", "reason" };
	struct errs		 e = { pool, NULL, 0, 0, false };
	struct json_object	*a;
	const char		*rd, *st, *limit;
	size_t			 len;
	bool			 ok, bad;

	memset(in, 0, sizeof(*in));
	*errs = NULL;
	*nerrs = 0;
	if (body == NULL || !json_object_is_type(body, json_type_object)) {
		err(&e, "", "the body must be a JSON object");
		goto out;
	}
	if (update)
		only_known(&e, body, "", update_names, sizeof(update_names) / sizeof(update_names[0]));
	else
		only_known(&e, body, "", create_names, sizeof(create_names) / sizeof(create_names[0]));
	if (update)
		in->base_version = int_field(&e, body, "base_version", "base_version", true, 1,
		    INT32_MAX, &ok);
	in->plan.condition = text_field(&e, body, "condition", "condition", !update, 2, 200, false);
	if (!json_object_object_get_ex(body, "items", &a) || a == NULL)
		err(&e, "items", "is required: at least one product");
	else if (!json_object_is_type(a, json_type_array))
		err(&e, "items", "must be a list of products");
	else
		parse_items(&e, a, &in->plan);
	if (json_object_object_get_ex(body, "form_limits", &a) && a != NULL) {
		if (!json_object_is_type(a, json_type_array))
			err(&e, "form_limits", "must be a list of limits");
		else
			parse_limits(&e, a, &in->plan);
	}
	in->plan.max_thc_mg_per_day = int_field(&e, body, "max_thc_mg_per_day",
	    "max_thc_mg_per_day", true, 1, 1000, &ok);
	rd = get_str(body, "review_date", &len, &bad);
	if (rd == NULL)
		err(&e, "review_date", bad ? "must be a date (YYYY-MM-DD)" : "is required");
	else if (!plan_date_ok(rd) || strlen(rd) != len)
		err(&e, "review_date", "must be a real date (YYYY-MM-DD)");
	else if (today == NULL || strcmp(rd, today) <= 0)
		err(&e, "review_date", "must be after today");
	else if (!plan_date_ok(today) || (limit = pool_printf(pool, "%04d%s",
	    (today[0] - '0') * 1000 + (today[1] - '0') * 100 + (today[2] - '0') * 10 +
	    (today[3] - '0') + 1, today + 4)) == NULL)
		e.oom = true;
	else if (strcmp(rd, limit) > 0)
		err(&e, "review_date", "must be within a year from today");
	else
		in->plan.review_date = rd;
	in->plan.notes = text_field(&e, body, "notes", "notes", false, 0, 4000, true);
	if (in->plan.notes == NULL)
		in->plan.notes = "";
	in->plan.reason = text_field(&e, body, "reason", "reason", true, 3, 1000, true);
	in->plan.active = true;
	if (update && (st = get_str(body, "status", &len, &bad)) != NULL) {
		if (strcmp(st, "active") == 0 && len == 6)
			in->plan.active = true;
		else if (strcmp(st, "ended") == 0 && len == 5)
			in->plan.active = false;
		else
			err(&e, "status", "must be active or ended");
		in->has_status = true;
	} else if (update && bad)
		err(&e, "status", "must be active or ended");
out:
	if (e.oom)
		return -2;
	*errs = e.v;
	*nerrs = e.n;
	return e.n > 0 ? -1 : 0;
}
