/* cmd_run.c: `clickstatus run`: the production daemon, one process tree for months. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "daemon.h"
#include "aws/poll.h"
#include "base/cstime.h"
#include "base/instance.h"
#include "base/schedule.h"
#include "base/stopflag.h"
#include "cycle/cycle.h"
#include "mqtt/mqttpub.h"
#include "site/sitepub.h"
#include "targets/targets.h"
#include "store/prune.h"
#include "store/store.h"

/* The store's retention runs this often (prune.h), in the daemon's time (a replay's too). */
#define RUN_PRUNE_EVERY 3600
/* The store key of a replay's last committed cycle (schedule_sim_next). */
#define RUN_SIM_KEY "replay_last_cycle"

void
cmd_run_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: clickstatus run [--feed-base-url URL] [--currentevents-url URL] [--site-dir DIR]\n"
	    "                       [--site-src DIR] [--listen ADDR:PORT | --no-serve]\n"
	    "                       [--sim-start TIME --sim-end TIME [--sim-step-ms MS]]\n"
	    "\n"
	    "The daemon. Polls the AWS feeds every poll_interval seconds (jittered by up\n"
	    "to a tenth, on the monotonic clock), publishes the site after every change\n"
	    "and at least every render_interval, keeps the MQTT dashboards up to date,\n"
	    "sends the email alerts from a thread of its own, and runs the subscription\n"
	    "endpoint (`clickstatus serve`) as a child process it restarts if it dies.\n"
	    "One daemon per state directory: a second one refuses to start.\n"
	    "SIGTERM, SIGINT: stops within 10 s; a cycle in flight is abandoned (nothing\n"
	    "half committed, no half-written file), what was not acknowledged is owed\n"
	    "again at the next start. SIGHUP: reloads the configuration; an invalid one\n"
	    "is logged and the running one kept. Logs one line per event (level and\n"
	    "subsystem first) to stderr, or to syslog with the global --syslog; quiet\n"
	    "while all is well, -v for debug.\n"
	    "  --feed-base-url URL     replaces https://status.aws.amazon.com/rss/\n"
	    "  --currentevents-url URL default: the configured one, or <feed-base-url>currentevents\n"
	    "  --site-dir DIR          publish the site there (default: the configuration's site_dir)\n"
	    "  --site-src DIR          templates and assets (default: the installed site/)\n"
	    "  --listen ADDR:PORT      the endpoint's address (default: email.listen)\n"
	    "  --no-serve              no subscription endpoint\n"
	    "  --sim-start TIME        replay recorded feeds in simulated time: cycles at\n"
	    "  --sim-end TIME          TIME, TIME + poll_interval, ... up to the end, then\n"
	    "                          exit 0 once the mail and MQTT due are delivered; a\n"
	    "                          restarted replay resumes after its last cycle\n"
	    "  --sim-step-ms MS        real milliseconds between simulated cycles (200)\n");
}

static void
log_line(void *ctx, const char *level, const char *subsys, const char *msg)
{
	cli_log(ctx, level, subsys, "%s", msg);
}

static volatile sig_atomic_t reload_requested;

static void
on_stop(int sig)
{
	(void)sig;
	stop_request();
}

static void
on_hup(int sig)
{
	(void)sig;
	reload_requested = 1;
}

/*
 * A replay judges as of each simulated instant exactly (nothing after it
 * exists yet), at its own pace of simulated polls.
 */
static void
replay_settings(const struct run_args *a, struct config *cfg)
{
	if (!a->sim)
		return;
	cfg->clock_skew = 0;
	if (a->sim_interval > 0) {
		cfg->poll_interval = a->sim_interval;
		/*
		 * A replay's coarse polls would re-render an unchanged site at every
		 * one; every change is still published at once.
		 */
		if (cfg->render_interval < 10 * a->sim_interval)
			cfg->render_interval = 10 * a->sim_interval;
	}
}

/* Everything the daemon runs for one configuration; rebuilt on a reload. */
struct daemon {
	struct cli_globals    *g;
	const struct run_args *a;
	struct catalogue      *cat;
	struct config         *cfg;
	struct store          *st;
	struct poll           *p;
	struct sitepub        *sp;
	struct mqttpub        *mq;
	struct mailthread     *mt;
	struct targets        *tg;
	struct child           serve;
	char                   site_dir[4096];
};

/* The endpoint's command line: this program's `serve` with the daemon's globals. */
static char **
serve_argv(const struct daemon *d)
{
	const struct cli_globals *g = d->g;
	const char *v[16];
	char **out;
	size_t n = 0;

	v[n++] = "clickstatus";
	if (g->config_path != NULL) {
		v[n++] = "--config";
		v[n++] = g->config_path;
	}
	v[n++] = "--state-dir";
	v[n++] = g->state_dir;
	if (g->verbose)
		v[n++] = "-v";
	if (g->syslog)
		v[n++] = "--syslog";
	v[n++] = "serve";
	if (d->a->listen != NULL) {
		v[n++] = "--listen";
		v[n++] = d->a->listen;
	}
	if (d->a->site_src != NULL) {
		v[n++] = "--site-src";
		v[n++] = d->a->site_src;
	}
	out = calloc(n + 1, sizeof(*out));
	if (out == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		out[i] = strdup(v[i]);
		if (out[i] == NULL) {
			for (size_t k = 0; k < i; k++)
				free(out[k]);
			free(out);
			return NULL;
		}
	}
	return out;
}

/* Stops and frees what daemon_open made, the configuration aside. */
static void
daemon_close(struct daemon *d)
{
	child_stop(&d->serve, 3000);
	child_clear(&d->serve);
	/* A transfer in flight is aborted: the target's next pass resumes from what it holds. */
	targets_stop(d->tg, 2000);
	targets_free(d->tg);
	d->tg = NULL;
	mailthread_stop(d->mt);
	d->mt = NULL;
	mqttpub_free(d->mq);
	d->mq = NULL;
	sitepub_free(d->sp);
	d->sp = NULL;
	poll_free(d->p);
	d->p = NULL;
	store_close(d->st);
	d->st = NULL;
}

/* Opens everything for d->cfg. Logs what failed; CS_OK or its error. */
static cs_err
daemon_open(struct daemon *d)
{
	const struct run_args *a = d->a;
	const struct config *cfg = d->cfg;
	struct poll_options po;
	char err[CS_ERRLEN];
	const char *sub = "store";
	cs_err rc;

	err[0] = '\0';
	rc = store_open(d->g->state_dir, &d->st, err, sizeof(err));
	if (rc == CS_OK && !a->no_render) {
		sub = "render";
		if (cli_site_dir(d->g, cfg, a->site_dir, d->site_dir, sizeof(d->site_dir)) != 0)
			rc = cs_seterr(err, sizeof(err), CS_ERR_USAGE, "site directory path too long");
		else
			rc = sitepub_new(a->site_src, d->site_dir, &d->sp, err, sizeof(err));
		if (rc == CS_OK) {
			sub = "publish";
			rc = targets_new(cfg, d->g->state_dir, d->site_dir, &d->tg, err, sizeof(err));
			if (rc == CS_OK)
				targets_set_log(d->tg, log_line, d->g);
		}
	}
	if (rc == CS_OK) {
		sub = "poll";
		poll_options_default(&po);
		po.max_parallel = (unsigned)cfg->max_parallel;
		po.connect_timeout_ms = (long)cfg->timeout_connect * 1000;
		po.timeout_ms = (long)cfg->timeout_total * 1000;
		po.max_body = cfg->max_feed_bytes;
		d->p = poll_new(&po);
		if (d->p == NULL)
			rc = cs_seterr(err, sizeof(err), CS_ERR_NOMEM, "cannot initialise libcurl");
	}
	if (rc == CS_OK && cfg->mqtt.host != NULL) {
		sub = "mqtt";
		rc = mqttpub_new(cfg, d->cat, d->st, 1, &d->mq, err, sizeof(err));
		if (rc == CS_OK) {
			mqttpub_set_log(d->mq, log_line, d->g);
			if (a->sim)
				mqttpub_set_replay(d->mq);
		}
	}
	if (rc == CS_OK) {
		sub = "mail";
		rc = mailthread_start(cfg, d->g->state_dir, a->site_src, a->sim,
		    a->sim ? a->sim_start : (int64_t)time(NULL), log_line, d->g, &d->mt, err,
		    sizeof(err));
	}
	if (rc == CS_OK && !a->no_serve) {
		d->serve.name = "serve";
		d->serve.log = log_line;
		d->serve.logctx = d->g;
		d->serve.argv = serve_argv(d);
		if (d->serve.argv == NULL)
			rc = cs_seterr(err, sizeof(err), CS_ERR_NOMEM, "out of memory");
		else
			child_start(&d->serve);
	}
	if (rc != CS_OK) {
		cli_log(d->g, "error", sub, "%s", err);
		daemon_close(d);
	}
	return rc;
}

/*
 * SIGHUP: the configuration read again. An invalid one is refused with its
 * errors and the running one kept; a valid one replaces everything that
 * depends on it (connections, templates, the endpoint). Returns CS_OK, or
 * an error when neither configuration could be started again.
 */
static cs_err
daemon_reload(struct daemon *d)
{
	struct catalogue *cat = NULL;
	struct config *cfg = NULL, *old = d->cfg;
	struct catalogue *oldcat = d->cat;

	if (cli_load(d->g, &cat, &cfg) != CS_OK) {
		cli_log(d->g, "error", "config",
		    "reload refused: %s is invalid (errors above); the running configuration is kept",
		    d->g->config_path != NULL ? d->g->config_path : "the embedded configuration");
		return CS_OK;
	}
	replay_settings(d->a, cfg);
	daemon_close(d);
	d->cfg = cfg;
	d->cat = cat;
	if (daemon_open(d) == CS_OK) {
		cli_log(d->g, "info", "config", "reloaded %s",
		    d->g->config_path != NULL ? d->g->config_path : "the embedded configuration");
		config_free(old);
		catalogue_free(oldcat);
		return CS_OK;
	}
	cli_log(d->g, "error", "config", "the new configuration cannot run; going back to the old one");
	config_free(cfg);
	catalogue_free(cat);
	d->cfg = old;
	d->cat = oldcat;
	return daemon_open(d);
}

/* One cycle at now and the work it owes right away. */
static void
daemon_cycle(struct daemon *d, int64_t now)
{
	struct cycle_report rep;
	char err[CS_ERRLEN];
	int rendered = 0;

	memset(&rep, 0, sizeof(rep));
	err[0] = '\0';
	if (cycle_poll(d->cfg, d->st, d->p, now, &d->a->co, &rep, log_line, d->g, err,
	    sizeof(err)) != CS_OK) {
		/* Stopping abandons the fetches: not a failure worth an error line. */
		cli_log(d->g, stop_requested() ? "info" : "error", "poll", "cycle %s: %s",
		    stop_requested() ? "abandoned" : "failed", err);
		return;
	}
	cli_log(d->g, "debug", "poll",
	    "%zu documents: %zu fetched, %zu unchanged, %zu failed, %zu backing off; "
	    "%zu new items, %zu edited; %zu components changed",
	    rep.feeds, rep.fetched, rep.not_modified, rep.failed, rep.skipped, rep.items_new,
	    rep.items_revised, rep.components_changed);
	/* Dashboards first: the events go out before the render takes its time. */
	if (d->mq != NULL && mqttpub_publish(d->mq, now, err, sizeof(err)) != CS_OK)
		cli_log(d->g, "error", "mqtt", "%s", err);
	mailthread_kick(d->mt, d->a->sim ? now : 0);
	if (d->sp != NULL) {
		/* A failed render stays owed in the outbox and is tried again next cycle. */
		if (sitepub_drain(d->sp, d->cfg, d->st, now, &rendered, err, sizeof(err)) != CS_OK)
			cli_log(d->g, "error", "render", "%s", err);
		else if (rendered) {
			cli_log(d->g, "debug", "render", "site published in %s", d->site_dir);
			/* The copies elsewhere follow on their own threads; none waits for another. */
			targets_kick(d->tg);
		}
	}
	/*
	 * A replay sends each cycle's mail at that cycle's instant: the next
	 * cycle waits for the pass. Otherwise a pass that lagged (a loaded
	 * machine, a short --sim-step-ms) ran at a later cycle's time, where
	 * an update's mail still owed is superseded by the next update's, and
	 * the same replay sent 19 mails or 20 depending on the machine.
	 */
	if (d->a->sim && !mailthread_wait(d->mt, 30000, NULL))
		cli_log(d->g, "warning", "mail", "the pass of the cycle at %s takes more than 30 s",
		    cstime_format_iso8601(now, err, sizeof(err)));
}

/*
 * The store's retention (prune.h), hourly: small batches, each its own
 * short transaction, so the endpoint and the mail thread are never held
 * up. A store error is logged and the next hour tries again.
 */
static void
daemon_prune(struct daemon *d, int64_t now)
{
	struct prune_stats ps;
	char err[CS_ERRLEN], line[512];

	if (store_prune(d->st, now, &ps, err, sizeof(err)) != CS_OK) {
		cli_log(d->g, "error", "store", "prune: %s", err);
		return;
	}
	store_prune_format(&ps, line, sizeof(line));
	cli_log(d->g, ps.outbox + ps.deliveries + ps.mailings + ps.tokens + ps.revisions + ps.items > 0 ?
	    "info" : "debug", "store", "pruned %s", line);
}

/* Waits up to ms, serving the broker meanwhile; returns early on a signal. */
static void
daemon_wait(struct daemon *d, int64_t ms)
{
	if (ms < 0)
		ms = 0;
	if (d->mq != NULL)
		mqttpub_service(d->mq, (int)ms);
	else if (ms > 0)
		(void)poll(NULL, 0, (int)ms); /* EINTR: a signal, looked at next */
}

/*
 * A replay's end: the mail due at the last instant written and the MQTT
 * events acknowledged (bounded: a broker that is down is logged, not
 * waited for forever).
 */
static void
daemon_drain(struct daemon *d)
{
	int64_t until = cstime_mono_ms() + 30000;
	int due = 1;

	while (cstime_mono_ms() < until && !stop_requested()) {
		if (mailthread_wait(d->mt, 200, &due) && !due &&
		    (d->mq == NULL || mqttpub_idle(d->mq)))
			return;
		if (d->mq != NULL)
			mqttpub_service(d->mq, 100);
		child_tend(&d->serve);
	}
	if (!stop_requested())
		cli_log(d->g, "warning", "run", "the replay ended with mail or MQTT messages still owed");
}

static uint32_t
random32(void)
{
	uint32_t r = 0;

	/* Jitter needs no secrecy: a failed getrandom leaves it 0 (no jitter), which is fine. */
	if (getrandom(&r, sizeof(r), GRND_NONBLOCK) != (ssize_t)sizeof(r))
		r = 0;
	return r;
}

/*
 * glibc raises its mmap threshold each time a large block mmap'd is freed,
 * after which the cycle's large buffers (a feed's body, the judgement's
 * JSON, a render) come from the heap, where they fragment it: the 10,000-
 * cycle soak saw RSS step up by 7 MB midway and stay there. A fixed
 * threshold keeps every block of 128 KiB or more mmap'd, returned to the
 * system when freed, and the daemon's memory flat (tests/soak).
 */
static void
tune_malloc(void)
{
#ifdef __GLIBC__
	mallopt(M_MMAP_THRESHOLD, 128 * 1024);
#endif
}

static void
install_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_hup;
	sigaction(SIGHUP, &sa, NULL);
	/* A proxy or a relay that hangs up must not kill the daemon. */
	signal(SIGPIPE, SIG_IGN);
}

int
run_daemon(struct cli_globals *g, const struct run_args *a)
{
	struct instance_lock lock = { -1 };
	struct daemon d;
	char err[CS_ERRLEN];
	int64_t next_ms, sim_now = 0, last = 0, pruned_at = 0;
	int found = 0, ret = CLI_EXIT_FAIL;

	memset(&d, 0, sizeof(d));
	d.g = g;
	d.a = a;
	if (cli_load(g, &d.cat, &d.cfg) != CS_OK)
		return CLI_EXIT_USAGE;
	replay_settings(a, d.cfg);
	if (mkdir(g->state_dir, 0755) == -1 && errno != EEXIST) {
		cli_log(g, "error", "store", "%s: %s", g->state_dir, strerror(errno));
		goto out;
	}
	err[0] = '\0';
	if (instance_lock(g->state_dir, a->what, 0, &lock, NULL, err, sizeof(err)) != CS_OK) {
		cli_log(g, "error", a->what, "%s", err);
		goto out;
	}
	install_signals();
	tune_malloc();
	if (daemon_open(&d) != CS_OK)
		goto out;
	if (a->sim) {
		if (store_meta_get_int64(d.st, RUN_SIM_KEY, &last, &found, err, sizeof(err)) != CS_OK) {
			cli_log(g, "error", "store", "%s", err);
			goto out;
		}
		sim_now = schedule_sim_next(a->sim_start, d.cfg->poll_interval, found ? last : 0);
		if (found && last >= a->sim_start) {
			cli_log(g, "info", "run", "replay resumed after its cycle at %s",
			    cstime_format_iso8601(last, err, sizeof(err)));
			/*
			 * The mail the last cycle owed goes out at that cycle's instant
			 * first, as a daemon restarted within seconds would send it. The
			 * next simulated cycle is a poll interval later: an update mail
			 * still owed then is superseded by the next update's (a process
			 * killed before it sent update 16 sent only 17, where the
			 * uninterrupted replay sent both).
			 */
			mailthread_kick(d.mt, last);
			daemon_drain(&d);
		}
	}
	cli_log(g, "info", a->what, "polling %zu feeds every %lld s%s, store %s%s%s",
	    d.cfg->nfeed_slugs, (long long)d.cfg->poll_interval, a->sim ? " of simulated time" : "",
	    store_path(d.st), d.sp != NULL ? ", site " : "", d.sp != NULL ? d.site_dir : "");
	next_ms = cstime_mono_ms();
	for (;;) {
		int64_t mono, cycle_at;

		if (stop_requested())
			break;
		if (reload_requested) {
			reload_requested = 0;
			if (daemon_reload(&d) != CS_OK)
				goto out;
			next_ms = cstime_mono_ms();
		}
		mono = cstime_mono_ms();
		if (mono >= next_ms) {
			if (a->sim && sim_now > a->sim_end) {
				daemon_drain(&d);
				if (!stop_requested())
					cli_log(g, "info", "run", "replay ended at %s",
					    cstime_format_iso8601(a->sim_end, err, sizeof(err)));
				break;
			}
			cycle_at = a->sim ? sim_now : (int64_t)time(NULL);
			if (a->sim && a->on_sim_time != NULL)
				a->on_sim_time(a->sim_ctx, cycle_at);
			daemon_cycle(&d, cycle_at);
			if (a->sim && !stop_requested()) {
				/*
				 * Its own small commit after the cycle's: a death between the
				 * two repeats this instant after the restart, which changes
				 * nothing (the same feeds judged at the same time owe nothing).
				 */
				if (store_meta_set_int64(d.st, RUN_SIM_KEY, sim_now, err,
				    sizeof(err)) != CS_OK)
					cli_log(g, "error", "store", "%s", err);
				sim_now = schedule_sim_next(a->sim_start, d.cfg->poll_interval, sim_now);
			}
			if (!stop_requested() && cycle_at - pruned_at >= RUN_PRUNE_EVERY) {
				daemon_prune(&d, cycle_at);
				pruned_at = cycle_at;
			}
			next_ms = a->sim ? mono + a->sim_step_ms :
			    schedule_next_ms(mono, d.cfg->poll_interval, random32());
		}
		child_tend(&d.serve);
		mono = cstime_mono_ms();
		daemon_wait(&d, next_ms - mono > 1000 ? 1000 : next_ms - mono);
	}
	if (stop_requested())
		cli_log(g, "info", a->what, "stopped by a signal");
	ret = CLI_EXIT_OK;
out:
	daemon_close(&d);
	config_free(d.cfg);
	catalogue_free(d.cat);
	instance_unlock(&lock);
	return ret;
}

int
cmd_run(struct cli_globals *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "feed-base-url", required_argument, NULL, 'b' },
		{ "currentevents-url", required_argument, NULL, 'c' },
		{ "site-dir", required_argument, NULL, 'd' },
		{ "site-src", required_argument, NULL, 's' },
		{ "listen", required_argument, NULL, 'l' },
		{ "no-serve", no_argument, NULL, 'n' },
		{ "sim-start", required_argument, NULL, 'S' },
		{ "sim-end", required_argument, NULL, 'E' },
		{ "sim-step-ms", required_argument, NULL, 'T' },
		{ NULL, 0, NULL, 0 },
	};
	struct run_args a;
	char err[CS_ERRLEN];
	int ch, have_start = 0, have_end = 0, r;

	memset(&a, 0, sizeof(a));
	a.what = "run";
	a.sim_step_ms = 200;
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'b': a.co.feed_base_url = optarg; break;
		case 'c': a.co.currentevents_url = optarg; break;
		case 'd': a.site_dir = optarg; break;
		case 's': a.site_src = optarg; break;
		case 'l': a.listen = optarg; break;
		case 'n': a.no_serve = 1; break;
		case 'S':
			if ((r = cli_opt_time("run", "--sim-start", optarg, &a.sim_start)) != 0)
				return r;
			have_start = 1;
			break;
		case 'E':
			if ((r = cli_opt_time("run", "--sim-end", optarg, &a.sim_end)) != 0)
				return r;
			have_end = 1;
			break;
		case 'T':
			if ((r = cli_opt_ms("run", "--sim-step-ms", optarg, 3600000, &a.sim_step_ms)) != 0)
				return r;
			break;
		default:
			fprintf(stderr, "clickstatus run: unknown option or missing value: \"%s\"\n",
			    argv[optind - 1]);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "clickstatus run: unexpected argument \"%s\"\n", argv[optind]);
		return CLI_EXIT_USAGE;
	}
	if (have_start != have_end || (have_start && a.sim_end < a.sim_start)) {
		fprintf(stderr, "clickstatus run: a replay needs --sim-start and --sim-end, start first\n");
		return CLI_EXIT_USAGE;
	}
	if (g->now_set) {
		fprintf(stderr, "clickstatus run: --now is for one-shot commands; a replay uses --sim-start/--sim-end\n");
		return CLI_EXIT_USAGE;
	}
	if (a.no_serve && a.listen != NULL) {
		fprintf(stderr, "clickstatus run: --listen and --no-serve contradict each other\n");
		return CLI_EXIT_USAGE;
	}
	a.sim = have_start;
	err[0] = '\0';
	if (a.co.feed_base_url != NULL &&
	    poll_url_allowed(a.co.feed_base_url, err, sizeof(err)) != CS_OK) {
		fprintf(stderr, "clickstatus run: --feed-base-url: %s\n", err);
		return CLI_EXIT_USAGE;
	}
	if (a.co.currentevents_url != NULL &&
	    poll_url_allowed(a.co.currentevents_url, err, sizeof(err)) != CS_OK) {
		fprintf(stderr, "clickstatus run: --currentevents-url: %s\n", err);
		return CLI_EXIT_USAGE;
	}
	return run_daemon(g, &a);
}
