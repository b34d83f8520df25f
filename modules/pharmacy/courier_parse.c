/*
 * The courier's untrusted input, parsed (courier.h): tracking webhook
 * bodies, instants, postcodes; and the recipient read from a prescription
 * document. Pure: no database, no globals.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "courier.h"
#include "pool.h"
#include "req.h"
#include "valid.h"

#define PROOF_MAX	4000

struct errs {
	struct verr	*e;
	size_t		*n;
};

static void
bad(struct errs *x, const char *field, const char *detail)
{
	if (*x->n < COURIER_MAX_ERRS) {
		x->e[*x->n].field = field;
		x->e[*x->n].detail = detail;
		(*x->n)++;
	}
}

/* Text of 1..max (0..max when empty_ok) characters without control characters. */
static bool
text_ok(const char *s, size_t len, size_t max, bool empty_ok)
{
	size_t	i, n;

	if (!valid_utf8(s, len, &n) || n > max || (n == 0 && !empty_ok))
		return false;
	for (i = 0; i < len; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

/* 1..max characters, each alphanumeric or one of extra. */
static bool
token_ok(const char *s, size_t len, size_t max, const char *extra)
{
	size_t	i;

	if (len == 0 || len > max)
		return false;
	for (i = 0; i < len; i++)
		if (!isalnum((unsigned char)s[i]) && (s[i] == '\0' || strchr(extra, s[i]) == NULL))
			return false;
	return true;
}

static int
days_in(int y, int m)
{
	static const int d[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return d[m - 1];
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

bool
courier_time(const char *s, char out[27])
{
	int	y, mo, d, h, mi, se, nf = 0;
	char	frac[7] = "000000";
	size_t	len = strlen(s), i = 19;

	if (len < 20 || len > 32 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
	    s[16] != ':')
		return false;
	if ((y = digits(s, 4)) < 2000 || (mo = digits(s + 5, 2)) < 1 || mo > 12 ||
	    (d = digits(s + 8, 2)) < 1 || d > days_in(y, mo) || (h = digits(s + 11, 2)) < 0 ||
	    h > 23 || (mi = digits(s + 14, 2)) < 0 || mi > 59 || (se = digits(s + 17, 2)) < 0 ||
	    se > 59)
		return false;
	if (s[i] == '.') {
		for (i++; i < len && s[i] >= '0' && s[i] <= '9'; i++) {
			if (nf == 6)
				return false;
			frac[nf++] = s[i];
		}
		if (nf == 0)
			return false;
	}
	if (!(strcmp(s + i, "Z") == 0 || strcmp(s + i, "+00:00") == 0))
		return false;
	return snprintf(out, 27, "%04d-%02d-%02d %02d:%02d:%02d.%s", y, mo, d, h, mi, se,
	    frac) == 26;
}

bool
courier_postcode(const char *s, char out[9])
{
	char	c[8];
	size_t	n = 0, i, in;

	for (; *s != '\0'; s++) {
		if (*s == ' ')
			continue;
		if (n == sizeof(c) || !isalnum((unsigned char)*s))
			return false;
		c[n++] = (char)toupper((unsigned char)*s);
	}
	/* outward code (2..4) + inward code: digit, letter, letter */
	if (n < 5 || n > 7 || !isdigit((unsigned char)c[n - 3]) ||
	    !isalpha((unsigned char)c[n - 2]) || !isalpha((unsigned char)c[n - 1]))
		return false;
	in = n - 3;
	if (!isalpha((unsigned char)c[0]))
		return false;
	i = isalpha((unsigned char)c[1]) ? 2 : 1;
	if (i >= in || !isdigit((unsigned char)c[i]))
		return false;
	for (i++; i < in; i++)
		if (!isalnum((unsigned char)c[i]))
			return false;
	if (in - (isalpha((unsigned char)c[1]) ? 2 : 1) > 2)
		return false;
	memcpy(out, c, in);
	out[in] = ' ';
	memcpy(out + in + 1, c + in, 3);
	out[in + 4] = '\0';
	return true;
}

int
courier_rank(const char *st)
{
	static const char *const order[] = { "requested", "booked", "collected", "in_transit",
	    "out_for_delivery", "delivered" };
	size_t	i;

	for (i = 0; st != NULL && i < nitems(order); i++)
		if (strcmp(st, order[i]) == 0)
			return (int)i;
	return -1;
}

const char *
courier_service_label(const char *s)
{
	if (strcmp(s, "tracked_24") == 0)
		return "Tracked 24";
	if (strcmp(s, "tracked_48") == 0)
		return "Tracked 48";
	if (strcmp(s, "special_delivery") == 0)
		return "Special Delivery Guaranteed";
	return s;
}

/* Member name of o as a string of checked text, or NULL (with a problem noted unless absent_ok). */
static const char *
member_text(struct pool *p, struct json_object *o, const char *name, const char *field,
    size_t max, bool null_ok, struct errs *x, bool *oom)
{
	struct json_object	*v;
	const char		*s;
	size_t			 len;
	char			*c;

	if (!json_object_object_get_ex(o, name, &v) || v == NULL) {
		if (!null_ok)
			bad(x, field, "is required");
		return NULL;
	}
	if (!json_object_is_type(v, json_type_string)) {
		bad(x, field, "must be a string");
		return NULL;
	}
	s = json_object_get_string(v);
	len = (size_t)json_object_get_string_len(v);
	if (!text_ok(s, len, max, null_ok && max <= 500)) {
		bad(x, field, "is not acceptable text (length or characters)");
		return NULL;
	}
	if ((c = pool_strndup(p, s, len)) == NULL)
		*oom = true;
	return c;
}

static int
parse_data(struct pool *p, struct json_object *d, struct courier_event *ev, struct errs *x)
{
	static const char *const statuses[] = { "collected", "in_transit", "out_for_delivery",
	    "delivered", "failed_attempt" };
	struct json_object	*v;
	const char		*s;
	char			*at;
	size_t			 i;
	bool			 oom = false;

	if ((s = member_text(p, d, "shipment_id", "data.shipment_id", 64, false, x, &oom)) != NULL) {
		if (!token_ok(s, strlen(s), 64, "_-"))
			bad(x, "data.shipment_id", "must be 1 to 64 letters, digits, _ or -");
		else
			ev->shipment_id = s;
	}
	if ((s = member_text(p, d, "tracking_number", "data.tracking_number", 64, false, x,
	    &oom)) != NULL) {
		if (!token_ok(s, strlen(s), 64, ""))
			bad(x, "data.tracking_number", "must be 1 to 64 letters or digits");
		else
			ev->tracking_number = s;
	}
	if ((s = member_text(p, d, "status", "data.status", 32, false, x, &oom)) != NULL) {
		for (i = 0; i < nitems(statuses); i++)
			if (strcmp(s, statuses[i]) == 0)
				ev->status = statuses[i];
		if (ev->status == NULL)
			bad(x, "data.status", "must be collected, in_transit, out_for_delivery,"
			    " delivered or failed_attempt");
	}
	ev->description = member_text(p, d, "description", "data.description", 500, true, x,
	    &oom);
	if (ev->description == NULL)
		ev->description = "";
	if (json_object_object_get_ex(d, "location", &v) && v != NULL &&
	    (ev->location = member_text(p, d, "location", "data.location", 200, true, x,
	    &oom)) != NULL && *ev->location == '\0')
		ev->location = NULL;
	if ((s = member_text(p, d, "at", "data.at", 40, false, x, &oom)) != NULL) {
		if ((at = pool_calloc(p, 27, 1)) == NULL)
			oom = true;
		else if (!courier_time(s, at))
			bad(x, "data.at", "must be an ISO-8601 UTC time (2026-01-31T09:30:00Z)");
		else
			ev->at = at;
	}
	if (json_object_object_get_ex(d, "proof", &v) && v != NULL) {
		if (!json_object_is_type(v, json_type_object))
			bad(x, "data.proof", "must be an object or null");
		else if ((s = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN |
		    JSON_C_TO_STRING_NOSLASHESCAPE)) == NULL)
			oom = true;
		else if (strlen(s) > PROOF_MAX)
			bad(x, "data.proof", "is too large (at most 4000 bytes)");
		else if ((ev->proof = pool_strdup(p, s)) == NULL)
			oom = true;
	}
	return oom ? -2 : 0;
}

int
courier_event_parse(struct pool *p, const char *body, size_t len, struct courier_event *ev,
    struct verr *errs, size_t *nerrs)
{
	struct json_object	*o, *d, *v;
	struct errs		 x = { errs, nerrs };
	const char		*why, *t;
	int			 rc = 0;
	bool			 oom = false;

	memset(ev, 0, sizeof(*ev));
	*nerrs = 0;
	if ((o = req_parse_json(body, len, &why)) == NULL ||
	    !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		bad(&x, "body", "must be a JSON object");
		return -1;
	}
	if ((t = member_text(p, o, "type", "type", 64, false, &x, &oom)) != NULL)
		ev->type = t;
	if (json_object_object_get_ex(o, "timestamp", &v) && v != NULL &&
	    !json_object_is_type(v, json_type_string))
		bad(&x, "timestamp", "must be a string");
	if (t != NULL && strcmp(t, "tracking.updated") == 0) {
		ev->tracking = true;
		if (!json_object_object_get_ex(o, "data", &d) || d == NULL ||
		    !json_object_is_type(d, json_type_object))
			bad(&x, "data", "must be an object");
		else
			rc = parse_data(p, d, ev, &x);
	}
	json_object_put(o);
	if (oom || rc == -2)
		return -2;
	return *nerrs > 0 ? -1 : 0;
}

/* Copies text into a fixed buffer; false when it does not fit. */
static bool
copy(char *dst, size_t cap, const char *s, size_t len)
{
	if (len >= cap)
		return false;
	memcpy(dst, s, len);
	dst[len] = '\0';
	return true;
}

/* Trims spaces at both ends of s[0..*len): returns the start, *len updated. */
static const char *
trim(const char *s, size_t *len)
{
	while (*len > 0 && *s == ' ') {
		s++;
		(*len)--;
	}
	while (*len > 0 && s[*len - 1] == ' ')
		(*len)--;
	return s;
}

int
courier_doc_read(const char *doc, size_t len, struct courier_doc *d, const char **why)
{
	struct json_object	*o, *pt, *q, *v;
	const char		*addr, *part[16], *s, *jwhy;
	size_t			 plen[16], n = 0, i, alen, l;
	int64_t			 amount;
	const char		*unit;
	int			 rc = -1;

	memset(d, 0, sizeof(*d));
	*why = "the prescription document is not readable";
	if ((o = req_parse_json(doc, len, &jwhy)) == NULL ||
	    !json_object_is_type(o, json_type_object))
		goto out;
	if (!json_object_object_get_ex(o, "patient", &pt) || pt == NULL ||
	    !json_object_is_type(pt, json_type_object)) {
		*why = "the prescription names no patient";
		goto out;
	}
	if ((s = valid_str_member(pt, "name")) == NULL || *s == '\0' ||
	    !text_ok(s, strlen(s), 200, false) || !copy(d->name, sizeof(d->name), s, strlen(s))) {
		*why = "the patient's name is missing or too long";
		goto out;
	}
	if ((addr = valid_str_member(pt, "address")) == NULL || *addr == '\0' ||
	    !text_ok(addr, strlen(addr), 1000, false)) {
		*why = "the prescription has no address for the patient";
		goto out;
	}
	/* "line 1, line 2, town, postcode": split on commas */
	for (s = addr; n < nitems(part); ) {
		const char *c = strchr(s, ',');

		alen = c != NULL ? (size_t)(c - s) : strlen(s);
		l = alen;
		part[n] = trim(s, &l);
		plen[n] = l;
		if (l > 0)
			n++;
		if (c == NULL)
			break;
		s = c + 1;
	}
	if (n < 2) {
		*why = "the patient's address needs a street and a postcode";
		goto out;
	}
	{
		char	pc[16];

		if (!copy(pc, sizeof(pc), part[n - 1], plen[n - 1]) ||
		    !courier_postcode(pc, d->postcode)) {
			*why = "the patient's address has no UK postcode at its end";
			goto out;
		}
	}
	n--;	/* the lines before the postcode; extra ones are joined to the first */
	i = 0;
	while (n - i > COURIER_LINES_MAX)
		i++;
	{
		size_t	k, at = 0;

		for (k = 0; k <= i; k++) {
			if (k > 0) {
				if (at + 2 >= sizeof(d->lines[0]))
					break;
				d->lines[0][at++] = ',';
				d->lines[0][at++] = ' ';
			}
			if (at + plen[k] >= sizeof(d->lines[0])) {
				*why = "the patient's address lines are too long";
				goto out;
			}
			memcpy(d->lines[0] + at, part[k], plen[k]);
			at += plen[k];
		}
		d->lines[0][at] = '\0';
		d->nlines = 1;
		for (k = i + 1; k < n; k++)
			if (!copy(d->lines[d->nlines++], sizeof(d->lines[0]), part[k], plen[k])) {
				*why = "the patient's address lines are too long";
				goto out;
			}
	}
	/* the parcel: about 150 g of packaging plus the medicine */
	amount = 0;
	unit = NULL;
	if (json_object_object_get_ex(o, "quantity", &q) && q != NULL &&
	    json_object_is_type(q, json_type_object)) {
		if (json_object_object_get_ex(q, "amount", &v) && v != NULL &&
		    json_object_is_type(v, json_type_int))
			amount = json_object_get_int64(v);
		unit = valid_str_member(q, "unit");
	}
	if (amount < 0)
		amount = 0;
	if (unit != NULL && strcmp(unit, "each") == 0)
		d->weight_g = amount > 30000 ? 30000 : 150 + amount;
	else
		d->weight_g = 150 + amount / 1000;	/* mg of flower, ul of oil: ~1 g per 1000 */
	if (d->weight_g > 30000)
		d->weight_g = 30000;
	*why = NULL;
	rc = 0;
out:
	json_object_put(o);
	return rc;
}
