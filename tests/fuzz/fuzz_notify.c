/*
 * libFuzzer target: an outbox payload as the dispatcher's notify kinds read
 * it (modules/dispatch/notify_msg.c). Whatever the payload, the SendGrid body
 * carries exactly the payload's address, and only when it is one; the
 * Twilio form has only form-safe bytes and an E.164 number; the key and
 * instant readers never read past their input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "notify_msg.h"
#include "valid.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_object	*p, *b, *v;
	char			*text, *form, why[300], e164[24];
	const char		*to, *s, *at;
	long long		 id;
	size_t			 i;

	if ((text = malloc(size + 1)) == NULL)
		return 0;
	memcpy(text, data, size);
	text[size] = '\0';
	(void)notify_cancel_key(text);
	(void)notify_same_instant(text, "2026-03-29T08:00:00Z");
	(void)notify_same_instant("2026-03-29T08:00:00", text);
	if (notify_phone_e164(text, "44", e164, sizeof(e164)) &&
	    (e164[0] != '+' || strlen(e164) < 8 || strlen(e164) > 16 ||
	    strspn(e164 + 1, "0123456789") != strlen(e164) - 1))
		abort();
	p = json_tokener_parse(text);
	free(text);
	if (p == NULL)
		return 0;
	if (json_object_is_type(p, json_type_object)) {
		to = valid_str_member(p, "to");
		if ((b = notify_email_request(p, "clinic@example.org", why, sizeof(why))) != NULL) {
			if (!notify_email_ok(to) ||
			    !json_object_object_get_ex(b, "personalizations", &v) ||
			    (v = json_object_array_get_idx(v, 0)) == NULL ||
			    !json_object_object_get_ex(v, "to", &v) ||
			    (s = valid_str_member(json_object_array_get_idx(v, 0),
			    "email")) == NULL ||
			    strcmp(s, to) != 0 || (s = valid_str_member(b, "subject")) == NULL ||
			    strpbrk(s, "\r\n") != NULL)
				abort();
			json_object_put(b);
		} else if (strlen(why) == 0)
			abort();
		if ((form = notify_sms_form(p, "Clinic", "44", why, sizeof(why))) != NULL) {
			for (i = 0; form[i] != '\0'; i++)
				if (strchr("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
				    "0123456789*-._+%&=", form[i]) == NULL)
					abort();
			if (strncmp(form, "To=%2B", 6) != 0)
				abort();
			free(form);
		}
		if (notify_about(p, &id, &at) && (id <= 0 || at == NULL || strlen(at) > 40))
			abort();
	}
	json_object_put(p);
	return 0;
}
