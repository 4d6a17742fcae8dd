/* bizclock.h: America/Chicago local time and business-time arithmetic for the support clocks. */
#ifndef BIZCLOCK_H
#define BIZCLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "base/cs_error.h"

/*
 * Local time. SynchroNet's support desk works on US Central time
 * (America/Chicago). This module converts without the process TZ and
 * without tzdata: it applies the US daylight-saving rule in force since
 * 2007 (Energy Policy Act of 2005):
 *
 *   CDT, UTC-5, from the second Sunday of March at 02:00 CST (08:00 UTC)
 *   CST, UTC-6, from the first Sunday of November at 02:00 CDT (07:00 UTC)
 *
 * The rule is applied to every year, so times before 2007 (when DST ran
 * from the first Sunday of April to the last Sunday of October) are off
 * by an hour for a few weeks a year; if Congress changes the rule again,
 * this is the one place to change. All times are int64_t seconds since
 * the Unix epoch (UTC). A "local" value is the Chicago wall clock read as
 * if it were UTC: seconds since 1970-01-01 00:00 local.
 *
 * Business time. A business day is a local calendar date whose weekday is
 * in `weekdays` and which is not in the holiday list; its business hours
 * are [open_hour:00, close_hour:00) local (default 08:00-17:00, Monday to
 * Friday). Hours are converted to UTC day by day, so a business day is
 * 9 real hours long on either side of a daylight-saving change (the
 * changes happen at 02:00 on a Sunday). Holidays are the dates the desk is
 * closed, as listed: this module does not compute observed dates (when
 * Christmas falls on a Saturday, list the Friday if the desk closes then).
 *
 * Two kinds of business duration are used by the SLA:
 *
 * "N business seconds (hours) after T" (bizclock_add_seconds) is the
 *   earliest instant D >= T such that exactly N seconds of business time
 *   lie in [T, D). Time outside business hours does not count, so a
 *   duration that starts outside business hours starts running at the
 *   next opening, and one that uses up the last seconds of a day ends at
 *   that day's closing (17:00), not at the next opening. N = 0 gives T.
 *
 * "N business days after T" (bizclock_add_days) is the closing time
 *   (17:00 local) of the N-th whole business day after T, where a
 *   business day is whole when its opening (08:00 local) is at or after T.
 *   A day already begun at T does not count: an RCA due "3 business days"
 *   after a resolution on Monday 10:00 is due Thursday 17:00; after
 *   Monday 07:00 or Monday 08:00 it is due Wednesday 17:00; after Friday
 *   18:00, Saturday, or a holiday, the count starts with the next business
 *   day. The result is always at least N x (business-day length) of
 *   business time after T and less than N + 1 business days. N = 0 gives T.
 *
 * The functions below are pure: no clock, no I/O, no allocation.
 */

#define BIZCLOCK_MAX_HOLIDAYS 256     /* entries in the holiday list */
#define BIZCLOCK_MAX_SCAN_DAYS 36600  /* longest span of days searched (100 years) */
#define BIZCLOCK_MIN_TIME 0           /* 1970-01-01T00:00:00Z */
#define BIZCLOCK_MAX_TIME 253402300799LL /* 9999-12-31T23:59:59Z */

/* Bits of bizclock.weekdays: bit d for weekday d, 0 = Sunday ... 6 = Saturday. */
#define BIZCLOCK_WEEKDAY(d) (1u << (d))
#define BIZCLOCK_MON_FRI 0x3eu

struct bizclock {
	int open_hour;     /* local hour the business day opens, 0..23 (default 8) */
	int close_hour;    /* local hour it closes, open_hour+1..24 (default 17) */
	unsigned weekdays; /* BIZCLOCK_WEEKDAY() bits of business weekdays (default Mon-Fri) */
	size_t nholidays;  /* used entries of holidays */
	int64_t holidays[BIZCLOCK_MAX_HOLIDAYS]; /* local dates, days since 1970-01-01, sorted, unique */
};

/*
 * Sets bc to the SynchroNet defaults: 08:00-17:00, Monday to Friday, no
 * holidays. bc is caller-owned (a plain struct: no _free needed).
 */
void bizclock_init(struct bizclock *bc);

/*
 * Sets the business hours to [open_hour:00, close_hour:00) local. Fails
 * with CS_ERR_CONFIG (bc unchanged, detail in err) unless
 * 0 <= open_hour < close_hour <= 24.
 */
cs_err bizclock_set_hours(struct bizclock *bc, int open_hour, int close_hour, char *err,
	size_t errlen);

/*
 * Adds a holiday given as "YYYY-MM-DD" (exactly that form, ASCII digits,
 * a real date in 1970..9999). Adding a date twice is not an error. Fails
 * with CS_ERR_PARSE for a malformed date or CS_ERR_TOOBIG when the list
 * already holds BIZCLOCK_MAX_HOLIDAYS dates; bc is unchanged on failure.
 * date is borrowed.
 */
cs_err bizclock_add_holiday(struct bizclock *bc, const char *date, char *err, size_t errlen);

/*
 * Checks that bc can be used for arithmetic: valid hours and at least one
 * business weekday. Returns 0, or CS_ERR_CONFIG with the reason in err.
 * The arithmetic functions make the same check.
 */
cs_err bizclock_check(const struct bizclock *bc, char *err, size_t errlen);

/* Offset of Chicago local time from UTC at instant t, in seconds: -18000 (CDT) or -21600 (CST). */
int bizclock_utc_offset(int64_t t);

/* Chicago wall clock at instant t, as seconds since 1970-01-01 00:00 local. */
int64_t bizclock_utc_to_local(int64_t t);

/*
 * The UTC instant of Chicago wall-clock time `local`. The hour skipped in
 * spring (02:00-02:59 on the second Sunday of March) does not exist; it is
 * read as CST, i.e. 02:30 becomes 03:30 CDT. The hour repeated in autumn
 * (01:00-01:59 on the first Sunday of November) is read as its first
 * occurrence (CDT).
 */
int64_t bizclock_local_to_utc(int64_t local);

/*
 * Returns nonzero when t lies in business hours of a business day of bc,
 * 0 otherwise (also when bc is invalid or t out of range).
 */
int bizclock_is_business_time(const struct bizclock *bc, int64_t t);

/*
 * Sets *out to "n business seconds after t" (see above). Fails, *out
 * untouched, with CS_ERR_CONFIG if bc is invalid, CS_ERR_INTERNAL if n < 0
 * or t is outside [BIZCLOCK_MIN_TIME, BIZCLOCK_MAX_TIME], CS_ERR_TOOBIG if
 * the result lies more than BIZCLOCK_MAX_SCAN_DAYS days after t.
 */
cs_err bizclock_add_seconds(const struct bizclock *bc, int64_t t, int64_t n, int64_t *out);

/*
 * Sets *out to "n business days after t" (see above). Fails as
 * bizclock_add_seconds().
 */
cs_err bizclock_add_days(const struct bizclock *bc, int64_t t, int64_t n, int64_t *out);

/*
 * Sets *out to the business seconds in [a, b), or minus those in [b, a)
 * when b < a. Fails, *out untouched, with CS_ERR_CONFIG if bc is invalid,
 * CS_ERR_INTERNAL if a time is out of range, CS_ERR_TOOBIG if the span is
 * longer than BIZCLOCK_MAX_SCAN_DAYS days.
 */
cs_err bizclock_between(const struct bizclock *bc, int64_t a, int64_t b, int64_t *out);

#endif
