/* incident_apply.c: runs the incident and maintenance decisions inside the poll cycle's transaction. */
#include "cycle/incident_apply.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/cstime.h"
#include "support/incident.h"
#include "model/maintenance.h"

/* Most incidents and maintenances loaded per cycle; more is a runaway, not an outage. */
#define MAX_LOADED 4096

/* One AWS incident loaded from the store, with owned copies of what its view borrows. */
struct loaded {
	struct store_incident inc;
	struct incident_cause *causes;
	size_t ncauses;
	struct incident_component *comps;
	size_t ncomps;
};

struct load_ctx {
	struct loaded *v;
	size_t n, cap;
	int nomem;
};

static int
load_incident(const struct store_incident *inc, void *vctx)
{
	struct load_ctx *cx = vctx;
	struct loaded *l;

	if (strcmp(inc->kind, "aws") != 0)
		return 0;
	if (cx->n == cx->cap) {
		size_t cap = cx->cap ? cx->cap * 2 : 8;
		struct loaded *nv;

		if (cap > MAX_LOADED)
			return cx->nomem = 1;
		nv = realloc(cx->v, cap * sizeof(*nv));
		if (nv == NULL)
			return cx->nomem = 1;
		cx->v = nv;
		cx->cap = cap;
	}
	l = &cx->v[cx->n++];
	memset(l, 0, sizeof(*l));
	l->inc = *inc;
	l->inc.kind = strdup(inc->kind);
	l->inc.title = strdup(inc->title);
	l->inc.status = strdup(inc->status);
	l->inc.not_affected_reason = inc->not_affected_reason ? strdup(inc->not_affected_reason) : NULL;
	l->inc.rca_draft = inc->rca_draft ? strdup(inc->rca_draft) : NULL;
	l->inc.rca_final = inc->rca_final ? strdup(inc->rca_final) : NULL;
	if (l->inc.kind == NULL || l->inc.title == NULL || l->inc.status == NULL)
		return cx->nomem = 1;
	return 0;
}

static int
load_cause(const struct store_incident_cause *c, void *vctx)
{
	struct loaded *l = vctx;
	struct incident_cause *n, *d;

	n = realloc(l->causes, (l->ncauses + 1) * sizeof(*n));
	if (n == NULL)
		return 1;
	l->causes = n;
	d = &n[l->ncauses];
	memset(d, 0, sizeof(*d));
	d->slug = strdup(c->slug);
	d->guid = strdup(c->guid);
	d->title = strdup(c->title);
	d->time = c->time;
	d->open = c->open;
	l->ncauses++;
	if (status_aws_parse(c->state, &d->state) != 0)
		d->state = STATUS_AWS_INFORMATIONAL;
	return d->slug == NULL || d->guid == NULL || d->title == NULL;
}

static int
load_component(const char *id, const char *status, void *vctx)
{
	struct loaded *l = vctx;
	struct incident_component *n, *d;

	n = realloc(l->comps, (l->ncomps + 1) * sizeof(*n));
	if (n == NULL)
		return 1;
	l->comps = n;
	d = &n[l->ncomps];
	d->id = strdup(id);
	l->ncomps++;
	if (status_component_parse(status, &d->status) != 0)
		d->status = STATUS_UNKNOWN;
	return d->id == NULL;
}

static void
loaded_free(struct loaded *v, size_t n)
{
	for (size_t i = 0; v != NULL && i < n; i++) {
		store_incident_clear(&v[i].inc);
		for (size_t k = 0; k < v[i].ncauses; k++) {
			free((char *)(uintptr_t)v[i].causes[k].slug);
			free((char *)(uintptr_t)v[i].causes[k].guid);
			free((char *)(uintptr_t)v[i].causes[k].title);
		}
		free(v[i].causes);
		for (size_t k = 0; k < v[i].ncomps; k++)
			free((char *)(uintptr_t)v[i].comps[k].id);
		free(v[i].comps);
	}
	free(v);
}

char *
incident_apply_components_json(const struct config *cfg, const char *const *ids,
    const status_component *statuses, size_t n)
{
	json_t *arr = json_array();
	char *s = NULL;

	if (arr == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const struct config_component *cc = config_find_component(cfg, ids[i]);
		json_t *o = json_pack("{s:s, s:s, s:s}", "id", ids[i], "name", cc ? cc->name : ids[i],
		    "status", status_component_name(statuses[i]));

		if (o == NULL || json_array_append_new(arr, o) != 0)
			goto out;
	}
	s = json_dumps(arr, JSON_COMPACT);
out:
	json_decref(arr);
	return s;
}

cs_err
incident_apply_notify(struct store *st, const struct store_incident *inc, int n,
    const char *status, const char *body, const char *components_json, int64_t now,
    size_t *added, char *err, size_t errlen)
{
	static const char *const channels[] = { "email", "mqtt", "site" };
	json_t *msg = NULL;
	char *payload = NULL;
	char key[128], when[32];
	cs_err rc = CS_OK;
	int was;

	cstime_format_iso8601(now, when, sizeof(when));
	msg = json_pack("{s:s, s:I, s:i, s:s, s:s, s:s, s:s, s:o}", "type", "incident_update",
	    "incident", (json_int_t)inc->id, "update", n, "status", status, "title", inc->title,
	    "body", body, "at", when, "components",
	    json_loads(components_json ? components_json : "[]", 0, NULL));
	payload = msg ? json_dumps(msg, JSON_COMPACT) : NULL;
	if (payload == NULL) {
		rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "out of memory");
		goto out;
	}
	for (size_t i = 0; i < sizeof(channels) / sizeof(channels[0]); i++) {
		snprintf(key, sizeof(key), "incident:%" PRId64 ":update:%d%s%s", inc->id, n,
		    i ? ":" : "", i ? channels[i] : "");
		rc = store_outbox_add(st, channels[i], key, payload, now, &was, err, errlen);
		if (rc != CS_OK)
			goto out;
		if (was && added != NULL)
			(*added)++;
	}
out:
	json_decref(msg);
	free(payload);
	return rc;
}

/* Records one decided action; *new_id carries the id of the incident the plan opened. */
static cs_err
apply_action(const struct config *cfg, struct store *st, const struct incident_action *a,
    int64_t *new_id, int64_t now, size_t *added, char *err, size_t errlen)
{
	static const char *const words[] = { "open", "update", "resolve", "reopen" };
	struct store_incident inc;
	struct store_incident_update u;
	const char **ids = NULL;
	status_component *sts = NULL;
	char *comps = NULL;
	char detail[64];
	int64_t id = a->incident_id ? a->incident_id : *new_id;
	int n = 0;
	cs_err rc = CS_OK;

	memset(&inc, 0, sizeof(inc));
	ids = calloc(a->ncomponents + 1, sizeof(*ids));
	sts = calloc(a->ncomponents + 1, sizeof(*sts));
	if (ids == NULL || sts == NULL)
		goto nomem;
	for (size_t i = 0; i < a->ncomponents; i++) {
		ids[i] = a->components[i].id;
		sts[i] = a->components[i].status;
	}
	comps = incident_apply_components_json(cfg, ids, sts, a->ncomponents);
	if (comps == NULL)
		goto nomem;
	if (a->kind == INCIDENT_ACT_OPEN && id == 0) {
		struct store_incident ni;

		memset(&ni, 0, sizeof(ni));
		ni.kind = (char *)"aws";
		ni.title = a->title;
		ni.status = (char *)incident_status_name(a->status);
		ni.opened_at = now;
		ni.prio_suggested = (int)a->suggested;
		rc = store_incident_create(st, &ni, &id, err, errlen);
		if (rc != CS_OK)
			goto out;
		*new_id = id;
	}
	rc = store_incident_get(st, id, &inc, err, errlen);
	if (rc != CS_OK)
		goto out;
	for (size_t i = 0; i < a->ncauses; i++) {
		const struct incident_action_cause *c = &a->causes[i];
		struct store_incident_cause sc = { c->slug, status_aws_name(c->state), c->guid, c->title,
			c->time, c->open };

		rc = store_incident_cause_set(st, id, &sc, err, errlen);
		if (rc != CS_OK)
			goto out;
	}
	for (size_t i = 0; i < a->ncomponents; i++) {
		rc = store_incident_component_set(st, id, ids[i], status_component_name(sts[i]),
		    err, errlen);
		if (rc != CS_OK)
			goto out;
	}
	u.incident_id = id;
	u.n = 0;
	u.at = now;
	u.status = incident_status_name(a->status);
	u.body = a->body;
	u.author = INCIDENT_AUTHOR_SYSTEM;
	u.source_guid = a->source_guid[0] ? a->source_guid : NULL;
	u.public = a->public;
	u.components_json = comps;
	rc = store_incident_add_update(st, &u, &n, err, errlen);
	if (rc != CS_OK)
		goto out;
	free(inc.status);
	inc.status = strdup(u.status);
	if (inc.status == NULL)
		goto nomem;
	if (a->kind == INCIDENT_ACT_RESOLVE)
		inc.resolved_at = now;
	else if (a->kind == INCIDENT_ACT_REOPEN)
		inc.resolved_at = 0;
	inc.prio_suggested = (int)a->suggested;
	if (a->public)
		inc.updated_at = now;
	rc = store_incident_put(st, &inc, err, errlen);
	if (rc != CS_OK)
		goto out;
	snprintf(detail, sizeof(detail), "update %d: %s", n, u.status);
	rc = store_incident_action(st, id, 0, now, INCIDENT_AUTHOR_SYSTEM, words[a->kind], detail,
	    a->source_guid[0] ? a->source_guid : NULL, err, errlen);
	if (rc == CS_OK && a->public)
		rc = incident_apply_notify(st, &inc, n, u.status, u.body, comps, now, added, err,
		    errlen);
	goto out;
nomem:
	rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "out of memory");
out:
	store_incident_clear(&inc);
	free(ids);
	free(sts);
	free(comps);
	return rc;
}

/* Maintenances loaded for the overlay and the status changes. */
struct mload {
	struct store_maintenance *m;
	struct maintenance_window *w;
	char ***ids;
	size_t n, cap;
	int nomem;
};

static int
load_maintenance(const struct store_maintenance *m, void *vctx)
{
	struct mload *cx = vctx;
	struct store_maintenance *d;
	json_t *arr;
	size_t k;

	if (cx->n == cx->cap) {
		size_t cap = cx->cap ? cx->cap * 2 : 8;
		void *a = realloc(cx->m, cap * sizeof(*cx->m));

		if (a == NULL || cap > MAX_LOADED)
			return cx->nomem = 1;
		cx->m = a;
		a = realloc(cx->w, cap * sizeof(*cx->w));
		if (a == NULL)
			return cx->nomem = 1;
		cx->w = a;
		a = realloc(cx->ids, cap * sizeof(*cx->ids));
		if (a == NULL)
			return cx->nomem = 1;
		cx->ids = a;
		cx->cap = cap;
	}
	d = &cx->m[cx->n];
	memset(d, 0, sizeof(*d));
	memset(&cx->w[cx->n], 0, sizeof(cx->w[0]));
	cx->ids[cx->n] = NULL;
	cx->n++;
	*d = *m;
	d->title = strdup(m->title);
	d->body = strdup(m->body);
	d->status = strdup(m->status);
	d->components_json = strdup(m->components_json);
	d->author = strdup(m->author);
	if (d->title == NULL || d->body == NULL || d->status == NULL ||
	    d->components_json == NULL || d->author == NULL)
		return cx->nomem = 1;
	arr = json_loads(m->components_json, 0, NULL);
	k = json_array_size(arr);
	cx->ids[cx->n - 1] = calloc(k + 1, sizeof(char *));
	if (cx->ids[cx->n - 1] == NULL) {
		json_decref(arr);
		return cx->nomem = 1;
	}
	for (size_t i = 0; i < k; i++) {
		const char *s = json_string_value(json_array_get(arr, i));

		cx->ids[cx->n - 1][i] = strdup(s ? s : "");
		if (cx->ids[cx->n - 1][i] == NULL) {
			json_decref(arr);
			return cx->nomem = 1;
		}
	}
	json_decref(arr);
	cx->w[cx->n - 1].id = m->id;
	cx->w[cx->n - 1].starts_at = m->starts_at;
	cx->w[cx->n - 1].ends_at = m->ends_at;
	cx->w[cx->n - 1].verify_until = m->verify_until;
	cx->w[cx->n - 1].components = (const char *const *)cx->ids[cx->n - 1];
	cx->w[cx->n - 1].ncomponents = k;
	return 0;
}

static void
mload_free(struct mload *cx)
{
	for (size_t i = 0; i < cx->n; i++) {
		store_maintenance_clear(&cx->m[i]);
		for (size_t k = 0; cx->ids[i] != NULL && cx->ids[i][k] != NULL; k++)
			free(cx->ids[i][k]);
		free(cx->ids[i]);
	}
	free(cx->m);
	free(cx->w);
	free(cx->ids);
	memset(cx, 0, sizeof(*cx));
}

/* Loads every maintenance not completed by `since`. */
static cs_err
mload_run(struct store *st, int64_t since, struct mload *cx, char *err, size_t errlen)
{
	cs_err rc;

	memset(cx, 0, sizeof(*cx));
	rc = store_maintenance_list(st, since, load_maintenance, cx, err, errlen);
	if (cx->nomem)
		rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "out of memory");
	return rc;
}

cs_err
incident_apply_maintenance_overlay(struct store *st, struct mapper_result *map, int64_t now,
    char *err, size_t errlen)
{
	struct mload cx;
	cs_err rc;

	rc = mload_run(st, now, &cx, err, errlen);
	if (rc == CS_OK)
		maintenance_overlay(map, cx.w, cx.n, now);
	mload_free(&cx);
	return rc;
}

/* Records the clock's status changes of the maintenances, each owing a notification. */
static cs_err
apply_maintenances(struct store *st, int64_t now, size_t *added, char *err, size_t errlen)
{
	static const char *const channels[] = { "email", "mqtt", "site" };
	struct mload cx;
	json_t *msg = NULL;
	char *payload = NULL;
	char key[128], when[32];
	cs_err rc;
	int was;

	/* Those completed since the last cycle too: go back one verification-free day. */
	rc = mload_run(st, now > 86400 ? now - 86400 : 1, &cx, err, errlen);
	if (rc != CS_OK)
		goto out;
	cstime_format_iso8601(now, when, sizeof(when));
	for (size_t i = 0; i < cx.n; i++) {
		const char *to = maintenance_status_name(maintenance_status_at(&cx.w[i], now));

		if (strcmp(to, cx.m[i].status) == 0)
			continue;
		rc = store_maintenance_set_status(st, cx.m[i].id, to, err, errlen);
		if (rc == CS_OK)
			rc = store_incident_action(st, 0, cx.m[i].id, now, INCIDENT_AUTHOR_SYSTEM,
			    "maintenance-status", to, NULL, err, errlen);
		if (rc != CS_OK)
			goto out;
		msg = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:o}", "type", "maintenance",
		    "maintenance", (json_int_t)cx.m[i].id, "status", to, "previous_status",
		    cx.m[i].status, "title", cx.m[i].title, "at", when, "components",
		    json_loads(cx.m[i].components_json, 0, NULL));
		payload = msg ? json_dumps(msg, JSON_COMPACT) : NULL;
		if (payload == NULL) {
			rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "out of memory");
			goto out;
		}
		for (size_t c = 0; c < sizeof(channels) / sizeof(channels[0]); c++) {
			snprintf(key, sizeof(key), "maintenance:%" PRId64 ":%s%s%s", cx.m[i].id, to,
			    c ? ":" : "", c ? channels[c] : "");
			rc = store_outbox_add(st, channels[c], key, payload, now, &was, err, errlen);
			if (rc != CS_OK)
				goto out;
			if (was && added != NULL)
				(*added)++;
		}
		json_decref(msg);
		msg = NULL;
		free(payload);
		payload = NULL;
	}
out:
	json_decref(msg);
	free(payload);
	mload_free(&cx);
	return rc;
}

cs_err
incident_apply(const struct config *cfg, struct store *st, const struct mapper_result *map,
    const struct mapper_feed *feeds, size_t nfeeds, int64_t now, int64_t flap_window,
    size_t *outbox_added, char *err, size_t errlen)
{
	struct load_ctx cx;
	struct incident_view *views = NULL;
	struct incident_plan *plan = NULL;
	int64_t since, new_id = 0;
	size_t added = 0;
	cs_err rc;

	memset(&cx, 0, sizeof(cx));
	since = now - (flap_window > 0 ? flap_window : 0);
	if (since < 1)
		since = 1;
	rc = store_incident_list(st, since, load_incident, &cx, err, errlen);
	if (cx.nomem)
		rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "out of memory");
	if (rc != CS_OK)
		goto out;
	views = calloc(cx.n + 1, sizeof(*views));
	if (views == NULL)
		goto nomem;
	for (size_t i = 0; i < cx.n; i++) {
		struct loaded *l = &cx.v[i];
		struct incident_view *v = &views[i];

		rc = store_incident_causes(st, l->inc.id, load_cause, l, err, errlen);
		if (rc == CS_OK)
			rc = store_incident_components(st, l->inc.id, load_component, l, err, errlen);
		if (rc != CS_OK)
			goto out;
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
	rc = incident_decide(cfg, views, cx.n, map, feeds, nfeeds, now, flap_window, &plan);
	if (rc != CS_OK) {
		cs_seterr(err, errlen, rc, "incident: %s", cs_strerror(rc));
		goto out;
	}
	for (size_t i = 0; i < plan->nactions; i++) {
		rc = apply_action(cfg, st, &plan->actions[i], &new_id, now, &added, err, errlen);
		if (rc != CS_OK)
			goto out;
	}
	rc = apply_maintenances(st, now, &added, err, errlen);
	goto out;
nomem:
	rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "out of memory");
out:
	if (outbox_added != NULL)
		*outbox_added += added;
	incident_plan_free(plan);
	free(views);
	loaded_free(cx.v, cx.n);
	return rc;
}

cs_err
incident_sla(const struct store_incident *inc, const struct bizclock *bc, int64_t now,
    struct sla_report *out, char *err, size_t errlen)
{
	struct sla_incident si;
	priority p = (priority)(inc->prio_override ? inc->prio_override : inc->prio_suggested);

	memset(out, 0, sizeof(*out));
	if (inc->not_affected || p == PRIORITY_NONE)
		return CS_OK;
	memset(&si, 0, sizeof(si));
	si.prio = p;
	si.opened_at = inc->opened_at;
	si.responded_at = inc->responded_at;
	si.updated_at = inc->updated_at;
	si.resolved_at = inc->resolved_at;
	si.rca_draft_at = inc->rca_draft_at;
	si.rca_final_at = inc->rca_final_at;
	return sla_compute(&si, bc, now, out, err, errlen);
}
