/* store_sql.c: the SQL helpers every store file uses: errors, binding, stepping, atomic operations. */
#include "store_priv.h"

#include <stdarg.h>
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

/* Prepares sql and binds the arguments (see bindv()); *out is NULL on failure. */
cs_err
store_query(struct store *st, sqlite3_stmt **out, char *err, size_t errlen, const char *sql,
    const char *fmt, ...)
{
	sqlite3_stmt *s = NULL;
	va_list ap;
	cs_err rc = CS_OK;
	int src;

	*out = NULL;
	src = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
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
	sqlite3_finalize(s);
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

	src = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
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
	sqlite3_finalize(s);
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
		return store_run(st, "BEGIN IMMEDIATE", "begin", err, errlen);
	return store_run(st, "SAVEPOINT store_op", "savepoint", err, errlen);
}

/* Ends what store_op_begin() started: keeps it if rc is CS_OK, else undoes it. Returns rc or the commit failure. */
cs_err
store_op_end(struct store *st, int own, cs_err rc, char *err, size_t errlen)
{
	if (rc == CS_OK) {
		rc = store_run(st, own ? "COMMIT" : "RELEASE store_op", "commit", err, errlen);
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
