/* cmd_maintenance.c: `clickstatus maintenance ...`: scheduling maintenance windows and listing them. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "base/cstime.h"
#include "cycle/cycle.h"
#include "model/maintenance.h"
#include "store/store.h"

#define MAX_COMPONENTS 64

void
cmd_maintenance_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: clickstatus maintenance schedule --title TEXT --start TIME --end TIME\n"
	    "                                        --component ID... [--verify SECONDS]\n"
	    "                                        [--message TEXT] [--author NAME]\n"
	    "       clickstatus maintenance list [--all]\n"
	    "\n"
	    "schedule: announces planned work on the components in [--start, --end)\n"
	    "  (ISO 8601 or @epoch; the start may not be before --now). The status moves by\n"
	    "  the clock: scheduled, in_progress (components under_maintenance unless an\n"
	    "  outage is worse), verifying (for --verify seconds after the end, default %d),\n"
	    "  completed. Each change is announced by the poll cycle.\n"
	    "list: maintenances not yet completed at --now (--all: every one), with their\n"
	    "  status at --now.\n"
	    "exit status: 0 ok, 1 runtime failure, 2 bad input (nothing is changed)\n",
	    MAINTENANCE_VERIFY_DEFAULT);
}

static int
list_one(const struct store_maintenance *m, void *ctx)
{
	const int64_t *now = ctx;
	struct maintenance_window w = { m->id, m->starts_at, m->ends_at, m->verify_until, NULL, 0 };
	char a[32], b[32];

	printf("%-5" PRId64 " %-12s %-20s %-20s %s %s\n", m->id,
	    maintenance_status_name(maintenance_status_at(&w, *now)),
	    cstime_format_iso8601(m->starts_at, a, sizeof(a)),
	    cstime_format_iso8601(m->ends_at, b, sizeof(b)), m->components_json, m->title);
	return 0;
}

/*
 * Parses `maintenance schedule`'s options into *mr (comps holds the
 * component ids, MAX_COMPONENTS at most, checked against cfg). Returns 0
 * or an exit code.
 */
static int
parse_schedule(const struct config *cfg, int argc, char **argv,
    struct cycle_maintenance_request *mr, const char **comps)
{
	static const struct option opts[] = {
		{ "title", required_argument, NULL, 't' },
		{ "start", required_argument, NULL, 's' },
		{ "end", required_argument, NULL, 'e' },
		{ "component", required_argument, NULL, 'c' },
		{ "verify", required_argument, NULL, 'v' },
		{ "message", required_argument, NULL, 'm' },
		{ "author", required_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	const char *title = NULL, *message = "", *author = NULL;
	size_t ncomps = 0;
	int64_t start = 0, end = 0, verify = MAINTENANCE_VERIFY_DEFAULT;
	int have_start = 0, have_end = 0, ch;

	memset(mr, 0, sizeof(*mr));
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 't': title = optarg; break;
		case 'm': message = optarg; break;
		case 'a': author = optarg; break;
		case 's':
		case 'e':
			if (cstime_parse_iso8601(optarg, ch == 's' ? &start : &end) != 0) {
				fprintf(stderr, "clickstatus maintenance schedule: cannot read time \"%s\" "
				    "(want e.g. 2026-08-18T04:00:00Z or @1787025679)\n", optarg);
				return CLI_EXIT_USAGE;
			}
			if (ch == 's')
				have_start = 1;
			else
				have_end = 1;
			break;
		case 'v':
			if (cli_parse_seconds(optarg, &verify) != 0) {
				fprintf(stderr, "clickstatus maintenance schedule: --verify wants seconds, "
				    "not \"%s\"\n", optarg);
				return CLI_EXIT_USAGE;
			}
			break;
		case 'c':
			if (ncomps == MAX_COMPONENTS) {
				fprintf(stderr, "clickstatus maintenance schedule: more than %d components\n",
				    MAX_COMPONENTS);
				return CLI_EXIT_USAGE;
			}
			if (config_find_component(cfg, optarg) == NULL) {
				fprintf(stderr, "clickstatus maintenance schedule: unknown component \"%s\" "
				    "(known:", optarg);
				for (size_t i = 0; i < cfg->ncomponents; i++)
					fprintf(stderr, " %s", cfg->components[i].id);
				fprintf(stderr, ")\n");
				return CLI_EXIT_USAGE;
			}
			comps[ncomps++] = optarg;
			break;
		default:
			fprintf(stderr, "clickstatus maintenance schedule: unknown option or missing "
			    "value \"%s\"\n", argv[optind - 1]);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "clickstatus maintenance schedule: unexpected argument \"%s\"\n",
		    argv[optind]);
		return CLI_EXIT_USAGE;
	}
	if (title == NULL || title[0] == '\0' || !have_start || !have_end || ncomps == 0) {
		fprintf(stderr, "clickstatus maintenance schedule: --title, --start, --end and at "
		    "least one --component are required\n");
		return CLI_EXIT_USAGE;
	}
	if (!cli_text_ok("maintenance schedule", "--title", title) ||
	    !cli_text_ok("maintenance schedule", "--message", message) ||
	    !cli_text_ok("maintenance schedule", "--author", author))
		return CLI_EXIT_USAGE;
	if (author == NULL)
		author = cli_login_name();
	mr->title = title;
	mr->body = message;
	mr->author = author;
	mr->starts_at = start;
	mr->ends_at = end;
	mr->verify = verify;
	mr->components = comps;
	mr->ncomponents = ncomps;
	return 0;
}

static int
do_schedule(struct cli_globals *g, int argc, char **argv)
{
	const char *comps[MAX_COMPONENTS];
	struct catalogue *cat = NULL;
	struct config *cfg = NULL;
	struct store *st = NULL;
	struct cycle_maintenance_request mr;
	int64_t id = 0;
	int ret = CLI_EXIT_USAGE;
	char err[CS_ERRLEN];
	cs_err rc;

	err[0] = '\0';
	if (cli_load(g, &cat, &cfg) != CS_OK)
		goto out;
	ret = parse_schedule(cfg, argc, argv, &mr, comps);
	if (ret != 0)
		goto out;
	ret = CLI_EXIT_FAIL;
	if (store_open(g->state_dir, &st, err, sizeof(err)) != CS_OK) {
		cli_log(g, "error", "store", "%s", err);
		goto out;
	}
	rc = cycle_schedule(cfg, st, &mr, g->now, &id, err, sizeof(err));
	if (rc == CS_ERR_USAGE) {
		fprintf(stderr, "clickstatus maintenance schedule: %s\n", err);
		ret = CLI_EXIT_USAGE;
		goto out;
	}
	if (rc != CS_OK) {
		cli_log(g, "error", "store", "%s", err);
		goto out;
	}
	printf("maintenance %" PRId64 " scheduled: %s\n", id, mr.title);
	ret = CLI_EXIT_OK;
out:
	store_close(st);
	config_free(cfg);
	catalogue_free(cat);
	return ret;
}

int
cmd_maintenance(struct cli_globals *g, int argc, char **argv)
{
	struct store *st = NULL;
	char err[CS_ERRLEN];
	int64_t now = g->now;
	int ret = CLI_EXIT_OK;

	if (argc < 2) {
		cmd_maintenance_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	if (strcmp(argv[1], "schedule") == 0)
		return do_schedule(g, argc - 1, argv + 1);
	if (strcmp(argv[1], "list") != 0) {
		fprintf(stderr, "clickstatus maintenance: unknown command \"%s\"\n", argv[1]);
		return CLI_EXIT_USAGE;
	}
	if (argc > 3 || (argc == 3 && strcmp(argv[2], "--all") != 0)) {
		fprintf(stderr, "clickstatus maintenance list: unexpected argument \"%s\"\n", argv[2]);
		return CLI_EXIT_USAGE;
	}
	err[0] = '\0';
	printf("%-5s %-12s %-20s %-20s %s\n", "ID", "STATUS", "STARTS", "ENDS", "COMPONENTS TITLE");
	if (store_open(g->state_dir, &st, err, sizeof(err)) != CS_OK ||
	    store_maintenance_list(st, argc == 3 ? 0 : now, list_one, &now, err, sizeof(err)) != CS_OK) {
		cli_log(g, "error", "store", "%s", err);
		ret = CLI_EXIT_FAIL;
	}
	store_close(st);
	return ret;
}
