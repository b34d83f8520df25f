/*
 * auth.fcgi: registration, sign-in with a second factor, sessions, passwords.
 * Routes are the contract; docs/API.md describes each.
 */
#include "err.h"
#include "req.h"
#include "serve.h"
#include "valid.h"
#include "auth.h"
#include "password.h"

static const struct field register_fields[] = {
	{ "email", V_EMAIL, true, 3, 254, NULL, NULL },
	{ "password", V_PASSWORD, true, 1, 1024, NULL, password_check },
	{ "given_name", V_STRING, true, 1, 100, NULL },
	{ "family_name", V_STRING, true, 1, 100, NULL },
	{ "date_of_birth", V_DATE, true, 10, 10, NULL },
};

static const struct field login_fields[] = {
	{ "email", V_EMAIL, true, 3, 254, NULL },
	{ "password", V_PASSWORD, true, 1, 1024, NULL },
};

static const struct field code_fields[] = {
	{ "code", V_OTP, true, 6, 6, NULL },
};

static const struct field password_fields[] = {
	{ "current_password", V_PASSWORD, true, 1, 1024, NULL, NULL },
	{ "new_password", V_PASSWORD, true, 1, 1024, NULL, password_check },
};

static const struct field preference_fields[] = {
	{ "theme", V_ENUM, false, 0, 0, "light|dark|system" },
	{ "text_size", V_ENUM, false, 0, 0, "normal|large|larger" },
};

#define BODY(f)	f, nitems(f)

static const struct route routes[] = {
	{ "POST", "/api/v1/auth/register", auth_register, R_PUBLIC, BODY(register_fields), NULL, 0 },
	{ "POST", "/api/v1/auth/login", auth_login, R_PUBLIC, BODY(login_fields), NULL, 0 },
	{ "POST", "/api/v1/auth/logout", auth_logout, ROLE_ANY | R_PRE_MFA, NULL, 0, NULL, 0 },
	{ "GET", "/api/v1/auth/me", auth_me, ROLE_ANY | R_PRE_MFA, NULL, 0, NULL, 0 },
	{ "PUT", "/api/v1/auth/me/preferences", auth_preferences, ROLE_ANY,
	    BODY(preference_fields), NULL, 0 },
	{ "POST", "/api/v1/auth/password", auth_password, ROLE_ANY, BODY(password_fields), NULL, 0 },
	{ "POST", "/api/v1/auth/mfa/enrol", auth_mfa_enrol, ROLE_ANY | R_PRE_MFA, NULL, 0, NULL, 0 },
	{ "POST", "/api/v1/auth/mfa/enrol/confirm", auth_mfa_enrol_confirm, ROLE_ANY | R_PRE_MFA,
	    BODY(code_fields), NULL, 0 },
	{ "POST", "/api/v1/auth/mfa", auth_mfa_verify, ROLE_ANY | R_PRE_MFA, BODY(code_fields),
	    NULL, 0 },
};

int
main(void)
{
	return serve("auth", routes, nitems(routes), auth_init);
}
