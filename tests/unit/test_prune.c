/* test_prune.c: the store's retention: what store_prune() deletes and what it must keep. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "store/prune.h"
#include "store/store.h"
#include "testutil.h"

#define DAY 86400
/* Day 0 of the tests: 2026-01-01T00:00:00Z. */
#define T0 1767225600

struct fx {
	char         *tmp;
	char          dir[96];
	struct store *st;
};

static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	char err[CS_ERRLEN] = "";

	if (fx == NULL)
		return -1;
	fx->tmp = testutil_tmpdir("test_prune");
	if (fx->tmp == NULL)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "%s/db", fx->tmp);
	if (store_open(fx->dir, &fx->st, err, sizeof(err)) != CS_OK) {
		fprintf(stderr, "store_open: %s\n", err);
		return -1;
	}
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;

	store_close(fx->st);
	testutil_rm_rf(fx->tmp);
	free(fx->tmp);
	free(fx);
	return 0;
}

/* A second connection for what the store's API does not do: rows of given states and times. */
static sqlite3 *
raw(struct fx *fx)
{
	char path[256];
	sqlite3 *db = NULL;

	snprintf(path, sizeof(path), "%s/clickstatus.db", fx->dir);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	sqlite3_busy_timeout(db, 5000);
	return db;
}

static void
sql(struct fx *fx, const char *text)
{
	sqlite3 *db = raw(fx);
	char *msg = NULL;

	if (sqlite3_exec(db, text, NULL, NULL, &msg) != SQLITE_OK)
		fail_msg("%s: %s", text, msg);
	sqlite3_close(db);
}

/* The text of the first column of every row, joined by spaces ("1 4 7"). */
static const char *
sql_list(struct fx *fx, const char *text)
{
	static char buf[4096];
	sqlite3 *db = raw(fx);
	sqlite3_stmt *s = NULL;
	size_t used = 0;

	buf[0] = '\0';
	if (sqlite3_prepare_v2(db, text, -1, &s, NULL) != SQLITE_OK)
		fail_msg("%s: %s", text, sqlite3_errmsg(db));
	while (sqlite3_step(s) == SQLITE_ROW)
		used += (size_t)snprintf(buf + used, sizeof(buf) - used, "%s%s", used ? " " : "",
		    (const char *)sqlite3_column_text(s, 0));
	sqlite3_finalize(s);
	sqlite3_close(db);
	return buf;
}

static struct prune_stats
prune(struct fx *fx, int64_t now)
{
	struct prune_stats ps;
	char err[CS_ERRLEN] = "";

	if (store_prune(fx->st, now, &ps, err, sizeof(err)) != CS_OK)
		fail_msg("store_prune: %s", err);
	return ps;
}

/*
 * Outbox: at day 10 (cut-off day 3) the rows finished before day 3 go;
 * those finished since, the pending ones however old and the dead letters
 * stay.
 */
static void
test_outbox(void **state)
{
	struct fx *fx = *state;
	struct store_outbox_msg *msgs = NULL;
	struct prune_stats ps;
	char err[CS_ERRLEN] = "";
	size_t n = 0;

	/* One row through the API: added day 0, claimed and delivered day 1. */
	assert_int_equal(store_outbox_add(fx->st, "site", "site:render@1:site", "{}", T0, NULL,
	    err, sizeof(err)), CS_OK);
	assert_int_equal(store_outbox_claim_due(fx->st, "site", T0 + DAY, 60, 10, &msgs, &n, err,
	    sizeof(err)), CS_OK);
	assert_int_equal(n, 1);
	assert_int_equal(store_outbox_delivered(fx->st, msgs[0].id, msgs[0].claim_token, T0 + DAY,
	    err, sizeof(err)), CS_OK);
	store_outbox_msgs_free(msgs, n);
	/* id 2.. : channel, state, created, finished */
	sql(fx, "INSERT INTO outbox(id, channel, dedup_key, payload, created_at, next_attempt_at,"
	    " state, delivered_at, subject) VALUES"
	    " (2, 'mqtt', 'a:1:x:mqtt', '{}', 1767225600, 0, 'delivered', 1767398399, 'a:1'),"  /* day 2 - 1 s: goes */
	    " (3, 'mqtt', 'a:1:y:mqtt', '{}', 1767225600, 0, 'delivered', 1767484800, 'a:1'),"  /* day 3: stays */
	    " (4, 'email', 'b:1:x:email', '{}', 1767225600, 0, 'mailed', 1767312000, 'b:1'),"  /* day 1: goes */
	    " (5, 'mqtt', 'b:1:x:mqtt', '{}', 1767225600, 0, 'expired', 1767312000, 'b:1'),"   /* day 1: goes */
	    " (6, 'mqtt', 'c:1:x:mqtt', '{}', 1767225600, 0, 'dead', 1767312000, 'c:1'),"      /* dead: stays */
	    " (7, 'email', 'c:1:x:email', '{}', 1767225600, 0, 'pending', NULL, 'c:1'),"       /* pending: stays */
	    " (8, 'site', 'site:render@2:site', '{}', 1768000000, 0, 'delivered', 1768000000, 'site')");
	ps = prune(fx, T0 + 10 * DAY);
	assert_string_equal(sql_list(fx, "SELECT id FROM outbox ORDER BY id"), "3 6 7 8");
	assert_int_equal(ps.outbox, 4);
	assert_int_equal(ps.more, 0);
	/* Ids are never reused (consumers deduplicate on them). */
	assert_int_equal(store_outbox_add(fx->st, "site", "site:render@3:site", "{}", T0 + 10 * DAY,
	    NULL, err, sizeof(err)), CS_OK);
	assert_string_equal(sql_list(fx, "SELECT max(id) FROM outbox"), "9");
	/* Nothing left to prune: a second call deletes nothing. */
	ps = prune(fx, T0 + 10 * DAY);
	assert_int_equal(ps.outbox, 0);
}

/*
 * Mail at day 40 (cut-off day 10). Mailings 1 and 2 are incident:1 (days
 * 0 and 1), 3 incident:2, 4 a confirmation, 5 incident:3 of day 35, 6 and
 * 7 without recipients (days 0 and 20). ann (1) has a dead delivery of
 * mailing 1; her later mail of the same subject (2) tells retry-dead not
 * to revive it, so it stays; bob's (2) of the same mailing goes.
 */
static void
test_mail(void **state)
{
	struct fx *fx = *state;
	struct prune_stats ps;

	sql(fx, "INSERT INTO subscribers(id, email, state, secret, source, created_at, updated_at)"
	    " VALUES (1, 'ann@example.com', 'confirmed', 'ff', 'cli', 0, 0),"
	    " (2, 'bob@example.com', 'confirmed', 'ff', 'cli', 0, 0);"
	    "INSERT INTO mailings(id, subject, kind, created_at, components_json) VALUES"
	    " (1, 'incident:1', 'incident', 1767225600, '[]'),"
	    " (2, 'incident:1', 'incident', 1767312000, '[]'),"
	    " (3, 'incident:2', 'incident', 1767225600, '[]'),"
	    " (4, 'subscriber:1', 'confirm', 1767225600, '[]'),"
	    " (5, 'incident:3', 'incident', 1770249600, '[]'),"  /* day 35 */
	    " (6, 'incident:4', 'incident', 1767225600, '[]'),"
	    " (7, 'incident:5', 'incident', 1768953600, '[]');" /* day 20 */
	    "INSERT INTO deliveries(mailing_id, subscriber_id, state, next_attempt_at, done_at) VALUES"
	    " (1, 1, 'dead', 0, 1767225600),"
	    " (2, 1, 'sent', 0, 1767312000),"
	    " (2, 2, 'sent', 0, 1767312000),"
	    " (3, 1, 'sent', 0, 1767225600),"
	    " (3, 2, 'pending', 1767225600, 0),"
	    " (4, 1, 'superseded', 0, 1767225600),"
	    " (5, 1, 'sent', 0, 1770249600),"
	    " (5, 2, 'bounced', 0, 1767225600);"  /* an old done_at on a new mailing: the delivery's time counts */
	    "INSERT INTO subscriber_tokens(hash, subscriber_id, created_at, expires_at) VALUES"
	    " ('aa', 1, 1767225600, 1767398400),"  /* expired day 2: goes */
	    " ('bb', 1, 1770422400, 1770508800),"  /* expired day 38: stays */
	    " ('cc', 2, 1771200000, 1771286400)"); /* not expired: stays */
	ps = prune(fx, T0 + 40 * DAY);
	assert_string_equal(sql_list(fx, "SELECT mailing_id || '/' || subscriber_id || ':' || state"
	    " FROM deliveries ORDER BY 1"), "1/1:dead 2/1:sent 3/2:pending 5/1:sent");
	assert_string_equal(sql_list(fx, "SELECT id FROM mailings ORDER BY id"), "1 2 3 5 7");
	assert_string_equal(sql_list(fx, "SELECT hash FROM subscriber_tokens ORDER BY hash"), "bb cc");
	assert_int_equal(ps.deliveries, 4);
	assert_int_equal(ps.mailings, 2);
	assert_int_equal(ps.tokens, 1);
	assert_string_equal(sql_list(fx, "SELECT count(*) FROM subscribers"), "2");
}

static void
item(struct fx *fx, const char *guid, const char *slug, int epoch_day, const char *title,
    int64_t seen)
{
	struct feed_item it;
	char err[CS_ERRLEN] = "";

	memset(&it, 0, sizeof(it));
	it.guid = guid;
	it.slug = slug;
	it.epoch = T0 + (int64_t)epoch_day * DAY;
	it.pubdate = it.epoch;
	it.title = title;
	it.link = "https://status.aws.amazon.com/";
	it.description = title;
	if (store_item_upsert(fx->st, &it, seen, NULL, err, sizeof(err)) != CS_OK)
		fail_msg("upsert %s: %s", guid, err);
}

static int
collect_title(const struct feed_item *it, void *ctx)
{
	char *buf = ctx;
	size_t used = strlen(buf);

	snprintf(buf + used, 512 - used, "%s%s=%s", used ? " " : "", it->guid, it->title);
	return 0;
}

/*
 * Items and revisions at day 100 (cut-off day 10).
 *
 * ec2: A (day 0) old and not the newest: goes with its revision; B (day 1)
 *   the newest of its feed: stays, its texts of days 1 and 2 superseded by
 *   day 3's go, day 3's stays.
 * s3: an open event since day 1 (its verdict): C (day 0) goes, D (day 1,
 *   the event's first) and E (day 2) stay.
 * rds: F (day 0) is still in a feed (seen day 95): stays with both texts;
 *   G (day 96) new.
 * lambda: H, 52 texts this week: the 2 oldest go, 50 stay.
 */
static void
test_items(void **state)
{
	struct fx *fx = *state;
	struct store_feed_state fs = { (char *)"s3-us-east-1", STATUS_AWS_DISRUPTION,
		T0 + 2 * DAY, (char *)"E", (char *)"E", T0 + DAY, T0 + 2 * DAY };
	struct prune_stats ps;
	char err[CS_ERRLEN] = "", titles[512] = "", t[32];
	int64_t now = T0 + 100 * DAY;

	item(fx, "A", "ec2-us-east-1", 0, "Informational message: a", T0);
	item(fx, "B", "ec2-us-east-1", 1, "Service disruption: b1", T0 + DAY);
	item(fx, "B", "ec2-us-east-1", 1, "Service disruption: b2", T0 + 2 * DAY);
	item(fx, "B", "ec2-us-east-1", 1, "[RESOLVED] Service disruption: b3", T0 + 3 * DAY);
	item(fx, "C", "s3-us-east-1", 0, "[RESOLVED] Informational message: c", T0);
	item(fx, "D", "s3-us-east-1", 1, "Service disruption: d", T0 + DAY);
	item(fx, "E", "s3-us-east-1", 2, "Service disruption: e", T0 + 2 * DAY);
	assert_int_equal(store_feed_state_put(fx->st, &fs, err, sizeof(err)), CS_OK);
	item(fx, "F", "rds-eu-west-1", 0, "Informational message: f1", T0);
	item(fx, "F", "rds-eu-west-1", 0, "Informational message: f2", T0 + DAY);
	item(fx, "F", "rds-eu-west-1", 0, "Informational message: f2", T0 + 95 * DAY);
	item(fx, "G", "rds-eu-west-1", 96, "Informational message: g", T0 + 96 * DAY);
	for (int i = 1; i <= 52; i++) {
		snprintf(t, sizeof(t), "Informational message: h%d", i);
		item(fx, "H", "lambda-us-east-1", 95, t, T0 + 95 * DAY + i);
	}
	ps = prune(fx, now);
	assert_string_equal(sql_list(fx, "SELECT guid FROM items ORDER BY guid"), "B D E F G H");
	assert_string_equal(sql_list(fx, "SELECT guid || rev FROM item_revisions WHERE guid <> 'H'"
	    " ORDER BY guid, rev"), "B3 D1 E1 F1 F2 G1");
	assert_string_equal(sql_list(fx, "SELECT count(*) || ' ' || min(rev) || ' ' || max(rev)"
	    " FROM item_revisions WHERE guid = 'H'"), "50 3 52");
	assert_int_equal(ps.items, 2);      /* A, C */
	assert_int_equal(ps.revisions, 4);  /* B1, B2, H1, H2 */
	/* The feed as the classifier reads it now: the newest texts. */
	assert_int_equal(store_items_for_slug(fx->st, "ec2-us-east-1", now, collect_title, titles,
	    err, sizeof(err)), CS_OK);
	assert_string_equal(titles, "B=[RESOLVED] Service disruption: b3");
	/* Seen again in a feed, B's text adds nothing (it is its newest). */
	item(fx, "B", "ec2-us-east-1", 1, "[RESOLVED] Service disruption: b3", now);
	assert_string_equal(sql_list(fx, "SELECT count(*) FROM item_revisions WHERE guid = 'B'"), "1");
}

/* What the site, `sla` and the incident history show is never pruned, however old. */
static void
test_history_kept(void **state)
{
	struct fx *fx = *state;
	struct store_incident inc;
	struct store_incident_update u = { 0, 0, T0, "resolved", "fixed", "ann", NULL, 1, "[]" };
	char err[CS_ERRLEN] = "";
	int64_t id = 0;

	assert_int_equal(store_component_set(fx->st, "reporting", STATUS_MAJOR_OUTAGE,
	    NULL, T0, NULL, err, sizeof(err)), CS_OK);
	assert_int_equal(store_component_set(fx->st, "reporting", STATUS_OPERATIONAL,
	    NULL, T0 + 3600, NULL, err, sizeof(err)), CS_OK);
	memset(&inc, 0, sizeof(inc));
	inc.kind = (char *)"manual";
	inc.title = (char *)"Reports late";
	inc.status = (char *)"resolved";
	inc.opened_at = T0;
	inc.resolved_at = T0 + 3600;
	assert_int_equal(store_incident_create(fx->st, &inc, &id, err, sizeof(err)), CS_OK);
	u.incident_id = id;
	assert_int_equal(store_incident_add_update(fx->st, &u, NULL, err, sizeof(err)), CS_OK);
	assert_int_equal(store_incident_action(fx->st, id, 0, T0, "ann", "resolve", NULL, NULL, err,
	    sizeof(err)), CS_OK);
	prune(fx, T0 + 1000 * DAY);
	assert_string_equal(sql_list(fx, "SELECT count(*) FROM component_history"), "2");
	assert_string_equal(sql_list(fx, "SELECT count(*) FROM component_status"), "1");
	assert_string_equal(sql_list(fx, "SELECT count(*) FROM incidents"), "1");
	assert_string_equal(sql_list(fx, "SELECT count(*) FROM incident_updates"), "1");
	assert_string_equal(sql_list(fx, "SELECT count(*) FROM incident_actions"), "1");
}

/* Batches of 500, one transaction each; a call stops after 200 and says more is left. */
static void
test_batches(void **state)
{
	struct fx *fx = *state;
	struct prune_stats ps;

	sql(fx, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1200)"
	    " INSERT INTO outbox(channel, payload, created_at, next_attempt_at, state, delivered_at)"
	    " SELECT 'site', '{}', 0, 0, 'delivered', 1 FROM n");
	ps = prune(fx, T0);
	assert_int_equal(ps.outbox, 1200);
	/* 500 + 500 + 200 for the outbox, one empty batch for each of the other five. */
	assert_int_equal(ps.batches, 3 + 5);
	assert_int_equal(ps.more, 0);

	sql(fx, "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100100)"
	    " INSERT INTO outbox(channel, payload, created_at, next_attempt_at, state, delivered_at)"
	    " SELECT 'site', '{}', 0, 0, 'delivered', 1 FROM n");
	ps = prune(fx, T0);
	assert_int_equal(ps.outbox, 100000);
	assert_int_equal(ps.more, 1);
	ps = prune(fx, T0);
	assert_int_equal(ps.outbox, 100);
	assert_int_equal(ps.more, 0);
}

static void
test_in_transaction(void **state)
{
	struct fx *fx = *state;
	char err[CS_ERRLEN] = "";

	assert_int_equal(store_begin(fx->st, err, sizeof(err)), CS_OK);
	assert_int_equal(store_prune(fx->st, T0, NULL, err, sizeof(err)), CS_ERR_STATE);
	assert_non_null(strstr(err, "inside a transaction"));
	store_rollback(fx->st);
}

/*
 * A store as created (auto_vacuum NONE) keeps its format and its free
 * pages; one made with auto_vacuum INCREMENTAL gives them back.
 */
static void
test_vacuum(void **state)
{
	struct fx *fx = *state;
	struct prune_stats ps;
	const char *fill =
	    "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 3000)"
	    " INSERT INTO outbox(channel, payload, created_at, next_attempt_at, state, delivered_at)"
	    " SELECT 'site', json_object('pad', hex(randomblob(200))), 0, 0, 'delivered', 1 FROM n";

	sql(fx, fill);
	ps = prune(fx, T0);
	assert_int_equal(ps.vacuumed, 0);
	assert_string_equal(sql_list(fx, "PRAGMA auto_vacuum"), "0");
	assert_true(strtol(sql_list(fx, "PRAGMA freelist_count"), NULL, 10) > 50);

	sql(fx, "PRAGMA auto_vacuum = INCREMENTAL; VACUUM");
	sql(fx, fill);
	ps = prune(fx, T0);
	assert_int_equal(ps.outbox, 3000);
	assert_int_equal(ps.vacuumed, 1);
	assert_string_equal(sql_list(fx, "PRAGMA freelist_count"), "0");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_outbox, setup, teardown),
		cmocka_unit_test_setup_teardown(test_mail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_items, setup, teardown),
		cmocka_unit_test_setup_teardown(test_history_kept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_batches, setup, teardown),
		cmocka_unit_test_setup_teardown(test_in_transaction, setup, teardown),
		cmocka_unit_test_setup_teardown(test_vacuum, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
