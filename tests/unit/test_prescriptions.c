/*
 * prescriptions: the prescribing rules over plain facts (window boundaries,
 * form limits, the THC ceiling, initial prescriptions by specialists), the
 * quantity in words and the canonical document.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "pool.h"
#include "rx.h"
#include "unit.h"

#define DAY_US	((int64_t)86400 * 1000000)
#define T0	((int64_t)1790000000 * 1000000)	/* a fixed "now" */

static struct product flower = { 1, "Harbour Pharma", "Harbour", "Flower 22", "flower", "mg",
	10000, 220, 10, true };
static struct product oil = { 2, "Meadow Ltd", "Meadow", "Oil 10", "oil", "ul", 50000, 10, 5,
	true };
static const struct product other_flower = { 3, "Harbour Pharma", "Harbour", "Flower 18", "flower", "mg",
	10000, 180, 10, true };
static struct plan_item items[] = {
	{ 1, "1 g vaporised a day in 3 doses", 1000, 30000 },
	{ 2, "0.5 ml under the tongue twice a day", 1000, 30000 },
	{ 3, "0.5 g vaporised at night", 500, 15000 },
};
static struct plan_form_limit limits[] = { { "flower", 40000 } };
static struct plan plan = { 7, 42, "Chronic pain", 3, true, items, 3, limits, 1, 300,
	"2099-01-01", "", 1, "start", "2026-01-01 00:00:00.000000" };

static void
facts(struct rx_facts *f, const struct product *pr, int64_t qty)
{
	memset(f, 0, sizeof(*f));
	f->identity_verified = true;
	f->plan = &plan;
	f->today = "2026-11-26";
	f->product = pr;
	f->quantity = qty;
	f->max_days = 30;
	f->at_us = T0;
	f->specialist = true;
}

/* The check named rule in v. */
static struct json_object *
check(const struct rx_verdict *v, const char *rule)
{
	size_t	i;

	for (i = 0; i < json_object_array_length(v->checks); i++) {
		struct json_object *c = json_object_array_get_idx(v->checks, i);
		if (strcmp(json_object_get_string(json_object_object_get(c, "rule")), rule) == 0)
			return c;
	}
	ck_abort_msg("no check %s", rule);
	return NULL;
}

static bool
passed(const struct rx_verdict *v, const char *rule)
{
	return json_object_get_boolean(json_object_object_get(check(v, rule), "passed"));
}

static int64_t
figure(const struct rx_verdict *v, const char *rule, const char *name)
{
	return json_object_get_int64(json_object_object_get(
	    json_object_object_get(check(v, rule), "figures"), name));
}

START_TEST(test_all_pass)
{
	struct rx_facts		f;
	struct rx_verdict	v;

	facts(&f, &flower, 30000);
	ck_assert_int_eq(rx_rules(unit_pool, &f, &v), CE_OK);
	ck_assert_msg(v.ok, "%s", json_object_to_json_string(v.checks));
	ck_assert_int_eq(json_object_array_length(v.checks), 12);
	ck_assert(passed(&v, "patient-details"));
	ck_assert(passed(&v, "prescriber-details"));
	ck_assert(passed(&v, "product-active"));
	ck_assert_int_eq(v.days_supply, 30);
	ck_assert_int_eq(v.thc_ug_total, 30000 * 220);
	ck_assert_str_eq(v.dose, "1 g vaporised a day in 3 doses");
	ck_assert_int_eq(figure(&v, "quota-product", "remaining"), 30000);
	json_object_put(v.checks);
}
END_TEST

START_TEST(test_window_boundary)
{
	struct rx_facts		f;
	struct rx_verdict	v;
	struct rx_live		live = { 10, 1, "flower", 20000, 20000 * 220, 0 };
	const char		*detail;

	facts(&f, &flower, 20000);
	f.live = &live;
	f.nlive = 1;
	/* 29 days 23 hours before: in one window with this one: 40 g > 30 g. */
	live.at_us = T0 - 30 * DAY_US + 3600LL * 1000000;
	ck_assert_int_eq(rx_rules(unit_pool, &f, &v), CE_OK);
	ck_assert(!v.ok);
	ck_assert(!passed(&v, "quota-product"));
	ck_assert_int_eq(figure(&v, "quota-product", "used"), 20000);
	ck_assert_int_eq(figure(&v, "quota-product", "this"), 20000);
	ck_assert_int_eq(figure(&v, "quota-product", "max"), 30000);
	ck_assert_int_eq(figure(&v, "quota-product", "remaining"), 10000);
	detail = json_object_get_string(json_object_object_get(check(&v, "quota-product"), "detail"));
	ck_assert_msg(strstr(detail, "20 g") != NULL && strstr(detail, "40 g") != NULL &&
	    strstr(detail, "30 g") != NULL && strstr(detail, "over") != NULL, "%s", detail);
	json_object_put(v.checks);
	/* One microsecond short of 30 days: still one window. */
	live.at_us = T0 - 30 * DAY_US + 1;
	ck_assert_int_eq(rx_rules(unit_pool, &f, &v), CE_OK);
	ck_assert(!passed(&v, "quota-product"));
	json_object_put(v.checks);
	/* Exactly 30 days apart: never in one window. */
	live.at_us = T0 - 30 * DAY_US;
	ck_assert_int_eq(rx_rules(unit_pool, &f, &v), CE_OK);
	ck_assert_msg(passed(&v, "quota-product"), "%s", json_object_to_json_string(v.checks));
	ck_assert_int_eq(figure(&v, "quota-product", "used"), 0);
	json_object_put(v.checks);
	/* A later one (a stated start 29 days on) counts too. */
	live.at_us = T0 + 29 * DAY_US;
	ck_assert_int_eq(rx_rules(unit_pool, &f, &v), CE_OK);
	ck_assert(!passed(&v, "quota-product"));
	json_object_put(v.checks);
	live.at_us = T0 + 30 * DAY_US;
	ck_assert_int_eq(rx_rules(unit_pool, &f, &v), CE_OK);
	ck_assert(passed(&v, "quota-product"));
	json_object_put(v.checks);
}
END_TEST

START_TEST(test_window_used)
{
	int64_t	at[] = { T0 - 20 * DAY_US, T0 - 5 * DAY_US, T0 + 20 * DAY_US };
	int64_t	amt[] = { 10, 20, 40 };
	int64_t	from;

	/* [T0-20d, T0+10d) holds 30; [T0-5d, T0+25d) holds 60; [T0, T0+30d) holds 40. */
	ck_assert_int_eq(rx_window_used(at, amt, 3, T0, &from), 60);
	ck_assert_int_eq(from, T0 - 5 * DAY_US);
	ck_assert_int_eq(rx_window_used(at, amt, 0, T0, &from), 0);
	ck_assert_int_eq(from, T0);
}
END_TEST

START_TEST(test_form_limit)
{
	struct rx_facts		f;
	struct rx_verdict	v;
	struct rx_live		live = { 10, 3, "flower", 15000, 15000 * 180, T0 - 10 * DAY_US };

	/* 15 g of another flower + 30 g of this = 45 g of flower > 40 g; the product alone is fine. */
	facts(&f, &flower, 30000);
	f.live = &live;
	f.nlive = 1;
	ck_assert_int_eq(rx_rules(unit_pool, &f, &v), CE_OK);
	ck_assert(passed(&v, "quota-product"));
	ck_assert(!passed(&v, "quota-form"));
	ck_assert_int_eq(live.product_id, other_flower.id);
	ck_assert_int_eq(figure(&v, "quota-form", "used"), 15000);
	ck_assert_int_eq(figure(&v, "quota-form", "max"), 40000);
	json_object_put(v.checks);
	/* An oil has no form limit: passed, with words saying so. */
	facts(&f, &oil, 30000);
	f.live = &live;
	f.nlive = 1;
	ck_assert_int_eq(rx_rules(unit_pool, &f, &v), CE_OK);
	ck_assert(passed(&v, "quota-form"));
	ck_assert_msg(v.ok, "%s", json_object_to_json_string(v.checks));
	json_object_put(v.checks);
}
END_TEST

START_TEST(test_thc_ceiling)
{
	struct rx_facts		f;
	struct rx_verdict	v;
	struct rx_live		live = { 10, 2, "oil", 30000, 4000000, T0 - DAY_US };

	/* 30 g at 220 ug/mg = 6600 mg + 4000 mg of oil THC = 10600 mg > 30 x 300 = 9000 mg. */
	facts(&f, &flower, 30000);
	f.live = &live;
	f.nlive = 1;
	ck_assert_int_eq(rx_rules(unit_pool, &f, &v), CE_OK);
	ck_assert(!passed(&v, "thc-ceiling"));
	ck_assert_int_eq(figure(&v, "thc-ceiling", "used_mg"), 4000);
	ck_assert_int_eq(figure(&v, "thc-ceiling", "this_mg"), 6600);
	ck_assert_int_eq(figure(&v, "thc-ceiling", "max_mg"), 9000);
	json_object_put(v.checks);
	/* Alone: within. */
	f.nlive = 0;
	ck_assert_int_eq(rx_rules(unit_pool, &f, &v), CE_OK);
	ck_assert(passed(&v, "thc-ceiling"));
	json_object_put(v.checks);
	/* A daily amount over the daily ceiling is refused whatever the window holds. */
	plan.max_thc_mg_per_day = 200;	/* 1 g a day at 22% is 220 mg */
	ck_assert_int_eq(rx_rules(unit_pool, &f, &v), CE_OK);
	ck_assert(!passed(&v, "thc-ceiling"));
	ck_assert_int_eq(figure(&v, "thc-ceiling", "daily_mg"), 220);
	json_object_put(v.checks);
	plan.max_thc_mg_per_day = 0;	/* no ceiling */
	ck_assert_int_eq(rx_rules(unit_pool, &f, &v), CE_OK);
	ck_assert(passed(&v, "thc-ceiling"));
	json_object_put(v.checks);
	plan.max_thc_mg_per_day = 300;
}
END_TEST

START_TEST(test_initial_specialist)
{
	struct rx_facts		f;
	struct rx_verdict	v;

	facts(&f, &flower, 10000);
	f.initial = true;
	f.specialist = false;
	ck_assert_int_eq(rx_rules(unit_pool, &f, &v), CE_OK);
	ck_assert(!v.ok);
	ck_assert(v.initial);
	ck_assert(!passed(&v, "initial-by-specialist"));
	json_object_put(v.checks);
	f.specialist = true;
	ck_assert_int_eq(rx_rules(unit_pool, &f, &v), CE_OK);
	ck_assert(v.ok);
	json_object_put(v.checks);
	f.initial = false;
	f.specialist = false;
	ck_assert_int_eq(rx_rules(unit_pool, &f, &v), CE_OK);
	ck_assert(v.ok);
	ck_assert(passed(&v, "initial-by-specialist"));
	json_object_put(v.checks);
}
END_TEST

START_TEST(test_days_and_others)
{
	struct rx_facts		f;
	struct rx_verdict	v;
	struct product		unlisted = { 99, "X", "Y", "Z", "capsule", "each", 30, 5000, 0, true };

	facts(&f, &flower, 31000);	/* 31 days at 1 g */
	ck_assert_int_eq(rx_rules(unit_pool, &f, &v), CE_OK);
	ck_assert(!passed(&v, "days-supply"));
	ck_assert_int_eq(figure(&v, "days-supply", "days"), 31);
	ck_assert_int_eq(figure(&v, "days-supply", "max_days"), 30);
	json_object_put(v.checks);
	f.justification = "too short";	/* 9 characters */
	ck_assert_int_eq(rx_rules(unit_pool, &f, &v), CE_OK);
	ck_assert(!passed(&v, "days-supply"));
	json_object_put(v.checks);
	f.justification = "travelling abroad for five weeks";
	ck_assert_int_eq(rx_rules(unit_pool, &f, &v), CE_OK);
	ck_assert(passed(&v, "days-supply"));
	json_object_put(v.checks);
	/* Not in the plan; no identity; vague dose; ended plan. */
	facts(&f, &unlisted, 30);
	f.identity_verified = false;
	f.dose = "Use as directed.";
	ck_assert_int_eq(rx_rules(unit_pool, &f, &v), CE_OK);
	ck_assert(!passed(&v, "product-in-plan"));
	ck_assert(!passed(&v, "identity-verified"));
	ck_assert(!passed(&v, "dose-given"));
	ck_assert(!passed(&v, "quota-product"));
	json_object_put(v.checks);
	facts(&f, &flower, 1000);
	f.plan = NULL;
	ck_assert_int_eq(rx_rules(unit_pool, &f, &v), CE_OK);
	ck_assert(!passed(&v, "plan-active"));
	ck_assert(!passed(&v, "product-in-plan"));
	json_object_put(v.checks);
	facts(&f, &flower, 0);
	ck_assert_int_eq(rx_rules(unit_pool, &f, &v), CE_INVALID);
}
END_TEST

/* ONE "as directed" test (dose.c) for plans and the dose-given rule alike. */
START_TEST(test_dose_vague)
{
	static const char *const vague[] = { "take as advised", "as directed by your specialist",
		"use when required", "AS DIRECTED", "m.d.u.", "Use as directed.", "prn", "", "  ..  " };
	static const char *const fine[] = { "one capsule at night",
		"0.5 ml under the tongue twice a day", "1 g vaporised a day in 3 doses" };
	struct rx_facts		f;
	struct rx_verdict	v;
	size_t			i;

	ck_assert(dose_as_directed("take as advised"));
	ck_assert(dose_as_directed("as directed by your specialist"));
	ck_assert(dose_as_directed("use when required"));
	for (i = 0; i < nitems(vague); i++) {
		facts(&f, &flower, 1000);
		f.dose = vague[i];
		ck_assert_int_eq(rx_rules(unit_pool, &f, &v), CE_OK);
		/* an empty dose falls back to the plan item's, which is fine */
		if (*vague[i] == '\0')
			ck_assert(passed(&v, "dose-given"));
		else
			ck_assert_msg(!passed(&v, "dose-given"), "%s passed", vague[i]);
		json_object_put(v.checks);
	}
	for (i = 0; i < nitems(fine); i++) {
		facts(&f, &flower, 1000);
		f.dose = fine[i];
		ck_assert_int_eq(rx_rules(unit_pool, &f, &v), CE_OK);
		ck_assert_msg(passed(&v, "dose-given"), "%s refused", fine[i]);
		json_object_put(v.checks);
	}
}
END_TEST

/* product-active, patient-details, prescriber-details: named, with what is missing. */
START_TEST(test_details_and_withdrawn)
{
	struct rx_facts		f;
	struct rx_verdict	v;
	struct product		gone = flower;
	const char		*detail;

	gone.active = false;
	facts(&f, &gone, 1000);
	ck_assert_int_eq(rx_rules(unit_pool, &f, &v), CE_OK);
	ck_assert(!v.ok);
	ck_assert(!passed(&v, "product-active"));
	detail = json_object_get_string(json_object_object_get(check(&v, "product-active"),
	    "detail"));
	ck_assert_msg(strstr(detail, "Harbour Flower 22") != NULL &&
	    strstr(detail, "withdrawn") != NULL, "%s", detail);
	json_object_put(v.checks);
	facts(&f, &flower, 1000);
	f.no_address_line1 = true;
	f.no_date_of_birth = true;
	ck_assert_int_eq(rx_rules(unit_pool, &f, &v), CE_OK);
	ck_assert(!v.ok);
	ck_assert(!passed(&v, "patient-details"));
	ck_assert(passed(&v, "prescriber-details"));
	detail = json_object_get_string(json_object_object_get(check(&v, "patient-details"),
	    "detail"));
	ck_assert_msg(strstr(detail, "first line of their address") != NULL &&
	    strstr(detail, "date of birth") != NULL && strstr(detail, "town") == NULL, "%s", detail);
	json_object_put(v.checks);
	facts(&f, &flower, 1000);
	f.no_practice_address = true;
	ck_assert_int_eq(rx_rules(unit_pool, &f, &v), CE_OK);
	ck_assert(!v.ok);
	ck_assert(!passed(&v, "prescriber-details"));
	ck_assert(passed(&v, "patient-details"));
	json_object_put(v.checks);
}
END_TEST

/* quantity x content per unit beyond int64 is refused as input, never overflowing. */
START_TEST(test_overflow_guard)
{
	struct rx_facts		f;
	struct rx_verdict	v;
	struct product		strong = flower;

	strong.thc_ug = INT64_MAX / 1000;
	facts(&f, &strong, 5000);
	ck_assert_int_eq(rx_rules(unit_pool, &f, &v), CE_INVALID);
	strong.thc_ug = 10;
	strong.cbd_ug = INT64_MAX / 3;
	facts(&f, &strong, 2);
	ck_assert_int_eq(rx_rules(unit_pool, &f, &v), CE_INVALID);
	facts(&f, &flower, INT64_MAX / 2);
	ck_assert_int_eq(rx_rules(unit_pool, &f, &v), CE_INVALID);
	facts(&f, &flower, 1000);
	ck_assert_int_eq(rx_rules(unit_pool, &f, &v), CE_OK);
	json_object_put(v.checks);
}
END_TEST

/* start_date: today .. today + the configured validity, named in the text. */
START_TEST(test_start_date_text)
{
	struct rx_input	in;
	struct verr	errs[6];

	memset(&in, 0, sizeof(in));
	in.quantity = 1000;
	in.start_date = "2026-12-20";
	ck_assert_uint_eq(rx_input_check(&in, "2026-11-26", 14, errs), 1);
	ck_assert_str_eq(errs[0].field, "start_date");
	ck_assert_str_eq(errs[0].detail, "must be from today to 14 days from today");
	ck_assert_uint_eq(rx_input_check(&in, "2026-11-26", 28, errs), 0);
	in.start_date = "2026-11-25";
	ck_assert_uint_eq(rx_input_check(&in, "2026-11-26", 28, errs), 1);
	ck_assert_str_eq(errs[0].detail, "must be from today to 28 days from today");
}
END_TEST

START_TEST(test_words)
{
	ck_assert_str_eq(rx_words(unit_pool, "mg", "flower", 30000), "thirty grams");
	ck_assert_str_eq(rx_words(unit_pool, "mg", "flower", 2500), "two point five grams");
	ck_assert_str_eq(rx_words(unit_pool, "mg", "flower", 1000), "one gram");
	ck_assert_str_eq(rx_words(unit_pool, "mg", "flower", 250), "two hundred and fifty milligrams");
	ck_assert_str_eq(rx_words(unit_pool, "mg", "flower", 120250),
	    "one hundred and twenty point two five grams");
	ck_assert_str_eq(rx_words(unit_pool, "ul", "oil", 50000), "fifty millilitres");
	ck_assert_str_eq(rx_words(unit_pool, "ul", "oil", 500), "zero point five millilitres");
	ck_assert_str_eq(rx_words(unit_pool, "each", "capsule", 60), "sixty capsules");
	ck_assert_str_eq(rx_words(unit_pool, "each", "capsule", 1), "one capsule");
	ck_assert_str_eq(rx_words(unit_pool, "each", "vape_cartridge", 2), "two cartridges");
	ck_assert_str_eq(rx_number_words(unit_pool, 1205), "one thousand two hundred and five");
	ck_assert_str_eq(rx_number_words(unit_pool, 1005), "one thousand and five");
	ck_assert_str_eq(rx_number_words(unit_pool, 2000000), "two million");
	ck_assert_str_eq(rx_number_words(unit_pool, 0), "zero");
	ck_assert_str_eq(rx_number_words(unit_pool, 99), "ninety-nine");
	ck_assert_ptr_nonnull(rx_number_words(unit_pool, UINT64_MAX));
	ck_assert_ptr_null(rx_words(unit_pool, "kg", NULL, 1));
	ck_assert_ptr_null(rx_words(unit_pool, "mg", NULL, -1));
}
END_TEST

START_TEST(test_canon)
{
	struct rx_doc	d;
	char		*t;
	size_t		 len;
	const char	 want[] = "{\"type\":\"clinic-prescription-v1\",\"prescription_id\":12,"
	    "\"issued_at\":\"2026-11-26T10:00:00Z\",\"valid_from\":\"2026-11-26\","
	    "\"valid_until\":\"2026-12-24T10:00:00Z\",\"patient\":{\"name\":\"Ann \\\"Annie\\\" O\xc3\xa9\","
	    "\"date_of_birth\":\"1980-02-03\",\"address\":null},\"product\":{\"id\":1,"
	    "\"supplier\":\"S\",\"brand\":\"B\",\"name\":\"N\",\"form\":\"flower\",\"strength\":"
	    "\"THC 22%\",\"thc_ug_per_unit\":220,\"cbd_ug_per_unit\":0,\"supply_unit\":\"mg\"},"
	    "\"dose\":\"1 g a day\\nat night\\u0001\",\"quantity\":{\"amount\":30000,\"unit\":\"mg\","
	    "\"figures\":\"30 g\",\"words\":\"thirty grams\"},\"days_supply\":30,"
	    "\"instalments\":null,\"justification\":null,\"prescriber\":{\"id\":5,\"name\":\"Dr A\","
	    "\"registration_number\":\"7000002\",\"specialist\":true,\"practice\":\"Clinic\","
	    "\"address\":\"1 Road\\\\2\"},\"plan\":{\"id\":7,\"version\":3},\"initial\":false,"
	    "\"paper_original_required\":true,\"key_fingerprint\":\"ab\"}";

	memset(&d, 0, sizeof(d));
	d.id = 12;
	d.issued_at = "2026-11-26T10:00:00Z";
	d.valid_from = "2026-11-26";
	d.valid_until = "2026-12-24T10:00:00Z";
	d.patient_name = "Ann \"Annie\" O\xc3\xa9";
	d.patient_dob = "1980-02-03";
	d.product_id = 1;
	d.supplier = "S";
	d.brand = "B";
	d.product_name = "N";
	d.form = "flower";
	d.strength = "THC 22%";
	d.supply_unit = "mg";
	d.thc_ug_per_unit = 220;
	d.dose = "1 g a day\nat night\x01";
	d.quantity = 30000;
	d.quantity_figures = "30 g";
	d.quantity_words = "thirty grams";
	d.days_supply = 30;
	d.prescriber_id = 5;
	d.prescriber_name = "Dr A";
	d.prescriber_reg = "7000002";
	d.specialist = true;
	d.practice = "Clinic";
	d.practice_address = "1 Road\\2";
	d.plan_id = 7;
	d.plan_version = 3;
	d.paper_required = true;
	d.key_fingerprint = "ab";
	ck_assert_ptr_nonnull(t = rx_canon(unit_pool, &d, &len));
	ck_assert_str_eq(t, want);
	ck_assert_uint_eq(len, strlen(want));
	/* It parses, and instalments appear as an object when there are some. */
	json_object_put(json_tokener_parse(t));
	d.instalment_amount = 10000;
	d.instalment_interval_days = 7;
	d.instalment_figures = "10 g";
	ck_assert_ptr_nonnull(t = rx_canon(unit_pool, &d, &len));
	ck_assert_ptr_nonnull(strstr(t, "\"instalments\":{\"amount\":10000,\"figures\":\"10 g\","
	    "\"interval_days\":7}"));
}
END_TEST

Suite *
unit_suite(void)
{
	Suite	*s = suite_create("prescriptions");
	TCase	*tc = tcase_create("rules");

	tcase_add_checked_fixture(tc, unit_pool_setup, unit_pool_teardown);
	tcase_add_test(tc, test_all_pass);
	tcase_add_test(tc, test_window_boundary);
	tcase_add_test(tc, test_window_used);
	tcase_add_test(tc, test_form_limit);
	tcase_add_test(tc, test_thc_ceiling);
	tcase_add_test(tc, test_initial_specialist);
	tcase_add_test(tc, test_days_and_others);
	tcase_add_test(tc, test_dose_vague);
	tcase_add_test(tc, test_details_and_withdrawn);
	tcase_add_test(tc, test_overflow_guard);
	tcase_add_test(tc, test_start_date_text);
	tcase_add_test(tc, test_words);
	tcase_add_test(tc, test_canon);
	suite_add_tcase(s, tc);
	return s;
}
