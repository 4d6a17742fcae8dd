/* schedule.h: when the daemon polls next, in real time (jittered) or in a replay's simulated time. */
#ifndef SCHEDULE_H
#define SCHEDULE_H

#include <stdint.h>

/*
 * The monotonic time (ms) of the next poll after one that started at
 * started_ms: interval_s seconds later, moved by up to a tenth of the
 * interval either way (at most 30 s) by rnd (any 32 random bits). The
 * jitter keeps many monitors started together (a fleet rebooted, a cron
 * on the hour) from polling AWS in lockstep. Measured from the poll's
 * start on the monotonic clock, the schedule does not drift with the
 * cycle's length and a wall-clock jump (NTP, a VM resumed) changes nothing.
 */
int64_t schedule_next_ms(int64_t started_ms, int64_t interval_s, uint32_t rnd);

/*
 * The longest the daemon waits between the starts of two polls, in whole
 * seconds rounded up: interval_s and its largest jitter. Whatever must
 * happen at least every N seconds is due at a poll after which the next
 * one could come later than that.
 */
int64_t schedule_max_gap_s(int64_t interval_s);

/*
 * A replay's simulated clock: the time of the next cycle when the last
 * one committed was at last (0: none yet). Cycles are start, start +
 * interval, ... so a replay interrupted and restarted resumes where it
 * stopped and judges at the same instants as an uninterrupted one.
 */
int64_t schedule_sim_next(int64_t start, int64_t interval, int64_t last);

#endif
