/*
 * Consultation notes (SOAP): versions that are only ever added. A save is a
 * draft until the clinician signs; after a signature every save is an
 * amendment with its reason, and what was signed stays in the versions.
 * Only the appointment's clinician reaches them (the patient gets 404).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "../appointments/apptime.h"
#include "audit.h"
#include "consult.h"
#include "db.h"
#include "patient.h"
#include "pool.h"
#include "reply.h"
#include "req.h"

static const char SQL_VERSIONS[] =
    "SELECT v.version, v.kind, v.subjective, v.objective, v.assessment, v.plan, v.reason,"
    " v.saved_at, v.author_id, CONCAT(u.given_name, ' ', u.family_name)"
    " FROM consult_note_version v JOIN users u ON u.id = v.author_id"
    " WHERE v.appointment_id = ? ORDER BY v.version";
static const char SQL_INSERT[] =
    "INSERT INTO consult_note_version (appointment_id, version, kind, subjective, objective,"
    " assessment, plan, reason, author_id, saved_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(6))";

enum { V_VERSION, V_KIND, V_S, V_O, V_A, V_P, V_REASON, V_SAVED, V_AUTHOR, V_AUTHOR_NAME };

static const char *const soap_keys[] = { "subjective", "objective", "assessment", "plan" };

/* The soap member of a JSON body: the four texts, each at most 20000 characters. */
static const struct field soap_fields[] = {
	{ "subjective", V_TEXT, true, 0, 20000, NULL, NULL },
	{ "objective", V_TEXT, true, 0, 20000, NULL, NULL },
	{ "assessment", V_TEXT, true, 0, 20000, NULL, NULL },
	{ "plan", V_TEXT, true, 0, 20000, NULL, NULL },
};

/* The other members of PUT .../notes (soap is checked with soap_fields). */
static const struct field put_fields[] = {
	{ "base_version", V_INT, true, 0, 1000000, NULL, NULL },
	{ "reason", V_TEXT, false, 3, 1000, NULL, NULL },
};

static struct json_object *
soap_json(char **row)
{
	struct json_object	*o = json_object_new_object();
	size_t			 i;

	if (o == NULL)
		return NULL;
	for (i = 0; i < 4; i++)
		json_object_object_add(o, soap_keys[i], json_object_new_string(row[V_S + i]));
	return o;
}

static void
add_sql_time(struct json_object *o, const char *name, const char *sql)
{
	char	b[AT_UTC_LEN];
	int64_t	t;

	if (sql == NULL || at_parse_sql(sql, &t) != 0)
		json_object_object_add(o, name, NULL);
	else
		json_object_object_add(o, name, json_object_new_string(at_fmt_utc(t, b)));
}

/* The notes of appointment id as rows; *signed_row the latest signature or -1. */
static enum cerr
load_versions(struct req *r, int64_t id, struct db_res **res, long *signed_row)
{
	enum cerr	rc;
	size_t		i;

	*signed_row = -1;
	if ((rc = db_exec(r->db, r->pool, res, SQL_VERSIONS, "i", id)) != CE_OK)
		return rc;
	for (i = 0; i < (*res)->nrows; i++)
		if (strcmp((*res)->rows[i][V_KIND], "signature") == 0)
			*signed_row = (long)i;
	return CE_OK;
}

static struct json_object *
notes_json(struct db_res *res, long signed_row)
{
	struct json_object	*o = json_object_new_object(), *cur, *list, *v;
	char			**row;
	size_t			 i;

	if (o == NULL || (list = json_object_new_array()) == NULL) {
		json_object_put(o);
		return NULL;
	}
	for (i = 0; i < res->nrows; i++) {
		row = res->rows[i];
		if ((v = json_object_new_object()) == NULL)
			break;
		json_object_object_add(v, "version", json_object_new_int64(db_int(row[V_VERSION])));
		json_object_object_add(v, "kind", json_object_new_string(row[V_KIND]));
		json_object_object_add(v, "soap", soap_json(row));
		json_object_object_add(v, "reason", row[V_REASON] != NULL ?
		    json_object_new_string(row[V_REASON]) : NULL);
		add_sql_time(v, "saved_at", row[V_SAVED]);
		json_object_object_add(v, "author_name", json_object_new_string(row[V_AUTHOR_NAME]));
		json_object_array_add(list, v);
	}
	if (res->nrows == 0)
		cur = NULL;
	else if ((cur = json_object_new_object()) != NULL) {
		row = res->rows[res->nrows - 1];
		json_object_object_add(cur, "version", json_object_new_int64(db_int(row[V_VERSION])));
		json_object_object_add(cur, "soap", soap_json(row));
		json_object_object_add(cur, "status", json_object_new_string(signed_row >= 0 ?
		    "signed" : "draft"));
		json_object_object_add(cur, "kind", json_object_new_string(row[V_KIND]));
		add_sql_time(cur, "saved_at", row[V_SAVED]);
		json_object_object_add(cur, "author_id", json_object_new_int64(db_int(row[V_AUTHOR])));
		json_object_object_add(cur, "author_name",
		    json_object_new_string(row[V_AUTHOR_NAME]));
	}
	json_object_object_add(o, "current", cur);
	json_object_object_add(o, "versions", list);
	if (signed_row >= 0) {
		add_sql_time(o, "signed_at", res->rows[signed_row][V_SAVED]);
		json_object_object_add(o, "signed_by", json_object_new_int64(
		    db_int(res->rows[signed_row][V_AUTHOR])));
		json_object_object_add(o, "signed_by_name", json_object_new_string(
		    res->rows[signed_row][V_AUTHOR_NAME]));
	} else {
		json_object_object_add(o, "signed_at", NULL);
		json_object_object_add(o, "signed_by", NULL);
	}
	return o;
}

/*
 * The appointment's clinician only; with lock the appointment row is locked
 * (serialising saves). Replies (and returns non-zero) when refused.
 */
static int
notes_room(struct req *r, bool lock, bool writing, struct room *rm)
{
	enum cerr	rc;

	if (lock && (rc = db_begin(r->db)) != CE_OK)
		return reply_db(r, rc);
	if ((rc = room_load(r, lock, rm)) == CE_NOTFOUND || (rc == CE_OK && !rm->clinician))
		return cons_refuse(r, 404);
	if (rc != CE_OK)
		return reply_db(r, rc);
	if (writing && strcmp(rm->a.status, "booked") != 0 &&
	    strcmp(rm->a.status, "completed") != 0) {
		db_rollback(r->db);
		return reply_problem_with(r, 409, "room-closed", "This appointment was not held",
		    "Notes are written for booked or completed appointments only.", NULL);
	}
	return 0;
}

int
notes_get(struct req *r)
{
	struct room	 rm;
	struct db_res	*res;
	long		 signed_row;
	enum cerr	 rc;
	struct json_object *o;

	if (notes_room(r, false, false, &rm) != 0)
		return r->status;
	if ((rc = load_versions(r, rm.a.id, &res, &signed_row)) != CE_OK)
		return reply_db(r, rc);
	if ((o = notes_json(res, signed_row)) == NULL)
		return reply_internal(r, "out of memory");
	if ((rc = patient_read_audit(r, rm.a.patient_id, "consult-notes", NULL)) != CE_OK) {
		json_object_put(o);
		return reply_db(r, rc);
	}
	return reply_json(r, 200, o);
}

/* 409 note-changed with the notes as they are now. */
static int
changed(struct req *r, struct db_res *res, long signed_row, const char *detail)
{
	struct json_object	*o = notes_json(res, signed_row);

	db_rollback(r->db);
	if (o == NULL)
		return reply_internal(r, "out of memory");
	return reply_problem_with(r, 409, "note-changed", "The notes have changed", detail, o);
}

static int
save(struct req *r, struct room *rm, const char *kind, const char *const soap[4],
    const char *reason, struct db_res *res, long signed_row, int64_t version,
    const char *action, int nchanged)
{
	struct json_object	*d;
	enum cerr		 rc;

	if ((rc = db_exec(r->db, r->pool, NULL, SQL_INSERT, "iissssssi", rm->a.id, version, kind,
	    soap[0], soap[1], soap[2], soap[3], reason, r->who.user_id)) == CE_DUPLICATE)
		return changed(r, res, signed_row, "Someone saved these notes at the same time.");
	if (rc != CE_OK)
		return reply_db(r, rc);
	if ((d = json_object_new_object()) == NULL)
		return reply_internal(r, "out of memory");
	json_object_object_add(d, "version", json_object_new_int64(version));
	json_object_object_add(d, "kind", json_object_new_string(kind));
	if (nchanged >= 0)
		json_object_object_add(d, "changed_fields", json_object_new_int(nchanged));
	if (reason != NULL)
		json_object_object_add(d, "reason_length", json_object_new_int64(
		    (int64_t)strlen(reason)));
	if ((rc = audit_commit(r, action, "appointment", pool_printf(r->pool, "%" PRId64,
	    rm->a.id), "success", d)) != CE_OK)
		return reply_db(r, rc);
	if ((rc = load_versions(r, rm->a.id, &res, &signed_row)) != CE_OK)
		return reply_db(r, rc);
	if ((d = notes_json(res, signed_row)) == NULL)
		return reply_internal(r, "out of memory");
	return reply_json(r, 200, d);
}

int
notes_put(struct req *r)
{
	struct room		 rm;
	struct db_res		*res;
	struct json_object	*body, *soap = NULL, *rest;
	struct vresult		 vs, vr;
	struct verr		*errs;
	const char		*why, *text[4], *reason;
	char			**cur;
	long			 signed_row;
	int64_t			 current, base;
	size_t			 i, nerr = 0;
	int			 nchanged = 0;
	enum cerr		 rc;

	/* The body (R_RAW: soap is an object, which field tables do not hold). */
	if (r->bodylen == 0 || r->content_type == NULL ||
	    strncasecmp(r->content_type, "application/json", 16) != 0)
		return reply_problem(r, 415, "unsupported-media-type", "The body must be JSON",
		    "Send Content-Type: application/json.");
	if ((body = req_parse_json(r->body, r->bodylen, &why)) == NULL)
		return why == NULL ? reply_field(r, 422, "", "the body must be a JSON object") :
		    reply_problem(r, 400, "malformed-json", "The body is not valid JSON", why);
	if (!json_object_is_type(body, json_type_object) || (rest = json_object_new_object()) ==
	    NULL) {
		json_object_put(body);
		return reply_field(r, 422, "", "the body must be a JSON object");
	}
	{
		json_object_object_foreach(body, key, val) {
			if (strcmp(key, "soap") == 0)
				soap = val;
			else
				json_object_object_add(rest, key, json_object_get(val));
		}
	}
	if ((errs = pool_calloc(r->pool, 16, sizeof(*errs))) == NULL) {
		json_object_put(rest);
		json_object_put(body);
		return reply_internal(r, "out of memory");
	}
	memset(&vs, 0, sizeof(vs));
	memset(&vr, 0, sizeof(vr));
	switch (valid_json(r->pool, put_fields, nitems(put_fields), rest, &vr)) {
	case 0:
		break;
	case -1:
		for (i = 0; i < vr.nerrs && nerr < 16; i++)
			errs[nerr++] = vr.errs[i];
		break;
	default:
		nerr = 99;
	}
	if (soap == NULL || !json_object_is_type(soap, json_type_object)) {
		errs[nerr < 16 ? nerr++ : 15] = (struct verr){ "soap",
		    "must be an object with subjective, objective, assessment and plan" };
	} else {
		switch (valid_json(r->pool, soap_fields, nitems(soap_fields), soap, &vs)) {
		case 0:
			break;
		case -1:
			for (i = 0; i < vs.nerrs && nerr < 16; i++)
				errs[nerr++] = (struct verr){ pool_printf(r->pool, "soap.%s",
				    vs.errs[i].field), vs.errs[i].detail };
			break;
		default:
			nerr = 99;
		}
	}
	json_object_put(rest);
	json_object_put(body);
	if (nerr == 99)
		return reply_internal(r, "out of memory validating the body");
	if (nerr > 0)
		return reply_invalid(r, 422, errs, nerr);
	for (i = 0; i < 4; i++)
		text[i] = vs.vals[i].s;
	base = vr.vals[0].i;
	reason = vr.vals[1].present ? vr.vals[1].s : NULL;

	if (notes_room(r, true, true, &rm) != 0)
		return r->status;
	if ((rc = load_versions(r, rm.a.id, &res, &signed_row)) != CE_OK)
		return reply_db(r, rc);
	current = res->nrows > 0 ? db_int(res->rows[res->nrows - 1][V_VERSION]) : 0;
	if (base != current)
		return changed(r, res, signed_row, "These notes were saved elsewhere since you"
		    " opened them. Reload them and save again.");
	if (signed_row >= 0 && reason == NULL) {
		db_rollback(r->db);
		return reply_field(r, 422, "reason",
		    "the notes are signed: say why you are amending them (3 to 1000 characters)");
	}
	for (i = 0; i < 4; i++) {
		cur = current > 0 ? res->rows[res->nrows - 1] : NULL;
		if (strcmp(cur != NULL ? cur[V_S + i] : "", text[i]) != 0)
			nchanged++;
	}
	return save(r, &rm, signed_row >= 0 ? "amendment" : "draft", text,
	    signed_row >= 0 ? reason : NULL, res, signed_row, current + 1,
	    signed_row >= 0 ? "consult.note.amend" : "consult.note.save", nchanged);
}

int
notes_sign(struct req *r)
{
	struct room	 rm;
	struct db_res	*res;
	const char	*text[4];
	char		**cur;
	long		 signed_row;
	int64_t		 current;
	size_t		 i;
	enum cerr	 rc;

	if (notes_room(r, true, true, &rm) != 0)
		return r->status;
	if ((rc = load_versions(r, rm.a.id, &res, &signed_row)) != CE_OK)
		return reply_db(r, rc);
	current = res->nrows > 0 ? db_int(res->rows[res->nrows - 1][V_VERSION]) : 0;
	if (current == 0) {
		db_rollback(r->db);
		return reply_problem(r, 409, "note-changed", "There are no notes to sign",
		    "Save the notes first.");
	}
	if (r->in.vals[0].i != current)
		return changed(r, res, signed_row, "These notes were saved elsewhere since you"
		    " opened them. Read them again before signing.");
	cur = res->rows[res->nrows - 1];
	if (strcmp(cur[V_KIND], "signature") == 0)
		return changed(r, res, signed_row, "This version is already signed.");
	for (i = 0; i < 4; i++)
		text[i] = cur[V_S + i];
	return save(r, &rm, "signature", text, NULL, res, signed_row, current + 1,
	    "consult.note.sign", -1);
}
