/* poll_policy.c: what the poller may fetch and when to retry: URL policy, Retry-After, backoff (pure). */
#include "aws/poll.h"
#include "aws/poll_priv.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "base/ascii.h"
#include "base/cstime.h"

/* ---- URL policy ---------------------------------------------------------- */

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
	CURLUcode uc;

	*loopback = 0;
	u = curl_url();
	if (u == NULL) {
		why = "out of memory";
		goto out;
	}
	uc = curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME);
	if (uc != CURLUE_OK) {
		why = uc == CURLUE_OUT_OF_MEMORY ? "out of memory" : "not a valid absolute URL";
		goto out;
	}
	uc = curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
	if (uc != CURLUE_OK) {
		why = uc == CURLUE_OUT_OF_MEMORY ? "out of memory" : "URL has no scheme";
		goto out;
	}
	if (strcmp(scheme, "http") != 0 && strcmp(scheme, "https") != 0) {
		why = "only https (or http to a loopback host) is allowed";
		goto out;
	}
	uc = curl_url_get(u, CURLUPART_HOST, &host, 0);
	if (uc != CURLUE_OK || host[0] == '\0') {
		why = uc == CURLUE_OUT_OF_MEMORY ? "out of memory" : "URL has no host";
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

cs_err
poll_parse_retry_after(const char *value, int64_t now, int64_t *seconds)
{
	const char *s = value;
	int64_t v = 0, when;
	cs_err rc = CS_ERR_PARSE;

	*seconds = 0;
	if (s == NULL)
		goto out;
	while (ascii_isblank(*s))
		s++;
	if (ascii_isdigit(*s)) {
		while (ascii_isdigit(*s)) {
			if (v <= POLL_RETRY_AFTER_MAX)
				v = v * 10 + (*s - '0');
			s++;
		}
		while (ascii_isblank(*s))
			s++;
		if (*s != '\0')
			goto out;
	} else {
		char buf[64];
		size_t len = strlen(s);

		/* trailing whitespace off, bounded copy */
		while (len > 0 && ascii_isblank(s[len - 1]))
			len--;
		if (len == 0 || len >= sizeof(buf))
			goto out;
		memcpy(buf, s, len);
		buf[len] = '\0';
		if (cstime_parse_http_date(buf, &when) != 0)
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
