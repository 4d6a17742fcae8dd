/* test_ratelimit.c: the subscribe rate limit per client: bursts, windows, Retry-After, a bounded table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "http/ratelimit.h"

/* A burst of limit requests in one second is allowed; the next is refused for a whole window. */
static void
test_burst(void **state)
{
	struct ratelimit *rl = NULL;
	int64_t retry = 0;
	int again;

	(void)state;
	assert_int_equal(ratelimit_new(20, 3600, 16, &rl, NULL, 0), CS_OK);
	for (int i = 0; i < 20; i++)
		assert_int_equal(ratelimit_hit(rl, "192.0.2.1", 1000, NULL, NULL), 1);
	again = -1;
	assert_int_equal(ratelimit_hit(rl, "192.0.2.1", 1000, &retry, &again), 0);
	/* requests made at 1000 count until 1000 + 3600, as in an exact sliding log */
	assert_int_equal(retry, 3600);
	assert_int_equal(again, 0);   /* the first refusal of a run */
	assert_int_equal(ratelimit_hit(rl, "192.0.2.1", 1000 + 3599, NULL, &again), 0);
	assert_int_equal(again, 1);
	/* another client is not affected */
	assert_int_equal(ratelimit_hit(rl, "192.0.2.2", 1000, NULL, NULL), 1);
	assert_int_equal(ratelimit_hit(rl, "192.0.2.1", 1000 + 3600, NULL, NULL), 1);
	/* two windows of quiet: a whole new allowance */
	for (int i = 0; i < 20; i++)
		assert_int_equal(ratelimit_hit(rl, "192.0.2.1", 1000 + 3 * 3600, NULL, NULL), 1);
	assert_int_equal(ratelimit_hit(rl, "192.0.2.1", 1000 + 3 * 3600, NULL, &again), 0);
	assert_int_equal(again, 0);   /* allowed since: a new run */
	ratelimit_free(rl);
}

/*
 * Half-way through the next window about half of the previous window's
 * count still weighs: 10 requests at 0 (limit 10, window 100); at 150 the
 * seconds 51..99 of that window are still inside (50, 150], so the estimate
 * is 10 * 49/100 = 4.9 and a request is allowed while 4.9 + k < 10: k = 0..5,
 * six of them.
 */
static void
test_sliding(void **state)
{
	struct ratelimit *rl = NULL;
	int allowed = 0;

	(void)state;
	assert_int_equal(ratelimit_new(10, 100, 4, &rl, NULL, 0), CS_OK);
	for (int i = 0; i < 10; i++)
		assert_int_equal(ratelimit_hit(rl, "k", 0, NULL, NULL), 1);
	while (ratelimit_hit(rl, "k", 150, NULL, NULL) == 1)
		allowed++;
	assert_int_equal(allowed, 6);
	ratelimit_free(rl);
}

/*
 * Retry-After is exact: for histories of pseudo-random request times, each
 * refusal's retry_after is the first second at which a request is allowed
 * (a second earlier is refused; refusals are not counted).
 */
static void
test_retry_after(void **state)
{
	static const struct { int limit; int64_t window; } cases[] = {
		{ 1, 10 }, { 3, 60 }, { 5, 100 }, { 20, 3600 }, { 1, 1 },
	};
	uint32_t x = 12345;

	(void)state;
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		struct ratelimit *rl = NULL;
		int64_t now = 5000, retry;
		int refusals = 0;

		assert_int_equal(ratelimit_new(cases[c].limit, cases[c].window, 4, &rl, NULL, 0), CS_OK);
		for (int i = 0; i < 2000; i++) {
			x = x * 1103515245u + 12345u;
			/* about twice the allowed rate on average, in uneven steps */
			now += (x >> 16) % (uint32_t)(cases[c].window / cases[c].limit + 1);
			retry = -1;
			if (ratelimit_hit(rl, "k", now, &retry, NULL) == 1)
				continue;
			refusals++;
			assert_true(retry >= 1 && retry <= 2 * cases[c].window);
			if (retry > 1)
				assert_int_equal(ratelimit_hit(rl, "k", now + retry - 1, NULL, NULL), 0);
			if (ratelimit_hit(rl, "k", now + retry, NULL, NULL) != 1)
				fail_msg("limit %d window %lld: refused at %lld, retry %lld, still refused",
				    cases[c].limit, (long long)cases[c].window, (long long)now,
				    (long long)retry);
			now += retry;
		}
		assert_true(refusals > 0);
		ratelimit_free(rl);
	}
}

/* The table holds max_keys clients; the one seen least recently is forgotten first. */
static void
test_bounded(void **state)
{
	struct ratelimit *rl = NULL;

	(void)state;
	assert_int_equal(ratelimit_new(1, 3600, 2, &rl, NULL, 0), CS_OK);
	assert_int_equal(ratelimit_hit(rl, "a", 10, NULL, NULL), 1);
	assert_int_equal(ratelimit_hit(rl, "b", 11, NULL, NULL), 1);
	assert_int_equal(ratelimit_hit(rl, "a", 12, NULL, NULL), 0);   /* a seen at 12, b at 11 */
	assert_int_equal(ratelimit_hit(rl, "c", 13, NULL, NULL), 1);   /* evicts b */
	assert_int_equal(ratelimit_hit(rl, "a", 14, NULL, NULL), 0);   /* a was kept */
	assert_int_equal(ratelimit_hit(rl, "b", 15, NULL, NULL), 1);   /* b starts afresh */
	/* a clock going backwards is no time passing, not a new window */
	assert_int_equal(ratelimit_hit(rl, "b", 1, NULL, NULL), 0);
	ratelimit_free(rl);
	assert_int_equal(ratelimit_new(0, 3600, 2, &rl, NULL, 0), CS_ERR_USAGE);
	assert_null(rl);
	ratelimit_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_burst),
		cmocka_unit_test(test_sliding),
		cmocka_unit_test(test_retry_after),
		cmocka_unit_test(test_bounded),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
