/* reconcile.h: what currentevents says of each service-region, and how it and the RSS feed make one verdict. */
#ifndef RECONCILE_H
#define RECONCILE_H

#include <stddef.h>
#include <stdint.h>

#include "aws/currentevents.h"
#include "base/cs_error.h"
#include "base/status.h"

/*
 * AWS publishes each event twice: as items of the service's RSS feed and as
 * an entry of the currentevents document (health.aws.amazon.com). Either
 * can lag or miss: an RSS feed can stay empty while currentevents lists the
 * event, and many events never get an RSS resolution item while
 * currentevents sets end_time. This module folds the document per slug
 * (reconcile_from_currentevents) and decides one slug from both
 * (reconcile_decide; its rule table is in reconcile.c). classify.c calls it.
 */

/* Which document a verdict rests on. */
enum reconcile_source {
	RECONCILE_RSS = 0,          /* the RSS feed's items */
	RECONCILE_CURRENTEVENTS,    /* the currentevents document alone */
	RECONCILE_BOTH              /* both list the event open */
};

/* How the two documents differ for one slug. */
enum reconcile_disagree {
	RECONCILE_AGREE = 0,
	RECONCILE_CE_ONLY,          /* currentevents lists an open event, the RSS feed shows none */
	RECONCILE_RSS_ONLY,         /* the RSS feed shows an open event, currentevents lists none */
	RECONCILE_CE_ENDED          /* currentevents says it ended, the RSS feed still shows it open */
};

/*
 * What currentevents says of one slug, over every event that lists it (as
 * its own service or under impacted_services). An open event that lists
 * the slug with "current" above 0 makes it open; otherwise the latest
 * end_time of an ended event that lists it makes it ended. Strings owned
 * by the set.
 */
struct reconcile_event {
	char      *slug;      /* "connect-us-east-1", "route53" */
	int        open;      /* an open event counts the slug as impacted now */
	status_aws state;     /* open: the worst "current"; STATUS_AWS_UNKNOWN for a record of
	                       * the old stored form, which only knew that the slug was open */
	int64_t    start;     /* date of the event that decides (open: the earliest open one) */
	int64_t    updated;   /* open: its newest event_log entry (date without one); ended: end_time */
	int64_t    end_time;  /* ended: the latest end_time; 0 while open */
	char      *title;     /* the deciding event's summary, as AWS wrote it */
	char      *guid;      /* "currentevents:<arn>:<slug>" ("<service>_<date>" without an
	                       * arn), ":end" appended for an ended slug: stable across polls */
};

/* A disagreement remembered from the last cycle, so the log says it once. */
struct reconcile_seen {
	char                   *slug;
	enum reconcile_disagree kind;
};

/*
 * The stored record of currentevents (decide.h, CYCLE_META_OPEN_EVENTS):
 * the last document's events per slug, and the disagreements of the last
 * cycle. Owned; reconcile_set_free().
 */
struct reconcile_set {
	struct reconcile_event *ev;   /* sorted by slug, distinct */
	size_t                  n;
	int                     legacy; /* read from the old form (a list of open slugs) */
	struct reconcile_seen  *seen; /* sorted by slug, distinct */
	size_t                  nseen;
};

/*
 * Folds the parsed document ce per slug (see struct reconcile_event).
 * Returns CS_OK and an owned *out (no seen disagreements), or CS_ERR_NOMEM.
 */
cs_err reconcile_from_currentevents(const struct currentevents *ce, struct reconcile_set **out);

/*
 * Keeps in s the ended slugs of prev (the record before this document)
 * that s no longer lists, while now - end_time <= keep (the quiet limit):
 * AWS drops ended events from currentevents after a while, and an RSS
 * event the end closed must not open again when it does. Returns CS_OK or
 * CS_ERR_NOMEM (s is then unchanged).
 */
cs_err reconcile_keep_ended(struct reconcile_set *s, const struct reconcile_set *prev,
    int64_t now, int64_t keep);

/*
 * A new set holding the events and seen disagreements of s whose slug
 * keep() accepts (ctx is passed through), legacy as s. Returns CS_OK and
 * an owned *out, or CS_ERR_NOMEM.
 */
cs_err reconcile_filter(const struct reconcile_set *s,
    int (*keep)(const char *slug, const void *ctx), const void *ctx, struct reconcile_set **out);

/* Replaces the seen disagreements of s with a copy of v (any order). CS_OK or CS_ERR_NOMEM. */
cs_err reconcile_set_seen(struct reconcile_set *s, const struct reconcile_seen *v, size_t n);

/* The event of slug in s; NULL when s (or s itself) lists none. Borrowed. */
const struct reconcile_event *reconcile_find(const struct reconcile_set *s, const char *slug);

/* The disagreement remembered for slug; RECONCILE_AGREE when none. */
enum reconcile_disagree reconcile_seen_kind(const struct reconcile_set *s, const char *slug);

/*
 * The stored form (documented in cycle/decide.h). Returns an owned string,
 * NULL on no memory.
 */
char *reconcile_to_json(const struct reconcile_set *s);

/*
 * Reads the stored form; the old form (a JSON array of open slugs) gives a
 * legacy set. Returns CS_OK and an owned *out, CS_ERR_PARSE (err says
 * where) or CS_ERR_NOMEM.
 */
cs_err reconcile_from_json(const char *text, struct reconcile_set **out, char *err, size_t errlen);

/*
 * The seen disagreements alone (cycle/decide.h, CYCLE_META_CE_SEEN): a
 * JSON array like the record's "seen". They change when an event starts
 * or ends on either side, the events only with AWS's document, so each is
 * stored apart and a change of one never writes the other (the record is
 * ~100 KB on a busy day). Returns an owned string, NULL on no memory.
 */
char *reconcile_seen_to_json(const struct reconcile_set *s);

/*
 * Reads that array into s, replacing its seen disagreements (s unchanged
 * on error). Returns CS_OK, CS_ERR_PARSE (err says where) or CS_ERR_NOMEM.
 */
cs_err reconcile_seen_from_json(const char *text, struct reconcile_set *s, char *err,
    size_t errlen);

void reconcile_set_free(struct reconcile_set *s);

/* What the RSS feed says of one slug, as classify's rules 1-9 and 11 decide it. */
struct reconcile_rss {
	int        have;      /* the feed has an item */
	int        open;      /* its newest item is open (not closing) */
	status_aws state;     /* open: the newest item's state */
	int64_t    updated;   /* epoch of the newest item */
};

/* One slug decided. */
struct reconcile_verdict {
	int                     listed;       /* there is a verdict (else: no item, normal) */
	status_aws              state;
	enum reconcile_source   source;
	int                     ce_text;      /* title, guid, time from the event, not the RSS item */
	enum reconcile_disagree disagree;
	int                     quiet_closed; /* the RSS event closed by the quiet limit */
	int                     ended;        /* closed by currentevents' end_time */
};

/*
 * Decides one slug from rss and ce (NULL: currentevents does not list it;
 * pass NULL too when no document is usable). known: a document was read
 * (not a legacy record), so that a missing event is evidence.
 * now, quiet_limit as classify_new(). Pure.
 */
void reconcile_decide(const struct reconcile_rss *rss, const struct reconcile_event *ce,
    int known, int64_t now, int64_t quiet_limit, struct reconcile_verdict *out);

/* Wire names ("rss", "currentevents", "both"; "none", "currentevents_only", ...); never NULL. */
const char *reconcile_source_name(enum reconcile_source s);
const char *reconcile_disagree_name(enum reconcile_disagree d);

/* Parse a wire name: 0 and *out, or -1 if unknown. */
int reconcile_source_parse(const char *name, enum reconcile_source *out);
int reconcile_disagree_parse(const char *name, enum reconcile_disagree *out);

/* The disagreement in words for people and logs ("currentevents lists an open event ..."). */
const char *reconcile_disagree_text(enum reconcile_disagree d);

#endif
