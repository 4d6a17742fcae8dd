/* store_component.c: component statuses and the history of their periods. */
#include "store/store_priv.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* ---- components ---- */

void
store_component_clear(struct store_component *c)
{
	if (c == NULL)
		return;
	free(c->id);
	free(c->cause_json);
	memset(c, 0, sizeof(*c));
}

/*
 * A component's history is a chain of periods: each status change closes
 * the open period at now and opens the next one at now, so the periods of
 * a component tile time without gaps from its first status on, and the
 * uptime of any window is the sum of the overlaps. The partial unique
 * index component_history_open guarantees there is one open period.
 */
cs_err
store_component_set(struct store *st, const char *id, status_component status,
    const char *cause_json, int64_t now, int *changed, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	const char *name;
	cs_err rc;
	int own = 0, begun = 0, row, what = STORE_COMPONENT_UNCHANGED;
	int64_t since;

	if (changed != NULL)
		*changed = STORE_COMPONENT_UNCHANGED;
	if (id == NULL || id[0] == '\0') {
		rc = cs_seterr(err, errlen, CS_ERR_USAGE, "%s: component without an id", st->path);
		goto out;
	}
	if ((int)status < STATUS_OPERATIONAL || status > STATUS_UNKNOWN) {
		rc = cs_seterr(err, errlen, CS_ERR_USAGE, "%s: component %s: invalid status %d",
		    st->path, id, (int)status);
		goto out;
	}
	name = status_component_name(status);
	rc = store_op_begin(st, &own, err, errlen);
	if (rc != CS_OK)
		goto out;
	begun = 1;
	rc = store_query(st, &s, err, errlen,
	    "SELECT status = ?2, since FROM component_status WHERE component_id = ?1",
	    "ss", id, name);
	if (rc != CS_OK)
		goto out;
	rc = store_step(st, s, &row, "read component", err, errlen);
	if (rc != CS_OK)
		goto out;
	if (row && sqlite3_column_int(s, 0)) {
		what = STORE_COMPONENT_UNCHANGED;
		rc = store_exec(st, NULL, "update component cause", err, errlen,
		    "UPDATE component_status SET cause_json = ?2 WHERE component_id = ?1",
		    "ss", id, cause_json);
		goto out;
	}
	what = row ? STORE_COMPONENT_CHANGED : STORE_COMPONENT_FIRST;
	since = row ? sqlite3_column_int64(s, 1) : now;
	if (since < now)
		since = now;
	rc = store_exec(st, NULL, "close component period", err, errlen,
	    "UPDATE component_history SET \"end\" = max(start, ?2)"
	    " WHERE component_id = ?1 AND \"end\" IS NULL", "sL", id, since);
	if (rc == CS_OK)
		rc = store_exec(st, NULL, "open component period", err, errlen,
		    "INSERT INTO component_history(component_id, status, cause_json, start, \"end\")"
		    " VALUES (?1, ?2, ?3, ?4, NULL)", "sssL", id, name, cause_json, since);
	if (rc == CS_OK)
		rc = store_exec(st, NULL, "write component status", err, errlen,
		    "INSERT INTO component_status(component_id, status, since, cause_json)"
		    " VALUES (?1, ?2, ?3, ?4) ON CONFLICT(component_id) DO UPDATE SET"
		    " status = ?2, since = ?3, cause_json = ?4", "ssLs", id, name, since, cause_json);
out:
	store_release(st, s);
	if (begun)
		rc = store_op_end(st, own, rc, err, errlen);
	if (rc == CS_OK && changed != NULL)
		*changed = what;
	return rc;
}

cs_err
store_component_get(struct store *st, const char *id, struct store_component *out,
    char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	cs_err rc;
	int row;

	memset(out, 0, sizeof(*out));
	rc = store_query(st, &s, err, errlen,
	    "SELECT component_id, status, since, cause_json,"
	    " (SELECT min(start) FROM component_history h WHERE h.component_id = ?1)"
	    " FROM component_status WHERE component_id = ?1", "s", id);
	if (rc != CS_OK)
		goto out;
	rc = store_step(st, s, &row, "read component", err, errlen);
	if (rc != CS_OK || !row)
		goto out;
	if (status_component_parse(store_col_text(s, 1), &out->status) != 0) {
		rc = cs_seterr(err, errlen, CS_ERR_DB, "%s: component %s: unknown status '%s'",
		    st->path, id, store_col_text(s, 1));
		goto out;
	}
	out->since = sqlite3_column_int64(s, 2);
	out->first_seen = sqlite3_column_type(s, 4) == SQLITE_NULL ? out->since
	    : sqlite3_column_int64(s, 4);
	rc = store_col_dup(s, 0, &out->id, err, errlen);
	if (rc == CS_OK)
		rc = store_col_dup(s, 3, &out->cause_json, err, errlen);
out:
	store_release(st, s);
	if (rc != CS_OK)
		store_component_clear(out);
	return rc;
}

cs_err
store_component_history(struct store *st, const char *id, int64_t from, int64_t to,
    store_history_cb cb, void *ctx, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	struct store_history_row h;
	cs_err rc;
	int row;

	rc = store_query(st, &s, err, errlen,
	    "SELECT id, component_id, status, cause_json, start, \"end\" FROM component_history"
	    " WHERE component_id = ?1 AND (?3 = 0 OR start < ?3)"
	    " AND (\"end\" IS NULL OR \"end\" > ?2) ORDER BY start, id", "sLL", id, from, to);
	if (rc != CS_OK)
		goto out;
	for (;;) {
		rc = store_step(st, s, &row, "read component history", err, errlen);
		if (rc != CS_OK || !row)
			break;
		memset(&h, 0, sizeof(h));
		h.id = sqlite3_column_int64(s, 0);
		h.component_id = store_col_text(s, 1);
		if (status_component_parse(store_col_text(s, 2), &h.status) != 0) {
			rc = cs_seterr(err, errlen, CS_ERR_DB,
			    "%s: component %s history %" PRId64 ": unknown status '%s'",
			    st->path, id, h.id, store_col_text(s, 2));
			break;
		}
		h.cause_json = sqlite3_column_type(s, 3) == SQLITE_NULL ? NULL : store_col_text(s, 3);
		h.start = sqlite3_column_int64(s, 4);
		h.end = sqlite3_column_int64(s, 5);
		if (cb(&h, ctx) != 0) {
			rc = cs_seterr(err, errlen, CS_ERR_STATE,
			    "%s: reading history of %s: stopped by the callback", st->path, id);
			break;
		}
	}
out:
	store_release(st, s);
	return rc;
}
