/* API tests for intake.fcgi (see docs/API.md). */
#include <check.h>

#include "helpers.h"

Suite *
intake_suite(void)
{
	Suite	*s = suite_create("intake");

	return s;
}
