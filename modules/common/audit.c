#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <json-c/json.h>

#include "audit.h"
#include "crypto.h"
#include "db.h"
#include "log.h"
#include "pool.h"
#include "req.h"

/* sql/0002_audit_append.sql: locks the head, hashes, inserts, moves the head. */
static const char SQL_APPEND[] =
    "CALL audit_append(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
static const char SQL_WALK[] =
    "SELECT seq, DATE_FORMAT(occurred_at, '%Y-%m-%d %H:%i:%s.%f'), actor_id, actor_role,"
    " actor_reg, action, entity_type, entity_id, outcome, request_id, client_addr,"
    " details, prev_hash, hash FROM audit_event ORDER BY seq";
static const char SQL_HEAD[] =
    "SELECT seq, hash FROM audit_head WHERE id = 1";

static const char ZERO_HASH[] =
    "0000000000000000000000000000000000000000000000000000000000000000";

static int
put_field(struct pool *pool, char **buf, size_t *len, const char *v)
{
	char	*n;

	if (v == NULL)
		n = pool_printf(pool, "%s|-", *buf);
	else
		n = pool_printf(pool, "%s|%zu:%s", *buf, strlen(v), v);
	if (n == NULL)
		return -1;
	*buf = n;
	*len = strlen(n);
	return 0;
}

char *
audit_canonical(struct pool *pool, const struct audit_rec *rec, size_t *len)
{
	char	 seq[24], actor[24], *buf;
	size_t	 i;
	const char *fields[12];

	(void)snprintf(seq, sizeof(seq), "%" PRId64, rec->seq);
	(void)snprintf(actor, sizeof(actor), "%" PRId64, rec->actor_id);
	fields[0] = seq;
	fields[1] = rec->occurred_at;
	fields[2] = rec->actor_id != 0 ? actor : NULL;
	fields[3] = rec->actor_role;
	fields[4] = rec->actor_reg;
	fields[5] = rec->action;
	fields[6] = rec->entity_type;
	fields[7] = rec->entity_id;
	fields[8] = rec->outcome;
	fields[9] = rec->request_id;
	fields[10] = rec->client_addr;
	fields[11] = rec->details;
	if ((buf = pool_strdup(pool, "clinic-audit-v1")) == NULL)
		return NULL;
	*len = strlen(buf);
	for (i = 0; i < nitems(fields); i++)
		if (put_field(pool, &buf, len, fields[i]) == -1)
			return NULL;
	return buf;
}

enum cerr
audit_chain_hash(struct pool *pool, const char *prev_hex, const struct audit_rec *rec,
    char out[AUDIT_HASH_HEX])
{
	unsigned char	 prev[SHA256_LEN], dig[SHA256_LEN];
	char		*canon, *msg;
	size_t		 clen;
	enum cerr	 rc;

	if (strlen(prev_hex) != 64 || hex_decode(prev_hex, prev, SHA256_LEN) == -1)
		return CE_INVALID;
	if ((canon = audit_canonical(pool, rec, &clen)) == NULL ||
	    (msg = pool_calloc(pool, 1, SHA256_LEN + clen)) == NULL)
		return CE_NOMEM;
	memcpy(msg, prev, SHA256_LEN);
	memcpy(msg + SHA256_LEN, canon, clen);
	if ((rc = crypto_sha256(msg, SHA256_LEN + clen, dig)) != CE_OK)
		return rc;
	hex_encode(dig, SHA256_LEN, out);
	return CE_OK;
}

enum cerr
audit_append(struct db *db, struct pool *pool, struct audit_rec *rec, bool commit)
{
	enum cerr	rc;

	if (!db_in_tx(db)) {
		log_err("audit_append outside a transaction: %s", rec->action);
		return CE_DB;
	}
	if (rec->details == NULL)
		rec->details = "{}";
	rc = db_exec(db, pool, NULL, SQL_APPEND, "isssssssssi", rec->actor_id,
	    rec->actor_role, rec->actor_reg, rec->action, rec->entity_type, rec->entity_id,
	    rec->outcome, rec->request_id, rec->client_addr, rec->details,
	    (int64_t)(commit ? 1 : 0));
	if (rc == CE_OK && commit)
		db_ended(db);
	return rc;
}

enum cerr
audit_as(struct req *r, int64_t actor_id, const char *actor_role, const char *actor_reg,
    const char *action, const char *entity_type, const char *entity_id,
    const char *outcome, struct json_object *details, bool commit)
{
	struct audit_rec	rec;
	const char		*d = "{}";
	enum cerr		rc;

	memset(&rec, 0, sizeof(rec));
	if (details != NULL) {
		d = pool_strdup(r->pool, json_object_to_json_string_ext(details,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(details);
		if (d == NULL)
			return CE_NOMEM;
	}
	rec.actor_id = actor_id;
	rec.actor_role = actor_role;
	rec.actor_reg = actor_reg;
	rec.action = action;
	rec.entity_type = entity_type;
	rec.entity_id = entity_id;
	rec.outcome = outcome;
	rec.request_id = r->request_id;
	rec.client_addr = r->remote_addr;
	rec.details = d;
	rc = audit_append(r->db, r->pool, &rec, commit);
	if (rc != CE_OK && rc != CE_DEADLOCK)
		log_err("audit %s failed: %s", action, cerr_str(rc));
	return rc;
}

enum cerr
audit(struct req *r, const char *action, const char *entity_type, const char *entity_id,
    const char *outcome, struct json_object *details)
{
	return audit_as(r, r->who.user_id, r->who.user_id ? role_name(r->who.role) : NULL,
	    r->who.reg_number, action, entity_type, entity_id, outcome, details, false);
}

enum cerr
audit_commit(struct req *r, const char *action, const char *entity_type,
    const char *entity_id, const char *outcome, struct json_object *details)
{
	return audit_as(r, r->who.user_id, r->who.user_id ? role_name(r->who.role) : NULL,
	    r->who.reg_number, action, entity_type, entity_id, outcome, details, true);
}

struct walk {
	struct pool		*pool;
	struct audit_verdict	*v;
	char			 prev[AUDIT_HASH_HEX];
	int64_t			 expect;
	int64_t			 head_seq;		/* audit_head read before the walk */
	char			 hash_at_head[AUDIT_HASH_HEX];
	enum cerr		 rc;
};

static int
bad(struct walk *w, int64_t seq, const char *why)
{
	w->v->ok = false;
	w->v->first_bad = seq;
	(void)snprintf(w->v->reason, sizeof(w->v->reason), "%s", why);
	return 1;
}

static int
walk_row(void *arg, char **row, size_t *lens, size_t ncols)
{
	struct walk		*w = arg;
	struct audit_rec	 rec;
	char			 hash[AUDIT_HASH_HEX];
	enum cerr		 rc;

	(void)lens;
	if (ncols != 14)
		return bad(w, 0, "unexpected audit table shape");
	memset(&rec, 0, sizeof(rec));
	rec.seq = db_int(row[0]);
	rec.occurred_at = row[1];
	rec.actor_id = db_int(row[2]);
	rec.actor_role = row[3];
	rec.actor_reg = row[4];
	rec.action = row[5];
	rec.entity_type = row[6];
	rec.entity_id = row[7];
	rec.outcome = row[8];
	rec.request_id = row[9];
	rec.client_addr = row[10];
	rec.details = row[11];
	w->v->count++;
	if (rec.seq < w->expect)
		return bad(w, rec.seq, "row out of sequence");
	/*
	 * Past the head read before the walk, audit_append's rows arrive in
	 * order (each commits before the next takes the head), so a gap there
	 * means the row after it was put in by hand.
	 */
	if (rec.seq > w->expect)
		return w->expect > w->head_seq ?
		    bad(w, rec.seq, "row beyond the chain head was not written by the audit helper") :
		    bad(w, w->expect, "row missing");
	if (row[12] == NULL || strcmp(row[12], w->prev) != 0)
		return bad(w, rec.seq, "previous-hash link does not match the row before");
	if (rec.occurred_at == NULL || rec.action == NULL || rec.details == NULL)
		return bad(w, rec.seq, "required field is empty");
	/* Per-row scratch memory comes from the pool, reset per row. */
	pool_reset(w->pool);
	if ((rc = audit_chain_hash(w->pool, w->prev, &rec, hash)) != CE_OK) {
		w->rc = rc;
		return 1;
	}
	if (row[13] == NULL || strcmp(row[13], hash) != 0)
		return bad(w, rec.seq, "row contents do not match its hash");
	memcpy(w->prev, hash, sizeof(hash));
	if (rec.seq == w->head_seq)
		memcpy(w->hash_at_head, hash, sizeof(hash));
	w->v->head_seq = rec.seq;
	memcpy(w->v->head, hash, sizeof(hash));
	w->expect++;
	return 0;
}

/* Reads audit_head into *seq and hash; CE_NOTFOUND when the row is missing. */
static enum cerr
read_head(struct db *db, struct pool *pool, int64_t *seq, char hash[AUDIT_HASH_HEX])
{
	struct db_res	*res;
	enum cerr	 rc;

	if ((rc = db_exec(db, pool, &res, SQL_HEAD, "")) != CE_OK)
		return rc;
	if (res->nrows != 1 || res->rows[0][1] == NULL || res->lens[0][1] != 64)
		return CE_NOTFOUND;
	*seq = db_int(res->rows[0][0]);
	memcpy(hash, res->rows[0][1], AUDIT_HASH_HEX);
	return CE_OK;
}

/*
 * Writers may commit while we walk, so the head is read before and after:
 * every row up to the first head must be there and end at its hash, and no
 * row may lie beyond the second head (a row there was not written by
 * audit_append, which moves the head in the same transaction).
 */
enum cerr
audit_verify(struct db *db, struct audit_verdict *v)
{
	struct walk	 w;
	char		 head1[AUDIT_HASH_HEX], head2[AUDIT_HASH_HEX];
	int64_t		 seq1 = 0, seq2 = 0;
	enum cerr	 rc;

	memset(v, 0, sizeof(*v));
	memset(&w, 0, sizeof(w));
	v->ok = true;
	memcpy(v->head, ZERO_HASH, sizeof(ZERO_HASH));
	memcpy(w.prev, ZERO_HASH, sizeof(ZERO_HASH));
	memcpy(w.hash_at_head, ZERO_HASH, sizeof(ZERO_HASH));
	w.v = v;
	w.expect = 1;
	if ((w.pool = pool_new()) == NULL)
		return CE_NOMEM;
	rc = read_head(db, w.pool, &seq1, head1);
	if (rc == CE_NOTFOUND) {
		bad(&w, 1, "chain head record is missing");
		rc = CE_OK;
		goto out;
	}
	if (rc != CE_OK)
		goto out;
	w.head_seq = seq1;
	if ((rc = db_stream(db, SQL_WALK, walk_row, &w)) == CE_OK)
		rc = w.rc;
	if (rc != CE_OK || !v->ok)
		goto out;
	pool_reset(w.pool);
	if ((rc = read_head(db, w.pool, &seq2, head2)) != CE_OK) {
		if (rc == CE_NOTFOUND) {
			bad(&w, v->head_seq + 1, "chain head record is missing");
			rc = CE_OK;
		}
		goto out;
	}
	if (v->head_seq < seq1)
		bad(&w, v->head_seq + 1, "rows at the end of the chain are missing");
	else if (strcmp(w.hash_at_head, head1) != 0)
		bad(&w, seq1, "chain head does not match the row it names");
	else if (v->head_seq > seq2)
		bad(&w, seq2 + 1, "row beyond the chain head was not written by the audit helper");
out:
	pool_free(w.pool);
	return rc;
}
