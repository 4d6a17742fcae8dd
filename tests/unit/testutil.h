/* testutil.h: helpers shared by the unit tests: fixtures and golden files. */
#ifndef TESTUTIL_H
#define TESTUTIL_H

#include <stddef.h>

/* Path under the source tree: testutil_path("tests/fixtures/x.rss"). Static buffer. */
const char *testutil_path(const char *rel);

/* Reads a whole file (relative to the source tree); aborts the test on failure. Caller frees. */
char *testutil_read(const char *rel, size_t *len);

/*
 * A fresh directory /tmp/<prefix>.XXXXXX, or NULL (errno set) so that a
 * setup function can fail. Caller frees, after testutil_rm_rf().
 */
char *testutil_tmpdir(const char *prefix);

/*
 * Removes path and everything under it, without a shell; directories a
 * test made unwritable are made writable first. 0, or -1 when something
 * stayed. NULL is a no-op.
 */
int testutil_rm_rf(const char *path);

/*
 * Checks text against the golden's hand-written expectation
 * tests/golden/<name>.expect (tests/golden_expect.sh: counts written from the
 * input), then compares it with the golden file tests/golden/<name>; fails the
 * test when the expectation does not hold (whatever the golden says) or the
 * text differs from the golden. With UPDATE_GOLDEN=1 in the environment it
 * rewrites the golden instead of comparing, but only with text that meets
 * the expectation.
 */
void testutil_golden(const char *name, const char *text, size_t len);

#endif
