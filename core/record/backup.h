/* backup.h — a consistent copy of a data directory, taken while the host runs.
 *
 * The database is copied first, with SQLite's online backup API: one step that holds a read
 * transaction for the whole copy, so the copy is the store as of one commit, and writers (WAL)
 * go on meanwhile. Then the files the copied database refers to are copied: every batch's raw
 * file (DATA/batches/raw/<id>.<ext>), every evidence file (DATA/evidence/<hash>), and the rule
 * snapshots (DATA/rules/<hash>/, which runs and bulletins name). These are immutable and
 * content-addressed, so copying them after the database gives a consistent whole; each copy
 * whose name is a hash is checked against its SHA-256. Last, the mutable files an operator
 * keeps beside the store: the fed *.csv files directly in DATA and DATA/schedule.json, as
 * they are at that moment. Every file is flushed to disk before the backup reports success.
 *
 * Restoring is copying back: stop the host, put the backup in place of the data directory,
 * start the host. */
#ifndef PG_BACKUP_H
#define PG_BACKUP_H

#include "diag.h"

typedef struct {
    long batches, evidence, snapshots, files; /* copied; files: *.csv and schedule.json */
    long long bytes;                          /* copied, the database included */
} pg_backup_stats;

/* Backs up `datadir` into `dest`, which must not exist or be an empty directory. Returns 0,
 * or a negative errno with diagnostics (then `dest` holds an incomplete backup, named as
 * such in the diagnostics; delete it). */
int pg_backup(const char *datadir, const char *dest, pg_backup_stats *stats, pg_diags *d);

#endif
