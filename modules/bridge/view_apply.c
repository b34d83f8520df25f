/*
 * bridge_apply() (bridge.h): what a partner pharmacy's verified message does
 * at the clinic. Prescriptions move forward only (view_rules.c); each step
 * writes its prescription_event (source and detail), its audit row (actor
 * "system") and the notifications people need at once; stock messages
 * update pharmacy_stock. Runs inside the receiver's transaction.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "audit.h"
#include "db.h"
#include "log.h"
#include "pool.h"
#include "req.h"
#include "bridge.h"
#include "view.h"
#include "../prescriptions/rx.h"

static const char SQL_RX[] =
    "SELECT p.status, p.pharmacy_id, p.patient_id, p.prescriber_id, p.product_id, p.quantity,"
    " f.brand, f.name, f.form, f.supply_unit, u.given_name, u.family_name"
    " FROM prescription p JOIN formulary_product f ON f.id = p.product_id"
    " JOIN users u ON u.id = p.patient_id WHERE p.id = ? FOR UPDATE";
static const char SQL_REF[] =
    "UPDATE prescription SET pharmacy_ref = ?, pharmacy_id = COALESCE(pharmacy_id, ?),"
    " updated_at = UTC_TIMESTAMP(6) WHERE id = ?";
static const char SQL_STATUS[] =
    "UPDATE prescription SET status = ?, status_changed_at = UTC_TIMESTAMP(6),"
    " updated_at = UTC_TIMESTAMP(6), pharmacy_id = COALESCE(pharmacy_id, ?),"
    " pharmacy_ref = COALESCE(?, pharmacy_ref), supply_method = COALESCE(?, supply_method),"
    " tracking_number = COALESCE(?, tracking_number), tracking_url = COALESCE(?, tracking_url)"
    " WHERE id = ?";
static const char SQL_EVENT[] =
    "INSERT INTO prescription_event (prescription_id, status, at, actor_id, reason, detail,"
    " source) VALUES (?, ?, UTC_TIMESTAMP(6), NULL, ?, ?, ?)";
static const char SQL_PRODUCT[] =
    "SELECT brand, name, form, supply_unit FROM formulary_product WHERE id = ?";
/*
 * The other products of the patient's active plans that are active in the
 * formulary and not reported out of stock everywhere (available somewhere,
 * or not reported at all).
 */
static const char SQL_ALTERNATIVES[] =
    "SELECT DISTINCT f.id, f.brand, f.name, f.form, f.supply_unit,"
    " (SELECT MAX(s.available) FROM pharmacy_stock s WHERE s.product_id = f.id)"
    " FROM treatment_plan t JOIN JSON_TABLE(t.body, '$.items[*]' COLUMNS"
    " (product_id BIGINT UNSIGNED PATH '$.product_id')) j"
    " JOIN formulary_product f ON f.id = j.product_id"
    " WHERE t.patient_id = ? AND t.status = 'active' AND f.active = 1 AND f.id <> ?"
    " AND (NOT EXISTS (SELECT 1 FROM pharmacy_stock s WHERE s.product_id = f.id)"
    " OR EXISTS (SELECT 1 FROM pharmacy_stock s WHERE s.product_id = f.id AND s.available > 0))"
    " ORDER BY f.brand, f.name, f.id LIMIT 20";
static const char SQL_STOCK_UPSERT[] =
    "INSERT INTO pharmacy_stock (partner_id, product_id, available, expected_date, as_of,"
    " received_at) VALUES (?, ?, ?, ?, ?, UTC_TIMESTAMP(6))"
    " ON DUPLICATE KEY UPDATE"
    " available = IF(VALUES(as_of) >= as_of, VALUES(available), available),"
    " expected_date = IF(VALUES(as_of) >= as_of, VALUES(expected_date), expected_date),"
    " received_at = IF(VALUES(as_of) >= as_of, VALUES(received_at), received_at),"
    " as_of = GREATEST(as_of, VALUES(as_of))";
static const char SQL_STOCK_ZERO[] =
    "UPDATE pharmacy_stock SET available = 0, expected_date = NULL, as_of = ?,"
    " received_at = UTC_TIMESTAMP(6) WHERE partner_id = ? AND as_of < ?";
static const char SQL_PRODUCT_EXISTS[] =
    "SELECT unit_ok FROM (SELECT supply_unit = ? AS unit_ok FROM formulary_product"
    " WHERE id = ?) x";
static const char SQL_CANCEL_SEEN[] =
    "SELECT COUNT(*) FROM prescription_event WHERE prescription_id = ? AND status = 'cancelled'"
    " AND source = 'pharmacy'";

const char *
bridge_outcome_str(enum bridge_outcome o)
{
	switch (o) {
	case BRIDGE_APPLIED:
		return "applied";
	case BRIDGE_IGNORED:
		return "ignored";
	case BRIDGE_UNKNOWN:
		return "unknown";
	}
	return "unknown";
}

/* The prescription as the messages need it (strings in r->pool). */
struct rx_view {
	int64_t		 id;
	const char	*status;
	int64_t		 pharmacy_id;
	int64_t		 patient_id;
	int64_t		 prescriber_id;
	int64_t		 product_id;
	int64_t		 quantity;
	const char	*brand, *name, *form, *unit;
	const char	*patient_name;
};

static const char *
str(struct json_object *o, const char *k)
{
	struct json_object	*v;

	return json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string) ?
	    json_object_get_string(v) : NULL;
}

static int64_t
num(struct json_object *o, const char *k)
{
	struct json_object	*v;

	return json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_int) ?
	    json_object_get_int64(v) : 0;
}

/* "10 g" of the product; "10 units" if that fails. */
static const char *
figures(struct req *r, const char *unit, const char *form, int64_t amount)
{
	const char	*s = amount_figures(r->pool, unit, form, amount);

	return s != NULL ? s : pool_printf(r->pool, "%" PRId64 " units", amount);
}

/*
 * data.alternatives for the prescriber: [{id, brand, name, form, title,
 * available}] of the plan's other products (SQL_ALTERNATIVES). *names is a
 * "A, B" list for the notification's text ("" when none). NULL on failure.
 */
static struct json_object *
alternatives(struct req *r, const struct rx_view *x, const char **names)
{
	struct db_res		*res;
	struct json_object	*a, *e;
	const char		*list = "";
	size_t			 i;

	*names = "";
	if (db_exec(r->db, r->pool, &res, SQL_ALTERNATIVES, "ii", x->patient_id,
	    x->product_id) != CE_OK || (a = json_object_new_array()) == NULL)
		return NULL;
	for (i = 0; i < res->nrows; i++) {
		char **c = res->rows[i];
		const char *title = pool_printf(r->pool, "%s %s", c[1], c[2]);

		if (title == NULL || (e = json_object_new_object()) == NULL)
			break;
		json_object_object_add(e, "id", json_object_new_int64(db_int(c[0])));
		json_object_object_add(e, "brand", json_object_new_string(c[1]));
		json_object_object_add(e, "name", json_object_new_string(c[2]));
		json_object_object_add(e, "form", json_object_new_string(c[3]));
		json_object_object_add(e, "supply_unit", json_object_new_string(c[4]));
		json_object_object_add(e, "title", json_object_new_string(title));
		json_object_object_add(e, "available", c[5] != NULL ?
		    json_object_new_int64(db_int(c[5])) : NULL);
		json_object_array_add(a, e);
		list = *list == '\0' ? title : pool_printf(r->pool, "%s, %s", list, title);
		if (list == NULL)
			list = "";
	}
	*names = list;
	return a;
}

/* {prescription_id, product_id, pharmacy, ...} for a notification's data. */
static struct json_object *
note_data(const struct rx_view *x, const char *partner_name)
{
	struct json_object	*d = json_object_new_object();

	if (d == NULL)
		return NULL;
	json_object_object_add(d, "prescription_id", json_object_new_int64(x->id));
	json_object_object_add(d, "product_id", json_object_new_int64(x->product_id));
	json_object_object_add(d, "pharmacy", json_object_new_string(partner_name));
	return d;
}

/* What is missing, in words: "Harbour Flower 22: 4 g of the 10 g needed". */
static const char *
missing_text(struct req *r, struct json_object *missing)
{
	struct db_res	*res;
	const char	*out = "", *one;
	size_t		 i;

	for (i = 0; missing != NULL && i < json_object_array_length(missing); i++) {
		struct json_object *m = json_object_array_get_idx(missing, i);
		const char *unit = str(m, "unit"), *form = NULL, *title = "a product";

		if (db_exec(r->db, r->pool, &res, SQL_PRODUCT, "i", num(m, "product_id")) == CE_OK &&
		    res->nrows == 1) {
			title = pool_printf(r->pool, "%s %s", res->rows[0][0], res->rows[0][1]);
			form = res->rows[0][2];
		}
		one = pool_printf(r->pool, "%s: %s available of the %s needed", title != NULL ?
		    title : "a product", figures(r, unit, form, num(m, "available")),
		    figures(r, unit, form, num(m, "needed")));
		if (one == NULL)
			continue;
		out = *out == '\0' ? one : pool_printf(r->pool, "%s; %s", out, one);
		if (out == NULL)
			out = "";
	}
	return out;
}

static const char *
reasons_text(struct req *r, struct json_object *reasons)
{
	const char	*out = "", *m;
	size_t		 i;

	for (i = 0; reasons != NULL && i < json_object_array_length(reasons); i++) {
		if ((m = str(json_object_array_get_idx(reasons, i), "message")) == NULL)
			continue;
		out = *out == '\0' ? m : pool_printf(r->pool, "%s; %s", out, m);
		if (out == NULL)
			out = "";
	}
	return out;
}

/* The notifications of an out-of-stock or rejected prescription. */
static enum cerr
notify_problem(struct req *r, const struct rx_view *x, const char *partner_name,
    const char *status, struct json_object *data)
{
	struct json_object	*d, *alts, *v;
	const char		*names, *product, *link, *title, *body, *expected = NULL;
	const char		*why;
	enum cerr		 rc;
	bool			 oos = strcmp(status, "out_of_stock") == 0;

	product = pool_printf(r->pool, "%s %s", x->brand, x->name);
	link = pool_printf(r->pool, "#/prescriptions/%" PRId64, x->id);
	if (product == NULL || link == NULL)
		return CE_NOMEM;
	if ((alts = alternatives(r, x, &names)) == NULL)
		return CE_NOMEM;
	if (oos) {
		expected = str(data, "expected_date");
		why = missing_text(r, json_object_object_get_ex(data, "missing", &v) ? v : NULL);
		title = pool_printf(r->pool, "Out of stock: %s for %s", product, x->patient_name);
		body = pool_printf(r->pool, "%s cannot supply prescription %" PRId64 " (%s of %s)"
		    " for %s yet. %s%s%s %s%s",
		    partner_name, x->id, figures(r, x->unit, x->form, x->quantity), product,
		    x->patient_name, *why != '\0' ? why : "Not enough in stock", ". ",
		    expected != NULL ? pool_printf(r->pool, "More is expected on %s.",
		    bridge_date_words(r->pool, expected)) :
		    "No delivery date is known yet.",
		    *names != '\0' ? "Alternatives in the patient's plan: " : "No other product"
		    " in the patient's plan is available.",
		    *names != '\0' ? pool_printf(r->pool, "%s.", names) : "");
	} else {
		why = reasons_text(r, json_object_object_get_ex(data, "reasons", &v) ? v : NULL);
		title = pool_printf(r->pool, "Rejected by the pharmacy: %s for %s", product,
		    x->patient_name);
		body = pool_printf(r->pool, "%s did not accept prescription %" PRId64 " (%s of %s)"
		    " for %s. Reasons: %s. %s%s", partner_name, x->id,
		    figures(r, x->unit, x->form, x->quantity), product, x->patient_name,
		    *why != '\0' ? why : "none given",
		    *names != '\0' ? "Alternatives in the patient's plan: " : "No other product"
		    " in the patient's plan is available.",
		    *names != '\0' ? pool_printf(r->pool, "%s.", names) : "");
	}
	if (title == NULL || body == NULL || (d = note_data(x, partner_name)) == NULL) {
		json_object_put(alts);
		return CE_NOMEM;
	}
	json_object_object_add(d, "alternatives", alts);
	if (oos) {
		if (json_object_object_get_ex(data, "missing", &v))
			json_object_object_add(d, "missing", json_object_get(v));
		json_object_object_add(d, "expected_date", expected != NULL ?
		    json_object_new_string(expected) : NULL);
	} else if (json_object_object_get_ex(data, "reasons", &v))
		json_object_object_add(d, "reasons", json_object_get(v));
	if ((rc = notify_user(r, x->prescriber_id, oos ? "prescription.out_of_stock" :
	    "prescription.rejected", title, body, link, d)) != CE_OK)
		return rc;
	/* the patient: plain words, the clinic will be in touch */
	if (oos) {
		title = pool_printf(r->pool, "Your %s is waiting for stock", product);
		body = pool_printf(r->pool, "The pharmacy does not have enough %s for your"
		    " prescription right now. %s Your clinic has been told and will be in touch"
		    " about what happens next.", product, expected != NULL ?
		    pool_printf(r->pool, "More is expected on %s.",
		    bridge_date_words(r->pool, expected)) :
		    "It does not yet know when more will arrive.");
	} else {
		title = pool_printf(r->pool, "Your prescription for %s was not accepted", product);
		body = pool_printf(r->pool, "The pharmacy could not accept your prescription for %s."
		    " Your clinician has been told the reasons and will be in touch.", product);
	}
	if (title == NULL || body == NULL || (d = note_data(x, partner_name)) == NULL)
		return CE_NOMEM;
	if (oos)
		json_object_object_add(d, "expected_date", expected != NULL ?
		    json_object_new_string(expected) : NULL);
	return notify_user(r, x->patient_id, oos ? "prescription.out_of_stock" :
	    "prescription.rejected", title, body, link, d);
}

/* The patient's notification of a shipped or delivered prescription. */
static enum cerr
notify_progress(struct req *r, const struct rx_view *x, const char *partner_name,
    const char *status, struct json_object *data)
{
	struct json_object	*d;
	const char		*product, *title, *body, *tn, *courier, *method;

	product = pool_printf(r->pool, "%s %s", x->brand, x->name);
	if (product == NULL)
		return CE_NOMEM;
	if (strcmp(status, "shipped") == 0) {
		tn = str(data, "tracking_number");
		courier = str(data, "courier");
		title = "Your medicine is on its way";
		body = pool_printf(r->pool, "Your %s has left the pharmacy%s%s. Tracking number: %s.",
		    product, courier != NULL ? " with " : "", courier != NULL ? courier : "",
		    tn != NULL ? tn : "not given");
	} else {
		method = str(data, "method");
		if (method != NULL && strcmp(method, "collection") == 0) {
			title = "Your medicine has been collected";
			body = pool_printf(r->pool, "Your %s was collected from %s.", product,
			    partner_name);
		} else {
			title = "Your medicine has been delivered";
			body = pool_printf(r->pool, "Your %s has been delivered.", product);
		}
	}
	if (body == NULL || (d = note_data(x, partner_name)) == NULL)
		return CE_NOMEM;
	if (strcmp(status, "shipped") == 0) {
		tn = str(data, "tracking_number");
		json_object_object_add(d, "tracking_number", tn != NULL ?
		    json_object_new_string(tn) : NULL);
		tn = str(data, "tracking_url");
		json_object_object_add(d, "tracking_url", tn != NULL ?
		    json_object_new_string(tn) : NULL);
	}
	return notify_user(r, x->patient_id, pool_printf(r->pool, "prescription.%s", status),
	    title, body, pool_printf(r->pool, "#/prescriptions/%" PRId64, x->id), d);
}

static enum cerr
event(struct req *r, int64_t id, const char *status, const char *reason,
    struct json_object *data, const char *source)
{
	const char	*detail = data != NULL ? json_object_to_json_string_ext(data,
	    JSON_C_TO_STRING_PLAIN) : NULL;

	return db_exec(r->db, r->pool, NULL, SQL_EVENT, "issss", id, status, reason, detail,
	    source);
}

static enum cerr
audit_step(struct req *r, const struct rx_view *x, const char *status, const char *from,
    int64_t partner_id, const char *partner_name, const char *type)
{
	struct json_object	*d = json_object_new_object();
	char			 eid[24];

	if (d == NULL)
		return CE_NOMEM;
	json_object_object_add(d, "from", json_object_new_string(from));
	json_object_object_add(d, "to", json_object_new_string(status));
	json_object_object_add(d, "message", json_object_new_string(type));
	json_object_object_add(d, "partner_id", json_object_new_int64(partner_id));
	json_object_object_add(d, "partner", json_object_new_string(partner_name));
	(void)snprintf(eid, sizeof(eid), "%" PRId64, x->id);
	return audit_as(r, 0, "system", NULL, pool_printf(r->pool, "prescription.%s", status),
	    "prescription", eid, "success", d, false);
}

/* The reason text a timeline entry shows. */
static const char *
event_reason(struct req *r, const char *type, struct json_object *data)
{
	struct json_object	*v;

	if (strcmp(type, "prescription.rejected") == 0)
		return reasons_text(r, json_object_object_get_ex(data, "reasons", &v) ? v : NULL);
	if (strcmp(type, "prescription.out_of_stock") == 0)
		return missing_text(r, json_object_object_get_ex(data, "missing", &v) ? v : NULL);
	if (strcmp(type, "prescription.tracking") == 0)
		return str(data, "description") != NULL ? str(data, "description") :
		    str(data, "status");
	if (strcmp(type, "prescription.cancel_refused") == 0)
		return str(data, "reason");
	if (strcmp(type, "prescription.shipped") == 0)
		return pool_printf(r->pool, "Tracking number %s", str(data, "tracking_number"));
	return NULL;
}

/* A reason cut to the column's 1000 characters (bytes, on a UTF-8 boundary). */
static const char *
cut(struct req *r, const char *s)
{
	size_t	n;

	if (s == NULL || (n = strlen(s)) <= 1000)
		return s;
	n = 1000;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	return pool_strndup(r->pool, s, n);
}

static enum cerr
apply_rx(struct req *r, int64_t partner_id, const char *partner_name, const char *type,
    struct json_object *data, enum bridge_outcome *out)
{
	struct db_res	*res;
	struct rx_view	 x;
	const char	*next = bridge_type_status(type), *ref = str(data, "pharmacy_ref");
	const char	*method = NULL, *tn = NULL, *turl = NULL, *reason;
	enum cerr	 rc;

	memset(&x, 0, sizeof(x));
	x.id = num(data, "prescription_id");
	if ((rc = db_exec(r->db, r->pool, &res, SQL_RX, "i", x.id)) != CE_OK)
		return rc;
	if (res->nrows != 1) {
		*out = BRIDGE_UNKNOWN;
		return CE_OK;
	}
	x.status = res->rows[0][0];
	x.pharmacy_id = db_int(res->rows[0][1]);
	x.patient_id = db_int(res->rows[0][2]);
	x.prescriber_id = db_int(res->rows[0][3]);
	x.product_id = db_int(res->rows[0][4]);
	x.quantity = db_int(res->rows[0][5]);
	x.brand = res->rows[0][6];
	x.name = res->rows[0][7];
	x.form = res->rows[0][8];
	x.unit = res->rows[0][9];
	x.patient_name = pool_printf(r->pool, "%s %s", res->rows[0][10], res->rows[0][11]);
	if (x.patient_name == NULL)
		return CE_NOMEM;
	if ((x.pharmacy_id != 0 && x.pharmacy_id != partner_id) || strcmp(x.status, "draft") == 0) {
		*out = BRIDGE_UNKNOWN;
		return CE_OK;
	}
	reason = cut(r, event_reason(r, type, data));
	*out = BRIDGE_IGNORED;
	if (strcmp(type, "prescription.received") == 0) {
		if (bridge_final(x.status) && strcmp(x.status, "delivered") != 0)
			return CE_OK;
		if ((rc = db_exec(r->db, r->pool, NULL, SQL_REF, "sii", ref, partner_id,
		    x.id)) != CE_OK)
			return rc;
		if (db_affected(r->db) > 0)
			*out = BRIDGE_APPLIED;
		return CE_OK;
	}
	if (strcmp(type, "prescription.tracking") == 0) {
		if (strcmp(x.status, "dispensed") != 0 && strcmp(x.status, "shipped") != 0)
			return CE_OK;
		if ((rc = event(r, x.id, "tracking", reason, data, "courier")) != CE_OK)
			return rc;
		*out = BRIDGE_APPLIED;
		return CE_OK;
	}
	if (strcmp(type, "prescription.cancel_refused") == 0) {
		/*
		 * The pharmacy had dispensed it already: a cancellation made here
		 * in the meantime did not happen there, so the prescription is
		 * where the pharmacy says it is (data.status, checked by
		 * bridge_check_data: dispensed, shipped or delivered; dispensed
		 * when a partner does not say), with its method and tracking: the
		 * one step back the rules allow. The messages that moved it on at
		 * the pharmacy while it was cancelled here were ignored, so this
		 * is the only news of them.
		 */
		const char *back = str(data, "status") != NULL ? str(data, "status") : "dispensed";

		if (strcmp(x.status, "cancelled") == 0) {
			method = str(data, "method");
			tn = str(data, "tracking_number");
			turl = str(data, "tracking_url");
			if ((rc = db_exec(r->db, r->pool, NULL, SQL_STATUS, "sissssi", back,
			    partner_id, ref, method, tn, turl, x.id)) != CE_OK ||
			    (rc = audit_step(r, &x, back, x.status, partner_id, partner_name,
			    type)) != CE_OK)
				return rc;
		}
		if ((rc = event(r, x.id, strcmp(x.status, "cancelled") == 0 ? back : x.status,
		    reason != NULL ? reason : "The pharmacy could not cancel it: already dispensed",
		    data, "pharmacy")) != CE_OK)
			return rc;
		if ((rc = notify_user(r, x.prescriber_id, "prescription.cancel_refused",
		    pool_printf(r->pool, "Cancellation refused: %s %s for %s", x.brand, x.name,
		    x.patient_name),
		    pool_printf(r->pool, "%s could not cancel prescription %" PRId64 ": %s", partner_name,
		    x.id, reason != NULL ? reason : "it had been dispensed already."),
		    pool_printf(r->pool, "#/prescriptions/%" PRId64, x.id),
		    note_data(&x, partner_name))) != CE_OK)
			return rc;
		*out = BRIDGE_APPLIED;
		return CE_OK;
	}
	if (next == NULL)
		return CE_OK;
	if (strcmp(next, "cancelled") == 0 && strcmp(x.status, "cancelled") == 0) {
		/* the pharmacy's acknowledgement of our cancellation: once, on the timeline */
		if ((rc = db_exec(r->db, r->pool, &res, SQL_CANCEL_SEEN, "i", x.id)) != CE_OK)
			return rc;
		if (db_int(res->rows[0][0]) > 0)
			return CE_OK;
		if ((rc = event(r, x.id, "cancelled", "The pharmacy confirmed the cancellation",
		    data, "pharmacy")) != CE_OK)
			return rc;
		*out = BRIDGE_APPLIED;
		return CE_OK;
	}
	if (!bridge_forward(x.status, next))
		return CE_OK;
	if (strcmp(next, "dispensed") == 0 || strcmp(next, "delivered") == 0)
		method = str(data, "method");
	if (method != NULL && strcmp(method, "collection") != 0 && strcmp(method, "courier") != 0)
		method = NULL;
	if (strcmp(next, "shipped") == 0) {
		tn = str(data, "tracking_number");
		turl = str(data, "tracking_url");
	}
	if ((rc = db_exec(r->db, r->pool, NULL, SQL_STATUS, "sissssi", next, partner_id, ref,
	    method, tn, turl, x.id)) != CE_OK ||
	    (rc = event(r, x.id, next, reason, data, "pharmacy")) != CE_OK ||
	    (rc = audit_step(r, &x, next, x.status, partner_id, partner_name, type)) != CE_OK)
		return rc;
	if (strcmp(next, "out_of_stock") == 0 || strcmp(next, "rejected") == 0)
		rc = notify_problem(r, &x, partner_name, next, data);
	else if (strcmp(next, "shipped") == 0 || strcmp(next, "delivered") == 0)
		rc = notify_progress(r, &x, partner_name, next, data);
	if (rc != CE_OK)
		return rc;
	*out = BRIDGE_APPLIED;
	return CE_OK;
}

/* as_of ("2026-11-26T10:00:00Z" or with fractions) as DATETIME text; NULL if not a time. */
static const char *
as_datetime(struct req *r, const char *s)
{
	char	*t;
	size_t	 n, i;

	if (s == NULL || (n = strlen(s)) < 19 || n > 32 || s[10] != 'T')
		return NULL;
	if ((t = pool_strdup(r->pool, s)) == NULL)
		return NULL;
	t[10] = ' ';
	if (t[n - 1] == 'Z')
		t[--n] = '\0';
	for (i = 0; i < n; i++)
		if (!((t[i] >= '0' && t[i] <= '9') || t[i] == '-' || t[i] == ':' || t[i] == ' ' ||
		    t[i] == '.'))
			return NULL;
	return t;
}

static enum cerr
apply_stock(struct req *r, int64_t partner_id, const char *type, struct json_object *data,
    enum bridge_outcome *out, const char **bad)
{
	struct json_object	*items, *e, *v;
	struct db_res		*res;
	const char		*as_of = as_datetime(r, str(data, "as_of")), *exp;
	size_t			 i;
	bool			 changed = false;
	enum cerr		 rc;

	if (as_of == NULL) {
		*bad = "as_of";
		return CE_INVALID;
	}
	if (!json_object_object_get_ex(data, "items", &items))
		return CE_INVALID;
	for (i = 0; i < json_object_array_length(items); i++) {
		e = json_object_array_get_idx(items, i);
		/* products we do not list, or in another unit, are skipped */
		if ((rc = db_exec(r->db, r->pool, &res, SQL_PRODUCT_EXISTS, "si", str(e, "unit"),
		    num(e, "product_id"))) != CE_OK)
			return rc;
		if (res->nrows != 1 || db_int(res->rows[0][0]) != 1)
			continue;
		exp = json_object_object_get_ex(e, "expected_date", &v) && v != NULL ?
		    json_object_get_string(v) : NULL;
		if ((rc = db_exec(r->db, r->pool, NULL, SQL_STOCK_UPSERT, "iiiss", partner_id,
		    num(e, "product_id"), num(e, "available"), exp, as_of)) != CE_OK)
			return rc;
		if (db_affected(r->db) > 0)
			changed = true;
	}
	if (strcmp(type, "stock.snapshot") == 0) {
		/* every product the snapshot left out (rows older than it) has none */
		if ((rc = db_exec(r->db, r->pool, NULL, SQL_STOCK_ZERO, "sis", as_of, partner_id,
		    as_of)) != CE_OK)
			return rc;
		if (db_affected(r->db) > 0)
			changed = true;
	}
	*out = changed ? BRIDGE_APPLIED : BRIDGE_IGNORED;
	return CE_OK;
}

enum cerr
bridge_apply(struct req *r, int64_t partner_id, const char *partner_name, const char *type,
    struct json_object *data, enum bridge_outcome *out)
{
	const char	*bad;
	enum cerr	 rc;

	*out = BRIDGE_UNKNOWN;
	if (partner_name == NULL)
		partner_name = "The pharmacy";
	if (!bridge_type_known(type))
		return CE_OK;
	if ((bad = bridge_check_data(r->pool, type, data)) != NULL) {
		log_warn("bridge: %s message from partner %" PRId64 " lacks %s", type, partner_id,
		    bad);
		return CE_INVALID;
	}
	if (strncmp(type, "stock.", 6) == 0) {
		rc = apply_stock(r, partner_id, type, data, out, &bad);
		if (rc == CE_INVALID)
			log_warn("bridge: %s message from partner %" PRId64 " has a bad as_of", type,
			    partner_id);
		return rc;
	}
	return apply_rx(r, partner_id, partner_name, type, data, out);
}
