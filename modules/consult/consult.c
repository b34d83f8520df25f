/*
 * consult.fcgi: video consultation rooms, their signalling, and the
 * consultation notes (issue 4). Routes are the contract; docs/API.md#consult
 * describes each.
 */
#include <stdio.h>

#include <curl/curl.h>

#include "../appointments/apptime.h"
#include "conf.h"
#include "err.h"
#include "log.h"
#include "req.h"
#include "serve.h"
#include "valid.h"
#include "consult.h"

static const struct field sign_fields[] = {
	{ "base_version", V_INT, true, 1, 1000000, NULL, NULL },
};

#define BODY(f)		f, nitems(f)

/*
 * Who may call each route is finer than the role mask: the appointment's own
 * patient or clinician (room_load()); anyone else, an admin too, gets 404.
 * GET .../signal/authorize is reached only through nginx's internal location
 * (nchan's subscriber authorisation); the WebSocket itself is subscribe-only
 * and messages are sent with POST .../signal/messages (R_RAW: signal.c checks
 * the message, stamps it and publishes it to nchan).
 * PUT .../notes is R_RAW: its soap member is an object, checked in notes.c
 * against soap_fields and put_fields there.
 */
/*
 * A note's body: four texts of up to 20000 characters each, as JSON (up to 6
 * bytes a character escaped), with room to spare. nginx's /api/v1/consult
 * location allows as much (conf/clinic-site.conf.in).
 */
#define NOTE_BODY_MAX	(512L * 1024)

static const struct route routes[] = {
	{ "GET", "/api/v1/consult/{id}", room_get, ROLE_ANY, NULL, 0, NULL, 0 },
	{ "GET", "/api/v1/consult/{id}/join", room_join, ROLE_ANY, NULL, 0,
	    NULL, 0 },
	{ "POST", "/api/v1/consult/{id}/admit", room_admit, ROLE_ANY, NULL, 0,
	    NULL, 0 },
	{ "POST", "/api/v1/consult/{id}/end", room_end, ROLE_ANY, NULL, 0,
	    NULL, 0 },
	{ "GET", "/api/v1/consult/{id}/signal/authorize", signal_authorize,
	    ROLE_ANY, NULL, 0, NULL, 0 },
	{ "POST", "/api/v1/consult/{id}/signal/messages", signal_send,
	    ROLE_ANY | R_RAW, NULL, 0, NULL, 0 },
	{ "GET", "/api/v1/consult/{id}/notes", notes_get, ROLE_ANY, NULL, 0,
	    NULL, 0 },
	{ "PUT", "/api/v1/consult/{id}/notes", notes_put, ROLE_ANY | R_RAW,
	    NULL, 0, NULL, 0, NOTE_BODY_MAX },
	{ "POST", "/api/v1/consult/{id}/notes/sign", notes_sign, ROLE_ANY,
	    BODY(sign_fields), NULL, 0 },
};

static int
init(void)
{
	if (at_zone_set(conf.clinic_timezone) != 0) {
		log_err("clinic_timezone %s is not a known time zone", conf.clinic_timezone);
		return 78;
	}
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		log_err("curl_global_init failed");
		return 70;
	}
	if (*conf.signal_publish_socket == '\0')
		log_warn("signal_publish_socket is not set: signalling messages cannot be sent");
	if (*conf.turn_urls != '\0' && *conf.turn_secret == '\0')
		log_warn("turn_urls is set without turn_secret: TURN will refuse every client");
	return 0;
}

int
main(void)
{
	return serve("consult", routes, nitems(routes), init);
}
