/* publish.h: atomic publication of the rendered site: release directories and a symlink swap. */
#ifndef PUBLISH_H
#define PUBLISH_H

#include <stddef.h>
#include <stdint.h>

#include "base/cs_error.h"
#include "site/render.h"
#include "site/sitemodel.h"

/*
 * Layout under site_dir:
 *   releases/<YYYYmmddTHHMMSSZ>-<seq>/   one complete rendered site each,
 *                                        with .manifest (hashes of its files)
 *   current -> releases/<name>           what the web server serves
 * A render writes a new release directory, makes its files durable, then
 * points `current` at it with symlink(2) to a temporary name and
 * rename(2) over `current`, which is atomic: a reader resolving
 * current/... sees the old site or the new one, never a mix, a missing or
 * a half-written file. Files whose inputs did not change are hard links to
 * the previous release's (same bytes, same mtime, so CDNs keep caching),
 * and are not even rendered.
 */

#define PUBLISH_KEEP 5                /* releases kept by default */
#define PUBLISH_MAX_FILES 1000000     /* files in one release */
#define PUBLISH_NAMELEN 64

struct publish_opts {
	const char *site_dir;         /* created if missing */
	int     keep;                 /* releases to keep, 0: PUBLISH_KEEP */
	int     no_fsync;             /* 1: skip fsync (tests, bench); never in production */
	int     full;                 /* 1: ignore the previous release, render everything */
	int64_t now;                  /* release timestamp; 0: the clock */
};

struct publish_stats {
	char   release[PUBLISH_NAMELEN]; /* name of the new release */
	size_t files;                 /* files in the release */
	size_t written;               /* with new bytes */
	size_t linked;                /* hard links to the previous release's file */
	size_t not_rendered;          /* of linked: inputs unchanged, no transform run */
};

/*
 * Renders m (borrowed) with ctx into a new release under o->site_dir and
 * makes it current; then removes the oldest releases beyond o->keep
 * (never the current one). The release name is the render id written into
 * index.html and api/v2/summary.json. Returns CS_OK and fills *st (may be
 * NULL); on failure (CS_ERR_IO with the path and errno text, or a render
 * error) the partial release is removed and `current` is untouched.
 */
cs_err publish_run(const struct publish_opts *o, struct render_ctx *ctx,
    const struct sitemodel *m, struct publish_stats *st, char *err, size_t errlen);

/*
 * Name of the release `current` points to, into buf. Returns CS_OK,
 * CS_ERR_NOTFOUND when nothing is published yet, CS_ERR_IO otherwise.
 */
cs_err publish_current(const char *site_dir, char *buf, size_t len, char *err, size_t errlen);

#endif
