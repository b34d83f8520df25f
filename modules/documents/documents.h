#ifndef DOCUMENTS_H
#define DOCUMENTS_H
/*
 * documents.fcgi: patients' documents, uploaded over tus 1.0.0 (uploads.c),
 * typed by content (libmagic), kept encrypted in segments (store.c over
 * segcrypt.c), listed and downloaded (docs.c), and staff's requests for a
 * new upload (requests.c). docs/API.md#documents is the contract.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "segcrypt.h"

struct req;
struct pool;
struct json_object;

#define DOC_CATEGORIES	"medical_records_summary|identity|letter|other"
#define DOC_STAFF	(ROLE_CLINICIAN | ROLE_ADMIN)
#define DOC_TOKEN_LEN	32	/* hex digits of an upload id */

/* One row of `documents`, as the handlers need it (pool-owned strings). */
struct doc {
	int64_t		 id;
	const char	*token;
	int64_t		 patient_id;
	const char	*filename;
	const char	*category;
	const char	*media_type;	/* NULL until typed */
	uint64_t	 length;
	uint64_t	 received;
	const char	*status;	/* uploading, ready, deleted, refused */
	const unsigned char *wrapped_key;
	size_t		 wrapped_len;
	int64_t		 request_id;	/* 0: none */
	const char	*created_at;	/* ISO 8601 UTC */
	const char	*completed_at;	/* or NULL */
};

/* documents.c */
int	doc_init(void);
/*
 * The media type libmagic finds in buf, when it is one we accept; NULL
 * otherwise (*found, if not NULL, is set to what libmagic said, or NULL).
 */
const char *doc_accepted_type(const void *buf, size_t len, const char **found);
#define DOC_ACCEPTED_WORDS	"PDF, JPEG, PNG, HEIC or WebP"
/* The row as JSON (caller owns). NULL on out-of-memory. */
struct json_object *doc_json(const struct doc *);
/* Fills d from a row of DOC_COLUMNS. */
void	doc_from_row(struct pool *, char **row, size_t *lens, struct doc *d);
#define DOC_COLUMNS \
	"id, token, patient_id, filename, category, media_type, length, received, status," \
	" wrapped_key, COALESCE(request_id, 0)," \
	" DATE_FORMAT(created_at, '%Y-%m-%dT%H:%i:%sZ')," \
	" DATE_FORMAT(completed_at, '%Y-%m-%dT%H:%i:%sZ')"
/*
 * Marks a document `status` ("deleted" or "refused") and forgets its data
 * key, inside the caller's open transaction (no audit). The caller removes
 * the files (store_remove) once that transaction has committed: until then a
 * rollback must find them; after it, they are unreadable without the key.
 */
enum cerr doc_discard(struct req *, const struct doc *, const char *status);
/*
 * Inside the caller's open transaction, locks d's row (while it is still
 * uploading or ready) and sets *busy when a PATCH holds a live lease on it:
 * such an upload must not be discarded, or the PATCH would write its files
 * again after store_remove(). CE_OK, CE_NOTFOUND (no longer there) or a
 * database error.
 */
enum cerr doc_lock_idle(struct req *, const struct doc *, bool *busy);

/* store.c: the files under upload_dir (see segcrypt.h for the format). */
/* Unwraps d's data key into key. CE_OK, CE_INVALID (tampered) or CE_CRYPTO. */
enum cerr store_key(struct pool *, const struct doc *, unsigned char key[SEG_KEY_LEN]);
/* Wraps a new data key for token into out (SEAL_OVERHEAD + 32 bytes). */
enum cerr store_new_key(struct pool *, const char *token, unsigned char key[SEG_KEY_LEN],
	    unsigned char *out, size_t *outlen);
/* "<upload_dir>/<token><suffix>", pool-owned (NULL on OOM). */
char	*store_path(struct pool *, const char *token, const char *suffix);
/* Removes both files of token (missing ones are fine). */
void	 store_remove(struct pool *, const char *token);
/*
 * The first `received % SEG_PLAIN` bytes of the unfinished segment of an
 * upload of `length` bytes that has received `received`, into plain
 * (SEG_PLAIN bytes); scratch holds SEG_SEALED bytes. Sets *fill. Reads the
 * tail file, else the segment in the main file (SEG_MIDDLE, or SEG_LAST for
 * the final one). CE_OK, or CE_IO/CE_INVALID when the stored bytes are
 * missing or fail to open.
 */
enum cerr store_load_tail(struct pool *, const char *token, const unsigned char *key,
	    uint64_t length, uint64_t received, unsigned char *plain, size_t *fill,
	    unsigned char *scratch);
/* Seals and writes segment index at its place in fd. 0 or -1. */
int	 store_put_segment(int fd, const unsigned char *key, uint64_t index,
	    enum seg_kind kind, const unsigned char *plain, size_t len, unsigned char *scratch);
/* Replaces the tail file of token with len bytes of segment index, durably. 0 or -1. */
int	 store_put_tail(struct pool *, const char *token, const unsigned char *key,
	    uint64_t index, const unsigned char *plain, size_t len, unsigned char *scratch);
/*
 * Streams document d to the client: checks the first segment, writes the
 * head (200, d's media type, Content-Length, Content-Disposition), then each
 * segment verified before it is sent. Returns the status set (a problem
 * status if nothing was sent yet), or -1 after a failure part-way.
 */
int	 store_send(struct req *, const struct doc *);

/* uploads.c: tus 1.0.0 */
int	tus_options(struct req *);
int	tus_create(struct req *);
int	tus_head(struct req *);
int	tus_patch(struct req *);
int	tus_delete(struct req *);

/* docs.c */
int	docs_list(struct req *);
int	docs_get(struct req *);
int	docs_content(struct req *);
int	docs_delete(struct req *);

/* requests.c */
int	reqs_list(struct req *);
int	reqs_create(struct req *);

#endif
