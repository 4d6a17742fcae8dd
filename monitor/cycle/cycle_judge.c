/* cycle_judge.c: the judgement of one instant from the store: classify, rule out, map, overlay maintenance. */
#include "cycle/cycle.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cycle/cycle_priv.h"
#include "cycle/incident_apply.h"

/* Reads the open-event slugs the last currentevents document listed. */
static cs_err
load_open_events(struct store *st, struct classify *cls, char *err, size_t errlen)
{
	char *text = NULL;
	json_t *arr = NULL;
	const char **slugs = NULL;
	size_t n = 0;
	cs_err rc;

	rc = store_meta_get(st, META_OPEN_EVENTS, &text, err, errlen);
	if (rc != CS_OK || text == NULL)
		goto out;
	arr = json_loads(text, 0, NULL);
	if (!json_is_array(arr)) {
		rc = cs_seterr(err, errlen, CS_ERR_DB, "store: meta %s is not a JSON array",
		    META_OPEN_EVENTS);
		goto out;
	}
	n = json_array_size(arr);
	slugs = calloc(n ? n : 1, sizeof(*slugs));
	if (slugs == NULL) {
		rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		slugs[i] = json_string_value(json_array_get(arr, i));
		if (slugs[i] == NULL)
			slugs[i] = "";
	}
	rc = classify_set_open_events(cls, slugs, n);
out:
	free(slugs);
	json_decref(arr);
	free(text);
	return rc;
}

/* Collects the ids of the open incidents engineers marked "not affected". */
struct ruled {
	int64_t *ids;
	size_t   n, cap;
	char   **slugs;
	size_t   nslugs, capslugs;
	int      nomem;
};

static int
ruled_incident(const struct store_incident *inc, void *ctx)
{
	struct ruled *r = ctx;

	if (!inc->not_affected || inc->resolved_at != 0)
		return 0;
	if (r->n == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 8;
		int64_t *n = realloc(r->ids, cap * sizeof(*n));

		if (n == NULL) {
			r->nomem = 1;
			return 1;
		}
		r->ids = n;
		r->cap = cap;
	}
	r->ids[r->n++] = inc->id;
	return 0;
}

static int
ruled_cause(const struct store_incident_cause *c, void *ctx)
{
	struct ruled *r = ctx;

	if (!c->open)
		return 0;
	if (r->nslugs == r->capslugs) {
		size_t cap = r->capslugs ? r->capslugs * 2 : 8;
		char **n = realloc(r->slugs, cap * sizeof(*n));

		if (n == NULL) {
			r->nomem = 1;
			return 1;
		}
		r->slugs = n;
		r->capslugs = cap;
	}
	r->slugs[r->nslugs] = strdup(c->slug);
	if (r->slugs[r->nslugs] == NULL) {
		r->nomem = 1;
		return 1;
	}
	r->nslugs++;
	return 0;
}

/*
 * "CLICK not affected": engineers ruled an AWS event out for the product.
 * Its incident leaves the page, and so must its effect on the components:
 * the AWS feeds still open in such an incident count as normal in the map
 * users see. The incident itself keeps following AWS (aws_map), so it
 * resolves when AWS does, and the next event on those feeds (after it
 * resolved) counts again.
 */
static cs_err
rule_out(const struct config *cfg, struct store *st, struct cycle_judgement *j,
    char *err, size_t errlen)
{
	struct ruled r;
	struct mapper_feed *pub = NULL;
	struct mapper_result *map = NULL;
	cs_err rc;

	memset(&r, 0, sizeof(r));
	rc = store_incident_list(st, j->now, ruled_incident, &r, err, errlen);
	for (size_t i = 0; rc == CS_OK && i < r.n; i++)
		rc = store_incident_causes(st, r.ids[i], ruled_cause, &r, err, errlen);
	if (r.nomem) {
		rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (rc != CS_OK || r.nslugs == 0)
		goto out;
	pub = calloc(j->nfeeds, sizeof(*pub));
	if (pub == NULL) {
		rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < j->nfeeds; i++) {
		pub[i] = j->feeds[i];
		for (size_t k = 0; k < r.nslugs; k++) {
			if (strcmp(r.slugs[k], pub[i].slug) == 0)
				pub[i].svc = NULL; /* as if the feed were quiet */
		}
	}
	rc = mapper_run(cfg, pub, j->nfeeds, &map);
	if (rc != CS_OK) {
		cs_seterr(err, errlen, rc, "mapper: %s", cs_strerror(rc));
		goto out;
	}
	j->aws_map = j->map;
	j->map = map;
out:
	free(pub);
	for (size_t i = 0; i < r.nslugs; i++)
		free(r.slugs[i]);
	free(r.slugs);
	free(r.ids);
	return rc;
}

/* What the store walks of cycle_judge() need: the configuration's slugs, sorted. */
struct judge_ctx {
	const char *const       *slugs;
	size_t                   nslugs;
	struct cycle_judgement  *j;
	int64_t                  poll_interval;
};

static int
cmp_slug(const void *key, const void *elem)
{
	return strcmp(key, *(const char *const *)elem);
}

/* Index of slug among the configuration's feeds, or -1 when it is not one of them. */
static long
judge_slug_index(const struct judge_ctx *jc, const char *slug)
{
	const char *const *p = bsearch(slug, jc->slugs, jc->nslugs, sizeof(*jc->slugs), cmp_slug);

	return p != NULL ? (long)(p - jc->slugs) : -1;
}

/* Items of feeds the configuration does not need (all.rss brings them) are not judged. */
static int
judge_item(const struct feed_item *it, void *ctx)
{
	struct judge_ctx *jc = ctx;

	if (judge_slug_index(jc, it->slug) < 0)
		return 0;
	return classify_item_cb(it, jc->j->cls);
}

static int
judge_feed(const struct store_feed *f, void *ctx)
{
	struct judge_ctx *jc = ctx;
	struct cycle_judgement *j = jc->j;
	long i = judge_slug_index(jc, f->slug);

	/*
	 * A failed fetch keeps the previous verdict: one bad poll must
	 * not flip a component to unknown and back. Only a feed that was
	 * never read, or not for STALE_INTERVALS polls, hides its
	 * dependents' state behind "unknown".
	 */
	if (i >= 0)
		j->feeds[i].readable = f->last_success > 0 &&
		    j->now - f->last_success <= STALE_INTERVALS * jc->poll_interval;
	return 0;
}

cs_err
cycle_judge(const struct config *cfg, struct store *st, int64_t now,
    struct cycle_judgement **out, char *err, size_t errlen)
{
	struct cycle_judgement *j = NULL;
	struct judge_ctx jc;
	const char *const *slugs;
	size_t nf;
	int found;
	cs_err rc;

	*out = NULL;
	j = calloc(1, sizeof(*j));
	if (j == NULL)
		return cs_seterr(err, errlen, CS_ERR_NOMEM, "out of memory");
	j->now = now;
	j->cls = classify_new(now, cfg->quiet_limit);
	slugs = config_feed_slugs(cfg, &nf);
	j->feeds = calloc(nf ? nf : 1, sizeof(*j->feeds));
	if (j->cls == NULL || j->feeds == NULL) {
		rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "out of memory");
		goto out;
	}
	j->nfeeds = nf;
	rc = load_open_events(st, j->cls, err, errlen);
	if (rc != CS_OK)
		goto out;
	/* Two walks over the store (the configuration's feeds) rather than two queries per feed. */
	jc.slugs = slugs;
	jc.nslugs = nf;
	jc.j = j;
	jc.poll_interval = cfg->poll_interval;
	for (size_t i = 0; i < nf; i++)
		j->feeds[i].slug = slugs[i];
	rc = store_items_all(st, now, slugs, nf, judge_item, &jc, err, errlen);
	if (rc == CS_OK)
		rc = store_feed_list(st, judge_feed, &jc, err, errlen);
	if (rc != CS_OK)
		goto out;
	for (size_t i = 0; i < nf; i++)
		j->feeds[i].svc = classify_find(j->cls, slugs[i]);
	rc = mapper_run(cfg, j->feeds, nf, &j->map);
	if (rc != CS_OK) {
		cs_seterr(err, errlen, rc, "mapper: %s", cs_strerror(rc));
		goto out;
	}
	rc = rule_out(cfg, st, j, err, errlen);
	if (rc != CS_OK)
		goto out;
	/* Components in a maintenance window in progress are under_maintenance. */
	rc = incident_apply_maintenance_overlay(st, j->map, now, err, errlen);
	if (rc != CS_OK)
		goto out;
	found = 0;
	rc = store_meta_get_int64(st, META_LAST_POLL_OK, &j->last_poll_ok, &found, err, errlen);
	if (rc == CS_OK)
		rc = store_meta_get_int64(st, META_LAST_POLL, &j->last_poll, &found, err, errlen);
	if (rc != CS_OK)
		goto out;
	j->stale = j->last_poll_ok == 0 ||
	    now - j->last_poll_ok > STALE_INTERVALS * cfg->poll_interval;
	*out = j;
	j = NULL;
out:
	cycle_judgement_free(j);
	return rc;
}

void
cycle_judgement_free(struct cycle_judgement *j)
{
	if (j == NULL)
		return;
	mapper_result_free(j->map);
	mapper_result_free(j->aws_map);
	free(j->feeds);
	classify_free(j->cls);
	free(j);
}
