/* provenance.c — finding the origin of a metric value (see provenance.h). */
#include "provenance.h"
#include "batch.h"
#include "csvfile.h"
#include "period.h"

#include <cjson/cJSON.h>
#include <dirent.h>
#include <stdlib.h>
#include <string.h>

static void add(char ***lines, int *n, char *s)
{
    *lines = pg_xrealloc(*lines, sizeof(char *) * (size_t)(*n + 1));
    (*lines)[(*n)++] = s;
}

typedef struct {
    const pg_ruleset *rs;
    const char *path, *metric, *period;
    int unit, found;
    char ***lines;
    int *n;
} csv_search;

static int csv_row(void *ud, const pg_csvrow *row)
{
    csv_search *cs = ud;
    if (row->line == 1 || row->n < 4) return 0;
    if (strcmp(row->f[2], cs->metric) != 0 || strcmp(row->f[1], cs->period) != 0) return 0;
    if (pg_unit_find(cs->rs, row->f[0]) != cs->unit) return 0;
    add(cs->lines, cs->n, pg_xasprintf("%s:%d", cs->path, row->line));
    cs->found++;
    return 0;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Fed values: the rows of the data directory's CSV files. */
static int from_csv(const pg_ruleset *rs, const char *datadir, int metric, int unit, int period,
                    char ***lines, int *n)
{
    DIR *dp = opendir(datadir);
    if (!dp) return 0;
    char **names = NULL;
    int nn = 0, found = 0;
    struct dirent *de;
    while ((de = readdir(dp))) {
        size_t len = strlen(de->d_name);
        if (len > 4 && strcmp(de->d_name + len - 4, ".csv") == 0) {
            names = pg_xrealloc(names, sizeof(char *) * (size_t)(nn + 1));
            names[nn++] = pg_xstrdup(de->d_name);
        }
    }
    closedir(dp);
    if (nn > 1) qsort(names, (size_t)nn, sizeof(char *), cmp_name);
    char pbuf[PG_PERIOD_BUF];
    for (int i = 0; i < nn; i++) {
        char *path = pg_xasprintf("%s/%s", datadir, names[i]);
        csv_search cs = {
            rs, path, rs->metrics[metric].id, pg_period_format(period, pbuf), unit, 0, lines, n};
        pg_diags d = {0};
        pg_csv_read(path, csv_row, &cs, &d);
        pg_diags_free(&d);
        found += cs.found;
        free(path);
        free(names[i]);
    }
    free(names);
    return found;
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

/* Computed values: the active batches of the metric's source that hold records for it; fed
 * values: the active value batches that give it. */
static int from_batches(const pg_ruleset *rs, const char *datadir, int metric, int unit, int period,
                        char ***lines, int *n)
{
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
                add(lines, n,
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
            add(lines, n,
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

int pg_provenance_fed(const pg_ruleset *rs, const char *datadir, int metric, int unit, int period,
                      char ***lines, int *n)
{
    if (metric < 0 || unit < 0) return 0;
    return from_csv(rs, datadir, metric, unit, period, lines, n);
}

int pg_provenance(const pg_ruleset *rs, const char *datadir, int metric, int unit, int period,
                  char ***lines, int *n)
{
    if (metric < 0 || unit < 0) return 0;
    int found = from_csv(rs, datadir, metric, unit, period, lines, n);
    found += from_batches(rs, datadir, metric, unit, period, lines, n);
    return found;
}
