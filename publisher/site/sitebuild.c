/* sitebuild.c: fills the site's render model from the configuration, the judgement and the store. */
#include "site/sitebuild.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/ascii.h"
#include "cycle/incident_records.h"
#include "support/engineer.h"

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

/* The name people know an AWS feed's service by ("Amazon Connect"), else its slug part. */
static const char *
service_name(const struct catalogue *cat, const char *slug, const char *fallback)
{
	const struct catalogue_entry *e = cat != NULL ? catalogue_find(cat, slug) : NULL;

	return e != NULL && e->service_name[0] != '\0' ? e->service_name : fallback;
}

/* The AWS item behind a component status, as the model wants it. */
static void
cause_of(const struct catalogue *cat, const struct mapper_cause *c, struct sitemodel_cause *out)
{
	out->slug = c->slug;
	out->service = service_name(cat, c->slug, c->service);
	out->region = c->region;
	out->aws_state = c->aws_state;
	out->title = c->title;
	out->guid = c->guid;
	out->time = c->time;
}

static cs_err
add_components(const struct catalogue *cat, const struct judgement *j, struct store *st,
    struct sitemodel *m, char *err, size_t errlen)
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
			cause_of(cat, &mc->causes[k], &causes[k]);
		c.id = mc->cfg->id;
		c.name = mc->cfg->name;
		c.group = mc->cfg->group;
		c.description = mc->cfg->description;
		c.status = mc->status;
		c.causes = causes;
		c.ncauses = mc->ncauses;
		rc = store_component_get(st, mc->cfg->id, &sc, err, errlen);
		if (rc == CS_OK) {
			/* Statuspage's created_at: when the component was first stored, not
			 * its last change (that is updated_at); unknown (null) for one the
			 * store has not seen yet. */
			c.updated_at = sc.id != NULL ? sc.since : j->viewed_at;
			c.created_at = sc.id != NULL ? sc.first_seen : 0;
			rc = sitebuild_uptime(st, mc->cfg->id, j->viewed_at, c.day, &c.uptime, err, errlen);
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

/* The dependency that names feed slug, for its service and region; NULL if none. */
static const struct config_dep *
find_dep(const struct config *cfg, const char *slug)
{
	for (size_t c = 0; c < cfg->ncomponents; c++) {
		for (size_t d = 0; d < cfg->components[c].ndeps; d++) {
			if (strcmp(cfg->components[c].deps[d].slug, slug) == 0)
				return &cfg->components[c].deps[d];
		}
	}
	return NULL;
}

static cs_err
add_aws(const struct config *cfg, const struct catalogue *cat, const struct judgement *j,
    struct sitemodel *m, char *err, size_t errlen)
{
	for (size_t i = 0; i < j->nfeeds; i++) {
		const struct judgement_feed *f = &j->feeds[i];
		const struct config_dep *dep = find_dep(cfg, f->slug);
		struct sitemodel_aws a;
		cs_err rc;

		if (dep == NULL) /* multipleservices-<region>: shown through the components it hits */
			continue;
		memset(&a, 0, sizeof(a));
		a.slug = f->slug;
		a.service = service_name(cat, f->slug, dep->service);
		a.region = dep->region;
		a.state = !f->readable ? STATUS_AWS_UNKNOWN : f->has_items ? f->state : STATUS_AWS_NORMAL;
		if (f->has_items && f->state != STATUS_AWS_NORMAL)
			a.title = f->title;
		a.updated_at = f->has_items ? f->updated : 0;
		rc = sitemodel_add_aws(m, &a, err, errlen);
		if (rc != CS_OK)
			return rc;
	}
	return CS_OK;
}

/*
 * Incidents and maintenances. The store hands out strings that live only
 * during its callbacks; what one incident needs is copied into a scratch
 * arena, given to the model (which deep-copies it), then freed at once.
 */
struct scratch {
	void  **blocks;               /* every allocation, freed by scratch_free */
	size_t  nblocks, capblocks;
	int     failed;               /* an allocation failed */
};

static void *
scratch_keep(struct scratch *sc, void *p)
{
	if (p == NULL) {
		sc->failed = 1;
		return NULL;
	}
	if (sc->nblocks == sc->capblocks) {
		size_t cap = sc->capblocks ? sc->capblocks * 2 : 64;
		void **n = realloc(sc->blocks, cap * sizeof(*n));

		if (n == NULL) {
			free(p);
			sc->failed = 1;
			return NULL;
		}
		sc->blocks = n;
		sc->capblocks = cap;
	}
	sc->blocks[sc->nblocks++] = p;
	return p;
}

static char *
scratch_str(struct scratch *sc, const char *s)
{
	return s != NULL ? scratch_keep(sc, strdup(s)) : NULL;
}

static void
scratch_free(struct scratch *sc)
{
	for (size_t i = 0; i < sc->nblocks; i++)
		free(sc->blocks[i]);
	free(sc->blocks);
	memset(sc, 0, sizeof(*sc));
}

/* Grows *arr (element size sz) to hold one more; returns the new slot or NULL. */
static void *
grow(void **arr, size_t *n, size_t *cap, size_t sz)
{
	if (*n == *cap) {
		size_t c = *cap ? *cap * 2 : 8;
		void *p = realloc(*arr, c * sz);

		if (p == NULL)
			return NULL;
		*arr = p;
		*cap = c;
	}
	memset((char *)*arr + *n * sz, 0, sz);
	return (char *)*arr + (*n)++ * sz;
}

static enum sitemodel_istatus
istatus_of(const char *s)
{
	static const struct { const char *name; enum sitemodel_istatus v; } t[] = {
		{ "investigating", SITEMODEL_INVESTIGATING }, { "identified", SITEMODEL_IDENTIFIED },
		{ "monitoring", SITEMODEL_MONITORING }, { "resolved", SITEMODEL_RESOLVED },
		{ "postmortem", SITEMODEL_POSTMORTEM }, { "scheduled", SITEMODEL_SCHEDULED },
		{ "in_progress", SITEMODEL_IN_PROGRESS }, { "verifying", SITEMODEL_VERIFYING },
		{ "completed", SITEMODEL_COMPLETED },
	};

	for (size_t i = 0; s != NULL && i < sizeof(t) / sizeof(t[0]); i++) {
		if (strcmp(s, t[i].name) == 0)
			return t[i].v;
	}
	return SITEMODEL_INVESTIGATING;
}

/* Statuspage's impact from the worst component status of an incident. */
static enum sitemodel_impact
impact_of(status_component worst)
{
	switch (worst) {
	case STATUS_MAJOR_OUTAGE: return SITEMODEL_IMPACT_CRITICAL;
	case STATUS_PARTIAL_OUTAGE: return SITEMODEL_IMPACT_MAJOR;
	case STATUS_DEGRADED_PERFORMANCE: return SITEMODEL_IMPACT_MINOR;
	case STATUS_UNDER_MAINTENANCE: return SITEMODEL_IMPACT_MAINTENANCE;
	default: return SITEMODEL_IMPACT_NONE;
	}
}

/* One incident being gathered. */
struct inc_build {
	struct scratch            sc;
	const struct config      *cfg;
	const struct catalogue   *cat;
	struct sitemodel         *m;
	struct sitemodel_update  *updates;
	size_t                    nupdates, capupdates;
	const char              **comps;
	size_t                    ncomps, capcomps;
	struct sitemodel_cause   *causes;
	size_t                    ncauses, capcauses;
	status_component          worst;
	json_t                   *last;   /* component id -> status of the previous update */
};

static int
inc_update(const struct store_incident_update *u, void *ctx)
{
	struct inc_build *b = ctx;
	struct sitemodel_update *up;
	struct sitemodel_affected *aff = NULL;
	json_t *arr = NULL, *v;
	size_t k, n = 0;
	char id[32];

	if (!u->public)
		return 0;
	up = grow((void **)&b->updates, &b->nupdates, &b->capupdates, sizeof(*up));
	if (up == NULL)
		return 1;
	snprintf(id, sizeof(id), "%lld-%d", (long long)u->incident_id, u->n);
	up->id = scratch_str(&b->sc, id);
	up->status = istatus_of(u->status);
	up->body = scratch_str(&b->sc, u->body ? u->body : "");
	up->created_at = u->at;
	up->seq = u->n;
	arr = u->components_json ? json_loads(u->components_json, 0, NULL) : NULL;
	if (json_is_array(arr) && json_array_size(arr) > 0) {
		aff = scratch_keep(&b->sc, calloc(json_array_size(arr), sizeof(*aff)));
		json_array_foreach(arr, k, v) {
			const char *cid = json_string_value(json_object_get(v, "id"));
			const char *cst = json_string_value(json_object_get(v, "status"));
			const char *prev = json_string_value(json_object_get(b->last, cid ? cid : ""));
			status_component now_st, old_st = STATUS_OPERATIONAL;

			if (aff == NULL || cid == NULL || cst == NULL ||
			    sitemodel_find_component(b->m, cid) == NULL ||
			    status_component_parse(cst, &now_st) != 0)
				continue;
			if (prev != NULL)
				status_component_parse(prev, &old_st);
			aff[n].id = scratch_str(&b->sc, cid);
			aff[n].old_status = old_st;
			aff[n].new_status = now_st;
			n++;
			/* The impact is the worst the incident reached, not where it ended. */
			if (now_st != STATUS_UNKNOWN && status_component_worse(now_st, b->worst))
				b->worst = now_st;
			json_object_set_new(b->last, cid, json_string(cst));
		}
	}
	up->affected = aff;
	up->naffected = n;
	json_decref(arr);
	return b->sc.failed;
}

static int
inc_component(const char *component_id, const char *status, void *ctx)
{
	struct inc_build *b = ctx;
	const char **slot;
	status_component st;

	if (sitemodel_find_component(b->m, component_id) == NULL)
		return 0; /* a component since removed from the configuration */
	slot = grow((void **)&b->comps, &b->ncomps, &b->capcomps, sizeof(*slot));
	if (slot == NULL)
		return 1;
	*slot = scratch_str(&b->sc, component_id);
	if (status_component_parse(status, &st) == 0 && status_component_worse(st, b->worst) &&
	    st != STATUS_UNKNOWN)
		b->worst = st;
	return b->sc.failed;
}

static int
inc_cause(const struct store_incident_cause *c, void *ctx)
{
	struct inc_build *b = ctx;
	const struct config_dep *dep = find_dep(b->cfg, c->slug);
	struct sitemodel_cause *sc = grow((void **)&b->causes, &b->ncauses, &b->capcauses,
	    sizeof(*sc));

	if (sc == NULL)
		return 1;
	sc->slug = scratch_str(&b->sc, c->slug);
	sc->service = scratch_str(&b->sc, service_name(b->cat, c->slug, dep ? dep->service : c->slug));
	sc->region = dep ? scratch_str(&b->sc, dep->region) : NULL;
	if (status_aws_parse(c->state, &sc->aws_state) != 0)
		sc->aws_state = STATUS_AWS_INFORMATIONAL;
	sc->title = scratch_str(&b->sc, c->title ? c->title : "");
	sc->guid = scratch_str(&b->sc, c->guid ? c->guid : "");
	sc->time = c->time;
	return b->sc.failed;
}

static void
inc_build_clear(struct inc_build *b)
{
	scratch_free(&b->sc);
	free(b->updates);
	free(b->comps);
	free(b->causes);
	json_decref(b->last);
	b->updates = NULL;
	b->comps = NULL;
	b->causes = NULL;
	b->last = NULL;
	b->nupdates = b->capupdates = b->ncomps = b->capcomps = b->ncauses = b->capcauses = 0;
}

/* The SLA facts the page shows: next update promised, RCA state of a P1/P2. */
static void
sla_facts(const struct config *cfg, const struct store_incident *inc, int64_t now,
    struct sitemodel_incident *in)
{
	struct sla_report rep;
	const char *ref;
	char e[CS_ERRLEN];

	/* Inconsistent facts only cost the page its promises, never the render. */
	if (incident_records_sla(inc, &cfg->business, now, &rep, e, sizeof(e)) != CS_OK)
		return;
	for (size_t i = 0; i < rep.nclocks; i++) {
		const struct sla_clock *c = &rep.clocks[i];

		if (strcmp(c->name, "next_update") == 0 && inc->resolved_at == 0)
			in->next_update_by = c->deadline;
		if (strcmp(c->name, "rca_final") == 0) {
			in->rca_due = c->deadline;
			in->rca = c->met_at ? SITEMODEL_RCA_MET :
			    inc->rca_draft_at ? SITEMODEL_RCA_DRAFT : SITEMODEL_RCA_FINAL_DUE;
		}
	}
	/* The final analysis replaces the draft; a document is shown on the page. */
	ref = inc->rca_final != NULL ? inc->rca_final : inc->rca_draft;
	if (ref != NULL && engineer_rca_is_url(ref)) {
		in->rca_url = ref;
	} else if (ref != NULL) {
		in->rca_document = ref;
		in->rca_document_final = inc->rca_final != NULL;
	}
}

struct inc_walk {
	struct store       *st;
	const struct config *cfg;
	const struct catalogue *cat;
	struct sitemodel   *m;
	int64_t             now;
	int                 open_only;  /* the summary's: the unresolved incidents alone */
	cs_err              rc;
	char               *err;
	size_t              errlen;
};

static int
add_one_incident(const struct store_incident *inc, void *ctx)
{
	struct inc_walk *w = ctx;
	struct inc_build b;
	struct sitemodel_incident in;
	char id[32];
	int prio;

	if (inc->not_affected || inc->opened_at > w->now)
		return 0; /* CLICK ruled out: kept in the store, not on the page */
	if (w->open_only) {
		/* Judged as the summary judges it, before its updates are read. */
		const struct sitemodel_incident probe = { .status = istatus_of(inc->status) };

		if (!sitemodel_incident_active(&probe))
			return 0;
	}
	memset(&b, 0, sizeof(b));
	memset(&in, 0, sizeof(in));
	b.cfg = w->cfg;
	b.cat = w->cat;
	b.m = w->m;
	b.worst = STATUS_OPERATIONAL;
	b.last = json_object();
	if (b.last == NULL)
		goto nomem;
	w->rc = store_incident_components(w->st, inc->id, inc_component, &b, w->err, w->errlen);
	if (w->rc == CS_OK)
		w->rc = store_incident_updates(w->st, inc->id, inc_update, &b, w->err, w->errlen);
	if (w->rc == CS_OK)
		w->rc = store_incident_causes(w->st, inc->id, inc_cause, &b, w->err, w->errlen);
	if (b.sc.failed)
		goto nomem;
	if (w->rc != CS_OK)
		goto out;
	snprintf(id, sizeof(id), "%lld", (long long)inc->id);
	prio = inc->prio_override ? inc->prio_override : inc->prio_suggested;
	in.id = id;
	in.name = inc->title;
	in.status = istatus_of(inc->status);
	in.impact = impact_of(b.worst);
	in.priority = prio;
	in.created_at = inc->opened_at;
	in.started_at = inc->opened_at;
	in.updated_at = inc->updated_at ? inc->updated_at : inc->opened_at;
	in.resolved_at = inc->resolved_at;
	in.components = b.comps;
	in.ncomponents = b.ncomps;
	in.updates = b.updates;
	in.nupdates = b.nupdates;
	in.causes = b.causes;
	in.ncauses = b.ncauses;
	sla_facts(w->cfg, inc, w->now, &in);
	w->rc = sitemodel_add_incident(w->m, &in, w->err, w->errlen);
	goto out;
nomem:
	w->rc = cs_seterr(w->err, w->errlen, CS_ERR_NOMEM, "out of memory");
out:
	inc_build_clear(&b);
	return w->rc != CS_OK;
}

static int
add_one_maintenance(const struct store_maintenance *mt, void *ctx)
{
	struct inc_walk *w = ctx;
	struct sitemodel_incident in;
	struct sitemodel_update up[4];
	const char **comps = NULL;
	json_t *arr = NULL, *v;
	size_t k, n = 0, nup = 0;
	char id[32], uid[4][40];
	/*
	 * One update per status the clock has moved it to, as Statuspage posts
	 * them: a client reading the newest update sees the maintenance as it
	 * is (never "scheduled" for a completed one).
	 */
	const struct {
		int64_t at;
		int status;
		const char *body;
	} steps[4] = {
		{ mt->created_at, SITEMODEL_SCHEDULED, mt->body ? mt->body : "" },
		{ mt->starts_at, SITEMODEL_IN_PROGRESS, "The maintenance is in progress." },
		{ mt->ends_at, SITEMODEL_VERIFYING,
		  "The maintenance window has ended; we are verifying that everything works." },
		{ mt->verify_until, SITEMODEL_COMPLETED, "The maintenance has been completed." },
	};

	memset(&in, 0, sizeof(in));
	memset(up, 0, sizeof(up));
	arr = mt->components_json ? json_loads(mt->components_json, 0, NULL) : NULL;
	comps = calloc(json_array_size(arr) + 1, sizeof(*comps));
	if (comps == NULL) {
		w->rc = cs_seterr(w->err, w->errlen, CS_ERR_NOMEM, "out of memory");
		goto out;
	}
	json_array_foreach(arr, k, v) {
		const char *cid = json_string_value(v);

		if (cid != NULL && sitemodel_find_component(w->m, cid) != NULL)
			comps[n++] = cid;
	}
	snprintf(id, sizeof(id), "m%lld", (long long)mt->id);
	for (size_t i = 0; i < 4; i++) {
		/* Verifying only when the window has a verification time after it. */
		if ((i > 0 && w->now < steps[i].at) || (i == 2 && mt->verify_until <= mt->ends_at))
			continue;
		snprintf(uid[nup], sizeof(uid[nup]), "m%lld-%zu", (long long)mt->id, i + 1);
		up[nup].id = uid[nup];
		up[nup].status = steps[i].status;
		up[nup].body = steps[i].body;
		up[nup].created_at = steps[i].at;
		up[nup].seq = (int)i + 1;
		nup++;
	}
	in.id = id;
	in.name = mt->title;
	in.is_maintenance = 1;
	in.impact = SITEMODEL_IMPACT_MAINTENANCE;
	/* The status moves by the clock; the store has the last one recorded. */
	in.status = w->now < mt->starts_at ? SITEMODEL_SCHEDULED :
	    w->now < mt->ends_at ? SITEMODEL_IN_PROGRESS :
	    w->now < mt->verify_until ? SITEMODEL_VERIFYING : SITEMODEL_COMPLETED;
	in.created_at = mt->created_at;
	in.updated_at = up[nup - 1].created_at;
	in.scheduled_for = mt->starts_at;
	in.scheduled_until = mt->ends_at;
	in.started_at = mt->starts_at;
	if (in.status == SITEMODEL_COMPLETED)
		in.resolved_at = mt->verify_until;
	in.components = comps;
	in.ncomponents = n;
	in.updates = up;
	in.nupdates = nup;
	w->rc = sitemodel_add_incident(w->m, &in, w->err, w->errlen);
out:
	free(comps);
	json_decref(arr);
	return w->rc != CS_OK;
}

/* The incidents and maintenances; open_only: the unresolved incidents alone. */
static cs_err
add_incidents(const struct config *cfg, const struct catalogue *cat, struct store *st,
    struct sitemodel *m, int64_t now, int open_only, char *err, size_t errlen)
{
	struct inc_walk w = { st, cfg, cat, m, now, open_only, CS_OK, err, errlen };
	cs_err rc;

	rc = store_incident_list(st, 0, add_one_incident, &w, err, errlen);
	if (rc == CS_OK || w.rc != CS_OK)
		rc = w.rc != CS_OK ? w.rc : rc;
	if (rc != CS_OK)
		return rc;
	rc = store_maintenance_list(st, 0, add_one_maintenance, &w, err, errlen);
	if (w.rc != CS_OK)
		rc = w.rc;
	return rc;
}

cs_err
sitebuild_model(const struct config *cfg, const struct catalogue *cat,
    const struct judgement *j, struct store *st, enum sitebuild_scope scope,
    struct sitemodel **out, char *err, size_t errlen)
{
	struct sitemodel_page page;
	struct sitemodel *m = NULL;
	char id[65], subscribe[1024];
	size_t k = 0;
	cs_err rc;

	*out = NULL;
	/* The Statuspage page id: the product name, lower case, [a-z0-9-]. */
	for (const char *p = cfg->product; *p != '\0' && k + 1 < sizeof(id); p++) {
		unsigned char ch = (unsigned char)*p;

		if (ascii_isalpha(ch) || ascii_isdigit(ch))
			id[k++] = (char)ascii_tolower(ch);
		else if (k > 0 && id[k - 1] != '-')
			id[k++] = '-';
	}
	id[k] = '\0';
	memset(&page, 0, sizeof(page));
	page.id = k > 0 ? id : "status";
	page.name = cfg->product;
	page.company = cfg->company;
	page.url = cfg->site_url;
	/*
	 * The form posts to `clickstatus serve` (publisher/http), behind the
	 * site's proxy. On the site's own origin the action is a path, so the
	 * same page works wherever it is served (a local copy, a staging host).
	 */
	if (cfg->email.subscribe_url != NULL) {
		const char *u = cfg->email.subscribe_url;
		size_t n = strlen(cfg->site_url);

		while (n > 0 && cfg->site_url[n - 1] == '/')
			n--;
		if (strncmp(u, cfg->site_url, n) == 0 && u[n] == '/')
			u += n;
		if ((size_t)snprintf(subscribe, sizeof(subscribe), "%s/subscribe", u) <
		    sizeof(subscribe))
			page.subscribe_url = subscribe;
	}
	page.generated_at = j->viewed_at;
	page.indicator = j->map->indicator;
	page.description = j->map->description;
	rc = sitemodel_new(&page, &m, err, errlen);
	if (rc != CS_OK)
		goto out;
	sitemodel_set_freshness(m, j->viewed_at, j->data_verified_at, 0, cfg->poll_interval);
	rc = add_components(cat, j, st, m, err, errlen);
	if (rc == CS_OK)
		rc = add_aws(cfg, cat, j, m, err, errlen);
	if (rc == CS_OK)
		rc = add_incidents(cfg, cat, st, m, j->viewed_at, scope == SITEBUILD_SUMMARY, err,
		    errlen);
	if (rc != CS_OK)
		goto out;
	*out = m;
	m = NULL;
out:
	sitemodel_free(m);
	return rc;
}
