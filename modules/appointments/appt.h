#ifndef CLINIC_APPT_H
#define CLINIC_APPT_H
/*
 * appointments.fcgi: shared between its resource files. Handlers follow
 * serve.h (one reply each, state changes end with audit_commit()). Strings
 * returned here belong to r->pool.
 */
#include <stdbool.h>
#include <stdint.h>

#include "err.h"

struct req;
struct json_object;

/* One appointment row as read by APPT_COLS. */
struct appt {
	int64_t		 id;
	int64_t		 patient_id;
	const char	*patient_name;
	int64_t		 clinician_id;
	const char	*clinician_name;
	const char	*type;		/* code */
	const char	*type_name;
	int64_t		 fee_pence;
	const char	*currency;
	int64_t		 start, end;	/* Unix seconds */
	const char	*status;
	int64_t		 sequence;
	const char	*cancel_reason;
	int64_t		 created_at;
};

/* The columns appt_row() reads, and the joins they need. */
#define APPT_FROM \
    " FROM appointment a JOIN users p ON p.id = a.patient_id" \
    " JOIN users c ON c.id = a.clinician_id JOIN appointment_type t ON t.id = a.type_id"
#define APPT_SELECT \
    "SELECT a.id, a.patient_id, CONCAT(p.given_name, ' ', p.family_name), a.clinician_id," \
    " CONCAT(c.given_name, ' ', c.family_name), t.code, t.name, a.fee_pence, a.currency," \
    " a.starts_at, a.ends_at, a.status, a.sequence, a.cancel_reason, a.created_at" APPT_FROM

/* Fills a from a row of APPT_SELECT (strings stay the row's). */
void		 appt_row(struct appt *, char **row);

/*
 * Loads appointment id; with lock, FOR UPDATE (a transaction must be open).
 * CE_NOTFOUND when there is none; a database error otherwise.
 */
enum cerr	 appt_load(struct req *, int64_t id, bool lock, struct appt *);
/*
 * Loads the appointment of path parameter {id} that r's principal may reach:
 * a patient only their own, clinicians and admins any. CE_NOTFOUND for
 * anything else (reply 404).
 */
enum cerr	 appt_reach(struct req *, bool lock, struct appt *);
/* The appointment JSON of contract B (patient_name only for staff). NULL on OOM. */
struct json_object *appt_json(struct req *, const struct appt *);
/* Whether a patient may still cancel or reschedule a (booked) appointment now. */
bool		 appt_can_change(const struct appt *, int64_t now);

/* The current time (Unix seconds). */
int64_t		 appt_now(void);

/*
 * Queues the email and the SMS (sent only if, at delivery, the patient has a
 * phone number and SMS consent) for event "confirm" | "change" (a new time) |
 * "clinician" (same time, another clinician) | "cancel" of a in r's open
 * transaction; except for cancel also the reminder, due reminder_hours_before
 * the start (when that is still ahead). Payloads: {patient_id, subject?, text,
 * appointment_id, starts_at, sequence}. Keys:
 * appt-<id>-<event>-<sequence>-<channel>. No clinical detail in any text.
 * CE_OK or a database error.
 */
enum cerr	 appt_notify(struct req *, const struct appt *, const char *event);

/*
 * A problem like reply_problem() with one more member `key` (value taken).
 */
int		 appt_problem(struct req *, int status, const char *slug, const char *title,
		    const char *detail, const char *key, struct json_object *value);

/*
 * Field checks for validator tables (NULL when fine, else why). A "day or
 * instant" is a local date YYYY-MM-DD or an RFC 3339 instant.
 */
const char	*appt_check_day_or_instant(const char *);
const char	*appt_check_instant(const char *);
const char	*appt_check_instant_or_local(const char *);
const char	*appt_check_date(const char *);
const char	*appt_check_hhmm(const char *);
const char	*appt_check_hhmm_end(const char *);
const char	*appt_check_code(const char *);
/*
 * A "day or instant" as an instant: a date is the start of that local day,
 * or (end true) the start of the next (an inclusive end).
 */
int64_t		 appt_day_or_instant(const char *, bool end);

/* Handlers. */
int	types_list(struct req *);
int	types_create(struct req *);
int	types_update(struct req *);
int	slots_list(struct req *);
int	avail_list(struct req *);
int	avail_create(struct req *);
int	avail_delete(struct req *);
int	exc_list(struct req *);
int	exc_create(struct req *);
int	exc_delete(struct req *);
int	clinicians_list(struct req *);
int	book_create(struct req *);
int	book_list(struct req *);
int	book_get(struct req *);
int	book_cancel(struct req *);
int	book_reschedule(struct req *);
int	ics_get(struct req *);

/*
 * The open slots of clinician (0: every clinician) for a type of `minutes`
 * in [from, to), by the rules for r's principal (notice; horizon for
 * patients, 400 days for staff), without (busy false) or with existing
 * bookings removed. *out malloc'd (caller frees). CE_OK, CE_NOMEM or a
 * database error.
 */
struct at_span;
enum cerr	slots_compute(struct req *, int64_t clinician, int minutes, int64_t from,
		    int64_t to, bool busy, struct at_span **out, size_t *n);
/* The latest start r's principal may book (the horizon). */
int64_t		slots_latest(const struct req *);

#endif
