/*
 * password: the policy against a small common-password list written by the
 * test (conf.password_list set after conf_load(NULL)).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf.h"
#include "password.h"
#include "unit.h"

static char	*list;

static const char	common[] =
    "# common passwords, one per line\n"
    "password1234\n"
    "CorrectHorse\n"
    "letmeinletmein\r\n"
    "\n"
    "qwertyuiop123";		/* no final newline */

static const char	too_common[] =
    "is too common or too easy to guess; choose something less predictable";

static void
setup(void)
{
	ck_assert_int_eq(conf_load(NULL), CE_OK);
	list = unit_temp_text(common);
	ck_assert_int_eq(conf_set("password_list", list), CE_OK);
}

static void
teardown(void)
{
	(void)unlink(list);
	free(list);
	list = NULL;
}

START_TEST(good_passphrase)
{
	ck_assert_ptr_null(password_policy("correct staple battery horse", NULL));
	ck_assert_ptr_null(password_policy("correct staple battery horse", "ann@example.org"));
	ck_assert_ptr_null(password_policy("kq7#vLp2!zRw", "ann@example.org"));	/* 12 */
	ck_assert_ptr_null(password_policy("aaaaaaaaaaab", NULL));
}
END_TEST

START_TEST(too_short)
{
	const char	*why;

	ck_assert_ptr_nonnull(why = password_policy("short", NULL));
	ck_assert_msg(strncmp(why, "must be at least 12 characters", 30) == 0, "%s", why);
	ck_assert_ptr_nonnull(password_policy("kq7#vLp2!zR", NULL));		/* 11 */
	ck_assert_ptr_nonnull(password_policy("", NULL));
	/* Characters, not bytes: 11 three-byte characters are too short... */
	ck_assert_ptr_nonnull(why = password_policy(
	    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe3\x83\x91\xe3\x82\xb9"
	    "\xe3\x83\xaf\xe3\x83\xbc\xe3\x83\x89\xe3\x81\xa7\xe3\x81\x99", NULL));
	ck_assert_msg(strncmp(why, "must be at least", 16) == 0, "%s", why);
	/* ... and 12 are enough. */
	ck_assert_ptr_null(password_policy(
	    "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x81\xae\xe3\x83\x91\xe3\x82\xb9"
	    "\xe3\x83\xaf\xe3\x83\xbc\xe3\x83\x89\xe3\x81\xa7\xe3\x81\x99\xe3\x81\xad", NULL));
}
END_TEST

START_TEST(minimum_follows_conf)
{
	ck_assert_int_eq(conf_set("password_min_length", "16"), CE_OK);
	ck_assert_ptr_nonnull(password_policy("kq7#vLp2!zRw", NULL));
	ck_assert_ptr_null(password_policy("kq7#vLp2!zRwXy9$", NULL));
}
END_TEST

START_TEST(too_long)
{
	char	pw[131];

	memset(pw, 'x', sizeof(pw) - 1);
	pw[0] = 'y';
	pw[129] = '\0';
	ck_assert_str_eq(password_policy(pw, NULL), "must be at most 128 characters");
	pw[128] = '\0';
	ck_assert_ptr_null(password_policy(pw, NULL));
}
END_TEST

START_TEST(listed_case_insensitive)
{
	ck_assert_str_eq(password_policy("password1234", NULL), too_common);
	ck_assert_str_eq(password_policy("PASSWORD1234", NULL), too_common);
	ck_assert_str_eq(password_policy("correcthorse", NULL), too_common);
	ck_assert_str_eq(password_policy("cOrReCtHoRsE", NULL), too_common);
	ck_assert_str_eq(password_policy("letmeinletmein", NULL), too_common);	/* CRLF line */
	ck_assert_str_eq(password_policy("qwertyuiop123", NULL), too_common);	/* last line */
	/* Only whole entries. */
	ck_assert_ptr_null(password_policy("password12345", NULL));
	ck_assert_ptr_null(password_policy("xpassword1234", NULL));
	ck_assert_ptr_null(password_policy("# common passwords, one per line", NULL));
}
END_TEST

START_TEST(equals_email_or_local_part)
{
	static const char	email[] = "Margaret.Thatcherton@example.org";

	ck_assert_str_eq(password_policy("Margaret.Thatcherton@example.org", email),
	    too_common);
	ck_assert_str_eq(password_policy("margaret.thatcherton@EXAMPLE.ORG", email),
	    too_common);
	ck_assert_str_eq(password_policy("margaret.thatcherton", email), too_common);
	ck_assert_str_eq(password_policy("MARGARET.THATCHERTON", email), too_common);
	ck_assert_ptr_null(password_policy("margaret.thatcherto", email));
	ck_assert_ptr_null(password_policy("margaret.thatchertonx", email));
	ck_assert_ptr_null(password_policy("margaret.thatcherton", "other@example.org"));
}
END_TEST

START_TEST(one_repeated_character)
{
	ck_assert_str_eq(password_policy("aaaaaaaaaaaa", NULL), too_common);
	ck_assert_str_eq(password_policy("AAAAAAAAaaaa", NULL), too_common);
	ck_assert_str_eq(password_policy("                ", NULL), too_common);
	ck_assert_str_eq(password_policy("1111111111111111111111", NULL), too_common);
}
END_TEST

START_TEST(invalid_utf8)
{
	ck_assert_str_eq(password_policy("abcdefghijk\xff", NULL), "must be valid text");
}
END_TEST

START_TEST(unreadable_list_fails_closed)
{
	const char	*why;

	ck_assert_int_eq(conf_set("password_list", "/nonexistent/clinic-unit/list.txt"), CE_OK);
	ck_assert_ptr_nonnull(why = password_policy("correct staple battery horse", NULL));
	ck_assert_str_ne(why, too_common);
	/* Still refused on the next call. */
	ck_assert_ptr_nonnull(password_policy("correct staple battery horse", NULL));
}
END_TEST

Suite *
unit_suite(void)
{
	Suite	*s = suite_create("password");
	TCase	*tc;

	tc = tcase_create("policy");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, good_passphrase);
	tcase_add_test(tc, too_short);
	tcase_add_test(tc, minimum_follows_conf);
	tcase_add_test(tc, too_long);
	tcase_add_test(tc, listed_case_insensitive);
	tcase_add_test(tc, equals_email_or_local_part);
	tcase_add_test(tc, one_repeated_character);
	tcase_add_test(tc, invalid_utf8);
	tcase_add_test(tc, unreadable_list_fails_closed);
	suite_add_tcase(s, tc);
	return s;
}
