/* cmd_replay.c: `clickstatus replay DIR`: the whole pipeline over recorded feeds, in accelerated time. */
#include <dirent.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "daemon.h"
#include "aws/feed_cut.h"
#include "base/ascii.h"
#include "base/cstime.h"
#include "base/stopflag.h"
#include "email/mail_msg.h"
#include "store/store.h"

/* A replay aims at about this many simulated polls: a few seconds to a minute. */
#define REPLAY_CYCLES 600
/* Simulated time before the first recorded item and after the last. */
#define REPLAY_MARGIN 3600

void
cmd_replay_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: clickstatus replay [--from TIME] [--to TIME] [--interval SECONDS] [--step-ms MS]\n"
	    "                          [--site-dir DIR] [--site-src DIR] [--listen ADDR:PORT] DIR\n"
	    "\n"
	    "Replays the AWS feeds recorded in DIR (<slug>.rss files, as AWS serves them,\n"
	    "and optionally currentevents) through the whole daemon, `clickstatus run`, in\n"
	    "accelerated time: the feeds are served on 127.0.0.1 as they were at each\n"
	    "simulated instant (the items published later are left out), every other feed\n"
	    "the configuration needs as a quiet service's; the site is published, the\n"
	    "email alerts sent (the Maildir of the state directory unless a relay is\n"
	    "configured), MQTT kept if configured. Then it prints what happened: the\n"
	    "incident timeline, the mails delivered, the MQTT events acknowledged, where\n"
	    "the site is. Use a fresh state directory; a replay interrupted and started\n"
	    "again resumes after its last simulated cycle.\n"
	    "  --from TIME          first simulated poll (default: an hour before the last\n"
	    "                       event recorded: the newest items with no silence longer\n"
	    "                       than quiet_limit between them)\n"
	    "  --to TIME            last (default: an hour after its last item)\n"
	    "  --interval SECONDS   simulated time between polls (default: poll_interval, or\n"
	    "                       longer so that the replay makes about %d polls)\n"
	    "  --step-ms MS         real milliseconds between polls (default 0: at once)\n"
	    "  --site-dir, --site-src  as for run\n"
	    "  --listen ADDR:PORT   also run the subscription endpoint there\n", REPLAY_CYCLES);
}

static void
hook(void *ctx, int64_t now)
{
	feedsrv_set_time(ctx, now);
}

/* The incident timeline: one line per public update, oldest first. */
struct timeline {
	struct store *st;
	const char   *title;
	int64_t       id;
	size_t        lines;
};

static int
print_update(const struct store_incident_update *u, void *ctx)
{
	struct timeline *t = ctx;
	char when[32], body[160], line[4 * 160];
	size_t n;

	if (!u->public)
		return 0;
	cstime_format_iso8601(u->at, when, sizeof(when));
	/* The first line of the update, cut: the whole text is on the incident's page. */
	n = strcspn(u->body != NULL ? u->body : "", "\n");
	if (n >= sizeof(body))
		n = sizeof(body) - 4;
	snprintf(body, sizeof(body), "%.*s%s", (int)n, u->body != NULL ? u->body : "",
	    u->body != NULL && u->body[n] != '\0' && u->body[n] != '\n' ? "..." : "");
	/* AWS's and engineers' text, on a terminal: control characters escaped as in the log. */
	printf("  %s  #%" PRId64 " %-13s %s\n", when, t->id, u->status,
	    ascii_escape_controls(body, line, sizeof(line)));
	t->lines++;
	return 0;
}

static int
print_incident(const struct store_incident *inc, void *ctx)
{
	struct timeline *t = ctx;
	char err[CS_ERRLEN], line[4096];

	if (inc->not_affected)
		return 0;
	printf(" Incident #%" PRId64 ": %s (%s)\n", inc->id,
	    ascii_escape_controls(inc->title, line, sizeof(line)), inc->status);
	t->id = inc->id;
	if (store_incident_updates(t->st, inc->id, print_update, t, err, sizeof(err)) != CS_OK)
		printf("  (its updates cannot be read: %s)\n", err);
	return 0;
}

struct mailrow {
	struct mail_summary s;
};

static int
by_date(const void *a, const void *b)
{
	const struct mailrow *x = a, *y = b;

	return (x->s.date > y->s.date) - (x->s.date < y->s.date);
}

/* The messages of the Maildir, by date; returns how many. */
static size_t
print_maildir(const char *maildir)
{
	static const char *const subdirs[] = { "new", "cur" };
	struct mailrow *rows = NULL;
	size_t n = 0;

	for (size_t k = 0; k < 2; k++) {
		char dir[4200];
		struct dirent *de;
		DIR *dp;

		snprintf(dir, sizeof(dir), "%s/%s", maildir, subdirs[k]);
		dp = opendir(dir);
		if (dp == NULL)
			continue;
		while ((de = readdir(dp)) != NULL) {
			char path[4200 + 256 + 2], err[CS_ERRLEN];
			struct mailrow *nr;

			if (de->d_name[0] == '.')
				continue;
			snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
			nr = realloc(rows, (n + 1) * sizeof(*rows));
			if (nr == NULL)
				break;
			rows = nr;
			if (mail_msg_summary(path, &rows[n].s, err, sizeof(err)) == CS_OK)
				n++;
		}
		closedir(dp);
	}
	qsort(rows, n, sizeof(*rows), by_date);
	for (size_t i = 0; i < n; i++) {
		char when[32], to[4 * sizeof(rows[i].s.to)], subject[4 * sizeof(rows[i].s.subject)];

		printf("  %s  %-24s %s\n", cstime_format_iso8601(rows[i].s.date, when, sizeof(when)),
		    ascii_escape_controls(rows[i].s.to, to, sizeof(to)),
		    ascii_escape_controls(rows[i].s.subject, subject, sizeof(subject)));
	}
	free(rows);
	return n;
}

/* What happened, from the store and the Maildir. */
static void
report(struct cli_globals *g, const struct config *cfg, const char *site_dir)
{
	struct timeline t;
	struct store *st = NULL;
	char err[CS_ERRLEN], maildir[4096];
	size_t mqtt = 0, n;

	if (store_open(g->state_dir, &st, err, sizeof(err)) != CS_OK) {
		cli_log(g, "error", "store", "%s", err);
		return;
	}
	memset(&t, 0, sizeof(t));
	t.st = st;
	printf("\nWhat CLICK's users were told (incident updates, simulated UTC):\n");
	if (store_incident_list(st, 0, print_incident, &t, err, sizeof(err)) != CS_OK)
		printf("  (the incidents cannot be read: %s)\n", err);
	else if (t.lines == 0)
		printf("  no incident: nothing the configuration depends on was affected\n");
	if (cfg->email.smtp_url == NULL) {
		if (cfg->email.maildir[0] == '/')
			snprintf(maildir, sizeof(maildir), "%s", cfg->email.maildir);
		else
			snprintf(maildir, sizeof(maildir), "%s/%s", g->state_dir, cfg->email.maildir);
		printf("\nMail delivered to the Maildir %s (any mail reader opens it: mutt -f %s):\n",
		    maildir, maildir);
		n = print_maildir(maildir);
		if (n == 0)
			printf("  none (no confirmed subscriber: clickstatus subscribers add ADDRESS)\n");
	} else {
		printf("\nMail went to the relay %s (`clickstatus outbox` shows the deliveries).\n",
		    cfg->email.smtp_url);
	}
	if (cfg->mqtt.host != NULL &&
	    store_outbox_count_state(st, "mqtt", "delivered", &mqtt, err, sizeof(err)) == CS_OK)
		printf("\nMQTT: %zu events acknowledged by %s:%d (topics under %s/).\n", mqtt,
		    cfg->mqtt.host, cfg->mqtt.port, cfg->mqtt.prefix);
	printf("\nThe status site is in %s/current/ (index.html, api/v2/summary.json, history.atom).\n",
	    site_dir);
	store_close(st);
}

int
cmd_replay(struct cli_globals *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "from", required_argument, NULL, 'f' },
		{ "to", required_argument, NULL, 't' },
		{ "interval", required_argument, NULL, 'i' },
		{ "step-ms", required_argument, NULL, 'T' },
		{ "site-dir", required_argument, NULL, 'd' },
		{ "site-src", required_argument, NULL, 's' },
		{ "listen", required_argument, NULL, 'l' },
		{ NULL, 0, NULL, 0 },
	};
	struct catalogue *cat = NULL;
	struct config *cfg = NULL;
	struct feedsrv *fs = NULL;
	struct run_args a;
	char err[CS_ERRLEN], url[64], t1[32], t2[32], site_dir[4096];
	int64_t from = 0, to = 0, first = 0, last = 0, interval = 0, t0, *times = NULL;
	size_t nfeeds = 0, ntimes = 0;
	int ch, r, ret = CLI_EXIT_FAIL;

	memset(&a, 0, sizeof(a));
	a.what = "replay";
	a.no_serve = 1;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			if ((r = cli_opt_time("replay", "--from", optarg, &from)) != 0)
				return r;
			break;
		case 't':
			if ((r = cli_opt_time("replay", "--to", optarg, &to)) != 0)
				return r;
			break;
		case 'i':
			if (cli_parse_seconds(optarg, &interval) != 0 || interval < 1) {
				fprintf(stderr, "clickstatus replay: --interval: want seconds above 0\n");
				return CLI_EXIT_USAGE;
			}
			break;
		case 'T':
			if ((r = cli_opt_ms("replay", "--step-ms", optarg, 3600000, &a.sim_step_ms)) != 0)
				return r;
			break;
		case 'd': a.site_dir = optarg; break;
		case 's': a.site_src = optarg; break;
		case 'l': a.listen = optarg; a.no_serve = 0; break;
		default:
			fprintf(stderr, "clickstatus replay: unknown option or missing value: \"%s\"\n",
			    argv[optind - 1]);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind + 1 != argc) {
		fprintf(stderr, "clickstatus replay: want one directory of recorded feeds\n");
		return CLI_EXIT_USAGE;
	}
	if (g->now_set) {
		fprintf(stderr, "clickstatus replay: --now does not apply; use --from and --to\n");
		return CLI_EXIT_USAGE;
	}
	if (cli_load(g, &cat, &cfg) != CS_OK)
		return CLI_EXIT_USAGE;
	err[0] = '\0';
	if (feedsrv_start(argv[optind], &fs, url, sizeof(url), &times, &ntimes, &nfeeds, err,
	    sizeof(err)) != CS_OK) {
		cli_log(g, "error", "replay", "%s", err);
		ret = CLI_EXIT_USAGE;
		goto out;
	}
	/* By default the last event recorded: older updates are another story. */
	feed_last_event(times, ntimes, cfg->quiet_limit, &first, &last);
	if (from == 0)
		from = first != 0 ? first - REPLAY_MARGIN : (int64_t)time(NULL);
	if (to == 0)
		to = last != 0 ? last + REPLAY_MARGIN : from;
	if (to < from) {
		fprintf(stderr, "clickstatus replay: --to is before --from\n");
		ret = CLI_EXIT_USAGE;
		goto out;
	}
	if (interval == 0) {
		/* Whole minutes, at least the configured interval. */
		interval = (to - from) / REPLAY_CYCLES;
		interval = (interval + 59) / 60 * 60;
		if (interval < cfg->poll_interval)
			interval = cfg->poll_interval;
	}
	if (cli_site_dir(g, cfg, a.site_dir, site_dir, sizeof(site_dir)) != 0) {
		cli_log(g, "error", "replay", "site directory path too long");
		goto out;
	}
	a.co.feed_base_url = url;
	a.sim = 1;
	a.sim_start = from;
	a.sim_end = to;
	a.sim_interval = interval;
	a.on_sim_time = hook;
	a.sim_ctx = fs;
	printf("Replaying %zu recorded feed%s of %s from %s to %s, a poll every %" PRId64
	    " s of simulated time (%" PRId64 " polls)...\n", nfeeds, nfeeds == 1 ? "" : "s",
	    argv[optind], cstime_format_iso8601(from, t1, sizeof(t1)),
	    cstime_format_iso8601(to, t2, sizeof(t2)), interval, (to - from) / interval + 1);
	fflush(stdout);
	t0 = cstime_mono_ms();
	ret = run_daemon(g, &a);
	if (ret != CLI_EXIT_OK)
		goto out;
	if (stop_requested()) {
		printf("Interrupted: the same command with the same state directory resumes it.\n");
		ret = CLI_EXIT_FAIL;
		goto out;
	}
	printf("Replayed in %.1f s.\n", (double)(cstime_mono_ms() - t0) / 1000.0);
	report(g, cfg, site_dir);
out:
	free(times);
	feedsrv_free(fs);
	config_free(cfg);
	catalogue_free(cat);
	return ret;
}
