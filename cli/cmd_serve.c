/* cmd_serve.c: `clickstatus serve`: the subscription endpoint, a process of its own beside the daemon. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"
#include "http/serve.h"

void
cmd_serve_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: clickstatus serve [--listen ADDR:PORT] [--site-src DIR]\n"
	    "\n"
	    "Serves the email subscription pages (subscribe, confirm, preferences,\n"
	    "unsubscribe, RFC 8058 one-click) under the path of the configuration's\n"
	    "email.subscribe_url, behind the status site's proxy, until SIGTERM or SIGINT.\n"
	    "It shares the store with `clickstatus poll`, which sends the mails it queues.\n"
	    "  --listen ADDR:PORT  where to listen (default: email.listen, 127.0.0.1:8025);\n"
	    "                      port 0 picks a free one, logged as \"listening on ...\"\n"
	    "  --site-src DIR      templates (subscription.xsl, common.xsl; default: the\n"
	    "                      installed site/)\n"
	    "With --now, the server's clock runs from that time (tests age tokens).\n"
	    "Behind the proxy the client address for the rate limit is the last\n"
	    "X-Forwarded-For entry (else X-Real-IP), trusted only from a loopback peer.\n");
}

static void
log_line(void *ctx, const char *level, const char *subsys, const char *msg)
{
	cli_log(ctx, level, subsys, "%s", msg);
}

int
cmd_serve(struct cli_globals *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "site-src", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	char err[CS_ERRLEN];
	struct serve_opts so;
	struct catalogue *cat = NULL;
	struct config *cfg = NULL;
	int ch, ret = CLI_EXIT_FAIL;
	cs_err rc;

	memset(&so, 0, sizeof(so));
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'l':
			so.listen = optarg;
			break;
		case 's':
			so.site_src = optarg;
			break;
		default:
			fprintf(stderr, "clickstatus serve: unknown option or missing value: \"%s\"\n",
			    argv[optind - 1]);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "clickstatus serve: unexpected argument \"%s\"\n", argv[optind]);
		return CLI_EXIT_USAGE;
	}
	if (cli_load(g, &cat, &cfg) != CS_OK)
		return CLI_EXIT_USAGE;
	so.cfg = cfg;
	so.state_dir = g->state_dir;
	so.clock_offset = g->now_set ? g->now - (int64_t)time(NULL) : 0;
	so.log = log_line;
	so.logctx = g;
	err[0] = '\0';
	rc = serve_run(&so, err, sizeof(err));
	if (rc != CS_OK) {
		cli_log(g, "error", "serve", "%s", err);
		ret = rc == CS_ERR_USAGE || rc == CS_ERR_CONFIG ? CLI_EXIT_USAGE : CLI_EXIT_FAIL;
		goto out;
	}
	ret = CLI_EXIT_OK;
out:
	config_free(cfg);
	catalogue_free(cat);
	return ret;
}
