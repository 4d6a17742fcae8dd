/* cycle.c: one poll cycle, from the wire to the committed component statuses and their outbox rows (the judgement is in cycle_judge.c). */
#include "cycle/cycle.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/cstime.h"
#include "aws/currentevents.h"
#include "aws/feed_parse.h"
#include "cycle/cycle_priv.h"
#include "cycle/incident_apply.h"

/* The longest a failing feed waits between attempts, unless Retry-After says more. */
#define BACKOFF_MAX 3600
/* Items kept in memory per feed until its document is known to be whole. */
#define MAX_ITEMS_PER_FEED 100000

#define KEY_ALL "all"
#define KEY_CURRENTEVENTS "currentevents"

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

static void
say(cycle_log_fn log, void *ctx, const char *level, const char *subsys, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void
say(cycle_log_fn log, void *ctx, const char *level, const char *subsys, const char *fmt, ...)
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

/* Spread of retries in [0, 1): a hash of the feed and the time, so runs replay. */
static double
jitter(const char *key, int64_t now)
{
	uint64_t h = 1469598103934665603ULL ^ (uint64_t)now;

	for (const unsigned char *p = (const unsigned char *)key; *p; p++)
		h = (h ^ *p) * 1099511628211ULL;
	return (double)(h >> 11) / 9007199254740992.0;
}

/* Writes what one fetch taught us into the store (inside the cycle's transaction). */
static cs_err
record_fetch(const struct config *cfg, struct store *st, struct fetch *f, int64_t now,
    struct cycle_report *rep, struct cycle_ctx *cx, char *err, size_t errlen)
{
	struct store_feed nf = f->prev;
	struct currentevents *ce = NULL;
	char *open_json = NULL;
	cs_err rc = CS_OK;

	if (f->skipped)
		return CS_OK;
	if (f->ok && strcmp(f->key, KEY_CURRENTEVENTS) == 0 && !f->not_modified) {
		char perr[CS_ERRLEN];
		const char *const *slugs;
		size_t n;
		json_t *arr = json_array();

		perr[0] = '\0';
		if (currentevents_parse(f->url, f->body ? f->body : "", f->blen, &ce, perr,
			sizeof(perr)) != CS_OK) {
			f->ok = 0;
			f->error = strdup(perr);
		} else {
			slugs = currentevents_open_slugs(ce, &n);
			for (size_t i = 0; arr != NULL && i < n; i++)
				json_array_append_new(arr, json_string(slugs[i]));
			open_json = arr ? json_dumps(arr, JSON_COMPACT) : NULL;
			if (open_json == NULL) {
				json_decref(arr);
				rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "out of memory");
				goto out;
			}
			rc = store_meta_set(st, META_OPEN_EVENTS, open_json, err, errlen);
			if (rc != CS_OK) {
				json_decref(arr);
				goto out;
			}
		}
		json_decref(arr);
	}

	nf.slug = (char *)f->key;
	nf.url = f->url;
	nf.last_attempt = now;
	nf.last_status = (int)f->http_status;
	if (f->ok) {
		nf.last_success = now;
		nf.failures = 0;
		nf.next_attempt_at = now + cfg->poll_interval;
		nf.last_error = NULL;
		nf.readable = 1;
		if (!f->not_modified) {
			nf.etag = f->etag;
			nf.last_modified = f->last_modified;
			nf.items_seen = (int64_t)f->nitems;
		}
		if (f->not_modified)
			rep->not_modified++;
		else
			rep->fetched++;
	} else {
		nf.failures = f->prev.failures + 1;
		nf.next_attempt_at = now + poll_backoff_delay((unsigned)nf.failures, f->retry_after,
		    cfg->poll_interval, BACKOFF_MAX, jitter(f->key, now));
		nf.last_error = f->error ? f->error : (char *)"no answer";
		nf.readable = 0;
		rep->failed++;
		say(cx->log, cx->logctx, "error", "poll", "%s (attempt %d failed; previous state kept; "
		    "next attempt in %lld s)", nf.last_error, nf.failures,
		    (long long)(nf.next_attempt_at - now));
	}
	rc = store_feed_put(st, &nf, err, errlen);
	if (rc != CS_OK)
		goto out;
	for (size_t i = 0; f->ok && i < f->nitems; i++) {
		struct item_copy *c = &f->items[i];
		struct feed_item it = { c->title, c->link, c->guid, c->description, c->slug,
			c->epoch, c->pubdate };
		int change = STORE_ITEM_UNCHANGED;

		if (c->guid[0] == '\0') {
			say(cx->log, cx->logctx, "warning", "parse", "%s: item without guid skipped: \"%s\"",
			    f->url, c->title);
			continue;
		}
		rc = store_item_upsert(st, &it, now, &change, err, errlen);
		if (rc != CS_OK)
			goto out;
		if (change == STORE_ITEM_NEW)
			rep->items_new++;
		else if (change == STORE_ITEM_REVISED)
			rep->items_revised++;
	}
out:
	currentevents_free(ce);
	free(open_json);
	return rc;
}

char *
cycle_cause_json(const struct mapper_component *mc)
{
	json_t *arr = json_array();
	char when[32];
	char *s = NULL;

	if (arr == NULL)
		return NULL;
	for (size_t i = 0; i < mc->ncauses; i++) {
		const struct mapper_cause *c = &mc->causes[i];
		json_t *o = json_pack("{s:s, s:s, s:s?, s:s, s:s, s:s, s:s}",
		    "slug", c->slug, "service", c->service, "region", c->region,
		    "aws_state", status_aws_name(c->aws_state), "title", c->title ? c->title : "",
		    "guid", c->guid ? c->guid : "",
		    "time", cstime_format_iso8601(c->time, when, sizeof(when)));

		if (o == NULL || json_array_append_new(arr, o) != 0)
			goto out;
	}
	s = json_dumps(arr, JSON_COMPACT);
out:
	json_decref(arr);
	return s;
}

/* Records each component's status; a change owes an MQTT message and a render. */
static cs_err
record_components(struct store *st, const struct cycle_judgement *j, int64_t now,
    struct cycle_report *rep, struct cycle_ctx *cx, char *err, size_t errlen)
{
	char when[32];
	char key[512];
	char *cause = NULL, *payload = NULL;
	json_t *msg = NULL;
	size_t changed = 0;
	int added;
	cs_err rc = CS_OK;

	cstime_format_iso8601(now, when, sizeof(when));
	for (size_t i = 0; i < j->map->ncomponents; i++) {
		const struct mapper_component *mc = &j->map->components[i];
		struct store_component prev;
		int change = STORE_COMPONENT_UNCHANGED;

		memset(&prev, 0, sizeof(prev));
		cause = cycle_cause_json(mc);
		if (cause == NULL)
			return cs_seterr(err, errlen, CS_ERR_NOMEM, "out of memory");
		rc = store_component_get(st, mc->cfg->id, &prev, err, errlen);
		if (rc == CS_OK)
			rc = store_component_set(st, mc->cfg->id, mc->status, cause, now, &change,
			    err, errlen);
		if (rc != CS_OK || change == STORE_COMPONENT_UNCHANGED)
			goto next;
		changed++;
		/* A change is news; a component's first status (a new store) is not. */
		say(cx->log, cx->logctx, prev.id ? "info" : "debug", "map", "%s: %s -> %s", mc->cfg->id,
		    prev.id ? status_component_name(prev.status) : "(none)",
		    status_component_name(mc->status));
		msg = json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s, s:o}",
		    "type", "component", "id", mc->cfg->id, "name", mc->cfg->name,
		    "status", status_component_name(mc->status),
		    "previous_status", prev.id ? status_component_name(prev.status) : NULL,
		    "at", when, "cause", json_loads(cause, 0, NULL));
		payload = msg ? json_dumps(msg, JSON_COMPACT) : NULL;
		if (payload == NULL) {
			rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "out of memory");
			goto next;
		}
		snprintf(key, sizeof(key), "component:%s:%s:%lld", mc->cfg->id,
		    status_component_name(mc->status), (long long)now);
		rc = store_outbox_add(st, "mqtt", key, payload, now, &added, err, errlen);
		if (rc == CS_OK && added)
			rep->outbox_added++;
next:
		json_decref(msg);
		msg = NULL;
		free(payload);
		payload = NULL;
		free(cause);
		cause = NULL;
		store_component_clear(&prev);
		if (rc != CS_OK)
			return rc;
	}
	rep->components_changed += changed;
	if (changed > 0) {
		/* One render per cycle with changes: the site is a function of the state. */
		snprintf(key, sizeof(key), "render:%lld", (long long)now);
		rc = store_outbox_add(st, "site", key, "{\"reason\":\"component status changed\"}",
		    now, &added, err, errlen);
		if (rc == CS_OK && added)
			rep->outbox_added++;
	}
	return rc;
}

static cs_err
record_verdicts(struct store *st, const struct cycle_judgement *j, char *err, size_t errlen)
{
	size_t n;
	const struct classify_service *s = classify_result(j->cls, &n);

	for (size_t i = 0; i < n; i++) {
		struct store_feed_state fs = { s[i].slug, s[i].state, s[i].updated, s[i].title,
			s[i].guid, s[i].event_start, j->now };
		cs_err rc = store_feed_state_put(st, &fs, err, errlen);

		if (rc != CS_OK)
			return rc;
	}
	return CS_OK;
}

cs_err
cycle_poll(const struct config *cfg, struct store *st, struct poll *p, int64_t now,
    const struct cycle_options *opt, struct cycle_report *report, cycle_log_fn log,
    void *logctx, char *err, size_t errlen)
{
	struct cycle_report rep;
	struct cycle_ctx cx;
	struct poll_request *reqs = NULL;
	size_t *req_of = NULL, nreq = 0, nf;
	struct cycle_judgement *j = NULL;
	const char *const *slugs;
	const char *base, *ceurl;
	char *derived_ce = NULL;
	int in_tx = 0;
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

	slugs = config_feed_slugs(cfg, &nf);
	cx.n = nf + 2;
	cx.f = calloc(cx.n, sizeof(*cx.f));
	reqs = calloc(cx.n, sizeof(*reqs));
	req_of = calloc(cx.n, sizeof(*req_of));
	if (cx.f == NULL || reqs == NULL || req_of == NULL)
		goto nomem;
	for (size_t i = 0; i < cx.n; i++) {
		struct fetch *f = &cx.f[i];
		char name[300];

		if (i < nf) {
			f->key = slugs[i];
			snprintf(name, sizeof(name), "%s.rss", slugs[i]);
			f->url = join_url(base, name);
		} else if (i == nf) {
			f->key = KEY_ALL;
			f->url = join_url(base, "all.rss");
		} else {
			f->key = KEY_CURRENTEVENTS;
			f->url = strdup(ceurl);
		}
		if (f->url == NULL)
			goto nomem;
		rc = store_feed_get(st, f->key, &f->prev, err, errlen);
		if (rc != CS_OK)
			goto out;
		/* A changed URL (another base) makes the old validators meaningless. */
		if (f->prev.url != NULL && strcmp(f->prev.url, f->url) != 0) {
			free(f->prev.etag);
			free(f->prev.last_modified);
			f->prev.etag = f->prev.last_modified = NULL;
		}
		if (!(opt && opt->force) && f->prev.failures > 0 && f->prev.next_attempt_at > now) {
			f->skipped = 1;
			rep.skipped++;
			say(log, logctx, "debug", "poll", "%s: backing off until %lld", f->url,
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

	rc = store_begin(st, err, errlen);
	if (rc != CS_OK)
		goto out;
	in_tx = 1;
	for (size_t i = 0; i < cx.n; i++) {
		rc = record_fetch(cfg, st, &cx.f[i], now, &rep, &cx, err, errlen);
		if (rc != CS_OK)
			goto out;
	}
	rc = store_meta_set_int64(st, META_LAST_POLL, now, err, errlen);
	if (rc == CS_OK && rep.failed == 0 && rep.skipped == 0)
		rc = store_meta_set_int64(st, META_LAST_POLL_OK, now, err, errlen);
	if (rc != CS_OK)
		goto out;
	rc = cycle_judge(cfg, st, now, &j, err, errlen);
	if (rc != CS_OK)
		goto out;
	/* Said when new items arrive, not again on every quiet cycle. */
	for (size_t i = 0; rep.items_new + rep.items_revised > 0 && i < j->nfeeds; i++) {
		const struct classify_service *s = j->feeds[i].svc;

		if (s != NULL && s->unknown_prefix)
			say(log, logctx, "warning", "classify", "%s: unknown title prefix, taken as "
			    "informational: \"%s\"", s->slug, s->title);
	}
	rc = record_verdicts(st, j, err, errlen);
	if (rc == CS_OK)
		rc = record_components(st, j, now, &rep, &cx, err, errlen);
	/* Incidents and maintenance statuses, with their outbox rows, in the same transaction. */
	if (rc == CS_OK)
		rc = incident_apply(cfg, st, j->aws_map ? j->aws_map : j->map, j->feeds, j->nfeeds, now,
		    cfg->flap_window, &rep.outbox_added, err, errlen);
	if (rc != CS_OK)
		goto out;
	rc = store_commit(st, err, errlen);
	if (rc != CS_OK)
		goto out;
	in_tx = 0;
	goto out;
nomem:
	rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "out of memory");
out:
	if (in_tx)
		store_rollback(st);
	cycle_judgement_free(j);
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
