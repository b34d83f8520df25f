#ifndef CLINIC_NOTIFY_MSG_H
#define CLINIC_NOTIFY_MSG_H
/*
 * The email and SMS requests made from an outbox payload (contract C of
 * issue 4), as pure functions: unit tested on their own, used by the
 * dispatcher's notify kinds (notify_kinds.c).
 *
 *   notify.email  {to, subject, text, appointment_id?, starts_at?}
 *                 -> SendGrid v3 POST /v3/mail/send JSON body
 *   notify.sms    {to, text, appointment_id?, starts_at?}
 *                 -> Twilio POST .../Messages.json form body To, From, Body
 *
 * A why buffer is filled on failure; it names the field, never its value
 * (the payload is a patient's address and message).
 */
#include <stdbool.h>
#include <stddef.h>

struct json_object;

#define NOTIFY_SUBJECT_MAX	200
#define NOTIFY_EMAIL_TEXT_MAX	10000
#define NOTIFY_SMS_TEXT_MAX	1600

/* An email address we send to: 3..254 bytes, one @, a dot after it, no spaces, controls or <>"(),;:\. */
bool		 notify_email_ok(const char *s);

/*
 * A phone number in E.164 form for Twilio: out (at least 17 bytes) gets
 * "+<7..15 digits>" from s with spaces, hyphens, dots and brackets removed
 * (and the trunk "(0)" of "+44 (0)20 ...");
 * "00..." is international; a national number starting with one 0 gets
 * country (digits, e.g. "44") in place of the 0. Returns false (out "")
 * when s is not such a number.
 */
bool		 notify_phone_e164(const char *s, const char *country, char *out, size_t outsz);

/*
 * The SendGrid v3 mail/send body for payload, from the address from:
 * {personalizations:[{to:[{email}]}], from:{email}, subject,
 *  content:[{type:"text/plain", value:text}]}. Caller puts the result; NULL
 * (why set) when the payload is not fit to send: to not an address, subject
 * empty, over NOTIFY_SUBJECT_MAX or with a line break, text empty or over
 * NOTIFY_EMAIL_TEXT_MAX, or from not an address; also on OOM ("out of memory").
 */
struct json_object *notify_email_request(struct json_object *payload, const char *from,
		    char *why, size_t whysz);

/*
 * The Twilio form body "To=...&From=...&Body=..." (application/
 * x-www-form-urlencoded) for payload, from the sender from; the number in
 * payload's to made E.164 with country. Returns a heap string the caller
 * frees, or NULL (why set) when to is not a phone number, text is empty or
 * over NOTIFY_SMS_TEXT_MAX, from is empty or over 32 bytes, or on OOM.
 */
char		*notify_sms_form(struct json_object *payload, const char *from, const char *country,
		    char *why, size_t whysz);

/*
 * Appends name=value to the form-encoded *buf (heap, NUL-terminated, *len
 * bytes; both start as NULL/0), with '&' between pairs, each byte outside
 * [A-Za-z0-9*-._] percent-encoded and a space as '+'. Returns 0, or -1 on OOM
 * (*buf left as it was).
 */
int		 notify_form_add(char **buf, size_t *len, const char *name, const char *value);

/*
 * The appointment a payload is about, when it carries both appointment_id
 * (a positive integer) and starts_at (a string of at most 40 bytes): *id and
 * starts_at are set and true returned; false when it carries neither or only one.
 */
bool		 notify_about(struct json_object *payload, long long *id, const char **starts_at);

/*
 * A non-negative integer member name of payload (an appointment's sequence,
 * a patient's id): true and *out set, false when absent or not such a number.
 */
bool		 notify_int(struct json_object *payload, const char *name, long long *out);

/*
 * Whether key is a cancellation notice's, "appt-<digits>-cancel-<...>"
 * (contract C): it is about an appointment that is no longer booked by
 * design, so it is never skipped as "appointment changed".
 */
bool		 notify_cancel_key(const char *key);

/*
 * Whether db ("YYYY-MM-DDTHH:MM:SS", the database's instant; more after it
 * is ignored) is the RFC 3339 UTC instant payload: the same 19 characters,
 * then "Z" or "+00:00", optionally after fractional seconds that are zeros.
 */
bool		 notify_same_instant(const char *db, const char *payload);

/*
 * out = "Basic " + base64(user ":" pass) (RFC 7617). False when user has a
 * colon or out (outsz bytes) is too small.
 */
bool		 notify_basic_auth(const char *user, const char *pass, char *out, size_t outsz);

#endif
