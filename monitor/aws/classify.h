/* classify.h: decides the state of each AWS service-region from its feed items. */
#ifndef CLASSIFY_H
#define CLASSIFY_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "base/cs_error.h"
#include "aws/feed_parse.h"
#include "base/status.h"

/*
 * The verdict for one slug (AWS "service-region", e.g. "connect-us-east-1",
 * or a global service "route53"). The newest item by epoch decides; see the
 * rule table in classify.c and README. Strings are owned by the classifier.
 */
struct classify_service {
	char      *slug;
	status_aws state;       /* never STATUS_AWS_UNKNOWN */
	int64_t    updated;     /* epoch of the newest item considered */
	char      *title;       /* title of the newest item */
	char      *guid;        /* guid of the newest item */
	int64_t    event_start; /* epoch of the first item of the open event, 0 if normal */
	int        resolved;    /* newest item says the event is resolved */
	int        quiet_closed;/* open event closed by the quiet limit */
	int        unknown_prefix; /* the newest title had a prefix we do not know */
};

struct classify;

/*
 * Creates a classifier judging as of now (items with epoch > now are
 * ignored; now == 0 means "no limit") with the given quiet limit in seconds
 * (an unresolved event whose newest update is older is closed as normal,
 * unless classify_set_open_events() lists it). Returns NULL on no memory.
 */
struct classify *classify_new(int64_t now, int64_t quiet_limit);

/*
 * Adds one item (copies what it keeps). Suitable as a feed_item_cb through
 * classify_item_cb. Returns CS_OK or CS_ERR_NOMEM.
 */
cs_err classify_add(struct classify *c, const struct feed_item *item);
int classify_item_cb(const struct feed_item *item, void *ctx); /* ctx = struct classify * */

/*
 * Marks slugs that the currentevents document still lists as open: such an
 * event is never closed by the quiet limit. slugs is borrowed.
 */
cs_err classify_set_open_events(struct classify *c, const char *const *slugs, size_t n);

/*
 * Computes the verdicts. The array is owned by c, sorted by slug, valid until
 * the next call that changes c or classify_free(). A slug that had a feed but
 * no items is not listed (callers treat an empty feed as normal).
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
