/*
 * libFuzzer target: the questionnaire evaluator (modules/intake/qeval.c) and
 * eligibility rules (qrules.c) on arbitrary input. The bytes are split at NUL
 * into a definition, answers and rules (JSON each, parsed as request bodies
 * are); whatever parses goes through qdef_parse, qans_parse, qeval, the JSON
 * and FHIR views, qrules_parse and qrules_eval. Checks the contracts the
 * server relies on: a refusal always names its problems; an enabled item's
 * group is enabled; what remains is enabled, required and unanswered; flags
 * are not repeated.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "pool.h"
#include "qeval.h"
#include "qrules.h"
#include "req.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct json_object *
parse(const uint8_t *p, size_t n)
{
	const char	*why;

	return n > 0 ? req_parse_json((const char *)p, n, &why) : NULL;
}

static void
errs_named(const struct qerrs *e)
{
	size_t	i;

	for (i = 0; i < e->n; i++)
		if (e->v[i].field == NULL || e->v[i].detail == NULL || *e->v[i].detail == '\0')
			abort();
}

static void
check_views(const struct qdef *d, const struct qans *a, const struct qresult *r)
{
	struct json_object	*o;
	size_t			 i, j;

	for (i = 0; i < d->nitems; i++)
		if (r->enabled[i] && d->items[i].parent >= 0 && !r->enabled[d->items[i].parent])
			abort();
	for (i = 0; i < r->nremaining; i++) {
		j = (size_t)r->remaining[i];
		if (j >= d->nitems || !r->enabled[j] || !d->items[j].required || a->n[j] != 0)
			abort();
	}
	for (i = 0; i < r->nflags; i++)
		for (j = 0; j < i; j++)
			if (strcmp(r->flags[i], r->flags[j]) == 0)
				abort();
	if ((o = qstate_json(d, r)) == NULL)
		abort();
	(void)json_object_to_json_string(o);
	json_object_put(o);
	if ((o = qans_json(d, a, r->enabled)) == NULL)
		abort();
	(void)json_object_to_json_string(o);
	json_object_put(o);
	if ((o = qfhir_response(d, a, r, "1", "urn:q|1", "completed", "Patient/1", NULL)) == NULL)
		abort();
	(void)json_object_to_json_string(o);
	json_object_put(o);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct pool	*pool;
	const uint8_t		*part[3] = { data, NULL, NULL }, *nul;
	size_t			 len[3] = { size, 0, 0 }, i;
	struct json_object	*def, *answers, *rdoc;
	struct qdef		*d;
	struct qans		 a;
	struct qresult		 r;
	struct qerrs		 errs;
	struct qrules		*rules;
	struct qverdict		 v;
	int			 rc;

	if (pool == NULL && (pool = pool_new()) == NULL)
		abort();
	for (i = 0; i < 2; i++) {
		if ((nul = memchr(part[i], '\0', len[i])) == NULL)
			break;
		part[i + 1] = nul + 1;
		len[i + 1] = len[i] - (size_t)(nul - part[i]) - 1;
		len[i] = (size_t)(nul - part[i]);
	}
	def = parse(part[0], len[0]);
	answers = part[1] != NULL ? parse(part[1], len[1]) : NULL;
	rdoc = part[2] != NULL ? parse(part[2], len[2]) : NULL;
	d = qdef_parse(pool, def, &errs);
	if (d == NULL && errs.n == 0)
		abort();	/* out of memory is not expected here */
	errs_named(&errs);
	if (d != NULL) {
		rc = qans_parse(pool, d, answers, &a, &errs);
		if (rc == -2 || (rc == -1) != (errs.n > 0))
			abort();
		errs_named(&errs);
		if (rc == -1)	/* the answers that pass alone still evaluate */
			rc = qans_parse(pool, d, NULL, &a, &errs);
		if (rc != 0 || qeval(pool, d, &a, &r) != 0)
			abort();
		check_views(d, &a, &r);
		rules = qrules_parse(pool, rdoc, d, &errs);
		if (rules == NULL && errs.n == 0)
			abort();
		errs_named(&errs);
		if (rules != NULL) {
			struct json_object *o;
			if (qrules_eval(pool, rules, d, &a, &r, (int)(size % 40) - 1, &v) != 0 ||
			    v.outcome >= QOUT__MAX || (o = qverdict_json(rules, &v, d, &r)) == NULL)
				abort();
			json_object_put(o);
		}
	}
	json_object_put(def);
	json_object_put(answers);
	json_object_put(rdoc);
	pool_reset(pool);
	return 0;
}
