/* store_subscriber.c: subscribers and confirmation tokens in the store (subscribers.h). */
#include "store/store_priv.h"
#include "store/subscribers.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const sub_states[] = { "pending", "confirmed", "unsubscribed", "bounced" };

static int
state_known(const char *state)
{
	for (size_t i = 0; state != NULL && i < sizeof(sub_states) / sizeof(sub_states[0]); i++)
		if (strcmp(state, sub_states[i]) == 0)
			return 1;
	return 0;
}

void
store_subscriber_clear(struct store_subscriber *s)
{
	if (s == NULL)
		return;
	free(s->email);
	free(s->state);
	free(s->components_json);
	free(s->secret);
	free(s->source);
	free(s->last_error);
	memset(s, 0, sizeof(*s));
}

#define SUB_COLUMNS "id, email, state, components_json, min_priority, secret, source," \
	" created_at, confirmed_at, updated_at, last_error"

/* Reads one row of SUB_COLUMNS into an owned *out. */
static cs_err
sub_row(sqlite3_stmt *s, struct store_subscriber *out, char *err, size_t errlen)
{
	cs_err rc;

	memset(out, 0, sizeof(*out));
	out->id = sqlite3_column_int64(s, 0);
	out->min_priority = sqlite3_column_int(s, 4);
	out->created_at = sqlite3_column_int64(s, 7);
	out->confirmed_at = sqlite3_column_int64(s, 8);
	out->updated_at = sqlite3_column_int64(s, 9);
	rc = store_col_dup(s, 1, &out->email, err, errlen);
	if (rc == CS_OK)
		rc = store_col_dup(s, 2, &out->state, err, errlen);
	if (rc == CS_OK)
		rc = store_col_dup(s, 3, &out->components_json, err, errlen);
	if (rc == CS_OK)
		rc = store_col_dup(s, 5, &out->secret, err, errlen);
	if (rc == CS_OK)
		rc = store_col_dup(s, 6, &out->source, err, errlen);
	if (rc == CS_OK)
		rc = store_col_dup(s, 10, &out->last_error, err, errlen);
	if (rc != CS_OK)
		store_subscriber_clear(out);
	return rc;
}

/* Runs a prepared one-row lookup into *out; CS_ERR_NOTFOUND naming what. */
static cs_err
sub_lookup(struct store *st, sqlite3_stmt *s, const char *what, struct store_subscriber *out,
    char *err, size_t errlen)
{
	cs_err rc;
	int row;

	rc = store_step(st, s, &row, "read subscriber", err, errlen);
	if (rc == CS_OK && !row)
		rc = cs_seterr(err, errlen, CS_ERR_NOTFOUND, "%s: no subscriber %s", st->path, what);
	if (rc == CS_OK)
		rc = sub_row(s, out, err, errlen);
	store_release(st, s);
	return rc;
}

cs_err
store_sub_get(struct store *st, int64_t id, struct store_subscriber *out, char *err,
    size_t errlen)
{
	sqlite3_stmt *s = NULL;
	char what[32];
	cs_err rc;

	memset(out, 0, sizeof(*out));
	rc = store_query(st, &s, err, errlen, "SELECT " SUB_COLUMNS " FROM subscribers WHERE id = ?1",
	    "L", id);
	if (rc != CS_OK)
		return rc;
	snprintf(what, sizeof(what), "#%" PRId64, id);
	return sub_lookup(st, s, what, out, err, errlen);
}

cs_err
store_sub_find(struct store *st, const char *email, struct store_subscriber *out, char *err,
    size_t errlen)
{
	sqlite3_stmt *s = NULL;
	char masked[128];
	cs_err rc;

	memset(out, 0, sizeof(*out));
	rc = store_query(st, &s, err, errlen,
	    "SELECT " SUB_COLUMNS " FROM subscribers WHERE email = ?1", "s", email);
	if (rc != CS_OK)
		return rc;
	store_sub_mask(email, masked, sizeof(masked));
	return sub_lookup(st, s, masked, out, err, errlen);
}

/* The checks a row must pass before it is written. */
static cs_err
sub_check(struct store *st, const struct store_subscriber *s, char *err, size_t errlen)
{
	if (s->email == NULL || s->email[0] == '\0')
		return cs_seterr(err, errlen, CS_ERR_USAGE, "%s: subscriber without an address",
		    st->path);
	if (!state_known(s->state))
		return cs_seterr(err, errlen, CS_ERR_USAGE, "%s: subscriber state '%s' (want pending,"
		    " confirmed, unsubscribed or bounced)", st->path, s->state ? s->state : "(null)");
	if (s->min_priority < 1 || s->min_priority > 4)
		return cs_seterr(err, errlen, CS_ERR_USAGE, "%s: subscriber priority %d (want 1..4)",
		    st->path, s->min_priority);
	if (s->secret == NULL || s->secret[0] == '\0')
		return cs_seterr(err, errlen, CS_ERR_USAGE, "%s: subscriber without a secret",
		    st->path);
	return CS_OK;
}

cs_err
store_sub_add(struct store *st, const struct store_subscriber *s, int64_t *id, char *err,
    size_t errlen)
{
	char masked[128];
	int changes = 0;
	cs_err rc;

	*id = 0;
	rc = sub_check(st, s, err, errlen);
	if (rc != CS_OK)
		return rc;
	rc = store_exec(st, &changes, "add subscriber", err, errlen,
	    "INSERT INTO subscribers(email, state, components_json, min_priority, secret, source,"
	    " created_at, confirmed_at, updated_at, last_error)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?7, ?9) ON CONFLICT(email) DO NOTHING",
	    "sssissLLs", s->email, s->state, s->components_json,
	    s->min_priority, s->secret, s->source ? s->source : "cli", s->created_at,
	    s->confirmed_at, s->last_error);
	if (rc != CS_OK)
		return rc;
	if (changes == 0) {
		store_sub_mask(s->email, masked, sizeof(masked));
		return cs_seterr(err, errlen, CS_ERR_STATE, "%s: %s is already a subscriber",
		    st->path, masked);
	}
	*id = (int64_t)sqlite3_last_insert_rowid(st->db);
	return CS_OK;
}

cs_err
store_sub_update(struct store *st, const struct store_subscriber *s, int64_t now, char *err,
    size_t errlen)
{
	int changes = 0;
	cs_err rc;

	rc = sub_check(st, s, err, errlen);
	if (rc != CS_OK)
		return rc;
	rc = store_exec(st, &changes, "update subscriber", err, errlen,
	    "UPDATE subscribers SET state = ?2, components_json = ?3, min_priority = ?4,"
	    " secret = ?5, last_error = ?6, updated_at = ?7,"
	    " confirmed_at = CASE WHEN ?2 = 'confirmed' AND state <> 'confirmed' THEN ?7"
	    "   ELSE confirmed_at END WHERE id = ?1",
	    "LssissL", s->id, s->state, s->components_json, s->min_priority, s->secret,
	    s->last_error, now);
	if (rc == CS_OK && changes == 0)
		rc = cs_seterr(err, errlen, CS_ERR_NOTFOUND, "%s: no subscriber #%" PRId64, st->path,
		    s->id);
	return rc;
}

cs_err
store_sub_delete(struct store *st, int64_t id, char *err, size_t errlen)
{
	int changes = 0, own = 0;
	cs_err rc;

	rc = store_op_begin(st, &own, err, errlen);
	if (rc != CS_OK)
		return rc;
	rc = store_exec(st, NULL, "delete subscriber's deliveries", err, errlen,
	    "DELETE FROM deliveries WHERE subscriber_id = ?1", "L", id);
	if (rc == CS_OK)
		rc = store_exec(st, NULL, "delete subscriber's tokens", err, errlen,
		    "DELETE FROM subscriber_tokens WHERE subscriber_id = ?1", "L", id);
	if (rc == CS_OK)
		rc = store_exec(st, &changes, "delete subscriber", err, errlen,
		    "DELETE FROM subscribers WHERE id = ?1", "L", id);
	if (rc == CS_OK && changes == 0)
		rc = cs_seterr(err, errlen, CS_ERR_NOTFOUND, "%s: no subscriber #%" PRId64, st->path,
		    id);
	return store_op_end(st, own, rc, err, errlen);
}

cs_err
store_sub_each(struct store *st, const char *state,
    cs_err (*fn)(void *arg, const struct store_subscriber *s), void *arg, char *err,
    size_t errlen)
{
	struct store_subscriber sub;
	sqlite3_stmt *s = NULL;
	cs_err rc;
	int row;

	rc = store_query(st, &s, err, errlen, "SELECT " SUB_COLUMNS " FROM subscribers"
	    " WHERE ?1 IS NULL OR state = ?1 ORDER BY email", "s", state);
	while (rc == CS_OK) {
		rc = store_step(st, s, &row, "list subscribers", err, errlen);
		if (rc != CS_OK || !row)
			break;
		rc = sub_row(s, &sub, err, errlen);
		if (rc != CS_OK)
			break;
		rc = fn(arg, &sub);
		store_subscriber_clear(&sub);
	}
	store_release(st, s);
	return rc;
}

cs_err
store_sub_count(struct store *st, const char *state, size_t *n, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	cs_err rc;
	int row;

	*n = 0;
	rc = store_query(st, &s, err, errlen,
	    "SELECT count(*) FROM subscribers WHERE ?1 IS NULL OR state = ?1", "s", state);
	if (rc == CS_OK)
		rc = store_step(st, s, &row, "count subscribers", err, errlen);
	if (rc == CS_OK && row)
		*n = (size_t)sqlite3_column_int64(s, 0);
	store_release(st, s);
	return rc;
}

cs_err
store_sub_token_add(struct store *st, const char *hash, int64_t subscriber_id, int64_t now,
    int64_t expires_at, char *err, size_t errlen)
{
	return store_exec(st, NULL, "add confirmation token", err, errlen,
	    "INSERT INTO subscriber_tokens(hash, subscriber_id, created_at, expires_at)"
	    " VALUES (?1, ?2, ?3, ?4)", "sLLL", hash, subscriber_id, now, expires_at);
}

cs_err
store_sub_token_use(struct store *st, const char *hash, int64_t now, int64_t *subscriber_id,
    char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	int changes = 0, row = 0, own = 0;
	cs_err rc;

	*subscriber_id = 0;
	rc = store_op_begin(st, &own, err, errlen);
	if (rc != CS_OK)
		return rc;
	rc = store_query(st, &s, err, errlen, "SELECT subscriber_id FROM subscriber_tokens"
	    " WHERE hash = ?1 AND used_at = 0 AND expires_at > ?2", "sL", hash, now);
	if (rc == CS_OK)
		rc = store_step(st, s, &row, "read confirmation token", err, errlen);
	if (rc == CS_OK && row)
		*subscriber_id = sqlite3_column_int64(s, 0);
	store_release(st, s);
	if (rc == CS_OK && row)
		rc = store_exec(st, &changes, "spend confirmation token", err, errlen,
		    "UPDATE subscriber_tokens SET used_at = ?2 WHERE hash = ?1 AND used_at = 0",
		    "sL", hash, now);
	if (rc == CS_OK && changes == 0) {
		*subscriber_id = 0;
		rc = cs_seterr(err, errlen, CS_ERR_NOTFOUND,
		    "%s: confirmation token unknown, expired or already used", st->path);
	}
	return store_op_end(st, own, rc, err, errlen);
}

cs_err
store_sub_tokens_since(struct store *st, int64_t subscriber_id, int64_t since, size_t *n,
    char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	cs_err rc;
	int row;

	*n = 0;
	rc = store_query(st, &s, err, errlen, "SELECT count(*) FROM subscriber_tokens"
	    " WHERE subscriber_id = ?1 AND created_at >= ?2", "LL", subscriber_id, since);
	if (rc == CS_OK)
		rc = store_step(st, s, &row, "count confirmation tokens", err, errlen);
	if (rc == CS_OK && row)
		*n = (size_t)sqlite3_column_int64(s, 0);
	store_release(st, s);
	return rc;
}

void
store_sub_mask(const char *email, char *buf, size_t len)
{
	const char *at = email != NULL ? strrchr(email, '@') : NULL;

	if (len == 0)
		return;
	if (at == NULL || at == email) {
		snprintf(buf, len, "***");
		return;
	}
	/* The first byte only if it is plain ASCII, so a cut never splits a character. */
	if ((unsigned char)email[0] < 0x80 && (unsigned char)email[0] > 0x20)
		snprintf(buf, len, "%c***%s", email[0], at);
	else
		snprintf(buf, len, "***%s", at);
}
