/* decide.h: one cycle as load, decide, commit: the snapshot it reads, the decision it writes. */
#ifndef DECIDE_H
#define DECIDE_H

#include <stddef.h>
#include <stdint.h>

#include "aws/classify.h"
#include "aws/feed_parse.h"
#include "base/cs_error.h"
#include "model/config.h"
#include "model/judgement.h"
#include "model/maintenance.h"
#include "store/store.h"
#include "support/incident.h"

/*
 * A cycle reads one snapshot of the store (cycle_load), decides in a pure
 * function of that snapshot, what was fetched and now (cycle_decide), and
 * writes the whole decision in one transaction (cycle_commit). The poll
 * cycle and the engineers' changes take the same path; a change with no
 * fetch (an engineer ruling an event out) simply has no documents.
 */

#define CYCLE_KEY_ALL "all"
#define CYCLE_KEY_CURRENTEVENTS "currentevents"

/* One document of the cycle: an AWS feed, all.rss or currentevents. Borrowed strings. */
struct cycle_doc {
	const char *key;          /* feed slug, CYCLE_KEY_ALL or CYCLE_KEY_CURRENTEVENTS */
	const char *url;
	int         skipped;      /* backing off: not fetched */
	int         ok;           /* 200 and parsed, or 304 */
	int         not_modified; /* 304 */
	long        http_status;
	const char *etag, *last_modified; /* validators of the answer */
	int64_t     retry_after;  /* seconds the server asked for, 0 none */
	const char *error;        /* why it failed (NULL when ok) */
	const struct feed_item *items; /* a 200 feed's items */
	size_t      nitems;
	const char *body;         /* a 200 currentevents document */
	size_t      blen;
};

/* One AWS incident of the snapshot, with what incident_decide() reads of it. */
struct cycle_incident {
	struct store_incident inc;           /* owned strings */
	struct incident_cause *causes;       /* owned strings */
	size_t ncauses;
	struct incident_component *comps;    /* owned ids */
	size_t ncomps;
};

/* One maintenance of the snapshot. */
struct cycle_maintenance {
	struct store_maintenance m;   /* owned strings */
	char **ids;                   /* its component ids, NULL-terminated, owned */
	struct maintenance_window w;  /* borrows ids */
};

/* What the store held when the cycle began (cycle_load). Everything owned. */
struct cycle_snapshot {
	int64_t now;
	struct store_feed *fetch;       /* fetch state per document, cycle_doc_key() order */
	size_t nfetch;
	char *open_events_json;         /* the currentevents record as stored (CYCLE_META_OPEN_EVENTS),
	                                 * NULL none */
	char *ce_seen_json;             /* its seen disagreements as stored (CYCLE_META_CE_SEEN), NULL
	                                 * none: the record's own "seen" then */
	int64_t last_poll, last_poll_ok;
	struct feed_item *items;        /* stored items of the configuration's feeds as of now; each
	                                 * item's strings are one allocation starting at its title */
	size_t nitems;
	struct cycle_incident *incidents; /* open, or resolved within the flap window */
	size_t nincidents;
	struct cycle_maintenance *maint;  /* not completed a day before now */
	size_t nmaint;
	struct store_component *comps;  /* the components' committed statuses, configuration order */
	size_t ncomps;
};

/* One component whose status changes. */
struct cycle_change {
	const struct config_component *cfg;
	int              had;        /* it had a status before */
	status_component from, to;
	char            *cause_json; /* owned */
};

/* One maintenance moving to another status by the clock. */
struct cycle_mstep {
	const struct cycle_maintenance *m; /* borrowed from the snapshot */
	const char *to;                    /* static status name */
};

/* Everything one cycle decided. Owned; cycle_decision_free(). */
struct cycle_decision {
	int64_t now;
	struct store_feed *fetch;     /* new fetch state per document not skipped (borrows urls, errors) */
	size_t nfetch;
	size_t fetched, not_modified, failed, skipped; /* documents by outcome */
	char *open_events_json;       /* the currentevents record to store (CYCLE_META_OPEN_EVENTS),
	                               * NULL unchanged */
	char *ce_seen_json;           /* the seen disagreements to store (CYCLE_META_CE_SEEN), NULL
	                               * unchanged */
	struct reconcile_set *ce_new; /* this cycle's currentevents document folded (step 1), NULL
	                               * when none parsed; taken by step 2 */
	int poll;                     /* a poll happened: record last_poll (and last_poll_ok) */
	int poll_ok;                  /* every document was read */
	struct classify *cls;         /* the verdicts (store_feed_state rows) */
	const struct feed_item **judged; /* the items classified, sorted by guid; borrowed from the
	                                  * snapshot and the documents (owned array) */
	size_t njudged;
	struct judgement *judgement;  /* what every view shows */
	struct cycle_change *changes; /* component statuses that change */
	size_t nchanges;
	char **causes;                /* cause JSON of every component, configuration order */
	size_t ncauses;
	struct incident_plan *plan;   /* AWS incident actions */
	struct cycle_mstep *msteps;
	size_t nmsteps;
	char *parse_error;            /* why currentevents did not parse (fetch state borrows it) */
	int64_t ahead;                /* seconds the newest item fetched is dated ahead of now
	                               * (taken within clock_skew, later beyond); 0 none */
};

/*
 * The documents of every cycle, in order: the configuration's feed slugs
 * (sorted), then CYCLE_KEY_ALL, then CYCLE_KEY_CURRENTEVENTS. Sets *n.
 * The names are borrowed from cfg, or static.
 */
const char *cycle_doc_key(const struct config *cfg, size_t i, size_t *n);

/*
 * Reads the snapshot of cfg at now: the fetch state of every document
 * (cycle_doc_key order), meta, items, incidents, maintenances, component
 * statuses. Meant to run inside the transaction that commits. Returns
 * CS_OK and an owned *out, or the store's error.
 */
cs_err cycle_load(const struct config *cfg, struct store *st, int64_t now,
    struct cycle_snapshot **out, char *err, size_t errlen);

void cycle_snapshot_free(struct cycle_snapshot *s);

/*
 * Decides the cycle: docs (parallel to the snapshot's fetch state; ndocs
 * 0 for a change without a fetch) at now over snap. Pure: no store, no
 * clock, no network. The rules live in the modules it calls (classify,
 * mapper, incident, maintenance, judgement); the order is documented in
 * cycle_decide.c. Returns CS_OK and an owned *out, or CS_ERR_NOMEM.
 */
cs_err cycle_decide(const struct config *cfg, const struct cycle_snapshot *snap,
    const struct cycle_doc *docs, size_t ndocs, int64_t now, struct cycle_decision **out,
    char *err, size_t errlen);

void cycle_decision_free(struct cycle_decision *d);

/* Counts of what a commit wrote, for the report. */
struct cycle_written {
	size_t items_new, items_revised, outbox_added;
};

/*
 * Writes decision d (of docs) into st: fetch state, items, verdicts,
 * component statuses, the judgement record, incidents, maintenances and
 * every outbox row they owe. Inside the caller's transaction; on error the
 * caller rolls back. Returns CS_OK or the store's error.
 */
cs_err cycle_commit(const struct config *cfg, struct store *st,
    const struct cycle_doc *docs, size_t ndocs, const struct cycle_decision *d,
    struct cycle_written *w, char *err, size_t errlen);

/*
 * Store meta keys.
 *
 * CYCLE_META_OPEN_EVENTS holds what currentevents says per slug
 * (aws/reconcile.h), so that a cycle whose currentevents answers 304 or
 * fails judges with the last document's events:
 *
 *   { "schema": 2,
 *     "events": [ { "slug": "connect-us-east-1", "open": true, "state": "disruption",
 *                   "start": EPOCH, "updated": EPOCH, "end_time": 0,
 *                   "title": "Increased call failures",
 *                   "guid": "currentevents:arn:aws:health:us-east-1::event/...:connect-us-east-1" },
 *                 ... ],
 *     "seen": [ { "slug": "connect-us-east-1", "disagreement": "currentevents_only" }, ... ] }
 *
 * events: every slug of the last document that parsed, sorted (open: the
 * worst "current" state, the deciding event's date, newest event_log time,
 * summary; ended: "normal", end_time in updated and end_time, guid ending
 * ":end"), plus the ended slugs of earlier documents that it no longer
 * lists, for the quiet limit after their end. seen: empty; stores written
 * before CYCLE_META_CE_SEEN kept the disagreements here, and they are read
 * while that key is absent. Versions before this form stored a JSON array
 * of the open slugs; it is still read, and only keeps the quiet limit off
 * for those slugs until the next document. Written only when its text
 * changes: AWS's document is the same most polls.
 *
 * CYCLE_META_CE_SEEN holds the disagreements of the configuration's feeds
 * in the last cycle, so each is logged once, when it appears:
 *
 *   [ { "slug": "connect-us-east-1", "disagreement": "currentevents_only" }, ... ]
 *
 * (reconcile_disagree_name()). Apart from the record because they change
 * at every start and end of an event, when the record does not, and the
 * record is ~100 KB on a busy day: rewriting it then cost the change's
 * cycle a few milliseconds (tests/bench/bench-mqtt.sh).
 */
#define CYCLE_META_OPEN_EVENTS "currentevents_open" /* the currentevents record, above */
#define CYCLE_META_CE_SEEN "currentevents_seen"     /* its seen disagreements, above */
#define CYCLE_META_LAST_POLL "last_poll"            /* epoch of the last cycle */
#define CYCLE_META_LAST_POLL_OK "last_poll_ok"      /* epoch of the last cycle that read every document */
#define CYCLE_META_JUDGEMENT "judgement"            /* the committed judgement (judgement.h) */
#define CYCLE_META_CLOCK_AHEAD "clock_ahead"        /* seconds AWS's newest item was ahead of our clock, 0 none */

#endif
