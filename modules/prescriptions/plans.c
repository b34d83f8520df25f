/*
 * Treatment plans (issue 5, docs/API.md#plans): one per patient and
 * condition, each change a new version. The table is system-versioned, so
 * every earlier version stays in its history (plandiff.c reads it); each
 * version carries its own number, author, time and reason.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "audit.h"
#include "db.h"
#include "patient.h"
#include "pool.h"
#include "reply.h"
#include "req.h"
#include "rx.h"

static const char SQL_PLAN[] =
    "SELECT " PLAN_COLS " FROM treatment_plan WHERE id = ?";
static const char SQL_PLAN_LOCK[] =
    "SELECT " PLAN_COLS " FROM treatment_plan WHERE id = ? FOR UPDATE";

static void
put_json(void *o)
{
	json_object_put(o);
}

static int64_t
int_member(struct json_object *o, const char *name)
{
	struct json_object	*v;

	if (!json_object_object_get_ex(o, name, &v) || !json_object_is_type(v, json_type_int))
		return 0;
	return json_object_get_int64(v);
}

static const char *
str_member(struct pool *p, struct json_object *o, const char *name)
{
	const char	*s = valid_str_member(o, name);

	return pool_strdup(p, s != NULL ? s : "");
}

enum cerr
plan_from_row(struct pool *pool, char **row, struct plan *pl)
{
	struct json_object	*body, *a, *e;
	const char		*why;
	size_t			 i, n;

	memset(pl, 0, sizeof(*pl));
	pl->id = db_int(row[0]);
	pl->patient_id = db_int(row[1]);
	pl->condition = row[2];
	pl->version = db_int(row[3]);
	pl->active = row[4] != NULL && strcmp(row[4], "active") == 0;
	pl->author_id = db_int(row[6]);
	pl->reason = row[7];
	pl->changed_at = row[8];
	if (row[5] == NULL || (body = req_parse_json(row[5], strlen(row[5]), &why)) == NULL)
		return CE_DB;
	if (pool_cleanup(pool, put_json, body) == -1) {
		json_object_put(body);
		return CE_NOMEM;
	}
	pl->max_thc_mg_per_day = int_member(body, "max_thc_mg_per_day");
	if ((pl->review_date = str_member(pool, body, "review_date")) == NULL ||
	    (pl->notes = str_member(pool, body, "notes")) == NULL)
		return CE_NOMEM;
	if (json_object_object_get_ex(body, "items", &a) && json_object_is_type(a, json_type_array) &&
	    (n = json_object_array_length(a)) > 0) {
		if ((pl->items = pool_calloc(pool, n, sizeof(*pl->items))) == NULL)
			return CE_NOMEM;
		for (i = 0; i < n; i++) {
			e = json_object_array_get_idx(a, i);
			pl->items[i].product_id = int_member(e, "product_id");
			pl->items[i].daily_amount = int_member(e, "daily_amount");
			pl->items[i].max_per_30d = int_member(e, "max_per_30d");
			if ((pl->items[i].dose = str_member(pool, e, "dose")) == NULL)
				return CE_NOMEM;
		}
		pl->nitems = n;
	}
	if (json_object_object_get_ex(body, "form_limits", &a) &&
	    json_object_is_type(a, json_type_array) && (n = json_object_array_length(a)) > 0) {
		if ((pl->limits = pool_calloc(pool, n, sizeof(*pl->limits))) == NULL)
			return CE_NOMEM;
		for (i = 0; i < n; i++) {
			e = json_object_array_get_idx(a, i);
			pl->limits[i].max_per_30d = int_member(e, "max_per_30d");
			if ((pl->limits[i].form = str_member(pool, e, "form")) == NULL)
				return CE_NOMEM;
		}
		pl->nlimits = n;
	}
	return CE_OK;
}

enum cerr
plan_load(struct req *r, int64_t plan_id, bool lock, struct plan *pl)
{
	struct db_res	*res;
	enum cerr	 rc;

	if ((rc = db_exec(r->db, r->pool, &res, lock ? SQL_PLAN_LOCK : SQL_PLAN, "i",
	    plan_id)) != CE_OK)
		return rc;
	if (res->nrows != 1)
		return CE_NOTFOUND;
	return plan_from_row(r->pool, res->rows[0], pl);
}

const struct plan_item *
plan_item_for(const struct plan *pl, int64_t product_id)
{
	size_t	i;

	for (i = 0; i < pl->nitems; i++)
		if (pl->items[i].product_id == product_id)
			return &pl->items[i];
	return NULL;
}

const struct plan_form_limit *
plan_limit_for(const struct plan *pl, const char *form)
{
	size_t	i;

	if (form == NULL)
		return NULL;
	for (i = 0; i < pl->nlimits; i++)
		if (strcmp(pl->limits[i].form, form) == 0)
			return &pl->limits[i];
	return NULL;
}
