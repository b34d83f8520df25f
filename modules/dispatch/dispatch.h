#ifndef CLINIC_DISPATCH_H
#define CLINIC_DISPATCH_H
/*
 * dispatch: the outbox delivery daemon. Each outbox row's kind names a
 * handler here; the loop (dispatch.c) claims due rows, asks the handler to
 * deliver, then records the outcome with the handler's effects in one
 * transaction.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "webhook.h"

struct req;
struct json_object;

/* One claimed outbox row. */
struct job {
	int64_t			 id;
	const char		*kind;
	const char		*key;		/* idempotency key */
	struct json_object	*payload;	/* parsed; owned by the job's pool */
	int64_t			 attempts;	/* including this one */
	char			 eid[24];	/* id as text (audit entity id) */
	bool			 spent;		/* left 'sending' after its last attempt: fail it */
	struct req		*r;		/* the dispatcher's connection, for reads before
						   delivering (no transaction open) */
};

/* What a delivery attempt came to. */
enum verdict { V_DONE, V_RETRY, V_FAIL };

struct answer {
	long			 status;	/* HTTP status, 0 when none arrived */
	char			*body;		/* NUL-terminated, heap; freed by the loop */
	size_t			 len;
	struct json_object	*json;		/* parsed body or NULL; put by the loop */
	char			 why[300];	/* for V_RETRY/V_FAIL: what went wrong */
	char			 header[128];	/* http_req.answer_header's value ("" if none) */
	long long		 retry_after_ms;	/* a Retry-After the partner sent with a
						   retryable answer (429, 503): the next
						   attempt waits at least this; 0 if none */
};

/* One HTTP request to a partner (all strings borrowed from the caller). */
struct http_req {
	const char	*base;		/* base URL (a setting), e.g. https://api.sendgrid.com */
	const char	*base_name;	/* the setting's name, for messages */
	const char	*method;	/* "GET" or "POST" */
	const char	*path;		/* appended to base */
	const char	*auth;		/* the Authorization header's value ("Bearer ..."),
					   or NULL for none (a public URL) */
	const char	*key;		/* Idempotency-Key, or NULL for none */
	const char	*key_header;	/* another header also carrying key (Twilio's
					   I-Twilio-Idempotency-Token), or NULL */
	const char	*type;		/* the body's Content-Type (NULL: no body) */
	const char	*body;		/* request body, len bytes, or NULL */
	size_t		 len;
	bool		 empty_ok;	/* a 2xx with an empty body is a success (a->json NULL) */
	const char	*answer_header;	/* a response header to keep in a->header, or NULL */
	bool		 any_2xx_ok;	/* any 2xx is a success, even one that is not a
					   JSON object (a->json NULL then): the partner
					   accepted the request, so it must not be sent again */
	const char *const *headers;	/* more request header lines ("Name: value"),
					   NULL-terminated, or NULL for none */
};

/*
 * One HTTP exchange with a partner. Returns V_DONE when a 2xx JSON object
 * came back (a->json set; or an empty 2xx body when q->empty_ok; or any 2xx
 * when q->any_2xx_ok, a->json NULL unless a JSON object), V_RETRY for
 * a transport failure, timeout, 408/425/429 or 5xx, V_FAIL for other 4xx or an
 * answer that is not a JSON object, or a base that is not https (plain http
 * only to loopback). a->why says why: of an HTTP error only its status and
 * the partner's error word (Onfido's error type, SendGrid's first error
 * field, Twilio's error code) are kept, as the body may echo personal details.
 */
enum verdict	 http_call(const struct http_req *q, struct answer *a);

/*
 * An HTTP exchange with the identity provider (http_call): method and path
 * under idv_base_url, JSON body (or NULL), the job's idempotency key, the API
 * token.
 */
enum verdict	 provider_call(const char *method, const char *path, const char *key,
		    struct json_object *body, struct answer *a);

struct kind {
	const char	*name;
	/*
	 * What the row keeps once delivered: personal drops the payload (it held
	 * a patient's details, now with the partner); keep_answer stores the
	 * partner's whole answer in result, otherwise only its id and status
	 * (the handler has kept what it needs in its own tables).
	 */
	bool		 personal;
	bool		 keep_answer;
	/* Delivers (no transaction open). */
	enum verdict	(*deliver)(struct job *, struct answer *);
	/* On V_DONE, inside the transaction that marks the row done. */
	enum cerr	(*done)(struct req *, struct job *, struct answer *);
	/* When the row gives up (V_FAIL or out of attempts), inside that transaction. */
	enum cerr	(*failed)(struct req *, struct job *, const char *why);
};

/* The handlers of the identity provider's kinds (idv_kinds.c). */
extern const struct kind	idv_kinds[];
extern const size_t		idv_nkinds;
/* The email and SMS kinds, notify.email and notify.sms (notify_kinds.c). */
extern const struct kind	notify_kinds[];
extern const size_t		notify_nkinds;
/*
 * The clinic's messages to partner pharmacies: pharmacy.prescription and
 * pharmacy.cancel (bridge_kinds.c).
 */
extern const struct kind *const	bridge_kinds;
extern const size_t		bridge_nkinds;
/*
 * The pharmacy's: its messages to the clinic (PH_CLINIC_KIND) and fetching
 * a prescriber's public key, ph.fetch_key (modules/pharmacy/ph_kinds.c).
 */
extern const struct kind *const	pharmacy_kinds;
extern const size_t		pharmacy_nkinds;
/* Booking a courier, ph.courier_book (modules/pharmacy/courier_kinds.c). */
extern const struct kind *const	courier_kinds;
extern const size_t		courier_nkinds;

/*
 * One Standard Webhooks delivery (docs/WEBHOOKS.md, webhook.h): POSTs body
 * (len bytes of JSON) to url (https, or plain http to a loopback host; named
 * url_name in messages) with webhook-id msg_id (the outbox row's
 * idempotency key, the same on every attempt), webhook-timestamp now and
 * webhook-signature under secret (a "whsec_..." string), Content-Type
 * application/json and no Authorization. Verdicts as http_call(): any 2xx
 * is V_DONE (a->json set when the answer is a JSON object); V_FAIL only for
 * 400, 413, 415 and 422 (the receiver refuses this message), a URL that is
 * not https (plain http only to loopback) or a secret that is not a whsec_
 * one; any other failure is V_RETRY. A Retry-After (seconds or an HTTP
 * date) on a retryable answer sets a->retry_after_ms.
 */
enum verdict	 webhook_send(const char *url, const char *url_name, const char *secret,
		    const char *msg_id, const char *body, size_t len, struct answer *a);
/*
 * The longest wait a Retry-After may ask for (1 hour): a partner asking for
 * more is tried again after an hour anyway (and the backoff may wait longer).
 */
#define RETRY_AFTER_MAX_MS	3600000LL
/*
 * A Retry-After header's value (RFC 9110 10.2.3: delta-seconds, or an
 * HTTP-date in the IMF-fixdate, RFC 850 or asctime form) as milliseconds
 * from now (Unix seconds), capped at RETRY_AFTER_MAX_MS; a date in the past
 * is 0. -1 when value is NULL or neither form. Pure (wh_out.c).
 */
long long	 retry_after_ms(const char *value, int64_t now);
/*
 * The wait before the next attempt: the backoff's, or the partner's
 * Retry-After (capped at RETRY_AFTER_MAX_MS) when that is longer. Pure.
 */
long long	 retry_wait_ms(long long backoff_ms, long long retry_after);

/*
 * Whether this host sends the pharmacy's messages to a clinic: both
 * pharmacy_events_url and pharmacy_clinic_secret_out (either may be NULL)
 * are set. A clinic-only host has neither, and the dispatcher then queues
 * no stock snapshot (it says so once in its log). Pure (wh_out.c).
 */
bool		 pharmacy_side_configured(const char *events_url, const char *secret_out);

/* The three Standard Webhooks header lines of one message (webhook_headers). */
struct webhook_headers {
	char	id[WEBHOOK_ID_MAX + 16];	/* "webhook-id: <id>" */
	char	timestamp[48];			/* "webhook-timestamp: <unix seconds>" */
	char	signature[WEBHOOK_SIG_LEN + 24];	/* "webhook-signature: v1,<base64>" */
};
/*
 * Fills h with the header lines of a message msg_id sent at now with body
 * (len bytes; NULL when len is 0), signed under secret_text ("whsec_...").
 * CE_OK; CE_INVALID when the secret is not a whsec_ secret or the id or time
 * is out of webhook.h's bounds (h is then all empty strings); CE_CRYPTO.
 * Pure (wh_out.c); webhook_send() sends these.
 */
enum cerr	 webhook_headers(const char *secret_text, const char *msg_id, int64_t now,
		    const void *body, size_t len, struct webhook_headers *h);

/*
 * The names of the kinds this dispatcher delivers (the tables above),
 * comma-separated, into buf (cap bytes): only rows of these kinds are
 * claimed. Returns 0, or -1 when they do not fit or a name holds a comma.
 */
int		 dispatch_kinds_list(char *buf, size_t cap);
/* Whether the notify settings may be used (https, or http to loopback; empty is allowed). */
bool		 notify_urls_ok(void);

#endif
