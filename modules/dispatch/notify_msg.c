/* Email and SMS requests from outbox payloads (see notify_msg.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "notify_msg.h"
#include "valid.h"

bool
notify_email_ok(const char *s)
{
	const char	*at = NULL, *p;
	size_t		 n;

	if (s == NULL || (n = strlen(s)) < 3 || n > 254)
		return false;
	for (p = s; *p != '\0'; p++) {
		if ((unsigned char)*p <= ' ' || (unsigned char)*p == 0x7f ||
		    strchr("<>\"(),;:\\[]", *p) != NULL)
			return false;
		if (*p == '@') {
			if (at != NULL)
				return false;
			at = p;
		}
	}
	return at != NULL && at > s && at[1] != '\0' && at[1] != '.' &&
	    strchr(at + 1, '.') != NULL && s[n - 1] != '.';
}

bool
notify_phone_e164(const char *s, const char *country, char *out, size_t outsz)
{
	char		 d[40];
	size_t		 n = 0, i, start = 0;
	bool		 plus = false;
	const char	*p;

	if (outsz > 0)
		*out = '\0';
	if (s == NULL || outsz < 17)
		return false;
	for (p = s; *p != '\0'; p++) {
		if (plus && n > 0 && strncmp(p, "(0)", 3) == 0) {
			/* "+44 (0)20 ...": the national trunk 0 is not dialled */
			p += 2;
			continue;
		}
		if (*p >= '0' && *p <= '9') {
			if (n >= sizeof(d) - 1)
				return false;
			d[n++] = *p;
		} else if (*p == '+' && n == 0 && !plus)
			plus = true;
		else if (*p != ' ' && *p != '-' && *p != '.' && *p != '(' && *p != ')')
			return false;
	}
	d[n] = '\0';
	if (!plus) {
		if (n > 2 && d[0] == '0' && d[1] == '0')
			start = 2;
		else if (n > 1 && d[0] == '0' && d[1] != '0' && country != NULL && *country != '\0') {
			/* national: the country code in place of the leading 0 */
			for (i = 0; country[i] != '\0'; i++)
				if (country[i] < '0' || country[i] > '9' || i >= 4)
					return false;
			if (i + n - 1 < 7 || i + n - 1 > 15)
				return false;
			(void)snprintf(out, outsz, "+%s%s", country, d + 1);
			return true;
		} else
			return false;
	}
	if (n - start < 7 || n - start > 15 || d[start] == '0')
		return false;
	(void)snprintf(out, outsz, "+%s", d + start);
	return true;
}

static bool
has_break(const char *s)
{
	return strpbrk(s, "\r\n") != NULL;
}

static bool
fail(char *why, size_t whysz, const char *what)
{
	(void)snprintf(why, whysz, "%s", what);
	return false;
}

struct json_object *
notify_email_request(struct json_object *payload, const char *from, char *why, size_t whysz)
{
	struct json_object	*b, *pers, *one, *to, *addr, *fr, *content, *c;
	const char		*rcpt = valid_str_member(payload, "to");
	const char		*subject = valid_str_member(payload, "subject");
	const char		*text = valid_str_member(payload, "text");
	bool			 ok = false;

	if (!notify_email_ok(rcpt))
		(void)fail(why, whysz, "the payload's to is not an email address");
	else if (subject == NULL || *subject == '\0' || strlen(subject) > NOTIFY_SUBJECT_MAX ||
	    has_break(subject))
		(void)fail(why, whysz, "the payload's subject is missing, too long or has a line break");
	else if (text == NULL || *text == '\0' || strlen(text) > NOTIFY_EMAIL_TEXT_MAX)
		(void)fail(why, whysz, "the payload's text is missing or too long");
	else if (!notify_email_ok(from))
		(void)fail(why, whysz, "notify_email_from is not an email address");
	else
		ok = true;
	if (!ok)
		return NULL;
	b = json_object_new_object();
	pers = json_object_new_array();
	one = json_object_new_object();
	to = json_object_new_array();
	addr = json_object_new_object();
	fr = json_object_new_object();
	content = json_object_new_array();
	c = json_object_new_object();
	if (b == NULL || pers == NULL || one == NULL || to == NULL || addr == NULL || fr == NULL ||
	    content == NULL || c == NULL)
		goto nomem;
	if (json_object_object_add(addr, "email", json_object_new_string(rcpt)) != 0 ||
	    json_object_array_add(to, addr) != 0)
		goto nomem;
	addr = NULL;
	if (json_object_object_add(one, "to", to) != 0)
		goto nomem;
	to = NULL;
	if (json_object_array_add(pers, one) != 0)
		goto nomem;
	one = NULL;
	if (json_object_object_add(b, "personalizations", pers) != 0)
		goto nomem;
	pers = NULL;
	if (json_object_object_add(fr, "email", json_object_new_string(from)) != 0 ||
	    json_object_object_add(b, "from", fr) != 0)
		goto nomem;
	fr = NULL;
	if (json_object_object_add(b, "subject", json_object_new_string(subject)) != 0 ||
	    json_object_object_add(c, "type", json_object_new_string("text/plain")) != 0 ||
	    json_object_object_add(c, "value", json_object_new_string(text)) != 0 ||
	    json_object_array_add(content, c) != 0)
		goto nomem;
	c = NULL;
	if (json_object_object_add(b, "content", content) != 0)
		goto nomem;
	return b;
nomem:
	json_object_put(b);
	json_object_put(pers);
	json_object_put(one);
	json_object_put(to);
	json_object_put(addr);
	json_object_put(fr);
	json_object_put(content);
	json_object_put(c);
	(void)fail(why, whysz, "out of memory");
	return NULL;
}

int
notify_form_add(char **buf, size_t *len, const char *name, const char *value)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const char		*parts[2] = { name, value };
	/* "&" (when not first), name, "=", value, NUL: each byte at most 3 once encoded. */
	size_t			 need = *len + 3, i, k, n = *len;
	char			*p;
	unsigned char		 ch;

	for (k = 0; k < 2; k++)
		need += strlen(parts[k]) * 3;
	if ((p = realloc(*buf, need)) == NULL)
		return -1;
	*buf = p;
	if (n > 0)
		p[n++] = '&';
	for (k = 0; k < 2; k++) {
		if (k == 1)
			p[n++] = '=';
		for (i = 0; parts[k][i] != '\0'; i++) {
			ch = (unsigned char)parts[k][i];
			if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') ||
			    (ch >= '0' && ch <= '9') || ch == '*' || ch == '-' || ch == '.' || ch == '_')
				p[n++] = (char)ch;
			else if (ch == ' ')
				p[n++] = '+';
			else {
				p[n++] = '%';
				p[n++] = hex[ch >> 4];
				p[n++] = hex[ch & 15];
			}
		}
	}
	p[n] = '\0';
	*len = n;
	return 0;
}

char *
notify_sms_form(struct json_object *payload, const char *from, const char *country, char *why,
    size_t whysz)
{
	const char	*text = valid_str_member(payload, "text");
	char		 to[24], *buf = NULL;
	size_t		 len = 0;

	if (!notify_phone_e164(valid_str_member(payload, "to"), country, to, sizeof(to))) {
		(void)fail(why, whysz, "the payload's to is not a phone number");
		return NULL;
	}
	if (text == NULL || *text == '\0' || strlen(text) > NOTIFY_SMS_TEXT_MAX) {
		(void)fail(why, whysz, "the payload's text is missing or too long");
		return NULL;
	}
	if (from == NULL || *from == '\0' || strlen(from) > 32) {
		(void)fail(why, whysz, "notify_sms_from is not set (or over 32 bytes)");
		return NULL;
	}
	if (notify_form_add(&buf, &len, "To", to) == -1 ||
	    notify_form_add(&buf, &len, "From", from) == -1 ||
	    notify_form_add(&buf, &len, "Body", text) == -1) {
		free(buf);
		(void)fail(why, whysz, "out of memory");
		return NULL;
	}
	return buf;
}

bool
notify_about(struct json_object *payload, long long *id, const char **starts_at)
{
	struct json_object	*v;
	const char		*s = valid_str_member(payload, "starts_at"), *d;
	long long		 n = 0;

	if (s == NULL || strlen(s) > 40 || !json_object_object_get_ex(payload, "appointment_id", &v))
		return false;
	if (json_object_is_type(v, json_type_int))
		n = (long long)json_object_get_int64(v);
	else if (json_object_is_type(v, json_type_string)) {
		/* digits only, as an id may be sent as text */
		for (d = json_object_get_string(v); *d >= '0' && *d <= '9' && n < 100000000000000LL; d++)
			n = n * 10 + (*d - '0');
		if (*d != '\0' || d == json_object_get_string(v))
			return false;
	}
	if (n <= 0)
		return false;
	*id = n;
	*starts_at = s;
	return true;
}

bool
notify_int(struct json_object *payload, const char *name, long long *out)
{
	struct json_object	*v;
	int64_t			 n;

	if (payload == NULL || !json_object_object_get_ex(payload, name, &v) ||
	    !json_object_is_type(v, json_type_int))
		return false;
	if ((n = json_object_get_int64(v)) < 0)
		return false;
	*out = (long long)n;
	return true;
}

bool
notify_cancel_key(const char *key)
{
	const char	*p;

	if (key == NULL || strncmp(key, "appt-", 5) != 0)
		return false;
	for (p = key + 5; *p >= '0' && *p <= '9'; p++)
		;
	return p > key + 5 && strncmp(p, "-cancel-", 8) == 0;
}

bool
notify_same_instant(const char *db, const char *payload)
{
	const char	*rest;

	if (db == NULL || payload == NULL || strlen(db) < 19 || strlen(payload) < 20 ||
	    strncmp(db, payload, 19) != 0)
		return false;
	rest = payload + 19;
	if (*rest == '.') {
		/* fractional seconds: only zeros */
		for (rest++; *rest == '0'; rest++)
			;
	}
	return strcmp(rest, "Z") == 0 || strcmp(rest, "+00:00") == 0;
}

bool
notify_basic_auth(const char *user, const char *pass, char *out, size_t outsz)
{
	static const char	 b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t			 ul = strlen(user), pl = strlen(pass), n = ul + 1 + pl, i, o = 6;
	unsigned char		 in[3];
	unsigned		 v;
	size_t			 k, got;

	if (strchr(user, ':') != NULL || outsz < 6 + 4 * ((n + 2) / 3) + 1)
		return false;
	memcpy(out, "Basic ", 6);
	for (i = 0; i < n; i += 3) {
		for (k = 0, got = 0; k < 3; k++) {
			size_t	at = i + k;

			in[k] = 0;
			if (at < n) {
				in[k] = (unsigned char)(at < ul ? user[at] : at == ul ? ':' :
				    pass[at - ul - 1]);
				got++;
			}
		}
		v = (unsigned)in[0] << 16 | (unsigned)in[1] << 8 | in[2];
		out[o++] = b64[v >> 18 & 63];
		out[o++] = b64[v >> 12 & 63];
		out[o++] = got > 1 ? b64[v >> 6 & 63] : '=';
		out[o++] = got > 2 ? b64[v & 63] : '=';
	}
	out[o] = '\0';
	return true;
}
