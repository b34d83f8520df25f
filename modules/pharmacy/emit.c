/*
 * ph_emit: the pharmacy's messages to the clinic, as outbox rows
 * (pharmacy.h). dispatch delivers them (kind PH_CLINIC_KIND) to
 * pharmacy_events_url with Standard Webhooks headers.
 */
#include <json-c/json.h>

#include "outbox.h"
#include "pharmacy.h"

enum cerr
ph_emit(struct req *r, const char *type, const char *key, struct json_object *data)
{
	struct json_object	*o, *t = NULL;

	if ((o = json_object_new_object()) == NULL) {
		json_object_put(data);
		return CE_NOMEM;
	}
	if (json_object_object_add(o, "data", data) != 0) {
		json_object_put(data);
		json_object_put(o);
		return CE_NOMEM;
	}
	if ((t = json_object_new_string(type)) == NULL ||
	    json_object_object_add(o, "type", t) != 0) {
		json_object_put(t);
		json_object_put(o);
		return CE_NOMEM;
	}
	return outbox_put(r, PH_CLINIC_KIND, key, o);
}
