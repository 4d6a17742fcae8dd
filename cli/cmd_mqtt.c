/* cmd_mqtt.c: `clickstatus mqtt`: one pass of the MQTT publisher, for a broker the daemon does not keep. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "base/cstime.h"
#include "mqtt/mqttpub.h"
#include "store/store.h"

/* How long one pass waits for the broker: to connect, then for every acknowledgement. */
#define PASS_TIMEOUT_MS 15000

void
cmd_mqtt_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: clickstatus mqtt\n"
	    "\n"
	    "One pass of the MQTT publisher (the configuration's \"mqtt\" broker): connects,\n"
	    "publishes the retained state as of --now (summary, components, AWS feeds, open\n"
	    "incidents, SLA clocks) and every event the outbox owes to <prefix>/events, waits\n"
	    "for the broker to acknowledge each, and disconnects. The polling daemon does the\n"
	    "same continuously and also keeps <prefix>/monitor; this pass leaves it alone.\n"
	    "Exits 1 when the broker cannot be reached or did not acknowledge everything\n"
	    "(what was not acknowledged stays owed).\n");
}

static void
log_line(void *ctx, const char *level, const char *subsys, const char *msg)
{
	cli_log(ctx, level, subsys, "%s", msg);
}

int
cmd_mqtt(struct cli_globals *g, int argc, char **argv)
{
	struct catalogue *cat = NULL;
	struct config *cfg = NULL;
	struct store *st = NULL;
	struct mqttpub *m = NULL;
	struct mqttpub_stats s;
	char err[CS_ERRLEN] = "";
	int64_t end;
	int ret = CLI_EXIT_FAIL, lock = -1;

	if (argc > 1) {
		fprintf(stderr, "clickstatus mqtt: unexpected argument \"%s\"\n", argv[1]);
		return CLI_EXIT_USAGE;
	}
	if (cli_load(g, &cat, &cfg) != CS_OK)
		return CLI_EXIT_USAGE;
	if (cfg->mqtt.host == NULL) {
		fprintf(stderr, "clickstatus mqtt: the configuration has no \"mqtt\" broker (mqtt.host)\n");
		ret = CLI_EXIT_USAGE;
		goto out;
	}
	/* The daemon keeps the broker itself; a second publisher could send an event twice. */
	if ((ret = cli_lock(g, "mqtt", 0, &lock)) != 0)
		goto out;
	ret = CLI_EXIT_FAIL;
	if (store_open(g->state_dir, &st, err, sizeof(err)) != CS_OK) {
		cli_log(g, "error", "store", "%s", err);
		goto out;
	}
	if (mqttpub_new(cfg, cat, st, 0, &m, err, sizeof(err)) != CS_OK) {
		cli_log(g, "error", "mqtt", "%s", err);
		goto out;
	}
	mqttpub_set_log(m, log_line, g);
	/* Sets the pass's clock (--now) first: the connect publishes as of it. */
	if (mqttpub_publish(m, g->now, err, sizeof(err)) != CS_OK) {
		cli_log(g, "error", "mqtt", "%s", err);
		goto out;
	}
	end = cstime_mono_ms() + PASS_TIMEOUT_MS;
	/* One attempt: a pass is retried by whoever runs it (the daemon retries by itself). */
	for (mqttpub_stats(m, &s); !s.connected && s.failures == 0 && cstime_mono_ms() < end;
	    mqttpub_stats(m, &s))
		mqttpub_service(m, 100);
	if (!s.connected) {
		/* A failed attempt has said why, in one line; a pass that ran out says it here. */
		if (s.failures == 0)
			cli_log(g, "error", "mqtt", "no connection to %s:%d within %d s; the events "
			    "stay owed", cfg->mqtt.host, cfg->mqtt.port, PASS_TIMEOUT_MS / 1000);
		goto out;
	}
	if (mqttpub_publish(m, g->now, err, sizeof(err)) != CS_OK) {
		cli_log(g, "error", "mqtt", "%s", err);
		goto out;
	}
	while (!mqttpub_idle(m) && cstime_mono_ms() < end)
		mqttpub_service(m, 100);
	mqttpub_stats(m, &s);
	printf("%zu event%s and %zu retained message%s acknowledged", s.events_acked,
	    s.events_acked == 1 ? "" : "s", s.retained_acked, s.retained_acked == 1 ? "" : "s");
	if (s.refused > 0)
		printf("; %zu refused by the broker", s.refused);
	if (s.inflight > 0)
		printf("; %zu unacknowledged", s.inflight);
	printf("\n");
	ret = (s.refused == 0 && s.inflight == 0 && s.connected) ? CLI_EXIT_OK : CLI_EXIT_FAIL;
out:
	mqttpub_free(m);
	store_close(st);
	cli_unlock(lock);
	config_free(cfg);
	catalogue_free(cat);
	return ret;
}
