/* test_poll_integration.c: the poller against real loopback servers (nginx and faultserver.py). */
/*
 * Run by test_poll_integration.sh, which starts the servers and sets
 * CS_NGINX_PORT (nginx serving CS_FEED_DIR) and CS_FAULT_PORT.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <dirent.h>

#include <cmocka.h>

#include "aws/poll.h"

#define MAXREQ 64

static long nginx_port, fault_port;
static const char *feed_dir;

/* What the callbacks saw, per request. */
struct run {
	double             t0;
	size_t             n;
	char              *body[MAXREQ];
	size_t             len[MAXREQ];
	int                calls[MAXREQ];
	int                abort_idx;        /* body callback fails this index, -1 for none */
	struct poll_result res[MAXREQ];      /* strings below are copies */
	char               msg[MAXREQ][CS_ERRLEN];
	char               etag[MAXREQ][POLL_VALIDATOR_MAX + 1];
	char               lm[MAXREQ][POLL_VALIDATOR_MAX + 1];
	double             done_at[MAXREQ];  /* seconds after t0 */
};

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static cs_err
on_body(size_t idx, const char *bytes, size_t len, void *ctx, char *err, size_t errlen)
{
	struct run *r = ctx;
	char *nb;

	if ((int)idx == r->abort_idx)
		return cs_seterr(err, errlen, CS_ERR_PARSE, "not an RSS document (test abort)");
	nb = realloc(r->body[idx], r->len[idx] + len + 1);
	if (nb == NULL)
		return CS_ERR_NOMEM;
	memcpy(nb + r->len[idx], bytes, len);
	r->len[idx] += len;
	nb[r->len[idx]] = '\0';
	r->body[idx] = nb;
	return CS_OK;
}

static void
on_done(size_t idx, const struct poll_result *res, void *ctx)
{
	struct run *r = ctx;

	assert_true(idx < r->n);
	r->calls[idx]++;
	r->res[idx] = *res;
	r->done_at[idx] = now_s() - r->t0;
	snprintf(r->msg[idx], CS_ERRLEN, "%s", res->message);
	r->res[idx].message = r->msg[idx];
	r->res[idx].etag = NULL;
	r->res[idx].last_modified = NULL;
	if (res->etag != NULL) {
		snprintf(r->etag[idx], sizeof(r->etag[idx]), "%s", res->etag);
		r->res[idx].etag = r->etag[idx];
	}
	if (res->last_modified != NULL) {
		snprintf(r->lm[idx], sizeof(r->lm[idx]), "%s", res->last_modified);
		r->res[idx].last_modified = r->lm[idx];
	}
}

static void
run_free(struct run *r)
{
	for (size_t i = 0; i < MAXREQ; i++)
		free(r->body[i]);
	free(r);
}

static struct run *
run_batch(const struct poll_options *o, const struct poll_request *reqs, size_t n, int abort_idx)
{
	struct run *r = calloc(1, sizeof(*r));
	struct poll *p;
	char err[CS_ERRLEN];

	assert_non_null(r);
	assert_true(n <= MAXREQ);
	r->n = n;
	r->abort_idx = abort_idx;
	p = poll_new(o);
	assert_non_null(p);
	r->t0 = now_s();
	assert_int_equal(poll_run(p, reqs, n, on_body, on_done, r, err, sizeof(err)), CS_OK);
	poll_free(p);
	for (size_t i = 0; i < n; i++)
		if (r->calls[i] != 1)
			fail_msg("request %zu (%s): %d completion callbacks", i, reqs[i].url, r->calls[i]);
	return r;
}

static char *
read_file(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL;
	long sz;

	assert_non_null(fp);
	assert_int_equal(fseek(fp, 0, SEEK_END), 0);
	sz = ftell(fp);
	assert_true(sz >= 0);
	rewind(fp);
	buf = malloc((size_t)sz + 1);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, (size_t)sz, fp), (size_t)sz);
	buf[sz] = '\0';
	fclose(fp);
	*len = (size_t)sz;
	return buf;
}

static void
test_options(struct poll_options *o)
{
	poll_options_default(o);
	o->max_parallel = 8;
	o->connect_timeout_ms = 1000;
	o->timeout_ms = 3000;
	o->low_speed_limit = 10;
	o->low_speed_time = 1;
	o->max_body = 1u << 20;
}

/* nginx: a first poll gets 200s with ETags and the exact bytes; a second with the validators gets 304s. */
static void
test_nginx_conditional(void **state)
{
	static char names[MAXREQ][256], urls[MAXREQ][512];
	struct poll_request reqs[MAXREQ];
	struct poll_options o;
	struct run *r1, *r2;
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	(void)state;
	d = opendir(feed_dir);
	assert_non_null(d);
	for (de = readdir(d); de != NULL && n < MAXREQ; de = readdir(d)) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(names[n], sizeof(names[n]), "%s", de->d_name);
		snprintf(urls[n], sizeof(urls[n]), "http://127.0.0.1:%ld/%s", nginx_port, de->d_name);
		reqs[n] = (struct poll_request){ names[n], urls[n], NULL, NULL };
		n++;
	}
	closedir(d);
	assert_true(n >= 5);
	test_options(&o);
	o.max_parallel = 4;

	r1 = run_batch(&o, reqs, n, -1);
	for (size_t i = 0; i < n; i++) {
		char path[1024];
		size_t flen;
		char *want;

		if (r1->res[i].err != CS_OK)
			fail_msg("%s: %s", urls[i], r1->msg[i]);
		assert_int_equal(r1->res[i].http_status, 200);
		assert_false(r1->res[i].not_modified);
		assert_non_null(r1->res[i].etag);
		assert_non_null(r1->res[i].last_modified);
		assert_string_equal(r1->res[i].key, names[i]);
		if (snprintf(path, sizeof(path), "%s/%s", feed_dir, names[i]) >= (int)sizeof(path))
			fail_msg("path too long: %s/%s", feed_dir, names[i]);
		want = read_file(path, &flen);
		assert_int_equal(r1->res[i].bytes, flen);
		assert_int_equal(r1->len[i], flen);
		assert_memory_equal(r1->body[i], want, flen);
		free(want);
	}

	/* conditional: ETag on even indexes, Last-Modified only on odd ones */
	for (size_t i = 0; i < n; i++) {
		reqs[i].etag = i % 2 == 0 ? r1->res[i].etag : NULL;
		reqs[i].last_modified = i % 2 == 1 ? r1->res[i].last_modified : NULL;
	}
	r2 = run_batch(&o, reqs, n, -1);
	for (size_t i = 0; i < n; i++) {
		if (r2->res[i].err != CS_OK)
			fail_msg("%s: %s", urls[i], r2->msg[i]);
		assert_int_equal(r2->res[i].http_status, 304);
		assert_true(r2->res[i].not_modified);
		assert_int_equal(r2->res[i].bytes, 0);
		assert_null(r2->body[i]);
		/* nginx repeats the ETag on a 304 */
		assert_non_null(r2->res[i].etag);
		assert_string_equal(r2->res[i].etag, r1->res[i].etag);
	}
	/* a stale validator gets the full body again */
	reqs[0].etag = "\"0-0\"";
	reqs[0].last_modified = NULL;
	run_free(r2);
	r2 = run_batch(&o, reqs, 1, -1);
	assert_int_equal(r2->res[0].err, CS_OK);
	assert_int_equal(r2->res[0].http_status, 200);
	assert_int_equal(r2->res[0].bytes, r1->res[0].bytes);
	run_free(r1);
	run_free(r2);
}

enum expect { OK, E404, E500, HANG, TRICKLE, ENDLESS, BOMB, RFILE, REXT, RLOOP, RETRY, RETRYDATE,
	ROK, RCHAIN3, RCHAIN4, ABORTED, NGINX_OK, NGINX_404 };

/*
 * Every fault in one batch with good feeds around it: each fault gives one
 * clear error for its URL only, the good feeds succeed quickly, and the
 * whole batch ends within the timeouts.
 */
static void
test_faults_batch(void **state)
{
	static const struct {
		const char *path;
		enum expect e;
		int nginx;
	} t[] = {
		{ "/hang", HANG, 0 },
		{ "/trickle", TRICKLE, 0 },
		{ "/ok.rss", OK, 0 },
		{ "/endless", ENDLESS, 0 },
		{ "/gzipbomb", BOMB, 0 },
		{ "/404", E404, 0 },
		{ "/ok.rss", OK, 0 },
		{ "/500", E500, 0 },
		{ "/redirect-file", RFILE, 0 },
		{ "/redirect-external", REXT, 0 },
		{ "/redirect-loop", RLOOP, 0 },
		{ "/retry-after", RETRY, 0 },
		{ "/retry-after-date", RETRYDATE, 0 },
		{ "/redirect-ok", ROK, 0 },
		{ "/redirect-chain/3", RCHAIN3, 0 },
		{ "/redirect-chain/4", RCHAIN4, 0 },
		{ "/ok.rss", ABORTED, 0 },
		{ "/ec2-us-east-1-2022-03-01.rss", NGINX_OK, 1 },
		{ "/all-2026-08-18.rss", NGINX_OK, 1 },
		{ "/no-such-feed.rss", NGINX_404, 1 },
		{ "/ok.rss", OK, 0 },
	};
	enum { N = sizeof(t) / sizeof(t[0]) };
	static char urls[N][256];
	struct poll_request reqs[N];
	struct poll_options o;
	struct run *r;
	double total;
	int abort_idx = -1;

	(void)state;
	for (size_t i = 0; i < N; i++) {
		snprintf(urls[i], sizeof(urls[i]), "http://127.0.0.1:%ld%s",
		    t[i].nginx ? nginx_port : fault_port, t[i].path);
		reqs[i] = (struct poll_request){ t[i].path, urls[i], NULL, NULL };
		if (t[i].e == ABORTED)
			abort_idx = (int)i;
	}
	test_options(&o);
	r = run_batch(&o, reqs, N, abort_idx);
	total = now_s() - r->t0;

	for (size_t i = 0; i < N; i++) {
		const struct poll_result *res = &r->res[i];
		const char *m = r->msg[i];

		printf("  %-34s %-15s %3ld %6.3fs %s\n", t[i].path, cs_strerror(res->err),
		    res->http_status, r->done_at[i], m);
		assert_string_equal(res->url, urls[i]);
		if (res->err != CS_OK) {
			/* every error message names its URL */
			if (strstr(m, urls[i]) == NULL)
				fail_msg("%s: message does not name the URL: %s", urls[i], m);
		} else {
			assert_string_equal(m, "");
		}
		switch (t[i].e) {
		case OK:
		case ROK:
		case RCHAIN3:
		case NGINX_OK:
			if (res->err != CS_OK)
				fail_msg("%s: %s", urls[i], m);
			assert_int_equal(res->http_status, 200);
			assert_true(res->bytes > 100);
			assert_int_equal(r->len[i], res->bytes);
			assert_non_null(strstr(r->body[i], "<rss"));
			assert_non_null(strstr(r->body[i], "</rss>"));
			assert_int_equal(res->redirects, t[i].e == ROK ? 1 : t[i].e == RCHAIN3 ? 3 : 0);
			if (!t[i].nginx)
				assert_string_equal(res->etag, "\"ok-1\"");
			/* the good feeds are not held up by the bad ones */
			if (r->done_at[i] > 1.0)
				fail_msg("%s took %.3f s", urls[i], r->done_at[i]);
			break;
		case E404:
		case NGINX_404:
			assert_int_equal(res->err, CS_ERR_HTTP);
			assert_int_equal(res->http_status, 404);
			assert_non_null(strstr(m, "HTTP 404"));
			assert_int_equal(res->bytes, 0);
			assert_null(r->body[i]);
			break;
		case E500:
			assert_int_equal(res->err, CS_ERR_HTTP);
			assert_int_equal(res->http_status, 500);
			assert_non_null(strstr(m, "HTTP 500"));
			assert_null(r->body[i]);
			break;
		case HANG:
			assert_int_equal(res->err, CS_ERR_NET);
			assert_int_equal(res->http_status, 0);
			assert_true(res->elapsed < 3.5);
			break;
		case TRICKLE:
			/*
			 * Cut by the low-speed limit, or, when a loaded machine (the
			 * sanitizer run) delays libcurl's speed check, by the overall
			 * timeout: either way a clear network error, in bounded time.
			 */
			assert_int_equal(res->err, CS_ERR_NET);
			assert_true(strstr(m, "too slow") != NULL || strstr(m, "timed out") != NULL);
			assert_true(res->elapsed < 3.5);
			break;
		case ENDLESS:
		case BOMB:
			assert_int_equal(res->err, CS_ERR_TOOBIG);
			assert_non_null(strstr(m, "limit of 1048576 bytes"));
			assert_true(res->bytes <= o.max_body);
			break;
		case RFILE:
			assert_int_equal(res->err, CS_ERR_NET);
			assert_non_null(strstr(m, "redirect to file:///etc/passwd refused"));
			assert_int_equal(res->bytes, 0);
			break;
		case REXT:
			assert_int_equal(res->err, CS_ERR_NET);
			assert_non_null(strstr(m, "redirect to http://example.com/feed.rss refused"));
			assert_non_null(strstr(m, "loopback"));
			break;
		case RLOOP:
		case RCHAIN4:
			assert_int_equal(res->err, CS_ERR_NET);
			assert_non_null(strstr(m, "too many redirects"));
			assert_int_equal(res->redirects, 3);
			break;
		case RETRY:
			assert_int_equal(res->err, CS_ERR_HTTP);
			assert_int_equal(res->http_status, 503);
			assert_int_equal(res->retry_after, 120);
			assert_non_null(strstr(m, "HTTP 503, retry after 120 s"));
			break;
		case RETRYDATE:
			assert_int_equal(res->err, CS_ERR_HTTP);
			assert_int_equal(res->http_status, 429);
			assert_true(res->retry_after >= 290 && res->retry_after <= 301);
			break;
		case ABORTED:
			assert_int_equal(res->err, CS_ERR_PARSE);
			assert_non_null(strstr(m, "test abort"));
			break;
		}
	}
	if (total > 5.0)
		fail_msg("the batch took %.3f s", total);
	run_free(r);
}

/* With the low-speed check off, a hung server is cut by the overall timeout. */
static void
test_hang_overall_timeout(void **state)
{
	char url[256];
	struct poll_request req;
	struct poll_options o;
	struct run *r;

	(void)state;
	snprintf(url, sizeof(url), "http://127.0.0.1:%ld/hang", fault_port);
	req = (struct poll_request){ "hang", url, NULL, NULL };
	test_options(&o);
	o.low_speed_limit = 0;
	o.timeout_ms = 1500;
	r = run_batch(&o, &req, 1, -1);
	printf("  %s\n", r->msg[0]);
	assert_int_equal(r->res[0].err, CS_ERR_NET);
	assert_non_null(strstr(r->msg[0], "timed out"));
	assert_true(r->res[0].elapsed >= 1.4 && r->res[0].elapsed < 2.5);
	run_free(r);
}

/* Nobody listening: a clear connect error, quickly. */
static void
test_connection_refused(void **state)
{
	char url[256];
	struct poll_request req;
	struct poll_options o;
	struct run *r;

	(void)state;
	/* port 1 on loopback: privileged, nothing listens there in a test box */
	snprintf(url, sizeof(url), "http://127.0.0.1:1/x.rss");
	req = (struct poll_request){ "refused", url, NULL, NULL };
	test_options(&o);
	r = run_batch(&o, &req, 1, -1);
	printf("  %s\n", r->msg[0]);
	assert_int_equal(r->res[0].err, CS_ERR_NET);
	assert_non_null(strstr(r->msg[0], url));
	assert_true(r->res[0].elapsed < 1.5);
	run_free(r);
}

static long
env_port(const char *name)
{
	const char *v = getenv(name);
	char *end = NULL;
	long port;

	if (v == NULL)
		return -1;
	port = strtol(v, &end, 10);
	if (end == v || *end != '\0' || port <= 0 || port > 65535)
		return -1;
	return port;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nginx_conditional),
		cmocka_unit_test(test_faults_batch),
		cmocka_unit_test(test_hang_overall_timeout),
		cmocka_unit_test(test_connection_refused),
	};

	nginx_port = env_port("CS_NGINX_PORT");
	fault_port = env_port("CS_FAULT_PORT");
	feed_dir = getenv("CS_FEED_DIR");
	if (nginx_port < 0 || fault_port < 0 || feed_dir == NULL) {
		fprintf(stderr, "test_poll_integration: run me through test_poll_integration.sh "
		    "(needs CS_NGINX_PORT, CS_FAULT_PORT, CS_FEED_DIR)\n");
		return 2;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
