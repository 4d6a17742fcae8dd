/* test_poll_tls.c: the poller never follows an https feed to plain http (real TLS on loopback). */
/*
 * Run by test_poll_tls.sh, which starts tlsredirect.py and sets CS_TLS_PORT,
 * CS_PLAIN_PORT, CS_CA_FILE (the server's self-signed certificate) and
 * CS_HITS (the file where the servers log each request they get).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aws/poll.h"

#define NREQ 6

static long tls_port, plain_port;
static const char *ca_file, *hits_file;

struct run {
	struct poll_result res[NREQ];
	char msg[NREQ][CS_ERRLEN];
	size_t body[NREQ];
	int calls[NREQ];
};

static cs_err
on_body(size_t idx, const char *bytes, size_t len, void *ctx, char *err, size_t errlen)
{
	struct run *r = ctx;

	(void)bytes;
	(void)err;
	(void)errlen;
	r->body[idx] += len;
	return CS_OK;
}

static void
on_done(size_t idx, const struct poll_result *res, void *ctx)
{
	struct run *r = ctx;

	assert_true(idx < NREQ);
	r->calls[idx]++;
	r->res[idx] = *res;
	snprintf(r->msg[idx], CS_ERRLEN, "%s", res->message != NULL ? res->message : "");
	r->res[idx].message = r->msg[idx];
	r->res[idx].etag = r->res[idx].last_modified = NULL;
}

/* Whether the servers logged line ("plain /ok.rss"). */
static int
hit(const char *line)
{
	char buf[256];
	FILE *fp = fopen(hits_file, "r");
	int found = 0;

	assert_non_null(fp);
	while (!found && fgets(buf, sizeof(buf), fp) != NULL) {
		buf[strcspn(buf, "\n")] = '\0';
		found = strcmp(buf, line) == 0;
	}
	fclose(fp);
	return found;
}

static void
test_no_downgrade(void **state)
{
	enum want { OK, DOWNGRADE };
	static const struct {
		int tls;             /* the request's scheme */
		const char *path;
		enum want want;
		unsigned redirects;  /* followed before the end */
	} t[NREQ] = {
		{ 1, "/ok.rss", OK, 0 },                   /* TLS trusted: the test is sound */
		{ 1, "/to-https", OK, 1 },                 /* https to https */
		{ 0, "/to-https", OK, 1 },                 /* an upgrade is fine */
		{ 1, "/to-http", DOWNGRADE, 0 },           /* https to http: refused */
		{ 0, "/via-https-to-http", DOWNGRADE, 1 }, /* up, then down: refused */
		{ 1, "/to-plain-relay", DOWNGRADE, 0 },    /* down, even to come back up */
	};
	static char urls[NREQ][128];
	struct poll_request reqs[NREQ];
	struct poll_options o;
	struct poll *p;
	struct run r;
	char err[CS_ERRLEN];

	(void)state;
	memset(&r, 0, sizeof(r));
	for (size_t i = 0; i < NREQ; i++) {
		snprintf(urls[i], sizeof(urls[i]), "%s://127.0.0.1:%ld%s", t[i].tls ? "https" : "http",
		    t[i].tls ? tls_port : plain_port, t[i].path);
		reqs[i] = (struct poll_request){ t[i].path, urls[i], NULL, NULL };
	}
	poll_options_default(&o);
	o.timeout_ms = 10000;
	o.ca_file = ca_file;
	p = poll_new(&o);
	assert_non_null(p);
	assert_int_equal(poll_run(p, reqs, NREQ, on_body, on_done, &r, err, sizeof(err)), CS_OK);
	poll_free(p);

	for (size_t i = 0; i < NREQ; i++) {
		const struct poll_result *res = &r.res[i];

		printf("  %-40s %-12s %3ld %s\n", urls[i], cs_strerror(res->err), res->http_status,
		    r.msg[i]);
		assert_int_equal(r.calls[i], 1);
		assert_int_equal(res->redirects, t[i].redirects);
		if (t[i].want == OK) {
			if (res->err != CS_OK)
				fail_msg("%s: %s", urls[i], r.msg[i]);
			assert_int_equal(res->http_status, 200);
			assert_true(r.body[i] > 100);
			continue;
		}
		assert_int_equal(res->err, CS_ERR_NET);
		assert_int_equal(r.body[i], 0);
		assert_non_null(strstr(r.msg[i], urls[i]));
		assert_non_null(strstr(r.msg[i], "refused"));
		assert_non_null(strstr(r.msg[i], "plain http"));
	}
	/* The plain server never saw the requests a downgrade would have made. */
	assert_true(hit("plain /to-https"));
	assert_false(hit("plain /ok.rss"));
	assert_false(hit("plain /relay"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_downgrade),
	};
	const char *tp = getenv("CS_TLS_PORT"), *pp = getenv("CS_PLAIN_PORT");

	ca_file = getenv("CS_CA_FILE");
	hits_file = getenv("CS_HITS");
	if (tp == NULL || pp == NULL || ca_file == NULL || hits_file == NULL) {
		fprintf(stderr, "run me through test_poll_tls.sh\n");
		return 2;
	}
	tls_port = strtol(tp, NULL, 10);
	plain_port = strtol(pp, NULL, 10);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
