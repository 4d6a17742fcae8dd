/* testutil.c: fixtures and golden-file comparison for the unit tests. */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>

#include <ftw.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "testutil.h"

char *
testutil_tmpdir(const char *prefix)
{
	char tmpl[256];

	snprintf(tmpl, sizeof(tmpl), "/tmp/%s.XXXXXX", prefix);
	return mkdtemp(tmpl) != NULL ? strdup(tmpl) : NULL;
}

/* nftw's walk, before the files are removed: every directory writable again. */
static int
rm_unlock(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)ftw;
	if (flag == FTW_D || flag == FTW_DNR)
		(void)chmod(path, (sb->st_mode & 07777) | 0700);
	return 0;
}

static int
rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	(void)remove(path);
	return 0;
}

int
testutil_rm_rf(const char *path)
{
	struct stat sb;

	if (path == NULL)
		return 0;
	(void)nftw(path, rm_unlock, 16, FTW_PHYS);
	(void)nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
	return lstat(path, &sb) == 0 ? -1 : 0;
}

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

/*
 * The expectation is checked by tests/golden_expect.sh, the one reader of the
 * format, which the shell tests use too: text goes to a temporary file, the
 * script's verdict is its exit status and its reasons go to stderr.
 */
static void
golden_expect(const char *name, const char *text, size_t len)
{
	char tmp[4096], script[4096];
	const char *dir = getenv("TMPDIR");
	int fd, status = 0;
	pid_t pid;

	snprintf(tmp, sizeof(tmp), "%s/golden-expect.XXXXXX", dir != NULL && *dir != '\0' ? dir : "/tmp");
	snprintf(script, sizeof(script), "%s", testutil_path("tests/golden_expect.sh"));
	fd = mkstemp(tmp);
	if (fd < 0)
		fail_msg("cannot create %s", tmp);
	if (write(fd, text, len) != (ssize_t)len || close(fd) != 0) {
		unlink(tmp);
		fail_msg("cannot write %s", tmp);
	}
	fflush(NULL);
	pid = fork();
	if (pid == 0) {
		execl("/bin/sh", "sh", script, name, tmp, (char *)NULL);
		_exit(127);
	}
	if (pid < 0 || waitpid(pid, &status, 0) != pid) {
		unlink(tmp);
		fail_msg("cannot run %s", script);
	}
	unlink(tmp);
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
		fail_msg("output for golden %s does not meet tests/golden/%s.expect (see above)%s", name,
		    name, getenv("UPDATE_GOLDEN") != NULL ? "; the golden is left as it was" : "");
}

void
testutil_golden(const char *name, const char *text, size_t len)
{
	char rel[512];
	const char *upd = getenv("UPDATE_GOLDEN");
	char *want;
	size_t wlen;

	snprintf(rel, sizeof(rel), "tests/golden/%s", name);
	golden_expect(name, text, len);
	if (upd != NULL && strcmp(upd, "1") == 0) {
		FILE *fp = fopen(testutil_path(rel), "wb");

		if (fp == NULL || fwrite(text, 1, len, fp) != len || fclose(fp) != 0)
			fail_msg("cannot write golden %s", rel);
		return;
	}
	want = testutil_read(rel, &wlen);
	if (wlen != len || memcmp(want, text, len) != 0) {
		fprintf(stderr, "--- golden %s differs; got:\n%.*s\n--- (UPDATE_GOLDEN=1 rewrites it, "
		    "if it meets %s.expect)\n", testutil_path(rel), (int)len, text, name);
		free(want);
		fail_msg("output differs from golden file %s", rel);
	}
	free(want);
}
