/* judgement.h: the committed judgement: what AWS says, mapped onto the product, as of one cycle. */
#ifndef JUDGEMENT_H
#define JUDGEMENT_H

#include <stddef.h>
#include <stdint.h>

#include "aws/classify.h"
#include "base/cs_error.h"
#include "model/config.h"
#include "model/mapper.h"

/*
 * The judgement is the record the cycle commits and every view reads: the
 * site, `status`, `explain` (and later MQTT's retained state). Nothing
 * downstream classifies or maps again; they read this record.
 *
 * Its stored form is one JSON document (store meta key "judgement"):
 *
 *   { "schema": 1, "judged_at": EPOCH, "last_poll": EPOCH, "last_poll_ok": EPOCH,
 *     "data_verified_at": EPOCH, "indicator": "minor", "description": "Minor Service Outage",
 *     "feeds": [ { "slug", "readable", "last_success", "has_items", "state",
 *                  "updated", "title", "guid", "event_start", "quiet_closed",
 *                  "unknown_prefix", "source", "disagreement" } ... ],
 *     "components": [ { "id", "status",
 *                       "causes": [ { "slug", "service", "region", "aws_state",
 *                                     "status", "title", "guid", "time" } ... ] } ... ] }
 *
 * source and disagreement (reconcile_source_name(), reconcile_disagree_name())
 * say whether the verdict rests on the RSS feed, currentevents or both, and
 * how they differ; a record written before they existed reads as "rss" and
 * "none".
 *
 * Time alone changes one thing in it: data ages. A view at a later instant
 * (judgement_age()) applies the staleness rule below to each feed and makes
 * the dependents of a feed no longer fresh unknown, exactly as the mapper
 * would have: its cause becomes "unknown", an outage seen elsewhere still
 * wins. Nothing else is re-decided at view time.
 *
 * Freshness of the page as a whole
 * --------------------------------
 * data_verified_at says since when what the page shows as known was read
 * from AWS: the oldest last read of the configuration's feeds that are
 * still readable. Each poll that reads every feed of the configuration
 * moves it to that poll; a feed that failed in the last poll holds it back
 * to its own last read (its verdict is still shown, from then), until it is
 * past the limit: its dependents are then unknown, said so component by
 * component, and it no longer holds the page back. all.rss and
 * currentevents are secondary documents: they never count here. When no
 * feed is readable, data_verified_at is the last read of any feed (0 when
 * none was ever read) and the page is stale: one rule, stale exactly when
 * data_verified_at is not fresh (judgement_fresh), so a stale page is one
 * on which every AWS-backed status is unknown.
 */

/* Feeds not read for this many poll intervals make their dependents unknown. */
#define JUDGEMENT_STALE_INTERVALS 3

/* Nonzero when data last read at last_success still counts at now. */
int judgement_fresh(int64_t last_success, int64_t now, int64_t poll_interval);

/* One feed the configuration needs, as judged. Strings owned by the judgement. */
struct judgement_feed {
	char      *slug;
	int        readable;      /* read within the staleness limit */
	int64_t    last_success;  /* epoch of the last successful read, 0 never */
	int        has_items;     /* 0: no item (normal) */
	status_aws state;         /* the classifier's verdict (normal without items) */
	int64_t    updated;       /* epoch of the newest item */
	char      *title;         /* newest item's title, "" without items */
	char      *guid;          /* newest item's guid, "" without items */
	int64_t    event_start;   /* first item of the open event, 0 if normal */
	int        quiet_closed;  /* an open event closed by the quiet limit */
	int        unknown_prefix;/* the newest title had a prefix we do not know */
	enum reconcile_source   source;   /* the document the verdict rests on */
	enum reconcile_disagree disagree; /* how the RSS feed and currentevents differ */
};

struct judgement {
	int64_t               judged_at;    /* the instant judged */
	int64_t               viewed_at;    /* the instant shown: judged_at, or later after judgement_age() */
	struct mapper_result *map;          /* what the product's users are shown (borrows cfg) */
	struct judgement_feed *feeds;       /* one per feed slug of the configuration, sorted */
	size_t                nfeeds;
	int64_t               last_poll;    /* epoch of the last cycle, 0 never */
	int64_t               last_poll_ok; /* epoch of the last cycle that read every document
	                                     * (all.rss and currentevents too), 0 never; a record
	                                     * only, freshness does not follow it */
	int64_t               data_verified_at; /* see above: the readable feeds' oldest last read, 0 never */
	int                   stale;        /* data_verified_at not fresh at viewed_at: no feed readable */
};

/*
 * Builds a judgement of cfg at now from the verdicts (feeds, nfeeds: as the
 * mapper saw them, readable set), each feed's last successful read
 * (last_success, parallel to feeds) and the final map (owned: moved into
 * the judgement, also on failure). Returns CS_OK and an owned *out, or
 * CS_ERR_NOMEM.
 */
cs_err judgement_new(const struct config *cfg, int64_t now, const struct mapper_feed *feeds,
    const int64_t *last_success, size_t nfeeds, struct mapper_result *map, int64_t last_poll,
    int64_t last_poll_ok, struct judgement **out);

/* The stored form (see above). Returns an owned string, NULL on no memory. */
char *judgement_to_json(const struct judgement *j);

/*
 * Reads the stored form for cfg. A component of cfg the record does not
 * know (the configuration changed since) is unknown with no cause; one the
 * record has but cfg does not is dropped. Returns CS_OK and an owned *out,
 * CS_ERR_PARSE with the reason in err for a malformed record, CS_ERR_NOMEM.
 */
cs_err judgement_from_json(const struct config *cfg, const char *text, struct judgement **out,
    char *err, size_t errlen);

/*
 * Ages j to the instant now (>= j->judged_at; earlier is a no-op): feeds
 * whose last read is no longer fresh become unreadable, their dependents'
 * causes unknown, statuses and indicator follow; data_verified_at and
 * stale follow the feeds still readable. Returns CS_OK or CS_ERR_NOMEM (j is then unchanged in
 * what it shows but may have lost a feed's readable flag).
 */
cs_err judgement_age(struct judgement *j, const struct config *cfg, int64_t now);

/* Looks a feed up by slug; NULL when the configuration does not need it. */
const struct judgement_feed *judgement_feed_find(const struct judgement *j, const char *slug);

/* Looks a component up by id; NULL when unknown. */
const struct mapper_component *judgement_component(const struct judgement *j, const char *id);

/* Frees j; NULL is a no-op. */
void judgement_free(struct judgement *j);

#endif
