/* GET /api/v1/appointments/{id}/calendar.ics: one VEVENT (icsfmt.h). */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "appt.h"
#include "conf.h"
#include "icsfmt.h"
#include "patient.h"
#include "pool.h"
#include "reply.h"
#include "req.h"

/* The host part of portal_url ("clinic.example"), for the UID. */
static const char *
host(struct req *r)
{
	const char	*s = strstr(conf.portal_url, "://"), *e;

	s = s != NULL ? s + 3 : conf.portal_url;
	for (e = s; *e != '\0' && *e != '/' && *e != ':'; e++)
		;
	return e > s ? pool_strndup(r->pool, s, (size_t)(e - s)) : "clinic";
}

int
ics_get(struct req *r)
{
	struct appt		 a;
	struct ics_event	 ev;
	struct json_object	*d;
	char			*text, *name;
	size_t			 len;
	enum cerr		 rc;

	if ((rc = appt_reach(r, false, &a)) == CE_NOTFOUND)
		return reply_problem(r, 404, "not-found", "No such appointment", NULL);
	if (rc != CE_OK)
		return reply_db(r, rc);
	memset(&ev, 0, sizeof(ev));
	ev.uid = pool_printf(r->pool, "appointment-%" PRId64 "@%s", a.id, host(r));
	ev.dtstamp = appt_now();
	ev.start = a.start;
	ev.end = a.end;
	ev.sequence = (long)a.sequence;
	ev.cancelled = strcmp(a.status, "cancelled") == 0;
	ev.summary = "Clinic video consultation";
	ev.url = pool_printf(r->pool, "%s/#/consult/%" PRId64, conf.portal_url, a.id);
	ev.description = pool_printf(r->pool, "Your video consultation with the clinic."
	    " Join it at the time from %s", ev.url);
	name = pool_printf(r->pool, "attachment; filename=\"appointment-%" PRId64 ".ics\"", a.id);
	if (ev.uid == NULL || ev.url == NULL || ev.description == NULL || name == NULL)
		return reply_internal(r, "out of memory");
	if ((d = json_object_new_object()) != NULL)
		json_object_object_add(d, "appointment_id", json_object_new_int64(a.id));
	if ((rc = patient_read_audit(r, a.patient_id, "appointment_calendar", d)) != CE_OK)
		return reply_db(r, rc);
	if ((text = ics_calendar(&ev, &len)) == NULL)
		return reply_internal(r, "out of memory");
	r->out = pool_strndup(r->pool, text, len);
	free(text);
	if (r->out == NULL || reply_header(r, "Content-Type", "text/calendar; charset=utf-8") != 0 ||
	    reply_header(r, "Content-Disposition", name) != 0)
		return reply_internal(r, "out of memory");
	r->outlen = len;
	r->status = 200;
	return 200;
}
