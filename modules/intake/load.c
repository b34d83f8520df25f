/* Loading questionnaires and rules, and reading JSON bodies: see intake.h. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "db.h"
#include "intake.h"
#include "log.h"
#include "pool.h"
#include "reply.h"
#include "req.h"

static const char SQL_DEF_LATEST[] =
    "SELECT qkey, version, title, definition, created_at FROM intake_questionnaire"
    " WHERE qkey = ? ORDER BY version DESC LIMIT 1";
static const char SQL_DEF_VERSION[] =
    "SELECT qkey, version, title, definition, created_at FROM intake_questionnaire"
    " WHERE qkey = ? AND version = ?";
static const char SQL_DEF_LATEST_LOCK[] =
    "SELECT qkey, version, title, definition, created_at FROM intake_questionnaire"
    " WHERE qkey = ? ORDER BY version DESC LIMIT 1 FOR UPDATE";
static const char SQL_RULES_LATEST[] =
    "SELECT version, rules FROM intake_rules WHERE qkey = ? ORDER BY version DESC LIMIT 1";

bool
intake_key_ok(const char *s)
{
	size_t	i;

	if (s == NULL || !(s[0] >= 'a' && s[0] <= 'z'))
		return false;
	for (i = 1; s[i] != '\0'; i++)
		if (i >= 64 || !((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
		    s[i] == '-'))
			return false;
	return true;
}

static void
put_json(void *arg)
{
	json_object_put(arg);
}

struct json_object *
intake_json(struct req *r, const char *text, size_t len)
{
	struct json_object	*o;
	const char		*why;

	if ((o = req_parse_json(text, len, &why)) == NULL)
		return NULL;
	if (pool_cleanup(r->pool, put_json, o) == -1) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

struct json_object *
intake_body(struct req *r)
{
	const char		*ct = r->content_type, *why;
	struct json_object	*o;

	if (r->bodylen == 0) {
		reply_field(r, 422, "", "the body must be a JSON object");
		return NULL;
	}
	if (ct == NULL || strncasecmp(ct, "application/json", 16) != 0 ||
	    (ct[16] != '\0' && ct[16] != ';' && ct[16] != ' ')) {
		reply_problem(r, 415, "unsupported-media-type", "The body must be JSON",
		    "Send Content-Type: application/json.");
		return NULL;
	}
	if ((o = req_parse_json(r->body, r->bodylen, &why)) == NULL) {
		if (why == NULL)
			reply_field(r, 422, "", "the body must be a JSON object");
		else
			reply_problem(r, 400, "malformed-json", "The body is not valid JSON", why);
		return NULL;
	}
	if (pool_cleanup(r->pool, put_json, o) == -1) {
		json_object_put(o);
		reply_internal(r, "out of memory");
		return NULL;
	}
	if (!json_object_is_type(o, json_type_object)) {
		reply_field(r, 422, "", "the body must be a JSON object");
		return NULL;
	}
	return o;
}

enum cerr
intake_load(struct req *r, const char *key, int64_t version, bool lock, struct qloaded *out)
{
	struct db_res	*res;
	struct qerrs	 errs;
	enum cerr	 rc;

	memset(out, 0, sizeof(*out));
	if (version > 0)
		rc = db_exec(r->db, r->pool, &res, SQL_DEF_VERSION, "si", key, version);
	else
		rc = db_exec(r->db, r->pool, &res, lock ? SQL_DEF_LATEST_LOCK : SQL_DEF_LATEST,
		    "s", key);
	if (rc != CE_OK)
		return rc;
	if (res->nrows == 0)
		return CE_NOTFOUND;
	out->key = res->rows[0][0];
	out->version = db_int(res->rows[0][1]);
	out->title = res->rows[0][2];
	out->created_at = res->rows[0][4];
	if ((out->json = intake_json(r, res->rows[0][3], res->lens[0][3])) == NULL) {
		log_err("questionnaire %s version %" PRId64 " is not JSON", key, out->version);
		return CE_INVALID;
	}
	if ((out->def = qdef_parse(r->pool, out->json, &errs)) == NULL) {
		if (errs.n == 0)
			return CE_NOMEM;
		log_err("questionnaire %s version %" PRId64 " does not compile: %s %s", key,
		    out->version, errs.v[0].field, errs.v[0].detail);
		return CE_INVALID;
	}
	return CE_OK;
}

enum cerr
intake_rules_load(struct req *r, const char *key, const struct qdef *def,
    struct qrules **rules, int64_t *version, struct qerrs *errs)
{
	struct db_res		*res;
	struct json_object	*o;
	enum cerr		 rc;

	memset(errs, 0, sizeof(*errs));
	*rules = NULL;
	*version = 0;
	if ((rc = db_exec(r->db, r->pool, &res, SQL_RULES_LATEST, "s", key)) != CE_OK)
		return rc;
	if (res->nrows == 0)
		return CE_NOTFOUND;
	*version = db_int(res->rows[0][0]);
	if ((o = intake_json(r, res->rows[0][1], res->lens[0][1])) == NULL)
		return CE_INVALID;
	if ((*rules = qrules_parse(r->pool, o, def, errs)) == NULL)
		return errs->n == 0 ? CE_NOMEM : CE_INVALID;
	return CE_OK;
}

const char *
intake_iso(struct req *r, const char *s)
{
	char	*t;

	if (s == NULL || strlen(s) < 19 || (t = pool_printf(r->pool, "%sZ", s)) == NULL)
		return s;
	t[10] = 'T';
	return t;
}

struct json_object *
intake_str(const char *s)
{
	return s != NULL ? json_object_new_string(s) : NULL;
}
