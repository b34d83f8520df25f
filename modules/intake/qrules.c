/* Eligibility rules: see qrules.h. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "pool.h"
#include "qrules.h"

static const char *const outcome_names[QOUT__MAX] = { "eligible", "needs_review", "not_eligible" };

const char *
qoutcome_name(enum qoutcome o)
{
	return o < QOUT__MAX ? outcome_names[o] : "unknown";
}

enum qoutcome
qoutcome_from_name(const char *s)
{
	return (enum qoutcome)qname_find(outcome_names, QOUT__MAX, s);
}

struct rctx {
	struct pool	*pool;
	struct qerrs	*errs;
	const struct qdef *def;
	struct qrules	*rules;
	int		 rc;		/* 0, or -2 on OOM */
};

static void
bad(struct rctx *c, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
bad(struct rctx *c, const char *field, const char *fmt, ...)
{
	va_list	ap;
	char	buf[400];

	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	if (qerr_add(c->pool, c->errs, field, buf) == -2)
		c->rc = -2;
}

static int
help_find(const struct qrules *r, const char *code)
{
	size_t	i;

	for (i = 0; i < r->nhelp; i++)
		if (strcmp(r->help[i].code, code) == 0)
			return (int)i;
	return -1;
}

/* A list of help codes into *out. */
static void
help_list(struct rctx *c, struct json_object *list, const char *where, int **out, size_t *n)
{
	const char	*code;
	size_t		 i, len;
	int		 h;

	*n = 0;
	if (list == NULL)
		return;
	if (!qj_is(list, json_type_array) || (len = json_object_array_length(list)) > QRULES_MAX_HELP) {
		bad(c, where, "help must be a list of help codes");
		return;
	}
	if ((*out = pool_calloc(c->pool, len ? len : 1, sizeof(**out))) == NULL) {
		c->rc = -2;
		return;
	}
	for (i = 0; i < len; i++) {
		code = qj_text(json_object_array_get_idx(list, i), 64, false);
		if (code == NULL || (h = help_find(c->rules, code)) < 0) {
			bad(c, where, "help[%zu] is not the code of an entry in help", i);
			continue;
		}
		(*out)[(*n)++] = h;
	}
}

static bool
cmp_op(struct rctx *c, struct json_object *o, const char *where, struct qrcond *rc, bool age)
{
	const char	*op = qj_text(qj_get(o, "operator"), 8, false);
	struct json_object *v = qj_get(o, "value");

	if ((rc->op = qop_from_name(op)) == QO__MAX) {
		bad(c, where, "operator must be one of exists, =, !=, >, <, >=, <=");
		return false;
	}
	if (rc->op == QO_EXISTS) {
		if (!age || !qj_is(v, json_type_boolean)) {
			bad(c, where, "operator exists only suits age, with value true or false");
			return false;
		}
		rc->exists = json_object_get_boolean(v);
		return true;
	}
	if (!qj_is(v, json_type_int) && !(qj_is(v, json_type_double) &&
	    isfinite(json_object_get_double(v)))) {
		bad(c, where, "value must be a number");
		return false;
	}
	rc->value = json_object_get_double(v);
	return true;
}

static bool
parse_rcond(struct rctx *c, struct json_object *o, const char *where, struct qrcond *rc)
{
	const struct qdef	*d = c->def;
	struct json_object	*ex;
	const char		*s;
	size_t			 i, j, len, kinds;

	if (!qj_is(o, json_type_object)) {
		bad(c, where, "must be an object");
		return false;
	}
	kinds = (qj_get(o, "question") != NULL) + (qj_get(o, "count") != NULL) +
	    (qj_get(o, "score") != NULL) + (qj_get(o, "flag") != NULL) + (qj_get(o, "fact") != NULL);
	if (kinds != 1) {
		bad(c, where, "needs exactly one of question, count, score, flag or fact");
		return false;
	}
	if (qj_get(o, "question") != NULL) {
		rc->kind = RC_QUESTION;
		switch (qcond_parse(c->pool, d, o, where, c->errs, &rc->q)) {
		case 0:
			return true;
		case -2:
			c->rc = -2;
			return false;
		default:
			return false;
		}
	}
	if ((s = qj_text(qj_get(o, "count"), 64, false)) != NULL || qj_get(o, "count") != NULL) {
		rc->kind = RC_COUNT;
		if (s == NULL || (rc->item = qdef_find(d, s)) < 0 ||
		    d->items[rc->item].type == QT_GROUP || d->items[rc->item].type == QT_DISPLAY) {
			bad(c, where, "count must name a question of the questionnaire");
			return false;
		}
		if ((ex = qj_get(o, "except")) != NULL) {
			if (!qj_is(ex, json_type_array) || (len = json_object_array_length(ex)) >
			    QDEF_MAX_OPTIONS || d->items[rc->item].type != QT_CHOICE) {
				bad(c, where, "except must be a list of option codes of a choice question");
				return false;
			}
			if ((rc->except = pool_calloc(c->pool, len ? len : 1, sizeof(int))) == NULL) {
				c->rc = -2;
				return false;
			}
			for (i = 0; i < len; i++) {
				s = qj_text(json_object_array_get_idx(ex, i), 500, false);
				for (j = 0; s != NULL && j < d->items[rc->item].nopts; j++)
					if (strcmp(d->items[rc->item].opts[j].code, s) == 0)
						break;
				if (s == NULL || j == d->items[rc->item].nopts) {
					bad(c, where, "except[%zu] is not an option of \"%s\"", i,
					    d->items[rc->item].link_id);
					return false;
				}
				rc->except[rc->nexcept++] = (int)j;
			}
		}
		return cmp_op(c, o, where, rc, false);
	}
	if (qj_get(o, "score") != NULL) {
		rc->kind = RC_SCORE;
		s = qj_text(qj_get(o, "score"), 64, false);
		for (i = 0; s != NULL && i < d->nscores; i++)
			if (strcmp(d->scores[i].name, s) == 0)
				break;
		if (s == NULL || i == d->nscores) {
			bad(c, where, "score must name one of the questionnaire's scoring[]");
			return false;
		}
		rc->score = (int)i;
		return cmp_op(c, o, where, rc, false);
	}
	if (qj_get(o, "flag") != NULL) {
		rc->kind = RC_FLAG;
		s = qj_text(qj_get(o, "flag"), 64, false);
		for (i = 0; s != NULL && i < d->nflags; i++)
			if (strcmp(d->flags[i].code, s) == 0)
				break;
		if (s == NULL || i == d->nflags) {
			bad(c, where, "flag must name one of the questionnaire's flags[]");
			return false;
		}
		rc->flag = s;
		return true;
	}
	rc->kind = RC_AGE;
	if ((s = qj_text(qj_get(o, "fact"), 16, false)) == NULL || strcmp(s, "age") != 0) {
		bad(c, where, "fact must be age");
		return false;
	}
	return cmp_op(c, o, where, rc, true);
}

static void
parse_rule(struct rctx *c, struct json_object *o, const char *where, struct qrule *r)
{
	struct json_object	*list, *b;
	const char		*s;
	char			 sub[80];
	size_t			 i, len;

	if (!qj_is(o, json_type_object)) {
		bad(c, where, "must be an object");
		return;
	}
	r->code = qj_text(qj_get(o, "code"), 64, false);
	r->text = qj_text(qj_get(o, "text"), 1000, false);
	if (r->code == NULL || r->text == NULL) {
		bad(c, where, "needs a code and a text (plain words for the patient)");
		return;
	}
	if ((r->outcome = qoutcome_from_name(qj_text(qj_get(o, "outcome"), 20, false))) == QOUT__MAX ||
	    r->outcome == QOUT_ELIGIBLE) {
		bad(c, where, "outcome must be needs_review or not_eligible");
		return;
	}
	if ((qj_get(o, "when") != NULL) == (qj_get(o, "unless") != NULL)) {
		bad(c, where, "needs either when or unless (a list of conditions)");
		return;
	}
	r->unless = qj_get(o, "when") == NULL;
	list = r->unless ? qj_get(o, "unless") : qj_get(o, "when");
	if ((b = qj_get(o, "behavior")) != NULL) {
		s = qj_text(b, 8, false);
		if (s != NULL && strcmp(s, "any") == 0)
			r->any = true;
		else if (s == NULL || strcmp(s, "all") != 0)
			bad(c, where, "behavior must be all or any");
	}
	if (!qj_is(list, json_type_array) || (len = json_object_array_length(list)) == 0 ||
	    len > QDEF_MAX_CONDS) {
		bad(c, where, "conditions must be a list of 1 to %d", QDEF_MAX_CONDS);
		return;
	}
	if ((r->conds = pool_calloc(c->pool, len, sizeof(*r->conds))) == NULL) {
		c->rc = -2;
		return;
	}
	for (i = 0; i < len; i++) {
		(void)snprintf(sub, sizeof(sub), "%s.%s[%zu]", where, r->unless ? "unless" : "when",
		    i);
		if (parse_rcond(c, json_object_array_get_idx(list, i), sub, &r->conds[r->nconds]))
			r->nconds++;
	}
	help_list(c, qj_get(o, "help"), where, &r->help, &r->nhelp);
}

struct qrules *
qrules_parse(struct pool *pool, struct json_object *doc, const struct qdef *d,
    struct qerrs *errs)
{
	struct rctx		 c;
	struct json_object	*list, *o;
	struct qrules		*r;
	char			 where[64];
	size_t			 i, j, len;

	memset(errs, 0, sizeof(*errs));
	if ((r = pool_calloc(pool, 1, sizeof(*r))) == NULL)
		return NULL;
	memset(&c, 0, sizeof(c));
	c.pool = pool;
	c.errs = errs;
	c.def = d;
	c.rules = r;
	if (!qj_is(doc, json_type_object)) {
		bad(&c, "", "the rules must be a JSON object {outcomes, help, rules}");
		return c.rc == 0 ? NULL : NULL;
	}
	list = qj_get(doc, "help");
	if (!qj_is(list, json_type_array) || (len = json_object_array_length(list)) > QRULES_MAX_HELP) {
		bad(&c, "help", "must be a list of {code, title, text}");
		len = 0;
	}
	if ((r->help = pool_calloc(pool, len ? len : 1, sizeof(*r->help))) == NULL)
		return NULL;
	for (i = 0; i < len; i++) {
		o = json_object_array_get_idx(list, i);
		(void)snprintf(where, sizeof(where), "help[%zu]", i);
		r->help[r->nhelp].code = qj_text(qj_get(o, "code"), 64, false);
		r->help[r->nhelp].title = qj_text(qj_get(o, "title"), 200, false);
		r->help[r->nhelp].text = qj_text(qj_get(o, "text"), 1000, false);
		if (r->help[r->nhelp].code == NULL || r->help[r->nhelp].title == NULL ||
		    r->help[r->nhelp].text == NULL)
			bad(&c, where, "needs a code, a title and a text");
		else if (help_find(r, r->help[r->nhelp].code) >= 0)
			bad(&c, where, "help code \"%s\" is used more than once",
			    r->help[r->nhelp].code);
		else
			r->nhelp++;
	}
	for (i = 0; i < QOUT__MAX; i++) {
		(void)snprintf(where, sizeof(where), "outcomes.%s", outcome_names[i]);
		o = qj_get(qj_get(doc, "outcomes"), outcome_names[i]);
		if ((r->title[i] = qj_text(qj_get(o, "title"), 200, false)) == NULL ||
		    (r->text[i] = qj_text(qj_get(o, "text"), 2000, false)) == NULL) {
			bad(&c, where, "needs a title and a text");
			continue;
		}
		help_list(&c, qj_get(o, "help"), where, &r->out_help[i], &r->nout_help[i]);
	}
	list = qj_get(doc, "rules");
	if (!qj_is(list, json_type_array) || (len = json_object_array_length(list)) == 0 ||
	    len > QRULES_MAX_RULES) {
		bad(&c, "rules", "must be a list of 1 to %d rules", QRULES_MAX_RULES);
		len = 0;
	}
	if ((r->rules = pool_calloc(pool, len ? len : 1, sizeof(*r->rules))) == NULL)
		return NULL;
	for (i = 0; i < len && c.rc == 0; i++) {
		(void)snprintf(where, sizeof(where), "rules[%zu]", i);
		parse_rule(&c, json_object_array_get_idx(list, i), where, &r->rules[r->nrules]);
		if (r->rules[r->nrules].code == NULL)
			continue;
		for (j = 0; j < r->nrules; j++)
			if (strcmp(r->rules[j].code, r->rules[r->nrules].code) == 0)
				break;
		if (j < r->nrules)
			bad(&c, where, "rule code \"%s\" is used more than once",
			    r->rules[r->nrules].code);
		else
			r->nrules++;
	}
	if (c.rc != 0) {
		errs->n = 0;
		return NULL;
	}
	return errs->n == 0 ? r : NULL;
}

static bool
num_holds(enum qop op, double a, double b)
{
	switch (op) {
	case QO_EQ:
		return a == b;
	case QO_NE:
		return a != b;
	case QO_GT:
		return a > b;
	case QO_LT:
		return a < b;
	case QO_GE:
		return a >= b;
	case QO_LE:
		return a <= b;
	default:
		return false;
	}
}

static bool
rcond_holds(const struct qrcond *rc, const struct qdef *d, const struct qans *a,
    const struct qresult *res, int age)
{
	size_t	i, j, n = 0;

	switch (rc->kind) {
	case RC_QUESTION:
		return qcond_holds(d, a, res->enabled, &rc->q);
	case RC_COUNT:
		if (res->enabled[rc->item])
			for (i = 0; i < a->n[rc->item]; i++) {
				for (j = 0; j < rc->nexcept; j++)
					if (a->v[rc->item][i].i == rc->except[j])
						break;
				if (j == rc->nexcept)
					n++;
			}
		return num_holds(rc->op, (double)n, rc->value);
	case RC_SCORE:
		return num_holds(rc->op, res->scores[rc->score].value, rc->value);
	case RC_FLAG:
		for (i = 0; i < res->nflags; i++)
			if (strcmp(res->flags[i], rc->flag) == 0)
				return true;
		return false;
	case RC_AGE:
		if (rc->op == QO_EXISTS)
			return (age >= 0) == rc->exists;
		return age >= 0 && num_holds(rc->op, (double)age, rc->value);
	default:
		return false;
	}
}

static bool
rule_fires(const struct qrule *r, const struct qdef *d, const struct qans *a,
    const struct qresult *res, int age)
{
	size_t	i;
	bool	h, all = true, any = false;

	for (i = 0; i < r->nconds; i++) {
		h = rcond_holds(&r->conds[i], d, a, res, age);
		all = all && h;
		any = any || h;
	}
	h = r->any ? any : all;
	return r->unless ? !h : h;
}

/* Marks the help entries in list as shown. */
static void
add_help(const int *list, size_t n, bool *seen)
{
	size_t	i;

	for (i = 0; i < n; i++)
		seen[list[i]] = true;
}

int
qrules_eval(struct pool *pool, const struct qrules *rules, const struct qdef *d,
    const struct qans *a, const struct qresult *res, int age, struct qverdict *v)
{
	bool	*seen;
	size_t	 i;

	memset(v, 0, sizeof(*v));
	if ((v->reasons = pool_calloc(pool, rules->nrules + 1, sizeof(*v->reasons))) == NULL ||
	    (v->fired = pool_calloc(pool, rules->nrules + 1, sizeof(*v->fired))) == NULL ||
	    (v->help = pool_calloc(pool, rules->nhelp + 1, sizeof(*v->help))) == NULL ||
	    (seen = pool_calloc(pool, rules->nhelp + 1, sizeof(*seen))) == NULL)
		return -2;
	v->outcome = QOUT_ELIGIBLE;
	for (i = 0; i < rules->nrules; i++) {
		if (!rule_fires(&rules->rules[i], d, a, res, age))
			continue;
		v->fired[v->nfired++] = &rules->rules[i];
		if (rules->rules[i].outcome > v->outcome)
			v->outcome = rules->rules[i].outcome;
		add_help(rules->rules[i].help, rules->rules[i].nhelp, seen);
	}
	for (i = 0; i < v->nfired; i++)
		if (v->fired[i]->outcome == v->outcome)
			v->reasons[v->nreasons++] = v->fired[i];
	add_help(rules->out_help[v->outcome], rules->nout_help[v->outcome], seen);
	for (i = 0; i < rules->nhelp; i++)
		if (seen[i])
			v->help[v->nhelp++] = (int)i;
	return 0;
}

struct json_object *
qverdict_json(const struct qrules *rules, const struct qverdict *v, const struct qdef *d,
    const struct qresult *res)
{
	struct json_object	*o, *arr, *e;
	size_t			 i;

	(void)d;
	if ((o = json_object_new_object()) == NULL)
		return NULL;
	json_object_object_add(o, "outcome", json_object_new_string(qoutcome_name(v->outcome)));
	json_object_object_add(o, "title", json_object_new_string(rules->title[v->outcome]));
	json_object_object_add(o, "text", json_object_new_string(rules->text[v->outcome]));
	arr = json_object_new_array();
	for (i = 0; i < v->nreasons; i++) {
		e = json_object_new_object();
		json_object_object_add(e, "code", json_object_new_string(v->reasons[i]->code));
		json_object_object_add(e, "text", json_object_new_string(v->reasons[i]->text));
		json_object_array_add(arr, e);
	}
	json_object_object_add(o, "reasons", arr);
	arr = json_object_new_array();
	for (i = 0; i < res->nflags; i++) {
		e = json_object_new_object();
		json_object_object_add(e, "code", json_object_new_string(res->flags[i]));
		json_object_object_add(e, "text", json_object_new_string(res->flag_texts[i]));
		json_object_array_add(arr, e);
	}
	json_object_object_add(o, "flags", arr);
	arr = json_object_new_array();
	for (i = 0; i < v->nhelp; i++) {
		const struct qhelp *h = &rules->help[v->help[i]];
		e = json_object_new_object();
		json_object_object_add(e, "code", json_object_new_string(h->code));
		json_object_object_add(e, "title", json_object_new_string(h->title));
		json_object_object_add(e, "text", json_object_new_string(h->text));
		json_object_array_add(arr, e);
	}
	json_object_object_add(o, "help", arr);
	return o;
}
