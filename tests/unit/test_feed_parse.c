/* test_feed_parse.c: the RSS push parser on every recorded feed and on corrupted ones. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/cs_error.h"
#include "aws/feed_parse.h"
#include "testutil.h"

/* Collects a stable dump of the items: one line per item. */
struct collect {
	char  *buf;
	size_t len;
	FILE  *fp;
	size_t n;
};

static int
collect_cb(const struct feed_item *it, void *ctx)
{
	struct collect *c = ctx;

	c->n++;
	fprintf(c->fp, "item %zu slug=%s epoch=%lld pubdate=%lld title=%s\n", c->n, it->slug,
	    (long long)it->epoch, (long long)it->pubdate, it->title);
	return 0;
}

static void
collect_open(struct collect *c)
{
	memset(c, 0, sizeof(*c));
	c->fp = open_memstream(&c->buf, &c->len);
	assert_non_null(c->fp);
}

static void
collect_close(struct collect *c)
{
	fclose(c->fp);
	c->fp = NULL;
}

/*
 * Parses a fixture pushing chunk bytes at a time, so that every chunk
 * boundary (inside tags, CDATA, a bare '&') is exercised by small chunks.
 */
static cs_err
parse_chunks(const char *name, const char *buf, size_t len, size_t chunk,
    struct collect *c, char *err, size_t errlen)
{
	struct feed_parser *p = feed_parse_new(name, collect_cb, c, 0);
	cs_err rc = CS_OK;

	assert_non_null(p);
	for (size_t off = 0; off < len && rc == CS_OK; off += chunk) {
		size_t n = len - off < chunk ? len - off : chunk;

		rc = feed_parse_push(p, buf + off, n, err, errlen);
	}
	if (rc == CS_OK)
		rc = feed_parse_finish(p, err, errlen);
	if (rc == CS_OK)
		assert_int_equal(feed_parse_count(p), c->n);
	feed_parse_free(p);
	return rc;
}

static const char *const rss_fixtures[] = {
	"all-2018-03-18-bare-ampersand.rss",
	"all-2021-12-20-excerpt.rss",
	"all-2021-12-27-excerpt.rss",
	"all-2023-02-13-excerpt.rss",
	"all-2023-02-16-empty.rss",
	"all-2026-08-18.rss",
	"cloudsearch-eu-central-1-2015-empty.rss",
	"connect-eu-west-2-2025-06-13-empty.rss",
	"ec2-us-east-1-2022-03-01.rss",
	"ecs-us-west-1-2022-08-29.rss",
};

/* Every recorded feed parses, whole and in chunks of 1, 7 and 4096 bytes, to its golden. */
static void
test_fixtures_golden(void **state)
{
	static const size_t chunks[] = { 1, 7, 4096 };

	(void)state;
	for (size_t i = 0; i < sizeof(rss_fixtures) / sizeof(rss_fixtures[0]); i++) {
		char rel[256], gold[256], err[CS_ERRLEN] = "";
		size_t len;
		char *buf;
		struct collect c;
		cs_err rc;

		snprintf(rel, sizeof(rel), "tests/fixtures/%s", rss_fixtures[i]);
		snprintf(gold, sizeof(gold), "parse-%s.txt", rss_fixtures[i]);
		buf = testutil_read(rel, &len);
		collect_open(&c);
		rc = feed_parse_buffer(rss_fixtures[i], buf, len, collect_cb, &c, err, sizeof(err));
		if (rc != CS_OK)
			fail_msg("%s: %s", rss_fixtures[i], err);
		fprintf(c.fp, "items %zu\n", c.n);
		collect_close(&c);
		testutil_golden(gold, c.buf, c.len);
		for (size_t k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
			struct collect c2;

			collect_open(&c2);
			rc = parse_chunks(rss_fixtures[i], buf, len, chunks[k], &c2, err, sizeof(err));
			if (rc != CS_OK)
				fail_msg("%s chunk %zu: %s", rss_fixtures[i], chunks[k], err);
			fprintf(c2.fp, "items %zu\n", c2.n);
			collect_close(&c2);
			assert_int_equal(c2.len, c.len);
			assert_memory_equal(c2.buf, c.buf, c.len);
			free(c2.buf);
		}
		free(c.buf);
		free(buf);
	}
}

/* Item views: fields are trimmed, CDATA unwrapped, the bare '&' of 2018 kept as written. */
struct first {
	char title[256];
	char desc[2048];
	char guid[256];
	char link[256];
	int  seen;
	int  want; /* index of the item to keep */
};

static int
first_cb(const struct feed_item *it, void *ctx)
{
	struct first *f = ctx;

	if (f->seen++ != f->want)
		return 0;
	snprintf(f->title, sizeof(f->title), "%s", it->title);
	snprintf(f->desc, sizeof(f->desc), "%s", it->description);
	snprintf(f->guid, sizeof(f->guid), "%s", it->guid);
	snprintf(f->link, sizeof(f->link), "%s", it->link);
	return 0;
}

static void
test_item_fields(void **state)
{
	char err[CS_ERRLEN] = "";
	struct first f;
	size_t len;
	char *buf;

	(void)state;
	memset(&f, 0, sizeof(f));
	f.want = 1;
	buf = testutil_read("tests/fixtures/all-2018-03-18-bare-ampersand.rss", &len);
	assert_int_equal(feed_parse_buffer("old", buf, len, first_cb, &f, err, sizeof(err)), CS_OK);
	assert_int_equal(f.seen, 15);
	assert_string_equal(f.title, "Service is operating normally: [RESOLVED] Network Connectivity");
	/* The feed writes http://; AWS uses both forms for one item: the guid is given as https://. */
	assert_string_equal(f.guid, "https://status.aws.amazon.com/#directconnect-us-east-1_1520018467");
	assert_string_equal(f.link, "http://status.aws.amazon.com/");
	assert_non_null(strstr(f.desc, "CoreSite VA1 & VA2 (Reston, VA)"));
	assert_non_null(strstr(f.desc, "DC1 - DC6 & DC10 - DC12 (Ashburn"));
	free(buf);

	memset(&f, 0, sizeof(f));
	buf = testutil_read("tests/fixtures/all-2026-08-18.rss", &len);
	assert_int_equal(feed_parse_buffer("new", buf, len, first_cb, &f, err, sizeof(err)), CS_OK);
	assert_int_equal(f.seen, 50);
	assert_string_equal(f.title, "Service is operating normally: [RESOLVED] Increased Packet loss");
	assert_non_null(strstr(f.desc, "<a href=\"https://console.aws.amazon.com/support\">"));
	free(buf);
}

/* Other references that are not entities are kept as text too, and real ones decode. */
static void
test_bare_references(void **state)
{
	static const char doc[] =
	    "<rss><channel><item><title>Service impact: AT&T &nbsp; &amp; &#65;&#x42; & x</title>"
	    "<guid>https://x/#ec2-us-east-1_100</guid></item></channel></rss>";
	char err[CS_ERRLEN] = "";
	struct first f;

	(void)state;
	memset(&f, 0, sizeof(f));
	assert_int_equal(feed_parse_buffer("refs", doc, sizeof(doc) - 1, first_cb, &f, err,
	    sizeof(err)), CS_OK);
	assert_string_equal(f.title, "Service impact: AT&T &nbsp; & AB & x");
}

/* A corrupted document gives its clear error, in one piece and in 3-byte chunks. */
static void
expect_error(const char *name, const char *buf, size_t len, cs_err code, const char *want)
{
	static const size_t chunks[] = { 0, 3 };

	for (size_t k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
		char err[CS_ERRLEN] = "";
		struct collect c;
		cs_err rc;

		collect_open(&c);
		if (chunks[k] == 0)
			rc = feed_parse_buffer(name, buf, len, collect_cb, &c, err, sizeof(err));
		else
			rc = parse_chunks(name, buf, len, chunks[k], &c, err, sizeof(err));
		collect_close(&c);
		free(c.buf);
		if (rc != code || strstr(err, want) == NULL || strncmp(err, name, strlen(name)) != 0)
			fail_msg("%s (chunk %zu): got %d \"%s\", want %d \"%s\"", name, chunks[k],
			    rc, err, code, want);
	}
}

static void
expect_error_file(const char *rel, cs_err code, const char *want)
{
	size_t len;
	char *buf = testutil_read(rel, &len);

	expect_error(rel, buf, len, code, want);
	free(buf);
}

static void
test_bad_files(void **state)
{
	(void)state;
	expect_error_file("tests/fixtures/bad/truncated.rss", CS_ERR_PARSE, "truncated document");
	expect_error_file("tests/fixtures/bad/dtd.rss", CS_ERR_PARSE,
	    "a DTD is not allowed in a feed (<!DOCTYPE rss> at line 2)");
	expect_error_file("tests/fixtures/bad/external-entity.rss", CS_ERR_PARSE,
	    "a DTD is not allowed in a feed");
	expect_error_file("tests/fixtures/bad/billion-laughs.rss", CS_ERR_PARSE,
	    "a DTD is not allowed in a feed");
	expect_error_file("tests/fixtures/bad/invalid-utf8.rss", CS_ERR_PARSE,
	    "invalid UTF-8 at line 6");
	expect_error_file("tests/fixtures/bad/nul-byte.rss", CS_ERR_PARSE, "NUL byte at offset 187");
	expect_error_file("tests/fixtures/bad/html-error-page.html", CS_ERR_PARSE,
	    "not an RSS document (an HTML page");
	expect_error_file("tests/fixtures/bad/html-no-doctype.html", CS_ERR_PARSE,
	    "not an RSS document (root element <html>)");
	expect_error_file("tests/fixtures/bad/atom.xml", CS_ERR_PARSE,
	    "not an RSS document (root element <feed> in namespace "
	    "http://www.w3.org/2005/Atom)");
	expect_error_file("tests/fixtures/currentevents-2026-08-01.json", CS_ERR_PARSE,
	    "not an RSS document (JSON text)");
	expect_error_file("tests/fixtures/currentevents-2026-excerpt.json", CS_ERR_PARSE,
	    "not an RSS document (JSON text)");
	expect_error_file("tests/fixtures/bad/tag-mismatch.rss", CS_ERR_PARSE,
	    "line 7: Opening and ending tag mismatch");
	expect_error("trailing", "<rss><channel/></rss><x/>", 25, CS_ERR_PARSE,
	    "trailing: line 1: Extra content at the end of the document");
	expect_error("empty", "", 0, CS_ERR_PARSE, "empty: empty document");
	expect_error("blank", " \n\t\n", 4, CS_ERR_PARSE, "blank: empty document");
	expect_error("text", "Service Unavailable", 19, CS_ERR_PARSE,
	    "text: not an RSS document (text, not XML, at offset 0)");
}

/* A truncated feed fails, yet the items complete before the cut were delivered. */
static void
test_truncated_keeps_items(void **state)
{
	char err[CS_ERRLEN] = "";
	struct collect c;
	size_t len;
	char *buf = testutil_read("tests/fixtures/all-2026-08-18.rss", &len);
	char *cut = strstr(buf, "#directconnect-eu-central-1_1787000411");

	(void)state;
	assert_non_null(cut);
	collect_open(&c);
	assert_int_equal(feed_parse_buffer("cut", buf, (size_t)(cut - buf), collect_cb, &c, err,
	    sizeof(err)), CS_ERR_PARSE);
	collect_close(&c);
	assert_string_equal(err, "cut: truncated document (ends inside <guid> at line 35, after 2 items)");
	assert_int_equal(c.n, 2);
	assert_non_null(strstr(c.buf, "item 2 slug=directconnect-eu-central-1 epoch=1787017812"));
	free(c.buf);
	free(buf);
}

/* 300 levels of nesting stop at the depth limit. */
static void
test_deep_nesting(void **state)
{
	FILE *fp;
	char *doc = NULL;
	size_t len = 0;

	(void)state;
	fp = open_memstream(&doc, &len);
	assert_non_null(fp);
	fputs("<rss><channel>", fp);
	for (int i = 0; i < 300; i++)
		fputs("<x>", fp);
	for (int i = 0; i < 300; i++)
		fputs("</x>", fp);
	fputs("</channel></rss>", fp);
	fclose(fp);
	expect_error("deep", doc, len, CS_ERR_PARSE, "deep: elements nested deeper than 64 levels");
	free(doc);
}

/* A 12 MB title is refused as too big, as plain text and as CDATA; nothing is cut. */
static void
test_huge_title(void **state)
{
	static const char head[] = "<?xml version=\"1.0\"?>\n<rss><channel><item><title>";
	static const char tail[] = "</title><guid>https://x/#s3-us-east-1_1</guid></item></channel></rss>";
	size_t n = 12 * 1024 * 1024;
	size_t len = sizeof(head) - 1 + n + 12 + sizeof(tail) - 1;
	char *doc = malloc(len);

	(void)state;
	assert_non_null(doc);
	memcpy(doc, head, sizeof(head) - 1);
	memset(doc + sizeof(head) - 1, 'a', n);
	memcpy(doc + sizeof(head) - 1 + n, tail, sizeof(tail) - 1);
	expect_error("huge", doc, sizeof(head) - 1 + n + sizeof(tail) - 1, CS_ERR_TOOBIG,
	    "huge: item 1: <title> longer than 1048576 bytes");

	/* The same inside CDATA. */
	memcpy(doc + sizeof(head) - 1, "<![CDATA[", 9);
	memcpy(doc + sizeof(head) - 1 + n - 3, "]]>", 3);
	expect_error("huge-cdata", doc, sizeof(head) - 1 + n + sizeof(tail) - 1, CS_ERR_TOOBIG,
	    "huge-cdata: item 1: <title> longer than 1048576 bytes");
	free(doc);
}

/* max_field is exact: a field of max_field bytes passes, one more byte fails. */
static void
test_max_field_exact(void **state)
{
	static const char ok[] =
	    "<rss><channel><item><title>0123456789</title></item></channel></rss>";
	static const char big[] =
	    "<rss><channel><item><title>0123456789a</title></item></channel></rss>";
	char err[CS_ERRLEN] = "";
	struct feed_parser *p;

	(void)state;
	p = feed_parse_new("ten", NULL, NULL, 10);
	assert_int_equal(feed_parse_push(p, ok, sizeof(ok) - 1, err, sizeof(err)), CS_OK);
	assert_int_equal(feed_parse_finish(p, err, sizeof(err)), CS_OK);
	assert_int_equal(feed_parse_count(p), 1);
	feed_parse_free(p);
	p = feed_parse_new("ten", NULL, NULL, 10);
	assert_int_equal(feed_parse_push(p, big, sizeof(big) - 1, err, sizeof(err)), CS_ERR_TOOBIG);
	assert_string_equal(err, "ten: item 1: <title> longer than 10 bytes");
	/* The error is sticky. */
	assert_int_equal(feed_parse_finish(p, err, sizeof(err)), CS_ERR_TOOBIG);
	assert_int_equal(feed_parse_count(p), 0);
	feed_parse_free(p);
}

/* The callback can stop the parse; items before are delivered, the error says why. */
static int
stop_cb(const struct feed_item *it, void *ctx)
{
	(void)it;
	return ++*(int *)ctx == 2;
}

static void
test_callback_stop(void **state)
{
	char err[CS_ERRLEN] = "";
	int n = 0;
	size_t len;
	char *buf = testutil_read("tests/fixtures/all-2026-08-18.rss", &len);

	(void)state;
	assert_int_equal(feed_parse_buffer("stop", buf, len, stop_cb, &n, err, sizeof(err)),
	    CS_ERR_STATE);
	assert_int_equal(n, 2);
	assert_string_equal(err, "stop: item 2: the item callback stopped the parse");
	free(buf);
}

/* Guid fragments: slug and epoch, or pubDate when there is none. */
static void
test_guid_fragment(void **state)
{
	static const char doc[] =
	    "<rss><channel>"
	    "<item><guid>https://x/#acm-pca-eu-west-1_1700000000</guid></item>"
	    "<item><guid>https://x/no-fragment</guid><pubDate>Thu, 02 Feb 2023 14:19:24 PST</pubDate></item>"
	    "<item><guid>https://x/#bad slug_12</guid></item>"
	    "<item><guid>https://x/#route53_</guid></item>"
	    "<item><guid> https://x/#route53_1676000000 </guid></item>"
	    "</channel></rss>";
	char err[CS_ERRLEN] = "";
	struct collect c;

	(void)state;
	collect_open(&c);
	assert_int_equal(feed_parse_buffer("g", doc, sizeof(doc) - 1, collect_cb, &c, err,
	    sizeof(err)), CS_OK);
	collect_close(&c);
	assert_string_equal(c.buf,
	    "item 1 slug=acm-pca-eu-west-1 epoch=1700000000 pubdate=0 title=\n"
	    "item 2 slug= epoch=1675376364 pubdate=1675376364 title=\n"
	    "item 3 slug= epoch=0 pubdate=0 title=\n"
	    "item 4 slug= epoch=0 pubdate=0 title=\n"
	    "item 5 slug=route53 epoch=1676000000 pubdate=0 title=\n");
	free(c.buf);
}

/* Misuse: bytes after finish are refused. */
static void
test_push_after_finish(void **state)
{
	static const char doc[] = "<rss><channel/></rss>";
	char err[CS_ERRLEN] = "";
	struct feed_parser *p = feed_parse_new("late", NULL, NULL, 0);

	(void)state;
	assert_int_equal(feed_parse_push(p, doc, sizeof(doc) - 1, err, sizeof(err)), CS_OK);
	assert_int_equal(feed_parse_finish(p, err, sizeof(err)), CS_OK);
	assert_int_equal(feed_parse_push(p, doc, 1, err, sizeof(err)), CS_ERR_STATE);
	assert_string_equal(err, "late: bytes pushed after the end of the document");
	feed_parse_free(p);
	feed_parse_free(NULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures_golden),
		cmocka_unit_test(test_item_fields),
		cmocka_unit_test(test_bare_references),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_truncated_keeps_items),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_huge_title),
		cmocka_unit_test(test_max_field_exact),
		cmocka_unit_test(test_callback_stop),
		cmocka_unit_test(test_guid_fragment),
		cmocka_unit_test(test_push_after_finish),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
