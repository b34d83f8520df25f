/*
 * Unit tests of the pharmacy's courier parsers (modules/pharmacy/courier_parse.c):
 * tracking webhook bodies, instants, postcodes, the recipient read from a
 * prescription document, and the order of shipment statuses.
 */
#include <string.h>

#include <check.h>

#include "courier.h"
#include "pool.h"
#include "unit.h"
#include "valid.h"

static const char GOOD[] =
    "{\"type\":\"tracking.updated\",\"timestamp\":\"2026-11-26T10:00:00.000Z\",\"data\":{"
    "\"shipment_id\":\"shp_0123abcd\",\"reference\":\"PH-7\",\"tracking_number\":\"CT123456789GB\","
    "\"status\":\"delivered\",\"description\":\"Delivered\",\"location\":\"LS1\","
    "\"at\":\"2026-11-26T09:59:58.123Z\",\"proof\":{\"type\":\"signature\",\"signed_by\":\"Ann\"}}}";

static int
parse(const char *body, struct courier_event *ev, struct verr *errs, size_t *n)
{
	return courier_event_parse(unit_pool, body, strlen(body), ev, errs, n);
}

/* Whether one of errs names field. */
static int
names(const struct verr *errs, size_t n, const char *field)
{
	size_t	i;

	for (i = 0; i < n; i++)
		if (strcmp(errs[i].field, field) == 0)
			return 1;
	return 0;
}

START_TEST(event_good)
{
	struct courier_event	ev;
	struct verr		errs[COURIER_MAX_ERRS];
	size_t			n;

	ck_assert_int_eq(parse(GOOD, &ev, errs, &n), 0);
	ck_assert_uint_eq(n, 0);
	ck_assert(ev.tracking);
	ck_assert_str_eq(ev.type, "tracking.updated");
	ck_assert_str_eq(ev.shipment_id, "shp_0123abcd");
	ck_assert_str_eq(ev.tracking_number, "CT123456789GB");
	ck_assert_str_eq(ev.status, "delivered");
	ck_assert_str_eq(ev.description, "Delivered");
	ck_assert_str_eq(ev.location, "LS1");
	ck_assert_str_eq(ev.at, "2026-11-26 09:59:58.123000");
	ck_assert_ptr_nonnull(ev.proof);
	ck_assert_ptr_nonnull(strstr(ev.proof, "\"signed_by\":\"Ann\""));
}
END_TEST

START_TEST(event_nulls)
{
	struct courier_event	ev;
	struct verr		errs[COURIER_MAX_ERRS];
	size_t			n;

	ck_assert_int_eq(parse("{\"type\":\"tracking.updated\",\"data\":{\"shipment_id\":\"s1\","
	    "\"tracking_number\":\"T1\",\"status\":\"in_transit\",\"description\":null,"
	    "\"location\":null,\"at\":\"2026-02-28T23:59:59+00:00\",\"proof\":null}}",
	    &ev, errs, &n), 0);
	ck_assert_str_eq(ev.description, "");
	ck_assert_ptr_null(ev.location);
	ck_assert_ptr_null(ev.proof);
	ck_assert_str_eq(ev.at, "2026-02-28 23:59:59.000000");
}
END_TEST

START_TEST(event_other_type)
{
	struct courier_event	ev;
	struct verr		errs[COURIER_MAX_ERRS];
	size_t			n;

	ck_assert_int_eq(parse("{\"type\":\"shipment.label_ready\",\"data\":{}}", &ev, errs, &n),
	    0);
	ck_assert(!ev.tracking);
	ck_assert_str_eq(ev.type, "shipment.label_ready");
	ck_assert_ptr_null(ev.status);
}
END_TEST

START_TEST(event_bad_members)
{
	struct courier_event	ev;
	struct verr		errs[COURIER_MAX_ERRS];
	size_t			n;

	ck_assert_int_eq(parse("{\"type\":\"tracking.updated\",\"data\":{\"shipment_id\":\"a b\","
	    "\"tracking_number\":\"CT-1\",\"status\":\"lost\",\"location\":5,"
	    "\"at\":\"2026-02-29T10:00:00Z\",\"proof\":\"signed\"}}", &ev, errs, &n), -1);
	ck_assert(names(errs, n, "data.shipment_id"));
	ck_assert(names(errs, n, "data.tracking_number"));
	ck_assert(names(errs, n, "data.status"));
	ck_assert(names(errs, n, "data.location"));
	ck_assert(names(errs, n, "data.at"));
	ck_assert(names(errs, n, "data.proof"));
	ck_assert(!names(errs, n, "type"));
}
END_TEST

START_TEST(event_not_an_object)
{
	static const char *const bodies[] = { "", "[]", "null", "\"x\"", "{", "{\"type\":1}",
	    "{\"type\":\"tracking.updated\"}", "{\"type\":\"tracking.updated\",\"data\":[]}",
	    "{\"type\":\"tracking.updated\",\"data\":{}}", "{\"type\":\"\"}",
	    "{\"type\":\"tracking.updated\",\"timestamp\":5,\"data\":{}}" };
	struct courier_event	ev;
	struct verr		errs[COURIER_MAX_ERRS];
	size_t			i, n;

	for (i = 0; i < nitems(bodies); i++)
		ck_assert_msg(parse(bodies[i], &ev, errs, &n) == -1 && n > 0, "accepted %s",
		    bodies[i]);
	ck_assert_int_eq(parse("{\"type\":\"tracking.updated\",\"data\":{}}", &ev, errs, &n), -1);
	ck_assert(names(errs, n, "data.shipment_id"));
	ck_assert(names(errs, n, "data.status"));
	ck_assert(names(errs, n, "data.at"));
}
END_TEST

START_TEST(event_control_characters)
{
	struct courier_event	ev;
	struct verr		errs[COURIER_MAX_ERRS];
	size_t			n;

	ck_assert_int_eq(parse("{\"type\":\"tracking.updated\",\"data\":{\"shipment_id\":\"s1\","
	    "\"tracking_number\":\"T1\",\"status\":\"collected\",\"description\":\"a\\u0007b\","
	    "\"at\":\"2026-01-01T00:00:00Z\"}}", &ev, errs, &n), -1);
	ck_assert(names(errs, n, "data.description"));
}
END_TEST

START_TEST(times)
{
	char	out[27];

	ck_assert(courier_time("2026-01-31T09:30:00Z", out));
	ck_assert_str_eq(out, "2026-01-31 09:30:00.000000");
	ck_assert(courier_time("2024-02-29T00:00:00.5Z", out));
	ck_assert_str_eq(out, "2024-02-29 00:00:00.500000");
	ck_assert(courier_time("2026-12-31T23:59:59.999999+00:00", out));
	ck_assert_str_eq(out, "2026-12-31 23:59:59.999999");
	ck_assert(!courier_time("2026-02-29T00:00:00Z", out));	/* not a leap year */
	ck_assert(!courier_time("2026-01-31T09:30:00", out));	/* no zone */
	ck_assert(!courier_time("2026-01-31T09:30:00+01:00", out));
	ck_assert(!courier_time("2026-01-31T24:00:00Z", out));
	ck_assert(!courier_time("2026-01-31T09:30:00.Z", out));
	ck_assert(!courier_time("2026-01-31T09:30:00.1234567Z", out));
	ck_assert(!courier_time("1999-12-31T23:59:59Z", out));
	ck_assert(!courier_time("2026-1-31T09:30:00Z", out));
	ck_assert(!courier_time("2026-01-31 09:30:00Z", out));
	ck_assert(!courier_time("", out));
}
END_TEST

START_TEST(postcodes)
{
	char	out[9];

	ck_assert(courier_postcode("SW1A 1AA", out));
	ck_assert_str_eq(out, "SW1A 1AA");
	ck_assert(courier_postcode("ls14ap", out));
	ck_assert_str_eq(out, "LS1 4AP");
	ck_assert(courier_postcode("M1 1AE", out));
	ck_assert_str_eq(out, "M1 1AE");
	ck_assert(courier_postcode("b33 8th", out));
	ck_assert_str_eq(out, "B33 8TH");
	ck_assert(!courier_postcode("12345", out));
	ck_assert(!courier_postcode("LS1", out));
	ck_assert(!courier_postcode("LS1-4AP", out));
	ck_assert(!courier_postcode("ABCDE 1AA", out));
	ck_assert(!courier_postcode("", out));
}
END_TEST

START_TEST(doc_recipient)
{
	static const char doc[] =
	    "{\"type\":\"clinic-prescription-v1\",\"prescription_id\":7,"
	    "\"patient\":{\"name\":\"Ann Lee\",\"date_of_birth\":\"1980-01-01\","
	    "\"address\":\"1 High Street, Flat 2, Leeds, ls1 4ap\"},"
	    "\"quantity\":{\"amount\":10000,\"unit\":\"mg\"}}";
	struct courier_doc	d;
	const char		*why;

	ck_assert_int_eq(courier_doc_read(doc, strlen(doc), &d, &why), 0);
	ck_assert_ptr_null(why);
	ck_assert_str_eq(d.name, "Ann Lee");
	ck_assert_uint_eq(d.nlines, 3);
	ck_assert_str_eq(d.lines[0], "1 High Street");
	ck_assert_str_eq(d.lines[1], "Flat 2");
	ck_assert_str_eq(d.lines[2], "Leeds");
	ck_assert_str_eq(d.postcode, "LS1 4AP");
	ck_assert_int_eq(d.weight_g, 160);
}
END_TEST

START_TEST(doc_many_lines)
{
	static const char doc[] =
	    "{\"patient\":{\"name\":\"B\",\"address\":\"a, b, c, d, e, f, M1 1AE\"},"
	    "\"quantity\":{\"amount\":60,\"unit\":\"each\"}}";
	struct courier_doc	d;
	const char		*why;

	ck_assert_int_eq(courier_doc_read(doc, strlen(doc), &d, &why), 0);
	ck_assert_uint_eq(d.nlines, 4);
	ck_assert_str_eq(d.lines[0], "a, b, c");
	ck_assert_str_eq(d.lines[3], "f");
	ck_assert_int_eq(d.weight_g, 210);
}
END_TEST

START_TEST(doc_unusable)
{
	static const char *const docs[] = {
	    "", "[]", "{}", "{\"patient\":null}",
	    "{\"patient\":{\"name\":\"A\",\"address\":null}}",
	    "{\"patient\":{\"name\":\"A\"}}",
	    "{\"patient\":{\"name\":\"\",\"address\":\"1 Road, LS1 4AP\"}}",
	    "{\"patient\":{\"name\":\"A\",\"address\":\"LS1 4AP\"}}",
	    "{\"patient\":{\"name\":\"A\",\"address\":\"1 Road, Leeds\"}}",
	};
	struct courier_doc	d;
	const char		*why;
	size_t			i;

	for (i = 0; i < nitems(docs); i++) {
		why = NULL;
		ck_assert_msg(courier_doc_read(docs[i], strlen(docs[i]), &d, &why) == -1,
		    "accepted %s", docs[i]);
		ck_assert_ptr_nonnull(why);
	}
}
END_TEST

START_TEST(ranks)
{
	ck_assert_int_eq(courier_rank("requested"), 0);
	ck_assert_int_eq(courier_rank("booked"), 1);
	ck_assert_int_lt(courier_rank("collected"), courier_rank("in_transit"));
	ck_assert_int_lt(courier_rank("in_transit"), courier_rank("out_for_delivery"));
	ck_assert_int_lt(courier_rank("out_for_delivery"), courier_rank("delivered"));
	ck_assert_int_eq(courier_rank("failed"), -1);
	ck_assert_int_eq(courier_rank("failed_attempt"), -1);
	ck_assert_int_eq(courier_rank(NULL), -1);
	ck_assert_str_eq(courier_service_label("tracked_24"), "Tracked 24");
	ck_assert_str_eq(courier_service_label("other"), "other");
}
END_TEST

Suite *
unit_suite(void)
{
	Suite	*s = suite_create("courier");
	TCase	*t = tcase_create("parse");

	tcase_add_checked_fixture(t, unit_pool_setup, unit_pool_teardown);
	tcase_add_test(t, event_good);
	tcase_add_test(t, event_nulls);
	tcase_add_test(t, event_other_type);
	tcase_add_test(t, event_bad_members);
	tcase_add_test(t, event_not_an_object);
	tcase_add_test(t, event_control_characters);
	tcase_add_test(t, times);
	tcase_add_test(t, postcodes);
	tcase_add_test(t, doc_recipient);
	tcase_add_test(t, doc_many_lines);
	tcase_add_test(t, doc_unusable);
	tcase_add_test(t, ranks);
	suite_add_tcase(s, t);
	return s;
}
