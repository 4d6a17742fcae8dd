/* classify.h: decides the state of each AWS service-region from its feed items. */
#ifndef CLASSIFY_H
#define CLASSIFY_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "base/cs_error.h"
#include "aws/feed_parse.h"
#include "aws/reconcile.h"
#include "base/status.h"

/*
 * The verdict for one slug (AWS "service-region", e.g. "connect-us-east-1",
 * or a global service "route53"). The newest item by epoch decides, then
 * the currentevents document may open or close it; see the rule tables in
 * classify.c and reconcile.c. Strings are owned by the classifier.
 *
 * title, guid and updated are those of the newest RSS item, or, when the
 * verdict rests on currentevents (source currentevents, or both with the
 * event the worse), of the event: its summary, "currentevents:<arn>:<slug>"
 * (":end" appended once it ended) and its newest update (end_time once
 * ended).
 */
struct classify_service {
	char      *slug;
	status_aws state;       /* never STATUS_AWS_UNKNOWN */
	int64_t    updated;     /* epoch of the newest update considered */
	char      *title;       /* its title (an item's, or the event's summary) */
	char      *guid;        /* its guid */
	int64_t    event_start; /* epoch of the first item of the open event, 0 if normal */
	int        resolved;    /* AWS says the event is over (an item, or currentevents' end_time) */
	int        quiet_closed;/* open event closed by the quiet limit: AWS said nothing */
	int        unknown_prefix; /* the newest title had a prefix we do not know */
	enum reconcile_source   source;   /* the document the verdict rests on */
	enum reconcile_disagree disagree; /* how the RSS feed and currentevents differ */
	int        disagree_new;/* disagree differs from what the last cycle remembered */
	char      *closing_title; /* for a close AWS posted no RSS item for (quiet_closed, or
	                           * ended by currentevents): the words saying so, for the
	                           * incident update; NULL otherwise */
};

struct classify;

/*
 * Creates a classifier judging as of now (items with epoch > now are
 * ignored; now == 0 means "no limit") with the given quiet limit in seconds
 * (an unresolved event whose newest update is older is closed as normal,
 * unless currentevents lists it open: classify_set_currentevents()).
 * Returns NULL on no memory.
 */
struct classify *classify_new(int64_t now, int64_t quiet_limit);

/*
 * Adds one item (copies what it keeps). Suitable as a feed_item_cb through
 * classify_item_cb. Returns CS_OK or CS_ERR_NOMEM.
 */
cs_err classify_add(struct classify *c, const struct feed_item *item);
int classify_item_cb(const struct feed_item *item, void *ctx); /* ctx = struct classify * */

/*
 * Gives the classifier what currentevents says (reconcile.h), read at
 * read_at (epoch of the document's last good read): s is owned by c from
 * now on (NULL: none). A document read more than the quiet limit before
 * now counts for nothing. s's seen disagreements are the last cycle's:
 * they set each verdict's disagree_new.
 */
void classify_set_currentevents(struct classify *c, struct reconcile_set *s, int64_t read_at);

/*
 * Computes the verdicts. The array is owned by c, sorted by slug, valid until
 * the next call that changes c or classify_free(). A slug that had a feed but
 * no items is not listed (callers treat an empty feed as normal), unless
 * currentevents lists it (reconcile.c rules F, G).
 */
const struct classify_service *classify_result(struct classify *c, size_t *n);

/* Looks a slug up in the result; NULL if it was never seen. */
const struct classify_service *classify_find(struct classify *c, const char *slug);

/* Stable text dump of the result (golden tests, `clickstatus feed`). */
void classify_dump(struct classify *c, FILE *fp);

void classify_free(struct classify *c);

/*
 * Reads the title prefix: returns the state it announces and sets *resolved
 * when a [RESOLVED] marker (any case, [解決済]) follows. Returns -1 for an
 * unknown prefix. Exposed for tests.
 */
int classify_title(const char *title, status_aws *state, int *resolved);

#endif
