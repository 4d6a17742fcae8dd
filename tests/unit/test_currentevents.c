/* test_currentevents.c: the currentevents document in UTF-8 and UTF-16 (LE/BE), and bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <iconv.h>

#include "aws/currentevents.h"
#include "testutil.h"

/* Converts UTF-8 text to `to` with iconv, optionally with a BOM first. Caller frees. */
static char *
convert(const char *text, size_t len, const char *to, const char *bom, size_t bomlen, size_t *outlen)
{
	iconv_t cd = iconv_open(to, "UTF-8");
	size_t cap = len * 4 + bomlen + 4, inleft = len, outleft;
	char *buf = malloc(cap), *in = (char *)(uintptr_t)text, *op;

	assert_true(cd != (iconv_t)-1);
	assert_non_null(buf);
	memcpy(buf, bom, bomlen);
	op = buf + bomlen;
	outleft = cap - bomlen;
	assert_true(iconv(cd, &in, &inleft, &op, &outleft) != (size_t)-1);
	iconv_close(cd);
	*outlen = (size_t)(op - buf);
	return buf;
}

static struct currentevents *
parse_ok(const char *name, const void *data, size_t len)
{
	struct currentevents *ce = NULL;
	char err[CS_ERRLEN] = "";

	if (currentevents_parse(name, data, len, &ce, err, sizeof(err)) != CS_OK)
		fail_msg("%s", err);
	return ce;
}

static char *
dump(const struct currentevents *ce, size_t *len)
{
	char *buf = NULL;
	FILE *fp = open_memstream(&buf, len);

	assert_non_null(fp);
	currentevents_dump(ce, fp);
	fclose(fp);
	return buf;
}

static void
test_fixture_2026_08_01(void **state)
{
	size_t len, n, dlen;
	char *text = testutil_read("tests/fixtures/currentevents-2026-08-01.json", &len);
	struct currentevents *ce = parse_ok("currentevents-2026-08-01.json", text, len);
	const char *const *open;
	char *d;

	(void)state;
	assert_int_equal(ce->nevents, 3);
	assert_string_equal(ce->events[0].service, "directconnect-ap-south-1");
	assert_int_equal(ce->events[0].status, STATUS_AWS_NORMAL);
	assert_string_equal(ce->events[0].summary, "[RESOLVED] Elevated Packet Loss");
	assert_int_equal(ce->events[0].date, 1785519198);
	assert_int_equal(ce->events[0].end_time, 1785524075);
	assert_int_equal(ce->events[0].nimpacted, 0);
	assert_true(strncmp(ce->events[0].arn, "arn:aws:health:ap-south-1::event/DIRECTCONNECT/", 47) == 0);
	assert_string_equal(ce->events[1].service, "multipleservices-me-central-1");
	assert_int_equal(ce->events[1].status, STATUS_AWS_DISRUPTION);
	assert_int_equal(ce->events[1].end_time, 0);
	assert_true(ce->events[1].nimpacted > 50);

	open = currentevents_open_slugs(ce, &n);
	assert_true(n > 100);
	for (size_t i = 1; i < n; i++)
		assert_true(strcmp(open[i - 1], open[i]) < 0);
	/* the events' own slugs are open; the resolved Direct Connect event is not */
	d = dump(ce, &dlen);
	assert_non_null(strstr(d, "open\tmultipleservices-me-central-1\n"));
	assert_non_null(strstr(d, "open\tmultipleservices-me-south-1\n"));
	assert_non_null(strstr(d, "open\ts3-me-central-1\n"));
	assert_null(strstr(d, "open\tdirectconnect-ap-south-1\n"));
	/* route53 is listed by the open event but already back to "current": "0" */
	assert_null(strstr(d, "open\troute53\n"));
	assert_non_null(strstr(d, "\timpacted\troute53\tnormal\tdegraded\n"));
	free(d);
	currentevents_free(ce);
	free(text);
}

/* The dump of tests/fixtures/currentevents-2026-excerpt.json. */
static const char want_excerpt[] =
    "event\tmultipleservices-us-west-2\tnormal\t1788472198\t1788480474\tarn:aws:health:us-west-2::event/MULTIPLE_SERVICES/AWS_MULTIPLE_SERVICES_OPERATIONAL_ISSUE/AWS_MULTIPLE_SERVICES_OPERATIONAL_ISSUE_926DB_F0036494EA4\t[RESOLVED] Increased API Error Rates\n"
    "\timpacted\tsts-us-west-2\tnormal\tinformational\n"
    "\timpacted\tsignin-us-west-2\tnormal\tinformational\n"
    "event\tmultipleservices-me-central-1\tdisruption\t1772369485\t0\tarn:aws:health:me-central-1::event/MULTIPLE_SERVICES/AWS_MULTIPLE_SERVICES_OPERATIONAL_ISSUE/AWS_MULTIPLE_SERVICES_OPERATIONAL_ISSUE_5E6B8_EF2498889B5\tIncreased Error Rates\n"
    "\timpacted\tsignin-me-central-1\tdisruption\tdisruption\n"
    "\timpacted\tsts-me-central-1\tdisruption\tdisruption\n"
    "\timpacted\tbedrock-me-central-1\tdisruption\tdisruption\n"
    "event\tmultipleservices-me-south-1\tdisruption\t1772430987\t0\tarn:aws:health:me-south-1::event/MULTIPLE_SERVICES/AWS_MULTIPLE_SERVICES_OPERATIONAL_ISSUE/AWS_MULTIPLE_SERVICES_OPERATIONAL_ISSUE_E6426_01AD72B4E1E\tIncreased Error Rates\n"
    "\timpacted\tsts-me-south-1\tdisruption\tdisruption\n"
    "\timpacted\tsignin-me-south-1\tdisruption\tdisruption\n"
    "\timpacted\tbedrock-me-south-1\tdisruption\tdisruption\n"
    "open\tbedrock-me-central-1\n"
    "open\tbedrock-me-south-1\n"
    "open\tmultipleservices-me-central-1\n"
    "open\tmultipleservices-me-south-1\n"
    "open\tsignin-me-central-1\n"
    "open\tsignin-me-south-1\n"
    "open\tsts-me-central-1\n"
    "open\tsts-me-south-1\n";

static void
test_fixture_excerpt(void **state)
{
	size_t len, dlen;
	char *text = testutil_read("tests/fixtures/currentevents-2026-excerpt.json", &len);
	struct currentevents *ce = parse_ok("excerpt", text, len);
	char *d = dump(ce, &dlen);

	(void)state;
	assert_int_equal(ce->nevents, 3);
	assert_string_equal(ce->events[0].service, "multipleservices-us-west-2");
	assert_int_equal(ce->events[0].nimpacted, 2);
	assert_string_equal(ce->events[0].impacted[0].slug, "sts-us-west-2");
	assert_int_equal(ce->events[0].impacted[0].max, STATUS_AWS_INFORMATIONAL);
	assert_string_equal(d, want_excerpt);
	free(d);
	currentevents_free(ce);
	free(text);
}

/* The same document as AWS serves it (UTF-16 with a BOM) and in the other variants. */
static void
test_encodings(void **state)
{
	size_t len, blen, ref_len, got_len;
	char *text = testutil_read("tests/fixtures/currentevents-2026-excerpt.json", &len);
	struct currentevents *ce = parse_ok("utf8", text, len);
	char *ref = dump(ce, &ref_len);
	struct {
		const char *to;
		const char *bom;
		size_t bomlen;
	} v[] = {
		{ "UTF-16LE", "\xff\xfe", 2 },
		{ "UTF-16BE", "\xfe\xff", 2 },
		{ "UTF-16LE", "", 0 },
		{ "UTF-16BE", "", 0 },
		{ "UTF-8", "\xef\xbb\xbf", 3 },
	};
	char *b, *got;

	(void)state;
	currentevents_free(ce);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		b = convert(text, len, v[i].to, v[i].bom, v[i].bomlen, &blen);
		ce = parse_ok(v[i].to, b, blen);
		got = dump(ce, &got_len);
		assert_int_equal(got_len, ref_len);
		assert_memory_equal(got, ref, ref_len);
		free(got);
		currentevents_free(ce);
		free(b);
	}
	/* the committed copy, as served: UTF-16LE with a BOM */
	b = testutil_read("tests/fixtures/currentevents-2026-excerpt-utf16le-bom.json", &blen);
	assert_true((unsigned char)b[0] == 0xff && (unsigned char)b[1] == 0xfe);
	ce = parse_ok("utf16le", b, blen);
	got = dump(ce, &got_len);
	assert_memory_equal(got, ref, ref_len);
	free(got);
	currentevents_free(ce);
	free(b);
	free(ref);
	free(text);
}

static void
expect_err(const void *data, size_t len, cs_err want, const char *msg)
{
	struct currentevents *ce = NULL;
	char err[CS_ERRLEN] = "";

	assert_int_equal(currentevents_parse("https://health.aws.amazon.com/public/currentevents", data,
	    len, &ce, err, sizeof(err)), want);
	assert_null(ce);
	assert_string_equal(err, msg);
}

#define N "https://health.aws.amazon.com/public/currentevents"
/* A literal and its length without the final NUL. */
#define EXPECT(lit, rc, msg) expect_err((lit), sizeof(lit) - 1, (rc), (msg))

static void
test_bad_input(void **state)
{
	static const char odd[] = "\xff\xfe[\0]";          /* 3 bytes after the BOM */
	static const char lone[] = "\xff\xfe[\0\x00\xd8]\0"; /* unpaired high surrogate */
	char *big;

	(void)state;
	expect_err("", 0, CS_ERR_PARSE, N ": empty document");
	EXPECT("<html>Service Unavailable</html>", CS_ERR_PARSE,
	    N ":1:1: '[' or '{' expected near '<'");
	EXPECT("{\"a\":1}", CS_ERR_PARSE, N ": expected a JSON array of events");
	EXPECT("[1]", CS_ERR_PARSE, N ": [0]: expected an object");
	EXPECT("[{\"status\":\"1\",\"date\":\"1\"}]", CS_ERR_PARSE, N ": [0].service: missing or not a string");
	EXPECT("[{\"service\":\"x\",\"status\":\"7\",\"date\":\"1\"}]", CS_ERR_PARSE,
	    N ": [0].status: expected \"0\" to \"3\"");
	EXPECT("[{\"service\":\"x\",\"status\":\"1\",\"date\":\"12a\"}]", CS_ERR_PARSE,
	    N ": [0].date: expected an epoch in seconds");
	EXPECT("[{\"service\":\"x\",\"status\":\"1\",\"date\":\"1\",\"impacted_services\":[]}]",
	    CS_ERR_PARSE, N ": [0].impacted_services: expected an object");
	EXPECT("[{\"service\":\"x\",\"status\":\"1\",\"date\":\"1\",\"impacted_services\":{\"s3\":{\"current\":\"9\"}}}]", CS_ERR_PARSE, N ": [0].impacted_services.s3: expected current and max \"0\" to \"3\"");
	EXPECT(odd, CS_ERR_PARSE, N ": UTF-16LE text has an odd number of bytes (3)");
	EXPECT(lone, CS_ERR_PARSE, N ": invalid UTF-16LE at byte 4");
	EXPECT("[\"\xff\"]", CS_ERR_PARSE, N ":1:2: unable to decode byte 0xff near '\"'");
	big = calloc(CURRENTEVENTS_MAX_BYTES + 1, 1);
	assert_non_null(big);
	expect_err(big, CURRENTEVENTS_MAX_BYTES + 1, CS_ERR_TOOBIG, N ": 16777217 bytes exceeds the maximum of 16777216");
	free(big);
}

/* An open event with an integer status and no impacted services; an empty list. */
static void
test_minimal(void **state)
{
	static const char doc[] = "[{\"service\":\"connect-us-east-1\",\"status\":2,\"date\":1700000000},"
	    "{\"service\":\"sqs-us-east-1\",\"status\":\"1\",\"date\":\"1700000001\",\"end_time\":\"1700000100\"}]";
	struct currentevents *ce = parse_ok("m", doc, sizeof(doc) - 1);
	const char *const *open;
	size_t n;

	(void)state;
	open = currentevents_open_slugs(ce, &n);
	assert_int_equal(n, 1);
	assert_string_equal(open[0], "connect-us-east-1");
	assert_string_equal(ce->events[0].arn, "");
	/* Without an event_log the newest update is the event's date. */
	assert_int_equal(ce->events[0].updated, 1700000000);
	currentevents_free(ce);
	ce = parse_ok("e", "[]", 2);
	assert_int_equal(ce->nevents, 0);
	open = currentevents_open_slugs(ce, &n);
	assert_int_equal(n, 0);
	currentevents_free(ce);
	currentevents_free(NULL);
}

/* The newest update of an event: its largest event_log timestamp, in any order; bad entries skipped. */
static void
test_event_log_time(void **state)
{
	static const char doc[] = "[{\"service\":\"connect-us-east-1\",\"status\":\"2\","
	    "\"date\":\"1700000000\",\"event_log\":[{\"timestamp\":1700003600},"
	    "{\"timestamp\":1700000000},{\"timestamp\":\"1700001800\"},{\"timestamp\":-5},"
	    "{\"summary\":\"no time\"},7]},"
	    "{\"service\":\"sqs-us-east-1\",\"status\":\"1\",\"date\":\"1700000000\","
	    "\"event_log\":[{\"timestamp\":1600000000}]},"
	    "{\"service\":\"sns-us-east-1\",\"status\":\"1\",\"date\":\"1700000000\","
	    "\"event_log\":\"not a list\"}]";
	struct currentevents *ce = parse_ok("log", doc, sizeof(doc) - 1);
	size_t len;
	char *text = testutil_read("tests/fixtures/currentevents-2026-08-01.json", &len);

	(void)state;
	assert_int_equal(ce->events[0].updated, 1700003600);
	assert_int_equal(ce->events[1].updated, 1700000000); /* never before the date */
	assert_int_equal(ce->events[2].updated, 1700000000);
	currentevents_free(ce);
	/* The recorded events each have one log entry, at their date. */
	ce = parse_ok("currentevents-2026-08-01.json", text, len);
	assert_int_equal(ce->events[0].updated, 1785519198);
	assert_int_equal(ce->events[1].updated, 1772369485);
	currentevents_free(ce);
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixture_2026_08_01),
		cmocka_unit_test(test_fixture_excerpt),
		cmocka_unit_test(test_encodings),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_minimal),
		cmocka_unit_test(test_event_log_time),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
