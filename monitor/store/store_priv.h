/* store_priv.h: PRIVATE to the store_*.c files: the store's connection and its SQL helpers; include store.h elsewhere. */
#ifndef STORE_PRIV_H
#define STORE_PRIV_H

#include <stddef.h>
#include <stdio.h>

#include <sqlite3.h>

#include "store/store.h"

/* Slots of the statement cache: room for every SQL literal of the store_*.c files (~80). */
#define STORE_STMT_SLOTS 256

/* One cached prepared statement, found by the address of its SQL literal. */
struct store_stmt {
	const char   *sql;  /* NULL: free slot */
	sqlite3_stmt *stmt;
};

struct store {
	sqlite3          *db;
	char             *path;    /* dir/clickstatus.db, for every message */
	int               in_tx;   /* an explicit store_begin() is open */
	struct store_stmt cache[STORE_STMT_SLOTS]; /* open addressing, linear probing */
	size_t            ncache;  /* slots in use */
	sqlite3_stmt    **oneoff;  /* statements prepared outside the cache, in use */
	size_t            noneoff, caponeoff;
};

/*
 * Reports SQLite failure rc of the step named what, with sqlite3_errmsg()
 * (and strerror() of the system error for I/O failures), converted to a
 * cs_err (see store.h). Returns that cs_err.
 */
cs_err store_fail(struct store *st, int rc, const char *what, char *err, size_t errlen);

/*
 * Prepares sql and binds the arguments as fmt says: 's' const char * (NULL
 * binds SQL NULL), 'L' int64_t, 'i' int, one per character. Strings are
 * bound without copy: they must outlive the statement's use. Sets *out
 * (NULL on failure); the caller hands it back with store_release().
 *
 * sql must be a string literal (or other text that never changes at that
 * address): the statement is compiled once per connection and cached under
 * the address of sql.
 */
cs_err store_query(struct store *st, sqlite3_stmt **out, char *err, size_t errlen,
    const char *sql, const char *fmt, ...);

/*
 * Steps s once: CS_OK with *row 1 for a row, 0 when done; anything else is
 * reported naming what.
 */
cs_err store_step(struct store *st, sqlite3_stmt *s, int *row, const char *what,
    char *err, size_t errlen);

/*
 * Runs one statement that returns no rows, with arguments as for
 * store_query(); sets *changes (may be NULL) to the rows it changed.
 */
cs_err store_exec(struct store *st, int *changes, const char *what, char *err, size_t errlen,
    const char *sql, const char *fmt, ...);

/*
 * Gives a statement from store_query() back: reset with its bindings
 * cleared for the next use (or finalized if it was not cached). NULL is a
 * no-op.
 */
void store_release(struct store *st, sqlite3_stmt *s);

/* Finalizes every cached statement (before the connection closes). */
void store_cache_clear(struct store *st);

/*
 * Runs fixed SQL with no parameters, possibly several statements, compiled
 * anew each time (migrations, transaction control, error paths).
 */
cs_err store_run(struct store *st, const char *sql, const char *what, char *err, size_t errlen);

/*
 * A new claim token, different from every earlier one of this store (the
 * outbox's and the mail queue's claims); call inside the claim's write
 * transaction.
 */
cs_err store_claim_token(struct store *st, int64_t *token, char *err, size_t errlen);

/* Copies text column i into *out (owned; NULL for SQL NULL). */
cs_err store_col_dup(sqlite3_stmt *s, int i, char **out, char *err, size_t errlen);

/* Text of column i, or "" for NULL; valid until the next step. */
const char *store_col_text(sqlite3_stmt *s, int i);

/*
 * Makes one store operation atomic: outside an explicit transaction it
 * starts one (*own = 1), inside the caller's it sets a savepoint.
 * store_op_end() keeps the work if rc is CS_OK, else undoes it, and returns
 * rc or the failure to keep it.
 */
cs_err store_op_begin(struct store *st, int *own, char *err, size_t errlen);
cs_err store_op_end(struct store *st, int own, cs_err rc, char *err, size_t errlen);

/*
 * Writes the rows of sql to fp, one line each: label, the first nkey
 * columns bare, then the others as name=value (store_dump()'s format).
 */
cs_err store_dump_rows(struct store *st, FILE *fp, const char *label, int nkey, const char *sql,
    char *err, size_t errlen);

#endif
