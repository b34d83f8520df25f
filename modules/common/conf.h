#ifndef CLINIC_CONF_H
#define CLINIC_CONF_H
/*
 * Configuration: defaults, then the file named by $CLINIC_CONF (or the path
 * given to conf_load), then environment variables CLINIC_<NAME> in upper case.
 * Every setting is validated at start-up; a bad one stops the program.
 * conf/clinic.conf.sample documents each setting.
 */
#include <stdbool.h>

#include "err.h"

struct conf {
	/* database */
	char	*db_socket;
	char	*db_host;
	long	 db_port;
	char	*db_name;
	char	*db_user;
	char	*db_password;
	/* sessions */
	long	 session_idle_seconds;
	long	 session_absolute_seconds;
	long	 session_touch_seconds;
	char	*cookie_mode;		/* "secure" or "insecure-dev" */
	/* passwords */
	long	 scrypt_log_n;
	long	 scrypt_r;
	long	 scrypt_p;
	long	 password_min_length;
	char	*password_list;
	/* login throttling */
	long	 login_backoff_after;		/* failures per account before a wait */
	long	 login_backoff_after_address;	/* failures per client address */
	long	 login_backoff_base_seconds;	/* first wait; doubles per failure */
	long	 login_backoff_max_seconds;
	long	 login_backoff_window_seconds;	/* failures older than this are forgotten */
	/* MFA */
	char	*totp_issuer;
	char	*secret_key;		/* 64 hex digits; see conf_secret_key() */
	/* requests */
	long	 max_body_bytes;
	/* documents (modules/documents) */
	char	*upload_dir;		/* outside the web root; encrypted files */
	long	 upload_max_bytes;	/* largest one document */
	long	 upload_quota_bytes;	/* all of one patient's documents */
	char	*document_key;		/* 64 hex digits; wraps per-file data keys */
	/* identity verification (modules/idv, modules/dispatch) */
	char	*idv_base_url;		/* the provider's API, e.g. https://api.eu.onfido.com/v3.6 */
	char	*idv_api_token;
	char	*idv_webhook_token;	/* HMAC key of X-SHA2-Signature */
	char	*idv_workflow_id;
	long	 idv_required_for_booking;	/* 0 or 1 */
	/* outbox delivery (modules/dispatch) */
	long	 dispatch_poll_ms;
	long	 dispatch_timeout_seconds;
	long	 dispatch_max_attempts;
	long	 dispatch_backoff_base_ms;
	long	 dispatch_backoff_max_ms;
	long	 outbox_keep_days;	/* `clinic purge` removes ended messages older than this */
	/* appointments (modules/appointments) */
	char	*clinic_timezone;		/* IANA zone shown to people, e.g. Europe/London */
	long	 booking_horizon_days;		/* how far ahead slots are offered */
	long	 booking_min_notice_minutes;	/* no slot closer than this to now */
	long	 cancel_notice_hours;		/* patients cancel/reschedule at least this early */
	long	 reminder_hours_before;		/* the reminder's lead time */
	char	*portal_url;			/* links in messages, e.g. https://clinic.example */
	/* email and SMS (modules/dispatch notify kinds) */
	char	*notify_email_url;		/* SendGrid v3 shape: base URL, e.g. https://api.sendgrid.com */
	char	*notify_email_token;		/* Bearer API key */
	char	*notify_email_from;
	char	*notify_sms_url;		/* Twilio shape: base URL, e.g. https://api.twilio.com */
	char	*notify_sms_account;		/* Account SID */
	char	*notify_sms_token;		/* Auth token (HTTP Basic with the SID) */
	char	*notify_sms_from;
	/* consultations (modules/consult) */
	long	 consult_open_before_minutes;	/* the room opens this long before the start */
	long	 consult_close_after_minutes;	/* and closes this long after the end */
	char	*turn_secret;			/* coturn static-auth-secret (REST API) */
	char	*turn_urls;			/* comma-separated turn:/turns:/stun: URLs */
	long	 turn_ttl_seconds;		/* lifetime of minted TURN credentials */
	long	 signal_max_bytes;		/* largest signalling message */
	long	 signal_rate_per_10s;		/* signalling messages per user per 10 s */
	char	*signal_publish_socket;		/* nginx's internal nchan publisher (unix socket) */
	/* prescribing (modules/prescriptions) */
	char	*clinic_name;			/* on prescriptions: the prescriber's practice */
	char	*clinic_address;		/* its address, one line, commas between parts */
	long	 prescription_validity_days;	/* a signed prescription is valid this long (28) */
	long	 prescription_max_days;		/* days' treatment without a justification (30) */
	long	 prescription_paper_original;	/* 1: the pharmacy needs the paper original */
	/* the pharmacy bridge, clinic side (partners are in pharmacy_partner) */
	long	 bridge_low_stock_packs;	/* low: fewer than this many packs available */
	/* the pharmacy side (modules/pharmacy): this pharmacy and the clinic it serves */
	char	*pharmacy_name;
	char	*pharmacy_clinic_url;		/* the clinic's base URL (prescribers' keys) */
	char	*pharmacy_events_url;		/* where our messages to the clinic go */
	char	*pharmacy_clinic_secret_in;	/* whsec_: checks the clinic's messages */
	char	*pharmacy_clinic_secret_out;	/* whsec_: signs our messages to the clinic */
	long	 pharmacy_snapshot_minutes;	/* a full stock snapshot this often */
	char	*courier_url;			/* the courier's API base URL */
	char	*courier_api_key;		/* Bearer key for it */
	char	*courier_webhook_secret;	/* whsec_: checks its tracking webhooks */
	/* misc */
	char	*sql_dir;
	char	*log_level;
	char	*log_file;		/* empty: stderr */
	long	 workers;		/* processes per program (prefork) */
};

/* The process-wide configuration; valid after conf_load() returned CE_OK. */
extern struct conf	conf;

/*
 * Loads defaults, then path (if NULL: $CLINIC_CONF, if unset: only defaults
 * and environment), then the environment. On error, logs what is wrong and
 * returns CE_CONF or CE_IO. Strings are heap-owned by conf for the life of
 * the process.
 */
enum cerr	conf_load(const char *path);
/* Sets one setting by name from text. Returns CE_OK or CE_CONF. */
enum cerr	conf_set(const char *name, const char *value);
/*
 * The 32-byte key that seals secrets kept in the database (second-factor
 * secrets), from the secret_key setting; NULL when it is not set.
 */
const unsigned char *conf_secret_key(void);
/*
 * The 32-byte master key that wraps each document's data key, from the
 * document_key setting; NULL when it is not set.
 */
const unsigned char *conf_document_key(void);
/* True when cookies may go over plain http (development on loopback only). */
bool		conf_insecure_cookies(void);

#endif
