/*
 * The prescribing rules (docs/API.md#prescribing): each a stable name, a
 * verdict, plain words and its figures. Pure: every fact is loaded by the
 * caller (drafts.c, sign.c), so the rules are unit-tested without a
 * database. Amounts are exact integers in supply units; no floating point.
 */
#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "pool.h"
#include "rx.h"

#define MIN_JUSTIFICATION	10	/* characters */

/* The dose is vague: none, no words at all, or only "as directed" (dose.c). */
static bool
dose_vague(const char *dose)
{
	const char	*c;

	if (dose == NULL)
		return true;
	for (c = dose; *c != '\0'; c++)
		if (isalnum((unsigned char)*c) || (unsigned char)*c >= 0x80)
			return dose_as_directed(dose);
	return true;
}

/* decimal_text, or "?" when memory runs out (never NULL into a %s). */
static const char *
dec(struct pool *p, int64_t v, int scale)
{
	const char	*t = decimal_text(p, v, scale);

	return t != NULL ? t : "?";
}

void
rx_rfc3339(int64_t us, char out[21])
{
	time_t		t = (time_t)(us >= 0 ? us / 1000000 : (us - 999999) / 1000000);
	struct tm	tm;

	if (gmtime_r(&t, &tm) == NULL ||
	    strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm) != 20)
		memcpy(out, "1970-01-01T00:00:00Z", 21);
}

int64_t
rx_window_used(const int64_t *at_us, const int64_t *amount, size_t n, int64_t at,
    int64_t *from_us)
{
	int64_t	best = -1, sum, start;
	size_t	c, i;

	/*
	 * The windows containing at start in (at - 30 d, at]. The largest sum is
	 * in one that starts at at itself or at one of the amounts' times:
	 * moving a window's start right, up to the next time it holds, drops
	 * nothing and can only add what comes later.
	 */
	*from_us = at;
	for (c = 0; c <= n; c++) {
		start = c == n ? at : at_us[c];
		if (start > at || start <= at - RX_WINDOW_US)
			continue;
		sum = 0;
		for (i = 0; i < n; i++)
			if (at_us[i] >= start && at_us[i] - start < RX_WINDOW_US)
				sum += amount[i];
		if (sum > best) {
			best = sum;
			*from_us = start;
		}
	}
	return best < 0 ? 0 : best;
}

/* The plan's item for product_id, or NULL. */
static const struct plan_item *
item_for(const struct plan *pl, int64_t product_id)
{
	size_t	i;

	for (i = 0; i < pl->nitems; i++)
		if (pl->items[i].product_id == product_id)
			return &pl->items[i];
	return NULL;
}

/* The plan's limit for form, or NULL. */
static const struct plan_form_limit *
limit_for(const struct plan *pl, const char *form)
{
	size_t	i;

	for (i = 0; i < pl->nlimits; i++)
		if (pl->limits[i].form != NULL && strcmp(pl->limits[i].form, form) == 0)
			return &pl->limits[i];
	return NULL;
}

/* "vape cartridge" for "vape_cartridge": a form in a sentence. pool string. */
static char *
form_words(struct pool *p, const char *form)
{
	char	*s = pool_strdup(p, form), *c;

	if (s != NULL)
		for (c = s; *c != '\0'; c++)
			if (*c == '_')
				*c = ' ';
	return s;
}

/* Adds {"rule", "passed", "title", "detail", "figures"} to a. */
static enum cerr
add_check(struct json_object *a, const char *rule, bool passed, const char *title,
    const char *detail, struct json_object *figures)
{
	struct json_object	*o;

	if (title == NULL || detail == NULL || (o = json_object_new_object()) == NULL) {
		json_object_put(figures);
		return CE_NOMEM;
	}
	json_object_object_add(o, "rule", json_object_new_string(rule));
	json_object_object_add(o, "passed", json_object_new_boolean(passed));
	json_object_object_add(o, "title", json_object_new_string(title));
	json_object_object_add(o, "detail", json_object_new_string(detail));
	json_object_object_add(o, "figures", figures != NULL ? figures : json_object_new_object());
	if (json_object_array_add(a, o) != 0) {
		json_object_put(o);
		return CE_NOMEM;
	}
	return CE_OK;
}

static void
fig_int(struct json_object *f, const char *name, int64_t v)
{
	json_object_object_add(f, name, json_object_new_int64(v));
}

static void
fig_str(struct json_object *f, const char *name, const char *v)
{
	json_object_object_add(f, name, v != NULL ? json_object_new_string(v) : NULL);
}

/* A quota check's figures and sentence. */
struct quota {
	const char	*rule, *title, *what;	/* what: "of Harbour Flower" / "of flower" */
	const char	*unit, *form;
	int64_t		 used, this, max, from_us;
};

static enum cerr
add_quota(struct pool *p, struct json_object *a, const struct quota *q)
{
	struct json_object	*f = json_object_new_object(), *w;
	char			 from[21], to[21];
	int64_t			 total = q->used + q->this, remaining = q->max - q->used;
	bool			 passed = total <= q->max;
	const char		*detail;

	if (f == NULL || (w = json_object_new_object()) == NULL) {
		json_object_put(f);
		return CE_NOMEM;
	}
	if (remaining < 0)
		remaining = 0;
	rx_rfc3339(q->from_us, from);
	rx_rfc3339(q->from_us + RX_WINDOW_US, to);
	fig_int(f, "used", q->used);
	fig_int(f, "this", q->this);
	fig_int(f, "max", q->max);
	fig_int(f, "remaining", remaining);
	fig_str(f, "unit", q->unit);
	fig_str(f, "used_label", amount_figures(p, q->unit, q->form, q->used));
	fig_str(f, "this_label", amount_figures(p, q->unit, q->form, q->this));
	fig_str(f, "max_label", amount_figures(p, q->unit, q->form, q->max));
	fig_str(f, "remaining_label", amount_figures(p, q->unit, q->form, remaining));
	fig_str(w, "from", from);
	fig_str(w, "to", to);
	json_object_object_add(f, "window", w);
	detail = pool_printf(p, "In the 30 days from %.10s to %.10s, %s %s %s already prescribed;"
	    " with this %s the total would be %s, %s the plan's limit of %s (%s remaining).",
	    from, to, amount_figures(p, q->unit, q->form, q->used), q->what,
	    q->used == 1 && strcmp(q->unit, "each") == 0 ? "is" : "are",
	    amount_figures(p, q->unit, q->form, q->this),
	    amount_figures(p, q->unit, q->form, total), passed ? "within" : "over",
	    amount_figures(p, q->unit, q->form, q->max),
	    amount_figures(p, q->unit, q->form, remaining));
	return add_check(a, q->rule, passed, q->title, detail, f);
}

/* The used sum in the window for live prescriptions matching product_id (or form). */
static enum cerr
window_for(struct pool *p, const struct rx_facts *fa, int64_t product_id, const char *form,
    bool thc, int64_t *used, int64_t *from_us)
{
	int64_t	*at, *amt;
	size_t	 i, n = 0;

	at = pool_calloc(p, fa->nlive + 1, sizeof(*at));
	amt = pool_calloc(p, fa->nlive + 1, sizeof(*amt));
	if (at == NULL || amt == NULL)
		return CE_NOMEM;
	for (i = 0; i < fa->nlive; i++) {
		const struct rx_live *l = &fa->live[i];

		if (product_id != 0 && l->product_id != product_id)
			continue;
		if (form != NULL && (l->form == NULL || strcmp(l->form, form) != 0))
			continue;
		at[n] = l->at_us;
		amt[n] = thc ? l->thc_ug : l->quantity;
		if (amt[n] < 0 || amt[n] > INT64_MAX / 4 / (int64_t)(fa->nlive + 1))
			return CE_INVALID;
		n++;
	}
	*used = rx_window_used(at, amt, n, fa->at_us, from_us);
	return CE_OK;
}

static const char NOT_CHECKED[] = "Not checked: the product must be one of the plan's items first.";

enum cerr
rx_rules(struct pool *p, const struct rx_facts *fa, struct rx_verdict *v)
{
	const struct product	*pr = fa->product;
	const struct plan	*pl = fa->plan;
	const struct plan_item	*item = NULL;
	const struct plan_form_limit *lim = NULL;
	struct json_object	*a, *f;
	struct quota		 q;
	const char		*what, *unit = pr != NULL ? pr->supply_unit : NULL;
	int64_t			 used, from, limit_days, ceiling_ug, daily_thc, days;
	bool			 passed, justified;
	enum cerr		 rc = CE_NOMEM;

	memset(v, 0, sizeof(*v));
	v->initial = fa->initial;
	if (fa->quantity <= 0 || (pr != NULL && (pr->thc_ug < 0 || pr->cbd_ug < 0)))
		return CE_INVALID;
	if (pr != NULL) {
		/* quantity x the larger content per unit must fit, with room for the window's sums */
		int64_t	per = pr->thc_ug > pr->cbd_ug ? pr->thc_ug : pr->cbd_ug;

		if (per < 1)
			per = 1;
		if (fa->quantity > INT64_MAX / 4 / per)
			return CE_INVALID;
	} else if (fa->quantity > INT64_MAX / 4)
		return CE_INVALID;
	if ((a = json_object_new_array()) == NULL)
		return CE_NOMEM;
	if (pl != NULL && pr != NULL) {
		int64_t	per = pr->thc_ug > 1 ? pr->thc_ug : 1;

		item = item_for(pl, pr->id);
		lim = limit_for(pl, pr->form);
		/* the plan's figures times the product's, refused as input rather than overflowing */
		if ((item != NULL && (item->daily_amount < 0 || item->daily_amount > INT64_MAX / 4 /
		    per || (fa->max_days > 0 && item->daily_amount > INT64_MAX / 4 / fa->max_days))) ||
		    fa->max_days < 0 || pl->max_thc_mg_per_day < 0 ||
		    pl->max_thc_mg_per_day > INT64_MAX / 4 / ((int64_t)RX_WINDOW_DAYS * 1000)) {
			json_object_put(a);
			return CE_INVALID;
		}
	}
	v->dose = fa->dose != NULL && *fa->dose != '\0' ? fa->dose :
	    item != NULL ? item->dose : NULL;
	if (pr != NULL) {
		v->thc_ug_total = fa->quantity * pr->thc_ug;
		v->cbd_ug_total = fa->quantity * pr->cbd_ug;
	}
	if (item != NULL && item->daily_amount > 0) {
		v->daily_amount = item->daily_amount;
		v->days_supply = fa->quantity / item->daily_amount +
		    (fa->quantity % item->daily_amount != 0);
	}
	what = pr != NULL ? pool_printf(p, "of %s %s", pr->brand, pr->name) : "";
	if (what == NULL)
		goto fail;

	/* identity-verified */
	if ((f = json_object_new_object()) == NULL)
		goto fail;
	json_object_object_add(f, "verified", json_object_new_boolean(fa->identity_verified));
	if ((rc = add_check(a, "identity-verified", fa->identity_verified, "Identity verified",
	    fa->identity_verified ? "The patient's identity has been verified." :
	    "The patient's identity has not been verified yet: a prescription needs a verified"
	    " identity.", f)) != CE_OK)
		goto fail;

	/* patient-details: a Schedule 2 prescription names the patient's address; DOB in practice */
	rc = CE_NOMEM;
	if ((f = json_object_new_object()) == NULL)
		goto fail;
	{
		const char	*miss[3];
		const char	*list;
		size_t		 nm = 0;

		if (fa->no_address_line1)
			miss[nm++] = "the first line of their address";
		if (fa->no_town_or_postcode)
			miss[nm++] = "their town or postcode";
		if (fa->no_date_of_birth)
			miss[nm++] = "their date of birth";
		json_object_object_add(f, "address_line1",
		    json_object_new_boolean(!fa->no_address_line1));
		json_object_object_add(f, "town_or_postcode",
		    json_object_new_boolean(!fa->no_town_or_postcode));
		json_object_object_add(f, "date_of_birth",
		    json_object_new_boolean(!fa->no_date_of_birth));
		list = nm == 0 ? "" : nm == 1 ? miss[0] : nm == 2 ?
		    pool_printf(p, "%s and %s", miss[0], miss[1]) :
		    pool_printf(p, "%s, %s and %s", miss[0], miss[1], miss[2]);
		if (list == NULL) {
			json_object_put(f);
			goto fail;
		}
		if ((rc = add_check(a, "patient-details", nm == 0, "Patient's details complete",
		    nm == 0 ? "The patient's address and date of birth are on record." :
		    pool_printf(p, "The prescription must carry the patient's address and date of"
		    " birth: %s %s missing from their record.", list, nm == 1 ? "is" : "are"),
		    f)) != CE_OK)
			goto fail;
	}

	/* prescriber-details: the prescriber's address is the clinic's (conf clinic_address) */
	rc = CE_NOMEM;
	if ((f = json_object_new_object()) == NULL)
		goto fail;
	json_object_object_add(f, "practice_address",
	    json_object_new_boolean(!fa->no_practice_address));
	if ((rc = add_check(a, "prescriber-details", !fa->no_practice_address,
	    "Prescriber's details complete", !fa->no_practice_address ?
	    "The prescriber's address (the clinic's) is set." :
	    "The prescriber's address is missing: the clinic's address (setting clinic_address)"
	    " must be set before anything is prescribed.", f)) != CE_OK)
		goto fail;

	/* plan-active */
	rc = CE_NOMEM;
	if ((f = json_object_new_object()) == NULL)
		goto fail;
	passed = pl != NULL && pl->active;
	if (pl != NULL) {
		fig_int(f, "plan_id", pl->id);
		fig_int(f, "version", pl->version);
		fig_str(f, "review_date", pl->review_date);
		json_object_object_add(f, "review_due", json_object_new_boolean(fa->today != NULL &&
		    pl->review_date != NULL && strcmp(pl->review_date, fa->today) <= 0));
	}
	if ((rc = add_check(a, "plan-active", passed, "Treatment plan in force",
	    pl == NULL ? "There is no such treatment plan for this patient." :
	    !pl->active ? pool_printf(p, "The treatment plan for %s has ended: prescribe from an"
	    " active plan.", pl->condition) :
	    fa->today != NULL && pl->review_date != NULL && strcmp(pl->review_date, fa->today) <= 0 ?
	    pool_printf(p, "The treatment plan for %s is active, but its review was due on %s:"
	    " review it soon.", pl->condition, pl->review_date) :
	    pool_printf(p, "The treatment plan for %s is active (version %" PRId64 ", review by"
	    " %s).", pl->condition, pl->version, pl->review_date), f)) != CE_OK)
		goto fail;

	/* product-in-plan */
	rc = CE_NOMEM;
	if ((f = json_object_new_object()) == NULL)
		goto fail;
	if (pr != NULL)
		fig_int(f, "product_id", pr->id);
	if ((rc = add_check(a, "product-in-plan", item != NULL, "Product in the plan",
	    pr == NULL ? "There is no such product in the formulary." :
	    pl == NULL ? pool_printf(p, "%s %s cannot be checked against a plan.", pr->brand,
	    pr->name) :
	    item != NULL ? pool_printf(p, "%s %s is one of the plan's products.", pr->brand,
	    pr->name) :
	    pool_printf(p, "%s %s is not one of the products the treatment plan for %s allows.",
	    pr->brand, pr->name, pl->condition), f)) != CE_OK)
		goto fail;

	/* product-active: a product withdrawn from the formulary is not prescribed */
	rc = CE_NOMEM;
	if ((f = json_object_new_object()) == NULL)
		goto fail;
	if (pr != NULL) {
		fig_int(f, "product_id", pr->id);
		json_object_object_add(f, "active", json_object_new_boolean(pr->active));
	}
	if ((rc = add_check(a, "product-active", pr != NULL && pr->active,
	    "Product available in the formulary",
	    pr == NULL ? "There is no such product in the formulary." :
	    pr->active ? pool_printf(p, "%s %s is available in the formulary.", pr->brand,
	    pr->name) :
	    pool_printf(p, "%s %s has been withdrawn from the formulary: it can no longer be"
	    " prescribed.", pr->brand, pr->name), f)) != CE_OK)
		goto fail;

	/* dose-given */
	rc = CE_NOMEM;
	if ((f = json_object_new_object()) == NULL)
		goto fail;
	fig_str(f, "dose", v->dose);
	passed = !dose_vague(v->dose);
	if ((rc = add_check(a, "dose-given", passed, "Dose stated",
	    passed ? "The dose says how much and how often." :
	    "The dose must say how much and how often, not only 'as directed'.", f)) != CE_OK)
		goto fail;

	/* days-supply */
	rc = CE_NOMEM;
	if ((f = json_object_new_object()) == NULL)
		goto fail;
	if (item == NULL) {
		if ((rc = add_check(a, "days-supply", false, "Within 30 days' treatment",
		    NOT_CHECKED, f)) != CE_OK)
			goto fail;
	} else {
		limit_days = fa->max_days;
		justified = fa->justification != NULL && strlen(fa->justification) >= MIN_JUSTIFICATION;
		days = v->days_supply;
		passed = fa->quantity <= limit_days * item->daily_amount || justified;
		fig_int(f, "days", days);
		fig_int(f, "max_days", limit_days);
		fig_int(f, "daily_amount", item->daily_amount);
		fig_str(f, "daily_label", amount_figures(p, unit, pr->form, item->daily_amount));
		fig_int(f, "quantity", fa->quantity);
		fig_int(f, "max_quantity", limit_days * item->daily_amount);
		json_object_object_add(f, "justified", json_object_new_boolean(justified));
		if ((rc = add_check(a, "days-supply", passed, pool_printf(p, "Within %" PRId64
		    " days' treatment", limit_days),
		    fa->quantity <= limit_days * item->daily_amount ?
		    pool_printf(p, "%s at %s a day is %" PRId64 " day%s' treatment, within the %"
		    PRId64 "-day limit.", amount_figures(p, unit, pr->form, fa->quantity),
		    amount_figures(p, unit, pr->form, item->daily_amount), days, days == 1 ? "" : "s",
		    limit_days) :
		    justified ?
		    pool_printf(p, "%s at %s a day is %" PRId64 " days' treatment, over the %" PRId64
		    "-day limit, with a recorded clinical justification.",
		    amount_figures(p, unit, pr->form, fa->quantity),
		    amount_figures(p, unit, pr->form, item->daily_amount), days, limit_days) :
		    pool_printf(p, "%s at %s a day is %" PRId64 " days' treatment, over the %" PRId64
		    "-day limit (at most %s): record a clinical justification (at least %d"
		    " characters) or prescribe less.",
		    amount_figures(p, unit, pr->form, fa->quantity),
		    amount_figures(p, unit, pr->form, item->daily_amount), days, limit_days,
		    amount_figures(p, unit, pr->form, limit_days * item->daily_amount),
		    MIN_JUSTIFICATION), f)) != CE_OK)
			goto fail;
	}

	/* quota-product */
	if (item == NULL) {
		rc = CE_NOMEM;
		if ((rc = add_check(a, "quota-product", false, "Within the product's 30-day limit",
		    NOT_CHECKED, NULL)) != CE_OK)
			goto fail;
	} else {
		if ((rc = window_for(p, fa, pr->id, NULL, false, &used, &from)) != CE_OK)
			goto fail;
		q = (struct quota){ "quota-product", "Within the product's 30-day limit", what,
		    unit, pr->form, used, fa->quantity, item->max_per_30d, from };
		if ((rc = add_quota(p, a, &q)) != CE_OK)
			goto fail;
	}

	/* quota-form */
	rc = CE_NOMEM;
	if (lim == NULL || item == NULL) {
		if ((rc = add_check(a, "quota-form", item != NULL, "Within the form's 30-day limit",
		    item == NULL ? NOT_CHECKED : pool_printf(p, "The plan sets no limit for %s"
		    " products as a whole.", form_words(p, pr->form)),
		    NULL)) != CE_OK)
			goto fail;
	} else {
		if ((rc = window_for(p, fa, 0, pr->form, false, &used, &from)) != CE_OK)
			goto fail;
		q = (struct quota){ "quota-form", "Within the form's 30-day limit",
		    pool_printf(p, "of %s products", form_words(p, pr->form)), unit, pr->form, used,
		    fa->quantity, lim->max_per_30d, from };
		if (q.what == NULL || (rc = add_quota(p, a, &q)) != CE_OK)
			goto fail;
	}

	/* thc-ceiling */
	rc = CE_NOMEM;
	if ((f = json_object_new_object()) == NULL)
		goto fail;
	if (item == NULL || pl == NULL) {
		if ((rc = add_check(a, "thc-ceiling", false, "Within the THC ceiling", NOT_CHECKED,
		    f)) != CE_OK)
			goto fail;
	} else if (pl->max_thc_mg_per_day <= 0) {
		if ((rc = add_check(a, "thc-ceiling", true, "Within the THC ceiling",
		    "The plan sets no THC ceiling.", f)) != CE_OK)
			goto fail;
	} else {
		struct json_object *w = json_object_new_object();
		char	wf[21], wt[21];
		int64_t	total;
		bool	window_ok, daily_ok;

		if (w == NULL) {
			json_object_put(f);
			goto fail;
		}
		if ((rc = window_for(p, fa, 0, NULL, true, &used, &from)) != CE_OK) {
			json_object_put(w);
			json_object_put(f);
			goto fail;
		}
		rc = CE_NOMEM;
		ceiling_ug = (int64_t)RX_WINDOW_DAYS * pl->max_thc_mg_per_day * 1000;
		daily_thc = item->daily_amount * pr->thc_ug;
		total = used + v->thc_ug_total;
		window_ok = total <= ceiling_ug;
		daily_ok = daily_thc <= pl->max_thc_mg_per_day * 1000;
		rx_rfc3339(from, wf);
		rx_rfc3339(from + RX_WINDOW_US, wt);
		fig_int(f, "used_mg", used / 1000);
		fig_int(f, "this_mg", v->thc_ug_total / 1000);
		fig_int(f, "max_mg", ceiling_ug / 1000);
		fig_int(f, "remaining_mg", ceiling_ug > used ? (ceiling_ug - used) / 1000 : 0);
		fig_int(f, "daily_mg", daily_thc / 1000);
		fig_int(f, "max_mg_per_day", pl->max_thc_mg_per_day);
		fig_str(w, "from", wf);
		fig_str(w, "to", wt);
		json_object_object_add(f, "window", w);
		if ((rc = add_check(a, "thc-ceiling", window_ok && daily_ok, "Within the THC ceiling",
		    !daily_ok ?
		    pool_printf(p, "At %s a day this is %s mg of THC a day, over the plan's ceiling"
		    " of %" PRId64 " mg a day.", amount_figures(p, unit, pr->form, item->daily_amount),
		    dec(p, daily_thc, 3), pl->max_thc_mg_per_day) :
		    pool_printf(p, "In the 30 days from %.10s to %.10s, %s mg of THC %s already"
		    " prescribed; with this %s mg the total would be %s mg, %s the plan's %" PRId64
		    " mg (%" PRId64 " mg a day for 30 days).", wf, wt, dec(p, used, 3),
		    used == 1000 ? "is" : "are", dec(p, v->thc_ug_total, 3),
		    dec(p, total, 3), window_ok ? "within" : "over", ceiling_ug / 1000,
		    pl->max_thc_mg_per_day), f)) != CE_OK)
			goto fail;
	}

	/* initial-by-specialist */
	rc = CE_NOMEM;
	if ((f = json_object_new_object()) == NULL)
		goto fail;
	json_object_object_add(f, "initial", json_object_new_boolean(fa->initial));
	json_object_object_add(f, "specialist", json_object_new_boolean(fa->specialist));
	passed = !fa->initial || fa->specialist;
	if ((rc = add_check(a, "initial-by-specialist", passed, "Initial prescription by a specialist",
	    !fa->initial ? "This continues treatment: any prescriber may prescribe it." :
	    fa->specialist ? "This is the patient's first prescription, from a prescriber on the"
	    " specialist register." :
	    "This is the patient's first prescription: only a prescriber on the specialist"
	    " register may initiate treatment.", f)) != CE_OK)
		goto fail;

	v->ok = true;
	{
		size_t	i;

		for (i = 0; i < json_object_array_length(a); i++)
			if (!json_object_get_boolean(json_object_object_get(
			    json_object_array_get_idx(a, i), "passed")))
				v->ok = false;
	}
	v->checks = a;
	return CE_OK;
fail:
	json_object_put(a);
	return rc == CE_OK ? CE_NOMEM : rc;
}

/* Days since 1970-01-01 of a valid YYYY-MM-DD; -1 when it is not one. */
static long
day_number(const char *d)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	long	y, m, dd, era, yoe, doy, doe;
	int	i;
	bool	leap;

	if (d == NULL || strlen(d) != 10 || d[4] != '-' || d[7] != '-')
		return -1;
	for (i = 0; i < 10; i++)
		if (i != 4 && i != 7 && !isdigit((unsigned char)d[i]))
			return -1;
	y = (d[0] - '0') * 1000 + (d[1] - '0') * 100 + (d[2] - '0') * 10 + (d[3] - '0');
	m = (d[5] - '0') * 10 + (d[6] - '0');
	dd = (d[8] - '0') * 10 + (d[9] - '0');
	leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
	if (y < 1970 || m < 1 || m > 12 || dd < 1 || dd > mdays[m - 1] + (m == 2 && leap))
		return -1;
	/* days from civil (Howard Hinnant's algorithm) */
	y -= m <= 2;
	era = y / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + dd - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* "must be from today to N days from today" with the configured N (static text). */
static const char *
start_text(long validity_days)
{
	static char	text[80];
	int		n = snprintf(text, sizeof(text), "must be from today to %ld day%s from today",
			    validity_days, validity_days == 1 ? "" : "s");

	return n > 0 && (size_t)n < sizeof(text) ? text : "must be from today to the validity"
	    " period's end";
}

size_t
rx_input_check(const struct rx_input *in, const char *today, long validity_days,
    struct verr *errs)
{
	size_t	n = 0;
	long	s, t;

	if ((in->instalment_amount > 0) != (in->instalment_interval_days > 0)) {
		errs[n].field = in->instalment_amount > 0 ? "instalment_interval_days" :
		    "instalment_amount";
		errs[n++].detail = "instalment_amount and instalment_interval_days go together:"
		    " give both or neither";
	} else if (in->instalment_amount > 0 && in->instalment_amount >= in->quantity) {
		errs[n].field = "instalment_amount";
		errs[n++].detail = "must be less than the quantity (otherwise it is not in"
		    " instalments)";
	}
	if (in->start_date != NULL) {
		s = day_number(in->start_date);
		t = day_number(today);
		if (s < 0 || t < 0 || s < t || s > t + validity_days) {
			errs[n].field = "start_date";
			errs[n++].detail = start_text(validity_days);
		}
	}
	return n;
}
