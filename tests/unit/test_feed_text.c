/* test_feed_text.c: AWS descriptions as the plain text an incident update quotes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aws/feed_text.h"

static void
check(const char *html, size_t max, const char *want)
{
	char *t = feed_text_plain(html, max);

	assert_non_null(t);
	assert_string_equal(t, want);
	free(t);
}

/* 2025+ feeds: raw HTML (the Direct Connect item ends in a link). */
static void
test_raw_html(void **state)
{
	(void)state;
	check("Customers may contact AWS Support through the <a href=\"https://console.aws.amazon.com/"
	    "support\">AWS Support Center</a>.", 0,
	    "Customers may contact AWS Support through the AWS Support Center.");
	check("<p>First  paragraph,\n wrapped.</p><p>Second &amp; last.</p>", 0,
	    "First paragraph, wrapped.\nSecond & last.");
}

/* 2019-2023 feeds: HTML escaped inside CDATA, so once more after the XML parser. */
static void
test_escaped_html(void **state)
{
	(void)state;
	check("&lt;p&gt;We are investigating increased error rates.&lt;/p&gt;&lt;p&gt;Next update "
	    "by 10:00 AM PST.&lt;/p&gt;", 0,
	    "We are investigating increased error rates.\nNext update by 10:00 AM PST.");
}

/* Plain text with a blank line (as in the 2026 Direct Connect resolution) keeps the paragraph. */
static void
test_plain_text(void **state)
{
	(void)state;
	check("We do not expect this issue to recur. \n\nCustomers with redundant connections", 0,
	    "We do not expect this issue to recur.\nCustomers with redundant connections");
	check("latency < 5 ms & rising", 0, "latency < 5 ms & rising");
	check("", 0, "");
	check(NULL, 0, "");
}

/* A hostile text is text: scripts are dropped with their content, tags never survive. */
static void
test_hostile(void **state)
{
	(void)state;
	check("<script>alert(1)</script>Packet loss<img src=x onerror=alert(2)>", 0, "Packet loss");
	check("&lt;script&gt;alert(1)&lt;/script&gt;Packet loss", 0, "Packet loss");
}

/* Bounded: cut at a word boundary with "...", never inside a UTF-8 character. */
static void
test_bound(void **state)
{
	char *t;

	(void)state;
	check("one two three four five six seven eight", 24, "one two three four...");
	t = feed_text_plain("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9"
	    "\xc3\xa9\xc3\xa9\xc3\xa9", 16);
	assert_non_null(t);
	assert_true(strlen(t) <= 16);
	assert_string_equal(t, "\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9...");
	free(t);
}

/* Deep nesting is walked without recursion. */
static void
test_deep(void **state)
{
	size_t n = 20000;
	char *h = malloc(n * 5 + 16);
	char *t;

	(void)state;
	assert_non_null(h);
	h[0] = '\0';
	for (size_t i = 0; i < n; i++)
		strcat(h + i * 5, "<div>");
	strcat(h, "deep");
	t = feed_text_plain(h, 0);
	assert_non_null(t);
	free(t);
	free(h);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_raw_html),
		cmocka_unit_test(test_escaped_html),
		cmocka_unit_test(test_plain_text),
		cmocka_unit_test(test_hostile),
		cmocka_unit_test(test_bound),
		cmocka_unit_test(test_deep),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
