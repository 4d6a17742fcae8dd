/* test_poll.c: the poller's pure parts: backoff, Retry-After, URL policy, refusals without network. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "aws/poll.h"

/* 2026-08-18T04:00:00Z */
#define NOW INT64_C(1787025600)

static void
test_backoff_table(void **state)
{
	static const struct {
		unsigned failures;
		int64_t  retry_after, base, max;
		double   r;
		int64_t  want;
	} t[] = {
		/* healthy: the normal interval, no jitter */
		{ 0, 0, 60, 3600, 0.0, 60 },
		{ 0, 0, 60, 3600, 0.99, 60 },
		/* n failures: in [base*2^n / 2, base*2^n], never below base */
		{ 1, 0, 60, 3600, 0.0, 60 },
		{ 1, 0, 60, 3600, 0.5, 90 },
		{ 1, 0, 60, 3600, 1.0, 120 },
		{ 2, 0, 60, 3600, 0.0, 120 },
		{ 2, 0, 60, 3600, 0.5, 180 },
		{ 3, 0, 60, 3600, 0.0, 240 },
		{ 3, 0, 60, 3600, 0.999999, 479 },
		{ 5, 0, 60, 3600, 0.0, 960 },
		/* capped at max, jitter in the upper half of max */
		{ 6, 0, 60, 3600, 0.0, 1800 },
		{ 6, 0, 60, 3600, 1.0, 3600 },
		{ 40, 0, 60, 3600, 0.5, 2700 },
		{ 4000000000u, 0, 60, 3600, 1.0, 3600 },
		/* Retry-After is a floor, even above max */
		{ 0, 120, 60, 3600, 0.0, 120 },
		{ 1, 120, 60, 3600, 0.0, 120 },
		{ 1, 30, 60, 3600, 0.0, 60 },
		{ 6, 7200, 60, 3600, 1.0, 7200 },
		/* out-of-range randoms and degenerate bounds */
		{ 1, 0, 60, 3600, -5.0, 60 },
		{ 1, 0, 60, 3600, 7.0, 120 },
		{ 3, 0, 0, 0, 0.5, 1 },
		{ 2, 0, 60, 10, 0.0, 60 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int64_t got = poll_backoff_delay(t[i].failures, t[i].retry_after, t[i].base,
		    t[i].max, t[i].r);

		if (got != t[i].want)
			fail_msg("row %zu: poll_backoff_delay(%u, %lld, %lld, %lld, %g) = %lld, want %lld",
			    i, t[i].failures, (long long)t[i].retry_after, (long long)t[i].base,
			    (long long)t[i].max, t[i].r, (long long)got, (long long)t[i].want);
	}
}

/* Monotone in the failure count for a fixed random value, bounded by max. */
static void
test_backoff_monotone(void **state)
{
	(void)state;
	for (int r = 0; r <= 10; r++) {
		int64_t prev = 0;

		for (unsigned n = 0; n < 70; n++) {
			int64_t d = poll_backoff_delay(n, 0, 30, 1800, r / 10.0);

			assert_true(d >= prev);
			assert_true(d >= 30 && d <= 1800);
			prev = d;
		}
	}
}

static void
test_retry_after(void **state)
{
	static const struct {
		const char *value;
		cs_err      rc;
		int64_t     want;
	} t[] = {
		{ "120", CS_OK, 120 },
		{ "  120  ", CS_OK, 120 },
		{ "0", CS_OK, 0 },
		{ "86400", CS_OK, 86400 },
		{ "999999999999999999999999", CS_OK, POLL_RETRY_AFTER_MAX },
		/* IMF-fixdate, 2 minutes after NOW */
		{ "Tue, 18 Aug 2026 04:02:00 GMT", CS_OK, 120 },
		{ "tue, 18 aug 2026 04:02:00 gmt", CS_OK, 120 },
		/* weekday not checked */
		{ "Sun, 18 Aug 2026 04:00:30 GMT", CS_OK, 30 },
		/* RFC 850 and asctime */
		{ "Tuesday, 18-Aug-26 05:00:00 GMT", CS_OK, 3600 },
		{ "Tue Aug 18 04:00:10 2026", CS_OK, 10 },
		{ "Tue Aug  8 04:00:10 2026", CS_OK, 0 },
		/* in the past: no wait */
		{ "Sun, 06 Nov 1994 08:49:37 GMT", CS_OK, 0 },
		/* far future: clamped */
		{ "Fri, 01 Jan 2100 00:00:00 GMT", CS_OK, POLL_RETRY_AFTER_MAX },
		/* garbage */
		{ "", CS_ERR_PARSE, 0 },
		{ "soon", CS_ERR_PARSE, 0 },
		{ "-5", CS_ERR_PARSE, 0 },
		{ "12s", CS_ERR_PARSE, 0 },
		{ "1.5", CS_ERR_PARSE, 0 },
		{ "Tue, 18 Aug 2026 04:02:00 PDT", CS_ERR_PARSE, 0 },
		{ "Tue, 18 Foo 2026 04:02:00 GMT", CS_ERR_PARSE, 0 },
		{ "Tue, 32 Aug 2026 04:02:00 GMT", CS_ERR_PARSE, 0 },
		{ "Tue, 18 Aug 2026 24:02:00 GMT", CS_ERR_PARSE, 0 },
		{ "Tue, 18 Aug 2026 04:02 GMT", CS_ERR_PARSE, 0 },
		{ "Tue Aug 18 04:00:10 2026 x", CS_ERR_PARSE, 0 },
		{ "Tue, 18 Aug 2026 04:02:00 GMT and a great deal more text after it, too long", CS_ERR_PARSE, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int64_t got = -1;
		cs_err rc = poll_parse_retry_after(t[i].value, NOW, &got);

		if (rc != t[i].rc || got != t[i].want)
			fail_msg("row %zu: \"%s\" -> rc %d, %lld; want rc %d, %lld", i, t[i].value,
			    rc, (long long)got, t[i].rc, (long long)t[i].want);
	}
	int64_t got = 5;
	assert_int_equal(poll_parse_retry_after(NULL, NOW, &got), CS_ERR_PARSE);
	assert_int_equal(got, 0);
}

static void
test_url_policy(void **state)
{
	static const struct {
		const char *url;
		int         ok;
	} t[] = {
		{ "https://status.aws.amazon.com/rss/ec2-us-east-1.rss", 1 },
		{ "HTTPS://status.aws.amazon.com/rss/all.rss", 1 },
		{ "https://127.0.0.1:8443/x.rss", 1 },
		{ "http://127.0.0.1:8080/ec2-us-east-1.rss", 1 },
		{ "http://127.9.8.7/x", 1 },
		{ "http://localhost:1234/x", 1 },
		{ "http://LocalHost/x", 1 },
		{ "http://[::1]:8080/x", 1 },
		{ "http://[0:0:0:0:0:0:0:1]/x", 1 },
		/* plain http elsewhere */
		{ "http://status.aws.amazon.com/rss/all.rss", 0 },
		{ "http://128.0.0.1/x", 0 },
		{ "http://10.0.0.1/x", 0 },
		{ "http://[::2]/x", 0 },
		{ "http://[::ffff:8.8.8.8]/x", 0 },
		{ "http://localhost.example.com/x", 0 },
		{ "http://127.0.0.1.nip.io/x", 0 },
		{ "http://127.0.0.1@evil.example/x", 0 },
		/* other schemes */
		{ "file:///etc/passwd", 0 },
		{ "ftp://127.0.0.1/x", 0 },
		{ "gopher://127.0.0.1/x", 0 },
		{ "dict://127.0.0.1/x", 0 },
		{ "ldap://127.0.0.1/x", 0 },
		/* not URLs */
		{ "", 0 },
		{ "status.aws.amazon.com/rss/all.rss", 0 },
		{ "https://", 0 },
		{ "http://127.0.0.1:99999/x", 0 },
	};
	char err[CS_ERRLEN];

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		err[0] = '\0';
		cs_err rc = poll_url_allowed(t[i].url, err, sizeof(err));

		if ((rc == CS_OK) != t[i].ok)
			fail_msg("row %zu: %s -> %d (%s), want %s", i, t[i].url, rc, err,
			    t[i].ok ? "allowed" : "refused");
		if (!t[i].ok) {
			assert_int_equal(rc, CS_ERR_NET);
			/* the message names the URL */
			assert_non_null(strstr(err, t[i].url));
		}
	}
	assert_int_equal(poll_url_allowed(NULL, NULL, 0), CS_ERR_NET);
	poll_url_allowed("file:///etc/passwd", err, sizeof(err));
	assert_non_null(strstr(err, "only https"));
	poll_url_allowed("http://example.com/", err, sizeof(err));
	assert_non_null(strstr(err, "loopback"));
}

static void
test_options_default(void **state)
{
	struct poll_options o;

	(void)state;
	memset(&o, 0xff, sizeof(o));
	poll_options_default(&o);
	assert_true(o.max_parallel >= 1);
	assert_int_equal(o.max_redirects, 3);
	assert_true(o.connect_timeout_ms > 0 && o.timeout_ms >= o.connect_timeout_ms);
	assert_true(o.low_speed_limit > 0 && o.low_speed_time > 0);
	assert_true(o.max_body >= (1u << 20));
	assert_non_null(o.user_agent);
	assert_non_null(strstr(o.user_agent, "clickstatus"));
}

struct seen {
	int      calls[8];
	cs_err   err[8];
	char     msg[8][CS_ERRLEN];
};

static void
on_done(size_t idx, const struct poll_result *r, void *ctx)
{
	struct seen *s = ctx;

	assert_true(idx < 8);
	s->calls[idx]++;
	s->err[idx] = r->err;
	snprintf(s->msg[idx], sizeof(s->msg[idx]), "%s", r->message);
}

/* Refused URLs are reported through the callback, each once, and nothing is contacted. */
static void
test_run_refusals(void **state)
{
	const struct poll_request reqs[] = {
		{ "a", "file:///etc/passwd", NULL, NULL },
		{ "b", "http://status.aws.amazon.com/rss/all.rss", "\"x\"", NULL },
		{ "c", "not a url", NULL, NULL },
		{ "d", NULL, NULL, NULL },
	};
	struct poll_options o;
	struct poll *p;
	struct seen s;
	char err[CS_ERRLEN];

	(void)state;
	memset(&s, 0, sizeof(s));
	poll_options_default(&o);
	o.max_parallel = 2;
	p = poll_new(&o);
	assert_non_null(p);
	assert_int_equal(poll_run(p, reqs, 0, NULL, on_done, &s, err, sizeof(err)), CS_OK);
	assert_int_equal(poll_run(p, reqs, 4, NULL, on_done, &s, err, sizeof(err)), CS_OK);
	for (int i = 0; i < 4; i++) {
		assert_int_equal(s.calls[i], 1);
		assert_int_equal(s.err[i], CS_ERR_NET);
		assert_non_null(strstr(s.msg[i], "refused"));
	}
	assert_non_null(strstr(s.msg[0], "file:///etc/passwd"));
	poll_free(p);
	poll_free(NULL);
	p = poll_new(NULL);
	assert_non_null(p);
	poll_free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_backoff_table),
		cmocka_unit_test(test_backoff_monotone),
		cmocka_unit_test(test_retry_after),
		cmocka_unit_test(test_url_policy),
		cmocka_unit_test(test_options_default),
		cmocka_unit_test(test_run_refusals),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
