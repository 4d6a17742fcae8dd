/* pubtime.h: locale-free time formats the site writes (RFC 822, words for people); ISO 8601 is cstime's. */
#ifndef PUBTIME_H
#define PUBTIME_H

#include <stddef.h>
#include <stdint.h>

#define PUBTIME_LEN 40                /* enough for every format below */

/* "Thu, 26 Nov 2026 09:14:49 +0000" (RSS 2.0 pubDate). Returns buf. */
char *pubtime_rfc822(int64_t t, char *buf, size_t len);

/* "26 Nov 2026, 09:14 UTC" for people. Returns buf. */
char *pubtime_human(int64_t t, char *buf, size_t len);

/* "2026-11-26" of the UTC day of t. Returns buf. */
char *pubtime_date(int64_t t, char *buf, size_t len);

/* "November 2026" of t. Returns buf. */
char *pubtime_month(int64_t t, char *buf, size_t len);

#endif
