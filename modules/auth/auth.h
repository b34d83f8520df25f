#ifndef CLINIC_AUTH_H
#define CLINIC_AUTH_H
/* The auth module's handlers and the pieces they share. */
#include <stdint.h>

#include "err.h"

struct req;
struct json_object;

/* Per-process start-up: the timing-equaliser hash. 0, or an exit status. */
int	auth_init(void);

int	auth_register(struct req *);
int	auth_login(struct req *);
int	auth_logout(struct req *);
int	auth_me(struct req *);
int	auth_password(struct req *);
int	auth_preferences(struct req *);
int	auth_mfa_enrol(struct req *);
int	auth_mfa_enrol_confirm(struct req *);
int	auth_mfa_verify(struct req *);

/* {user:{...}, mfa_required, mfa_enrolled, csrf_token} for r's principal; NULL on OOM. */
struct json_object *auth_session_json(struct req *);

/* Throttling of failed attempts (throttle.c). */
enum throttle_scope { TH_ACCOUNT, TH_ADDRESS, TH_MFA, TH__MAX };

/*
 * Sets *wait to the seconds the caller must still wait before another
 * attempt on any of the given subjects (NULL subjects are skipped); 0 when
 * free. Returns CE_OK or the database error.
 */
enum cerr throttle_wait(struct req *, const char *account, const char *address,
	    const char *mfa_user, int64_t *wait);
/* Counts one failure for subject in scope, in the caller's transaction. */
enum cerr throttle_fail(struct req *, enum throttle_scope, const char *subject);
/* Forgets failures for subject in scope, in the caller's transaction. */
enum cerr throttle_clear(struct req *, enum throttle_scope, const char *subject);
/* A 429 problem with Retry-After. */
int	throttle_reply(struct req *, int64_t wait);

#endif
