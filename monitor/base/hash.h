/* hash.h: the 64-bit FNV-1a hash, for hash tables and reproducible pseudo-random spreads. */
#ifndef HASH_H
#define HASH_H

#include <stddef.h>
#include <stdint.h>

/*
 * FNV-1a (Fowler, Noll, Vo): for each byte, h = (h XOR byte) * prime, with
 * the 64-bit prime 2^40 + 2^8 + 0xb3. Fast, deterministic on every platform
 * and good enough to spread short keys; not a defence against chosen keys,
 * so only for tables whose keys we trust and for jitter.
 */

/* The offset basis of the FNV spec: hash_fnv1a64(HASH_FNV1A64_BASIS, ...) is standard FNV-1a. */
#define HASH_FNV1A64_BASIS 14695981039346656037ULL

/*
 * The start value the classifier's slug table and the cycle's retry jitter
 * have always used: the spec's basis short of its last decimal digit. Any
 * start value hashes as well; this one is kept so that the jitter of a run
 * replays as it did (its values are in recorded runs). New code uses
 * HASH_FNV1A64_BASIS.
 */
#define HASH_SEED_LEGACY 1469598103934665603ULL

/*
 * Continues an FNV-1a hash from h over len bytes of data (borrowed; may be
 * NULL when len is 0) and returns the new value. Pass HASH_FNV1A64_BASIS
 * to start; feed a value back to hash several pieces as one. Cannot fail.
 */
uint64_t hash_fnv1a64(uint64_t h, const void *data, size_t len);

/* As hash_fnv1a64() over the bytes of the NUL-terminated s, without the NUL. */
uint64_t hash_fnv1a64_str(uint64_t h, const char *s);

#endif
