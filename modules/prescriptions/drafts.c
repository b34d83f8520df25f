/* Prescriptions (issue 5): being written. */
#include "reply.h"
#include "req.h"
#include "rx.h"

int
rx_get(struct req *r)
{
	return reply_problem(r, 501, "not-implemented", "Not built yet", NULL);
}
