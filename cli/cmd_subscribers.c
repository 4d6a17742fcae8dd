/* cmd_subscribers.c: `clickstatus subscribers add|remove|list|import|export`: the email subscribers. */
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "base/cstime.h"
#include "email/mail_token.h"
#include "email/subscription.h"
#include "store/store.h"
#include "store/subscribers.h"

void
cmd_subscribers_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: clickstatus subscribers add EMAIL [--components IDS] [--priority P]\n"
	    "       clickstatus subscribers remove EMAIL\n"
	    "       clickstatus subscribers list [--state STATE]\n"
	    "       clickstatus subscribers import FILE\n"
	    "       clickstatus subscribers export\n"
	    "\n"
	    "The people who get email alerts. Addresses that subscribe on the status page\n"
	    "confirm by email first (double opt-in, `clickstatus serve`); `add` is for an\n"
	    "address the operator vouches for and makes it confirmed at once. `remove`\n"
	    "erases the address and its history (not an unsubscribe: nothing is kept).\n"
	    "  --components IDS  component ids to follow, comma-separated (default: all)\n"
	    "  --priority P      lowest priority wanted: P1, P2, P3, P4 or all (default all)\n"
	    "  --state STATE     list only pending, confirmed, unsubscribed or bounced\n"
	    "CSV (import and export): a header line, then one subscriber a line, columns\n"
	    "email, state (default confirmed), components (ids separated by blanks; empty:\n"
	    "all), min_priority (P1..P4), created_at, confirmed_at (export only). An import\n"
	    "is checked whole first: one bad line and nothing is imported. Addresses\n"
	    "already subscribed are left as they are (their line is counted as skipped).\n");
}

/* A fresh link secret for a new subscriber. */
static int
new_secret(char secret[MAIL_TOKEN_LEN])
{
	char err[CS_ERRLEN];

	if (mail_token_random(secret, err, sizeof(err)) != CS_OK) {
		fprintf(stderr, "clickstatus subscribers: %s\n", err);
		return -1;
	}
	/* Half is plenty: the secret is only ever an HMAC input. */
	secret[32] = '\0';
	return 0;
}

struct importer {
	struct store *st;
	int64_t now;
	size_t added, skipped;
	char err[CS_ERRLEN];
};

static cs_err
import_row(void *arg, const struct subscription_row *r)
{
	struct importer *im = arg;
	struct store_subscriber s, old;
	char secret[MAIL_TOKEN_LEN];
	int64_t id = 0;
	cs_err rc;

	rc = store_sub_find(im->st, r->email, &old, im->err, sizeof(im->err));
	store_subscriber_clear(&old);
	if (rc == CS_OK) {
		im->skipped++;
		return CS_OK;
	}
	if (rc != CS_ERR_NOTFOUND)
		return rc;
	if (new_secret(secret) != 0)
		return CS_ERR_INTERNAL;
	memset(&s, 0, sizeof(s));
	s.email = (char *)r->email;
	s.state = (char *)r->state;
	s.components_json = (char *)r->components_json;
	s.min_priority = r->min_priority;
	s.secret = secret;
	s.source = (char *)"import";
	s.created_at = im->now;
	s.confirmed_at = strcmp(r->state, "confirmed") == 0 ? im->now : 0;
	rc = store_sub_add(im->st, &s, &id, im->err, sizeof(im->err));
	if (rc == CS_OK)
		im->added++;
	return rc;
}

static cs_err
list_row(void *arg, const struct store_subscriber *s)
{
	static const char *const prio[] = { "?", "P1", "P1-2", "P1-3", "all" };
	char when[32];

	(void)arg;
	printf("%-6" PRId64 " %-40s %-12s %-4s %-20s %s\n", s->id, s->email, s->state,
	    prio[s->min_priority >= 1 && s->min_priority <= 4 ? s->min_priority : 0],
	    cstime_format_iso8601(s->created_at, when, sizeof(when)),
	    s->components_json != NULL ? s->components_json : "all");
	return CS_OK;
}

static cs_err
export_row(void *arg, const struct store_subscriber *s)
{
	subscription_csv_write(arg, s);
	return CS_OK;
}

/* `add` and `remove`: one address. */
static int
one_address(struct cli_globals *g, const struct config *cfg, struct store *st, int add,
    const char *addr, const char *comps, const char *prio)
{
	struct store_subscriber s;
	char email[SUBSCRIPTION_ADDR_MAX + 1], err[CS_ERRLEN], secret[MAIL_TOKEN_LEN];
	char *json = NULL;
	int64_t id = 0;
	int p = 4, ret = CLI_EXIT_OK;

	memset(&s, 0, sizeof(s));
	if (subscription_address(addr, email, sizeof(email), err, sizeof(err)) != CS_OK ||
	    (add && subscription_components(cfg, comps, &json, err, sizeof(err)) != CS_OK) ||
	    (add && subscription_priority(prio, &p, err, sizeof(err)) != CS_OK)) {
		fprintf(stderr, "clickstatus subscribers: %s\n", err);
		ret = CLI_EXIT_USAGE;
		goto out;
	}
	if (!add) {
		if (store_sub_find(st, email, &s, err, sizeof(err)) != CS_OK ||
		    store_sub_delete(st, s.id, err, sizeof(err)) != CS_OK) {
			cli_log(g, "error", "subscribers", "%s", err);
			ret = CLI_EXIT_FAIL;
			goto out;
		}
		printf("removed subscriber #%" PRId64 " and its history\n", s.id);
		goto out;
	}
	if (new_secret(secret) != 0) {
		ret = CLI_EXIT_FAIL;
		goto out;
	}
	s.email = email;
	s.state = (char *)"confirmed";
	s.components_json = json;
	s.min_priority = p;
	s.secret = secret;
	s.source = (char *)"cli";
	s.created_at = s.confirmed_at = g->now;
	if (store_sub_add(st, &s, &id, err, sizeof(err)) != CS_OK) {
		cli_log(g, "error", "subscribers", "%s", err);
		ret = CLI_EXIT_FAIL;
		memset(&s, 0, sizeof(s));
		goto out;
	}
	memset(&s, 0, sizeof(s));
	printf("subscriber #%" PRId64 " added, confirmed\n", id);
out:
	if (!add)
		store_subscriber_clear(&s);
	free(json);
	return ret;
}

int
cmd_subscribers(struct cli_globals *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "components", required_argument, NULL, 'c' },
		{ "priority", required_argument, NULL, 'p' },
		{ "state", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	const char *comps = NULL, *prio = NULL, *state = NULL, *verb;
	struct catalogue *cat = NULL;
	struct config *cfg = NULL;
	struct store *st = NULL;
	struct importer im;
	char err[CS_ERRLEN] = "";
	int ch, ret = CLI_EXIT_OK, nargs;
	FILE *fp = NULL;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (ch == 'c') {
			comps = optarg;
		} else if (ch == 'p') {
			prio = optarg;
		} else if (ch == 's') {
			state = optarg;
		} else {
			fprintf(stderr, "clickstatus subscribers: unknown option or missing value \"%s\"\n",
			    argv[optind - 1]);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind >= argc) {
		cmd_subscribers_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	verb = argv[optind];
	nargs = argc - optind - 1;
	if (((strcmp(verb, "add") == 0 || strcmp(verb, "remove") == 0 ||
	    strcmp(verb, "import") == 0) && nargs != 1) ||
	    ((strcmp(verb, "list") == 0 || strcmp(verb, "export") == 0) && nargs != 0)) {
		fprintf(stderr, "clickstatus subscribers %s: wrong number of arguments\n", verb);
		return CLI_EXIT_USAGE;
	}
	if (strcmp(verb, "add") != 0 && strcmp(verb, "remove") != 0 && strcmp(verb, "list") != 0 &&
	    strcmp(verb, "import") != 0 && strcmp(verb, "export") != 0) {
		fprintf(stderr, "clickstatus subscribers: unknown action \"%s\"\n", verb);
		return CLI_EXIT_USAGE;
	}
	if (state != NULL && strcmp(state, "pending") != 0 && strcmp(state, "confirmed") != 0 &&
	    strcmp(state, "unsubscribed") != 0 && strcmp(state, "bounced") != 0) {
		fprintf(stderr, "clickstatus subscribers: --state %s: want pending, confirmed,"
		    " unsubscribed or bounced\n", state);
		return CLI_EXIT_USAGE;
	}
	if (cli_load(g, &cat, &cfg) != CS_OK)
		return CLI_EXIT_USAGE;
	if (store_open(g->state_dir, &st, err, sizeof(err)) != CS_OK) {
		cli_log(g, "error", "store", "%s", err);
		ret = CLI_EXIT_FAIL;
		goto out;
	}
	if (strcmp(verb, "add") == 0 || strcmp(verb, "remove") == 0) {
		ret = one_address(g, cfg, st, verb[0] == 'a', argv[optind + 1], comps, prio);
	} else if (strcmp(verb, "list") == 0) {
		printf("%-6s %-40s %-12s %-4s %-20s %s\n", "ID", "EMAIL", "STATE", "PRIO", "SINCE",
		    "COMPONENTS");
		if (store_sub_each(st, state, list_row, NULL, err, sizeof(err)) != CS_OK)
			ret = CLI_EXIT_FAIL;
	} else if (strcmp(verb, "export") == 0) {
		subscription_csv_header(stdout);
		if (store_sub_each(st, state, export_row, stdout, err, sizeof(err)) != CS_OK)
			ret = CLI_EXIT_FAIL;
	} else {
		const char *file = argv[optind + 1];

		fp = strcmp(file, "-") == 0 ? stdin : fopen(file, "r");
		if (fp == NULL) {
			fprintf(stderr, "clickstatus subscribers import: %s: %m\n", file);
			ret = CLI_EXIT_USAGE;
			goto out;
		}
		memset(&im, 0, sizeof(im));
		im.st = st;
		im.now = g->now;
		/* All or nothing: one transaction for the whole file. */
		if (store_begin(st, err, sizeof(err)) != CS_OK) {
			ret = CLI_EXIT_FAIL;
		} else if (subscription_csv_read(fp, file, cfg, import_row, &im, err,
		    sizeof(err)) != CS_OK) {
			store_rollback(st);
			if (im.err[0] != '\0')
				snprintf(err, sizeof(err), "%s", im.err);
			ret = strstr(err, file) == err ? CLI_EXIT_USAGE : CLI_EXIT_FAIL;
		} else if (store_commit(st, err, sizeof(err)) != CS_OK) {
			ret = CLI_EXIT_FAIL;
		} else {
			printf("imported %zu subscriber%s, %zu already there (left as they were)\n",
			    im.added, im.added == 1 ? "" : "s", im.skipped);
		}
	}
	if (ret != CLI_EXIT_OK && err[0] != '\0')
		fprintf(stderr, "clickstatus subscribers %s: %s\n", verb, err);
out:
	if (fp != NULL && fp != stdin)
		fclose(fp);
	store_close(st);
	config_free(cfg);
	catalogue_free(cat);
	return ret;
}
