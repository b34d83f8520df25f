/*
 * Signalling over nchan (conf/clinic-site.conf.in). The WebSocket is
 * subscribe-only: nginx asks here whether it may join an appointment's
 * channel (signal_authorize, from nginx's internal location, which sets
 * CLINIC_INTERNAL; the browser cannot send X-CSRF-Token on a WebSocket, so
 * the session cookie is trusted only together with an Origin that is exactly
 * the site's own: cross-site WebSocket hijacking). Messages are sent with an
 * ordinary API call (signal_send: session + X-CSRF-Token), checked, stamped
 * with the sender and published by an HTTP POST to nginx's internal nchan
 * publisher on a unix socket (signal_publish_socket). nchan's
 * nchan_publisher_upstream_request is not used: nchan 1.3.6 crashes nginx
 * workers in it (frames of a few KB, or split across TCP writes).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "conf.h"
#include "consult.h"
#include "db.h"
#include "log.h"
#include "pool.h"
#include "reply.h"
#include "req.h"

/*
 * The rate limit's fixed 10-second window per (appointment, sender), in the
 * database so that it holds across every consult process. MariaDB applies
 * the assignments left to right: `messages` still sees the old window_start.
 */
static const char SQL_RATE[] =
    "INSERT INTO consult_signal_rate (appointment_id, user_id, window_start, messages)"
    " VALUES (?, ?, UTC_TIMESTAMP(), 1) ON DUPLICATE KEY UPDATE"
    " messages = IF(window_start <= UTC_TIMESTAMP() - INTERVAL 10 SECOND, 1, messages + 1),"
    " window_start = IF(window_start <= UTC_TIMESTAMP() - INTERVAL 10 SECOND,"
    " UTC_TIMESTAMP(), window_start)";
static const char SQL_RATE_GET[] =
    "SELECT messages FROM consult_signal_rate WHERE appointment_id = ? AND user_id = ?";
static const char SQL_PRESENT[] =
    "INSERT INTO consult_room (appointment_id, patient_joined_at, patient_present, updated_at)"
    " VALUES (?, UTC_TIMESTAMP(6), 1, UTC_TIMESTAMP(6)) ON DUPLICATE KEY UPDATE"
    " patient_present = 1, updated_at = UTC_TIMESTAMP(6)";
static const char SQL_LEFT[] =
    "UPDATE consult_room SET patient_present = 0, patient_left_at = UTC_TIMESTAMP(6),"
    " updated_at = UTC_TIMESTAMP(6) WHERE appointment_id = ?";

/* How long a publish to nginx may take (seconds) before the send is a 503. */
#define SIGNAL_PUBLISH_TIMEOUT	2L

/* True when the request came through nginx's internal signalling locations. */
static bool
internal(const struct req *r)
{
	const char	*v = req_env(r, "CLINIC_INTERNAL");

	return v != NULL && strcmp(v, "signal") == 0;
}

/* "scheme://host[:port]" of a URL into out (no path); false when malformed. */
static bool
url_origin(const char *url, char *out, size_t cap)
{
	const char	*p = strstr(url, "://");
	size_t		 n;

	if (p == NULL)
		return false;
	p += 3;
	n = (size_t)(p - url) + strcspn(p, "/?#");
	if (n >= cap || n == (size_t)(p - url))
		return false;
	memcpy(out, url, n);
	out[n] = '\0';
	return true;
}

/*
 * The Origin header must be the site itself: the scheme and Host of this
 * request, or the origin of portal_url (a site behind a proxy).
 */
static bool
origin_ok(const struct req *r)
{
	const char	*origin = req_env(r, "HTTP_ORIGIN"), *host = req_env(r, "HTTP_HOST");
	char		 want[512];
	int		 n;

	if (origin == NULL)
		return false;
	if (host != NULL) {
		n = snprintf(want, sizeof(want), "%s://%s", r->tls ? "https" : "http", host);
		if (n > 0 && (size_t)n < sizeof(want) && strcmp(origin, want) == 0)
			return true;
	}
	return *conf.portal_url != '\0' && url_origin(conf.portal_url, want, sizeof(want)) &&
	    strcmp(origin, want) == 0;
}

int
signal_authorize(struct req *r)
{
	struct room	rm;
	enum cerr	rc;

	if (!internal(r))
		return reply_problem(r, 404, "not-found", "No such resource", NULL);
	if (!origin_ok(r))
		return reply_problem(r, 403, "forbidden", "Not from this site",
		    "The connection must come from the clinic's own pages.");
	if ((rc = room_load(r, false, &rm)) == CE_NOTFOUND)
		return reply_problem(r, 404, "not-found", "No such resource", NULL);
	if (rc != CE_OK)
		return reply_db(r, rc);
	if (!rm.open)
		return room_closed(r, &rm, NULL);
	return reply_empty(r, 204);
}

/* Counts this message; true when it is within signal_rate_per_10s. */
static bool
within_rate(struct req *r, int64_t appt, enum cerr *rc)
{
	struct db_res	*res;

	if ((*rc = db_exec(r->db, r->pool, NULL, SQL_RATE, "ii", appt, r->who.user_id)) != CE_OK ||
	    (*rc = db_exec(r->db, r->pool, &res, SQL_RATE_GET, "ii", appt,
	    r->who.user_id)) != CE_OK)
		return false;
	return res->nrows == 1 && db_int(res->rows[0][0]) <= conf.signal_rate_per_10s;
}

/* nginx's reply body (channel info) is not needed. */
static size_t
discard(char *p, size_t size, size_t n, void *arg)
{
	(void)p;
	(void)arg;
	return size * n;
}

/*
 * POSTs msg to nginx's internal nchan publisher for the appointment's channel
 * (the unix socket signal_publish_socket, conf/clinic-site.conf.in). True when
 * nginx accepted it (2xx).
 */
static bool
publish(int64_t appt, const char *msg, size_t len)
{
	static CURL		*easy;
	struct curl_slist	*h, *hx;
	char			 url[80];
	long			 status = 0;
	CURLcode		 cc;

	if (*conf.signal_publish_socket == '\0') {
		log_err("signal_publish_socket is not set: signalling cannot publish");
		return false;
	}
	if (easy == NULL && (easy = curl_easy_init()) == NULL) {
		log_err("curl_easy_init failed");
		return false;
	}
	curl_easy_reset(easy);
	(void)snprintf(url, sizeof(url), "http://localhost/publish/consult-%" PRId64, appt);
	/* No "Expect: 100-continue" round trip for longer messages. */
	if ((h = curl_slist_append(NULL, "Content-Type: application/json")) == NULL) {
		log_err("out of memory");
		return false;
	}
	if ((hx = curl_slist_append(h, "Expect:")) == NULL) {
		curl_slist_free_all(h);
		log_err("out of memory");
		return false;
	}
	h = hx;
	curl_easy_setopt(easy, CURLOPT_UNIX_SOCKET_PATH, conf.signal_publish_socket);
	curl_easy_setopt(easy, CURLOPT_URL, url);
	curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http");
	curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	/*
	 * A fresh connection each time (cheap on a unix socket): none is left
	 * holding an old nginx worker across a reload, and a socket that is gone
	 * is noticed at once.
	 */
	curl_easy_setopt(easy, CURLOPT_FORBID_REUSE, 1L);
	curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT, SIGNAL_PUBLISH_TIMEOUT);
	curl_easy_setopt(easy, CURLOPT_TIMEOUT, SIGNAL_PUBLISH_TIMEOUT);
	curl_easy_setopt(easy, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(easy, CURLOPT_POSTFIELDS, msg);
	curl_easy_setopt(easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(easy, CURLOPT_USERAGENT, "clinic-consult/1");
	cc = curl_easy_perform(easy);
	if (cc == CURLE_OK)
		cc = curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
	curl_slist_free_all(h);
	if (cc != CURLE_OK) {
		log_err("signalling publish to %s failed: %s", conf.signal_publish_socket,
		    curl_easy_strerror(cc));
		return false;
	}
	if (status < 200 || status > 299) {
		log_err("signalling publish: nginx answered %ld", status);
		return false;
	}
	return true;
}

/* A refused message: nothing published, nothing changed. */
static int
refuse(struct req *r, int flags)
{
	switch (flags) {
	case SIG_DROP_JSON:
		return reply_field(r, 422, "", "the message must be a JSON object");
	case SIG_DROP_TYPE:
		return reply_field(r, 422, "type",
		    "must be one of hello, admitted, description, candidate, media, bye, ended");
	case SIG_DROP_SHAPE:
		return reply_field(r, 422, "", "the message's payload does not fit its type");
	case SIG_DROP_ROLE:
		return reply_problem(r, 403, "forbidden", "Only the clinician sends this",
		    "admitted and ended come from the clinician.");
	case SIG_DROP_NOMEM:
		return reply_internal(r, "out of memory");
	default:
		return reply_field(r, 422, "", "the message is empty");
	}
}

int
signal_send(struct req *r)
{
	struct room	 rm;
	enum cerr	 rc;
	char		*out = NULL, limit[64];
	const char	*type, *ct = r->content_type;
	int		 flags;
	bool		 ok;

	if ((rc = room_load(r, false, &rm)) == CE_NOTFOUND)
		return reply_problem(r, 404, "not-found", "No such resource", NULL);
	if (rc != CE_OK)
		return reply_db(r, rc);
	if (!rm.open && !rm.ended)
		return room_closed(r, &rm, NULL);
	if (r->bodylen > (size_t)conf.signal_max_bytes) {
		(void)snprintf(limit, sizeof(limit), "A message is at most %ld bytes.",
		    conf.signal_max_bytes);
		return reply_problem(r, 413, "too-large", "The message is too large", limit);
	}
	if (ct == NULL || strncasecmp(ct, "application/json", 16) != 0 ||
	    (ct[16] != '\0' && ct[16] != ';' && ct[16] != ' '))
		return reply_problem(r, 415, "unsupported-media-type", "The body must be JSON",
		    "Send Content-Type: application/json.");
	if (r->bodylen == 0)
		return reply_field(r, 422, "", "the message is empty");
	{
		struct json_object	*j;
		const char		*why;

		if ((j = req_parse_json(r->body, r->bodylen, &why)) == NULL && why != NULL)
			return reply_problem(r, 400, "malformed-json", "The body is not valid JSON",
			    why);
		json_object_put(j);
	}
	/* Every attempt counts, refused ones too. */
	if (!within_rate(r, rm.a.id, &rc)) {
		if (rc != CE_OK)
			return reply_db(r, rc);
		if (reply_header(r, "Retry-After", "10") == -1)
			return reply_internal(r, "out of memory");
		return reply_problem(r, 429, "too-many-attempts", "Too many messages",
		    "Signalling allows signal_rate_per_10s messages per 10 seconds; wait and resend.");
	}
	flags = sig_rewrite(r->body, r->bodylen, (size_t)conf.signal_max_bytes, rm.clinician,
	    r->who.user_id, &out, &type);
	if (flags < 0)
		return refuse(r, flags);
	/*
	 * Once the clinician has ended the consultation only "ended" and "bye"
	 * still go through (the clinician ends with POST .../end, then tells the
	 * patient), for an hour after the room would have closed.
	 */
	if (!rm.open && !(rm.ended && (strcmp(type, "ended") == 0 || strcmp(type, "bye") == 0) &&
	    cons_now() <= rm.closes + 3600)) {
		free(out);
		return room_closed(r, &rm, NULL);
	}
	if ((flags & SIG_NEEDS_ADMISSION) && !rm.clinician && !rm.admitted) {
		free(out);
		return reply_problem(r, 409, "not-admitted", "Not admitted yet",
		    "The clinician has not admitted you yet: wait for the \"admitted\" message.");
	}
	/* The patient's presence follows hello/bye (no audit: joining is audited). */
	if (!rm.clinician && (strcmp(type, "hello") == 0 || strcmp(type, "bye") == 0) &&
	    (rc = db_exec(r->db, r->pool, NULL, strcmp(type, "hello") == 0 ? SQL_PRESENT :
	    SQL_LEFT, "i", rm.a.id)) != CE_OK) {
		free(out);
		return reply_db(r, rc);
	}
	/*
	 * Published last, after the database work: publishing is not
	 * transactional (a failed publish leaves the rate count and presence as
	 * they are, and the client may resend).
	 */
	ok = publish(rm.a.id, out, strlen(out));
	free(out);
	if (!ok)
		return reply_problem(r, 503, "unavailable", "Signalling is unavailable",
		    "The message could not be delivered; try again.");
	return reply_empty(r, 202);
}
