/* digest.h: a fast 128-bit hash of page inputs, the cache key that lets unchanged pages be reused. */
#ifndef DIGEST_H
#define DIGEST_H

#include <stddef.h>
#include <stdint.h>

#define DIGEST_HEXLEN 33              /* 32 hex digits and NUL */

/*
 * Two independent 64-bit lanes, eight bytes at a time. Not cryptographic:
 * it tells versions of a page's inputs apart (a collision would keep a
 * stale page, at odds of 2^-128 per pair); it is no defence against
 * someone who chooses both versions. Every update also mixes in the
 * length, so ("ab","c") and ("a","bc") differ.
 */
struct digest {
	uint64_t a, b;
};

/* Starts d. */
void digest_init(struct digest *d);
/* Adds len bytes of data (borrowed). */
void digest_update(struct digest *d, const void *data, size_t len);
/* Adds a string; NULL and "" differ. */
void digest_str(struct digest *d, const char *s);
/* Adds an integer. */
void digest_i64(struct digest *d, int64_t v);
/* Writes the 32 hex digits of d into out; d is unchanged. */
void digest_hex(const struct digest *d, char out[DIGEST_HEXLEN]);

#endif
