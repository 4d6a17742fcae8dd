/* cmd_feed.c: `clickstatus feed`: parse and classify one feed, from a file or a URL. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "aws/classify.h"
#include "cli.h"
#include "base/cstime.h"
#include "aws/feed_parse.h"
#include "aws/poll.h"

void
cmd_feed_usage(FILE *fp)
{
	fprintf(fp,
	    "usage: clickstatus feed [--json] [--now TIME] [--quiet-limit SECONDS] FILE|URL\n"
	    "\n"
	    "Parses one AWS RSS feed (a file, \"-\" for standard input, or an http(s) URL)\n"
	    "and prints the state of each service-region in it, judged as of --now.\n"
	    "  --json               {\"feed\",\"items\",\"services\":[{slug,state,updated,title}]}\n"
	    "  --quiet-limit SECS   close unresolved events quiet for longer (default 86400)\n");
}

/* Feeds a file to the parser in 64 KiB chunks: memory stays flat in the feed size. */
static cs_err
parse_file(const char *path, struct feed_parser *p, char *err, size_t errlen)
{
	char buf[65536];
	FILE *fp = NULL;
	size_t n;
	cs_err rc = CS_OK;

	if (strcmp(path, "-") == 0) {
		fp = stdin;
	} else {
		fp = fopen(path, "rb");
		if (fp == NULL)
			return cs_seterr(err, errlen, CS_ERR_IO, "%s: cannot open: %s", path,
			    strerror(errno));
	}
	while ((n = fread(buf, 1, sizeof(buf), fp)) > 0) {
		rc = feed_parse_push(p, buf, n, err, errlen);
		if (rc != CS_OK)
			goto out;
	}
	if (ferror(fp)) {
		rc = cs_seterr(err, errlen, CS_ERR_IO, "%s: read error", path);
		goto out;
	}
	rc = feed_parse_finish(p, err, errlen);
out:
	if (fp != stdin)
		fclose(fp);
	return rc;
}

/* What one URL fetch needs in its callbacks. */
struct url_fetch {
	struct feed_parser *parser;
	cs_err              rc;
	char               *err;
	size_t              errlen;
};

static cs_err
url_body(size_t idx, const char *buf, size_t len, void *ctx, char *err, size_t errlen)
{
	struct url_fetch *u = ctx;

	(void)idx;
	return feed_parse_push(u->parser, buf, len, err, errlen);
}

static void
url_done(size_t idx, const struct poll_result *r, void *ctx)
{
	struct url_fetch *u = ctx;

	(void)idx;
	u->rc = r->err;
	if (r->err != CS_OK)
		snprintf(u->err, u->errlen, "%s", r->message);
}

/* Fetches one URL with the same poller, policy and limits as the daemon. */
static cs_err
parse_url(const char *url, struct feed_parser *p, char *err, size_t errlen)
{
	struct poll_options po;
	struct poll *pl = NULL;
	struct poll_request req = { url, url, NULL, NULL };
	struct url_fetch u = { p, CS_ERR_NET, err, errlen };
	cs_err rc;

	rc = poll_url_allowed(url, err, errlen);
	if (rc != CS_OK)
		return rc;
	poll_options_default(&po);
	pl = poll_new(&po);
	if (pl == NULL)
		return cs_seterr(err, errlen, CS_ERR_NOMEM, "cannot initialise libcurl");
	snprintf(err, errlen, "%s: no answer", url);
	rc = poll_run(pl, &req, 1, url_body, url_done, &u, err, errlen);
	poll_free(pl);
	if (rc != CS_OK)
		return rc;
	if (u.rc != CS_OK)
		return u.rc;
	return feed_parse_finish(p, err, errlen);
}

static void
print_text(const char *name, size_t nitems, const struct classify_service *s, size_t n)
{
	char when[32];

	printf("feed %s: %zu items, %zu services\n", name, nitems, n);
	for (size_t i = 0; i < n; i++) {
		printf("%-40s %-13s %s  %s%s\n", s[i].slug, status_aws_name(s[i].state),
		    cstime_format_iso8601(s[i].updated, when, sizeof(when)), s[i].title,
		    s[i].quiet_closed ? "  (closed: quiet too long)" : "");
	}
}

static int
print_json(const char *name, size_t nitems, const struct classify_service *s, size_t n)
{
	json_t *root = json_object();
	json_t *arr = json_array();
	char when[32];
	int rc = -1;

	if (root == NULL || arr == NULL)
		goto out;
	json_object_set_new(root, "feed", json_string(name));
	json_object_set_new(root, "items", json_integer((json_int_t)nitems));
	for (size_t i = 0; i < n; i++) {
		json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:b}",
		    "slug", s[i].slug, "state", status_aws_name(s[i].state),
		    "updated", cstime_format_iso8601(s[i].updated, when, sizeof(when)),
		    "title", s[i].title, "quiet_closed", s[i].quiet_closed);

		if (o == NULL || json_array_append_new(arr, o) != 0)
			goto out;
	}
	json_object_set(root, "services", arr);
	if (json_dumpf(root, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII) != 0)
		goto out;
	fputc('\n', stdout);
	rc = 0;
out:
	json_decref(arr);
	json_decref(root);
	return rc;
}

int
cmd_feed(struct cli_globals *g, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "quiet-limit", required_argument, NULL, 'q' },
		{ NULL, 0, NULL, 0 },
	};
	char err[CS_ERRLEN];
	struct classify *c = NULL;
	struct feed_parser *p = NULL;
	const struct classify_service *res;
	const char *src;
	int64_t quiet = 86400;
	size_t n;
	int json = 0, ch, ret = CLI_EXIT_FAIL;
	cs_err rc;

	optind = 1;
	opterr = 0;
	while ((ch = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (ch) {
		case 'j':
			json = 1;
			break;
		case 'q':
			if (cli_parse_seconds(optarg, &quiet) != 0) {
				fprintf(stderr, "clickstatus feed: --quiet-limit: not a number of seconds: \"%s\"\n", optarg);
				return CLI_EXIT_USAGE;
			}
			break;
		default:
			fprintf(stderr, "clickstatus feed: unknown option \"%s\"\n", argv[optind - 1]);
			return CLI_EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		cmd_feed_usage(stderr);
		return CLI_EXIT_USAGE;
	}
	src = argv[optind];
	err[0] = '\0';
	c = classify_new(g->now, quiet);
	p = feed_parse_new(src, classify_item_cb, c, 0);
	if (c == NULL || p == NULL) {
		fprintf(stderr, "clickstatus feed: out of memory\n");
		goto out;
	}
	if (strncmp(src, "http://", 7) == 0 || strncmp(src, "https://", 8) == 0) {
		rc = parse_url(src, p, err, sizeof(err));
	} else {
		rc = parse_file(src, p, err, sizeof(err));
	}
	if (rc != CS_OK) {
		fprintf(stderr, "error feed: %s\n", err);
		goto out;
	}
	res = classify_result(c, &n);
	for (size_t i = 0; i < n; i++) {
		if (res[i].unknown_prefix)
			cli_log(g, "warning", "classify", "%s: unknown title prefix, taken as informational: \"%s\"",
			    res[i].slug, res[i].title);
	}
	if (json ? print_json(src, feed_parse_count(p), res, n) != 0
		 : (print_text(src, feed_parse_count(p), res, n), 0))
		goto out;
	ret = CLI_EXIT_OK;
out:
	feed_parse_free(p);
	classify_free(c);
	return ret;
}
