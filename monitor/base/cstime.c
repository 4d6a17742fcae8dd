/* cstime.c: locale-free parsing and formatting of RFC 822 and ISO 8601 times. */
#include "base/cstime.h"

#include <string.h>
#include <time.h>

#include "base/ascii.h"

/*
 * Everything here reads bytes, not characters: only ASCII digits, letters,
 * spaces and the few punctuation marks of the two formats are accepted.
 * Every loop is bounded by the length of the input, every number by a
 * digit count, so no input can overflow or run long.
 */

#define CSTIME_MAXLEN 64 /* longer inputs are not dates */

/* Howard Hinnant's days_from_civil: exact for the proleptic Gregorian calendar. */
int64_t
cstime_days_from_civil(int64_t y, unsigned m, unsigned d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (int64_t)(m > 2 ? m - 3 : m + 9) + 2) / 5 + (int64_t)d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void
cstime_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d)
{
	int64_t z = days + 719468;
	int64_t era = (z >= 0 ? z : z - 146096) / 146097;
	int64_t doe = z - era * 146097;
	int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	int64_t mp = (5 * doy + 2) / 153;
	unsigned dd = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
	unsigned mm = (unsigned)(mp < 10 ? mp + 3 : mp - 9);

	*y = yoe + era * 400 + (mm <= 2);
	*m = mm;
	*d = dd;
}

static int
is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned
month_days(int64_t y, unsigned m)
{
	static const unsigned char len[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : len[m - 1];
}

/*
 * Reads between min and max digits at *sp into *out, advancing *sp.
 * Returns 0, or -1 if there are fewer than min digits.
 */
static int
digits(const char **sp, const char *end, int min, int max, int64_t *out)
{
	const char *s = *sp;
	int64_t v = 0;
	int n = 0;

	while (s < end && n < max && ascii_isdigit(*s)) {
		v = v * 10 + (*s - '0');
		s++;
		n++;
	}
	if (n < min)
		return -1;
	*sp = s;
	*out = v;
	return 0;
}

static void
skip_spaces(const char **sp, const char *end)
{
	while (*sp < end && ascii_isblank(**sp))
		(*sp)++;
}

/* Case-insensitive match of the n-byte lowercase ASCII word w at *sp; advances on success. */
static int
word(const char **sp, const char *end, const char *w, size_t n)
{
	const char *s = *sp;

	if ((size_t)(end - s) < n)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (ascii_tolower(s[i]) != w[i])
			return -1;
	}
	*sp = s + n;
	return 0;
}

/* Seconds of the civil date and time, after range checks. */
static int
make_time(int64_t y, int64_t mo, int64_t d, int64_t h, int64_t mi, int64_t s,
    int64_t *out)
{
	if (mo < 1 || mo > 12 || d < 1 || d > (int64_t)month_days(y, (unsigned)mo))
		return -1;
	/* 24:00:00 is not accepted; a leap second 60 is read as 59. */
	if (h > 23 || mi > 59 || s > 60)
		return -1;
	if (s == 60)
		s = 59;
	*out = cstime_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 +
	    h * 3600 + mi * 60 + s;
	return 0;
}

/*
 * Sets *end to the end of the date text s, reading at most CSTIME_MAXLEN + 1
 * bytes of it. Returns 0, or -1 when s is NULL or longer (not a date).
 */
static int
text_end(const char *s, const char **end)
{
	const char *nul;

	if (s == NULL)
		return -1;
	nul = memchr(s, '\0', CSTIME_MAXLEN + 1);
	if (nul == NULL)
		return -1;
	*end = nul;
	return 0;
}

/* Named zones of RFC 822 and their offset from UTC in minutes. */
static const struct {
	const char *name;
	int         minutes;
} zones[] = {
	{ "gmt", 0 }, { "utc", 0 }, { "ut", 0 }, { "z", 0 },
	{ "est", -5 * 60 }, { "edt", -4 * 60 },
	{ "cst", -6 * 60 }, { "cdt", -5 * 60 },
	{ "mst", -7 * 60 }, { "mdt", -6 * 60 },
	{ "pst", -8 * 60 }, { "pdt", -7 * 60 },
};

static const char *const months[12] = {
	"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"
};

/* Reads a three-letter English month name at *sp, any case, into *mon (1..12). */
static int
month(const char **sp, const char *end, int64_t *mon)
{
	for (int i = 0; i < 12; i++) {
		if (word(sp, end, months[i], 3) == 0) {
			*mon = i + 1;
			return 0;
		}
	}
	return -1;
}

/* Reads "hh:mm:ss", two digits each. */
static int
clock_hms(const char **sp, const char *end, int64_t *h, int64_t *mi, int64_t *sec)
{
	const char *s = *sp;

	if (digits(&s, end, 2, 2, h) != 0 || s >= end || *s++ != ':')
		return -1;
	if (digits(&s, end, 2, 2, mi) != 0 || s >= end || *s++ != ':')
		return -1;
	if (digits(&s, end, 2, 2, sec) != 0)
		return -1;
	*sp = s;
	return 0;
}

/* Reads "+hhmm", "-hhmm" or, when colon is set, also "+hh:mm" / "+hh". */
static int
numeric_zone(const char **sp, const char *end, int colon, int64_t *minutes)
{
	const char *s = *sp;
	int sign;
	int64_t hh, mm = 0;

	if (s >= end || (*s != '+' && *s != '-'))
		return -1;
	sign = *s == '-' ? -1 : 1;
	s++;
	if (digits(&s, end, 2, 2, &hh) != 0)
		return -1;
	if (colon && s < end && *s == ':')
		s++;
	if (s < end && ascii_isdigit(*s)) {
		if (digits(&s, end, 2, 2, &mm) != 0)
			return -1;
	} else if (!colon) {
		return -1;
	}
	if (hh > 23 || mm > 59)
		return -1;
	*minutes = sign * (hh * 60 + mm);
	*sp = s;
	return 0;
}

int
cstime_parse_rfc822(const char *s, int64_t *out)
{
	const char *end;
	int64_t day, year, h, mi, sec = 0, zone = 0, t;
	int64_t mon = 0;
	int found;

	if (text_end(s, &end) != 0)
		return -1;
	skip_spaces(&s, end);
	/* Optional weekday: three letters and a comma, not checked against the date. */
	if (end - s >= 4 && !ascii_isdigit(*s)) {
		for (int i = 0; i < 3; i++) {
			if (!ascii_isalpha(s[i]))
				return -1;
		}
		s += 3;
		if (*s != ',')
			return -1;
		s++;
		skip_spaces(&s, end);
	}
	if (digits(&s, end, 1, 2, &day) != 0 || s >= end || !ascii_isblank(*s))
		return -1;
	skip_spaces(&s, end);
	if (month(&s, end, &mon) != 0 || s >= end || !ascii_isblank(*s))
		return -1;
	skip_spaces(&s, end);
	if (digits(&s, end, 2, 4, &year) != 0 || s >= end || !ascii_isblank(*s))
		return -1;
	/* RFC 2822 obsolete two-digit years. */
	if (year < 50)
		year += 2000;
	else if (year < 100)
		year += 1900;
	else if (year < 1000)
		return -1;
	skip_spaces(&s, end);
	if (digits(&s, end, 2, 2, &h) != 0 || s >= end || *s != ':')
		return -1;
	s++;
	if (digits(&s, end, 2, 2, &mi) != 0)
		return -1;
	if (s < end && *s == ':') {
		s++;
		if (digits(&s, end, 2, 2, &sec) != 0)
			return -1;
	}
	skip_spaces(&s, end);
	if (s < end && (*s == '+' || *s == '-')) {
		if (numeric_zone(&s, end, 0, &zone) != 0)
			return -1;
	} else {
		found = 0;
		for (size_t i = 0; i < sizeof(zones) / sizeof(zones[0]); i++) {
			const char *z = s;

			if (word(&z, end, zones[i].name, strlen(zones[i].name)) == 0 &&
			    (z == end || ascii_isblank(*z))) {
				zone = zones[i].minutes;
				s = z;
				found = 1;
				break;
			}
		}
		if (!found)
			return -1;
	}
	skip_spaces(&s, end);
	if (s != end)
		return -1;
	if (make_time(year, mon, day, h, mi, sec, &t) != 0)
		return -1;
	*out = t - zone * 60;
	return 0;
}

/*
 * The day-first HTTP-date forms after the weekday: IMF-fixdate
 * "06 Nov 1994 08:49:37 GMT" and RFC 850 "06-Nov-94 08:49:37 GMT". The
 * separator after the day (space or '-') must come again after the month.
 */
static int
http_date_dmy(const char **sp, const char *end, int64_t *day, int64_t *mon, int64_t *year,
    int64_t *h, int64_t *mi, int64_t *sec)
{
	const char *s = *sp, *y0;
	char sep;

	if (digits(&s, end, 1, 2, day) != 0 || s >= end)
		return -1;
	sep = *s++;
	if (sep != ' ' && sep != '-')
		return -1;
	if (month(&s, end, mon) != 0 || s >= end || *s++ != sep)
		return -1;
	y0 = s;
	if (digits(&s, end, 1, 4, year) != 0)
		return -1;
	/* RFC 9110: a two-digit year of RFC 850 from 70 on is 19xx, below is 20xx. */
	if (s - y0 == 2)
		*year += *year < 70 ? 2000 : 1900;
	else if (s - y0 != 4)
		return -1;
	if (s >= end || *s != ' ')
		return -1;
	skip_spaces(&s, end);
	if (clock_hms(&s, end, h, mi, sec) != 0)
		return -1;
	skip_spaces(&s, end);
	if (word(&s, end, "gmt", 3) != 0 && word(&s, end, "utc", 3) != 0)
		return -1;
	*sp = s;
	return 0;
}

/* The asctime() form after the weekday: "Nov  6 08:49:37 1994". */
static int
http_date_asctime(const char **sp, const char *end, int64_t *day, int64_t *mon,
    int64_t *year, int64_t *h, int64_t *mi, int64_t *sec)
{
	const char *s = *sp;

	if (month(&s, end, mon) != 0)
		return -1;
	skip_spaces(&s, end);
	if (digits(&s, end, 1, 2, day) != 0 || s >= end || *s != ' ')
		return -1;
	skip_spaces(&s, end);
	if (clock_hms(&s, end, h, mi, sec) != 0 || s >= end || *s != ' ')
		return -1;
	skip_spaces(&s, end);
	if (digits(&s, end, 4, 4, year) != 0)
		return -1;
	*sp = s;
	return 0;
}

int
cstime_parse_http_date(const char *s, int64_t *out)
{
	const char *end;
	int64_t day, mon, year, h, mi, sec;
	int rc;

	if (text_end(s, &end) != 0)
		return -1;
	skip_spaces(&s, end);
	/* The weekday, short or long, is skipped and not checked against the date. */
	while (s < end && ascii_isalpha(*s))
		s++;
	if (s < end && *s == ',')
		s++;
	skip_spaces(&s, end);
	if (s < end && ascii_isdigit(*s))
		rc = http_date_dmy(&s, end, &day, &mon, &year, &h, &mi, &sec);
	else
		rc = http_date_asctime(&s, end, &day, &mon, &year, &h, &mi, &sec);
	if (rc != 0)
		return -1;
	skip_spaces(&s, end);
	if (s != end)
		return -1;
	/*
	 * Looser than make_time(), as the poller has always been: the day is
	 * checked against 1..31 only (a day past the month's end rolls over
	 * into the next month) and a leap second 60 counts as one more second.
	 */
	if (day < 1 || day > 31 || h > 23 || mi > 59 || sec > 60)
		return -1;
	*out = cstime_days_from_civil(year, (unsigned)mon, (unsigned)day) * 86400 + h * 3600 +
	    mi * 60 + sec;
	return 0;
}

int
cstime_parse_iso8601(const char *s, int64_t *out)
{
	const char *end;
	int64_t y, mo, d, h = 0, mi = 0, sec = 0, zone = 0, t;

	if (text_end(s, &end) != 0)
		return -1;
	if (s < end && *s == '@') {
		int neg = 0;

		s++;
		if (s < end && *s == '-') {
			neg = 1;
			s++;
		}
		/* 15 digits keep every value far inside int64_t. */
		if (digits(&s, end, 1, 15, &t) != 0 || s != end)
			return -1;
		*out = neg ? -t : t;
		return 0;
	}
	if (digits(&s, end, 4, 4, &y) != 0 || s >= end || *s++ != '-')
		return -1;
	if (digits(&s, end, 2, 2, &mo) != 0 || s >= end || *s++ != '-')
		return -1;
	if (digits(&s, end, 2, 2, &d) != 0)
		return -1;
	if (s < end && (*s == 'T' || *s == 't' || *s == ' ')) {
		s++;
		if (digits(&s, end, 2, 2, &h) != 0 || s >= end || *s++ != ':')
			return -1;
		if (digits(&s, end, 2, 2, &mi) != 0)
			return -1;
		if (s < end && *s == ':') {
			s++;
			if (digits(&s, end, 2, 2, &sec) != 0)
				return -1;
			/* Fractions of a second are read and dropped. */
			if (s < end && (*s == '.' || *s == ',')) {
				s++;
				if (s >= end || !ascii_isdigit(*s))
					return -1;
				while (s < end && ascii_isdigit(*s))
					s++;
			}
		}
		if (s < end && (*s == 'Z' || *s == 'z')) {
			s++;
		} else if (s < end && (*s == '+' || *s == '-')) {
			if (numeric_zone(&s, end, 1, &zone) != 0)
				return -1;
		}
	}
	if (s != end)
		return -1;
	if (make_time(y, mo, d, h, mi, sec, &t) != 0)
		return -1;
	*out = t - zone * 60;
	return 0;
}

/* Writes n digits of v (zero-padded) at p. */
static void
put_digits(char *p, int64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		p[i] = (char)('0' + v % 10);
		v /= 10;
	}
}

char *
cstime_format_iso8601(int64_t t, char *buf, size_t len)
{
	int64_t days, secs, y;
	unsigned m, d;

	if (buf == NULL || len == 0)
		return buf;
	if (len < 21) {
		buf[0] = '\0';
		return buf;
	}
	days = t / 86400;
	secs = t % 86400;
	if (secs < 0) {
		secs += 86400;
		days--;
	}
	cstime_civil_from_days(days, &y, &m, &d);
	if (y < 0 || y > 9999) {
		memcpy(buf, "0000-00-00T00:00:00Z", 21);
		return buf;
	}
	put_digits(buf, y, 4);
	buf[4] = '-';
	put_digits(buf + 5, m, 2);
	buf[7] = '-';
	put_digits(buf + 8, d, 2);
	buf[10] = 'T';
	put_digits(buf + 11, secs / 3600, 2);
	buf[13] = ':';
	put_digits(buf + 14, secs / 60 % 60, 2);
	buf[16] = ':';
	put_digits(buf + 17, secs % 60, 2);
	buf[19] = 'Z';
	buf[20] = '\0';
	return buf;
}

int64_t
cstime_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
