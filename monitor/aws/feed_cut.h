/* feed_cut.h: a recorded feed as it was at an earlier time, for replays. */
#ifndef FEED_CUT_H
#define FEED_CUT_H

#include <stddef.h>
#include <stdint.h>

#include "base/cs_error.h"

/*
 * An AWS feed records every update of an event; at a moment of the event
 * only the items published by then existed. Returns in *out (owned, free)
 * the RSS document buf with every <item> dated after t removed (the date
 * of the guid fragment, else its pubDate; an item with neither is kept),
 * and in *kept the number of items left. The rest of the document is kept
 * as libxml2 serialises it. Read with no network, no DTD and no entity
 * expansion; the bare '&' of old feeds is recovered. CS_ERR_PARSE naming
 * name when buf is not an RSS document, CS_ERR_NOMEM.
 */
cs_err feed_cut(const char *name, const char *buf, size_t len, int64_t t, char **out,
    size_t *outlen, size_t *kept, char *err, size_t errlen);

/*
 * Appends the dates of the items of buf (as feed_cut reads them; items
 * with none are skipped) to the owned array *times of *n entries
 * (realloc'd; start with NULL, 0). Same reading and errors as feed_cut.
 */
cs_err feed_item_times(const char *name, const char *buf, size_t len, int64_t **times,
    size_t *n, char *err, size_t errlen);

/*
 * The last event of a recording: sorts times (n entries) and sets *first
 * and *last to the span of the newest run of items in which no two
 * neighbours are more than gap seconds apart (0, 0 when n is 0). AWS
 * posts an update at least every few hours while an event lasts, so a
 * silence longer than the quiet limit separates two events.
 */
void feed_last_event(int64_t *times, size_t n, int64_t gap, int64_t *first, int64_t *last);

#endif
