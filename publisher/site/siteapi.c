/* siteapi.c: Statuspage API v2 JSON files from the render model, built with jansson. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/ascii.h"
#include "base/cstime.h"
#include "base/jsonout.h"
#include "site/siteapi.h"

#define API_LIST_MAX 50               /* incidents.json and scheduled-maintenances.json */

static const char *const paths[SITEAPI_NFILES] = {
	"api/v2/summary.json",
	"api/v2/status.json",
	"api/v2/components.json",
	"api/v2/incidents.json",
	"api/v2/incidents/unresolved.json",
	"api/v2/scheduled-maintenances.json",
	"api/v2/scheduled-maintenances/upcoming.json",
	"api/v2/scheduled-maintenances/active.json",
};

const char *
siteapi_path(enum siteapi_file f)
{
	if ((unsigned)f >= SITEAPI_NFILES)
		return "api/v2/unknown.json";
	return paths[f];
}

/*
 * jansson returns NULL or -1 on allocation failure at every step; rather
 * than test each of some hundred calls, the builders below record the
 * first failure in ctx->failed and the caller checks it once at the end.
 */
struct ctx {
	const struct sitemodel *m;
	const char *render_id;
	int failed;
};

static void
set(struct ctx *c, json_t *obj, const char *key, json_t *v)
{
	if (obj == NULL || v == NULL || json_object_set_new(obj, key, v) != 0) {
		c->failed = 1;
		json_decref(v);
	}
}

static void
push(struct ctx *c, json_t *arr, json_t *v)
{
	if (arr == NULL || v == NULL || json_array_append_new(arr, v) != 0) {
		c->failed = 1;
		json_decref(v);
	}
}

static json_t *
str_or_null(const char *s)
{
	return s != NULL ? json_string(s) : json_null();
}

static json_t *
time_or_null(int64_t t)
{
	char buf[32];

	return t != 0 ? json_string(cstime_format_iso8601(t, buf, sizeof(buf))) : json_null();
}

/* Statuspage has no "unknown": an unreadable component reports degraded_performance, with data_status. */
static const char *
wire_status(status_component s)
{
	return s == STATUS_UNKNOWN ? "degraded_performance" : status_component_name(s);
}

static json_t *
page_obj(struct ctx *c)
{
	const struct sitemodel_page *p = &c->m->page;
	json_t *o = json_object();

	set(c, o, "id", json_string(p->id));
	set(c, o, "name", json_string(p->name));
	set(c, o, "url", json_string(p->url));
	set(c, o, "time_zone", json_string(p->time_zone));
	set(c, o, "updated_at", time_or_null(p->generated_at));
	set(c, o, "data_verified_at", time_or_null(p->last_successful_poll));
	set(c, o, "stale", json_boolean(p->stale));
	set(c, o, "stale_since", time_or_null(p->stale ? p->stale_since : 0));
	set(c, o, "render_id", json_string(c->render_id));
	return o;
}

static json_t *
status_obj(struct ctx *c)
{
	json_t *o = json_object();

	set(c, o, "indicator", json_string(status_indicator_name(c->m->page.indicator)));
	set(c, o, "description", json_string(sitemodel_description(c->m)));
	return o;
}

static json_t *
causes_arr(struct ctx *c, const struct sitemodel_cause *cs, size_t n)
{
	json_t *a = json_array();
	size_t i;

	for (i = 0; i < n; i++) {
		json_t *o = json_object();

		set(c, o, "slug", str_or_null(cs[i].slug));
		set(c, o, "service", str_or_null(cs[i].service));
		set(c, o, "region", str_or_null(cs[i].region));
		set(c, o, "aws_state", json_string(status_aws_name(cs[i].aws_state)));
		set(c, o, "title", str_or_null(cs[i].title));
		set(c, o, "guid", str_or_null(cs[i].guid));
		set(c, o, "published_at", time_or_null(cs[i].time));
		push(c, a, o);
	}
	return a;
}

/* Stable group id from its name: "group-" and the name folded to [a-z0-9-]. */
static void
group_id(const char *name, char *buf, size_t len)
{
	size_t o = 0, i;

	o = (size_t)snprintf(buf, len, "group-");
	for (i = 0; name[i] != '\0' && o + 1 < len; i++) {
		char ch = (char)ascii_tolower(name[i]);

		if (!(ascii_isalpha(ch) || ascii_isdigit(ch)))
			ch = '-';
		buf[o++] = ch;
	}
	buf[o] = '\0';
}

static json_t *
component_obj(struct ctx *c, const struct sitemodel_component *sc, size_t pos)
{
	const struct sitemodel *m = c->m;
	json_t *o = json_object();
	char gid[160];

	set(c, o, "id", json_string(sc->id));
	set(c, o, "name", json_string(sc->name));
	set(c, o, "status", json_string(wire_status(sc->status)));
	set(c, o, "created_at", time_or_null(sc->created_at));
	set(c, o, "updated_at", time_or_null(sc->updated_at));
	set(c, o, "position", json_integer((json_int_t)pos));
	set(c, o, "description", str_or_null(sc->description));
	set(c, o, "showcase", json_true());
	set(c, o, "start_date", json_null());
	if (sc->group != NULL && sc->group[0] != '\0') {
		group_id(sc->group, gid, sizeof(gid));
		set(c, o, "group_id", json_string(gid));
	} else {
		set(c, o, "group_id", json_null());
	}
	set(c, o, "page_id", json_string(m->page.id));
	set(c, o, "group", json_false());
	set(c, o, "only_show_if_degraded", json_boolean(sc->only_show_if_degraded));
	set(c, o, "data_status", json_string(sc->status == STATUS_UNKNOWN ? "unknown" : "ok"));
	set(c, o, "uptime_90d", json_real(sc->uptime));
	set(c, o, "causes", causes_arr(c, sc->causes, sc->ncauses));
	return o;
}

/* Components in Statuspage's shape: each group as a component with group:true. */
static json_t *
components_arr(struct ctx *c)
{
	const struct sitemodel *m = c->m;
	json_t *a = json_array();
	size_t i, j, pos = 1;

	for (i = 0; i < m->ncomponents; i++) {
		const char *g = m->components[i].group;
		status_component worst = STATUS_OPERATIONAL;
		int64_t created = 0, updated = 0;
		json_t *o, *ids;
		char gid[160];

		if (g == NULL || g[0] == '\0') {
			push(c, a, component_obj(c, &m->components[i], pos++));
			continue;
		}
		for (j = 0; j < i; j++)
			if (m->components[j].group != NULL && strcmp(m->components[j].group, g) == 0)
				break;
		if (j < i)
			continue;
		o = json_object();
		ids = json_array();
		group_id(g, gid, sizeof(gid));
		for (j = i; j < m->ncomponents; j++) {
			const struct sitemodel_component *sc = &m->components[j];

			if (sc->group == NULL || strcmp(sc->group, g) != 0)
				continue;
			push(c, ids, json_string(sc->id));
			if (status_component_worse(sc->status, worst))
				worst = sc->status;
			if (created == 0 || (sc->created_at != 0 && sc->created_at < created))
				created = sc->created_at;
			if (sc->updated_at > updated)
				updated = sc->updated_at;
		}
		set(c, o, "id", json_string(gid));
		set(c, o, "name", json_string(g));
		set(c, o, "status", json_string(wire_status(worst)));
		set(c, o, "created_at", time_or_null(created));
		set(c, o, "updated_at", time_or_null(updated));
		set(c, o, "position", json_integer((json_int_t)pos++));
		set(c, o, "description", json_null());
		set(c, o, "showcase", json_false());
		set(c, o, "start_date", json_null());
		set(c, o, "group_id", json_null());
		set(c, o, "page_id", json_string(m->page.id));
		set(c, o, "group", json_true());
		set(c, o, "only_show_if_degraded", json_false());
		set(c, o, "components", ids);
		push(c, a, o);
		for (j = i; j < m->ncomponents; j++)
			if (m->components[j].group != NULL && strcmp(m->components[j].group, g) == 0)
				push(c, a, component_obj(c, &m->components[j], pos++));
	}
	return a;
}

static json_t *
update_obj(struct ctx *c, const struct sitemodel_incident *in, const struct sitemodel_update *u)
{
	json_t *o = json_object(), *aff;
	size_t i;

	set(c, o, "id", json_string(u->id));
	set(c, o, "status", json_string(sitemodel_istatus_name(u->status)));
	set(c, o, "body", json_string(u->body != NULL ? u->body : ""));
	set(c, o, "incident_id", json_string(in->id));
	set(c, o, "created_at", time_or_null(u->created_at));
	set(c, o, "updated_at", time_or_null(u->created_at));
	set(c, o, "display_at", time_or_null(u->created_at));
	if (u->naffected == 0) {
		aff = json_null();
	} else {
		aff = json_array();
		for (i = 0; i < u->naffected; i++) {
			const struct sitemodel_component *sc = sitemodel_find_component(c->m,
			    u->affected[i].id);
			json_t *a = json_object();

			set(c, a, "code", json_string(u->affected[i].id));
			set(c, a, "name", json_string(sc != NULL ? sc->name : u->affected[i].id));
			set(c, a, "old_status", json_string(wire_status(u->affected[i].old_status)));
			set(c, a, "new_status", json_string(wire_status(u->affected[i].new_status)));
			push(c, aff, a);
		}
	}
	set(c, o, "affected_components", aff);
	set(c, o, "deliver_notifications", json_true());
	set(c, o, "custom_tweet", json_null());
	set(c, o, "tweet_id", json_null());
	return o;
}

static json_t *
incident_obj(struct ctx *c, const struct sitemodel_incident *in)
{
	const struct sitemodel *m = c->m;
	const struct sitemodel_update **ups = NULL;
	json_t *o = json_object(), *arr, *comps;
	char url[2048];
	size_t i, ulen = strlen(m->page.url);

	set(c, o, "id", json_string(in->id));
	set(c, o, "name", json_string(in->name));
	set(c, o, "status", json_string(sitemodel_istatus_name(in->status)));
	set(c, o, "created_at", time_or_null(in->created_at));
	set(c, o, "updated_at", time_or_null(sitemodel_incident_updated(in)));
	set(c, o, "monitoring_at", time_or_null(in->monitoring_at));
	set(c, o, "resolved_at", time_or_null(in->resolved_at));
	set(c, o, "impact", json_string(sitemodel_impact_name(in->impact)));
	snprintf(url, sizeof(url), "%.*s%sincidents/%s.html", (int)ulen, m->page.url,
	    ulen > 0 && m->page.url[ulen - 1] == '/' ? "" : "/", in->id);
	set(c, o, "shortlink", json_string(in->shortlink != NULL ? in->shortlink : url));
	set(c, o, "started_at", time_or_null(in->started_at != 0 ? in->started_at : in->created_at));
	set(c, o, "page_id", json_string(m->page.id));
	if (in->is_maintenance) {
		set(c, o, "scheduled_for", time_or_null(in->scheduled_for));
		set(c, o, "scheduled_until", time_or_null(in->scheduled_until));
	}
	arr = json_array();
	if (in->nupdates > 0) {
		ups = malloc(in->nupdates * sizeof(*ups));
		if (ups == NULL) {
			c->failed = 1;
		} else {
			for (i = 0; i < in->nupdates; i++)
				ups[i] = &in->updates[i];
			qsort(ups, in->nupdates, sizeof(*ups), sitemodel_update_cmp);
			for (i = 0; i < in->nupdates; i++)
				push(c, arr, update_obj(c, in, ups[i]));
		}
	}
	set(c, o, "incident_updates", arr);
	comps = json_array();
	for (i = 0; i < in->ncomponents; i++) {
		const struct sitemodel_component *sc = sitemodel_find_component(m, in->components[i]);

		if (sc != NULL)
			push(c, comps, component_obj(c, sc, (size_t)(sc - m->components) + 1));
	}
	set(c, o, "components", comps);
	set(c, o, "url", json_string(url));
	set(c, o, "priority", in->priority > 0 ? json_sprintf("P%d", in->priority) : json_null());
	set(c, o, "next_update_by", time_or_null(sitemodel_incident_active(in) ?
	    in->next_update_by : 0));
	set(c, o, "causes", causes_arr(c, in->causes, in->ncauses));
	if (in->rca != SITEMODEL_RCA_NONE) {
		json_t *r = json_object();

		set(c, r, "state", json_string(sitemodel_rca_name(in->rca)));
		set(c, r, "due_at", time_or_null(in->rca_due));
		/* A document attached is published on the incident page. */
		if (in->rca_url != NULL)
			set(c, r, "url", json_string(in->rca_url));
		else if (in->rca_document != NULL)
			set(c, r, "url", json_sprintf("%s#rca", url));
		else
			set(c, r, "url", json_null());
		set(c, o, "rca", r);
	} else {
		set(c, o, "rca", json_null());
	}
	free(ups);
	return o;
}

static int
cmp_incident_ptr(const void *a, const void *b)
{
	const struct sitemodel_incident *x = *(const struct sitemodel_incident *const *)a;
	const struct sitemodel_incident *y = *(const struct sitemodel_incident *const *)b;
	int64_t tx = x->is_maintenance ? x->scheduled_for : x->created_at;
	int64_t ty = y->is_maintenance ? y->scheduled_for : y->created_at;

	if (tx != ty)
		return tx > ty ? -1 : 1;
	return strcmp(y->id, x->id);
}

enum sel { SEL_ALL, SEL_UNRESOLVED, SEL_UPCOMING, SEL_ACTIVE, SEL_SUMMARY_MAINT };

static int
selected(const struct sitemodel_incident *in, enum sel s)
{
	switch (s) {
	case SEL_ALL:
		return 1;
	case SEL_UNRESOLVED:
		return sitemodel_incident_active(in);
	case SEL_UPCOMING:
		return in->status == SITEMODEL_SCHEDULED;
	case SEL_ACTIVE:
		return in->status == SITEMODEL_IN_PROGRESS || in->status == SITEMODEL_VERIFYING;
	case SEL_SUMMARY_MAINT:
		return in->status == SITEMODEL_SCHEDULED || in->status == SITEMODEL_IN_PROGRESS ||
		    in->status == SITEMODEL_VERIFYING;
	}
	return 0;
}

/* Newest first, the selected ones, at most max. */
static json_t *
incidents_arr(struct ctx *c, const struct sitemodel_incident *list, size_t n, enum sel s,
    size_t max)
{
	const struct sitemodel_incident **v = NULL;
	json_t *a = json_array();
	size_t i, k = 0;

	if (n == 0)
		goto out;
	v = malloc(n * sizeof(*v));
	if (v == NULL) {
		c->failed = 1;
		goto out;
	}
	for (i = 0; i < n; i++)
		if (selected(&list[i], s))
			v[k++] = &list[i];
	qsort(v, k, sizeof(*v), cmp_incident_ptr);
	for (i = 0; i < k && i < max; i++)
		push(c, a, incident_obj(c, v[i]));
out:
	free(v);
	return a;
}

cs_err
siteapi_build(const struct sitemodel *m, const char *render_id, enum siteapi_file f,
    char **out, size_t *len)
{
	struct ctx c = { m, render_id != NULL ? render_id : "", 0 };
	json_t *root = NULL;
	char *text = NULL, *nl = NULL;
	size_t n;
	cs_err rc = CS_OK;

	*out = NULL;
	*len = 0;
	if ((unsigned)f >= SITEAPI_NFILES) {
		rc = CS_ERR_INTERNAL;
		goto out;
	}
	root = json_object();
	set(&c, root, "page", page_obj(&c));
	switch (f) {
	case SITEAPI_SUMMARY:
		set(&c, root, "components", components_arr(&c));
		set(&c, root, "incidents", incidents_arr(&c, m->incidents, m->nincidents,
		    SEL_UNRESOLVED, SIZE_MAX));
		set(&c, root, "scheduled_maintenances", incidents_arr(&c, m->maintenances,
		    m->nmaintenances, SEL_SUMMARY_MAINT, SIZE_MAX));
		set(&c, root, "status", status_obj(&c));
		break;
	case SITEAPI_STATUS:
		set(&c, root, "status", status_obj(&c));
		break;
	case SITEAPI_COMPONENTS:
		set(&c, root, "components", components_arr(&c));
		break;
	case SITEAPI_INCIDENTS:
		set(&c, root, "incidents", incidents_arr(&c, m->incidents, m->nincidents,
		    SEL_ALL, API_LIST_MAX));
		break;
	case SITEAPI_UNRESOLVED:
		set(&c, root, "incidents", incidents_arr(&c, m->incidents, m->nincidents,
		    SEL_UNRESOLVED, SIZE_MAX));
		break;
	case SITEAPI_MAINTENANCES:
		set(&c, root, "scheduled_maintenances", incidents_arr(&c, m->maintenances,
		    m->nmaintenances, SEL_ALL, API_LIST_MAX));
		break;
	case SITEAPI_MAINT_UPCOMING:
		set(&c, root, "scheduled_maintenances", incidents_arr(&c, m->maintenances,
		    m->nmaintenances, SEL_UPCOMING, SIZE_MAX));
		break;
	case SITEAPI_MAINT_ACTIVE:
		set(&c, root, "scheduled_maintenances", incidents_arr(&c, m->maintenances,
		    m->nmaintenances, SEL_ACTIVE, SIZE_MAX));
		break;
	case SITEAPI_NFILES:
		break;
	}
	if (c.failed) {
		rc = CS_ERR_NOMEM;
		goto out;
	}
	text = jsonout_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(6));
	if (text == NULL) {
		rc = CS_ERR_NOMEM;
		goto out;
	}
	n = strlen(text);
	nl = realloc(text, n + 2);
	if (nl == NULL) {
		rc = CS_ERR_NOMEM;
		goto out;
	}
	text = nl;
	text[n] = '\n';
	text[n + 1] = '\0';
	*out = text;
	*len = n + 1;
	text = NULL;
out:
	free(text);
	json_decref(root);
	return rc;
}
