#ifndef CLINIC_SERVE_H
#define CLINIC_SERVE_H
/*
 * The FastCGI accept loop shared by every program. serve() loads the
 * configuration, connects to the database, then for each request on fd 0:
 * matches the route table (404/405), reads the capped body (411/413/415;
 * not for R_STREAM routes, whose handler reads it with req_read()),
 * loads the session (401), checks role, second factor and CSRF (403),
 * validates the body and query against the route's field tables (400/422),
 * runs the handler (re-running it after a deadlock, up to three times, with
 * any open transaction rolled back, unless it has read a streamed body or
 * begun a streamed reply), and writes the one reply (unless the handler
 * streamed it: reply_stream_begin()).
 * It returns when SIGTERM/SIGINT arrives, after the current request.
 */
#include <stddef.h>

#include "req.h"

/*
 * Returns the process exit status. init, if not NULL, runs once after the
 * configuration is loaded and before workers are forked (so its work is
 * shared); a non-zero return stops the program with that status.
 */
int	serve(const char *prog, const struct route *routes, size_t nroutes,
	    int (*init)(void));

/*
 * Runs one request already read into r (method, path, headers, body, r->db
 * and r->pool set) through routing, checks and the handler, leaving the reply
 * in r, as serve() does for each request it accepts.
 */
void	serve_dispatch(struct req *, const struct route *, size_t);

#endif
