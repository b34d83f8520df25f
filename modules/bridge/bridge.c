/*
 * bridge.fcgi: the clinic's side of the pharmacy bridge (issue 6). Routes
 * are the contract; docs/API.md#bridge describes each. The route entries
 * and their field tables live beside the code that serves them
 * (in_routes.h, view_routes.h); literal paths come before "{id}" ones
 * because the first route that matches wins.
 */
#include <stdio.h>

#include "conf.h"
#include "err.h"
#include "log.h"
#include "req.h"
#include "serve.h"
#include "valid.h"
#include "bridge.h"

#define BODY(f)		f, nitems(f)

#include "in_routes.h"
#include "view_routes.h"

static const struct route routes[] = {
	BRIDGE_IN_ROUTES
	BRIDGE_VIEW_ROUTES
};

static int
init(void)
{
	/* Partners' signing secrets are sealed under secret_key. */
	if (conf_secret_key() == NULL)
		log_warn("secret_key is not set: partners' messages cannot be checked");
	return 0;
}

int
main(void)
{
	return serve("bridge", routes, nitems(routes), init);
}
