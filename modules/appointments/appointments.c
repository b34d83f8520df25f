/*
 * appointments.fcgi (issue 4). Routes are the contract; docs/API.md#appointments describes each.
 * Skeleton: filled in by the appointments work.
 */
#include "err.h"
#include "reply.h"
#include "req.h"
#include "serve.h"
#include "valid.h"

static int
placeholder(struct req *r)
{
	return reply_problem(r, 404, "not-found", "Not built yet", NULL);
}

static const struct route routes[] = {
	{ "GET", "/api/v1/appointments/_placeholder", placeholder, ROLE_ADMIN, NULL, 0, NULL, 0 },
};

int
main(void)
{
	return serve("appointments", routes, nitems(routes), NULL);
}
