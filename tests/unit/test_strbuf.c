/*
 * strbuf: the pool-owned growable buffer (growth across many writes, the
 * oom flag sticking) and the CSV cells (quoting, doubled quotes, formula
 * neutralising, integer cells left as they are).
 */
#include <stdint.h>
#include <string.h>

#include "pool.h"
#include "strbuf.h"
#include "unit.h"

START_TEST(buffer_grows_and_stays_terminated)
{
	struct strbuf	b;
	size_t		i;

	strbuf_init(&b, unit_pool);
	ck_assert_ptr_null(b.s);
	for (i = 0; i < 5000; i++)
		strbuf_put(&b, "abc", 3);
	ck_assert(!b.oom);
	ck_assert_uint_eq(b.len, 15000);
	ck_assert_uint_eq(strlen(b.s), 15000);
	ck_assert_int_eq(memcmp(b.s + 14997, "abc", 3), 0);
	strbuf_puts(&b, "");
	ck_assert_uint_eq(b.len, 15000);
}
END_TEST

START_TEST(null_text_sets_oom_and_later_writes_are_ignored)
{
	struct strbuf	b;

	strbuf_init(&b, unit_pool);
	strbuf_puts(&b, "kept");
	strbuf_puts(&b, NULL);
	ck_assert(b.oom);
	strbuf_puts(&b, "lost");
	csv_cell(&b, "x", true);
	ck_assert_str_eq(b.s, "kept");
	ck_assert_uint_eq(b.len, 4);
}
END_TEST

static const char *
row(const char *const cells[], size_t n)
{
	static struct strbuf	b;
	size_t			i;

	strbuf_init(&b, unit_pool);
	for (i = 0; i < n; i++)
		csv_cell(&b, cells[i], i + 1 == n);
	ck_assert(!b.oom);
	return b.s;
}

START_TEST(cells_quoted_only_when_needed)
{
	const char *const plain[] = { "a", "b c", NULL, "" };
	const char *const special[] = { "x,y", "say \"hi\"", "two\nlines" };

	ck_assert_str_eq(row(plain, 4), "a,b c,,\r\n");
	ck_assert_str_eq(row(special, 3), "\"x,y\",\"say \"\"hi\"\"\",\"two\nlines\"\r\n");
}
END_TEST

START_TEST(formulas_neutralised)
{
	const char *const f[] = { "=1+1", "+44", "-1+cmd|' /C calc'!A0", "@SUM(A1)", "\tx",
	    "\rx", "a=b" };

	ck_assert_str_eq(row(f, 7), "\"'=1+1\",\"'+44\",\"'-1+cmd|' /C calc'!A0\","
	    "\"'@SUM(A1)\",\"'\tx\",\"'\rx\",a=b\r\n");
}
END_TEST

START_TEST(integer_cells_as_they_are)
{
	struct strbuf	b;

	strbuf_init(&b, unit_pool);
	csv_int(&b, -5, false);
	csv_int(&b, 0, false);
	csv_int(&b, INT64_MAX, false);
	csv_int(&b, INT64_MIN, true);
	ck_assert(!b.oom);
	ck_assert_str_eq(b.s, "-5,0,9223372036854775807,-9223372036854775808\r\n");
}
END_TEST

Suite *
unit_suite(void)
{
	Suite	*s = suite_create("strbuf");
	TCase	*tc = tcase_create("strbuf");

	tcase_add_checked_fixture(tc, unit_pool_setup, unit_pool_teardown);
	tcase_add_test(tc, buffer_grows_and_stays_terminated);
	tcase_add_test(tc, null_text_sets_oom_and_later_writes_are_ignored);
	tcase_add_test(tc, cells_quoted_only_when_needed);
	tcase_add_test(tc, formulas_neutralised);
	tcase_add_test(tc, integer_cells_as_they_are);
	suite_add_tcase(s, tc);
	return s;
}
