/*
 * libFuzzer target: the canonical prescription document with every string
 * taken from the input (split at NUL bytes). Whatever the strings hold, the
 * text must parse as one JSON object whose strings read back exactly as
 * given (valid UTF-8 ones), and writing it twice must give the same bytes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "pool.h"
#include "rx.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pool	*p = pool_new();
	struct rx_doc	 d;
	const char	*s[8];
	char		*buf, *a, *b;
	size_t		 i, n = 0, la, lb, nch;
	json_object	*o, *v;

	if (p == NULL)
		return 0;
	if ((buf = pool_calloc(p, size + 1, 1)) == NULL) {
		pool_free(p);
		return 0;
	}
	memcpy(buf, data, size);
	s[n++] = buf;
	for (i = 0; i < size && n < 8; i++)
		if (buf[i] == '\0')
			s[n++] = buf + i + 1;
	while (n < 8)
		s[n++] = NULL;
	memset(&d, 0, sizeof(d));
	d.id = (int64_t)size;
	d.patient_name = s[0];
	d.dose = s[1];
	d.patient_address = s[2];
	d.justification = s[3];
	d.brand = s[4];
	d.quantity_words = s[5];
	d.prescriber_name = s[6];
	d.key_fingerprint = s[7];
	d.instalment_amount = size % 2 ? (int64_t)size : 0;
	a = rx_canon(p, &d, &la);
	b = rx_canon(p, &d, &lb);
	if (a == NULL || b == NULL || la != lb || memcmp(a, b, la) != 0)
		abort();
	if ((o = json_tokener_parse(a)) == NULL || !json_object_is_type(o, json_type_object))
		abort();
	if (s[1] != NULL && valid_utf8(s[1], strlen(s[1]), &nch)) {
		if (!json_object_object_get_ex(o, "dose", &v) ||
		    strcmp(json_object_get_string(v), s[1]) != 0)
			abort();
	}
	json_object_put(o);
	pool_free(p);
	return 0;
}
