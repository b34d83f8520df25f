/*
 * session: the rules that need no database — which cookie a request gets,
 * CSRF comparison, and who must still pass the second factor.
 */
#include <string.h>

#include "conf.h"
#include "req.h"
#include "session.h"
#include "unit.h"

static struct req	r;

static void
setup(void)
{
	memset(&r, 0, sizeof(r));
	ck_assert_int_eq(conf_load(NULL), CE_OK);
}

START_TEST(secure_cookie_by_default)
{
	r.remote_addr = "127.0.0.1";
	ck_assert_str_eq(session_cookie_name(&r), "__Host-clinic_session");
}
END_TEST

START_TEST(insecure_dev_cookie_only_for_loopback_over_http)
{
	ck_assert_int_eq(conf_set("cookie_mode", "insecure-dev"), CE_OK);
	r.remote_addr = "127.0.0.1";
	ck_assert_str_eq(session_cookie_name(&r), "clinic_session");
	r.remote_addr = "::1";
	ck_assert_str_eq(session_cookie_name(&r), "clinic_session");
	/* Over TLS, or from anywhere else, the Secure __Host- cookie. */
	r.tls = true;
	ck_assert_str_eq(session_cookie_name(&r), "__Host-clinic_session");
	r.tls = false;
	r.remote_addr = "192.0.2.7";
	ck_assert_str_eq(session_cookie_name(&r), "__Host-clinic_session");
	r.remote_addr = "1270.0.0.1";
	ck_assert_str_eq(session_cookie_name(&r), "__Host-clinic_session");
	r.remote_addr = NULL;
	ck_assert_str_eq(session_cookie_name(&r), "__Host-clinic_session");
}
END_TEST

START_TEST(csrf_must_match_exactly)
{
	r.who.user_id = 1;
	r.who.csrf_token = "abcDEF123_-abcDEF123_-abcDEF123_-abcDEF123";
	ck_assert(!session_csrf_ok(&r));			/* no header */
	r.csrf_header = "abcDEF123_-abcDEF123_-abcDEF123_-abcDEF12";
	ck_assert(!session_csrf_ok(&r));			/* one short */
	r.csrf_header = "abcDEF123_-abcDEF123_-abcDEF123_-abcDEF1234";
	ck_assert(!session_csrf_ok(&r));			/* one long */
	r.csrf_header = "ABCDEF123_-abcDEF123_-abcDEF123_-abcDEF123";
	ck_assert(!session_csrf_ok(&r));			/* case differs */
	r.csrf_header = r.who.csrf_token;
	ck_assert(session_csrf_ok(&r));
	r.who.csrf_token = NULL;
	ck_assert(!session_csrf_ok(&r));			/* no session */
}
END_TEST

START_TEST(staff_and_enrolled_patients_need_the_second_factor)
{
	ck_assert(!session_mfa_pending(&r));			/* nobody */
	r.who.user_id = 9;
	r.who.role = ROLE_PATIENT;
	ck_assert(!session_mfa_pending(&r));
	r.who.mfa_enrolled = true;
	ck_assert(session_mfa_pending(&r));
	r.who.mfa_done = true;
	ck_assert(!session_mfa_pending(&r));
	r.who.mfa_enrolled = false;
	r.who.mfa_done = false;
	r.who.role = ROLE_CLINICIAN;
	ck_assert(session_mfa_pending(&r));			/* staff, not enrolled yet */
	r.who.role = ROLE_PHARMACIST;
	ck_assert(session_mfa_pending(&r));
	r.who.role = ROLE_ADMIN;
	ck_assert(session_mfa_pending(&r));
	r.who.role = ROLE_AUDITOR;
	ck_assert(session_mfa_pending(&r));
	r.who.mfa_done = true;
	ck_assert(!session_mfa_pending(&r));
}
END_TEST

Suite *
unit_suite(void)
{
	Suite	*s = suite_create("session");
	TCase	*tc;

	tc = tcase_create("session");
	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, secure_cookie_by_default);
	tcase_add_test(tc, insecure_dev_cookie_only_for_loopback_over_http);
	tcase_add_test(tc, csrf_must_match_exactly);
	tcase_add_test(tc, staff_and_enrolled_patients_need_the_second_factor);
	suite_add_tcase(s, tc);
	return s;
}
