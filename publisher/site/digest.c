/* digest.c: two-lane 64-bit multiply-rotate hash, eight bytes per step. */
#include <string.h>

#include <stdio.h>

#include "site/digest.h"

#define P1 0x9e3779b185ebca87ULL
#define P2 0xc2b2ae3d27d4eb4fULL
#define P3 0x165667b19e3779f9ULL

static uint64_t
rotl(uint64_t x, int r)
{
	return (x << r) | (x >> (64 - r));
}

void
digest_init(struct digest *d)
{
	d->a = 0x243f6a8885a308d3ULL;
	d->b = 0x13198a2e03707344ULL;
}

static void
mix(struct digest *d, uint64_t w)
{
	d->a = rotl(d->a ^ (w * P1), 31) * P2;
	d->b = rotl(d->b + (w * P3), 27) * P1 + d->a;
}

void
digest_update(struct digest *d, const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t w;
	size_t i;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&w, p + i, 8);
		mix(d, w);
	}
	if (i < len) {
		w = 0;
		memcpy(&w, p + i, len - i);
		mix(d, w ^ 0x8000000000000000ULL);
	}
	mix(d, (uint64_t)len ^ 0x5bd1e9955bd1e995ULL);
}

void
digest_str(struct digest *d, const char *s)
{
	if (s == NULL)
		mix(d, 0xa0761d6478bd642fULL);
	else
		digest_update(d, s, strlen(s));
}

void
digest_i64(struct digest *d, int64_t v)
{
	mix(d, (uint64_t)v);
}

static uint64_t
fmix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return x;
}

void
digest_hex(const struct digest *d, char out[DIGEST_HEXLEN])
{
	uint64_t a = fmix(d->a + d->b), b = fmix(d->b ^ rotl(d->a, 17));

	snprintf(out, DIGEST_HEXLEN, "%016llx%016llx", (unsigned long long)a,
	    (unsigned long long)b);
}
