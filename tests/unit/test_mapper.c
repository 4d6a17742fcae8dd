/* test_mapper.c: AWS feed states onto components: defaults, overrides, multipleservices, unknown. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model/config.h"
#include "model/mapper.h"
#include "testutil.h"

/* Components, in order: voice, chat, dns, eu, recording. */
static const char test_json[] =
    "{\"product\":\"T\",\"company\":\"C\",\"site_url\":\"https://s.example\",\"components\":["
    "{\"id\":\"voice\",\"name\":\"Voice\",\"depends_on\":["
    "  {\"service\":\"connect\",\"region\":\"us-east-1\"},{\"service\":\"lambda\",\"region\":\"us-east-1\"}]},"
    "{\"id\":\"chat\",\"name\":\"Chat\",\"depends_on\":["
    "  {\"service\":\"apigateway\",\"region\":\"us-east-1\"},{\"service\":\"cloudfront\"}]},"
    "{\"id\":\"dns\",\"name\":\"DNS\",\"depends_on\":[{\"service\":\"route53\"}]},"
    "{\"id\":\"eu\",\"name\":\"EU\",\"depends_on\":["
    "  {\"service\":\"connect\",\"region\":\"eu-central-1\"},"
    "  {\"service\":\"directconnect\",\"region\":\"eu-central-1\","
    "   \"map\":{\"informational\":\"degraded_performance\",\"disruption\":\"partial_outage\"}}]},"
    "{\"id\":\"recording\",\"name\":\"Recording\",\"depends_on\":["
    "  {\"service\":\"transcribe\",\"region\":\"us-east-1\","
    "   \"map\":{\"informational\":\"operational\",\"disruption\":\"partial_outage\"}}]}"
    "]}";

#define NCOMP 5
#define NONE  (-1)  /* readable feed without items */
#define UNREADABLE (-2)

struct feedspec {
	const char *slug;
	int state;              /* status_aws, NONE or UNREADABLE */
};

struct mcase {
	const char *name;
	struct feedspec feeds[6];
	status_component want[NCOMP];
	status_indicator ind;
	const char *desc;
};

#define OP STATUS_OPERATIONAL
#define DP STATUS_DEGRADED_PERFORMANCE
#define PO STATUS_PARTIAL_OUTAGE
#define MO STATUS_MAJOR_OUTAGE
#define UN STATUS_UNKNOWN

static const struct mcase cases[] = {
	{ "all normal", { { NULL, 0 } },
	    { OP, OP, OP, OP, OP }, STATUS_IND_NONE, "All Systems Operational" },
	{ "normal item is no cause", { { "connect-us-east-1", STATUS_AWS_NORMAL }, { NULL, 0 } },
	    { OP, OP, OP, OP, OP }, STATUS_IND_NONE, "All Systems Operational" },
	{ "informational -> degraded_performance", { { "connect-us-east-1", STATUS_AWS_INFORMATIONAL }, { NULL, 0 } },
	    { DP, OP, OP, OP, OP }, STATUS_IND_MINOR, "Minor Service Outage" },
	{ "degraded -> partial_outage", { { "cloudfront", STATUS_AWS_DEGRADED }, { NULL, 0 } },
	    { OP, PO, OP, OP, OP }, STATUS_IND_MAJOR, "Partial System Outage" },
	{ "disruption -> major_outage", { { "route53", STATUS_AWS_DISRUPTION }, { NULL, 0 } },
	    { OP, OP, MO, OP, OP }, STATUS_IND_CRITICAL, "Major System Outage" },
	{ "worst of dependencies", { { "connect-us-east-1", STATUS_AWS_INFORMATIONAL },
	    { "lambda-us-east-1", STATUS_AWS_DEGRADED }, { NULL, 0 } },
	    { PO, OP, OP, OP, OP }, STATUS_IND_MAJOR, "Partial System Outage" },
	{ "override: direct connect informational", { { "directconnect-eu-central-1", STATUS_AWS_INFORMATIONAL }, { NULL, 0 } },
	    { OP, OP, OP, DP, OP }, STATUS_IND_MINOR, "Minor Service Outage" },
	{ "override: direct connect disruption", { { "directconnect-eu-central-1", STATUS_AWS_DISRUPTION }, { NULL, 0 } },
	    { OP, OP, OP, PO, OP }, STATUS_IND_MAJOR, "Partial System Outage" },
	{ "override: informational -> operational", { { "transcribe-us-east-1", STATUS_AWS_INFORMATIONAL }, { NULL, 0 } },
	    { OP, OP, OP, OP, OP }, STATUS_IND_NONE, "All Systems Operational" },
	{ "override not given keeps the default", { { "transcribe-us-east-1", STATUS_AWS_DEGRADED }, { NULL, 0 } },
	    { OP, OP, OP, OP, PO }, STATUS_IND_MAJOR, "Partial System Outage" },
	{ "multipleservices hits every dependant in the region", { { "multipleservices-us-east-1", STATUS_AWS_DISRUPTION }, { NULL, 0 } },
	    { MO, MO, OP, OP, PO }, STATUS_IND_CRITICAL, "Major System Outage" },
	{ "multipleservices in another region", { { "multipleservices-eu-central-1", STATUS_AWS_INFORMATIONAL }, { NULL, 0 } },
	    { OP, OP, OP, DP, OP }, STATUS_IND_MINOR, "Minor Service Outage" },
	{ "multipleservices takes the worst map of the region", { { "multipleservices-eu-central-1", STATUS_AWS_DISRUPTION }, { NULL, 0 } },
	    { OP, OP, OP, MO, OP }, STATUS_IND_CRITICAL, "Major System Outage" },
	{ "unreadable feed -> unknown, indicator minor", { { "route53", UNREADABLE }, { NULL, 0 } },
	    { OP, OP, UN, OP, OP }, STATUS_IND_MINOR, "Minor Service Outage" },
	{ "unknown beats degraded_performance", { { "connect-us-east-1", STATUS_AWS_INFORMATIONAL },
	    { "lambda-us-east-1", UNREADABLE }, { NULL, 0 } },
	    { UN, OP, OP, OP, OP }, STATUS_IND_MINOR, "Minor Service Outage" },
	{ "outage on a readable feed beats unknown", { { "connect-us-east-1", STATUS_AWS_DISRUPTION },
	    { "lambda-us-east-1", UNREADABLE }, { NULL, 0 } },
	    { MO, OP, OP, OP, OP }, STATUS_IND_CRITICAL, "Major System Outage" },
	{ "unreadable multipleservices -> unknown", { { "multipleservices-eu-central-1", UNREADABLE }, { NULL, 0 } },
	    { OP, OP, OP, UN, OP }, STATUS_IND_MINOR, "Minor Service Outage" },
};

static struct config *
load_test_config(void)
{
	struct config *cfg = NULL;
	char err[CS_ERRLEN] = "";

	if (config_parse("test", test_json, strlen(test_json), NULL, &cfg, err, sizeof(err)) != CS_OK)
		fail_msg("%s", err);
	return cfg;
}

/*
 * Builds the mapper input: every feed the configuration needs, readable
 * and empty, except those the case names.
 */
static size_t
build_feeds(const struct config *cfg, const struct feedspec *spec, struct mapper_feed *feeds,
    struct classify_service *svcs, size_t max)
{
	const char *const *slugs;
	size_t n, i, k;

	slugs = config_feed_slugs(cfg, &n);
	assert_true(n <= max);
	for (i = 0; i < n; i++) {
		feeds[i].slug = slugs[i];
		feeds[i].readable = 1;
		feeds[i].svc = NULL;
		for (k = 0; spec[k].slug != NULL; k++) {
			if (strcmp(spec[k].slug, slugs[i]) != 0)
				continue;
			if (spec[k].state == UNREADABLE) {
				feeds[i].readable = 0;
			} else if (spec[k].state != NONE) {
				memset(&svcs[i], 0, sizeof(svcs[i]));
				svcs[i].slug = (char *)(uintptr_t)slugs[i];
				svcs[i].state = (status_aws)spec[k].state;
				svcs[i].updated = 1755500000 + (int64_t)i;
				svcs[i].title = (char *)(uintptr_t)"Service impact: Increased error rates";
				svcs[i].guid = (char *)(uintptr_t)"https://status.aws.amazon.com/#x_1755500000";
				feeds[i].svc = &svcs[i];
			}
		}
	}
	for (k = 0; spec[k].slug != NULL; k++) {
		for (i = 0; i < n; i++)
			if (strcmp(spec[k].slug, slugs[i]) == 0)
				break;
		if (i == n)
			fail_msg("case names %s, which the configuration does not need", spec[k].slug);
	}
	return n;
}

static void
test_table(void **state)
{
	struct config *cfg = load_test_config();
	struct mapper_feed feeds[32];
	struct classify_service svcs[32];
	char *buf = NULL;
	size_t len = 0, i, j;
	FILE *all = open_memstream(&buf, &len);

	(void)state;
	assert_non_null(all);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct mcase *tc = &cases[i];
		struct mapper_result *r = NULL;
		size_t n = build_feeds(cfg, tc->feeds, feeds, svcs, 32);

		assert_int_equal(mapper_run(cfg, feeds, n, &r), CS_OK);
		assert_int_equal(r->ncomponents, NCOMP);
		for (j = 0; j < NCOMP; j++) {
			if (r->components[j].status != tc->want[j])
				fail_msg("case \"%s\": component %s is %s, want %s", tc->name,
				    r->components[j].cfg->id, status_component_name(r->components[j].status),
				    status_component_name(tc->want[j]));
			assert_ptr_equal(r->components[j].cfg, &cfg->components[j]);
			assert_int_equal(r->components[j].ncauses == 0, tc->want[j] == OP);
		}
		assert_int_equal(r->indicator, tc->ind);
		assert_string_equal(r->description, tc->desc);
		fprintf(all, "# %s\n", tc->name);
		mapper_dump(r, all);
		mapper_result_free(r);
	}
	fclose(all);
	testutil_golden("mapper-table.txt", buf, len);
	free(buf);
	config_free(cfg);
}

/* A feed the caller did not supply is not assumed healthy. */
static void
test_missing_feed_unknown(void **state)
{
	struct config *cfg = load_test_config();
	struct mapper_result *r = NULL;

	(void)state;
	assert_int_equal(mapper_run(cfg, NULL, 0, &r), CS_OK);
	for (size_t j = 0; j < NCOMP; j++)
		assert_int_equal(r->components[j].status, STATUS_UNKNOWN);
	assert_int_equal(r->indicator, STATUS_IND_MINOR);
	assert_int_equal(r->components[0].ncauses, 3); /* connect, lambda, multipleservices */
	assert_int_equal(r->components[0].causes[0].aws_state, STATUS_AWS_UNKNOWN);
	assert_string_equal(r->components[0].causes[0].title, "");
	mapper_result_free(r);
	mapper_result_free(NULL);
	config_free(cfg);
}

/* Causes worst first, each with its slug, service, region and item. */
static void
test_causes_order(void **state)
{
	static const struct feedspec spec[] = {
		{ "connect-us-east-1", STATUS_AWS_INFORMATIONAL },
		{ "lambda-us-east-1", STATUS_AWS_DISRUPTION },
		{ "multipleservices-us-east-1", STATUS_AWS_DEGRADED },
		{ NULL, 0 }
	};
	struct config *cfg = load_test_config();
	struct mapper_feed feeds[32];
	struct classify_service svcs[32];
	struct mapper_result *r = NULL;
	const struct mapper_component *c;
	size_t n;

	(void)state;
	n = build_feeds(cfg, spec, feeds, svcs, 32);
	assert_int_equal(mapper_run(cfg, feeds, n, &r), CS_OK);
	c = &r->components[0];
	assert_int_equal(c->status, STATUS_MAJOR_OUTAGE);
	assert_int_equal(c->ncauses, 3);
	assert_string_equal(c->causes[0].slug, "lambda-us-east-1");
	assert_string_equal(c->causes[0].service, "lambda");
	assert_string_equal(c->causes[0].region, "us-east-1");
	assert_int_equal(c->causes[0].aws_state, STATUS_AWS_DISRUPTION);
	assert_string_equal(c->causes[0].title, "Service impact: Increased error rates");
	assert_string_equal(c->causes[1].slug, "multipleservices-us-east-1");
	assert_string_equal(c->causes[1].service, "multipleservices");
	assert_string_equal(c->causes[2].slug, "connect-us-east-1");
	/* chat: multipleservices through apigateway; cloudfront is global and untouched */
	c = &r->components[1];
	assert_int_equal(c->status, STATUS_PARTIAL_OUTAGE);
	assert_int_equal(c->ncauses, 1);
	/* recording: multipleservices degraded through transcribe's map (degraded not overridden) */
	assert_int_equal(r->components[4].status, STATUS_PARTIAL_OUTAGE);
	mapper_result_free(r);
	config_free(cfg);
}

/*
 * The CLICK default with the event of the recorded all.rss (Direct Connect
 * eu-central-1, "Service impact"): only the EU contact centre shows it.
 */
static void
test_click_direct_connect(void **state)
{
	static const struct feedspec spec[] = {
		{ "directconnect-eu-central-1", STATUS_AWS_INFORMATIONAL },
		{ NULL, 0 }
	};
	struct config *cfg = NULL;
	char err[CS_ERRLEN] = "";
	struct mapper_feed feeds[64];
	struct classify_service svcs[64];
	struct mapper_result *r = NULL;
	char *buf = NULL;
	size_t len = 0, n;
	FILE *fp;

	(void)state;
	if (config_load(NULL, NULL, &cfg, err, sizeof(err)) != CS_OK)
		fail_msg("%s", err);
	n = build_feeds(cfg, spec, feeds, svcs, 64);
	assert_int_equal(mapper_run(cfg, feeds, n, &r), CS_OK);
	assert_int_equal(r->indicator, STATUS_IND_MINOR);
	fp = open_memstream(&buf, &len);
	assert_non_null(fp);
	mapper_dump(r, fp);
	fclose(fp);
	testutil_golden("mapper-click-directconnect.txt", buf, len);
	free(buf);
	mapper_result_free(r);
	config_free(cfg);
}

/*
 * GovCloud has no multipleservices feed, so the configuration never asks for
 * one (config_feed_slugs): a GovCloud dependency whose own feed is readable
 * and quiet is operational, not unknown for want of a feed that does not exist.
 */
static void
test_region_without_multipleservices(void **state)
{
	static const char json[] =
	    "{\"product\":\"T\",\"company\":\"C\",\"site_url\":\"https://s.example\",\"components\":["
	    "{\"id\":\"gov\",\"name\":\"Gov\",\"depends_on\":["
	    "  {\"service\":\"connect\",\"region\":\"us-gov-west-1\"}]}]}";
	static const struct feedspec none[] = { { NULL, 0 } };
	static const struct feedspec down[] = {
		{ "connect-us-gov-west-1", STATUS_AWS_DISRUPTION }, { NULL, 0 }
	};
	struct config *cfg = NULL;
	char err[CS_ERRLEN] = "";
	struct mapper_feed feeds[4];
	struct classify_service svcs[4];
	struct mapper_result *r = NULL;
	size_t n;

	(void)state;
	if (config_parse("test", json, strlen(json), NULL, &cfg, err, sizeof(err)) != CS_OK)
		fail_msg("%s", err);
	n = build_feeds(cfg, none, feeds, svcs, 4);
	assert_int_equal(n, 1);
	assert_int_equal(mapper_run(cfg, feeds, n, &r), CS_OK);
	assert_int_equal(r->components[0].status, STATUS_OPERATIONAL);
	assert_int_equal(r->components[0].ncauses, 0);
	assert_int_equal(r->indicator, STATUS_IND_NONE);
	mapper_result_free(r);
	r = NULL;
	n = build_feeds(cfg, down, feeds, svcs, 4);
	assert_int_equal(mapper_run(cfg, feeds, n, &r), CS_OK);
	assert_int_equal(r->components[0].status, STATUS_MAJOR_OUTAGE);
	assert_int_equal(r->components[0].ncauses, 1);
	assert_string_equal(r->components[0].causes[0].slug, "connect-us-gov-west-1");
	mapper_result_free(r);
	config_free(cfg);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_missing_feed_unknown),
		cmocka_unit_test(test_causes_order),
		cmocka_unit_test(test_click_direct_connect),
		cmocka_unit_test(test_region_without_multipleservices),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
