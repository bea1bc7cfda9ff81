/* audit.c — GET /api/v1/audit: the append-only audit log, for evaluators and admins; and
 * GET /api/v1/rules/changes, the rule edits of one year as the log records them.
 *
 * Query parameters filter it as `pinggu audit` does: actor, action, object (the object and
 * everything under it), since and until (ISO 8601, UTC), limit. since, until and limit are
 * read by call.c's parsers: a value that is not a time or a whole number is a 400 naming it.
 * The log is read on the loop thread: a read of an indexed table is short, and WAL lets it run
 * beside a writer. */
#include "call.h"
#include "reply.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void get_audit(pg_call *c)
{
    static const char *const keys[] = {"actor", "action", "object"};
    char *v[3], since[32], until[32];
    double t[2];
    long limit = 0;
    int has[2] = {0, 0};
    if ((has[0] = pg_call_query_time(c, "since", &t[0])) < 0 ||
        (has[1] = pg_call_query_time(c, "until", &t[1])) < 0 ||
        pg_call_query_int(c, "limit", 1, INT_MAX, &limit) < 0)
        return; /* answered 400 */
    for (int i = 0; i < 3; i++) v[i] = pg_http_query_param(c->req, keys[i]);
    if (has[0]) pg_store_time(t[0], since);
    if (has[1]) pg_store_time(t[1], until);
    pg_audit_filter f = {.actor = v[0], .action = v[1], .object = v[2], .limit = (int)limit};
    if (has[0]) f.since = since;
    if (has[1]) f.until = until;
    pg_diags d = {0};
    char *json = NULL;
    if (pg_audit_query(c->h->store, &f, &json, &d) != 0) {
        pg_reply_diags(c->req, 500, "cannot read the audit log", &d, 5);
    } else {
        pg_blob *b = pg_blob_str(json);
        pg_reply_send(c->req, 200, "application/json", NULL, b);
        pg_blob_unref(b);
    }
    for (int i = 0; i < 3; i++) free(v[i]);
    free(json);
    pg_diags_free(&d);
}

/* The entries of `action` on object rules/<year>, oldest first, appended to `into`. */
static int rule_entries(pg_call *c, int year, const char *action, cJSON *into, pg_diags *d)
{
    char object[32], *json = NULL;
    snprintf(object, sizeof object, "rules/%d", year);
    pg_audit_filter f = {.action = action, .object = object, .limit = 100000};
    if (pg_audit_query(c->h->store, &f, &json, d) != 0) return -1;
    cJSON *arr = cJSON_Parse(json);
    free(json);
    cJSON *e;
    while (arr && (e = cJSON_DetachItemFromArray(arr, 0))) {
        if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(e, "object")), object) == 0)
            cJSON_AddItemToArray(into, e);
        else
            cJSON_Delete(e); /* rules/<year>/<id>: a rules.weight entry, not an edit */
    }
    cJSON_Delete(arr);
    return 0;
}

static double seq_of(const cJSON *e)
{
    return cJSON_GetNumberValue(cJSON_GetObjectItem(e, "seq"));
}

/* GET /api/v1/rules/changes[?year=][&limit=]: every swap of the year's rules with who made it
 * and what it changed in words, and every failed reload with its first errors, newest first.
 * Read from the audit log, not kept in memory, so that it survives restarts and says exactly
 * what the record says. Each entry: {seq, at, actor, action ("rules.swap" or
 * "rules.reload_failed"), trigger, and for a swap revision_before, revision and changes
 * [{kind, id, part, before, after, text}], for a failure errors [{file, line, message}] and
 * total}. */
static void get_rule_changes(pg_call *c)
{
    long limit = 50;
    if (pg_call_year(c) != 0 || pg_call_query_int(c, "limit", 1, 10000, &limit) < 0) return;
    int year = c->gen->rs->year;
    cJSON *all = cJSON_CreateArray();
    pg_diags d = {0};
    if (rule_entries(c, year, "rules.swap", all, &d) != 0 ||
        rule_entries(c, year, "rules.reload_failed", all, &d) != 0) {
        pg_reply_diags(c->req, 500, "cannot read the audit log", &d, 5);
        cJSON_Delete(all);
        pg_diags_free(&d);
        return;
    }
    int n = cJSON_GetArraySize(all);
    cJSON **v = pg_xmalloc(sizeof *v * (size_t)(n + 1));
    for (int i = 0; i < n; i++) v[i] = cJSON_DetachItemFromArray(all, 0);
    for (int i = 1; i < n; i++) /* newest first, by the log's own order */
        for (int k = i; k > 0 && seq_of(v[k]) > seq_of(v[k - 1]); k--) {
            cJSON *t = v[k];
            v[k] = v[k - 1], v[k - 1] = t;
        }
    cJSON *o = cJSON_CreateObject();
    cJSON_AddNumberToObject(o, "year", year);
    cJSON *list = cJSON_AddArrayToObject(o, "entries");
    for (int i = 0; i < n; i++) {
        if (i >= limit) {
            cJSON_Delete(v[i]);
            continue;
        }
        cJSON *e = cJSON_CreateObject(), *after = cJSON_GetObjectItem(v[i], "after");
        static const char *const keep[] = {"seq", "at", "actor", "action"};
        for (int k = 0; k < 4; k++)
            cJSON_AddItemToObject(e, keep[k],
                                  cJSON_Duplicate(cJSON_GetObjectItem(v[i], keep[k]), 1));
        const char *trigger = cJSON_GetStringValue(cJSON_GetObjectItem(after, "trigger"));
        pg_json_str(e, "trigger", trigger);
        if (strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(v[i], "action")), "rules.swap") == 0) {
            cJSON *before = cJSON_GetObjectItem(v[i], "before");
            pg_json_str(e, "revision_before",
                        cJSON_GetStringValue(cJSON_GetObjectItem(before, "revision")));
            pg_json_str(e, "revision",
                        cJSON_GetStringValue(cJSON_GetObjectItem(after, "revision")));
            cJSON *ch = cJSON_GetObjectItem(after, "changes"); /* absent before the diff existed */
            cJSON_AddItemToObject(e, "changes", ch ? cJSON_Duplicate(ch, 1) : cJSON_CreateArray());
        } else {
            cJSON *errs = cJSON_GetObjectItem(after, "errors");
            cJSON_AddItemToObject(e, "errors",
                                  errs ? cJSON_Duplicate(errs, 1) : cJSON_CreateArray());
            cJSON_AddNumberToObject(e, "total",
                                    cJSON_GetNumberValue(cJSON_GetObjectItem(after, "total")));
        }
        cJSON_AddItemToArray(list, e);
        cJSON_Delete(v[i]);
    }
    free(v);
    cJSON_Delete(all);
    pg_diags_free(&d);
    pg_reply_json(c->req, 200, o);
}

const pg_route pg_audit_routes[] = {
    {PG_HTTP_GET, "audit", PG_ROLES_STAFF, get_audit},
    {PG_HTTP_GET, "rules/changes", PG_ROLES_STAFF, get_rule_changes},
    {0, NULL, 0, NULL},
};
