/* sitebuild.c: fills the site's render model from the configuration, the judgement and the store. */
#include "sitebuild.h"

#include <stdlib.h>
#include <string.h>

#define DAY 86400

/* Share of a period counted as down, per status (Statuspage's weights). */
static double
down_weight(status_component s)
{
	switch (s) {
	case STATUS_MAJOR_OUTAGE: return 1.0;
	case STATUS_PARTIAL_OUTAGE: return 0.3;
	default: return 0.0;
	}
}

struct uptime_walk {
	int64_t from, to;     /* the window */
	int    *day;
	double  measured;     /* seconds with a known status */
	double  down;         /* weighted seconds down */
};

static int
uptime_row(const struct store_history_row *r, void *ctx)
{
	struct uptime_walk *w = ctx;
	int64_t a = r->start > w->from ? r->start : w->from;
	int64_t b = (r->end == 0 || r->end > w->to) ? w->to : r->end;

	/* A period that began at `to` is the status shown now: its day counts it. */
	if (b < a || (b == a && r->end != 0))
		return 0;
	if (r->status != STATUS_UNKNOWN) {
		w->measured += (double)(b - a);
		w->down += (double)(b - a) * down_weight(r->status);
	}
	for (int64_t d = (a - w->from) / DAY; d < SITEMODEL_DAYS; d++) {
		int *cell = &w->day[d];

		if (d > (a - w->from) / DAY && w->from + d * DAY >= b)
			break;

		if (*cell == SITEMODEL_NODATA || status_component_worse(r->status, (status_component)*cell))
			*cell = (int)r->status;
	}
	return 0;
}

cs_err
sitebuild_uptime(struct store *st, const char *component_id, int64_t to,
    int day[SITEMODEL_DAYS], double *percent, char *err, size_t errlen)
{
	struct uptime_walk w;
	/* The last cell is the UTC day of `to`; the window ends with it. */
	int64_t day_end = (to / DAY + 1) * DAY;
	cs_err rc;

	for (int i = 0; i < SITEMODEL_DAYS; i++)
		day[i] = SITEMODEL_NODATA;
	w.from = day_end - (int64_t)SITEMODEL_DAYS * DAY;
	w.to = to;
	w.day = day;
	w.measured = w.down = 0;
	/* [from, to] inclusive: a period that began at `to` is today's status. */
	rc = store_component_history(st, component_id, w.from, w.to + 1, uptime_row, &w, err, errlen);
	if (rc != CS_OK)
		return rc;
	*percent = w.measured > 0 ? 100.0 * (w.measured - w.down) / w.measured : 100.0;
	return CS_OK;
}

/* The AWS item behind a component status, as the model wants it. */
static void
cause_of(const struct mapper_cause *c, struct sitemodel_cause *out)
{
	out->slug = c->slug;
	out->service = c->service;
	out->region = c->region;
	out->aws_state = c->aws_state;
	out->title = c->title;
	out->guid = c->guid;
	out->time = c->time;
}

static cs_err
add_components(const struct cycle_judgement *j, struct store *st, struct sitemodel *m,
    char *err, size_t errlen)
{
	struct sitemodel_cause *causes = NULL;
	cs_err rc = CS_OK;

	for (size_t i = 0; i < j->map->ncomponents; i++) {
		const struct mapper_component *mc = &j->map->components[i];
		struct sitemodel_component c;
		struct store_component sc;

		memset(&c, 0, sizeof(c));
		memset(&sc, 0, sizeof(sc));
		causes = calloc(mc->ncauses ? mc->ncauses : 1, sizeof(*causes));
		if (causes == NULL)
			return cs_seterr(err, errlen, CS_ERR_NOMEM, "out of memory");
		for (size_t k = 0; k < mc->ncauses; k++)
			cause_of(&mc->causes[k], &causes[k]);
		c.id = mc->cfg->id;
		c.name = mc->cfg->name;
		c.group = mc->cfg->group;
		c.description = mc->cfg->description;
		c.status = mc->status;
		c.causes = causes;
		c.ncauses = mc->ncauses;
		rc = store_component_get(st, mc->cfg->id, &sc, err, errlen);
		if (rc == CS_OK) {
			c.updated_at = sc.id != NULL ? sc.since : j->now;
			c.created_at = c.updated_at;
			rc = sitebuild_uptime(st, mc->cfg->id, j->now, c.day, &c.uptime, err, errlen);
		}
		if (rc == CS_OK)
			rc = sitemodel_add_component(m, &c, err, errlen);
		store_component_clear(&sc);
		free(causes);
		causes = NULL;
		if (rc != CS_OK)
			return rc;
	}
	return CS_OK;
}

static cs_err
add_aws(const struct config *cfg, const struct cycle_judgement *j, struct sitemodel *m,
    char *err, size_t errlen)
{
	for (size_t i = 0; i < j->nfeeds; i++) {
		const struct mapper_feed *f = &j->feeds[i];
		const struct config_dep *dep = NULL;
		struct sitemodel_aws a;
		cs_err rc;

		/* The dependency that names this feed, for its service and region. */
		for (size_t c = 0; dep == NULL && c < cfg->ncomponents; c++) {
			for (size_t d = 0; d < cfg->components[c].ndeps; d++) {
				if (strcmp(cfg->components[c].deps[d].slug, f->slug) == 0) {
					dep = &cfg->components[c].deps[d];
					break;
				}
			}
		}
		if (dep == NULL) /* multipleservices-<region>: shown through the components it hits */
			continue;
		memset(&a, 0, sizeof(a));
		a.slug = f->slug;
		a.service = dep->service;
		a.region = dep->region;
		a.state = !f->readable ? STATUS_AWS_UNKNOWN : f->svc ? f->svc->state : STATUS_AWS_NORMAL;
		if (f->svc != NULL && f->svc->state != STATUS_AWS_NORMAL)
			a.title = f->svc->title;
		a.updated_at = f->svc ? f->svc->updated : 0;
		rc = sitemodel_add_aws(m, &a, err, errlen);
		if (rc != CS_OK)
			return rc;
	}
	return CS_OK;
}

cs_err
sitebuild_model(const struct config *cfg, const struct cycle_judgement *j,
    struct store *st, struct sitemodel **out, char *err, size_t errlen)
{
	struct sitemodel_page page;
	struct sitemodel *m = NULL;
	char id[65];
	size_t k = 0;
	cs_err rc;

	*out = NULL;
	/* The Statuspage page id: the product name, lower case, [a-z0-9-]. */
	for (const char *p = cfg->product; *p != '\0' && k + 1 < sizeof(id); p++) {
		char ch = *p;

		if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'))
			id[k++] = ch;
		else if (ch >= 'A' && ch <= 'Z')
			id[k++] = (char)(ch - 'A' + 'a');
		else if (k > 0 && id[k - 1] != '-')
			id[k++] = '-';
	}
	id[k] = '\0';
	memset(&page, 0, sizeof(page));
	page.id = k > 0 ? id : "status";
	page.name = cfg->product;
	page.company = cfg->company;
	page.url = cfg->site_url;
	page.generated_at = j->now;
	page.indicator = j->map->indicator;
	page.description = j->map->description;
	rc = sitemodel_new(&page, &m, err, errlen);
	if (rc != CS_OK)
		goto out;
	sitemodel_set_freshness(m, j->now, j->last_poll_ok, 0, cfg->poll_interval);
	rc = add_components(j, st, m, err, errlen);
	if (rc == CS_OK)
		rc = add_aws(cfg, j, m, err, errlen);
	if (rc != CS_OK)
		goto out;
	*out = m;
	m = NULL;
out:
	sitemodel_free(m);
	return rc;
}
