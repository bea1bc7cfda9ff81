/* reader_sheet.c — a workbook ingested as a batch: `pinggu ingest --source cases book.xlsx`
 * and `pinggu ingest --values book.xlsx` (a named sheet: book.xlsx#Sheet2).
 *
 * pinggu reads no workbook itself: the xlsx plugin's source reader does (plugins/xlsx/read.c,
 * minizip and expat), and hands over each row as text, like any source plugin (plugin.h). As
 * for a pull (reader_plugin.c), the records are written as CSV into a temporary file and that
 * CSV is ingested under the workbook's name: the batch id is the SHA-256 of the CSV (the same
 * rows give the same batch, whatever the workbook's zip timestamps), the raw copy is the CSV,
 * and the all-or-nothing rule, keys, audit, replace and withdraw are those of a file. A values
 * workbook becomes the CSV `unit,period,metric,value,n` of a values batch; a row whose value
 * cell is empty is left out (a template row nobody filled in).
 *
 * What this file adds to a pull is where: the reader says which column holds each field and
 * which row each record came from (req.sheet, req.row), and every problem the CSV ingest finds
 * at "line L" is moved to its cell, "book.xlsx:Sheet1!C17: error: field: reason" — the column
 * of the field the message names (of the CSV column, for a values file), the row of record
 * L − 1. The rows are kept as runs (a run per stretch of consecutive rows), so a sheet without
 * blank rows costs one entry whatever its length. A header that lacks a declared column is
 * refused here, as a CSV header would be: a column left out would otherwise read as nulls. */
#include "data.h"
#include "plugin.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define SHOWN 20 /* problems shown, as for a file */

typedef struct {
    FILE *f;
    int nfields;
    const pg_plugin_field *fields;
    const pg_source *src; /* NULL for values */
    int skip_null;        /* a record whose field skip_null is null is left out, -1 none */
    long records;
    int werr;
    char problem[256];
    /* where */
    char *sheet;
    char **columns;
    long row; /* the row of the record about to be emitted */
    long *run_rec, *run_row;
    int nruns, capruns;
    long last_row;
    /* the reader's own problems, for after the read (the sheet's name may come later) */
    char **bad;
    int nbad;
    long totalbad;
    int missing; /* declared columns the header lacks */
    pg_diags *d;
} sheet_sink;

static void on_sheet(void *ud, const char *name, const char *const *columns)
{
    sheet_sink *k = ud;
    free(k->sheet);
    k->sheet = pg_xstrdup(name);
    for (int i = 0; i < k->nfields; i++) {
        k->columns[i] = columns[i] ? pg_xstrdup(columns[i]) : NULL;
        if (columns[i]) continue;
        /* as a CSV header: a missing column reads as nulls, so only an optional one may be */
        int optional = k->src ? k->src->fields[i].optional : k->fields[i].nullable;
        if (optional) continue;
        k->missing++;
        k->bad = pg_xrealloc(k->bad, sizeof(char *) * (size_t)(k->nbad + 1));
        k->bad[k->nbad++] = pg_xasprintf(
            "\t\theader: missing column: %s%s", k->fields[i].name,
            k->fields[i].nullable ? " (nullable, but the sheet must still have the column; "
                                    "declare optional = true if it may be left out)"
                                  : "");
    }
}

static void on_row(void *ud, long n)
{
    ((sheet_sink *)ud)->row = n;
}

/* kept as "CELL\tFIELD\tREASON" until the sheet's name is known */
static void on_bad(void *ud, const char *cell, const char *field, const char *reason)
{
    sheet_sink *k = ud;
    k->totalbad++;
    if (k->nbad >= SHOWN) return;
    k->bad = pg_xrealloc(k->bad, sizeof(char *) * (size_t)(k->nbad + 1));
    k->bad[k->nbad++] = pg_xasprintf("%s\t%s\t%s", cell, field ? field : "", reason);
}

static int emit(void *ud, const char *const *values, const size_t *lens)
{
    sheet_sink *k = ud;
    if (k->skip_null >= 0 && !values[k->skip_null]) return 0;
    for (int i = 0; i < k->nfields; i++)
        if (values[i] && memchr(values[i], '\0', lens[i])) {
            snprintf(k->problem, sizeof k->problem, "row %ld: %s: the value holds a NUL byte",
                     k->row, k->fields[i].name);
            return 1;
        }
    for (int i = 0; i < k->nfields; i++) {
        if (i) putc(',', k->f);
        pg_csv_put(k->f, values[i], lens[i]);
    }
    putc('\n', k->f);
    k->records++;
    if (k->nruns == 0 || k->row != k->last_row + 1) {
        if (k->nruns == k->capruns) {
            k->capruns = k->capruns ? k->capruns * 2 : 16;
            k->run_rec = pg_xrealloc(k->run_rec, sizeof(long) * (size_t)k->capruns);
            k->run_row = pg_xrealloc(k->run_row, sizeof(long) * (size_t)k->capruns);
        }
        k->run_rec[k->nruns] = k->records, k->run_row[k->nruns] = k->row;
        k->nruns++;
    }
    k->last_row = k->row;
    if (ferror(k->f)) {
        k->werr = errno ? errno : EIO;
        return 1;
    }
    return 0;
}

/* The sheet row of record r (1-based), or 0. */
static long row_of(const sheet_sink *k, long r)
{
    int lo = 0, hi = k->nruns - 1, at = -1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (k->run_rec[mid] <= r)
            at = mid, lo = mid + 1;
        else
            hi = mid - 1;
    }
    return at < 0 ? 0 : k->run_row[at] + (r - k->run_rec[at]);
}

/* The CSV ingest's problems at "line L" (and, for values, column C) moved to their cells. */
static void to_cells(const sheet_sink *k, pg_diags *d, int from, const char *label)
{
    for (int i = from; i < d->n; i++) {
        pg_diag *g = &d->v[i];
        if (!g->file || strcmp(g->file, label) != 0 || g->line < 2) continue;
        long row = row_of(k, g->line - 1);
        if (!row) continue;
        const char *col = NULL;
        if (g->col > 0 && g->col <= k->nfields)
            col = k->columns[g->col - 1];
        else
            for (int f = 0; f < k->nfields && !col; f++) {
                size_t n = strlen(k->fields[f].name);
                if (strncmp(g->msg, k->fields[f].name, n) == 0 && g->msg[n] == ':')
                    col = k->columns[f];
            }
        char *file = col ? pg_xasprintf("%s:%s!%s%ld", label, k->sheet, col, row)
                         : pg_xasprintf("%s:%s!%ld:%ld", label, k->sheet, row, row);
        free(g->file);
        g->file = file;
        g->line = g->col = 0;
    }
}

/* "book.xlsx" or "book.xlsx#Sheet": a workbook pinggu reads through the xlsx plugin. */
int pg_sheet_path(const char *path)
{
    const char *hash = strchr(path, '#');
    size_t n = hash ? (size_t)(hash - path) : strlen(path);
    return n > 5 && strncasecmp(path + n - 5, ".xlsx", 5) == 0;
}

static const pg_plugin_field values_fields[] = {
    {"unit", PG_PF_STRING, 1, NULL, 0},   {"period", PG_PF_STRING, 1, NULL, 0},
    {"metric", PG_PF_STRING, 1, NULL, 0}, {"value", PG_PF_STRING, 1, NULL, 0},
    {"n", PG_PF_STRING, 1, NULL, 0},
};

int pg_batch_ingest_sheet(const pg_ruleset *rs, const char *datadir, const pg_batch_req *rq,
                          pg_batch *out, int *again, pg_diags *d)
{
    memset(out, 0, sizeof *out);
    *again = 0;
    int values = strcmp(rq->source, PG_BATCH_VALUES) == 0;
    const pg_source *src = NULL;
    if (!values) {
        int s = pg_strmap_get(&rs->source_ids, rq->source);
        if (s < 0) {
            pg_error(d, NULL, 0, "--source %s: the rule set declares no such source", rq->source);
            return -EINVAL;
        }
        src = &rs->sources[s];
    }
    const char *hash = strchr(rq->path, '#');
    char *file =
        hash ? pg_xasprintf("%.*s", (int)(hash - rq->path), rq->path) : pg_xstrdup(rq->path);
    pg_plugins *ps = pg_plugins_load(NULL);
    char why[2048];
    const pg_plugin_reader *r = pg_plugins_find_reader(ps, "xlsx", why, sizeof why);
    int rc = 0;
    if (!r) {
        pg_error(d, file, 0,
                 "cannot read a workbook: %s (the xlsx plugin reads them when "
                 "built with libminizip-dev and libexpat1-dev)",
                 why);
        pg_plugins_free(ps);
        free(file);
        return -ENOENT;
    }
    int nfields = values ? 5 : src->nfields;
    pg_plugin_field *fields = pg_xcalloc((size_t)nfields, sizeof *fields);
    for (int i = 0; i < nfields; i++) {
        if (values) {
            fields[i] = values_fields[i];
            continue;
        }
        const pg_field *f = &src->fields[i];
        fields[i] = (pg_plugin_field){f->name, (int)f->type, f->nullable,
                                      (const char *const *)f->enums, f->nenums};
    }
    const char *options[4] = {"extra_columns", values || src->extra_ignore ? "ignore" : "error",
                              "sheet", hash ? hash + 1 : NULL};
    sheet_sink k = {.nfields = nfields,
                    .fields = fields,
                    .src = src,
                    .skip_null = values ? 3 : -1,
                    .columns = pg_xcalloc((size_t)nfields, sizeof(char *)),
                    .d = d};
    pg_plugin_read_req req = {.source = values ? PG_BATCH_VALUES : src->name,
                              .fields = fields,
                              .nfields = nfields,
                              .key_field = values ? -1 : src->key_field,
                              .options = options,
                              .noptions = hash ? 2 : 1,
                              .location = file,
                              .time_zone = rs->timezone,
                              .utc_offset = rs->tz_offset,
                              .decl_file = src ? src->file : NULL,
                              .decl_line = src ? src->line : 0,
                              .sheet = on_sheet,
                              .row = on_row,
                              .bad = on_bad};
    const char *tmpdir = getenv("TMPDIR");
    char *tmp = pg_xasprintf("%s/pinggu-sheet-XXXXXX.csv", tmpdir && *tmpdir ? tmpdir : "/tmp");
    int fd = mkstemps(tmp, 4);
    k.f = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!k.f) {
        rc = -errno;
        pg_error(d, tmp, 0, "cannot write the workbook's records: %s", strerror(-rc));
        if (fd >= 0) close(fd), unlink(tmp);
        goto out;
    }
    for (int i = 0; i < nfields; i++) fprintf(k.f, "%s%s", i ? "," : "", fields[i].name);
    putc('\n', k.f);
    char err[1024] = "", about[512] = "";
    rc = r->read(&req, emit, &k, about, sizeof about, err, sizeof err);
    if (fclose(k.f) != 0 && !k.werr) k.werr = errno ? errno : EIO;
    if (!k.sheet) { /* the reader stopped before the header: its name is in about */
        const char *bang = strrchr(about, '!');
        k.sheet = pg_xstrdup(bang ? bang + 1 : "?");
    }
    for (int i = 0; i < k.nbad; i++) {
        char *cell = k.bad[i], *field = strchr(cell, '\t'), *reason = strchr(field + 1, '\t');
        *field++ = '\0', *reason++ = '\0';
        char *where = *cell ? pg_xasprintf("%s:%s!%s", file, k.sheet, cell)
                            : pg_xasprintf("%s:%s", file, k.sheet);
        if (*field)
            pg_error(d, where, 0, "%s: %s", field, reason);
        else
            pg_error(d, where, 0, "%s", reason);
        free(where);
    }
    long problems = k.totalbad + k.missing;
    if (k.werr) {
        rc = -k.werr;
        pg_error(d, tmp, 0, "cannot write the workbook's records: %s", strerror(k.werr));
    } else if (*k.problem) {
        rc = -EINVAL;
        pg_error(d, file, 0, "%s!%s: %s: nothing stored", file, k.sheet, k.problem);
    } else if (problems) {
        rc = -EINVAL;
        pg_error(d, file, 0, "%ld bad cell%s: the batch is rejected, nothing stored", problems,
                 problems == 1 ? "" : "s");
    } else if (rc != 0) {
        pg_error(d, file, 0, "%s; nothing stored", *err ? err : "the xlsx reader failed");
        if (rc > 0) rc = -EIO;
    } else if (values && k.records == 0) {
        rc = -EINVAL;
        pg_error(d, file, 0,
                 "sheet %s: no row has a value (the value column is empty throughout): nothing "
                 "to store",
                 k.sheet);
    } else {
        pg_batch_req pull = *rq;
        pull.path = tmp;
        int before = d->n;
        rc = pg_batch_ingest_as(rs, datadir, &pull, file, out, again, d);
        to_cells(&k, d, before, file);
    }
    unlink(tmp);
out:
    free(tmp);
    for (int i = 0; i < nfields; i++) free(k.columns[i]);
    for (int i = 0; i < k.nbad; i++) free(k.bad[i]);
    free(k.bad), free(k.columns), free(k.sheet), free(k.run_rec), free(k.run_row);
    free(fields);
    free(file);
    pg_plugins_free(ps);
    return rc;
}
