#ifndef API_HELPERS_H
#define API_HELPERS_H
/* Shared set-up for the API tests: environment, accounts, TOTP, audit look-ups. */
#include <stdbool.h>
#include <stdint.h>

#include <check.h>

#include "http.h"
#include "sql.h"

/* A password that passes the policy (and variants of it). */
#define GOOD_PW		"tulip-granite-orbit-7391"
#define GOOD_PW2	"copper-lagoon-violet-5528"

struct env {
	const char	*url, *socket, *conf, *clinic, *demo;
	char		 app_user[64], app_password[128];
};
extern struct env	E;

struct account {
	char	email[128], password[64], totp[64];
};
/* From sql/demo.json. */
extern struct account	demo_patient, demo_clinician, demo_auditor, demo_admin;

/* The signed-in, second-factor-passed demo auditor's session (main.c set-up). */
extern char	auditor_cookie[128];

struct user {
	int64_t		 id;
	char		 email[160];
	char		 password[64];
	char		 rid[80];	/* X-Request-Id of the registration */
	struct browser	*b;	/* signed in (the register or login session) */
};

/* Reads the environment and sql/demo.json; false (with a message) if unusable. */
bool		 env_load(void);
/* Signs the demo auditor in with a fresh authenticator set-up. */
bool		 setup_auditor(void);

/* A new unique address: api-<time>-<pid>-<n>-<tag>@test.example. */
void		 unique_email(char *buf, size_t cap, const char *tag);
/* Registers a fresh patient (asserts 201); u->b is its signed-in browser. */
void		 user_register(struct user *u, const char *tag);
void		 user_free(struct user *u);
/* POST /auth/login (waiting out nginx's rate limit). */
struct resp	*login(struct browser *, const char *email, const char *password);
/* A register body for email. */
char		*register_body(const char *email, const char *password, const char *given);

/* The 6-digit TOTP code of a base32 secret for time step `step`. */
void		 totp_at(const char *b32, uint64_t step, char out[7]);
uint64_t	 totp_step_now(void);

/* A browser holding the auditor's session. */
struct browser	*auditor(void);
/* GET /api/v1/audit/events?<query> as the auditor; asserts 200. */
struct resp	*audit_events(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Number of events for a query (limit=500). */
int		 audit_count(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * Asserts that exactly one audit row carries request id rid, with this action
 * and outcome (root SQL).
 */
void		 expect_one_audit(const struct resp *, const char *action, const char *outcome);

/* Runs the clinic CLI with CLINIC_CONF set; returns the exit status, output in out. */
int		 run_clinic(char *out, size_t cap, const char *const argv[]);
/* clinic create-user; returns the new id (asserts success). */
int64_t		 cli_create_user(const char *role, const char *email, const char *password,
		    const char *extra_flag, const char *extra_value);

/*
 * A new staff account of role (clinician with a GMC number, pharmacist with a
 * GPhC number, admin, auditor) made with the CLI, signed in with a fresh
 * authenticator; *id (if not NULL) is its user id. Asserts every step.
 */
struct browser	*staff_new(const char *role, int64_t *id);

/*
 * A new clinician (GMC number 7000001, or 7000002 with specialist: on the
 * specialist register) signed in with a fresh authenticator whose base32
 * secret is copied to secret (may be NULL; 40 bytes) for step-up codes
 * (totp_at(secret, totp_step_now() + 1, code): the enrolment used the
 * current step). *id (may be NULL) is its user id. Asserts every step.
 */
struct browser	*clinician_new(bool specialist, int64_t *id, char secret[40]);
/* Records patient_id's identity as verified (a clear check), as root. */
void		 patient_verified(int64_t patient_id);

/* api() with a printf-formatted body (at most 8 KiB; asserts it fits). */
struct resp	*apif(struct browser *, const char *method, const char *path, const char *fmt, ...)
		    __attribute__((format(printf, 4, 5)));

/* Common assertions on every error reply. */
void		 expect_problem(const struct resp *, long status, const char *slug);
/* Every API reply: Cache-Control no-store and an X-Request-Id. */
void		 expect_api_headers(const struct resp *);

/* Checked fixture: forget failed sign-ins so tests do not throttle each other. */
void		 fx_clear_throttle(void);
double		 now_secs(void);

Suite		*auth_suite(void);
Suite		*audit_suite(void);
Suite		*input_suite(void);
Suite		*cli_suite(void);
Suite		*tls_suite(void);
Suite		*patients_suite(void);
Suite		*intake_suite(void);
Suite		*documents_suite(void);
Suite		*idv_suite(void);
Suite		*appointments_suite(void);
Suite		*consult_suite(void);
Suite		*plans_suite(void);
Suite		*prescriptions_suite(void);
Suite		*notify_suite(void);
Suite		*isolation_suite(void);
Suite		*bridge_suite(void);
Suite		*pipeline_suite(void);
Suite		*pharmacy_suite(void);
Suite		*courier_suite(void);
Suite		*nothing_lost_suite(void);

/*
 * A call to a local stand-in's test API (the identity provider's or the
 * email/SMS one): method, base URL + path, JSON body or NULL. Asserts a 200
 * JSON answer and returns it parsed (caller puts).
 */
json_object	*standin_call(const char *base, const char *method, const char *path,
		    const char *body);

/*
 * One "name = value" setting of the stack's clinic.conf (CLINIC_TEST_CONF)
 * into out, "" when absent; fails the test when the file cannot be read or
 * the value does not fit in cap. conf_need() also fails it when absent.
 */
void		 conf_setting(const char *name, char *out, size_t cap);
/*
 * An active treatment plan ('Chronic pain', version 1) for patient, written
 * as root, authored by author: one item, product at 1000 a day and 30000 in
 * 30 days, THC at most 300 mg a day, review 2099-01-01. Returns its id.
 */
int64_t		 plan_one_product(int64_t patient, int64_t product, int64_t author);
void		 conf_need(const char *name, char *out, size_t cap);
/* A new temporary file holding text and a newline; its path (heap: unlink and free it). */
char		*temp_file(const char *text);

/*
 * POSTs body (application/json) to path from a fresh browser with the
 * webhook-id, webhook-timestamp and webhook-signature headers given (any
 * may be NULL: left out). Returns the answer (caller frees with resp_free).
 */
struct resp	*webhook_post_raw(const char *path, const char *id, const char *ts,
		    const char *sig, const char *body);
/* The same, signed (webhook_sign) under secret (a whsec_ text) at Unix time ts. */
struct resp	*webhook_post_signed(const char *path, const char *secret, const char *id,
		    int64_t ts, const char *body);

#endif
