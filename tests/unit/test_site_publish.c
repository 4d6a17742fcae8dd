/* test_site_publish.c: atomic publish: releases, hard links to unchanged pages, pruning, a reader during 500 renders. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <jansson.h>
#include <libxml/parser.h>
#include <libxslt/xslt.h>

#include "site/publish.h"
#include "site/render.h"
#include "sitedemo.h"
#include "testutil.h"

#define NOW 1795000000
#define RENDERS 500

static char *
tmpdir(void)
{
	char *d = testutil_tmpdir("test_site_publish");

	assert_non_null(d);
	return d;
}

static void
rmtree(const char *dir)
{
	assert_int_equal(testutil_rm_rf(dir), 0);
}

static struct sitemodel *
model(size_t ninc, long flip, int64_t now)
{
	struct sitedemo_opts o = { now, 30, ninc, 1, 0, flip, 7 };
	struct sitemodel *m = NULL;
	char err[CS_ERRLEN];

	if (sitedemo_build(&o, &m, err, sizeof(err)) != CS_OK)
		fail_msg("sitedemo_build: %s", err);
	return m;
}

static struct render_ctx *
ctx_new(const char *src)
{
	struct render_ctx *ctx = NULL;
	char err[CS_ERRLEN];

	if (render_ctx_new(src, &ctx, err, sizeof(err)) != CS_OK)
		fail_msg("render_ctx_new: %s", err);
	return ctx;
}

static size_t
count_releases(const char *site)
{
	char path[512];
	struct dirent *de;
	size_t n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "%s/releases", site);
	d = opendir(path);
	assert_non_null(d);
	while ((de = readdir(d)) != NULL)
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

static ino_t
inode(const char *site, const char *release, const char *file)
{
	char path[1024];
	struct stat sb;

	snprintf(path, sizeof(path), "%s/releases/%s/%s", site, release, file);
	assert_int_equal(stat(path, &sb), 0);
	return sb.st_ino;
}

/*
 * A second render after one component changed: index.html and the JSON
 * are new, every incident and history page is a hard link to the previous
 * release's file (same inode: same bytes, same mtime) and was not even
 * rendered. Seven renders leave five releases.
 */
static void
test_incremental_and_prune(void **state)
{
	char *site = tmpdir(), err[CS_ERRLEN], cur[PUBLISH_NAMELEN];
	struct publish_opts o = { site, 0, 0, 0, NOW };
	struct render_ctx *ctx = ctx_new(testutil_path("site"));
	struct publish_stats a, b;
	struct sitemodel *m;
	char first[PUBLISH_NAMELEN];
	int i;

	(void)state;
	assert_int_equal(publish_current(site, cur, sizeof(cur), NULL, 0), CS_ERR_NOTFOUND);
	m = model(40, -1, NOW);
	assert_int_equal(publish_run(&o, ctx, m, &a, err, sizeof(err)), CS_OK);
	sitemodel_free(m);
	assert_int_equal(a.written, a.files);
	assert_int_equal(a.linked, 0);
	snprintf(first, sizeof(first), "%s", a.release);
	assert_int_equal(publish_current(site, cur, sizeof(cur), NULL, 0), CS_OK);
	assert_string_equal(cur, a.release);

	m = model(40, 5, NOW);
	assert_int_equal(publish_run(&o, ctx, m, &b, err, sizeof(err)), CS_OK);
	sitemodel_free(m);
	assert_string_not_equal(a.release, b.release);
	assert_int_equal(b.files, a.files);
	assert_true(b.not_rendered >= 40 + 2 + 2 + 2);  /* incidents, maintenances, history, feeds */
	assert_true(b.written <= 12);                   /* index.html and the JSON API */
	assert_int_equal(inode(site, a.release, "incidents/inc-00007.html"),
	    inode(site, b.release, "incidents/inc-00007.html"));
	assert_int_equal(inode(site, a.release, "history.atom"), inode(site, b.release, "history.atom"));
	assert_int_equal(inode(site, a.release, "style.css"), inode(site, b.release, "style.css"));
	assert_true(inode(site, a.release, "index.html") != inode(site, b.release, "index.html"));

	for (i = 0; i < 5; i++) {
		m = model(40, i % 2 == 0 ? 3 : -1, NOW);
		assert_int_equal(publish_run(&o, ctx, m, &b, err, sizeof(err)), CS_OK);
		sitemodel_free(m);
	}
	assert_int_equal(count_releases(site), 5);
	assert_int_equal(publish_current(site, cur, sizeof(cur), NULL, 0), CS_OK);
	assert_string_equal(cur, b.release);
	{
		char path[1024];

		snprintf(path, sizeof(path), "%s/releases/%s", site, first);
		assert_int_equal(access(path, F_OK), -1);
	}
	render_ctx_free(ctx);
	rmtree(site);
	free(site);
}

/* A stylesheet that fails mid-render: error with the file named, current untouched, no debris. */
static void
test_failed_render_keeps_current(void **state)
{
	char *site = tmpdir(), *src = tmpdir(), err[CS_ERRLEN], cur[PUBLISH_NAMELEN];
	char cmd[1024], path[600];
	struct publish_opts o = { site, 0, 1, 0, NOW };
	struct render_ctx *ctx = ctx_new(testutil_path("site"));
	struct publish_stats st;
	struct sitemodel *m = model(5, -1, NOW);
	FILE *fp;

	(void)state;
	assert_int_equal(publish_run(&o, ctx, m, &st, err, sizeof(err)), CS_OK);
	render_ctx_free(ctx);
	snprintf(cmd, sizeof(cmd), "cp '%s'/* '%s'/", testutil_path("site"), src);
	assert_int_equal(system(cmd), 0);
	snprintf(path, sizeof(path), "%s/history.xsl", src);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs("<xsl:stylesheet version=\"1.0\" xmlns:xsl=\"http://www.w3.org/1999/XSL/Transform\">"
	    "<xsl:template match=\"/\"><xsl:message terminate=\"yes\">broken</xsl:message>"
	    "</xsl:template></xsl:stylesheet>\n", fp);
	fclose(fp);
	ctx = ctx_new(src);
	assert_int_not_equal(publish_run(&o, ctx, m, NULL, err, sizeof(err)), CS_OK);
	assert_non_null(strstr(err, "history.xsl"));
	assert_int_equal(publish_current(site, cur, sizeof(cur), NULL, 0), CS_OK);
	assert_string_equal(cur, st.release);
	assert_int_equal(count_releases(site), 1);
	render_ctx_free(ctx);
	sitemodel_free(m);
	rmtree(site);
	rmtree(src);
	free(site);
	free(src);
}

/* Reads a whole file at dirfd/path into buf; -1 with errno on failure. */
static ssize_t
slurp(int dirfd, const char *path, char *buf, size_t len)
{
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	size_t n = 0;
	ssize_t r;

	if (fd < 0)
		return -1;
	while (n + 1 < len && (r = read(fd, buf + n, len - 1 - n)) > 0)
		n += (size_t)r;
	close(fd);
	buf[n] = '\0';
	return (ssize_t)n;
}

/*
 * The reader: loops until stopfd reaches EOF. Each round resolves
 * `current` once (a directory fd, as a server resolving one request would)
 * and reads index.html and api/v2/summary.json through it: both must be
 * complete and carry the same render id. It also reads current/index.html
 * by path, which must always exist and be complete. A release pruned
 * while the reader held it open is counted and retried (the prune keeps
 * five releases, so this needs the reader to stall for four renders).
 * Exit status 0 when every read was right.
 */
static void
reader(const char *site, int stopfd)
{
	static char idx[256 * 1024], sum[512 * 1024];
	char cpath[600], ipath[700];
	long rounds = 0, pruned = 0, bad = 0;
	struct pollfd pfd = { stopfd, POLLIN, 0 };

	snprintf(cpath, sizeof(cpath), "%s/current", site);
	snprintf(ipath, sizeof(ipath), "%s/current/index.html", site);
	while (poll(&pfd, 1, 0) == 0) {
		int dfd = open(cpath, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		ssize_t ni, ns;
		const char *p, *q;
		char id[PUBLISH_NAMELEN] = "";
		const char *rid;
		json_t *root;
		struct stat sb;

		if (dfd < 0) {
			if (errno != ENOENT)
				bad++;
			continue;
		}
		ni = slurp(dfd, "index.html", idx, sizeof(idx));
		ns = slurp(dfd, "api/v2/summary.json", sum, sizeof(sum));
		if (ni < 0 || ns < 0) {
			if (fstat(dfd, &sb) == 0 && sb.st_nlink == 0)
				pruned++;
			else {
				bad++;
				fprintf(stderr, "reader: missing file\n");
			}
			close(dfd);
			continue;
		}
		close(dfd);
		rounds++;
		p = strstr(idx, "data-render=\"");
		q = p != NULL ? strchr(p + 13, '"') : NULL;
		if (ni < 100 || strcmp(idx + ni - 8, "</html>\n") != 0 || q == NULL ||
		    (size_t)(q - p - 13) >= sizeof(id)) {
			bad++;
			fprintf(stderr, "reader: incomplete index.html (%zd bytes)\n", ni);
			continue;
		}
		memcpy(id, p + 13, (size_t)(q - p - 13));
		id[q - p - 13] = '\0';
		root = json_loadb(sum, (size_t)ns, 0, NULL);
		rid = json_string_value(json_object_get(json_object_get(root, "page"), "render_id"));
		if (root == NULL || rid == NULL || strcmp(rid, id) != 0) {
			bad++;
			fprintf(stderr, "reader: summary.json incomplete or from another render than %s\n", id);
		}
		json_decref(root);
		ni = slurp(AT_FDCWD, ipath, idx, sizeof(idx));
		if (ni < 100 || strcmp(idx + ni - 8, "</html>\n") != 0) {
			bad++;
			fprintf(stderr, "reader: current/index.html missing or incomplete\n");
		}
	}
	fprintf(stderr, "reader: %ld consistent reads, %ld retried after prune, %ld bad\n", rounds,
	    pruned, bad);
	_exit(bad == 0 && rounds > 0 ? 0 : 1);
}

static void
test_reader_during_renders(void **state)
{
	char *site = tmpdir(), err[CS_ERRLEN];
	struct publish_opts o = { site, 0, 1, 0, NOW };
	struct render_ctx *ctx = NULL;
	int pfd[2], status = 0, i, renders = RENDERS;
	const char *env = getenv("CS_TEST_RENDERS");  /* fewer under valgrind */
	pid_t pid;

	(void)state;
	if (env != NULL && strtol(env, NULL, 10) > 0)
		renders = (int)strtol(env, NULL, 10);
	assert_int_equal(pipe(pfd), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(pfd[1]);
		reader(site, pfd[0]);
	}
	close(pfd[0]);
	/* Made after the fork: the reader never owns it (valgrind follows both processes). */
	ctx = ctx_new(testutil_path("site"));
	for (i = 0; i < renders; i++) {
		struct sitemodel *m = model(20, i % 3 == 0 ? (long)(i % 30) : -1, NOW + i);
		cs_err rc = publish_run(&o, ctx, m, NULL, err, sizeof(err));

		sitemodel_free(m);
		if (rc != CS_OK) {
			kill(pid, SIGKILL);
			fail_msg("render %d: %s", i, err);
		}
	}
	close(pfd[1]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(count_releases(site), 5);
	render_ctx_free(ctx);
	rmtree(site);
	free(site);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_incremental_and_prune),
		cmocka_unit_test(test_failed_render_keeps_current),
		cmocka_unit_test(test_reader_during_renders),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	xsltCleanupGlobals();
	xmlCleanupParser();
	return rc;
}
