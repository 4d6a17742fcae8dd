/* store_mailq.c: the email queue (mailq.h): mailings, their fan-out into deliveries, claims and acks. */
#include "store/store_priv.h"
#include "store/mailq.h"
#include "store/subscribers.h"

#include "base/cstime.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* Most deliveries one claim returns. */
#define MAILQ_CLAIM_MAX 4096

/*
 * Who gets a mailing: confirmed subscribers whose lowest wanted priority
 * is at or below the mailing's (P1 is 1: a P2 incident reaches those who
 * want "P1 to P2" and more), and who follow one of its components, or all
 * (components_json NULL). A mailing that names no component (the site as
 * a whole) reaches every confirmed subscriber whose priority matches.
 */
static cs_err
fan_out(struct store *st, int64_t id, const struct mailq_new *m, int64_t now, size_t *n,
    char *err, size_t errlen)
{
	int changes = 0;
	cs_err rc;

	if (m->no_recipients) {
		*n = 0;
		return CS_OK;
	}
	if (m->subscriber_id > 0)
		rc = store_exec(st, &changes, "address a mailing", err, errlen,
		    "INSERT INTO deliveries(mailing_id, subscriber_id, state, next_attempt_at)"
		    " VALUES (?1, ?2, 'pending', ?3)", "LLL", id, m->subscriber_id, now);
	else
		rc = store_exec(st, &changes, "fan a mailing out", err, errlen,
		    "INSERT INTO deliveries(mailing_id, subscriber_id, state, next_attempt_at)"
		    " SELECT ?1, s.id, 'pending', ?2 FROM subscribers s WHERE s.state = 'confirmed'"
		    " AND (?3 = 0 OR s.min_priority >= ?3)"
		    " AND (s.components_json IS NULL OR json_array_length(?4) = 0 OR EXISTS"
		    "  (SELECT 1 FROM json_each(s.components_json) a, json_each(?4) b"
		    "   WHERE a.value = b.value))",
		    "LLis", id, now, m->priority, m->components_json);
	*n = rc == CS_OK ? (size_t)changes : 0;
	if (rc != CS_OK || m->subscriber_id > 0)
		return rc;
	/* The new mail says everything an older one of its subject not yet sent would. */
	return store_exec(st, NULL, "supersede older deliveries", err, errlen,
	    "UPDATE deliveries SET state = 'superseded', done_at = ?3"
	    " WHERE state = 'pending' AND mailing_id IN"
	    "  (SELECT id FROM mailings WHERE subject = ?2 AND id < ?1)"
	    " AND subscriber_id IN (SELECT subscriber_id FROM deliveries WHERE mailing_id = ?1)",
	    "LsL", id, m->subject, now);
}

cs_err
mailq_create(struct store *st, const struct mailq_new *m, int64_t now, int64_t *id,
    size_t *recipients, char *err, size_t errlen)
{
	int own = 0;
	cs_err rc;

	*id = 0;
	*recipients = 0;
	if (m->subject == NULL || m->kind == NULL || m->components_json == NULL ||
	    m->content_json == NULL)
		return cs_seterr(err, errlen, CS_ERR_USAGE, "%s: mailing without subject, kind,"
		    " components or content", st->path);
	rc = store_op_begin(st, &own, err, errlen);
	if (rc != CS_OK)
		return rc;
	rc = store_exec(st, NULL, "add mailing", err, errlen,
	    "INSERT INTO mailings(subject, kind, outbox_first, outbox_last, created_at, priority,"
	    " components_json, content_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
	    "ssLLLiss", m->subject, m->kind, m->outbox_first, m->outbox_last, now, m->priority,
	    m->components_json, m->content_json);
	if (rc == CS_OK) {
		*id = (int64_t)sqlite3_last_insert_rowid(st->db);
		rc = fan_out(st, *id, m, now, recipients, err, errlen);
	}
	if (rc == CS_OK && m->outbox_first > 0)
		rc = store_exec(st, NULL, "settle mailed outbox rows", err, errlen,
		    "UPDATE outbox SET state = 'mailed', delivered_at = ?1"
		    " WHERE channel = 'email' AND subject = ?2 AND id BETWEEN ?3 AND ?4"
		    " AND delivered_at IS NULL", "LsLL", now, m->subject, m->outbox_first,
		    m->outbox_last);
	rc = store_op_end(st, own, rc, err, errlen);
	if (rc != CS_OK) {
		*id = 0;
		*recipients = 0;
	}
	return rc;
}

void
mailq_rows_free(struct mailq_row *rows, size_t n)
{
	for (size_t i = 0; rows != NULL && i < n; i++) {
		free(rows[i].subject);
		free(rows[i].payload);
	}
	free(rows);
}

/* Every pending email row of subject, in id order, into an owned array. */
static cs_err
subject_rows(struct store *st, const char *subject, struct mailq_row **rows, size_t *n,
    char *err, size_t errlen)
{
	struct mailq_row *v = NULL, *nv;
	sqlite3_stmt *s = NULL;
	size_t cnt = 0, cap = 0;
	cs_err rc;
	int row;

	rc = store_query(st, &s, err, errlen, "SELECT id, subject, payload, created_at FROM outbox"
	    " WHERE channel = 'email' AND subject = ?1 AND delivered_at IS NULL ORDER BY id",
	    "s", subject);
	while (rc == CS_OK) {
		rc = store_step(st, s, &row, "read email rows", err, errlen);
		if (rc != CS_OK || !row)
			break;
		if (cnt == cap) {
			cap = cap ? cap * 2 : 8;
			nv = realloc(v, cap * sizeof(*v));
			if (nv == NULL) {
				rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "store: out of memory");
				break;
			}
			v = nv;
		}
		memset(&v[cnt], 0, sizeof(v[cnt]));
		v[cnt].id = sqlite3_column_int64(s, 0);
		v[cnt].created_at = sqlite3_column_int64(s, 3);
		cnt++;
		rc = store_col_dup(s, 1, &v[cnt - 1].subject, err, errlen);
		if (rc == CS_OK)
			rc = store_col_dup(s, 2, &v[cnt - 1].payload, err, errlen);
	}
	store_release(st, s);
	if (rc != CS_OK) {
		mailq_rows_free(v, cnt);
		v = NULL;
		cnt = 0;
	}
	*rows = v;
	*n = cnt;
	return rc;
}

/*
 * The window: a subject mailed at t is not mailed again before t + window,
 * so a burst of updates becomes one mail, while the first mail of a
 * subject goes out at once.
 */
cs_err
mailq_next_subject(struct store *st, int64_t now, int64_t window, int64_t max_age,
    struct mailq_row **rows, size_t *n, int64_t *next_due, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	char *subject = NULL;
	cs_err rc;
	int row;

	*rows = NULL;
	*n = 0;
	*next_due = 0;
	rc = store_exec(st, NULL, "expire email rows", err, errlen,
	    "UPDATE outbox SET state = 'expired', delivered_at = ?1,"
	    " last_error = 'expired: older than email.max_age when the mailer first saw it'"
	    " WHERE channel = 'email' AND delivered_at IS NULL AND ?2 > 0 AND created_at < ?1 - ?2",
	    "LL", now, max_age);
	if (rc == CS_OK)
		rc = store_query(st, &s, err, errlen,
		    "SELECT o.subject, (SELECT max(created_at) FROM mailings m WHERE m.subject = o.subject)"
		    " FROM outbox o WHERE o.channel = 'email' AND o.delivered_at IS NULL"
		    " AND o.subject IS NOT NULL AND o.created_at <= ?1"
		    " GROUP BY o.subject ORDER BY min(o.id)", "L", now);
	while (rc == CS_OK) {
		int64_t last, due;

		rc = store_step(st, s, &row, "find email subjects", err, errlen);
		if (rc != CS_OK || !row)
			break;
		last = sqlite3_column_type(s, 1) == SQLITE_NULL ? -1 : sqlite3_column_int64(s, 1);
		due = last < 0 ? now : last + window;
		if (due <= now) {
			rc = store_col_dup(s, 0, &subject, err, errlen);
			break;
		}
		if (*next_due == 0 || due < *next_due)
			*next_due = due;
	}
	store_release(st, s);
	if (rc == CS_OK && subject != NULL)
		rc = subject_rows(st, subject, rows, n, err, errlen);
	free(subject);
	return rc;
}

cs_err
mailq_sweep(struct store *st, int64_t now, int64_t max_age, size_t *settled, char *err,
    size_t errlen)
{
	int a = 0, b = 0;
	cs_err rc;

	if (settled != NULL)
		*settled = 0;
	rc = store_exec(st, &a, "expire deliveries", err, errlen,
	    "UPDATE deliveries SET state = 'dead', done_at = ?1,"
	    " last_error = 'expired: not delivered within email.max_age'"
	    " WHERE state = 'pending' AND ?2 > 0 AND mailing_id IN"
	    "  (SELECT id FROM mailings WHERE created_at < ?1 - ?2)", "LL", now, max_age);
	if (rc == CS_OK)
		rc = store_exec(st, &b, "drop deliveries of former subscribers", err, errlen,
		    "UPDATE deliveries SET state = 'dropped', done_at = ?1"
		    " WHERE state = 'pending' AND subscriber_id IN"
		    "  (SELECT id FROM subscribers WHERE state <> 'confirmed')"
		    " AND mailing_id NOT IN (SELECT id FROM mailings WHERE kind IN"
		    "  ('confirm', 'welcome_back'))", "L", now);
	if (rc == CS_OK && settled != NULL)
		*settled = (size_t)a + (size_t)b;
	return rc;
}

void
mailq_jobs_free(struct mailq_job *jobs, size_t n)
{
	for (size_t i = 0; jobs != NULL && i < n; i++) {
		free(jobs[i].email);
		free(jobs[i].secret);
		free(jobs[i].kind);
		free(jobs[i].content_json);
	}
	free(jobs);
}

/* The due deliveries, oldest mailing first, into the owned array v[max]. */
static cs_err
select_due(struct store *st, int64_t now, size_t max, struct mailq_job *v, size_t *n,
    char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	cs_err rc;
	int row;

	*n = 0;
	rc = store_query(st, &s, err, errlen,
	    "SELECT d.mailing_id, d.subscriber_id, d.attempts, s.email, s.secret, m.kind,"
	    " m.content_json, m.created_at FROM deliveries d"
	    " JOIN subscribers s ON s.id = d.subscriber_id JOIN mailings m ON m.id = d.mailing_id"
	    " WHERE d.state = 'pending' AND d.next_attempt_at <= ?1"
	    " ORDER BY d.mailing_id, d.subscriber_id LIMIT ?2", "LL", now, (int64_t)max);
	while (rc == CS_OK) {
		struct mailq_job *j;

		rc = store_step(st, s, &row, "claim deliveries", err, errlen);
		if (rc != CS_OK || !row)
			break;
		j = &v[(*n)++];
		j->mailing_id = sqlite3_column_int64(s, 0);
		j->subscriber_id = sqlite3_column_int64(s, 1);
		j->attempts = sqlite3_column_int(s, 2) + 1;
		j->created_at = sqlite3_column_int64(s, 7);
		rc = store_col_dup(s, 3, &j->email, err, errlen);
		if (rc == CS_OK)
			rc = store_col_dup(s, 4, &j->secret, err, errlen);
		if (rc == CS_OK)
			rc = store_col_dup(s, 5, &j->kind, err, errlen);
		if (rc == CS_OK)
			rc = store_col_dup(s, 6, &j->content_json, err, errlen);
	}
	store_release(st, s);
	return rc;
}

cs_err
mailq_claim(struct store *st, int64_t now, int64_t lease, size_t max, struct mailq_job **jobs,
    size_t *n, char *err, size_t errlen)
{
	struct mailq_job *v = NULL;
	size_t nv = 0;
	int64_t token = 0;
	int own = 0;
	cs_err rc;

	*jobs = NULL;
	*n = 0;
	if (max == 0 || max > MAILQ_CLAIM_MAX || lease < 0)
		return cs_seterr(err, errlen, CS_ERR_USAGE,
		    "%s: delivery claim of %zu with lease %" PRId64 " (1..%d, lease >= 0)", st->path,
		    max, lease, MAILQ_CLAIM_MAX);
	v = calloc(max, sizeof(*v));
	if (v == NULL)
		return cs_seterr(err, errlen, CS_ERR_NOMEM, "store: out of memory");
	rc = store_op_begin(st, &own, err, errlen);
	if (rc != CS_OK)
		goto out;
	rc = store_claim_token(st, &token, err, errlen);
	if (rc == CS_OK)
		rc = select_due(st, now, max, v, &nv, err, errlen);
	for (size_t i = 0; rc == CS_OK && i < nv; i++) {
		v[i].claim_token = token;
		rc = store_exec(st, NULL, "lease delivery", err, errlen,
		    "UPDATE deliveries SET attempts = attempts + 1, next_attempt_at = ?3,"
		    " claim_token = ?4 WHERE mailing_id = ?1 AND subscriber_id = ?2",
		    "LLLL", v[i].mailing_id, v[i].subscriber_id, now + lease, token);
	}
	rc = store_op_end(st, own, rc, err, errlen);
out:
	if (rc != CS_OK || nv == 0) {
		mailq_jobs_free(v, nv);
		v = NULL;
		nv = 0;
	}
	*jobs = v;
	*n = nv;
	return rc;
}

cs_err
mailq_ack(struct store *st, const struct mailq_job *j, enum mailq_outcome outcome, int code,
    const char *error, int64_t retry_at, int64_t now, char *err, size_t errlen)
{
	static const char *const states[] = { "sent", "pending", "bounced", "dead" };
	int changes = 0, own = 0;
	cs_err rc;

	if ((int)outcome < MAILQ_SENT || outcome > MAILQ_DEAD)
		return cs_seterr(err, errlen, CS_ERR_USAGE, "%s: delivery outcome %d", st->path,
		    (int)outcome);
	if (retry_at < now)
		retry_at = now;
	rc = store_op_begin(st, &own, err, errlen);
	if (rc != CS_OK)
		return rc;
	rc = store_exec(st, &changes, "acknowledge delivery", err, errlen,
	    "UPDATE deliveries SET state = ?4, last_code = ?5, last_error = ?6,"
	    " next_attempt_at = CASE WHEN ?4 = 'pending' THEN ?7 ELSE next_attempt_at END,"
	    " done_at = CASE WHEN ?4 = 'pending' THEN 0 ELSE ?8 END, claim_token = 0"
	    " WHERE mailing_id = ?1 AND subscriber_id = ?2 AND claim_token = ?3"
	    " AND state = 'pending'", "LLLsisLL", j->mailing_id, j->subscriber_id, j->claim_token,
	    states[outcome], code, error, retry_at, now);
	if (rc == CS_OK && changes == 0)
		rc = cs_seterr(err, errlen, CS_ERR_STATE, "%s: delivery of mailing %" PRId64
		    " to subscriber #%" PRId64 ": claim %" PRId64 " is no longer current", st->path,
		    j->mailing_id, j->subscriber_id, j->claim_token);
	/* A relay's final refusal of the address: no more mail is sent to it. */
	if (rc == CS_OK && outcome == MAILQ_BOUNCED)
		rc = store_exec(st, NULL, "mark subscriber bounced", err, errlen,
		    "UPDATE subscribers SET state = 'bounced', last_error = ?2, updated_at = ?3"
		    " WHERE id = ?1 AND state IN ('pending', 'confirmed')", "LsL", j->subscriber_id,
		    error, now);
	/* The confirmation token's one plain copy goes with the mail that carried it. */
	if (rc == CS_OK && outcome != MAILQ_RETRY)
		rc = store_exec(st, NULL, "erase confirmation mail", err, errlen,
		    "UPDATE mailings SET content_json = NULL WHERE id = ?1 AND kind = 'confirm'",
		    "L", j->mailing_id);
	return store_op_end(st, own, rc, err, errlen);
}

cs_err
mailq_count(struct store *st, struct mailq_counts *c, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	cs_err rc;
	int row;

	memset(c, 0, sizeof(*c));
	rc = store_query(st, &s, err, errlen, "SELECT state, count(*), min(next_attempt_at)"
	    " FROM deliveries GROUP BY state", "");
	while (rc == CS_OK) {
		const char *state;
		size_t k;

		rc = store_step(st, s, &row, "count deliveries", err, errlen);
		if (rc != CS_OK || !row)
			break;
		state = store_col_text(s, 0);
		k = (size_t)sqlite3_column_int64(s, 1);
		if (strcmp(state, "pending") == 0) {
			c->pending = k;
			c->next_due = sqlite3_column_int64(s, 2);
		} else if (strcmp(state, "sent") == 0) {
			c->sent = k;
		} else if (strcmp(state, "bounced") == 0) {
			c->bounced = k;
		} else if (strcmp(state, "dead") == 0) {
			c->dead = k;
		} else if (strcmp(state, "superseded") == 0) {
			c->superseded = k;
		} else if (strcmp(state, "dropped") == 0) {
			c->dropped = k;
		}
	}
	store_release(st, s);
	if (rc == CS_OK)
		rc = store_outbox_pending_count(st, "email", &c->outbox_pending, err, errlen);
	return rc;
}

cs_err
mailq_scrub(struct store *st, int64_t mailing_id, char *err, size_t errlen)
{
	return store_exec(st, NULL, "erase mailing content", err, errlen,
	    "UPDATE mailings SET content_json = NULL WHERE id = ?1", "L", mailing_id);
}

cs_err
store_set_batched_durability(struct store *st, char *err, size_t errlen)
{
	return store_run(st, "PRAGMA synchronous = NORMAL", "set synchronous", err, errlen);
}

cs_err
mailq_retry_dead(struct store *st, int64_t now, size_t *n, char *err, size_t errlen)
{
	int changes = 0;
	cs_err rc;

	/* Not one a newer mail of its subject has since reached (or will reach) the same person. */
	rc = store_exec(st, &changes, "retry dead deliveries", err, errlen,
	    "UPDATE deliveries SET state = 'pending', attempts = 0, next_attempt_at = ?1, done_at = 0"
	    " WHERE state = 'dead' AND NOT EXISTS (SELECT 1 FROM deliveries d2"
	    "  JOIN mailings m2 ON m2.id = d2.mailing_id JOIN mailings m1 ON m1.id = deliveries.mailing_id"
	    "  WHERE d2.subscriber_id = deliveries.subscriber_id AND m2.subject = m1.subject"
	    "  AND m2.id > m1.id AND d2.state IN ('pending', 'sent'))", "L", now);
	*n = rc == CS_OK ? (size_t)changes : 0;
	return rc;
}

cs_err
mailq_print_dead(struct store *st, FILE *fp, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	char masked[128], when[32];
	cs_err rc;
	int row, any = 0;

	rc = store_query(st, &s, err, errlen, "SELECT d.mailing_id, m.subject, d.subscriber_id,"
	    " s.email, d.attempts, d.done_at, d.last_error FROM deliveries d"
	    " JOIN mailings m ON m.id = d.mailing_id JOIN subscribers s ON s.id = d.subscriber_id"
	    " WHERE d.state = 'dead' ORDER BY d.mailing_id, d.subscriber_id LIMIT 1000", "");
	while (rc == CS_OK) {
		rc = store_step(st, s, &row, "list dead deliveries", err, errlen);
		if (rc != CS_OK || !row)
			break;
		if (!any++)
			fprintf(fp, "\ndead deliveries (first 1000):\n");
		store_sub_mask(store_col_text(s, 3), masked, sizeof(masked));
		cstime_format_iso8601(sqlite3_column_int64(s, 5), when, sizeof(when));
		fprintf(fp, "  mailing %lld (%s) to #%lld %s: %d attempts, given up %s: %s\n",
		    (long long)sqlite3_column_int64(s, 0), store_col_text(s, 1),
		    (long long)sqlite3_column_int64(s, 2), masked, sqlite3_column_int(s, 4), when,
		    store_col_text(s, 6));
	}
	store_release(st, s);
	return rc;
}

cs_err
mailq_release(struct store *st, int64_t now, size_t *n, char *err, size_t errlen)
{
	int changes = 0;
	cs_err rc;

	/* A claim leases the row into the future; an unclaimed pending row keeps its retry time. */
	rc = store_exec(st, &changes, "release delivery claims", err, errlen,
	    "UPDATE deliveries SET next_attempt_at = ?1, claim_token = 0"
	    " WHERE state = 'pending' AND claim_token != 0 AND next_attempt_at > ?1", "L", now);
	if (n != NULL)
		*n = rc == CS_OK ? (size_t)changes : 0;
	return rc;
}
