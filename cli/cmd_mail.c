/* cmd_mail.c: `clickstatus mail` (send the email alerts due) and `clickstatus outbox` (what is owed). */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "base/cstime.h"
#include "email/mailer.h"
#include "store/mailq.h"
#include "store/store.h"

void
cmd_mail_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: clickstatus mail\n"
	    "\n"
	    "Sends the email alerts due as of --now: turns the incident, maintenance and\n"
	    "RCA news of the outbox into mailings (updates of one incident within\n"
	    "email.batch_window make one mail), and delivers each to the confirmed\n"
	    "subscribers whose components and priority match: through email.smtp when it\n"
	    "is configured, else into the Maildir <state-dir>/mail (read it with any mail\n"
	    "reader, e.g. `mutt -f <state-dir>/mail`). A relay that is down is retried\n"
	    "later; nothing is dropped. Prints what was done.\n");
}

static void
log_line(void *ctx, const char *level, const char *subsys, const char *msg)
{
	cli_log(ctx, level, subsys, "%s", msg);
}

int
cmd_mail(struct cli_globals *g, int argc, char **argv)
{
	struct catalogue *cat = NULL;
	struct config *cfg = NULL;
	struct store *st = NULL;
	struct mailer *m = NULL;
	struct mailer_stats s;
	char err[CS_ERRLEN] = "", when[32];
	int ret = CLI_EXIT_OK, lock = -1;

	if (argc > 1) {
		fprintf(stderr, "clickstatus mail: unexpected argument \"%s\"\n", argv[1]);
		return CLI_EXIT_USAGE;
	}
	if (cli_load(g, &cat, &cfg) != CS_OK)
		return CLI_EXIT_USAGE;
	/* The daemon sends the mail itself; a second sender could send a message twice. */
	if ((ret = cli_lock(g, "mail", 1, &lock)) != 0)
		goto out;
	if (mailer_new(cfg, g->state_dir, NULL, &m, err, sizeof(err)) != CS_OK) {
		cli_log(g, "error", "mail", "%s", err);
		ret = CLI_EXIT_USAGE;
		goto out;
	}
	mailer_set_log(m, log_line, g);
	if (store_open(g->state_dir, &st, err, sizeof(err)) != CS_OK ||
	    mailer_run(m, st, g->now, &s, err, sizeof(err)) != CS_OK) {
		cli_log(g, "error", "mail", "%s", err);
		ret = CLI_EXIT_FAIL;
		goto out;
	}
	printf("%zu mailing%s to %zu recipient%s; %zu sent, %zu deferred, %zu bounced, %zu given up",
	    s.mailings, s.mailings == 1 ? "" : "s", s.recipients, s.recipients == 1 ? "" : "s",
	    s.sent, s.retried, s.bounced, s.dead);
	if (s.next_due != 0)
		printf("; more due at %s", cstime_format_iso8601(s.next_due, when, sizeof(when)));
	printf("\n");
out:
	mailer_free(m);
	store_close(st);
	cli_unlock(lock);
	config_free(cfg);
	catalogue_free(cat);
	return ret;
}

void
cmd_outbox_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: clickstatus outbox [--retry-dead]\n"
	    "\n"
	    "What the store owes the outside world: outbox rows by channel and state\n"
	    "(pending, delivered, dead letters, expired, mailed), email deliveries by\n"
	    "state, and every dead letter with its last error.\n"
	    "  --retry-dead  make the dead letters (outbox rows and deliveries) due again\n");
}

int
cmd_outbox(struct cli_globals *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "retry-dead", no_argument, NULL, 'r' },
		{ NULL, 0, NULL, 0 },
	};
	struct store *st = NULL;
	struct mailq_counts c;
	char err[CS_ERRLEN] = "", when[32];
	int ch, retry = 0, ret = CLI_EXIT_OK;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'r') {
			retry = 1;
		} else {
			fprintf(stderr, "clickstatus outbox: unknown option \"%s\"\n", argv[optind - 1]);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "clickstatus outbox: unexpected argument \"%s\"\n", argv[optind]);
		return CLI_EXIT_USAGE;
	}
	if (store_open(g->state_dir, &st, err, sizeof(err)) != CS_OK) {
		cli_log(g, "error", "store", "%s", err);
		return CLI_EXIT_FAIL;
	}
	if (retry) {
		size_t n = 0, d = 0;

		if (store_outbox_retry_dead(st, NULL, g->now, &n, err, sizeof(err)) != CS_OK ||
		    mailq_retry_dead(st, g->now, &d, err, sizeof(err)) != CS_OK) {
			cli_log(g, "error", "store", "%s", err);
			ret = CLI_EXIT_FAIL;
			goto out;
		}
		printf("%zu outbox row%s and %zu deliver%s due again\n", n, n == 1 ? "" : "s", d,
		    d == 1 ? "y" : "ies");
		goto out;
	}
	if (store_outbox_print(st, stdout, err, sizeof(err)) != CS_OK ||
	    mailq_count(st, &c, err, sizeof(err)) != CS_OK) {
		cli_log(g, "error", "store", "%s", err);
		ret = CLI_EXIT_FAIL;
		goto out;
	}
	printf("\nemail deliveries: %zu pending, %zu sent, %zu bounced, %zu dead, %zu superseded,"
	    " %zu dropped", c.pending, c.sent, c.bounced, c.dead, c.superseded, c.dropped);
	if (c.next_due != 0)
		printf("; next attempt %s", cstime_format_iso8601(c.next_due, when, sizeof(when)));
	printf("\n");
	if (mailq_print_dead(st, stdout, err, sizeof(err)) != CS_OK) {
		cli_log(g, "error", "store", "%s", err);
		ret = CLI_EXIT_FAIL;
	}
out:
	store_close(st);
	return ret;
}
