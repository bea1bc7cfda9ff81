/* pull_since.c — incremental pulls by an updated-at field (issue 16 §2: "A table may carry an
 * updated at column for incremental pulls, in which case only new or changed rows are read").
 *
 *     source "cases" { ..., key = "project_no", plugin = "postgres",
 *                      options = { table = "public.cases", updated_at = "sync_date" } }
 *
 * What is kept where. A pull of such a source, full or not, is labelled
 * "postgres:public.cases@gov [sync_date <= 2021-06-01 00:00:00+00]": the greatest value of the
 * field in the snapshot read (the reader's high-water mark, pg_plugin_read_req.mark). The label
 * is the batch's file, so the mark is stored with the batch, shown by `--list` and audited with
 * it. The next pull takes the mark of the source's latest active pull (pg_since_find) and reads
 * only the keys that have a record changed after it (pg_plugin_read_req.since).
 *
 * Why one batch and not a batch per pull: the incremental read is merged here with the previous
 * pull's raw copy into the CSV of the whole table as it is now (pg_since_merge) — the previous
 * records of every key read again are dropped, the records read are appended — and that CSV is
 * ingested as a batch replacing the previous pull, exactly as a full pull would replace it. So
 * a source pulled incrementally has one active pull batch, like one pulled whole: its figures
 * are those of a full ingest of the same rows, keys and repeats within it follow the file rule
 * (a key's first record in the order of a full read counts), on_duplicate applies between it
 * and any other batch of the source as for any batch, a withdrawal of the latest pull brings
 * no earlier one back (the next pull then reads every record), and nothing accumulates: a pull
 * every five minutes does not leave 288 batches a day for every evaluation to merge. The cost
 * is local: the previous raw copy is read and the whole table written and ingested again
 * (about what a full pull costs pinggu), while the database sends only the changed keys.
 *
 * What an incremental read cannot see: a deleted row (and a row whose key changed, which is a
 * deletion of the old key) keeps counting until a full read — `pinggu ingest --from … --full`,
 * or the host's pulls at `full_at` — replaces the batch; and a row committed after a pull with
 * an updated-at value at or below that pull's mark (a long transaction that set the value
 * early) is missed until its key changes again or a full read. */
#include "pull_since.h"
#include "batch_row.h"

#include <csv.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

const char *pg_since_field(const pg_source *src)
{
    for (int i = 0; i < src->noptions; i++)
        if (strcmp(src->options[2 * i], "updated_at") == 0) return src->options[2 * i + 1];
    return NULL;
}

char *pg_since_label(const char *reader, const char *about, const char *field, const char *mark)
{
    if (!mark || !*mark) return pg_xasprintf("%s:%s", reader, about);
    return pg_xasprintf("%s:%s [%s <= %s]", reader, about, field, mark);
}

/* "<reader>:<about> [FIELD <= MARK]" → the label before the bracket and the mark (malloc'd;
 * *mark NULL when the label carries no mark of `field`) */
static void parse_label(const char *file, const char *field, char **about, char **mark)
{
    const char *br = strrchr(file, '[');
    size_t len = strlen(file), flen = strlen(field);
    *mark = NULL;
    if (!br || br == file || br[-1] != ' ' || file[len - 1] != ']') {
        *about = pg_xstrdup(file);
        return;
    }
    *about = pg_xasprintf("%.*s", (int)(br - 1 - file), file);
    if (strncmp(br + 1, field, flen) == 0 && strncmp(br + 1 + flen, " <= ", 4) == 0) {
        const char *m = br + 1 + flen + 4;
        *mark = pg_xasprintf("%.*s", (int)(file + len - 1 - m), m);
    }
}

/* Whether the first line of `path` is `header` */
static int header_is(const char *path, const char *header)
{
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n = getline(&line, &cap, f);
    fclose(f);
    int same = n > 0 && line[n - 1] == '\n' && (size_t)n - 1 == strlen(header) &&
               memcmp(line, header, (size_t)n - 1) == 0;
    free(line);
    return same;
}

int pg_since_find(const char *datadir, const char *source, const char *reader, const char *field,
                  const char *header, pg_since *out, pg_diags *d)
{
    memset(out, 0, sizeof *out);
    pg_batch *list = NULL;
    int n = 0;
    int rc = pg_batch_list(datadir, &list, &n, d);
    if (rc) return rc;
    size_t rlen = strlen(reader);
    int at = -1;
    for (int i = 0; i < n; i++) /* in ingestion order: the last one is the latest */
        if (list[i].active && strcmp(list[i].source, source) == 0 && list[i].file &&
            strncmp(list[i].file, reader, rlen) == 0 && list[i].file[rlen] == ':')
            at = i;
    if (at >= 0) {
        out->found = 1;
        pg_batch_copy(&out->base, &list[at]);
        parse_label(out->base.file, field, &out->about, &out->mark);
        char *raw = pg_batch_raw_path(datadir, &out->base);
        /* a copy removed by hand, or written for other fields: the pull reads every record */
        if (out->mark && strcmp(out->base.format, "csv") == 0 && header_is(raw, header))
            out->raw = raw;
        else
            free(raw);
    }
    pg_batch_list_free(list, n);
    return 0;
}

void pg_since_free(pg_since *s)
{
    if (s->found) pg_batch_clear(&s->base);
    free(s->about), free(s->mark), free(s->raw);
    memset(s, 0, sizeof *s);
}

/* ---- the merge: libcsv over the two CSVs pinggu wrote itself ---- */

typedef struct {
    char **f;
    size_t *len;
    int n, cap;
    long records; /* rows seen, the header included */
    int bad;      /* a row with another number of fields than the header */
    int nfields;
    /* what to do with a record (the header excluded) */
    void (*take)(void *ud, char **f, const size_t *len, int n);
    void *ud;
} rows;

static void on_field(void *s, size_t len, void *data)
{
    rows *r = data;
    if (r->n == r->cap) {
        r->cap = r->cap ? r->cap * 2 : 16;
        r->f = pg_xrealloc(r->f, sizeof *r->f * (size_t)r->cap);
        r->len = pg_xrealloc(r->len, sizeof *r->len * (size_t)r->cap);
    }
    /* CSV_EMPTY_IS_NULL: an empty field without quotes is null (NULL), "" an empty string */
    r->f[r->n] = s ? pg_xasprintf("%.*s", (int)len, (const char *)s) : NULL;
    r->len[r->n++] = s ? len : 0;
}

static void on_row(int c, void *data)
{
    (void)c;
    rows *r = data;
    if (r->records == 0)
        r->nfields = r->n;
    else if (r->n != r->nfields)
        r->bad = 1;
    else
        r->take(r->ud, r->f, r->len, r->n);
    r->records++;
    for (int i = 0; i < r->n; i++) free(r->f[i]);
    r->n = 0;
}

/* Nothing is space: a value's spaces are its own (libcsv trims them by default) */
static int no_space(unsigned char c)
{
    (void)c;
    return 0;
}

static int parse(const char *path, rows *r, pg_diags *d)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        int e = errno;
        pg_error(d, path, 0, "cannot read: %s", strerror(e));
        return -e;
    }
    struct csv_parser p;
    csv_init(&p, CSV_STRICT | CSV_STRICT_FINI | CSV_EMPTY_IS_NULL);
    csv_set_space_func(&p, no_space);
    char buf[65536];
    size_t got;
    int rc = 0;
    while (!rc && (got = fread(buf, 1, sizeof buf, f)) > 0)
        if (csv_parse(&p, buf, got, on_field, on_row, r) != got) rc = -EINVAL;
    if (!rc && ferror(f)) rc = -EIO;
    if (!rc && csv_fini(&p, on_field, on_row, r) != 0) rc = -EINVAL;
    if (!rc && r->bad) rc = -EINVAL;
    if (rc)
        pg_error(d, path, 0, "cannot merge the incremental pull: %s",
                 rc == -EIO ? strerror(EIO) : "not the CSV a pull writes");
    for (int i = 0; i < r->n; i++) free(r->f[i]);
    free(r->f), free(r->len);
    csv_free(&p);
    fclose(f);
    return rc;
}

typedef struct {
    char **v;
    int n, cap, key;
} keys;

static void take_key(void *ud, char **f, const size_t *len, int n)
{
    (void)len;
    keys *k = ud;
    if (k->key >= n || !f[k->key]) return; /* a null key: the ingest refuses the record */
    if (k->n == k->cap) {
        k->cap = k->cap ? k->cap * 2 : 64;
        k->v = pg_xrealloc(k->v, sizeof *k->v * (size_t)k->cap);
    }
    k->v[k->n++] = pg_xstrdup(f[k->key]);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

typedef struct {
    const keys *k;
    FILE *out;
    long kept;
} keep;

static void keep_record(void *ud, char **f, const size_t *len, int n)
{
    keep *w = ud;
    const char *key = w->k->key < n ? f[w->k->key] : NULL;
    if (key && bsearch(&key, w->k->v, (size_t)w->k->n, sizeof *w->k->v, cmp_str)) return;
    for (int i = 0; i < n; i++) {
        if (i) putc(',', w->out);
        pg_csv_put(w->out, f[i], len[i]);
    }
    putc('\n', w->out);
    w->kept++;
}

int pg_since_merge(const char *base_raw, const char *fresh, int key, const char *header,
                   const char *out, long *kept, pg_diags *d)
{
    *kept = 0;
    keys k = {.key = key};
    rows r = {.take = take_key, .ud = &k};
    int rc = parse(fresh, &r, d);
    FILE *o = NULL, *in = NULL;
    if (rc == 0) {
        qsort(k.v, (size_t)k.n, sizeof *k.v, cmp_str);
        o = fopen(out, "wb");
        if (!o) {
            rc = -errno;
            pg_error(d, out, 0, "cannot write the merged pull: %s", strerror(-rc));
        }
    }
    if (rc == 0) {
        fprintf(o, "%s\n", header);
        keep w = {.k = &k, .out = o};
        rows b = {.take = keep_record, .ud = &w};
        rc = parse(base_raw, &b, d);
        *kept = w.kept;
    }
    if (rc == 0) { /* the fresh records as written, after their header line */
        in = fopen(fresh, "rb");
        char buf[65536];
        size_t got;
        int c = in ? getc(in) : EOF;
        while (c != EOF && c != '\n') c = getc(in);
        while (in && (got = fread(buf, 1, sizeof buf, in)) > 0) fwrite(buf, 1, got, o);
        if (!in || ferror(in)) {
            rc = -EIO;
            pg_error(d, fresh, 0, "cannot read the pulled records again");
        }
    }
    if (in) fclose(in);
    if (o) {
        int bad = ferror(o);
        if ((fclose(o) != 0 || bad) && rc == 0) {
            rc = -EIO;
            pg_error(d, out, 0, "cannot write the merged pull: %s", strerror(EIO));
        }
    }
    for (int i = 0; i < k.n; i++) free(k.v[i]);
    free(k.v);
    return rc;
}
