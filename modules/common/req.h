#ifndef CLINIC_REQ_H
#define CLINIC_REQ_H
/*
 * One request: what nginx sent, what we parsed, who is asking, and the reply
 * being built. Everything hangs off r->pool and is released when serve()
 * moves to the next request; nothing per-request survives in globals.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "crypto.h"
#include "valid.h"

struct db;
struct pool;
struct json_object;

enum role {
	ROLE_NONE = 0,
	ROLE_PATIENT = 1 << 0,
	ROLE_CLINICIAN = 1 << 1,
	ROLE_PHARMACIST = 1 << 2,
	ROLE_ADMIN = 1 << 3,
	ROLE_AUDITOR = 1 << 4,
};
#define ROLE_STAFF	(ROLE_CLINICIAN | ROLE_PHARMACIST | ROLE_ADMIN | ROLE_AUDITOR)
#define ROLE_ANY	(ROLE_PATIENT | ROLE_STAFF)

/* Route flags beyond the role mask. */
#define R_PUBLIC	(1u << 16)	/* no session needed */
#define R_PRE_MFA	(1u << 17)	/* allowed before the second factor is done */
#define R_RAW		(1u << 18)	/* body read (capped) but not parsed: r->body, r->bodylen */
/*
 * R_STREAM: serve() reads no body and checks neither its size nor its type;
 * the handler reads it with req_read() (uploads of any size in constant
 * memory). A handler that has read body bytes is not run again after a
 * deadlock: serve() answers 503 instead.
 */
#define R_STREAM	(1u << 19)

/* "patient" -> ROLE_PATIENT ...; ROLE_NONE if unknown. */
enum role	 role_from_name(const char *);
/* The role's name, or "none". */
const char	*role_name(enum role);

struct principal {
	int64_t		 user_id;	/* 0: nobody signed in */
	enum role	 role;
	const char	*email;
	const char	*given_name;
	const char	*family_name;
	const char	*reg_number;	/* GMC/GPhC number, or NULL */
	bool		 mfa_enrolled;
	bool		 mfa_done;	/* this session passed the second factor */
	unsigned char	 token_hash[SHA256_LEN];
	const char	*csrf_token;
	const char	*created_at;
	const char	*preferences;	/* JSON text from users.preferences */
};

struct req;

struct route {
	const char	*method;
	const char	*pattern;	/* "/api/v1/x/{id}/y": {name} matches one segment */
	int		(*handler)(struct req *);
	unsigned	 flags;		/* role mask | R_* */
	const struct field *body;	/* JSON body fields (NULL: no body) */
	size_t		 nbody;
	const struct field *query;	/* query parameters (NULL: none) */
	size_t		 nquery;
	/*
	 * The largest body this route takes, in bytes; 0 (what a route table
	 * that leaves it out gets): the max_body_bytes setting. nginx's
	 * client_max_body_size for the location must allow it too.
	 */
	long		 max_body;
};

#define REQ_MAX_PARAMS	4

struct req {
	struct pool	*pool;
	struct db	*db;
	const struct route *route;

	const char	*method;
	const char	*path;
	const char	*query_string;
	const char	*content_type;
	const char	*cookie_header;
	const char	*csrf_header;
	const char	*user_agent;
	const char	*remote_addr;
	const char	*request_id;
	bool		 tls;

	const char	*param_names[REQ_MAX_PARAMS];
	const char	*param_values[REQ_MAX_PARAMS];
	size_t		 nparams;

	char		*body;		/* NUL-terminated, pool-owned */
	size_t		 bodylen;
	struct json_object *json;	/* parsed body, put at pool reset */
	struct vresult	 in;		/* validated body fields, in table order */
	struct vresult	 q;		/* validated query fields */

	struct principal who;

	/* the reply being built (reply.h) */
	int		 status;
	char		*headers;	/* "Name: value\r\n"... pool-owned */
	size_t		 headers_len;
	char		*out;		/* body bytes, pool-owned */
	size_t		 outlen;
	bool		 retry;		/* a deadlock asked for the handler to run again */

	/* streaming (R_STREAM bodies, reply_stream_* replies); see req_read() */
	void		*fcgi;		/* FCGX_Request * while serve() runs; NULL otherwise */
	long long	 content_length;	/* CONTENT_LENGTH, or -1 when absent */
	long long	 body_read;	/* bytes req_read() has returned */
	bool		 body_eof;	/* req_read() saw the end (or a broken stream) */
	bool		 streamed;	/* reply_stream_begin() wrote the head: serve() writes nothing */
};

/*
 * The FastCGI parameter `name` (e.g. "HTTP_UPLOAD_OFFSET"; nginx passes only
 * those its site lists), or NULL when absent, empty, or r is not being
 * served over FastCGI. The string belongs to the request.
 */
const char	*req_env(const struct req *, const char *name);

/*
 * Reads up to cap bytes of an R_STREAM route's body into buf, never past
 * CONTENT_LENGTH (with no CONTENT_LENGTH, until the stream ends). Returns the
 * byte count (> 0), 0 at the end of the body, or -1 when the stream ended
 * before CONTENT_LENGTH bytes (a broken connection) or r has no stream.
 * Blocks until cap bytes, or the end of the body, have arrived.
 */
ssize_t		 req_read(struct req *, void *buf, size_t cap);

/* The value of path parameter {name}, or NULL. */
const char	*req_param(const struct req *, const char *name);

/*
 * Matches path against pattern ("/a/{id}/b"). On a match returns true and
 * stores up to REQ_MAX_PARAMS pool-owned names/values into r.
 */
bool		 req_match(struct req *, const char *pattern, const char *path);

/*
 * Finds cookie `name` in a Cookie header. Returns a pool-owned copy of the
 * value, or NULL if absent or malformed (or on out-of-memory).
 */
char		*req_cookie(struct pool *, const char *header, const char *name);

/*
 * Parses a JSON body strictly (RFC 8259 only, UTF-8 validated, depth 16).
 * Returns the value (caller owns; put it) with *why NULL, or NULL with *why
 * set to a static reason. The JSON value null also returns NULL, with *why
 * NULL (json-c represents null as a NULL pointer).
 */
struct json_object *req_parse_json(const char *body, size_t len, const char **why);

#endif
