/* test_cstime.c: table tests of the RFC 822, HTTP-date and ISO 8601 parsers and the formatter. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/cstime.h"

struct tcase {
	const char *in;
	int         rc;   /* 0 or -1 */
	int64_t     want; /* when rc == 0 */
};

static const struct tcase rfc822[] = {
	/* As AWS writes them (epochs checked against the guids of the fixtures). */
	{ "Mon, 17 Aug 2026 21:01:19 PDT", 0, 1787025679 },
	{ "Tue, 03 Mar 2026 08:40:00 PST", 0, 1772556000 },
	{ "Sat,  3 Mar 2018 04:06:15 PST", 0, 1520078775 },
	{ "Fri,  2 Mar 2018 10:24:00 PST", 0, 1520015040 },
	{ "Thu, 02 Feb 2023 14:19:24 PST", 0, 1675376364 },
	/* Zones. */
	{ "Thu, 01 Jan 1970 00:00:00 GMT", 0, 0 },
	{ "Thu, 01 Jan 1970 00:00:00 UTC", 0, 0 },
	{ "Thu, 01 Jan 1970 00:00:00 UT", 0, 0 },
	{ "Thu, 01 Jan 1970 00:00:00 Z", 0, 0 },
	{ "01 Jan 1970 00:00:00 EST", 0, 5 * 3600 },
	{ "01 Jan 1970 00:00:00 EDT", 0, 4 * 3600 },
	{ "01 Jan 1970 00:00:00 CST", 0, 6 * 3600 },
	{ "01 Jan 1970 00:00:00 CDT", 0, 5 * 3600 },
	{ "01 Jan 1970 00:00:00 MST", 0, 7 * 3600 },
	{ "01 Jan 1970 00:00:00 MDT", 0, 6 * 3600 },
	{ "01 Jan 1970 00:00:00 pst", 0, 8 * 3600 },
	{ "01 Jan 1970 00:00:00 +0130", 0, -5400 },
	{ "01 Jan 1970 00:00:00 -0800", 0, 8 * 3600 },
	/* Optional seconds and weekday, case, blanks, two-digit years. */
	{ "01 JAN 1970 00:01 GMT", 0, 60 },
	{ "  Thu,01 jan 1970 00:00:01 GMT  ", 0, 1 },
	{ "Sun, 01 Jan 23 00:00:00 GMT", 0, 1672531200 },
	{ "Fri, 01 Jan 99 00:00:00 GMT", 0, 915148800 },
	{ "Sat, 29 Feb 2020 12:00:00 GMT", 0, 1582977600 },
	{ "Wed, 31 Dec 2025 23:59:60 GMT", 0, 1767225599 },
	/* Not dates. */
	{ "", -1, 0 },
	{ "Mon, 17 Aug 2026 21:01:19", -1, 0 },
	{ "Mon, 17 Aug 2026 21:01:19 XYZ", -1, 0 },
	{ "Mon, 17 Aug 2026 21:01:19 PDTX", -1, 0 },
	{ "Mon, 32 Aug 2026 21:01:19 PDT", -1, 0 },
	{ "Fri, 29 Feb 2019 00:00:00 GMT", -1, 0 },
	{ "Mon, 17 Foo 2026 21:01:19 PDT", -1, 0 },
	{ "Mon, 17 Aug 2026 24:00:00 PDT", -1, 0 },
	{ "Mon, 17 Aug 2026 21:60:00 PDT", -1, 0 },
	{ "Mon, 17 Aug 2026 21:01:19 +2400", -1, 0 },
	{ "Mon, 17 Aug 2026 21:01:19 +01", -1, 0 },
	{ "Mon 17 Aug 2026 21:01:19 PDT", -1, 0 },
	{ "Mon, 17 Aug 226 21:01:19 PDT", -1, 0 },
	{ "Mon, 17 Aug 2026 21:01:19 PDT trailing", -1, 0 },
	{ "Mon, 17 Aug 2026 21:1:19 PDT", -1, 0 },
	{ "Mon, 17 Aug 20266 21:01:19 PDT", -1, 0 },
	{ "Mon, 17 Aug 2026 21:01:19 PDT                                                  x", -1, 0 },
	{ "Mo\xc3\xa9, 17 Aug 2026 21:01:19 PDT", -1, 0 },
};

/* RFC 9110 section 5.6.7: the example date of the RFC is 784111777. */
static const struct tcase http_date[] = {
	{ "Sun, 06 Nov 1994 08:49:37 GMT", 0, 784111777 },
	{ "Sunday, 06-Nov-94 08:49:37 GMT", 0, 784111777 },
	{ "Sun Nov  6 08:49:37 1994", 0, 784111777 },
	{ "Sun Nov 6 08:49:37 1994", 0, 784111777 },
	{ "06 Nov 1994 08:49:37 GMT", 0, 784111777 },
	{ "sun, 06 nov 1994 08:49:37 utc", 0, 784111777 },
	{ "  Sun, 06 Nov 1994 08:49:37 GMT  ", 0, 784111777 },
	{ "Thu, 01 Jan 1970 00:00:00 GMT", 0, 0 },
	/* Weekday not checked. */
	{ "Mon, 01 Jan 1970 00:00:00 GMT", 0, 0 },
	/* RFC 850 two-digit years: 70 and on are 19xx, below 70 are 20xx. */
	{ "Thursday, 01-Jan-70 00:00:00 GMT", 0, 0 },
	{ "Tuesday, 01-Jan-69 00:00:00 GMT", 0, 3124224000 },
	/* A leap second counts; a day past the month's end rolls over (as the poller read them). */
	{ "Sat, 31 Dec 2016 23:59:60 GMT", 0, 1483228800 },
	{ "Sun, 29 Feb 2026 00:00:00 GMT", 0, 1772323200 },
	/* Not HTTP-dates. */
	{ "", -1, 0 },
	{ "Sun, 06 Nov 1994 08:49:37 PST", -1, 0 },
	{ "Sun, 06 Nov 1994 08:49:37 +0000", -1, 0 },
	{ "Sun, 06 Nov 1994 08:49:37", -1, 0 },
	{ "Sun, 06 Nov 1994 08:49 GMT", -1, 0 },
	{ "Sun, 06-Nov 1994 08:49:37 GMT", -1, 0 },
	{ "Sun, 06 Nov 994 08:49:37 GMT", -1, 0 },
	{ "Sun, 32 Nov 1994 08:49:37 GMT", -1, 0 },
	{ "Sun, 00 Nov 1994 08:49:37 GMT", -1, 0 },
	{ "Sun, 06 Nov 1994 24:00:00 GMT", -1, 0 },
	{ "Sun, 06 Nov 1994 08:60:00 GMT", -1, 0 },
	{ "Sun, 06 Nov 1994 08:49:61 GMT", -1, 0 },
	{ "Sun, 06 Foo 1994 08:49:37 GMT", -1, 0 },
	{ "Sun, 06 Nov 1994 08:49:37 GMT x", -1, 0 },
	{ "Sun Nov  6 08:49:37 94", -1, 0 },
	{ "Sun Nov  6 08:49:37 1994 GMT", -1, 0 },
	{ "Sun, 06 Nov 1994 08:49:37 GMT                                        ", -1, 0 },
};

static const struct tcase iso8601[] = {
	{ "2026-08-18T04:00:00Z", 0, 1787025600 },
	{ "2026-08-18t04:00:00z", 0, 1787025600 },
	{ "2026-08-18T04:00Z", 0, 1787025600 },
	{ "2026-08-18T04:00", 0, 1787025600 },
	{ "2026-08-18 06:00:00+02:00", 0, 1787025600 },
	{ "2026-08-18T06:00:00+0200", 0, 1787025600 },
	{ "2026-08-18T02:00:00-02", 0, 1787025600 },
	{ "2026-08-18T04:00:00.123Z", 0, 1787025600 },
	{ "2026-08-18", 0, 1787011200 },
	{ "1970-01-01", 0, 0 },
	{ "@1787025679", 0, 1787025679 },
	{ "@0", 0, 0 },
	{ "@-1", 0, -1 },
	{ "2000-02-29T00:00:00Z", 0, 951782400 },
	{ "", -1, 0 },
	{ "@", -1, 0 },
	{ "@12x", -1, 0 },
	{ "@1234567890123456", -1, 0 },
	{ "2026-8-18", -1, 0 },
	{ "2026-08-18T", -1, 0 },
	{ "2026-08-18T4:00Z", -1, 0 },
	{ "2026-13-01", -1, 0 },
	{ "2026-02-29", -1, 0 },
	{ "2026-08-18T04:00:00+25:00", -1, 0 },
	{ "2026-08-18T04:00:00.Z", -1, 0 },
	{ "2026-08-18T04:00:00ZZ", -1, 0 },
	{ "2026-08-18X04:00:00Z", -1, 0 },
	{ "18/08/2026", -1, 0 },
};

static void
run_table(const struct tcase *t, size_t n, int (*fn)(const char *, int64_t *))
{
	for (size_t i = 0; i < n; i++) {
		int64_t got = 42;
		int rc = fn(t[i].in, &got);

		if (rc != t[i].rc || (rc == 0 && got != t[i].want))
			fail_msg("\"%s\": rc %d got %lld, want rc %d %lld", t[i].in, rc,
			    (long long)got, t[i].rc, (long long)t[i].want);
		if (rc != 0 && got != 42)
			fail_msg("\"%s\": output written on failure", t[i].in);
	}
}

static void
test_rfc822(void **state)
{
	(void)state;
	run_table(rfc822, sizeof(rfc822) / sizeof(rfc822[0]), cstime_parse_rfc822);
	assert_int_equal(cstime_parse_rfc822(NULL, NULL), -1);
}

static void
test_http_date(void **state)
{
	(void)state;
	run_table(http_date, sizeof(http_date) / sizeof(http_date[0]), cstime_parse_http_date);
	assert_int_equal(cstime_parse_http_date(NULL, NULL), -1);
}

static void
test_iso8601(void **state)
{
	(void)state;
	run_table(iso8601, sizeof(iso8601) / sizeof(iso8601[0]), cstime_parse_iso8601);
}

static void
test_format(void **state)
{
	static const struct {
		int64_t     t;
		const char *want;
	} cases[] = {
		{ 0, "1970-01-01T00:00:00Z" },
		{ 1787025679, "2026-08-18T04:01:19Z" },
		{ 951782400, "2000-02-29T00:00:00Z" },
		{ -1, "1969-12-31T23:59:59Z" },
		{ 253402300799, "9999-12-31T23:59:59Z" },
	};
	char buf[32];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(cstime_format_iso8601(cases[i].t, buf, sizeof(buf)), cases[i].want);
	/* Too small a buffer gives an empty string, never an overflow. */
	assert_string_equal(cstime_format_iso8601(0, buf, 20), "");
}

/* Round trips over four centuries, both directions. */
static void
test_civil_round_trip(void **state)
{
	(void)state;
	for (int64_t days = -146097; days <= 146097 * 2; days += 7) {
		int64_t y;
		unsigned m, d;
		char buf[32];
		int64_t back;

		cstime_civil_from_days(days, &y, &m, &d);
		assert_int_equal(cstime_days_from_civil(y, m, d), days);
		if (y >= 1000 && y <= 9999) {
			cstime_format_iso8601(days * 86400 + 3723, buf, sizeof(buf));
			assert_int_equal(cstime_parse_iso8601(buf, &back), 0);
			assert_int_equal(back, days * 86400 + 3723);
		}
	}
	assert_int_equal(cstime_days_from_civil(1970, 1, 1), 0);
	assert_int_equal(cstime_days_from_civil(2000, 3, 1), 11017);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc822),
		cmocka_unit_test(test_http_date),
		cmocka_unit_test(test_iso8601),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_civil_round_trip),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
