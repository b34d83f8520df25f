/*
 * The canonical document of a signed prescription: the exact bytes the
 * prescriber's key signs and anyone can verify (docs/API.md#prescribing).
 * Members in a fixed order, no whitespace between tokens, UTF-8 strings as
 * given with only '"', '\' and control characters escaped, integers only.
 * Pure: written without json-c so the bytes never depend on a library's
 * formatting choices.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "pool.h"
#include "rx.h"

struct out {
	struct pool	*p;
	char		*b;
	size_t		 n, cap;
	bool		 oom;
	bool		 first;		/* no member yet in the current object */
};

static void
raw(struct out *o, const char *s, size_t len)
{
	char	*nb;
	size_t	 ncap;

	if (o->oom)
		return;
	if (o->n + len + 1 > o->cap) {
		ncap = o->cap * 2 > o->n + len + 1 ? o->cap * 2 : o->n + len + 1024;
		if ((nb = pool_calloc(o->p, ncap, 1)) == NULL) {
			o->oom = true;
			return;
		}
		if (o->n > 0)
			memcpy(nb, o->b, o->n);
		o->b = nb;
		o->cap = ncap;
	}
	memcpy(o->b + o->n, s, len);
	o->n += len;
	o->b[o->n] = '\0';
}

static void
lit(struct out *o, const char *s)
{
	raw(o, s, strlen(s));
}

static void
str(struct out *o, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	char		 esc[7];
	const char	*run;

	if (s == NULL) {
		lit(o, "null");
		return;
	}
	lit(o, "\"");
	for (run = s; *s != '\0'; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		raw(o, run, (size_t)(s - run));
		run = s + 1;
		switch (c) {
		case '"': lit(o, "\\\""); break;
		case '\\': lit(o, "\\\\"); break;
		case '\n': lit(o, "\\n"); break;
		case '\r': lit(o, "\\r"); break;
		case '\t': lit(o, "\\t"); break;
		default:
			esc[0] = '\\';
			esc[1] = 'u';
			esc[2] = '0';
			esc[3] = '0';
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			esc[6] = '\0';
			lit(o, esc);
		}
	}
	raw(o, run, (size_t)(s - run));
	lit(o, "\"");
}

static void
key(struct out *o, const char *k)
{
	if (!o->first)
		lit(o, ",");
	o->first = false;
	str(o, k);
	lit(o, ":");
}

static void
m_str(struct out *o, const char *k, const char *v)
{
	key(o, k);
	str(o, v);
}

static void
m_int(struct out *o, const char *k, int64_t v)
{
	char	b[24];
	int	n = snprintf(b, sizeof(b), "%" PRId64, v);

	key(o, k);
	if (n < 0 || (size_t)n >= sizeof(b)) {
		o->oom = true;
		return;
	}
	raw(o, b, (size_t)n);
}

static void
m_bool(struct out *o, const char *k, bool v)
{
	key(o, k);
	lit(o, v ? "true" : "false");
}

static void
open_obj(struct out *o, const char *k)
{
	if (k != NULL)
		key(o, k);
	lit(o, "{");
	o->first = true;
}

static void
close_obj(struct out *o)
{
	lit(o, "}");
	o->first = false;
}

char *
rx_canon(struct pool *p, const struct rx_doc *d, size_t *len)
{
	struct out	o = { p, NULL, 0, 0, false, true };

	*len = 0;
	open_obj(&o, NULL);
	m_str(&o, "type", "clinic-prescription-v1");
	m_int(&o, "prescription_id", d->id);
	m_str(&o, "issued_at", d->issued_at);
	m_str(&o, "valid_from", d->valid_from);
	m_str(&o, "valid_until", d->valid_until);
	open_obj(&o, "patient");
	m_str(&o, "name", d->patient_name);
	m_str(&o, "date_of_birth", d->patient_dob);
	m_str(&o, "address", d->patient_address);
	close_obj(&o);
	open_obj(&o, "product");
	m_int(&o, "id", d->product_id);
	m_str(&o, "supplier", d->supplier);
	m_str(&o, "brand", d->brand);
	m_str(&o, "name", d->product_name);
	m_str(&o, "form", d->form);
	m_str(&o, "strength", d->strength);
	m_int(&o, "thc_ug_per_unit", d->thc_ug_per_unit);
	m_int(&o, "cbd_ug_per_unit", d->cbd_ug_per_unit);
	m_str(&o, "supply_unit", d->supply_unit);
	close_obj(&o);
	m_str(&o, "dose", d->dose);
	open_obj(&o, "quantity");
	m_int(&o, "amount", d->quantity);
	m_str(&o, "unit", d->supply_unit);
	m_str(&o, "figures", d->quantity_figures);
	m_str(&o, "words", d->quantity_words);
	close_obj(&o);
	m_int(&o, "days_supply", d->days_supply);
	if (d->instalment_amount > 0) {
		open_obj(&o, "instalments");
		m_int(&o, "amount", d->instalment_amount);
		m_str(&o, "figures", d->instalment_figures);
		m_int(&o, "interval_days", d->instalment_interval_days);
		close_obj(&o);
	} else {
		key(&o, "instalments");
		lit(&o, "null");
	}
	m_str(&o, "justification", d->justification);
	open_obj(&o, "prescriber");
	m_int(&o, "id", d->prescriber_id);
	m_str(&o, "name", d->prescriber_name);
	m_str(&o, "registration_number", d->prescriber_reg);
	m_bool(&o, "specialist", d->specialist);
	m_str(&o, "practice", d->practice);
	m_str(&o, "address", d->practice_address);
	close_obj(&o);
	open_obj(&o, "plan");
	m_int(&o, "id", d->plan_id);
	m_int(&o, "version", d->plan_version);
	close_obj(&o);
	m_bool(&o, "initial", d->initial);
	m_bool(&o, "paper_original_required", d->paper_required);
	m_str(&o, "key_fingerprint", d->key_fingerprint);
	close_obj(&o);
	if (o.oom || o.b == NULL)
		return NULL;
	*len = o.n;
	return o.b;
}
