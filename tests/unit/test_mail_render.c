/* test_mail_render.c: what a subscriber reads: subjects, the text part's facts and updates, the HTML part. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <glib.h>
#include <libxml/HTMLparser.h>
#include <libxml/tree.h>
#include <libxml/xpath.h>

#include "base/cs_error.h"
#include "email/mail_render.h"
#include "testutil.h"

#define SINCE 1796234400              /* 2026-12-02T18:00:00Z */
#define T1805 1796234700              /* 2026-12-02T18:05:00Z */
#define T1830 1796236200              /* 2026-12-02T18:30:00Z */
#define T0110 1796260200              /* 2026-12-03T01:10:00Z, the next day */
#define RLO "\xe2\x80\xae"            /* U+202E RIGHT-TO-LEFT OVERRIDE */

#define PAGE "https://status.synchronet.com/incidents/inc-3.html"
#define MANAGE "https://status.synchronet.com/subscription?t=7f3a9c0e5b2d4f61"
#define UNSUB "https://status.synchronet.com/unsubscribe?t=7f3a9c0e5b2d4f61"
#define CONFIRM_URL "https://status.synchronet.com/confirm?t=0c1d2e3f4a5b6c7d8e9f"

static const char long_body[] =
	"We have found the cause: an AWS Direct Connect link in eu-central-1 drops packets, "
	"so calls that start in that region may fail or lose audio. Calls already in progress "
	"are not affected. We are moving the traffic to the second link.";

static const struct mail_component comps[] = {
	{ "Inbound calls", "major_outage" },
	{ "Recording", "degraded_performance" },
};

static const struct mail_update upds[] = {
	{ T0110, "monitoring", "Traffic moved; we are watching the error rate." },
	{ T1805, "identified", long_body },
	{ SINCE, "investigating", "We are investigating failures of inbound calls.\n\nMore soon." },
};

static struct mail_content
incident(void)
{
	struct mail_content c = {
		.kind = MAIL_INCIDENT,
		.product = "CLICK",
		.company = "SynchroNet",
		.site_url = "https://status.synchronet.com",
		.title = "Inbound calls failing",
		.status = "monitoring",
		.priority = "P2",
		.since = SINCE,
		.next_update_by = T1830,
		.components = comps,
		.ncomponents = 2,
		.updates = upds,
		.nupdates = 3,
		.page_url = PAGE,
		.manage_url = MANAGE,
		.unsubscribe_url = UNSUB,
	};
	return c;
}

static struct mail_render_ctx *ctx;

static int
setup(void **state)
{
	char err[CS_ERRLEN] = "";

	(void)state;
	if (mail_render_ctx_new(testutil_path("site"), &ctx, err, sizeof(err)) != CS_OK) {
		fprintf(stderr, "mail_render_ctx_new: %s\n", err);
		return -1;
	}
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	mail_render_ctx_free(ctx);
	return 0;
}

struct out {
	char *subject, *text, *html;
};

static struct out
render(const struct mail_content *c)
{
	struct out o;
	char err[CS_ERRLEN] = "";
	cs_err rc = mail_render(ctx, c, &o.subject, &o.text, &o.html, err, sizeof(err));

	if (rc != CS_OK)
		fail_msg("mail_render: %s: %s", cs_strerror(rc), err);
	assert_non_null(o.subject);
	assert_non_null(o.text);
	assert_non_null(o.html);
	return o;
}

static void
out_free(struct out *o)
{
	free(o->subject);
	free(o->text);
	free(o->html);
}

static void
assert_contains(const char *hay, const char *needle)
{
	if (strstr(hay, needle) == NULL)
		fail_msg("\"%s\" not found in:\n%s", needle, hay);
}

static void
assert_lacks(const char *hay, const char *needle)
{
	if (strstr(hay, needle) != NULL)
		fail_msg("\"%s\" found in:\n%s", needle, hay);
}

/* The text with every line break and run of spaces as one space: what a reader reads, folded or not. */
static char *
flat(const char *s)
{
	GString *g = g_string_new(NULL);
	int sp = 0;

	for (; *s != '\0'; s++) {
		if (*s == '\n' || *s == ' ') {
			sp = 1;
			continue;
		}
		if (sp && g->len > 0)
			g_string_append_c(g, ' ');
		sp = 0;
		g_string_append_c(g, *s);
	}
	return g_string_free(g, FALSE);
}

/* "label: url" on one line, or folded before the URL ("label:\n  url"): a link line of the text part. */
static void
assert_link(const char *text, const char *label, const char *url)
{
	char a[512], b[512];

	snprintf(a, sizeof(a), "\n%s: %s\n", label, url);
	snprintf(b, sizeof(b), "\n%s:\n  %s\n", label, url);
	if (strstr(text, a) == NULL && strstr(text, b) == NULL)
		fail_msg("no link line \"%s: %s\" in:\n%s", label, url, text);
}

/* Every line of the text part holds at most 78 characters, or is one word (a URL) alone. */
static void
assert_line_lengths(const char *t)
{
	const char *p = t;

	while (*p != '\0') {
		const char *e = strchr(p, '\n');
		size_t n;

		assert_non_null(e);  /* every line ends in LF */
		n = (size_t)g_utf8_strlen(p, e - p);
		if (n > 78) {
			const char *q = p;

			while (*q == ' ')
				q++;
			if (memchr(q, ' ', (size_t)(e - q)) != NULL)
				fail_msg("line of %zu characters: %.*s", n, (int)(e - p), p);
		}
		p = e + 1;
	}
}

/* The text part of an incident says what a customer asks first, in words, then every update newest first. */
static void
test_incident_text(void **state)
{
	struct mail_content c = incident();
	struct out o = render(&c);
	const char *a, *b, *d;
	char *f;

	(void)state;
	assert_string_equal(o.subject, "[CLICK] Monitoring: Inbound calls failing");
	assert_true(strncmp(o.text, "CLICK - Monitoring: Inbound calls failing\n\n", 43) == 0);
	assert_contains(o.text, "\nPriority: P2\n");
	assert_contains(o.text, "\nAffected: Inbound calls (Major outage), Recording (Degraded performance)\n");
	assert_contains(o.text, "\nSince: 2 Dec 2026, 18:00 UTC\n");
	assert_contains(o.text, "\nNext update by: 2 Dec 2026, 18:30 UTC\n");
	/* the updates, newest first; the time alone when on the day "Since" names */
	a = strstr(o.text, "\n3 Dec 2026, 01:10 UTC - Monitoring\nTraffic moved; we are watching the error rate.\n");
	b = strstr(o.text, "\n18:05 UTC - Identified\nWe have found the cause:");
	d = strstr(o.text, "\n18:00 UTC - Investigating\nWe are investigating failures of inbound calls.\n\nMore soon.\n");
	assert_non_null(a);
	assert_non_null(b);
	assert_non_null(d);
	assert_true(a < b && b < d);
	/* the long body is folded, every word kept */
	f = flat(o.text);
	assert_contains(f, long_body);
	g_free(f);
	assert_line_lengths(o.text);
	assert_link(o.text, "Incident page", PAGE);
	assert_link(o.text, "Manage your subscription", MANAGE);
	assert_link(o.text, "Unsubscribe", UNSUB);
	/* the page link comes before the footer, the footer last */
	assert_true(strstr(o.text, PAGE) < strstr(o.text, "\n-- \n"));
	assert_true(strstr(o.text, "\n-- \n") < strstr(o.text, UNSUB));
	out_free(&o);
}

/* Every component status and every incident or maintenance status has its words. */
static void
test_status_words(void **state)
{
	static const struct {
		const char *wire, *words;
	} cs[] = {
		{ "operational", "Operational" },
		{ "degraded_performance", "Degraded performance" },
		{ "partial_outage", "Partial outage" },
		{ "major_outage", "Major outage" },
		{ "under_maintenance", "Under maintenance" },
	}, is[] = {
		{ "investigating", "[CLICK] Investigating: T" },
		{ "identified", "[CLICK] Identified: T" },
		{ "monitoring", "[CLICK] Monitoring: T" },
		{ "resolved", "[CLICK] Resolved: T" },
	}, ms[] = {
		{ "scheduled", "[CLICK] Maintenance scheduled: T" },
		{ "in_progress", "[CLICK] Maintenance in progress: T" },
		{ "verifying", "[CLICK] Maintenance verifying: T" },
		{ "completed", "[CLICK] Maintenance completed: T" },
	};
	struct mail_content c = incident();
	struct mail_component one;
	char want[128];
	size_t i;

	(void)state;
	c.title = "T";
	c.ncomponents = 1;
	c.components = &one;
	one.name = "Voice";
	for (i = 0; i < sizeof(cs) / sizeof(cs[0]); i++) {
		struct out o;

		one.status = cs[i].wire;
		o = render(&c);
		snprintf(want, sizeof(want), "\nAffected: Voice (%s)\n", cs[i].words);
		assert_contains(o.text, want);
		assert_contains(o.html, cs[i].words);
		out_free(&o);
	}
	for (i = 0; i < sizeof(is) / sizeof(is[0]); i++) {
		struct out o;

		c.status = is[i].wire;
		o = render(&c);
		assert_string_equal(o.subject, is[i].words);
		out_free(&o);
	}
	c.kind = MAIL_MAINTENANCE;
	for (i = 0; i < sizeof(ms) / sizeof(ms[0]); i++) {
		struct out o;

		c.status = ms[i].wire;
		o = render(&c);
		assert_string_equal(o.subject, ms[i].words);
		out_free(&o);
	}
	/* an update's status in words too */
	{
		static const struct mail_update u[] = { { SINCE, "in_progress", "Started." },
			{ SINCE, "verifying", "Checking." }, { SINCE, "completed", "Done." },
			{ SINCE, "scheduled", "Planned." } };
		struct out o;

		c.updates = u;
		c.nupdates = 4;
		o = render(&c);
		assert_contains(o.text, "\n18:00 UTC - In progress\nStarted.\n");
		assert_contains(o.text, "\n18:00 UTC - Verifying\nChecking.\n");
		assert_contains(o.text, "\n18:00 UTC - Completed\nDone.\n");
		assert_contains(o.text, "\n18:00 UTC - Scheduled\nPlanned.\n");
		out_free(&o);
	}
}

/* A maintenance gives its window; a resolved incident the time it ended; an RCA says draft or not. */
static void
test_maintenance_and_rca(void **state)
{
	struct mail_content c = incident();
	struct out o;

	(void)state;
	c.kind = MAIL_MAINTENANCE;
	c.title = "Database upgrade";
	c.status = "scheduled";
	c.priority = NULL;
	c.since = T0110;
	c.until = T0110 + 7200;
	c.next_update_by = 0;
	c.nupdates = 0;
	c.ncomponents = 0;
	o = render(&c);
	assert_string_equal(o.subject, "[CLICK] Maintenance scheduled: Database upgrade");
	assert_contains(o.text, "\nStarts: 3 Dec 2026, 01:10 UTC\n");
	assert_contains(o.text, "\nEnds: 3 Dec 2026, 03:10 UTC\n");
	assert_contains(o.text, "\nMaintenance page: " PAGE "\n");
	assert_lacks(o.text, "Priority");
	assert_lacks(o.text, "Next update by");
	out_free(&o);

	c = incident();
	c.status = "resolved";
	c.until = T0110;
	c.next_update_by = 0;
	o = render(&c);
	assert_string_equal(o.subject, "[CLICK] Resolved: Inbound calls failing");
	assert_contains(o.text, "\nResolved: 3 Dec 2026, 01:10 UTC\n");
	out_free(&o);

	c = incident();
	c.kind = MAIL_RCA;
	c.status = "draft";
	c.nupdates = 0;
	c.rca_text = "Summary\n\nA Direct Connect link failed.\nWe add a third link.";
	o = render(&c);
	assert_string_equal(o.subject, "[CLICK] Root-cause analysis (draft): Inbound calls failing");
	assert_contains(o.text, "\nSummary\n\nA Direct Connect link failed.\nWe add a third link.\n");
	assert_contains(o.html, "A Direct Connect link failed.");
	out_free(&o);
	c.status = "final";
	c.rca_text = "https://status.synchronet.com/rca/inc-3.html";
	o = render(&c);
	assert_string_equal(o.subject, "[CLICK] Root-cause analysis: Inbound calls failing");
	assert_contains(o.text, "https://status.synchronet.com/rca/inc-3.html");
	assert_contains(o.html, "href=\"https://status.synchronet.com/rca/inc-3.html\"");
	out_free(&o);
}

/* The confirmation mail: who asked where, the link, 48 hours, ignore it if not you; no unsubscribe link. */
static void
test_confirm(void **state)
{
	struct mail_content c = {
		.kind = MAIL_CONFIRM,
		.product = "CLICK",
		.company = "SynchroNet",
		.site_url = "https://status.synchronet.com",
		.action_url = CONFIRM_URL,
		/* given anyway: a confirm mail must not carry them (the address is not subscribed) */
		.manage_url = MANAGE,
		.unsubscribe_url = UNSUB,
	};
	struct out o;
	char *f;

	(void)state;
	o = render(&c);
	assert_string_equal(o.subject, "[CLICK] Confirm your subscription to status updates");
	f = flat(o.text);
	assert_contains(f, "asked to subscribe this address");
	assert_contains(f, "at https://status.synchronet.com");
	assert_contains(f, "button");
	assert_contains(f, "48 hours");
	assert_contains(f, "ignore this mail");
	g_free(f);
	assert_contains(o.text, "\n" CONFIRM_URL "\n");
	assert_lacks(o.text, UNSUB);
	assert_lacks(o.text, MANAGE);
	assert_lacks(o.text, "Unsubscribe");
	assert_contains(o.html, "href=\"" CONFIRM_URL "\"");
	/* the link where the words point to it: after "open the link below", before "ignore" */
	assert_true(strstr(o.text, "48 hours") < strstr(o.text, CONFIRM_URL));
	assert_true(strstr(o.text, CONFIRM_URL) < strstr(o.text, "ignore this mail"));
	assert_true(strstr(o.html, "48 hours") < strstr(o.html, CONFIRM_URL));
	assert_true(strstr(o.html, CONFIRM_URL) < strstr(o.html, "ignore this mail"));
	assert_lacks(o.html, UNSUB);
	assert_lacks(o.html, "nsubscribe");
	assert_line_lengths(o.text);
	out_free(&o);
}

/* A subscribe request for an address already subscribed: says so and links the manage page. */
static void
test_welcome_back(void **state)
{
	struct mail_content c = {
		.kind = MAIL_WELCOME_BACK,
		.product = "CLICK",
		.company = "SynchroNet",
		.site_url = "https://status.synchronet.com",
		.action_url = MANAGE,
		.unsubscribe_url = UNSUB,
	};
	struct out o;
	char *f;

	(void)state;
	o = render(&c);
	assert_string_equal(o.subject, "[CLICK] Your subscription to status updates");
	f = flat(o.text);
	assert_contains(f, "already subscribed");
	g_free(f);
	assert_contains(o.text, "\n" MANAGE "\n");
	assert_contains(o.html, "href=\"" MANAGE "\"");
	out_free(&o);
}

/* Subjects are one clean line of at most 200 bytes, cut at a whole UTF-8 character. */
static void
test_subject_clean(void **state)
{
	struct mail_content c = incident();
	char title[1200];
	struct out o;
	size_t i;

	(void)state;
	c.status = "investigating";
	c.title = "Calls\r\nBcc: evil@x\t\x01 " RLO "gnp.exe\xe2\x81\xa6 done";
	o = render(&c);
	assert_string_equal(o.subject, "[CLICK] Investigating: Calls Bcc: evil@x gnp.exe done");
	out_free(&o);
	/* 2-byte characters after the 23-byte prefix: 200 would cut one in half */
	for (i = 0; i + 2 < sizeof(title); i += 2)
		memcpy(title + i, "\xc3\xa9", 2);
	title[i] = '\0';
	c.title = title;
	o = render(&c);
	assert_true(strlen(o.subject) <= 200);
	assert_true(strlen(o.subject) >= 198);
	assert_true(g_utf8_validate(o.subject, -1, NULL));
	assert_true(strncmp(o.subject, "[CLICK] Investigating: \xc3\xa9", 25) == 0);
	out_free(&o);
	/* bytes that are not UTF-8 become U+FFFD, never pass through */
	c.title = "bad \xff\xc3 end";
	o = render(&c);
	assert_string_equal(o.subject, "[CLICK] Investigating: bad \xef\xbf\xbd\xef\xbf\xbd end");
	assert_true(g_utf8_validate(o.text, -1, NULL));
	assert_true(g_utf8_validate(o.html, -1, NULL));
	out_free(&o);
}

/* Count of nodes matching expr in doc. */
static int
xcount(xmlDocPtr doc, const char *expr)
{
	xmlXPathContextPtr x = xmlXPathNewContext(doc);
	xmlXPathObjectPtr r = xmlXPathEvalExpression(BAD_CAST expr, x);
	int n;

	assert_non_null(r);
	n = r->nodesetval != NULL ? r->nodesetval->nodeNr : 0;
	xmlXPathFreeObject(r);
	xmlXPathFreeContext(x);
	return n;
}

/* The string value of expr (owned, xmlFree). */
static char *
xstring(xmlDocPtr doc, const char *expr)
{
	xmlXPathContextPtr x = xmlXPathNewContext(doc);
	xmlChar *s;
	xmlXPathObjectPtr r = xmlXPathEvalExpression(BAD_CAST expr, x);

	assert_non_null(r);
	s = xmlXPathCastToString(r);
	xmlXPathFreeObject(r);
	xmlXPathFreeContext(x);
	return (char *)s;
}

/*
 * The HTML part parses as HTML, carries the hostile title as text (no
 * raw "<script"), loads nothing, runs nothing, fits a phone (600px at
 * most, no font under 14px) and links what the text part links.
 */
static void
test_html(void **state)
{
	static const char hostile[] = "<script>alert(1)</script> & \"quotes\" <img src=x onerror=alert(2)>";
	static const struct mail_update hu[] = { { T1805, "identified",
		"first line\n</p><script>alert(3)</script>\nthird line" } };
	struct mail_content c = incident();
	struct out o;
	htmlDocPtr doc;
	char *s;
	const char *p;

	(void)state;
	c.title = hostile;
	c.updates = hu;
	c.nupdates = 1;
	o = render(&c);
	assert_null(g_strstr_len(o.html, -1, "<script"));
	assert_null(g_strstr_len(o.html, -1, "<SCRIPT"));
	assert_null(strstr(o.html, "<img"));
	assert_contains(o.html, "&lt;script&gt;alert(1)&lt;/script&gt;");
	doc = htmlReadMemory(o.html, (int)strlen(o.html), NULL, "UTF-8",
	    HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING);
	assert_non_null(doc);
	assert_int_equal(xcount(doc, "//script"), 0);
	assert_int_equal(xcount(doc, "//img | //link | //iframe | //object | //embed | //form"), 0);
	assert_int_equal(xcount(doc, "//@src | //@*[starts-with(name(), 'on')]"), 0);
	/* the title reads back exactly, as text */
	s = xstring(doc, "string(//h1)");
	assert_string_equal(s, "CLICK - Monitoring: <script>alert(1)</script> & \"quotes\" <img src=x onerror=alert(2)>");
	xmlFree(s);
	s = xstring(doc, "string(//title)");
	assert_string_equal(s, "[CLICK] Monitoring: <script>alert(1)</script> & \"quotes\" <img src=x onerror=alert(2)>");
	xmlFree(s);
	/* the update body, its lines as lines, its markup as text */
	assert_contains(o.html, "first line<br>&lt;/p&gt;&lt;script&gt;alert(3)&lt;/script&gt;<br>third line");
	/* facts and components in words */
	s = xstring(doc, "string(/)");
	assert_non_null(strstr(s, "P2"));
	assert_non_null(strstr(s, "Inbound calls"));
	assert_non_null(strstr(s, "Major outage"));
	assert_non_null(strstr(s, "Degraded performance"));
	assert_non_null(strstr(s, "2 Dec 2026, 18:00 UTC"));
	assert_non_null(strstr(s, "2 Dec 2026, 18:30 UTC"));
	assert_non_null(strstr(s, "18:05 UTC"));
	xmlFree(s);
	/* the links */
	assert_int_equal(xcount(doc, "//a[@href = '" PAGE "']"), 1);
	assert_int_equal(xcount(doc, "//a[@href = '" MANAGE "']"), 1);
	assert_int_equal(xcount(doc, "//a[@href = '" UNSUB "']"), 1);
	assert_int_equal(xcount(doc, "//a[not(starts-with(@href, 'https://'))]"), 0);
	/* a phone: a 600 px card at most, a viewport, no font smaller than 14px */
	assert_int_equal(xcount(doc, "//meta[@name = 'viewport']"), 1);
	assert_contains(o.html, "max-width:600px");
	for (p = strstr(o.html, "font-size:"); p != NULL; p = strstr(p + 1, "font-size:")) {
		long px = strtol(p + 10, NULL, 10);

		if (px < 14)
			fail_msg("font-size %ldpx: %.40s", px, p);
	}
	xmlFreeDoc(doc);
	out_free(&o);
}

/* The same content renders to the same bytes. */
static void
test_deterministic(void **state)
{
	struct mail_content c = incident();
	struct out a, b;

	(void)state;
	a = render(&c);
	b = render(&c);
	assert_string_equal(a.subject, b.subject);
	assert_string_equal(a.text, b.text);
	assert_string_equal(a.html, b.html);
	out_free(&a);
	out_free(&b);
}

/* A missing stylesheet is CS_ERR_IO, a broken one CS_ERR_PARSE, each naming the file. */
static void
test_ctx_errors(void **state)
{
	struct mail_render_ctx *x = NULL;
	char dir[] = "/tmp/cs-mail-render.XXXXXX", path[128], err[CS_ERRLEN] = "";
	FILE *fp;

	(void)state;
	assert_non_null(mkdtemp(dir));
	assert_int_equal(mail_render_ctx_new(dir, &x, err, sizeof(err)), CS_ERR_IO);
	assert_null(x);
	assert_non_null(strstr(err, "email.xsl"));
	snprintf(path, sizeof(path), "%s/email.xsl", dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("<xsl:stylesheet version=\"1.0\" xmlns:xsl=\"http://www.w3.org/1999/XSL/Transform\">"
	    "<xsl:template match=\"/\"><xsl:value-of select=\"((\"/></xsl:template></xsl:stylesheet>", fp);
	fclose(fp);
	assert_int_equal(mail_render_ctx_new(dir, &x, err, sizeof(err)), CS_ERR_PARSE);
	assert_null(x);
	assert_non_null(strstr(err, "email.xsl"));
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("<not-closed>", fp);
	fclose(fp);
	assert_int_equal(mail_render_ctx_new(dir, &x, err, sizeof(err)), CS_ERR_PARSE);
	unlink(path);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_incident_text),
		cmocka_unit_test(test_status_words),
		cmocka_unit_test(test_maintenance_and_rca),
		cmocka_unit_test(test_confirm),
		cmocka_unit_test(test_welcome_back),
		cmocka_unit_test(test_subject_clean),
		cmocka_unit_test(test_html),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_ctx_errors),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
