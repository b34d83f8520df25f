/* The questionnaire evaluator: see qeval.h. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "err.h"
#include "pool.h"
#include "qeval.h"

#define ORDINAL_URL	"http://hl7.org/fhir/StructureDefinition/ordinalValue"
#define ITEMWEIGHT_URL	"http://hl7.org/fhir/StructureDefinition/itemWeight"
#define MINVALUE_URL	"http://hl7.org/fhir/StructureDefinition/minValue"
#define MAXVALUE_URL	"http://hl7.org/fhir/StructureDefinition/maxValue"

static const char *const type_names[QT__MAX] = {
	"boolean", "choice", "integer", "decimal", "string", "text", "date", "group", "display",
};

static const char *const op_names[QO__MAX] = { "exists", "=", "!=", ">", "<", ">=", "<=" };

int
qname_find(const char *const *names, int n, const char *s)
{
	int	i;

	for (i = 0; s != NULL && i < n; i++)
		if (strcmp(s, names[i]) == 0)
			return i;
	return n;
}

enum qtype
qtype_from_name(const char *s)
{
	return (enum qtype)qname_find(type_names, QT__MAX, s);
}

const char *
qtype_name(enum qtype t)
{
	return t < QT__MAX ? type_names[t] : "unknown";
}

enum qop
qop_from_name(const char *s)
{
	return (enum qop)qname_find(op_names, QO__MAX, s);
}

bool
qop_allowed(enum qtype t, enum qop op)
{
	switch (t) {
	case QT_BOOLEAN:
	case QT_CHOICE:
	case QT_STRING:
	case QT_TEXT:
		return op == QO_EXISTS || op == QO_EQ || op == QO_NE;
	case QT_INTEGER:
	case QT_DECIMAL:
	case QT_DATE:
		return op < QO__MAX;
	default:
		return false;
	}
}

/* ---- problems ---- */

struct ctx {
	struct pool	*pool;
	struct qerrs	*errs;
	bool		 oom;
	struct qdef	*def;
	size_t		 cap;		/* items allocated */
};

static void
problem(struct ctx *c, const char *field, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
problem(struct ctx *c, const char *field, const char *fmt, ...)
{
	va_list	 ap;
	char	 buf[512];

	if (c->errs->v == NULL &&
	    (c->errs->v = pool_calloc(c->pool, QDEF_MAX_ERRS, sizeof(*c->errs->v))) == NULL) {
		c->oom = true;
		return;
	}
	if (c->errs->n >= QDEF_MAX_ERRS)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	c->errs->v[c->errs->n].field = pool_strdup(c->pool, field);
	c->errs->v[c->errs->n].detail = pool_strdup(c->pool, buf);
	if (c->errs->v[c->errs->n].field == NULL || c->errs->v[c->errs->n].detail == NULL) {
		c->oom = true;
		return;
	}
	c->errs->n++;
}

/* ---- JSON helpers ---- */

struct json_object *
qj_get(struct json_object *o, const char *key)
{
	struct json_object	*v = NULL;

	if (o == NULL || !json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, key, &v))
		return NULL;
	return v;
}

bool
qj_is(struct json_object *o, int t)
{
	return o != NULL && json_object_is_type(o, (enum json_type)t);
}

static bool
is_number(struct json_object *o)
{
	return qj_is(o, json_type_int) || (qj_is(o, json_type_double) &&
	    isfinite(json_object_get_double(o)));
}

/* A one-line string of 1..max characters without control characters, or NULL. */
const char *
qj_text(struct json_object *o, size_t max, bool lines)
{
	const char	*s;
	size_t		 len, n, i;

	if (!qj_is(o, json_type_string))
		return NULL;
	s = json_object_get_string(o);
	len = (size_t)json_object_get_string_len(o);
	if (len == 0 || memchr(s, '\0', len) != NULL || !valid_utf8(s, len, &n) || n > max)
		return NULL;
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)s[i];
		if (ch == 0x7f || (ch < 0x20 && !(lines && (ch == '\n' || ch == '\t' || ch == '\r'))))
			return NULL;
	}
	return s;
}

/* linkIds, codes and names: 1..64 of [A-Za-z0-9._:/-]. */
static const char *
id_of(struct json_object *o)
{
	const char	*s;
	size_t		 i, len;

	if (!qj_is(o, json_type_string))
		return NULL;
	s = json_object_get_string(o);
	len = (size_t)json_object_get_string_len(o);
	if (len == 0 || len > QDEF_MAX_LINKID)
		return NULL;
	for (i = 0; i < len; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || strchr("._:/-", s[i]) != NULL) || s[i] == '\0')
			return NULL;
	return s;
}

static bool
date_ok(struct pool *pool, const char *s, size_t len)
{
	static const struct field	f = { "date", V_DATE, false, 10, 10, NULL, NULL };
	const char			*norm;
	int64_t				 iv;

	return valid_value(pool, &f, s, len, &norm, &iv) == NULL;
}

/* Only the keys in allowed ('|'-separated, with leading and trailing '|'). */
static void
only_keys(struct ctx *c, struct json_object *o, const char *allowed, const char *field)
{
	struct json_object_iterator	it, end;
	char				key[80];
	const char			*name;

	it = json_object_iter_begin(o);
	end = json_object_iter_end(o);
	for (; !json_object_iter_equal(&it, &end); json_object_iter_next(&it)) {
		name = json_object_iter_peek_name(&it);
		if (strlen(name) > 64 || snprintf(key, sizeof(key), "|%s|", name) < 0 ||
		    strstr(allowed, key) == NULL)
			problem(c, field, "has an element this format does not know: \"%.64s\"", name);
	}
}

/* ---- compiling ---- */

/* An option value of kind k matching j's JSON form, or -1. */
static int
find_option(const struct qitem *it, const char *code, const char *system, int64_t ival,
    enum qokind kind)
{
	size_t	i;

	for (i = 0; i < it->nopts; i++) {
		const struct qopt *o = &it->opts[i];
		if (o->kind != kind)
			continue;
		if (kind == QK_INTEGER ? o->ival == ival : strcmp(o->code, code) == 0) {
			if (system != NULL && o->system != NULL && strcmp(system, o->system) != 0)
				continue;
			return (int)i;
		}
	}
	return -1;
}

static const char *const answer_keys[] = {
	"answerBoolean", "answerCoding", "answerInteger", "answerDecimal", "answerString",
	"answerDate",
};

/*
 * One enableWhen condition on an item with index < limit (the whole
 * definition for flags). where names it in problems.
 */
static bool
parse_cond(struct ctx *c, struct json_object *o, size_t limit, const char *where,
    struct qcond *out)
{
	struct qdef		*d = c->def;
	struct json_object	*ans = NULL, *v;
	const char		*q, *opname, *akey = NULL, *code;
	const struct qitem	*it;
	size_t			 i, nans = 0;
	int			 idx;

	if (!qj_is(o, json_type_object)) {
		problem(c, where, "must be an object {question, operator, answer...}");
		return false;
	}
	only_keys(c, o, "|question|operator|answerBoolean|answerCoding|answerInteger|"
	    "answerDecimal|answerString|answerDate|", where);
	if ((q = id_of(qj_get(o, "question"))) == NULL) {
		problem(c, where, "question must name a linkId");
		return false;
	}
	idx = qdef_find(d, q);
	if (idx < 0 || (size_t)idx >= limit) {
		problem(c, where, "question \"%s\" is not %s question", q,
		    limit < d->nitems ? "an earlier" : "a");
		return false;
	}
	it = &d->items[idx];
	if (it->type == QT_GROUP || it->type == QT_DISPLAY) {
		problem(c, where, "question \"%s\" is a %s, which has no answer", q,
		    qtype_name(it->type));
		return false;
	}
	opname = qj_is(qj_get(o, "operator"), json_type_string) ?
	    json_object_get_string(qj_get(o, "operator")) : NULL;
	out->item = idx;
	if ((out->op = qop_from_name(opname)) == QO__MAX) {
		problem(c, where, "operator must be one of exists, =, !=, >, <, >=, <=");
		return false;
	}
	if (!qop_allowed(it->type, out->op)) {
		problem(c, where, "operator %s cannot be used with %s question \"%s\"",
		    op_names[out->op], qtype_name(it->type), q);
		return false;
	}
	for (i = 0; i < nitems(answer_keys); i++)
		if ((v = qj_get(o, answer_keys[i])) != NULL) {
			nans++;
			ans = v;
			akey = answer_keys[i];
		}
	if (nans != 1) {
		problem(c, where, "needs exactly one answer[x] (answerBoolean, answerCoding, ...)");
		return false;
	}
	if (out->op == QO_EXISTS) {
		if (strcmp(akey, "answerBoolean") != 0 || !qj_is(ans, json_type_boolean)) {
			problem(c, where, "operator exists takes answerBoolean true or false");
			return false;
		}
		out->exists = json_object_get_boolean(ans);
		return true;
	}
	switch (it->type) {
	case QT_BOOLEAN:
		if (strcmp(akey, "answerBoolean") != 0 || !qj_is(ans, json_type_boolean))
			break;
		out->v.b = json_object_get_boolean(ans);
		return true;
	case QT_CHOICE:
		idx = -1;
		if (strcmp(akey, "answerCoding") == 0 && qj_is(ans, json_type_object) &&
		    (code = id_of(qj_get(ans, "code"))) != NULL)
			idx = find_option(it, code, qj_is(qj_get(ans, "system"), json_type_string) ?
			    json_object_get_string(qj_get(ans, "system")) : NULL, 0, QK_CODING);
		else if (strcmp(akey, "answerString") == 0 && qj_is(ans, json_type_string))
			idx = find_option(it, json_object_get_string(ans), NULL, 0, QK_STRING);
		else if (strcmp(akey, "answerInteger") == 0 && qj_is(ans, json_type_int))
			idx = find_option(it, NULL, NULL, json_object_get_int64(ans), QK_INTEGER);
		else
			break;
		if (idx < 0) {
			problem(c, where, "%s is not an option of question \"%s\"", akey, q);
			return false;
		}
		out->v.i = idx;
		return true;
	case QT_INTEGER:
	case QT_DECIMAL:
		if ((strcmp(akey, "answerInteger") == 0 && qj_is(ans, json_type_int)) ||
		    (strcmp(akey, "answerDecimal") == 0 && is_number(ans))) {
			out->v.d = json_object_get_double(ans);
			return true;
		}
		break;
	case QT_STRING:
	case QT_TEXT:
		if (strcmp(akey, "answerString") != 0 || qj_text(ans, QDEF_MAX_TEXT, true) == NULL)
			break;
		out->v.s = json_object_get_string(ans);
		return true;
	case QT_DATE:
		if (strcmp(akey, "answerDate") != 0 || !qj_is(ans, json_type_string) ||
		    !date_ok(c->pool, json_object_get_string(ans),
		    (size_t)json_object_get_string_len(ans)))
			break;
		out->v.s = json_object_get_string(ans);
		return true;
	default:
		break;
	}
	problem(c, where, "%s does not suit %s question \"%s\"", akey, qtype_name(it->type), q);
	return false;
}

int
qcond_parse(struct pool *pool, const struct qdef *d, struct json_object *o, const char *where,
    struct qerrs *errs, struct qcond *out)
{
	struct ctx	c;
	bool		ok;

	memset(&c, 0, sizeof(c));
	c.pool = pool;
	c.errs = errs;
	c.def = (struct qdef *)(uintptr_t)d;	/* only read */
	ok = parse_cond(&c, o, d->nitems, where, out);
	return c.oom ? -2 : ok ? 0 : -1;
}

/* Appends a problem to errs (as the parsers do). 0, or -2 on out-of-memory. */
int
qerr_add(struct pool *pool, struct qerrs *errs, const char *field, const char *detail)
{
	struct ctx	c;

	memset(&c, 0, sizeof(c));
	c.pool = pool;
	c.errs = errs;
	problem(&c, field, "%s", detail);
	return c.oom ? -2 : 0;
}

static void
parse_conds(struct ctx *c, struct json_object *list, struct json_object *behavior,
    size_t limit, const char *where, struct qcond **conds, size_t *n, bool *any)
{
	size_t		 i, len;
	const char	*b;
	char		 sub[160];

	*n = 0;
	*any = false;
	if (behavior != NULL) {
		b = qj_is(behavior, json_type_string) ? json_object_get_string(behavior) : "";
		if (strcmp(b, "any") == 0)
			*any = true;
		else if (strcmp(b, "all") != 0)
			problem(c, where, "enableBehavior must be all or any");
	}
	if (list == NULL)
		return;
	if (!qj_is(list, json_type_array) || (len = json_object_array_length(list)) == 0) {
		problem(c, where, "enableWhen must be a non-empty list");
		return;
	}
	if (len > QDEF_MAX_CONDS) {
		problem(c, where, "enableWhen has more than %d conditions", QDEF_MAX_CONDS);
		return;
	}
	if (len > 1 && behavior == NULL)
		problem(c, where, "enableBehavior (all or any) is needed with more than one"
		    " enableWhen");
	if ((*conds = pool_calloc(c->pool, len, sizeof(**conds))) == NULL) {
		c->oom = true;
		return;
	}
	for (i = 0; i < len; i++) {
		(void)snprintf(sub, sizeof(sub), "%s.enableWhen[%zu]", where, i);
		if (parse_cond(c, json_object_array_get_idx(list, i), limit, sub, &(*conds)[*n]))
			(*n)++;
	}
}

static bool
ext_number(struct json_object *e, enum qtype t, struct pool *pool, struct qval *out)
{
	struct json_object	*v;

	if (t == QT_INTEGER && qj_is(v = qj_get(e, "valueInteger"), json_type_int)) {
		out->d = (double)json_object_get_int64(v);
		return true;
	}
	if (t == QT_DECIMAL && ((v = qj_get(e, "valueDecimal")) != NULL ||
	    (v = qj_get(e, "valueInteger")) != NULL) && is_number(v)) {
		out->d = json_object_get_double(v);
		return true;
	}
	if (t == QT_DATE && qj_is(v = qj_get(e, "valueDate"), json_type_string) &&
	    date_ok(pool, json_object_get_string(v), (size_t)json_object_get_string_len(v))) {
		out->s = json_object_get_string(v);
		return true;
	}
	return false;
}

/* extension[] of an item: minValue/maxValue are read; other URLs are ignored (FHIR). */
static void
parse_item_ext(struct ctx *c, struct json_object *list, struct qitem *it, const char *where)
{
	struct json_object	*e;
	const char		*url;
	size_t			 i;

	if (list == NULL)
		return;
	if (!qj_is(list, json_type_array) || json_object_array_length(list) > 20) {
		problem(c, where, "extension must be a list (at most 20)");
		return;
	}
	for (i = 0; i < json_object_array_length(list); i++) {
		e = json_object_array_get_idx(list, i);
		url = qj_is(qj_get(e, "url"), json_type_string) ? json_object_get_string(qj_get(e, "url")) :
		    NULL;
		if (url == NULL) {
			problem(c, where, "extension[%zu] needs a url", i);
			continue;
		}
		if (strcmp(url, MINVALUE_URL) != 0 && strcmp(url, MAXVALUE_URL) != 0)
			continue;
		if (it->type != QT_INTEGER && it->type != QT_DECIMAL && it->type != QT_DATE) {
			problem(c, where, "minValue/maxValue only suit integer, decimal and date");
			continue;
		}
		if (strcmp(url, MINVALUE_URL) == 0) {
			if (!(it->has_min = ext_number(e, it->type, c->pool, &it->min)))
				problem(c, where, "minValue must be a %s", qtype_name(it->type));
		} else if (!(it->has_max = ext_number(e, it->type, c->pool, &it->max)))
			problem(c, where, "maxValue must be a %s", qtype_name(it->type));
	}
	if (it->has_min && it->has_max && (it->type == QT_DATE ? strcmp(it->min.s, it->max.s) > 0 :
	    it->min.d > it->max.d))
		problem(c, where, "minValue is above maxValue");
}

static void
parse_options(struct ctx *c, struct json_object *list, struct qitem *it, const char *where)
{
	struct json_object	*o, *v, *ext, *e;
	struct qopt		*op;
	size_t			 i, j, len;
	char			 num[32];

	if (list == NULL) {
		if (it->type == QT_CHOICE)
			problem(c, where, "a choice question needs answerOption");
		return;
	}
	if (it->type != QT_CHOICE) {
		problem(c, where, "answerOption only suits choice questions");
		return;
	}
	if (!qj_is(list, json_type_array) || (len = json_object_array_length(list)) == 0 ||
	    len > QDEF_MAX_OPTIONS) {
		problem(c, where, "answerOption must be a list of 1 to %d options", QDEF_MAX_OPTIONS);
		return;
	}
	if ((it->opts = pool_calloc(c->pool, len, sizeof(*it->opts))) == NULL) {
		c->oom = true;
		return;
	}
	for (i = 0; i < len; i++) {
		o = json_object_array_get_idx(list, i);
		op = &it->opts[it->nopts];
		if (!qj_is(o, json_type_object)) {
			problem(c, where, "answerOption[%zu] must be an object", i);
			continue;
		}
		only_keys(c, o, "|valueCoding|valueString|valueInteger|extension|initialSelected|",
		    where);
		if ((v = qj_get(o, "valueCoding")) != NULL) {
			op->kind = QK_CODING;
			if (!qj_is(v, json_type_object) || (op->code = id_of(qj_get(v, "code"))) == NULL) {
				problem(c, where, "answerOption[%zu].valueCoding needs a code"
				    " (1 to 64 letters, digits or ._:/-)", i);
				continue;
			}
			only_keys(c, v, "|system|code|display|version|", where);
			op->display = qj_text(qj_get(v, "display"), 500, false);
			if (qj_get(v, "display") != NULL && op->display == NULL)
				problem(c, where, "answerOption[%zu].valueCoding.display must be text", i);
			op->system = qj_text(qj_get(v, "system"), 500, false);
			if (qj_get(v, "system") != NULL && op->system == NULL)
				problem(c, where, "answerOption[%zu].valueCoding.system must be a URI", i);
		} else if ((v = qj_get(o, "valueString")) != NULL) {
			op->kind = QK_STRING;
			if ((op->code = qj_text(v, 500, false)) == NULL) {
				problem(c, where, "answerOption[%zu].valueString must be text", i);
				continue;
			}
		} else if ((v = qj_get(o, "valueInteger")) != NULL) {
			op->kind = QK_INTEGER;
			if (!qj_is(v, json_type_int)) {
				problem(c, where, "answerOption[%zu].valueInteger must be an integer", i);
				continue;
			}
			op->ival = json_object_get_int64(v);
			(void)snprintf(num, sizeof(num), "%lld", (long long)op->ival);
			if ((op->code = pool_strdup(c->pool, num)) == NULL) {
				c->oom = true;
				return;
			}
		} else {
			problem(c, where, "answerOption[%zu] needs valueCoding, valueString or"
			    " valueInteger", i);
			continue;
		}
		if ((ext = qj_get(o, "extension")) != NULL) {
			if (!qj_is(ext, json_type_array) || json_object_array_length(ext) > 10) {
				problem(c, where, "answerOption[%zu].extension must be a list", i);
				continue;
			}
			for (j = 0; j < json_object_array_length(ext); j++) {
				const char *url;
				e = json_object_array_get_idx(ext, j);
				url = qj_is(qj_get(e, "url"), json_type_string) ?
				    json_object_get_string(qj_get(e, "url")) : "";
				if (strcmp(url, ORDINAL_URL) != 0 && strcmp(url, ITEMWEIGHT_URL) != 0)
					continue;
				v = qj_get(e, "valueDecimal");
				if (v == NULL)
					v = qj_get(e, "valueInteger");
				if (!is_number(v) || fabs(json_object_get_double(v)) > 1e9) {
					problem(c, where, "answerOption[%zu] ordinalValue must be a number", i);
					continue;
				}
				op->has_ordinal = true;
				op->ordinal = json_object_get_double(v);
			}
		}
		if (it->nopts > 0 && op->kind != it->opts[0].kind) {
			problem(c, where, "answerOption[%zu] is of another kind than the first option", i);
			continue;
		}
		for (j = 0; j < it->nopts; j++)
			if (strcmp(it->opts[j].code, op->code) == 0)
				break;
		if (j < it->nopts) {
			problem(c, where, "answerOption[%zu] repeats the option \"%s\"", i, op->code);
			continue;
		}
		it->nopts++;
	}
}

static void parse_items(struct ctx *, struct json_object *, int, int, const char *);

static void
parse_item(struct ctx *c, struct json_object *o, int parent, int depth, const char *where)
{
	struct qdef		*d = c->def;
	struct qitem		*it;
	struct json_object	*v;
	const char		*link, *tname;
	char			 self[200];
	size_t			 idx;

	if (!qj_is(o, json_type_object)) {
		problem(c, where, "must be an object");
		return;
	}
	if (d->nitems >= QDEF_MAX_ITEMS) {
		if (d->nitems == QDEF_MAX_ITEMS)
			problem(c, where, "a questionnaire has at most %d items", QDEF_MAX_ITEMS);
		d->nitems++;	/* counts past the limit once, to report it once */
		return;
	}
	only_keys(c, o, "|linkId|text|type|required|repeats|answerOption|enableWhen|"
	    "enableBehavior|item|maxLength|extension|prefix|definition|code|readOnly|"
	    "initial|id|", where);
	if ((link = id_of(qj_get(o, "linkId"))) == NULL) {
		problem(c, where, "linkId is required: 1 to 64 letters, digits or ._:/-");
		return;
	}
	(void)snprintf(self, sizeof(self), "%s", link);
	if (qdef_find(d, link) >= 0) {
		problem(c, self, "linkId \"%s\" is used more than once", link);
		return;
	}
	idx = d->nitems++;
	it = &d->items[idx];
	it->link_id = link;
	it->parent = parent;
	it->depth = depth;
	v = qj_get(o, "type");
	tname = qj_is(v, json_type_string) ? json_object_get_string(v) : "";
	if ((it->type = qtype_from_name(tname)) == QT__MAX) {
		problem(c, self, "type \"%.40s\" is not one of boolean, choice, integer, decimal,"
		    " string, text, date, group, display", tname);
		it->type = QT_DISPLAY;	/* keep going; the definition is refused anyway */
	}
	if ((v = qj_get(o, "text")) != NULL && (it->text = qj_text(v, QDEF_MAX_TEXT, true)) == NULL)
		problem(c, self, "text must be 1 to %d characters", QDEF_MAX_TEXT);
	if (it->text == NULL && it->type != QT_GROUP && qj_get(o, "text") == NULL)
		problem(c, self, "text is required");
	if ((v = qj_get(o, "required")) != NULL) {
		if (!qj_is(v, json_type_boolean))
			problem(c, self, "required must be true or false");
		else
			it->required = json_object_get_boolean(v);
	}
	if ((v = qj_get(o, "repeats")) != NULL) {
		if (!qj_is(v, json_type_boolean))
			problem(c, self, "repeats must be true or false");
		else
			it->repeats = json_object_get_boolean(v);
	}
	if ((it->type == QT_GROUP || it->type == QT_DISPLAY) && (it->required || it->repeats))
		problem(c, self, "a %s cannot be required or repeat", qtype_name(it->type));
	if ((v = qj_get(o, "maxLength")) != NULL) {
		if (it->type != QT_STRING && it->type != QT_TEXT)
			problem(c, self, "maxLength only suits string and text");
		else if (!qj_is(v, json_type_int) || json_object_get_int64(v) < 1 ||
		    json_object_get_int64(v) > QDEF_MAX_TEXT)
			problem(c, self, "maxLength must be 1 to %d", QDEF_MAX_TEXT);
		else
			it->max_length = (long)json_object_get_int64(v);
	}
	parse_options(c, qj_get(o, "answerOption"), it, self);
	parse_item_ext(c, qj_get(o, "extension"), it, self);
	parse_conds(c, qj_get(o, "enableWhen"), qj_get(o, "enableBehavior"), idx, self,
	    &it->conds, &it->nconds, &it->any);
	if ((v = qj_get(o, "item")) != NULL) {
		if (it->type != QT_GROUP)
			problem(c, self, "only a group may contain items");
		else if (depth + 1 >= QDEF_MAX_DEPTH)
			problem(c, self, "groups nest at most %d deep", QDEF_MAX_DEPTH);
		else
			parse_items(c, v, (int)idx, depth + 1, self);
	} else if (it->type == QT_GROUP)
		problem(c, self, "a group needs items");
}

static void
parse_items(struct ctx *c, struct json_object *list, int parent, int depth, const char *where)
{
	char	sub[200];
	size_t	i, len;

	if (!qj_is(list, json_type_array) || (len = json_object_array_length(list)) == 0) {
		problem(c, where, "item must be a non-empty list");
		return;
	}
	for (i = 0; i < len && !c->oom; i++) {
		(void)snprintf(sub, sizeof(sub), "%s.item[%zu]", where, i);
		parse_item(c, json_object_array_get_idx(list, i), parent, depth, sub);
	}
}

static int
flag_find(const struct qdef *d, const char *code)
{
	size_t	i;

	for (i = 0; i < d->nflags; i++)
		if (strcmp(d->flags[i].code, code) == 0)
			return (int)i;
	return -1;
}

static void
parse_flags(struct ctx *c, struct json_object *list)
{
	struct qdef		*d = c->def;
	struct json_object	*o;
	struct qflag		*f;
	char			 where[64];
	size_t			 i, len;

	if (list == NULL)
		return;
	if (!qj_is(list, json_type_array) || (len = json_object_array_length(list)) > QDEF_MAX_FLAGS) {
		problem(c, "flags", "must be a list of at most %d flags", QDEF_MAX_FLAGS);
		return;
	}
	if ((d->flags = pool_calloc(c->pool, len ? len : 1, sizeof(*d->flags))) == NULL) {
		c->oom = true;
		return;
	}
	for (i = 0; i < len; i++) {
		(void)snprintf(where, sizeof(where), "flags[%zu]", i);
		o = json_object_array_get_idx(list, i);
		f = &d->flags[d->nflags];
		if (!qj_is(o, json_type_object)) {
			problem(c, where, "must be an object {code, text, enableWhen?}");
			continue;
		}
		only_keys(c, o, "|code|text|enableWhen|enableBehavior|", where);
		if ((f->code = id_of(qj_get(o, "code"))) == NULL ||
		    (f->text = qj_text(qj_get(o, "text"), 1000, false)) == NULL) {
			problem(c, where, "needs a code and a text");
			continue;
		}
		if (flag_find(d, f->code) >= 0) {
			problem(c, where, "flag code \"%s\" is used more than once", f->code);
			continue;
		}
		parse_conds(c, qj_get(o, "enableWhen"), qj_get(o, "enableBehavior"), d->nitems, where,
		    &f->conds, &f->nconds, &f->any);
		d->nflags++;
	}
}

static void
parse_bands(struct ctx *c, struct json_object *list, struct qscore *s, const char *where)
{
	struct json_object	*o;
	struct qband		*b;
	size_t			 i, len;

	if (!qj_is(list, json_type_array) || (len = json_object_array_length(list)) == 0 ||
	    len > QDEF_MAX_BANDS) {
		problem(c, where, "bands must be a list of 1 to %d {min, max, code, label}",
		    QDEF_MAX_BANDS);
		return;
	}
	if ((s->bands = pool_calloc(c->pool, len, sizeof(*s->bands))) == NULL) {
		c->oom = true;
		return;
	}
	for (i = 0; i < len; i++) {
		o = json_object_array_get_idx(list, i);
		b = &s->bands[s->nbands];
		if (!qj_is(o, json_type_object)) {
			problem(c, where, "bands[%zu] must be an object", i);
			continue;
		}
		only_keys(c, o, "|min|max|code|label|flag|", where);
		if (!is_number(qj_get(o, "min")) || !is_number(qj_get(o, "max")) ||
		    (b->code = id_of(qj_get(o, "code"))) == NULL ||
		    (b->label = qj_text(qj_get(o, "label"), 200, false)) == NULL) {
			problem(c, where, "bands[%zu] needs numbers min and max, a code and a label", i);
			continue;
		}
		b->min = json_object_get_double(qj_get(o, "min"));
		b->max = json_object_get_double(qj_get(o, "max"));
		if (b->min > b->max) {
			problem(c, where, "bands[%zu] has min above max", i);
			continue;
		}
		if (s->nbands > 0 && b->min <= s->bands[s->nbands - 1].max) {
			problem(c, where, "bands[%zu] overlaps or precedes the band before it", i);
			continue;
		}
		if (qj_get(o, "flag") != NULL && ((b->flag = id_of(qj_get(o, "flag"))) == NULL ||
		    flag_find(c->def, b->flag) < 0)) {
			problem(c, where, "bands[%zu].flag must be the code of one of flags[]", i);
			continue;
		}
		s->nbands++;
	}
}

static void
parse_scoring(struct ctx *c, struct json_object *list)
{
	struct qdef		*d = c->def;
	struct json_object	*o, *items;
	struct qscore		*s;
	const char		*id;
	char			 where[64];
	size_t			 i, j, k, len, n;
	int			 idx;

	if (list == NULL)
		return;
	if (!qj_is(list, json_type_array) || (len = json_object_array_length(list)) > QDEF_MAX_SCORES) {
		problem(c, "scoring", "must be a list of at most %d scores", QDEF_MAX_SCORES);
		return;
	}
	if ((d->scores = pool_calloc(c->pool, len ? len : 1, sizeof(*d->scores))) == NULL) {
		c->oom = true;
		return;
	}
	for (i = 0; i < len; i++) {
		(void)snprintf(where, sizeof(where), "scoring[%zu]", i);
		o = json_object_array_get_idx(list, i);
		s = &d->scores[d->nscores];
		if (!qj_is(o, json_type_object)) {
			problem(c, where, "must be an object {name, title, items, bands}");
			continue;
		}
		only_keys(c, o, "|name|title|items|bands|", where);
		if ((s->name = id_of(qj_get(o, "name"))) == NULL ||
		    (s->title = qj_text(qj_get(o, "title"), 200, false)) == NULL) {
			problem(c, where, "needs a name and a title");
			continue;
		}
		for (j = 0; j < d->nscores; j++)
			if (strcmp(d->scores[j].name, s->name) == 0)
				break;
		if (j < d->nscores) {
			problem(c, where, "score name \"%s\" is used more than once", s->name);
			continue;
		}
		items = qj_get(o, "items");
		if (!qj_is(items, json_type_array) || (n = json_object_array_length(items)) == 0 ||
		    n > QDEF_MAX_ITEMS) {
			problem(c, where, "items must be a non-empty list of linkIds");
			continue;
		}
		if ((s->items = pool_calloc(c->pool, n, sizeof(*s->items))) == NULL) {
			c->oom = true;
			return;
		}
		for (j = 0; j < n; j++) {
			id = id_of(json_object_array_get_idx(items, j));
			idx = id != NULL ? qdef_find(d, id) : -1;
			if (idx < 0) {
				problem(c, where, "items[%zu] is not a linkId of this questionnaire", j);
				continue;
			}
			if (d->items[idx].type != QT_CHOICE) {
				problem(c, where, "item \"%s\" is not a choice question", id);
				continue;
			}
			for (k = 0; k < d->items[idx].nopts; k++)
				if (!d->items[idx].opts[k].has_ordinal)
					break;
			if (k < d->items[idx].nopts) {
				problem(c, where, "item \"%s\" has an option without ordinalValue", id);
				continue;
			}
			for (k = 0; k < s->nitems; k++)
				if (s->items[k] == idx)
					break;
			if (k < s->nitems) {
				problem(c, where, "item \"%s\" is listed twice", id);
				continue;
			}
			s->items[s->nitems++] = idx;
		}
		parse_bands(c, qj_get(o, "bands"), s, where);
		d->nscores++;
	}
}

int
qdef_find(const struct qdef *d, const char *link)
{
	size_t	i;

	for (i = 0; i < d->nitems && i < QDEF_MAX_ITEMS; i++)
		if (d->items[i].link_id != NULL && strcmp(d->items[i].link_id, link) == 0)
			return (int)i;
	return -1;
}

struct qdef *
qdef_parse(struct pool *pool, struct json_object *def, struct qerrs *errs)
{
	struct ctx		 c;
	struct json_object	*v;
	const char		*s;

	memset(errs, 0, sizeof(*errs));
	memset(&c, 0, sizeof(c));
	c.pool = pool;
	c.errs = errs;
	if ((c.def = pool_calloc(pool, 1, sizeof(*c.def))) == NULL ||
	    (c.def->items = pool_calloc(pool, QDEF_MAX_ITEMS, sizeof(*c.def->items))) == NULL)
		return NULL;
	if (!qj_is(def, json_type_object)) {
		problem(&c, "", "the definition must be a JSON object (a FHIR Questionnaire)");
		return NULL;
	}
	only_keys(&c, def, "|resourceType|id|url|version|name|title|status|description|"
	    "publisher|date|subjectType|purpose|copyright|language|meta|extension|code|item|"
	    "scoring|flags|", "");
	if ((v = qj_get(def, "resourceType")) != NULL && (!qj_is(v, json_type_string) ||
	    strcmp(json_object_get_string(v), "Questionnaire") != 0))
		problem(&c, "resourceType", "must be Questionnaire");
	if ((v = qj_get(def, "status")) != NULL) {
		s = qj_is(v, json_type_string) ? json_object_get_string(v) : "";
		if (strcmp(s, "draft") != 0 && strcmp(s, "active") != 0 &&
		    strcmp(s, "retired") != 0 && strcmp(s, "unknown") != 0)
			problem(&c, "status", "must be draft, active, retired or unknown");
	}
	if ((c.def->title = qj_text(qj_get(def, "title"), 200, false)) == NULL)
		problem(&c, "title", "is required: 1 to 200 characters");
	parse_items(&c, qj_get(def, "item"), -1, 0, "item");
	if (c.def->nitems > QDEF_MAX_ITEMS)
		c.def->nitems = QDEF_MAX_ITEMS;
	if (!c.oom && errs->n == 0)
		parse_flags(&c, qj_get(def, "flags"));
	if (!c.oom && errs->n == 0)
		parse_scoring(&c, qj_get(def, "scoring"));
	if (c.oom) {
		errs->n = 0;
		return NULL;
	}
	return errs->n == 0 ? c.def : NULL;
}

/* ---- answers ---- */

static const char *
check_value(struct pool *pool, const struct qitem *it, struct json_object *v, struct qval *out)
{
	struct field	 f = { "answer", V_STRING, false, 1, QDEF_MAX_TEXT, NULL, NULL };
	const char	*norm, *why;
	int64_t		 iv;
	int		 idx;

	memset(out, 0, sizeof(*out));
	switch (it->type) {
	case QT_BOOLEAN:
		if (!qj_is(v, json_type_boolean))
			return "must be true or false";
		out->b = json_object_get_boolean(v);
		return NULL;
	case QT_CHOICE:
		if (it->nopts == 0)
			return "has no options";
		if (it->opts[0].kind == QK_INTEGER) {
			if (!qj_is(v, json_type_int))
				return "must be one of the options";
			idx = find_option(it, NULL, NULL, json_object_get_int64(v), QK_INTEGER);
		} else {
			if (!qj_is(v, json_type_string))
				return "must be one of the options";
			idx = find_option(it, json_object_get_string(v), NULL, 0, it->opts[0].kind);
		}
		if (idx < 0)
			return "is not one of the options";
		out->i = idx;
		return NULL;
	case QT_INTEGER:
		if (!qj_is(v, json_type_int))
			return "must be a whole number";
		out->i = json_object_get_int64(v);
		out->d = (double)out->i;
		if (out->i > 1000000000000LL || out->i < -1000000000000LL)
			return "is out of range";
		break;
	case QT_DECIMAL:
		if (!is_number(v))
			return "must be a number";
		out->d = json_object_get_double(v);
		if (fabs(out->d) > 1e12)
			return "is out of range";
		break;
	case QT_STRING:
	case QT_TEXT:
	case QT_DATE:
		if (!qj_is(v, json_type_string))
			return it->type == QT_DATE ? "must be a date written YYYY-MM-DD" :
			    "must be text";
		f.type = it->type == QT_STRING ? V_STRING : it->type == QT_TEXT ? V_TEXT : V_DATE;
		if (it->max_length > 0)
			f.max = it->max_length;
		if (f.type == V_DATE)
			f.min = f.max = 10;
		if ((why = valid_value(pool, &f, json_object_get_string(v),
		    (size_t)json_object_get_string_len(v), &norm, &iv)) != NULL)
			return why;
		if (f.type != V_DATE && strspn(norm, " \t\r\n") == strlen(norm))
			return "must not be empty (send null to clear an answer)";
		out->s = norm;
		if (it->type != QT_DATE)
			return NULL;
		if (it->has_min && strcmp(out->s, it->min.s) < 0)
			return pool_printf(pool, "must be on or after %s", it->min.s);
		if (it->has_max && strcmp(out->s, it->max.s) > 0)
			return pool_printf(pool, "must be on or before %s", it->max.s);
		return NULL;
	default:
		return "takes no answer";
	}
	if (it->has_min && out->d < it->min.d)
		return pool_printf(pool, "must be at least %g", it->min.d);
	if (it->has_max && out->d > it->max.d)
		return pool_printf(pool, "must be at most %g", it->max.d);
	return NULL;
}

static void
ans_problem(struct pool *pool, struct qerrs *errs, const char *field, const char *why,
    bool *oom)
{
	if (errs->v == NULL &&
	    (errs->v = pool_calloc(pool, QDEF_MAX_ERRS, sizeof(*errs->v))) == NULL) {
		*oom = true;
		return;
	}
	if (errs->n >= QDEF_MAX_ERRS)
		return;
	errs->v[errs->n].field = pool_strdup(pool, field);
	errs->v[errs->n].detail = why != NULL ? why : "is not valid";
	if (errs->v[errs->n].field == NULL)
		*oom = true;
	else
		errs->n++;
}

int
qans_parse(struct pool *pool, const struct qdef *d, struct json_object *answers,
    struct qans *out, struct qerrs *errs)
{
	struct json_object_iterator	 it, end;
	struct json_object		*v, *e;
	const struct qitem		*item;
	const char			*key, *why;
	size_t				 n, i, j, count = 0;
	int				 idx;
	bool				 oom = false;
	char				 field[80];

	memset(errs, 0, sizeof(*errs));
	if ((out->n = pool_calloc(pool, d->nitems ? d->nitems : 1, sizeof(*out->n))) == NULL ||
	    (out->v = pool_calloc(pool, d->nitems ? d->nitems : 1, sizeof(*out->v))) == NULL)
		return -2;
	if (answers == NULL)
		return 0;
	if (!qj_is(answers, json_type_object)) {
		ans_problem(pool, errs, "answers", "must be an object of linkId: answer", &oom);
		return oom ? -2 : -1;
	}
	it = json_object_iter_begin(answers);
	end = json_object_iter_end(answers);
	for (; !json_object_iter_equal(&it, &end) && !oom; json_object_iter_next(&it)) {
		key = json_object_iter_peek_name(&it);
		v = json_object_iter_peek_value(&it);
		(void)snprintf(field, sizeof(field), "%.64s", key);
		if (++count > QDEF_MAX_ITEMS) {
			ans_problem(pool, errs, "answers", "has too many entries", &oom);
			break;
		}
		if ((idx = qdef_find(d, key)) < 0) {
			ans_problem(pool, errs, field, "is not a question of this questionnaire", &oom);
			continue;
		}
		item = &d->items[idx];
		if (item->type == QT_GROUP || item->type == QT_DISPLAY) {
			ans_problem(pool, errs, field, "takes no answer", &oom);
			continue;
		}
		if (v == NULL)
			continue;	/* null clears */
		if (qj_is(v, json_type_array)) {
			if (!item->repeats) {
				ans_problem(pool, errs, field, "takes one answer, not a list", &oom);
				continue;
			}
			if ((n = json_object_array_length(v)) > QDEF_MAX_REPEATS) {
				ans_problem(pool, errs, field, "has too many answers", &oom);
				continue;
			}
		} else
			n = 1;
		if (n == 0)
			continue;
		if ((out->v[idx] = pool_calloc(pool, n, sizeof(**out->v))) == NULL)
			return -2;
		for (i = 0; i < n; i++) {
			e = qj_is(v, json_type_array) ? json_object_array_get_idx(v, i) : v;
			if ((why = check_value(pool, item, e, &out->v[idx][i])) != NULL)
				break;
			for (j = 0; j < i; j++)
				if (item->type == QT_CHOICE && out->v[idx][j].i == out->v[idx][i].i)
					break;
			if (j < i) {
				why = "lists the same option twice";
				break;
			}
		}
		if (i < n) {
			ans_problem(pool, errs, field, why, &oom);
			continue;
		}
		out->n[idx] = n;
	}
	if (oom)
		return -2;
	return errs->n > 0 ? -1 : 0;
}

/* ---- evaluation ---- */

static int
cmp_val(const struct qitem *it, const struct qval *a, const struct qval *b)
{
	switch (it->type) {
	case QT_BOOLEAN:
		return (int)a->b - (int)b->b;
	case QT_CHOICE:
		return a->i == b->i ? 0 : a->i < b->i ? -1 : 1;
	case QT_INTEGER:
	case QT_DECIMAL:
		return a->d == b->d ? 0 : a->d < b->d ? -1 : 1;
	default:
		return strcmp(a->s != NULL ? a->s : "", b->s != NULL ? b->s : "");
	}
}

bool
qcond_holds(const struct qdef *d, const struct qans *a, const bool *enabled,
    const struct qcond *c)
{
	const struct qitem	*it;
	size_t			 n, i;
	int			 r;
	bool			 any = false;

	if (c->item < 0 || (size_t)c->item >= d->nitems)
		return false;
	it = &d->items[c->item];
	n = enabled[c->item] ? a->n[c->item] : 0;
	if (c->op == QO_EXISTS)
		return (n > 0) == c->exists;
	if (n == 0)
		return false;
	for (i = 0; i < n; i++) {
		r = cmp_val(it, &a->v[c->item][i], &c->v);
		switch (c->op) {
		case QO_EQ:
			any = any || r == 0;
			break;
		case QO_NE:
			if (r == 0)
				return false;
			any = true;
			break;
		case QO_GT:
			any = any || r > 0;
			break;
		case QO_LT:
			any = any || r < 0;
			break;
		case QO_GE:
			any = any || r >= 0;
			break;
		case QO_LE:
			any = any || r <= 0;
			break;
		default:
			return false;
		}
	}
	return any;
}

static bool
conds_hold(const struct qdef *d, const struct qans *a, const bool *enabled,
    const struct qcond *conds, size_t n, bool any)
{
	size_t	i;
	bool	h;

	if (n == 0)
		return true;
	for (i = 0; i < n; i++) {
		h = qcond_holds(d, a, enabled, &conds[i]);
		if (any && h)
			return true;
		if (!any && !h)
			return false;
	}
	return !any;
}

static bool
add_flag(struct qresult *r, const struct qdef *d, const char *code, const char *text)
{
	size_t	i;

	(void)d;
	for (i = 0; i < r->nflags; i++)
		if (strcmp(r->flags[i], code) == 0)
			return false;
	r->flags[r->nflags] = code;
	r->flag_texts[r->nflags] = text;
	r->nflags++;
	return true;
}

int
qeval(struct pool *pool, const struct qdef *d, const struct qans *a, struct qresult *r)
{
	const struct qitem	*it;
	const struct qopt	*op;
	struct qscore_res	*sr;
	size_t			 i, j, k, nit = d->nitems ? d->nitems : 1;
	int			 f;

	memset(r, 0, sizeof(*r));
	if ((r->enabled = pool_calloc(pool, nit, sizeof(*r->enabled))) == NULL ||
	    (r->remaining = pool_calloc(pool, nit, sizeof(*r->remaining))) == NULL ||
	    (r->scores = pool_calloc(pool, d->nscores ? d->nscores : 1, sizeof(*r->scores))) ==
	    NULL ||
	    (r->flags = pool_calloc(pool, d->nflags ? d->nflags : 1, sizeof(*r->flags))) == NULL ||
	    (r->flag_texts = pool_calloc(pool, d->nflags ? d->nflags : 1,
	    sizeof(*r->flag_texts))) == NULL)
		return -2;
	/* Pre-order and earlier-only conditions: one pass decides every item. */
	for (i = 0; i < d->nitems; i++) {
		it = &d->items[i];
		r->enabled[i] = (it->parent < 0 || r->enabled[it->parent]) &&
		    conds_hold(d, a, r->enabled, it->conds, it->nconds, it->any);
		if (r->enabled[i] && it->required && a->n[i] == 0 &&
		    it->type != QT_GROUP && it->type != QT_DISPLAY)
			r->remaining[r->nremaining++] = (int)i;
	}
	for (i = 0; i < d->nscores; i++) {
		sr = &r->scores[i];
		for (j = 0; j < d->scores[i].nitems; j++) {
			k = (size_t)d->scores[i].items[j];
			if (!r->enabled[k])
				continue;
			sr->counted++;
			if (a->n[k] == 0)
				continue;
			sr->answered++;
			for (f = 0; (size_t)f < a->n[k]; f++) {
				op = &d->items[k].opts[a->v[k][f].i];
				sr->value += op->ordinal;
			}
		}
		for (j = 0; j < d->scores[i].nbands; j++)
			if (sr->value >= d->scores[i].bands[j].min &&
			    sr->value <= d->scores[i].bands[j].max)
				sr->band = &d->scores[i].bands[j];
	}
	for (i = 0; i < d->nflags; i++)
		if (d->flags[i].nconds > 0 && conds_hold(d, a, r->enabled, d->flags[i].conds,
		    d->flags[i].nconds, d->flags[i].any))
			(void)add_flag(r, d, d->flags[i].code, d->flags[i].text);
	for (i = 0; i < d->nscores; i++)
		if (r->scores[i].band != NULL && r->scores[i].band->flag != NULL &&
		    r->scores[i].answered > 0 && (f = flag_find(d, r->scores[i].band->flag)) >= 0)
			(void)add_flag(r, d, d->flags[f].code, d->flags[f].text);
	return 0;
}

/* ---- JSON views ---- */

static struct json_object *
number(double v)
{
	if (v == floor(v) && fabs(v) < 9e15)
		return json_object_new_int64((int64_t)v);
	return json_object_new_double(v);
}

/* The JSON value of one answer, as the API takes it. */
static struct json_object *
value_json(const struct qitem *it, const struct qval *v)
{
	const struct qopt	*op;

	switch (it->type) {
	case QT_BOOLEAN:
		return json_object_new_boolean(v->b);
	case QT_CHOICE:
		op = &it->opts[v->i];
		return op->kind == QK_INTEGER ? json_object_new_int64(op->ival) :
		    json_object_new_string(op->code);
	case QT_INTEGER:
		return json_object_new_int64(v->i);
	case QT_DECIMAL:
		return number(v->d);
	default:
		return json_object_new_string(v->s != NULL ? v->s : "");
	}
}

struct json_object *
qans_json(const struct qdef *d, const struct qans *a, const bool *enabled)
{
	struct json_object	*o, *arr;
	size_t			 i, j;

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	for (i = 0; i < d->nitems; i++) {
		if (a->n[i] == 0 || (enabled != NULL && !enabled[i]))
			continue;
		if (!d->items[i].repeats) {
			json_object_object_add(o, d->items[i].link_id,
			    value_json(&d->items[i], &a->v[i][0]));
			continue;
		}
		arr = json_object_new_array();
		for (j = 0; j < a->n[i]; j++)
			json_object_array_add(arr, value_json(&d->items[i], &a->v[i][j]));
		json_object_object_add(o, d->items[i].link_id, arr);
	}
	return o;
}

struct json_object *
qstate_json(const struct qdef *d, const struct qresult *r)
{
	struct json_object	*o, *en, *rem, *sc, *s, *fl, *f;
	size_t			 i;

	o = json_object_new_object();
	en = json_object_new_array();
	rem = json_object_new_array();
	sc = json_object_new_object();
	fl = json_object_new_array();
	if (o == NULL || en == NULL || rem == NULL || sc == NULL || fl == NULL) {
		json_object_put(o);
		json_object_put(en);
		json_object_put(rem);
		json_object_put(sc);
		json_object_put(fl);
		return NULL;
	}
	for (i = 0; i < d->nitems; i++)
		if (r->enabled[i])
			json_object_array_add(en, json_object_new_string(d->items[i].link_id));
	for (i = 0; i < r->nremaining; i++)
		json_object_array_add(rem,
		    json_object_new_string(d->items[r->remaining[i]].link_id));
	for (i = 0; i < d->nscores; i++) {
		const struct qscore_res *x = &r->scores[i];
		s = json_object_new_object();
		json_object_object_add(s, "title", json_object_new_string(d->scores[i].title));
		json_object_object_add(s, "value", number(x->value));
		json_object_object_add(s, "band", x->band != NULL ?
		    json_object_new_string(x->band->code) : NULL);
		json_object_object_add(s, "label", x->band != NULL ?
		    json_object_new_string(x->band->label) : NULL);
		json_object_object_add(s, "answered", json_object_new_int64((int64_t)x->answered));
		json_object_object_add(s, "items", json_object_new_int64((int64_t)x->counted));
		json_object_object_add(s, "complete",
		    json_object_new_boolean(x->counted > 0 && x->answered == x->counted));
		json_object_object_add(sc, d->scores[i].name, s);
	}
	for (i = 0; i < r->nflags; i++) {
		f = json_object_new_object();
		json_object_object_add(f, "code", json_object_new_string(r->flags[i]));
		json_object_object_add(f, "text", json_object_new_string(r->flag_texts[i]));
		json_object_array_add(fl, f);
	}
	json_object_object_add(o, "enabled", en);
	json_object_object_add(o, "remaining_required", rem);
	json_object_object_add(o, "scores", sc);
	json_object_object_add(o, "flags", fl);
	return o;
}

/* ---- FHIR QuestionnaireResponse ---- */

static struct json_object *
fhir_answer(const struct qitem *it, const struct qval *v)
{
	struct json_object	*a = json_object_new_object(), *c;
	const struct qopt	*op;

	switch (it->type) {
	case QT_BOOLEAN:
		json_object_object_add(a, "valueBoolean", json_object_new_boolean(v->b));
		break;
	case QT_CHOICE:
		op = &it->opts[v->i];
		if (op->kind == QK_CODING) {
			c = json_object_new_object();
			if (op->system != NULL)
				json_object_object_add(c, "system", json_object_new_string(op->system));
			json_object_object_add(c, "code", json_object_new_string(op->code));
			if (op->display != NULL)
				json_object_object_add(c, "display",
				    json_object_new_string(op->display));
			json_object_object_add(a, "valueCoding", c);
		} else if (op->kind == QK_INTEGER)
			json_object_object_add(a, "valueInteger", json_object_new_int64(op->ival));
		else
			json_object_object_add(a, "valueString", json_object_new_string(op->code));
		break;
	case QT_INTEGER:
		json_object_object_add(a, "valueInteger", json_object_new_int64(v->i));
		break;
	case QT_DECIMAL:
		json_object_object_add(a, "valueDecimal", json_object_new_double(v->d));
		break;
	case QT_DATE:
		json_object_object_add(a, "valueDate", json_object_new_string(v->s));
		break;
	default:
		json_object_object_add(a, "valueString", json_object_new_string(v->s));
		break;
	}
	return a;
}

/* The item[] for the children of parent (-1: top level); NULL when empty. */
static struct json_object *
fhir_items(const struct qdef *d, const struct qans *a, const struct qresult *r, int parent,
    size_t from)
{
	struct json_object	*arr = NULL, *o, *kids, *ans;
	const struct qitem	*it;
	size_t			 i, j;

	for (i = from; i < d->nitems; i++) {
		it = &d->items[i];
		if (parent >= 0 && it->depth <= d->items[parent].depth)
			break;
		if (it->parent != parent || !r->enabled[i] || it->type == QT_DISPLAY)
			continue;
		if (it->type == QT_GROUP) {
			if ((kids = fhir_items(d, a, r, (int)i, i + 1)) == NULL)
				continue;
			o = json_object_new_object();
			json_object_object_add(o, "linkId", json_object_new_string(it->link_id));
			if (it->text != NULL)
				json_object_object_add(o, "text", json_object_new_string(it->text));
			json_object_object_add(o, "item", kids);
		} else {
			if (a->n[i] == 0)
				continue;
			o = json_object_new_object();
			json_object_object_add(o, "linkId", json_object_new_string(it->link_id));
			if (it->text != NULL)
				json_object_object_add(o, "text", json_object_new_string(it->text));
			ans = json_object_new_array();
			for (j = 0; j < a->n[i]; j++)
				json_object_array_add(ans, fhir_answer(it, &a->v[i][j]));
			json_object_object_add(o, "answer", ans);
		}
		if (arr == NULL)
			arr = json_object_new_array();
		json_object_array_add(arr, o);
	}
	return arr;
}

struct json_object *
qfhir_response(const struct qdef *d, const struct qans *a, const struct qresult *r,
    const char *id, const char *canonical, const char *status, const char *subject,
    const char *authored)
{
	struct json_object	*o, *s, *items;

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	json_object_object_add(o, "resourceType", json_object_new_string("QuestionnaireResponse"));
	json_object_object_add(o, "id", json_object_new_string(id));
	json_object_object_add(o, "questionnaire", json_object_new_string(canonical));
	json_object_object_add(o, "status", json_object_new_string(status));
	s = json_object_new_object();
	json_object_object_add(s, "reference", json_object_new_string(subject));
	json_object_object_add(o, "subject", s);
	if (authored != NULL)
		json_object_object_add(o, "authored", json_object_new_string(authored));
	if ((items = fhir_items(d, a, r, -1, 0)) != NULL)
		json_object_object_add(o, "item", items);
	return o;
}
