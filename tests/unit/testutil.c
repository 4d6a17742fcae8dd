/* testutil.c: fixtures and golden-file comparison for the unit tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"

const char *
testutil_path(const char *rel)
{
	static char buf[4096];

	snprintf(buf, sizeof(buf), "%s/%s", CS_SOURCE_DIR, rel);
	return buf;
}

char *
testutil_read(const char *rel, size_t *len)
{
	const char *path = testutil_path(rel);
	FILE *fp = fopen(path, "rb");
	char *buf = NULL;
	long n;

	if (fp == NULL)
		fail_msg("cannot open %s", path);
	fseek(fp, 0, SEEK_END);
	n = ftell(fp);
	fseek(fp, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_non_null(buf);
	if (fread(buf, 1, (size_t)n, fp) != (size_t)n)
		fail_msg("cannot read %s", path);
	buf[n] = '\0';
	fclose(fp);
	if (len != NULL)
		*len = (size_t)n;
	return buf;
}

void
testutil_golden(const char *name, const char *text, size_t len)
{
	char rel[512];
	const char *upd = getenv("UPDATE_GOLDEN");
	char *want;
	size_t wlen;

	snprintf(rel, sizeof(rel), "tests/golden/%s", name);
	if (upd != NULL && strcmp(upd, "1") == 0) {
		FILE *fp = fopen(testutil_path(rel), "wb");

		if (fp == NULL || fwrite(text, 1, len, fp) != len || fclose(fp) != 0)
			fail_msg("cannot write golden %s", rel);
		return;
	}
	want = testutil_read(rel, &wlen);
	if (wlen != len || memcmp(want, text, len) != 0) {
		fprintf(stderr, "--- golden %s differs; got:\n%.*s\n--- (UPDATE_GOLDEN=1 rewrites it)\n",
		    testutil_path(rel), (int)len, text);
		free(want);
		fail_msg("output differs from golden file %s", rel);
	}
	free(want);
}
