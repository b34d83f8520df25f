/*
 * api_tests: the JSON API through nginx, the FastCGI modules and MariaDB.
 * Needs a running stack; scripts/test starts one and sets CLINIC_TEST_*.
 * Each test runs in its own process (CK_FORK); shared set-up (the demo
 * auditor's second factor) is done once here, before the tests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <check.h>

#include "helpers.h"

/*
 * scripts/test runs everything with LeakSanitizer on (for the modules). This
 * harness forks a process per test and lets check's assertions end them
 * early, so it keeps what it allocated; don't report that as a product leak.
 */
int	__lsan_is_turned_off(void);

int
__lsan_is_turned_off(void)
{
	return 1;
}

int
main(void)
{
	SRunner		*sr;
	int		 failed;
	struct timespec	 t0, t1;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (!env_load())
		return 77;	/* skipped: no stack */
	/* A previous run cut short may have left the triggers dropped. */
	sql_ensure_triggers();
	(void)sql_exec("DROP TABLE IF EXISTS api_test_saved");
	if (!setup_auditor()) {
		fprintf(stderr, "api_tests: set-up failed\n");
		return 1;
	}
	sr = srunner_create(auth_suite());
	srunner_add_suite(sr, audit_suite());
	srunner_add_suite(sr, input_suite());
	srunner_add_suite(sr, cli_suite());
	srunner_add_suite(sr, tls_suite());
	srunner_add_suite(sr, patients_suite());
	srunner_add_suite(sr, intake_suite());
	srunner_add_suite(sr, documents_suite());
	srunner_add_suite(sr, idv_suite());
	srunner_add_suite(sr, appointments_suite());
	srunner_add_suite(sr, consult_suite());
	srunner_add_suite(sr, notify_suite());
	srunner_add_suite(sr, plans_suite());
	srunner_add_suite(sr, prescriptions_suite());
	srunner_add_suite(sr, bridge_suite());
	srunner_add_suite(sr, pipeline_suite());
	srunner_add_suite(sr, pharmacy_suite());
	srunner_add_suite(sr, courier_suite());
	srunner_add_suite(sr, nothing_lost_suite());
	srunner_add_suite(sr, isolation_suite());
	srunner_set_fork_status(sr, CK_FORK);
	srunner_run_all(sr, CK_ENV);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	sql_clear_throttle();
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("api_tests: %.1f s\n", (double)(t1.tv_sec - t0.tv_sec) +
	    (double)(t1.tv_nsec - t0.tv_nsec) / 1e9);
	return failed == 0 ? 0 : 1;
}
