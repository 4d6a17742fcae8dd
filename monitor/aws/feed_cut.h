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
 * The time span of the items of buf: *first and *last (0 when it has
 * none). Same reading and errors as feed_cut.
 */
cs_err feed_span(const char *name, const char *buf, size_t len, int64_t *first, int64_t *last,
    char *err, size_t errlen);

#endif
