/*
 * documents.fcgi: patients' documents over tus 1.0.0, typed by content,
 * encrypted at rest, listed, downloaded and re-requested by staff.
 * Routes are the contract; docs/API.md#documents describes each.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <magic.h>

#include "conf.h"
#include "db.h"
#include "documents.h"
#include "log.h"
#include "pool.h"
#include "reply.h"
#include "req.h"
#include "serve.h"
#include "valid.h"

static const struct field list_query[] = {
	{ "patient_id", V_INT, false, 1, INT64_MAX, NULL, NULL },
};

static const struct field request_fields[] = {
	{ "patient_id", V_INT, true, 1, INT64_MAX, NULL, NULL },
	{ "category", V_ENUM, true, 0, 0, DOC_CATEGORIES, NULL },
	{ "reason", V_TEXT, true, 1, 1000, NULL, NULL },
};

#define BODY(f)		f, nitems(f)
#define QUERY(f)	NULL, 0, f, nitems(f)
#define UPLOADS		"/api/v1/documents/uploads"

static const struct route routes[] = {
	{ "OPTIONS", UPLOADS, tus_options, R_PUBLIC, NULL, 0, NULL, 0 },
	{ "POST", UPLOADS, tus_create, ROLE_PATIENT | R_STREAM, NULL, 0, NULL, 0 },
	{ "OPTIONS", UPLOADS "/{token}", tus_options, R_PUBLIC, NULL, 0, NULL, 0 },
	{ "HEAD", UPLOADS "/{token}", tus_head, ROLE_PATIENT, NULL, 0, NULL, 0 },
	{ "PATCH", UPLOADS "/{token}", tus_patch, ROLE_PATIENT | R_STREAM, NULL, 0, NULL, 0 },
	{ "DELETE", UPLOADS "/{token}", tus_delete, ROLE_PATIENT | R_STREAM, NULL, 0, NULL, 0 },
	{ "GET", "/api/v1/documents", docs_list, ROLE_PATIENT | DOC_STAFF, QUERY(list_query) },
	{ "GET", "/api/v1/documents/requests", reqs_list, ROLE_PATIENT | DOC_STAFF,
	    QUERY(list_query) },
	{ "POST", "/api/v1/documents/requests", reqs_create, DOC_STAFF, BODY(request_fields),
	    NULL, 0 },
	{ "GET", "/api/v1/documents/{id}", docs_get, ROLE_PATIENT | DOC_STAFF, NULL, 0, NULL, 0 },
	{ "DELETE", "/api/v1/documents/{id}", docs_delete, ROLE_PATIENT, NULL, 0, NULL, 0 },
	{ "GET", "/api/v1/documents/{id}/content", docs_content, ROLE_PATIENT | DOC_STAFF,
	    NULL, 0, NULL, 0 },
};

static magic_t	magic;

/* What libmagic may call the kinds we accept (HEIF brands vary by version). */
static const char *const accepted[] = {
	"application/pdf", "image/jpeg", "image/png", "image/heic", "image/heif",
	"image/heic-sequence", "image/heif-sequence", "image/webp",
};

int
doc_init(void)
{
	if (conf_document_key() == NULL) {
		log_err("documents: the document_key setting is required");
		return 78;
	}
	if ((magic = magic_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS |
	    MAGIC_NO_CHECK_ELF | MAGIC_ERROR)) == NULL || magic_load(magic, NULL) != 0) {
		log_err("documents: libmagic could not load its database: %s",
		    magic != NULL ? magic_error(magic) : "out of memory");
		return 71;
	}
	return 0;
}

const char *
doc_accepted_type(const void *buf, size_t len, const char **found)
{
	const char	*t;
	size_t		 i;

	if (found != NULL)
		*found = NULL;
	if (magic == NULL || len == 0 || (t = magic_buffer(magic, buf, len)) == NULL)
		return NULL;
	if (found != NULL)
		*found = t;
	for (i = 0; i < nitems(accepted); i++)
		if (strcmp(t, accepted[i]) == 0)
			return accepted[i];
	return NULL;
}

void
doc_from_row(struct pool *p, char **row, size_t *lens, struct doc *d)
{
	(void)p;
	memset(d, 0, sizeof(*d));
	d->id = db_int(row[0]);
	d->token = row[1];
	d->patient_id = db_int(row[2]);
	d->filename = row[3];
	d->category = row[4];
	d->media_type = row[5];
	d->length = (uint64_t)db_int(row[6]);
	d->received = (uint64_t)db_int(row[7]);
	d->status = row[8];
	d->wrapped_key = (const unsigned char *)row[9];
	d->wrapped_len = row[9] != NULL ? lens[9] : 0;
	d->request_id = db_int(row[10]);
	d->created_at = row[11];
	d->completed_at = row[12];
}

struct json_object *
doc_json(const struct doc *d)
{
	struct json_object	*o;

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	json_object_object_add(o, "id", json_object_new_int64(d->id));
	json_object_object_add(o, "patient_id", json_object_new_int64(d->patient_id));
	json_object_object_add(o, "filename", json_object_new_string(d->filename));
	json_object_object_add(o, "category", json_object_new_string(d->category));
	json_object_object_add(o, "media_type", d->media_type != NULL ?
	    json_object_new_string(d->media_type) : NULL);
	json_object_object_add(o, "size", json_object_new_int64((int64_t)d->length));
	json_object_object_add(o, "received", json_object_new_int64((int64_t)d->received));
	json_object_object_add(o, "status", json_object_new_string(d->status));
	json_object_object_add(o, "request_id", d->request_id != 0 ?
	    json_object_new_int64(d->request_id) : NULL);
	json_object_object_add(o, "created_at", json_object_new_string(d->created_at));
	json_object_object_add(o, "completed_at", d->completed_at != NULL ?
	    json_object_new_string(d->completed_at) : NULL);
	if (strcmp(d->status, "uploading") == 0 && d->token != NULL) {
		char	url[sizeof(UPLOADS) + DOC_TOKEN_LEN + 2];

		(void)snprintf(url, sizeof(url), "%s/%s", UPLOADS, d->token);
		json_object_object_add(o, "upload_url", json_object_new_string(url));
	}
	return o;
}

static const char SQL_DISCARD[] =
    "UPDATE documents SET status = ?, wrapped_key = NULL, lease = NULL, lease_until = NULL,"
    " updated_at = UTC_TIMESTAMP(6) WHERE id = ?";

enum cerr
doc_discard(struct req *r, const struct doc *d, const char *status)
{
	return db_exec(r->db, r->pool, NULL, SQL_DISCARD, "si", status, d->id);
}

/* Free lease: the negation of SQL_LEASE's condition in uploads.c. */
static const char SQL_LOCK_IDLE[] =
    "SELECT lease IS NOT NULL AND lease_until >= UTC_TIMESTAMP(6) FROM documents"
    " WHERE id = ? AND status IN ('uploading', 'ready') FOR UPDATE";

enum cerr
doc_lock_idle(struct req *r, const struct doc *d, bool *busy)
{
	struct db_res	*res;
	enum cerr	 rc;

	*busy = false;
	if ((rc = db_exec(r->db, r->pool, &res, SQL_LOCK_IDLE, "i", d->id)) != CE_OK)
		return rc;
	if (res->nrows != 1)
		return CE_NOTFOUND;
	*busy = db_int(res->rows[0][0]) != 0;
	return CE_OK;
}

int
main(void)
{
	return serve("documents", routes, nitems(routes), doc_init);
}
