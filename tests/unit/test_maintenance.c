/* test_maintenance.c: maintenance statuses by the clock, window checks, components under maintenance. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model/config.h"
#include "model/maintenance.h"
#include "model/mapper.h"

static const char test_json[] =
    "{\"product\":\"T\",\"company\":\"C\",\"site_url\":\"https://s.example\",\"components\":["
    "{\"id\":\"voice\",\"name\":\"Voice\",\"depends_on\":[{\"service\":\"connect\",\"region\":\"us-east-1\"}]},"
    "{\"id\":\"dns\",\"name\":\"DNS\",\"depends_on\":[{\"service\":\"route53\"}]}"
    "]}";

static void
test_status_by_the_clock(void **state)
{
	struct maintenance_window m = { 1, 1000, 2000, 2900, NULL, 0 };

	(void)state;
	assert_int_equal(maintenance_status_at(&m, 0), MAINTENANCE_SCHEDULED);
	assert_int_equal(maintenance_status_at(&m, 999), MAINTENANCE_SCHEDULED);
	assert_int_equal(maintenance_status_at(&m, 1000), MAINTENANCE_IN_PROGRESS);
	assert_int_equal(maintenance_status_at(&m, 1999), MAINTENANCE_IN_PROGRESS);
	assert_int_equal(maintenance_status_at(&m, 2000), MAINTENANCE_VERIFYING);
	assert_int_equal(maintenance_status_at(&m, 2899), MAINTENANCE_VERIFYING);
	assert_int_equal(maintenance_status_at(&m, 2900), MAINTENANCE_COMPLETED);
	/* No verification: straight to completed. */
	m.verify_until = 2000;
	assert_int_equal(maintenance_status_at(&m, 2000), MAINTENANCE_COMPLETED);
}

static void
test_names(void **state)
{
	maintenance_status s;

	(void)state;
	for (int i = MAINTENANCE_SCHEDULED; i <= MAINTENANCE_COMPLETED; i++) {
		assert_int_equal(maintenance_status_parse(maintenance_status_name((maintenance_status)i),
		    &s), 0);
		assert_int_equal((int)s, i);
	}
	assert_int_equal(maintenance_status_parse("done", &s), -1);
	assert_string_equal(maintenance_status_name(MAINTENANCE_IN_PROGRESS), "in_progress");
}

static void
test_check(void **state)
{
	char err[CS_ERRLEN];

	(void)state;
	assert_int_equal(maintenance_check(1000, 2000, 900, 1000, err, sizeof(err)), CS_OK);
	assert_int_equal(maintenance_check(999, 2000, 900, 1000, err, sizeof(err)), CS_ERR_USAGE);
	assert_non_null(strstr(err, "past"));
	assert_int_equal(maintenance_check(2000, 2000, 0, 1000, err, sizeof(err)), CS_ERR_USAGE);
	assert_int_equal(maintenance_check(2000, 1500, 0, 1000, err, sizeof(err)), CS_ERR_USAGE);
	assert_int_equal(maintenance_check(2000, 2000 + MAINTENANCE_MAX_WINDOW + 1, 0, 1000, err,
	    sizeof(err)), CS_ERR_USAGE);
	assert_int_equal(maintenance_check(2000, 3000, -1, 1000, err, sizeof(err)), CS_ERR_USAGE);
}

static void
test_overlay(void **state)
{
	static const char *const ids[] = { "voice", "dns" };
	struct maintenance_window m = { 1, 1000, 2000, 2900, ids, 2 };
	struct config *cfg = NULL;
	struct mapper_result *map = NULL;
	struct mapper_feed feeds[8];
	struct classify_service dns;
	const char *const *slugs;
	char err[CS_ERRLEN] = "";
	size_t n;

	(void)state;
	if (config_parse("test", test_json, strlen(test_json), NULL, &cfg, err, sizeof(err)) != CS_OK)
		fail_msg("%s", err);
	slugs = config_feed_slugs(cfg, &n);
	assert_true(n <= 8);
	memset(feeds, 0, sizeof(feeds));
	memset(&dns, 0, sizeof(dns));
	for (size_t i = 0; i < n; i++) {
		feeds[i].slug = slugs[i];
		feeds[i].readable = 1;
		if (strcmp(slugs[i], "route53") == 0) {
			dns.slug = (char *)(uintptr_t)slugs[i];
			dns.state = STATUS_AWS_DISRUPTION;
			dns.title = (char *)(uintptr_t)"Service disruption: x";
			dns.guid = (char *)(uintptr_t)"g";
			feeds[i].svc = &dns;
		}
	}
	assert_int_equal(mapper_run(cfg, feeds, n, &map), CS_OK);
	/* Before the window: nothing changes. */
	assert_int_equal(maintenance_overlay(map, &m, 1, 999), 0);
	assert_int_equal(map->components[0].status, STATUS_OPERATIONAL);
	/* In it: voice under maintenance; DNS keeps its worse major outage. */
	assert_int_equal(maintenance_overlay(map, &m, 1, 1500), 1);
	assert_int_equal(map->components[0].status, STATUS_UNDER_MAINTENANCE);
	assert_int_equal(map->components[1].status, STATUS_MAJOR_OUTAGE);
	mapper_result_free(map);
	map = NULL;
	/* A degradation, or a feed we cannot read, shows through the window too. */
	for (size_t i = 0; i < n; i++) {
		if (strcmp(slugs[i], "route53") == 0) {
			dns.state = STATUS_AWS_DEGRADED;
			dns.title = (char *)(uintptr_t)"Service degradation: x";
		} else {
			feeds[i].readable = 0;
		}
	}
	assert_int_equal(mapper_run(cfg, feeds, n, &map), CS_OK);
	assert_int_not_equal(map->components[1].status, STATUS_OPERATIONAL);
	{
		status_component dns_was = map->components[1].status;

		assert_int_equal(map->components[0].status, STATUS_UNKNOWN);
		assert_int_equal(maintenance_overlay(map, &m, 1, 1500), 0);
		assert_int_equal(map->components[0].status, STATUS_UNKNOWN);
		assert_int_equal(map->components[1].status, dns_was);
	}
	mapper_result_free(map);
	config_free(cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_status_by_the_clock),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_overlay),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
