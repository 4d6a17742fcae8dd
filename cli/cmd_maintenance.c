/* cmd_maintenance.c: `clickstatus maintenance ...`: scheduling maintenance windows and listing them. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "cli.h"
#include "base/cstime.h"
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

static int
do_schedule(struct cli_globals *g, int argc, char **argv)
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
	struct catalogue *cat = NULL;
	struct config *cfg = NULL;
	struct store *st = NULL;
	struct store_maintenance m;
	const char *title = NULL, *message = "", *author = NULL;
	const char *comps[MAX_COMPONENTS];
	size_t ncomps = 0;
	int64_t start = 0, end = 0, verify = MAINTENANCE_VERIFY_DEFAULT, id = 0;
	int have_start = 0, have_end = 0, ch, added, ret = CLI_EXIT_USAGE;
	json_t *arr = NULL, *msg = NULL;
	char *cjson = NULL, *payload = NULL;
	char err[CS_ERRLEN], key[128], when[32];
	cs_err rc;

	err[0] = '\0';
	memset(&m, 0, sizeof(m));
	if (cli_load(g, &cat, &cfg) != CS_OK)
		goto out;
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
				goto out;
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
				goto out;
			}
			break;
		case 'c':
			if (ncomps == MAX_COMPONENTS) {
				fprintf(stderr, "clickstatus maintenance schedule: more than %d components\n",
				    MAX_COMPONENTS);
				goto out;
			}
			if (config_find_component(cfg, optarg) == NULL) {
				fprintf(stderr, "clickstatus maintenance schedule: unknown component \"%s\" "
				    "(known:", optarg);
				for (size_t i = 0; i < cfg->ncomponents; i++)
					fprintf(stderr, " %s", cfg->components[i].id);
				fprintf(stderr, ")\n");
				goto out;
			}
			comps[ncomps++] = optarg;
			break;
		default:
			fprintf(stderr, "clickstatus maintenance schedule: unknown option or missing "
			    "value \"%s\"\n", argv[optind - 1]);
			goto out;
		}
	}
	if (optind != argc) {
		fprintf(stderr, "clickstatus maintenance schedule: unexpected argument \"%s\"\n",
		    argv[optind]);
		goto out;
	}
	if (title == NULL || title[0] == '\0' || !have_start || !have_end || ncomps == 0) {
		fprintf(stderr, "clickstatus maintenance schedule: --title, --start, --end and at "
		    "least one --component are required\n");
		goto out;
	}
	if (!cli_text_ok("maintenance schedule", "--title", title) ||
	    !cli_text_ok("maintenance schedule", "--message", message) ||
	    !cli_text_ok("maintenance schedule", "--author", author))
		goto out;
	if (maintenance_check(start, end, verify, g->now, err, sizeof(err)) != CS_OK) {
		fprintf(stderr, "clickstatus maintenance schedule: %s\n", err);
		goto out;
	}
	if (author == NULL)
		author = cli_login_name();
	ret = CLI_EXIT_FAIL;
	arr = json_array();
	for (size_t i = 0; arr != NULL && i < ncomps; i++)
		json_array_append_new(arr, json_string(comps[i]));
	cjson = arr ? json_dumps(arr, JSON_COMPACT) : NULL;
	if (cjson == NULL)
		goto out;
	m.title = (char *)title;
	m.body = (char *)message;
	m.starts_at = start;
	m.ends_at = end;
	m.verify_until = end + verify;
	m.status = (char *)maintenance_status_name(MAINTENANCE_SCHEDULED);
	m.components_json = cjson;
	m.created_at = g->now;
	m.author = (char *)author;
	if (store_open(g->state_dir, &st, err, sizeof(err)) != CS_OK) {
		cli_log(g, "error", "store", "%s", err);
		goto out;
	}
	rc = store_begin(st, err, sizeof(err));
	if (rc == CS_OK)
		rc = store_maintenance_create(st, &m, &id, err, sizeof(err));
	if (rc == CS_OK)
		rc = store_incident_action(st, 0, id, g->now, author, "schedule", title, NULL, err,
		    sizeof(err));
	if (rc == CS_OK) {
		msg = json_pack("{s:s, s:I, s:s, s:s, s:s, s:s, s:s, s:O}", "type", "maintenance",
		    "maintenance", (json_int_t)id, "status", "scheduled", "title", title, "body",
		    message, "starts_at", cstime_format_iso8601(start, when, sizeof(when)),
		    "ends_at", cstime_format_iso8601(end, key, sizeof(key)), "components", arr);
		payload = msg ? json_dumps(msg, JSON_COMPACT) : NULL;
		if (payload == NULL)
			rc = cs_seterr(err, sizeof(err), CS_ERR_NOMEM, "out of memory");
	}
	for (int c = 0; rc == CS_OK && c < 3; c++) {
		static const char *const ch3[] = { "email", "mqtt", "site" };

		snprintf(key, sizeof(key), "maintenance:%" PRId64 ":scheduled%s%s", id, c ? ":" : "",
		    c ? ch3[c] : "");
		rc = store_outbox_add(st, ch3[c], key, payload, g->now, &added, err, sizeof(err));
	}
	if (rc == CS_OK)
		rc = store_commit(st, err, sizeof(err));
	if (rc != CS_OK) {
		store_rollback(st);
		cli_log(g, "error", "store", "%s", err);
		goto out;
	}
	printf("maintenance %" PRId64 " scheduled: %s\n", id, title);
	ret = CLI_EXIT_OK;
out:
	json_decref(arr);
	json_decref(msg);
	free(cjson);
	free(payload);
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
