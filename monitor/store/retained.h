/* retained.h: the MQTT topics the broker was acknowledged to hold a retained message of. */
#ifndef RETAINED_H
#define RETAINED_H

#include <stdint.h>

#include "base/cs_error.h"
#include "store/store.h"

/*
 * A retained message stays on the broker until replaced or cleared with an
 * empty one; the publisher must remember what it left there to clear what
 * leaves its state (a resolved incident, a feed no longer watched), across
 * restarts and crashes. It records a topic once the broker acknowledged
 * its retained message, and forgets it once the broker acknowledged the
 * clearing.
 */

/* Records (held nonzero) or forgets topic (borrowed) at now. */
cs_err store_retained_set(struct store *st, const char *topic, int held, int64_t now,
    char *err, size_t errlen);

/* Called per recorded topic (valid during the call); nonzero stops the walk. */
typedef int (*store_retained_cb)(const char *topic, void *ctx);

/* Calls cb for every recorded topic, in byte order. */
cs_err store_retained_list(struct store *st, store_retained_cb cb, void *ctx, char *err,
    size_t errlen);

#endif
