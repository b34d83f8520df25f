#ifndef CLINIC_UNIT_H
#define CLINIC_UNIT_H
/*
 * Each tests/unit/test_<room>.c defines unit_suite() for one room of
 * modules/common; unit_main.c runs it. Tests run forked (CK_FORK), so a test
 * may change the environment, conf or a room's once-per-process state
 * without affecting the next one.
 */
#include <stddef.h>

#include <check.h>

struct pool;

/*
 * A fresh pool for each test: add unit_pool_setup/unit_pool_teardown as a
 * checked fixture; unit_pool is valid in between.
 */
extern struct pool	*unit_pool;
void	unit_pool_setup(void);
void	unit_pool_teardown(void);

/* The suite of this program's room. */
Suite	*unit_suite(void);

/*
 * Writes len bytes of data to a new temporary file and returns its path
 * (heap-owned; remove and free it). Fails the test on error.
 */
char	*unit_temp_file(const void *data, size_t len);
/* The same for a NUL-terminated string. */
char	*unit_temp_text(const char *text);

#endif
