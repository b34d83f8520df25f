/*
 * Signalling over nchan (conf/clinic-site.conf.in): nginx asks here whether
 * a WebSocket may join an appointment's channel (authorize) and what each
 * message becomes (publish: 204 drops it, 200 publishes the rewritten body).
 * Both come only from nginx's internal locations, which set CLINIC_INTERNAL;
 * the browser cannot send X-CSRF-Token on a WebSocket, so the session
 * cookie is trusted only together with an Origin that is exactly the site's
 * own (cross-site WebSocket hijacking).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/*
 * The largest message published rewritten (after the server's stamp).
 * nchan 1.3.6 mishandles an upstream reply body that reaches nginx in more
 * than one piece: the message is published empty or lost and nginx workers
 * then crash (measured: about 4000 bytes fine, 4100 not, less under load).
 * Longer messages are dropped unless the client stamped them itself
 * (SIG_AS_SENT: published as sent with 304, no reply body).
 */
#define SIGNAL_PUBLISH_MAX	3072

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

/* Drops the message: nothing is published, the connection stays. */
static int
drop(struct req *r, const char *why)
{
	log_info("signalling message dropped: %s", why);
	return reply_empty(r, 204);
}

int
signal_publish(struct req *r)
{
	struct room	 rm;
	enum cerr	 rc;
	char		*buf, *out = NULL;
	const char	*type;
	size_t		 have = 0, cap = (size_t)conf.signal_max_bytes + 1;
	ssize_t		 n;
	int		 flags;

	if (!internal(r))
		return reply_problem(r, 404, "not-found", "No such resource", NULL);
	if (!origin_ok(r))
		return reply_problem(r, 403, "forbidden", "Not from this site", NULL);
	/* The body to its end (nginx sends no length: see the site config). */
	if ((buf = pool_calloc(r->pool, 1, cap + 1)) == NULL)
		return reply_internal(r, "out of memory");
	while (have < cap && (n = req_read(r, buf + have, cap - have)) > 0)
		have += (size_t)n;
	/*
	 * Read whatever is left (nginx caps it at client_max_body_size): a
	 * program that stops reading makes nginx fail to send the rest, and
	 * nchan then closes the sender's WebSocket.
	 */
	if (have == cap) {
		char	sink[4096];

		while ((n = req_read(r, sink, sizeof(sink))) > 0)
			have = cap;
	}
	if ((rc = room_load(r, false, &rm)) == CE_NOTFOUND)
		return reply_problem(r, 404, "not-found", "No such resource", NULL);
	if (rc != CE_OK)
		return reply_db(r, rc);
	if (!rm.open && !rm.ended)
		return drop(r, "room not open");
	if (have > (size_t)conf.signal_max_bytes)
		return drop(r, "over signal_max_bytes");
	if (!within_rate(r, rm.a.id, &rc))
		return rc != CE_OK ? reply_db(r, rc) : drop(r, "over signal_rate_per_10s");
	flags = sig_rewrite(buf, have, (size_t)conf.signal_max_bytes, rm.clinician,
	    r->who.user_id, &out, &type);
	if (flags == SIG_DROP_NOMEM)
		return reply_internal(r, "out of memory");
	if (flags < 0)
		return drop(r, flags == SIG_DROP_JSON ? "not a JSON object" :
		    flags == SIG_DROP_TYPE ? "no or unknown type" :
		    flags == SIG_DROP_SHAPE ? "payload of the wrong shape" :
		    flags == SIG_DROP_ROLE ? "clinician-only type" : "size");
	/*
	 * Once the clinician has ended the consultation only "ended" and "bye"
	 * still go through (the clinician ends with POST .../end, then tells the
	 * patient), for an hour after the room would have closed.
	 */
	if (!rm.open && !(rm.ended && (strcmp(type, "ended") == 0 || strcmp(type, "bye") == 0) &&
	    cons_now() <= rm.closes + 3600)) {
		free(out);
		return drop(r, "room not open");
	}
	if (!(flags & SIG_AS_SENT) && strlen(out) > SIGNAL_PUBLISH_MAX) {
		free(out);
		return drop(r, "over what nchan can publish rewritten (3 KB)");
	}
	if ((flags & SIG_NEEDS_ADMISSION) && !rm.clinician && !rm.admitted) {
		free(out);
		return drop(r, "patient not admitted yet");
	}
	/* The patient's presence follows hello/bye (no audit: joining is audited). */
	if (!rm.clinician && (strcmp(type, "hello") == 0 || strcmp(type, "bye") == 0) &&
	    (rc = db_exec(r->db, r->pool, NULL, strcmp(type, "hello") == 0 ? SQL_PRESENT :
	    SQL_LEFT, "i", rm.a.id)) != CE_OK) {
		free(out);
		return reply_db(r, rc);
	}
	/*
	 * A message the client stamped correctly is published as it came (304):
	 * nchan then publishes its own copy, whatever the size (up to the
	 * location's 16 KiB), without reading a reply body.
	 */
	if (flags & SIG_AS_SENT) {
		free(out);
		return reply_empty(r, 304);
	}
	r->out = pool_strdup(r->pool, out);
	free(out);
	if (r->out == NULL || reply_header(r, "Content-Type", "application/json") == -1)
		return reply_internal(r, "out of memory");
	r->outlen = strlen(r->out);
	r->status = 200;
	return 200;
}
