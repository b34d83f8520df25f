/* patients: NHS number modulus 11, telephone numbers, UK postcodes. */
#include <string.h>

#include "checks.h"
#include "unit.h"

START_TEST(nhs_valid)
{
	char	out[11];

	/* Published examples with correct check digits. */
	ck_assert_ptr_null(nhs_number_check("9434765919"));
	ck_assert_ptr_null(nhs_number_check("943 476 5919"));
	ck_assert_ptr_null(nhs_number_check("4010232137"));
	/* 11 - (sum % 11) == 11 means check digit 0: 0000000000 sums to 0. */
	ck_assert_ptr_null(nhs_number_check("0000000000"));
	ck_assert_ptr_null(nhs_number_check(""));
	ck_assert(nhs_number_norm("943 476 5919", out, sizeof(out)));
	ck_assert_str_eq(out, "9434765919");
}
END_TEST

START_TEST(nhs_invalid)
{
	char	out[11];

	ck_assert_str_eq(nhs_number_check("9434765918"),
	    "is not a valid NHS number: please check the digits");
	ck_assert_str_eq(nhs_number_check("943476591"), "must be 10 digits");
	ck_assert_str_eq(nhs_number_check("94347659190"), "must be 10 digits");
	ck_assert_str_eq(nhs_number_check("943-476-5919"), "must be 10 digits");
	ck_assert_str_eq(nhs_number_check("abcdefghij"), "must be 10 digits");
	/* Weights 10..2: 6*3 = 18, remainder 7, check 4, not 0. */
	ck_assert_ptr_nonnull(nhs_number_check("0000000600"));
	/* 3*4 = 12, remainder 1, check 10: no last digit makes it valid. */
	ck_assert_ptr_nonnull(nhs_number_check("0000003000"));
	ck_assert_ptr_nonnull(nhs_number_check("0000003001"));
	ck_assert(!nhs_number_norm("9434765918", out, sizeof(out)));
	ck_assert(!nhs_number_norm("9434765919", out, 5));
}
END_TEST

START_TEST(every_check_digit_0_to_9)
{
	/* For each body, exactly one last digit is right (or none when the check is 10). */
	const char	*bodies[] = { "943476591", "401023213", "123456789", "999999999" };
	char		 num[11];
	size_t		 i;
	int		 d, ok;

	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		ok = 0;
		for (d = 0; d <= 9; d++) {
			memcpy(num, bodies[i], 9);
			num[9] = (char)('0' + d);
			num[10] = '\0';
			ok += nhs_number_check(num) == NULL;
		}
		ck_assert_int_le(ok, 1);
	}
}
END_TEST

START_TEST(phones)
{
	ck_assert_ptr_null(phone_check("+44 7700 900123"));
	ck_assert_ptr_null(phone_check("(020) 7946-0958"));
	ck_assert_ptr_null(phone_check(""));
	ck_assert_ptr_nonnull(phone_check("12345"));
	ck_assert_ptr_nonnull(phone_check("1234567890123456"));
	ck_assert_ptr_nonnull(phone_check("07700 9001x3"));
	ck_assert_ptr_nonnull(phone_check("44+7700900123"));
}
END_TEST

START_TEST(postcodes)
{
	char	out[9];

	ck_assert_ptr_null(postcode_check("SW1A 1AA"));
	ck_assert_ptr_null(postcode_check("m1 1ae"));
	ck_assert_ptr_null(postcode_check("B33 8TH"));
	ck_assert_ptr_null(postcode_check("CR2 6XH"));
	ck_assert_ptr_null(postcode_check("DN55 1PT"));
	ck_assert_ptr_null(postcode_check("W1A 0AX"));
	ck_assert_ptr_null(postcode_check(""));
	ck_assert_ptr_nonnull(postcode_check("12345"));
	ck_assert_ptr_nonnull(postcode_check("SW1A"));
	ck_assert_ptr_nonnull(postcode_check("SW1A 1A"));
	ck_assert_ptr_nonnull(postcode_check("SW1A-1AA"));
	ck_assert_ptr_nonnull(postcode_check("ABCDE 1AA"));
	ck_assert(postcode_norm("sw1a1aa", out, sizeof(out)));
	ck_assert_str_eq(out, "SW1A 1AA");
	ck_assert(postcode_norm("m1  1ae", out, sizeof(out)));
	ck_assert_str_eq(out, "M1 1AE");
	ck_assert(!postcode_norm("nope", out, sizeof(out)));
}
END_TEST

Suite *
unit_suite(void)
{
	Suite	*s = suite_create("patients");
	TCase	*tc = tcase_create("checks");

	tcase_add_test(tc, nhs_valid);
	tcase_add_test(tc, nhs_invalid);
	tcase_add_test(tc, every_check_digit_0_to_9);
	tcase_add_test(tc, phones);
	tcase_add_test(tc, postcodes);
	suite_add_tcase(s, tc);
	return s;
}
