/*
 * documents.fcgi — skeleton: routes are added with the module (issue 3).
 */
#include "err.h"
#include "req.h"
#include "serve.h"

int
main(void)
{
	return serve("documents", NULL, 0, NULL);
}
