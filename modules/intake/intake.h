#ifndef CLINIC_INTAKE_H
#define CLINIC_INTAKE_H
/*
 * intake.fcgi: questionnaires (definitions and eligibility rules, versioned),
 * patients' responses, submission with an eligibility outcome, and the
 * clinicians' review queue. The evaluation itself is pure (qeval.h, qrules.h);
 * these files load, store, audit and reply.
 */
#include <stdint.h>

#include "err.h"
#include "qeval.h"
#include "qrules.h"

struct req;
struct json_object;

/* Canonical URL of a questionnaire: INTAKE_CANONICAL "<key>" (then "|<version>"). */
#define INTAKE_CANONICAL	"urn:clinic:questionnaire:"

/* A compiled questionnaire version loaded from the database (pool-owned). */
struct qloaded {
	const char		*key;
	int64_t			 version;
	const char		*title;
	const char		*created_at;
	struct json_object	*json;	/* the stored definition; put at pool reset */
	struct qdef		*def;
};

/* True when s is a questionnaire key: a lower-case letter, then up to 63 of [a-z0-9-]. */
bool		 intake_key_ok(const char *s);
/*
 * Loads and compiles key's version (0: the newest). CE_OK, CE_NOTFOUND, or a
 * database error; a stored definition that no longer compiles is CE_INVALID
 * (logged).
 */
enum cerr	 intake_load(struct req *, const char *key, int64_t version, bool lock,
		    struct qloaded *out);
/*
 * The newest rules for key compiled against def: CE_OK with *rules and
 * *version set, CE_NOTFOUND when none are stored, CE_INVALID when they do not
 * fit def (errs says why), or a database error.
 */
enum cerr	 intake_rules_load(struct req *, const char *key, const struct qdef *def,
		    struct qrules **rules, int64_t *version, struct qerrs *errs);
/*
 * Parses text as JSON into a tree owned by r's pool (put at reset). NULL when
 * it is not JSON (or on OOM).
 */
struct json_object *intake_json(struct req *, const char *text, size_t len);
/*
 * For R_RAW routes: checks the Content-Type and parses the body. Returns the
 * tree (pool-owned), or NULL after setting the reply (415/400/422).
 */
struct json_object *intake_body(struct req *);

/*
 * A database DATETIME "YYYY-MM-DD hh:mm:ss[.ffffff]" as ISO 8601 UTC
 * ("...T...Z", pool-owned); NULL stays NULL.
 */
const char	*intake_iso(struct req *, const char *);
/* A new JSON string, or NULL (JSON null) for NULL. */
struct json_object *intake_str(const char *);

/* Handlers. */
int	intake_questionnaire_list(struct req *);
int	intake_questionnaire_get(struct req *);
int	intake_questionnaire_put(struct req *);
int	intake_rules_get(struct req *);
int	intake_rules_put(struct req *);
int	intake_response_put(struct req *);
int	intake_response_get(struct req *);
int	intake_response_list(struct req *);
int	intake_response_submit(struct req *);
int	intake_review_list(struct req *);
int	intake_review_get(struct req *);
int	intake_review_decide(struct req *);

#endif
