/*
 * libFuzzer target: the body of a plan create or update as prescriptions.fcgi
 * receives it (any bytes; the first byte chooses create or update).
 * plan_parse() must either name at least one field (each with a detail) or
 * accept a plan that keeps every rule: at least one item, products listed
 * once, doses of 3..500 characters that say more than "as directed",
 * amounts >= 1 with the 30-day maximum at least the daily amount, known
 * distinct form limits, a THC ceiling of 1..1000 mg, a review date after
 * today and within a year, a reason.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "pool.h"
#include "req.h"
#include "valid.h"
#include "rx.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct plan_input	 in;
	struct json_object	*o;
	struct pool		*pool;
	struct verr		*errs;
	const char		*why;
	size_t			 nerrs, i, j;
	bool			 update;
	int			 rc;

	if (size < 1)
		return 0;
	update = (data[0] & 1) != 0;
	if ((pool = pool_new()) == NULL)
		abort();
	o = req_parse_json((const char *)data + 1, size - 1, &why);
	rc = plan_parse(pool, o, update, "2026-11-26", &in, &errs, &nerrs);
	if (rc == -1) {
		if (nerrs == 0 || errs == NULL)
			abort();
		for (i = 0; i < nerrs; i++)
			if (errs[i].field == NULL || errs[i].detail == NULL)
				abort();
	} else if (rc == 0) {
		if (nerrs != 0 || in.plan.nitems == 0 || in.plan.reason == NULL ||
		    in.plan.review_date == NULL || strcmp(in.plan.review_date, "2026-11-26") <= 0 ||
		    strcmp(in.plan.review_date, "2027-11-26") > 0 ||
		    in.plan.max_thc_mg_per_day < 1 || in.plan.max_thc_mg_per_day > 1000 ||
		    (!update && in.plan.condition == NULL) || (update && in.base_version < 1))
			abort();
		for (i = 0; i < in.plan.nitems; i++) {
			if (in.plan.items[i].dose == NULL || strlen(in.plan.items[i].dose) < 3 ||
			    dose_as_directed(in.plan.items[i].dose) ||
			    in.plan.items[i].daily_amount < 1 ||
			    in.plan.items[i].max_per_30d < in.plan.items[i].daily_amount)
				abort();
			for (j = 0; j < i; j++)
				if (in.plan.items[j].product_id == in.plan.items[i].product_id)
					abort();
		}
		for (i = 0; i < in.plan.nlimits; i++) {
			if (form_unit(in.plan.limits[i].form) == NULL ||
			    in.plan.limits[i].max_per_30d < 1)
				abort();
			for (j = 0; j < i; j++)
				if (strcmp(in.plan.limits[j].form, in.plan.limits[i].form) == 0)
					abort();
		}
	} else if (rc != -2)
		abort();
	json_object_put(o);
	pool_free(pool);
	return 0;
}
