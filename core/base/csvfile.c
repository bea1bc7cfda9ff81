/* csvfile.c — libcsv driven one line at a time, so that a row can be tied to its line; and the
 * one writer of a CSV field that pinggu hashes (pg_csv_put). */
#include "base.h"

#include <csv.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    pg_csvrow row;
    int cap;
    int line;    /* line being fed */
    int stopped; /* callback's return */
    pg_csv_row_fn fn;
    void *ud;
} reader;

static void on_field(void *s, size_t len, void *data)
{
    reader *r = data;
    if (r->stopped) return;
    if (r->row.n == 0) r->row.line = r->line;
    if (r->row.n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 8;
        r->row.f = pg_xrealloc(r->row.f, sizeof(char *) * (size_t)r->cap);
    }
    char *f = pg_xmalloc(len + 1);
    if (len) memcpy(f, s, len);
    f[len] = '\0';
    r->row.f[r->row.n++] = f;
}

static void on_row(int c, void *data)
{
    reader *r = data;
    (void)c;
    if (!r->stopped && r->row.n) r->stopped = r->fn(r->ud, &r->row);
    for (int i = 0; i < r->row.n; i++) free(r->row.f[i]);
    r->row.n = 0;
}

int pg_csv_read(const char *path, pg_csv_row_fn fn, void *ud, pg_diags *d)
{
    FILE *fp = fopen(path, "rb");
    if (!fp) {
        int e = errno;
        pg_error(d, path, 0, "cannot open: %s", strerror(e));
        return -e;
    }
    struct csv_parser p;
    csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_APPEND_NULL);
    reader r = {.fn = fn, .ud = ud};
    char *buf = NULL;
    size_t cap = 0;
    ssize_t len;
    int rc = 0;
    while (!r.stopped && (len = getline(&buf, &cap, fp)) > 0) {
        r.line++;
        const char *s = buf;
        if (r.line == 1 && len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0) s += 3, len -= 3;
        if ((ssize_t)csv_parse(&p, s, (size_t)len, on_field, on_row, &r) != len) {
            pg_error(d, path, r.line, "malformed CSV: %s", csv_strerror(csv_error(&p)));
            rc = -EINVAL;
            break;
        }
    }
    if (!rc && !r.stopped && csv_fini(&p, on_field, on_row, &r) != 0) {
        pg_error(d, path, r.line, "malformed CSV at end of file: %s", csv_strerror(csv_error(&p)));
        rc = -EINVAL;
    }
    if (!rc && ferror(fp)) {
        pg_error(d, path, r.line, "read error: %s", strerror(errno));
        rc = -EIO;
    }
    for (int i = 0; i < r.row.n; i++) free(r.row.f[i]);
    free(r.row.f);
    free(buf);
    csv_free(&p);
    fclose(fp);
    return rc ? rc : r.stopped;
}

void pg_csv_put(FILE *f, const char *v, size_t len)
{
    if (!v) return;
    int quote = len == 0;
    for (size_t i = 0; i < len && !quote; i++)
        if (v[i] == ',' || v[i] == '"' || v[i] == '\r' || v[i] == '\n') quote = 1;
    if (!quote) {
        fwrite(v, 1, len, f);
        return;
    }
    putc('"', f);
    for (size_t i = 0; i < len; i++) {
        if (v[i] == '"') putc('"', f);
        putc(v[i], f);
    }
    putc('"', f);
}
