/* cmd_prune.c: `clickstatus prune`: the store's retention applied once (the daemon does it hourly). */
#include <stdio.h>

#include "cli.h"
#include "store/prune.h"
#include "store/store.h"

void
cmd_prune_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: clickstatus prune\n"
	    "\n"
	    "Deletes what the store no longer needs, as the daemon does every hour:\n"
	    "outbox rows finished more than %d days ago, email deliveries finished more\n"
	    "than %d days ago (never a pending one nor a dead letter) and their mailings,\n"
	    "expired confirmation tokens, and AWS items and texts older than %d days\n"
	    "that no verdict rests on. Component history, incidents, maintenances and the\n"
	    "audit log are kept: the site and `sla` show them. Deletes in short batches,\n"
	    "so the daemon may keep running. Prints what it deleted.\n",
	    PRUNE_OUTBOX_DAYS, PRUNE_MAIL_DAYS, PRUNE_HISTORY_DAYS);
}

int
cmd_prune(struct cli_globals *g, int argc, char **argv)
{
	struct prune_stats ps, total = { 0 };
	struct store *st = NULL;
	char err[CS_ERRLEN] = "", line[256];
	int ret = CLI_EXIT_OK;

	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "clickstatus prune: unexpected argument \"%s\"\n", argv[1]);
		return CLI_EXIT_USAGE;
	}
	if (store_open(g->state_dir, &st, err, sizeof(err)) != CS_OK) {
		cli_log(g, "error", "store", "%s", err);
		return CLI_EXIT_FAIL;
	}
	/* Each call is bounded; a store never pruned before takes a few. */
	do {
		if (store_prune(st, g->now, &ps, err, sizeof(err)) != CS_OK) {
			cli_log(g, "error", "store", "%s", err);
			ret = CLI_EXIT_FAIL;
			break;
		}
		total.outbox += ps.outbox;
		total.deliveries += ps.deliveries;
		total.mailings += ps.mailings;
		total.tokens += ps.tokens;
		total.items += ps.items;
		total.revisions += ps.revisions;
		total.batches += ps.batches;
		total.vacuumed |= ps.vacuumed;
	} while (ps.more);
	store_prune_format(&total, line, sizeof(line));
	printf("pruned %s\n", line);
	store_close(st);
	return ret;
}
