/* cmd_status.c: `clickstatus status` (the component table) and `explain` (why a component is so). */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "base/cstime.h"
#include "cycle/cycle.h"
#include "site/siteapi.h"
#include "site/sitebuild.h"
#include "store/store.h"

void
cmd_status_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: clickstatus status [--json] [--now TIME]\n"
	    "\n"
	    "Prints every component of the product with its status, judged from the\n"
	    "store as of --now (default: now), and for each one that is not operational\n"
	    "the AWS item behind it. Colour on a terminal (NO_COLOR disables it).\n"
	    "  --json   the site's api/v2/summary.json: Statuspage's shape, with the AWS\n"
	    "           causes, 90-day uptime and data freshness as extra fields\n");
}

void
cmd_explain_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: clickstatus explain [--now TIME] COMPONENT\n"
	    "\n"
	    "Shows a component's AWS dependencies, what each feed says, and the recorded\n"
	    "AWS items behind its status. A verdict that rests on AWS's currentevents\n"
	    "document, and any disagreement between it and the RSS feed, is said.\n");
}

static const char *
colour(status_component s)
{
	switch (s) {
	case STATUS_OPERATIONAL: return "\033[32m";
	case STATUS_DEGRADED_PERFORMANCE: return "\033[33m";
	case STATUS_PARTIAL_OUTAGE: return "\033[38;5;208m";
	case STATUS_MAJOR_OUTAGE: return "\033[31m";
	case STATUS_UNDER_MAINTENANCE: return "\033[34m";
	case STATUS_UNKNOWN: return "\033[90m";
	}
	return "";
}

/* Opens the store and judges as of g->now. */
static int
judge(struct cli_globals *g, struct catalogue **cat, struct config **cfg, struct store **st,
    struct judgement **j)
{
	char err[CS_ERRLEN];

	err[0] = '\0';
	if (cli_load(g, cat, cfg) != CS_OK)
		return CLI_EXIT_USAGE;
	if (store_open(g->state_dir, st, err, sizeof(err)) != CS_OK ||
	    cycle_view(*cfg, *st, g->now, j, err, sizeof(err)) != CS_OK) {
		cli_log(g, "error", "store", "%s", err);
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

static void
print_table(const struct config *cfg, const struct judgement *j)
{
	const char *env = getenv("NO_COLOR");
	int tty = isatty(STDOUT_FILENO) && (env == NULL || env[0] == '\0');
	const char *reset = tty ? "\033[0m" : "";
	const char *bold = tty ? "\033[1m" : "";
	const char *group = NULL;
	char when[32];

	printf("%s%s status: %s%s\n", bold, cfg->product, j->map->description, reset);
	if (j->data_verified_at == 0)
		printf("data: never verified (no AWS feed read yet: run `clickstatus poll`)\n");
	else if (j->stale)
		printf("data: STALE: no AWS feed read since %s\n",
		    cstime_format_iso8601(j->data_verified_at, when, sizeof(when)));
	else
		printf("data verified at %s\n",
		    cstime_format_iso8601(j->data_verified_at, when, sizeof(when)));
	for (size_t i = 0; i < j->map->ncomponents; i++) {
		const struct mapper_component *mc = &j->map->components[i];

		if (group == NULL || strcmp(group, mc->cfg->group) != 0) {
			group = mc->cfg->group;
			printf("\n%s%s%s\n", bold, group[0] ? group : "Other", reset);
		}
		printf("  %-40s %s%s%s\n", mc->cfg->name, tty ? colour(mc->status) : "",
		    status_component_label(mc->status), reset);
		for (size_t k = 0; k < mc->ncauses; k++) {
			const struct mapper_cause *c = &mc->causes[k];

			if (c->aws_state == STATUS_AWS_UNKNOWN)
				printf("      because the AWS feed %s has not been read recently\n", c->slug);
			else
				printf("      because AWS %s is %s (update of %s): %s\n", c->slug,
				    status_aws_name(c->aws_state),
				    cstime_format_iso8601(c->time, when, sizeof(when)), c->title);
		}
	}
}

/* The same document as the site's api/v2/summary.json, built by the same code. */
static int
print_json(const struct config *cfg, const struct catalogue *cat,
    const struct judgement *j, struct store *st, struct cli_globals *g)
{
	struct sitemodel *m = NULL;
	char err[CS_ERRLEN];
	char *doc = NULL;
	size_t len = 0;
	int rc = -1;

	err[0] = '\0';
	if (sitebuild_model(cfg, cat, j, st, SITEBUILD_SUMMARY, &m, err, sizeof(err)) != CS_OK) {
		cli_log(g, "error", "status", "%s", err);
		goto out;
	}
	if (siteapi_build(m, "status", SITEAPI_SUMMARY, &doc, &len) != CS_OK) {
		cli_log(g, "error", "status", "out of memory");
		goto out;
	}
	if (fwrite(doc, 1, len, stdout) != len)
		goto out;
	rc = 0;
out:
	free(doc);
	sitemodel_free(m);
	return rc;
}

int
cmd_status(struct cli_globals *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ NULL, 0, NULL, 0 },
	};
	struct catalogue *cat = NULL;
	struct config *cfg = NULL;
	struct store *st = NULL;
	struct judgement *j = NULL;
	int json = 0, ch, ret;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch != 'j') {
			fprintf(stderr, "clickstatus status: unknown option \"%s\"\n", argv[optind - 1]);
			return CLI_EXIT_USAGE;
		}
		json = 1;
	}
	if (optind != argc) {
		fprintf(stderr, "clickstatus status: unexpected argument \"%s\"\n", argv[optind]);
		return CLI_EXIT_USAGE;
	}
	ret = judge(g, &cat, &cfg, &st, &j);
	if (ret == CLI_EXIT_OK) {
		if (json)
			ret = print_json(cfg, cat, j, st, g) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAIL;
		else
			print_table(cfg, j);
	}
	judgement_free(j);
	store_close(st);
	config_free(cfg);
	catalogue_free(cat);
	return ret;
}

/* Prints the newest stored items of one feed. */
struct item_walk {
	int shown;
	int max;
};

static int
print_item(const struct feed_item *it, void *ctx)
{
	struct item_walk *w = ctx;
	char when[32];

	if (w->shown++ >= w->max)
		return 1;
	printf("        %s  %s\n", cstime_format_iso8601(it->epoch, when, sizeof(when)), it->title);
	printf("          guid %s\n", it->guid);
	return 0;
}

int
cmd_explain(struct cli_globals *g, int argc, char **argv)
{
	struct catalogue *cat = NULL;
	struct config *cfg = NULL;
	struct store *st = NULL;
	struct judgement *j = NULL;
	const struct mapper_component *mc = NULL;
	char err[CS_ERRLEN], when[32];
	int ret;

	if (argc != 2 || argv[1][0] == '-') {
		cmd_explain_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	ret = judge(g, &cat, &cfg, &st, &j);
	if (ret != CLI_EXIT_OK)
		goto out;
	mc = judgement_component(j, argv[1]);
	if (mc == NULL) {
		fprintf(stderr, "clickstatus explain: unknown component \"%s\" (known:", argv[1]);
		for (size_t i = 0; i < cfg->ncomponents; i++)
			fprintf(stderr, " %s", cfg->components[i].id);
		fprintf(stderr, ")\n");
		ret = CLI_EXIT_USAGE;
		goto out;
	}
	printf("%s (%s): %s, as of %s\n", mc->cfg->name, mc->cfg->id,
	    status_component_label(mc->status), cstime_format_iso8601(j->viewed_at, when, sizeof(when)));
	printf("  %s\n  used by %.0f%% of %s users\n", mc->cfg->description,
	    mc->cfg->user_share * 100.0, cfg->product);
	printf("  the worst of its dependencies decides; multipleservices-<region> counts for every service in its region\n");
	for (size_t d = 0; d < mc->cfg->ndeps; d++) {
		const struct config_dep *dep = &mc->cfg->deps[d];
		const char *slugs[2] = { dep->slug, NULL };
		char multi[128];
		int seen = 0;

		/* multipleservices-<region> is shown with the first dependency in its region. */
		for (size_t e = 0; e < d && dep->region != NULL; e++) {
			const char *r = mc->cfg->deps[e].region;

			if (r != NULL && strcmp(r, dep->region) == 0)
				seen = 1;
		}
		if (dep->region != NULL && !seen) {
			snprintf(multi, sizeof(multi), "multipleservices-%s", dep->region);
			slugs[1] = multi;
		}
		printf("\n  depends on %s\n", dep->slug);
		for (int k = 0; k < 2 && slugs[k] != NULL; k++) {
			const struct judgement_feed *mf = judgement_feed_find(j, slugs[k]);
			struct item_walk w = { 0, 5 };

			if (mf == NULL)
				continue;
			printf("    feed %s: %s", slugs[k], !mf->readable ? "NOT READ recently (unknown)" :
			    mf->has_items ? status_aws_name(mf->state) : "normal (no items)");
			if (mf->has_items && mf->quiet_closed)
				printf(" (event closed: no update for longer than the quiet limit)");
			if (mf->readable && mf->source == RECONCILE_CURRENTEVENTS)
				printf(" (from currentevents)");
			else if (mf->readable && mf->source == RECONCILE_BOTH)
				printf(" (RSS feed and currentevents)");
			printf("\n");
			if (mf->disagree != RECONCILE_AGREE)
				printf("      disagreement: %s\n", reconcile_disagree_text(mf->disagree));
			if (mf->source != RECONCILE_RSS)
				printf("      verdict from %s: %s  %s\n        guid %s\n",
				    reconcile_source_name(mf->source),
				    cstime_format_iso8601(mf->updated, when, sizeof(when)), mf->title, mf->guid);
			err[0] = '\0';
			if (store_items_for_slug(st, slugs[k], j->viewed_at, print_item, &w, err,
				sizeof(err)) != CS_OK && w.shown <= w.max) {
				cli_log(g, "error", "store", "%s", err);
				ret = CLI_EXIT_FAIL;
				goto out;
			}
		}
	}
out:
	judgement_free(j);
	store_close(st);
	config_free(cfg);
	catalogue_free(cat);
	return ret;
}

void
cmd_dump_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: clickstatus dump\n"
	    "\n"
	    "Prints the whole store as stable text, one record a line: fetch state of\n"
	    "every feed, the classifier's verdicts, component statuses and history,\n"
	    "incidents, maintenances, and the outbox (what is owed to the site, email\n"
	    "and MQTT, delivered or not). For debugging and support.\n");
}

int
cmd_dump(struct cli_globals *g, int argc, char **argv)
{
	struct store *st = NULL;
	char err[CS_ERRLEN];
	int ret = CLI_EXIT_OK;

	if (argc > 1) {
		fprintf(stderr, "clickstatus dump: unexpected argument \"%s\"\n", argv[1]);
		return CLI_EXIT_USAGE;
	}
	err[0] = '\0';
	if (store_open(g->state_dir, &st, err, sizeof(err)) != CS_OK ||
	    store_dump(st, stdout, err, sizeof(err)) != CS_OK) {
		cli_log(g, "error", "store", "%s", err);
		ret = CLI_EXIT_FAIL;
	}
	store_close(st);
	return ret;
}
