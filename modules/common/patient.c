#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include <json-c/json.h>

#include "audit.h"
#include "db.h"
#include "patient.h"
#include "req.h"

static const char SQL_IS_PATIENT[] =
    "SELECT 1 FROM users WHERE id = ? AND role = 'patient'";

int64_t
req_id(const struct req *r, const char *name)
{
	const char	*s = req_param(r, name), *p;
	char		*end;
	long long	 v;

	if (s == NULL || *s == '\0' || *s == '0')
		return 0;
	for (p = s; *p != '\0'; p++)
		if (*p < '0' || *p > '9')
			return 0;
	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || *end != '\0' || v <= 0)
		return 0;
	return (int64_t)v;
}

enum cerr
patient_reach(struct req *r, int64_t patient_id, unsigned staff_roles)
{
	struct db_res	*res;
	enum cerr	 rc;

	if (patient_id <= 0)
		return CE_NOTFOUND;
	if (r->who.role == ROLE_PATIENT)
		return r->who.user_id == patient_id ? CE_OK : CE_NOTFOUND;
	if (((unsigned)r->who.role & staff_roles) == 0)
		return CE_NOTFOUND;
	if ((rc = db_exec(r->db, r->pool, &res, SQL_IS_PATIENT, "i", patient_id)) != CE_OK)
		return rc;
	return res->nrows == 1 ? CE_OK : CE_NOTFOUND;
}

enum cerr
patient_read_audit(struct req *r, int64_t patient_id, const char *what,
    struct json_object *details)
{
	char		id[24];
	enum cerr	rc;

	if (r->who.role == ROLE_PATIENT) {
		json_object_put(details);
		return CE_OK;
	}
	if (details == NULL && (details = json_object_new_object()) == NULL)
		return CE_NOMEM;
	json_object_object_add(details, "viewed", json_object_new_string(what));
	(void)snprintf(id, sizeof(id), "%" PRId64, patient_id);
	if ((rc = db_begin(r->db)) != CE_OK) {
		json_object_put(details);
		return rc;
	}
	return audit_commit(r, "patient.record_viewed", "patient", id, "success", details);
}
