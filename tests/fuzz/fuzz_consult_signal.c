/*
 * libFuzzer target: a signalling message as consult.fcgi receives it in the
 * body of POST .../signal/messages (any bytes). The first byte chooses the sender's role. sig_rewrite()
 * must either drop it (< 0, nothing allocated) or return a JSON object whose
 * type is one of the types, stamped with the server's from/from_id, and
 * never a clinician-only type from the patient.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "consult.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char		*out = NULL;
	const char	*type = NULL;
	json_object	*o, *v;
	bool		 clinician;
	int		 rc;

	if (size < 1)
		return 0;
	clinician = (data[0] & 1) != 0;
	rc = sig_rewrite((const char *)data + 1, size - 1, 4096, clinician, 77, &out, &type);
	if (rc < 0) {
		if (out != NULL || type != NULL)
			abort();
		return 0;
	}
	if (out == NULL || type == NULL || ((rc & SIG_CLINICIAN_ONLY) && !clinician))
		abort();
	if ((o = json_tokener_parse(out)) == NULL || !json_object_is_type(o, json_type_object))
		abort();
	if (!json_object_object_get_ex(o, "type", &v) || strcmp(json_object_get_string(v), type))
		abort();
	if (!json_object_object_get_ex(o, "from", &v) || strcmp(json_object_get_string(v),
	    clinician ? "clinician" : "patient") != 0)
		abort();
	if (!json_object_object_get_ex(o, "from_id", &v) || json_object_get_int64(v) != 77)
		abort();
	json_object_put(o);
	/* "As sent" only when what was sent carries exactly the server's stamp. */
	if (rc & SIG_AS_SENT) {
		{
			char		*copy = malloc(size);
			json_object	*in;

			if (copy == NULL)
				abort();
			memcpy(copy, data + 1, size - 1);
			copy[size - 1] = '\0';
			in = json_tokener_parse(copy);
			free(copy);
			if (in == NULL || !json_object_object_get_ex(in, "from_id", &v) ||
			    json_object_get_int64(v) != 77 ||
			    !json_object_object_get_ex(in, "from", &v) ||
			    strcmp(json_object_get_string(v), clinician ? "clinician" : "patient") != 0)
				abort();
			json_object_put(in);
		}
	}
	free(out);
	return 0;
}
