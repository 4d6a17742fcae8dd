/* cmd_publish.c: `clickstatus publish`: one pass of every publish target (S3, SFTP), or their state. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "base/cstime.h"
#include "store/store.h"
#include "store/targets_state.h"
#include "targets/targets.h"

void
cmd_publish_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: clickstatus publish [--target NAME] [--full]\n"
	    "       clickstatus publish --status\n"
	    "\n"
	    "Copies the site `render` made current to the configuration's \"publish\" targets\n"
	    "(S3-compatible buckets, SFTP hosts), all at once, each on its own: only the files\n"
	    "that differ from what the target holds, assets first, then incident pages and the\n"
	    "history, then index.html and the API; then it deletes what left the site. The\n"
	    "daemon does this after every render, retrying a failing target with backoff.\n"
	    "\n"
	    "  --target NAME  only this target\n"
	    "  --full         upload every file again (the target was changed by hand)\n"
	    "  --status       print each target's state from the store and exit\n"
	    "\n"
	    "Prints one line per target. Exits 1 when a target failed (its error is printed\n"
	    "and recorded in the store), 2 for a usage or configuration error.\n");
}

static void
log_line(void *ctx, const char *level, const char *subsys, const char *msg)
{
	cli_log(ctx, level, subsys, "%s", msg);
}

static int
print_target(const struct store_target *t, void *ctx)
{
	char a[32], b[32], c[32];

	(void)ctx;
	cstime_format_iso8601(t->last_success, a, sizeof(a));
	if (t->failures == 0) {
		printf("%s ok release=%s last_success=%s\n", t->name,
		    t->release != NULL ? t->release : "-", t->last_success > 0 ? a : "never");
		return 0;
	}
	cstime_format_iso8601(t->failing_since, b, sizeof(b));
	cstime_format_iso8601(t->next_attempt, c, sizeof(c));
	printf("%s FAILING since=%s failures=%d next_attempt=%s release=%s last_success=%s "
	    "error=%s\n", t->name, b, t->failures, t->next_attempt > 0 ? c : "-",
	    t->release != NULL ? t->release : "-", t->last_success > 0 ? a : "never",
	    t->last_error != NULL ? t->last_error : "");
	return 0;
}

static int
show_status(struct cli_globals *g)
{
	struct store *st = NULL;
	char err[CS_ERRLEN];
	int ret = CLI_EXIT_OK;

	if (store_open(g->state_dir, &st, err, sizeof(err)) != CS_OK ||
	    store_target_list(st, print_target, NULL, err, sizeof(err)) != CS_OK) {
		cli_log(g, "error", "store", "%s", err);
		ret = CLI_EXIT_FAIL;
	}
	store_close(st);
	return ret;
}

int
cmd_publish(struct cli_globals *g, int argc, char **argv)
{
	struct catalogue *cat = NULL;
	struct config *cfg = NULL;
	struct targets_result *res = NULL;
	const char *only = NULL;
	char site[4096], err[CS_ERRLEN] = "";
	size_t n = 0, i;
	int flags = 0, status = 0, ret = CLI_EXIT_FAIL;
	cs_err rc;

	for (i = 1; i < (size_t)argc; i++) {
		if (strcmp(argv[i], "--target") == 0 && i + 1 < (size_t)argc) {
			only = argv[++i];
		} else if (strncmp(argv[i], "--target=", 9) == 0) {
			only = argv[i] + 9;
		} else if (strcmp(argv[i], "--full") == 0) {
			flags |= TARGETS_FULL;
		} else if (strcmp(argv[i], "--status") == 0) {
			status = 1;
		} else {
			fprintf(stderr, "clickstatus publish: unexpected argument \"%s\"\n", argv[i]);
			return CLI_EXIT_USAGE;
		}
	}
	if (status)
		return show_status(g);
	if (cli_load(g, &cat, &cfg) != CS_OK)
		return CLI_EXIT_USAGE;
	if (cfg->ntargets == 0) {
		fprintf(stderr, "clickstatus publish: the configuration has no \"publish\" targets\n");
		ret = CLI_EXIT_USAGE;
		goto out;
	}
	if (cli_site_dir(g, cfg, NULL, site, sizeof(site)) != 0) {
		fprintf(stderr, "clickstatus publish: site directory path too long\n");
		ret = CLI_EXIT_USAGE;
		goto out;
	}
	rc = targets_publish_once(cfg, g->state_dir, site, only, flags, log_line, g, &res, &n, err,
	    sizeof(err));
	if (rc == CS_ERR_NOTFOUND && n == 0) {
		fprintf(stderr, "clickstatus publish: %s\n", err);
		ret = CLI_EXIT_USAGE;
		goto out;
	}
	if (rc == CS_ERR_NOMEM || rc == CS_ERR_INTERNAL)
		cli_log(g, "error", "publish", "%s", err[0] != '\0' ? err : cs_strerror(rc));
	for (i = 0; i < n; i++) {
		if (res[i].rc != CS_OK)
			printf("%s: FAILED: %s\n", res[i].name, res[i].error);
		else if (res[i].release[0] == '\0')
			printf("%s: nothing published yet\n", res[i].name);
		else
			printf("%s: holds %s: %zu uploaded, %zu deleted, %zu unchanged in %lld ms\n",
			    res[i].name, res[i].release, res[i].uploaded, res[i].deleted,
			    res[i].unchanged, (long long)res[i].ms);
	}
	ret = rc == CS_OK ? CLI_EXIT_OK : CLI_EXIT_FAIL;
out:
	free(res);
	config_free(cfg);
	catalogue_free(cat);
	return ret;
}
