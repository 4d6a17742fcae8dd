/*
 * bench_mqtt.c: from a changed feed to a dashboard's screen over MQTT, beside the broker's own
 * publish-to-subscriber time, in one run (tests/bench/bench-mqtt.sh).
 *
 *   bench_mqtt CONFIG STATE_DIR FEED_DIR FEED_BASE_URL BROKER_PORT RUNS
 *
 * CONFIG has an "mqtt" section for the broker on 127.0.0.1:BROKER_PORT (user
 * monitor) and the CLICK components; nginx serves FEED_DIR at FEED_BASE_URL.
 * Each run rewrites directconnect-eu-central-1.rss (an AWS post on Direct
 * Connect in Frankfurt, then its resolution, alternately), advances the
 * cycle's clock by an hour (no flap rule holds the change), and measures:
 *   t0  just before cycle_poll(): the fetch of the changed bytes starts
 *       (loopback: the fetch itself is a fraction of a millisecond)
 *   t1  cycle_poll() returned: fetched, parsed, classified, decided, committed
 *   t2  mqttpub_publish() returned: the event is on the socket
 *   t3  the subscribed dashboard (another libmosquitto client, TCP_NODELAY,
 *       its own network thread) has the eu-contact-centre event
 * Then, as anchors measured in the same run: the broker's own QoS 1 publish
 * to the same subscriber, and a new subscriber's one retained message,
 * against a new dashboard's whole retained state under click/status/#.
 * Prints one "name value" line per figure (milliseconds); the script makes
 * the table. Only 127.0.0.1 is contacted.
 */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <mosquitto.h>

#include "aws/catalogue.h"
#include "aws/poll.h"
#include "base/cstime.h"
#include "cycle/cycle.h"
#include "model/config.h"
#include "mqtt/mqttpub.h"
#include "store/store.h"

#define SLUG "directconnect-eu-central-1"
#define COMPONENT "eu-contact-centre"

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* What the dashboard saw last, under its lock. */
static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	char want[64];          /* status of the component event waited for */
	double got_at;          /* when it came; 0 not yet */
	int ping;               /* the broker anchor: the ping number waited for */
	double ping_at;
	size_t retained;        /* retained messages a new subscriber counted */
	double retained_last;
} seen = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, "", 0, -1, 0, 0, 0 };

static void
on_message(struct mosquitto *mosq, void *obj, const struct mosquitto_message *msg)
{
	double t = now_ms();
	json_t *v;

	(void)mosq;
	(void)obj;
	pthread_mutex_lock(&seen.mu);
	if (strstr(msg->topic, "/ping") != NULL) {
		if (msg->payloadlen > 0 && atoi(msg->payload) == seen.ping)
			seen.ping_at = t;
	} else if (strstr(msg->topic, "/events") != NULL &&
	    (v = json_loadb(msg->payload, (size_t)msg->payloadlen, 0, NULL)) != NULL) {
		const char *id = json_string_value(json_object_get(v, "id"));
		const char *st = json_string_value(json_object_get(v, "status"));

		if (id != NULL && st != NULL && strcmp(id, COMPONENT) == 0 &&
		    strcmp(st, seen.want) == 0 && seen.got_at == 0)
			seen.got_at = t;
		json_decref(v);
	}
	pthread_cond_broadcast(&seen.cv);
	pthread_mutex_unlock(&seen.mu);
}

static void
on_retained(struct mosquitto *mosq, void *obj, const struct mosquitto_message *msg)
{
	(void)mosq;
	(void)obj;
	if (!msg->retain)
		return;
	pthread_mutex_lock(&seen.mu);
	seen.retained++;
	seen.retained_last = now_ms();
	pthread_cond_broadcast(&seen.cv);
	pthread_mutex_unlock(&seen.mu);
}

static struct mosquitto *
client(const char *id, int port, const char *user, const char *pw,
    void (*cb)(struct mosquitto *, void *, const struct mosquitto_message *))
{
	struct mosquitto *m = mosquitto_new(id, true, NULL);

	if (m == NULL)
		return NULL;
	mosquitto_int_option(m, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V5);
	mosquitto_int_option(m, MOSQ_OPT_TCP_NODELAY, 1);
	mosquitto_username_pw_set(m, user, pw);
	if (cb != NULL)
		mosquitto_message_callback_set(m, cb);
	if (mosquitto_connect(m, "127.0.0.1", port, 30) != MOSQ_ERR_SUCCESS) {
		mosquitto_destroy(m);
		return NULL;
	}
	return m;
}

/* One AWS post on the feed: an outage (degraded) or its resolution, dated 5 minutes before now. */
static int
write_feed(const char *dir, int n, int64_t now)
{
	char path[4096], tmp[4200], date[64];
	time_t t = (time_t)(now - 300);
	struct tm tm;
	FILE *fp;

	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%a, %d %b %Y %H:%M:%S GMT", &tm);
	snprintf(path, sizeof(path), "%s/" SLUG ".rss", dir);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fp = fopen(tmp, "w");
	if (fp == NULL)
		return -1;
	fprintf(fp, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>"
	    "<title>AWS Direct Connect (Frankfurt) Service Status</title>"
	    "<link>https://status.aws.amazon.com/</link><description>bench</description>"
	    "<item><title>%s</title><link>https://status.aws.amazon.com/</link>"
	    "<pubDate>%s</pubDate><guid isPermaLink=\"false\">https://status.aws.amazon.com/#"
	    SLUG "_%lld</guid><description>Run %d.</description></item></channel></rss>\n",
	    n % 2 ? "Service impact: Increased Packet loss" :
	    "Service is operating normally: [RESOLVED] Increased Packet loss", date,
	    (long long)t, n);   /* AWS's guids end in the post's epoch, which the parser reads */
	if (fclose(fp) != 0)
		return -1;
	return rename(tmp, path);
}

static int
cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void
report(const char *name, double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp);
	printf("%s %.3f %.3f %.3f\n", name, n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2,
	    v[(n * 9) / 10 < n ? (n * 9) / 10 : n - 1], v[n - 1]);
}

/* Waits (the lock held) until *flag is set or 5 s passed; 0 when it came. */
static int
wait_for(double *flag)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += 5;
	while (*flag == 0)
		if (pthread_cond_timedwait(&seen.cv, &seen.mu, &ts) != 0)
			return -1;
	return 0;
}

int
main(int argc, char **argv)
{
	struct catalogue *cat = NULL;
	struct config *cfg = NULL;
	struct store *st = NULL;
	struct poll *p = NULL;
	struct mqttpub *mq = NULL;
	struct mosquitto *dash = NULL, *pub = NULL;
	struct cycle_options co;
	struct cycle_report rep;
	struct poll_options po;
	char err[CS_ERRLEN] = "", *report_text = NULL;
	double *lat, *cyc, *pubt, *broker, *full, *one;
	int runs, port;
	/* The cycles' clock: from the last hour on, an hour per run (the daemon's clock). */
	const int64_t T0 = (int64_t)time(NULL) / 3600 * 3600;
	size_t want_retained = 0;

	if (argc != 7) {
		fprintf(stderr, "usage: bench_mqtt CONFIG STATE_DIR FEED_DIR FEED_BASE_URL PORT RUNS\n");
		return 2;
	}
	port = atoi(argv[5]);
	runs = atoi(argv[6]);
	if (runs < 1 || runs > 1000)
		runs = 20;
	lat = calloc((size_t)runs, sizeof(double));
	cyc = calloc((size_t)runs, sizeof(double));
	pubt = calloc((size_t)runs, sizeof(double));
	broker = calloc((size_t)runs, sizeof(double));
	full = calloc((size_t)runs, sizeof(double));
	one = calloc((size_t)runs, sizeof(double));
	mosquitto_lib_init();
	if (catalogue_default(&cat, err, sizeof(err)) != CS_OK ||
	    config_load_report(argv[1], cat, &cfg, &report_text) != CS_OK ||
	    store_open(argv[2], &st, err, sizeof(err)) != CS_OK) {
		fprintf(stderr, "bench_mqtt: %s%s\n", err, report_text ? report_text : "");
		return 1;
	}
	poll_options_default(&po);
	p = poll_new(&po);
	if (p == NULL || mqttpub_new(cfg, cat, st, 1, &mq, err, sizeof(err)) != CS_OK) {
		fprintf(stderr, "bench_mqtt: %s\n", err);
		return 1;
	}
	dash = client("bench-dashboard", port, "dash", "dash-pw", on_message);
	pub = client("bench-anchor", port, "monitor", "monitor-pw", NULL);
	if (dash == NULL || pub == NULL) {
		fprintf(stderr, "bench_mqtt: cannot connect to 127.0.0.1:%d\n", port);
		return 1;
	}
	mosquitto_subscribe(dash, NULL, "click/status/events", 1);
	mosquitto_subscribe(dash, NULL, "click/status/ping", 1);
	mosquitto_loop_start(dash);
	mosquitto_loop_start(pub);
	memset(&co, 0, sizeof(co));
	co.feed_base_url = argv[4];

	/* The first cycle: every component's first status; then the publisher connects. */
	if (write_feed(argv[3], 0, T0) != 0 || cycle_poll(cfg, st, p, T0, &co, &rep, NULL, NULL, err,
	    sizeof(err)) != CS_OK) {
		fprintf(stderr, "bench_mqtt: first cycle: %s\n", err);
		return 1;
	}
	mqttpub_publish(mq, T0, err, sizeof(err));
	{
		struct mqttpub_stats ps;
		double end = now_ms() + 10000;

		for (mqttpub_stats(mq, &ps); !ps.connected && now_ms() < end; mqttpub_stats(mq, &ps))
			mqttpub_service(mq, 50);
		if (!ps.connected) {
			fprintf(stderr, "bench_mqtt: the publisher did not connect\n");
			return 1;
		}
	}
	while (!mqttpub_idle(mq))
		mqttpub_service(mq, 50);
	mqttpub_service(mq, 300);

	for (int i = 0; i < runs; i++) {
		int64_t now = T0 + (int64_t)(i + 1) * 3600;
		double t0, t1, t2;
		int late;

		write_feed(argv[3], i + 1, now);
		pthread_mutex_lock(&seen.mu);
		snprintf(seen.want, sizeof(seen.want), "%s",
		    (i + 1) % 2 ? "degraded_performance" : "operational");
		seen.got_at = 0;
		pthread_mutex_unlock(&seen.mu);
		t0 = now_ms();
		if (cycle_poll(cfg, st, p, now, &co, &rep, NULL, NULL, err, sizeof(err)) != CS_OK) {
			fprintf(stderr, "bench_mqtt: cycle: %s\n", err);
			return 1;
		}
		t1 = now_ms();
		mqttpub_publish(mq, now, err, sizeof(err));
		t2 = now_ms();
		/* The publisher reads its acknowledgements while the dashboard's thread receives. */
		for (double end = t2 + 5000; now_ms() < end;) {
			pthread_mutex_lock(&seen.mu);
			late = seen.got_at == 0;
			pthread_mutex_unlock(&seen.mu);
			if (!late)
				break;
			mqttpub_service(mq, 1);
		}
		pthread_mutex_lock(&seen.mu);
		late = seen.got_at == 0;
		lat[i] = seen.got_at - t0;
		pthread_mutex_unlock(&seen.mu);
		if (late) {
			fprintf(stderr, "bench_mqtt: run %d: no %s event for " COMPONENT " within 5 s"
			    " (%zu fetched, %zu unchanged, %zu failed, %zu new items, %zu components"
			    " changed)\n", i, seen.want, rep.fetched, rep.not_modified, rep.failed,
			    rep.items_new, rep.components_changed);
			return 1;
		}
		cyc[i] = t1 - t0;
		pubt[i] = t2 - t1;
		for (int k = 0; k < 20 && !mqttpub_idle(mq); k++)
			mqttpub_service(mq, 20);
	}

	/* The broker alone: QoS 1 publish to the same subscriber. */
	for (int i = 0; i < runs; i++) {
		char buf[16];
		double t0;

		snprintf(buf, sizeof(buf), "%d", i);
		pthread_mutex_lock(&seen.mu);
		seen.ping = i;
		seen.ping_at = 0;
		pthread_mutex_unlock(&seen.mu);
		t0 = now_ms();
		mosquitto_publish(pub, NULL, "click/status/ping", (int)strlen(buf), buf, 1, false);
		pthread_mutex_lock(&seen.mu);
		if (wait_for(&seen.ping_at) != 0) {
			pthread_mutex_unlock(&seen.mu);
			fprintf(stderr, "bench_mqtt: ping %d lost\n", i);
			return 1;
		}
		broker[i] = seen.ping_at - t0;
		pthread_mutex_unlock(&seen.mu);
	}

	/* How many retained topics there are: counted once, slowly. */
	for (int pass = 0; pass <= runs; pass++) {
		const char *topic = pass == 0 || pass % 2 ? "click/status/#" : "click/status/summary";
		int whole = strcmp(topic, "click/status/#") == 0;
		struct mosquitto *m;
		double t0 = now_ms(), end;

		pthread_mutex_lock(&seen.mu);
		seen.retained = 0;
		seen.retained_last = 0;
		pthread_mutex_unlock(&seen.mu);
		m = client(NULL, port, "dash", "dash-pw", on_retained);
		if (m == NULL)
			return 1;
		mosquitto_subscribe(m, NULL, topic, 1);
		end = now_ms() + (pass == 0 ? 1000 : 5000);
		while (now_ms() < end) {
			size_t n;

			mosquitto_loop(m, 1, 100);
			pthread_mutex_lock(&seen.mu);
			n = seen.retained;
			pthread_mutex_unlock(&seen.mu);
			if (pass > 0 && n >= (whole ? want_retained : 1))
				break;
		}
		if (pass == 0)
			want_retained = seen.retained;
		else if (whole)
			full[(pass - 1) / 2] = seen.retained_last - t0;
		else
			one[(pass - 1) / 2] = seen.retained_last - t0;
		mosquitto_disconnect(m);
		mosquitto_destroy(m);
	}
	printf("runs %d\n", runs);
	report("event_ms", lat, runs);
	report("cycle_ms", cyc, runs);
	report("publish_ms", pubt, runs);
	report("broker_ms", broker, runs);
	report("retained_all_ms", full, (runs + 1) / 2);
	report("retained_one_ms", one, runs / 2);
	printf("retained_topics %zu\n", want_retained);
	mosquitto_loop_stop(dash, true);
	mosquitto_loop_stop(pub, true);
	mosquitto_destroy(dash);
	mosquitto_destroy(pub);
	mqttpub_free(mq);
	poll_free(p);
	store_close(st);
	config_free(cfg);
	catalogue_free(cat);
	mosquitto_lib_cleanup();
	free(lat);
	free(cyc);
	free(pubt);
	free(broker);
	free(full);
	free(one);
	free(report_text);
	return 0;
}
