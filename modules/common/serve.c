#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <fcgiapp.h>
#include <json-c/json.h>

#include "conf.h"
#include "db.h"
#include "log.h"
#include "pool.h"
#include "reply.h"
#include "req.h"
#include "serve.h"
#include "session.h"

#define MAX_RETRIES	3

static volatile sig_atomic_t	stopping;

static void
on_term(int sig)
{
	(void)sig;
	stopping = 1;
	FCGX_ShutdownPending();
}

/*
 * Pre-forks n workers sharing the listening socket on fd 0 and looks after
 * them: a worker that dies is replaced (at most one a second); SIGTERM is
 * passed on and waited for. Returns -1 in a worker (which goes on to serve),
 * or the exit status in the supervisor once every worker has stopped.
 */
static int
supervise(long n)
{
	pid_t	*kids, pid;
	long	 i, alive = 0;
	int	 st;

	if ((kids = calloc((size_t)n, sizeof(*kids))) == NULL)
		return 71;
	for (;;) {
		for (i = 0; i < n && !stopping; i++) {
			if (kids[i] != 0)
				continue;
			if ((pid = fork()) == -1) {
				log_err("fork failed: %s", strerror(errno));
				break;
			}
			if (pid == 0) {
				free(kids);
				return -1;
			}
			kids[i] = pid;
			alive++;
		}
		if (stopping)
			break;
		if ((pid = waitpid(-1, &st, 0)) == -1) {
			if (errno == EINTR)
				continue;
			break;
		}
		for (i = 0; i < n; i++)
			if (kids[i] == pid) {
				kids[i] = 0;
				alive--;
				log_warn("worker %ld exited (status %d); replacing it", (long)pid, st);
				sleep(1);
			}
	}
	for (i = 0; i < n; i++)
		if (kids[i] != 0)
			kill(kids[i], SIGTERM);
	while (alive > 0 && (pid = waitpid(-1, &st, 0)) != -1)
		alive--;
	free(kids);
	return 0;
}

static void
put_json(void *arg)
{
	json_object_put(arg);
}

static bool
is_unsafe(const char *m)
{
	return strcmp(m, "GET") != 0 && strcmp(m, "HEAD") != 0 && strcmp(m, "OPTIONS") != 0;
}

static int
check_body(struct req *r)
{
	const char	*why, *ct = r->content_type;

	if (r->route->flags & R_RAW)
		return 0;	/* the handler reads r->body itself (signed webhooks) */
	if (r->bodylen == 0 && r->route->body == NULL)
		return 0;
	if (r->bodylen > 0) {
		/* Media types are case-insensitive; parameters (charset) may follow. */
		if (ct == NULL || strncasecmp(ct, "application/json", 16) != 0 ||
		    (ct[16] != '\0' && ct[16] != ';' && ct[16] != ' '))
			return reply_problem(r, 415, "unsupported-media-type",
			    "The body must be JSON", "Send Content-Type: application/json.");
		if ((r->json = req_parse_json(r->body, r->bodylen, &why)) == NULL)
			return why == NULL ?
			    reply_field(r, 422, "", "the body must be a JSON object") :
			    reply_problem(r, 400, "malformed-json", "The body is not valid JSON", why);
		if (pool_cleanup(r->pool, put_json, r->json) == -1) {
			json_object_put(r->json);
			r->json = NULL;
			return reply_internal(r, "out of memory");
		}
	}
	switch (valid_json(r->pool, r->route->body, r->route->nbody, r->json, &r->in)) {
	case 0:
		return 0;
	case -1:
		return reply_invalid(r, 422, r->in.errs, r->in.nerrs);
	default:
		return reply_internal(r, "out of memory validating the body");
	}
}

static int
check_query(struct req *r)
{
	if (r->route->query == NULL && (r->query_string == NULL || *r->query_string == '\0'))
		return 0;
	switch (valid_query(r->pool, r->route->query, r->route->nquery, r->query_string,
	    &r->q)) {
	case 0:
		return 0;
	case -1:
		return reply_invalid(r, 400, r->q.errs, r->q.nerrs);
	default:
		return reply_internal(r, "out of memory validating the query");
	}
}

static int
check_access(struct req *r)
{
	bool		expired = false;
	enum cerr	rc;
	unsigned	flags = r->route->flags;

	if ((rc = session_load(r, &expired)) != CE_OK)
		return reply_db(r, rc);
	if (flags & R_PUBLIC)
		return 0;
	if (r->who.user_id == 0)
		return reply_problem(r, 401, "unauthenticated",
		    expired ? "Your session has ended" : "Please sign in",
		    expired ? "You were signed out after a period of inactivity. Sign in again." :
		    "This needs a signed-in session.");
	if (is_unsafe(r->method) && !session_csrf_ok(r))
		return reply_problem(r, 403, "csrf", "Missing or wrong X-CSRF-Token header",
		    "Send the csrf_token from sign-in or /api/v1/auth/me in X-CSRF-Token.");
	if (session_mfa_pending(r) && !(flags & R_PRE_MFA))
		return reply_problem(r, 403, "mfa-required",
		    "Second factor required",
		    r->who.mfa_enrolled ? "Enter the code from your authenticator app first." :
		    "Set up an authenticator app first: your role requires it.");
	/*
	 * To a patient, what is not theirs does not exist: staff routes (which
	 * name other patients' records) answer 404, as another patient's id does.
	 */
	if (((unsigned)r->who.role & flags) == 0 && r->who.role == ROLE_PATIENT)
		return reply_problem(r, 404, "not-found", "No such resource", NULL);
	if (((unsigned)r->who.role & flags) == 0)
		return reply_problem(r, 403, "forbidden", "Not allowed for your role", NULL);
	return 0;
}

void
serve_dispatch(struct req *r, const struct route *routes, size_t n)
{
	const struct route	*path_match = NULL;
	char			 allow[128] = "";
	size_t			 i;
	int			 attempt;

	for (i = 0; i < n; i++) {
		if (!req_match(r, routes[i].pattern, r->path))
			continue;
		path_match = &routes[i];
		if (strcmp(routes[i].method, r->method) == 0) {
			r->route = &routes[i];
			break;
		}
		if (strlen(allow) + strlen(routes[i].method) + 3 < sizeof(allow)) {
			if (*allow != '\0')
				strncat(allow, ", ", sizeof(allow) - strlen(allow) - 1);
			strncat(allow, routes[i].method, sizeof(allow) - strlen(allow) - 1);
		}
	}
	if (r->route == NULL) {
		if (path_match == NULL) {
			reply_problem(r, 404, "not-found", "No such resource", NULL);
			return;
		}
		(void)reply_header(r, "Allow", allow);
		reply_problem(r, 405, "method-not-allowed", "Method not allowed here", NULL);
		return;
	}
	if (check_access(r) != 0 || check_query(r) != 0 || check_body(r) != 0)
		return;
	for (attempt = 0; attempt < MAX_RETRIES; attempt++) {
		reply_reset(r);
		r->route->handler(r);
		if (db_in_tx(r->db)) {
			log_warn("handler left a transaction open; rolled back");
			db_rollback(r->db);
		}
		if (!r->retry)
			break;
		if (r->body_read > 0 || r->streamed)
			break;	/* a streamed body cannot be read twice */
		log_info("deadlock; running the handler again");
	}
	if (r->retry)
		reply_problem(r, 503, "busy", "The service is busy",
		    "Nothing was changed. Please try again in a moment.");
	else if (r->status == 0)
		reply_internal(r, "handler set no reply");
}

static const char *
env(FCGX_Request *f, const char *name)
{
	const char	*v = FCGX_GetParam(name, f->envp);

	return v != NULL && *v != '\0' ? v : NULL;
}

/* Reads the body into r->body. Returns 0, or an HTTP status to reply with. */
static int
read_body(struct req *r, FCGX_Request *f, long cap)
{
	const char	*cl = env(f, "CONTENT_LENGTH");
	char		*end;
	long long	 n;
	int		 got, want;
	size_t		 have = 0;

	if (cl == NULL)
		return 0;
	errno = 0;
	n = strtoll(cl, &end, 10);
	if (errno != 0 || *end != '\0' || n < 0)
		return 400;
	if (n > cap)
		return 413;
	if ((r->body = pool_calloc(r->pool, 1, (size_t)n + 1)) == NULL)
		return 500;
	while (have < (size_t)n) {
		want = (int)((size_t)n - have);
		if ((got = FCGX_GetStr(r->body + have, want, f->in)) <= 0)
			break;
		have += (size_t)got;
	}
	if (have != (size_t)n)
		return 400;
	r->bodylen = have;
	return 0;
}

static void
write_reply(struct req *r, FCGX_Request *f)
{
	if (r->streamed)
		return;		/* the handler wrote its reply (reply_stream_begin) */
	if (reply_write_head(r, r->outlen > 0 ? (long long)r->outlen : -1) == 0 &&
	    r->outlen > 0 && strcmp(r->method, "HEAD") != 0)
		FCGX_PutStr(r->out, (int)r->outlen, f->out);
}

/*
 * The route that will serve r, found before its body is read (for R_STREAM
 * and the route's body limit), or NULL when none matches.
 */
static const struct route *
body_route(struct req *r, const struct route *routes, size_t n)
{
	size_t			 i;
	const struct route	*rt = NULL;

	for (i = 0; i < n; i++)
		if (strcmp(routes[i].method, r->method) == 0 &&
		    req_match(r, routes[i].pattern, r->path)) {
			rt = &routes[i];
			break;
		}
	r->nparams = 0;		/* serve_dispatch() matches again */
	return rt;
}

/* CONTENT_LENGTH as a number, -1 when absent, -2 when malformed. */
static long long
content_length(FCGX_Request *f)
{
	const char	*cl = env(f, "CONTENT_LENGTH");
	char		*end;
	long long	 n;

	if (cl == NULL)
		return -1;
	errno = 0;
	n = strtoll(cl, &end, 10);
	if (errno != 0 || *end != '\0' || n < 0)
		return -2;
	return n;
}

static void
make_request_id(struct req *r)
{
	unsigned char	raw[16];
	char		hex[33];

	if (crypto_random(raw, sizeof(raw)) != CE_OK)
		return;
	hex_encode(raw, sizeof(raw), hex);
	r->request_id = pool_strdup(r->pool, hex);
}

static bool
rid_ok(const char *s)
{
	size_t	i;

	for (i = 0; s[i] != '\0'; i++)
		if (i >= 64 || !((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') || s[i] == '-'))
			return false;
	return i > 0;
}

int
serve(const char *prog, const struct route *routes, size_t nroutes, int (*init)(void))
{
	FCGX_Request	 f;
	struct req	 r;
	struct pool	*pool;
	struct db	*db;
	struct sigaction sa;
	const char	*v;
	const struct route *brt;
	int		 st;

	log_init(prog, LOG_LVL_INFO);
	if (conf_load(NULL) != CE_OK)
		return 78;	/* EX_CONFIG */
	log_init(prog, strcmp(conf.log_level, "debug") == 0 ? LOG_LVL_DEBUG :
	    strcmp(conf.log_level, "warn") == 0 ? LOG_LVL_WARN :
	    strcmp(conf.log_level, "error") == 0 ? LOG_LVL_ERR : LOG_LVL_INFO);
	if (*conf.log_file != '\0') {
		int fd = open(conf.log_file, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
		if (fd == -1 || dup2(fd, STDERR_FILENO) == -1) {
			log_err("cannot open log_file %s", conf.log_file);
			return 73;	/* EX_CANTCREAT */
		}
		close(fd);
		setvbuf(stderr, NULL, _IOLBF, 0);
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_term;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGTERM, &sa, NULL) == -1 || sigaction(SIGINT, &sa, NULL) == -1)
		return 71;
	signal(SIGPIPE, SIG_IGN);
	if (FCGX_Init() != 0 || FCGX_InitRequest(&f, 0, 0) != 0) {
		log_err("FastCGI initialisation failed");
		return 71;
	}
	if (init != NULL && (st = init()) != 0)
		return st;
	if (conf.workers > 1 && (st = supervise(conf.workers)) >= 0)
		return st;
	if ((pool = pool_new()) == NULL)
		return 71;
	/* Connect lazily if the database is not up yet; requests get 503 until it is. */
	if ((db = db_open(NULL, NULL)) == NULL) {
		log_warn("database not reachable at start-up; will retry per request");
	}
	log_info("ready");
	while (!stopping && FCGX_Accept_r(&f) >= 0) {
		memset(&r, 0, sizeof(r));
		r.pool = pool;
		r.method = env(&f, "REQUEST_METHOD");
		r.path = env(&f, "DOCUMENT_URI");
		if (r.path == NULL)
			r.path = env(&f, "SCRIPT_NAME");
		r.query_string = env(&f, "QUERY_STRING");
		r.content_type = env(&f, "CONTENT_TYPE");
		r.cookie_header = env(&f, "HTTP_COOKIE");
		r.csrf_header = env(&f, "HTTP_X_CSRF_TOKEN");
		r.user_agent = env(&f, "HTTP_USER_AGENT");
		r.remote_addr = env(&f, "REMOTE_ADDR");
		r.tls = (v = env(&f, "HTTPS")) != NULL && strcmp(v, "on") == 0;
		r.fcgi = &f;
		r.content_length = content_length(&f);
		if ((v = env(&f, "REQUEST_ID")) != NULL && rid_ok(v))
			r.request_id = v;
		else
			make_request_id(&r);
		log_set_request(r.request_id);
		if (r.method == NULL)
			r.method = "GET";
		if (r.path == NULL)
			r.path = "/";
		if (db == NULL && (db = db_open(NULL, NULL)) == NULL) {
			reply_problem(&r, 503, "unavailable", "The service is starting",
			    "The database is not reachable yet. Please try again shortly.");
		} else if (r.db = db, r.content_length == -2) {
			reply_problem(&r, 400, "bad-request", "The body could not be read",
			    "Content-Length is not a number.");
		} else if ((brt = body_route(&r, routes, nroutes), brt == NULL ||
		    !(brt->flags & R_STREAM)) && (st = read_body(&r, &f, brt != NULL &&
		    brt->max_body > 0 ? brt->max_body : conf.max_body_bytes)) != 0) {
			if (st == 413)
				reply_problem(&r, 413, "too-large", "The body is too large",
				    "Requests here are limited in size.");
			else if (st == 500)
				reply_internal(&r, "out of memory reading the body");
			else
				reply_problem(&r, 400, "bad-request", "The body could not be read",
				    NULL);
		} else
			serve_dispatch(&r, routes, nroutes);
		write_reply(&r, &f);
		FCGX_Finish_r(&f);
		log_set_request(NULL);
		pool_reset(pool);
	}
	log_info("stopping");
	db_close(db);
	pool_free(pool);
	return 0;
}
