/* rtest.c — the helpers of rtest.h. */
#include "rtest.h"
#include "reader_input.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *ch_values[] = {"窗口", "网上", "粤省事"};

/* The nullable fields are optional too: most tests write only the columns they are about. */
static pg_field fields[] = {
    {"id", PG_FT_STRING, 0, NULL, 0, 0},    {"unit", PG_FT_STRING, 0, NULL, 0, 0},
    {"n", PG_FT_INT, 1, NULL, 0, 1},        {"x", PG_FT_NUMBER, 1, NULL, 0, 1},
    {"ok", PG_FT_BOOL, 1, NULL, 0, 1},      {"at", PG_FT_TIME, 1, NULL, 0, 1},
    {"ch", PG_FT_ENUM, 1, ch_values, 3, 1}, {"note", PG_FT_STRING, 1, NULL, 0, 1},
};
#define NFIELDS ((int)(sizeof fields / sizeof fields[0]))

static pg_field required[NFIELDS];

static const pg_source source = {.name = "cases",
                                 .fields = fields,
                                 .nfields = NFIELDS,
                                 .unit_field = 1,
                                 .time_field = 5,
                                 .key_field = 0,
                                 .file = "rules/sources.lua",
                                 .line = 1};
static pg_source source_required = {.name = "cases",
                                    .fields = required,
                                    .nfields = NFIELDS,
                                    .unit_field = 1,
                                    .time_field = 5,
                                    .key_field = 0,
                                    .file = "rules/sources.lua",
                                    .line = 1};

const pg_source *rt_source(void)
{
    return &source;
}

static const pg_source source_lenient = {.name = "cases",
                                         .fields = fields,
                                         .nfields = NFIELDS,
                                         .unit_field = 1,
                                         .time_field = 5,
                                         .key_field = 0,
                                         .file = "rules/sources.lua",
                                         .line = 1,
                                         .extra_ignore = 1};

const pg_source *rt_source_lenient(void)
{
    return &source_lenient;
}

const pg_source *rt_source_required(void)
{
    for (int i = 0; i < NFIELDS; i++) {
        required[i] = fields[i];
        required[i].nullable = 0;
        required[i].optional = 0;
    }
    return &source_required;
}

int rt_collect(void *ud, const pg_value *rec, int line)
{
    rt_got *g = ud;
    char buf[8192];
    size_t o = (size_t)snprintf(buf, sizeof buf, "L%d", line);
    /* the callback cannot know the source; every test reads rt_source's fields */
    for (int i = 0; i < NFIELDS && o < sizeof buf - 64; i++) {
        const pg_value *v = &rec[i];
        buf[o++] = '|';
        if (v->null) {
            buf[o++] = '~';
        } else if (fields[i].type == PG_FT_STRING) {
            size_t n = (size_t)v->len < sizeof buf - 64 - o ? (size_t)v->len : sizeof buf - 64 - o;
            memcpy(buf + o, v->str, n);
            o += n;
        } else if (fields[i].type == PG_FT_ENUM) {
            o += (size_t)snprintf(buf + o, sizeof buf - o, "#%d:%.*s", (int)v->num, v->len, v->str);
        } else {
            o += (size_t)snprintf(buf + o, sizeof buf - o, "%.17g", v->num);
        }
        buf[o] = '\0';
    }
    buf[o] = '\0';
    if (g->n == g->cap) {
        g->cap = g->cap ? g->cap * 2 : 16;
        g->rec = realloc(g->rec, sizeof *g->rec * (size_t)g->cap);
        assert_non_null(g->rec);
    }
    g->rec[g->n++] = strdup(buf);
    return g->stop_after > 0 && g->n >= g->stop_after ? 99 : 0;
}

void rt_got_free(rt_got *g)
{
    for (int i = 0; i < g->n; i++) free(g->rec[i]);
    free(g->rec);
    *g = (rt_got){0};
}

void rt_assert_recs(const rt_got *g, ...)
{
    va_list ap;
    va_start(ap, g);
    int i = 0;
    for (const char *want; (want = va_arg(ap, const char *)) != NULL; i++) {
        if (i >= g->n) {
            va_end(ap);
            fail_msg("record %d missing (got %d records); expected %s", i, g->n, want);
        }
        if (strcmp(g->rec[i], want) != 0) {
            va_end(ap);
            fail_msg("record %d:\n   got %s\n  want %s", i, g->rec[i], want);
        }
    }
    va_end(ap);
    if (i != g->n)
        fail_msg("got %d records, expected %d; the first extra is %s", g->n, i, g->rec[i]);
}

static char dir[512];
static char *files[256];
static int nfiles;

void rt_mkdir(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/pinggu-readers-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    assert_non_null(mkdtemp(dir));
}

const char *rt_write(const char *name, const char *data, size_t len)
{
    static char path[1024];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
    int known = 0;
    for (int i = 0; i < nfiles; i++) known |= strcmp(files[i], path) == 0;
    if (!known && nfiles < 256) files[nfiles++] = strdup(path);
    return path;
}

void rt_cleanup(void)
{
    for (int i = 0; i < nfiles; i++) {
        unlink(files[i]);
        free(files[i]);
    }
    nfiles = 0;
    if (dir[0]) rmdir(dir);
    dir[0] = '\0';
}

void rt_print_diags(const pg_diags *d)
{
    for (int i = 0; i < d->n; i++)
        print_message("  diag %d: line %d col %d: %s\n", i, d->v[i].line, d->v[i].col, d->v[i].msg);
}

void rt_assert_diag(const pg_diags *d, int line, int col, const char *needle)
{
    for (int i = 0; i < d->n; i++) {
        const pg_diag *g = &d->v[i];
        if (g->sev == PG_ERROR && g->line == line && (col < 0 || g->col == col) &&
            strstr(g->msg, needle))
            return;
    }
    rt_print_diags(d);
    fail_msg("no error at line %d col %d containing \"%s\"", line, col, needle);
}

/* NDJSON: the same text read in place, as the ingest stream reads a chunk
 * (pg_read_ndjson_buf, which finds each line's end by parsing it rather than by looking
 * for it first), must give the same code, records, counts and diagnostics as the file. */
static void same_in_place(const pg_source *src, const char *text, const char *path, int rc,
                          const rt_got *g, const pg_read_stats *st, const pg_diags *d)
{
    size_t len = strlen(text);
    /* the file reader refuses a line this long; the stream never hands one to a chunk */
    if (len >= PG_INPUT_MAX_RECORD) return;
    char *buf = malloc(len + PG_INPUT_PAD + 1);
    assert_non_null(buf);
    memcpy(buf, text, len);
    rt_got g2 = {0};
    pg_read_stats st2 = {0, 0};
    pg_diags d2 = {0};
    int rc2 = pg_read_ndjson_buf(src, path, buf, len, 1, SH, rt_collect, &g2, &st2, &d2);
    assert_int_equal(rc2, rc);
    assert_int_equal(g2.n, g->n);
    for (int i = 0; i < g->n; i++) assert_string_equal(g2.rec[i], g->rec[i]);
    if (st) {
        assert_int_equal(st2.records, st->records);
        assert_int_equal(st2.errors, st->errors);
    }
    assert_int_equal(d2.n, d->n);
    for (int i = 0; i < d->n; i++) {
        assert_int_equal(d2.v[i].sev, d->v[i].sev);
        assert_int_equal(d2.v[i].line, d->v[i].line);
        assert_int_equal(d2.v[i].col, d->v[i].col);
        assert_string_equal(d2.v[i].msg, d->v[i].msg);
    }
    rt_got_free(&g2);
    pg_diags_free(&d2);
    free(buf);
}

static int read_file(const pg_source *src, int json, const char *text, rt_got *g, pg_read_stats *st,
                     pg_diags *d)
{
    *g = (rt_got){0};
    *d = (pg_diags){0};
    const char *path = rt_write(json ? "batch.ndjson" : "batch.csv", text, strlen(text));
    if (!json) return pg_read_csv(src, path, SH, rt_collect, g, st, d);
    int rc = pg_read_ndjson(src, path, SH, rt_collect, g, st, d);
    same_in_place(src, text, path, rc, g, st, d);
    return rc;
}

int rt_csv_src(const pg_source *src, const char *text, rt_got *g, pg_read_stats *st, pg_diags *d)
{
    return read_file(src, 0, text, g, st, d);
}

int rt_ndjson_src(const pg_source *src, const char *text, rt_got *g, pg_read_stats *st, pg_diags *d)
{
    return read_file(src, 1, text, g, st, d);
}

int rt_csv(const char *text, rt_got *g, pg_read_stats *st, pg_diags *d)
{
    return read_file(rt_source(), 0, text, g, st, d);
}

int rt_ndjson(const char *text, rt_got *g, pg_read_stats *st, pg_diags *d)
{
    return read_file(rt_source(), 1, text, g, st, d);
}
