/* targets.c: one thread per publish target: kicks, passes, backoff, parking (targets.h). */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "base/cstime.h"
#include "store/targets_state.h"
#include "targets/target_priv.h"
#include "targets/targets.h"

/*
 * A worker is shared by its thread and the owner (struct targets), each
 * holding a reference: a thread that does not end within targets_stop()'s
 * timeout (a transfer libcurl cannot abort at once, a store that waits for
 * its lock) keeps its worker alive after targets_free() and frees it when
 * it returns, so neither side frees memory the other still uses.
 */
struct worker {
	struct config_target t;       /* deep copy of the configuration's entry */
	char   *state_dir, *site_dir;
	int     oneshot, full;        /* targets_publish_once(): one pass, no retry */
	pthread_t thread;
	int     started, joined;
	atomic_int refs;
	atomic_int abort;             /* read by libcurl's progress callback */

	pthread_mutex_t mu;           /* guards what follows; never held over I/O */
	pthread_cond_t cv;
	unsigned kicks, done;         /* kicks received, kicks a pass has answered */
	int     stopping;
	int64_t retry_at;             /* monotonic ms of the next try while failing, 0: none */

	pthread_mutex_t log_mu;       /* a separate lock: a kick never waits for a log line */
	cycle_log_fn log;
	void   *logctx;

	struct targets_result result; /* the last pass's (one-shot: read after the join) */
};

struct targets {
	struct worker **w;
	size_t n;
	int    stopped;
};

static char *
dup_or_null(const char *s, int *oom)
{
	char *d;

	if (s == NULL)
		return NULL;
	d = strdup(s);
	if (d == NULL)
		*oom = 1;
	return d;
}

static void
worker_free(struct worker *w)
{
	struct config_target *t = &w->t;
	char *owned[] = { t->name, t->endpoint, t->bucket, t->region, t->prefix, t->access_key_id,
		t->secret_access_key_file, t->url, t->username, t->private_key_file,
		t->public_key_file, t->known_hosts_file, w->state_dir, w->site_dir };

	for (size_t i = 0; i < sizeof(owned) / sizeof(owned[0]); i++)
		free(owned[i]);
	pthread_mutex_destroy(&w->mu);
	pthread_mutex_destroy(&w->log_mu);
	pthread_cond_destroy(&w->cv);
	free(w);
}

static void
worker_unref(struct worker *w)
{
	if (w != NULL && atomic_fetch_sub(&w->refs, 1) == 1)
		worker_free(w);
}

static struct worker *
worker_new(const struct config_target *src, const char *state_dir, const char *site_dir)
{
	struct worker *w = calloc(1, sizeof(*w));
	pthread_condattr_t ca;
	int oom = 0;

	if (w == NULL)
		return NULL;
	w->t = *src;
	w->t.name = dup_or_null(src->name, &oom);
	w->t.endpoint = dup_or_null(src->endpoint, &oom);
	w->t.bucket = dup_or_null(src->bucket, &oom);
	w->t.region = dup_or_null(src->region, &oom);
	w->t.prefix = dup_or_null(src->prefix != NULL ? src->prefix : "", &oom);
	w->t.access_key_id = dup_or_null(src->access_key_id, &oom);
	w->t.secret_access_key_file = dup_or_null(src->secret_access_key_file, &oom);
	w->t.url = dup_or_null(src->url, &oom);
	w->t.username = dup_or_null(src->username, &oom);
	w->t.private_key_file = dup_or_null(src->private_key_file, &oom);
	w->t.public_key_file = dup_or_null(src->public_key_file, &oom);
	w->t.known_hosts_file = dup_or_null(src->known_hosts_file, &oom);
	w->state_dir = dup_or_null(state_dir, &oom);
	w->site_dir = dup_or_null(site_dir, &oom);
	atomic_init(&w->refs, 1);
	atomic_init(&w->abort, 0);
	pthread_mutex_init(&w->mu, NULL);
	pthread_mutex_init(&w->log_mu, NULL);
	/* timed waits on the monotonic clock: a clock step does not stretch a backoff */
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&w->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (oom) {
		worker_free(w);
		return NULL;
	}
	return w;
}

static void
worker_log(void *arg, const char *level, const char *subsys, const char *msg)
{
	struct worker *w = arg;

	pthread_mutex_lock(&w->log_mu);
	if (w->log != NULL)
		w->log(w->logctx, level, subsys, msg);
	pthread_mutex_unlock(&w->log_mu);
}

/* One pass through st (opened here when *st is NULL); fills w->result. */
static cs_err
worker_pass(struct worker *w, struct store **st)
{
	struct targets_result *r = &w->result;
	int64_t t0 = cstime_mono_ms();
	cs_err rc;

	memset(r, 0, sizeof(*r));
	snprintf(r->name, sizeof(r->name), "%s", w->t.name);
	if (*st == NULL) {
		char msg[CS_ERRLEN];

		rc = store_open(w->state_dir, st, msg, sizeof(msg));
		if (rc != CS_OK) {
			cs_seterr(r->error, sizeof(r->error), rc, "%s: %s", w->t.name, msg);
			r->rc = rc;
			return rc;
		}
	}
	rc = target_sync(&w->t, *st, w->site_dir, &w->abort, w->full, r, worker_log, w, r->error,
	    sizeof(r->error));
	w->full = 0;
	r->rc = rc;
	r->ms = cstime_mono_ms() - t0;
	return rc;
}

/* The wait before try number failures + 1: retry_min doubling, at most retry_max. */
static int64_t
backoff_s(const struct config_target *t, int failures)
{
	int64_t d = t->retry_min;

	for (int i = 1; i < failures && d < t->retry_max; i++)
		d *= 2;
	return d < t->retry_max ? d : t->retry_max;
}

/*
 * Records the pass's outcome in the store and the log; returns this
 * thread's failures in a row (the backoff's count: a restarted daemon
 * tries at once; the store's count, which goes on across restarts, is
 * the one reported).
 */
static int
worker_record(struct worker *w, struct store *st, int prev_failures)
{
	const struct targets_result *r = &w->result;
	int64_t now = (int64_t)time(NULL), delay = 0;
	char msg[CS_ERRLEN];
	int failures = prev_failures + 1, in_store = failures;

	if (r->rc == CS_OK) {
		if (st != NULL && r->release[0] != '\0' &&
		    store_target_success(st, w->t.name, r->release, now, msg, sizeof(msg)) != CS_OK)
			cycle_logf(worker_log, w, "error", "publish", "%s: %s", w->t.name, msg);
		if (r->uploaded + r->deleted > 0 || prev_failures > 0)
			cycle_logf(worker_log, w, "info", "publish", "%s: holds %s: %zu uploaded, "
			    "%zu deleted, %zu unchanged in %lld ms%s", w->t.name, r->release,
			    r->uploaded, r->deleted, r->unchanged, (long long)r->ms,
			    prev_failures > 0 ? " (back after failing)" : "");
		return 0;
	}
	if (!w->oneshot)
		delay = backoff_s(&w->t, failures);
	if (st != NULL && store_target_failure(st, w->t.name, r->error, now,
	    delay > 0 ? now + delay : 0, &in_store, msg, sizeof(msg)) != CS_OK)
		cycle_logf(worker_log, w, "error", "publish", "%s: %s", w->t.name, msg);
	if (w->oneshot)
		cycle_logf(worker_log, w, "error", "publish", "%s", r->error);
	else
		cycle_logf(worker_log, w, "error", "publish", "%s (attempt %d failed; next in %lld s)",
		    r->error, in_store, (long long)delay);
	return failures;
}

static void *
worker_main(void *arg)
{
	struct worker *w = arg;
	struct store *st = NULL;
	int failures = 0;

	if (w->oneshot) {
		worker_pass(w, &st);
		worker_record(w, st, 0);
		store_close(st);
		worker_unref(w);
		return NULL;
	}
	pthread_mutex_lock(&w->mu);
	while (!w->stopping) {
		int64_t now = cstime_mono_ms();
		unsigned gen;

		if (w->retry_at == 0 ? w->kicks == w->done : now < w->retry_at) {
			if (w->retry_at == 0) {
				pthread_cond_wait(&w->cv, &w->mu);
			} else {
				struct timespec ts;

				clock_gettime(CLOCK_MONOTONIC, &ts);
				ts.tv_sec += (time_t)((w->retry_at - now) / 1000);
				ts.tv_nsec += (long)((w->retry_at - now) % 1000) * 1000000L;
				if (ts.tv_nsec >= 1000000000L) {
					ts.tv_sec++;
					ts.tv_nsec -= 1000000000L;
				}
				(void)pthread_cond_timedwait(&w->cv, &w->mu, &ts);
			}
			continue;
		}
		gen = w->kicks;
		pthread_mutex_unlock(&w->mu);

		worker_pass(w, &st);
		if (w->result.rc == CS_ERR_STATE && atomic_load(&w->abort)) {
			pthread_mutex_lock(&w->mu);
			break;        /* parked in the middle: the next start resumes */
		}
		failures = worker_record(w, st, failures);
		if (w->result.rc != CS_OK && st != NULL && w->result.rc == CS_ERR_DB) {
			store_close(st);      /* a fresh connection for the retry */
			st = NULL;
		}

		pthread_mutex_lock(&w->mu);
		w->done = gen;
		w->retry_at = failures > 0 ?
		    cstime_mono_ms() + backoff_s(&w->t, failures) * 1000 : 0;
	}
	pthread_mutex_unlock(&w->mu);
	store_close(st);
	worker_unref(w);
	return NULL;
}

static cs_err
worker_start(struct worker *w, char *err, size_t errlen)
{
	int e;

	atomic_fetch_add(&w->refs, 1);
	e = pthread_create(&w->thread, NULL, worker_main, w);
	if (e != 0) {
		atomic_fetch_sub(&w->refs, 1);
		return cs_seterr(err, errlen, CS_ERR_INTERNAL, "%s: cannot start a thread: %s",
		    w->t.name, strerror(e));
	}
	w->started = 1;
	return CS_OK;
}

cs_err
targets_new(const struct config *cfg, const char *state_dir, const char *site_dir,
    struct targets **out, char *err, size_t errlen)
{
	struct targets *t = calloc(1, sizeof(*t));
	cs_err rc = CS_OK;

	*out = NULL;
	if (t == NULL)
		return CS_ERR_NOMEM;
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (cfg->ntargets > 0) {
		t->w = calloc(cfg->ntargets, sizeof(*t->w));
		if (t->w == NULL) {
			rc = CS_ERR_NOMEM;
			goto fail;
		}
	}
	for (size_t i = 0; i < cfg->ntargets; i++) {
		struct worker *w = worker_new(&cfg->targets[i], state_dir, site_dir);

		if (w == NULL) {
			rc = CS_ERR_NOMEM;
			goto fail;
		}
		t->w[t->n++] = w;
		w->kicks = 1;         /* a first pass at start: catch up on what was missed */
		rc = worker_start(w, err, errlen);
		if (rc != CS_OK)
			goto fail;
	}
	*out = t;
	return CS_OK;
fail:
	targets_free(t);
	return rc;
}

void
targets_set_log(struct targets *t, cycle_log_fn fn, void *ctx)
{
	for (size_t i = 0; t != NULL && i < t->n; i++) {
		pthread_mutex_lock(&t->w[i]->log_mu);
		t->w[i]->log = fn;
		t->w[i]->logctx = ctx;
		pthread_mutex_unlock(&t->w[i]->log_mu);
	}
}

void
targets_kick(struct targets *t)
{
	for (size_t i = 0; t != NULL && i < t->n; i++) {
		pthread_mutex_lock(&t->w[i]->mu);
		t->w[i]->kicks++;
		pthread_cond_signal(&t->w[i]->cv);
		pthread_mutex_unlock(&t->w[i]->mu);
	}
}

void
targets_stop(struct targets *t, int timeout_ms)
{
	struct timespec dl;

	if (t == NULL || t->stopped)
		return;
	t->stopped = 1;
	for (size_t i = 0; i < t->n; i++) {
		atomic_store(&t->w[i]->abort, 1);
		pthread_mutex_lock(&t->w[i]->mu);
		t->w[i]->stopping = 1;
		pthread_cond_signal(&t->w[i]->cv);
		pthread_mutex_unlock(&t->w[i]->mu);
	}
	/* pthread_timedjoin_np() takes CLOCK_REALTIME */
	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += timeout_ms / 1000;
	dl.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
	if (dl.tv_nsec >= 1000000000L) {
		dl.tv_sec++;
		dl.tv_nsec -= 1000000000L;
	}
	for (size_t i = 0; i < t->n; i++) {
		struct worker *w = t->w[i];

		if (!w->started || w->joined)
			continue;
		if (pthread_timedjoin_np(w->thread, NULL, &dl) == 0) {
			w->joined = 1;
			continue;
		}
		/* left to end on its own, silently: the log's owner may be gone by then */
		pthread_mutex_lock(&w->log_mu);
		w->log = NULL;
		pthread_mutex_unlock(&w->log_mu);
		pthread_detach(w->thread);
		w->joined = 1;
	}
}

void
targets_free(struct targets *t)
{
	if (t == NULL)
		return;
	targets_stop(t, 5000);
	for (size_t i = 0; i < t->n; i++)
		worker_unref(t->w[i]);
	free(t->w);
	free(t);
	curl_global_cleanup();
}

cs_err
targets_publish_once(const struct config *cfg, const char *state_dir, const char *site_dir,
    const char *only, int flags, cycle_log_fn log, void *logctx, struct targets_result **res,
    size_t *nres, char *err, size_t errlen)
{
	struct worker **w = NULL;
	struct targets_result *r = NULL;
	size_t n = 0, i;
	cs_err rc = CS_OK;

	*res = NULL;
	*nres = 0;
	w = calloc(cfg->ntargets + 1, sizeof(*w));
	r = calloc(cfg->ntargets + 1, sizeof(*r));
	if (w == NULL || r == NULL) {
		rc = CS_ERR_NOMEM;
		goto out;
	}
	/*
	 * The store opened (made, migrated) once here first: workers opening a
	 * store that does not exist yet at the same instant would see one
	 * another's new file still empty, which the store refuses (store.c).
	 */
	{
		struct store *st0 = NULL;

		rc = store_open(state_dir, &st0, err, errlen);
		store_close(st0);
		if (rc != CS_OK)
			goto out;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	for (i = 0; i < cfg->ntargets; i++) {
		if (only != NULL && strcmp(only, cfg->targets[i].name) != 0)
			continue;
		w[n] = worker_new(&cfg->targets[i], state_dir, site_dir);
		if (w[n] == NULL) {
			rc = CS_ERR_NOMEM;
			break;
		}
		w[n]->oneshot = 1;
		w[n]->full = (flags & TARGETS_FULL) != 0;
		w[n]->log = log;
		w[n]->logctx = logctx;
		rc = worker_start(w[n], err, errlen);
		n++;
		if (rc != CS_OK)
			break;
	}
	for (i = 0; i < n; i++) {
		if (w[i]->started)
			pthread_join(w[i]->thread, NULL);
		r[i] = w[i]->result;
		if (rc == CS_OK && r[i].rc != CS_OK)
			rc = cs_seterr(err, errlen, r[i].rc, "%s", r[i].error);
	}
	curl_global_cleanup();
	if (rc == CS_OK && n == 0 && only != NULL)
		rc = cs_seterr(err, errlen, CS_ERR_NOTFOUND, "no publish target named \"%s\"", only);
	*res = r;
	*nres = n;
	r = NULL;
out:
	for (i = 0; w != NULL && i < n; i++)
		worker_unref(w[i]);
	free(w);
	free(r);
	return rc;
}
