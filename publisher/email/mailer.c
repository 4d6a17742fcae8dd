/* mailer.c: the email publisher's pass: plan mailings, send due deliveries, acknowledge each result. */
#include "email/mailer_priv.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "base/secret.h"
#include "base/hash.h"
#include "base/strbuf.h"
#include "email/mail_msg.h"
#include "email/mail_plan.h"
#include "email/mail_render.h"
#include "email/mail_token.h"
#include "email/mail_transport.h"
#include "store/mailq.h"
#include "store/subscribers.h"

/* Subjects planned in one pass at most; the rest wait for the next pass. */
#define MAILER_MAX_SUBJECTS 1000
/* Deliveries claimed at once per connection. */
#define MAILER_CLAIM_PER_CONN 16
/* Messages the builder thread makes ahead of the sending, at most. */
#define MAILER_BUILD_AHEAD 32
/* Updates and components one mail shows at most. */
#define MAILER_MAX_ITEMS 64
/* Placeholders for a subscriber's own links in a mailing rendered once for all. */
#define LINK_MANAGE "@@CS-MANAGE-URL@@"
#define LINK_UNSUB  "@@CS-UNSUBSCRIBE-URL@@"


void
mailer_log(struct mailer *m, const char *level, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;

	if (m->log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	m->log(m->logctx, level, "mail", buf);
}

void
mailer_set_log(struct mailer *m, cycle_log_fn fn, void *ctx)
{
	m->log = fn;
	m->logctx = ctx;
}

void
mailer_set_replay(struct mailer *m)
{
	m->max_age = 0;
}

static void
cache_clear(struct mailer *m)
{
	free(m->subject);
	free(m->text);
	free(m->html);
	m->subject = m->text = m->html = NULL;
	m->cached = 0;
}

void
mailer_free(struct mailer *m)
{
	if (m == NULL)
		return;
	cache_clear(m);
	mail_transport_free(m->tr);
	mail_render_ctx_free(m->rctx);
	free(m);
}

cs_err
mailer_new(const struct config *cfg, const char *state_dir, const char *site_src,
    struct mailer **out, char *err, size_t errlen)
{
	const struct config_email *e = &cfg->email;
	struct mail_transport_config tc;
	struct mailer *m = NULL;
	char maildir[4096], *password = NULL;
	const char *p, *end;
	cs_err rc;

	*out = NULL;
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return cs_seterr(err, errlen, CS_ERR_NOMEM, "out of memory");
	m->cfg = cfg;
	p = strstr(cfg->site_url, "://");
	p = p != NULL ? p + 3 : cfg->site_url;
	end = p + strcspn(p, "/:?#");
	snprintf(m->host, sizeof(m->host), "%.*s", (int)(end - p), p);
	/* List-Id (RFC 2919): a phrase, then a dot-atom under a domain we own. */
	snprintf(m->list_id, sizeof(m->list_id), "%s status <status-alerts.%s>", cfg->product,
	    m->host);
	m->lease = e->smtp_timeout * (MAILER_CLAIM_PER_CONN + 2);
	m->max_age = e->max_age;
	memset(&tc, 0, sizeof(tc));
	if (e->maildir[0] == '/')
		snprintf(maildir, sizeof(maildir), "%s", e->maildir);
	else
		snprintf(maildir, sizeof(maildir), "%s/%s", state_dir, e->maildir);
	tc.maildir = maildir;
	tc.smtp_url = e->smtp_url;
	tc.helo_name = e->smtp_helo;
	tc.username = e->smtp_username;
	tc.ca_file = e->smtp_ca_file;
	tc.parallel = e->smtp_parallel;
	tc.timeout = e->smtp_timeout;
	rc = CS_OK;
	if (e->smtp_password_file != NULL)
		rc = secret_read("email.smtp.password_file", e->smtp_password_file, &password, err,
		    errlen);
	tc.password = password;
	if (rc == CS_OK)
		rc = mail_transport_new(&tc, &m->tr, err, errlen);
	if (rc == CS_OK)
		rc = mail_render_ctx_new(site_src, &m->rctx, err, errlen);
	if (password != NULL) {
		memset(password, 0, strlen(password));
		free(password);
	}
	if (rc != CS_OK) {
		mailer_free(m);
		return rc;
	}
	*out = m;
	return CS_OK;
}

/* ---- sending ---- */

/* s with every placeholder replaced by its link, owned. */
static char *
with_links(const char *s, const char *manage, const char *unsub)
{
	struct strbuf b = { NULL, 0, 0, 0 };
	const char *p = s;

	while (*p != '\0') {
		const char *q = strstr(p, "@@CS-");

		if (q == NULL) {
			strbuf_add(&b, p, strlen(p));
			break;
		}
		strbuf_add(&b, p, (size_t)(q - p));
		if (strncmp(q, LINK_MANAGE, sizeof(LINK_MANAGE) - 1) == 0) {
			strbuf_add(&b, manage, strlen(manage));
			p = q + sizeof(LINK_MANAGE) - 1;
		} else if (strncmp(q, LINK_UNSUB, sizeof(LINK_UNSUB) - 1) == 0) {
			strbuf_add(&b, unsub, strlen(unsub));
			p = q + sizeof(LINK_UNSUB) - 1;
		} else {
			strbuf_add(&b, q, 5);
			p = q + 5;
		}
	}
	return strbuf_take(&b);
}

/* Renders job j's mailing once (cached for the next jobs of the same mailing). */
static cs_err
render_mailing(struct mailer *m, const struct mailq_job *j, char *err, size_t errlen)
{
	struct mail_component comps[MAILER_MAX_ITEMS];
	struct mail_update ups[MAILER_MAX_ITEMS];
	struct mail_content c;
	json_t *doc = NULL;
	const char *thread;
	cs_err rc;

	if (m->cached == j->mailing_id && m->text != NULL)
		return CS_OK;
	cache_clear(m);
	rc = mail_plan_content(m->cfg, j->kind, j->content_json, &doc, &c, comps, ups,
	    MAILER_MAX_ITEMS, err, errlen);
	if (rc != CS_OK)
		goto out;
	if (c.kind != MAIL_CONFIRM) {
		c.manage_url = LINK_MANAGE;
		c.unsubscribe_url = LINK_UNSUB;
	}
	thread = json_string_value(json_object_get(doc, "thread"));
	if (thread != NULL)
		snprintf(m->thread, sizeof(m->thread), "%s@%s", thread, m->host);
	else
		m->thread[0] = '\0';
	rc = mail_render(m->rctx, &c, &m->subject, &m->text, &m->html, err, errlen);
	if (rc == CS_OK)
		m->cached = j->mailing_id;
out:
	json_decref(doc);
	return rc;
}

/*
 * Job j's message from the mailing rendered for it (render_mailing), into an
 * owned *msg of *len bytes. Reads m and j only: the builder thread runs it.
 */
static cs_err
compose(const struct mailer *m, const struct mailq_job *j, const char *key, char **msg,
    size_t *len, char *err, size_t errlen)
{
	const struct config_email *e = &m->cfg->email;
	char tok[MAIL_LINK_LEN], manage[2048], unsub[2048], msgid[160];
	char *text = NULL, *html = NULL;
	struct mail_msg mm;
	int confirm;
	cs_err rc;

	*msg = NULL;
	confirm = strcmp(j->kind, "confirm") == 0;
	mail_token_link(key, "manage", j->subscriber_id, j->secret, tok);
	snprintf(manage, sizeof(manage), "%s/manage?t=%s", e->subscribe_url, tok);
	mail_token_link(key, "unsubscribe", j->subscriber_id, j->secret, tok);
	snprintf(unsub, sizeof(unsub), "%s/unsubscribe?t=%s", e->subscribe_url, tok);
	text = with_links(m->text, manage, unsub);
	html = m->html != NULL ? with_links(m->html, manage, unsub) : NULL;
	if (text == NULL || (m->html != NULL && html == NULL)) {
		rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "out of memory");
		goto out;
	}
	/* The same mailing to the same subscriber is the same message, re-sent or not. */
	snprintf(msgid, sizeof(msgid), "m%" PRId64 ".s%" PRId64 "@%s", j->mailing_id,
	    j->subscriber_id, m->host);
	memset(&mm, 0, sizeof(mm));
	mm.from_name = e->from_name;
	mm.from_addr = e->from;
	mm.to_addr = j->email;
	mm.subject = m->subject;
	mm.date = j->created_at;
	mm.message_id = msgid;
	mm.thread_id = m->thread[0] != '\0' ? m->thread : NULL;
	mm.list_id = confirm ? NULL : m->list_id;
	mm.unsubscribe_url = confirm ? NULL : unsub;
	mm.text = text;
	mm.html = html;
	rc = mail_msg_build(&mm, msg, len, err, errlen);
out:
	free(text);
	free(html);
	return rc;
}

/*
 * The builder. Building a message (GMime: cleaning, quoted-printable, the
 * headers) costs more CPU than sending and acknowledging it (two thirds of
 * a fan-out into a relay on loopback, tests/bench/bench-mail.sh), and
 * libcurl blocks in curl_multi_perform() for every reply to an end of data
 * (transport_smtp.c): one thread doing both leaves the relay waiting for
 * the next message, then idles while the relay replies. So the messages of
 * a run of jobs of one mailing are built in a thread of their own, in job
 * order and at most MAILER_BUILD_AHEAD ahead of the sending, while this
 * thread sends and acknowledges. The builder only composes (compose():
 * GMime on objects of its own, GLib's HMAC, the mailing rendered
 * beforehand here, read only); the store, the transport, libxslt and the
 * log stay in the sending thread. The messages are the same bytes,
 * submitted in the same order, as when built here one by one, which is
 * what happens when the thread cannot be started.
 */
struct built {
	char  *msg;                  /* owned until taken */
	size_t len;
	cs_err rc;
	char   err[CS_ERRLEN];
};

struct builder {
	const struct mailer *m;
	const struct mailq_job *jobs;
	const char *key;
	size_t first, end;           /* the run: jobs[first..end), of one mailing */
	struct built *out;           /* end - first of them, out[0] for jobs[first] */
	int running;                 /* started and not yet joined */
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	size_t made;                 /* out[0..made) are built (mu) */
	size_t taken;                /* out[0..taken) were taken by the sender (mu) */
	int stop;                    /* the sender wants no more (mu) */
};

static void *
builder_main(void *arg)
{
	struct builder *b = arg;

	for (size_t k = 0; k < b->end - b->first; k++) {
		struct built *o = &b->out[k];
		int stop;

		pthread_mutex_lock(&b->mu);
		while (!b->stop && k >= b->taken + MAILER_BUILD_AHEAD)
			pthread_cond_wait(&b->cv, &b->mu);
		stop = b->stop;
		pthread_mutex_unlock(&b->mu);
		if (stop)
			break;
		o->rc = compose(b->m, &b->jobs[b->first + k], b->key, &o->msg, &o->len, o->err,
		    sizeof(o->err));
		pthread_mutex_lock(&b->mu);
		b->made = k + 1;
		pthread_cond_broadcast(&b->cv);
		pthread_mutex_unlock(&b->mu);
	}
	return NULL;
}

/* Starts building jobs[first..end) (rendered already); nonzero when it could not start. */
static int
builder_start(struct builder *b, const struct mailer *m, const struct mailq_job *jobs,
    size_t first, size_t end, const char *key)
{
	memset(b, 0, sizeof(*b));
	b->out = calloc(end - first, sizeof(*b->out));
	if (b->out == NULL)
		return -1;
	b->m = m;
	b->jobs = jobs;
	b->key = key;
	b->first = first;
	b->end = end;
	if (pthread_mutex_init(&b->mu, NULL) != 0)
		goto no_mutex;
	if (pthread_cond_init(&b->cv, NULL) != 0)
		goto no_cond;
	if (pthread_create(&b->thread, NULL, builder_main, b) != 0)
		goto no_thread;
	b->running = 1;
	return 0;
no_thread:
	pthread_cond_destroy(&b->cv);
no_cond:
	pthread_mutex_destroy(&b->mu);
no_mutex:
	free(b->out);
	b->out = NULL;
	return -1;
}

/* Job i's message (first <= i < end) from the builder, waiting for it: as compose() returned it. */
static cs_err
builder_take(struct builder *b, size_t i, char **msg, size_t *len, char *err, size_t errlen)
{
	struct built *o = &b->out[i - b->first];

	pthread_mutex_lock(&b->mu);
	while (b->made <= i - b->first)
		pthread_cond_wait(&b->cv, &b->mu);
	b->taken = i - b->first + 1;
	pthread_cond_broadcast(&b->cv);
	pthread_mutex_unlock(&b->mu);
	*msg = o->msg;
	*len = o->len;
	o->msg = NULL;
	if (o->rc != CS_OK)
		cs_seterr(err, errlen, o->rc, "%s", o->err);
	return o->rc;
}

/* Stops and joins the builder, freeing what was built and not taken; not started: a no-op. */
static void
builder_end(struct builder *b)
{
	if (!b->running)
		return;
	pthread_mutex_lock(&b->mu);
	b->stop = 1;
	pthread_cond_broadcast(&b->cv);
	pthread_mutex_unlock(&b->mu);
	pthread_join(b->thread, NULL);
	for (size_t k = 0; k < b->end - b->first; k++)
		free(b->out[k].msg);
	free(b->out);
	pthread_cond_destroy(&b->cv);
	pthread_mutex_destroy(&b->mu);
	memset(b, 0, sizeof(*b));
}

/*
 * Job i's message, into an owned *msg of *len bytes: from the builder while
 * i is in its run; at the first job of a mailing, after rendering it here,
 * from a builder started for the jobs of that mailing that follow in the
 * batch (one job alone, or no thread to be had: built here).
 */
static cs_err
next_message(struct mailer *m, struct builder *b, const struct mailq_job *jobs, size_t n,
    size_t i, const char *key, char **msg, size_t *len, char *err, size_t errlen)
{
	size_t end = i + 1;
	cs_err rc;

	*msg = NULL;
	if (b->running && i >= b->first && i < b->end)
		return builder_take(b, i, msg, len, err, errlen);
	builder_end(b);
	rc = render_mailing(m, &jobs[i], err, errlen);
	if (rc != CS_OK)
		return rc;
	while (end < n && jobs[end].mailing_id == jobs[i].mailing_id)
		end++;
	if (end - i > 1 && builder_start(b, m, jobs, i, end, key) == 0)
		return builder_take(b, i, msg, len, err, errlen);
	return compose(m, &jobs[i], key, msg, len, err, errlen);
}

/* When a delivery that failed for the attempts-th time is tried again: 1 min doubling to 1 h. */
static int64_t
backoff(const struct mailq_job *j, int64_t now)
{
	int64_t wait = 60;
	char key[64];

	for (int i = 1; i < j->attempts && wait < 3600; i++)
		wait *= 2;
	if (wait > 3600)
		wait = 3600;
	/* A little spread, so the deliveries of one outage do not all come back at once. */
	snprintf(key, sizeof(key), "%" PRId64 ":%" PRId64, j->mailing_id, j->subscriber_id);
	return now + wait + (int64_t)(hash_fnv1a64_str(HASH_FNV1A64_BASIS, key) % 30);
}

/* Records one result; the claim may have been superseded meanwhile (counted, not an error). */
static cs_err
settle(struct mailer *m, struct store *st, const struct mailq_job *j,
    const struct mail_result *r, int64_t now, struct mailer_stats *stats, char *err,
    size_t errlen)
{
	enum mailq_outcome o;
	char e2[CS_ERRLEN], masked[128];
	int64_t retry = 0;
	cs_err rc;

	switch (r->outcome) {
	case MAIL_SENT:
		o = MAILQ_SENT;
		break;
	case MAIL_REJECTED:
		/*
		 * Only a refused mailbox bounces the subscriber; a message refused
		 * for its content or by the relay's policy is a dead letter of this
		 * one delivery (a content filter, or a relay still in its sandbox,
		 * must not unsubscribe everyone at once).
		 */
		o = r->recipient ? MAILQ_BOUNCED : MAILQ_DEAD;
		break;
	default:
		o = j->attempts >= m->cfg->email.max_attempts ? MAILQ_DEAD : MAILQ_RETRY;
		retry = backoff(j, now);
		break;
	}
	rc = mailq_ack(st, j, o, r->code, r->outcome == MAIL_SENT ? NULL : r->detail, retry, now,
	    e2, sizeof(e2));
	if (rc == CS_ERR_STATE) {
		stats->stale++;
		return CS_OK;
	}
	if (rc != CS_OK)
		return cs_seterr(err, errlen, rc, "%s", e2);
	store_sub_mask(j->email, masked, sizeof(masked));
	switch (o) {
	case MAILQ_SENT:
		stats->sent++;
		break;
	case MAILQ_RETRY:
		stats->retried++;
		if (stats->next_due == 0 || retry < stats->next_due)
			stats->next_due = retry;
		break;
	case MAILQ_BOUNCED:
		stats->bounced++;
		mailer_log(m, "warning", "subscriber #%" PRId64 " (%s) bounced: %s; no more mail is sent"
		    " to it", j->subscriber_id, masked, r->detail);
		break;
	case MAILQ_DEAD:
		stats->dead++;
		mailer_log(m, "error", "mailing %" PRId64 " to subscriber #%" PRId64 " (%s) given up after"
		    " %d attempts: %s (see `clickstatus outbox`)", j->mailing_id, j->subscriber_id,
		    masked, j->attempts, r->detail);
		break;
	}
	return CS_OK;
}

/* Waits for results and settles them; *left counts what is still in the transport. */
static cs_err
reap(struct mailer *m, struct store *st, const struct mailq_job *jobs, int64_t now,
    struct mailer_stats *stats, char *err, size_t errlen)
{
	struct mail_result res[32];
	size_t n = 0;
	int own;
	cs_err rc;

	rc = mail_transport_wait(m->tr, 1000, res, sizeof(res) / sizeof(res[0]), &n, err, errlen);
	if (rc != CS_OK || n == 0)
		return rc;
	/*
	 * The results in hand are acknowledged in one transaction: one commit
	 * (WAL frames, locks) for all of them instead of one each. They came
	 * in together; a process killed before the commit re-sends them with
	 * the same Message-ID, as it would one accepted a moment before its
	 * result was read.
	 */
	own = !store_in_transaction(st);
	if (own)
		rc = store_begin(st, err, errlen);
	for (size_t i = 0; rc == CS_OK && i < n; i++)
		rc = settle(m, st, &jobs[res[i].tag], &res[i], now, stats, err, errlen);
	/* Even after a failed ack: the acks before it stay, as each did on its own. */
	if (own) {
		char e2[CS_ERRLEN];
		cs_err rc2 = store_commit(st, e2, sizeof(e2));

		if (rc == CS_OK && rc2 != CS_OK)
			rc = cs_seterr(err, errlen, rc2, "%s", e2);
	}
	return rc;
}

/* Sends one claimed batch to the end. */
static cs_err
send_batch(struct mailer *m, struct store *st, const struct mailq_job *jobs, size_t n,
    const char *key, int64_t now, struct mailer_stats *stats, char *err, size_t errlen)
{
	struct builder b;
	cs_err rc = CS_OK;
	size_t next = 0;

	memset(&b, 0, sizeof(b));
	while (rc == CS_OK && (next < n || mail_transport_pending(m->tr) > 0)) {
		while (rc == CS_OK && next < n && mail_transport_room(m->tr) > 0) {
			struct mail_job job;
			char *msg = NULL;
			size_t len = 0;

			rc = next_message(m, &b, jobs, n, next, key, &msg, &len, err, errlen);
			if (rc == CS_ERR_PARSE || rc == CS_ERR_USAGE) {
				/* A message that cannot be made (a stored address gone bad): a dead letter. */
				struct mail_result r;

				memset(&r, 0, sizeof(r));
				r.outcome = MAIL_RETRY;
				snprintf(r.detail, sizeof(r.detail), "cannot build the message: %s", err);
				mailer_log(m, "error", "mailing %" PRId64 ": %s", jobs[next].mailing_id, r.detail);
				rc = mailq_ack(st, &jobs[next], MAILQ_DEAD, 0, r.detail, 0, now, err,
				    errlen);
				if (rc == CS_ERR_STATE)
					rc = CS_OK;
				stats->dead++;
				next++;
				continue;
			}
			if (rc != CS_OK)
				break;
			memset(&job, 0, sizeof(job));
			job.tag = next;
			job.from = m->cfg->email.from;
			job.rcpt = jobs[next].email;
			job.data = msg;
			job.len = len;
			rc = mail_transport_submit(m->tr, &job, err, errlen);
			free(msg);
			next++;
		}
		if (rc == CS_OK && mail_transport_pending(m->tr) > 0)
			rc = reap(m, st, jobs, now, stats, err, errlen);
	}
	builder_end(&b);
	return rc;
}

cs_err
mailer_run(struct mailer *m, struct store *st, int64_t now, struct mailer_stats *stats,
    char *err, size_t errlen)
{
	const struct config_email *e = &m->cfg->email;
	char key[MAIL_TOKEN_LEN];
	size_t batch = (size_t)e->smtp_parallel * MAILER_CLAIM_PER_CONN, settled = 0;
	struct timespec t0;
	int done = 0;
	cs_err rc;

	memset(stats, 0, sizeof(*stats));
	rc = store_set_batched_durability(st, err, errlen);
	if (rc == CS_OK)
		rc = mail_token_link_key(st, key, err, errlen);
	for (size_t i = 0; rc == CS_OK && !done && i < MAILER_MAX_SUBJECTS; i++)
		rc = mailer_plan_one(m, st, now, stats, &done, err, errlen);
	if (rc == CS_OK)
		rc = mailq_sweep(st, now, m->max_age, &settled, err, errlen);
	/*
	 * A batch is sent to the end before the next is claimed; the sending
	 * stops when a whole batch only failed (the relay is down: the next
	 * pass tries again after the backoff instead of hammering it).
	 */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	while (rc == CS_OK) {
		struct mailq_job *jobs = NULL;
		size_t n = 0, sent_before = stats->sent, bounced_before = stats->bounced;
		struct timespec t1;
		int64_t at;

		/*
		 * Each batch is claimed at the time it really is (now plus the pass's
		 * elapsed time), so a long pass does not lease its later batches
		 * from its start: a lease that ran out under our feet would let
		 * another sender take a batch still being sent.
		 */
		clock_gettime(CLOCK_MONOTONIC, &t1);
		at = now + (int64_t)(t1.tv_sec - t0.tv_sec);
		rc = mailq_claim(st, at, m->lease, batch, &jobs, &n, err, errlen);
		if (rc == CS_OK && n > 0)
			rc = send_batch(m, st, jobs, n, key, at, stats, err, errlen);
		mailq_jobs_free(jobs, n);
		if (n == 0 || (stats->sent == sent_before && stats->bounced == bounced_before))
			break;
	}
	cache_clear(m);
	if (stats->retried > 0)
		mailer_log(m, "warning", "%zu deliver%s deferred (the relay refused or was unreachable);"
		    " next try at the earliest in %" PRId64 " s", stats->retried,
		    stats->retried == 1 ? "y" : "ies", stats->next_due > now ? stats->next_due - now : 0);
	return rc;
}
