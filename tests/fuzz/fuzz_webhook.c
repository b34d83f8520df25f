/*
 * libFuzzer target: a Standard Webhooks message as a receiver gets it. The
 * input's first three lines are the webhook-id, webhook-timestamp and
 * webhook-signature headers (a header whose line is absent is missing), the
 * rest is the raw body. webhook_verify must give the same verdict twice, a
 * verdict in range, never a library error, and OK only when the header
 * holds the very entry webhook_sign writes for that message. The first line
 * is also read as a "whsec_" secret: if it decodes, encoding the bytes must
 * give the line back.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "webhook.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

/* The Standard Webhooks test vector's secret and time, so its seed verifies. */
static const char	SECRET[] = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
static const int64_t	NOW = 1614265330;

/*
 * Takes the line at *p (up to '\n') as a new NUL-terminated string and moves
 * *p past it; NULL when no '\n' is left (the header is then missing).
 */
static char *
take_line(const uint8_t **p, size_t *left, int *oom)
{
	const uint8_t	*nl;
	size_t		 n;
	char		*s;

	if ((nl = memchr(*p, '\n', *left)) == NULL)
		return NULL;
	n = (size_t)(nl - *p);
	if ((s = malloc(n + 1)) == NULL) {
		*oom = 1;
		return NULL;
	}
	memcpy(s, *p, n);
	s[n] = '\0';
	*p += n + 1;
	*left -= n + 1;
	return s;
}

/* True when hdr has want as one of its space-separated entries. */
static int
has_entry(const char *hdr, const char *want)
{
	size_t		 wl = strlen(want), n;
	const char	*p = hdr;

	for (;;) {
		n = strcspn(p, " ");
		if (n == wl && memcmp(p, want, wl) == 0)
			return 1;
		if (p[n] == '\0')
			return 0;
		p += n + 1;
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static unsigned char	 key[WEBHOOK_SECRET_MAX];
	static size_t		 keylen;
	unsigned char		 raw[WEBHOOK_SECRET_MAX];
	char			*id, *ts = NULL, *sig = NULL, *end;
	char			 good[WEBHOOK_SIG_LEN], text[WEBHOOK_SECRET_TEXT_MAX];
	const uint8_t		*p = data;
	size_t			 left = size, rawlen;
	enum webhook_verdict	 v;
	long long		 t;
	int			 oom = 0;

	if (keylen == 0 && webhook_secret_decode(SECRET, key, &keylen) != CE_OK)
		abort();
	id = take_line(&p, &left, &oom);
	if (id != NULL)
		ts = take_line(&p, &left, &oom);
	if (ts != NULL)
		sig = take_line(&p, &left, &oom);
	if (oom)
		goto done;

	v = webhook_verify(key, keylen, id, ts, sig, p, left, NOW, WEBHOOK_TOLERANCE);
	if ((int)v < 0 || v >= WEBHOOK__MAX || v == WEBHOOK_ERROR)
		abort();
	if (webhook_verify(key, keylen, id, ts, sig, p, left, NOW, WEBHOOK_TOLERANCE) != v)
		abort();
	if ((id == NULL || ts == NULL || sig == NULL) != (v == WEBHOOK_MISSING))
		abort();
	if (v == WEBHOOK_OK) {
		t = strtoll(ts, &end, 10);
		if (*end != '\0' || webhook_sign(key, keylen, id, (int64_t)t, p, left,
		    good) != CE_OK || !has_entry(sig, good))
			abort();
	}

	if (id != NULL && webhook_secret_decode(id, raw, &rawlen) == CE_OK) {
		if (rawlen < WEBHOOK_SECRET_MIN || rawlen > WEBHOOK_SECRET_MAX ||
		    webhook_secret_encode(raw, rawlen, text) != CE_OK || strcmp(text, id) != 0)
			abort();
	}
done:
	free(id);
	free(ts);
	free(sig);
	return 0;
}
