/*
 * A prescription's states after signing: cancellation (with a reason) and
 * the plain words each state shows patients (docs/API.md#prescribing).
 * Expiry is expiry.c (the dispatch daemon runs it too).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "audit.h"
#include "db.h"
#include "outbox.h"
#include "pool.h"
#include "reply.h"
#include "req.h"
#include "rx.h"

static const char SQL_CANCEL[] =
    "UPDATE prescription SET status = 'cancelled', cancelled_by = ?, cancel_reason = ?,"
    " status_changed_at = UTC_TIMESTAMP(6), updated_at = UTC_TIMESTAMP(6) WHERE id = ?";

const char *
rx_status_label(const char *s)
{
	static const struct { const char *status, *label; } labels[] = {
		{ "draft", "Being prepared by your clinician" },
		{ "signed", "Signed \xe2\x80\x94 on its way to the pharmacy" },
		{ "sent", "Sent to the pharmacy" },
		{ "accepted", "Accepted by the pharmacy" },
		{ "rejected", "Not accepted by the pharmacy \xe2\x80\x94 your clinician will be in"
		    " touch" },
		{ "out_of_stock", "Waiting for stock at the pharmacy" },
		{ "awaiting_paper", "Waiting at the pharmacy for the paper original" },
		{ "dispensed", "Dispensed by the pharmacy" },
		{ "shipped", "On its way to you" },
		{ "delivered", "Delivered" },
		{ "cancelled", "Cancelled" },
		{ "expired", "Expired" },
	};
	size_t	i;

	for (i = 0; s != NULL && i < nitems(labels); i++)
		if (strcmp(labels[i].status, s) == 0)
			return labels[i].label;
	return "Unknown";
}

static const char SQL_WHERE[] =
    "SELECT p.pharmacy_ref, p.supply_method, p.tracking_number, p.tracking_url, pp.id, pp.name,"
    " DATE_FORMAT(p.status_changed_at, '%e %M %Y'),"
    " (SELECT JSON_UNQUOTE(JSON_EXTRACT(e.detail, '$.expected_date')) FROM prescription_event e"
    "  WHERE e.prescription_id = p.id AND e.status = 'out_of_stock' ORDER BY e.id DESC LIMIT 1),"
    " (SELECT DATE_FORMAT(STR_TO_DATE(JSON_UNQUOTE(JSON_EXTRACT(e.detail, '$.expected_date')),"
    "  '%Y-%m-%d'), '%e %M %Y') FROM prescription_event e"
    "  WHERE e.prescription_id = p.id AND e.status = 'out_of_stock' ORDER BY e.id DESC LIMIT 1)"
    " FROM prescription p LEFT JOIN pharmacy_partner pp ON pp.id = p.pharmacy_id WHERE p.id = ?";

static void
add_s(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, v != NULL ? json_object_new_string(v) : NULL);
}

struct json_object *
rx_where(struct req *r, const struct rx_row *x)
{
	struct db_res		*res;
	struct json_object	*o, *ph;
	const char		*ref, *method, *tn, *turl, *name = "the pharmacy", *since, *exp;
	const char		*exp_words;
	const char		*s = x->status, *w;

	if (db_exec(r->db, r->pool, &res, SQL_WHERE, "i", x->id) != CE_OK || res->nrows != 1 ||
	    (o = json_object_new_object()) == NULL)
		return NULL;
	ref = res->rows[0][0];
	method = res->rows[0][1];
	tn = res->rows[0][2];
	turl = res->rows[0][3];
	if (res->rows[0][5] != NULL)
		name = res->rows[0][5];
	since = res->rows[0][6];
	exp = res->rows[0][7] != NULL && strcmp(res->rows[0][7], "null") != 0 ?
	    res->rows[0][7] : NULL;
	exp_words = exp != NULL && res->rows[0][8] != NULL ? res->rows[0][8] : exp;
	if (strcmp(s, "signed") == 0)
		w = pool_printf(r->pool, "Your prescription is signed and on its way to %s.", name);
	else if (strcmp(s, "sent") == 0)
		w = pool_printf(r->pool, "%s has your prescription and is checking it.", name);
	else if (strcmp(s, "out_of_stock") == 0)
		w = pool_printf(r->pool, "%s is waiting for stock of your medicine. %s Your clinic"
		    " knows and will be in touch if anything needs to change.", name, exp != NULL ?
		    pool_printf(r->pool, "More is expected on %s.", exp_words) :
		    "It does not yet know when more will arrive.");
	else if (strcmp(s, "awaiting_paper") == 0)
		w = pool_printf(r->pool, "%s has checked your prescription and is waiting for the"
		    " paper original, signed in ink by your clinician, before it can supply your"
		    " medicine.", name);
	else if (strcmp(s, "accepted") == 0)
		w = pool_printf(r->pool, "%s has accepted your prescription and is preparing your"
		    " medicine.", name);
	else if (strcmp(s, "dispensed") == 0)
		w = method != NULL && strcmp(method, "collection") == 0 ?
		    pool_printf(r->pool, "Your medicine is ready at %s.", name) :
		    pool_printf(r->pool, "%s has prepared your medicine; it will go to the courier"
		    " next.", name);
	else if (strcmp(s, "shipped") == 0)
		w = pool_printf(r->pool, "Your medicine is on its way with the courier%s%s.",
		    tn != NULL ? ". Tracking number: " : "", tn != NULL ? tn : "");
	else if (strcmp(s, "delivered") == 0)
		w = pool_printf(r->pool, "Your medicine was %s on %s.", method != NULL &&
		    strcmp(method, "collection") == 0 ? "collected" : "delivered",
		    since != NULL ? since : "its way");
	else if (strcmp(s, "rejected") == 0)
		w = pool_printf(r->pool, "%s could not accept this prescription. Your clinician has"
		    " been told why and will be in touch.", name);
	else if (strcmp(s, "cancelled") == 0)
		w = "This prescription was cancelled.";
	else if (strcmp(s, "expired") == 0)
		w = "This prescription expired before it was supplied.";
	else
		w = "Your clinician is still preparing this prescription.";
	add_s(o, "stage", s);
	add_s(o, "sentence", w);
	if (res->rows[0][4] != NULL && (ph = json_object_new_object()) != NULL) {
		json_object_object_add(ph, "id", json_object_new_int64(db_int(res->rows[0][4])));
		add_s(ph, "name", res->rows[0][5]);
		json_object_object_add(o, "pharmacy", ph);
	} else
		json_object_object_add(o, "pharmacy", NULL);
	add_s(o, "pharmacy_ref", ref);
	add_s(o, "supply_method", method);
	add_s(o, "tracking_number", tn);
	add_s(o, "tracking_url", turl);
	add_s(o, "expected_date", strcmp(s, "out_of_stock") == 0 ? exp : NULL);
	return o;
}

int
rx_cancel(struct req *r)
{
	static const char *const cancellable[] = { "draft", "signed", "sent", "accepted",
		"out_of_stock", "awaiting_paper" };
	struct rx_row		 x;
	struct product		 pr;
	struct json_object	*o, *d, *payload;
	const char		*reason = r->in.vals[0].s;
	char			 eid[24], key[64];
	bool			 ok = false;
	size_t			 i;
	int			 st;
	enum cerr		 rc;

	if ((st = rx_reach(r, true, &x)) != 0)
		return st;
	if (r->who.role != ROLE_ADMIN && x.prescriber_id != r->who.user_id) {
		db_rollback(r->db);
		return reply_problem(r, 403, "forbidden", "Not your prescription",
		    "Only its prescriber or an administrator may cancel a prescription.");
	}
	for (i = 0; i < nitems(cancellable); i++)
		if (strcmp(x.status, cancellable[i]) == 0)
			ok = true;
	if (!ok) {
		db_rollback(r->db);
		return reply_problem(r, 409, "cannot-cancel", "Cannot be cancelled",
		    pool_printf(r->pool, "The prescription is %s: only a draft, or one signed, sent,"
		    " accepted or waiting for stock or the paper original, can be cancelled.", x.status));
	}
	(void)snprintf(eid, sizeof(eid), "%" PRId64, x.id);
	if ((rc = db_exec(r->db, r->pool, NULL, SQL_CANCEL, "isi", r->who.user_id, reason,
	    x.id)) != CE_OK ||
	    (rc = rx_event(r, x.id, "cancelled", r->who.user_id, reason)) != CE_OK)
		return reply_db(r, rc);
	if (x.signed_at != NULL) {
		if ((payload = json_object_new_object()) == NULL)
			return reply_internal(r, "out of memory");
		json_object_object_add(payload, "prescription_id", json_object_new_int64(x.id));
		json_object_object_add(payload, "reason", json_object_new_string(reason));
		(void)snprintf(key, sizeof(key), "rx-%" PRId64 "-cancel", x.id);
		if ((rc = outbox_put(r, "pharmacy.cancel", key, payload)) != CE_OK)
			return reply_db(r, rc);
	}
	if ((rc = product_load(r, x.product_id, &pr)) != CE_OK)
		return reply_db(r, rc);
	if ((d = rx_audit_details(&x, pr.supply_unit)) != NULL)
		json_object_object_add(d, "from", json_object_new_string(x.status));
	if ((rc = audit_commit(r, "prescription.cancel", "prescription", eid, "success", d)) != CE_OK)
		return reply_db(r, rc);
	if ((rc = rx_load(r, x.id, false, &x)) != CE_OK)
		return reply_db(r, rc);
	if ((o = rx_json(r, &x)) == NULL)
		return reply_internal(r, "cannot show the prescription");
	return reply_json(r, 200, o);
}
