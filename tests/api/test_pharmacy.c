/*
 * API tests (issue 6, helper C): the pharmacy's inbox, checks, stock and controlled-drug register.
 */
#include <check.h>

#include "helpers.h"

Suite *
pharmacy_suite(void)
{
	Suite	*s = suite_create("pharmacy");

	return s;
}
