/* API tests of the plans routes (issue 5): being written. */
#include "helpers.h"

Suite *
plans_suite(void)
{
	return suite_create("plans");
}
