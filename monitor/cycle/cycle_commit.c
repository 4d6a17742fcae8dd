/* cycle_commit.c: writes one cycle's decision, with every outbox row it owes, in the caller's transaction. */
#include "cycle/decide.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/cstime.h"
#include "base/jsonout.h"
#include "base/schedule.h"
#include "cycle/incident_records.h"
#include "store/outbox.h"

/* Fetch state and the items of every document read. */
static cs_err
commit_fetch(struct store *st, const struct cycle_doc *docs, size_t ndocs,
    const struct cycle_decision *d, struct cycle_written *w, char *err, size_t errlen)
{
	cs_err rc;

	for (size_t i = 0; i < d->nfetch; i++) {
		rc = store_feed_put(st, &d->fetch[i], err, errlen);
		if (rc != CS_OK)
			return rc;
	}
	for (size_t i = 0; i < ndocs; i++) {
		const struct cycle_doc *doc = &docs[i];

		/* A currentevents document that did not parse is a failed fetch, without items. */
		for (size_t k = 0; doc->ok && k < doc->nitems; k++) {
			int change = STORE_ITEM_UNCHANGED;

			if (doc->items[k].guid[0] == '\0')
				continue;
			rc = store_item_upsert(st, &doc->items[k], d->now, &change, err, errlen);
			if (rc != CS_OK)
				return rc;
			if (change == STORE_ITEM_NEW)
				w->items_new++;
			else if (change == STORE_ITEM_REVISED)
				w->items_revised++;
		}
	}
	rc = CS_OK;
	if (d->open_events_json != NULL)
		rc = store_meta_set(st, CYCLE_META_OPEN_EVENTS, d->open_events_json, err, errlen);
	if (rc == CS_OK && d->ce_seen_json != NULL)
		rc = store_meta_set(st, CYCLE_META_CE_SEEN, d->ce_seen_json, err, errlen);
	if (rc == CS_OK && d->poll)
		rc = store_meta_set_int64(st, CYCLE_META_LAST_POLL, d->now, err, errlen);
	if (rc == CS_OK && d->poll_ok)
		rc = store_meta_set_int64(st, CYCLE_META_LAST_POLL_OK, d->now, err, errlen);
	return rc;
}

/* Store meta key: when the last render was owed (epoch), for the periodic one. */
#define META_RENDER_OWED "site_render_owed"

/* The verdicts, the component statuses, the judgement record and the render they owe. */
static cs_err
commit_judgement(const struct config *cfg, struct store *st, const struct cycle_decision *d,
    struct cycle_written *w, char *err, size_t errlen)
{
	const struct mapper_result *map = d->judgement->map;
	size_t n;
	const struct classify_service *s = classify_result(d->cls, &n);
	char subject[300], event[96], when[32];
	char *text = NULL;
	int64_t owed = 0;
	int found = 0, due;
	cs_err rc = CS_OK;

	for (size_t i = 0; rc == CS_OK && i < n; i++) {
		struct store_feed_state fs = { s[i].slug, s[i].state, s[i].updated, s[i].title,
			s[i].guid, s[i].event_start, d->now };

		rc = store_feed_state_put(st, &fs, err, errlen);
	}
	for (size_t i = 0; rc == CS_OK && i < map->ncomponents; i++)
		rc = store_component_set(st, map->components[i].cfg->id, map->components[i].status,
		    d->causes[i], d->now, NULL, err, errlen);
	cstime_format_iso8601(d->now, when, sizeof(when));
	for (size_t i = 0; rc == CS_OK && i < d->nchanges; i++) {
		const struct cycle_change *c = &d->changes[i];
		json_t *msg = json_pack("{s:s, s:s, s:s, s:s, s:s?, s:s, s:o}",
		    "type", "component", "id", c->cfg->id, "name", c->cfg->name,
		    "status", status_component_name(c->to),
		    "previous_status", c->had ? status_component_name(c->from) : NULL,
		    "at", when, "cause", json_loads(c->cause_json, 0, NULL));
		char *payload = msg ? jsonout_dumps(msg, JSON_COMPACT) : NULL;

		json_decref(msg);
		if (payload == NULL)
			return cs_seterr(err, errlen, CS_ERR_NOMEM, "out of memory");
		snprintf(subject, sizeof(subject), "component:%s", c->cfg->id);
		snprintf(event, sizeof(event), "%s@%" PRId64, status_component_name(c->to), d->now);
		rc = outbox_fanout(st, OUTBOX_MQTT, subject, event, payload, d->now, &w->outbox_added,
		    err, errlen);
		free(payload);
	}
	/*
	 * One render per cycle with changes: the site is a function of the
	 * committed state. And one at least every render_interval without any:
	 * the page's times ("updated N minutes ago", data_verified_at) move
	 * while polls succeed, and a page that stops being re-published tells
	 * its reader how old it is. "At least" is kept by rendering at the
	 * last cycle before the interval runs out: the one after which the
	 * next poll, jittered, could start too late; with a second more, as
	 * two cycles' times are whole seconds of the wall clock and a wake-up
	 * comes a little after its instant. A cycle at the instant of the
	 * last render (a replay's cycle run again after a kill) has no newer
	 * time to show. A clock set back (a replay) renders too.
	 */
	if (rc == CS_OK)
		rc = store_meta_get_int64(st, META_RENDER_OWED, &owed, &found, err, errlen);
	due = !found || d->now < owed || (d->now > owed &&
	    d->now - owed + schedule_max_gap_s(cfg->poll_interval) + 1 > cfg->render_interval);
	if (rc == CS_OK && (d->nchanges > 0 || due)) {
		snprintf(event, sizeof(event), "render@%" PRId64, d->now);
		rc = outbox_fanout(st, OUTBOX_SITE, "site", event, d->nchanges > 0 ?
		    "{\"reason\":\"component status changed\"}" : "{\"reason\":\"render_interval\"}",
		    d->now, &w->outbox_added, err, errlen);
		if (rc == CS_OK)
			rc = store_meta_set_int64(st, META_RENDER_OWED, d->now, err, errlen);
	}
	if (rc != CS_OK)
		return rc;
	text = judgement_to_json(d->judgement);
	if (text == NULL)
		return cs_seterr(err, errlen, CS_ERR_NOMEM, "out of memory");
	rc = store_meta_set(st, CYCLE_META_JUDGEMENT, text, err, errlen);
	free(text);
	return rc;
}

/* Records one decided incident action; *new_id carries the id of the incident the plan opened. */
static cs_err
commit_action(const struct config *cfg, struct store *st, const struct incident_action *a,
    int64_t *new_id, int64_t now, size_t *added, char *err, size_t errlen)
{
	static const char *const words[] = { "open", "update", "resolve", "reopen" };
	struct store_incident inc;
	struct store_incident_update u;
	char *comps = NULL;
	char detail[64];
	int64_t id = a->incident_id ? a->incident_id : *new_id;
	int n = 0;
	cs_err rc = CS_OK;

	memset(&inc, 0, sizeof(inc));
	comps = incident_records_components_json(cfg, a->components, a->ncomponents);
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
	for (size_t i = 0; rc == CS_OK && i < a->ncauses; i++) {
		const struct incident_action_cause *c = &a->causes[i];
		struct store_incident_cause sc = { c->slug, status_aws_name(c->state), c->guid, c->title,
			c->time, c->open, NULL, 0 };

		rc = store_incident_cause_set(st, id, &sc, err, errlen);
	}
	for (size_t i = 0; rc == CS_OK && i < a->ncomponents; i++)
		rc = store_incident_component_set(st, id, a->components[i].id,
		    status_component_name(a->components[i].status), err, errlen);
	if (rc != CS_OK)
		goto out;
	inc.prio_suggested = (int)a->suggested;
	if (!a->post) {
		/* The same AWS text seen on another feed: recorded, nothing posted. */
		rc = store_incident_put(st, &inc, err, errlen);
		if (rc == CS_OK)
			rc = store_incident_action(st, id, 0, now, INCIDENT_AUTHOR_SYSTEM, "mirror",
			    "same AWS update on another feed: no update posted",
			    a->source_guid[0] ? a->source_guid : NULL, err, errlen);
		goto out;
	}
	memset(&u, 0, sizeof(u));
	u.incident_id = id;
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
	if (a->public)
		inc.updated_at = now;
	rc = store_incident_put(st, &inc, err, errlen);
	if (rc != CS_OK)
		goto out;
	snprintf(detail, sizeof(detail), "update %d: %s", n, u.status);
	rc = store_incident_action(st, id, 0, now, INCIDENT_AUTHOR_SYSTEM, words[a->kind], detail,
	    a->source_guid[0] ? a->source_guid : NULL, err, errlen);
	if (rc == CS_OK && a->public)
		rc = incident_records_notify(st, &inc, n, u.status, u.body, comps, now, added, err,
		    errlen);
	goto out;
nomem:
	rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "out of memory");
out:
	store_incident_clear(&inc);
	free(comps);
	return rc;
}

/* A maintenance moved by the clock: its status, the audit log, and what it owes. */
static cs_err
commit_mstep(struct store *st, const struct cycle_mstep *ms, int64_t now, size_t *added,
    char *err, size_t errlen)
{
	const struct store_maintenance *m = &ms->m->m;
	json_t *msg = NULL;
	char *payload = NULL;
	char subject[64], when[32];
	cs_err rc;

	rc = store_maintenance_set_status(st, m->id, ms->to, err, errlen);
	if (rc == CS_OK)
		rc = store_incident_action(st, 0, m->id, now, INCIDENT_AUTHOR_SYSTEM,
		    "maintenance-status", ms->to, NULL, err, errlen);
	if (rc != CS_OK)
		return rc;
	cstime_format_iso8601(now, when, sizeof(when));
	msg = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:o}", "type", "maintenance",
	    "maintenance", (json_int_t)m->id, "status", ms->to, "previous_status", m->status,
	    "title", m->title, "at", when, "components", json_loads(m->components_json, 0, NULL));
	payload = msg ? jsonout_dumps(msg, JSON_COMPACT) : NULL;
	json_decref(msg);
	if (payload == NULL)
		return cs_seterr(err, errlen, CS_ERR_NOMEM, "out of memory");
	snprintf(subject, sizeof(subject), "maintenance:%" PRId64, m->id);
	rc = outbox_fanout(st, OUTBOX_ALL, subject, ms->to, payload, now, added, err, errlen);
	free(payload);
	return rc;
}

cs_err
cycle_commit(const struct config *cfg, struct store *st,
    const struct cycle_doc *docs, size_t ndocs, const struct cycle_decision *d,
    struct cycle_written *w, char *err, size_t errlen)
{
	int64_t new_id = 0;
	cs_err rc;

	memset(w, 0, sizeof(*w));
	rc = commit_fetch(st, docs, ndocs, d, w, err, errlen);
	if (rc == CS_OK)
		rc = commit_judgement(cfg, st, d, w, err, errlen);
	for (size_t i = 0; rc == CS_OK && d->plan != NULL && i < d->plan->nactions; i++)
		rc = commit_action(cfg, st, &d->plan->actions[i], &new_id, d->now, &w->outbox_added,
		    err, errlen);
	for (size_t i = 0; rc == CS_OK && i < d->nmsteps; i++)
		rc = commit_mstep(st, &d->msteps[i], d->now, &w->outbox_added, err, errlen);
	return rc;
}
