/* daemon.h: the pieces `clickstatus run` assembles besides the cycle: the mail thread, the supervised endpoint. */
#ifndef DAEMON_H
#define DAEMON_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/cs_error.h"
#include "cycle/cycle.h"
#include "model/config.h"
#include "cli.h"

/*
 * The email publisher on a thread of its own, with its own store
 * connection: a relay that is slow (60 s timeouts) never holds back a
 * poll or the dashboards. It runs a pass when kicked (after every cycle,
 * at the cycle's time) and, in real time, every MAILTHREAD_PERIOD seconds
 * (the batches that come due, an engineer's update). Signals stay with
 * the main thread; the stop flag (stopflag.h) cuts a pass short.
 */
#define MAILTHREAD_PERIOD 5

struct mailthread;

/*
 * Opens the store of state_dir and the mailer of cfg (borrowed: it must
 * outlive the thread), releases the deliveries a predecessor left claimed
 * (the caller holds the instance lock: they are due at now, the clock or
 * a replay's start) and starts the thread. sim: passes only when kicked,
 * at the time given. CS_OK and an owned *out, or the
 * store's or the mailer's error.
 */
cs_err mailthread_start(const struct config *cfg, const char *state_dir, const char *site_src,
    int sim, int64_t now, cycle_log_fn log, void *logctx, struct mailthread **out, char *err,
    size_t errlen);

/* Asks for a pass at now (0: the clock when it starts); returns at once. */
void mailthread_kick(struct mailthread *t, int64_t now);

/*
 * Waits until every pass kicked so far has run, at most timeout_ms.
 * Returns 1 when they have, 0 on timeout. *due (may be NULL) is set to
 * whether deliveries were still due at the last pass's time.
 */
int mailthread_wait(struct mailthread *t, int timeout_ms, int *due);

/* Stops the thread after its pass in hand (cut short if the stop flag is set) and frees t. */
void mailthread_stop(struct mailthread *t);

/*
 * A child process kept running: the subscription endpoint (`clickstatus
 * serve`), which faces the Internet's input, runs in its own process so
 * that nothing it meets can take the poller down, and is restarted with a
 * backoff (1 s doubling to 1 min) when it dies. It is told to stop with
 * SIGTERM, and gets SIGTERM from the kernel if the daemon dies first.
 */
struct child {
	char  **argv;          /* owned, NULL-terminated; argv[0] is the program to exec */
	const char *name;      /* for the log: "serve" */
	pid_t   pid;           /* 0: not running */
	int64_t restart_at_ms; /* monotonic; when to start it again */
	int64_t backoff_ms;
	int64_t started_ms;
	cycle_log_fn log;
	void   *logctx;
};

/* Starts c->argv; logs and schedules a retry when fork or exec fails. */
void child_start(struct child *c);

/* Reaps c if it exited (logged, restart scheduled), starts it when due. Cheap: call every second. */
void child_tend(struct child *c);

/* SIGTERM, then SIGKILL after timeout_ms; reaps it. */
void child_stop(struct child *c, int timeout_ms);

/* Frees argv (after child_stop). */
void child_clear(struct child *c);

/* What `run` (and `poll` without --once) is asked to do. */
struct run_args {
	struct cycle_options co;
	const char *site_dir, *site_src;
	const char *listen;     /* the endpoint's address, NULL: email.listen */
	int no_serve;           /* no subscription endpoint */
	int no_render;          /* `poll --no-render` */
	const char *what;       /* "run" or "poll": the lock's and the log's name */
	int sim;                /* a replay in simulated time: */
	int64_t sim_start, sim_end, sim_step_ms;
	int64_t sim_interval;   /* simulated seconds between cycles, 0: poll_interval */
	/* Called before each simulated cycle with its time (the replay's feed server). */
	void  (*on_sim_time)(void *ctx, int64_t now);
	void   *sim_ctx;
};

/*
 * The feeds of a directory of recordings served on 127.0.0.1 as AWS
 * served them at the replay's simulated time (feed_cut.h): <slug>.rss of
 * the directory cut at that time, every other feed of the configuration
 * as a quiet service's empty feed, and the directory's currentevents as
 * it is (a snapshot cannot be cut in time). ETags make the daemon's
 * conditional GETs work as against AWS. libmicrohttpd, on its own thread.
 */
struct feedsrv;

/*
 * Loads the *.rss and currentevents of dir and listens on a free loopback
 * port; url receives "http://127.0.0.1:PORT/". *times (owned, *ntimes of
 * them) gets the dates of every recorded item, *nfeeds the feeds found.
 * CS_ERR_IO naming the directory, CS_ERR_PARSE naming a file that is not
 * a feed, CS_ERR_NET.
 */
cs_err feedsrv_start(const char *dir, struct feedsrv **out, char *url, size_t urllen,
    int64_t **times, size_t *ntimes, size_t *nfeeds, char *err, size_t errlen);

/* The simulated time the feeds are served as of. */
void feedsrv_set_time(struct feedsrv *f, int64_t now);

/* Stops the server and frees f; NULL is a no-op. */
void feedsrv_free(struct feedsrv *f);

/*
 * The daemon: holds the state directory's instance lock, polls on the
 * configured interval (jittered, on the monotonic clock) or through a
 * replay's simulated instants, publishes the site, drives MQTT, runs the
 * mail thread and the endpoint, reloads on SIGHUP, stops on SIGTERM or
 * SIGINT within 10 s. Returns the exit code.
 */
int run_daemon(struct cli_globals *g, const struct run_args *a);

#endif
