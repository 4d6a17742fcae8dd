/* store_target.c: the publish_targets and publish_target_files tables (targets_state.h). */
#include <sqlite3.h>

#include "store/targets_state.h"
#include "store/store_priv.h"

cs_err
store_target_success(struct store *st, const char *name, const char *release, int64_t now,
    char *err, size_t errlen)
{
	return store_exec(st, NULL, "record target success", err, errlen,
	    "INSERT INTO publish_targets(name, release, last_success, last_attempt)"
	    " VALUES (?1, ?2, ?3, ?3)"
	    " ON CONFLICT(name) DO UPDATE SET release = excluded.release,"
	    " last_success = excluded.last_success, last_attempt = excluded.last_attempt,"
	    " last_error = NULL, failing_since = 0, failures = 0, next_attempt = 0",
	    "ssL", name, release, now);
}

cs_err
store_target_failure(struct store *st, const char *name, const char *error, int64_t now,
    int64_t next_attempt, int *failures, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	cs_err rc;
	int row;

	if (failures != NULL)
		*failures = 0;
	rc = store_exec(st, NULL, "record target failure", err, errlen,
	    "INSERT INTO publish_targets(name, last_attempt, last_error, failing_since, failures,"
	    " next_attempt) VALUES (?1, ?2, ?3, ?2, 1, ?4)"
	    " ON CONFLICT(name) DO UPDATE SET last_attempt = excluded.last_attempt,"
	    " last_error = excluded.last_error, failures = failures + 1,"
	    " failing_since = CASE failing_since WHEN 0 THEN excluded.failing_since"
	    " ELSE failing_since END, next_attempt = excluded.next_attempt",
	    "sLsL", name, now, error, next_attempt);
	if (rc != CS_OK || failures == NULL)
		return rc;
	rc = store_query(st, &s, err, errlen,
	    "SELECT failures FROM publish_targets WHERE name = ?1", "s", name);
	if (rc == CS_OK)
		rc = store_step(st, s, &row, "read target failures", err, errlen);
	if (rc == CS_OK && row)
		*failures = sqlite3_column_int(s, 0);
	store_release(st, s);
	return rc;
}

cs_err
store_target_list(struct store *st, store_target_cb cb, void *ctx, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	struct store_target t;
	cs_err rc;
	int row;

	rc = store_query(st, &s, err, errlen,
	    "SELECT name, release, last_success, last_attempt, last_error, failing_since,"
	    " failures, next_attempt FROM publish_targets ORDER BY name", "");
	while (rc == CS_OK) {
		rc = store_step(st, s, &row, "list targets", err, errlen);
		if (rc != CS_OK || !row)
			break;
		t.name = (const char *)sqlite3_column_text(s, 0);
		t.release = (const char *)sqlite3_column_text(s, 1);
		t.last_success = sqlite3_column_int64(s, 2);
		t.last_attempt = sqlite3_column_int64(s, 3);
		t.last_error = (const char *)sqlite3_column_text(s, 4);
		t.failing_since = sqlite3_column_int64(s, 5);
		t.failures = sqlite3_column_int(s, 6);
		t.next_attempt = sqlite3_column_int64(s, 7);
		if (cb(&t, ctx) != 0)
			break;
	}
	store_release(st, s);
	return rc;
}

cs_err
store_target_file_set(struct store *st, const char *target, const char *path, const char *hash,
    int64_t now, char *err, size_t errlen)
{
	if (hash != NULL)
		return store_exec(st, NULL, "record target file", err, errlen,
		    "INSERT INTO publish_target_files(target, path, hash, uploaded_at)"
		    " VALUES (?1, ?2, ?3, ?4) ON CONFLICT(target, path) DO UPDATE SET"
		    " hash = excluded.hash, uploaded_at = excluded.uploaded_at",
		    "sssL", target, path, hash, now);
	return store_exec(st, NULL, "forget target file", err, errlen,
	    "DELETE FROM publish_target_files WHERE target = ?1 AND path = ?2", "ss", target, path);
}

cs_err
store_target_files(struct store *st, const char *target, store_target_file_cb cb, void *ctx,
    char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	cs_err rc;
	int row;

	rc = store_query(st, &s, err, errlen,
	    "SELECT path, hash FROM publish_target_files WHERE target = ?1 ORDER BY path", "s",
	    target);
	while (rc == CS_OK) {
		rc = store_step(st, s, &row, "list target files", err, errlen);
		if (rc != CS_OK || !row)
			break;
		if (cb((const char *)sqlite3_column_text(s, 0),
		    (const char *)sqlite3_column_text(s, 1), ctx) != 0)
			break;
	}
	store_release(st, s);
	return rc;
}

cs_err
store_target_forget(struct store *st, const char *target, char *err, size_t errlen)
{
	return store_exec(st, NULL, "forget target files", err, errlen,
	    "DELETE FROM publish_target_files WHERE target = ?1", "s", target);
}
