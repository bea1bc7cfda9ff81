/* reply.c — answering a request of the HTTP API: the counters, the debug access log, and the
 * JSON error shape (reply.h). */
#include "reply.h"

#include "host.h"
#include "log.h"
#include "render.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void pg_reply_send(pg_http_req *req, int status, const char *type, const char *headers, pg_blob *b)
{
    if (req->data) pg_metrics_request(req->data, status, req->start_ns);
    if (pg_log_enabled(PG_LOG_DEBUG)) { /* an access log, for debugging */
        char code[8], ms[32];
        snprintf(code, sizeof code, "%d", status);
        snprintf(ms, sizeof ms, "%.2f", (double)(uv_hrtime() - req->start_ns) / 1e6);
        pg_log(PG_LOG_DEBUG, "answer", "method", req->method_name, "path", req->path, "status",
               code, "ms", ms, "peer", req->peer, NULL);
    }
    pg_http_respond(req, status, type, headers, b);
}

void pg_reply_json(pg_http_req *req, int status, cJSON *body)
{
    pg_blob *b = pg_render_take(body);
    if (!b) b = pg_blob_str("{\"error\":{\"status\":500,\"message\":\"out of memory\"}}");
    pg_reply_send(req, status, "application/json", NULL, b);
    pg_blob_unref(b);
}

static cJSON *error_object(int status, const char *message)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *e = cJSON_AddObjectToObject(o, "error");
    cJSON_AddNumberToObject(e, "status", status);
    cJSON_AddStringToObject(e, "message", message);
    return o;
}

void pg_reply_error(pg_http_req *req, int status, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const char *hdr = status == 401 ? "WWW-Authenticate: Bearer realm=\"pinggu\"\r\n" : NULL;
    pg_blob *b = pg_render_take(error_object(status, msg));
    pg_reply_send(req, status, "application/json", hdr, b);
    pg_blob_unref(b);
}

cJSON *pg_reply_diags_json(const pg_diags *d, pg_severity sev, int limit)
{
    cJSON *a = cJSON_CreateArray();
    for (int i = 0, n = 0; i < d->n && n < limit; i++) {
        if (d->v[i].sev != sev) continue;
        cJSON *o = cJSON_CreateObject();
        if (d->v[i].file) cJSON_AddStringToObject(o, "file", d->v[i].file);
        if (d->v[i].line) cJSON_AddNumberToObject(o, "line", d->v[i].line);
        if (d->v[i].col) cJSON_AddNumberToObject(o, "column", d->v[i].col);
        cJSON_AddStringToObject(o, "message", d->v[i].msg);
        cJSON_AddItemToArray(a, o);
        n++;
    }
    return a;
}

void pg_reply_diags(pg_http_req *req, int status, const char *message, const pg_diags *d, int limit)
{
    /* A rejected batch ends with a summary, "N bad records: the batch is rejected, nothing
     * stored", naming no line: that is the message, N the total, and the rest the errors. */
    const pg_diag *sum = d->n ? &d->v[d->n - 1] : NULL;
    long total = sum && sum->sev == PG_ERROR && !sum->line ? strtol(sum->msg, NULL, 10) : 0;
    pg_diags rest = *d;
    if (total > 0)
        rest.n--, message = sum->msg;
    else
        total = d->errors;
    cJSON *o = error_object(status, message);
    cJSON *e = cJSON_GetObjectItemCaseSensitive(o, "error");
    cJSON_AddItemToObject(e, "errors", pg_reply_diags_json(&rest, PG_ERROR, limit));
    cJSON_AddNumberToObject(e, "total", (double)total);
    pg_reply_json(req, status, o);
}
