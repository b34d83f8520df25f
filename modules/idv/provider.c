/* The provider's messages: see provider.h. */
#include <arpa/inet.h>
#include <string.h>
#include <strings.h>

#include <json-c/json.h>

#include "crypto.h"
#include "provider.h"
#include "req.h"

bool
idv_signature_make(const void *body, size_t len, const char *token, char out[65])
{
	unsigned char	mac[64];
	size_t		maclen = 0;

	if (token == NULL || crypto_hmac("SHA256", token, strlen(token), body != NULL ? body : "",
	    len, mac, &maclen) != CE_OK || maclen != SHA256_LEN)
		return false;
	hex_encode(mac, SHA256_LEN, out);
	return true;
}

bool
idv_signature_ok(const char *header, const void *body, size_t len, const char *token)
{
	unsigned char	want[64], got[SHA256_LEN];
	size_t		wantlen = 0;

	if (header == NULL || token == NULL || *token == '\0' || strlen(header) != 2 * SHA256_LEN ||
	    hex_decode(header, got, SHA256_LEN) != 0)
		return false;
	if (crypto_hmac("SHA256", token, strlen(token), body != NULL ? body : "", len, want,
	    &wantlen) != CE_OK || wantlen != SHA256_LEN)
		return false;
	return crypto_equal(want, got, SHA256_LEN);
}

bool
idv_id_ok(const char *id)
{
	size_t	i;
	char	c;

	if (id == NULL)
		return false;
	for (i = 0; (c = id[i]) != '\0'; i++)
		if (i >= IDV_ID_MAX || !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return false;
	return i > 0;
}

static const struct {
	const char	*run;
	const char	*ours;
} outcomes[] = {
	{ "approved", "clear" },
	{ "review", "consider" },
	{ "declined", "declined" },
	{ "abandoned", "failed" },
	{ "error", "failed" },
};

const char *
idv_outcome_of(const char *run_status)
{
	size_t	i;

	if (run_status == NULL)
		return NULL;
	for (i = 0; i < sizeof(outcomes) / sizeof(outcomes[0]); i++)
		if (strcmp(outcomes[i].run, run_status) == 0)
			return outcomes[i].ours;
	return NULL;
}

bool
idv_run_final(const char *run_status)
{
	return idv_outcome_of(run_status) != NULL;
}

/* Copies a string member of o into buf (cap bytes with NUL); absent is "". */
static int
member(struct json_object *o, const char *name, char *buf, size_t cap)
{
	struct json_object	*v;
	const char		*s;
	size_t			 n;

	buf[0] = '\0';
	if (!json_object_object_get_ex(o, name, &v) || v == NULL)
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return -1;
	s = json_object_get_string(v);
	n = (size_t)json_object_get_string_len(v);
	if (n >= cap || memchr(s, '\0', n) != NULL)
		return -1;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return 0;
}

int
idv_event_parse(const char *body, size_t len, struct idv_event *ev)
{
	struct json_object	*root, *payload, *object;
	const char		*why;
	int			 rc = -1;

	memset(ev, 0, sizeof(*ev));
	if (body == NULL || (root = req_parse_json(body, len, &why)) == NULL)
		return -1;
	if (!json_object_is_type(root, json_type_object) ||
	    !json_object_object_get_ex(root, "payload", &payload) ||
	    !json_object_is_type(payload, json_type_object))
		goto done;
	if (member(payload, "resource_type", ev->resource_type, sizeof(ev->resource_type)) != 0 ||
	    member(payload, "action", ev->action, sizeof(ev->action)) != 0)
		goto done;
	if (ev->resource_type[0] == '\0' || ev->action[0] == '\0')
		goto done;
	if (json_object_object_get_ex(payload, "object", &object) && object != NULL) {
		if (!json_object_is_type(object, json_type_object) ||
		    member(object, "id", ev->object_id, sizeof(ev->object_id)) != 0 ||
		    member(object, "status", ev->object_status, sizeof(ev->object_status)) != 0)
			goto done;
		if (ev->object_id[0] != '\0' && !idv_id_ok(ev->object_id))
			goto done;
	}
	rc = 0;
done:
	json_object_put(root);
	if (rc != 0)
		memset(ev, 0, sizeof(*ev));
	return rc;
}

bool
idv_link_ok(const char *url)
{
	size_t	i;

	if (url == NULL || (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0))
		return false;
	for (i = 0; url[i] != '\0'; i++)
		if (i >= 2048 || (unsigned char)url[i] <= ' ' || (unsigned char)url[i] >= 0x7f ||
		    url[i] == '"' || url[i] == '\'' || url[i] == '<' || url[i] == '>' ||
		    url[i] == '\\')
			return false;
	return i > 8;
}

bool
idv_base_url_ok(const char *url, bool *plain)
{
	const char	*host, *end;
	char		 h[64];
	unsigned char	 a4[4], a6[16];
	size_t		 i, n;

	*plain = false;
	if (url == NULL)
		return false;
	for (i = 0; url[i] != '\0'; i++)
		if (i >= 2000 || (unsigned char)url[i] <= ' ' || (unsigned char)url[i] >= 0x7f)
			return false;
	if (strncasecmp(url, "https://", 8) == 0)
		host = url + 8;
	else if (strncasecmp(url, "http://", 7) == 0)
		host = url + 7;
	else
		return false;
	end = host + strcspn(host, "/?#");
	if (memchr(host, '@', (size_t)(end - host)) != NULL || end == host)
		return false;	/* user info (or no host) */
	if (host == url + 8)
		return true;
	/* Plain http: the host (without the port) must be loopback. */
	if (*host == '[') {
		if ((end = memchr(host, ']', (size_t)(end - host))) == NULL)
			return false;
		host++;
	} else {
		const char *colon = memchr(host, ':', (size_t)(end - host));

		if (colon != NULL)
			end = colon;
	}
	if ((n = (size_t)(end - host)) == 0 || n >= sizeof(h))
		return false;
	memcpy(h, host, n);
	h[n] = '\0';
	if (strcasecmp(h, "localhost") == 0 ||
	    (inet_pton(AF_INET, h, a4) == 1 && a4[0] == 127) ||
	    (inet_pton(AF_INET6, h, a6) == 1 && memcmp(a6, &in6addr_loopback, 16) == 0)) {
		*plain = true;
		return true;
	}
	return false;
}
