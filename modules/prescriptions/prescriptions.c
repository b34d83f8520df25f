/*
 * prescriptions.fcgi: the formulary, treatment plans, prescribing and its
 * reports (issue 5). Routes are the contract; docs/API.md#prescriptions
 * describes each. The route entries and their field tables live beside the
 * code that serves them (plans_routes.h, rx_routes.h); literal paths come
 * before "{id}" ones because the first route that matches wins.
 */
#include <stdio.h>

#include "conf.h"
#include "err.h"
#include "log.h"
#include "req.h"
#include "serve.h"
#include "valid.h"
#include "rx.h"
#include "../appointments/apptime.h"

#define BODY(f)		f, nitems(f)

#include "plans_routes.h"
#include "rx_routes.h"

static const struct route routes[] = {
	PLANS_ROUTES
	RX_ROUTES
};

static int
init(void)
{
	/* Prescribers' signing keys are sealed under secret_key: without it nothing can be signed. */
	if (conf_secret_key() == NULL)
		log_warn("secret_key is not set: prescriptions cannot be signed");
	/* start dates are clinic dates: midnight in the clinic's zone (rx_start_us) */
	if (at_zone_set(conf.clinic_timezone) != 0) {
		log_err("clinic_timezone %s is not a time zone of this system", conf.clinic_timezone);
		return -1;
	}
	return 0;
}

int
main(void)
{
	return serve("prescriptions", routes, nitems(routes), init);
}
