#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mysql.h>
#include <errmsg.h>
#include <mysqld_error.h>

#include "conf.h"
#include "db.h"
#include "log.h"
#include "pool.h"

#define DB_MAX_STMTS	128
#define DB_MAX_PARAMS	32

/*
 * A statement prepared once per connection, with what reading its rows
 * needs kept alongside: the result metadata and growable column buffers.
 */
struct db_cached {
	const char	*sql;
	MYSQL_STMT	*stmt;
	MYSQL_RES	*meta;		/* NULL: returns no rows */
	size_t		 ncols;
	MYSQL_BIND	*rb;
	unsigned long	*lens;
	my_bool		*nulls;
	char		**bufs;
	size_t		*caps;
};

struct db {
	MYSQL		*m;
	char		*user;
	char		*password;
	struct db_cached stmts[DB_MAX_STMTS];
	size_t		 nstmts;
	bool		 in_tx;
	uint64_t	 affected;
	uint64_t	 insert_id;
	char		 errbuf[512];
};

static enum cerr
map_errno(unsigned e)
{
	switch (e) {
	case 0:
		return CE_OK;
	case ER_LOCK_DEADLOCK:
	case ER_LOCK_WAIT_TIMEOUT:
		return CE_DEADLOCK;
	case ER_DUP_ENTRY:
	case ER_DUP_KEY:
		return CE_DUPLICATE;
	case CR_SERVER_GONE_ERROR:
	case CR_SERVER_LOST:
	case CR_CONNECTION_ERROR:
	case CR_CONN_HOST_ERROR:
	case ER_CONNECTION_KILLED:
		return CE_GONE;
	default:
		return CE_DB;
	}
}

static void
drop_cached(struct db_cached *c)
{
	size_t	j;

	if (c->meta != NULL)
		mysql_free_result(c->meta);
	if (c->bufs != NULL)
		for (j = 0; j < c->ncols; j++)
			free(c->bufs[j]);
	free(c->bufs);
	free(c->caps);
	free(c->rb);
	free(c->lens);
	free(c->nulls);
	mysql_stmt_close(c->stmt);
	memset(c, 0, sizeof(*c));
}

static void
drop_stmts(struct db *d)
{
	size_t	i;

	for (i = 0; i < d->nstmts; i++)
		drop_cached(&d->stmts[i]);
	d->nstmts = 0;
}

static enum cerr
do_connect(struct db *d)
{
	unsigned int	 timeout = 5;
	const char	*init = "SET SESSION tx_isolation = 'READ-COMMITTED', "
			    "time_zone = '+00:00', sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE,"
			    "NO_ZERO_IN_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION'";

	if (d->m != NULL) {
		drop_stmts(d);
		mysql_close(d->m);
	}
	if ((d->m = mysql_init(NULL)) == NULL)
		return CE_NOMEM;
	mysql_options(d->m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
	mysql_options(d->m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
	mysql_options(d->m, MYSQL_INIT_COMMAND, init);
	if (mysql_real_connect(d->m, *conf.db_host ? conf.db_host : NULL, d->user,
	    d->password, conf.db_name, (unsigned)conf.db_port,
	    *conf.db_host ? NULL : conf.db_socket, CLIENT_MULTI_STATEMENTS) == NULL) {
		log_err("database connect as %s failed: %s", d->user, mysql_error(d->m));
		mysql_close(d->m);
		d->m = NULL;
		return CE_GONE;
	}
	d->in_tx = false;
	return CE_OK;
}

struct db *
db_open(const char *user, const char *password)
{
	struct db	*d;

	if ((d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	d->user = strdup(user != NULL ? user : conf.db_user);
	d->password = strdup(password != NULL ? password : conf.db_password);
	if (d->user == NULL || d->password == NULL || do_connect(d) != CE_OK) {
		db_close(d);
		return NULL;
	}
	return d;
}

void
db_close(struct db *d)
{
	if (d == NULL)
		return;
	drop_stmts(d);
	if (d->m != NULL)
		mysql_close(d->m);
	free(d->user);
	free(d->password);
	free(d);
}

enum cerr
db_ensure(struct db *d)
{
	/* A lost connection is found and re-made by the next statement. */
	if (d->m != NULL)
		return CE_OK;
	return do_connect(d);
}

static void
set_err(struct db *d, const char *what, unsigned e, const char *msg)
{
	(void)snprintf(d->errbuf, sizeof(d->errbuf), "%s: %u %s", what, e, msg);
	if (map_errno(e) == CE_DUPLICATE || map_errno(e) == CE_DEADLOCK)
		log_info("database: %s", d->errbuf);
	else
		log_err("database: %s", d->errbuf);
}

static struct db_cached *
get_stmt(struct db *d, const char *sql, enum cerr *rc)
{
	struct db_cached *c;
	MYSQL_STMT	*st;
	my_bool		 upd = 1;
	size_t		 i;

	for (i = 0; i < d->nstmts; i++)
		if (d->stmts[i].sql == sql)
			return &d->stmts[i];
	if (d->nstmts == DB_MAX_STMTS) {
		log_err("database: statement cache full");
		*rc = CE_DB;
		return NULL;
	}
	if ((st = mysql_stmt_init(d->m)) == NULL) {
		*rc = CE_NOMEM;
		return NULL;
	}
	if (mysql_stmt_prepare(st, sql, (unsigned long)strlen(sql)) != 0) {
		unsigned e = mysql_stmt_errno(st);
		set_err(d, "prepare", e, mysql_stmt_error(st));
		mysql_stmt_close(st);
		*rc = map_errno(e) == CE_OK ? CE_DB : map_errno(e);
		return NULL;
	}
	c = &d->stmts[d->nstmts];
	memset(c, 0, sizeof(*c));
	c->sql = sql;
	c->stmt = st;
	mysql_stmt_attr_set(st, STMT_ATTR_UPDATE_MAX_LENGTH, &upd);
	if ((c->meta = mysql_stmt_result_metadata(st)) != NULL) {
		c->ncols = mysql_num_fields(c->meta);
		c->rb = calloc(c->ncols, sizeof(*c->rb));
		c->lens = calloc(c->ncols, sizeof(*c->lens));
		c->nulls = calloc(c->ncols, sizeof(*c->nulls));
		c->bufs = calloc(c->ncols, sizeof(*c->bufs));
		c->caps = calloc(c->ncols, sizeof(*c->caps));
		if (c->rb == NULL || c->lens == NULL || c->nulls == NULL || c->bufs == NULL ||
		    c->caps == NULL) {
			drop_cached(c);
			*rc = CE_NOMEM;
			return NULL;
		}
	}
	d->nstmts++;
	return c;
}

static enum cerr
bind_params(MYSQL_STMT *st, MYSQL_BIND *b, long long *ints, my_bool *nulls,
    unsigned long *lens, const char *types, va_list ap)
{
	size_t		 i, n = strlen(types);
	const char	*s;
	const void	*p;

	if (n > DB_MAX_PARAMS || n != mysql_stmt_param_count(st)) {
		log_err("database: %zu parameters given, statement takes %lu", n,
		    mysql_stmt_param_count(st));
		return CE_DB;
	}
	memset(b, 0, sizeof(*b) * (n ? n : 1));
	for (i = 0; i < n; i++) {
		switch (types[i]) {
		case 's':
			s = va_arg(ap, const char *);
			nulls[i] = s == NULL;
			lens[i] = s == NULL ? 0 : (unsigned long)strlen(s);
			b[i].buffer_type = MYSQL_TYPE_STRING;
			b[i].buffer = (void *)(uintptr_t)s;
			b[i].buffer_length = lens[i];
			b[i].length = &lens[i];
			b[i].is_null = &nulls[i];
			break;
		case 'b':
			p = va_arg(ap, const void *);
			lens[i] = (unsigned long)va_arg(ap, size_t);
			nulls[i] = p == NULL;
			b[i].buffer_type = MYSQL_TYPE_BLOB;
			b[i].buffer = (void *)(uintptr_t)p;
			b[i].buffer_length = lens[i];
			b[i].length = &lens[i];
			b[i].is_null = &nulls[i];
			break;
		case 'i':
			ints[i] = (long long)va_arg(ap, int64_t);
			b[i].buffer_type = MYSQL_TYPE_LONGLONG;
			b[i].buffer = &ints[i];
			break;
		default:
			log_err("database: unknown bind type '%c'", types[i]);
			return CE_DB;
		}
	}
	if (n > 0 && mysql_stmt_bind_param(st, b) != 0)
		return CE_DB;
	return CE_OK;
}

static enum cerr
fetch_all(struct db *d, struct db_cached *c, struct pool *pool, struct db_res **resp)
{
	MYSQL_STMT	*st = c->stmt;
	MYSQL_FIELD	*f;
	struct db_res	*res;
	size_t		 i, j;
	int		 frc;

	if ((res = pool_calloc(pool, 1, sizeof(*res))) == NULL)
		return CE_NOMEM;
	if (c->meta == NULL) {
		*resp = res;
		return CE_OK;
	}
	if (mysql_stmt_store_result(st) != 0) {
		unsigned e = mysql_stmt_errno(st);
		set_err(d, "store", e, mysql_stmt_error(st));
		return map_errno(e) == CE_OK ? CE_DB : map_errno(e);
	}
	/* max_length is filled in by store_result: grow buffers to fit. */
	f = mysql_fetch_fields(c->meta);
	for (j = 0; j < c->ncols; j++) {
		size_t need = f[j].max_length + 1;
		if (need < 64)
			need = 64;	/* temporal and numeric types come as text */
		if (need > c->caps[j]) {
			char *nb = realloc(c->bufs[j], need);
			if (nb == NULL)
				return CE_NOMEM;
			c->bufs[j] = nb;
			c->caps[j] = need;
		}
		memset(&c->rb[j], 0, sizeof(c->rb[j]));
		c->rb[j].buffer_type = MYSQL_TYPE_STRING;
		c->rb[j].buffer = c->bufs[j];
		c->rb[j].buffer_length = c->caps[j];
		c->rb[j].length = &c->lens[j];
		c->rb[j].is_null = &c->nulls[j];
	}
	if (mysql_stmt_bind_result(st, c->rb) != 0)
		return CE_DB;
	res->ncols = c->ncols;
	res->nrows = (size_t)mysql_stmt_num_rows(st);
	if ((res->rows = pool_calloc(pool, res->nrows ? res->nrows : 1, sizeof(char **))) == NULL ||
	    (res->lens = pool_calloc(pool, res->nrows ? res->nrows : 1, sizeof(size_t *))) == NULL)
		return CE_NOMEM;
	for (i = 0; i < res->nrows; i++) {
		frc = mysql_stmt_fetch(st);
		if (frc == 1 || frc == MYSQL_NO_DATA)
			return CE_DB;
		if ((res->rows[i] = pool_calloc(pool, c->ncols, sizeof(char *))) == NULL ||
		    (res->lens[i] = pool_calloc(pool, c->ncols, sizeof(size_t))) == NULL)
			return CE_NOMEM;
		for (j = 0; j < c->ncols; j++) {
			if (c->nulls[j])
				continue;
			if (c->lens[j] >= c->caps[j]) {
				log_err("database: column truncated");
				return CE_DB;
			}
			if ((res->rows[i][j] = pool_strndup(pool, c->bufs[j], c->lens[j])) == NULL)
				return CE_NOMEM;
			res->lens[i][j] = c->lens[j];
		}
	}
	*resp = res;
	return CE_OK;
}

enum cerr
db_exec(struct db *d, struct pool *pool, struct db_res **res, const char *sql,
    const char *types, ...)
{
	struct db_cached *c;
	MYSQL_STMT	*st;
	MYSQL_BIND	 b[DB_MAX_PARAMS];
	long long	 ints[DB_MAX_PARAMS];
	my_bool		 nulls[DB_MAX_PARAMS];
	unsigned long	 lens[DB_MAX_PARAMS];
	va_list		 ap;
	enum cerr	 rc = CE_OK;
	int		 attempt;

	for (attempt = 0; attempt < 2; attempt++) {
		if (d->m == NULL && (rc = do_connect(d)) != CE_OK)
			return rc;
		if ((c = get_stmt(d, sql, &rc)) == NULL) {
			if (rc == CE_GONE && !d->in_tx && attempt == 0 &&
			    do_connect(d) == CE_OK)
				continue;
			return rc;
		}
		st = c->stmt;
		va_start(ap, types);
		rc = bind_params(st, b, ints, nulls, lens, types, ap);
		va_end(ap);
		if (rc != CE_OK)
			return rc;
		if (mysql_stmt_execute(st) != 0) {
			unsigned e = mysql_stmt_errno(st);
			set_err(d, "execute", e, mysql_stmt_error(st));
			rc = map_errno(e);
			if (rc == CE_GONE && !d->in_tx && attempt == 0 &&
			    do_connect(d) == CE_OK)
				continue;
			if (rc == CE_GONE)
				d->in_tx = false;
			return rc == CE_OK ? CE_DB : rc;
		}
		d->affected = (uint64_t)mysql_stmt_affected_rows(st);
		d->insert_id = (uint64_t)mysql_stmt_insert_id(st);
		if (res != NULL)
			rc = fetch_all(d, c, pool, res);
		mysql_stmt_free_result(st);
		/* CALL ends with a status result; drain any so the next statement can run. */
		while (mysql_stmt_more_results(st) && mysql_stmt_next_result(st) == 0)
			mysql_stmt_free_result(st);
		return rc;
	}
	return rc;
}

uint64_t
db_affected(const struct db *d)
{
	return d->affected;
}

uint64_t
db_insert_id(const struct db *d)
{
	return d->insert_id;
}

enum cerr
db_stream(struct db *d, const char *sql, int (*fn)(void *, char **, size_t *, size_t),
    void *arg)
{
	MYSQL_STMT	*st;
	MYSQL_RES	*meta;
	MYSQL_BIND	*rb = NULL;
	unsigned long	*lens = NULL;
	my_bool		*nulls = NULL;
	char		**bufs = NULL, **row = NULL;
	size_t		*rlens = NULL, ncols = 0, j;
	enum cerr	 rc = CE_OK;
	int		 frc;

	if (d->m == NULL && (rc = do_connect(d)) != CE_OK)
		return rc;
	struct db_cached *c;

	if ((c = get_stmt(d, sql, &rc)) == NULL)
		return rc;
	st = c->stmt;
	/* Streamed rows are not stored, so max_length is not needed. */
	{
		my_bool no = 0;
		mysql_stmt_attr_set(st, STMT_ATTR_UPDATE_MAX_LENGTH, &no);
	}
	if (mysql_stmt_execute(st) != 0) {
		unsigned e = mysql_stmt_errno(st);
		set_err(d, "execute", e, mysql_stmt_error(st));
		return map_errno(e) == CE_OK ? CE_DB : map_errno(e);
	}
	if ((meta = mysql_stmt_result_metadata(st)) == NULL) {
		mysql_stmt_free_result(st);
		return CE_OK;
	}
	ncols = mysql_num_fields(meta);
	rb = calloc(ncols, sizeof(*rb));
	lens = calloc(ncols, sizeof(*lens));
	nulls = calloc(ncols, sizeof(*nulls));
	bufs = calloc(ncols, sizeof(*bufs));
	row = calloc(ncols, sizeof(*row));
	rlens = calloc(ncols, sizeof(*rlens));
	if (rb == NULL || lens == NULL || nulls == NULL || bufs == NULL ||
	    row == NULL || rlens == NULL) {
		rc = CE_NOMEM;
		goto out;
	}
	for (j = 0; j < ncols; j++) {
		if ((bufs[j] = malloc(256)) == NULL) {
			rc = CE_NOMEM;
			goto out;
		}
		rb[j].buffer_type = MYSQL_TYPE_STRING;
		rb[j].buffer = bufs[j];
		rb[j].buffer_length = 255;
		rb[j].length = &lens[j];
		rb[j].is_null = &nulls[j];
	}
	if (mysql_stmt_bind_result(st, rb) != 0) {
		rc = CE_DB;
		goto out;
	}
	for (;;) {
		frc = mysql_stmt_fetch(st);
		if (frc == MYSQL_NO_DATA)
			break;
		if (frc == 1) {
			unsigned e = mysql_stmt_errno(st);
			set_err(d, "fetch", e, mysql_stmt_error(st));
			rc = map_errno(e) == CE_OK ? CE_DB : map_errno(e);
			goto out;
		}
		for (j = 0; j < ncols; j++) {
			if (nulls[j]) {
				row[j] = NULL;
				rlens[j] = 0;
				continue;
			}
			if (lens[j] + 1 > rb[j].buffer_length) {
				/* Grow this column's buffer and fetch it whole. */
				char *nb = realloc(bufs[j], lens[j] + 1);
				if (nb == NULL) {
					rc = CE_NOMEM;
					goto out;
				}
				bufs[j] = nb;
				rb[j].buffer = nb;
				rb[j].buffer_length = lens[j] + 1;
				if (mysql_stmt_fetch_column(st, &rb[j], (unsigned)j, 0) != 0) {
					rc = CE_DB;
					goto out;
				}
				/* Re-bind so later rows use the larger buffer. */
				if (mysql_stmt_bind_result(st, rb) != 0) {
					rc = CE_DB;
					goto out;
				}
			}
			bufs[j][lens[j]] = '\0';
			row[j] = bufs[j];
			rlens[j] = lens[j];
		}
		if (fn(arg, row, rlens, ncols) != 0)
			break;
	}
out:
	mysql_stmt_free_result(st);
	mysql_free_result(meta);
	if (bufs != NULL)
		for (j = 0; j < ncols; j++)
			free(bufs[j]);
	free(bufs);
	free(rb);
	free(lens);
	free(nulls);
	free(row);
	free(rlens);
	return rc;
}

static enum cerr
simple(struct db *d, const char *sql)
{
	if (mysql_real_query(d->m, sql, (unsigned long)strlen(sql)) != 0) {
		unsigned e = mysql_errno(d->m);
		set_err(d, sql, e, mysql_error(d->m));
		return map_errno(e) == CE_OK ? CE_DB : map_errno(e);
	}
	return CE_OK;
}

enum cerr
db_begin(struct db *d)
{
	enum cerr	rc;

	if (d->m == NULL && (rc = do_connect(d)) != CE_OK)
		return rc;
	if (d->in_tx)
		return CE_DB;
	if ((rc = simple(d, "START TRANSACTION")) == CE_GONE && do_connect(d) == CE_OK)
		rc = simple(d, "START TRANSACTION");
	if (rc == CE_OK)
		d->in_tx = true;
	return rc;
}

enum cerr
db_commit(struct db *d)
{
	enum cerr	rc;

	if (!d->in_tx)
		return CE_DB;
	rc = simple(d, "COMMIT");
	if (rc != CE_OK)
		(void)simple(d, "ROLLBACK");
	d->in_tx = false;
	return rc;
}

void
db_rollback(struct db *d)
{
	if (!d->in_tx || d->m == NULL)
		return;
	(void)simple(d, "ROLLBACK");
	d->in_tx = false;
}

void
db_ended(struct db *d)
{
	d->in_tx = false;
}

bool
db_in_tx(const struct db *d)
{
	return d->in_tx;
}

enum cerr
db_run_script(struct db *d, const char *sql, size_t len)
{
	int	status;

	if (mysql_real_query(d->m, sql, (unsigned long)len) != 0) {
		set_err(d, "script", mysql_errno(d->m), mysql_error(d->m));
		return CE_DB;
	}
	do {
		MYSQL_RES *r = mysql_store_result(d->m);
		if (r != NULL)
			mysql_free_result(r);
		else if (mysql_field_count(d->m) != 0) {
			set_err(d, "script", mysql_errno(d->m), mysql_error(d->m));
			return CE_DB;
		}
		if ((status = mysql_next_result(d->m)) > 0) {
			set_err(d, "script", mysql_errno(d->m), mysql_error(d->m));
			return CE_DB;
		}
	} while (status == 0);
	return CE_OK;
}

const char *
db_error(const struct db *d)
{
	return d->errbuf;
}

int64_t
db_int(const char *cell)
{
	char		*end;
	long long	 v;

	if (cell == NULL)
		return 0;
	errno = 0;
	v = strtoll(cell, &end, 10);
	if (errno != 0 || end == cell)
		return 0;
	return (int64_t)v;
}
