#ifndef CLINIC_DB_H
#define CLINIC_DB_H
/*
 * MariaDB Connector/C: one connection per process, every statement prepared
 * once per process (cached by the address of its SQL text, so pass string
 * literals or static tables), results copied into a caller's pool.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"

struct pool;
struct db;

struct db_res {
	size_t		  nrows;
	size_t		  ncols;
	char		***rows;	/* rows[i][j]: NUL-terminated copy, or NULL for SQL NULL */
	size_t		**lens;		/* lens[i][j]: byte length of rows[i][j] */
};

/*
 * Connects using the process configuration (conf.h). Returns NULL and logs
 * on failure. The handle lives for the process; free with db_close().
 * user/password override conf.db_user/db_password when non-NULL (CLI use).
 */
struct db	*db_open(const char *user, const char *password);
void		 db_close(struct db *);
/* Connects if there is no connection. CE_OK or CE_GONE. */
enum cerr	 db_ensure(struct db *);

/*
 * Runs a prepared statement. types names each argument after it:
 *   's' const char * (NULL binds SQL NULL)
 *   'b' const void *, size_t (binary; NULL binds SQL NULL)
 *   'i' int64_t
 * If res is non-NULL, every result row is copied into pool as text (numbers
 * as decimal, DATETIME as "YYYY-MM-DD hh:mm:ss[.ffffff]"), and *res is set
 * (never NULL on CE_OK). Returns CE_OK, CE_DUPLICATE, CE_DEADLOCK, CE_GONE,
 * CE_NOMEM or CE_DB; on error *res is untouched and the error is logged.
 */
enum cerr	 db_exec(struct db *, struct pool *, struct db_res **res,
		    const char *sql, const char *types, ...);
/* Rows changed by the last db_exec, and the AUTO_INCREMENT id it made. */
uint64_t	 db_affected(const struct db *);
uint64_t	 db_insert_id(const struct db *);

/*
 * Streams a result row by row without storing it: calls fn(arg, row, lens,
 * ncols) per row until fn returns non-zero (stop early, CE_OK) or the rows
 * end. Row memory is valid only during the call.
 */
enum cerr	 db_stream(struct db *, const char *sql,
		    int (*fn)(void *, char **, size_t *, size_t), void *arg);

/* Transactions. db_begin starts one; commit/rollback end it. */
enum cerr	 db_begin(struct db *);
enum cerr	 db_commit(struct db *);
/* Rolls back if a transaction is open; safe to call at any time. */
void		 db_rollback(struct db *);
bool		 db_in_tx(const struct db *);
/* The open transaction was committed server-side (a procedure's COMMIT). */
void		 db_ended(struct db *);

/* Runs trusted SQL text (migrations) with multi-statements. CE_OK or CE_DB. */
enum cerr	 db_run_script(struct db *, const char *sql, size_t len);
/* The last server error message (static until the next call). */
const char	*db_error(const struct db *);

/* Convenience: parse a result cell as int64. Returns 0 on NULL or bad text. */
int64_t		 db_int(const char *cell);

#endif
