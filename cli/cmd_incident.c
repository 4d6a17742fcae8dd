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
#include "cycle/incident_records.h"
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
	    "                     attach the root-cause analysis (an existing file or an http(s) URL)\n"
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
	store_rollback(r->st);
	store_close(r->st);
	config_free(r->cfg);
	catalogue_free(r->cat);
}

/* Loads incident id into r->inc; unknown is bad input (2). */
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

/* Collects an incident's components (for updates that do not name them). */
struct comps {
	char *id[MAX_COMPONENTS * 4];
	status_component st[MAX_COMPONENTS * 4];
	size_t n;
};

static int
collect_comp(const char *id, const char *status, void *ctx)
{
	struct comps *c = ctx;

	if (c->n == sizeof(c->id) / sizeof(c->id[0]))
		return 1;
	c->id[c->n] = strdup(id);
	if (c->id[c->n] == NULL)
		return 1;
	if (status_component_parse(status, &c->st[c->n]) != 0)
		c->st[c->n] = STATUS_UNKNOWN;
	c->n++;
	return 0;
}

static void
comps_free(struct comps *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->id[i]);
	c->n = 0;
}

/* Merges the named components into c (replacing the status of those present). */
static int
comps_merge(struct comps *c, const struct iopts *o)
{
	for (size_t i = 0; i < o->ncomp; i++) {
		size_t k;

		for (k = 0; k < c->n; k++)
			if (strcmp(c->id[k], o->comp_id[i]) == 0)
				break;
		if (k == c->n) {
			if (c->n == sizeof(c->id) / sizeof(c->id[0]))
				return -1;
			c->id[k] = strdup(o->comp_id[i]);
			if (c->id[k] == NULL)
				return -1;
			c->n++;
		}
		c->st[k] = o->comp_status[i];
	}
	return 0;
}

/*
 * Posts an update by a person to r->inc (already loaded) with the
 * components c; records it, the components, the audit log and the
 * notifications; updates r->inc (status, times, priority) and writes it.
 * Runs inside the caller's transaction.
 */
static cs_err
post(struct run *r, const char *action, incident_status status, const char *body,
    struct comps *c, const char *author, const char *reason)
{
	struct store_incident_update u;
	char *json = NULL;
	char detail[64];
	priority sugg;
	struct incident_component ic[MAX_COMPONENTS * 4];
	int n = 0;
	cs_err rc;

	json = incident_records_components_json(r->cfg, (const char *const *)c->id, c->st, c->n);
	if (json == NULL)
		return cs_seterr(r->err, sizeof(r->err), CS_ERR_NOMEM, "out of memory");
	for (size_t i = 0; i < c->n; i++) {
		ic[i].id = c->id[i];
		ic[i].status = c->st[i];
		rc = store_incident_component_set(r->st, r->inc.id, c->id[i],
		    status_component_name(c->st[i]), r->err, sizeof(r->err));
		if (rc != CS_OK)
			goto out;
	}
	memset(&u, 0, sizeof(u));
	u.incident_id = r->inc.id;
	u.at = r->g->now;
	u.status = incident_status_name(status);
	u.body = body;
	u.author = author;
	u.public = !r->inc.not_affected;
	u.components_json = json;
	rc = store_incident_add_update(r->st, &u, &n, r->err, sizeof(r->err));
	if (rc != CS_OK)
		goto out;
	free(r->inc.status);
	r->inc.status = strdup(u.status);
	if (r->inc.status == NULL) {
		rc = cs_seterr(r->err, sizeof(r->err), CS_ERR_NOMEM, "out of memory");
		goto out;
	}
	if (r->inc.responded_at == 0)
		r->inc.responded_at = r->g->now;
	if (u.public)
		r->inc.updated_at = r->g->now;
	if (incident_status_closed(status) && r->inc.resolved_at == 0)
		r->inc.resolved_at = r->g->now;
	sugg = incident_suggest(r->cfg, ic, c->n, NULL, NULL);
	r->inc.prio_suggested = (int)incident_priority_max((priority)r->inc.prio_suggested, sugg);
	rc = store_incident_put(r->st, &r->inc, r->err, sizeof(r->err));
	if (rc != CS_OK)
		goto out;
	snprintf(detail, sizeof(detail), "update %d: %s", n, u.status);
	rc = store_incident_action(r->st, r->inc.id, 0, r->g->now, author, action, detail, reason,
	    r->err, sizeof(r->err));
	if (rc == CS_OK && u.public)
		rc = incident_records_notify(r->st, &r->inc, n, u.status, body, json, r->g->now, NULL,
		    r->err, sizeof(r->err));
	if (rc == CS_OK)
		printf("incident %" PRId64 ": update %d posted (%s)\n", r->inc.id, n, u.status);
out:
	free(json);
	return rc;
}

/* Commits, or reports the failure; returns an exit code. */
static int
finish(struct run *r, cs_err rc)
{
	if (rc == CS_OK)
		rc = store_commit(r->st, r->err, sizeof(r->err));
	if (rc != CS_OK) {
		store_rollback(r->st);
		cli_log(r->g, "error", "store", "%s", r->err);
		return CLI_EXIT_FAIL;
	}
	return CLI_EXIT_OK;
}

static int
do_open(struct run *r, struct iopts *o)
{
	struct store_incident ni;
	struct comps c;
	incident_status s = INCIDENT_INVESTIGATING;
	priority p = PRIORITY_NONE;
	int64_t id = 0;
	cs_err rc;

	memset(&c, 0, sizeof(c));
	if (o->title == NULL || o->title[0] == '\0' || o->ncomp == 0) {
		fprintf(stderr, "clickstatus incident open: --title and at least one --component "
		    "are required\n");
		return CLI_EXIT_USAGE;
	}
	if (o->status != NULL && (incident_status_parse(o->status, &s) != 0 ||
	    incident_status_closed(s))) {
		fprintf(stderr, "clickstatus incident open: status \"%s\" is not one an incident "
		    "opens with (investigating, identified, monitoring)\n", o->status);
		return CLI_EXIT_USAGE;
	}
	if (o->priority != NULL && priority_parse(o->priority, &p) != 0) {
		fprintf(stderr, "clickstatus incident open: unknown priority \"%s\" (P1..P4)\n",
		    o->priority);
		return CLI_EXIT_USAGE;
	}
	memset(&ni, 0, sizeof(ni));
	ni.kind = (char *)"manual";
	ni.title = (char *)o->title;
	ni.status = (char *)incident_status_name(s);
	ni.opened_at = r->g->now;
	ni.prio_override = (int)p;
	rc = store_begin(r->st, r->err, sizeof(r->err));
	if (rc == CS_OK)
		rc = store_incident_create(r->st, &ni, &id, r->err, sizeof(r->err));
	if (rc == CS_OK)
		rc = store_incident_action(r->st, id, 0, r->g->now, o->author, "open", o->title,
		    NULL, r->err, sizeof(r->err));
	if (rc == CS_OK && p != PRIORITY_NONE)
		rc = store_incident_action(r->st, id, 0, r->g->now, o->author, "priority",
		    priority_name(p), o->reason, r->err, sizeof(r->err));
	if (rc == CS_OK)
		rc = store_incident_get(r->st, id, &r->inc, r->err, sizeof(r->err));
	if (rc == CS_OK && comps_merge(&c, o) != 0)
		rc = cs_seterr(r->err, sizeof(r->err), CS_ERR_NOMEM, "out of memory");
	if (rc == CS_OK)
		rc = post(r, "update", s, o->message ? o->message : o->title, &c, o->author, NULL);
	comps_free(&c);
	return finish(r, rc);
}

/* Counts the open AWS causes of an incident. */
static int
count_open_cause(const struct store_incident_cause *c, void *ctx)
{
	if (c->open)
		(*(int *)ctx)++;
	return 0;
}

static int
do_update(struct run *r, struct iopts *o, int64_t id, int resolve)
{
	const char *sub = resolve ? "resolve" : "update";
	incident_status cur, s = INCIDENT_IDENTIFIED;
	struct comps c;
	int ret;
	cs_err rc;

	memset(&c, 0, sizeof(c));
	/* The arguments first: bad input is reported whatever the incident's state. */
	if (!resolve && (o->message == NULL || o->message[0] == '\0')) {
		fprintf(stderr, "clickstatus incident update: --message is required\n");
		return CLI_EXIT_USAGE;
	}
	if (!resolve && o->status != NULL && incident_status_parse(o->status, &s) != 0) {
		fprintf(stderr, "clickstatus incident update: unknown status \"%s\" "
		    "(investigating, identified, monitoring, resolved, postmortem)\n", o->status);
		return CLI_EXIT_USAGE;
	}
	ret = load(r, sub, id);
	if (ret != 0)
		return ret;
	if (incident_status_parse(r->inc.status, &cur) != 0)
		cur = INCIDENT_IDENTIFIED;
	if (incident_status_closed(cur) && !(cur == INCIDENT_RESOLVED && !resolve &&
	    o->status != NULL && strcmp(o->status, "postmortem") == 0)) {
		fprintf(stderr, "clickstatus incident %s: incident %" PRId64 " is already %s\n", sub,
		    id, r->inc.status);
		return CLI_EXIT_USAGE;
	}
	if (resolve) {
		s = INCIDENT_RESOLVED;
	} else if (o->status == NULL) {
		s = cur;
	}
	rc = store_incident_components(r->st, id, collect_comp, &c, r->err, sizeof(r->err));
	if (rc != CS_OK) {
		comps_free(&c);
		cli_log(r->g, "error", "store", "%s", r->err);
		return CLI_EXIT_FAIL;
	}
	if (incident_status_closed(s) && strcmp(r->inc.kind, "aws") == 0 && !r->inc.not_affected) {
		/* AWS still reports its causes: the next poll would re-open it. */
		int open = 0;

		rc = store_incident_causes(r->st, id, count_open_cause, &open, r->err,
		    sizeof(r->err));
		if (rc == CS_OK && open > 0) {
			fprintf(stderr, "clickstatus incident %s: AWS still reports %d cause%s of "
			    "incident %" PRId64 " as open; it resolves by itself when AWS does (or "
			    "mark it not-affected)\n", sub, open, open == 1 ? "" : "s", id);
			comps_free(&c);
			return CLI_EXIT_USAGE;
		}
	}
	if (comps_merge(&c, o) != 0) {
		comps_free(&c);
		return CLI_EXIT_FAIL;
	}
	if (incident_status_closed(s)) {
		/* A resolution puts every component of the incident back to operational. */
		for (size_t i = 0; i < c.n; i++)
			if (!o->ncomp)
				c.st[i] = STATUS_OPERATIONAL;
	}
	rc = store_begin(r->st, r->err, sizeof(r->err));
	if (rc == CS_OK)
		rc = post(r, resolve || incident_status_closed(s) ? "resolve" : "update", s,
		    o->message ? o->message : "This incident has been resolved.", &c, o->author,
		    NULL);
	comps_free(&c);
	return finish(r, rc);
}

static int
do_priority(struct run *r, struct iopts *o, int64_t id, const char *value)
{
	priority p = PRIORITY_NONE;
	int ret;
	cs_err rc;

	if (value == NULL || (strcmp(value, "auto") != 0 && priority_parse(value, &p) != 0)) {
		fprintf(stderr, "clickstatus incident priority: want P1, P2, P3, P4 or auto, not "
		    "\"%s\"\n", value ? value : "");
		return CLI_EXIT_USAGE;
	}
	ret = load(r, "priority", id);
	if (ret != 0)
		return ret;
	r->inc.prio_override = (int)p;
	rc = store_begin(r->st, r->err, sizeof(r->err));
	if (rc == CS_OK)
		rc = store_incident_put(r->st, &r->inc, r->err, sizeof(r->err));
	if (rc == CS_OK)
		rc = store_incident_action(r->st, id, 0, r->g->now, o->author, "priority",
		    p == PRIORITY_NONE ? "auto" : priority_name(p), o->reason, r->err, sizeof(r->err));
	if (rc == CS_OK)
		printf("incident %" PRId64 ": priority %s (suggested %s)\n", id,
		    p == PRIORITY_NONE ? "auto" : priority_name(p),
		    priority_name((priority)r->inc.prio_suggested));
	return finish(r, rc);
}

static int
do_not_affected(struct run *r, struct iopts *o, int64_t id)
{
	int ret;
	cs_err rc;
	char key[96];

	if (o->reason == NULL || o->reason[0] == '\0') {
		fprintf(stderr, "clickstatus incident not-affected: --reason is required (it is kept)\n");
		return CLI_EXIT_USAGE;
	}
	ret = load(r, "not-affected", id);
	if (ret != 0)
		return ret;
	if (strcmp(r->inc.kind, "aws") != 0) {
		fprintf(stderr, "clickstatus incident not-affected: incident %" PRId64 " was opened "
		    "by hand, not from AWS; resolve it instead\n", id);
		return CLI_EXIT_USAGE;
	}
	if (r->inc.not_affected) {
		fprintf(stderr, "clickstatus incident not-affected: incident %" PRId64 " is already "
		    "marked not affected\n", id);
		return CLI_EXIT_USAGE;
	}
	r->inc.not_affected = 1;
	free(r->inc.not_affected_reason);
	r->inc.not_affected_reason = strdup(o->reason);
	if (r->inc.not_affected_reason == NULL)
		return CLI_EXIT_FAIL;
	snprintf(key, sizeof(key), "incident:%" PRId64 ":not-affected:site", id);
	rc = store_begin(r->st, r->err, sizeof(r->err));
	if (rc == CS_OK)
		rc = store_incident_put(r->st, &r->inc, r->err, sizeof(r->err));
	if (rc == CS_OK)
		rc = store_incident_action(r->st, id, 0, r->g->now, o->author, "not-affected", NULL,
		    o->reason, r->err, sizeof(r->err));
	/* The page changes: it no longer shows the incident. */
	if (rc == CS_OK)
		rc = store_outbox_add(r->st, "site", key, "{\"reason\":\"incident withdrawn\"}",
		    r->g->now, NULL, r->err, sizeof(r->err));
	if (rc == CS_OK)
		printf("incident %" PRId64 ": CLICK not affected; withdrawn from the page and "
		    "notifications\n", id);
	return finish(r, rc);
}

static int
do_rca(struct run *r, struct iopts *o, int64_t id, const char *which, const char *ref)
{
	struct stat sb;
	char *abs = NULL;
	int draft, ret;
	cs_err rc;

	if (which == NULL || ref == NULL || (strcmp(which, "draft") != 0 &&
	    strcmp(which, "final") != 0)) {
		fprintf(stderr, "clickstatus incident rca: want ID draft|final FILE|URL\n");
		return CLI_EXIT_USAGE;
	}
	draft = strcmp(which, "draft") == 0;
	errno = 0;
	if (strncmp(ref, "https://", 8) != 0 && strncmp(ref, "http://", 7) != 0) {
		if (stat(ref, &sb) != 0 || !S_ISREG(sb.st_mode)) {
			fprintf(stderr, "clickstatus incident rca: %s: not a file nor an http(s) URL%s%s\n",
			    ref, errno ? ": " : "", errno ? strerror(errno) : "");
			return CLI_EXIT_USAGE;
		}
		abs = realpath(ref, NULL);
		if (abs == NULL) {
			fprintf(stderr, "clickstatus incident rca: %s: %s\n", ref, strerror(errno));
			return CLI_EXIT_USAGE;
		}
	}
	ret = load(r, "rca", id);
	if (ret != 0)
		goto out;
	if (draft) {
		free(r->inc.rca_draft);
		r->inc.rca_draft = strdup(abs ? abs : ref);
		r->inc.rca_draft_at = r->g->now;
	} else {
		free(r->inc.rca_final);
		r->inc.rca_final = strdup(abs ? abs : ref);
		r->inc.rca_final_at = r->g->now;
	}
	rc = store_begin(r->st, r->err, sizeof(r->err));
	if (rc == CS_OK)
		rc = store_incident_put(r->st, &r->inc, r->err, sizeof(r->err));
	if (rc == CS_OK)
		rc = store_incident_action(r->st, id, 0, r->g->now, o->author,
		    draft ? "rca-draft" : "rca-final", abs ? abs : ref, NULL, r->err, sizeof(r->err));
	if (rc == CS_OK)
		printf("incident %" PRId64 ": RCA %s attached: %s\n", id, which, abs ? abs : ref);
	ret = finish(r, rc);
out:
	free(abs);
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
	return 0;
}

static int
show_comp(const char *id, const char *status, void *ctx)
{
	(void)ctx;
	printf("  component %s: %s\n", id, status);
	return 0;
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
	if (r->inc.rca_draft)
		printf("  RCA draft %s (%s)\n", r->inc.rca_draft,
		    cstime_format_iso8601(r->inc.rca_draft_at, w1, sizeof(w1)));
	if (r->inc.rca_final)
		printf("  RCA final %s (%s)\n", r->inc.rca_final,
		    cstime_format_iso8601(r->inc.rca_final_at, w1, sizeof(w1)));
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
