/* render.h: turns the render model into the site's files (XSLT pages, feeds, JSON API, assets). */
#ifndef RENDER_H
#define RENDER_H

#include <stddef.h>

#include "base/cs_error.h"
#include "site/sitemodel.h"

/* Default directory of the stylesheets and assets: the source tree's site/. */
#ifndef RENDER_DEFAULT_SITE_SRC
#define RENDER_DEFAULT_SITE_SRC "site"
#endif

#define RENDER_HASHLEN 33             /* 32 hex digits and NUL */
#define RENDER_HISTORY_PER_PAGE 25    /* incidents per history page */
#define RENDER_FEED_MAX 50            /* incidents in history.atom / history.rss */
#define RENDER_THREADS 4              /* at most, and no more than the CPUs online */

/*
 * Where rendered files go. render_site asks reuse() before producing a
 * file whose inputs it can hash: when the sink already holds a file for
 * path made from the same input hash (the previous release), it keeps that
 * one and returns 1, and render skips the work; 0 asks render to produce
 * it; a negative value is an error. put() receives each produced file
 * (data borrowed for the call); input_hash is "" for files that are
 * produced on every render (index.html, the JSON API). Paths are relative
 * ("incidents/abc.html"). When put() fails, its message (naming the file
 * and the cause: "releases/R/index.html: write: No space left on device")
 * goes to err and becomes render_site's message unchanged.
 */
struct render_sink {
	void *arg;
	int (*reuse)(void *arg, const char *path, const char *input_hash);
	cs_err (*put)(void *arg, const char *path, const char *input_hash,
	    const void *data, size_t len, char *err, size_t errlen);
};

struct render_ctx;

/*
 * Loads and compiles the stylesheets and assets of site_src (NULL: the
 * compiled-in RENDER_DEFAULT_SITE_SRC). Network access is refused while
 * parsing and transforming. Returns CS_OK and an owned *out
 * (render_ctx_free), CS_ERR_IO when a file is missing, CS_ERR_PARSE when a
 * stylesheet does not compile (message names the file), CS_ERR_NOMEM.
 */
cs_err render_ctx_new(const char *site_src, struct render_ctx **out, char *err, size_t errlen);

/* Frees ctx; NULL is a no-op. */
void render_ctx_free(struct render_ctx *ctx);

/*
 * Renders every file of the site from m (borrowed) into sink: index.html,
 * incidents/<id>.html (incidents and maintenances), history.html,
 * history-2.html..., history.atom, history.rss, api/v2/... (siteapi.h),
 * style.css, favicon.svg. render_id is written into index.html and
 * api/v2/summary.json (and every JSON file). Returns CS_OK, or the first
 * error from a transform (CS_ERR_INTERNAL, message names the stylesheet)
 * or from the sink.
 */
cs_err render_site(struct render_ctx *ctx, const struct sitemodel *m, const char *render_id,
    const struct render_sink *sink, char *err, size_t errlen);

/* 128-bit hash of data as 32 hex digits into out[RENDER_HASHLEN]; not cryptographic. */
void render_hash(const void *data, size_t len, char out[RENDER_HASHLEN]);

#endif
