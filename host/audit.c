/* audit.c — GET /api/v1/audit: the append-only audit log, for evaluators and admins.
 *
 * Query parameters filter it as `pinggu audit` does: actor, action, object (the object and
 * everything under it), since and until (ISO 8601, UTC), limit. The log is read on the loop
 * thread: a read of an indexed table is short, and WAL lets it run beside a writer. */
#include "call.h"
#include "reply.h"

#include <stdlib.h>
#include <string.h>

static void get_audit(pg_call *c)
{
    static const char *const keys[] = {"actor", "action", "object", "since", "until", "limit"};
    char *v[6];
    for (int i = 0; i < 6; i++) v[i] = pg_http_query_param(c->req, keys[i]);
    pg_audit_filter f = {v[0], v[1], v[2], v[3], v[4], v[5] ? atoi(v[5]) : 0};
    pg_diags d = {0};
    char *json = NULL;
    if (v[5] && f.limit <= 0) {
        pg_reply_error(c->req, 400, "limit=%s: expected a positive number", v[5]);
    } else if (pg_audit_query(c->h->store, &f, &json, &d) != 0) {
        pg_reply_diags(c->req, 500, "cannot read the audit log", &d, 5);
    } else {
        pg_blob *b = pg_blob_str(json);
        pg_reply_send(c->req, 200, "application/json", NULL, b);
        pg_blob_unref(b);
    }
    for (int i = 0; i < 6; i++) free(v[i]);
    free(json);
    pg_diags_free(&d);
}

const pg_route pg_audit_routes[] = {
    {PG_HTTP_GET, "audit", PG_ROLES_STAFF, get_audit},
    {0, NULL, 0, NULL},
};
