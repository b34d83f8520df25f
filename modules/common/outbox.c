/* The outbox: see outbox.h. */
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "crypto.h"
#include "db.h"
#include "log.h"
#include "outbox.h"
#include "pool.h"
#include "req.h"

static const char SQL_PUT[] =
    "INSERT INTO outbox (kind, payload, idempotency_key, status, attempts,"
    " next_attempt_at, created_at)"
    " VALUES (?, ?, ?, 'pending', 0, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))";

bool
outbox_key_ok(const char *key)
{
	size_t	i;
	char	c;

	if (key == NULL)
		return false;
	for (i = 0; (c = key[i]) != '\0'; i++)
		if (i >= OUTBOX_KEY_MAX || !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '.' || c == '_' || c == ':' || c == '-'))
			return false;
	return i > 0;
}

static const char SQL_PUT_AT[] =
    "INSERT INTO outbox (kind, payload, idempotency_key, status, attempts,"
    " next_attempt_at, created_at)"
    " VALUES (?, ?, ?, 'pending', 0, GREATEST(UTC_TIMESTAMP(6), CAST(? AS DATETIME(6))),"
    " UTC_TIMESTAMP(6))";

enum cerr
outbox_put(struct req *r, const char *kind, const char *key, struct json_object *payload)
{
	return outbox_put_at(r, kind, key, payload, 0);
}

enum cerr
outbox_put_at(struct req *r, const char *kind, const char *key, struct json_object *payload,
    int64_t due_unix)
{
	unsigned char	 raw[16];
	char		 hex[33], due[24];
	const char	*text;
	struct tm	 tm;
	time_t		 t = (time_t)due_unix;
	enum cerr	 rc;

	if (payload == NULL || kind == NULL || *kind == '\0' || strlen(kind) > 64 ||
	    !db_in_tx(r->db) || (key != NULL && !outbox_key_ok(key))) {
		json_object_put(payload);
		return CE_INVALID;
	}
	if (key == NULL) {
		if ((rc = crypto_random(raw, sizeof(raw))) != CE_OK) {
			json_object_put(payload);
			return rc;
		}
		hex_encode(raw, sizeof(raw), hex);
		key = hex;
	}
	text = pool_strdup(r->pool, json_object_to_json_string_ext(payload,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(payload);
	if (text == NULL)
		return CE_NOMEM;
	if (due_unix > 0) {
		if (gmtime_r(&t, &tm) == NULL ||
		    strftime(due, sizeof(due), "%Y-%m-%d %H:%M:%S", &tm) == 0)
			return CE_INVALID;
		rc = db_exec(r->db, r->pool, NULL, SQL_PUT_AT, "ssss", kind, text, key, due);
	} else
		rc = db_exec(r->db, r->pool, NULL, SQL_PUT, "sss", kind, text, key);
	if (rc != CE_OK && rc != CE_DUPLICATE)
		log_err("outbox_put %s failed: %s", kind, cerr_str(rc));
	return rc;
}

long long
outbox_backoff_cap_ms(unsigned attempt, long long base_ms, long long max_ms)
{
	long long	cap = base_ms;
	unsigned	i;

	if (base_ms <= 0 || max_ms <= 0)
		return 0;
	if (cap >= max_ms)
		return max_ms;
	for (i = 0; i < attempt; i++) {
		if (cap > max_ms / 2)
			return max_ms;
		cap *= 2;
	}
	return cap < max_ms ? cap : max_ms;
}

long long
outbox_backoff_ms(unsigned attempt, long long base_ms, long long max_ms, uint64_t rnd)
{
	long long	cap = outbox_backoff_cap_ms(attempt, base_ms, max_ms);

	if (cap <= 0)
		return 0;
	return (long long)(rnd % ((uint64_t)cap + 1));
}

static const char SQL_PURGE[] =
    "DELETE FROM outbox WHERE status IN ('done', 'failed')"
    " AND COALESCE(delivered_at, next_attempt_at, created_at)"
    " < UTC_TIMESTAMP(6) - INTERVAL ? DAY";

enum cerr
outbox_purge(struct db *db, struct pool *pool, long keep_days, uint64_t *removed)
{
	enum cerr	rc;

	*removed = 0;
	if ((rc = db_exec(db, pool, NULL, SQL_PURGE, "i", (int64_t)keep_days)) != CE_OK)
		return rc;
	*removed = db_affected(db);
	return CE_OK;
}
