/*
 * API tests (issue 6, helper E): 200 prescriptions through an endpoint that is down, failing and slow, and a killed dispatcher.
 */
#include <check.h>

#include "helpers.h"

Suite *
nothing_lost_suite(void)
{
	Suite	*s = suite_create("nothing_lost");

	return s;
}
