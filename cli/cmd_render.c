/* cmd_render.c: `clickstatus render`: re-render the status site from the store and publish it. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "site/sitepub.h"
#include "store/store.h"

void
cmd_render_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: clickstatus render [--site-dir DIR] [--site-src DIR] [--now TIME]\n"
	    "\n"
	    "Renders the status site (HTML, Statuspage-compatible JSON API under api/v2/,\n"
	    "history.atom and history.rss) from the store as of --now, into a new release\n"
	    "directory, and makes it current atomically (DIR/current -> releases/...).\n"
	    "  --site-dir DIR   where to publish (default: the configuration's site_dir,\n"
	    "                   relative to the state directory)\n"
	    "  --site-src DIR   templates and assets (default: the installed site/)\n");
}

int
cmd_render(struct cli_globals *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "site-dir", required_argument, NULL, 'd' },
		{ "site-src", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	char err[CS_ERRLEN], dir[4096];
	const char *site_dir = NULL, *site_src = NULL;
	struct catalogue *cat = NULL;
	struct config *cfg = NULL;
	struct store *st = NULL;
	struct sitepub *sp = NULL;
	struct publish_stats stats;
	int ch, ret = CLI_EXIT_FAIL;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'd':
			site_dir = optarg;
			break;
		case 's':
			site_src = optarg;
			break;
		default:
			fprintf(stderr, "clickstatus render: unknown option or missing value: \"%s\"\n",
			    argv[optind - 1]);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "clickstatus render: unexpected argument \"%s\"\n", argv[optind]);
		return CLI_EXIT_USAGE;
	}
	if (cli_load(g, &cat, &cfg) != CS_OK)
		return CLI_EXIT_USAGE;
	err[0] = '\0';
	if (cli_site_dir(g, cfg, site_dir, dir, sizeof(dir)) != 0) {
		cli_log(g, "error", "render", "site directory path too long");
		goto out;
	}
	if (store_open(g->state_dir, &st, err, sizeof(err)) != CS_OK ||
	    sitepub_new(site_src, dir, &sp, err, sizeof(err)) != CS_OK ||
	    sitepub_render(sp, cfg, st, g->now, &stats, err, sizeof(err)) != CS_OK) {
		cli_log(g, "error", "render", "%s", err);
		goto out;
	}
	cli_log(g, "info", "render", "published %s/current -> releases/%s: %zu files, %zu new, %zu unchanged",
	    dir, stats.release, stats.files, stats.written, stats.linked);
	ret = CLI_EXIT_OK;
out:
	sitepub_free(sp);
	store_close(st);
	config_free(cfg);
	catalogue_free(cat);
	return ret;
}
