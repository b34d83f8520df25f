/*
 * prescriptions (plans side): amounts in figures from exact integers, the
 * strength labels, the "as directed" rule, the plan body checks and the
 * sentences of a plan diff. All pure: no database.
 */
#include <string.h>

#include <json-c/json.h>

#include "pool.h"
#include "req.h"
#include "valid.h"
#include "rx.h"
#include "unit.h"

START_TEST(test_amount_figures)
{
	static const struct {
		const char	*unit, *form;
		long long	 amount;
		const char	*want;
	} cases[] = {
		{ "mg", "flower", 10000, "10 g" },
		{ "mg", "flower", 2500, "2.5 g" },
		{ "mg", "flower", 250, "0.25 g" },
		{ "mg", "flower", 1, "0.001 g" },
		{ "mg", "flower", 0, "0 g" },
		{ "mg", "flower", 1000500, "1000.5 g" },
		{ "mg", NULL, -1500, "-1.5 g" },
		{ "ul", "oil", 50000, "50 ml" },
		{ "ul", "spray", 500, "0.5 ml" },
		{ "ul", "oil", 12345, "12.345 ml" },
		{ "each", "capsule", 30, "30 capsules" },
		{ "each", "capsule", 1, "1 capsule" },
		{ "each", "vape_cartridge", 2, "2 cartridges" },
		{ "each", "pastille", 1, "1 pastille" },
		{ "each", NULL, 3, "3 units" },
		{ "each", "flower", 1, "1 unit" },
		{ "mg", NULL, INT64_MAX, "9223372036854775.807 g" },
		{ "mg", NULL, INT64_MIN, "-9223372036854775.808 g" },
	};
	size_t	i;
	char	*s;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		s = amount_figures(unit_pool, cases[i].unit, cases[i].form, cases[i].amount);
		ck_assert_msg(s != NULL && strcmp(s, cases[i].want) == 0, "%lld %s: %s, want %s",
		    cases[i].amount, cases[i].unit, s != NULL ? s : "NULL", cases[i].want);
	}
	ck_assert_ptr_null(amount_figures(unit_pool, "kg", NULL, 1));
	ck_assert_ptr_null(amount_figures(unit_pool, NULL, NULL, 1));
}
END_TEST

START_TEST(test_labels)
{
	ck_assert_str_eq(strength_label(unit_pool, "flower", "mg", 220, 5), "THC 22% \xc2\xb7 CBD <1%");
	ck_assert_str_eq(strength_label(unit_pool, "flower", "mg", 185, 10), "THC 18.5% \xc2\xb7 CBD 1%");
	ck_assert_str_eq(strength_label(unit_pool, "flower", "mg", 5, 80), "THC <1% \xc2\xb7 CBD 8%");
	ck_assert_str_eq(strength_label(unit_pool, "oil", "ul", 10, 5),
	    "THC 10 mg/ml \xc2\xb7 CBD 5 mg/ml");
	ck_assert_str_eq(strength_label(unit_pool, "capsule", "each", 5000, 0),
	    "THC 5 mg \xc2\xb7 CBD 0 mg per capsule");
	ck_assert_str_eq(strength_label(unit_pool, "pastille", "each", 2500, 250),
	    "THC 2.5 mg \xc2\xb7 CBD 0.25 mg per pastille");
	ck_assert_str_eq(form_unit("flower"), "mg");
	ck_assert_str_eq(form_unit("spray"), "ul");
	ck_assert_str_eq(form_unit("vape_cartridge"), "each");
	ck_assert_ptr_null(form_unit("tea"));
	ck_assert_str_eq(form_label("vape_cartridge"), "Vape cartridge");
	ck_assert_str_eq(unit_label("each", "capsule"), "capsules");
	ck_assert_str_eq(unit_label("ul", "oil"), "ml");
}
END_TEST

START_TEST(test_as_directed)
{
	static const char *const vague[] = { "as directed", "As Directed.", "use as directed",
	    "Take as directed", "as dir", "as dir.", "MDU", "m.d.u.",
	    "as directed by your doctor", "Use as directed by the prescriber",
	    "  as   directed  ", "as instructed", "as advised", "UD", "ut dict",
	    "take as required as directed", "asd", "as needed", "take as required", "PRN",
	    "use when required" };
	static const char *const fine[] = { "0.1 g up to five times a day", "one capsule at night",
	    "as directed, 0.5 ml twice a day", "take one as directed at 8pm", "use 1 ml daily",
	    "vaporise 100 mg at night", "0.5 ml as needed, at most twice a day", "" };
	size_t	i;

	for (i = 0; i < sizeof(vague) / sizeof(vague[0]); i++)
		ck_assert_msg(dose_as_directed(vague[i]), "%s passed", vague[i]);
	for (i = 0; i < sizeof(fine) / sizeof(fine[0]); i++)
		ck_assert_msg(!dose_as_directed(fine[i]), "%s refused", fine[i]);
}
END_TEST

static int
parse(const char *text, bool update, struct plan_input *in, struct verr **e, size_t *n)
{
	struct json_object	*o;
	const char		*why;
	int			 rc;

	o = req_parse_json(text, strlen(text), &why);
	rc = plan_parse(unit_pool, o, update, "2026-11-26", in, e, n);
	/* everything the result borrows lives in the pool: the tree may go */
	if (rc == 0) {
		in->plan.condition = in->plan.condition != NULL ?
		    pool_strdup(unit_pool, in->plan.condition) : NULL;
		in->plan.review_date = pool_strdup(unit_pool, in->plan.review_date);
	}
	json_object_put(o);
	return rc;
}

static bool
named(const struct verr *e, size_t n, const char *field)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(e[i].field, field) == 0)
			return true;
	return false;
}

START_TEST(test_plan_parse)
{
	struct plan_input	 in;
	struct verr		*e;
	size_t			 n;

	ck_assert_int_eq(parse("{\"condition\":\"Chronic pain\",\"items\":[{\"product_id\":3,"
	    "\"dose\":\"0.1 g five times a day\",\"daily_amount\":500,\"max_per_30d\":15000}],"
	    "\"form_limits\":[{\"form\":\"flower\",\"max_per_30d\":30000}],"
	    "\"max_thc_mg_per_day\":100,\"review_date\":\"2027-11-26\",\"reason\":\"Start\"}",
	    false, &in, &e, &n), 0);
	ck_assert_str_eq(in.plan.condition, "Chronic pain");
	ck_assert_uint_eq(in.plan.nitems, 1);
	ck_assert_int_eq(in.plan.items[0].daily_amount, 500);
	ck_assert_uint_eq(in.plan.nlimits, 1);
	ck_assert_str_eq(in.plan.review_date, "2027-11-26");
	ck_assert(in.plan.active);

	/* a year and a day; today; Feb 30th; a leap day that exists */
	ck_assert_int_eq(parse("{\"condition\":\"Pain\",\"items\":[{\"product_id\":3,\"dose\":"
	    "\"one at night\",\"daily_amount\":1,\"max_per_30d\":30}],\"max_thc_mg_per_day\":5,"
	    "\"review_date\":\"2027-11-27\",\"reason\":\"Start\"}", false, &in, &e, &n), -1);
	ck_assert(named(e, n, "review_date"));
	ck_assert_int_eq(parse("{\"condition\":\"Pain\",\"items\":[{\"product_id\":3,\"dose\":"
	    "\"one at night\",\"daily_amount\":1,\"max_per_30d\":30}],\"max_thc_mg_per_day\":5,"
	    "\"review_date\":\"2026-11-26\",\"reason\":\"Start\"}", false, &in, &e, &n), -1);
	ck_assert(named(e, n, "review_date"));
	ck_assert(!plan_date_ok("2027-02-29"));
	ck_assert(plan_date_ok("2028-02-29"));
	ck_assert(!plan_date_ok("2028-13-01"));
	ck_assert(!plan_date_ok("2028-1-01"));

	/* an update: base_version and reason required, status checked, condition optional */
	ck_assert_int_eq(parse("{\"items\":[{\"product_id\":3,\"dose\":\"MDU\",\"daily_amount\":2,"
	    "\"max_per_30d\":1},{\"product_id\":3,\"dose\":\"x\\u0001y\",\"daily_amount\":1,"
	    "\"max_per_30d\":1}],\"max_thc_mg_per_day\":5,\"review_date\":\"2027-01-01\","
	    "\"status\":\"paused\",\"condition\":\"P\"}", true, &in, &e, &n), -1);
	ck_assert(named(e, n, "base_version"));
	ck_assert(named(e, n, "reason"));
	ck_assert(named(e, n, "status"));
	ck_assert(named(e, n, "condition"));
	ck_assert(named(e, n, "items[0].dose"));
	ck_assert(named(e, n, "items[0].max_per_30d"));
	ck_assert(named(e, n, "items[1].product_id"));
	ck_assert(named(e, n, "items[1].dose"));
	ck_assert(!named(e, n, "review_date"));
	ck_assert_int_eq(parse("{\"base_version\":4,\"items\":[{\"product_id\":3,\"dose\":"
	    "\"one at night\",\"daily_amount\":1,\"max_per_30d\":30}],\"max_thc_mg_per_day\":5,"
	    "\"review_date\":\"2027-01-01\",\"status\":\"ended\",\"reason\":\"Stopped\"}", true,
	    &in, &e, &n), 0);
	ck_assert_int_eq(in.base_version, 4);
	ck_assert(in.has_status && !in.plan.active);
	ck_assert_ptr_null(in.plan.condition);
	/* not an object; a list where an object goes */
	ck_assert_int_eq(parse("[]", false, &in, &e, &n), -1);
	ck_assert(named(e, n, ""));
	ck_assert_int_eq(parse("{\"items\":{},\"form_limits\":[1]}", false, &in, &e, &n), -1);
	ck_assert(named(e, n, "items"));
	ck_assert(named(e, n, "form_limits[0]"));
}
END_TEST

static bool
said(const struct plan_change *c, size_t n, const char *text)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(c[i].text, text) == 0)
			return true;
	return false;
}

START_TEST(test_plan_diff)
{
	struct product		 ps[2] = {
		{ 1, "S", "Harbour", "Flower 18%", "flower", "mg", 10000, 180, 5, true },
		{ 2, "S", "Meadow", "Oil 10 mg/ml", "oil", "ul", 50000, 10, 5, true },
	};
	struct plan_item	 ia[1] = { { 1, "0.1 g five times a day", 500, 15000 } };
	struct plan_item	 ib[2] = { { 1, "0.2 g five times a day", 1000, 15000 },
				     { 2, "0.5 ml at night", 500, 15000 } };
	struct plan_form_limit	 la[1] = { { "flower", 30000 } };
	struct plan_form_limit	 lb[1] = { { "flower", 20000 } };
	struct plan		 a = { 1, 9, "Chronic pain", 1, true, ia, 1, la, 1, 100,
				     "2027-01-10", "", 5, "Start", "" };
	struct plan		 b = { 1, 9, "Chronic pain", 3, true, ib, 2, lb, 1, 150,
				     "2027-02-10", "Sleep poor", 6, "More", "" };
	struct plan_change	*c;
	size_t			 n;

	ck_assert_int_eq(plan_diff(unit_pool, &a, &b, ps, 2, &c, &n), 0);
	ck_assert(said(c, n, "Daily amount of Harbour Flower 18% changed from 0.5 g to 1 g"));
	ck_assert(said(c, n, "Dose of Harbour Flower 18% changed from \"0.1 g five times a day\""
	    " to \"0.2 g five times a day\""));
	ck_assert(said(c, n, "Added Meadow Oil 10 mg/ml: 0.5 ml at night, 0.5 ml a day, at most"
	    " 15 ml in 30 days"));
	ck_assert(said(c, n, "30-day limit for all Flower products changed from 30 g to 20 g"));
	ck_assert(said(c, n, "THC ceiling changed from 100 mg to 150 mg a day"));
	ck_assert(said(c, n, "Review date changed from 2027-01-10 to 2027-02-10"));
	ck_assert(said(c, n, "Notes added"));
	ck_assert_uint_eq(n, 7);
	ck_assert_str_eq(c[0].field, "items.dose");

	/* the other way round; a product nobody passed is named by its id */
	ck_assert_int_eq(plan_diff(unit_pool, &b, &a, ps, 1, &c, &n), 0);
	ck_assert(said(c, n, "Removed product 2"));
	ck_assert(said(c, n, "Notes removed"));
	/* nothing changed */
	ck_assert_int_eq(plan_diff(unit_pool, &a, &a, ps, 2, &c, &n), 0);
	ck_assert_uint_eq(n, 0);
	b.active = false;
	b.condition = "Neuropathic pain";
	ck_assert_int_eq(plan_diff(unit_pool, &a, &b, ps, 2, &c, &n), 0);
	ck_assert(said(c, n, "Plan ended"));
	ck_assert(said(c, n, "Condition changed from Chronic pain to Neuropathic pain"));
}
END_TEST

Suite *
unit_suite(void)
{
	Suite	*s = suite_create("plans");
	TCase	*tc = tcase_create("plans");

	tcase_add_checked_fixture(tc, unit_pool_setup, unit_pool_teardown);
	tcase_add_test(tc, test_amount_figures);
	tcase_add_test(tc, test_labels);
	tcase_add_test(tc, test_as_directed);
	tcase_add_test(tc, test_plan_parse);
	tcase_add_test(tc, test_plan_diff);
	suite_add_tcase(s, tc);
	return s;
}
