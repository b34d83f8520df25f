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
/*
 * True when the dose says no more than "as directed" ("use as directed",
 * "m.d.u.", "as dir", "take as advised", "use when required") (dose.c, pure:
 * the ONE test, used by plan validation and by the dose-given rule).
 */
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

/* ---- prescriptions area (helper B): rules.c, words.c, canon.c, drafts.c, sign.c, keys.c, states.c, expiry.c ---- */

/* The rolling window of the quotas, in days (REGULATORY.md). */
#define RX_WINDOW_DAYS	30
#define RX_WINDOW_US	((int64_t)RX_WINDOW_DAYS * 86400 * 1000000)

/*
 * The statuses of a LIVE prescription, as SQL: every one still valid or
 * supplied (out_of_stock is still valid: the pharmacy may yet supply it).
 * The rules, the quota meter and the running report count these.
 */
#define RX_LIVE_STATUSES \
	"('signed','sent','accepted','out_of_stock','awaiting_paper','dispensed','shipped'," \
	"'delivered')"

/* A live prescription of the patient (RX_LIVE_STATUSES), as the windows count it. */
struct rx_live {
	int64_t		 id;
	int64_t		 product_id;
	const char	*form;
	int64_t		 quantity;	/* in its product's supply unit */
	int64_t		 thc_ug;	/* thc_ug_total */
	int64_t		 at_us;		/* effective_at, microseconds since the epoch (UTC) */
};

/* What the rules judge; everything loaded beforehand (rules.c is pure). */
struct rx_facts {
	bool		 identity_verified;
	const struct plan *plan;	/* NULL: no such plan, or not the patient's */
	const char	*today;		/* YYYY-MM-DD, clinic date (review date warning) */
	const struct product *product;	/* NULL: no such product */
	const char	*dose;		/* as given, or NULL: the plan item's */
	int64_t		 quantity;	/* supply units */
	const char	*justification;	/* NULL or "" when none */
	int64_t		 max_days;	/* prescription_max_days */
	int64_t		 at_us;		/* this one's effective time */
	const struct rx_live *live;	/* the patient's live prescriptions, not this one */
	size_t		 nlive;
	bool		 initial;	/* the patient has never had one signed */
	bool		 specialist;	/* the prescriber is on the specialist register */
	/* patient-details / prescriber-details: what the prescription would lack (false: present) */
	bool		 no_address_line1, no_town_or_postcode, no_date_of_birth;
	bool		 no_practice_address;	/* conf clinic_address is empty */
};

struct rx_verdict {
	bool		 ok;		/* every check passed */
	bool		 initial;
	const char	*dose;		/* the dose in force (given or the plan's); may be NULL */
	int64_t		 daily_amount;	/* the plan item's; 0 when the product is not in it */
	int64_t		 days_supply;	/* ceil(quantity / daily_amount); 0 as above */
	int64_t		 thc_ug_total;	/* quantity x THC per unit; 0 without a product */
	int64_t		 cbd_ug_total;
	/*
	 * [{"rule", "passed", "title", "detail", "figures": {...}}], in a fixed
	 * order: identity-verified, patient-details, prescriber-details,
	 * plan-active, product-in-plan, product-active, dose-given, days-supply,
	 * quota-product, quota-form, thc-ceiling, initial-by-specialist. A new
	 * array: the caller puts it.
	 */
	struct json_object *checks;
};

/*
 * Runs every rule over f into v. CE_OK, CE_NOMEM, or CE_INVALID when a
 * quantity or a sum would overflow (v->checks NULL then): the quantity times
 * the product's THC or CBD per unit, or a window's sum, beyond int64.
 */
enum cerr	 rx_rules(struct pool *, const struct rx_facts *, struct rx_verdict *);
/*
 * The largest sum of amount[i] (at at_us[i]) over the 30-day windows
 * [t, t + 30 days) that contain at; *from_us is the start of that window.
 * Two times exactly 30 days apart are never in one window.
 */
int64_t		 rx_window_used(const int64_t *at_us, const int64_t *amount, size_t n,
		    int64_t at, int64_t *from_us);
/* "YYYY-MM-DDThh:mm:ssZ" of us (microseconds since the epoch) into out (21 bytes). */
void		 rx_rfc3339(int64_t us, char out[21]);

/*
 * A quantity in words (words.c, pure): mg as grams ("thirty grams", "two
 * point five grams"; under a gram, "five hundred milligrams"), ul as
 * millilitres ("fifty millilitres", "zero point five millilitres"), each
 * with the form's noun ("sixty capsules", "one capsule"). British English
 * ("one hundred and twenty"). pool string; NULL on OOM, a negative amount
 * or an unknown unit.
 */
char		*rx_words(struct pool *, const char *unit, const char *form, int64_t amount);
/* A whole number in words ("one thousand two hundred and five"). pool string; NULL on OOM. */
char		*rx_number_words(struct pool *, uint64_t);

/* Everything a signed prescription says (canon.c; docs/API.md#prescribing). */
struct rx_doc {
	int64_t		 id;
	const char	*issued_at;	/* RFC 3339 UTC */
	const char	*valid_from;	/* YYYY-MM-DD */
	const char	*valid_until;	/* RFC 3339 UTC */
	const char	*patient_name, *patient_dob, *patient_address;	/* dob/address may be NULL */
	int64_t		 product_id;
	const char	*supplier, *brand, *product_name, *form, *strength, *supply_unit;
	int64_t		 thc_ug_per_unit, cbd_ug_per_unit;
	const char	*dose;
	int64_t		 quantity;
	const char	*quantity_figures, *quantity_words;
	int64_t		 days_supply;
	int64_t		 instalment_amount;	/* 0: not in instalments */
	int64_t		 instalment_interval_days;
	const char	*instalment_figures;
	const char	*justification;		/* NULL: none */
	int64_t		 prescriber_id;
	const char	*prescriber_name, *prescriber_reg, *practice, *practice_address;
	bool		 specialist;
	int64_t		 plan_id, plan_version;
	bool		 initial;
	bool		 paper_required;
	const char	*key_fingerprint;
};

/*
 * The canonical JSON text of d: members in a fixed order, no whitespace
 * outside strings, UTF-8 as given (only '"', '\\' and control characters
 * escaped, as \u00XX but for \n, \t and the like), integers only. NULL strings
 * are null. pool memory, *len bytes, NUL-terminated; NULL on OOM.
 */
char		*rx_canon(struct pool *, const struct rx_doc *, size_t *len);

/* A draft's input (POST /check, POST /, PUT /{id}) once its fields passed their table. */
struct rx_input {
	int64_t		 patient_id, plan_id, product_id, quantity;
	const char	*dose;			/* NULL: the plan item's */
	const char	*justification;		/* NULL: none */
	const char	*start_date;		/* YYYY-MM-DD or NULL */
	int64_t		 instalment_amount;	/* 0: none */
	int64_t		 instalment_interval_days;
	int64_t		 appointment_id;	/* 0: none */
};
/*
 * The checks across fields (rules.c, pure): instalments both or neither and
 * no larger than the quantity; start_date from today to today + validity
 * days (the detail names that number). Fills errs (room for 4) with each
 * problem; returns their count. Run at create, update and again at signing.
 */
size_t		 rx_input_check(const struct rx_input *, const char *today, long validity_days,
		    struct verr *errs);

/* One prescription row (drafts.c). Strings in r->pool; NULL for SQL NULL. */
struct rx_row {
	int64_t		 id, patient_id, plan_id, plan_version, prescriber_id, product_id;
	int64_t		 appointment_id;	/* 0: none */
	const char	*status;
	bool		 initial, paper_required;
	const char	*dose;
	int64_t		 quantity, daily_amount, days_supply, thc_ug_total, cbd_ug_total;
	const char	*justification;
	int64_t		 instalment_amount, instalment_interval_days;	/* 0: none */
	const char	*start_date;
	int64_t		 effective_us;
	const char	*created_at, *signed_at, *valid_until, *status_changed_at;	/* RFC 3339 */
	int64_t		 key_id;
	const char	*document;
	size_t		 doclen;
	const unsigned char *signature;
	size_t		 siglen;
	const char	*cancel_reason;
};
/* Loads prescription id (FOR UPDATE with lock). CE_NOTFOUND or a database error. */
enum cerr	 rx_load(struct req *, int64_t id, bool lock, struct rx_row *);
/*
 * The prescription of path parameter {id} as r's principal may reach it (a
 * patient: their own only; staff: any, the read recorded unless lock). 0
 * with *row filled, or the status of the reply already made (404 ...).
 * With lock, a transaction is begun and the row locked.
 */
int		 rx_reach(struct req *, bool lock, struct rx_row *);
/* The Prescription JSON (docs/API.md#prescribing). NULL on failure. */
struct json_object *rx_json(struct req *, const struct rx_row *);
/*
 * Loads what the rules need for in (patient, plan, product, live
 * prescriptions other than exclude_id, prescriber) and runs them into v;
 * at_us is the effective time judged (0: now, or the start date). pl and
 * pr receive the plan and product (zeroed when missing). CE_OK or an error.
 */
enum cerr	 rx_evaluate(struct req *, const struct rx_input *, int64_t exclude_id,
		    int64_t prescriber_id, int64_t at_us, struct rx_verdict *v, struct plan *pl,
		    struct product *pr);
/*
 * A start date's instant: midnight at its start in the clinic's zone (conf
 * clinic_timezone), in microseconds since the epoch; 0 when NULL or not a
 * date. rx_start_sql: the same as "YYYY-MM-DD hh:mm:ss" UTC (pool; NULL then).
 */
int64_t		 rx_start_us(const char *start_date);
const char	*rx_start_sql(struct pool *, const char *start_date);
/*
 * Records that staff saw what the checks show of patient_id (identity status,
 * plan, usage): patient_read_audit "prescribing-check". No transaction may be open.
 */
enum cerr	 rx_check_read(struct req *, int64_t patient_id, int64_t plan_id);
/* An event row for prescription id in r's open transaction (actor 0: the system). */
enum cerr	 rx_event(struct req *, int64_t id, const char *status, int64_t actor,
		    const char *reason);
/* The audit details every prescription action carries. A new object (caller puts). */
struct json_object *rx_audit_details(const struct rx_row *, const char *unit);
/* The prescriber's current key, made on first use (keys.c). */
struct rx_key {
	int64_t		 id;
	const char	*fingerprint;
	const char	*public_pem;
	const unsigned char *sealed;
	size_t		 sealed_len;
};
/* Loads (or, with create, makes and stores in r's open transaction) the current key. */
enum cerr	 rx_key_current(struct req *, int64_t clinician_id, bool create, struct rx_key *);
/*
 * Signs len bytes of doc with the key's sealed private part (opened here,
 * wiped after use): DER ECDSA over SHA-256 into sig (room for 160 bytes).
 * CE_INVALID when the sealed part does not open (another secret_key).
 */
enum cerr	 rx_key_sign(int64_t clinician_id, const struct rx_key *, const void *doc,
		    size_t len, unsigned char *sig, size_t *siglen);

/*
 * Retires key k (retired_at now) in r's open transaction, audited
 * "prescriber_key.retired" with reason. What it signed stays verifiable by
 * its public key (GET /keys/{id}?fingerprint=).
 */
enum cerr	 rx_key_retire(struct req *, int64_t clinician_id, const struct rx_key *,
		    const char *reason);
/* Expires what is past its validity (expiry.c); each in its own transaction. */
enum cerr	 rx_expire_sweep(struct req *, int *expired);
/* Plain words for a status ("Signed — on its way to the pharmacy"). Static. */
const char	*rx_status_label(const char *status);
/*
 * Where the medicine is, for the patient's page (issue 6, states.c):
 * {"stage", "sentence" (plain words), "pharmacy": {id, name} | null,
 * "pharmacy_ref", "supply_method", "tracking_number", "tracking_url",
 * "expected_date" (when out of stock, if known)}. NULL on failure.
 */
struct json_object *rx_where(struct req *, const struct rx_row *);

#endif
