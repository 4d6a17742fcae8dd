/* cycle_load.c: reads the snapshot a cycle decides from, in the transaction that commits it. */
#include "cycle/cycle_priv.h"
#include "cycle/decide.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

/* Most incidents and maintenances loaded per cycle; more is a runaway, not an outage. */
#define MAX_LOADED 4096
/* Most stored items of the configuration's feeds a cycle reads. */
#define MAX_ITEMS 2000000

const char *
cycle_doc_key(const struct config *cfg, size_t i, size_t *n)
{
	size_t nf;
	const char *const *slugs = config_feed_slugs(cfg, &nf);

	*n = nf + 2;
	if (i < nf)
		return slugs[i];
	return i == nf ? CYCLE_KEY_ALL : CYCLE_KEY_CURRENTEVENTS;
}

/* Growable arrays of the walks below: the callbacks see only ctx. */
struct walk {
	struct cycle_snapshot *s;
	int nomem;    /* an allocation failed or a cap was reached */
	int capped;   /* it was the cap: more rows than a cycle loads */
	size_t cap;
};

/*
 * Makes room in *v (n used of *cap, elements of size) for one more, at most
 * max. The cap is checked before realloc, so *v and w->cap always describe
 * the block held and the snapshot frees exactly that, whatever stopped the
 * walk (a realloc kept only when the cap allowed it read freed memory once).
 * Returns 0, or 1 with w->nomem (and w->capped at the cap) set.
 */
static int
grow(struct walk *w, void **v, size_t n, size_t size, size_t max)
{
	void *nv;
	size_t c;

	if (n < w->cap)
		return 0;
	c = w->cap ? w->cap * 2 : 16;
	if (c > max) {
		w->capped = 1;
		return w->nomem = 1;
	}
	nv = realloc(*v, c * size);
	if (nv == NULL)
		return w->nomem = 1;
	*v = nv;
	w->cap = c;
	return 0;
}

/* The error of a walk that stopped on w->nomem: the cap (what) or memory. */
static cs_err
walk_error(const struct walk *w, size_t max, const char *what, char *err, size_t errlen)
{
	if (w->capped)
		return cs_seterr(err, errlen, CS_ERR_TOOBIG, "more than the %zu %s a cycle loads",
		    max, what);
	return cs_seterr(err, errlen, CS_ERR_NOMEM, "out of memory loading the %s", what);
}

/* Keeps one stored item: its five strings in one allocation. */
static int
keep_item(const struct feed_item *it, void *ctx)
{
	struct walk *w = ctx;
	struct cycle_snapshot *s = w->s;
	size_t len[5];
	struct feed_item *d;
	char *t;

	if (grow(w, (void **)&s->items, s->nitems, sizeof(*s->items), MAX_ITEMS) != 0)
		return 1;
	len[0] = strlen(it->title) + 1;
	len[1] = strlen(it->link) + 1;
	len[2] = strlen(it->guid) + 1;
	len[3] = strlen(it->description) + 1;
	len[4] = strlen(it->slug) + 1;
	t = malloc(len[0] + len[1] + len[2] + len[3] + len[4]);
	if (t == NULL)
		return w->nomem = 1;
	d = &s->items[s->nitems++];
	d->title = memcpy(t, it->title, len[0]);
	d->link = memcpy(t + len[0], it->link, len[1]);
	d->guid = memcpy(t + len[0] + len[1], it->guid, len[2]);
	d->description = memcpy(t + len[0] + len[1] + len[2], it->description, len[3]);
	d->slug = memcpy(t + len[0] + len[1] + len[2] + len[3], it->slug, len[4]);
	d->epoch = it->epoch;
	d->pubdate = it->pubdate;
	return 0;
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

static int
keep_incident(const struct store_incident *inc, void *ctx)
{
	struct walk *w = ctx;
	struct cycle_snapshot *s = w->s;
	struct cycle_incident *l;

	if (grow(w, (void **)&s->incidents, s->nincidents, sizeof(*s->incidents), MAX_LOADED) != 0)
		return 1;
	l = &s->incidents[s->nincidents++];
	memset(l, 0, sizeof(*l));
	l->inc = *inc;
	l->inc.kind = strdup(inc->kind);
	l->inc.title = strdup(inc->title);
	l->inc.status = strdup(inc->status);
	l->inc.not_affected_reason = dup_or_null(inc->not_affected_reason);
	l->inc.rca_draft = dup_or_null(inc->rca_draft);
	l->inc.rca_final = dup_or_null(inc->rca_final);
	if (l->inc.kind == NULL || l->inc.title == NULL || l->inc.status == NULL ||
	    (inc->not_affected_reason != NULL && l->inc.not_affected_reason == NULL) ||
	    (inc->rca_draft != NULL && l->inc.rca_draft == NULL) ||
	    (inc->rca_final != NULL && l->inc.rca_final == NULL))
		return w->nomem = 1;
	return 0;
}

static int
keep_cause(const struct store_incident_cause *c, void *ctx)
{
	struct cycle_incident *l = ctx;
	struct incident_cause *n, *d;

	n = realloc(l->causes, (l->ncauses + 1) * sizeof(*n));
	if (n == NULL)
		return 1;
	l->causes = n;
	d = &n[l->ncauses++];
	memset(d, 0, sizeof(*d));
	d->slug = strdup(c->slug);
	d->guid = strdup(c->guid);
	d->title = strdup(c->title);
	d->time = c->time;
	d->open = c->open;
	if (status_aws_parse(c->state, &d->state) != 0)
		d->state = STATUS_AWS_INFORMATIONAL;
	d->ruled = c->ruled_state != NULL && status_aws_parse(c->ruled_state, &d->ruled_state) == 0;
	d->ruled_at = c->ruled_at;
	return d->slug == NULL || d->guid == NULL || d->title == NULL;
}

static int
keep_component(const char *id, const char *status, void *ctx)
{
	struct cycle_incident *l = ctx;
	struct incident_component *n, *d;

	n = realloc(l->comps, (l->ncomps + 1) * sizeof(*n));
	if (n == NULL)
		return 1;
	l->comps = n;
	d = &n[l->ncomps++];
	d->id = strdup(id);
	if (status_component_parse(status, &d->status) != 0)
		d->status = STATUS_UNKNOWN;
	return d->id == NULL;
}

static int
keep_maintenance(const struct store_maintenance *m, void *ctx)
{
	struct walk *w = ctx;
	struct cycle_snapshot *s = w->s;
	struct cycle_maintenance *d;
	json_t *arr;
	size_t k;

	if (grow(w, (void **)&s->maint, s->nmaint, sizeof(*s->maint), MAX_LOADED) != 0)
		return 1;
	d = &s->maint[s->nmaint++];
	memset(d, 0, sizeof(*d));
	d->m = *m;
	d->m.title = strdup(m->title);
	d->m.body = strdup(m->body);
	d->m.status = strdup(m->status);
	d->m.components_json = strdup(m->components_json);
	d->m.author = strdup(m->author);
	if (d->m.title == NULL || d->m.body == NULL || d->m.status == NULL ||
	    d->m.components_json == NULL || d->m.author == NULL)
		return w->nomem = 1;
	arr = json_loads(m->components_json, 0, NULL);
	k = json_array_size(arr);
	d->ids = calloc(k + 1, sizeof(*d->ids));
	for (size_t i = 0; d->ids != NULL && i < k; i++) {
		const char *id = json_string_value(json_array_get(arr, i));

		d->ids[i] = strdup(id ? id : "");
		if (d->ids[i] == NULL)
			w->nomem = 1;
	}
	json_decref(arr);
	if (d->ids == NULL || w->nomem)
		return w->nomem = 1;
	d->w.id = m->id;
	d->w.starts_at = m->starts_at;
	d->w.ends_at = m->ends_at;
	d->w.verify_until = m->verify_until;
	d->w.components = (const char *const *)d->ids;
	d->w.ncomponents = k;
	return 0;
}

/* The fetch state walk: one query for every document, placed by cycle_doc_key() order. */
struct fetch_walk {
	const struct config *cfg;
	struct store_feed *fetch;
	int nomem;
};

/* The store lists absent strings as "": the snapshot keeps them NULL, as store_feed_get() does. */
static char *
dup_nonempty(const char *s, int *nomem)
{
	char *d;

	if (s == NULL || s[0] == '\0')
		return NULL;
	d = strdup(s);
	if (d == NULL)
		*nomem = 1;
	return d;
}

static int
keep_fetch(const struct store_feed *f, void *ctx)
{
	struct fetch_walk *fw = ctx;
	size_t nf, i;
	long k = config_feed_index(fw->cfg, f->slug);
	struct store_feed *d;

	config_feed_slugs(fw->cfg, &nf);
	if (k >= 0)
		i = (size_t)k;
	else if (strcmp(f->slug, CYCLE_KEY_ALL) == 0)
		i = nf;
	else if (strcmp(f->slug, CYCLE_KEY_CURRENTEVENTS) == 0)
		i = nf + 1;
	else
		return 0; /* a feed the configuration no longer needs */
	d = &fw->fetch[i];
	*d = *f;
	d->slug = dup_nonempty(f->slug, &fw->nomem);
	d->url = dup_nonempty(f->url, &fw->nomem);
	d->etag = dup_nonempty(f->etag, &fw->nomem);
	d->last_modified = dup_nonempty(f->last_modified, &fw->nomem);
	d->last_error = dup_nonempty(f->last_error, &fw->nomem);
	return fw->nomem;
}

cs_err
cycle_load_fetch(const struct config *cfg, struct store *st, struct store_feed *fetch,
    char *err, size_t errlen)
{
	struct fetch_walk fw = { cfg, fetch, 0 };
	cs_err rc = store_feed_list(st, keep_fetch, &fw, err, errlen);

	if (fw.nomem)
		rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "out of memory");
	return rc;
}

static cs_err
load_meta(struct store *st, struct cycle_snapshot *s, char *err, size_t errlen)
{
	int found;
	cs_err rc;

	rc = store_meta_get_int64(st, CYCLE_META_LAST_POLL, &s->last_poll, &found, err, errlen);
	if (rc == CS_OK)
		rc = store_meta_get_int64(st, CYCLE_META_LAST_POLL_OK, &s->last_poll_ok, &found, err,
		    errlen);
	/* The currentevents record is read by cycle_decide (aws/reconcile.h). */
	if (rc == CS_OK)
		rc = store_meta_get(st, CYCLE_META_OPEN_EVENTS, &s->open_events_json, err, errlen);
	if (rc == CS_OK)
		rc = store_meta_get(st, CYCLE_META_CE_SEEN, &s->ce_seen_json, err, errlen);
	return rc;
}

static cs_err
load_incidents(struct store *st, const struct config *cfg, struct cycle_snapshot *s,
    char *err, size_t errlen)
{
	struct walk w = { s, 0, 0, 0 };
	int64_t since = s->now - (cfg->flap_window > 0 ? cfg->flap_window : 0);
	cs_err rc;

	/* Open ones (rulings, AWS incidents) and those that may re-open within the flap window. */
	rc = store_incident_list(st, since < 1 ? 1 : since, keep_incident, &w, err, errlen);
	if (w.nomem)
		return walk_error(&w, MAX_LOADED, "incidents (open, or resolved within the flap window)",
		    err, errlen);
	for (size_t i = 0; rc == CS_OK && i < s->nincidents; i++) {
		struct cycle_incident *l = &s->incidents[i];

		rc = store_incident_causes(st, l->inc.id, keep_cause, l, err, errlen);
		if (rc == CS_OK)
			rc = store_incident_components(st, l->inc.id, keep_component, l, err, errlen);
	}
	return rc;
}

cs_err
cycle_load(const struct config *cfg, struct store *st, int64_t now,
    struct cycle_snapshot **out, char *err, size_t errlen)
{
	struct cycle_snapshot *s;
	struct walk w;
	const char *const *slugs;
	size_t nf, ndocs;
	cs_err rc;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return cs_seterr(err, errlen, CS_ERR_NOMEM, "out of memory");
	s->now = now;
	cycle_doc_key(cfg, 0, &ndocs);
	s->fetch = calloc(ndocs, sizeof(*s->fetch));
	s->comps = calloc(cfg->ncomponents + 1, sizeof(*s->comps));
	if (s->fetch == NULL || s->comps == NULL) {
		rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "out of memory");
		goto out;
	}
	s->nfetch = ndocs;
	rc = cycle_load_fetch(cfg, st, s->fetch, err, errlen);
	for (size_t i = 0; rc == CS_OK && i < cfg->ncomponents; i++) {
		s->ncomps = i + 1;
		rc = store_component_get(st, cfg->components[i].id, &s->comps[i], err, errlen);
	}
	if (rc == CS_OK)
		rc = load_meta(st, s, err, errlen);
	slugs = config_feed_slugs(cfg, &nf);
	memset(&w, 0, sizeof(w));
	w.s = s;
	if (rc == CS_OK)
		/* Items AWS dated a little ahead of our clock are taken (clock_skew). */
		rc = store_items_all(st, now > 0 ? now + cfg->clock_skew : 0, slugs, nf, keep_item, &w,
		    err, errlen);
	if (w.nomem) {
		rc = walk_error(&w, MAX_ITEMS, "AWS items", err, errlen);
		goto out;
	}
	if (rc == CS_OK)
		rc = load_incidents(st, cfg, s, err, errlen);
	/* Those completed since the last cycle too: go back one verification-free day. */
	memset(&w, 0, sizeof(w));
	w.s = s;
	if (rc == CS_OK)
		rc = store_maintenance_list(st, now > 86400 ? now - 86400 : 1, keep_maintenance, &w,
		    err, errlen);
	if (w.nomem)
		rc = walk_error(&w, MAX_LOADED, "maintenances (not completed a day ago)", err, errlen);
out:
	if (rc != CS_OK) {
		cycle_snapshot_free(s);
		return rc;
	}
	*out = s;
	return CS_OK;
}

void
cycle_snapshot_free(struct cycle_snapshot *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->nfetch; i++)
		store_feed_clear(&s->fetch[i]);
	free(s->fetch);
	free(s->open_events_json);
	free(s->ce_seen_json);
	for (size_t i = 0; i < s->nitems; i++)
		free((char *)(uintptr_t)s->items[i].title); /* the start of the item's one allocation */
	free(s->items);
	for (size_t i = 0; i < s->nincidents; i++) {
		struct cycle_incident *l = &s->incidents[i];

		store_incident_clear(&l->inc);
		for (size_t k = 0; k < l->ncauses; k++) {
			free((char *)(uintptr_t)l->causes[k].slug);
			free((char *)(uintptr_t)l->causes[k].guid);
			free((char *)(uintptr_t)l->causes[k].title);
		}
		free(l->causes);
		for (size_t k = 0; k < l->ncomps; k++)
			free((char *)(uintptr_t)l->comps[k].id);
		free(l->comps);
	}
	free(s->incidents);
	for (size_t i = 0; i < s->nmaint; i++) {
		store_maintenance_clear(&s->maint[i].m);
		for (size_t k = 0; s->maint[i].ids != NULL && s->maint[i].ids[k] != NULL; k++)
			free(s->maint[i].ids[k]);
		free(s->maint[i].ids);
	}
	free(s->maint);
	for (size_t i = 0; i < s->ncomps; i++)
		store_component_clear(&s->comps[i]);
	free(s->comps);
	free(s);
}
