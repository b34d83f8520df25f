/* Back-off after failed sign-in and second-factor attempts (stepup.h). */
#include <inttypes.h>
#include <stdio.h>

#include "stepup.h"
#include "conf.h"
#include "db.h"
#include "reply.h"
#include "req.h"

static const char *const scope_names[TH__MAX] = { "account", "address", "mfa" };

static const char SQL_WAIT[] =
    "SELECT COALESCE(MAX(CEILING(TIMESTAMPDIFF(MICROSECOND, UTC_TIMESTAMP(6), blocked_until)"
    " / 1000000)), 0) FROM login_throttle WHERE blocked_until > UTC_TIMESTAMP(6) AND ("
    " (scope = 'account' AND subject = ?) OR (scope = 'address' AND subject = ?)"
    " OR (scope = 'mfa' AND subject = ?))";

/*
 * One failure more; past the threshold, wait base * 2^(failures - threshold)
 * seconds, capped. Failures older than the window start the count again.
 */
static const char SQL_FAIL[] =
    "INSERT INTO login_throttle (scope, subject, failures, last_failure, blocked_until)"
    " VALUES (?, ?, 1, UTC_TIMESTAMP(6), IF(1 >= ?, UTC_TIMESTAMP(6) + INTERVAL ? SECOND, NULL))"
    " ON DUPLICATE KEY UPDATE"
    " failures = IF(last_failure < UTC_TIMESTAMP(6) - INTERVAL ? SECOND, 1, failures + 1),"
    " last_failure = UTC_TIMESTAMP(6),"
    " blocked_until = IF(failures >= ?, UTC_TIMESTAMP(6) + INTERVAL"
    "  LEAST(? * POW(2, LEAST(CAST(failures AS SIGNED) - ?, 20)), ?) SECOND, NULL)";

static const char SQL_CLEAR[] =
    "DELETE FROM login_throttle WHERE scope = ? AND subject = ?";

enum cerr
throttle_wait(struct req *r, const char *account, const char *address, const char *mfa_user,
    int64_t *wait)
{
	struct db_res	*res;
	enum cerr	 rc;

	*wait = 0;
	if ((rc = db_exec(r->db, r->pool, &res, SQL_WAIT, "sss", account, address,
	    mfa_user)) != CE_OK)
		return rc;
	if (res->nrows == 1)
		*wait = db_int(res->rows[0][0]);
	return CE_OK;
}

enum cerr
throttle_fail(struct req *r, enum throttle_scope scope, const char *subject)
{
	int64_t	after = scope == TH_ADDRESS ? conf.login_backoff_after_address :
	    conf.login_backoff_after;

	if (subject == NULL)
		return CE_OK;
	return db_exec(r->db, r->pool, NULL, SQL_FAIL, "ssiiiiiii", scope_names[scope],
	    subject, after, (int64_t)conf.login_backoff_base_seconds,
	    (int64_t)conf.login_backoff_window_seconds, after,
	    (int64_t)conf.login_backoff_base_seconds, after,
	    (int64_t)conf.login_backoff_max_seconds);
}

enum cerr
throttle_clear(struct req *r, enum throttle_scope scope, const char *subject)
{
	if (subject == NULL)
		return CE_OK;
	return db_exec(r->db, r->pool, NULL, SQL_CLEAR, "ss", scope_names[scope], subject);
}

int
throttle_reply(struct req *r, int64_t wait)
{
	char	secs[24], detail[160];

	if (wait < 1)
		wait = 1;
	(void)snprintf(secs, sizeof(secs), "%" PRId64, wait);
	(void)snprintf(detail, sizeof(detail), "Too many unsuccessful attempts. Please wait "
	    "%" PRId64 " second%s and try again.", wait, wait == 1 ? "" : "s");
	(void)reply_header(r, "Retry-After", secs);
	return reply_problem(r, 429, "too-many-attempts", "Too many attempts", detail);
}
