/* cmd_sla.c: `clickstatus sla`: the open support clocks of every incident, soonest first. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/bizclock.h"
#include "cycle/incident_records.h"
#include "cli.h"
#include "base/cstime.h"
#include "support/priority.h"
#include "support/sla.h"
#include "store/store.h"

void
cmd_sla_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: clickstatus sla [--all] [--holiday YYYY-MM-DD]...\n"
	    "\n"
	    "Prints the support clocks of the incidents (initial response, next update,\n"
	    "RCA draft and final) as of --now, soonest deadline first; OVERDUE marks a\n"
	    "clock whose deadline has passed. P1/P2 count wall-clock time, P3/P4 business\n"
	    "time (the configuration's business_hours and holidays, by default Mon-Fri\n"
	    "08:00-17:00 America/Chicago, minus --holiday dates). Incidents\n"
	    "marked \"CLICK not affected\" have no clocks.\n"
	    "  --all       also the clocks already met or kept late\n"
	    "  --holiday   a date the support desk is closed (repeatable)\n");
}

int
cmd_sla(struct cli_globals *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "all", no_argument, NULL, 'a' },
		{ "holiday", required_argument, NULL, 'H' },
		{ NULL, 0, NULL, 0 },
	};
	struct bizclock bc;
	struct incident_clock *rows = NULL;
	size_t nrows = 0;
	struct store *st = NULL;
	struct catalogue *cat = NULL;
	struct config *cfg = NULL;
	const char *extra[64];
	size_t nextra = 0;
	char err[CS_ERRLEN], when[32];
	int ch, ret = CLI_EXIT_OK;

	int all = 0;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'a') {
			all = 1;
		} else if (ch == 'H') {
			if (nextra == sizeof(extra) / sizeof(extra[0])) {
				fprintf(stderr, "clickstatus sla: at most %zu --holiday\n", nextra);
				return CLI_EXIT_USAGE;
			}
			extra[nextra++] = optarg;
		} else {
			fprintf(stderr, "clickstatus sla: unknown option or missing value \"%s\"\n",
			    argv[optind - 1]);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "clickstatus sla: unexpected argument \"%s\"\n", argv[optind]);
		return CLI_EXIT_USAGE;
	}
	/* The configuration's hours and holidays, plus any given here. */
	if (cli_load(g, &cat, &cfg) != CS_OK)
		return CLI_EXIT_USAGE;
	bc = cfg->business;
	for (size_t i = 0; i < nextra; i++) {
		err[0] = '\0';
		if (bizclock_add_holiday(&bc, extra[i], err, sizeof(err)) != CS_OK) {
			fprintf(stderr, "clickstatus sla: --holiday %s: %s\n", extra[i], err);
			ret = CLI_EXIT_USAGE;
			goto out;
		}
	}
	err[0] = '\0';
	if (store_open(g->state_dir, &st, err, sizeof(err)) != CS_OK) {
		cli_log(g, "error", "store", "%s", err);
		ret = CLI_EXIT_FAIL;
		goto out;
	}
	if (incident_records_clocks(st, &bc, g->now, all, &rows, &nrows, err, sizeof(err)) != CS_OK) {
		cli_log(g, "error", "sla", "%s", err);
		ret = CLI_EXIT_FAIL;
		goto out;
	}
	printf("%-20s %-8s %-5s %-4s %-17s %s\n", "DEADLINE", "STATE", "ID", "PRIO", "CLOCK", "TITLE");
	for (size_t i = 0; i < nrows; i++) {
		const struct incident_clock *r = &rows[i];
		const char *state = r->clock.state == SLA_OVERDUE ? "OVERDUE" :
		    sla_state_name(r->clock.state);

		printf("%-20s %-8s %-5" PRId64 " %-4s %-17s %s\n",
		    cstime_format_iso8601(r->clock.deadline, when, sizeof(when)), state, r->id,
		    priority_name(r->prio), r->clock.name, r->title);
	}
	if (nrows == 0)
		printf("(no open clocks)\n");
out:
	incident_records_clocks_free(rows, nrows);
	store_close(st);
	config_free(cfg);
	catalogue_free(cat);
	return ret;
}
