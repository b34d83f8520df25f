/*
 * The demo pharmacy's catalogue and stock for `clinic load-demo` (cli.h;
 * helper C).
 */
#include <stddef.h>

#include "cli.h"

int
load_demo_pharmacy(struct db *db, struct pool *pool, struct json_object *root)
{
	(void)db;
	(void)pool;
	(void)root;
	return 0;
}
