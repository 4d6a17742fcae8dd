/* target_plan.h: what one pass sends to a publish target, in which order, with which headers. */
#ifndef TARGET_PLAN_H
#define TARGET_PLAN_H

#include <stddef.h>

#include "base/cs_error.h"
#include "site/render.h"

/*
 * A pure function of two file lists: the release to publish and what the
 * target was last acknowledged to hold. No I/O, no clock.
 *
 * Order. A reader of the copy follows links from the page they have. The
 * site links downwards: index.html and the API name incidents, incident
 * pages and the history name assets (style, icon). So a pass sends the
 * files nothing else links to first (assets and anything unknown), then the
 * incident pages and the history (history.html, the Atom and RSS feeds),
 * then index.html, then the api/ files: every link of a page that arrives
 * already resolves. Files that left the site are deleted last, once no
 * page on the target names them. Within a class, by path (stable logs).
 */

/* One file: path relative to the site ("api/v2/summary.json") and its content hash. */
struct target_file {
	char *path;                   /* owned by the list */
	char  hash[RENDER_HASHLEN];   /* render_hash() of its bytes, 32 hex digits */
};

/* What a pass does, in order: uploads, then deletions. */
struct target_step {
	const char *path;             /* borrowed from the lists given to target_plan_make() */
	const char *hash;             /* the upload's content hash; NULL: delete path */
};

struct target_plan {
	struct target_step *steps;    /* owned */
	size_t nsteps;
	size_t uploads;               /* of steps, the first `uploads` are uploads */
	size_t unchanged;             /* files of the release the target already holds */
};

/* The upload class of path: 0 assets and others, 1 incidents and history, 2 index.html, 3 api/. */
int target_plan_class(const char *path);

/* Content-Type to serve path with ("text/html; charset=utf-8"); static text, never NULL. */
const char *target_plan_content_type(const char *path);

/*
 * Cache-Control for path; static text. Pages, the API and the feeds change
 * with every status change and must be seen within a minute, through any
 * CDN: "public, max-age=60". Style and images change only with a new
 * clickstatus, but keep their names, so not "immutable": one day.
 */
const char *target_plan_cache_control(const char *path);

/*
 * Plans the pass from release files cur (ncur) to a target holding have
 * (nhave); both borrowed, must outlive plan, any order, paths unique.
 * Fills *plan (free with target_plan_free()). CS_ERR_NOMEM.
 */
cs_err target_plan_make(const struct target_file *cur, size_t ncur, const struct target_file *have,
    size_t nhave, struct target_plan *plan);

void target_plan_free(struct target_plan *plan);

/* Frees the paths of a list of n files and the list itself. NULL is a no-op. */
void target_files_free(struct target_file *v, size_t n);

#endif
