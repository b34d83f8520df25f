/*
 * API tests for appointments.fcgi (issue 4), through nginx against the stack's MariaDB.
 * Skeleton: filled in by the appointments work.
 */
#include <check.h>

#include "helpers.h"

START_TEST(test_appointments_placeholder)
{
	ck_assert_int_eq(1, 1);
}
END_TEST

Suite *
appointments_suite(void)
{
	Suite	*s = suite_create("appointments");
	TCase	*tc;

	tc = tcase_create("placeholder");
	tcase_add_test(tc, test_appointments_placeholder);
	suite_add_tcase(s, tc);
	return s;
}
