#ifndef CLINIC_RX_H
#define CLINIC_RX_H
/*
 * prescriptions.fcgi (issue 5): the formulary, treatment plans, reports
 * (formulary.c, plans.c, plandiff.c, reports.c, units.c) and prescriptions
 * with their rules, signing keys and states (drafts.c, rules.c, words.c,
 * canon.c, sign.c, keys.c, states.c). docs/API.md#prescriptions describes
 * every route. Handlers follow serve.h: one reply each; a state change ends
 * with audit_commit(). Strings and arrays returned here belong to r->pool
 * unless a comment says otherwise.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "valid.h"

struct req;
struct pool;
struct json_object;
struct verr;

/* ---- products (formulary.c) ---- */

/* One formulary_product row. */
struct product {
	int64_t		 id;
	const char	*supplier;
	const char	*brand;
	const char	*name;
	const char	*form;		/* flower, oil, capsule, vape_cartridge, pastille, spray */
	const char	*supply_unit;	/* mg, ul, each */
	int64_t		 pack_size;	/* in supply_unit */
	int64_t		 thc_ug;	/* micrograms of THC per supply unit */
	int64_t		 cbd_ug;
	bool		 active;
};

/* Loads product id. CE_NOTFOUND when there is none; a database error otherwise. */
enum cerr	 product_load(struct req *, int64_t id, struct product *);
/*
 * The product as the API shows it (docs/API.md#formulary), labels and
 * availability included. A new object (caller puts), NULL on OOM.
 */
struct json_object *product_json(struct req *, const struct product *);
/* The supply unit a form is measured in ("mg", "ul" or "each"); NULL if no such form. */
const char	*form_unit(const char *form);

/* ---- amounts (units.c, pure) ---- */

/*
 * An amount in a supply unit in figures as people read it: mg as grams
 * ("10 g", "2.5 g", "0.25 g"), ul as millilitres ("50 ml"), each with the
 * form's noun ("30 capsules", "1 capsule"; form may be NULL: "units").
 * Exact: no floating point. pool string; NULL on OOM.
 */
char		*amount_figures(struct pool *, const char *unit, const char *form, int64_t amount);

/* ---- plans (plans.c) ---- */

struct plan_item {
	int64_t		 product_id;
	const char	*dose;		/* never just "as directed" */
	int64_t		 daily_amount;	/* supply units a day */
	int64_t		 max_per_30d;	/* supply units in any rolling 30 days */
};

struct plan_form_limit {
	const char	*form;
	int64_t		 max_per_30d;	/* in the form's supply unit, all its products together */
};

/* One treatment_plan row (the current version unless loaded from history). */
struct plan {
	int64_t		 id;
	int64_t		 patient_id;
	const char	*condition;
	int64_t		 version;
	bool		 active;
	struct plan_item *items;
	size_t		 nitems;
	struct plan_form_limit *limits;
	size_t		 nlimits;
	int64_t		 max_thc_mg_per_day;	/* 0: no ceiling set */
	const char	*review_date;		/* YYYY-MM-DD */
	const char	*notes;			/* may be "" */
	int64_t		 author_id;
	const char	*reason;
	const char	*changed_at;		/* "YYYY-MM-DD hh:mm:ss.ffffff" UTC */
};

/*
 * Loads plan id (its current version); with lock, FOR UPDATE (a transaction
 * must be open). CE_NOTFOUND when there is none; a database error otherwise.
 */
enum cerr	 plan_load(struct req *, int64_t plan_id, bool lock, struct plan *);
/* The plan's item for product_id, or NULL. */
const struct plan_item *plan_item_for(const struct plan *, int64_t product_id);
/* The plan's limit for form, or NULL. */
const struct plan_form_limit *plan_limit_for(const struct plan *, const char *form);

/* ---- route handlers ---- */

/* formulary.c */
int	formulary_list(struct req *);
int	formulary_get(struct req *);
int	formulary_create(struct req *);
int	formulary_update(struct req *);
/* plans.c, plandiff.c */
int	plans_list(struct req *);
int	plans_create(struct req *);
int	plans_update(struct req *);
int	plans_history(struct req *);
int	plans_diff(struct req *);
/* reports.c */
int	reports_totals(struct req *);
int	reports_running(struct req *);
/* drafts.c, rules.c */
int	rx_check(struct req *);
int	rx_create(struct req *);
int	rx_list(struct req *);
int	rx_get(struct req *);
int	rx_update(struct req *);
int	rx_quota(struct req *);
/* canon.c, sign.c, keys.c */
int	rx_sign(struct req *);
int	rx_document(struct req *);
int	rx_signature(struct req *);
int	rx_key(struct req *);
/* states.c */
int	rx_cancel(struct req *);

/* ---- plans area (helper A): formulary.c, units.c, plans.c, planbody.c, plandiff.c, reports.c ---- */

/* The columns plan_from_row() reads, in its order (treatment_plan, current or history row). */
#define PLAN_COLS	"id, patient_id, condition_name, version, status, body, author_id," \
	" reason, DATE_FORMAT(changed_at, '%Y-%m-%d %H:%i:%s.%f')"
/* One row of PLAN_COLS into *pl (strings borrowed from the row, the rest in pool). */
enum cerr	 plan_from_row(struct pool *, char **row, struct plan *);

/* v / 10^scale in decimal, trailing zeros dropped ("2.5", "0.25", "10"). pool string; NULL on OOM. */
char		*decimal_text(struct pool *, int64_t v, int scale);
/* "capsule"/"capsules", "cartridge(s)", "pastille(s)"; "unit(s)" for other or NULL forms. Static. */
const char	*form_noun(const char *form, bool plural);
/* "Flower", "Oil", "Capsule", "Vape cartridge", "Pastille", "Spray"; NULL if no such form. Static. */
const char	*form_label(const char *form);
/* "g", "ml", or the form's plural noun for "each"; NULL for an unknown unit. Static. */
const char	*unit_label(const char *unit, const char *form);
/* The product's strength as people read it (product_json's strength_label). pool string. */
char		*strength_label(struct pool *, const char *form, const char *unit, int64_t thc_ug,
		    int64_t cbd_ug);
/* "<brand> <name>", the product as sentences name it. pool string; NULL on OOM. */
char		*product_title(struct pool *, const struct product *);

/* A plan body as sent (planbody.c). */
struct plan_input {
	struct plan	 plan;		/* id, patient_id, version, author unset; condition NULL if not given */
	int64_t		 base_version;	/* PUT only */
	bool		 has_status;	/* PUT gave "status" */
};
/*
 * Checks a create (update false) or update body against docs/API.md#plans
 * with today's clinic date (YYYY-MM-DD). Pure. Returns 0 with *in filled,
 * -1 with (*errs, *nerrs) naming each bad field ("items[0].dose"), or -2 on
 * OOM. Everything in pool (strings borrowed from body, which must outlive in).
 * Does not check that products exist (plans.c does).
 */
int		 plan_parse(struct pool *, struct json_object *body, bool update, const char *today,
		    struct plan_input *in, struct verr **errs, size_t *nerrs);
/* True when the dose says no more than "as directed" ("use as directed", "m.d.u.", "as dir"). */
bool		 dose_as_directed(const char *dose);
/* True for a real date "YYYY-MM-DD" (years from 1900). */
bool		 plan_date_ok(const char *);
/* Today's date in the clinic's zone (conf clinic_timezone) into out. */
void		 plan_today(char out[11]);
/* {"id","name"[,"registration_number"]} of a user; NULL when none or on failure. */
struct json_object *person_json(struct req *, int64_t user_id, bool reg);
/* The plan as docs/API.md#plans shows it (products loaded). NULL on failure. */
struct json_object *plan_json(struct req *, const struct plan *);

/* One change between two versions of a plan, in words (plantext.c, pure). */
struct plan_change {
	const char	*field;		/* "condition", "items", "items.dose", "review_date", ... */
	int64_t		 product_id;	/* for item changes, else 0 */
	const char	*before;	/* figures as people read them; NULL: none */
	const char	*after;
	const char	*text;		/* "Daily amount of Harbour Flower 18% changed from 0.5 g to 1 g" */
};
/*
 * The changes from a to b, in a fixed order: condition, status, items
 * (removed, added, changed: dose, daily amount, 30-day maximum), form limits,
 * THC ceiling, review date, notes. products[0..nproducts) must hold every
 * product either version names (one missing is named "product <id>").
 * *out in pool. Returns 0, or -1 on OOM.
 */
int		 plan_diff(struct pool *, const struct plan *a, const struct plan *b,
		    const struct product *products, size_t nproducts,
		    struct plan_change **out, size_t *n);

#endif
