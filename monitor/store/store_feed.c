/* store_feed.c: per-feed rows of the store: fetch state, AWS items and their revisions, verdicts. */
#include "store/store_priv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "base/jsonout.h"

/* ---- feeds ---- */

void
store_feed_clear(struct store_feed *f)
{
	if (f == NULL)
		return;
	free(f->slug);
	free(f->url);
	free(f->etag);
	free(f->last_modified);
	free(f->last_error);
	memset(f, 0, sizeof(*f));
}

cs_err
store_feed_get(struct store *st, const char *slug, struct store_feed *out, char *err,
    size_t errlen)
{
	sqlite3_stmt *s = NULL;
	cs_err rc;
	int row;

	memset(out, 0, sizeof(*out));
	rc = store_query(st, &s, err, errlen,
	    "SELECT slug, url, etag, last_modified, last_attempt, last_success, last_status,"
	    " failures, next_attempt_at, last_error, readable, items_seen"
	    " FROM feeds WHERE slug = ?1", "s", slug);
	if (rc != CS_OK)
		goto out;
	rc = store_step(st, s, &row, "read feed state", err, errlen);
	if (rc != CS_OK || !row)
		goto out;
	out->last_attempt = sqlite3_column_int64(s, 4);
	out->last_success = sqlite3_column_int64(s, 5);
	out->last_status = sqlite3_column_int(s, 6);
	out->failures = sqlite3_column_int(s, 7);
	out->next_attempt_at = sqlite3_column_int64(s, 8);
	out->readable = sqlite3_column_int(s, 10);
	out->items_seen = sqlite3_column_int64(s, 11);
	rc = store_col_dup(s, 0, &out->slug, err, errlen);
	if (rc == CS_OK)
		rc = store_col_dup(s, 1, &out->url, err, errlen);
	if (rc == CS_OK)
		rc = store_col_dup(s, 2, &out->etag, err, errlen);
	if (rc == CS_OK)
		rc = store_col_dup(s, 3, &out->last_modified, err, errlen);
	if (rc == CS_OK)
		rc = store_col_dup(s, 9, &out->last_error, err, errlen);
out:
	store_release(st, s);
	if (rc != CS_OK)
		store_feed_clear(out);
	return rc;
}

cs_err
store_feed_put(struct store *st, const struct store_feed *f, char *err, size_t errlen)
{
	if (f->slug == NULL || f->slug[0] == '\0')
		return cs_seterr(err, errlen, CS_ERR_USAGE, "%s: feed state without a slug",
		    st->path);
	return store_exec(st, NULL, "write feed state", err, errlen,
	    "INSERT INTO feeds(slug, url, etag, last_modified, last_attempt, last_success,"
	    " last_status, failures, next_attempt_at, last_error, readable, items_seen)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
	    " ON CONFLICT(slug) DO UPDATE SET url = ?2, etag = ?3, last_modified = ?4,"
	    " last_attempt = ?5, last_success = ?6, last_status = ?7, failures = ?8,"
	    " next_attempt_at = ?9, last_error = ?10, readable = ?11, items_seen = ?12",
	    "ssssLLiiLsiL", f->slug, f->url, f->etag, f->last_modified, f->last_attempt,
	    f->last_success, f->last_status, f->failures, f->next_attempt_at, f->last_error,
	    f->readable != 0, f->items_seen);
}

cs_err
store_feed_list(struct store *st, store_feed_cb cb, void *ctx, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	struct store_feed f;
	cs_err rc;
	int row;

	rc = store_query(st, &s, err, errlen,
	    "SELECT slug, url, etag, last_modified, last_attempt, last_success, last_status,"
	    " failures, next_attempt_at, last_error, readable, items_seen"
	    " FROM feeds ORDER BY slug", "");
	if (rc != CS_OK)
		goto out;
	for (;;) {
		rc = store_step(st, s, &row, "list feed states", err, errlen);
		if (rc != CS_OK || !row)
			break;
		f.slug = (char *)store_col_text(s, 0);
		f.url = (char *)store_col_text(s, 1);
		f.etag = (char *)store_col_text(s, 2);
		f.last_modified = (char *)store_col_text(s, 3);
		f.last_attempt = sqlite3_column_int64(s, 4);
		f.last_success = sqlite3_column_int64(s, 5);
		f.last_status = sqlite3_column_int(s, 6);
		f.failures = sqlite3_column_int(s, 7);
		f.next_attempt_at = sqlite3_column_int64(s, 8);
		f.last_error = sqlite3_column_type(s, 9) == SQLITE_NULL ? NULL :
		    (char *)store_col_text(s, 9);
		f.readable = sqlite3_column_int(s, 10);
		f.items_seen = sqlite3_column_int64(s, 11);
		if (cb(&f, ctx) != 0) {
			rc = cs_seterr(err, errlen, CS_ERR_STATE, "%s: listing feed states: stopped by "
			    "the callback", st->path);
			break;
		}
	}
out:
	store_release(st, s);
	return rc;
}

/* ---- items ---- */

static const char *
nz(const char *s)
{
	return s != NULL ? s : "";
}

/*
 * AWS edits an update in place now and then (a corrected time, a fuller
 * description) and keeps its guid. The store keeps each distinct text as
 * a revision so that `clickstatus explain` can show what was said when;
 * the classifier always sees the newest revision.
 *
 * A revision is added only for a new item or a text the item never had:
 * all.rss and the service's own feed can carry different texts of one
 * item for a long while (one document rewritten before the other), and
 * comparing with the newest revision only would add both texts again on
 * every poll, flip-flopping between them. So the newest revision number
 * and whether any revision already has this text are read first (compared
 * in SQL). The item row is then inserted, or updated only when a field or
 * last_seen moves; its title follows the newest revision, so a text seen
 * again writes no page.
 */
cs_err
store_item_upsert(struct store *st, const struct feed_item *item, int64_t now, int *change,
    char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	const char *title = nz(item->title), *desc = nz(item->description);
	cs_err rc;
	int own = 0, begun = 0, row, rev = 0, what = STORE_ITEM_UNCHANGED;

	if (change != NULL)
		*change = STORE_ITEM_UNCHANGED;
	if (item->guid == NULL || item->guid[0] == '\0') {
		rc = cs_seterr(err, errlen, CS_ERR_PARSE, "%s: item '%s' has no guid and cannot be stored",
		    st->path, title);
		goto out;
	}
	rc = store_op_begin(st, &own, err, errlen);
	if (rc != CS_OK)
		goto out;
	begun = 1;
	/* An aggregate: one row, rev NULL (0) when the item is new. */
	rc = store_query(st, &s, err, errlen,
	    "SELECT count(*), coalesce(max(rev), 0),"
	    " coalesce(max(title = ?2 AND description = ?3), 0)"
	    " FROM item_revisions WHERE guid = ?1", "sss", item->guid, title, desc);
	if (rc == CS_OK)
		rc = store_step(st, s, &row, "read item", err, errlen);
	if (rc != CS_OK)
		goto out;
	if (!row || sqlite3_column_int(s, 0) == 0)
		what = STORE_ITEM_NEW;
	else if (!sqlite3_column_int(s, 2))
		what = STORE_ITEM_REVISED;
	if (row)
		rev = sqlite3_column_int(s, 1);
	store_release(st, s);
	s = NULL;
	rc = store_exec(st, NULL, "write item", err, errlen,
	    "INSERT INTO items(guid, slug, epoch, pubdate, title, link, first_seen, last_seen)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)"
	    " ON CONFLICT(guid) DO UPDATE SET slug = ?2, epoch = ?3, pubdate = ?4,"
	    " title = CASE WHEN ?8 THEN ?5 ELSE title END,"
	    " link = ?6, last_seen = max(last_seen, ?7)"
	    " WHERE last_seen < ?7 OR slug <> ?2 OR epoch <> ?3 OR pubdate <> ?4"
	    " OR (?8 AND title <> ?5) OR link <> ?6",
	    "ssLLssLi", item->guid, nz(item->slug), item->epoch, item->pubdate, title,
	    nz(item->link), now, what != STORE_ITEM_UNCHANGED);
	if (rc != CS_OK || what == STORE_ITEM_UNCHANGED)
		goto out;
	rc = store_exec(st, NULL, "add item revision", err, errlen,
	    "INSERT INTO item_revisions(guid, rev, description, title, seen_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5)", "sissL", item->guid, rev + 1, desc, title, now);
out:
	store_release(st, s);
	if (begun)
		rc = store_op_end(st, own, rc, err, errlen);
	if (rc == CS_OK && change != NULL)
		*change = what;
	return rc;
}

cs_err
store_item_revisions(struct store *st, const char *guid, int *count, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	cs_err rc;
	int row;

	*count = 0;
	rc = store_query(st, &s, err, errlen, "SELECT count(*) FROM item_revisions WHERE guid = ?1",
	    "s", guid);
	if (rc != CS_OK)
		goto out;
	rc = store_step(st, s, &row, "count item revisions", err, errlen);
	if (rc == CS_OK && row)
		*count = sqlite3_column_int(s, 0);
out:
	store_release(st, s);
	return rc;
}

/*
 * The item columns both walks read, with the text of the newest revision
 * seen at or before NOW (the SQL parameter holding now; 0: the newest of
 * all). AWS rewrote old titles with [RESOLVED] until 2023: judging as of a
 * past moment must read the title as it was then, not as it was rewritten
 * later. An item always has its first revision.
 */
#define ITEM_COLUMNS(NOW) \
	"SELECT i.guid, i.slug, i.epoch, i.pubdate, i.link, r.title, r.description" \
	" FROM items i JOIN item_revisions r ON r.guid = i.guid" \
	" AND r.rev = coalesce((SELECT max(rev) FROM item_revisions WHERE guid = i.guid" \
	" AND (" NOW " = 0 OR seen_at <= " NOW ")), 1)"

/* Steps s (ITEM_COLUMNS) to its end, calling cb per row; what names the walk. */
static cs_err
walk_items(struct store *st, sqlite3_stmt *s, feed_item_cb cb, void *ctx, const char *what,
    char *err, size_t errlen)
{
	struct feed_item it;
	cs_err rc;
	int row;

	for (;;) {
		rc = store_step(st, s, &row, "read items", err, errlen);
		if (rc != CS_OK || !row)
			break;
		memset(&it, 0, sizeof(it));
		it.guid = store_col_text(s, 0);
		it.slug = store_col_text(s, 1);
		it.epoch = sqlite3_column_int64(s, 2);
		it.pubdate = sqlite3_column_int64(s, 3);
		it.link = store_col_text(s, 4);
		it.title = store_col_text(s, 5);
		it.description = store_col_text(s, 6);
		if (cb(&it, ctx) != 0) {
			rc = cs_seterr(err, errlen, CS_ERR_STATE, "%s: reading %s: stopped by the callback",
			    st->path, what);
			break;
		}
	}
	return rc;
}

cs_err
store_items_for_slug(struct store *st, const char *slug, int64_t now, feed_item_cb cb,
    void *ctx, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	char what[300];
	cs_err rc;

	rc = store_query(st, &s, err, errlen, ITEM_COLUMNS("?2")
	    " WHERE i.slug = ?1 AND (?2 = 0 OR i.epoch <= ?2)"
	    " ORDER BY i.epoch DESC, i.guid DESC", "sL", slug, now);
	if (rc != CS_OK)
		goto out;
	snprintf(what, sizeof(what), "items of %s", slug);
	rc = walk_items(st, s, cb, ctx, what, err, errlen);
out:
	store_release(st, s);
	return rc;
}

cs_err
store_items_all(struct store *st, int64_t now, const char *const *slugs, size_t n,
    feed_item_cb cb, void *ctx, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	json_t *arr = json_array();
	char *list = NULL;
	cs_err rc = CS_OK;

	/* The slugs travel as one bound JSON array: json_each() turns it into rows. */
	for (size_t i = 0; arr != NULL && i < n; i++) {
		if (json_array_append_new(arr, json_string(slugs[i])) != 0) {
			json_decref(arr);
			arr = NULL;
		}
	}
	list = arr != NULL ? jsonout_dumps(arr, JSON_COMPACT) : NULL;
	if (list == NULL) {
		rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "%s: reading items: out of memory", st->path);
		goto out;
	}
	rc = store_query(st, &s, err, errlen, ITEM_COLUMNS("?1")
	    " WHERE i.slug IN (SELECT value FROM json_each(?2)) AND (?1 = 0 OR i.epoch <= ?1)"
	    " ORDER BY i.slug, i.epoch DESC, i.guid DESC", "Ls", now, list);
	if (rc == CS_OK)
		rc = walk_items(st, s, cb, ctx, "items", err, errlen);
out:
	store_release(st, s);
	free(list);
	json_decref(arr);
	return rc;
}

/* ---- feed verdicts ---- */

void
store_feed_state_clear(struct store_feed_state *s)
{
	if (s == NULL)
		return;
	free(s->slug);
	free(s->title);
	free(s->guid);
	memset(s, 0, sizeof(*s));
}

cs_err
store_feed_state_put(struct store *st, const struct store_feed_state *v, char *err,
    size_t errlen)
{
	if (v->slug == NULL || v->slug[0] == '\0')
		return cs_seterr(err, errlen, CS_ERR_USAGE, "%s: feed verdict without a slug",
		    st->path);
	if ((int)v->state < STATUS_AWS_NORMAL || v->state >= STATUS_AWS_UNKNOWN)
		return cs_seterr(err, errlen, CS_ERR_USAGE, "%s: feed verdict for %s: state %d is not a verdict",
		    st->path, v->slug, (int)v->state);
	return store_exec(st, NULL, "write feed verdict", err, errlen,
	    "INSERT INTO feed_state(slug, state, updated, title, guid, event_start, decided_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)"
	    " ON CONFLICT(slug) DO UPDATE SET state = ?2, updated = ?3, title = ?4, guid = ?5,"
	    " event_start = ?6, decided_at = ?7",
	    "ssLssLL", v->slug, status_aws_name(v->state), v->updated, v->title, v->guid,
	    v->event_start, v->decided_at);
}

cs_err
store_feed_state_get(struct store *st, const char *slug, struct store_feed_state *out,
    char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	cs_err rc;
	int row;

	memset(out, 0, sizeof(*out));
	rc = store_query(st, &s, err, errlen,
	    "SELECT slug, state, updated, title, guid, event_start, decided_at"
	    " FROM feed_state WHERE slug = ?1", "s", slug);
	if (rc != CS_OK)
		goto out;
	rc = store_step(st, s, &row, "read feed verdict", err, errlen);
	if (rc != CS_OK || !row)
		goto out;
	if (status_aws_parse(store_col_text(s, 1), &out->state) != 0) {
		rc = cs_seterr(err, errlen, CS_ERR_DB, "%s: feed verdict for %s: unknown state '%s'",
		    st->path, slug, store_col_text(s, 1));
		goto out;
	}
	out->updated = sqlite3_column_int64(s, 2);
	out->event_start = sqlite3_column_int64(s, 5);
	out->decided_at = sqlite3_column_int64(s, 6);
	rc = store_col_dup(s, 0, &out->slug, err, errlen);
	if (rc == CS_OK)
		rc = store_col_dup(s, 3, &out->title, err, errlen);
	if (rc == CS_OK)
		rc = store_col_dup(s, 4, &out->guid, err, errlen);
out:
	store_release(st, s);
	if (rc != CS_OK)
		store_feed_state_clear(out);
	return rc;
}
