/* hash.c: the 64-bit FNV-1a hash. */
#include "base/hash.h"

#define FNV1A64_PRIME 1099511628211ULL

uint64_t
hash_fnv1a64(uint64_t h, const void *data, size_t len)
{
	const unsigned char *p = data;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * FNV1A64_PRIME;
	return h;
}

uint64_t
hash_fnv1a64_str(uint64_t h, const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p != '\0'; p++)
		h = (h ^ *p) * FNV1A64_PRIME;
	return h;
}
