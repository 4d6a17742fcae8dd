/* run_mail.c: the daemon's email publisher thread (daemon.h). */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "daemon.h"
#include "base/stopflag.h"
#include "email/mailer.h"
#include "store/mailq.h"
#include "store/store.h"

struct mailthread {
	pthread_t       thread;
	pthread_mutex_t mu;
	pthread_cond_t  cv;
	struct mailer  *ml;
	struct store   *st;
	int             sim;
	int             stop;
	uint64_t        kicked, done;  /* passes asked for / run (generations) */
	int64_t         now;           /* time of the pass asked for, 0 the clock */
	int             due;           /* deliveries still due after the last pass */
	cycle_log_fn    log;
	void           *logctx;
};

static void
one_pass(struct mailthread *t, int64_t now)
{
	struct mailer_stats ms;
	char err[CS_ERRLEN];

	if (now == 0)
		now = (int64_t)time(NULL);
	err[0] = '\0';
	/* A relay that is down is the mailer's own retry schedule: logged by it, not fatal here. */
	if (mailer_run(t->ml, t->st, now, &ms, err, sizeof(err)) != CS_OK && !stop_requested())
		cycle_logf(t->log, t->logctx, "error", "mail", "%s", err);
	pthread_mutex_lock(&t->mu);
	t->due = ms.next_due != 0 && ms.next_due <= now;
	pthread_mutex_unlock(&t->mu);
}

static void *
run(void *arg)
{
	struct mailthread *t = arg;

	pthread_mutex_lock(&t->mu);
	while (!t->stop) {
		uint64_t gen;
		int64_t now;

		if (t->kicked == t->done) {
			struct timespec until;

			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_sec += MAILTHREAD_PERIOD;
			if (pthread_cond_timedwait(&t->cv, &t->mu, &until) != 0 && !t->sim &&
			    !t->stop && t->kicked == t->done)
				t->kicked++; /* the period's own pass */
			continue;
		}
		gen = t->kicked;
		now = t->now;
		pthread_mutex_unlock(&t->mu);
		one_pass(t, t->sim ? now : 0);
		pthread_mutex_lock(&t->mu);
		t->done = gen;
		pthread_cond_broadcast(&t->cv);
	}
	pthread_mutex_unlock(&t->mu);
	return NULL;
}

cs_err
mailthread_start(const struct config *cfg, const char *state_dir, const char *site_src, int sim,
    int64_t now, cycle_log_fn log, void *logctx, struct mailthread **out, char *err, size_t errlen)
{
	struct mailthread *t;
	sigset_t all, old;
	size_t released = 0;
	cs_err rc;

	*out = NULL;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return cs_seterr(err, errlen, CS_ERR_NOMEM, "mail: out of memory");
	t->sim = sim;
	t->log = log;
	t->logctx = logctx;
	pthread_mutex_init(&t->mu, NULL);
	pthread_cond_init(&t->cv, NULL);
	rc = store_open(state_dir, &t->st, err, errlen);
	if (rc == CS_OK)
		rc = mailer_new(cfg, state_dir, site_src, &t->ml, err, errlen);
	/* What a predecessor had in flight when it died is owed again now, not after its lease. */
	if (rc == CS_OK)
		rc = mailq_release(t->st, now, &released, err, errlen);
	if (rc != CS_OK)
		goto fail;
	if (released > 0)
		cycle_logf(log, logctx, "info", "mail",
		    "%zu deliveries left in flight by the previous run are due again", released);
	mailer_set_log(t->ml, log, logctx);
	if (sim)
		mailer_set_replay(t->ml);
	/* The signals are the main thread's: it decides what a stop or a reload means. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	if (pthread_create(&t->thread, NULL, run, t) != 0) {
		pthread_sigmask(SIG_SETMASK, &old, NULL);
		rc = cs_seterr(err, errlen, CS_ERR_INTERNAL, "mail: cannot start its thread");
		goto fail;
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	*out = t;
	return CS_OK;
fail:
	mailer_free(t->ml);
	store_close(t->st);
	pthread_cond_destroy(&t->cv);
	pthread_mutex_destroy(&t->mu);
	free(t);
	return rc;
}

void
mailthread_kick(struct mailthread *t, int64_t now)
{
	if (t == NULL)
		return;
	pthread_mutex_lock(&t->mu);
	t->kicked++;
	t->now = now;
	pthread_cond_broadcast(&t->cv);
	pthread_mutex_unlock(&t->mu);
}

int
mailthread_wait(struct mailthread *t, int timeout_ms, int *due)
{
	struct timespec until;
	uint64_t want;
	int ok;

	if (due != NULL)
		*due = 0;
	if (t == NULL)
		return 1;
	clock_gettime(CLOCK_REALTIME, &until);
	until.tv_sec += timeout_ms / 1000;
	until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&t->mu);
	want = t->kicked;
	while (t->done < want)
		if (pthread_cond_timedwait(&t->cv, &t->mu, &until) != 0)
			break;
	ok = t->done >= want;
	if (due != NULL)
		*due = t->due;
	pthread_mutex_unlock(&t->mu);
	return ok;
}

void
mailthread_stop(struct mailthread *t)
{
	if (t == NULL)
		return;
	pthread_mutex_lock(&t->mu);
	t->stop = 1;
	pthread_cond_broadcast(&t->cv);
	pthread_mutex_unlock(&t->mu);
	pthread_join(t->thread, NULL);
	mailer_free(t->ml);
	store_close(t->st);
	pthread_cond_destroy(&t->cv);
	pthread_mutex_destroy(&t->mu);
	free(t);
}
