/* example.c — a minimal source plugin, the one to copy when writing a connector of your own
 * (Hive, an HTTP API, a message queue): the reader 'example' reads a tab-separated text file.
 *
 *     source "cases" { ..., plugin = "example" }
 *     pinggu ingest --rules DIR --data DIR --source cases --from example:/path/cases.tsv
 *
 * The format, kept trivial so that the plugin shows the interface and nothing else: the first
 * line names the columns, every later line is a record, fields are separated by one tab,
 * nothing is quoted, `\N` is null (as PostgreSQL's COPY writes it), a line may end in "\r\n".
 * A column is matched to the declared field of the same name; a column the source does not
 * declare, a declared field without a column and a line with the wrong number of fields are
 * refused, with the line.
 *
 * What a source plugin does (core/plugin/include/plugin.h, "Source readers", says it all):
 *  1. It includes plugin.h only and links nothing of pinggu.
 *  2. It exports pinggu_plugin_entry(), returning a static descriptor with .abi =
 *     PG_PLUGIN_ABI and its readers.
 *  3. A reader's check() looks at the request without reading (options, the location) and
 *     says what is wrong; read() reads, writes a short name of what it read into `about`
 *     (never a password), and hands over each record as text, one value per declared field in
 *     declaration order, through emit(). pinggu types the text as the rule set declares (the
 *     same code as for a CSV file), keeps the batch whole or not at all, and reports a bad
 *     value at its record.
 *  4. It emits records in an order that does not change from one read to the next (here the
 *     file's), so that the same data is the same batch; it never filters, rounds or drops a
 *     record on its own account.
 *  5. It keeps no global mutable state: read() may run on several threads at once.
 *  6. On failure it returns a negative errno with one line in err; whatever it emitted is
 *     then discarded by pinggu. When emit() returns non-zero, it stops and returns that. */
#include "plugin.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The reader takes no options: any one in the rule set is a mistake, said at check time. */
static int example_check(const pg_plugin_read_req *rq, char *err, size_t errlen)
{
    if (rq->noptions > 0) {
        snprintf(err, errlen, "option '%s' is not one the example reader takes (it takes none)",
                 rq->options[0]);
        return -EINVAL;
    }
    if (!rq->location || !*rq->location) {
        snprintf(err, errlen, "no file named: --from example:FILE.tsv");
        return -EINVAL;
    }
    return 0;
}

/* Splits line (modified in place) at tabs into at most max fields; returns how many. */
static int split(char *line, char **f, int max)
{
    int n = 0;
    for (char *p = line;; p++) {
        if (n < max) f[n] = p;
        n++;
        p = strchr(p, '\t');
        if (!p) break;
        *p = '\0';
    }
    return n;
}

static void chomp(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r')) s[--n] = '\0';
}

static int example_read(const pg_plugin_read_req *rq, pg_plugin_emit_fn emit, void *sink,
                        char *about, size_t aboutlen, char *err, size_t errlen)
{
    int rc = example_check(rq, err, errlen);
    if (rc) return rc;
    const char *path = rq->location;
    FILE *f = fopen(path, "r");
    if (!f) {
        rc = -errno;
        snprintf(err, errlen, "%s: %s", path, strerror(errno));
        return rc;
    }
    /* what pinggu calls the batch: "example:<about>" */
    const char *base = strrchr(path, '/');
    snprintf(about, aboutlen, "%s", base ? base + 1 : path);

    int nf = rq->nfields;
    int *col_of = malloc(sizeof(int) * (size_t)nf); /* field -> column */
    char **cols = malloc(sizeof(char *) * (size_t)(nf + 1));
    const char **vals = malloc(sizeof(char *) * (size_t)nf);
    size_t *lens = malloc(sizeof(size_t) * (size_t)nf);
    char *line = NULL;
    size_t cap = 0;
    long lineno = 0;
    int ncols = 0;
    if (!col_of || !cols || !vals || !lens) {
        snprintf(err, errlen, "out of memory");
        rc = -ENOMEM;
        goto out;
    }
    /* the header: each column names a declared field */
    if (getline(&line, &cap, f) < 0) {
        snprintf(err, errlen, "%s: empty (the first line must name the columns)", path);
        rc = -EINVAL;
        goto out;
    }
    lineno = 1;
    chomp(line);
    for (int i = 0; i < nf; i++) col_of[i] = -1;
    char **hdr = malloc(sizeof(char *) * (size_t)(strlen(line) + 1));
    if (!hdr) {
        rc = -ENOMEM;
        goto out;
    }
    ncols = split(line, hdr, (int)strlen(line) + 1);
    for (int c = 0; c < ncols && rc == 0; c++) {
        int k = -1;
        for (int i = 0; i < nf && k < 0; i++)
            if (strcmp(rq->fields[i].name, hdr[c]) == 0) k = i;
        if (k < 0) {
            snprintf(err, errlen, "%s:1: column %d \"%s\" is not a field of source '%s'", path,
                     c + 1, hdr[c], rq->source);
            rc = -EINVAL;
        } else if (col_of[k] >= 0) {
            snprintf(err, errlen, "%s:1: field %s is named twice", path, hdr[c]);
            rc = -EINVAL;
        } else {
            col_of[k] = c;
        }
    }
    for (int i = 0; i < nf && rc == 0; i++)
        if (col_of[i] < 0) {
            snprintf(err, errlen, "%s:1: no column for field %s", path, rq->fields[i].name);
            rc = -EINVAL;
        }
    free(hdr);
    if (rc) goto out;
    free(cols);
    cols = malloc(sizeof(char *) * (size_t)(ncols + 1));
    if (!cols) {
        rc = -ENOMEM;
        goto out;
    }

    /* the records, in the file's order */
    while (getline(&line, &cap, f) >= 0) {
        lineno++;
        chomp(line);
        int n = split(line, cols, ncols + 1);
        if (n != ncols) {
            snprintf(err, errlen, "%s:%ld: %d fields, the header has %d", path, lineno, n, ncols);
            rc = -EINVAL;
            goto out;
        }
        for (int i = 0; i < nf; i++) {
            const char *v = cols[col_of[i]];
            vals[i] = strcmp(v, "\\N") == 0 ? NULL : v;
            lens[i] = vals[i] ? strlen(v) : 0;
        }
        rc = emit(sink, vals, lens); /* pinggu copies the values before it returns */
        if (rc) goto out;            /* pinggu cannot keep the batch: stop */
    }
    if (ferror(f)) {
        rc = -EIO;
        snprintf(err, errlen, "%s: read error", path);
    }
out:
    free(line);
    free(col_of), free(cols), free(vals), free(lens);
    fclose(f);
    return rc;
}

static const pg_plugin_reader readers[] = {
    {.name = "example",
     .desc = "a tab-separated text file, a header and a record a line (the example plugin)",
     .check = example_check,
     .read = example_read},
};

static const pg_plugin plugin = {
    .abi = PG_PLUGIN_ABI,
    .name = "example-source",
    .version = "1",
    .readers = readers,
    .nreaders = 1,
};

PG_PLUGIN_EXPORT const pg_plugin *pinggu_plugin_entry(void);
PG_PLUGIN_EXPORT const pg_plugin *pinggu_plugin_entry(void)
{
    return &plugin;
}
