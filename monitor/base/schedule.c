/* schedule.c: when the daemon polls next (schedule.h). */
#include "base/schedule.h"

/* The jitter's half-width in ms: a tenth of the interval, at most 30 s. */
static int64_t
jitter_span_ms(int64_t interval_s)
{
	int64_t span = interval_s * 100;

	return span > 30000 ? 30000 : span;
}

int64_t
schedule_next_ms(int64_t started_ms, int64_t interval_s, uint32_t rnd)
{
	int64_t span = jitter_span_ms(interval_s);

	if (span <= 0)
		return started_ms + interval_s * 1000;
	/* rnd spread over [-span, +span]. */
	return started_ms + interval_s * 1000 - span + (int64_t)(rnd % (uint32_t)(2 * span + 1));
}

int64_t
schedule_max_gap_s(int64_t interval_s)
{
	int64_t span = jitter_span_ms(interval_s);

	return interval_s + (span > 0 ? (span + 999) / 1000 : 0);
}

int64_t
schedule_sim_next(int64_t start, int64_t interval, int64_t last)
{
	int64_t k;

	if (last < start || interval <= 0)
		return start;
	/* The next instant of the grid after last, even if last is off it (a changed interval). */
	k = (last - start) / interval + 1;
	return start + k * interval;
}
