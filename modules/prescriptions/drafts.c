/*
 * Prescriptions: checking a draft against the rules, creating and updating
 * drafts, reading and listing them, and the quota meter
 * (docs/API.md#prescribing).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/evp.h>

#include "audit.h"
#include "conf.h"
#include "db.h"
#include "patient.h"
#include "pool.h"
#include "reply.h"
#include "req.h"
#include "rx.h"
#include "../appointments/apptime.h"

#define RX_COLS "id, patient_id, plan_id, plan_version, prescriber_id, product_id," \
	" appointment_id, status, initial, paper_required, dose, quantity, daily_amount," \
	" days_supply, thc_ug_total, cbd_ug_total, justification, instalment_amount," \
	" instalment_interval_days, DATE_FORMAT(start_date, '%Y-%m-%d')," \
	" TIMESTAMPDIFF(MICROSECOND, '1970-01-01', effective_at)," \
	" DATE_FORMAT(created_at, '%Y-%m-%dT%H:%i:%sZ')," \
	" DATE_FORMAT(signed_at, '%Y-%m-%dT%H:%i:%sZ')," \
	" DATE_FORMAT(valid_until, '%Y-%m-%dT%H:%i:%sZ')," \
	" DATE_FORMAT(status_changed_at, '%Y-%m-%dT%H:%i:%sZ')," \
	" key_id, document, signature, cancel_reason"

static const char SQL_LOAD[] = "SELECT " RX_COLS " FROM prescription WHERE id = ?";
static const char SQL_LOAD_LOCK[] = "SELECT " RX_COLS " FROM prescription WHERE id = ? FOR UPDATE";
static const char SQL_VERIFIED[] =
    "SELECT COUNT(*) FROM idv_verified WHERE patient_id = ?";
static const char SQL_PATIENT[] =
    "SELECT id FROM users WHERE id = ? AND role = 'patient'";
static const char SQL_EVER_SIGNED[] =
    "SELECT COUNT(*) FROM prescription WHERE patient_id = ? AND signed_at IS NOT NULL AND id <> ?";
static const char SQL_SPECIALIST[] =
    "SELECT specialist FROM users WHERE id = ?";
static const char SQL_LIVE[] =
    "SELECT p.id, p.product_id, f.form, p.quantity, p.thc_ug_total,"
    " TIMESTAMPDIFF(MICROSECOND, '1970-01-01', p.effective_at)"
    " FROM prescription p JOIN formulary_product f ON f.id = p.product_id"
    " WHERE p.patient_id = ? AND p.id <> ?"
    " AND p.status IN " RX_LIVE_STATUSES;
static const char SQL_LOCK_PATIENT[] =
    "SELECT id FROM users WHERE id = ? FOR UPDATE";
static const char SQL_DETAILS[] =
    "SELECT COALESCE(TRIM(p.address_line1), '') <> '',"
    " COALESCE(TRIM(p.town), '') <> '' OR COALESCE(TRIM(p.postcode), '') <> '',"
    " u.date_of_birth IS NOT NULL"
    " FROM users u LEFT JOIN patient_profile p ON p.user_id = u.id WHERE u.id = ?";
static const char SQL_NOW[] =
    "SELECT TIMESTAMPDIFF(MICROSECOND, '1970-01-01', UTC_TIMESTAMP(6)),"
    " TIMESTAMPDIFF(MICROSECOND, '1970-01-01', ?)";
static const char SQL_INSERT[] =
    "INSERT INTO prescription (patient_id, plan_id, plan_version, prescriber_id, product_id,"
    " appointment_id, status, initial, dose, quantity, daily_amount, days_supply,"
    " thc_ug_total, cbd_ug_total, justification, instalment_amount, instalment_interval_days,"
    " start_date, effective_at, created_at, updated_at, status_changed_at)"
    " VALUES (?, ?, ?, ?, ?, ?, 'draft', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?,"
    " COALESCE(?, UTC_TIMESTAMP(6)), UTC_TIMESTAMP(6), UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))";
static const char SQL_UPDATE[] =
    "UPDATE prescription SET plan_id = ?, plan_version = ?, product_id = ?, appointment_id = ?,"
    " initial = ?, dose = ?, quantity = ?, daily_amount = ?, days_supply = ?, thc_ug_total = ?,"
    " cbd_ug_total = ?, justification = ?, instalment_amount = ?,"
    " instalment_interval_days = ?, start_date = ?,"
    " effective_at = COALESCE(?, UTC_TIMESTAMP(6)), updated_at = UTC_TIMESTAMP(6)"
    " WHERE id = ? AND status = 'draft'";
static const char SQL_EVENT[] =
    "INSERT INTO prescription_event (prescription_id, status, at, actor_id, reason)"
    " VALUES (?, ?, UTC_TIMESTAMP(6), NULLIF(?, 0), ?)";
static const char SQL_EVENTS[] =
    "SELECT e.status, DATE_FORMAT(e.at, '%Y-%m-%dT%H:%i:%sZ'), e.actor_id, u.given_name,"
    " u.family_name, e.reason, e.source, e.detail FROM prescription_event e"
    " LEFT JOIN users u ON u.id = e.actor_id"
    " WHERE e.prescription_id = ? ORDER BY e.id";
static const char SQL_PERSON[] =
    "SELECT u.given_name, u.family_name, DATE_FORMAT(u.date_of_birth, '%Y-%m-%d'),"
    " u.gmc_number, u.specialist, CONCAT_WS(', ', NULLIF(p.address_line1, ''),"
    " NULLIF(p.address_line2, ''), NULLIF(p.town, ''), NULLIF(p.postcode, ''))"
    " FROM users u LEFT JOIN patient_profile p ON p.user_id = u.id WHERE u.id = ?";
static const char SQL_APPT[] =
    "SELECT id FROM appointment WHERE id = ? AND patient_id = ?";
static const char SQL_LIST[] =
    "SELECT p.id, p.status, p.patient_id, u.given_name, u.family_name, p.product_id,"
    " f.brand, f.name, f.form, f.supply_unit, p.quantity,"
    " DATE_FORMAT(p.created_at, '%Y-%m-%dT%H:%i:%sZ'),"
    " DATE_FORMAT(p.signed_at, '%Y-%m-%dT%H:%i:%sZ'),"
    " DATE_FORMAT(p.valid_until, '%Y-%m-%dT%H:%i:%sZ'), p.prescriber_id, c.given_name,"
    " c.family_name, p.initial"
    " FROM prescription p JOIN users u ON u.id = p.patient_id"
    " JOIN users c ON c.id = p.prescriber_id JOIN formulary_product f ON f.id = p.product_id"
    " WHERE (? = 0 OR p.patient_id = ?) AND (? IS NULL OR p.status = ?)"
    " AND (? = 0 OR p.prescriber_id = ?) ORDER BY p.id DESC LIMIT 200";
static const char SQL_FIRST_PLAN[] =
    "SELECT id FROM treatment_plan WHERE patient_id = ? AND status = 'active' ORDER BY id LIMIT 1";

/* Adds member k: the string v, or null when v is NULL (absent, or out of memory). */
static void
add_str(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, v != NULL ? json_object_new_string(v) : NULL);
}

/* ---- rows ---- */

static void
row_fill(char **c, size_t *l, struct rx_row *x)
{
	memset(x, 0, sizeof(*x));
	x->id = db_int(c[0]);
	x->patient_id = db_int(c[1]);
	x->plan_id = db_int(c[2]);
	x->plan_version = db_int(c[3]);
	x->prescriber_id = db_int(c[4]);
	x->product_id = db_int(c[5]);
	x->appointment_id = db_int(c[6]);
	x->status = c[7];
	x->initial = db_int(c[8]) != 0;
	x->paper_required = db_int(c[9]) != 0;
	x->dose = c[10];
	x->quantity = db_int(c[11]);
	x->daily_amount = db_int(c[12]);
	x->days_supply = db_int(c[13]);
	x->thc_ug_total = db_int(c[14]);
	x->cbd_ug_total = db_int(c[15]);
	x->justification = c[16];
	x->instalment_amount = db_int(c[17]);
	x->instalment_interval_days = db_int(c[18]);
	x->start_date = c[19];
	x->effective_us = db_int(c[20]);
	x->created_at = c[21];
	x->signed_at = c[22];
	x->valid_until = c[23];
	x->status_changed_at = c[24];
	x->key_id = db_int(c[25]);
	x->document = c[26];
	x->doclen = l[26];
	x->signature = (const unsigned char *)c[27];
	x->siglen = l[27];
	x->cancel_reason = c[28];
}

enum cerr
rx_load(struct req *r, int64_t id, bool lock, struct rx_row *x)
{
	struct db_res	*res;
	enum cerr	 rc;

	if ((rc = db_exec(r->db, r->pool, &res, lock ? SQL_LOAD_LOCK : SQL_LOAD, "i", id)) != CE_OK)
		return rc;
	if (res->nrows != 1)
		return CE_NOTFOUND;
	row_fill(res->rows[0], res->lens[0], x);
	return CE_OK;
}

static int
not_found(struct req *r)
{
	return reply_problem(r, 404, "not-found", "No such prescription", NULL);
}

int
rx_reach(struct req *r, bool lock, struct rx_row *x)
{
	struct json_object	*d;
	int64_t			 id = req_id(r, "id");
	enum cerr		 rc;

	if (id == 0)
		return not_found(r);
	if (lock && (rc = db_begin(r->db)) != CE_OK)
		return reply_db(r, rc);
	if ((rc = rx_load(r, id, lock, x)) != CE_OK) {
		db_rollback(r->db);
		return rc == CE_NOTFOUND ? not_found(r) : reply_db(r, rc);
	}
	if (r->who.role == ROLE_PATIENT) {
		if (x->patient_id != r->who.user_id) {
			db_rollback(r->db);
			return not_found(r);
		}
		return 0;
	}
	if (!lock) {
		d = json_object_new_object();
		if (d != NULL)
			json_object_object_add(d, "prescription_id", json_object_new_int64(x->id));
		if ((rc = patient_read_audit(r, x->patient_id, "prescription", d)) != CE_OK)
			return reply_db(r, rc);
	}
	return 0;
}

enum cerr
rx_event(struct req *r, int64_t id, const char *status, int64_t actor, const char *reason)
{
	return db_exec(r->db, r->pool, NULL, SQL_EVENT, "isis", id, status, actor, reason);
}

struct json_object *
rx_audit_details(const struct rx_row *x, const char *unit)
{
	struct json_object	*d = json_object_new_object();

	if (d == NULL)
		return NULL;
	json_object_object_add(d, "prescription_id", json_object_new_int64(x->id));
	json_object_object_add(d, "patient_id", json_object_new_int64(x->patient_id));
	json_object_object_add(d, "product_id", json_object_new_int64(x->product_id));
	json_object_object_add(d, "quantity", json_object_new_int64(x->quantity));
	json_object_object_add(d, "unit", unit != NULL ? json_object_new_string(unit) : NULL);
	return d;
}

/* ---- the rules' facts ---- */

int64_t
rx_start_us(const char *start_date)
{
	int64_t	days;

	if (start_date == NULL || at_parse_date(start_date, &days) != 0)
		return 0;
	return at_local_to_utc(days, 0) * 1000000;
}

const char *
rx_start_sql(struct pool *p, const char *start_date)
{
	char	buf[AT_SQL_LEN];
	int64_t	us = rx_start_us(start_date);

	if (us == 0)
		return NULL;
	return pool_strdup(p, at_fmt_sql(us / 1000000, buf));
}

/* now and (for a start date) its midnight in the clinic's zone, in microseconds. */
static enum cerr
times(struct req *r, const char *start_date, int64_t *now, int64_t *start)
{
	struct db_res	*res;
	enum cerr	 rc;

	if ((rc = db_exec(r->db, r->pool, &res, SQL_NOW, "s", NULL)) != CE_OK)
		return rc;
	*now = db_int(res->rows[0][0]);
	*start = rx_start_us(start_date);
	return CE_OK;
}

enum cerr
rx_evaluate(struct req *r, const struct rx_input *in, int64_t exclude_id, int64_t prescriber_id,
    int64_t at_us, struct rx_verdict *v, struct plan *pl, struct product *pr)
{
	struct rx_facts	 f;
	struct rx_live	*live;
	struct db_res	*res;
	char		*today;
	int64_t		 now, start;
	size_t		 i;
	enum cerr	 rc;

	memset(&f, 0, sizeof(f));
	memset(pl, 0, sizeof(*pl));
	memset(pr, 0, sizeof(*pr));
	if ((today = pool_calloc(r->pool, 11, 1)) == NULL)
		return CE_NOMEM;
	plan_today(today);
	f.today = today;
	/*
	 * Check-and-sign is serialised per patient: the patient's row is locked
	 * (in the caller's transaction; a no-op for /check) before the live
	 * prescriptions are read, so two signings cannot both see room left.
	 */
	if ((rc = db_exec(r->db, r->pool, NULL, SQL_LOCK_PATIENT, "i", in->patient_id)) != CE_OK)
		return rc;
	if ((rc = db_exec(r->db, r->pool, &res, SQL_DETAILS, "i", in->patient_id)) != CE_OK)
		return rc;
	if (res->nrows == 1) {
		f.no_address_line1 = db_int(res->rows[0][0]) == 0;
		f.no_town_or_postcode = db_int(res->rows[0][1]) == 0;
		f.no_date_of_birth = db_int(res->rows[0][2]) == 0;
	} else
		f.no_address_line1 = f.no_town_or_postcode = f.no_date_of_birth = true;
	f.no_practice_address = conf.clinic_address == NULL || *conf.clinic_address == '\0';
	if ((rc = db_exec(r->db, r->pool, &res, SQL_VERIFIED, "i", in->patient_id)) != CE_OK)
		return rc;
	f.identity_verified = db_int(res->rows[0][0]) > 0;
	rc = plan_load(r, in->plan_id, false, pl);
	if (rc == CE_OK && pl->patient_id == in->patient_id)
		f.plan = pl;
	else if (rc != CE_OK && rc != CE_NOTFOUND)
		return rc;
	rc = product_load(r, in->product_id, pr);
	if (rc == CE_OK)
		f.product = pr;
	else if (rc != CE_NOTFOUND)
		return rc;
	f.dose = in->dose;
	f.quantity = in->quantity;
	f.justification = in->justification;
	f.max_days = conf.prescription_max_days;
	if ((rc = times(r, in->start_date, &now, &start)) != CE_OK)
		return rc;
	f.at_us = at_us != 0 ? at_us : in->start_date != NULL ? start : now;
	if ((rc = db_exec(r->db, r->pool, &res, SQL_LIVE, "ii", in->patient_id, exclude_id)) != CE_OK)
		return rc;
	if ((live = pool_calloc(r->pool, res->nrows + 1, sizeof(*live))) == NULL)
		return CE_NOMEM;
	for (i = 0; i < res->nrows; i++) {
		live[i].id = db_int(res->rows[i][0]);
		live[i].product_id = db_int(res->rows[i][1]);
		live[i].form = res->rows[i][2];
		live[i].quantity = db_int(res->rows[i][3]);
		live[i].thc_ug = db_int(res->rows[i][4]);
		live[i].at_us = db_int(res->rows[i][5]);
	}
	f.live = live;
	f.nlive = res->nrows;
	if ((rc = db_exec(r->db, r->pool, &res, SQL_EVER_SIGNED, "ii", in->patient_id,
	    exclude_id)) != CE_OK)
		return rc;
	f.initial = db_int(res->rows[0][0]) == 0;
	if ((rc = db_exec(r->db, r->pool, &res, SQL_SPECIALIST, "i", prescriber_id)) != CE_OK)
		return rc;
	f.specialist = res->nrows == 1 && db_int(res->rows[0][0]) != 0;
	return rx_rules(r->pool, &f, v);
}

/* ---- input ---- */

/* The body value of field name (route table order), or NULL when absent. */
static const struct val *
in_val(struct req *r, const char *name)
{
	size_t	i;

	for (i = 0; i < r->route->nbody; i++)
		if (strcmp(r->route->body[i].name, name) == 0)
			return r->in.vals[i].present ? &r->in.vals[i] : NULL;
	return NULL;
}

static int64_t
in_int(struct req *r, const char *name)
{
	const struct val *v = in_val(r, name);

	return v != NULL ? v->i : 0;
}

static const char *
in_str(struct req *r, const char *name)
{
	const struct val *v = in_val(r, name);

	return v != NULL ? v->s : NULL;
}

/*
 * Reads the draft input; cross-field problems and a patient or appointment
 * that does not exist are answered (422) and 0 returned; 1 when fine.
 */
static int
read_input(struct req *r, struct rx_input *in, int64_t patient_id, int *status)
{
	struct verr	 errs[6];
	struct db_res	*res;
	char		 today[11];
	size_t		 n;
	enum cerr	 rc;

	memset(in, 0, sizeof(*in));
	in->patient_id = patient_id != 0 ? patient_id : in_int(r, "patient_id");
	in->plan_id = in_int(r, "plan_id");
	in->product_id = in_int(r, "product_id");
	in->quantity = in_int(r, "quantity");
	in->dose = in_str(r, "dose");
	in->justification = in_str(r, "justification");
	in->start_date = in_str(r, "start_date");
	in->instalment_amount = in_int(r, "instalment_amount");
	in->instalment_interval_days = in_int(r, "instalment_interval_days");
	in->appointment_id = in_int(r, "appointment_id");
	plan_today(today);
	n = rx_input_check(in, today, conf.prescription_validity_days, errs);
	if ((rc = db_exec(r->db, r->pool, &res, SQL_PATIENT, "i", in->patient_id)) != CE_OK) {
		*status = reply_db(r, rc);
		return 0;
	}
	if (res->nrows != 1) {
		errs[n].field = "patient_id";
		errs[n++].detail = "is not a patient";
	} else if (in->appointment_id != 0) {
		if ((rc = db_exec(r->db, r->pool, &res, SQL_APPT, "ii", in->appointment_id,
		    in->patient_id)) != CE_OK) {
			*status = reply_db(r, rc);
			return 0;
		}
		if (res->nrows != 1) {
			errs[n].field = "appointment_id";
			errs[n++].detail = "is not one of this patient's appointments";
		}
	}
	if (n > 0) {
		*status = reply_invalid(r, 422, errs, n);
		return 0;
	}
	return 1;
}

/* {"ok", "initial", "days_supply", "quantity_words", "quantity_figures", "checks"}. */
static struct json_object *
verdict_json(struct req *r, const struct rx_verdict *v, const struct product *pr,
    int64_t quantity)
{
	struct json_object	*o = json_object_new_object();
	const char		*unit = pr->id != 0 ? pr->supply_unit : NULL;

	if (o == NULL)
		return NULL;
	json_object_object_add(o, "ok", json_object_new_boolean(v->ok));
	json_object_object_add(o, "initial", json_object_new_boolean(v->initial));
	json_object_object_add(o, "days_supply", json_object_new_int64(v->days_supply));
	add_str(o, "quantity_words", unit != NULL ? rx_words(r->pool, unit, pr->form, quantity) :
	    NULL);
	add_str(o, "quantity_figures", unit != NULL ? amount_figures(r->pool, unit, pr->form,
	    quantity) : NULL);
	json_object_object_add(o, "checks", json_object_get(v->checks));
	return o;
}

/* 422 prescription-refused with every check. Puts v->checks. */
static int
rx_refuse(struct req *r, struct rx_verdict *v)
{
	struct json_object	*extra = json_object_new_object();
	struct json_object	*a = v->checks;
	const char		*first = NULL;
	size_t			 i;

	for (i = 0; i < json_object_array_length(a); i++) {
		struct json_object *c = json_object_array_get_idx(a, i);
		if (!json_object_get_boolean(json_object_object_get(c, "passed"))) {
			first = json_object_get_string(json_object_object_get(c, "detail"));
			break;
		}
	}
	v->checks = NULL;
	if (extra == NULL) {
		json_object_put(a);
		return reply_internal(r, "out of memory");
	}
	json_object_object_add(extra, "checks", a);
	return reply_problem_with(r, 422, "prescription-refused",
	    "The prescription does not pass the prescribing rules", first, extra);
}

int
rx_check(struct req *r)
{
	struct rx_input		 in;
	struct rx_verdict	 v;
	struct plan		 pl;
	struct product		 pr;
	struct json_object	*o;
	int			 status = 0;
	enum cerr		 rc;

	if (!read_input(r, &in, 0, &status))
		return status;
	if ((rc = rx_evaluate(r, &in, 0, r->who.user_id, 0, &v, &pl, &pr)) != CE_OK)
		return rc == CE_INVALID ? reply_field(r, 422, "quantity", "is too large") :
		    reply_db(r, rc);
	o = verdict_json(r, &v, &pr, in.quantity);
	json_object_put(v.checks);
	if (o == NULL)
		return reply_internal(r, "out of memory");
	/* the verdict shows the patient's identity status, plan and usage: a read of their record */
	if ((rc = rx_check_read(r, in.patient_id, in.plan_id)) != CE_OK) {
		json_object_put(o);
		return reply_db(r, rc);
	}
	return reply_json(r, 200, o);
}

enum cerr
rx_check_read(struct req *r, int64_t patient_id, int64_t plan_id)
{
	struct json_object	*d = json_object_new_object();

	if (d != NULL)
		json_object_object_add(d, "plan_id", json_object_new_int64(plan_id));
	return patient_read_audit(r, patient_id, "prescribing-check", d);
}

/* v as decimal text in pool, or NULL for 0 (binds SQL NULL). */
static const char *
num_or_null(struct pool *p, int64_t v)
{
	return v != 0 ? pool_printf(p, "%" PRId64, v) : NULL;
}

/* Writes a draft (insert when *id is 0, setting it) from in and v. */
static enum cerr
write_draft(struct req *r, const struct rx_input *in, const struct rx_verdict *v,
    const struct plan *pl, int64_t *id)
{
	const char	*eff = rx_start_sql(r->pool, in->start_date);
	const char	*appt = num_or_null(r->pool, in->appointment_id);
	const char	*ia = num_or_null(r->pool, in->instalment_amount);
	const char	*ii = num_or_null(r->pool, in->instalment_interval_days);
	enum cerr	 rc;

	if (*id == 0) {
		if ((rc = db_exec(r->db, r->pool, NULL, SQL_INSERT, "iiiiisisiiiiisssss",
		    in->patient_id, in->plan_id, pl->version, r->who.user_id, in->product_id,
		    appt, (int64_t)v->initial, v->dose, in->quantity, v->daily_amount,
		    v->days_supply, v->thc_ug_total, v->cbd_ug_total, in->justification, ia, ii,
		    in->start_date, eff)) != CE_OK)
			return rc;
		*id = (int64_t)db_insert_id(r->db);
		return CE_OK;
	}
	return db_exec(r->db, r->pool, NULL, SQL_UPDATE, "iiisisiiiiisssssi", in->plan_id,
	    pl->version, in->product_id, appt, (int64_t)v->initial, v->dose, in->quantity,
	    v->daily_amount, v->days_supply, v->thc_ug_total, v->cbd_ug_total, in->justification,
	    ia, ii, in->start_date, eff, *id);
}

static int
save(struct req *r, int64_t patient_id, int64_t id)
{
	struct rx_input		 in;
	struct rx_verdict	 v;
	struct plan		 pl;
	struct product		 pr;
	struct rx_row		 x;
	struct json_object	*o;
	char			 eid[24];
	int			 status = 0;
	bool			 create = id == 0;
	enum cerr		 rc;

	/* update: the draft's FOR UPDATE transaction is open (rx_reach); create: begin one */
	if (create && (rc = db_begin(r->db)) != CE_OK)
		return reply_db(r, rc);
	if (!read_input(r, &in, patient_id, &status)) {
		db_rollback(r->db);
		return status;
	}
	if ((rc = rx_evaluate(r, &in, id, r->who.user_id, 0, &v, &pl, &pr)) != CE_OK) {
		db_rollback(r->db);
		return rc == CE_INVALID ? reply_field(r, 422, "quantity", "is too large") :
		    reply_db(r, rc);
	}
	if (!v.ok) {
		db_rollback(r->db);
		if ((rc = rx_check_read(r, in.patient_id, in.plan_id)) != CE_OK) {
			json_object_put(v.checks);
			return reply_db(r, rc);
		}
		return rx_refuse(r, &v);
	}
	json_object_put(v.checks);
	if ((rc = write_draft(r, &in, &v, &pl, &id)) != CE_OK ||
	    (create && (rc = rx_event(r, id, "draft", r->who.user_id, NULL)) != CE_OK) ||
	    (rc = rx_load(r, id, false, &x)) != CE_OK) {
		db_rollback(r->db);
		return reply_db(r, rc);
	}
	(void)snprintf(eid, sizeof(eid), "%" PRId64, id);
	if ((rc = audit_commit(r, create ? "prescription.create" : "prescription.update",
	    "prescription", eid, "success", rx_audit_details(&x, pr.supply_unit))) != CE_OK) {
		db_rollback(r->db);
		return reply_db(r, rc);
	}
	if ((o = rx_json(r, &x)) == NULL)
		return reply_internal(r, "cannot show the prescription");
	return reply_json(r, create ? 201 : 200, o);
}

int
rx_create(struct req *r)
{
	return save(r, 0, 0);
}

int
rx_update(struct req *r)
{
	struct rx_row	x;
	int		st;

	if ((st = rx_reach(r, true, &x)) != 0)
		return st;
	if (x.prescriber_id != r->who.user_id) {
		db_rollback(r->db);
		return reply_problem(r, 403, "forbidden", "Not your draft",
		    "Only the prescriber who drafted it may change a draft.");
	}
	if (strcmp(x.status, "draft") != 0) {
		db_rollback(r->db);
		return reply_problem(r, 409, "prescription-signed", "Not a draft",
		    "A signed prescription is never edited: cancel it and write a new one.");
	}
	return save(r, x.patient_id, x.id);
}

/* ---- reading ---- */

static struct json_object *
person(struct req *r, int64_t id, bool patient)
{
	struct db_res		*res;
	struct json_object	*o;

	if (db_exec(r->db, r->pool, &res, SQL_PERSON, "i", id) != CE_OK || res->nrows != 1 ||
	    (o = json_object_new_object()) == NULL)
		return NULL;
	json_object_object_add(o, "id", json_object_new_int64(id));
	add_str(o, "name", pool_printf(r->pool, "%s %s", res->rows[0][0], res->rows[0][1]));
	if (patient) {
		json_object_object_add(o, "date_of_birth", res->rows[0][2] != NULL ?
		    json_object_new_string(res->rows[0][2]) : NULL);
		json_object_object_add(o, "address", res->rows[0][5] != NULL &&
		    *res->rows[0][5] != '\0' ? json_object_new_string(res->rows[0][5]) : NULL);
	} else {
		json_object_object_add(o, "registration_number", res->rows[0][3] != NULL ?
		    json_object_new_string(res->rows[0][3]) : NULL);
		json_object_object_add(o, "specialist",
		    json_object_new_boolean(db_int(res->rows[0][4]) != 0));
		json_object_object_add(o, "practice", json_object_new_string(conf.clinic_name));
		json_object_object_add(o, "address", json_object_new_string(conf.clinic_address));
	}
	return o;
}

/* A pool copy of s, or NULL when s is NULL (or on OOM). */
static const char *
dup(struct req *r, const char *s)
{
	return s != NULL ? pool_strdup(r->pool, s) : NULL;
}

/* Member k of o as a string, or NULL. */
static const char *
doc_str(struct json_object *o, const char *k)
{
	struct json_object	*v;

	return json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string) ?
	    json_object_get_string(v) : NULL;
}

static int64_t
doc_int(struct json_object *o, const char *k)
{
	struct json_object	*v;

	return json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_int) ?
	    json_object_get_int64(v) : 0;
}

/*
 * The product as the signed document names it (the formulary may have
 * changed since): product_json's members from the document's product, its
 * strength exactly as signed; the pack (not part of a prescription) is the
 * product's now. Strings in the pool; false when the document lacks them.
 */
static bool
signed_product(struct req *r, const struct rx_row *x, const struct product *now,
    struct product *pr, const char **strength, const char **figures, const char **words)
{
	struct json_object	*doc, *dp, *q;
	const char		*text;
	bool			 ok = false;

	if (x->document == NULL || (text = pool_strndup(r->pool, x->document, x->doclen)) == NULL ||
	    (doc = json_tokener_parse(text)) == NULL)
		return false;
	if (json_object_object_get_ex(doc, "product", &dp) &&
	    json_object_is_type(dp, json_type_object)) {
		*pr = *now;
		pr->id = doc_int(dp, "id");
		pr->supplier = dup(r, doc_str(dp, "supplier"));
		pr->brand = dup(r, doc_str(dp, "brand"));
		pr->name = dup(r, doc_str(dp, "name"));
		pr->form = dup(r, doc_str(dp, "form"));
		pr->supply_unit = dup(r, doc_str(dp, "supply_unit"));
		pr->thc_ug = doc_int(dp, "thc_ug_per_unit");
		pr->cbd_ug = doc_int(dp, "cbd_ug_per_unit");
		*strength = dup(r, doc_str(dp, "strength"));
		*figures = *words = NULL;
		if (json_object_object_get_ex(doc, "quantity", &q) &&
		    json_object_is_type(q, json_type_object)) {
			*figures = dup(r, doc_str(q, "figures"));
			*words = dup(r, doc_str(q, "words"));
		}
		ok = pr->supplier != NULL && pr->brand != NULL && pr->name != NULL &&
		    pr->form != NULL && pr->supply_unit != NULL && *strength != NULL;
	}
	json_object_put(doc);
	return ok;
}

struct json_object *
rx_json(struct req *r, const struct rx_row *x)
{
	struct json_object	*o, *p, *ev, *e, *inst, *pj;
	struct product		 pr, sp;
	struct plan		 pl;
	const char		*strength = NULL, *figures = NULL, *words = NULL;
	struct db_res		*res;
	char			*fp = NULL, *b64;
	size_t			 i;

	if (product_load(r, x->product_id, &pr) != CE_OK || (o = json_object_new_object()) == NULL)
		return NULL;
	json_object_object_add(o, "id", json_object_new_int64(x->id));
	add_str(o, "status", x->status);
	add_str(o, "status_label", rx_status_label(x->status));
	json_object_object_add(o, "initial", json_object_new_boolean(x->initial));
	json_object_object_add(o, "patient", person(r, x->patient_id, true));
	json_object_object_add(o, "prescriber", person(r, x->prescriber_id, false));
	if (signed_product(r, x, &pr, &sp, &strength, &figures, &words)) {
		struct json_object *spj = product_json(r, &sp);

		if (spj != NULL)
			json_object_object_add(spj, "strength_label", json_object_new_string(strength));
		json_object_object_add(o, "product", spj);
		json_object_object_add(o, "product_now", product_json(r, &pr));
		pr = sp;
	} else {
		json_object_object_add(o, "product", product_json(r, &pr));
		json_object_object_add(o, "product_now", NULL);
	}
	if ((pj = json_object_new_object()) != NULL) {
		json_object_object_add(pj, "id", json_object_new_int64(x->plan_id));
		json_object_object_add(pj, "condition", plan_load(r, x->plan_id, false, &pl) == CE_OK ?
		    json_object_new_string(pl.condition) : NULL);
		json_object_object_add(pj, "version", json_object_new_int64(x->plan_version));
	}
	json_object_object_add(o, "plan", pj);
	add_str(o, "dose", x->dose);
	json_object_object_add(o, "quantity", json_object_new_int64(x->quantity));
	add_str(o, "quantity_figures", figures != NULL ? figures :
	    amount_figures(r->pool, pr.supply_unit, pr.form, x->quantity));
	add_str(o, "quantity_words", words != NULL ? words :
	    rx_words(r->pool, pr.supply_unit, pr.form, x->quantity));
	json_object_object_add(o, "days_supply", json_object_new_int64(x->days_supply));
	json_object_object_add(o, "thc_mg_total", json_object_new_int64(x->thc_ug_total / 1000));
	add_str(o, "justification", x->justification);
	if (x->instalment_amount > 0 && (inst = json_object_new_object()) != NULL) {
		json_object_object_add(inst, "amount", json_object_new_int64(x->instalment_amount));
		add_str(inst, "amount_label", amount_figures(r->pool, pr.supply_unit, pr.form,
		    x->instalment_amount));
		json_object_object_add(inst, "interval_days",
		    json_object_new_int64(x->instalment_interval_days));
		json_object_object_add(o, "instalments", inst);
	} else
		json_object_object_add(o, "instalments", NULL);
	add_str(o, "start_date", x->start_date);
	add_str(o, "created_at", x->created_at);
	add_str(o, "signed_at", x->signed_at);
	add_str(o, "valid_until", x->valid_until);
	json_object_object_add(o, "paper_required", json_object_new_boolean(x->paper_required));
	if (x->document != NULL)
		json_object_object_add(o, "document", json_object_new_string_len(x->document,
		    (int)x->doclen));
	else
		json_object_object_add(o, "document", NULL);
	if (x->signature != NULL && (b64 = pool_calloc(r->pool, 4 * (x->siglen + 2) / 3 + 4,
	    1)) != NULL) {
		(void)EVP_EncodeBlock((unsigned char *)b64, x->signature, (int)x->siglen);
		add_str(o, "signature", b64);
	} else
		json_object_object_add(o, "signature", NULL);
	if (x->key_id != 0 && db_exec(r->db, r->pool, &res,
	    "SELECT fingerprint FROM prescriber_key WHERE id = ?", "i", x->key_id) == CE_OK &&
	    res->nrows == 1)
		fp = res->rows[0][0];
	add_str(o, "key_fingerprint", fp);
	add_str(o, "cancel_reason", x->cancel_reason);
	json_object_object_add(o, "appointment_id", x->appointment_id != 0 ?
	    json_object_new_int64(x->appointment_id) : NULL);
	if ((ev = json_object_new_array()) != NULL &&
	    db_exec(r->db, r->pool, &res, SQL_EVENTS, "i", x->id) == CE_OK) {
		for (i = 0; i < res->nrows; i++) {
			char **c = res->rows[i];

			if ((e = json_object_new_object()) == NULL)
				break;
			add_str(e, "status", c[0]);
			add_str(e, "at", c[1]);
			if (c[2] != NULL && (p = json_object_new_object()) != NULL) {
				json_object_object_add(p, "id", json_object_new_int64(db_int(c[2])));
				add_str(p, "name", pool_printf(r->pool, "%s %s", c[3], c[4]));
				json_object_object_add(e, "by", p);
			} else
				json_object_object_add(e, "by", NULL);
			add_str(e, "reason", c[5]);
			add_str(e, "source", c[6]);
			json_object_object_add(e, "detail", c[7] != NULL ? json_tokener_parse(c[7]) :
			    NULL);
			json_object_array_add(ev, e);
		}
	}
	json_object_object_add(o, "events", ev);
	json_object_object_add(o, "where", rx_where(r, x));
	return o;
}

int
rx_get(struct req *r)
{
	struct rx_row		 x;
	struct json_object	*o;
	int			 expired, st;
	enum cerr		 rc;

	if ((rc = rx_expire_sweep(r, &expired)) != CE_OK)
		return reply_db(r, rc);
	if ((st = rx_reach(r, false, &x)) != 0)
		return st;
	if ((o = rx_json(r, &x)) == NULL)
		return reply_internal(r, "cannot show the prescription");
	return reply_json(r, 200, o);
}

int
rx_list(struct req *r)
{
	struct db_res		*res;
	struct json_object	*o, *a, *e, *p;
	const struct val	*qp = &r->q.vals[0], *qs = &r->q.vals[1], *qm = &r->q.vals[2];
	int64_t			 patient = qp->present ? qp->i : 0;
	int64_t			 mine = qm->present && qm->i != 0 ? r->who.user_id : 0;
	const char		*status = qs->present ? qs->s : NULL;
	int			 expired;
	size_t			 i;
	enum cerr		 rc;

	if ((rc = rx_expire_sweep(r, &expired)) != CE_OK)
		return reply_db(r, rc);
	if (r->who.role == ROLE_PATIENT) {
		patient = r->who.user_id;
		mine = 0;
	}
	if ((rc = db_exec(r->db, r->pool, &res, SQL_LIST, "iissii", patient, patient, status,
	    status, mine, mine)) != CE_OK)
		return reply_db(r, rc);
	if ((o = json_object_new_object()) == NULL || (a = json_object_new_array()) == NULL) {
		json_object_put(o);
		return reply_internal(r, "out of memory");
	}
	json_object_object_add(o, "prescriptions", a);
	for (i = 0; i < res->nrows; i++) {
		char **c = res->rows[i];

		if ((e = json_object_new_object()) == NULL)
			break;
		json_object_object_add(e, "id", json_object_new_int64(db_int(c[0])));
		add_str(e, "status", c[1]);
		add_str(e, "status_label", rx_status_label(c[1]));
		if ((p = json_object_new_object()) != NULL) {
			json_object_object_add(p, "id", json_object_new_int64(db_int(c[2])));
			add_str(p, "name", pool_printf(r->pool, "%s %s", c[3], c[4]));
		}
		json_object_object_add(e, "patient", p);
		if ((p = json_object_new_object()) != NULL) {
			json_object_object_add(p, "id", json_object_new_int64(db_int(c[5])));
			add_str(p, "brand", c[6]);
			add_str(p, "name", c[7]);
			add_str(p, "form", c[8]);
		}
		json_object_object_add(e, "product", p);
		json_object_object_add(e, "quantity", json_object_new_int64(db_int(c[10])));
		add_str(e, "quantity_figures", amount_figures(r->pool, c[9], c[8], db_int(c[10])));
		add_str(e, "created_at", c[11]);
		add_str(e, "signed_at", c[12]);
		add_str(e, "valid_until", c[13]);
		if ((p = json_object_new_object()) != NULL) {
			json_object_object_add(p, "id", json_object_new_int64(db_int(c[14])));
			add_str(p, "name", pool_printf(r->pool, "%s %s", c[15], c[16]));
		}
		json_object_object_add(e, "prescriber", p);
		json_object_object_add(e, "initial", json_object_new_boolean(db_int(c[17]) != 0));
		json_object_array_add(a, e);
	}
	if (r->who.role != ROLE_PATIENT) {
		struct json_object *d = json_object_new_object();

		if (d != NULL)
			json_object_object_add(d, "count", json_object_new_int64((int64_t)res->nrows));
		if (patient != 0)
			rc = patient_read_audit(r, patient, "prescriptions", d);
		else if ((rc = db_begin(r->db)) == CE_OK)
			rc = audit_commit(r, "prescription.list_viewed", "prescription", NULL,
			    "success", d);
		else
			json_object_put(d);
		if (rc != CE_OK) {
			json_object_put(o);
			return reply_db(r, rc);
		}
	}
	return reply_json(r, 200, o);
}

/* {"product_id"|"form", "used", "max", "remaining", labels, "window"}. */
static struct json_object *
meter(struct req *r, const char *unit, const char *form, int64_t used, int64_t max,
    int64_t from_us)
{
	struct json_object	*e = json_object_new_object(), *w;
	int64_t			 rem = max > used ? max - used : 0;
	char			 from[21], to[21];

	if (e == NULL)
		return NULL;
	json_object_object_add(e, "used", json_object_new_int64(used));
	json_object_object_add(e, "max", json_object_new_int64(max));
	json_object_object_add(e, "remaining", json_object_new_int64(rem));
	add_str(e, "used_label", amount_figures(r->pool, unit, form, used));
	add_str(e, "max_label", amount_figures(r->pool, unit, form, max));
	add_str(e, "remaining_label", amount_figures(r->pool, unit, form, rem));
	if ((w = json_object_new_object()) != NULL) {
		rx_rfc3339(from_us, from);
		rx_rfc3339(from_us + RX_WINDOW_US, to);
		add_str(w, "from", from);
		add_str(w, "to", to);
	}
	json_object_object_add(e, "window", w);
	return e;
}

/*
 * The most any 30-day window containing now holds of the live prescriptions
 * matching product_id (or form; or all, for THC), exactly as the quota rules
 * count (rx_window_used over the same live set, future-dated ones included).
 */
static int64_t
meter_used(const struct rx_live *live, size_t n, int64_t *at, int64_t *amt, int64_t now,
    int64_t product_id, const char *form, bool thc, int64_t *from_us)
{
	size_t	i, k = 0;

	for (i = 0; i < n; i++) {
		if (product_id != 0 && live[i].product_id != product_id)
			continue;
		if (form != NULL && (live[i].form == NULL || strcmp(live[i].form, form) != 0))
			continue;
		at[k] = live[i].at_us;
		amt[k++] = thc ? live[i].thc_ug : live[i].quantity;
	}
	return rx_window_used(at, amt, k, now, from_us);
}

int
rx_quota(struct req *r)
{
	struct db_res		*res;
	struct json_object	*o, *items, *forms, *w, *t, *e;
	struct plan		 pl;
	struct product		 pr;
	struct rx_live		*live;
	int64_t			 patient = req_id(r, "patient_id"), plan_id, now, start, sum, thc;
	int64_t			*at, *amt, from_us, max_ug;
	char			 from[21], to[21];
	size_t			 i, n;
	enum cerr		 rc;

	if (patient == 0)
		return reply_problem(r, 404, "not-found", "No such patient", NULL);
	if ((rc = patient_reach(r, patient, ROLE_CLINICIAN | ROLE_ADMIN | ROLE_AUDITOR)) != CE_OK)
		return rc == CE_NOTFOUND ? reply_problem(r, 404, "not-found", "No such patient",
		    NULL) : reply_db(r, rc);
	plan_id = r->q.vals[0].present ? r->q.vals[0].i : 0;
	if (plan_id == 0) {
		if ((rc = db_exec(r->db, r->pool, &res, SQL_FIRST_PLAN, "i", patient)) != CE_OK)
			return reply_db(r, rc);
		if (res->nrows == 0)
			return reply_problem(r, 404, "not-found", "No active treatment plan", NULL);
		plan_id = db_int(res->rows[0][0]);
	}
	if ((rc = plan_load(r, plan_id, false, &pl)) != CE_OK || pl.patient_id != patient)
		return rc == CE_OK || rc == CE_NOTFOUND ?
		    reply_field(r, 422, "plan_id", "is not one of this patient's plans") :
		    reply_db(r, rc);
	if ((rc = times(r, NULL, &now, &start)) != CE_OK ||
	    (rc = db_exec(r->db, r->pool, &res, SQL_LIVE, "ii", patient, (int64_t)0)) != CE_OK)
		return reply_db(r, rc);
	n = res->nrows;
	live = pool_calloc(r->pool, n + 1, sizeof(*live));
	at = pool_calloc(r->pool, n + 1, sizeof(*at));
	amt = pool_calloc(r->pool, n + 1, sizeof(*amt));
	if (live == NULL || at == NULL || amt == NULL)
		return reply_internal(r, "out of memory");
	for (i = 0; i < n; i++) {
		live[i].id = db_int(res->rows[i][0]);
		live[i].product_id = db_int(res->rows[i][1]);
		live[i].form = res->rows[i][2];
		live[i].quantity = db_int(res->rows[i][3]);
		live[i].thc_ug = db_int(res->rows[i][4]);
		live[i].at_us = db_int(res->rows[i][5]);
	}
	o = json_object_new_object();
	items = json_object_new_array();
	forms = json_object_new_array();
	w = json_object_new_object();
	t = json_object_new_object();
	if (o == NULL || items == NULL || forms == NULL || w == NULL || t == NULL) {
		json_object_put(o);
		json_object_put(items);
		json_object_put(forms);
		json_object_put(w);
		json_object_put(t);
		return reply_internal(r, "out of memory");
	}
	json_object_object_add(o, "plan_id", json_object_new_int64(plan_id));
	/* every window containing now lies in [now - 30 d, now + 30 d) */
	rx_rfc3339(now - RX_WINDOW_US + 1, from);
	rx_rfc3339(now + RX_WINDOW_US, to);
	add_str(w, "from", from);
	add_str(w, "to", to);
	json_object_object_add(o, "window", w);
	for (i = 0; i < pl.nitems; i++) {
		if (product_load(r, pl.items[i].product_id, &pr) != CE_OK)
			continue;
		sum = meter_used(live, n, at, amt, now, pr.id, NULL, false, &from_us);
		if ((e = meter(r, pr.supply_unit, pr.form, sum, pl.items[i].max_per_30d,
		    from_us)) == NULL)
			continue;
		json_object_object_add(e, "product_id", json_object_new_int64(pr.id));
		json_object_array_add(items, e);
	}
	for (i = 0; i < pl.nlimits; i++) {
		sum = meter_used(live, n, at, amt, now, 0, pl.limits[i].form, false, &from_us);
		if ((e = meter(r, form_unit(pl.limits[i].form), pl.limits[i].form, sum,
		    pl.limits[i].max_per_30d, from_us)) == NULL)
			continue;
		add_str(e, "form", pl.limits[i].form);
		add_str(e, "form_label", form_label(pl.limits[i].form));
		json_object_array_add(forms, e);
	}
	thc = meter_used(live, n, at, amt, now, 0, NULL, true, &from_us);
	max_ug = pl.max_thc_mg_per_day * RX_WINDOW_DAYS * 1000;
	json_object_object_add(o, "items", items);
	json_object_object_add(o, "forms", forms);
	json_object_object_add(t, "used_mg", json_object_new_int64(thc / 1000));
	json_object_object_add(t, "max_mg", json_object_new_int64(pl.max_thc_mg_per_day *
	    RX_WINDOW_DAYS));
	json_object_object_add(t, "remaining_mg", json_object_new_int64(
	    max_ug > thc ? (max_ug - thc) / 1000 : 0));
	rx_rfc3339(from_us, from);
	rx_rfc3339(from_us + RX_WINDOW_US, to);
	if ((w = json_object_new_object()) != NULL) {
		add_str(w, "from", from);
		add_str(w, "to", to);
	}
	json_object_object_add(t, "window", w);
	json_object_object_add(o, "thc", t);
	if ((rc = patient_read_audit(r, patient, "prescription_quota", NULL)) != CE_OK) {
		json_object_put(o);
		return reply_db(r, rc);
	}
	return reply_json(r, 200, o);
}
