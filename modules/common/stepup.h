#ifndef CLINIC_STEPUP_H
#define CLINIC_STEPUP_H
/*
 * The second factor as one mechanism, shared by sign-in (modules/auth: the
 * second step and confirming an enrolment) and step-up before a sensitive
 * act (modules/prescriptions: signing). A code is a TOTP code of the
 * signed-in user's authenticator (RFC 6238, crypto.h), each time step is
 * accepted once (users.mfa_last_step), and failures are throttled
 * (login_throttle, scope "mfa", with the login_backoff_* settings).
 */
#include <stdbool.h>
#include <stdint.h>

#include "err.h"

struct req;

/* ---- throttling of failed attempts (throttle.c) ---- */

enum throttle_scope { TH_ACCOUNT, TH_ADDRESS, TH_MFA, TH__MAX };

/*
 * Sets *wait to the seconds the caller must still wait before another
 * attempt on any of the given subjects (NULL subjects are skipped); 0 when
 * free. Returns CE_OK or the database error.
 */
enum cerr	throttle_wait(struct req *, const char *account, const char *address,
		    const char *mfa_user, int64_t *wait);
/* Counts one failure for subject in scope, in the caller's transaction. */
enum cerr	throttle_fail(struct req *, enum throttle_scope, const char *subject);
/* Forgets failures for subject in scope, in the caller's transaction. */
enum cerr	throttle_clear(struct req *, enum throttle_scope, const char *subject);
/* A 429 problem with Retry-After. */
int		throttle_reply(struct req *, int64_t wait);

/* ---- checking a code (stepup.c) ---- */

enum stepup_outcome {
	STEPUP_OK,		/* the code is right and its step was not used before */
	STEPUP_WRONG,		/* wrong, missing, malformed or already used */
	STEPUP_NO_SECRET,	/* the user has no (pending, when enrolling) secret */
	STEPUP_WAIT,		/* throttled: wait before trying again */
	STEPUP__MAX
};

/*
 * Checks code (NULL or "" counts as wrong) against the secret of r's
 * principal: the confirmed one, or with pending the one being enrolled.
 * Sets *out, and *wait (seconds) for STEPUP_WAIT.
 *   STEPUP_WAIT: nothing was opened or written.
 *   Otherwise a transaction was begun (none may be open before) with the
 *   users row locked, so a code is accepted once only:
 *   STEPUP_OK: users.mfa_last_step records the step (with pending, the
 *     pending secret becomes the confirmed one) and the mfa failures are
 *     forgotten; the transaction stays open for the caller's own change,
 *     which it ends with audit_commit().
 *   STEPUP_WRONG: one failure is counted; the transaction stays open for
 *     the caller to audit the failure and commit it.
 *   STEPUP_NO_SECRET: rolled back.
 * Returns CE_OK, or a database error, or CE_CRYPTO when a stored secret
 * cannot be opened (was secret_key changed?); on error a transaction may be
 * open (serve() rolls it back).
 */
enum cerr	stepup_check(struct req *, const char *code, bool pending,
		    enum stepup_outcome *out, int64_t *wait);

#endif
