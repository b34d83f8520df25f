/* API tests of the prescriptions routes (issue 5): being written. */
#include "helpers.h"

Suite *
prescriptions_suite(void)
{
	return suite_create("prescriptions");
}
