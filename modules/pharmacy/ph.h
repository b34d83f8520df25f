#ifndef CLINIC_PH_H
#define CLINIC_PH_H
/*
 * The pharmacy's own declarations (helper C's files, ph_*.c): the check of
 * a received prescription (ph_check.c, pure: no database), the stock and
 * the prescription check against the database (ph_core.c, linked into
 * dispatch too), and the handlers of pharmacy.fcgi.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct req;
struct pool;
struct json_object;

/* ---- ph_check.c: pure ---- */

/* The longest validity a prescription may have (REGULATORY.md): 28 days. */
#define PH_VALIDITY_MAX_S	(28LL * 86400)
/*
 * Slack for dates written in the clinic's time zone (valid_from is the
 * clinic's calendar date): the zones of the world span UTC-12..UTC+14.
 */
#define PH_ZONE_SLACK_S		(14LL * 3600)
#define PH_REASONS_MAX		16

/* The members of a clinic-prescription-v1 document (docs/API.md#prescribing). */
struct ph_doc {
	int64_t		 prescription_id;
	const char	*issued_at;		/* "YYYY-MM-DDThh:mm:ssZ" */
	const char	*valid_from;		/* "YYYY-MM-DD" */
	const char	*valid_until;		/* "YYYY-MM-DDThh:mm:ssZ" */
	int64_t		 issued_s, valid_from_s, valid_until_s;	/* Unix seconds; -1 unknown */
	const char	*patient_name, *patient_dob, *patient_address;
	int64_t		 product_id;
	const char	*supplier, *brand, *product_name, *form, *strength, *supply_unit;
	int64_t		 thc_ug_per_unit, cbd_ug_per_unit;
	const char	*dose;
	int64_t		 quantity;
	const char	*quantity_unit, *quantity_figures, *quantity_words;
	int64_t		 days_supply;
	bool		 has_instalments;
	int64_t		 instalment_amount, instalment_interval_days;
	const char	*instalment_figures;
	int64_t		 prescriber_id;
	const char	*prescriber_name, *prescriber_reg, *practice, *practice_address;
	bool		 paper_required;
	const char	*key_fingerprint;
};

struct ph_reason {
	const char	*code;		/* static: signature-invalid, field-missing, ... */
	char		 message[512];	/* cut at a character boundary */
};

struct ph_verdict {
	size_t		 n;
	struct ph_reason r[PH_REASONS_MAX];
};

/* Adds a reason (silently dropped past PH_REASONS_MAX). */
void	ph_reason_add(struct ph_verdict *, const char *code, const char *fmt, ...)
	    __attribute__((format(printf, 3, 4)));

/*
 * Reads the document's len bytes (untrusted) into d; strings are copies in
 * pool. Every required Schedule 2 member that is missing, empty or of the
 * wrong type adds a "field-missing" reason naming it (a document that is
 * not a JSON object adds one naming "document"). Returns 0, or -1 on
 * out-of-memory.
 */
int	ph_doc_parse(struct pool *, const char *doc, size_t len, struct ph_doc *d,
	    struct ph_verdict *v);

/*
 * The checks of a parsed document against the message that brought it and
 * the clock: document-mismatch (prescription_id, key_fingerprint or
 * prescriber id differ from the message's), not-yet-valid, expired,
 * validity-too-long (more than 28 days from the later of issued_at and
 * valid_from, with PH_ZONE_SLACK_S for the clinic's zone), a 'dose' that
 * is only "as directed" is left to the clinic. Adds reasons to v.
 */
void	ph_doc_check(const struct ph_doc *, int64_t msg_rx_id, const char *msg_fingerprint,
	    int64_t msg_prescriber_id, int64_t now, struct ph_verdict *v);

/*
 * "YYYY-MM-DDThh:mm:ss[.ffffff]Z" or "YYYY-MM-DD" (midnight UTC) to Unix
 * seconds; -1 when malformed or not a calendar date.
 */
int64_t	ph_time_parse(const char *);

/*
 * SHA-256 of the DER SubjectPublicKeyInfo of the PEM public key, as 64
 * lower-case hex digits into out. 0, or -1 when pem is not a public key.
 */
int	ph_pem_fingerprint(const char *pem, size_t len, char out[65]);
/* True when s (NULL: false) is such a fingerprint: exactly 64 of [0-9a-f]. */
bool	ph_hex64(const char *s);

/*
 * Verifies an ECDSA P-256 SHA-256 signature (DER, siglen bytes) of the
 * exact document bytes with the PEM public key. 1 valid, 0 not valid (or
 * the key is not an EC P-256 key), -1 when the library failed.
 */
int	ph_sig_verify(const char *pem, size_t pemlen, const char *doc, size_t doclen,
	    const unsigned char *sig, size_t siglen);

/*
 * s cut to at most maxchars UTF-8 characters (a pool copy when cut; s itself
 * otherwise; NULL for NULL or on out-of-memory): what fits a VARCHAR column.
 */
const char	*ph_clip(struct pool *, const char *s, size_t maxchars);

/* The reasons as a JSON array [{code, message}]; NULL on out-of-memory. */
struct json_object *ph_reasons_json(const struct ph_verdict *);

/* ---- ph_core.c: the database side, shared with dispatch ---- */

/*
 * Runs the check of the received (or out-of-stock) prescription ph_id
 * inside r's open transaction: signature with the cached key, document,
 * product, stock (under the product row's lock) and the outcome: reserved
 * and accepted / awaiting_paper, out_of_stock, or rejected, each with its
 * message to the clinic and an audit row (actor: actor_id, or the system
 * when 0). *status (may be NULL) is set to the status afterwards (static).
 * CE_NOTFOUND when the prescriber's key is not cached yet (nothing
 * changed); CE_OK when the check ran or the prescription is past checking;
 * otherwise a database error.
 */
enum cerr	ph_check_run(struct req *, int64_t ph_id, int64_t actor_id, const char **status);

/*
 * Rejects a prescription still 'received' with one reason (key-unknown,
 * key-mismatch): status, message, audit, in r's open transaction.
 */
enum cerr	ph_reject_received(struct req *, int64_t ph_id, const char *code,
		    const char *message);

/*
 * Available stock of product: on hand in unexpired batches less held
 * reservations. The caller holds the product row's lock when it acts on
 * the figure. *expected is set to the earliest not-arrived expected
 * delivery date (pool string) or NULL.
 */
enum cerr	ph_available(struct req *, int64_t product_id, int64_t *available,
		    const char **expected);

/* Locks the product row (SELECT ... FOR UPDATE). CE_NOTFOUND if none. */
enum cerr	ph_product_lock(struct req *, int64_t product_id);

/*
 * Queues stock.changed for product (only when mapped to a clinic product)
 * with key "ph-stock-<product>-<tag>", in r's open transaction.
 */
enum cerr	ph_stock_changed(struct req *, int64_t product_id, const char *tag);

/*
 * Queues a message about prescription clinic_rx_id of type
 * "prescription.<suffix>" with data (taken), key
 * "ph-rx-<clinic id>-<suffix>-<n>", n the microseconds now.
 */
enum cerr	ph_emit_rx(struct req *, int64_t clinic_rx_id, const char *suffix,
		    struct json_object *data);

/*
 * Appends a register entry for product under its lock (taken by the caller)
 * with the running balance; *entry_id is set. Strings may be NULL.
 */
struct ph_entry {
	int64_t		 product_id;
	int64_t		 batch_id;	/* 0: none */
	const char	*kind;
	int64_t		 quantity;	/* signed change */
	const char	*counterparty;
	int64_t		 prescription_id;	/* 0: none */
	const char	*prescriber;
	const char	*collector;
	int		 id_requested, id_provided;	/* -1: not recorded */
	const char	*witness;
	int64_t		 corrects_id;	/* 0: none */
	const char	*reason;
	int64_t		 recorded_by;	/* 0: the system */
};
enum cerr	ph_register_add(struct req *, const struct ph_entry *, int64_t *entry_id);

/* Audits as the system (actor 0, role "system") or r's principal, leaving the transaction open. */
enum cerr	ph_audit(struct req *, int64_t actor_id, const char *action, const char *entity_type,
		    int64_t entity_id, struct json_object *details);

/* json_object_put for pool_cleanup(). */
void	ph_json_free(void *);

/* ---- handlers (pharmacy.fcgi) ---- */
int	ph_inbox(struct req *);
int	ph_rx_list(struct req *);
int	ph_rx_get(struct req *);
int	ph_rx_accept(struct req *);
int	ph_rx_reject(struct req *);
int	ph_rx_paper(struct req *);
int	ph_rx_dispense(struct req *);
int	ph_products_list(struct req *);
int	ph_product_create(struct req *);
int	ph_product_update(struct req *);
int	ph_receipt(struct req *);
int	ph_expected_list(struct req *);
int	ph_expected_create(struct req *);
int	ph_stock_out(struct req *);
int	ph_count(struct req *);
int	ph_stock(struct req *);
int	ph_register(struct req *);
int	ph_correction(struct req *);

#endif
