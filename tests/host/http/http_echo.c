/* http_echo.c — a test server for host/http.c: answers every request with what it received.
 *
 * Usage: http_echo [max_conns [max_conns_per_ip]]. Listens on 127.0.0.1, port 0, with small
 * limits (header 2 KiB, body 4 KiB, bodies in memory 16 KiB, read 400 ms, head 400 ms, idle
 * 800 ms; a body over 4050
 * bytes goes to a temporary file in $HTTP_ECHO_SPILL_DIR, else $TMPDIR) so that the driver
 * can reach each of them quickly, and prints "port N" on stdout. Answers:
 *   /slow?ms=N  the echo, N ms later from a uv timer (an answer given after the handler returns)
 *   /big?n=N    N bytes of 'x' (a response larger than the socket takes at once)
 *   /cached     one 50 KB blob made at start, as the host serves a cached ranking (for wrk)
 *   /stats      the server's counters
 *   /stop       200, then pg_http_stop(); the process exits 0 once everything is closed and
 *               uv_loop_close() agrees, 3 otherwise
 *   /deny…      with a body and without "Authorization: Bearer ok": 401 from the head hook,
 *               before the body is read (as the API refuses a missing token)
 *   anything    {"method","path","query","q","auth","ctype","body","len"} as JSON
 * The echo is built with cJSON, so paths and bodies come back escaped. */
#include "http.h"

#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

typedef struct {
    uv_loop_t *loop;
    pg_http_server *srv;
    pg_blob *cached;
} echo_ctx;

typedef struct {
    uv_timer_t timer;
    pg_http_req *req;
} slow_answer;

static void answer_echo(pg_http_req *req)
{
    cJSON *o = cJSON_CreateObject();
    char *q = pg_http_query_param(req, "q");
    char *text;
    cJSON_AddStringToObject(o, "method", req->method_name);
    cJSON_AddNumberToObject(o, "m", req->method);
    cJSON_AddStringToObject(o, "path", req->path);
    if (req->query) cJSON_AddStringToObject(o, "query", req->query);
    if (q) cJSON_AddStringToObject(o, "q", q);
    if (req->authorization) cJSON_AddStringToObject(o, "auth", req->authorization);
    if (req->content_type) cJSON_AddStringToObject(o, "ctype", req->content_type);
    cJSON_AddStringToObject(o, "body", req->body);
    cJSON_AddNumberToObject(o, "len", (double)req->body_len);
    text = cJSON_PrintUnformatted(o);
    pg_http_respond_str(req, 200, "application/json", "X-Echo: 1\r\n", text);
    free(text);
    free(q);
    cJSON_Delete(o);
}

static void on_slow_close(uv_handle_t *h)
{
    free(h->data);
}

static void on_slow(uv_timer_t *t)
{
    slow_answer *a = t->data;
    answer_echo(a->req);
    uv_close((uv_handle_t *)&a->timer, on_slow_close);
}

/* The head hook: refuses /deny… without the right token, on its headers. */
static void head(pg_http_req *req, void *arg)
{
    (void)arg;
    if (strncmp(req->path, "/deny", 5) == 0 &&
        !(req->authorization && strcmp(req->authorization, "Bearer ok") == 0))
        pg_http_respond_str(req, 401, "application/json", "WWW-Authenticate: Bearer\r\n",
                            "{\"error\":\"a token is needed\"}");
}

static void on_stopped(void *arg)
{
    echo_ctx *e = arg;
    e->srv = NULL;
    fprintf(stderr, "http_echo: stopped\n");
}

static void handle(pg_http_req *req, void *arg)
{
    echo_ctx *e = arg;
    if (strcmp(req->path, "/slow") == 0) {
        char *ms = pg_http_query_param(req, "ms");
        slow_answer *a = calloc(1, sizeof *a);
        a->req = req;
        a->timer.data = a;
        uv_timer_init(e->loop, &a->timer);
        uv_timer_start(&a->timer, on_slow, ms ? strtoul(ms, NULL, 10) : 100, 0);
        free(ms);
    } else if (strcmp(req->path, "/big") == 0) {
        char *n = pg_http_query_param(req, "n");
        size_t len = n ? strtoul(n, NULL, 10) : 1000000;
        pg_blob *b = pg_blob_new(NULL, len);
        memset(b->data, 'x', len);
        pg_http_respond(req, 200, "text/plain", NULL, b);
        pg_blob_unref(b);
        free(n);
    } else if (strcmp(req->path, "/cached") == 0) {
        pg_http_respond(req, 200, "application/json", NULL, e->cached);
    } else if (strcmp(req->path, "/stats") == 0) {
        const pg_http_stats *st = pg_http_stats_get(e->srv);
        char buf[512];
        snprintf(buf, sizeof buf,
                 "{\"accepted\":%llu,\"refused\":%llu,\"open\":%llu,\"requests\":%llu,"
                 "\"rejected\":%llu,\"per_ip\":%llu,\"header_timeout\":%llu,\"spilled\":%llu,"
                 "\"body_disk\":%llu,\"body_memory\":%llu}",
                 (unsigned long long)st->accepted, (unsigned long long)st->refused,
                 (unsigned long long)st->open, (unsigned long long)st->requests,
                 (unsigned long long)st->rejected,
                 (unsigned long long)st->refusals[PG_HTTP_REFUSED_PER_IP],
                 (unsigned long long)st->refusals[PG_HTTP_REFUSED_HEADER_TIMEOUT],
                 (unsigned long long)st->bodies_spilled, (unsigned long long)st->body_disk,
                 (unsigned long long)st->body_memory);
        pg_http_respond_str(req, 200, "application/json", NULL, buf);
    } else if (strcmp(req->path, "/stop") == 0) {
        pg_http_stop(e->srv, on_stopped, e);
        pg_http_respond_str(req, 200, "text/plain", NULL, "stopping\n");
    } else {
        answer_echo(req);
    }
}

int main(int argc, char **argv)
{
    uv_loop_t loop;
    echo_ctx e = {&loop, NULL, NULL};
    pg_http_limits lim = {.max_header = 2048,
                          .max_body = 4096,
                          .read_ms = 400,
                          .idle_ms = 800,
                          .header_ms = 400,
                          .max_conns = argc > 1 ? atoi(argv[1]) : 4000,
                          .body_memory = 4 * 4096,
                          .spill_at = 4050,
                          .spill_dir = getenv("HTTP_ECHO_SPILL_DIR")};
    struct rlimit rl;
    int r;

    lim.max_conns_per_ip = argc > 2 ? atoi(argv[2]) : lim.max_conns;
    /* The driver opens a thousand connections at once. */
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 8192) {
        rl.rlim_cur = rl.rlim_max < 8192 ? rl.rlim_max : 8192;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    uv_loop_init(&loop);
    e.cached = pg_blob_new(NULL, 50 * 1000);
    memset(e.cached->data, '7', e.cached->len);
    r = pg_http_start(&loop, "127.0.0.1", 0, &lim, handle, &e, &e.srv);
    if (r < 0) {
        fprintf(stderr, "http_echo: %s\n", uv_strerror(r));
        return 2;
    }
    pg_http_set_head_hook(e.srv, head);
    printf("port %d\n", pg_http_port(e.srv));
    fflush(stdout);
    uv_run(&loop, UV_RUN_DEFAULT);
    pg_blob_unref(e.cached);
    if (e.srv || uv_loop_close(&loop) != 0) {
        fprintf(stderr, "http_echo: handles left open\n");
        return 3;
    }
    return 0;
}
