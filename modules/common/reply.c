#include <stdio.h>
#include <string.h>

#include <fcgiapp.h>

#include <json-c/json.h>

#include "log.h"
#include "pool.h"
#include "reply.h"
#include "req.h"

int
reply_header(struct req *r, const char *name, const char *value)
{
	char	*h;

	if (strpbrk(value, "\r\n") != NULL)
		return -1;
	if ((h = pool_printf(r->pool, "%s%s: %s\r\n", r->headers != NULL ? r->headers : "",
	    name, value)) == NULL)
		return -1;
	r->headers = h;
	r->headers_len = strlen(h);
	return 0;
}

static int
set_body(struct req *r, int status, const char *ctype, const char *s, size_t len)
{
	r->status = status;
	if ((r->out = pool_strndup(r->pool, s, len)) == NULL) {
		r->status = 500;
		r->out = NULL;
		r->outlen = 0;
		return 500;
	}
	r->outlen = len;
	if (reply_header(r, "Content-Type", ctype) == -1)
		r->status = 500;
	return r->status;
}

int
reply_json(struct req *r, int status, struct json_object *obj)
{
	const char	*s;
	size_t		 len = 0;
	int		 rc;

	if (obj == NULL)
		return reply_internal(r, "reply_json: out of memory building the reply");
	s = json_object_to_json_string_length(obj, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	rc = s == NULL ? reply_internal(r, "reply_json: serialise failed") :
	    set_body(r, status, "application/json", s, len);
	json_object_put(obj);
	return rc;
}

int
reply_empty(struct req *r, int status)
{
	r->status = status;
	r->out = NULL;
	r->outlen = 0;
	return status;
}

static struct json_object *
problem(struct req *r, int status, const char *slug, const char *title,
    const char *detail)
{
	struct json_object	*o;
	char			*type;

	if ((o = json_object_new_object()) == NULL)
		return NULL;
	type = pool_printf(r->pool, "/docs/API.md#problem-%s", slug);
	if (type == NULL ||
	    json_object_object_add(o, "type", json_object_new_string(type)) != 0 ||
	    json_object_object_add(o, "title", json_object_new_string(title)) != 0 ||
	    json_object_object_add(o, "status", json_object_new_int(status)) != 0 ||
	    (detail != NULL && json_object_object_add(o, "detail",
	    json_object_new_string(detail)) != 0) ||
	    (r->request_id != NULL && json_object_object_add(o, "request_id",
	    json_object_new_string(r->request_id)) != 0)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

static int
send_problem(struct req *r, int status, struct json_object *o)
{
	const char	*s;
	size_t		 len = 0;
	int		 rc;

	if (o == NULL) {
		static const char	oom[] = "{\"type\":\"/docs/API.md#problem-internal\","
		    "\"title\":\"Internal error\",\"status\":500}";
		return set_body(r, 500, "application/problem+json", oom, sizeof(oom) - 1);
	}
	s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE, &len);
	rc = set_body(r, status, "application/problem+json", s, len);
	json_object_put(o);
	return rc;
}

int
reply_problem(struct req *r, int status, const char *slug, const char *title,
    const char *detail)
{
	return send_problem(r, status, problem(r, status, slug, title, detail));
}

int
reply_problem_with(struct req *r, int status, const char *slug, const char *title,
    const char *detail, struct json_object *extra)
{
	struct json_object	*o = problem(r, status, slug, title, detail);

	if (o != NULL && extra != NULL) {
		json_object_object_foreach(extra, key, val) {
			if (json_object_object_add(o, key, json_object_get(val)) != 0) {
				json_object_put(val);
				json_object_put(o);
				o = NULL;
				break;
			}
		}
	}
	json_object_put(extra);
	return send_problem(r, o == NULL ? 500 : status, o);
}

int
reply_invalid(struct req *r, int status, const struct verr *errs, size_t n)
{
	struct json_object	*o, *arr, *e;
	size_t			 i;

	o = problem(r, status, "validation", "Some fields need attention",
	    n == 1 ? pool_printf(r->pool, "%s %s", *errs[0].field ? errs[0].field :
	    "The request", errs[0].detail) : "Several fields need attention; see errors.");
	if (o == NULL || (arr = json_object_new_array()) == NULL) {
		json_object_put(o);
		return send_problem(r, 500, NULL);
	}
	json_object_object_add(o, "errors", arr);
	for (i = 0; i < n; i++) {
		if ((e = json_object_new_object()) == NULL ||
		    json_object_object_add(e, "field", json_object_new_string(errs[i].field)) != 0 ||
		    json_object_object_add(e, "detail", json_object_new_string(errs[i].detail)) != 0 ||
		    json_object_array_add(arr, e) != 0) {
			json_object_put(e);
			json_object_put(o);
			return send_problem(r, 500, NULL);
		}
	}
	return send_problem(r, status, o);
}

int
reply_field(struct req *r, int status, const char *field, const char *detail)
{
	struct verr	e = { field, detail };

	return reply_invalid(r, status, &e, 1);
}

int
reply_internal(struct req *r, const char *why)
{
	log_err("internal error: %s", why);
	return reply_problem(r, 500, "internal", "Something went wrong on our side",
	    "The request was not completed and nothing was changed. Quote the request id "
	    "if you contact support.");
}

void
reply_reset(struct req *r)
{
	r->status = 0;
	r->headers = NULL;
	r->headers_len = 0;
	r->out = NULL;
	r->outlen = 0;
	r->retry = false;
}

const char *
reply_reason(int status)
{
	switch (status) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 204: return "No Content";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 409: return "Conflict";
	case 411: return "Length Required";
	case 412: return "Precondition Failed";
	case 413: return "Content Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 423: return "Locked";
	case 460: return "Checksum Mismatch";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 503: return "Service Unavailable";
	default:  return "Status";
	}
}

int
reply_db(struct req *r, enum cerr rc)
{
	if (rc == CE_DEADLOCK) {
		r->retry = true;
		return reply_problem(r, 503, "busy", "The service is busy",
		    "Nothing was changed. Please try again in a moment.");
	}
	if (rc == CE_GONE)
		return reply_problem(r, 503, "unavailable", "The database is unavailable",
		    "Nothing was changed. Please try again in a moment.");
	return reply_internal(r, cerr_str(rc));
}

int
reply_write_head(struct req *r, long long content_length)
{
	FCGX_Request	*f = r->fcgi;
	char		 line[320];
	int		 n, bad = 0;

	if (f == NULL)
		return -1;
	n = snprintf(line, sizeof(line),
	    "Status: %d %s\r\n"
	    "Cache-Control: no-store\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "Content-Security-Policy: default-src 'none'; frame-ancestors 'none'\r\n"
	    "X-Request-Id: %s\r\n",
	    r->status, reply_reason(r->status), r->request_id != NULL ? r->request_id : "-");
	if (n > 0 && (size_t)n < sizeof(line))
		bad |= FCGX_PutStr(line, n, f->out) != n;
	else
		bad = 1;
	if (r->headers_len > 0)
		bad |= FCGX_PutStr(r->headers, (int)r->headers_len, f->out) != (int)r->headers_len;
	if (content_length >= 0) {
		n = snprintf(line, sizeof(line), "Content-Length: %lld\r\n", content_length);
		bad |= FCGX_PutStr(line, n, f->out) != n;
	}
	bad |= FCGX_PutStr("\r\n", 2, f->out) != 2;
	return bad ? -1 : 0;
}

int
reply_stream_begin(struct req *r, int status, long long content_length)
{
	r->status = status;
	r->out = NULL;
	r->outlen = 0;
	r->streamed = true;	/* even on failure: the head may be half written */
	if (reply_write_head(r, content_length) == -1)
		return -1;
	return status;
}

int
reply_stream_write(struct req *r, const void *buf, size_t n)
{
	FCGX_Request	*f = r->fcgi;
	size_t		 done = 0;
	int		 chunk;

	if (f == NULL || !r->streamed)
		return -1;
	if (strcmp(r->method, "HEAD") == 0)
		return 0;
	while (done < n) {
		chunk = n - done > 1 << 20 ? 1 << 20 : (int)(n - done);
		if (FCGX_PutStr((const char *)buf + done, chunk, f->out) != chunk)
			return -1;
		done += (size_t)chunk;
	}
	return 0;
}
