/* render.c: applies the site's XSLT stylesheets to the XML model, page by page, into a sink. */
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxslt/security.h>
#include <libxslt/transform.h>
#include <libxslt/xslt.h>
#include <libxslt/xsltInternals.h>
#include <libxslt/xsltutils.h>

#include "site/digest.h"
#include "site/render.h"
#include "site/xmlout.h"
#include "site/siteapi.h"

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
	/* one compiled copy per thread: libxslt and libxml2 fill lazy caches
	 * inside compiled stylesheets and XPath expressions while they run,
	 * so threads never share one */
	xsltStylesheetPtr sheets[RENDER_THREADS][SH_N];
	size_t nsets;
	xsltSecurityPrefsPtr sec;
	char *assets[NASSETS];
	size_t asset_len[NASSETS];
	char tmpl_hash[RENDER_HASHLEN]; /* of every stylesheet: any edit re-renders all */
};

void
render_hash(const void *data, size_t len, char out[RENDER_HASHLEN])
{
	struct digest d;

	digest_init(&d);
	digest_update(&d, data, len);
	digest_hex(&d, out);
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
	struct digest h;
	char *text = NULL;
	size_t len, i, k;
	long ncpu;
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
	ctx->sec = xmlout_security_new();
	if (ctx->sec == NULL) {
		rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "render: out of memory");
		goto out;
	}
	digest_init(&h);
	for (i = 0; i < SH_N + 1; i++) {
		const char *name = i < SH_N ? sheet_files[i] : extra_files[0];

		rc = read_file(site_src, name, &text, &len, err, errlen);
		if (rc != CS_OK)
			goto out;
		digest_str(&h, name);
		digest_update(&h, text, len);
		free(text);
		text = NULL;
	}
	digest_hex(&h, ctx->tmpl_hash);
	ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	ctx->nsets = ncpu > 1 ? (size_t)ncpu : 1;
	if (ctx->nsets > RENDER_THREADS)
		ctx->nsets = RENDER_THREADS;
	for (k = 0; k < ctx->nsets * SH_N; k++) {
		char path[4096];
		xmlDocPtr doc;

		i = k % SH_N;
		snprintf(path, sizeof(path), "%s/%s", site_src, sheet_files[i]);
		doc = xmlReadFile(path, NULL, XML_PARSE_NONET);
		if (doc == NULL) {
			rc = cs_seterr(err, errlen, CS_ERR_PARSE, "%s: not well-formed XML", path);
			goto out;
		}
		ctx->sheets[k / SH_N][i] = xsltParseStylesheetDoc(doc);
		if (ctx->sheets[k / SH_N][i] == NULL) {
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
	size_t i, k;

	if (ctx == NULL)
		return;
	for (k = 0; k < RENDER_THREADS; k++)
		for (i = 0; i < SH_N; i++)
			if (ctx->sheets[k][i] != NULL)
				xsltFreeStylesheet(ctx->sheets[k][i]);
	for (i = 0; i < NASSETS; i++)
		free(ctx->assets[i]);
	if (ctx->sec != NULL)
		xsltFreeSecurityPrefs(ctx->sec);
	free(ctx->dir);
	free(ctx);
}

/* Applies sheet to doc with XSLT params (name, XPath value, ..., NULL) and hands the bytes to the sink. */
static cs_err
transform(struct render_ctx *ctx, size_t set, enum sheet s, xmlDocPtr doc, const char **params,
    const char *path, const char *hash, const struct render_sink *sink, char *err,
    size_t errlen)
{
	xsltTransformContextPtr tc = NULL;
	xmlDocPtr res = NULL;
	xmlChar *buf = NULL;
	int len = 0;
	cs_err rc = CS_OK;

	tc = xsltNewTransformContext(ctx->sheets[set][s], doc);
	if (tc == NULL) {
		rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "%s: out of memory", path);
		goto out;
	}
	if (xsltSetCtxtSecurityPrefs(ctx->sec, tc) != 0) {
		rc = cs_seterr(err, errlen, CS_ERR_INTERNAL, "%s: security prefs", path);
		goto out;
	}
	res = xsltApplyStylesheetUser(ctx->sheets[set][s], doc, params, NULL, NULL, tc);
	if (res == NULL || tc->state != XSLT_STATE_OK) {
		rc = cs_seterr(err, errlen, CS_ERR_INTERNAL, "%s/%s: transform failed for %s",
		    ctx->dir, sheet_files[s], path);
		goto out;
	}
	if (xsltSaveResultToString(&buf, &len, res, ctx->sheets[set][s]) != 0 || buf == NULL) {
		rc = cs_seterr(err, errlen, CS_ERR_INTERNAL, "%s/%s: cannot serialise %s",
		    ctx->dir, sheet_files[s], path);
		goto out;
	}
	/* on failure the sink's message (the file and the cause) is the message */
	rc = sink->put(sink->arg, path, hash, buf, (size_t)len, err, errlen);
out:
	xmlFree(buf);
	xmlFreeDoc(res);
	if (tc != NULL)
		xsltFreeTransformContext(tc);
	return rc;
}

struct walk {
	struct render_ctx *ctx;
	size_t set;                   /* which copy of the stylesheets this thread uses */
	const struct sitemodel *m;
	const struct render_sink *sink;
	struct digest base;           /* stylesheets and page: in every page's inputs */
	char *err;
	size_t errlen;
};

/* One page to make from incidents v[0..n) (dig[i] the digest of v[i]). */
struct job {
	enum sheet s;                 /* SH_INCIDENT, SH_HISTORY, SH_ATOM or SH_RSS */
	char path[128];
	const struct sitemodel_incident *const *v;
	const struct digest *d;
	size_t n, num, pages;         /* history page num of pages */
	char hash[RENDER_HASHLEN];    /* input hash, set by job_check */
	int todo;                     /* 1: the sink does not have it: make it */
};

/*
 * The input hash of a page covers the stylesheets, the page, the path,
 * the page numbers and the digests of its incidents. When the sink still
 * has a file made from the same inputs, nothing is built at all.
 */
static cs_err
job_check(struct walk *w, struct job *j)
{
	struct digest h = w->base;
	size_t i;
	int r;

	digest_str(&h, j->path);
	digest_i64(&h, (int64_t)j->num);
	digest_i64(&h, (int64_t)j->pages);
	for (i = 0; i < j->n; i++)
		digest_update(&h, &j->d[i], sizeof(j->d[i]));
	digest_hex(&h, j->hash);
	r = w->sink->reuse(w->sink->arg, j->path, j->hash);
	if (r < 0)
		return cs_seterr(w->err, w->errlen, CS_ERR_IO, "%s: cannot reuse", j->path);
	j->todo = r != 1;
	return CS_OK;
}

/* Builds the page's small XML document and applies its stylesheet. */
static cs_err
job_make(struct walk *w, const struct job *j)
{
	char pnum[32], ptot[32];
	const char *params[] = { "root", j->s == SH_INCIDENT ? "'../'" : "''", "page", pnum,
		"pages", ptot, NULL };
	xmlDocPtr doc = NULL;
	cs_err rc;

	snprintf(pnum, sizeof(pnum), "%zu", j->num);
	snprintf(ptot, sizeof(ptot), "%zu", j->pages);
	rc = sitemodel_incidents_xml(w->m, j->v, j->n, &doc);
	if (rc != CS_OK) {
		cs_seterr(w->err, w->errlen, rc, "%s: cannot build the XML model", j->path);
		goto out;
	}
	rc = transform(w->ctx, w->set, j->s, doc, params, j->path, j->hash, w->sink, w->err, w->errlen);
out:
	xmlFreeDoc(doc);
	return rc;
}

/* Digests of v[0..n), one per incident. *out owned. */
static cs_err
digests(const struct sitemodel *m, const struct sitemodel_incident *const *v, size_t n,
    struct digest **out)
{
	struct digest *d = NULL;
	size_t i;

	*out = NULL;
	if (n == 0)
		return CS_OK;
	d = malloc(n * sizeof(*d));
	if (d == NULL)
		return CS_ERR_NOMEM;
	for (i = 0; i < n; i++) {
		digest_init(&d[i]);
		sitemodel_incident_digest(m, v[i], &d[i]);
	}
	*out = d;
	return CS_OK;
}

struct byupdated {
	const struct sitemodel_incident *in;
	int64_t t;
	struct digest d;
};

static int
cmp_updated(const void *a, const void *b)
{
	const struct byupdated *x = a, *y = b;

	if (x->t != y->t)
		return x->t > y->t ? -1 : 1;
	return strcmp(y->in->id, x->in->id);
}

/*
 * The feeds: the RENDER_FEED_MAX most recently updated incidents hold the
 * RENDER_FEED_MAX newest updates (an incident's updated time is at least
 * that of its newest update), so the stylesheets need no more than those.
 * Fills *fv and *fd (owned) with *k of them, newest first.
 */
static cs_err
feed_slice(const struct sitemodel_incident *const *v, const struct digest *dig, size_t n,
    const struct sitemodel_incident ***fv, struct digest **fd, size_t *k)
{
	struct byupdated *u = NULL;
	size_t i;
	cs_err rc = CS_OK;

	*fv = NULL;
	*fd = NULL;
	*k = n < RENDER_FEED_MAX ? n : RENDER_FEED_MAX;
	if (n == 0)
		goto out;
	u = malloc(n * sizeof(*u));
	*fv = malloc(*k * sizeof(**fv));
	*fd = malloc(*k * sizeof(**fd));
	if (u == NULL || *fv == NULL || *fd == NULL) {
		rc = CS_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < n; i++) {
		u[i].in = v[i];
		u[i].t = sitemodel_incident_updated(v[i]);
		u[i].d = dig[i];
	}
	qsort(u, n, sizeof(*u), cmp_updated);
	for (i = 0; i < *k; i++) {
		(*fv)[i] = u[i].in;
		(*fd)[i] = u[i].d;
	}
out:
	free(u);
	return rc;
}

/*
 * Pages are independent, so they are made by a few threads, each with its
 * own compiled copy of the stylesheets (libxslt caches template lookups
 * and libxml2 XPath function lookups inside the compiled objects as they
 * run: helgrind reports those writes as races when threads share one).
 * The sink is not thread-safe: every call to it goes through one mutex,
 * so a sink never sees two calls at once.
 */
struct pool {
	struct walk w;                /* w.sink is the locked sink below */
	const struct render_sink *inner;
	struct render_sink locked;
	pthread_mutex_t mu;
	struct job **jobs;            /* the ones to make */
	size_t njobs;
	atomic_size_t next;
	atomic_int failed;
	cs_err rc;                    /* first failure, under mu */
	char *err;                    /* caller's buffer, under mu */
	size_t errlen;
};

static int
locked_reuse(void *arg, const char *path, const char *hash)
{
	struct pool *p = arg;
	int r;

	pthread_mutex_lock(&p->mu);
	r = p->inner->reuse(p->inner->arg, path, hash);
	pthread_mutex_unlock(&p->mu);
	return r;
}

static cs_err
locked_put(void *arg, const char *path, const char *hash, const void *data, size_t len,
    char *err, size_t errlen)
{
	struct pool *p = arg;
	cs_err rc;

	pthread_mutex_lock(&p->mu);
	rc = p->inner->put(p->inner->arg, path, hash, data, len, err, errlen);
	pthread_mutex_unlock(&p->mu);
	return rc;
}

struct worker_arg {
	struct pool *p;
	size_t set;
};

static void *
worker(void *arg)
{
	struct pool *p = ((struct worker_arg *)arg)->p;
	struct walk w = p->w;
	char err[CS_ERRLEN];
	size_t i;
	cs_err rc;

	w.set = ((struct worker_arg *)arg)->set;
	w.err = err;
	w.errlen = sizeof(err);
	for (;;) {
		i = atomic_fetch_add(&p->next, 1);
		if (i >= p->njobs || atomic_load(&p->failed))
			break;
		err[0] = '\0';
		rc = job_make(&w, p->jobs[i]);
		if (rc != CS_OK) {
			pthread_mutex_lock(&p->mu);
			if (p->rc == CS_OK) {
				p->rc = rc;
				if (p->err != NULL && p->errlen > 0)
					snprintf(p->err, p->errlen, "%s", err);
			}
			pthread_mutex_unlock(&p->mu);
			atomic_store(&p->failed, 1);
			break;
		}
	}
	return NULL;
}

/*
 * Checks every job against the sink first (one thread: most are reused
 * on an incremental render and need no lock), then makes the rest on up
 * to RENDER_THREADS threads, the calling one included.
 */
static cs_err
run_jobs(struct walk *w, struct job *jobs, size_t njobs)
{
	pthread_t th[RENDER_THREADS];
	struct worker_arg wa[RENDER_THREADS];
	struct pool p;
	struct job **todo = NULL;
	size_t nth = 0, ntodo = 0, i, want = w->ctx->nsets;
	cs_err rc = CS_OK;

	if (njobs == 0)
		return CS_OK;
	todo = malloc(njobs * sizeof(*todo));
	if (todo == NULL)
		return cs_seterr(w->err, w->errlen, CS_ERR_NOMEM, "render: out of memory");
	for (i = 0; i < njobs; i++) {
		rc = job_check(w, &jobs[i]);
		if (rc != CS_OK)
			goto out;
		if (jobs[i].todo)
			todo[ntodo++] = &jobs[i];
	}
	memset(&p, 0, sizeof(p));
	p.w = *w;
	p.inner = w->sink;
	p.locked.arg = &p;
	p.locked.reuse = locked_reuse;
	p.locked.put = locked_put;
	p.w.sink = &p.locked;
	p.jobs = todo;
	p.njobs = ntodo;
	atomic_init(&p.next, 0);
	atomic_init(&p.failed, 0);
	p.rc = CS_OK;
	p.err = w->err;
	p.errlen = w->errlen;
	if (pthread_mutex_init(&p.mu, NULL) != 0) {
		rc = cs_seterr(w->err, w->errlen, CS_ERR_INTERNAL, "render: mutex");
		goto out;
	}
	/* threads pay off only with enough pages to make */
	for (i = 0; i < want; i++) {
		wa[i].p = &p;
		wa[i].set = i;
	}
	for (i = 1; i < want && ntodo > 64; i++) {
		if (pthread_create(&th[nth], NULL, worker, &wa[i]) != 0)
			break;  /* fewer threads is fine */
		nth++;
	}
	worker(&wa[0]);
	for (i = 0; i < nth; i++)
		pthread_join(th[i], NULL);
	pthread_mutex_destroy(&p.mu);
	rc = p.rc;
out:
	free(todo);
	return rc;
}

/*
 * The files made on every render: index.html (it carries the render id and
 * the freshness) and the JSON API. Messages name the file that failed.
 */
static cs_err
write_index_and_api(struct render_ctx *ctx, const struct sitemodel *m, const char *render_id,
    const struct render_sink *sink, char *err, size_t errlen)
{
	static const char *index_params[] = { "root", "''", NULL };
	xmlDocPtr index = NULL;
	char *json = NULL;
	size_t jlen, i;
	cs_err rc;

	rc = sitemodel_index_xml(m, render_id, &index);
	if (rc != CS_OK) {
		cs_seterr(err, errlen, rc, "index.html: cannot build the XML model");
		goto out;
	}
	rc = transform(ctx, 0, SH_INDEX, index, index_params, "index.html", "", sink, err, errlen);
	if (rc != CS_OK)
		goto out;
	for (i = 0; i < SITEAPI_NFILES; i++) {
		rc = siteapi_build(m, render_id, (enum siteapi_file)i, &json, &jlen);
		if (rc != CS_OK) {
			cs_seterr(err, errlen, rc, "%s: cannot build", siteapi_path((enum siteapi_file)i));
			goto out;
		}
		rc = sink->put(sink->arg, siteapi_path((enum siteapi_file)i), "", json, jlen, err,
		    errlen);
		if (rc != CS_OK)
			goto out;
		free(json);
		json = NULL;
	}
out:
	free(json);
	xmlFreeDoc(index);
	return rc;
}

/* The static assets, stored only when the sink does not already have their hash. */
static cs_err
write_assets(const struct render_ctx *ctx, const struct render_sink *sink, char *err,
    size_t errlen)
{
	for (size_t i = 0; i < NASSETS; i++) {
		char hash[RENDER_HASHLEN];
		cs_err rc;
		int r;

		render_hash(ctx->assets[i], ctx->asset_len[i], hash);
		r = sink->reuse(sink->arg, asset_files[i], hash);
		if (r == 1)
			continue;
		if (r < 0)
			return cs_seterr(err, errlen, CS_ERR_IO, "%s: cannot store", asset_files[i]);
		rc = sink->put(sink->arg, asset_files[i], hash, ctx->assets[i], ctx->asset_len[i],
		    err, errlen);
		if (rc != CS_OK)
			return rc;
	}
	return CS_OK;
}

/*
 * Fills jobs (room for ninc + nmnt + pages + 2) with one page per incident
 * and maintenance, the history pages of inc, and the Atom and RSS feeds of
 * fv. Everything is borrowed from the caller. Returns the number of jobs.
 */
static size_t
plan_jobs(struct job *jobs, const struct sitemodel_incident **inc, struct digest *dinc,
    size_t ninc, const struct sitemodel_incident **mnt, struct digest *dmnt, size_t nmnt,
    size_t pages, const struct sitemodel_incident **fv, struct digest *fd, size_t nfeed)
{
	size_t i, nj = 0;

	for (i = 0; i < ninc + nmnt; i++, nj++) {
		const struct sitemodel_incident *const *v = i < ninc ? &inc[i] : &mnt[i - ninc];

		jobs[nj].s = SH_INCIDENT;
		snprintf(jobs[nj].path, sizeof(jobs[nj].path), "incidents/%s.html", (*v)->id);
		jobs[nj].v = v;
		jobs[nj].d = i < ninc ? &dinc[i] : &dmnt[i - ninc];
		jobs[nj].n = jobs[nj].num = jobs[nj].pages = 1;
	}
	for (i = 0; i < pages; i++, nj++) {
		size_t off = i * RENDER_HISTORY_PER_PAGE, n = 0;

		if (off < ninc)
			n = ninc - off < RENDER_HISTORY_PER_PAGE ? ninc - off : RENDER_HISTORY_PER_PAGE;
		jobs[nj].s = SH_HISTORY;
		if (i == 0)
			snprintf(jobs[nj].path, sizeof(jobs[nj].path), "history.html");
		else
			snprintf(jobs[nj].path, sizeof(jobs[nj].path), "history-%zu.html", i + 1);
		jobs[nj].v = n > 0 ? inc + off : NULL;
		jobs[nj].d = n > 0 ? dinc + off : NULL;
		jobs[nj].n = n;
		jobs[nj].num = i + 1;
		jobs[nj].pages = pages;
	}
	for (i = 0; i < 2; i++, nj++) {
		jobs[nj].s = i == 0 ? SH_ATOM : SH_RSS;
		snprintf(jobs[nj].path, sizeof(jobs[nj].path), i == 0 ? "history.atom" : "history.rss");
		jobs[nj].v = fv;
		jobs[nj].d = fd;
		jobs[nj].n = nfeed;
		jobs[nj].num = jobs[nj].pages = 1;
	}
	return nj;
}

cs_err
render_site(struct render_ctx *ctx, const struct sitemodel *m, const char *render_id,
    const struct render_sink *sink, char *err, size_t errlen)
{
	struct walk w;
	const struct sitemodel_incident **inc = NULL, **mnt = NULL;
	struct digest *dinc = NULL, *dmnt = NULL;
	size_t ninc = 0, nmnt = 0, pages, nfeed = 0, nj;
	const struct sitemodel_incident **fv = NULL;
	struct digest *fd = NULL;
	struct job *jobs = NULL;
	cs_err rc;

	w.ctx = ctx;
	w.set = 0;
	w.m = m;
	w.sink = sink;
	w.err = err;
	w.errlen = errlen;
	digest_init(&w.base);
	digest_str(&w.base, ctx->tmpl_hash);
	sitemodel_page_digest(m, &w.base);

	rc = write_index_and_api(ctx, m, render_id, sink, err, errlen);
	if (rc != CS_OK)
		goto out;
	rc = write_assets(ctx, sink, err, errlen);
	if (rc != CS_OK)
		goto out;

	rc = sitemodel_sorted(m, 0, &inc, &ninc);
	if (rc == CS_OK)
		rc = sitemodel_sorted(m, 1, &mnt, &nmnt);
	if (rc == CS_OK)
		rc = digests(m, inc, ninc, &dinc);
	if (rc == CS_OK)
		rc = digests(m, mnt, nmnt, &dmnt);
	if (rc != CS_OK) {
		cs_seterr(err, errlen, rc, "render: out of memory");
		goto out;
	}
	rc = feed_slice(inc, dinc, ninc, &fv, &fd, &nfeed);
	if (rc != CS_OK) {
		cs_seterr(err, errlen, rc, "render: out of memory");
		goto out;
	}
	pages = ninc == 0 ? 1 : (ninc + RENDER_HISTORY_PER_PAGE - 1) / RENDER_HISTORY_PER_PAGE;
	jobs = calloc(ninc + nmnt + pages + 2, sizeof(*jobs));
	if (jobs == NULL) {
		rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "render: out of memory");
		goto out;
	}
	nj = plan_jobs(jobs, inc, dinc, ninc, mnt, dmnt, nmnt, pages, fv, fd, nfeed);
	rc = run_jobs(&w, jobs, nj);
out:
	free(jobs);
	free(fv);
	free(fd);
	free(inc);
	free(mnt);
	free(dinc);
	free(dmnt);
	return rc;
}
