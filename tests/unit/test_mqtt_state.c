/* test_mqtt_state.c: the MQTT topics and payloads (mqtt_state) from a hand-made model and judgement. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "mqtt/mqtt_state.h"
#include "site/siteapi.h"

#define T0 1786762800 /* 2026-08-15T03:00:00Z */

/* The structs below hold char *: writable copies of the literals. */
static char dc[] = "directconnect-eu-central-1", r53[] = "route53", loss[] = "Increased <packet> loss";
static char g1[] = "g1", empty[] = "", title7[] = "EU contact centre: packet loss";
static char key[] = "incident:3:update:2:mqtt";
static char upd[] = "{\"type\":\"incident_update\",\"incident\":3,\"update\":2}", arr[] = "[1,2]";

/*
 * A page of three components, two in a group; "eu" is degraded by a
 * Direct Connect item. Incident 7 is open, incident 6 resolved.
 */
static struct sitemodel *
model(void)
{
	struct sitemodel_page page = { 0 };
	struct sitemodel_component c = { 0 };
	struct sitemodel_cause cause = { 0 };
	struct sitemodel_incident in = { 0 };
	struct sitemodel_update u = { 0 };
	static const char *const comps[] = { "eu" };
	struct sitemodel *m = NULL;
	char err[CS_ERRLEN] = "";

	page.id = "click";
	page.name = "CLICK";
	page.url = "https://status.example";
	page.generated_at = T0 + 3600;
	page.last_successful_poll = T0 + 3600;
	page.indicator = STATUS_IND_MINOR;
	if (sitemodel_new(&page, &m, err, sizeof(err)) != CS_OK)
		fail_msg("%s", err);
	c.id = "voice";
	c.name = "Inbound calls";
	c.group = "Contact centre";
	c.status = STATUS_OPERATIONAL;
	c.created_at = T0;
	c.updated_at = T0;
	assert_int_equal(sitemodel_add_component(m, &c, err, sizeof(err)), CS_OK);
	c.id = "chat";
	c.name = "Web chat";
	assert_int_equal(sitemodel_add_component(m, &c, err, sizeof(err)), CS_OK);
	cause.slug = "directconnect-eu-central-1";
	cause.service = "AWS Direct Connect";
	cause.region = "eu-central-1";
	cause.aws_state = STATUS_AWS_DEGRADED;
	cause.title = "Increased <packet> loss";
	cause.guid = "g1";
	cause.time = T0 + 2520;
	c.id = "eu";
	c.name = "EU contact centre";
	c.group = NULL;
	c.status = STATUS_DEGRADED_PERFORMANCE;
	c.updated_at = T0 + 3600;
	c.causes = &cause;
	c.ncauses = 1;
	assert_int_equal(sitemodel_add_component(m, &c, err, sizeof(err)), CS_OK);
	u.id = "1";
	u.status = SITEMODEL_INVESTIGATING;
	u.body = "Looking";
	u.created_at = T0 + 3600;
	u.seq = 1;
	in.id = "7";
	in.name = "EU contact centre: packet loss";
	in.status = SITEMODEL_INVESTIGATING;
	in.impact = SITEMODEL_IMPACT_MINOR;
	in.priority = 3;
	in.created_at = in.started_at = in.updated_at = T0 + 3600;
	in.components = comps;
	in.ncomponents = 1;
	in.updates = &u;
	in.nupdates = 1;
	assert_int_equal(sitemodel_add_incident(m, &in, err, sizeof(err)), CS_OK);
	in.id = "6";
	in.status = SITEMODEL_RESOLVED;
	in.resolved_at = T0 + 600;
	in.created_at = in.started_at = in.updated_at = T0;
	u.status = SITEMODEL_RESOLVED;
	assert_int_equal(sitemodel_add_incident(m, &in, err, sizeof(err)), CS_OK);
	return m;
}

static json_t *
payload_of(const struct mqtt_state *s, const char *topic)
{
	for (size_t i = 0; i < s->n; i++)
		if (strcmp(s->msgs[i].topic, topic) == 0) {
			json_t *v = json_loadb(s->msgs[i].payload, s->msgs[i].len, 0, NULL);

			if (v == NULL)
				fail_msg("%s: payload is not JSON", topic);
			return v;
		}
	return NULL;
}

static void
test_retained_state(void **state)
{
	struct sitemodel *m = model();
	struct judgement_feed feeds[2];
	struct judgement j;
	struct incident_clock clocks[2];
	struct mqtt_state_in in;
	struct mqtt_state *s = NULL;
	char err[CS_ERRLEN] = "", *site = NULL;
	size_t len;
	json_t *v, *w;

	(void)state;
	memset(feeds, 0, sizeof(feeds));
	feeds[0].slug = dc;
	feeds[0].readable = 1;
	feeds[0].has_items = 1;
	feeds[0].state = STATUS_AWS_DEGRADED;
	feeds[0].updated = T0 + 2520;
	feeds[0].title = loss;
	feeds[0].guid = g1;
	feeds[0].event_start = T0 + 2520;
	feeds[1].slug = r53;
	feeds[1].readable = 0;   /* not read for too long: unknown, whatever it said */
	feeds[1].has_items = 1;
	feeds[1].state = STATUS_AWS_DISRUPTION;
	feeds[1].title = empty;
	feeds[1].guid = empty;
	memset(&j, 0, sizeof(j));
	j.feeds = feeds;
	j.nfeeds = 2;
	memset(clocks, 0, sizeof(clocks));
	clocks[0].id = 7;
	clocks[0].title = title7;
	clocks[0].prio = PRIORITY_P3;
	clocks[0].clock.name = "initial_response";
	clocks[0].clock.state = SLA_OVERDUE;
	clocks[0].clock.deadline = T0 + 3000;
	clocks[1] = clocks[0];
	clocks[1].clock.name = "next_update";
	clocks[1].clock.state = SLA_DUE;
	clocks[1].clock.deadline = T0 + 90000;
	memset(&in, 0, sizeof(in));
	in.prefix = "click/status";
	in.model = m;
	in.judgement = &j;
	in.clocks = clocks;
	in.nclocks = 2;
	in.now = T0 + 3600;
	if (mqtt_state_build(&in, &s, err, sizeof(err)) != CS_OK)
		fail_msg("%s", err);
	/* summary, 3 components (no group topic), 2 feeds, 1 open incident, sla */
	assert_int_equal(s->n, 8);
	for (size_t i = 0; i < s->n; i++)
		assert_non_null(strstr(s->msgs[i].payload, "\"schema\":1"));

	/* The summary is the site's file: same value, plus the schema version. */
	assert_int_equal(siteapi_build(m, "", SITEAPI_SUMMARY, &site, &len), CS_OK);
	w = json_loadb(site, len, 0, NULL);
	v = payload_of(s, "click/status/summary");
	assert_non_null(v);
	assert_int_equal(json_integer_value(json_object_get(v, "schema")), 1);
	json_object_del(v, "schema");
	assert_true(json_equal(v, w));
	json_decref(v);
	json_decref(w);
	free(site);

	assert_null(payload_of(s, "click/status/components/group-contact-centre"));
	v = payload_of(s, "click/status/components/eu");
	assert_non_null(v);
	assert_string_equal(json_string_value(json_object_get(v, "status")), "degraded_performance");
	assert_string_equal(json_string_value(json_object_get(v, "since")), "2026-08-15T04:00:00Z");
	assert_true(json_is_null(json_object_get(v, "group")));
	w = json_object_get(v, "cause");
	assert_string_equal(json_string_value(json_object_get(w, "slug")), "directconnect-eu-central-1");
	assert_string_equal(json_string_value(json_object_get(w, "title")), "Increased <packet> loss");
	json_decref(v);
	v = payload_of(s, "click/status/components/voice");
	assert_string_equal(json_string_value(json_object_get(v, "group")), "Contact centre");
	assert_true(json_is_null(json_object_get(v, "cause")));
	assert_string_equal(json_string_value(json_object_get(v, "since")), "2026-08-15T03:00:00Z");
	json_decref(v);

	v = payload_of(s, "click/status/aws/directconnect-eu-central-1");
	assert_string_equal(json_string_value(json_object_get(v, "state")), "degraded");
	w = json_object_get(v, "item");
	assert_string_equal(json_string_value(json_object_get(w, "guid")), "g1");
	assert_string_equal(json_string_value(json_object_get(w, "published_at")), "2026-08-15T03:42:00Z");
	assert_string_equal(json_string_value(json_object_get(v, "event_start")), "2026-08-15T03:42:00Z");
	json_decref(v);
	v = payload_of(s, "click/status/aws/route53");
	assert_string_equal(json_string_value(json_object_get(v, "state")), "unknown");
	assert_true(json_is_false(json_object_get(v, "readable")));
	json_decref(v);

	/* Only the open incident has a retained topic. */
	v = payload_of(s, "click/status/incidents/7");
	assert_non_null(v);
	assert_string_equal(json_string_value(json_object_get(v, "status")), "investigating");
	json_decref(v);
	assert_null(payload_of(s, "click/status/incidents/6"));

	v = payload_of(s, "click/status/sla");
	assert_int_equal(json_integer_value(json_object_get(v, "overdue")), 1);
	w = json_object_get(v, "clocks");
	assert_int_equal(json_array_size(w), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(w, 0), "state")), "overdue");
	assert_string_equal(json_string_value(json_object_get(json_array_get(w, 0), "clock")),
	    "initial_response");
	assert_string_equal(json_string_value(json_object_get(json_array_get(w, 0), "priority")), "P3");
	assert_string_equal(json_string_value(json_object_get(json_array_get(w, 1), "deadline")),
	    "2026-08-16T04:00:00Z");
	json_decref(v);
	mqtt_state_free(s);

	/* A prefix that leaves no room for the topics is refused, not cut. */
	{
		char big[MQTT_TOPIC_MAX];

		memset(big, 'p', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		in.prefix = big;
		assert_int_equal(mqtt_state_build(&in, &s, err, sizeof(err)), CS_ERR_TOOBIG);
		assert_null(s);
		assert_non_null(strstr(err, "longer than 512 bytes"));
	}
	sitemodel_free(m);
}

static void
test_event_and_monitor(void **state)
{
	struct store_outbox_msg row = { 0 };
	struct mqtt_monitor mon = { 0 };
	char *text;
	json_t *v;

	(void)state;
	row.id = 42;
	row.dedup_key = key;
	row.payload = upd;
	text = mqtt_event_json(&row);
	v = json_loads(text, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(v, "event_id")), "incident:3:update:2");
	assert_int_equal(json_integer_value(json_object_get(v, "seq")), 42);
	assert_int_equal(json_integer_value(json_object_get(v, "schema")), 1);
	assert_string_equal(json_string_value(json_object_get(v, "type")), "incident_update");
	assert_int_equal(json_integer_value(json_object_get(v, "update")), 2);
	json_decref(v);
	free(text);
	row.dedup_key = NULL;
	row.payload = arr;
	text = mqtt_event_json(&row);
	v = json_loads(text, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(v, "event_id")), "outbox:42");
	assert_int_equal(json_array_size(json_object_get(v, "data")), 2);
	json_decref(v);
	free(text);

	mon.online = 1;
	mon.since = T0;
	mon.at = T0 + 60;
	mon.last_poll = T0 + 60;
	mon.data_verified_at = T0 + 60;
	mon.poll_interval = 60;
	text = mqtt_monitor_json(&mon);
	v = json_loads(text, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(v, "status")), "online");
	assert_string_equal(json_string_value(json_object_get(v, "last_poll")), "2026-08-15T03:01:00Z");
	assert_true(json_is_null(json_object_get(v, "last_poll_ok")));
	assert_null(json_object_get(v, "reason"));
	assert_true(json_is_false(json_object_get(v, "stale")));
	json_decref(v);
	free(text);
	memset(&mon, 0, sizeof(mon));
	mon.reason = "connection lost";
	text = mqtt_monitor_json(&mon);
	v = json_loads(text, 0, NULL);
	assert_string_equal(json_string_value(json_object_get(v, "status")), "offline");
	assert_string_equal(json_string_value(json_object_get(v, "reason")), "connection lost");
	assert_true(json_is_true(json_object_get(v, "stale")));   /* nobody refreshes it */
	json_decref(v);
	free(text);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_retained_state),
		cmocka_unit_test(test_event_and_monitor),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
