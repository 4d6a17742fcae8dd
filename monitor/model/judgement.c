/* judgement.c: the committed judgement: building it, its stored JSON form, ageing it to a later view. */
#include "model/judgement.h"

#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/jsonout.h"

#define JUDGEMENT_SCHEMA 1

int
judgement_fresh(int64_t last_success, int64_t now, int64_t poll_interval)
{
	return last_success > 0 && now - last_success <= JUDGEMENT_STALE_INTERVALS * poll_interval;
}

/*
 * The page's verification time (judgement.h): the oldest last read of the
 * readable feeds, or, with none readable, the newest last read of any.
 */
static int64_t
verified_at(const struct judgement *j)
{
	int64_t oldest = 0, newest = 0;

	for (size_t i = 0; i < j->nfeeds; i++) {
		int64_t t = j->feeds[i].last_success;

		if (t > newest)
			newest = t;
		if (j->feeds[i].readable && (oldest == 0 || t < oldest))
			oldest = t;
	}
	return oldest != 0 ? oldest : newest;
}

/* Sets data_verified_at and stale from the feeds as they stand at viewed_at. */
static void
set_freshness(struct judgement *j, int64_t poll_interval)
{
	j->data_verified_at = verified_at(j);
	j->stale = !judgement_fresh(j->data_verified_at, j->viewed_at, poll_interval);
}

static char *
dup_or_empty(const char *s)
{
	return strdup(s != NULL ? s : "");
}

static int
cmp_feed(const void *a, const void *b)
{
	return strcmp(((const struct judgement_feed *)a)->slug,
	    ((const struct judgement_feed *)b)->slug);
}

cs_err
judgement_new(const struct config *cfg, int64_t now, const struct mapper_feed *feeds,
    const int64_t *last_success, size_t nfeeds, struct mapper_result *map, int64_t last_poll,
    int64_t last_poll_ok, struct judgement **out)
{
	struct judgement *j;

	*out = NULL;
	j = calloc(1, sizeof(*j));
	if (j == NULL) {
		mapper_result_free(map);
		return CS_ERR_NOMEM;
	}
	j->map = map;
	j->judged_at = j->viewed_at = now;
	j->last_poll = last_poll;
	j->last_poll_ok = last_poll_ok;
	j->feeds = calloc(nfeeds ? nfeeds : 1, sizeof(*j->feeds));
	if (j->feeds == NULL)
		goto nomem;
	for (size_t i = 0; i < nfeeds; i++) {
		const struct classify_service *s = feeds[i].svc;
		struct judgement_feed *f = &j->feeds[i];

		j->nfeeds = i + 1;
		f->slug = strdup(feeds[i].slug);
		f->readable = feeds[i].readable;
		f->last_success = last_success[i];
		f->has_items = s != NULL;
		f->state = s != NULL ? s->state : STATUS_AWS_NORMAL;
		f->updated = s != NULL ? s->updated : 0;
		f->title = dup_or_empty(s != NULL ? s->title : NULL);
		f->guid = dup_or_empty(s != NULL ? s->guid : NULL);
		f->event_start = s != NULL ? s->event_start : 0;
		f->quiet_closed = s != NULL && s->quiet_closed;
		f->unknown_prefix = s != NULL && s->unknown_prefix;
		f->source = s != NULL ? s->source : RECONCILE_RSS;
		f->disagree = s != NULL ? s->disagree : RECONCILE_AGREE;
		if (f->slug == NULL || f->title == NULL || f->guid == NULL)
			goto nomem;
	}
	qsort(j->feeds, j->nfeeds, sizeof(*j->feeds), cmp_feed);
	set_freshness(j, cfg->poll_interval);
	*out = j;
	return CS_OK;
nomem:
	judgement_free(j);
	return CS_ERR_NOMEM;
}

static json_t *
cause_json(const struct mapper_cause *c)
{
	return json_pack("{s:s, s:s, s:s?, s:s, s:s, s:s, s:s, s:I}", "slug", c->slug,
	    "service", c->service, "region", c->region, "aws_state", status_aws_name(c->aws_state),
	    "status", status_component_name(c->status), "title", c->title ? c->title : "",
	    "guid", c->guid ? c->guid : "", "time", (json_int_t)c->time);
}

static json_t *
feed_json(const struct judgement_feed *f)
{
	return json_pack("{s:s, s:b, s:I, s:b, s:s, s:I, s:s, s:s, s:I, s:b, s:b, s:s, s:s}",
	    "slug", f->slug, "readable", f->readable, "last_success", (json_int_t)f->last_success,
	    "has_items", f->has_items, "state", status_aws_name(f->state),
	    "updated", (json_int_t)f->updated, "title", f->title, "guid", f->guid,
	    "event_start", (json_int_t)f->event_start, "quiet_closed", f->quiet_closed,
	    "unknown_prefix", f->unknown_prefix, "source", reconcile_source_name(f->source),
	    "disagreement", reconcile_disagree_name(f->disagree));
}

char *
judgement_to_json(const struct judgement *j)
{
	json_t *doc, *feeds, *comps;
	char *s = NULL;

	doc = json_pack("{s:i, s:I, s:I, s:I, s:I, s:s, s:s, s:[], s:[]}", "schema",
	    JUDGEMENT_SCHEMA, "judged_at", (json_int_t)j->judged_at,
	    "last_poll", (json_int_t)j->last_poll, "last_poll_ok", (json_int_t)j->last_poll_ok,
	    "data_verified_at", (json_int_t)j->data_verified_at,
	    "indicator", status_indicator_name(j->map->indicator),
	    "description", j->map->description ? j->map->description : "", "feeds", "components");
	if (doc == NULL)
		return NULL;
	feeds = json_object_get(doc, "feeds");
	comps = json_object_get(doc, "components");
	for (size_t i = 0; i < j->nfeeds; i++) {
		if (json_array_append_new(feeds, feed_json(&j->feeds[i])) != 0)
			goto out;
	}
	for (size_t i = 0; i < j->map->ncomponents; i++) {
		const struct mapper_component *mc = &j->map->components[i];
		json_t *causes = json_array();
		json_t *o = json_pack("{s:s, s:s, s:o}", "id", mc->cfg->id,
		    "status", status_component_name(mc->status), "causes", causes);

		if (o == NULL || json_array_append_new(comps, o) != 0)
			goto out;
		for (size_t k = 0; k < mc->ncauses; k++) {
			if (json_array_append_new(causes, cause_json(&mc->causes[k])) != 0)
				goto out;
		}
	}
	s = jsonout_dumps(doc, JSON_COMPACT);
out:
	json_decref(doc);
	return s;
}

/* Reading the stored form: each field checked, the first problem named. */
struct reader {
	char  *err;
	size_t errlen;
	cs_err rc;
};

static void
bad(struct reader *r, const char *what)
{
	if (r->rc == CS_OK)
		r->rc = cs_seterr(r->err, r->errlen, CS_ERR_PARSE, "judgement record: %s", what);
}

static char *
get_str(struct reader *r, json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));
	char *d;

	if (s == NULL) {
		bad(r, key);
		return NULL;
	}
	d = strdup(s);
	if (d == NULL && r->rc == CS_OK)
		r->rc = cs_seterr(r->err, r->errlen, CS_ERR_NOMEM, "out of memory");
	return d;
}

static int64_t
get_int(struct reader *r, json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_integer(v)) {
		bad(r, key);
		return 0;
	}
	return (int64_t)json_integer_value(v);
}

static int
get_bool(struct reader *r, json_t *o, const char *key)
{
	json_t *v = json_object_get(o, key);

	if (!json_is_boolean(v)) {
		bad(r, key);
		return 0;
	}
	return json_is_true(v);
}

static void
read_feed(struct reader *r, json_t *o, struct judgement_feed *f)
{
	const char *state = json_string_value(json_object_get(o, "state"));
	const char *src, *dis;

	f->slug = get_str(r, o, "slug");
	f->readable = get_bool(r, o, "readable");
	f->last_success = get_int(r, o, "last_success");
	f->has_items = get_bool(r, o, "has_items");
	if (state == NULL || status_aws_parse(state, &f->state) != 0)
		bad(r, "feeds[].state");
	f->updated = get_int(r, o, "updated");
	f->title = get_str(r, o, "title");
	f->guid = get_str(r, o, "guid");
	f->event_start = get_int(r, o, "event_start");
	f->quiet_closed = get_bool(r, o, "quiet_closed");
	f->unknown_prefix = get_bool(r, o, "unknown_prefix");
	/* Absent from records written before currentevents counted. */
	src = json_string_value(json_object_get(o, "source"));
	dis = json_string_value(json_object_get(o, "disagreement"));
	if (src != NULL && reconcile_source_parse(src, &f->source) != 0)
		bad(r, "feeds[].source");
	if (dis != NULL && reconcile_disagree_parse(dis, &f->disagree) != 0)
		bad(r, "feeds[].disagreement");
}

static void
read_cause(struct reader *r, json_t *o, struct mapper_cause *c)
{
	const char *aws = json_string_value(json_object_get(o, "aws_state"));
	const char *st = json_string_value(json_object_get(o, "status"));
	json_t *region = json_object_get(o, "region");

	c->slug = get_str(r, o, "slug");
	c->service = get_str(r, o, "service");
	c->region = region != NULL && !json_is_null(region) ? get_str(r, o, "region") : NULL;
	if (aws == NULL || status_aws_parse(aws, &c->aws_state) != 0)
		bad(r, "causes[].aws_state");
	if (st == NULL || status_component_parse(st, &c->status) != 0)
		bad(r, "causes[].status");
	c->title = get_str(r, o, "title");
	c->guid = get_str(r, o, "guid");
	c->time = get_int(r, o, "time");
}

/* Fills mc (component cc of the configuration) from its stored object o (NULL: unknown). */
static void
read_component(struct reader *r, const struct config_component *cc, json_t *o,
    struct mapper_component *mc)
{
	const char *st;
	json_t *causes;

	mc->cfg = cc;
	mc->status = STATUS_UNKNOWN;
	if (o == NULL)
		return;
	st = json_string_value(json_object_get(o, "status"));
	if (st == NULL || status_component_parse(st, &mc->status) != 0)
		bad(r, "components[].status");
	causes = json_object_get(o, "causes");
	if (!json_is_array(causes)) {
		bad(r, "components[].causes");
		return;
	}
	if (json_array_size(causes) == 0)
		return;
	mc->causes = calloc(json_array_size(causes), sizeof(*mc->causes));
	if (mc->causes == NULL) {
		if (r->rc == CS_OK)
			r->rc = cs_seterr(r->err, r->errlen, CS_ERR_NOMEM, "out of memory");
		return;
	}
	for (size_t k = 0; k < json_array_size(causes); k++) {
		mc->ncauses = k + 1;
		read_cause(r, json_array_get(causes, k), &mc->causes[k]);
	}
}

static json_t *
find_component(json_t *comps, const char *id)
{
	size_t i;
	json_t *o;

	json_array_foreach(comps, i, o) {
		const char *s = json_string_value(json_object_get(o, "id"));

		if (s != NULL && strcmp(s, id) == 0)
			return o;
	}
	return NULL;
}

cs_err
judgement_from_json(const struct config *cfg, const char *text, struct judgement **out,
    char *err, size_t errlen)
{
	struct reader r = { err, errlen, CS_OK };
	struct judgement *j = NULL;
	json_t *doc, *feeds, *comps;
	json_error_t je;

	*out = NULL;
	doc = json_loads(text, 0, &je);
	if (doc == NULL)
		return cs_seterr(err, errlen, CS_ERR_PARSE, "judgement record: %s", je.text);
	feeds = json_object_get(doc, "feeds");
	comps = json_object_get(doc, "components");
	if (get_int(&r, doc, "schema") != JUDGEMENT_SCHEMA || !json_is_array(feeds) ||
	    !json_is_array(comps)) {
		bad(&r, "schema, feeds or components");
		goto out;
	}
	j = calloc(1, sizeof(*j));
	if (j == NULL || (j->map = calloc(1, sizeof(*j->map))) == NULL)
		goto nomem;
	j->judged_at = j->viewed_at = get_int(&r, doc, "judged_at");
	j->last_poll = get_int(&r, doc, "last_poll");
	j->last_poll_ok = get_int(&r, doc, "last_poll_ok");
	j->feeds = calloc(json_array_size(feeds) + 1, sizeof(*j->feeds));
	j->map->components = calloc(cfg->ncomponents + 1, sizeof(*j->map->components));
	if (j->feeds == NULL || j->map->components == NULL)
		goto nomem;
	for (size_t i = 0; r.rc == CS_OK && i < json_array_size(feeds); i++) {
		j->nfeeds = i + 1;
		read_feed(&r, json_array_get(feeds, i), &j->feeds[i]);
	}
	for (size_t i = 0; r.rc == CS_OK && i < cfg->ncomponents; i++) {
		j->map->ncomponents = i + 1;
		read_component(&r, &cfg->components[i], find_component(comps, cfg->components[i].id),
		    &j->map->components[i]);
	}
	if (r.rc != CS_OK)
		goto out;
	qsort(j->feeds, j->nfeeds, sizeof(*j->feeds), cmp_feed);
	/*
	 * The time is stored for readers of the record; a record written before
	 * it was (the same schema, one field fewer) gets it from its feeds,
	 * which is how it was made.
	 */
	set_freshness(j, cfg->poll_interval);
	if (json_object_get(doc, "data_verified_at") != NULL) {
		j->data_verified_at = get_int(&r, doc, "data_verified_at");
		j->stale = !judgement_fresh(j->data_verified_at, j->judged_at, cfg->poll_interval);
		if (r.rc != CS_OK)
			goto out;
	}
	/* The indicator follows the statuses: a changed configuration is shown as it now is. */
	if (mapper_indicate(j->map) != CS_OK)
		goto nomem;
	*out = j;
	j = NULL;
	goto out;
nomem:
	r.rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "out of memory");
out:
	json_decref(doc);
	judgement_free(j);
	return r.rc;
}

const struct judgement_feed *
judgement_feed_find(const struct judgement *j, const char *slug)
{
	struct judgement_feed key;

	memset(&key, 0, sizeof(key));
	key.slug = (char *)slug;
	return j->nfeeds == 0 ? NULL :
	    bsearch(&key, j->feeds, j->nfeeds, sizeof(*j->feeds), cmp_feed);
}

const struct mapper_component *
judgement_component(const struct judgement *j, const char *id)
{
	for (size_t i = 0; i < j->map->ncomponents; i++) {
		if (strcmp(j->map->components[i].cfg->id, id) == 0)
			return &j->map->components[i];
	}
	return NULL;
}

/*
 * One component at a later view: the causes of feeds that went stale are
 * replaced by an "unknown" cause each, and any other feed of the component
 * that went stale adds one; the status is the worst of what is left
 * (status_component_worse: an outage still shown elsewhere wins over
 * unknown). A maintenance in the committed status stays unless the new
 * status is worse, as maintenance_overlay() would have put it.
 */
static cs_err
age_component(const struct judgement *j, const struct config *cfg, struct mapper_component *mc,
    const int *went_stale, const size_t *stale, size_t nstale)
{
	struct mapper_cause *nc;
	size_t n = 0, hits = 0;
	status_component s = STATUS_OPERATIONAL;

	for (size_t k = 0; k < nstale; k++)
		hits += mapper_uses_feed(cfg, mc->cfg, j->feeds[stale[k]].slug);
	if (hits == 0)
		return CS_OK;
	nc = calloc(mc->ncauses + hits, sizeof(*nc));
	if (nc == NULL)
		return CS_ERR_NOMEM;
	for (size_t k = 0; k < mc->ncauses; k++) {
		const struct judgement_feed *jf = judgement_feed_find(j, mc->causes[k].slug);

		if (jf != NULL && went_stale[jf - j->feeds]) {
			mapper_cause_clear(&mc->causes[k]);
			continue;
		}
		nc[n++] = mc->causes[k];
	}
	for (size_t k = 0; k < nstale; k++) {
		struct mapper_cause *c = &nc[n];
		const char *slug = j->feeds[stale[k]].slug;
		const char *dash;

		if (!mapper_uses_feed(cfg, mc->cfg, slug))
			continue;
		dash = strncmp(slug, "multipleservices-", 17) == 0 ? slug + 16 : NULL;
		for (size_t d = 0; dash == NULL && d < mc->cfg->ndeps; d++) {
			if (strcmp(mc->cfg->deps[d].slug, slug) == 0) {
				c->service = strdup(mc->cfg->deps[d].service);
				c->region = mc->cfg->deps[d].region ? strdup(mc->cfg->deps[d].region) : NULL;
			}
		}
		if (dash != NULL) {
			c->service = strdup("multipleservices");
			c->region = strdup(dash + 1);
		}
		c->slug = strdup(slug);
		c->title = strdup("");
		c->guid = strdup("");
		c->aws_state = STATUS_AWS_UNKNOWN;
		c->status = STATUS_UNKNOWN;
		n++;
		if (c->slug == NULL || c->service == NULL || c->title == NULL || c->guid == NULL)
			goto nomem;
	}
	for (size_t k = 0; k < n; k++) {
		if (status_component_worse(nc[k].status, s))
			s = nc[k].status;
	}
	mapper_sort_causes(nc, n);
	if (mc->status == STATUS_UNDER_MAINTENANCE && !status_component_worse(s, mc->status))
		s = STATUS_UNDER_MAINTENANCE;
	free(mc->causes);
	mc->causes = nc;
	mc->ncauses = n;
	mc->status = s;
	return CS_OK;
nomem:
	/* The old causes that were kept are still owned by mc; only the new ones go. */
	free(mc->causes);
	mc->causes = nc;
	mc->ncauses = n;
	return CS_ERR_NOMEM;
}

cs_err
judgement_age(struct judgement *j, const struct config *cfg, int64_t now)
{
	int *went_stale;
	size_t *stale, changed = 0;
	cs_err rc = CS_OK;

	if (now <= j->viewed_at)
		return CS_OK;
	j->viewed_at = now;
	went_stale = calloc(j->nfeeds + 1, sizeof(*went_stale));
	stale = calloc(j->nfeeds + 1, sizeof(*stale));
	if (went_stale == NULL || stale == NULL) {
		free(went_stale);
		free(stale);
		return CS_ERR_NOMEM;
	}
	for (size_t f = 0; f < j->nfeeds; f++) {
		if (j->feeds[f].readable &&
		    !judgement_fresh(j->feeds[f].last_success, now, cfg->poll_interval)) {
			j->feeds[f].readable = 0;
			went_stale[f] = 1;
			stale[changed++] = f;
		}
	}
	/* A feed past the limit no longer holds the verification time back (judgement.h). */
	if (changed > 0)
		j->data_verified_at = verified_at(j);
	j->stale = !judgement_fresh(j->data_verified_at, now, cfg->poll_interval);
	for (size_t i = 0; changed > 0 && rc == CS_OK && i < j->map->ncomponents; i++)
		rc = age_component(j, cfg, &j->map->components[i], went_stale, stale, changed);
	if (rc == CS_OK && changed > 0)
		rc = mapper_indicate(j->map);
	free(went_stale);
	free(stale);
	return rc;
}

void
judgement_free(struct judgement *j)
{
	if (j == NULL)
		return;
	for (size_t i = 0; i < j->nfeeds; i++) {
		free(j->feeds[i].slug);
		free(j->feeds[i].title);
		free(j->feeds[i].guid);
	}
	free(j->feeds);
	mapper_result_free(j->map);
	free(j);
}
