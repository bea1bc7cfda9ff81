/* rectify.c — 整改: a unit's answer to an item of its 问题清单, and the evaluator's verdict
 * (record.h, table `rectification` of schema 7).
 *
 * The 问题清单 is computed from results (core/report/issues_list.c) and never stored; a row
 * here holds only what people said about one item (unit, scheme, period, indicator): the unit's
 * note and evidence when it marks the item 已整改, then 已核实 (verified) or 未通过 (rejected)
 * with the evaluator's reason. A rejected item may be marked again; a verified one is final.
 * Whether the item is on the unit's list is the caller's to check (it holds the result). Each
 * write is one BEGIN IMMEDIATE … COMMIT with its audit entry, the row as it was and as it is. */
#include "record.h"
#include "base.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static cJSON *row_json(sqlite3_stmt *s)
{
    cJSON *o = cJSON_CreateObject();
    for (int i = 0; i < sqlite3_column_count(s); i++) {
        const char *name = sqlite3_column_name(s, i);
        if (sqlite3_column_type(s, i) == SQLITE_NULL)
            cJSON_AddNullToObject(o, name);
        else if (sqlite3_column_type(s, i) == SQLITE_INTEGER)
            cJSON_AddNumberToObject(o, name, (double)sqlite3_column_int64(s, i));
        else
            cJSON_AddStringToObject(o, name, (const char *)sqlite3_column_text(s, i));
    }
    return o;
}

cJSON *pg_rectify_get(pg_store *st, long id)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(pg_store_db(st), "SELECT * FROM rectification WHERE id = ?", -1, &s,
                           NULL) != SQLITE_OK)
        return NULL;
    sqlite3_bind_int64(s, 1, id);
    cJSON *o = sqlite3_step(s) == SQLITE_ROW ? row_json(s) : NULL;
    sqlite3_finalize(s);
    return o;
}

/* Binds texts 1..n (NULL binds NULL) and steps once. Returns the sqlite step code. */
static int exec(pg_store *st, const char *sql, long id, int n, const char *const *v, pg_diags *d)
{
    sqlite3_stmt *s;
    if (pg_store_prepare(st, sql, &s, d) != 0) return -EIO;
    for (int i = 0; i < n; i++) sqlite3_bind_text(s, i + 1, v[i], -1, SQLITE_TRANSIENT);
    if (id) sqlite3_bind_int64(s, n + 1, id);
    int rc = sqlite3_step(s) == SQLITE_DONE ? 0 : pg_store_fail(st, "writing the 整改 record", d);
    sqlite3_finalize(s);
    return rc;
}

static int audit(pg_store *st, const char *actor, const char *action, long id, const cJSON *before,
                 const cJSON *after, pg_diags *d)
{
    char object[48];
    snprintf(object, sizeof object, "rectification/%ld", id);
    char *b = before ? cJSON_PrintUnformatted(before) : NULL;
    char *a = after ? cJSON_PrintUnformatted(after) : NULL;
    int rc = pg_audit_append(st, actor, action, object, b, a, d);
    free(b), free(a);
    return rc;
}

static int blank(const char *s)
{
    return !s || !s[strspn(s, " \t\r\n")];
}

/* 1 when `sql` with the texts a, b finds a row. */
static int exists(pg_store *st, const char *sql, const char *a, const char *b)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(pg_store_db(st), sql, -1, &s, NULL) != SQLITE_OK) return 0;
    sqlite3_bind_text(s, 1, a, -1, SQLITE_STATIC);
    if (b) sqlite3_bind_text(s, 2, b, -1, SQLITE_STATIC);
    int found = sqlite3_step(s) == SQLITE_ROW;
    sqlite3_finalize(s);
    return found;
}

int pg_rectify_mark(pg_store *st, const pg_rectify_in *in, const char *actor, long *id, pg_diags *d)
{
    if (blank(in->note)) {
        pg_error(d, NULL, 0, "整改说明 (note) is required: what was done about the item");
        return -EINVAL;
    }
    if (in->link && strncmp(in->link, "https://", 8) != 0 && strncmp(in->link, "http://", 7) != 0) {
        pg_error(d, NULL, 0, "link '%s': expected an http:// or https:// address", in->link);
        return -EINVAL;
    }
    /* a unit cites only evidence it uploaded itself (schema 4), as its self-reports do */
    if (in->evidence &&
        !(in->own ? exists(st, "SELECT 1 FROM evidence_owner WHERE hash = ? AND unit = ?",
                           in->evidence, in->unit)
                  : exists(st, "SELECT 1 FROM evidence WHERE hash = ?", in->evidence, NULL))) {
        pg_error(d, NULL, 0,
                 "evidence '%s' is not stored%s; upload the file first (POST /api/v1/evidence)",
                 in->evidence, in->own ? " for this unit" : "");
        return -EINVAL;
    }
    char now[32];
    pg_store_now(now);
    int rc = pg_store_begin(st, d);
    if (rc != 0) return rc;
    sqlite3_stmt *s;
    long old = 0;
    if (pg_store_prepare(st,
                         "SELECT id FROM rectification WHERE unit = ? AND scheme = ? AND period = ?"
                         " AND indicator = ?",
                         &s, d) == 0) {
        const char *k[] = {in->unit, in->scheme, in->period, in->indicator};
        for (int i = 0; i < 4; i++) sqlite3_bind_text(s, i + 1, k[i], -1, SQLITE_STATIC);
        if (sqlite3_step(s) == SQLITE_ROW) old = (long)sqlite3_column_int64(s, 0);
        sqlite3_finalize(s);
    } else
        rc = -EIO;
    cJSON *before = old ? pg_rectify_get(st, old) : NULL, *after = NULL;
    const char *status = before ? cJSON_GetStringValue(cJSON_GetObjectItem(before, "status")) : "";
    if (rc == 0 && old && strcmp(status, "verified") == 0) {
        pg_error(d, NULL, 0, "the 整改 of %s %s was verified already (#%ld); it is final",
                 in->indicator, in->period, old);
        rc = -EALREADY;
    }
    if (rc == 0 && old) {
        const char *v[] = {in->note, in->evidence, in->link, actor, now};
        rc = exec(st,
                  "UPDATE rectification SET status = 'submitted', note = ?, evidence = ?, link = ?,"
                  " submitted_by = ?, submitted_at = ?, reviewed_by = NULL, reviewed_at = NULL,"
                  " reason = NULL WHERE id = ?",
                  old, 5, v, d);
        *id = old;
    } else if (rc == 0) {
        const char *v[] = {in->unit, in->scheme, in->period, in->indicator, in->note, in->evidence,
                           in->link, actor,      now};
        rc = exec(st,
                  "INSERT INTO rectification (unit, scheme, period, indicator, note, evidence,"
                  " link, submitted_by, submitted_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                  0, 9, v, d);
        *id = (long)sqlite3_last_insert_rowid(pg_store_db(st));
    }
    if (rc == 0) {
        after = pg_rectify_get(st, *id);
        rc = audit(st, actor, "rectify.mark", *id, before, after, d);
    }
    if (rc == 0) rc = pg_store_commit(st, d);
    if (rc != 0) pg_store_rollback(st);
    cJSON_Delete(before), cJSON_Delete(after);
    return rc;
}

int pg_rectify_review(pg_store *st, long id, int verify, const char *reason, const char *actor,
                      pg_diags *d)
{
    if (!verify && blank(reason)) {
        pg_error(d, NULL, 0, "a reason is required to reject a 整改 (what is still missing)");
        return -EINVAL;
    }
    int rc = pg_store_begin(st, d);
    if (rc != 0) return rc;
    cJSON *before = pg_rectify_get(st, id), *after = NULL;
    const char *status =
        before ? cJSON_GetStringValue(cJSON_GetObjectItem(before, "status")) : NULL;
    if (!before) {
        pg_error(d, NULL, 0, "there is no 整改 record #%ld", id);
        rc = -ENOENT;
    } else if (strcmp(status, "submitted") != 0) {
        pg_error(d, NULL, 0, "整改 #%ld is %s already; only a submitted one is reviewed", id,
                 status);
        rc = -EALREADY;
    }
    char now[32];
    pg_store_now(now);
    if (rc == 0) {
        const char *v[] = {verify ? "verified" : "rejected", actor, now, reason};
        rc = exec(st,
                  "UPDATE rectification SET status = ?, reviewed_by = ?, reviewed_at = ?,"
                  " reason = ? WHERE id = ?",
                  id, 4, v, d);
    }
    if (rc == 0) {
        after = pg_rectify_get(st, id);
        rc = audit(st, actor, verify ? "rectify.verify" : "rectify.reject", id, before, after, d);
    }
    if (rc == 0) rc = pg_store_commit(st, d);
    if (rc != 0) pg_store_rollback(st);
    cJSON_Delete(before), cJSON_Delete(after);
    return rc;
}

int pg_rectify_list(pg_store *st, const char *unit, const char *scheme, const char *period,
                    cJSON **out, pg_diags *d)
{
    sqlite3_stmt *s;
    int rc = pg_store_prepare(st,
                              "SELECT * FROM rectification WHERE (?1 IS NULL OR unit = ?1) AND"
                              " (?2 IS NULL OR scheme = ?2) AND (?3 IS NULL OR period = ?3)"
                              " ORDER BY id",
                              &s, d);
    if (rc != 0) return rc;
    const char *v[] = {unit, scheme, period};
    for (int i = 0; i < 3; i++) sqlite3_bind_text(s, i + 1, v[i], -1, SQLITE_STATIC);
    cJSON *arr = cJSON_CreateArray();
    int step;
    while ((step = sqlite3_step(s)) == SQLITE_ROW) cJSON_AddItemToArray(arr, row_json(s));
    if (step != SQLITE_DONE) rc = pg_store_fail(st, "listing 整改 records", d);
    sqlite3_finalize(s);
    if (rc != 0) cJSON_Delete(arr);
    *out = rc == 0 ? arr : NULL;
    return rc;
}
