#ifndef CLINIC_COURIER_H
#define CLINIC_COURIER_H
/*
 * The pharmacy's courier side (issue 6, docs/API.md#courier-and-shipments):
 * booking a shipment for a prescription dispensed for delivery (outbox kind
 * COURIER_KIND, delivered by dispatch to the courier's API at courier_url),
 * the courier's signed tracking webhooks, and the shipments pharmacists
 * see. A shipment's life: requested (queued) -> booked (the courier gave a
 * tracking number; the prescription is 'shipped') -> collected ->
 * in_transit -> out_for_delivery -> delivered (the prescription is
 * 'delivered', with the courier's proof); failed when the booking gave up.
 *
 * The parsers below are pure (no database, no globals) and take untrusted
 * input: they are unit-tested (tests/unit/test_courier.c) and fuzzed
 * (tests/fuzz/fuzz_courier_event.c).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct pool;
struct req;
struct verr;
struct json_object;

/* The outbox kind that books a shipment (courier_kinds.c). */
#define COURIER_KIND		"ph.courier_book"
/* The services the courier sells, as a V_ENUM choice list. */
#define COURIER_SERVICES	"tracked_24|tracked_48|special_delivery"
#define COURIER_DEFAULT_SERVICE	"tracked_24"
/* At most this many problems are reported by courier_event_parse(). */
#define COURIER_MAX_ERRS	12
#define COURIER_LINES_MAX	4

/* One tracking event, as courier_event_parse() found it (pool strings). */
struct courier_event {
	const char	*type;		/* the message's type, e.g. "tracking.updated" */
	bool		 tracking;	/* type is "tracking.updated": the rest is set */
	const char	*shipment_id;	/* the courier's id: 1..64 of [A-Za-z0-9_-] */
	const char	*tracking_number;	/* 1..64 of [A-Za-z0-9] */
	const char	*status;	/* collected|in_transit|out_for_delivery|delivered|failed_attempt */
	const char	*description;	/* 0..500 characters; "" when null */
	const char	*location;	/* 1..200 characters, or NULL */
	const char	*at;		/* "YYYY-MM-DD hh:mm:ss.ffffff" (UTC), for SQL */
	const char	*proof;		/* a JSON object's text (<= 4000 bytes), or NULL */
};

/*
 * Parses a courier webhook body {type, timestamp, data: {...}}
 * (docs/WEBHOOKS.md#courier): strict JSON, then every member of a
 * "tracking.updated" event checked. A message of another type is fine
 * (ev->tracking false; only ev->type set). Returns 0 when valid; -1 when
 * not, with errs (caller's array of COURIER_MAX_ERRS) naming each bad
 * member ("type", "data", "data.status", ...) and *nerrs their count; -2
 * on out-of-memory. Everything is allocated in pool; body need not be
 * NUL-terminated.
 */
int		 courier_event_parse(struct pool *, const char *body, size_t len,
		    struct courier_event *ev, struct verr *errs, size_t *nerrs);

/*
 * An ISO-8601 UTC instant "YYYY-MM-DDThh:mm:ss[.f{1,6}](Z|+00:00)" (a real
 * calendar date and time, years 2000..9999) into out as
 * "YYYY-MM-DD hh:mm:ss.ffffff". Returns true when it is one.
 */
bool		 courier_time(const char *iso, char out[27]);

/* Where a parcel goes and what it weighs, from a signed prescription document. */
struct courier_doc {
	char		 name[201];
	char		 lines[COURIER_LINES_MAX][201];
	size_t		 nlines;
	char		 postcode[9];	/* upper case, "AB1 2CD" */
	int64_t		 weight_g;	/* an estimate for the parcel, 1..30000 */
};

/*
 * Reads the patient's name and address ("line 1, line 2, town, postcode",
 * as the clinic writes it) and the quantity from the prescription document
 * (docs/API.md#prescribing). Returns 0, or -1 with *why (static) saying
 * what is missing or unusable.
 */
int		 courier_doc_read(const char *document, size_t len, struct courier_doc *d,
		    const char **why);

/* Whether s is a UK postcode ("SW1A 1AA", "ls14ap"); the normalised form into out. */
bool		 courier_postcode(const char *s, char out[9]);

/*
 * The order of shipment statuses: requested 0, booked 1, collected 2,
 * in_transit 3, out_for_delivery 4, delivered 5; -1 for failed, cancelled
 * and anything else. A tracking event moves a shipment only forward.
 */
int		 courier_rank(const char *status);

/* The service's name for people ("Tracked 24"); the argument if unknown. */
const char	*courier_service_label(const char *service);

/*
 * The shipment of pharmacy prescription rx_id as the API shows it (with its
 * events), into *out (NULL when it has none; caller puts). CE_OK or a
 * database error. For the prescription detail (ph_*.c) and courier_*.c.
 */
enum cerr	 courier_shipment_json(struct req *, int64_t rx_id, struct json_object **out);

/* Handlers (courier_routes.h). */
int		 courier_book(struct req *);		/* POST .../prescriptions/{id}/shipment */
int		 courier_rx_shipment(struct req *);	/* GET  .../prescriptions/{id}/shipment */
int		 courier_events(struct req *);		/* POST /api/v1/pharmacy/courier/events */
int		 courier_list(struct req *);		/* GET  /api/v1/pharmacy/shipments */
int		 courier_get(struct req *);		/* GET  /api/v1/pharmacy/shipments/{id} */

#endif
