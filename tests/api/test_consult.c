/*
 * API tests for consult.fcgi (docs/API.md#consult), through nginx (and its
 * nchan module for the WebSocket signalling) against the stack's MariaDB and
 * coturn: who may see and join a room and when (the REST routes and the
 * real WebSocket upgrade), TURN credentials accepted by the running coturn
 * and refused once expired, messages sent with POST .../signal/messages
 * reaching the other participant's (subscribe-only) WebSocket with the
 * server-stamped sender, malformed/oversized/unadmitted/over-rate messages
 * refused with their problems and reaching nobody, data frames sent on the
 * WebSocket closing it without crashing nginx (nchan 1.3.6's publish path
 * crashed workers), admit and end, the notes' versions, conflicts, signature
 * and amendments, and the audit rows.
 *
 * Appointments are inserted as root (sql/0007's appointment table) at times
 * relative to now: the stack's consult_open_before_minutes (15) and
 * consult_close_after_minutes (30) are the defaults.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <libgen.h>
#include <sys/types.h>

#include <check.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "helpers.h"

#define CONSULT	"/api/v1/consult"

/* An appointment of patient with clinician starting `minutes` from now (may be negative). */
static int64_t
appointment(int64_t patient, int64_t clinician, int minutes, const char *status)
{
	ck_assert_msg(sql_exec("INSERT INTO appointment (patient_id, clinician_id, type_id,"
	    " starts_at, ends_at, status, booked_by, created_at, updated_at) VALUES (%lld, %lld,"
	    " (SELECT id FROM appointment_type WHERE code = 'initial'),"
	    " UTC_TIMESTAMP() + INTERVAL %d MINUTE, UTC_TIMESTAMP() + INTERVAL %d MINUTE, '%s',"
	    " %lld, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))", (long long)patient,
	    (long long)clinician, minutes, minutes + 30, status, (long long)patient) == 0,
	    "appointment: %s", sql_error());
	return sql_int("SELECT LAST_INSERT_ID()");
}

/* A setting's value from the stack's clinic.conf into out ("" when absent). */
static void
conf_value(const char *name, char *out, size_t cap)
{
	FILE	*f = fopen(E.conf, "r");
	char	 line[1024], *p, *v;
	size_t	 n = strlen(name);

	*out = '\0';
	ck_assert_msg(f != NULL, "cannot read %s", E.conf);
	while (fgets(line, sizeof(line), f) != NULL) {
		for (p = line; *p == ' ' || *p == '\t'; p++)
			;
		if (strncmp(p, name, n) != 0 || (p[n] != ' ' && p[n] != '='))
			continue;
		if ((v = strchr(p, '=')) == NULL)
			continue;
		for (v++; *v == ' '; v++)
			;
		v[strcspn(v, "\r\n")] = '\0';
		(void)snprintf(out, cap, "%s", v);
	}
	fclose(f);
}

static long
conf_long(const char *name, long dflt)
{
	char	v[64];

	conf_value(name, v, sizeof(v));
	return *v != '\0' ? strtol(v, NULL, 10) : dflt;
}

/* The stack's nginx port (from CLINIC_TEST_URL). */
static int
stack_port(void)
{
	const char	*p = strrchr(E.url, ':');
	long		 v;

	ck_assert_msg(p != NULL, "no port in %s", E.url);
	v = strtol(p + 1, NULL, 10);
	ck_assert_msg(v > 0 && v < 65536 - 9, "bad port in %s", E.url);
	return (int)v;
}

/* ---- a minimal WebSocket client (RFC 6455): text frames, masked, no extensions ---- */

struct ws {
	int	 fd;
	int	 status;		/* the handshake's HTTP status */
	int	 close_code;		/* of the server's close frame (0: none yet) */
	char	*buf;
	size_t	 have;
};

#define WS_BUF	(256 * 1024)

static void
write_all(int fd, const void *p, size_t n)
{
	const char	*c = p;
	ssize_t		 w;

	while (n > 0) {
		w = write(fd, c, n);
		if (w < 0 && errno == EINTR)
			continue;
		ck_assert_msg(w > 0, "websocket write: %s", strerror(errno));
		c += w;
		n -= (size_t)w;
	}
}

/* Reads more into w->buf, waiting up to ms. Returns bytes read, 0 on timeout/EOF. */
static size_t
ws_fill(struct ws *w, int ms)
{
	struct pollfd	pfd = { w->fd, POLLIN, 0 };
	ssize_t		n;

	if (w->have >= WS_BUF || poll(&pfd, 1, ms) <= 0)
		return 0;
	n = read(w->fd, w->buf + w->have, WS_BUF - w->have);
	if (n <= 0)
		return 0;
	w->have += (size_t)n;
	return (size_t)n;
}

/*
 * Opens the appointment's signalling WebSocket as b (its session cookie;
 * NULL: none) with Origin origin (NULL: the stack's own). Returns the
 * handshake's status in w->status; the socket stays open only on 101.
 */
static void
ws_open(struct ws *w, struct browser *b, int64_t appt, const char *origin)
{
	struct sockaddr_in	 sa;
	char			 req[2048], *cookie = b != NULL ? br_cookie(b) : NULL, *end;
	int			 n;

	memset(w, 0, sizeof(*w));
	w->buf = malloc(WS_BUF);
	ck_assert(w->buf != NULL);
	w->fd = socket(AF_INET, SOCK_STREAM, 0);
	ck_assert(w->fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)stack_port());
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_msg(connect(w->fd, (struct sockaddr *)&sa, sizeof(sa)) == 0, "connect: %s",
	    strerror(errno));
	n = snprintf(req, sizeof(req), "GET " CONSULT "/%lld/signal HTTP/1.1\r\n"
	    "Host: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
	    "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
	    "Origin: %s\r\n%s%s%s%s\r\n", (long long)appt, stack_port(),
	    origin != NULL ? origin : E.url, cookie != NULL ? "Cookie: " SESSION_COOKIE "=" : "",
	    cookie != NULL ? cookie : "", cookie != NULL ? "\r\n" : "", "");
	free(cookie);
	ck_assert(n > 0 && (size_t)n < sizeof(req));
	write_all(w->fd, req, (size_t)n);
	for (;;) {
		w->buf[w->have] = '\0';
		if ((end = strstr(w->buf, "\r\n\r\n")) != NULL)
			break;
		ck_assert_msg(ws_fill(w, 5000) > 0, "no handshake reply");
	}
	ck_assert_msg(sscanf(w->buf, "HTTP/1.1 %d", &w->status) == 1, "bad reply: %.80s", w->buf);
	end += 4;
	w->have -= (size_t)(end - w->buf);
	memmove(w->buf, end, w->have);
	if (w->status != 101) {
		close(w->fd);
		w->fd = -1;
	}
}

static void
ws_close(struct ws *w)
{
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
	free(w->buf);
	w->buf = NULL;
}

/*
 * The next text frame's payload (malloc'd), waiting up to ms; NULL on
 * timeout or when the server closed. Pings and other control frames are skipped.
 */
static char *
ws_recv(struct ws *w, int ms)
{
	unsigned char	*b;
	uint64_t	 len;
	size_t		 off;
	int		 op, i;
	char		*out;

	for (;;) {
		b = (unsigned char *)w->buf;
		off = 2;
		if (w->have >= 2) {
			op = b[0] & 0x0f;
			len = b[1] & 0x7f;
			if (len == 126 && w->have >= 4) {
				len = ((uint64_t)b[2] << 8) | b[3];
				off = 4;
			} else if (len == 127 && w->have >= 10) {
				for (len = 0, i = 0; i < 8; i++)
					len = (len << 8) | b[2 + i];
				off = 10;
			} else if (len >= 126)
				goto more;
			if (w->have >= off + len) {
				out = NULL;
				if (op == 1) {
					out = malloc(len + 1);
					ck_assert(out != NULL);
					memcpy(out, b + off, len);
					out[len] = '\0';
				}
				if (op == 8)
					w->close_code = len >= 2 ?
					    (b[off] << 8) | b[off + 1] : 1005;
				w->have -= off + len;
				memmove(w->buf, w->buf + off + len, w->have);
				if (op == 8)
					return NULL;
				if (out != NULL)
					return out;
				continue;
			}
		}
more:
		if (ws_fill(w, ms) == 0)
			return NULL;
	}
}

/* The next message, parsed; asserts one arrives and that its type is `type`. */
static json_object *
ws_expect(struct ws *w, const char *type)
{
	char		*m = ws_recv(w, 5000);
	json_object	*o;

	ck_assert_msg(m != NULL, "no %s message arrived", type);
	o = json_tokener_parse(m);
	ck_assert_msg(o != NULL && jstr(o, "type") != NULL && strcmp(jstr(o, "type"), type) == 0,
	    "expected a %s message, got %s", type, m);
	free(m);
	return o;
}

/*
 * Sends one masked text frame of len bytes, in two writes `split` bytes apart
 * when split > 0 (a frame across TCP segments), ignoring write errors: the
 * server may close the socket before the frame is all sent.
 */
static void
ws_send_raw(struct ws *w, const char *msg, size_t len, size_t split)
{
	unsigned char	*p;
	size_t		 h = 0, i, n, off = 0;
	ssize_t		 k;

	p = malloc(len + 14);
	ck_assert(p != NULL);
	p[h++] = 0x81;
	if (len < 126)
		p[h++] = (unsigned char)(0x80 | len);
	else if (len < 65536) {
		p[h++] = 0x80 | 126;
		p[h++] = (unsigned char)(len >> 8);
		p[h++] = (unsigned char)len;
	} else {
		p[h++] = 0x80 | 127;
		for (i = 0; i < 8; i++)
			p[h++] = (unsigned char)((uint64_t)len >> (56 - 8 * i));
	}
	for (i = 0; i < 4; i++)
		p[h++] = 0x5a;
	for (i = 0; i < len; i++)
		p[h + i] = (unsigned char)msg[i] ^ 0x5a;
	n = h + len;
	while (off < n) {
		size_t	want = split > 0 && off < split ? split - off : n - off;

		k = send(w->fd, p + off, want, MSG_NOSIGNAL);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		off += (size_t)k;
		if (split > 0 && off == split)
			usleep(100 * 1000);
	}
	free(p);
}

/* The stack's nginx error log ($var/log/nginx-error.log, beside clinic.conf). */
static void
nginx_log_path(char *out, size_t cap)
{
	char	*c = strdup(E.conf);

	ck_assert(c != NULL);
	(void)snprintf(out, cap, "%s/log/nginx-error.log", dirname(c));
	free(c);
}

/* How many nginx workers the log says died on a signal (a crash). */
static int
nginx_crashes(void)
{
	char	 path[1024], line[2048];
	FILE	*f;
	int	 n = 0;

	nginx_log_path(path, sizeof(path));
	f = fopen(path, "r");
	ck_assert_msg(f != NULL, "cannot read %s", path);
	while (fgets(line, sizeof(line), f) != NULL)
		if (strstr(line, "exited on signal") != NULL)
			n++;
	fclose(f);
	return n;
}

/* POST .../signal/messages as b with msg as the body. */
static struct resp *
sig_post(struct browser *b, int64_t appt, const char *msg)
{
	char	path[128];

	(void)snprintf(path, sizeof(path), CONSULT "/%lld/signal/messages", (long long)appt);
	return api(b, "POST", path, msg);
}

/* Sends msg and asserts it was published (202). */
static void
sig_send(struct browser *b, int64_t appt, const char *msg)
{
	struct resp	*r = sig_post(b, appt, msg);

	ck_assert_msg(r->status == 202, "%.80s: %s", msg, rdesc(r));
	resp_free(r);
}

/* Sends msg and asserts the problem (status, slug). */
static void
sig_refused(struct browser *b, int64_t appt, const char *msg, long status, const char *slug)
{
	struct resp	*r = sig_post(b, appt, msg);

	ck_assert_msg(r->status == status, "%.80s: %s", msg, rdesc(r));
	expect_problem(r, status, slug);
	resp_free(r);
}

/* Asserts nothing arrives on w for ms. */
static void
ws_quiet(struct ws *w, int ms)
{
	char	*m = ws_recv(w, ms);

	ck_assert_msg(m == NULL, "unexpected %s", m);
}

/* ---- fixtures ---- */

struct cast {
	struct user	 p;		/* the appointment's patient */
	struct browser	*c;		/* its clinician */
	int64_t		 cid;
	int64_t		 appt;		/* starts in 5 minutes: the room is open */
};

static void
cast_new(struct cast *k, const char *tag)
{
	user_register(&k->p, tag);
	k->c = staff_new("clinician", &k->cid);
	k->appt = appointment(k->p.id, k->cid, 5, "booked");
}

static void
cast_free(struct cast *k)
{
	br_free(k->c);
	user_free(&k->p);
}

/* ---- rooms ---- */

START_TEST(test_room_who_and_when)
{
	struct cast	 k;
	struct user	 other;
	struct browser	*other_c, *admin;
	int64_t		 other_cid, admin_id, past, future, other_appt;
	struct resp	*r;
	char		 path[128];

	cast_new(&k, "consult-who");
	user_register(&other, "consult-other");
	other_c = staff_new("clinician", &other_cid);
	admin = staff_new("admin", &admin_id);
	other_appt = appointment(other.id, other_cid, 5, "booked");

	(void)snprintf(path, sizeof(path), CONSULT "/%lld", (long long)k.appt);
	r = api(k.p.b, "GET", path, NULL);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	expect_api_headers(r);
	ck_assert_str_eq(jstr(r->json, "role"), "patient");
	ck_assert_str_eq(jstr(r->json, "state"), "waiting");
	ck_assert(jbool(r->json, "open"));
	ck_assert(!jbool(r->json, "patient_present"));
	ck_assert_int_eq(jint(r->json, "appointment.id"), k.appt);
	ck_assert(jget(r->json, "appointment.patient_name") == NULL);
	{
		char	want[160];

		(void)snprintf(want, sizeof(want), "%s/signal", path);
		ck_assert_str_eq(jstr(r->json, "signal_url"), want);
	}
	ck_assert(jstr(r->json, "room_opens") != NULL && jstr(r->json, "room_closes") != NULL);
	resp_free(r);
	r = api(k.c, "GET", path, NULL);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert_str_eq(jstr(r->json, "role"), "clinician");
	ck_assert(jstr(r->json, "appointment.patient_name") != NULL);
	resp_free(r);

	/* Anyone else: another patient, another clinician, an admin → 404, REST and join. */
	r = api(other.b, "GET", path, NULL);
	expect_problem(r, 404, "not-found");
	resp_free(r);
	r = api(other_c, "GET", path, NULL);
	expect_problem(r, 404, "not-found");
	resp_free(r);
	r = api(admin, "GET", path, NULL);
	expect_problem(r, 404, "not-found");
	resp_free(r);
	r = api_get(other.b, CONSULT "/%lld/join", (long long)k.appt);
	expect_problem(r, 404, "not-found");
	resp_free(r);
	r = api_get(other_c, CONSULT "/%lld/join", (long long)k.appt);
	expect_problem(r, 404, "not-found");
	resp_free(r);
	r = api_get(admin, CONSULT "/%lld/join", (long long)k.appt);
	expect_problem(r, 404, "not-found");
	resp_free(r);
	r = api_get(k.p.b, CONSULT "/%lld/join", (long long)other_appt);
	expect_problem(r, 404, "not-found");
	resp_free(r);
	r = api_get(k.p.b, CONSULT "/99999999/join");
	expect_problem(r, 404, "not-found");
	resp_free(r);

	/* Outside the window: 409 room-closed naming the window; GET says open false. */
	past = appointment(k.p.id, k.cid, -120, "booked");
	future = appointment(k.p.id, k.cid, 24 * 60, "booked");
	r = api_get(k.p.b, CONSULT "/%lld/join", (long long)past);
	expect_problem(r, 409, "room-closed");
	ck_assert(jstr(r->json, "room_opens") != NULL && jstr(r->json, "room_closes") != NULL);
	resp_free(r);
	r = api_get(k.c, CONSULT "/%lld/join", (long long)future);
	expect_problem(r, 409, "room-closed");
	resp_free(r);
	r = api_get(k.p.b, CONSULT "/%lld", (long long)future);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert(!jbool(r->json, "open"));
	resp_free(r);
	/* A cancelled appointment's room never opens. */
	ck_assert_int_eq(sql_exec("UPDATE appointment SET status = 'cancelled' WHERE id = %lld",
	    (long long)other_appt), 0);
	r = api_get(other.b, CONSULT "/%lld/join", (long long)other_appt);
	expect_problem(r, 409, "room-closed");
	resp_free(r);

	/* Nothing was joined by the refused calls. */
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM consult_room WHERE appointment_id IN"
	    " (%lld, %lld, %lld)", (long long)past, (long long)future, (long long)other_appt), 0);

	br_free(other_c);
	br_free(admin);
	user_free(&other);
	cast_free(&k);
}
END_TEST

/* base64(HMAC-SHA1(secret, user)) computed here, independently of the program. */
static void
expected_credential(const char *secret, const char *user, char out[64])
{
	unsigned char	mac[EVP_MAX_MD_SIZE];
	unsigned int	len = 0;

	ck_assert(HMAC(EVP_sha1(), secret, (int)strlen(secret), (const unsigned char *)user,
	    strlen(user), mac, &len) != NULL);
	ck_assert_int_eq(EVP_EncodeBlock((unsigned char *)out, mac, (int)len), 28);
}

/*
 * turnutils_uclient allocates a relay with (user, pass) against the stack's
 * coturn; true when the allocation succeeded ("Received relay addr").
 */
static bool
turn_allocates(const char *user, const char *pass)
{
	char	cmd[1024], line[512];
	FILE	*p;
	bool	ok = false;

	(void)snprintf(cmd, sizeof(cmd), "timeout 15 turnutils_uclient -v -y -n 1 -m 1 -u '%s'"
	    " -w '%s' -p %d 127.0.0.1 2>&1", user, pass, stack_port() + 9);
	ck_assert((p = popen(cmd, "r")) != NULL);
	while (fgets(line, sizeof(line), p) != NULL)
		if (strstr(line, "Received relay addr") != NULL)
			ok = true;
	(void)pclose(p);
	return ok;
}

START_TEST(test_join_turn)
{
	struct cast	 k;
	struct resp	*r;
	char		 secret[256], want[64], user[64], path[128];
	const char	*u, *cred;
	long long	 expiry;
	time_t		 now = time(NULL);
	long		 ttl = conf_long("turn_ttl_seconds", 3600);

	cast_new(&k, "consult-turn");
	conf_value("turn_secret", secret, sizeof(secret));
	ck_assert_msg(*secret != '\0', "the test stack has no turn_secret");
	(void)snprintf(path, sizeof(path), CONSULT "/%lld/join", (long long)k.appt);
	r = api(k.p.b, "GET", path, NULL);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	expect_api_headers(r);
	expect_one_audit(r, "consult.join", "success");
	ck_assert_str_eq(jstr(r->json, "role"), "patient");
	ck_assert_int_eq(jint(r->json, "user_id"), k.p.id);
	ck_assert_int_eq(jint(r->json, "ttl"), ttl);
	ck_assert(jstr(r->json, "expires_at") != NULL);
	ck_assert(strstr(jstr(r->json, "ice_servers.0.urls.0"), "turn:127.0.0.1:") != NULL);
	u = jstr(r->json, "ice_servers.0.username");
	cred = jstr(r->json, "ice_servers.0.credential");
	ck_assert(u != NULL && cred != NULL);
	/* "<expiry>:<user id>", the expiry ttl seconds ahead. */
	ck_assert_int_eq(sscanf(u, "%lld:", &expiry), 1);
	(void)snprintf(user, sizeof(user), "%lld:%lld", expiry, (long long)k.p.id);
	ck_assert_str_eq(u, user);
	ck_assert_msg(expiry >= (long long)now + ttl - 5 && expiry <= (long long)now + ttl + 5,
	    "expiry %lld, now %lld", expiry, (long long)now);
	expected_credential(secret, u, want);
	ck_assert_str_eq(cred, want);

	/* The running coturn accepts them, and refuses a wrong or expired one. */
	ck_assert_msg(turn_allocates(u, cred), "coturn refused the minted credentials");
	ck_assert(!turn_allocates(u, "AAAAAAAAAAAAAAAAAAAAAAAAAAA="));
	(void)snprintf(user, sizeof(user), "%lld:%lld", (long long)now - 60, (long long)k.p.id);
	expected_credential(secret, user, want);
	ck_assert_msg(!turn_allocates(user, want), "coturn accepted an expired username");

	/* Joining recorded the patient's presence. */
	resp_free(r);
	r = api_get(k.c, CONSULT "/%lld", (long long)k.appt);
	ck_assert(jbool(r->json, "patient_present"));
	ck_assert_str_eq(jstr(r->json, "state"), "waiting");
	resp_free(r);
	cast_free(&k);
}
END_TEST

START_TEST(test_admit_end)
{
	struct cast	 k;
	struct ws	 p, c;
	struct resp	*r;
	char		 path[128];

	cast_new(&k, "consult-admit");
	(void)snprintf(path, sizeof(path), CONSULT "/%lld/admit", (long long)k.appt);
	r = api(k.p.b, "POST", path, NULL);
	expect_problem(r, 403, "forbidden");
	resp_free(r);
	r = api(k.c, "POST", path, NULL);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	expect_one_audit(r, "consult.admit", "success");
	ck_assert_str_eq(jstr(r->json, "state"), "admitted");
	resp_free(r);
	r = api_get(k.p.b, CONSULT "/%lld", (long long)k.appt);
	ck_assert_str_eq(jstr(r->json, "state"), "admitted");
	resp_free(r);

	ws_open(&p, k.p.b, k.appt, NULL);
	ck_assert_int_eq(p.status, 101);
	ws_open(&c, k.c, k.appt, NULL);
	ck_assert_int_eq(c.status, 101);
	(void)snprintf(path, sizeof(path), CONSULT "/%lld/end", (long long)k.appt);
	r = api(k.p.b, "POST", path, NULL);
	expect_problem(r, 403, "forbidden");
	resp_free(r);
	r = api(k.c, "POST", path, NULL);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	expect_one_audit(r, "consult.end", "success");
	/*
	 * After the end only "ended" and "bye" still go through: the clinician
	 * tells the patient; a hello (or anything else) is dropped.
	 */
	sig_refused(k.c, k.appt, "{\"type\":\"hello\"}", 409, "room-closed");
	sig_send(k.c, k.appt, "{\"type\":\"ended\"}");
	json_object_put(ws_expect(&p, "ended"));
	sig_refused(k.p.b, k.appt, "{\"type\":\"media\",\"audio\":false}", 409, "room-closed");
	sig_send(k.p.b, k.appt, "{\"type\":\"bye\"}");
	json_object_put(ws_expect(&c, "ended"));	/* its own, echoed */
	json_object_put(ws_expect(&c, "bye"));
	ws_close(&p);
	ws_close(&c);
	/* A new connection is refused. */
	ws_open(&p, k.p.b, k.appt, NULL);
	ck_assert_int_ne(p.status, 101);
	ws_close(&p);
	ck_assert_str_eq(jstr(r->json, "state"), "ended");
	ck_assert(!jbool(r->json, "open"));
	ck_assert_str_eq(jstr(r->json, "appointment.status"), "completed");
	resp_free(r);
	ck_assert_int_eq(sql_int("SELECT status = 'completed' FROM appointment WHERE id = %lld",
	    (long long)k.appt), 1);
	r = api(k.c, "POST", path, NULL);
	expect_problem(r, 409, "room-closed");
	resp_free(r);
	r = api_get(k.p.b, CONSULT "/%lld/join", (long long)k.appt);
	expect_problem(r, 409, "room-closed");
	resp_free(r);
	cast_free(&k);
}
END_TEST

/* ---- signalling ---- */

START_TEST(test_signal_upgrade)
{
	struct cast	 k;
	struct user	 other;
	struct browser	*other_c, *admin;
	int64_t		 other_cid, admin_id, future;
	struct ws	 w;
	struct resp	*r;
	char		 origin[160];

	cast_new(&k, "consult-ws");
	user_register(&other, "consult-ws-other");
	other_c = staff_new("clinician", &other_cid);
	admin = staff_new("admin", &admin_id);
	future = appointment(k.p.id, k.cid, 24 * 60, "booked");

	ws_open(&w, k.p.b, k.appt, NULL);
	ck_assert_int_eq(w.status, 101);
	ws_close(&w);
	ws_open(&w, k.c, k.appt, NULL);
	ck_assert_int_eq(w.status, 101);
	ws_close(&w);

	ws_open(&w, other.b, k.appt, NULL);
	ck_assert_msg(w.status == 404 || w.status == 403, "another patient: %d", w.status);
	ws_close(&w);
	ws_open(&w, other_c, k.appt, NULL);
	ck_assert_msg(w.status == 404 || w.status == 403, "another clinician: %d", w.status);
	ws_close(&w);
	ws_open(&w, admin, k.appt, NULL);
	ck_assert_msg(w.status == 404 || w.status == 403, "admin: %d", w.status);
	ws_close(&w);
	ws_open(&w, NULL, k.appt, NULL);
	ck_assert_msg(w.status == 401 || w.status == 403, "no session: %d", w.status);
	ws_close(&w);
	/* Outside the window. */
	ws_open(&w, k.p.b, future, NULL);
	ck_assert_msg(w.status != 101, "future room: %d", w.status);
	ws_close(&w);
	/* Cross-site WebSocket hijacking: the right cookie from another site's page. */
	ws_open(&w, k.p.b, k.appt, "https://evil.example");
	ck_assert_int_eq(w.status, 403);
	ws_close(&w);
	(void)snprintf(origin, sizeof(origin), "%s.evil.example", E.url);
	ws_open(&w, k.p.b, k.appt, origin);
	ck_assert_int_eq(w.status, 403);
	ws_close(&w);

	/* The internal route is not reachable from outside nginx. */
	r = api_get(k.p.b, CONSULT "/%lld/signal/authorize", (long long)k.appt);
	expect_problem(r, 404, "not-found");
	resp_free(r);
	{
		char	path[128];

		/* The old upstream-publish route is gone. */
		(void)snprintf(path, sizeof(path), CONSULT "/%lld/signal/publish",
		    (long long)k.appt);
		r = api(k.p.b, "POST", path, "{\"type\":\"hello\"}");
		ck_assert_msg(r->status == 404 || r->status == 405, "%s", rdesc(r));
		resp_free(r);
		/* Sending needs the session's X-CSRF-Token, and the right people. */
		(void)snprintf(path, sizeof(path), CONSULT "/%lld/signal/messages",
		    (long long)k.appt);
		r = http_raw(k.p.b, "POST", path, "{\"type\":\"hello\"}", 16, "application/json",
		    NULL, NULL);
		expect_problem(r, 403, "csrf");
		resp_free(r);
		{
			struct browser	*anon = br_new();

			r = api(anon, "POST", path, "{\"type\":\"hello\"}");
			expect_problem(r, 401, "unauthenticated");
			resp_free(r);
			br_free(anon);
		}
		sig_refused(other.b, k.appt, "{\"type\":\"hello\"}", 404, "not-found");
		sig_refused(other_c, k.appt, "{\"type\":\"hello\"}", 404, "not-found");
		sig_refused(admin, k.appt, "{\"type\":\"hello\"}", 404, "not-found");
		sig_refused(k.p.b, future, "{\"type\":\"hello\"}", 409, "room-closed");
		r = http_raw(k.p.b, "POST", path, "{\"type\":\"hello\"}", 16, "text/plain",
		    k.p.b->csrf, NULL);
		expect_problem(r, 415, "unsupported-media-type");
		resp_free(r);
	}
	r = api_get(k.p.b, "/_consult/authorize");
	ck_assert_int_eq(r->status, 404);
	resp_free(r);

	br_free(other_c);
	br_free(admin);
	user_free(&other);
	cast_free(&k);
}
END_TEST

START_TEST(test_signal_exchange)
{
	struct cast	 k;
	struct ws	 p, c, late;
	struct resp	*r;
	json_object	*o;
	char		*big, *m, path[128];
	long		 max = conf_long("signal_max_bytes", 16384);

	cast_new(&k, "consult-relay");
	ws_open(&p, k.p.b, k.appt, NULL);
	ck_assert_int_eq(p.status, 101);
	ws_open(&c, k.c, k.appt, NULL);
	ck_assert_int_eq(c.status, 101);

	/*
	 * hello from the patient reaches the clinician, stamped by the server
	 * (the client's own from/from_id replaced).
	 */
	sig_send(k.p.b, k.appt, "{\"type\":\"hello\",\"from\":\"clinician\",\"from_id\":1,\"x\":7}");
	o = ws_expect(&c, "hello");
	ck_assert_str_eq(jstr(o, "from"), "patient");
	ck_assert_int_eq(jint(o, "from_id"), k.p.id);
	ck_assert_int_eq(jint(o, "x"), 7);
	json_object_put(o);
	/* The sender's socket gets it too (clients ignore their own from_id). */
	o = ws_expect(&p, "hello");
	ck_assert_int_eq(jint(o, "from_id"), k.p.id);
	json_object_put(o);

	/*
	 * Refused with a problem, reaching nobody: not JSON, not an object,
	 * no/unknown type, wrong payload shape, clinician-only types from the
	 * patient, a description/candidate before admission. Each is followed by
	 * a marker: the next message the clinician sees is it.
	 */
	{
		static const struct {
			const char	*msg;
			long		 status;
			const char	*slug;
		} bad[] = {
			{ "not json", 400, "malformed-json" },
			{ "{\"a\":1}{\"b\":2}", 400, "malformed-json" },
			{ "[1,2]", 422, "validation" },
			{ "{\"type\":1}", 422, "validation" },
			{ "{}", 422, "validation" },
			{ "{\"type\":\"nope\"}", 422, "validation" },
			{ "{\"type\":\"media\",\"audio\":\"yes\"}", 422, "validation" },
			{ "{\"type\":\"description\",\"description\":\"x\"}", 422, "validation" },
			{ "{\"type\":\"admitted\"}", 403, "forbidden" },
			{ "{\"type\":\"ended\"}", 403, "forbidden" },
			{ "{\"type\":\"description\",\"description\":{\"type\":\"offer\",\"sdp\":\"v=0\"}}",
			    409, "not-admitted" },
			{ "{\"type\":\"candidate\",\"candidate\":null}", 409, "not-admitted" },
		};
		size_t	i;

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			sig_refused(k.p.b, k.appt, bad[i].msg, bad[i].status, bad[i].slug);
			sig_send(k.p.b, k.appt, "{\"type\":\"media\",\"audio\":true,\"video\":false}");
			o = ws_expect(&c, "media");
			ck_assert_msg(jbool(o, "audio"), "after %s", bad[i].msg);
			json_object_put(o);
			json_object_put(ws_expect(&p, "media"));	/* its own */
		}
		r = sig_post(k.p.b, k.appt, "{\"type\":\"nope\"}");
		ck_assert(has_error_field(r, "type"));
		resp_free(r);
	}
	/*
	 * Size: a message of signal_max_bytes is published whole (no 3 KB or
	 * 16 KiB frame limit any more); one byte more is 413 and reaches nobody.
	 */
	big = malloc((size_t)max + 2);
	ck_assert(big != NULL);
	memset(big, 'q', (size_t)max + 1);
	memcpy(big, "{\"type\":\"hello\",\"pad\":\"", 23);
	memcpy(big + max - 2, "\"}", 2);
	big[max] = '\0';
	sig_send(k.p.b, k.appt, big);
	o = ws_expect(&c, "hello");
	ck_assert_uint_eq(strlen(jstr(o, "pad")), (size_t)max - 25);
	json_object_put(o);
	json_object_put(ws_expect(&p, "hello"));
	memcpy(big + max - 2, "q\"}", 3);
	big[max + 1] = '\0';
	sig_refused(k.p.b, k.appt, big, 413, "too-large");
	free(big);
	sig_send(k.p.b, k.appt, "{\"type\":\"bye\"}");
	o = ws_expect(&c, "bye");
	json_object_put(o);
	json_object_put(ws_expect(&p, "bye"));

	/* After admission the patient's description and candidates go through. */
	(void)snprintf(path, sizeof(path), CONSULT "/%lld/admit", (long long)k.appt);
	r = api(k.c, "POST", path, NULL);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	resp_free(r);
	sig_send(k.c, k.appt, "{\"type\":\"admitted\"}");
	o = ws_expect(&c, "admitted");	/* the clinician's own, echoed */
	ck_assert_str_eq(jstr(o, "from"), "clinician");
	ck_assert_int_eq(jint(o, "from_id"), k.cid);
	json_object_put(o);
	json_object_put(ws_expect(&p, "admitted"));
	sig_send(k.p.b, k.appt, "{\"type\":\"description\",\"description\":{\"type\":\"answer\","
	    "\"sdp\":\"v=0\\r\\n\"},\"cid\":\"abc123\",\"to\":\"def456\"}");
	o = ws_expect(&c, "description");
	ck_assert_str_eq(jstr(o, "from"), "patient");
	ck_assert_str_eq(jstr(o, "description.type"), "answer");
	ck_assert_str_eq(jstr(o, "cid"), "abc123");
	ck_assert_str_eq(jstr(o, "to"), "def456");
	json_object_put(o);
	sig_send(k.p.b, k.appt, "{\"type\":\"candidate\",\"candidate\":{\"candidate\":\"candidate:1 1 udp"
	    " 1 127.0.0.1 9 typ host\",\"sdpMid\":\"0\",\"sdpMLineIndex\":0}}");
	o = ws_expect(&c, "candidate");
	ck_assert_int_eq(jint(o, "candidate.sdpMLineIndex"), 0);
	json_object_put(o);

	/* A new connection sees only what is published after it joined. */
	ws_open(&late, k.p.b, k.appt, NULL);
	ck_assert_int_eq(late.status, 101);
	sig_send(k.c, k.appt, "{\"type\":\"media\",\"audio\":false}");
	o = ws_expect(&late, "media");
	ck_assert_str_eq(jstr(o, "from"), "clinician");
	json_object_put(o);
	json_object_put(ws_expect(&c, "media"));	/* the clinician's own */
	m = ws_recv(&late, 300);
	ck_assert_msg(m == NULL, "unexpected %s", m);

	ws_close(&late);
	ws_close(&p);
	ws_close(&c);
	cast_free(&k);
}
END_TEST

START_TEST(test_signal_rate)
{
	struct cast	 k;
	struct ws	 c;
	json_object	*o;
	struct resp	*r;
	long		 limit = conf_long("signal_rate_per_10s", 100);
	int		 i, got = 0;
	char		*m, msg[64], *ra, *end = NULL;
	long		 secs = 0;

	cast_new(&k, "consult-rate");
	ws_open(&c, k.c, k.appt, NULL);
	ck_assert_int_eq(c.status, 101);
	/* The patient has used all but 3 of this window's messages. */
	ck_assert_int_eq(sql_exec("INSERT INTO consult_signal_rate (appointment_id, user_id,"
	    " window_start, messages) VALUES (%lld, %lld, UTC_TIMESTAMP(), %ld)",
	    (long long)k.appt, (long long)k.p.id, limit - 3), 0);
	for (i = 0; i < 8; i++) {
		(void)snprintf(msg, sizeof(msg), "{\"type\":\"media\",\"n\":%d}", i);
		r = sig_post(k.p.b, k.appt, msg);
		if (i < 3)
			ck_assert_msg(r->status == 202, "%d: %s", i, rdesc(r));
		else {
			expect_problem(r, 429, "too-many-attempts");
			ra = resp_header(r, "Retry-After");
			ck_assert_msg(ra != NULL && (secs = strtol(ra, &end, 10)) > 0 &&
			    *end == '\0', "Retry-After %s", ra);
			free(ra);
		}
		resp_free(r);
	}
	/* What got through arrives in order; then nothing more. */
	while ((m = ws_recv(&c, 1500)) != NULL) {
		o = json_tokener_parse(m);
		free(m);
		ck_assert(o != NULL);
		ck_assert_int_eq(jint(o, "n"), got);
		got++;
		json_object_put(o);
	}
	ck_assert_int_eq(got, 3);
	ck_assert_int_eq(sql_int("SELECT messages FROM consult_signal_rate WHERE appointment_id ="
	    " %lld AND user_id = %lld", (long long)k.appt, (long long)k.p.id), limit + 5);
	/* The clinician has a window of its own. */
	sig_send(k.c, k.appt, "{\"type\":\"media\",\"n\":50}");
	o = ws_expect(&c, "media");
	ck_assert_int_eq(jint(o, "n"), 50);
	json_object_put(o);
	/* The next window lets messages through again. */
	ck_assert_int_eq(sql_exec("UPDATE consult_signal_rate SET window_start = UTC_TIMESTAMP()"
	    " - INTERVAL 11 SECOND WHERE appointment_id = %lld", (long long)k.appt), 0);
	sig_send(k.p.b, k.appt, "{\"type\":\"media\",\"n\":99}");
	o = ws_expect(&c, "media");
	ck_assert_int_eq(jint(o, "n"), 99);
	json_object_put(o);
	ws_close(&c);
	cast_free(&k);
}
END_TEST

/*
 * The WebSocket is subscribe-only: a data frame from a client (small, 70 KB,
 * or one frame split across two writes) closes that socket (1008 when the
 * close frame gets through), reaches nobody, and does not crash nginx
 * (nchan 1.3.6 crashed workers publishing such frames upstream). The room
 * keeps working afterwards.
 */
START_TEST(test_signal_frames)
{
	struct cast	 k;
	struct ws	 p, c;
	json_object	*o;
	char		*big, *m;
	int		 crashes = nginx_crashes(), round;
	size_t		 n = 70 * 1024;

	cast_new(&k, "consult-frames");
	ws_open(&c, k.c, k.appt, NULL);
	ck_assert_int_eq(c.status, 101);
	big = malloc(n + 1);
	ck_assert(big != NULL);
	memset(big, 'z', n);
	memcpy(big, "{\"type\":\"hello\",\"pad\":\"", 23);
	memcpy(big + n - 2, "\"}", 2);
	big[n] = '\0';
	for (round = 0; round < 4; round++) {
		ws_open(&p, k.p.b, k.appt, NULL);
		ck_assert_int_eq(p.status, 101);
		if (round == 0)
			ws_send_raw(&p, "{\"type\":\"hello\"}", 16, 0);
		else if (round == 1)
			ws_send_raw(&p, big, n, 0);
		else if (round == 2)
			ws_send_raw(&p, "{\"type\":\"hello\",\"x\":1}", 22, 9);
		else
			ws_send_raw(&p, big, n, 3000);
		/* The socket is closed: a close frame (1008) or the connection itself. */
		m = ws_recv(&p, 5000);
		ck_assert_msg(m == NULL, "round %d: a message on a closed socket: %.80s", round, m);
		if (round == 0)
			ck_assert_int_eq(p.close_code, 1008);
		else
			ck_assert_msg(p.close_code == 0 || p.close_code == 1008,
			    "round %d: close %d", round, p.close_code);
		ws_close(&p);
		/* Nobody got it. */
		ws_quiet(&c, 300);
	}
	free(big);
	usleep(300 * 1000);
	ck_assert_msg(nginx_crashes() == crashes, "an nginx worker crashed (nginx-error.log)");
	/* The room still works, both ways. */
	ws_open(&p, k.p.b, k.appt, NULL);
	ck_assert_int_eq(p.status, 101);
	sig_send(k.p.b, k.appt, "{\"type\":\"hello\"}");
	o = ws_expect(&c, "hello");
	ck_assert_int_eq(jint(o, "from_id"), k.p.id);
	json_object_put(o);
	sig_send(k.c, k.appt, "{\"type\":\"media\",\"video\":true}");
	json_object_put(ws_expect(&p, "hello"));	/* its own */
	o = ws_expect(&p, "media");
	ck_assert_str_eq(jstr(o, "from"), "clinician");
	json_object_put(o);
	ws_close(&p);
	ws_close(&c);
	ck_assert_int_eq(nginx_crashes(), crashes);
	cast_free(&k);
}
END_TEST

/*
 * Publishing to nginx's internal publisher failing (its socket gone): 503
 * unavailable, nothing delivered; back once the socket is.
 */
START_TEST(test_signal_publish_down)
{
	struct cast	 k;
	struct ws	 c;
	json_object	*o;
	char		 sock[1024], moved[1100];

	conf_value("signal_publish_socket", sock, sizeof(sock));
	ck_assert_msg(*sock != '\0', "signal_publish_socket is not set in %s", E.conf);
	(void)snprintf(moved, sizeof(moved), "%s.moved", sock);
	cast_new(&k, "consult-pubdown");
	ws_open(&c, k.c, k.appt, NULL);
	ck_assert_int_eq(c.status, 101);
	ck_assert_msg(rename(sock, moved) == 0, "rename %s: %s", sock, strerror(errno));
	{
		struct resp	*r = sig_post(k.p.b, k.appt, "{\"type\":\"hello\"}");
		int		 st = (int)r->status;
		char		 slug_ok = problem_is(r, "unavailable");

		resp_free(r);
		ck_assert_msg(rename(moved, sock) == 0, "rename back: %s", strerror(errno));
		ck_assert_int_eq(st, 503);
		ck_assert(slug_ok);
	}
	ws_quiet(&c, 300);
	sig_send(k.p.b, k.appt, "{\"type\":\"hello\"}");
	o = ws_expect(&c, "hello");
	ck_assert_int_eq(jint(o, "from_id"), k.p.id);
	json_object_put(o);
	ws_close(&c);
	cast_free(&k);
}
END_TEST

/* ---- notes ---- */

static struct resp *
put_notes(struct browser *b, int64_t appt, long base, const char *s, const char *reason)
{
	char	body[1024], path[128];

	(void)snprintf(path, sizeof(path), CONSULT "/%lld/notes", (long long)appt);
	(void)snprintf(body, sizeof(body), "{\"soap\":{\"subjective\":\"%s\",\"objective\":"
	    "\"BP 120/80\",\"assessment\":\"stable\",\"plan\":\"review in 4 weeks\"},"
	    "\"base_version\":%ld%s%s%s}", s, base, reason != NULL ? ",\"reason\":\"" : "",
	    reason != NULL ? reason : "", reason != NULL ? "\"" : "");
	return api(b, "PUT", path, body);
}

/*
 * A note at its limits saves: four fields of 20000 characters each, two
 * bytes apiece in UTF-8 with a newline (sent escaped) every 50 — about
 * 170 KB of JSON, well over max_body_bytes — and one character more is
 * refused naming its field.
 */
static char *
full_note(int base, size_t plan_chars)
{
	const char	*keys[] = { "subjective", "objective", "assessment", "plan" };
	size_t		 cap = 4 * (20 + 20001 * 2) + 64, len = 0, f, c, n;
	char		*b = malloc(cap);

	ck_assert(b != NULL);
	len += (size_t)snprintf(b, cap, "{\"base_version\":%d,\"soap\":{", base);
	for (f = 0; f < 4; f++) {
		len += (size_t)snprintf(b + len, cap - len, "%s\"%s\":\"", f ? "," : "", keys[f]);
		n = f == 3 ? plan_chars : 20000;
		for (c = 0; c < n; c++, len += 2)
			memcpy(b + len, c % 50 == 49 ? "\\n" : "\xc3\xa9", 2);
		b[len++] = '"';
	}
	len += (size_t)snprintf(b + len, cap - len, "}}");
	ck_assert(len < cap && len > 65536);
	return b;
}

START_TEST(test_notes_full)
{
	struct cast	 k;
	struct resp	*r;
	char		 path[128], *big;

	cast_new(&k, "consult-notes-full");
	(void)snprintf(path, sizeof(path), CONSULT "/%lld/notes", (long long)k.appt);
	big = full_note(0, 20000);
	r = api(k.c, "PUT", path, big);
	ck_assert_msg(r->status == 200, "a full note: %s", rdesc(r));
	ck_assert_int_eq(jint(r->json, "current.version"), 1);
	resp_free(r);
	free(big);
	ck_assert_int_eq(sql_int("SELECT CHAR_LENGTH(plan) + CHAR_LENGTH(subjective) FROM"
	    " consult_note_version WHERE appointment_id = %lld AND version = 1",
	    (long long)k.appt), 40000);
	big = full_note(1, 20001);
	r = api(k.c, "PUT", path, big);
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "soap.plan"));
	resp_free(r);
	free(big);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM consult_note_version WHERE"
	    " appointment_id = %lld", (long long)k.appt), 1);
	cast_free(&k);
}
END_TEST

START_TEST(test_notes)
{
	struct cast	 k;
	struct user	 other;
	struct browser	*other_c;
	int64_t		 other_cid;
	struct resp	*r;
	char		 path[128], *big, *details;

	cast_new(&k, "consult-notes");
	user_register(&other, "consult-notes-other");
	other_c = staff_new("clinician", &other_cid);
	(void)snprintf(path, sizeof(path), CONSULT "/%lld/notes", (long long)k.appt);

	r = api(k.c, "GET", path, NULL);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert(jnull(r->json, "current"));
	ck_assert_int_eq(json_object_array_length(jget(r->json, "versions")), 0);
	resp_free(r);

	/* Autosave: each save a version. */
	r = put_notes(k.c, k.appt, 0, "headache secret-word-alpha", NULL);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	expect_one_audit(r, "consult.note.save", "success");
	ck_assert_int_eq(jint(r->json, "current.version"), 1);
	ck_assert_str_eq(jstr(r->json, "current.status"), "draft");
	details = sql_str("SELECT details FROM audit_event WHERE request_id = '%s'", r->rid);
	ck_assert(details != NULL);
	ck_assert_msg(strstr(details, "\"changed_fields\":4") != NULL, "%s", details);
	ck_assert_msg(strstr(details, "secret-word") == NULL && strstr(details, "stable") == NULL,
	    "note text in the audit: %s", details);
	free(details);
	resp_free(r);
	r = put_notes(k.c, k.appt, 1, "headache, better", NULL);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert_int_eq(jint(r->json, "current.version"), 2);
	details = sql_str("SELECT details FROM audit_event WHERE request_id = '%s'", r->rid);
	ck_assert_msg(details != NULL && strstr(details, "\"changed_fields\":1") != NULL, "%s",
	    details != NULL ? details : "(none)");
	free(details);
	resp_free(r);

	/* A save from an older version: 409 note-changed with the current. */
	r = put_notes(k.c, k.appt, 1, "from another tab", NULL);
	expect_problem(r, 409, "note-changed");
	ck_assert_int_eq(jint(r->json, "current.version"), 2);
	resp_free(r);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM consult_note_version WHERE"
	    " appointment_id = %lld", (long long)k.appt), 2);

	/* Bad input: 422 naming each field; nothing saved. */
	r = api(k.c, "PUT", path, "{\"base_version\":2}");
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "soap"));
	resp_free(r);
	r = api(k.c, "PUT", path, "{\"soap\":{\"subjective\":1,\"objective\":\"\",\"assessment\":"
	    "\"\"},\"base_version\":\"x\",\"extra\":1}");
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "soap.subjective"));
	ck_assert(has_error_field(r, "soap.plan"));
	ck_assert(has_error_field(r, "base_version"));
	ck_assert(has_error_field(r, "extra"));
	resp_free(r);
	{
		const char	*head = "{\"soap\":{\"subjective\":\"\",\"objective\":\"\","
		    "\"assessment\":\"\",\"plan\":\"", *tail = "\"},\"base_version\":2}";
		size_t		 hl = strlen(head), n = 20001;

		big = malloc(hl + n + strlen(tail) + 1);
		ck_assert(big != NULL);
		memcpy(big, head, hl);
		memset(big + hl, 'p', n);
		memcpy(big + hl + n, tail, strlen(tail) + 1);
	}
	r = api(k.c, "PUT", path, big);
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "soap.plan"));
	resp_free(r);
	free(big);
	r = http_raw(k.c, "PUT", path, "{\"soap\":", 8, "application/json", k.c->csrf, NULL);
	expect_problem(r, 400, "malformed-json");
	resp_free(r);
	ck_assert_int_eq(sql_int("SELECT COUNT(*) FROM consult_note_version WHERE"
	    " appointment_id = %lld", (long long)k.appt), 2);

	/* The patient, another clinician: 404 on notes. */
	r = api(k.p.b, "GET", path, NULL);
	expect_problem(r, 404, "not-found");
	resp_free(r);
	r = put_notes(k.p.b, k.appt, 2, "patient writes", NULL);
	expect_problem(r, 404, "not-found");
	resp_free(r);
	r = api(other_c, "GET", path, NULL);
	expect_problem(r, 404, "not-found");
	resp_free(r);

	/* Sign-off. */
	(void)snprintf(path, sizeof(path), CONSULT "/%lld/notes/sign", (long long)k.appt);
	r = api(k.c, "POST", path, "{\"base_version\":1}");
	expect_problem(r, 409, "note-changed");
	resp_free(r);
	r = api(k.c, "POST", path, "{\"base_version\":2}");
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	expect_one_audit(r, "consult.note.sign", "success");
	ck_assert_int_eq(jint(r->json, "current.version"), 3);
	ck_assert_str_eq(jstr(r->json, "current.status"), "signed");
	ck_assert_int_eq(jint(r->json, "signed_by"), k.cid);
	ck_assert(jstr(r->json, "signed_at") != NULL);
	ck_assert_str_eq(jstr(r->json, "current.soap.subjective"), "headache, better");
	resp_free(r);
	r = api(k.c, "POST", path, "{\"base_version\":3}");
	expect_problem(r, 409, "note-changed");
	resp_free(r);

	/* After the signature: a PUT without reason 422; with one, an amendment. */
	r = put_notes(k.c, k.appt, 3, "headache, resolved", NULL);
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "reason"));
	resp_free(r);
	r = put_notes(k.c, k.appt, 3, "headache, resolved", "ab");
	expect_problem(r, 422, "validation");
	ck_assert(has_error_field(r, "reason"));
	resp_free(r);
	r = put_notes(k.c, k.appt, 3, "headache, resolved", "typo in history");
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	expect_one_audit(r, "consult.note.amend", "success");
	ck_assert_int_eq(jint(r->json, "current.version"), 4);
	ck_assert_str_eq(jstr(r->json, "current.status"), "signed");
	ck_assert_str_eq(jstr(r->json, "versions.3.kind"), "amendment");
	ck_assert_str_eq(jstr(r->json, "versions.3.reason"), "typo in history");
	/* The earlier text stays in the versions. */
	ck_assert_str_eq(jstr(r->json, "versions.0.soap.subjective"), "headache secret-word-alpha");
	ck_assert_str_eq(jstr(r->json, "versions.2.kind"), "signature");
	ck_assert_str_eq(jstr(r->json, "versions.2.soap.subjective"), "headache, better");
	resp_free(r);
	(void)snprintf(path, sizeof(path), CONSULT "/%lld/notes", (long long)k.appt);
	r = api(k.c, "GET", path, NULL);
	ck_assert_msg(r->status == 200, "%s", rdesc(r));
	ck_assert_int_eq(json_object_array_length(jget(r->json, "versions")), 4);
	ck_assert_str_eq(jstr(r->json, "current.soap.subjective"), "headache, resolved");
	resp_free(r);

	/* The application account can never change or remove a version. */
	{
		const char	*stmts[] = { "UPDATE clinic.consult_note_version SET plan = 'x'" };
		const char	*err = NULL;
		int		 at = -1;

		ck_assert(sql_exec_as(E.app_user, E.app_password, stmts, 1, &err, &at) != 0);
		stmts[0] = "DELETE FROM clinic.consult_note_version";
		ck_assert(sql_exec_as(E.app_user, E.app_password, stmts, 1, &err, &at) != 0);
	}

	br_free(other_c);
	user_free(&other);
	cast_free(&k);
}
END_TEST

Suite *
consult_suite(void)
{
	Suite	*s = suite_create("consult");
	TCase	*tc;

	tc = tcase_create("rooms");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_room_who_and_when);
	tcase_add_test(tc, test_join_turn);
	tcase_add_test(tc, test_admit_end);
	suite_add_tcase(s, tc);
	tc = tcase_create("signalling");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_signal_upgrade);
	tcase_add_test(tc, test_signal_exchange);
	tcase_add_test(tc, test_signal_rate);
	tcase_add_test(tc, test_signal_frames);
	tcase_add_test(tc, test_signal_publish_down);
	suite_add_tcase(s, tc);
	tc = tcase_create("notes");
	tcase_set_timeout(tc, 120);
	tcase_add_test(tc, test_notes);
	tcase_add_test(tc, test_notes_full);
	suite_add_tcase(s, tc);
	return s;
}
