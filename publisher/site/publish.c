/* publish.c: release directories, hard links to unchanged files, fsync, symlink swap, pruning. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "base/cstime.h"
#include "site/publish.h"

#define MANIFEST ".manifest"
#define LINE_MAX_LEN 2048

struct entry {
	char *path;
	char in[RENDER_HASHLEN];      /* input hash, "" when none */
	char out[RENDER_HASHLEN];     /* content hash */
};

struct manifest {
	struct entry *v;
	size_t n, cap;
};

struct pub {
	const struct publish_opts *o;
	struct publish_stats *st;
	int newfd;                    /* the release being written */
	int prevfd;                   /* previous release, -1 if none */
	struct manifest prev;         /* sorted by path */
	struct manifest cur;
	char *dirs[64];               /* directories made inside the release */
	size_t ndirs;
	char *err;
	size_t errlen;
};

static void
manifest_free(struct manifest *mf)
{
	size_t i;

	for (i = 0; i < mf->n; i++)
		free(mf->v[i].path);
	free(mf->v);
	mf->v = NULL;
	mf->n = mf->cap = 0;
}

static cs_err
manifest_add(struct manifest *mf, const char *path, const char *in, const char *out)
{
	struct entry *e;

	if (mf->n >= PUBLISH_MAX_FILES)
		return CS_ERR_TOOBIG;
	if (mf->n == mf->cap) {
		size_t ncap = mf->cap == 0 ? 256 : mf->cap * 2;
		struct entry *nv = realloc(mf->v, ncap * sizeof(*nv));

		if (nv == NULL)
			return CS_ERR_NOMEM;
		mf->v = nv;
		mf->cap = ncap;
	}
	e = &mf->v[mf->n];
	e->path = strdup(path);
	if (e->path == NULL)
		return CS_ERR_NOMEM;
	snprintf(e->in, sizeof(e->in), "%s", in);
	snprintf(e->out, sizeof(e->out), "%s", out);
	mf->n++;
	return CS_OK;
}

static int
cmp_entry(const void *a, const void *b)
{
	return strcmp(((const struct entry *)a)->path, ((const struct entry *)b)->path);
}

static const struct entry *
manifest_find(const struct manifest *mf, const char *path)
{
	struct entry key;

	if (mf->n == 0)
		return NULL;
	key.path = (char *)(uintptr_t)path;
	return bsearch(&key, mf->v, mf->n, sizeof(*mf->v), cmp_entry);
}

/* Reads dirfd/.manifest: lines "in\tout\tpath". A missing or bad one is an empty manifest. */
static void
manifest_load(int dirfd, struct manifest *mf)
{
	char line[LINE_MAX_LEN];
	FILE *fp = NULL;
	int fd;

	fd = openat(dirfd, MANIFEST, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	fp = fdopen(fd, "r");
	if (fp == NULL) {
		close(fd);
		return;
	}
	while (fgets(line, sizeof(line), fp) != NULL) {
		char *t1 = strchr(line, '\t'), *t2, *nl;

		if (t1 == NULL || (t2 = strchr(t1 + 1, '\t')) == NULL ||
		    (nl = strchr(t2 + 1, '\n')) == NULL) {
			manifest_free(mf);
			break;
		}
		*t1 = *t2 = *nl = '\0';
		if (line[0] == '-')
			line[0] = '\0';
		if (manifest_add(mf, t2 + 1, line, t1 + 1) != CS_OK) {
			manifest_free(mf);
			break;
		}
	}
	fclose(fp);
	if (mf->n > 0)
		qsort(mf->v, mf->n, sizeof(*mf->v), cmp_entry);
}

/* Makes the parent directories of path inside the new release; the message goes to err. */
static cs_err
make_parents(struct pub *p, const char *path, char *err, size_t errlen)
{
	char dir[LINE_MAX_LEN];
	const char *s;
	size_t i;

	for (s = strchr(path, '/'); s != NULL; s = strchr(s + 1, '/')) {
		size_t n = (size_t)(s - path);

		if (n >= sizeof(dir))
			return cs_seterr(err, errlen, CS_ERR_TOOBIG, "%s: path too long", path);
		memcpy(dir, path, n);
		dir[n] = '\0';
		for (i = 0; i < p->ndirs; i++)
			if (strcmp(p->dirs[i], dir) == 0)
				break;
		if (i < p->ndirs)
			continue;
		if (mkdirat(p->newfd, dir, 0755) != 0 && errno != EEXIST)
			return cs_seterr(err, errlen, CS_ERR_IO, "%s/releases/%s/%s: mkdir: %s",
			    p->o->site_dir, p->st->release, dir, strerror(errno));
		if (p->ndirs == sizeof(p->dirs) / sizeof(p->dirs[0]))
			return cs_seterr(err, errlen, CS_ERR_TOOBIG, "%s: too many directories",
			    path);
		p->dirs[p->ndirs] = strdup(dir);
		if (p->dirs[p->ndirs] == NULL)
			return CS_ERR_NOMEM;
		p->ndirs++;
	}
	return CS_OK;
}

/* Links the previous release's path into the new one; -1 when that is not possible. */
static int
link_prev(struct pub *p, const char *path)
{
	if (p->prevfd < 0 || make_parents(p, path, NULL, 0) != CS_OK)
		return -1;
	return linkat(p->prevfd, path, p->newfd, path, 0);
}

static int
sink_reuse(void *arg, const char *path, const char *in)
{
	struct pub *p = arg;
	const struct entry *e;

	if (p->o->full || in[0] == '\0')
		return 0;
	e = manifest_find(&p->prev, path);
	if (e == NULL || strcmp(e->in, in) != 0)
		return 0;
	if (link_prev(p, path) != 0)
		return 0;   /* render it instead */
	if (manifest_add(&p->cur, path, in, e->out) != CS_OK)
		return -1;
	p->st->linked++;
	p->st->not_rendered++;
	return 1;
}

/*
 * Writes path into the new release (fsynced unless no_fsync). The message
 * names the file and the cause (ENOSPC, EROFS...) and goes to err.
 */
static cs_err
write_file(struct pub *p, const char *path, const void *data, size_t len, char *err,
    size_t errlen)
{
	const char *b = data;
	size_t off = 0;
	cs_err rc = CS_OK;
	int fd = -1;

	rc = make_parents(p, path, err, errlen);
	if (rc != CS_OK)
		goto out;
	fd = openat(p->newfd, path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		rc = cs_seterr(err, errlen, CS_ERR_IO, "%s/releases/%s/%s: %s", p->o->site_dir,
		    p->st->release, path, strerror(errno));
		goto out;
	}
	while (off < len) {
		ssize_t w = write(fd, b + off, len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			rc = cs_seterr(err, errlen, CS_ERR_IO, "%s/releases/%s/%s: write: %s",
			    p->o->site_dir, p->st->release, path, strerror(errno));
			goto out;
		}
		off += (size_t)w;
	}
	if (!p->o->no_fsync && fsync(fd) != 0) {
		rc = cs_seterr(err, errlen, CS_ERR_IO, "%s/releases/%s/%s: fsync: %s",
		    p->o->site_dir, p->st->release, path, strerror(errno));
		goto out;
	}
out:
	if (fd >= 0 && close(fd) != 0 && rc == CS_OK)
		rc = cs_seterr(err, errlen, CS_ERR_IO, "%s/releases/%s/%s: close: %s",
		    p->o->site_dir, p->st->release, path, strerror(errno));
	return rc;
}

static cs_err
sink_put(void *arg, const char *path, const char *in, const void *data, size_t len,
    char *err, size_t errlen)
{
	struct pub *p = arg;
	char out[RENDER_HASHLEN];
	const struct entry *e;
	cs_err rc;

	render_hash(data, len, out);
	/* same bytes as before (index.html rarely, JSON often not): keep the old inode */
	e = p->o->full ? NULL : manifest_find(&p->prev, path);
	if (e != NULL && strcmp(e->out, out) == 0 && link_prev(p, path) == 0) {
		p->st->linked++;
	} else {
		rc = write_file(p, path, data, len, err, errlen);
		if (rc != CS_OK)
			return rc;
		p->st->written++;
	}
	rc = manifest_add(&p->cur, path, in, out);
	if (rc != CS_OK)
		cs_seterr(err, errlen, rc, "%s/releases/%s/%s: cannot record it in the manifest",
		    p->o->site_dir, p->st->release, path);
	return rc;
}

static cs_err
write_manifest(struct pub *p)
{
	char *buf = NULL;
	size_t cap = 0, n = 0, i;
	cs_err rc = CS_OK;

	for (i = 0; i < p->cur.n; i++)
		cap += strlen(p->cur.v[i].path) + 2 * RENDER_HASHLEN + 4;
	buf = malloc(cap + 1);
	if (buf == NULL) {
		rc = CS_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < p->cur.n; i++) {
		const struct entry *e = &p->cur.v[i];

		n += (size_t)snprintf(buf + n, cap + 1 - n, "%s\t%s\t%s\n", e->in[0] != '\0' ? e->in : "-",
		    e->out, e->path);
	}
	rc = write_file(p, MANIFEST, buf, n, p->err, p->errlen);
out:
	free(buf);
	return rc;
}

/* buf = a "/" b; -1 when it does not fit (nothing is cut silently). */
static int
pjoin(char *buf, size_t len, const char *a, const char *b)
{
	int n = snprintf(buf, len, "%s/%s", a, b);

	return n < 0 || (size_t)n >= len ? -1 : 0;
}

static int
fsync_at(int dirfd, const char *path)
{
	int fd = openat(dirfd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC), r;

	if (fd < 0)
		return -1;
	r = fsync(fd);
	close(fd);
	return r;
}

/* "20261126T091449Z-000042" -> 42; -1 when name is not a release name. */
static long long
release_seq(const char *name)
{
	const char *dash = strchr(name, '-');
	long long v = 0;
	const char *s;

	if (dash == NULL || strlen(name) < 18 || name[8] != 'T' || dash[1] == '\0')
		return -1;
	for (s = dash + 1; *s != '\0'; s++) {
		if (*s < '0' || *s > '9' || v > 100000000000LL)
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

struct rel {
	char name[PUBLISH_NAMELEN];
	long long seq;
};

static int
cmp_rel_desc(const void *a, const void *b)
{
	long long x = ((const struct rel *)a)->seq, y = ((const struct rel *)b)->seq;

	return x < y ? 1 : x > y ? -1 : 0;
}

/* Release directories under dir, newest (highest seq) first; *out owned. */
static cs_err
list_releases(const char *dir, struct rel **out, size_t *n)
{
	struct rel *v = NULL, *nv;
	size_t k = 0, cap = 0;
	struct dirent *de;
	DIR *d = opendir(dir);
	cs_err rc = CS_OK;

	*out = NULL;
	*n = 0;
	if (d == NULL)
		return CS_ERR_IO;
	while ((de = readdir(d)) != NULL) {
		long long seq = release_seq(de->d_name);

		if (seq < 0 || strlen(de->d_name) >= PUBLISH_NAMELEN)
			continue;
		if (k == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			nv = realloc(v, cap * sizeof(*v));
			if (nv == NULL) {
				rc = CS_ERR_NOMEM;
				goto out;
			}
			v = nv;
		}
		memcpy(v[k].name, de->d_name, strlen(de->d_name) + 1);
		v[k].seq = seq;
		k++;
	}
	if (k > 0)
		qsort(v, k, sizeof(*v), cmp_rel_desc);
	*out = v;
	*n = k;
	v = NULL;
out:
	free(v);
	closedir(d);
	return rc;
}

static int
rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)ftw;
	if (flag == FTW_DP)
		return rmdir(path);
	return unlink(path);
}

static int
rm_tree(const char *path)
{
	return nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

cs_err
publish_current(const char *site_dir, char *buf, size_t len, char *err, size_t errlen)
{
	char path[4096], link[4096];
	ssize_t n;
	const char *name;

	snprintf(path, sizeof(path), "%s/current", site_dir);
	n = readlink(path, link, sizeof(link) - 1);
	if (n < 0 && errno == ENOENT)
		return cs_seterr(err, errlen, CS_ERR_NOTFOUND, "%s: nothing published yet", path);
	if (n < 0)
		return cs_seterr(err, errlen, CS_ERR_IO, "%s: %s", path, strerror(errno));
	link[n] = '\0';
	if (strncmp(link, "releases/", 9) != 0 || strchr(link + 9, '/') != NULL)
		return cs_seterr(err, errlen, CS_ERR_IO, "%s: points outside releases/: %s", path, link);
	name = link + 9;
	if (strlen(name) >= len)
		return cs_seterr(err, errlen, CS_ERR_TOOBIG, "%s: name too long", path);
	snprintf(buf, len, "%s", name);
	return CS_OK;
}

/* Opens the release current points to (if any) and loads its manifest into p->prev. */
static void
open_previous(struct pub *p, const char *rdir)
{
	char prev[PUBLISH_NAMELEN] = "";

	if (publish_current(p->o->site_dir, prev, sizeof(prev), NULL, 0) == CS_OK) {
		char pdir[4096];

		if (pjoin(pdir, sizeof(pdir), rdir, prev) == 0)
			p->prevfd = open(pdir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (p->prevfd >= 0)
			manifest_load(p->prevfd, &p->prev);
	}
}

/* Directories (deepest first) and the release itself made durable before the swap. */
static cs_err
sync_release(const struct pub *p, const char *ndir, const char *rdir, char *err, size_t errlen)
{
	for (size_t i = p->ndirs; i > 0; i--) {
		if (fsync_at(p->newfd, p->dirs[i - 1]) != 0)
			return cs_seterr(err, errlen, CS_ERR_IO, "%s/%s: fsync: %s", ndir,
			    p->dirs[i - 1], strerror(errno));
	}
	if (fsync(p->newfd) != 0 || fsync_at(AT_FDCWD, rdir) != 0)
		return cs_seterr(err, errlen, CS_ERR_IO, "%s: fsync: %s", ndir, strerror(errno));
	return CS_OK;
}

/*
 * The swap: a new symlink under a temporary name, renamed over current.
 * Sets *swapped once current names the new release; *sitefd is the site
 * directory (opened here, closed by the caller), fsynced unless no_fsync.
 */
static cs_err
swap_current(const struct publish_opts *o, const char *release, int *swapped, int *sitefd,
    char *err, size_t errlen)
{
	char tmp[4096], cur[4096], target[PUBLISH_NAMELEN + 16];

	snprintf(target, sizeof(target), "releases/%s", release);
	snprintf(tmp, sizeof(tmp), "%s/.current-%ld", o->site_dir, (long)getpid());
	snprintf(cur, sizeof(cur), "%s/current", o->site_dir);
	(void)unlink(tmp);
	if (symlink(target, tmp) != 0 || rename(tmp, cur) != 0) {
		cs_err rc = cs_seterr(err, errlen, CS_ERR_IO, "%s: swap: %s", cur, strerror(errno));

		(void)unlink(tmp);
		return rc;
	}
	*swapped = 1;
	*sitefd = open(o->site_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (!o->no_fsync && (*sitefd < 0 || fsync(*sitefd) != 0))
		return cs_seterr(err, errlen, CS_ERR_IO, "%s: fsync: %s", o->site_dir,
		    strerror(errno));
	return CS_OK;
}

/* Prune: the new one is the highest seq; the listing rels (newest first) predates it. */
static cs_err
prune_releases(const char *rdir, const struct rel *rels, size_t nrels, size_t keep,
    const char *release, char *err, size_t errlen)
{
	for (size_t i = 0; i < nrels; i++) {
		char old[4096];

		if (i + 1 < keep || strcmp(rels[i].name, release) == 0)
			continue;
		if (pjoin(old, sizeof(old), rdir, rels[i].name) != 0 || rm_tree(old) != 0)
			return cs_seterr(err, errlen, CS_ERR_IO, "%s: cannot remove: %s", old,
			    strerror(errno));
	}
	return CS_OK;
}

cs_err
publish_run(const struct publish_opts *o, struct render_ctx *ctx, const struct sitemodel *m,
    struct publish_stats *st, char *err, size_t errlen)
{
	struct publish_stats local;
	struct pub p;
	struct render_sink sink;
	struct rel *rels = NULL;
	size_t nrels = 0, i, keep = o->keep > 0 ? (size_t)o->keep : PUBLISH_KEEP;
	char rdir[4096], ndir[4096], stamp[32];
	long long seq = 0;
	int64_t now = o->now != 0 ? o->now : (int64_t)time(NULL);
	int made = 0, swapped = 0, sitefd = -1;
	cs_err rc = CS_OK;

	if (st == NULL)
		st = &local;
	memset(st, 0, sizeof(*st));
	memset(&p, 0, sizeof(p));
	p.o = o;
	p.st = st;
	p.newfd = p.prevfd = -1;
	p.err = err;
	p.errlen = errlen;

	snprintf(rdir, sizeof(rdir), "%s/releases", o->site_dir);
	if ((mkdir(o->site_dir, 0755) != 0 && errno != EEXIST) ||
	    (mkdir(rdir, 0755) != 0 && errno != EEXIST)) {
		rc = cs_seterr(err, errlen, CS_ERR_IO, "%s: mkdir: %s", rdir, strerror(errno));
		goto out;
	}
	rc = list_releases(rdir, &rels, &nrels);
	if (rc != CS_OK) {
		cs_seterr(err, errlen, rc, "%s: cannot list", rdir);
		goto out;
	}
	if (nrels > 0)
		seq = rels[0].seq;
	/* the new release: timestamp for people, sequence for order */
	cstime_format_iso8601(now, stamp, sizeof(stamp));
	snprintf(st->release, sizeof(st->release), "%.4s%.2s%.2sT%.2s%.2s%.2sZ-%06lld",
	    stamp, stamp + 5, stamp + 8, stamp + 11, stamp + 14, stamp + 17, seq + 1);
	if (pjoin(ndir, sizeof(ndir), rdir, st->release) != 0 || mkdir(ndir, 0755) != 0) {
		rc = cs_seterr(err, errlen, CS_ERR_IO, "%s: mkdir: %s", ndir, strerror(errno));
		goto out;
	}
	made = 1;
	p.newfd = open(ndir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (p.newfd < 0) {
		rc = cs_seterr(err, errlen, CS_ERR_IO, "%s: %s", ndir, strerror(errno));
		goto out;
	}
	open_previous(&p, rdir);

	sink.arg = &p;
	sink.reuse = sink_reuse;
	sink.put = sink_put;
	rc = render_site(ctx, m, st->release, &sink, err, errlen);
	if (rc != CS_OK)
		goto out;
	st->files = p.cur.n;
	rc = write_manifest(&p);
	if (rc != CS_OK)
		goto out;

	if (!o->no_fsync) {
		rc = sync_release(&p, ndir, rdir, err, errlen);
		if (rc != CS_OK)
			goto out;
	}
	rc = swap_current(o, st->release, &swapped, &sitefd, err, errlen);
	if (rc != CS_OK)
		goto out;
	rc = prune_releases(rdir, rels, nrels, keep, st->release, err, errlen);
out:
	if (rc != CS_OK && made && !swapped)
		(void)rm_tree(ndir);
	if (sitefd >= 0)
		close(sitefd);
	if (p.newfd >= 0)
		close(p.newfd);
	if (p.prevfd >= 0)
		close(p.prevfd);
	manifest_free(&p.prev);
	manifest_free(&p.cur);
	for (i = 0; i < p.ndirs; i++)
		free(p.dirs[i]);
	free(rels);
	return rc;
}
