/*
 * clinic partner-set: the clinic's partner pharmacies (cli.h; helper A).
 */
#include <stdio.h>

#include "cli.h"

int
cmd_partner_set(int argc, char **argv)
{
	(void)argc;
	(void)argv;
	fprintf(stderr, "clinic: partner-set is not built yet\n");
	return 1;
}
