#ifndef CLINIC_VALID_H
#define CLINIC_VALID_H
/*
 * Validator tables (after kcgi's kvalid): each route names the fields it
 * takes, with a type and limits. valid_json()/valid_query() check every
 * field, collect every problem, and fill typed values. Unknown fields are
 * refused. Strings must be valid UTF-8 without control characters (except
 * newline and tab in V_TEXT) and without NUL.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_object;
struct pool;

enum vtype {
	V_STRING,	/* one line of text; min/max count characters */
	V_TEXT,		/* text that may contain newlines and tabs */
	V_EMAIL,	/* an address; lower-cased on output */
	V_PASSWORD,	/* any characters but control ones; min/max count characters */
	V_DATE,		/* YYYY-MM-DD, a real calendar date */
	V_DATETIME,	/* YYYY-MM-DDThh:mm:ss[.ffffff][Z] (UTC) */
	V_INT,		/* integer; min/max bound the value */
	V_BOOL,
	V_ENUM,		/* one of the '|'-separated words in `choices` */
	V_OTP,		/* exactly six digits */
	V__MAX
};

struct field {
	const char	*name;
	enum vtype	 type;
	bool		 required;
	long long	 min;		/* characters, or value for V_INT */
	long long	 max;
	const char	*choices;	/* V_ENUM */
	/*
	 * Optional further rule run on a value that passed its type's checks:
	 * returns NULL when fine or a reason (static or long-lived) when not.
	 */
	const char	*(*check)(const char *value);
};

struct val {
	bool		 present;
	const char	*s;		/* pool-owned text (all types, normalised) */
	size_t		 len;
	int64_t		 i;		/* V_INT, V_BOOL */
};

/* One problem: which field and why, in plain words. */
struct verr {
	const char	*field;
	const char	*detail;
};

struct vresult {
	struct val	*vals;		/* one per field, in table order */
	struct verr	*errs;
	size_t		 nerrs;
};

/*
 * Validates a parsed JSON object (or NULL meaning an empty body) against
 * fields[0..n). Fills out (pool-owned). Returns 0 when valid, -1 on problems
 * (out->errs lists each), -2 on out-of-memory.
 */
int	valid_json(struct pool *, const struct field *, size_t n,
	    struct json_object *obj, struct vresult *out);
/*
 * The same for a URL query string ("a=1&b=x"), percent-decoded. Duplicate
 * keys and unknown keys are problems.
 */
int	valid_query(struct pool *, const struct field *, size_t n,
	    const char *qs, struct vresult *out);
/*
 * Checks one text value of the given field type; returns NULL if fine or a
 * static reason. On success, *norm is the pool-owned normalised form.
 */
const char *valid_value(struct pool *, const struct field *, const char *s,
	    size_t len, const char **norm, int64_t *ival);
/* True when s[0..len) is well-formed UTF-8 (no overlongs, no surrogates). */
bool	valid_utf8(const char *s, size_t len, size_t *nchars);
/* Percent-decodes s[0..len) into pool memory ('+' is a space). NULL on bad escapes. */
char	*valid_urldecode(struct pool *, const char *s, size_t len, size_t *outlen);

/*
 * The string member name of o, or NULL when o is NULL or the member is
 * missing or not a string. Borrowed: it lives as long as o.
 */
const char	*valid_str_member(struct json_object *o, const char *name);

#endif
