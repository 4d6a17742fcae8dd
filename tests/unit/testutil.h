/* testutil.h: helpers shared by the unit tests: fixtures and golden files. */
#ifndef TESTUTIL_H
#define TESTUTIL_H

#include <stddef.h>

/* Path under the source tree: testutil_path("tests/fixtures/x.rss"). Static buffer. */
const char *testutil_path(const char *rel);

/* Reads a whole file (relative to the source tree); aborts the test on failure. Caller frees. */
char *testutil_read(const char *rel, size_t *len);

/*
 * Compares text with the golden file tests/golden/<name>; fails the test
 * with a diff hint when they differ. With UPDATE_GOLDEN=1 in the
 * environment it rewrites the golden file instead.
 */
void testutil_golden(const char *name, const char *text, size_t len);

#endif
