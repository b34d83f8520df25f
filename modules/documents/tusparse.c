#include <string.h>

#include "crypto.h"
#include "pool.h"
#include "tusparse.h"

int
tus_decimal(const char *s, uint64_t max, uint64_t *out)
{
	uint64_t	v = 0;
	size_t		i;

	if (s == NULL || *s == '\0')
		return -1;
	for (i = 0; s[i] != '\0'; i++) {
		if (s[i] < '0' || s[i] > '9' || i >= 20)
			return -1;
		if (v > (UINT64_MAX - (uint64_t)(s[i] - '0')) / 10)
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
	}
	if (v > max)
		return -1;
	*out = v;
	return 0;
}

static bool
key_char(char c)
{
	return c > ' ' && c < 127 && c != ',';
}

int
tus_metadata(struct pool *p, const char *s, struct tus_meta **out)
{
	struct tus_meta	*m;
	const char	*k, *ke, *v, *ve;
	unsigned char	*buf;
	long		 dl;
	int		 n = 0, i;

	if (s == NULL)
		return -1;
	if ((m = pool_calloc(p, TUS_META_MAX, sizeof(*m))) == NULL)
		return -1;
	for (;;) {
		while (*s == ' ')
			s++;
		if (*s == '\0' && n == 0)
			break;		/* an empty header: no pairs */
		if (n == TUS_META_MAX)
			return -1;
		for (k = ke = s; key_char(*ke); ke++)
			;
		if (ke == k || ke - k > 64)
			return -1;
		v = ve = ke;
		if (*ke == ' ') {
			for (v = ke; *v == ' '; v++)
				;
			for (ve = v; *ve != '\0' && *ve != ',' && *ve != ' '; ve++)
				;
		}
		if ((size_t)(ve - v) > (TUS_META_VALUE_MAX + 2) / 3 * 4)
			return -1;
		if ((m[n].key = pool_strndup(p, k, (size_t)(ke - k))) == NULL)
			return -1;
		for (i = 0; i < n; i++)
			if (strcmp(m[i].key, m[n].key) == 0)
				return -1;
		if (ve > v) {
			if ((buf = pool_calloc(p, 1, (size_t)(ve - v) / 4 * 3 + 1)) == NULL)
				return -1;
			if ((dl = base64_decode(v, (size_t)(ve - v), buf, (size_t)(ve - v) / 4 * 3)) < 0 ||
			    dl > TUS_META_VALUE_MAX)
				return -1;
			m[n].value = (const char *)buf;
			m[n].len = (size_t)dl;
		}
		n++;
		for (s = ve; *s == ' '; s++)
			;
		if (*s == '\0')
			break;
		if (*s != ',')
			return -1;
		s++;
	}
	*out = m;
	return n;
}

const struct tus_meta *
tus_meta_get(const struct tus_meta *m, int n, const char *key)
{
	int	i;

	for (i = 0; i < n; i++)
		if (strcmp(m[i].key, key) == 0)
			return m[i].value != NULL ? &m[i] : NULL;
	return NULL;
}

enum tus_ck
tus_checksum(const char *s, unsigned char digest[20])
{
	const char	*sp;
	unsigned char	 buf[64];
	size_t		 alen, vlen;
	long		 n;

	if (s == NULL || (sp = strchr(s, ' ')) == NULL || sp == s)
		return TUS_CK_MALFORMED;
	alen = (size_t)(sp - s);
	vlen = strlen(sp + 1);
	if (vlen == 0 || alen > 32 || strchr(sp + 1, ' ') != NULL)
		return TUS_CK_MALFORMED;
	if (vlen > 4 * ((sizeof(buf) + 2) / 3) ||
	    (n = base64_decode(sp + 1, vlen, buf, sizeof(buf))) < 0)
		return TUS_CK_MALFORMED;
	if (alen != 4 || strncmp(s, "sha1", 4) != 0)
		return TUS_CK_UNSUPPORTED;
	if (n != 20)
		return TUS_CK_MALFORMED;
	memcpy(digest, buf, 20);
	return TUS_CK_OK;
}

/* Length of the UTF-8 sequence at s (at most left bytes), or 0 if invalid. */
static size_t
utf8_len(const unsigned char *s, size_t left)
{
	size_t		n, i;
	uint32_t	cp;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n > left)
		return 0;
	for (i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && (cp < 0x800 || (cp >= 0xd800 && cp <= 0xdfff))) ||
	    (n == 4 && (cp < 0x10000 || cp > 0x10ffff)))
		return 0;
	/* C1 controls, line/paragraph separators, bidi overrides */
	if (cp < 0xa0 || cp == 0x2028 || cp == 0x2029 || (cp >= 0x202a && cp <= 0x202e) ||
	    (cp >= 0x2066 && cp <= 0x2069))
		return 0;
	return n;
}

char *
tus_filename(struct pool *p, const char *name, size_t len)
{
	const unsigned char	*s = (const unsigned char *)name;
	size_t			 i, start = 0, n;

	if (name == NULL)
		return NULL;
	for (i = 0; i < len; i++)
		if (s[i] == '/' || s[i] == '\\')
			start = i + 1;
	while (start < len && s[start] == ' ')
		start++;
	while (len > start && s[len - 1] == ' ')
		len--;
	if (len == start || len - start > 255)
		return NULL;
	for (i = start; i < len; i += n) {
		if (s[i] < 0x20 || s[i] == 0x7f)
			return NULL;
		if ((n = utf8_len(s + i, len - i)) == 0)
			return NULL;
	}
	if (len - start == 1 && s[start] == '.')
		return NULL;
	if (len - start == 2 && s[start] == '.' && s[start + 1] == '.')
		return NULL;
	return pool_strndup(p, name + start, len - start);
}

char *
tus_disposition(struct pool *p, const char *name)
{
	static const char	 hex[] = "0123456789ABCDEF";
	const unsigned char	*s = (const unsigned char *)name;
	char			*ascii, *pct, *o;
	size_t			 i, n = strlen(name), ai = 0;

	if ((ascii = pool_calloc(p, 1, n + 1)) == NULL ||
	    (pct = pool_calloc(p, 3, n + 1)) == NULL)
		return NULL;
	o = pct;
	for (i = 0; i < n; i++) {
		/* The fallback gets one '_' per character, not per byte. */
		if (s[i] >= 0x80) {
			if ((s[i] & 0xc0) != 0x80)
				ascii[ai++] = '_';
		} else if (s[i] < 0x20 || s[i] == 0x7f || s[i] == '"' || s[i] == '\\' ||
		    s[i] == '%' || s[i] == ';')
			ascii[ai++] = '_';
		else
			ascii[ai++] = (char)s[i];
		/* RFC 8187 attr-char */
		if ((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || strchr("!#$&+-.^_`|~", s[i]) != NULL)
			*o++ = (char)s[i];
		else {
			*o++ = '%';
			*o++ = hex[s[i] >> 4];
			*o++ = hex[s[i] & 15];
		}
	}
	*o = '\0';
	ascii[ai] = '\0';
	return pool_printf(p, "attachment; filename=\"%s\"; filename*=UTF-8''%s",
	    ai > 0 ? ascii : "document", pct);
}
