/* incident_plan.c: building an incident plan (working incidents, their actions), dump, free. */
#include "support/incident.h"

#include <stdlib.h>
#include <string.h>

#include "base/cstime.h"
#include "support/incident_priv.h"

/* Longest incident title we build; the item title is cut at a character boundary. */
#define TITLE_MAX 512

static void
cause_clear(struct incident_action_cause *c)
{
	free(c->slug);
	free(c->guid);
	free(c->title);
	memset(c, 0, sizeof(*c));
}

static int
cause_copy(struct incident_action_cause *dst, const char *slug, status_aws state,
    const char *guid, const char *title, int64_t time, int open)
{
	memset(dst, 0, sizeof(*dst));
	dst->slug = strdup(slug);
	dst->guid = strdup(guid != NULL ? guid : "");
	dst->title = strdup(title != NULL ? title : "");
	dst->state = state;
	dst->time = time;
	dst->open = open;
	if (dst->slug == NULL || dst->guid == NULL || dst->title == NULL) {
		cause_clear(dst);
		return -1;
	}
	return 0;
}

static void
action_clear(struct incident_action *a)
{
	free(a->title);
	free(a->body);
	free(a->source_guid);
	for (size_t i = 0; i < a->ncauses; i++)
		cause_clear(&a->causes[i]);
	free(a->causes);
	free(a->components);
	memset(a, 0, sizeof(*a));
}

void
incident_plan_free(struct incident_plan *plan)
{
	if (plan == NULL)
		return;
	for (size_t i = 0; i < plan->nactions; i++)
		action_clear(&plan->actions[i]);
	free(plan->actions);
	free(plan);
}

/* Appends a zeroed action; NULL on no memory. */
static struct incident_action *
plan_push(struct incident_plan *plan)
{
	struct incident_action *n;

	n = realloc(plan->actions, (plan->nactions + 1) * sizeof(*n));
	if (n == NULL)
		return NULL;
	plan->actions = n;
	memset(&n[plan->nactions], 0, sizeof(*n));
	return &n[plan->nactions++];
}

/* The cause of w for feed slug, or NULL. */
struct incident_action_cause *
incident_work_cause(struct work *w, const char *slug)
{
	for (size_t i = 0; i < w->ncauses; i++)
		if (strcmp(w->causes[i].slug, slug) == 0)
			return &w->causes[i];
	return NULL;
}

/* Adds (or replaces) a cause in the work incident. */
int
incident_work_set_cause(struct work *w, const char *slug, status_aws state, const char *guid,
    const char *title, int64_t time, int open)
{
	struct incident_action_cause *c = incident_work_cause(w, slug), *n;

	if (c == NULL) {
		n = realloc(w->causes, (w->ncauses + 1) * sizeof(*n));
		if (n == NULL)
			return -1;
		w->causes = n;
		c = &n[w->ncauses++];
		memset(c, 0, sizeof(*c));
	} else {
		cause_clear(c);
	}
	return cause_copy(c, slug, state, guid, title, time, open);
}

/* Emits one action for work incident w and copies cause slug into it. */
struct incident_action *
incident_work_emit(struct incident_plan *plan, struct work *w, incident_action_kind kind,
    incident_status st, const char *body, const char *guid, int64_t time, const char *slug)
{
	struct incident_action *a = plan_push(plan);
	struct incident_action_cause *c;

	if (a == NULL)
		return NULL;
	if (!w->touched)
		w->first_action = (int)(plan->nactions - 1);
	w->touched = 1;
	a->kind = kind;
	a->incident_id = w->id;
	a->status = st;
	a->public = !w->not_affected;
	a->body = strdup(body != NULL ? body : "");
	a->source_guid = strdup(guid != NULL ? guid : "");
	a->source_time = time;
	if (a->body == NULL || a->source_guid == NULL)
		return NULL;
	w->status = st;
	if (slug == NULL)
		return a;
	c = incident_work_cause(w, slug);
	if (c == NULL)
		return a;
	a->causes = calloc(1, sizeof(*a->causes));
	if (a->causes == NULL ||
	    cause_copy(&a->causes[0], c->slug, c->state, c->guid, c->title, c->time, c->open) != 0)
		return NULL;
	a->ncauses = 1;
	return a;
}

/*
 * The incident's components now: every component hit by one of its open
 * causes with the mapper's status, and every component it listed before
 * that is no longer hit, as operational. Configuration order.
 */
static cs_err
work_components(const struct work *w, const struct mapper_result *map,
    struct incident_component **out, size_t *nout)
{
	struct incident_component *v = calloc(map->ncomponents ? map->ncomponents : 1, sizeof(*v));
	size_t n = 0;

	if (v == NULL)
		return CS_ERR_NOMEM;
	for (size_t i = 0; i < map->ncomponents; i++) {
		const struct mapper_component *mc = &map->components[i];
		int hit = 0, before = 0;

		for (size_t k = 0; k < mc->ncauses && !hit; k++) {
			const struct incident_action_cause *c = NULL;

			for (size_t j = 0; j < w->ncauses; j++)
				if (strcmp(w->causes[j].slug, mc->causes[k].slug) == 0)
					c = &w->causes[j];
			hit = c != NULL && c->open && mc->causes[k].aws_state != STATUS_AWS_NORMAL;
		}
		for (size_t j = 0; j < w->nprev && !before; j++)
			before = strcmp(w->prev[j].id, mc->cfg->id) == 0;
		if (!hit && !before)
			continue;
		v[n].id = mc->cfg->id;
		v[n].status = hit ? mc->status : STATUS_OPERATIONAL;
		n++;
	}
	*out = v;
	*nout = n;
	return CS_OK;
}

/* Builds the title of a new incident: "<first component> [and N more]: <item title>". */
static char *
make_title(const struct incident_component *comps, size_t n, const struct config *cfg,
    const char *item_title)
{
	char more[48] = "";
	const char *name = "AWS";
	char *t = malloc(TITLE_MAX);
	size_t len;

	if (t == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const struct config_component *cc = config_find_component(cfg, comps[i].id);

		if (cc != NULL && comps[i].status != STATUS_OPERATIONAL) {
			name = cc->name;
			break;
		}
	}
	if (n > 1)
		snprintf(more, sizeof(more), " and %zu more", n - 1);
	len = (size_t)snprintf(t, TITLE_MAX, "%s%s: %s", name, more, item_title);
	if (len >= TITLE_MAX) {
		/* Cut at a UTF-8 character boundary. */
		len = TITLE_MAX - 1;
		while (len > 0 && ((unsigned char)t[len] & 0xc0) == 0x80)
			len--;
		t[len] = '\0';
	}
	return t;
}

/* Fills in components and priority of every action of w (they share the state after the plan). */
cs_err
incident_work_finish(struct incident_plan *plan, struct work *w, const struct mapper_result *map,
    const struct config *cfg)
{
	struct incident_component *comps = NULL;
	size_t n = 0;
	unsigned share = 0;
	status_component worst = STATUS_OPERATIONAL;
	priority p;
	cs_err rc;

	if (!w->touched)
		return CS_OK;
	rc = work_components(w, map, &comps, &n);
	if (rc != CS_OK)
		return rc;
	p = incident_suggest(cfg, comps, n, &share, &worst);
	w->suggested = incident_priority_max(w->suggested, p);
	for (size_t i = (size_t)w->first_action; i < plan->nactions; i++) {
		struct incident_action *a = &plan->actions[i];

		/* Only one incident (the one this plan opens) has id 0. */
		if (a->incident_id != w->id || a->components != NULL)
			continue;
		a->components = malloc((n ? n : 1) * sizeof(*a->components));
		if (a->components == NULL) {
			free(comps);
			return CS_ERR_NOMEM;
		}
		if (n > 0)
			memcpy(a->components, comps, n * sizeof(*comps));
		a->ncomponents = n;
		a->share_bp = share;
		a->worst = worst;
		a->suggested = w->suggested;
		if (a->kind == INCIDENT_ACT_OPEN && a->title == NULL) {
			a->title = make_title(comps, n, cfg, a->body);
			if (a->title == NULL) {
				free(comps);
				return CS_ERR_NOMEM;
			}
		}
	}
	free(comps);
	return CS_OK;
}

/* Frees the work array. */
void
incident_works_free(struct work *w, size_t n)
{
	for (size_t i = 0; w != NULL && i < n; i++) {
		for (size_t k = 0; k < w[i].ncauses; k++)
			cause_clear(&w[i].causes[k]);
		free(w[i].causes);
	}
	free(w);
}

void
incident_plan_dump(const struct incident_plan *plan, FILE *fp)
{
	static const char *const kinds[] = { "open", "update", "resolve", "reopen" };
	char when[32];

	for (size_t i = 0; i < plan->nactions; i++) {
		const struct incident_action *a = &plan->actions[i];

		fprintf(fp, "%s\tincident=%lld\tstatus=%s\tpublic=%d\tpriority=%s\tshare_bp=%u\t"
		    "worst=%s\tat=%s\tbody=%s\n", kinds[a->kind], (long long)a->incident_id,
		    incident_status_name(a->status), a->public, priority_name(a->suggested),
		    a->share_bp, status_component_name(a->worst),
		    cstime_format_iso8601(a->source_time, when, sizeof(when)), a->body);
		if (a->title != NULL)
			fprintf(fp, "  title\t%s\n", a->title);
		for (size_t k = 0; k < a->ncauses; k++)
			fprintf(fp, "  cause\t%s\t%s\topen=%d\t%s\n", a->causes[k].slug,
			    status_aws_name(a->causes[k].state), a->causes[k].open, a->causes[k].guid);
		for (size_t k = 0; k < a->ncomponents; k++)
			fprintf(fp, "  component\t%s\t%s\n", a->components[k].id,
			    status_component_name(a->components[k].status));
	}
}
