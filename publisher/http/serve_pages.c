/* serve_pages.c: builds each page's small XML model with libxml2 and applies site/subscription.xsl. */
#include "http/serve_pages.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxslt/security.h>
#include <libxslt/transform.h>
#include <libxslt/variables.h>
#include <libxslt/xslt.h>
#include <libxslt/xsltInternals.h>
#include <libxslt/xsltutils.h>

#include "base/ascii.h"
#include "site/xmlout.h"

#ifndef SERVE_DEFAULT_SITE_SRC
#define SERVE_DEFAULT_SITE_SRC "site"
#endif

#define SHEET "subscription.xsl"

struct serve_pages {
	const struct config *cfg;
	char *base;                 /* "/subscriptions" */
	char root[1024];            /* the site's URL and '/' */
	char csp_meta[1024];        /* for the <meta> (frame-ancestors is ignored there) */
	char csp_header[1100];
	xsltStylesheetPtr sheet;
	xsltSecurityPrefsPtr sec;
};

/*
 * The origin of url ("https://status.example.com[:port]") into buf, or ""
 * when url is not plain scheme://host[:port] text (then 'self' is used:
 * nothing odd ever reaches the policy).
 */
static void
origin_of(const char *url, char *buf, size_t len)
{
	const char *p;
	size_t n = 0;

	buf[0] = '\0';
	if (url == NULL || (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0))
		return;
	p = strstr(url, "://") + 3;
	while (p[n] != '\0' && p[n] != '/' && n < 200) {
		char c = p[n];

		if (!(ascii_isalpha(c) || ascii_isdigit(c) || c == '.' || c == '-' || c == ':'))
			return;
		n++;
	}
	if (n > 0)
		snprintf(buf, len, "%.*s", (int)(p - url + (ptrdiff_t)n), url);
}

cs_err
serve_pages_new(const char *site_src, const struct config *cfg, const char *base,
    struct serve_pages **out, char *err, size_t errlen)
{
	struct serve_pages *p = NULL;
	char path[4096], origin[256];
	size_t n;
	cs_err rc = CS_OK;

	*out = NULL;
	if (site_src == NULL)
		site_src = SERVE_DEFAULT_SITE_SRC;
	xmlInitParser();
	p = calloc(1, sizeof(*p));
	if (p == NULL || (p->base = strdup(base)) == NULL) {
		rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "serve: out of memory");
		goto out;
	}
	p->cfg = cfg;
	n = strlen(cfg->site_url);
	while (n > 0 && cfg->site_url[n - 1] == '/')
		n--;
	snprintf(p->root, sizeof(p->root), "%.*s/", (int)n, cfg->site_url);
	origin_of(cfg->site_url, origin, sizeof(origin));
	snprintf(p->csp_meta, sizeof(p->csp_meta), "default-src 'none'; style-src %s; img-src %s; "
	    "form-action 'self'; base-uri 'none'", origin[0] ? origin : "'self'",
	    origin[0] ? origin : "'self'");
	snprintf(p->csp_header, sizeof(p->csp_header), "%s; frame-ancestors 'none'", p->csp_meta);
	p->sec = xmlout_security_new();
	if (p->sec == NULL) {
		rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "serve: out of memory");
		goto out;
	}
	snprintf(path, sizeof(path), "%s/%s", site_src, SHEET);
	rc = xmlout_sheet_load(path, &p->sheet, err, errlen);
	if (rc != CS_OK)
		goto out;
	*out = p;
	p = NULL;
out:
	serve_pages_free(p);
	return rc;
}

void
serve_pages_free(struct serve_pages *p)
{
	if (p == NULL)
		return;
	if (p->sheet != NULL)
		xsltFreeStylesheet(p->sheet);
	if (p->sec != NULL)
		xsltFreeSecurityPrefs(p->sec);
	free(p->base);
	free(p);
}

const char *
serve_pages_csp(const struct serve_pages *p)
{
	return p->csp_header;
}

/* Nonzero when id is in the JSON array followed (NULL or unreadable: every component). */
static int
follows(const json_t *ids, const char *id)
{
	size_t i;
	json_t *v;

	if (ids == NULL || !json_is_array(ids))
		return 1;
	json_array_foreach(ids, i, v)
		if (json_is_string(v) && strcmp(json_string_value(v), id) == 0)
			return 1;
	return 0;
}

/* The components with their checkboxes' state, in the configuration's order. */
static void
add_components(struct xmlout *b, xmlNodePtr sub, const struct config *cfg, const char *json)
{
	json_t *ids = json != NULL ? json_loads(json, 0, NULL) : NULL;

	for (size_t i = 0; i < cfg->ncomponents; i++) {
		const struct config_component *c = &cfg->components[i];
		xmlNodePtr n = xmlout_child(b, sub, "component", NULL);

		xmlout_prop(b, n, "id", c->id);
		xmlout_prop(b, n, "group", c->group != NULL ? c->group : "");
		xmlout_prop(b, n, "checked", follows(ids, c->id) ? "yes" : "no");
		xmlout_child(b, n, "name", c->name);
	}
	json_decref(ids);
}

/*
 * <status><page csp><name/><company/></page><subscription .../></status>:
 * the shape common.xsl reads (/status/page/name, /status/page/@csp).
 */
static xmlDocPtr
model(const struct serve_pages *p, const struct serve_view *v)
{
	struct xmlout b = { 0 };
	xmlDocPtr doc = xmlNewDoc((const xmlChar *)"1.0");
	xmlNodePtr root = NULL, page, sub;
	char num[32];

	if (doc == NULL)
		return NULL;
	root = xmlNewDocNode(doc, NULL, (const xmlChar *)"status", NULL);
	if (root == NULL) {
		xmlFreeDoc(doc);
		return NULL;
	}
	xmlDocSetRootElement(doc, root);
	page = xmlout_child(&b, root, "page", NULL);
	xmlout_prop(&b, page, "csp", p->csp_meta);
	xmlout_prop(&b, page, "url", p->cfg->site_url);
	xmlout_child(&b, page, "name", p->cfg->product);
	xmlout_child(&b, page, "company", p->cfg->company);
	sub = xmlout_child(&b, root, "subscription", NULL);
	xmlout_prop(&b, sub, "view", v->view);
	xmlout_prop(&b, sub, "base", p->base);
	xmlout_prop(&b, sub, "token", v->token);
	xmlout_prop(&b, sub, "unsubscribe-token", v->unsub_token);
	xmlout_prop(&b, sub, "state", v->state);
	if (v->problem != NULL)
		xmlout_child(&b, sub, "problem", v->problem);
	if (v->link != NULL)
		xmlout_child(&b, sub, "link", v->link);
	if (strcmp(v->view, "manage") == 0) {
		snprintf(num, sizeof(num), "%d", v->min_priority);
		xmlout_prop(&b, sub, "min-priority", num);
		xmlout_prop(&b, sub, "saved", v->saved ? "yes" : "no");
		add_components(&b, sub, p->cfg, v->components_json);
	}
	if (strcmp(v->view, "too-many") == 0) {
		snprintf(num, sizeof(num), "%lld", v->retry_minutes);
		xmlout_prop(&b, sub, "retry-minutes", num);
	}
	if (b.failed) {
		xmlFreeDoc(doc);
		return NULL;
	}
	return doc;
}

cs_err
serve_pages_render(struct serve_pages *p, const struct serve_view *v, char **html, size_t *len,
    char *err, size_t errlen)
{
	const char *params[] = { "root", p->root, NULL };
	xsltTransformContextPtr tc = NULL;
	xmlDocPtr doc = NULL, res = NULL;
	xmlChar *buf = NULL;
	int n = 0;
	cs_err rc = CS_OK;

	*html = NULL;
	*len = 0;
	doc = model(p, v);
	if (doc == NULL) {
		rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "serve: page %s: out of memory", v->view);
		goto out;
	}
	tc = xsltNewTransformContext(p->sheet, doc);
	if (tc == NULL || xsltSetCtxtSecurityPrefs(p->sec, tc) != 0) {
		rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "serve: page %s: out of memory", v->view);
		goto out;
	}
	/* The URL goes in as a string, quoted by libxslt, never as an XPath expression. */
	if (xsltQuoteUserParams(tc, params) != 0) {
		rc = cs_seterr(err, errlen, CS_ERR_INTERNAL, "serve: page %s: parameters", v->view);
		goto out;
	}
	res = xsltApplyStylesheetUser(p->sheet, doc, NULL, NULL, NULL, tc);
	if (res == NULL || tc->state != XSLT_STATE_OK ||
	    xsltSaveResultToString(&buf, &n, res, p->sheet) != 0 || buf == NULL) {
		rc = cs_seterr(err, errlen, CS_ERR_INTERNAL, "%s: transform failed for page %s", SHEET,
		    v->view);
		goto out;
	}
	*html = malloc((size_t)n + 1);
	if (*html == NULL) {
		rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "serve: page %s: out of memory", v->view);
		goto out;
	}
	memcpy(*html, buf, (size_t)n);
	(*html)[n] = '\0';
	*len = (size_t)n;
out:
	xmlFree(buf);
	xmlFreeDoc(res);
	if (tc != NULL)
		xsltFreeTransformContext(tc);
	xmlFreeDoc(doc);
	return rc;
}
