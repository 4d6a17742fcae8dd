/* test_judgement.c: the committed judgement's freshness: data_verified_at, stale, ageing, the stored form. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "model/config.h"
#include "model/judgement.h"
#include "model/mapper.h"

/*
 * voice (connect us-east-1), reporting (connect us-east-1 and s3
 * us-west-2), dns (route53). The feeds the configuration needs, sorted:
 * connect-us-east-1, multipleservices-us-east-1, multipleservices-us-west-2,
 * route53, s3-us-west-2. Stale after 3 * 60 s unread (README).
 */
static const char test_json[] =
    "{\"product\":\"T\",\"company\":\"C\",\"site_url\":\"https://s.example\","
    "\"poll_interval\":60,\"components\":["
    "{\"id\":\"voice\",\"name\":\"Voice\",\"depends_on\":["
    "  {\"service\":\"connect\",\"region\":\"us-east-1\"}]},"
    "{\"id\":\"reporting\",\"name\":\"Reporting\",\"depends_on\":["
    "  {\"service\":\"connect\",\"region\":\"us-east-1\"},{\"service\":\"s3\",\"region\":\"us-west-2\"}]},"
    "{\"id\":\"dns\",\"name\":\"DNS\",\"depends_on\":[{\"service\":\"route53\"}]}"
    "]}";

#define NOW 1786800000
#define PI 60
#define NFEEDS 5
enum { F_CONNECT, F_MULTI_E1, F_MULTI_W2, F_ROUTE53, F_S3 };

static struct config *cfg;

static int
setup(void **state)
{
	char err[256] = "";
	size_t n;

	(void)state;
	if (config_parse("test", test_json, strlen(test_json), NULL, &cfg, err, sizeof(err)) != CS_OK)
		fail_msg("%s", err);
	config_feed_slugs(cfg, &n);
	assert_int_equal(n, NFEEDS);
	assert_string_equal(config_feed_slugs(cfg, &n)[F_CONNECT], "connect-us-east-1");
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	config_free(cfg);
	return 0;
}

/*
 * The judgement a cycle at now makes from each feed's last good read, as
 * cycle_decide does: a feed is readable while its read is fresh; no feed
 * has items (all quiet). last_poll_ok is what the cycle passes when the
 * secondary documents failed every time: 0.
 */
static struct judgement *
judge(int64_t now, const int64_t last[NFEEDS])
{
	struct mapper_feed feeds[NFEEDS];
	struct mapper_result *map = NULL;
	struct judgement *j = NULL;
	size_t n;
	const char *const *slugs = config_feed_slugs(cfg, &n);

	for (size_t i = 0; i < NFEEDS; i++) {
		feeds[i].slug = slugs[i];
		feeds[i].readable = judgement_fresh(last[i], now, cfg->poll_interval);
		feeds[i].svc = NULL;
	}
	assert_int_equal(mapper_run(cfg, feeds, NFEEDS, &map), CS_OK);
	assert_int_equal(judgement_new(cfg, now, feeds, last, NFEEDS, map, now, 0, &j), CS_OK);
	return j;
}

static void
expect_status(const struct judgement *j, const char *id, status_component s)
{
	const struct mapper_component *mc = judgement_component(j, id);

	assert_non_null(mc);
	if (mc->status != s)
		fail_msg("%s: %s, want %s", id, status_component_name(mc->status),
		    status_component_name(s));
}

/*
 * The first poll read every feed of the configuration; all.rss and
 * currentevents failed (last_poll_ok 0). The data is verified now and not
 * stale: the secondary documents never make the page stale.
 */
static void
test_first_poll_secondary_failed(void **state)
{
	const int64_t last[NFEEDS] = { NOW, NOW, NOW, NOW, NOW };
	struct judgement *j = judge(NOW, last);

	(void)state;
	assert_int_equal(j->last_poll_ok, 0);
	assert_int_equal(j->data_verified_at, NOW);
	assert_false(j->stale);
	expect_status(j, "voice", STATUS_OPERATIONAL);
	expect_status(j, "dns", STATUS_OPERATIONAL);
	judgement_free(j);
}

/* Idle polls that read every feed move the verification time to each poll. */
static void
test_idle_polls_move(void **state)
{
	int64_t last[NFEEDS];
	struct judgement *j;

	(void)state;
	for (int64_t t = NOW; t <= NOW + 10 * PI; t += PI) {
		for (size_t i = 0; i < NFEEDS; i++)
			last[i] = t;
		j = judge(t, last);
		assert_int_equal(j->data_verified_at, t);
		assert_false(j->stale);
		judgement_free(j);
	}
}

/*
 * connect-us-east-1 fails from NOW on (last read NOW - PI). While its read
 * is fresh its verdict is still shown, and the page says it was verified
 * when that feed was last read. Past the limit (3 intervals) only its
 * dependents (voice, reporting) are unknown; dns stays operational; the page
 * is not stale and is verified at the last poll, by the feeds that still
 * count. That holds for the cycle's judgement and for a later view.
 */
static void
test_one_feed_fails(void **state)
{
	int64_t last[NFEEDS] = { NOW - PI, NOW, NOW, NOW, NOW };
	struct judgement *j;

	(void)state;
	j = judge(NOW, last);
	assert_int_equal(j->data_verified_at, NOW - PI);
	assert_false(j->stale);
	expect_status(j, "voice", STATUS_OPERATIONAL);
	judgement_free(j);

	/* The cycle at NOW + 2 PI: the feed's read is 3 PI old, the last instant it counts. */
	for (size_t i = 1; i < NFEEDS; i++)
		last[i] = NOW + 2 * PI;
	j = judge(NOW + 2 * PI, last);
	assert_int_equal(j->data_verified_at, NOW - PI);
	assert_false(j->stale);
	expect_status(j, "reporting", STATUS_OPERATIONAL);
	judgement_free(j);

	/* The cycle at NOW + 3 PI: past the limit. */
	for (size_t i = 1; i < NFEEDS; i++)
		last[i] = NOW + 3 * PI;
	j = judge(NOW + 3 * PI, last);
	assert_int_equal(j->data_verified_at, NOW + 3 * PI);
	assert_false(j->stale);
	expect_status(j, "voice", STATUS_UNKNOWN);
	expect_status(j, "reporting", STATUS_UNKNOWN);
	expect_status(j, "dns", STATUS_OPERATIONAL);
	assert_int_equal(j->map->indicator, STATUS_IND_MINOR);
	judgement_free(j);

	/* A view of the NOW + 2 PI judgement a poll later ages the same way. */
	for (size_t i = 1; i < NFEEDS; i++)
		last[i] = NOW + 2 * PI;
	j = judge(NOW + 2 * PI, last);
	assert_int_equal(judgement_age(j, cfg, NOW + 2 * PI + 1), CS_OK);
	assert_int_equal(j->data_verified_at, NOW + 2 * PI);
	assert_false(j->stale);
	expect_status(j, "voice", STATUS_UNKNOWN);
	expect_status(j, "dns", STATUS_OPERATIONAL);
	judgement_free(j);
}

/*
 * The polls stop after a good one at NOW. A view within the limit is fresh;
 * past it the page is stale, verified at NOW, every component unknown.
 */
static void
test_polls_stop(void **state)
{
	const int64_t last[NFEEDS] = { NOW, NOW, NOW, NOW, NOW };
	struct judgement *j = judge(NOW, last);

	(void)state;
	assert_int_equal(judgement_age(j, cfg, NOW + 3 * PI), CS_OK);
	assert_false(j->stale);
	assert_int_equal(j->data_verified_at, NOW);
	assert_int_equal(judgement_age(j, cfg, NOW + 3600), CS_OK);
	assert_true(j->stale);
	assert_int_equal(j->data_verified_at, NOW);
	expect_status(j, "voice", STATUS_UNKNOWN);
	expect_status(j, "dns", STATUS_UNKNOWN);
	judgement_free(j);
}

/* Nothing ever read: no verification time (0, never 1970 on the page), stale. */
static void
test_never_read(void **state)
{
	const int64_t last[NFEEDS] = { 0, 0, 0, 0, 0 };
	struct judgement *j = judge(NOW, last);

	(void)state;
	assert_int_equal(j->data_verified_at, 0);
	assert_true(j->stale);
	judgement_free(j);
}

/*
 * The stored form carries the verification time; a view reads it back. A
 * record written before the field existed gets it from its feeds.
 */
static void
test_stored_form(void **state)
{
	const int64_t last[NFEEDS] = { NOW - PI, NOW, NOW, NOW, NOW };
	struct judgement *j = judge(NOW, last), *k = NULL;
	char err[256];
	char *text = judgement_to_json(j);
	json_t *doc;

	(void)state;
	assert_non_null(text);
	doc = json_loads(text, 0, NULL);
	assert_int_equal(json_integer_value(json_object_get(doc, "data_verified_at")), NOW - PI);
	assert_int_equal(judgement_from_json(cfg, text, &k, err, sizeof(err)), CS_OK);
	assert_int_equal(k->data_verified_at, NOW - PI);
	assert_false(k->stale);
	judgement_free(k);
	free(text);

	json_object_del(doc, "data_verified_at");
	text = json_dumps(doc, JSON_COMPACT);
	assert_int_equal(judgement_from_json(cfg, text, &k, err, sizeof(err)), CS_OK);
	assert_int_equal(k->data_verified_at, NOW - PI);
	assert_false(k->stale);
	judgement_free(k);
	free(text);

	json_object_set_new(doc, "data_verified_at", json_string("soon"));
	text = json_dumps(doc, JSON_COMPACT);
	assert_int_equal(judgement_from_json(cfg, text, &k, err, sizeof(err)), CS_ERR_PARSE);
	assert_null(k);
	assert_string_equal(err, "judgement record: data_verified_at");
	free(text);
	json_decref(doc);
	judgement_free(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_first_poll_secondary_failed),
		cmocka_unit_test(test_idle_polls_move),
		cmocka_unit_test(test_one_feed_fails),
		cmocka_unit_test(test_polls_stop),
		cmocka_unit_test(test_never_read),
		cmocka_unit_test(test_stored_form),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
