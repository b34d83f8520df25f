/*
 * libFuzzer target: a partner message's data through the checks
 * bridge_apply() runs before it touches anything (modules/bridge/
 * view_rules.c: bridge_check_data, bridge_time_ok), the date words of its dates,
 * and the pipeline's time arithmetic on arbitrary instants. The first byte
 * picks the message type, the next 16 two instants, the rest is the data
 * as JSON. Whatever the bytes: no crash, no leak, no overflow (UBSan);
 * a problem names a member, and an over-limit verdict needs time to pass.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "pool.h"
#include "req.h"
#include "view.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char *const types[] = {
	"prescription.received", "prescription.accepted", "prescription.awaiting_paper",
	"prescription.rejected", "prescription.out_of_stock", "prescription.dispensed",
	"prescription.shipped", "prescription.tracking", "prescription.delivered",
	"prescription.cancelled", "prescription.cancel_refused", "stock.changed",
	"stock.snapshot", "prescription.unheard_of",
};
static const char *const units[] = { "minutes", "hours", "days", "working_days", "weeks" };

static int64_t
i64(const uint8_t *p)
{
	uint64_t	v = 0;
	int		i;

	for (i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return (int64_t)v;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pool		*p;
	struct json_object	*o;
	const char		*type, *bad, *why, *w;
	char			*buf, ymd[11];
	int64_t			 a, b, amount;

	if (size < 17 || (p = pool_new()) == NULL)
		return 0;
	type = types[data[0] % (sizeof(types) / sizeof(types[0]))];
	a = i64(data + 1);
	b = i64(data + 9);
	amount = (int64_t)(data[0] >> 3) * 37;
	if (bridge_working_minutes(a, b) < 0)
		abort();
	if (bridge_over_limit(a, b, amount, units[data[0] % 5]) && b <= a)
		abort();
	(void)bridge_limit_minutes(a, units[data[8] % 5]);
	if ((buf = malloc(size - 17 + 1)) == NULL) {
		pool_free(p);
		return 0;
	}
	memcpy(buf, data + 17, size - 17);
	buf[size - 17] = '\0';
	if (size - 17 >= 10) {
		memcpy(ymd, buf, 10);
		ymd[10] = '\0';
		if ((w = bridge_date_words(p, ymd)) != NULL && *w == '\0' && *ymd != '\0')
			abort();
	}
	o = req_parse_json(buf, size - 17, &why);
	bad = bridge_check_data(p, type, o);
	if (bad != NULL && *bad == '\0')
		abort();
	if (o == NULL && bad == NULL && strcmp(type, "prescription.unheard_of") != 0)
		abort();	/* no data is always a problem for a known type */
	/* a stock message that passed has an as_of the database takes */
	if (bad == NULL && strncmp(type, "stock.", 6) == 0 &&
	    !bridge_time_ok(json_object_get_string(json_object_object_get(o, "as_of"))))
		abort();
	(void)bridge_time_ok(buf);
	json_object_put(o);
	free(buf);
	pool_free(p);
	return 0;
}
