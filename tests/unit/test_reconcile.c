/* test_reconcile.c: currentevents folded per slug (recorded documents), the RSS/currentevents rule, the stored form. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aws/currentevents.h"
#include "aws/reconcile.h"
#include "testutil.h"

#define DAY 86400

#define ARN_DC "arn:aws:health:ap-south-1::event/DIRECTCONNECT/AWS_DIRECTCONNECT_OPERATIONAL_ISSUE/" \
    "AWS_DIRECTCONNECT_OPERATIONAL_ISSUE_00B73_1C6411F1489"
#define ARN_ME1 "arn:aws:health:me-central-1::event/MULTIPLE_SERVICES/" \
    "AWS_MULTIPLE_SERVICES_OPERATIONAL_ISSUE/AWS_MULTIPLE_SERVICES_OPERATIONAL_ISSUE_5E6B8_EF2498889B5"
#define ARN_ME2 "arn:aws:health:me-south-1::event/MULTIPLE_SERVICES/" \
    "AWS_MULTIPLE_SERVICES_OPERATIONAL_ISSUE/AWS_MULTIPLE_SERVICES_OPERATIONAL_ISSUE_E6426_01AD72B4E1E"
#define ARN_W2 "arn:aws:health:us-west-2::event/MULTIPLE_SERVICES/" \
    "AWS_MULTIPLE_SERVICES_OPERATIONAL_ISSUE/AWS_MULTIPLE_SERVICES_OPERATIONAL_ISSUE_926DB_F0036494EA4"

/* Parses a document (a fixture or text) and folds it. */
static struct reconcile_set *
fold(const char *name, const char *data, size_t len)
{
	struct currentevents *ce = NULL;
	struct reconcile_set *s = NULL;
	char err[CS_ERRLEN] = "";

	if (currentevents_parse(name, data, len, &ce, err, sizeof(err)) != CS_OK)
		fail_msg("%s", err);
	assert_int_equal(reconcile_from_currentevents(ce, &s), CS_OK);
	currentevents_free(ce);
	assert_false(s->legacy);
	assert_int_equal(s->nseen, 0);
	for (size_t i = 1; i < s->n; i++)
		assert_true(strcmp(s->ev[i - 1].slug, s->ev[i].slug) < 0);
	return s;
}

static struct reconcile_set *
fold_fixture(const char *rel)
{
	size_t len;
	char *text = testutil_read(rel, &len);
	struct reconcile_set *s = fold(rel, text, len);

	free(text);
	return s;
}

static void
expect_event(const struct reconcile_set *s, const char *slug, int open, status_aws state,
    int64_t start, int64_t updated, int64_t end_time, const char *title, const char *guid)
{
	const struct reconcile_event *e = reconcile_find(s, slug);

	if (e == NULL)
		fail_msg("%s: not in the set", slug);
	assert_string_equal(e->slug, slug);
	assert_int_equal(e->open, open);
	assert_int_equal(e->state, state);
	assert_int_equal(e->start, start);
	assert_int_equal(e->updated, updated);
	assert_int_equal(e->end_time, end_time);
	assert_string_equal(e->title, title);
	assert_string_equal(e->guid, guid);
}

/*
 * The document of 2026-08-01: Direct Connect ap-south-1 ended at
 * 1785524075; the me-central-1 and me-south-1 multi-service disruptions
 * open, each listing its services with "current": "3", except route53,
 * cloudfront, management-console, globalaccelerator and cloudwan, which
 * both list with "current": "0" (back to normal while the event goes on).
 */
static void
test_fold_recorded(void **state)
{
	struct reconcile_set *s = fold_fixture("tests/fixtures/currentevents-2026-08-01.json");

	(void)state;
	expect_event(s, "directconnect-ap-south-1", 0, STATUS_AWS_NORMAL, 1785519198, 1785524075,
	    1785524075, "[RESOLVED] Elevated Packet Loss",
	    "currentevents:" ARN_DC ":directconnect-ap-south-1:end");
	expect_event(s, "multipleservices-me-central-1", 1, STATUS_AWS_DISRUPTION, 1772369485,
	    1772369485, 0, "Increased Error Rates",
	    "currentevents:" ARN_ME1 ":multipleservices-me-central-1");
	expect_event(s, "s3-me-central-1", 1, STATUS_AWS_DISRUPTION, 1772369485, 1772369485, 0,
	    "Increased Error Rates", "currentevents:" ARN_ME1 ":s3-me-central-1");
	expect_event(s, "multipleservices-me-south-1", 1, STATUS_AWS_DISRUPTION, 1772430987,
	    1772430987, 0, "Increased Error Rates",
	    "currentevents:" ARN_ME2 ":multipleservices-me-south-1");
	/* A global service impacted by a regional event. */
	expect_event(s, "aps", 1, STATUS_AWS_DISRUPTION, 1772369485, 1772369485, 0,
	    "Increased Error Rates", "currentevents:" ARN_ME1 ":aps");
	/* Listed by open events, but "current": "0": neither open nor ended. */
	assert_null(reconcile_find(s, "route53"));
	assert_null(reconcile_find(s, "cloudfront"));
	assert_null(reconcile_find(s, "management-console"));
	/* Not listed at all. */
	assert_null(reconcile_find(s, "connect-us-east-1"));
	reconcile_set_free(s);
}

/* The excerpt: a resolved us-west-2 STS / Sign-In event beside the two open ones. */
static void
test_fold_recorded_excerpt(void **state)
{
	struct reconcile_set *s = fold_fixture("tests/fixtures/currentevents-2026-excerpt.json");

	(void)state;
	/* Each event's own slug and its impacted services, nothing shared: 3 + 4 + 4. */
	assert_int_equal(s->n, 11);
	expect_event(s, "sts-us-west-2", 0, STATUS_AWS_NORMAL, 1788472198, 1788480474, 1788480474,
	    "[RESOLVED] Increased API Error Rates", "currentevents:" ARN_W2 ":sts-us-west-2:end");
	expect_event(s, "multipleservices-us-west-2", 0, STATUS_AWS_NORMAL, 1788472198, 1788480474,
	    1788480474, "[RESOLVED] Increased API Error Rates",
	    "currentevents:" ARN_W2 ":multipleservices-us-west-2:end");
	expect_event(s, "sts-me-central-1", 1, STATUS_AWS_DISRUPTION, 1772369485, 1772369485, 0,
	    "Increased Error Rates", "currentevents:" ARN_ME1 ":sts-me-central-1");
	expect_event(s, "bedrock-me-south-1", 1, STATUS_AWS_DISRUPTION, 1772430987, 1772430987, 0,
	    "Increased Error Rates", "currentevents:" ARN_ME2 ":bedrock-me-south-1");
	reconcile_set_free(s);
}

/* The UTF-16 copy, as AWS serves it, folds the same. */
static void
test_fold_utf16(void **state)
{
	struct reconcile_set *a = fold_fixture("tests/fixtures/currentevents-2026-excerpt.json");
	struct reconcile_set *b =
	    fold_fixture("tests/fixtures/currentevents-2026-excerpt-utf16le-bom.json");
	char *ja = reconcile_to_json(a), *jb = reconcile_to_json(b);

	(void)state;
	assert_non_null(ja);
	assert_string_equal(ja, jb);
	free(ja);
	free(jb);
	reconcile_set_free(a);
	reconcile_set_free(b);
}

/*
 * Several events list one slug: connect-us-east-1 is impacted "1" by an
 * open multi-service event (date 100) and is the service of an open event
 * with status "2" (date 200, newest log entry 300): degraded, from the
 * second, starting at the first. sqs-us-east-1 ended twice: the later end
 * counts. An event without an arn is named by its service and date. An
 * ended event does not close a slug another event keeps open.
 */
static void
test_fold_overlapping(void **state)
{
	static const char doc[] = "["
	    "{\"service\":\"multipleservices-us-east-1\",\"status\":\"1\",\"date\":\"100\","
	    " \"arn\":\"arn:m\",\"summary\":\"Multi\",\"event_log\":[{\"timestamp\":120}],"
	    " \"impacted_services\":{\"connect-us-east-1\":{\"current\":\"1\",\"max\":\"1\"}}},"
	    "{\"service\":\"connect-us-east-1\",\"status\":\"2\",\"date\":\"200\",\"arn\":\"arn:c\","
	    " \"summary\":\"Calls fail\",\"event_log\":[{\"timestamp\":300},{\"timestamp\":250},"
	    "  {\"summary\":\"no time\"},{\"timestamp\":\"x\"}]},"
	    "{\"service\":\"connect-us-east-1\",\"status\":\"0\",\"date\":\"50\",\"end_time\":\"400\","
	    " \"arn\":\"arn:old\",\"summary\":\"[RESOLVED] Old\"},"
	    "{\"service\":\"sqs-us-east-1\",\"status\":\"0\",\"date\":\"10\",\"end_time\":\"500\","
	    " \"arn\":\"arn:s1\",\"summary\":\"[RESOLVED] first\"},"
	    "{\"service\":\"sqs-us-east-1\",\"status\":\"0\",\"date\":\"20\",\"end_time\":\"600\","
	    " \"arn\":\"arn:s2\",\"summary\":\"[RESOLVED] second\"},"
	    "{\"service\":\"lambda-us-east-1\",\"status\":3,\"date\":1700000000,\"summary\":\"Errors\"}"
	    "]";
	struct reconcile_set *s = fold("overlap", doc, sizeof(doc) - 1);

	(void)state;
	assert_int_equal(s->n, 4);
	expect_event(s, "connect-us-east-1", 1, STATUS_AWS_DEGRADED, 100, 300, 0, "Calls fail",
	    "currentevents:arn:c:connect-us-east-1");
	expect_event(s, "multipleservices-us-east-1", 1, STATUS_AWS_INFORMATIONAL, 100, 120, 0,
	    "Multi", "currentevents:arn:m:multipleservices-us-east-1");
	expect_event(s, "sqs-us-east-1", 0, STATUS_AWS_NORMAL, 20, 600, 600, "[RESOLVED] second",
	    "currentevents:arn:s2:sqs-us-east-1:end");
	expect_event(s, "lambda-us-east-1", 1, STATUS_AWS_DISRUPTION, 1700000000, 1700000000, 0,
	    "Errors", "currentevents:lambda-us-east-1_1700000000:lambda-us-east-1");
	reconcile_set_free(s);
}

/* The rule table of reconcile.c, case by case. */
static void
test_rule_table(void **state)
{
	enum { NOW = 10 * DAY, Q = DAY };
	static char x[] = "x", tt[] = "t", g[] = "g", ge[] = "g:end", none[] = "";
	/* Open since NOW - 900, newest update NOW - 700; ended at NOW - 500. */
	static const struct reconcile_event open_dis = { x, 1, STATUS_AWS_DISRUPTION, NOW - 900,
		NOW - 700, 0, tt, g };
	static const struct reconcile_event open_info = { x, 1, STATUS_AWS_INFORMATIONAL,
		NOW - 900, NOW - 700, 0, tt, g };
	static const struct reconcile_event legacy = { x, 1, STATUS_AWS_UNKNOWN, 0, 0, 0, none, none };
	static const struct reconcile_event ended = { x, 0, STATUS_AWS_NORMAL, NOW - 900,
		NOW - 500, NOW - 500, tt, ge };
	static const struct {
		const char *name;
		struct reconcile_rss rss;
		const struct reconcile_event *ce;
		int known;
		/* want */
		int listed;
		status_aws state;
		enum reconcile_source source;
		int ce_text;
		enum reconcile_disagree disagree;
		int quiet_closed, ended;
		int64_t later;  /* judged this many seconds after NOW */
	} t[] = {
		{ "A: both open, RSS worse", { 1, 1, STATUS_AWS_DISRUPTION, NOW - 100 }, &open_info, 1,
		  1, STATUS_AWS_DISRUPTION, RECONCILE_BOTH, 0, RECONCILE_AGREE, 0, 0, 0 },
		{ "A: both open, currentevents worse", { 1, 1, STATUS_AWS_INFORMATIONAL, NOW - 100 },
		  &open_dis, 1, 1, STATUS_AWS_DISRUPTION, RECONCILE_BOTH, 1, RECONCILE_AGREE, 0, 0, 0 },
		{ "A: a tie takes RSS's text", { 1, 1, STATUS_AWS_DISRUPTION, NOW - 100 }, &open_dis, 1,
		  1, STATUS_AWS_DISRUPTION, RECONCILE_BOTH, 0, RECONCILE_AGREE, 0, 0, 0 },
		{ "A: no quiet close while currentevents lists it",
		  { 1, 1, STATUS_AWS_INFORMATIONAL, NOW - Q - 1 }, &open_info, 1,
		  1, STATUS_AWS_INFORMATIONAL, RECONCILE_BOTH, 0, RECONCILE_AGREE, 0, 0, 0 },
		{ "A: the old stored form only keeps the quiet limit off",
		  { 1, 1, STATUS_AWS_DEGRADED, NOW - Q - 1 }, &legacy, 0,
		  1, STATUS_AWS_DEGRADED, RECONCILE_RSS, 0, RECONCILE_AGREE, 0, 0, 0 },
		{ "B: the end closes an RSS event not newer", { 1, 1, STATUS_AWS_DISRUPTION, NOW - 500 },
		  &ended, 1, 1, STATUS_AWS_NORMAL, RECONCILE_CURRENTEVENTS, 1, RECONCILE_CE_ENDED, 0, 1, 0 },
		{ "B: before the quiet limit would", { 1, 1, STATUS_AWS_DISRUPTION, NOW - Q - 600 },
		  &ended, 1, 1, STATUS_AWS_NORMAL, RECONCILE_CURRENTEVENTS, 1, RECONCILE_CE_ENDED, 0, 1, 0 },
		{ "C: RSS newer than the end", { 1, 1, STATUS_AWS_DEGRADED, NOW - 499 }, &ended, 1,
		  1, STATUS_AWS_DEGRADED, RECONCILE_RSS, 0, RECONCILE_CE_ENDED, 0, 0, 0 },
		{ "C: RSS newer, quiet since: neither shows it open",
		  { 1, 1, STATUS_AWS_DEGRADED, NOW - 499 }, &ended, 1,
		  1, STATUS_AWS_NORMAL, RECONCILE_RSS, 0, RECONCILE_AGREE, 1, 0, Q - 498 },
		{ "D: open in RSS only", { 1, 1, STATUS_AWS_DEGRADED, NOW - 100 }, NULL, 1,
		  1, STATUS_AWS_DEGRADED, RECONCILE_RSS, 0, RECONCILE_RSS_ONLY, 0, 0, 0 },
		{ "D: no document, no disagreement", { 1, 1, STATUS_AWS_DEGRADED, NOW - 100 }, NULL, 0,
		  1, STATUS_AWS_DEGRADED, RECONCILE_RSS, 0, RECONCILE_AGREE, 0, 0, 0 },
		{ "D: quiet-closed RSS event", { 1, 1, STATUS_AWS_DEGRADED, NOW - Q - 1 }, NULL, 1,
		  1, STATUS_AWS_NORMAL, RECONCILE_RSS, 0, RECONCILE_AGREE, 1, 0, 0 },
		{ "D: exactly at the quiet limit", { 1, 1, STATUS_AWS_DEGRADED, NOW - Q }, NULL, 1,
		  1, STATUS_AWS_DEGRADED, RECONCILE_RSS, 0, RECONCILE_RSS_ONLY, 0, 0, 0 },
		{ "E: RSS closed at the event's newest update", { 1, 0, STATUS_AWS_NORMAL, NOW - 700 },
		  &open_dis, 1, 1, STATUS_AWS_NORMAL, RECONCILE_RSS, 0, RECONCILE_CE_ONLY, 0, 0, 0 },
		{ "F: RSS closed before the event's newest update", { 1, 0, STATUS_AWS_NORMAL, NOW - 701 },
		  &open_dis, 1, 1, STATUS_AWS_DISRUPTION, RECONCILE_CURRENTEVENTS, 1, RECONCILE_CE_ONLY,
		  0, 0, 0 },
		{ "F: an empty RSS feed", { 0, 0, STATUS_AWS_NORMAL, 0 }, &open_info, 1,
		  1, STATUS_AWS_INFORMATIONAL, RECONCILE_CURRENTEVENTS, 1, RECONCILE_CE_ONLY, 0, 0, 0 },
		{ "F: the old stored form opens nothing", { 0, 0, STATUS_AWS_NORMAL, 0 }, &legacy, 0,
		  0, STATUS_AWS_NORMAL, RECONCILE_RSS, 0, RECONCILE_AGREE, 0, 0, 0 },
		{ "G: ended, no RSS item", { 0, 0, STATUS_AWS_NORMAL, 0 }, &ended, 1,
		  1, STATUS_AWS_NORMAL, RECONCILE_CURRENTEVENTS, 1, RECONCILE_AGREE, 0, 1, 0 },
		{ "H: ended, RSS closed too", { 1, 0, STATUS_AWS_NORMAL, NOW - 600 }, &ended, 1,
		  1, STATUS_AWS_NORMAL, RECONCILE_RSS, 0, RECONCILE_AGREE, 0, 0, 0 },
		{ "H: nothing anywhere", { 0, 0, STATUS_AWS_NORMAL, 0 }, NULL, 1,
		  0, STATUS_AWS_NORMAL, RECONCILE_RSS, 0, RECONCILE_AGREE, 0, 0, 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct reconcile_verdict v;

		reconcile_decide(&t[i].rss, t[i].ce, t[i].known, NOW + t[i].later, Q, &v);
		if (v.listed != t[i].listed || v.state != t[i].state || v.source != t[i].source ||
		    v.ce_text != t[i].ce_text || v.disagree != t[i].disagree ||
		    v.quiet_closed != t[i].quiet_closed || v.ended != t[i].ended)
			fail_msg("%s: got listed %d state %s source %s ce_text %d disagree %s quiet %d "
			    "ended %d", t[i].name, v.listed, status_aws_name(v.state),
			    reconcile_source_name(v.source), v.ce_text, reconcile_disagree_name(v.disagree),
			    v.quiet_closed, v.ended);
	}
}

/* Disagreements remembered from a last cycle. */
static char seen_s3[] = "s3-me-central-1", seen_r53[] = "route53";
static const struct reconcile_seen seen[] = {
	{ seen_s3, RECONCILE_CE_ONLY }, { seen_r53, RECONCILE_RSS_ONLY },
};

/* The stored form gives back what was stored; the old form and damage are handled. */
static void
test_stored_form(void **state)
{
	struct reconcile_set *a = fold_fixture("tests/fixtures/currentevents-2026-08-01.json");
	struct reconcile_set *b = NULL;
	char err[CS_ERRLEN] = "";
	char *ja, *jb;

	(void)state;
	assert_int_equal(reconcile_set_seen(a, seen, 2), CS_OK);
	assert_int_equal(reconcile_seen_kind(a, "route53"), RECONCILE_RSS_ONLY);
	assert_int_equal(reconcile_seen_kind(a, "s3-me-central-1"), RECONCILE_CE_ONLY);
	assert_int_equal(reconcile_seen_kind(a, "sqs-us-east-1"), RECONCILE_AGREE);
	ja = reconcile_to_json(a);
	assert_non_null(ja);
	assert_int_equal(reconcile_from_json(ja, &b, err, sizeof(err)), CS_OK);
	assert_int_equal(b->n, a->n);
	for (size_t i = 0; i < a->n; i++) {
		assert_string_equal(b->ev[i].slug, a->ev[i].slug);
		assert_int_equal(b->ev[i].open, a->ev[i].open);
		assert_int_equal(b->ev[i].state, a->ev[i].state);
		assert_int_equal(b->ev[i].start, a->ev[i].start);
		assert_int_equal(b->ev[i].updated, a->ev[i].updated);
		assert_int_equal(b->ev[i].end_time, a->ev[i].end_time);
		assert_string_equal(b->ev[i].title, a->ev[i].title);
		assert_string_equal(b->ev[i].guid, a->ev[i].guid);
	}
	assert_int_equal(b->nseen, 2);
	assert_int_equal(reconcile_seen_kind(b, "route53"), RECONCILE_RSS_ONLY);
	jb = reconcile_to_json(b);
	assert_string_equal(ja, jb);
	free(ja);
	free(jb);
	reconcile_set_free(a);
	reconcile_set_free(b);

	/* The old form: the open slugs; read as such and written back unchanged. */
	assert_int_equal(reconcile_from_json("[\"s3-me-central-1\",\"connect-us-east-1\","
	    "\"s3-me-central-1\"]", &b, err, sizeof(err)), CS_OK);
	assert_true(b->legacy);
	assert_int_equal(b->n, 2);
	assert_string_equal(b->ev[0].slug, "connect-us-east-1");
	assert_true(b->ev[0].open);
	assert_int_equal(b->ev[0].state, STATUS_AWS_UNKNOWN);
	ja = reconcile_to_json(b);
	assert_string_equal(ja, "[\"connect-us-east-1\",\"s3-me-central-1\"]");
	free(ja);
	reconcile_set_free(b);

	/* Damage: named, nothing returned. */
	{
		static const char *const bad[] = {
			"{", "{\"schema\":3,\"events\":[],\"seen\":[]}", "[1]",
			"{\"schema\":2,\"events\":[{\"slug\":\"a\"}],\"seen\":[]}",
			"{\"schema\":2,\"events\":[{\"slug\":\"b\",\"open\":true,\"state\":\"disruption\","
			"\"start\":1,\"updated\":1,\"end_time\":0,\"title\":\"\",\"guid\":\"\"},"
			"{\"slug\":\"a\",\"open\":true,\"state\":\"disruption\",\"start\":1,\"updated\":1,"
			"\"end_time\":0,\"title\":\"\",\"guid\":\"\"}],\"seen\":[]}",
			"{\"schema\":2,\"events\":[{\"slug\":\"a\",\"open\":true,\"state\":\"on fire\","
			"\"start\":1,\"updated\":1,\"end_time\":0,\"title\":\"\",\"guid\":\"\"}],\"seen\":[]}",
			"{\"schema\":2,\"events\":[],\"seen\":[{\"slug\":\"a\",\"disagreement\":\"maybe\"}]}",
		};

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			b = (struct reconcile_set *)1;
			err[0] = '\0';
			if (reconcile_from_json(bad[i], &b, err, sizeof(err)) != CS_ERR_PARSE)
				fail_msg("accepted: %s", bad[i]);
			assert_null(b);
			assert_non_null(strstr(err, "currentevents record"));
		}
	}
}

/* The disagreements stored apart: written and read back sorted; damage leaves the set as it was. */
static void
test_seen_form(void **state)
{
	struct reconcile_set *a = fold_fixture("tests/fixtures/currentevents-2026-08-01.json");
	char err[CS_ERRLEN] = "";
	char *j;

	(void)state;
	j = reconcile_seen_to_json(a);
	assert_string_equal(j, "[]");
	free(j);
	assert_int_equal(reconcile_set_seen(a, seen, 2), CS_OK);
	j = reconcile_seen_to_json(a);
	assert_string_equal(j, "[{\"slug\":\"route53\",\"disagreement\":\"rss_only\"},"
	    "{\"slug\":\"s3-me-central-1\",\"disagreement\":\"currentevents_only\"}]");
	free(j);
	/* Read in any order, replacing what the set held. */
	assert_int_equal(reconcile_seen_from_json("[{\"slug\":\"sqs-us-east-1\",\"disagreement\":"
	    "\"currentevents_ended\"},{\"slug\":\"route53\",\"disagreement\":\"rss_only\"}]", a,
	    err, sizeof(err)), CS_OK);
	assert_int_equal(a->nseen, 2);
	assert_string_equal(a->seen[0].slug, "route53");
	assert_int_equal(reconcile_seen_kind(a, "sqs-us-east-1"), RECONCILE_CE_ENDED);
	assert_int_equal(reconcile_seen_kind(a, "s3-me-central-1"), RECONCILE_AGREE);
	{
		static const char *const bad[] = {
			"", "{}", "[{\"slug\":\"a\"}]", "[{\"slug\":\"a\",\"disagreement\":\"maybe\"}]",
		};

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			err[0] = '\0';
			if (reconcile_seen_from_json(bad[i], a, err, sizeof(err)) != CS_ERR_PARSE)
				fail_msg("accepted: %s", bad[i]);
			assert_non_null(strstr(err, "currentevents"));
			assert_int_equal(a->nseen, 2);
			assert_string_equal(a->seen[0].slug, "route53");
		}
	}
	reconcile_set_free(a);
}

/* Ended slugs that a newer document dropped are kept for the quiet limit after their end. */
static void
test_keep_ended(void **state)
{
	static const char prev_doc[] = "["
	    "{\"service\":\"sqs-us-east-1\",\"status\":\"0\",\"date\":\"100\",\"end_time\":\"1000\","
	    " \"arn\":\"arn:s\",\"summary\":\"[RESOLVED] q\"},"
	    "{\"service\":\"sns-us-east-1\",\"status\":\"0\",\"date\":\"100\",\"end_time\":\"1000\","
	    " \"arn\":\"arn:n\",\"summary\":\"[RESOLVED] n\"},"
	    "{\"service\":\"lambda-us-east-1\",\"status\":\"2\",\"date\":\"100\",\"summary\":\"l\"}]";
	static const char new_doc[] = "["
	    "{\"service\":\"sns-us-east-1\",\"status\":\"2\",\"date\":\"2000\",\"arn\":\"arn:n2\","
	    " \"summary\":\"again\"}]";
	struct reconcile_set *prev = fold("prev", prev_doc, sizeof(prev_doc) - 1);
	struct reconcile_set *s;

	(void)state;
	s = fold("new", new_doc, sizeof(new_doc) - 1);
	assert_int_equal(reconcile_keep_ended(s, prev, 1000 + DAY, DAY), CS_OK);
	assert_int_equal(s->n, 2);
	/* The ended sqs event is kept; the open lambda one is not (the new document says). */
	expect_event(s, "sqs-us-east-1", 0, STATUS_AWS_NORMAL, 100, 1000, 1000, "[RESOLVED] q",
	    "currentevents:arn:s:sqs-us-east-1:end");
	assert_null(reconcile_find(s, "lambda-us-east-1"));
	/* The new document's own word on sns wins. */
	expect_event(s, "sns-us-east-1", 1, STATUS_AWS_DEGRADED, 2000, 2000, 0, "again",
	    "currentevents:arn:n2:sns-us-east-1");
	reconcile_set_free(s);

	/* One second later than the limit: dropped. */
	s = fold("new", new_doc, sizeof(new_doc) - 1);
	assert_int_equal(reconcile_keep_ended(s, prev, 1000 + DAY + 1, DAY), CS_OK);
	assert_int_equal(s->n, 1);
	assert_null(reconcile_find(s, "sqs-us-east-1"));
	assert_int_equal(reconcile_keep_ended(s, NULL, 0, DAY), CS_OK);
	assert_int_equal(s->n, 1);
	reconcile_set_free(s);
	reconcile_set_free(prev);
}

static int
keep_s3(const char *slug, const void *ctx)
{
	(void)ctx;
	return strncmp(slug, "s3-", 3) == 0;
}

/* A filtered copy holds the slugs asked for, with their remembered disagreements. */
static void
test_filter(void **state)
{
	struct reconcile_set *a = fold_fixture("tests/fixtures/currentevents-2026-08-01.json");
	struct reconcile_set *f = NULL;

	(void)state;
	assert_int_equal(reconcile_set_seen(a, seen, 2), CS_OK);
	assert_int_equal(reconcile_filter(a, keep_s3, NULL, &f), CS_OK);
	/* s3 and s3rtc of me-central-1 and me-south-1 ("s3rtc-" does not start with "s3-"). */
	for (size_t i = 0; i < f->n; i++)
		assert_true(strncmp(f->ev[i].slug, "s3-", 3) == 0);
	assert_non_null(reconcile_find(f, "s3-me-central-1"));
	assert_null(reconcile_find(f, "multipleservices-me-central-1"));
	assert_int_equal(f->nseen, 1);
	assert_int_equal(reconcile_seen_kind(f, "s3-me-central-1"), RECONCILE_CE_ONLY);
	assert_int_equal(reconcile_seen_kind(f, "route53"), RECONCILE_AGREE);
	assert_false(f->legacy);
	reconcile_set_free(f);
	reconcile_set_free(a);
	reconcile_set_free(NULL);
}

/* Wire names, both ways. */
static void
test_names(void **state)
{
	enum reconcile_source s;
	enum reconcile_disagree d;

	(void)state;
	assert_string_equal(reconcile_source_name(RECONCILE_CURRENTEVENTS), "currentevents");
	assert_int_equal(reconcile_source_parse("both", &s), 0);
	assert_int_equal(s, RECONCILE_BOTH);
	assert_int_equal(reconcile_source_parse("web", &s), -1);
	assert_string_equal(reconcile_disagree_name(RECONCILE_CE_ENDED), "currentevents_ended");
	assert_int_equal(reconcile_disagree_parse("rss_only", &d), 0);
	assert_int_equal(d, RECONCILE_RSS_ONLY);
	assert_int_equal(reconcile_disagree_parse("", &d), -1);
	assert_non_null(strstr(reconcile_disagree_text(RECONCILE_CE_ONLY), "RSS feed does not show"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fold_recorded),
		cmocka_unit_test(test_fold_recorded_excerpt),
		cmocka_unit_test(test_fold_utf16),
		cmocka_unit_test(test_fold_overlapping),
		cmocka_unit_test(test_rule_table),
		cmocka_unit_test(test_stored_form),
		cmocka_unit_test(test_seen_form),
		cmocka_unit_test(test_keep_ended),
		cmocka_unit_test(test_filter),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
