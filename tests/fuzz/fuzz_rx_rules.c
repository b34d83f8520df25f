/*
 * libFuzzer target: a draft's input as POST /api/v1/prescriptions takes it
 * (any bytes, parsed as JSON), its cross-field checks, then the prescribing
 * rules over a fixed plan with live prescriptions made from the input's
 * bytes. The product's THC/CBD per unit and the plan's daily amount come
 * from the input too ("thc", "cbd", "daily"), so the overflow guards are
 * reached: any quantity gives CE_OK or CE_INVALID (never a sanitizer
 * report), and the table's range with ordinary contents always CE_OK. The
 * rules must give twelve checks in their order, and ok exactly when every
 * check passed; the quantity in words must exist for every quantity the
 * table allows.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "pool.h"
#include "req.h"
#include "rx.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct product prod = { 1, "S", "B", "N", "flower", "mg", 10000, 220, 10, true };
static struct plan_item items[] = { { 1, "1 g a day", 1000, 30000 } };
static struct plan_form_limit limits[] = { { "flower", 40000 } };
static struct plan plan = { 7, 42, "Pain", 1, true, items, 1, limits, 1, 300, "2099-01-01", "",
	1, "r", "2026-01-01 00:00:00.000000" };

static int64_t
member_int(json_object *o, const char *k)
{
	json_object	*v;

	if (!json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_int))
		return 0;
	return json_object_get_int64(v);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const rules[] = { "identity-verified", "patient-details",
		"prescriber-details", "plan-active", "product-in-plan", "product-active", "dose-given",
		"days-supply", "quota-product", "quota-form", "thc-ceiling", "initial-by-specialist" };
	struct pool		*p = pool_new();
	struct rx_input		 in;
	struct rx_facts		 f;
	struct rx_verdict	 v;
	struct rx_live		 live[8];
	struct verr		 errs[6];
	json_object		*o;
	const char		*why;
	size_t			 i, nlive = 0;
	int64_t			 thc = 220, cbd = 10, daily = 1000;
	enum cerr		 rc;
	bool			 all = true, ordinary;

	if (p == NULL)
		return 0;
	o = req_parse_json((const char *)data, size, &why);
	memset(&in, 0, sizeof(in));
	if (o != NULL && json_object_is_type(o, json_type_object)) {
		in.quantity = member_int(o, "quantity");
		in.dose = valid_str_member(o, "dose");
		in.justification = valid_str_member(o, "justification");
		in.start_date = valid_str_member(o, "start_date");
		in.instalment_amount = member_int(o, "instalment_amount");
		in.instalment_interval_days = member_int(o, "instalment_interval_days");
		if (json_object_object_get_ex(o, "thc", NULL))
			thc = member_int(o, "thc");
		if (json_object_object_get_ex(o, "cbd", NULL))
			cbd = member_int(o, "cbd");
		if (json_object_object_get_ex(o, "daily", NULL))
			daily = member_int(o, "daily");
	} else
		in.quantity = size > 0 ? (int64_t)data[0] * 1000 : 1;
	if (rx_input_check(&in, "2026-11-26", 28, errs) > 4)
		abort();
	for (i = 0; i + 4 <= size && nlive < 8; i += 4, nlive++) {
		live[nlive].id = (int64_t)nlive + 1;
		live[nlive].product_id = data[i] & 1 ? 1 : 2;
		live[nlive].form = data[i] & 2 ? "flower" : "oil";
		live[nlive].quantity = (int64_t)data[i + 1] * 1000;
		live[nlive].thc_ug = live[nlive].quantity * 220;
		live[nlive].at_us = ((int64_t)data[i + 2] - 128) * 86400LL * 1000000 / 4 +
		    (int64_t)data[i + 3];
	}
	memset(&f, 0, sizeof(f));
	f.identity_verified = size % 2 == 0;
	f.plan = size % 3 == 0 ? NULL : &plan;
	f.today = "2026-11-26";
	f.product = size % 5 == 0 ? NULL : &prod;
	f.dose = in.dose;
	f.quantity = in.quantity;
	f.justification = in.justification;
	f.max_days = 30;
	f.live = live;
	f.nlive = nlive;
	f.initial = size % 7 == 0;
	f.no_address_line1 = size % 11 == 0;
	f.no_practice_address = size % 13 == 0;
	prod.thc_ug = thc;
	prod.cbd_ug = cbd;
	prod.active = size % 17 != 0;
	items[0].daily_amount = daily;
	ordinary = thc >= 0 && thc <= 1000000000 && cbd >= 0 && cbd <= 1000000000 &&
	    daily >= 1 && daily <= 100000000000LL;
	rc = rx_rules(p, &f, &v);
	if (rc != CE_OK && rc != CE_INVALID)
		abort();
	if (rc == CE_INVALID && in.quantity >= 1 && in.quantity <= 100000000 && ordinary)
		abort();
	if (rc == CE_OK && in.quantity >= 1) {
		if (json_object_array_length(v.checks) != nitems(rules))
			abort();
		for (i = 0; i < nitems(rules); i++) {
			json_object *c = json_object_array_get_idx(v.checks, i);

			if (strcmp(json_object_get_string(json_object_object_get(c, "rule")),
			    rules[i]) != 0)
				abort();
			if (!json_object_get_boolean(json_object_object_get(c, "passed")))
				all = false;
		}
		if (all != v.ok)
			abort();
		json_object_put(v.checks);
	}
	if (in.quantity >= 1 && in.quantity <= 100000000) {
		if (rx_words(p, "mg", "flower", in.quantity) == NULL ||
		    rx_words(p, "ul", "oil", in.quantity) == NULL ||
		    rx_words(p, "each", "capsule", in.quantity) == NULL)
			abort();
	}
	json_object_put(o);
	pool_free(p);
	return 0;
}
