/* store.c — opening the SQLite store, its settings, its migrations, and the audit log.
 *
 * The schema is a list of migrations; migration k takes a database from version k-1 to k and
 * is never edited once released, so every database that ever existed can be brought forward.
 * Version 1 is the batch store as it was kept in files (batches and their partials); version 2
 * adds the rest of the record; version 3 says how each blob is stored (compressed ones since);
 * version 4 records which units uploaded each evidence file; version 5 keeps partials as exact
 * binary cells and the keys of keyed records across batches; version 6 keeps rule edits waiting
 * for a second person's approval; version 7 keeps the units' 整改 (rectification) of the items
 * of their 问题清单 and the evaluators' verdicts; version 8 stores bulletins cut to their
 * readers and blobs in content-addressed pieces; version 9 keeps the active batches' partials
 * compacted into totals per metric definition and period. The
 * comments in the SQL are the schema's documentation: the `sqlite3` shell shows them to an operator
 * who opens the file (.schema). */
#include "store.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>

struct pg_store {
    sqlite3 *db;
    char *path;
};

static const char *const migrations[] = {
    /* 1: batches and their partial aggregates */
    "CREATE TABLE batch (\n"
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT, -- ingestion order\n"
    "  id TEXT NOT NULL UNIQUE,               -- SHA-256 of the file's bytes, hex\n"
    "  source TEXT NOT NULL,                  -- a source of the rule set, or 'values'\n"
    "  file TEXT NOT NULL,                    -- the name it was delivered under\n"
    "  format TEXT NOT NULL,                  -- csv | ndjson\n"
    "  records INTEGER NOT NULL,\n"
    "  duplicates INTEGER NOT NULL DEFAULT 0, -- records whose key repeated, counted once\n"
    "  actor TEXT NOT NULL,                   -- who ingested it\n"
    "  ingested_at TEXT NOT NULL,\n"
    "  status TEXT NOT NULL DEFAULT 'active'\n"
    "    CHECK (status IN ('active', 'withdrawn', 'replaced')),\n"
    "  replaced_by TEXT REFERENCES batch(id)\n"
    ");\n"
    "CREATE TABLE partial ( -- one metric's partial aggregates over one batch\n"
    "  batch TEXT NOT NULL REFERENCES batch(id),\n"
    "  metric TEXT NOT NULL,\n"
    "  definition TEXT NOT NULL, -- hash of the metric's definition: a changed one recomputes\n"
    "  cells TEXT NOT NULL,      -- JSON: the cells per unit and period\n"
    "  PRIMARY KEY (batch, metric, definition)\n"
    ") WITHOUT ROWID;\n",

    /* 2: the rest of the record */
    "CREATE TABLE feed_value ( -- values fed directly, a batch of the pseudo-source 'values'\n"
    "  batch TEXT NOT NULL REFERENCES batch(id),\n"
    "  unit TEXT NOT NULL, period TEXT NOT NULL, metric TEXT NOT NULL,\n"
    "  value REAL, n REAL,\n"
    "  PRIMARY KEY (batch, unit, period, metric)\n"
    ") WITHOUT ROWID;\n"
    "CREATE TABLE evidence ( -- uploaded evidence files, kept at DATA/evidence/<hash>\n"
    "  hash TEXT PRIMARY KEY, name TEXT NOT NULL, type TEXT, bytes INTEGER NOT NULL,\n"
    "  stored_by TEXT NOT NULL, stored_at TEXT NOT NULL\n"
    ") WITHOUT ROWID;\n"
    "CREATE TABLE self_report ( -- 自报材料: a unit's value for itself, then an evaluator's "
    "review\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  unit TEXT NOT NULL, period TEXT NOT NULL, metric TEXT NOT NULL,\n"
    "  value REAL NOT NULL, n REAL,\n"
    "  evidence TEXT REFERENCES evidence(hash), link TEXT, note TEXT,\n"
    "  submitted_by TEXT NOT NULL, submitted_at TEXT NOT NULL,\n"
    "  status TEXT NOT NULL DEFAULT 'submitted'\n"
    "    CHECK (status IN ('submitted', 'accepted', 'rejected', 'superseded')),\n"
    "  reviewed_by TEXT, reviewed_at TEXT, reason TEXT,\n"
    "  CHECK (evidence IS NOT NULL OR link IS NOT NULL)\n"
    ");\n"
    "CREATE INDEX self_report_unit ON self_report(unit, period, metric);\n"
    "CREATE TABLE evaluator_score ( -- 定性评价: an evaluator's score of a qualitative indicator\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  unit TEXT NOT NULL, period TEXT NOT NULL, indicator TEXT NOT NULL,\n"
    "  score REAL NOT NULL, reason TEXT NOT NULL CHECK (length(reason) > 0),\n"
    "  entered_by TEXT NOT NULL, entered_at TEXT NOT NULL,\n"
    "  superseded_by INTEGER REFERENCES evaluator_score(id) -- NULL while it counts\n"
    ");\n"
    "CREATE INDEX evaluator_score_unit ON evaluator_score(unit, period, indicator);\n"
    "CREATE TABLE appeal ( -- 申诉: a unit's claim about one indicator of one period\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  unit TEXT NOT NULL, indicator TEXT NOT NULL, period TEXT NOT NULL,\n"
    "  claim TEXT NOT NULL, submitted_by TEXT NOT NULL, submitted_at TEXT NOT NULL,\n"
    "  status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'upheld', 'rejected')),\n"
    "  decision TEXT, decided_by TEXT, decided_at TEXT,\n"
    "  adjustment REAL NOT NULL DEFAULT 0 -- points added to the indicator when upheld\n"
    ");\n"
    "CREATE INDEX appeal_unit ON appeal(unit, period);\n"
    "CREATE TABLE blob ( -- content-addressed JSON: run inputs and results with their traces\n"
    "  hash TEXT PRIMARY KEY, body BLOB NOT NULL\n"
    ") WITHOUT ROWID;\n"
    "CREATE TABLE run ( -- one evaluation of a scheme for a period\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  scheme TEXT NOT NULL, period TEXT NOT NULL,\n"
    "  revision TEXT NOT NULL, -- the rule revision (content hash of the rule set)\n"
    "  trigger TEXT NOT NULL, actor TEXT,\n"
    "  started_at TEXT NOT NULL, finished_at TEXT NOT NULL,\n"
    "  inputs TEXT NOT NULL REFERENCES blob(hash), -- the values it read, frozen\n"
    "  result TEXT NOT NULL REFERENCES blob(hash), -- its numbers and traces\n"
    "  base INTEGER REFERENCES bulletin(id) -- 环比: the bulletin its movement is measured\n"
    "                                       -- against; NULL: the previous period's evaluation\n"
    ");\n"
    "CREATE INDEX run_period ON run(scheme, period);\n"
    "CREATE TABLE bulletin ( -- 通报: a published run; frozen; a correction is a new revision\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  scheme TEXT NOT NULL, period TEXT NOT NULL, revision INTEGER NOT NULL,\n"
    "  run INTEGER NOT NULL REFERENCES run(id),\n"
    "  published_by TEXT NOT NULL, published_at TEXT NOT NULL,\n"
    "  reason TEXT,  -- why a correction was published (NULL for revision 1)\n"
    "  changes TEXT, -- JSON: what differs from the previous revision\n"
    "  UNIQUE (scheme, period, revision)\n"
    ");\n"
    "CREATE TRIGGER bulletin_frozen BEFORE UPDATE ON bulletin\n"
    "  BEGIN SELECT RAISE(ABORT, 'a published bulletin is frozen: publish a correction'); END;\n"
    "CREATE TRIGGER bulletin_kept BEFORE DELETE ON bulletin\n"
    "  BEGIN SELECT RAISE(ABORT, 'a published bulletin is frozen: publish a correction'); END;\n"
    "CREATE TABLE audit ( -- append-only: who changed what, from what, to what\n"
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT,\n"
    "  at TEXT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, object TEXT NOT NULL,\n"
    "  before TEXT, after TEXT -- JSON\n"
    ");\n"
    "CREATE INDEX audit_actor ON audit(actor);\n"
    "CREATE INDEX audit_object ON audit(object);\n"
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit\n"
    "  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;\n"
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit\n"
    "  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;\n",

    /* 3: compressed blobs. The rows already there stay as they are ('identity'): rewriting
     * them would need zstd inside SQL, and they are read as well as new ones. */
    "ALTER TABLE blob ADD COLUMN encoding TEXT NOT NULL DEFAULT 'identity'\n"
    "  CHECK (encoding IN ('identity', 'zstd')); -- body as stored; hash: the plain bytes'\n",

    /* 4: who uploaded evidence. Evidence belongs to the units that uploaded its bytes, and a
     * unit's self-report cites only its own. For the files stored before, the one thing the
     * record shows is which units' self-reports already cite them: those units own them. Any
     * other older file has no owner: staff may still cite it, and a unit that holds it uploads
     * it again (the same bytes, the same hash) to own it. */
    "CREATE TABLE evidence_owner ( -- a unit that uploaded these bytes (staff uploads add none)\n"
    "  hash TEXT NOT NULL REFERENCES evidence(hash),\n"
    "  unit TEXT NOT NULL,\n"
    "  PRIMARY KEY (hash, unit)\n"
    ") WITHOUT ROWID;\n"
    "INSERT OR IGNORE INTO evidence_owner (hash, unit)\n"
    "  SELECT DISTINCT evidence, unit FROM self_report WHERE evidence IS NOT NULL;\n",

    /* 5: exact partials and keys across batches. partial.cells is written as a BLOB from now
     * on (the binary cells of core/data/batch.c, every double with all its bits, the sums'
     * rounding errors beside them); a JSON text row of before is left as it is and recomputed
     * from the batch's raw copy when next read, since its sums lost their last bits and its
     * distinct sets are 64-bit hashes (SQL cannot rewrite them: that needs the rule set). The
     * keys of keyed records go into record_key, so that a key is unique across the active
     * batches of its source; batches stored before have none and are indexed from their raw
     * copies when their source is next ingested or evaluated (key_state NULL). */
    "ALTER TABLE partial ADD COLUMN gen INTEGER NOT NULL DEFAULT 0;\n"
    "  -- the batch's keys_gen the cells were computed at: another one recomputes them\n"
    "ALTER TABLE batch ADD COLUMN shadowed INTEGER NOT NULL DEFAULT 0;\n"
    "  -- records not counted because another active batch's record with the key counts\n"
    "ALTER TABLE batch ADD COLUMN key_state INTEGER;\n"
    "  -- NULL: its keys are not in record_key; 1: settled; 2: its status changed since\n"
    "ALTER TABLE batch ADD COLUMN keys_gen INTEGER NOT NULL DEFAULT 0;\n"
    "  -- bumped whenever which of its records count changes\n"
    "CREATE TABLE record_key ( -- the key of every keyed record of every batch, exactly\n"
    "  source TEXT NOT NULL,\n"
    "  key TEXT NOT NULL,        -- the key field's text (a number as %.17g)\n"
    "  batch INTEGER NOT NULL REFERENCES batch(seq),\n"
    "  record INTEGER NOT NULL,  -- the batch's first record with the key, 1-based, file order\n"
    "  counts INTEGER NOT NULL DEFAULT 1, -- 0: another active batch's record counts instead\n"
    "  PRIMARY KEY (source, key, batch)\n"
    ") WITHOUT ROWID;\n"
    "CREATE INDEX record_key_batch ON record_key(batch);\n"
    "CREATE TABLE key_policy ( -- the key and on_duplicate record_key was last settled under\n"
    "  source TEXT PRIMARY KEY, key_field TEXT NOT NULL, on_duplicate TEXT NOT NULL\n"
    ") WITHOUT ROWID;\n",

    /* 6: rule edits waiting for a second person (rule_edits.approval = "two_person", the host's
     * approval.c). A proposal is decided once: approved (written into the rule files), rejected,
     * withdrawn by its author, or stale (the files changed before anyone approved it). */
    "CREATE TABLE rule_proposal ( -- a rule edit made on the dashboard, waiting for approval\n"
    "  id INTEGER PRIMARY KEY AUTOINCREMENT,\n"
    "  year INTEGER NOT NULL,\n"
    "  base TEXT NOT NULL,      -- content hash of the rule files it was made against\n"
    "  edit TEXT NOT NULL,      -- JSON: {year, base, effective?, changes: [...]} as posted\n"
    "  summary TEXT NOT NULL,   -- JSON: what it changes, in words (rulediff) and by line\n"
    "  author TEXT NOT NULL, proposed_at TEXT NOT NULL,\n"
    "  state TEXT NOT NULL DEFAULT 'pending'\n"
    "    CHECK (state IN ('pending', 'approved', 'rejected', 'withdrawn', 'stale')),\n"
    "  decided_by TEXT, decided_at TEXT, note TEXT\n"
    ");\n"
    "CREATE INDEX rule_proposal_state ON rule_proposal(state);\n",

    /* 7: 整改. An item of a unit's 问题清单 (an indicator that lost points in a scheme's period)
     * has a row here once the unit says it is rectified; the evaluator then verifies or rejects
     * it, and a rejected item may be marked again (the audit log keeps every step). The list
     * itself is computed from the results, never stored, so the row holds only what people said. */
    "CREATE TABLE rectification ( -- 整改: a unit's answer to one item of its 问题清单\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  unit TEXT NOT NULL, scheme TEXT NOT NULL, period TEXT NOT NULL, indicator TEXT NOT NULL,\n"
    "  status TEXT NOT NULL DEFAULT 'submitted'\n"
    "    CHECK (status IN ('submitted', 'verified', 'rejected')),\n"
    "  note TEXT NOT NULL CHECK (length(note) > 0), -- what the unit did\n"
    "  evidence TEXT REFERENCES evidence(hash), link TEXT,\n"
    "  submitted_by TEXT NOT NULL, submitted_at TEXT NOT NULL,\n"
    "  reviewed_by TEXT, reviewed_at TEXT, reason TEXT, -- the evaluator's verdict\n"
    "  UNIQUE (unit, scheme, period, indicator)\n"
    ");\n"
    "CREATE INDEX rectification_status ON rectification(status);\n",

    /* 8: bulletins cut to their readers, and blobs kept in pieces (issue 19 §3, §4). A published
     * bulletin is also stored as the pieces its readers ask for: its head (everything but the
     * units' breakdowns), a summary, each group's ranking and each unit's breakdown, written in
     * the publishing transaction, so that one unit's read decompresses the head and its own
     * piece, never the whole result. A blob may be kept as content-addressed pieces (a run's
     * inputs, one piece per period and metric): a run over data that changed in one cell stores
     * that cell's piece again, not every value. Its hash is still the SHA-256 of the whole plain
     * bytes. Bulletins published before have no parts and are read whole, as before. */
    "ALTER TABLE blob ADD COLUMN pieces INTEGER NOT NULL DEFAULT 0;\n"
    "  -- >0: the bytes are the blob_piece rows in order, and body is empty\n"
    "CREATE TABLE blob_piece ( -- the pieces of a blob kept in pieces, in order\n"
    "  hash TEXT NOT NULL REFERENCES blob(hash), -- the whole's\n"
    "  seq INTEGER NOT NULL,                      -- 0, 1, ...\n"
    "  piece TEXT NOT NULL REFERENCES blob(hash),\n"
    "  PRIMARY KEY (hash, seq)\n"
    ") WITHOUT ROWID;\n"
    "CREATE INDEX blob_piece_piece ON blob_piece(piece);\n"
    "CREATE TABLE bulletin_part ( -- a published bulletin cut to its readers, written with it\n"
    "  bulletin INTEGER NOT NULL REFERENCES bulletin(id),\n"
    "  kind TEXT NOT NULL CHECK (kind IN ('head', 'summary', 'group', 'unit')),\n"
    "  key TEXT NOT NULL, -- the group's or the unit's id; '' for the head and the summary\n"
    "  body TEXT NOT NULL REFERENCES blob(hash),\n"
    "  PRIMARY KEY (bulletin, kind, key)\n"
    ") WITHOUT ROWID;\n",

    /* 9: partials compacted (issue 19 §2). The partials of a source's active batches, merged in
     * batch order per metric definition, are kept as totals: one row per (source, definition,
     * period), its cells every unit's (the binary cells of table partial, core/data/cells.c),
     * beside the list of batches they merge (seq:keys_gen in seq order). An evaluation whose
     * source's active batches are that list reads the totals instead of every batch's partials;
     * a list that only grew merges the new batches into them; any other change (a withdrawal, a
     * replacement, settled keys) merges them again from the partials. Merging is exact
     * (compensated sums), so the totals are bit for bit the batches' partials merged in order.
     * A store of before starts with none: they are made at its first evaluation. */
    "CREATE TABLE total ( -- the active batches' partials merged, per definition and period\n"
    "  source TEXT NOT NULL,\n"
    "  definition TEXT NOT NULL, -- the metric definition's hash, as in partial\n"
    "  bucket INTEGER NOT NULL,  -- the period: YYYYMM, or YYYY00\n"
    "  cells BLOB NOT NULL,      -- every unit's cell of that period, as partial.cells\n"
    "  PRIMARY KEY (source, definition, bucket)\n"
    ") WITHOUT ROWID;\n"
    "CREATE TABLE total_state ( -- which batches the totals of a definition merge\n"
    "  source TEXT NOT NULL,\n"
    "  definition TEXT NOT NULL,\n"
    "  batches TEXT NOT NULL,    -- 'seq:keys_gen' of each batch, in seq order, comma-separated\n"
    "  PRIMARY KEY (source, definition)\n"
    ") WITHOUT ROWID;\n"
    "CREATE TRIGGER partial_edited AFTER UPDATE ON partial\n"
    "  -- totals are derived from the partials: a row changed by hand merges them again\n"
    "  BEGIN DELETE FROM total_state WHERE definition = OLD.definition AND\n"
    "    source = (SELECT source FROM batch WHERE id = OLD.batch); END;\n"
    "CREATE TRIGGER partial_removed AFTER DELETE ON partial\n"
    "  BEGIN DELETE FROM total_state WHERE definition = OLD.definition AND\n"
    "    source = (SELECT source FROM batch WHERE id = OLD.batch); END;\n",

    /* 10: a bulletin's 整改 state as of its publication (issue 18 §2). The 整改 items of earlier
     * periods overdue on the day a bulletin is published (not verified by their deadline), as
     * the bulletin prints them, one row per unit that has any (compact JSON, inline: a unit's
     * list is small) and one row with key '' saying as of which day. Written in the publishing
     * transaction and frozen like the bulletin, so that a later verification never changes
     * what was published (core/record/publish.c). A bulletin of before has no rows. */
    "CREATE TABLE bulletin_rectify ( -- the overdue 整改 items a bulletin was published with\n"
    "  bulletin INTEGER NOT NULL REFERENCES bulletin(id),\n"
    "  unit TEXT NOT NULL, -- the unit's id; '' for the row saying as of which day\n"
    "  body TEXT NOT NULL, -- JSON\n"
    "  PRIMARY KEY (bulletin, unit)\n"
    ") WITHOUT ROWID;\n"
    "CREATE TRIGGER bulletin_rectify_frozen BEFORE UPDATE ON bulletin_rectify\n"
    "  BEGIN SELECT RAISE(ABORT, 'a published bulletin is frozen: publish a correction'); END;\n"
    "CREATE TRIGGER bulletin_rectify_kept BEFORE DELETE ON bulletin_rectify\n"
    "  BEGIN SELECT RAISE(ABORT, 'a published bulletin is frozen: publish a correction'); END;\n",

    /* 11: the units' 整改 lists packed (issue 19 §4). Inline, a province's December bulletin
     * stored 72 MB of lists (3,003 units, every earlier month's items overdue); in packs of
     * sixteen units per compressed blob, as bulletin_part keeps units' parts, about 2 MB. A row
     * with `pack` set has its list there (the line of its unit) and an empty body; a row of
     * before keeps its inline body. */
    "ALTER TABLE bulletin_rectify ADD COLUMN pack TEXT REFERENCES blob(hash);\n",
};

_Static_assert(sizeof migrations / sizeof *migrations == PG_STORE_VERSION,
               "one migration per schema version");

int pg_store_fail(pg_store *st, const char *what, pg_diags *d)
{
    pg_error(d, st->path, 0, "%s: %s", what, sqlite3_errmsg(st->db));
    return -EIO;
}

int pg_store_exec(pg_store *st, const char *sql, pg_diags *d)
{
    if (sqlite3_exec(st->db, sql, NULL, NULL, NULL) == SQLITE_OK) return 0;
    char what[48];
    snprintf(what, sizeof what, "%.40s", sql);
    what[strcspn(what, "\n")] = '\0';
    return pg_store_fail(st, what, d);
}

int pg_store_prepare(pg_store *st, const char *sql, sqlite3_stmt **out, pg_diags *d)
{
    if (sqlite3_prepare_v2(st->db, sql, -1, out, NULL) == SQLITE_OK) return 0;
    char what[48];
    snprintf(what, sizeof what, "%.40s", sql);
    what[strcspn(what, "\n")] = '\0';
    return pg_store_fail(st, what, d);
}

int pg_store_begin(pg_store *st, pg_diags *d)
{
    return pg_store_exec(st, "BEGIN IMMEDIATE", d);
}

int pg_store_commit(pg_store *st, pg_diags *d)
{
    int rc = pg_store_exec(st, "COMMIT", d);
    if (rc != 0) pg_store_rollback(st);
    return rc;
}

void pg_store_rollback(pg_store *st)
{
    if (!sqlite3_get_autocommit(st->db)) sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

sqlite3 *pg_store_db(pg_store *st)
{
    return st->db;
}
const char *pg_store_path(const pg_store *st)
{
    return st->path;
}

int pg_store_version(pg_store *st)
{
    sqlite3_stmt *s;
    int v = -1;
    if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK) return -1;
    if (sqlite3_step(s) == SQLITE_ROW) v = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    return v;
}

void pg_store_time(double t, char buf[32])
{
    double whole = floor(t);
    int ms = (int)((t - whole) * 1000 + 1e-6);
    time_t sec = (time_t)whole;
    struct tm tm;
    gmtime_r(&sec, &tm);
    size_t n = strftime(buf, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, 32 - n, ".%03dZ", ms > 999 ? 999 : ms);
}

void pg_store_now(char buf[32])
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    size_t n = strftime(buf, 32, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, 32 - n, ".%03dZ", (int)(tv.tv_usec / 1000));
}

/* Brings the schema from its version to `want`, one transaction per step: the version is set
 * inside the step's transaction, so a crash mid-migration leaves the version before it. */
static int migrate(pg_store *st, int want, pg_diags *d)
{
    int have = pg_store_version(st);
    if (have < 0) return pg_store_fail(st, "reading the schema version", d);
    if (have > PG_STORE_VERSION) {
        pg_error(d, st->path, 0,
                 "the database has schema version %d; this pinggu knows up to %d — use a newer "
                 "pinggu, or restore a backup made by this one",
                 have, PG_STORE_VERSION);
        return -EPROTO;
    }
    for (int v = have + 1; v <= want; v++) {
        char set[40];
        snprintf(set, sizeof set, "PRAGMA user_version = %d", v);
        int rc = pg_store_begin(st, d);
        if (rc == 0) rc = pg_store_exec(st, migrations[v - 1], d);
        if (rc == 0) rc = pg_store_exec(st, set, d);
        if (rc == 0) rc = pg_store_commit(st, d);
        if (rc != 0) {
            pg_store_rollback(st);
            pg_error(d, st->path, 0, "migrating the schema to version %d failed", v);
            return rc;
        }
    }
    return 0;
}

int pg_store_open_file(const char *path, int version, pg_store **out, pg_diags *d)
{
    pg_store *st = pg_xcalloc(1, sizeof *st);
    st->path = pg_xstrdup(path);
    *out = NULL;
    int rc = 0;
    if (sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
        SQLITE_OK) {
        rc = st->db ? pg_store_fail(st, "cannot open", d) : -ENOMEM;
    } else {
        sqlite3_busy_timeout(st->db, 10000);
        sqlite3_extended_result_codes(st->db, 1);
        /* journal_mode answers a row; the others are plain settings */
        rc = pg_store_exec(st,
                           "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
                           " PRAGMA foreign_keys = ON;",
                           d);
        if (rc == 0) rc = migrate(st, version, d);
    }
    if (rc != 0) {
        pg_store_close(st);
        return rc;
    }
    *out = st;
    return 0;
}

int pg_store_open(const char *datadir, pg_store **out, pg_diags *d)
{
    if (mkdir(datadir, 0755) != 0 && errno != EEXIST) {
        int e = errno;
        pg_error(d, datadir, 0, "cannot create the data directory: %s", strerror(e));
        return -e;
    }
    char *path = pg_xasprintf("%s/pinggu.db", datadir);
    int rc = pg_store_open_file(path, PG_STORE_VERSION, out, d);
    free(path);
    return rc;
}

/* A file that is not there (no WAL after a clean close) has size 0. */
static int file_size(const char *path, int64_t *bytes)
{
    struct stat sb;
    *bytes = 0;
    if (stat(path, &sb) == 0) {
        *bytes = (int64_t)sb.st_size;
        return 0;
    }
    return errno == ENOENT ? 0 : -errno;
}

int pg_store_size(const pg_store *st, int64_t *db, int64_t *wal)
{
    char *w = pg_xasprintf("%s-wal", st->path);
    int rc = file_size(st->path, db), rw = file_size(w, wal);
    free(w);
    return rc ? rc : rw;
}

void pg_store_close(pg_store *st)
{
    if (!st) return;
    sqlite3_close_v2(st->db);
    free(st->path);
    free(st);
}

/* --- audit ----------------------------------------------------------------------------- */

int pg_audit_append(pg_store *st, const char *actor, const char *action, const char *object,
                    const char *before, const char *after, pg_diags *d)
{
    sqlite3_stmt *s;
    int rc = pg_store_prepare(st,
                              "INSERT INTO audit (at, actor, action, object, before, after)"
                              " VALUES (?, ?, ?, ?, ?, ?)",
                              &s, d);
    if (rc != 0) return rc;
    char now[32];
    pg_store_now(now);
    sqlite3_bind_text(s, 1, now, -1, SQLITE_TRANSIENT);
    sqlite3_bind_text(s, 2, actor ? actor : "?", -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, action, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 4, object, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 5, before, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 6, after, -1, SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_DONE) rc = pg_store_fail(st, "appending to the audit log", d);
    sqlite3_finalize(s);
    return rc;
}

/* A stored JSON text as JSON, or as a plain string when it does not parse. */
static cJSON *json_column(sqlite3_stmt *s, int i)
{
    if (sqlite3_column_type(s, i) == SQLITE_NULL) return cJSON_CreateNull();
    const char *t = (const char *)sqlite3_column_text(s, i);
    cJSON *j = cJSON_Parse(t);
    return j ? j : cJSON_CreateString(t);
}

/* An object matches itself and everything under it, "object/…": a range of the text ('0'
 * follows '/'), not LIKE, so that a '%' or '_' in the filter is a plain character (with LIKE,
 * object=% matched every entry), the match keeps case, and the index on object serves it. */
int pg_audit_query(pg_store *st, const pg_audit_filter *f, char **json, pg_diags *d)
{
    sqlite3_stmt *s;
    int rc = pg_store_prepare(st,
                              "SELECT seq, at, actor, action, object, before, after FROM audit"
                              " WHERE (?1 IS NULL OR actor = ?1) AND (?2 IS NULL OR action = ?2)"
                              " AND (?3 IS NULL OR object = ?3"
                              "      OR (object >= ?3 || '/' AND object < ?3 || '0'))"
                              " AND (?4 IS NULL OR at >= ?4) AND (?5 IS NULL OR at <= ?5)"
                              " ORDER BY seq LIMIT ?6",
                              &s, d);
    if (rc != 0) return rc;
    /* Times compare as text with the recorded ones, so they are brought to that form first: a
     * time that is not one is refused rather than compared as letters. */
    char times[2][32];
    const char *when[2] = {f->since, f->until}, *names[2] = {"since", "until"};
    for (int i = 0; i < 2; i++) {
        double t;
        if (!when[i]) continue;
        if (pg_time_parse(when[i], strlen(when[i]), 0, &t) != 0) {
            pg_error(d, NULL, 0,
                     "%s '%s': expected an ISO 8601 time, like 2021-05-26 or 2021-05-26T08:00:00Z",
                     names[i], when[i]);
            sqlite3_finalize(s);
            return -EINVAL;
        }
        when[i] = times[i];
        pg_store_time(t, times[i]);
    }
    const char *args[] = {f->actor, f->action, f->object, when[0], when[1]};
    for (int i = 0; i < 5; i++) sqlite3_bind_text(s, i + 1, args[i], -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 6, f->limit > 0 ? f->limit : 1000);
    cJSON *arr = cJSON_CreateArray();
    int step;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "seq", (double)sqlite3_column_int64(s, 0));
        const char *cols[] = {"at", "actor", "action", "object"};
        for (int i = 0; i < 4; i++)
            cJSON_AddStringToObject(o, cols[i], (const char *)sqlite3_column_text(s, i + 1));
        cJSON_AddItemToObject(o, "before", json_column(s, 5));
        cJSON_AddItemToObject(o, "after", json_column(s, 6));
        cJSON_AddItemToArray(arr, o);
    }
    if (step != SQLITE_DONE) rc = pg_store_fail(st, "reading the audit log", d);
    sqlite3_finalize(s);
    if (rc == 0) *json = cJSON_PrintUnformatted(arr);
    cJSON_Delete(arr);
    return rc;
}
