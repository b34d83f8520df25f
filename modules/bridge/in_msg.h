#ifndef CLINIC_BRIDGE_IN_MSG_H
#define CLINIC_BRIDGE_IN_MSG_H
/*
 * Receiving partners' messages (helper A's half of bridge.fcgi): the
 * message envelope's parser (in_msg.c, pure, fuzzed by
 * tests/fuzz/fuzz_bridge_envelope.c) and the handlers (in_events.c: the
 * receiver; in_outbox.c: the outbox's dead letters for administrators).
 * docs/WEBHOOKS.md describes the messages, docs/API.md#bridge the routes.
 */
#include <stddef.h>

#include "valid.h"

struct req;
struct json_object;

#define BRIDGE_TYPE_MAX		64	/* characters of a message type */
#define BRIDGE_ENV_ERRS		4	/* room for this many problems (verr) */

/*
 * A message body, {"type": "<a.b>", "timestamp": "<ISO-8601 UTC>",
 * "data": {...}}, other members ignored. type is 1..BRIDGE_TYPE_MAX of
 * [a-z0-9_] in two or more dot-separated words, each starting with a
 * letter; timestamp is YYYY-MM-DDThh:mm:ss[.f{1,9}]Z with a real date and
 * time; data is a JSON object.
 */
struct bridge_msg {
	struct json_object	*root;		/* the parsed body; the caller puts it */
	const char		*type;		/* inside root */
	const char		*timestamp;	/* inside root */
	struct json_object	*data;		/* inside root */
};

/*
 * Parses len bytes of body (NULL when len is 0) into m. Returns the number
 * of problems found, the first cap of them written to errs (field names and
 * details are static): 0 and m filled (the caller puts m->root), or more,
 * with m all NULL and nothing left to free. Field "body" is the whole body
 * (empty, not JSON, or not an object). Pure.
 */
size_t	bridge_msg_parse(const char *body, size_t len, struct bridge_msg *m,
	    struct verr *errs, size_t cap);

/* The handlers (in_routes.h). */
int	bridge_event_receive(struct req *);
int	bridge_outbox_list(struct req *);
int	bridge_outbox_replay(struct req *);

#endif
