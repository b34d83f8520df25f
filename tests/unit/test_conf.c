/*
 * conf: defaults, a file, environment overrides, and every way a bad
 * setting stops start-up (CE_CONF, or CE_IO for an unreadable file).
 */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "conf.h"
#include "unit.h"

static char	*path;

static void
teardown(void)
{
	if (path != NULL) {
		(void)unlink(path);
		free(path);
		path = NULL;
	}
}

/* Writes text to a temporary file and loads it. */
static enum cerr
load_text(const char *text)
{
	teardown();
	path = unit_temp_text(text);
	return conf_load(path);
}

START_TEST(defaults)
{
	ck_assert_int_eq(conf_load(NULL), CE_OK);
	ck_assert_int_eq(conf.db_port, 3306);
	ck_assert_str_eq(conf.db_name, "clinic");
	ck_assert_str_eq(conf.cookie_mode, "secure");
	ck_assert(!conf_insecure_cookies());
	ck_assert_int_eq(conf.scrypt_log_n, 17);
	ck_assert_int_eq(conf.scrypt_r, 8);
	ck_assert_int_eq(conf.scrypt_p, 1);
	ck_assert_int_eq(conf.password_min_length, 12);
	ck_assert_int_eq(conf.max_body_bytes, 65536);
	ck_assert_str_eq(conf.log_level, "info");
	ck_assert_str_eq(conf.db_password, "");
}
END_TEST

START_TEST(file_sets_values)
{
	ck_assert_int_eq(load_text(
	    "# a comment\n"
	    "\n"
	    "db_port = 3307\n"
	    "   db_name=clinic_test   \n"
	    "\tcookie_mode = insecure-dev\n"
	    "db_password = with spaces = and equals\n"
	    "session_idle_seconds = 600\n"
	    "scrypt_log_n = 10\n"
	    "db_host =\n"
	    "log_level = debug\n"), CE_OK);
	ck_assert_int_eq(conf.db_port, 3307);
	ck_assert_str_eq(conf.db_name, "clinic_test");
	ck_assert_str_eq(conf.cookie_mode, "insecure-dev");
	ck_assert(conf_insecure_cookies());
	ck_assert_str_eq(conf.db_password, "with spaces = and equals");
	ck_assert_int_eq(conf.session_idle_seconds, 600);
	ck_assert_int_eq(conf.scrypt_log_n, 10);
	ck_assert_str_eq(conf.db_host, "");
	ck_assert_str_eq(conf.log_level, "debug");
	/* Untouched settings keep their defaults. */
	ck_assert_int_eq(conf.scrypt_r, 8);
}
END_TEST

START_TEST(file_without_final_newline)
{
	ck_assert_int_eq(load_text("db_port = 4000"), CE_OK);
	ck_assert_int_eq(conf.db_port, 4000);
}
END_TEST

START_TEST(reload_starts_from_defaults)
{
	ck_assert_int_eq(load_text("db_port = 4000\n"), CE_OK);
	ck_assert_int_eq(conf.db_port, 4000);
	ck_assert_int_eq(conf_load(NULL), CE_OK);
	ck_assert_int_eq(conf.db_port, 3306);
}
END_TEST

START_TEST(unknown_setting)
{
	ck_assert_int_eq(load_text("db_port = 3307\nno_such_setting = 1\n"), CE_CONF);
	ck_assert_int_eq(load_text("DB_PORT = 3307\n"), CE_CONF);
	ck_assert_int_eq(conf_set("no_such_setting", "1"), CE_CONF);
}
END_TEST

START_TEST(number_out_of_range_or_malformed)
{
	ck_assert_int_eq(load_text("db_port = 70000\n"), CE_CONF);
	ck_assert_int_eq(load_text("db_port = 0\n"), CE_CONF);
	ck_assert_int_eq(load_text("db_port = -1\n"), CE_CONF);
	ck_assert_int_eq(load_text("db_port = 12x\n"), CE_CONF);
	ck_assert_int_eq(load_text("db_port = 0x10\n"), CE_CONF);
	ck_assert_int_eq(load_text("db_port =\n"), CE_CONF);
	ck_assert_int_eq(load_text("db_port = 99999999999999999999999\n"), CE_CONF);
	ck_assert_int_eq(load_text("scrypt_log_n = 9\n"), CE_CONF);
	ck_assert_int_eq(load_text("scrypt_log_n = 23\n"), CE_CONF);
	ck_assert_int_eq(load_text("password_min_length = 7\n"), CE_CONF);
	ck_assert_int_eq(load_text("max_body_bytes = 1023\n"), CE_CONF);
	/* The bounds themselves are fine. */
	ck_assert_int_eq(load_text("db_port = 1\nscrypt_log_n = 22\n"), CE_OK);
	ck_assert_int_eq(load_text("db_port = 65535\nscrypt_log_n = 10\n"), CE_OK);
}
END_TEST

START_TEST(bad_cookie_mode)
{
	ck_assert_int_eq(load_text("cookie_mode = lax\n"), CE_CONF);
	ck_assert_int_eq(load_text("cookie_mode = Secure\n"), CE_CONF);
	ck_assert_int_eq(load_text("cookie_mode =\n"), CE_CONF);
	ck_assert_int_eq(load_text("cookie_mode = secure\n"), CE_OK);
}
END_TEST

START_TEST(other_checks)
{
	ck_assert_int_eq(load_text("log_level = verbose\n"), CE_CONF);
	ck_assert_int_eq(load_text("session_idle_seconds = 7200\n"
	    "session_absolute_seconds = 3600\n"), CE_CONF);
	ck_assert_int_eq(load_text("just some words\n"), CE_CONF);
	ck_assert_int_eq(load_text("= 3\n"), CE_CONF);
}
END_TEST

START_TEST(missing_file)
{
	ck_assert_int_eq(conf_load("/nonexistent/clinic-unit/clinic.conf"), CE_IO);
}
END_TEST

START_TEST(environment_overrides_file)
{
	ck_assert_int_eq(setenv("CLINIC_DB_PORT", "3310", 1), 0);
	ck_assert_int_eq(setenv("CLINIC_DB_NAME", "from_env", 1), 0);
	ck_assert_int_eq(load_text("db_port = 3307\ndb_name = from_file\ndb_user = u\n"), CE_OK);
	ck_assert_int_eq(conf.db_port, 3310);
	ck_assert_str_eq(conf.db_name, "from_env");
	ck_assert_str_eq(conf.db_user, "u");
	/* The environment also applies without a file. */
	ck_assert_int_eq(conf_load(NULL), CE_OK);
	ck_assert_int_eq(conf.db_port, 3310);
	ck_assert_int_eq(unsetenv("CLINIC_DB_PORT"), 0);
	ck_assert_int_eq(unsetenv("CLINIC_DB_NAME"), 0);
}
END_TEST

START_TEST(environment_is_validated)
{
	ck_assert_int_eq(setenv("CLINIC_DB_PORT", "abc", 1), 0);
	ck_assert_int_eq(conf_load(NULL), CE_CONF);
	ck_assert_int_eq(unsetenv("CLINIC_DB_PORT"), 0);
	ck_assert_int_eq(setenv("CLINIC_COOKIE_MODE", "none", 1), 0);
	ck_assert_int_eq(conf_load(NULL), CE_CONF);
	ck_assert_int_eq(setenv("CLINIC_COOKIE_MODE", "insecure-dev", 1), 0);
	ck_assert_int_eq(conf_load(NULL), CE_OK);
	ck_assert(conf_insecure_cookies());
	ck_assert_int_eq(unsetenv("CLINIC_COOKIE_MODE"), 0);
}
END_TEST

START_TEST(clinic_conf_names_the_file)
{
	teardown();
	path = unit_temp_text("db_port = 3399\n");
	ck_assert_int_eq(setenv("CLINIC_CONF", path, 1), 0);
	ck_assert_int_eq(conf_load(NULL), CE_OK);
	ck_assert_int_eq(conf.db_port, 3399);
	/* An explicit path wins over $CLINIC_CONF. */
	ck_assert_int_eq(conf_load("/nonexistent/clinic-unit/clinic.conf"), CE_IO);
	ck_assert_int_eq(unsetenv("CLINIC_CONF"), 0);
}
END_TEST

START_TEST(conf_set_single_values)
{
	ck_assert_int_eq(conf_load(NULL), CE_OK);
	ck_assert_int_eq(conf_set("db_port", "5000"), CE_OK);
	ck_assert_int_eq(conf.db_port, 5000);
	ck_assert_int_eq(conf_set("db_port", "65536"), CE_CONF);
	ck_assert_int_eq(conf.db_port, 5000);
	ck_assert_int_eq(conf_set("totp_issuer", "Clinic Test"), CE_OK);
	ck_assert_str_eq(conf.totp_issuer, "Clinic Test");
}
END_TEST

START_TEST(secret_key_must_be_64_hex_digits)
{
	ck_assert_int_eq(conf_load(NULL), CE_OK);
	ck_assert_ptr_null(conf_secret_key());
	ck_assert_int_eq(load_text("secret_key = abcd\n"), CE_CONF);
	ck_assert_int_eq(load_text("secret_key = "
	    "zz00000000000000000000000000000000000000000000000000000000000000\n"), CE_CONF);
	ck_assert_int_eq(load_text("secret_key = "
	    "00112233445566778899aabbccddeeff00112233445566778899AABBCCDDEEFF\n"), CE_OK);
	ck_assert_ptr_nonnull(conf_secret_key());
	ck_assert_int_eq(conf_secret_key()[0], 0x00);
	ck_assert_int_eq(conf_secret_key()[31], 0xff);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite	*s = suite_create("conf");
	TCase	*tc;

	tc = tcase_create("conf");
	tcase_add_checked_fixture(tc, NULL, teardown);
	tcase_add_test(tc, defaults);
	tcase_add_test(tc, file_sets_values);
	tcase_add_test(tc, file_without_final_newline);
	tcase_add_test(tc, reload_starts_from_defaults);
	tcase_add_test(tc, unknown_setting);
	tcase_add_test(tc, number_out_of_range_or_malformed);
	tcase_add_test(tc, bad_cookie_mode);
	tcase_add_test(tc, other_checks);
	tcase_add_test(tc, missing_file);
	tcase_add_test(tc, environment_overrides_file);
	tcase_add_test(tc, environment_is_validated);
	tcase_add_test(tc, clinic_conf_names_the_file);
	tcase_add_test(tc, conf_set_single_values);
	tcase_add_test(tc, secret_key_must_be_64_hex_digits);
	suite_add_tcase(s, tc);
	return s;
}
