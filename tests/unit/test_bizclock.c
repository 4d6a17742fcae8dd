/* test_bizclock.c: Chicago time by the DST rule, and business-time arithmetic, table-driven. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "base/bizclock.h"

/*
 * Expected values are written by hand as UTC ("2026-03-09T20:00:00Z"),
 * with the Chicago wall clock in a comment. ts() turns them into epoch
 * seconds with its own calendar arithmetic, independent of the module.
 */
static int64_t
ts(const char *s)
{
	int64_t v[6] = { 0 };
	static const int pos[6] = { 0, 5, 8, 11, 14, 17 };
	static const int len[6] = { 4, 2, 2, 2, 2, 2 };
	int64_t y, m, era, yoe, doy, doe;

	assert_int_equal(strlen(s), 20);
	assert_int_equal(s[19], 'Z');
	for (int f = 0; f < 6; f++) {
		for (int i = 0; i < len[f]; i++) {
			char c = s[pos[f] + i];

			assert_true(c >= '0' && c <= '9');
			v[f] = v[f] * 10 + (c - '0');
		}
	}
	y = v[0] - (v[1] <= 2);
	m = v[1];
	era = y / 400;
	yoe = y - era * 400;
	doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + v[2] - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return (era * 146097 + doe - 719468) * 86400 + v[3] * 3600 + v[4] * 60 + v[5];
}

/* The default clock with the 2026/2027 holidays used below. */
static void
clock_with_holidays(struct bizclock *bc)
{
	static const char *const days[] = { "2026-11-26", "2026-12-25", "2027-01-01", "2026-01-01" };

	bizclock_init(bc);
	for (size_t i = 0; i < sizeof(days) / sizeof(days[0]); i++)
		assert_int_equal(bizclock_add_holiday(bc, days[i], NULL, 0), CS_OK);
}

static void
test_self_check_ts(void **state)
{
	(void)state;
	/* Anchors for the helper itself, from `date -u -d ... +%s`. */
	assert_int_equal(ts("1970-01-01T00:00:00Z"), 0);
	assert_int_equal(ts("2026-01-01T00:00:00Z"), 1767225600);
	assert_int_equal(ts("2026-03-08T08:00:00Z"), 1772956800);
}

static void
test_utc_offset(void **state)
{
	static const struct {
		const char *t;
		int offset;
	} cases[] = {
		{ "2026-01-15T18:00:00Z", -21600 },  /* January: CST */
		{ "2026-03-08T07:59:59Z", -21600 },  /* Sun 01:59:59 CST, last second of CST */
		{ "2026-03-08T08:00:00Z", -18000 },  /* Sun 03:00:00 CDT, clocks sprang forward */
		{ "2026-07-04T17:00:00Z", -18000 },  /* July: CDT */
		{ "2026-11-01T06:59:59Z", -18000 },  /* Sun 01:59:59 CDT, first pass */
		{ "2026-11-01T07:00:00Z", -21600 },  /* Sun 01:00:00 CST, second pass */
		{ "2027-03-14T07:59:59Z", -21600 },  /* 2027: second Sunday of March is the 14th */
		{ "2027-03-14T08:00:00Z", -18000 },
		{ "2027-11-07T06:59:59Z", -18000 },  /* 2027: first Sunday of November is the 7th */
		{ "2027-11-07T07:00:00Z", -21600 },
		{ "2024-03-10T08:00:00Z", -18000 },  /* leap year 2024: March 10 */
		{ "2024-03-10T07:59:59Z", -21600 },
		{ "2026-12-31T23:59:59Z", -21600 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t t = ts(cases[i].t);

		if (bizclock_utc_offset(t) != cases[i].offset)
			fail_msg("offset at %s: got %d want %d", cases[i].t, bizclock_utc_offset(t),
				cases[i].offset);
		assert_int_equal(bizclock_utc_to_local(t), t + cases[i].offset);
	}
}

/* local is the Chicago wall clock written as if it were UTC. */
static void
test_local_to_utc(void **state)
{
	static const struct {
		const char *local;
		const char *utc;
	} cases[] = {
		{ "2026-07-01T12:00:00Z", "2026-07-01T17:00:00Z" }, /* CDT */
		{ "2026-01-05T08:00:00Z", "2026-01-05T14:00:00Z" }, /* CST */
		{ "2026-03-08T01:59:59Z", "2026-03-08T07:59:59Z" }, /* last CST second */
		{ "2026-03-08T02:30:00Z", "2026-03-08T08:30:00Z" }, /* skipped: read as CST = 03:30 CDT */
		{ "2026-03-08T03:00:00Z", "2026-03-08T08:00:00Z" }, /* first CDT second */
		{ "2026-11-01T01:30:00Z", "2026-11-01T06:30:00Z" }, /* repeated: first pass, CDT */
		{ "2026-11-01T02:00:00Z", "2026-11-01T08:00:00Z" }, /* CST */
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t got = bizclock_local_to_utc(ts(cases[i].local));

		if (got != ts(cases[i].utc))
			fail_msg("local %s: got %lld want %s", cases[i].local, (long long)got,
				cases[i].utc);
	}
}

static void
test_is_business_time(void **state)
{
	static const struct {
		const char *t;
		int want;
	} cases[] = {
		{ "2026-03-06T22:00:00Z", 1 }, /* Fri 16:00 CST */
		{ "2026-03-06T22:59:59Z", 1 }, /* Fri 16:59:59 CST */
		{ "2026-03-06T23:00:00Z", 0 }, /* Fri 17:00 CST: closed */
		{ "2026-03-07T18:00:00Z", 0 }, /* Sat 12:00 CST */
		{ "2026-03-09T12:59:59Z", 0 }, /* Mon 07:59:59 CDT (would be 06:59 CST) */
		{ "2026-03-09T13:00:00Z", 1 }, /* Mon 08:00 CDT */
		{ "2026-03-09T21:59:59Z", 1 }, /* Mon 16:59:59 CDT */
		{ "2026-03-09T22:00:00Z", 0 }, /* Mon 17:00 CDT (would be 16:00 CST) */
		{ "2026-11-25T22:59:59Z", 1 }, /* Wed 16:59:59 CST */
		{ "2026-11-26T18:00:00Z", 0 }, /* Thanksgiving, Thu 12:00 CST */
		{ "2026-12-25T15:00:00Z", 0 }, /* Christmas, Fri 09:00 CST */
		{ "2026-11-02T14:00:00Z", 1 }, /* Mon 08:00 CST, day after fall-back */
		{ "2026-11-02T13:59:59Z", 0 }, /* Mon 07:59:59 CST */
		{ "2026-03-10T08:00:00Z", 0 }, /* Tue 03:00 CDT */
	};
	struct bizclock bc;

	(void)state;
	clock_with_holidays(&bc);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		if (bizclock_is_business_time(&bc, ts(cases[i].t)) != cases[i].want)
			fail_msg("is_business_time(%s) != %d", cases[i].t, cases[i].want);
	}
}

static void
test_add_seconds(void **state)
{
	static const struct {
		const char *why;
		const char *t;
		int64_t n;
		const char *want;
	} cases[] = {
		{ "P3 8h from Fri 16:00 CST over the spring change: Fri 1h + Mon 7h = Mon 15:00 CDT",
			"2026-03-06T22:00:00Z", 8 * 3600, "2026-03-09T20:00:00Z" },
		{ "1h from Fri 16:00 CST ends at the closing, Fri 17:00 CST, not Mon 08:00",
			"2026-03-06T22:00:00Z", 3600, "2026-03-06T23:00:00Z" },
		{ "zero from Sat 12:00 CST is the start itself",
			"2026-03-07T18:00:00Z", 0, "2026-03-07T18:00:00Z" },
		{ "zero from Fri 16:30 CST (in hours) is the start itself",
			"2026-03-06T22:30:00Z", 0, "2026-03-06T22:30:00Z" },
		{ "1h from Sat 12:00 CST starts Mon 08:00 CDT: Mon 09:00 CDT",
			"2026-03-07T18:00:00Z", 3600, "2026-03-09T14:00:00Z" },
		{ "8h from Tue 03:00 CDT starts 08:00: Tue 16:00 CDT",
			"2026-03-10T08:00:00Z", 8 * 3600, "2026-03-10T21:00:00Z" },
		{ "8h from Tue 17:30 CDT: Wed 16:00 CDT",
			"2026-03-10T22:30:00Z", 8 * 3600, "2026-03-11T21:00:00Z" },
		{ "9h from Mon 08:00 CDT: the whole day, Mon 17:00 CDT",
			"2026-03-09T13:00:00Z", 9 * 3600, "2026-03-09T22:00:00Z" },
		{ "P4 24h from Fri 09:00 CST: Fri 8h + Mon 9h + Tue 7h = Tue 15:00 CDT",
			"2026-03-06T15:00:00Z", 24 * 3600, "2026-03-10T20:00:00Z" },
		{ "8h from Wed 15:00 CST over Thanksgiving: Wed 2h + Fri 6h = Fri 14:00 CST",
			"2026-11-25T21:00:00Z", 8 * 3600, "2026-11-27T20:00:00Z" },
		{ "2h from Thanksgiving 10:00 CST (a holiday): Fri 10:00 CST",
			"2026-11-26T16:00:00Z", 2 * 3600, "2026-11-27T16:00:00Z" },
		{ "P4 24h from Thu Dec 24 10:00 CST over Christmas: Thu 7h + Mon 9h + Tue 8h",
			"2026-12-24T16:00:00Z", 24 * 3600, "2026-12-29T22:00:00Z" },
		{ "2h from Thu Dec 31 16:00 CST over New Year's Day: Thu 1h + Mon 1h = Mon 09:00 CST",
			"2026-12-31T22:00:00Z", 2 * 3600, "2027-01-04T15:00:00Z" },
		{ "8h from Fri 16:00 CDT over the fall change: Fri 1h + Mon 7h = Mon 15:00 CST",
			"2026-10-30T21:00:00Z", 8 * 3600, "2026-11-02T21:00:00Z" },
		{ "1s from Fri 16:59:59 CST: Fri 17:00 CST",
			"2026-03-06T22:59:59Z", 1, "2026-03-06T23:00:00Z" },
		{ "2s from Fri 16:59:59 CST: Mon 08:00:01 CDT",
			"2026-03-06T22:59:59Z", 2, "2026-03-09T13:00:01Z" },
	};
	struct bizclock bc;

	(void)state;
	clock_with_holidays(&bc);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t got = -1;
		cs_err rc = bizclock_add_seconds(&bc, ts(cases[i].t), cases[i].n, &got);

		if (rc != CS_OK || got != ts(cases[i].want))
			fail_msg("%s: rc %d got %lld want %s", cases[i].why, rc, (long long)got,
				cases[i].want);
	}
}

static void
test_add_days(void **state)
{
	static const struct {
		const char *why;
		const char *t;
		int64_t n;
		const char *want;
	} cases[] = {
		{ "P3 update 3 days from Fri 16:00 CST: Mon, Tue, Wed; Wed 17:00 CDT",
			"2026-03-06T22:00:00Z", 3, "2026-03-11T22:00:00Z" },
		{ "3 days from Mon 10:00 CDT: Monday has begun; Tue, Wed, Thu 17:00 CDT",
			"2026-03-09T15:00:00Z", 3, "2026-03-12T22:00:00Z" },
		{ "3 days from Mon 08:00 CDT exactly: Monday is whole; Wed 17:00 CDT",
			"2026-03-09T13:00:00Z", 3, "2026-03-11T22:00:00Z" },
		{ "3 days from Mon 07:00 CDT: Wed 17:00 CDT",
			"2026-03-09T12:00:00Z", 3, "2026-03-11T22:00:00Z" },
		{ "3 days from Fri 17:30 CST: Mon, Tue, Wed 17:00 CDT",
			"2026-03-06T23:30:00Z", 3, "2026-03-11T22:00:00Z" },
		{ "5 days from Sat 12:00 CST: Mon..Fri 17:00 CDT",
			"2026-03-07T18:00:00Z", 5, "2026-03-13T22:00:00Z" },
		{ "RCA draft 3 days from Wed Nov 25 10:00 CST: Fri 27, Mon 30, Tue Dec 1 17:00 CST",
			"2026-11-25T16:00:00Z", 3, "2026-12-01T23:00:00Z" },
		{ "RCA final 5 days from Wed Nov 25 10:00 CST: ... Thu Dec 3 17:00 CST",
			"2026-11-25T16:00:00Z", 5, "2026-12-03T23:00:00Z" },
		{ "3 days from Christmas 09:00 CST (a holiday): Mon 28, Tue 29, Wed 30 17:00 CST",
			"2026-12-25T15:00:00Z", 3, "2026-12-30T23:00:00Z" },
		{ "P4 update 5 days from Thu Dec 24 10:00 CST: Mon 28..Thu 31, (Jan 1 holiday), Mon Jan 4",
			"2026-12-24T16:00:00Z", 5, "2027-01-04T23:00:00Z" },
		{ "1 day from Fri Oct 30 12:00 CDT over the fall change: Mon 17:00 CST",
			"2026-10-30T17:00:00Z", 1, "2026-11-02T23:00:00Z" },
		{ "1 day from Tue 03:00 CDT: that Tuesday, 17:00 CDT",
			"2026-03-10T08:00:00Z", 1, "2026-03-10T22:00:00Z" },
		{ "zero days from Sat 12:00 CST is the start itself",
			"2026-03-07T18:00:00Z", 0, "2026-03-07T18:00:00Z" },
	};
	struct bizclock bc;

	(void)state;
	clock_with_holidays(&bc);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t got = -1;
		cs_err rc = bizclock_add_days(&bc, ts(cases[i].t), cases[i].n, &got);

		if (rc != CS_OK || got != ts(cases[i].want))
			fail_msg("%s: rc %d got %lld want %s", cases[i].why, rc, (long long)got,
				cases[i].want);
	}
}

static void
test_between(void **state)
{
	static const struct {
		const char *why;
		const char *a, *b;
		int64_t want;
	} cases[] = {
		{ "Fri 16:00 CST to Mon 15:00 CDT: 1h + 7h",
			"2026-03-06T22:00:00Z", "2026-03-09T20:00:00Z", 8 * 3600 },
		{ "reversed: negative",
			"2026-03-09T20:00:00Z", "2026-03-06T22:00:00Z", -8 * 3600 },
		{ "same instant", "2026-03-09T20:00:00Z", "2026-03-09T20:00:00Z", 0 },
		{ "Sat 00:00 CST to Mon 00:00 CDT, the weekend of the change",
			"2026-03-07T06:00:00Z", "2026-03-09T05:00:00Z", 0 },
		{ "Mon 00:00 to Tue 00:00 CDT: one 9h day",
			"2026-03-09T05:00:00Z", "2026-03-10T05:00:00Z", 9 * 3600 },
		{ "Wed Nov 25 to Sat Nov 28, 00:00 CST: Wed + Fri (Thanksgiving off)",
			"2026-11-25T06:00:00Z", "2026-11-28T06:00:00Z", 18 * 3600 },
		{ "Mon Nov 23 to Mon Nov 30, 00:00 CST: four days",
			"2026-11-23T06:00:00Z", "2026-11-30T06:00:00Z", 36 * 3600 },
		{ "Fri 16:00 CDT to Mon 15:00 CST over the fall change: 1h + 7h",
			"2026-10-30T21:00:00Z", "2026-11-02T21:00:00Z", 8 * 3600 },
	};
	struct bizclock bc;

	(void)state;
	clock_with_holidays(&bc);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int64_t got = -1;
		cs_err rc = bizclock_between(&bc, ts(cases[i].a), ts(cases[i].b), &got);

		if (rc != CS_OK || got != cases[i].want)
			fail_msg("%s: rc %d got %lld want %lld", cases[i].why, rc, (long long)got,
				(long long)cases[i].want);
	}
}

/* A 24/7 clock counts wall time, through the 23-hour and 25-hour days. */
static void
test_round_the_clock(void **state)
{
	struct bizclock bc;
	int64_t got = 0;

	(void)state;
	bizclock_init(&bc);
	bc.weekdays = 0x7f;
	assert_int_equal(bizclock_set_hours(&bc, 0, 24, NULL, 0), CS_OK);
	/* Sat 12:00 CST + 48h = Mon 13:00 CDT */
	assert_int_equal(bizclock_add_seconds(&bc, ts("2026-03-07T18:00:00Z"), 48 * 3600, &got),
		CS_OK);
	assert_int_equal(got, ts("2026-03-09T18:00:00Z"));
	/* Sat 12:00 CDT + 48h = Mon 11:00 CST */
	assert_int_equal(bizclock_add_seconds(&bc, ts("2026-10-31T17:00:00Z"), 48 * 3600, &got),
		CS_OK);
	assert_int_equal(got, ts("2026-11-02T17:00:00Z"));
	assert_int_equal(bizclock_between(&bc, ts("2026-03-08T06:00:00Z"),
		ts("2026-03-09T05:00:00Z"), &got), CS_OK);
	assert_int_equal(got, 23 * 3600); /* Sunday March 8 has 23 hours */
	assert_int_equal(bizclock_between(&bc, ts("2026-11-01T05:00:00Z"),
		ts("2026-11-02T06:00:00Z"), &got), CS_OK);
	assert_int_equal(got, 25 * 3600); /* Sunday November 1 has 25 hours */
}

static void
test_holiday_parsing(void **state)
{
	static const char *const bad[] = {
		"", "2026-13-01", "2026-00-10", "2026-02-29", "2026-04-31", "2026-2-28",
		"2026-02-28x", "20a6-01-01", "1969-12-31", "2026/01/01", "2026-01-00",
		"2100-02-29", " 2026-01-01",
	};
	struct bizclock bc;
	char err[CS_ERRLEN];

	(void)state;
	bizclock_init(&bc);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (bizclock_add_holiday(&bc, bad[i], err, sizeof(err)) != CS_ERR_PARSE)
			fail_msg("holiday '%s' accepted", bad[i]);
		assert_true(strstr(err, "holiday") != NULL);
	}
	assert_int_equal(bc.nholidays, 0);
	assert_int_equal(bizclock_add_holiday(&bc, "2028-02-29", NULL, 0), CS_OK);
	assert_int_equal(bizclock_add_holiday(&bc, "2000-02-29", NULL, 0), CS_OK);
	assert_int_equal(bizclock_add_holiday(&bc, "2026-12-25", NULL, 0), CS_OK);
	assert_int_equal(bizclock_add_holiday(&bc, "2026-12-25", NULL, 0), CS_OK);
	assert_int_equal(bc.nholidays, 3);
	/* Kept sorted: 2000-02-29 is day 11016, 2026-12-25 day 20812, 2028-02-29 day 21243. */
	assert_int_equal(bc.holidays[0], 11016);
	assert_int_equal(bc.holidays[1], 20812);
	assert_int_equal(bc.holidays[2], 21243);
}

static void
test_holiday_limit(void **state)
{
	struct bizclock bc;
	char date[16];
	char err[CS_ERRLEN];

	(void)state;
	bizclock_init(&bc);
	for (int i = 0; i < BIZCLOCK_MAX_HOLIDAYS; i++) {
		/* Jan 1 of 2000 + i: distinct dates */
		snprintf(date, sizeof(date), "%04d-01-01", 2000 + i);
		assert_int_equal(bizclock_add_holiday(&bc, date, NULL, 0), CS_OK);
	}
	assert_int_equal(bc.nholidays, BIZCLOCK_MAX_HOLIDAYS);
	assert_int_equal(bizclock_add_holiday(&bc, "1999-07-04", err, sizeof(err)), CS_ERR_TOOBIG);
	assert_true(strstr(err, "1999-07-04") != NULL);
	assert_int_equal(bc.nholidays, BIZCLOCK_MAX_HOLIDAYS);
	/* A date already there is still fine when full. */
	assert_int_equal(bizclock_add_holiday(&bc, "2001-01-01", NULL, 0), CS_OK);
}

static void
test_bad_clock_and_arguments(void **state)
{
	struct bizclock bc;
	char err[CS_ERRLEN];
	int64_t got = 42;
	int64_t t = ts("2026-03-09T15:00:00Z");

	(void)state;
	bizclock_init(&bc);
	assert_int_equal(bizclock_set_hours(&bc, 17, 8, err, sizeof(err)), CS_ERR_CONFIG);
	assert_true(strstr(err, "17..8") != NULL);
	assert_int_equal(bizclock_set_hours(&bc, 8, 25, NULL, 0), CS_ERR_CONFIG);
	assert_int_equal(bizclock_set_hours(&bc, -1, 5, NULL, 0), CS_ERR_CONFIG);
	assert_int_equal(bizclock_set_hours(&bc, 9, 9, NULL, 0), CS_ERR_CONFIG);
	assert_int_equal(bc.open_hour, 8); /* unchanged */
	assert_int_equal(bc.close_hour, 17);
	assert_int_equal(bizclock_check(&bc, NULL, 0), CS_OK);

	assert_int_equal(bizclock_add_seconds(&bc, t, -1, &got), CS_ERR_INTERNAL);
	assert_int_equal(bizclock_add_days(&bc, t, -1, &got), CS_ERR_INTERNAL);
	assert_int_equal(bizclock_add_seconds(&bc, -5, 1, &got), CS_ERR_INTERNAL);
	assert_int_equal(bizclock_between(&bc, t, BIZCLOCK_MAX_TIME + 1, &got), CS_ERR_INTERNAL);
	/* 200 years of business seconds lie beyond the search bound. */
	assert_int_equal(bizclock_add_seconds(&bc, t, (int64_t)200 * 365 * 9 * 3600, &got),
		CS_ERR_TOOBIG);
	assert_int_equal(bizclock_add_days(&bc, t, 200 * 365, &got), CS_ERR_TOOBIG);
	assert_int_equal(bizclock_between(&bc, 0, BIZCLOCK_MAX_TIME, &got), CS_ERR_TOOBIG);
	assert_int_equal(got, 42); /* untouched on failure */

	bc.weekdays = 0;
	assert_int_equal(bizclock_check(&bc, err, sizeof(err)), CS_ERR_CONFIG);
	assert_true(strstr(err, "weekday") != NULL);
	assert_int_equal(bizclock_add_seconds(&bc, t, 1, &got), CS_ERR_CONFIG);
	assert_int_equal(bizclock_add_days(&bc, t, 1, &got), CS_ERR_CONFIG);
	assert_int_equal(bizclock_between(&bc, t, t + 1, &got), CS_ERR_CONFIG);
	assert_int_equal(bizclock_is_business_time(&bc, t), 0);
	assert_int_equal(got, 42);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_self_check_ts),
		cmocka_unit_test(test_utc_offset),
		cmocka_unit_test(test_local_to_utc),
		cmocka_unit_test(test_is_business_time),
		cmocka_unit_test(test_add_seconds),
		cmocka_unit_test(test_add_days),
		cmocka_unit_test(test_between),
		cmocka_unit_test(test_round_the_clock),
		cmocka_unit_test(test_holiday_parsing),
		cmocka_unit_test(test_holiday_limit),
		cmocka_unit_test(test_bad_clock_and_arguments),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
