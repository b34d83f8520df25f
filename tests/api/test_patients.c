/* API tests for patients.fcgi (see docs/API.md). */
#include <check.h>

#include "helpers.h"

Suite *
patients_suite(void)
{
	Suite	*s = suite_create("patients");

	return s;
}
