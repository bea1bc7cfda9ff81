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

/* Records of the batch's cell for (unit, period) of the metric's definition, or -1. */
static double batch_records(const cJSON *metrics, const pg_metric *m, const char *unit,
                            const char *period)
{
    const cJSON *entry = cJSON_GetObjectItemCaseSensitive(metrics, m->def), *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(entry, "cells"))
    {
        const char *u = cJSON_GetStringValue(cJSON_GetArrayItem(c, 0));
        const char *p = cJSON_GetStringValue(cJSON_GetArrayItem(c, 1));
        if (u && p && strcmp(u, unit) == 0 && strcmp(p, period) == 0)
            return cJSON_GetNumberValue(cJSON_GetArrayItem(c, 2));
    }
    return -1;
}

static cJSON *read_json(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = NULL;
    size_t len = 0, cap = 0, got;
    char chunk[65536];
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0) {
        if (len + got + 1 > cap) buf = pg_xrealloc(buf, cap = (len + got + 1) * 2);
        memcpy(buf + len, chunk, got);
        len += got;
    }
    fclose(f);
    cJSON *j = buf ? cJSON_ParseWithLength(buf, len) : NULL;
    free(buf);
    return j;
}

/* Computed values: the active batches of the metric's source that hold records for it. */
static int from_batches(const pg_ruleset *rs, const char *datadir, int metric, int unit, int period,
                        char ***lines, int *n)
{
    const pg_metric *m = &rs->metrics[metric];
    pg_batch *list = NULL;
    int nb = 0, found = 0;
    pg_diags d = {0};
    if (pg_batch_list(datadir, &list, &nb, &d) != 0) nb = 0;
    pg_diags_free(&d);
    int first = m->over == PG_OVER_YTD ? period / 100 * 100 + 1 : period;
    for (int i = 0; i < nb; i++) {
        if (!list[i].active || strcmp(list[i].source, rs->sources[m->source].name) != 0) continue;
        char *path = pg_xasprintf("%s/batches/partials/%s.json", datadir, list[i].id);
        cJSON *j = read_json(path);
        free(path);
        const cJSON *metrics = cJSON_GetObjectItemCaseSensitive(j, "metrics");
        for (int p = first; p <= period; p++) {
            char pbuf[PG_PERIOD_BUF];
            double recs = batch_records(metrics, m, rs->units[unit].id, pg_period_format(p, pbuf));
            if (recs < 0) continue;
            add(lines, n,
                pg_xasprintf("batch %.12s（%s，%s，%s 入库）：%s 采样月 %g 条记录", list[i].id,
                             list[i].source, list[i].file, list[i].ingested_at, pbuf, recs));
            found++;
        }
        cJSON_Delete(j);
    }
    pg_batch_list_free(list, nb);
    return found;
}

int pg_provenance(const pg_ruleset *rs, const char *datadir, int metric, int unit, int period,
                  char ***lines, int *n)
{
    if (metric < 0 || unit < 0) return 0;
    int found = from_csv(rs, datadir, metric, unit, period, lines, n);
    if (rs->metrics[metric].agg != PG_AGG_FED)
        found += from_batches(rs, datadir, metric, unit, period, lines, n);
    return found;
}
