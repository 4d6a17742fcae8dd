/* instance.h: one daemon per state directory, by a lock file the kernel releases on death. */
#ifndef INSTANCE_H
#define INSTANCE_H

#include <stddef.h>
#include <sys/types.h>

#include "base/cs_error.h"

/*
 * <state_dir>/clickstatus.lock, held with flock(2) for the life of the
 * process that owns the state directory's outboxes (the daemon, or a
 * one-shot `mail` / `mqtt` pass). Two senders draining the same outbox
 * could send a message twice; the lock makes that impossible. The kernel
 * drops the lock when the holder dies, even by kill -9, so a crashed
 * daemon never blocks its restart and no stale pid file needs guessing.
 * The file holds the holder's pid, for the message the second one prints.
 */
struct instance_lock {
	int fd;
};

/*
 * Takes the lock without waiting: exclusive for the daemon and the MQTT
 * one-shot, shared for the mail one-shot (concurrent mail passes are safe
 * by their claims, mailq.h; only a daemon releases claims, so it must be
 * alone). CS_OK; CS_ERR_STATE when another process
 * holds it (err names it: "... is used by clickstatus pid 1234 (...)",
 * *holder its pid, 0 if unknown); CS_ERR_IO when the file cannot be opened.
 * holder may be NULL. The descriptor is close-on-exec: children never hold it.
 */
cs_err instance_lock(const char *state_dir, const char *what, int shared,
    struct instance_lock *l, pid_t *holder, char *err, size_t errlen);

/* Releases it (and closes the file); a lock never taken (fd -1) is a no-op. */
void instance_unlock(struct instance_lock *l);

#endif
