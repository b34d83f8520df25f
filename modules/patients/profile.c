/* The patient profile: read and partial update by the patient; staff reads. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "audit.h"
#include "checks.h"
#include "db.h"
#include "patient.h"
#include "patients.h"
#include "pool.h"
#include "reply.h"
#include "req.h"

/* Columns 0..5 the account, then the profile in enum pf order, then updated_at. */
static const char SQL_GET[] =
    "SELECT u.id, u.email, u.given_name, u.family_name, u.date_of_birth, u.created_at,"
    " p.phone, p.address_line1, p.address_line2, p.town, p.postcode, p.nhs_number,"
    " p.gp_practice, p.gp_address, p.emergency_name, p.emergency_phone,"
    " p.emergency_relationship, p.consent_registry, COALESCE(p.contact_email, 1),"
    " COALESCE(p.contact_sms, 0), COALESCE(p.contact_post, 0), p.updated_at"
    " FROM users u LEFT JOIN patient_profile p ON p.user_id = u.id"
    " WHERE u.id = ? AND u.role = 'patient'";
#define COL_PROFILE	6

static const char SQL_ENSURE[] =
    "INSERT INTO patient_profile (user_id, updated_at) VALUES (?, UTC_TIMESTAMP(6))"
    " ON DUPLICATE KEY UPDATE user_id = user_id";

/* Each field: IF(given, value, unchanged). Parameters in enum pf order. */
static const char SQL_UPDATE[] =
    "UPDATE patient_profile SET"
    " phone = IF(?, ?, phone),"
    " address_line1 = IF(?, ?, address_line1),"
    " address_line2 = IF(?, ?, address_line2),"
    " town = IF(?, ?, town),"
    " postcode = IF(?, ?, postcode),"
    " nhs_number = IF(?, ?, nhs_number),"
    " gp_practice = IF(?, ?, gp_practice),"
    " gp_address = IF(?, ?, gp_address),"
    " emergency_name = IF(?, ?, emergency_name),"
    " emergency_phone = IF(?, ?, emergency_phone),"
    " emergency_relationship = IF(?, ?, emergency_relationship),"
    " consent_registry = IF(?, ?, consent_registry),"
    " contact_email = IF(?, ?, contact_email),"
    " contact_sms = IF(?, ?, contact_sms),"
    " contact_post = IF(?, ?, contact_post),"
    " updated_at = UTC_TIMESTAMP(6)"
    " WHERE user_id = ?";

/* The field names in enum pf order (the JSON keys in and out). */
static const char *const pf_names[PF__MAX] = {
	"phone", "address_line1", "address_line2", "town", "postcode", "nhs_number",
	"gp_practice", "gp_address", "emergency_name", "emergency_phone",
	"emergency_relationship", "consent_registry", "contact_email", "contact_sms",
	"contact_post",
};
#define PF_FIRST_BOOL	PF_CONSENT_REGISTRY

static struct json_object *
str_or_null(const char *s)
{
	return s != NULL ? json_object_new_string(s) : NULL;
}

/* The profile JSON from one SQL_GET row. */
static struct json_object *
profile_json(char **row)
{
	struct json_object	*o;
	int			 i;

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	json_object_object_add(o, "id", json_object_new_int64(db_int(row[0])));
	json_object_object_add(o, "email", json_object_new_string(row[1]));
	json_object_object_add(o, "given_name", json_object_new_string(row[2]));
	json_object_object_add(o, "family_name", json_object_new_string(row[3]));
	json_object_object_add(o, "date_of_birth", str_or_null(row[4]));
	json_object_object_add(o, "registered_at", str_or_null(row[5]));
	for (i = 0; i < PF__MAX; i++) {
		const char *v = row[COL_PROFILE + i];

		if (i < PF_FIRST_BOOL)
			json_object_object_add(o, pf_names[i], str_or_null(v));
		else
			json_object_object_add(o, pf_names[i], v == NULL ? NULL :
			    json_object_new_boolean(strcmp(v, "0") != 0));
	}
	json_object_object_add(o, "updated_at", str_or_null(row[COL_PROFILE + PF__MAX]));
	return o;
}

/* Loads patient id's profile into *out; CE_NOTFOUND when there is none. */
static enum cerr
load(struct req *r, int64_t id, struct json_object **out)
{
	struct db_res	*res;
	enum cerr	 rc;

	if ((rc = db_exec(r->db, r->pool, &res, SQL_GET, "i", id)) != CE_OK)
		return rc;
	if (res->nrows != 1)
		return CE_NOTFOUND;
	if ((*out = profile_json(res->rows[0])) == NULL)
		return CE_NOMEM;
	return CE_OK;
}

static int
reply_profile(struct req *r, int64_t id)
{
	struct json_object	*o;
	enum cerr		 rc;

	if ((rc = load(r, id, &o)) == CE_NOTFOUND)
		return reply_problem(r, 404, "not-found", "No such patient", NULL);
	if (rc != CE_OK)
		return reply_db(r, rc);
	return reply_json(r, 200, o);
}

int
patients_me(struct req *r)
{
	return reply_profile(r, r->who.user_id);
}

int
patients_get(struct req *r)
{
	int64_t		id = req_id(r, "id");
	enum cerr	rc;

	if ((rc = patient_reach(r, id, ROLE_CLINICIAN | ROLE_ADMIN)) == CE_NOTFOUND)
		return reply_problem(r, 404, "not-found", "No such patient", NULL);
	if (rc != CE_OK || (rc = patient_read_audit(r, id, "profile", NULL)) != CE_OK)
		return reply_db(r, rc);
	return reply_profile(r, id);
}

int
patients_me_update(struct req *r)
{
	const struct val	*v = r->in.vals;
	const char		*text[PF__MAX];
	int64_t			 given[PF__MAX], flag[PF__MAX];
	struct json_object	*d, *changed, *o;
	char			 nhs[11], postcode[9], id[24];
	int			 i, n = 0;
	enum cerr		 rc;

	for (i = 0; i < PF__MAX; i++) {
		given[i] = v[i].present;
		text[i] = v[i].present && v[i].len > 0 ? v[i].s : NULL;
		flag[i] = v[i].present ? v[i].i : 0;
		n += v[i].present;
	}
	if (n == 0)
		return reply_field(r, 422, "", "give at least one detail to change");
	/* Stored in one form, so staff can search by them. */
	if (text[PF_NHS_NUMBER] != NULL) {
		if (!nhs_number_norm(text[PF_NHS_NUMBER], nhs, sizeof(nhs)))
			return reply_internal(r, "NHS number passed its check but not normalisation");
		text[PF_NHS_NUMBER] = nhs;
	}
	if (text[PF_POSTCODE] != NULL) {
		if (!postcode_norm(text[PF_POSTCODE], postcode, sizeof(postcode)))
			return reply_internal(r, "postcode passed its check but not normalisation");
		text[PF_POSTCODE] = postcode;
	}
	if ((rc = db_begin(r->db)) != CE_OK ||
	    (rc = db_exec(r->db, r->pool, NULL, SQL_ENSURE, "i", r->who.user_id)) != CE_OK ||
	    (rc = db_exec(r->db, r->pool, NULL, SQL_UPDATE,
	    "isisisisisisisisisisis" "iiiiiiii" "i",
	    given[0], text[0], given[1], text[1], given[2], text[2], given[3], text[3],
	    given[4], text[4], given[5], text[5], given[6], text[6], given[7], text[7],
	    given[8], text[8], given[9], text[9], given[10], text[10],
	    given[11], flag[11], given[12], flag[12], given[13], flag[13], given[14], flag[14],
	    r->who.user_id)) != CE_OK)
		return reply_db(r, rc);
	if ((rc = load(r, r->who.user_id, &o)) != CE_OK)
		return rc == CE_NOTFOUND ? reply_internal(r, "patient row vanished") :
		    reply_db(r, rc);
	/* Which details changed, never their values: the trail holds no health data. */
	if ((d = json_object_new_object()) == NULL || (changed = json_object_new_array()) == NULL) {
		json_object_put(d);
		json_object_put(o);
		return reply_internal(r, "out of memory");
	}
	for (i = 0; i < PF__MAX; i++)
		if (given[i])
			json_object_array_add(changed, json_object_new_string(pf_names[i]));
	json_object_object_add(d, "fields", changed);
	(void)snprintf(id, sizeof(id), "%" PRId64, r->who.user_id);
	if ((rc = audit_commit(r, "patient.profile_updated", "patient", id, "success", d)) != CE_OK) {
		json_object_put(o);
		return reply_db(r, rc);
	}
	return reply_json(r, 200, o);
}
