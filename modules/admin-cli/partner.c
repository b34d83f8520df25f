/*
 * clinic partner-set: the clinic's partner pharmacies (cli.h; helper A).
 *
 *   clinic partner-set --code C --name N --url URL --send-secret-file F
 *       --receive-secret-file F [--inactive]
 *
 * code is [a-z0-9-]{1,32} (it appears in the events URL
 * /api/v1/bridge/events/{code}); url is the partner's base URL, https, or
 * http only to a loopback host (the demo and test stacks); each secret file
 * holds one "whsec_..." string (a trailing newline is allowed). The secrets
 * are sealed under secret_key with the labels "pharmacy_partner:<code>:send"
 * and ":receive" (docs/WEBHOOKS.md). The row is added or updated by code, and
 * the change audited as "bridge.partner_set" (never with the secrets), in
 * one transaction.
 */
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/crypto.h>

#include "conf.h"
#include "crypto.h"
#include "db.h"
#include "pool.h"
#include "webhook.h"
#include "cli.h"

#define PARTNER_URL_MAX		500
#define PARTNER_NAME_MAX	200
#define PARTNER_CODE_MAX	32
#define SEAL_LABEL_MAX		(sizeof("pharmacy_partner::receive") + PARTNER_CODE_MAX)

static const char SQL_PARTNER_UPSERT[] =
    "INSERT INTO pharmacy_partner (code, name, base_url, send_secret_sealed,"
    " receive_secret_sealed, active, created_at, updated_at)"
    " VALUES (?, ?, ?, ?, ?, ?, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))"
    " ON DUPLICATE KEY UPDATE name = VALUES(name), base_url = VALUES(base_url),"
    " send_secret_sealed = VALUES(send_secret_sealed),"
    " receive_secret_sealed = VALUES(receive_secret_sealed),"
    " active = VALUES(active), updated_at = VALUES(updated_at)";
static const char SQL_PARTNER_ID[] =
    "SELECT id FROM pharmacy_partner WHERE code = ?";

static void
partner_usage(void)
{
	fprintf(stderr, "usage: clinic partner-set --code C --name N --url URL"
	    " --send-secret-file F --receive-secret-file F [--inactive]\n");
}

static bool
code_ok(const char *s)
{
	size_t	n = strlen(s);

	return n >= 1 && n <= PARTNER_CODE_MAX &&
	    strspn(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == n;
}

static bool
name_ok(const char *s)
{
	size_t	n = strlen(s);
	size_t	i;

	if (n == 0 || n > PARTNER_NAME_MAX)
		return false;
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return false;
	return true;
}

/*
 * https://host[:port][/path] or http://<loopback>[:port][/path]; no user
 * part, query or fragment; printable ASCII only. A trailing '/' is dropped
 * (the inbox path is appended). Returns the URL in pool memory, or NULL
 * with *why set.
 */
static const char *
url_ok(struct pool *pool, const char *s, const char **why)
{
	static const char *const loopback[] = { "127.0.0.1", "localhost", "[::1]" };
	const char	*host, *end;
	size_t		 n = strlen(s), hl, i;
	bool		 tls, local = false;
	char		*out;

	if (n == 0 || n > PARTNER_URL_MAX) {
		*why = "must be 1 to 500 characters";
		return NULL;
	}
	for (i = 0; i < n; i++)
		if ((unsigned char)s[i] <= 0x20 || (unsigned char)s[i] >= 0x7f) {
			*why = "must be printable ASCII without spaces";
			return NULL;
		}
	if (strncmp(s, "https://", 8) == 0) {
		tls = true;
		host = s + 8;
	} else if (strncmp(s, "http://", 7) == 0) {
		tls = false;
		host = s + 7;
	} else {
		*why = "must start with https:// (or http:// to a loopback address)";
		return NULL;
	}
	if (strpbrk(s, "?#@\\") != NULL) {
		*why = "must not have a user, query or fragment part";
		return NULL;
	}
	end = host + strcspn(host, "/");
	if (*host == '[')
		hl = strcspn(host, "]") + 1;
	else
		hl = strcspn(host, ":/");
	if (hl == 0 || host + hl > end) {
		*why = "has no host";
		return NULL;
	}
	if (host[hl] == ':') {
		const char	*p = host + hl + 1;
		size_t		 dl = (size_t)(end - p);
		long		 port;
		char		*e;

		if (dl == 0 || dl > 5 || strspn(p, "0123456789") != dl) {
			*why = "has a bad port";
			return NULL;
		}
		port = strtol(p, &e, 10);
		if (e != end || port < 1 || port > 65535) {
			*why = "has a bad port";
			return NULL;
		}
	} else if (host + hl != end) {
		*why = "has a bad host";
		return NULL;
	}
	for (i = 0; i < sizeof(loopback) / sizeof(loopback[0]); i++)
		if (strlen(loopback[i]) == hl && strncmp(host, loopback[i], hl) == 0)
			local = true;
	if (!tls && !local) {
		*why = "must use https unless the host is a loopback address";
		return NULL;
	}
	while (n > (size_t)(end - s) && s[n - 1] == '/')
		n--;
	if ((out = pool_strndup(pool, s, n)) == NULL)
		*why = "could not be copied (out of memory)";
	return out;
}

/*
 * Reads a whsec_ secret from path into out. Returns the byte count, or 0
 * after saying what is wrong.
 */
static size_t
secret_file(const char *opt, const char *path, unsigned char out[WEBHOOK_SECRET_MAX])
{
	char	 buf[WEBHOOK_SECRET_TEXT_MAX + 4];
	FILE	*f;
	size_t	 n, len = 0;
	int	 extra;

	if ((f = fopen(path, "rb")) == NULL) {
		fprintf(stderr, "clinic: --%s %s: cannot be read\n", opt, path);
		return 0;
	}
	n = fread(buf, 1, sizeof(buf) - 1, f);
	extra = fgetc(f);
	if (ferror(f) || fclose(f) != 0 || extra != EOF) {
		fprintf(stderr, "clinic: --%s %s: cannot be read or is too long\n", opt, path);
		return 0;
	}
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		buf[--n] = '\0';
	if (strlen(buf) != n || webhook_secret_decode(buf, out, &len) != CE_OK) {
		fprintf(stderr, "clinic: --%s %s: must hold one whsec_ secret"
		    " (whsec_ and the base64 of %d to %d random bytes)\n", opt, path,
		    WEBHOOK_SECRET_MIN, WEBHOOK_SECRET_MAX);
		return 0;
	}
	return len;
}

static int
seal(const char *code, const char *dir, const unsigned char *secret, size_t len,
    unsigned char *out)
{
	char	label[SEAL_LABEL_MAX];
	int	n;

	n = snprintf(label, sizeof(label), "pharmacy_partner:%s:%s", code, dir);
	if (n < 0 || (size_t)n >= sizeof(label))
		return -1;
	return crypto_seal(conf_secret_key(), label, secret, len, out) == CE_OK ? 0 : -1;
}

int
cmd_partner_set(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "code", required_argument, NULL, 'c' },
		{ "name", required_argument, NULL, 'n' },
		{ "url", required_argument, NULL, 'u' },
		{ "send-secret-file", required_argument, NULL, 's' },
		{ "receive-secret-file", required_argument, NULL, 'r' },
		{ "inactive", no_argument, NULL, 'I' },
		{ NULL, 0, NULL, 0 },
	};
	const char		*code = NULL, *name = NULL, *url = NULL, *sendf = NULL;
	const char		*recvf = NULL, *base, *why = NULL;
	unsigned char		 ssec[WEBHOOK_SECRET_MAX], rsec[WEBHOOK_SECRET_MAX];
	unsigned char		 ssealed[WEBHOOK_SECRET_MAX + SEAL_OVERHEAD];
	unsigned char		 rsealed[WEBHOOK_SECRET_MAX + SEAL_OVERHEAD];
	size_t			 slen = 0, rlen = 0;
	bool			 active = true;
	struct json_object	*d;
	struct db_res		*res;
	struct pool		*pool;
	struct db		*db;
	int			 c, rc = 1;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'c': code = optarg; break;
		case 'n': name = optarg; break;
		case 'u': url = optarg; break;
		case 's': sendf = optarg; break;
		case 'r': recvf = optarg; break;
		case 'I': active = false; break;
		default: partner_usage(); return 2;
		}
	}
	if (optind != argc || code == NULL || name == NULL || url == NULL ||
	    sendf == NULL || recvf == NULL) {
		partner_usage();
		return 2;
	}
	if (!code_ok(code)) {
		fprintf(stderr, "clinic: --code must be 1 to 32 of a-z, 0-9 and -\n");
		return 1;
	}
	if (!name_ok(name)) {
		fprintf(stderr, "clinic: --name must be 1 to 200 characters without control characters\n");
		return 1;
	}
	if (conf_secret_key() == NULL) {
		fprintf(stderr, "clinic: partner-set needs secret_key in the configuration "
		    "(make one with: openssl rand -hex 32)\n");
		return 1;
	}
	if ((pool = pool_new()) == NULL) {
		fprintf(stderr, "clinic: out of memory\n");
		return 1;
	}
	if ((base = url_ok(pool, url, &why)) == NULL) {
		fprintf(stderr, "clinic: --url %s\n", why);
		goto out;
	}
	if ((slen = secret_file("send-secret-file", sendf, ssec)) == 0 ||
	    (rlen = secret_file("receive-secret-file", recvf, rsec)) == 0)
		goto out;
	if (seal(code, "send", ssec, slen, ssealed) != 0 ||
	    seal(code, "receive", rsec, rlen, rsealed) != 0) {
		fprintf(stderr, "clinic: could not seal the secrets\n");
		goto out;
	}
	if ((db = db_open(NULL, NULL)) == NULL)
		goto out;
	if (db_begin(db) != CE_OK ||
	    db_exec(db, pool, NULL, SQL_PARTNER_UPSERT, "sssbbi", code, name, base,
	    ssealed, slen + SEAL_OVERHEAD, rsealed, rlen + SEAL_OVERHEAD,
	    (int64_t)(active ? 1 : 0)) != CE_OK ||
	    db_exec(db, pool, &res, SQL_PARTNER_ID, "s", code) != CE_OK || res->nrows != 1) {
		fprintf(stderr, "clinic: could not store the partner: %s\n", db_error(db));
		db_rollback(db);
		db_close(db);
		goto out;
	}
	if ((d = json_object_new_object()) != NULL) {
		json_object_object_add(d, "code", json_object_new_string(code));
		json_object_object_add(d, "name", json_object_new_string(name));
		json_object_object_add(d, "base_url", json_object_new_string(base));
		json_object_object_add(d, "active", json_object_new_boolean(active));
	}
	if (cli_audit_commit(db, pool, "bridge.partner_set", "pharmacy_partner", res->rows[0][0],
	    "clinic partner-set", d, "the partner") == 0) {
		printf("partner %s (id %s) set: %s, %s\n", code, res->rows[0][0], base,
		    active ? "active" : "inactive");
		rc = 0;
	}
	db_close(db);
out:
	OPENSSL_cleanse(ssec, sizeof(ssec));
	OPENSSL_cleanse(rsec, sizeof(rsec));
	pool_free(pool);
	return rc;
}
