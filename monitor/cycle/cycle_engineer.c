/* cycle_engineer.c: an engineer's incident command as load, decide, commit in one transaction. */
#include "cycle/cycle.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/cstime.h"
#include "base/jsonout.h"
#include "cycle/cycle_priv.h"
#include "cycle/incident_records.h"
#include "store/outbox.h"
#include "model/maintenance.h"
#include "support/engineer.h"

/* Most components one incident lists. */
#define MAX_INCIDENT_COMPONENTS 1024

/* The incident a command changes, read inside the transaction. */
struct loaded {
	struct store_incident inc;
	struct incident_component *comps;  /* owned ids */
	size_t ncomps;
	size_t open_causes;
	int nomem;
};

static int
keep_component(const char *id, const char *status, void *ctx)
{
	struct loaded *l = ctx;
	struct incident_component *n;

	if (l->ncomps == MAX_INCIDENT_COMPONENTS)
		return l->nomem = 1;
	n = realloc(l->comps, (l->ncomps + 1) * sizeof(*n));
	if (n == NULL)
		return l->nomem = 1;
	l->comps = n;
	n[l->ncomps].id = strdup(id);
	if (n[l->ncomps].id == NULL)
		return l->nomem = 1;
	if (status_component_parse(status, &n[l->ncomps].status) != 0)
		n[l->ncomps].status = STATUS_UNKNOWN;
	l->ncomps++;
	return 0;
}

static int
count_open(const struct store_incident_cause *c, void *ctx)
{
	if (c->open)
		((struct loaded *)ctx)->open_causes++;
	return 0;
}

static void
loaded_clear(struct loaded *l)
{
	store_incident_clear(&l->inc);
	for (size_t i = 0; i < l->ncomps; i++)
		free((char *)(uintptr_t)l->comps[i].id);
	free(l->comps);
	memset(l, 0, sizeof(*l));
}

static cs_err
load(struct store *st, int64_t id, struct loaded *l, struct engineer_incident *ei,
    char *err, size_t errlen)
{
	cs_err rc = store_incident_get(st, id, &l->inc, err, errlen);

	if (rc == CS_ERR_NOTFOUND)
		return cs_seterr(err, errlen, CS_ERR_NOTFOUND, "unknown incident %" PRId64, id);
	if (rc == CS_OK)
		rc = store_incident_components(st, id, keep_component, l, err, errlen);
	if (rc == CS_OK)
		rc = store_incident_causes(st, id, count_open, l, err, errlen);
	if (l->nomem)
		return cs_seterr(err, errlen, CS_ERR_NOMEM, "out of memory");
	if (rc != CS_OK)
		return rc;
	memset(ei, 0, sizeof(*ei));
	ei->id = id;
	ei->aws = strcmp(l->inc.kind, "aws") == 0;
	if (incident_status_parse(l->inc.status, &ei->status) != 0)
		ei->status = INCIDENT_IDENTIFIED;
	ei->not_affected = l->inc.not_affected;
	ei->resolved_at = l->inc.resolved_at;
	ei->responded_at = l->inc.responded_at;
	ei->updated_at = l->inc.updated_at;
	ei->suggested = (priority)l->inc.prio_suggested;
	ei->override = (priority)l->inc.prio_override;
	ei->open_causes = l->open_causes;
	ei->components = l->comps;
	ei->ncomponents = l->ncomps;
	return CS_OK;
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? strdup(s) : NULL;
}

/* The update decided: its components, the row, and what it owes. Sets *n. */
static cs_err
commit_update(const struct config *cfg, struct store *st, struct store_incident *inc,
    const struct engineer_request *req, const struct engineer_decision *d, int64_t now, int *n,
    char *err, size_t errlen)
{
	struct store_incident_update u;
	char *json;
	cs_err rc = CS_OK;

	json = incident_records_components_json(cfg, d->components, d->ncomponents);
	if (json == NULL)
		return cs_seterr(err, errlen, CS_ERR_NOMEM, "out of memory");
	for (size_t i = 0; rc == CS_OK && i < d->ncomponents; i++)
		rc = store_incident_component_set(st, inc->id, d->components[i].id,
		    status_component_name(d->components[i].status), err, errlen);
	memset(&u, 0, sizeof(u));
	u.incident_id = inc->id;
	u.at = now;
	u.status = incident_status_name(d->update_status);
	u.body = d->body;
	u.author = req->author;
	u.public = d->public;
	u.components_json = json;
	if (rc == CS_OK)
		rc = store_incident_add_update(st, &u, n, err, errlen);
	if (rc == CS_OK && d->public)
		rc = incident_records_notify(st, inc, *n, u.status, d->body, json, now, NULL, err,
		    errlen);
	free(json);
	return rc;
}

/* The incident's row after the decision. */
static cs_err
commit_incident(struct store *st, struct store_incident *inc, const struct engineer_decision *d,
    int64_t now, char *err, size_t errlen)
{
	char *s = strdup(incident_status_name(d->status));

	if (s == NULL)
		return cs_seterr(err, errlen, CS_ERR_NOMEM, "out of memory");
	free(inc->status);
	inc->status = s;
	inc->resolved_at = d->resolved_at;
	inc->responded_at = d->responded_at;
	inc->updated_at = d->updated_at;
	inc->prio_suggested = (int)d->suggested;
	inc->prio_override = (int)d->override;
	if (d->not_affected && !inc->not_affected) {
		inc->not_affected = 1;
		free(inc->not_affected_reason);
		inc->not_affected_reason = dup_or_null(d->not_affected_reason);
		if (inc->not_affected_reason == NULL)
			return cs_seterr(err, errlen, CS_ERR_NOMEM, "out of memory");
		/* The ruling covers what AWS says now, no more (incident.c, "not affected"). */
		if (store_incident_rule_causes(st, inc->id, now, err, errlen) != CS_OK)
			return CS_ERR_DB;
	}
	if (d->set_rca) {
		char **ref = d->rca_final ? &inc->rca_final : &inc->rca_draft;

		free(*ref);
		*ref = strdup(d->rca_ref);
		if (*ref == NULL)
			return cs_seterr(err, errlen, CS_ERR_NOMEM, "out of memory");
		if (d->rca_final)
			inc->rca_final_at = now;
		else
			inc->rca_draft_at = now;
	}
	return store_incident_put(st, inc, err, errlen);
}

/* The audit log; the entry of the update names its number. */
static cs_err
commit_audit(struct store *st, const struct store_incident *inc,
    const struct engineer_request *req, const struct engineer_decision *d, int n, int opening,
    int64_t now, char *err, size_t errlen)
{
	char detail[64];
	cs_err rc = CS_OK;

	for (size_t i = 0; rc == CS_OK && i < d->naudit; i++) {
		const struct engineer_audit *a = &d->audit[i];

		/* At opening the entries before the update's are written first, as they happen. */
		if (opening >= 0 && (opening == 1) == (a->of_update != 0))
			continue;
		if (a->of_update)
			snprintf(detail, sizeof(detail), "update %d: %s", n,
			    incident_status_name(d->update_status));
		rc = store_incident_action(st, inc->id, 0, now, req->author, a->action,
		    a->of_update ? detail : a->detail, a->reason, err, errlen);
	}
	return rc;
}

cs_err
cycle_engineer(const struct config *cfg, struct store *st, int64_t id,
    const struct engineer_request *req, int64_t now, struct cycle_engineer_result *res,
    cycle_log_fn log, void *logctx, char *err, size_t errlen)
{
	struct loaded l;
	struct engineer_incident ei;
	struct engineer_decision d;
	struct cycle_report rep;
	int n = 0, rca_news = 0;
	cs_err rc;

	memset(&l, 0, sizeof(l));
	memset(&d, 0, sizeof(d));
	memset(res, 0, sizeof(*res));
	rc = engineer_check(cfg, req, err, errlen);
	if (rc != CS_OK)
		return rc;
	rc = store_begin(st, err, errlen);
	if (rc != CS_OK)
		return rc;
	if (req->kind != ENGINEER_OPEN)
		rc = load(st, id, &l, &ei, err, errlen);
	if (rc == CS_OK)
		rc = engineer_decide(cfg, req->kind == ENGINEER_OPEN ? NULL : &ei, req, now, &d, err,
		    errlen);
	if (rc == CS_OK && req->kind == ENGINEER_OPEN) {
		struct store_incident ni;

		memset(&ni, 0, sizeof(ni));
		ni.kind = (char *)"manual";
		ni.title = (char *)req->title;
		ni.status = (char *)incident_status_name(d.status);
		ni.opened_at = now;
		ni.prio_override = (int)d.override;
		rc = store_incident_create(st, &ni, &id, err, errlen);
		if (rc == CS_OK)
			rc = store_incident_get(st, id, &l.inc, err, errlen);
		if (rc == CS_OK)
			rc = commit_audit(st, &l.inc, req, &d, 0, 1, now, err, errlen);
	}
	/*
	 * Subscribers hear of the first draft and of the final analysis; a
	 * revised one, or a draft after the final, is published on the page
	 * only. Judged by the incident, not by the outbox's dedup key, which
	 * the hourly prune deletes after a week.
	 */
	if (rc == CS_OK && d.set_rca)
		rca_news = l.inc.rca_final == NULL && (d.rca_final || l.inc.rca_draft == NULL);
	if (rc == CS_OK && d.post)
		rc = commit_update(cfg, st, &l.inc, req, &d, now, &n, err, errlen);
	if (rc == CS_OK)
		rc = commit_incident(st, &l.inc, &d, now, err, errlen);
	if (rc == CS_OK && rca_news && !l.inc.not_affected)
		rc = incident_records_notify_rca(st, &l.inc, d.rca_final, now, err, errlen);
	if (rc == CS_OK)
		rc = commit_audit(st, &l.inc, req, &d, n, req->kind == ENGINEER_OPEN ? 0 : -1, now,
		    err, errlen);
	/* A ruling changes what the product's users are shown: the page, and the judgement. */
	if (rc == CS_OK && d.rejudge) {
		char subject[64];

		snprintf(subject, sizeof(subject), "incident:%" PRId64, id);
		rc = outbox_fanout(st, OUTBOX_SITE, subject, "not-affected",
		    "{\"reason\":\"incident withdrawn\"}", now, NULL, err, errlen);
		memset(&rep, 0, sizeof(rep));
		if (rc == CS_OK)
			rc = cycle_run_in_tx(cfg, st, now, NULL, 0, &rep, log, logctx, err, errlen);
	}
	if (rc == CS_OK)
		rc = store_commit(st, err, errlen);
	if (rc != CS_OK) {
		store_rollback(st);
	} else {
		res->id = id;
		res->update = n;
		res->status = d.status;
		res->suggested = d.suggested;
		res->override = d.override;
	}
	engineer_decision_clear(&d);
	loaded_clear(&l);
	return rc;
}

cs_err
cycle_schedule(const struct config *cfg, struct store *st,
    const struct cycle_maintenance_request *mr, int64_t now, int64_t *id, char *err,
    size_t errlen)
{
	struct store_maintenance m;
	json_t *arr = NULL, *msg = NULL;
	char *cjson = NULL, *payload = NULL;
	char subject[64], start[32], end[32];
	cs_err rc;

	*id = 0;
	rc = maintenance_check(mr->starts_at, mr->ends_at, mr->verify, now, err, errlen);
	for (size_t i = 0; rc == CS_OK && i < mr->ncomponents; i++) {
		if (config_find_component(cfg, mr->components[i]) == NULL)
			rc = cs_seterr(err, errlen, CS_ERR_USAGE, "unknown component \"%s\"",
			    mr->components[i]);
	}
	if (rc != CS_OK)
		return rc;
	arr = json_array();
	for (size_t i = 0; arr != NULL && i < mr->ncomponents; i++)
		json_array_append_new(arr, json_string(mr->components[i]));
	cjson = arr ? jsonout_dumps(arr, JSON_COMPACT) : NULL;
	if (cjson == NULL) {
		rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "out of memory");
		goto out;
	}
	memset(&m, 0, sizeof(m));
	m.title = (char *)mr->title;
	m.body = (char *)mr->body;
	m.starts_at = mr->starts_at;
	m.ends_at = mr->ends_at;
	m.verify_until = mr->ends_at + mr->verify;
	m.status = (char *)maintenance_status_name(MAINTENANCE_SCHEDULED);
	m.components_json = cjson;
	m.created_at = now;
	m.author = (char *)mr->author;
	rc = store_begin(st, err, errlen);
	if (rc != CS_OK)
		goto out;
	rc = store_maintenance_create(st, &m, id, err, errlen);
	if (rc == CS_OK)
		rc = store_incident_action(st, 0, *id, now, mr->author, "schedule", mr->title, NULL,
		    err, errlen);
	if (rc == CS_OK) {
		msg = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:O}", "type", "maintenance",
		    "maintenance", (json_int_t)*id, "status", "scheduled", "title", mr->title,
		    "body", mr->body, "starts_at", cstime_format_iso8601(mr->starts_at, start,
		    sizeof(start)), "ends_at", cstime_format_iso8601(mr->ends_at, end, sizeof(end)),
		    "components", arr);
		payload = msg ? jsonout_dumps(msg, JSON_COMPACT) : NULL;
		if (payload == NULL)
			rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "out of memory");
	}
	snprintf(subject, sizeof(subject), "maintenance:%" PRId64, *id);
	if (rc == CS_OK)
		rc = outbox_fanout(st, OUTBOX_ALL, subject, "scheduled", payload, now, NULL, err,
		    errlen);
	if (rc == CS_OK)
		rc = store_commit(st, err, errlen);
	if (rc != CS_OK)
		store_rollback(st);
out:
	json_decref(arr);
	json_decref(msg);
	free(cjson);
	free(payload);
	return rc;
}
