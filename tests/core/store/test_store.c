/* test_store.c — the store's migrations and the batch store (core/store/store.c,
 * core/data/batch.c).
 *
 * Migrations: an empty database becomes version 9 with every table; a version-1 database
 * (made with pg_store_open_file(path, 1, …)) holding batches and partials is migrated to 2
 * with its rows intact; a version-2 database's plain blobs are still read after version 3
 * compresses new ones (whose hash stays the plain bytes', and whose damage is caught); the
 * store's size on disk; a database of a newer version is refused with a message; the audit
 * log refuses UPDATE and DELETE; a version-4 database's JSON partials and unindexed keys
 * are recomputed and indexed from the raw copies once it is version 5 (the JSON read as it was
 * only when the raw copy is gone), and two of its batches that repeat keys are then named. The
 * batch store, on the ingestion fixture's rule set: ingest, the same bytes again, withdraw (twice),
 * bringing a withdrawn batch back, replace (and a bad replacement that changes nothing), value
 * batches merged with the data directory's
 * *.csv files and a value given twice, and a data directory of the previous release (index.json
 * and partials files, made by hand in the old format) imported on first open. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "data.h"
#include "base.h"
#include "store.h"
#include "record.h"

#include <cjson/cJSON.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *tmpdir(void)
{
    char tmpl[] = "/tmp/pinggu-store-XXXXXX";
    assert_non_null(mkdtemp(tmpl));
    return pg_xstrdup(tmpl);
}

static void rmtree(const char *dir)
{
    char *cmd = pg_xasprintf("rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
    free(cmd);
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

/* The first column of the first row of a query, as an integer. */
static long long one(pg_store *st, const char *sql)
{
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(pg_store_db(st), sql, -1, &s, NULL), SQLITE_OK);
    long long v = -1;
    if (sqlite3_step(s) == SQLITE_ROW) v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

static int has_diag(const pg_diags *d, const char *needle)
{
    for (int i = 0; i < d->n; i++)
        if (strstr(d->v[i].msg, needle)) return 1;
    return 0;
}

static const char *tables[] = {
    "batch",           "partial",        "feed_value",    "evidence",   "self_report",
    "evaluator_score", "appeal",         "blob",          "run",        "bulletin",
    "audit",           "evidence_owner", "record_key",    "key_policy", "rule_proposal",
    "rectification",   "blob_piece",     "bulletin_part", "total",      "total_state",
    "bulletin_rectify"};

static void empty_database_is_version_11(void **state)
{
    (void)state;
    char *dir = tmpdir();
    pg_store *st;
    pg_diags d = {0};
    assert_int_equal(pg_store_open(dir, &st, &d), 0);
    assert_int_equal(pg_store_version(st), PG_STORE_VERSION);
    assert_int_equal(PG_STORE_VERSION, 11);
    for (size_t i = 0; i < sizeof tables / sizeof *tables; i++) {
        char *q = pg_xasprintf("SELECT count(*) FROM sqlite_master WHERE type = 'table' AND "
                               "name = '%s'",
                               tables[i]);
        assert_int_equal(one(st, q), 1);
        free(q);
    }
    assert_int_equal(one(st, "SELECT count(*) FROM batch"), 0);
    pg_store_close(st);
    pg_diags_free(&d);
    rmtree(dir);
    free(dir);
}

/* Version 4 records who uploaded evidence: the files of a version-3 database belong to the
 * units whose self-reports cite them; one cited by none has no owner. */
static void version_3_evidence_gets_owners(void **state)
{
    (void)state;
    char *dir = tmpdir();
    char *path = pg_xasprintf("%s/pinggu.db", dir);
    pg_store *st;
    pg_diags d = {0};
    assert_int_equal(pg_store_open_file(path, 3, &st, &d), 0);
    assert_int_equal(
        pg_store_exec(
            st,
            "INSERT INTO evidence VALUES ('e1', 'a.pdf', NULL, 3, 'unit:a', 'T'),"
            " ('e2', 'b.pdf', NULL, 3, 'unit:b', 'T');"
            "INSERT INTO self_report (unit, period, metric, value, evidence, submitted_by,"
            " submitted_at) VALUES ('lufeng', '2021-05', 'm', 1, 'e1', 'unit:a', 'T'),"
            " ('lufeng', '2021-06', 'm', 1, 'e1', 'unit:a', 'T');",
            &d),
        0);
    pg_store_close(st);
    assert_int_equal(pg_store_open_file(path, 4, &st, &d), 0);
    assert_int_equal(pg_store_version(st), 4);
    assert_int_equal(one(st, "SELECT count(*) FROM evidence_owner"), 1);
    assert_int_equal(
        one(st, "SELECT count(*) FROM evidence_owner WHERE hash = 'e1' AND unit = 'lufeng'"), 1);
    pg_store_close(st);
    pg_diags_free(&d);
    free(path);
    rmtree(dir);
    free(dir);
}

static void version_1_is_migrated_with_its_rows(void **state)
{
    (void)state;
    char *dir = tmpdir();
    char *path = pg_xasprintf("%s/pinggu.db", dir);
    pg_store *st;
    pg_diags d = {0};
    assert_int_equal(pg_store_open_file(path, 1, &st, &d), 0);
    assert_int_equal(pg_store_version(st), 1);
    assert_int_equal(one(st, "SELECT count(*) FROM sqlite_master WHERE name = 'feed_value'"), 0);
    assert_int_equal(
        pg_store_exec(st,
                      "INSERT INTO batch (id, source, file, format, records, actor, ingested_at)"
                      " VALUES ('aa', 'cases', 'a.csv', 'csv', 3, 'me', '2021-05-01T00:00:00Z'),"
                      " ('bb', 'cases', 'b.csv', 'csv', 4, 'me', '2021-05-02T00:00:00Z');"
                      "UPDATE batch SET status = 'replaced', replaced_by = 'bb' WHERE id = 'aa';"
                      "INSERT INTO partial VALUES ('aa', 'n', 'd1', '[]'), ('bb', 'n', 'd1', "
                      "'[[\"ga\",\"2021-05\",4]]');",
                      &d),
        0);
    pg_store_close(st);
    assert_int_equal(pg_store_open_file(path, PG_STORE_VERSION, &st, &d), 0);
    assert_int_equal(pg_store_version(st), PG_STORE_VERSION);
    assert_int_equal(one(st, "SELECT count(*) FROM batch"), 2);
    assert_int_equal(one(st, "SELECT records FROM batch WHERE id = 'bb'"), 4);
    assert_int_equal(one(st, "SELECT count(*) FROM batch WHERE status = 'replaced' AND "
                             "replaced_by = 'bb'"),
                     1);
    assert_int_equal(one(st, "SELECT count(*) FROM partial"), 2);
    assert_int_equal(one(st, "SELECT count(*) FROM feed_value"), 0);
    pg_store_close(st);
    /* and the batch store reads it */
    pg_batch *b;
    int n;
    assert_int_equal(pg_batch_list(dir, &b, &n, &d), 0);
    assert_int_equal(n, 2);
    assert_string_equal(b[0].status, "replaced");
    assert_string_equal(b[0].replaced_by, "bb");
    assert_true(b[1].active);
    pg_batch_list_free(b, n);
    pg_diags_free(&d);
    free(path);
    rmtree(dir);
    free(dir);
}

static void blobs_compressed_old_ones_read(void **state)
{
    (void)state;
    char *dir = tmpdir();
    char *path = pg_xasprintf("%s/pinggu.db", dir);
    pg_store *st;
    pg_diags d = {0};
    /* a version-2 store holds a plain blob: sha256("{\"old\":true}") */
    const char *old = "dd5bd9926ee66fb517ac5a2617d13c198732f640705f5edc0438c9fe0b257d3e";
    assert_int_equal(pg_store_open_file(path, 2, &st, &d), 0);
    assert_int_equal(
        pg_store_exec(st,
                      "INSERT INTO blob(hash, body) VALUES ('dd5bd9926ee66fb517ac5a2617d13c19"
                      "8732f640705f5edc0438c9fe0b257d3e', CAST('{\"old\":true}' AS BLOB))",
                      &d),
        0);
    pg_store_close(st);
    assert_int_equal(pg_store_open(dir, &st, &d), 0);
    assert_int_equal(one(st, "SELECT count(*) FROM blob WHERE encoding = 'identity'"), 1);
    char *body = NULL;
    size_t len = 0;
    assert_int_equal(pg_store_blob_get(st, old, &body, &len, &d), 0);
    assert_string_equal(body, "{\"old\":true}");
    assert_int_equal(len, 12);
    free(body);

    /* a new blob is compressed, named by the plain bytes' hash, and reads back whole */
    size_t n = 200000;
    char *big = pg_xmalloc(n + 1);
    static const char row[] = "{\"unit\":\"lufeng\",\"points\":1.5}\n";
    for (size_t i = 0; i < n; i++) big[i] = row[i % (sizeof row - 1)];
    big[n] = 0;
    char hash[65];
    assert_int_equal(pg_store_blob_put(st, big, n, hash, &d), 0);
    assert_int_equal(one(st, "SELECT count(*) FROM blob WHERE encoding = 'zstd'"), 1);
    assert_true(one(st, "SELECT length(body) FROM blob WHERE encoding = 'zstd'") < 2000);
    assert_int_equal(pg_store_blob_get(st, hash, &body, &len, &d), 0);
    assert_int_equal(len, n);
    assert_memory_equal(body, big, n);
    free(body);
    char again[65];
    assert_int_equal(pg_store_blob_put(st, big, n, again, &d), 0);
    assert_string_equal(again, hash);
    assert_int_equal(one(st, "SELECT count(*) FROM blob"), 2);

    /* a damaged body is an error, never other bytes */
    assert_int_equal(pg_store_exec(st,
                                   "UPDATE blob SET body = CAST('{\"new\":true}' AS BLOB),"
                                   " encoding = 'identity' WHERE hash <> 'dd5bd9926ee66fb517ac5a261"
                                   "7d13c198732f640705f5edc0438c9fe0b257d3e'",
                                   &d),
                     0);
    pg_diags e = {0};
    assert_int_equal(pg_store_blob_get(st, hash, &body, &len, &e), -EIO);
    assert_null(body);
    assert_true(has_diag(&e, "damaged"));
    pg_diags_free(&e);

    int64_t db = 0, wal = -1;
    assert_int_equal(pg_store_size(st, &db, &wal), 0);
    assert_true(db > 0);
    assert_true(wal >= 0);
    pg_store_close(st);
    free(big);
    pg_diags_free(&d);
    rmtree(dir);
    free(dir), free(path);
}

static void newer_database_is_refused(void **state)
{
    (void)state;
    char *dir = tmpdir();
    char *path = pg_xasprintf("%s/pinggu.db", dir);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 99", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    pg_store *st = NULL;
    pg_diags d = {0};
    assert_int_equal(pg_store_open(dir, &st, &d), -EPROTO);
    assert_null(st);
    assert_true(has_diag(&d, "schema version 99"));
    assert_true(has_diag(&d, "newer pinggu"));
    pg_diags_free(&d);
    free(path);
    rmtree(dir);
    free(dir);
}

static void audit_is_append_only(void **state)
{
    (void)state;
    char *dir = tmpdir();
    pg_store *st;
    pg_diags d = {0};
    assert_int_equal(pg_store_open(dir, &st, &d), 0);
    assert_int_equal(pg_audit_append(st, "me", "test.act", "thing/1", NULL, "{\"a\":1}", &d), 0);
    assert_int_not_equal(pg_store_exec(st, "UPDATE audit SET actor = 'someone else'", &d), 0);
    assert_int_not_equal(pg_store_exec(st, "DELETE FROM audit", &d), 0);
    assert_true(has_diag(&d, "append-only"));
    assert_int_equal(one(st, "SELECT count(*) FROM audit WHERE actor = 'me'"), 1);
    pg_store_close(st);
    pg_diags_free(&d);
    rmtree(dir);
    free(dir);
}

/* The number of entries pg_audit_query finds with `f`, or -1 when it refuses the filter. */
static int audit_count(pg_store *st, const pg_audit_filter *f, pg_diags *d)
{
    char *json = NULL;
    if (pg_audit_query(st, f, &json, d) != 0) return -1;
    cJSON *a = cJSON_Parse(json);
    int n = cJSON_GetArraySize(a);
    cJSON_Delete(a);
    free(json);
    return n;
}

/* since and until are times: anything else is refused naming which, and a time with an offset
 * is compared in UTC, as the entries are recorded (not as text). */
static void audit_times_are_checked(void **state)
{
    (void)state;
    char *dir = tmpdir();
    pg_store *st;
    pg_diags d = {0};
    assert_int_equal(pg_store_open(dir, &st, &d), 0);
    assert_int_equal(pg_audit_append(st, "me", "test.act", "thing/1", NULL, NULL, &d), 0);
    assert_int_equal(audit_count(st, &(pg_audit_filter){.since = "garbage"}, &d), -1);
    assert_true(has_diag(&d, "since 'garbage'"));
    assert_int_equal(audit_count(st, &(pg_audit_filter){.until = "2021-02-30"}, &d), -1);
    assert_true(has_diag(&d, "until '2021-02-30'"));
    assert_int_equal(audit_count(st, &(pg_audit_filter){.since = "2020-01-01"}, &d), 1);
    assert_int_equal(audit_count(st, &(pg_audit_filter){.until = "2020-01-01T08:00:00+08:00"}, &d),
                     0);
    /* 3000-01-01T07:00+08:00 is 2999-12-31T23:00Z: later than now, whatever its letters say */
    assert_int_equal(audit_count(st, &(pg_audit_filter){.until = "3000-01-01T07:00:00+08:00"}, &d),
                     1);
    char buf[32];
    pg_store_time(1622016000.25, buf);
    assert_string_equal(buf, "2021-05-26T08:00:00.250Z");
    pg_store_close(st);
    pg_diags_free(&d);
    rmtree(dir);
    free(dir);
}

/* object= matches the object and what is under it, as plain text: '%' and '_' match only
 * themselves, and case counts. */
static void audit_object_is_literal(void **state)
{
    (void)state;
    char *dir = tmpdir();
    pg_store *st;
    pg_diags d = {0};
    assert_int_equal(pg_store_open(dir, &st, &d), 0);
    const char *objects[] = {"units",   "units/a", "units/b/c", "unitsx/d",
                             "Units/e", "a%b/c",   "a_b"};
    for (size_t i = 0; i < sizeof objects / sizeof *objects; i++)
        assert_int_equal(pg_audit_append(st, "me", "test.act", objects[i], NULL, NULL, &d), 0);
    struct {
        const char *object;
        int n;
    } cases[] = {{"%", 0},     {"_", 0},       {"unit_", 0}, {"units%", 0}, {"UNITS", 0},
                 {"units", 3}, {"units/b", 1}, {"a%b", 1},   {"a_b", 1},    {"a", 0}};
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        assert_int_equal(audit_count(st, &(pg_audit_filter){.object = cases[i].object}, &d),
                         cases[i].n);
    pg_store_close(st);
    pg_diags_free(&d);
    rmtree(dir);
    free(dir);
}

/* ---- the batch store ---- */

static const char header[] =
    "project_no,org_code,accept_date,result_date,promise_day,channel,fully_online,rating\n";

/* n cases of unit `u` in sampling month 2021-05, numbered from `first`. */
static void write_cases(const char *path, const char *u, int first, int n)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(header, f);
    for (int i = first; i < first + n; i++)
        fprintf(f, "P%05d,%s,2021-05-%02d 10:00:00,2021-05-20 10:00:00,5,网上,true,4\n", i, u,
                1 + i % 20);
    fclose(f);
}

typedef struct {
    pg_ruleset *rs;
    char *dir, *data;
} fx;

static int setup(void **state)
{
    fx *f = pg_xcalloc(1, sizeof *f);
    pg_diags d = {0};
    if (pg_ruleset_load(FIXTURE, &f->rs, &d) != 0) {
        pg_diags_print(&d, stderr);
        return -1;
    }
    pg_diags_free(&d);
    f->dir = tmpdir();
    f->data = pg_xasprintf("%s/data", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fx *f = *state;
    rmtree(f->dir);
    pg_ruleset_free(f->rs);
    free(f->dir), free(f->data), free(f);
    return 0;
}

static int ingest(fx *f, const char *source, const char *path, const char *replaces, pg_batch *b,
                  int *again, pg_diags *d)
{
    pg_batch_req rq = {source, path, "tester", replaces, 1};
    return pg_batch_ingest(f->rs, f->data, &rq, b, again, d);
}

/* The value of metric `m` for unit `u` in `period` (NAN when absent), and the feed's rc. */
static double value_of(fx *f, const char *m, const char *u, const char *period, int *rc,
                       pg_diags *d)
{
    pg_dataset *ds = pg_dataset_new(f->rs);
    *rc = pg_dataset_load_dir(ds, f->data, d);
    if (*rc == 0) *rc = pg_batch_feed(f->rs, f->data, ds, d);
    double v = NAN, n;
    if (*rc == 0 &&
        !pg_dataset_get(ds, pg_period_parse(period), pg_strmap_get(&f->rs->metric_ids, m),
                        pg_unit_find(f->rs, u), &v, &n))
        v = NAN;
    pg_dataset_free(ds);
    return v;
}

static long long count(fx *f, const char *sql)
{
    pg_store *st;
    pg_diags d = {0};
    assert_int_equal(pg_batch_store_open(f->data, &st, &d), 0);
    long long v = one(st, sql);
    pg_store_close(st);
    pg_diags_free(&d);
    return v;
}

static void batch_lifecycle(void **state)
{
    fx *f = *state;
    pg_diags d = {0};
    char *a = pg_xasprintf("%s/a.csv", f->dir), *b2 = pg_xasprintf("%s/b.csv", f->dir);
    char *bad = pg_xasprintf("%s/bad.csv", f->dir);
    write_cases(a, "ga", 1, 6);
    write_cases(b2, "ga", 100, 4);
    write_text(bad, "project_no,org_code,accept_date,result_date,promise_day,channel,"
                    "fully_online,rating\nX1,nobody,2021-05-02 10:00:00,,3,网上,true,5\n");
    pg_batch b;
    int again, rc;
    /* a directory of plain *.csv files gets no database from reading it */
    value_of(f, "n_cases", "ga", "2021-05", &rc, &d);
    assert_int_equal(access(f->data, F_OK), -1);

    assert_int_equal(ingest(f, "cases", a, NULL, &b, &again, &d), 0);
    assert_int_equal(again, 0);
    assert_int_equal(b.records, 6);
    assert_string_equal(b.actor, "tester");
    assert_string_equal(b.status, "active");
    char ida[65];
    strcpy(ida, b.id);
    char *raw = pg_xasprintf("%s/batches/raw/%s.csv", f->data, ida);
    assert_int_equal(access(raw, F_OK), 0);
    pg_batch_clear(&b);
    assert_int_equal(count(f, "SELECT count(DISTINCT definition) FROM partial"), f->rs->nmetrics);
    assert_true(value_of(f, "n_cases", "ga", "2021-05", &rc, &d) == 6);

    /* the same bytes again: nothing changes */
    assert_int_equal(ingest(f, "cases", a, NULL, &b, &again, &d), 0);
    assert_int_equal(again, 1);
    assert_string_equal(b.id, ida);
    pg_batch_clear(&b);
    assert_int_equal(count(f, "SELECT count(*) FROM batch"), 1);
    assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE action = 'batch.ingest'"), 1);

    /* a bad file: nothing stored */
    assert_int_equal(ingest(f, "cases", bad, NULL, &b, &again, &d), -EINVAL);
    assert_true(has_diag(&d, "1 bad record: the batch is rejected, nothing stored"));
    assert_int_equal(count(f, "SELECT count(*) FROM batch"), 1);

    /* withdraw by prefix, twice */
    assert_int_equal(pg_batch_withdraw(f->data, "0123", "admin", NULL, &d), -ENOENT);
    char prefix[13];
    snprintf(prefix, sizeof prefix, "%.12s", ida);
    assert_int_equal(pg_batch_withdraw(f->data, prefix, "admin", &b, &d), 0);
    assert_string_equal(b.status, "withdrawn");
    pg_batch_clear(&b);
    assert_int_equal(pg_batch_withdraw(f->data, prefix, "admin", NULL, &d), -EEXIST);
    assert_true(isnan(value_of(f, "n_cases", "ga", "2021-05", &rc, &d)));
    assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE action = 'batch.withdraw' AND "
                              "actor = 'admin' AND json_extract(before, '$.status') = 'active' "
                              "AND json_extract(after, '$.status') = 'withdrawn'"),
                     1);

    /* the withdrawn bytes again: back, audited */
    assert_int_equal(ingest(f, "cases", a, NULL, &b, &again, &d), 0);
    assert_int_equal(again, 0);
    assert_string_equal(b.status, "active");
    pg_batch_clear(&b);
    assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE action = 'batch.restore' AND "
                              "json_extract(after, '$.status') = 'active'"),
                     1);
    assert_true(value_of(f, "n_cases", "ga", "2021-05", &rc, &d) == 6);

    /* replace: a bad file leaves the old one active; a good one replaces it in one step */
    assert_int_equal(ingest(f, "cases", bad, ida, &b, &again, &d), -EINVAL);
    assert_int_equal(count(f, "SELECT count(*) FROM batch WHERE status = 'active'"), 1);
    assert_int_equal(ingest(f, "cases", b2, "ffff", &b, &again, &d), -ENOENT);
    assert_int_equal(count(f, "SELECT count(*) FROM batch"), 1);
    assert_int_equal(ingest(f, "cases", b2, prefix, &b, &again, &d), 0);
    char idb[65];
    strcpy(idb, b.id);
    pg_batch_clear(&b);
    pg_batch *list;
    int n;
    assert_int_equal(pg_batch_list(f->data, &list, &n, &d), 0);
    assert_int_equal(n, 2);
    assert_string_equal(list[0].status, "replaced");
    assert_string_equal(list[0].replaced_by, idb);
    assert_string_equal(list[1].status, "active");
    pg_batch_list_free(list, n);
    assert_true(value_of(f, "n_cases", "ga", "2021-05", &rc, &d) == 4);
    assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE action = 'batch.replace' AND "
                              "json_extract(after, '$.status') = 'replaced'"),
                     1);
    /* the replaced bytes again while the replacement is active: refused */
    assert_int_equal(ingest(f, "cases", a, NULL, &b, &again, &d), -EEXIST);
    assert_true(has_diag(&d, "both would count the same records"));
    /* an active batch "replaced" by its own bytes (a table pulled again unchanged): no
     * change, not an error, and nothing audited (b652d76; it was refused with -EEXIST) */
    assert_int_equal(ingest(f, "cases", b2, idb, &b, &again, &d), 0);
    assert_int_equal(again, 1);
    assert_string_equal(b.id, idb);
    assert_string_equal(b.status, "active");
    pg_batch_clear(&b);
    assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE action = 'batch.ingest'"), 2);
    assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE action = 'batch.replace'"), 1);
    assert_true(value_of(f, "n_cases", "ga", "2021-05", &rc, &d) == 4);
    free(a), free(b2), free(bad), free(raw);
    pg_diags_free(&d);
}

static void value_batches(void **state)
{
    fx *f = *state;
    pg_diags d = {0};
    int rc, again;
    pg_batch b;
    char *cases = pg_xasprintf("%s/c.csv", f->dir), *v1 = pg_xasprintf("%s/v1.csv", f->dir);
    char *v2 = pg_xasprintf("%s/v2.csv", f->dir), *v3 = pg_xasprintf("%s/v3.csv", f->dir);
    char *vbad = pg_xasprintf("%s/vbad.csv", f->dir);
    write_cases(cases, "rs", 1, 3);
    assert_int_equal(ingest(f, "cases", cases, NULL, &b, &again, &d), 0);
    pg_batch_clear(&b);
    write_text(v1,
               "unit,period,metric,value,n\nzr,2021-07,n_cases,42,\n人社,2021-08,n_cases,7,3\n");
    write_text(v2, "unit,period,metric,value,n\nzr,2021-07,n_cases,43,\n");
    write_text(v3, "unit,period,metric,value,n\nrs,2021-05,n_cases,9,\n");
    write_text(vbad, "unit,period,metric,value,n\nzr,2021-09,n_cases,1,\nzz,2021-09,n_cases,2,\n");
    assert_int_equal(ingest(f, PG_BATCH_VALUES, v1, NULL, &b, &again, &d), 0);
    assert_int_equal(b.records, 2);
    assert_string_equal(b.source, "values");
    char id1[65];
    strcpy(id1, b.id);
    pg_batch_clear(&b);
    assert_true(value_of(f, "n_cases", "zr", "2021-07", &rc, &d) == 42);
    assert_true(value_of(f, "n_cases", "rs", "2021-08", &rc, &d) == 7);
    assert_int_equal(count(f, "SELECT count(*) FROM feed_value"), 2);
    /* all-or-nothing */
    assert_int_equal(ingest(f, PG_BATCH_VALUES, vbad, NULL, &b, &again, &d), -EINVAL);
    assert_int_equal(count(f, "SELECT count(*) FROM feed_value"), 2);
    /* a sample size is a whole number: 2.5 is refused at its line and column */
    write_text(vbad, "unit,period,metric,value,n\nzr,2021-09,n_cases,1,2.5\n");
    pg_diags_free(&d);
    assert_int_equal(ingest(f, PG_BATCH_VALUES, vbad, NULL, &b, &again, &d), -EINVAL);
    assert_true(has_diag(&d, "n: '2.5' is not a sample size (a whole number"));
    assert_true(d.n && d.v[0].line == 2 && d.v[0].col == 5);
    assert_int_equal(count(f, "SELECT count(*) FROM feed_value"), 2);
    pg_diags_free(&d);
    /* a value given by two active batches: an error naming both */
    assert_int_equal(ingest(f, PG_BATCH_VALUES, v2, NULL, &b, &again, &d), 0);
    char id2[65];
    strcpy(id2, b.id);
    pg_batch_clear(&b);
    pg_diags e = {0};
    value_of(f, "n_cases", "zr", "2021-07", &rc, &e);
    assert_int_equal(rc, -EINVAL);
    char n1[13], n2[13];
    snprintf(n1, sizeof n1, "%.12s", id1), snprintf(n2, sizeof n2, "%.12s", id2);
    assert_true(has_diag(&e, n1) && has_diag(&e, n2) && has_diag(&e, "given twice"));
    pg_diags_free(&e);
    /* withdrawn, the other counts */
    assert_int_equal(pg_batch_withdraw(f->data, id1, "admin", NULL, &d), 0);
    assert_true(value_of(f, "n_cases", "zr", "2021-07", &rc, &d) == 43);
    assert_true(isnan(value_of(f, "n_cases", "rs", "2021-08", &rc, &d)));
    /* a value batch and a *.csv of the data directory */
    char *csv = pg_xasprintf("%s/fed.csv", f->data);
    write_text(csv, "unit,period,metric,value,n\nzr,2021-07,n_cases,44,\n");
    value_of(f, "n_cases", "zr", "2021-07", &rc, &e);
    assert_int_equal(rc, -EINVAL);
    assert_true(has_diag(&e, "fed.csv:2") && has_diag(&e, n2));
    pg_diags_free(&e);
    unlink(csv);
    /* a value batch and a computed value */
    assert_int_equal(ingest(f, PG_BATCH_VALUES, v3, NULL, &b, &again, &d), 0);
    pg_batch_clear(&b);
    value_of(f, "n_cases", "rs", "2021-05", &rc, &e);
    assert_int_equal(rc, -EINVAL);
    assert_true(has_diag(&e, "computed from source 'cases'") && has_diag(&e, "v3.csv"));
    pg_diags_free(&e);
    assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE action = 'batch.ingest' AND "
                              "json_extract(after, '$.source') = 'values'"),
                     3);
    free(cases), free(v1), free(v2), free(v3), free(vbad), free(csv);
    pg_diags_free(&d);
}

/* A data directory of the previous release: index.json and partials/<id>.json as it wrote them
 * (one batch with its partials, one withdrawn without them), made by hand. */
static void legacy_import(void **state)
{
    fx *f = *state;
    pg_diags d = {0};
    int rc, again;
    pg_batch b;
    /* the cells the old release would have written: take them from a batch ingested now */
    char *ref = pg_xasprintf("%s/ref", f->dir), *a = pg_xasprintf("%s/a.csv", f->dir);
    char *w = pg_xasprintf("%s/w.csv", f->dir);
    write_cases(a, "ga", 1, 5);
    write_cases(w, "zr", 50, 2);
    char *keep = f->data;
    f->data = ref;
    assert_int_equal(ingest(f, "cases", a, NULL, &b, &again, &d), 0);
    char ida[65];
    strcpy(ida, b.id);
    pg_batch_clear(&b);
    assert_int_equal(ingest(f, "cases", w, NULL, &b, &again, &d), 0);
    char idw[65];
    strcpy(idw, b.id);
    pg_batch_clear(&b);
    pg_store *st;
    assert_int_equal(pg_batch_store_open(ref, &st, &d), 0);
    cJSON *metrics = cJSON_CreateObject();
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(pg_store_db(st),
                                        "SELECT definition, metric, cells FROM partial WHERE "
                                        "batch = ?",
                                        -1, &s, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(s, 1, ida, -1, SQLITE_STATIC);
    while (sqlite3_step(s) == SQLITE_ROW) {
        cJSON *e = cJSON_AddObjectToObject(metrics, (const char *)sqlite3_column_text(s, 0));
        cJSON_AddStringToObject(e, "metric", (const char *)sqlite3_column_text(s, 1));
        cJSON_AddItemToObject(e, "cells", cJSON_Parse((const char *)sqlite3_column_text(s, 2)));
    }
    sqlite3_finalize(s);
    pg_store_close(st);
    f->data = keep;

    char *legacy = pg_xasprintf("%s/legacy", f->dir);
    char *cmd = pg_xasprintf("mkdir -p %s/batches/partials %s/batches/raw && cp %s "
                             "%s/batches/raw/%s.csv && cp %s %s/batches/raw/%s.csv",
                             legacy, legacy, a, legacy, ida, w, legacy, idw);
    assert_int_equal(system(cmd), 0);
    free(cmd);
    cJSON *p = cJSON_CreateObject();
    cJSON_AddStringToObject(p, "source", "cases");
    cJSON_AddItemToObject(p, "metrics", metrics);
    char *text = cJSON_PrintUnformatted(p), *path;
    write_text(path = pg_xasprintf("%s/batches/partials/%s.json", legacy, ida), text);
    free(path), free(text);
    cJSON_Delete(p);
    char *index = pg_xasprintf(
        "{\"batches\":[{\"id\":\"%s\",\"source\":\"cases\",\"file\":\"a.csv\",\"format\":\"csv\","
        "\"ingested_at\":\"2021-06-01T00:00:00Z\",\"records\":5,\"duplicates\":0,\"status\":"
        "\"active\"},{\"id\":\"%s\",\"source\":\"cases\",\"file\":\"w.csv\",\"format\":\"csv\","
        "\"ingested_at\":\"2021-06-02T00:00:00Z\",\"records\":2,\"duplicates\":0,\"status\":"
        "\"withdrawn\"}]}",
        ida, idw);
    write_text(path = pg_xasprintf("%s/batches/index.json", legacy), index);
    free(index);

    f->data = legacy;
    pg_batch *list;
    int n;
    assert_int_equal(pg_batch_list(legacy, &list, &n, &d), 0);
    assert_int_equal(n, 2);
    assert_string_equal(list[0].id, ida);
    assert_string_equal(list[0].actor, "import");
    assert_string_equal(list[0].ingested_at, "2021-06-01T00:00:00Z");
    assert_true(list[0].active);
    assert_string_equal(list[1].status, "withdrawn");
    pg_batch_list_free(list, n);
    assert_int_equal(access(path, F_OK), -1); /* renamed */
    char *imported = pg_xasprintf("%s.imported", path);
    assert_int_equal(access(imported, F_OK), 0);
    assert_int_equal(count(f, "SELECT count(*) FROM partial"), f->rs->nmetrics);
    assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE action = 'batch.ingest' AND "
                              "actor = 'import'"),
                     2);
    assert_true(value_of(f, "n_cases", "ga", "2021-05", &rc, &d) == 5);
    assert_true(isnan(value_of(f, "n_cases", "zr", "2021-05", &rc, &d)));
    /* the withdrawn one has no partials: brought back, they are computed from its raw file */
    assert_int_equal(ingest(f, "cases", w, NULL, &b, &again, &d), 0);
    pg_batch_clear(&b);
    assert_true(value_of(f, "n_cases", "zr", "2021-05", &rc, &d) == 2);
    assert_int_equal(count(f, "SELECT count(*) FROM partial"), 2 * f->rs->nmetrics);
    /* an index that comes back (a crash between commit and rename) imports nothing twice */
    assert_int_equal(rename(imported, path), 0);
    assert_int_equal(pg_batch_list(legacy, &list, &n, &d), 0);
    assert_int_equal(n, 2);
    pg_batch_list_free(list, n);
    assert_int_equal(count(f, "SELECT count(*) FROM audit WHERE action = 'batch.ingest'"), 2);
    f->data = keep;
    free(ref), free(a), free(w), free(legacy), free(path), free(imported);
    pg_diags_free(&d);
}

/* A version-4 data directory: its batch and JSON partials (a count of 999 where the raw copy
 * holds 6 records) migrate as they are; taking values recomputes them from the raw copy as
 * binary cells and indexes the batch's keys; with the raw copy gone, the JSON is read. */
static void version_4_partials_become_exact(void **state)
{
    fx *f = *state;
    pg_diags d = {0};
    char *a = pg_xasprintf("%s/a.csv", f->dir), *scratch = pg_xasprintf("%s/scratch", f->dir);
    write_cases(a, "ga", 1, 6);
    pg_batch_req rq = {"cases", a, "tester", NULL, 1};
    pg_batch b;
    int again, rc;
    assert_int_equal(pg_batch_ingest(f->rs, scratch, &rq, &b, &again, &d), 0);
    /* the same batch, as version 4 kept it */
    assert_int_equal(mkdir(f->data, 0755), 0);
    char *path = pg_xasprintf("%s/pinggu.db", f->data);
    pg_store *st;
    assert_int_equal(pg_store_open_file(path, 4, &st, &d), 0);
    char *sql =
        pg_xasprintf("ATTACH '%s/pinggu.db' AS s;"
                     "INSERT INTO batch (id, source, file, format, records, actor, ingested_at)"
                     " SELECT id, source, file, format, records, actor, ingested_at FROM s.batch;"
                     "INSERT INTO partial SELECT batch, metric, definition,"
                     " '[[\"ga\",\"2021-05\",999,0,0,0,0,null,null,[],[]]]' FROM s.partial;"
                     "DETACH s;",
                     scratch);
    assert_int_equal(pg_store_exec(st, sql, &d), 0);
    pg_store_close(st);
    char *cp = pg_xasprintf("cp -r '%s/batches' '%s/'", scratch, f->data);
    assert_int_equal(system(cp), 0);
    assert_int_equal(pg_store_open_file(path, PG_STORE_VERSION, &st, &d), 0);
    assert_int_equal(pg_store_version(st), PG_STORE_VERSION);
    assert_int_equal(one(st, "SELECT count(*) FROM partial WHERE typeof(cells) = 'text'"),
                     one(st, "SELECT count(*) FROM partial"));
    assert_true(one(st, "SELECT count(*) FROM batch WHERE key_state IS NULL") == 1);
    pg_store_close(st);
    assert_true(value_of(f, "n_cases", "ga", "2021-05", &rc, &d) == 6);
    assert_int_equal(rc, 0);
    assert_int_equal(count(f, "SELECT count(*) FROM partial WHERE typeof(cells) <> 'blob'"), 0);
    assert_int_equal(count(f, "SELECT count(*) FROM record_key"), 6);
    assert_int_equal(count(f, "SELECT key_state FROM batch"), 1);
    /* JSON rows again, and no raw copy to recompute them from: read as they were */
    assert_int_equal(pg_store_open_file(path, PG_STORE_VERSION, &st, &d), 0);
    assert_int_equal(pg_store_exec(st,
                                   "UPDATE partial SET cells = "
                                   "'[[\"ga\",\"2021-05\",999,0,0,0,0,null,null,[],[]]]'",
                                   &d),
                     0);
    pg_store_close(st);
    char *rm = pg_xasprintf("rm '%s/batches/raw/%s.csv'", f->data, b.id);
    assert_int_equal(system(rm), 0);
    assert_true(value_of(f, "n_cases", "ga", "2021-05", &rc, &d) == 999);
    pg_batch_clear(&b);
    pg_diags_free(&d);
    free(a), free(scratch), free(path), free(sql), free(cp), free(rm);
}

/* Two version-4 batches repeating each other's keys (counted twice then): once indexed, the
 * default on_duplicate = "reject" stops the evaluation, naming a key and both batches. */
static void version_4_repeats_are_named(void **state)
{
    fx *f = *state;
    pg_diags d = {0};
    char *a = pg_xasprintf("%s/a.csv", f->dir), *b2 = pg_xasprintf("%s/b.csv", f->dir);
    write_cases(a, "ga", 1, 6);
    write_cases(b2, "ga", 4, 6); /* P00004..P00006 again */
    assert_int_equal(mkdir(f->data, 0755), 0);
    char *path = pg_xasprintf("%s/pinggu.db", f->data);
    pg_store *st;
    assert_int_equal(pg_store_open_file(path, 4, &st, &d), 0);
    const char *files[] = {a, b2};
    for (int i = 0; i < 2; i++) {
        char *scratch = pg_xasprintf("%s/scratch%d", f->dir, i);
        pg_batch_req rq = {"cases", files[i], "tester", NULL, 1};
        pg_batch b;
        int again;
        assert_int_equal(pg_batch_ingest(f->rs, scratch, &rq, &b, &again, &d), 0);
        pg_batch_clear(&b);
        char *sql = pg_xasprintf(
            "ATTACH '%s/pinggu.db' AS s;"
            "INSERT INTO batch (id, source, file, format, records, actor, ingested_at)"
            " SELECT id, source, file, format, records, actor, ingested_at FROM s.batch;"
            "INSERT INTO partial SELECT batch, metric, definition, '[]' FROM s.partial;"
            "DETACH s;",
            scratch);
        assert_int_equal(pg_store_exec(st, sql, &d), 0);
        char *cp = pg_xasprintf("cp -r '%s/batches' '%s/'", scratch, f->data);
        assert_int_equal(system(cp), 0);
        free(sql), free(cp), free(scratch);
    }
    pg_store_close(st);
    int rc;
    pg_diags e = {0};
    value_of(f, "n_cases", "ga", "2021-05", &rc, &e);
    assert_int_equal(rc, -EEXIST);
    int named = 0;
    for (int i = 0; i < e.n; i++) {
        if (strstr(e.v[i].msg, "key 'P00004' is in batch ")) named = 1;
        if (strstr(e.v[i].msg, "3 keys of source 'cases' are in more than one active batch"))
            named |= 2;
    }
    assert_int_equal(named, 3);
    pg_diags_free(&e);
    pg_diags_free(&d);
    free(a), free(b2), free(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(empty_database_is_version_11),
        cmocka_unit_test(version_3_evidence_gets_owners),
        cmocka_unit_test(blobs_compressed_old_ones_read),
        cmocka_unit_test(version_1_is_migrated_with_its_rows),
        cmocka_unit_test(newer_database_is_refused),
        cmocka_unit_test(audit_is_append_only),
        cmocka_unit_test(audit_times_are_checked),
        cmocka_unit_test(audit_object_is_literal),
        cmocka_unit_test_setup_teardown(batch_lifecycle, setup, teardown),
        cmocka_unit_test_setup_teardown(value_batches, setup, teardown),
        cmocka_unit_test_setup_teardown(legacy_import, setup, teardown),
        cmocka_unit_test_setup_teardown(version_4_partials_become_exact, setup, teardown),
        cmocka_unit_test_setup_teardown(version_4_repeats_are_named, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
