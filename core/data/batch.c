/* batch.c — the batch store: raw files in DATA/batches/raw, rows in the SQLite store.
 *
 * Partials are kept as one row per (batch, metric, definition hash), the cells a JSON array:
 * compact enough, readable with the sqlite3 shell, and what the previous release kept in
 * files, so importing it copies text. A rule change recomputes only the metrics whose
 * definition hash has no row yet. Every change of a batch's status is one transaction with its
 * audit entry (before and after as the batch's JSON).
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
#include "ingest_parallel.h"
#include "base.h"

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

#define BATCH_COLS                                                                                 \
    "id, source, file, format, records, duplicates, actor, ingested_at, status, "                  \
    "coalesce(replaced_by, '')"

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

static const char *format_of(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (dot &&
        (strcmp(dot, ".ndjson") == 0 || strcmp(dot, ".jsonl") == 0 || strcmp(dot, ".json") == 0))
        return "ndjson";
    return "csv";
}

static char *raw_path(const char *datadir, const pg_batch *b)
{
    return pg_xasprintf("%s/batches/raw/%s.%s", datadir, b->id, b->format);
}

/* ---- batches as rows and as JSON ---- */

void pg_batch_clear(pg_batch *b)
{
    free(b->source), free(b->file), free(b->format), free(b->ingested_at), free(b->actor);
    memset(b, 0, sizeof *b);
}

void pg_batch_list_free(pg_batch *b, int n)
{
    for (int i = 0; i < n; i++) pg_batch_clear(&b[i]);
    free(b);
}

static void batch_copy(pg_batch *to, const pg_batch *from)
{
    *to = *from;
    to->source = pg_xstrdup(from->source ? from->source : "");
    to->file = pg_xstrdup(from->file ? from->file : "");
    to->format = pg_xstrdup(from->format ? from->format : "");
    to->ingested_at = pg_xstrdup(from->ingested_at ? from->ingested_at : "");
    to->actor = pg_xstrdup(from->actor ? from->actor : "");
}

static void set_status(pg_batch *b, const char *status)
{
    snprintf(b->status, sizeof b->status, "%s", status);
    b->active = strcmp(status, "active") == 0;
}

/* A row of SELECT BATCH_COLS. */
static void batch_from_row(pg_batch *b, sqlite3_stmt *s)
{
    memset(b, 0, sizeof *b);
#define TXT(i) ((const char *)sqlite3_column_text(s, i) ?: "")
    snprintf(b->id, sizeof b->id, "%s", TXT(0));
    b->source = pg_xstrdup(TXT(1));
    b->file = pg_xstrdup(TXT(2));
    b->format = pg_xstrdup(TXT(3));
    b->records = (long)sqlite3_column_int64(s, 4);
    b->duplicates = (long)sqlite3_column_int64(s, 5);
    b->actor = pg_xstrdup(TXT(6));
    b->ingested_at = pg_xstrdup(TXT(7));
    set_status(b, TXT(8));
    snprintf(b->replaced_by, sizeof b->replaced_by, "%s", TXT(9));
#undef TXT
}

cJSON *pg_batch_json(const pg_batch *b)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", b->id);
    cJSON_AddStringToObject(o, "source", b->source ? b->source : "");
    cJSON_AddStringToObject(o, "file", b->file ? b->file : "");
    cJSON_AddStringToObject(o, "format", b->format ? b->format : "");
    cJSON_AddNumberToObject(o, "records", (double)b->records);
    cJSON_AddNumberToObject(o, "duplicates", (double)b->duplicates);
    if (b->actor) cJSON_AddStringToObject(o, "actor", b->actor);
    if (b->ingested_at) cJSON_AddStringToObject(o, "ingested_at", b->ingested_at);
    cJSON_AddStringToObject(o, "status", b->status[0] ? b->status : "active");
    if (b->replaced_by[0]) cJSON_AddStringToObject(o, "replaced_by", b->replaced_by);
    return o;
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
        st, "SELECT " BATCH_COLS " FROM batch WHERE substr(id, 1, length(?1)) = ?1 LIMIT 2", &s, d);
    if (rc) return rc;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    int hits = 0, step;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        if (hits++ == 0) batch_from_row(out, s);
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
    int rc = pg_store_prepare(
        st, "UPDATE batch SET status = ?, replaced_by = NULLIF(?, '') WHERE id = ?", &s, d);
    if (rc) return rc;
    sqlite3_bind_text(s, 1, b->status, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, b->replaced_by, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, b->id, -1, SQLITE_STATIC);
    if (sqlite3_step(s) != SQLITE_DONE) rc = pg_store_fail(st, "changing the batch's status", d);
    sqlite3_finalize(s);
    return rc;
}

/* Stores the partials of a JSON object {definition: {"metric": id, "cells": [...]}}, keeping
 * any row already there (the same definition computes the same cells). */
static int insert_partials(pg_store *st, const char *id, const cJSON *metrics, pg_diags *d)
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
        set_status(&b, strcmp(status, "active") == 0 ? "active" : "withdrawn");
        free(status);
        if (strlen(b.id) != 64 || !*b.source || !*b.format) {
            pg_error(d, index, 0, "a batch entry lacks its id, source or format");
            rc = -EINVAL;
        }
        if (rc == 0) rc = insert_batch(st, &b, d);
        if (rc == 0) { /* new: its partials, then the entry */
            char *ppath = pg_xasprintf("%s/batches/partials/%s.json", datadir, b.id);
            cJSON *p = read_json(ppath, NULL); /* missing or damaged: recomputed when read */
            rc = insert_partials(st, b.id, cJSON_GetObjectItemCaseSensitive(p, "metrics"), d);
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
    rc = pg_store_prepare(st, "SELECT " BATCH_COLS " FROM batch ORDER BY seq", &s, d);
    int cap = 0, step = SQLITE_DONE;
    while (rc == 0 && (step = sqlite3_step(s)) == SQLITE_ROW) {
        if (*n == cap) *out = pg_xrealloc(*out, sizeof(pg_batch) * (size_t)(cap = cap * 2 + 16));
        batch_from_row(&(*out)[(*n)++], s);
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
    batch_copy(&after, &b);
    set_status(&after, "withdrawn");
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

/* ---- partials as JSON ---- */

static cJSON *cell_to_json(const pg_ruleset *rs, const pg_agg_cell *c)
{
    char buf[PG_PERIOD_BUF];
    const pg_partial *p = &c->p;
    cJSON *a = cJSON_CreateArray();
    cJSON_AddItemToArray(a, cJSON_CreateString(rs->units[c->unit].id));
    cJSON_AddItemToArray(a, cJSON_CreateString(pg_period_format(c->bucket, buf)));
    double nums[] = {p->n,  pg_partial_sum(p), pg_partial_den(p), p->hits, p->valued, p->min,
                     p->max};
    for (int i = 0; i < 7; i++)
        cJSON_AddItemToArray(a,
                             isfinite(nums[i]) ? cJSON_CreateNumber(nums[i]) : cJSON_CreateNull());
    cJSON *h = cJSON_CreateArray();
    for (int i = 0; i < p->caphashes; i++) {
        if (!p->hashes[i]) continue;
        char hex[17];
        snprintf(hex, sizeof hex, "%016" PRIx64, p->hashes[i]);
        cJSON_AddItemToArray(h, cJSON_CreateString(hex));
    }
    cJSON_AddItemToArray(a, h);
    /* cJSON_CreateDoubleArray returns NULL for no values; the cell keeps its 11 slots. */
    cJSON_AddItemToArray(a, p->nvalues ? cJSON_CreateDoubleArray(p->values, p->nvalues)
                                       : cJSON_CreateArray());
    return a;
}

/* Merges one stored cell into the table; returns -1 if it is malformed or names a unit the
 * rule set no longer has (then it cannot count). */
static int cell_from_json(const pg_ruleset *rs, pg_agg *table, int metric, const cJSON *a)
{
    if (cJSON_GetArraySize(a) != 11) return -1;
    int u = pg_unit_find(rs, cJSON_GetStringValue(cJSON_GetArrayItem(a, 0)) ?: "");
    const char *period = cJSON_GetStringValue(cJSON_GetArrayItem(a, 1));
    int bucket = period ? pg_period_parse(period) : -1;
    if (u < 0 || bucket < 0) return -1;
    pg_partial p = {0};
    double *nums[] = {&p.n, &p.sum, &p.den, &p.hits, &p.valued, &p.min, &p.max};
    for (int i = 0; i < 7; i++) {
        const cJSON *x = cJSON_GetArrayItem(a, 2 + i);
        *nums[i] = cJSON_IsNumber(x) ? x->valuedouble : (i == 5 ? INFINITY : -INFINITY);
    }
    const cJSON *x;
    cJSON_ArrayForEach(x, cJSON_GetArrayItem(a, 9))
        pg_partial_add_hash(&p, strtoull(cJSON_GetStringValue(x) ?: "0", NULL, 16));
    cJSON_ArrayForEach(x, cJSON_GetArrayItem(a, 10))
    {
        if (p.nvalues == p.capvalues)
            p.values = pg_xrealloc(p.values,
                                   sizeof(double) * (size_t)(p.capvalues = p.capvalues * 2 + 16));
        p.values[p.nvalues++] = x->valuedouble;
    }
    pg_partial_merge(pg_agg_partial(table, metric, u, bucket), &p);
    pg_partial_free(&p);
    return 0;
}

/* The aggregator's partials as {definition: {"metric", "cells"}}, one entry per metric
 * definition of source `s` — an empty one for a metric no record of the batch counts towards
 * (a year-end metric in a spring batch), so that its definition is known to be computed and
 * the raw file is not read again for it at every evaluation. */
static cJSON *partials_of(const pg_ruleset *rs, int s, const pg_agg *agg)
{
    cJSON *metrics = cJSON_CreateObject();
    for (int m = 0; m < rs->nmetrics; m++) {
        const pg_metric *me = &rs->metrics[m];
        if (me->source != s || me->agg == PG_AGG_FED ||
            cJSON_GetObjectItemCaseSensitive(metrics, me->def))
            continue;
        cJSON *entry = cJSON_AddObjectToObject(metrics, me->def);
        cJSON_AddStringToObject(entry, "metric", me->id);
        cJSON_AddArrayToObject(entry, "cells");
    }
    const pg_agg_cell *cells;
    int n = pg_agg_cells(agg, &cells);
    for (int i = 0; i < n; i++) {
        const pg_metric *me = &rs->metrics[cells[i].metric];
        cJSON *entry = cJSON_GetObjectItemCaseSensitive(metrics, me->def);
        cJSON_AddItemToArray(cJSON_GetObjectItemCaseSensitive(entry, "cells"),
                             cell_to_json(rs, &cells[i]));
    }
    return metrics;
}

/* Appends the diagnostics of `from` to d. */
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

/* Records of the batch's cell for (unit, period) in a stored cells array, or -1. */
static double batch_records(const cJSON *cells, const char *unit, const char *period)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, cells)
    {
        const char *u = cJSON_GetStringValue(cJSON_GetArrayItem(c, 0));
        const char *p = cJSON_GetStringValue(cJSON_GetArrayItem(c, 1));
        if (u && p && strcmp(u, unit) == 0 && strcmp(p, period) == 0)
            return cJSON_GetNumberValue(cJSON_GetArrayItem(c, 2));
    }
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
    int first = m->over == PG_OVER_YTD ? period / 100 * 100 + 1 : period;
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
        cJSON *j = sqlite3_step(cells) == SQLITE_ROW
                       ? cJSON_Parse((const char *)sqlite3_column_text(cells, 0))
                       : NULL;
        for (int p = first; j && p <= period; p++) {
            double recs = batch_records(j, uid, pg_period_format(p, pbuf));
            if (recs < 0) continue;
            add_line(lines, n,
                     pg_xasprintf("batch %.12s（%s，%s，%s 入库）：%s 采样月 %g 条记录", list[i].id,
                                  list[i].source, list[i].file, list[i].ingested_at, pbuf, recs));
            found++;
        }
        cJSON_Delete(j);
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
        batch_copy(&after, &b);
        set_status(&after, "replaced");
        snprintf(after.replaced_by, sizeof after.replaced_by, "%s", by->id);
        rc = update_status(st, &after, d);
        if (rc == 0) rc = audit(st, actor, "batch.replace", &b, &after, d);
        pg_batch_clear(&after);
    }
    pg_batch_clear(&b);
    return rc;
}

/* The bytes of batch `b` again, which is in the store: a no-op while it is active; otherwise
 * it is restored (and replaces rq->replaces, if given). Runs in its own transaction. */
static int ingest_again(pg_store *st, const pg_batch_req *rq, pg_batch *b, int *again, pg_diags *d)
{
    int rc = pg_store_begin(st, d);
    if (rc) return rc;
    if (b->active && rq->replaces) {
        pg_error(d, rq->path, 0, "these bytes are already active as batch %.12s; nothing replaced",
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
                pg_error(d, rq->path, 0,
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
        batch_copy(&before, b);
        set_status(b, "active");
        b->replaced_by[0] = '\0';
        rc = update_status(st, b, d);
        if (rc == 0) rc = audit(st, rq->actor, "batch.restore", &before, b, d);
        if (rc == 0 && rq->replaces) rc = replace_old(st, rq->replaces, b, rq->actor, d);
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

int pg_batch_ingest(const pg_ruleset *rs, const char *datadir, const pg_batch_req *rq,
                    pg_batch *out, int *again, pg_diags *d)
{
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
    /* The copy is made and hashed under a temporary name on another thread while the records
     * are read; it is renamed into place only when the batch is good. The id is known only at
     * the end, so the same bytes again are read before they are found out. */
    char *incoming = pg_xasprintf("%s/batches/raw/.incoming-%ld-%lx", datadir, (long)getpid(),
                                  (unsigned long)pthread_self());
    pg_rawcopy *copy;
    if ((rc = pg_rawcopy_start(rq->path, incoming, &copy, d)) != 0) {
        free(incoming);
        close(lock);
        return rc;
    }
    const char *format = values ? "csv" : format_of(rq->path);
    long errors = 0;
    pg_diags rd = {0}; /* the reading's: dropped if the batch turns out to be in already */
    pg_agg *agg = NULL;
    cJSON *vals = NULL; /* a value batch's [[unit, period, metric, value, n], ...] */
    if (values) {
        /* the same reader and checks as a *.csv in the data directory */
        pg_dataset *ds = pg_dataset_new(rs);
        if (pg_dataset_load_file(ds, rq->path, &rd) == 0) {
            cJSON *j = pg_dataset_to_json(ds);
            vals = cJSON_DetachItemFromObjectCaseSensitive(j, "values");
            cJSON_Delete(j);
        }
        pg_dataset_free(ds);
    } else {
        agg = pg_ingest_aggregate(rs, s, rq->path, format, rq->threads > 0 ? rq->threads : 1,
                                  PG_INGEST_MIN_PART, &errors, &rd);
    }
    pg_store *st = NULL;
    cJSON *partials = NULL;
    char *raw = NULL;
    if ((rc = pg_rawcopy_finish(copy, out->id, d)) != 0) goto done;
    if ((rc = pg_batch_store_open(datadir, &st, d)) != 0) goto done;
    pg_batch found;
    pg_diags none = {0}; /* "no such batch" is the usual answer, not an error */
    int frc = find_batch(st, out->id, &found, &none);
    pg_diags_free(&none);
    if (frc == 0) { /* the same bytes again */
        *out = found;
        raw = raw_path(datadir, out);
        /* put back a raw file an operator removed: the same name, the same bytes */
        if (access(raw, F_OK) != 0 && rename(incoming, raw) == 0) fsync_dir(raw);
        rc = ingest_again(st, rq, out, again, d);
        goto done;
    } else if (frc != -ENOENT) {
        rc = frc;
        goto done;
    }
    diags_append(d, &rd);
    if (values ? !vals : !agg) {
        if (errors)
            pg_error(d, rq->path, 0, "%ld bad record%s: the batch is rejected, nothing stored",
                     errors, errors == 1 ? "" : "s");
        rc = -EINVAL;
        goto done;
    }
    out->source = pg_xstrdup(rq->source);
    const char *base = strrchr(rq->path, '/');
    out->file = pg_xstrdup(base ? base + 1 : rq->path);
    out->format = pg_xstrdup(format);
    out->actor = pg_xstrdup(rq->actor ? rq->actor : "?");
    char now[32];
    pg_store_now(now);
    out->ingested_at = pg_xstrdup(now);
    out->records = values ? cJSON_GetArraySize(vals) : pg_agg_records(agg);
    out->duplicates = values ? 0 : pg_agg_duplicates(agg);
    set_status(out, "active");
    if (!values) partials = partials_of(rs, s, agg);
    /* the raw file first, on disk; then the rows, together */
    raw = raw_path(datadir, out);
    if (rename(incoming, raw) != 0) {
        rc = -errno;
        pg_error(d, raw, 0, "cannot store the batch: %s", strerror(-rc));
        goto done;
    }
    fsync_dir(raw);
    if ((rc = pg_store_begin(st, d)) != 0) goto done;
    rc = insert_batch(st, out, d);
    if (rc == 1) { /* another writer stored the same bytes meanwhile */
        char id[65];
        memcpy(id, out->id, sizeof id);
        pg_store_rollback(st);
        pg_batch_clear(out);
        rc = find_batch(st, id, out, d);
        if (rc == 0) rc = ingest_again(st, rq, out, again, d);
        goto done;
    }
    if (rc == 0)
        rc = values ? insert_values(st, out->id, vals, d)
                    : insert_partials(st, out->id, partials, d);
    if (rc == 0) rc = audit(st, out->actor, "batch.ingest", NULL, out, d);
    if (rc == 0 && rq->replaces) rc = replace_old(st, rq->replaces, out, out->actor, d);
    if (rc == 0)
        rc = pg_store_commit(st, d);
    else
        pg_store_rollback(st);
done:
    unlink(incoming); /* gone already when renamed into place */
    if (rc) pg_batch_clear(out), *again = 0;
    pg_store_close(st);
    cJSON_Delete(partials);
    cJSON_Delete(vals);
    pg_agg_free(agg);
    pg_diags_free(&rd);
    free(raw), free(incoming);
    close(lock); /* after the commit: a sweep may run now */
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

/* Merges one batch's stored partials into the per-source table; recomputes from the raw file
 * the metrics whose definition has no partials yet, and stores them. */
static int feed_batch(const pg_ruleset *rs, const char *datadir, pg_store *st, const pg_batch *b,
                      int s, pg_agg *table, pg_diags *d)
{
    sqlite3_stmt *q;
    int rc = pg_store_prepare(st, "SELECT definition, cells FROM partial WHERE batch = ?", &q, d);
    if (rc) return rc;
    sqlite3_bind_text(q, 1, b->id, -1, SQLITE_STATIC);
    cJSON *have = cJSON_CreateObject(); /* definition → cells text, as stored */
    int step;
    while ((step = sqlite3_step(q)) == SQLITE_ROW)
        cJSON_AddItemToObject(have, (const char *)sqlite3_column_text(q, 0),
                              cJSON_CreateString((const char *)sqlite3_column_text(q, 1)));
    if (step != SQLITE_DONE) rc = pg_store_fail(st, "reading the partials", d);
    sqlite3_finalize(q);
    int stale = 0;
    for (int m = 0; rc == 0 && m < rs->nmetrics; m++) {
        const pg_metric *me = &rs->metrics[m];
        if (me->source != s || me->agg == PG_AGG_FED) continue;
        const char *text = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(have, me->def));
        if (!text) {
            stale = 1;
            continue;
        }
        cJSON *cells = cJSON_Parse(text), *c;
        int bad = !cJSON_IsArray(cells);
        cJSON_ArrayForEach(c, cells) if (!bad && cell_from_json(rs, table, m, c) != 0) bad = 1;
        cJSON_Delete(cells);
        if (bad) {
            pg_error(d, pg_store_path(st), 0,
                     "batch %.12s, metric '%s': a stored cell is damaged or names a unit no "
                     "longer in units.csv",
                     b->id, me->id);
            rc = -EINVAL;
        }
    }
    if (rc == 0 && stale) { /* a changed definition: read the raw batch again */
        char *raw = raw_path(datadir, b);
        long errors;
        pg_agg *agg = pg_ingest_aggregate(rs, s, raw, b->format, pg_ingest_threads(),
                                          PG_INGEST_MIN_PART, &errors, d);
        if (!agg) {
            pg_error(d, raw, 0,
                     "batch %.12s: its metrics changed and its raw file cannot be "
                     "read again",
                     b->id);
            rc = -EIO;
        }
        const pg_agg_cell *cells;
        int n = agg ? pg_agg_cells(agg, &cells) : 0;
        for (int i = 0; i < n; i++) {
            const pg_metric *me = &rs->metrics[cells[i].metric];
            if (cJSON_GetObjectItemCaseSensitive(have, me->def)) continue;
            pg_partial_merge(pg_agg_partial(table, cells[i].metric, cells[i].unit, cells[i].bucket),
                             &cells[i].p);
        }
        if (agg) { /* keep the new definitions' partials, so the next run reads them */
            cJSON *fresh = partials_of(rs, s, agg);
            rc = pg_store_begin(st, d);
            if (rc == 0) rc = insert_partials(st, b->id, fresh, d);
            if (rc == 0)
                rc = pg_store_commit(st, d);
            else
                pg_store_rollback(st);
            cJSON_Delete(fresh);
        }
        pg_agg_free(agg);
        free(raw);
    }
    cJSON_Delete(have);
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

int pg_batch_feed_store(const pg_ruleset *rs, const char *datadir, pg_store *st, pg_dataset *ds,
                        pg_diags *d)
{
    int rc = 0;
    pg_batch *list = NULL;
    int n = 0;
    sqlite3_stmt *q;
    rc = pg_store_prepare(
        st, "SELECT " BATCH_COLS " FROM batch WHERE status = 'active' ORDER BY seq", &q, d);
    int step = SQLITE_DONE;
    while (rc == 0 && (step = sqlite3_step(q)) == SQLITE_ROW) {
        list = pg_xrealloc(list, sizeof(pg_batch) * (size_t)(n + 1));
        batch_from_row(&list[n++], q);
    }
    if (rc == 0 && step != SQLITE_DONE) rc = pg_store_fail(st, "reading the batches", d);
    sqlite3_finalize(q);
    value_origins vo = {0};
    if (rc == 0) rc = feed_values(rs, datadir, st, ds, list, n, &vo, d);
    for (int s = 0; s < rs->nsources && rc == 0; s++) {
        pg_agg *table = pg_agg_new(rs, s);
        for (int i = 0; i < n && rc == 0; i++)
            if (strcmp(list[i].source, rs->sources[s].name) == 0)
                rc = feed_batch(rs, datadir, st, &list[i], s, table, d);
        const pg_agg_cell *cells;
        int ncells = pg_agg_cells(table, &cells);
        for (int i = 0; i < ncells && rc == 0; i++) {
            const pg_metric *me = &rs->metrics[cells[i].metric];
            pg_partial p = {0};
            p.min = INFINITY;
            p.max = -INFINITY;
            int bucket = cells[i].bucket;
            pg_partial_merge(&p, &cells[i].p);
            for (int m = bucket / 100 * 100 + 1; me->over == PG_OVER_YTD && m < bucket; m++) {
                const pg_partial *earlier = pg_agg_find(table, cells[i].metric, cells[i].unit, m);
                if (earlier) pg_partial_merge(&p, earlier); /* months 1..M of the year */
            }
            double v, vn;
            if (pg_partial_value(me, &p, &v, &vn) == 0 &&
                pg_dataset_set(ds, bucket, cells[i].metric, cells[i].unit, v, vn) != 0) {
                char buf[PG_PERIOD_BUF];
                char *key = value_key(bucket, cells[i].metric, cells[i].unit);
                char *first = origin(rs, datadir, list, pg_strmap_get(&vo.map, key),
                                     cells[i].metric, cells[i].unit, bucket);
                pg_error(d, datadir, 0,
                         "metric '%s' for %s %s is given twice: by %s and computed from source "
                         "'%s'; keep one",
                         me->id, rs->units[cells[i].unit].id, pg_period_format(bucket, buf), first,
                         rs->sources[s].name);
                free(first), free(key);
                rc = -EINVAL;
            }
            pg_partial_free(&p);
        }
        pg_agg_free(table);
    }
    origins_free(&vo);
    pg_batch_list_free(list, n);
    return rc;
}
