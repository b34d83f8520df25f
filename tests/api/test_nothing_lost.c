/*
 * API test of issue 6's "nothing lost" (helper E): 200 signed prescriptions
 * go to the pharmacy through a fault-injecting proxy (tools/fault-proxy)
 * that is down (connection refused) while the first are signed, answers 500
 * while the next are, and times out while the last are; then it forwards a
 * message whose answer it loses, the dispatcher is killed (SIGKILL) in that
 * delivery, in the middle of the backlog, and restarted the way
 * scripts/lib.sh's stack_idv_start starts it; the proxy answers 429 with
 * Retry-After for a moment (the dispatcher records it as its next wait's
 * floor); then it passes again.
 *
 * Asserted, for the 200: each reached the pharmacy exactly once
 * (ph_prescription by clinic_rx_id, one ph_inbox row for its webhook-id,
 * although at least one was taken twice) and was acted on once on each
 * side (one "received" and one decision message from the pharmacy, one
 * event with the final status at the clinic), each has its outbox row and
 * so has each pharmacy row, the pharmacy's decision reached the clinic (the
 * clinic's status equals the pharmacy's: 150 accepted and 50 out_of_stock,
 * as the stock given covers 150), the pipeline (GET
 * /api/v1/pipeline?stuck=1 as an admin) lists none of them as stuck, and
 * none of the test's messages is left undelivered or failed (a dead
 * letter). Only the test's own rows are counted, so that what other suites
 * leave behind cannot fail it. The recovery time (from "pass" to all 200
 * acknowledged at the clinic, and to the outbox drained) is printed, never
 * asserted; docs/BENCHMARKS.md records it.
 *
 * The partner demo-pharmacy is pointed at the proxy with `clinic
 * partner-set` and back at the stack's nginx at the end; an unchecked
 * fixture does that (and restarts the dispatcher if it is not running)
 * after a failure too. The proxy dies with the test's process.
 *
 * Signing needs a fresh TOTP step per code (step-up codes are single-use
 * per 30 s step, and the previous, current and next steps are accepted), so
 * the prescriptions are signed by many specialists in turn, each using its
 * next unused step.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <check.h>

#include "helpers.h"

#define NRX		200	/* prescriptions */
#define NPAT		10	/* patients (20 each fit the plan's 30-day quota) */
#define NCLIN		70	/* specialists signing them */
#define QTY		1000	/* mg per prescription (a day's supply) */
#define STOCKED		150	/* prescriptions the pharmacy's stock covers */
#define PHASE_500	80	/* signed while down before this, then 500 */
#define PHASE_TIMEOUT	140	/* then timing out from this one on */
#define WAIT_SECS	240	/* recovery must happen within this (a failure, not a timing) */

static const char RX[] = "/api/v1/prescriptions";

struct clin {
	struct browser	*b;
	int64_t		 id;
	char		 secret[40];
	uint64_t	 last;	/* the last step used (an upper bound) */
};

/* One specialist made by a worker process, as it passes it back. */
struct clin_wire {
	int64_t		id;
	uint64_t	last;
	char		secret[40];
	char		csrf[128];
	char		cookie[256];
};

/*
 * n signed-in specialists with their TOTP secrets, made by WORKERS processes
 * at once (each clinician_new() waits on password hashing and the database
 * more than on this machine's cores). Each worker passes back the session
 * cookie and CSRF token; the browsers are made here from them.
 */
#define WORKERS	3
static void
clinicians_new(struct clin *cl, size_t n)
{
	struct clin_wire	 w;
	pid_t			 pid[WORKERS];
	int			 fd[WORKERS][2], st;
	size_t			 i, k, got = 0;
	ssize_t			 r;
	char			*cookie;

	for (k = 0; k < WORKERS; k++) {
		ck_assert(pipe(fd[k]) == 0);
		ck_assert((pid[k] = fork()) != -1);
		if (pid[k] != 0) {
			(void)close(fd[k][1]);
			continue;
		}
		(void)close(fd[k][0]);
		for (i = k; i < n; i += WORKERS) {
			struct browser	*b;

			memset(&w, 0, sizeof(w));
			b = clinician_new(true, &w.id, w.secret);
			/* the enrolment used the step current then: at most this one */
			w.last = totp_step_now();
			memcpy(w.csrf, b->csrf, sizeof(w.csrf));
			cookie = br_cookie(b);
			if (cookie == NULL || strlen(cookie) >= sizeof(w.cookie))
				_exit(1);
			memcpy(w.cookie, cookie, strlen(cookie) + 1);
			free(cookie);
			if (write(fd[k][1], &w, sizeof(w)) != (ssize_t)sizeof(w))
				_exit(1);
		}
		_exit(0);
	}
	for (k = 0; k < WORKERS; k++) {
		for (i = k; i < n; i += WORKERS) {
			r = read(fd[k][0], &w, sizeof(w));
			if (r != (ssize_t)sizeof(w))
				break;
			cl[i].id = w.id;
			cl[i].last = w.last;
			memcpy(cl[i].secret, w.secret, sizeof(cl[i].secret));
			cl[i].secret[sizeof(cl[i].secret) - 1] = '\0';
			cl[i].b = br_new();
			br_set_cookie(cl[i].b, w.cookie);
			memcpy(cl[i].b->csrf, w.csrf, sizeof(w.csrf));
			cl[i].b->csrf[sizeof(cl[i].b->csrf) - 1] = '\0';
			got++;
		}
		(void)close(fd[k][0]);
		ck_assert(waitpid(pid[k], &st, 0) == pid[k]);
		ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) == 0, "a worker making specialists"
		    " failed (status %d)", st);
	}
	ck_assert_int_eq(got, n);
}

/* Where the test stack lives, derived from the environment (helpers.h E). */
struct paths {
	char	var[512];		/* dirname(CLINIC_TEST_CONF) */
	char	dispatch[512];		/* the build's modules/dispatch/dispatch */
	char	proxy[512];		/* tools/fault-proxy/proxy.mjs */
	int	port;			/* the stack's nginx port */
	char	proxy_url[64];		/* http://127.0.0.1:port+11 */
	char	control_url[64];	/* http://127.0.0.1:port+12 */
};

/* The directory part of path into out (cap bytes); false if none or too long. */
static bool
dirname_of(const char *path, char *out, size_t cap)
{
	const char	*slash = strrchr(path, '/');
	size_t		 n = slash == NULL ? 0 : (size_t)(slash - path);

	if (slash == NULL || n == 0 || n >= cap)
		return false;
	memmove(out, path, n);
	out[n] = '\0';
	return true;
}

/*
 * Fills p from the environment (no assertions: the teardown uses it too);
 * false when it does not allow it.
 */
static bool
paths_get(struct paths *p)
{
	char		 build[512], top[512];
	const char	*colon;
	char		*end;
	long		 port;

	memset(p, 0, sizeof(*p));
	if (E.conf == NULL || E.clinic == NULL || E.demo == NULL || E.url == NULL)
		return false;
	/* $BUILD/modules/admin-cli/clinic -> $BUILD/modules; $TOP/sql/demo.json -> $TOP */
	if (!dirname_of(E.conf, p->var, sizeof(p->var)) ||
	    !dirname_of(E.clinic, build, sizeof(build)) ||
	    !dirname_of(build, build, sizeof(build)) ||
	    !dirname_of(E.demo, top, sizeof(top)) || !dirname_of(top, top, sizeof(top)))
		return false;
	if ((colon = strrchr(E.url, ':')) == NULL)
		return false;
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if (errno != 0 || end == colon + 1 || (*end != '\0' && *end != '/') || port <= 0 ||
	    port >= 65000)
		return false;
	p->port = (int)port;
	return snprintf(p->dispatch, sizeof(p->dispatch), "%s/dispatch/dispatch", build) <
	    (int)sizeof(p->dispatch) &&
	    snprintf(p->proxy, sizeof(p->proxy), "%s/tools/fault-proxy/proxy.mjs", top) <
	    (int)sizeof(p->proxy) &&
	    snprintf(p->proxy_url, sizeof(p->proxy_url), "http://127.0.0.1:%d", p->port + 11) <
	    (int)sizeof(p->proxy_url) &&
	    snprintf(p->control_url, sizeof(p->control_url), "http://127.0.0.1:%d",
	    p->port + 12) < (int)sizeof(p->control_url);
}

/* clinic partner-set for demo-pharmacy with url (the stack's two secrets). */
static int
partner_url(const struct paths *p, const char *url, char *out, size_t cap)
{
	char		 send[600], recv[600];
	const char	*argv[16];
	int		 n = 0;

	if (snprintf(send, sizeof(send), "%s/bridge-c2p-secret", p->var) >= (int)sizeof(send) ||
	    snprintf(recv, sizeof(recv), "%s/bridge-p2c-secret", p->var) >= (int)sizeof(recv))
		return -1;
	argv[n++] = "partner-set";
	argv[n++] = "--code";
	argv[n++] = "demo-pharmacy";
	argv[n++] = "--name";
	argv[n++] = "Harbour Pharmacy (demo)";
	argv[n++] = "--url";
	argv[n++] = url;
	argv[n++] = "--send-secret-file";
	argv[n++] = send;
	argv[n++] = "--receive-secret-file";
	argv[n++] = recv;
	argv[n] = NULL;
	return run_clinic(out, cap, argv);
}

/* The pid in $VAR/run/dispatch.pid, or -1. */
static pid_t
dispatch_pid(const struct paths *p)
{
	char	path[600], buf[32], *end;
	FILE	*f;
	long	 v;

	if (snprintf(path, sizeof(path), "%s/run/dispatch.pid", p->var) >= (int)sizeof(path) ||
	    (f = fopen(path, "r")) == NULL)
		return -1;
	if (fgets(buf, sizeof(buf), f) == NULL) {
		(void)fclose(f);
		return -1;
	}
	(void)fclose(f);
	errno = 0;
	v = strtol(buf, &end, 10);
	if (errno != 0 || end == buf || v <= 1)
		return -1;
	return (pid_t)v;
}

/*
 * Starts the dispatcher as scripts/lib.sh's stack_idv_start does:
 * CLINIC_CONF=$VAR/clinic.conf $BUILD/modules/dispatch/dispatch
 * >>$VAR/log/dispatch.log 2>&1 &, and its pid into $VAR/run/dispatch.pid.
 * In a session of its own, so that it outlives this test's process group.
 * Returns its pid or -1.
 */
static pid_t
dispatch_start(const struct paths *p)
{
	char	conf[600], logp[600], pidp[600], buf[32];
	pid_t	pid;
	int	fd, n;

	if (snprintf(conf, sizeof(conf), "%s/clinic.conf", p->var) >= (int)sizeof(conf) ||
	    snprintf(logp, sizeof(logp), "%s/log/dispatch.log", p->var) >= (int)sizeof(logp) ||
	    snprintf(pidp, sizeof(pidp), "%s/run/dispatch.pid", p->var) >= (int)sizeof(pidp))
		return -1;
	if ((pid = fork()) == -1)
		return -1;
	if (pid == 0) {
		(void)setsid();
		if ((fd = open("/dev/null", O_RDONLY)) != -1) {
			(void)dup2(fd, 0);
			(void)close(fd);
		}
		if ((fd = open(logp, O_WRONLY | O_APPEND | O_CREAT, 0640)) != -1) {
			(void)dup2(fd, 1);
			(void)dup2(fd, 2);
			(void)close(fd);
		}
		if (setenv("CLINIC_CONF", conf, 1) == -1)
			_exit(127);
		execl(p->dispatch, p->dispatch, (char *)NULL);
		_exit(127);
	}
	if ((fd = open(pidp, O_WRONLY | O_CREAT | O_TRUNC, 0644)) == -1)
		return -1;
	n = snprintf(buf, sizeof(buf), "%ld\n", (long)pid);
	if (n <= 0 || write(fd, buf, (size_t)n) != (ssize_t)n) {
		(void)close(fd);
		return -1;
	}
	if (close(fd) == -1)
		return -1;
	return pid;
}

/* Starts the fault proxy (dies with this process); returns its pid. */
static pid_t
proxy_start(const struct paths *p)
{
	char	port[16], cport[16], logp[600];
	pid_t	pid;
	int	fd;

	ck_assert(snprintf(port, sizeof(port), "%d", p->port + 11) < (int)sizeof(port));
	ck_assert(snprintf(cport, sizeof(cport), "%d", p->port + 12) < (int)sizeof(cport));
	ck_assert(snprintf(logp, sizeof(logp), "%s/log/fault-proxy.log", p->var) <
	    (int)sizeof(logp));
	ck_assert((pid = fork()) != -1);
	if (pid == 0) {
		(void)prctl(PR_SET_PDEATHSIG, SIGTERM);
		if ((fd = open(logp, O_WRONLY | O_APPEND | O_CREAT, 0640)) != -1) {
			(void)dup2(fd, 1);
			(void)dup2(fd, 2);
			(void)close(fd);
		}
		execlp("node", "node", p->proxy, "--port", port, "--control-port", cport,
		    "--upstream", E.url, "--mode", "down", (char *)NULL);
		_exit(127);
	}
	return pid;
}

/* POST /_mode {mode} to the proxy's control port; returns its status (caller puts). */
static json_object *
proxy_mode(const struct paths *p, const char *mode)
{
	char	body[64];

	ck_assert(snprintf(body, sizeof(body), "{\"mode\":\"%s\"}", mode) < (int)sizeof(body));
	return standin_call(p->control_url, "POST", "/_mode", body);
}

static json_object *
proxy_status(const struct paths *p)
{
	return standin_call(p->control_url, "GET", "/_status", NULL);
}

static void
nap_ms(long ms)
{
	struct timespec	ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* Whether something listens on 127.0.0.1:port. */
static bool
port_open(int port)
{
	struct sockaddr_in	sa;
	int			fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	bool			ok;

	ck_assert(fd != -1);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
	(void)close(fd);
	return ok;
}

static int	seq;

/* A clinic formulary product as root (flower, 22% THC); returns its id. */
static int64_t
product_new(void)
{
	char	name[80];
	int	n = snprintf(name, sizeof(name), "Nothing-lost %ld-%d-%d", (long)time(NULL),
		    (int)getpid(), ++seq);

	ck_assert(n > 0 && (size_t)n < sizeof(name));
	ck_assert_msg(sql_exec("INSERT INTO formulary_product (supplier, brand, name, form,"
	    " supply_unit, pack_size, thc_ug_per_unit, cbd_ug_per_unit, active, created_at,"
	    " updated_at) VALUES ('Test Supplies', 'Harbour', '%s', 'flower', 'mg', 10000, 220, 10,"
	    " 1, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))", name) == 0, "product: %s", sql_error());
	return sql_int("SELECT LAST_INSERT_ID()");
}

/* A verified patient with an address and an active plan for product (root SQL). */
static void
patient_new(struct user *u, int64_t *plan, int64_t author, int64_t product)
{
	user_register(u, "nl");
	patient_verified(u->id);
	ck_assert_msg(sql_exec("INSERT INTO patient_profile (user_id, address_line1, town, postcode,"
	    " updated_at) VALUES (%lld, '12 Harbour Street', 'Bristol', 'BS1 4DJ',"
	    " UTC_TIMESTAMP(6)) ON DUPLICATE KEY UPDATE address_line1 = '12 Harbour Street',"
	    " town = 'Bristol', postcode = 'BS1 4DJ'", (long long)u->id) == 0, "profile: %s",
	    sql_error());
	/* 1 g a day, 30 g per 30 days (20 prescriptions of 1 g fit), 300 mg THC a day */
	ck_assert_msg(sql_exec("INSERT INTO treatment_plan (patient_id, condition_name, version,"
	    " status, body, author_id, reason, changed_at) VALUES (%lld, 'Chronic pain %d', 1,"
	    " 'active', '{\"items\":[{\"product_id\":%lld,\"dose\":\"1 g vaporised a day in three"
	    " doses\",\"daily_amount\":1000,\"max_per_30d\":30000}],\"form_limits\":[],"
	    "\"max_thc_mg_per_day\":300,\"review_date\":\"2099-01-01\",\"notes\":\"\"}', %lld,"
	    " 'start', UTC_TIMESTAMP(6))", (long long)u->id, ++seq, (long long)product,
	    (long long)author) == 0, "plan: %s", sql_error());
	*plan = sql_int("SELECT LAST_INSERT_ID()");
}

/*
 * The pharmacy stocks product (its clinic id) with enough for STOCKED
 * prescriptions, through its API as a pharmacist (product mapped, one
 * receipt). Returns the pharmacy's product id.
 */
static int64_t
pharmacy_stock(int64_t clinic_product)
{
	struct browser	*ph = staff_new("pharmacist", NULL);
	struct resp	*r;
	int64_t		 id;

	r = apif(ph, "POST", "/api/v1/pharmacy/products", "{\"clinic_product_id\":%lld,"
	    "\"supplier\":\"Test Supplies\",\"brand\":\"Harbour\",\"name\":\"Nothing-lost %lld\","
	    "\"form\":\"flower\",\"supply_unit\":\"mg\",\"pack_size\":10000}",
	    (long long)clinic_product, (long long)clinic_product);
	ck_assert_msg(r->status == 201, "pharmacy product: %s", rdesc(r));
	id = jint(r->json, "id");
	resp_free(r);
	ck_assert(id > 0);
	r = apif(ph, "POST", "/api/v1/pharmacy/receipts", "{\"product_id\":%lld,"
	    "\"supplier\":\"Test Supplies\",\"batch_number\":\"NL-%lld\",\"expiry_date\":"
	    "\"2099-12-31\",\"thc_ug_per_unit\":220,\"cbd_ug_per_unit\":10,\"quantity\":%d}",
	    (long long)id, (long long)clinic_product, STOCKED * QTY);
	ck_assert_msg(r->status == 201, "pharmacy receipt: %s", rdesc(r));
	resp_free(r);
	br_free(ph);
	return id;
}

/*
 * A code for c's next unused step that the server accepts now (previous,
 * current or next step, greater than the last used), or false when c has
 * none left until the next step. Steps are not used in the last second of
 * a step (it could end before the server checks the code).
 */
static bool
code_for(struct clin *c, char code[7])
{
	time_t		now = time(NULL);
	uint64_t	t = (uint64_t)now / 30, s;

	if (now % 30 >= 29)
		return false;
	s = c->last + 1 > t - 1 ? c->last + 1 : t - 1;
	if (s > t + 1)
		return false;
	totp_at(c->secret, s, code);
	c->last = s;
	return true;
}

/* How many codes the specialists could use now (each: the previous, current and next step). */
static size_t
codes_available(const struct clin *cl, size_t n)
{
	uint64_t	t = (uint64_t)time(NULL) / 30, s;
	size_t		i, sum = 0;

	for (i = 0; i < n; i++) {
		s = cl[i].last + 1 > t - 1 ? cl[i].last + 1 : t - 1;
		if (s <= t + 1)
			sum += (size_t)(t + 1 - s + 1);
	}
	return sum;
}

/* Drafts and signs one prescription for patient/plan by c with code; returns its id. */
static int64_t
rx_sign(struct clin *c, const char *code, int64_t patient, int64_t plan, int64_t product)
{
	struct resp	*r;
	char		 path[96];
	int64_t		 id;

	r = apif(c->b, "POST", RX, "{\"patient_id\":%lld,\"plan_id\":%lld,\"product_id\":%lld,"
	    "\"quantity\":%d}", (long long)patient, (long long)plan, (long long)product, QTY);
	ck_assert_msg(r->status == 201, "draft: %s", rdesc(r));
	id = jint(r->json, "id");
	resp_free(r);
	ck_assert(snprintf(path, sizeof(path), "%s/%lld/sign", RX, (long long)id) <
	    (int)sizeof(path));
	r = apif(c->b, "POST", path, "{\"code\":\"%s\"}", code);
	ck_assert_msg(r->status == 200, "sign %lld: %s", (long long)id, rdesc(r));
	ck_assert_str_eq(jstr(r->json, "status"), "signed");
	resp_free(r);
	return id;
}

static double
mono(void)
{
	struct timespec	ts;

	ck_assert(clock_gettime(CLOCK_MONOTONIC, &ts) == 0);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* "id1,id2,..." of ids (caller frees). */
static char *
id_list(const int64_t *ids, size_t n)
{
	size_t	cap = n * 21 + 1, used = 0, i;
	char	*s = malloc(cap);
	int	k;

	ck_assert(s != NULL);
	s[0] = '\0';
	for (i = 0; i < n; i++) {
		k = snprintf(s + used, cap - used, "%s%lld", i == 0 ? "" : ",", (long long)ids[i]);
		ck_assert(k > 0 && (size_t)k < cap - used);
		used += (size_t)k;
	}
	return s;
}

/* Prints the state of the 200 (for a failure's diagnosis). */
static void
report_state(const char *ids, int64_t first_outbox)
{
	char	*s;

	s = sql_str("SELECT GROUP_CONCAT(CONCAT(status, ' ', n) SEPARATOR ', ') FROM (SELECT status,"
	    " COUNT(*) n FROM prescription WHERE id IN (%s) GROUP BY status) x", ids);
	fprintf(stderr, "nothing_lost: clinic statuses: %s\n", s ? s : "-");
	free(s);
	s = sql_str("SELECT GROUP_CONCAT(CONCAT(status, ' ', n) SEPARATOR ', ') FROM (SELECT status,"
	    " COUNT(*) n FROM ph_prescription WHERE clinic_rx_id IN (%s) GROUP BY status) x", ids);
	fprintf(stderr, "nothing_lost: pharmacy statuses: %s\n", s ? s : "-");
	free(s);
	s = sql_str("SELECT GROUP_CONCAT(CONCAT(kind, ' ', status, ' ', n, ' (max attempts ', a,"
	    " ')') SEPARATOR ', ') FROM (SELECT kind, status, COUNT(*) n, MAX(attempts) a FROM outbox"
	    " WHERE id > %lld GROUP BY kind, status) x", (long long)first_outbox);
	fprintf(stderr, "nothing_lost: outbox since the start: %s\n", s ? s : "-");
	free(s);
	s = sql_str("SELECT GROUP_CONCAT(DISTINCT LEFT(last_error, 120) SEPARATOR ' | ') FROM outbox"
	    " WHERE id > %lld AND status IN ('pending', 'failed')", (long long)first_outbox);
	fprintf(stderr, "nothing_lost: outbox errors: %s\n", s ? s : "-");
	free(s);
}

/* Waits (at most 120 s) until the outbox rows of the first n of ids were each tried. */
static void
wait_attempted(const int64_t *ids, size_t n)
{
	char	*list = id_list(ids, n);
	int64_t	 tried = 0;
	int	 i;

	for (i = 0; i < 480; i++) {
		tried = sql_int("SELECT COUNT(*) FROM prescription p JOIN outbox o ON"
		    " o.idempotency_key = CONCAT('rx-', p.id, '-sent') WHERE p.id IN (%s) AND"
		    " o.attempts >= 1 AND o.status <> 'done'", list);
		if (tried == (int64_t)n)
			break;
		nap_ms(250);
	}
	free(list);
	ck_assert_msg(tried == (int64_t)n, "only %lld of %zu prescriptions were tried while the"
	    " pharmacy was down", (long long)tried, n);
}

/* Waits (at most 120 s) until the proxy's counter (a json path of its status) reaches n. */
static void
wait_proxy(const struct paths *p, const char *counter, size_t n)
{
	json_object	*st;
	long long	 v = 0;
	int		 i;

	for (i = 0; i < 480; i++) {
		st = proxy_status(p);
		v = jint(st, counter);
		json_object_put(st);
		if (v >= (long long)n)
			return;
		nap_ms(250);
	}
	ck_abort_msg("the proxy's %s reached only %lld of %zu", counter, v, n);
}

static const char ACKED[] = "'accepted','out_of_stock','awaiting_paper','rejected'";

static int64_t
count_acked(const char *ids)
{
	return sql_int("SELECT COUNT(*) FROM prescription WHERE id IN (%s) AND status IN (%s)",
	    ids, ACKED);
}

/*
 * An SQL condition on outbox rows (alias o) selecting the test's own
 * messages, whatever else other tests left in the outbox: the 200
 * prescriptions' rows, the pharmacy's messages about them, its key fetches
 * for their prescribers and its stock messages about the test's product
 * (ph_product id). Caller frees.
 */
static char *
mine_cond(const char *ids, int64_t ph_product)
{
	size_t	cap = strlen(ids) * 3 + 1024;
	char	*s = malloc(cap);
	int	n;

	ck_assert(s != NULL);
	n = snprintf(s, cap, "(o.idempotency_key IN (SELECT CONCAT('rx-', id, '-sent') FROM"
	    " prescription WHERE id IN (%s)) OR (o.kind = 'ph.clinic_event' AND"
	    " o.idempotency_key LIKE 'ph-rx-%%' AND CAST(SUBSTRING_INDEX(SUBSTRING_INDEX("
	    "o.idempotency_key, '-', 3), '-', -1) AS UNSIGNED) IN (%s)) OR o.idempotency_key IN"
	    " (SELECT CONCAT('ph-key-', key_fingerprint) FROM ph_prescription WHERE clinic_rx_id IN"
	    " (%s)) OR o.idempotency_key LIKE 'ph-stock-%lld-%%')", ids, ids, ids,
	    (long long)ph_product);
	ck_assert(n > 0 && (size_t)n < cap);
	return s;
}

/* The test's messages (mine_cond) not delivered yet. */
static int64_t
count_undelivered(const char *mine)
{
	return sql_int("SELECT COUNT(*) FROM outbox o WHERE o.status <> 'done' AND %s", mine);
}

START_TEST(test_nothing_lost)
{
	struct paths	 p;
	struct clin	*cl;
	struct user	 pats[NPAT];
	int64_t		 plans[NPAT], ids[NRX], product, ph_product, first_outbox, first_audit;
	int64_t		 n, acked;
	struct browser	*admin;
	json_object	*st, *rows, *fids, *v;
	struct resp	*r;
	pid_t		 proxy, old, neu;
	char		 out[2048], *list, *mine;
	double		 t_setup, t_pass, t_acked = 0, t_drained = 0, t0;
	size_t		 i, j, k;
	int		 rc, twice = 0;
	char		 code[7];

	ck_assert_msg(paths_get(&p), "the test stack's paths cannot be derived from the"
	    " environment");
	ck_assert_msg(access(p.dispatch, X_OK) == 0, "no dispatcher at %s", p.dispatch);
	ck_assert_msg(dispatch_pid(&p) > 0 && kill(dispatch_pid(&p), 0) == 0,
	    "the stack's dispatcher is not running");
	first_outbox = sql_int("SELECT COALESCE(MAX(id), 0) FROM outbox");
	t_setup = mono();

	/* Set-up: a product the pharmacy stocks for 150 of the 200, patients, specialists. */
	product = product_new();
	ph_product = pharmacy_stock(product);
	cl = calloc(NCLIN, sizeof(*cl));
	ck_assert(cl != NULL);
	clinicians_new(cl, NCLIN);
	for (i = 0; i < NPAT; i++)
		patient_new(&pats[i], &plans[i], cl[0].id, product);

	/*
	 * Enough codes for all 200 before the outage begins (so that it does not
	 * last for steps to pass): codes of later steps come as steps pass.
	 */
	for (i = 0; i < 3 && codes_available(cl, NCLIN) < NRX; i++)
		nap_ms((long)(30 - time(NULL) % 30) * 1000 + 200);
	ck_assert_msg(codes_available(cl, NCLIN) >= NRX, "only %zu codes for %d signatures",
	    codes_available(cl, NCLIN), NRX);

	/* The partner's URL is the proxy, which starts down. */
	ck_assert_msg(access(p.proxy, R_OK) == 0, "no fault proxy at %s", p.proxy);
	proxy = proxy_start(&p);
	for (i = 0; i < 100 && !port_open(p.port + 12); i++)
		nap_ms(100);
	ck_assert_msg(port_open(p.port + 12), "the fault proxy did not start (see"
	    " %s/log/fault-proxy.log)", p.var);
	st = proxy_status(&p);
	ck_assert_str_eq(jstr(st, "mode"), "down");
	json_object_put(st);
	rc = partner_url(&p, p.proxy_url, out, sizeof(out));
	ck_assert_msg(rc == 0, "partner-set to the proxy exited %d: %s", rc, out);

	/* 200 signed: down, then 500, then timing out. */
	t0 = mono();
	for (i = 0, k = 0; i < NRX; i++) {
		if (i == PHASE_500) {
			/* each one signed so far was refused at least once */
			wait_attempted(ids, i);
			json_object_put(proxy_mode(&p, "500"));
		} else if (i == PHASE_TIMEOUT) {
			/* as many 500 answers as there are prescriptions so far */
			wait_proxy(&p, "by_mode.500", i);
			json_object_put(proxy_mode(&p, "timeout"));
		}
		/* the next specialist with a step left (waiting for the next step if none) */
		for (j = 0; !code_for(&cl[k], code); k = (k + 1) % NCLIN)
			if (++j % NCLIN == 0)
				nap_ms(500);
		ids[i] = rx_sign(&cl[k], code, pats[i % NPAT].id, plans[i % NPAT], product);
		k = (k + 1) % NCLIN;
	}
	wait_proxy(&p, "by_mode.timeout", 2);
	printf("nothing_lost: set-up %.1f s; 200 signed in %.1f s (down %d, 500 %d, timeout %d)\n",
	    t0 - t_setup, mono() - t0, PHASE_500, PHASE_TIMEOUT - PHASE_500, NRX - PHASE_TIMEOUT);
	(void)fflush(stdout);
	list = id_list(ids, NRX);
	mine = mine_cond(list, ph_product);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM ph_prescription WHERE clinic_rx_id IN (%s)",
	    list), 0);	/* nothing got through */

	/*
	 * A delivery the pharmacy receives but whose answer is lost; the
	 * dispatcher killed while it waits for it, with most still to send.
	 */
	json_object_put(proxy_mode(&p, "lost"));
	for (i = 0; i < 200; i++) {
		st = proxy_status(&p);
		n = jint(st, "forwarded");
		json_object_put(st);
		if (n >= 1)
			break;
		nap_ms(50);
	}
	ck_assert_msg(n >= 1, "nothing was forwarded in mode lost");
	old = dispatch_pid(&p);
	ck_assert(old > 0);
	ck_assert_msg(kill(old, SIGKILL) == 0, "kill %ld: %s", (long)old, strerror(errno));
	for (i = 0; i < 100 && kill(old, 0) == 0; i++)
		nap_ms(50);
	ck_assert_msg(kill(old, 0) == -1, "the dispatcher %ld survived SIGKILL", (long)old);
	ck_assert_msg(sql_int("SELECT COUNT(*) FROM outbox WHERE status = 'sending' AND"
	    " idempotency_key LIKE 'rx-%%-sent' AND id > %lld", (long long)first_outbox) >= 1,
	    "no delivery was in flight when the dispatcher was killed");
	ck_assert_msg(sql_int("SELECT COUNT(*) FROM outbox WHERE kind = 'pharmacy.prescription' AND"
	    " status <> 'done' AND id > %lld", (long long)first_outbox) > NRX / 2,
	    "not in the middle of the backlog");
	neu = dispatch_start(&p);
	ck_assert_msg(neu > 0, "the dispatcher could not be restarted");

	/*
	 * The restarted dispatcher finds the pharmacy busy: 429 with
	 * Retry-After: 2, which it records as the floor of its next wait.
	 */
	first_audit = sql_int("SELECT COALESCE(MAX(seq), 0) FROM audit_event");
	ck_assert(first_audit >= 0);
	json_object_put(standin_call(p.control_url, "POST", "/_mode",
	    "{\"mode\":\"429\",\"retry_after\":2}"));
	wait_proxy(&p, "by_mode.429", 3);
	for (i = 0; i < 40 && sql_int("SELECT COUNT(*) FROM audit_event WHERE seq > %lld AND"
	    " action = 'outbox.retry_scheduled' AND JSON_VALUE(details, '$.retry_after_ms') = 2000",
	    (long long)first_audit) < 1; i++)
		nap_ms(250);
	ck_assert_msg(sql_int("SELECT COUNT(*) FROM audit_event WHERE seq > %lld AND"
	    " action = 'outbox.retry_scheduled' AND JSON_VALUE(details, '$.retry_after_ms') = 2000",
	    (long long)first_audit) >= 1, "no retry recorded the pharmacy's Retry-After");

	/* Back to pass: recovery. */
	json_object_put(proxy_mode(&p, "pass"));
	t_pass = mono();
	for (;;) {
		double	now = mono();

		acked = count_acked(list);
		if (t_acked == 0 && acked == NRX)
			t_acked = now;
		if (t_acked > 0 && count_undelivered(mine) == 0) {
			t_drained = now;
			break;
		}
		if (now - t_pass > WAIT_SECS)
			break;
		nap_ms(250);
	}
	if (t_drained == 0)
		report_state(list, first_outbox);
	ck_assert_msg(t_acked > 0, "after %d s only %lld of %d prescriptions were acknowledged at"
	    " the clinic", WAIT_SECS, (long long)acked, NRX);
	ck_assert_msg(t_drained > 0, "after %d s the outbox still holds %lld undelivered bridge"
	    " or pharmacy rows", WAIT_SECS, (long long)count_undelivered(mine));
	printf("nothing_lost: recovery: all %d acknowledged at the clinic %.1f s after the proxy"
	    " passed again; outbox drained after %.1f s; most attempts of one message: %lld to the"
	    " pharmacy, %lld to the clinic\n", NRX, t_acked - t_pass, t_drained - t_pass,
	    (long long)sql_int("SELECT MAX(attempts) FROM outbox WHERE id > %lld AND kind ="
	    " 'pharmacy.prescription'", (long long)first_outbox),
	    (long long)sql_int("SELECT MAX(attempts) FROM outbox WHERE id > %lld AND kind ="
	    " 'ph.clinic_event'", (long long)first_outbox));
	(void)fflush(stdout);

	/* Exactly once at the pharmacy, although some were forwarded more than once. */
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM ph_prescription WHERE clinic_rx_id IN (%s)",
	    list), NRX);
	ck_assert_int_eq(sql_int("SELECT COUNT(DISTINCT clinic_rx_id) FROM ph_prescription WHERE"
	    " clinic_rx_id IN (%s)", list), NRX);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM ph_inbox i JOIN prescription p ON"
	    " i.webhook_id = CONCAT('rx-', p.id, '-sent') WHERE i.source = 'clinic' AND p.id IN (%s)",
	    list), NRX);
	st = proxy_status(&p);
	fids = jget(st, "accepted_ids");	/* webhook-id: times the pharmacy answered 2xx */
	ck_assert(fids != NULL);
	json_object_object_foreach(fids, key, val) {
		(void)key;
		if (json_object_get_int64(val) > 1)
			twice++;
	}
	printf("nothing_lost: the proxy saw %lld requests (500 answered %lld, timed out %lld, 429"
	    " %lld) and forwarded %lld, which the pharmacy took (2xx) %lld times: %d messages"
	    " twice\n", jint(st, "seen"), jint(st, "by_mode.500"), jint(st, "by_mode.timeout"),
	    jint(st, "by_mode.429"), jint(st, "forwarded"), jint(st, "accepted"), twice);
	(void)fflush(stdout);
	ck_assert_msg(twice >= 1, "no message was taken by the pharmacy twice: the delivery whose"
	    " answer was lost was not sent again");
	json_object_put(st);

	/* No business row without its outbox row, on either side. */
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM prescription p WHERE p.id IN (%s) AND NOT"
	    " EXISTS (SELECT 1 FROM outbox o WHERE o.idempotency_key = CONCAT('rx-', p.id, '-sent')"
	    " AND o.kind = 'pharmacy.prescription')", list), 0);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM ph_prescription q WHERE q.clinic_rx_id IN (%s)"
	    " AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.idempotency_key LIKE"
	    " CONCAT('ph-rx-', q.clinic_rx_id, '-%%') AND o.kind = 'ph.clinic_event')", list), 0);

	/* Every decision reached the clinic: both kinds of news, the same status on both sides. */
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM prescription p JOIN ph_prescription q ON"
	    " q.clinic_rx_id = p.id WHERE p.id IN (%s) AND p.status = q.status", list), NRX);
	/*
	 * Acted on once on each side, although one was delivered twice: the
	 * pharmacy announced each receipt and each decision once (its keys
	 * carry the time, so acting twice would have written two), and the
	 * clinic recorded each decision once and "sent" at most once.
	 */
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM prescription p WHERE p.id IN (%s) AND"
	    " (SELECT COUNT(*) FROM outbox o WHERE o.kind = 'ph.clinic_event' AND"
	    " o.idempotency_key LIKE CONCAT('ph-rx-', p.id, '-received-%%')) <> 1", list), 0);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM prescription p WHERE p.id IN (%s) AND"
	    " (SELECT COUNT(*) FROM outbox o WHERE o.kind = 'ph.clinic_event' AND"
	    " (o.idempotency_key LIKE CONCAT('ph-rx-', p.id, '-accepted-%%') OR"
	    " o.idempotency_key LIKE CONCAT('ph-rx-', p.id, '-out\\_of\\_stock-%%'))) <> 1",
	    list), 0);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM prescription p WHERE p.id IN (%s) AND"
	    " (SELECT COUNT(*) FROM prescription_event e WHERE e.prescription_id = p.id AND"
	    " e.status = p.status) <> 1", list), 0);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM prescription p WHERE p.id IN (%s) AND"
	    " (SELECT COUNT(*) FROM prescription_event e WHERE e.prescription_id = p.id AND"
	    " e.status = 'sent') > 1", list), 0);
	n = sql_int("SELECT COUNT(*) FROM ph_prescription WHERE clinic_rx_id IN (%s) AND"
	    " status = 'accepted'", list);
	printf("nothing_lost: %lld accepted, %lld out of stock\n", (long long)n,
	    (long long)sql_int("SELECT COUNT(*) FROM ph_prescription WHERE clinic_rx_id IN (%s) AND"
	    " status = 'out_of_stock'", list));
	(void)fflush(stdout);
	ck_assert_int_eq(n, STOCKED);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM prescription WHERE id IN (%s) AND"
	    " status = 'out_of_stock'", list), NRX - STOCKED);

	/* The pipeline shows none of them stuck. */
	admin = staff_new("admin", NULL);
	r = api_get(admin, "/api/v1/pipeline?stuck=1&limit=1000");
	ck_assert_msg(r->status == 200, "pipeline: %s", rdesc(r));
	ck_assert_msg(!jbool(r->json, "truncated"), "pipeline truncated: %s", rdesc(r));
	rows = jget(r->json, "prescriptions");
	ck_assert_msg(rows != NULL && json_object_is_type(rows, json_type_array), "pipeline: %s",
	    rdesc(r));
	for (i = 0; i < json_object_array_length(rows); i++) {
		int64_t	rx;

		v = json_object_array_get_idx(rows, i);
		rx = jint(v, "prescription_id");
		for (j = 0; j < NRX; j++)
			ck_assert_msg(ids[j] != rx, "prescription %lld is stuck: %s", (long long)rx,
			    json_object_to_json_string(v));
	}
	resp_free(r);
	br_free(admin);

	/* No dead letters among the test's messages (all of them were delivered). */
	ck_assert_msg(sql_int("SELECT COUNT(*) FROM outbox o WHERE o.status = 'failed' AND %s",
	    mine) == 0, "dead letters: %s", sql_str("SELECT GROUP_CONCAT(CONCAT(kind, ' ',"
	    " idempotency_key, ': ', COALESCE(last_error, '')) SEPARATOR ' | ') FROM outbox o"
	    " WHERE o.status = 'failed' AND %s", mine));
	ck_assert_int_eq(count_undelivered(mine), 0);
	ck_assert_int_ge(sql_int("SELECT COUNT(*) FROM outbox o WHERE %s", mine), NRX * 2);

	/* Back as it was (the teardown does it too if anything above failed). */
	rc = partner_url(&p, E.url, out, sizeof(out));
	ck_assert_msg(rc == 0, "partner-set back exited %d: %s", rc, out);
	ck_assert(kill(proxy, SIGTERM) == 0);
	ck_assert(waitpid(proxy, NULL, 0) == proxy);
	free(mine);
	free(list);
	for (i = 0; i < NCLIN; i++)
		br_free(cl[i].b);
	free(cl);
	for (i = 0; i < NPAT; i++)
		user_free(&pats[i]);
}
END_TEST

/*
 * After the test, in the runner's process (also when it failed): the
 * partner points at the stack's nginx again and a dispatcher runs. No
 * assertions here (outside a test); what fails is printed.
 */
static void
restore(void)
{
	struct paths	p;
	char		out[2048];
	pid_t		pid;

	if (!paths_get(&p))
		return;
	if (partner_url(&p, E.url, out, sizeof(out)) != 0)
		fprintf(stderr, "nothing_lost: could not point demo-pharmacy back: %s\n", out);
	pid = dispatch_pid(&p);
	if ((pid <= 0 || kill(pid, 0) == -1) && dispatch_start(&p) <= 0)
		fprintf(stderr, "nothing_lost: could not restart the dispatcher\n");
}

static void
nothing(void)
{
}

Suite *
nothing_lost_suite(void)
{
	Suite	*s = suite_create("nothing_lost");
	TCase	*tc = tcase_create("nothing_lost");

	tcase_add_unchecked_fixture(tc, nothing, restore);
	tcase_add_test(tc, test_nothing_lost);
	tcase_set_timeout(tc, 600);
	suite_add_tcase(s, tc);
	return s;
}
