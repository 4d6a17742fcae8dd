/* cycle.c: one poll cycle, from the wire to the committed component statuses and their outbox rows (the judgement is in cycle_judge.c). */
#include "cycle/cycle.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/cstime.h"
#include "aws/currentevents.h"
#include "aws/feed_parse.h"
#include "cycle/cycle_priv.h"
#include "cycle/decide.h"

/* Items kept in memory per feed until its document is known to be whole. */
#define MAX_ITEMS_PER_FEED 100000

#define KEY_CURRENTEVENTS CYCLE_KEY_CURRENTEVENTS

/*
 * A copy of one parsed item, kept until the whole document is known good.
 * Its five strings share one allocation (text, owned): a cycle copies
 * tens of thousands of items.
 */
struct item_copy {
	char   *text;
	char   *title, *link, *guid, *description, *slug; /* into text */
	int64_t epoch, pubdate;
};

/* Everything one request of the cycle accumulates. */
struct fetch {
	const char         *key;       /* slug, "all" or "currentevents" (borrowed) */
	char               *url;
	struct store_feed   prev;      /* fetch state before this cycle */
	int                 skipped;   /* backing off: not fetched */
	struct feed_parser *parser;    /* created at the first body byte */
	struct item_copy   *items;
	size_t              nitems, capitems;
	char               *body;      /* currentevents document */
	size_t              blen, bcap;
	int                 done;      /* the completion callback ran */
	int                 ok;        /* 200 or 304, and the document parsed */
	int                 not_modified;
	long                http_status;
	char               *etag, *last_modified;
	int64_t             retry_after;
	char               *error;     /* why it failed, NULL when ok */
};

struct cycle_ctx {
	struct fetch *f;
	size_t        n;
	size_t       *req_of;  /* poller's request index -> index into f */
	cycle_log_fn  log;
	void         *logctx;
};


void
cycle_logf(cycle_log_fn log, void *ctx, const char *level, const char *subsys, const char *fmt, ...)
{
	char msg[CS_ERRLEN];
	va_list ap;

	if (log == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log(ctx, level, subsys, msg);
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

static void
items_free(struct fetch *f)
{
	for (size_t i = 0; i < f->nitems; i++)
		free(f->items[i].text);
	free(f->items);
	f->items = NULL;
	f->nitems = f->capitems = 0;
}

static void
fetch_clear(struct fetch *f)
{
	free(f->url);
	store_feed_clear(&f->prev);
	feed_parse_free(f->parser);
	items_free(f);
	free(f->body);
	free(f->etag);
	free(f->last_modified);
	free(f->error);
	memset(f, 0, sizeof(*f));
}

/* Parser callback: keeps a copy of the item until the document is complete. */
static int
keep_item(const struct feed_item *it, void *ctx)
{
	struct fetch *f = ctx;
	struct item_copy *c;
	size_t len[5];

	if (f->nitems == f->capitems) {
		size_t cap = f->capitems ? f->capitems * 2 : 64;
		struct item_copy *n;

		if (cap > MAX_ITEMS_PER_FEED)
			return -1;
		n = realloc(f->items, cap * sizeof(*n));
		if (n == NULL)
			return -1;
		f->items = n;
		f->capitems = cap;
	}
	c = &f->items[f->nitems];
	memset(c, 0, sizeof(*c));
	len[0] = strlen(it->title) + 1;
	len[1] = strlen(it->link) + 1;
	len[2] = strlen(it->guid) + 1;
	len[3] = strlen(it->description) + 1;
	len[4] = strlen(it->slug) + 1;
	c->text = malloc(len[0] + len[1] + len[2] + len[3] + len[4]);
	if (c->text == NULL)
		return -1;
	c->title = memcpy(c->text, it->title, len[0]);
	c->link = memcpy(c->title + len[0], it->link, len[1]);
	c->guid = memcpy(c->link + len[1], it->guid, len[2]);
	c->description = memcpy(c->guid + len[2], it->description, len[3]);
	c->slug = memcpy(c->description + len[3], it->slug, len[4]);
	c->epoch = it->epoch;
	c->pubdate = it->pubdate;
	f->nitems++;
	return 0;
}

static cs_err
on_body(size_t idx, const char *bytes, size_t len, void *vctx, char *err, size_t errlen)
{
	struct cycle_ctx *cx = vctx;
	struct fetch *f = &cx->f[cx->req_of[idx]];

	if (strcmp(f->key, KEY_CURRENTEVENTS) == 0) {
		if (f->blen + len > CURRENTEVENTS_MAX_BYTES)
			return cs_seterr(err, errlen, CS_ERR_TOOBIG, "%s: larger than %d bytes",
			    f->url, CURRENTEVENTS_MAX_BYTES);
		if (f->blen + len + 1 > f->bcap) {
			size_t cap = (f->blen + len + 1) * 2;
			char *n = realloc(f->body, cap);

			if (n == NULL)
				return cs_seterr(err, errlen, CS_ERR_NOMEM, "%s: out of memory", f->url);
			f->body = n;
			f->bcap = cap;
		}
		memcpy(f->body + f->blen, bytes, len);
		f->blen += len;
		return CS_OK;
	}
	if (f->parser == NULL) {
		f->parser = feed_parse_new(f->url, keep_item, f, 0);
		if (f->parser == NULL)
			return cs_seterr(err, errlen, CS_ERR_NOMEM, "%s: out of memory", f->url);
	}
	return feed_parse_push(f->parser, bytes, len, err, errlen);
}

static void
on_done(size_t idx, const struct poll_result *r, void *vctx)
{
	struct cycle_ctx *cx = vctx;
	struct fetch *f = &cx->f[cx->req_of[idx]];
	char err[CS_ERRLEN];

	f->done = 1;
	f->http_status = r->http_status;
	f->retry_after = r->retry_after;
	if (r->err != CS_OK) {
		f->error = strdup(r->message);
		return;
	}
	f->not_modified = r->not_modified;
	f->etag = dup_or_null(r->etag);
	f->last_modified = dup_or_null(r->last_modified);
	if (f->not_modified) {
		f->ok = 1;
		return;
	}
	err[0] = '\0';
	if (strcmp(f->key, KEY_CURRENTEVENTS) == 0) {
		f->ok = 1; /* parsed once the store is open for writing */
		return;
	}
	if (f->parser == NULL) /* 200 with an empty body */
		f->parser = feed_parse_new(f->url, keep_item, f, 0);
	if (f->parser == NULL || feed_parse_finish(f->parser, err, sizeof(err)) != CS_OK) {
		f->error = strdup(err[0] ? err : "out of memory");
		items_free(f);
		return;
	}
	/* The items are copied: the parser's memory goes back now, not after the cycle. */
	feed_parse_free(f->parser);
	f->parser = NULL;
	f->ok = 1;
}

static char *
join_url(const char *base, const char *name)
{
	size_t bl = strlen(base);
	int slash = bl > 0 && base[bl - 1] == '/';
	size_t len = bl + 1 + strlen(name) + 5;
	char *u = malloc(len);

	if (u != NULL)
		snprintf(u, len, "%s%s%s", base, slash ? "" : "/", name);
	return u;
}

/* The fetches as the decision reads them. items must hold every fetch's items. */
static cs_err
make_docs(struct cycle_ctx *cx, struct cycle_doc **docs, struct feed_item **items)
{
	size_t total = 0, k = 0;

	for (size_t i = 0; i < cx->n; i++)
		total += cx->f[i].nitems;
	*docs = calloc(cx->n + 1, sizeof(**docs));
	*items = calloc(total + 1, sizeof(**items));
	if (*docs == NULL || *items == NULL)
		return CS_ERR_NOMEM;
	for (size_t i = 0; i < cx->n; i++) {
		struct fetch *f = &cx->f[i];
		struct cycle_doc *d = &(*docs)[i];

		d->key = f->key;
		d->url = f->url;
		d->skipped = f->skipped;
		d->ok = f->ok;
		d->not_modified = f->not_modified;
		d->http_status = f->http_status;
		d->etag = f->etag;
		d->last_modified = f->last_modified;
		d->retry_after = f->retry_after;
		d->error = f->error;
		d->body = f->body;
		d->blen = f->blen;
		d->items = *items + k;
		d->nitems = f->nitems;
		for (size_t j = 0; j < f->nitems; j++) {
			struct item_copy *c = &f->items[j];
			struct feed_item it = { c->title, c->link, c->guid, c->description, c->slug,
				c->epoch, c->pubdate };

			(*items)[k++] = it;
		}
	}
	return CS_OK;
}

/* What the log says of a decision: failures before the commit, the changes after. */
static void
say_failures(const struct cycle_decision *d, int64_t now, cycle_log_fn log, void *logctx)
{
	for (size_t i = 0; i < d->nfetch; i++) {
		const struct store_feed *f = &d->fetch[i];

		if (f->readable)
			continue;
		cycle_logf(log, logctx, "error", "poll", "%s (attempt %d failed; previous state kept; "
		    "next attempt in %lld s)", f->last_error, f->failures,
		    (long long)(f->next_attempt_at - now));
	}
}

static void
say_changes(const struct cycle_decision *d, const struct cycle_written *w, cycle_log_fn log,
    void *logctx)
{
	const struct judgement *j = d->judgement;

	/* Said when new items arrive, not again on every quiet cycle. */
	for (size_t i = 0; w->items_new + w->items_revised > 0 && i < j->nfeeds; i++) {
		if (j->feeds[i].has_items && j->feeds[i].unknown_prefix)
			cycle_logf(log, logctx, "warning", "classify", "%s: unknown title prefix, taken as "
			    "informational: \"%s\"", j->feeds[i].slug, j->feeds[i].title);
	}
	/* The RSS feed and currentevents disagreeing: said once, when it appears. */
	{
		size_t n;
		const struct classify_service *s = classify_result(d->cls, &n);

		for (size_t i = 0; i < n; i++) {
			if (s[i].disagree_new)
				cycle_logf(log, logctx, "warning", "reconcile", "%s: %s; verdict %s from %s: \"%s\"",
				    s[i].slug, reconcile_disagree_text(s[i].disagree),
				    status_aws_name(s[i].state), reconcile_source_name(s[i].source),
				    s[i].title);
		}
	}
	/* A change is news; a component's first status (a new store) is not. */
	for (size_t i = 0; i < d->nchanges; i++) {
		const struct cycle_change *c = &d->changes[i];

		cycle_logf(log, logctx, c->had ? "info" : "debug", "map", "%s: %s -> %s", c->cfg->id,
		    c->had ? status_component_name(c->from) : "(none)", status_component_name(c->to));
	}
}

cs_err
cycle_run_in_tx(const struct config *cfg, struct store *st, int64_t now,
    const struct cycle_doc *docs, size_t ndocs, struct cycle_report *rep, cycle_log_fn log,
    void *logctx, char *err, size_t errlen)
{
	struct cycle_snapshot *snap = NULL;
	struct cycle_decision *d = NULL;
	struct cycle_written w;
	cs_err rc;

	memset(&w, 0, sizeof(w));
	rc = cycle_load(cfg, st, now, &snap, err, errlen);
	if (rc == CS_OK)
		rc = cycle_decide(cfg, snap, docs, ndocs, now, &d, err, errlen);
	if (rc != CS_OK)
		goto out;
	say_failures(d, now, log, logctx);
	for (size_t i = 0; i < ndocs; i++) {
		for (size_t k = 0; docs[i].ok && k < docs[i].nitems; k++) {
			if (docs[i].items[k].guid[0] == '\0')
				cycle_logf(log, logctx, "warning", "parse", "%s: item without guid "
				    "skipped: \"%s\"", docs[i].url, docs[i].items[k].title);
		}
	}
	rc = cycle_commit(cfg, st, docs, ndocs, d, &w, err, errlen);
	if (rc == CS_OK && (d->ahead > 0 || d->fetched > 0)) {
		/* Our clock behind AWS's: said when it starts, not every minute; a read
		 * with nothing ahead ends the episode. */
		int64_t was = 0;
		int found = 0;

		rc = store_meta_get_int64(st, CYCLE_META_CLOCK_AHEAD, &was, &found, err, errlen);
		if (rc == CS_OK && d->ahead > 0 && (!found || was == 0 ||
		    (d->ahead > cfg->clock_skew && was <= cfg->clock_skew)))
			cycle_logf(log, logctx, "warning", "clock", "AWS items are dated up to %" PRId64 " s "
			    "ahead of this machine's clock: is it behind? Items up to clock_skew (%" PRId64
			    " s) ahead are taken%s", d->ahead, cfg->clock_skew,
			    d->ahead > cfg->clock_skew ? "; later ones wait until the clock reaches them" :
			    "");
		if (rc == CS_OK && (!found || was != d->ahead) && (d->ahead > 0 || was != 0))
			rc = store_meta_set_int64(st, CYCLE_META_CLOCK_AHEAD, d->ahead, err, errlen);
	}
	if (rc != CS_OK)
		goto out;
	/* Said before the transaction ends: a commit that fails afterwards is logged by the caller. */
	say_changes(d, &w, log, logctx);
	rep->fetched += d->fetched;
	rep->not_modified += d->not_modified;
	rep->failed += d->failed;
	rep->items_new += w.items_new;
	rep->items_revised += w.items_revised;
	rep->components_changed += d->nchanges;
	rep->outbox_added += w.outbox_added;
out:
	cycle_decision_free(d);
	cycle_snapshot_free(snap);
	return rc;
}

/*
 * Load, decide, commit, in one transaction: the snapshot is read inside
 * it, so nothing committed meanwhile (an engineer's command) is lost.
 */
static cs_err
run_cycle(const struct config *cfg, struct store *st, int64_t now, const struct cycle_doc *docs,
    size_t ndocs, struct cycle_report *rep, cycle_log_fn log, void *logctx,
    char *err, size_t errlen)
{
	cs_err rc = store_begin(st, err, errlen);

	if (rc != CS_OK)
		return rc;
	rc = cycle_run_in_tx(cfg, st, now, docs, ndocs, rep, log, logctx, err, errlen);
	if (rc == CS_OK)
		rc = store_commit(st, err, errlen);
	if (rc != CS_OK)
		store_rollback(st);
	return rc;
}

cs_err
cycle_poll(const struct config *cfg, struct store *st, struct poll *p, int64_t now,
    const struct cycle_options *opt, struct cycle_report *report, cycle_log_fn log,
    void *logctx, char *err, size_t errlen)
{
	struct cycle_report rep;
	struct cycle_ctx cx;
	struct poll_request *reqs = NULL;
	struct cycle_doc *docs = NULL;
	struct feed_item *items = NULL;
	struct store_feed *prev = NULL;
	size_t *req_of = NULL, nreq = 0;
	const char *base, *ceurl;
	char *derived_ce = NULL;
	cs_err rc = CS_OK;

	memset(&rep, 0, sizeof(rep));
	memset(&cx, 0, sizeof(cx));
	cx.log = log;
	cx.logctx = logctx;
	base = (opt && opt->feed_base_url) ? opt->feed_base_url : cfg->feed_base_url;
	ceurl = (opt && opt->currentevents_url) ? opt->currentevents_url : NULL;
	if (ceurl == NULL && opt && opt->feed_base_url) {
		derived_ce = join_url(opt->feed_base_url, KEY_CURRENTEVENTS);
		if (derived_ce == NULL)
			goto nomem;
		ceurl = derived_ce;
	}
	if (ceurl == NULL)
		ceurl = cfg->currentevents_url;

	cycle_doc_key(cfg, 0, &cx.n);
	cx.f = calloc(cx.n, sizeof(*cx.f));
	reqs = calloc(cx.n, sizeof(*reqs));
	req_of = calloc(cx.n, sizeof(*req_of));
	prev = calloc(cx.n, sizeof(*prev));
	if (cx.f == NULL || reqs == NULL || req_of == NULL || prev == NULL)
		goto nomem;
	/* The validators and backoff of every document, in one walk. */
	rc = cycle_load_fetch(cfg, st, prev, err, errlen);
	if (rc != CS_OK)
		goto out;
	for (size_t i = 0; i < cx.n; i++) {
		struct fetch *f = &cx.f[i];
		char name[300];
		size_t n;

		f->key = cycle_doc_key(cfg, i, &n);
		if (i + 2 < cx.n) {
			snprintf(name, sizeof(name), "%s.rss", f->key);
			f->url = join_url(base, name);
		} else if (i + 2 == cx.n) {
			f->url = join_url(base, "all.rss");
		} else {
			f->url = strdup(ceurl);
		}
		if (f->url == NULL)
			goto nomem;
		f->prev = prev[i]; /* moved */
		memset(&prev[i], 0, sizeof(prev[i]));
		/* A changed URL (another base) makes the old validators meaningless. */
		if (f->prev.url != NULL && strcmp(f->prev.url, f->url) != 0) {
			free(f->prev.etag);
			free(f->prev.last_modified);
			f->prev.etag = f->prev.last_modified = NULL;
		}
		if (!(opt && opt->force) && f->prev.failures > 0 && f->prev.next_attempt_at > now) {
			f->skipped = 1;
			rep.skipped++;
			cycle_logf(log, logctx, "debug", "poll", "%s: backing off until %lld", f->url,
			    (long long)f->prev.next_attempt_at);
			continue;
		}
		req_of[nreq] = i;
		reqs[nreq].key = f->key;
		reqs[nreq].url = f->url;
		reqs[nreq].etag = f->prev.etag;
		reqs[nreq].last_modified = f->prev.last_modified;
		nreq++;
	}
	rep.feeds = cx.n;

	cx.req_of = req_of;
	rc = poll_run(p, reqs, nreq, on_body, on_done, &cx, err, errlen);
	if (rc != CS_OK)
		goto out;
	if (make_docs(&cx, &docs, &items) != CS_OK)
		goto nomem;
	rc = run_cycle(cfg, st, now, docs, cx.n, &rep, log, logctx, err, errlen);
	goto out;
nomem:
	rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "out of memory");
out:
	free(docs);
	free(items);
	for (size_t i = 0; prev != NULL && i < cx.n; i++)
		store_feed_clear(&prev[i]);
	free(prev);
	for (size_t i = 0; cx.f != NULL && i < cx.n; i++)
		fetch_clear(&cx.f[i]);
	free(cx.f);
	free(reqs);
	free(req_of);
	free(derived_ce);
	if (report != NULL)
		*report = rep;
	return rc;
}

cs_err
cycle_refresh(const struct config *cfg, struct store *st, int64_t now,
    struct cycle_report *report, cycle_log_fn log, void *logctx, char *err, size_t errlen)
{
	struct cycle_report rep;
	cs_err rc;

	memset(&rep, 0, sizeof(rep));
	rc = run_cycle(cfg, st, now, NULL, 0, &rep, log, logctx, err, errlen);
	if (report != NULL)
		*report = rep;
	return rc;
}

cs_err
cycle_view(const struct config *cfg, struct store *st, int64_t now, struct judgement **out,
    char *err, size_t errlen)
{
	struct cycle_snapshot *snap = NULL;
	struct cycle_decision *d = NULL;
	char *text = NULL;
	cs_err rc;

	*out = NULL;
	rc = store_meta_get(st, CYCLE_META_JUDGEMENT, &text, err, errlen);
	if (rc != CS_OK)
		return rc;
	if (text != NULL) {
		rc = judgement_from_json(cfg, text, out, err, errlen);
		free(text);
		if (rc == CS_OK && judgement_age(*out, cfg, now) != CS_OK) {
			judgement_free(*out);
			*out = NULL;
			rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "out of memory");
		}
		return rc;
	}
	/*
	 * Nothing committed yet (a new store): what a cycle would decide from
	 * nothing read, without writing it: every component unknown.
	 */
	rc = cycle_load(cfg, st, now, &snap, err, errlen);
	if (rc == CS_OK)
		rc = cycle_decide(cfg, snap, NULL, 0, now, &d, err, errlen);
	if (rc == CS_OK) {
		*out = d->judgement;
		d->judgement = NULL;
	}
	cycle_decision_free(d);
	cycle_snapshot_free(snap);
	return rc;
}
