/*
 * intake's pure evaluator (modules/intake/qeval.c) and eligibility rules
 * (qrules.c): every enableWhen operator on every type that takes it, all and
 * any, nested groups disabling their children, answers to disabled items
 * ignored, answer checks named by linkId, scores and bands, bad definitions
 * refused with the problem named, rules' outcomes, and the FHIR view.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "err.h"
#include "pool.h"
#include "qeval.h"
#include "qrules.h"
#include "unit.h"

static void
put(void *o)
{
	json_object_put(o);
}

/* A JSON tree owned by the test's pool (put at teardown). */
static struct json_object *
J(const char *text)
{
	struct json_object	*o = json_tokener_parse(text);

	ck_assert_msg(o != NULL, "test JSON does not parse: %s", text);
	ck_assert_int_eq(pool_cleanup(unit_pool, put, o), 0);
	return o;
}

static struct qdef *
compile(const char *text)
{
	struct qerrs	 errs;
	struct qdef	*d = qdef_parse(unit_pool, J(text), &errs);

	ck_assert_msg(d != NULL, "definition refused: %s %s", errs.n ? errs.v[0].field : "",
	    errs.n ? errs.v[0].detail : "(out of memory)");
	return d;
}

/* The problems of a definition that must be refused, as "field: detail\n" lines. */
static const char *
refusal(const char *text)
{
	static char	 buf[4096];
	struct qerrs	 errs;
	size_t		 i, n = 0;

	ck_assert_msg(qdef_parse(unit_pool, J(text), &errs) == NULL, "accepted: %s", text);
	ck_assert_msg(errs.n > 0, "refused without a reason: %s", text);
	buf[0] = '\0';
	for (i = 0; i < errs.n && n < sizeof(buf); i++)
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s: %s\n", errs.v[i].field,
		    errs.v[i].detail);
	return buf;
}

#define REFUSED(def, needle) do { \
	const char *why_ = refusal(def); \
	ck_assert_msg(strstr(why_, needle) != NULL, "wanted \"%s\" in:\n%s", needle, why_); \
} while (0)

static struct qresult
run(const struct qdef *d, const char *answers, struct qans *a)
{
	struct qresult	 r;
	struct qerrs	 errs;
	struct qans	 local;

	if (a == NULL)
		a = &local;
	ck_assert_msg(qans_parse(unit_pool, d, J(answers), a, &errs) == 0,
	    "answers refused: %s %s", errs.n ? errs.v[0].field : "", errs.n ? errs.v[0].detail : "");
	ck_assert_int_eq(qeval(unit_pool, d, a, &r), 0);
	return r;
}

static bool
on(const struct qdef *d, const struct qresult *r, const char *link)
{
	int	i = qdef_find(d, link);

	ck_assert_msg(i >= 0, "no item %s", link);
	return r->enabled[i];
}

static bool
remains(const struct qdef *d, const struct qresult *r, const char *link)
{
	size_t	i;

	for (i = 0; i < r->nremaining; i++)
		if (strcmp(d->items[r->remaining[i]].link_id, link) == 0)
			return true;
	return false;
}

/* One question q of type t, then item "t" shown when q <op> <answer>. */
static struct qdef *
one_cond(const char *qtype, const char *extra, const char *cond)
{
	char	buf[2048];

	(void)snprintf(buf, sizeof(buf), "{\"title\": \"T\", \"item\": ["
	    "{\"linkId\": \"q\", \"text\": \"Q\", \"type\": \"%s\"%s},"
	    "{\"linkId\": \"t\", \"text\": \"T\", \"type\": \"string\", \"required\": true,"
	    " \"enableWhen\": [%s]}]}", qtype, extra, cond);
	return compile(buf);
}

static bool
shown(struct qdef *d, const char *qanswer)
{
	char		buf[512];
	struct qresult	r;

	if (qanswer == NULL)
		(void)snprintf(buf, sizeof(buf), "{}");
	else
		(void)snprintf(buf, sizeof(buf), "{\"q\": %s}", qanswer);
	r = run(d, buf, NULL);
	/* Shown, required and unanswered: it is also what remains. */
	ck_assert(on(d, &r, "t") == remains(d, &r, "t"));
	return on(d, &r, "t");
}

#define COND(op, ans)	"{\"question\": \"q\", \"operator\": \"" op "\", " ans "}"

START_TEST(integer_every_operator)
{
	struct qdef	*d;

	d = one_cond("integer", "", COND("exists", "\"answerBoolean\": true"));
	ck_assert(!shown(d, NULL) && shown(d, "0"));
	d = one_cond("integer", "", COND("exists", "\"answerBoolean\": false"));
	ck_assert(shown(d, NULL) && !shown(d, "0"));
	d = one_cond("integer", "", COND("=", "\"answerInteger\": 5"));
	ck_assert(shown(d, "5") && !shown(d, "4") && !shown(d, NULL));
	d = one_cond("integer", "", COND("!=", "\"answerInteger\": 5"));
	ck_assert(!shown(d, "5") && shown(d, "4") && !shown(d, NULL));
	d = one_cond("integer", "", COND(">", "\"answerInteger\": 5"));
	ck_assert(shown(d, "6") && !shown(d, "5") && !shown(d, NULL));
	d = one_cond("integer", "", COND("<", "\"answerInteger\": 5"));
	ck_assert(shown(d, "4") && !shown(d, "5") && shown(d, "-3"));
	d = one_cond("integer", "", COND(">=", "\"answerInteger\": 5"));
	ck_assert(shown(d, "5") && shown(d, "6") && !shown(d, "4"));
	d = one_cond("integer", "", COND("<=", "\"answerInteger\": 5"));
	ck_assert(shown(d, "5") && shown(d, "4") && !shown(d, "6"));
}
END_TEST

START_TEST(decimal_date_string_boolean_operators)
{
	struct qdef	*d;

	d = one_cond("decimal", "", COND(">", "\"answerDecimal\": 2.5"));
	ck_assert(shown(d, "2.6") && !shown(d, "2.5") && shown(d, "3"));
	d = one_cond("decimal", "", COND("<=", "\"answerInteger\": 2"));
	ck_assert(shown(d, "2.0") && shown(d, "1.99") && !shown(d, "2.01"));
	d = one_cond("date", "", COND("<", "\"answerDate\": \"2000-01-01\""));
	ck_assert(shown(d, "\"1999-12-31\"") && !shown(d, "\"2000-01-01\""));
	d = one_cond("date", "", COND(">=", "\"answerDate\": \"2000-01-01\""));
	ck_assert(shown(d, "\"2000-01-01\"") && shown(d, "\"2024-02-29\"") &&
	    !shown(d, "\"1990-05-05\""));
	d = one_cond("string", "", COND("=", "\"answerString\": \"yes\""));
	ck_assert(shown(d, "\"yes\"") && !shown(d, "\"Yes\""));
	d = one_cond("text", "", COND("!=", "\"answerString\": \"none\""));
	ck_assert(shown(d, "\"some\\nlines\"") && !shown(d, "\"none\"") && !shown(d, NULL));
	d = one_cond("boolean", "", COND("=", "\"answerBoolean\": true"));
	ck_assert(shown(d, "true") && !shown(d, "false") && !shown(d, NULL));
	d = one_cond("boolean", "", COND("!=", "\"answerBoolean\": true"));
	ck_assert(!shown(d, "true") && shown(d, "false"));
	d = one_cond("boolean", "", COND("exists", "\"answerBoolean\": true"));
	ck_assert(shown(d, "false") && !shown(d, NULL));
}
END_TEST

#define OPTS ", \"answerOption\": [{\"valueCoding\": {\"code\": \"a\"}}," \
	" {\"valueCoding\": {\"code\": \"b\"}}, {\"valueCoding\": {\"code\": \"c\"}}]"

START_TEST(choice_equality_and_repeats)
{
	struct qdef	*d;

	d = one_cond("choice", OPTS, COND("=", "\"answerCoding\": {\"code\": \"b\"}"));
	ck_assert(shown(d, "\"b\"") && !shown(d, "\"a\""));
	d = one_cond("choice", OPTS ", \"repeats\": true",
	    COND("=", "\"answerCoding\": {\"code\": \"b\"}"));
	ck_assert(shown(d, "[\"a\", \"b\"]") && !shown(d, "[\"a\", \"c\"]") && !shown(d, "[]"));
	/* != holds when answered and no answer is the value. */
	d = one_cond("choice", OPTS ", \"repeats\": true",
	    COND("!=", "\"answerCoding\": {\"code\": \"b\"}"));
	ck_assert(shown(d, "[\"a\", \"c\"]") && !shown(d, "[\"a\", \"b\"]") && !shown(d, NULL));
	d = one_cond("choice", ", \"answerOption\": [{\"valueString\": \"x\"}, {\"valueString\":"
	    " \"y\"}]", COND("=", "\"answerString\": \"y\""));
	ck_assert(shown(d, "\"y\"") && !shown(d, "\"x\""));
	d = one_cond("choice", ", \"answerOption\": [{\"valueInteger\": 1}, {\"valueInteger\":"
	    " 2}]", COND("!=", "\"answerInteger\": 1"));
	ck_assert(shown(d, "2") && !shown(d, "1"));
}
END_TEST

static const char TWO_CONDS[] = "{\"title\": \"T\", \"item\": ["
    "{\"linkId\": \"a\", \"text\": \"A\", \"type\": \"boolean\"},"
    "{\"linkId\": \"b\", \"text\": \"B\", \"type\": \"boolean\"},"
    "{\"linkId\": \"t\", \"text\": \"T\", \"type\": \"string\", \"enableBehavior\": \"%s\","
    " \"enableWhen\": [{\"question\": \"a\", \"operator\": \"=\", \"answerBoolean\": true},"
    " {\"question\": \"b\", \"operator\": \"=\", \"answerBoolean\": true}]}]}";

START_TEST(all_and_any)
{
	char		 buf[1024];
	struct qdef	*all, *any;
	struct qresult	 r;

	(void)snprintf(buf, sizeof(buf), TWO_CONDS, "all");
	all = compile(buf);
	(void)snprintf(buf, sizeof(buf), TWO_CONDS, "any");
	any = compile(buf);
	r = run(all, "{\"a\": true, \"b\": true}", NULL);
	ck_assert(on(all, &r, "t"));
	r = run(all, "{\"a\": true, \"b\": false}", NULL);
	ck_assert(!on(all, &r, "t"));
	r = run(all, "{\"a\": true}", NULL);
	ck_assert(!on(all, &r, "t"));
	r = run(any, "{\"a\": false, \"b\": true}", NULL);
	ck_assert(on(any, &r, "t"));
	r = run(any, "{\"a\": true}", NULL);
	ck_assert(on(any, &r, "t"));
	r = run(any, "{\"a\": false, \"b\": false}", NULL);
	ck_assert(!on(any, &r, "t"));
	r = run(any, "{}", NULL);
	ck_assert(!on(any, &r, "t"));
}
END_TEST

static const char NESTED[] = "{\"title\": \"T\", \"item\": ["
    "{\"linkId\": \"gate\", \"text\": \"Gate\", \"type\": \"boolean\", \"required\": true},"
    "{\"linkId\": \"outer\", \"type\": \"group\", \"text\": \"Outer\","
    " \"enableWhen\": [{\"question\": \"gate\", \"operator\": \"=\", \"answerBoolean\": true}],"
    " \"item\": ["
    "  {\"linkId\": \"o1\", \"text\": \"O1\", \"type\": \"boolean\", \"required\": true},"
    "  {\"linkId\": \"inner\", \"type\": \"group\", \"item\": ["
    "   {\"linkId\": \"deep\", \"text\": \"Deep\", \"type\": \"choice\", \"required\": true,"
    "    \"answerOption\": [{\"valueCoding\": {\"code\": \"0\"}, \"extension\": [{\"url\":"
    "    \"http://hl7.org/fhir/StructureDefinition/ordinalValue\", \"valueDecimal\": 0}]},"
    "    {\"valueCoding\": {\"code\": \"3\"}, \"extension\": [{\"url\":"
    "    \"http://hl7.org/fhir/StructureDefinition/ordinalValue\", \"valueDecimal\": 3}]}]}]}]},"
    "{\"linkId\": \"after\", \"text\": \"After\", \"type\": \"string\", \"required\": true,"
    " \"enableWhen\": [{\"question\": \"o1\", \"operator\": \"exists\","
    " \"answerBoolean\": true}]}],"
    " \"flags\": [{\"code\": \"deep-high\", \"text\": \"Deep is high\", \"enableWhen\":"
    "  [{\"question\": \"deep\", \"operator\": \"=\", \"answerCoding\": {\"code\": \"3\"}}]}],"
    " \"scoring\": [{\"name\": \"s\", \"title\": \"S\", \"items\": [\"deep\"],"
    "  \"bands\": [{\"min\": 0, \"max\": 1, \"code\": \"low\", \"label\": \"Low\"},"
    "  {\"min\": 2, \"max\": 3, \"code\": \"high\", \"label\": \"High\"}]}]}";

START_TEST(nested_groups_disable_their_children)
{
	struct qdef	*d = compile(NESTED);
	struct qresult	 r;
	struct qans	 a;
	struct json_object *clean;

	r = run(d, "{\"gate\": true}", NULL);
	ck_assert(on(d, &r, "outer") && on(d, &r, "inner") && on(d, &r, "deep"));
	ck_assert(remains(d, &r, "o1") && remains(d, &r, "deep") && !remains(d, &r, "after"));

	/* Closing the gate disables the whole subtree, however deep, and what hangs on it. */
	r = run(d, "{\"gate\": false, \"o1\": true, \"deep\": \"3\"}", &a);
	ck_assert(!on(d, &r, "outer") && !on(d, &r, "inner") && !on(d, &r, "deep"));
	ck_assert(!on(d, &r, "o1"));
	ck_assert_msg(!on(d, &r, "after"), "an answer to a disabled item enabled another");
	ck_assert_uint_eq(r.nremaining, 0);
	/* ... and its answers count for nothing: no score, no flag. */
	ck_assert(r.scores[0].value == 0 && r.scores[0].answered == 0 && r.scores[0].counted == 0);
	ck_assert_uint_eq(r.nflags, 0);
	clean = qans_json(d, &a, r.enabled);
	ck_assert_str_eq(json_object_to_json_string_ext(clean, JSON_C_TO_STRING_PLAIN),
	    "{\"gate\":false}");
	json_object_put(clean);

	r = run(d, "{\"gate\": true, \"o1\": true, \"deep\": \"3\"}", NULL);
	ck_assert(on(d, &r, "after") && remains(d, &r, "after"));
	ck_assert(r.scores[0].value == 3 && r.scores[0].band != NULL);
	ck_assert_str_eq(r.scores[0].band->code, "high");
	ck_assert_uint_eq(r.nflags, 1);
	ck_assert_str_eq(r.flags[0], "deep-high");
}
END_TEST

/* PHQ-9-shaped: nine items scored 0-3, the standard bands, severe raises a flag. */
static char *
phq_def(void)
{
	static char	buf[16384];
	size_t		n;
	int		i;
	static const char opt[] = "{\"valueCoding\": {\"code\": \"%d\"}, \"extension\": [{\"url\":"
	    " \"http://hl7.org/fhir/StructureDefinition/ordinalValue\", \"valueDecimal\": %d}]}";

	n = (size_t)snprintf(buf, sizeof(buf), "{\"title\": \"PHQ\", \"item\": [");
	for (i = 1; i <= 9; i++) {
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s{\"linkId\": \"p%d\", \"text\": "
		    "\"Item %d\", \"type\": \"choice\", \"required\": true, \"answerOption\": [",
		    i > 1 ? "," : "", i, i);
		for (int v = 0; v <= 3; v++) {
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, v ? "," : "");
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, opt, v, v);
		}
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "]}");
	}
	(void)snprintf(buf + n, sizeof(buf) - n, "], \"flags\": [{\"code\": \"sev\", \"text\":"
	    " \"Severe\"}], \"scoring\": [{\"name\": \"phq9\", \"title\": \"PHQ-9\", \"items\":"
	    " [\"p1\",\"p2\",\"p3\",\"p4\",\"p5\",\"p6\",\"p7\",\"p8\",\"p9\"], \"bands\": ["
	    "{\"min\": 0, \"max\": 4, \"code\": \"minimal\", \"label\": \"Minimal\"},"
	    "{\"min\": 5, \"max\": 9, \"code\": \"mild\", \"label\": \"Mild\"},"
	    "{\"min\": 10, \"max\": 14, \"code\": \"moderate\", \"label\": \"Moderate\"},"
	    "{\"min\": 15, \"max\": 19, \"code\": \"moderately-severe\", \"label\": \"MS\"},"
	    "{\"min\": 20, \"max\": 27, \"code\": \"severe\", \"label\": \"Severe\","
	    " \"flag\": \"sev\"}]}]}");
	return buf;
}

/* Answers giving a total of `total` over the nine items. */
static const char *
phq_answers(int total)
{
	static char	buf[512];
	size_t		n = 0;
	int		i, v;

	n += (size_t)snprintf(buf, sizeof(buf), "{");
	for (i = 1; i <= 9; i++) {
		v = total >= 3 ? 3 : total;
		total -= v;
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s\"p%d\": \"%d\"", i > 1 ? "," : "",
		    i, v);
	}
	(void)snprintf(buf + n, sizeof(buf) - n, "}");
	return buf;
}

START_TEST(scores_fall_in_their_bands)
{
	static const struct { int total; const char *band; bool flag; } cases[] = {
		{ 0, "minimal", false }, { 4, "minimal", false }, { 5, "mild", false },
		{ 9, "mild", false }, { 10, "moderate", false }, { 14, "moderate", false },
		{ 15, "moderately-severe", false }, { 19, "moderately-severe", false },
		{ 20, "severe", true }, { 27, "severe", true },
	};
	struct qdef	*d = compile(phq_def());
	struct qresult	 r;
	struct json_object *st;
	size_t		 i;

	for (i = 0; i < nitems(cases); i++) {
		r = run(d, phq_answers(cases[i].total), NULL);
		ck_assert_msg(r.scores[0].value == cases[i].total, "total %d", cases[i].total);
		ck_assert_msg(r.scores[0].band != NULL &&
		    strcmp(r.scores[0].band->code, cases[i].band) == 0, "total %d: band %s",
		    cases[i].total, r.scores[0].band ? r.scores[0].band->code : "none");
		ck_assert_uint_eq(r.nflags, cases[i].flag ? 1 : 0);
		ck_assert_uint_eq(r.scores[0].answered, 9);
	}
	/* Partly answered: the value so far, marked incomplete. */
	r = run(d, "{\"p1\": \"2\", \"p2\": \"1\"}", NULL);
	ck_assert(r.scores[0].value == 3 && r.scores[0].answered == 2 && r.scores[0].counted == 9);
	st = qstate_json(d, &r);
	ck_assert_str_eq(json_object_to_json_string_ext(json_object_object_get(
	    json_object_object_get(st, "scores"), "phq9"), JSON_C_TO_STRING_PLAIN),
	    "{\"title\":\"PHQ-9\",\"value\":3,\"band\":\"minimal\",\"label\":\"Minimal\","
	    "\"answered\":2,\"items\":9,\"complete\":false}");
	json_object_put(st);
	ck_assert_uint_eq(r.nremaining, 7);
}
END_TEST

static const char CHECKS[] = "{\"title\": \"T\", \"item\": ["
    "{\"linkId\": \"b\", \"text\": \"B\", \"type\": \"boolean\"},"
    "{\"linkId\": \"c\", \"text\": \"C\", \"type\": \"choice\", \"answerOption\":"
    " [{\"valueCoding\": {\"code\": \"x\"}}, {\"valueCoding\": {\"code\": \"y\"}}]},"
    "{\"linkId\": \"cr\", \"text\": \"CR\", \"type\": \"choice\", \"repeats\": true,"
    " \"answerOption\": [{\"valueCoding\": {\"code\": \"x\"}},"
    " {\"valueCoding\": {\"code\": \"y\"}}]},"
    "{\"linkId\": \"i\", \"text\": \"I\", \"type\": \"integer\", \"extension\": ["
    " {\"url\": \"http://hl7.org/fhir/StructureDefinition/minValue\", \"valueInteger\": 0},"
    " {\"url\": \"http://hl7.org/fhir/StructureDefinition/maxValue\", \"valueInteger\": 10}]},"
    "{\"linkId\": \"dec\", \"text\": \"D\", \"type\": \"decimal\"},"
    "{\"linkId\": \"s\", \"text\": \"S\", \"type\": \"string\", \"maxLength\": 5},"
    "{\"linkId\": \"tx\", \"text\": \"TX\", \"type\": \"text\"},"
    "{\"linkId\": \"dt\", \"text\": \"DT\", \"type\": \"date\"},"
    "{\"linkId\": \"g\", \"type\": \"group\", \"item\": [{\"linkId\": \"note\", \"text\":"
    " \"Read me\", \"type\": \"display\"}]}]}";

/* The detail for linkId when answers are refused, or NULL if accepted. */
static const char *
answer_problem(const struct qdef *d, const char *answers, const char *link)
{
	struct qans	a;
	struct qerrs	errs;
	size_t		i;

	if (qans_parse(unit_pool, d, J(answers), &a, &errs) == 0)
		return NULL;
	for (i = 0; i < errs.n; i++)
		if (strcmp(errs.v[i].field, link) == 0)
			return errs.v[i].detail;
	ck_abort_msg("refused, but not on %s", link);
	return NULL;
}

#define ANS_OK(json) ck_assert_msg(answer_problem(d, json, "") == NULL, "refused: %s", json)
#define ANS_BAD(json, link, why) do { \
	const char *w_ = answer_problem(d, json, link); \
	ck_assert_msg(w_ != NULL && strstr(w_, why) != NULL, "%s: got %s, want %s", json, \
	    w_ ? w_ : "(accepted)", why); \
} while (0)

START_TEST(answers_are_checked_against_their_items)
{
	struct qdef	*d = compile(CHECKS);

	ANS_OK("{\"b\": true, \"c\": \"y\", \"cr\": [\"x\", \"y\"], \"i\": 10, \"dec\": 2.5,"
	    " \"s\": \"abcde\", \"tx\": \"a\\nb\", \"dt\": \"2024-02-29\"}");
	ANS_OK("{\"b\": null, \"cr\": [], \"dec\": 3}");
	ANS_BAD("{\"b\": \"yes\"}", "b", "true or false");
	ANS_BAD("{\"c\": \"z\"}", "c", "not one of the options");
	ANS_BAD("{\"c\": [\"x\"]}", "c", "one answer, not a list");
	ANS_BAD("{\"cr\": [\"x\", \"x\"]}", "cr", "same option twice");
	ANS_BAD("{\"cr\": [\"x\", 3]}", "cr", "one of the options");
	ANS_BAD("{\"i\": 11}", "i", "at most 10");
	ANS_BAD("{\"i\": -1}", "i", "at least 0");
	ANS_BAD("{\"i\": 1.5}", "i", "whole number");
	ANS_BAD("{\"dec\": \"2\"}", "dec", "number");
	ANS_BAD("{\"s\": \"abcdef\"}", "s", "at most 5");
	ANS_BAD("{\"s\": \"a\\nb\"}", "s", "control");
	ANS_BAD("{\"s\": \"   \"}", "s", "empty");
	ANS_BAD("{\"dt\": \"2023-02-29\"}", "dt", "YYYY-MM-DD");
	ANS_BAD("{\"dt\": \"29/02/2024\"}", "dt", "YYYY-MM-DD");
	ANS_BAD("{\"nope\": 1}", "nope", "not a question");
	ANS_BAD("{\"note\": \"x\"}", "note", "takes no answer");
	ANS_BAD("{\"g\": \"x\"}", "g", "takes no answer");
	/* Every problem is named, not just the first. */
	{
		struct qans	a;
		struct qerrs	errs;
		ck_assert_int_eq(qans_parse(unit_pool, d, J("{\"b\": 1, \"c\": 2, \"i\": \"x\"}"),
		    &a, &errs), -1);
		ck_assert_uint_eq(errs.n, 3);
	}
}
END_TEST

#define DEF(items)	"{\"title\": \"T\", \"item\": [" items "]}"
#define BOOL_Q(id)	"{\"linkId\": \"" id "\", \"text\": \"Q\", \"type\": \"boolean\"}"

START_TEST(bad_definitions_are_refused_naming_the_problem)
{
	REFUSED(DEF(BOOL_Q("a") "," BOOL_Q("a")), "a: linkId \"a\" is used more than once");
	REFUSED(DEF("{\"linkId\": \"a\", \"text\": \"A\", \"type\": \"boolean\", \"enableWhen\":"
	    " [{\"question\": \"b\", \"operator\": \"=\", \"answerBoolean\": true}]}," BOOL_Q("b")),
	    "question \"b\" is not an earlier question");
	REFUSED(DEF("{\"linkId\": \"a\", \"text\": \"A\", \"type\": \"yesno\"}"),
	    "type \"yesno\" is not one of");
	REFUSED(DEF(BOOL_Q("a") ", {\"linkId\": \"b\", \"text\": \"B\", \"type\": \"string\","
	    " \"enableWhen\": [{\"question\": \"a\", \"operator\": \">\", \"answerBoolean\":"
	    " true}]}"), "operator > cannot be used with boolean question \"a\"");
	REFUSED(DEF(BOOL_Q("a") ", {\"linkId\": \"b\", \"text\": \"B\", \"type\": \"string\","
	    " \"enableWhen\": [{\"question\": \"a\", \"operator\": \"~\", \"answerBoolean\":"
	    " true}]}"), "operator must be one of");
	REFUSED(DEF("{\"linkId\": \"a\", \"text\": \"A\", \"type\": \"choice\", \"answerOption\":"
	    " [{\"valueCoding\": {\"code\": \"x\"}}]}, {\"linkId\": \"b\", \"text\": \"B\","
	    " \"type\": \"string\", \"enableWhen\": [{\"question\": \"a\", \"operator\": \"=\","
	    " \"answerCoding\": {\"code\": \"zz\"}}]}"), "is not an option of question \"a\"");
	REFUSED(DEF(BOOL_Q("a") ", {\"linkId\": \"b\", \"text\": \"B\", \"type\": \"string\","
	    " \"enableWhen\": [{\"question\": \"a\", \"operator\": \"=\", \"answerInteger\": 1}]}"),
	    "answerInteger does not suit boolean question \"a\"");
	REFUSED(DEF("{\"linkId\": \"a\", \"text\": \"A\", \"type\": \"choice\"}"),
	    "a: a choice question needs answerOption");
	REFUSED(DEF("{\"linkId\": \"g\", \"type\": \"group\"}"), "g: a group needs items");
	REFUSED(DEF("{\"linkId\": \"a\", \"text\": \"A\", \"type\": \"boolean\", \"enablewhen\":"
	    " []}"), "does not know: \"enablewhen\"");
	REFUSED(DEF("{\"text\": \"A\", \"type\": \"boolean\"}"), "linkId is required");
	REFUSED(DEF("{\"linkId\": \"a b\", \"text\": \"A\", \"type\": \"boolean\"}"),
	    "linkId is required");
	REFUSED("{\"item\": [" BOOL_Q("a") "]}", "title: is required");
	REFUSED("{\"title\": \"T\", \"item\": []}", "item must be a non-empty list");
	REFUSED("{\"title\": \"T\", \"resourceType\": \"Patient\", \"item\": [" BOOL_Q("a") "]}",
	    "resourceType: must be Questionnaire");
	REFUSED(DEF("{\"linkId\": \"g1\", \"type\": \"group\", \"item\": [{\"linkId\": \"g2\","
	    " \"type\": \"group\", \"item\": [{\"linkId\": \"g3\", \"type\": \"group\", \"item\": ["
	    "{\"linkId\": \"g4\", \"type\": \"group\", \"item\": [{\"linkId\": \"g5\", \"type\":"
	    " \"group\", \"item\": [{\"linkId\": \"g6\", \"type\": \"group\", \"item\": ["
	    BOOL_Q("deep") "]}]}]}]}]}]}"), "groups nest at most");
	REFUSED(DEF(BOOL_Q("a") ", {\"linkId\": \"b\", \"text\": \"B\", \"type\": \"string\","
	    " \"enableWhen\": [{\"question\": \"a\", \"operator\": \"=\", \"answerBoolean\": true},"
	    " {\"question\": \"a\", \"operator\": \"exists\", \"answerBoolean\": true}]}"),
	    "enableBehavior (all or any) is needed");
	REFUSED("{\"title\": \"T\", \"item\": [" BOOL_Q("a") "], \"scoring\": [{\"name\": \"s\","
	    " \"title\": \"S\", \"items\": [\"a\"], \"bands\": [{\"min\": 0, \"max\": 1, \"code\":"
	    " \"x\", \"label\": \"X\"}]}]}", "item \"a\" is not a choice question");
	REFUSED("{\"title\": \"T\", \"item\": [{\"linkId\": \"c\", \"text\": \"C\", \"type\":"
	    " \"choice\", \"answerOption\": [{\"valueCoding\": {\"code\": \"x\"}}]}], \"scoring\":"
	    " [{\"name\": \"s\", \"title\": \"S\", \"items\": [\"c\"], \"bands\": [{\"min\": 0,"
	    " \"max\": 1, \"code\": \"x\", \"label\": \"X\"}]}]}", "option without ordinalValue");
	REFUSED("{\"title\": \"T\", \"item\": [" BOOL_Q("a") "], \"flags\": [{\"code\": \"f\","
	    " \"text\": \"F\"}, {\"code\": \"f\", \"text\": \"G\"}]}", "flag code \"f\" is used more");
	{
		char *phq = phq_def(), *p = strstr(phq, "\"min\": 5");
		ck_assert_ptr_nonnull(p);
		memcpy(p, "\"min\": 4", 8);
		REFUSED(phq, "bands[1] overlaps");
	}
	/* Not an object at all. */
	REFUSED("[1, 2]", "must be a JSON object");
}
END_TEST

START_TEST(too_many_items_is_a_problem_not_a_crash)
{
	size_t	 cap = 64 * (QDEF_MAX_ITEMS + 10), n;
	char	*buf = pool_calloc(unit_pool, 1, cap);
	int	 i;

	n = (size_t)snprintf(buf, cap, "{\"title\": \"T\", \"item\": [");
	for (i = 0; i < QDEF_MAX_ITEMS + 5; i++)
		n += (size_t)snprintf(buf + n, cap - n, "%s{\"linkId\": \"q%d\", \"text\": \"Q\","
		    " \"type\": \"boolean\"}", i ? "," : "", i);
	(void)snprintf(buf + n, cap - n, "]}");
	REFUSED(buf, "at most 600 items");
}
END_TEST

static const char RULES[] = "{\"outcomes\": {"
    "\"eligible\": {\"title\": \"Yes\", \"text\": \"Book\"},"
    "\"needs_review\": {\"title\": \"Review\", \"text\": \"A doctor will look\"},"
    "\"not_eligible\": {\"title\": \"No\", \"text\": \"Sorry\", \"help\": [\"gp\"]}},"
    "\"help\": [{\"code\": \"gp\", \"title\": \"GP\", \"text\": \"See your GP\"},"
    " {\"code\": \"sam\", \"title\": \"Samaritans\", \"text\": \"116 123\"}],"
    "\"rules\": ["
    " {\"code\": \"minor\", \"outcome\": \"not_eligible\", \"text\": \"18+\","
    "  \"when\": [{\"fact\": \"age\", \"operator\": \"<\", \"value\": 18}]},"
    " {\"code\": \"no-age\", \"outcome\": \"needs_review\", \"text\": \"age?\","
    "  \"when\": [{\"fact\": \"age\", \"operator\": \"exists\", \"value\": false}]},"
    " {\"code\": \"two\", \"outcome\": \"not_eligible\", \"text\": \"two tried\","
    "  \"when\": [{\"count\": \"cr\", \"except\": [\"y\"], \"operator\": \"<\", \"value\": 1}]},"
    " {\"code\": \"yes\", \"outcome\": \"needs_review\", \"text\": \"b yes\", \"help\": [\"sam\"],"
    "  \"unless\": [{\"question\": \"b\", \"operator\": \"=\", \"answerBoolean\": false}]}]}";

START_TEST(rules_give_outcomes_reasons_and_help)
{
	struct qdef	*d = compile(CHECKS);
	struct qrules	*rules;
	struct qerrs	 errs;
	struct qverdict	 v;
	struct qans	 a;
	struct qresult	 r;

	ck_assert_ptr_nonnull(rules = qrules_parse(unit_pool, J(RULES), d, &errs));
	r = run(d, "{\"cr\": [\"x\"], \"b\": false}", &a);
	ck_assert_int_eq(qrules_eval(unit_pool, rules, d, &a, &r, 30, &v), 0);
	ck_assert_int_eq(v.outcome, QOUT_ELIGIBLE);
	ck_assert_uint_eq(v.nreasons, 0);
	ck_assert_uint_eq(v.nhelp, 0);

	/* Under 18 and only the uncounted option: both not_eligible reasons, GP help. */
	r = run(d, "{\"cr\": [\"y\"], \"b\": false}", &a);
	ck_assert_int_eq(qrules_eval(unit_pool, rules, d, &a, &r, 17, &v), 0);
	ck_assert_int_eq(v.outcome, QOUT_NOT_ELIGIBLE);
	ck_assert_uint_eq(v.nreasons, 2);
	ck_assert_str_eq(v.reasons[0]->code, "minor");
	ck_assert_str_eq(v.reasons[1]->code, "two");
	ck_assert_uint_eq(v.nhelp, 1);

	/* "unless" fires when its condition fails (b unanswered); help of the rule shown. */
	r = run(d, "{\"cr\": [\"x\"]}", &a);
	ck_assert_int_eq(qrules_eval(unit_pool, rules, d, &a, &r, 40, &v), 0);
	ck_assert_int_eq(v.outcome, QOUT_NEEDS_REVIEW);
	ck_assert_uint_eq(v.nreasons, 1);
	ck_assert_str_eq(v.reasons[0]->code, "yes");
	ck_assert_uint_eq(v.nhelp, 1);
	ck_assert_str_eq(rules->help[v.help[0]].code, "sam");

	/* Unknown age: needs review. */
	r = run(d, "{\"cr\": [\"x\"], \"b\": false}", &a);
	ck_assert_int_eq(qrules_eval(unit_pool, rules, d, &a, &r, -1, &v), 0);
	ck_assert_int_eq(v.outcome, QOUT_NEEDS_REVIEW);
	ck_assert_str_eq(v.reasons[0]->code, "no-age");
}
END_TEST

START_TEST(bad_rules_are_refused_naming_the_problem)
{
	struct qdef	*d = compile(CHECKS);
	struct qerrs	 errs;
	char		 buf[4096];
	char		*p;

	(void)snprintf(buf, sizeof(buf), "%s", RULES);
	ck_assert_ptr_nonnull(p = strstr(buf, "\"count\": \"cr\""));
	memcpy(p, "\"count\": \"zz\"", 13);
	ck_assert_ptr_null(qrules_parse(unit_pool, J(buf), d, &errs));
	ck_assert_uint_eq(errs.n, 1);
	ck_assert_str_eq(errs.v[0].field, "rules[2].when[0]");
	ck_assert_ptr_nonnull(strstr(errs.v[0].detail, "count must name a question"));

	(void)snprintf(buf, sizeof(buf), "%s", RULES);
	ck_assert_ptr_nonnull(p = strstr(buf, "\"help\": [\"sam\"]"));
	memcpy(p, "\"help\": [\"xyz\"]", 15);
	ck_assert_ptr_null(qrules_parse(unit_pool, J(buf), d, &errs));
	ck_assert_ptr_nonnull(strstr(errs.v[0].detail, "not the code of an entry in help"));

	ck_assert_ptr_null(qrules_parse(unit_pool, J("{\"rules\": []}"), d, &errs));
	ck_assert_uint_ge(errs.n, 4);	/* help, three outcomes, rules */
}
END_TEST

START_TEST(fhir_view_nests_groups_and_omits_disabled)
{
	struct qdef		*d = compile(NESTED);
	struct qans		 a;
	struct qresult		 r;
	struct json_object	*f;
	const char		*s;

	r = run(d, "{\"gate\": true, \"o1\": true, \"deep\": \"3\", \"after\": \"x\"}", &a);
	f = qfhir_response(d, &a, &r, "9", "urn:q|2", "completed", "Patient/4",
	    "2026-01-02T03:04:05Z");
	s = json_object_to_json_string_ext(f, JSON_C_TO_STRING_PLAIN);
	ck_assert_str_eq(s, "{\"resourceType\":\"QuestionnaireResponse\",\"id\":\"9\","
	    "\"questionnaire\":\"urn:q|2\",\"status\":\"completed\",\"subject\":{\"reference\":"
	    "\"Patient\\/4\"},\"authored\":\"2026-01-02T03:04:05Z\",\"item\":["
	    "{\"linkId\":\"gate\",\"text\":\"Gate\",\"answer\":[{\"valueBoolean\":true}]},"
	    "{\"linkId\":\"outer\",\"text\":\"Outer\",\"item\":["
	    "{\"linkId\":\"o1\",\"text\":\"O1\",\"answer\":[{\"valueBoolean\":true}]},"
	    "{\"linkId\":\"inner\",\"item\":[{\"linkId\":\"deep\",\"text\":\"Deep\",\"answer\":"
	    "[{\"valueCoding\":{\"code\":\"3\"}}]}]}]},"
	    "{\"linkId\":\"after\",\"text\":\"After\",\"answer\":[{\"valueString\":\"x\"}]}]}");
	json_object_put(f);

	r = run(d, "{\"gate\": false, \"o1\": true, \"after\": \"x\"}", &a);
	f = qfhir_response(d, &a, &r, "9", "urn:q|2", "in-progress", "Patient/4", NULL);
	s = json_object_to_json_string_ext(f, JSON_C_TO_STRING_PLAIN);
	ck_assert_msg(strstr(s, "outer") == NULL && strstr(s, "after") == NULL, "%s", s);
	json_object_put(f);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite	*s = suite_create("intake");
	TCase	*tc;

	tc = tcase_create("enableWhen");
	tcase_add_checked_fixture(tc, unit_pool_setup, unit_pool_teardown);
	tcase_add_test(tc, integer_every_operator);
	tcase_add_test(tc, decimal_date_string_boolean_operators);
	tcase_add_test(tc, choice_equality_and_repeats);
	tcase_add_test(tc, all_and_any);
	tcase_add_test(tc, nested_groups_disable_their_children);
	suite_add_tcase(s, tc);

	tc = tcase_create("answers and scores");
	tcase_add_checked_fixture(tc, unit_pool_setup, unit_pool_teardown);
	tcase_add_test(tc, answers_are_checked_against_their_items);
	tcase_add_test(tc, scores_fall_in_their_bands);
	tcase_add_test(tc, fhir_view_nests_groups_and_omits_disabled);
	suite_add_tcase(s, tc);

	tc = tcase_create("definitions and rules");
	tcase_add_checked_fixture(tc, unit_pool_setup, unit_pool_teardown);
	tcase_add_test(tc, bad_definitions_are_refused_naming_the_problem);
	tcase_add_test(tc, too_many_items_is_a_problem_not_a_crash);
	tcase_add_test(tc, rules_give_outcomes_reasons_and_help);
	tcase_add_test(tc, bad_rules_are_refused_naming_the_problem);
	suite_add_tcase(s, tc);
	return s;
}
