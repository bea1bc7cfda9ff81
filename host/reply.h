/* reply.h — answering a request of the HTTP API, and the one shape of its errors.
 *
 * Every answer of the API (the router's, every handler's, a job's when it finishes) goes out
 * through pg_reply_send(), so the request counters of /metrics and the debug access log see each
 * one. Errors are
 *   {"error": {"status": 404, "message": "…"[, "errors": [{file?, line?, column?, message}…],
 *              "total": n]}}
 * with "errors" and "total" only when the answer reports diagnostics (pg_reply_diags). Their texts
 * are made valid UTF-8 (a byte that is not is shown as \xNN), so an error quoting a client's
 * bytes (a path, a query value, a CSV field) is still valid JSON.
 *
 * This file sits below the router (api.c) and below every handler module: it calls http.c,
 * metrics.c, render.c and log.c only, never back up, so a handler answering does not call into
 * the code that routed to it.
 *
 * Lifetimes: each pg_reply_* answers `req` exactly once and the request is freed there (http.h):
 * the caller must not touch it after. A body passed as a blob keeps the caller's reference; a
 * body passed as a cJSON tree is taken (deleted). Loop thread only. */
#ifndef PG_REPLY_H
#define PG_REPLY_H

#include "blob.h"
#include "base.h"
#include "http.h"

#include <cJSON.h>

/* Answers with `b` (NULL: no body); `headers` as for pg_http_respond. Counts the answer for the
 * host in req->data, when the router set it. */
void pg_reply_send(pg_http_req *req, int status, const char *type, const char *headers, pg_blob *b);
/* Answers with `body` printed compactly; takes `body`. */
void pg_reply_json(pg_http_req *req, int status, cJSON *body);
/* Answers {"error": {"status", "message"}}; a 401 also carries WWW-Authenticate, a 503
 * Retry-After. */
void pg_reply_error(pg_http_req *req, int status, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Answers {"error": {"status", "message", "errors": [up to `limit` errors of d], "total"}}. A
 * rejected batch's closing summary ("N bad records: …", naming no line) becomes the message, N
 * the total. */
void pg_reply_diags(pg_http_req *req, int status, const char *message, const pg_diags *d,
                    int limit);
/* Up to `limit` diagnostics of severity `sev` as [{file?, line?, column?, message}]: the array
 * of errors above, also what GET /rules/status shows of a reload. A new tree, the caller's. */
cJSON *pg_reply_diags_json(const pg_diags *d, pg_severity sev, int limit);

#endif
