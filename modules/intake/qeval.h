#ifndef CLINIC_QEVAL_H
#define CLINIC_QEVAL_H
/*
 * The questionnaire evaluator: pure (no database, no FastCGI), so the
 * server, the unit tests and the fuzz target share it.
 *
 * A definition is a FHIR R4 Questionnaire (JSON, parsed with json-c) plus
 * two clinic elements, "scoring" and "flags" (docs/API.md#intake describes
 * the format). qdef_parse() checks it completely and names every problem;
 * qans_parse() checks a map of answers (linkId -> value or array of values)
 * against it; qeval() computes what a patient sees and what a clinician
 * needs: which items are enabled, which required ones are unanswered,
 * scores with their bands, and flags. Answers to disabled items are
 * ignored everywhere (enablement, scores, flags, rules, FHIR output).
 *
 * Memory: everything is allocated from the caller's pool and lives until it
 * is reset. Strings may point into the json-c trees passed in, so those
 * trees must outlive the results (the caller keeps its reference).
 * Every input is bounded (QDEF_MAX_* below): oversized or too deeply nested
 * input is a named problem, never a crash.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "valid.h"

struct pool;
struct json_object;

#define QDEF_MAX_ITEMS		600	/* items of all kinds in one definition */
#define QDEF_MAX_DEPTH		6	/* nested groups */
#define QDEF_MAX_OPTIONS	100	/* answerOption per item */
#define QDEF_MAX_CONDS		20	/* enableWhen per item or flag */
#define QDEF_MAX_LINKID		64	/* characters */
#define QDEF_MAX_TEXT		4000	/* characters of item text, answer strings */
#define QDEF_MAX_SCORES		20
#define QDEF_MAX_BANDS		20
#define QDEF_MAX_FLAGS		20
#define QDEF_MAX_REPEATS	100	/* answers to one repeating item */
#define QDEF_MAX_ERRS		64	/* problems reported (the rest are dropped) */

enum qtype {
	QT_BOOLEAN,
	QT_CHOICE,
	QT_INTEGER,
	QT_DECIMAL,
	QT_STRING,
	QT_TEXT,
	QT_DATE,
	QT_GROUP,
	QT_DISPLAY,
	QT__MAX
};

enum qop {
	QO_EXISTS,
	QO_EQ,
	QO_NE,
	QO_GT,
	QO_LT,
	QO_GE,
	QO_LE,
	QO__MAX
};

/* Kinds of answer option. */
enum qokind {
	QK_CODING,
	QK_STRING,
	QK_INTEGER,
	QK__MAX
};

/* One value: which member is set depends on the item's type. */
struct qval {
	bool		 b;		/* boolean */
	int64_t		 i;		/* integer; choice: the option index */
	double		 d;		/* decimal (also integer, for comparisons) */
	const char	*s;		/* string, text, date (YYYY-MM-DD) */
};

struct qopt {
	enum qokind	 kind;
	const char	*code;		/* coding code; string value; integer as text */
	const char	*display;	/* coding display (or NULL) */
	const char	*system;	/* coding system (or NULL) */
	int64_t		 ival;		/* integer option */
	bool		 has_ordinal;
	double		 ordinal;	/* ordinalValue extension (scores) */
};

struct qcond {
	int		 item;		/* index of the question it depends on */
	enum qop	 op;
	struct qval	 v;		/* the answer compared with (unused for exists) */
	bool		 exists;	/* exists: answerBoolean */
};

struct qitem {
	const char	*link_id;
	const char	*text;
	enum qtype	 type;
	bool		 required;
	bool		 repeats;
	int		 parent;	/* index of the enclosing group, -1 at top */
	int		 depth;
	struct qopt	*opts;
	size_t		 nopts;
	struct qcond	*conds;
	size_t		 nconds;
	bool		 any;		/* enableBehavior any (default all) */
	long		 max_length;	/* string/text: 0 = QDEF_MAX_TEXT */
	bool		 has_min, has_max;
	struct qval	 min, max;	/* minValue/maxValue extensions */
};

struct qband {
	double		 min, max;
	const char	*code;
	const char	*label;
	const char	*flag;		/* flag code raised in this band, or NULL */
};

struct qscore {
	const char	*name;
	const char	*title;
	int		*items;		/* choice items whose option ordinals are summed */
	size_t		 nitems;
	struct qband	*bands;
	size_t		 nbands;
};

struct qflag {
	const char	*code;
	const char	*text;
	struct qcond	*conds;
	size_t		 nconds;
	bool		 any;
};

struct qdef {
	struct qitem	*items;		/* pre-order: a group comes before its children */
	size_t		 nitems;
	const char	*title;
	struct qscore	*scores;
	size_t		 nscores;
	struct qflag	*flags;
	size_t		 nflags;
};

/* A list of problems, {field, detail} as reply_invalid() takes them. */
struct qerrs {
	struct verr	*v;
	size_t		 n;
};

/* Answers by item index (n[i] == 0: unanswered). */
struct qans {
	size_t		*n;
	struct qval	**v;
};

struct qscore_res {
	double		 value;
	size_t		 answered;	/* of the score's items, answered and enabled */
	size_t		 counted;	/* of the score's items, enabled */
	const struct qband *band;	/* NULL when no band holds value */
};

struct qresult {
	bool		*enabled;	/* per item */
	int		*remaining;	/* indexes of required, enabled, unanswered questions */
	size_t		 nremaining;
	struct qscore_res *scores;	/* per def->scores */
	const char	**flags;	/* codes raised (flag rules, then bands), no repeats */
	const char	**flag_texts;
	size_t		 nflags;
};

/* The index of s in names[0..n), or n when absent (or s is NULL). */
int		 qname_find(const char *const *names, int n, const char *s);
/* JSON helpers for the parsers: o's member key (borrowed) or NULL. */
struct json_object *qj_get(struct json_object *o, const char *key);
/* Whether o is not NULL and of json-c type t (enum json_type). */
bool		 qj_is(struct json_object *o, int t);
/*
 * o's string when it is 1..max characters of UTF-8 without control
 * characters (lines: newline, tab and CR allowed), else NULL. Borrowed.
 */
const char	*qj_text(struct json_object *o, size_t max, bool lines);

/* "boolean" -> QT_BOOLEAN...; QT__MAX if unknown. And back. */
enum qtype	 qtype_from_name(const char *);
const char	*qtype_name(enum qtype);

/*
 * Checks and compiles a definition. Returns the compiled definition, or
 * NULL with every problem in errs (errs->n > 0; field is "item[2].item[0]
 * (linkId x).enableWhen[1]"-style, detail in plain words). NULL with
 * errs->n == 0 means out of memory. def is borrowed.
 */
struct qdef	*qdef_parse(struct pool *, struct json_object *def, struct qerrs *errs);

/* The index of linkId, or -1. */
int		 qdef_find(const struct qdef *, const char *link_id);

/*
 * Checks answers (a JSON object: linkId -> value, or an array of values for
 * repeating items; null or [] clear the answer) against def. Every problem
 * names its linkId as the field. Returns 0 and fills *out, -1 on problems
 * (errs filled), -2 on out-of-memory. answers is borrowed (may be NULL: no
 * answers). An answer to a disabled item is accepted here (if it is a valid
 * value) and ignored by qeval().
 */
int		 qans_parse(struct pool *, const struct qdef *, struct json_object *answers,
		    struct qans *out, struct qerrs *errs);

/* Computes enablement, remaining required items, scores and flags. 0, or -2 on OOM. */
int		 qeval(struct pool *, const struct qdef *, const struct qans *, struct qresult *);

/* Whether one condition holds for the answers, given the enablement so far. */
bool		 qcond_holds(const struct qdef *, const struct qans *, const bool *enabled,
		    const struct qcond *);

/*
 * Parses one enableWhen-style condition ({question, operator, answer[x]})
 * on any question of d; a problem is appended to errs under where.
 * 0, -1 on a problem, -2 on out-of-memory.
 */
int		 qcond_parse(struct pool *, const struct qdef *, struct json_object *,
		    const char *where, struct qerrs *errs, struct qcond *out);
/* Appends {field, detail} to errs (copied). 0, or -2 on out-of-memory. */
int		 qerr_add(struct pool *, struct qerrs *, const char *field, const char *detail);

/* Whether op is allowed for a question of type t. */
bool		 qop_allowed(enum qtype t, enum qop op);
/* "=" -> QO_EQ...; QO__MAX if unknown. */
enum qop	 qop_from_name(const char *);

/*
 * JSON views (new objects; the caller owns them, NULL on OOM):
 * qstate_json: {"enabled": [linkIds], "remaining_required": [linkIds],
 *   "scores": {name: {title, value, band, label, complete}}, "flags": [{code, text}]}
 * qans_json: the answers map of enabled items only (disabled ones dropped).
 */
struct json_object *qstate_json(const struct qdef *, const struct qresult *);
struct json_object *qans_json(const struct qdef *, const struct qans *, const bool *enabled);

/*
 * A FHIR R4 QuestionnaireResponse: resourceType, id, questionnaire
 * (canonical|version), status, subject, authored, nested item[] with
 * answer[] (disabled items and unanswered questions omitted; groups with
 * nothing answered inside omitted). NULL on OOM.
 */
struct json_object *qfhir_response(const struct qdef *, const struct qans *,
		    const struct qresult *, const char *id, const char *canonical,
		    const char *status, const char *subject, const char *authored);

#endif
