/*
 * pool: many allocations that never overlap, allocations larger than a
 * chunk, cleanups in reverse order at reset and free, string helpers.
 */
#include <stdalign.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "err.h"
#include "pool.h"
#include "unit.h"


#define NALLOC	5000

/* True when p[0..n) are all c (one check per block: ck_assert is slow). */
static bool
all(const unsigned char *p, size_t n, unsigned c)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (p[i] != c)
			return false;
	return true;
}

START_TEST(many_allocations_zeroed_aligned_disjoint)
{
	unsigned char	**p;
	size_t		 *sz, i;

	ck_assert_ptr_nonnull(p = calloc(NALLOC, sizeof(*p)));
	ck_assert_ptr_nonnull(sz = calloc(NALLOC, sizeof(*sz)));
	for (i = 0; i < NALLOC; i++) {
		sz[i] = 1 + (i * 7919) % 700;
		ck_assert_ptr_nonnull(p[i] = pool_calloc(unit_pool, 1, sz[i]));
		ck_assert_uint_eq((uintptr_t)p[i] % alignof(max_align_t), 0);
		ck_assert(all(p[i], sz[i], 0));
		memset(p[i], (int)(i & 0xff), sz[i]);
	}
	/* Every block still holds its own pattern: nothing overlapped. */
	for (i = 0; i < NALLOC; i++)
		ck_assert_msg(all(p[i], sz[i], i & 0xff), "block %zu overwritten", i);
	free(p);
	free(sz);
}
END_TEST

START_TEST(big_allocation_beyond_chunk)
{
	unsigned char	*small, *big, *after;
	size_t		 n = 1024 * 1024;

	ck_assert_ptr_nonnull(small = pool_calloc(unit_pool, 1, 100));
	memset(small, 0xaa, 100);
	ck_assert_ptr_nonnull(big = pool_calloc(unit_pool, n, 1));
	ck_assert(all(big, n, 0));
	memset(big, 0x55, n);
	ck_assert_ptr_nonnull(after = pool_calloc(unit_pool, 1, 100));
	memset(after, 0x33, 100);
	ck_assert(all(small, 100, 0xaa));
	ck_assert(all(big, n, 0x55));
	/* A reset gives the memory back; the pool works as new. */
	pool_reset(unit_pool);
	ck_assert_ptr_nonnull(big = pool_calloc(unit_pool, 2, n));
	ck_assert(all(big, 2 * n, 0));
}
END_TEST

START_TEST(calloc_overflow_and_zero)
{
	void	*a, *b;

	ck_assert_ptr_null(pool_calloc(unit_pool, SIZE_MAX / 2 + 1, 2));
	ck_assert_ptr_null(pool_calloc(unit_pool, 2, SIZE_MAX / 2 + 1));
	ck_assert_ptr_null(pool_calloc(unit_pool, 1, SIZE_MAX));
	ck_assert_ptr_null(pool_calloc(unit_pool, 1, SIZE_MAX - 8));
	/* The pool is still usable after refusing. */
	ck_assert_ptr_nonnull(a = pool_calloc(unit_pool, 0, 16));
	ck_assert_ptr_nonnull(b = pool_calloc(unit_pool, 16, 0));
	ck_assert_ptr_ne(a, b);
}
END_TEST

static int	order[8];
static size_t	norder;

static void
record(void *arg)
{
	ck_assert_uint_lt(norder, nitems(order));
	order[norder++] = *(int *)arg;
}

static int	ids[] = { 1, 2, 3 };

START_TEST(reset_runs_cleanups_in_reverse)
{
	norder = 0;
	ck_assert_int_eq(pool_cleanup(unit_pool, record, &ids[0]), 0);
	ck_assert_int_eq(pool_cleanup(unit_pool, record, &ids[1]), 0);
	ck_assert_int_eq(pool_cleanup(unit_pool, record, &ids[2]), 0);
	ck_assert_uint_eq(norder, 0);
	pool_reset(unit_pool);
	ck_assert_uint_eq(norder, 3);
	ck_assert_int_eq(order[0], 3);
	ck_assert_int_eq(order[1], 2);
	ck_assert_int_eq(order[2], 1);
	/* They ran once: a second reset runs nothing. */
	pool_reset(unit_pool);
	ck_assert_uint_eq(norder, 3);
}
END_TEST

START_TEST(cleanups_registered_after_big_allocations)
{
	norder = 0;
	ck_assert_int_eq(pool_cleanup(unit_pool, record, &ids[0]), 0);
	ck_assert_ptr_nonnull(pool_calloc(unit_pool, 1, 100000));
	ck_assert_int_eq(pool_cleanup(unit_pool, record, &ids[1]), 0);
	ck_assert_ptr_nonnull(pool_calloc(unit_pool, 1, 200000));
	pool_reset(unit_pool);
	ck_assert_uint_eq(norder, 2);
	ck_assert_int_eq(order[0], 2);
	ck_assert_int_eq(order[1], 1);
}
END_TEST

START_TEST(free_runs_cleanups)
{
	struct pool	*p;

	norder = 0;
	ck_assert_ptr_nonnull(p = pool_new());
	ck_assert_int_eq(pool_cleanup(p, record, &ids[0]), 0);
	ck_assert_int_eq(pool_cleanup(p, record, &ids[1]), 0);
	pool_free(p);
	ck_assert_uint_eq(norder, 2);
	ck_assert_int_eq(order[0], 2);
	ck_assert_int_eq(order[1], 1);
	pool_free(NULL);
}
END_TEST

START_TEST(reuse_after_reset)
{
	char	*s;
	int	 round, i;

	for (round = 0; round < 20; round++) {
		for (i = 0; i < 500; i++) {
			ck_assert_ptr_nonnull(s = pool_printf(unit_pool, "round %d item %d", round, i));
			ck_assert_ptr_nonnull(pool_calloc(unit_pool, 1, 64));
		}
		ck_assert_str_eq(s, pool_printf(unit_pool, "round %d item %d", round, 499));
		pool_reset(unit_pool);
	}
}
END_TEST

START_TEST(strndup_and_strdup)
{
	static const char	buf[5] = { 'a', 'b', 'c', 'd', 'e' };	/* no NUL */
	char			*s;

	ck_assert_str_eq(pool_strndup(unit_pool, "hello world", 5), "hello");
	ck_assert_str_eq(pool_strndup(unit_pool, "hello", 0), "");
	ck_assert_ptr_nonnull(s = pool_strndup(unit_pool, buf, sizeof(buf)));
	ck_assert_str_eq(s, "abcde");
	ck_assert_ptr_nonnull(s = pool_strndup(unit_pool, "a\0b", 3));
	ck_assert_mem_eq(s, "a\0b\0", 4);
	ck_assert_ptr_null(pool_strndup(unit_pool, "x", SIZE_MAX));
	ck_assert_ptr_nonnull(s = pool_strdup(unit_pool, "copy me"));
	ck_assert_str_eq(s, "copy me");
	ck_assert_str_eq(pool_strdup(unit_pool, ""), "");
}
END_TEST

START_TEST(printf_formats_and_grows)
{
	char	*big, *s;
	size_t	 n = 100000;

	ck_assert_str_eq(pool_printf(unit_pool, "%s-%d-%05.1f", "a", 42, 3.14159), "a-42-003.1");
	ck_assert_str_eq(pool_printf(unit_pool, "%s", ""), "");
	ck_assert_ptr_nonnull(big = pool_calloc(unit_pool, 1, n + 1));
	memset(big, 'z', n);
	ck_assert_ptr_nonnull(s = pool_printf(unit_pool, "<%s>", big));
	ck_assert_uint_eq(strlen(s), n + 2);
	ck_assert_int_eq(s[0], '<');
	ck_assert_int_eq(s[n + 1], '>');
}
END_TEST

Suite *
unit_suite(void)
{
	Suite	*s = suite_create("pool");
	TCase	*tc;

	tc = tcase_create("pool");
	tcase_add_checked_fixture(tc, unit_pool_setup, unit_pool_teardown);
	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, many_allocations_zeroed_aligned_disjoint);
	tcase_add_test(tc, big_allocation_beyond_chunk);
	tcase_add_test(tc, calloc_overflow_and_zero);
	tcase_add_test(tc, reset_runs_cleanups_in_reverse);
	tcase_add_test(tc, cleanups_registered_after_big_allocations);
	tcase_add_test(tc, free_runs_cleanups);
	tcase_add_test(tc, reuse_after_reset);
	tcase_add_test(tc, strndup_and_strdup);
	tcase_add_test(tc, printf_formats_and_grows);
	suite_add_tcase(s, tc);
	return s;
}
