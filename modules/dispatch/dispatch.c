/*
 * dispatch: delivers the outbox (modules/common/outbox.h). Any number may
 * run, on any hosts: each claims one due row at a time with
 * SELECT ... FOR UPDATE SKIP LOCKED and marks it 'sending' with a lease
 * (locked_until); a row whose lease ran out (its dispatcher died) is claimed
 * again. The call happens outside any transaction; its outcome is recorded,
 * with the handler's effects and an audit row (actor role "system"), in one
 * transaction that first checks the lease is still ours. A failure is tried
 * again after a full-jitter exponential backoff (dispatch_backoff_base_ms,
 * dispatch_backoff_max_ms) until dispatch_max_attempts, then the row is
 * 'failed', the dead letter (GET /api/v1/outbox?status=failed shows it to
 * admins, POST /api/v1/outbox/{id}/replay sends it again). A Retry-After the
 * partner sends with a retryable answer is a floor for the next wait
 * (retry_wait_ms; at most RETRY_AFTER_MAX_MS, an hour). An
 * outcome that cannot be recorded (other than a deadlock, retried, or a lost
 * connection) fails the row in a second transaction, with the error: a
 * handler that cannot store a partner's answer would otherwise leave the row
 * 'sending', claimed and sent again every lease, for ever. A 'sending' row
 * whose lease ran out after its last attempt is failed, not sent again.
 * idv_base_url, notify_email_url and notify_sms_url must be https (plain http
 * only to a loopback host, such as the stand-ins): otherwise it does not
 * start (exit 78).
 * SIGTERM or SIGINT stops it after the current delivery.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "audit.h"
#include "conf.h"
#include "crypto.h"
#include "db.h"
#include "dispatch.h"
#include "log.h"
#include "outbox.h"
#include "pool.h"
#include "req.h"
#include "../idv/provider.h"
#include "../prescriptions/rx.h"
#include "../pharmacy/pharmacy.h"

static const char SQL_PICK[] =
    "SELECT id, kind, payload, idempotency_key, attempts, status FROM outbox"
    " WHERE ((status = 'pending' AND next_attempt_at <= UTC_TIMESTAMP(6))"
    " OR (status = 'sending' AND locked_until < UTC_TIMESTAMP(6)))"
    " AND FIND_IN_SET(kind, ?) > 0"
    " ORDER BY next_attempt_at, id LIMIT 1 FOR UPDATE SKIP LOCKED";
static const char SQL_CLAIM[] =
    "UPDATE outbox SET status = 'sending', attempts = attempts + 1, locked_by = ?,"
    " locked_until = UTC_TIMESTAMP(6) + INTERVAL ? SECOND WHERE id = ?";
static const char SQL_LEASE[] =
    "UPDATE outbox SET locked_by = ?, locked_until = UTC_TIMESTAMP(6) + INTERVAL ? SECOND"
    " WHERE id = ?";
static const char SQL_MINE[] =
    "SELECT id FROM outbox WHERE id = ? AND status = 'sending' AND locked_by = ? FOR UPDATE";
static const char SQL_DONE[] =
    "UPDATE outbox SET status = 'done', delivered_at = UTC_TIMESTAMP(6), result = ?,"
    " payload = COALESCE(?, payload), last_error = NULL, locked_until = NULL, locked_by = NULL"
    " WHERE id = ?";
static const char SQL_RETRY[] =
    "UPDATE outbox SET status = 'pending', last_error = ?, locked_until = NULL, locked_by = NULL,"
    " next_attempt_at = UTC_TIMESTAMP(6) + INTERVAL ? MICROSECOND WHERE id = ?";
static const char SQL_FAIL[] =
    "UPDATE outbox SET status = 'failed', last_error = ?, locked_until = NULL, locked_by = NULL"
    " WHERE id = ?";

static volatile sig_atomic_t	stopping;
static char			me[64];		/* this dispatcher: host:pid:random */

static void
on_term(int sig)
{
	(void)sig;
	stopping = 1;
}

/*
 * The kinds this dispatcher delivers, comma-separated (FIND_IN_SET): rows
 * of any other kind (e.g. "pharmacy.*" until the pharmacy bridge exists)
 * are never claimed and stay pending, untouched, for the program that will
 * deliver them. Set once at start-up by dispatch_kinds_list().
 */
static char	deliverable[1024];

/*
 * Fills buf (cap bytes) with the names of the kinds in the tables,
 * comma-separated. Returns 0, or -1 when they do not fit or a name holds a
 * comma.
 */
int
dispatch_kinds_list(char *buf, size_t cap)
{
	const struct kind	*tables[] = { idv_kinds, notify_kinds, bridge_kinds,
				    pharmacy_kinds, courier_kinds };
	size_t			 counts[] = { idv_nkinds, notify_nkinds, bridge_nkinds,
				    pharmacy_nkinds, courier_nkinds };
	size_t			 t, i, used = 0, len;

	if (cap == 0)
		return -1;
	buf[0] = '\0';
	for (t = 0; t < nitems(tables); t++)
		for (i = 0; i < counts[t]; i++) {
			len = strlen(tables[t][i].name);
			if (strchr(tables[t][i].name, ',') != NULL ||
			    used + len + 2 > cap)
				return -1;
			if (used > 0)
				buf[used++] = ',';
			memcpy(buf + used, tables[t][i].name, len);
			used += len;
			buf[used] = '\0';
		}
	return 0;
}

static const struct kind *
kind_for(const char *name)
{
	const struct kind	*tables[] = { idv_kinds, notify_kinds, bridge_kinds,
				    pharmacy_kinds, courier_kinds };
	size_t			 counts[] = { idv_nkinds, notify_nkinds, bridge_nkinds,
				    pharmacy_nkinds, courier_nkinds };
	size_t			 t, i;

	for (t = 0; t < nitems(tables); t++)
		for (i = 0; i < counts[t]; i++)
			if (strcmp(tables[t][i].name, name) == 0)
				return &tables[t][i];
	return NULL;
}

static void
put_json(void *arg)
{
	json_object_put(arg);
}

/*
 * Claims one due row into j (pool-owned). Returns CE_OK with *got set, or a
 * database error.
 */
static enum cerr
claim(struct req *r, struct job *j, bool *got)
{
	struct db_res	*res;
	const char	*why;
	int64_t		 lease = conf.dispatch_timeout_seconds * 2 + 30;
	enum cerr	 rc;

	*got = false;
	if ((rc = db_begin(r->db)) != CE_OK)
		return rc;
	if ((rc = db_exec(r->db, r->pool, &res, SQL_PICK, "s", deliverable)) != CE_OK)
		goto fail;
	if (res->nrows == 0) {
		db_rollback(r->db);
		return CE_OK;
	}
	j->id = db_int(res->rows[0][0]);
	j->attempts = db_int(res->rows[0][4]);
	/* Left 'sending' after its last attempt (its dispatcher died): only to be failed. */
	j->spent = strcmp(res->rows[0][5], "sending") == 0 &&
	    j->attempts >= conf.dispatch_max_attempts;
	if (j->spent)
		rc = db_exec(r->db, r->pool, NULL, SQL_LEASE, "sii", me, lease, j->id);
	else {
		rc = db_exec(r->db, r->pool, NULL, SQL_CLAIM, "sii", me, lease, j->id);
		j->attempts++;
	}
	if (rc != CE_OK || (rc = db_commit(r->db)) != CE_OK)
		goto fail;
	j->kind = res->rows[0][1];
	j->key = res->rows[0][3];
	(void)snprintf(j->eid, sizeof(j->eid), "%" PRId64, j->id);
	j->payload = req_parse_json(res->rows[0][2], res->lens[0][2], &why);
	if (j->payload != NULL && pool_cleanup(r->pool, put_json, j->payload) == -1) {
		json_object_put(j->payload);
		j->payload = NULL;
	}
	*got = true;
	return CE_OK;
fail:
	db_rollback(r->db);
	return rc;
}

/* What a delivered row keeps of the answer (see struct kind); NULL if none or on OOM. */
static const char *
answer_kept(struct req *r, const struct kind *k, struct answer *a)
{
	struct json_object	*o, *v;
	const char		*text;

	if (a->json == NULL)
		return NULL;
	if (k != NULL && k->keep_answer)
		return pool_strdup(r->pool, json_object_to_json_string_ext(a->json,
		    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	if ((o = json_object_new_object()) == NULL)
		return NULL;
	if (json_object_object_get_ex(a->json, "id", &v))
		json_object_object_add(o, "id", json_object_get(v));
	if (json_object_object_get_ex(a->json, "status", &v))
		json_object_object_add(o, "status", json_object_get(v));
	json_object_object_add(o, "http_status", json_object_new_int64(a->status));
	text = pool_strdup(r->pool, json_object_to_json_string_ext(o,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return text;
}

/* Records the outcome of one delivery; the transaction is committed here. */
static enum cerr
record(struct req *r, struct job *j, const struct kind *k, enum verdict v, struct answer *a)
{
	struct db_res		*res;
	struct json_object	*d;
	const char		*result = NULL, *action;
	long long		 delay = 0;
	uint64_t		 rnd = 0;
	enum cerr		 rc;

	if (v != V_DONE && j->attempts >= conf.dispatch_max_attempts)
		v = V_FAIL;
	if ((rc = db_begin(r->db)) != CE_OK)
		return rc;
	if ((rc = db_exec(r->db, r->pool, &res, SQL_MINE, "is", j->id, me)) != CE_OK)
		goto fail;
	if (res->nrows == 0) {
		log_warn("outbox %" PRId64 ": lease lost before the outcome was recorded", j->id);
		db_rollback(r->db);
		return CE_OK;
	}
	d = json_object_new_object();
	json_object_object_add(d, "kind", json_object_new_string(j->kind));
	json_object_object_add(d, "attempt", json_object_new_int64(j->attempts));
	switch (v) {
	case V_DONE:
		if ((result = answer_kept(r, k, a)) == NULL && a->json != NULL) {
			json_object_put(d);
			rc = CE_NOMEM;
			goto fail;
		}
		if ((rc = db_exec(r->db, r->pool, NULL, SQL_DONE, "ssi", result,
		    k != NULL && k->personal ? "{\"redacted\":true}" : NULL, j->id)) != CE_OK ||
		    (k != NULL && (rc = k->done(r, j, a)) != CE_OK)) {
			json_object_put(d);
			goto fail;
		}
		action = "outbox.delivered";
		break;
	case V_RETRY:
		if (crypto_random(&rnd, sizeof(rnd)) != CE_OK)
			rnd = (uint64_t)time(NULL) ^ (uint64_t)j->id;
		delay = outbox_backoff_ms((unsigned)(j->attempts - 1), conf.dispatch_backoff_base_ms,
		    conf.dispatch_backoff_max_ms, rnd);
		/* The partner's Retry-After is a floor (capped at RETRY_AFTER_MAX_MS). */
		if (a->retry_after_ms > 0)
			delay = retry_wait_ms(delay, a->retry_after_ms);
		if ((rc = db_exec(r->db, r->pool, NULL, SQL_RETRY, "sii", a->why,
		    (int64_t)delay * 1000, j->id)) != CE_OK) {
			json_object_put(d);
			goto fail;
		}
		json_object_object_add(d, "error", json_object_new_string(a->why));
		json_object_object_add(d, "retry_in_ms", json_object_new_int64(delay));
		if (a->retry_after_ms > 0)
			json_object_object_add(d, "retry_after_ms",
			    json_object_new_int64(a->retry_after_ms));
		action = "outbox.retry_scheduled";
		break;
	default:
		if ((rc = db_exec(r->db, r->pool, NULL, SQL_FAIL, "si", a->why, j->id)) != CE_OK ||
		    (k != NULL && (rc = k->failed(r, j, a->why)) != CE_OK)) {
			json_object_put(d);
			goto fail;
		}
		json_object_object_add(d, "error", json_object_new_string(a->why));
		action = "outbox.failed";
		break;
	}
	if ((rc = audit_as(r, 0, "system", NULL, action, "outbox", j->eid,
	    v == V_DONE ? "success" : "failure", d, true)) != CE_OK)
		goto fail;
	log_info("outbox %" PRId64 " %s attempt %" PRId64 ": %s%s%s", j->id, j->kind, j->attempts,
	    v == V_DONE ? "delivered" : v == V_RETRY ? "retry" : "failed",
	    v == V_DONE ? "" : ": ", v == V_DONE ? "" : a->why);
	return CE_OK;
fail:
	db_rollback(r->db);
	return rc;
}

/* record() retried on deadlock. */
static enum cerr
record_retried(struct req *r, struct job *j, const struct kind *k, enum verdict v,
    struct answer *a)
{
	enum cerr	rc = CE_DEADLOCK;
	int		i;

	for (i = 0; i < 3 && rc == CE_DEADLOCK; i++)
		rc = record(r, j, k, v, a);
	return rc;
}

/*
 * One job: deliver, then record (a deadlock while recording is retried). An
 * outcome that cannot be recorded otherwise fails the row (with the
 * handler's failed(), or without it if that cannot be recorded either).
 */
static void
run_job(struct req *r, struct job *j)
{
	const struct kind	*k = kind_for(j->kind);
	struct answer		 a, b;
	enum verdict		 v;
	enum cerr		 rc;

	memset(&a, 0, sizeof(a));
	j->r = r;
	if (j->spent) {
		(void)snprintf(a.why, sizeof(a.why), "its lease ran out after the last attempt (%"
		    PRId64 "): not sent again", j->attempts);
		v = V_FAIL;
	} else if (k == NULL) {
		(void)snprintf(a.why, sizeof(a.why), "no handler for kind %s", j->kind);
		v = V_FAIL;
	} else if (j->payload == NULL || !json_object_is_type(j->payload, json_type_object)) {
		(void)snprintf(a.why, sizeof(a.why), "the payload is not a JSON object");
		v = V_FAIL;
	} else
		v = k->deliver(j, &a);
	rc = record_retried(r, j, k, v, &a);
	if (rc != CE_OK && rc != CE_DEADLOCK && rc != CE_GONE) {
		log_err("outbox %" PRId64 ": could not record the outcome: %s; failing it",
		    j->id, cerr_str(rc));
		memset(&b, 0, sizeof(b));
		(void)snprintf(b.why, sizeof(b.why), "the outcome could not be recorded (%s)%s%.200s",
		    cerr_str(rc), v == V_DONE ? "" : ": ", v == V_DONE ? "" : a.why);
		if ((rc = record_retried(r, j, k, V_FAIL, &b)) != CE_OK && rc != CE_GONE &&
		    k != NULL)
			rc = record_retried(r, j, NULL, V_FAIL, &b);
	}
	if (rc != CE_OK)
		log_err("outbox %" PRId64 ": could not record the outcome: %s (the lease will"
		    " expire and it is tried again)", j->id, cerr_str(rc));
	free(a.body);
	json_object_put(a.json);
}

static void
nap(long ms)
{
	struct timespec	ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (!stopping && nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

static int
open_log(void)
{
	int	fd;

	if (*conf.log_file == '\0')
		return 0;
	fd = open(conf.log_file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (fd == -1 || dup2(fd, STDERR_FILENO) == -1) {
		log_err("cannot open log_file %s", conf.log_file);
		return -1;
	}
	close(fd);
	setvbuf(stderr, NULL, _IOLBF, 0);
	return 0;
}

int
main(void)
{
	struct sigaction sa;
	struct pool	*pool;
	struct db	*db = NULL;
	struct req	 r;
	struct job	 j;
	unsigned char	 raw[6];
	char		 host[32] = "host", rid[64], tag[13];
	bool		 got, plain;
	time_t		 last_sweep = 0, last_snapshot = 0;
	bool		 ph_side;
	enum cerr	 rc;

	log_init("dispatch", LOG_LVL_INFO);
	if (conf_load(NULL) != CE_OK)
		return 78;
	log_init("dispatch", strcmp(conf.log_level, "debug") == 0 ? LOG_LVL_DEBUG :
	    strcmp(conf.log_level, "warn") == 0 ? LOG_LVL_WARN :
	    strcmp(conf.log_level, "error") == 0 ? LOG_LVL_ERR : LOG_LVL_INFO);
	if (open_log() != 0)
		return 73;
	if (!idv_base_url_ok(conf.idv_base_url, &plain)) {
		log_err("configuration: idv_base_url must be https:// (plain http:// only to a"
		    " loopback host, e.g. the local stand-in; no user:password@): the API token"
		    " must not travel in clear");
		return 78;
	}
	if (!notify_urls_ok()) {
		log_err("configuration: notify_email_url and notify_sms_url must be https:// (plain"
		    " http:// only to a loopback host; no user:password@)");
		return 78;
	}
	if (dispatch_kinds_list(deliverable, sizeof(deliverable)) != 0) {
		log_err("the kinds' names do not fit the pick list");
		return 70;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;	/* no SA_RESTART: a sleep ends at once */
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) == -1 || sigaction(SIGINT, &sa, NULL) == -1)
		return 71;
	signal(SIGPIPE, SIG_IGN);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK || (pool = pool_new()) == NULL)
		return 71;
	(void)gethostname(host, sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	if (crypto_random(raw, sizeof(raw)) != CE_OK)
		return 71;
	hex_encode(raw, sizeof(raw), tag);
	(void)snprintf(me, sizeof(me), "%.30s:%ld:%s", host, (long)getpid(), tag);
	if (*conf.idv_api_token == '\0' || *conf.idv_workflow_id == '\0')
		log_warn("idv_api_token or idv_workflow_id is not set: identity checks will fail");
	if (*conf.notify_email_token == '\0' || *conf.notify_sms_token == '\0')
		log_warn("notify_email_token or notify_sms_token is not set: those messages will fail");
	ph_side = pharmacy_side_configured(conf.pharmacy_events_url,
	    conf.pharmacy_clinic_secret_out);
	if (!ph_side)
		log_info("pharmacy_events_url or pharmacy_clinic_secret_out is not set:"
		    " no pharmacy stock snapshots are queued (a clinic-only host)");
	log_info("ready as %s", me);
	while (!stopping) {
		if (db == NULL && (db = db_open(NULL, NULL)) == NULL) {
			nap(2000);
			continue;
		}
		memset(&r, 0, sizeof(r));
		memset(&j, 0, sizeof(j));
		r.pool = pool;
		r.db = db;
		/* Prescriptions past their validity expire (each audited) once a minute. */
		if (time(NULL) - last_sweep >= 60) {
			int	n = 0;

			last_sweep = time(NULL);
			(void)snprintf(rid, sizeof(rid), "dispatch-%s-expiry", tag);
			r.request_id = rid;
			if ((rc = rx_expire_sweep(&r, &n)) != CE_OK)
				log_warn("expiring prescriptions failed: %s", cerr_str(rc));
			else if (n > 0)
				log_info("expired %d prescription%s", n, n == 1 ? "" : "s");
			r.request_id = NULL;
			pool_reset(pool);
		}
		/*
		 * The pharmacy's full stock snapshot to the clinic, every
		 * pharmacy_snapshot_minutes, on a host that runs a pharmacy
		 * (a clinic-only host has no pharmacy_events_url or secret).
		 */
		if (ph_side && time(NULL) - last_snapshot >= conf.pharmacy_snapshot_minutes * 60) {
			last_snapshot = time(NULL);
			(void)snprintf(rid, sizeof(rid), "dispatch-%s-snapshot", tag);
			r.request_id = rid;
			if ((rc = ph_stock_snapshot(&r)) != CE_OK)
				log_warn("queueing the stock snapshot failed: %s", cerr_str(rc));
			r.request_id = NULL;
			pool_reset(pool);
		}
		if ((rc = claim(&r, &j, &got)) != CE_OK) {
			log_warn("claiming from the outbox failed: %s", cerr_str(rc));
			pool_reset(pool);
			nap(conf.dispatch_poll_ms > 1000 ? conf.dispatch_poll_ms : 1000);
			continue;
		}
		if (!got) {
			pool_reset(pool);
			nap(conf.dispatch_poll_ms);
			continue;
		}
		(void)snprintf(rid, sizeof(rid), "dispatch-%s-%" PRId64 "-%" PRId64, tag, j.id,
		    j.attempts);
		r.request_id = rid;
		log_set_request(rid);
		run_job(&r, &j);
		log_set_request(NULL);
		pool_reset(pool);
	}
	log_info("stopping");
	db_close(db);
	pool_free(pool);
	curl_global_cleanup();
	return 0;
}
