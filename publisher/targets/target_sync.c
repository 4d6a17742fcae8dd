/* target_sync.c: one pass of a publish target: list the release, diff, upload in order, delete. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "site/publish.h"
#include "site/render.h"
#include "store/targets_state.h"
#include "targets/target_plan.h"
#include "targets/target_priv.h"

/* Passes restarted because the release vanished (pruned) before one is given up. */
#define MAX_RESTARTS 5
#define MAX_DEPTH 8

struct flist {
	struct target_file *v;
	size_t n, cap;
	cs_err rc;                    /* of the last add through add_have() */
};

static cs_err
flist_add(struct flist *l, const char *path, const char *hash)
{
	if (l->n >= PUBLISH_MAX_FILES)
		return CS_ERR_TOOBIG;
	if (l->n == l->cap) {
		size_t ncap = l->cap == 0 ? 64 : l->cap * 2;
		struct target_file *nv = realloc(l->v, ncap * sizeof(*nv));

		if (nv == NULL)
			return CS_ERR_NOMEM;
		l->v = nv;
		l->cap = ncap;
	}
	l->v[l->n].path = strdup(path);
	if (l->v[l->n].path == NULL)
		return CS_ERR_NOMEM;
	snprintf(l->v[l->n].hash, sizeof(l->v[l->n].hash), "%s", hash);
	l->n++;
	return CS_OK;
}

static void
flist_free(struct flist *l)
{
	target_files_free(l->v, l->n);
	memset(l, 0, sizeof(*l));
}

/*
 * Reads dirfd/path whole into an owned *buf. CS_ERR_NOTFOUND when it is
 * gone (the release was pruned: the caller starts again), CS_ERR_IO,
 * CS_ERR_TOOBIG past TARGET_MAX_FILE.
 */
static cs_err
read_at(int dirfd, const char *path, char **buf, size_t *len, char *err, size_t errlen)
{
	struct stat sb;
	char *b = NULL;
	size_t off = 0;
	cs_err rc = CS_OK;
	int fd;

	*buf = NULL;
	*len = 0;
	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return cs_seterr(err, errlen, errno == ENOENT ? CS_ERR_NOTFOUND : CS_ERR_IO, "%s: %s",
		    path, strerror(errno));
	if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		rc = cs_seterr(err, errlen, CS_ERR_IO, "%s: not a regular file", path);
		goto out;
	}
	if (sb.st_size > TARGET_MAX_FILE) {
		rc = cs_seterr(err, errlen, CS_ERR_TOOBIG, "%s: larger than %d bytes", path,
		    TARGET_MAX_FILE);
		goto out;
	}
	b = malloc((size_t)sb.st_size + 1);
	if (b == NULL) {
		rc = CS_ERR_NOMEM;
		goto out;
	}
	while (off < (size_t)sb.st_size) {
		ssize_t n = read(fd, b + off, (size_t)sb.st_size - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			rc = cs_seterr(err, errlen, CS_ERR_IO, "%s: read: %s", path,
			    n < 0 ? strerror(errno) : "shorter than its size");
			goto out;
		}
		off += (size_t)n;
	}
	*buf = b;
	*len = off;
	b = NULL;
out:
	free(b);
	close(fd);
	return rc;
}

/* Adds the files under dirfd/rel (recursively; names starting with '.' are not the site's). */
static cs_err
list_dir(int rootfd, const char *rel, int depth, struct flist *l, char *err, size_t errlen)
{
	DIR *d = NULL;
	struct dirent *de;
	char path[4096], hash[RENDER_HASHLEN];
	cs_err rc = CS_OK;
	int fd;

	if (depth > MAX_DEPTH)
		return cs_seterr(err, errlen, CS_ERR_TOOBIG, "%s: nested too deep", rel);
	fd = openat(rootfd, rel[0] != '\0' ? rel : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return cs_seterr(err, errlen, errno == ENOENT ? CS_ERR_NOTFOUND : CS_ERR_IO,
		    "%s: %s", rel[0] != '\0' ? rel : ".", strerror(errno));
	d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return cs_seterr(err, errlen, CS_ERR_IO, "%s: %s", rel, strerror(errno));
	}
	while (rc == CS_OK) {
		struct stat sb;
		char *data;
		size_t len;

		de = readdir(d);
		if (de == NULL)
			break;
		if (de->d_name[0] == '.')
			continue;
		if ((size_t)snprintf(path, sizeof(path), "%s%s%s", rel, rel[0] != '\0' ? "/" : "",
		    de->d_name) >= sizeof(path)) {
			rc = cs_seterr(err, errlen, CS_ERR_TOOBIG, "%s: path too long", de->d_name);
			break;
		}
		if (fstatat(rootfd, path, &sb, AT_SYMLINK_NOFOLLOW) != 0) {
			rc = cs_seterr(err, errlen, errno == ENOENT ? CS_ERR_NOTFOUND : CS_ERR_IO,
			    "%s: %s", path, strerror(errno));
			break;
		}
		if (S_ISDIR(sb.st_mode)) {
			rc = list_dir(rootfd, path, depth + 1, l, err, errlen);
			continue;
		}
		rc = read_at(rootfd, path, &data, &len, err, errlen);
		if (rc != CS_OK)
			break;
		render_hash(data, len, hash);
		free(data);
		rc = flist_add(l, path, hash);
	}
	closedir(d);
	return rc;
}

static int
add_have(const char *path, const char *hash, void *arg)
{
	struct flist *l = arg;

	l->rc = flist_add(l, path, hash);
	return l->rc != CS_OK;
}

/* The release current names, opened; CS_ERR_NOTFOUND when nothing is published. */
static cs_err
open_current(const char *site_dir, char *name, size_t len, int *fd, char *err, size_t errlen)
{
	char dir[4096];
	cs_err rc;

	*fd = -1;
	rc = publish_current(site_dir, name, len, err, errlen);
	if (rc != CS_OK)
		return rc;
	if ((size_t)snprintf(dir, sizeof(dir), "%s/releases/%s", site_dir, name) >= sizeof(dir))
		return cs_seterr(err, errlen, CS_ERR_TOOBIG, "%s: path too long", site_dir);
	*fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (*fd < 0)
		return cs_seterr(err, errlen, errno == ENOENT ? CS_ERR_NOTFOUND : CS_ERR_IO, "%s: %s",
		    dir, strerror(errno));
	return CS_OK;
}

/*
 * One attempt at the pass on release fd; CS_ERR_NOTFOUND with *vanished set
 * when a file of the release disappeared (pruned): the caller starts again.
 */
static cs_err
sync_release(const struct config_target *t, const struct target_backend *be, void **conn,
    struct store *st, int fd, const atomic_int *abort, struct targets_result *r, int *vanished,
    char *err, size_t errlen)
{
	struct flist cur = { 0 }, have = { 0 };
	struct target_plan plan = { 0 };
	char msg[CS_ERRLEN];
	cs_err rc;

	*vanished = 0;
	rc = list_dir(fd, "", 0, &cur, msg, sizeof(msg));
	if (rc == CS_ERR_NOTFOUND) {
		*vanished = 1;
		goto out;
	}
	if (rc != CS_OK) {
		cs_seterr(err, errlen, rc, "%s: %s/%s", t->name, r->release, msg);
		goto out;
	}
	rc = store_target_files(st, t->name, add_have, &have, err, errlen);
	if (rc == CS_OK)
		rc = have.rc;
	if (rc != CS_OK)
		goto out;
	rc = target_plan_make(cur.v, cur.n, have.v, have.n, &plan);
	if (rc != CS_OK)
		goto out;
	r->unchanged = plan.unchanged;
	for (size_t i = 0; i < plan.nsteps; i++) {
		const struct target_step *sp = &plan.steps[i];
		char *data = NULL, hash[RENDER_HASHLEN];
		size_t len = 0;

		if (atomic_load(abort)) {
			rc = cs_seterr(err, errlen, CS_ERR_STATE, "%s: stopped", t->name);
			goto out;
		}
		if (*conn == NULL) {
			rc = be->open(t, abort, conn, msg, sizeof(msg));
			if (rc != CS_OK) {
				cs_seterr(err, errlen, rc, "%s: %s", t->name, msg);
				goto out;
			}
		}
		if (sp->hash == NULL) {
			rc = be->del(*conn, sp->path, msg, sizeof(msg));
			if (rc == CS_OK)
				rc = store_target_file_set(st, t->name, sp->path, NULL, time(NULL), msg,
				    sizeof(msg));
			if (rc == CS_OK)
				r->deleted++;
		} else {
			rc = read_at(fd, sp->path, &data, &len, msg, sizeof(msg));
			if (rc == CS_ERR_NOTFOUND) {
				*vanished = 1;
				goto out;
			}
			if (rc == CS_OK) {
				render_hash(data, len, hash);
				rc = be->put(*conn, sp->path, data, len, msg, sizeof(msg));
			}
			free(data);
			if (rc == CS_OK)
				rc = store_target_file_set(st, t->name, sp->path, hash, time(NULL), msg,
				    sizeof(msg));
			if (rc == CS_OK)
				r->uploaded++;
		}
		if (rc != CS_OK) {
			cs_seterr(err, errlen, rc, "%s: %s", t->name, msg);
			goto out;
		}
	}
out:
	target_plan_free(&plan);
	flist_free(&cur);
	flist_free(&have);
	return rc;
}

cs_err
target_sync(const struct config_target *t, struct store *st, const char *site_dir,
    const atomic_int *abort, int full, struct targets_result *r, cycle_log_fn log, void *logctx,
    char *err, size_t errlen)
{
	const struct target_backend *be = t->type == CONFIG_TARGET_S3 ? &target_backend_s3 :
	    &target_backend_sftp;
	void *conn = NULL;
	char msg[CS_ERRLEN];
	cs_err rc = CS_OK;
	int fd = -1, vanished = 0;

	snprintf(r->name, sizeof(r->name), "%s", t->name);
	if (full) {
		rc = store_target_forget(st, t->name, err, errlen);
		if (rc != CS_OK)
			return rc;
	}
	for (int attempt = 0; attempt <= MAX_RESTARTS; attempt++) {
		r->release[0] = '\0';
		r->uploaded = r->deleted = r->unchanged = 0;
		rc = open_current(site_dir, r->release, sizeof(r->release), &fd, msg, sizeof(msg));
		if (rc == CS_ERR_NOTFOUND && r->release[0] == '\0') {
			/* nothing published yet: nothing owed */
			r->release[0] = '\0';
			rc = CS_OK;
			break;
		}
		if (rc == CS_OK)
			rc = sync_release(t, be, &conn, st, fd, abort, r, &vanished, err, errlen);
		else if (rc == CS_ERR_NOTFOUND)
			vanished = 1;
		else
			cs_seterr(err, errlen, rc, "%s: %s", t->name, msg);
		if (fd >= 0)
			close(fd);
		fd = -1;
		if (!vanished)
			break;
		cycle_logf(log, logctx, "info", "publish", "%s: release %s was removed while it was "
		    "being uploaded; starting again from the newest", t->name, r->release);
		rc = cs_seterr(err, errlen, CS_ERR_NOTFOUND, "%s: the releases under %s kept "
		    "vanishing while they were uploaded", t->name, site_dir);
	}
	if (conn != NULL)
		be->close(conn);
	return rc;
}
