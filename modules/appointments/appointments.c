/*
 * appointments.fcgi (issue 4): appointment types, clinicians' availability
 * (weekly templates and exceptions), open slots, booking, cancelling,
 * rescheduling and the .ics file. Routes are the contract (var/contract-4.md
 * section B); docs/API.md#appointments describes each. Time rules: apptime.h.
 */
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "apptime.h"
#include "appt.h"
#include "conf.h"
#include "err.h"
#include "log.h"
#include "pool.h"
#include "reply.h"
#include "req.h"
#include "serve.h"
#include "valid.h"

/* No time or date at or after 9000-01-01 is taken (ranges and SQL stay in bounds). */
#define LAST_DAY	2567655			/* 9000-01-01 as a civil day */
#define LAST_T		(LAST_DAY * 86400LL)
static const char TOO_FAR[] = "must be before the year 9000";

const char *
appt_check_instant(const char *s)
{
	int64_t	t;

	if (at_parse_instant(s, false, &t) != 0)
		return "must be an RFC 3339 time with Z or an offset, e.g. 2027-03-28T09:00:00Z";
	return t < LAST_T ? NULL : TOO_FAR;
}

const char *
appt_check_instant_or_local(const char *s)
{
	int64_t	t;

	if (at_parse_instant(s, true, &t) != 0)
		return "must be an RFC 3339 time (2027-03-28T09:00:00Z) or a local time"
		    " (2027-03-28T09:00)";
	return t < LAST_T ? NULL : TOO_FAR;
}

const char *
appt_check_day_or_instant(const char *s)
{
	int64_t	t;

	if (strlen(s) == 10) {
		if (at_parse_date(s, &t) != 0)
			return "must be a real date YYYY-MM-DD";
		return t < LAST_DAY ? NULL : TOO_FAR;
	}
	if (at_parse_instant(s, false, &t) != 0)
		return "must be a date YYYY-MM-DD or an RFC 3339 time, e.g. 2027-03-28T09:00:00Z";
	return t < LAST_T ? NULL : TOO_FAR;
}

const char *
appt_check_date(const char *s)
{
	int64_t	d;

	if (at_parse_date(s, &d) != 0)
		return "must be a real date YYYY-MM-DD";
	return d < LAST_DAY ? NULL : TOO_FAR;
}

const char *
appt_check_hhmm(const char *s)
{
	int	m;

	return at_parse_hhmm(s, false, &m) == 0 ? NULL : "must be a time hh:mm (00:00 to 23:59)";
}

const char *
appt_check_hhmm_end(const char *s)
{
	int	m;

	return at_parse_hhmm(s, true, &m) == 0 ? NULL : "must be a time hh:mm (00:01 to 24:00)";
}

const char *
appt_check_code(const char *s)
{
	const char	*p;

	for (p = s; *p != '\0'; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_'))
			return "must be lower-case letters, digits and _";
	return NULL;
}

int64_t
appt_day_or_instant(const char *s, bool end)
{
	int64_t	t;

	if (strlen(s) == 10 && at_parse_date(s, &t) == 0)
		return at_local_to_utc(t + (end ? 1 : 0), 0);
	if (at_parse_instant(s, false, &t) == 0)
		return t;
	return 0;
}

int
appt_problem(struct req *r, int status, const char *slug, const char *title,
    const char *detail, const char *key, struct json_object *value)
{
	struct json_object	*extra = json_object_new_object();

	if (extra == NULL || json_object_object_add(extra, key, value) != 0) {
		json_object_put(value);
		json_object_put(extra);
		return reply_internal(r, "out of memory");
	}
	return reply_problem_with(r, status, slug, title, detail, extra);
}

/* Field tables. */
static const struct field type_create_fields[] = {
	{ "code", V_STRING, true, 2, 32, NULL, appt_check_code },
	{ "name", V_STRING, true, 2, 100, NULL, NULL },
	{ "minutes", V_INT, true, 5, 480, NULL, NULL },
	{ "fee_pence", V_INT, true, 0, 10000000, NULL, NULL },
	{ "currency", V_ENUM, false, 0, 0, "GBP", NULL },
	{ "active", V_BOOL, false, 0, 0, NULL, NULL },
};

static const struct field type_update_fields[] = {
	{ "name", V_STRING, false, 2, 100, NULL, NULL },
	{ "minutes", V_INT, false, 5, 480, NULL, NULL },
	{ "fee_pence", V_INT, false, 0, 10000000, NULL, NULL },
	{ "active", V_BOOL, false, 0, 0, NULL, NULL },
};

static const struct field types_query[] = {
	{ "all", V_BOOL, false, 0, 0, NULL, NULL },
};

static const struct field slots_query[] = {
	{ "from", V_STRING, false, 10, 40, NULL, appt_check_day_or_instant },
	{ "to", V_STRING, false, 10, 40, NULL, appt_check_day_or_instant },
	{ "type", V_STRING, false, 2, 32, NULL, appt_check_code },
	{ "clinician", V_INT, false, 1, INT64_MAX, NULL, NULL },
};

static const struct field avail_query[] = {
	{ "clinician_id", V_INT, false, 1, INT64_MAX, NULL, NULL },
};

static const struct field avail_fields[] = {
	{ "weekday", V_INT, true, 1, 7, NULL, NULL },
	{ "start_time", V_STRING, true, 5, 8, NULL, appt_check_hhmm },
	{ "end_time", V_STRING, true, 5, 8, NULL, appt_check_hhmm_end },
	{ "valid_from", V_STRING, false, 10, 10, NULL, appt_check_date },
	{ "valid_until", V_STRING, false, 10, 10, NULL, appt_check_date },
	{ "clinician_id", V_INT, false, 1, INT64_MAX, NULL, NULL },
};

static const struct field exc_query[] = {
	{ "clinician_id", V_INT, false, 1, INT64_MAX, NULL, NULL },
	{ "from", V_STRING, false, 10, 40, NULL, appt_check_day_or_instant },
	{ "to", V_STRING, false, 10, 40, NULL, appt_check_day_or_instant },
};

static const struct field exc_fields[] = {
	{ "kind", V_ENUM, true, 0, 0, "leave|extra", NULL },
	{ "starts_at", V_STRING, true, 16, 40, NULL, appt_check_instant_or_local },
	{ "ends_at", V_STRING, true, 16, 40, NULL, appt_check_instant_or_local },
	{ "reason", V_STRING, false, 0, 500, NULL, NULL },
	{ "clinician_id", V_INT, false, 1, INT64_MAX, NULL, NULL },
};

static const struct field book_fields[] = {
	{ "slot_start", V_STRING, true, 20, 40, NULL, appt_check_instant },
	{ "clinician_id", V_INT, true, 1, INT64_MAX, NULL, NULL },
	{ "type", V_STRING, true, 2, 32, NULL, appt_check_code },
	{ "patient_id", V_INT, false, 1, INT64_MAX, NULL, NULL },
};

static const struct field list_query[] = {
	{ "from", V_STRING, false, 10, 40, NULL, appt_check_day_or_instant },
	{ "to", V_STRING, false, 10, 40, NULL, appt_check_day_or_instant },
	{ "clinician", V_INT, false, 1, INT64_MAX, NULL, NULL },
	{ "patient", V_INT, false, 1, INT64_MAX, NULL, NULL },
	{ "status", V_ENUM, false, 0, 0, "booked|cancelled|completed|no_show", NULL },
};

static const struct field cancel_fields[] = {
	{ "reason", V_TEXT, false, 0, 1000, NULL, NULL },
};

static const struct field reschedule_fields[] = {
	{ "slot_start", V_STRING, true, 20, 40, NULL, appt_check_instant },
	{ "clinician_id", V_INT, false, 1, INT64_MAX, NULL, NULL },
	{ "reason", V_TEXT, false, 0, 1000, NULL, NULL },
};

#define BODY(f)		f, nitems(f)
#define QUERY(f)	f, nitems(f)
#define BOOKERS		(ROLE_PATIENT | ROLE_CLINICIAN | ROLE_ADMIN)
#define DIARY		(ROLE_CLINICIAN | ROLE_ADMIN)

static const struct route routes[] = {
	{ "GET", "/api/v1/appointments/types", types_list, ROLE_ANY, NULL, 0, QUERY(types_query) },
	{ "POST", "/api/v1/appointments/types", types_create, ROLE_ADMIN, BODY(type_create_fields),
	    NULL, 0 },
	{ "PATCH", "/api/v1/appointments/types/{id}", types_update, ROLE_ADMIN,
	    BODY(type_update_fields), NULL, 0 },
	{ "GET", "/api/v1/appointments/slots", slots_list, ROLE_ANY, NULL, 0, QUERY(slots_query) },
	{ "GET", "/api/v1/appointments/clinicians", clinicians_list, ROLE_ANY, NULL, 0, NULL, 0 },
	{ "GET", "/api/v1/appointments/availability", avail_list, DIARY, NULL, 0,
	    QUERY(avail_query) },
	{ "POST", "/api/v1/appointments/availability", avail_create, DIARY, BODY(avail_fields),
	    NULL, 0 },
	{ "DELETE", "/api/v1/appointments/availability/{id}", avail_delete, DIARY, NULL, 0,
	    NULL, 0 },
	{ "GET", "/api/v1/appointments/exceptions", exc_list, DIARY, NULL, 0, QUERY(exc_query) },
	{ "POST", "/api/v1/appointments/exceptions", exc_create, DIARY, BODY(exc_fields), NULL, 0 },
	{ "DELETE", "/api/v1/appointments/exceptions/{id}", exc_delete, DIARY, NULL, 0, NULL, 0 },
	{ "GET", "/api/v1/appointments", book_list, BOOKERS, NULL, 0, QUERY(list_query) },
	{ "POST", "/api/v1/appointments", book_create, BOOKERS, BODY(book_fields), NULL, 0 },
	{ "GET", "/api/v1/appointments/{id}", book_get, BOOKERS, NULL, 0, NULL, 0 },
	{ "POST", "/api/v1/appointments/{id}/cancel", book_cancel, BOOKERS, BODY(cancel_fields),
	    NULL, 0 },
	{ "POST", "/api/v1/appointments/{id}/reschedule", book_reschedule, BOOKERS,
	    BODY(reschedule_fields), NULL, 0 },
	{ "GET", "/api/v1/appointments/{id}/calendar.ics", ics_get, BOOKERS, NULL, 0, NULL, 0 },
};

/* The clinic's zone for every conversion, set once before the workers fork. */
static int
init(void)
{
	if (at_zone_set(conf.clinic_timezone) != 0) {
		log_err("clinic_timezone %s is not a time zone of this system",
		    conf.clinic_timezone);
		return 1;
	}
	return 0;
}

int
main(void)
{
	return serve("appointments", routes, nitems(routes), init);
}
