#ifndef CLINIC_PATIENT_H
#define CLINIC_PATIENT_H
/*
 * Who may reach a patient's records. Every module that serves patient data
 * asks here, so the rule is written once: a patient reaches only their own
 * records; staff whose role the caller names reach any patient's, and each
 * such read is recorded in the audit trail (who viewed what).
 * A patient asking for someone else's record is told it does not exist
 * (404), exactly as for an id nobody has, so ids reveal nothing.
 */
#include <stdint.h>

#include "err.h"

struct req;
struct json_object;

/*
 * The path parameter `name` as a positive id, or 0 when absent, not all
 * digits, zero, or out of range.
 */
int64_t		 req_id(const struct req *, const char *name);

/*
 * Whether r's principal may reach patient_id's records: CE_OK when
 * patient_id is a patient and either the principal is that patient or the
 * principal's role is in staff_roles (a role mask); CE_NOTFOUND otherwise
 * (no such patient, or not theirs); a database error on failure.
 */
enum cerr	 patient_reach(struct req *, int64_t patient_id, unsigned staff_roles);

/*
 * Records that staff read what (e.g. "profile", "documents", "document")
 * of patient_id's record, in its own transaction (begun and committed here;
 * none may be open). details, if not NULL, is taken (put). For a patient
 * reading their own record nothing is written and CE_OK is returned.
 */
enum cerr	 patient_read_audit(struct req *, int64_t patient_id, const char *what,
		    struct json_object *details);

#endif
