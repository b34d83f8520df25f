/*
 * What changed between two versions of a treatment plan, as sentences a
 * clinician reads (docs/API.md#plans, the diff route). Pure: the products
 * named are passed in, so it is unit-tested without a database.
 */
#include <inttypes.h>
#include <string.h>

#include "pool.h"
#include "rx.h"

struct out {
	struct pool		*pool;
	struct plan_change	*v;
	size_t			 n, cap;
	bool			 oom;
};

static void
add(struct out *o, const char *field, int64_t product_id, const char *before, const char *after,
    const char *text)
{
	struct plan_change	*nv;

	if (o->oom)
		return;
	if (text == NULL) {
		o->oom = true;
		return;
	}
	if (o->n == o->cap) {
		if ((nv = pool_calloc(o->pool, o->cap == 0 ? 8 : o->cap * 2, sizeof(*nv))) == NULL) {
			o->oom = true;
			return;
		}
		if (o->n > 0)
			memcpy(nv, o->v, o->n * sizeof(*nv));
		o->v = nv;
		o->cap = o->cap == 0 ? 8 : o->cap * 2;
	}
	o->v[o->n++] = (struct plan_change){ field, product_id, before, after, text };
}

static const struct product *
find(const struct product *p, size_t n, int64_t id)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (p[i].id == id)
			return &p[i];
	return NULL;
}

/* The product's name in sentences, and an amount of it in figures. */
/* A string made for a sentence; "" (and the out marked failed) when it could not be. */
static const char *
ok(struct out *o, const char *s)
{
	if (s == NULL) {
		o->oom = true;
		return "";
	}
	return s;
}

static const char *
pname(struct out *o, const struct product *p, int64_t id)
{
	return ok(o, p != NULL ? product_title(o->pool, p) :
	    pool_printf(o->pool, "product %" PRId64, id));
}

static const char *
pamount(struct out *o, const struct product *p, int64_t amount)
{
	return ok(o, p != NULL ? amount_figures(o->pool, p->supply_unit, p->form, amount) :
	    pool_printf(o->pool, "%" PRId64 " units", amount));
}

static const char *
famount(struct out *o, const char *form, int64_t amount)
{
	return ok(o, amount_figures(o->pool, form_unit(form), form, amount));
}

static const struct plan_form_limit *
limit_in(const struct plan *pl, const char *form)
{
	return plan_limit_for(pl, form);
}

int
plan_diff(struct pool *pool, const struct plan *a, const struct plan *b,
    const struct product *products, size_t np, struct plan_change **outv, size_t *outn)
{
	struct out			 o = { pool, NULL, 0, 0, false };
	const struct plan_item		*ia, *ib;
	const struct plan_form_limit	*la, *lb;
	const struct product		*p;
	const char			*nm, *x, *y, *fl;
	size_t				 i;

	*outv = NULL;
	*outn = 0;
	if (strcmp(a->condition, b->condition) != 0)
		add(&o, "condition", 0, a->condition, b->condition, pool_printf(pool,
		    "Condition changed from %s to %s", a->condition, b->condition));
	if (a->active != b->active)
		add(&o, "status", 0, a->active ? "active" : "ended", b->active ? "active" : "ended",
		    pool_strdup(pool, b->active ? "Plan made active again" : "Plan ended"));
	for (i = 0; i < a->nitems; i++) {
		ia = &a->items[i];
		if (plan_item_for(b, ia->product_id) != NULL)
			continue;
		p = find(products, np, ia->product_id);
		nm = pname(&o, p, ia->product_id);
		add(&o, "items", ia->product_id, nm, NULL, pool_printf(pool, "Removed %s", nm));
	}
	for (i = 0; i < b->nitems; i++) {
		ib = &b->items[i];
		p = find(products, np, ib->product_id);
		nm = pname(&o, p, ib->product_id);
		if ((ia = plan_item_for(a, ib->product_id)) == NULL) {
			x = pamount(&o, p, ib->daily_amount);
			y = pamount(&o, p, ib->max_per_30d);
			add(&o, "items", ib->product_id, NULL, nm, pool_printf(pool,
			    "Added %s: %s, %s a day, at most %s in 30 days", nm, ib->dose, x, y));
			continue;
		}
		if (strcmp(ia->dose, ib->dose) != 0)
			add(&o, "items.dose", ib->product_id, ia->dose, ib->dose, pool_printf(pool,
			    "Dose of %s changed from \"%s\" to \"%s\"", nm, ia->dose, ib->dose));
		if (ia->daily_amount != ib->daily_amount) {
			x = pamount(&o, p, ia->daily_amount);
			y = pamount(&o, p, ib->daily_amount);
			add(&o, "items.daily_amount", ib->product_id, x, y, pool_printf(pool,
			    "Daily amount of %s changed from %s to %s", nm, x, y));
		}
		if (ia->max_per_30d != ib->max_per_30d) {
			x = pamount(&o, p, ia->max_per_30d);
			y = pamount(&o, p, ib->max_per_30d);
			add(&o, "items.max_per_30d", ib->product_id, x, y, pool_printf(pool,
			    "30-day maximum of %s changed from %s to %s", nm, x, y));
		}
	}
	for (i = 0; i < a->nlimits; i++) {
		la = &a->limits[i];
		if (limit_in(b, la->form) != NULL)
			continue;
		fl = form_label(la->form) != NULL ? form_label(la->form) : la->form;
		x = famount(&o, la->form, la->max_per_30d);
		add(&o, "form_limits", 0, x, NULL, pool_printf(pool,
		    "Removed the 30-day limit for all %s products (was %s)", fl, x));
	}
	for (i = 0; i < b->nlimits; i++) {
		lb = &b->limits[i];
		fl = form_label(lb->form) != NULL ? form_label(lb->form) : lb->form;
		y = famount(&o, lb->form, lb->max_per_30d);
		if ((la = limit_in(a, lb->form)) == NULL) {
			add(&o, "form_limits", 0, NULL, y, pool_printf(pool,
			    "Added a 30-day limit for all %s products of %s", fl, y));
			continue;
		}
		if (la->max_per_30d == lb->max_per_30d)
			continue;
		x = famount(&o, la->form, la->max_per_30d);
		add(&o, "form_limits", 0, x, y, pool_printf(pool,
		    "30-day limit for all %s products changed from %s to %s", fl, x, y));
	}
	if (a->max_thc_mg_per_day != b->max_thc_mg_per_day) {
		x = ok(&o, pool_printf(pool, "%" PRId64 " mg", a->max_thc_mg_per_day));
		y = ok(&o, pool_printf(pool, "%" PRId64 " mg", b->max_thc_mg_per_day));
		add(&o, "max_thc_mg_per_day", 0, x, y, pool_printf(pool,
		    "THC ceiling changed from %s to %s a day", x, y));
	}
	if (strcmp(a->review_date, b->review_date) != 0)
		add(&o, "review_date", 0, a->review_date, b->review_date, pool_printf(pool,
		    "Review date changed from %s to %s", a->review_date, b->review_date));
	if (strcmp(a->notes, b->notes) != 0)
		add(&o, "notes", 0, a->notes, b->notes, pool_strdup(pool,
		    a->notes[0] == '\0' ? "Notes added" : b->notes[0] == '\0' ? "Notes removed" :
		    "Notes changed"));
	if (o.oom)
		return -1;
	*outv = o.v;
	*outn = o.n;
	return 0;
}
