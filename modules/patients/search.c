/* Staff search for patients by name, email, NHS number, postcode or date of birth. */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "audit.h"
#include "checks.h"
#include "db.h"
#include "patients.h"
#include "pool.h"
#include "reply.h"
#include "req.h"

/*
 * Prefix matches on names, email and postcode; exact on NHS number and date
 * of birth. An empty query lists everyone, by family name.
 */
static const char SQL_SEARCH[] =
    "SELECT u.id, u.given_name, u.family_name, u.date_of_birth, u.email,"
    " p.nhs_number, p.postcode"
    " FROM users u LEFT JOIN patient_profile p ON p.user_id = u.id"
    " WHERE u.role = 'patient' AND (? = ''"
    " OR u.given_name LIKE ? OR u.family_name LIKE ?"
    " OR CONCAT(u.given_name, ' ', u.family_name) LIKE ?"
    " OR u.email LIKE ? OR p.postcode LIKE ?"
    " OR p.nhs_number = ? OR u.date_of_birth = ?)"
    " ORDER BY u.family_name, u.given_name, u.id LIMIT ? OFFSET ?";

/* q with LIKE's metacharacters escaped, then '%': a prefix pattern. */
static char *
prefix_pattern(struct pool *pool, const char *q)
{
	char	*p, *o;

	if ((p = pool_calloc(pool, 1, strlen(q) * 2 + 2)) == NULL)
		return NULL;
	for (o = p; *q != '\0'; q++) {
		if (*q == '%' || *q == '_' || *q == '\\')
			*o++ = '\\';
		*o++ = *q;
	}
	*o++ = '%';
	return p;
}

static bool
is_date(const char *q)
{
	size_t	i;

	if (strlen(q) != 10)
		return false;
	for (i = 0; i < 10; i++)
		if (i == 4 || i == 7 ? q[i] != '-' : (q[i] < '0' || q[i] > '9'))
			return false;
	return true;
}

int
patients_search(struct req *r)
{
	const char		*q = r->q.vals[0].present ? r->q.vals[0].s : "";
	int64_t			 limit = r->q.vals[1].present ? r->q.vals[1].i : 25;
	int64_t			 offset = r->q.vals[2].present ? r->q.vals[2].i : 0;
	struct json_object	*o, *list, *ids, *d;
	struct db_res		*res;
	char			*pat, nhs[11];
	const char		*nhsp = NULL, *date = NULL;
	size_t			 i, n;
	enum cerr		 rc;

	while (*q == ' ')
		q++;
	if ((pat = prefix_pattern(r->pool, q)) == NULL)
		return reply_internal(r, "out of memory");
	if (*q != '\0' && nhs_number_norm(q, nhs, sizeof(nhs)))
		nhsp = nhs;
	if (is_date(q))
		date = q;
	/* One more than asked, to say whether there are more. */
	if ((rc = db_exec(r->db, r->pool, &res, SQL_SEARCH, "ssssssssii", q, pat, pat, pat,
	    pat, pat, nhsp, date, limit + 1, offset)) != CE_OK)
		return reply_db(r, rc);
	n = res->nrows > (size_t)limit ? (size_t)limit : res->nrows;
	o = json_object_new_object();
	list = json_object_new_array();
	ids = json_object_new_array();
	d = json_object_new_object();
	if (o == NULL || list == NULL || ids == NULL || d == NULL) {
		json_object_put(o);
		json_object_put(list);
		json_object_put(ids);
		json_object_put(d);
		return reply_internal(r, "out of memory");
	}
	for (i = 0; i < n; i++) {
		char			**row = res->rows[i];
		struct json_object	*p = json_object_new_object();

		json_object_object_add(p, "id", json_object_new_int64(db_int(row[0])));
		json_object_object_add(p, "given_name", json_object_new_string(row[1]));
		json_object_object_add(p, "family_name", json_object_new_string(row[2]));
		json_object_object_add(p, "date_of_birth",
		    row[3] != NULL ? json_object_new_string(row[3]) : NULL);
		json_object_object_add(p, "email", json_object_new_string(row[4]));
		json_object_object_add(p, "nhs_number",
		    row[5] != NULL ? json_object_new_string(row[5]) : NULL);
		json_object_object_add(p, "postcode",
		    row[6] != NULL ? json_object_new_string(row[6]) : NULL);
		json_object_array_add(list, p);
		json_object_array_add(ids, json_object_new_int64(db_int(row[0])));
	}
	json_object_object_add(o, "patients", list);
	json_object_object_add(o, "has_more", json_object_new_boolean(res->nrows > n));
	json_object_object_add(o, "limit", json_object_new_int64(limit));
	json_object_object_add(o, "offset", json_object_new_int64(offset));
	/* Who saw which patients' summaries (not what was typed). */
	json_object_object_add(d, "shown", ids);
	if ((rc = db_begin(r->db)) != CE_OK) {
		json_object_put(d);
		json_object_put(o);
		return reply_db(r, rc);
	}
	if ((rc = audit_commit(r, "patient.searched", "patient", NULL, "success", d)) != CE_OK) {
		json_object_put(o);
		return reply_db(r, rc);
	}
	return reply_json(r, 200, o);
}
