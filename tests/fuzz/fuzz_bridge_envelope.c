/*
 * libFuzzer target: a partner's message body through the envelope parser
 * (modules/bridge/in_msg.c), as POST /api/v1/bridge/events/{code} runs it
 * after the signature check. Whatever the bytes: no crash, no leak; either
 * problems are reported (each naming body, type, timestamp or data, with a
 * detail, and nothing left to free) or the type, timestamp and data are set
 * and obey the envelope's rules.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "in_msg.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bridge_msg	 m;
	struct verr		 errs[BRIDGE_ENV_ERRS];
	char			*buf;
	size_t			 n, i, tl;

	/* The receiver's body is NUL-terminated (pool copy): so is this one. */
	if ((buf = malloc(size + 1)) == NULL)
		return 0;
	memcpy(buf, data, size);
	buf[size] = '\0';
	n = bridge_msg_parse(size > 0 ? buf : NULL, size, &m, errs, BRIDGE_ENV_ERRS);
	if (n > 0) {
		if (m.root != NULL || m.type != NULL || m.data != NULL)
			abort();
		for (i = 0; i < n && i < BRIDGE_ENV_ERRS; i++)
			if (errs[i].field == NULL || errs[i].detail == NULL ||
			    (strcmp(errs[i].field, "body") != 0 && strcmp(errs[i].field, "type") != 0 &&
			    strcmp(errs[i].field, "timestamp") != 0 &&
			    strcmp(errs[i].field, "data") != 0))
				abort();
	} else {
		if (m.root == NULL || m.type == NULL || m.timestamp == NULL || m.data == NULL ||
		    !json_object_is_type(m.data, json_type_object))
			abort();
		tl = strlen(m.type);
		if (tl == 0 || tl > BRIDGE_TYPE_MAX || strchr(m.type, '.') == NULL ||
		    m.timestamp[strlen(m.timestamp) - 1] != 'Z')
			abort();
		json_object_put(m.root);
	}
	free(buf);
	return 0;
}
