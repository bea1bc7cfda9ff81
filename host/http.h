/* http.h — an HTTP/1.1 server on a libuv loop, parsing with llhttp.
 *
 * pg_http_start() listens on one TCP address. Every accepted connection gets its own llhttp
 * parser; each complete request is handed to the handler on the loop thread as a pg_http_req.
 * The handler answers with pg_http_respond(), at once or later (for example when a job on the
 * thread pool finishes). While a request is unanswered its connection reads nothing more, so
 * pipelined requests are answered in order and a slow job applies back-pressure.
 *
 * Keep-alive is the HTTP/1.1 default; "Connection: close" (or HTTP/1.0 without keep-alive)
 * closes after the answer. The server answers by itself, without calling the handler:
 *   400 a request llhttp rejects (bad request line, bad header, bad chunked encoding, a
 *       Content-Length that disagrees with the body), then closes;
 *   431 request line plus headers over limits.max_header bytes, then closes;
 *   413 a body over limits.max_body (checked against Content-Length before reading it, and
 *       while reading a chunked body), then closes;
 *   408 a request that does not arrive whole within limits.read_ms, then closes.
 * An idle keep-alive connection is closed silently after limits.idle_ms; connections beyond
 * limits.max_conns are closed at accept.
 *
 * Lifetimes:
 *   - pg_http_server: from pg_http_start() until the `done` callback of pg_http_stop().
 *   - pg_http_req: owned by the server; valid from the handler call until the handler (or
 *     whoever it passed the request to) calls pg_http_respond() for it — exactly once, always,
 *     even if the client has gone: the request is freed there, and an answer to a closed
 *     connection is dropped. Every field is NUL-terminated and read-only for the handler,
 *     except `data`.
 * Everything here runs on the loop thread only. */
#ifndef PG_HTTP_H
#define PG_HTTP_H

#include "blob.h"

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

typedef struct pg_http_server pg_http_server;

typedef enum {
    PG_HTTP_GET,
    PG_HTTP_HEAD,
    PG_HTTP_POST,
    PG_HTTP_PUT,
    PG_HTTP_DELETE,
    PG_HTTP_OTHER
} pg_http_method;

typedef struct pg_http_req {
    pg_http_method method;
    const char *method_name; /* as sent, e.g. "PATCH" for PG_HTTP_OTHER */
    char *path;              /* percent-decoded path, without the query; never NULL */
    char *query;             /* the raw query string after '?', or NULL */
    char *authorization;     /* the Authorization header, or NULL */
    char *content_type;      /* the Content-Type header, or NULL */
    char *body;              /* NUL-terminated; "" when there is none */
    size_t body_len;
    uint64_t start_ns;         /* uv_hrtime() when the request's first byte arrived */
    char peer[64];             /* "127.0.0.1:53142", for the log */
    void *data;                /* the handler's */
    struct pg_http_conn *conn; /* private; NULL once the client has gone */
} pg_http_req;

typedef void (*pg_http_handler)(pg_http_req *req, void *ctx);

typedef struct {
    size_t max_header; /* request line + headers, bytes (default 16 KiB) */
    size_t max_body;   /* bytes (default 64 MiB) */
    unsigned read_ms;  /* a started request must be complete within this (default 30 s) */
    unsigned idle_ms;  /* an idle keep-alive connection is closed after this (default 60 s) */
    int max_conns;     /* default 1024 */
} pg_http_limits;

/* Statistics kept by the server, for /metrics. */
typedef struct {
    uint64_t accepted, refused, open; /* connections */
    uint64_t requests;                /* handed to the handler */
    uint64_t rejected;                /* answered by the server itself (400/408/413/431) */
} pg_http_stats;

/* Listens on host:port ("127.0.0.1", 8080; port 0 picks a free one, see pg_http_port).
 * Zeroed limit fields take their defaults. Returns 0 or a negative errno (e.g. UV_EADDRINUSE). */
int pg_http_start(uv_loop_t *loop, const char *host, int port, const pg_http_limits *limits,
                  pg_http_handler handler, void *ctx, pg_http_server **out);
/* The port actually bound. */
int pg_http_port(const pg_http_server *s);
const pg_http_stats *pg_http_stats_get(const pg_http_server *s);

/* Stops listening and closes idle connections at once; a connection with a request in the
 * handler's hands closes after its answer is written. `done` runs when every handle is closed
 * and the server is freed. */
void pg_http_stop(pg_http_server *s, void (*done)(void *arg), void *arg);

/* Answers a request and frees it. `headers` is NULL or extra header lines, each ending in
 * "\r\n" (e.g. "WWW-Authenticate: Bearer\r\n"). The body blob gains a reference for the
 * write; the caller keeps its own. A NULL body sends an empty one. HEAD requests get the
 * headers only. */
void pg_http_respond(pg_http_req *req, int status, const char *content_type, const char *headers,
                     pg_blob *body);
/* The same with a copy of a string body. */
void pg_http_respond_str(pg_http_req *req, int status, const char *content_type,
                         const char *headers, const char *body);

/* The reason phrase of a status code ("Not Found"). */
const char *pg_http_reason(int status);
/* The value of query parameter `name` (percent-decoded) in a fresh string, or NULL. */
char *pg_http_query_param(const pg_http_req *req, const char *name);

#endif
