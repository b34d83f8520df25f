/*
 * Prescribers' signing keys: ECDSA P-256, one current key per prescriber,
 * made at their first signing. The private part (PKCS#8 DER) is kept sealed
 * under secret_key with a label naming its owner and opened only by the
 * signing handler after a fresh second-factor code; the public part is
 * published as PEM for anyone to verify with (docs/API.md#prescribing).
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <json-c/json.h>

#include "audit.h"
#include "conf.h"
#include "crypto.h"
#include "db.h"
#include "pool.h"
#include "reply.h"
#include "req.h"
#include "patient.h"
#include "rx.h"

#define KEY_DER_MAX	256	/* a P-256 PKCS#8 key is about 138 bytes */

static const char SQL_CURRENT[] =
    "SELECT id, fingerprint, public_pem, private_sealed FROM prescriber_key"
    " WHERE clinician_id = ? AND retired_at IS NULL ORDER BY id DESC LIMIT 1";
/* What anyone may read: the public part only, of a clinician's key. */
static const char SQL_PUBLIC[] =
    "SELECT k.id, k.fingerprint, k.public_pem FROM prescriber_key k"
    " JOIN users u ON u.id = k.clinician_id AND u.role = 'clinician'"
    " WHERE k.clinician_id = ? AND (? IS NULL AND k.retired_at IS NULL OR k.fingerprint = ?)"
    " ORDER BY k.id DESC LIMIT 1";
static const char SQL_RETIRE[] =
    "UPDATE prescriber_key SET retired_at = UTC_TIMESTAMP(6) WHERE id = ? AND retired_at IS NULL";
static const char SQL_INSERT[] =
    "INSERT INTO prescriber_key (clinician_id, fingerprint, public_pem, private_sealed,"
    " created_at) VALUES (?, ?, ?, ?, UTC_TIMESTAMP(6))";

/* "clinic-prescriber-key-v1:<id>": what a sealed key is for and whose it is. */
static void
seal_label(int64_t clinician_id, char out[64])
{
	(void)snprintf(out, 64, "clinic-prescriber-key-v1:%" PRId64, clinician_id);
}

static void
fill(struct db_res *res, struct rx_key *k)
{
	k->id = db_int(res->rows[0][0]);
	k->fingerprint = res->rows[0][1];
	k->public_pem = res->rows[0][2];
	k->sealed = (const unsigned char *)res->rows[0][3];
	k->sealed_len = res->lens[0][3];
}

/* A new key pair into k (pool strings) and stored. */
static enum cerr
make_key(struct req *r, int64_t clinician_id, struct rx_key *k)
{
	EVP_PKEY		*pkey = NULL;
	PKCS8_PRIV_KEY_INFO	*p8 = NULL;
	BIO			*bio = NULL;
	unsigned char		*der = NULL, *pub = NULL, *sealed, *q;
	unsigned char		 digest[SHA256_LEN];
	char			 label[64], *fp, *pem;
	const char		*mem;
	long			 memlen;
	int			 derlen = 0, publen;
	enum cerr		 rc = CE_CRYPTO;

	if ((pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")) == NULL ||
	    (p8 = EVP_PKEY2PKCS8(pkey)) == NULL ||
	    (derlen = i2d_PKCS8_PRIV_KEY_INFO(p8, &der)) <= 0 || derlen > KEY_DER_MAX ||
	    (publen = i2d_PUBKEY(pkey, &pub)) <= 0 ||
	    crypto_sha256(pub, (size_t)publen, digest) != CE_OK ||
	    (bio = BIO_new(BIO_s_mem())) == NULL || PEM_write_bio_PUBKEY(bio, pkey) != 1 ||
	    (memlen = BIO_get_mem_data(bio, &mem)) <= 0)
		goto out;
	rc = CE_NOMEM;
	if ((fp = pool_calloc(r->pool, SHA256_LEN * 2 + 1, 1)) == NULL ||
	    (pem = pool_strndup(r->pool, mem, (size_t)memlen)) == NULL ||
	    (sealed = pool_calloc(r->pool, (size_t)derlen + SEAL_OVERHEAD, 1)) == NULL)
		goto out;
	hex_encode(digest, SHA256_LEN, fp);
	seal_label(clinician_id, label);
	q = der;
	if ((rc = crypto_seal(conf_secret_key(), label, q, (size_t)derlen, sealed)) != CE_OK)
		goto out;
	if ((rc = db_exec(r->db, r->pool, NULL, SQL_INSERT, "issb", clinician_id, fp, pem, sealed,
	    (size_t)derlen + SEAL_OVERHEAD)) != CE_OK)
		goto out;
	k->id = (int64_t)db_insert_id(r->db);
	k->fingerprint = fp;
	k->public_pem = pem;
	k->sealed = sealed;
	k->sealed_len = (size_t)derlen + SEAL_OVERHEAD;
	rc = CE_OK;
out:
	if (der != NULL) {
		OPENSSL_cleanse(der, (size_t)derlen);
		OPENSSL_free(der);
	}
	OPENSSL_free(pub);
	BIO_free(bio);
	PKCS8_PRIV_KEY_INFO_free(p8);
	EVP_PKEY_free(pkey);
	return rc;
}

enum cerr
rx_key_current(struct req *r, int64_t clinician_id, bool create, struct rx_key *k)
{
	struct db_res	*res;
	enum cerr	 rc;

	memset(k, 0, sizeof(*k));
	if ((rc = db_exec(r->db, r->pool, &res, SQL_CURRENT, "i", clinician_id)) != CE_OK)
		return rc;
	if (res->nrows == 1) {
		fill(res, k);
		return CE_OK;
	}
	if (!create)
		return CE_NOTFOUND;
	if (conf_secret_key() == NULL)
		return CE_CONF;
	return make_key(r, clinician_id, k);
}

enum cerr
rx_key_sign(int64_t clinician_id, const struct rx_key *k, const void *doc, size_t len,
    unsigned char *sig, size_t *siglen)
{
	unsigned char		 der[KEY_DER_MAX];
	const unsigned char	*p = der;
	PKCS8_PRIV_KEY_INFO	*p8 = NULL;
	EVP_PKEY		*pkey = NULL;
	EVP_MD_CTX		*ctx = NULL;
	char			 label[64];
	size_t			 derlen = 0, cap = *siglen;
	enum cerr		 rc = CE_CRYPTO;

	seal_label(clinician_id, label);
	if (conf_secret_key() == NULL || k->sealed_len < SEAL_OVERHEAD ||
	    k->sealed_len > sizeof(der) + SEAL_OVERHEAD)
		return CE_CRYPTO;
	if ((rc = crypto_open(conf_secret_key(), label, k->sealed, k->sealed_len, der,
	    &derlen)) != CE_OK) {
		if (rc != CE_INVALID)
			rc = CE_CRYPTO;
		goto out;
	}
	rc = CE_CRYPTO;
	if ((p8 = d2i_PKCS8_PRIV_KEY_INFO(NULL, &p, (long)derlen)) == NULL ||
	    (pkey = EVP_PKCS82PKEY(p8)) == NULL || (ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, pkey) != 1 ||
	    EVP_DigestSign(ctx, NULL, siglen, doc, len) != 1 || *siglen > cap ||
	    EVP_DigestSign(ctx, sig, siglen, doc, len) != 1)
		goto out;
	rc = CE_OK;
out:
	OPENSSL_cleanse(der, sizeof(der));
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	PKCS8_PRIV_KEY_INFO_free(p8);
	return rc;
}

enum cerr
rx_key_retire(struct req *r, int64_t clinician_id, const struct rx_key *k, const char *reason)
{
	struct json_object	*d;
	char			 eid[24];
	enum cerr		 rc;

	if ((rc = db_exec(r->db, r->pool, NULL, SQL_RETIRE, "i", k->id)) != CE_OK)
		return rc;
	(void)snprintf(eid, sizeof(eid), "%" PRId64, k->id);
	if ((d = json_object_new_object()) != NULL) {
		json_object_object_add(d, "clinician_id", json_object_new_int64(clinician_id));
		json_object_object_add(d, "fingerprint", json_object_new_string(k->fingerprint));
		json_object_object_add(d, "reason", json_object_new_string(reason));
	}
	return audit(r, "prescriber_key.retired", "prescriber_key", eid, "success", d);
}

/*
 * GET /api/v1/prescriptions/keys/{clinician_id}[?fingerprint=]: public, PEM.
 * One and the same 404 for every "no such key" (not a clinician, no key, an
 * unknown fingerprint), so anonymous callers learn nothing about users.
 */
int
rx_key(struct req *r)
{
	struct db_res	*res;
	int64_t		 id = req_id(r, "clinician_id");
	const char	*fp = r->q.vals[0].present ? r->q.vals[0].s : NULL;
	enum cerr	 rc;

	if (id == 0)
		return reply_problem(r, 404, "not-found", "No such key", NULL);
	if ((rc = db_exec(r->db, r->pool, &res, SQL_PUBLIC, "iss", id, fp, fp)) != CE_OK)
		return reply_db(r, rc);
	if (res->nrows != 1)
		return reply_problem(r, 404, "not-found", "No such key", NULL);
	if (reply_header(r, "Content-Type", "application/x-pem-file") != 0 ||
	    reply_header(r, "X-Key-Fingerprint", res->rows[0][1]) != 0)
		return reply_internal(r, "out of memory");
	r->out = pool_strdup(r->pool, res->rows[0][2]);
	if (r->out == NULL)
		return reply_internal(r, "out of memory");
	r->outlen = strlen(r->out);
	r->status = 200;
	return 200;
}
