/* store_sql.c: the SQL helpers every store file uses: errors, binding, stepping, atomic operations. */
#include "store/store_priv.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* SQLite result code -> cs_err, at the edge of the module. */
static cs_err
map_rc(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_NOMEM:
		return CS_ERR_NOMEM;
	case SQLITE_TOOBIG:
		return CS_ERR_TOOBIG;
	case SQLITE_CANTOPEN:
	case SQLITE_IOERR:
	case SQLITE_FULL:
	case SQLITE_READONLY:
	case SQLITE_PERM:
		return CS_ERR_IO;
	default:
		return CS_ERR_DB;
	}
}

/* Reports SQLite failure rc of the step named what, with sqlite3_errmsg(). */
cs_err
store_fail(struct store *st, int rc, const char *what, char *err, size_t errlen)
{
	int sys = sqlite3_system_errno(st->db);

	if (sys != 0 && map_rc(rc) == CS_ERR_IO)
		return cs_seterr(err, errlen, map_rc(rc), "%s: %s: %s (%s)", st->path, what,
		    sqlite3_errmsg(st->db), strerror(sys));
	return cs_seterr(err, errlen, map_rc(rc), "%s: %s: %s", st->path, what,
	    sqlite3_errmsg(st->db));
}

/*
 * Binds the arguments to s in order, as fmt says: 's' const char * (NULL
 * binds SQL NULL), 'L' int64_t, 'i' int. Strings are bound without copy:
 * they must outlive the statement's use, which holds for our borrowed
 * arguments. Returns an SQLite code.
 */
static int
bindv(sqlite3_stmt *s, const char *fmt, va_list ap)
{
	int rc = SQLITE_OK;

	for (int i = 0; fmt[i] != '\0' && rc == SQLITE_OK; i++) {
		const char *str;

		switch (fmt[i]) {
		case 's':
			str = va_arg(ap, const char *);
			if (str == NULL)
				rc = sqlite3_bind_null(s, i + 1);
			else
				rc = sqlite3_bind_text(s, i + 1, str, -1, SQLITE_STATIC);
			break;
		case 'L':
			rc = sqlite3_bind_int64(s, i + 1, va_arg(ap, int64_t));
			break;
		case 'i':
			rc = sqlite3_bind_int(s, i + 1, va_arg(ap, int));
			break;
		default:
			rc = SQLITE_MISUSE;
			break;
		}
	}
	return rc;
}

/*
 * The statement cache. Compiling SQL costs more than running it for the
 * one-row statements the store is made of (a poll cycle runs tens of
 * thousands), so each SQL literal is compiled once per connection and kept,
 * found by its address: every caller passes a literal, which lives at one
 * address for the life of the program. A statement is reset and its
 * bindings cleared when given back, so it holds no lock and points at no
 * caller's string between uses.
 *
 * A cached statement still being stepped (a walk whose callback calls the
 * store again with the same SQL) is not taken a second time: that use, and
 * any SQL that finds the cache full, gets a statement of its own, finalized
 * when given back.
 */
static size_t
slot_of(const char *sql)
{
	uint64_t h = (uint64_t)(uintptr_t)sql * 0x9E3779B97F4A7C15ULL;

	return (size_t)(h >> 32) & (STORE_STMT_SLOTS - 1);
}

/* Prepares sql outside the cache and remembers it so store_release() finalizes it. */
static int
prepare_oneoff(struct store *st, const char *sql, sqlite3_stmt **out)
{
	sqlite3_stmt *s = NULL;
	int src;

	*out = NULL;
	if (st->noneoff == st->caponeoff) {
		size_t cap = st->caponeoff ? st->caponeoff * 2 : 4;
		sqlite3_stmt **n = realloc(st->oneoff, cap * sizeof(*n));

		if (n == NULL)
			return SQLITE_NOMEM;
		st->oneoff = n;
		st->caponeoff = cap;
	}
	src = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
	if (src == SQLITE_OK)
		st->oneoff[st->noneoff++] = *out = s;
	return src;
}

/* Finds or compiles the statement for sql; returns an SQLite code. */
static int
prepare(struct store *st, const char *sql, sqlite3_stmt **out)
{
	size_t i = slot_of(sql);
	sqlite3_stmt *s = NULL;
	int src;

	*out = NULL;
	while (st->cache[i].sql != NULL && st->cache[i].sql != sql)
		i = (i + 1) & (STORE_STMT_SLOTS - 1);
	if (st->cache[i].sql == sql) {
		if (sqlite3_stmt_busy(st->cache[i].stmt))
			return prepare_oneoff(st, sql, out);
		*out = st->cache[i].stmt;
		return SQLITE_OK;
	}
	/* Keep a quarter of the slots free so that probes stay short. */
	if (st->ncache >= STORE_STMT_SLOTS - STORE_STMT_SLOTS / 4)
		return prepare_oneoff(st, sql, out);
	src = sqlite3_prepare_v3(st->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &s, NULL);
	if (src != SQLITE_OK)
		return src;
	st->cache[i].sql = sql;
	st->cache[i].stmt = s;
	st->ncache++;
	*out = s;
	return SQLITE_OK;
}

void
store_release(struct store *st, sqlite3_stmt *s)
{
	if (s == NULL)
		return;
	for (size_t i = st->noneoff; i-- > 0;) {
		if (st->oneoff[i] == s) {
			sqlite3_finalize(s);
			st->oneoff[i] = st->oneoff[--st->noneoff];
			return;
		}
	}
	/* The step's error, if any, was reported already; reset repeats it. */
	sqlite3_reset(s);
	sqlite3_clear_bindings(s);
}

void
store_cache_clear(struct store *st)
{
	for (size_t i = 0; i < STORE_STMT_SLOTS; i++) {
		sqlite3_finalize(st->cache[i].stmt);
		st->cache[i].sql = NULL;
		st->cache[i].stmt = NULL;
	}
	st->ncache = 0;
	for (size_t i = 0; i < st->noneoff; i++)
		sqlite3_finalize(st->oneoff[i]);
	free(st->oneoff);
	st->oneoff = NULL;
	st->noneoff = st->caponeoff = 0;
}

/* Prepares sql (cached) and binds the arguments (see bindv()); *out is NULL on failure. */
cs_err
store_query(struct store *st, sqlite3_stmt **out, char *err, size_t errlen, const char *sql,
    const char *fmt, ...)
{
	sqlite3_stmt *s = NULL;
	va_list ap;
	cs_err rc = CS_OK;
	int src;

	*out = NULL;
	src = prepare(st, sql, &s);
	if (src != SQLITE_OK) {
		rc = store_fail(st, src, "prepare", err, errlen);
		goto out;
	}
	va_start(ap, fmt);
	src = bindv(s, fmt, ap);
	va_end(ap);
	if (src != SQLITE_OK) {
		rc = store_fail(st, src, "bind", err, errlen);
		goto out;
	}
	*out = s;
	s = NULL;
out:
	store_release(st, s);
	return rc;
}

/*
 * Steps s once: returns CS_OK and sets *row to 1 for SQLITE_ROW or 0 for
 * SQLITE_DONE; anything else is reported with what.
 */
cs_err
store_step(struct store *st, sqlite3_stmt *s, int *row, const char *what, char *err, size_t errlen)
{
	int src = sqlite3_step(s);

	*row = 0;
	if (src == SQLITE_ROW) {
		*row = 1;
		return CS_OK;
	}
	if (src == SQLITE_DONE)
		return CS_OK;
	return store_fail(st, src, what, err, errlen);
}

/* Runs one statement that returns no rows; sets *changes (may be NULL). */
cs_err
store_exec(struct store *st, int *changes, const char *what, char *err, size_t errlen,
    const char *sql, const char *fmt, ...)
{
	sqlite3_stmt *s = NULL;
	va_list ap;
	cs_err rc = CS_OK;
	int src;

	src = prepare(st, sql, &s);
	if (src != SQLITE_OK) {
		rc = store_fail(st, src, what, err, errlen);
		goto out;
	}
	va_start(ap, fmt);
	src = bindv(s, fmt, ap);
	va_end(ap);
	if (src != SQLITE_OK) {
		rc = store_fail(st, src, what, err, errlen);
		goto out;
	}
	src = sqlite3_step(s);
	if (src != SQLITE_DONE && src != SQLITE_ROW) {
		rc = store_fail(st, src, what, err, errlen);
		goto out;
	}
	if (changes != NULL)
		*changes = sqlite3_changes(st->db);
out:
	store_release(st, s);
	return rc;
}

/* Runs fixed SQL with no parameters (transaction control, migrations). */
cs_err
store_run(struct store *st, const char *sql, const char *what, char *err, size_t errlen)
{
	int src = sqlite3_exec(st->db, sql, NULL, NULL, NULL);

	if (src != SQLITE_OK)
		return store_fail(st, src, what, err, errlen);
	return CS_OK;
}

/* Copies text column i into *out (NULL for SQL NULL). */
cs_err
store_col_dup(sqlite3_stmt *s, int i, char **out, char *err, size_t errlen)
{
	const unsigned char *t;

	*out = NULL;
	if (sqlite3_column_type(s, i) == SQLITE_NULL)
		return CS_OK;
	t = sqlite3_column_text(s, i);
	if (t == NULL)
		return cs_seterr(err, errlen, CS_ERR_NOMEM, "store: out of memory reading a column");
	*out = strdup((const char *)t);
	if (*out == NULL)
		return cs_seterr(err, errlen, CS_ERR_NOMEM, "store: out of memory");
	return CS_OK;
}

/* Text of column i, or "" for NULL (views valid until the next step). */
const char *
store_col_text(sqlite3_stmt *s, int i)
{
	const unsigned char *t = sqlite3_column_text(s, i);

	return t != NULL ? (const char *)t : "";
}

/*
 * Makes one store operation atomic. Outside an explicit transaction it
 * starts one (BEGIN IMMEDIATE, *own = 1); inside the caller's it sets a
 * savepoint, so a failing operation is undone on its own and leaves the
 * caller's earlier work for the caller to commit or roll back.
 */
cs_err
store_op_begin(struct store *st, int *own, char *err, size_t errlen)
{
	*own = sqlite3_get_autocommit(st->db);
	if (*own)
		return store_exec(st, NULL, "begin", err, errlen, "BEGIN IMMEDIATE", "");
	return store_exec(st, NULL, "savepoint", err, errlen, "SAVEPOINT store_op", "");
}

/* Ends what store_op_begin() started: keeps it if rc is CS_OK, else undoes it. Returns rc or the commit failure. */
cs_err
store_op_end(struct store *st, int own, cs_err rc, char *err, size_t errlen)
{
	if (rc == CS_OK) {
		if (own)
			rc = store_exec(st, NULL, "commit", err, errlen, "COMMIT", "");
		else
			rc = store_exec(st, NULL, "commit", err, errlen, "RELEASE store_op", "");
		if (rc == CS_OK)
			return CS_OK;
	}
	/* The first error's message stays in err: these are best effort. */
	if (own) {
		if (!sqlite3_get_autocommit(st->db))
			sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	} else if (!sqlite3_get_autocommit(st->db)) {
		sqlite3_exec(st->db, "ROLLBACK TO store_op; RELEASE store_op", NULL, NULL, NULL);
	}
	return rc;
}
