/*
 * The email and SMS outbox kinds (issue 4, contract C):
 *   notify.email  {to | patient_id, subject, text, appointment_id?, starts_at?, sequence?}
 *                 SendGrid v3: POST <notify_email_url>/v3/mail/send, Bearer token
 *   notify.sms    {to | patient_id, text, appointment_id?, starts_at?, sequence?}
 *                 Twilio: POST <notify_sms_url>/2010-04-01/Accounts/<SID>/Messages.json,
 *                 HTTP Basic SID:token, form-encoded To, From, Body
 * Both carry the row's idempotency key as Idempotency-Key (the SMS also as
 * Twilio's I-Twilio-Idempotency-Token). With patient_id the address is read
 * at delivery: the account's email; the profile's phone, and only while the
 * patient agrees to SMS contact (otherwise the row is done with
 * {"skipped":"no consent"} or {"skipped":"no phone"}). A message about an
 * appointment (appointment_id and starts_at) is not sent, and the row is done
 * with the result {"skipped":"appointment changed"}, when at delivery that
 * appointment is no longer 'booked' at that start, or (with sequence) has
 * changed since (cancelled, moved, another clinician): a reminder queued days
 * ahead never announces a slot that is gone, nor comes twice (a
 * cancellation notice, key appt-<id>-cancel-..., is always sent). A 2xx
 * answer is a delivery even when it cannot be read (the provider accepted the
 * message: sending it again would send it twice). The payload (an address, a
 * message) is dropped once delivered; the row keeps only the provider's
 * message id and status.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "conf.h"
#include "db.h"
#include "dispatch.h"
#include "notify_msg.h"
#include "req.h"
#include "valid.h"
#include "../idv/provider.h"

/* A national number (leading 0) is taken to be in this country (the clinic is in the UK). */
#define NATIONAL_COUNTRY	"44"

static const char SQL_APPT[] =
    "SELECT status, DATE_FORMAT(starts_at, '%Y-%m-%dT%H:%i:%s'), sequence FROM appointment"
    " WHERE id = ?";
static const char SQL_CONTACT[] =
    "SELECT u.email, p.phone, COALESCE(p.contact_sms, 0) FROM users u"
    " LEFT JOIN patient_profile p ON p.user_id = u.id WHERE u.id = ?";

bool
notify_urls_ok(void)
{
	bool	plain;

	return (*conf.notify_email_url == '\0' || idv_base_url_ok(conf.notify_email_url, &plain)) &&
	    (*conf.notify_sms_url == '\0' || idv_base_url_ok(conf.notify_sms_url, &plain));
}

/* a->json = what the row keeps as its result; V_RETRY on OOM. */
static enum verdict
keep(struct answer *a, const char *id, const char *status, const char *skipped)
{
	struct json_object	*o;

	json_object_put(a->json);
	if ((a->json = o = json_object_new_object()) == NULL) {
		(void)snprintf(a->why, sizeof(a->why), "out of memory");
		return V_RETRY;
	}
	if (skipped != NULL) {
		json_object_object_add(o, "skipped", json_object_new_string(skipped));
		return V_DONE;
	}
	if (id != NULL)
		json_object_object_add(o, "id", json_object_new_string(id));
	if (status != NULL)
		json_object_object_add(o, "status", json_object_new_string(status));
	json_object_object_add(o, "http_status", json_object_new_int64(a->status));
	return V_DONE;
}

/*
 * Whether the message is still to be sent: V_DONE (*go set or not), or
 * V_RETRY when the appointment cannot be read now.
 */
static enum verdict
still_wanted(struct job *j, struct answer *a, bool *go)
{
	struct db_res	*res;
	const char	*starts;
	long long	 id, seq;
	enum cerr	 rc;

	*go = true;
	if (!notify_about(j->payload, &id, &starts) || notify_cancel_key(j->key))
		return V_DONE;
	if (j->r == NULL) {
		(void)snprintf(a->why, sizeof(a->why), "no database connection");
		return V_RETRY;
	}
	if ((rc = db_exec(j->r->db, j->r->pool, &res, SQL_APPT, "i", (int64_t)id)) != CE_OK) {
		(void)snprintf(a->why, sizeof(a->why), "reading appointment %lld: %s", id,
		    cerr_str(rc));
		return V_RETRY;
	}
	*go = res->nrows == 1 && res->rows[0][0] != NULL && strcmp(res->rows[0][0], "booked") == 0 &&
	    notify_same_instant(res->rows[0][1], starts) &&
	    (!notify_int(j->payload, "sequence", &seq) ||
	    (res->rows[0][2] != NULL && db_int(res->rows[0][2]) == (int64_t)seq));
	return V_DONE;
}

/*
 * With a patient_id in the payload, sets its "to" from the patient's
 * details now: the email address, or (sms) the phone number while the
 * patient agrees to SMS contact. V_DONE with *skip NULL (go on) or the
 * reason to skip the message; V_RETRY when they cannot be read now; V_FAIL
 * when there is no such patient.
 */
static enum verdict
address(struct job *j, struct answer *a, bool sms, const char **skip)
{
	struct db_res	*res;
	const char	*to;
	long long	 patient;
	enum cerr	 rc;

	*skip = NULL;
	if (!notify_int(j->payload, "patient_id", &patient))
		return V_DONE;	/* the payload has its own "to" */
	if (j->r == NULL) {
		(void)snprintf(a->why, sizeof(a->why), "no database connection");
		return V_RETRY;
	}
	if ((rc = db_exec(j->r->db, j->r->pool, &res, SQL_CONTACT, "i", (int64_t)patient)) != CE_OK) {
		(void)snprintf(a->why, sizeof(a->why), "reading patient %lld: %s", patient,
		    cerr_str(rc));
		return V_RETRY;
	}
	if (res->nrows != 1) {
		(void)snprintf(a->why, sizeof(a->why), "no patient %lld", patient);
		return V_FAIL;
	}
	if (!sms)
		to = res->rows[0][0];
	else if (res->rows[0][2] == NULL || db_int(res->rows[0][2]) == 0) {
		*skip = "no consent";
		return V_DONE;
	} else if ((to = res->rows[0][1]) == NULL || *to == '\0') {
		*skip = "no phone";
		return V_DONE;
	}
	if (to == NULL || json_object_object_add(j->payload, "to", json_object_new_string(to)) != 0) {
		(void)snprintf(a->why, sizeof(a->why), "out of memory");
		return V_RETRY;
	}
	return V_DONE;
}

static enum verdict
email_deliver(struct job *j, struct answer *a)
{
	struct json_object	*body;
	struct http_req		 q;
	char			 auth[600];
	const char		*skip;
	bool			 go;
	enum verdict		 v;

	if ((v = still_wanted(j, a, &go)) != V_DONE)
		return v;
	if (!go)
		return keep(a, NULL, NULL, "appointment changed");
	if ((v = address(j, a, false, &skip)) != V_DONE)
		return v;
	if (skip != NULL)
		return keep(a, NULL, NULL, skip);
	if (*conf.notify_email_url == '\0' || *conf.notify_email_token == '\0') {
		(void)snprintf(a->why, sizeof(a->why), "notify_email_url or notify_email_token is not set");
		return V_FAIL;
	}
	if ((size_t)snprintf(auth, sizeof(auth), "Bearer %s", conf.notify_email_token) >=
	    sizeof(auth)) {
		(void)snprintf(a->why, sizeof(a->why), "notify_email_token is too long");
		return V_FAIL;
	}
	if ((body = notify_email_request(j->payload, conf.notify_email_from, a->why,
	    sizeof(a->why))) == NULL)
		return strcmp(a->why, "out of memory") == 0 ? V_RETRY : V_FAIL;
	memset(&q, 0, sizeof(q));
	q.base = conf.notify_email_url;
	q.base_name = "notify_email_url";
	q.method = "POST";
	q.path = "/v3/mail/send";
	q.auth = auth;
	q.key = j->key;
	q.type = "application/json";
	q.body = json_object_to_json_string_ext(body,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	q.len = q.body != NULL ? strlen(q.body) : 0;
	q.empty_ok = true;
	q.answer_header = "X-Message-Id";
	v = q.body != NULL ? http_call(&q, a) : V_RETRY;
	json_object_put(body);
	if (v != V_DONE)
		return v;
	/* SendGrid accepts with 202 and an empty body; its message id is a header. */
	return keep(a, *a->header != '\0' ? a->header : NULL, "accepted", NULL);
}

static bool
sid_ok(const char *s)
{
	size_t	i;

	for (i = 0; s[i] != '\0'; i++)
		if (i >= 64 || !((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9')))
			return false;
	return i > 0;
}

static enum verdict
sms_deliver(struct job *j, struct answer *a)
{
	struct http_req	 q;
	char		 auth[600], path[160], ksid[65], kst[33], *form;
	const char	*sid, *st, *skip;
	bool		 go;
	enum verdict	 v;

	if ((v = still_wanted(j, a, &go)) != V_DONE)
		return v;
	if (!go)
		return keep(a, NULL, NULL, "appointment changed");
	if ((v = address(j, a, true, &skip)) != V_DONE)
		return v;
	if (skip != NULL)
		return keep(a, NULL, NULL, skip);
	if (*conf.notify_sms_url == '\0' || *conf.notify_sms_token == '\0' ||
	    !sid_ok(conf.notify_sms_account)) {
		(void)snprintf(a->why, sizeof(a->why), "notify_sms_url, notify_sms_account or"
		    " notify_sms_token is not set (or the account is not a SID)");
		return V_FAIL;
	}
	if (!notify_basic_auth(conf.notify_sms_account, conf.notify_sms_token, auth, sizeof(auth))) {
		(void)snprintf(a->why, sizeof(a->why), "notify_sms_token is too long");
		return V_FAIL;
	}
	(void)snprintf(path, sizeof(path), "/2010-04-01/Accounts/%s/Messages.json",
	    conf.notify_sms_account);
	if ((form = notify_sms_form(j->payload, conf.notify_sms_from, NATIONAL_COUNTRY, a->why,
	    sizeof(a->why))) == NULL)
		return strcmp(a->why, "out of memory") == 0 ? V_RETRY : V_FAIL;
	memset(&q, 0, sizeof(q));
	q.base = conf.notify_sms_url;
	q.base_name = "notify_sms_url";
	q.method = "POST";
	q.path = path;
	q.auth = auth;
	q.key = j->key;
	q.key_header = "I-Twilio-Idempotency-Token";
	q.any_2xx_ok = true;
	q.type = "application/x-www-form-urlencoded";
	q.body = form;
	q.len = strlen(form);
	v = http_call(&q, a);
	free(form);
	if (v != V_DONE)
		return v;
	sid = valid_str_member(a->json, "sid");
	st = valid_str_member(a->json, "status");
	if (sid == NULL || !sid_ok(sid))
		/* Accepted (2xx) but unreadable: done, not failed — never sent twice. */
		return keep(a, NULL, "accepted-unread", NULL);
	if (st != NULL && (strlen(st) > 32 || !sid_ok(st)))
		st = NULL;
	/* Keep only the id and status: the answer echoes the number and the text. */
	(void)snprintf(ksid, sizeof(ksid), "%s", sid);
	(void)snprintf(kst, sizeof(kst), "%s", st != NULL ? st : "");
	return keep(a, ksid, *kst != '\0' ? kst : NULL, NULL);
}

static enum cerr
nothing_done(struct req *r, struct job *j, struct answer *a)
{
	(void)r;
	(void)j;
	(void)a;
	return CE_OK;
}

static enum cerr
nothing_failed(struct req *r, struct job *j, const char *why)
{
	(void)r;
	(void)j;
	(void)why;
	return CE_OK;
}

const struct kind notify_kinds[] = {
	{ "notify.email", true, true, email_deliver, nothing_done, nothing_failed },
	{ "notify.sms", true, true, sms_deliver, nothing_done, nothing_failed },
};
const size_t notify_nkinds = sizeof(notify_kinds) / sizeof(notify_kinds[0]);
