/* cycle.h: one poll cycle (fetch, parse, store, classify, map, record) and the judgement behind it. */
#ifndef CYCLE_H
#define CYCLE_H

#include <stddef.h>
#include <stdint.h>

#include "aws/classify.h"
#include "model/config.h"
#include "base/cs_error.h"
#include "model/mapper.h"
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

/*
 * The state of everything as of one instant, judged from the store: the
 * classifier's verdicts, what the mapper made of them. Owned by the
 * caller, freed with cycle_judgement_free().
 */
struct cycle_judgement {
	int64_t              now;
	struct classify     *cls;
	struct mapper_feed  *feeds;   /* one per feed slug of the configuration */
	size_t               nfeeds;
	struct mapper_result *map;    /* what the product's users are shown */
	struct mapper_result *aws_map; /* what AWS alone says, before engineers ruled some
	                                * AWS events out ("CLICK not affected"); incidents
	                                * follow this one. NULL when it equals map */
	int64_t              last_poll_ok;   /* epoch of the last cycle in which every feed was read, 0 never */
	int64_t              last_poll;      /* epoch of the last cycle, 0 never */
	int                  stale;          /* last_poll_ok older than 3 poll intervals */
};

/*
 * Runs one poll cycle at now: fetches every feed the configuration needs,
 * all.rss and the currentevents document (conditionally, in parallel,
 * skipping feeds that back off), stores the new and edited AWS items and
 * the fetch state, judges (cycle_judge) and records every component whose
 * status changed, in ONE transaction together with what the change owes
 * the outside world (outbox rows: a site render, an MQTT message per
 * component). A feed that fails is logged through log, keeps its items and
 * previous verdict, and backs off; it never spoils the other feeds.
 * Returns CS_OK (also when some feeds failed: see *report), or an error
 * when the store or the poller itself failed (nothing is committed then).
 * cfg, opt are borrowed; report may be NULL.
 */
cs_err cycle_poll(const struct config *cfg, struct store *st, struct poll *p, int64_t now,
    const struct cycle_options *opt, struct cycle_report *report, cycle_log_fn log,
    void *logctx, char *err, size_t errlen);

/*
 * Judges the state as of now from what the store holds: re-classifies each
 * feed the configuration needs from its stored items (items after now are
 * ignored, so a replay with --now is deterministic), honours the open
 * events of the last currentevents document, marks a feed unreadable when
 * it has not been read for 3 poll intervals (or never), and maps the
 * verdicts onto the components: once as AWS says (aws_map), once without
 * the AWS events engineers ruled out for the product (map), then puts the
 * components of a maintenance in progress under maintenance. Writes
 * nothing. *out is owned.
 */
cs_err cycle_judge(const struct config *cfg, struct store *st, int64_t now,
    struct cycle_judgement **out, char *err, size_t errlen);

void cycle_judgement_free(struct cycle_judgement *j);

/*
 * The cause of a component as JSON text (an array of objects with slug,
 * service, region, aws_state, title, guid, time): what the store keeps
 * and the API shows. Returns an owned string, NULL when out of memory.
 */
char *cycle_cause_json(const struct mapper_component *mc);

#endif
