/* bizclock.c: Chicago local time by the US DST rule, and business-time arithmetic over it. */
#include "base/bizclock.h"

#include <string.h>

#include "base/ascii.h"
#include "base/cstime.h"

#define DAY 86400
#define HOUR 3600
#define CDT_OFFSET (-5 * HOUR)
#define CST_OFFSET (-6 * HOUR)

static int64_t
floor_div(int64_t a, int64_t b)
{
	int64_t q = a / b;

	if ((a % b != 0) && ((a < 0) != (b < 0)))
		q--;
	return q;
}

/* 0 = Sunday ... 6 = Saturday; 1970-01-01 was a Thursday. */
static int
weekday(int64_t days)
{
	return (int)(((days % 7) + 11) % 7);
}

/* Day number of the n-th Sunday (n >= 1) of month m of year y. */
static int64_t
nth_sunday(int64_t y, unsigned m, int n)
{
	int64_t first = cstime_days_from_civil(y, m, 1);

	return first + (7 - weekday(first)) % 7 + 7 * (int64_t)(n - 1);
}

int
bizclock_utc_offset(int64_t t)
{
	int64_t y;
	unsigned m, d;
	int64_t start, end;

	/*
	 * The UTC year is the right one: the changes are in March and
	 * November, far from the turn of the year in any zone.
	 * 02:00 CST is 08:00 UTC; 02:00 CDT is 07:00 UTC.
	 */
	cstime_civil_from_days(floor_div(t, DAY), &y, &m, &d);
	start = nth_sunday(y, 3, 2) * DAY + 8 * HOUR;
	end = nth_sunday(y, 11, 1) * DAY + 7 * HOUR;

	return (t >= start && t < end) ? CDT_OFFSET : CST_OFFSET;
}

int64_t
bizclock_utc_to_local(int64_t t)
{
	return t + bizclock_utc_offset(t);
}

/*
 * A wall-clock time is tried as CDT and as CST; a reading is consistent
 * when the rule gives that offset at the resulting instant. Both are
 * consistent in the repeated autumn hour (take the earlier, CDT); neither
 * in the skipped spring hour (take CST, which lands an hour later on the
 * wall clock, as clocks do when they spring forward).
 */
int64_t
bizclock_local_to_utc(int64_t local)
{
	int64_t as_cdt = local - CDT_OFFSET;
	int64_t as_cst = local - CST_OFFSET;

	if (bizclock_utc_offset(as_cdt) == CDT_OFFSET)
		return as_cdt;
	return as_cst;
}

void
bizclock_init(struct bizclock *bc)
{
	memset(bc, 0, sizeof(*bc));
	bc->open_hour = 8;
	bc->close_hour = 17;
	bc->weekdays = BIZCLOCK_MON_FRI;
}

cs_err
bizclock_set_hours(struct bizclock *bc, int open_hour, int close_hour, char *err, size_t errlen)
{
	if (open_hour < 0 || open_hour >= close_hour || close_hour > 24)
		return cs_seterr(err, errlen, CS_ERR_CONFIG,
			"business hours %d..%d: need 0 <= open < close <= 24", open_hour, close_hour);
	bc->open_hour = open_hour;
	bc->close_hour = close_hour;
	return CS_OK;
}

cs_err
bizclock_check(const struct bizclock *bc, char *err, size_t errlen)
{
	if (bc->open_hour < 0 || bc->open_hour >= bc->close_hour || bc->close_hour > 24)
		return cs_seterr(err, errlen, CS_ERR_CONFIG,
			"business hours %d..%d: need 0 <= open < close <= 24", bc->open_hour,
			bc->close_hour);
	if ((bc->weekdays & 0x7fu) == 0)
		return cs_seterr(err, errlen, CS_ERR_CONFIG, "no business weekday");
	if (bc->nholidays > BIZCLOCK_MAX_HOLIDAYS)
		return cs_seterr(err, errlen, CS_ERR_CONFIG, "holiday count %zu over %d",
			bc->nholidays, BIZCLOCK_MAX_HOLIDAYS);
	return CS_OK;
}

/* Parses exactly n ASCII digits; -1 if any is not a digit. */
static int64_t
digits(const char *s, int n)
{
	int64_t v = 0;

	for (int i = 0; i < n; i++) {
		if (!ascii_isdigit(s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

cs_err
bizclock_add_holiday(struct bizclock *bc, const char *date, char *err, size_t errlen)
{
	static const unsigned mdays[12] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	int64_t y, m, d, day;
	size_t lo = 0, hi;
	cs_err rc = CS_OK;

	if (strlen(date) != 10 || date[4] != '-' || date[7] != '-') {
		rc = cs_seterr(err, errlen, CS_ERR_PARSE, "holiday '%.40s': not YYYY-MM-DD", date);
		goto out;
	}
	y = digits(date, 4);
	m = digits(date + 5, 2);
	d = digits(date + 8, 2);
	if (y < 1970 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] ||
	    (m == 2 && d == 29 && (y % 4 != 0 || (y % 100 == 0 && y % 400 != 0)))) {
		rc = cs_seterr(err, errlen, CS_ERR_PARSE, "holiday '%s': not a date in 1970..9999",
			date);
		goto out;
	}
	day = cstime_days_from_civil(y, (unsigned)m, (unsigned)d);
	/* Keep the list sorted and unique so lookups can bisect. */
	hi = bc->nholidays;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (bc->holidays[mid] < day)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < bc->nholidays && bc->holidays[lo] == day)
		goto out;
	if (bc->nholidays >= BIZCLOCK_MAX_HOLIDAYS) {
		rc = cs_seterr(err, errlen, CS_ERR_TOOBIG, "holiday '%s': more than %d holidays",
			date, BIZCLOCK_MAX_HOLIDAYS);
		goto out;
	}
	memmove(&bc->holidays[lo + 1], &bc->holidays[lo],
		(bc->nholidays - lo) * sizeof(bc->holidays[0]));
	bc->holidays[lo] = day;
	bc->nholidays++;
out:
	return rc;
}

static int
is_holiday(const struct bizclock *bc, int64_t day)
{
	size_t lo = 0, hi = bc->nholidays;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (bc->holidays[mid] == day)
			return 1;
		if (bc->holidays[mid] < day)
			lo = mid + 1;
		else
			hi = mid;
	}
	return 0;
}

static int
is_business_day(const struct bizclock *bc, int64_t day)
{
	return (bc->weekdays & BIZCLOCK_WEEKDAY(weekday(day))) != 0 && !is_holiday(bc, day);
}

/* UTC bounds of the business hours of local date `day`. */
static void
window(const struct bizclock *bc, int64_t day, int64_t *open, int64_t *close)
{
	*open = bizclock_local_to_utc(day * DAY + (int64_t)bc->open_hour * HOUR);
	*close = bizclock_local_to_utc(day * DAY + (int64_t)bc->close_hour * HOUR);
}

static int64_t
local_day(int64_t t)
{
	return floor_div(bizclock_utc_to_local(t), DAY);
}

static int
time_ok(int64_t t)
{
	return t >= BIZCLOCK_MIN_TIME && t <= BIZCLOCK_MAX_TIME;
}

int
bizclock_is_business_time(const struct bizclock *bc, int64_t t)
{
	int64_t day, open, close;

	if (bizclock_check(bc, NULL, 0) != CS_OK || !time_ok(t))
		return 0;
	day = local_day(t);
	if (!is_business_day(bc, day))
		return 0;
	window(bc, day, &open, &close);
	return t >= open && t < close;
}

/*
 * Walks local days forward from the day of t, spending the business time
 * each day offers after t. The remainder is compared with `<=` so that a
 * duration using up a day exactly ends at that day's closing time.
 */
cs_err
bizclock_add_seconds(const struct bizclock *bc, int64_t t, int64_t n, int64_t *out)
{
	int64_t day, left = n;
	cs_err rc;

	rc = bizclock_check(bc, NULL, 0);
	if (rc != CS_OK)
		goto out;
	if (n < 0 || !time_ok(t)) {
		rc = CS_ERR_INTERNAL;
		goto out;
	}
	if (n == 0) {
		*out = t;
		goto out;
	}
	day = local_day(t);
	rc = CS_ERR_TOOBIG;
	for (int64_t i = 0; i < BIZCLOCK_MAX_SCAN_DAYS; i++, day++) {
		int64_t open, close, from;

		if (!is_business_day(bc, day))
			continue;
		window(bc, day, &open, &close);
		from = t > open ? t : open;
		if (from >= close)
			continue;
		if (left <= close - from) {
			*out = from + left;
			rc = CS_OK;
			break;
		}
		left -= close - from;
	}
out:
	return rc;
}

cs_err
bizclock_add_days(const struct bizclock *bc, int64_t t, int64_t n, int64_t *out)
{
	int64_t day, count = 0;
	cs_err rc;

	rc = bizclock_check(bc, NULL, 0);
	if (rc != CS_OK)
		goto out;
	if (n < 0 || !time_ok(t)) {
		rc = CS_ERR_INTERNAL;
		goto out;
	}
	if (n == 0) {
		*out = t;
		goto out;
	}
	day = local_day(t);
	rc = CS_ERR_TOOBIG;
	for (int64_t i = 0; i < BIZCLOCK_MAX_SCAN_DAYS; i++, day++) {
		int64_t open, close;

		if (!is_business_day(bc, day))
			continue;
		window(bc, day, &open, &close);
		if (open < t)
			continue; /* already begun at t: not a whole day */
		if (++count == n) {
			*out = close;
			rc = CS_OK;
			break;
		}
	}
out:
	return rc;
}

cs_err
bizclock_between(const struct bizclock *bc, int64_t a, int64_t b, int64_t *out)
{
	int64_t from = a < b ? a : b, to = a < b ? b : a;
	int64_t day, last, sum = 0;
	cs_err rc;

	rc = bizclock_check(bc, NULL, 0);
	if (rc != CS_OK)
		goto out;
	if (!time_ok(a) || !time_ok(b)) {
		rc = CS_ERR_INTERNAL;
		goto out;
	}
	day = local_day(from);
	last = local_day(to);
	if (last - day > BIZCLOCK_MAX_SCAN_DAYS) {
		rc = CS_ERR_TOOBIG;
		goto out;
	}
	for (; day <= last; day++) {
		int64_t open, close, lo, hi;

		if (!is_business_day(bc, day))
			continue;
		window(bc, day, &open, &close);
		lo = from > open ? from : open;
		hi = to < close ? to : close;
		if (hi > lo)
			sum += hi - lo;
	}
	*out = a <= b ? sum : -sum;
out:
	return rc;
}
