/* cmd_health.c: `clickstatus health`: one exit status for external monitoring. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>

#include "cli.h"
#include "base/cstime.h"
#include "base/instance.h"
#include "cycle/cycle.h"
#include "model/judgement.h"
#include "store/mailq.h"
#include "store/store.h"
#include "store/targets_state.h"

void
cmd_health_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: clickstatus health [--max-age SECONDS]\n"
	    "\n"
	    "For a monitoring system (Nagios, a cron, a Kubernetes probe): prints one\n"
	    "line per check, \"ok\" or \"FAIL\", and exits 1 when any fails:\n"
	    "  poll      the last verified poll (every feed of the configuration read) is\n"
	    "            at most --max-age seconds old (default: 3 poll intervals, the\n"
	    "            age at which the site itself says it may be out of date)\n"
	    "  outbox    no dead letter: no page, mail or MQTT message given up\n"
	    "            (`clickstatus outbox` lists them, --retry-dead sends them again)\n"
	    "  target    each publish target holds the site: its last pass succeeded\n"
	    "            (`clickstatus publish --status` has the details)\n"
	    "  daemon    whether `clickstatus run` holds the state directory (information)\n");
}

/* The publish targets' lines; sets *failed when one fails. */
struct target_check {
	const struct config *cfg;
	int  *failed;
	char  seen[64];  /* bit per configured target reported */
};

static int
target_line(const struct store_target *t, void *ctx)
{
	struct target_check *c = ctx;
	char when[32];
	size_t i;

	for (i = 0; i < c->cfg->ntargets; i++)
		if (strcmp(c->cfg->targets[i].name, t->name) == 0)
			break;
	if (i == c->cfg->ntargets)
		return 0; /* no longer configured */
	if (i < sizeof(c->seen))
		c->seen[i] = 1;
	if (t->failing_since != 0) {
		*c->failed = 1;
		printf("FAIL target %s: failing since %s (%d attempts): %s\n", t->name,
		    cstime_format_iso8601(t->failing_since, when, sizeof(when)), t->failures,
		    t->last_error != NULL ? t->last_error : "unknown error");
	} else if (t->last_success == 0) {
		*c->failed = 1;
		printf("FAIL target %s: never published\n", t->name);
	} else {
		printf("ok target %s: holds release %s since %s\n", t->name,
		    t->release != NULL ? t->release : "?",
		    cstime_format_iso8601(t->last_success, when, sizeof(when)));
	}
	return 0;
}

int
cmd_health(struct cli_globals *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "max-age", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	struct catalogue *cat = NULL;
	struct config *cfg = NULL;
	struct store *st = NULL;
	struct judgement *j = NULL;
	struct mailq_counts mc;
	struct instance_lock l;
	char err[CS_ERRLEN] = "", when[32];
	int64_t max_age = -1, age;
	size_t dead = 0;
	pid_t holder = 0;
	int ch, failed = 0, ret = CLI_EXIT_FAIL;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'm' && cli_parse_seconds(optarg, &max_age) == 0 && max_age > 0)
			continue;
		fprintf(stderr, "clickstatus health: %s\n", ch == 'm' ?
		    "--max-age: want a number of seconds above 0" : "unknown option or missing value");
		return CLI_EXIT_USAGE;
	}
	if (optind != argc) {
		fprintf(stderr, "clickstatus health: unexpected argument \"%s\"\n", argv[optind]);
		return CLI_EXIT_USAGE;
	}
	if (cli_load(g, &cat, &cfg) != CS_OK)
		return CLI_EXIT_USAGE;
	if (max_age < 0)
		max_age = 3 * cfg->poll_interval;
	if (store_open(g->state_dir, &st, err, sizeof(err)) != CS_OK ||
	    cycle_view(cfg, st, g->now, &j, err, sizeof(err)) != CS_OK ||
	    store_outbox_count_state(st, NULL, "dead", &dead, err, sizeof(err)) != CS_OK ||
	    mailq_count(st, &mc, err, sizeof(err)) != CS_OK) {
		printf("FAIL store: %s\n", err);
		goto out;
	}
	if (j->data_verified_at == 0) {
		printf("FAIL poll: no verified poll ever (every feed of the configuration read)\n");
		failed = 1;
	} else {
		age = g->now - j->data_verified_at;
		failed |= age > max_age;
		printf("%s poll: last verified poll %s, %" PRId64 " s ago (limit %" PRId64 " s)\n",
		    age > max_age ? "FAIL" : "ok",
		    cstime_format_iso8601(j->data_verified_at, when, sizeof(when)), age, max_age);
	}
	failed |= dead > 0 || mc.dead > 0;
	printf("%s outbox: %zu dead letter%s, %zu dead email deliver%s\n",
	    dead > 0 || mc.dead > 0 ? "FAIL" : "ok", dead, dead == 1 ? "" : "s", mc.dead,
	    mc.dead == 1 ? "y" : "ies");
	{
		struct target_check tc;

		memset(&tc, 0, sizeof(tc));
		tc.cfg = cfg;
		tc.failed = &failed;
		if (store_target_list(st, target_line, &tc, err, sizeof(err)) != CS_OK) {
			printf("FAIL store: %s\n", err);
			failed = 1;
		}
		for (size_t i = 0; i < cfg->ntargets && i < sizeof(tc.seen); i++)
			if (!tc.seen[i]) {
				failed = 1;
				printf("FAIL target %s: never published\n", cfg->targets[i].name);
			}
	}
	/* The lock says whether a daemon runs; taking it for an instant harms nobody. */
	if (instance_lock(g->state_dir, "health", 1, &l, &holder, err, sizeof(err)) == CS_OK) {
		instance_unlock(&l);
		printf("info daemon: not running on %s\n", g->state_dir);
	} else if (holder > 0) {
		printf("info daemon: pid %ld holds %s\n", (long)holder, g->state_dir);
	} else {
		printf("info daemon: %s\n", err);
	}
	ret = failed ? CLI_EXIT_FAIL : CLI_EXIT_OK;
out:
	judgement_free(j);
	store_close(st);
	config_free(cfg);
	catalogue_free(cat);
	return ret;
}
