#ifndef CLINIC_BRIDGE_VIEW_H
#define CLINIC_BRIDGE_VIEW_H
/*
 * The clinic's views of the bridge (helper B's half of bridge.fcgi):
 * applying partners' messages (view_apply.c), the rules they follow
 * (view_rules.c, pure), notifications (view_notify.c), the pipeline and
 * its limits (view_pipeline.c) and stock (view_stock.c).
 * docs/API.md#pipeline-notifications-and-stock describes the routes.
 * Strings returned here are static or belong to the pool named.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "bridge.h"

struct req;
struct pool;
struct json_object;

/* ---- view_rules.c (pure) ---- */

/*
 * A status's rank on the way to the patient: signed 1, sent 2,
 * out_of_stock 3, awaiting_paper 4, accepted 5, dispensed 6, shipped 7,
 * delivered 8; 0 for draft and for the final rejected, cancelled and
 * expired; -1 for anything else (and NULL).
 */
int		 bridge_rank(const char *status);
/* True for rejected, cancelled, expired and delivered: nothing follows them. */
bool		 bridge_final(const char *status);
/*
 * Whether a prescription in status cur moves to next: a higher rank for
 * the ranked statuses; rejected and cancelled from any open status before
 * dispensing (rank 1..5); never from draft or a final status.
 */
bool		 bridge_forward(const char *cur, const char *next);
/*
 * The prescription status a message type sets ("prescription.accepted" ->
 * "accepted"), or NULL for the types that set none (received, tracking,
 * cancel_refused, stock.*) and unknown ones.
 */
const char	*bridge_type_status(const char *type);
/* True for every type docs/WEBHOOKS.md lists (bridge.h). */
bool		 bridge_type_known(const char *type);

/* bridge_check_data() is declared in bridge.h (the receiver names the field). */

/*
 * Minutes of Monday..Friday (whole days, UTC) between Unix seconds from and
 * to (0 when to <= from). Exact; no loops over days.
 */
int64_t		 bridge_working_minutes(int64_t from, int64_t to);
/*
 * A limit in minutes of elapsed time ("minutes", "hours", "days"), or -1
 * for "working_days" (counted with bridge_working_minutes) and unknown
 * units. Saturates rather than overflowing.
 */
int64_t		 bridge_limit_minutes(int64_t amount, const char *unit);
/* Whether something in its stage since `since` is over the limit at `now` (Unix seconds). */
bool		 bridge_over_limit(int64_t since, int64_t now, int64_t amount, const char *unit);

/*
 * True for YYYY-MM-DDThh:mm:ss[.f{1,6}][Z] naming a real instant (years
 * 1000..9999), the stock messages' as_of.
 */
bool		 bridge_time_ok(const char *);

/*
 * "2030-01-15" as people read it: "15 January 2030" (in pool); the text as
 * given when it is not such a date (or NULL on OOM).
 */
const char	*bridge_date_words(struct pool *, const char *ymd);

/* Plain words for a stage ("Waiting for stock at the pharmacy"); never NULL. */
const char	*bridge_stage_label(const char *status);

/* ---- view_notify.c ---- */

/*
 * Adds a notification for user_id inside r's open transaction. link and
 * data may be NULL; data is taken (put in every case). CE_OK or a database
 * error.
 */
enum cerr	 notify_user(struct req *, int64_t user_id, const char *kind, const char *title,
		    const char *body, const char *link, struct json_object *data);

/* ---- route handlers ---- */
int	notifications_list(struct req *);
int	notifications_read(struct req *);
int	notifications_read_all(struct req *);
int	pipeline_list(struct req *);
int	pipeline_limits(struct req *);
int	pipeline_limit_put(struct req *);
int	stock_list(struct req *);
int	partners_list(struct req *);

#endif
