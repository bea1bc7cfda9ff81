/* http.h — an HTTP/1.1 server on a libuv loop, parsing with llhttp.
 *
 * pg_http_start() listens on one TCP address. Every accepted connection gets its own llhttp
 * parser; each complete request is handed to the handler on the loop thread as a pg_http_req.
 * The handler answers with pg_http_respond(), at once or later (for example when a job on the
 * thread pool finishes). While a request is unanswered its connection reads nothing more, so
 * pipelined requests are answered in order and a slow job applies back-pressure.
 *
 * A request with a body (a Content-Length above 0, or chunked) is first shown to the head hook
 * (pg_http_set_head_hook) when its request line and headers are complete: before any byte of
 * its body is read and before "100 Continue" is sent. The hook may refuse it there, with an
 * answer; the body is then never read and the connection closes after the answer. This is how
 * the router checks a token before a client can make the host hold its upload. Requests
 * without a body go straight to the handler, which refuses them as well, so a GET pays nothing
 * for the hook and its connection stays open after a 401.
 *
 * Keep-alive is the HTTP/1.1 default; "Connection: close" (or HTTP/1.0 without keep-alive)
 * closes after the answer. The server answers by itself, without calling the handler:
 *   400 a request llhttp rejects (bad request line, bad header, bad chunked encoding, a
 *       Content-Length that disagrees with the body), a path with a malformed escape or %00
 *       or not starting with '/', a second Authorization or Content-Type; then closes;
 *   431 request line plus headers over limits.max_header bytes, then closes;
 *   413 a body over limits.max_body (checked against Content-Length before reading it, and
 *       while reading a chunked body), then closes;
 *   408 a request that does not arrive whole within limits.read_ms, or whose request line
 *       and headers do not within limits.header_ms, then closes;
 *   503 with Retry-After a connection over limits.max_conns or limits.max_conns_per_ip (at
 *       accept, before reading anything), or a body that would take the bodies held by all
 *       connections past limits.body_memory (on its Content-Length, before reading it, or
 *       while reading a chunked body); then closes.
 * A new connection that sends nothing within limits.header_ms is closed silently.
 * An idle keep-alive connection is closed silently after limits.idle_ms (one still taking a
 * large answer is not idle while the bytes keep going out). A connection that closes after an
 * answer is shut down and drained of what the client still sends, so the answer is not lost to a
 * reset.
 *
 * Every answer carries Date and Content-Length (except 1xx, 204 and 304, which carry neither
 * a body nor a length), and "Connection: close" when the connection closes after it.
 * pg_http_start() ignores SIGPIPE for the process: a client that resets must fail a write,
 * not kill the host.
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
    char *path;              /* percent-decoded path, without query and fragment; never NULL.
                              * An absolute-form target ("http://h/p") gives its path. */
    char *query;             /* the raw query string after '?', or NULL */
    char *authorization;     /* the Authorization header, or NULL */
    char *content_type;      /* the Content-Type header, or NULL */
    char *body;              /* NUL-terminated; "" when there is none */
    size_t body_len;
    uint64_t start_ns;         /* uv_hrtime() when the request's first byte arrived */
    char peer[64];             /* "127.0.0.1:53142", for the log */
    void *data;                /* the handler's */
    struct pg_http_conn *conn; /* private. The server reads nothing while a request is with
                                * the handler, so it learns that a client has gone only when
                                * the answer is written. */
} pg_http_req;

typedef void (*pg_http_handler)(pg_http_req *req, void *ctx);
/* The head hook: see above. It is called on the loop thread with the request's method, path,
 * query, authorization, content_type, peer and start_ns set, and body "" (body_len 0). It
 * either returns without answering (the body is read and the request goes to the handler), or
 * answers at once with pg_http_respond(), which frees the request; it never keeps the request
 * for a later answer. `data` is NULL when it is called and is not kept for the handler. */
typedef void (*pg_http_head_hook)(pg_http_req *req, void *ctx);

typedef struct {
    size_t max_header;     /* request line + headers, bytes (default 16 KiB) */
    size_t max_body;       /* bytes (default 2 GiB: a long body waits on disk, see spill_at) */
    unsigned read_ms;      /* a started request must be complete within this (default 30 s) */
    unsigned idle_ms;      /* an idle keep-alive connection is closed after this (default 60 s) */
    int max_conns;         /* open connections (default 1024) */
    int max_conns_per_ip;  /* open connections from one address (default: max_conns, or a
                            * quarter of it above 256; never more than max_conns) */
    unsigned header_ms;    /* a new connection must bring its first request line and headers
                            * within this of the accept, a keep-alive one within this of its
                            * request's first byte (default 10 s) */
    size_t body_memory;    /* bytes of request bodies held at once, all connections together; a
                            * body that would pass it gets 503 (default 256 MiB); a body
                            * longer than spill_at is kept in a temporary file, not in memory */
    size_t spill_at;       /* a longer body goes to a temporary file (default 1 MiB) */
    const char *spill_dir; /* where those files go (unnamed: O_TMPFILE); NULL: $TMPDIR or
                            * /tmp. Must outlive the server. */
} pg_http_limits;

/* Why the server (or the head hook) refused a connection or a request, for /metrics. */
typedef enum {
    PG_HTTP_REFUSED_CONNECTIONS,    /* 503 at accept: max_conns open */
    PG_HTTP_REFUSED_PER_IP,         /* 503 at accept: max_conns_per_ip open from that address */
    PG_HTTP_REFUSED_BODY_MEMORY,    /* 503: the bodies in memory would pass body_memory */
    PG_HTTP_REFUSED_HEADER_TIMEOUT, /* 408, or a silent close: no whole head within header_ms */
    PG_HTTP_REFUSED_READ_TIMEOUT,   /* 408: no whole request within read_ms */
    PG_HTTP_REFUSED_HEADER_SIZE,    /* 431 */
    PG_HTTP_REFUSED_BODY_SIZE,      /* 413 */
    PG_HTTP_REFUSED_BAD_REQUEST,    /* 400 */
    PG_HTTP_REFUSED_ON_HEADERS,     /* the head hook answered (401, 403 …); the body unread */
    PG_HTTP_REFUSED_BODY_DISK,      /* 503: a long body's temporary file could not be written */
    PG_HTTP_REFUSED_REASONS
} pg_http_refusal;

/* Statistics kept by the server, for /metrics. */
typedef struct {
    uint64_t accepted, refused, open; /* connections; refused: at accept, for either limit */
    uint64_t requests;                /* handed to the handler */
    uint64_t rejected;                /* answered by the server itself (400/408/413/431/503) */
    uint64_t refusals[PG_HTTP_REFUSED_REASONS]; /* by reason, connections and requests */
    uint64_t body_memory;                       /* bytes of request bodies held in memory now */
    uint64_t body_disk;      /* bytes of request bodies in temporary files now (spilled) */
    uint64_t bodies_spilled; /* bodies that went to a temporary file */
} pg_http_stats;

/* The reason's name for a metric label ("max_connections", "header_timeout" …). */
const char *pg_http_refusal_name(pg_http_refusal why);

/* Listens on host:port (a numeric IPv4 or IPv6 address: "127.0.0.1", "::1"; port 0 picks a
 * free one, see pg_http_port).
 * Zeroed limit fields take their defaults. Returns 0 or a negative errno (e.g. UV_EADDRINUSE). */
int pg_http_start(uv_loop_t *loop, const char *host, int port, const pg_http_limits *limits,
                  pg_http_handler handler, void *ctx, pg_http_server **out);
/* The port actually bound. */
int pg_http_port(const pg_http_server *s);
const pg_http_stats *pg_http_stats_get(const pg_http_server *s);
/* Sets the head hook (NULL: none), called with the handler's ctx. */
void pg_http_set_head_hook(pg_http_server *s, pg_http_head_hook hook);

/* Stops listening and closes idle connections at once; a connection with a request in the
 * handler's hands closes after its answer is written. `done` runs when every handle is closed
 * and the server is freed, never from within this call. A second call is ignored. */
void pg_http_stop(pg_http_server *s, void (*done)(void *arg), void *arg);

/* The descriptor of a spilled body's file, which holds req->body exactly (a body longer than
 * spill_at), or -1 for a body in memory. Valid until the request is answered; the server
 * closes it. A handler that keeps the upload can link it into place from /proc/self/fd. */
int pg_http_body_fd(pg_http_req *req);

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
/* The value of the first query parameter `name` (percent-decoded, '+' as a space) in a fresh
 * string the caller frees, or NULL if it is absent or its value has a malformed escape or %00.
 * A parameter without '=' has the value "". */
char *pg_http_query_param(const pg_http_req *req, const char *name);

#endif
