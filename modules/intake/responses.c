/*
 * A patient's responses: saved as they go (partial answers merged into the
 * one in-progress response per questionnaire), read back on any device,
 * submitted for an eligibility outcome, and read by staff (audited).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "audit.h"
#include "db.h"
#include "intake.h"
#include "log.h"
#include "patient.h"
#include "pool.h"
#include "reply.h"
#include "req.h"

#define COLS "id, patient_id, qkey, q_version, status, answers, created_at, updated_at," \
	" submitted_at, rules_version, outcome, result, decision, decision_note, decided_at"

enum { C_ID, C_PATIENT, C_KEY, C_VERSION, C_STATUS, C_ANSWERS, C_CREATED, C_UPDATED,
	C_SUBMITTED, C_RULES, C_OUTCOME, C_RESULT, C_DECISION, C_NOTE, C_DECIDED };

static const char SQL_OPEN_LOCK[] =
    "SELECT id, q_version, answers FROM intake_response"
    " WHERE patient_id = ? AND open_key = ? FOR UPDATE";
static const char SQL_INSERT[] =
    "INSERT INTO intake_response (patient_id, qkey, q_version, answers, created_at, updated_at)"
    " VALUES (?, ?, ?, ?, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))";
static const char SQL_SET_ANSWERS[] =
    "UPDATE intake_response SET answers = ?, updated_at = UTC_TIMESTAMP(6) WHERE id = ?";
static const char SQL_BY_ID[] =
    "SELECT " COLS " FROM intake_response WHERE id = ?";
static const char SQL_CURRENT[] =
    "SELECT " COLS " FROM intake_response WHERE patient_id = ? AND qkey = ?"
    " ORDER BY status = 'in-progress' DESC, id DESC LIMIT 1";
static const char SQL_LIST[] =
    "SELECT id, qkey, q_version, status, created_at, updated_at, submitted_at, outcome,"
    " decision FROM intake_response WHERE patient_id = ? ORDER BY id DESC LIMIT 200";
static const char SQL_AGE[] =
    "SELECT TIMESTAMPDIFF(YEAR, date_of_birth, UTC_DATE()) FROM users WHERE id = ?";
static const char SQL_SUBMIT[] =
    "UPDATE intake_response SET status = 'completed', answers = ?,"
    " submitted_at = UTC_TIMESTAMP(6), updated_at = UTC_TIMESTAMP(6), rules_version = ?,"
    " outcome = ?, result = ? WHERE id = ?";
static const char SQL_REVIEW[] =
    "INSERT INTO intake_review (response_id, patient_id, reasons, flags, created_at)"
    " VALUES (?, ?, ?, ?, UTC_TIMESTAMP(6))";
static const char SQL_SUBMITTED_AT[] =
    "SELECT submitted_at FROM intake_response WHERE id = ?";

static int
no_such(struct req *r)
{
	return reply_problem(r, 404, "not-found", "No such response", NULL);
}

/* The evaluated state of stored answers under q. -1 on problems (logged), -2 on OOM. */
static int
evaluate(struct req *r, const struct qloaded *q, struct json_object *answers,
    struct qans *ans, struct qresult *res)
{
	struct qerrs	errs;
	int		rc;

	if ((rc = qans_parse(r->pool, q->def, answers, ans, &errs)) == -1) {
		log_err("stored answers do not fit %s version %" PRId64 ": %s %s", q->key,
		    q->version, errs.v[0].field, errs.v[0].detail);
		return -1;
	}
	if (rc != 0)
		return rc;
	return qeval(r->pool, q->def, ans, res);
}

/* Adds enabled, remaining_required, scores and flags to o. */
static bool
add_state(struct req *r, struct json_object *o, const struct qloaded *q,
    const struct qresult *res)
{
	struct json_object_iterator	 it, end;
	struct json_object		*st;

	(void)r;
	if ((st = qstate_json(q->def, res)) == NULL)
		return false;
	it = json_object_iter_begin(st);
	end = json_object_iter_end(st);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it))
		json_object_object_add(o, json_object_iter_peek_name(&it),
		    json_object_get(json_object_iter_peek_value(&it)));
	json_object_put(st);
	return true;
}

/* The API view of a response row (see docs/API.md#intake). */
static struct json_object *
response_json(struct req *r, char **row, const struct qloaded *q, struct json_object *answers,
    const struct qans *ans, const struct qresult *res)
{
	struct json_object	*o, *result = NULL, *dec;
	const char		*outcome;

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	json_object_object_add(o, "id", json_object_new_int64(db_int(row[C_ID])));
	json_object_object_add(o, "patient_id", json_object_new_int64(db_int(row[C_PATIENT])));
	json_object_object_add(o, "key", json_object_new_string(row[C_KEY]));
	json_object_object_add(o, "version", json_object_new_int64(db_int(row[C_VERSION])));
	json_object_object_add(o, "title", json_object_new_string(q->def->title));
	json_object_object_add(o, "status", json_object_new_string(row[C_STATUS]));
	json_object_object_add(o, "created_at", json_object_new_string(intake_iso(r, row[C_CREATED])));
	json_object_object_add(o, "updated_at", json_object_new_string(intake_iso(r, row[C_UPDATED])));
	json_object_object_add(o, "submitted_at", intake_str(intake_iso(r, row[C_SUBMITTED])));
	json_object_object_add(o, "answers", json_object_get(answers));
	(void)ans;
	if (!add_state(r, o, q, res)) {
		json_object_put(o);
		return NULL;
	}
	if (row[C_RESULT] != NULL)
		result = intake_json(r, row[C_RESULT], strlen(row[C_RESULT]));
	json_object_object_add(o, "result", result != NULL ? json_object_get(result) : NULL);
	outcome = row[C_DECISION] != NULL ? row[C_DECISION] : row[C_OUTCOME];
	json_object_object_add(o, "outcome", intake_str(outcome));
	if (row[C_DECISION] != NULL) {
		dec = json_object_new_object();
		json_object_object_add(dec, "decision", json_object_new_string(row[C_DECISION]));
		json_object_object_add(dec, "note", intake_str(row[C_NOTE]));
		json_object_object_add(dec, "decided_at", intake_str(intake_iso(r, row[C_DECIDED])));
		json_object_object_add(o, "review", dec);
	} else
		json_object_object_add(o, "review", NULL);
	return o;
}

static int
reply_fhir(struct req *r, struct json_object *obj)
{
	const char	*s;
	size_t		 len = 0;

	if (obj == NULL)
		return reply_internal(r, "out of memory");
	s = json_object_to_json_string_length(obj, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	if (s == NULL || (r->out = pool_strndup(r->pool, s, len)) == NULL) {
		json_object_put(obj);
		return reply_internal(r, "out of memory");
	}
	json_object_put(obj);
	r->status = 200;
	r->outlen = len;
	if (reply_header(r, "Content-Type", "application/fhir+json; fhirVersion=4.0") == -1)
		return reply_internal(r, "out of memory");
	return 200;
}

/* Replies with the response in row (JSON or FHIR as asked). */
static int
reply_response(struct req *r, char **row, size_t *lens)
{
	struct qloaded		 q;
	struct json_object	*answers;
	struct qans		 ans;
	struct qresult		 res;
	const char		*canon, *subject, *id;
	bool			 fhir;
	enum cerr		 rc;

	fhir = r->q.vals != NULL && r->q.vals[0].present && strcmp(r->q.vals[0].s, "fhir") == 0;
	if ((rc = intake_load(r, row[C_KEY], db_int(row[C_VERSION]), false, &q)) != CE_OK)
		return rc == CE_INVALID || rc == CE_NOTFOUND ?
		    reply_internal(r, "the response's questionnaire version does not load") :
		    reply_db(r, rc);
	if ((answers = intake_json(r, row[C_ANSWERS], lens[C_ANSWERS])) == NULL)
		return reply_internal(r, "stored answers are not JSON");
	switch (evaluate(r, &q, answers, &ans, &res)) {
	case 0:
		break;
	case -1:
		return reply_internal(r, "stored answers do not fit their questionnaire");
	default:
		return reply_internal(r, "out of memory");
	}
	if (!fhir)
		return reply_json(r, 200, response_json(r, row, &q, answers, &ans, &res));
	canon = pool_printf(r->pool, INTAKE_CANONICAL "%s|%" PRId64, q.key, q.version);
	subject = pool_printf(r->pool, "Patient/%s", row[C_PATIENT]);
	id = row[C_ID];
	if (canon == NULL || subject == NULL)
		return reply_internal(r, "out of memory");
	return reply_fhir(r, qfhir_response(q.def, &ans, &res, id, canon,
	    strcmp(row[C_STATUS], "completed") == 0 ? "completed" : "in-progress", subject,
	    intake_iso(r, row[C_SUBMITTED] != NULL ? row[C_SUBMITTED] : row[C_UPDATED])));
}

static bool
all_digits(const char *s)
{
	if (s == NULL || *s == '\0')
		return false;
	for (; *s != '\0'; s++)
		if (*s < '0' || *s > '9')
			return false;
	return true;
}

int
intake_response_get(struct req *r)
{
	const char		*ref = req_param(r, "ref");
	struct db_res		*res;
	struct json_object	*d;
	int64_t			 id, pid;
	enum cerr		 rc;

	if (all_digits(ref)) {
		if ((id = req_id(r, "ref")) == 0)
			return no_such(r);
		if ((rc = db_exec(r->db, r->pool, &res, SQL_BY_ID, "i", id)) != CE_OK)
			return reply_db(r, rc);
		if (res->nrows == 0)
			return no_such(r);
		pid = db_int(res->rows[0][C_PATIENT]);
		if ((rc = patient_reach(r, pid, ROLE_CLINICIAN | ROLE_ADMIN)) == CE_NOTFOUND)
			return no_such(r);
		if (rc != CE_OK)
			return reply_db(r, rc);
		d = json_object_new_object();
		json_object_object_add(d, "response_id", json_object_new_int64(id));
		if ((rc = patient_read_audit(r, pid, "intake_response", d)) != CE_OK)
			return reply_db(r, rc);
		return reply_response(r, res->rows[0], res->lens[0]);
	}
	if (!intake_key_ok(ref))
		return no_such(r);
	if (r->who.role != ROLE_PATIENT)
		return reply_problem(r, 403, "forbidden", "Not allowed for your role",
		    "Staff read a response by its id.");
	if ((rc = db_exec(r->db, r->pool, &res, SQL_CURRENT, "is", r->who.user_id, ref)) != CE_OK)
		return reply_db(r, rc);
	if (res->nrows == 0)
		return reply_problem(r, 404, "not-found", "Not started yet",
		    "You have not answered this questionnaire yet.");
	return reply_response(r, res->rows[0], res->lens[0]);
}

int
intake_response_list(struct req *r)
{
	struct db_res		*res;
	struct json_object	*o, *arr, *e;
	int64_t			 pid;
	size_t			 i;
	enum cerr		 rc;

	if (r->who.role == ROLE_PATIENT) {
		if (r->q.vals != NULL && r->q.vals[0].present &&
		    r->q.vals[0].i != r->who.user_id)
			return reply_problem(r, 404, "not-found", "No such patient", NULL);
		pid = r->who.user_id;
	} else {
		if (r->q.vals == NULL || !r->q.vals[0].present)
			return reply_field(r, 400, "patient_id", "is required for staff");
		pid = r->q.vals[0].i;
		if ((rc = patient_reach(r, pid, ROLE_CLINICIAN | ROLE_ADMIN)) == CE_NOTFOUND)
			return reply_problem(r, 404, "not-found", "No such patient", NULL);
		if (rc != CE_OK)
			return reply_db(r, rc);
		if ((rc = patient_read_audit(r, pid, "intake_responses", NULL)) != CE_OK)
			return reply_db(r, rc);
	}
	if ((rc = db_exec(r->db, r->pool, &res, SQL_LIST, "i", pid)) != CE_OK)
		return reply_db(r, rc);
	o = json_object_new_object();
	arr = json_object_new_array();
	for (i = 0; i < res->nrows; i++) {
		char **row = res->rows[i];
		e = json_object_new_object();
		json_object_object_add(e, "id", json_object_new_int64(db_int(row[0])));
		json_object_object_add(e, "key", json_object_new_string(row[1]));
		json_object_object_add(e, "version", json_object_new_int64(db_int(row[2])));
		json_object_object_add(e, "status", json_object_new_string(row[3]));
		json_object_object_add(e, "created_at", json_object_new_string(intake_iso(r, row[4])));
		json_object_object_add(e, "updated_at", json_object_new_string(intake_iso(r, row[5])));
		json_object_object_add(e, "submitted_at", intake_str(intake_iso(r, row[6])));
		json_object_object_add(e, "outcome", intake_str(row[8] != NULL ? row[8] : row[7]));
		json_object_array_add(arr, e);
	}
	json_object_object_add(o, "patient_id", json_object_new_int64(pid));
	json_object_object_add(o, "responses", arr);
	return reply_json(r, 200, o);
}

int
intake_response_put(struct req *r)
{
	const char			*key = req_param(r, "ref"), *text;
	struct json_object		*body, *incoming, *stored, *d, *o, *v;
	int64_t				 changed;
	struct json_object_iterator	 it, end;
	struct db_res			*res;
	struct qloaded			 q;
	struct qans			 ans;
	struct qresult			 st;
	struct qerrs			 errs;
	int64_t				 id, version;
	char				 idbuf[24];
	enum cerr			 rc;
	int				 attempt;

	if (!intake_key_ok(key))
		return reply_problem(r, 404, "not-found", "No such questionnaire", NULL);
	if ((body = intake_body(r)) == NULL)
		return r->status;
	it = json_object_iter_begin(body);
	end = json_object_iter_end(body);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it))
		if (strcmp(json_object_iter_peek_name(&it), "answers") != 0)
			return reply_field(r, 422, json_object_iter_peek_name(&it),
			    "is not a field this request takes");
	if (!json_object_object_get_ex(body, "answers", &incoming) || incoming == NULL ||
	    !json_object_is_type(incoming, json_type_object))
		return reply_field(r, 422, "answers", "is required: an object of linkId: answer");
	for (attempt = 0; ; attempt++) {
		if ((rc = db_begin(r->db)) != CE_OK ||
		    (rc = db_exec(r->db, r->pool, &res, SQL_OPEN_LOCK, "is", r->who.user_id,
		    key)) != CE_OK)
			return reply_db(r, rc);
		id = res->nrows > 0 ? db_int(res->rows[0][0]) : 0;
		version = res->nrows > 0 ? db_int(res->rows[0][1]) : 0;
		/* A new response is pinned to the newest version; an open one keeps its own. */
		if ((rc = intake_load(r, key, version, false, &q)) == CE_NOTFOUND) {
			db_rollback(r->db);
			return reply_problem(r, 404, "not-found", "No such questionnaire", NULL);
		}
		if (rc != CE_OK)
			return rc == CE_INVALID ? reply_internal(r, "stored definition invalid") :
			    reply_db(r, rc);
		switch (qans_parse(r->pool, q.def, incoming, &ans, &errs)) {
		case 0:
			break;
		case -1:
			db_rollback(r->db);
			return reply_invalid(r, 422, errs.v, errs.n);
		default:
			return reply_internal(r, "out of memory");
		}
		stored = id > 0 ? intake_json(r, res->rows[0][2], res->lens[0][2]) :
		    intake_json(r, "{}", 2);
		if (stored == NULL || !json_object_is_type(stored, json_type_object))
			return reply_internal(r, "stored answers are not an object");
		changed = 0;
		it = json_object_iter_begin(incoming);
		end = json_object_iter_end(incoming);
		for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
			const char *k = json_object_iter_peek_name(&it);
			v = json_object_iter_peek_value(&it);
			changed++;
			if (v == NULL || (json_object_is_type(v, json_type_array) &&
			    json_object_array_length(v) == 0))
				json_object_object_del(stored, k);
			else
				json_object_object_add(stored, k, json_object_get(v));
		}
		switch (evaluate(r, &q, stored, &ans, &st)) {
		case 0:
			break;
		case -1:
			return reply_internal(r, "merged answers do not fit");
		default:
			return reply_internal(r, "out of memory");
		}
		if ((text = json_object_to_json_string_ext(stored, JSON_C_TO_STRING_PLAIN)) == NULL) {
			return reply_internal(r, "out of memory");
		}
		if (id > 0)
			rc = db_exec(r->db, r->pool, NULL, SQL_SET_ANSWERS, "si", text, id);
		else if ((rc = db_exec(r->db, r->pool, NULL, SQL_INSERT, "isis", r->who.user_id,
		    key, q.version, text)) == CE_OK)
			id = (int64_t)db_insert_id(r->db);
		if (rc == CE_DUPLICATE && attempt == 0) {
			/* Another device started the response a moment ago: merge into it. */
			db_rollback(r->db);
			continue;
		}
		if (rc != CE_OK) {
			return reply_db(r, rc);
		}
		break;
	}
	(void)snprintf(idbuf, sizeof(idbuf), "%" PRId64, id);
	d = json_object_new_object();
	json_object_object_add(d, "key", json_object_new_string(key));
	json_object_object_add(d, "version", json_object_new_int64(q.version));
	/*
	 * How many answers changed, not which: the linkIds of branch items
	 * (e.g. current thoughts of self-harm) would themselves be health data,
	 * and the trail is append-only.
	 */
	json_object_object_add(d, "answers_changed", json_object_new_int64(changed));
	if ((rc = audit_commit(r, "intake.response_saved", "intake_response", idbuf, "success",
	    d)) != CE_OK)
		return reply_db(r, rc);
	if ((o = json_object_new_object()) == NULL)
		return reply_internal(r, "out of memory");
	json_object_object_add(o, "id", json_object_new_int64(id));
	json_object_object_add(o, "key", json_object_new_string(key));
	json_object_object_add(o, "version", json_object_new_int64(q.version));
	json_object_object_add(o, "status", json_object_new_string("in-progress"));
	if (!add_state(r, o, &q, &st)) {
		json_object_put(o);
		return reply_internal(r, "out of memory");
	}
	return reply_json(r, 200, o);
}

/* The patient's age in whole years today, or -1 when unknown. */
static enum cerr
patient_age(struct req *r, int *age)
{
	struct db_res	*res;
	enum cerr	 rc;

	*age = -1;
	if ((rc = db_exec(r->db, r->pool, &res, SQL_AGE, "i", r->who.user_id)) != CE_OK)
		return rc;
	if (res->nrows == 1 && res->rows[0][0] != NULL)
		*age = (int)db_int(res->rows[0][0]);
	return CE_OK;
}

int
intake_response_submit(struct req *r)
{
	const char		*key = req_param(r, "ref"), *answers_text, *result_text;
	struct db_res		*res;
	struct json_object	*stored, *clean, *result, *state, *d, *reasons, *flags, *v;
	struct qloaded		 q;
	struct qans		 ans;
	struct qresult		 st;
	struct qrules		*rules;
	struct qverdict		 verdict;
	struct qerrs		 errs;
	struct verr		*missing;
	int64_t			 id, rules_version;
	char			 idbuf[24], rvbuf[24];
	bool			 review;
	int			 age;
	size_t			 i;
	enum cerr		 rc;

	if (!intake_key_ok(key))
		return reply_problem(r, 404, "not-found", "No such questionnaire", NULL);
	if ((rc = db_begin(r->db)) != CE_OK ||
	    (rc = db_exec(r->db, r->pool, &res, SQL_OPEN_LOCK, "is", r->who.user_id, key)) !=
	    CE_OK)
		return reply_db(r, rc);
	if (res->nrows == 0) {
		db_rollback(r->db);
		return reply_problem(r, 409, "nothing-to-submit", "Nothing to submit",
		    "There are no answers in progress for this questionnaire.");
	}
	id = db_int(res->rows[0][0]);
	if ((rc = intake_load(r, key, db_int(res->rows[0][1]), false, &q)) != CE_OK)
		return rc == CE_INVALID || rc == CE_NOTFOUND ?
		    reply_internal(r, "the response's questionnaire version does not load") :
		    reply_db(r, rc);
	if ((stored = intake_json(r, res->rows[0][2], res->lens[0][2])) == NULL)
		return reply_internal(r, "stored answers are not JSON");
	switch (evaluate(r, &q, stored, &ans, &st)) {
	case 0:
		break;
	case -1:
		return reply_internal(r, "stored answers do not fit");
	default:
		return reply_internal(r, "out of memory");
	}
	if (st.nremaining > 0) {
		db_rollback(r->db);
		if ((missing = pool_calloc(r->pool, st.nremaining, sizeof(*missing))) == NULL)
			return reply_internal(r, "out of memory");
		for (i = 0; i < st.nremaining; i++) {
			missing[i].field = q.def->items[st.remaining[i]].link_id;
			missing[i].detail = "needs an answer";
		}
		return reply_invalid(r, 422, missing, st.nremaining);
	}
	if ((rc = patient_age(r, &age)) != CE_OK)
		return reply_db(r, rc);
	rc = intake_rules_load(r, key, q.def, &rules, &rules_version, &errs);
	if (rc == CE_INVALID && errs.n > 0)
		log_err("rules for %s do not fit version %" PRId64 ": %s %s", key, q.version,
		    errs.v[0].field, errs.v[0].detail);
	if (rc != CE_OK && rc != CE_NOTFOUND && rc != CE_INVALID)
		return reply_db(r, rc);
	if ((state = qstate_json(q.def, &st)) == NULL)
		return reply_internal(r, "out of memory");
	if (rc == CE_OK) {
		if (qrules_eval(r->pool, rules, q.def, &ans, &st, age, &verdict) != 0 ||
		    (result = qverdict_json(rules, &verdict, q.def, &st)) == NULL) {
			json_object_put(state);
			return reply_internal(r, "out of memory");
		}
	} else {
		/* No rules fit this version: a clinician decides. */
		struct qrule none = { "rules-unavailable",
		    "Our doctors need to look at your answers themselves.", QOUT_NEEDS_REVIEW,
		    NULL, 0, false, false, NULL, 0 };
		const struct qrule *why[1] = { &none };
		struct qrules empty;
		memset(&empty, 0, sizeof(empty));
		memset(&verdict, 0, sizeof(verdict));
		empty.title[QOUT_NEEDS_REVIEW] = "A doctor will review your answers";
		empty.text[QOUT_NEEDS_REVIEW] = "One of our doctors needs to look at your answers"
		    " before you can book. We will contact you.";
		verdict.outcome = QOUT_NEEDS_REVIEW;
		verdict.reasons = why;
		verdict.nreasons = 1;
		rules_version = 0;
		if ((result = qverdict_json(&empty, &verdict, q.def, &st)) == NULL) {
			json_object_put(state);
			return reply_internal(r, "out of memory");
		}
	}
	json_object_object_get_ex(state, "scores", &v);
	json_object_object_add(result, "scores", json_object_get(v));
	json_object_put(state);
	/* Answers to items the patient's answers disabled are not kept. */
	if ((clean = qans_json(q.def, &ans, st.enabled)) == NULL) {
		json_object_put(result);
		return reply_internal(r, "out of memory");
	}
	answers_text = pool_strdup(r->pool, json_object_to_json_string_ext(clean,
	    JSON_C_TO_STRING_PLAIN));
	json_object_put(clean);
	result_text = pool_strdup(r->pool, json_object_to_json_string_ext(result,
	    JSON_C_TO_STRING_PLAIN));
	(void)snprintf(rvbuf, sizeof(rvbuf), "%" PRId64, rules_version);
	if (answers_text == NULL || result_text == NULL) {
		json_object_put(result);
		return reply_internal(r, "out of memory");
	}
	if ((rc = db_exec(r->db, r->pool, NULL, SQL_SUBMIT, "ssssi", answers_text,
	    rules_version > 0 ? rvbuf : NULL, qoutcome_name(verdict.outcome), result_text,
	    id)) != CE_OK) {
		json_object_put(result);
		return reply_db(r, rc);
	}
	review = verdict.outcome == QOUT_NEEDS_REVIEW || st.nflags > 0;
	if (review) {
		json_object_object_get_ex(result, "reasons", &reasons);
		json_object_object_get_ex(result, "flags", &flags);
		if ((rc = db_exec(r->db, r->pool, NULL, SQL_REVIEW, "iiss", id, r->who.user_id,
		    json_object_to_json_string_ext(reasons, JSON_C_TO_STRING_PLAIN),
		    json_object_to_json_string_ext(flags, JSON_C_TO_STRING_PLAIN))) != CE_OK) {
			json_object_put(result);
			return reply_db(r, rc);
		}
	}
	(void)snprintf(idbuf, sizeof(idbuf), "%" PRId64, id);
	d = json_object_new_object();
	json_object_object_add(d, "key", json_object_new_string(key));
	json_object_object_add(d, "version", json_object_new_int64(q.version));
	json_object_object_add(d, "rules_version", rules_version > 0 ?
	    json_object_new_int64(rules_version) : NULL);
	json_object_object_add(d, "outcome", json_object_new_string(qoutcome_name(verdict.outcome)));
	json_object_object_add(d, "queued_for_review", json_object_new_boolean(review));
	if ((rc = audit_commit(r, "intake.response_submitted", "intake_response", idbuf,
	    "success", d)) != CE_OK) {
		json_object_put(result);
		return reply_db(r, rc);
	}
	json_object_object_add(result, "id", json_object_new_int64(id));
	json_object_object_add(result, "key", json_object_new_string(key));
	json_object_object_add(result, "version", json_object_new_int64(q.version));
	json_object_object_add(result, "status", json_object_new_string("completed"));
	json_object_object_add(result, "queued_for_review", json_object_new_boolean(review));
	if (db_exec(r->db, r->pool, &res, SQL_SUBMITTED_AT, "i", id) == CE_OK && res->nrows == 1)
		json_object_object_add(result, "submitted_at",
		    json_object_new_string(intake_iso(r, res->rows[0][0])));
	return reply_json(r, 200, result);
}
