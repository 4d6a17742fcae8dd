/* cycle_decide.c: the pure middle of a cycle: snapshot and fetched documents in, every decision out. */
#include "cycle/decide.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "aws/currentevents.h"
#include "aws/poll.h"
#include "aws/reconcile.h"
#include "base/cstime.h"
#include "base/hash.h"
#include "base/jsonout.h"
#include "model/mapper.h"

/* The longest a failing feed waits between attempts, unless Retry-After says more. */
#define BACKOFF_MAX 3600

/*
 * The order of the decisions
 * --------------------------
 * 1. Each document's outcome becomes its new fetch state: a success is
 *    due again in one poll interval; a failure keeps the feed's items and
 *    verdict and backs off (poll_backoff_delay, jitter from the feed and
 *    the time so replays repeat). A currentevents document that does not
 *    parse is a failed fetch.
 * 2. The items the store holds for the configuration's feeds, as of now,
 *    with this cycle's items over them (a guid seen again carries its
 *    newest text; of several documents the later wins, as the store's
 *    revisions would), are classified (classify.c's rules), honouring
 *    the open events of currentevents.
 * 3. A feed is readable while its last good read is fresh
 *    (judgement_fresh): one bad poll keeps the verdict, only a feed unread
 *    for JUDGEMENT_STALE_INTERVALS polls hides its dependents as unknown.
 * 4. The mapper maps the verdicts onto the components as AWS says, which
 *    incidents follow (an event's priority never depends on rulings or
 *    maintenances). Users are shown that map without what the engineers'
 *    rulings ("not affected") still cover (a second mapper run, only while
 *    a ruling hides a feed), then with the operational components of
 *    maintenances in progress under maintenance, then its indicator.
 * 5. Component statuses that differ from the committed ones are changes;
 *    incident_decide() says what the AWS judgement means for the AWS
 *    incidents; maintenances move by the clock.
 * 6. The judgement record keeps all of it for the views.
 */

/* Spread of retries in [0, 1): a hash of the feed and the time, so runs replay. */
static double
jitter(const char *key, int64_t now)
{
	uint64_t h = hash_fnv1a64_str(HASH_SEED_LEGACY ^ (uint64_t)now, key);

	return (double)(h >> 11) / 9007199254740992.0;
}

/*
 * The currentevents record of a 200 document (folded per slug,
 * aws/reconcile.h) into d->ce_new; decide_classify() completes it. Its
 * parse error makes the fetch a failure.
 */
static cs_err
decide_currentevents(const struct cycle_doc *doc, struct cycle_decision *d, char **perr)
{
	struct currentevents *ce = NULL;
	char e[CS_ERRLEN];
	cs_err rc;

	e[0] = '\0';
	if (currentevents_parse(doc->url, doc->body ? doc->body : "", doc->blen, &ce, e,
		sizeof(e)) != CS_OK) {
		*perr = strdup(e[0] ? e : "currentevents: unreadable");
		return *perr != NULL ? CS_OK : CS_ERR_NOMEM;
	}
	rc = reconcile_from_currentevents(ce, &d->ce_new);
	currentevents_free(ce);
	return rc;
}

/*
 * Step 1. perr holds currentevents' parse error (owned by the caller,
 * freed after the decision: the new fetch state borrows it).
 */
static cs_err
decide_fetch(const struct config *cfg, const struct cycle_snapshot *snap,
    const struct cycle_doc *docs, size_t ndocs, int64_t now, struct cycle_decision *d,
    char **perr)
{
	d->fetch = calloc(ndocs + 1, sizeof(*d->fetch));
	if (d->fetch == NULL)
		return CS_ERR_NOMEM;
	for (size_t i = 0; i < ndocs; i++) {
		const struct cycle_doc *doc = &docs[i];
		const struct store_feed *prev = &snap->fetch[i];
		struct store_feed *nf = &d->fetch[d->nfetch];
		int ok = doc->ok;
		const char *error = doc->error;

		if (doc->skipped) {
			d->skipped++;
			continue;
		}
		if (ok && !doc->not_modified && strcmp(doc->key, CYCLE_KEY_CURRENTEVENTS) == 0) {
			if (decide_currentevents(doc, d, perr) != CS_OK)
				return CS_ERR_NOMEM;
			if (*perr != NULL) {
				ok = 0;
				error = *perr;
			}
		}
		d->nfetch++;
		*nf = *prev;
		/* A changed URL (another base) makes the old validators meaningless. */
		if (prev->url != NULL && strcmp(prev->url, doc->url) != 0)
			nf->etag = nf->last_modified = NULL;
		nf->slug = (char *)doc->key;
		nf->url = (char *)doc->url;
		nf->last_attempt = now;
		nf->last_status = (int)doc->http_status;
		if (ok) {
			nf->last_success = now;
			nf->failures = 0;
			nf->next_attempt_at = now + cfg->poll_interval;
			nf->last_error = NULL;
			nf->readable = 1;
			if (!doc->not_modified) {
				nf->etag = (char *)doc->etag;
				nf->last_modified = (char *)doc->last_modified;
				nf->items_seen = (int64_t)doc->nitems;
				d->fetched++;
			} else {
				d->not_modified++;
			}
		} else {
			nf->failures = prev->failures + 1;
			nf->next_attempt_at = now + poll_backoff_delay((unsigned)nf->failures,
			    doc->retry_after, cfg->poll_interval, BACKOFF_MAX, jitter(doc->key, now));
			nf->last_error = (char *)(error ? error : "no answer");
			nf->readable = 0;
			d->failed++;
		}
	}
	d->poll = ndocs > 0;
	d->poll_ok = ndocs > 0 && d->failed == 0 && d->skipped == 0;
	return CS_OK;
}

/* The store's order for judging: by slug, then newest first (epoch, then guid). */
static int
cmp_item(const void *a, const void *b)
{
	const struct feed_item *x = *(const struct feed_item *const *)a;
	const struct feed_item *y = *(const struct feed_item *const *)b;
	int c = strcmp(x->slug, y->slug);

	if (c != 0)
		return c;
	if (x->epoch != y->epoch)
		return x->epoch > y->epoch ? -1 : 1;
	return -strcmp(x->guid, y->guid);
}

/* A guid and where it stands in the merged order. */
struct sighting {
	const char *guid;
	size_t      pos;
};

static int
cmp_sighting(const void *a, const void *b)
{
	const struct sighting *x = a, *y = b;
	int c = strcmp(x->guid, y->guid);

	if (c != 0)
		return c;
	return (x->pos > y->pos) - (x->pos < y->pos);
}

/* A slug the configuration watches (reconcile_filter's test). */
static int
watched(const char *slug, const void *cfg)
{
	return config_feed_index(cfg, slug) >= 0;
}

/*
 * The currentevents record this cycle judges with (*rec, NULL when there
 * is none): this cycle's document when it parsed (*fresh), with the ended
 * slugs and the disagreements of the stored record carried over, else the
 * stored record. A stored record that does not read is as none: the next
 * document replaces it.
 */
static cs_err
ce_record(const struct config *cfg, const struct cycle_snapshot *snap,
    struct cycle_decision *d, int64_t now, struct reconcile_set **rec, int *fresh)
{
	struct reconcile_set *prev = NULL, *cur = NULL;
	char e[CS_ERRLEN];
	cs_err rc = CS_OK;

	*rec = NULL;
	*fresh = d->ce_new != NULL;
	if (snap->open_events_json != NULL) {
		rc = reconcile_from_json(snap->open_events_json, &prev, e, sizeof(e));
		if (rc == CS_ERR_PARSE)
			rc = CS_OK;
		if (rc != CS_OK)
			goto out;
	}
	/* The disagreements stored apart replace the record's (an older store's). */
	if (prev != NULL && snap->ce_seen_json != NULL) {
		rc = reconcile_seen_from_json(snap->ce_seen_json, prev, e, sizeof(e));
		if (rc == CS_ERR_PARSE)
			rc = CS_OK; /* as none: this cycle's are stored */
		if (rc != CS_OK)
			goto out;
	}
	if (!*fresh) {
		*rec = prev;
		prev = NULL;
		goto out;
	}
	/* Taken as it is, never through its stored form: the document is 180 KB on a busy day. */
	cur = d->ce_new;
	d->ce_new = NULL;
	rc = reconcile_keep_ended(cur, prev, now, cfg->quiet_limit);
	if (rc == CS_OK && prev != NULL)
		rc = reconcile_set_seen(cur, prev->seen, prev->nseen);
	if (rc == CS_OK) {
		*rec = cur;
		cur = NULL;
	}
out:
	reconcile_set_free(prev);
	reconcile_set_free(cur);
	/*
	 * Our own form always reads, so a parse error here is memory running
	 * out: jansson 2.14 reports a string it could not allocate as an
	 * "invalid token" (tests/unit/test_alloc_fail.c).
	 */
	return rc == CS_ERR_PARSE ? CS_ERR_NOMEM : rc;
}

/*
 * When currentevents was last read: now, when this cycle's answer was a
 * 304 or a 200 that parsed (fresh), else the last good read of the fetch
 * state (0 never).
 */
static int64_t
ce_read_at(const struct cycle_snapshot *snap, const struct cycle_doc *docs, size_t ndocs,
    int fresh, int64_t now)
{
	for (size_t i = 0; i < ndocs; i++) {
		if (strcmp(docs[i].key, CYCLE_KEY_CURRENTEVENTS) == 0 && !docs[i].skipped &&
		    docs[i].ok && (docs[i].not_modified || fresh))
			return now;
	}
	for (size_t i = 0; i < snap->nfetch; i++) {
		if (snap->fetch[i].slug != NULL &&
		    strcmp(snap->fetch[i].slug, CYCLE_KEY_CURRENTEVENTS) == 0)
			return snap->fetch[i].last_success;
	}
	return 0;
}

/*
 * What to store of rec with this cycle's disagreements (so each is logged
 * once): its events into d->open_events_json when this cycle's document
 * parsed (fresh) and their text is not the stored one, its disagreements
 * into d->ce_seen_json when their text is not the stored one (they
 * changed; an older store kept them in the record; the stored text was
 * damaged); NULL (unchanged) otherwise. AWS's document is the same most
 * polls, and writing it again would put the whole record in the WAL each
 * time.
 */
static cs_err
ce_remember(const struct cycle_snapshot *snap, struct cycle_decision *d,
    struct reconcile_set *rec, int fresh)
{
	const struct classify_service *s;
	struct reconcile_seen *seen = NULL;
	size_t n, k = 0;
	int same;
	cs_err rc = CS_OK;

	free(d->open_events_json);
	free(d->ce_seen_json);
	d->open_events_json = d->ce_seen_json = NULL;
	if (rec == NULL)
		return CS_OK;
	s = classify_result(d->cls, &n);
	seen = calloc(n + 1, sizeof(*seen));
	if (seen == NULL)
		return CS_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		if (s[i].disagree == RECONCILE_AGREE)
			continue;
		seen[k].slug = s[i].slug;
		seen[k++].kind = s[i].disagree;
	}
	/* Both sorted by slug. */
	same = k == rec->nseen;
	for (size_t i = 0; same && i < k; i++)
		same = strcmp(seen[i].slug, rec->seen[i].slug) == 0 && seen[i].kind == rec->seen[i].kind;
	if (!same)
		rc = reconcile_set_seen(rec, seen, k);
	free(seen);
	if (rc == CS_OK && fresh) {
		struct reconcile_set ev = *rec; /* borrowed: the events without the disagreements */

		ev.seen = NULL;
		ev.nseen = 0;
		d->open_events_json = reconcile_to_json(&ev);
		if (d->open_events_json == NULL)
			rc = CS_ERR_NOMEM;
		else if (snap->open_events_json != NULL &&
		    strcmp(d->open_events_json, snap->open_events_json) == 0) {
			free(d->open_events_json);
			d->open_events_json = NULL;
		}
	}
	if (rc == CS_OK) {
		d->ce_seen_json = reconcile_seen_to_json(rec);
		if (d->ce_seen_json == NULL)
			rc = CS_ERR_NOMEM;
		else if (snap->ce_seen_json != NULL &&
		    strcmp(d->ce_seen_json, snap->ce_seen_json) == 0) {
			free(d->ce_seen_json);
			d->ce_seen_json = NULL;
		}
	}
	return rc;
}

/*
 * Step 2: classifies the stored items with this cycle's over them, and
 * what currentevents says of the configuration's feeds.
 */
static cs_err
decide_classify(const struct config *cfg, const struct cycle_snapshot *snap,
    const struct cycle_doc *docs, size_t ndocs, int64_t now, struct cycle_decision *d)
{
	const struct feed_item **v = NULL, **u = NULL;
	struct sighting *g = NULL;
	struct reconcile_set *rec = NULL, *mine = NULL;
	size_t n = 0, nu = 0, cap = snap->nitems;
	int fresh = 0;
	cs_err rc = CS_OK;

	/* The clock may be behind AWS's by up to clock_skew: judge as of its end. */
	d->cls = classify_new(now != 0 ? now + cfg->clock_skew : 0, cfg->quiet_limit);
	if (d->cls == NULL)
		return CS_ERR_NOMEM;
	for (size_t i = 0; i < ndocs; i++)
		cap += docs[i].ok ? docs[i].nitems : 0;
	v = calloc(cap + 1, sizeof(*v));
	u = calloc(cap + 1, sizeof(*u));
	if (v == NULL || u == NULL) {
		rc = CS_ERR_NOMEM;
		goto out;
	}
	/* Stored first, then each document in order: the last sighting of a guid wins. */
	for (size_t i = 0; i < snap->nitems; i++)
		v[n++] = &snap->items[i];
	for (size_t i = 0; i < ndocs; i++) {
		for (size_t k = 0; docs[i].ok && k < docs[i].nitems; k++) {
			const struct feed_item *it = &docs[i].items[k];

			if (it->guid[0] == '\0' || config_feed_index(cfg, it->slug) < 0)
				continue;
			/* Said, taken or not: a clock far behind must not pass silently. */
			if (now != 0 && it->epoch - now > d->ahead)
				d->ahead = it->epoch - now;
			if (now != 0 && it->epoch > now + cfg->clock_skew)
				continue;
			v[n++] = it;
		}
	}
	/* The last sighting of each guid in the merged order is the one judged. */
	g = calloc(n + 1, sizeof(*g));
	if (g == NULL) {
		rc = CS_ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		g[i].guid = v[i]->guid;
		g[i].pos = i;
	}
	qsort(g, n, sizeof(*g), cmp_sighting);
	for (size_t i = 0; i < n; i++) {
		if (i + 1 < n && strcmp(g[i].guid, g[i + 1].guid) == 0)
			continue;
		u[nu++] = v[g[i].pos];
	}
	/* In guid order here: kept so that incident updates find what AWS wrote. */
	d->judged = malloc((nu + 1) * sizeof(*d->judged));
	if (d->judged == NULL) {
		rc = CS_ERR_NOMEM;
		goto out;
	}
	memcpy(d->judged, u, nu * sizeof(*u));
	d->njudged = nu;
	qsort(u, nu, sizeof(*u), cmp_item);
	/* currentevents: this cycle's document when it parsed, else the last one's. */
	rc = ce_record(cfg, snap, d, now, &rec, &fresh);
	if (rc == CS_OK && rec != NULL)
		rc = reconcile_filter(rec, watched, cfg, &mine);
	if (rc == CS_OK) {
		classify_set_currentevents(d->cls, mine, ce_read_at(snap, docs, ndocs, fresh, now));
		mine = NULL;
	}
	for (size_t i = 0; rc == CS_OK && i < nu; i++)
		rc = classify_add(d->cls, u[i]);
	if (rc == CS_OK)
		rc = ce_remember(snap, d, rec, fresh);
out:
	reconcile_set_free(rec);
	reconcile_set_free(mine);
	free(g);
	free(v);
	free(u);
	return rc;
}

/*
 * The cause of a component as stored (and carried by its MQTT event): slug,
 * service (the AWS code), region, AWS state, item. The site and the
 * retained MQTT topics show it from the judgement instead, with the
 * service's name (sitemodel_cause).
 */
static char *
cause_json(const struct mapper_component *mc)
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
	s = jsonout_dumps(arr, JSON_COMPACT);
out:
	json_decref(arr);
	return s;
}

/*
 * Whether slug is hidden from users by a ruling: an open cause of an
 * incident engineers ruled out ("not affected") whose ruling still covers
 * the feed's verdict svc (the same event, no worse state).
 */
static int
ruled_out(const struct cycle_snapshot *snap, const char *slug,
    const struct classify_service *svc)
{
	for (size_t i = 0; i < snap->nincidents; i++) {
		const struct cycle_incident *l = &snap->incidents[i];

		if (!l->inc.not_affected || l->inc.resolved_at != 0)
			continue;
		for (size_t k = 0; k < l->ncauses; k++) {
			if (l->causes[k].open && strcmp(l->causes[k].slug, slug) == 0 &&
			    incident_ruling_covers(&l->causes[k], svc))
				return 1;
		}
	}
	return 0;
}

/*
 * Steps 3 and 4: the verdicts as the mapper sees them, and the map as AWS
 * says (*aws: what incidents follow, so that an event gets the same
 * priority whatever the rulings and maintenances). When a ruling hides a
 * feed, also the map without what rulings cover (*pub); otherwise *pub is
 * NULL and users are shown *aws itself once the incidents are decided
 * (one mapper run per cycle, the common case).
 */
static cs_err
decide_map(const struct config *cfg, const struct cycle_snapshot *snap,
    const struct cycle_doc *docs, size_t ndocs, const struct cycle_decision *d, int64_t now,
    struct mapper_feed *feeds, int64_t *last_success, struct mapper_result **aws,
    struct mapper_result **pub)
{
	struct mapper_feed *shown = NULL;
	size_t nf, hidden = 0;
	const char *const *slugs = config_feed_slugs(cfg, &nf);
	cs_err rc;

	*aws = *pub = NULL;
	shown = calloc(nf + 1, sizeof(*shown));
	if (shown == NULL)
		return CS_ERR_NOMEM;
	for (size_t i = 0; i < nf; i++) {
		const struct store_feed *f = &snap->fetch[i];

		/* The documents are in cycle_doc_key() order: the feeds first, by slug. */
		last_success[i] = i < ndocs && !docs[i].skipped && docs[i].ok ? now : f->last_success;
		feeds[i].slug = slugs[i];
		feeds[i].readable = judgement_fresh(last_success[i], now, cfg->poll_interval);
		feeds[i].svc = classify_find(d->cls, slugs[i]);
		shown[i] = feeds[i];
		if (ruled_out(snap, slugs[i], feeds[i].svc)) {
			shown[i].svc = NULL; /* as if the feed were quiet */
			hidden++;
		}
	}
	rc = mapper_run(cfg, feeds, nf, aws);
	if (rc == CS_OK && hidden > 0)
		rc = mapper_run(cfg, shown, nf, pub);
	free(shown);
	return rc;
}

/* Step 4, what users see: the operational components of maintenances in progress under maintenance, then the indicator. */
static cs_err
decide_overlay(const struct cycle_snapshot *snap, int64_t now, struct mapper_result *pub)
{
	struct maintenance_window *w = calloc(snap->nmaint + 1, sizeof(*w));

	if (w == NULL)
		return CS_ERR_NOMEM;
	for (size_t i = 0; i < snap->nmaint; i++)
		w[i] = snap->maint[i].w;
	maintenance_overlay(pub, w, snap->nmaint, now);
	free(w);
	return mapper_indicate(pub);
}

/* Step 5: components whose status changes, and every component's cause. */
static cs_err
decide_components(const struct config *cfg, const struct cycle_snapshot *snap,
    const struct mapper_result *map, struct cycle_decision *d)
{
	d->causes = calloc(map->ncomponents + 1, sizeof(*d->causes));
	d->changes = calloc(map->ncomponents + 1, sizeof(*d->changes));
	if (d->causes == NULL || d->changes == NULL)
		return CS_ERR_NOMEM;
	for (size_t i = 0; i < map->ncomponents; i++) {
		const struct mapper_component *mc = &map->components[i];
		const struct store_component *prev = i < snap->ncomps ? &snap->comps[i] : NULL;
		struct cycle_change *c;

		d->causes[i] = cause_json(mc);
		d->ncauses = i + 1;
		if (d->causes[i] == NULL)
			return CS_ERR_NOMEM;
		if (prev != NULL && prev->id != NULL && prev->status == mc->status)
			continue;
		c = &d->changes[d->nchanges++];
		c->cfg = &cfg->components[i];
		c->had = prev != NULL && prev->id != NULL;
		c->from = c->had ? prev->status : STATUS_UNKNOWN;
		c->to = mc->status;
		c->cause_json = strdup(d->causes[i]);
		if (c->cause_json == NULL)
			return CS_ERR_NOMEM;
	}
	return CS_OK;
}

/* Step 5: what the AWS judgement means for the AWS incidents, and the maintenances' clock. */
static cs_err
decide_support(const struct config *cfg, const struct cycle_snapshot *snap,
    const struct mapper_result *aws, const struct mapper_feed *feeds, size_t nf, int64_t now,
    struct cycle_decision *d)
{
	struct incident_view *views;
	size_t nv = 0;
	cs_err rc;

	views = calloc(snap->nincidents + 1, sizeof(*views));
	if (views == NULL)
		return CS_ERR_NOMEM;
	for (size_t i = 0; i < snap->nincidents; i++) {
		const struct cycle_incident *l = &snap->incidents[i];
		struct incident_view *v = &views[nv];

		if (strcmp(l->inc.kind, "aws") != 0)
			continue;
		nv++;
		v->id = l->inc.id;
		if (incident_status_parse(l->inc.status, &v->status) != 0)
			v->status = INCIDENT_IDENTIFIED;
		v->resolved_at = l->inc.resolved_at;
		v->not_affected = l->inc.not_affected;
		v->suggested = (priority)l->inc.prio_suggested;
		v->causes = l->causes;
		v->ncauses = l->ncauses;
		v->components = l->comps;
		v->ncomponents = l->ncomps;
	}
	{
		struct incident_input in = { cfg, views, nv, aws, feeds, nf, d->judged, d->njudged, now,
			cfg->flap_window };

		rc = incident_decide(&in, &d->plan);
	}
	free(views);
	if (rc != CS_OK)
		return rc;
	d->msteps = calloc(snap->nmaint + 1, sizeof(*d->msteps));
	if (d->msteps == NULL)
		return CS_ERR_NOMEM;
	for (size_t i = 0; i < snap->nmaint; i++) {
		const char *to = maintenance_status_name(maintenance_status_at(&snap->maint[i].w, now));

		if (strcmp(to, snap->maint[i].m.status) != 0) {
			d->msteps[d->nmsteps].m = &snap->maint[i];
			d->msteps[d->nmsteps++].to = to;
		}
	}
	return CS_OK;
}

cs_err
cycle_decide(const struct config *cfg, const struct cycle_snapshot *snap,
    const struct cycle_doc *docs, size_t ndocs, int64_t now, struct cycle_decision **out,
    char *err, size_t errlen)
{
	struct cycle_decision *d;
	struct mapper_feed *feeds = NULL;
	struct mapper_result *aws = NULL, *pub = NULL;
	int64_t *last_success = NULL;
	char *perr = NULL;
	size_t nf;
	cs_err rc;

	*out = NULL;
	config_feed_slugs(cfg, &nf);
	d = calloc(1, sizeof(*d));
	feeds = calloc(nf + 1, sizeof(*feeds));
	last_success = calloc(nf + 1, sizeof(*last_success));
	if (d == NULL || feeds == NULL || last_success == NULL) {
		rc = CS_ERR_NOMEM;
		goto out;
	}
	d->now = now;
	rc = decide_fetch(cfg, snap, docs, ndocs, now, d, &perr);
	if (rc == CS_OK)
		rc = decide_classify(cfg, snap, docs, ndocs, now, d);
	if (rc == CS_OK)
		rc = decide_map(cfg, snap, docs, ndocs, d, now, feeds, last_success, &aws, &pub);
	/* Incidents first, from AWS's map: with no ruling, that map then becomes the users'. */
	if (rc == CS_OK)
		rc = decide_support(cfg, snap, aws, feeds, nf, now, d);
	if (rc == CS_OK && pub == NULL) {
		pub = aws;
		aws = NULL;
	}
	if (rc == CS_OK)
		rc = decide_overlay(snap, now, pub);
	if (rc == CS_OK)
		rc = decide_components(cfg, snap, pub, d);
	if (rc == CS_OK) {
		rc = judgement_new(cfg, now, feeds, last_success, nf, pub,
		    d->poll ? now : snap->last_poll, d->poll_ok ? now : snap->last_poll_ok,
		    &d->judgement);
		pub = NULL; /* moved */
	}
out:
	mapper_result_free(aws);
	mapper_result_free(pub);
	free(feeds);
	free(last_success);
	if (rc == CS_OK) {
		d->parse_error = perr;
		*out = d;
		return CS_OK;
	}
	free(perr);
	cycle_decision_free(d);
	return cs_seterr(err, errlen, rc, "cycle: %s", cs_strerror(rc));
}

void
cycle_decision_free(struct cycle_decision *d)
{
	if (d == NULL)
		return;
	free(d->fetch);
	free(d->open_events_json);
	free(d->ce_seen_json);
	reconcile_set_free(d->ce_new);
	classify_free(d->cls);
	free(d->judged);
	judgement_free(d->judgement);
	for (size_t i = 0; i < d->nchanges; i++)
		free(d->changes[i].cause_json);
	free(d->changes);
	for (size_t i = 0; i < d->ncauses; i++)
		free(d->causes[i]);
	free(d->causes);
	incident_plan_free(d->plan);
	free(d->msteps);
	free(d->parse_error);
	free(d);
}
