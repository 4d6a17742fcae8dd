/* test_hash.c: FNV-1a 64 against the test vectors of the FNV spec. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "base/hash.h"

/* From the FNV reference test suite (Noll, "FNV test vectors", FNV-1a 64-bit). */
static const struct {
	const char *in;
	uint64_t    want;
} vectors[] = {
	{ "", 0xcbf29ce484222325ULL },
	{ "a", 0xaf63dc4c8601ec8cULL },
	{ "b", 0xaf63df4c8601f1a5ULL },
	{ "c", 0xaf63de4c8601eff2ULL },
	{ "foo", 0xdcb27518fed9d577ULL },
	{ "foobar", 0x85944171f73967e8ULL },
	{ "chongo was here!\n", 0x46810940eff5f915ULL },
};

static void
test_vectors(void **state)
{
	(void)state;
	assert_true(HASH_FNV1A64_BASIS == 0xcbf29ce484222325ULL);
	for (size_t i = 0; i < sizeof(vectors) / sizeof(vectors[0]); i++) {
		const char *s = vectors[i].in;

		if (hash_fnv1a64_str(HASH_FNV1A64_BASIS, s) != vectors[i].want)
			fail_msg("str \"%s\"", s);
		if (hash_fnv1a64(HASH_FNV1A64_BASIS, s, strlen(s)) != vectors[i].want)
			fail_msg("bytes \"%s\"", s);
	}
}

/* Hashing in pieces is hashing the whole; the NUL of a string is not hashed. */
static void
test_pieces(void **state)
{
	uint64_t h;

	(void)state;
	h = hash_fnv1a64_str(HASH_FNV1A64_BASIS, "foo");
	assert_true(hash_fnv1a64_str(h, "bar") == 0x85944171f73967e8ULL);
	h = hash_fnv1a64(HASH_FNV1A64_BASIS, "fo", 2);
	assert_true(hash_fnv1a64(h, "obar", 4) == 0x85944171f73967e8ULL);
	/* Zero bytes leave the value as it was, even with a NULL pointer. */
	assert_true(hash_fnv1a64(12345, NULL, 0) == 12345);
	assert_true(hash_fnv1a64_str(HASH_SEED_LEGACY, "") == HASH_SEED_LEGACY);
	/* An embedded NUL is a byte like any other for the length form. */
	assert_true(hash_fnv1a64(HASH_FNV1A64_BASIS, "a\0", 2) !=
	    hash_fnv1a64_str(HASH_FNV1A64_BASIS, "a"));
}

/* The legacy seed is the spec's basis short of its last decimal digit. */
static void
test_legacy_seed(void **state)
{
	(void)state;
	assert_true(HASH_SEED_LEGACY == 1469598103934665603ULL);
	assert_true(HASH_SEED_LEGACY == HASH_FNV1A64_BASIS / 10);
	/* One step by hand: (seed ^ 'a') * prime, modulo 2^64. */
	assert_true(hash_fnv1a64_str(HASH_SEED_LEGACY, "a") ==
	    (HASH_SEED_LEGACY ^ 0x61u) * 1099511628211ULL);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_pieces),
		cmocka_unit_test(test_legacy_seed),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
