#ifndef CLINIC_AUTH_H
#define CLINIC_AUTH_H
/* The auth module's handlers and the pieces they share. */
#include <stdint.h>

#include "err.h"
#include "stepup.h"

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


#endif
