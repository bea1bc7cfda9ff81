/* test_parallel.c — one batch file read on several threads (core/data/ingest_parallel.c) gives what
 * one thread gives: the same cells in the same order, the same counts and sums, the same
 * diagnostics for a bad file. Files are generated here (a fixed LCG), written to a fresh
 * mkdtemp directory and cut into parts of a few bytes (min_part 1), so that every cut lands
 * somewhere interesting: inside quoted fields holding newlines too. Also the progress counts
 * the reads keep.
 *
 * And the durable ingest's single read (core/data/ingest_stream.c, issue 14 §7): the file read
 * once, hashed, copied and parsed in chunks of a few bytes to the default, on 1–3 threads, from
 * a file or from a pipe, gives the cells of one read from the top (the old path), its batch id
 * is sha256sum's, its copy is the file's bytes; a bad or over-long record gives exactly one
 * read's diagnostics; a copy whose write fails, or whose periodic flush does, fails the ingest
 * and leaves no copy; pg_batch_ingest takes a FIFO (read once: it could not be read twice) and
 * a keyed one, and a late bad record leaves nothing in the store or in raw/. Never timed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "aggregate.h"
#include "data.h"
#include "ingest_parallel.h"
#include "ingest_stream.h"
#include "reader_input.h"
#include "rules.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#if defined(__x86_64__)
#define AUDIT_ARCH_NATIVE AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define AUDIT_ARCH_NATIVE AUDIT_ARCH_AARCH64
#endif

#if !defined(FIXTURE) || !defined(KEYED_FIXTURE)
#error "FIXTURE and KEYED_FIXTURE must name the rule set directories"
#endif

static pg_ruleset *rs;
static char dir[256];

static uint32_t seed;
static unsigned rnd(unsigned n)
{
    seed = seed * 1103515245u + 12345u;
    return (seed >> 8) % n;
}

/* One record's field texts (item_name decoded: it may hold commas, quotes and newlines). */
typedef struct {
    char project[16], unit[32], item[8192], accept[40], result[40], promise[8], channel[16],
        online[8], rating[4];
} rec;

static void make_record(rec *r, int i, int long_item)
{
    static const char *units[] = {"ga", "11441500002", "人社", "zr", "市公安局"};
    static const char *channels[] = {"窗口", "网上", "粤省事", "粤商通"};
    static const char *items[] = {"",           "户籍,迁入",    "说 \"明\"",
                                  "两行\n说明", "三\n行\n说明", "普通"};
    snprintf(r->project, sizeof r->project, "P%06d", i);
    snprintf(r->unit, sizeof r->unit, "%s", units[rnd(5)]);
    if (long_item) { /* many lines in one field: the middle of the file is inside it */
        size_t o = 0;
        for (int k = 0; k < 1800; k++) o += (size_t)snprintf(r->item + o, 5, "x\n");
        snprintf(r->item + o, sizeof r->item - o, "end");
    } else
        snprintf(r->item, sizeof r->item, "%s", items[rnd(6)]);
    int mon = 1 + (int)rnd(12), day = 1 + (int)rnd(28), h = (int)rnd(24), mi = (int)rnd(60);
    int form = (int)rnd(3);
    snprintf(r->accept, sizeof r->accept,
             form == 0   ? "2021-%02d-%02d %02d:%02d:07"
             : form == 1 ? "2021-%02d-%02dT%02d:%02d:07+08:00"
                         : "2021-%02d-%02dT%02d:%02d:07Z",
             mon, day, h, mi);
    if (rnd(5) == 0)
        r->result[0] = '\0';
    else
        snprintf(r->result, sizeof r->result, "2022-%02d-%02d %02d:%02d:%02d", 1 + (int)rnd(3),
                 1 + (int)rnd(28), (int)rnd(24), (int)rnd(60), (int)rnd(60));
    snprintf(r->promise, sizeof r->promise, "%u", 1 + rnd(15));
    snprintf(r->channel, sizeof r->channel, "%s", channels[rnd(4)]);
    snprintf(r->online, sizeof r->online, "%s", rnd(2) ? "true" : "0");
    if (rnd(6) == 0)
        r->rating[0] = '\0';
    else
        snprintf(r->rating, sizeof r->rating, "%u", 1 + rnd(5));
}

static void csv_field(FILE *f, const char *s, int last)
{
    if (strpbrk(s, ",\"\n")) {
        fputc('"', f);
        for (; *s; s++) fputs(*s == '"' ? "\"\"" : (char[]){*s, 0}, f);
        fputc('"', f);
    } else
        fputs(s, f);
    fputs(last ? "\r\n" : ",", f);
}

static void json_field(FILE *f, const char *key, const char *s, int first)
{
    fprintf(f, "%s\"%s\":", first ? "{" : ",", key);
    if (!*s) {
        fputs("null", f);
        return;
    }
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"' || *s == '\\')
            fprintf(f, "\\%c", *s);
        else if (*s == '\n')
            fputs("\\n", f);
        else
            fputc(*s, f);
    }
    fputc('"', f);
}

/* Writes n records as CSV and NDJSON; record `long_at` (or none, -1) has a long item name,
 * and `bad` (n entries, or NULL) replaces a record's channel or unit by an unknown one. */
static void write_files(const char *csv, const char *ndjson, int n, int long_at, const int *bad)
{
    FILE *c = fopen(csv, "w"), *j = fopen(ndjson, "w");
    assert_non_null(c);
    assert_non_null(j);
    fputs("project_no,org_code,item_name,accept_date,result_date,promise_day,channel,"
          "fully_online,rating\r\n",
          c);
    rec *r = malloc(sizeof *r);
    seed = 20211126;
    for (int i = 0; i < n; i++) {
        make_record(r, i, i == long_at);
        if (bad && bad[i] == 1) strcpy(r->channel, "传真");
        if (bad && bad[i] == 2) strcpy(r->unit, "no-such-unit");
        const char *v[] = {r->project, r->unit,    r->item,   r->accept, r->result,
                           r->promise, r->channel, r->online, r->rating};
        static const char *keys[] = {"project_no",  "org_code",     "item_name",
                                     "accept_date", "result_date",  "promise_day",
                                     "channel",     "fully_online", "rating"};
        for (int k = 0; k < 9; k++) {
            csv_field(c, v[k], k == 8);
            json_field(j, keys[k], v[k], k == 0);
        }
        fputs("}\n", j);
    }
    free(r);
    fclose(c);
    fclose(j);
}

static char *path_of(const char *name)
{
    return pg_xasprintf("%s/%s", dir, name);
}

static pg_agg *read_with(const char *path, int threads, long *errors, pg_diags *d)
{
    const char *dot = strrchr(path, '.');
    int s = pg_strmap_get(&rs->source_ids, "cases");
    assert_true(s >= 0);
    return pg_ingest_aggregate(rs, s, path, strcmp(dot, ".ndjson") == 0 ? "ndjson" : "csv", threads,
                               1, errors, d);
}

/* The same cells, in the same order, with the same figures to the last bit. */
static void assert_same(const pg_agg *a, const pg_agg *b)
{
    const pg_agg_cell *ca, *cb;
    int na = pg_agg_cells(a, &ca), nb = pg_agg_cells(b, &cb);
    assert_int_equal(na, nb);
    assert_int_equal(pg_agg_records(a), pg_agg_records(b));
    for (int i = 0; i < na; i++) {
        const pg_partial *p = &ca[i].p, *q = &cb[i].p;
        assert_int_equal(ca[i].metric, cb[i].metric);
        assert_int_equal(ca[i].unit, cb[i].unit);
        assert_int_equal(ca[i].bucket, cb[i].bucket);
        double x[] = {p->n,  pg_partial_sum(p), pg_partial_den(p), p->hits, p->valued, p->min,
                      p->max};
        double y[] = {q->n,  pg_partial_sum(q), pg_partial_den(q), q->hits, q->valued, q->min,
                      q->max};
        assert_memory_equal(x, y, sizeof x);
        assert_int_equal(p->nhashes, q->nhashes);
        for (int k = 0; k < p->caphashes; k++) {
            if (!p->hashes[k].lo && !p->hashes[k].hi) continue;
            int found = 0;
            for (int m = 0; m < q->caphashes && !found; m++)
                found = q->hashes[m].lo == p->hashes[k].lo && q->hashes[m].hi == p->hashes[k].hi;
            assert_true(found);
        }
        assert_int_equal(p->nvalues, q->nvalues);
        if (p->nvalues) assert_memory_equal(p->values, q->values, sizeof(double) * p->nvalues);
    }
}

static void check_threads(const char *name, int nrec)
{
    char *path = path_of(name);
    pg_diags d = {0};
    long errors;
    pg_agg *one = read_with(path, 1, &errors, &d);
    assert_non_null(one);
    assert_int_equal(errors, 0);
    assert_int_equal(pg_agg_records(one), nrec);
    for (int t = 2; t <= 9; t++) {
        pg_agg *many = read_with(path, t, &errors, &d);
        assert_non_null(many);
        assert_int_equal(errors, 0);
        assert_same(one, many);
        pg_agg_free(many);
    }
    assert_int_equal(d.n, 0);
    pg_agg_free(one);
    pg_diags_free(&d);
    free(path);
}

static void many_threads_same_cells(void **state)
{
    (void)state;
    char *csv = path_of("a.csv"), *nd = path_of("a.ndjson");
    write_files(csv, nd, 3000, -1, NULL);
    check_threads("a.csv", 3000);
    check_threads("a.ndjson", 3000);
    /* and CSV and NDJSON agree, each read on three threads */
    pg_diags d = {0};
    long e1, e2;
    pg_agg *a = read_with(csv, 3, &e1, &d), *b = read_with(nd, 3, &e2, &d);
    assert_non_null(a);
    assert_non_null(b);
    assert_same(a, b);
    pg_agg_free(a);
    pg_agg_free(b);
    pg_diags_free(&d);
    free(csv);
    free(nd);
}

static void quoted_newlines_at_the_cut(void **state)
{
    (void)state;
    char *csv = path_of("b.csv"), *nd = path_of("b.ndjson");
    /* 30 short records on each side of one of 1,800 lines: the cut in two falls inside it */
    write_files(csv, nd, 61, 30, NULL);
    FILE *f = fopen(csv, "rb");
    assert_non_null(f);
    static char all[1 << 16];
    size_t len = fread(all, 1, sizeof all, f);
    fclose(f);
    const char *start = strstr(all, "\"x\n"), *end = strstr(all, "end\"");
    assert_non_null(start);
    assert_non_null(end);
    assert_true(len / 2 > (size_t)(start - all) && len / 2 < (size_t)(end - all));
    check_threads("b.csv", 61);
    check_threads("b.ndjson", 61);
    free(csv);
    free(nd);
}

/* The diagnostics of a bad file do not depend on the threads: the same first 20, in order,
 * with the same lines, and the same count. */
static void bad_records_same_diagnostics(void **state)
{
    (void)state;
    static int bad[2500];
    for (int i = 100; i < 2500; i += 97) bad[i] = 1 + i % 2;
    char *csv = path_of("c.csv"), *nd = path_of("c.ndjson");
    write_files(csv, nd, 2500, 1200, bad);
    const char *files[] = {csv, nd};
    for (int f = 0; f < 2; f++) {
        pg_diags d1 = {0};
        long e1;
        assert_null(read_with(files[f], 1, &e1, &d1));
        assert_int_equal(e1, 25);
        assert_int_equal(d1.n, 20);
        for (int t = 2; t <= 5; t++) {
            pg_diags dt = {0};
            long et;
            assert_null(read_with(files[f], t, &et, &dt));
            assert_int_equal(et, e1);
            assert_int_equal(dt.n, d1.n);
            for (int i = 0; i < d1.n; i++) {
                assert_int_equal(dt.v[i].line, d1.v[i].line);
                assert_string_equal(dt.v[i].msg, d1.v[i].msg);
            }
            pg_diags_free(&dt);
        }
        pg_diags_free(&d1);
    }
    free(csv);
    free(nd);
}

static long long size_of(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long long n = ftell(f);
    fclose(f);
    return n;
}

/* The progress counts (pg_ingest_progress): after a read, every byte of the file and every
 * good record counted once — on one thread, on several, and for a bad file, whose second read
 * (for its diagnostics) is not counted. NDJSON on several threads: every cut is good there, so
 * no part is read twice (a CSV cut inside a quoted newline would be, data.h). */
static void progress_counts_once(void **state)
{
    (void)state;
    static int bad[1000];
    for (int i = 50; i < 1000; i += 97) bad[i] = 1;
    char *csv = path_of("p.csv"), *nd = path_of("p.ndjson");
    char *bcsv = path_of("pb.csv"), *bnd = path_of("pb.ndjson");
    write_files(csv, nd, 3000, -1, NULL);
    write_files(bcsv, bnd, 1000, -1, bad);
    struct {
        const char *path;
        int threads;
        long long records;
    } cases[] = {{csv, 1, 3000}, {nd, 1, 3000}, {nd, 4, 3000}, {bnd, 1, -1}, {bnd, 4, -1}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        pg_ingest_counts before, after;
        pg_diags d = {0};
        long errors;
        pg_ingest_progress(&before);
        pg_agg *a = read_with(cases[i].path, cases[i].threads, &errors, &d);
        pg_ingest_progress(&after);
        assert_int_equal(after.bytes - before.bytes, size_of(cases[i].path));
        if (cases[i].records >= 0) {
            assert_non_null(a);
            assert_int_equal(after.records - before.records, cases[i].records);
        } else {
            assert_null(a);
            assert_int_equal(after.records - before.records, 1000 - errors);
        }
        pg_agg_free(a);
        pg_diags_free(&d);
    }
    free(csv), free(nd), free(bcsv), free(bnd);
}

/* The key set (a Robin Hood table of 64-bit hashes) through many growths: every repeat of a
 * key is found, and nothing else is taken for one. Keyed sources are read on one thread. */
static void key_set_counts_repeats(void **state)
{
    (void)state;
    pg_diags d = {0};
    pg_ruleset *keyed;
    assert_int_equal(pg_ruleset_load(KEYED_FIXTURE, &keyed, &d), 0);
    int s = pg_strmap_get(&keyed->source_ids, "cases");
    const pg_source *src = &keyed->sources[s];
    assert_true(src->key_field >= 0);
    pg_value *vals = calloc((size_t)src->nfields, sizeof *vals);
    for (int i = 0; i < src->nfields; i++) vals[i] = (pg_value){.null = 1, .num = NAN};
    for (int round = 0; round < 2; round++) {
        pg_agg *a = pg_agg_new(keyed, s);
        if (round) pg_agg_expect(a, 100000); /* sized beforehand: no growth */
        char key[32];
        for (int i = 0; i < 100000; i++) {
            /* keys 0..69999, then 30,000 of them again, in another order */
            int k = i < 70000 ? i : (int)((unsigned)(i - 70000) * 7919u % 70000u);
            int len = snprintf(key, sizeof key, "K%d", k);
            vals[src->key_field] = (pg_value){.str = key, .len = len};
            vals[src->unit_field] = (pg_value){.str = "ga", .len = 2};
            vals[src->time_field] = (pg_value){.num = 1620000000};
            const char *why;
            assert_int_equal(pg_agg_add(a, vals, &why), 0);
        }
        assert_int_equal(pg_agg_records(a), 100000);
        assert_int_equal(pg_agg_duplicates(a), 30000);
        pg_agg_free(a);
    }
    free(vals);
    pg_ruleset_free(keyed);
    pg_diags_free(&d);
}

/* ---- one read: hashed, copied and parsed (ingest_stream.c) ---- */

static void sha256_of(const char *path, char hex[65])
{
    char *cmd = pg_xasprintf("sha256sum '%s'", path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    assert_int_equal(fscanf(p, "%64s", hex), 1);
    pclose(p);
    free(cmd);
}

static int same_bytes(const char *a, const char *b)
{
    char *cmd = pg_xasprintf("cmp -s '%s' '%s'", a, b);
    int rc = system(cmd);
    free(cmd);
    return rc == 0;
}

/* A child process that writes the file at path into fd and exits (a pipe's other end). */
static pid_t feed(const char *path, int fd)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        int in = open(path, O_RDONLY);
        char buf[4096];
        ssize_t n;
        while (in >= 0 && (n = read(in, buf, sizeof buf)) > 0)
            if (write(fd, buf, (size_t)n) != n) _exit(1);
        _exit(0);
    }
    return pid;
}

/* Streams path (source "cases" of r) in chunks of `chunk` bytes on `threads` threads, from
 * the file or through a pipe; checks the copy and the id, and returns the aggregator. */
static pg_agg *stream_with(const pg_ruleset *r, const char *path, int threads, size_t chunk,
                           int through_pipe, long *errors, pg_ingest_stream_stats *st, pg_diags *d)
{
    int fd, p[2] = {-1, -1};
    pid_t pid = -1;
    if (through_pipe) {
        assert_int_equal(pipe(p), 0);
        pid = feed(path, p[1]);
        close(p[1]);
        fd = p[0];
    } else {
        fd = open(path, O_RDONLY);
    }
    assert_true(fd >= 0);
    const char *dot = strrchr(path, '.');
    char *copy = path_of("stream-copy");
    pg_ingest_stream_req rq = {.rs = r,
                               .source = pg_strmap_get(&r->source_ids, "cases"),
                               .in = fd,
                               .name = path,
                               .format = strcmp(dot, ".ndjson") == 0 ? "ndjson" : "csv",
                               .copy = copy,
                               .threads = threads,
                               .chunk = chunk,
                               .stats = st};
    pg_agg *agg = NULL;
    char id[65], want[65];
    assert_int_equal(pg_ingest_stream(&rq, &agg, id, errors, d), 0);
    close(fd);
    if (pid > 0) waitpid(pid, NULL, 0);
    sha256_of(path, want);
    assert_string_equal(id, want);       /* the batch id is the SHA-256 of the bytes */
    assert_true(same_bytes(path, copy)); /* and the copy is the bytes */
    unlink(copy);
    free(copy);
    return agg;
}

/* Every chunk size and thread count, from a file and from a pipe: the cells of one read from
 * the top, and never a second read for a good file (the cuts fell where records end). */
static void check_stream(const char *name, int nrec)
{
    char *path = path_of(name);
    pg_diags d = {0};
    long errors;
    pg_agg *one = read_with(path, 1, &errors, &d);
    assert_non_null(one);
    assert_int_equal(pg_agg_records(one), nrec);
    static const size_t chunks[] = {1, 13, 200, 4096, 0};
    for (size_t c = 0; c < sizeof chunks / sizeof *chunks; c++)
        for (int t = 1; t <= 3; t++) {
            pg_ingest_stream_stats st;
            pg_agg *a = stream_with(rs, path, t, chunks[c], t == 2, &errors, &st, &d);
            if (getenv("PG_TEST_VERBOSE"))
                fprintf(stderr, "%s chunk %zu threads %d: %ld chunks, reread %d, %ld records\n",
                        name, chunks[c], t, st.chunks, st.reread, a ? pg_agg_records(a) : -1);
            assert_non_null(a);
            assert_int_equal(errors, 0);
            assert_int_equal(st.reread, 0);
            if (chunks[c] && chunks[c] <= 200) assert_true(st.chunks > 10);
            assert_same(one, a);
            pg_agg_free(a);
        }
    assert_int_equal(d.n, 0);
    pg_agg_free(one);
    pg_diags_free(&d);
    free(path);
}

/* Writes `bytes` then the file at path into path2. */
static void prefixed(const char *path, const char *bytes, const char *path2)
{
    char *cmd = pg_xasprintf("printf '%s' > '%s' && cat '%s' >> '%s'", bytes, path2, path, path2);
    assert_int_equal(system(cmd), 0);
    free(cmd);
}

static void stream_same_cells(void **state)
{
    (void)state;
    char *csv = path_of("s.csv"), *nd = path_of("s.ndjson");
    /* CRLF, quoted commas, "" and newlines, and one field of 1,800 lines (an NDJSON line of
     * 5 kB): chunk cuts fall inside all of them */
    write_files(csv, nd, 1500, 700, NULL);
    check_stream("s.csv", 1500);
    check_stream("s.ndjson", 1500);
    /* a byte-order mark, skipped at the file's start only */
    char *bcsv = path_of("sbom.csv"), *bnd = path_of("sbom.ndjson");
    prefixed(csv, "\\357\\273\\277", bcsv);
    prefixed(nd, "\\357\\273\\277", bnd);
    check_stream("sbom.csv", 1500);
    check_stream("sbom.ndjson", 1500);
    /* blank lines before the header and between records */
    char *blank = path_of("sblank.csv");
    prefixed(csv, "\\r\\n\\n", blank);
    check_stream("sblank.csv", 1500);
    free(csv), free(nd), free(bcsv), free(bnd), free(blank);
}

/* Files of several MiB in chunks of a block (1 MiB) and of the default: the blocks are read
 * straight into the chunks (no copy) and hashed, copied and parsed from there, cut at many
 * places, from a file and from a pipe: the cells of one read, the id and the copy
 * (stream_with); with bad records far into the file, a chunk with blocks still out for the
 * hash and the copy when parsing stops, the diagnostics of one read. */
static void stream_blocks_in_place(void **state)
{
    (void)state;
    enum { N = 60000 };
    static int bad[N];
    char *csv = path_of("big.csv"), *nd = path_of("big.ndjson");
    write_files(csv, nd, N, N / 2, NULL);
    static const size_t chunks[] = {(size_t)1 << 20, 0};
    for (int f = 0; f < 2; f++) {
        char *path = f ? nd : csv;
        pg_diags d = {0};
        long errors;
        pg_agg *one = read_with(path, 1, &errors, &d);
        assert_non_null(one);
        assert_int_equal(pg_agg_records(one), N);
        for (size_t c = 0; c < 2; c++)
            for (int t = 1; t <= 3; t++) {
                pg_ingest_stream_stats st;
                pg_agg *a = stream_with(rs, path, t, chunks[c], t == 2, &errors, &st, &d);
                assert_non_null(a);
                assert_int_equal(errors, 0);
                assert_int_equal(st.reread, 0);
                assert_true(st.placed >= 5); /* every block but the last, at least */
                if (c == 0) assert_true(st.chunks >= 5);
                assert_same(one, a);
                pg_agg_free(a);
            }
        /* chunks of a few bytes take the copy, whose cuts fall anywhere in a block */
        pg_ingest_stream_stats st;
        pg_agg *a = stream_with(rs, path, 2, 4096, 0, &errors, &st, &d);
        assert_non_null(a);
        assert_int_equal(st.placed, 0);
        assert_same(one, a);
        pg_agg_free(a);
        assert_int_equal(d.n, 0);
        pg_agg_free(one);
        pg_diags_free(&d);
    }
    for (int i = N - 3000; i < N; i += 500) bad[i] = 1 + i % 2;
    write_files(csv, nd, N, -1, bad);
    for (int f = 0; f < 2; f++) {
        char *path = f ? nd : csv;
        pg_diags d1 = {0};
        long e1;
        assert_null(read_with(path, 1, &e1, &d1));
        assert_int_equal(e1, 6);
        for (int t = 1; t <= 2; t++) {
            pg_diags dt = {0};
            long et;
            pg_ingest_stream_stats st;
            assert_null(stream_with(rs, path, t, (size_t)1 << 20, t == 2, &et, &st, &dt));
            assert_int_equal(st.reread, 1);
            assert_true(st.placed >= 5);
            assert_int_equal(et, e1);
            assert_int_equal(dt.n, d1.n);
            for (int i = 0; i < d1.n; i++) {
                assert_int_equal(dt.v[i].line, d1.v[i].line);
                assert_string_equal(dt.v[i].msg, d1.v[i].msg);
            }
            pg_diags_free(&dt);
        }
        pg_diags_free(&d1);
    }
    unlink(csv), unlink(nd);
    free(csv), free(nd);
}

/* How a child makes the copy fail: a file size limit of `arg` bytes (EFBIG at the first write
 * past it), or fdatasync failing with EIO (arg < 0), by a seccomp filter that holds for every
 * thread the child starts after it. 0 when in place. */
static int make_copy_fail(long arg)
{
    if (arg >= 0) {
        struct rlimit lim = {(rlim_t)arg, (rlim_t)arg};
        signal(SIGXFSZ, SIG_IGN);
        return setrlimit(RLIMIT_FSIZE, &lim);
    }
    struct sock_filter code[] = {
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_NATIVE, 1, 0),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
        BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
        BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_fdatasync, 0, 1),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EIO & SECCOMP_RET_DATA)),
        BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
    };
    struct sock_fprog prog = {sizeof code / sizeof code[0], code};
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return -1;
    return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
}

/* In a child whose copy fails as make_copy_fail(fail) makes it: `path` streamed on `threads`
 * threads must end with the copy's error `want`, one "cannot copy" diagnostic, no aggregator
 * and no copy left, and must not hang (an alarm, so that a hang fails the test instead of
 * stopping the suite). */
static void stream_must_fail(const char *path, const char *copy, int threads, size_t chunk,
                             long fail, int want)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        alarm(60);
        if (make_copy_fail(fail) != 0) _exit(2);
        int nd = strstr(path, ".ndjson") != NULL;
        pg_ingest_stream_req rq = {.rs = rs,
                                   .source = pg_strmap_get(&rs->source_ids, "cases"),
                                   .in = open(path, O_RDONLY),
                                   .name = path,
                                   .format = nd ? "ndjson" : "csv",
                                   .copy = copy,
                                   .threads = threads,
                                   .chunk = chunk};
        pg_agg *agg = NULL;
        pg_diags d = {0};
        char id[65];
        long errors;
        int rc = pg_ingest_stream(&rq, &agg, id, &errors, &d);
        int ok = rc == want && !agg && d.n == 1 && strstr(d.v[0].msg, "cannot copy") &&
                 access(copy, F_OK) != 0;
        if (!ok) fprintf(stderr, "%s: rc %d, %d diagnostics\n", path, rc, d.n);
        pg_diags_free(&d);
        _exit(ok ? 0 : 1);
    }
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status)); /* not killed by the alarm */
    assert_int_equal(WEXITSTATUS(status), 0);
}

/* The copy fails part-way (a file size limit: EFBIG) while blocks read straight into the
 * chunks are out for the hash and the copy: it does not hang waiting for those blocks. */
static void stream_copy_fails_in_place(void **state)
{
    (void)state;
    char *csv = path_of("fail.csv"), *nd = path_of("fail.ndjson"), *copy = path_of("fail-copy");
    write_files(csv, nd, 60000, -1, NULL);
    for (int f = 0; f < 4; f++)
        for (int t = 1; t <= 2; t++) /* the first write fails, or the fourth */
            stream_must_fail(f % 2 ? nd : csv, copy, t, (size_t)1 << 20, f < 2 ? 0 : 3L << 20,
                             -EFBIG);
    unlink(csv), unlink(nd);
    free(csv), free(nd), free(copy);
}

/* The disk reports a write-back error to the flushing thread (rawcopy.c: fdatasync every
 * 8 MiB written), and to nothing else: the final fsync succeeds, as Linux's may once the pages
 * it could not write are dropped. The copy must fail all the same. */
static void stream_flush_fails(void **state)
{
    (void)state;
    char *csv = path_of("flush.csv"), *nd = path_of("flush.ndjson"), *copy = path_of("flush-copy");
    write_files(csv, nd, 250000, -1, NULL);
    struct stat sb;
    assert_int_equal(stat(csv, &sb), 0);
    assert_true(sb.st_size > (16 << 20)); /* more than one flush's worth */
    for (int t = 1; t <= 2; t++) stream_must_fail(csv, copy, t, 0, -1, -EIO);
    unlink(csv), unlink(nd);
    free(csv), free(nd), free(copy);
}

/* Same diagnostics as one read: `name` read the old way and streamed must both fail, with the
 * same count, lines, messages and file name (never the copy's), and the stream reads the copy
 * again (stats.reread). */
static void check_stream_bad(const char *name, long want_errors)
{
    char *path = path_of(name);
    pg_diags d1 = {0};
    long e1;
    assert_null(read_with(path, 1, &e1, &d1));
    assert_int_equal(e1, want_errors);
    for (int t = 1; t <= 2; t++) {
        pg_diags dt = {0};
        long et;
        pg_ingest_stream_stats st;
        assert_null(stream_with(rs, path, t, t == 1 ? 100 : 0, t == 2, &et, &st, &dt));
        assert_int_equal(st.reread, 1);
        assert_int_equal(et, e1);
        assert_int_equal(dt.n, d1.n);
        for (int i = 0; i < d1.n; i++) {
            assert_string_equal(dt.v[i].file, path);
            assert_int_equal(dt.v[i].line, d1.v[i].line);
            assert_string_equal(dt.v[i].msg, d1.v[i].msg);
        }
        pg_diags_free(&dt);
    }
    pg_diags_free(&d1);
    free(path);
}

static void stream_bad_records(void **state)
{
    (void)state;
    static int bad[2500];
    for (int i = 100; i < 2500; i += 97) bad[i] = 1 + i % 2;
    char *csv = path_of("sc.csv"), *nd = path_of("sc.ndjson");
    write_files(csv, nd, 2500, 1200, bad);
    check_stream_bad("sc.csv", 25);
    check_stream_bad("sc.ndjson", 25);
    /* a quote left open near the end: the rest of the file is one field */
    char *open_q = path_of("sq.csv");
    write_files(open_q, nd, 300, -1, NULL);
    FILE *f = fopen(open_q, "a");
    fputs("P9,ga,\"open,2021-05-02 10:00:00,,3,网上,true,5\r\nP10,ga,x,2021-05-02 10:00:00,,3,网上,"
          "true,5\r\n",
          f);
    fclose(f);
    check_stream_bad("sq.csv", 1);
    free(csv), free(nd), free(open_q);
}

/* Appends to the CSV and NDJSON files a record whose item name is `len` bytes of 'y', and a
 * short one after it. */
static void append_long(const char *csv, const char *nd, size_t len)
{
    char *item = malloc(len + 1);
    memset(item, 'y', len);
    item[len] = '\0';
    FILE *c = fopen(csv, "a"), *j = fopen(nd, "a");
    for (int k = 0; k < 2; k++) { /* the long one, and a short one after it */
        const char *v = k ? "short" : item;
        fprintf(c, "P77777%d,ga,%s,2021-05-02 10:00:00,,3,网上,true,5\r\n", k, v);
        fprintf(j,
                "{\"project_no\":\"P77777%d\",\"org_code\":\"ga\",\"item_name\":\"%s\","
                "\"accept_date\":\"2021-05-02 10:00:00\",\"result_date\":null,"
                "\"promise_day\":3,\"channel\":\"网上\",\"fully_online\":true,\"rating\":5}\n",
                k, v);
    }
    fclose(c);
    fclose(j);
    free(item);
}

/* A record just under the readers' limit is good (read again to be sure, same cells); one
 * over it is refused exactly as one read refuses it. */
static void stream_long_records(void **state)
{
    (void)state;
    char *csv = path_of("sl.csv"), *nd = path_of("sl.ndjson");
    write_files(csv, nd, 200, -1, NULL);
    append_long(csv, nd, PG_INPUT_MAX_RECORD - 3000);
    const char *names[] = {"sl.csv", "sl.ndjson"};
    for (int f = 0; f < 2; f++) {
        char *path = path_of(names[f]);
        pg_diags d = {0};
        long e;
        pg_agg *one = read_with(path, 1, &e, &d);
        assert_non_null(one);
        pg_ingest_stream_stats st;
        pg_agg *a = stream_with(rs, path, 2, 0, 0, &e, &st, &d);
        assert_non_null(a);
        assert_int_equal(st.reread, 1);
        assert_same(one, a);
        assert_int_equal(d.n, 0);
        pg_agg_free(one), pg_agg_free(a), pg_diags_free(&d), free(path);
    }
    char *csv2 = path_of("sm.csv"), *nd2 = path_of("sm.ndjson");
    write_files(csv2, nd2, 200, -1, NULL);
    append_long(csv2, nd2, PG_INPUT_MAX_RECORD + 1000);
    check_stream_bad("sm.csv", 1);
    check_stream_bad("sm.ndjson", 1);
    free(csv), free(nd), free(csv2), free(nd2);
}

/* The files in dir/batches/raw, temporary copies included. */
static int raw_files(const char *data)
{
    char *raw = pg_xasprintf("%s/batches/raw", data);
    DIR *dp = opendir(raw);
    int n = 0;
    for (struct dirent *e; dp && (e = readdir(dp));)
        n += e->d_name[0] != '.' || strlen(e->d_name) > 2;
    if (dp) closedir(dp);
    free(raw);
    return n;
}

/* Ingests through a FIFO (which can be read only once) and returns pg_batch_ingest's code. */
static int ingest_fifo(const pg_ruleset *r, const char *data, const char *file, const char *ext,
                       pg_batch *b, pg_diags *d)
{
    char *fifo = pg_xasprintf("%s/pipe-%d.%s", dir, (int)getpid(), ext);
    unlink(fifo);
    assert_int_equal(mkfifo(fifo, 0600), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) { /* opening a FIFO for writing waits for its reader */
        int fd = open(fifo, O_WRONLY);
        if (fd < 0) _exit(1);
        feed(file, fd);
        close(fd);
        while (wait(NULL) > 0) {
        }
        _exit(0);
    }
    pg_batch_req rq = {.source = "cases", .path = fifo, .actor = "test", .threads = 2};
    int again;
    int rc = pg_batch_ingest(r, data, &rq, b, &again, d);
    waitpid(pid, NULL, 0);
    unlink(fifo);
    free(fifo);
    return rc;
}

static void batch_from_a_fifo(void **state)
{
    (void)state;
    char *csv = path_of("f.csv"), *nd = path_of("f.ndjson"), *data = path_of("fifo-data");
    write_files(csv, nd, 2000, 900, NULL);
    const char *files[] = {csv, nd}, *exts[] = {"csv", "ndjson"};
    for (int f = 0; f < 2; f++) {
        pg_batch b;
        pg_diags d = {0};
        assert_int_equal(ingest_fifo(rs, data, files[f], exts[f], &b, &d), 0);
        assert_int_equal(b.records, 2000);
        char want[65];
        sha256_of(files[f], want);
        assert_string_equal(b.id, want);
        char *raw = pg_xasprintf("%s/batches/raw/%s.%s", data, b.id, exts[f]);
        assert_true(same_bytes(files[f], raw));
        free(raw);
        pg_batch_clear(&b);
        pg_diags_free(&d);
    }
    assert_int_equal(raw_files(data), 2);
    free(csv), free(nd), free(data);
}

/* Writes n records of the keyed fixture's source (key project_no), every seventh repeating
 * the key before it; record `long_at` (or none, -1) has a key of `pad` bytes. */
static void write_keyed(const char *path, int n, int long_at, size_t pad)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs("project_no,org_code,accept_date,result_date,promise_day,channel,fully_online,rating\n",
          f);
    for (int i = 0; i < n; i++) {
        int key = i % 7 == 6 ? i - 1 : i;
        if (i == long_at) {
            fputs("\"K", f);
            for (size_t k = 0; k < pad; k++) fputc('z', f);
            fprintf(f, "\",ga,2021-05-%02d 10:00:00,,3,网上,true,5\n", 1 + i % 28);
        } else {
            fprintf(f, "K%d,ga,2021-05-%02d 10:00:00,,3,网上,true,%d\n", key, 1 + i % 28,
                    1 + i % 5);
        }
    }
    fclose(f);
}

/* A keyed source: read once on one thread with its keys in the store, from a FIFO; a record
 * long enough to have the copy read again does not make every key a repeat of itself (the
 * stream's rewind empties the keys seen). */
static void keyed_batch_from_a_fifo(void **state)
{
    (void)state;
    pg_diags d = {0};
    pg_ruleset *keyed;
    assert_int_equal(pg_ruleset_load(KEYED_FIXTURE, &keyed, &d), 0);
    int s = pg_strmap_get(&keyed->source_ids, "cases");
    char *k1 = path_of("k1.csv"), *k2 = path_of("k2.csv");
    write_keyed(k1, 3000, -1, 0);
    write_keyed(k2, 3000, 2000, PG_INPUT_MAX_RECORD - 3000);
    const char *files[] = {k1, k2};
    for (int f = 0; f < 2; f++) {
        long errors;
        pg_agg *want =
            pg_ingest_aggregate(keyed, s, files[f], "csv", 1, PG_INGEST_MIN_PART, &errors, &d);
        assert_non_null(want);
        char *data = pg_xasprintf("%s/keyed-data-%d", dir, f);
        pg_batch b;
        assert_int_equal(ingest_fifo(keyed, data, files[f], "csv", &b, &d), 0);
        assert_int_equal(b.records, pg_agg_records(want));
        assert_int_equal(b.duplicates, pg_agg_duplicates(want));
        assert_int_equal(b.duplicates, f ? 3000 / 7 - 1 : 3000 / 7); /* K2000 is long in k2 */
        char id[65];
        sha256_of(files[f], id);
        assert_string_equal(b.id, id);
        pg_batch_clear(&b);
        pg_agg_free(want);
        free(data);
    }
    assert_int_equal(d.n, 0);
    pg_ruleset_free(keyed);
    pg_diags_free(&d);
    free(k1), free(k2);
}

/* A bad record near the end: nothing stored, nothing left in raw/ (not even the temporary
 * copy), and the error at its file:line: field, as one read gives it. */
static void late_error_stores_nothing(void **state)
{
    (void)state;
    static int bad[3000];
    bad[2990] = 1;
    char *csv = path_of("late.csv"), *nd = path_of("late.ndjson"), *data = path_of("late-data");
    write_files(csv, nd, 3000, -1, bad);
    const char *files[] = {csv, nd};
    for (int f = 0; f < 2; f++) {
        pg_diags want = {0}, d = {0};
        long e;
        assert_null(read_with(files[f], 1, &e, &want));
        assert_int_equal(e, 1);
        pg_batch_req rq = {.source = "cases", .path = files[f], .actor = "test", .threads = 2};
        pg_batch b;
        int again;
        assert_int_equal(pg_batch_ingest(rs, data, &rq, &b, &again, &d), -EINVAL);
        assert_true(d.n >= 1);
        assert_string_equal(d.v[0].file, files[f]);
        assert_int_equal(d.v[0].line, want.v[0].line);
        assert_string_equal(d.v[0].msg, want.v[0].msg);
        assert_non_null(strstr(want.v[0].msg, "channel"));
        assert_int_equal(raw_files(data), 0);
        pg_batch *list;
        int n;
        assert_int_equal(pg_batch_list(data, &list, &n, &d), 0);
        assert_int_equal(n, 0);
        pg_batch_list_free(list, n);
        pg_diags_free(&want), pg_diags_free(&d);
    }
    free(csv), free(nd), free(data);
}

static int setup(void **state)
{
    (void)state;
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, sizeof dir, "%s/pinggu-parallel-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) return -1;
    pg_diags d = {0};
    int rc = pg_ruleset_load(FIXTURE, &rs, &d);
    pg_diags_print(&d, stderr);
    pg_diags_free(&d);
    return rc;
}

static int teardown(void **state)
{
    (void)state;
    pg_ruleset_free(rs);
    char *cmd = pg_xasprintf("rm -rf '%s'", dir);
    int rc = system(cmd);
    free(cmd);
    return rc == 0 ? 0 : -1;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(many_threads_same_cells),
        cmocka_unit_test(quoted_newlines_at_the_cut),
        cmocka_unit_test(bad_records_same_diagnostics),
        cmocka_unit_test(progress_counts_once),
        cmocka_unit_test(key_set_counts_repeats),
        cmocka_unit_test(stream_same_cells),
        cmocka_unit_test(stream_bad_records),
        cmocka_unit_test(stream_blocks_in_place),
        cmocka_unit_test(stream_copy_fails_in_place),
        cmocka_unit_test(stream_flush_fails),
        cmocka_unit_test(stream_long_records),
        cmocka_unit_test(batch_from_a_fifo),
        cmocka_unit_test(keyed_batch_from_a_fifo),
        cmocka_unit_test(late_error_stores_nothing),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
