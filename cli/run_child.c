/* run_child.c: a supervised child process: the subscription endpoint (daemon.h). */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "daemon.h"
#include "base/cstime.h"

#define CHILD_BACKOFF_MIN 1000
#define CHILD_BACKOFF_MAX 60000
/* A child that ran this long before dying was healthy: its next restart is quick again. */
#define CHILD_HEALTHY_MS 60000

static void
schedule_restart(struct child *c)
{
	int64_t now = cstime_mono_ms();

	if (now - c->started_ms >= CHILD_HEALTHY_MS)
		c->backoff_ms = CHILD_BACKOFF_MIN;
	c->restart_at_ms = now + c->backoff_ms;
	c->backoff_ms = c->backoff_ms * 2 > CHILD_BACKOFF_MAX ? CHILD_BACKOFF_MAX : c->backoff_ms * 2;
}

void
child_start(struct child *c)
{
	pid_t parent = getpid(), pid;

	if (c->backoff_ms == 0)
		c->backoff_ms = CHILD_BACKOFF_MIN;
	c->started_ms = cstime_mono_ms();
	pid = fork();
	if (pid == -1) {
		cycle_logf(c->log, c->logctx, "error", c->name, "cannot start: fork: %s",
		    strerror(errno));
		schedule_restart(c);
		return;
	}
	if (pid == 0) {
		sigset_t none;

		/* The kernel stops it when the daemon dies, even by kill -9: no orphan keeps the port. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(1);
		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		execv("/proc/self/exe", c->argv);
		_exit(127);
	}
	c->pid = pid;
	cycle_logf(c->log, c->logctx, "debug", c->name, "started, pid %ld", (long)pid);
}

/* Says how the child ended, once; schedules its restart. */
static void
ended(struct child *c, int status)
{
	if (WIFEXITED(status))
		cycle_logf(c->log, c->logctx, "error", c->name,
		    "exited with status %d; restarting in %lld s", WEXITSTATUS(status),
		    (long long)(c->backoff_ms / 1000));
	else if (WIFSIGNALED(status))
		cycle_logf(c->log, c->logctx, "error", c->name,
		    "killed by signal %d; restarting in %lld s", WTERMSIG(status),
		    (long long)(c->backoff_ms / 1000));
	c->pid = 0;
	schedule_restart(c);
}

void
child_tend(struct child *c)
{
	int status;
	pid_t r;

	if (c->argv == NULL)
		return;
	if (c->pid > 0) {
		r = waitpid(c->pid, &status, WNOHANG);
		if (r == c->pid) {
			/* The backoff to print is the one the restart will use. */
			if (cstime_mono_ms() - c->started_ms >= CHILD_HEALTHY_MS)
				c->backoff_ms = CHILD_BACKOFF_MIN;
			ended(c, status);
		}
		return;
	}
	if (cstime_mono_ms() >= c->restart_at_ms)
		child_start(c);
}

void
child_stop(struct child *c, int timeout_ms)
{
	int64_t until;
	int status;

	if (c->pid <= 0)
		return;
	kill(c->pid, SIGTERM);
	until = cstime_mono_ms() + timeout_ms;
	while (cstime_mono_ms() < until) {
		if (waitpid(c->pid, &status, WNOHANG) == c->pid) {
			c->pid = 0;
			return;
		}
		usleep(20000);
	}
	cycle_logf(c->log, c->logctx, "warning", c->name,
	    "did not stop within %d ms of SIGTERM: killed", timeout_ms);
	kill(c->pid, SIGKILL);
	waitpid(c->pid, &status, 0);
	c->pid = 0;
}

void
child_clear(struct child *c)
{
	if (c->argv != NULL)
		for (size_t i = 0; c->argv[i] != NULL; i++)
			free(c->argv[i]);
	free(c->argv);
	c->argv = NULL;
}
