/* render.c: applies the site's XSLT stylesheets to the XML model, page by page, into a sink. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxslt/security.h>
#include <libxslt/transform.h>
#include <libxslt/xslt.h>
#include <libxslt/xsltInternals.h>
#include <libxslt/xsltutils.h>

#include "render.h"
#include "siteapi.h"

#define ASSET_MAX (1024 * 1024)       /* bytes of one stylesheet or asset */

enum sheet { SH_INDEX, SH_INCIDENT, SH_HISTORY, SH_ATOM, SH_RSS, SH_N };

static const char *const sheet_files[SH_N] = {
	"index.xsl", "incident.xsl", "history.xsl", "atom.xsl", "rss.xsl"
};
/* Included by the others: part of every page's inputs. */
static const char *const extra_files[] = { "common.xsl" };
static const char *const asset_files[] = { "style.css", "favicon.svg" };
#define NASSETS (sizeof(asset_files) / sizeof(asset_files[0]))

struct render_ctx {
	char *dir;
	xsltStylesheetPtr sheets[SH_N];
	xsltSecurityPrefsPtr sec;
	char *assets[NASSETS];
	size_t asset_len[NASSETS];
	char tmpl_hash[RENDER_HASHLEN]; /* of every stylesheet: any edit re-renders all */
};

/*
 * The per-page input hash. Two independent 64-bit mixes (FNV-1a and a
 * multiply-rotate) side by side: 128 bits, so a collision between two
 * versions of a page (which would keep a stale page) is out of reach, yet
 * it costs about one pass over the bytes. It is a cache key, not a
 * defence against an adversary who chooses both versions.
 */
struct hstate {
	uint64_t a, b;
};

static void
h_init(struct hstate *h)
{
	h->a = 0xcbf29ce484222325ULL;
	h->b = 0x9e3779b97f4a7c15ULL;
}

static void
h_update(struct hstate *h, const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t a = h->a, b = h->b;
	size_t i;

	for (i = 0; i < len; i++) {
		a = (a ^ p[i]) * 0x100000001b3ULL;
		b = (b + p[i] + 1) * 0xff51afd7ed558ccdULL;
		b ^= b >> 29;
	}
	/* the length separates concatenations ("ab"+"c" from "a"+"bc") */
	a = (a ^ (uint64_t)len) * 0x100000001b3ULL;
	b = (b ^ (uint64_t)len) * 0xc4ceb9fe1a85ec53ULL;
	h->a = a;
	h->b = b;
}

static void
h_final(struct hstate *h, char out[RENDER_HASHLEN])
{
	uint64_t b = h->b;

	b ^= b >> 33;
	b *= 0xff51afd7ed558ccdULL;
	b ^= b >> 33;
	snprintf(out, RENDER_HASHLEN, "%016llx%016llx", (unsigned long long)h->a,
	    (unsigned long long)b);
}

void
render_hash(const void *data, size_t len, char out[RENDER_HASHLEN])
{
	struct hstate h;

	h_init(&h);
	h_update(&h, data, len);
	h_final(&h, out);
}

static cs_err
read_file(const char *dir, const char *name, char **out, size_t *len, char *err, size_t errlen)
{
	char path[4096];
	FILE *fp = NULL;
	char *buf = NULL;
	size_t n = 0, r;
	cs_err rc = CS_OK;

	*out = NULL;
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	fp = fopen(path, "rb");
	if (fp == NULL) {
		rc = cs_seterr(err, errlen, CS_ERR_IO, "%s: cannot open", path);
		goto out;
	}
	buf = malloc(ASSET_MAX + 1);
	if (buf == NULL) {
		rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "%s: out of memory", path);
		goto out;
	}
	while ((r = fread(buf + n, 1, ASSET_MAX + 1 - n, fp)) > 0)
		n += r;
	if (ferror(fp)) {
		rc = cs_seterr(err, errlen, CS_ERR_IO, "%s: read error", path);
		goto out;
	}
	if (n > ASSET_MAX) {
		rc = cs_seterr(err, errlen, CS_ERR_TOOBIG, "%s: larger than %d bytes", path, ASSET_MAX);
		goto out;
	}
	buf[n] = '\0';
	*out = buf;
	*len = n;
	buf = NULL;
out:
	free(buf);
	if (fp != NULL)
		fclose(fp);
	return rc;
}

cs_err
render_ctx_new(const char *site_src, struct render_ctx **out, char *err, size_t errlen)
{
	struct render_ctx *ctx = NULL;
	struct hstate h;
	char *text = NULL;
	size_t len, i;
	cs_err rc = CS_OK;

	*out = NULL;
	if (site_src == NULL)
		site_src = RENDER_DEFAULT_SITE_SRC;
	xmlInitParser();
	ctx = calloc(1, sizeof(*ctx));
	if (ctx == NULL || (ctx->dir = strdup(site_src)) == NULL) {
		rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "render: out of memory");
		goto out;
	}
	ctx->sec = xsltNewSecurityPrefs();
	if (ctx->sec == NULL ||
	    xsltSetSecurityPrefs(ctx->sec, XSLT_SECPREF_WRITE_FILE, xsltSecurityForbid) != 0 ||
	    xsltSetSecurityPrefs(ctx->sec, XSLT_SECPREF_CREATE_DIRECTORY, xsltSecurityForbid) != 0 ||
	    xsltSetSecurityPrefs(ctx->sec, XSLT_SECPREF_READ_NETWORK, xsltSecurityForbid) != 0 ||
	    xsltSetSecurityPrefs(ctx->sec, XSLT_SECPREF_WRITE_NETWORK, xsltSecurityForbid) != 0) {
		rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "render: out of memory");
		goto out;
	}
	h_init(&h);
	for (i = 0; i < SH_N + 1; i++) {
		const char *name = i < SH_N ? sheet_files[i] : extra_files[0];

		rc = read_file(site_src, name, &text, &len, err, errlen);
		if (rc != CS_OK)
			goto out;
		h_update(&h, name, strlen(name));
		h_update(&h, text, len);
		free(text);
		text = NULL;
	}
	h_final(&h, ctx->tmpl_hash);
	for (i = 0; i < SH_N; i++) {
		char path[4096];
		xmlDocPtr doc;

		snprintf(path, sizeof(path), "%s/%s", site_src, sheet_files[i]);
		doc = xmlReadFile(path, NULL, XML_PARSE_NONET);
		if (doc == NULL) {
			rc = cs_seterr(err, errlen, CS_ERR_PARSE, "%s: not well-formed XML", path);
			goto out;
		}
		ctx->sheets[i] = xsltParseStylesheetDoc(doc);
		if (ctx->sheets[i] == NULL) {
			xmlFreeDoc(doc);
			rc = cs_seterr(err, errlen, CS_ERR_PARSE, "%s: stylesheet does not compile", path);
			goto out;
		}
	}
	for (i = 0; i < NASSETS; i++) {
		rc = read_file(site_src, asset_files[i], &ctx->assets[i], &ctx->asset_len[i], err,
		    errlen);
		if (rc != CS_OK)
			goto out;
	}
	*out = ctx;
	ctx = NULL;
out:
	free(text);
	render_ctx_free(ctx);
	return rc;
}

void
render_ctx_free(struct render_ctx *ctx)
{
	size_t i;

	if (ctx == NULL)
		return;
	for (i = 0; i < SH_N; i++)
		if (ctx->sheets[i] != NULL)
			xsltFreeStylesheet(ctx->sheets[i]);
	for (i = 0; i < NASSETS; i++)
		free(ctx->assets[i]);
	if (ctx->sec != NULL)
		xsltFreeSecurityPrefs(ctx->sec);
	free(ctx->dir);
	free(ctx);
}

/* Applies sheet to doc with XSLT params (name, XPath value, ..., NULL) and hands the bytes to the sink. */
static cs_err
transform(struct render_ctx *ctx, enum sheet s, xmlDocPtr doc, const char **params,
    const char *path, const char *hash, const struct render_sink *sink, char *err,
    size_t errlen)
{
	xsltTransformContextPtr tc = NULL;
	xmlDocPtr res = NULL;
	xmlChar *buf = NULL;
	int len = 0;
	cs_err rc = CS_OK;

	tc = xsltNewTransformContext(ctx->sheets[s], doc);
	if (tc == NULL) {
		rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "%s: out of memory", path);
		goto out;
	}
	if (xsltSetCtxtSecurityPrefs(ctx->sec, tc) != 0) {
		rc = cs_seterr(err, errlen, CS_ERR_INTERNAL, "%s: security prefs", path);
		goto out;
	}
	res = xsltApplyStylesheetUser(ctx->sheets[s], doc, params, NULL, NULL, tc);
	if (res == NULL || tc->state != XSLT_STATE_OK) {
		rc = cs_seterr(err, errlen, CS_ERR_INTERNAL, "%s/%s: transform failed for %s",
		    ctx->dir, sheet_files[s], path);
		goto out;
	}
	if (xsltSaveResultToString(&buf, &len, res, ctx->sheets[s]) != 0 || buf == NULL) {
		rc = cs_seterr(err, errlen, CS_ERR_INTERNAL, "%s/%s: cannot serialise %s",
		    ctx->dir, sheet_files[s], path);
		goto out;
	}
	rc = sink->put(sink->arg, path, hash, buf, (size_t)len);
	if (rc != CS_OK)
		cs_seterr(err, errlen, rc, "%s: cannot store", path);
out:
	xmlFree(buf);
	xmlFreeDoc(res);
	if (tc != NULL)
		xsltFreeTransformContext(tc);
	return rc;
}

static xmlNodePtr
first_child(xmlNodePtr parent, const char *name)
{
	xmlNodePtr n;

	for (n = parent != NULL ? parent->children : NULL; n != NULL; n = n->next)
		if (n->type == XML_ELEMENT_NODE && strcmp((const char *)n->name, name) == 0)
			return n;
	return NULL;
}

/* Adds the serialised subtree of n to the hash (buf is scratch). */
static int
h_node(struct hstate *h, xmlBufferPtr buf, xmlDocPtr doc, xmlNodePtr n)
{
	xmlBufferEmpty(buf);
	if (xmlNodeDump(buf, doc, n, 0, 0) < 0)
		return -1;
	h_update(h, xmlBufferContent(buf), (size_t)xmlBufferLength(buf));
	return 0;
}

/* A new document <status> holding copies of the page element and of nodes[0..n). */
static xmlDocPtr
page_doc(xmlNodePtr page, const char *wrap, xmlNodePtr *nodes, size_t n)
{
	xmlDocPtr doc = xmlNewDoc((const xmlChar *)"1.0");
	xmlNodePtr root = NULL, parent, c;
	size_t i;

	if (doc == NULL)
		goto fail;
	root = xmlNewDocNode(doc, NULL, (const xmlChar *)"status", NULL);
	if (root == NULL)
		goto fail;
	xmlDocSetRootElement(doc, root);
	c = xmlDocCopyNode(page, doc, 1);
	if (c == NULL || xmlAddChild(root, c) == NULL)
		goto fail;
	parent = root;
	if (wrap != NULL) {
		parent = xmlNewChild(root, NULL, (const xmlChar *)wrap, NULL);
		if (parent == NULL)
			goto fail;
	}
	for (i = 0; i < n; i++) {
		c = xmlDocCopyNode(nodes[i], doc, 1);
		if (c == NULL || xmlAddChild(parent, c) == NULL)
			goto fail;
	}
	return doc;
fail:
	xmlFreeDoc(doc);
	return NULL;
}

struct walk {
	struct render_ctx *ctx;
	const struct render_sink *sink;
	xmlDocPtr full;
	xmlNodePtr page;
	xmlBufferPtr buf;
	char *err;
	size_t errlen;
};

/* One incident (or maintenance) page, unless the sink still has it. */
static cs_err
incident_page(struct walk *w, xmlNodePtr inc)
{
	static const char *params[] = { "root", "'../'", NULL };
	xmlChar *id = xmlGetProp(inc, (const xmlChar *)"id");
	char path[256], hash[RENDER_HASHLEN];
	struct hstate h;
	xmlDocPtr doc = NULL;
	cs_err rc = CS_OK;
	int r;

	if (id == NULL) {
		rc = cs_seterr(w->err, w->errlen, CS_ERR_INTERNAL, "incident without id");
		goto out;
	}
	snprintf(path, sizeof(path), "incidents/%s.html", (const char *)id);
	h_init(&h);
	h_update(&h, w->ctx->tmpl_hash, RENDER_HASHLEN);
	if (h_node(&h, w->buf, w->full, w->page) != 0 || h_node(&h, w->buf, w->full, inc) != 0) {
		rc = cs_seterr(w->err, w->errlen, CS_ERR_NOMEM, "%s: out of memory", path);
		goto out;
	}
	h_final(&h, hash);
	r = w->sink->reuse(w->sink->arg, path, hash);
	if (r < 0) {
		rc = cs_seterr(w->err, w->errlen, CS_ERR_IO, "%s: cannot reuse", path);
		goto out;
	}
	if (r == 1)
		goto out;
	doc = page_doc(w->page, NULL, &inc, 1);
	if (doc == NULL) {
		rc = cs_seterr(w->err, w->errlen, CS_ERR_NOMEM, "%s: out of memory", path);
		goto out;
	}
	rc = transform(w->ctx, SH_INCIDENT, doc, params, path, hash, w->sink, w->err, w->errlen);
out:
	xmlFreeDoc(doc);
	xmlFree(id);
	return rc;
}

/*
 * A page made of a slice of incidents: history page `num` of `pages`, or
 * (sheet SH_ATOM / SH_RSS) a feed. The XSLT gets the page number and count
 * as params; they are part of the hash.
 */
static cs_err
slice_page(struct walk *w, enum sheet s, const char *path, xmlNodePtr *v, size_t n,
    size_t num, size_t pages)
{
	char hash[RENDER_HASHLEN], pnum[32], ptot[32];
	const char *params[] = { "root", "''", "page", pnum, "pages", ptot, NULL };
	struct hstate h;
	xmlDocPtr doc = NULL;
	cs_err rc = CS_OK;
	size_t i;
	int r;

	snprintf(pnum, sizeof(pnum), "%zu", num);
	snprintf(ptot, sizeof(ptot), "%zu", pages);
	h_init(&h);
	h_update(&h, w->ctx->tmpl_hash, RENDER_HASHLEN);
	h_update(&h, path, strlen(path));
	h_update(&h, pnum, strlen(pnum));
	h_update(&h, ptot, strlen(ptot));
	if (h_node(&h, w->buf, w->full, w->page) != 0) {
		rc = cs_seterr(w->err, w->errlen, CS_ERR_NOMEM, "%s: out of memory", path);
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (h_node(&h, w->buf, w->full, v[i]) != 0) {
			rc = cs_seterr(w->err, w->errlen, CS_ERR_NOMEM, "%s: out of memory", path);
			goto out;
		}
	}
	h_final(&h, hash);
	r = w->sink->reuse(w->sink->arg, path, hash);
	if (r < 0) {
		rc = cs_seterr(w->err, w->errlen, CS_ERR_IO, "%s: cannot reuse", path);
		goto out;
	}
	if (r == 1)
		goto out;
	doc = page_doc(w->page, "incidents", v, n);
	if (doc == NULL) {
		rc = cs_seterr(w->err, w->errlen, CS_ERR_NOMEM, "%s: out of memory", path);
		goto out;
	}
	rc = transform(w->ctx, s, doc, params, path, hash, w->sink, w->err, w->errlen);
out:
	xmlFreeDoc(doc);
	return rc;
}

/* Element children of parent named name, in document order; *out owned (free()). */
static cs_err
collect(xmlNodePtr parent, xmlNodePtr **out, size_t *n)
{
	xmlNodePtr c, *v = NULL;
	size_t k = 0, cap = 0;
	cs_err rc = CS_OK;

	*out = NULL;
	*n = 0;
	for (c = parent != NULL ? parent->children : NULL; c != NULL; c = c->next) {
		if (c->type != XML_ELEMENT_NODE)
			continue;
		if (k == cap) {
			size_t ncap = cap == 0 ? 64 : cap * 2;
			xmlNodePtr *nv = realloc(v, ncap * sizeof(*v));

			if (nv == NULL) {
				rc = CS_ERR_NOMEM;
				goto out;
			}
			v = nv;
			cap = ncap;
		}
		v[k++] = c;
	}
	*out = v;
	*n = k;
	v = NULL;
out:
	free(v);
	return rc;
}

static int
cmp_updated(const void *a, const void *b)
{
	xmlNodePtr x = *(const xmlNodePtr *)a, y = *(const xmlNodePtr *)b;
	xmlChar *ux = xmlGetProp(x, (const xmlChar *)"updated-at");
	xmlChar *uy = xmlGetProp(y, (const xmlChar *)"updated-at");
	int r;

	/* ISO 8601 UTC strings of one width sort as times */
	r = -strcmp(ux != NULL ? (const char *)ux : "", uy != NULL ? (const char *)uy : "");
	xmlFree(ux);
	xmlFree(uy);
	return r;
}

cs_err
render_site(struct render_ctx *ctx, const struct sitemodel *m, const char *render_id,
    const struct render_sink *sink, char *err, size_t errlen)
{
	static const char *index_params[] = { "root", "''", NULL };
	struct walk w = { ctx, sink, NULL, NULL, NULL, err, errlen };
	xmlNodePtr *inc = NULL, *mnt = NULL, *feed = NULL;
	size_t ninc = 0, nmnt = 0, i, pages;
	char *json = NULL;
	size_t jlen;
	cs_err rc;

	rc = sitemodel_to_xml(m, render_id, &w.full);
	if (rc != CS_OK) {
		cs_seterr(err, errlen, rc, "render: cannot build the XML model");
		goto out;
	}
	w.buf = xmlBufferCreate();
	if (w.buf == NULL) {
		rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "render: out of memory");
		goto out;
	}
	w.page = first_child(xmlDocGetRootElement(w.full), "page");
	rc = collect(first_child(xmlDocGetRootElement(w.full), "incidents"), &inc, &ninc);
	if (rc == CS_OK)
		rc = collect(first_child(xmlDocGetRootElement(w.full), "maintenances"), &mnt, &nmnt);
	if (rc != CS_OK) {
		cs_seterr(err, errlen, rc, "render: out of memory");
		goto out;
	}

	/* index.html carries the render id and the freshness: made every time */
	rc = transform(ctx, SH_INDEX, w.full, index_params, "index.html", "", sink, err, errlen);
	if (rc != CS_OK)
		goto out;
	for (i = 0; i < SITEAPI_NFILES; i++) {
		rc = siteapi_build(m, render_id, (enum siteapi_file)i, &json, &jlen);
		if (rc != CS_OK) {
			cs_seterr(err, errlen, rc, "%s: cannot build", siteapi_path((enum siteapi_file)i));
			goto out;
		}
		rc = sink->put(sink->arg, siteapi_path((enum siteapi_file)i), "", json, jlen);
		if (rc != CS_OK) {
			cs_seterr(err, errlen, rc, "%s: cannot store", siteapi_path((enum siteapi_file)i));
			goto out;
		}
		free(json);
		json = NULL;
	}
	for (i = 0; i < NASSETS; i++) {
		char hash[RENDER_HASHLEN];
		int r;

		render_hash(ctx->assets[i], ctx->asset_len[i], hash);
		r = sink->reuse(sink->arg, asset_files[i], hash);
		if (r == 1)
			continue;
		rc = r < 0 ? CS_ERR_IO : sink->put(sink->arg, asset_files[i], hash, ctx->assets[i],
		    ctx->asset_len[i]);
		if (rc != CS_OK) {
			cs_seterr(err, errlen, rc, "%s: cannot store", asset_files[i]);
			goto out;
		}
	}
	for (i = 0; i < ninc; i++) {
		rc = incident_page(&w, inc[i]);
		if (rc != CS_OK)
			goto out;
	}
	for (i = 0; i < nmnt; i++) {
		rc = incident_page(&w, mnt[i]);
		if (rc != CS_OK)
			goto out;
	}
	pages = ninc == 0 ? 1 : (ninc + RENDER_HISTORY_PER_PAGE - 1) / RENDER_HISTORY_PER_PAGE;
	for (i = 0; i < pages; i++) {
		char path[64];
		size_t off = i * RENDER_HISTORY_PER_PAGE;
		size_t n = ninc - off < RENDER_HISTORY_PER_PAGE ? ninc - off : RENDER_HISTORY_PER_PAGE;

		if (ninc == 0)
			n = 0;
		if (i == 0)
			snprintf(path, sizeof(path), "history.html");
		else
			snprintf(path, sizeof(path), "history-%zu.html", i + 1);
		rc = slice_page(&w, SH_HISTORY, path, inc + off, n, i + 1, pages);
		if (rc != CS_OK)
			goto out;
	}
	/*
	 * The feeds: the RENDER_FEED_MAX most recently updated incidents hold
	 * the RENDER_FEED_MAX newest updates (an incident's updated-at is its
	 * newest update), so the stylesheet needs no more than those.
	 */
	if (ninc > 0) {
		feed = malloc(ninc * sizeof(*feed));
		if (feed == NULL) {
			rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "render: out of memory");
			goto out;
		}
		memcpy(feed, inc, ninc * sizeof(*feed));
		qsort(feed, ninc, sizeof(*feed), cmp_updated);
	}
	rc = slice_page(&w, SH_ATOM, "history.atom", feed, ninc < RENDER_FEED_MAX ? ninc :
	    RENDER_FEED_MAX, 1, 1);
	if (rc != CS_OK)
		goto out;
	rc = slice_page(&w, SH_RSS, "history.rss", feed, ninc < RENDER_FEED_MAX ? ninc :
	    RENDER_FEED_MAX, 1, 1);
out:
	free(json);
	free(inc);
	free(mnt);
	free(feed);
	if (w.buf != NULL)
		xmlBufferFree(w.buf);
	xmlFreeDoc(w.full);
	return rc;
}
