/*
 * API tests for consult.fcgi (issue 4), through nginx against the stack's MariaDB.
 * Skeleton: filled in by the consult work.
 */
#include <check.h>

#include "helpers.h"

START_TEST(test_consult_placeholder)
{
	ck_assert_int_eq(1, 1);
}
END_TEST

Suite *
consult_suite(void)
{
	Suite	*s = suite_create("consult");
	TCase	*tc;

	tc = tcase_create("placeholder");
	tcase_add_test(tc, test_consult_placeholder);
	suite_add_tcase(s, tc);
	return s;
}
