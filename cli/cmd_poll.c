/* cmd_poll.c: `clickstatus poll`: one cycle (--once) or the polling daemon loop. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "cycle/cycle.h"
#include "aws/poll.h"
#include "daemon.h"
#include "site/sitepub.h"
#include "store/store.h"

void
cmd_poll_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: clickstatus poll [--once] [--feed-base-url URL] [--currentevents-url URL] [--force]\n"
	    "                        [--site-dir DIR] [--site-src DIR] [--no-render]\n"
	    "\n"
	    "Fetches every AWS feed the configuration needs (conditionally: an unchanged\n"
	    "feed costs a 304 and no parsing), plus all.rss and currentevents, records new\n"
	    "AWS items, re-judges every component and commits the changes together with\n"
	    "the notifications they owe. The site is published after every change, and\n"
	    "at least every render_interval seconds without one, so its times show its\n"
	    "age. Without --once it is the daemon `clickstatus run --no-serve` (see\n"
	    "`clickstatus run --help`): polls every poll_interval, sends the mail, keeps\n"
	    "the MQTT dashboards, until SIGINT or SIGTERM.\n"
	    "  --once                  one cycle, then exit (1 if any feed failed or is backing off)\n"
	    "  --feed-base-url URL     replaces https://status.aws.amazon.com/rss/\n"
	    "  --currentevents-url URL default: the configured one, or <feed-base-url>currentevents\n"
	    "  --force                 also fetch feeds that are backing off after errors\n"
	    "  --site-dir DIR          publish the site there (default: the configuration's\n"
	    "                          site_dir, relative to the state directory)\n"
	    "  --site-src DIR          templates and assets (default: the installed site/)\n"
	    "  --no-render             do not render the site (the owed renders stay queued)\n");
}

static void
log_line(void *ctx, const char *level, const char *subsys, const char *msg)
{
	cli_log(ctx, level, subsys, "%s", msg);
}

/* What the command line asks of `poll`. */
struct poll_args {
	struct cycle_options co;
	const char *site_dir, *site_src;
	int once, no_render;
};

/* Parses and checks the options; returns 0 or an exit code. */
static int
parse_args(const struct cli_globals *g, int argc, char **argv, struct poll_args *a)
{
	static const struct option opts[] = {
		{ "once", no_argument, NULL, 'o' },
		{ "feed-base-url", required_argument, NULL, 'b' },
		{ "currentevents-url", required_argument, NULL, 'c' },
		{ "force", no_argument, NULL, 'f' },
		{ "site-dir", required_argument, NULL, 'd' },
		{ "site-src", required_argument, NULL, 's' },
		{ "no-render", no_argument, NULL, 'n' },
		{ NULL, 0, NULL, 0 },
	};
	char err[CS_ERRLEN];
	int ch;

	memset(a, 0, sizeof(*a));
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'o': a->once = 1; break;
		case 'b': a->co.feed_base_url = optarg; break;
		case 'c': a->co.currentevents_url = optarg; break;
		case 'f': a->co.force = 1; break;
		case 'd': a->site_dir = optarg; break;
		case 's': a->site_src = optarg; break;
		case 'n': a->no_render = 1; break;
		default:
			fprintf(stderr, "clickstatus poll: unknown option or missing value: \"%s\"\n",
			    argv[optind - 1]);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "clickstatus poll: unexpected argument \"%s\"\n", argv[optind]);
		return CLI_EXIT_USAGE;
	}
	if (!a->once && g->now_set) {
		fprintf(stderr, "clickstatus poll: --now replays one cycle; use it with --once\n");
		return CLI_EXIT_USAGE;
	}
	err[0] = '\0';
	if (a->co.feed_base_url != NULL &&
	    poll_url_allowed(a->co.feed_base_url, err, sizeof(err)) != CS_OK) {
		fprintf(stderr, "clickstatus poll: --feed-base-url: %s\n", err);
		return CLI_EXIT_USAGE;
	}
	/* Refused later it would only be a failed fetch every cycle, exit 1: say so now. */
	if (a->co.currentevents_url != NULL &&
	    poll_url_allowed(a->co.currentevents_url, err, sizeof(err)) != CS_OK) {
		fprintf(stderr, "clickstatus poll: --currentevents-url: %s\n", err);
		return CLI_EXIT_USAGE;
	}
	return 0;
}

/* The poller as the configuration sets it; NULL when libcurl cannot start. */
static struct poll *
make_poller(const struct config *cfg)
{
	struct poll_options po;

	poll_options_default(&po);
	po.max_parallel = (unsigned)cfg->max_parallel;
	po.connect_timeout_ms = (long)cfg->timeout_connect * 1000;
	po.timeout_ms = (long)cfg->timeout_total * 1000;
	po.max_body = cfg->max_feed_bytes;
	return poll_new(&po);
}

/*
 * One cycle and the renders it owes, logged. Returns the cycle's result;
 * *render_failed says whether the site could not be published.
 */
static cs_err
one_cycle(struct cli_globals *g, const struct config *cfg, struct store *st, struct poll *p,
    struct sitepub *sp, const struct poll_args *a, const char *dir,
    struct cycle_report *rep, int *render_failed)
{
	int64_t now = g->now_set ? g->now : (int64_t)time(NULL);
	char err[CS_ERRLEN];
	cs_err rc;

	rc = cycle_poll(cfg, st, p, now, &a->co, rep, log_line, g, err, sizeof(err));
	if (rc != CS_OK) {
		/* The store or the poller failed: the cycle committed nothing. */
		cli_log(g, "error", "poll", "cycle failed: %s", err);
		return rc;
	} else {
		cli_log(g, "info", "poll",
		    "%zu documents: %zu fetched, %zu unchanged, %zu failed, %zu backing off; "
		    "%zu new items, %zu edited; %zu components changed",
		    rep->feeds, rep->fetched, rep->not_modified, rep->failed, rep->skipped,
		    rep->items_new, rep->items_revised, rep->components_changed);
	}
	*render_failed = 0;
	if (sp != NULL) {
		int rendered = 0;

		/* A failed render stays in the outbox and is retried next cycle. */
		*render_failed = sitepub_drain(sp, cfg, st, now, &rendered, err, sizeof(err)) != CS_OK;
		if (*render_failed)
			cli_log(g, "error", "render", "%s", err);
		else if (rendered)
			cli_log(g, "info", "render", "site published in %s", dir);
	}
	return rc;
}

int
cmd_poll(struct cli_globals *g, int argc, char **argv)
{
	char err[CS_ERRLEN];
	struct catalogue *cat = NULL;
	struct config *cfg = NULL;
	struct store *st = NULL;
	struct poll *p = NULL;
	struct poll_args a;
	struct cycle_report rep;
	struct sitepub *sp = NULL;
	char dir[4096];
	int ret, render_failed = 0;
	cs_err rc;

	ret = parse_args(g, argc, argv, &a);
	if (ret != 0)
		return ret;
	if (!a.once) {
		/* The daemon loop is `run`'s, without the subscription endpoint. */
		struct run_args ra;

		memset(&ra, 0, sizeof(ra));
		ra.co = a.co;
		ra.site_dir = a.site_dir;
		ra.site_src = a.site_src;
		ra.no_render = a.no_render;
		ra.no_serve = 1;
		ra.what = "poll";
		return run_daemon(g, &ra);
	}
	if (cli_load(g, &cat, &cfg) != CS_OK)
		return CLI_EXIT_USAGE;
	ret = CLI_EXIT_FAIL;
	memset(&rep, 0, sizeof(rep));
	dir[0] = '\0';
	rc = store_open(g->state_dir, &st, err, sizeof(err));
	if (rc != CS_OK) {
		cli_log(g, "error", "store", "%s", err);
		goto out;
	}
	if (!a.no_render) {
		if (cli_site_dir(g, cfg, a.site_dir, dir, sizeof(dir)) != 0) {
			cli_log(g, "error", "render", "site directory path too long");
			goto out;
		}
		rc = sitepub_new(a.site_src, dir, &sp, err, sizeof(err));
		if (rc != CS_OK) {
			cli_log(g, "error", "render", "%s", err);
			goto out;
		}
	}
	p = make_poller(cfg);
	if (p == NULL) {
		cli_log(g, "error", "poll", "cannot initialise libcurl");
		goto out;
	}
	rc = one_cycle(g, cfg, st, p, sp, &a, dir, &rep, &render_failed);
	/* Feeds still backing off are a failure that goes on: --once says so. */
	ret = (rc == CS_OK && rep.failed == 0 && rep.skipped == 0 && !render_failed) ?
	    CLI_EXIT_OK : CLI_EXIT_FAIL;
out:
	sitepub_free(sp);
	poll_free(p);
	store_close(st);
	config_free(cfg);
	catalogue_free(cat);
	return ret;
}
