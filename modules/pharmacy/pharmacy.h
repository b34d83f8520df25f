#ifndef CLINIC_PHARMACY_H
#define CLINIC_PHARMACY_H
/*
 * pharmacy.fcgi: the pharmacy's side of the bridge (issue 6,
 * docs/API.md#pharmacy). It shares no table with the clinic: it touches only
 * ph_* tables (sql/0011_pharmacy.sql) and the platform's users, sessions,
 * audit trail and outbox, and learns about prescriptions only from signed
 * messages (POST /api/v1/pharmacy/inbox) and prescribers' published keys
 * fetched over HTTP. Every message it sends (to the clinic, to the courier)
 * is an outbox row written with the change that caused it.
 *
 * Declarations shared by the pharmacy's files (ph_*.c, courier_*.c) and
 * the dispatch daemon, which links the pharmacy's delivery handlers.
 */
#include <stdbool.h>
#include <stdint.h>

#include "err.h"

struct req;
struct json_object;

/* The outbox kind of every message from the pharmacy to the clinic. */
#define PH_CLINIC_KIND	"ph.clinic_event"

/*
 * Queues one message to the clinic inside r's open transaction: an outbox
 * row of kind PH_CLINIC_KIND whose payload is {"type": type, "data": data}
 * (data is taken: put in every case). key is the message's idempotency key,
 * which dispatch sends as its webhook-id: the same key for the same news
 * (e.g. "ph-rx-<clinic id>-accepted-<n>"), so that a message is never queued
 * twice. Returns as outbox_put() (CE_DUPLICATE: that key is queued already).
 * emit.c.
 */
enum cerr	ph_emit(struct req *, const char *type, const char *key,
		    struct json_object *data);

/*
 * Queues a full stock snapshot ("stock.snapshot": every product mapped to a
 * clinic product, with its available quantity) in its own transaction.
 * Run by dispatch every pharmacy_snapshot_minutes. Returns CE_OK or a
 * database error. (helper C)
 */
enum cerr	ph_stock_snapshot(struct req *);

#endif
