#ifndef CLINIC_IDV_PROVIDER_H
#define CLINIC_IDV_PROVIDER_H
/*
 * What the identity provider's messages mean (Onfido API v3.6 shape), as pure
 * functions shared by idv.fcgi (webhooks) and dispatch (results), and unit
 * tested on their own.
 */
#include <stdbool.h>
#include <stddef.h>

/* Longest provider id we keep (applicant, workflow run). */
#define IDV_ID_MAX	64
/* Longest provider status word we keep (idv_check.provider_status is VARCHAR(32)). */
#define IDV_STATUS_MAX	31

/*
 * Whether header is the X-SHA2-Signature of body: the hex HMAC-SHA256 of the
 * raw body under token (either case of hex digits). Compared in constant
 * time. False when header or token is NULL or empty, or the header is not
 * exactly 64 hex digits.
 */
bool		 idv_signature_ok(const char *header, const void *body, size_t len,
		    const char *token);
/* out = lower-case hex HMAC-SHA256(body, token). false on library failure. */
bool		 idv_signature_make(const void *body, size_t len, const char *token,
		    char out[65]);

/* A provider id fit to store and to put in a URL path: 1..64 of [A-Za-z0-9_-]. */
bool		 idv_id_ok(const char *id);

/*
 * Our check status for a workflow run's status: "approved" -> "clear",
 * "review" -> "consider", "declined" -> "declined", "abandoned"/"error" ->
 * "failed"; NULL while the run is not finished (processing, awaiting_input,
 * ...) or for an unknown word.
 */
const char	*idv_outcome_of(const char *run_status);
/* True for the run statuses after which nothing more happens at the provider. */
bool		 idv_run_final(const char *run_status);

struct idv_event {
	char	resource_type[32];	/* "workflow_run", ... ("" if absent) */
	char	action[64];		/* "workflow_run.completed", ... */
	char	object_id[IDV_ID_MAX + 1];
	char	object_status[32];	/* "" if absent */
};

/*
 * Reads a webhook body {"payload": {"resource_type", "action", "object":
 * {"id", "status", ...}}}. Returns 0 with ev filled, or -1 when the body is
 * not JSON of that shape (strings too long, id not idv_id_ok, wrong types).
 */
int		 idv_event_parse(const char *body, size_t len, struct idv_event *ev);

/*
 * Whether url may be idv_base_url: https://, or http:// only to a loopback
 * host (127.0.0.0/8, [::1], localhost) such as the local stand-in, so the API
 * token never travels in clear. No user info, nothing but printable ASCII.
 * *plain is set when it is loopback http.
 */
bool		 idv_base_url_ok(const char *url, bool *plain);

/* True when a link the provider gave us may be shown as a link: http(s), no spaces or quotes. */
bool		 idv_link_ok(const char *url);

#endif
