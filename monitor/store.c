/* store.c: the persistent SQLite store: schema migrations, transactions, outbox and state tables. */
#include "store.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <sqlite3.h>

#define STORE_FILE "clickstatus.db"
#define STORE_BUSY_MS 5000
/* Longest string or blob SQLite will accept from us; a longer one is CS_ERR_TOOBIG. */
#define STORE_MAX_VALUE (16 * 1024 * 1024)
/* Most rows one store_outbox_claim_due() may return. */
#define STORE_CLAIM_MAX 1024
/* "ClkS": marks the file as ours, so another program's database is refused. */
#define STORE_APPLICATION_ID 0x436c6b53

struct store {
	sqlite3 *db;
	char    *path;   /* dir/clickstatus.db, for every message */
	int      in_tx;  /* an explicit store_begin() is open */
};

/*
 * Schema migrations. Entry i takes the database from user_version i to
 * i + 1; each runs in its own transaction together with the version bump,
 * so a crash leaves the database at a whole version. Entries are never
 * edited once released: to change the schema, APPEND one entry (for
 * example the incidents tables as version 2). A database whose version is
 * above the length of this array was written by a newer clickstatus and is
 * refused rather than misread.
 *
 * "end" is quoted because it is an SQL keyword.
 */
static const char *const migrations[] = {
	/* 1: fetch state, items, verdicts, components, outbox, meta. */
	"PRAGMA application_id = 1131178835;" /* STORE_APPLICATION_ID */
	"CREATE TABLE meta("
	"  key TEXT PRIMARY KEY NOT NULL,"
	"  value"                                   /* no type: text or integer as stored */
	");"
	"CREATE TABLE feeds("
	"  slug TEXT PRIMARY KEY NOT NULL,"
	"  url TEXT,"
	"  etag TEXT,"
	"  last_modified TEXT,"
	"  last_attempt INTEGER NOT NULL DEFAULT 0,"
	"  last_success INTEGER NOT NULL DEFAULT 0,"
	"  last_status INTEGER NOT NULL DEFAULT 0,"
	"  failures INTEGER NOT NULL DEFAULT 0,"
	"  next_attempt_at INTEGER NOT NULL DEFAULT 0,"
	"  last_error TEXT,"
	"  readable INTEGER NOT NULL DEFAULT 0 CHECK (readable IN (0, 1)),"
	"  items_seen INTEGER NOT NULL DEFAULT 0"
	");"
	"CREATE TABLE items("
	"  guid TEXT PRIMARY KEY NOT NULL,"
	"  slug TEXT NOT NULL,"
	"  epoch INTEGER NOT NULL,"
	"  pubdate INTEGER NOT NULL,"
	"  title TEXT NOT NULL,"
	"  link TEXT NOT NULL,"
	"  first_seen INTEGER NOT NULL,"
	"  last_seen INTEGER NOT NULL"
	");"
	"CREATE INDEX items_by_slug ON items(slug, epoch);"
	"CREATE TABLE item_revisions("
	"  guid TEXT NOT NULL REFERENCES items(guid) ON DELETE CASCADE,"
	"  rev INTEGER NOT NULL,"
	"  description TEXT NOT NULL,"
	"  title TEXT NOT NULL,"
	"  seen_at INTEGER NOT NULL,"
	"  PRIMARY KEY (guid, rev)"
	");"
	"CREATE TABLE feed_state("
	"  slug TEXT PRIMARY KEY NOT NULL,"
	"  state TEXT NOT NULL,"
	"  updated INTEGER NOT NULL,"
	"  title TEXT,"
	"  guid TEXT,"
	"  event_start INTEGER NOT NULL,"
	"  decided_at INTEGER NOT NULL"
	");"
	"CREATE TABLE component_status("
	"  component_id TEXT PRIMARY KEY NOT NULL,"
	"  status TEXT NOT NULL,"
	"  since INTEGER NOT NULL,"
	"  cause_json TEXT CHECK (cause_json IS NULL OR json_valid(cause_json))"
	");"
	"CREATE TABLE component_history("
	"  id INTEGER PRIMARY KEY,"
	"  component_id TEXT NOT NULL,"
	"  status TEXT NOT NULL,"
	"  cause_json TEXT CHECK (cause_json IS NULL OR json_valid(cause_json)),"
	"  start INTEGER NOT NULL,"
	"  \"end\" INTEGER,"
	"  CHECK (\"end\" IS NULL OR \"end\" >= start)"
	");"
	"CREATE INDEX component_history_by_component ON component_history(component_id, start);"
	/* At most one open period per component. */
	"CREATE UNIQUE INDEX component_history_open ON component_history(component_id)"
	"  WHERE \"end\" IS NULL;"
	/* AUTOINCREMENT: an id is never reused, since consumers deduplicate on it. */
	"CREATE TABLE outbox("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  channel TEXT NOT NULL,"
	"  dedup_key TEXT UNIQUE,"
	"  payload TEXT NOT NULL CHECK (json_valid(payload)),"
	"  created_at INTEGER NOT NULL,"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_attempt_at INTEGER NOT NULL,"
	"  last_error TEXT,"
	"  delivered_at INTEGER"
	");"
	"CREATE INDEX outbox_due ON outbox(channel, next_attempt_at, id)"
	"  WHERE delivered_at IS NULL;",
	/* 2: incidents, their updates, components, AWS causes, audit log; maintenances. */
	"CREATE TABLE incidents("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  kind TEXT NOT NULL CHECK (kind IN ('aws', 'manual')),"
	"  title TEXT NOT NULL,"
	"  status TEXT NOT NULL,"
	"  opened_at INTEGER NOT NULL,"
	"  resolved_at INTEGER NOT NULL DEFAULT 0,"
	"  prio_suggested INTEGER NOT NULL DEFAULT 0,"
	"  prio_override INTEGER NOT NULL DEFAULT 0,"
	"  not_affected INTEGER NOT NULL DEFAULT 0 CHECK (not_affected IN (0, 1)),"
	"  not_affected_reason TEXT,"
	"  responded_at INTEGER NOT NULL DEFAULT 0,"
	"  updated_at INTEGER NOT NULL DEFAULT 0,"
	"  rca_draft TEXT,"
	"  rca_draft_at INTEGER NOT NULL DEFAULT 0,"
	"  rca_final TEXT,"
	"  rca_final_at INTEGER NOT NULL DEFAULT 0"
	");"
	"CREATE TABLE incident_updates("
	"  incident_id INTEGER NOT NULL REFERENCES incidents(id),"
	"  n INTEGER NOT NULL,"
	"  at INTEGER NOT NULL,"
	"  status TEXT NOT NULL,"
	"  body TEXT NOT NULL,"
	"  author TEXT NOT NULL,"
	"  source_guid TEXT,"
	"  public INTEGER NOT NULL CHECK (public IN (0, 1)),"
	"  components_json TEXT NOT NULL CHECK (json_valid(components_json)),"
	"  PRIMARY KEY (incident_id, n)"
	");"
	"CREATE TABLE incident_components("
	"  incident_id INTEGER NOT NULL REFERENCES incidents(id),"
	"  component_id TEXT NOT NULL,"
	"  status TEXT NOT NULL,"
	"  PRIMARY KEY (incident_id, component_id)"
	");"
	"CREATE TABLE incident_causes("
	"  incident_id INTEGER NOT NULL REFERENCES incidents(id),"
	"  slug TEXT NOT NULL,"
	"  state TEXT NOT NULL,"
	"  guid TEXT NOT NULL,"
	"  title TEXT NOT NULL,"
	"  time INTEGER NOT NULL,"
	"  open INTEGER NOT NULL CHECK (open IN (0, 1)),"
	"  PRIMARY KEY (incident_id, slug)"
	");"
	"CREATE TABLE incident_actions("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  incident_id INTEGER REFERENCES incidents(id),"
	"  maintenance_id INTEGER REFERENCES maintenances(id),"
	"  at INTEGER NOT NULL,"
	"  author TEXT NOT NULL,"
	"  action TEXT NOT NULL,"
	"  detail TEXT,"
	"  reason TEXT"
	");"
	"CREATE TABLE maintenances("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  title TEXT NOT NULL,"
	"  body TEXT NOT NULL,"
	"  starts_at INTEGER NOT NULL,"
	"  ends_at INTEGER NOT NULL,"
	"  verify_until INTEGER NOT NULL,"
	"  status TEXT NOT NULL,"
	"  components_json TEXT NOT NULL CHECK (json_valid(components_json)),"
	"  created_at INTEGER NOT NULL,"
	"  author TEXT NOT NULL,"
	"  CHECK (starts_at < ends_at AND ends_at <= verify_until)"
	");",
};

#define NMIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

/* Outbox channels; a new notifier adds its name here. */
static const char *const channels[] = { "site", "email", "mqtt" };

int
store_schema_version(void)
{
	return NMIGRATIONS;
}

const char *
store_path(const struct store *st)
{
	return st->path;
}

int
store_in_transaction(const struct store *st)
{
	return st->in_tx;
}

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
static cs_err
db_fail(struct store *st, int rc, const char *what, char *err, size_t errlen)
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
static cs_err
query(struct store *st, sqlite3_stmt **out, char *err, size_t errlen, const char *sql,
    const char *fmt, ...)
{
	sqlite3_stmt *s = NULL;
	va_list ap;
	cs_err rc = CS_OK;
	int src;

	*out = NULL;
	src = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
	if (src != SQLITE_OK) {
		rc = db_fail(st, src, "prepare", err, errlen);
		goto out;
	}
	va_start(ap, fmt);
	src = bindv(s, fmt, ap);
	va_end(ap);
	if (src != SQLITE_OK) {
		rc = db_fail(st, src, "bind", err, errlen);
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
static cs_err
step(struct store *st, sqlite3_stmt *s, int *row, const char *what, char *err, size_t errlen)
{
	int src = sqlite3_step(s);

	*row = 0;
	if (src == SQLITE_ROW) {
		*row = 1;
		return CS_OK;
	}
	if (src == SQLITE_DONE)
		return CS_OK;
	return db_fail(st, src, what, err, errlen);
}

/* Runs one statement that returns no rows; sets *changes (may be NULL). */
static cs_err
execf(struct store *st, int *changes, const char *what, char *err, size_t errlen,
    const char *sql, const char *fmt, ...)
{
	sqlite3_stmt *s = NULL;
	va_list ap;
	cs_err rc = CS_OK;
	int src;

	src = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
	if (src != SQLITE_OK) {
		rc = db_fail(st, src, what, err, errlen);
		goto out;
	}
	va_start(ap, fmt);
	src = bindv(s, fmt, ap);
	va_end(ap);
	if (src != SQLITE_OK) {
		rc = db_fail(st, src, what, err, errlen);
		goto out;
	}
	src = sqlite3_step(s);
	if (src != SQLITE_DONE && src != SQLITE_ROW) {
		rc = db_fail(st, src, what, err, errlen);
		goto out;
	}
	if (changes != NULL)
		*changes = sqlite3_changes(st->db);
out:
	sqlite3_finalize(s);
	return rc;
}

/* Runs fixed SQL with no parameters (transaction control, migrations). */
static cs_err
exec_sql(struct store *st, const char *sql, const char *what, char *err, size_t errlen)
{
	int src = sqlite3_exec(st->db, sql, NULL, NULL, NULL);

	if (src != SQLITE_OK)
		return db_fail(st, src, what, err, errlen);
	return CS_OK;
}

/* Copies text column i into *out (NULL for SQL NULL). */
static cs_err
col_dup(sqlite3_stmt *s, int i, char **out, char *err, size_t errlen)
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
static const char *
col_text(sqlite3_stmt *s, int i)
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
static cs_err
op_begin(struct store *st, int *own, char *err, size_t errlen)
{
	*own = sqlite3_get_autocommit(st->db);
	if (*own)
		return exec_sql(st, "BEGIN IMMEDIATE", "begin", err, errlen);
	return exec_sql(st, "SAVEPOINT store_op", "savepoint", err, errlen);
}

/* Ends what op_begin() started: keeps it if rc is CS_OK, else undoes it. Returns rc or the commit failure. */
static cs_err
op_end(struct store *st, int own, cs_err rc, char *err, size_t errlen)
{
	if (rc == CS_OK) {
		rc = exec_sql(st, own ? "COMMIT" : "RELEASE store_op", "commit", err, errlen);
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

/* Reads one integer PRAGMA. */
static cs_err
pragma_int(struct store *st, const char *sql, int *value, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	cs_err rc;
	int row;

	*value = 0;
	rc = query(st, &s, err, errlen, sql, "");
	if (rc != CS_OK)
		goto out;
	rc = step(st, s, &row, sql, err, errlen);
	if (rc != CS_OK)
		goto out;
	if (row)
		*value = sqlite3_column_int(s, 0);
out:
	sqlite3_finalize(s);
	return rc;
}

static cs_err
too_new(struct store *st, int version, char *err, size_t errlen)
{
	return cs_seterr(err, errlen, CS_ERR_DB,
	    "%s: schema version %d is newer than this clickstatus supports (%d); "
	    "refusing to open it: upgrade clickstatus", st->path, version, NMIGRATIONS);
}

/*
 * Brings the schema to NMIGRATIONS. An up-to-date store is only read (no
 * write lock, so opening it never waits for the daemon's transaction).
 * Otherwise the version is read again inside each step's write
 * transaction, so two processes opening a fresh store at the same time do
 * not both apply a step.
 */
static cs_err
migrate(struct store *st, char *err, size_t errlen)
{
	char sql[64], what[64];
	cs_err rc = CS_OK;
	int version;

	rc = pragma_int(st, "PRAGMA user_version", &version, err, errlen);
	if (rc != CS_OK || version == NMIGRATIONS)
		goto out;
	if (version < 0) {
		rc = cs_seterr(err, errlen, CS_ERR_DB, "%s: invalid schema version %d", st->path,
		    version);
		goto out;
	}
	if (version > NMIGRATIONS) {
		rc = too_new(st, version, err, errlen);
		goto out;
	}
	for (;;) {
		rc = exec_sql(st, "BEGIN IMMEDIATE", "begin migration", err, errlen);
		if (rc != CS_OK)
			goto out;
		rc = pragma_int(st, "PRAGMA user_version", &version, err, errlen);
		if (rc != CS_OK)
			goto fail;
		if (version > NMIGRATIONS || version < 0) {
			rc = too_new(st, version, err, errlen);
			goto fail;
		}
		if (version == NMIGRATIONS)
			break;
		snprintf(what, sizeof(what), "schema migration to version %d", version + 1);
		rc = exec_sql(st, migrations[version], what, err, errlen);
		if (rc != CS_OK)
			goto fail;
		/* PRAGMA takes no parameters; the number is ours, not input. */
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", version + 1);
		rc = exec_sql(st, sql, what, err, errlen);
		if (rc != CS_OK)
			goto fail;
		rc = exec_sql(st, "COMMIT", "commit migration", err, errlen);
		if (rc != CS_OK)
			goto fail;
	}
	rc = exec_sql(st, "COMMIT", "commit", err, errlen);
	if (rc != CS_OK)
		goto fail;
	goto out;
fail:
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
out:
	return rc;
}

/* Sets up the connection: pragmas, identity check, migrations. */
static cs_err
configure(struct store *st, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	cs_err rc;
	int row, appid;

	sqlite3_extended_result_codes(st->db, 1);
	sqlite3_busy_timeout(st->db, STORE_BUSY_MS);
	sqlite3_limit(st->db, SQLITE_LIMIT_LENGTH, STORE_MAX_VALUE);

	/* The first statement to read the file: a file that is not a database fails here. */
	rc = pragma_int(st, "PRAGMA application_id", &appid, err, errlen);
	if (rc != CS_OK) {
		if (rc == CS_ERR_DB)
			cs_seterr(err, errlen, CS_ERR_DB, "%s: %s: not a clickstatus store, or damaged",
			    st->path, sqlite3_errmsg(st->db));
		goto out;
	}
	if (appid != 0 && appid != STORE_APPLICATION_ID) {
		rc = cs_seterr(err, errlen, CS_ERR_DB,
		    "%s: an SQLite database of another program (application_id %d), not a "
		    "clickstatus store", st->path, appid);
		goto out;
	}
	rc = exec_sql(st, "PRAGMA foreign_keys = ON", "enable foreign keys", err, errlen);
	if (rc != CS_OK)
		goto out;
	rc = query(st, &s, err, errlen, "PRAGMA journal_mode = WAL", "");
	if (rc != CS_OK)
		goto out;
	rc = step(st, s, &row, "set WAL mode", err, errlen);
	if (rc != CS_OK)
		goto out;
	if (!row || strcmp(col_text(s, 0), "wal") != 0) {
		rc = cs_seterr(err, errlen, CS_ERR_DB,
		    "%s: cannot use WAL journaling (journal mode is '%s'); is it on a network "
		    "file system?", st->path, row ? col_text(s, 0) : "?");
		goto out;
	}
	sqlite3_finalize(s);
	s = NULL;
	rc = exec_sql(st, "PRAGMA synchronous = FULL", "set synchronous", err, errlen);
	if (rc != CS_OK)
		goto out;
	rc = migrate(st, err, errlen);
out:
	sqlite3_finalize(s);
	return rc;
}

/* Creates dir (mode 0700) unless it exists as a directory. */
static cs_err
make_dir(const char *dir, char *err, size_t errlen)
{
	struct stat sb;

	if (mkdir(dir, 0700) == 0)
		return CS_OK;
	if (errno != EEXIST)
		return cs_seterr(err, errlen, CS_ERR_IO, "cannot create store directory %s: %s",
		    dir, strerror(errno));
	if (stat(dir, &sb) != 0)
		return cs_seterr(err, errlen, CS_ERR_IO, "store directory %s: %s", dir,
		    strerror(errno));
	if (!S_ISDIR(sb.st_mode))
		return cs_seterr(err, errlen, CS_ERR_IO, "store directory %s: not a directory", dir);
	return CS_OK;
}

cs_err
store_open(const char *dir, struct store **out, char *err, size_t errlen)
{
	struct store *st = NULL;
	size_t len;
	cs_err rc;
	int src;

	*out = NULL;
	if (dir == NULL || dir[0] == '\0') {
		rc = cs_seterr(err, errlen, CS_ERR_USAGE, "store: no directory given");
		goto out;
	}
	rc = make_dir(dir, err, errlen);
	if (rc != CS_OK)
		goto out;
	st = calloc(1, sizeof(*st));
	if (st == NULL) {
		rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "store: out of memory");
		goto out;
	}
	len = strlen(dir);
	st->path = malloc(len + sizeof("/" STORE_FILE));
	if (st->path == NULL) {
		rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "store: out of memory");
		goto out;
	}
	snprintf(st->path, len + sizeof("/" STORE_FILE), "%s%s" STORE_FILE, dir,
	    dir[len - 1] == '/' ? "" : "/");
	src = sqlite3_open_v2(st->path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (src != SQLITE_OK) {
		if (st->db == NULL)
			rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "%s: out of memory", st->path);
		else
			rc = db_fail(st, src, "cannot open", err, errlen);
		goto out;
	}
	rc = configure(st, err, errlen);
	if (rc != CS_OK)
		goto out;
	*out = st;
	st = NULL;
out:
	store_close(st);
	return rc;
}

void
store_close(struct store *st)
{
	if (st == NULL)
		return;
	if (st->db != NULL) {
		if (!sqlite3_get_autocommit(st->db))
			sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		sqlite3_close(st->db);
	}
	free(st->path);
	free(st);
}

cs_err
store_begin(struct store *st, char *err, size_t errlen)
{
	cs_err rc;

	if (st->in_tx || !sqlite3_get_autocommit(st->db))
		return cs_seterr(err, errlen, CS_ERR_STATE, "%s: a transaction is already open",
		    st->path);
	rc = exec_sql(st, "BEGIN IMMEDIATE", "begin", err, errlen);
	if (rc == CS_OK)
		st->in_tx = 1;
	return rc;
}

cs_err
store_commit(struct store *st, char *err, size_t errlen)
{
	cs_err rc;

	if (!st->in_tx)
		return cs_seterr(err, errlen, CS_ERR_STATE, "%s: commit without a transaction",
		    st->path);
	st->in_tx = 0;
	/* Some failures (disk full, I/O) make SQLite roll the whole transaction back itself. */
	if (sqlite3_get_autocommit(st->db))
		return cs_seterr(err, errlen, CS_ERR_DB,
		    "%s: the transaction was rolled back after an earlier error", st->path);
	rc = exec_sql(st, "COMMIT", "commit", err, errlen);
	if (rc != CS_OK && !sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

void
store_rollback(struct store *st)
{
	if (st == NULL || !st->in_tx)
		return;
	st->in_tx = 0;
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
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
	rc = execf(st, &changes, "add outbox message", err, errlen,
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

/* Reads the claimed rows into a new array (SELECT then UPDATE, inside op_begin()). */
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
	rc = query(st, &s, err, errlen,
	    "SELECT id, channel, dedup_key, payload, created_at, attempts, last_error"
	    " FROM outbox WHERE channel = ?1 AND delivered_at IS NULL"
	    " AND next_attempt_at <= ?2 ORDER BY id LIMIT ?3",
	    "sLL", channel, now, (int64_t)max);
	if (rc != CS_OK)
		goto out;
	for (;;) {
		rc = step(st, s, &row, "claim outbox messages", err, errlen);
		if (rc != CS_OK || !row)
			break;
		m = &v[nv++];
		m->id = sqlite3_column_int64(s, 0);
		m->created_at = sqlite3_column_int64(s, 4);
		m->attempts = sqlite3_column_int(s, 5) + 1;
		rc = col_dup(s, 1, &m->channel, err, errlen);
		if (rc == CS_OK)
			rc = col_dup(s, 2, &m->dedup_key, err, errlen);
		if (rc == CS_OK)
			rc = col_dup(s, 3, &m->payload, err, errlen);
		if (rc == CS_OK)
			rc = col_dup(s, 6, &m->last_error, err, errlen);
		if (rc != CS_OK)
			break;
	}
out:
	sqlite3_finalize(s);
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
	rc = op_begin(st, &own, err, errlen);
	if (rc != CS_OK)
		goto out;
	begun = 1;
	rc = outbox_select_due(st, channel, now, max, &v, &nv, err, errlen);
	for (size_t i = 0; rc == CS_OK && i < nv; i++)
		rc = execf(st, NULL, "lease outbox message", err, errlen,
		    "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?1 WHERE id = ?2",
		    "LL", now + lease, v[i].id);
out:
	if (begun)
		rc = op_end(st, own, rc, err, errlen);
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
	rc = query(st, &s, err, errlen, "SELECT delivered_at IS NOT NULL FROM outbox WHERE id = ?1",
	    "L", id);
	if (rc != CS_OK)
		goto out;
	rc = step(st, s, &row, "read outbox message", err, errlen);
	if (rc != CS_OK)
		goto out;
	*exists = row;
	*delivered = row && sqlite3_column_int(s, 0);
out:
	sqlite3_finalize(s);
	return rc;
}

cs_err
store_outbox_delivered(struct store *st, int64_t id, int64_t now, char *err, size_t errlen)
{
	int changes = 0;
	cs_err rc;

	rc = execf(st, &changes, "mark outbox message delivered", err, errlen,
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
	rc = execf(st, &changes, "record outbox failure", err, errlen,
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
	rc = query(st, &s, err, errlen,
	    "SELECT count(*) FROM outbox WHERE delivered_at IS NULL"
	    " AND (?1 IS NULL OR channel = ?1)", "s", channel);
	if (rc != CS_OK)
		goto out;
	rc = step(st, s, &row, "count outbox messages", err, errlen);
	if (rc == CS_OK && row)
		*count = (size_t)sqlite3_column_int64(s, 0);
out:
	sqlite3_finalize(s);
	return rc;
}

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
	rc = query(st, &s, err, errlen,
	    "SELECT slug, url, etag, last_modified, last_attempt, last_success, last_status,"
	    " failures, next_attempt_at, last_error, readable, items_seen"
	    " FROM feeds WHERE slug = ?1", "s", slug);
	if (rc != CS_OK)
		goto out;
	rc = step(st, s, &row, "read feed state", err, errlen);
	if (rc != CS_OK || !row)
		goto out;
	out->last_attempt = sqlite3_column_int64(s, 4);
	out->last_success = sqlite3_column_int64(s, 5);
	out->last_status = sqlite3_column_int(s, 6);
	out->failures = sqlite3_column_int(s, 7);
	out->next_attempt_at = sqlite3_column_int64(s, 8);
	out->readable = sqlite3_column_int(s, 10);
	out->items_seen = sqlite3_column_int64(s, 11);
	rc = col_dup(s, 0, &out->slug, err, errlen);
	if (rc == CS_OK)
		rc = col_dup(s, 1, &out->url, err, errlen);
	if (rc == CS_OK)
		rc = col_dup(s, 2, &out->etag, err, errlen);
	if (rc == CS_OK)
		rc = col_dup(s, 3, &out->last_modified, err, errlen);
	if (rc == CS_OK)
		rc = col_dup(s, 9, &out->last_error, err, errlen);
out:
	sqlite3_finalize(s);
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
	return execf(st, NULL, "write feed state", err, errlen,
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
	rc = op_begin(st, &own, err, errlen);
	if (rc != CS_OK)
		goto out;
	begun = 1;
	rc = query(st, &s, err, errlen,
	    "SELECT rev, title = ?2 AND description = ?3 FROM item_revisions WHERE guid = ?1"
	    " ORDER BY rev DESC LIMIT 1", "sss", item->guid, title, desc);
	if (rc != CS_OK)
		goto out;
	rc = step(st, s, &row, "read item", err, errlen);
	if (rc != CS_OK)
		goto out;
	if (!row) {
		what = STORE_ITEM_NEW;
		rc = execf(st, NULL, "add item", err, errlen,
		    "INSERT INTO items(guid, slug, epoch, pubdate, title, link, first_seen, last_seen)"
		    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
		    "ssLLssL", item->guid, nz(item->slug), item->epoch, item->pubdate, title,
		    nz(item->link), now);
	} else {
		rev = sqlite3_column_int(s, 0);
		if (!sqlite3_column_int(s, 1))
			what = STORE_ITEM_REVISED;
		rc = execf(st, NULL, "update item", err, errlen,
		    "UPDATE items SET slug = ?2, epoch = ?3, pubdate = ?4, title = ?5, link = ?6,"
		    " last_seen = max(last_seen, ?7) WHERE guid = ?1",
		    "ssLLssL", item->guid, nz(item->slug), item->epoch, item->pubdate, title,
		    nz(item->link), now);
	}
	if (rc != CS_OK || what == STORE_ITEM_UNCHANGED)
		goto out;
	rc = execf(st, NULL, "add item revision", err, errlen,
	    "INSERT INTO item_revisions(guid, rev, description, title, seen_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5)", "sissL", item->guid, rev + 1, desc, title, now);
out:
	sqlite3_finalize(s);
	if (begun)
		rc = op_end(st, own, rc, err, errlen);
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
	rc = query(st, &s, err, errlen, "SELECT count(*) FROM item_revisions WHERE guid = ?1",
	    "s", guid);
	if (rc != CS_OK)
		goto out;
	rc = step(st, s, &row, "count item revisions", err, errlen);
	if (rc == CS_OK && row)
		*count = sqlite3_column_int(s, 0);
out:
	sqlite3_finalize(s);
	return rc;
}

cs_err
store_items_for_slug(struct store *st, const char *slug, int64_t now, feed_item_cb cb,
    void *ctx, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	struct feed_item it;
	cs_err rc;
	int row;

	rc = query(st, &s, err, errlen,
	    "SELECT i.guid, i.slug, i.epoch, i.pubdate, i.link, r.title, r.description"
	    " FROM items i JOIN item_revisions r ON r.guid = i.guid"
	    " AND r.rev = (SELECT max(rev) FROM item_revisions WHERE guid = i.guid)"
	    " WHERE i.slug = ?1 AND (?2 = 0 OR i.epoch <= ?2)"
	    " ORDER BY i.epoch DESC, i.guid DESC", "sL", slug, now);
	if (rc != CS_OK)
		goto out;
	for (;;) {
		rc = step(st, s, &row, "read items", err, errlen);
		if (rc != CS_OK || !row)
			break;
		memset(&it, 0, sizeof(it));
		it.guid = col_text(s, 0);
		it.slug = col_text(s, 1);
		it.epoch = sqlite3_column_int64(s, 2);
		it.pubdate = sqlite3_column_int64(s, 3);
		it.link = col_text(s, 4);
		it.title = col_text(s, 5);
		it.description = col_text(s, 6);
		if (cb(&it, ctx) != 0) {
			rc = cs_seterr(err, errlen, CS_ERR_STATE, "%s: reading items of %s: stopped by the callback",
			    st->path, slug);
			break;
		}
	}
out:
	sqlite3_finalize(s);
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
	return execf(st, NULL, "write feed verdict", err, errlen,
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
	rc = query(st, &s, err, errlen,
	    "SELECT slug, state, updated, title, guid, event_start, decided_at"
	    " FROM feed_state WHERE slug = ?1", "s", slug);
	if (rc != CS_OK)
		goto out;
	rc = step(st, s, &row, "read feed verdict", err, errlen);
	if (rc != CS_OK || !row)
		goto out;
	if (status_aws_parse(col_text(s, 1), &out->state) != 0) {
		rc = cs_seterr(err, errlen, CS_ERR_DB, "%s: feed verdict for %s: unknown state '%s'",
		    st->path, slug, col_text(s, 1));
		goto out;
	}
	out->updated = sqlite3_column_int64(s, 2);
	out->event_start = sqlite3_column_int64(s, 5);
	out->decided_at = sqlite3_column_int64(s, 6);
	rc = col_dup(s, 0, &out->slug, err, errlen);
	if (rc == CS_OK)
		rc = col_dup(s, 3, &out->title, err, errlen);
	if (rc == CS_OK)
		rc = col_dup(s, 4, &out->guid, err, errlen);
out:
	sqlite3_finalize(s);
	if (rc != CS_OK)
		store_feed_state_clear(out);
	return rc;
}

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
	rc = op_begin(st, &own, err, errlen);
	if (rc != CS_OK)
		goto out;
	begun = 1;
	rc = query(st, &s, err, errlen,
	    "SELECT status = ?2, since FROM component_status WHERE component_id = ?1",
	    "ss", id, name);
	if (rc != CS_OK)
		goto out;
	rc = step(st, s, &row, "read component", err, errlen);
	if (rc != CS_OK)
		goto out;
	if (row && sqlite3_column_int(s, 0)) {
		what = STORE_COMPONENT_UNCHANGED;
		rc = execf(st, NULL, "update component cause", err, errlen,
		    "UPDATE component_status SET cause_json = ?2 WHERE component_id = ?1",
		    "ss", id, cause_json);
		goto out;
	}
	what = row ? STORE_COMPONENT_CHANGED : STORE_COMPONENT_FIRST;
	since = row ? sqlite3_column_int64(s, 1) : now;
	if (since < now)
		since = now;
	rc = execf(st, NULL, "close component period", err, errlen,
	    "UPDATE component_history SET \"end\" = max(start, ?2)"
	    " WHERE component_id = ?1 AND \"end\" IS NULL", "sL", id, since);
	if (rc == CS_OK)
		rc = execf(st, NULL, "open component period", err, errlen,
		    "INSERT INTO component_history(component_id, status, cause_json, start, \"end\")"
		    " VALUES (?1, ?2, ?3, ?4, NULL)", "sssL", id, name, cause_json, since);
	if (rc == CS_OK)
		rc = execf(st, NULL, "write component status", err, errlen,
		    "INSERT INTO component_status(component_id, status, since, cause_json)"
		    " VALUES (?1, ?2, ?3, ?4) ON CONFLICT(component_id) DO UPDATE SET"
		    " status = ?2, since = ?3, cause_json = ?4", "ssLs", id, name, since, cause_json);
out:
	sqlite3_finalize(s);
	if (begun)
		rc = op_end(st, own, rc, err, errlen);
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
	rc = query(st, &s, err, errlen,
	    "SELECT component_id, status, since, cause_json FROM component_status"
	    " WHERE component_id = ?1", "s", id);
	if (rc != CS_OK)
		goto out;
	rc = step(st, s, &row, "read component", err, errlen);
	if (rc != CS_OK || !row)
		goto out;
	if (status_component_parse(col_text(s, 1), &out->status) != 0) {
		rc = cs_seterr(err, errlen, CS_ERR_DB, "%s: component %s: unknown status '%s'",
		    st->path, id, col_text(s, 1));
		goto out;
	}
	out->since = sqlite3_column_int64(s, 2);
	rc = col_dup(s, 0, &out->id, err, errlen);
	if (rc == CS_OK)
		rc = col_dup(s, 3, &out->cause_json, err, errlen);
out:
	sqlite3_finalize(s);
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

	rc = query(st, &s, err, errlen,
	    "SELECT id, component_id, status, cause_json, start, \"end\" FROM component_history"
	    " WHERE component_id = ?1 AND (?3 = 0 OR start < ?3)"
	    " AND (\"end\" IS NULL OR \"end\" > ?2) ORDER BY start, id", "sLL", id, from, to);
	if (rc != CS_OK)
		goto out;
	for (;;) {
		rc = step(st, s, &row, "read component history", err, errlen);
		if (rc != CS_OK || !row)
			break;
		memset(&h, 0, sizeof(h));
		h.id = sqlite3_column_int64(s, 0);
		h.component_id = col_text(s, 1);
		if (status_component_parse(col_text(s, 2), &h.status) != 0) {
			rc = cs_seterr(err, errlen, CS_ERR_DB,
			    "%s: component %s history %" PRId64 ": unknown status '%s'",
			    st->path, id, h.id, col_text(s, 2));
			break;
		}
		h.cause_json = sqlite3_column_type(s, 3) == SQLITE_NULL ? NULL : col_text(s, 3);
		h.start = sqlite3_column_int64(s, 4);
		h.end = sqlite3_column_int64(s, 5);
		if (cb(&h, ctx) != 0) {
			rc = cs_seterr(err, errlen, CS_ERR_STATE,
			    "%s: reading history of %s: stopped by the callback", st->path, id);
			break;
		}
	}
out:
	sqlite3_finalize(s);
	return rc;
}

/* ---- meta ---- */

cs_err
store_meta_get(struct store *st, const char *key, char **value, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	cs_err rc;
	int row;

	*value = NULL;
	rc = query(st, &s, err, errlen, "SELECT value FROM meta WHERE key = ?1", "s", key);
	if (rc != CS_OK)
		goto out;
	rc = step(st, s, &row, "read meta", err, errlen);
	if (rc == CS_OK && row)
		rc = col_dup(s, 0, value, err, errlen);
out:
	sqlite3_finalize(s);
	return rc;
}

cs_err
store_meta_set(struct store *st, const char *key, const char *value, char *err, size_t errlen)
{
	return execf(st, NULL, "write meta", err, errlen,
	    "INSERT INTO meta(key, value) VALUES (?1, ?2)"
	    " ON CONFLICT(key) DO UPDATE SET value = ?2", "ss", key, value);
}

cs_err
store_meta_set_int64(struct store *st, const char *key, int64_t value, char *err,
    size_t errlen)
{
	return execf(st, NULL, "write meta", err, errlen,
	    "INSERT INTO meta(key, value) VALUES (?1, ?2)"
	    " ON CONFLICT(key) DO UPDATE SET value = ?2", "sL", key, value);
}

cs_err
store_meta_get_int64(struct store *st, const char *key, int64_t *value, int *found,
    char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	const char *t;
	char *end;
	long long v;
	cs_err rc;
	int row;

	if (found != NULL)
		*found = 0;
	rc = query(st, &s, err, errlen, "SELECT value FROM meta WHERE key = ?1", "s", key);
	if (rc != CS_OK)
		goto out;
	rc = step(st, s, &row, "read meta", err, errlen);
	if (rc != CS_OK || !row)
		goto out;
	if (sqlite3_column_type(s, 0) == SQLITE_INTEGER) {
		*value = sqlite3_column_int64(s, 0);
	} else {
		/* Set as text by store_meta_set(): accept a plain decimal integer only. */
		t = col_text(s, 0);
		errno = 0;
		v = strtoll(t, &end, 10);
		if (t[0] == '\0' || *end != '\0' || errno != 0) {
			rc = cs_seterr(err, errlen, CS_ERR_PARSE, "%s: meta %s: '%s' is not an integer",
			    st->path, key, t);
			goto out;
		}
		*value = v;
	}
	if (found != NULL)
		*found = 1;
out:
	sqlite3_finalize(s);
	return rc;
}

/* ---- dump ---- */

/* Writes s quoted, with control bytes, quote and backslash escaped. */
static void
dump_string(FILE *fp, const unsigned char *s, int len)
{
	fputc('"', fp);
	for (int i = 0; i < len; i++) {
		unsigned char c = s[i];

		if (c == '"' || c == '\\')
			fprintf(fp, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", fp);
		else if (c == '\t')
			fputs("\\t", fp);
		else if (c < 0x20 || c == 0x7f)
			fprintf(fp, "\\x%02x", c);
		else
			fputc(c, fp);
	}
	fputc('"', fp);
}

/*
 * Dumps the rows of sql, one line each: label, then the first nkey
 * columns bare, then the others as name=value (names from the SQL's AS).
 * NULL is "-", integers are decimal, text is quoted.
 */
static cs_err
dump_rows(struct store *st, FILE *fp, const char *label, int nkey, const char *sql,
    char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	cs_err rc;
	int row, ncol;

	rc = query(st, &s, err, errlen, sql, "");
	if (rc != CS_OK)
		goto out;
	ncol = sqlite3_column_count(s);
	for (;;) {
		rc = step(st, s, &row, "dump", err, errlen);
		if (rc != CS_OK || !row)
			break;
		fputs(label, fp);
		for (int i = 0; i < ncol; i++) {
			fputc(' ', fp);
			if (i >= nkey)
				fprintf(fp, "%s=", sqlite3_column_name(s, i));
			switch (sqlite3_column_type(s, i)) {
			case SQLITE_NULL:
				fputc('-', fp);
				break;
			case SQLITE_INTEGER:
				fprintf(fp, "%lld", (long long)sqlite3_column_int64(s, i));
				break;
			default:
				dump_string(fp, sqlite3_column_text(s, i), sqlite3_column_bytes(s, i));
				break;
			}
		}
		fputc('\n', fp);
	}
out:
	sqlite3_finalize(s);
	return rc;
}

cs_err
store_dump(struct store *st, FILE *fp, char *err, size_t errlen)
{
	cs_err rc;
	int version;

	rc = pragma_int(st, "PRAGMA user_version", &version, err, errlen);
	if (rc != CS_OK)
		goto out;
	fprintf(fp, "schema %d\n", version);
	rc = dump_rows(st, fp, "feed", 1,
	    "SELECT slug, url, etag, last_modified, last_attempt, last_success, last_status,"
	    " failures, next_attempt_at, readable, items_seen, last_error"
	    " FROM feeds ORDER BY slug", err, errlen);
	if (rc == CS_OK)
		rc = dump_rows(st, fp, "verdict", 1,
		    "SELECT slug, state, updated, event_start, decided_at, guid, title"
		    " FROM feed_state ORDER BY slug", err, errlen);
	if (rc == CS_OK)
		rc = dump_rows(st, fp, "items", 0,
		    "SELECT (SELECT count(*) FROM items) AS count,"
		    " (SELECT count(*) FROM item_revisions) AS revisions", err, errlen);
	if (rc == CS_OK)
		rc = dump_rows(st, fp, "component", 1,
		    "SELECT component_id, status, since, cause_json AS cause"
		    " FROM component_status ORDER BY component_id", err, errlen);
	if (rc == CS_OK)
		rc = dump_rows(st, fp, "history", 2,
		    "SELECT component_id, id, status, start, \"end\", cause_json AS cause"
		    " FROM component_history ORDER BY component_id, start, id", err, errlen);
	if (rc == CS_OK)
		rc = dump_rows(st, fp, "outbox", 2,
		    "SELECT id, channel, dedup_key AS key, created_at, attempts, next_attempt_at,"
		    " delivered_at, last_error, payload FROM outbox ORDER BY id", err, errlen);
	if (rc == CS_OK)
		rc = dump_rows(st, fp, "meta", 1, "SELECT key, value FROM meta ORDER BY key",
		    err, errlen);
	if (rc == CS_OK)
		rc = store_incident_dump(st, fp, err, errlen);
	if (rc == CS_OK && ferror(fp))
		rc = cs_seterr(err, errlen, CS_ERR_IO, "%s: dump: write error", st->path);
out:
	return rc;
}

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
	rc = execf(st, NULL, "create incident", err, errlen,
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

	rc = execf(st, &changes, "write incident", err, errlen,
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
	rc = col_dup(s, 1, &out->kind, err, errlen);
	if (rc == CS_OK)
		rc = col_dup(s, 2, &out->title, err, errlen);
	if (rc == CS_OK)
		rc = col_dup(s, 3, &out->status, err, errlen);
	if (rc == CS_OK)
		rc = col_dup(s, 9, &out->not_affected_reason, err, errlen);
	if (rc == CS_OK)
		rc = col_dup(s, 12, &out->rca_draft, err, errlen);
	if (rc == CS_OK)
		rc = col_dup(s, 14, &out->rca_final, err, errlen);
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
	rc = query(st, &s, err, errlen, "SELECT " INCIDENT_COLUMNS " FROM incidents WHERE id = ?1",
	    "L", id);
	if (rc != CS_OK)
		goto out;
	rc = step(st, s, &row, "read incident", err, errlen);
	if (rc != CS_OK)
		goto out;
	if (!row) {
		rc = cs_seterr(err, errlen, CS_ERR_NOTFOUND, "no incident %" PRId64, id);
		goto out;
	}
	rc = incident_row(s, out, err, errlen);
out:
	sqlite3_finalize(s);
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

	rc = query(st, &s, err, errlen, "SELECT " INCIDENT_COLUMNS " FROM incidents"
	    " WHERE ?1 = 0 OR resolved_at = 0 OR resolved_at >= ?1 ORDER BY id", "L", open_since);
	if (rc != CS_OK)
		goto out;
	for (;;) {
		rc = step(st, s, &row, "list incidents", err, errlen);
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
	sqlite3_finalize(s);
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
	rc = op_begin(st, &own, err, errlen);
	if (rc != CS_OK)
		goto out;
	begun = 1;
	rc = query(st, &s, err, errlen, "SELECT (SELECT coalesce(max(n), 0) + 1 FROM incident_updates"
	    " WHERE incident_id = ?1) FROM incidents WHERE id = ?1", "L", u->incident_id);
	if (rc == CS_OK)
		rc = step(st, s, &row, "number incident update", err, errlen);
	if (rc != CS_OK)
		goto out;
	if (!row) {
		rc = cs_seterr(err, errlen, CS_ERR_NOTFOUND, "no incident %" PRId64, u->incident_id);
		goto out;
	}
	next = sqlite3_column_int(s, 0);
	rc = execf(st, NULL, "add incident update", err, errlen,
	    "INSERT INTO incident_updates(incident_id, n, at, status, body, author, source_guid,"
	    " public, components_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	    "LiLssssis", u->incident_id, next, u->at, u->status, u->body, u->author,
	    u->source_guid, u->public ? 1 : 0,
	    u->components_json != NULL ? u->components_json : "[]");
out:
	sqlite3_finalize(s);
	if (begun)
		rc = op_end(st, own, rc, err, errlen);
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

	rc = query(st, &s, err, errlen, "SELECT incident_id, n, at, status, body, author, source_guid,"
	    " public, components_json FROM incident_updates WHERE incident_id = ?1 ORDER BY n",
	    "L", id);
	if (rc != CS_OK)
		goto out;
	for (;;) {
		rc = step(st, s, &row, "read incident updates", err, errlen);
		if (rc != CS_OK || !row)
			break;
		u.incident_id = sqlite3_column_int64(s, 0);
		u.n = sqlite3_column_int(s, 1);
		u.at = sqlite3_column_int64(s, 2);
		u.status = col_text(s, 3);
		u.body = col_text(s, 4);
		u.author = col_text(s, 5);
		u.source_guid = sqlite3_column_type(s, 6) == SQLITE_NULL ? NULL : col_text(s, 6);
		u.public = sqlite3_column_int(s, 7);
		u.components_json = col_text(s, 8);
		if (cb(&u, ctx) != 0) {
			rc = cs_seterr(err, errlen, CS_ERR_STATE, "%s: reading incident updates: "
			    "stopped by the callback", st->path);
			break;
		}
	}
out:
	sqlite3_finalize(s);
	return rc;
}

cs_err
store_incident_component_set(struct store *st, int64_t id, const char *component_id,
    const char *status, char *err, size_t errlen)
{
	return execf(st, NULL, "write incident component", err, errlen,
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

	rc = query(st, &s, err, errlen, "SELECT component_id, status FROM incident_components"
	    " WHERE incident_id = ?1 ORDER BY component_id", "L", id);
	if (rc != CS_OK)
		goto out;
	for (;;) {
		rc = step(st, s, &row, "read incident components", err, errlen);
		if (rc != CS_OK || !row)
			break;
		if (cb(col_text(s, 0), col_text(s, 1), ctx) != 0) {
			rc = cs_seterr(err, errlen, CS_ERR_STATE, "%s: reading incident components: "
			    "stopped by the callback", st->path);
			break;
		}
	}
out:
	sqlite3_finalize(s);
	return rc;
}

cs_err
store_incident_cause_set(struct store *st, int64_t id, const struct store_incident_cause *c,
    char *err, size_t errlen)
{
	return execf(st, NULL, "write incident cause", err, errlen,
	    "INSERT INTO incident_causes(incident_id, slug, state, guid, title, time, open)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT(incident_id, slug) DO UPDATE SET"
	    " state = ?3, guid = ?4, title = ?5, time = ?6, open = ?7",
	    "LssssLi", id, c->slug, c->state, c->guid, c->title, c->time, c->open ? 1 : 0);
}

cs_err
store_incident_causes(struct store *st, int64_t id, store_incident_cause_cb cb, void *ctx,
    char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	struct store_incident_cause c;
	cs_err rc;
	int row;

	rc = query(st, &s, err, errlen, "SELECT slug, state, guid, title, time, open"
	    " FROM incident_causes WHERE incident_id = ?1 ORDER BY slug", "L", id);
	if (rc != CS_OK)
		goto out;
	for (;;) {
		rc = step(st, s, &row, "read incident causes", err, errlen);
		if (rc != CS_OK || !row)
			break;
		c.slug = col_text(s, 0);
		c.state = col_text(s, 1);
		c.guid = col_text(s, 2);
		c.title = col_text(s, 3);
		c.time = sqlite3_column_int64(s, 4);
		c.open = sqlite3_column_int(s, 5);
		if (cb(&c, ctx) != 0) {
			rc = cs_seterr(err, errlen, CS_ERR_STATE, "%s: reading incident causes: "
			    "stopped by the callback", st->path);
			break;
		}
	}
out:
	sqlite3_finalize(s);
	return rc;
}

cs_err
store_incident_action(struct store *st, int64_t incident_id, int64_t maintenance_id, int64_t at,
    const char *author, const char *action, const char *detail, const char *reason,
    char *err, size_t errlen)
{
	return execf(st, NULL, "record action", err, errlen,
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
	rc = execf(st, NULL, "create maintenance", err, errlen,
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
	rc = col_dup(s, 1, &out->title, err, errlen);
	if (rc == CS_OK)
		rc = col_dup(s, 2, &out->body, err, errlen);
	if (rc == CS_OK)
		rc = col_dup(s, 6, &out->status, err, errlen);
	if (rc == CS_OK)
		rc = col_dup(s, 7, &out->components_json, err, errlen);
	if (rc == CS_OK)
		rc = col_dup(s, 9, &out->author, err, errlen);
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
	rc = query(st, &s, err, errlen, "SELECT " MAINTENANCE_COLUMNS " FROM maintenances"
	    " WHERE id = ?1", "L", id);
	if (rc == CS_OK)
		rc = step(st, s, &row, "read maintenance", err, errlen);
	if (rc != CS_OK)
		goto out;
	if (!row) {
		rc = cs_seterr(err, errlen, CS_ERR_NOTFOUND, "no maintenance %" PRId64, id);
		goto out;
	}
	rc = maintenance_row(s, out, err, errlen);
out:
	sqlite3_finalize(s);
	return rc;
}

cs_err
store_maintenance_set_status(struct store *st, int64_t id, const char *status, char *err,
    size_t errlen)
{
	int changes = 0;
	cs_err rc;

	rc = execf(st, &changes, "write maintenance", err, errlen,
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

	rc = query(st, &s, err, errlen, "SELECT " MAINTENANCE_COLUMNS " FROM maintenances"
	    " WHERE ?1 = 0 OR verify_until > ?1 ORDER BY starts_at, id", "L", active_at);
	if (rc != CS_OK)
		goto out;
	for (;;) {
		rc = step(st, s, &row, "list maintenances", err, errlen);
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
	sqlite3_finalize(s);
	return rc;
}

cs_err
store_incident_dump(struct store *st, FILE *fp, char *err, size_t errlen)
{
	cs_err rc;

	rc = dump_rows(st, fp, "incident", 1,
	    "SELECT id, kind, status, opened_at, resolved_at, prio_suggested, prio_override,"
	    " not_affected, not_affected_reason, responded_at, updated_at, rca_draft, rca_draft_at,"
	    " rca_final, rca_final_at, title FROM incidents ORDER BY id", err, errlen);
	if (rc == CS_OK)
		rc = dump_rows(st, fp, "incident_update", 2,
		    "SELECT incident_id, n, at, status, author, public, source_guid,"
		    " components_json AS components, body FROM incident_updates"
		    " ORDER BY incident_id, n", err, errlen);
	if (rc == CS_OK)
		rc = dump_rows(st, fp, "incident_component", 2,
		    "SELECT incident_id, component_id, status FROM incident_components"
		    " ORDER BY incident_id, component_id", err, errlen);
	if (rc == CS_OK)
		rc = dump_rows(st, fp, "incident_cause", 2,
		    "SELECT incident_id, slug, state, open, time, guid, title FROM incident_causes"
		    " ORDER BY incident_id, slug", err, errlen);
	if (rc == CS_OK)
		rc = dump_rows(st, fp, "incident_action", 1,
		    "SELECT id, incident_id AS incident, maintenance_id AS maintenance, at, author,"
		    " action, detail, reason FROM incident_actions ORDER BY id", err, errlen);
	if (rc == CS_OK)
		rc = dump_rows(st, fp, "maintenance", 1,
		    "SELECT id, status, starts_at, ends_at, verify_until, created_at, author,"
		    " components_json AS components, title, body FROM maintenances ORDER BY id",
		    err, errlen);
	return rc;
}
