/*
 * consult.fcgi (issue 4). Routes are the contract; docs/API.md#consult describes each.
 * Skeleton: filled in by the consult work.
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
	{ "GET", "/api/v1/consult/_placeholder", placeholder, ROLE_ADMIN, NULL, 0, NULL, 0 },
};

int
main(void)
{
	return serve("consult", routes, nitems(routes), NULL);
}
