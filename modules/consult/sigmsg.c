/*
 * Signalling messages: what a participant may send and what is published
 * (pure: unit-tested and fuzzed). The rules are docs/API.md#consult.
 */
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "consult.h"
#include "req.h"

static const struct {
	const char	*type;
	int		 flags;
} types[] = {
	{ "hello", SIG_OK },
	{ "admitted", SIG_OK | SIG_CLINICIAN_ONLY },
	{ "description", SIG_OK | SIG_NEEDS_ADMISSION },
	{ "candidate", SIG_OK | SIG_NEEDS_ADMISSION },
	{ "media", SIG_OK },
	{ "bye", SIG_OK },
	{ "ended", SIG_OK | SIG_CLINICIAN_ONLY },
};

static bool
is_string(struct json_object *o, const char *key)
{
	struct json_object	*v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string);
}

/* The payload each type must carry (other members pass through as sent). */
static bool
shape_ok(const char *type, struct json_object *msg)
{
	struct json_object	*v;
	const char		*keys[] = { "audio", "video", "screen" };
	size_t			 i;

	if (strcmp(type, "description") == 0) {
		/* {description: {type: "offer"|"answer"|..., sdp: "..."}} */
		return json_object_object_get_ex(msg, "description", &v) &&
		    json_object_is_type(v, json_type_object) && is_string(v, "type") &&
		    is_string(v, "sdp");
	}
	if (strcmp(type, "candidate") == 0) {
		/* {candidate: {candidate: "...", ...}} or {candidate: null} (end of candidates) */
		if (!json_object_object_get_ex(msg, "candidate", &v))
			return false;
		return v == NULL || (json_object_is_type(v, json_type_object) &&
		    is_string(v, "candidate"));
	}
	if (strcmp(type, "media") == 0) {
		for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
			if (json_object_object_get_ex(msg, keys[i], &v) &&
			    !json_object_is_type(v, json_type_boolean))
				return false;
		return true;
	}
	return true;
}

/* True when the client stamped msg itself exactly as the server would. */
static bool
stamped(struct json_object *msg, bool clinician, int64_t user_id)
{
	struct json_object	*v;

	return json_object_object_get_ex(msg, "from", &v) &&
	    json_object_is_type(v, json_type_string) &&
	    strcmp(json_object_get_string(v), clinician ? "clinician" : "patient") == 0 &&
	    json_object_object_get_ex(msg, "from_id", &v) && json_object_is_type(v, json_type_int) &&
	    json_object_get_int64(v) == user_id;
}

int
sig_rewrite(const char *msg, size_t len, size_t max_bytes, bool clinician, int64_t user_id,
    char **out, const char **typep)
{
	struct json_object	*in, *o, *t;
	const char		*why, *type, *s;
	size_t			 i, slen;
	int			 flags = 0;

	*out = NULL;
	if (typep != NULL)
		*typep = NULL;
	if (msg == NULL || len == 0 || len > max_bytes)
		return SIG_DROP_SIZE;
	if ((in = req_parse_json(msg, len, &why)) == NULL)
		return SIG_DROP_JSON;
	if (!json_object_is_type(in, json_type_object)) {
		json_object_put(in);
		return SIG_DROP_JSON;
	}
	if (!json_object_object_get_ex(in, "type", &t) || !json_object_is_type(t, json_type_string)) {
		json_object_put(in);
		return SIG_DROP_TYPE;
	}
	type = json_object_get_string(t);
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcmp(types[i].type, type) == 0) {
			flags = types[i].flags;
			type = types[i].type;	/* static from here on */
			break;
		}
	if (flags == 0) {
		json_object_put(in);
		return SIG_DROP_TYPE;
	}
	if ((flags & SIG_CLINICIAN_ONLY) && !clinician) {
		json_object_put(in);
		return SIG_DROP_ROLE;
	}
	if (!shape_ok(type, in)) {
		json_object_put(in);
		return SIG_DROP_SHAPE;
	}
	if (stamped(in, clinician, user_id))
		flags |= SIG_AS_SENT;
	if ((o = json_object_new_object()) == NULL) {
		json_object_put(in);
		return SIG_DROP_NOMEM;
	}
	json_object_object_add(o, "type", json_object_new_string(type));
	json_object_object_add(o, "from", json_object_new_string(clinician ? "clinician" : "patient"));
	json_object_object_add(o, "from_id", json_object_new_int64(user_id));
	{
		json_object_object_foreach(in, key, val) {
			if (strcmp(key, "type") == 0 || strcmp(key, "from") == 0 ||
			    strcmp(key, "from_id") == 0)
				continue;
			json_object_object_add(o, key, json_object_get(val));
		}
	}
	s = json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN |
	    JSON_C_TO_STRING_NOSLASHESCAPE, &slen);
	if (s == NULL || (*out = malloc(slen + 1)) == NULL) {
		json_object_put(o);
		json_object_put(in);
		return SIG_DROP_NOMEM;
	}
	memcpy(*out, s, slen + 1);
	json_object_put(o);
	json_object_put(in);
	if (typep != NULL)
		*typep = type;
	return flags;
}
