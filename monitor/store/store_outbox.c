/* store_outbox.c: the transactional outbox: what the store's decisions owe the outside world. */
#include "store/store_priv.h"

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

cs_err
store_outbox_add(struct store *st, const char *channel, const char *dedup_key,
    const char *payload_json, int64_t now, int *added, char *err, size_t errlen)
{
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
	rc = store_exec(st, &changes, "add outbox message", err, errlen,
	    "INSERT INTO outbox(channel, dedup_key, payload, created_at, next_attempt_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?4) ON CONFLICT(dedup_key) DO NOTHING",
	    "sssL", channel, dedup_key, payload_json, now);
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
	rc = store_query(st, &s, err, errlen,
	    "SELECT id, channel, dedup_key, payload, created_at, attempts, last_error"
	    " FROM outbox WHERE channel = ?1 AND delivered_at IS NULL"
	    " AND next_attempt_at <= ?2 ORDER BY id LIMIT ?3",
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
	struct store_outbox_msg *v = NULL;
	size_t nv = 0;
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
	rc = outbox_select_due(st, channel, now, max, &v, &nv, err, errlen);
	for (size_t i = 0; rc == CS_OK && i < nv; i++)
		rc = store_exec(st, NULL, "lease outbox message", err, errlen,
		    "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?1 WHERE id = ?2",
		    "LL", now + lease, v[i].id);
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

cs_err
store_outbox_delivered(struct store *st, int64_t id, int64_t now, char *err, size_t errlen)
{
	int changes = 0;
	cs_err rc;

	rc = store_exec(st, &changes, "mark outbox message delivered", err, errlen,
	    "UPDATE outbox SET delivered_at = coalesce(delivered_at, ?1), last_error = NULL"
	    " WHERE id = ?2", "LL", now, id);
	if (rc == CS_OK && changes == 0)
		rc = cs_seterr(err, errlen, CS_ERR_NOTFOUND, "%s: no outbox message %" PRId64,
		    st->path, id);
	return rc;
}

cs_err
store_outbox_failed(struct store *st, int64_t id, int64_t now, const char *error,
    int64_t retry_at, char *err, size_t errlen)
{
	int changes = 0, exists, delivered;
	cs_err rc;

	/* A retry time in the past would only mean "now". */
	if (retry_at < now)
		retry_at = now;
	rc = store_exec(st, &changes, "record outbox failure", err, errlen,
	    "UPDATE outbox SET last_error = ?1, next_attempt_at = ?2"
	    " WHERE id = ?3 AND delivered_at IS NULL", "sLL", error, retry_at, id);
	if (rc != CS_OK || changes > 0)
		return rc;
	rc = outbox_row_state(st, id, &exists, &delivered, err, errlen);
	if (rc != CS_OK)
		return rc;
	if (!exists)
		return cs_seterr(err, errlen, CS_ERR_NOTFOUND, "%s: no outbox message %" PRId64,
		    st->path, id);
	return cs_seterr(err, errlen, CS_ERR_STATE,
	    "%s: outbox message %" PRId64 " was already delivered", st->path, id);
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
