#ifndef API_SQL_H
#define API_SQL_H
/*
 * Database access for test set-up and inspection: root over the test stack's
 * unix socket (socket authentication as the OS user root), database clinic.
 * Each process opens its own connection on first use (tests run forked).
 */
#include <stdbool.h>
#include <stdint.h>

void		 sql_init(const char *socket_path);
/*
 * Runs a printf-formatted statement as root. Returns 0, or the server's error
 * number (message in sql_error()). Results, if any, are discarded.
 */
unsigned	 sql_exec(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The first column of the first row as an integer; -1 on error or no row. */
int64_t		 sql_int(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The first column of the first row as a string (caller frees); NULL if none. */
char		*sql_str(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
const char	*sql_error(void);
/* Escapes s for a single-quoted SQL literal (caller frees). */
char		*sql_quote(const char *s);

/* Forgets every failed sign-in and second-factor attempt. */
void		 sql_clear_throttle(void);
/* The triggers of sql/0001_foundation.sql, put back if missing. */
void		 sql_ensure_triggers(void);
extern const char SQL_TRIGGER_NO_UPDATE[];
extern const char SQL_TRIGGER_NO_DELETE[];
/* The sql_mode `clinic migrate` (modules/common/db.c) creates them under. */
extern const char MIGRATE_SQL_MODE[];
/*
 * Runs a CREATE TRIGGER under sql_mode (a trigger keeps the mode it was
 * created with), then puts the session's mode back. 0 or the error number.
 */
unsigned	 sql_create_trigger(const char *stmt, const char *sql_mode);
/* SHOW CREATE TRIGGER's definition (without its creation time), NULL if none. */
char		*sql_trigger_def(const char *name);
/* The sql_mode a trigger was created under, NULL if none. */
char		*sql_trigger_mode(const char *name);

/*
 * A connection as another account (e.g. the application's), for grant tests.
 * Returns 0 and runs stmt, or the error number (message in *err, static).
 */
unsigned	 sql_exec_as(const char *user, const char *password, const char *stmts[],
		    int nstmts, const char **err, int *failed_at);

#endif
