/* test_store.c: the SQLite store: migrations, outbox, transactions, crash safety, faults. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "store/store.h"
#include "testutil.h"

/* Each test gets a fresh temporary directory; the store lives in <tmp>/db. */
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
	fx->tmp = testutil_tmpdir("test_store");
	if (fx->tmp == NULL) {
		free(fx);
		return -1;
	}
	snprintf(fx->dir, sizeof(fx->dir), "%s/db", fx->tmp);
	if (store_open(fx->dir, &fx->st, err, sizeof(err)) != CS_OK) {
		fprintf(stderr, "store_open: %s\n", err);
		testutil_rm_rf(fx->tmp);
		free(fx->tmp);
		free(fx);
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

static void
reopen(struct fx *fx)
{
	char err[CS_ERRLEN] = "";

	store_close(fx->st);
	fx->st = NULL;
	if (store_open(fx->dir, &fx->st, err, sizeof(err)) != CS_OK)
		fail_msg("reopen: %s", err);
}

/* Runs one SQL statement with the plain sqlite3 API on the store's file; returns the first column as int. */
static int
raw_sql_int(const char *dir, const char *sql)
{
	char path[256];
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	int v = -1;

	snprintf(path, sizeof(path), "%s/clickstatus.db", dir);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

static size_t
pending(struct store *st, const char *channel)
{
	char err[CS_ERRLEN] = "";
	size_t n = 99;

	if (store_outbox_pending_count(st, channel, &n, err, sizeof(err)) != CS_OK)
		fail_msg("pending: %s", err);
	return n;
}

/* Returns the status of component id, or -1 if it has none. */
static int
component_status(struct store *st, const char *id)
{
	struct store_component c;
	char err[CS_ERRLEN] = "";
	int v;

	if (store_component_get(st, id, &c, err, sizeof(err)) != CS_OK)
		fail_msg("component_get: %s", err);
	v = c.id == NULL ? -1 : (int)c.status;
	store_component_clear(&c);
	return v;
}

static char *
dump(struct store *st)
{
	char err[CS_ERRLEN] = "";
	char *buf = NULL;
	size_t len = 0;
	FILE *fp = open_memstream(&buf, &len);

	assert_non_null(fp);
	if (store_dump(st, fp, err, sizeof(err)) != CS_OK)
		fail_msg("dump: %s", err);
	fclose(fp);
	return buf;
}

/* ---- opening and migrations ---- */

static void
test_open_creates_dir_and_migrates(void **state)
{
	struct fx *fx = *state;
	struct stat sb;

	assert_int_equal(stat(fx->dir, &sb), 0);
	assert_true(S_ISDIR(sb.st_mode));
	assert_int_equal(sb.st_mode & 0777, 0700);
	assert_true(store_schema_version() >= 1);
	assert_int_equal(raw_sql_int(fx->dir, "PRAGMA user_version"), store_schema_version());
	assert_int_equal(raw_sql_int(fx->dir, "PRAGMA application_id"), 0x436c6b53);
	assert_int_equal(raw_sql_int(fx->dir, "SELECT journal_mode = 'wal' FROM pragma_journal_mode"), 1);
	assert_non_null(strstr(store_path(fx->st), "/db/clickstatus.db"));
}

/* Reopening applies nothing twice and keeps the data. */
static void
test_reopen_idempotent(void **state)
{
	struct fx *fx = *state;
	char err[CS_ERRLEN] = "";

	assert_int_equal(store_meta_set(fx->st, "k", "v", err, sizeof(err)), CS_OK);
	for (int i = 0; i < 3; i++)
		reopen(fx);
	assert_int_equal(raw_sql_int(fx->dir, "PRAGMA user_version"), store_schema_version());
	assert_int_equal(raw_sql_int(fx->dir, "SELECT count(*) FROM meta"), 1);
}

/* An up-to-date store opens (and reads) while another connection holds the write lock. */
static void
test_open_while_writing(void **state)
{
	struct fx *fx = *state;
	char err[CS_ERRLEN] = "";
	struct store *other = NULL;

	assert_int_equal(store_begin(fx->st, err, sizeof(err)), CS_OK);
	assert_int_equal(store_component_set(fx->st, "api", STATUS_MAJOR_OUTAGE, NULL, 100, NULL,
	    err, sizeof(err)), CS_OK);
	if (store_open(fx->dir, &other, err, sizeof(err)) != CS_OK)
		fail_msg("second open: %s", err);
	assert_int_equal(component_status(other, "api"), -1); /* not committed yet */
	assert_int_equal(store_commit(fx->st, err, sizeof(err)), CS_OK);
	assert_int_equal(component_status(other, "api"), STATUS_MAJOR_OUTAGE);
	store_close(other);
}

static void
test_newer_version_refused(void **state)
{
	struct fx *fx = *state;
	char err[CS_ERRLEN] = "", sql[64];
	struct store *st = (struct store *)1;

	store_close(fx->st);
	fx->st = NULL;
	snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", store_schema_version() + 1);
	raw_sql_int(fx->dir, sql);
	assert_int_equal(store_open(fx->dir, &st, err, sizeof(err)), CS_ERR_DB);
	assert_null(st);
	assert_non_null(strstr(err, "newer"));
	assert_non_null(strstr(err, fx->dir));
	/* Nothing was changed: the version is still the newer one. */
	assert_int_equal(raw_sql_int(fx->dir, "PRAGMA user_version"), store_schema_version() + 1);
}

static void
test_unwritable_path(void **state)
{
	struct fx *fx = *state;
	char err[CS_ERRLEN] = "", path[160];
	struct store *st = NULL;
	FILE *fp;

	/* A directory below a regular file cannot be created (even by root). */
	snprintf(path, sizeof(path), "%s/file", fx->tmp);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fclose(fp);
	snprintf(path, sizeof(path), "%s/file/sub", fx->tmp);
	assert_int_equal(store_open(path, &st, err, sizeof(err)), CS_ERR_IO);
	assert_null(st);
	assert_non_null(strstr(err, path));

	/* The directory exists but the database name is taken by a directory. */
	snprintf(path, sizeof(path), "%s/blocked", fx->tmp);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/blocked/clickstatus.db", fx->tmp);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/blocked", fx->tmp);
	assert_int_not_equal(store_open(path, &st, err, sizeof(err)), CS_OK);
	assert_null(st);
	assert_non_null(strstr(err, "blocked/clickstatus.db"));

	/* A directory without write permission (meaningless for root, who may write anyway). */
	if (geteuid() != 0) {
		snprintf(path, sizeof(path), "%s/ro", fx->tmp);
		assert_int_equal(mkdir(path, 0500), 0);
		assert_int_not_equal(store_open(path, &st, err, sizeof(err)), CS_OK);
		assert_null(st);
		assert_non_null(strstr(err, path));
		chmod(path, 0700);
	}
}

static void
write_file(const char *path, const void *buf, size_t len)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(buf, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

static void
test_corrupt_file(void **state)
{
	struct fx *fx = *state;
	char err[CS_ERRLEN] = "", path[256], dir[160];
	unsigned char garbage[8192];
	struct store *st = NULL;
	sqlite3 *db = NULL;

	for (size_t i = 0; i < sizeof(garbage); i++)
		garbage[i] = (unsigned char)(i * 7919u >> 3);
	snprintf(dir, sizeof(dir), "%s/garbage", fx->tmp);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(path, sizeof(path), "%s/clickstatus.db", dir);
	write_file(path, garbage, sizeof(garbage));
	assert_int_equal(store_open(dir, &st, err, sizeof(err)), CS_ERR_DB);
	assert_null(st);
	assert_non_null(strstr(err, path));
	assert_non_null(strstr(err, "not a database"));

	/* A valid SQLite file of another program. */
	snprintf(dir, sizeof(dir), "%s/other", fx->tmp);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(path, sizeof(path), "%s/clickstatus.db", dir);
	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, "PRAGMA application_id = 42; CREATE TABLE t(x)",
	    NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(db);
	assert_int_equal(store_open(dir, &st, err, sizeof(err)), CS_ERR_DB);
	assert_null(st);
	assert_non_null(strstr(err, "another program"));

	/* Our own store with its pages overwritten after the header. */
	store_close(fx->st);
	fx->st = NULL;
	snprintf(path, sizeof(path), "%s/clickstatus.db", fx->dir);
	{
		FILE *fp = fopen(path, "r+b");

		assert_non_null(fp);
		assert_int_equal(fseek(fp, 100, SEEK_SET), 0);
		assert_int_equal(fwrite(garbage, 1, 4096 - 100, fp), 4096 - 100);
		assert_int_equal(fclose(fp), 0);
	}
	assert_int_not_equal(store_open(fx->dir, &st, err, sizeof(err)), CS_OK);
	assert_null(st);
	assert_non_null(strstr(err, path));
}

/* ---- outbox ---- */

static void
test_outbox_dedup(void **state)
{
	struct fx *fx = *state;
	char err[CS_ERRLEN] = "";
	int added = -1;

	assert_int_equal(store_outbox_add(fx->st, "email", "incident:1:update:1", "{\"a\":1}", 100,
	    &added, err, sizeof(err)), CS_OK);
	assert_int_equal(added, 1);
	assert_int_equal(store_outbox_add(fx->st, "email", "incident:1:update:1", "{\"a\":2}", 101,
	    &added, err, sizeof(err)), CS_OK);
	assert_int_equal(added, 0);
	assert_int_equal(pending(fx->st, "email"), 1);
	/* No key: no deduplication. */
	assert_int_equal(store_outbox_add(fx->st, "mqtt", NULL, "[]", 100, &added, err, sizeof(err)), CS_OK);
	assert_int_equal(store_outbox_add(fx->st, "mqtt", NULL, "[]", 100, &added, err, sizeof(err)), CS_OK);
	assert_int_equal(added, 1);
	assert_int_equal(pending(fx->st, "mqtt"), 2);
	assert_int_equal(pending(fx->st, NULL), 3);
	/* Refused: unknown channel, payload that is not JSON. */
	assert_int_equal(store_outbox_add(fx->st, "fax", "k", "{}", 100, &added, err, sizeof(err)),
	    CS_ERR_USAGE);
	assert_non_null(strstr(err, "fax"));
	assert_int_equal(store_outbox_add(fx->st, "site", "k2", "{not json", 100, &added, err,
	    sizeof(err)), CS_ERR_DB);
	assert_int_equal(added, 0);
	assert_int_equal(pending(fx->st, NULL), 3);
}

static void
test_outbox_claim_deliver_fail_retry(void **state)
{
	struct fx *fx = *state;
	char err[CS_ERRLEN] = "";
	struct store_outbox_msg *m = NULL;
	size_t n = 0;
	int64_t id1, id2, id3, t1, t2, t3, tok;

	for (int i = 1; i <= 3; i++) {
		char key[16], payload[32];

		snprintf(key, sizeof(key), "k%d", i);
		snprintf(payload, sizeof(payload), "{\"n\":%d}", i);
		assert_int_equal(store_outbox_add(fx->st, "site", key, payload, 100, NULL, err,
		    sizeof(err)), CS_OK);
	}
	assert_int_equal(store_outbox_add(fx->st, "email", "e1", "{}", 100, NULL, err,
	    sizeof(err)), CS_OK);

	/* Not due before created. */
	assert_int_equal(store_outbox_claim_due(fx->st, "site", 99, 60, 10, &m, &n, err,
	    sizeof(err)), CS_OK);
	assert_int_equal(n, 0);
	assert_null(m);

	/* max bounds the batch; order is by id. */
	assert_int_equal(store_outbox_claim_due(fx->st, "site", 100, 0, 1, &m, &n, err,
	    sizeof(err)), CS_OK);
	assert_int_equal(n, 1);
	assert_string_equal(m[0].payload, "{\"n\":1}");
	store_outbox_msgs_free(m, n);

	assert_int_equal(store_outbox_claim_due(fx->st, "site", 100, 60, 10, &m, &n, err,
	    sizeof(err)), CS_OK);
	assert_int_equal(n, 3);
	assert_true(m[0].id < m[1].id && m[1].id < m[2].id);
	assert_string_equal(m[0].channel, "site");
	assert_string_equal(m[0].dedup_key, "k1");
	assert_string_equal(m[2].payload, "{\"n\":3}");
	assert_int_equal(m[0].attempts, 2); /* the max=1 claim counted one */
	assert_int_equal(m[1].attempts, 1);
	assert_null(m[1].last_error);
	id1 = m[0].id;
	id2 = m[1].id;
	id3 = m[2].id;
	t1 = m[0].claim_token;
	t2 = m[1].claim_token;
	t3 = m[2].claim_token;
	store_outbox_msgs_free(m, n);

	/* Leased: a second consumer gets nothing. */
	assert_int_equal(store_outbox_claim_due(fx->st, "site", 159, 60, 10, &m, &n, err,
	    sizeof(err)), CS_OK);
	assert_int_equal(n, 0);

	assert_int_equal(store_outbox_delivered(fx->st, id1, t1, 110, err, sizeof(err)), CS_OK);
	assert_int_equal(store_outbox_delivered(fx->st, id1, t1, 111, err, sizeof(err)), CS_OK);
	assert_int_equal(store_outbox_failed(fx->st, id2, t2, 110, "smtp: 421 try later", 200, err,
	    sizeof(err)), CS_OK);
	assert_int_equal(pending(fx->st, "site"), 2);

	/* id3's lease ran out (crashed consumer): it comes back; id2 waits for 200. */
	assert_int_equal(store_outbox_claim_due(fx->st, "site", 160, 60, 10, &m, &n, err,
	    sizeof(err)), CS_OK);
	assert_int_equal(n, 1);
	assert_int_equal(m[0].id, id3);
	assert_int_equal(m[0].attempts, 2);
	assert_true(m[0].claim_token != t3);
	store_outbox_msgs_free(m, n);
	/* The crashed consumer comes back: its claim is no longer current. */
	assert_int_equal(store_outbox_delivered(fx->st, id3, t3, 161, err, sizeof(err)),
	    CS_ERR_STATE);
	assert_non_null(strstr(err, "no longer current"));

	assert_int_equal(store_outbox_claim_due(fx->st, "site", 200, 60, 10, &m, &n, err,
	    sizeof(err)), CS_OK);
	assert_int_equal(n, 1);
	assert_int_equal(m[0].id, id2);
	assert_int_equal(m[0].attempts, 2);
	assert_string_equal(m[0].last_error, "smtp: 421 try later");
	store_outbox_msgs_free(m, n);

	/* Both due again later: id order. */
	assert_int_equal(store_outbox_claim_due(fx->st, "site", 1000, 60, 10, &m, &n, err,
	    sizeof(err)), CS_OK);
	assert_int_equal(n, 2);
	assert_int_equal(m[0].id, id2);
	assert_int_equal(m[1].id, id3);
	tok = m[0].claim_token;
	assert_int_equal(m[1].claim_token, tok);
	store_outbox_msgs_free(m, n);

	assert_int_equal(store_outbox_delivered(fx->st, id2, tok, 1001, err, sizeof(err)), CS_OK);
	assert_int_equal(store_outbox_delivered(fx->st, id3, tok, 1001, err, sizeof(err)), CS_OK);
	assert_int_equal(pending(fx->st, "site"), 0);
	assert_int_equal(pending(fx->st, "email"), 1);
	assert_int_equal(store_outbox_claim_due(fx->st, "site", 5000, 60, 10, &m, &n, err,
	    sizeof(err)), CS_OK);
	assert_int_equal(n, 0);

	/* Misuse is reported, not ignored. */
	assert_int_equal(store_outbox_failed(fx->st, id1, t1, 2000, "late", 3000, err,
	    sizeof(err)), CS_ERR_STATE);
	assert_int_equal(store_outbox_delivered(fx->st, 999, 1, 2000, err, sizeof(err)),
	    CS_ERR_NOTFOUND);
	assert_int_equal(store_outbox_failed(fx->st, 999, 1, 2000, NULL, 3000, err, sizeof(err)),
	    CS_ERR_NOTFOUND);
	assert_int_equal(store_outbox_claim_due(fx->st, "pigeon", 0, 0, 1, &m, &n, err,
	    sizeof(err)), CS_ERR_USAGE);
	assert_int_equal(store_outbox_claim_due(fx->st, "site", 0, 0, 100000, &m, &n, err,
	    sizeof(err)), CS_ERR_USAGE);
}

/*
 * A subject's rows go in decision order: while "incident:7"'s first update
 * is retried, its "resolved" waits; another subject is not held back.
 * Rows older than max_age are expired, not delivered; a row given up is a
 * dead letter until revived.
 */
static void
test_outbox_order_expiry_dead(void **state)
{
	struct fx *fx = *state;
	char err[CS_ERRLEN] = "";
	struct store_outbox_msg *m = NULL;
	size_t n = 0, revived = 0;
	int64_t first, tok;

	assert_int_equal(store_outbox_add(fx->st, "mqtt", "incident:7:update:1:mqtt", "{\"u\":1}",
	    1000, NULL, err, sizeof(err)), CS_OK);
	assert_int_equal(store_outbox_add(fx->st, "mqtt", "incident:7:update:2:mqtt", "{\"u\":2}",
	    1001, NULL, err, sizeof(err)), CS_OK);
	assert_int_equal(store_outbox_add(fx->st, "mqtt", "incident:8:update:1:mqtt", "{\"u\":3}",
	    1002, NULL, err, sizeof(err)), CS_OK);
	assert_int_equal(store_outbox_add(fx->st, "mqtt", "incident:9:update:1:mqtt", "{\"old\":1}",
	    10, NULL, err, sizeof(err)), CS_OK);

	/* incident:9's row is older than 500 s at 1100: expired. */
	assert_int_equal(store_outbox_claim(fx->st, "mqtt", 1100, 60, 500, 10, &m, &n, err,
	    sizeof(err)), CS_OK);
	assert_int_equal(n, 2);
	assert_string_equal(m[0].payload, "{\"u\":1}");
	assert_string_equal(m[1].payload, "{\"u\":3}");
	first = m[0].id;
	tok = m[0].claim_token;
	assert_int_equal(store_outbox_delivered(fx->st, m[1].id, m[1].claim_token, 1100, err,
	    sizeof(err)), CS_OK);
	store_outbox_msgs_free(m, n);
	assert_int_equal(store_outbox_failed(fx->st, first, tok, 1100, "broker down", 1200, err,
	    sizeof(err)), CS_OK);

	/* Update 2 still waits behind update 1, which is not due yet. */
	assert_int_equal(store_outbox_claim(fx->st, "mqtt", 1190, 60, 500, 10, &m, &n, err,
	    sizeof(err)), CS_OK);
	assert_int_equal(n, 0);

	/* Given up: a dead letter no longer holds its subject back. */
	assert_int_equal(store_outbox_claim(fx->st, "mqtt", 1200, 60, 500, 10, &m, &n, err,
	    sizeof(err)), CS_OK);
	assert_int_equal(n, 1);
	assert_int_equal(m[0].id, first);
	tok = m[0].claim_token;
	store_outbox_msgs_free(m, n);
	assert_int_equal(store_outbox_failed(fx->st, first, tok, 1200, "broker refused", 0, err,
	    sizeof(err)), CS_OK);
	assert_int_equal(raw_sql_int(fx->dir,
	    "SELECT count(*) FROM outbox WHERE state = 'dead' AND last_error = 'broker refused'"), 1);
	assert_int_equal(raw_sql_int(fx->dir,
	    "SELECT count(*) FROM outbox WHERE state = 'expired'"), 1);
	assert_int_equal(store_outbox_claim(fx->st, "mqtt", 1300, 60, 500, 10, &m, &n, err,
	    sizeof(err)), CS_OK);
	assert_int_equal(n, 1);
	assert_string_equal(m[0].payload, "{\"u\":2}");
	store_outbox_msgs_free(m, n);

	/* Revived, it is due again, and first again for its subject. */
	assert_int_equal(store_outbox_retry_dead(fx->st, "mqtt", 1400, &revived, err,
	    sizeof(err)), CS_OK);
	assert_int_equal(revived, 1);
	assert_int_equal(store_outbox_claim(fx->st, "mqtt", 1400, 60, 0, 10, &m, &n, err,
	    sizeof(err)), CS_OK);
	assert_int_equal(n, 1);
	assert_int_equal(m[0].id, first);
	store_outbox_msgs_free(m, n);
}

/* ---- transactions and crash safety ---- */

/* A failure between the component change and its outbox row leaves neither. */
static void
test_rollback_leaves_neither(void **state)
{
	struct fx *fx = *state;
	char err[CS_ERRLEN] = "";
	int changed = -1;

	assert_int_equal(store_begin(fx->st, err, sizeof(err)), CS_OK);
	assert_int_equal(store_begin(fx->st, err, sizeof(err)), CS_ERR_STATE);
	assert_int_equal(store_component_set(fx->st, "api", STATUS_MAJOR_OUTAGE, "{\"slug\":\"ec2\"}",
	    100, &changed, err, sizeof(err)), CS_OK);
	assert_int_equal(changed, STORE_COMPONENT_FIRST);
	/* Simulated failure: the caller gives up before the outbox insert. */
	store_rollback(fx->st);
	assert_false(store_in_transaction(fx->st));
	assert_int_equal(component_status(fx->st, "api"), -1);
	assert_int_equal(pending(fx->st, NULL), 0);

	/* A real failure: the outbox insert itself fails, the caller rolls back. */
	assert_int_equal(store_begin(fx->st, err, sizeof(err)), CS_OK);
	assert_int_equal(store_component_set(fx->st, "api", STATUS_MAJOR_OUTAGE, NULL, 100,
	    &changed, err, sizeof(err)), CS_OK);
	assert_int_equal(store_outbox_add(fx->st, "site", "api:major", "{broken", 100, NULL, err,
	    sizeof(err)), CS_ERR_DB);
	store_rollback(fx->st);
	store_rollback(fx->st); /* harmless twice */
	assert_int_equal(component_status(fx->st, "api"), -1);
	assert_int_equal(pending(fx->st, NULL), 0);
	assert_int_equal(raw_sql_int(fx->dir, "SELECT count(*) FROM component_history"), 0);
	assert_int_equal(store_commit(fx->st, err, sizeof(err)), CS_ERR_STATE);

	/* A failed call inside a transaction undoes only itself. */
	assert_int_equal(store_begin(fx->st, err, sizeof(err)), CS_OK);
	assert_int_equal(store_component_set(fx->st, "api", STATUS_PARTIAL_OUTAGE, NULL, 100,
	    NULL, err, sizeof(err)), CS_OK);
	assert_int_equal(store_component_set(fx->st, "api", STATUS_MAJOR_OUTAGE, "{bad", 101,
	    NULL, err, sizeof(err)), CS_ERR_DB);
	assert_int_equal(store_outbox_add(fx->st, "site", "api:partial", "{}", 100, NULL, err,
	    sizeof(err)), CS_OK);
	assert_int_equal(store_commit(fx->st, err, sizeof(err)), CS_OK);
	assert_int_equal(component_status(fx->st, "api"), STATUS_PARTIAL_OUTAGE);
	assert_int_equal(raw_sql_int(fx->dir, "SELECT count(*) FROM component_history"), 1);
	assert_int_equal(pending(fx->st, "site"), 1);
}

/* The decision and what it owes commit together and survive a restart. */
static void
test_commit_together_and_restart(void **state)
{
	struct fx *fx = *state;
	char err[CS_ERRLEN] = "";
	struct store_feed f = { 0 };
	struct store_feed_state v = { 0 };
	int64_t t = 0;
	int found = 0;

	assert_int_equal(store_begin(fx->st, err, sizeof(err)), CS_OK);
	assert_int_equal(store_component_set(fx->st, "api", STATUS_DEGRADED_PERFORMANCE, NULL, 100,
	    NULL, err, sizeof(err)), CS_OK);
	assert_int_equal(store_outbox_add(fx->st, "site", "api:degraded:100", "{}", 100, NULL, err,
	    sizeof(err)), CS_OK);
	assert_int_equal(store_outbox_add(fx->st, "email", "api:degraded:100", "{}", 100, NULL, err,
	    sizeof(err)), CS_OK); /* same key on another channel is still a duplicate */
	assert_int_equal(store_commit(fx->st, err, sizeof(err)), CS_OK);

	f.slug = (char *)"ec2-us-east-1";
	f.url = (char *)"https://status.aws.amazon.com/rss/ec2-us-east-1.rss";
	f.etag = (char *)"\"abc\"";
	f.last_success = 90;
	f.last_status = 200;
	f.readable = 1;
	f.items_seen = 4;
	assert_int_equal(store_feed_put(fx->st, &f, err, sizeof(err)), CS_OK);
	v.slug = (char *)"ec2-us-east-1";
	v.state = STATUS_AWS_DEGRADED;
	v.updated = 95;
	v.title = (char *)"Increased API Error Rates";
	v.event_start = 80;
	v.decided_at = 100;
	assert_int_equal(store_feed_state_put(fx->st, &v, err, sizeof(err)), CS_OK);
	assert_int_equal(store_meta_set_int64(fx->st, "last_poll_ok", 100, err, sizeof(err)), CS_OK);

	reopen(fx);

	assert_int_equal(component_status(fx->st, "api"), STATUS_DEGRADED_PERFORMANCE);
	assert_int_equal(pending(fx->st, "site"), 1);
	assert_int_equal(pending(fx->st, "email"), 0);
	memset(&f, 0, sizeof(f));
	assert_int_equal(store_feed_get(fx->st, "ec2-us-east-1", &f, err, sizeof(err)), CS_OK);
	assert_string_equal(f.etag, "\"abc\"");
	assert_null(f.last_modified);
	assert_int_equal(f.last_status, 200);
	assert_int_equal(f.items_seen, 4);
	assert_int_equal(f.readable, 1);
	store_feed_clear(&f);
	assert_int_equal(store_feed_get(fx->st, "nope", &f, err, sizeof(err)), CS_OK);
	assert_null(f.slug);
	memset(&v, 0, sizeof(v));
	assert_int_equal(store_feed_state_get(fx->st, "ec2-us-east-1", &v, err, sizeof(err)), CS_OK);
	assert_int_equal(v.state, STATUS_AWS_DEGRADED);
	assert_string_equal(v.title, "Increased API Error Rates");
	assert_null(v.guid);
	assert_int_equal(v.event_start, 80);
	store_feed_state_clear(&v);
	assert_int_equal(store_meta_get_int64(fx->st, "last_poll_ok", &t, &found, err, sizeof(err)),
	    CS_OK);
	assert_int_equal(found, 1);
	assert_int_equal(t, 100);
}

/*
 * A process killed inside the transaction (no commit, no close) loses
 * both the change and its outbox row; one killed right after the commit
 * keeps both.
 */
static void
crash_child(const char *dir, int commit, int ready_fd)
{
	char err[CS_ERRLEN] = "";
	struct store *st = NULL;

	if (store_open(dir, &st, err, sizeof(err)) != CS_OK)
		_exit(3);
	if (store_begin(st, err, sizeof(err)) != CS_OK ||
	    store_component_set(st, "db", STATUS_MAJOR_OUTAGE, NULL, 500, NULL, err, sizeof(err)) != CS_OK ||
	    store_outbox_add(st, "mqtt", "db:major:500", "{}", 500, NULL, err, sizeof(err)) != CS_OK)
		_exit(4);
	if (commit && store_commit(st, err, sizeof(err)) != CS_OK)
		_exit(5);
	/* Tell the parent, which kills us: no cleanup, no atexit, no close. */
	if (write(ready_fd, "r", 1) != 1)
		_exit(6);
	for (;;)
		pause();
}

static void
test_crash_in_transaction(void **state)
{
	struct fx *fx = *state;
	int status, fds[2];
	char c;
	pid_t pid;

	for (int commit = 0; commit <= 1; commit++) {
		assert_int_equal(pipe(fds), 0);
		fflush(NULL);
		pid = fork();
		assert_true(pid >= 0);
		if (pid == 0) {
			close(fds[0]);
			crash_child(fx->dir, commit, fds[1]);
		}
		close(fds[1]);
		/* EOF instead of a byte means the child failed before the crash point. */
		if (read(fds[0], &c, 1) == 1)
			kill(pid, SIGKILL);
		close(fds[0]);
		assert_int_equal(waitpid(pid, &status, 0), pid);
		if (WIFEXITED(status))
			fail_msg("crash child exited with %d", WEXITSTATUS(status));
		assert_true(WIFSIGNALED(status));
		assert_int_equal(WTERMSIG(status), SIGKILL);
		reopen(fx);
		assert_int_equal(component_status(fx->st, "db"), commit ? STATUS_MAJOR_OUTAGE : -1);
		assert_int_equal(pending(fx->st, "mqtt"), commit ? 1u : 0u);
	}
}

/* ---- items ---- */

static struct feed_item
item(const char *guid, int64_t epoch, const char *title, const char *desc)
{
	struct feed_item it = { 0 };

	it.guid = guid;
	it.slug = "ec2-us-east-1";
	it.epoch = epoch;
	it.pubdate = epoch;
	it.title = title;
	it.description = desc;
	it.link = "https://status.aws.amazon.com/";
	return it;
}

struct seen {
	char  text[512];
	size_t n;
};

static int
collect_item(const struct feed_item *it, void *ctx)
{
	struct seen *s = ctx;
	size_t len = strlen(s->text);

	snprintf(s->text + len, sizeof(s->text) - len, "%s|%s|%s\n", it->guid, it->title,
	    it->description);
	s->n++;
	return 0;
}

static int
stop_item(const struct feed_item *it, void *ctx)
{
	(void)it;
	(void)ctx;
	return 1;
}

static void
test_item_upsert(void **state)
{
	struct fx *fx = *state;
	char err[CS_ERRLEN] = "";
	struct feed_item a = item("g1", 100, "Informational message: A", "first");
	struct feed_item b = item("g2", 200, "Service degradation: B", "b");
	struct feed_item c = item("g3", 300, "Future", "c");
	struct feed_item other = item("o1", 150, "Other", "o");
	struct seen seen = { "", 0 };
	int change = -1, revs = -1;

	other.slug = "s3-us-east-1";
	assert_int_equal(store_item_upsert(fx->st, &a, 1000, &change, err, sizeof(err)), CS_OK);
	assert_int_equal(change, STORE_ITEM_NEW);
	assert_int_equal(store_item_upsert(fx->st, &a, 1001, &change, err, sizeof(err)), CS_OK);
	assert_int_equal(change, STORE_ITEM_UNCHANGED);
	a.description = "first, corrected";
	assert_int_equal(store_item_upsert(fx->st, &a, 1002, &change, err, sizeof(err)), CS_OK);
	assert_int_equal(change, STORE_ITEM_REVISED);
	a.title = "Informational message: [RESOLVED] A";
	assert_int_equal(store_item_upsert(fx->st, &a, 1003, &change, err, sizeof(err)), CS_OK);
	assert_int_equal(change, STORE_ITEM_REVISED);
	assert_int_equal(store_item_upsert(fx->st, &a, 1004, &change, err, sizeof(err)), CS_OK);
	assert_int_equal(change, STORE_ITEM_UNCHANGED);
	assert_int_equal(store_item_revisions(fx->st, "g1", &revs, err, sizeof(err)), CS_OK);
	assert_int_equal(revs, 3);
	assert_int_equal(store_item_revisions(fx->st, "nope", &revs, err, sizeof(err)), CS_OK);
	assert_int_equal(revs, 0);
	assert_int_equal(store_item_upsert(fx->st, &b, 1000, NULL, err, sizeof(err)), CS_OK);
	assert_int_equal(store_item_upsert(fx->st, &c, 1000, NULL, err, sizeof(err)), CS_OK);
	assert_int_equal(store_item_upsert(fx->st, &other, 1000, NULL, err, sizeof(err)), CS_OK);

	/*
	 * As of 250: newest first, g3 is in the future, s3 is another slug; no
	 * revision was seen by then, so the first one (the text as first read).
	 */
	assert_int_equal(store_items_for_slug(fx->st, "ec2-us-east-1", 250, collect_item, &seen,
	    err, sizeof(err)), CS_OK);
	assert_string_equal(seen.text,
	    "g2|Service degradation: B|b\n"
	    "g1|Informational message: A|first\n");
	/* As of 1002 the correction was seen, the [RESOLVED] rewrite (1003) not yet. */
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store_items_for_slug(fx->st, "ec2-us-east-1", 1002, collect_item, &seen,
	    err, sizeof(err)), CS_OK);
	assert_non_null(strstr(seen.text, "g1|Informational message: A|first, corrected\n"));
	/* As of now (0: no limit), the newest text. */
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store_items_for_slug(fx->st, "ec2-us-east-1", 0, collect_item, &seen,
	    err, sizeof(err)), CS_OK);
	assert_non_null(strstr(seen.text, "g1|Informational message: [RESOLVED] A|first, corrected\n"));
	memset(&seen, 0, sizeof(seen));
	assert_int_equal(store_items_for_slug(fx->st, "ec2-us-east-1", 0, collect_item, &seen,
	    err, sizeof(err)), CS_OK);
	assert_int_equal(seen.n, 3);
	assert_int_equal(store_items_for_slug(fx->st, "ec2-us-east-1", 0, stop_item, NULL,
	    err, sizeof(err)), CS_ERR_STATE);

	/* All the items of the slugs asked for, by slug then newest first; no others. */
	{
		const char *one[] = { "s3-us-east-1" };
		const char *two[] = { "s3-us-east-1", "ec2-us-east-1" };

		memset(&seen, 0, sizeof(seen));
		assert_int_equal(store_items_all(fx->st, 0, one, 1, collect_item, &seen,
		    err, sizeof(err)), CS_OK);
		assert_string_equal(seen.text, "o1|Other|o\n");
		memset(&seen, 0, sizeof(seen));
		assert_int_equal(store_items_all(fx->st, 250, two, 2, collect_item, &seen,
		    err, sizeof(err)), CS_OK);
		assert_string_equal(seen.text,
		    "g2|Service degradation: B|b\n"
		    "g1|Informational message: A|first\n"
		    "o1|Other|o\n");
		memset(&seen, 0, sizeof(seen));
		assert_int_equal(store_items_all(fx->st, 0, NULL, 0, collect_item, &seen,
		    err, sizeof(err)), CS_OK);
		assert_int_equal(seen.n, 0);
	}

	a.guid = "";
	assert_int_equal(store_item_upsert(fx->st, &a, 1000, &change, err, sizeof(err)),
	    CS_ERR_PARSE);
	assert_non_null(strstr(err, "no guid"));
}

/* ---- components ---- */

struct hist {
	char text[512];
};

static int
collect_hist(const struct store_history_row *h, void *ctx)
{
	struct hist *s = ctx;
	size_t len = strlen(s->text);

	snprintf(s->text + len, sizeof(s->text) - len, "%s %lld-%lld %s\n",
	    status_component_name(h->status), (long long)h->start, (long long)h->end,
	    h->cause_json != NULL ? h->cause_json : "-");
	return 0;
}

static void
test_component_history(void **state)
{
	struct fx *fx = *state;
	char err[CS_ERRLEN] = "";
	struct store_component c;
	struct hist h = { "" };
	int changed = -1;

	assert_int_equal(store_component_set(fx->st, "api", STATUS_OPERATIONAL, NULL, 100,
	    &changed, err, sizeof(err)), CS_OK);
	assert_int_equal(changed, STORE_COMPONENT_FIRST);
	assert_int_equal(store_component_set(fx->st, "api", STATUS_OPERATIONAL, "{\"x\":1}", 150,
	    &changed, err, sizeof(err)), CS_OK);
	assert_int_equal(changed, STORE_COMPONENT_UNCHANGED);
	assert_int_equal(store_component_set(fx->st, "api", STATUS_MAJOR_OUTAGE, "{\"slug\":\"ec2\"}",
	    200, &changed, err, sizeof(err)), CS_OK);
	assert_int_equal(changed, STORE_COMPONENT_CHANGED);
	assert_int_equal(store_component_set(fx->st, "api", STATUS_OPERATIONAL, NULL, 300,
	    &changed, err, sizeof(err)), CS_OK);
	assert_int_equal(changed, STORE_COMPONENT_CHANGED);
	/* Another component's history is separate. */
	assert_int_equal(store_component_set(fx->st, "web", STATUS_UNKNOWN, NULL, 120,
	    NULL, err, sizeof(err)), CS_OK);

	assert_int_equal(store_component_get(fx->st, "api", &c, err, sizeof(err)), CS_OK);
	assert_string_equal(c.id, "api");
	assert_int_equal(c.status, STATUS_OPERATIONAL);
	assert_int_equal(c.since, 300);
	assert_null(c.cause_json);
	store_component_clear(&c);

	assert_int_equal(store_component_history(fx->st, "api", 0, 0, collect_hist, &h, err,
	    sizeof(err)), CS_OK);
	assert_string_equal(h.text,
	    "operational 100-200 -\n"
	    "major_outage 200-300 {\"slug\":\"ec2\"}\n"
	    "operational 300-0 -\n");
	memset(&h, 0, sizeof(h));
	assert_int_equal(store_component_history(fx->st, "api", 250, 260, collect_hist, &h, err,
	    sizeof(err)), CS_OK);
	assert_string_equal(h.text, "major_outage 200-300 {\"slug\":\"ec2\"}\n");
	memset(&h, 0, sizeof(h));
	assert_int_equal(store_component_history(fx->st, "api", 200, 0, collect_hist, &h, err,
	    sizeof(err)), CS_OK);
	assert_string_equal(h.text, "major_outage 200-300 {\"slug\":\"ec2\"}\noperational 300-0 -\n");

	/* The clock went back: periods still never end before they start. */
	assert_int_equal(store_component_set(fx->st, "api", STATUS_PARTIAL_OUTAGE, NULL, 250,
	    &changed, err, sizeof(err)), CS_OK);
	assert_int_equal(changed, STORE_COMPONENT_CHANGED);
	memset(&h, 0, sizeof(h));
	assert_int_equal(store_component_history(fx->st, "api", 290, 0, collect_hist, &h, err,
	    sizeof(err)), CS_OK);
	assert_string_equal(h.text, "major_outage 200-300 {\"slug\":\"ec2\"}\n"
	    "operational 300-300 -\npartial_outage 300-0 -\n");
	assert_int_equal(raw_sql_int(fx->dir,
	    "SELECT count(*) FROM component_history WHERE \"end\" IS NULL"), 2);

	assert_int_equal(store_component_set(fx->st, "api", (status_component)17, NULL, 400,
	    &changed, err, sizeof(err)), CS_ERR_USAGE);
	assert_int_equal(store_component_get(fx->st, "nope", &c, err, sizeof(err)), CS_OK);
	assert_null(c.id);
}

/* ---- meta and dump ---- */

static void
test_meta(void **state)
{
	struct fx *fx = *state;
	char err[CS_ERRLEN] = "";
	char *v = NULL;
	int64_t n = 7;
	int found = -1;

	assert_int_equal(store_meta_get(fx->st, "missing", &v, err, sizeof(err)), CS_OK);
	assert_null(v);
	assert_int_equal(store_meta_get_int64(fx->st, "missing", &n, &found, err, sizeof(err)), CS_OK);
	assert_int_equal(found, 0);
	assert_int_equal(n, 7);
	assert_int_equal(store_meta_set(fx->st, "name", "x'); DROP TABLE meta; --", err,
	    sizeof(err)), CS_OK);
	assert_int_equal(store_meta_get(fx->st, "name", &v, err, sizeof(err)), CS_OK);
	assert_string_equal(v, "x'); DROP TABLE meta; --");
	free(v);
	assert_int_equal(store_meta_set(fx->st, "n", "1712345678", err, sizeof(err)), CS_OK);
	assert_int_equal(store_meta_get_int64(fx->st, "n", &n, &found, err, sizeof(err)), CS_OK);
	assert_int_equal(n, 1712345678);
	assert_int_equal(store_meta_get_int64(fx->st, "name", &n, &found, err, sizeof(err)),
	    CS_ERR_PARSE);
	assert_int_equal(store_meta_set_int64(fx->st, "n", INT64_C(-5), err, sizeof(err)), CS_OK);
	assert_int_equal(store_meta_get(fx->st, "n", &v, err, sizeof(err)), CS_OK);
	assert_string_equal(v, "-5");
	free(v);
}

static void
test_dump(void **state)
{
	struct fx *fx = *state;
	char err[CS_ERRLEN] = "";
	struct store_feed f = { 0 };
	struct store_feed_state v = { 0 };
	struct feed_item it = item("g1", 100, "T", "D");
	char *text, want[2048];

	f.slug = (char *)"ec2-us-east-1";
	f.url = (char *)"https://x/ec2.rss";
	f.failures = 2;
	f.last_status = 503;
	f.last_error = (char *)"HTTP 503\nretry";
	assert_int_equal(store_feed_put(fx->st, &f, err, sizeof(err)), CS_OK);
	v.slug = (char *)"ec2-us-east-1";
	v.state = STATUS_AWS_INFORMATIONAL;
	v.updated = 100;
	v.guid = (char *)"g1";
	v.title = (char *)"T \"quoted\"";
	v.decided_at = 110;
	assert_int_equal(store_feed_state_put(fx->st, &v, err, sizeof(err)), CS_OK);
	v.state = STATUS_AWS_UNKNOWN;
	assert_int_equal(store_feed_state_put(fx->st, &v, err, sizeof(err)), CS_ERR_USAGE);
	assert_int_equal(store_item_upsert(fx->st, &it, 100, NULL, err, sizeof(err)), CS_OK);
	assert_int_equal(store_component_set(fx->st, "api", STATUS_OPERATIONAL, NULL, 100, NULL,
	    err, sizeof(err)), CS_OK);
	assert_int_equal(store_component_set(fx->st, "api", STATUS_DEGRADED_PERFORMANCE,
	    "{\"slug\":\"ec2-us-east-1\"}", 110, NULL, err, sizeof(err)), CS_OK);
	assert_int_equal(store_outbox_add(fx->st, "site", "api:110", "{\"render\":true}", 110, NULL,
	    err, sizeof(err)), CS_OK);
	assert_int_equal(store_meta_set_int64(fx->st, "last_poll_ok", 110, err, sizeof(err)), CS_OK);

	snprintf(want, sizeof(want),
	    "schema %d\n"
	    "feed \"ec2-us-east-1\" url=\"https://x/ec2.rss\" etag=- last_modified=- last_attempt=0"
	    " last_success=0 last_status=503 failures=2 next_attempt_at=0 readable=0 items_seen=0"
	    " last_error=\"HTTP 503\\nretry\"\n"
	    "verdict \"ec2-us-east-1\" state=\"informational\" updated=100 event_start=0"
	    " decided_at=110 guid=\"g1\" title=\"T \\\"quoted\\\"\"\n"
	    "items count=1 revisions=1\n"
	    "component \"api\" status=\"degraded_performance\" since=110"
	    " cause=\"{\\\"slug\\\":\\\"ec2-us-east-1\\\"}\"\n"
	    "history \"api\" 1 status=\"operational\" start=100 end=110 cause=-\n"
	    "history \"api\" 2 status=\"degraded_performance\" start=110 end=-"
	    " cause=\"{\\\"slug\\\":\\\"ec2-us-east-1\\\"}\"\n"
	    "outbox 1 \"site\" key=\"api:110\" created_at=110 attempts=0 next_attempt_at=110"
	    " delivered_at=- last_error=- payload=\"{\\\"render\\\":true}\"\n"
	    "meta \"last_poll_ok\" value=110\n",
	    store_schema_version());
	text = dump(fx->st);
	assert_string_equal(text, want);
	free(text);
}

/* ---- fault injection: each SQLite allocation failing in turn ---- */

static sqlite3_mem_methods real_mem;
static long fail_countdown; /* > 0: the allocation that brings it to 0 fails */
static int fault_hit;

static int
fault_tick(void)
{
	if (fail_countdown > 0 && --fail_countdown == 0) {
		fault_hit = 1;
		return 1;
	}
	return 0;
}

static void *
fault_malloc(int n)
{
	return fault_tick() ? NULL : real_mem.xMalloc(n);
}

static void *
fault_realloc(void *p, int n)
{
	return fault_tick() ? NULL : real_mem.xRealloc(p, n);
}

/*
 * Runs the decide-and-enqueue transaction with the k-th SQLite allocation
 * failing, for k = 1, 2, ... until it runs through. Every time, the
 * reopened store must hold the change and its outbox row together or
 * neither, and a reported success must have kept both.
 */
static void
test_fault_injection(void **state)
{
	struct fx *fx = *state;
	char err[CS_ERRLEN] = "";
	int done = 0;

	for (long k = 1; k < 5000 && !done; k++) {
		cs_err rc;
		int have_c, have_o;

		fault_hit = 0;
		fail_countdown = k;
		rc = store_begin(fx->st, err, sizeof(err));
		if (rc == CS_OK)
			rc = store_component_set(fx->st, "api", STATUS_MAJOR_OUTAGE, "{}", 100, NULL,
			    err, sizeof(err));
		if (rc == CS_OK)
			rc = store_outbox_add(fx->st, "email", "api:major:100", "{}", 100, NULL, err,
			    sizeof(err));
		if (rc == CS_OK)
			rc = store_commit(fx->st, err, sizeof(err));
		else
			store_rollback(fx->st);
		fail_countdown = 0;
		if (rc != CS_OK) {
			assert_true(fault_hit);
			assert_true(rc == CS_ERR_NOMEM || rc == CS_ERR_DB || rc == CS_ERR_IO);
		}
		reopen(fx);
		have_c = component_status(fx->st, "api") == STATUS_MAJOR_OUTAGE;
		have_o = pending(fx->st, "email") == 1;
		assert_int_equal(have_c, have_o);
		if (rc == CS_OK)
			assert_true(have_c);
		if (have_c) {
			/* Start the next round from an empty store. */
			store_close(fx->st);
			fx->st = NULL;
			raw_sql_int(fx->dir, "DELETE FROM component_history");
			raw_sql_int(fx->dir, "DELETE FROM component_status");
			raw_sql_int(fx->dir, "DELETE FROM outbox");
			reopen(fx);
		}
		done = rc == CS_OK && !fault_hit;
	}
	assert_true(done);
}

static void
test_close_null(void **state)
{
	(void)state;
	store_close(NULL);
	store_rollback(NULL);
	store_outbox_msgs_free(NULL, 0);
	store_feed_clear(NULL);
	store_feed_state_clear(NULL);
	store_component_clear(NULL);
}

int
main(void)
{
	static sqlite3_mem_methods fault_mem;
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_open_creates_dir_and_migrates, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reopen_idempotent, setup, teardown),
		cmocka_unit_test_setup_teardown(test_open_while_writing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_newer_version_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unwritable_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outbox_dedup, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outbox_order_expiry_dead, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outbox_claim_deliver_fail_retry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rollback_leaves_neither, setup, teardown),
		cmocka_unit_test_setup_teardown(test_commit_together_and_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_crash_in_transaction, setup, teardown),
		cmocka_unit_test_setup_teardown(test_item_upsert, setup, teardown),
		cmocka_unit_test_setup_teardown(test_component_history, setup, teardown),
		cmocka_unit_test_setup_teardown(test_meta, setup, teardown),
		cmocka_unit_test_setup_teardown(test_dump, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fault_injection, setup, teardown),
		cmocka_unit_test(test_close_null),
	};

	/* Route SQLite's allocations through the fault injector (must precede initialisation). */
	sqlite3_shutdown();
	if (sqlite3_config(SQLITE_CONFIG_GETMALLOC, &real_mem) != SQLITE_OK)
		return 1;
	fault_mem = real_mem;
	fault_mem.xMalloc = fault_malloc;
	fault_mem.xRealloc = fault_realloc;
	if (sqlite3_config(SQLITE_CONFIG_MALLOC, &fault_mem) != SQLITE_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
