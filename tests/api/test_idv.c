/* API tests for idv.fcgi (see docs/API.md). */
#include <check.h>

#include "helpers.h"

Suite *
idv_suite(void)
{
	Suite	*s = suite_create("idv");

	return s;
}
