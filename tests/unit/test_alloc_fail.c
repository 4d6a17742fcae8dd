/* test_alloc_fail.c: every allocation of fetch, parse, currentevents, classify, reconcile and map failing in turn. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <libxml/xmlerror.h>

#include "alloc_fail.h"
#include "aws/catalogue.h"
#include "aws/feed_parse.h"
#include "aws/poll.h"
#include "base/cs_error.h"
#include "cycle/decide.h"
#include "model/config.h"
#include "model/judgement.h"

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/lsan_interface.h>
#define LEAK_CHECK() __lsan_do_recoverable_leak_check()
#else
#define LEAK_CHECK() 0
#endif

/*
 * The path of a poll cycle without the store: the documents fetched over
 * HTTP from nginx on loopback (the poller, libcurl), the feeds parsed as
 * they arrive (feed_parse, libxml2), then cycle_decide() over an empty
 * snapshot: currentevents (jansson), classify, reconcile, the mapper, the
 * incident and judgement decisions. Two components on two feeds keep the
 * path short enough to run once per allocation.
 */
static const char config_json[] =
    "{ \"product\": \"CLICK\", \"company\": \"SynchroNet\",\n"
    "  \"site_url\": \"https://status.example.com\",\n"
    "  \"feed_base_url\": \"https://status.aws.amazon.com/rss/\",\n"
    "  \"currentevents_url\": \"https://health.aws.amazon.com/public/currentevents\",\n"
    "  \"components\": [\n"
    "    { \"id\": \"compute\", \"name\": \"Compute\",\n"
    "      \"depends_on\": [ { \"service\": \"ec2\", \"region\": \"us-east-1\" } ] },\n"
    "    { \"id\": \"calls\", \"name\": \"Calls\",\n"
    "      \"depends_on\": [ { \"service\": \"connect\", \"region\": \"us-east-1\" } ] } ] }\n";

/* 2021-12-23T00:30:00Z: the last update of the recorded EC2 power loss was 8 minutes before. */
#define NOW 1640219400

/* Ceiling on the N tried: a path that never stops allocating is a test failure. */
#define N_MAX 200000

/* One document as fetched and parsed. */
struct fetch {
	const char *key;
	char url[256];
	struct feed_parser *parser;
	struct feed_item *items;
	size_t nitems, cap;
	char *body;
	size_t blen;
	int ok, not_modified;
	long status;
	char *error;
	char *etag, *last_modified;
	int oom;              /* an item or body byte could not be kept */
};

struct run {
	struct fetch *f;
	size_t n;
};

static void
item_clear(struct feed_item *it)
{
	free((char *)it->title);
	free((char *)it->link);
	free((char *)it->guid);
	free((char *)it->description);
	free((char *)it->slug);
}

/* The parser's item callback: a copy is kept (as cycle.c does) or the parse stops. */
static int
keep(const struct feed_item *it, void *ctx)
{
	struct fetch *f = ctx;
	struct feed_item c = *it;

	if (f->nitems == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 16;
		struct feed_item *n = realloc(f->items, cap * sizeof(*n));

		if (n == NULL)
			return -1;
		f->items = n;
		f->cap = cap;
	}
	c.title = strdup(it->title);
	c.link = strdup(it->link);
	c.guid = strdup(it->guid);
	c.description = strdup(it->description);
	c.slug = strdup(it->slug);
	if (c.title == NULL || c.link == NULL || c.guid == NULL || c.description == NULL ||
	    c.slug == NULL) {
		item_clear(&c);
		return -1;
	}
	f->items[f->nitems++] = c;
	return 0;
}

static cs_err
on_body(size_t idx, const char *bytes, size_t len, void *ctx, char *err, size_t errlen)
{
	struct run *r = ctx;
	struct fetch *f = &r->f[idx];

	if (strcmp(f->key, CYCLE_KEY_CURRENTEVENTS) == 0) {
		char *n = realloc(f->body, f->blen + len + 1);

		if (n == NULL)
			return cs_seterr(err, errlen, CS_ERR_NOMEM, "%s: out of memory", f->url);
		f->body = n;
		memcpy(f->body + f->blen, bytes, len);
		f->blen += len;
		f->body[f->blen] = '\0';
		return CS_OK;
	}
	if (f->parser == NULL) {
		f->parser = feed_parse_new(f->url, keep, f, 0);
		if (f->parser == NULL)
			return cs_seterr(err, errlen, CS_ERR_NOMEM, "%s: out of memory", f->url);
	}
	return feed_parse_push(f->parser, bytes, len, err, errlen);
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

static void
on_done(size_t idx, const struct poll_result *res, void *ctx)
{
	struct run *r = ctx;
	struct fetch *f = &r->f[idx];
	char err[CS_ERRLEN] = "";

	f->status = res->http_status;
	if (res->err != CS_OK) {
		f->error = strdup(res->message[0] != '\0' ? res->message : "(no message)");
		if (f->error == NULL || res->message[0] == '\0')
			f->oom = 1;
		return;
	}
	f->etag = dup_or_null(res->etag);
	f->last_modified = dup_or_null(res->last_modified);
	if ((res->etag != NULL && f->etag == NULL) ||
	    (res->last_modified != NULL && f->last_modified == NULL))
		f->oom = 1;
	if (strcmp(f->key, CYCLE_KEY_CURRENTEVENTS) != 0) {
		if (f->parser == NULL)
			f->parser = feed_parse_new(f->url, keep, f, 0);
		if (f->parser == NULL || feed_parse_finish(f->parser, err, sizeof(err)) != CS_OK) {
			f->error = strdup(err[0] != '\0' ? err : "out of memory");
			return;
		}
	}
	f->ok = 1;
}

static void
fetch_clear(struct fetch *f)
{
	feed_parse_free(f->parser);
	for (size_t i = 0; i < f->nitems; i++)
		item_clear(&f->items[i]);
	free(f->items);
	free(f->body);
	free(f->error);
	free(f->etag);
	free(f->last_modified);
}

/* What one run ended with: the error of the path, or its decision's judgement. */
struct outcome {
	cs_err rc;
	char   err[CS_ERRLEN];
	char  *judgement;     /* owned, CS_OK only */
	size_t items;
};

/*
 * One run of the path (inside the armed window), into *o. A document that
 * failed is the path's error (the cycle would log it and keep the feed's
 * state): its message. Everything is freed before returning.
 */
static void
run_path(const struct config *cfg, const char *base, struct outcome *o)
{
	struct poll_options opt;
	struct poll *p = NULL;
	struct fetch f[8];
	struct poll_request req[8];
	struct cycle_doc docs[8];
	struct store_feed prev[8];
	struct cycle_snapshot snap;
	struct cycle_decision *d = NULL;
	struct run r = { f, 0 };
	size_t n = 0;

	memset(o, 0, sizeof(*o));
	memset(f, 0, sizeof(f));
	memset(req, 0, sizeof(req));
	memset(docs, 0, sizeof(docs));
	memset(prev, 0, sizeof(prev));
	memset(&snap, 0, sizeof(snap));
	cycle_doc_key(cfg, 0, &n);
	if (n > 8)
		abort();
	r.n = n;
	for (size_t i = 0; i < n; i++) {
		f[i].key = cycle_doc_key(cfg, i, &n);
		if (strcmp(f[i].key, CYCLE_KEY_CURRENTEVENTS) == 0)
			snprintf(f[i].url, sizeof(f[i].url), "%scurrentevents", base);
		else
			snprintf(f[i].url, sizeof(f[i].url), "%s%s.rss", base, f[i].key);
		req[i].key = f[i].key;
		req[i].url = f[i].url;
	}
	poll_options_default(&opt);
	opt.max_parallel = 1;   /* one transfer at a time: the same order of allocations each run */
	p = poll_new(&opt);
	if (p == NULL) {
		o->rc = cs_seterr(o->err, sizeof(o->err), CS_ERR_NOMEM, "poll_new: out of memory");
		goto out;
	}
	o->rc = poll_run(p, req, n, on_body, on_done, &r, o->err, sizeof(o->err));
	if (o->rc != CS_OK)
		goto out;
	for (size_t i = 0; i < n; i++) {
		if (f[i].oom) {
			o->rc = cs_seterr(o->err, sizeof(o->err), CS_ERR_NOMEM, "%s: out of memory",
			    f[i].url);
			goto out;
		}
		if (!f[i].ok) {
			o->rc = cs_seterr(o->err, sizeof(o->err), CS_ERR_NET, "%s",
			    f[i].error != NULL ? f[i].error : "");
			goto out;
		}
		docs[i].key = f[i].key;
		docs[i].url = f[i].url;
		docs[i].ok = 1;
		docs[i].http_status = f[i].status;
		docs[i].etag = f[i].etag;
		docs[i].last_modified = f[i].last_modified;
		docs[i].items = f[i].items;
		docs[i].nitems = f[i].nitems;
		docs[i].body = f[i].body;
		docs[i].blen = f[i].blen;
		o->items += f[i].nitems;
	}
	snap.now = NOW;
	snap.fetch = prev;
	snap.nfetch = n;
	o->rc = cycle_decide(cfg, &snap, docs, n, NOW, &d, o->err, sizeof(o->err));
	if (o->rc != CS_OK)
		goto out;
	if (d->parse_error != NULL) {
		/* currentevents did not parse: a failed fetch, as the cycle records it */
		o->rc = cs_seterr(o->err, sizeof(o->err), CS_ERR_PARSE, "%s", d->parse_error);
		goto out;
	}
	o->judgement = judgement_to_json(d->judgement);
	if (o->judgement == NULL)
		o->rc = cs_seterr(o->err, sizeof(o->err), CS_ERR_NOMEM, "judgement: out of memory");
out:
	cycle_decision_free(d);
	poll_free(p);
	for (size_t i = 0; i < n; i++)
		fetch_clear(&f[i]);
	/* libxml2 keeps a copy of its last error (message, file) until the next one: not a leak */
	xmlResetLastError();
}

static double
secs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int
main(int argc, char **argv)
{
	char err[CS_ERRLEN] = "", base[200];
	struct catalogue *cat = NULL;
	struct config *cfg = NULL;
	struct outcome want, got;
	unsigned long n, total, bad = 0, errors = 0, same = 0;
	size_t live0;
	double t0 = secs();
	int lsan_each = getenv("ALLOC_FAIL_LSAN_EACH") != NULL;

	if (argc != 2) {
		fprintf(stderr, "usage: test_alloc_fail PORT (nginx serving the documents)\n");
		return 2;
	}
	if (alloc_fail_install() != 0) {
		fprintf(stderr, "test_alloc_fail: the allocation hooks could not be installed\n");
		return 1;
	}
	snprintf(base, sizeof(base), "http://127.0.0.1:%s/", argv[1]);
	if (catalogue_default(&cat, err, sizeof(err)) != CS_OK ||
	    config_parse("alloc-fail.json", config_json, sizeof(config_json) - 1, cat, &cfg, err,
	    sizeof(err)) != CS_OK) {
		fprintf(stderr, "test_alloc_fail: %s\n", err);
		return 1;
	}
	/* A first run outside the count: the libraries' one-time state (libxml2's, libcurl's). */
	run_path(cfg, base, &want);
	free(want.judgement);
	live0 = alloc_fail_live();
	alloc_fail_arm(0);
	run_path(cfg, base, &want);
	alloc_fail_disarm();
	total = alloc_fail_count();
	if (want.rc != CS_OK || want.items == 0) {
		fprintf(stderr, "test_alloc_fail: the path fails with no failure injected: %s: %s\n",
		    cs_strerror(want.rc), want.err);
		return 1;
	}
	/* the judgement text is the one block the run hands out */
	live0++;
	if (alloc_fail_live() != live0) {
		fprintf(stderr, "test_alloc_fail: %zu blocks leaked with no failure injected\n",
		    alloc_fail_live() - live0);
		return 1;
	}
	/* The judgement holds no clock but NOW: runs compare as bytes. */
	printf("path: %lu allocations (ours %lu, libxml2 %lu, jansson %lu, libcurl %lu), %zu items,"
	    " judgement %zu bytes\n", total, alloc_fail_count_at(ALLOC_FAIL_OWN),
	    alloc_fail_count_at(ALLOC_FAIL_LIBXML2), alloc_fail_count_at(ALLOC_FAIL_JANSSON),
	    alloc_fail_count_at(ALLOC_FAIL_LIBCURL), want.items, strlen(want.judgement));
	/* ALLOC_FAIL_FROM=N starts there (to debug one failure point) */
	n = getenv("ALLOC_FAIL_FROM") != NULL ? strtoul(getenv("ALLOC_FAIL_FROM"), NULL, 10) : 1;
	for (n = n > 0 ? n : 1; n <= N_MAX; n++) {
		alloc_fail_arm(n);
		run_path(cfg, base, &got);
		alloc_fail_disarm();
		if (!alloc_fail_injected()) {
			/* past the last allocation: the run is the clean one */
			if (got.rc != CS_OK || strcmp(got.judgement, want.judgement) != 0) {
				printf("FAIL N=%lu: no failure injected, another outcome\n", n);
				bad++;
			}
			free(got.judgement);
			break;
		}
		if (got.rc != CS_OK) {
			errors++;
			if (got.err[0] == '\0') {
				printf("FAIL N=%lu: %s without a message\n", n, cs_strerror(got.rc));
				bad++;
			}
		} else if (strcmp(got.judgement, want.judgement) != 0) {
			/* an allocation failed, nothing said so, and the judgement differs */
			printf("FAIL N=%lu: allocation failed silently, the judgement differs:\n"
			    "  want %s\n  got  %s\n", n, want.judgement, got.judgement);
			bad++;
		} else {
			same++;
		}
		free(got.judgement);
		if (alloc_fail_live() != live0) {
			printf("FAIL N=%lu: %zu blocks leaked (%s: %s)\n", n, alloc_fail_live() - live0,
			    cs_strerror(got.rc), got.err);
			bad++;
			live0 = alloc_fail_live();
		}
		/* LeakSanitizer checks at exit; after each N (to find which) with ALLOC_FAIL_LSAN_EACH */
		if (lsan_each && LEAK_CHECK()) {
			printf("FAIL N=%lu: LeakSanitizer found a leak (%s: %s)\n", n,
			    cs_strerror(got.rc), got.err);
			bad++;
		}
		if (getenv("ALLOC_FAIL_VERBOSE") != NULL)
			printf("N=%lu: %s: %s\n", n, cs_strerror(got.rc), got.err);
	}
	printf("allocation points: %lu failed in turn (N max %lu) in %.1f s: %lu clean errors, "
	    "%lu survived with the same judgement, %lu failures\n", n - 1, n - 1, secs() - t0,
	    errors, same, bad);
	free(want.judgement);
	config_free(cfg);
	catalogue_free(cat);
	return bad == 0 && n <= N_MAX ? 0 : 1;
}
