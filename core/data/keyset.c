/* keyset.c — the keys of a keyed source across its batches (issue 14 §1).
 *
 * The key of every record of a keyed source goes into table record_key,
 * exactly (the field's text), with the batch and the record's position; a PRIMARY KEY (source,
 * key, batch) index answers "who else holds this key" with a B-tree lookup, so memory stays
 * flat however many keys there are. While a file is read its keys go to a TEMP table (the
 * repeats within the file found by its primary key); the transaction that stores the batch
 * copies them over and settles the keys (pg_keys_settle): for each key held by more than one
 * active batch, the source's on_duplicate picks the record that counts — none may (reject: the
 * batch is refused), the earliest batch's (keep_first) or the latest's (replace) — and every
 * other holder's row gets counts = 0. A batch whose counted records changed gets a new
 * keys_gen, and its partials (computed at the old one) are recomputed from its raw copy the
 * next time values are taken (batch.c), reading only the records that count
 * (pg_keys_read_stored); the cost of a repeat is one more read of the batches it touches.
 * Withdrawing, replacing or restoring only marks the batch (key_state 2): withdraw has no rule
 * set to decide by, so the next ingest or evaluation of the source settles, which brings back
 * the records the withdrawn batch shadowed. */
#include "keyset.h"
#include "batch_row.h"
#include "ingest_parallel.h"
#include "base.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Repeated keys a refused batch's message lists (then the total), like bad records. */
#define KEYS_LISTED 20

static const char *const dup_names[] = {"reject", "keep_first", "replace"};

/* The TEMP tables of this connection: the keys of the file being read (new_key) or of a stored
 * batch being indexed (idx_key). TEMP tables need no lock on the
 * database and go to a temporary file beyond SQLite's cache, so memory stays flat. */
static int key_tables(pg_store *st, pg_diags *d)
{
    /* 12 MiB of page cache each for the TEMP tables and the store (SQLite's default is 2 MiB):
     * a file's keys, then their copy into record_key and its index, touch fewer pages on disk
     * again; within the ingest's 64 MB */
    return pg_store_exec(
        st,
        "PRAGMA temp.cache_size = -12288; PRAGMA main.cache_size = -12288;"
        "CREATE TEMP TABLE IF NOT EXISTS new_key (key TEXT PRIMARY KEY, record INTEGER NOT NULL)"
        " WITHOUT ROWID;"
        "CREATE TEMP TABLE IF NOT EXISTS idx_key (key TEXT PRIMARY KEY, record INTEGER NOT NULL)"
        " WITHOUT ROWID;",
        d);
}

/* Keys known to be new wait here and go to the TEMP table this many at a time, by one
 * statement of that many rows (or sooner, once their text reaches PENDING_BYTES). */
#define PENDING_ROWS 64
#define PENDING_BYTES (1 << 20)

typedef struct {
    pg_store *st;
    sqlite3_stmt *q;    /* INSERT OR IGNORE of one key: is it new? */
    sqlite3_stmt *many; /* INSERT of PENDING_ROWS keys known to be new */
    const char *table;  /* the TEMP table the keys go to */
    /* The greatest key seen so far (by bytes, then length; any total order would do): a key
     * above it cannot have been seen, so it needs no lookup and waits in `pend` to be inserted
     * with others. Exports are mostly in key order, where this holds for nearly every key;
     * a key not above it is looked up as before (after the waiting keys are in). */
    char *max;
    size_t maxlen, maxcap;
    int have_max;
    char *pend; /* the waiting keys' text, one after the other */
    size_t pendlen, pendcap;
    int npend, pkeylen[PENDING_ROWS];
    long prec[PENDING_ROWS];
    char why[300];
} key_ctx;

static int key_fail(key_ctx *k, const char **why)
{
    snprintf(k->why, sizeof k->why, "keeping the key: %s", sqlite3_errmsg(pg_store_db(k->st)));
    *why = k->why;
    return -1;
}

/* Inserts the waiting keys: all at once when there are PENDING_ROWS of them, else one by one
 * through q (which then finds none of them there: each was above every key before it). */
static int flush_pending(key_ctx *k, const char **why)
{
    const char *p = k->pend;
    if (k->npend == PENDING_ROWS) {
        sqlite3_reset(k->many);
        for (int i = 0; i < k->npend; i++) {
            sqlite3_bind_text(k->many, 2 * i + 1, p, k->pkeylen[i], SQLITE_STATIC);
            sqlite3_bind_int64(k->many, 2 * i + 2, k->prec[i]);
            p += k->pkeylen[i];
        }
        if (sqlite3_step(k->many) != SQLITE_DONE) return key_fail(k, why);
    } else {
        for (int i = 0; i < k->npend; i++) {
            sqlite3_reset(k->q);
            sqlite3_bind_text(k->q, 1, p, k->pkeylen[i], SQLITE_STATIC);
            sqlite3_bind_int64(k->q, 2, k->prec[i]);
            if (sqlite3_step(k->q) != SQLITE_DONE) return key_fail(k, why);
            p += k->pkeylen[i];
        }
    }
    k->npend = 0;
    k->pendlen = 0;
    return 0;
}

/* Whether key[0..len) is above the greatest key seen so far. */
static int above_max(const key_ctx *k, const char *key, size_t len)
{
    if (!k->have_max) return 1;
    int c = memcmp(key, k->max, len < k->maxlen ? len : k->maxlen);
    return c > 0 || (c == 0 && len > k->maxlen);
}

static void grow(char **buf, size_t *cap, size_t need)
{
    if (need <= *cap) return;
    size_t n = *cap ? *cap : 64;
    while (n < need) n *= 2;
    *buf = pg_xrealloc(*buf, n);
    *cap = n;
}

/* The filter of a file being read for a new batch: a key repeated within the file is found by
 * the TEMP table's primary key (the first record with it counts, as before); a key above every
 * key before it is new without a lookup (see key_ctx). */
static int temp_key_filter(void *ud, const char *key, int len, long record, const char **why)
{
    key_ctx *k = ud;
    size_t n = (size_t)len;
    if (above_max(k, key, n)) {
        grow(&k->max, &k->maxcap, n);
        memcpy(k->max, key, n);
        k->maxlen = n;
        k->have_max = 1;
        grow(&k->pend, &k->pendcap, k->pendlen + n);
        memcpy(k->pend + k->pendlen, key, n);
        k->pendlen += n;
        k->pkeylen[k->npend] = len;
        k->prec[k->npend++] = record;
        if ((k->npend == PENDING_ROWS || k->pendlen >= PENDING_BYTES) && flush_pending(k, why))
            return -1;
        return 1;
    }
    /* the waiting keys first, so that the lookup sees every key before this one */
    if (k->npend && flush_pending(k, why)) return -1;
    sqlite3_reset(k->q);
    sqlite3_bind_text(k->q, 1, key, len, SQLITE_STATIC);
    sqlite3_bind_int64(k->q, 2, record);
    if (sqlite3_step(k->q) != SQLITE_DONE) return key_fail(k, why);
    return sqlite3_changes(pg_store_db(k->st)) ? 1 : 0;
}

/* The filter of a stored batch read again: its record counts when it is the batch's first
 * with the key and no other active batch's record counts instead (record_key.counts). */
static int stored_key_filter(void *ud, const char *key, int len, long record, const char **why)
{
    key_ctx *k = ud;
    sqlite3_reset(k->q);
    sqlite3_bind_text(k->q, 2, key, len, SQLITE_STATIC);
    int step = sqlite3_step(k->q);
    if (step == SQLITE_ROW) {
        long first = (long)sqlite3_column_int64(k->q, 0);
        return first != record ? 0 : sqlite3_column_int(k->q, 1) ? 1 : 2;
    }
    snprintf(k->why, sizeof k->why, "key '%.*s' is not in the store's key index%s%s",
             len > 64 ? 64 : len, key, step == SQLITE_DONE ? "" : ": ",
             step == SQLITE_DONE ? "" : sqlite3_errmsg(pg_store_db(k->st)));
    *why = k->why;
    return -1;
}

/* Empties the TEMP table of a file's keys: before it is read again from its copy (a stream's
 * rewind), the keys seen so far must not count as seen. */
static int temp_key_rewind(void *ud)
{
    key_ctx *k = ud;
    char sql[96];
    k->npend = 0, k->pendlen = 0, k->have_max = 0;
    snprintf(sql, sizeof sql, "DELETE FROM temp.%s", k->table);
    pg_diags quiet = {0};
    int rc = pg_store_exec(k->st, sql, &quiet);
    pg_diags_free(&quiet);
    return rc ? -EIO : 0;
}

/* Reads a file of source s with its keys into TEMP table `table` (emptied first): the file at
 * `path`, or, when `sq` is not NULL, the input it describes, read once, hashed and copied
 * (pg_ingest_stream: *src_rc its code, id its hash; its filter is filled in here). Returns
 * the aggregator, or NULL with diagnostics. */
pg_agg *pg_keys_read(const pg_ruleset *rs, int s, pg_store *st, const char *table, const char *path,
                     const char *format, pg_ingest_stream_req *sq, char id[65], int *src_rc,
                     long *errors, pg_diags *d)
{
    char sql[96];
    if (src_rc) *src_rc = 0;
    snprintf(sql, sizeof sql, "DELETE FROM temp.%s", table);
    if (key_tables(st, d) != 0 || pg_store_exec(st, sql, d) != 0) return NULL;
    snprintf(sql, sizeof sql, "INSERT OR IGNORE INTO temp.%s (key, record) VALUES (?, ?)", table);
    key_ctx k = {.st = st, .table = table};
    if (pg_store_prepare(st, sql, &k.q, d) != 0) return NULL;
    /* the same without OR IGNORE, PENDING_ROWS rows at once: those keys are new, and a
     * constraint failure there would be a bug, said as an error */
    char many[96 + PENDING_ROWS * 8];
    int at = snprintf(many, sizeof many, "INSERT INTO temp.%s (key, record) VALUES ", table);
    for (int i = 0; i < PENDING_ROWS; i++)
        at += snprintf(many + at, sizeof many - (size_t)at, "%s(?, ?)", i ? ", " : "");
    if (pg_store_prepare(st, many, &k.many, d) != 0) {
        sqlite3_finalize(k.q);
        return NULL;
    }
    /* one transaction for all the inserts (a savepoint: inside the caller's, if any): one
     * each would commit, and flush the TEMP table's cache, a million times */
    if (pg_store_exec(st, "SAVEPOINT read_keys", d) != 0) {
        sqlite3_finalize(k.q);
        sqlite3_finalize(k.many);
        return NULL;
    }
    pg_agg *agg = NULL;
    if (sq) {
        sq->filter = temp_key_filter;
        sq->rewind = temp_key_rewind;
        sq->ud = &k;
        *src_rc = pg_ingest_stream(sq, &agg, id, errors, d);
    } else {
        agg = pg_ingest_aggregate_keyed(rs, s, path, format, 1, PG_INGEST_MIN_PART, temp_key_filter,
                                        &k, errors, d);
    }
    const char *why = NULL;
    if (agg && k.npend && flush_pending(&k, &why) != 0) { /* the last keys read */
        pg_error(d, path, 0, "%s", why);
        pg_agg_free(agg);
        agg = NULL;
    }
    sqlite3_finalize(k.q);
    sqlite3_finalize(k.many);
    free(k.max);
    free(k.pend);
    if (pg_store_exec(st, "RELEASE read_keys", d) != 0) {
        pg_agg_free(agg);
        return NULL;
    }
    return agg;
}

/* Reads a stored batch again, counting only the records that count now. */
pg_agg *pg_keys_read_stored(const pg_ruleset *rs, int s, pg_store *st, const pg_batch *b,
                            const char *path, long *errors, pg_diags *d)
{
    if (rs->sources[s].key_field < 0)
        return pg_ingest_aggregate(rs, s, path, b->format, pg_ingest_threads(), PG_INGEST_MIN_PART,
                                   errors, d);
    key_ctx k = {.st = st};
    if (pg_store_prepare(st,
                         "SELECT record, counts FROM record_key"
                         " WHERE source = ?1 AND key = ?2 AND batch = ?3",
                         &k.q, d) != 0)
        return NULL;
    sqlite3_bind_text(k.q, 1, b->source, -1, SQLITE_STATIC);
    sqlite3_bind_int64(k.q, 3, b->seq);
    pg_agg *agg = pg_ingest_aggregate_keyed(rs, s, path, b->format, 1, PG_INGEST_MIN_PART,
                                            stored_key_filter, &k, errors, d);
    sqlite3_finalize(k.q);
    return agg;
}

/* Runs one statement with up to two integer/text parameters: ?1 text t, ?2 integer i. */
static int run(pg_store *st, const char *sql, const char *t, long long i, pg_diags *d)
{
    sqlite3_stmt *q;
    int rc = pg_store_prepare(st, sql, &q, d);
    if (rc) return rc;
    if (t) sqlite3_bind_text(q, 1, t, -1, SQLITE_STATIC);
    if (sqlite3_bind_parameter_count(q) >= 2) sqlite3_bind_int64(q, 2, i);
    int step;
    while ((step = sqlite3_step(q)) == SQLITE_ROW) continue;
    if (step != SQLITE_DONE) rc = pg_store_fail(st, "settling the keys", d);
    sqlite3_finalize(q);
    return rc;
}

/* Brings record_key up to date with the source's key and on_duplicate before settling: a
 * changed key field drops the source's keys (every batch is indexed again from its raw copy); a
 * changed on_duplicate settles every batch of the source again. A source that lost its key
 * counts every record again. Inside the caller's write transaction. */
int pg_keys_policy(const pg_ruleset *rs, int s, pg_store *st, pg_diags *d)
{
    const pg_source *src = &rs->sources[s];
    const char *name = src->name;
    const char *key = src->key_field >= 0 ? src->fields[src->key_field].name : NULL;
    const char *dup = dup_names[src->on_duplicate];
    sqlite3_stmt *q;
    int rc = pg_store_prepare(st, "SELECT key_field, on_duplicate FROM key_policy WHERE source = ?",
                              &q, d);
    if (rc) return rc;
    sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
    int had = sqlite3_step(q) == SQLITE_ROW;
    int same_key = had && key && strcmp((const char *)sqlite3_column_text(q, 0), key) == 0;
    int same_dup = had && strcmp((const char *)sqlite3_column_text(q, 1), dup) == 0;
    sqlite3_finalize(q);
    if (same_key && same_dup) return 0;
    if (!same_key) { /* no keys of this source are known to be right: start again */
        rc = run(st, "DELETE FROM record_key WHERE source = ?1", name, 0, d);
        if (rc == 0)
            rc = run(st,
                     "UPDATE batch SET key_state = NULL, keys_gen = keys_gen + (shadowed > 0),"
                     " shadowed = 0 WHERE source = ?1",
                     name, 0, d);
    } else {
        rc = run(st, "UPDATE batch SET key_state = 2 WHERE source = ?1 AND key_state IS NOT NULL",
                 name, 0, d);
    }
    if (rc == 0 && key) {
        rc = pg_store_prepare(st, "INSERT OR REPLACE INTO key_policy VALUES (?, ?, ?)", &q, d);
        if (rc == 0) {
            sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
            sqlite3_bind_text(q, 2, key, -1, SQLITE_STATIC);
            sqlite3_bind_text(q, 3, dup, -1, SQLITE_STATIC);
            if (sqlite3_step(q) != SQLITE_DONE) rc = pg_store_fail(st, "keeping the key policy", d);
            sqlite3_finalize(q);
        }
    } else if (rc == 0) {
        rc = run(st, "DELETE FROM key_policy WHERE source = ?1", name, 0, d);
    }
    return rc;
}

/* Indexes the keys of the active batches of source s that have none in record_key (stored
 * before schema 5, or restored after a key change), from their raw copies; `skip` is the seq of
 * the batch being ingested (its keys come from new_key). */
static int index_batches(const pg_ruleset *rs, const char *datadir, int s, pg_store *st, long skip,
                         pg_diags *d)
{
    sqlite3_stmt *q;
    int rc = pg_store_prepare(st,
                              "SELECT " PG_BATCH_COLS " FROM batch WHERE source = ? AND"
                              " status = 'active' AND key_state IS NULL ORDER BY seq",
                              &q, d);
    if (rc) return rc;
    sqlite3_bind_text(q, 1, rs->sources[s].name, -1, SQLITE_STATIC);
    pg_batch *list = NULL;
    int n = 0;
    while (sqlite3_step(q) == SQLITE_ROW) {
        list = pg_xrealloc(list, sizeof *list * (size_t)(n + 1));
        pg_batch_from_row(&list[n++], q);
    }
    sqlite3_finalize(q);
    for (int i = 0; rc == 0 && i < n; i++) {
        if (list[i].seq == skip) continue;
        char *raw = pg_batch_raw_path(datadir, &list[i]);
        long errors;
        pg_agg *agg =
            pg_keys_read(rs, s, st, "idx_key", raw, list[i].format, NULL, NULL, NULL, &errors, d);
        if (!agg) {
            pg_error(d, raw, 0,
                     "batch %.12s: its keys cannot be indexed: its raw file cannot be read",
                     list[i].id);
            rc = -EIO;
        }
        pg_agg_free(agg);
        free(raw);
        if (rc == 0)
            rc = run(st,
                     "INSERT INTO record_key (source, key, batch, record)"
                     " SELECT ?1, key, ?2, record FROM temp.idx_key",
                     list[i].source, list[i].seq, d);
        if (rc == 0)
            rc = run(st, "UPDATE batch SET key_state = 2 WHERE seq = ?2", NULL, list[i].seq, d);
    }
    pg_batch_list_free(list, n);
    return rc;
}

/* A batch of the source being settled, as pg_keys_settle() needs it. */
typedef struct {
    long seq;
    char id[13];
    int active, touched; /* touched: its status changed (key_state 2) */
    long report;         /* records of the fresh batch this one outranks, or it outranks */
} key_batch;

static key_batch *key_batch_find(key_batch *v, int n, long seq)
{
    int lo = 0, hi = n - 1; /* v is in seq order */
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        if (v[mid].seq == seq) return &v[mid];
        if (v[mid].seq < seq)
            lo = mid + 1;
        else
            hi = mid - 1;
    }
    return NULL;
}

/* Whether a batch of `source` other than `seq` has keys in record_key: when none has, no key
 * of batch seq can be held twice, and its keys need not be looked up one by one (the first
 * batch of a source, the usual big one). */
static int others_have_keys(pg_store *st, const char *source, long seq)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(pg_store_db(st),
                           "SELECT EXISTS (SELECT 1 FROM batch b WHERE b.source = ?1 AND"
                           " b.seq <> ?2 AND EXISTS (SELECT 1 FROM record_key r"
                           " INDEXED BY record_key_batch WHERE r.batch = b.seq))",
                           -1, &q, NULL) != SQLITE_OK)
        return 1;
    sqlite3_bind_text(q, 1, source, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 2, seq);
    int yes = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int(q, 0) : 1;
    sqlite3_finalize(q);
    return yes;
}

/* Settles the keys of source s (see the top of this file), inside the caller's write
 * transaction: for every key of a batch whose status changed that another batch holds too,
 * which active batch's record counts, by the source's on_duplicate. One B-tree lookup a key
 * finds those held twice, one more each settles them; rows of inactive batches are left as they are
 * (they are settled when restored). `fresh` is the seq of the batch being ingested or restored (0:
 * none), reported on: its records that an earlier batch's outrank (keep_first) or the records of
 * other batches it outranks (replace). Returns 0, -EEXIST when on_duplicate = "reject" and active
 * batches share keys (the first 20 listed, with the total), or a store error. */
int pg_keys_settle(const pg_ruleset *rs, const char *datadir, int s, pg_store *st, long fresh,
                   const char *file, pg_diags *d)
{
    const pg_source *src = &rs->sources[s];
    int rc = pg_keys_policy(rs, s, st, d);
    if (rc == 0 && src->key_field < 0) return 0;
    if (rc == 0) rc = index_batches(rs, datadir, s, st, fresh, d);
    if (rc) return rc;
    sqlite3_stmt *qb = NULL, *qk = NULL, *qh = NULL, *qu = NULL;
    rc = pg_store_prepare(st,
                          "SELECT seq, substr(id, 1, 12), status = 'active', key_state = 2"
                          " FROM batch WHERE source = ? ORDER BY seq",
                          &qb, d);
    key_batch *kb = NULL;
    int nb = 0;
    if (rc == 0) sqlite3_bind_text(qb, 1, src->name, -1, SQLITE_STATIC);
    while (rc == 0 && sqlite3_step(qb) == SQLITE_ROW) {
        kb = pg_xrealloc(kb, sizeof *kb * (size_t)(nb + 1));
        kb[nb] = (key_batch){.seq = (long)sqlite3_column_int64(qb, 0),
                             .active = sqlite3_column_int(qb, 2),
                             .touched = sqlite3_column_int(qb, 3)};
        snprintf(kb[nb].id, sizeof kb[nb].id, "%s", (const char *)sqlite3_column_text(qb, 1));
        nb++;
    }
    sqlite3_finalize(qb);
    if (rc == 0)
        rc = pg_store_prepare(st,
                              /* in key order by the index (batch, source, key): an ORDER BY
                               * here made SQLite sort every key of the batch in a temporary
                               * B-tree (the EXISTS keeps it from seeing the index's order) */
                              "SELECT n.key FROM record_key n INDEXED BY record_key_batch"
                              " WHERE n.batch = ?1 AND n.source = ?2 AND EXISTS"
                              " (SELECT 1 FROM record_key o WHERE o.source = ?2 AND"
                              " o.key = n.key AND o.batch <> n.batch)",
                              &qk, d);
    if (rc == 0)
        rc = pg_store_prepare(
            st, "SELECT batch, counts FROM record_key WHERE source = ? AND key = ?", &qh, d);
    if (rc == 0)
        rc = pg_store_prepare(st,
                              "UPDATE record_key SET counts = ? WHERE source = ? AND key = ? AND"
                              " batch = ?",
                              &qu, d);
    if (rc == 0) {
        sqlite3_bind_text(qh, 1, src->name, -1, SQLITE_STATIC);
        sqlite3_bind_text(qu, 2, src->name, -1, SQLITE_STATIC);
    }
    long conflicts = 0, *changed = NULL;
    int nchanged = 0;
    long *hb = NULL; /* the holders of one key: batch seq and flag */
    int *hc = NULL, caph = 0;
    for (int t = 0; rc == 0 && t < nb; t++) {
        if (!kb[t].touched || !others_have_keys(st, src->name, kb[t].seq)) continue;
        sqlite3_reset(qk);
        sqlite3_bind_int64(qk, 1, kb[t].seq);
        sqlite3_bind_text(qk, 2, src->name, -1, SQLITE_STATIC);
        int step;
        while (rc == 0 && (step = sqlite3_step(qk)) == SQLITE_ROW) {
            const char *key = (const char *)sqlite3_column_text(qk, 0);
            int klen = sqlite3_column_bytes(qk, 0);
            sqlite3_reset(qh);
            sqlite3_bind_text(qh, 2, key, klen, SQLITE_STATIC);
            int nh = 0, seen = 0, hstep;
            while ((hstep = sqlite3_step(qh)) == SQLITE_ROW) {
                if (nh == caph) {
                    caph = caph ? caph * 2 : 8;
                    hb = pg_xrealloc(hb, sizeof *hb * (size_t)caph);
                    hc = pg_xrealloc(hc, sizeof *hc * (size_t)caph);
                }
                hb[nh] = (long)sqlite3_column_int64(qh, 0);
                hc[nh] = sqlite3_column_int(qh, 1);
                const key_batch *h = key_batch_find(kb, nb, hb[nh]);
                /* an earlier touched batch holding it has settled this key already */
                if (h && h->touched && h->seq < kb[t].seq) seen = 1;
                nh++;
            }
            if (hstep != SQLITE_ROW && hstep != SQLITE_DONE) {
                rc = pg_store_fail(st, "settling the keys", d);
                break;
            }
            if (nh < 2 || seen) continue;
            long win = 0;
            int nactive = 0;
            for (int i = 0; i < nh; i++) {
                const key_batch *h = key_batch_find(kb, nb, hb[i]);
                if (!h || !h->active) continue;
                nactive++;
                if (!win || (src->on_duplicate == PG_DUP_REPLACE ? hb[i] > win : hb[i] < win))
                    win = hb[i];
            }
            if (src->on_duplicate == PG_DUP_REJECT && nactive > 1) {
                if (conflicts++ < KEYS_LISTED) {
                    char ids[200] = "";
                    size_t at = 0;
                    for (int i = 0; i < nh && at + 16 < sizeof ids; i++) {
                        const key_batch *h = key_batch_find(kb, nb, hb[i]);
                        if (!h || !h->active || h->seq == fresh) continue;
                        at += (size_t)snprintf(ids + at, sizeof ids - at, "%s%s", at ? ", " : "",
                                               h->id);
                    }
                    pg_error(d, file, 0, "key '%s' is %sin batch %s", key, fresh ? "already " : "",
                             ids);
                }
                continue;
            }
            const key_batch *f = fresh ? key_batch_find(kb, nb, fresh) : NULL;
            int has_fresh = 0;
            for (int i = 0; f && f->active && i < nh; i++) has_fresh |= hb[i] == fresh;
            for (int i = 0; has_fresh && i < nh; i++) {
                key_batch *h = key_batch_find(kb, nb, hb[i]);
                if (!h || !h->active || hb[i] == fresh) continue;
                if (win == fresh)
                    h->report++; /* the fresh batch's record counts instead of h's */
                else if (hb[i] == win)
                    h->report--; /* h's counts instead of the fresh batch's */
            }
            for (int i = 0; rc == 0 && i < nh; i++) {
                key_batch *h = key_batch_find(kb, nb, hb[i]);
                if (!h || !h->active) continue;
                int want = hb[i] == win;
                if (hc[i] == want) continue;
                sqlite3_reset(qu);
                sqlite3_bind_int(qu, 1, want);
                sqlite3_bind_text(qu, 3, key, klen, SQLITE_STATIC);
                sqlite3_bind_int64(qu, 4, hb[i]);
                if (sqlite3_step(qu) != SQLITE_DONE) {
                    rc = pg_store_fail(st, "settling the keys", d);
                    break;
                }
                int k = 0;
                while (k < nchanged && changed[k] != hb[i]) k++;
                if (k == nchanged) {
                    changed = pg_xrealloc(changed, sizeof *changed * (size_t)(nchanged + 1));
                    changed[nchanged++] = hb[i];
                }
            }
        }
        if (rc == 0 && step != SQLITE_DONE) rc = pg_store_fail(st, "settling the keys", d);
    }
    sqlite3_finalize(qk), sqlite3_finalize(qh), sqlite3_finalize(qu);
    free(hb), free(hc);
    if (rc == 0 && conflicts) {
        if (fresh)
            pg_error(d, file, 0,
                     "%ld key%s already in another active batch of source '%s' (on_duplicate = "
                     "\"reject\"): the batch is rejected, nothing stored",
                     conflicts, conflicts == 1 ? " is" : "s are", src->name);
        else
            pg_error(d, file, 0,
                     "%ld key%s of source '%s' %s in more than one active batch, and the source "
                     "has on_duplicate = \"reject\": withdraw one of the batches, or declare "
                     "on_duplicate = \"keep_first\" or \"replace\"",
                     conflicts, conflicts == 1 ? "" : "s", src->name,
                     conflicts == 1 ? "is" : "are");
        rc = -EEXIST;
    }
    /* a batch whose counted records changed: a new keys_gen makes its partials stale */
    for (int i = 0; rc == 0 && i < nchanged; i++)
        rc = run(st,
                 "UPDATE batch SET keys_gen = keys_gen + 1, shadowed = (SELECT count(*) FROM"
                 " record_key WHERE batch = ?2 AND counts = 0) WHERE seq = ?2",
                 NULL, changed[i], d);
    free(changed);
    if (rc == 0)
        rc = run(st, "UPDATE batch SET key_state = 1 WHERE source = ?1 AND key_state = 2",
                 src->name, 0, d);
    for (int i = 0; rc == 0 && fresh && i < nb; i++) {
        long n = kb[i].report < 0 ? -kb[i].report : kb[i].report;
        if (kb[i].report > 0)
            pg_warn(d, file, 0,
                    "%ld record%s replace%s those of batch %s with the same key, which no longer "
                    "count (on_duplicate = \"replace\")",
                    n, n == 1 ? "" : "s", n == 1 ? "s" : "", kb[i].id);
        else if (kb[i].report < 0)
            pg_warn(d, file, 0,
                    "%ld record%s repeat%s keys of batch %s and %s dropped (on_duplicate = "
                    "\"keep_first\")",
                    n, n == 1 ? "" : "s", n == 1 ? "s" : "", kb[i].id, n == 1 ? "was" : "were");
    }
    free(kb);
    return rc;
}

/* Whether source s has keys to settle before its values are taken. */
int pg_keys_unsettled(const pg_ruleset *rs, int s, pg_store *st)
{
    const pg_source *src = &rs->sources[s];
    sqlite3_stmt *q;
    const char *key = src->key_field >= 0 ? src->fields[src->key_field].name : "";
    if (sqlite3_prepare_v2(pg_store_db(st),
                           "SELECT (SELECT count(*) FROM batch WHERE source = ?1 AND (key_state = 2"
                           " OR (key_state IS NULL AND status = 'active' AND ?2 <> '')"
                           " OR (?2 = '' AND shadowed > 0)))"
                           " + (?2 <> '' AND NOT EXISTS (SELECT 1 FROM key_policy WHERE"
                           " source = ?1 AND key_field = ?2 AND on_duplicate = ?3)"
                           " AND EXISTS (SELECT 1 FROM batch WHERE source = ?1))",
                           -1, &q, NULL) != SQLITE_OK)
        return 1;
    sqlite3_bind_text(q, 1, src->name, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 2, key, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 3, dup_names[src->on_duplicate], -1, SQLITE_STATIC);
    int n = sqlite3_step(q) == SQLITE_ROW ? sqlite3_column_int(q, 0) : 1;
    sqlite3_finalize(q);
    return n > 0;
}

/* The batch's shadowed count and keys_gen as stored now. */
void pg_keys_reload_counts(pg_store *st, pg_batch *b)
{
    sqlite3_stmt *q;
    if (sqlite3_prepare_v2(pg_store_db(st),
                           "SELECT shadowed, keys_gen, seq FROM batch WHERE id = ?", -1, &q,
                           NULL) != SQLITE_OK)
        return;
    sqlite3_bind_text(q, 1, b->id, -1, SQLITE_STATIC);
    if (sqlite3_step(q) == SQLITE_ROW) {
        b->shadowed = (long)sqlite3_column_int64(q, 0);
        b->keys_gen = (long)sqlite3_column_int64(q, 1);
        b->seq = (long)sqlite3_column_int64(q, 2);
    }
    sqlite3_finalize(q);
}

/* Settles the keys of every source that has batches whose status changed (see the top). */
int pg_keys_settle_all(const pg_ruleset *rs, const char *datadir, pg_store *st, pg_diags *d)
{
    int rc = 0;
    for (int s = 0; rc == 0 && s < rs->nsources; s++) {
        if (!pg_keys_unsettled(rs, s, st)) continue;
        rc = pg_store_begin(st, d);
        if (rc == 0) rc = pg_keys_settle(rs, datadir, s, st, 0, pg_store_path(st), d);
        if (rc == 0)
            rc = pg_store_commit(st, d);
        else
            pg_store_rollback(st);
    }
    return rc;
}

int pg_keys_take_new(pg_store *st, const char *source, long seq, pg_diags *d)
{
    int rc = run(st,
                 "INSERT INTO record_key (source, key, batch, record)"
                 " SELECT ?1, key, ?2, record FROM temp.new_key",
                 source, seq, d);
    if (rc == 0) rc = run(st, "UPDATE batch SET key_state = 2 WHERE seq = ?2", NULL, seq, d);
    return rc;
}
