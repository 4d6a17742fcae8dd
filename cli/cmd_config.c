/* cmd_config.c: `clickstatus check-config`: validate the configuration. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

void
cmd_check_config_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: clickstatus [--config FILE] check-config\n"
	    "\n"
	    "Validates the configuration (default: the embedded CLICK configuration)\n"
	    "against the catalogue of real AWS feeds. Prints \"configuration OK\", or\n"
	    "every error with its JSON path (or line:column for a syntax error).\n"
	    "Exit status 0 when valid, 2 otherwise.\n");
}

int
cmd_check_config(struct cli_globals *g, int argc, char **argv)
{
	struct catalogue *cat = NULL;
	struct config *cfg = NULL;

	(void)argv;
	if (argc > 1) {
		fprintf(stderr, "clickstatus check-config: unexpected argument \"%s\"\n", argv[1]);
		return CLI_EXIT_USAGE;
	}
	if (cli_load(g, &cat, &cfg) != CS_OK)
		return CLI_EXIT_USAGE;
	printf("configuration OK\n");
	config_free(cfg);
	catalogue_free(cat);
	return CLI_EXIT_OK;
}

/* Nonzero when the base URL already ends in '/'. */
static int
base_slash(const char *base)
{
	size_t n = strlen(base);

	return n > 0 && base[n - 1] == '/';
}

void
cmd_feeds_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: clickstatus [--config FILE] feeds [--urls]\n"
	    "\n"
	    "Lists the AWS feeds the configuration needs, one slug a line (with --urls,\n"
	    "the URL each is fetched from), besides all.rss and currentevents.\n");
}

int
cmd_feeds(struct cli_globals *g, int argc, char **argv)
{
	struct catalogue *cat = NULL;
	struct config *cfg = NULL;
	const char *const *slugs;
	size_t n;
	int urls = 0;

	if (argc == 2 && strcmp(argv[1], "--urls") == 0) {
		urls = 1;
	} else if (argc > 1) {
		fprintf(stderr, "clickstatus feeds: unexpected argument \"%s\"\n", argv[1]);
		return CLI_EXIT_USAGE;
	}
	if (cli_load(g, &cat, &cfg) != CS_OK)
		return CLI_EXIT_USAGE;
	slugs = config_feed_slugs(cfg, &n);
	for (size_t i = 0; i < n; i++) {
		if (urls)
			printf("%s%s%s.rss\n", cfg->feed_base_url, base_slash(cfg->feed_base_url) ? "" : "/", slugs[i]);
		else
			printf("%s\n", slugs[i]);
	}
	config_free(cfg);
	catalogue_free(cat);
	return CLI_EXIT_OK;
}
