/*
 * Messages about an appointment (contract C): an email and an SMS, queued in
 * the outbox in the caller's transaction and delivered by modules/dispatch.
 * The payload names the patient, not an address: the dispatcher reads the
 * account's email, the phone number and the SMS consent when it sends, so a
 * number or a consent changed after booking is honoured (no phone or no
 * consent then: the SMS is skipped). Each payload carries the appointment's
 * sequence: a message queued before a later change is skipped at delivery.
 * The texts say only "video consultation", the local date and time and the
 * portal link: no type, condition or clinician detail.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "apptime.h"
#include "appt.h"
#include "conf.h"
#include "db.h"
#include "outbox.h"
#include "pool.h"
#include "req.h"

/* "Monday 7 December 2026 at 10:00 GMT" in the clinic's zone. */
static const char *
when(struct req *r, int64_t t)
{
	time_t		 tt = (time_t)t;
	struct tm	 tm;
	char		 b[80];

	if (localtime_r(&tt, &tm) == NULL || strftime(b, sizeof(b), "%A %-d %B %Y at %H:%M %Z",
	    &tm) == 0)
		return "the booked time";
	return pool_strdup(r->pool, b);
}

static enum cerr
put(struct req *r, const struct appt *a, const char *event, const char *channel,
    const char *subject, const char *text, int64_t due)
{
	struct json_object	*p = json_object_new_object();
	char			 key[OUTBOX_KEY_MAX], st[AT_UTC_LEN];
	enum cerr		 rc;

	if (p == NULL)
		return CE_NOMEM;
	(void)snprintf(key, sizeof(key), "appt-%" PRId64 "-%s-%" PRId64 "-%s", a->id, event,
	    a->sequence, channel);
	json_object_object_add(p, "patient_id", json_object_new_int64(a->patient_id));
	if (subject != NULL)
		json_object_object_add(p, "subject", json_object_new_string(subject));
	json_object_object_add(p, "text", json_object_new_string(text));
	json_object_object_add(p, "appointment_id", json_object_new_int64(a->id));
	json_object_object_add(p, "starts_at", json_object_new_string(at_fmt_utc(a->start, st)));
	json_object_object_add(p, "sequence", json_object_new_int64(a->sequence));
	rc = outbox_put_at(r, strcmp(channel, "email") == 0 ? "notify.email" : "notify.sms", key,
	    p, due);
	return rc == CE_DUPLICATE ? CE_OK : rc;	/* the same message is queued already */
}

static enum cerr
both(struct req *r, const struct appt *a, const char *event, const char *subject,
    const char *text, int64_t due)
{
	enum cerr	rc;

	if ((rc = put(r, a, event, "email", subject, text, due)) != CE_OK)
		return rc;
	return put(r, a, event, "sms", NULL, text, due);
}

enum cerr
appt_notify(struct req *r, const struct appt *a, const char *event)
{
	const char	*w, *link, *subject, *text;
	int64_t		 due;
	enum cerr	 rc;

	w = when(r, a->start);
	link = pool_printf(r->pool, "%s/#/consult/%" PRId64, conf.portal_url, a->id);
	if (strcmp(event, "cancel") == 0) {
		subject = "Your video consultation has been cancelled";
		text = pool_printf(r->pool, "Your video consultation on %s has been cancelled."
		    " To book another, sign in at %s", w, conf.portal_url);
	} else if (strcmp(event, "change") == 0) {
		subject = "Your video consultation has moved";
		text = pool_printf(r->pool, "Your video consultation is now on %s."
		    " Join it at that time from %s", w, link);
	} else if (strcmp(event, "clinician") == 0) {
		/* Moved to another clinician at the same time: the time stands. */
		subject = "Your video consultation: a different clinician";
		text = pool_printf(r->pool, "Your video consultation on %s is still at that time,"
		    " with a different clinician. Join it at that time from %s", w, link);
	} else {
		subject = "Your video consultation is booked";
		text = pool_printf(r->pool, "Your video consultation is booked for %s."
		    " Join it at that time from %s", w, link);
	}
	if (link == NULL || text == NULL)
		return CE_NOMEM;
	if ((rc = both(r, a, event, subject, text, 0)) != CE_OK)
		return rc;
	if (strcmp(event, "cancel") == 0)
		return CE_OK;
	/* The reminder, when its time is still ahead. */
	due = a->start - (int64_t)conf.reminder_hours_before * 3600;
	if (due <= appt_now())
		return CE_OK;
	if ((text = pool_printf(r->pool, "Reminder: your video consultation is on %s."
	    " Join it at that time from %s", w, link)) == NULL)
		return CE_NOMEM;
	return both(r, a, "reminder", "Reminder: your video consultation", text, due);
}
