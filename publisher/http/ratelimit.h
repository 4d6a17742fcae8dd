/* ratelimit.h: how many requests a client made in the last window, in memory, bounded. */
#ifndef RATELIMIT_H
#define RATELIMIT_H

#include <stddef.h>
#include <stdint.h>

#include "base/cs_error.h"

/*
 * A sliding-window counter per key (a client address): each key keeps the
 * count of its current fixed window (which starts at its first request) and
 * of the one before, and a request at now, elapsed seconds into the
 * current window, is allowed while
 *
 *     previous * (window - elapsed - 1) / window + current < limit
 *
 * i.e. the previous window's requests are taken as spread evenly over its
 * seconds and only the seconds of it still inside (now - window, now]
 * count (a request made at T counts until T + window). This is the
 * usual approximation of a sliding log in constant memory per key (exact
 * during a key's first window, which is what a flood meets); a refused
 * request is not counted. At most max_keys keys are held: when full, the key
 * seen least recently is forgotten (its client starts afresh), so memory is
 * bounded whatever the number of clients. Not thread-safe.
 */
struct ratelimit;

/*
 * A limiter allowing limit (>= 1) requests per window (seconds, >= 1) per
 * key, holding up to max_keys (>= 1) keys. Owned *out (ratelimit_free);
 * CS_ERR_NOMEM, CS_ERR_USAGE for a bad argument.
 */
cs_err ratelimit_new(int limit, int64_t window, size_t max_keys, struct ratelimit **out,
    char *err, size_t errlen);

/* Frees rl; NULL is a no-op. */
void ratelimit_free(struct ratelimit *rl);

/*
 * Counts one request of key (borrowed, at most RATELIMIT_KEY_MAX - 1 bytes;
 * longer keys are cut) at now. Returns 1 when it is allowed (and counted);
 * 0 when refused, with *retry_after (may be NULL) the seconds until a
 * request of key would be allowed again (>= 1) and *again (may be NULL) 1
 * when key's previous request was refused too (a flood is logged once, not
 * once a request). A clock going backwards is taken as no time passing.
 */
int ratelimit_hit(struct ratelimit *rl, const char *key, int64_t now, int64_t *retry_after,
    int *again);

#define RATELIMIT_KEY_MAX 64

#endif
