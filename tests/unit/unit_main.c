/*
 * The main of every unit-test program: clears the CLINIC_* environment so a
 * developer's settings cannot change results, runs unit_suite() forked, and
 * exits non-zero when any test failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "pool.h"
#include "unit.h"

extern char	**environ;

/* Removes every CLINIC_* variable; returns 0 or -1. */
static int
clear_clinic_env(void)
{
	char	**e, *name;
	size_t	  len;

	for (;;) {
		for (e = environ; *e != NULL; e++)
			if (strncmp(*e, "CLINIC_", 7) == 0)
				break;
		if (*e == NULL)
			return 0;
		len = strcspn(*e, "=");
		if ((name = strndup(*e, len)) == NULL)
			return -1;
		if (unsetenv(name) == -1) {
			free(name);
			return -1;
		}
		free(name);
	}
}

static char *
temp_file(const void *data, size_t len)
{
	const char	*dir;
	char		*path;
	int		 fd;
	ssize_t		 n;

	if ((dir = getenv("TMPDIR")) == NULL || *dir == '\0')
		dir = "/tmp";
	if (asprintf(&path, "%s/clinic-unit-XXXXXX", dir) == -1)
		return NULL;
	if ((fd = mkstemp(path)) == -1) {
		free(path);
		return NULL;
	}
	n = write(fd, data, len);
	if (close(fd) == -1 || n < 0 || (size_t)n != len) {
		(void)unlink(path);
		free(path);
		return NULL;
	}
	return path;
}

char *
unit_temp_file(const void *data, size_t len)
{
	char	*path = temp_file(data, len);

	ck_assert_msg(path != NULL, "cannot write a temporary file");
	return path;
}

struct pool	*unit_pool;

void
unit_pool_setup(void)
{
	ck_assert_ptr_nonnull(unit_pool = pool_new());
}

void
unit_pool_teardown(void)
{
	pool_free(unit_pool);
	unit_pool = NULL;
}

char *
unit_temp_text(const char *text)
{
	return unit_temp_file(text, strlen(text));
}

int
main(void)
{
	SRunner	*sr;
	int	 failed;

	if (clear_clinic_env() == -1) {
		fprintf(stderr, "cannot clear the CLINIC_* environment\n");
		return 1;
	}
	log_init("unit-test", LOG_LVL_ERR);
	sr = srunner_create(unit_suite());
	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? 0 : 1;
}
