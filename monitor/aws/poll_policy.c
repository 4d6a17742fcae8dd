/* poll_policy.c: what the poller may fetch and when to retry: URL policy, Retry-After, backoff (pure). */
#include "aws/poll.h"
#include "aws/poll_priv.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "base/cstime.h"

/* ---- URL policy ---------------------------------------------------------- */

static int
ascii_lower(int c)
{
	return (c >= 'A' && c <= 'Z') ? c - 'A' + 'a' : c;
}

static int
ascii_caseeq(const char *a, const char *b)
{
	while (*a != '\0' && *b != '\0') {
		if (ascii_lower((unsigned char)*a) != ascii_lower((unsigned char)*b))
			return 0;
		a++;
		b++;
	}
	return *a == *b;
}

/* host as the URL API returns it: "localhost", "127.0.0.1", "[::1]". */
static int
host_is_loopback(const char *host)
{
	struct in_addr a4;
	struct in6_addr a6;
	char buf[INET6_ADDRSTRLEN + 1];
	size_t len = strlen(host);

	if (ascii_caseeq(host, "localhost"))
		return 1;
	if (inet_pton(AF_INET, host, &a4) == 1)
		return (ntohl(a4.s_addr) >> 24) == 127;
	if (len >= 2 && host[0] == '[' && host[len - 1] == ']' && len - 2 < sizeof(buf)) {
		memcpy(buf, host + 1, len - 2);
		buf[len - 2] = '\0';
		if (inet_pton(AF_INET6, buf, &a6) == 1)
			return memcmp(&a6, &in6addr_loopback, sizeof(a6)) == 0;
	}
	return 0;
}

/*
 * Returns NULL if url may be fetched, else a static reason. Sets *loopback
 * to whether the host is a loopback host (plain http then allowed).
 */
const char *
poll_url_refusal(const char *url, int *loopback)
{
	CURLU *u = NULL;
	char *scheme = NULL, *host = NULL;
	const char *why = NULL;

	*loopback = 0;
	u = curl_url();
	if (u == NULL) {
		why = "out of memory";
		goto out;
	}
	if (curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK) {
		why = "not a valid absolute URL";
		goto out;
	}
	if (curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK) {
		why = "URL has no scheme";
		goto out;
	}
	if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) {
		why = "only https (or http to a loopback host) is allowed";
		goto out;
	}
	if (curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK || host[0] == '\0') {
		why = "URL has no host";
		goto out;
	}
	*loopback = host_is_loopback(host);
	if (strcmp(scheme, "http") == 0 && !*loopback)
		why = "plain http is allowed only to a loopback host; use https";
out:
	curl_free(scheme);
	curl_free(host);
	curl_url_cleanup(u);
	return why;
}

cs_err
poll_url_allowed(const char *url, char *err, size_t errlen)
{
	const char *why;
	int loopback;

	if (url == NULL)
		return cs_seterr(err, errlen, CS_ERR_NET, "(null URL): refused");
	why = poll_url_refusal(url, &loopback);
	if (why != NULL)
		return cs_seterr(err, errlen, CS_ERR_NET, "%s: refused: %s", url, why);
	return CS_OK;
}

/* ---- Retry-After and backoff --------------------------------------------- */

static int
is_digit(int c)
{
	return c >= '0' && c <= '9';
}

static int
is_alpha(int c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/* Reads 1..maxd digits at *s into *v; returns number read (0 if none). */
static int
read_num(const char **s, int maxd, int *v)
{
	int nd = 0;

	*v = 0;
	while (nd < maxd && is_digit((unsigned char)**s)) {
		*v = *v * 10 + (**s - '0');
		(*s)++;
		nd++;
	}
	return nd;
}

static int
read_month(const char **s)
{
	static const char months[] = "janfebmaraprmayjunjulaugsepoctnovdec";
	char m[3];

	for (int i = 0; i < 3; i++) {
		if (!is_alpha((unsigned char)(*s)[i]))
			return -1;
		m[i] = (char)ascii_lower((unsigned char)(*s)[i]);
	}
	for (int i = 0; i < 12; i++) {
		if (memcmp(months + 3 * i, m, 3) == 0) {
			*s += 3;
			return i + 1;
		}
	}
	return -1;
}

static void
skip_spaces(const char **s)
{
	while (**s == ' ' || **s == '\t')
		(*s)++;
}

/* "hh:mm:ss" */
static int
read_clock(const char **s, int *h, int *mi, int *se)
{
	if (read_num(s, 2, h) != 2 || **s != ':')
		return -1;
	(*s)++;
	if (read_num(s, 2, mi) != 2 || **s != ':')
		return -1;
	(*s)++;
	if (read_num(s, 2, se) != 2)
		return -1;
	return 0;
}

/*
 * The three HTTP-date forms of RFC 9110 section 5.6.7:
 *   IMF-fixdate  "Sun, 06 Nov 1994 08:49:37 GMT"
 *   RFC 850      "Sunday, 06-Nov-94 08:49:37 GMT"
 *   asctime      "Sun Nov  6 08:49:37 1994"
 * The weekday is skipped, not checked. Returns 0 and sets *out, or -1.
 */
static int
parse_http_date(const char *s, int64_t *out)
{
	int day = 0, mon, year = 0, h, mi, se, nd;

	while (is_alpha((unsigned char)*s))
		s++;
	if (*s == ',')
		s++;
	skip_spaces(&s);
	if (is_digit((unsigned char)*s)) {
		char sep;

		if (read_num(&s, 2, &day) == 0)
			return -1;
		sep = *s;
		if (sep != ' ' && sep != '-')
			return -1;
		s++;
		mon = read_month(&s);
		if (mon < 0 || *s != sep)
			return -1;
		s++;
		nd = read_num(&s, 4, &year);
		if (nd == 2)
			year += year < 70 ? 2000 : 1900;
		else if (nd != 4)
			return -1;
		if (*s != ' ')
			return -1;
		skip_spaces(&s);
		if (read_clock(&s, &h, &mi, &se) != 0)
			return -1;
		skip_spaces(&s);
		if (!ascii_caseeq(s, "GMT") && !ascii_caseeq(s, "UTC"))
			return -1;
	} else {
		mon = read_month(&s);
		if (mon < 0)
			return -1;
		skip_spaces(&s);
		if (read_num(&s, 2, &day) == 0 || *s != ' ')
			return -1;
		skip_spaces(&s);
		if (read_clock(&s, &h, &mi, &se) != 0 || *s != ' ')
			return -1;
		skip_spaces(&s);
		if (read_num(&s, 4, &year) != 4)
			return -1;
		skip_spaces(&s);
		if (*s != '\0')
			return -1;
	}
	if (day < 1 || day > 31 || h > 23 || mi > 59 || se > 60)
		return -1;
	*out = cstime_days_from_civil(year, (unsigned)mon, (unsigned)day) * 86400 + h * 3600 + mi * 60 + se;
	return 0;
}

cs_err
poll_parse_retry_after(const char *value, int64_t now, int64_t *seconds)
{
	const char *s = value;
	int64_t v = 0, when;
	cs_err rc = CS_ERR_PARSE;

	*seconds = 0;
	if (s == NULL)
		goto out;
	skip_spaces(&s);
	if (is_digit((unsigned char)*s)) {
		while (is_digit((unsigned char)*s)) {
			if (v <= POLL_RETRY_AFTER_MAX)
				v = v * 10 + (*s - '0');
			s++;
		}
		skip_spaces(&s);
		if (*s != '\0')
			goto out;
	} else {
		char buf[64];
		size_t len = strlen(s);

		/* trailing whitespace off, bounded copy */
		while (len > 0 && (s[len - 1] == ' ' || s[len - 1] == '\t'))
			len--;
		if (len == 0 || len >= sizeof(buf))
			goto out;
		memcpy(buf, s, len);
		buf[len] = '\0';
		if (parse_http_date(buf, &when) != 0)
			goto out;
		v = when > now ? when - now : 0;
	}
	*seconds = v > POLL_RETRY_AFTER_MAX ? POLL_RETRY_AFTER_MAX : v;
	rc = CS_OK;
out:
	return rc;
}

/*
 * Why a failing feed waits this long: AWS serves thousands of feeds from
 * one host, and a blip there fails many of our feeds at once. Doubling the
 * wait per consecutive failure keeps a dead feed from costing a request a
 * minute, the cap keeps an outage from hiding a recovery for long, and the
 * jitter (the upper half of the doubled interval) spreads the retries of
 * feeds that failed together. A server's Retry-After is a floor: we never
 * come back sooner than asked, even above max.
 */
int64_t
poll_backoff_delay(unsigned consecutive_failures, int64_t retry_after,
    int64_t base, int64_t max, double random_value)
{
	int64_t delay, ceiling, half;
	double r = random_value;

	if (base < 1)
		base = 1;
	if (max < base)
		max = base;
	if (!(r >= 0.0)) /* also NaN */
		r = 0.0;
	if (r > 1.0)
		r = 1.0;
	delay = base;
	if (consecutive_failures > 0) {
		ceiling = base;
		for (unsigned i = 0; i < consecutive_failures && ceiling < max; i++)
			ceiling = ceiling > max / 2 ? max : ceiling * 2;
		half = ceiling / 2;
		delay = half + (int64_t)(r * (double)(ceiling - half));
		if (delay > ceiling)
			delay = ceiling;
		if (delay < base)
			delay = base;
	}
	if (retry_after > delay)
		delay = retry_after;
	return delay;
}
