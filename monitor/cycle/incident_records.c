/* incident_records.c: what the stored incidents owe and mean: their components, notifications, SLA clocks. */
#include "cycle/incident_records.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/cstime.h"
#include "base/jsonout.h"
#include "store/outbox.h"

char *
incident_records_components_json(const struct config *cfg,
    const struct incident_component *comps, size_t n)
{
	json_t *arr = json_array();
	char *s = NULL;

	if (arr == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		const struct config_component *cc = config_find_component(cfg, comps[i].id);
		json_t *o = json_pack("{s:s, s:s, s:s}", "id", comps[i].id, "name", cc ? cc->name : comps[i].id,
		    "status", status_component_name(comps[i].status));

		if (o == NULL || json_array_append_new(arr, o) != 0)
			goto out;
	}
	s = jsonout_dumps(arr, JSON_COMPACT);
out:
	json_decref(arr);
	return s;
}

cs_err
incident_records_notify(struct store *st, const struct store_incident *inc, int n,
    const char *status, const char *body, const char *components_json, int64_t now,
    size_t *added, char *err, size_t errlen)
{
	json_t *msg = NULL;
	char *payload = NULL;
	char subject[64], event[32], when[32];
	cs_err rc;

	cstime_format_iso8601(now, when, sizeof(when));
	msg = json_pack("{s:s, s:I, s:i, s:s, s:s, s:s, s:s, s:o}", "type", "incident_update",
	    "incident", (json_int_t)inc->id, "update", n, "status", status, "title", inc->title,
	    "body", body, "at", when, "components",
	    json_loads(components_json ? components_json : "[]", 0, NULL));
	payload = msg ? jsonout_dumps(msg, JSON_COMPACT) : NULL;
	if (payload == NULL) {
		rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "out of memory");
		goto out;
	}
	snprintf(subject, sizeof(subject), "incident:%" PRId64, inc->id);
	snprintf(event, sizeof(event), "update:%d", n);
	rc = outbox_fanout(st, OUTBOX_ALL, subject, event, payload, now, added, err, errlen);
out:
	json_decref(msg);
	free(payload);
	return rc;
}

cs_err
incident_records_notify_rca(struct store *st, const struct store_incident *inc, int final,
    int64_t now, char *err, size_t errlen)
{
	json_t *msg = NULL;
	char *payload = NULL;
	char subject[64], when[32];
	cs_err rc;

	cstime_format_iso8601(now, when, sizeof(when));
	msg = json_pack("{s:s, s:I, s:b, s:s, s:s}", "type", "rca", "incident", (json_int_t)inc->id,
	    "final", final, "title", inc->title, "at", when);
	payload = msg ? jsonout_dumps(msg, JSON_COMPACT) : NULL;
	json_decref(msg);
	if (payload == NULL)
		return cs_seterr(err, errlen, CS_ERR_NOMEM, "out of memory");
	snprintf(subject, sizeof(subject), "incident:%" PRId64, inc->id);
	rc = outbox_fanout(st, OUTBOX_EMAIL | OUTBOX_MQTT, subject, final ? "rca-final" : "rca-draft",
	    payload, now, NULL, err, errlen);
	free(payload);
	return rc;
}

cs_err
incident_records_sla(const struct store_incident *inc, const struct bizclock *bc, int64_t now,
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

/* Most clocks listed: 4 per incident of 16,384 incidents. */
#define MAX_CLOCKS 65536

struct clocks {
	struct incident_clock *v;
	size_t n, cap;
	const struct bizclock *bc;
	int64_t now;
	int all;
	cs_err rc;
	char err[CS_ERRLEN];
};

static int
clocks_collect(const struct store_incident *inc, void *vctx)
{
	struct clocks *cx = vctx;
	struct sla_report rep;

	cx->rc = incident_records_sla(inc, cx->bc, cx->now, &rep, cx->err, sizeof(cx->err));
	if (cx->rc != CS_OK)
		return 1;
	for (size_t i = 0; i < rep.nclocks; i++) {
		struct incident_clock *r;

		if (!cx->all && rep.clocks[i].state != SLA_DUE && rep.clocks[i].state != SLA_OVERDUE)
			continue;
		if (cx->n == cx->cap) {
			size_t cap = cx->cap ? cx->cap * 2 : 16;
			struct incident_clock *nv;

			if (cap > MAX_CLOCKS) {
				cx->rc = cs_seterr(cx->err, sizeof(cx->err), CS_ERR_TOOBIG,
				    "more than %d support clocks", MAX_CLOCKS);
				return 1;
			}
			nv = realloc(cx->v, cap * sizeof(*nv));
			if (nv == NULL)
				goto nomem;
			cx->v = nv;
			cx->cap = cap;
		}
		r = &cx->v[cx->n];
		r->title = strdup(inc->title != NULL ? inc->title : "");
		if (r->title == NULL)
			goto nomem;
		r->id = inc->id;
		r->prio = rep.prio;
		r->clock = rep.clocks[i];
		cx->n++;
	}
	return 0;
nomem:
	cx->rc = cs_seterr(cx->err, sizeof(cx->err), CS_ERR_NOMEM, "out of memory");
	return 1;
}

static int
clock_cmp(const void *a, const void *b)
{
	const struct incident_clock *x = a, *y = b;

	if (x->clock.deadline != y->clock.deadline)
		return x->clock.deadline < y->clock.deadline ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

cs_err
incident_records_clocks(struct store *st, const struct bizclock *bc, int64_t now, int all,
    struct incident_clock **out, size_t *n, char *err, size_t errlen)
{
	struct clocks cx;
	cs_err rc;

	memset(&cx, 0, sizeof(cx));
	cx.bc = bc;
	cx.now = now;
	cx.all = all;
	*out = NULL;
	*n = 0;
	rc = store_incident_list(st, 0, clocks_collect, &cx, err, errlen);
	if (cx.rc != CS_OK)
		rc = cs_seterr(err, errlen, cx.rc, "%s", cx.err);
	if (rc != CS_OK) {
		incident_records_clocks_free(cx.v, cx.n);
		return rc;
	}
	if (cx.n > 1)
		qsort(cx.v, cx.n, sizeof(*cx.v), clock_cmp);
	*out = cx.v;
	*n = cx.n;
	return CS_OK;
}

void
incident_records_clocks_free(struct incident_clock *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(c[i].title);
	free(c);
}
