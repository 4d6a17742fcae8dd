/* main.c: clickstatus entry point: global options and the command table. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <time.h>

#include "cli.h"
#include "base/cstime.h"

/*
 * glibc's syslog(3) drops every line, silently, when nothing listens on
 * /dev/log (no syslog daemon, no journald: a container, a chroot). --syslog
 * then logs to stderr instead, and says so once, rather than lose the log.
 * The probe connects as syslog(3) does: a datagram socket, else a stream one.
 */
static int
syslog_listens(void)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int type[] = { SOCK_DGRAM, SOCK_STREAM }, err = 0;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", _PATH_LOG);
	for (size_t i = 0; i < sizeof(type) / sizeof(type[0]); i++) {
		int fd = socket(AF_UNIX, type[i] | SOCK_CLOEXEC, 0), rc;

		if (fd < 0) {
			err = errno;
			break;
		}
		rc = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
		err = errno;
		close(fd);
		if (rc == 0)
			return 1;
		if (err != EPROTOTYPE)
			break;
	}
	fprintf(stderr, "warning log: --syslog: cannot reach %s (%s): no syslog daemon or "
	    "journald listens, logging to stderr instead\n", _PATH_LOG, strerror(err));
	return 0;
}

static const struct cli_command commands[] = {
	{ "check-config", "validate the configuration", cmd_check_config, cmd_check_config_usage },
	{ "feeds", "list the AWS feeds the configuration needs", cmd_feeds, cmd_feeds_usage },
	{ "feed", "parse and classify one feed file or URL", cmd_feed, cmd_feed_usage },
	{ "poll", "fetch the feeds, classify, map, record changes", cmd_poll, cmd_poll_usage },
	{ "render", "render and publish the status site", cmd_render, cmd_render_usage },
	{ "status", "print the component table", cmd_status, cmd_status_usage },
	{ "explain", "show why a component has its status", cmd_explain, cmd_explain_usage },
	{ "dump", "print the whole store as stable text", cmd_dump, cmd_dump_usage },
	{ "incident", "open, update, resolve, prioritise and show incidents", cmd_incident,
	    cmd_incident_usage },
	{ "maintenance", "schedule and list maintenance windows", cmd_maintenance,
	    cmd_maintenance_usage },
	{ "sla", "the open support clocks, soonest first", cmd_sla, cmd_sla_usage },
	{ "subscribers", "add, remove, list, import and export email subscribers",
	    cmd_subscribers, cmd_subscribers_usage },
	{ "mail", "send the email alerts due", cmd_mail, cmd_mail_usage },
	{ "outbox", "what is owed to each channel, and the dead letters", cmd_outbox,
	    cmd_outbox_usage },
	{ "serve", "the email subscription endpoint (HTTP)", cmd_serve, cmd_serve_usage },
	{ "mqtt", "publish the state and the events due to the MQTT broker", cmd_mqtt,
	    cmd_mqtt_usage },
	{ "run", "the daemon: poll, publish, mail, MQTT and the endpoint", cmd_run, cmd_run_usage },
	{ "replay", "the whole pipeline over a directory of recorded feeds, in accelerated time",
	    cmd_replay, cmd_replay_usage },
	{ "health", "exit non-zero when polls are late or messages are dead", cmd_health,
	    cmd_health_usage },
	{ "publish", "copy the site to the S3 and SFTP publish targets", cmd_publish,
	    cmd_publish_usage },
	{ "prune", "delete what the store no longer needs (the daemon does it hourly)", cmd_prune,
	    cmd_prune_usage },
};
#define NCOMMANDS (sizeof(commands) / sizeof(commands[0]))

static void
usage(FILE *fp)
{
	fprintf(fp,
	    "usage: clickstatus [--config FILE] [--state-dir DIR] [--now TIME] [-v] COMMAND [ARGS]\n"
	    "\n"
	    "Watches the AWS Health Dashboard for the services a SaaS product depends on\n"
	    "and tells the product's users the truth about it.\n"
	    "\n"
	    "global options (also accepted after the command):\n"
	    "  --config FILE     configuration (default: the embedded CLICK configuration)\n"
	    "  --state-dir DIR   where the store lives (default: $CLICKSTATUS_STATE_DIR or ./state)\n"
	    "  --now TIME        judge as of TIME (ISO 8601 or @epoch): replays recorded feeds\n"
	    "  -v, --verbose     debug logging\n"
	    "  --syslog          log to syslog (facility daemon) instead of stderr\n"
	    "\n"
	    "commands:\n");
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(fp, "  %-14s %s\n", commands[i].name, commands[i].summary);
	fprintf(fp, "\n'clickstatus COMMAND --help' describes a command.\n"
	    "exit status: 0 ok, 1 runtime failure, 2 usage or configuration error\n");
}

/*
 * Takes the global options out of argv, wherever they stand, so that
 * `clickstatus status --now X` and `clickstatus --now X status` mean the
 * same. What is left (command and its own arguments) is compacted into
 * argv; returns the new argc, or -1 after printing a usage error.
 */
static int
take_globals(struct cli_globals *g, int argc, char **argv)
{
	int out = 1;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *val = NULL;
		const char *name = NULL;

		if (strcmp(a, "--") == 0) {
			while (i < argc)
				argv[out++] = argv[i++];
			break;
		}
		if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0) {
			g->verbose = 1;
			continue;
		}
		if (strcmp(a, "--syslog") == 0) {
			g->syslog = 1;
			continue;
		}
		if (strncmp(a, "--config", 8) == 0 && (a[8] == '\0' || a[8] == '='))
			name = "--config";
		else if (strncmp(a, "--state-dir", 11) == 0 && (a[11] == '\0' || a[11] == '='))
			name = "--state-dir";
		else if (strncmp(a, "--now", 5) == 0 && (a[5] == '\0' || a[5] == '='))
			name = "--now";
		if (name == NULL) {
			argv[out++] = argv[i];
			continue;
		}
		val = strchr(a, '=');
		if (val != NULL) {
			val++;
		} else if (i + 1 < argc) {
			val = argv[++i];
		} else {
			fprintf(stderr, "clickstatus: %s needs a value\n", name);
			return -1;
		}
		if (strcmp(name, "--config") == 0) {
			g->config_path = val;
		} else if (strcmp(name, "--state-dir") == 0) {
			g->state_dir = val;
		} else if (cstime_parse_iso8601(val, &g->now) != 0) {
			fprintf(stderr, "clickstatus: --now: cannot read time \"%s\" "
			    "(want e.g. 2026-08-18T04:00:00Z or @1787025679)\n", val);
			return -1;
		} else {
			g->now_set = 1;
		}
	}
	argv[out] = NULL;
	return out;
}

int
main(int argc, char **argv)
{
	struct cli_globals g;
	const char *env;

	memset(&g, 0, sizeof(g));
	argc = take_globals(&g, argc, argv);
	if (argc < 0)
		return CLI_EXIT_USAGE;
	if (!g.now_set)
		g.now = (int64_t)time(NULL);
	if (g.state_dir == NULL) {
		env = getenv("CLICKSTATUS_STATE_DIR");
		g.state_dir = (env != NULL && env[0] != '\0') ? env : "state";
	}
	if (g.syslog && !syslog_listens())
		g.syslog = 0;   /* said on stderr by syslog_listens */
	if (g.syslog)
		openlog("clickstatus", LOG_PID, LOG_DAEMON);
	if (argc < 2) {
		usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return CLI_EXIT_OK;
	}
	for (size_t i = 0; i < NCOMMANDS; i++) {
		if (strcmp(argv[1], commands[i].name) != 0)
			continue;
		if (cli_wants_help(argc - 1, argv + 1)) {
			commands[i].usage(stdout);
			return CLI_EXIT_OK;
		}
		return commands[i].run(&g, argc - 1, argv + 1);
	}
	fprintf(stderr, "clickstatus: unknown command \"%s\"\n\n", argv[1]);
	usage(stderr);
	return CLI_EXIT_USAGE;
}
