/*
 * tus 1.0.0 at /api/v1/documents/uploads: core, creation, termination and
 * checksum (sha1). The upload's state (length, offset, lease) is a row of
 * `documents`, its bytes are sealed segments under upload_dir (store.c), so
 * any process can continue any upload. A PATCH holds a lease on the row
 * while it writes, so two PATCHes never write the same upload at once.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <openssl/evp.h>

#include "audit.h"
#include "conf.h"
#include "crypto.h"
#include "db.h"
#include "documents.h"
#include "log.h"
#include "pool.h"
#include "reply.h"
#include "req.h"
#include "tusparse.h"

#define TUS_VERSION	"1.0.0"
#define LEASE_SECONDS	120	/* renewed every LEASE_RENEW while a PATCH runs */
#define LEASE_RENEW	30

static const char SQL_FIND[] =
    "SELECT " DOC_COLUMNS " FROM documents WHERE token = ? AND patient_id = ?"
    " AND status IN ('uploading', 'ready')";
static const char SQL_LOCK_PATIENT[] =
    "SELECT id FROM users WHERE id = ? FOR UPDATE";
static const char SQL_STALE[] =
    "SELECT " DOC_COLUMNS " FROM documents WHERE patient_id = ? AND status = 'uploading'"
    " AND updated_at < UTC_TIMESTAMP(6) - INTERVAL 7 DAY"
    " AND (lease IS NULL OR lease_until < UTC_TIMESTAMP(6)) LIMIT 20";
static const char SQL_USED[] =
    "SELECT COALESCE(SUM(length), 0) FROM documents WHERE patient_id = ?"
    " AND status IN ('uploading', 'ready')";
static const char SQL_OPEN_REQUEST[] =
    "SELECT category FROM document_requests WHERE id = ? AND patient_id = ?"
    " AND fulfilled_at IS NULL";
static const char SQL_INSERT[] =
    "INSERT INTO documents (token, patient_id, filename, category, client_type, length,"
    " wrapped_key, request_id, created_at, updated_at)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, NULLIF(?, 0), UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))";
static const char SQL_LEASE[] =
    "UPDATE documents SET lease = ?, lease_until = UTC_TIMESTAMP(6) + INTERVAL ? SECOND"
    " WHERE id = ? AND status = 'uploading'"
    " AND (lease IS NULL OR lease = ? OR lease_until < UTC_TIMESTAMP(6))";
static const char SQL_RELEASE[] =
    "UPDATE documents SET lease = NULL, lease_until = NULL WHERE id = ? AND lease = ?";
static const char SQL_RECEIVED[] =
    "UPDATE documents SET received = ?, media_type = COALESCE(?, media_type),"
    " lease = NULL, lease_until = NULL, updated_at = UTC_TIMESTAMP(6)"
    " WHERE id = ? AND lease = ?";
static const char SQL_COMPLETE[] =
    "UPDATE documents SET received = length, media_type = COALESCE(?, media_type),"
    " status = 'ready', lease = NULL, lease_until = NULL, updated_at = UTC_TIMESTAMP(6),"
    " completed_at = UTC_TIMESTAMP(6) WHERE id = ? AND lease = ?";
static const char SQL_FULFIL[] =
    "UPDATE document_requests SET fulfilled_at = UTC_TIMESTAMP(6), document_id = ?"
    " WHERE id = ? AND patient_id = ? AND fulfilled_at IS NULL";

/* Every tus reply names the protocol version; a request must too (412). */
static int
tus_begin(struct req *r)
{
	const char	*v = req_env(r, "HTTP_TUS_RESUMABLE");

	if (reply_header(r, "Tus-Resumable", TUS_VERSION) == -1)
		return reply_internal(r, "out of memory");
	if (v == NULL || strcmp(v, TUS_VERSION) != 0) {
		(void)reply_header(r, "Tus-Version", TUS_VERSION);
		return reply_problem(r, 412, "tus-version", "Unsupported tus version",
		    "Send Tus-Resumable: 1.0.0.");
	}
	return 0;
}

int
tus_options(struct req *r)
{
	char	max[24];

	(void)snprintf(max, sizeof(max), "%ld", conf.upload_max_bytes);
	if (reply_header(r, "Tus-Resumable", TUS_VERSION) == -1 ||
	    reply_header(r, "Tus-Version", TUS_VERSION) == -1 ||
	    reply_header(r, "Tus-Extension", "creation,termination,checksum") == -1 ||
	    reply_header(r, "Tus-Max-Size", max) == -1 ||
	    reply_header(r, "Tus-Checksum-Algorithm", "sha1") == -1)
		return reply_internal(r, "out of memory");
	return reply_empty(r, 204);
}

/* 209715200 → "200 MB" (units of 2^20 bytes, as the settings' defaults are). */
static const char *
human(struct pool *p, uint64_t n)
{
	if (n >= 1048576)
		return pool_printf(p, "%" PRIu64 " MB", n / 1048576);
	if (n >= 1024)
		return pool_printf(p, "%" PRIu64 " kB", n / 1024);
	return pool_printf(p, "%" PRIu64 " bytes", n);
}

static bool
category_ok(const char *c)
{
	static const char *const cats[] = {
		"medical_records_summary", "identity", "letter", "other",
	};
	size_t	i;

	for (i = 0; c != NULL && i < nitems(cats); i++)
		if (strcmp(c, cats[i]) == 0)
			return true;
	return false;
}

static bool
token_ok(const char *t)
{
	size_t	i;

	for (i = 0; t != NULL && t[i] != '\0'; i++)
		if (!((t[i] >= '0' && t[i] <= '9') || (t[i] >= 'a' && t[i] <= 'f')))
			return false;
	return t != NULL && i == DOC_TOKEN_LEN;
}

/* The caller's own upload named by {token}: CE_OK, CE_NOTFOUND or a db error. */
static enum cerr
find_upload(struct req *r, struct doc *d)
{
	const char	*t = req_param(r, "token");
	struct db_res	*res;
	enum cerr	 rc;

	if (!token_ok(t))
		return CE_NOTFOUND;
	if ((rc = db_exec(r->db, r->pool, &res, SQL_FIND, "si", t, r->who.user_id)) != CE_OK)
		return rc;
	if (res->nrows != 1)
		return CE_NOTFOUND;
	doc_from_row(r->pool, res->rows[0], res->lens[0], d);
	return CE_OK;
}

static int
not_found(struct req *r)
{
	return reply_problem(r, 404, "not-found", "No such upload", NULL);
}

static int
offset_header(struct req *r, uint64_t v)
{
	char	buf[24];

	(void)snprintf(buf, sizeof(buf), "%" PRIu64, v);
	return reply_header(r, "Upload-Offset", buf);
}

/*
 * Uploads of this patient left unfinished for a week end (so they stop
 * counting towards the quota), inside the caller's transaction, each
 * audited. *res lists them (DOC_COLUMNS) so their files can be removed
 * after the commit.
 */
static enum cerr
expire_stale(struct req *r, struct db_res **res)
{
	struct json_object	*det;
	struct doc		 d;
	size_t			 i;
	enum cerr		 rc;

	if ((rc = db_exec(r->db, r->pool, res, SQL_STALE, "i", r->who.user_id)) != CE_OK)
		return rc;
	for (i = 0; i < (*res)->nrows; i++) {
		doc_from_row(r->pool, (*res)->rows[i], (*res)->lens[i], &d);
		if ((rc = doc_discard(r, &d, "deleted")) != CE_OK)
			return rc;
		det = json_object_new_object();	/* audit() takes it, on failure too */
		json_object_object_add(det, "patient_id", json_object_new_int64(d.patient_id));
		json_object_object_add(det, "received", json_object_new_int64((int64_t)d.received));
		if ((rc = audit(r, "document.upload_expired", "document",
		    pool_printf(r->pool, "%" PRId64, d.id), "success", det)) != CE_OK)
			return rc;
	}
	return CE_OK;
}

int
tus_create(struct req *r)
{
	const struct tus_meta	*fn, *cat, *ft, *rq;
	struct tus_meta		*meta = NULL;
	struct db_res		*res;
	struct json_object	*det;
	unsigned char		 key[SEG_KEY_LEN], wrapped[SEG_KEY_LEN + SEAL_OVERHEAD], raw[16];
	char			 token[DOC_TOKEN_LEN + 1], *filename, *category, *ftype = NULL;
	char			*loc;
	const char		*v;
	uint64_t		 length, used, reqid = 0;
	struct db_res		*stale = NULL;
	size_t			 wlen, i;
	enum cerr		 rc;
	int			 n, st;

	if ((st = tus_begin(r)) != 0)
		return st;
	if (req_env(r, "HTTP_UPLOAD_DEFER_LENGTH") != NULL)
		return reply_problem(r, 400, "tus-header", "Upload-Defer-Length is not supported",
		    "Send Upload-Length with the size of the file.");
	if ((v = req_env(r, "HTTP_UPLOAD_LENGTH")) == NULL)
		return reply_problem(r, 400, "tus-header", "Upload-Length is missing",
		    "Send Upload-Length with the size of the file in bytes.");
	if (tus_decimal(v, UINT64_MAX, &length) == -1)
		return reply_problem(r, 400, "tus-header", "Upload-Length is not a number",
		    "Upload-Length must be a whole number of bytes.");
	if (length == 0)
		return reply_field(r, 422, "file", "is empty");
	if (length > (uint64_t)conf.upload_max_bytes)
		return reply_problem(r, 413, "too-large", "The file is too large",
		    pool_printf(r->pool, "The largest file accepted is %s (%ld bytes).",
		    human(r->pool, (uint64_t)conf.upload_max_bytes), conf.upload_max_bytes));
	if ((n = tus_metadata(r->pool, req_env(r, "HTTP_UPLOAD_METADATA") != NULL ?
	    req_env(r, "HTTP_UPLOAD_METADATA") : "", &meta)) < 0)
		return reply_problem(r, 400, "tus-header", "Upload-Metadata is malformed",
		    "Send comma-separated pairs of a key and a base64 value.");
	fn = tus_meta_get(meta, n, "filename");
	cat = tus_meta_get(meta, n, "category");
	ft = tus_meta_get(meta, n, "filetype");
	rq = tus_meta_get(meta, n, "request");
	if (rq != NULL && (strlen(rq->value) != rq->len ||
	    tus_decimal(rq->value, INT64_MAX, &reqid) == -1 || reqid == 0))
		return reply_field(r, 422, "request", "must be the id of an open request");
	if (fn == NULL)
		return reply_field(r, 422, "filename", "is required in Upload-Metadata");
	if ((filename = tus_filename(r->pool, fn->value, fn->len)) == NULL)
		return reply_field(r, 422, "filename",
		    "must be 1 to 255 bytes of UTF-8 text without control characters");
	if (ft != NULL && ft->len <= 100 && strlen(ft->value) == ft->len)
		ftype = tus_filename(r->pool, ft->value, ft->len);
	category = cat != NULL && strlen(cat->value) == cat->len ?
	    pool_strndup(r->pool, cat->value, cat->len) : NULL;
	if (cat != NULL && category == NULL)
		return reply_field(r, 422, "category",
		    "must be one of medical_records_summary, identity, letter, other");
	if ((rc = db_begin(r->db)) != CE_OK)
		return reply_db(r, rc);
	if (reqid != 0) {
		if ((rc = db_exec(r->db, r->pool, &res, SQL_OPEN_REQUEST, "ii", (int64_t)reqid,
		    r->who.user_id)) != CE_OK)
			return reply_db(r, rc);
		if (res->nrows != 1) {
			db_rollback(r->db);
			return reply_field(r, 422, "request", "must be the id of an open request");
		}
		if (category == NULL)
			category = res->rows[0][0];
	}
	if (!category_ok(category)) {
		db_rollback(r->db);
		return reply_field(r, 422, "category",
		    "must be one of medical_records_summary, identity, letter, other");
	}
	/* The patient's row lock serialises quota checks of concurrent creations. */
	if ((rc = db_exec(r->db, r->pool, NULL, SQL_LOCK_PATIENT, "i", r->who.user_id)) != CE_OK ||
	    (rc = expire_stale(r, &stale)) != CE_OK ||
	    (rc = db_exec(r->db, r->pool, &res, SQL_USED, "i", r->who.user_id)) != CE_OK)
		return reply_db(r, rc);
	used = (uint64_t)db_int(res->rows[0][0]);
	if (used + length > (uint64_t)conf.upload_quota_bytes) {
		db_rollback(r->db);
		return reply_problem(r, 413, "quota", "Not enough room left for this file",
		    pool_printf(r->pool, "Your documents may use %s in all (quota); %s is left. "
		    "Delete a document you no longer need, or contact the clinic.",
		    human(r->pool, (uint64_t)conf.upload_quota_bytes),
		    human(r->pool, used < (uint64_t)conf.upload_quota_bytes ?
		    (uint64_t)conf.upload_quota_bytes - used : 0)));
	}
	if (crypto_random(raw, sizeof(raw)) != CE_OK)
		return reply_internal(r, "no randomness");
	hex_encode(raw, sizeof(raw), token);
	rc = store_new_key(r->pool, token, key, wrapped, &wlen);
	memset(key, 0, sizeof(key));
	if (rc != CE_OK)
		return reply_db(r, rc);
	if ((rc = db_exec(r->db, r->pool, NULL, SQL_INSERT, "sisssibi", token, r->who.user_id,
	    filename, category, ftype, (int64_t)length, wrapped, wlen, (int64_t)reqid)) != CE_OK)
		return reply_db(r, rc);
	det = json_object_new_object();
	json_object_object_add(det, "token", json_object_new_string(token));
	json_object_object_add(det, "category", json_object_new_string(category));
	json_object_object_add(det, "length", json_object_new_int64((int64_t)length));
	if (reqid != 0)
		json_object_object_add(det, "request_id", json_object_new_int64((int64_t)reqid));
	if ((rc = audit_commit(r, "document.upload_started", "document",
	    pool_printf(r->pool, "%" PRIu64, db_insert_id(r->db)), "success", det)) != CE_OK)
		return reply_db(r, rc);
	for (i = 0; stale != NULL && i < stale->nrows; i++)
		store_remove(r->pool, stale->rows[i][1]);
	if ((loc = pool_printf(r->pool, "/api/v1/documents/uploads/%s", token)) == NULL ||
	    reply_header(r, "Location", loc) == -1 || offset_header(r, 0) == -1)
		return reply_internal(r, "out of memory");
	return reply_empty(r, 201);
}

int
tus_head(struct req *r)
{
	struct doc	d;
	char		len[24];
	enum cerr	rc;
	int		st;

	if ((st = tus_begin(r)) != 0)
		return st;
	if ((rc = find_upload(r, &d)) == CE_NOTFOUND)
		return not_found(r);
	if (rc != CE_OK)
		return reply_db(r, rc);
	(void)snprintf(len, sizeof(len), "%" PRIu64, d.length);
	if (offset_header(r, d.received) == -1 || reply_header(r, "Upload-Length", len) == -1)
		return reply_internal(r, "out of memory");
	return reply_empty(r, 200);
}

/* Ends a state change of document d (transaction open) with its audit row. */
static enum cerr
audit_doc(struct req *r, const struct doc *d, const char *action, const char *outcome,
    struct json_object *det)
{
	if (det == NULL)
		det = json_object_new_object();
	json_object_object_add(det, "patient_id", json_object_new_int64(d->patient_id));
	return audit_commit(r, action, "document", pool_printf(r->pool, "%" PRId64, d->id),
	    outcome, det);
}

int
tus_delete(struct req *r)
{
	struct doc	d;
	enum cerr	rc;
	bool		busy = false;
	int		st;

	if ((st = tus_begin(r)) != 0)
		return st;
	if ((rc = db_begin(r->db)) != CE_OK)
		return reply_db(r, rc);
	if ((rc = find_upload(r, &d)) == CE_OK)
		rc = doc_lock_idle(r, &d, &busy);
	if (rc == CE_NOTFOUND) {
		db_rollback(r->db);
		return not_found(r);
	}
	if (rc == CE_OK && busy) {
		/* A PATCH writing now would recreate the files after their removal. */
		db_rollback(r->db);
		(void)reply_header(r, "Retry-After", "2");
		return reply_problem(r, 423, "upload-busy", "The upload is being written",
		    "Another request is writing this upload. Retry once it has stopped.");
	}
	if (rc != CE_OK || (rc = doc_discard(r, &d, "deleted")) != CE_OK ||
	    (rc = audit_doc(r, &d, strcmp(d.status, "ready") == 0 ? "document.deleted" :
	    "document.upload_terminated", "success", NULL)) != CE_OK) {
		db_rollback(r->db);
		return reply_db(r, rc);
	}
	/* Only now that the database agrees are the bytes removed. */
	store_remove(r->pool, d.token);
	return reply_empty(r, 204);
}

/* The state of one PATCH as it streams. */
struct patch {
	struct req	*r;
	struct doc	*d;
	unsigned char	 key[SEG_KEY_LEN];
	unsigned char	*plain;		/* the segment being filled (SEG_PLAIN) */
	unsigned char	*sealed;	/* scratch (SEG_SEALED) */
	size_t		 fill;		/* bytes in plain */
	uint64_t	 index;		/* which segment plain is */
	uint64_t	 offset;	/* bytes of the document held (stored + plain) */
	const char	*media_type;	/* found in segment 0 during this PATCH */
	const char	*found;		/* what libmagic said when refused */
	int		 fd;
};

/*
 * Writes the full (or final) segment in p->plain, typing the document by its
 * first segment. Returns 0, 415 when the type is refused, or -1 on failure.
 */
static int
flush_segment(struct patch *p, bool last)
{
	if (p->index == 0 && p->d->media_type == NULL) {
		if ((p->media_type = doc_accepted_type(p->plain, p->fill, &p->found)) == NULL) {
			if (p->found != NULL)
				p->found = pool_strdup(p->r->pool, p->found);
			return 415;
		}
	}
	if (store_put_segment(p->fd, p->key, p->index, last ? SEG_LAST : SEG_MIDDLE,
	    p->plain, p->fill, p->sealed) == -1) {
		log_err("documents: writing a segment failed: %s", strerror(errno));
		return -1;
	}
	p->index++;
	p->fill = 0;
	return 0;
}

static int
renew_lease(struct req *r, const struct doc *d, const char *lease)
{
	enum cerr	rc;

	rc = db_exec(r->db, r->pool, NULL, SQL_LEASE, "siis", lease, (int64_t)LEASE_SECONDS,
	    d->id, lease);
	return rc == CE_OK && db_affected(r->db) == 1 ? 0 : -1;
}

/*
 * Before anything is written: renews the lease when LEASE_RENEW seconds have
 * passed since *renewed (a long read may have let it run out and another
 * PATCH take it). Returns 0 when the lease is ours for LEASE_SECONDS -
 * LEASE_RENEW seconds more at least, -1 when it was lost.
 */
static int
keep_lease(struct req *r, const struct doc *d, const char *lease, time_t *renewed)
{
	if (time(NULL) - *renewed < LEASE_RENEW)
		return 0;
	if (renew_lease(r, d, lease) == -1)
		return -1;
	*renewed = time(NULL);
	return 0;
}

/* The PATCH holding `lease` found a refused type: the upload ends. */
static int
refuse_type(struct req *r, struct doc *d, const char *found, const char *lease)
{
	struct json_object	*det;
	enum cerr		 rc;

	if ((rc = db_begin(r->db)) != CE_OK || (rc = doc_discard(r, d, "refused")) != CE_OK)
		goto bad;
	det = json_object_new_object();	/* audit_doc takes it, on failure too */
	json_object_object_add(det, "found", found != NULL ? json_object_new_string(found) : NULL);
	if ((rc = audit_doc(r, d, "document.refused", "failure", det)) != CE_OK)
		goto bad;
	store_remove(r->pool, d->token);
	reply_reset(r);
	(void)reply_header(r, "Tus-Resumable", TUS_VERSION);
	return reply_problem(r, 415, "unsupported-file-type", "This type of file is not accepted",
	    "The file must be a " DOC_ACCEPTED_WORDS " (checked from its content, not its "
	    "name). The upload was removed.");
bad:
	/* Nothing changed: free the lease so that a retry is not refused with 423. */
	db_rollback(r->db);
	if (db_exec(r->db, r->pool, NULL, SQL_RELEASE, "is", d->id, lease) != CE_OK)
		log_warn("documents: could not release an upload's lease");
	return reply_db(r, rc);
}

int
tus_patch(struct req *r)
{
	struct patch	 p;
	struct doc	 d;
	EVP_MD_CTX	*sha = NULL;
	unsigned char	 want_sum[20], got_sum[EVP_MAX_MD_SIZE], raw[16];
	char		 lease[DOC_TOKEN_LEN + 1], *path;
	const char	*v, *ct = r->content_type;
	uint64_t	 start, room;
	time_t		 renewed;
	ssize_t		 got;
	size_t		 cap;
	unsigned	 mdlen;
	enum cerr	 rc;
	bool		 broken = false, last;
	int		 st, fl = 0;

	memset(&p, 0, sizeof(p));
	p.fd = -1;
	if ((st = tus_begin(r)) != 0)
		return st;
	if (ct == NULL || strcasecmp(ct, "application/offset+octet-stream") != 0)
		return reply_problem(r, 415, "unsupported-media-type",
		    "The body must be application/offset+octet-stream",
		    "Send Content-Type: application/offset+octet-stream.");
	if ((v = req_env(r, "HTTP_UPLOAD_OFFSET")) == NULL ||
	    tus_decimal(v, UINT64_MAX, &start) == -1)
		return reply_problem(r, 400, "tus-header", "Upload-Offset is missing or not a number",
		    "Send Upload-Offset with the offset from HEAD.");
	if ((v = req_env(r, "HTTP_UPLOAD_CHECKSUM")) != NULL) {
		switch (tus_checksum(v, want_sum)) {
		case TUS_CK_OK:
			break;
		case TUS_CK_UNSUPPORTED:
			(void)reply_header(r, "Tus-Checksum-Algorithm", "sha1");
			return reply_problem(r, 400, "checksum-algorithm",
			    "Unsupported checksum algorithm", "Use sha1.");
		default:
			return reply_problem(r, 400, "tus-header", "Upload-Checksum is malformed",
			    "Send Upload-Checksum: sha1 <base64 of the SHA-1 of this body>.");
		}
		if ((sha = EVP_MD_CTX_new()) == NULL ||
		    EVP_DigestInit_ex(sha, EVP_sha1(), NULL) != 1) {
			EVP_MD_CTX_free(sha);
			return reply_internal(r, "no SHA-1");
		}
	}
	if ((rc = find_upload(r, &d)) != CE_OK) {
		EVP_MD_CTX_free(sha);
		return rc == CE_NOTFOUND ? not_found(r) : reply_db(r, rc);
	}
	if (start != d.received) {
		EVP_MD_CTX_free(sha);
		(void)offset_header(r, d.received);
		return reply_problem(r, 409, "offset-mismatch", "Upload-Offset does not match",
		    pool_printf(r->pool, "The upload has %" PRIu64 " bytes; continue from there.",
		    d.received));
	}
	if (strcmp(d.status, "ready") == 0) {
		EVP_MD_CTX_free(sha);
		if (r->content_length > 0)
			return reply_problem(r, 413, "too-large", "The upload is already complete",
			    NULL);
		(void)offset_header(r, d.received);
		return reply_empty(r, 204);
	}
	if (r->content_length >= 0 && (uint64_t)r->content_length > d.length - d.received) {
		EVP_MD_CTX_free(sha);
		return reply_problem(r, 413, "too-large", "The body goes past Upload-Length",
		    pool_printf(r->pool, "%" PRIu64 " bytes remain.", d.length - d.received));
	}
	/* Take the lease: no other PATCH writes this upload until it is released. */
	if (crypto_random(raw, sizeof(raw)) != CE_OK) {
		EVP_MD_CTX_free(sha);
		return reply_internal(r, "no randomness");
	}
	hex_encode(raw, sizeof(raw), lease);
	if (renew_lease(r, &d, lease) == -1) {
		EVP_MD_CTX_free(sha);
		(void)reply_header(r, "Retry-After", "2");
		return reply_problem(r, 423, "upload-busy", "The upload is being written",
		    "Another request is writing this upload. Ask HEAD for the offset and retry.");
	}
	renewed = time(NULL);
	/* Read again under the lease: a PATCH that held it may have moved the offset. */
	if ((rc = find_upload(r, &d)) != CE_OK || d.received != start ||
	    strcmp(d.status, "uploading") != 0) {
		if (rc == CE_OK) {
			(void)offset_header(r, d.received);
			st = reply_problem(r, 409, "offset-mismatch", "Upload-Offset does not match",
			    pool_printf(r->pool, "The upload has %" PRIu64 " bytes; continue from "
			    "there.", d.received));
		} else
			st = rc == CE_NOTFOUND ? not_found(r) : reply_db(r, rc);
		goto failed;
	}
	p.r = r;
	p.d = &d;
	p.index = d.received / SEG_PLAIN;
	p.offset = d.received;
	if ((p.plain = pool_calloc(r->pool, 1, SEG_PLAIN)) == NULL ||
	    (p.sealed = pool_calloc(r->pool, 1, SEG_SEALED)) == NULL ||
	    (path = store_path(r->pool, d.token, ".seg")) == NULL) {
		st = reply_internal(r, "out of memory");
		goto failed;
	}
	if ((rc = store_key(r->pool, &d, p.key)) != CE_OK) {
		st = reply_internal(r, "an upload's data key does not open");
		goto failed;
	}
	if ((p.fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) == -1) {
		st = reply_internal(r, "cannot open an upload's file");
		goto failed;
	}
	if ((rc = store_load_tail(r->pool, d.token, p.key, d.length, d.received, p.plain,
	    &p.fill, p.sealed)) != CE_OK) {
		st = reply_internal(r, "cannot read an upload's stored tail");
		goto failed;
	}
	for (;;) {
		room = d.length - p.offset;
		cap = SEG_PLAIN - p.fill;
		/* One byte more than fits tells a body without Content-Length is too long. */
		if ((uint64_t)cap > room + 1)
			cap = (size_t)(room + 1);
		if (cap == 0)
			break;
		if ((got = req_read(r, p.plain + p.fill, cap)) == 0)
			break;
		if (got < 0) {
			broken = true;
			break;
		}
		if ((uint64_t)got > room) {
			st = reply_problem(r, 413, "too-large", "The body goes past Upload-Length",
			    NULL);
			goto failed;
		}
		if (sha != NULL && EVP_DigestUpdate(sha, p.plain + p.fill, (size_t)got) != 1) {
			st = reply_internal(r, "SHA-1 failed");
			goto failed;
		}
		p.fill += (size_t)got;
		p.offset += (uint64_t)got;
		/* Checked before each write: the read may have outlasted the lease. */
		if (keep_lease(r, &d, lease, &renewed) == -1) {
			st = reply_problem(r, 423, "upload-busy", "The upload was taken over", NULL);
			goto failed;
		}
		if (p.fill == SEG_PLAIN && p.offset < d.length) {
			if ((fl = flush_segment(&p, false)) != 0)
				break;
		}
	}
	if (fl == 415) {
		EVP_MD_CTX_free(sha);
		close(p.fd);
		memset(p.key, 0, sizeof(p.key));
		return refuse_type(r, &d, p.found, lease);
	}
	if (fl == -1) {
		st = reply_internal(r, "cannot write an upload's segment");
		goto failed;
	}
	if (sha != NULL) {
		if (broken) {
			/* Nothing can be checked: keep none of it. */
			st = reply_problem(r, 400, "bad-request", "The body ended early", NULL);
			goto failed;
		}
		if (EVP_DigestFinal_ex(sha, got_sum, &mdlen) != 1 || mdlen != 20) {
			st = reply_internal(r, "SHA-1 failed");
			goto failed;
		}
		if (!crypto_equal(got_sum, want_sum, 20)) {
			(void)offset_header(r, d.received);
			st = reply_problem(r, 460, "checksum-mismatch", "Checksum Mismatch",
			    "The data did not match Upload-Checksum and was not kept. "
			    "Send it again.");
			goto failed;
		}
	}
	/* The last read may have waited long for a body that ended. */
	if (keep_lease(r, &d, lease, &renewed) == -1) {
		st = reply_problem(r, 423, "upload-busy", "The upload was taken over", NULL);
		goto failed;
	}
	last = p.offset == d.length;
	if (last) {
		if ((fl = flush_segment(&p, true)) == 415) {
			EVP_MD_CTX_free(sha);
			close(p.fd);
			memset(p.key, 0, sizeof(p.key));
			return refuse_type(r, &d, p.found, lease);
		}
		if (fl == -1) {
			st = reply_internal(r, "cannot write an upload's last segment");
			goto failed;
		}
	}
	if (fdatasync(p.fd) == -1 || (!last && p.fill > 0 &&
	    store_put_tail(r->pool, d.token, p.key, p.index, p.plain, p.fill, p.sealed) == -1)) {
		st = reply_internal(r, "cannot store an upload's tail");
		goto failed;
	}
	EVP_MD_CTX_free(sha);
	sha = NULL;
	close(p.fd);
	p.fd = -1;
	memset(p.key, 0, sizeof(p.key));
	/*
	 * Any failure from here on goes through `failed`: the transaction is
	 * rolled back and the lease released, so the client's retry (from HEAD's
	 * offset) is served at once instead of getting 423 until it runs out.
	 */
	if (!last) {
		if ((rc = db_exec(r->db, r->pool, NULL, SQL_RECEIVED, "isis", (int64_t)p.offset,
		    p.media_type, d.id, lease)) != CE_OK) {
			st = reply_db(r, rc);
			goto failed;
		}
		if (db_affected(r->db) != 1) {
			st = reply_problem(r, 423, "upload-busy", "The upload was taken over", NULL);
			goto failed;
		}
	} else {
		struct json_object	*det;

		if ((rc = db_begin(r->db)) != CE_OK ||
		    (rc = db_exec(r->db, r->pool, NULL, SQL_COMPLETE, "sis", p.media_type, d.id,
		    lease)) != CE_OK) {
			st = reply_db(r, rc);
			goto failed;
		}
		if (db_affected(r->db) != 1) {
			st = reply_problem(r, 423, "upload-busy", "The upload was taken over", NULL);
			goto failed;
		}
		if (d.request_id != 0 && (rc = db_exec(r->db, r->pool, NULL, SQL_FULFIL, "iii",
		    d.id, d.request_id, d.patient_id)) != CE_OK) {
			st = reply_db(r, rc);
			goto failed;
		}
		det = json_object_new_object();	/* audit_doc takes it, on failure too */
		json_object_object_add(det, "media_type", json_object_new_string(
		    p.media_type != NULL ? p.media_type : d.media_type));
		json_object_object_add(det, "size", json_object_new_int64((int64_t)d.length));
		if ((rc = audit_doc(r, &d, "document.uploaded", "success", det)) != CE_OK) {
			st = reply_db(r, rc);
			goto failed;
		}
		/*
		 * Only once the commit stands is the tail removed: until then a
		 * retry from the old offset needs it (or, failing that, the last
		 * segment just written, which store_load_tail also accepts).
		 */
		(void)unlink(store_path(r->pool, d.token, ".tail"));
	}
	if (offset_header(r, p.offset) == -1)
		return reply_internal(r, "out of memory");
	return reply_empty(r, 204);

failed:
	/*
	 * The recorded offset is unchanged (the transaction, if any, rolls
	 * back); release the lease for the next try, outside any transaction.
	 */
	EVP_MD_CTX_free(sha);
	if (p.fd != -1)
		close(p.fd);
	memset(p.key, 0, sizeof(p.key));
	db_rollback(r->db);
	if (db_exec(r->db, r->pool, NULL, SQL_RELEASE, "is", d.id, lease) != CE_OK)
		log_warn("documents: could not release an upload's lease");
	return st;
}
