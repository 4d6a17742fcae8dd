/* test_site.c: the render model, the JSON API (golden, Statuspage fields), hostile text in HTML, Atom and RSS. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxslt/xslt.h>

#include "site/render.h"
#include "site/siteapi.h"
#include "sitedemo.h"
#include "site/sitemodel.h"
#include "testutil.h"

#define NOW 1795000000                /* 2026-11-18T11:06:40Z */
#define RENDER_ID "test-render-1"

static const char *const hostile_needles[] = {
	"<img src=x onerror=alert(1)>", "\"><script>alert('x')</script>",
};

/* A sink that keeps every file in memory. */
struct file {
	char *path;
	char *data;
	size_t len;
};

struct memsink {
	struct file v[4096];
	size_t n;
};

static int
mem_reuse(void *arg, const char *path, const char *hash)
{
	(void)arg;
	(void)path;
	(void)hash;
	return 0;
}

static cs_err
mem_put(void *arg, const char *path, const char *hash, const void *data, size_t len,
    char *err, size_t errlen)
{
	struct memsink *s = arg;

	(void)hash;
	(void)err;
	(void)errlen;
	assert_true(s->n < sizeof(s->v) / sizeof(s->v[0]));
	s->v[s->n].path = strdup(path);
	s->v[s->n].data = malloc(len + 1);
	assert_non_null(s->v[s->n].path);
	assert_non_null(s->v[s->n].data);
	memcpy(s->v[s->n].data, data, len);
	s->v[s->n].data[len] = '\0';
	s->v[s->n].len = len;
	s->n++;
	return CS_OK;
}

static const struct file *
find(const struct memsink *s, const char *path)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (strcmp(s->v[i].path, path) == 0)
			return &s->v[i];
	return NULL;
}

static void
memsink_free(struct memsink *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		free(s->v[i].path);
		free(s->v[i].data);
	}
	free(s);
}

static struct sitemodel *
demo_model(size_t ninc, int hostile, int stale)
{
	struct sitedemo_opts o = { NOW, 30, ninc, hostile, stale, -1, 7 };
	struct sitemodel *m = NULL;
	char err[CS_ERRLEN];

	if (sitedemo_build(&o, &m, err, sizeof(err)) != CS_OK)
		fail_msg("sitedemo_build: %s", err);
	return m;
}

static struct memsink *
render_all(const struct sitemodel *m)
{
	struct memsink *s = calloc(1, sizeof(*s));
	struct render_sink sink = { NULL, mem_reuse, mem_put };
	struct render_ctx *ctx = NULL;
	char err[CS_ERRLEN];

	assert_non_null(s);
	sink.arg = s;
	if (render_ctx_new(testutil_path("site"), &ctx, err, sizeof(err)) != CS_OK)
		fail_msg("render_ctx_new: %s", err);
	if (render_site(ctx, m, RENDER_ID, &sink, err, sizeof(err)) != CS_OK)
		fail_msg("render_site: %s", err);
	render_ctx_free(ctx);
	return s;
}

/* Every JSON file of the API matches its golden copy (tests/golden/site-api-*.json). */
static void
test_api_golden(void **state)
{
	struct sitemodel *m = demo_model(12, 1, 0);
	size_t i;

	(void)state;
	for (i = 0; i < SITEAPI_NFILES; i++) {
		char *text = NULL, name[256], *p;
		size_t len;

		assert_int_equal(siteapi_build(m, RENDER_ID, (enum siteapi_file)i, &text, &len), CS_OK);
		snprintf(name, sizeof(name), "site-api-%s", siteapi_path((enum siteapi_file)i) + 7);
		for (p = name; *p != '\0'; p++)
			if (*p == '/')
				*p = '-';
		testutil_golden(name, text, len);
		free(text);
	}
	sitemodel_free(m);
}

static int
in_set(const char *s, const char *const *set)
{
	for (; *set != NULL; set++)
		if (strcmp(s, *set) == 0)
			return 1;
	return 0;
}

static const char *const comp_status[] = { "operational", "degraded_performance",
	"partial_outage", "major_outage", "under_maintenance", NULL };
static const char *const inc_status[] = { "investigating", "identified", "monitoring",
	"resolved", "postmortem", NULL };
static const char *const mnt_status[] = { "scheduled", "in_progress", "verifying",
	"completed", NULL };
static const char *const impacts[] = { "none", "minor", "major", "critical", "maintenance",
	NULL };
static const char *const indicators[] = { "none", "minor", "major", "critical", NULL };

static void
check_keys(json_t *o, const char *const *keys)
{
	assert_true(json_is_object(o));
	for (; *keys != NULL; keys++)
		if (json_object_get(o, *keys) == NULL)
			fail_msg("missing key %s", *keys);
}

static void
check_component(json_t *c)
{
	static const char *const keys[] = { "id", "name", "status", "created_at", "updated_at",
		"position", "description", "showcase", "start_date", "group_id", "page_id", "group",
		"only_show_if_degraded", NULL };

	check_keys(c, keys);
	assert_true(in_set(json_string_value(json_object_get(c, "status")), comp_status));
	assert_true(json_is_integer(json_object_get(c, "position")));
	assert_true(json_is_boolean(json_object_get(c, "group")));
}

static void
check_incident(json_t *in, int maintenance)
{
	static const char *const keys[] = { "id", "name", "status", "created_at", "updated_at",
		"monitoring_at", "resolved_at", "impact", "shortlink", "started_at", "page_id",
		"incident_updates", "components", NULL };
	static const char *const ukeys[] = { "id", "status", "body", "incident_id", "created_at",
		"updated_at", "display_at", "affected_components", "deliver_notifications", NULL };
	json_t *u, *c, *a;
	size_t i, j;

	check_keys(in, keys);
	assert_true(in_set(json_string_value(json_object_get(in, "status")),
	    maintenance ? mnt_status : inc_status));
	assert_true(in_set(json_string_value(json_object_get(in, "impact")), impacts));
	if (maintenance) {
		assert_true(json_is_string(json_object_get(in, "scheduled_for")));
		assert_true(json_is_string(json_object_get(in, "scheduled_until")));
	}
	json_array_foreach(json_object_get(in, "incident_updates"), i, u) {
		check_keys(u, ukeys);
		assert_string_equal(json_string_value(json_object_get(u, "incident_id")),
		    json_string_value(json_object_get(in, "id")));
		a = json_object_get(u, "affected_components");
		assert_true(json_is_null(a) || json_is_array(a));
		json_array_foreach(a, j, c) {
			static const char *const akeys[] = { "code", "name", "old_status", "new_status", NULL };

			check_keys(c, akeys);
			assert_true(in_set(json_string_value(json_object_get(c, "new_status")), comp_status));
		}
	}
	json_array_foreach(json_object_get(in, "components"), i, c)
		check_component(c);
}

/* Every file parses and carries Statuspage's fields and enumerations. */
static void
test_api_fields(void **state)
{
	struct sitemodel *m = demo_model(60, 1, 0);
	size_t i, k;

	(void)state;
	for (i = 0; i < SITEAPI_NFILES; i++) {
		static const char *const pkeys[] = { "id", "name", "url", "time_zone", "updated_at", NULL };
		json_error_t jerr;
		char *text = NULL;
		size_t len;
		json_t *root, *v, *x;

		assert_int_equal(siteapi_build(m, RENDER_ID, (enum siteapi_file)i, &text, &len), CS_OK);
		root = json_loadb(text, len, 0, &jerr);
		if (root == NULL)
			fail_msg("%s: %s", siteapi_path((enum siteapi_file)i), jerr.text);
		check_keys(json_object_get(root, "page"), pkeys);
		assert_string_equal(json_string_value(json_object_get(json_object_get(root, "page"),
		    "render_id")), RENDER_ID);
		v = json_object_get(root, "status");
		if (v != NULL) {
			assert_true(in_set(json_string_value(json_object_get(v, "indicator")), indicators));
			assert_true(json_is_string(json_object_get(v, "description")));
		}
		json_array_foreach(json_object_get(root, "components"), k, x)
			check_component(x);
		json_array_foreach(json_object_get(root, "incidents"), k, x)
			check_incident(x, 0);
		json_array_foreach(json_object_get(root, "scheduled_maintenances"), k, x)
			check_incident(x, 1);
		switch (i) {
		case SITEAPI_SUMMARY:
			assert_true(json_is_array(json_object_get(root, "components")));
			assert_int_equal(json_array_size(json_object_get(root, "incidents")), 2);
			assert_int_equal(json_array_size(json_object_get(root, "scheduled_maintenances")), 2);
			assert_non_null(v);
			break;
		case SITEAPI_INCIDENTS:
			assert_int_equal(json_array_size(json_object_get(root, "incidents")), 50);
			break;
		case SITEAPI_MAINT_UPCOMING:
		case SITEAPI_MAINT_ACTIVE:
			assert_int_equal(json_array_size(json_object_get(root, "scheduled_maintenances")), 1);
			break;
		default:
			break;
		}
		json_decref(root);
		free(text);
	}
	sitemodel_free(m);
}

/* Counts elements named name under n. */
static int
count_elements(xmlNodePtr n, const char *name)
{
	int k = 0;

	for (; n != NULL; n = n->next) {
		if (n->type == XML_ELEMENT_NODE && xmlStrcasecmp(n->name, (const xmlChar *)name) == 0)
			k++;
		k += count_elements(n->children, name);
	}
	return k;
}

/*
 * Feed text like <img src=x onerror=alert(1)> shows literally: the HTML
 * parser finds no <img> or <script> element in any page, and the text
 * content of the page contains the string as typed.
 */
static void
test_hostile_html(void **state)
{
	struct sitemodel *m = demo_model(30, 1, 0);
	struct memsink *s = render_all(m);
	int checked = 0, seen[2] = { 0, 0 };
	size_t i, k;

	(void)state;
	for (i = 0; i < s->n; i++) {
		htmlDocPtr doc;
		xmlChar *text;

		if (strstr(s->v[i].path, ".html") == NULL)
			continue;
		doc = htmlReadMemory(s->v[i].data, (int)s->v[i].len, s->v[i].path, "UTF-8",
		    HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET);
		assert_non_null(doc);
		if (count_elements(xmlDocGetRootElement(doc), "img") != 0 ||
		    count_elements(xmlDocGetRootElement(doc), "script") != 0)
			fail_msg("%s: an element came from feed text", s->v[i].path);
		assert_int_equal(count_elements(xmlDocGetRootElement(doc), "b"), 0);
		text = xmlNodeGetContent(xmlDocGetRootElement(doc));
		for (k = 0; k < 2; k++)
			if (strstr((const char *)text, hostile_needles[k]) != NULL)
				seen[k]++;
		xmlFree(text);
		xmlFreeDoc(doc);
		checked++;
	}
	assert_true(checked > 30);
	assert_true(seen[0] > 0);
	assert_true(seen[1] > 0);
	/* the hostile AWS cause title is on the index too */
	assert_non_null(strstr(find(s, "index.html")->data, "&lt;img src=x onerror=alert(1)&gt;"));
	memsink_free(s);
	sitemodel_free(m);
}

/* The index: under 60 KB, strict CSP, status in words, verified time, render id, bar cells. */
static void
test_index(void **state)
{
	struct sitemodel *m = demo_model(1000, 0, 0);
	struct memsink *s = render_all(m);
	const struct file *f = find(s, "index.html");

	(void)state;
	assert_non_null(f);
	assert_true(f->len < 60 * 1024);
	assert_non_null(strstr(f->data, "content=\"default-src 'none'; style-src 'self'; "
	    "img-src 'self'; form-action 'self'; base-uri 'none'\""));
	assert_non_null(strstr(f->data, "<span class=\"st st-degraded_performance\">Degraded performance</span>"));
	/* verified 42 s before the render: said in words and as the UTC time */
	assert_non_null(strstr(f->data, "<p class=\"updated\">Updated less than a minute ago "
	    "(<time datetime=\"2026-11-18T11:05:58Z\">18 Nov 2026, 11:05 UTC</time>).</p>"));
	assert_non_null(strstr(f->data, "data-render=\"" RENDER_ID "\""));
	assert_non_null(strstr(f->data, "<form method=\"post\" action=\"/subscribe\">"));
	assert_non_null(strstr(f->data, "role=\"img\" aria-label=\"Inbound calls, last 90 days: "));
	assert_null(strstr(f->data, "<script"));
	assert_null(strstr(f->data, "class=\"stale\""));
	assert_null(strstr(f->data, "http://"));
	/* 1000 incidents: 40 history pages, 1002 incident pages */
	assert_non_null(find(s, "history-40.html"));
	assert_null(find(s, "history-41.html"));
	assert_non_null(find(s, "incidents/inc-01000.html"));
	assert_non_null(find(s, "incidents/mnt-dialler-patch.html"));
	assert_non_null(find(s, "api/v2/scheduled-maintenances/active.json"));
	memsink_free(s);
	sitemodel_free(m);
}

/*
 * A new installation: 30 components with long names and descriptions, 90
 * days of no data each, no incidents: the index still stays under 60 KB.
 */
static void
test_index_new_install(void **state)
{
	struct sitemodel_page page = { "click", "CLICK", "SynchroNet", "https://status.synchronet.com",
		NULL, NULL, 1787025679, 1787025679, 0, 0, STATUS_IND_NONE, NULL };
	struct sitemodel *m = NULL;
	struct memsink *s;
	const struct file *f;
	char err[CS_ERRLEN], id[32], name[96];

	(void)state;
	if (sitemodel_new(&page, &m, err, sizeof(err)) != CS_OK)
		fail_msg("sitemodel_new: %s", err);
	for (int i = 0; i < 30; i++) {
		struct sitemodel_component c;

		memset(&c, 0, sizeof(c));
		snprintf(id, sizeof(id), "component-%02d", i);
		snprintf(name, sizeof(name), "Contact-centre component number %02d with a long name", i);
		c.id = id;
		c.name = name;
		c.group = i < 15 ? "Contact centre" : "Digital channels";
		c.description = "Customers calling in: telephony, queues and routing to agents.";
		c.status = STATUS_OPERATIONAL;
		c.uptime = 100.0;
		for (int d = 0; d < SITEMODEL_DAYS; d++)
			c.day[d] = d == SITEMODEL_DAYS - 1 ? STATUS_OPERATIONAL : SITEMODEL_NODATA;
		if (sitemodel_add_component(m, &c, err, sizeof(err)) != CS_OK)
			fail_msg("add_component: %s", err);
	}
	s = render_all(m);
	f = find(s, "index.html");
	assert_non_null(f);
	if (f->len >= 60 * 1024)
		fail_msg("index.html is %zu bytes", f->len);
	memsink_free(s);
	sitemodel_free(m);
}

/* Polls failing for more than 3 intervals: a clear banner, with the time. */
static void
test_stale(void **state)
{
	struct sitemodel *m = demo_model(3, 0, 1);
	struct memsink *s = render_all(m);
	const struct file *f = find(s, "index.html");

	(void)state;
	assert_non_null(strstr(f->data, "<div class=\"stale\" role=\"alert\"><strong>This page may be out of date.</strong>"));
	/* last read an hour before the render (sitedemo: now - 3600) */
	assert_non_null(strstr(f->data, "We last read the AWS Health Dashboard at "
	    "<time datetime=\"2026-11-18T10:06:40Z\">18 Nov 2026, 10:06 UTC</time>, "
	    "60 minutes before this page was generated"));
	assert_non_null(strstr(f->data, "Updated 60 minutes ago (<time datetime=\"2026-11-18T10:06:40Z\">"));
	assert_non_null(strstr(find(s, "api/v2/status.json")->data, "\"stale\": true"));
	memsink_free(s);
	sitemodel_free(m);
}

/*
 * Nothing was ever read from AWS: the banner says so in words; no time is
 * printed for a time that does not exist (the page once said "since 1 Jan
 * 1970, 00:01 UTC. Last verified never").
 */
static void
test_stale_never_read(void **state)
{
	struct sitemodel *m = demo_model(0, 0, 0);
	struct memsink *s;
	const struct file *f;

	(void)state;
	sitemodel_set_freshness(m, NOW, 0, 0, 60);
	assert_true(m->page.stale);
	assert_int_equal(m->page.stale_since, 0);
	s = render_all(m);
	f = find(s, "index.html");
	assert_non_null(strstr(f->data, "<strong>This page may be out of date.</strong> We have not yet "
	    "been able to read the AWS Health Dashboard; component statuses are unknown"));
	assert_non_null(strstr(f->data, "<p class=\"updated\">Not yet updated from the AWS Health Dashboard.</p>"));
	assert_null(strstr(f->data, "1970"));
	assert_null(strstr(f->data, "never"));
	assert_non_null(strstr(find(s, "api/v2/summary.json")->data, "\"stale_since\": null"));
	assert_non_null(strstr(find(s, "api/v2/summary.json")->data, "\"data_verified_at\": null"));
	memsink_free(s);
	sitemodel_free(m);
}

/* An incident page: timeline, UTC <time datetime>, priority, AWS items, RCA. */
static void
test_incident_page(void **state)
{
	struct sitemodel *m = demo_model(12, 0, 0);
	struct memsink *s = render_all(m);
	const struct file *f = find(s, "incidents/inc-00012.html");
	htmlDocPtr doc;

	(void)state;
	assert_non_null(f);
	assert_non_null(strstr(f->data, "<ol class=\"timeline\">"));
	assert_non_null(strstr(f->data, "<time datetime=\"2026-"));
	assert_non_null(strstr(f->data, "Priority P"));
	assert_non_null(strstr(f->data, "AWS items behind this incident"));
	assert_non_null(strstr(f->data, "href=\"../style.css\""));
	doc = htmlReadMemory(f->data, (int)f->len, "x.html", "UTF-8",
	    HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING | HTML_PARSE_NONET);
	assert_non_null(doc);
	assert_true(count_elements(xmlDocGetRootElement(doc), "time") >= 3);
	xmlFreeDoc(doc);
	memsink_free(s);
	sitemodel_free(m);
}

/* history.atom is Atom (RFC 4287) and history.rss RSS 2.0; hostile text stays text. */
static void
test_feeds(void **state)
{
	struct sitemodel *m = demo_model(60, 1, 0);
	struct memsink *s = render_all(m);
	const struct file *atom = find(s, "history.atom"), *rss = find(s, "history.rss");
	xmlDocPtr doc;
	xmlNodePtr root, n, c;
	int entries = 0, items = 0, hostile = 0;

	(void)state;
	doc = xmlReadMemory(atom->data, (int)atom->len, "history.atom", NULL, XML_PARSE_NONET);
	assert_non_null(doc);
	root = xmlDocGetRootElement(doc);
	assert_string_equal((const char *)root->name, "feed");
	assert_string_equal((const char *)root->ns->href, "http://www.w3.org/2005/Atom");
	for (n = root->children; n != NULL; n = n->next) {
		int id = 0, title = 0, updated = 0;

		if (n->type != XML_ELEMENT_NODE || xmlStrcmp(n->name, (const xmlChar *)"entry") != 0)
			continue;
		entries++;
		for (c = n->children; c != NULL; c = c->next) {
			xmlChar *t;

			if (c->type != XML_ELEMENT_NODE)
				continue;
			id += xmlStrcmp(c->name, (const xmlChar *)"id") == 0;
			updated += xmlStrcmp(c->name, (const xmlChar *)"updated") == 0;
			if (xmlStrcmp(c->name, (const xmlChar *)"title") == 0) {
				title++;
				t = xmlNodeGetContent(c);
				hostile += strstr((const char *)t, "<script>") != NULL;
				xmlFree(t);
			}
			assert_int_equal(c->children == NULL || c->children->type == XML_TEXT_NODE, 1);
		}
		assert_int_equal(id, 1);
		assert_int_equal(title, 1);
		assert_int_equal(updated, 1);
	}
	assert_int_equal(entries, 50);
	assert_true(hostile > 0);
	xmlFreeDoc(doc);

	doc = xmlReadMemory(rss->data, (int)rss->len, "history.rss", NULL, XML_PARSE_NONET);
	assert_non_null(doc);
	root = xmlDocGetRootElement(doc);
	assert_string_equal((const char *)root->name, "rss");
	n = root->children;
	while (n != NULL && n->type != XML_ELEMENT_NODE)
		n = n->next;
	assert_non_null(n);
	for (c = n->children; c != NULL; c = c->next)
		if (c->type == XML_ELEMENT_NODE && xmlStrcmp(c->name, (const xmlChar *)"item") == 0)
			items++;
	assert_int_equal(items, 50);
	assert_non_null(strstr(rss->data, " Nov 2026 "));
	assert_non_null(strstr(rss->data, " +0000</pubDate>"));
	xmlFreeDoc(doc);
	memsink_free(s);
	sitemodel_free(m);
}

/* Adders: bad ids, unknown components and invalid UTF-8. */
static void
test_model_checks(void **state)
{
	struct sitemodel_page page = { 0 };
	struct sitemodel_component c;
	struct sitemodel_incident in;
	const char *ids[] = { "nope" };
	struct sitemodel *m = NULL;
	char err[CS_ERRLEN];

	(void)state;
	assert_int_equal(sitemodel_new(&page, &m, err, sizeof(err)), CS_ERR_PARSE);
	page.name = "CLICK";
	page.url = "https://status.example.test/";
	assert_int_equal(sitemodel_new(&page, &m, err, sizeof(err)), CS_OK);
	memset(&c, 0, sizeof(c));
	c.id = "../etc";
	c.name = "x";
	assert_int_equal(sitemodel_add_component(m, &c, err, sizeof(err)), CS_ERR_PARSE);
	c.id = "ok";
	c.name = "bad \xff byte \x01 and \xe2\x82 cut";
	assert_int_equal(sitemodel_add_component(m, &c, err, sizeof(err)), CS_OK);
	assert_string_equal(m->components[0].name, "bad \xef\xbf\xbd byte  and \xef\xbf\xbd\xef\xbf\xbd cut");
	assert_int_equal(sitemodel_add_component(m, &c, err, sizeof(err)), CS_ERR_PARSE);
	memset(&in, 0, sizeof(in));
	in.id = "i1";
	in.name = "x";
	in.components = ids;
	in.ncomponents = 1;
	assert_int_equal(sitemodel_add_incident(m, &in, err, sizeof(err)), CS_ERR_PARSE);
	assert_non_null(strstr(err, "unknown component nope"));
	assert_int_equal(m->nincidents, 0);
	sitemodel_set_freshness(m, 1000, 700, 0, 60);
	assert_true(m->page.stale);
	assert_int_equal(m->page.stale_since, 760);
	sitemodel_set_freshness(m, 1000, 900, 0, 60);
	assert_false(m->page.stale);
	sitemodel_free(m);
	sitemodel_free(NULL);
}

/*
 * Updates posted in the same second (one AWS post reaching many feeds) are
 * listed newest first by their posting order: update 10 before update 9
 * before update 2, not "1-9" before "1-2" before "1-10" as strings sort.
 */
static void
test_update_order(void **state)
{
	struct sitemodel_page page = { 0 };
	struct sitemodel_component c;
	struct sitemodel_incident in;
	struct sitemodel_update up[3];
	const char *ids[] = { "ok" };
	static const char *const want[] = { "1-10", "1-9", "1-2" };
	struct sitemodel *m = NULL;
	char err[CS_ERRLEN];
	char *text = NULL;
	size_t len = 0;
	json_t *doc, *ups;

	(void)state;
	page.name = "CLICK";
	page.url = "https://status.example.test/";
	assert_int_equal(sitemodel_new(&page, &m, err, sizeof(err)), CS_OK);
	memset(&c, 0, sizeof(c));
	c.id = "ok";
	c.name = "OK";
	assert_int_equal(sitemodel_add_component(m, &c, err, sizeof(err)), CS_OK);
	memset(up, 0, sizeof(up));
	up[0].id = "1-2";
	up[0].seq = 2;
	up[1].id = "1-10";
	up[1].seq = 10;
	up[2].id = "1-9";
	up[2].seq = 9;
	for (int i = 0; i < 3; i++) {
		up[i].body = "same second";
		up[i].created_at = 1000;
	}
	memset(&in, 0, sizeof(in));
	in.id = "1";
	in.name = "x";
	in.created_at = 900;
	in.components = ids;
	in.ncomponents = 1;
	in.updates = up;
	in.nupdates = 3;
	assert_int_equal(sitemodel_add_incident(m, &in, err, sizeof(err)), CS_OK);
	assert_int_equal(siteapi_build(m, RENDER_ID, SITEAPI_INCIDENTS, &text, &len), CS_OK);
	doc = json_loadb(text, len, 0, NULL);
	ups = json_object_get(json_array_get(json_object_get(doc, "incidents"), 0), "incident_updates");
	assert_int_equal(json_array_size(ups), 3);
	for (size_t i = 0; i < 3; i++)
		assert_string_equal(json_string_value(json_object_get(json_array_get(ups, i), "id")),
		    want[i]);
	json_decref(doc);
	free(text);
	sitemodel_free(m);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_api_golden),
		cmocka_unit_test(test_api_fields),
		cmocka_unit_test(test_hostile_html),
		cmocka_unit_test(test_index),
		cmocka_unit_test(test_index_new_install),
		cmocka_unit_test(test_stale),
		cmocka_unit_test(test_stale_never_read),
		cmocka_unit_test(test_incident_page),
		cmocka_unit_test(test_feeds),
		cmocka_unit_test(test_model_checks),
		cmocka_unit_test(test_update_order),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	xsltCleanupGlobals();
	xmlCleanupParser();
	return rc;
}
