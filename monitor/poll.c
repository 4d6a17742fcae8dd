/* poll.c: parallel conditional HTTP(S) fetches of feeds over the libcurl multi interface. */
#include "poll.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#define POLL_DEFAULT_UA "clickstatus/0.1 (AWS Health Dashboard monitor; libcurl)"
#define POLL_ACCEPT     "application/rss+xml, application/xml;q=0.9, */*;q=0.1"

/*
 * One transfer slot: an easy handle reused from request to request (so the
 * multi handle's connection cache serves the next request to the same
 * host), plus what the transfer in it has seen so far.
 */
struct slot {
	struct poll       *p;
	CURL              *h;
	int                busy;        /* in the multi handle */
	size_t             idx;         /* request index */
	unsigned           redirects;   /* hops followed so far */
	char              *url;         /* URL of the current hop, owned */
	struct curl_slist *hdrs;        /* conditional headers, owned */
	double             start;       /* monotonic seconds at the first hop */
	uint64_t           seen;        /* decoded bytes of this hop, delivered or not */
	uint64_t           bytes;       /* decoded bytes handed to the body callback */
	cs_err             abort_err;   /* why on_write stopped the transfer, CS_OK if it did not */
	char               abort_msg[CS_ERRLEN];
	char               curl_err[CURL_ERROR_SIZE];
};

struct poll {
	struct poll_options opt;
	CURLM              *m;
	struct slot        *slots;      /* opt.max_parallel of them */
	int                 global_ok;  /* curl_global_init succeeded */
	/* the run in progress */
	const struct poll_request *reqs;
	size_t              n, next, active;
	poll_body_fn        body;
	poll_done_fn        done;
	void               *ctx;
	cs_err              fatal;
	char                fatal_msg[CS_ERRLEN];
};

static double
mono_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void
poll_options_default(struct poll_options *opt)
{
	memset(opt, 0, sizeof(*opt));
	opt->max_parallel = 20;
	opt->connect_timeout_ms = 10000;
	opt->timeout_ms = 60000;
	opt->low_speed_limit = 64;
	opt->low_speed_time = 20;
	opt->max_body = 8u << 20;
	opt->max_redirects = 3;
	opt->user_agent = POLL_DEFAULT_UA;
}

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
static const char *
url_refusal(const char *url, int *loopback)
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
	why = url_refusal(url, &loopback);
	if (why != NULL)
		return cs_seterr(err, errlen, CS_ERR_NET, "%s: refused: %s", url, why);
	return CS_OK;
}

/* ---- Retry-After and backoff --------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm). */
static int64_t
days_from_civil(int64_t y, int m, int d)
{
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

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
	*out = days_from_civil(year, mon, day) * 86400 + h * 3600 + mi * 60 + se;
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

/* ---- transfers ----------------------------------------------------------- */

static int
header_value_ok(const char *v)
{
	if (v == NULL || v[0] == '\0' || strlen(v) > POLL_VALIDATOR_MAX)
		return 0;
	for (const unsigned char *c = (const unsigned char *)v; *c != '\0'; c++)
		if (*c < 0x20 || *c == 0x7f)
			return 0; /* would split the request: never sent */
	return 1;
}

static cs_err
add_header(struct curl_slist **list, const char *name, const char *value)
{
	char line[POLL_VALIDATOR_MAX + 64];
	struct curl_slist *l;
	int n;

	n = snprintf(line, sizeof(line), "%s: %s", name, value);
	if (n < 0 || (size_t)n >= sizeof(line))
		return CS_ERR_TOOBIG;
	l = curl_slist_append(*list, line);
	if (l == NULL)
		return CS_ERR_NOMEM;
	*list = l;
	return CS_OK;
}

/*
 * The write callback: counts decoded bytes against max_body (libcurl
 * gunzips before calling us, so a gzip bomb is cut at the cap of what it
 * inflates to, not of what it weighs on the wire), drops the body of
 * error and redirect responses, and hands 2xx bodies to the caller.
 */
static size_t
on_write(char *data, size_t size, size_t nmemb, void *userp)
{
	struct slot *s = userp;
	struct poll *p = s->p;
	size_t len = size * nmemb;
	long status = 0;
	cs_err rc;

	if (s->seen + len > p->opt.max_body) {
		s->abort_err = cs_seterr(s->abort_msg, sizeof(s->abort_msg), CS_ERR_TOOBIG,
		    "%s: body larger than the limit of %zu bytes (after decoding)",
		    p->reqs[s->idx].url, p->opt.max_body);
		return 0;
	}
	s->seen += len;
	curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &status);
	if (status < 200 || status > 299 || p->body == NULL) {
		if (status >= 200 && status <= 299)
			s->bytes += len;
		return len;
	}
	s->abort_msg[0] = '\0';
	rc = p->body(s->idx, data, len, p->ctx, s->abort_msg, sizeof(s->abort_msg));
	if (rc != CS_OK) {
		const char *url = p->reqs[s->idx].url;
		char cbmsg[CS_ERRLEN];

		s->abort_err = rc;
		if (strncmp(s->abort_msg, url, strlen(url)) != 0) {
			snprintf(cbmsg, sizeof(cbmsg), "%s", s->abort_msg);
			cs_seterr(s->abort_msg, sizeof(s->abort_msg), rc, "%s: %s", url,
			    cbmsg[0] != '\0' ? cbmsg : cs_strerror(rc));
		}
		return 0;
	}
	s->bytes += len;
	return len;
}

/*
 * Sets up the slot's handle for one hop to url (already checked by
 * url_refusal) and adds it to the multi handle. On failure the slot is
 * left idle and the message is in s->abort_msg.
 */
static cs_err
slot_start_hop(struct slot *s, const char *url, int loopback)
{
	struct poll *p = s->p;
	const struct poll_request *r = &p->reqs[s->idx];
	long remaining;
	char *copy = NULL;
	int bad = 0;
	cs_err rc = CS_OK;

	remaining = p->opt.timeout_ms - (long)((mono_now() - s->start) * 1000.0);
	if (remaining <= 0) {
		rc = cs_seterr(s->abort_msg, sizeof(s->abort_msg), CS_ERR_NET,
		    "%s: timed out after %ld ms (redirected to %s)", r->url, p->opt.timeout_ms, url);
		goto out;
	}
	copy = strdup(url);
	if (copy == NULL) {
		rc = cs_seterr(s->abort_msg, sizeof(s->abort_msg), CS_ERR_NOMEM, "%s: out of memory", r->url);
		goto out;
	}
	free(s->url);
	s->url = copy;
	copy = NULL;
	s->seen = 0;
	s->curl_err[0] = '\0';

	curl_easy_reset(s->h);
	bad += curl_easy_setopt(s->h, CURLOPT_URL, s->url) != CURLE_OK;
	bad += curl_easy_setopt(s->h, CURLOPT_PRIVATE, s) != CURLE_OK;
	bad += curl_easy_setopt(s->h, CURLOPT_WRITEFUNCTION, on_write) != CURLE_OK;
	bad += curl_easy_setopt(s->h, CURLOPT_WRITEDATA, s) != CURLE_OK;
	bad += curl_easy_setopt(s->h, CURLOPT_ERRORBUFFER, s->curl_err) != CURLE_OK;
	bad += curl_easy_setopt(s->h, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
	bad += curl_easy_setopt(s->h, CURLOPT_USERAGENT, p->opt.user_agent) != CURLE_OK;
	bad += curl_easy_setopt(s->h, CURLOPT_ACCEPT_ENCODING, "gzip") != CURLE_OK;
	bad += curl_easy_setopt(s->h, CURLOPT_CONNECTTIMEOUT_MS, p->opt.connect_timeout_ms) != CURLE_OK;
	bad += curl_easy_setopt(s->h, CURLOPT_TIMEOUT_MS, remaining) != CURLE_OK;
	bad += curl_easy_setopt(s->h, CURLOPT_LOW_SPEED_LIMIT, p->opt.low_speed_limit) != CURLE_OK;
	bad += curl_easy_setopt(s->h, CURLOPT_LOW_SPEED_TIME, p->opt.low_speed_time) != CURLE_OK;
	bad += curl_easy_setopt(s->h, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)p->opt.max_body) != CURLE_OK;
	/* Redirects are followed in finish() so each target passes url_refusal(). */
	bad += curl_easy_setopt(s->h, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK;
	bad += curl_easy_setopt(s->h, CURLOPT_PROTOCOLS_STR, loopback ? "http,https" : "https") != CURLE_OK;
	bad += curl_easy_setopt(s->h, CURLOPT_REDIR_PROTOCOLS_STR, "https") != CURLE_OK;
	bad += curl_easy_setopt(s->h, CURLOPT_HTTPHEADER, s->hdrs) != CURLE_OK;
	if (bad != 0) {
		rc = cs_seterr(s->abort_msg, sizeof(s->abort_msg), CS_ERR_INTERNAL,
		    "%s: libcurl refused %d transfer option(s)", r->url, bad);
		goto out;
	}
	if (curl_multi_add_handle(p->m, s->h) != CURLM_OK) {
		rc = cs_seterr(s->abort_msg, sizeof(s->abort_msg), CS_ERR_INTERNAL,
		    "%s: cannot add the transfer to the multi handle", r->url);
		goto out;
	}
	s->busy = 1;
out:
	free(copy);
	return rc;
}

static void
slot_release(struct slot *s)
{
	if (s->busy)
		curl_multi_remove_handle(s->p->m, s->h);
	s->busy = 0;
	free(s->url);
	s->url = NULL;
	curl_slist_free_all(s->hdrs);
	s->hdrs = NULL;
	s->p->active--;
}

/* Copies the last value of header name in the final response into buf, or leaves it "". */
static const char *
get_header(CURL *h, const char *name, char *buf, size_t len)
{
	struct curl_header *hh = NULL;

	buf[0] = '\0';
	if (curl_easy_header(h, name, 0, CURLH_HEADER, -1, &hh) != CURLHE_OK || hh == NULL)
		return NULL;
	if (strlen(hh->value) >= len)
		return NULL;
	snprintf(buf, len, "%s", hh->value);
	return buf;
}

static void
report(struct poll *p, size_t idx, struct poll_result *res)
{
	if (p->done != NULL)
		p->done(idx, res, p->ctx);
}

/* Reports a request that never got a slot or failed before its transfer began. */
static void
report_early(struct poll *p, size_t idx, cs_err err, const char *msg)
{
	struct poll_result res;

	memset(&res, 0, sizeof(res));
	res.key = p->reqs[idx].key;
	res.url = p->reqs[idx].url;
	res.err = err;
	res.message = msg;
	report(p, idx, &res);
}

static int
is_redirect(long status)
{
	return status == 301 || status == 302 || status == 303 || status == 307 || status == 308;
}

static void fill(struct poll *p);

/*
 * A hop ended. Either it is a redirect we may follow (the slot starts the
 * next hop and nothing is reported) or the request is over: the result is
 * built, reported, the slot freed and the next request started.
 */
static void
finish(struct poll *p, struct slot *s, CURLcode cc)
{
	const struct poll_request *r = &p->reqs[s->idx];
	struct poll_result res;
	char msg[CS_ERRLEN], etag[POLL_VALIDATOR_MAX + 1], lm[POLL_VALIDATOR_MAX + 1], ra[128];
	char via[CS_ERRLEN];
	long status = 0;
	size_t idx = s->idx;

	curl_multi_remove_handle(p->m, s->h);
	s->busy = 0;
	memset(&res, 0, sizeof(res));
	msg[0] = '\0';
	via[0] = '\0';
	curl_easy_getinfo(s->h, CURLINFO_RESPONSE_CODE, &status);
	if (s->redirects > 0)
		snprintf(via, sizeof(via), " (redirected to %s)", s->url);

	if (s->abort_err != CS_OK) {
		res.err = s->abort_err;
		snprintf(msg, sizeof(msg), "%s", s->abort_msg);
	} else if (cc != CURLE_OK) {
		res.err = cc == CURLE_FILESIZE_EXCEEDED ? CS_ERR_TOOBIG
		    : cc == CURLE_OUT_OF_MEMORY ? CS_ERR_NOMEM : CS_ERR_NET;
		if (cc == CURLE_FILESIZE_EXCEEDED)
			cs_seterr(msg, sizeof(msg), res.err, "%s: body larger than the limit of %zu bytes%s",
			    r->url, p->opt.max_body, via);
		else
			cs_seterr(msg, sizeof(msg), res.err, "%s: %s%s", r->url,
			    s->curl_err[0] != '\0' ? s->curl_err : curl_easy_strerror(cc), via);
	} else if (is_redirect(status)) {
		char *loc = NULL;
		const char *why = NULL;
		int loopback = 0;

		curl_easy_getinfo(s->h, CURLINFO_REDIRECT_URL, &loc);
		if (loc != NULL)
			why = url_refusal(loc, &loopback);
		if (loc == NULL) {
			res.err = cs_seterr(msg, sizeof(msg), CS_ERR_HTTP,
			    "%s: HTTP %ld without a usable Location%s", r->url, status, via);
		} else if (s->redirects >= p->opt.max_redirects) {
			res.err = cs_seterr(msg, sizeof(msg), CS_ERR_NET,
			    "%s: too many redirects (more than %u, last to %s)", r->url,
			    p->opt.max_redirects, loc);
		} else if (why != NULL) {
			res.err = cs_seterr(msg, sizeof(msg), CS_ERR_NET,
			    "%s: redirect to %s refused: %s", r->url, loc, why);
		} else {
			char next[4096];

			/* loc belongs to the handle, which slot_start_hop resets */
			if (strlen(loc) >= sizeof(next)) {
				res.err = cs_seterr(msg, sizeof(msg), CS_ERR_NET,
				    "%s: redirect Location longer than %zu bytes", r->url, sizeof(next) - 1);
			} else {
				snprintf(next, sizeof(next), "%s", loc);
				s->redirects++;
				res.err = slot_start_hop(s, next, loopback);
				if (res.err == CS_OK)
					return;
				snprintf(msg, sizeof(msg), "%s", s->abort_msg);
			}
		}
	} else if (status == 304) {
		res.not_modified = 1;
	} else if (status < 200 || status > 299) {
		res.err = CS_ERR_HTTP;
	}

	if (status != 0) {
		res.etag = get_header(s->h, "ETag", etag, sizeof(etag));
		res.last_modified = get_header(s->h, "Last-Modified", lm, sizeof(lm));
		if (get_header(s->h, "Retry-After", ra, sizeof(ra)) != NULL)
			poll_parse_retry_after(ra, (int64_t)time(NULL), &res.retry_after);
	}
	if (res.err == CS_ERR_HTTP && msg[0] == '\0') {
		if (res.retry_after > 0)
			cs_seterr(msg, sizeof(msg), CS_ERR_HTTP, "%s: HTTP %ld, retry after %lld s%s",
			    r->url, status, (long long)res.retry_after, via);
		else
			cs_seterr(msg, sizeof(msg), CS_ERR_HTTP, "%s: HTTP %ld%s", r->url, status, via);
	}
	res.key = r->key;
	res.url = r->url;
	res.http_status = status;
	res.redirects = s->redirects;
	res.bytes = s->bytes;
	res.elapsed = mono_now() - s->start;
	res.message = msg;
	slot_release(s);
	report(p, idx, &res);
	fill(p);
}

/* Starts request idx in the free slot s, or reports it as failed. */
static void
start_request(struct poll *p, struct slot *s, size_t idx)
{
	const struct poll_request *r = &p->reqs[idx];
	const char *why;
	char msg[CS_ERRLEN];
	int loopback = 0;
	cs_err rc;

	why = r->url != NULL ? url_refusal(r->url, &loopback) : "no URL";
	if (why != NULL) {
		cs_seterr(msg, sizeof(msg), CS_ERR_NET, "%s: refused: %s",
		    r->url != NULL ? r->url : "(null)", why);
		report_early(p, idx, CS_ERR_NET, msg);
		return;
	}
	s->idx = idx;
	s->redirects = 0;
	s->bytes = 0;
	s->abort_err = CS_OK;
	s->abort_msg[0] = '\0';
	s->start = mono_now();
	s->hdrs = NULL;
	rc = add_header(&s->hdrs, "Accept", POLL_ACCEPT);
	if (rc == CS_OK && header_value_ok(r->etag))
		rc = add_header(&s->hdrs, "If-None-Match", r->etag);
	if (rc == CS_OK && header_value_ok(r->last_modified))
		rc = add_header(&s->hdrs, "If-Modified-Since", r->last_modified);
	if (rc != CS_OK) {
		curl_slist_free_all(s->hdrs);
		s->hdrs = NULL;
		cs_seterr(msg, sizeof(msg), rc, "%s: cannot build the request headers", r->url);
		report_early(p, idx, rc, msg);
		return;
	}
	p->active++;
	rc = slot_start_hop(s, r->url, loopback);
	if (rc != CS_OK) {
		snprintf(msg, sizeof(msg), "%s", s->abort_msg);
		slot_release(s);
		report_early(p, idx, rc, msg);
	}
}

/* Starts queued requests while there are free slots. */
static void
fill(struct poll *p)
{
	unsigned i = 0;

	while (p->next < p->n && p->active < p->opt.max_parallel) {
		while (i < p->opt.max_parallel && (p->slots[i].busy || p->slots[i].url != NULL))
			i++;
		if (i == p->opt.max_parallel)
			break;
		start_request(p, &p->slots[i], p->next++);
	}
}

struct poll *
poll_new(const struct poll_options *opt)
{
	struct poll *p = NULL;
	struct poll *ret = NULL;

	p = calloc(1, sizeof(*p));
	if (p == NULL)
		goto out;
	if (opt != NULL)
		p->opt = *opt;
	else
		poll_options_default(&p->opt);
	if (p->opt.max_parallel == 0)
		p->opt.max_parallel = 1;
	if (p->opt.user_agent == NULL)
		p->opt.user_agent = POLL_DEFAULT_UA;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		goto out;
	p->global_ok = 1;
	p->m = curl_multi_init();
	if (p->m == NULL)
		goto out;
	if (curl_multi_setopt(p->m, CURLMOPT_MAX_TOTAL_CONNECTIONS, (long)p->opt.max_parallel) != CURLM_OK ||
	    curl_multi_setopt(p->m, CURLMOPT_MAXCONNECTS, (long)p->opt.max_parallel) != CURLM_OK)
		goto out;
	p->slots = calloc(p->opt.max_parallel, sizeof(*p->slots));
	if (p->slots == NULL)
		goto out;
	for (unsigned i = 0; i < p->opt.max_parallel; i++) {
		p->slots[i].p = p;
		p->slots[i].h = curl_easy_init();
		if (p->slots[i].h == NULL)
			goto out;
	}
	ret = p;
	p = NULL;
out:
	poll_free(p);
	return ret;
}

void
poll_free(struct poll *p)
{
	if (p == NULL)
		return;
	if (p->slots != NULL) {
		for (unsigned i = 0; i < p->opt.max_parallel; i++) {
			struct slot *s = &p->slots[i];

			if (s->busy)
				curl_multi_remove_handle(p->m, s->h);
			if (s->h != NULL)
				curl_easy_cleanup(s->h);
			free(s->url);
			curl_slist_free_all(s->hdrs);
		}
		free(p->slots);
	}
	if (p->m != NULL)
		curl_multi_cleanup(p->m);
	if (p->global_ok)
		curl_global_cleanup();
	free(p);
}

cs_err
poll_run(struct poll *p, const struct poll_request *reqs, size_t n,
    poll_body_fn body, poll_done_fn done, void *ctx, char *err, size_t errlen)
{
	cs_err rc = CS_OK;
	int running = 0, left = 0;
	CURLMsg *msg;
	CURLMcode mc;

	if (p == NULL || (reqs == NULL && n > 0)) {
		rc = cs_seterr(err, errlen, CS_ERR_INTERNAL, "poll_run: no poller or no requests");
		goto out;
	}
	p->reqs = reqs;
	p->n = n;
	p->next = 0;
	p->active = 0;
	p->body = body;
	p->done = done;
	p->ctx = ctx;
	fill(p);
	while (p->active > 0) {
		mc = curl_multi_perform(p->m, &running);
		if (mc != CURLM_OK) {
			rc = cs_seterr(err, errlen, CS_ERR_INTERNAL, "poll: curl_multi_perform: %s",
			    curl_multi_strerror(mc));
			goto out;
		}
		for (;;) {
			struct slot *s = NULL;

			msg = curl_multi_info_read(p->m, &left);
			if (msg == NULL)
				break;
			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&s);
			if (s == NULL) {
				rc = cs_seterr(err, errlen, CS_ERR_INTERNAL, "poll: transfer without its slot");
				goto out;
			}
			finish(p, s, msg->data.result);
		}
		if (p->active == 0)
			break;
		mc = curl_multi_poll(p->m, NULL, 0, 1000, NULL);
		if (mc != CURLM_OK) {
			rc = cs_seterr(err, errlen, CS_ERR_INTERNAL, "poll: curl_multi_poll: %s",
			    curl_multi_strerror(mc));
			goto out;
		}
	}
out:
	if (p != NULL && p->slots != NULL) {
		for (unsigned i = 0; i < p->opt.max_parallel; i++)
			if (p->slots[i].busy || p->slots[i].url != NULL)
				slot_release(&p->slots[i]);
		p->active = 0;
		p->reqs = NULL;
	}
	return rc;
}
