/*
 * bridge views (issue 6, helper B): the pure rules bridge_apply() and the
 * pipeline follow — forward-only statuses, the members each partner message
 * must carry, working days and the stages' limits.
 */
#include <stdint.h>
#include <string.h>

#include <json-c/json.h>

#include "view.h"
#include "unit.h"

/* 2026-11-23 is a Monday; these are Unix seconds at 00:00 UTC. */
#define MON	((int64_t)1795392000)
#define DAY	((int64_t)86400)

START_TEST(test_rank_forward)
{
	ck_assert_int_eq(bridge_rank("signed"), 1);
	ck_assert_int_eq(bridge_rank("sent"), 2);
	ck_assert_int_eq(bridge_rank("out_of_stock"), 3);
	ck_assert_int_eq(bridge_rank("awaiting_paper"), 4);
	ck_assert_int_eq(bridge_rank("accepted"), 5);
	ck_assert_int_eq(bridge_rank("dispensed"), 6);
	ck_assert_int_eq(bridge_rank("shipped"), 7);
	ck_assert_int_eq(bridge_rank("delivered"), 8);
	ck_assert_int_eq(bridge_rank("rejected"), 0);
	ck_assert_int_eq(bridge_rank("nonsense"), -1);
	ck_assert_int_eq(bridge_rank(NULL), -1);
	/* forward */
	ck_assert(bridge_forward("sent", "accepted"));
	ck_assert(bridge_forward("signed", "accepted"));
	ck_assert(bridge_forward("out_of_stock", "accepted"));
	ck_assert(bridge_forward("awaiting_paper", "accepted"));
	ck_assert(bridge_forward("accepted", "dispensed"));
	ck_assert(bridge_forward("dispensed", "delivered"));
	ck_assert(bridge_forward("shipped", "delivered"));
	/* never back: a late accepted after dispensed, out of stock after accepted */
	ck_assert(!bridge_forward("dispensed", "accepted"));
	ck_assert(!bridge_forward("accepted", "out_of_stock"));
	ck_assert(!bridge_forward("accepted", "accepted"));
	ck_assert(!bridge_forward("shipped", "dispensed"));
	/* final ones stay final */
	ck_assert(!bridge_forward("delivered", "shipped"));
	ck_assert(!bridge_forward("rejected", "accepted"));
	ck_assert(!bridge_forward("cancelled", "dispensed"));
	ck_assert(!bridge_forward("expired", "accepted"));
	ck_assert(!bridge_forward("draft", "accepted"));
	/* rejection and cancellation before dispensing only */
	ck_assert(bridge_forward("sent", "rejected"));
	ck_assert(bridge_forward("out_of_stock", "rejected"));
	ck_assert(bridge_forward("accepted", "cancelled"));
	ck_assert(!bridge_forward("dispensed", "rejected"));
	ck_assert(!bridge_forward("shipped", "cancelled"));
	ck_assert(!bridge_forward("sent", "expired"));
	ck_assert(!bridge_forward("sent", "bogus"));
	ck_assert(bridge_final("delivered"));
	ck_assert(!bridge_final("shipped"));
	ck_assert_str_eq(bridge_type_status("prescription.out_of_stock"), "out_of_stock");
	ck_assert_ptr_null(bridge_type_status("prescription.tracking"));
	ck_assert_ptr_null(bridge_type_status("prescription.nonsense"));
	ck_assert(bridge_type_known("stock.snapshot"));
	ck_assert(!bridge_type_known("stock.nonsense"));
	ck_assert_str_eq(bridge_stage_label("awaiting_paper"),
	    "Waiting for the paper original at the pharmacy");
	ck_assert_str_eq(bridge_stage_label("zzz"), "Unknown");
	ck_assert_str_eq(bridge_date_words(unit_pool, "2030-01-15"), "15 January 2030");
	ck_assert_str_eq(bridge_date_words(unit_pool, "2026-12-08"), "8 December 2026");
	ck_assert_str_eq(bridge_date_words(unit_pool, "2026-13-08"), "2026-13-08");
	ck_assert_str_eq(bridge_date_words(unit_pool, "soon"), "soon");
	ck_assert_ptr_null(bridge_date_words(unit_pool, NULL));
}
END_TEST

static const char *
check(const char *type, const char *json)
{
	struct json_object	*d = json_tokener_parse(json);
	const char		*bad;

	bad = bridge_check_data(unit_pool, type, d);
	json_object_put(d);
	return bad;
}

START_TEST(test_members)
{
	ck_assert_ptr_null(check("prescription.accepted",
	    "{\"prescription_id\": 4, \"pharmacy_ref\": \"P-1\", \"reserved\": {\"quantity\": 10}}"));
	ck_assert_str_eq(check("prescription.accepted", "{\"pharmacy_ref\": \"P-1\"}"),
	    "prescription_id");
	ck_assert_str_eq(check("prescription.accepted", "{\"prescription_id\": \"4\"}"),
	    "prescription_id");
	ck_assert_str_eq(check("prescription.accepted", "{\"prescription_id\": 0}"),
	    "prescription_id");
	ck_assert_str_eq(check("prescription.accepted", "[1]"), "data");
	ck_assert_str_eq(check("prescription.received", "{\"prescription_id\": 4}"),
	    "pharmacy_ref");
	ck_assert_ptr_null(check("prescription.out_of_stock", "{\"prescription_id\": 4,"
	    " \"missing\": [{\"product_id\": 2, \"needed\": 10000, \"available\": 4000,"
	    " \"unit\": \"mg\"}], \"expected_date\": \"2026-12-03\"}"));
	ck_assert_ptr_null(check("prescription.out_of_stock", "{\"prescription_id\": 4,"
	    " \"missing\": [], \"expected_date\": null}"));
	ck_assert_str_eq(check("prescription.out_of_stock", "{\"prescription_id\": 4,"
	    " \"missing\": [{\"product_id\": 2, \"needed\": 10000, \"available\": -1,"
	    " \"unit\": \"mg\"}]}"), "missing[0].available");
	ck_assert_str_eq(check("prescription.out_of_stock", "{\"prescription_id\": 4,"
	    " \"missing\": [{\"product_id\": 2, \"needed\": 1, \"available\": 0,"
	    " \"unit\": \"kg\"}]}"), "missing[0].unit");
	ck_assert_str_eq(check("prescription.out_of_stock", "{\"prescription_id\": 4,"
	    " \"missing\": [], \"expected_date\": \"soon\"}"), "expected_date");
	ck_assert_str_eq(check("prescription.out_of_stock", "{\"prescription_id\": 4}"),
	    "missing");
	ck_assert_str_eq(check("prescription.rejected", "{\"prescription_id\": 4,"
	    " \"reasons\": []}"), "reasons");
	ck_assert_str_eq(check("prescription.rejected", "{\"prescription_id\": 4,"
	    " \"reasons\": [{\"code\": \"expired\", \"message\": \"ok\"}, {\"code\": \"x\"}]}"),
	    "reasons[1].message");
	ck_assert_str_eq(check("prescription.dispensed", "{\"prescription_id\": 4,"
	    " \"method\": \"drone\"}"), "method");
	ck_assert_ptr_null(check("prescription.dispensed", "{\"prescription_id\": 4,"
	    " \"method\": \"courier\", \"quantity\": 10, \"unit\": \"mg\", \"batches\": []}"));
	ck_assert_str_eq(check("prescription.shipped", "{\"prescription_id\": 4,"
	    " \"tracking_url\": null}"), "tracking_number");
	ck_assert_ptr_null(check("prescription.shipped", "{\"prescription_id\": 4,"
	    " \"tracking_number\": \"TN1\", \"tracking_url\": null, \"courier\": \"Swift\"}"));
	ck_assert_str_eq(check("prescription.tracking", "{\"prescription_id\": 4,"
	    " \"status\": \"in_transit\"}"), "at");
	ck_assert_str_eq(check("stock.changed", "{\"items\": []}"), "as_of");
	ck_assert_str_eq(check("stock.snapshot", "{\"as_of\": \"2026-11-26T10:00:00Z\","
	    " \"items\": [{\"product_id\": 1, \"available\": 5, \"unit\": \"ul\","
	    " \"expected_date\": null}, {\"product_id\": 1, \"available\": 5}]}"),
	    "items[1].unit");
	ck_assert_ptr_null(check("stock.snapshot", "{\"as_of\": \"2026-11-26T10:00:00Z\","
	    " \"items\": [{\"product_id\": 1, \"available\": 0, \"unit\": \"each\"}]}"));
	/* dates and times must be real: the database would refuse them */
	ck_assert_str_eq(check("stock.changed", "{\"as_of\": \"2026-02-30T10:00:00Z\","
	    " \"items\": []}"), "as_of");
	ck_assert_str_eq(check("stock.changed", "{\"as_of\": \"2026-11-26T24:00:00Z\","
	    " \"items\": []}"), "as_of");
	ck_assert_str_eq(check("stock.changed", "{\"as_of\": \"2026-11-26T10:00:00\","
	    " \"items\": [{\"product_id\": 1, \"available\": 5, \"unit\": \"ul\","
	    " \"expected_date\": \"2026-04-31\"}]}"), "items[0].expected_date");
	ck_assert_str_eq(check("prescription.out_of_stock", "{\"prescription_id\": 4,"
	    " \"missing\": [], \"expected_date\": \"2025-02-29\"}"), "expected_date");
	ck_assert_ptr_null(check("prescription.out_of_stock", "{\"prescription_id\": 4,"
	    " \"missing\": [], \"expected_date\": \"2028-02-29\"}"));
	ck_assert(bridge_time_ok("2026-11-26T10:00:00Z"));
	ck_assert(bridge_time_ok("2026-11-26T10:00:00.123456Z"));
	ck_assert(bridge_time_ok("2000-02-29T23:59:59"));
	ck_assert(!bridge_time_ok("1900-02-29T10:00:00Z"));
	ck_assert(!bridge_time_ok("2026-11-26T10:00:00.1234567Z"));
	ck_assert(!bridge_time_ok("2026-11-26T10:00:00.Z"));
	ck_assert(!bridge_time_ok("2026-11-26T10:60:00Z"));
	ck_assert(!bridge_time_ok("2026-11-26 10:00:00Z"));
	ck_assert(!bridge_time_ok("0999-11-26T10:00:00Z"));
	ck_assert(!bridge_time_ok("2026-11-26T10:00:00ZZ"));
	ck_assert(!bridge_time_ok(NULL));
	/* unknown types are kept, not checked */
	ck_assert_ptr_null(check("prescription.teleported", "{}"));
}
END_TEST

START_TEST(test_working_days)
{
	/* Monday 00:00 to Tuesday 00:00: one working day */
	ck_assert_int_eq(bridge_working_minutes(MON, MON + DAY), 1440);
	/* Friday noon to Monday noon: half of Friday and half of Monday */
	ck_assert_int_eq(bridge_working_minutes(MON + 4 * DAY + DAY / 2, MON + 7 * DAY + DAY / 2),
	    1440);
	/* a whole weekend: nothing */
	ck_assert_int_eq(bridge_working_minutes(MON + 5 * DAY, MON + 7 * DAY), 0);
	/* a week, from any moment: five days */
	ck_assert_int_eq(bridge_working_minutes(MON + 3 * DAY + 3600, MON + 10 * DAY + 3600),
	    5 * 1440);
	/* four weeks plus Saturday */
	ck_assert_int_eq(bridge_working_minutes(MON, MON + 33 * DAY), 20 * 1440 + 5 * 1440);
	ck_assert_int_eq(bridge_working_minutes(MON + DAY, MON), 0);
	/* from before 1970 counts from 1970-01-01, a Thursday: Thu + Fri */
	ck_assert_int_eq(bridge_working_minutes(-5, 4 * DAY), 2 * 1440);
	ck_assert_int_eq(bridge_working_minutes(0, 5 * DAY), 3 * 1440);
}
END_TEST

START_TEST(test_limits)
{
	ck_assert_int_eq(bridge_limit_minutes(15, "minutes"), 15);
	ck_assert_int_eq(bridge_limit_minutes(2, "hours"), 120);
	ck_assert_int_eq(bridge_limit_minutes(5, "days"), 7200);
	ck_assert_int_eq(bridge_limit_minutes(5, "working_days"), -1);
	ck_assert_int_eq(bridge_limit_minutes(5, "weeks"), -1);
	ck_assert_int_eq(bridge_limit_minutes(INT64_MAX, "days"), INT64_MAX);
	/* sent 16 minutes ago with a 15-minute limit: stuck; 15 exactly: not yet */
	ck_assert(bridge_over_limit(MON, MON + 16 * 60, 15, "minutes"));
	ck_assert(!bridge_over_limit(MON, MON + 15 * 60, 15, "minutes"));
	/* accepted Friday 09:00, 2 working days: the limit is Tuesday 09:00 */
	ck_assert(!bridge_over_limit(MON + 4 * DAY + 9 * 3600, MON + 7 * DAY + 9 * 3600, 2,
	    "working_days"));
	ck_assert(bridge_over_limit(MON + 4 * DAY + 9 * 3600, MON + 8 * DAY + 9 * 3600 + 60, 2,
	    "working_days"));
	/* ... while 2 plain days from Friday are over by Sunday */
	ck_assert(bridge_over_limit(MON + 4 * DAY + 9 * 3600, MON + 6 * DAY + 9 * 3600 + 60, 2,
	    "days"));
	ck_assert(!bridge_over_limit(MON, MON - 60, 1, "minutes"));
	ck_assert(!bridge_over_limit(MON, MON + 10 * DAY, 1, "fortnights"));
	/* instants far apart do not overflow */
	ck_assert(bridge_over_limit(INT64_MIN + 1, INT64_MAX, 1, "minutes"));
	ck_assert(bridge_over_limit(-MON, INT64_MAX, 5, "working_days"));
}
END_TEST

Suite *
unit_suite(void)
{
	Suite	*s = suite_create("bridge_views");
	TCase	*tc = tcase_create("rules");

	tcase_add_checked_fixture(tc, unit_pool_setup, unit_pool_teardown);
	tcase_add_test(tc, test_rank_forward);
	tcase_add_test(tc, test_members);
	tcase_add_test(tc, test_working_days);
	tcase_add_test(tc, test_limits);
	suite_add_tcase(s, tc);
	return s;
}
