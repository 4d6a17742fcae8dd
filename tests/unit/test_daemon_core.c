/* test_daemon_core.c: the daemon's pure pieces: its schedule, a replay's feeds cut in time, the instance lock. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "aws/feed_cut.h"
#include "base/instance.h"
#include "base/schedule.h"
#include "testutil.h"

static void
test_jitter_bounds(void **state)
{
	(void)state;
	/* 60 s: a poll 54..66 s after the last one started, whatever the random bits. */
	assert_int_equal(schedule_next_ms(1000, 60, 0), 1000 + 54000);
	assert_int_equal(schedule_next_ms(1000, 60, 12000), 1000 + 66000);
	for (uint32_t r = 0; r < 100000; r += 7) {
		int64_t t = schedule_next_ms(0, 60, r * 2654435761u);

		assert_true(t >= 54000 && t <= 66000);
	}
	/* An hour: the jitter is capped at 30 s, not 6 minutes. */
	assert_int_equal(schedule_next_ms(0, 3600, 0), 3600000 - 30000);
	assert_true(schedule_next_ms(0, 3600, UINT32_MAX) <= 3600000 + 30000);
	/* The longest gap, what "at least every render_interval" is judged by: 66 s for 60 s. */
	assert_int_equal(schedule_max_gap_s(60), 66);
	assert_int_equal(schedule_max_gap_s(10), 11);
	assert_int_equal(schedule_max_gap_s(15), 17); /* 1.5 s of jitter, rounded up */
	assert_int_equal(schedule_max_gap_s(3600), 3630);
	assert_true(schedule_next_ms(0, 15, UINT32_MAX) <= 17000);
}

static void
test_sim_grid(void **state)
{
	(void)state;
	/* Nothing done yet, or done before the replay's start: the start. */
	assert_int_equal(schedule_sim_next(1000, 60, 0), 1000);
	assert_int_equal(schedule_sim_next(1000, 60, 999), 1000);
	/* Resumes on the grid after the last committed cycle. */
	assert_int_equal(schedule_sim_next(1000, 60, 1000), 1060);
	assert_int_equal(schedule_sim_next(1000, 60, 1060), 1120);
	/* Off the grid (the interval changed by a reload): the next grid instant. */
	assert_int_equal(schedule_sim_next(1000, 60, 1075), 1120);
}

/* Three updates of one event at 100, 200, 300 (guid epochs) and one item dated by pubDate only. */
static const char feed[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<rss version=\"2.0\"><channel><title>Amazon Connect (N. Virginia) Service Status</title>"
    "<item><title>Service is operating normally: [RESOLVED] Calls failing</title>"
    "<pubDate>Thu, 01 Jan 1970 00:05:00 GMT</pubDate>"
    "<guid>https://status.aws.amazon.com/#connect-us-east-1_300</guid></item>"
    "<item><title>Service disruption: Calls failing</title>"
    "<pubDate>Thu, 01 Jan 1970 00:03:20 GMT</pubDate>"
    "<guid>https://status.aws.amazon.com/#connect-us-east-1_200</guid></item>"
    "<item><title>Informational message: Calls failing &amp; dropping</title>"
    "<pubDate>Thu, 01 Jan 1970 00:01:40 GMT</pubDate>"
    "<guid>https://status.aws.amazon.com/#connect-us-east-1_100</guid></item>"
    "<item><title>No guid, dated 150</title><pubDate>Thu, 01 Jan 1970 00:02:30 GMT</pubDate></item>"
    "</channel></rss>\n";

static void
test_cut(void **state)
{
	char err[256], *out = NULL;
	size_t len = 0, kept = 0;
	int64_t first, last;

	(void)state;
	assert_int_equal(feed_cut("connect.rss", feed, strlen(feed), 200, &out, &len, &kept, err,
	    sizeof(err)), CS_OK);
	assert_int_equal(kept, 3);
	assert_null(strstr(out, "[RESOLVED]"));
	assert_non_null(strstr(out, "Service disruption: Calls failing"));
	assert_non_null(strstr(out, "Calls failing &amp; dropping"));
	assert_non_null(strstr(out, "No guid, dated 150"));
	assert_non_null(strstr(out, "Amazon Connect (N. Virginia) Service Status"));
	free(out);
	/* Before the event: an empty channel, still a feed. */
	assert_int_equal(feed_cut("connect.rss", feed, strlen(feed), 99, &out, &len, &kept, err,
	    sizeof(err)), CS_OK);
	assert_int_equal(kept, 0);
	assert_null(strstr(out, "<item"));
	assert_non_null(strstr(out, "<channel>"));
	free(out);
	{
		int64_t *times = NULL;
		size_t n = 0;

		assert_int_equal(feed_item_times("connect.rss", feed, strlen(feed), &times, &n, err,
		    sizeof(err)), CS_OK);
		assert_int_equal(n, 4);
		/* Items at 100, 150, 200, 300: one run while gaps of 100 s are allowed, ... */
		feed_last_event(times, n, 100, &first, &last);
		assert_int_equal(first, 100);
		assert_int_equal(last, 300);
		/* ... the last item alone when the 100 s before it is too long a silence. */
		feed_last_event(times, n, 99, &first, &last);
		assert_int_equal(first, 300);
		assert_int_equal(last, 300);
		free(times);
		feed_last_event(NULL, 0, 60, &first, &last);
		assert_int_equal(first, 0);
		assert_int_equal(last, 0);
	}
}

static void
test_cut_refuses(void **state)
{
	static const char dtd[] =
	    "<?xml version=\"1.0\"?><!DOCTYPE rss [<!ENTITY x SYSTEM \"file:///etc/passwd\">]>"
	    "<rss><channel><item><title>&x;</title></item></channel></rss>";
	static const char atom[] = "<feed xmlns=\"http://www.w3.org/2005/Atom\"></feed>";
	char err[256], *out = NULL;
	size_t len, kept;

	(void)state;
	assert_int_equal(feed_cut("evil.rss", dtd, strlen(dtd), 0, &out, &len, &kept, err,
	    sizeof(err)), CS_ERR_PARSE);
	assert_non_null(strstr(err, "evil.rss"));
	assert_non_null(strstr(err, "DTD"));
	assert_null(out);
	assert_int_equal(feed_cut("atom.xml", atom, strlen(atom), 0, &out, &len, &kept, err,
	    sizeof(err)), CS_ERR_PARSE);
	assert_non_null(strstr(err, "not an RSS document"));
	assert_int_equal(feed_cut("junk", "\x01\x02", 2, 0, &out, &len, &kept, err, sizeof(err)),
	    CS_ERR_PARSE);
}

static void
test_lock(void **state)
{
	char *dir = testutil_tmpdir("cs-lock"), err[512];
	struct instance_lock a, b, c;
	pid_t holder = 0;

	(void)state;
	assert_non_null(dir);
	assert_int_equal(instance_lock(dir, "run", 0, &a, NULL, err, sizeof(err)), CS_OK);
	/* flock is per open file: a second open in the same process is refused like another process. */
	assert_int_equal(instance_lock(dir, "run", 0, &b, &holder, err, sizeof(err)), CS_ERR_STATE);
	assert_int_equal(holder, getpid());
	assert_non_null(strstr(err, "(run)"));
	assert_int_equal(instance_lock(dir, "mail", 1, &b, NULL, err, sizeof(err)), CS_ERR_STATE);
	instance_unlock(&a);
	/* Shared holders coexist (two mail passes); the daemon is then refused. */
	assert_int_equal(instance_lock(dir, "mail", 1, &b, NULL, err, sizeof(err)), CS_OK);
	assert_int_equal(instance_lock(dir, "mail", 1, &c, NULL, err, sizeof(err)), CS_OK);
	assert_int_equal(instance_lock(dir, "run", 0, &a, NULL, err, sizeof(err)), CS_ERR_STATE);
	instance_unlock(&b);
	instance_unlock(&c);
	assert_int_equal(instance_lock(dir, "run", 0, &a, NULL, err, sizeof(err)), CS_OK);
	instance_unlock(&a);
	instance_unlock(&a); /* twice is a no-op */
	assert_int_equal(testutil_rm_rf(dir), 0);
	free(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_jitter_bounds),
		cmocka_unit_test(test_sim_grid),
		cmocka_unit_test(test_cut),
		cmocka_unit_test(test_cut_refuses),
		cmocka_unit_test(test_lock),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
