/* run.c — recording runs and the content-addressed blobs they name (see run.h).
 *
 * Blobs are stored compressed with zstd (level 9) and marked so (blob.encoding = 'zstd'); a
 * blob stored before compression ('identity', schema version 2) is read as it is, and is not
 * rewritten. The hash is always the SHA-256 of the plain bytes, so ids, runs and reproduction
 * do not depend on how a blob is stored, and every read checks the bytes it returns against it.
 * Why zstd rather than zlib: on a run's result (about 0.5 MB of pretty-printed JSON with its
 * traces) level 9 keeps 8 KB where zlib's default keeps 14 KB, and it decompresses several
 * times faster; level 9 costs a few milliseconds per result, beside an evaluation's hundreds.
 * The frame records the plain size, so a read allocates once.
 *
 * A run's inputs are kept in pieces (schema 8, issue 19 §4): the values of one period and one
 * metric are one content-addressed blob, and the whole is a blob row with no body that lists
 * them (blob_piece). A run after a 1-record batch then stores the few pieces that batch changed,
 * not every value of the year again (46 MB at 3,003 units). The whole's hash stays the SHA-256
 * of the whole plain text, so run ids, the API and reproduction do not see the difference, and
 * a read checks each piece and the whole against their hashes. Where to cut is found by reading
 * the text pg_run_inputs_text made (cut_inputs): a text not of that form is kept whole. */
#include "record.h"

#include "report.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#define BLOB_LEVEL 9
/* A frame that claims more than this is corrupt: no result comes near it. */
#define BLOB_MAX ((unsigned long long)1 << 31)

void pg_run_clear(pg_run *r)
{
    free(r->scheme), free(r->period), free(r->trigger), free(r->actor);
    memset(r, 0, sizeof *r);
}

char *pg_run_result_print(const cJSON *tree)
{
    size_t len;
    char *p = pg_json_print(tree, 1, &len);
    if (!p) return NULL;
    p = pg_xrealloc(p, len + 2); /* pg_report_json's bytes exactly: a newline after */
    memcpy(p + len, "\n", 2);
    return p;
}

char *pg_run_result_text(const pg_result *res)
{
    cJSON *t = pg_report_json_tree(res, -1);
    char *s = pg_run_result_print(t);
    cJSON_Delete(t);
    return s;
}

char *pg_run_inputs_text(const pg_dataset *ds)
{
    return pg_dataset_to_text(ds); /* pg_dataset_to_json's bytes, without the tree */
}

/* 1 when the store holds the blob `hash` already, 0 when not, negative on error. */
static int blob_have(pg_store *st, const char *hash, pg_diags *d)
{
    sqlite3_stmt *s;
    int rc = pg_store_prepare(st, "SELECT 1 FROM blob WHERE hash = ?", &s, d);
    if (rc != 0) return rc;
    sqlite3_bind_text(s, 1, hash, -1, SQLITE_STATIC);
    int step = sqlite3_step(s);
    rc = step == SQLITE_ROW ? 1 : step == SQLITE_DONE ? 0 : pg_store_fail(st, "reading a blob", d);
    sqlite3_finalize(s);
    return rc;
}

int pg_store_blob_put(pg_store *st, const char *body, size_t len, char hash[65], pg_diags *d)
{
    pg_sha256_hex(body, len, hash);
    /* a run after a 1-record batch has every piece of its inputs but a few stored already:
     * compressing the 46 MB of them again at 3,003 units only to be ignored took a second */
    int have = blob_have(st, hash, d);
    if (have != 0) return have < 0 ? have : 0;
    size_t cap = ZSTD_compressBound(len);
    void *z = pg_xmalloc(cap ? cap : 1);
    size_t zlen = ZSTD_compress(z, cap, body, len, BLOB_LEVEL);
    if (ZSTD_isError(zlen)) {
        pg_error(d, pg_store_path(st), 0, "compressing a blob: %s", ZSTD_getErrorName(zlen));
        free(z);
        return -EIO;
    }
    sqlite3_stmt *s;
    int rc = pg_store_prepare(
        st, "INSERT OR IGNORE INTO blob(hash, body, encoding) VALUES (?, ?, 'zstd')", &s, d);
    if (rc == 0) {
        sqlite3_bind_text(s, 1, hash, -1, SQLITE_STATIC);
        sqlite3_bind_blob(s, 2, z, (int)zlen, SQLITE_STATIC);
        if (sqlite3_step(s) != SQLITE_DONE) rc = pg_store_fail(st, "storing a blob", d);
        sqlite3_finalize(s);
    }
    free(z);
    return rc;
}

/* Scans one JSON string at *p (which is at its opening quote) to past its closing quote; the
 * string's body (escapes as they are) into [*s, *e). 0 when the text ends first. */
static int scan_string(const char **p, const char **s, const char **e)
{
    const char *q = *p;
    if (*q != '"') return 0;
    *s = ++q;
    while (*q && *q != '"') q += (*q == '\\' && q[1]) ? 2 : 1;
    if (!*q) return 0;
    *e = q, *p = q + 1;
    return 1;
}

/* Where pg_run_inputs_text's text changes period or metric, as offsets of each piece's start
 * after the first (malloc'd into *cuts; *n of them). The text is {"values":[[unit, period,
 * metric, value, n], ...], ...}: each row's period and metric are compared with the previous
 * row's, and a piece starts at the comma before a row that differs. -EINVAL when the text is
 * not of that form (it is then stored whole). */
static int cut_inputs(const char *text, size_t **cuts, int *n)
{
    static const char head[] = "{\"values\":[";
    *cuts = NULL, *n = 0;
    if (strncmp(text, head, sizeof head - 1) != 0) return -EINVAL;
    const char *p = text + sizeof head - 1, *ps = NULL, *pe = NULL, *ms = NULL, *me = NULL;
    size_t cap = 0;
    while (*p == '[') {
        const char *row = p, *s, *e, *s2, *e2, *s3, *e3;
        p++;
        if (!scan_string(&p, &s, &e) || *p++ != ',' || !scan_string(&p, &s2, &e2) || *p++ != ',' ||
            !scan_string(&p, &s3, &e3))
            goto bad;
        while (*p && *p != ']' && *p != '[' && *p != '"') p++; /* the value and n: numbers */
        if (*p != ']') goto bad;
        p++;
        if (ps && (e2 - s2 != pe - ps || memcmp(s2, ps, (size_t)(e2 - s2)) != 0 ||
                   e3 - s3 != me - ms || memcmp(s3, ms, (size_t)(e3 - s3)) != 0)) {
            if (*n == (int)cap)
                *cuts = pg_xrealloc(*cuts, (cap = cap ? 2 * cap : 64) * sizeof **cuts);
            (*cuts)[(*n)++] = (size_t)(row - 1 - text); /* the comma before the row */
        }
        ps = s2, pe = e2, ms = s3, me = e3;
        if (*p == ',') p++;
    }
    if (*p == ']') return 0;
bad:
    free(*cuts), *cuts = NULL, *n = 0;
    return -EINVAL;
}

int pg_store_blob_put_pieces(pg_store *st, const char *body, size_t len, const size_t *cuts, int n,
                             char hash[65], pg_diags *d)
{
    pg_sha256_hex(body, len, hash);
    int rc = blob_have(st, hash, d);
    if (rc != 0) return rc < 0 ? rc : 0; /* the same inputs as a run before: stored once */
    sqlite3_stmt *s = NULL;
    rc = pg_store_prepare(st,
                          "INSERT INTO blob(hash, body, encoding, pieces) VALUES (?, x'', "
                          "'identity', ?)",
                          &s, d);
    if (rc != 0) return rc;
    sqlite3_bind_text(s, 1, hash, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 2, n + 1);
    if (sqlite3_step(s) != SQLITE_DONE) rc = pg_store_fail(st, "storing a blob", d);
    sqlite3_finalize(s);
    if (rc == 0)
        rc = pg_store_prepare(st, "INSERT INTO blob_piece(hash, seq, piece) VALUES (?, ?, ?)", &s,
                              d);
    for (int i = 0; rc == 0 && i <= n; i++) {
        size_t from = i ? cuts[i - 1] : 0, to = i < n ? cuts[i] : len;
        char piece[65];
        rc = pg_store_blob_put(st, body + from, to - from, piece, d);
        if (rc != 0) break;
        sqlite3_reset(s);
        sqlite3_bind_text(s, 1, hash, -1, SQLITE_STATIC);
        sqlite3_bind_int(s, 2, i);
        sqlite3_bind_text(s, 3, piece, -1, SQLITE_STATIC);
        if (sqlite3_step(s) != SQLITE_DONE) rc = pg_store_fail(st, "storing a blob's piece", d);
    }
    if (s) sqlite3_finalize(s);
    return rc;
}

int pg_store_blob_put_inputs(pg_store *st, const char *inputs, char hash[65], pg_diags *d)
{
    size_t *cuts, len = strlen(inputs);
    int n;
    if (cut_inputs(inputs, &cuts, &n) != 0 || n == 0)
        return pg_store_blob_put(st, inputs, len, hash, d);
    int rc = pg_store_blob_put_pieces(st, inputs, len, cuts, n, hash, d);
    free(cuts);
    return rc;
}

/* The plain bytes of a stored body, NUL-terminated, into *out (malloc'd). */
static int decode(const void *body, size_t n, const char *encoding, char **out, size_t *len)
{
    if (strcmp(encoding, "identity") == 0) {
        *out = pg_xmalloc(n + 1);
        if (n) memcpy(*out, body, n);
        (*out)[n] = 0;
        *len = n;
        return 0;
    }
    if (strcmp(encoding, "zstd") != 0) return -EINVAL;
    unsigned long long size = ZSTD_getFrameContentSize(body, n);
    if (size == ZSTD_CONTENTSIZE_ERROR || size == ZSTD_CONTENTSIZE_UNKNOWN || size > BLOB_MAX)
        return -EINVAL;
    *out = pg_xmalloc((size_t)size + 1);
    size_t got = ZSTD_decompress(*out, (size_t)size, body, n);
    if (ZSTD_isError(got) || got != size) {
        free(*out), *out = NULL;
        return -EINVAL;
    }
    (*out)[size] = 0;
    *len = (size_t)size;
    return 0;
}

/* The whole of a blob kept in pieces: each piece read (and checked) in order, then the whole
 * checked against its hash. */
static int get_pieces(pg_store *st, const char *hash, char **body, size_t *len, pg_diags *d)
{
    sqlite3_stmt *s;
    int rc =
        pg_store_prepare(st, "SELECT piece FROM blob_piece WHERE hash = ? ORDER BY seq", &s, d);
    if (rc != 0) return rc;
    sqlite3_bind_text(s, 1, hash, -1, SQLITE_STATIC);
    char *all = NULL;
    size_t n = 0;
    int step;
    while (rc == 0 && (step = sqlite3_step(s)) == SQLITE_ROW) {
        char piece[65], *p = NULL;
        size_t k = 0;
        snprintf(piece, sizeof piece, "%s", (const char *)sqlite3_column_text(s, 0));
        if ((rc = pg_store_blob_get(st, piece, &p, &k, d)) != 0) break;
        all = pg_xrealloc(all, n + k + 1);
        memcpy(all + n, p, k), n += k;
        free(p);
    }
    if (rc == 0 && step != SQLITE_DONE) rc = pg_store_fail(st, "reading a blob's pieces", d);
    sqlite3_finalize(s);
    char check[65] = "";
    if (rc == 0) {
        if (!all) all = pg_xmalloc(1);
        all[n] = 0;
        pg_sha256_hex(all, n, check);
        if (strcmp(check, hash) != 0) {
            pg_error(d, pg_store_path(st), 0,
                     "blob %.12s… (in pieces) is damaged: its pieces do not make its hash", hash);
            rc = -EIO;
        }
    }
    if (rc != 0) {
        free(all);
        return rc;
    }
    *body = all;
    if (len) *len = n;
    return 0;
}

int pg_store_blob_get(pg_store *st, const char *hash, char **body, size_t *len, pg_diags *d)
{
    *body = NULL;
    sqlite3_stmt *s;
    int rc = pg_store_prepare(st, "SELECT body, encoding, pieces FROM blob WHERE hash = ?", &s, d);
    if (rc != 0) return rc;
    sqlite3_bind_text(s, 1, hash, -1, SQLITE_STATIC);
    int step = sqlite3_step(s);
    if (step == SQLITE_ROW && sqlite3_column_int(s, 2) > 0) {
        sqlite3_finalize(s);
        return get_pieces(st, hash, body, len, d);
    }
    if (step == SQLITE_ROW) {
        size_t n = (size_t)sqlite3_column_bytes(s, 0), plain = 0;
        const char *enc = (const char *)sqlite3_column_text(s, 1);
        char check[65];
        rc = decode(sqlite3_column_blob(s, 0), n, enc ? enc : "?", body, &plain);
        if (rc == 0) pg_sha256_hex(*body, plain, check);
        if (rc != 0 || strcmp(check, hash) != 0) {
            pg_error(d, pg_store_path(st), 0, "blob %.12s… (%s) is damaged: %s", hash,
                     enc ? enc : "?", rc ? "it does not decode" : "its bytes do not have its hash");
            free(*body), *body = NULL;
            rc = -EIO;
        } else if (len) {
            *len = plain;
        }
    } else if (step == SQLITE_DONE) {
        pg_error(d, pg_store_path(st), 0, "no blob %.12s… in the store", hash);
        rc = -ENOENT;
    } else {
        rc = pg_store_fail(st, "reading a blob", d);
    }
    sqlite3_finalize(s);
    return rc;
}

static void bind_text_or_null(sqlite3_stmt *s, int i, const char *v)
{
    if (v)
        sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC);
    else
        sqlite3_bind_null(s, i);
}

int pg_run_record(pg_store *st, pg_run *run, const char *inputs, const char *result, pg_diags *d)
{
    int own = sqlite3_get_autocommit(pg_store_db(st));
    int rc = own ? pg_store_begin(st, d) : 0;
    if (rc == 0 && inputs) rc = pg_store_blob_put_inputs(st, inputs, run->inputs, d);
    if (rc == 0 && !inputs && (rc = blob_have(st, run->inputs, d)) >= 0) rc = rc ? 0 : -ENOENT;
    if (rc == 0 && result) rc = pg_store_blob_put(st, result, strlen(result), run->result, d);
    if (rc == 0 && !result && (rc = blob_have(st, run->result, d)) >= 0) rc = rc ? 0 : -ENOENT;
    sqlite3_stmt *s = NULL;
    if (rc == 0)
        rc = pg_store_prepare(st,
                              "INSERT INTO run(scheme, period, revision, trigger, actor, "
                              "started_at, finished_at, inputs, result, base) "
                              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                              &s, d);
    if (rc == 0) {
        sqlite3_bind_text(s, 1, run->scheme, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, run->period, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, run->revision, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 4, run->trigger, -1, SQLITE_STATIC);
        bind_text_or_null(s, 5, run->actor);
        sqlite3_bind_text(s, 6, run->started_at, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 7, run->finished_at, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 8, run->inputs, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 9, run->result, -1, SQLITE_STATIC);
        if (run->base)
            sqlite3_bind_int64(s, 10, run->base);
        else
            sqlite3_bind_null(s, 10);
        if (sqlite3_step(s) == SQLITE_DONE)
            run->id = (long)sqlite3_last_insert_rowid(pg_store_db(st));
        else
            rc = pg_store_fail(st, "recording the run", d);
    }
    sqlite3_finalize(s);
    if (own) {
        if (rc == 0)
            rc = pg_store_commit(st, d);
        else
            pg_store_rollback(st);
    }
    return rc;
}

static char *column_dup(sqlite3_stmt *s, int i)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    return t ? pg_xstrdup((const char *)t) : NULL;
}

static void column_copy(sqlite3_stmt *s, int i, char *dst, size_t n)
{
    const unsigned char *t = sqlite3_column_text(s, i);
    snprintf(dst, n, "%s", t ? (const char *)t : "");
}

#define RUN_COLUMNS                                                                                \
    "id, scheme, period, revision, trigger, actor, started_at, finished_at, inputs, result, base"

static void read_row(sqlite3_stmt *s, pg_run *r)
{
    r->id = (long)sqlite3_column_int64(s, 0);
    r->scheme = column_dup(s, 1);
    r->period = column_dup(s, 2);
    column_copy(s, 3, r->revision, sizeof r->revision);
    r->trigger = column_dup(s, 4);
    r->actor = column_dup(s, 5);
    column_copy(s, 6, r->started_at, sizeof r->started_at);
    column_copy(s, 7, r->finished_at, sizeof r->finished_at);
    column_copy(s, 8, r->inputs, sizeof r->inputs);
    column_copy(s, 9, r->result, sizeof r->result);
    r->base = (long)sqlite3_column_int64(s, 10);
}

int pg_run_get(pg_store *st, long id, pg_run *out, pg_diags *d)
{
    memset(out, 0, sizeof *out);
    sqlite3_stmt *s;
    int rc = pg_store_prepare(st, "SELECT " RUN_COLUMNS " FROM run WHERE id = ?", &s, d);
    if (rc != 0) return rc;
    sqlite3_bind_int64(s, 1, id);
    int step = sqlite3_step(s);
    if (step == SQLITE_ROW)
        read_row(s, out);
    else if (step == SQLITE_DONE)
        rc = -ENOENT;
    else
        rc = pg_store_fail(st, "reading a run", d);
    sqlite3_finalize(s);
    return rc;
}

cJSON *pg_run_json(const pg_run *r)
{
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "id", (double)r->id);
    pg_json_str(o, "scheme", r->scheme);
    pg_json_str(o, "period", r->period);
    pg_json_str(o, "rules_revision", r->revision);
    pg_json_str(o, "trigger", r->trigger);
    pg_json_str(o, "actor", r->actor);
    pg_json_str(o, "started_at", r->started_at);
    pg_json_str(o, "finished_at", r->finished_at);
    pg_json_str(o, "inputs", r->inputs);
    pg_json_str(o, "result", r->result);
    if (r->base)
        cJSON_AddNumberToObject(o, "base", (double)r->base);
    else
        cJSON_AddNullToObject(o, "base");
    return o;
}

int pg_run_list(pg_store *st, const char *scheme, const char *period, int limit, long after,
                cJSON **out, pg_diags *d)
{
    *out = NULL;
    sqlite3_stmt *s;
    int rc = pg_store_prepare(st,
                              "SELECT " RUN_COLUMNS " FROM run"
                              " WHERE (?1 IS NULL OR scheme = ?1) AND (?2 IS NULL OR period = ?2)"
                              " AND (?4 = 0 OR id < ?4)"
                              " ORDER BY id DESC LIMIT ?3",
                              &s, d);
    if (rc != 0) return rc;
    bind_text_or_null(s, 1, scheme);
    bind_text_or_null(s, 2, period);
    sqlite3_bind_int(s, 3, limit > 0 ? limit : 100);
    sqlite3_bind_int64(s, 4, after > 0 ? after : 0);
    cJSON *a = cJSON_CreateArray();
    int step;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) {
        pg_run r = {0};
        read_row(s, &r);
        cJSON_AddItemToArray(a, pg_run_json(&r));
        pg_run_clear(&r);
    }
    if (step != SQLITE_DONE) {
        rc = pg_store_fail(st, "listing runs", d);
        cJSON_Delete(a);
    } else {
        *out = a;
    }
    sqlite3_finalize(s);
    return rc;
}

static long count_of(pg_store *st, const char *sql)
{
    sqlite3_stmt *s;
    long n = -1;
    if (sqlite3_prepare_v2(pg_store_db(st), sql, -1, &s, NULL) != SQLITE_OK) return -1;
    if (sqlite3_step(s) == SQLITE_ROW) n = (long)sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return n;
}

int pg_runs_prunable(pg_store *st, const char *before, long *runs, pg_diags *d)
{
    *runs = 0;
    sqlite3_stmt *s;
    int rc = pg_store_prepare(st,
                              "SELECT count(*) FROM run WHERE finished_at < ?"
                              " AND id NOT IN (SELECT run FROM bulletin)",
                              &s, d);
    if (rc != 0) return rc;
    sqlite3_bind_text(s, 1, before, -1, SQLITE_STATIC);
    if (sqlite3_step(s) == SQLITE_ROW)
        *runs = (long)sqlite3_column_int64(s, 0);
    else
        rc = pg_store_fail(st, "counting runs", d);
    sqlite3_finalize(s);
    return rc;
}

int pg_runs_prune(pg_store *st, const char *before, const char *actor, long *runs, long *blobs,
                  pg_diags *d)
{
    *runs = *blobs = 0;
    int rc = pg_store_begin(st, d);
    if (rc != 0) return rc;
    long r0 = count_of(st, "SELECT count(*) FROM run"),
         b0 = count_of(st, "SELECT count(*) FROM blob");
    sqlite3_stmt *s = NULL;
    rc = pg_store_prepare(st,
                          "DELETE FROM run WHERE finished_at < ?"
                          " AND id NOT IN (SELECT run FROM bulletin)",
                          &s, d);
    if (rc == 0) {
        sqlite3_bind_text(s, 1, before, -1, SQLITE_STATIC);
        if (sqlite3_step(s) != SQLITE_DONE) rc = pg_store_fail(st, "deleting runs", d);
        sqlite3_finalize(s);
    }
    if (rc == 0)
        rc = pg_store_exec(st,
                           "DELETE FROM blob_piece WHERE hash NOT IN (SELECT inputs FROM run)"
                           " AND hash NOT IN (SELECT result FROM run)"
                           " AND hash NOT IN (SELECT pack FROM bulletin_rectify"
                           " WHERE pack IS NOT NULL);"
                           "DELETE FROM blob WHERE hash NOT IN (SELECT inputs FROM run)"
                           " AND hash NOT IN (SELECT result FROM run)"
                           " AND hash NOT IN (SELECT piece FROM blob_piece)"
                           " AND hash NOT IN (SELECT body FROM bulletin_part)"
                           " AND hash NOT IN (SELECT pack FROM bulletin_rectify"
                           " WHERE pack IS NOT NULL)",
                           d);
    long r1 = count_of(st, "SELECT count(*) FROM run"),
         b1 = count_of(st, "SELECT count(*) FROM blob");
    if (rc == 0) {
        char *was = pg_xasprintf("{\"runs\":%ld,\"blobs\":%ld}", r0, b0);
        char *now = pg_xasprintf("{\"runs\":%ld,\"blobs\":%ld,\"before\":\"%s\"}", r1, b1, before);
        rc = pg_audit_append(st, actor, "runs.prune", "runs", was, now, d);
        free(was), free(now);
    }
    if (rc == 0) rc = pg_store_commit(st, d);
    if (rc != 0) {
        pg_store_rollback(st);
        return rc;
    }
    *runs = r0 - r1, *blobs = b0 - b1;
    return 0;
}
