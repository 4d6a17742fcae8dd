/* store.c: the store's connection: open, schema migrations, transactions, meta settings, dump. */
#include "store/store_priv.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#define STORE_FILE "clickstatus.db"
#define STORE_BUSY_MS 5000
/* Longest string or blob SQLite will accept from us; a longer one is CS_ERR_TOOBIG. */
#define STORE_MAX_VALUE (16 * 1024 * 1024)
/* "ClkS": marks the file as ours, so another program's database is refused. */
#define STORE_APPLICATION_ID 0x436c6b53

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
	/* 3: what an engineer's "not affected" covers, per cause: the AWS state and event ruled. */
	"ALTER TABLE incident_causes ADD COLUMN ruled_state TEXT;"
	"ALTER TABLE incident_causes ADD COLUMN ruled_at INTEGER NOT NULL DEFAULT 0;"
	/* Rulings made before: the state their causes had, at the time the audit log gives. */
	"UPDATE incident_causes SET ruled_state = state, ruled_at = COALESCE((SELECT max(at)"
	" FROM incident_actions a WHERE a.incident_id = incident_causes.incident_id"
	" AND a.action = 'not-affected'), 0) WHERE open = 1 AND incident_id IN"
	" (SELECT id FROM incidents WHERE not_affected = 1);",
	/*
	 * 4: email. Subscribers and their single-use confirmation tokens; the
	 * outbox learns claim tokens (an acknowledgement must come from the
	 * claim that is still current), a subject for ordering, and final
	 * states besides "delivered" (dead letters); mailings (what one email
	 * says, fixed once, so a re-send is the same message) and deliveries
	 * (one per mailing and recipient: the only place a partial send can
	 * be recorded).
	 */
	"CREATE TABLE subscribers("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	/* As typed, the domain in lower case; one subscriber per address whatever its case. */
	"  email TEXT NOT NULL UNIQUE COLLATE NOCASE,"
	"  state TEXT NOT NULL CHECK (state IN ('pending', 'confirmed', 'unsubscribed', 'bounced')),"
	"  components_json TEXT CHECK (components_json IS NULL OR json_valid(components_json)),"
	"  min_priority INTEGER NOT NULL DEFAULT 4 CHECK (min_priority BETWEEN 1 AND 4),"
	"  secret TEXT NOT NULL,"                  /* random: what the links' signatures are made of */
	"  source TEXT NOT NULL,"                  /* "form", "cli", "import" */
	"  created_at INTEGER NOT NULL,"
	"  confirmed_at INTEGER NOT NULL DEFAULT 0,"
	"  updated_at INTEGER NOT NULL,"
	"  last_error TEXT"                        /* why it bounced */
	");"
	"CREATE TABLE subscriber_tokens("
	"  hash TEXT PRIMARY KEY NOT NULL,"        /* SHA-256 of the token, hex; the token is never stored */
	"  subscriber_id INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,"
	"  created_at INTEGER NOT NULL,"
	"  expires_at INTEGER NOT NULL,"
	"  used_at INTEGER NOT NULL DEFAULT 0"
	");"
	"CREATE INDEX subscriber_tokens_by_subscriber ON subscriber_tokens(subscriber_id, created_at);"
	"ALTER TABLE outbox ADD COLUMN subject TEXT;"
	"ALTER TABLE outbox ADD COLUMN claim_token INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE outbox ADD COLUMN state TEXT NOT NULL DEFAULT 'pending'"
	"  CHECK (state IN ('pending', 'delivered', 'dead', 'expired', 'mailed'));"
	"UPDATE outbox SET state = 'delivered' WHERE delivered_at IS NOT NULL;"
	/* The subject is the key up to its event: "incident:3" of "incident:3:update:2:email". */
	"UPDATE outbox SET subject = CASE WHEN dedup_key IS NULL THEN NULL"
	"  WHEN dedup_key LIKE 'site:%' THEN 'site'"
	"  ELSE substr(dedup_key, 1, instr(dedup_key, ':')"
	"    + instr(substr(dedup_key, instr(dedup_key, ':') + 1), ':') - 1) END;"
	"CREATE INDEX outbox_by_subject ON outbox(channel, subject, id) WHERE delivered_at IS NULL;"
	"CREATE TABLE mailings("
	"  id INTEGER PRIMARY KEY AUTOINCREMENT,"
	"  subject TEXT NOT NULL,"                 /* "incident:3", "subscriber:7" */
	"  kind TEXT NOT NULL,"                    /* "incident", "maintenance", "rca", "confirm", "welcome_back" */
	"  outbox_first INTEGER NOT NULL DEFAULT 0,"/* the outbox rows it carries, by id */
	"  outbox_last INTEGER NOT NULL DEFAULT 0,"
	"  created_at INTEGER NOT NULL,"
	"  priority INTEGER NOT NULL DEFAULT 0,"   /* 1..4, 0 none: every priority matches */
	"  components_json TEXT NOT NULL CHECK (json_valid(components_json)),"
	"  content_json TEXT CHECK (content_json IS NULL OR json_valid(content_json))"
	");"
	"CREATE INDEX mailings_by_subject ON mailings(subject, id);"
	"CREATE TABLE deliveries("
	"  mailing_id INTEGER NOT NULL REFERENCES mailings(id),"
	"  subscriber_id INTEGER NOT NULL REFERENCES subscribers(id) ON DELETE CASCADE,"
	"  state TEXT NOT NULL CHECK (state IN ('pending', 'sent', 'bounced', 'dead', 'superseded', 'dropped')),"
	"  attempts INTEGER NOT NULL DEFAULT 0,"
	"  next_attempt_at INTEGER NOT NULL,"
	"  claim_token INTEGER NOT NULL DEFAULT 0,"
	"  last_code INTEGER NOT NULL DEFAULT 0,"
	"  last_error TEXT,"
	"  done_at INTEGER NOT NULL DEFAULT 0,"
	"  PRIMARY KEY (mailing_id, subscriber_id)"
	") WITHOUT ROWID;"
	"CREATE INDEX deliveries_due ON deliveries(mailing_id, subscriber_id) WHERE state = 'pending';"
	"CREATE INDEX deliveries_by_subscriber ON deliveries(subscriber_id);",
	/*
	 * 5: the MQTT topics the broker holds a retained message of, as its
	 * acknowledgements said: what to clear when a topic leaves the state
	 * (a resolved incident, a component no longer configured), even after
	 * a crash lost the publisher's memory.
	 */
	"CREATE TABLE mqtt_retained("
	"  topic TEXT PRIMARY KEY,"
	"  acked_at INTEGER NOT NULL"
	") WITHOUT ROWID;",
	/*
	 * 6: the publish targets (targets_state.h): each one's health, and the
	 * files it holds with their hashes, so a pass uploads only what differs
	 * and deletes what left the site, whatever the local releases kept.
	 */
	"CREATE TABLE publish_targets("
	"  name TEXT PRIMARY KEY,"
	"  release TEXT,"                          /* release it holds whole; NULL: none yet */
	"  last_success INTEGER NOT NULL DEFAULT 0,"
	"  last_attempt INTEGER NOT NULL DEFAULT 0,"
	"  last_error TEXT,"                       /* NULL while healthy */
	"  failing_since INTEGER NOT NULL DEFAULT 0,"/* first failure of the current run, 0: healthy */
	"  failures INTEGER NOT NULL DEFAULT 0,"   /* consecutive */
	"  next_attempt INTEGER NOT NULL DEFAULT 0"/* retry time while failing */
	") WITHOUT ROWID;"
	"CREATE TABLE publish_target_files("
	"  target TEXT NOT NULL,"
	"  path TEXT NOT NULL,"                    /* relative to the site: api/v2/summary.json */
	"  hash TEXT NOT NULL,"                    /* of the bytes uploaded */
	"  uploaded_at INTEGER NOT NULL,"
	"  PRIMARY KEY (target, path)"
	") WITHOUT ROWID;",
};

#define NMIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

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

/* Reads one integer PRAGMA. */
static cs_err
pragma_int(struct store *st, const char *sql, int *value, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	cs_err rc;
	int row;

	*value = 0;
	rc = store_query(st, &s, err, errlen, sql, "");
	if (rc != CS_OK)
		goto out;
	rc = store_step(st, s, &row, sql, err, errlen);
	if (rc != CS_OK)
		goto out;
	if (row)
		*value = sqlite3_column_int(s, 0);
out:
	store_release(st, s);
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
		rc = store_run(st, "BEGIN IMMEDIATE", "begin migration", err, errlen);
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
		rc = store_run(st, migrations[version], what, err, errlen);
		if (rc != CS_OK)
			goto fail;
		/* PRAGMA takes no parameters; the number is ours, not input. */
		snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", version + 1);
		rc = store_run(st, sql, what, err, errlen);
		if (rc != CS_OK)
			goto fail;
		rc = store_run(st, "COMMIT", "commit migration", err, errlen);
		if (rc != CS_OK)
			goto fail;
	}
	rc = store_run(st, "COMMIT", "commit", err, errlen);
	if (rc != CS_OK)
		goto fail;
	goto out;
fail:
	if (!sqlite3_get_autocommit(st->db))
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
out:
	return rc;
}

/*
 * Refuses a damaged store before anything writes to it. SQLite notices a
 * bad page only when a query reads it, and a cycle reads a fraction of
 * the pages: garbage over half of them went unnoticed, the cycle
 * committed on top, and the damage surfaced later (in `dump`, or as
 * missing history). PRAGMA quick_check reads every page (about 80 ms for
 * a 40 MB store), once per open. The file is left as it is for the
 * operator to restore or salvage; it is never recreated.
 */
static cs_err
check_pages(struct store *st, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	cs_err rc;
	int row;

	rc = store_query(st, &s, err, errlen, "PRAGMA quick_check(1)", "");
	if (rc != CS_OK)
		goto out;
	rc = store_step(st, s, &row, "check pages (PRAGMA quick_check)", err, errlen);
	if (rc != CS_OK)
		goto out;
	if (!row || strcmp(store_col_text(s, 0), "ok") != 0) {
		rc = cs_seterr(err, errlen, CS_ERR_DB, "%s: database disk image is malformed (%s); "
		    "left as it is: restore it from a backup", st->path,
		    row ? store_col_text(s, 0) : "no answer from PRAGMA quick_check");
		/* SQLite's answer has lines ("*** in database main ***\n..."): one log line */
		for (char *c = err; c != NULL && *c != '\0'; c++)
			if (*c == '\n')
				*c = ' ';
	}
out:
	store_release(st, s);
	return rc;
}

/* Sets up the connection: pragmas, identity check, page check, migrations. */
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
	rc = check_pages(st, err, errlen);
	if (rc != CS_OK)
		goto out;
	rc = store_run(st, "PRAGMA foreign_keys = ON", "enable foreign keys", err, errlen);
	if (rc != CS_OK)
		goto out;
	rc = store_query(st, &s, err, errlen, "PRAGMA journal_mode = WAL", "");
	if (rc != CS_OK)
		goto out;
	rc = store_step(st, s, &row, "set WAL mode", err, errlen);
	if (rc != CS_OK)
		goto out;
	if (!row || strcmp(store_col_text(s, 0), "wal") != 0) {
		rc = cs_seterr(err, errlen, CS_ERR_DB,
		    "%s: cannot use WAL journaling (journal mode is '%s'); is it on a network "
		    "file system?", st->path, row ? store_col_text(s, 0) : "?");
		goto out;
	}
	store_release(st, s);
	s = NULL;
	rc = store_run(st, "PRAGMA synchronous = FULL", "set synchronous", err, errlen);
	if (rc != CS_OK)
		goto out;
	/*
	 * Each store operation inside the cycle's transaction is a savepoint
	 * whose undo pages go to a temporary file once it has spilled; they
	 * are only needed until the savepoint ends, so memory is enough and
	 * spares tens of thousands of writes per cycle. Durability is the
	 * WAL's business, unchanged.
	 */
	rc = store_run(st, "PRAGMA temp_store = MEMORY", "set temp store", err, errlen);
	if (rc != CS_OK)
		goto out;
	rc = migrate(st, err, errlen);
out:
	store_release(st, s);
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

/*
 * Whether path has a write-ahead log with frames in it. Committed data
 * may live only there (a store killed before its first checkpoint has a
 * database file of 0 bytes), and SQLite reads it.
 */
static int
has_wal(const char *path)
{
	char wal[4096];
	struct stat sb;
	int n = snprintf(wal, sizeof(wal), "%s-wal", path);

	return n > 0 && (size_t)n < sizeof(wal) && stat(wal, &sb) == 0 && sb.st_size > 0;
}

/*
 * The store holds subscribers' addresses: personal data that only the
 * owner may read. A new file is created 0600 before SQLite opens it
 * (SQLite gives its -wal and -shm files the database's mode), and a store
 * made readable to others by an older version is closed to them.
 *
 * An existing file is never opened here: closing any descriptor of a file
 * drops every POSIX lock this process holds on it, including those of
 * another store connection of the same process (the daemon's mailer has
 * its own), which would let two writers in. chmod(2) by name takes no
 * descriptor.
 *
 * An existing file of 0 bytes (and no log) is refused, not initialised:
 * SQLite would take it for a new database and the store, subscribers and
 * history, would be silently replaced by an empty one. A new store is a
 * file this function creates; the only empty one left behind by us is a
 * first start killed between the create and SQLite's first write, and
 * the message says to remove it.
 */
static cs_err
private_file(const char *path, char *err, size_t errlen)
{
	struct stat sb;
	int fd;

	if (stat(path, &sb) == 0) {
		if ((sb.st_mode & 077) != 0 && chmod(path, 0600) != 0)
			return cs_seterr(err, errlen, CS_ERR_IO, "%s: cannot make it private (mode 0600):"
			    " %s", path, strerror(errno));
		if (S_ISREG(sb.st_mode) && sb.st_size == 0 && !has_wal(path))
			return cs_seterr(err, errlen, CS_ERR_DB, "%s: the store is an empty file (0 bytes):"
			    " truncated? left as it is: restore it from a backup, or remove it to start"
			    " a new, empty store", path);
		return CS_OK;
	}
	if (errno != ENOENT)
		return cs_seterr(err, errlen, CS_ERR_IO, "%s: %s", path, strerror(errno));
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd >= 0)
		close(fd);
	else if (errno != EEXIST)
		return cs_seterr(err, errlen, CS_ERR_IO, "%s: %s", path, strerror(errno));
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
	rc = private_file(st->path, err, errlen);
	if (rc != CS_OK)
		goto out;
	src = sqlite3_open_v2(st->path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	if (src != SQLITE_OK) {
		if (st->db == NULL)
			rc = cs_seterr(err, errlen, CS_ERR_NOMEM, "%s: out of memory", st->path);
		else
			rc = store_fail(st, src, "cannot open", err, errlen);
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
		/* sqlite3_close() refuses to close while statements remain. */
		store_cache_clear(st);
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
	rc = store_run(st, "BEGIN IMMEDIATE", "begin", err, errlen);
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
	rc = store_run(st, "COMMIT", "commit", err, errlen);
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

/* ---- meta ---- */

cs_err
store_meta_get(struct store *st, const char *key, char **value, char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	cs_err rc;
	int row;

	*value = NULL;
	rc = store_query(st, &s, err, errlen, "SELECT value FROM meta WHERE key = ?1", "s", key);
	if (rc != CS_OK)
		goto out;
	rc = store_step(st, s, &row, "read meta", err, errlen);
	if (rc == CS_OK && row)
		rc = store_col_dup(s, 0, value, err, errlen);
out:
	store_release(st, s);
	return rc;
}

cs_err
store_meta_set(struct store *st, const char *key, const char *value, char *err, size_t errlen)
{
	return store_exec(st, NULL, "write meta", err, errlen,
	    "INSERT INTO meta(key, value) VALUES (?1, ?2)"
	    " ON CONFLICT(key) DO UPDATE SET value = ?2", "ss", key, value);
}

cs_err
store_meta_set_int64(struct store *st, const char *key, int64_t value, char *err,
    size_t errlen)
{
	return store_exec(st, NULL, "write meta", err, errlen,
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
	rc = store_query(st, &s, err, errlen, "SELECT value FROM meta WHERE key = ?1", "s", key);
	if (rc != CS_OK)
		goto out;
	rc = store_step(st, s, &row, "read meta", err, errlen);
	if (rc != CS_OK || !row)
		goto out;
	if (sqlite3_column_type(s, 0) == SQLITE_INTEGER) {
		*value = sqlite3_column_int64(s, 0);
	} else {
		/* Set as text by store_meta_set(): accept a plain decimal integer only. */
		t = store_col_text(s, 0);
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
	store_release(st, s);
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
cs_err
store_dump_rows(struct store *st, FILE *fp, const char *label, int nkey, const char *sql,
    char *err, size_t errlen)
{
	sqlite3_stmt *s = NULL;
	cs_err rc;
	int row, ncol;

	rc = store_query(st, &s, err, errlen, sql, "");
	if (rc != CS_OK)
		goto out;
	ncol = sqlite3_column_count(s);
	for (;;) {
		rc = store_step(st, s, &row, "dump", err, errlen);
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
	store_release(st, s);
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
	rc = store_dump_rows(st, fp, "feed", 1,
	    "SELECT slug, url, etag, last_modified, last_attempt, last_success, last_status,"
	    " failures, next_attempt_at, readable, items_seen, last_error"
	    " FROM feeds ORDER BY slug", err, errlen);
	if (rc == CS_OK)
		rc = store_dump_rows(st, fp, "verdict", 1,
		    "SELECT slug, state, updated, event_start, decided_at, guid, title"
		    " FROM feed_state ORDER BY slug", err, errlen);
	if (rc == CS_OK)
		rc = store_dump_rows(st, fp, "items", 0,
		    "SELECT (SELECT count(*) FROM items) AS count,"
		    " (SELECT count(*) FROM item_revisions) AS revisions", err, errlen);
	if (rc == CS_OK)
		rc = store_dump_rows(st, fp, "component", 1,
		    "SELECT component_id, status, since, cause_json AS cause"
		    " FROM component_status ORDER BY component_id", err, errlen);
	if (rc == CS_OK)
		rc = store_dump_rows(st, fp, "history", 2,
		    "SELECT component_id, id, status, start, \"end\", cause_json AS cause"
		    " FROM component_history ORDER BY component_id, start, id", err, errlen);
	if (rc == CS_OK)
		rc = store_dump_rows(st, fp, "outbox", 2,
		    "SELECT id, channel, dedup_key AS key, created_at, attempts, next_attempt_at,"
		    " delivered_at, last_error, payload FROM outbox ORDER BY id", err, errlen);
	if (rc == CS_OK)
		rc = store_dump_rows(st, fp, "meta", 1, "SELECT key, value FROM meta ORDER BY key",
		    err, errlen);
	if (rc == CS_OK)
		rc = store_incident_dump(st, fp, err, errlen);
	if (rc == CS_OK && ferror(fp))
		rc = cs_seterr(err, errlen, CS_ERR_IO, "%s: dump: write error", st->path);
out:
	return rc;
}
