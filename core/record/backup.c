/* backup.c — backing up a data directory (see backup.h).
 *
 * The list of files to copy is read from the copied database, not the live one: the copy
 * names exactly the batches and evidence it holds, and a batch committed after the snapshot
 * is neither in the copy nor needed by it. Files are copied with pg_rawcopy (copied, hashed
 * and flushed in one read) under a temporary name and renamed once checked. */
#include "record.h"
#include "data.h"
#include "base.h"
#include "store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sqlite3.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int mkdir_p(const char *path, pg_diags *d)
{
    if (mkdir(path, 0755) == 0 || errno == EEXIST) return 0;
    int e = errno;
    pg_error(d, path, 0, "cannot create: %s", strerror(e));
    return -e;
}

static void fsync_path(const char *path)
{
    int fd = open(path, O_RDONLY | O_DIRECTORY);
    if (fd >= 0) fsync(fd), close(fd);
}

/* Copies `from` to `to`, flushed; when `hash` is given the copy's SHA-256 must equal it. */
static int copy_file(const char *from, const char *to, const char *hash, long long *bytes,
                     pg_diags *d)
{
    char *tmp = pg_xasprintf("%s.part", to);
    pg_rawcopy *c;
    char id[65];
    int rc = pg_rawcopy_start(from, tmp, &c, d);
    if (rc == 0) rc = pg_rawcopy_finish(c, id, d);
    if (rc == 0 && hash && strcmp(id, hash) != 0) {
        pg_error(d, from, 0,
                 "the file's SHA-256 is %.12s…, not the %.12s… its name says: it was damaged "
                 "after it was stored; the backup is incomplete",
                 id, hash);
        rc = -EIO;
    }
    struct stat sb;
    if (rc == 0 && stat(tmp, &sb) == 0) *bytes += sb.st_size;
    if (rc == 0 && rename(tmp, to) != 0) {
        rc = -errno;
        pg_error(d, to, 0, "cannot write: %s", strerror(-rc));
    }
    if (rc) unlink(tmp);
    free(tmp);
    return rc;
}

/* DEST: absent (created) or an empty directory. */
static int prepare_dest(const char *dest, pg_diags *d)
{
    DIR *dp = opendir(dest);
    if (!dp) {
        if (errno != ENOENT) {
            int e = errno;
            pg_error(d, dest, 0, "cannot use as the backup's directory: %s", strerror(e));
            return -e;
        }
        return mkdir_p(dest, d);
    }
    struct dirent *e;
    int empty = 1;
    while ((e = readdir(dp)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) empty = 0;
    closedir(dp);
    if (!empty) {
        pg_error(d, dest, 0, "exists and is not empty: a backup goes into a new directory");
        return -EEXIST;
    }
    return 0;
}

/* The online backup: the whole database in one step, so it is one commit's state. */
static int backup_db(const char *datadir, const char *dest, pg_diags *d)
{
    pg_store *src;
    int rc = pg_batch_store_open(datadir, &src, d);
    if (rc) return rc;
    char *path = pg_xasprintf("%s/pinggu.db", dest);
    sqlite3 *to = NULL;
    if (sqlite3_open_v2(path, &to, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        pg_error(d, path, 0, "cannot create: %s", to ? sqlite3_errmsg(to) : "out of memory");
        rc = -EIO;
    }
    sqlite3_backup *b = rc ? NULL : sqlite3_backup_init(to, "main", pg_store_db(src), "main");
    if (rc == 0 && !b) {
        pg_error(d, path, 0, "cannot start the backup: %s", sqlite3_errmsg(to));
        rc = -EIO;
    }
    for (int tries = 0; b; tries++) {
        int step = sqlite3_backup_step(b, -1);
        if (step == SQLITE_DONE) break;
        if ((step == SQLITE_BUSY || step == SQLITE_LOCKED) && tries < 200) {
            sqlite3_sleep(50);
            continue;
        }
        pg_error(d, pg_store_path(src), 0, "the backup failed: %s", sqlite3_errstr(step));
        rc = -EIO;
        break;
    }
    if (b && sqlite3_backup_finish(b) != SQLITE_OK && rc == 0) {
        pg_error(d, path, 0, "the backup failed: %s", sqlite3_errmsg(to));
        rc = -EIO;
    }
    /* The copy is one self-contained file: out of WAL mode it needs no -wal or -shm beside it
     * (reading it would create them), and opening it as a store turns WAL back on. */
    if (rc == 0 &&
        sqlite3_exec(to, "PRAGMA journal_mode = DELETE", NULL, NULL, NULL) != SQLITE_OK) {
        pg_error(d, path, 0, "cannot finish the copy: %s", sqlite3_errmsg(to));
        rc = -EIO;
    }
    /* the copy is checked before anything is copied beside it */
    sqlite3_stmt *s = NULL;
    if (rc == 0 && sqlite3_prepare_v2(to, "PRAGMA integrity_check", -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW &&
        strcmp((const char *)sqlite3_column_text(s, 0), "ok") != 0) {
        pg_error(d, path, 0, "the copied database fails its integrity check: %s",
                 sqlite3_column_text(s, 0));
        rc = -EIO;
    }
    sqlite3_finalize(s);
    if (to && sqlite3_close(to) != SQLITE_OK && rc == 0) rc = -EIO;
    pg_store_close(src);
    free(path);
    return rc;
}

/* Copies every file named by a query's first column (and second: a batch's format). */
static int copy_named(sqlite3 *db, const char *datadir, const char *dest, const char *sql,
                      const char *sub, long *count, long long *bytes, pg_diags *d)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK) {
        pg_error(d, dest, 0, "reading the backed-up database: %s", sqlite3_errmsg(db));
        return -EIO;
    }
    int rc = 0, made = 0;
    while (rc == 0 && sqlite3_step(s) == SQLITE_ROW) {
        const char *hash = (const char *)sqlite3_column_text(s, 0);
        const char *ext = (const char *)sqlite3_column_text(s, 1);
        if (!made) {
            char *dir = pg_xasprintf("%s/%s", dest, sub),
                 *slash = strchr(dir + strlen(dest) + 1, '/');
            if (slash) *slash = '\0', rc = mkdir_p(dir, d), *slash = '/';
            if (rc == 0) rc = mkdir_p(dir, d);
            free(dir);
            made = 1;
        }
        char *name = ext ? pg_xasprintf("%s.%s", hash, ext) : pg_xstrdup(hash);
        char *from = pg_xasprintf("%s/%s/%s", datadir, sub, name);
        char *to = pg_xasprintf("%s/%s/%s", dest, sub, name);
        if (rc == 0) rc = copy_file(from, to, hash, bytes, d);
        if (rc == 0) (*count)++;
        free(name), free(from), free(to);
    }
    sqlite3_finalize(s);
    if (rc == 0 && made) {
        char *dir = pg_xasprintf("%s/%s", dest, sub);
        fsync_path(dir);
        free(dir);
    }
    return rc;
}

/* Copies a directory tree (a rule snapshot: files and subdirectories). */
static int copy_tree(const char *from, const char *to, long long *bytes, pg_diags *d)
{
    int rc = mkdir_p(to, d);
    DIR *dp = rc ? NULL : opendir(from);
    if (rc == 0 && !dp) {
        rc = -errno;
        pg_error(d, from, 0, "cannot read: %s", strerror(-rc));
    }
    struct dirent *e;
    while (rc == 0 && (e = readdir(dp))) {
        if (e->d_name[0] == '.' && (!e->d_name[1] || (e->d_name[1] == '.' && !e->d_name[2])))
            continue;
        char *f = pg_xasprintf("%s/%s", from, e->d_name), *t = pg_xasprintf("%s/%s", to, e->d_name);
        struct stat sb;
        if (stat(f, &sb) == 0 && S_ISDIR(sb.st_mode))
            rc = copy_tree(f, t, bytes, d);
        else if (S_ISREG(sb.st_mode))
            rc = copy_file(f, t, NULL, bytes, d);
        free(f), free(t);
    }
    if (dp) closedir(dp);
    if (rc == 0) fsync_path(to);
    return rc;
}

/* The rule snapshots: all of DATA/rules/<hash>/ (each immutable), and the host's chains of
 * revisions by month, DATA/rules/chain-<year>.json (host/reload.c: which revision governs which
 * month; without them a restored host would evaluate every month with the newest rules); then
 * every revision a bulletin of the copy names must be among them. */
static int copy_snapshots(sqlite3 *db, const char *datadir, const char *dest, pg_backup_stats *st,
                          pg_diags *d)
{
    char *from = pg_xasprintf("%s/rules", datadir), *to = pg_xasprintf("%s/rules", dest);
    DIR *dp = opendir(from);
    int rc = 0;
    if (dp) rc = mkdir_p(to, d);
    struct dirent *e;
    while (dp && rc == 0 && (e = readdir(dp))) {
        size_t n = strlen(e->d_name);
        int chain = strncmp(e->d_name, "chain-", 6) == 0 && n > 11 &&
                    strcmp(e->d_name + n - 5, ".json") == 0;      /* written whole by rename */
        if (e->d_name[0] == '.' || (n != 64 && !chain)) continue; /* temporaries */
        char *f = pg_xasprintf("%s/%s", from, e->d_name), *t = pg_xasprintf("%s/%s", to, e->d_name);
        rc = chain ? copy_file(f, t, NULL, &st->bytes, d) : copy_tree(f, t, &st->bytes, d);
        if (rc == 0 && !chain) st->snapshots++;
        free(f), free(t);
    }
    if (dp) closedir(dp), fsync_path(to);
    sqlite3_stmt *s;
    if (rc == 0 && sqlite3_prepare_v2(db,
                                      "SELECT DISTINCT b.scheme, b.period, r.revision FROM bulletin"
                                      " b JOIN run r ON r.id = b.run",
                                      -1, &s, NULL) == SQLITE_OK) {
        while (sqlite3_step(s) == SQLITE_ROW) {
            char *snap = pg_xasprintf("%s/%s", to, (const char *)sqlite3_column_text(s, 2));
            if (access(snap, F_OK) != 0)
                pg_warn(d, datadir, 0,
                        "the bulletin %s %s names rule revision %.12s, which has no "
                        "snapshot under rules/",
                        sqlite3_column_text(s, 0), sqlite3_column_text(s, 1),
                        sqlite3_column_text(s, 2));
            free(snap);
        }
        sqlite3_finalize(s);
    }
    free(from), free(to);
    return rc;
}

/* The fed *.csv files directly in DATA, and schedule.json. */
static int copy_plain(const char *datadir, const char *dest, pg_backup_stats *st, pg_diags *d)
{
    DIR *dp = opendir(datadir);
    if (!dp) return 0;
    int rc = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(dp))) {
        size_t n = strlen(e->d_name);
        if (e->d_name[0] == '.' || !((n > 4 && strcmp(e->d_name + n - 4, ".csv") == 0) ||
                                     strcmp(e->d_name, "schedule.json") == 0))
            continue;
        char *f = pg_xasprintf("%s/%s", datadir, e->d_name);
        char *t = pg_xasprintf("%s/%s", dest, e->d_name);
        struct stat sb;
        if (stat(f, &sb) == 0 && S_ISREG(sb.st_mode)) {
            rc = copy_file(f, t, NULL, &st->bytes, d);
            if (rc == 0) st->files++;
        }
        free(f), free(t);
    }
    closedir(dp);
    return rc;
}

int pg_backup(const char *datadir, const char *dest, pg_backup_stats *stats, pg_diags *d)
{
    memset(stats, 0, sizeof *stats);
    char *db = pg_xasprintf("%s/pinggu.db", datadir);
    char *index = pg_xasprintf("%s/batches/index.json", datadir);
    int rc = 0;
    if (access(db, F_OK) != 0 && access(index, F_OK) != 0) {
        pg_error(d, datadir, 0, "no store here (no pinggu.db): is this the data directory?");
        rc = -ENOENT;
    }
    free(db), free(index);
    if (rc == 0) rc = prepare_dest(dest, d);
    if (rc == 0) rc = backup_db(datadir, dest, d);
    sqlite3 *copy = NULL;
    char *path = pg_xasprintf("%s/pinggu.db", dest);
    if (rc == 0 && sqlite3_open_v2(path, &copy, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        pg_error(d, path, 0, "cannot read the copied database");
        rc = -EIO;
    }
    if (rc == 0) {
        struct stat sb;
        if (stat(path, &sb) == 0) stats->bytes += sb.st_size;
    }
    if (rc == 0)
        rc = copy_named(copy, datadir, dest, "SELECT id, format FROM batch ORDER BY seq",
                        "batches/raw", &stats->batches, &stats->bytes, d);
    if (rc == 0)
        rc = copy_named(copy, datadir, dest, "SELECT hash, NULL FROM evidence ORDER BY hash",
                        "evidence", &stats->evidence, &stats->bytes, d);
    if (rc == 0) rc = copy_snapshots(copy, datadir, dest, stats, d);
    if (rc == 0) rc = copy_plain(datadir, dest, stats, d);
    sqlite3_close(copy);
    free(path);
    if (rc == 0)
        fsync_path(dest);
    else if (rc != -EEXIST && rc != -ENOENT)
        pg_error(d, dest, 0, "the backup is incomplete: delete this directory");
    return rc;
}
