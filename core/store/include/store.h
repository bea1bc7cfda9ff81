/* store.h — the durable record: one SQLite database, DATA/pinggu.db.
 *
 * Everything that must be reproducible or attributable lives here: batches and their partial
 * aggregates, values fed directly, self-reports, evaluator scores, appeals, runs and their
 * results, bulletins, and the append-only audit log. Raw batch files stay content-addressed
 * beside the database (DATA/batches/raw/); the database names them by hash.
 *
 * A pg_store is one connection. It belongs to the thread that opened it: the host's loop
 * thread keeps one for its writes, and each job off the loop opens its own (WAL lets readers
 * run beside the one writer). Every connection runs with WAL, foreign keys on, synchronous
 * FULL (a write that an acknowledgement depends on is on disk before the answer) and a busy
 * timeout, so that a second process (a CLI beside the host) waits instead of failing.
 *
 * The schema has a version (PRAGMA user_version). Opening a database runs the migrations it
 * lacks, each in its own transaction, so an interrupted migration leaves the previous
 * version. A database newer than this binary is refused rather than guessed at.
 *
 * Functions return 0 or a negative errno (-EIO for an SQLite failure, with a diagnostic that
 * names the database and SQLite's message). */
#ifndef PG_STORE_H
#define PG_STORE_H

#include "base.h"

#include <sqlite3.h>
#include <stdint.h>

#define PG_STORE_VERSION 11 /* the schema this binary writes */

typedef struct pg_store pg_store;

/* Opens (creating when absent) DATA/pinggu.db and migrates it to PG_STORE_VERSION. */
int pg_store_open(const char *datadir, pg_store **out, pg_diags *d);
/* Opens a database file as it is, at most migrating it to `version` (tests of migrations). */
int pg_store_open_file(const char *path, int version, pg_store **out, pg_diags *d);
void pg_store_close(pg_store *st);

sqlite3 *pg_store_db(pg_store *st);
const char *pg_store_path(const pg_store *st);
int pg_store_version(pg_store *st);
/* The bytes on disk of the database file and of its write-ahead log (0 when there is none):
 * what /metrics reports. Two stat() calls, safe on any thread. Returns 0 or a negative errno. */
int pg_store_size(const pg_store *st, int64_t *db, int64_t *wal);

/* BEGIN IMMEDIATE / COMMIT / ROLLBACK. A write transaction takes the write lock at its start,
 * so two writers never both read and then collide at their first write. */
int pg_store_begin(pg_store *st, pg_diags *d);
int pg_store_commit(pg_store *st, pg_diags *d);
void pg_store_rollback(pg_store *st);

/* Runs SQL without results (several statements allowed). */
int pg_store_exec(pg_store *st, const char *sql, pg_diags *d);
/* Prepares one statement; on failure adds a diagnostic naming the SQL's first words. */
int pg_store_prepare(pg_store *st, const char *sql, sqlite3_stmt **out, pg_diags *d);
/* Adds a diagnostic with SQLite's current message; returns -EIO. */
int pg_store_fail(pg_store *st, const char *what, pg_diags *d);

/* Now as ISO 8601 in UTC with milliseconds: the times the store records. */
void pg_store_now(char buf[32]);
/* A time (seconds since the epoch, as pg_time_parse gives) in that same form, so that it
 * compares with recorded times as text. */
void pg_store_time(double t, char buf[32]);

/* --- the audit log -------------------------------------------------------------------
 * Append-only (triggers refuse UPDATE and DELETE). `before` and `after` are JSON texts or NULL
 * (a creation has no before, a removal no after). Call it inside the transaction of the change
 * it records, so that the change and its entry are stored together or not at all. */
int pg_audit_append(pg_store *st, const char *actor, const char *action, const char *object,
                    const char *before, const char *after, pg_diags *d);

typedef struct {
    const char *actor, *action, *object; /* exact match; object also matches "object/…" */
    const char *since, *until;           /* ISO 8601 times (UTC without an offset), inclusive,
                                          * to the millisecond; NULL = open */
    int limit;                           /* 0 = 1000 */
} pg_audit_filter;

/* The entries that match, oldest first, as a JSON array text (free with free()):
 * [{"seq", "at", "actor", "action", "object", "before", "after"}] with before/after parsed.
 * -EINVAL when since or until is not a time (the diagnostic names which). */
int pg_audit_query(pg_store *st, const pg_audit_filter *f, char **json, pg_diags *d);

#endif
