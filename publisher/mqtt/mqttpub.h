/* mqttpub.h: the MQTT publisher: one broker connection that keeps the dashboards' view of the store. */
#ifndef MQTTPUB_H
#define MQTTPUB_H

#include <stddef.h>
#include <stdint.h>

#include "aws/catalogue.h"
#include "base/cs_error.h"
#include "cycle/cycle.h"
#include "model/config.h"
#include "store/store.h"

/*
 * The publisher owns one libmosquitto client, driven by the caller's
 * thread (no libmosquitto thread): mqttpub_service() waits on the socket,
 * mqttpub_publish() is called after each cycle. QoS 1 throughout.
 *
 * Events are the "mqtt" outbox rows: claimed, published to <prefix>/events
 * in id order, and marked delivered only when the broker's PUBACK comes; a
 * lost connection or a crash leaves them undelivered, and the next
 * connection (of this process or the next) publishes them again. So an
 * event arrives at least once, in order; consumers drop the repeats by
 * event_id. Rows older than mqtt.max_age when due are expired, not sent.
 *
 * The retained state (mqtt_state.h) is republished whole after every
 * connect, then only the topics whose payload changed. The topics the
 * broker holds are recorded in the store (retained.h), so one that leaves
 * the state (a resolved incident) is cleared even after a crash.
 *
 * A daemon publisher also owns <prefix>/monitor: "online" after every
 * connect, "offline" as its Last Will (a killed monitor shows offline) and
 * when it closes. A one-shot publisher (`clickstatus mqtt`) leaves it alone.
 *
 * Failures never block the caller: an unreachable broker, refused
 * credentials or a refused publish (an ACL: MQTT 5 brokers say so in the
 * PUBACK) are logged once, then retried with exponential backoff (1 s up to
 * 5 min). A broker that refuses MQTT 5 is spoken to in 3.1.1.
 */

struct mqttpub;

/* What the publisher did so far. */
struct mqttpub_stats {
	int    connected;             /* 1 while the broker has acknowledged the connection */
	int    protocol;              /* 5 or 4 (3.1.1) of the last connection */
	size_t connects;              /* successful connections */
	size_t failures;              /* connection attempts that failed */
	size_t events_acked;          /* events the broker acknowledged */
	size_t retained_acked;        /* retained messages (and clearings) acknowledged */
	size_t refused;               /* publishes the broker refused */
	size_t inflight;              /* published, not yet acknowledged */
};

/*
 * A publisher for cfg->mqtt (which must have a host), reading and
 * acknowledging in st; cfg, cat (may be NULL) and st are borrowed and must
 * outlive it. daemon: see above. Reads the password file; connects on the
 * first mqttpub_service(). Returns CS_OK and an owned *out, or an error
 * naming the setting.
 */
cs_err mqttpub_new(const struct config *cfg, const struct catalogue *cat, struct store *st,
    int daemon, struct mqttpub **out, char *err, size_t errlen);

/*
 * A replay's daemon (`run --sim-*`): its clock is the last cycle's
 * simulated time, not the machine's, so what a replay owes is due as it
 * was then. Nothing expires in a replay: its clock moves hours while a
 * broker takes a round trip per event, and a backlog would age past
 * mqtt.max_age that real time never lets it reach.
 */
void mqttpub_set_replay(struct mqttpub *m);

/* Log lines go through fn (NULL: none), subsystem "mqtt". */
void mqttpub_set_log(struct mqttpub *m, cycle_log_fn fn, void *ctx);

/*
 * After a cycle committed at now: publishes the events due and the
 * retained topics that changed (and, for a daemon, the monitor's new poll
 * times). Does nothing but remember now while disconnected. Returns CS_OK,
 * or the store's error (the broker's are logged, not returned).
 */
cs_err mqttpub_publish(struct mqttpub *m, int64_t now, char *err, size_t errlen);

/*
 * Serves the connection for up to timeout_ms: connects when due, reads
 * acknowledgements (recorded in the store), keeps the connection alive,
 * publishes the events that wait for room. Returns early after activity.
 */
void mqttpub_service(struct mqttpub *m, int timeout_ms);

/* Nonzero when nothing published waits for its acknowledgement and no event is due. */
int mqttpub_idle(const struct mqttpub *m);

void mqttpub_stats(const struct mqttpub *m, struct mqttpub_stats *out);

/*
 * Closes the connection cleanly: a daemon first says "offline" (reason
 * "stopped") and waits up to 2 s for it to be acknowledged. Then frees m;
 * NULL is a no-op. What was not acknowledged stays owed in the store.
 */
void mqttpub_free(struct mqttpub *m);

#endif
