/* sitemodel_xml.c: the render model as the one XML document the site's stylesheets read. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/tree.h>

#include "base/ascii.h"
#include "base/cstime.h"
#include "site/pubtime.h"
#include "site/sitemodel.h"
#include "site/xmlout.h"

/*
 * Layout (site/README.md has the full list):
 *   <status render generated-at>
 *     <page id url time-zone subscribe csp><name/><company/></page>
 *     <freshness render generated-at verified-at verified-age stale stale-since/>
 *     <summary indicator><description/></summary>
 *     <components><group name><component ...><days><d/>...</days></component></group></components>
 *     <incidents><incident ...><name/><component/><update><body/><affected/></update><cause/></incident></incidents>
 *     <maintenances><incident maintenance="yes" .../></maintenances>
 *     <aws><service .../></aws>
 *   </status>
 * Every time T is written as T (ISO 8601) and T-h (words, UTC); update
 * times also as T-rfc822 for RSS. The XSLT never formats a date.
 * Text goes in through xmlout.h, which escapes it.
 */

/* Writes name (ISO) and name-h (people), and name-rfc822 when rfc is set. */
static void
prop_time(struct xmlout *b, xmlNodePtr n, const char *name, int64_t t, int rfc)
{
	char buf[PUBTIME_LEN], key[64];

	if (t == 0)
		return;
	xmlout_prop(b, n, name, cstime_format_iso8601(t, buf, sizeof(buf)));
	snprintf(key, sizeof(key), "%s-h", name);
	xmlout_prop(b, n, key, pubtime_human(t, buf, sizeof(buf)));
	if (rfc) {
		snprintf(key, sizeof(key), "%s-rfc822", name);
		xmlout_prop(b, n, key, pubtime_rfc822(t, buf, sizeof(buf)));
	}
}

/*
 * The Content-Security-Policy of every page. The subscribe form may post
 * to another origin; that origin (and only it) joins form-action, and only
 * when it is plain scheme://host[:port] text.
 */
static void
csp_string(const char *subscribe, char *buf, size_t len)
{
	char origin[256] = "";
	const char *p;
	size_t n = 0;

	if (subscribe != NULL && (strncmp(subscribe, "https://", 8) == 0 ||
	    strncmp(subscribe, "http://", 7) == 0)) {
		p = strstr(subscribe, "://") + 3;
		while (p[n] != '\0' && p[n] != '/' && n < 200) {
			char c = p[n];

			if (!(ascii_isalpha(c) || ascii_isdigit(c) || c == '.' || c == '-' || c == ':'))
				break;
			n++;
		}
		if (n > 0 && (p[n] == '\0' || p[n] == '/'))
			snprintf(origin, sizeof(origin), " %.*s", (int)(p - subscribe + (ptrdiff_t)n),
			    subscribe);
	}
	snprintf(buf, len, "default-src 'none'; style-src 'self'; img-src 'self'; "
	    "form-action 'self'%s; base-uri 'none'", origin);
}

static void
add_cause(struct xmlout *b, xmlNodePtr parent, const struct sitemodel_cause *c)
{
	xmlNodePtr n = xmlout_child(b, parent, "cause", NULL);

	xmlout_prop(b, n, "slug", c->slug);
	xmlout_prop(b, n, "service", c->service);
	xmlout_prop(b, n, "region", c->region);
	xmlout_prop(b, n, "aws-state", status_aws_name(c->aws_state));
	xmlout_prop(b, n, "guid", c->guid);
	prop_time(b, n, "time", c->time, 0);
	if (n != NULL)
		xmlout_child(b, n, "title", c->title != NULL ? c->title : "");
}

/*
 * Day cells use one-letter codes (o d p m w x, n for no data): 2,700 cells
 * with long names would push index.html past its 60 KB budget.
 */
static const char *
status_class(int s)
{
	static const char *const codes[] = { "o", "d", "p", "m", "w", "x" };

	if (s < 0 || (size_t)s >= sizeof(codes) / sizeof(codes[0]))
		return "n";
	return codes[s];
}

static void
add_component(struct xmlout *b, xmlNodePtr group, const struct sitemodel *m, size_t pos)
{
	const struct sitemodel_component *c = &m->components[pos];
	xmlNodePtr n = xmlout_child(b, group, "component", NULL), days;
	char buf[PUBTIME_LEN], label[96];
	int64_t day0 = m->page.generated_at / 86400 - (SITEMODEL_DAYS - 1);
	int bad = 0;
	size_t i;

	if (n == NULL)
		return;
	xmlout_prop(b, n, "id", c->id);
	xmlout_prop(b, n, "status", status_component_name(c->status));
	xmlout_prop(b, n, "label", status_component_label(c->status));
	xmlout_prop_int(b, n, "position", (long long)pos + 1);
	prop_time(b, n, "updated-at", c->updated_at, 0);
	snprintf(buf, sizeof(buf), "%.2f", c->uptime);
	xmlout_prop(b, n, "uptime", buf);
	xmlout_child(b, n, "name", c->name);
	if (c->description != NULL && c->description[0] != '\0')
		xmlout_child(b, n, "description", c->description);
	for (i = 0; i < c->ncauses; i++)
		add_cause(b, n, &c->causes[i]);
	days = xmlout_child(b, n, "days", NULL);
	xmlout_prop(b, days, "first", pubtime_date(day0 * 86400, buf, sizeof(buf)));
	xmlout_prop(b, days, "first-h", pubtime_human(day0 * 86400, buf, sizeof(buf)));
	for (i = 0; i < SITEMODEL_DAYS && days != NULL; i++) {
		xmlNodePtr d = xmlout_child(b, days, "d", NULL);
		int s = c->day[i];

		xmlout_prop(b, d, "s", status_class(s));
		/*
		 * Only the days worth telling carry words: keeps index.html small
		 * (a new installation has 90 days of "no data" per component).
		 */
		if (s == STATUS_OPERATIONAL || s == SITEMODEL_NODATA)
			continue;
		pubtime_date((day0 + (int64_t)i) * 86400, buf, sizeof(buf));
		snprintf(label, sizeof(label), "%s: %s", buf, status_component_label((status_component)s));
		xmlout_prop(b, d, "label", label);
		bad++;
	}
	xmlout_prop_int(b, days, "bad", bad);
}

static void
add_components(struct xmlout *b, xmlNodePtr root, const struct sitemodel *m)
{
	xmlNodePtr comps = xmlout_child(b, root, "components", NULL);
	size_t i, j;

	/* groups in order of first appearance; each component once */
	for (i = 0; i < m->ncomponents && comps != NULL; i++) {
		const char *g = m->components[i].group != NULL ? m->components[i].group : "";
		xmlNodePtr gn;

		for (j = 0; j < i; j++) {
			const char *h = m->components[j].group != NULL ? m->components[j].group : "";

			if (strcmp(g, h) == 0)
				break;
		}
		if (j < i)
			continue;
		gn = xmlout_child(b, comps, "group", NULL);
		xmlout_prop(b, gn, "name", g);
		for (j = i; j < m->ncomponents && gn != NULL; j++) {
			const char *h = m->components[j].group != NULL ? m->components[j].group : "";

			if (strcmp(g, h) == 0)
				add_component(b, gn, m, j);
		}
	}
}

static const char *
comp_name(const struct sitemodel *m, const char *id)
{
	const struct sitemodel_component *c = sitemodel_find_component(m, id);

	return c != NULL ? c->name : id;
}

static void
add_incident(struct xmlout *b, xmlNodePtr parent, const struct sitemodel *m,
    const struct sitemodel_incident *in)
{
	xmlNodePtr n = xmlout_child(b, parent, "incident", NULL);
	const struct sitemodel_update **ups = NULL;
	char buf[PUBTIME_LEN + 1024];
	size_t i, j, ulen = strlen(m->page.url);

	if (n == NULL)
		return;
	xmlout_prop(b, n, "id", in->id);
	xmlout_prop(b, n, "status", sitemodel_istatus_name(in->status));
	xmlout_prop(b, n, "status-label", sitemodel_istatus_label(in->status));
	xmlout_prop(b, n, "impact", sitemodel_impact_name(in->impact));
	xmlout_prop(b, n, "active", sitemodel_incident_active(in) ? "yes" : "no");
	xmlout_prop(b, n, "maintenance", in->is_maintenance ? "yes" : "no");
	if (in->priority > 0) {
		snprintf(buf, sizeof(buf), "P%d", in->priority);
		xmlout_prop(b, n, "priority", buf);
	}
	prop_time(b, n, "created-at", in->created_at, 1);
	prop_time(b, n, "updated-at", sitemodel_incident_updated(in), 1);
	prop_time(b, n, "started-at", in->started_at, 0);
	prop_time(b, n, "monitoring-at", in->monitoring_at, 0);
	prop_time(b, n, "resolved-at", in->resolved_at, 0);
	prop_time(b, n, "scheduled-for", in->scheduled_for, 0);
	prop_time(b, n, "scheduled-until", in->scheduled_until, 0);
	if (sitemodel_incident_active(in))
		prop_time(b, n, "next-update-by", in->next_update_by, 0);
	xmlout_prop(b, n, "month", pubtime_month(in->created_at, buf, sizeof(buf)));
	snprintf(buf, sizeof(buf), "%.*s%sincidents/%s.html", (int)ulen, m->page.url,
	    ulen > 0 && m->page.url[ulen - 1] == '/' ? "" : "/", in->id);
	xmlout_prop(b, n, "url", buf);
	xmlout_prop(b, n, "shortlink", in->shortlink != NULL ? in->shortlink : buf);
	if (in->rca != SITEMODEL_RCA_NONE) {
		xmlout_prop(b, n, "rca", sitemodel_rca_name(in->rca));
		prop_time(b, n, "rca-due", in->rca_due, 0);
		xmlout_prop(b, n, "rca-url", in->rca_url);
	}
	xmlout_child(b, n, "name", in->name);
	if (in->rca_document != NULL)
		xmlout_prop(b, xmlout_child(b, n, "rca-document", in->rca_document), "final",
		    in->rca_document_final ? "yes" : "no");
	for (i = 0; i < in->ncomponents; i++) {
		xmlNodePtr c = xmlout_child(b, n, "component", comp_name(m, in->components[i]));

		xmlout_prop(b, c, "id", in->components[i]);
	}
	if (in->nupdates > 0) {
		ups = malloc(in->nupdates * sizeof(*ups));
		if (ups == NULL) {
			b->failed = 1;
			goto out;
		}
		for (i = 0; i < in->nupdates; i++)
			ups[i] = &in->updates[i];
		qsort(ups, in->nupdates, sizeof(*ups), sitemodel_update_cmp);
	}
	for (i = 0; i < in->nupdates; i++) {
		const struct sitemodel_update *u = ups[i];
		xmlNodePtr un = xmlout_child(b, n, "update", NULL);

		if (un == NULL)
			break;
		xmlout_prop(b, un, "id", u->id);
		xmlout_prop(b, un, "status", sitemodel_istatus_name(u->status));
		xmlout_prop(b, un, "status-label", sitemodel_istatus_label(u->status));
		prop_time(b, un, "created-at", u->created_at, 1);
		xmlout_child(b, un, "body", u->body != NULL ? u->body : "");
		for (j = 0; j < u->naffected; j++) {
			const struct sitemodel_affected *a = &u->affected[j];
			xmlNodePtr an = xmlout_child(b, un, "affected", comp_name(m, a->id));

			xmlout_prop(b, an, "id", a->id);
			xmlout_prop(b, an, "old", status_component_name(a->old_status));
			xmlout_prop(b, an, "new", status_component_name(a->new_status));
			xmlout_prop(b, an, "new-label", status_component_label(a->new_status));
		}
	}
	for (i = 0; i < in->ncauses; i++)
		add_cause(b, n, &in->causes[i]);
out:
	free(ups);
}

static int
cmp_incident(const void *a, const void *b)
{
	const struct sitemodel_incident *x = *(const struct sitemodel_incident *const *)a;
	const struct sitemodel_incident *y = *(const struct sitemodel_incident *const *)b;
	int64_t tx = x->is_maintenance ? x->scheduled_for : x->created_at;
	int64_t ty = y->is_maintenance ? y->scheduled_for : y->created_at;

	if (tx != ty)
		return tx > ty ? -1 : 1;
	return strcmp(y->id, x->id);
}

cs_err
sitemodel_sorted(const struct sitemodel *m, int maint, const struct sitemodel_incident ***out,
    size_t *n)
{
	const struct sitemodel_incident *list = maint ? m->maintenances : m->incidents;
	const struct sitemodel_incident **v = NULL;
	size_t k = maint ? m->nmaintenances : m->nincidents, i;

	*out = NULL;
	*n = 0;
	if (k == 0)
		return CS_OK;
	v = malloc(k * sizeof(*v));
	if (v == NULL)
		return CS_ERR_NOMEM;
	for (i = 0; i < k; i++)
		v[i] = &list[i];
	qsort(v, k, sizeof(*v), cmp_incident);
	*out = v;
	*n = k;
	return CS_OK;
}

/* What goes on the front page: an open incident, or a maintenance not yet completed. */
static int
current(const struct sitemodel_incident *in)
{
	return sitemodel_incident_active(in);
}

static void
add_incidents(struct xmlout *b, xmlNodePtr root, const struct sitemodel *m, int maint, int only_current)
{
	xmlNodePtr el = xmlout_child(b, root, maint ? "maintenances" : "incidents", NULL);
	const struct sitemodel_incident **v = NULL;
	size_t n = 0, i;

	if (el == NULL)
		return;
	if (sitemodel_sorted(m, maint, &v, &n) != CS_OK) {
		b->failed = 1;
		return;
	}
	for (i = 0; i < n && !b->failed; i++)
		if (!only_current || current(v[i]))
			add_incident(b, el, m, v[i]);
	free(v);
}

static void
add_page(struct xmlout *b, xmlNodePtr root, const struct sitemodel *m)
{
	xmlNodePtr n = xmlout_child(b, root, "page", NULL);
	char buf[1024];

	xmlout_prop(b, n, "id", m->page.id);
	xmlout_prop(b, n, "url", m->page.url);
	xmlout_prop(b, n, "time-zone", m->page.time_zone);
	xmlout_prop(b, n, "subscribe", m->page.subscribe_url);
	csp_string(m->page.subscribe_url, buf, sizeof(buf));
	xmlout_prop(b, n, "csp", buf);
	xmlout_child(b, n, "name", m->page.name);
	xmlout_child(b, n, "company", m->page.company != NULL ? m->page.company : "");
}

static cs_err
new_doc(xmlDocPtr *doc, xmlNodePtr *root)
{
	*doc = xmlNewDoc((const xmlChar *)"1.0");
	if (*doc == NULL)
		return CS_ERR_NOMEM;
	*root = xmlNewDocNode(*doc, NULL, (const xmlChar *)"status", NULL);
	if (*root == NULL)
		return CS_ERR_NOMEM;
	xmlDocSetRootElement(*doc, *root);
	return CS_OK;
}

cs_err
sitemodel_incidents_xml(const struct sitemodel *m, const struct sitemodel_incident *const *v,
    size_t n, xmlDocPtr *out)
{
	struct xmlout b = { 0 };
	xmlDocPtr doc = NULL;
	xmlNodePtr root = NULL, el;
	size_t i;
	cs_err rc;

	*out = NULL;
	rc = new_doc(&doc, &root);
	if (rc != CS_OK)
		goto out;
	add_page(&b, root, m);
	el = xmlout_child(&b, root, "incidents", NULL);
	for (i = 0; i < n && el != NULL && !b.failed; i++)
		add_incident(&b, el, m, v[i]);
	if (b.failed) {
		rc = CS_ERR_NOMEM;
		goto out;
	}
	*out = doc;
	doc = NULL;
out:
	xmlFreeDoc(doc);
	return rc;
}

static cs_err
build(const struct sitemodel *m, const char *render_id, int only_current, xmlDocPtr *out)
{
	struct xmlout b = { 0 };
	xmlDocPtr doc = NULL;
	xmlNodePtr root = NULL, n;
	size_t i;
	cs_err rc;

	*out = NULL;
	rc = new_doc(&doc, &root);
	if (rc != CS_OK)
		goto out;
	xmlout_prop(&b, root, "render", render_id != NULL ? render_id : "");
	prop_time(&b, root, "generated-at", m->page.generated_at, 0);
	add_page(&b, root, m);

	n = xmlout_child(&b, root, "freshness", NULL);
	xmlout_prop(&b, n, "render", render_id != NULL ? render_id : "");
	prop_time(&b, n, "generated-at", m->page.generated_at, 0);
	prop_time(&b, n, "verified-at", m->page.last_successful_poll, 0);
	/* Seconds from verification to this render: "updated N minutes ago" with no script. */
	if (m->page.last_successful_poll != 0)
		xmlout_prop_int(&b, n, "verified-age", m->page.generated_at > m->page.last_successful_poll ?
		    m->page.generated_at - m->page.last_successful_poll : 0);
	xmlout_prop(&b, n, "stale", m->page.stale ? "yes" : "no");
	if (m->page.stale)
		prop_time(&b, n, "stale-since", m->page.stale_since, 0);

	n = xmlout_child(&b, root, "summary", NULL);
	xmlout_prop(&b, n, "indicator", status_indicator_name(m->page.indicator));
	xmlout_child(&b, n, "description", sitemodel_description(m));

	add_components(&b, root, m);
	add_incidents(&b, root, m, 0, only_current);
	add_incidents(&b, root, m, 1, only_current);

	n = xmlout_child(&b, root, "aws", NULL);
	for (i = 0; i < m->naws && n != NULL; i++) {
		const struct sitemodel_aws *a = &m->aws[i];
		xmlNodePtr s = xmlout_child(&b, n, "service", NULL);

		xmlout_prop(&b, s, "slug", a->slug);
		xmlout_prop(&b, s, "region", a->region);
		xmlout_prop(&b, s, "state", status_aws_name(a->state));
		prop_time(&b, s, "updated-at", a->updated_at, 0);
		xmlout_child(&b, s, "name", a->service);
		if (a->title != NULL)
			xmlout_child(&b, s, "title", a->title);
	}
	if (b.failed) {
		rc = CS_ERR_NOMEM;
		goto out;
	}
	*out = doc;
	doc = NULL;
out:
	xmlFreeDoc(doc);
	return rc;
}

cs_err
sitemodel_to_xml(const struct sitemodel *m, const char *render_id, xmlDocPtr *out)
{
	return build(m, render_id, 0, out);
}

cs_err
sitemodel_index_xml(const struct sitemodel *m, const char *render_id, xmlDocPtr *out)
{
	return build(m, render_id, 1, out);
}
