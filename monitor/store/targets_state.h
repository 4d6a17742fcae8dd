/* targets_state.h: what each publish target holds and how it is doing, kept in the store. */
#ifndef TARGETS_STATE_H
#define TARGETS_STATE_H

#include <stdint.h>

#include "base/cs_error.h"
#include "store/store.h"

/*
 * A publish target (publisher/targets/targets.h) is a copy of the site on
 * another host. The store remembers, per target name, the files the target
 * was acknowledged to hold (path and content hash), so that a pass uploads
 * only what differs and deletes what left the site even after the local
 * release it came from was pruned; and the target's health, for
 * `clickstatus publish --status` and the daemon's health report. Each
 * target's thread writes through its own store connection.
 */

/* One target's health; strings valid during the callback only. */
struct store_target {
	const char *name;
	const char *release;      /* release it holds whole; NULL: none yet */
	int64_t last_success;     /* epoch of the last complete pass, 0: never */
	int64_t last_attempt;     /* epoch of the last pass started */
	const char *last_error;   /* NULL while healthy */
	int64_t failing_since;    /* epoch of the first failure in a row, 0: healthy */
	int     failures;         /* failed passes in a row */
	int64_t next_attempt;     /* epoch of the next try while failing, 0: none planned */
};

/*
 * Records a complete pass of target name: it holds release (borrowed) as of
 * now; clears the error and the failure run.
 */
cs_err store_target_success(struct store *st, const char *name, const char *release, int64_t now,
    char *err, size_t errlen);

/*
 * Records a failed pass at now with message error (borrowed): counts it,
 * starts the failure run if it is the first, and plans the next try at
 * next_attempt (0: none planned, a one-shot). Sets *failures (may be NULL)
 * to the failed passes in a row, this one included.
 */
cs_err store_target_failure(struct store *st, const char *name, const char *error, int64_t now,
    int64_t next_attempt, int *failures, char *err, size_t errlen);

/* Called per target; nonzero stops the walk. */
typedef int (*store_target_cb)(const struct store_target *t, void *ctx);

/* Calls cb for every target recorded, by name. */
cs_err store_target_list(struct store *st, store_target_cb cb, void *ctx, char *err,
    size_t errlen);

/*
 * Records that target holds path with content hash (both borrowed) as of
 * now; hash NULL: it no longer holds path.
 */
cs_err store_target_file_set(struct store *st, const char *target, const char *path,
    const char *hash, int64_t now, char *err, size_t errlen);

/* Called per file of a target (strings valid during the call); nonzero stops the walk. */
typedef int (*store_target_file_cb)(const char *path, const char *hash, void *ctx);

/* Calls cb for every file target holds, by path. */
cs_err store_target_files(struct store *st, const char *target, store_target_file_cb cb,
    void *ctx, char *err, size_t errlen);

/* Forgets every file of target (the next pass uploads everything again). */
cs_err store_target_forget(struct store *st, const char *target, char *err, size_t errlen);

#endif
