/* test_priority.c: the priority table at each threshold, names, and the SLA terms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "support/priority.h"

static void
test_suggest(void **state)
{
	static const struct {
		unsigned share_bp; /* basis points: 2500 = 25% */
		status_component worst;
		priority want;
	} cases[] = {
		/* major outage: P1 only above 25% */
		{ 10000, STATUS_MAJOR_OUTAGE, PRIORITY_P1 },
		{ 2501, STATUS_MAJOR_OUTAGE, PRIORITY_P1 },
		{ 2500, STATUS_MAJOR_OUTAGE, PRIORITY_P2 },  /* exactly 25% is not > 25% */
		{ 1501, STATUS_MAJOR_OUTAGE, PRIORITY_P2 },
		{ 1500, STATUS_MAJOR_OUTAGE, PRIORITY_P2 },  /* exactly 15%: gap, severe scope */
		{ 500, STATUS_MAJOR_OUTAGE, PRIORITY_P2 },   /* exactly 5%: not < 5% */
		{ 499, STATUS_MAJOR_OUTAGE, PRIORITY_P3 },
		{ 300, STATUS_MAJOR_OUTAGE, PRIORITY_P3 },   /* a component only 3% use */
		{ 0, STATUS_MAJOR_OUTAGE, PRIORITY_P3 },     /* no usage data: not hidden */
		/* partial outage: degraded, never P1 */
		{ 10000, STATUS_PARTIAL_OUTAGE, PRIORITY_P2 },
		{ 2500, STATUS_PARTIAL_OUTAGE, PRIORITY_P2 },
		{ 1501, STATUS_PARTIAL_OUTAGE, PRIORITY_P2 },
		{ 1500, STATUS_PARTIAL_OUTAGE, PRIORITY_P3 }, /* exactly 15% is not > 15% */
		{ 1000, STATUS_PARTIAL_OUTAGE, PRIORITY_P3 }, /* the 5..15% gap */
		{ 500, STATUS_PARTIAL_OUTAGE, PRIORITY_P3 },
		{ 499, STATUS_PARTIAL_OUTAGE, PRIORITY_P3 },
		/* degraded performance */
		{ 2600, STATUS_DEGRADED_PERFORMANCE, PRIORITY_P2 },
		{ 1501, STATUS_DEGRADED_PERFORMANCE, PRIORITY_P2 },
		{ 1500, STATUS_DEGRADED_PERFORMANCE, PRIORITY_P3 },
		{ 500, STATUS_DEGRADED_PERFORMANCE, PRIORITY_P3 },
		{ 499, STATUS_DEGRADED_PERFORMANCE, PRIORITY_P4 },
		{ 0, STATUS_DEGRADED_PERFORMANCE, PRIORITY_P4 },
		/* unknown: at most P3 */
		{ 10000, STATUS_UNKNOWN, PRIORITY_P3 },
		{ 500, STATUS_UNKNOWN, PRIORITY_P3 },
		{ 499, STATUS_UNKNOWN, PRIORITY_P4 },
		/* no incident */
		{ 10000, STATUS_UNDER_MAINTENANCE, PRIORITY_NONE },
		{ 10000, STATUS_OPERATIONAL, PRIORITY_NONE },
		{ 0, STATUS_OPERATIONAL, PRIORITY_NONE },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		priority got = (priority)99;

		assert_int_equal(priority_suggest(cases[i].share_bp, cases[i].worst, &got), CS_OK);
		if (got != cases[i].want)
			fail_msg("%u bp, %s: got %s want %s", cases[i].share_bp,
				status_component_name(cases[i].worst), priority_name(got),
				priority_name(cases[i].want));
	}
}

static void
test_suggest_bad_input(void **state)
{
	priority got = PRIORITY_P2;

	(void)state;
	assert_int_equal(priority_suggest(10001, STATUS_MAJOR_OUTAGE, &got), CS_ERR_INTERNAL);
	assert_int_equal(priority_suggest(100, (status_component)42, &got), CS_ERR_INTERNAL);
	assert_int_equal(got, PRIORITY_P2);
}

/* The table is data README prints: it must be complete and unambiguous. */
static void
test_table_shape(void **state)
{
	unsigned next = PRIORITY_SHARE_MAX;

	(void)state;
	/* Bands run from 100% down to 0% with no gap and no overlap. */
	for (size_t b = 0; b < PRIORITY_NBANDS; b++) {
		assert_int_equal(priority_bands[b].max_bp, next);
		assert_true(priority_bands[b].min_bp <= priority_bands[b].max_bp);
		assert_non_null(priority_bands[b].label);
		next = priority_bands[b].min_bp - 1;
	}
	assert_int_equal(priority_bands[PRIORITY_NBANDS - 1].min_bp, 0);
	/* Every component status has exactly one row; only major_outage reaches P1. */
	for (int s = 0; s <= STATUS_UNKNOWN; s++) {
		int rows = 0;

		for (size_t r = 0; r < PRIORITY_NROWS; r++) {
			if ((int)priority_table[r].status != s)
				continue;
			rows++;
			for (size_t b = 0; b < PRIORITY_NBANDS; b++) {
				if (priority_table[r].prio[b] == PRIORITY_P1)
					assert_int_equal(s, STATUS_MAJOR_OUTAGE);
			}
		}
		assert_int_equal(rows, 1);
	}
}

static void
test_names(void **state)
{
	static const struct {
		const char *in;
		priority want; /* PRIORITY_NONE: must not parse */
	} cases[] = {
		{ "P1", PRIORITY_P1 }, { "p2", PRIORITY_P2 }, { "P3", PRIORITY_P3 },
		{ "P4", PRIORITY_P4 }, { "Critical", PRIORITY_P1 }, { "HIGH", PRIORITY_P2 },
		{ "medium", PRIORITY_P3 }, { "LoW", PRIORITY_P4 },
		{ "P5", PRIORITY_NONE }, { "P0", PRIORITY_NONE }, { "", PRIORITY_NONE },
		{ "none", PRIORITY_NONE }, { "P1 ", PRIORITY_NONE }, { "P", PRIORITY_NONE },
		{ "critical!", PRIORITY_NONE },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		priority got = PRIORITY_NONE;
		int rc = priority_parse(cases[i].in, &got);

		if (cases[i].want == PRIORITY_NONE) {
			if (rc != -1)
				fail_msg("'%s' parsed", cases[i].in);
		} else if (rc != 0 || got != cases[i].want) {
			fail_msg("'%s': rc %d got %d", cases[i].in, rc, (int)got);
		}
	}
	assert_string_equal(priority_name(PRIORITY_P1), "P1");
	assert_string_equal(priority_name(PRIORITY_P4), "P4");
	assert_string_equal(priority_name(PRIORITY_NONE), "none");
	assert_string_equal(priority_name((priority)7), "none");
	assert_string_equal(priority_label(PRIORITY_P2), "High");
	assert_string_equal(priority_label((priority)-1), "None");
}

static void
test_sla_terms(void **state)
{
	const struct priority_sla *s;

	(void)state;
	s = priority_sla_of(PRIORITY_P1);
	assert_non_null(s);
	assert_int_equal(s->prio, PRIORITY_P1);
	assert_int_equal(s->response.n, 30 * 60);
	assert_int_equal(s->response.unit, PRIORITY_WALL_SECONDS);
	assert_int_equal(s->update.n, 3600);
	assert_int_equal(s->update.unit, PRIORITY_WALL_SECONDS);
	assert_true(s->rca_required);
	assert_int_equal(s->rca_draft.n, 3);
	assert_int_equal(s->rca_draft.unit, PRIORITY_BUSINESS_DAYS);
	assert_int_equal(s->rca_final.n, 5);
	assert_int_equal(s->rca_final.unit, PRIORITY_BUSINESS_DAYS);

	s = priority_sla_of(PRIORITY_P2);
	assert_int_equal(s->response.n, 3600);
	assert_int_equal(s->response.unit, PRIORITY_WALL_SECONDS);
	assert_int_equal(s->update.n, 3600);
	assert_true(s->rca_required);

	s = priority_sla_of(PRIORITY_P3);
	assert_int_equal(s->response.n, 8 * 3600);
	assert_int_equal(s->response.unit, PRIORITY_BUSINESS_SECONDS);
	assert_int_equal(s->update.n, 3);
	assert_int_equal(s->update.unit, PRIORITY_BUSINESS_DAYS);
	assert_false(s->rca_required);

	s = priority_sla_of(PRIORITY_P4);
	assert_int_equal(s->response.n, 24 * 3600);
	assert_int_equal(s->response.unit, PRIORITY_BUSINESS_SECONDS);
	assert_int_equal(s->update.n, 5);
	assert_int_equal(s->update.unit, PRIORITY_BUSINESS_DAYS);
	assert_false(s->rca_required);

	assert_null(priority_sla_of(PRIORITY_NONE));
	assert_null(priority_sla_of((priority)5));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_suggest),
		cmocka_unit_test(test_suggest_bad_input),
		cmocka_unit_test(test_table_shape),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_sla_terms),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
