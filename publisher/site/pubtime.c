/* pubtime.c: UTC time formatting with fixed English names, no locale, no time zone database. */
#include <stdio.h>

#include "base/cstime.h"
#include "site/pubtime.h"

static const char *const wdays[] = { "Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed" };
static const char *const mons[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
	"Aug", "Sep", "Oct", "Nov", "Dec" };
static const char *const months[] = { "January", "February", "March", "April", "May",
	"June", "July", "August", "September", "October", "November", "December" };

struct civil {
	int64_t y;
	unsigned m, d, hh, mm, ss, wday; /* wday 0 = Thursday (1970-01-01) */
};

/* Splits t into UTC fields: the calendar is cstime's, no gmtime_r, no TZ dependency. */
static void
split(int64_t t, struct civil *c)
{
	int64_t days = t / 86400, rem = t % 86400;

	if (rem < 0) {
		rem += 86400;
		days--;
	}
	c->hh = (unsigned)(rem / 3600);
	c->mm = (unsigned)(rem % 3600 / 60);
	c->ss = (unsigned)(rem % 60);
	c->wday = (unsigned)(((days % 7) + 7) % 7);
	cstime_civil_from_days(days, &c->y, &c->m, &c->d);
}

char *
pubtime_rfc822(int64_t t, char *buf, size_t len)
{
	struct civil c;

	split(t, &c);
	snprintf(buf, len, "%s, %02u %s %04lld %02u:%02u:%02u +0000", wdays[c.wday], c.d,
	    mons[c.m - 1], (long long)c.y, c.hh, c.mm, c.ss);
	return buf;
}

char *
pubtime_human(int64_t t, char *buf, size_t len)
{
	struct civil c;

	split(t, &c);
	snprintf(buf, len, "%u %s %04lld, %02u:%02u UTC", c.d, mons[c.m - 1], (long long)c.y,
	    c.hh, c.mm);
	return buf;
}

char *
pubtime_date(int64_t t, char *buf, size_t len)
{
	struct civil c;

	split(t, &c);
	snprintf(buf, len, "%04lld-%02u-%02u", (long long)c.y, c.m, c.d);
	return buf;
}

char *
pubtime_month(int64_t t, char *buf, size_t len)
{
	struct civil c;

	split(t, &c);
	snprintf(buf, len, "%s %04lld", months[c.m - 1], (long long)c.y);
	return buf;
}
