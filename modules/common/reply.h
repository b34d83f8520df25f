#ifndef CLINIC_REPLY_H
#define CLINIC_REPLY_H
/*
 * The one response path. A handler builds its reply in r (status, headers,
 * body) through these functions and returns; serve() writes it out. Every
 * reply carries the same security headers. Nothing is written to the client
 * until the handler returns, so a deadlocked transaction can be retried.
 *
 * Each reply_* returns the status it set, so a handler can end with
 * `return reply_json(r, 200, obj);`.
 */
#include "err.h"
#include "valid.h"

struct req;
struct json_object;

/* Adds "name: value" (value must hold no CR/LF). Returns 0, or -1 on OOM. */
int	reply_header(struct req *, const char *name, const char *value);
/* Serialises obj as the body. Takes ownership of obj (it is put). */
int	reply_json(struct req *, int status, struct json_object *obj);
/* A reply without body (204, 304). */
int	reply_empty(struct req *, int status);
/*
 * An RFC 9457 problem: {"type", "title", "status", "detail", "instance"}.
 * slug names the problem type ("validation", "unauthenticated", ...), documented
 * in docs/API.md#problems. detail may be NULL.
 */
int	reply_problem(struct req *, int status, const char *slug, const char *title,
	    const char *detail);
/*
 * reply_problem() with more members: each member of extra (a JSON object, or
 * NULL) is added to the problem (RFC 9457 extension members, e.g. "missing",
 * "room_opens"). extra is taken: put in every case.
 */
int	reply_problem_with(struct req *, int status, const char *slug, const char *title,
	    const char *detail, struct json_object *extra);
/* A 422 (or given status) problem listing errs as "errors": [{field, detail}]. */
int	reply_invalid(struct req *, int status, const struct verr *errs, size_t n);
/* One-field convenience for reply_invalid. */
int	reply_field(struct req *, int status, const char *field, const char *detail);
/* 500 after logging why; the client learns only the request id. */
int	reply_internal(struct req *, const char *why);
/*
 * The reply for a failed database or crypto step: a deadlock asks serve() to
 * run the handler again (r->retry), a lost connection gives 503, anything else
 * 500. The caller's transaction is rolled back by serve().
 */
int	reply_db(struct req *, enum cerr);
/*
 * Writes the reply head to the client: the status line, the security headers
 * every reply carries, r's headers, then Content-Length when content_length
 * is >= 0, and the blank line. The one place response heads are written:
 * serve() uses it for built replies, reply_stream_begin() for streamed ones.
 * Returns 0, or -1 when r is not being served over FastCGI or the write failed.
 */
int	reply_write_head(struct req *, long long content_length);
/*
 * Streamed replies (downloads): sets r->status and writes the head now, with
 * the headers added so far by reply_header(); the body follows through
 * reply_stream_write() (nothing is written for HEAD). After this, serve()
 * writes nothing more for r and the reply cannot be changed or retried: if
 * the handler fails part-way it just returns and the client sees a body
 * shorter than content_length. Returns status, or -1 when the head could
 * not be written.
 */
int	reply_stream_begin(struct req *, int status, long long content_length);
/* Writes n body bytes of a streamed reply. Returns 0, or -1 on failure. */
int	reply_stream_write(struct req *, const void *buf, size_t n);
/* Clears status, headers and body (before a retry). */
void	reply_reset(struct req *);
/* The status line text for a code ("Not Found"). */
const char *reply_reason(int status);

#endif
