/* prune.h: the store's retention: what is deleted once it is no longer needed, and when. */
#ifndef PRUNE_H
#define PRUNE_H

#include <stddef.h>
#include <stdint.h>

#include "base/cs_error.h"
#include "store/store.h"

/*
 * Retention. The store grows with every cycle's outbox rows, every mail
 * sent and every AWS edit; left alone it grows for ever. store_prune()
 * deletes, as of now:
 *
 *   outbox         rows finished (delivered, expired, mailed) more than
 *                  PRUNE_OUTBOX_DAYS ago. Never a pending row, never a dead
 *                  letter (`clickstatus outbox` lists it and --retry-dead
 *                  revives it until an engineer decides).
 *   deliveries     mail deliveries finished (sent, bounced, superseded,
 *                  dropped) more than PRUNE_MAIL_DAYS ago. Never a pending
 *                  or dead delivery, nor a finished one that tells
 *                  mailq_retry_dead() a dead older mail of its subject to the
 *                  same subscriber has been overtaken (reviving that one
 *                  would send stale news).
 *   mailings       mailings older than PRUNE_MAIL_DAYS with no delivery left.
 *   tokens         confirmation tokens expired more than PRUNE_MAIL_DAYS ago
 *                  (the sign-up rate limit counts the last day's only).
 *   revisions      an AWS item's text superseded by a newer text that was
 *                  itself seen more than PRUNE_HISTORY_DAYS ago: judging as
 *                  of any moment of the last PRUNE_HISTORY_DAYS (a replay,
 *                  `clickstatus explain --now`) never reads it. And beyond the
 *                  PRUNE_REVISIONS_MAX newest of one item, a bound AWS never
 *                  reaches (it edits an update a handful of times). The newest
 *                  revision of an item is never pruned.
 *   items          AWS items dated and last seen in a feed more than
 *                  PRUNE_HISTORY_DAYS ago, with their revisions, except the
 *                  newest item of its feed (it decides the feed's verdict)
 *                  and the items of the feed's open event (its verdict's
 *                  event_start, feed_state).
 *
 * Never pruned: what the site, `sla` and the incident history show or are
 * computed from: component_status and component_history (90-day uptime
 * bars, first_seen), incidents with their updates, components, causes and
 * the audit log (incident_actions), maintenances, subscribers, feed state
 * and verdicts, meta, the MQTT retained topics. They grow with incidents
 * and status changes, not with cycles.
 *
 * Each table is pruned in batches of at most PRUNE_BATCH rows, each batch
 * its own short write transaction, so a cycle, the mailer or a CLI command
 * waits for one batch at most, never for the whole prune. One call deletes
 * at most PRUNE_MAX_BATCHES batches per table and sets ps->more when rows
 * were left for the next call (a store that was never pruned is caught up
 * over a few calls). The daemon calls it once an hour.
 *
 * Deleted pages go to SQLite's free list and are reused by later writes:
 * the file stops growing instead of shrinking. A store created with
 * auto_vacuum = INCREMENTAL also gives up to PRUNE_VACUUM_PAGES free pages
 * back to the file system per call; the file format of an existing store
 * (auto_vacuum NONE, the default) is not changed.
 */
#define PRUNE_OUTBOX_DAYS   7
#define PRUNE_MAIL_DAYS     30
#define PRUNE_HISTORY_DAYS  90
#define PRUNE_REVISIONS_MAX 50
#define PRUNE_BATCH         500
#define PRUNE_MAX_BATCHES   200
#define PRUNE_VACUUM_PAGES  2000

/* What one store_prune() deleted. */
struct prune_stats {
	size_t outbox;        /* outbox rows */
	size_t deliveries;    /* mail deliveries */
	size_t mailings;      /* mailings */
	size_t tokens;        /* confirmation tokens */
	size_t revisions;     /* item revisions, besides those of the items deleted */
	size_t items;         /* AWS items (their revisions with them) */
	size_t batches;       /* write transactions it took */
	int    vacuumed;      /* 1: an incremental vacuum ran (auto_vacuum INCREMENTAL) */
	int    more;          /* 1: the batch limit was reached; call again to finish */
};

/*
 * Prunes st as of now (epoch seconds) by the retention above, filling *ps
 * (may be NULL). Must be called outside an explicit transaction
 * (CS_ERR_STATE otherwise: the batches are transactions of their own).
 * On failure (CS_ERR_DB, CS_ERR_IO, the message in err) the batches
 * already committed stay deleted, which is harmless: each batch leaves the
 * store consistent, and the next call goes on.
 */
cs_err store_prune(struct store *st, int64_t now, struct prune_stats *ps, char *err,
    size_t errlen);

/* One line saying what ps deleted ("12 outbox rows, 3 deliveries, ..."), into buf. */
void store_prune_format(const struct prune_stats *ps, char *buf, size_t len);

#endif
