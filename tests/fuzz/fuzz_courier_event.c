/*
 * libFuzzer target: the courier's tracking webhook body as
 * courier_events.c parses it after the signature check, and the same bytes
 * as a prescription document the recipient is read from. An accepted event
 * must have every member within the bounds courier.h states (fit for SQL);
 * a refused one must name at least one member; the recipient, when read,
 * must have a name, 1..4 lines, a normalised postcode and a weight in range.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "courier.h"
#include "pool.h"
#include "valid.h"

int	LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static void
bounded(const char *s, size_t max)
{
	size_t	n;

	if (s == NULL || !valid_utf8(s, strlen(s), &n) || n > max)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pool		*p = pool_new();
	struct courier_event	 ev;
	struct courier_doc	 d;
	struct verr		 errs[COURIER_MAX_ERRS];
	const char		*why;
	char			 pc[9], at[27];
	size_t			 n, i;
	int			 rc;

	if (p == NULL)
		return 0;
	rc = courier_event_parse(p, (const char *)data, size, &ev, errs, &n);
	if (rc == 0) {
		if (n != 0 || ev.type == NULL)
			abort();
		if (ev.tracking) {
			bounded(ev.shipment_id, 64);
			bounded(ev.tracking_number, 64);
			bounded(ev.description, 500);
			if (ev.location != NULL)
				bounded(ev.location, 200);
			if (ev.at == NULL || strlen(ev.at) != 26 ||
			    (ev.proof != NULL && strlen(ev.proof) > 4000))
				abort();
			if (strcmp(ev.status, "failed_attempt") != 0 && courier_rank(ev.status) < 2)
				abort();
		}
	} else if (rc == -1 && (n == 0 || n > COURIER_MAX_ERRS))
		abort();
	if (courier_doc_read((const char *)data, size, &d, &why) == 0) {
		if (why != NULL || d.name[0] == '\0' || d.nlines < 1 ||
		    d.nlines > COURIER_LINES_MAX || d.weight_g < 1 || d.weight_g > 30000 ||
		    !courier_postcode(d.postcode, pc) || strcmp(pc, d.postcode) != 0)
			abort();
		for (i = 0; i < d.nlines; i++)
			if (d.lines[i][0] == '\0')
				abort();
	} else if (why == NULL)
		abort();
	if (size < 64) {
		char	s[64];

		memcpy(s, data, size);
		s[size] = '\0';
		if (memchr(data, '\0', size) == NULL && courier_time(s, at) && strlen(at) != 26)
			abort();
		if (memchr(data, '\0', size) == NULL && courier_postcode(s, pc) &&
		    (strlen(pc) < 6 || strlen(pc) > 8))
			abort();
	}
	pool_free(p);
	return 0;
}
