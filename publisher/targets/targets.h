/* targets.h: copies of the published site on other hosts (S3, SFTP), kept in step with `current`. */
#ifndef TARGETS_H
#define TARGETS_H

#include <stddef.h>
#include <stdint.h>

#include "base/cs_error.h"
#include "cycle/cycle.h"
#include "model/config.h"
#include "site/publish.h"

/*
 * A status page that lives where the outage is goes down with it: the
 * 2017 S3 outage took the status pages hosted on S3 along. So the site
 * that publish.h makes current under site_dir is also copied to the
 * configuration's "publish" targets, at least one of which should live
 * outside AWS.
 *
 * A pass takes the release `current` names, lists its files with their
 * hashes, compares them with what the store says the target holds
 * (targets_state.h), uploads what differs in the order of target_plan.h
 * (assets, then incidents and history, then index.html, then api/: no page
 * arrives before what it links to) and deletes what left the site. Each
 * upload and deletion is recorded as it is acknowledged, so an interrupted
 * pass resumes where it stopped. A release pruned locally while a target
 * lags makes the pass start again from the newest `current`.
 *
 * Each target has its own thread, store connection and curl handle: a dead
 * or stalled target never delays another, nor the caller. A failed pass is
 * retried after retry_min seconds, doubling up to retry_max (config), and
 * recorded in the store (last error, failing since, next attempt) for the
 * health report. Kicks while a target backs off do not cut the wait short;
 * the retry takes the newest `current` anyway.
 */
struct targets;

/*
 * Starts one thread per target of cfg (borrowed, not kept: what the
 * threads need is copied), each opening its own store in state_dir and
 * reading releases under site_dir. Each does a first pass at once (a
 * target that lagged while the daemon was down catches up). With no
 * target configured *out is a valid object that does nothing. Returns
 * CS_OK and an owned *out (targets_free()); CS_ERR_NOMEM, CS_ERR_INTERNAL
 * when a thread cannot start.
 */
cs_err targets_new(const struct config *cfg, const char *state_dir, const char *site_dir,
    struct targets **out, char *err, size_t errlen);

/*
 * Where the threads log (one line per event: "info"/"error", subsystem
 * "publish"); fn is called from the targets' threads, with ctx, and must be
 * thread-safe. NULL: silent. May be called at any time.
 */
void targets_set_log(struct targets *t, cycle_log_fn fn, void *ctx);

/* A new release is current: every target not backing off starts a pass. Returns at once. */
void targets_kick(struct targets *t);

/*
 * Parks the targets: transfers in progress are aborted (within about a
 * second: libcurl's progress callback), and the threads are joined within
 * timeout_ms. A thread that does not finish in time is left to end on its
 * own (it owns what it uses) and logs nothing more. Idempotent.
 */
void targets_stop(struct targets *t, int timeout_ms);

/* Stops (5 s) if needed and frees t. NULL is a no-op. */
void targets_free(struct targets *t);

/* The outcome of one target's pass. */
struct targets_result {
	char    name[72];             /* the target's name */
	cs_err  rc;                   /* CS_OK: it holds the release whole */
	char    error[CS_ERRLEN];     /* "s3-eu: PUT index.html: HTTP 403 ..." when rc != CS_OK */
	char    release[PUBLISH_NAMELEN]; /* release it holds now; "" when nothing is published */
	size_t  uploaded;             /* files sent */
	size_t  deleted;              /* files removed */
	size_t  unchanged;            /* files it already held */
	int64_t ms;                   /* wall time of the pass */
};

#define TARGETS_FULL 1            /* forget what the targets hold: upload every file */

/*
 * One pass of each target (only the one named only, when not NULL), all at
 * once, each in its own thread, no retry: `clickstatus publish`. Waits for
 * every pass. Fills an owned array *res of *nres results (free()), in the
 * configuration's order, and records each in the store like the daemon
 * does (with no next attempt planned). Returns CS_OK when every pass
 * succeeded, else the first failure's cs_err with its message in err;
 * CS_ERR_NOTFOUND when only names no target; CS_ERR_NOMEM.
 */
cs_err targets_publish_once(const struct config *cfg, const char *state_dir, const char *site_dir,
    const char *only, int flags, cycle_log_fn log, void *logctx, struct targets_result **res,
    size_t *nres, char *err, size_t errlen);

#endif
