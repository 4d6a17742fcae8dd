/* store.h: the persistent SQLite store: fetch state, AWS items, verdicts, components, outbox. */
#ifndef STORE_H
#define STORE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "base/cs_error.h"
#include "aws/feed_parse.h"
#include "base/status.h"

/*
 * One open store: the database dir/clickstatus.db. A store is one SQLite
 * connection and is not thread-safe: use it from one thread, or open one
 * store per thread (SQLite serialises writers across processes, so the
 * daemon and a CLI command may each open the same directory).
 *
 * Every fallible function returns CS_OK or a cs_err and writes the detail
 * into the caller's err/errlen (may be NULL/0). SQLite's codes never leave
 * this module: SQLITE_NOMEM becomes CS_ERR_NOMEM, SQLITE_TOOBIG
 * CS_ERR_TOOBIG, file system failures (CANTOPEN, IOERR, FULL, READONLY,
 * PERM) CS_ERR_IO and everything else (BUSY, CORRUPT, NOTADB, constraint
 * violations) CS_ERR_DB; the message names the database file and carries
 * sqlite3_errmsg().
 *
 * Times are Unix epochs in seconds, passed in by the caller (the store
 * never reads the clock).
 */
struct store;

/*
 * Opens (creating if needed) the store in directory dir. dir is created
 * with mode 0700 if missing (its parent must exist). The connection runs in
 * WAL mode with synchronous=FULL, foreign keys on and a 5 s busy timeout,
 * and the schema is migrated to the newest version this program knows, one
 * transaction per step. Returns CS_OK and an owned *out (close with
 * store_close()), or: CS_ERR_IO naming the path when the directory or file
 * cannot be created or opened; CS_ERR_DB when the file is not a
 * clickstatus database, is corrupt, or was written by a newer clickstatus
 * (its schema version is higher than store_schema_version()). *out is NULL
 * on failure.
 */
cs_err store_open(const char *dir, struct store **out, char *err, size_t errlen);

/* Closes the store (rolling back an open transaction). NULL is a no-op. */
void store_close(struct store *st);

/* The schema version this program writes (the number of migrations). */
int store_schema_version(void);

/* Path of the database file; owned by st. */
const char *store_path(const struct store *st);

/*
 * Transactions. store_begin() starts a write transaction (BEGIN IMMEDIATE:
 * the write lock is taken now, so a later statement cannot fail for a
 * lock another process holds). Every store_* call made until
 * store_commit() or store_rollback() is part of it. Outside an explicit
 * transaction each call is atomic on its own.
 *
 * store_begin() fails with CS_ERR_STATE when a transaction is already open.
 * store_commit() fails with CS_ERR_STATE when none is; when COMMIT itself
 * fails the transaction is rolled back, so the caller never has to guess
 * whether part of it was kept. store_rollback() is a no-op when no
 * transaction is open, so cleanup paths may call it unconditionally;
 * NULL is a no-op too.
 */
cs_err store_begin(struct store *st, char *err, size_t errlen);
cs_err store_commit(struct store *st, char *err, size_t errlen);
void store_rollback(struct store *st);
/* Nonzero while an explicit transaction is open. */
int store_in_transaction(const struct store *st);

/*
 * The transactional outbox.
 *
 * Everything the system owes the outside world (re-render the site, send
 * an email, publish an MQTT message) is written as an outbox row in the
 * SAME transaction as the decision that caused it (a component status
 * change, an incident update). Either both are committed or neither is:
 * a crash can never leave a changed status that nobody is told about, nor
 * a notification about a change that was rolled back. Delivery happens
 * later, outside that transaction, by the publisher for each channel:
 *
 *   store_outbox_claim_due()  -> deliver -> store_outbox_delivered()
 *                                        or store_outbox_failed(retry_at)
 *
 * Delivery is AT-LEAST-ONCE as far as the store can tell: a process that
 * crashes after delivering but before store_outbox_delivered() commits
 * will deliver the row again once its lease expires. Consumers must
 * therefore be idempotent, using the row id or dedup_key (an email
 * Message-ID derived from it, an MQTT payload carrying it, a site render
 * that is a pure function of the current state).
 *
 * Each claim carries a token; an acknowledgement (delivered or failed)
 * counts only under the token of the row's current claim, so a worker
 * whose lease ran out cannot mark a row that another claim took. Due rows
 * come in id order, and a row is not due while an older row of the same
 * subject (outbox.h: "incident:3") is undelivered: a subject's rows are
 * delivered in the order they were decided. A row ends in one of the
 * states delivered, dead (given up: store_outbox_failed() with retry_at
 * 0; listed by `clickstatus outbox`, revived by store_outbox_retry_dead()),
 * expired (older than the claim's max_age when first due: history is
 * never delivered) or mailed (carried by an email mailing, store_mail.h).
 *
 * dedup_key names the decision ("component:api:major_outage:1700000000"):
 * re-running the same decision after a crash or a retry finds the key
 * and enqueues nothing. NULL means no deduplication.
 */
struct store_outbox_msg {
	int64_t id;              /* row id, increasing in insertion order */
	char   *channel;         /* "site", "email", "mqtt" */
	char   *dedup_key;       /* NULL if none */
	char   *payload;         /* JSON text */
	int64_t created_at;      /* epoch */
	int     attempts;        /* claims so far, including this one */
	char   *last_error;      /* of the previous failed attempt, NULL if none */
	int64_t claim_token;     /* this claim's: what delivered/failed must present */
};

/*
 * Enqueues a message for channel ("site", "email" or "mqtt"). payload_json
 * must be valid JSON (the database checks). When dedup_key is non-NULL and
 * already present, nothing is added. Sets *added (may be NULL) to 1 when a
 * row was added, 0 when the key was already there. All strings are
 * borrowed. Fails with CS_ERR_USAGE for an unknown channel, CS_ERR_DB for
 * invalid JSON.
 */
cs_err store_outbox_add(struct store *st, const char *channel, const char *dedup_key,
    const char *payload_json, int64_t now, int *added, char *err, size_t errlen);

/*
 * Claims up to max undelivered rows of channel that are due
 * (next_attempt_at <= now), oldest id first. Each claimed row has its
 * attempts counted and is leased: it is not due again until now + lease
 * seconds, so a crashed delivery is retried after the lease and a second
 * consumer does not take the same row meanwhile. Returns an owned array in
 * *msgs (NULL when *n is 0), freed with store_outbox_msgs_free().
 */
cs_err store_outbox_claim_due(struct store *st, const char *channel, int64_t now,
    int64_t lease, size_t max, struct store_outbox_msg **msgs, size_t *n,
    char *err, size_t errlen);

/*
 * store_outbox_claim_due() that first expires the channel's undelivered
 * rows created more than max_age seconds before now (0: none expire).
 */
cs_err store_outbox_claim(struct store *st, const char *channel, int64_t now, int64_t lease,
    int64_t max_age, size_t max, struct store_outbox_msg **msgs, size_t *n, char *err,
    size_t errlen);

/* Frees an array from store_outbox_claim_due(); NULL is a no-op. */
void store_outbox_msgs_free(struct store_outbox_msg *msgs, size_t n);

/*
 * Marks row id, claimed under token, delivered at now; it is never claimed
 * again. The same claim marking it twice is harmless. CS_ERR_NOTFOUND if
 * there is no such row, CS_ERR_STATE if it was already finished or token
 * is not its current claim's.
 */
cs_err store_outbox_delivered(struct store *st, int64_t id, int64_t token, int64_t now,
    char *err, size_t errlen);

/*
 * Records a failed delivery of row id claimed under token: error
 * (borrowed, may be NULL) is kept as last_error and the row is due again
 * at retry_at (the caller owns the backoff and attempt cap); retry_at 0
 * gives up: the row becomes a dead letter. Errors as
 * store_outbox_delivered().
 */
cs_err store_outbox_failed(struct store *st, int64_t id, int64_t token, int64_t now,
    const char *error, int64_t retry_at, char *err, size_t errlen);

/*
 * Prints the outbox for `clickstatus outbox`: rows by channel and state,
 * then every dead letter with its attempts and last error.
 */
cs_err store_outbox_print(struct store *st, FILE *fp, char *err, size_t errlen);

/* Makes the dead letters of channel (NULL: all) due again at now; *n of them. */
cs_err store_outbox_retry_dead(struct store *st, const char *channel, int64_t now, size_t *n,
    char *err, size_t errlen);

/*
 * Makes every undelivered row of channel due at now, its claim void: for
 * the one publisher of a channel that holds a connection (MQTT), which
 * at start takes back what a crashed predecessor had leased, and after a
 * lost connection what never got its acknowledgement. *n (may be NULL)
 * counts them.
 */
cs_err store_outbox_release(struct store *st, const char *channel, int64_t now, size_t *n,
    char *err, size_t errlen);

/*
 * Rows of channel (NULL: every channel) in state ("pending", "delivered",
 * "dead": given up after the attempt cap, "expired"), for `health` and a
 * replay's report.
 */
cs_err store_outbox_count_state(struct store *st, const char *channel, const char *state,
    size_t *count, char *err, size_t errlen);

/* Counts undelivered rows of channel (all channels if channel is NULL). */
cs_err store_outbox_pending_count(struct store *st, const char *channel, size_t *count,
    char *err, size_t errlen);

/*
 * Fetch state of one feed, kept between polls: conditional GET validators,
 * backoff, health. Strings are owned by the struct (free with
 * store_feed_clear()); any may be NULL.
 */
struct store_feed {
	char   *slug;            /* NULL when store_feed_get() found nothing */
	char   *url;
	char   *etag;            /* ETag of the last 200, for If-None-Match */
	char   *last_modified;   /* Last-Modified of the last 200, for If-Modified-Since */
	int64_t last_attempt;    /* epoch, 0 never */
	int64_t last_success;    /* epoch, 0 never */
	int     last_status;     /* HTTP status of the last attempt, 0 if none */
	int     failures;        /* consecutive failed attempts */
	int64_t next_attempt_at; /* epoch, 0 = now */
	char   *last_error;      /* NULL after a success */
	int     readable;        /* 1: the last fetch and parse succeeded */
	int64_t items_seen;      /* items in the last good document */
};

/*
 * Reads the fetch state of slug into *out (owned strings). An unknown slug
 * gives a zeroed *out (out->slug == NULL) and CS_OK. On failure *out is
 * zeroed too.
 */
cs_err store_feed_get(struct store *st, const char *slug, struct store_feed *out,
    char *err, size_t errlen);

/* Inserts or replaces the fetch state of f->slug (f is borrowed; slug required). */
cs_err store_feed_put(struct store *st, const struct store_feed *f, char *err, size_t errlen);

/* Frees the strings of f and zeroes it; NULL is a no-op. */
void store_feed_clear(struct store_feed *f);

/* Called per feed state; the strings live until it returns. Nonzero stops. */
typedef int (*store_feed_cb)(const struct store_feed *f, void *ctx);

/*
 * Calls cb for the fetch state of every feed, by slug (etag,
 * last_modified and url are "" when absent). A nonzero return stops the
 * walk and the function returns CS_ERR_STATE.
 */
cs_err store_feed_list(struct store *st, store_feed_cb cb, void *ctx, char *err, size_t errlen);

/* What store_item_upsert() did. */
enum store_item_change {
	STORE_ITEM_UNCHANGED = 0, /* same guid, a title and description it already had */
	STORE_ITEM_NEW = 1,       /* first time this guid is seen */
	STORE_ITEM_REVISED = 2    /* same guid, edited title or description: a revision added */
};

/*
 * Records one AWS item, deduplicated by guid. The first sighting stores
 * the item and its revision 1; a later sighting with a title and
 * description none of its revisions has adds the next revision (AWS edits
 * updates in place); a text seen before (all.rss and the service feed
 * disagreeing) adds none. Any sighting updates last_seen (and link, slug,
 * epoch, pubdate, which follow the newest sighting). item is borrowed. Sets *change (may be
 * NULL). CS_ERR_PARSE if the item has no guid.
 */
cs_err store_item_upsert(struct store *st, const struct feed_item *item, int64_t now,
    int *change, char *err, size_t errlen);

/* Number of revisions of guid (0 if unknown). */
cs_err store_item_revisions(struct store *st, const char *guid, int *count,
    char *err, size_t errlen);

/*
 * Calls cb for each stored item of slug with epoch <= now (every item if
 * now is 0), newest first (epoch, then guid), with the title and
 * description of its newest revision seen at or before now: the feed as
 * it was known at now, so the classifier can be re-run from the store
 * (pass classify_item_cb). The item's strings live
 * until cb returns. When cb returns nonzero the walk stops and the
 * function returns CS_ERR_STATE ("stopped by the callback").
 */
cs_err store_items_for_slug(struct store *st, const char *slug, int64_t now,
    feed_item_cb cb, void *ctx, char *err, size_t errlen);

/*
 * As store_items_for_slug(), for the n slugs given (borrowed) in one walk:
 * by slug, then newest first. One query instead of one per slug, for
 * judging a whole configuration; the items of other services (all.rss
 * brings every service's) are not read.
 */
cs_err store_items_all(struct store *st, int64_t now, const char *const *slugs, size_t n,
    feed_item_cb cb, void *ctx, char *err, size_t errlen);

/*
 * The last verdict of the classifier for one slug, so a restart continues
 * from it and a feed that cannot be read keeps its previous state.
 * Strings owned by the struct (free with store_feed_state_clear()).
 */
struct store_feed_state {
	char      *slug;         /* NULL when store_feed_state_get() found nothing */
	status_aws state;        /* never STATUS_AWS_UNKNOWN when stored */
	int64_t    updated;      /* epoch of the newest item behind the verdict */
	char      *title;        /* title of that item, may be NULL */
	char      *guid;         /* guid of that item, may be NULL */
	int64_t    event_start;  /* epoch of the open event's first item, 0 if normal */
	int64_t    decided_at;   /* epoch when the verdict was made */
};

/* Inserts or replaces the verdict for s->slug (borrowed). */
cs_err store_feed_state_put(struct store *st, const struct store_feed_state *s,
    char *err, size_t errlen);

/*
 * Reads the verdict for slug into *out (owned); zeroed with out->slug NULL
 * when there is none. CS_ERR_DB if the stored state name is not known.
 */
cs_err store_feed_state_get(struct store *st, const char *slug, struct store_feed_state *out,
    char *err, size_t errlen);

void store_feed_state_clear(struct store_feed_state *s);

/* What store_component_set() did. */
enum store_component_change {
	STORE_COMPONENT_UNCHANGED = 0, /* same status as before (cause may be updated) */
	STORE_COMPONENT_CHANGED = 1,   /* status differs from the previous one */
	STORE_COMPONENT_FIRST = 2      /* the component had no status before */
};

/* Current status of one component; strings owned (store_component_clear()). */
struct store_component {
	char            *id;         /* NULL when store_component_get() found nothing */
	status_component status;
	int64_t          since;      /* epoch the status began: its last change */
	int64_t          first_seen; /* epoch of its first status: when it was first stored */
	char            *cause_json; /* JSON, NULL if none */
};

/*
 * Sets the status of component id at now. When status differs from the
 * current one (or there is none), the open history row is closed at now,
 * a new one opened and the current status replaced, atomically; *changed
 * (may be NULL) gets a store_component_change. When the status is the
 * same only the current cause is refreshed; history keeps the cause the
 * period started with. A clock that went backwards is clamped so history
 * periods never end before they start. cause_json (may be NULL) must be
 * valid JSON. Strings borrowed.
 */
cs_err store_component_set(struct store *st, const char *id, status_component status,
    const char *cause_json, int64_t now, int *changed, char *err, size_t errlen);

/*
 * Reads component id into *out (owned); out->id NULL when unknown.
 * first_seen is the start of its first history period, so it stays put
 * across renders and status changes (history is never pruned).
 */
cs_err store_component_get(struct store *st, const char *id, struct store_component *out,
    char *err, size_t errlen);

void store_component_clear(struct store_component *c);

/* One period of one status of a component. */
struct store_history_row {
	int64_t          id;
	const char      *component_id;
	status_component status;
	const char      *cause_json; /* NULL if none */
	int64_t          start;      /* epoch */
	int64_t          end;        /* epoch, 0 while the period is still open */
};

/* Called per history row; strings live until it returns. Nonzero stops. */
typedef int (*store_history_cb)(const struct store_history_row *row, void *ctx);

/*
 * Calls cb, oldest first, for each history period of component id that
 * overlaps [from, to) (to == 0: no upper bound), for uptime bars. Periods
 * are not clipped to the window. A nonzero return stops the walk and the
 * function returns CS_ERR_STATE.
 */
cs_err store_component_history(struct store *st, const char *id, int64_t from, int64_t to,
    store_history_cb cb, void *ctx, char *err, size_t errlen);

/*
 * Small key/value settings ("last_poll_ok" -> epoch). store_meta_get sets
 * *value to an owned copy, or NULL when the key is absent (CS_OK).
 * Strings borrowed. The _int64 forms store and read an integer;
 * store_meta_get_int64 leaves *value untouched and sets *found (may be
 * NULL) to 0 for an absent key, and fails with CS_ERR_PARSE when the value
 * is not an integer.
 */
cs_err store_meta_get(struct store *st, const char *key, char **value, char *err, size_t errlen);
cs_err store_meta_set(struct store *st, const char *key, const char *value,
    char *err, size_t errlen);
cs_err store_meta_get_int64(struct store *st, const char *key, int64_t *value, int *found,
    char *err, size_t errlen);
cs_err store_meta_set_int64(struct store *st, const char *key, int64_t value,
    char *err, size_t errlen);

/*
 * Stable text dump (golden tests, `clickstatus store dump`): the schema
 * version, then feeds, feed verdicts, components, component history,
 * outbox and meta, each sorted by key, one record per line. Items are
 * summarised by count. Control bytes in strings are escaped (\n, \t,
 * \xHH, \\, \") so a line is a record.
 */
cs_err store_dump(struct store *st, FILE *fp, char *err, size_t errlen);

/*
 * ---- Incidents and maintenances (schema version 2) ----
 *
 * The store keeps them as rows and knows nothing of their rules (see
 * incident.c, maintenance.c): statuses are the wire names those modules
 * write, priorities the integers of priority.h (0 = none). Text from AWS
 * or from engineers is stored as is. Every write below is atomic on its
 * own and joins the caller's transaction when one is open.
 */
struct store_incident {
	int64_t id;               /* 0 when store_incident_get() found nothing */
	char   *kind;             /* "aws" (opened from AWS feeds) or "manual" */
	char   *title;
	char   *status;           /* investigating, identified, monitoring, resolved, postmortem */
	int64_t opened_at;        /* epoch */
	int64_t resolved_at;      /* epoch, 0 while open */
	int     prio_suggested;   /* priority (priority.h), 0 none */
	int     prio_override;    /* an engineer's priority, 0 none: wins over prio_suggested */
	int     not_affected;     /* 1: CLICK ruled out; off the public page and notifications */
	char   *not_affected_reason; /* NULL unless not_affected */
	int64_t responded_at;     /* first update posted by a person, 0 none */
	int64_t updated_at;       /* last public update, 0 none */
	char   *rca_draft;        /* an http(s) URL or the document's text (engineer.h), NULL none */
	int64_t rca_draft_at;
	char   *rca_final;
	int64_t rca_final_at;
	int     nupdates;         /* updates so far (read only) */
};

/* Frees the strings of inc and zeroes it; NULL is a no-op. */
void store_incident_clear(struct store_incident *inc);

/*
 * Creates an incident from inc (borrowed; kind, title, status and
 * opened_at are required, id and nupdates are ignored) and sets *id.
 * CS_ERR_USAGE for a missing field, CS_ERR_DB for a kind the schema refuses.
 */
cs_err store_incident_create(struct store *st, const struct store_incident *inc, int64_t *id,
    char *err, size_t errlen);

/*
 * Rewrites every mutable field of incident inc->id (title, status,
 * resolved_at, priorities, not_affected and reason, responded_at,
 * updated_at, RCA fields) from inc (borrowed). CS_ERR_NOTFOUND if there is
 * no such incident.
 */
cs_err store_incident_put(struct store *st, const struct store_incident *inc,
    char *err, size_t errlen);

/* Reads incident id into *out (owned); out->id is 0 and CS_ERR_NOTFOUND when unknown. */
cs_err store_incident_get(struct store *st, int64_t id, struct store_incident *out,
    char *err, size_t errlen);

/* Called per incident (strings live until it returns). Nonzero stops the walk (CS_ERR_STATE). */
typedef int (*store_incident_cb)(const struct store_incident *inc, void *ctx);

/*
 * Calls cb for each incident, by id: all of them when open_since is 0;
 * otherwise those still open and those resolved at or after open_since.
 */
cs_err store_incident_list(struct store *st, int64_t open_since, store_incident_cb cb, void *ctx,
    char *err, size_t errlen);

/* One update of an incident, as posted. */
struct store_incident_update {
	int64_t     incident_id;
	int         n;               /* 1, 2, ... in posting order */
	int64_t     at;              /* epoch */
	const char *status;
	const char *body;
	const char *author;          /* login name, or "clickstatus" for AWS mirrors */
	const char *source_guid;     /* the AWS item mirrored, NULL for people */
	int         public;          /* 0: not shown nor sent (incident marked not affected) */
	const char *components_json; /* [{"id":..., "status":...}] */
};

/*
 * Appends update u (borrowed; u->n is ignored) to incident u->incident_id
 * and sets *n (may be NULL) to its number. CS_ERR_NOTFOUND for an
 * unknown incident.
 */
cs_err store_incident_add_update(struct store *st, const struct store_incident_update *u, int *n,
    char *err, size_t errlen);

typedef int (*store_incident_update_cb)(const struct store_incident_update *u, void *ctx);

/* Calls cb for each update of incident id, oldest first. Nonzero stops (CS_ERR_STATE). */
cs_err store_incident_updates(struct store *st, int64_t id, store_incident_update_cb cb, void *ctx,
    char *err, size_t errlen);

/* Sets the status (wire name) of component_id in incident id (inserts or replaces). */
cs_err store_incident_component_set(struct store *st, int64_t id, const char *component_id,
    const char *status, char *err, size_t errlen);

typedef int (*store_incident_component_cb)(const char *component_id, const char *status,
    void *ctx);

/* Calls cb for each component of incident id, by component id. Nonzero stops (CS_ERR_STATE). */
cs_err store_incident_components(struct store *st, int64_t id, store_incident_component_cb cb,
    void *ctx, char *err, size_t errlen);

/* One AWS feed behind an incident: the newest item of it mirrored. */
struct store_incident_cause {
	const char *slug;
	const char *state;   /* status_aws wire name */
	const char *guid;
	const char *title;
	int64_t     time;    /* epoch of that item */
	int         open;    /* 1 while the feed is not back to normal */
	const char *ruled_state; /* read only: the state an engineer ruled not affected, NULL none */
	int64_t     ruled_at;    /* read only: when that ruling was made (0 unknown) */
};

/* Inserts or replaces cause c->slug of incident id (c borrowed). */
cs_err store_incident_cause_set(struct store *st, int64_t id, const struct store_incident_cause *c,
    char *err, size_t errlen);

/*
 * Records what a "not affected" ruling of incident id made at now covers:
 * each open cause's AWS state now (its feed's verdict, feed_state, else
 * the cause's), and now, so that a worse state or an event begun later on
 * the same feed is not hidden by it.
 */
cs_err store_incident_rule_causes(struct store *st, int64_t id, int64_t now, char *err,
    size_t errlen);

typedef int (*store_incident_cause_cb)(const struct store_incident_cause *c, void *ctx);

/* Calls cb for each cause of incident id, by slug. Nonzero stops (CS_ERR_STATE). */
cs_err store_incident_causes(struct store *st, int64_t id, store_incident_cause_cb cb, void *ctx,
    char *err, size_t errlen);

/*
 * The audit log: who did what, when, and why. incident_id or
 * maintenance_id (0: none) names the object; action is a word ("open",
 * "update", "resolve", "priority", "not-affected", "rca-draft",
 * "rca-final", "schedule", "cancel"...); detail and reason may be NULL.
 */
cs_err store_incident_action(struct store *st, int64_t incident_id, int64_t maintenance_id,
    int64_t at, const char *author, const char *action, const char *detail, const char *reason,
    char *err, size_t errlen);

/* Scheduled maintenance. */
struct store_maintenance {
	int64_t id;              /* 0 when store_maintenance_get() found nothing */
	char   *title;
	char   *body;
	int64_t starts_at;       /* window [starts_at, ends_at): components under_maintenance */
	int64_t ends_at;
	int64_t verify_until;    /* verifying in [ends_at, verify_until), then completed */
	char   *status;          /* scheduled, in_progress, verifying, completed (as last recorded) */
	char   *components_json; /* ["component-id", ...] */
	int64_t created_at;
	char   *author;
};

void store_maintenance_clear(struct store_maintenance *m);

/* Creates m (borrowed; id ignored) and sets *id. CS_ERR_DB if the window is not ordered. */
cs_err store_maintenance_create(struct store *st, const struct store_maintenance *m, int64_t *id,
    char *err, size_t errlen);

/* Reads maintenance id into *out (owned); CS_ERR_NOTFOUND (out->id 0) when unknown. */
cs_err store_maintenance_get(struct store *st, int64_t id, struct store_maintenance *out,
    char *err, size_t errlen);

/* Records the status of maintenance id. CS_ERR_NOTFOUND when unknown. */
cs_err store_maintenance_set_status(struct store *st, int64_t id, const char *status,
    char *err, size_t errlen);

typedef int (*store_maintenance_cb)(const struct store_maintenance *m, void *ctx);

/*
 * Calls cb for each maintenance by start time: all when active_at is 0,
 * else those whose verify_until is after active_at (not yet completed then).
 */
cs_err store_maintenance_list(struct store *st, int64_t active_at, store_maintenance_cb cb,
    void *ctx, char *err, size_t errlen);

/* The incident and maintenance part of store_dump(), same format. */
cs_err store_incident_dump(struct store *st, FILE *fp, char *err, size_t errlen);

#endif
