/* mqttpub.c: the MQTT publisher (mqttpub.h) on libmosquitto, driven without its thread. */
#include "mqtt/mqttpub.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <mosquitto.h>
#include <mqtt_protocol.h>

#include "base/cstime.h"
#include "base/hash.h"
#include "base/secret.h"
#include "cycle/cycle.h"
#include "cycle/incident_records.h"
#include "mqtt/mqtt_state.h"
#include "site/sitebuild.h"
#include "store/retained.h"

#define QOS 1
/*
 * Events published and not yet acknowledged, at most: one, so that a crash
 * re-sends at most the one event in flight (the same event_id); a burst costs
 * a round trip per event, a few ms on a LAN.
 */
#define WINDOW 1
#define LEASE 3600                 /* s: a claim; released at every connect anyway */
#define CONNECT_TIMEOUT_MS 10000   /* from the TCP connect to the CONNACK */
#define BACKOFF_MIN_MS 1000
#define BACKOFF_MAX_MS 300000
#define SHORT_LIVED_MS 10000       /* a connection lost sooner does not reset the backoff */
#define CLOSE_WAIT_MS 2000         /* for the "offline" acknowledgement when closing */

enum conn { DOWN, CONNECTING, UP };
enum kind { K_EVENT, K_RETAIN, K_CLEAR, K_MONITOR };

/* A publish waiting for its PUBACK (and, once it came, for being recorded). */
struct flight {
	int       mid;
	enum kind kind;
	int64_t   row, token;          /* K_EVENT */
	char     *topic;               /* K_RETAIN, K_CLEAR: owned */
	uint64_t  digest;              /* K_RETAIN */
	int       reason;              /* the PUBACK's reason code, once acked */
};

/* A retained topic: what the broker was acknowledged to hold. */
struct rtopic {
	char    *topic;
	uint64_t digest;               /* of the payload acknowledged, 0 none yet */
	uint64_t sent;                 /* of the payload in flight, 0 none */
	int      held;                 /* recorded in the store */
	int      seen;                 /* in the state being published */
};

struct mqttpub {
	const struct config *cfg;
	const struct config_mqtt *q;
	const struct catalogue *cat;
	struct store *st;
	int daemon;
	int replay;        /* the clock is the cycles' simulated time only */
	char *password;
	cycle_log_fn log;
	void *logctx;

	struct mosquitto *mosq;
	enum conn conn;
	int protocol;                  /* what the next connect speaks: 5 or 4 */
	int64_t next_attempt_ms, backoff_ms, connected_ms, connect_started_ms;
	int64_t hold_until_ms, hold_ms; /* publishing paused after a refusal */
	char last_error[CS_ERRLEN];    /* said once at error level, then at debug */
	char lib_error[256];           /* libmosquitto's last error log line: OpenSSL's reason */
	int just_up;                   /* CONNACK came: republish everything */
	int lost;                      /* the connection failed inside a callback */

	struct flight *fl;             /* in flight and acked-not-recorded */
	size_t nfl, capfl;
	size_t inflight_events;
	int more_events;               /* the last claim was full: more may be due */
	int64_t checked_ms;            /* when the outbox was last looked at */

	struct rtopic *rt;
	size_t nrt, caprt;

	int64_t now;                   /* the last publish's now; 0 before the first */
	int64_t started;
	int64_t last_poll, last_poll_ok, data_verified_at;
	int stale;
	uint64_t monitor_digest;

	struct mqttpub_stats stats;
};

#define logf_(m, level, ...) cycle_logf((m)->log, (m)->logctx, (level), "mqtt", __VA_ARGS__)

/* A failure: said at error level when it differs from the last one, else at debug. */
static void
fail_once(struct mqttpub *m, const char *fmt, ...)
{
	char buf[CS_ERRLEN];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	logf_(m, strcmp(buf, m->last_error) != 0 ? "error" : "debug", "%s", buf);
	snprintf(m->last_error, sizeof(m->last_error), "%s", buf);
}

/*
 * The publisher's clock: a one-shot pass's is its --now; a daemon's is
 * the machine's, never behind the last cycle's (whose rows are due then).
 */
static int64_t
wall_now(const struct mqttpub *m)
{
	int64_t t = (int64_t)time(NULL);

	if (!m->daemon || m->replay)
		return m->now != 0 ? m->now : t;
	return m->now > t ? m->now : t;
}

/* ---- the retained topics ---- */

static struct rtopic *
rt_find(struct mqttpub *m, const char *topic)
{
	for (size_t i = 0; i < m->nrt; i++)
		if (strcmp(m->rt[i].topic, topic) == 0)
			return &m->rt[i];
	return NULL;
}

static struct rtopic *
rt_add(struct mqttpub *m, const char *topic)
{
	struct rtopic *r;

	if (m->nrt == m->caprt) {
		size_t cap = m->caprt ? m->caprt * 2 : 64;
		struct rtopic *nv = realloc(m->rt, cap * sizeof(*nv));

		if (nv == NULL)
			return NULL;
		m->rt = nv;
		m->caprt = cap;
	}
	r = &m->rt[m->nrt];
	memset(r, 0, sizeof(*r));
	r->topic = strdup(topic);
	if (r->topic == NULL)
		return NULL;
	m->nrt++;
	return r;
}

static void
rt_remove(struct mqttpub *m, struct rtopic *r)
{
	free(r->topic);
	*r = m->rt[--m->nrt];
}

static int
load_held(const char *topic, void *ctx)
{
	struct mqttpub *m = ctx;
	struct rtopic *r = rt_find(m, topic);

	if (r == NULL)
		r = rt_add(m, topic);
	if (r == NULL)
		return 1;
	r->held = 1;
	return 0;
}

/* ---- publishing ---- */

static struct flight *
flight_add(struct mqttpub *m)
{
	struct flight *f;

	if (m->nfl == m->capfl) {
		size_t cap = m->capfl ? m->capfl * 2 : 128;
		struct flight *nv = realloc(m->fl, cap * sizeof(*nv));

		if (nv == NULL)
			return NULL;
		m->fl = nv;
		m->capfl = cap;
	}
	f = &m->fl[m->nfl++];
	memset(f, 0, sizeof(*f));
	f->reason = -1;
	return f;
}

/* The flight of the event of outbox row id on this connection, or NULL. */
static struct flight *
flight_event(struct mqttpub *m, int64_t row)
{
	for (size_t i = 0; i < m->nfl; i++)
		if (m->fl[i].kind == K_EVENT && m->fl[i].row == row)
			return &m->fl[i];
	return NULL;
}

static void
flights_clear(struct mqttpub *m)
{
	for (size_t i = 0; i < m->nfl; i++)
		free(m->fl[i].topic);
	m->nfl = 0;
	m->inflight_events = 0;
}

/*
 * Publishes one message at QoS 1; MQTT 5 adds its content type and, for
 * events, an expiry. Returns the message id, or -1 (the connection is
 * taken as lost: everything is published again on the next).
 */
static int
send_msg(struct mqttpub *m, const char *topic, const char *payload, size_t len, int retain,
    int event)
{
	mosquitto_property *props = NULL;
	int mid = 0, rc;

	if (m->stats.protocol == 5 && len > 0) {
		mosquitto_property_add_string(&props, MQTT_PROP_CONTENT_TYPE, "application/json");
		mosquitto_property_add_byte(&props, MQTT_PROP_PAYLOAD_FORMAT_INDICATOR, 1);
		if (event)
			mosquitto_property_add_int32(&props, MQTT_PROP_MESSAGE_EXPIRY_INTERVAL,
			    (uint32_t)m->q->event_expiry);
	}
	rc = mosquitto_publish_v5(m->mosq, &mid, topic, (int)len, len > 0 ? payload : NULL, QOS,
	    retain, props);
	mosquitto_property_free_all(&props);
	if (rc != MOSQ_ERR_SUCCESS) {
		fail_once(m, "publishing to %s failed: %s", topic, mosquitto_strerror(rc));
		m->lost = 1;
		return -1;
	}
	return mid;
}

static int
paused(const struct mqttpub *m)
{
	return m->conn != UP || m->lost || cstime_mono_ms() < m->hold_until_ms;
}

/* Publishes the due events while the window has room. */
static cs_err
publish_events(struct mqttpub *m, char *err, size_t errlen)
{
	struct store_outbox_msg *rows = NULL;
	size_t n = 0, want;
	cs_err rc = CS_OK;

	while (!paused(m) && m->inflight_events < WINDOW) {
		char topic[MQTT_TOPIC_MAX + 1];

		want = WINDOW - m->inflight_events;
		rc = store_outbox_claim(m->st, "mqtt", wall_now(m), LEASE,
		    m->replay ? 0 : m->q->max_age, want, &rows, &n, err, errlen);
		if (rc != CS_OK)
			return rc;
		m->more_events = n == want;
		mqtt_topic(topic, sizeof(topic), m->q->prefix, "events");
		for (size_t i = 0; i < n && !m->lost; i++) {
			char *payload;
			struct flight *f = flight_event(m, rows[i].id);
			int mid;

			/*
			 * Still waiting for its PUBACK on this connection, and claimed
			 * again because the lease ran out (a replay's clock moves by a
			 * poll interval per cycle, hours of it in a few milliseconds):
			 * not sent twice. Its acknowledgement now answers this claim.
			 */
			if (f != NULL) {
				f->token = rows[i].claim_token;
				continue;
			}
			payload = mqtt_event_json(&rows[i]);
			if (payload == NULL) {
				rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "mqtt: out of memory");
				break;
			}
			mid = send_msg(m, topic, payload, strlen(payload), 0, 1);
			free(payload);
			if (mid < 0)
				break;
			f = flight_add(m);
			if (f == NULL) {
				rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "mqtt: out of memory");
				break;
			}
			f->mid = mid;
			f->kind = K_EVENT;
			f->row = rows[i].id;
			f->token = rows[i].claim_token;
			m->inflight_events++;
		}
		store_outbox_msgs_free(rows, n);
		if (rc != CS_OK || !m->more_events)
			break;
	}
	return rc;
}

/* Publishes (or clears, payload NULL) one retained topic unless the broker has it already. */
static cs_err
publish_retained(struct mqttpub *m, struct rtopic *r, const char *payload, size_t len, int full,
    char *err, size_t errlen)
{
	uint64_t d = payload != NULL ? hash_fnv1a64(HASH_FNV1A64_BASIS, payload, len) | 1 : 0;
	struct flight *f;
	int mid;

	if (payload != NULL && !full && (r->digest == d || r->sent == d))
		return CS_OK;
	if (payload == NULL && !full && r->sent == 0 && r->digest == 0 && !r->held)
		return CS_OK;
	mid = send_msg(m, r->topic, payload, payload != NULL ? len : 0, 1, 0);
	if (mid < 0)
		return CS_OK;
	f = flight_add(m);
	if (f == NULL || (f->topic = strdup(r->topic)) == NULL)
		return cs_seterr(err, errlen, CS_ERR_NOMEM, "mqtt: out of memory");
	f->mid = mid;
	f->kind = payload != NULL ? K_RETAIN : K_CLEAR;
	f->digest = d;
	r->sent = d;
	return CS_OK;
}

static void
monitor_topic(const struct mqttpub *m, char *buf, size_t len)
{
	mqtt_topic(buf, len, m->q->prefix, "monitor");
}

static char *
monitor_payload(const struct mqttpub *m, int online, const char *reason, int64_t at)
{
	struct mqtt_monitor mon;

	memset(&mon, 0, sizeof(mon));
	mon.online = online;
	mon.reason = reason;
	mon.at = at;
	mon.since = online ? m->started : 0;
	mon.last_poll = m->last_poll;
	mon.last_poll_ok = m->last_poll_ok;
	mon.data_verified_at = m->data_verified_at;
	mon.stale = m->stale;
	mon.poll_interval = m->cfg->poll_interval;
	return mqtt_monitor_json(&mon);
}

static cs_err
publish_monitor(struct mqttpub *m, int full, char *err, size_t errlen)
{
	char topic[MQTT_TOPIC_MAX + 1], *payload;
	uint64_t d;
	struct flight *f;
	int mid;

	if (!m->daemon || paused(m))
		return CS_OK;
	/* "at" moves every cycle; the rest says whether anything changed. */
	payload = monitor_payload(m, 1, NULL, 0);
	if (payload == NULL)
		return cs_seterr(err, errlen, CS_ERR_NOMEM, "mqtt: out of memory");
	d = hash_fnv1a64_str(HASH_FNV1A64_BASIS, payload);
	free(payload);
	if (!full && d == m->monitor_digest)
		return CS_OK;
	payload = monitor_payload(m, 1, NULL, wall_now(m));
	if (payload == NULL)
		return cs_seterr(err, errlen, CS_ERR_NOMEM, "mqtt: out of memory");
	monitor_topic(m, topic, sizeof(topic));
	mid = send_msg(m, topic, payload, strlen(payload), 1, 0);
	free(payload);
	if (mid < 0)
		return CS_OK;
	f = flight_add(m);
	if (f == NULL)
		return cs_seterr(err, errlen, CS_ERR_NOMEM, "mqtt: out of memory");
	f->mid = mid;
	f->kind = K_MONITOR;
	m->monitor_digest = d;
	return CS_OK;
}

/*
 * The retained state as of now, published where it changed (every topic
 * when full), and the topics the broker holds that left it cleared.
 */
static cs_err
publish_state(struct mqttpub *m, int64_t now, int full, char *err, size_t errlen)
{
	struct judgement *j = NULL;
	struct sitemodel *model = NULL;
	struct incident_clock *clocks = NULL;
	struct mqtt_state *s = NULL;
	struct mqtt_state_in in;
	size_t nclocks = 0;
	cs_err rc;

	rc = cycle_view(m->cfg, m->st, now, &j, err, errlen);
	if (rc == CS_OK)
		rc = sitebuild_model(m->cfg, m->cat, j, m->st, SITEBUILD_SUMMARY, &model, err, errlen);
	if (rc == CS_OK)
		rc = incident_records_clocks(m->st, &m->cfg->business, now, 0, &clocks, &nclocks, err,
		    errlen);
	if (rc == CS_OK) {
		memset(&in, 0, sizeof(in));
		in.prefix = m->q->prefix;
		in.model = model;
		in.judgement = j;
		in.clocks = clocks;
		in.nclocks = nclocks;
		in.now = now;
		rc = mqtt_state_build(&in, &s, err, errlen);
	}
	if (rc != CS_OK)
		goto out;
	m->last_poll = j->last_poll;
	m->last_poll_ok = j->last_poll_ok;
	m->data_verified_at = j->data_verified_at;
	m->stale = j->stale;
	for (size_t i = 0; i < m->nrt; i++)
		m->rt[i].seen = 0;
	for (size_t i = 0; rc == CS_OK && i < s->n && !paused(m); i++) {
		struct rtopic *r = rt_find(m, s->msgs[i].topic);

		if (r == NULL && (r = rt_add(m, s->msgs[i].topic)) == NULL) {
			rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "mqtt: out of memory");
			break;
		}
		r->seen = 1;
		rc = publish_retained(m, r, s->msgs[i].payload, s->msgs[i].len, full, err, errlen);
	}
	for (size_t i = 0; rc == CS_OK && i < m->nrt && !paused(m); i++)
		if (!m->rt[i].seen && (m->rt[i].held || m->rt[i].digest != 0 || m->rt[i].sent != 0))
			rc = publish_retained(m, &m->rt[i], NULL, 0, full, err, errlen);
	if (rc == CS_OK)
		rc = publish_monitor(m, full, err, errlen);
out:
	mqtt_state_free(s);
	incident_records_clocks_free(clocks, nclocks);
	sitemodel_free(model);
	judgement_free(j);
	return rc;
}

/* ---- acknowledgements ---- */

static int
refused(int reason)
{
	return reason >= 0x80;
}

/* Records the acknowledged flights in one transaction and drops them. */
static void
record_acks(struct mqttpub *m)
{
	char err[CS_ERRLEN];
	int64_t now = wall_now(m);
	size_t keep = 0, nacked = 0;
	cs_err rc = CS_OK;

	for (size_t i = 0; i < m->nfl; i++)
		nacked += m->fl[i].reason >= 0;
	if (nacked == 0)
		return;
	rc = store_begin(m->st, err, sizeof(err));
	for (size_t i = 0; i < m->nfl; i++) {
		struct flight *f = &m->fl[i];
		struct rtopic *r;

		if (f->reason < 0) {
			m->fl[keep++] = *f;
			continue;
		}
		if (refused(f->reason)) {
			char topic[MQTT_TOPIC_MAX + 1];

			m->stats.refused++;
			if (f->kind == K_EVENT)
				mqtt_topic(topic, sizeof(topic), m->q->prefix, "events");
			else if (f->kind == K_MONITOR)
				monitor_topic(m, topic, sizeof(topic));
			else
				snprintf(topic, sizeof(topic), "%s", f->topic);
			/* One line for all the topics refused: the cause is one setting. */
			fail_once(m, "the broker refuses what this monitor publishes under %s/: %s "
			    "(does its ACL let user %s write %s/#?); %s", m->q->prefix,
			    mosquitto_reason_string(f->reason),
			    m->q->username != NULL ? m->q->username : "(anonymous)", m->q->prefix,
			    m->daemon ? "retrying with backoff" : "the events stay owed");
			logf_(m, "debug", "refused: %s", topic);
			m->hold_ms = m->hold_ms ? m->hold_ms * 2 : BACKOFF_MIN_MS * 5;
			if (m->hold_ms > BACKOFF_MAX_MS)
				m->hold_ms = BACKOFF_MAX_MS;
			m->hold_until_ms = cstime_mono_ms() + m->hold_ms;
		} else {
			m->hold_ms = 0;
		}
		switch (f->kind) {
		case K_EVENT:
			m->inflight_events--;
			if (rc != CS_OK)
				break;
			if (!refused(f->reason)) {
				m->stats.events_acked++;
				rc = store_outbox_delivered(m->st, f->row, f->token, now, err, sizeof(err));
			} else {
				rc = store_outbox_failed(m->st, f->row, f->token, now,
				    mosquitto_reason_string(f->reason), now + m->hold_ms / 1000, err,
				    sizeof(err));
			}
			/* A claim a release voided: the row is owed again, nothing to record. */
			if (rc == CS_ERR_STATE || rc == CS_ERR_NOTFOUND)
				rc = CS_OK;
			break;
		case K_RETAIN:
		case K_CLEAR:
			r = rt_find(m, f->topic);
			if (r != NULL && r->sent == f->digest)
				r->sent = 0;
			if (r == NULL || refused(f->reason))
				break;
			m->stats.retained_acked++;
			if (f->kind == K_RETAIN) {
				r->digest = f->digest;
				if (!r->held && rc == CS_OK) {
					rc = store_retained_set(m->st, f->topic, 1, now, err, sizeof(err));
					r->held = rc == CS_OK;
				}
			} else if (r->sent == 0) {
				if (rc == CS_OK)
					rc = store_retained_set(m->st, f->topic, 0, now, err, sizeof(err));
				if (rc == CS_OK)
					rt_remove(m, r);
			}
			break;
		case K_MONITOR:
			break;
		}
		free(f->topic);
	}
	m->nfl = keep;
	if (rc == CS_OK)
		rc = store_commit(m->st, err, sizeof(err));
	if (rc != CS_OK) {
		store_rollback(m->st);
		/* What was not recorded is owed again: at least once, never lost. */
		logf_(m, "error", "recording acknowledgements: %s", err);
	}
}

/* ---- the connection ---- */

static void
on_connect(struct mosquitto *mosq, void *obj, int rc, int flags, const mosquitto_property *props)
{
	struct mqttpub *m = obj;

	(void)mosq;
	(void)flags;
	(void)props;
	if (rc == 0) {
		m->conn = UP;
		m->just_up = 1;
		m->connected_ms = cstime_mono_ms();
		return;
	}
	/* A broker of 3.1.1 answers a 5 CONNECT with "unacceptable protocol version". */
	if (m->protocol == 5 && (rc == MQTT_RC_UNSUPPORTED_PROTOCOL_VERSION ||
	    rc == CONNACK_REFUSED_PROTOCOL_VERSION)) {
		logf_(m, "info", "%s:%d does not speak MQTT 5; using 3.1.1", m->q->host,
		    m->q->port);
		m->protocol = 4;
		m->backoff_ms = 0;
	} else {
		fail_once(m, "%s:%d refused the connection: %s", m->q->host, m->q->port,
		    m->protocol == 5 ? mosquitto_reason_string(rc) : mosquitto_connack_string(rc));
	}
	m->lost = 1;
}

static void
on_disconnect(struct mosquitto *mosq, void *obj, int rc, const mosquitto_property *props)
{
	struct mqttpub *m = obj;

	(void)mosq;
	(void)props;
	if (m->conn == UP)
		fail_once(m, "connection to %s:%d lost%s%s", m->q->host, m->q->port,
		    rc != 0 ? ": " : "", rc != 0 ? mosquitto_strerror(rc) : "");
	m->lost = 1;
}

static void
on_publish(struct mosquitto *mosq, void *obj, int mid, int reason, const mosquitto_property *props)
{
	struct mqttpub *m = obj;

	(void)mosq;
	(void)props;
	for (size_t i = 0; i < m->nfl; i++)
		if (m->fl[i].mid == mid && m->fl[i].reason < 0) {
			m->fl[i].reason = reason;
			return;
		}
}

/*
 * libmosquitto says why TLS failed only in its log ("OpenSSL Error[0]:
 * ... certificate verify failed"): kept to complete our own message.
 */
static void
on_log(struct mosquitto *mosq, void *obj, int level, const char *str)
{
	struct mqttpub *m = obj;

	(void)mosq;
	if (level == MOSQ_LOG_ERR && str != NULL)
		snprintf(m->lib_error, sizeof(m->lib_error), "%s", str);
}

/* Why rc failed, in words: strerror, OpenSSL's reason, or libmosquitto's. */
static const char *
why(struct mqttpub *m, int rc)
{
	if (rc == MOSQ_ERR_ERRNO)
		return strerror(errno);
	if (rc == MOSQ_ERR_TLS && m->lib_error[0] != '\0')
		return m->lib_error;
	if (rc == MOSQ_ERR_EAI)
		return "the host name does not resolve";
	return mosquitto_strerror(rc);
}

/* Drops the connection; the next attempt waits the backoff. */
static void
drop(struct mqttpub *m)
{
	int64_t now = cstime_mono_ms();
	int was_up = m->conn == UP;

	m->conn = DOWN;   /* before the callbacks of the disconnect */
	if (m->mosq != NULL) {
		mosquitto_disconnect(m->mosq);
		mosquitto_destroy(m->mosq);
		m->mosq = NULL;
	}
	if (was_up && now - m->connected_ms >= SHORT_LIVED_MS)
		m->backoff_ms = BACKOFF_MIN_MS;
	if (!was_up && m->backoff_ms != 0)   /* a protocol fallback is no failure */
		m->stats.failures++;
	m->lost = 0;
	m->just_up = 0;
	m->stats.connected = 0;
	flights_clear(m);
	for (size_t i = 0; i < m->nrt; i++)
		m->rt[i].sent = 0;
	/* 1, 2, 4 ... s; 0 only right after a protocol fallback, which retries at once. */
	m->next_attempt_ms = now + m->backoff_ms;
	m->backoff_ms = m->backoff_ms ? m->backoff_ms * 2 : BACKOFF_MIN_MS;
	if (m->backoff_ms > BACKOFF_MAX_MS)
		m->backoff_ms = BACKOFF_MAX_MS;
}

static int
set_will(struct mqttpub *m)
{
	char topic[MQTT_TOPIC_MAX + 1], *payload = monitor_payload(m, 0, "connection lost", 0);
	mosquitto_property *props = NULL;
	int rc;

	if (payload == NULL)
		return MOSQ_ERR_NOMEM;
	monitor_topic(m, topic, sizeof(topic));
	if (m->protocol == 5) {
		mosquitto_property_add_string(&props, MQTT_PROP_CONTENT_TYPE, "application/json");
		mosquitto_property_add_byte(&props, MQTT_PROP_PAYLOAD_FORMAT_INDICATOR, 1);
	}
	rc = mosquitto_will_set_v5(m->mosq, topic, (int)strlen(payload), payload, QOS, true, props);
	if (rc != MOSQ_ERR_SUCCESS)
		mosquitto_property_free_all(&props);
	free(payload);
	return rc;
}

static void
try_connect(struct mqttpub *m)
{
	const struct config_mqtt *q = m->q;
	int rc;

	m->mosq = mosquitto_new(q->client_id, true, m);
	if (m->mosq == NULL) {
		fail_once(m, "cannot create a client: %s", strerror(errno));
		drop(m);
		return;
	}
	mosquitto_connect_v5_callback_set(m->mosq, on_connect);
	mosquitto_disconnect_v5_callback_set(m->mosq, on_disconnect);
	mosquitto_publish_v5_callback_set(m->mosq, on_publish);
	mosquitto_log_callback_set(m->mosq, on_log);
	m->lib_error[0] = '\0';
	mosquitto_int_option(m->mosq, MOSQ_OPT_PROTOCOL_VERSION,
	    m->protocol == 5 ? MQTT_PROTOCOL_V5 : MQTT_PROTOCOL_V311);
	/* Without it Nagle holds small packets ~40 ms (../shared/bench/README.md). */
	mosquitto_int_option(m->mosq, MOSQ_OPT_TCP_NODELAY, 1);
	rc = MOSQ_ERR_SUCCESS;
	if (q->username != NULL)
		rc = mosquitto_username_pw_set(m->mosq, q->username, m->password);
	if (rc == MOSQ_ERR_SUCCESS && q->tls) {
		if (q->ca_file == NULL)
			rc = mosquitto_int_option(m->mosq, MOSQ_OPT_TLS_USE_OS_CERTS, 1);
		if (rc == MOSQ_ERR_SUCCESS && (q->ca_file != NULL || q->cert_file != NULL))
			rc = mosquitto_tls_set(m->mosq, q->ca_file, q->ca_file == NULL ?
			    "/etc/ssl/certs" : NULL, q->cert_file, q->key_file, NULL);
		/* Certificate and host name are checked: tls_insecure stays false. */
	}
	if (rc == MOSQ_ERR_SUCCESS && m->daemon)
		rc = set_will(m);
	if (rc != MOSQ_ERR_SUCCESS) {
		fail_once(m, "cannot set up the client for %s:%d: %s", q->host, q->port,
		    mosquitto_strerror(rc));
		drop(m);
		return;
	}
	m->stats.protocol = m->protocol;
	errno = 0;
	rc = mosquitto_connect_bind_async(m->mosq, q->host, q->port, (int)q->keepalive, NULL);
	if (rc != MOSQ_ERR_SUCCESS) {
		fail_once(m, "cannot connect to %s:%d: %s", q->host, q->port, why(m, rc));
		drop(m);
		return;
	}
	m->conn = CONNECTING;
	m->connect_started_ms = cstime_mono_ms();
}

/* After the CONNACK: take back every claim, then republish everything. */
static void
came_up(struct mqttpub *m)
{
	char err[CS_ERRLEN];
	size_t released = 0;
	cs_err rc;

	m->just_up = 0;
	m->stats.connected = 1;
	m->stats.connects++;
	m->last_error[0] = '\0';
	logf_(m, m->daemon ? "info" : "debug", "connected to %s:%d (MQTT %s) as %s", m->q->host, m->q->port,
	    m->protocol == 5 ? "5" : "3.1.1", m->q->client_id);
	for (size_t i = 0; i < m->nrt; i++)
		m->rt[i].digest = 0;
	m->monitor_digest = 0;
	rc = store_outbox_release(m->st, "mqtt", wall_now(m), &released, err, sizeof(err));
	if (rc == CS_OK && m->now != 0)
		rc = publish_state(m, wall_now(m), 1, err, sizeof(err));
	if (rc == CS_OK)
		rc = publish_events(m, err, sizeof(err));
	if (rc != CS_OK)
		logf_(m, "error", "%s", err);
}

/*
 * Between cycles: events another process committed (an engineer's
 * command) go out within a second. A claim writes, so a read says first
 * whether anything not in flight is owed.
 */
static void
poll_outbox(struct mqttpub *m)
{
	char err[CS_ERRLEN];
	size_t owed = 0;
	cs_err rc = CS_OK;

	m->checked_ms = cstime_mono_ms();
	if (!m->more_events)
		rc = store_outbox_pending_count(m->st, "mqtt", &owed, err, sizeof(err));
	if (rc == CS_OK && (m->more_events || owed > m->inflight_events))
		rc = publish_events(m, err, sizeof(err));
	if (rc != CS_OK)
		logf_(m, "error", "%s", err);
}

void
mqttpub_service(struct mqttpub *m, int timeout_ms)
{
	int64_t now = cstime_mono_ms(), end = now + (timeout_ms > 0 ? timeout_ms : 0);

	for (;;) {
		int rc, wait;

		now = cstime_mono_ms();
		if (m->conn == DOWN && now >= m->next_attempt_ms)
			try_connect(m);
		if (m->conn == DOWN) {
			int64_t until = m->next_attempt_ms < end ? m->next_attempt_ms : end;
			struct timespec ts;

			if (until > now) {
				ts.tv_sec = (time_t)((until - now) / 1000);
				ts.tv_nsec = (long)((until - now) % 1000) * 1000000;
				nanosleep(&ts, NULL);
			}
			if (cstime_mono_ms() >= end)
				return;
			continue;
		}
		wait = (int)(end - now);
		if (wait < 0)
			wait = 0;
		if (wait > 1000)
			wait = 1000;   /* keepalive and the CONNACK timeout are checked each second */
		rc = mosquitto_loop(m->mosq, wait, 1);
		if (rc != MOSQ_ERR_SUCCESS && !m->lost) {
			/* Worded as try_connect() words it: one failure, one line. */
			fail_once(m, m->conn == UP ? "connection to %s:%d lost: %s" :
			    "cannot connect to %s:%d: %s", m->q->host, m->q->port, why(m, rc));
			m->lost = 1;
		}
		if (m->conn == CONNECTING && !m->lost &&
		    cstime_mono_ms() - m->connect_started_ms > CONNECT_TIMEOUT_MS) {
			fail_once(m, "%s:%d did not answer the connection within %d s", m->q->host,
			    m->q->port, CONNECT_TIMEOUT_MS / 1000);
			m->lost = 1;
		}
		if (m->lost) {
			drop(m);
			continue;
		}
		record_acks(m);
		if (m->just_up)
			came_up(m);
		else if (m->conn == UP && (m->more_events || cstime_mono_ms() - m->checked_ms >= 1000))
			poll_outbox(m);
		if (cstime_mono_ms() >= end)
			return;
	}
}

cs_err
mqttpub_publish(struct mqttpub *m, int64_t now, char *err, size_t errlen)
{
	cs_err rc;

	m->now = now;
	if (m->conn != UP || m->lost)
		return CS_OK;
	rc = publish_events(m, err, errlen);
	if (rc == CS_OK && !paused(m))
		rc = publish_state(m, now, 0, err, errlen);
	return rc;
}

int
mqttpub_idle(const struct mqttpub *m)
{
	return m->nfl == 0 && !m->more_events;
}

void
mqttpub_stats(const struct mqttpub *m, struct mqttpub_stats *out)
{
	*out = m->stats;
	out->inflight = m->nfl;
}

cs_err
mqttpub_new(const struct config *cfg, const struct catalogue *cat, struct store *st, int daemon,
    struct mqttpub **out, char *err, size_t errlen)
{
	struct mqttpub *m;
	cs_err rc = CS_OK;

	*out = NULL;
	if (cfg->mqtt.host == NULL)
		return cs_seterr(err, errlen, CS_ERR_USAGE, "mqtt: no broker configured (mqtt.host)");
	if (mosquitto_pub_topic_check(cfg->mqtt.prefix) != MOSQ_ERR_SUCCESS)
		return cs_seterr(err, errlen, CS_ERR_USAGE, "mqtt.prefix \"%s\" is not a topic name",
		    cfg->mqtt.prefix);
	m = calloc(1, sizeof(*m));
	if (m == NULL)
		return cs_seterr(err, errlen, CS_ERR_NOMEM, "out of memory");
	mosquitto_lib_init();   /* paired with the cleanup of mqttpub_free() */
	m->cfg = cfg;
	m->q = &cfg->mqtt;
	m->cat = cat;
	m->st = st;
	m->daemon = daemon;
	m->protocol = cfg->mqtt.protocol;
	m->backoff_ms = BACKOFF_MIN_MS;
	m->started = (int64_t)time(NULL);
	if (cfg->mqtt.password_file != NULL)
		rc = secret_read("mqtt.password_file", cfg->mqtt.password_file, &m->password, err,
		    errlen);
	if (rc == CS_OK)
		rc = store_retained_list(st, load_held, m, err, errlen);
	if (rc != CS_OK) {
		mqttpub_free(m);
		return rc;
	}
	*out = m;
	return CS_OK;
}

void
mqttpub_set_replay(struct mqttpub *m)
{
	m->replay = 1;
}

void
mqttpub_set_log(struct mqttpub *m, cycle_log_fn fn, void *ctx)
{
	m->log = fn;
	m->logctx = ctx;
}

void
mqttpub_free(struct mqttpub *m)
{
	if (m == NULL)
		return;
	if (m->mosq != NULL && m->conn == UP && !m->lost) {
		if (m->daemon) {
			char topic[MQTT_TOPIC_MAX + 1], *payload = monitor_payload(m, 0, "stopped",
			    (int64_t)time(NULL));
			int mid = -1;

			monitor_topic(m, topic, sizeof(topic));
			if (payload != NULL)
				mid = send_msg(m, topic, payload, strlen(payload), 1, 0);
			free(payload);
			if (mid >= 0) {
				struct flight *f = flight_add(m);
				int64_t end = cstime_mono_ms() + CLOSE_WAIT_MS;

				if (f != NULL) {
					f->mid = mid;
					f->kind = K_MONITOR;
				}
				while (f != NULL && !m->lost && cstime_mono_ms() < end) {
					int done = 1;

					mosquitto_loop(m->mosq, 100, 1);
					record_acks(m);
					for (size_t i = 0; i < m->nfl; i++)
						done &= m->fl[i].kind != K_MONITOR;
					if (done)
						break;
				}
			}
		}
		record_acks(m);
		m->conn = DOWN;
		mosquitto_disconnect(m->mosq);
	}
	if (m->mosq != NULL)
		mosquitto_destroy(m->mosq);
	flights_clear(m);
	free(m->fl);
	for (size_t i = 0; i < m->nrt; i++)
		free(m->rt[i].topic);
	free(m->rt);
	if (m->password != NULL) {
		explicit_bzero(m->password, strlen(m->password));
		free(m->password);
	}
	mosquitto_lib_cleanup();
	free(m);
}
