#ifndef CLINIC_QRULES_H
#define CLINIC_QRULES_H
/*
 * Eligibility rules as data (docs/API.md#intake-rules), pure like qeval:
 * qrules_parse() checks a rules document against the questionnaire
 * definition it will judge (every question, score and flag it names must
 * exist there) and names every problem; qrules_eval() applies it to a
 * submitted response and gives the outcome, the reasons in plain words and
 * where to seek help.
 *
 * Outcome: not_eligible if any not_eligible rule fires, else needs_review if
 * any needs_review rule fires, else eligible. A rule fires when all (or,
 * with "behavior": "any", any) of its "when" conditions hold, or when its
 * "unless" conditions do not. Memory as in qeval.h (pool; strings borrowed
 * from the JSON tree passed in).
 */
#include <stdbool.h>
#include <stddef.h>

#include "qeval.h"

#define QRULES_MAX_RULES	50
#define QRULES_MAX_HELP		20

enum qoutcome {
	QOUT_ELIGIBLE,
	QOUT_NEEDS_REVIEW,
	QOUT_NOT_ELIGIBLE,
	QOUT__MAX
};

enum qrc_kind {
	RC_QUESTION,	/* an enableWhen-style condition on an answer */
	RC_COUNT,	/* how many answers a (repeating) question has, minus "except" options */
	RC_SCORE,	/* a score's value */
	RC_FLAG,	/* a flag was raised */
	RC_AGE,		/* the patient's age in whole years (exists: date of birth known) */
	RC__MAX
};

struct qrcond {
	enum qrc_kind	 kind;
	struct qcond	 q;		/* RC_QUESTION */
	int		 item;		/* RC_COUNT */
	int		*except;	/* RC_COUNT: option indexes not counted */
	size_t		 nexcept;
	int		 score;		/* RC_SCORE: index in def->scores */
	const char	*flag;		/* RC_FLAG */
	enum qop	 op;		/* RC_COUNT, RC_SCORE, RC_AGE */
	double		 value;
	bool		 exists;	/* RC_AGE with exists */
};

struct qrule {
	const char	*code;
	const char	*text;		/* plain words for the patient */
	enum qoutcome	 outcome;
	struct qrcond	*conds;
	size_t		 nconds;
	bool		 any;
	bool		 unless;
	int		*help;		/* indexes into rules->help */
	size_t		 nhelp;
};

struct qhelp {
	const char	*code, *title, *text;
};

struct qrules {
	struct qrule	*rules;
	size_t		 nrules;
	struct qhelp	*help;
	size_t		 nhelp;
	const char	*title[QOUT__MAX];	/* headline per outcome */
	const char	*text[QOUT__MAX];	/* what happens next, per outcome */
	int		*out_help[QOUT__MAX];	/* help shown with every such outcome */
	size_t		 nout_help[QOUT__MAX];
};

struct qverdict {
	enum qoutcome	 outcome;
	const struct qrule **reasons;	/* rules fired whose outcome is the verdict's */
	size_t		 nreasons;
	const struct qrule **fired;	/* every rule that fired */
	size_t		 nfired;
	int		*help;		/* indexes into rules->help, no repeats, in table order */
	size_t		 nhelp;
};

/* "eligible" ... and back; QOUT__MAX if unknown. */
const char	*qoutcome_name(enum qoutcome);
enum qoutcome	 qoutcome_from_name(const char *);

/* NULL with errs filled on problems (errs->n == 0: out of memory). doc is borrowed. */
struct qrules	*qrules_parse(struct pool *, struct json_object *doc, const struct qdef *,
		    struct qerrs *errs);

/*
 * Applies rules to an evaluated response. age < 0: date of birth unknown.
 * 0, or -2 on out-of-memory.
 */
int		 qrules_eval(struct pool *, const struct qrules *, const struct qdef *,
		    const struct qans *, const struct qresult *, int age, struct qverdict *);

/*
 * {"outcome", "title", "text", "reasons": [{code, text}], "flags": [{code, text}],
 *  "help": [{code, title, text}]} — what the patient is shown. New object or NULL.
 */
struct json_object *qverdict_json(const struct qrules *, const struct qverdict *,
		    const struct qdef *, const struct qresult *);

#endif
