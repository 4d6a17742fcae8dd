/* test_targets.c: the publish targets' plan: what is sent, in which order, with which headers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_upload_order),
		cmocka_unit_test(test_diff_and_deletes_last),
		cmocka_unit_test(test_nothing_to_do),
		cmocka_unit_test(test_headers),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
