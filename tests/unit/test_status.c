/* test_status.c: names and ordering of the status enumerations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "base/status.h"

static void
test_names_round_trip(void **state)
{
	(void)state;
	for (int i = 0; i <= STATUS_UNKNOWN; i++) {
		status_component c;

		assert_int_equal(status_component_parse(status_component_name((status_component)i), &c), 0);
		assert_int_equal(c, i);
	}
	for (int i = 0; i <= STATUS_AWS_UNKNOWN; i++) {
		status_aws a;

		assert_int_equal(status_aws_parse(status_aws_name((status_aws)i), &a), 0);
		assert_int_equal(a, i);
	}
	status_component c;
	assert_int_equal(status_component_parse("broken", &c), -1);
	assert_string_equal(status_indicator_name(STATUS_IND_CRITICAL), "critical");
}

/* An outage is never hidden behind unknown; unknown never shows as healthy. */
static void
test_worse(void **state)
{
	(void)state;
	assert_true(status_component_worse(STATUS_MAJOR_OUTAGE, STATUS_PARTIAL_OUTAGE));
	assert_true(status_component_worse(STATUS_PARTIAL_OUTAGE, STATUS_UNKNOWN));
	assert_true(status_component_worse(STATUS_UNKNOWN, STATUS_OPERATIONAL));
	assert_true(status_component_worse(STATUS_UNKNOWN, STATUS_DEGRADED_PERFORMANCE));
	assert_false(status_component_worse(STATUS_OPERATIONAL, STATUS_OPERATIONAL));
	assert_true(status_component_worse(STATUS_PARTIAL_OUTAGE, STATUS_UNDER_MAINTENANCE));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_round_trip),
		cmocka_unit_test(test_worse),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
