/* API tests for documents.fcgi (see docs/API.md). */
#include <check.h>

#include "helpers.h"

Suite *
documents_suite(void)
{
	Suite	*s = suite_create("documents");

	return s;
}
