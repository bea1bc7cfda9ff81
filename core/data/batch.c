/* batch.c — the batch store: raw files in DATA/batches/raw, rows in the SQLite store.
 *
 * Partials are kept as one row per (batch, metric, definition hash), the cells a binary BLOB
 * (cells.c): values merged from the store are bit for bit those merged straight from the raw
 * files. Rows of before (JSON text) are recomputed from the raw copy when read, and read as
 * they are only when that copy is gone. A rule change recomputes only the metrics whose
 * definition hash has no row yet. Every change of a batch's status is one transaction with its
 * audit entry (before and after as the batch's JSON). A keyed source's keys across its batches
 * are keyset.c's: this file calls it to read a file's keys, store them and settle them, and
 * reads a batch again when its counted records changed.
 *
 * Leftovers in raw/. An ingest copies the file to raw/.incoming-<pid>-<thread> while it reads,
 * renames the copy to raw/<id>.<ext> when the batch is good, then commits the rows. A process
 * killed before the rename leaves the temporary copy; one killed between the rename and the
 * commit leaves a raw file that no batch row names (an orphan: the batch was never
 * acknowledged). Neither can be told from an ingest in flight by its name — a PID is reused,
 * by the next container's host as PID 1 for one — so every ingest holds a shared flock(2) on
 * the raw/ directory from before its copy starts until after its commit, and only a holder of
 * the exclusive lock removes leftovers: then no ingest is in flight in any process, and the
 * kernel drops a killed process's lock with it. An ingest that gets the exclusive lock at once
 * removes the temporary copies before it starts (cheap: no store query); pg_batch_sweep, at
 * the host's start-up, also removes the orphans. */
#include "data.h"
#include "aggregate.h"
#include "batch_row.h"
#include "cells.h"
#include "keyset.h"
#include "ingest_parallel.h"
#include "ingest_stream.h"
#include "pushdown.h"
#include "totals.h"
#include "base.h"
#include "rawcopy.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static int make_dirs(const char *datadir, pg_diags *d)
{
    const char *subs[] = {"", "/batches", "/batches/raw"};
    for (int i = 0; i < 3; i++) {
        char *p = pg_xasprintf("%s%s", datadir, subs[i]);
        int rc = mkdir(p, 0755);
        if (rc != 0 && errno != EEXIST) {
            int e = errno;
            pg_error(d, p, 0, "cannot create: %s", strerror(e));
            free(p);
            return -e;
        }
        free(p);
    }
    return 0;
}

/* Flushes the directory holding path, so that a rename into it survives a crash. */
static void fsync_dir(const char *path)
{
    char *dir = pg_xstrdup(path);
    char *slash = strrchr(dir, '/');
    if (slash) *slash = '\0';
    int dfd = open(slash ? dir : ".", O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) fsync(dfd), close(dfd);
    free(dir);
}

static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = NULL;
    size_t n = 0, cap = 0, got;
    do {
        if (n == cap) buf = pg_xrealloc(buf, cap = cap ? cap * 2 : 65536);
        got = fread(buf + n, 1, cap - n, f);
        n += got;
    } while (got > 0);
    fclose(f);
    buf = pg_xrealloc(buf, n + 1);
    buf[n] = '\0';
    *len = n;
    return buf;
}

static cJSON *read_json(const char *path, pg_diags *d)
{
    size_t len;
    char *text = read_file(path, &len);
    if (!text) return NULL;
    const char *end = NULL;
    cJSON *json = cJSON_ParseWithLengthOpts(text, len, &end, 0);
    if (!json && d) pg_error(d, path, 0, "damaged JSON at byte %ld", end ? (long)(end - text) : 0L);
    free(text);
    return json;
}

static char *batch_text(const pg_batch *b)
{
    cJSON *o = pg_batch_json(b);
    char *t = cJSON_PrintUnformatted(o);
    cJSON_Delete(o);
    return t;
}

/* The audit entry of a change of batch b: object batch/<id>. */
static int audit(pg_store *st, const char *actor, const char *action, const pg_batch *before,
                 const pg_batch *after, pg_diags *d)
{
    char *bt = before ? batch_text(before) : NULL, *at = after ? batch_text(after) : NULL;
    char object[80];
    snprintf(object, sizeof object, "batch/%s", (after ? after : before)->id);
    int rc = pg_audit_append(st, actor, action, object, bt, at, d);
    cJSON_free(bt), cJSON_free(at);
    return rc;
}

/* Finds a batch by id or unique prefix: 0 and *out, -ENOENT (none, or several, with a
 * diagnostic), or -EIO. */
static int find_batch(pg_store *st, const char *id, pg_batch *out, pg_diags *d)
{
    size_t len = strlen(id);
    if (len == 0 || len > 64 || strspn(id, "0123456789abcdef") != len) {
        pg_error(d, NULL, 0, "batch '%s': an id is hexadecimal, as `pinggu ingest --list` shows",
                 id);
        return -ENOENT;
    }
    sqlite3_stmt *s;
    int rc = pg_store_prepare(
        st, "SELECT " PG_BATCH_COLS " FROM batch WHERE substr(id, 1, length(?1)) = ?1 LIMIT 2", &s,
        d);
    if (rc) return rc;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    int hits = 0, step;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        if (hits++ == 0) pg_batch_from_row(out, s);
    }
    if (step != SQLITE_DONE) rc = pg_store_fail(st, "reading the batches", d);
    sqlite3_finalize(s);
    if (rc == 0 && hits != 1) {
        if (hits) pg_batch_clear(out);
        pg_error(d, NULL, 0, "batch '%s': %s", id,
                 hits ? "the prefix names several batches" : "no such batch");
        rc = -ENOENT;
    }
    return rc;
}

static int insert_batch(pg_store *st, const pg_batch *b, pg_diags *d)
{
    sqlite3_stmt *s;
    int rc = pg_store_prepare(st,
                              "INSERT OR IGNORE INTO batch (id, source, file, format, records, "
                              "duplicates, actor, ingested_at, status, replaced_by)"
                              " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, NULLIF(?, ''))",
                              &s, d);
    if (rc) return rc;
    const char *txt[] = {b->id, b->source, b->file, b->format};
    for (int i = 0; i < 4; i++) sqlite3_bind_text(s, i + 1, txt[i], -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 5, b->records);
    sqlite3_bind_int64(s, 6, b->duplicates);
    sqlite3_bind_text(s, 7, b->actor, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 8, b->ingested_at, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 9, b->status, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 10, b->replaced_by, -1, SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_DONE)
        rc = pg_store_fail(st, "storing the batch", d);
    else if (sqlite3_changes(pg_store_db(st)) == 0)
        rc = 1; /* there already */
    sqlite3_finalize(s);
    return rc;
}

static int update_status(pg_store *st, const pg_batch *b, pg_diags *d)
{
    sqlite3_stmt *s;
    /* a batch whose status changes has its keys settled again (key_state 2; see the top) */
    int rc = pg_store_prepare(st,
                              "UPDATE batch SET status = ?, replaced_by = NULLIF(?, ''),"
                              " key_state = CASE WHEN key_state IS NULL THEN NULL ELSE 2 END"
                              " WHERE id = ?",
                              &s, d);
    if (rc) return rc;
    sqlite3_bind_text(s, 1, b->status, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, b->replaced_by, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, b->id, -1, SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_DONE) rc = pg_store_fail(st, "changing the batch's status", d);
    sqlite3_finalize(s);
    return rc;
}

/* Stores the partials of a JSON object {definition: {"metric": id, "cells": [...]}}, keeping
 * any row already there: the previous release's files, imported as they were (JSON text rows,
 * recomputed from the raw copies when read; see the top). */
static int insert_partials_json(pg_store *st, const char *id, const cJSON *metrics, pg_diags *d)
{
    sqlite3_stmt *s;
    int rc = pg_store_prepare(st,
                              "INSERT OR IGNORE INTO partial (batch, metric, definition, cells)"
                              " VALUES (?, ?, ?, ?)",
                              &s, d);
    if (rc) return rc;
    const cJSON *e;
    cJSON_ArrayForEach(e, metrics)
    {
        const char *metric = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "metric"));
        const cJSON *cells = cJSON_GetObjectItemCaseSensitive(e, "cells");
        char *text = cells ? cJSON_PrintUnformatted(cells) : NULL;
        sqlite3_reset(s);
        sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, metric ? metric : "", -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, e->string, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 4, text ? text : "[]", -1, SQLITE_STATIC);
        if (sqlite3_step(s) != SQLITE_DONE) rc = pg_store_fail(st, "storing the partials", d);
        cJSON_free(text);
        if (rc) break;
    }
    sqlite3_finalize(s);
    return rc;
}

/* ---- the previous release's index ---- */

/* Imports DATA/batches/index.json and the partials files it names, in one transaction, then
 * renames the index. Interrupted between the commit and the rename, the next open imports
 * again: rows already there are kept (INSERT OR IGNORE) and get no second audit entry. */
static int import_legacy(pg_store *st, const char *datadir, pg_diags *d)
{
    char *index = pg_xasprintf("%s/batches/index.json", datadir);
    if (access(index, F_OK) != 0) {
        free(index);
        return 0;
    }
    int rc = pg_store_begin(st, d);
    cJSON *json = NULL;
    if (rc == 0 && access(index, F_OK) != 0) goto done; /* another process imported it */
    if (rc == 0 && !(json = read_json(index, d))) {
        pg_error(d, index, 0, "cannot import the previous release's batch index");
        rc = -EIO;
    }
    const cJSON *o, *all = json ? cJSON_GetObjectItemCaseSensitive(json, "batches") : NULL;
    cJSON_ArrayForEach(o, all)
    {
        if (rc) break;
        pg_batch b = {0};
#define STR(k) pg_xstrdup(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k)) ?: "")
        char *id = STR("id");
        snprintf(b.id, sizeof b.id, "%s", id);
        free(id);
        b.source = STR("source");
        b.file = STR("file");
        b.format = STR("format");
        b.ingested_at = STR("ingested_at");
        char *status = STR("status");
#undef STR
        b.actor = pg_xstrdup("import");
        b.records = (long)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(o, "records"));
        b.duplicates =
            (long)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(o, "duplicates"));
        pg_batch_set_status(&b, strcmp(status, "active") == 0 ? "active" : "withdrawn");
        free(status);
        if (strlen(b.id) != 64 || !*b.source || !*b.format) {
            pg_error(d, index, 0, "a batch entry lacks its id, source or format");
            rc = -EINVAL;
        }
        if (rc == 0) rc = insert_batch(st, &b, d);
        if (rc == 0) { /* new: its partials, then the entry */
            char *ppath = pg_xasprintf("%s/batches/partials/%s.json", datadir, b.id);
            cJSON *p = read_json(ppath, NULL); /* missing or damaged: recomputed when read */
            rc = insert_partials_json(st, b.id, cJSON_GetObjectItemCaseSensitive(p, "metrics"), d);
            if (rc == 0) rc = audit(st, "import", "batch.ingest", NULL, &b, d);
            cJSON_Delete(p);
            free(ppath);
        } else if (rc == 1)
            rc = 0;
        pg_batch_clear(&b);
    }
done:
    if (rc == 0)
        rc = pg_store_commit(st, d);
    else
        pg_store_rollback(st);
    if (rc == 0 && json) {
        char *to = pg_xasprintf("%s.imported", index);
        if (rename(index, to) != 0 && errno != ENOENT) {
            rc = -errno;
            pg_error(d, index, 0, "imported, but cannot be renamed: %s", strerror(errno));
        } else
            fsync_dir(to);
        free(to);
    }
    cJSON_Delete(json);
    free(index);
    return rc;
}

int pg_batch_store_open(const char *datadir, pg_store **out, pg_diags *d)
{
    int rc = pg_store_open(datadir, out, d);
    if (rc == 0 && (rc = import_legacy(*out, datadir, d)) != 0) {
        pg_store_close(*out);
        *out = NULL;
    }
    return rc;
}

int pg_batch_store_open_existing(const char *datadir, pg_store **st, pg_diags *d)
{
    char *db = pg_xasprintf("%s/pinggu.db", datadir);
    char *index = pg_xasprintf("%s/batches/index.json", datadir);
    int present = access(db, F_OK) == 0 || access(index, F_OK) == 0;
    free(db), free(index);
    if (!present) return 1;
    return pg_batch_store_open(datadir, st, d);
}

int pg_batch_list(const char *datadir, pg_batch **out, int *n, pg_diags *d)
{
    *out = NULL;
    *n = 0;
    pg_store *st;
    int rc = pg_batch_store_open_existing(datadir, &st, d);
    if (rc) return rc == 1 ? 0 : rc;
    sqlite3_stmt *s;
    rc = pg_store_prepare(st, "SELECT " PG_BATCH_COLS " FROM batch ORDER BY seq", &s, d);
    int cap = 0, step = SQLITE_DONE;
    while (rc == 0 && (step = sqlite3_step(s)) == SQLITE_ROW) {
        if (*n == cap) *out = pg_xrealloc(*out, sizeof(pg_batch) * (size_t)(cap = cap * 2 + 16));
        pg_batch_from_row(&(*out)[(*n)++], s);
    }
    if (rc == 0 && step != SQLITE_DONE) rc = pg_store_fail(st, "reading the batches", d);
    sqlite3_finalize(s);
    pg_store_close(st);
    return rc;
}

int pg_batch_withdraw(const char *datadir, const char *id, const char *actor, pg_batch *out,
                      pg_diags *d)
{
    if (out) memset(out, 0, sizeof *out);
    pg_store *st;
    int rc = pg_batch_store_open(datadir, &st, d);
    if (rc) return rc;
    pg_batch b = {0}, after = {0};
    if ((rc = pg_store_begin(st, d)) != 0) goto done;
    if ((rc = find_batch(st, id, &b, d)) != 0) goto done;
    if (!b.active) {
        pg_error(d, NULL, 0, "batch %.12s is %s%s%.12s; nothing changed", b.id, b.status,
                 b.replaced_by[0] ? " by " : "", b.replaced_by);
        rc = -EEXIST;
        goto done;
    }
    pg_batch_copy(&after, &b);
    pg_batch_set_status(&after, "withdrawn");
    rc = update_status(st, &after, d);
    if (rc == 0) rc = audit(st, actor, "batch.withdraw", &b, &after, d);
    if (rc == 0) rc = pg_store_commit(st, d);
done:
    if (rc) pg_store_rollback(st);
    pg_store_close(st);
    pg_batch_clear(&b);
    if (rc == 0 && out)
        *out = after;
    else
        pg_batch_clear(&after);
    return rc;
}

/* Stores the cells of batch `id`, computed when its keys_gen was `gen`. At ingest (replace 0)
 * a row already there is kept (the same definition computes the same cells); when values are
 * taken (replace 1) a stale row is replaced, unless the batch's keys_gen moved on meanwhile (a
 * concurrent ingest settled its keys again: these cells are already stale, and not stored). */
static int insert_partials(pg_store *st, const char *id, const pg_def_cells *v, int n, long gen,
                           int replace, pg_diags *d)
{
    sqlite3_stmt *s;
    int rc = pg_store_prepare(
        st,
        replace ? "INSERT OR REPLACE INTO partial (batch, metric, definition, cells, gen)"
                  " SELECT ?1, ?2, ?3, ?4, ?5 WHERE (SELECT keys_gen FROM batch WHERE id = ?1) = ?5"
                : "INSERT OR IGNORE INTO partial (batch, metric, definition, cells, gen)"
                  " VALUES (?1, ?2, ?3, ?4, ?5)",
        &s, d);
    for (int i = 0; rc == 0 && i < n; i++) {
        sqlite3_reset(s);
        sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, v[i].m->id, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, v[i].m->def, -1, SQLITE_STATIC);
        sqlite3_bind_blob(s, 4, v[i].cells.p, (int)v[i].cells.n, SQLITE_STATIC);
        sqlite3_bind_int64(s, 5, gen);
        if (sqlite3_step(s) != SQLITE_DONE) rc = pg_store_fail(st, "storing the partials", d);
    }
    sqlite3_finalize(s);
    return rc;
}

/* Appends the diagnostics of `from` to d. */
/* Names `to` in the diagnostics that name `from` (a raw copy read in place of the file). */
static void diags_rename(pg_diags *d, const char *from, const char *to)
{
    for (int i = 0; i < d->n; i++)
        if (d->v[i].file && strcmp(d->v[i].file, from) == 0) {
            free(d->v[i].file);
            d->v[i].file = pg_xstrdup(to);
        }
}

static void diags_append(pg_diags *d, const pg_diags *from)
{
    for (int i = 0; i < from->n; i++) {
        const pg_diag *g = &from->v[i];
        pg_diag_add(d, g->sev, g->file, g->line, g->col, "%s", g->msg);
    }
}

/* ---- where a value came from ---- */

static void add_line(char ***lines, int *n, char *s)
{
    *lines = pg_xrealloc(*lines, sizeof(char *) * (size_t)(*n + 1));
    (*lines)[(*n)++] = s;
}

typedef struct {
    const char *unit;
    int bucket;
    double n;
} cell_find;

static int find_cell(void *ud, pg_partial *p, const char *unit, int bucket)
{
    cell_find *f = ud;
    if (bucket != f->bucket || strcmp(unit, f->unit) != 0) return 0;
    f->n = p->n;
    return 1;
}

/* Records of the batch's cell for (unit, period) in stored cells (binary, or the JSON of a row
 * stored before schema 5), or -1. */
static double batch_records(sqlite3_stmt *row, const char *unit, int bucket)
{
    char buf[PG_PERIOD_BUF];
    if (sqlite3_column_type(row, 0) == SQLITE_BLOB) {
        cell_find f = {unit, bucket, -1};
        pg_cells_each(sqlite3_column_blob(row, 0), sqlite3_column_bytes(row, 0), find_cell, &f);
        return f.n;
    }
    cJSON *cells = cJSON_Parse((const char *)sqlite3_column_text(row, 0));
    const char *period = pg_period_format(bucket, buf);
    const cJSON *c;
    cJSON_ArrayForEach(c, cells)
    {
        const char *u = cJSON_GetStringValue(cJSON_GetArrayItem(c, 0));
        const char *p = cJSON_GetStringValue(cJSON_GetArrayItem(c, 1));
        if (u && p && strcmp(u, unit) == 0 && strcmp(p, period) == 0) {
            double n = cJSON_GetNumberValue(cJSON_GetArrayItem(c, 2));
            cJSON_Delete(cells);
            return n;
        }
    }
    cJSON_Delete(cells);
    return -1;
}

int pg_batch_origins(const pg_ruleset *rs, const char *datadir, int metric, int unit, int period,
                     char ***lines, int *n)
{
    if (metric < 0 || unit < 0) return 0;
    const pg_metric *m = &rs->metrics[metric];
    pg_batch *list = NULL;
    int nb = 0, found = 0;
    pg_diags d = {0};
    if (pg_batch_list(datadir, &list, &nb, &d) != 0 || nb == 0) {
        pg_diags_free(&d);
        return 0;
    }
    pg_store *st;
    if (pg_batch_store_open(datadir, &st, &d) != 0) {
        pg_diags_free(&d);
        pg_batch_list_free(list, nb);
        return 0;
    }
    sqlite3_stmt *cells = NULL, *vals = NULL;
    pg_store_prepare(st, "SELECT cells FROM partial WHERE batch = ? AND definition = ? LIMIT 1",
                     &cells, &d);
    pg_store_prepare(st,
                     "SELECT value, n FROM feed_value WHERE batch = ? AND unit = ? AND "
                     "period = ? AND metric = ?",
                     &vals, &d);
    int first = period; /* a bucket holds its whole window (aggregate.c) */
    const char *uid = rs->units[unit].id;
    for (int i = 0; cells && vals && i < nb; i++) {
        if (!list[i].active) continue;
        char pbuf[PG_PERIOD_BUF];
        if (strcmp(list[i].source, PG_BATCH_VALUES) == 0) {
            sqlite3_reset(vals);
            sqlite3_bind_text(vals, 1, list[i].id, -1, SQLITE_STATIC);
            sqlite3_bind_text(vals, 2, uid, -1, SQLITE_STATIC);
            sqlite3_bind_text(vals, 3, pg_period_format(period, pbuf), -1, SQLITE_TRANSIENT);
            sqlite3_bind_text(vals, 4, m->id, -1, SQLITE_STATIC);
            if (sqlite3_step(vals) == SQLITE_ROW) {
                add_line(lines, n,
                         pg_xasprintf("value batch %.12s（%s，%s 入库，%s）：%g", list[i].id,
                                      list[i].file, list[i].ingested_at, list[i].actor,
                                      sqlite3_column_double(vals, 0)));
                found++;
            }
            continue;
        }
        if (m->source < 0 || strcmp(list[i].source, rs->sources[m->source].name) != 0) continue;
        sqlite3_reset(cells);
        sqlite3_bind_text(cells, 1, list[i].id, -1, SQLITE_STATIC);
        sqlite3_bind_text(cells, 2, m->def, -1, SQLITE_STATIC);
        int have = sqlite3_step(cells) == SQLITE_ROW;
        for (int p = first; have && p <= period; p++) {
            double recs = batch_records(cells, uid, p);
            if (recs < 0) continue;
            add_line(lines, n,
                     pg_xasprintf("batch %.12s（%s，%s，%s 入库）：%s 采样月 %g 条记录", list[i].id,
                                  list[i].source, list[i].file, list[i].ingested_at,
                                  pg_period_format(p, pbuf), recs));
            found++;
        }
    }
    sqlite3_finalize(cells);
    sqlite3_finalize(vals);
    pg_store_close(st);
    pg_diags_free(&d);
    pg_batch_list_free(list, nb);
    return found;
}

/* ---- ingesting ---- */

static int insert_values(pg_store *st, const char *id, const cJSON *values, pg_diags *d)
{
    sqlite3_stmt *s;
    int rc = pg_store_prepare(st,
                              "INSERT INTO feed_value (batch, unit, period, metric, value, n)"
                              " VALUES (?, ?, ?, ?, ?, ?)",
                              &s, d);
    if (rc) return rc;
    const cJSON *v;
    cJSON_ArrayForEach(v, values)
    {
        sqlite3_reset(s);
        sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
        for (int i = 0; i < 3; i++)
            sqlite3_bind_text(s, i + 2, cJSON_GetStringValue(cJSON_GetArrayItem(v, i)), -1,
                              SQLITE_STATIC);
        for (int i = 3; i < 5; i++) {
            const cJSON *x = cJSON_GetArrayItem(v, i);
            if (cJSON_IsNumber(x))
                sqlite3_bind_double(s, i + 2, x->valuedouble);
            else
                sqlite3_bind_null(s, i + 2);
        }
        if (sqlite3_step(s) != SQLITE_DONE) {
            rc = pg_store_fail(st, "storing the values", d);
            break;
        }
    }
    sqlite3_finalize(s);
    return rc;
}

/* Marks `old` (by id or prefix) replaced by `by`, inside the running transaction. */
static int replace_old(pg_store *st, const char *old, const pg_batch *by, const char *actor,
                       pg_diags *d)
{
    pg_batch b = {0};
    int rc = find_batch(st, old, &b, d);
    if (rc) return rc;
    if (strcmp(b.id, by->id) == 0) {
        pg_error(d, NULL, 0, "batch %.12s cannot replace itself: the file is the same bytes", b.id);
        rc = -EEXIST;
    } else if (!b.active) {
        pg_error(d, NULL, 0, "batch %.12s is %s, not active: there is nothing to replace", b.id,
                 b.status);
        rc = -EEXIST;
    } else if (strcmp(b.source, by->source) != 0) {
        pg_error(d, NULL, 0, "batch %.12s is of source '%s', the new file of '%s'", b.id, b.source,
                 by->source);
        rc = -EEXIST;
    }
    if (rc == 0) {
        pg_batch after;
        pg_batch_copy(&after, &b);
        pg_batch_set_status(&after, "replaced");
        snprintf(after.replaced_by, sizeof after.replaced_by, "%s", by->id);
        rc = update_status(st, &after, d);
        if (rc == 0) rc = audit(st, actor, "batch.replace", &b, &after, d);
        pg_batch_clear(&after);
    }
    pg_batch_clear(&b);
    return rc;
}

/* The bytes of batch `b` again, which is in the store: a no-op while it is active (also when
 * rq->replaces names b itself: a table pulled again unchanged, host/pull.c); an error when
 * rq->replaces names another batch; otherwise it is restored (and replaces rq->replaces, if
 * given). Runs in its own transaction. */
/* `label`: what messages call the input (its path, or pg_batch_ingest_as's name) */
static int ingest_again(const pg_ruleset *rs, const char *datadir, int si, pg_store *st,
                        const pg_batch_req *rq, const char *label, pg_batch *b, int *again,
                        pg_diags *d)
{
    int rc = pg_store_begin(st, d);
    if (rc) return rc;
    if (b->active && rq->replaces && strncmp(b->id, rq->replaces, strlen(rq->replaces)) == 0) {
        *again = 1; /* the batch to replace is these very bytes: nothing to change */
    } else if (b->active && rq->replaces) {
        pg_error(d, label, 0, "these bytes are already active as batch %.12s; nothing replaced",
                 b->id);
        rc = -EEXIST;
    } else if (b->active) {
        *again = 1;
    } else if (strcmp(b->status, "replaced") == 0) {
        sqlite3_stmt *s;
        rc = pg_store_prepare(st, "SELECT status FROM batch WHERE id = ?", &s, d);
        if (rc == 0) {
            sqlite3_bind_text(s, 1, b->replaced_by, -1, SQLITE_STATIC);
            if (sqlite3_step(s) == SQLITE_ROW &&
                strcmp((const char *)sqlite3_column_text(s, 0), "active") == 0) {
                pg_error(d, label, 0,
                         "these bytes are batch %.12s, replaced by batch %.12s, which is active: "
                         "both would count the same records; withdraw %.12s first, or replace "
                         "it with this file",
                         b->id, b->replaced_by, b->replaced_by);
                rc = -EEXIST;
            }
            sqlite3_finalize(s);
        }
    }
    if (rc == 0 && !b->active) {
        pg_batch before;
        pg_batch_copy(&before, b);
        pg_batch_set_status(b, "active");
        b->replaced_by[0] = '\0';
        rc = update_status(st, b, d);
        if (rc == 0) rc = audit(st, rq->actor, "batch.restore", &before, b, d);
        if (rc == 0 && rq->replaces) rc = replace_old(st, rq->replaces, b, rq->actor, d);
        /* back among the active ones, its keys may meet another batch's */
        if (rc == 0 && si >= 0) rc = pg_keys_settle(rs, datadir, si, st, b->seq, label, d);
        if (rc == 0) pg_keys_reload_counts(st, b);
        pg_batch_clear(&before);
    }
    if (rc == 0)
        rc = pg_store_commit(st, d);
    else
        pg_store_rollback(st);
    return rc;
}

/* Opens raw/ and locks it: LOCK_SH while ingesting, LOCK_EX (with LOCK_NB) to remove
 * leftovers. Returns the descriptor (closing it unlocks) or a negative errno: -EWOULDBLOCK
 * when LOCK_NB and another holds it. */
static int raw_lock(const char *datadir, int op)
{
    char *dir = pg_xasprintf("%s/batches/raw", datadir);
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC), rc = fd;
    free(dir);
    if (fd < 0) return -errno;
    while ((rc = flock(fd, op)) != 0 && errno == EINTR) {
    }
    if (rc != 0) {
        rc = -errno;
        close(fd);
        return rc;
    }
    return fd;
}

/* Whether `name` is what ingest names a raw file: 64 hex digits, a dot, an extension. */
static int raw_name(const char *name)
{
    return strspn(name, "0123456789abcdef") == 64 && name[64] == '.' && name[65] &&
           !strchr(name + 65, '/');
}

/* With raw/ locked exclusively (`fd`): removes the temporary copies of killed ingests and,
 * when `st` is not NULL, the raw files no batch row names. Appends the names removed (relative
 * to the data directory) to *removed. Returns how many, or a negative errno. */
static int sweep(int fd, const char *datadir, pg_store *st, char ***removed, int *n, pg_diags *d)
{
    int dfd = dup(fd);
    DIR *dp = dfd >= 0 ? fdopendir(dfd) : NULL;
    if (!dp) {
        int e = errno;
        if (dfd >= 0) close(dfd);
        pg_error(d, datadir, 0, "cannot list batches/raw: %s", strerror(e));
        return -e;
    }
    sqlite3_stmt *q = NULL;
    int rc = st ? pg_store_prepare(st, "SELECT 1 FROM batch WHERE id = ?1", &q, d) : 0;
    int count = 0;
    struct dirent *e;
    while (rc == 0 && (e = readdir(dp))) {
        int orphan = 0;
        if (strncmp(e->d_name, ".incoming-", 10) != 0) {
            if (!q || !raw_name(e->d_name)) continue;
            sqlite3_reset(q);
            sqlite3_bind_text(q, 1, e->d_name, 64, SQLITE_TRANSIENT);
            int step = sqlite3_step(q);
            if (step == SQLITE_ROW) continue;
            if (step != SQLITE_DONE) {
                rc = pg_store_fail(st, "reading the batches", d);
                break;
            }
            orphan = 1;
        }
        if (unlinkat(fd, e->d_name, 0) != 0) {
            if (errno != ENOENT)
                pg_warn(d, datadir, 0, "cannot remove batches/raw/%s: %s", e->d_name,
                        strerror(errno));
            continue;
        }
        count++;
        if (removed) {
            *removed = pg_xrealloc(*removed, sizeof **removed * (size_t)(*n + 1));
            (*removed)[(*n)++] = pg_xasprintf("batches/raw/%s%s", e->d_name,
                                              orphan ? " (a batch never committed)" : "");
        }
    }
    sqlite3_finalize(q);
    closedir(dp);
    if (count) fsync(fd);
    return rc ? rc : count;
}

int pg_batch_sweep(const char *datadir, char ***removed, int *n, pg_diags *d)
{
    char *raw = pg_xasprintf("%s/batches/raw", datadir);
    struct stat sb;
    int there = stat(raw, &sb) == 0;
    free(raw);
    if (!there) return 0; /* no batch was ever ingested here */
    int fd = raw_lock(datadir, LOCK_EX | LOCK_NB);
    if (fd == -EWOULDBLOCK) return -EBUSY;
    if (fd < 0) {
        pg_error(d, datadir, 0, "cannot lock batches/raw: %s", strerror(-fd));
        return fd;
    }
    pg_store *st = NULL;
    int rc = pg_batch_store_open_existing(datadir, &st, d);
    if (rc >= 0) rc = sweep(fd, datadir, rc == 0 ? st : NULL, removed, n, d);
    pg_store_close(st);
    close(fd);
    return rc;
}

/* A batch computed in the database (pg_batch_ingest_partials) is its whole table: a file of
 * the same source beside it would count rows twice or keys unseen. -EEXIST when one is
 * active. */
static int no_pushdown_beside(pg_store *st, const pg_batch *b, const char *label, pg_diags *d)
{
    sqlite3_stmt *q;
    int rc = pg_store_prepare(st,
                              "SELECT id FROM batch WHERE source = ?1 AND status = 'active'"
                              " AND format = 'pushdown' AND id <> ?2",
                              &q, d);
    if (rc) return rc;
    sqlite3_bind_text(q, 1, b->source, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, b->id, -1, SQLITE_STATIC);
    if (sqlite3_step(q) == SQLITE_ROW) {
        pg_error(d, label, 0,
                 "batch %.12s of source '%s' was computed in the database from its whole table: "
                 "it must be the source's only active batch (--replace %.12s, or withdraw it); "
                 "nothing stored",
                 (const char *)sqlite3_column_text(q, 0), b->source,
                 (const char *)sqlite3_column_text(q, 0));
        rc = -EEXIST;
    }
    sqlite3_finalize(q);
    return rc;
}

/* The store, opened on a thread of its own while the file streams: opening it (and, in a new
 * data directory, creating its schema, one transaction and fdatasync per migration step) is
 * mostly waiting for the disk, ~0.06 s, which would otherwise come after the parse. */
typedef struct {
    const char *datadir;
    pg_store *st;
    pg_diags d;
    int rc;
} store_opening;

static void *open_store(void *arg)
{
    store_opening *o = arg;
    o->rc = pg_batch_store_open(o->datadir, &o->st, &o->d);
    return NULL;
}

int pg_batch_ingest(const pg_ruleset *rs, const char *datadir, const pg_batch_req *rq,
                    pg_batch *out, int *again, pg_diags *d)
{
    return pg_batch_ingest_as(rs, datadir, rq, NULL, out, again, d);
}

int pg_batch_ingest_as(const pg_ruleset *rs, const char *datadir, const pg_batch_req *rq,
                       const char *name, pg_batch *out, int *again, pg_diags *d)
{
    const char *label = name ? name : rq->path;
    memset(out, 0, sizeof *out);
    *again = 0;
    int values = strcmp(rq->source, PG_BATCH_VALUES) == 0;
    int s = values ? -1 : pg_strmap_get(&rs->source_ids, rq->source);
    if (!values && s < 0) {
        pg_error(d, NULL, 0, "--source %s: the rule set declares no such source", rq->source);
        return -EINVAL;
    }
    int rc = make_dirs(datadir, d);
    if (rc) return rc;
    /* Held shared until the commit: no sweep runs meanwhile (see the top of this file). */
    int lock = raw_lock(datadir, LOCK_EX | LOCK_NB);
    if (lock >= 0) {
        pg_diags quiet = {0}; /* a leftover that stays is no reason to refuse the batch */
        sweep(lock, datadir, NULL, NULL, NULL, &quiet);
        pg_diags_free(&quiet);
        while (flock(lock, LOCK_SH) != 0 && errno == EINTR) {
        }
    } else {
        lock = raw_lock(datadir, LOCK_SH);
    }
    if (lock < 0) {
        pg_error(d, datadir, 0, "cannot lock batches/raw: %s", strerror(-lock));
        return lock;
    }
    /* The file is read once (ingest_stream.c): as it is read, it is hashed, copied under a
     * temporary name and parsed; the copy is renamed into place only when the batch is good.
     * The id is known only at the end, so the same bytes again are read before they are
     * found out. One read also means the file may be a pipe or a FIFO. */
    char *incoming = pg_xasprintf("%s/batches/raw/.incoming-%ld-%lx", datadir, (long)getpid(),
                                  (unsigned long)pthread_self());
    int in = open(rq->path, O_RDONLY | O_CLOEXEC);
    if (in < 0) {
        rc = -errno;
        pg_error(d, label, 0, "cannot read: %s", strerror(-rc));
        free(incoming);
        close(lock);
        return rc;
    }
    const char *format = values ? "csv" : pg_ingest_format(rq->path);
    int keyed = !values && rs->sources[s].key_field >= 0;
    pg_store *st = NULL;
    long errors = 0;
    pg_diags rd = {0}; /* the reading's: dropped if the batch turns out to be in already */
    pg_agg *agg = NULL;
    cJSON *vals = NULL; /* a value batch's [[unit, period, metric, value, n], ...] */
    pg_ingest_stream_req sq = {.rs = rs,
                               .source = s,
                               .in = in,
                               .name = label,
                               .format = format,
                               .copy = incoming,
                               .threads = rq->threads > 0 ? rq->threads : 1};
    if (values) {
        /* a small file: copied and hashed first, then the copy read by the same reader and
         * checks as a *.csv in the data directory, its problems named by the file given */
        pg_rawcopy *copy;
        rc = pg_rawcopy_start_fd(in, label, incoming, NULL, NULL, &copy, &rd);
        if (rc == 0) rc = pg_rawcopy_finish(copy, out->id, &rd);
        if (rc == 0) {
            pg_dataset *ds = pg_dataset_new(rs);
            if (pg_dataset_load_file(ds, incoming, &rd) == 0) {
                cJSON *j = pg_dataset_to_json(ds);
                vals = cJSON_DetachItemFromObjectCaseSensitive(j, "values");
                cJSON_Delete(j);
            }
            pg_dataset_free(ds);
            diags_rename(&rd, incoming, label);
        }
    } else if (keyed) {
        /* the keys go to the store's TEMP table while the file is read (see the top) */
        if ((rc = pg_batch_store_open(datadir, &st, &rd)) == 0) {
            int src_rc;
            agg = pg_keys_read(rs, s, st, "new_key", label, format, &sq, out->id, &src_rc, &errors,
                               &rd);
            if (src_rc)
                rc = src_rc;
            else if (!agg && !errors)
                rc = -EIO; /* the store failed: rd says how */
        }
    } else {
        /* the store opens beside the stream; should that fail, it is opened again below,
         * where it always was, and says why there */
        store_opening so = {.datadir = datadir};
        pthread_t opener;
        int opening = pthread_create(&opener, NULL, open_store, &so) == 0;
        rc = pg_ingest_stream(&sq, &agg, out->id, &errors, &rd);
        if (opening) {
            pthread_join(opener, NULL);
            if (so.rc == 0) st = so.st;
            pg_diags_free(&so.d);
        }
    }
    close(in);
    pg_def_cells *partials = NULL;
    int npartials = 0, renamed = 0;
    char *raw = NULL;
    if (rc != 0) { /* the file could not be read or copied: nothing to compare or keep */
        diags_append(d, &rd);
        goto done;
    }
    if (!st && (rc = pg_batch_store_open(datadir, &st, d)) != 0) goto done;
    pg_batch found;
    pg_diags none = {0}; /* "no such batch" is the usual answer, not an error */
    int frc = find_batch(st, out->id, &found, &none);
    pg_diags_free(&none);
    if (frc == 0) { /* the same bytes again */
        *out = found;
        raw = pg_batch_raw_path(datadir, out);
        /* put back a raw file an operator removed: the same name, the same bytes */
        if (access(raw, F_OK) != 0 && rename(incoming, raw) == 0) fsync_dir(raw);
        rc = ingest_again(rs, datadir, s, st, rq, label, out, again, d);
        goto done;
    } else if (frc != -ENOENT) {
        rc = frc;
        goto done;
    }
    diags_append(d, &rd);
    if (values ? !vals : !agg) {
        if (errors)
            pg_error(d, label, 0, "%ld bad record%s: the batch is rejected, nothing stored", errors,
                     errors == 1 ? "" : "s");
        rc = -EINVAL;
        goto done;
    }
    out->source = pg_xstrdup(rq->source);
    const char *base = name ? NULL : strrchr(rq->path, '/');
    out->file = pg_xstrdup(name ? name : base ? base + 1 : rq->path);
    out->format = pg_xstrdup(format);
    out->actor = pg_xstrdup(rq->actor ? rq->actor : "?");
    char now[32];
    pg_store_now(now);
    out->ingested_at = pg_xstrdup(now);
    out->records = values ? cJSON_GetArraySize(vals) : pg_agg_records(agg);
    out->duplicates = values ? 0 : pg_agg_duplicates(agg);
    pg_batch_set_status(out, "active");
    if (!values) partials = pg_def_cells_of(rs, s, agg, &npartials);
    /* the raw file first, on disk; then the rows, together */
    raw = pg_batch_raw_path(datadir, out);
    if (rename(incoming, raw) != 0) {
        rc = -errno;
        pg_error(d, raw, 0, "cannot store the batch: %s", strerror(-rc));
        goto done;
    }
    fsync_dir(raw);
    renamed = 1;
    if ((rc = pg_store_begin(st, d)) != 0) goto done;
    rc = insert_batch(st, out, d);
    if (rc == 1) { /* another writer stored the same bytes meanwhile */
        char id[65];
        memcpy(id, out->id, sizeof id);
        pg_store_rollback(st);
        pg_batch_clear(out);
        rc = find_batch(st, id, out, d);
        if (rc == 0) rc = ingest_again(rs, datadir, s, st, rq, label, out, again, d);
        goto done;
    }
    if (rc == 0) out->seq = (long)sqlite3_last_insert_rowid(pg_store_db(st));
    if (rc == 0)
        rc = values ? insert_values(st, out->id, vals, d)
                    : insert_partials(st, out->id, partials, npartials, 0, 0, d);
    if (rc == 0) rc = audit(st, out->actor, "batch.ingest", NULL, out, d);
    if (rc == 0 && rq->replaces) rc = replace_old(st, rq->replaces, out, out->actor, d);
    if (rc == 0 && !values) rc = no_pushdown_beside(st, out, label, d);
    if (rc == 0 && keyed) { /* its keys beside the other batches': which records count */
        rc = pg_keys_policy(rs, s, st, d);
        if (rc == 0) rc = pg_keys_take_new(st, out->source, out->seq, d);
        if (rc == 0) rc = pg_keys_settle(rs, datadir, s, st, out->seq, label, d);
        if (rc == 0) pg_keys_reload_counts(st, out);
    } else if (rc == 0 && !values) {
        rc = pg_keys_settle(rs, datadir, s, st, 0, label, d); /* a source that lost its key */
    }
    if (rc == 0)
        rc = pg_store_commit(st, d);
    else
        pg_store_rollback(st);
    /* refused: the raw copy renamed into place names no batch; nothing of it stays */
    if (rc && renamed && raw && unlink(raw) == 0) fsync_dir(raw);
done:
    unlink(incoming); /* gone already when renamed into place */
    if (rc) pg_batch_clear(out), *again = 0;
    pg_store_close(st);
    pg_def_cells_free(partials, npartials);
    cJSON_Delete(vals);
    pg_agg_free(agg);
    pg_diags_free(&rd);
    free(raw), free(incoming);
    close(lock); /* after the commit: a sweep may run now */
    return rc;
}

/* A pull computed by the database (pushdown.c): the partials come made, `transcript` (the
 * statements and what they returned) is the raw copy, and `id` is the pushdown's (the
 * statements, what was read and the engine's content fingerprint). Everything else is an
 * ingest's: all or nothing, audited, --replace, the same id again changes nothing. Such a
 * batch is the whole table, so it must be the only active batch of its source: another would
 * count its rows twice, and a keyed source's keys cannot be compared with rows never read. */
int pg_batch_ingest_partials(const pg_ruleset *rs, const char *datadir, const pg_batch_req *rq,
                             const char *label, const char id[65], const char *transcript,
                             size_t len, pg_agg *agg, long records, long duplicates, pg_batch *out,
                             int *again, pg_diags *d)
{
    memset(out, 0, sizeof *out);
    *again = 0;
    int s = pg_strmap_get(&rs->source_ids, rq->source);
    if (s < 0) return -EINVAL;
    int rc = make_dirs(datadir, d);
    if (rc) return rc;
    int lock = raw_lock(datadir, LOCK_SH);
    if (lock < 0) {
        pg_error(d, datadir, 0, "cannot lock batches/raw: %s", strerror(-lock));
        return lock;
    }
    pg_store *st = NULL;
    char *raw = NULL;
    pg_def_cells *partials = NULL;
    int npartials = 0, renamed = 0;
    if ((rc = pg_batch_store_open(datadir, &st, d)) != 0) goto done;
    pg_batch found;
    pg_diags none = {0};
    int frc = find_batch(st, id, &found, &none);
    pg_diags_free(&none);
    if (frc == 0) { /* the same statements over the same rows */
        *out = found;
        rc = ingest_again(rs, datadir, -1, st, rq, label, out, again, d);
        goto done;
    } else if (frc != -ENOENT) {
        rc = frc;
        goto done;
    }
    memcpy(out->id, id, 65);
    out->source = pg_xstrdup(rq->source);
    out->file = pg_xstrdup(label);
    out->format = pg_xstrdup("pushdown");
    out->actor = pg_xstrdup(rq->actor ? rq->actor : "?");
    char now[32];
    pg_store_now(now);
    out->ingested_at = pg_xstrdup(now);
    out->records = records;
    out->duplicates = duplicates;
    pg_batch_set_status(out, "active");
    partials = pg_def_cells_of(rs, s, agg, &npartials);
    raw = pg_batch_raw_path(datadir, out);
    FILE *f = fopen(raw, "wx");
    if (!f || fwrite(transcript, 1, len, f) != len || fflush(f) != 0 || fsync(fileno(f)) != 0) {
        rc = -(errno ? errno : EIO);
        pg_error(d, raw, 0, "cannot store the batch: %s", strerror(-rc));
        if (f) fclose(f), unlink(raw);
        goto done;
    }
    fclose(f);
    fsync_dir(raw);
    renamed = 1;
    if ((rc = pg_store_begin(st, d)) != 0) goto done;
    rc = insert_batch(st, out, d);
    if (rc == 1) { /* another writer stored it meanwhile */
        pg_store_rollback(st);
        renamed = 0; /* the same bytes: the file is theirs too */
        rc = 0;
        *again = 1;
        goto done;
    }
    if (rc == 0) out->seq = (long)sqlite3_last_insert_rowid(pg_store_db(st));
    if (rc == 0) rc = insert_partials(st, out->id, partials, npartials, 0, 0, d);
    if (rc == 0) rc = audit(st, out->actor, "batch.ingest", NULL, out, d);
    if (rc == 0 && rq->replaces) rc = replace_old(st, rq->replaces, out, out->actor, d);
    if (rc == 0) {
        sqlite3_stmt *q;
        rc = pg_store_prepare(st,
                              "SELECT id, file FROM batch WHERE source = ?1 AND status = 'active'"
                              " AND id <> ?2 ORDER BY seq",
                              &q, d);
        if (rc == 0) {
            sqlite3_bind_text(q, 1, out->source, -1, SQLITE_STATIC);
            sqlite3_bind_text(q, 2, out->id, -1, SQLITE_STATIC);
            if (sqlite3_step(q) == SQLITE_ROW) {
                pg_error(d, label, 0,
                         "batch %.12s (%s) of source '%s' is active: a pull computed in the "
                         "database is the whole table and must be the source's only active "
                         "batch (--replace %.12s, or withdraw it); nothing stored",
                         (const char *)sqlite3_column_text(q, 0),
                         (const char *)sqlite3_column_text(q, 1), out->source,
                         (const char *)sqlite3_column_text(q, 0));
                rc = -EEXIST;
            }
            sqlite3_finalize(q);
        }
    }
    if (rc == 0)
        rc = pg_store_commit(st, d);
    else
        pg_store_rollback(st);
done:
    if (rc && renamed && raw && unlink(raw) == 0) fsync_dir(raw);
    if (rc) pg_batch_clear(out), *again = 0;
    pg_store_close(st);
    pg_def_cells_free(partials, npartials);
    free(raw);
    close(lock);
    return rc;
}

/* ---- taking values ---- */

/* Where a value already in the dataset came from, for an error naming both origins: a value
 * batch (its index in `vb`, or -1) or a *.csv file of the data directory. Malloc'd. */
static char *origin(const pg_ruleset *rs, const char *datadir, const pg_batch *vb, int bi,
                    int metric, int unit, int period)
{
    if (bi >= 0) return pg_xasprintf("value batch %.12s (%s)", vb[bi].id, vb[bi].file);
    char **lines = NULL;
    int n = 0;
    pg_dataset_fed_rows(rs, datadir, metric, unit, period, &lines, &n);
    char *s = n ? pg_xasprintf("%s", lines[0]) : pg_xstrdup("a *.csv file of the data directory");
    for (int i = 0; i < n; i++) free(lines[i]);
    free(lines);
    return s;
}

/* Keys a value: "period|metric|unit". */
static char *value_key(int period, int metric, int unit)
{
    return pg_xasprintf("%d|%d|%d", period, metric, unit);
}

typedef struct {
    pg_strmap map; /* value_key → index of the value batch that gave it */
    char **keys;
    int n;
} value_origins;

static void origins_free(value_origins *o)
{
    pg_strmap_free(&o->map);
    for (int i = 0; i < o->n; i++) free(o->keys[i]);
    free(o->keys);
}

/* The active value batches' values into ds. */
static int feed_values(const pg_ruleset *rs, const char *datadir, pg_store *st, pg_dataset *ds,
                       const pg_batch *list, int n, value_origins *vo, pg_diags *d)
{
    sqlite3_stmt *s;
    int rc = pg_store_prepare(st,
                              "SELECT unit, period, metric, value, n FROM feed_value"
                              " WHERE batch = ? ORDER BY period, metric, unit",
                              &s, d);
    for (int i = 0; rc == 0 && i < n; i++) {
        if (!list[i].active || strcmp(list[i].source, PG_BATCH_VALUES) != 0) continue;
        sqlite3_reset(s);
        sqlite3_bind_text(s, 1, list[i].id, -1, SQLITE_STATIC);
        int step;
        while (rc == 0 && (step = sqlite3_step(s)) == SQLITE_ROW) {
            const char *uid = (const char *)sqlite3_column_text(s, 0);
            const char *per = (const char *)sqlite3_column_text(s, 1);
            const char *mid = (const char *)sqlite3_column_text(s, 2);
            int u = pg_unit_find(rs, uid ?: ""), p = per ? pg_period_parse(per) : -1;
            int m = pg_strmap_get(&rs->metric_ids, mid ?: "");
            if (m < 0) continue; /* a metric of another year's rule set: not this one's */
            if (u < 0 || p < 0) {
                pg_error(d, NULL, 0,
                         "value batch %.12s (%s): unit '%s' of %s is no longer in units.csv; "
                         "withdraw the batch or restore the unit",
                         list[i].id, list[i].file, uid, mid);
                rc = -EINVAL;
                break;
            }
            double v = sqlite3_column_double(s, 3);
            double vn =
                sqlite3_column_type(s, 4) == SQLITE_NULL ? NAN : sqlite3_column_double(s, 4);
            if (pg_dataset_set(ds, p, m, u, v, vn) != 0) {
                char *key = value_key(p, m, u);
                char *first = origin(rs, datadir, list, pg_strmap_get(&vo->map, key), m, u, p);
                pg_error(d, NULL, 0,
                         "metric '%s' for %s %s is given twice: by %s and by value batch %.12s "
                         "(%s); withdraw one",
                         mid, uid, per, first, list[i].id, list[i].file);
                free(first), free(key);
                rc = -EINVAL;
                break;
            }
            vo->keys = pg_xrealloc(vo->keys, sizeof(char *) * (size_t)(vo->n + 1));
            vo->keys[vo->n] = value_key(p, m, u);
            pg_strmap_put(&vo->map, vo->keys[vo->n], i);
            vo->n++;
        }
        if (rc == 0 && step != SQLITE_DONE) rc = pg_store_fail(st, "reading fed values", d);
    }
    sqlite3_finalize(s);
    return rc;
}

/* Cells recomputed while values were taken, stored once the reading is done. */
typedef struct {
    char id[65];
    long gen;
    pg_def_cells *defs;
    int n;
} fresh_cells;

/* Merges one batch's stored partials into the per-source table; recomputes from the raw file
 * the metrics whose definition has no partials yet, whose partials were computed before the
 * batch's counted records last changed (partial.gen), or that are JSON text of before schema
 * 5 (read as they are only when the raw file is gone), and hands those to *fresh to store.
 * Metrics with skip[m] set are left out (their totals hold this batch already); the buckets
 * merged into metric m are added to touched[m]. */
static int feed_batch(const pg_ruleset *rs, const char *datadir, pg_store *st, const pg_batch *b,
                      int s, pg_agg *table, fresh_cells *fresh, const char *skip,
                      pg_buckets *touched, pg_diags *d)
{
    sqlite3_stmt *q;
    int rc = pg_store_prepare(st,
                              "SELECT definition, cells, gen FROM partial WHERE batch = ?"
                              " ORDER BY definition",
                              &q, d);
    if (rc) return rc;
    sqlite3_bind_text(q, 1, b->id, -1, SQLITE_STATIC);
    /* per metric of the source: 1 merged from a binary row, 2 a JSON row, 0 none usable */
    int *got = pg_xcalloc((size_t)rs->nmetrics + 1, sizeof *got);
    for (int m = 0; m < rs->nmetrics; m++) got[m] = skip[m] ? 1 : 0;
    int stale = 0, legacy = 0, step;
    while (rc == 0 && (step = sqlite3_step(q)) == SQLITE_ROW) {
        const char *def = (const char *)sqlite3_column_text(q, 0);
        int blob = sqlite3_column_type(q, 1) == SQLITE_BLOB;
        if (blob && sqlite3_column_int64(q, 2) != b->keys_gen) continue; /* stale */
        for (int m = 0; rc == 0 && m < rs->nmetrics; m++) {
            const pg_metric *me = &rs->metrics[m];
            if (me->source != s || me->agg == PG_AGG_FED || got[m] || strcmp(me->def, def))
                continue;
            got[m] = blob ? 1 : 2;
            if (!blob) continue;
            pg_cells_merger cm = {rs, table, m, &touched[m]};
            if (pg_cells_each(sqlite3_column_blob(q, 1), sqlite3_column_bytes(q, 1), pg_cells_merge,
                              &cm) != 0) {
                pg_error(d, pg_store_path(st), 0,
                         "batch %.12s, metric '%s': a stored cell is damaged or names a unit no "
                         "longer in units.csv",
                         b->id, me->id);
                rc = -EINVAL;
            }
        }
    }
    if (rc == 0 && step != SQLITE_DONE) rc = pg_store_fail(st, "reading the partials", d);
    sqlite3_reset(q);
    for (int m = 0; m < rs->nmetrics; m++) {
        const pg_metric *me = &rs->metrics[m];
        if (me->source != s || me->agg == PG_AGG_FED || got[m] == 1) continue;
        stale = 1;
        legacy += got[m] == 2;
    }
    char *raw = pg_batch_raw_path(datadir, b);
    if (rc == 0 && stale && legacy && access(raw, F_OK) != 0 && b->keys_gen == 0) {
        /* JSON rows of before, and the raw copy gone: the old figures, as they were read */
        int missing = 0;
        for (int m = 0; m < rs->nmetrics; m++) {
            const pg_metric *me = &rs->metrics[m];
            if (me->source == s && me->agg != PG_AGG_FED && !got[m]) missing = 1;
        }
        while (!missing && rc == 0 && sqlite3_step(q) == SQLITE_ROW) {
            if (sqlite3_column_type(q, 1) == SQLITE_BLOB) continue;
            const char *def = (const char *)sqlite3_column_text(q, 0);
            for (int m = 0; rc == 0 && m < rs->nmetrics; m++) {
                const pg_metric *me = &rs->metrics[m];
                if (me->source != s || got[m] != 2 || strcmp(me->def, def)) continue;
                got[m] = 1;
                touched[m].all = 1; /* its periods are not walked here: write them all */
                cJSON *cells = cJSON_Parse((const char *)sqlite3_column_text(q, 1)), *c;
                int bad = !cJSON_IsArray(cells);
                cJSON_ArrayForEach(c, cells) if (!bad && pg_cells_from_json(rs, table, m, c) != 0)
                    bad = 1;
                cJSON_Delete(cells);
                if (bad) {
                    pg_error(d, pg_store_path(st), 0,
                             "batch %.12s, metric '%s': a stored cell is damaged or names a unit "
                             "no longer in units.csv",
                             b->id, me->id);
                    rc = -EINVAL;
                }
            }
        }
        stale = missing;
    }
    sqlite3_finalize(q);
    if (rc == 0 && stale && strcmp(b->format, "pushdown") == 0) {
        /* computed in the database for other definitions: no records here to read again */
        pg_error(d, b->file, 0,
                 "batch %.12s was computed in the database for metric definitions that changed "
                 "since: pull it again (--from ... --replace %.12s)",
                 b->id, b->id);
        rc = -ESTALE;
    }
    if (rc == 0 && stale) { /* read the raw batch again */
        long errors;
        pg_agg *agg = pg_keys_read_stored(rs, s, st, b, raw, &errors, d);
        if (!agg) {
            pg_error(d, raw, 0,
                     "batch %.12s: its metrics or its counted records changed and its raw file "
                     "cannot be read again",
                     b->id);
            rc = -EIO;
        }
        const pg_agg_cell *cells;
        int n = agg ? pg_agg_cells(agg, &cells) : 0;
        for (int i = 0; i < n; i++) {
            if (got[cells[i].metric] == 1) continue;
            pg_buckets_add(&touched[cells[i].metric], cells[i].bucket);
            pg_partial_merge(pg_agg_partial(table, cells[i].metric, cells[i].unit, cells[i].bucket),
                             &cells[i].p);
        }
        if (agg) { /* keep the recomputed partials, so the next run reads them */
            int nd;
            pg_def_cells *defs = pg_def_cells_of(rs, s, agg, &nd);
            int keep = 0;
            for (int k = 0; k < nd; k++) {
                int m = (int)(defs[k].m - rs->metrics);
                if (got[m] == 1) {
                    free(defs[k].cells.p);
                    continue;
                }
                defs[keep++] = defs[k];
            }
            snprintf(fresh->id, sizeof fresh->id, "%s", b->id);
            fresh->gen = b->keys_gen;
            fresh->defs = defs;
            fresh->n = keep;
        }
        pg_agg_free(agg);
    }
    free(raw);
    free(got);
    return rc;
}

int pg_batch_feed(const pg_ruleset *rs, const char *datadir, pg_dataset *ds, pg_diags *d)
{
    pg_store *st;
    int rc = pg_batch_store_open_existing(datadir, &st, d);
    if (rc) return rc == 1 ? 0 : rc;
    rc = pg_batch_feed_store(rs, datadir, st, ds, d);
    pg_store_close(st);
    return rc;
}

/* Merges source s's active batches into `table`: per metric definition, its totals (totals.c)
 * when they merge these batches or the first of them, then the partials of the batches after
 * them; the totals to write back go to *puts, recomputed partials to *fresh. */
/* Where the values computed from a source's cells go, and what an error about one names. */
typedef struct {
    const pg_ruleset *rs;
    const char *datadir;
    pg_dataset *ds;
    const pg_batch *values; /* the value batches, whose values are in ds already */
    value_origins *vo;
    int source;
    pg_diags *d;
} value_sink;

/* The value of (metric, unit, bucket) computed from its merged cell into the dataset; -EINVAL
 * when it is there already (given as a value too). A bucket is its whole window (year_to_date
 * and rolling windows are counted into each month they cover, aggregate.c): nothing to merge
 * across months. The cell is merged into an empty one first, as a table's cell would be: a
 * stored total read straight from the store gives the same bits as through the table. */
static int put_value(value_sink *k, int metric, int unit, int bucket, const pg_partial *cell)
{
    const pg_ruleset *rs = k->rs;
    const pg_metric *me = &rs->metrics[metric];
    pg_partial p = {0};
    p.min = INFINITY;
    p.max = -INFINITY;
    pg_partial_merge(&p, cell);
    double v, vn;
    int rc = 0;
    if (pg_partial_value(me, &p, &v, &vn) == 0 &&
        pg_dataset_set(k->ds, bucket, metric, unit, v, vn) != 0) {
        char buf[PG_PERIOD_BUF];
        char *key = value_key(bucket, metric, unit);
        char *first = origin(rs, k->datadir, k->values, pg_strmap_get(&k->vo->map, key), metric,
                             unit, bucket);
        pg_error(k->d, k->datadir, 0,
                 "metric '%s' for %s %s is given twice: by %s and computed from source '%s'; "
                 "keep one",
                 me->id, rs->units[unit].id, pg_period_format(bucket, buf), first,
                 rs->sources[k->source].name);
        free(first), free(key);
        rc = -EINVAL;
    }
    pg_partial_free(&p);
    return rc;
}

static int sink_cell(void *arg, int metric, int unit, int bucket, pg_partial *p)
{
    return put_value(arg, metric, unit, bucket, p);
}

/* Source s's cells: every definition's stored totals when they merge every active batch, each
 * cell straight into the dataset (`sink`); otherwise the totals that merge a prefix of them and
 * the partials of the batches after it merged into `table`, whose cells the caller takes, and
 * the totals to store again into *puts. */
static int feed_source(const pg_ruleset *rs, const char *datadir, pg_store *st, int s,
                       value_sink *sink, pg_agg *table, fresh_cells **fresh, int *nfresh,
                       pg_totals_put **puts, int *nputs, pg_diags *d)
{
    const char *name = rs->sources[s].name;
    char *active = NULL;
    int nactive = 0, nm = rs->nmetrics;
    int rc = pg_totals_active(st, name, &active, &nactive, d);
    /* per metric of the source: the first metric of its definition, and how many of the
     * active batches that definition's totals merge */
    int *first = pg_xmalloc(sizeof(int) * ((size_t)nm + 1)),
        *have = pg_xcalloc((size_t)nm + 1, sizeof(int));
    int need = 0;
    for (int m = 0; m < nm; m++) {
        const pg_metric *me = &rs->metrics[m];
        first[m] = -1;
        if (me->source != s || me->agg == PG_AGG_FED) continue;
        for (int k = 0; k < m && first[m] < 0; k++)
            if (first[k] == k && strcmp(rs->metrics[k].def, me->def) == 0) first[m] = k;
        if (first[m] >= 0) {
            have[m] = have[first[m]];
            continue;
        }
        first[m] = m;
        if (rc || nactive == 0) continue;
        int k = pg_totals_prefix(st, name, me->def, active, d);
        if (k < 0) rc = k;
        have[m] = k > 0 ? k : 0;
        need |= have[m] < nactive;
    }
    /* without a table when the totals are all: no cell of millions to allocate and look up */
    for (int m = 0; rc == 0 && m < nm; m++) {
        if (first[m] != m || have[m] == 0) continue;
        rc = need ? pg_totals_merge(st, rs, s, rs->metrics[m].def, table, d)
                  : pg_totals_each(st, rs, s, rs->metrics[m].def, sink_cell, sink, d);
    }
    pg_batch *list = NULL;
    int nb = 0;
    if (rc == 0 && need) {
        sqlite3_stmt *q;
        rc = pg_store_prepare(st,
                              "SELECT " PG_BATCH_COLS " FROM batch WHERE source = ?1 AND"
                              " status = 'active' ORDER BY seq",
                              &q, d);
        int step = SQLITE_DONE;
        if (rc == 0) sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
        while (rc == 0 && (step = sqlite3_step(q)) == SQLITE_ROW) {
            list = pg_xrealloc(list, sizeof *list * (size_t)(nb + 1));
            pg_batch_from_row(&list[nb++], q);
        }
        if (rc == 0 && step != SQLITE_DONE) rc = pg_store_fail(st, "reading the batches", d);
        sqlite3_finalize(q);
        if (rc == 0 && nb != nactive) rc = pg_store_fail(st, "reading the batches", d);
    }
    pg_buckets *touched = pg_xcalloc((size_t)nm + 1, sizeof *touched);
    char *skip = pg_xmalloc((size_t)nm + 1);
    for (int i = 0; rc == 0 && i < nb; i++) {
        int any = 0;
        for (int m = 0; m < nm; m++) {
            skip[m] = first[m] < 0 || have[m] > i;
            any |= !skip[m];
        }
        if (!any) continue;
        *fresh = pg_xrealloc(*fresh, sizeof **fresh * (size_t)(*nfresh + 1));
        fresh_cells *f = &(*fresh)[(*nfresh)++];
        memset(f, 0, sizeof *f);
        rc = feed_batch(rs, datadir, st, &list[i], s, table, f, skip, touched, d);
    }
    for (int m = 0; rc == 0 && m < nm; m++) {
        if (first[m] != m || have[m] >= nactive) continue;
        *puts = pg_xrealloc(*puts, sizeof **puts * (size_t)(*nputs + 1));
        const pg_buckets *t = have[m] && !touched[m].all ? &touched[m] : NULL;
        pg_totals_encode(rs, s, rs->metrics[m].def, m, table, active, t, &(*puts)[(*nputs)++]);
    }
    for (int m = 0; m < nm; m++) free(touched[m].v);
    free(touched), free(skip), free(first), free(have), free(active);
    pg_batch_list_free(list, nb);
    return rc;
}

int pg_batch_feed_store(const pg_ruleset *rs, const char *datadir, pg_store *st, pg_dataset *ds,
                        pg_diags *d)
{
    pg_batch *list = NULL;
    int n = 0;
    sqlite3_stmt *q;
    /* Keys first (a write of its own), then one read snapshot for the batches, their key flags,
     * totals and partials, so that a concurrent ingest cannot change them halfway; the
     * recomputed cells and totals are stored after it, where they still hold. */
    int rc = 0;
    for (int tries = 0;; tries++) {
        if ((rc = pg_keys_settle_all(rs, datadir, st, d)) != 0) return rc;
        if ((rc = pg_store_exec(st, "BEGIN", d)) != 0) return rc;
        /* a withdrawal between the settling and the snapshot: settle again (a few times at
         * most; then the snapshot is taken as it is, one evaluation late) */
        int again = 0;
        for (int s = 0; s < rs->nsources && !again && tries < 4; s++)
            again = pg_keys_unsettled(rs, s, st);
        if (!again) break;
        pg_store_rollback(st);
    }
    /* the value batches here; a source's batches only when its totals do not cover them */
    rc = pg_store_prepare(st,
                          "SELECT " PG_BATCH_COLS " FROM batch WHERE status = 'active' AND"
                          " source = ?1 ORDER BY seq",
                          &q, d);
    int step = SQLITE_DONE;
    if (rc == 0) sqlite3_bind_text(q, 1, PG_BATCH_VALUES, -1, SQLITE_STATIC);
    while (rc == 0 && (step = sqlite3_step(q)) == SQLITE_ROW) {
        list = pg_xrealloc(list, sizeof(pg_batch) * (size_t)(n + 1));
        pg_batch_from_row(&list[n++], q);
    }
    if (rc == 0 && step != SQLITE_DONE) rc = pg_store_fail(st, "reading the batches", d);
    sqlite3_finalize(q);
    value_origins vo = {0};
    fresh_cells *fresh = NULL;
    int nfresh = 0, nputs = 0;
    pg_totals_put *puts = NULL;
    if (rc == 0) rc = feed_values(rs, datadir, st, ds, list, n, &vo, d);
    for (int s = 0; s < rs->nsources && rc == 0; s++) {
        pg_agg *table = pg_agg_new(rs, s);
        value_sink sink = {rs, datadir, ds, list, &vo, s, d};
        rc = feed_source(rs, datadir, st, s, &sink, table, &fresh, &nfresh, &puts, &nputs, d);
        const pg_agg_cell *cells;
        int ncells = pg_agg_cells(table, &cells);
        for (int i = 0; i < ncells && rc == 0; i++)
            rc = put_value(&sink, cells[i].metric, cells[i].unit, cells[i].bucket, &cells[i].p);
        pg_agg_free(table);
    }
    pg_store_rollback(st); /* the read snapshot ends */
    int any = nputs > 0;
    for (int i = 0; i < nfresh; i++) any |= fresh[i].n > 0;
    if (rc == 0 && any) {
        rc = pg_store_begin(st, d);
        for (int i = 0; rc == 0 && i < nfresh; i++)
            if (fresh[i].n)
                rc =
                    insert_partials(st, fresh[i].id, fresh[i].defs, fresh[i].n, fresh[i].gen, 1, d);
        if (rc == 0) rc = pg_totals_store(st, puts, nputs, d);
        if (rc == 0)
            rc = pg_store_commit(st, d);
        else
            pg_store_rollback(st);
    }
    for (int i = 0; i < nfresh; i++) pg_def_cells_free(fresh[i].defs, fresh[i].n);
    free(fresh);
    pg_totals_put_free(puts, nputs);
    origins_free(&vo);
    pg_batch_list_free(list, n);
    return rc;
}
