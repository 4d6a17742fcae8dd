/* test_config.c: the configuration: the embedded default, every error of bad files, limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "model/config.h"
#include "testutil.h"

static int
setup(void **state)
{
	struct catalogue *c = NULL;
	char err[CS_ERRLEN];

	if (catalogue_default(&c, err, sizeof(err)) != CS_OK)
		return -1;
	*state = c;
	return 0;
}

static int
teardown(void **state)
{
	catalogue_free(*state);
	return 0;
}

/* The shipped default must load, and needs exactly the feeds in the golden list. */
static void
test_default_valid(void **state)
{
	const struct catalogue *cat = *state;
	struct config *cfg = NULL;
	char err[CS_ERRLEN] = "";
	const char *const *slugs;
	size_t n, i, len = 0;
	char *buf = NULL;
	FILE *fp;
	const struct config_component *c;

	if (config_load(NULL, cat, &cfg, err, sizeof(err)) != CS_OK)
		fail_msg("%s", err);
	assert_string_equal(cfg->product, "CLICK");
	assert_string_equal(cfg->company, "SynchroNet");
	assert_string_equal(cfg->site_url, "https://status.synchronet.com");
	assert_string_equal(cfg->feed_base_url, "https://status.aws.amazon.com/rss/");
	assert_int_equal(cfg->poll_interval, 60);
	assert_int_equal(cfg->quiet_limit, 86400);
	assert_true(cfg->ncomponents >= 10 && cfg->ncomponents <= 12);

	c = config_find_component(cfg, "eu-contact-centre");
	assert_non_null(c);
	assert_string_equal(c->group, "EU region");
	assert_string_equal(c->deps[1].slug, "directconnect-eu-central-1");
	assert_int_equal(c->deps[1].map[STATUS_AWS_INFORMATIONAL], STATUS_DEGRADED_PERFORMANCE);
	assert_int_equal(c->deps[1].map[STATUS_AWS_DISRUPTION], STATUS_PARTIAL_OUTAGE);
	assert_int_equal(c->deps[0].map[STATUS_AWS_DISRUPTION], STATUS_MAJOR_OUTAGE);
	c = config_find_component(cfg, "agent-workspace");
	assert_non_null(c);
	assert_null(c->deps[6].region);
	assert_string_equal(c->deps[6].slug, "cloudfront");
	assert_null(config_find_component(cfg, "nope"));

	slugs = config_feed_slugs(cfg, &n);
	fp = open_memstream(&buf, &len);
	assert_non_null(fp);
	for (i = 0; i < n; i++) {
		assert_non_null(catalogue_find(cat, slugs[i]));
		if (i > 0)
			assert_true(strcmp(slugs[i - 1], slugs[i]) < 0);
		fprintf(fp, "%s\n", slugs[i]);
	}
	fclose(fp);
	testutil_golden("config-click-feeds.txt", buf, len);
	free(buf);
	config_free(cfg);
	config_free(NULL);
}

/* A NULL catalogue means the embedded one. */
static void
test_null_catalogue(void **state)
{
	struct config *cfg = NULL;
	char err[CS_ERRLEN] = "";

	(void)state;
	assert_int_equal(config_load(NULL, NULL, &cfg, err, sizeof(err)), CS_OK);
	config_free(cfg);
}

/*
 * Each bad file in tests/fixtures/config/ gives exactly the messages of
 * tests/golden/config-<name>.txt (the full report, every error).
 */
static void
check_bad(const struct catalogue *cat, const char *base, cs_err want)
{
	char rel[256], golden[256];
	char *text, *report = NULL;
	size_t len;
	struct config *cfg = NULL;

	snprintf(rel, sizeof(rel), "tests/fixtures/config/%s.json", base);
	snprintf(golden, sizeof(golden), "config-%s.txt", base);
	text = testutil_read(rel, &len);
	assert_int_equal(config_parse_report(rel, text, len, cat, &cfg, &report), want);
	assert_null(cfg);
	assert_non_null(report);
	testutil_golden(golden, report, strlen(report));
	free(report);
	free(text);
}

static void
test_bad_files(void **state)
{
	const struct catalogue *cat = *state;

	check_bad(cat, "syntax", CS_ERR_CONFIG);
	check_bad(cat, "duplicate-key", CS_ERR_CONFIG);
	check_bad(cat, "not-object", CS_ERR_CONFIG);
	check_bad(cat, "empty-object", CS_ERR_CONFIG);
	check_bad(cat, "unknown-region", CS_ERR_CONFIG);
	check_bad(cat, "many-errors", CS_ERR_CONFIG);
	check_bad(cat, "wrong-types", CS_ERR_CONFIG);
	check_bad(cat, "bad-business", CS_ERR_CONFIG);
}

/* The message the header promises, through config_load and a file path. */
static void
test_unknown_region_message(void **state)
{
	const struct catalogue *cat = *state;
	struct config *cfg = NULL;
	char err[CS_ERRLEN];
	char want[CS_ERRLEN];
	const char *path = testutil_path("tests/fixtures/config/unknown-region.json");

	snprintf(want, sizeof(want), "%s: components[0].depends_on[0].region: unknown region "
	    "\"us-east-9\" (did you mean \"us-east-1\"?)", path);
	assert_int_equal(config_load(path, cat, &cfg, err, sizeof(err)), CS_ERR_CONFIG);
	assert_null(cfg);
	assert_string_equal(err, want);
}

/* Every error is reported, one per line; a small buffer keeps whole lines and counts the rest. */
static void
test_all_errors_reported(void **state)
{
	const struct catalogue *cat = *state;
	struct config *cfg = NULL;
	char *text, *report = NULL;
	char err[CS_ERRLEN], small[300];
	size_t len, lines = 0, blines = 1;
	const char *p;

	text = testutil_read("tests/fixtures/config/many-errors.json", &len);
	assert_int_equal(config_parse_report("x.json", text, len, cat, &cfg, &report), CS_ERR_CONFIG);
	for (p = report; *p != '\0'; p++)
		lines += *p == '\n';
	assert_true(lines >= 25);

	assert_int_equal(config_parse("x.json", text, len, cat, &cfg, err, sizeof(err)), CS_ERR_CONFIG);
	for (p = err; *p != '\0'; p++)
		blines += *p == '\n';
	/* the lines shown are the report's first lines, whole */
	p = strrchr(err, '\n');
	assert_non_null(p);
	assert_memory_equal(report, err, (size_t)(p - err));
	assert_non_null(strstr(err, " more"));
	assert_true(blines < lines);

	assert_int_equal(config_parse("x.json", text, len, cat, &cfg, small, sizeof(small)), CS_ERR_CONFIG);
	assert_true(strlen(small) < sizeof(small));
	assert_true(strncmp(small, "x.json: pol_interval: unknown key (did you mean \"poll_interval\"?)\n", 66) == 0);
	assert_non_null(strstr(small, "more"));
	assert_int_equal(config_parse("x.json", text, len, cat, &cfg, NULL, 0), CS_ERR_CONFIG);
	free(report);
	free(text);
}

/* Defaults for the optional settings; a "_comment" key anywhere is ignored. */
static void
test_defaults(void **state)
{
	const struct catalogue *cat = *state;
	static const char json[] =
	    "{\"product\":\"P\",\"company\":\"C\",\"site_url\":\"https://s.example\",\"_comment\":1,"
	    "\"components\":[{\"id\":\"a\",\"name\":\"A\",\"depends_on\":["
	    "{\"service\":\"route53\"},{\"service\":\"s3\",\"region\":\"eu-west-1\",\"_why\":\"x\"},"
	    "{\"service\":\"route53\",\"region\":\"us-gov-west-1\"}]}]}";
	struct config *cfg = NULL;
	char err[CS_ERRLEN] = "";
	const char *const *s;
	size_t n;

	if (config_parse("t", json, strlen(json), cat, &cfg, err, sizeof(err)) != CS_OK)
		fail_msg("%s", err);
	assert_string_equal(cfg->site_dir, "site");
	assert_string_equal(cfg->currentevents_url, "https://health.aws.amazon.com/public/currentevents");
	assert_int_equal(cfg->max_parallel, 8);
	assert_int_equal(cfg->timeout_connect, 10);
	assert_int_equal(cfg->timeout_total, 30);
	assert_int_equal(cfg->max_feed_bytes, 4194304);
	assert_int_equal(cfg->render_interval, 300);
	assert_string_equal(cfg->components[0].group, "");
	assert_string_equal(cfg->components[0].description, "");
	assert_true(cfg->components[0].user_share == 1.0);
	assert_int_equal(cfg->components[0].deps[1].map[STATUS_AWS_NORMAL], STATUS_OPERATIONAL);
	assert_int_equal(cfg->components[0].deps[1].map[STATUS_AWS_INFORMATIONAL], STATUS_DEGRADED_PERFORMANCE);
	assert_int_equal(cfg->components[0].deps[1].map[STATUS_AWS_DEGRADED], STATUS_PARTIAL_OUTAGE);
	assert_int_equal(cfg->components[0].deps[1].map[STATUS_AWS_DISRUPTION], STATUS_MAJOR_OUTAGE);
	s = config_feed_slugs(cfg, &n);
	/* GovCloud has no multipleservices feed: asking for it would fail every cycle. */
	assert_int_equal(n, 4);
	assert_string_equal(s[0], "multipleservices-eu-west-1");
	assert_string_equal(s[1], "route53");
	assert_string_equal(s[2], "route53-us-gov-west-1");
	assert_string_equal(s[3], "s3-eu-west-1");
	config_free(cfg);
}

/* render_interval: seconds, 10..86400, like poll_interval; a wrong one is named. */
static void
test_render_interval(void **state)
{
	const struct catalogue *cat = *state;
	static const char head[] =
	    "{\"product\":\"P\",\"company\":\"C\",\"site_url\":\"https://s.example\","
	    "\"components\":[{\"id\":\"a\",\"name\":\"A\",\"depends_on\":[{\"service\":\"route53\"}]}],"
	    "\"render_interval\":";
	static const struct { const char *value, *error; int64_t want; } cases[] = {
		{ "600}", NULL, 600 },
		{ "10}", NULL, 10 },
		{ "9}", "t: render_interval: 9 is out of range 10..86400\n", 0 },
		{ "86401}", "t: render_interval: 86401 is out of range 10..86400\n", 0 },
		{ "\"5m\"}", "t: render_interval: expected an integer", 0 },
	};
	char json[512];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct config *cfg = NULL;
		char *report = NULL;

		snprintf(json, sizeof(json), "%s%s", head, cases[i].value);
		if (cases[i].error == NULL) {
			assert_int_equal(config_parse_report("t", json, strlen(json), cat, &cfg, &report), CS_OK);
			assert_int_equal(cfg->render_interval, cases[i].want);
		} else {
			assert_int_equal(config_parse_report("t", json, strlen(json), cat, &cfg, &report),
			    CS_ERR_CONFIG);
			assert_non_null(report);
			if (strncmp(report, cases[i].error, strlen(cases[i].error)) != 0)
				fail_msg("%s: got \"%s\"", cases[i].value, report);
		}
		config_free(cfg);
		free(report);
	}
}

/* "mqtt": off without it; defaults follow the product; a bad prefix or pairing is named. */
static void
test_mqtt(void **state)
{
	const struct catalogue *cat = *state;
	static const char head[] =
	    "{\"product\":\"CLICK\",\"company\":\"C\",\"site_url\":\"https://s.example\","
	    "\"components\":[{\"id\":\"a\",\"name\":\"A\",\"depends_on\":[{\"service\":\"route53\"}]}]";
	static const struct { const char *mqtt, *error; } bad[] = {
		{ "{\"host\":\"b\",\"prefix\":\"click/+/status\"}",
		  "t: mqtt.prefix: \"click/+/status\" must not contain the wildcards '+' or '#'\n" },
		{ "{\"host\":\"b\",\"prefix\":\"click/#\"}",
		  "t: mqtt.prefix: \"click/#\" must not contain the wildcards '+' or '#'\n" },
		{ "{\"host\":\"b\",\"prefix\":\"$SYS/click\"}",
		  "t: mqtt.prefix: \"$SYS/click\" must not start with '$' (topics of the broker itself)\n" },
		{ "{\"host\":\"b\",\"prefix\":\"click/\"}",
		  "t: mqtt.prefix: \"click/\" must not have an empty level" },
		{ "{\"host\":\"b\",\"prefix\":\"\"}", "t: mqtt.prefix: \"\" must not be empty\n" },
		{ "{\"port\":1883}", "t: mqtt: missing required key \"host\"\n" },
		{ "{\"host\":\"b\",\"port\":0}", "t: mqtt.port: 0 is out of range 1..65535\n" },
		{ "{\"host\":\"b\",\"ca_file\":\"/x\"}",
		  "t: mqtt: ca_file, cert_file and key_file need \"tls\": true\n" },
		{ "{\"host\":\"b\",\"password_file\":\"/x\"}", "t: mqtt.password_file: needs a username\n" },
		{ "{\"host\":\"b\",\"protocol\":\"3\"}", "t: mqtt.protocol: expected \"5\" or \"3.1.1\"\n" },
		{ "{\"host\":\"b\",\"qos\":2}", "t: mqtt.qos: unknown key\n" },
		{ "[]", "t: mqtt: expected an object, got an array\n" },
	};
	char json[1024], err[CS_ERRLEN] = "";
	struct config *cfg = NULL;

	snprintf(json, sizeof(json), "%s}", head);
	if (config_parse("t", json, strlen(json), cat, &cfg, err, sizeof(err)) != CS_OK)
		fail_msg("%s", err);
	assert_null(cfg->mqtt.host);
	config_free(cfg);
	snprintf(json, sizeof(json), "%s,\"mqtt\":{\"enabled\":false,\"host\":\"b\"}}", head);
	assert_int_equal(config_parse("t", json, strlen(json), cat, &cfg, err, sizeof(err)), CS_OK);
	assert_null(cfg->mqtt.host);
	config_free(cfg);
	snprintf(json, sizeof(json), "%s,\"mqtt\":{\"host\":\"broker.example\"}}", head);
	assert_int_equal(config_parse("t", json, strlen(json), cat, &cfg, err, sizeof(err)), CS_OK);
	assert_string_equal(cfg->mqtt.host, "broker.example");
	assert_int_equal(cfg->mqtt.port, 1883);
	assert_string_equal(cfg->mqtt.prefix, "click/status");
	assert_string_equal(cfg->mqtt.client_id, "clickstatus-click");
	assert_int_equal(cfg->mqtt.protocol, 5);
	assert_int_equal(cfg->mqtt.keepalive, 60);
	assert_int_equal(cfg->mqtt.max_age, 86400);
	assert_null(cfg->mqtt.username);
	config_free(cfg);
	snprintf(json, sizeof(json), "%s,\"mqtt\":{\"host\":\"b\",\"tls\":true,\"protocol\":\"3.1.1\","
	    "\"prefix\":\"synchronet/click\",\"username\":\"u\",\"password_file\":\"/p\"}}", head);
	assert_int_equal(config_parse("t", json, strlen(json), cat, &cfg, err, sizeof(err)), CS_OK);
	assert_int_equal(cfg->mqtt.port, 8883);
	assert_int_equal(cfg->mqtt.protocol, 4);
	assert_string_equal(cfg->mqtt.prefix, "synchronet/click");
	assert_string_equal(cfg->mqtt.password_file, "/p");
	config_free(cfg);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char *report = NULL;

		snprintf(json, sizeof(json), "%s,\"mqtt\":%s}", head, bad[i].mqtt);
		assert_int_equal(config_parse_report("t", json, strlen(json), cat, &cfg, &report),
		    CS_ERR_CONFIG);
		assert_non_null(report);
		if (strncmp(report, bad[i].error, strlen(bad[i].error)) != 0)
			fail_msg("%s: got \"%s\"", bad[i].mqtt, report);
		free(report);
	}
}

static void
test_io_and_size(void **state)
{
	const struct catalogue *cat = *state;
	struct config *cfg = NULL;
	char err[CS_ERRLEN];
	char *big, *report = NULL;

	assert_int_equal(config_load("/nonexistent/click.json", cat, &cfg, err, sizeof(err)), CS_ERR_IO);
	assert_string_equal(err, "/nonexistent/click.json: cannot open: No such file or directory");
	assert_int_equal(config_load_report("/nonexistent/click.json", cat, &cfg, &report), CS_ERR_IO);
	assert_string_equal(report, "/nonexistent/click.json: cannot open: No such file or directory\n");
	free(report);
	big = calloc(CONFIG_MAX_BYTES + 2, 1);
	assert_non_null(big);
	memset(big, ' ', CONFIG_MAX_BYTES + 1);
	assert_int_equal(config_parse("big.json", big, CONFIG_MAX_BYTES + 1, cat, &cfg, err, sizeof(err)),
	    CS_ERR_TOOBIG);
	assert_string_equal(err, "big.json: 1048577 bytes exceeds the maximum of 1048576");
	free(big);
	assert_int_equal(config_parse("e.json", "", 0, cat, &cfg, err, sizeof(err)), CS_ERR_CONFIG);
	assert_non_null(strstr(err, "e.json:"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_valid),
		cmocka_unit_test(test_null_catalogue),
		cmocka_unit_test(test_bad_files),
		cmocka_unit_test(test_unknown_region_message),
		cmocka_unit_test(test_all_errors_reported),
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_render_interval),
		cmocka_unit_test(test_mqtt),
		cmocka_unit_test(test_io_and_size),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
