/* reply.c — answering a request of the HTTP API: the counters, the debug access log, and the
 * JSON error shape (reply.h). The texts of an error are made valid UTF-8 here, whatever they
 * quote of the request: an answer is always valid JSON. */
#include "reply.h"

#include "host.h"
#include "log.h"
#include "render.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

/* The length of the valid UTF-8 sequence at s (1 to 4), or 0 when the bytes there are not one
 * (a stray continuation byte, a truncated sequence, an overlong form, a surrogate, or a code
 * point past U+10FFFF). */
static int utf8_seq(const unsigned char *s)
{
    if (s[0] < 0x80) return 1;
    int n = s[0] >= 0xC2 && s[0] <= 0xDF   ? 2
            : s[0] >= 0xE0 && s[0] <= 0xEF ? 3
            : s[0] >= 0xF0 && s[0] <= 0xF4 ? 4
                                           : 0;
    for (int i = 1; i < n; i++)
        if ((s[i] & 0xC0) != 0x80) return 0;
    if ((s[0] == 0xE0 && s[1] < 0xA0) || (s[0] == 0xED && s[1] > 0x9F) ||
        (s[0] == 0xF0 && s[1] < 0x90) || (s[0] == 0xF4 && s[1] > 0x8F))
        return 0;
    return n;
}

/* Adds `text` to `o` as a string that is valid UTF-8: cJSON copies bytes as they are, and a
 * message that quotes what a client sent (a percent-decoded path, a query value, a CSV field)
 * would otherwise make the whole answer invalid UTF-8. Each byte that is not part of a valid
 * sequence is written as the four characters \xNN, so the message still shows what came. */
static void add_text(cJSON *o, const char *key, const char *text)
{
    const unsigned char *s = (const unsigned char *)text;
    size_t len = strlen(text), o_len = 0;
    char *clean = NULL;
    for (size_t i = 0; i < len;) {
        int n = utf8_seq(s + i);
        if (n && !clean) {
            i += (size_t)n;
            continue;
        }
        if (!clean) { /* the first bad byte: copy what came before it */
            clean = pg_xmalloc(len * 4 + 1);
            memcpy(clean, text, i);
            o_len = i;
        }
        if (n) {
            memcpy(clean + o_len, s + i, (size_t)n);
            o_len += (size_t)n, i += (size_t)n;
        } else {
            o_len += (size_t)snprintf(clean + o_len, 5, "\\x%02x", s[i]);
            i++;
        }
    }
    if (clean) clean[o_len] = '\0';
    cJSON_AddStringToObject(o, key, clean ? clean : text);
    free(clean);
}

static cJSON *error_object(int status, const char *message)
{
    cJSON *o = cJSON_CreateObject();
    cJSON *e = cJSON_AddObjectToObject(o, "error");
    cJSON_AddNumberToObject(e, "status", status);
    add_text(e, "message", message);
    return o;
}

void pg_reply_error(pg_http_req *req, int status, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* every 503 of the API is for a while: starting, shutting down, workers stuck */
    const char *hdr = status == 401   ? "WWW-Authenticate: Bearer realm=\"pinggu\"\r\n"
                      : status == 503 ? "Retry-After: 5\r\n"
                                      : NULL;
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
        if (d->v[i].file) add_text(o, "file", d->v[i].file);
        if (d->v[i].line) cJSON_AddNumberToObject(o, "line", d->v[i].line);
        if (d->v[i].col) cJSON_AddNumberToObject(o, "column", d->v[i].col);
        add_text(o, "message", d->v[i].msg);
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
