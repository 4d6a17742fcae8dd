/* store_prune.c: the store's retention (prune.h): finished rows deleted in short batches. */
#include "store/store_priv.h"
#include "store/prune.h"

#include <inttypes.h>
#include <string.h>

#define DAY 86400
#define STR_(x) #x
#define STR(x) STR_(x)

/*
 * Each statement deletes one batch: at most ?2 rows older than the cut-off
 * ?1, chosen by a subquery in key order (the oldest rows have the lowest
 * keys, so the scan stops early). They are string literals: the statement
 * cache keys on their address.
 */

/* Finished outbox rows; dead letters and pending rows stay. */
static const char sql_outbox[] =
    "DELETE FROM outbox WHERE id IN (SELECT id FROM outbox"
    " WHERE state IN ('delivered', 'expired', 'mailed') AND delivered_at IS NOT NULL"
    " AND delivered_at < ?1 ORDER BY id LIMIT ?2)";

/*
 * Finished deliveries. Kept while the same subscriber has a dead delivery
 * of an older mailing of the same subject: mailq_retry_dead() revives a
 * dead one only when no newer mail of its subject reached the subscriber,
 * and reads that here.
 */
static const char sql_deliveries[] =
    "DELETE FROM deliveries WHERE (mailing_id, subscriber_id) IN"
    " (SELECT d.mailing_id, d.subscriber_id FROM deliveries d"
    "  JOIN mailings m ON m.id = d.mailing_id"
    "  WHERE d.state IN ('sent', 'bounced', 'superseded', 'dropped')"
    "  AND d.done_at > 0 AND d.done_at < ?1"
    "  AND NOT EXISTS (SELECT 1 FROM deliveries x JOIN mailings mx ON mx.id = x.mailing_id"
    "   WHERE x.subscriber_id = d.subscriber_id AND x.state = 'dead'"
    "   AND mx.subject = m.subject AND mx.id < m.id)"
    "  ORDER BY d.mailing_id, d.subscriber_id LIMIT ?2)";

/* Mailings left without a delivery (a pending or dead one keeps its mailing). */
static const char sql_mailings[] =
    "DELETE FROM mailings WHERE id IN (SELECT id FROM mailings m WHERE created_at < ?1"
    " AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.mailing_id = m.id)"
    " ORDER BY id LIMIT ?2)";

static const char sql_tokens[] =
    "DELETE FROM subscriber_tokens WHERE rowid IN (SELECT rowid FROM subscriber_tokens"
    " WHERE expires_at < ?1 ORDER BY rowid LIMIT ?2)";

/*
 * Old items, revisions with them (ON DELETE CASCADE). The newest item of a
 * slug decides its verdict and the items since the open event's start
 * give event_start: both stay, however old.
 */
static const char sql_items[] =
    "DELETE FROM items WHERE rowid IN (SELECT i.rowid FROM items i"
    " WHERE i.epoch < ?1 AND i.last_seen < ?1"
    " AND i.epoch < (SELECT max(n.epoch) FROM items n WHERE n.slug = i.slug)"
    " AND NOT EXISTS (SELECT 1 FROM feed_state f WHERE f.slug = i.slug"
    "  AND f.event_start > 0 AND i.epoch >= f.event_start)"
    " ORDER BY i.rowid LIMIT ?2)";

/*
 * Superseded revisions. A judgement as of time T reads the newest revision
 * seen at or before T; one superseded by a text seen before the cut-off is
 * read by no T after it. Only for items no document has carried since the
 * cut-off: an item still in a feed may bring an old text back, which
 * would then be a new revision, an edit that never happened. The count
 * bound applies whatever the age; both keep the newest revision.
 */
static const char sql_revisions[] =
    "DELETE FROM item_revisions WHERE rowid IN (SELECT r.rowid FROM item_revisions r"
    " WHERE (EXISTS (SELECT 1 FROM item_revisions n WHERE n.guid = r.guid AND n.rev > r.rev"
    "   AND n.seen_at < ?1)"
    "  AND EXISTS (SELECT 1 FROM items i WHERE i.guid = r.guid AND i.last_seen < ?1))"
    " OR (SELECT count(*) FROM item_revisions n WHERE n.guid = r.guid AND n.rev > r.rev)"
    "  >= " STR(PRUNE_REVISIONS_MAX)
    " ORDER BY r.rowid LIMIT ?2)";

/*
 * Runs batch statement sql until a batch deletes fewer than PRUNE_BATCH
 * rows or PRUNE_MAX_BATCHES have run; each batch is one transaction.
 */
static cs_err
batches(struct store *st, const char *sql, int64_t before, const char *what, size_t *count,
    struct prune_stats *ps, char *err, size_t errlen)
{
	cs_err rc = CS_OK;
	int own, changes;

	for (int b = 0; b < PRUNE_MAX_BATCHES; b++) {
		changes = 0;
		rc = store_op_begin(st, &own, err, errlen);
		if (rc != CS_OK)
			break;
		rc = store_exec(st, &changes, what, err, errlen, sql, "Li", before, PRUNE_BATCH);
		rc = store_op_end(st, own, rc, err, errlen);
		if (rc != CS_OK)
			break;
		ps->batches++;
		*count += (size_t)changes;
		if (changes < PRUNE_BATCH)
			return CS_OK;
	}
	if (rc == CS_OK)
		ps->more = 1;
	return rc;
}

/* Gives free pages back to the file system when the store was made for it. */
static cs_err
vacuum(struct store *st, struct prune_stats *ps, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	cs_err rc;
	int row, mode = 0;

	rc = store_query(st, &s, err, errlen, "PRAGMA auto_vacuum", "");
	if (rc == CS_OK)
		rc = store_step(st, s, &row, "read auto_vacuum", err, errlen);
	if (rc == CS_OK && row)
		mode = sqlite3_column_int(s, 0);
	store_release(st, s);
	/* 2: INCREMENTAL. FULL (1) vacuums at every commit by itself; NONE (0) keeps its pages. */
	if (rc != CS_OK || mode != 2)
		return rc;
	rc = store_run(st, "PRAGMA incremental_vacuum(" STR(PRUNE_VACUUM_PAGES) ")",
	    "incremental vacuum", err, errlen);
	if (rc == CS_OK)
		ps->vacuumed = 1;
	return rc;
}

cs_err
store_prune(struct store *st, int64_t now, struct prune_stats *ps, char *err, size_t errlen)
{
	struct prune_stats local;
	cs_err rc;

	if (ps == NULL)
		ps = &local;
	memset(ps, 0, sizeof(*ps));
	if (store_in_transaction(st))
		return cs_seterr(err, errlen, CS_ERR_STATE,
		    "%s: prune inside a transaction (it commits batches of its own)", st->path);
	rc = batches(st, sql_outbox, now - (int64_t)PRUNE_OUTBOX_DAYS * DAY, "prune outbox",
	    &ps->outbox, ps, err, errlen);
	if (rc == CS_OK)
		rc = batches(st, sql_deliveries, now - (int64_t)PRUNE_MAIL_DAYS * DAY,
		    "prune deliveries", &ps->deliveries, ps, err, errlen);
	/* After the deliveries: a mailing goes with its last one. */
	if (rc == CS_OK)
		rc = batches(st, sql_mailings, now - (int64_t)PRUNE_MAIL_DAYS * DAY, "prune mailings",
		    &ps->mailings, ps, err, errlen);
	if (rc == CS_OK)
		rc = batches(st, sql_tokens, now - (int64_t)PRUNE_MAIL_DAYS * DAY,
		    "prune confirmation tokens", &ps->tokens, ps, err, errlen);
	/* Items first: their revisions go with them and are not counted twice. */
	if (rc == CS_OK)
		rc = batches(st, sql_items, now - (int64_t)PRUNE_HISTORY_DAYS * DAY, "prune items",
		    &ps->items, ps, err, errlen);
	if (rc == CS_OK)
		rc = batches(st, sql_revisions, now - (int64_t)PRUNE_HISTORY_DAYS * DAY,
		    "prune item revisions", &ps->revisions, ps, err, errlen);
	if (rc == CS_OK)
		rc = vacuum(st, ps, err, errlen);
	return rc;
}

void
store_prune_format(const struct prune_stats *ps, char *buf, size_t len)
{
	snprintf(buf, len, "%zu outbox rows, %zu deliveries, %zu mailings, %zu tokens, %zu items,"
	    " %zu revisions in %zu batches%s%s", ps->outbox, ps->deliveries, ps->mailings,
	    ps->tokens, ps->items, ps->revisions, ps->batches, ps->vacuumed ? ", vacuumed" : "",
	    ps->more ? "; more left for the next prune" : "");
}
