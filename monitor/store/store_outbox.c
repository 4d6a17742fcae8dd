/* store_outbox.c: the transactional outbox: what the store's decisions owe the outside world. */
#include "store/store_priv.h"

#include "base/cstime.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* Most rows one store_outbox_claim_due() may return. */
#define STORE_CLAIM_MAX 1024

/* Outbox channels; a new notifier adds its name here. */
static const char *const channels[] = { "site", "email", "mqtt" };

static int
channel_known(const char *channel)
{
	if (channel == NULL)
		return 0;
	for (size_t i = 0; i < sizeof(channels) / sizeof(channels[0]); i++)
		if (strcmp(channel, channels[i]) == 0)
			return 1;
	return 0;
}

/* ---- outbox ---- */

/*
 * The subject of a key (outbox.h): "incident:3" of "incident:3:update:2:email",
 * "site" of "site:render@1:site"; "" for a key of another shape (then the
 * row is ordered after nothing).
 */
static void
key_subject(const char *key, char *buf, size_t len)
{
	const char *c1, *c2;

	buf[0] = '\0';
	if (key == NULL)
		return;
	c1 = strchr(key, ':');
	if (c1 == NULL)
		return;
	if ((size_t)(c1 - key) == 4 && strncmp(key, "site", 4) == 0) {
		snprintf(buf, len, "site");
		return;
	}
	c2 = strchr(c1 + 1, ':');
	if (c2 == NULL || (size_t)(c2 - key) >= len)
		return;
	memcpy(buf, key, (size_t)(c2 - key));
	buf[c2 - key] = '\0';
}

cs_err
store_outbox_add(struct store *st, const char *channel, const char *dedup_key,
    const char *payload_json, int64_t now, int *added, char *err, size_t errlen)
{
	char subject[256];
	int changes = 0;
	cs_err rc;

	if (added != NULL)
		*added = 0;
	if (!channel_known(channel))
		return cs_seterr(err, errlen, CS_ERR_USAGE, "%s: unknown outbox channel '%s'",
		    st->path, channel != NULL ? channel : "(null)");
	if (payload_json == NULL)
		return cs_seterr(err, errlen, CS_ERR_USAGE, "%s: outbox message without payload",
		    st->path);
	key_subject(dedup_key, subject, sizeof(subject));
	rc = store_exec(st, &changes, "add outbox message", err, errlen,
	    "INSERT INTO outbox(channel, dedup_key, payload, created_at, next_attempt_at, subject)"
	    " VALUES (?1, ?2, ?3, ?4, ?4, ?5) ON CONFLICT(dedup_key) DO NOTHING",
	    "sssLs", channel, dedup_key, payload_json, now, subject[0] ? subject : NULL);
	if (rc == CS_OK && added != NULL)
		*added = changes > 0;
	return rc;
}

void
store_outbox_msgs_free(struct store_outbox_msg *msgs, size_t n)
{
	if (msgs == NULL)
		return;
	for (size_t i = 0; i < n; i++) {
		free(msgs[i].channel);
		free(msgs[i].dedup_key);
		free(msgs[i].payload);
		free(msgs[i].last_error);
	}
	free(msgs);
}

/*
 * A claim's token (store_priv.h): the previous one plus one, kept in meta,
 * so that every claim of every process differs (the counter is read and
 * written in the claim's own write transaction).
 */
cs_err
store_claim_token(struct store *st, int64_t *token, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	cs_err rc;
	int row;

	*token = 0;
	rc = store_exec(st, NULL, "count claims", err, errlen,
	    "INSERT INTO meta(key, value) VALUES ('outbox_claims', 1)"
	    " ON CONFLICT(key) DO UPDATE SET value = value + 1", "");
	if (rc == CS_OK)
		rc = store_query(st, &s, err, errlen,
		    "SELECT value FROM meta WHERE key = 'outbox_claims'", "");
	if (rc == CS_OK)
		rc = store_step(st, s, &row, "read claim count", err, errlen);
	if (rc == CS_OK && row)
		*token = sqlite3_column_int64(s, 0);
	store_release(st, s);
	return rc;
}

/* Reads the claimed rows into a new array (SELECT then UPDATE, inside store_op_begin()). */
static cs_err
outbox_select_due(struct store *st, const char *channel, int64_t now, size_t max,
    struct store_outbox_msg **msgs, size_t *n, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	struct store_outbox_msg *v = NULL, *m;
	size_t nv = 0;
	cs_err rc;
	int row;

	v = calloc(max, sizeof(*v));
	if (v == NULL) {
		rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "store: out of memory");
		goto out;
	}
	/*
	 * A row waits while an older row of its subject is undelivered: a
	 * retried "investigating" is never overtaken by its "resolved".
	 */
	rc = store_query(st, &s, err, errlen,
	    "SELECT id, channel, dedup_key, payload, created_at, attempts, last_error"
	    " FROM outbox o WHERE channel = ?1 AND delivered_at IS NULL"
	    " AND next_attempt_at <= ?2 AND (subject IS NULL OR NOT EXISTS (SELECT 1 FROM outbox p"
	    "  WHERE p.channel = o.channel AND p.subject = o.subject AND p.delivered_at IS NULL"
	    "  AND p.id < o.id)) ORDER BY id LIMIT ?3",
	    "sLL", channel, now, (int64_t)max);
	if (rc != CS_OK)
		goto out;
	for (;;) {
		rc = store_step(st, s, &row, "claim outbox messages", err, errlen);
		if (rc != CS_OK || !row)
			break;
		m = &v[nv++];
		m->id = sqlite3_column_int64(s, 0);
		m->created_at = sqlite3_column_int64(s, 4);
		m->attempts = sqlite3_column_int(s, 5) + 1;
		rc = store_col_dup(s, 1, &m->channel, err, errlen);
		if (rc == CS_OK)
			rc = store_col_dup(s, 2, &m->dedup_key, err, errlen);
		if (rc == CS_OK)
			rc = store_col_dup(s, 3, &m->payload, err, errlen);
		if (rc == CS_OK)
			rc = store_col_dup(s, 6, &m->last_error, err, errlen);
		if (rc != CS_OK)
			break;
	}
out:
	store_release(st, s);
	if (rc != CS_OK || nv == 0) {
		store_outbox_msgs_free(v, nv);
		v = NULL;
		nv = 0;
	}
	*msgs = v;
	*n = nv;
	return rc;
}

cs_err
store_outbox_claim_due(struct store *st, const char *channel, int64_t now, int64_t lease,
    size_t max, struct store_outbox_msg **msgs, size_t *n, char *err, size_t errlen)
{
	return store_outbox_claim(st, channel, now, lease, 0, max, msgs, n, err, errlen);
}

cs_err
store_outbox_claim(struct store *st, const char *channel, int64_t now, int64_t lease,
    int64_t max_age, size_t max, struct store_outbox_msg **msgs, size_t *n, char *err,
    size_t errlen)
{
	struct store_outbox_msg *v = NULL;
	size_t nv = 0;
	int64_t token;
	cs_err rc;
	int own = 0, begun = 0;

	*msgs = NULL;
	*n = 0;
	if (!channel_known(channel)) {
		rc = cs_seterr(err, errlen, CS_ERR_USAGE, "%s: unknown outbox channel '%s'",
		    st->path, channel != NULL ? channel : "(null)");
		goto out;
	}
	if (max > STORE_CLAIM_MAX || lease < 0) {
		rc = cs_seterr(err, errlen, CS_ERR_USAGE,
		    "%s: outbox claim of %zu rows with lease %" PRId64 " (at most %d rows, lease >= 0)",
		    st->path, max, lease, STORE_CLAIM_MAX);
		goto out;
	}
	if (max == 0) {
		rc = CS_OK;
		goto out;
	}
	rc = store_op_begin(st, &own, err, errlen);
	if (rc != CS_OK)
		goto out;
	begun = 1;
	/* History is never delivered: a row older than max_age when first due is expired. */
	if (max_age > 0)
		rc = store_exec(st, NULL, "expire outbox messages", err, errlen,
		    "UPDATE outbox SET state = 'expired', delivered_at = ?2,"
		    " last_error = 'expired: older than the channel delivers'"
		    " WHERE channel = ?1 AND delivered_at IS NULL AND created_at < ?2 - ?3",
		    "sLL", channel, now, max_age);
	if (rc == CS_OK)
		rc = store_claim_token(st, &token, err, errlen);
	if (rc == CS_OK)
		rc = outbox_select_due(st, channel, now, max, &v, &nv, err, errlen);
	for (size_t i = 0; rc == CS_OK && i < nv; i++) {
		v[i].claim_token = token;
		rc = store_exec(st, NULL, "lease outbox message", err, errlen,
		    "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?1, claim_token = ?3"
		    " WHERE id = ?2", "LLL", now + lease, v[i].id, token);
	}
out:
	if (begun)
		rc = store_op_end(st, own, rc, err, errlen);
	if (rc != CS_OK) {
		store_outbox_msgs_free(v, nv);
		v = NULL;
		nv = 0;
	}
	*msgs = v;
	*n = nv;
	return rc;
}

/* Sets *exists and *delivered for outbox row id. */
static cs_err
outbox_row_state(struct store *st, int64_t id, int *exists, int *delivered, char *err,
    size_t errlen)
{
	sqlite3_stmt *s = NULL;
	cs_err rc;
	int row;

	*exists = *delivered = 0;
	rc = store_query(st, &s, err, errlen, "SELECT delivered_at IS NOT NULL FROM outbox WHERE id = ?1",
	    "L", id);
	if (rc != CS_OK)
		goto out;
	rc = store_step(st, s, &row, "read outbox message", err, errlen);
	if (rc != CS_OK)
		goto out;
	*exists = row;
	*delivered = row && sqlite3_column_int(s, 0);
out:
	store_release(st, s);
	return rc;
}

/* Why an acknowledgement of row id under token changed nothing. */
static cs_err
ack_refused(struct store *st, int64_t id, int64_t token, char *err, size_t errlen)
{
	int exists, delivered;
	cs_err rc;

	rc = outbox_row_state(st, id, &exists, &delivered, err, errlen);
	if (rc != CS_OK)
		return rc;
	if (!exists)
		return cs_seterr(err, errlen, CS_ERR_NOTFOUND, "%s: no outbox message %" PRId64,
		    st->path, id);
	if (delivered)
		return cs_seterr(err, errlen, CS_ERR_STATE,
		    "%s: outbox message %" PRId64 " was already delivered", st->path, id);
	return cs_seterr(err, errlen, CS_ERR_STATE,
	    "%s: outbox message %" PRId64 ": claim %" PRId64 " is no longer current (its lease ran"
	    " out and another claim took the message)", st->path, id, token);
}

cs_err
store_outbox_delivered(struct store *st, int64_t id, int64_t token, int64_t now, char *err,
    size_t errlen)
{
	int changes = 0;
	cs_err rc;

	rc = store_exec(st, &changes, "mark outbox message delivered", err, errlen,
	    "UPDATE outbox SET delivered_at = ?1, state = 'delivered', last_error = NULL"
	    " WHERE id = ?2 AND claim_token = ?3 AND delivered_at IS NULL", "LLL", now, id, token);
	if (rc != CS_OK || changes > 0)
		return rc;
	/* The same claim saying it twice is harmless. */
	rc = store_exec(st, &changes, "re-mark outbox message", err, errlen,
	    "UPDATE outbox SET state = state WHERE id = ?1 AND claim_token = ?2 AND state = 'delivered'",
	    "LL", id, token);
	if (rc != CS_OK || changes > 0)
		return rc;
	return ack_refused(st, id, token, err, errlen);
}

cs_err
store_outbox_failed(struct store *st, int64_t id, int64_t token, int64_t now,
    const char *error, int64_t retry_at, char *err, size_t errlen)
{
	int changes = 0;
	cs_err rc;

	if (retry_at == 0) {
		rc = store_exec(st, &changes, "record outbox dead letter", err, errlen,
		    "UPDATE outbox SET last_error = ?1, state = 'dead', delivered_at = ?2"
		    " WHERE id = ?3 AND claim_token = ?4 AND delivered_at IS NULL", "sLLL", error, now,
		    id, token);
	} else {
		/* A retry time in the past would only mean "now". */
		if (retry_at < now)
			retry_at = now;
		rc = store_exec(st, &changes, "record outbox failure", err, errlen,
		    "UPDATE outbox SET last_error = ?1, next_attempt_at = ?2"
		    " WHERE id = ?3 AND claim_token = ?4 AND delivered_at IS NULL", "sLLL", error,
		    retry_at, id, token);
	}
	if (rc != CS_OK || changes > 0)
		return rc;
	return ack_refused(st, id, token, err, errlen);
}

cs_err
store_outbox_retry_dead(struct store *st, const char *channel, int64_t now, size_t *n,
    char *err, size_t errlen)
{
	int changes = 0;
	cs_err rc;

	rc = store_exec(st, &changes, "retry dead outbox messages", err, errlen,
	    "UPDATE outbox SET state = 'pending', delivered_at = NULL, attempts = 0,"
	    " next_attempt_at = ?1 WHERE state = 'dead' AND (?2 IS NULL OR channel = ?2)",
	    "Ls", now, channel);
	*n = rc == CS_OK ? (size_t)changes : 0;
	return rc;
}

cs_err
store_outbox_release(struct store *st, const char *channel, int64_t now, size_t *n, char *err,
    size_t errlen)
{
	int changes = 0;
	cs_err rc;

	rc = store_exec(st, &changes, "release outbox claims", err, errlen,
	    "UPDATE outbox SET next_attempt_at = ?2, claim_token = 0 WHERE channel = ?1"
	    " AND state = 'pending' AND delivered_at IS NULL AND next_attempt_at > ?2", "sL",
	    channel, now);
	if (n != NULL)
		*n = rc == CS_OK ? (size_t)changes : 0;
	return rc;
}

cs_err
store_outbox_pending_count(struct store *st, const char *channel, size_t *count,
    char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	cs_err rc;
	int row;

	*count = 0;
	rc = store_query(st, &s, err, errlen,
	    "SELECT count(*) FROM outbox WHERE delivered_at IS NULL"
	    " AND (?1 IS NULL OR channel = ?1)", "s", channel);
	if (rc != CS_OK)
		goto out;
	rc = store_step(st, s, &row, "count outbox messages", err, errlen);
	if (rc == CS_OK && row)
		*count = (size_t)sqlite3_column_int64(s, 0);
out:
	store_release(st, s);
	return rc;
}

cs_err
store_outbox_print(struct store *st, FILE *fp, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	char when[32];
	cs_err rc;
	int row, any = 0;

	fprintf(fp, "%-8s %-10s %8s\n", "CHANNEL", "STATE", "ROWS");
	rc = store_query(st, &s, err, errlen, "SELECT channel, state, count(*) FROM outbox"
	    " GROUP BY channel, state ORDER BY channel, state", "");
	while (rc == CS_OK) {
		rc = store_step(st, s, &row, "count outbox rows", err, errlen);
		if (rc != CS_OK || !row)
			break;
		fprintf(fp, "%-8s %-10s %8lld\n", store_col_text(s, 0), store_col_text(s, 1),
		    (long long)sqlite3_column_int64(s, 2));
	}
	store_release(st, s);
	s = NULL;
	if (rc == CS_OK)
		rc = store_query(st, &s, err, errlen, "SELECT id, channel, dedup_key, attempts,"
		    " delivered_at, last_error FROM outbox WHERE state = 'dead' ORDER BY id", "");
	while (rc == CS_OK) {
		rc = store_step(st, s, &row, "list dead letters", err, errlen);
		if (rc != CS_OK || !row)
			break;
		if (!any++)
			fprintf(fp, "\ndead letters (given up; `clickstatus outbox --retry-dead` makes"
			    " them due again):\n");
		cstime_format_iso8601(sqlite3_column_int64(s, 4), when, sizeof(when));
		fprintf(fp, "  #%lld %s %s: %d attempts, given up %s: %s\n",
		    (long long)sqlite3_column_int64(s, 0), store_col_text(s, 1), store_col_text(s, 2),
		    sqlite3_column_int(s, 3), when, store_col_text(s, 5));
	}
	store_release(st, s);
	return rc;
}

cs_err
store_outbox_count_state(struct store *st, const char *channel, const char *state, size_t *count,
    char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	cs_err rc;
	int row;

	*count = 0;
	rc = store_query(st, &s, err, errlen,
	    "SELECT count(*) FROM outbox WHERE state = ?2 AND (?1 IS NULL OR channel = ?1)",
	    "ss", channel, state);
	if (rc == CS_OK)
		rc = store_step(st, s, &row, "count outbox messages", err, errlen);
	if (rc == CS_OK && row)
		*count = (size_t)sqlite3_column_int64(s, 0);
	store_release(st, s);
	return rc;
}
