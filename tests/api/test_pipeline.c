/*
 * API tests (issue 6, helper B): applying the pharmacy's news, notifications, stock and the pipeline.
 */
#include <check.h>

#include "helpers.h"

Suite *
pipeline_suite(void)
{
	Suite	*s = suite_create("pipeline");

	return s;
}
