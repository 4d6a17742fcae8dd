/* pubtime.c: UTC time formatting with fixed English names, no locale, no time zone database. */
#include <stdio.h>

#include "pubtime.h"

static const char *const wdays[] = { "Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed" };
static const char *const mons[] = { "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul",
	"Aug", "Sep", "Oct", "Nov", "Dec" };
static const char *const months[] = { "January", "February", "March", "April", "May",
	"June", "July", "August", "September", "October", "November", "December" };

struct civil {
	int64_t y;
	unsigned m, d, hh, mm, ss, wday; /* wday 0 = Thursday (1970-01-01) */
};

/*
 * Days to civil date: Howard Hinnant's algorithm, exact over the whole
 * proleptic Gregorian calendar, so no gmtime_r and no TZ dependency.
 */
static void
split(int64_t t, struct civil *c)
{
	int64_t days = t / 86400, rem = t % 86400, z, era, doe, yoe, doy, mp;

	if (rem < 0) {
		rem += 86400;
		days--;
	}
	c->hh = (unsigned)(rem / 3600);
	c->mm = (unsigned)(rem % 3600 / 60);
	c->ss = (unsigned)(rem % 60);
	c->wday = (unsigned)(((days % 7) + 7) % 7);
	z = days + 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	c->d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	c->m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
	c->y = yoe + era * 400 + (c->m <= 2);
}

/* Writes v as exactly n decimal digits at p (v >= 0); returns p + n. */
static char *
digits(char *p, int64_t v, int n)
{
	int i;

	for (i = n - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
	return p + n;
}

/* Called for every time of every page: written by hand, snprintf showed in profiles. */
char *
pubtime_iso(int64_t t, char *buf, size_t len)
{
	struct civil c;
	char *p = buf;

	split(t, &c);
	if (len < 21 || c.y < 0 || c.y > 9999) {
		snprintf(buf, len, "%04lld-%02u-%02uT%02u:%02u:%02uZ", (long long)c.y, c.m, c.d,
		    c.hh, c.mm, c.ss);
		return buf;
	}
	p = digits(p, c.y, 4);
	*p++ = '-';
	p = digits(p, c.m, 2);
	*p++ = '-';
	p = digits(p, c.d, 2);
	*p++ = 'T';
	p = digits(p, c.hh, 2);
	*p++ = ':';
	p = digits(p, c.mm, 2);
	*p++ = ':';
	p = digits(p, c.ss, 2);
	*p++ = 'Z';
	*p = '\0';
	return buf;
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
