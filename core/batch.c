/* batch.c — the batch store in DATA/batches: index.json, raw/<id>.<ext>, partials/<id>.json.
 *
 * JSON through cJSON keeps the store readable by an operator while it lives in files; the
 * record issue replaces it with SQLite. Partials are written per metric definition hash so
 * that a rule change recomputes only the metrics whose definition changed. */
#include "batch.h"
#include "aggregate.h"
#include "ingest_parallel.h"
#include "period.h"
#include "rawcopy.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static char *path_in(const char *datadir, const char *rel)
{
    return pg_xasprintf("%s/batches/%s", datadir, rel);
}

static int make_dirs(const char *datadir, pg_diags *d)
{
    const char *subs[] = {"batches", "batches/raw", "batches/partials"};
    for (int i = 0; i < 3; i++) {
        char *p = pg_xasprintf("%s/%s", datadir, subs[i]);
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

/* Writes len bytes to path through a temporary file, flushed and renamed, then flushes the
 * directory so the rename itself survives a crash. The temporary name is unique, so two
 * writers of the same file (two evaluations storing the same recomputed partials) never write
 * into one another's half-written file; the last rename wins, and both wrote the same. */
static int write_atomic(const char *path, const char *data, size_t len, pg_diags *d)
{
    char *tmp = pg_xasprintf("%s.tmp-XXXXXX", path);
    int fd = mkstemp(tmp), rc = 0;
    if (fd < 0 || fchmod(fd, 0644) != 0) rc = -errno;
    for (size_t off = 0; rc == 0 && off < len;) {
        ssize_t n = write(fd, data + off, len - off);
        if (n < 0 && errno != EINTR) rc = -errno;
        if (n > 0) off += (size_t)n;
    }
    if (rc == 0 && fsync(fd) != 0) rc = -errno;
    if (fd >= 0 && close(fd) != 0 && rc == 0) rc = -errno;
    if (rc == 0 && rename(tmp, path) != 0) rc = -errno;
    if (rc == 0) fsync_dir(path);
    if (rc != 0) {
        pg_error(d, path, 0, "cannot write: %s", strerror(-rc));
        unlink(tmp);
    }
    free(tmp);
    return rc;
}

static int write_json(const char *path, cJSON *json, pg_diags *d)
{
    char *text = cJSON_PrintUnformatted(json);
    if (!text) return -ENOMEM;
    int rc = write_atomic(path, text, strlen(text), d);
    cJSON_free(text);
    return rc;
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
    if (!json) pg_error(d, path, 0, "damaged JSON at byte %ld", end ? (long)(end - text) : 0L);
    free(text);
    return json;
}

/* ---- the index ---- */

static void batch_from_json(pg_batch *b, const cJSON *o)
{
    const char *id = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "id"));
    snprintf(b->id, sizeof b->id, "%s", id ? id : "");
#define STR(k) pg_xstrdup(cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, k)) ?: "")
    b->source = STR("source");
    b->file = STR("file");
    b->format = STR("format");
    b->ingested_at = STR("ingested_at");
#undef STR
    b->records = (long)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(o, "records"));
    b->duplicates = (long)cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(o, "duplicates"));
    const char *status = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(o, "status"));
    b->active = status && strcmp(status, "active") == 0;
}

static cJSON *batch_to_json(const pg_batch *b)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddStringToObject(o, "id", b->id);
    cJSON_AddStringToObject(o, "source", b->source);
    cJSON_AddStringToObject(o, "file", b->file);
    cJSON_AddStringToObject(o, "format", b->format);
    cJSON_AddStringToObject(o, "ingested_at", b->ingested_at);
    cJSON_AddNumberToObject(o, "records", (double)b->records);
    cJSON_AddNumberToObject(o, "duplicates", (double)b->duplicates);
    cJSON_AddStringToObject(o, "status", b->active ? "active" : "withdrawn");
    return o;
}

void pg_batch_clear(pg_batch *b)
{
    free(b->source), free(b->file), free(b->format), free(b->ingested_at);
    memset(b, 0, sizeof *b);
}

void pg_batch_list_free(pg_batch *b, int n)
{
    for (int i = 0; i < n; i++) pg_batch_clear(&b[i]);
    free(b);
}

int pg_batch_list(const char *datadir, pg_batch **out, int *n, pg_diags *d)
{
    *out = NULL;
    *n = 0;
    char *path = path_in(datadir, "index.json");
    cJSON *json = read_json(path, d);
    free(path);
    if (!json) return 0; /* no batches yet */
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(json, "batches"), *o;
    *out = pg_xcalloc((size_t)cJSON_GetArraySize(list) + 1, sizeof(pg_batch));
    cJSON_ArrayForEach(o, list) batch_from_json(&(*out)[(*n)++], o);
    cJSON_Delete(json);
    return 0;
}

static int write_index(const char *datadir, const pg_batch *b, int n, pg_diags *d)
{
    cJSON *json = cJSON_CreateObject();
    cJSON *list = cJSON_AddArrayToObject(json, "batches");
    for (int i = 0; i < n; i++) cJSON_AddItemToArray(list, batch_to_json(&b[i]));
    char *path = path_in(datadir, "index.json");
    int rc = write_json(path, json, d);
    free(path);
    cJSON_Delete(json);
    return rc;
}

int pg_batch_withdraw(const char *datadir, const char *id, pg_diags *d)
{
    pg_batch *b;
    int n, hit = -1, hits = 0;
    pg_batch_list(datadir, &b, &n, d);
    for (int i = 0; i < n; i++)
        if (strncmp(b[i].id, id, strlen(id)) == 0) hit = i, hits++;
    int rc = 0;
    if (hits != 1) {
        pg_error(d, NULL, 0, "batch '%s': %s", id,
                 hits ? "the prefix names several batches" : "no such batch in the index");
        rc = -ENOENT;
    } else {
        b[hit].active = 0;
        rc = write_index(datadir, b, n, d);
    }
    pg_batch_list_free(b, n);
    return rc;
}

/* ---- reading a batch ---- */

static const char *format_of(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (dot &&
        (strcmp(dot, ".ndjson") == 0 || strcmp(dot, ".jsonl") == 0 || strcmp(dot, ".json") == 0))
        return "ndjson";
    return "csv";
}

/* ---- partials ---- */

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

/* Adds the aggregator's partials to the partials JSON, one entry per metric definition of
 * source `s` — an empty one for a metric no record of the batch counts towards (a year-end
 * metric in a spring batch), so that its definition is known to be computed and the raw file
 * is not read again for it at every evaluation. */
static void partials_add(const pg_ruleset *rs, int s, cJSON *metrics, const pg_agg *agg)
{
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
}

static char *iso_now(void)
{
    char buf[32];
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return pg_xstrdup(buf);
}

/* Appends the diagnostics of `from` to d. */
static void diags_append(pg_diags *d, const pg_diags *from)
{
    for (int i = 0; i < from->n; i++) {
        const pg_diag *g = &from->v[i];
        pg_diag_add(d, g->sev, g->file, g->line, g->col, "%s", g->msg);
    }
}

int pg_batch_ingest(const pg_ruleset *rs, const char *datadir, const char *source, const char *path,
                    int threads, pg_batch *out, int *again, pg_diags *d)
{
    memset(out, 0, sizeof *out);
    *again = 0;
    int s = pg_strmap_get(&rs->source_ids, source);
    if (s < 0) {
        pg_error(d, NULL, 0, "--source %s: the rule set declares no such source", source);
        return -EINVAL;
    }
    int rc = make_dirs(datadir, d);
    if (rc) return rc;
    /* The copy is made and hashed under a temporary name on another thread while the records
     * are read; it is renamed into place only when the batch is new and good. The id is known
     * only at the end, so the same bytes again are read before they are found out. */
    char *incoming = pg_xasprintf("%s/batches/raw/.incoming-%ld", datadir, (long)getpid());
    pg_rawcopy *copy;
    if ((rc = pg_rawcopy_start(path, incoming, &copy, d)) != 0) {
        free(incoming);
        return rc;
    }
    const char *format = format_of(path);
    long errors;
    pg_diags rd = {0}; /* the reading's: dropped if the batch turns out to be in already */
    pg_agg *agg =
        pg_ingest_aggregate(rs, s, path, format, threads, PG_INGEST_MIN_PART, &errors, &rd);
    if ((rc = pg_rawcopy_finish(copy, out->id, d)) != 0) {
        pg_agg_free(agg);
        pg_diags_free(&rd);
        free(incoming);
        return rc;
    }
    pg_batch *list;
    int n;
    pg_batch_list(datadir, &list, &n, d);
    for (int i = 0; i < n; i++) {
        if (strcmp(list[i].id, out->id) != 0) continue;
        pg_agg_free(agg);
        pg_diags_free(&rd);
        *again = list[i].active;
        if (!list[i].active) { /* the same bytes again after a withdrawal: restore */
            list[i].active = 1;
            rc = write_index(datadir, list, n, d);
        }
        *out = list[i];
        memset(&list[i], 0, sizeof list[i]);
        pg_batch_list_free(list, n);
        unlink(incoming);
        free(incoming);
        return rc;
    }
    out->source = pg_xstrdup(source);
    const char *base = strrchr(path, '/');
    out->file = pg_xstrdup(base ? base + 1 : path);
    out->format = pg_xstrdup(format);
    diags_append(d, &rd);
    pg_diags_free(&rd);
    if (!agg) {
        if (errors)
            pg_error(d, path, 0, "%ld bad record%s: the batch is rejected, nothing stored", errors,
                     errors == 1 ? "" : "s");
        pg_batch_list_free(list, n);
        pg_batch_clear(out);
        unlink(incoming);
        free(incoming);
        return -EINVAL;
    }
    out->records = pg_agg_records(agg);
    out->duplicates = pg_agg_duplicates(agg);
    out->ingested_at = iso_now();
    out->active = 1;
    cJSON *partials = cJSON_CreateObject();
    cJSON_AddStringToObject(partials, "source", source);
    partials_add(rs, s, cJSON_AddObjectToObject(partials, "metrics"), agg);
    char *raw = pg_xasprintf("%s/batches/raw/%s.%s", datadir, out->id, out->format);
    char *ppath = pg_xasprintf("%s/batches/partials/%s.json", datadir, out->id);
    if (rename(incoming, raw) != 0) {
        rc = -errno;
        pg_error(d, raw, 0, "cannot store the batch: %s", strerror(-rc));
        unlink(incoming);
    } else
        fsync_dir(raw);
    if (rc == 0) rc = write_json(ppath, partials, d);
    if (rc == 0) {
        list = pg_xrealloc(list, sizeof(pg_batch) * (size_t)(n + 1));
        list[n] = *out;
        rc = write_index(datadir, list, n + 1, d);
        memset(&list[n], 0, sizeof list[n]);
    }
    free(raw), free(ppath), free(incoming);
    cJSON_Delete(partials);
    pg_agg_free(agg);
    pg_batch_list_free(list, n);
    return rc;
}

/* ---- taking values ---- */

/* Merges one batch's stored partials into the per-source tables; recomputes from the raw file
 * the metrics whose definition is not stored yet. */
static int feed_batch(const pg_ruleset *rs, const char *datadir, const pg_batch *b, int s,
                      pg_agg *table, pg_diags *d)
{
    char *ppath = pg_xasprintf("%s/batches/partials/%s.json", datadir, b->id);
    cJSON *json = read_json(ppath, d);
    int rc = 0, stale = 0;
    cJSON *metrics = json ? cJSON_GetObjectItemCaseSensitive(json, "metrics") : NULL;
    if (!metrics) {
        pg_error(d, ppath, 0, "the partials of batch %.12s are missing", b->id);
        rc = -EIO;
    }
    for (int m = 0; rc == 0 && m < rs->nmetrics; m++) {
        const pg_metric *me = &rs->metrics[m];
        if (me->source != s || me->agg == PG_AGG_FED) continue;
        const cJSON *entry = cJSON_GetObjectItemCaseSensitive(metrics, me->def), *c;
        if (!entry) {
            stale = 1;
            continue;
        }
        cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(entry, "cells"))
        {
            if (cell_from_json(rs, table, m, c) != 0) {
                pg_error(d, ppath, 0,
                         "metric '%s': a stored cell is damaged or names a unit no "
                         "longer in units.csv",
                         me->id);
                rc = -EINVAL;
                break;
            }
        }
    }
    if (rc == 0 && stale) { /* a changed definition: read the raw batch again */
        char *raw = pg_xasprintf("%s/batches/raw/%s.%s", datadir, b->id, b->format);
        long errors;
        pg_agg *agg = pg_ingest_aggregate(rs, s, raw, b->format, pg_ingest_threads(),
                                          PG_INGEST_MIN_PART, &errors, d);
        if (!agg) rc = -EINVAL;
        const pg_agg_cell *cells;
        int n = agg ? pg_agg_cells(agg, &cells) : 0;
        for (int i = 0; i < n; i++) {
            const pg_metric *me = &rs->metrics[cells[i].metric];
            if (cJSON_GetObjectItemCaseSensitive(metrics, me->def)) continue;
            pg_partial_merge(pg_agg_partial(table, cells[i].metric, cells[i].unit, cells[i].bucket),
                             &cells[i].p);
        }
        if (agg) {
            /* Keep the new definitions' partials, so the next run reads them. */
            cJSON *fresh = cJSON_CreateObject();
            partials_add(rs, s, fresh, agg);
            cJSON *e;
            cJSON_ArrayForEach(e, fresh) if (!cJSON_GetObjectItemCaseSensitive(metrics, e->string))
                cJSON_AddItemReferenceToObject(metrics, e->string, e);
            rc = write_json(ppath, json, d);
            cJSON_Delete(fresh);
        }
        pg_agg_free(agg);
        free(raw);
    }
    cJSON_Delete(json);
    free(ppath);
    return rc;
}

int pg_batch_feed(const pg_ruleset *rs, const char *datadir, pg_dataset *ds, pg_diags *d)
{
    pg_batch *list;
    int n, rc = 0;
    pg_batch_list(datadir, &list, &n, d);
    for (int s = 0; s < rs->nsources && rc == 0; s++) {
        pg_agg *table = pg_agg_new(rs, s);
        for (int i = 0; i < n && rc == 0; i++)
            if (list[i].active && strcmp(list[i].source, rs->sources[s].name) == 0)
                rc = feed_batch(rs, datadir, &list[i], s, table, d);
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
                pg_error(d, datadir, 0,
                         "metric '%s' for %s %s is computed from source '%s' and also fed in a "
                         "CSV file; keep one",
                         me->id, rs->units[cells[i].unit].id, pg_period_format(bucket, buf),
                         rs->sources[s].name);
                rc = -EINVAL;
            }
            pg_partial_free(&p);
        }
        pg_agg_free(table);
    }
    pg_batch_list_free(list, n);
    return rc;
}
