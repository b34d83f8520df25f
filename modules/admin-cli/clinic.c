/*
 * clinic: the administrator's command.
 *   clinic migrate [--sql-dir DIR] [--app-user U] [--app-host H]
 *   clinic create-user --role R --email E --password P --given-name G
 *       --family-name F [--date-of-birth D] [--gmc N] [--gphc N] [--specialist]
 *       [--totp-secret BASE32]
 *   clinic load-demo FILE
 *   clinic verify-audit
 *   clinic purge
 * Settings come from $CLINIC_CONF / -c FILE like the FastCGI programs.
 * migrate connects as the database administrator (--db-user, default root
 * over the unix socket); the other commands as the application account.
 */
#include <ctype.h>
#include <dirent.h>
#include <getopt.h>
#include <inttypes.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <json-c/json.h>

#include "apptime.h"
#include "audit.h"
#include "conf.h"
#include "crypto.h"
#include "db.h"
#include "log.h"
#include "password.h"
#include "outbox.h"
#include "pool.h"
#include "req.h"
#include "session.h"
#include "user.h"
#include "valid.h"
#include "cli.h"

/*
 * Each applied migration is recorded with the SHA-256 of its text, so one
 * edited after it was applied is refused instead of silently skipped.
 */
static const char SQL_MIGRATIONS_TABLE[] =
    "CREATE TABLE IF NOT EXISTS schema_migrations ("
    " version INT UNSIGNED NOT NULL PRIMARY KEY, name VARCHAR(200) NOT NULL,"
    " applied_at DATETIME(6) NOT NULL) ENGINE=InnoDB;"
    " ALTER TABLE schema_migrations ADD COLUMN IF NOT EXISTS checksum CHAR(64) NULL";
static const char SQL_APPLIED[] =
    "SELECT checksum, applied_at FROM schema_migrations WHERE version = ?";
static const char SQL_RECORD[] =
    "INSERT INTO schema_migrations (version, name, applied_at, checksum)"
    " VALUES (?, ?, UTC_TIMESTAMP(6), ?)";
static const char SQL_BACKFILL[] =
    "UPDATE schema_migrations SET checksum = ? WHERE version = ? AND checksum IS NULL";
static const char SQL_EMAIL_EXISTS[] =
    "SELECT id FROM users WHERE email = ?";

static const char *db_admin_user = "root";
static const char *db_admin_password = "";

static void
usage(void)
{
	fprintf(stderr,
	    "usage: clinic [-c FILE] COMMAND [options]\n"
	    "  migrate [--sql-dir DIR] [--app-user USER] [--app-host HOST]\n"
	    "          [--db-user ADMIN] [--db-password PW]\n"
	    "  create-user --role clinician|pharmacist|admin|auditor|patient --email E\n"
	    "          --password P --given-name G --family-name F [--date-of-birth YYYY-MM-DD]\n"
	    "          [--gmc N] [--gphc N] [--specialist] [--totp-secret BASE32]\n"
	    "  load-demo FILE\n"
	    "  partner-set --code C --name N --url URL --send-secret-file F\n"
	    "          --receive-secret-file F [--inactive]   (a partner pharmacy)\n"
	    "  verify-audit\n"
	    "  purge          (ended sessions, old sign-in failures, old outbox messages;"
	    " run hourly)\n");
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool
ident_ok(const char *s, const char *extra)
{
	if (*s == '\0' || strlen(s) > 80)
		return false;
	for (; *s != '\0'; s++)
		if (!isalnum((unsigned char)*s) && *s != '_' && strchr(extra, *s) == NULL)
			return false;
	return true;
}

static char *
read_file(const char *path, size_t *len)
{
	FILE	*f;
	char	*buf = NULL;
	long	 n;

	if ((f = fopen(path, "rb")) == NULL)
		return NULL;
	if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)n + 1)) != NULL) {
		if (fread(buf, 1, (size_t)n, f) != (size_t)n) {
			free(buf);
			buf = NULL;
		} else {
			buf[n] = '\0';
			*len = (size_t)n;
		}
	}
	fclose(f);
	return buf;
}

static int
cmd_migrate(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "sql-dir", required_argument, NULL, 's' },
		{ "app-user", required_argument, NULL, 'u' },
		{ "app-host", required_argument, NULL, 'h' },
		{ "db-user", required_argument, NULL, 'U' },
		{ "db-password", required_argument, NULL, 'P' },
		{ NULL, 0, NULL, 0 },
	};
	const char	*dir = conf.sql_dir, *app_user = conf.db_user, *app_host = "localhost";
	struct db	*db;
	struct pool	*pool;
	struct db_res	*res;
	DIR		*d;
	struct dirent	*de;
	char		**names = NULL, path[4096], stmt[512], *sql;
	size_t		 n = 0, i, len;
	int		 c, applied = 0, rc = 1;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's': dir = optarg; break;
		case 'u': app_user = optarg; break;
		case 'h': app_host = optarg; break;
		case 'U': db_admin_user = optarg; break;
		case 'P': db_admin_password = optarg; break;
		default: usage(); return 2;
		}
	}
	if (!ident_ok(app_user, "") || !ident_ok(app_host, ".%-:")) {
		fprintf(stderr, "clinic: --app-user/--app-host may hold letters, digits, _ . %% - : only\n");
		return 2;
	}
	if ((d = opendir(dir)) == NULL) {
		fprintf(stderr, "clinic: cannot open migrations directory %s\n", dir);
		return 1;
	}
	while ((de = readdir(d)) != NULL) {
		len = strlen(de->d_name);
		if (len < 9 || !isdigit((unsigned char)de->d_name[0]) ||
		    strcmp(de->d_name + len - 4, ".sql") != 0 || de->d_name[4] != '_')
			continue;
		char **nn = realloc(names, (n + 1) * sizeof(*names));
		if (nn == NULL || (nn[n] = strdup(de->d_name)) == NULL) {
			free(nn);
			closedir(d);
			return 1;
		}
		names = nn;
		n++;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_names);
	if ((pool = pool_new()) == NULL || (db = db_open(db_admin_user, db_admin_password)) == NULL) {
		fprintf(stderr, "clinic: cannot connect to the database as %s\n", db_admin_user);
		goto out_names;
	}
	if (db_run_script(db, SQL_MIGRATIONS_TABLE, strlen(SQL_MIGRATIONS_TABLE)) != CE_OK)
		goto out;
	for (i = 0; i < n; i++) {
		int64_t version = strtol(names[i], NULL, 10);
		unsigned char	sum[SHA256_LEN];
		char		hex[SHA256_LEN * 2 + 1];

		pool_reset(pool);
		(void)snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		if ((sql = read_file(path, &len)) == NULL) {
			fprintf(stderr, "clinic: cannot read %s\n", path);
			goto out;
		}
		if (crypto_sha256(sql, len, sum) != CE_OK) {
			free(sql);
			goto out;
		}
		hex_encode(sum, sizeof(sum), hex);
		if (db_exec(db, pool, &res, SQL_APPLIED, "i", version) != CE_OK) {
			free(sql);
			goto out;
		}
		if (res->nrows > 0) {
			free(sql);
			if (res->rows[0][0] == NULL) {
				/* Applied before checksums were kept: remember this text. */
				if (db_exec(db, pool, NULL, SQL_BACKFILL, "si", hex, version) != CE_OK)
					goto out;
			} else if (strcmp(res->rows[0][0], hex) != 0) {
				fprintf(stderr, "clinic: %s has changed since it was applied (%s UTC);"
				    " an applied migration is never edited: put the change in a new one"
				    " (or, on a development database, start again from an empty one)\n",
				    names[i], res->rows[0][1]);
				goto out;
			}
			continue;
		}
		if (db_run_script(db, sql, len) != CE_OK) {
			fprintf(stderr, "clinic: %s failed: %s\n", names[i], db_error(db));
			free(sql);
			goto out;
		}
		free(sql);
		if (db_exec(db, pool, NULL, SQL_RECORD, "iss", version, names[i], hex) != CE_OK)
			goto out;
		printf("applied %s\n", names[i]);
		applied++;
	}
	/* Give the application account exactly the role the migrations defined. */
	(void)snprintf(stmt, sizeof(stmt), "GRANT clinic_app_role TO '%s'@'%s'; "
	    "SET DEFAULT ROLE clinic_app_role FOR '%s'@'%s'", app_user, app_host,
	    app_user, app_host);
	if (db_run_script(db, stmt, strlen(stmt)) != CE_OK) {
		fprintf(stderr, "clinic: granting clinic_app_role to '%s'@'%s' failed: %s\n"
		    "(create the account first: CREATE USER '%s'@'%s' IDENTIFIED BY '...')\n",
		    app_user, app_host, db_error(db), app_user, app_host);
		goto out;
	}
	printf("%d migration%s applied; schema is current\n", applied, applied == 1 ? "" : "s");
	rc = 0;
out:
	db_close(db);
out_names:
	pool_free(pool);
	for (i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rc;
}

static const char *
os_user(void)
{
	struct passwd	*pw = getpwuid(getuid());

	return pw != NULL ? pw->pw_name : "unknown";
}

/*
 * Records a change this command made as the system (from "local") with
 * details d (taken: put here in every case; NULL means out of memory), adding
 * "via" and the operating-system user, and commits the open transaction in
 * the same round trip. Returns 0, or 1 after rolling back and saying that
 * `what` could not be recorded.
 */
int
cli_audit_commit(struct db *db, struct pool *pool, const char *action, const char *entity_type,
    const char *entity_id, const char *via, struct json_object *d, const char *what)
{
	struct audit_rec	rec;

	if (d == NULL) {
		db_rollback(db);
		fprintf(stderr, "clinic: out of memory recording %s\n", what);
		return 1;
	}
	json_object_object_add(d, "via", json_object_new_string(via));
	json_object_object_add(d, "os_user", json_object_new_string(os_user()));
	memset(&rec, 0, sizeof(rec));
	rec.actor_role = "system";
	rec.action = action;
	rec.entity_type = entity_type;
	rec.entity_id = entity_id;
	rec.outcome = "success";
	rec.client_addr = "local";
	rec.details = pool_strdup(pool, json_object_to_json_string_ext(d,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(d);
	if (rec.details == NULL || audit_append(db, pool, &rec, true) != CE_OK) {
		db_rollback(db);
		fprintf(stderr, "clinic: could not record %s: %s\n", what, db_error(db));
		return 1;
	}
	return 0;
}

/*
 * Validates and creates one account with its audit row, in one transaction.
 * Returns 0, 1 on error (printed), 3 when the email exists (if skip_existing).
 */
static int
create_user(struct db *db, struct pool *pool, struct new_user *u, bool skip_existing)
{
	static const struct field fields[] = {
		{ "email", V_EMAIL, true, 3, 254, NULL },
		{ "given-name", V_STRING, true, 1, 100, NULL },
		{ "family-name", V_STRING, true, 1, 100, NULL },
		{ "date-of-birth", V_DATE, false, 10, 10, NULL },
		{ "role", V_ENUM, true, 0, 0, "patient|clinician|pharmacist|admin|auditor" },
	};
	const char		*vals[] = { u->email, u->given_name, u->family_name,
				    u->date_of_birth, u->role };
	const char		*why, *norm;
	struct json_object	*d;
	struct db_res		*res;
	char			 id[24];
	int64_t			 iv, uid;
	size_t			 i;
	int			 bad = 0;

	for (i = 0; i < nitems(fields); i++) {
		if (vals[i] == NULL) {
			if (fields[i].required) {
				fprintf(stderr, "clinic: --%s is required\n", fields[i].name);
				bad = 1;
			}
			continue;
		}
		if ((why = valid_value(pool, &fields[i], vals[i], strlen(vals[i]), &norm,
		    &iv)) != NULL) {
			fprintf(stderr, "clinic: --%s %s\n", fields[i].name, why);
			bad = 1;
		} else if (i == 0)
			u->email = norm;
	}
	if (bad)
		return 1;
	if (u->password == NULL) {
		fprintf(stderr, "clinic: --password is required\n");
		return 1;
	}
	if ((why = password_policy(u->password, u->email)) != NULL) {
		fprintf(stderr, "clinic: --password %s\n", why);
		return 1;
	}
	if (strcmp(u->role, "clinician") == 0 && (u->gmc_number == NULL ||
	    strlen(u->gmc_number) != 7 || strspn(u->gmc_number, "0123456789") != 7)) {
		fprintf(stderr, "clinic: --gmc must be the clinician's 7-digit GMC number\n");
		return 1;
	}
	if (strcmp(u->role, "pharmacist") == 0 && (u->gphc_number == NULL ||
	    strlen(u->gphc_number) != 7 || strspn(u->gphc_number, "0123456789") != 7)) {
		fprintf(stderr, "clinic: --gphc must be the pharmacist's 7-digit GPhC number\n");
		return 1;
	}
	if ((u->gmc_number != NULL && strcmp(u->role, "clinician") != 0) ||
	    (u->gphc_number != NULL && strcmp(u->role, "pharmacist") != 0) ||
	    (u->specialist && strcmp(u->role, "clinician") != 0)) {
		fprintf(stderr, "clinic: --gmc and --specialist are for clinicians, --gphc for pharmacists\n");
		return 1;
	}
	if (skip_existing) {
		if (db_exec(db, pool, &res, SQL_EMAIL_EXISTS, "s", u->email) != CE_OK)
			return 1;
		if (res->nrows > 0)
			return 3;
	}
	if (db_begin(db) != CE_OK)
		return 1;
	switch (user_create(db, pool, u, &uid)) {
	case CE_OK:
		break;
	case CE_DUPLICATE:
		db_rollback(db);
		fprintf(stderr, "clinic: %s is already registered\n", u->email);
		return 1;
	case CE_CONF:
		db_rollback(db);
		fprintf(stderr, "clinic: --totp-secret needs secret_key in the configuration "
		    "(make one with: openssl rand -hex 32)\n");
		return 1;
	default:
		db_rollback(db);
		fprintf(stderr, "clinic: could not create the account: %s\n", db_error(db));
		return 1;
	}
	(void)snprintf(id, sizeof(id), "%" PRId64, uid);
	if ((d = json_object_new_object()) != NULL) {
		json_object_object_add(d, "role", json_object_new_string(u->role));
		json_object_object_add(d, "email", json_object_new_string(u->email));
		if (u->specialist)
			json_object_object_add(d, "specialist", json_object_new_boolean(1));
	}
	if (cli_audit_commit(db, pool, "user.created", "user", id, "clinic create-user", d,
	    "the account") != 0)
		return 1;
	printf("created %s %s (id %s)\n", u->role, u->email, id);
	return 0;
}

static int
decode_totp(struct new_user *u, const char *b32, unsigned char *buf, size_t cap)
{
	int	n;

	if ((n = base32_decode(b32, buf, cap)) < 10) {
		fprintf(stderr, "clinic: --totp-secret must be base32 of at least 80 bits\n");
		return -1;
	}
	u->totp_secret = buf;
	u->totp_len = (size_t)n;
	return 0;
}

static int
cmd_create_user(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "role", required_argument, NULL, 'r' },
		{ "email", required_argument, NULL, 'e' },
		{ "password", required_argument, NULL, 'p' },
		{ "given-name", required_argument, NULL, 'g' },
		{ "family-name", required_argument, NULL, 'f' },
		{ "date-of-birth", required_argument, NULL, 'd' },
		{ "gmc", required_argument, NULL, 'G' },
		{ "gphc", required_argument, NULL, 'H' },
		{ "specialist", no_argument, NULL, 'S' },
		{ "totp-secret", required_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 },
	};
	struct new_user	 u;
	struct db	*db;
	struct pool	*pool;
	unsigned char	 secret[64];
	int		 c, rc;

	memset(&u, 0, sizeof(u));
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'r': u.role = optarg; break;
		case 'e': u.email = optarg; break;
		case 'p': u.password = optarg; break;
		case 'g': u.given_name = optarg; break;
		case 'f': u.family_name = optarg; break;
		case 'd': u.date_of_birth = optarg; break;
		case 'G': u.gmc_number = optarg; break;
		case 'H': u.gphc_number = optarg; break;
		case 'S': u.specialist = true; break;
		case 'T':
			if (decode_totp(&u, optarg, secret, sizeof(secret)) == -1)
				return 2;
			break;
		default: usage(); return 2;
		}
	}
	if (optind != argc || u.role == NULL) {
		usage();
		return 2;
	}
	if ((pool = pool_new()) == NULL)
		return 1;
	if ((db = db_open(NULL, NULL)) == NULL) {
		pool_free(pool);
		return 1;
	}
	rc = create_user(db, pool, &u, false);
	db_close(db);
	pool_free(pool);
	return rc;
}

static const char *
jstr(struct json_object *o, const char *k)
{
	struct json_object	*v;

	return json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string) ?
	    json_object_get_string(v) : NULL;
}

static const char SQL_DEMO_CLINICIAN[] =
    "SELECT id FROM users WHERE email = ? AND role = 'clinician'";
static const char SQL_DEMO_HAS_HOURS[] =
    "SELECT COUNT(*) FROM availability_template WHERE clinician_id = ?";
static const char SQL_DEMO_HOURS[] =
    "INSERT INTO availability_template (clinician_id, weekday, start_time, end_time,"
    " valid_from, valid_until, created_by, created_at)"
    " VALUES (?, ?, ?, ?, UTC_DATE() - INTERVAL 7 DAY, NULL, ?, UTC_TIMESTAMP(6))";

/*
 * A demo clinician's weekly hours ("availability": [{weekday, start, end}],
 * local wall-clock times "hh:mm", end "24:00" allowed), written once: nothing
 * is added when the clinician has any template already. Every session is
 * checked first; then all are written in one transaction with one audit row
 * (as create-user writes), so a bad entry leaves nothing behind. 0, or 1 on
 * error.
 */
static int
load_demo_hours(struct db *db, struct pool *pool, struct json_object *a, const char *email)
{
	struct json_object	*av, *h, *w, *d;
	struct db_res		*res;
	int64_t			 id;
	size_t			 i, n;
	int			 sm, em;
	char			 ids[24];
	enum cerr		 rc;

	if (!json_object_object_get_ex(a, "availability", &av))
		return 0;
	if (!json_object_is_type(av, json_type_array)) {
		fprintf(stderr, "clinic: %s: availability must be an array\n", email);
		return 1;
	}
	n = json_object_array_length(av);
	for (i = 0; i < n; i++) {
		h = json_object_array_get_idx(av, i);
		if (!json_object_object_get_ex(h, "weekday", &w) || !json_object_is_type(w, json_type_int) ||
		    json_object_get_int(w) < 1 || json_object_get_int(w) > 7 ||
		    at_parse_hhmm(jstr(h, "start"), false, &sm) != 0 ||
		    at_parse_hhmm(jstr(h, "end"), true, &em) != 0 || em <= sm) {
			fprintf(stderr, "clinic: %s: availability %zu needs weekday 1..7, start and"
			    " end as hh:mm (end after start, at most 24:00)\n", email, i);
			return 1;
		}
	}
	if ((rc = db_exec(db, pool, &res, SQL_DEMO_CLINICIAN, "s", email)) != CE_OK ||
	    res->nrows != 1) {
		fprintf(stderr, "clinic: %s: no such clinician for availability\n", email);
		return 1;
	}
	id = db_int(res->rows[0][0]);
	if ((rc = db_begin(db)) != CE_OK ||
	    (rc = db_exec(db, pool, &res, SQL_DEMO_HAS_HOURS, "i", id)) != CE_OK) {
		db_rollback(db);
		fprintf(stderr, "clinic: availability: %s\n", cerr_str(rc));
		return 1;
	}
	if (db_int(res->rows[0][0]) > 0) {
		db_rollback(db);
		printf("exists  availability of %s\n", email);
		return 0;
	}
	for (i = 0; i < n; i++) {
		h = json_object_array_get_idx(av, i);
		(void)json_object_object_get_ex(h, "weekday", &w);
		if ((rc = db_exec(db, pool, NULL, SQL_DEMO_HOURS, "iissi", id,
		    (int64_t)json_object_get_int(w), jstr(h, "start"), jstr(h, "end"), id)) != CE_OK) {
			db_rollback(db);
			fprintf(stderr, "clinic: %s: availability %zu: %s\n", email, i, cerr_str(rc));
			return 1;
		}
	}
	(void)snprintf(ids, sizeof(ids), "%" PRId64, id);
	if ((d = json_object_new_object()) == NULL) {
		db_rollback(db);
		fprintf(stderr, "clinic: out of memory\n");
		return 1;
	}
	json_object_object_add(d, "clinician_id", json_object_new_int64(id));
	json_object_object_add(d, "sessions", json_object_new_int64((int64_t)n));
	json_object_object_add(d, "availability", json_object_get(av));
	if (cli_audit_commit(db, pool, "appointment.availability_added", "user", ids,
	    "clinic load-demo", d, "the availability") != 0)
		return 1;
	printf("created availability of %s (%zu weekly sessions)\n", email, n);
	return 0;
}

static const char SQL_DEMO_PRODUCT_EXISTS[] =
    "SELECT id FROM formulary_product WHERE supplier = ? AND brand = ? AND name = ?"
    " AND form = ? AND pack_size = ?";
static const char SQL_DEMO_PRODUCT[] =
    "INSERT INTO formulary_product (supplier, brand, name, form, supply_unit, pack_size,"
    " thc_ug_per_unit, cbd_ug_per_unit, active, created_at, updated_at)"
    " VALUES (?, ?, ?, ?, CASE ? WHEN 'flower' THEN 'mg' WHEN 'oil' THEN 'ul'"
    " WHEN 'spray' THEN 'ul' ELSE 'each' END, ?, ?, ?, 1, UTC_TIMESTAMP(6), UTC_TIMESTAMP(6))";

/* An integer member >= min, or -1. */
static int64_t
jint(struct json_object *o, const char *k, int64_t min)
{
	struct json_object	*v;

	if (!json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_int) ||
	    json_object_get_int64(v) < min)
		return -1;
	return json_object_get_int64(v);
}

/*
 * The demo formulary ("formulary": [{supplier, brand, name, form, pack_size,
 * thc_ug_per_unit, cbd_ug_per_unit}], amounts in the form's supply unit as
 * docs/API.md#formulary says). A product already there (same supplier,
 * brand, name, form and pack size) is left alone; each one added is its own
 * transaction with its audit row (formulary.create). 0, or 1 on error.
 */
static int
load_demo_formulary(struct db *db, struct pool *pool, struct json_object *root)
{
	static const char *const forms[] = { "flower", "oil", "capsule", "vape_cartridge",
	    "pastille", "spray" };
	struct json_object	*fa, *p, *d;
	struct db_res		*res;
	const char		*sup, *brand, *name, *form;
	int64_t			 pack, thc, cbd;
	size_t			 i, j, n;
	char			 ids[24];
	enum cerr		 rc;

	if (!json_object_object_get_ex(root, "formulary", &fa))
		return 0;
	if (!json_object_is_type(fa, json_type_array)) {
		fprintf(stderr, "clinic: formulary must be an array\n");
		return 1;
	}
	n = json_object_array_length(fa);
	for (i = 0; i < n; i++) {
		pool_reset(pool);
		p = json_object_array_get_idx(fa, i);
		sup = jstr(p, "supplier");
		brand = jstr(p, "brand");
		name = jstr(p, "name");
		form = jstr(p, "form");
		pack = jint(p, "pack_size", 1);
		thc = jint(p, "thc_ug_per_unit", 0);
		cbd = jint(p, "cbd_ug_per_unit", 0);
		for (j = 0; form != NULL && j < sizeof(forms) / sizeof(forms[0]); j++)
			if (strcmp(form, forms[j]) == 0)
				break;
		if (sup == NULL || brand == NULL || name == NULL || form == NULL ||
		    j == sizeof(forms) / sizeof(forms[0]) || pack < 1 || thc < 0 || cbd < 0) {
			fprintf(stderr, "clinic: formulary %zu needs supplier, brand, name, a known"
			    " form, pack_size >= 1, thc_ug_per_unit and cbd_ug_per_unit >= 0\n", i);
			return 1;
		}
		if ((rc = db_begin(db)) != CE_OK ||
		    (rc = db_exec(db, pool, &res, SQL_DEMO_PRODUCT_EXISTS, "ssssi", sup, brand, name,
		    form, pack)) != CE_OK) {
			db_rollback(db);
			fprintf(stderr, "clinic: formulary: %s\n", cerr_str(rc));
			return 1;
		}
		if (res->nrows > 0) {
			db_rollback(db);
			printf("exists  product %s %s\n", brand, name);
			continue;
		}
		if ((rc = db_exec(db, pool, NULL, SQL_DEMO_PRODUCT, "sssssiii", sup, brand, name, form,
		    form, pack, thc, cbd)) != CE_OK) {
			db_rollback(db);
			fprintf(stderr, "clinic: formulary %zu: %s\n", i, cerr_str(rc));
			return 1;
		}
		(void)snprintf(ids, sizeof(ids), "%" PRIu64, db_insert_id(db));
		if ((d = json_object_new_object()) == NULL) {
			db_rollback(db);
			fprintf(stderr, "clinic: out of memory\n");
			return 1;
		}
		json_object_object_add(d, "supplier", json_object_new_string(sup));
		json_object_object_add(d, "brand", json_object_new_string(brand));
		json_object_object_add(d, "name", json_object_new_string(name));
		json_object_object_add(d, "form", json_object_new_string(form));
		json_object_object_add(d, "pack_size", json_object_new_int64(pack));
		json_object_object_add(d, "thc_ug_per_unit", json_object_new_int64(thc));
		json_object_object_add(d, "cbd_ug_per_unit", json_object_new_int64(cbd));
		if (cli_audit_commit(db, pool, "formulary.create", "formulary_product", ids,
		    "clinic load-demo", d, "the product") != 0)
			return 1;
		printf("created product %s %s\n", brand, name);
	}
	return 0;
}

static int
cmd_load_demo(int argc, char **argv)
{
	struct json_object	*root, *acc, *v;
	struct new_user		 u;
	struct db		*db;
	struct pool		*pool;
	unsigned char		 secret[64];
	size_t			 i, n;
	int			 rc = 0, one;

	if (argc != 2) {
		usage();
		return 2;
	}
	if ((root = json_object_from_file(argv[1])) == NULL ||
	    !json_object_object_get_ex(root, "accounts", &acc) ||
	    !json_object_is_type(acc, json_type_array)) {
		fprintf(stderr, "clinic: %s: expected {\"accounts\": [...]}\n", argv[1]);
		json_object_put(root);
		return 1;
	}
	if ((pool = pool_new()) == NULL || (db = db_open(NULL, NULL)) == NULL) {
		pool_free(pool);
		json_object_put(root);
		return 1;
	}
	n = json_object_array_length(acc);
	for (i = 0; i < n && rc == 0; i++) {
		struct json_object *a = json_object_array_get_idx(acc, i);
		memset(&u, 0, sizeof(u));
		pool_reset(pool);
		u.role = jstr(a, "role");
		u.email = jstr(a, "email");
		u.password = jstr(a, "password");
		u.given_name = jstr(a, "given_name");
		u.family_name = jstr(a, "family_name");
		u.date_of_birth = jstr(a, "date_of_birth");
		u.gmc_number = jstr(a, "gmc");
		u.gphc_number = jstr(a, "gphc");
		u.specialist = json_object_object_get_ex(a, "specialist", &v) &&
		    json_object_get_boolean(v);
		if (u.role == NULL) {
			fprintf(stderr, "clinic: account %zu has no role\n", i);
			rc = 1;
			break;
		}
		if (jstr(a, "totp_secret") != NULL &&
		    decode_totp(&u, jstr(a, "totp_secret"), secret, sizeof(secret)) == -1) {
			rc = 1;
			break;
		}
		one = create_user(db, pool, &u, true);
		if (one == 3)
			printf("exists  %s %s\n", u.role, u.email);
		else
			rc = one;
		if (rc == 0 && u.email != NULL)
			rc = load_demo_hours(db, pool, a, u.email);
	}
	if (rc == 0)
		rc = load_demo_formulary(db, pool, root);
	if (rc == 0)
		rc = load_demo_pharmacy(db, pool, root);
	db_close(db);
	pool_free(pool);
	json_object_put(root);
	return rc;
}

static int
cmd_verify_audit(int argc, char **argv)
{
	struct audit_verdict	 v;
	struct db		*db;
	enum cerr		 rc;

	(void)argv;
	if (argc != 1) {
		usage();
		return 2;
	}
	if ((db = db_open(NULL, NULL)) == NULL)
		return 2;
	rc = audit_verify(db, &v);
	db_close(db);
	if (rc != CE_OK) {
		fprintf(stderr, "clinic: verification could not run: %s\n", cerr_str(rc));
		return 2;
	}
	if (v.ok) {
		printf("ok: %" PRId64 " rows, head %" PRId64 " %s\n", v.count, v.head_seq, v.head);
		return 0;
	}
	printf("BROKEN at row %" PRId64 ": %s (rows before it are intact; last good %" PRId64
	    " %s)\n", v.first_bad, v.reason, v.head_seq, v.head);
	return 1;
}

static int
cmd_purge(int argc, char **argv)
{
	struct db	*db;
	struct pool	*pool;
	uint64_t	 sessions, throttles, messages = 0;
	enum cerr	 rc;

	(void)argv;
	if (argc != 1) {
		usage();
		return 2;
	}
	if ((pool = pool_new()) == NULL)
		return 1;
	if ((db = db_open(NULL, NULL)) == NULL) {
		pool_free(pool);
		return 1;
	}
	if ((rc = session_purge(db, pool, &sessions, &throttles)) == CE_OK)
		rc = outbox_purge(db, pool, conf.outbox_keep_days, &messages);
	db_close(db);
	pool_free(pool);
	if (rc != CE_OK) {
		fprintf(stderr, "clinic: purge failed: %s\n", cerr_str(rc));
		return 1;
	}
	printf("removed %llu ended session%s, %llu old sign-in failure record%s"
	    " and %llu ended outbox message%s\n",
	    (unsigned long long)sessions, sessions == 1 ? "" : "s",
	    (unsigned long long)throttles, throttles == 1 ? "" : "s",
	    (unsigned long long)messages, messages == 1 ? "" : "s");
	return 0;
}

int
main(int argc, char **argv)
{
	const char	*conf_path = NULL, *cmd;
	int		 i;

	log_init("clinic", LOG_LVL_WARN);
	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-c") == 0 && i + 1 < argc) {
			conf_path = argv[++i];
		} else
			break;
	}
	if (i >= argc) {
		usage();
		return 2;
	}
	if (conf_load(conf_path) != CE_OK)
		return 78;
	cmd = argv[i];
	argc -= i;
	argv += i;
	optind = 1;
	if (strcmp(cmd, "migrate") == 0)
		return cmd_migrate(argc, argv);
	if (strcmp(cmd, "create-user") == 0)
		return cmd_create_user(argc, argv);
	if (strcmp(cmd, "load-demo") == 0)
		return cmd_load_demo(argc, argv);
	if (strcmp(cmd, "verify-audit") == 0)
		return cmd_verify_audit(argc, argv);
	if (strcmp(cmd, "purge") == 0)
		return cmd_purge(argc, argv);
	if (strcmp(cmd, "partner-set") == 0)
		return cmd_partner_set(argc, argv);
	usage();
	return 2;
}
