/* test_mailq.c: subscribers and the email queue in the store: who gets a mailing, windows, claims, acks. */
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

#include "store/mailq.h"
#include "store/outbox.h"
#include "store/subscribers.h"
#include "testutil.h"

struct fx {
	char         *tmp;
	char          dir[96];
	struct store *st;
	int64_t       ann, bob, cat, dan;  /* subscribers */
};

static int64_t
add_sub(struct store *st, const char *email, const char *state, const char *comps, int prio)
{
	struct store_subscriber s;
	char err[CS_ERRLEN] = "";
	int64_t id = 0;

	memset(&s, 0, sizeof(s));
	s.email = (char *)email;
	s.state = (char *)state;
	s.components_json = (char *)comps;
	s.min_priority = prio;
	s.secret = (char *)"00ff";
	s.source = (char *)"cli";
	s.created_at = 100;
	if (store_sub_add(st, &s, &id, err, sizeof(err)) != CS_OK)
		fail_msg("add %s: %s", email, err);
	return id;
}

/*
 * ann follows everything, P1-P4; bob only "reporting", all priorities;
 * cat everything but P1 only; dan is unsubscribed.
 */
static int
setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));
	char err[CS_ERRLEN] = "";

	if (fx == NULL)
		return -1;
	fx->tmp = testutil_tmpdir("test_mailq");
	if (fx->tmp == NULL)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "%s/db", fx->tmp);
	if (store_open(fx->dir, &fx->st, err, sizeof(err)) != CS_OK) {
		fprintf(stderr, "store_open: %s\n", err);
		return -1;
	}
	fx->ann = add_sub(fx->st, "ann@example.com", "confirmed", NULL, 4);
	fx->bob = add_sub(fx->st, "bob@example.com", "confirmed", "[\"reporting\"]", 4);
	fx->cat = add_sub(fx->st, "cat@example.com", "confirmed", NULL, 1);
	fx->dan = add_sub(fx->st, "dan@example.com", "unsubscribed", NULL, 4);
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

static int
sql_int(struct fx *fx, const char *sql)
{
	char path[256];
	sqlite3 *db = NULL;
	sqlite3_stmt *s = NULL;
	int v = -1;

	snprintf(path, sizeof(path), "%s/clickstatus.db", fx->dir);
	assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	sqlite3_close(db);
	return v;
}

/* A mailing of subject; row is the outbox row it carries, or 0 for none. */
static int64_t
mailing_of(struct fx *fx, const char *subject, int prio, const char *comps, int64_t row,
    int64_t now, size_t *recipients)
{
	struct mailq_new m;
	char err[CS_ERRLEN] = "";
	int64_t id = 0;

	memset(&m, 0, sizeof(m));
	m.subject = subject;
	m.kind = "incident";
	m.priority = prio;
	m.components_json = comps;
	m.content_json = "{}";
	m.outbox_first = m.outbox_last = row;
	assert_int_equal(mailq_create(fx->st, &m, now, &id, recipients, err, sizeof(err)), CS_OK);
	return id;
}

static int64_t
mailing(struct fx *fx, const char *subject, int prio, const char *comps, int64_t now,
    size_t *recipients)
{
	return mailing_of(fx, subject, prio, comps, 0, now, recipients);
}

/* Who gets a mailing: confirmed, component followed (or all), priority wanted. */
static void
test_fan_out_matches(void **state)
{
	struct fx *fx = *state;
	size_t n = 0;

	/* A P2 incident on inbound-voice: ann only (bob follows reporting, cat wants P1 only). */
	mailing(fx, "incident:1", 2, "[\"inbound-voice\"]", 1000, &n);
	assert_int_equal(n, 1);
	/* A P1 on reporting: ann, bob and cat; never dan. */
	mailing(fx, "incident:2", 1, "[\"inbound-voice\",\"reporting\"]", 1000, &n);
	assert_int_equal(n, 3);
	assert_int_equal(sql_int(fx, "SELECT count(*) FROM deliveries WHERE subscriber_id ="
	    " (SELECT id FROM subscribers WHERE email = 'dan@example.com')"), 0);
	/* A maintenance without priority on reporting: ann, bob, cat (no priority to filter on). */
	mailing(fx, "maintenance:1", 0, "[\"reporting\"]", 1000, &n);
	assert_int_equal(n, 3);
}

/* A newer mailing of a subject replaces the unsent older one; sent ones stay sent. */
static void
test_supersede_and_ack(void **state)
{
	struct fx *fx = *state;
	struct mailq_job *j = NULL;
	char err[CS_ERRLEN] = "";
	size_t n = 0, r = 0;
	int64_t m1, m2;

	m1 = mailing(fx, "incident:5", 1, "[\"reporting\"]", 1000, &r);
	assert_int_equal(r, 3);
	assert_int_equal(mailq_claim(fx->st, 1000, 60, 2, &j, &n, err, sizeof(err)), CS_OK);
	assert_int_equal(n, 2);
	assert_int_equal(j[0].mailing_id, m1);
	assert_string_equal(j[0].email, "ann@example.com");
	assert_int_equal(mailq_ack(fx->st, &j[0], MAILQ_SENT, 250, NULL, 0, 1001, err,
	    sizeof(err)), CS_OK);
	/* bob's in flight when the resolution comes: superseded, and his old claim no longer counts. */
	m2 = mailing(fx, "incident:5", 1, "[\"reporting\"]", 1002, &r);
	assert_int_equal(r, 3);
	assert_int_equal(mailq_ack(fx->st, &j[1], MAILQ_SENT, 250, NULL, 0, 1003, err,
	    sizeof(err)), CS_ERR_STATE);
	mailq_jobs_free(j, n);
	assert_int_equal(sql_int(fx, "SELECT count(*) FROM deliveries WHERE state = 'superseded'"), 2);
	assert_int_equal(sql_int(fx, "SELECT count(*) FROM deliveries WHERE state = 'sent'"), 1);

	/* Each of the three gets the resolution once. */
	assert_int_equal(mailq_claim(fx->st, 1003, 60, 10, &j, &n, err, sizeof(err)), CS_OK);
	assert_int_equal(n, 3);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(j[i].mailing_id, m2);
		assert_int_equal(j[i].attempts, 1);
	}
	/* A 4xx: due again later; a 5xx: the address is bounced and gets nothing more. */
	assert_int_equal(mailq_ack(fx->st, &j[0], MAILQ_RETRY, 451, "451 try later", 1100, 1004, err,
	    sizeof(err)), CS_OK);
	assert_int_equal(mailq_ack(fx->st, &j[1], MAILQ_BOUNCED, 550, "550 no such user", 0, 1004,
	    err, sizeof(err)), CS_OK);
	assert_int_equal(mailq_ack(fx->st, &j[2], MAILQ_SENT, 250, NULL, 0, 1004, err,
	    sizeof(err)), CS_OK);
	mailq_jobs_free(j, n);
	assert_int_equal(sql_int(fx, "SELECT count(*) FROM subscribers WHERE state = 'bounced'"
	    " AND email = 'bob@example.com' AND last_error = '550 no such user'"), 1);
	assert_int_equal(mailq_claim(fx->st, 1099, 60, 10, &j, &n, err, sizeof(err)), CS_OK);
	assert_int_equal(n, 0);
	assert_int_equal(mailq_claim(fx->st, 1100, 60, 10, &j, &n, err, sizeof(err)), CS_OK);
	assert_int_equal(n, 1);
	assert_string_equal(j[0].email, "ann@example.com");
	assert_int_equal(j[0].attempts, 2);
	mailq_jobs_free(j, n);
}

/* A lease that runs out lets another claim take the delivery; the first claim's ack is refused. */
static void
test_lease_and_token(void **state)
{
	struct fx *fx = *state;
	struct mailq_job *a = NULL, *b = NULL;
	char err[CS_ERRLEN] = "";
	size_t na = 0, nb = 0, r = 0;

	mailing(fx, "incident:6", 2, "[\"inbound-voice\"]", 1000, &r);
	assert_int_equal(r, 1);
	assert_int_equal(mailq_claim(fx->st, 1000, 60, 10, &a, &na, err, sizeof(err)), CS_OK);
	assert_int_equal(na, 1);
	assert_int_equal(mailq_claim(fx->st, 1059, 60, 10, &b, &nb, err, sizeof(err)), CS_OK);
	assert_int_equal(nb, 0);
	assert_int_equal(mailq_claim(fx->st, 1060, 60, 10, &b, &nb, err, sizeof(err)), CS_OK);
	assert_int_equal(nb, 1);
	assert_true(a[0].claim_token != b[0].claim_token);
	assert_int_equal(mailq_ack(fx->st, &a[0], MAILQ_SENT, 250, NULL, 0, 1061, err, sizeof(err)),
	    CS_ERR_STATE);
	assert_non_null(strstr(err, "no longer current"));
	assert_int_equal(mailq_ack(fx->st, &b[0], MAILQ_SENT, 250, NULL, 0, 1061, err, sizeof(err)),
	    CS_OK);
	mailq_jobs_free(a, na);
	mailq_jobs_free(b, nb);
}

/* The window folds a burst into one mailing; history older than max_age is never mailed. */
static void
test_window_and_expiry(void **state)
{
	struct fx *fx = *state;
	struct mailq_row *rows = NULL;
	char err[CS_ERRLEN] = "";
	size_t n = 0, r = 0;
	int64_t next = 0, row = 0;

	assert_int_equal(outbox_fanout(fx->st, OUTBOX_EMAIL, "incident:9", "update:1", "{\"u\":1}",
	    10, NULL, err, sizeof(err)), CS_OK);
	assert_int_equal(outbox_fanout(fx->st, OUTBOX_EMAIL, "incident:3", "update:1", "{\"u\":1}",
	    100000, NULL, err, sizeof(err)), CS_OK);
	assert_int_equal(mailq_next_subject(fx->st, 100000, 600, 86400, &rows, &n, &next, err,
	    sizeof(err)), CS_OK);
	/* incident:9's row is from long ago: expired, never mailed. */
	assert_int_equal(sql_int(fx, "SELECT count(*) FROM outbox WHERE state = 'expired'"
	    " AND subject = 'incident:9'"), 1);
	assert_int_equal(n, 1);
	assert_string_equal(rows[0].subject, "incident:3");
	row = rows[0].id;
	mailq_rows_free(rows, n);
	mailing_of(fx, "incident:3", 2, "[]", row, 100000, &r);
	/* Every confirmed subscriber with a matching priority: ann and bob (cat wants P1). */
	assert_int_equal(r, 2);
	assert_int_equal(sql_int(fx, "SELECT count(*) FROM outbox WHERE state = 'mailed'"), 1);

	/* Two more updates within ten minutes: held, then one mailing carries both. */
	assert_int_equal(outbox_fanout(fx->st, OUTBOX_EMAIL, "incident:3", "update:2", "{\"u\":2}",
	    100060, NULL, err, sizeof(err)), CS_OK);
	assert_int_equal(outbox_fanout(fx->st, OUTBOX_EMAIL, "incident:3", "update:3", "{\"u\":3}",
	    100120, NULL, err, sizeof(err)), CS_OK);
	assert_int_equal(mailq_next_subject(fx->st, 100300, 600, 86400, &rows, &n, &next, err,
	    sizeof(err)), CS_OK);
	assert_int_equal(n, 0);
	assert_int_equal(next, 100600);
	assert_int_equal(mailq_next_subject(fx->st, 100600, 600, 86400, &rows, &n, &next, err,
	    sizeof(err)), CS_OK);
	assert_int_equal(n, 2);
	assert_string_equal(rows[0].payload, "{\"u\":2}");
	assert_string_equal(rows[1].payload, "{\"u\":3}");
	mailq_rows_free(rows, n);
}

/*
 * A replay's mailer passes max_age 0: its clock moves hours per second, so
 * nothing it owes expires; an old row is planned and its deliveries stay.
 */
static void
test_no_expiry_in_replay(void **state)
{
	struct fx *fx = *state;
	struct mailq_row *rows = NULL;
	char err[CS_ERRLEN] = "";
	size_t n = 0, r = 0, settled = 9;
	int64_t next = 0, row = 0;

	assert_int_equal(outbox_fanout(fx->st, OUTBOX_EMAIL, "incident:9", "update:1", "{\"u\":1}",
	    10, NULL, err, sizeof(err)), CS_OK);
	assert_int_equal(mailq_next_subject(fx->st, 10 * 86400, 600, 0, &rows, &n, &next, err,
	    sizeof(err)), CS_OK);
	assert_int_equal(sql_int(fx, "SELECT count(*) FROM outbox WHERE state = 'expired'"), 0);
	assert_int_equal(n, 1);
	assert_string_equal(rows[0].subject, "incident:9");
	row = rows[0].id;
	mailq_rows_free(rows, n);
	mailing_of(fx, "incident:9", 2, "[]", row, 10, &r);
	assert_int_equal(r, 2);
	/* Ten days later in the replay's time: the deliveries are still pending, none dead. */
	assert_int_equal(mailq_sweep(fx->st, 10 * 86400, 0, &settled, err, sizeof(err)), CS_OK);
	assert_int_equal(settled, 0);
	assert_int_equal(sql_int(fx, "SELECT count(*) FROM deliveries WHERE state = 'pending'"), 2);
	/* The same sweep by a real clock's max_age: dead, "expired". */
	assert_int_equal(mailq_sweep(fx->st, 10 * 86400, 86400, &settled, err, sizeof(err)), CS_OK);
	assert_int_equal(settled, 2);
	assert_int_equal(sql_int(fx, "SELECT count(*) FROM deliveries WHERE state = 'dead'"), 2);
}

/* Confirmation tokens: single use, expiring, all failures alike. */
static void
test_tokens(void **state)
{
	struct fx *fx = *state;
	char err[CS_ERRLEN] = "";
	int64_t id = 0;
	size_t n = 0;

	assert_int_equal(store_sub_token_add(fx->st, "aa", fx->dan, 1000, 1000 + 172800, err,
	    sizeof(err)), CS_OK);
	assert_int_equal(store_sub_token_add(fx->st, "bb", fx->dan, 1000, 2000, err, sizeof(err)),
	    CS_OK);
	assert_int_equal(store_sub_token_use(fx->st, "aa", 1500, &id, err, sizeof(err)), CS_OK);
	assert_int_equal(id, fx->dan);
	assert_int_equal(store_sub_token_use(fx->st, "aa", 1501, &id, err, sizeof(err)),
	    CS_ERR_NOTFOUND);
	assert_int_equal(store_sub_token_use(fx->st, "bb", 2000, &id, err, sizeof(err)),
	    CS_ERR_NOTFOUND);
	assert_int_equal(store_sub_token_use(fx->st, "cc", 1000, &id, err, sizeof(err)),
	    CS_ERR_NOTFOUND);
	assert_int_equal(store_sub_tokens_since(fx->st, fx->dan, 1000, &n, err, sizeof(err)), CS_OK);
	assert_int_equal(n, 2);
	assert_int_equal(store_sub_tokens_since(fx->st, fx->dan, 1001, &n, err, sizeof(err)), CS_OK);
	assert_int_equal(n, 0);
}

/* The store file holds personal data: only its owner may read it. */
static void
test_private_file(void **state)
{
	struct fx *fx = *state;
	char path[256];
	struct stat sb;

	snprintf(path, sizeof(path), "%s/clickstatus.db", fx->dir);
	assert_int_equal(stat(path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
}

/* An address shown in a log keeps its first letter and domain only. */
static void
test_mask(void **state)
{
	char buf[64];

	(void)state;
	store_sub_mask("jane.doe@example.com", buf, sizeof(buf));
	assert_string_equal(buf, "j***@example.com");
	store_sub_mask("nonsense", buf, sizeof(buf));
	assert_string_equal(buf, "***");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_fan_out_matches, setup, teardown),
		cmocka_unit_test_setup_teardown(test_supersede_and_ack, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lease_and_token, setup, teardown),
		cmocka_unit_test_setup_teardown(test_window_and_expiry, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_expiry_in_replay, setup, teardown),
		cmocka_unit_test_setup_teardown(test_tokens, setup, teardown),
		cmocka_unit_test_setup_teardown(test_private_file, setup, teardown),
		cmocka_unit_test(test_mask),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
