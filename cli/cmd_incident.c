/* cmd_incident.c: `clickstatus incident ...`: the engineers' commands on incidents. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

#include "cli.h"
#include "base/cstime.h"
#include "support/incident.h"
#include "cycle/cycle.h"
#include "support/priority.h"
#include "store/store.h"

/* Most --component options one command takes. */
#define MAX_COMPONENTS 64
/* Longest message, title or reason accepted, bytes. */

void
cmd_incident_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: clickstatus incident COMMAND [options]\n"
	    "\n"
	    "  open --title TEXT --component ID[=STATUS]... [--status S] [--message TEXT] [--priority P]\n"
	    "                     open a manual incident (STATUS default partial_outage; S default investigating)\n"
	    "  update ID --message TEXT [--status S] [--component ID=STATUS]...\n"
	    "                     post an update (the first by a person is the SLA's initial response)\n"
	    "  resolve ID [--message TEXT]\n"
	    "                     resolve (refused for an AWS incident whose AWS causes are still open)\n"
	    "  priority ID P1|P2|P3|P4|auto [--reason TEXT]\n"
	    "                     override the suggested priority (auto: back to the suggestion)\n"
	    "  not-affected ID --reason TEXT\n"
	    "                     CLICK ruled out for this AWS incident: off the page and notifications\n"
	    "  rca ID draft|final FILE|URL\n"
	    "                     attach the root-cause analysis: an http(s) URL, or a text file\n"
	    "                     whose content is kept and published on the incident page\n"
	    "  list [--all]       open incidents (--all: every incident)\n"
	    "  show ID            an incident, its components, AWS causes and updates\n"
	    "\n"
	    "Every command that changes something takes --author NAME (default: the login\n"
	    "name) and records who and when (--now) in the audit log. STATUS is a\n"
	    "component status (operational, degraded_performance, partial_outage,\n"
	    "major_outage, under_maintenance); S an incident status (investigating,\n"
	    "identified, monitoring, resolved, postmortem). Bad input changes nothing.\n"
	    "exit status: 0 ok, 1 runtime failure, 2 bad input (unknown incident or\n"
	    "component, an action the incident's state does not allow)\n");
}

/* Options shared by the subcommands. */
struct iopts {
	const char *title, *message, *status, *priority, *reason, *author;
	const char *comp_id[MAX_COMPONENTS];
	status_component comp_status[MAX_COMPONENTS];
	size_t ncomp;
	int all;
	char *comp_buf[MAX_COMPONENTS]; /* owned copies split at '=' */
};

static void
iopts_free(struct iopts *o)
{
	for (size_t i = 0; i < o->ncomp; i++)
		free(o->comp_buf[i]);
}

/*
 * Parses the options after the subcommand; positional arguments are left
 * in argv[optind..]. Checks component ids against cfg. Returns 0 or an
 * exit code.
 */
static int
parse_opts(const char *sub, const struct config *cfg, int argc, char **argv, struct iopts *o)
{
	static const struct option opts[] = {
		{ "title", required_argument, NULL, 't' },
		{ "message", required_argument, NULL, 'm' },
		{ "status", required_argument, NULL, 's' },
		{ "priority", required_argument, NULL, 'p' },
		{ "reason", required_argument, NULL, 'r' },
		{ "author", required_argument, NULL, 'a' },
		{ "component", required_argument, NULL, 'c' },
		{ "all", no_argument, NULL, 'A' },
		{ NULL, 0, NULL, 0 },
	};
	int ch;

	memset(o, 0, sizeof(*o));
	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		char *eq;

		switch (ch) {
		case 't': o->title = optarg; break;
		case 'm': o->message = optarg; break;
		case 's': o->status = optarg; break;
		case 'p': o->priority = optarg; break;
		case 'r': o->reason = optarg; break;
		case 'a': o->author = optarg; break;
		case 'A': o->all = 1; break;
		case 'c':
			if (o->ncomp == MAX_COMPONENTS) {
				fprintf(stderr, "clickstatus incident %s: more than %d components\n", sub,
				    MAX_COMPONENTS);
				return CLI_EXIT_USAGE;
			}
			o->comp_buf[o->ncomp] = strdup(optarg);
			if (o->comp_buf[o->ncomp] == NULL)
				return CLI_EXIT_FAIL;
			o->comp_id[o->ncomp] = o->comp_buf[o->ncomp];
			o->comp_status[o->ncomp] = STATUS_PARTIAL_OUTAGE;
			eq = strchr(o->comp_buf[o->ncomp], '=');
			o->ncomp++;
			if (eq != NULL) {
				*eq = '\0';
				if (status_component_parse(eq + 1, &o->comp_status[o->ncomp - 1]) != 0 ||
				    o->comp_status[o->ncomp - 1] == STATUS_UNKNOWN) {
					fprintf(stderr, "clickstatus incident %s: unknown component status "
					    "\"%s\" (operational, degraded_performance, partial_outage, "
					    "major_outage, under_maintenance)\n", sub, eq + 1);
					return CLI_EXIT_USAGE;
				}
			}
			if (config_find_component(cfg, o->comp_id[o->ncomp - 1]) == NULL) {
				fprintf(stderr, "clickstatus incident %s: unknown component \"%s\" (known:",
				    sub, o->comp_id[o->ncomp - 1]);
				for (size_t i = 0; i < cfg->ncomponents; i++)
					fprintf(stderr, " %s", cfg->components[i].id);
				fprintf(stderr, ")\n");
				return CLI_EXIT_USAGE;
			}
			break;
		default:
			fprintf(stderr, "clickstatus incident %s: unknown option or missing value \"%s\"\n",
			    sub, argv[optind - 1]);
			return CLI_EXIT_USAGE;
		}
	}
	if (!cli_text_ok("incident", "--title", o->title) ||
	    !cli_text_ok("incident", "--message", o->message) ||
	    !cli_text_ok("incident", "--reason", o->reason) ||
	    !cli_text_ok("incident", "--author", o->author))
		return CLI_EXIT_USAGE;
	if (o->author == NULL)
		o->author = cli_login_name();
	if (o->author[0] == '\0') {
		fprintf(stderr, "clickstatus incident %s: --author is empty\n", sub);
		return CLI_EXIT_USAGE;
	}
	return 0;
}

/* Reads a positive incident id. */
static int
parse_id(const char *sub, const char *s, int64_t *id)
{
	if (s == NULL || cli_parse_seconds(s, id) != 0 || *id <= 0) {
		fprintf(stderr, "clickstatus incident %s: want an incident number, not \"%s\"\n", sub,
		    s ? s : "");
		return CLI_EXIT_USAGE;
	}
	return 0;
}

/* State shared by a command run: configuration, store, the incident. */
struct run {
	struct cli_globals *g;
	struct catalogue *cat;
	struct config *cfg;
	struct store *st;
	struct store_incident inc;
	char err[CS_ERRLEN];
};

static int
run_open(struct run *r)
{
	r->err[0] = '\0';
	memset(&r->inc, 0, sizeof(r->inc));
	if (cli_load(r->g, &r->cat, &r->cfg) != CS_OK)
		return CLI_EXIT_USAGE;
	if (store_open(r->g->state_dir, &r->st, r->err, sizeof(r->err)) != CS_OK) {
		cli_log(r->g, "error", "store", "%s", r->err);
		return CLI_EXIT_FAIL;
	}
	return 0;
}

static void
run_close(struct run *r)
{
	store_incident_clear(&r->inc);
	store_close(r->st);
	config_free(r->cfg);
	catalogue_free(r->cat);
}

/* Loads incident id into r->inc (read-only commands); unknown is bad input (2). */
static int
load(struct run *r, const char *sub, int64_t id)
{
	cs_err rc = store_incident_get(r->st, id, &r->inc, r->err, sizeof(r->err));

	if (rc == CS_ERR_NOTFOUND) {
		fprintf(stderr, "clickstatus incident %s: unknown incident %" PRId64 "\n", sub, id);
		return CLI_EXIT_USAGE;
	}
	if (rc != CS_OK) {
		cli_log(r->g, "error", "store", "%s", r->err);
		return CLI_EXIT_FAIL;
	}
	return 0;
}

static void
log_line(void *ctx, const char *level, const char *subsys, const char *msg)
{
	cli_log(ctx, level, subsys, "%s", msg);
}

/*
 * Runs one engineer's request through the cycle (load, decide, commit in
 * one transaction: the rules are in support/engineer.c) and says what it
 * did. Bad input is exit 2 with nothing written.
 */
static int
run_request(struct run *r, const char *sub, int64_t id, const struct engineer_request *req,
    const struct iopts *o)
{
	struct incident_component comps[MAX_COMPONENTS];
	struct engineer_request q = *req;
	struct cycle_engineer_result res;
	cs_err rc;

	for (size_t i = 0; i < o->ncomp; i++) {
		comps[i].id = o->comp_id[i];
		comps[i].status = o->comp_status[i];
	}
	q.components = comps;
	q.ncomponents = o->ncomp;
	q.author = o->author;
	rc = cycle_engineer(r->cfg, r->st, id, &q, r->g->now, &res, log_line, r->g, r->err,
	    sizeof(r->err));
	if (rc == CS_ERR_USAGE || rc == CS_ERR_NOTFOUND) {
		fprintf(stderr, "clickstatus incident %s: %s\n", sub, r->err);
		return CLI_EXIT_USAGE;
	}
	if (rc != CS_OK) {
		cli_log(r->g, "error", "store", "%s", r->err);
		return CLI_EXIT_FAIL;
	}
	switch (q.kind) {
	case ENGINEER_OPEN:
	case ENGINEER_UPDATE:
	case ENGINEER_RESOLVE:
		printf("incident %" PRId64 ": update %d posted (%s)\n", res.id, res.update,
		    incident_status_name(res.status));
		break;
	case ENGINEER_PRIORITY:
		printf("incident %" PRId64 ": priority %s (suggested %s)\n", res.id,
		    res.override == PRIORITY_NONE ? "auto" : priority_name(res.override),
		    priority_name(res.suggested));
		break;
	case ENGINEER_NOT_AFFECTED:
		printf("incident %" PRId64 ": CLICK not affected; withdrawn from the page and "
		    "notifications\n", res.id);
		break;
	case ENGINEER_RCA:
		if (q.rca_url != NULL)
			printf("incident %" PRId64 ": RCA %s attached: %s\n", res.id,
			    q.rca_final ? "final" : "draft", q.rca_url);
		else
			printf("incident %" PRId64 ": RCA %s attached: the document in %s (%zu bytes), "
			    "published on the incident page\n", res.id, q.rca_final ? "final" : "draft",
			    q.rca_file, strlen(q.rca_text));
		break;
	}
	return CLI_EXIT_OK;
}

static int
do_open(struct run *r, struct iopts *o)
{
	struct engineer_request q;

	memset(&q, 0, sizeof(q));
	q.kind = ENGINEER_OPEN;
	q.title = o->title;
	q.message = o->message;
	q.status = o->status;
	q.priority = o->priority;
	q.reason = o->reason;
	return run_request(r, "open", 0, &q, o);
}

static int
do_update(struct run *r, struct iopts *o, int64_t id, int resolve)
{
	struct engineer_request q;

	memset(&q, 0, sizeof(q));
	q.kind = resolve ? ENGINEER_RESOLVE : ENGINEER_UPDATE;
	q.message = o->message;
	q.status = resolve ? NULL : o->status;
	return run_request(r, resolve ? "resolve" : "update", id, &q, o);
}

static int
do_priority(struct run *r, struct iopts *o, int64_t id, const char *value)
{
	struct engineer_request q;

	memset(&q, 0, sizeof(q));
	q.kind = ENGINEER_PRIORITY;
	q.priority = value;
	q.reason = o->reason;
	return run_request(r, "priority", id, &q, o);
}

static int
do_not_affected(struct run *r, struct iopts *o, int64_t id)
{
	struct engineer_request q;

	memset(&q, 0, sizeof(q));
	q.kind = ENGINEER_NOT_AFFECTED;
	q.reason = o->reason;
	return run_request(r, "not-affected", id, &q, o);
}

/*
 * Reads the RCA document FILE (a regular file, at most ENGINEER_RCA_MAX
 * bytes) into *out (owned, NUL-terminated). Returns 0, or prints why and
 * returns CLI_EXIT_USAGE.
 */
static int
read_rca(const char *path, char **out)
{
	struct stat sb;
	FILE *fp = NULL;
	char *buf = NULL;
	size_t n = 0;
	int ret = CLI_EXIT_USAGE;

	*out = NULL;
	errno = 0;
	fp = fopen(path, "rb");
	if (fp == NULL || fstat(fileno(fp), &sb) != 0 || !S_ISREG(sb.st_mode)) {
		fprintf(stderr, "clickstatus incident rca: %s: not a file nor an http(s) URL%s%s\n",
		    path, errno ? ": " : "", errno ? strerror(errno) : "");
		goto out;
	}
	buf = malloc(ENGINEER_RCA_MAX + 2);
	if (buf == NULL) {
		fprintf(stderr, "clickstatus incident rca: out of memory\n");
		ret = CLI_EXIT_FAIL;
		goto out;
	}
	n = fread(buf, 1, ENGINEER_RCA_MAX + 1, fp);
	if (ferror(fp)) {
		fprintf(stderr, "clickstatus incident rca: %s: %s\n", path, strerror(errno));
		goto out;
	}
	/* Past the limit and NUL bytes are the rule's to refuse; keep them visible to it. */
	if (memchr(buf, '\0', n) != NULL) {
		fprintf(stderr, "clickstatus incident rca: %s is not text (a NUL byte); publish it "
		    "elsewhere and attach its URL\n", path);
		goto out;
	}
	buf[n] = '\0';
	*out = buf;
	buf = NULL;
	ret = 0;
out:
	free(buf);
	if (fp != NULL)
		fclose(fp);
	return ret;
}

/*
 * An http(s) URL is kept as it is; anything else names a file, read here at
 * the edge, whose content is the document kept and published (the path
 * would mean nothing to the page's readers, and the file may go away).
 */
static int
do_rca(struct run *r, struct iopts *o, int64_t id, const char *which, const char *ref)
{
	struct engineer_request q;
	char *text = NULL;
	int ret;

	if (which == NULL || ref == NULL || (strcmp(which, "draft") != 0 &&
	    strcmp(which, "final") != 0)) {
		fprintf(stderr, "clickstatus incident rca: want ID draft|final FILE|URL\n");
		return CLI_EXIT_USAGE;
	}
	memset(&q, 0, sizeof(q));
	q.kind = ENGINEER_RCA;
	q.rca_final = strcmp(which, "final") == 0;
	if (strncmp(ref, "https://", 8) == 0 || strncmp(ref, "http://", 7) == 0) {
		q.rca_url = ref;
	} else {
		ret = read_rca(ref, &text);
		if (ret != 0)
			return ret;
		q.rca_text = text;
		q.rca_file = ref;
	}
	ret = run_request(r, "rca", id, &q, o);
	free(text);
	return ret;
}

static const char *
effective_priority(const struct store_incident *inc)
{
	return priority_name((priority)(inc->prio_override ? inc->prio_override :
	    inc->prio_suggested));
}

static int
list_one(const struct store_incident *inc, void *ctx)
{
	char when[32];
	int all = *(int *)ctx;

	if (!all && inc->resolved_at != 0)
		return 0;
	printf("%-5" PRId64 " %-13s %-4s%s %-20s %-6s %s%s\n", inc->id, inc->status,
	    effective_priority(inc), inc->prio_override ? "*" : " ",
	    cstime_format_iso8601(inc->opened_at, when, sizeof(when)), inc->kind, inc->title,
	    inc->not_affected ? "  [CLICK not affected]" : "");
	return 0;
}

static int
do_list(struct run *r, struct iopts *o)
{
	printf("%-5s %-13s %-5s %-20s %-6s %s\n", "ID", "STATUS", "PRIO", "OPENED", "KIND", "TITLE");
	if (store_incident_list(r->st, 0, list_one, &o->all, r->err, sizeof(r->err)) != CS_OK) {
		cli_log(r->g, "error", "store", "%s", r->err);
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

static int
show_update(const struct store_incident_update *u, void *ctx)
{
	char when[32];

	(void)ctx;
	printf("  #%d %s %-13s by %s%s%s\n      %s\n      components %s\n", u->n,
	    cstime_format_iso8601(u->at, when, sizeof(when)), u->status, u->author,
	    u->public ? "" : " (not public)", u->source_guid ? " from AWS" : "", u->body,
	    u->components_json);
	return 0;
}

static int
show_cause(const struct store_incident_cause *c, void *ctx)
{
	char when[32];

	(void)ctx;
	printf("  AWS %s %s (%s) %s: %s\n", c->slug, c->state, c->open ? "open" : "closed",
	    cstime_format_iso8601(c->time, when, sizeof(when)), c->title);
	/* What the ruling covers: a worse state or another event goes public. */
	if (c->ruled_state != NULL)
		printf("      ruled not affected: up to %s, in the event begun %s\n", c->ruled_state,
		    c->ruled_at ? cstime_format_iso8601(c->ruled_at, when, sizeof(when)) :
		    "(any)");
	return 0;
}

static int
show_comp(const char *id, const char *status, void *ctx)
{
	(void)ctx;
	printf("  component %s: %s\n", id, status);
	return 0;
}

/* One RCA line of `incident show`: its URL, or the size of the document kept. */
static void
show_rca(const char *which, const char *ref, int64_t at)
{
	char w[32];

	if (ref == NULL)
		return;
	if (engineer_rca_is_url(ref))
		printf("  RCA %s %s (%s)\n", which, ref, cstime_format_iso8601(at, w, sizeof(w)));
	else
		printf("  RCA %s: a document of %zu bytes, on the incident page (%s)\n", which,
		    strlen(ref), cstime_format_iso8601(at, w, sizeof(w)));
}

static int
do_show(struct run *r, int64_t id)
{
	char w1[32], w2[32];
	int ret = load(r, "show", id);

	if (ret != 0)
		return ret;
	printf("incident %" PRId64 " (%s): %s\n  status %s, opened %s", id, r->inc.kind,
	    r->inc.title, r->inc.status, cstime_format_iso8601(r->inc.opened_at, w1, sizeof(w1)));
	if (r->inc.resolved_at)
		printf(", resolved %s", cstime_format_iso8601(r->inc.resolved_at, w2, sizeof(w2)));
	printf("\n  priority %s%s (suggested %s)\n", effective_priority(&r->inc),
	    r->inc.prio_override ? " (override)" : "",
	    priority_name((priority)r->inc.prio_suggested));
	if (r->inc.not_affected)
		printf("  CLICK not affected: %s\n", r->inc.not_affected_reason ?
		    r->inc.not_affected_reason : "");
	show_rca("draft", r->inc.rca_draft, r->inc.rca_draft_at);
	show_rca("final", r->inc.rca_final, r->inc.rca_final_at);
	if (store_incident_components(r->st, id, show_comp, NULL, r->err, sizeof(r->err)) != CS_OK ||
	    store_incident_causes(r->st, id, show_cause, NULL, r->err, sizeof(r->err)) != CS_OK ||
	    store_incident_updates(r->st, id, show_update, NULL, r->err, sizeof(r->err)) != CS_OK) {
		cli_log(r->g, "error", "store", "%s", r->err);
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

int
cmd_incident(struct cli_globals *g, int argc, char **argv)
{
	struct run r;
	struct iopts o;
	const char *sub;
	int64_t id = 0;
	int ret, npos;
	char **pos;

	memset(&r, 0, sizeof(r));
	memset(&o, 0, sizeof(o));
	r.g = g;
	if (argc < 2) {
		cmd_incident_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	sub = argv[1];
	if (strcmp(sub, "open") != 0 && strcmp(sub, "update") != 0 && strcmp(sub, "resolve") != 0 &&
	    strcmp(sub, "priority") != 0 && strcmp(sub, "not-affected") != 0 &&
	    strcmp(sub, "rca") != 0 && strcmp(sub, "list") != 0 && strcmp(sub, "show") != 0) {
		fprintf(stderr, "clickstatus incident: unknown command \"%s\"\n", sub);
		cmd_incident_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	ret = run_open(&r);
	if (ret != 0)
		goto out;
	ret = parse_opts(sub, r.cfg, argc - 1, argv + 1, &o);
	if (ret != 0)
		goto out;
	pos = argv + 1 + optind;
	npos = argc - 1 - optind;
	if (strcmp(sub, "open") == 0 || strcmp(sub, "list") == 0) {
		if (npos != 0) {
			fprintf(stderr, "clickstatus incident %s: unexpected argument \"%s\"\n", sub,
			    pos[0]);
			ret = CLI_EXIT_USAGE;
			goto out;
		}
		ret = strcmp(sub, "open") == 0 ? do_open(&r, &o) : do_list(&r, &o);
		goto out;
	}
	ret = parse_id(sub, npos > 0 ? pos[0] : NULL, &id);
	if (ret != 0)
		goto out;
	if (strcmp(sub, "update") == 0 || strcmp(sub, "resolve") == 0 || strcmp(sub, "show") == 0 ||
	    strcmp(sub, "not-affected") == 0) {
		if (npos != 1) {
			fprintf(stderr, "clickstatus incident %s: unexpected argument \"%s\"\n", sub,
			    pos[1]);
			ret = CLI_EXIT_USAGE;
			goto out;
		}
	}
	if (strcmp(sub, "update") == 0) {
		ret = do_update(&r, &o, id, 0);
	} else if (strcmp(sub, "resolve") == 0) {
		ret = do_update(&r, &o, id, 1);
	} else if (strcmp(sub, "priority") == 0) {
		ret = npos == 2 ? do_priority(&r, &o, id, pos[1]) : do_priority(&r, &o, id, NULL);
	} else if (strcmp(sub, "not-affected") == 0) {
		ret = do_not_affected(&r, &o, id);
	} else if (strcmp(sub, "rca") == 0) {
		ret = npos == 3 ? do_rca(&r, &o, id, pos[1], pos[2]) : do_rca(&r, &o, id, NULL, NULL);
	} else {
		ret = do_show(&r, id);
	}
out:
	iopts_free(&o);
	run_close(&r);
	return ret;
}
