/* instance.c: one daemon per state directory (instance.h). */
#include "base/instance.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

/* The holder's pid and what it does, as it wrote them ("1234 run"); 0 when unreadable. */
static pid_t
read_holder(int fd, char *what, size_t len)
{
	char buf[128];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	char *end;
	long pid;

	what[0] = '\0';
	if (n <= 0)
		return 0;
	buf[n] = '\0';
	pid = strtol(buf, &end, 10);
	if (end == buf || pid <= 0)
		return 0;
	while (*end == ' ')
		end++;
	end[strcspn(end, "\n")] = '\0';
	snprintf(what, len, "%s", end);
	return (pid_t)pid;
}

cs_err
instance_lock(const char *state_dir, const char *what, int shared, struct instance_lock *l,
    pid_t *holder, char *err, size_t errlen)
{
	char path[4096], other[64], line[96];
	pid_t pid;
	int fd, n;

	l->fd = -1;
	if (holder != NULL)
		*holder = 0;
	if ((size_t)snprintf(path, sizeof(path), "%s/clickstatus.lock", state_dir) >= sizeof(path))
		return cs_seterr(err, errlen, CS_ERR_IO, "%s: path too long", state_dir);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd == -1)
		return cs_seterr(err, errlen, CS_ERR_IO, "%s: %s", path, strerror(errno));
	if (flock(fd, (shared ? LOCK_SH : LOCK_EX) | LOCK_NB) == -1) {
		int e = errno;

		if (e != EWOULDBLOCK) {
			close(fd);
			return cs_seterr(err, errlen, CS_ERR_IO, "%s: flock: %s", path, strerror(e));
		}
		pid = read_holder(fd, other, sizeof(other));
		close(fd);
		if (holder != NULL)
			*holder = pid;
		if (pid > 0)
			return cs_seterr(err, errlen, CS_ERR_STATE,
			    "state directory %s is in use by clickstatus pid %ld (%s); one process "
			    "owns its outboxes at a time", state_dir, (long)pid,
			    other[0] != '\0' ? other : "unknown");
		return cs_seterr(err, errlen, CS_ERR_STATE,
		    "state directory %s is in use by another clickstatus process (%s is locked)",
		    state_dir, path);
	}
	/* Rewritten in place; with shared holders it names the last one, which is enough to find them. */
	n = snprintf(line, sizeof(line), "%ld %s\n", (long)getpid(), what);
	if (ftruncate(fd, 0) == -1 || pwrite(fd, line, (size_t)n, 0) != n) {
		int e = errno;

		close(fd);
		return cs_seterr(err, errlen, CS_ERR_IO, "%s: %s", path, strerror(e));
	}
	l->fd = fd;
	return CS_OK;
}

void
instance_unlock(struct instance_lock *l)
{
	if (l->fd < 0)
		return;
	/* Left in place: removing it would race a process opening it to lock. */
	close(l->fd);
	l->fd = -1;
}
