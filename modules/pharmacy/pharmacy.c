/*
 * pharmacy.fcgi: the pharmacy's side of the bridge (issue 6). Routes are
 * the contract; docs/API.md#pharmacy describes each. The route entries and
 * their field tables live beside the code that serves them (ph_routes.h,
 * courier_routes.h); literal paths come before "{id}" ones because the
 * first route that matches wins.
 */
#include <stdio.h>

#include "conf.h"
#include "err.h"
#include "log.h"
#include "req.h"
#include "serve.h"
#include "valid.h"
#include "pharmacy.h"

#define BODY(f)		f, nitems(f)

#include "ph_routes.h"
#include "courier_routes.h"

static const struct route routes[] = {
	COURIER_ROUTES
	PH_ROUTES
};

static int
init(void)
{
	if (*conf.pharmacy_clinic_secret_in == '\0' || *conf.pharmacy_events_url == '\0')
		log_warn("pharmacy_clinic_secret_in or pharmacy_events_url is not set:"
		    " prescriptions from the clinic will be refused");
	return 0;
}

int
main(void)
{
	return serve("pharmacy", routes, nitems(routes), init);
}
