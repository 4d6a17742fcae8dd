/* cycle.h: one poll cycle (fetch, then load, decide, commit: decide.h) and the committed judgement it leaves. */
#ifndef CYCLE_H
#define CYCLE_H

#include <stddef.h>
#include <stdint.h>

#include "model/config.h"
#include "base/cs_error.h"
#include "model/judgement.h"
#include "support/engineer.h"
#include "aws/poll.h"
#include "store/store.h"

/* Where to fetch from; NULL fields take the configuration's URLs. */
struct cycle_options {
	const char *feed_base_url;     /* replaces the configuration's feed base URL */
	const char *currentevents_url; /* default: the configuration's, or
	                                * <feed_base_url>currentevents when
	                                * feed_base_url is overridden */
	int         force;             /* fetch feeds that are backing off too */
};

/* What one cycle did, for logs and tests. */
struct cycle_report {
	size_t feeds;              /* documents wanted this cycle (feeds + all.rss + currentevents) */
	size_t fetched;            /* answered 200 and parsed */
	size_t not_modified;       /* answered 304: nothing parsed */
	size_t failed;             /* fetch or parse failed: previous state kept */
	size_t skipped;            /* backing off, not fetched */
	size_t items_new;          /* AWS items never seen before */
	size_t items_revised;      /* AWS items whose text AWS edited */
	size_t components_changed; /* component statuses that changed */
	size_t outbox_added;       /* notifications owed, committed with the changes */
};

/* Receives one log line: level ("error", "warning", "info", "debug"), subsystem, text. */
typedef void (*cycle_log_fn)(void *ctx, const char *level, const char *subsys,
    const char *msg);

/* Formats one line (cut at CS_ERRLEN) and hands it to log; a NULL log drops it. */
void cycle_logf(cycle_log_fn log, void *ctx, const char *level, const char *subsys,
    const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/*
 * Runs one poll cycle at now: fetches every feed the configuration needs,
 * all.rss and the currentevents document (conditionally, in parallel,
 * skipping feeds that back off), then in ONE transaction loads the
 * snapshot, decides (cycle_decide: verdicts, component statuses, the
 * judgement record, incidents, maintenances) and commits it all together
 * with what it owes the outside world (outbox rows, outbox.h). A feed that fails is logged through log, keeps its items and
 * previous verdict, and backs off; it never spoils the other feeds.
 * Returns CS_OK (also when some feeds failed: see *report), or an error
 * when the store or the poller itself failed (nothing is committed then).
 * cfg, opt are borrowed; report may be NULL.
 */
cs_err cycle_poll(const struct config *cfg, struct store *st, struct poll *p, int64_t now,
    const struct cycle_options *opt, struct cycle_report *report, cycle_log_fn log,
    void *logctx, char *err, size_t errlen);

/*
 * A cycle without a fetch at now: what the store holds judged again
 * (load, decide, commit), for the engineers' changes that alter the
 * judgement (a ruling, a maintenance) and to commit the passing of time.
 * Same commit and same outbox as cycle_poll(). report may be NULL.
 */
cs_err cycle_refresh(const struct config *cfg, struct store *st, int64_t now,
    struct cycle_report *report, cycle_log_fn log, void *logctx, char *err, size_t errlen);

/* What an engineer's command did, for its output. */
struct cycle_engineer_result {
	int64_t         id;        /* the incident (the new one for ENGINEER_OPEN) */
	int             update;    /* number of the update posted, 0 none */
	incident_status status;    /* the incident's status after */
	priority        suggested, override;
};

/*
 * An engineer's command on incident id (ignored for ENGINEER_OPEN) at now,
 * as load, decide (engineer_decide), commit in ONE transaction: the
 * incident is read inside it, so a resolution committed meanwhile by a poll
 * is not overwritten. A ruling ("not affected") decides the cycle again in
 * the same transaction, so every view drops the event at once. Returns
 * CS_OK and fills *res; CS_ERR_USAGE (err says why) or CS_ERR_NOTFOUND for
 * bad input, with nothing written; or the store's error.
 */
cs_err cycle_engineer(const struct config *cfg, struct store *st, int64_t id,
    const struct engineer_request *req, int64_t now, struct cycle_engineer_result *res,
    cycle_log_fn log, void *logctx, char *err, size_t errlen);

/* A maintenance to schedule, as an engineer asked. Borrowed strings. */
struct cycle_maintenance_request {
	const char *title, *body, *author;
	int64_t     starts_at, ends_at, verify; /* epochs; verification seconds after the end */
	const char *const *components;          /* component ids of cfg */
	size_t      ncomponents;
};

/*
 * Schedules maintenance mr at now in one transaction: the window checked
 * (maintenance_check), the row, the audit log and the rows it owes
 * ("maintenance:<id>:scheduled:<channel>", outbox.h). Sets *id. Returns
 * CS_OK, CS_ERR_USAGE (err says why: nothing written), or the store's error.
 */
cs_err cycle_schedule(const struct config *cfg, struct store *st,
    const struct cycle_maintenance_request *mr, int64_t now, int64_t *id, char *err,
    size_t errlen);

/*
 * The committed judgement (judgement.h), aged to now: what the site,
 * `status`, `explain` show. Reads only; a store with no judgement yet gives
 * the judgement of nothing read (every component unknown). *out is owned
 * (judgement_free). Returns CS_OK, or the store's or the record's error.
 */
cs_err cycle_view(const struct config *cfg, struct store *st, int64_t now, struct judgement **out,
    char *err, size_t errlen);

#endif
