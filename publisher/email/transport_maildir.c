/* transport_maildir.c: delivery into a Maildir: tmp/, fsync, rename into new/. */
#include "email/mail_transport_priv.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/*
 * Delivery follows https://cr.yp.to/proto/maildir.html: the message is
 * written to tmp/NAME, fsync()ed, closed, then renamed to new/NAME. The
 * rename is atomic, so a reader of new/ sees a whole message or none, and
 * the file's data is on disk before its name appears in new/. The
 * directory new/ itself is fsynced once per mail_transport_wait() that
 * returns fresh deliveries, not once per message: a batch of messages
 * costs one directory sync, and a MAIL_SENT result is only handed out
 * after it, so SENT means the name is durable too. If that sync fails,
 * the batch is reported MAIL_RETRY: a retry may deliver a message twice,
 * never lose one.
 *
 * NAME is "<epoch>.<pid>_<counter>.<hostname>", the counter process-wide,
 * the file created with O_EXCL so that a clash (a recycled pid within the
 * same second) is detected and the next counter value tried.
 *
 * Messages arrive with CRLF line ends (SMTP's form); a Maildir file uses
 * the local convention, LF, so each CRLF is written as LF. A lone CR or LF
 * is kept as it is.
 */

#define WRITE_CHUNK 65536
#define NAME_TRIES  8
#define TMP_STALE   (36 * 3600) /* seconds: the spec's age of an abandoned tmp/ file */

struct maildir {
	char               *root;        /* owned, for messages */
	int                 tmpfd;       /* tmp/ */
	int                 newfd;       /* new/ */
	char                host[256];   /* sanitised hostname */
	size_t              parallel;
	struct mail_result *done;        /* results of deliveries not yet returned, parallel of them */
	size_t              ndone;
	size_t              unsynced;    /* the last that many of done[] wait for a sync of new/ */
};

static atomic_ulong name_counter;

/* The hostname, '/' and ':' written \057 and \072 as the Maildir spec does, odd bytes '_'. */
static void
host_sanitise(char *out, size_t outlen)
{
	char raw[256];
	size_t i, o = 0;

	if (gethostname(raw, sizeof(raw)) != 0 || raw[0] == '\0')
		snprintf(raw, sizeof(raw), "localhost");
	raw[sizeof(raw) - 1] = '\0';
	for (i = 0; raw[i] != '\0' && o + 5 < outlen; i++) {
		unsigned char c = (unsigned char)raw[i];

		if (c == '/' || c == ':') {
			snprintf(out + o, outlen - o, "\\%03o", c);
			o += 4;
		} else {
			out[o++] = c > 0x20 && c < 0x7f ? (char)c : '_';
		}
	}
	out[o] = '\0';
}

static cs_err
mkdir_at(int dirfd, const char *name, const char *root, char *err, size_t errlen)
{
	struct stat st;

	if (mkdirat(dirfd, name, 0700) != 0 && errno != EEXIST)
		return cs_seterr(err, errlen, CS_ERR_IO, "maildir: mkdir %s/%s: %s", root, name, strerror(errno));
	if (fstatat(dirfd, name, &st, 0) != 0 || !S_ISDIR(st.st_mode))
		return cs_seterr(err, errlen, CS_ERR_IO, "maildir: %s/%s is not a directory", root, name);
	return CS_OK;
}

static void
md_close(void *state)
{
	struct maildir *m = state;

	if (m == NULL)
		return;
	if (m->tmpfd >= 0)
		close(m->tmpfd);
	if (m->newfd >= 0)
		close(m->newfd);
	free(m->done);
	free(m->root);
	free(m);
}

/*
 * Deletes what a delivery killed between its write and its rename left in
 * tmp/: files not touched for 36 hours, as the spec asks of whoever reads
 * the directory. The message itself is still owed by the store and is
 * delivered again under a new name; a younger file may be a delivery in
 * progress (another `clickstatus mail` pass) and is left alone. Run at open
 * and before each delivery, since a daemon keeps its transport for months:
 * tmp/ holds at most the deliveries in progress, so it costs a short
 * directory read beside the delivery's fsyncs. The directory is opened
 * anew (not dup'd) so that each read starts at its beginning.
 */
static void
tmp_sweep(int tmpfd)
{
	time_t cut = time(NULL) - TMP_STALE;
	struct dirent *de;
	struct stat st;
	DIR *d;
	int fd = openat(tmpfd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return;
	d = fdopendir(fd);
	if (d == NULL) {
		close(fd);
		return;
	}
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		if (fstatat(tmpfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
		    st.st_mtime < cut && st.st_atime < cut)
			(void)unlinkat(tmpfd, de->d_name, 0);
	}
	closedir(d);
}

static cs_err
md_open(const struct mail_transport_config *cfg, void **state, char *err, size_t errlen)
{
	struct maildir *m = NULL;
	int rootfd = -1;
	cs_err rc = CS_OK;

	*state = NULL;
	m = calloc(1, sizeof(*m));
	if (m == NULL) {
		rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "maildir: out of memory");
		goto out;
	}
	m->tmpfd = m->newfd = -1;
	m->parallel = (size_t)cfg->parallel;
	m->root = strdup(cfg->maildir);
	m->done = calloc(m->parallel, sizeof(*m->done));
	if (m->root == NULL || m->done == NULL) {
		rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "maildir: out of memory");
		goto out;
	}
	rc = mkdir_at(AT_FDCWD, cfg->maildir, "maildir", err, errlen);
	if (rc != CS_OK)
		goto out;
	rootfd = open(cfg->maildir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (rootfd < 0) {
		rc = cs_seterr(err, errlen, CS_ERR_IO, "maildir: open %s: %s", cfg->maildir, strerror(errno));
		goto out;
	}
	rc = mkdir_at(rootfd, "tmp", cfg->maildir, err, errlen);
	if (rc == CS_OK)
		rc = mkdir_at(rootfd, "new", cfg->maildir, err, errlen);
	if (rc == CS_OK)
		rc = mkdir_at(rootfd, "cur", cfg->maildir, err, errlen);
	if (rc != CS_OK)
		goto out;
	m->tmpfd = openat(rootfd, "tmp", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	m->newfd = openat(rootfd, "new", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (m->tmpfd < 0 || m->newfd < 0) {
		rc = cs_seterr(err, errlen, CS_ERR_IO, "maildir: open %s/tmp or new: %s", cfg->maildir,
		    strerror(errno));
		goto out;
	}
	host_sanitise(m->host, sizeof(m->host));
	tmp_sweep(m->tmpfd);
	*state = m;
	m = NULL;
out:
	if (rootfd >= 0)
		close(rootfd);
	md_close(m);
	return rc;
}

static size_t
md_room(const void *state)
{
	const struct maildir *m = state;

	return m->parallel - m->ndone;
}

static size_t
md_pending(const void *state)
{
	const struct maildir *m = state;

	return m->ndone;
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Writes data with every CRLF as LF. */
static int
write_lf(int fd, const char *data, size_t len)
{
	char buf[WRITE_CHUNK];
	size_t i, o = 0;

	for (i = 0; i < len; i++) {
		if (data[i] == '\r' && i + 1 < len && data[i + 1] == '\n')
			continue;
		buf[o++] = data[i];
		if (o == sizeof(buf)) {
			if (write_all(fd, buf, o) != 0)
				return -1;
			o = 0;
		}
	}
	return o > 0 ? write_all(fd, buf, o) : 0;
}

/* Delivers one message; fills r (SENT, or RETRY with the step and errno text). */
static void
deliver(struct maildir *m, const struct mail_job *job, struct mail_result *r)
{
	char name[384];
	const char *step = "create";
	int fd = -1, i, e;

	for (i = 0; i < NAME_TRIES; i++) {
		snprintf(name, sizeof(name), "%lld.%ld_%lu.%s", (long long)time(NULL), (long)getpid(),
		    atomic_fetch_add(&name_counter, 1), m->host);
		fd = openat(m->tmpfd, name, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
		if (fd >= 0 || errno != EEXIST)
			break;
	}
	if (fd < 0)
		goto fail;
	step = "write";
	if (write_lf(fd, job->data, job->len) != 0)
		goto fail;
	step = "fsync";
	if (fsync(fd) != 0)
		goto fail;
	step = "close";
	e = close(fd);
	fd = -1;
	if (e != 0)
		goto fail;
	step = "rename into new/";
	if (renameat(m->tmpfd, name, m->newfd, name) != 0)
		goto fail;
	r->outcome = MAIL_SENT;
	transport_detail(r, "maildir: new/%s", name);
	return;
fail:
	e = errno;
	if (fd >= 0)
		close(fd);
	unlinkat(m->tmpfd, name, 0);
	r->outcome = MAIL_RETRY;
	transport_detail(r, "maildir: %s tmp/%s in %s: %s", step, name, m->root, strerror(e));
}

static cs_err
md_submit(void *state, const struct mail_job *job, char *err, size_t errlen)
{
	struct maildir *m = state;
	struct mail_result *r;

	(void)err;
	(void)errlen;
	r = &m->done[m->ndone++];
	memset(r, 0, sizeof(*r));
	r->tag = job->tag;
	tmp_sweep(m->tmpfd);
	deliver(m, job, r);
	m->unsynced++;
	return CS_OK;
}

static cs_err
md_wait(void *state, int timeout_ms, struct mail_result *res, size_t max, size_t *n,
    char *err, size_t errlen)
{
	struct maildir *m = state;
	size_t i, k;

	(void)timeout_ms;
	(void)err;
	(void)errlen;
	*n = 0;
	if (m->unsynced > 0 && fsync(m->newfd) != 0) {
		int e = errno;

		/* The unsynced ones are the newest (the tail of done[]). */
		for (i = m->ndone - m->unsynced; i < m->ndone; i++) {
			if (m->done[i].outcome != MAIL_SENT)
				continue;
			m->done[i].outcome = MAIL_RETRY;
			transport_detail(&m->done[i], "maildir: fsync new/ in %s: %s",
			    m->root, strerror(e));
		}
	}
	m->unsynced = 0;
	k = m->ndone < max ? m->ndone : max;
	memcpy(res, m->done, k * sizeof(*res));
	memmove(m->done, m->done + k, (m->ndone - k) * sizeof(*m->done));
	m->ndone -= k;
	*n = k;
	return CS_OK;
}

const struct transport_ops transport_maildir_ops = {
	.name = "maildir",
	.open = md_open,
	.room = md_room,
	.submit = md_submit,
	.wait = md_wait,
	.pending = md_pending,
	.close = md_close,
};
