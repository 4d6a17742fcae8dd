/* mqtt_state.h: what the dashboards read over MQTT: the retained topics and the events, as JSON. */
#ifndef MQTT_STATE_H
#define MQTT_STATE_H

#include <stddef.h>
#include <stdint.h>

#include "base/cs_error.h"
#include "cycle/incident_records.h"
#include "model/judgement.h"
#include "site/sitemodel.h"
#include "store/store.h"

/*
 * Topics, under a prefix ("click/status"), every payload a JSON object
 * with "schema": MQTT_SCHEMA (docs/asyncapi.yaml describes them all):
 *
 *   <prefix>/summary          retained: the site's api/v2/summary.json
 *   <prefix>/components/<id>  retained: status, since, cause (groups have no topic)
 *   <prefix>/aws/<slug>       retained: an AWS feed's state and newest item
 *   <prefix>/incidents/<id>   retained while open; an empty retained
 *                             message clears it once resolved
 *   <prefix>/sla              retained: open support clocks, overdue first
 *   <prefix>/monitor          retained: online / offline (the Last Will)
 *   <prefix>/events           not retained: every change the store
 *                             committed, in commit order
 *
 * Everything here is pure: the state is built from the render model the
 * site is built from, so the summary is the same JSON value as the site's
 * api/v2/summary.json of the same instant, but for page.render_id (a site
 * release's name, "" here) and "schema". Payloads are compact JSON.
 */

#define MQTT_SCHEMA 1
#define MQTT_TOPIC_MAX 512            /* bytes of a topic, prefix included */

/* One message to publish. */
struct mqtt_msg {
	char  *topic;                 /* owned */
	char  *payload;               /* owned JSON text, NUL-terminated */
	size_t len;                   /* bytes of payload */
};

/* The retained state: one message per topic, topics unique, in a stable order. */
struct mqtt_state {
	struct mqtt_msg *msgs;
	size_t n, cap;
};

/* The inputs of the retained state, all borrowed. */
struct mqtt_state_in {
	const char *prefix;
	const struct sitemodel *model;       /* as sitebuild_model() builds it at now */
	const struct judgement *judgement;   /* the view the model was built from */
	const struct incident_clock *clocks; /* incident_records_clocks(): due and overdue */
	size_t nclocks;
	int64_t now;
};

/*
 * Builds the retained state (every topic but monitor and events). Returns
 * CS_OK and an owned *out (mqtt_state_free), CS_ERR_NOMEM, or CS_ERR_TOOBIG
 * when a topic would pass MQTT_TOPIC_MAX.
 */
cs_err mqtt_state_build(const struct mqtt_state_in *in, struct mqtt_state **out, char *err,
    size_t errlen);

void mqtt_state_free(struct mqtt_state *s);

/* The monitor's liveness, <prefix>/monitor. */
struct mqtt_monitor {
	int         online;
	const char *reason;           /* offline: why ("stopped", "connection lost"); NULL */
	int64_t     since;            /* online: when this monitor started; 0 unknown */
	int64_t     at;               /* when this was said; 0 for the Last Will (said by the broker) */
	int64_t     last_poll;        /* the last cycle, 0 never */
	int64_t     last_poll_ok;     /* the last cycle that read every document, 0 never */
	int64_t     data_verified_at; /* judgement.h */
	int         stale;
	int64_t     poll_interval;
};

/* The monitor payload, owned (free()); NULL on no memory. */
char *mqtt_monitor_json(const struct mqtt_monitor *mon);

/*
 * The event payload of an outbox row: the row's JSON object with "schema",
 * "event_id" (the row's key less its channel: "incident:3:update:2", the
 * same after every replay and resend, for consumers to drop duplicates)
 * and "seq" (the row id: commit order). A payload that is not an object
 * goes under "data". Owned (free()); NULL on no memory.
 */
char *mqtt_event_json(const struct store_outbox_msg *row);

/* prefix "/" suffix into buf; -1 when it does not fit len or MQTT_TOPIC_MAX. */
int mqtt_topic(char *buf, size_t len, const char *prefix, const char *suffix);

#endif
