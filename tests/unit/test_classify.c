/* test_classify.c: title prefixes, the verdict rules, and goldens per recorded feed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aws/classify.h"
#include "aws/currentevents.h"
#include "aws/reconcile.h"
#include "base/cstime.h"
#include "aws/feed_parse.h"
#include "testutil.h"

#define DAY 86400

static void
test_title_table(void **state)
{
	static const struct {
		const char *title;
		int         rc;
		status_aws  state;
		int         resolved;
	} t[] = {
		{ "Service is operating normally: [RESOLVED] Network Connectivity", 0, STATUS_AWS_NORMAL, 1 },
		{ "Service is operating normally", 0, STATUS_AWS_NORMAL, 0 },
		{ "Service is operating normally: all good", 0, STATUS_AWS_NORMAL, 0 },
		{ "Informational message: Increased error rates", 0, STATUS_AWS_INFORMATIONAL, 0 },
		{ "Informational message: [RESOLVED] API Error Rates", 0, STATUS_AWS_INFORMATIONAL, 1 },
		{ "Service impact: Increased Packet loss", 0, STATUS_AWS_INFORMATIONAL, 0 },
		{ "Service degradation: Delayed metrics", 0, STATUS_AWS_DEGRADED, 0 },
		{ "Service degradation: [RESOLVED] Increased API Error Rates", 0, STATUS_AWS_DEGRADED, 1 },
		{ "Performance issues: Elevated launch failures", 0, STATUS_AWS_DEGRADED, 0 },
		{ "Service disruption: Increased Error Rates", 0, STATUS_AWS_DISRUPTION, 0 },
		{ "Service disruption: [Resolved] Increased Error Rates", 0, STATUS_AWS_DISRUPTION, 1 },
		{ "Service disruption: [resolved] x", 0, STATUS_AWS_DISRUPTION, 1 },
		{ "Service disruption: [ RESOLVED ] x", 0, STATUS_AWS_DISRUPTION, 1 },
		{ "Service disruption: x [RESOLVED]", 0, STATUS_AWS_DISRUPTION, 1 },
		{ "Service disruption: [\xE8\xA7\xA3\xE6\xB1\xBA\xE6\xB8\x88] \xE6\x8E\xA5\xE7\xB6\x9A", 0, STATUS_AWS_DISRUPTION, 1 },
		{ "Service disruption: [RESOLVE] x", 0, STATUS_AWS_DISRUPTION, 0 },
		{ "Service disruption: [RESOLVED x", 0, STATUS_AWS_DISRUPTION, 0 },
		{ "Service disruption: RESOLVED x", 0, STATUS_AWS_DISRUPTION, 0 },
		/* Case and spacing. */
		{ "SERVICE DISRUPTION: x", 0, STATUS_AWS_DISRUPTION, 0 },
		{ "service   disruption : x", 0, STATUS_AWS_DISRUPTION, 0 },
		{ "  Service\tdegradation:x", 0, STATUS_AWS_DEGRADED, 0 },
		{ "\nInformational  Message\n: x", 0, STATUS_AWS_INFORMATIONAL, 0 },
		{ "Service is  operating   normally:[RESOLVED]x", 0, STATUS_AWS_NORMAL, 1 },
		{ "Service impact\xEF\xBC\x9A x", 0, STATUS_AWS_INFORMATIONAL, 0 },
		/* Unknown prefixes: informational, never normal. */
		{ "[RESOLVED] Increased error rates", -1, STATUS_AWS_INFORMATIONAL, 1 },
		{ "Servicedisruption: x", -1, STATUS_AWS_INFORMATIONAL, 0 },
		{ "Service disruptions: x", -1, STATUS_AWS_INFORMATIONAL, 0 },
		{ "Service disruption - x", -1, STATUS_AWS_INFORMATIONAL, 0 },
		{ "Service is operating", -1, STATUS_AWS_INFORMATIONAL, 0 },
		{ "Operational issue: x", -1, STATUS_AWS_INFORMATIONAL, 0 },
		{ "", -1, STATUS_AWS_INFORMATIONAL, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		status_aws st = STATUS_AWS_UNKNOWN;
		int res = -7;
		int rc = classify_title(t[i].title, &st, &res);

		if (rc != t[i].rc || st != t[i].state || res != t[i].resolved)
			fail_msg("\"%s\": got rc %d state %d resolved %d, want %d %d %d", t[i].title,
			    rc, st, res, t[i].rc, t[i].state, t[i].resolved);
	}
}

/* Adds a synthetic item. */
static void
add(struct classify *c, const char *slug, int64_t epoch, const char *title, const char *desc)
{
	struct feed_item it;
	char guid[128];

	snprintf(guid, sizeof(guid), "https://status.aws.amazon.com/#%s_%lld", slug, (long long)epoch);
	memset(&it, 0, sizeof(it));
	it.title = title;
	it.link = "";
	it.guid = guid;
	it.description = desc != NULL ? desc : "";
	it.slug = slug;
	it.epoch = epoch;
	it.pubdate = epoch;
	assert_int_equal(classify_add(c, &it), CS_OK);
}

/* The newest by epoch decides, whatever the order; event_start is the first open item. */
static void
test_order_and_event_start(void **state)
{
	struct classify *c = classify_new(0, 0);
	const struct classify_service *s;

	(void)state;
	add(c, "ec2-us-east-1", 300, "Service degradation: b", NULL);
	add(c, "ec2-us-east-1", 100, "Service disruption: a", NULL);
	add(c, "ec2-us-east-1", 400, "Service disruption: b", NULL);
	add(c, "ec2-us-east-1", 200, "Service is operating normally: [RESOLVED] a", NULL);
	add(c, "ec2-us-east-1", 350, "Informational message: b", NULL);
	s = classify_find(c, "ec2-us-east-1");
	assert_non_null(s);
	assert_int_equal(s->state, STATUS_AWS_DISRUPTION);
	assert_int_equal(s->updated, 400);
	assert_int_equal(s->event_start, 300);
	assert_int_equal(s->resolved, 0);
	assert_string_equal(s->title, "Service disruption: b");
	assert_string_equal(s->guid, "https://status.aws.amazon.com/#ec2-us-east-1_400");
	/* A resolution arrives: normal, no event. */
	add(c, "ec2-us-east-1", 500, "Service disruption: [RESOLVED] b", NULL);
	s = classify_find(c, "ec2-us-east-1");
	assert_int_equal(s->state, STATUS_AWS_NORMAL);
	assert_int_equal(s->event_start, 0);
	assert_int_equal(s->resolved, 1);
	/* An older open item cannot reopen it. */
	add(c, "ec2-us-east-1", 450, "Service disruption: b", NULL);
	assert_int_equal(classify_find(c, "ec2-us-east-1")->state, STATUS_AWS_NORMAL);
	assert_null(classify_find(c, "s3-us-east-1"));
	classify_free(c);
}

/* Equal epochs: the closing item wins in either order. */
static void
test_tie(void **state)
{
	struct classify *c = classify_new(0, 0);

	(void)state;
	add(c, "a", 100, "Service disruption: x", NULL);
	add(c, "a", 100, "Service disruption: [RESOLVED] x", NULL);
	add(c, "b", 100, "Service disruption: [RESOLVED] x", NULL);
	add(c, "b", 100, "Service disruption: x", NULL);
	assert_int_equal(classify_find(c, "a")->state, STATUS_AWS_NORMAL);
	assert_int_equal(classify_find(c, "b")->state, STATUS_AWS_NORMAL);
	classify_free(c);
}

/* Future items are ignored; items without slug or epoch too. */
static void
test_future_and_unusable(void **state)
{
	struct classify *c = classify_new(1000, 0);
	struct feed_item it;
	size_t n;

	(void)state;
	add(c, "a", 900, "Service disruption: x", NULL);
	add(c, "a", 1001, "Service is operating normally: [RESOLVED] x", NULL);
	assert_int_equal(classify_find(c, "a")->state, STATUS_AWS_DISRUPTION);
	add(c, "b", 2000, "Service disruption: x", NULL);
	assert_null(classify_find(c, "b"));
	memset(&it, 0, sizeof(it));
	it.title = it.guid = it.link = it.description = it.slug = "";
	it.epoch = 5;
	assert_int_equal(classify_add(c, &it), CS_OK);
	classify_result(c, &n);
	assert_int_equal(n, 1);
	classify_free(c);
}

/* The record an older version stored: the slugs currentevents listed open. */
static struct reconcile_set *
legacy(const char *json)
{
	struct reconcile_set *s = NULL;
	char err[CS_ERRLEN] = "";

	if (reconcile_from_json(json, &s, err, sizeof(err)) != CS_OK)
		fail_msg("%s", err);
	assert_true(s->legacy);
	return s;
}

/* The quiet limit closes a stale open event, unless currentevents lists it. */
static void
test_quiet_limit(void **state)
{
	struct classify *c = classify_new(100 * DAY, DAY);
	const struct classify_service *s;

	(void)state;
	add(c, "multipleservices-me-central-1", 10 * DAY, "Service disruption: x", NULL);
	add(c, "multipleservices-me-south-1", 10 * DAY, "Service disruption: x", NULL);
	add(c, "s3-us-east-1", 100 * DAY - DAY, "Service degradation: x", NULL);
	add(c, "s3-us-west-2", 100 * DAY - DAY - 1, "Service degradation: x", NULL);
	s = classify_find(c, "multipleservices-me-central-1");
	assert_int_equal(s->state, STATUS_AWS_NORMAL);
	assert_int_equal(s->quiet_closed, 1);
	assert_int_equal(s->event_start, 0);
	/* Exactly at the limit it stays open; one second past, it closes. */
	assert_int_equal(classify_find(c, "s3-us-east-1")->state, STATUS_AWS_DEGRADED);
	assert_int_equal(classify_find(c, "s3-us-west-2")->quiet_closed, 1);
	classify_set_currentevents(c, legacy("[\"multipleservices-me-central-1\"]"), 100 * DAY);
	s = classify_find(c, "multipleservices-me-central-1");
	assert_int_equal(s->state, STATUS_AWS_DISRUPTION);
	assert_int_equal(s->quiet_closed, 0);
	assert_int_equal(s->event_start, 10 * DAY);
	assert_int_equal(classify_find(c, "multipleservices-me-south-1")->quiet_closed, 1);
	classify_set_currentevents(c, NULL, 0);
	assert_int_equal(classify_find(c, "multipleservices-me-central-1")->quiet_closed, 1);
	classify_free(c);
}

/* Unknown prefixes are informational and never close; the description rule. */
static void
test_unknown_and_description(void **state)
{
	struct classify *c = classify_new(0, 0);
	const struct classify_service *s;

	(void)state;
	add(c, "a", 100, "Service disruption: x", NULL);
	add(c, "a", 200, "[RESOLVED] x", NULL);
	s = classify_find(c, "a");
	assert_int_equal(s->state, STATUS_AWS_INFORMATIONAL);
	assert_int_equal(s->unknown_prefix, 1);
	assert_int_equal(s->event_start, 100);
	add(c, "b", 100, "Informational message: Increased Invoke API Error Rates",
	    "Between 4:03 PM and 4:57 PM PST we experienced increased API error rates. "
	    "The issue has been resolved and the service is operating normally. ");
	s = classify_find(c, "b");
	assert_int_equal(s->state, STATUS_AWS_NORMAL);
	assert_int_equal(s->resolved, 1);
	add(c, "c", 100, "Service disruption: x",
	    "We have identified the root cause and are working toward full resolution.");
	assert_int_equal(classify_find(c, "c")->state, STATUS_AWS_DISRUPTION);
	add(c, "d", 100, "Oops: x", "The issue has been resolved and the service is operating normally.");
	assert_int_equal(classify_find(c, "d")->state, STATUS_AWS_INFORMATIONAL);
	classify_free(c);
}

/* Many open updates of one event: memory is bounded and event_start still right. */
static void
test_many_open_updates(void **state)
{
	struct classify *c = classify_new(0, 0);
	const struct classify_service *s;

	(void)state;
	for (int64_t e = 200000; e > 100000; e--)
		add(c, "a", e, "Service impact: x", NULL);
	add(c, "a", 50000, "Service is operating normally: [RESOLVED] x", NULL);
	for (int64_t e = 100001; e <= 300000; e += 3)
		add(c, "a", e, "Service impact: x", NULL);
	s = classify_find(c, "a");
	assert_int_equal(s->state, STATUS_AWS_INFORMATIONAL);
	assert_int_equal(s->event_start, 100001);
	assert_int_equal(s->updated, 299999);
	classify_free(c);
	classify_free(NULL);
}

/* The recorded currentevents of 2026-08-01, folded per slug, with its seen disagreements. */
static struct reconcile_set *
recorded_currentevents(const struct reconcile_seen *seen, size_t nseen)
{
	size_t len;
	char *text = testutil_read("tests/fixtures/currentevents-2026-08-01.json", &len);
	struct currentevents *ce = NULL;
	struct reconcile_set *s = NULL;
	char err[CS_ERRLEN] = "";

	if (currentevents_parse("currentevents-2026-08-01.json", text, len, &ce, err,
	    sizeof(err)) != CS_OK)
		fail_msg("%s", err);
	assert_int_equal(reconcile_from_currentevents(ce, &s), CS_OK);
	assert_int_equal(reconcile_set_seen(s, seen, nseen), CS_OK);
	currentevents_free(ce);
	free(text);
	return s;
}

/*
 * Rule 12 with the recorded document of 2026-08-01 (Direct Connect
 * ap-south-1 ended 2026-07-31T18:54:35Z; the me-central-1 multi-service
 * disruption open since 2026-03-01T12:51:25Z), judged at
 * 2026-07-31T20:33:20Z against RSS items written for the test.
 */
static void
test_currentevents_reconciled(void **state)
{
	enum { NOW = 1785530000 };
	static char dc[] = "directconnect-ap-south-1", s3[] = "s3-me-central-1";
	static const struct reconcile_seen seen[] = {
		{ dc, RECONCILE_CE_ONLY }, { s3, RECONCILE_CE_ONLY },
	};
	struct classify *c = classify_new(NOW, DAY);
	const struct classify_service *s;

	(void)state;
	classify_set_currentevents(c, recorded_currentevents(seen, 2), NOW - 60);
	/* The Direct Connect event in its RSS feed: one open update, never resolved there. */
	add(c, "directconnect-ap-south-1", 1785519198, "Service impact: Elevated Packet Loss", NULL);
	/* Open in route53's feed, which currentevents lists with "current": "0". */
	add(c, "route53", NOW - 3600, "Service degradation: Increased DNS latency", NULL);
	/* Open in RSS and currentevents, the RSS update months old. */
	add(c, "sts-me-central-1", 1772369485 + 60, "Service disruption: Increased Error Rates", NULL);
	/* Open in RSS, quiet for a day and a second, unknown to currentevents. */
	add(c, "ec2-us-east-1", NOW - DAY - 1, "Service degradation: Instance launches", NULL);

	/* The end in currentevents closes the RSS event (not newer than the end). */
	s = classify_find(c, "directconnect-ap-south-1");
	assert_non_null(s);
	assert_int_equal(s->state, STATUS_AWS_NORMAL);
	assert_true(s->resolved);
	assert_false(s->quiet_closed);
	assert_int_equal(s->source, RECONCILE_CURRENTEVENTS);
	assert_int_equal(s->disagree, RECONCILE_CE_ENDED);
	assert_true(s->disagree_new); /* remembered as another kind */
	assert_int_equal(s->updated, 1785524075);
	assert_int_equal(s->event_start, 0);
	assert_string_equal(s->title, "[RESOLVED] Elevated Packet Loss");
	assert_string_equal(s->guid, "currentevents:arn:aws:health:ap-south-1::event/DIRECTCONNECT/"
	    "AWS_DIRECTCONNECT_OPERATIONAL_ISSUE/AWS_DIRECTCONNECT_OPERATIONAL_ISSUE_00B73_1C6411F1489:"
	    "directconnect-ap-south-1:end");
	assert_string_equal(s->closing_title, "The AWS Health Dashboard lists the event on "
	    "directconnect-ap-south-1 as ended at 2026-07-31T18:54:35Z: [RESOLVED] Elevated Packet Loss");

	/* An empty RSS feed: currentevents opens the service as the event says. */
	s = classify_find(c, "s3-me-central-1");
	assert_non_null(s);
	assert_int_equal(s->state, STATUS_AWS_DISRUPTION);
	assert_int_equal(s->source, RECONCILE_CURRENTEVENTS);
	assert_int_equal(s->disagree, RECONCILE_CE_ONLY);
	assert_false(s->disagree_new); /* the last cycle saw it */
	assert_string_equal(s->title, "Increased Error Rates");
	assert_int_equal(s->updated, 1772369485);
	assert_int_equal(s->event_start, 1772369485);
	assert_null(s->closing_title);
	assert_non_null(strstr(s->guid, "AWS_MULTIPLE_SERVICES_OPERATIONAL_ISSUE_5E6B8_EF2498889B5:"
	    "s3-me-central-1"));

	/* "current": "0": RSS decides; the two disagree. */
	s = classify_find(c, "route53");
	assert_int_equal(s->state, STATUS_AWS_DEGRADED);
	assert_int_equal(s->source, RECONCILE_RSS);
	assert_int_equal(s->disagree, RECONCILE_RSS_ONLY);
	assert_true(s->disagree_new);
	assert_string_equal(s->title, "Service degradation: Increased DNS latency");

	/* Both open: no quiet close though the RSS update is months old. */
	s = classify_find(c, "sts-me-central-1");
	assert_int_equal(s->state, STATUS_AWS_DISRUPTION);
	assert_int_equal(s->source, RECONCILE_BOTH);
	assert_int_equal(s->disagree, RECONCILE_AGREE);
	assert_false(s->quiet_closed);
	assert_string_equal(s->title, "Service disruption: Increased Error Rates");

	/* The quiet limit, said honestly. */
	s = classify_find(c, "ec2-us-east-1");
	assert_int_equal(s->state, STATUS_AWS_NORMAL);
	assert_true(s->quiet_closed);
	assert_false(s->resolved);
	assert_int_equal(s->disagree, RECONCILE_AGREE);
	assert_string_equal(s->closing_title, "AWS has posted no update on ec2-us-east-1 for more "
	    "than 24 hours (the last was at 2026-07-30T20:33:19Z) and has not said the event is "
	    "resolved; it is taken as over.");

	/* Listed nowhere open: no verdict. */
	assert_null(classify_find(c, "route53-nothing"));
	assert_null(classify_find(c, "cloudfront"));

	/* A document last read more than the quiet limit ago is no evidence. */
	classify_set_currentevents(c, recorded_currentevents(NULL, 0), NOW - DAY - 1);
	assert_null(classify_find(c, "s3-me-central-1"));
	s = classify_find(c, "directconnect-ap-south-1");
	assert_int_equal(s->state, STATUS_AWS_INFORMATIONAL);
	assert_int_equal(s->source, RECONCILE_RSS);
	assert_int_equal(s->disagree, RECONCILE_AGREE);
	assert_null(s->closing_title);
	assert_int_equal(classify_find(c, "route53")->disagree, RECONCILE_AGREE);
	/* Exactly at the limit it still counts. */
	classify_set_currentevents(c, recorded_currentevents(NULL, 0), NOW - DAY);
	assert_int_equal(classify_find(c, "s3-me-central-1")->state, STATUS_AWS_DISRUPTION);
	classify_free(c);
}

/* The dump says where a verdict came from, only when currentevents counted. */
static void
test_currentevents_dump(void **state)
{
	enum { NOW = 1785530000 };
	struct classify *c = classify_new(NOW, DAY);
	char *text = NULL;
	size_t len = 0;
	FILE *fp;

	(void)state;
	classify_set_currentevents(c, recorded_currentevents(NULL, 0), NOW);
	add(c, "directconnect-ap-south-1", 1785519198, "Service impact: Elevated Packet Loss", NULL);
	add(c, "ec2-us-east-1", NOW - 60, "Service degradation: x", NULL);
	fp = open_memstream(&text, &len);
	assert_non_null(fp);
	classify_dump(c, fp);
	fclose(fp);
	assert_non_null(strstr(text, "\ndirectconnect-ap-south-1 state=normal updated=2026-07-31T18:54:35Z "
	    "event_start=- resolved=currentevents quiet_closed=0 unknown_prefix=0 "
	    "source=currentevents disagreement=currentevents_ended guid=currentevents:"));
	assert_non_null(strstr(text, "\nec2-us-east-1 state=degraded updated=2026-07-31T20:32:20Z "
	    "event_start=2026-07-31T20:32:20Z resolved=no quiet_closed=0 unknown_prefix=0 "
	    "source=rss disagreement=rss_only guid="));
	free(text);
	classify_free(c);
}

/* Goldens: every recorded feed, judged at a few moments. */
struct judge {
	const char *label;
	int64_t     now;
	int64_t     quiet;
	int         open_events; /* list the two 2026 open events */
};

static void
judge_feed(FILE *out, const char *fixture, const char *buf, size_t len, const struct judge *j)
{
	struct classify *c = classify_new(j->now, j->quiet);
	char err[CS_ERRLEN] = "", when[32];

	assert_non_null(c);
	if (j->open_events)
		classify_set_currentevents(c, legacy("[\"multipleservices-me-central-1\","
		    "\"multipleservices-me-south-1\"]"), j->now);
	if (feed_parse_buffer(fixture, buf, len, classify_item_cb, c, err, sizeof(err)) != CS_OK)
		fail_msg("%s", err);
	cstime_format_iso8601(j->now, when, sizeof(when));
	fprintf(out, "# %s: now=%s quiet_limit=%lld%s\n", j->label, j->now != 0 ? when : "0",
	    (long long)j->quiet, j->open_events ? " open_events=me-central-1,me-south-1" : "");
	classify_dump(c, out);
	classify_free(c);
}

static void
test_fixtures_golden(void **state)
{
	/*
	 * The fixed moment is when the feed was recorded (its build date when it
	 * has one); "during" is a moment inside an event of the feed (later
	 * items are then in the future and ignored).
	 */
	static const struct {
		const char *fixture;
		const char *recorded;
		const char *during;
	} f[] = {
		{ "all-2018-03-18-bare-ampersand.rss", "2018-03-03T12:06:15Z", "2018-03-02T17:00:00Z" },
		{ "all-2021-12-20-excerpt.rss", "2021-12-20T00:00:00Z", "2021-12-15T17:00:00Z" },
		{ "all-2021-12-27-excerpt.rss", "2021-12-27T08:05:42Z", "2021-12-23T00:00:00Z" },
		{ "all-2023-02-13-excerpt.rss", "2023-02-13T00:00:00Z", "2023-02-03T00:00:00Z" },
		{ "all-2023-02-16-empty.rss", "2023-02-16T00:00:00Z", "2023-02-16T00:00:00Z" },
		{ "all-2026-08-18.rss", "2026-08-18T12:20:30Z", "2026-08-16T00:00:00Z" },
		{ "cloudsearch-eu-central-1-2015-empty.rss", "2015-04-26T16:38:06Z", "2015-04-26T16:38:06Z" },
		{ "connect-eu-west-2-2025-06-13-empty.rss", "2025-06-13T12:49:29Z", "2025-06-13T12:49:29Z" },
		{ "ec2-us-east-1-2022-03-01.rss", "2022-03-01T00:00:00Z", "2021-12-22T14:00:00Z" },
		{ "ecs-us-west-1-2022-08-29.rss", "2022-08-30T00:03:35Z", "2022-08-30T00:03:35Z" },
	};
	int64_t far;

	(void)state;
	assert_int_equal(cstime_parse_iso8601("2030-01-01T00:00:00Z", &far), 0);
	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		char rel[256], gold[256];
		char *buf, *text = NULL;
		size_t len, tlen = 0;
		int64_t rec, during;
		FILE *out;

		assert_int_equal(cstime_parse_iso8601(f[i].recorded, &rec), 0);
		assert_int_equal(cstime_parse_iso8601(f[i].during, &during), 0);
		{
			const struct judge js[] = {
				{ "during an event, default quiet limit", during, DAY, 0 },
				{ "recorded, quiet limit off", rec, 0, 0 },
				{ "recorded, default quiet limit", rec, DAY, 0 },
				{ "recorded, default quiet limit, currentevents open", rec, DAY, 1 },
				{ "current (far future), default quiet limit", far, DAY, 0 },
				{ "no clock", 0, 0, 0 },
			};

			snprintf(rel, sizeof(rel), "tests/fixtures/%s", f[i].fixture);
			snprintf(gold, sizeof(gold), "classify-%s.txt", f[i].fixture);
			buf = testutil_read(rel, &len);
			out = open_memstream(&text, &tlen);
			assert_non_null(out);
			for (size_t k = 0; k < sizeof(js) / sizeof(js[0]); k++)
				judge_feed(out, f[i].fixture, buf, len, &js[k]);
			fclose(out);
			testutil_golden(gold, text, tlen);
			free(text);
			free(buf);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_title_table),
		cmocka_unit_test(test_order_and_event_start),
		cmocka_unit_test(test_tie),
		cmocka_unit_test(test_future_and_unusable),
		cmocka_unit_test(test_quiet_limit),
		cmocka_unit_test(test_unknown_and_description),
		cmocka_unit_test(test_many_open_updates),
		cmocka_unit_test(test_currentevents_reconciled),
		cmocka_unit_test(test_currentevents_dump),
		cmocka_unit_test(test_fixtures_golden),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
