/* cstime.h: locale-free parsing and formatting of the times feeds and users write. */
#ifndef CSTIME_H
#define CSTIME_H

#include <stddef.h>
#include <stdint.h>

/* All times are int64_t seconds since the Unix epoch, UTC. */

/*
 * Parses an RFC 822 date as AWS writes it ("Mon, 17 Aug 2026 21:01:19 PDT",
 * also a space-padded day "Sat,  3 Mar 2018"; zones GMT/UTC/Z, PST/PDT,
 * MST/MDT, CST/CDT, EST/EDT, or +hhmm/-hhmm). The weekday is optional and
 * not checked. ASCII only, bounded, no locale. Returns 0 and sets *out, or
 * -1 if s is not such a date.
 */
int cstime_parse_rfc822(const char *s, int64_t *out);

/*
 * Parses an HTTP-date (RFC 9110 section 5.6.7), as in Retry-After, in any of
 * its three forms: IMF-fixdate "Sun, 06 Nov 1994 08:49:37 GMT", RFC 850
 * "Sunday, 06-Nov-94 08:49:37 GMT" (a two-digit year below 70 is 20xx) and
 * asctime "Sun Nov  6 08:49:37 1994". The zone must be GMT (or UTC); the
 * weekday is skipped, not checked; names are matched in any case; blanks
 * around the date are allowed. The day is checked against 1..31 only, a
 * leap second 60 is kept. ASCII only, bounded, no locale. Returns 0 and sets
 * *out, or -1 if s is not such a date.
 */
int cstime_parse_http_date(const char *s, int64_t *out);

/*
 * Parses ISO 8601 / RFC 3339 as users type it on the command line:
 * "2026-08-18T04:00:00Z", "2026-08-18T04:00Z", "2026-08-18 04:00:00+02:00",
 * "2026-08-18" (midnight UTC), or "@1787025679" (epoch seconds). A time
 * without a zone is UTC. Returns 0 and sets *out, or -1.
 */
int cstime_parse_iso8601(const char *s, int64_t *out);

/* Writes "2026-08-18T04:00:00Z" into buf (at least 21 bytes). Returns buf. */
char *cstime_format_iso8601(int64_t t, char *buf, size_t len);

/* Days since 1970-01-01 of a proleptic Gregorian date, and back. */
int64_t cstime_days_from_civil(int64_t y, unsigned m, unsigned d);
void cstime_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);

/* Milliseconds of CLOCK_MONOTONIC: for timeouts and backoff, which a wall-clock jump must not move. */
int64_t cstime_mono_ms(void);

#endif
