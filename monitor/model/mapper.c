/* mapper.c: maps each AWS feed's state onto the product's components, keeping the causes. */
#include "model/mapper.h"

#include <stdlib.h>
#include <string.h>

/*
 * How an AWS state becomes a component status
 * -------------------------------------------
 * Each dependency of a component names one feed (service-region or a
 * global service). The feed's state goes through the dependency's map:
 * by default normal -> operational, informational -> degraded_performance,
 * degraded -> partial_outage, disruption -> major_outage; a dependency may
 * override any of the last three in the configuration ("map").
 *
 * AWS announces events touching many services on the pseudo-feed
 * "multipleservices-<region>". Such an event hits every component with a
 * dependency in that region; it goes through the map of each of the
 * component's dependencies in the region and the worst result counts.
 *
 * A feed we could not read (or that the caller did not supply) makes the
 * dependency STATUS_UNKNOWN: we never claim operational for what we cannot
 * see, nor an outage AWS did not announce. The component then takes the
 * worst of its dependencies by status_component_worse(), so an outage seen
 * on another, readable feed still wins over unknown, and unknown wins over
 * operational and degraded_performance.
 *
 * A dependency is listed as a cause when it contributes something other
 * than operational. Causes are sorted worst first (by the status they give,
 * then the AWS state, then the newest time, then the slug).
 */

/* Looks a slug up in the caller's feeds (a sorted index of pointers). */
struct feed_index {
	const struct mapper_feed **v;
	size_t n;
};

static int
cmp_feedp(const void *a, const void *b)
{
	const struct mapper_feed *const *x = a, *const *y = b;

	return strcmp((*x)->slug, (*y)->slug);
}

static int
cmp_key_feedp(const void *key, const void *elem)
{
	const struct mapper_feed *const *y = elem;

	return strcmp((const char *)key, (*y)->slug);
}

static const struct mapper_feed *
index_find(const struct feed_index *ix, const char *slug)
{
	const struct mapper_feed *const *hit;

	if (ix->n == 0)
		return NULL;
	hit = bsearch(slug, ix->v, ix->n, sizeof(*ix->v), cmp_key_feedp);
	return hit == NULL ? NULL : *hit;
}

/* What one feed says, seen through one dependency's map. */
struct verdict {
	status_component status;
	status_aws aws;
	const struct classify_service *svc; /* NULL: no item (normal or unreadable) */
};

static struct verdict
judge(const struct mapper_feed *f, const status_component map[4])
{
	struct verdict v;

	v.svc = NULL;
	if (f == NULL || !f->readable) {
		v.status = STATUS_UNKNOWN;
		v.aws = STATUS_AWS_UNKNOWN;
		return v;
	}
	v.svc = f->svc;
	v.aws = f->svc == NULL ? STATUS_AWS_NORMAL : f->svc->state;
	if ((unsigned)v.aws > STATUS_AWS_DISRUPTION)
		v.aws = STATUS_AWS_DISRUPTION; /* the classifier promises never UNKNOWN */
	v.status = map[v.aws];
	return v;
}

static char *
dup_or_empty(const char *s)
{
	return strdup(s != NULL ? s : "");
}

/* Splits "service-region" for a cause; region NULL for a global slug. */
static int
fill_cause(struct mapper_cause *c, const char *slug, const char *service, const char *region,
    const struct verdict *v)
{
	c->slug = strdup(slug);
	c->service = strdup(service);
	c->region = region != NULL ? strdup(region) : NULL;
	c->aws_state = v->aws;
	c->title = dup_or_empty(v->svc != NULL ? v->svc->title : NULL);
	c->guid = dup_or_empty(v->svc != NULL ? v->svc->guid : NULL);
	c->time = v->svc != NULL ? v->svc->updated : 0;
	if (c->slug == NULL || c->service == NULL || (region != NULL && c->region == NULL) ||
	    c->title == NULL || c->guid == NULL)
		return -1;
	return 0;
}

static int
cmp_cause(const void *a, const void *b)
{
	const struct mapper_cause *x = a, *y = b;

	if (status_component_worse(x->status, y->status))
		return -1;
	if (status_component_worse(y->status, x->status))
		return 1;
	if (x->aws_state != y->aws_state)
		return x->aws_state > y->aws_state ? -1 : 1;
	if (x->time != y->time)
		return x->time > y->time ? -1 : 1;
	return strcmp(x->slug, y->slug);
}

void
mapper_sort_causes(struct mapper_cause *causes, size_t n)
{
	if (n > 1)
		qsort(causes, n, sizeof(*causes), cmp_cause);
}

void
mapper_cause_clear(struct mapper_cause *c)
{
	free(c->slug);
	free(c->service);
	free(c->region);
	free(c->title);
	free(c->guid);
	memset(c, 0, sizeof(*c));
}

/*
 * Maps one component. Causes go into a scratch array of at most
 * 2 * ndeps entries (each dependency, and each region's multipleservices).
 */
static cs_err
map_component(const struct config *cfg, const struct config_component *cc,
    const struct feed_index *ix, struct mapper_component *mc)
{
	struct mapper_cause *r = NULL;
	size_t nr = 0, i, j;
	cs_err rc = CS_OK;

	mc->cfg = cc;
	mc->status = STATUS_OPERATIONAL;
	r = calloc(cc->ndeps * 2 + 1, sizeof(*r));
	if (r == NULL) {
		rc = CS_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < cc->ndeps; i++) {
		const struct config_dep *d = &cc->deps[i];
		struct verdict v = judge(index_find(ix, d->slug), d->map);

		if (status_component_worse(v.status, mc->status))
			mc->status = v.status;
		if (v.status == STATUS_OPERATIONAL)
			continue;
		if (fill_cause(&r[nr], d->slug, d->service, d->region, &v) != 0) {
			mapper_cause_clear(&r[nr]);
			rc = CS_ERR_NOMEM;
			goto out;
		}
		r[nr++].status = v.status;
	}

	/* multipleservices-<region>, once per region, through the worst map there. */
	for (i = 0; i < cc->ndeps; i++) {
		const char *region = cc->deps[i].region;
		char slug[128];
		struct verdict best, v;
		const struct mapper_feed *f;
		int seen = 0;

		if (region == NULL || strcmp(cc->deps[i].service, "multipleservices") == 0)
			continue;
		for (j = 0; j < i; j++)
			if (cc->deps[j].region != NULL && strcmp(cc->deps[j].region, region) == 0)
				seen = 1;
		if (seen)
			continue;
		snprintf(slug, sizeof(slug), "multipleservices-%s", region);
		/*
		 * GovCloud has no multipleservices feed, so the configuration does
		 * not ask for one: its absence is no gap in monitoring and must not
		 * make the component unknown forever.
		 */
		if (config_feed_index(cfg, slug) < 0)
			continue;
		f = index_find(ix, slug);
		best = judge(f, cc->deps[i].map);
		for (j = i + 1; j < cc->ndeps; j++) {
			if (cc->deps[j].region == NULL || strcmp(cc->deps[j].region, region) != 0)
				continue;
			v = judge(f, cc->deps[j].map);
			if (status_component_worse(v.status, best.status))
				best = v;
		}
		if (status_component_worse(best.status, mc->status))
			mc->status = best.status;
		if (best.status == STATUS_OPERATIONAL)
			continue;
		if (fill_cause(&r[nr], slug, "multipleservices", region, &best) != 0) {
			mapper_cause_clear(&r[nr]);
			rc = CS_ERR_NOMEM;
			goto out;
		}
		r[nr++].status = best.status;
	}

	mapper_sort_causes(r, nr);
	if (nr > 0) {
		mc->causes = r;
		mc->ncauses = nr;
		r = NULL; /* moved */
		nr = 0;
	}
out:
	for (i = 0; i < nr; i++)
		mapper_cause_clear(&r[i]);
	free(r);
	return rc;
}

/*
 * The page indicator, as Statuspage computes it from component statuses:
 *   critical "Major System Outage"   if any component is major_outage;
 *   major    "Partial System Outage" else if any is partial_outage;
 *   minor    "Minor Service Outage"  else if any is degraded_performance
 *                                    or unknown (we cannot vouch for it);
 *   none     "All Systems Operational" otherwise. under_maintenance does
 *   not raise the indicator (maintenance is announced on its own).
 */
static status_indicator
indicator_of(const struct mapper_result *r)
{
	status_indicator ind = STATUS_IND_NONE;
	size_t i;

	for (i = 0; i < r->ncomponents; i++) {
		status_indicator c;

		switch (r->components[i].status) {
		case STATUS_MAJOR_OUTAGE: c = STATUS_IND_CRITICAL; break;
		case STATUS_PARTIAL_OUTAGE: c = STATUS_IND_MAJOR; break;
		case STATUS_DEGRADED_PERFORMANCE:
		case STATUS_UNKNOWN: c = STATUS_IND_MINOR; break;
		default: c = STATUS_IND_NONE; break;
		}
		if (c > ind)
			ind = c;
	}
	return ind;
}

static const char *
indicator_description(status_indicator ind)
{
	switch (ind) {
	case STATUS_IND_CRITICAL: return "Major System Outage";
	case STATUS_IND_MAJOR: return "Partial System Outage";
	case STATUS_IND_MINOR: return "Minor Service Outage";
	default: return "All Systems Operational";
	}
}

cs_err
mapper_indicate(struct mapper_result *r)
{
	char *d = strdup(indicator_description(indicator_of(r)));

	if (d == NULL)
		return CS_ERR_NOMEM;
	free(r->description);
	r->description = d;
	r->indicator = indicator_of(r);
	return CS_OK;
}

int
mapper_uses_feed(const struct config *cfg, const struct config_component *cc, const char *slug)
{
	static const char multi[] = "multipleservices-";

	for (size_t i = 0; i < cc->ndeps; i++) {
		if (strcmp(cc->deps[i].slug, slug) == 0)
			return 1;
	}
	if (strncmp(slug, multi, sizeof(multi) - 1) != 0)
		return 0;
	if (config_feed_index(cfg, slug) < 0)
		return 0;
	for (size_t i = 0; i < cc->ndeps; i++) {
		const char *region = cc->deps[i].region;

		if (region != NULL && strcmp(cc->deps[i].service, "multipleservices") != 0 &&
		    strcmp(slug + sizeof(multi) - 1, region) == 0)
			return 1;
	}
	return 0;
}

cs_err
mapper_run(const struct config *cfg, const struct mapper_feed *feeds, size_t nfeeds,
    struct mapper_result **out)
{
	struct mapper_result *r = NULL;
	struct feed_index ix = { NULL, 0 };
	cs_err rc = CS_OK;
	size_t i;

	*out = NULL;
	r = calloc(1, sizeof(*r));
	if (r == NULL) {
		rc = CS_ERR_NOMEM;
		goto out;
	}
	if (nfeeds > 0) {
		ix.v = calloc(nfeeds, sizeof(*ix.v));
		if (ix.v == NULL) {
			rc = CS_ERR_NOMEM;
			goto out;
		}
		for (i = 0; i < nfeeds; i++)
			if (feeds[i].slug != NULL)
				ix.v[ix.n++] = &feeds[i];
		qsort(ix.v, ix.n, sizeof(*ix.v), cmp_feedp);
	}
	if (cfg->ncomponents > 0) {
		r->components = calloc(cfg->ncomponents, sizeof(*r->components));
		if (r->components == NULL) {
			rc = CS_ERR_NOMEM;
			goto out;
		}
	}
	for (i = 0; i < cfg->ncomponents; i++) {
		r->ncomponents = i + 1;
		rc = map_component(cfg, &cfg->components[i], &ix, &r->components[i]);
		if (rc != CS_OK)
			goto out;
	}
	rc = mapper_indicate(r);
	if (rc != CS_OK)
		goto out;
	*out = r;
	r = NULL;
out:
	free(ix.v);
	mapper_result_free(r);
	return rc;
}

/* Prints s with tabs, newlines and backslashes escaped, so one cause stays one line. */
static void
put_field(FILE *fp, const char *s)
{
	for (; s != NULL && *s != '\0'; s++) {
		switch (*s) {
		case '\t': fputs("\\t", fp); break;
		case '\n': fputs("\\n", fp); break;
		case '\r': fputs("\\r", fp); break;
		case '\\': fputs("\\\\", fp); break;
		default: fputc(*s, fp); break;
		}
	}
}

/*
 * Format (tab-separated):
 *   indicator <TAB> NAME <TAB> DESCRIPTION
 *   component <TAB> ID <TAB> STATUS <TAB> NCAUSES
 *   <TAB> cause <TAB> SLUG <TAB> AWS_STATE <TAB> TIME <TAB> GUID <TAB> TITLE
 */
void
mapper_dump(const struct mapper_result *r, FILE *fp)
{
	size_t i, j;

	fprintf(fp, "indicator\t%s\t%s\n", status_indicator_name(r->indicator),
	    r->description != NULL ? r->description : "");
	for (i = 0; i < r->ncomponents; i++) {
		const struct mapper_component *c = &r->components[i];

		fprintf(fp, "component\t%s\t%s\t%zu\n", c->cfg->id, status_component_name(c->status),
		    c->ncauses);
		for (j = 0; j < c->ncauses; j++) {
			const struct mapper_cause *k = &c->causes[j];

			fprintf(fp, "\tcause\t%s\t%s\t%lld\t", k->slug, status_aws_name(k->aws_state),
			    (long long)k->time);
			put_field(fp, k->guid);
			fputc('\t', fp);
			put_field(fp, k->title);
			fputc('\n', fp);
		}
	}
}

void
mapper_result_free(struct mapper_result *r)
{
	size_t i, j;

	if (r == NULL)
		return;
	for (i = 0; i < r->ncomponents; i++) {
		for (j = 0; j < r->components[i].ncauses; j++)
			mapper_cause_clear(&r->components[i].causes[j]);
		free(r->components[i].causes);
	}
	free(r->components);
	free(r->description);
	free(r);
}
