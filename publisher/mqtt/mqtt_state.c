/* mqtt_state.c: the retained topics, the monitor and event payloads (mqtt_state.h), with jansson. */
#include "mqtt/mqtt_state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "aws/reconcile.h"
#include "base/cstime.h"
#include "base/jsonout.h"
#include "base/status.h"
#include "site/siteapi.h"
#include "support/priority.h"

int
mqtt_topic(char *buf, size_t len, const char *prefix, const char *suffix)
{
	int n = snprintf(buf, len, "%s/%s", prefix, suffix);

	return (n < 0 || (size_t)n >= len || n > MQTT_TOPIC_MAX) ? -1 : 0;
}

static json_t *
iso_or_null(int64_t t)
{
	char buf[32];

	return t > 0 ? json_string(cstime_format_iso8601(t, buf, sizeof(buf))) : json_null();
}

void
mqtt_state_free(struct mqtt_state *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n; i++) {
		free(s->msgs[i].topic);
		free(s->msgs[i].payload);
	}
	free(s->msgs);
	free(s);
}

/* Adds topic prefix/suffix with payload o (a reference taken: decref'd here). */
static cs_err
add(struct mqtt_state *s, const char *prefix, const char *suffix, json_t *o, char *err,
    size_t errlen)
{
	char topic[MQTT_TOPIC_MAX + 1];
	struct mqtt_msg *m;
	char *text;

	if (o == NULL)
		return cs_seterr(err, errlen, CS_ERR_NOMEM, "mqtt: out of memory");
	if (mqtt_topic(topic, sizeof(topic), prefix, suffix) != 0) {
		json_decref(o);
		return cs_seterr(err, errlen, CS_ERR_TOOBIG, "mqtt: topic %s/%s is longer than %d bytes",
		    prefix, suffix, MQTT_TOPIC_MAX);
	}
	if (json_object_set_new(o, "schema", json_integer(MQTT_SCHEMA)) != 0) {
		json_decref(o);
		return cs_seterr(err, errlen, CS_ERR_NOMEM, "mqtt: out of memory");
	}
	text = jsonout_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (text == NULL)
		return cs_seterr(err, errlen, CS_ERR_NOMEM, "mqtt: out of memory");
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 32;
		struct mqtt_msg *nv = realloc(s->msgs, cap * sizeof(*nv));

		if (nv == NULL) {
			free(text);
			return cs_seterr(err, errlen, CS_ERR_NOMEM, "mqtt: out of memory");
		}
		s->msgs = nv;
		s->cap = cap;
	}
	m = &s->msgs[s->n];
	m->topic = strdup(topic);
	if (m->topic == NULL) {
		free(text);
		return cs_seterr(err, errlen, CS_ERR_NOMEM, "mqtt: out of memory");
	}
	m->payload = text;
	m->len = strlen(text);
	s->n++;
	return CS_OK;
}

/* A component of the summary (not a group): status, since, cause. */
static json_t *
component_msg(const json_t *c, const struct sitemodel_component *sc)
{
	json_t *o = json_object(), *causes = json_object_get(c, "causes");
	json_t *first = json_array_size(causes) > 0 ? json_array_get(causes, 0) : NULL;

	json_object_set(o, "id", json_object_get(c, "id"));
	json_object_set(o, "name", json_object_get(c, "name"));
	json_object_set_new(o, "group", sc != NULL && sc->group != NULL && sc->group[0] != '\0' ?
	    json_string(sc->group) : json_null());
	json_object_set(o, "status", json_object_get(c, "status"));
	json_object_set(o, "data_status", json_object_get(c, "data_status"));
	json_object_set(o, "since", json_object_get(c, "updated_at"));
	json_object_set_new(o, "cause", first != NULL ? json_incref(first) : json_null());
	json_object_set(o, "causes", causes != NULL ? causes : json_array());
	return o;
}

/* An AWS feed as judged: its state and newest item. */
static json_t *
aws_msg(const struct judgement_feed *f, const struct sitemodel *m)
{
	const struct sitemodel_aws *a = NULL;
	json_t *o = json_object(), *item = json_null();
	status_aws state = !f->readable ? STATUS_AWS_UNKNOWN :
	    f->has_items ? f->state : STATUS_AWS_NORMAL;

	for (size_t i = 0; i < m->naws; i++)
		if (strcmp(m->aws[i].slug, f->slug) == 0)
			a = &m->aws[i];
	json_object_set_new(o, "slug", json_string(f->slug));
	json_object_set_new(o, "service", a != NULL && a->service ? json_string(a->service) :
	    json_null());
	json_object_set_new(o, "region", a != NULL && a->region ? json_string(a->region) :
	    json_null());
	json_object_set_new(o, "state", json_string(status_aws_name(state)));
	json_object_set_new(o, "readable", json_boolean(f->readable));
	if (f->has_items) {
		item = json_object();
		json_object_set_new(item, "title", json_string(f->title));
		json_object_set_new(item, "guid", json_string(f->guid));
		json_object_set_new(item, "published_at", iso_or_null(f->updated));
	}
	json_object_set_new(o, "item", item);
	json_object_set_new(o, "event_start", iso_or_null(f->event_start));
	json_object_set_new(o, "source", json_string(reconcile_source_name(f->source)));
	return o;
}

static json_t *
sla_msg(const struct mqtt_state_in *in)
{
	json_t *o = json_object(), *a = json_array();
	size_t overdue = 0;

	/* incident_records_clocks() sorts by deadline: the overdue come first. */
	for (size_t i = 0; i < in->nclocks; i++) {
		const struct incident_clock *c = &in->clocks[i];
		json_t *r = json_object();

		overdue += c->clock.state == SLA_OVERDUE;
		json_object_set_new(r, "incident", json_integer((json_int_t)c->id));
		json_object_set_new(r, "title", json_string(c->title));
		json_object_set_new(r, "priority", json_string(priority_name(c->prio)));
		json_object_set_new(r, "clock", json_string(c->clock.name));
		json_object_set_new(r, "state", json_string(sla_state_name(c->clock.state)));
		json_object_set_new(r, "deadline", iso_or_null(c->clock.deadline));
		json_array_append_new(a, r);
	}
	json_object_set_new(o, "overdue", json_integer((json_int_t)overdue));
	json_object_set_new(o, "clocks", a);
	return o;
}

cs_err
mqtt_state_build(const struct mqtt_state_in *in, struct mqtt_state **out, char *err,
    size_t errlen)
{
	struct mqtt_state *s = calloc(1, sizeof(*s));
	char *text = NULL;
	size_t len;
	json_t *sum = NULL, *arr, *v;
	char suffix[MQTT_TOPIC_MAX];
	size_t i;
	cs_err rc;

	*out = NULL;
	if (s == NULL)
		return cs_seterr(err, errlen, CS_ERR_NOMEM, "mqtt: out of memory");
	rc = siteapi_build(in->model, "", SITEAPI_SUMMARY, &text, &len);
	if (rc != CS_OK) {
		cs_seterr(err, errlen, rc, "mqtt: cannot build the summary");
		goto out;
	}
	sum = json_loadb(text, len, 0, NULL);
	if (sum == NULL) {
		rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "mqtt: out of memory");
		goto out;
	}
	rc = add(s, in->prefix, "summary", json_incref(sum), err, errlen);
	arr = json_object_get(sum, "components");
	json_array_foreach(arr, i, v) {
		const char *id = json_string_value(json_object_get(v, "id"));

		if (rc != CS_OK)
			break;
		if (id == NULL || json_is_true(json_object_get(v, "group")))
			continue;
		snprintf(suffix, sizeof(suffix), "components/%s", id);
		rc = add(s, in->prefix, suffix, component_msg(v, sitemodel_find_component(in->model,
		    id)), err, errlen);
	}
	for (i = 0; rc == CS_OK && i < in->judgement->nfeeds; i++) {
		snprintf(suffix, sizeof(suffix), "aws/%s", in->judgement->feeds[i].slug);
		rc = add(s, in->prefix, suffix, aws_msg(&in->judgement->feeds[i], in->model), err,
		    errlen);
	}
	/* The summary's incidents are the unresolved ones: the open incidents. */
	arr = json_object_get(sum, "incidents");
	json_array_foreach(arr, i, v) {
		const char *id = json_string_value(json_object_get(v, "id"));

		if (rc != CS_OK)
			break;
		if (id == NULL)
			continue;
		snprintf(suffix, sizeof(suffix), "incidents/%s", id);
		rc = add(s, in->prefix, suffix, json_deep_copy(v), err, errlen);
	}
	if (rc == CS_OK)
		rc = add(s, in->prefix, "sla", sla_msg(in), err, errlen);
out:
	json_decref(sum);
	free(text);
	if (rc != CS_OK) {
		mqtt_state_free(s);
		return rc;
	}
	*out = s;
	return CS_OK;
}

char *
mqtt_monitor_json(const struct mqtt_monitor *mon)
{
	json_t *o = json_object();
	char *text;

	json_object_set_new(o, "schema", json_integer(MQTT_SCHEMA));
	json_object_set_new(o, "status", json_string(mon->online ? "online" : "offline"));
	if (mon->reason != NULL)
		json_object_set_new(o, "reason", json_string(mon->reason));
	json_object_set_new(o, "at", iso_or_null(mon->at));
	json_object_set_new(o, "since", iso_or_null(mon->since));
	json_object_set_new(o, "last_poll", iso_or_null(mon->last_poll));
	json_object_set_new(o, "last_poll_ok", iso_or_null(mon->last_poll_ok));
	json_object_set_new(o, "data_verified_at", iso_or_null(mon->data_verified_at));
	/* Offline, nobody refreshes anything: stale, whatever it was when said. */
	json_object_set_new(o, "stale", json_boolean(mon->stale || !mon->online));
	json_object_set_new(o, "poll_interval", json_integer((json_int_t)mon->poll_interval));
	text = jsonout_dumps(o, JSON_COMPACT);
	json_decref(o);
	return text;
}

char *
mqtt_event_json(const struct store_outbox_msg *row)
{
	json_t *p = json_loads(row->payload, 0, NULL), *o;
	char id[600];
	char *text;
	size_t n;

	if (row->dedup_key != NULL) {
		/* "incident:3:update:2:mqtt" -> "incident:3:update:2" */
		snprintf(id, sizeof(id), "%s", row->dedup_key);
		n = strlen(id);
		if (n > 5 && strcmp(id + n - 5, ":mqtt") == 0)
			id[n - 5] = '\0';
	} else {
		snprintf(id, sizeof(id), "outbox:%lld", (long long)row->id);
	}
	if (json_is_object(p)) {
		o = p;
	} else {
		o = json_object();
		json_object_set_new(o, "data", p != NULL ? p : json_null());
	}
	json_object_set_new(o, "schema", json_integer(MQTT_SCHEMA));
	json_object_set_new(o, "event_id", json_string(id));
	json_object_set_new(o, "seq", json_integer((json_int_t)row->id));
	text = jsonout_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	return text;
}
