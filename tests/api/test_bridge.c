/*
 * API tests (issue 6, helper A): receiving partners' messages, dead letters and replay.
 */
#include <check.h>

#include "helpers.h"

Suite *
bridge_suite(void)
{
	Suite	*s = suite_create("bridge");

	return s;
}
