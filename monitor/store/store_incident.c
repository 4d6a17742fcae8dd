/* store_incident.c: incident rows (updates, components, causes), the audit log and maintenances. */
#include "store/store_priv.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* ---- incidents ---- */

void
store_incident_clear(struct store_incident *inc)
{
	if (inc == NULL)
		return;
	free(inc->kind);
	free(inc->title);
	free(inc->status);
	free(inc->not_affected_reason);
	free(inc->rca_draft);
	free(inc->rca_final);
	memset(inc, 0, sizeof(*inc));
}

cs_err
store_incident_create(struct store *st, const struct store_incident *inc, int64_t *id,
    char *err, size_t errlen)
{
	cs_err rc;

	*id = 0;
	if (inc->kind == NULL || inc->title == NULL || inc->status == NULL || inc->opened_at <= 0)
		return cs_seterr(err, errlen, CS_ERR_USAGE,
		    "%s: incident without kind, title, status or opening time", st->path);
	rc = store_exec(st, NULL, "create incident", err, errlen,
	    "INSERT INTO incidents(kind, title, status, opened_at, resolved_at, prio_suggested,"
	    " prio_override, not_affected, not_affected_reason, responded_at, updated_at,"
	    " rca_draft, rca_draft_at, rca_final, rca_final_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
	    "sssLLiiisLLsLsL", inc->kind, inc->title, inc->status, inc->opened_at,
	    inc->resolved_at, inc->prio_suggested, inc->prio_override, inc->not_affected,
	    inc->not_affected_reason, inc->responded_at, inc->updated_at, inc->rca_draft,
	    inc->rca_draft_at, inc->rca_final, inc->rca_final_at);
	if (rc == CS_OK)
		*id = sqlite3_last_insert_rowid(st->db);
	return rc;
}

cs_err
store_incident_put(struct store *st, const struct store_incident *inc, char *err, size_t errlen)
{
	int changes = 0;
	cs_err rc;

	rc = store_exec(st, &changes, "write incident", err, errlen,
	    "UPDATE incidents SET title = ?2, status = ?3, resolved_at = ?4, prio_suggested = ?5,"
	    " prio_override = ?6, not_affected = ?7, not_affected_reason = ?8, responded_at = ?9,"
	    " updated_at = ?10, rca_draft = ?11, rca_draft_at = ?12, rca_final = ?13,"
	    " rca_final_at = ?14 WHERE id = ?1",
	    "LssLiiisLLsLsL", inc->id, inc->title, inc->status, inc->resolved_at,
	    inc->prio_suggested, inc->prio_override, inc->not_affected, inc->not_affected_reason,
	    inc->responded_at, inc->updated_at, inc->rca_draft, inc->rca_draft_at,
	    inc->rca_final, inc->rca_final_at);
	if (rc == CS_OK && changes == 0)
		rc = cs_seterr(err, errlen, CS_ERR_NOTFOUND, "no incident %" PRId64, inc->id);
	return rc;
}

#define INCIDENT_COLUMNS \
	"id, kind, title, status, opened_at, resolved_at, prio_suggested, prio_override," \
	" not_affected, not_affected_reason, responded_at, updated_at, rca_draft, rca_draft_at," \
	" rca_final, rca_final_at," \
	" (SELECT count(*) FROM incident_updates u WHERE u.incident_id = incidents.id)"

/* Reads one incidents row (INCIDENT_COLUMNS) into *out (owned strings). */
static cs_err
incident_row(sqlite3_stmt *s, struct store_incident *out, char *err, size_t errlen)
{
	cs_err rc;

	memset(out, 0, sizeof(*out));
	out->id = sqlite3_column_int64(s, 0);
	out->opened_at = sqlite3_column_int64(s, 4);
	out->resolved_at = sqlite3_column_int64(s, 5);
	out->prio_suggested = sqlite3_column_int(s, 6);
	out->prio_override = sqlite3_column_int(s, 7);
	out->not_affected = sqlite3_column_int(s, 8);
	out->responded_at = sqlite3_column_int64(s, 10);
	out->updated_at = sqlite3_column_int64(s, 11);
	out->rca_draft_at = sqlite3_column_int64(s, 13);
	out->rca_final_at = sqlite3_column_int64(s, 15);
	out->nupdates = sqlite3_column_int(s, 16);
	rc = store_col_dup(s, 1, &out->kind, err, errlen);
	if (rc == CS_OK)
		rc = store_col_dup(s, 2, &out->title, err, errlen);
	if (rc == CS_OK)
		rc = store_col_dup(s, 3, &out->status, err, errlen);
	if (rc == CS_OK)
		rc = store_col_dup(s, 9, &out->not_affected_reason, err, errlen);
	if (rc == CS_OK)
		rc = store_col_dup(s, 12, &out->rca_draft, err, errlen);
	if (rc == CS_OK)
		rc = store_col_dup(s, 14, &out->rca_final, err, errlen);
	if (rc != CS_OK)
		store_incident_clear(out);
	return rc;
}

cs_err
store_incident_get(struct store *st, int64_t id, struct store_incident *out, char *err,
    size_t errlen)
{
	sqlite3_stmt *s = NULL;
	cs_err rc;
	int row;

	memset(out, 0, sizeof(*out));
	rc = store_query(st, &s, err, errlen, "SELECT " INCIDENT_COLUMNS " FROM incidents WHERE id = ?1",
	    "L", id);
	if (rc != CS_OK)
		goto out;
	rc = store_step(st, s, &row, "read incident", err, errlen);
	if (rc != CS_OK)
		goto out;
	if (!row) {
		rc = cs_seterr(err, errlen, CS_ERR_NOTFOUND, "no incident %" PRId64, id);
		goto out;
	}
	rc = incident_row(s, out, err, errlen);
out:
	store_release(st, s);
	return rc;
}

cs_err
store_incident_list(struct store *st, int64_t open_since, store_incident_cb cb, void *ctx,
    char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	struct store_incident inc;
	cs_err rc;
	int row, stop;

	rc = store_query(st, &s, err, errlen, "SELECT " INCIDENT_COLUMNS " FROM incidents"
	    " WHERE ?1 = 0 OR resolved_at = 0 OR resolved_at >= ?1 ORDER BY id", "L", open_since);
	if (rc != CS_OK)
		goto out;
	for (;;) {
		rc = store_step(st, s, &row, "list incidents", err, errlen);
		if (rc != CS_OK || !row)
			break;
		rc = incident_row(s, &inc, err, errlen);
		if (rc != CS_OK)
			break;
		stop = cb(&inc, ctx);
		store_incident_clear(&inc);
		if (stop != 0) {
			rc = cs_seterr(err, errlen, CS_ERR_STATE, "%s: listing incidents: stopped by "
			    "the callback", st->path);
			break;
		}
	}
out:
	store_release(st, s);
	return rc;
}

cs_err
store_incident_add_update(struct store *st, const struct store_incident_update *u, int *n,
    char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	cs_err rc;
	int own = 0, begun = 0, row, next = 0;

	if (n != NULL)
		*n = 0;
	rc = store_op_begin(st, &own, err, errlen);
	if (rc != CS_OK)
		goto out;
	begun = 1;
	rc = store_query(st, &s, err, errlen, "SELECT (SELECT coalesce(max(n), 0) + 1 FROM incident_updates"
	    " WHERE incident_id = ?1) FROM incidents WHERE id = ?1", "L", u->incident_id);
	if (rc == CS_OK)
		rc = store_step(st, s, &row, "number incident update", err, errlen);
	if (rc != CS_OK)
		goto out;
	if (!row) {
		rc = cs_seterr(err, errlen, CS_ERR_NOTFOUND, "no incident %" PRId64, u->incident_id);
		goto out;
	}
	next = sqlite3_column_int(s, 0);
	rc = store_exec(st, NULL, "add incident update", err, errlen,
	    "INSERT INTO incident_updates(incident_id, n, at, status, body, author, source_guid,"
	    " public, components_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	    "LiLssssis", u->incident_id, next, u->at, u->status, u->body, u->author,
	    u->source_guid, u->public ? 1 : 0,
	    u->components_json != NULL ? u->components_json : "[]");
out:
	store_release(st, s);
	if (begun)
		rc = store_op_end(st, own, rc, err, errlen);
	if (rc == CS_OK && n != NULL)
		*n = next;
	return rc;
}

cs_err
store_incident_updates(struct store *st, int64_t id, store_incident_update_cb cb, void *ctx,
    char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	struct store_incident_update u;
	cs_err rc;
	int row;

	rc = store_query(st, &s, err, errlen, "SELECT incident_id, n, at, status, body, author, source_guid,"
	    " public, components_json FROM incident_updates WHERE incident_id = ?1 ORDER BY n",
	    "L", id);
	if (rc != CS_OK)
		goto out;
	for (;;) {
		rc = store_step(st, s, &row, "read incident updates", err, errlen);
		if (rc != CS_OK || !row)
			break;
		u.incident_id = sqlite3_column_int64(s, 0);
		u.n = sqlite3_column_int(s, 1);
		u.at = sqlite3_column_int64(s, 2);
		u.status = store_col_text(s, 3);
		u.body = store_col_text(s, 4);
		u.author = store_col_text(s, 5);
		u.source_guid = sqlite3_column_type(s, 6) == SQLITE_NULL ? NULL : store_col_text(s, 6);
		u.public = sqlite3_column_int(s, 7);
		u.components_json = store_col_text(s, 8);
		if (cb(&u, ctx) != 0) {
			rc = cs_seterr(err, errlen, CS_ERR_STATE, "%s: reading incident updates: "
			    "stopped by the callback", st->path);
			break;
		}
	}
out:
	store_release(st, s);
	return rc;
}

cs_err
store_incident_component_set(struct store *st, int64_t id, const char *component_id,
    const char *status, char *err, size_t errlen)
{
	return store_exec(st, NULL, "write incident component", err, errlen,
	    "INSERT INTO incident_components(incident_id, component_id, status) VALUES (?1, ?2, ?3)"
	    " ON CONFLICT(incident_id, component_id) DO UPDATE SET status = ?3",
	    "Lss", id, component_id, status);
}

cs_err
store_incident_components(struct store *st, int64_t id, store_incident_component_cb cb,
    void *ctx, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	cs_err rc;
	int row;

	rc = store_query(st, &s, err, errlen, "SELECT component_id, status FROM incident_components"
	    " WHERE incident_id = ?1 ORDER BY component_id", "L", id);
	if (rc != CS_OK)
		goto out;
	for (;;) {
		rc = store_step(st, s, &row, "read incident components", err, errlen);
		if (rc != CS_OK || !row)
			break;
		if (cb(store_col_text(s, 0), store_col_text(s, 1), ctx) != 0) {
			rc = cs_seterr(err, errlen, CS_ERR_STATE, "%s: reading incident components: "
			    "stopped by the callback", st->path);
			break;
		}
	}
out:
	store_release(st, s);
	return rc;
}

cs_err
store_incident_cause_set(struct store *st, int64_t id, const struct store_incident_cause *c,
    char *err, size_t errlen)
{
	return store_exec(st, NULL, "write incident cause", err, errlen,
	    "INSERT INTO incident_causes(incident_id, slug, state, guid, title, time, open)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(incident_id, slug) DO UPDATE SET"
	    " state = ?3, guid = ?4, title = ?5, time = ?6, open = ?7",
	    "LssssLi", id, c->slug, c->state, c->guid, c->title, c->time, c->open ? 1 : 0);
}

cs_err
store_incident_rule_causes(struct store *st, int64_t id, int64_t now, char *err, size_t errlen)
{
	return store_exec(st, NULL, "record the ruling's scope", err, errlen,
	    "UPDATE incident_causes SET ruled_at = ?2, ruled_state = COALESCE("
	    "(SELECT state FROM feed_state WHERE feed_state.slug = incident_causes.slug"
	    " AND feed_state.state != 'normal'), state)"
	    " WHERE incident_id = ?1 AND open = 1", "LL", id, now);
}

cs_err
store_incident_causes(struct store *st, int64_t id, store_incident_cause_cb cb, void *ctx,
    char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	struct store_incident_cause c;
	cs_err rc;
	int row;

	rc = store_query(st, &s, err, errlen, "SELECT slug, state, guid, title, time, open,"
	    " ruled_state, ruled_at FROM incident_causes WHERE incident_id = ?1 ORDER BY slug",
	    "L", id);
	if (rc != CS_OK)
		goto out;
	for (;;) {
		rc = store_step(st, s, &row, "read incident causes", err, errlen);
		if (rc != CS_OK || !row)
			break;
		c.slug = store_col_text(s, 0);
		c.state = store_col_text(s, 1);
		c.guid = store_col_text(s, 2);
		c.title = store_col_text(s, 3);
		c.time = sqlite3_column_int64(s, 4);
		c.open = sqlite3_column_int(s, 5);
		c.ruled_state = sqlite3_column_type(s, 6) == SQLITE_NULL ? NULL : store_col_text(s, 6);
		c.ruled_at = sqlite3_column_int64(s, 7);
		if (cb(&c, ctx) != 0) {
			rc = cs_seterr(err, errlen, CS_ERR_STATE, "%s: reading incident causes: "
			    "stopped by the callback", st->path);
			break;
		}
	}
out:
	store_release(st, s);
	return rc;
}

cs_err
store_incident_action(struct store *st, int64_t incident_id, int64_t maintenance_id, int64_t at,
    const char *author, const char *action, const char *detail, const char *reason,
    char *err, size_t errlen)
{
	return store_exec(st, NULL, "record action", err, errlen,
	    "INSERT INTO incident_actions(incident_id, maintenance_id, at, author, action, detail,"
	    " reason) VALUES (nullif(?1, 0), nullif(?2, 0), ?3, ?4, ?5, ?6, ?7)",
	    "LLLssss", incident_id, maintenance_id, at, author, action, detail, reason);
}

/* ---- maintenances ---- */

void
store_maintenance_clear(struct store_maintenance *m)
{
	if (m == NULL)
		return;
	free(m->title);
	free(m->body);
	free(m->status);
	free(m->components_json);
	free(m->author);
	memset(m, 0, sizeof(*m));
}

cs_err
store_maintenance_create(struct store *st, const struct store_maintenance *m, int64_t *id,
    char *err, size_t errlen)
{
	cs_err rc;

	*id = 0;
	rc = store_exec(st, NULL, "create maintenance", err, errlen,
	    "INSERT INTO maintenances(title, body, starts_at, ends_at, verify_until, status,"
	    " components_json, created_at, author) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	    "ssLLLssLs", m->title, m->body != NULL ? m->body : "", m->starts_at, m->ends_at,
	    m->verify_until, m->status, m->components_json, m->created_at, m->author);
	if (rc == CS_OK)
		*id = sqlite3_last_insert_rowid(st->db);
	return rc;
}

#define MAINTENANCE_COLUMNS \
	"id, title, body, starts_at, ends_at, verify_until, status, components_json, created_at," \
	" author"

static cs_err
maintenance_row(sqlite3_stmt *s, struct store_maintenance *out, char *err, size_t errlen)
{
	cs_err rc;

	memset(out, 0, sizeof(*out));
	out->id = sqlite3_column_int64(s, 0);
	out->starts_at = sqlite3_column_int64(s, 3);
	out->ends_at = sqlite3_column_int64(s, 4);
	out->verify_until = sqlite3_column_int64(s, 5);
	out->created_at = sqlite3_column_int64(s, 8);
	rc = store_col_dup(s, 1, &out->title, err, errlen);
	if (rc == CS_OK)
		rc = store_col_dup(s, 2, &out->body, err, errlen);
	if (rc == CS_OK)
		rc = store_col_dup(s, 6, &out->status, err, errlen);
	if (rc == CS_OK)
		rc = store_col_dup(s, 7, &out->components_json, err, errlen);
	if (rc == CS_OK)
		rc = store_col_dup(s, 9, &out->author, err, errlen);
	if (rc != CS_OK)
		store_maintenance_clear(out);
	return rc;
}

cs_err
store_maintenance_get(struct store *st, int64_t id, struct store_maintenance *out, char *err,
    size_t errlen)
{
	sqlite3_stmt *s = NULL;
	cs_err rc;
	int row;

	memset(out, 0, sizeof(*out));
	rc = store_query(st, &s, err, errlen, "SELECT " MAINTENANCE_COLUMNS " FROM maintenances"
	    " WHERE id = ?1", "L", id);
	if (rc == CS_OK)
		rc = store_step(st, s, &row, "read maintenance", err, errlen);
	if (rc != CS_OK)
		goto out;
	if (!row) {
		rc = cs_seterr(err, errlen, CS_ERR_NOTFOUND, "no maintenance %" PRId64, id);
		goto out;
	}
	rc = maintenance_row(s, out, err, errlen);
out:
	store_release(st, s);
	return rc;
}

cs_err
store_maintenance_set_status(struct store *st, int64_t id, const char *status, char *err,
    size_t errlen)
{
	int changes = 0;
	cs_err rc;

	rc = store_exec(st, &changes, "write maintenance", err, errlen,
	    "UPDATE maintenances SET status = ?2 WHERE id = ?1", "Ls", id, status);
	if (rc == CS_OK && changes == 0)
		rc = cs_seterr(err, errlen, CS_ERR_NOTFOUND, "no maintenance %" PRId64, id);
	return rc;
}

cs_err
store_maintenance_list(struct store *st, int64_t active_at, store_maintenance_cb cb, void *ctx,
    char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	struct store_maintenance m;
	cs_err rc;
	int row, stop;

	rc = store_query(st, &s, err, errlen, "SELECT " MAINTENANCE_COLUMNS " FROM maintenances"
	    " WHERE ?1 = 0 OR verify_until > ?1 ORDER BY starts_at, id", "L", active_at);
	if (rc != CS_OK)
		goto out;
	for (;;) {
		rc = store_step(st, s, &row, "list maintenances", err, errlen);
		if (rc != CS_OK || !row)
			break;
		rc = maintenance_row(s, &m, err, errlen);
		if (rc != CS_OK)
			break;
		stop = cb(&m, ctx);
		store_maintenance_clear(&m);
		if (stop != 0) {
			rc = cs_seterr(err, errlen, CS_ERR_STATE, "%s: listing maintenances: stopped by "
			    "the callback", st->path);
			break;
		}
	}
out:
	store_release(st, s);
	return rc;
}

cs_err
store_incident_dump(struct store *st, FILE *fp, char *err, size_t errlen)
{
	cs_err rc;

	rc = store_dump_rows(st, fp, "incident", 1,
	    "SELECT id, kind, status, opened_at, resolved_at, prio_suggested, prio_override,"
	    " not_affected, not_affected_reason, responded_at, updated_at, rca_draft, rca_draft_at,"
	    " rca_final, rca_final_at, title FROM incidents ORDER BY id", err, errlen);
	if (rc == CS_OK)
		rc = store_dump_rows(st, fp, "incident_update", 2,
		    "SELECT incident_id, n, at, status, author, public, source_guid,"
		    " components_json AS components, body FROM incident_updates"
		    " ORDER BY incident_id, n", err, errlen);
	if (rc == CS_OK)
		rc = store_dump_rows(st, fp, "incident_component", 2,
		    "SELECT incident_id, component_id, status FROM incident_components"
		    " ORDER BY incident_id, component_id", err, errlen);
	if (rc == CS_OK)
		rc = store_dump_rows(st, fp, "incident_cause", 2,
		    "SELECT incident_id, slug, state, open, time, guid, title FROM incident_causes"
		    " ORDER BY incident_id, slug", err, errlen);
	if (rc == CS_OK)
		rc = store_dump_rows(st, fp, "incident_action", 1,
		    "SELECT id, incident_id AS incident, maintenance_id AS maintenance, at, author,"
		    " action, detail, reason FROM incident_actions ORDER BY id", err, errlen);
	if (rc == CS_OK)
		rc = store_dump_rows(st, fp, "maintenance", 1,
		    "SELECT id, status, starts_at, ends_at, verify_until, created_at, author,"
		    " components_json AS components, title, body FROM maintenances ORDER BY id",
		    err, errlen);
	return rc;
}
