/*
 * API tests (issue 6, helper D): shipments and the courier's tracking webhooks.
 */
#include <check.h>

#include "helpers.h"

Suite *
courier_suite(void)
{
	Suite	*s = suite_create("courier");

	return s;
}
