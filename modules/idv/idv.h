#ifndef CLINIC_IDV_H
#define CLINIC_IDV_H
/*
 * idv.fcgi: identity verification. Patients start a check; the dispatch
 * daemon asks the provider for an applicant and a workflow run (outbox);
 * the provider's signed webhook says the run finished; dispatch fetches the
 * result; clear verifies the patient, consider waits for an admin.
 */
#include <stdbool.h>

struct req;
struct json_object;

/* The columns every check read selects (ISO times), for idv_check_json(). */
#define IDV_ISO(col)	"DATE_FORMAT(" col ", '%Y-%m-%dT%H:%i:%sZ')"
#define IDV_CHECK_COLS \
	"c.id, c.patient_id, c.attempt, c.status, c.applicant_id, c.workflow_run_id," \
	" c.sdk_token, c.link_url, c.provider_status, c.provider_result, c.error," \
	" c.decision, c.decision_reason, c.decided_by, " IDV_ISO("c.decided_at") "," \
	" " IDV_ISO("c.created_at") ", " IDV_ISO("c.updated_at") ", " \
	IDV_ISO("c.completed_at") "," \
	" (SELECT MAX(o.attempts) FROM outbox o WHERE o.idempotency_key LIKE" \
	" CONCAT('idv-', c.id, '-%') AND o.status IN ('pending','sending'))"

/*
 * A check row (IDV_CHECK_COLS) as JSON. staff adds the provider's ids,
 * result and the admin decision; a patient sees the link and SDK token only
 * while the link is ready. NULL on out-of-memory.
 */
struct json_object *idv_check_json(struct req *, char **row, bool staff);
/* The next step in plain words for a check status. */
const char	*idv_next_step(const char *status);

int	idv_check_start(struct req *);
int	idv_check_current(struct req *);
int	idv_check_get(struct req *);
int	idv_patient_status(struct req *);
int	idv_webhook(struct req *);
int	idv_review_list(struct req *);
int	idv_review_decide(struct req *);
int	idv_outbox_list(struct req *);
int	idv_outbox_retry(struct req *);

#endif
