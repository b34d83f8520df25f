#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conf.h"
#include "crypto.h"
#include "log.h"

#ifndef PKGDATADIR
#define PKGDATADIR "/usr/local/share/clinic"
#endif

struct conf	conf;
static unsigned char	secret_key[32], document_key[32];
static bool		have_secret_key, have_document_key;

enum ctype { C_STR, C_LONG };

struct conf_item {
	const char	*name;
	enum ctype	 type;
	size_t		 off;
	const char	*def;
	long		 min, max;
};

#define S(f, d)		{ #f, C_STR, offsetof(struct conf, f), d, 0, 0 }
#define L(f, d, lo, hi)	{ #f, C_LONG, offsetof(struct conf, f), d, lo, hi }

static const struct conf_item items[] = {
	S(db_socket, "/run/mysqld/mysqld.sock"),
	S(db_host, ""),
	L(db_port, "3306", 1, 65535),
	S(db_name, "clinic"),
	S(db_user, "clinic_app"),
	S(db_password, ""),
	L(session_idle_seconds, "1800", 60, 86400),
	L(session_absolute_seconds, "43200", 300, 604800),
	L(session_touch_seconds, "60", 1, 3600),
	S(cookie_mode, "secure"),
	L(scrypt_log_n, "17", 10, 22),
	L(scrypt_r, "8", 1, 32),
	L(scrypt_p, "1", 1, 16),
	L(password_min_length, "12", 8, 128),
	S(password_list, PKGDATADIR "/common-passwords.txt"),
	L(login_backoff_after, "5", 1, 100),
	L(login_backoff_after_address, "20", 1, 10000),
	L(login_backoff_base_seconds, "30", 1, 3600),
	L(login_backoff_max_seconds, "900", 1, 86400),
	L(login_backoff_window_seconds, "900", 60, 86400),
	S(totp_issuer, "Clinic"),
	S(secret_key, ""),
	L(max_body_bytes, "65536", 1024, 16777216),
	S(upload_dir, "/var/lib/clinic/uploads"),
	L(upload_max_bytes, "209715200", 1024, 4294967296L),
	L(upload_quota_bytes, "1073741824", 1024, 1099511627776L),
	S(document_key, ""),
	S(idv_base_url, "https://api.eu.onfido.com/v3.6"),
	S(idv_api_token, ""),
	S(idv_webhook_token, ""),
	S(idv_workflow_id, ""),
	L(idv_required_for_booking, "1", 0, 1),
	L(dispatch_poll_ms, "500", 10, 60000),
	L(dispatch_timeout_seconds, "15", 1, 300),
	L(dispatch_max_attempts, "20", 1, 100),
	L(dispatch_backoff_base_ms, "1000", 10, 3600000),
	L(dispatch_backoff_max_ms, "1800000", 10, 86400000),
	L(outbox_keep_days, "30", 1, 3650),
	S(clinic_timezone, "Europe/London"),
	L(booking_horizon_days, "60", 1, 366),
	L(booking_min_notice_minutes, "60", 0, 10080),
	L(cancel_notice_hours, "24", 0, 720),
	L(reminder_hours_before, "24", 1, 336),
	S(portal_url, "http://127.0.0.1:8080"),
	S(notify_email_url, "https://api.sendgrid.com"),
	S(notify_email_token, ""),
	S(notify_email_from, "clinic@example.org"),
	S(notify_sms_url, "https://api.twilio.com"),
	S(notify_sms_account, ""),
	S(notify_sms_token, ""),
	S(notify_sms_from, ""),
	L(consult_open_before_minutes, "15", 0, 240),
	L(consult_close_after_minutes, "30", 0, 480),
	S(turn_secret, ""),
	S(turn_urls, ""),
	L(turn_ttl_seconds, "3600", 60, 86400),
	L(signal_max_bytes, "16384", 256, 65536),
	L(signal_rate_per_10s, "100", 1, 10000),
	S(signal_publish_socket, "/run/clinic/signal-publish.sock"),
	S(clinic_name, "Demo Cannabis Clinic"),
	S(clinic_address, "1 Example Street, London, EC1A 1AA"),
	L(prescription_validity_days, "28", 1, 28),
	L(prescription_max_days, "30", 1, 90),
	L(prescription_paper_original, "0", 0, 1),
	L(bridge_low_stock_packs, "2", 0, 1000000),
	S(pharmacy_name, "Demo Pharmacy"),
	S(pharmacy_clinic_url, ""),
	S(pharmacy_events_url, ""),
	S(pharmacy_clinic_secret_in, ""),
	S(pharmacy_clinic_secret_out, ""),
	L(pharmacy_snapshot_minutes, "15", 1, 1440),
	S(courier_url, ""),
	S(courier_api_key, ""),
	S(courier_webhook_secret, ""),
	S(sql_dir, PKGDATADIR "/sql"),
	S(log_level, "info"),
	S(log_file, ""),
	L(workers, "1", 1, 256),
};

static const struct conf_item *
find(const char *name)
{
	size_t	i;

	for (i = 0; i < nitems(items); i++)
		if (strcmp(items[i].name, name) == 0)
			return &items[i];
	return NULL;
}

static enum cerr
set_item(const struct conf_item *it, const char *value)
{
	char	*end, *dup, **sp;
	long	 v;

	if (it->type == C_STR) {
		if ((dup = strdup(value)) == NULL)
			return CE_NOMEM;
		sp = (char **)((char *)&conf + it->off);
		free(*sp);
		*sp = dup;
		return CE_OK;
	}
	errno = 0;
	v = strtol(value, &end, 10);
	if (errno != 0 || end == value || *end != '\0' || v < it->min || v > it->max) {
		log_err("setting %s: \"%s\" is not a whole number from %ld to %ld",
		    it->name, value, it->min, it->max);
		return CE_CONF;
	}
	*(long *)((char *)&conf + it->off) = v;
	return CE_OK;
}

enum cerr
conf_set(const char *name, const char *value)
{
	const struct conf_item	*it;

	if ((it = find(name)) == NULL) {
		log_err("unknown setting %s", name);
		return CE_CONF;
	}
	return set_item(it, value);
}

static char *
trim(char *s)
{
	char	*e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static enum cerr
load_file(const char *path)
{
	FILE		*f;
	char		*line = NULL, *k, *v, *eq;
	size_t		 cap = 0;
	unsigned	 lineno = 0;
	enum cerr	 rc = CE_OK;

	if ((f = fopen(path, "r")) == NULL) {
		log_err("cannot open configuration %s", path);
		return CE_IO;
	}
	while (rc == CE_OK && getline(&line, &cap, f) != -1) {
		lineno++;
		k = trim(line);
		if (*k == '\0' || *k == '#')
			continue;
		if ((eq = strchr(k, '=')) == NULL) {
			log_err("%s:%u: expected name = value", path, lineno);
			rc = CE_CONF;
			break;
		}
		*eq = '\0';
		k = trim(k);
		v = trim(eq + 1);
		if ((rc = conf_set(k, v)) != CE_OK)
			log_err("%s:%u: bad setting", path, lineno);
	}
	free(line);
	if (ferror(f) && rc == CE_OK)
		rc = CE_IO;
	fclose(f);
	return rc;
}

static enum cerr
check(void)
{
	if (strcmp(conf.cookie_mode, "secure") != 0 &&
	    strcmp(conf.cookie_mode, "insecure-dev") != 0) {
		log_err("setting cookie_mode: must be secure or insecure-dev");
		return CE_CONF;
	}
	if (conf.session_idle_seconds > conf.session_absolute_seconds) {
		log_err("session_idle_seconds exceeds session_absolute_seconds");
		return CE_CONF;
	}
	have_secret_key = false;
	if (*conf.secret_key != '\0') {
		if (strlen(conf.secret_key) != 64 || hex_decode(conf.secret_key, secret_key, 32) == -1) {
			log_err("setting secret_key: must be 64 hex digits "
			    "(make one with: openssl rand -hex 32)");
			return CE_CONF;
		}
		have_secret_key = true;
	}
	have_document_key = false;
	if (*conf.document_key != '\0') {
		if (strlen(conf.document_key) != 64 ||
		    hex_decode(conf.document_key, document_key, 32) == -1) {
			log_err("setting document_key: must be 64 hex digits "
			    "(make one with: openssl rand -hex 32)");
			return CE_CONF;
		}
		have_document_key = true;
	}
	if (strcmp(conf.log_level, "debug") != 0 && strcmp(conf.log_level, "info") != 0 &&
	    strcmp(conf.log_level, "warn") != 0 && strcmp(conf.log_level, "error") != 0) {
		log_err("setting log_level: must be debug, info, warn or error");
		return CE_CONF;
	}
	return CE_OK;
}

enum cerr
conf_load(const char *path)
{
	char		 env[128];
	const char	*v;
	size_t		 i, j;
	enum cerr	 rc;

	for (i = 0; i < nitems(items); i++)
		if ((rc = set_item(&items[i], items[i].def)) != CE_OK)
			return rc;
	if (path == NULL)
		path = getenv("CLINIC_CONF");
	if (path != NULL && *path != '\0' && (rc = load_file(path)) != CE_OK)
		return rc;
	for (i = 0; i < nitems(items); i++) {
		(void)snprintf(env, sizeof(env), "CLINIC_%s", items[i].name);
		for (j = 7; env[j] != '\0'; j++)
			env[j] = (char)toupper((unsigned char)env[j]);
		if ((v = getenv(env)) != NULL && (rc = set_item(&items[i], v)) != CE_OK)
			return rc;
	}
	return check();
}

const unsigned char *
conf_secret_key(void)
{
	return have_secret_key ? secret_key : NULL;
}

const unsigned char *
conf_document_key(void)
{
	return have_document_key ? document_key : NULL;
}

bool
conf_insecure_cookies(void)
{
	return strcmp(conf.cookie_mode, "insecure-dev") == 0;
}
