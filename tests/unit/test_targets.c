/* test_targets.c: the publish targets' plan: what is sent, in which order, with which headers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "model/config.h"
#include "targets/target_plan.h"

static struct target_file
tf(const char *path, const char *hash)
{
	struct target_file f;

	f.path = (char *)(uintptr_t)path;
	strncpy(f.hash, hash, sizeof(f.hash) - 1);
	f.hash[sizeof(f.hash) - 1] = '\0';
	return f;
}

/* A first upload: every file, the pages after what they link to. */
static void
test_first_upload_order(void **state)
{
	struct target_file cur[] = {
		tf("index.html", "a"), tf("api/v2/summary.json", "b"), tf("style.css", "c"),
		tf("history.html", "d"), tf("incidents/12.html", "e"), tf("favicon.svg", "f"),
		tf("api/v2/status.json", "g"), tf("history.atom", "h"), tf("robots.txt", "i"),
	};
	const char *want[] = {
		"favicon.svg", "robots.txt", "style.css",
		"history.atom", "history.html", "incidents/12.html",
		"index.html",
		"api/v2/status.json", "api/v2/summary.json",
	};
	struct target_plan p;

	(void)state;
	assert_int_equal(target_plan_make(cur, 9, NULL, 0, &p), CS_OK);
	assert_int_equal(p.nsteps, 9);
	assert_int_equal(p.uploads, 9);
	assert_int_equal(p.unchanged, 0);
	for (size_t i = 0; i < 9; i++) {
		assert_string_equal(p.steps[i].path, want[i]);
		assert_non_null(p.steps[i].hash);
	}
	target_plan_free(&p);
}

/* Only what differs is sent; what left the site is deleted after every upload. */
static void
test_diff_and_deletes_last(void **state)
{
	struct target_file cur[] = {
		tf("index.html", "new"), tf("style.css", "same"), tf("incidents/2.html", "x"),
		tf("api/v2/summary.json", "same"),
	};
	struct target_file have[] = {
		tf("index.html", "old"), tf("style.css", "same"), tf("incidents/1.html", "y"),
		tf("api/v2/summary.json", "same"), tf("api/v2/gone.json", "z"),
	};
	struct target_plan p;

	(void)state;
	assert_int_equal(target_plan_make(cur, 4, have, 5, &p), CS_OK);
	assert_int_equal(p.unchanged, 2);
	assert_int_equal(p.uploads, 2);
	assert_int_equal(p.nsteps, 4);
	assert_string_equal(p.steps[0].path, "incidents/2.html");
	assert_string_equal(p.steps[0].hash, "x");
	assert_string_equal(p.steps[1].path, "index.html");
	assert_null(p.steps[2].hash);
	assert_null(p.steps[3].hash);
	assert_true((strcmp(p.steps[2].path, "api/v2/gone.json") == 0 &&
	    strcmp(p.steps[3].path, "incidents/1.html") == 0) ||
	    (strcmp(p.steps[3].path, "api/v2/gone.json") == 0 &&
	    strcmp(p.steps[2].path, "incidents/1.html") == 0));
	target_plan_free(&p);
}

/* A target that holds the release: nothing to do. */
static void
test_nothing_to_do(void **state)
{
	struct target_file cur[] = { tf("index.html", "a"), tf("style.css", "b") };
	struct target_file have[] = { tf("style.css", "b"), tf("index.html", "a") };
	struct target_plan p;

	(void)state;
	assert_int_equal(target_plan_make(cur, 2, have, 2, &p), CS_OK);
	assert_int_equal(p.nsteps, 0);
	assert_int_equal(p.unchanged, 2);
	target_plan_free(&p);
	assert_int_equal(target_plan_make(NULL, 0, NULL, 0, &p), CS_OK);
	assert_int_equal(p.nsteps, 0);
	target_plan_free(&p);
}

/* What browsers, feed readers and CDNs are told (written from the file types, not the code). */
static void
test_headers(void **state)
{
	static const struct { const char *path, *type, *cache; } want[] = {
		{ "index.html", "text/html; charset=utf-8", "public, max-age=60" },
		{ "incidents/3.html", "text/html; charset=utf-8", "public, max-age=60" },
		{ "api/v2/summary.json", "application/json", "public, max-age=60" },
		{ "history.atom", "application/atom+xml", "public, max-age=60" },
		{ "history.rss", "application/rss+xml", "public, max-age=60" },
		{ "robots.txt", "text/plain; charset=utf-8", "public, max-age=60" },
		{ "style.css", "text/css; charset=utf-8", "public, max-age=86400" },
		{ "favicon.svg", "image/svg+xml", "public, max-age=86400" },
		{ "logo.png", "image/png", "public, max-age=86400" },
		{ "app.js", "text/javascript; charset=utf-8", "public, max-age=86400" },
		{ "README", "application/octet-stream", "public, max-age=60" },
		{ ".hidden", "application/octet-stream", "public, max-age=60" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		assert_string_equal(target_plan_content_type(want[i].path), want[i].type);
		assert_string_equal(target_plan_cache_control(want[i].path), want[i].cache);
	}
}

/* feeds/click.json with "publish": targets (a JSON array text) parsed; NULL when refused. */
static struct config *
with_targets(const char *targets, char *err, size_t errlen)
{
	json_t *root = json_load_file(CS_SOURCE_DIR "/feeds/click.json", 0, NULL);
	json_t *t = json_loads(targets, 0, NULL);
	struct config *cfg = NULL;
	char *text;

	assert_non_null(root);
	assert_non_null(t);
	json_object_set_new(root, "publish", t);
	text = json_dumps(root, 0);
	json_decref(root);
	if (config_parse("t.json", text, strlen(text), NULL, &cfg, err, errlen) != CS_OK)
		cfg = NULL;
	free(text);
	return cfg;
}

/* Virtual-host addressing on AWS, path-style elsewhere or for dotted buckets; an override wins. */
static void
test_config_addressing(void **state)
{
	char err[2048] = "";
	struct config *cfg;

	(void)state;
	cfg = with_targets("[{\"name\": \"aws\", \"type\": \"s3\","
	    " \"endpoint\": \"https://s3.eu-west-1.amazonaws.com\", \"bucket\": \"status\","
	    " \"region\": \"eu-west-1\", \"access_key_id\": \"AKIA\","
	    " \"secret_access_key_file\": \"/s\"},"
	    " {\"name\": \"dotted\", \"type\": \"s3\","
	    " \"endpoint\": \"https://s3.eu-west-1.amazonaws.com/\", \"bucket\": \"status.example.com\","
	    " \"region\": \"eu-west-1\", \"access_key_id\": \"AKIA\","
	    " \"secret_access_key_file\": \"/s\", \"prefix\": \"site/\"},"
	    " {\"name\": \"local\", \"type\": \"s3\", \"endpoint\": \"http://127.0.0.1:9000\","
	    " \"bucket\": \"b\", \"region\": \"us-east-1\", \"access_key_id\": \"k\","
	    " \"secret_access_key_file\": \"/s\"},"
	    " {\"name\": \"forced\", \"type\": \"s3\","
	    " \"endpoint\": \"https://s3.us-east-1.amazonaws.com\", \"bucket\": \"b\","
	    " \"region\": \"us-east-1\", \"access_key_id\": \"k\","
	    " \"secret_access_key_file\": \"/s\", \"path_style\": true},"
	    " {\"name\": \"backup\", \"type\": \"sftp\", \"url\": \"sftp://h:2222/var/www\","
	    " \"username\": \"u\", \"private_key_file\": \"/k\", \"known_hosts_file\": \"/kh\"}]",
	    err, sizeof(err));
	assert_non_null(cfg);
	assert_int_equal(cfg->ntargets, 5);
	assert_int_equal(cfg->targets[0].path_style, 0);
	assert_int_equal(cfg->targets[1].path_style, 1);
	assert_string_equal(cfg->targets[1].prefix, "site/");
	assert_int_equal(cfg->targets[2].path_style, 1);
	assert_int_equal(cfg->targets[3].path_style, 1);
	assert_int_equal(cfg->targets[4].type, CONFIG_TARGET_SFTP);
	assert_int_equal(cfg->targets[4].timeout_connect, 10);
	assert_int_equal(cfg->targets[4].retry_min, 10);
	assert_int_equal(cfg->targets[4].retry_max, 600);
	assert_null(cfg->targets[4].public_key_file);
	config_free(cfg);
}

/* Bad entries: every problem, each with its JSON path. */
static void
test_config_errors(void **state)
{
	char err[4096] = "";

	(void)state;
	assert_null(with_targets("[{\"name\": \"Bad Name\", \"type\": \"s3\","
	    " \"endpoint\": \"https://h/path\", \"bucket\": \"b\", \"region\": \"r\","
	    " \"access_key_id\": \"k\", \"secret_access_key_file\": \"/s\","
	    " \"prefix\": \"/abs\", \"retry_min\": 60, \"retry_max\": 30},"
	    " {\"type\": \"sftp\", \"url\": \"sftp://h\", \"username\": \"u\","
	    " \"private_key_file\": \"/k\", \"known_hosts_file\": \"/kh\", \"bucket\": \"b\"}]",
	    err, sizeof(err)));
	assert_non_null(strstr(err, "t.json: publish[0].name: \"Bad Name\" must be"));
	assert_non_null(strstr(err, "t.json: publish[0].endpoint: \"https://h/path\" must be"));
	assert_non_null(strstr(err, "t.json: publish[0].prefix: \"/abs\" must be empty or end in '/'"));
	assert_non_null(strstr(err, "t.json: publish[0].retry_max: 30 is shorter than retry_min (60)"));
	assert_non_null(strstr(err, "t.json: publish[1]: missing required key \"name\""));
	assert_non_null(strstr(err, "t.json: publish[1].url: \"sftp://h\" must be sftp://host[:port]/directory"));
	assert_non_null(strstr(err, "t.json: publish[1].bucket: unknown key"));
	assert_null(with_targets("{}", err, sizeof(err)));
	assert_non_null(strstr(err, "t.json: publish: expected an array"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_upload_order),
		cmocka_unit_test(test_diff_and_deletes_last),
		cmocka_unit_test(test_nothing_to_do),
		cmocka_unit_test(test_headers),
		cmocka_unit_test(test_config_addressing),
		cmocka_unit_test(test_config_errors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
