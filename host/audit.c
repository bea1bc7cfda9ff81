/* audit.c — GET /api/v1/audit: the append-only audit log, for evaluators and admins.
 *
 * Query parameters filter it as `pinggu audit` does: actor, action, object (the object and
 * everything under it), since and until (ISO 8601, UTC), limit. since, until and limit are
 * read by call.c's parsers: a value that is not a time or a whole number is a 400 naming it.
 * The log is read on the loop thread: a read of an indexed table is short, and WAL lets it run
 * beside a writer. */
#include "call.h"
#include "reply.h"

#include <limits.h>
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

const pg_route pg_audit_routes[] = {
    {PG_HTTP_GET, "audit", PG_ROLES_STAFF, get_audit},
    {0, NULL, 0, NULL},
};
