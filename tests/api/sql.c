/* Root access to the test stack's MariaDB: see sql.h. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <mysql.h>

#include "sql.h"

/* Exactly as in sql/0001_foundation.sql. */
const char SQL_TRIGGER_NO_UPDATE[] =
    "CREATE TRIGGER audit_event_no_update BEFORE UPDATE ON audit_event FOR EACH ROW\n"
    "\tSIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'audit_event is append-only: UPDATE refused'";
const char SQL_TRIGGER_NO_DELETE[] =
    "CREATE TRIGGER audit_event_no_delete BEFORE DELETE ON audit_event FOR EACH ROW\n"
    "\tSIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'audit_event is append-only: DELETE refused'";

const char MIGRATE_SQL_MODE[] = "STRICT_ALL_TABLES,NO_ZERO_DATE,NO_ZERO_IN_DATE,"
    "ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION";

static char	 sock[512];
static MYSQL	*conn;
static pid_t	 conn_pid;
static char	 errbuf[512];

void
sql_init(const char *socket_path)
{
	(void)snprintf(sock, sizeof(sock), "%s", socket_path);
}

static MYSQL *
open_as(const char *user, const char *password)
{
	MYSQL	*m;

	if ((m = mysql_init(NULL)) == NULL)
		return NULL;
	if (mysql_real_connect(m, NULL, user, password, "clinic", 0, sock, 0) == NULL) {
		(void)snprintf(errbuf, sizeof(errbuf), "connect as %s: %s", user, mysql_error(m));
		mysql_close(m);
		return NULL;
	}
	mysql_set_character_set(m, "utf8mb4");
	return m;
}

/* Say goodbye to the server at exit (forked tests exit through here too). */
static void
close_root(void)
{
	if (conn != NULL && conn_pid == getpid())
		mysql_close(conn);
	conn = NULL;
}

static MYSQL *
root(void)
{
	static bool	registered;

	/* A connection is not shared across fork(): each process opens its own. */
	if (conn != NULL && conn_pid != getpid())
		conn = NULL;
	if (conn == NULL) {
		if ((conn = open_as("root", NULL)) == NULL) {
			fprintf(stderr, "api_tests: %s\n", errbuf);
			return NULL;
		}
		conn_pid = getpid();
		if (!registered) {
			registered = true;
			atexit(close_root);
		}
	}
	return conn;
}

static char *vformat(const char *, va_list) __attribute__((format(printf, 1, 0)));
static char *first_value(const char *, va_list) __attribute__((format(printf, 1, 0)));

static char *
vformat(const char *fmt, va_list ap)
{
	char	*s = NULL;

	if (vasprintf(&s, fmt, ap) == -1)
		abort();
	return s;
}

static unsigned
run(const char *q, MYSQL_RES **res)
{
	MYSQL		*m = root();
	MYSQL_RES	*rs;
	unsigned	 e;

	if (res != NULL)
		*res = NULL;
	if (m == NULL)
		return 2002;
	if (mysql_query(m, q) != 0) {
		e = mysql_errno(m);
		(void)snprintf(errbuf, sizeof(errbuf), "%s", mysql_error(m));
		return e;
	}
	/* Drain every result set so the connection is ready for the next query. */
	do {
		rs = mysql_store_result(m);
		if (rs != NULL) {
			if (res != NULL && *res == NULL)
				*res = rs;
			else
				mysql_free_result(rs);
		}
	} while (mysql_next_result(m) == 0);
	errbuf[0] = '\0';
	return 0;
}

unsigned
sql_exec(const char *fmt, ...)
{
	va_list		 ap;
	char		*q;
	unsigned	 e;

	va_start(ap, fmt);
	q = vformat(fmt, ap);
	va_end(ap);
	e = run(q, NULL);
	free(q);
	return e;
}

static char *
first_value(const char *fmt, va_list ap)
{
	MYSQL_RES	*rs;
	MYSQL_ROW	 row;
	char		*q, *v = NULL;

	q = vformat(fmt, ap);
	if (run(q, &rs) == 0 && rs != NULL) {
		if ((row = mysql_fetch_row(rs)) != NULL && row[0] != NULL)
			v = strdup(row[0]);
		mysql_free_result(rs);
	}
	free(q);
	return v;
}

int64_t
sql_int(const char *fmt, ...)
{
	va_list	 ap;
	char	*v;
	int64_t	 n;

	va_start(ap, fmt);
	v = first_value(fmt, ap);
	va_end(ap);
	if (v == NULL)
		return -1;
	n = strtoll(v, NULL, 10);
	free(v);
	return n;
}

char *
sql_str(const char *fmt, ...)
{
	va_list	 ap;
	char	*v;

	va_start(ap, fmt);
	v = first_value(fmt, ap);
	va_end(ap);
	return v;
}

const char *
sql_error(void)
{
	return errbuf;
}

char *
sql_quote(const char *s)
{
	size_t	 n = strlen(s);
	char	*d;

	if ((d = malloc(2 * n + 1)) == NULL)
		abort();
	if (root() != NULL)
		mysql_real_escape_string(root(), d, s, (unsigned long)n);
	else
		d[0] = '\0';
	return d;
}

void
sql_clear_throttle(void)
{
	if (sql_exec("DELETE FROM login_throttle") != 0)
		fprintf(stderr, "api_tests: clearing login_throttle: %s\n", sql_error());
}

unsigned
sql_create_trigger(const char *stmt, const char *sql_mode)
{
	char		*mode = sql_quote(sql_mode);
	unsigned	 e;

	e = sql_exec("SET @api_test_mode = @@SESSION.sql_mode");
	if (e == 0)
		e = sql_exec("SET SESSION sql_mode = '%s'", mode);
	if (e == 0)
		e = sql_exec("%s", stmt);
	(void)sql_exec("SET SESSION sql_mode = @api_test_mode");
	free(mode);
	return e;
}

/*
 * SHOW CREATE TRIGGER rather than information_schema.TRIGGERS: the latter
 * builds an on-disk temporary table, and MariaDB 10.11 was seen to crash
 * (signal 11 in ha_maria::drop_table) freeing one during these tests.
 */
static char *
trigger_column(const char *name, int from, int to)
{
	MYSQL_RES	*rs;
	MYSQL_ROW	 row;
	char		*q, *v = NULL;
	size_t		 cap = 0, len;
	int		 i;

	if (asprintf(&q, "SHOW CREATE TRIGGER %s", name) == -1)
		abort();
	if (run(q, &rs) == 0 && rs != NULL) {
		if ((row = mysql_fetch_row(rs)) != NULL && (int)mysql_num_fields(rs) > to) {
			for (i = from; i <= to; i++)
				cap += (row[i] ? strlen(row[i]) : 0) + 2;
			if ((v = calloc(1, cap + 1)) == NULL)
				abort();
			for (i = from, len = 0; i <= to; i++)
				len += (size_t)snprintf(v + len, cap + 1 - len, "%s%s",
				    i > from ? "|" : "", row[i] ? row[i] : "");
		}
		mysql_free_result(rs);
	}
	free(q);
	return v;
}

char *
sql_trigger_def(const char *name)
{
	/* Trigger, sql_mode, statement, client charset, collations; not Created. */
	return trigger_column(name, 0, 5);
}

char *
sql_trigger_mode(const char *name)
{
	return trigger_column(name, 1, 1);
}

void
sql_ensure_triggers(void)
{
	char	*d;

	if ((d = sql_trigger_def("audit_event_no_update")) == NULL)
		(void)sql_create_trigger(SQL_TRIGGER_NO_UPDATE, MIGRATE_SQL_MODE);
	free(d);
	if ((d = sql_trigger_def("audit_event_no_delete")) == NULL)
		(void)sql_create_trigger(SQL_TRIGGER_NO_DELETE, MIGRATE_SQL_MODE);
	free(d);
}

unsigned
sql_exec_as(const char *user, const char *password, const char *stmts[], int nstmts,
    const char **err, int *failed_at)
{
	MYSQL		*m;
	MYSQL_RES	*rs;
	unsigned	 e = 0;
	int		 i;

	*err = errbuf;
	*failed_at = -1;
	if ((m = open_as(user, password)) == NULL)
		return 1045;
	for (i = 0; i < nstmts; i++) {
		if (mysql_query(m, stmts[i]) != 0) {
			e = mysql_errno(m);
			(void)snprintf(errbuf, sizeof(errbuf), "%s", mysql_error(m));
			*failed_at = i;
			break;
		}
		do {
			if ((rs = mysql_store_result(m)) != NULL)
				mysql_free_result(rs);
		} while (mysql_next_result(m) == 0);
	}
	mysql_close(m);
	return e;
}
