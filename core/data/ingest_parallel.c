/* ingest_parallel.c — one batch file into an aggregator, split over threads (see
 * ingest_parallel.h).
 *
 * The file is cut into parts of about equal size, each starting right after an LF, and each
 * part is read by its own reader into its own aggregator; the aggregators are merged in file
 * order at the end. Nothing mutable is shared between the threads: each has its reader, its
 * aggregator and its diagnostics.
 *
 * Where a record ends is not always where a line ends: a quoted CSV field may hold newlines, so
 * the LF a cut is placed after may lie inside a record. Finding out for sure would mean reading
 * the file from the top. Instead each part is read as if the cut were good, and the parts check
 * one another: the reader of a part stops only when a record of its own ends exactly at a later
 * cut (pg_read_part), and otherwise reads on, past the cut, to the end of the file. Part 0
 * starts at a record start, so a part whose cut the part before it stopped at also does, and
 * its records are exactly those a single reader would find there. Parts whose cut nobody
 * stopped at were read from inside a record: they are thrown away, their bytes having been
 * read by the part before them. In the worst case (a quoted newline at every cut) that is one
 * whole-file read, never a wrong one. NDJSON lines cannot hold a raw newline, so every cut is
 * good there.
 *
 * Threads take parts as they come (a counter under a mutex), and there are several parts per
 * thread: on a shared machine one thread often gets less of a CPU than the other (the hashing
 * and copying threads of an ingest run beside these too), and with one part each the slower
 * thread would set the time while the other sat idle. Small parts cost little: each has its
 * own reader buffer (1 MiB, freed when the part is done) and a few hundred cells.
 *
 * Bad records: any error in a kept part sends the whole file to one reader again, so the first
 * 20 errors, their line numbers and the total are exactly those of a single read (the parts
 * only know their lines from their own start). Bad batches are rejected anyway; reading them
 * twice costs time only when there is nothing to store.
 *
 * Progress (pg_ingest_progress): every read, whole file or part, is given a pg_read_part. After
 * each block it reads (1 MiB) the reader sets the part's `at` and calls on_block, which adds
 * what the read has done since it last did (bytes, and the reader's count of good records) to
 * two process-wide counters with relaxed atomic adds; the rest is added when the read ends.
 * Nothing is done per record: the record callback stays as it was, small enough for the
 * compiler to inline into the reader's loop (a check in it stopped that, which callgrind put at
 * 18 instructions a record). The second read of a bad file adds nothing, so each byte of a
 * good file counts once — except the bytes of a part thrown away, which its neighbour read
 * too. */
#include "ingest_parallel.h"
#include "reader.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *pg_ingest_format(const char *path)
{
    const char *dot = strrchr(path, '.');
    if (dot &&
        (strcmp(dot, ".ndjson") == 0 || strcmp(dot, ".jsonl") == 0 || strcmp(dot, ".json") == 0))
        return "ndjson";
    return "csv";
}

int pg_ingest_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > 64 ? 64 : (int)n;
}

/* ---- progress ---- */

static _Atomic long long read_bytes, read_records;

void pg_ingest_progress_add(long long bytes, long long records)
{
    if (bytes) atomic_fetch_add_explicit(&read_bytes, bytes, memory_order_relaxed);
    if (records) atomic_fetch_add_explicit(&read_records, records, memory_order_relaxed);
}

void pg_ingest_progress(pg_ingest_counts *out)
{
    out->bytes = atomic_load_explicit(&read_bytes, memory_order_relaxed);
    out->records = atomic_load_explicit(&read_records, memory_order_relaxed);
}

/* What one read has added to the shared counters so far. */
typedef struct {
    const pg_read_part *part; /* NULL: the read is not counted (a bad file's second read) */
    const pg_read_stats *st;
    long long bytes, records; /* added so far */
} progress;

static void progress_add(progress *p)
{
    if (!p->part) return;
    long long bytes = p->part->at - p->part->start, records = p->st->records;
    if (bytes > p->bytes)
        atomic_fetch_add_explicit(&read_bytes, bytes - p->bytes, memory_order_relaxed);
    if (records > p->records)
        atomic_fetch_add_explicit(&read_records, records - p->records, memory_order_relaxed);
    if (bytes > p->bytes) p->bytes = bytes;
    p->records = records;
}

/* ---- one reader into one aggregator ---- */

typedef struct {
    pg_agg *agg;
    const pg_source *src;
    const char *path; /* as messages name the file */
    pg_diags *d;
    /* the reader's running counts: a record whose unit is unknown counts as a bad record
     * there too, so that the reader's cap of reported errors covers both kinds */
    pg_read_stats *read;
    progress *progress;
} feeding;

static void on_block(void *ud)
{
    progress_add(((feeding *)ud)->progress);
}

static int on_record(void *ud, const pg_value *rec, int line)
{
    feeding *f = ud;
    const char *why;
    if (pg_agg_add(f->agg, rec, &why) != 0 && f->read->errors++ < PG_READER_MAX_ERRORS)
        pg_error(f->d, f->path, line, "%s: %s", f->src->fields[f->src->unit_field].name, why);
    return 0;
}

/* About how many records path holds: its size over the mean line length of its first MiB, and
 * 5 % more. For sizing a source's key set before the read (pg_agg_expect). */
static long estimate_records(const char *path)
{
    enum { SAMPLE = 1 << 20 };
    struct stat sb;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    char *buf = pg_xmalloc(SAMPLE);
    ssize_t n = fstat(fd, &sb) == 0 ? pread(fd, buf, SAMPLE, 0) : -1;
    long lines = 0;
    for (const char *p = buf; n > 0 && (p = memchr(p, '\n', (size_t)(buf + n - p))); p++) lines++;
    close(fd);
    free(buf);
    if (n <= 0) return 0;
    return (long)((double)sb.st_size / (double)n * (double)(lines + 1) * 1.05);
}

/* Reads path (a part of it, or all of it when part->start is 0 and there are no stops) into a
 * new aggregator, adding to the progress counters when `counted`. Returns the reader's code;
 * *agg, *errors (bad records and unknown units) are set either way. */
static int read_into(const pg_ruleset *rs, int source, const char *path, const char *name,
                     int ndjson, pg_read_part *part, int counted, pg_key_filter filter, void *ud,
                     pg_agg **agg, long *errors, pg_diags *d)
{
    const pg_source *src = &rs->sources[source];
    pg_read_stats st = {0};
    part->at = part->start;
    part->on_block = on_block;
    part->name = name;
    progress pr = {counted ? part : NULL, &st, 0, 0};
    feeding f = {pg_agg_new(rs, source), src, name, d, &st, &pr};
    if (filter)
        pg_agg_key_filter(f.agg, filter, ud); /* the keys are the filter's to keep */
    else if (src->key_field >= 0)
        pg_agg_expect(f.agg, estimate_records(path));
    int rc = ndjson ? pg_read_ndjson_part(src, path, rs->tz_offset, part, on_record, &f, &st, d)
                    : pg_read_csv_part(src, path, rs->tz_offset, part, on_record, &f, &st, d);
    progress_add(&pr);
    *agg = f.agg;
    *errors = st.errors;
    return rc;
}

/* ---- parts ---- */

/* Parts per thread: enough that a thread slowed down by others' work costs little at the end
 * (at most one part's time), few enough that each part is much longer than a reader's block. */
#define PARTS_PER_THREAD 8

typedef struct {
    const pg_ruleset *rs;
    int source, ndjson;
    const char *path, *name;
    pg_read_part part;
    pg_agg *agg;
    long errors;
    int rc, counted;
    pg_diags d; /* this part's own: thrown away, see the top of the file */
} part_job;

/* The parts and the next one to take. */
typedef struct {
    part_job *jobs;
    int njobs, next;
    pthread_mutex_t mu;
} part_pool;

static void *run_parts(void *arg)
{
    part_pool *pool = arg;
    for (;;) {
        pthread_mutex_lock(&pool->mu);
        int k = pool->next < pool->njobs ? pool->next++ : -1;
        pthread_mutex_unlock(&pool->mu);
        if (k < 0) return NULL;
        part_job *j = &pool->jobs[k];
        j->rc = read_into(j->rs, j->source, j->path, j->name, j->ndjson, &j->part, j->counted, NULL,
                          NULL, &j->agg, &j->errors, &j->d);
    }
}

/* The offset right after the first LF at or after `from`, or -1 when there is none before
 * the end of the file (or the file cannot be read). */
static long long line_start_after(int fd, long long from)
{
    char buf[1 << 16];
    for (;;) {
        ssize_t n = pread(fd, buf, sizeof buf, (off_t)from);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        const char *nl = memchr(buf, '\n', (size_t)n);
        if (nl) return from + (nl - buf) + 1;
        from += n;
    }
}

/* Cuts of a file of `size` bytes into at most `n` parts: ascending offsets strictly inside
 * the file, each right after an LF. Returns how many cuts. */
static int find_cuts(const char *path, long long size, int n, long long *cuts)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC), ncuts = 0;
    if (fd < 0) return 0;
    for (int k = 1; k < n; k++) {
        long long at = line_start_after(fd, size / n * k);
        if (at <= 0 || at >= size || (ncuts && at <= cuts[ncuts - 1])) continue;
        cuts[ncuts++] = at;
    }
    close(fd);
    return ncuts;
}

static pg_agg *read_whole(const pg_ruleset *rs, int source, const char *path, const char *name,
                          int ndjson, int counted, pg_key_filter filter, void *ud, long *errors,
                          pg_diags *d)
{
    pg_agg *agg;
    pg_read_part whole = {0}; /* from the top, no stops: the whole file */
    int rc =
        read_into(rs, source, path, name, ndjson, &whole, counted, filter, ud, &agg, errors, d);
    if (rc < 0 || *errors) {
        pg_agg_free(agg);
        return NULL;
    }
    return agg;
}

pg_agg *pg_ingest_aggregate(const pg_ruleset *rs, int source, const char *path, const char *format,
                            int threads, long long min_part, long *errors, pg_diags *d)
{
    return pg_ingest_aggregate_keyed(rs, source, path, format, threads, min_part, NULL, NULL,
                                     errors, d);
}

pg_agg *pg_ingest_aggregate_keyed(const pg_ruleset *rs, int source, const char *path,
                                  const char *format, int threads, long long min_part,
                                  pg_key_filter filter, void *ud, long *errors, pg_diags *d)
{
    return pg_ingest_aggregate_as(rs, source, path, path, format, threads, min_part, filter, ud, 1,
                                  errors, d);
}

pg_agg *pg_ingest_aggregate_as(const pg_ruleset *rs, int source, const char *path, const char *name,
                               const char *format, int threads, long long min_part,
                               pg_key_filter filter, void *ud, int counted, long *errors,
                               pg_diags *d)
{
    int ndjson = strcmp(format, "ndjson") == 0;
    struct stat sb;
    *errors = 0;
    if (min_part < 1) min_part = 1;
    if (threads < 2 || rs->sources[source].key_field >= 0 || stat(path, &sb) != 0 ||
        sb.st_size / min_part < 2)
        return read_whole(rs, source, path, name, ndjson, counted, filter, ud, errors, d);
    long long size = sb.st_size, want = (long long)threads * PARTS_PER_THREAD;
    int n = (int)(size / min_part < want ? size / min_part : want);
    long long *cuts = pg_xcalloc((size_t)n, sizeof *cuts);
    int ncuts = find_cuts(path, size, n, cuts);
    if (ncuts == 0) {
        free(cuts);
        return read_whole(rs, source, path, name, ndjson, counted, NULL, NULL, errors, d);
    }
    part_job *jobs = pg_xcalloc((size_t)ncuts + 1, sizeof *jobs);
    for (int k = 0; k <= ncuts; k++) {
        jobs[k] = (part_job){.rs = rs,
                             .source = source,
                             .ndjson = ndjson,
                             .path = path,
                             .name = name,
                             .counted = counted};
        jobs[k].part =
            (pg_read_part){.start = k ? cuts[k - 1] : 0, .stops = cuts + k, .nstops = ncuts - k};
    }
    part_pool pool = {.jobs = jobs, .njobs = ncuts + 1};
    pthread_mutex_init(&pool.mu, NULL);
    int nthreads = threads - 1 < ncuts ? threads - 1 : ncuts;
    pthread_t *tids = pg_xcalloc((size_t)nthreads, sizeof *tids);
    int started = 0;
    /* a thread that cannot start leaves its parts to the others, this one included */
    while (started < nthreads && pthread_create(&tids[started], NULL, run_parts, &pool) == 0)
        started++;
    run_parts(&pool);
    for (int k = 0; k < started; k++) pthread_join(tids[k], NULL);
    free(tids);
    pthread_mutex_destroy(&pool.mu);
    /* Keep the chain of parts that start where the part before them stopped. */
    int ok = 1;
    for (int k = 0;;) {
        part_job *j = &jobs[k];
        if (j->rc != 0 || j->errors) ok = 0;
        if (j->part.stopped < 0) break;
        k += j->part.stopped + 1;
    }
    pg_agg *agg = NULL;
    if (ok) {
        agg = jobs[0].agg;
        jobs[0].agg = NULL;
        for (int k = jobs[0].part.stopped + 1; k > 0 && k <= ncuts;) {
            pg_agg_merge(agg, jobs[k].agg);
            if (jobs[k].part.stopped < 0) break;
            k += jobs[k].part.stopped + 1;
        }
    }
    for (int k = 0; k <= ncuts; k++) {
        pg_agg_free(jobs[k].agg);
        pg_diags_free(&jobs[k].d);
    }
    free(jobs);
    free(cuts);
    /* a bad file is read again for its diagnostics, uncounted: its bytes were counted once */
    return ok ? agg : read_whole(rs, source, path, name, ndjson, 0, NULL, NULL, errors, d);
}
