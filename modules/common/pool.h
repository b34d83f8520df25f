#ifndef CLINIC_POOL_H
#define CLINIC_POOL_H
/*
 * A per-request arena (after nginx's ngx_pool_t). Everything a request parses
 * is allocated here and released at once by pool_reset() when the request ends.
 * Cleanup handlers run at reset, in reverse order of registration, for objects
 * owned elsewhere (json-c trees, MariaDB results).
 */
#include <stddef.h>

struct pool;

/* Returns a new pool, or NULL on out-of-memory. Free with pool_free(). */
struct pool	*pool_new(void);
/* Runs cleanups and frees every chunk but the first; the pool is reusable. */
void		 pool_reset(struct pool *);
/* Runs cleanups and frees the pool itself. NULL is ignored. */
void		 pool_free(struct pool *);
/* Zeroed memory owned by the pool, or NULL on out-of-memory or overflow. */
void		*pool_calloc(struct pool *, size_t nmemb, size_t size);
/* NUL-terminated copy of the first len bytes of s, owned by the pool; NULL on OOM. */
char		*pool_strndup(struct pool *, const char *s, size_t len);
char		*pool_strdup(struct pool *, const char *s);
/* printf into pool memory; NULL on OOM or format error. */
char		*pool_printf(struct pool *, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
/*
 * Registers fn(arg) to run when the pool is reset or freed.
 * Returns 0, or -1 on out-of-memory (in which case fn is NOT registered).
 */
int		 pool_cleanup(struct pool *, void (*fn)(void *), void *arg);

#endif
