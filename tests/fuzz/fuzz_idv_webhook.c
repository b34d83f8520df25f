/*
 * libFuzzer target: a webhook as idv.fcgi receives it. The first line of the
 * input is taken as the X-SHA2-Signature header, the rest as the raw body:
 * the signature check must never accept what the key did not sign, and the
 * event reader must return 0 with ids fit for SQL and URLs, or -1 with
 * nothing filled.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "provider.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static const char	KEY[] = "fuzz-webhook-token";

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t		*nl = memchr(data, '\n', size);
	struct idv_event	 ev;
	char			*header, good[65];
	const char		*body;
	size_t			 hlen, blen;

	hlen = nl != NULL ? (size_t)(nl - data) : 0;
	body = (const char *)data + (nl != NULL ? hlen + 1 : 0);
	blen = size - (nl != NULL ? hlen + 1 : 0);
	if ((header = malloc(hlen + 1)) == NULL)
		return 0;
	memcpy(header, data, hlen);
	header[hlen] = '\0';
	if (idv_signature_ok(header, body, blen, KEY)) {
		/* Only the true MAC (in some case) is accepted. */
		if (!idv_signature_make(body, blen, KEY, good) || strlen(header) != 64 ||
		    strncasecmp(header, good, 64) != 0)
			abort();
	}
	if (idv_event_parse(body, blen, &ev) == 0) {
		if (ev.resource_type[0] == '\0' || ev.action[0] == '\0')
			abort();
		if (ev.object_id[0] != '\0' && !idv_id_ok(ev.object_id))
			abort();
	} else if (ev.object_id[0] != '\0' || ev.action[0] != '\0')
		abort();
	(void)idv_outcome_of(ev.object_status);
	free(header);
	return 0;
}
