#ifndef API_HTTP_H
#define API_HTTP_H
/*
 * A tiny HTTP client for the API tests. A "browser" is one libcurl easy
 * handle with its own cookie jar (so two browsers are two independent
 * sign-ins) and the last csrf_token it was given.
 */
#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

/* The session cookie's name on a development stack over plain http. */
#define SESSION_COOKIE	"clinic_session"

struct browser {
	void	*curl;		/* CURL * */
	char	 csrf[128];	/* last csrf_token seen in a reply ("" if none) */
};

struct resp {
	long		 status;
	char		*headers;	/* raw header block of the final response */
	char		*body;		/* NUL-terminated */
	size_t		 bodylen;
	json_object	*json;		/* parsed body, or NULL */
	double		 secs;		/* total time */
	char		 rid[80];	/* X-Request-Id ("" if none) */
	char		 method[16];
	char		 path[256];
};

/* Sets the base URL (e.g. http://127.0.0.1:18080). */
void		 http_init(const char *base);
const char	*http_base(void);

struct browser	*br_new(void);
void		 br_free(struct browser *);
/* The session cookie's value in b's jar, or NULL. Caller frees. */
char		*br_cookie(struct browser *);
/* Puts a session cookie with value into b's jar (replacing any). */
void		 br_set_cookie(struct browser *, const char *value);

/*
 * The general form. body may be NULL (no body); len is its length (so it may
 * hold NUL bytes). ctype NULL sends no Content-Type; csrf NULL sends no
 * X-CSRF-Token; extra is a NULL-terminated list of "Name: value" headers
 * or NULL. Never returns NULL: a transport failure gives status 0.
 * nginx's own rate-limit 429 (no request id) is waited out and retried: no
 * test is about it, and the app's 429 ("too-many-attempts") is returned as is.
 */
struct resp	*http_raw(struct browser *, const char *method, const char *path,
		    const char *body, size_t len, const char *ctype, const char *csrf,
		    const char *const *extra);
/*
 * The usual form: JSON body (or none), X-CSRF-Token from b->csrf on unsafe
 * methods when b has one. A csrf_token in the reply is remembered in b.
 */
struct resp	*api(struct browser *, const char *method, const char *path,
		    const char *body);
/* api() with a printf-formatted path. */
struct resp	*api_get(struct browser *, const char *fmt, ...)
		    __attribute__((format(printf, 2, 3)));
void		 resp_free(struct resp *);

/* The value of header name (case-insensitive; the last one), or NULL. Caller frees. */
char		*resp_header(const struct resp *, const char *name);
/* json path helpers: "user.role", "errors.0.field"; NULL when absent. */
json_object	*jget(json_object *, const char *path);
const char	*jstr(json_object *, const char *path);
long long	 jint(json_object *, const char *path);	/* -999999 when absent */
bool		 jbool(json_object *, const char *path);	/* false when absent */
bool		 jnull(json_object *, const char *path);	/* present and null */
/* True when the problem's errors[] names field. */
bool		 has_error_field(const struct resp *, const char *field);
/* True when type ends with "#problem-<slug>". */
bool		 problem_is(const struct resp *, const char *slug);
/* A one-line description for assertion messages (static buffer). */
const char	*rdesc(const struct resp *);

/* POST path with a JSON body (nginx's rate limit waited out, like every request). */
struct resp	*api_limited(struct browser *, const char *path, const char *body);
/* True for nginx's rate-limit 429 (no request id, title "Too many requests"). */
bool		 is_nginx_429(const struct resp *);

#endif
