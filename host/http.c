/* http.c — the HTTP/1.1 server of http.h: libuv TCP, llhttp parsing, ordered keep-alive.
 *
 * One pg_http_conn per accepted socket holds its parser, one timer and the request being
 * assembled; the pg_http_req handed to the handler is embedded in it, so a request costs no
 * allocation of its own. The request line and the headers we keep (URL, Authorization,
 * Content-Type) are copied into a per-connection buffer bounded by max_header, the body into
 * a second buffer bounded by max_body; a body longer than limits.spill_at goes to a temporary file
 * instead (below).
 *
 * Ordering. llhttp pauses (HPE_PAUSED from on_message_complete) at the end of every request;
 * the handler is called outside the parser, and the parser is resumed only once the request is
 * answered, from the position where it stopped. Reads go to one buffer shared by the server
 * (libuv reads a stream and calls back before it reads the next one), so only the bytes of
 * pipelined requests that arrive while a request is with the handler are copied, into the
 * connection's `pend` buffer, and reading stops until they are consumed.
 *
 * Writes. The head is built in a stack buffer and written together with the body blob by
 * uv_try_write; only what the socket does not take at once is queued with one uv_write that
 * holds a copy of the rest of the head and a reference to the blob. A connection whose queue
 * grows past DRAIN_MAX parses nothing more until it drains.
 *
 * Limits. A request with a body is shown to the head hook on its headers, before its body is
 * read (http.h). Open connections are counted in all and per peer address (an open-addressing
 * table sized for twice max_conns, seeded, deleted from by backward shift, so a lookup costs one
 * short probe at accept and at close and nothing per request); one over either limit gets a
 * 503 from a connection that is then closed like any other. The timer of a new connection
 * first runs for header_ms (the head must come), then for read_ms from the request's first
 * byte; a keep-alive connection waits idle_ms for the next first byte. Bodies in memory are
 * counted against body_memory: a declared length is reserved whole before it is read, a
 * chunked body as it comes.
 *
 * Spilling. A body past limits.spill_at (declared, or a chunked one as it grows past it) is written
 * to an unnamed file (O_TMPFILE) in limits.spill_dir and mapped for the handler once it is
 * whole, so a large upload (an authorised one: the head hook has passed it) costs page cache,
 * which the kernel can reclaim, instead of the process's own memory; body_memory then counts
 * only the bodies held in memory. The writes are plain write(2) on the loop thread: they land
 * in the page cache and are never synced, and the file vanishes with its descriptor, so a
 * killed host leaves nothing behind. The map is private and writable, like the buffer it
 * stands for, with one NUL after the body; the file is the body exactly, so a handler that
 * keeps the upload links it into place (pg_http_body_fd) instead of copying it.
 *
 * Closing. A connection that will not be reused is shut down (after its queued writes) and
 * then drained of anything the client still sends, until its EOF or a short linger time, so
 * that a 413 sent while the client is still sending is not lost to a TCP reset. Handles are
 * always uv_close'd before the connection is freed; a connection with an unanswered request
 * is freed by pg_http_respond instead. */
#define _GNU_SOURCE /* O_TMPFILE, mkostemp */
#include "http.h"

#include "base.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <llhttp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/ioctl.h> /* TIOCOUTQ, which is SIOCOUTQ on a TCP socket */
#endif

#define RBUF_SIZE (64 * 1024)  /* the shared read buffer */
#define DRAIN_MAX (256 * 1024) /* queued response bytes before a connection stops parsing */
#define BODY_KEEP (16 * 1024)  /* a body buffer larger than this is freed after a request */
#define LINGER_MS 2000         /* waiting for the client's EOF after our last byte */
#define HEAD_STACK 1024        /* response heads longer than this go to the heap */
#define REQLINE_COST 16        /* bytes of a request line beyond method, URL and version */
#define FIELD_MAX 32           /* longer header names are none we keep */
#define CONTINUE_100 "HTTP/1.1 100 Continue\r\n\r\n"

enum { H_NONE, H_AUTH, H_CTYPE, H_EXPECT }; /* headers we keep */
#define REFUSING_MAX 256 /* refused connections lingering after their 503; beyond, closed */
enum { T_NONE, T_IDLE, T_HEAD, T_READ, T_LINGER }; /* what the timer is for */

typedef struct pg_http_conn {
    pg_http_req req; /* first: the handler's view */
    uv_tcp_t tcp;
    uv_timer_t timer;
    uv_shutdown_t shut;
    llhttp_t parser;
    pg_http_server *srv;
    struct pg_http_conn *prev, *next;
    int handles; /* open libuv handles: tcp and timer */
    unsigned reading : 1, in_msg : 1, outstanding : 1, dispatching : 1, keep_alive : 1,
        force_close : 1, closing : 1, closed : 1, lingering : 1, eof : 1, wait_drain : 1,
        trailers : 1, expect_continue : 1, has_auth : 1, has_ctype : 1, head_done : 1, refused : 1,
        counted : 1, spilled : 1;
    int tmode;
    size_t queued; /* unsent bytes at the last timeout: a slow reader or a dead one? */
    int reject;    /* the status to answer when the parser stops with an error; 0: 400 */
    pg_http_refusal reject_why; /* for a 503 */
    uint64_t msg_ms;            /* uv_now() at the first byte of the current request */
    unsigned char ip[16]; /* the peer's address, IPv4 as ::ffff:a.b.c.d, for the per-IP count */
    /* The request being parsed. */
    char *hbuf; /* URL, NUL, kept header values each with a NUL, an empty string */
    size_t hlen, hcap, head_bytes, url_len, auth_off, ctype_off, empty_off;
    char field[FIELD_MAX];
    size_t field_len;
    int target;
    char expect[16];
    size_t expect_len;
    char *bbuf;
    size_t blen, bcap;
    size_t held;       /* this request's part of stats.body_memory */
    int spill_fd;      /* spilled: the body's file; blen bytes of it are the body */
    char *spill_map;   /* spilled: the body mapped for the handler, a NUL after it, or NULL */
    size_t spill_span; /* bytes of that map */
    /* Unparsed bytes read while a request was with the handler. */
    char *pend;
    size_t pend_off, pend_len;
} pg_http_conn;

struct pg_http_server {
    uv_loop_t *loop;
    uv_tcp_t listener;
    pg_http_limits lim;
    pg_http_handler handler;
    pg_http_head_hook head_hook;
    void *ctx;
    pg_http_stats stats;
    llhttp_settings_t settings;
    pg_http_conn *conns;
    int serving, refusing; /* connections open for requests; refused ones still lingering */
    /* Open connections per peer address: open addressing, linear probing, count 0 is empty. */
    struct ip_slot {
        unsigned char ip[16];
        uint32_t count;
    } * ips;
    size_t ips_mask;
    uint32_t ips_seed;
    int port;
    int stopping, listener_open;
    void (*done)(void *arg);
    void *done_arg;
    time_t date_sec;
    char date[40]; /* "Date: ...\r\n" for date_sec */
    char rbuf[RBUF_SIZE];
};

static void conn_close(pg_http_conn *c);
static void conn_finish(pg_http_conn *c);
static void conn_resume(pg_http_conn *c);
static void on_timer(uv_timer_t *t);
static int url_split(pg_http_conn *c);
static void body_release(pg_http_conn *c);
static void spill_release(pg_http_conn *c);
static pg_http_method method_of(int m);

static pg_http_conn *conn_of(pg_http_req *req)
{
    return (pg_http_conn *)((char *)req - offsetof(pg_http_conn, req));
}

/* {=========================================================================================
 * Reasons and percent-decoding */

const char *pg_http_reason(int status)
{
    switch (status) {
    case 100:
        return "Continue";
    case 200:
        return "OK";
    case 201:
        return "Created";
    case 202:
        return "Accepted";
    case 204:
        return "No Content";
    case 301:
        return "Moved Permanently";
    case 302:
        return "Found";
    case 304:
        return "Not Modified";
    case 400:
        return "Bad Request";
    case 401:
        return "Unauthorized";
    case 403:
        return "Forbidden";
    case 404:
        return "Not Found";
    case 405:
        return "Method Not Allowed";
    case 406:
        return "Not Acceptable";
    case 408:
        return "Request Timeout";
    case 409:
        return "Conflict";
    case 410:
        return "Gone";
    case 411:
        return "Length Required";
    case 412:
        return "Precondition Failed";
    case 413:
        return "Content Too Large";
    case 414:
        return "URI Too Long";
    case 415:
        return "Unsupported Media Type";
    case 417:
        return "Expectation Failed";
    case 422:
        return "Unprocessable Content";
    case 429:
        return "Too Many Requests";
    case 431:
        return "Request Header Fields Too Large";
    case 500:
        return "Internal Server Error";
    case 501:
        return "Not Implemented";
    case 502:
        return "Bad Gateway";
    case 503:
        return "Service Unavailable";
    case 504:
        return "Gateway Timeout";
    default:
        return status >= 500 ? "Error" : status >= 400 ? "Client Error" : "Unknown";
    }
}

const char *pg_http_refusal_name(pg_http_refusal why)
{
    static const char *const names[PG_HTTP_REFUSED_REASONS] = {
        "max_connections", "max_connections_per_ip",
        "body_memory",     "header_timeout",
        "read_timeout",    "header_size",
        "body_size",       "bad_request",
        "on_headers",      "body_disk"};
    return (unsigned)why < PG_HTTP_REFUSED_REASONS ? names[why] : "?";
}

static int hexval(int ch)
{
    if (ch >= '0' && ch <= '9') return ch - '0';
    if (ch >= 'a' && ch <= 'f') return ch - 'a' + 10;
    if (ch >= 'A' && ch <= 'F') return ch - 'A' + 10;
    return -1;
}

/* Decodes n bytes of src into dst (which may be src: the result is never longer) and returns
 * the decoded length, or -1 for a malformed escape or one that decodes to NUL. `plus` turns
 * '+' into a space, as forms encode query strings. */
static long pct_decode(char *dst, const char *src, size_t n, int plus)
{
    size_t i, o = 0;
    for (i = 0; i < n; i++) {
        char ch = src[i];
        if (ch == '%') {
            int hi, lo;
            if (i + 2 >= n) return -1;
            hi = hexval((unsigned char)src[i + 1]);
            lo = hexval((unsigned char)src[i + 2]);
            if (hi < 0 || lo < 0 || (hi | lo) == 0) return -1;
            ch = (char)(hi << 4 | lo);
            i += 2;
        } else if (plus && ch == '+') {
            ch = ' ';
        }
        dst[o++] = ch;
    }
    return (long)o;
}

char *pg_http_query_param(const pg_http_req *req, const char *name)
{
    const char *q = req->query;
    size_t nlen = strlen(name);
    while (q && *q) {
        const char *amp = strchr(q, '&');
        size_t len = amp ? (size_t)(amp - q) : strlen(q);
        const char *eq = memchr(q, '=', len);
        size_t klen = eq ? (size_t)(eq - q) : len;
        /* A key is never longer encoded than decoded, so a longer decoded name cannot match;
         * a short one is decoded on the stack to compare. */
        char key[256];
        long kd = klen < sizeof key ? pct_decode(key, q, klen, 1) : -1;
        if (kd >= 0 && (size_t)kd == nlen && memcmp(key, name, nlen) == 0) {
            size_t vlen = eq ? len - klen - 1 : 0;
            char *v = pg_xmalloc(vlen + 1);
            long vd = pct_decode(v, eq ? eq + 1 : q, vlen, 1);
            if (vd < 0) {
                free(v);
                return NULL;
            }
            v[vd] = '\0';
            return v;
        }
        q = amp ? amp + 1 : NULL;
    }
    return NULL;
}

/* }========================================================================================= */

/* {=========================================================================================
 * Writing */

typedef struct {
    uv_write_t req;
    pg_blob *blob;
    char head[]; /* the part of the head uv_try_write did not take */
} http_write;

/* Response heads are built by appending; past the capacity only the length is counted, so a
 * second pass into a buffer of the right size can follow. */
typedef struct {
    char *p;
    size_t n, cap;
} head_buf;

static void hb_put(head_buf *b, const char *s, size_t n)
{
    if (b->n + n <= b->cap) memcpy(b->p + b->n, s, n);
    b->n += n;
}

static void hb_str(head_buf *b, const char *s)
{
    hb_put(b, s, strlen(s));
}

static void hb_num(head_buf *b, uint64_t v)
{
    char tmp[24];
    size_t i = sizeof tmp;
    do tmp[--i] = (char)('0' + v % 10);
    while ((v /= 10) != 0);
    hb_put(b, tmp + i, sizeof tmp - i);
}

static const char *date_line(pg_http_server *s)
{
    time_t now = time(NULL);
    if (now != s->date_sec) {
        struct tm tm;
        gmtime_r(&now, &tm);
        strftime(s->date, sizeof s->date, "Date: %a, %d %b %Y %H:%M:%S GMT\r\n", &tm);
        s->date_sec = now;
    }
    return s->date;
}

typedef struct {
    int status;
    const char *ctype, *extra;
    size_t body_len;
    int close, head_only;
} head_spec;

/* 1xx, 204 and 304 answers never carry a body (RFC 9110 6.4.1). */
static int bodiless(int status)
{
    return status < 200 || status == 204 || status == 304;
}

static void head_build(head_buf *b, pg_http_conn *c, const head_spec *h)
{
    hb_str(b, "HTTP/1.1 ");
    hb_num(b, (uint64_t)h->status);
    hb_put(b, " ", 1);
    hb_str(b, pg_http_reason(h->status));
    hb_put(b, "\r\n", 2);
    hb_str(b, date_line(c->srv));
    if (h->ctype && !bodiless(h->status)) {
        hb_str(b, "Content-Type: ");
        hb_str(b, h->ctype);
        hb_put(b, "\r\n", 2);
    }
    /* RFC 9110 forbids Content-Length in 1xx and 204; a 304 would describe the cached body. */
    if (h->status >= 200 && h->status != 204 && h->status != 304) {
        hb_str(b, "Content-Length: ");
        hb_num(b, h->body_len);
        hb_put(b, "\r\n", 2);
    }
    if (h->close)
        hb_str(b, "Connection: close\r\n");
    else if (c->parser.http_major == 1 && c->parser.http_minor == 0)
        hb_str(b, "Connection: keep-alive\r\n"); /* an HTTP/1.0 client asked for it */
    if (h->extra) hb_str(b, h->extra);
    hb_put(b, "\r\n", 2);
}

static void on_write(uv_write_t *wr, int status)
{
    http_write *w = (http_write *)wr;
    pg_http_conn *c = wr->data;
    pg_blob_unref(w->blob);
    free(w);
    if (c->closed) return;
    if (status < 0) {
        conn_close(c);
        return;
    }
    if (c->wait_drain && uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) <= DRAIN_MAX) {
        c->wait_drain = 0;
        conn_resume(c);
    }
}

/* Writes head and body[0, blen) in order after anything already queued. The socket takes what
 * it can now; the rest is queued with a copy of the head and a reference to the blob. */
static void conn_send(pg_http_conn *c, const char *head, size_t hlen, pg_blob *body, size_t blen)
{
    uv_stream_t *st = (uv_stream_t *)&c->tcp;
    uv_buf_t bufs[2];
    unsigned nb = 0;
    size_t sent, hrest, boff;
    http_write *w;
    int r;

    if (c->closed) return;
    bufs[nb++] = uv_buf_init((char *)head, (unsigned)hlen);
    if (blen) bufs[nb++] = uv_buf_init(body->data, (unsigned)blen);
    r = uv_try_write(st, bufs, nb);
    if (r < 0 && r != UV_EAGAIN) {
        conn_close(c);
        return;
    }
    sent = r < 0 ? 0 : (size_t)r;
    if (sent == hlen + blen) return;

    hrest = sent < hlen ? hlen - sent : 0;
    boff = sent > hlen ? sent - hlen : 0;
    w = pg_xmalloc(sizeof *w + hrest);
    memcpy(w->head, head + (hlen - hrest), hrest);
    w->blob = blen > boff ? pg_blob_ref(body) : NULL;
    w->req.data = c;
    nb = 0;
    if (hrest) bufs[nb++] = uv_buf_init(w->head, (unsigned)hrest);
    if (blen > boff) bufs[nb++] = uv_buf_init(body->data + boff, (unsigned)(blen - boff));
    r = uv_write(&w->req, st, bufs, nb, on_write);
    if (r < 0) {
        pg_blob_unref(w->blob);
        free(w);
        conn_close(c);
    }
}

/* Builds the head (on the stack unless it is long) and sends it with the body. */
static void conn_respond(pg_http_conn *c, const head_spec *h, pg_blob *body, const char *inl,
                         size_t inl_len)
{
    char stack[HEAD_STACK];
    head_buf b = {stack, 0, sizeof stack};
    head_build(&b, c, h);
    if (b.n + inl_len > b.cap) {
        b.p = pg_xmalloc(b.n + inl_len);
        b.cap = b.n + inl_len;
        b.n = 0;
        head_build(&b, c, h);
    }
    /* A short body of our own travels in the head buffer. */
    if (inl_len) hb_put(&b, inl, inl_len);
    conn_send(c, b.p, b.n, body, h->head_only || bodiless(h->status) || !body ? 0 : body->len);
    if (b.p != stack) free(b.p);
}

/* }========================================================================================= */

/* {=========================================================================================
 * Open connections per address */

static size_t ip_hash(const pg_http_server *s, const unsigned char ip[16])
{
    uint32_t h = 2166136261u ^ s->ips_seed; /* FNV-1a, seeded: a peer cannot plan collisions */
    for (int i = 0; i < 16; i++) h = (h ^ ip[i]) * 16777619u;
    return h & s->ips_mask;
}

/* The slot of `ip`, or the empty slot where it would go. The table has room for twice the
 * connections that can be counted, so an empty slot is always found. */
static struct ip_slot *ip_find(pg_http_server *s, const unsigned char ip[16])
{
    size_t i = ip_hash(s, ip);
    while (s->ips[i].count && memcmp(s->ips[i].ip, ip, 16) != 0) i = (i + 1) & s->ips_mask;
    return &s->ips[i];
}

/* One connection fewer from `ip`; an emptied slot is filled from the probe run after it, so
 * that every remaining key stays reachable without tombstones. */
static void ip_release(pg_http_server *s, const unsigned char ip[16])
{
    struct ip_slot *e = ip_find(s, ip);
    size_t i, j, k;
    assert(e->count > 0);
    if (--e->count) return;
    i = (size_t)(e - s->ips);
    for (j = (i + 1) & s->ips_mask; s->ips[j].count; j = (j + 1) & s->ips_mask) {
        k = ip_hash(s, s->ips[j].ip);
        /* Move j back to i unless its home k lies cyclically in (i, j]. */
        if (i <= j ? (i < k && k <= j) : (i < k || k <= j)) continue;
        s->ips[i] = s->ips[j];
        s->ips[j].count = 0;
        i = j;
    }
}

/* }========================================================================================= */

/* {=========================================================================================
 * Timers and closing */

static void timer_set(pg_http_conn *c, int mode, uint64_t ms)
{
    c->tmode = mode;
    uv_timer_start(&c->timer, on_timer, ms, 0);
}

static void server_maybe_done(pg_http_server *s)
{
    if (!s->stopping || s->listener_open || s->conns) return;
    void (*done)(void *) = s->done;
    void *arg = s->done_arg;
    free(s->ips);
    free(s);
    if (done) done(arg);
}

static void conn_release(pg_http_conn *c)
{
    pg_http_server *s = c->srv;
    if (c->prev)
        c->prev->next = c->next;
    else
        s->conns = c->next;
    if (c->next) c->next->prev = c->prev;
    s->stats.open--;
    if (c->refused)
        s->refusing--;
    else
        s->serving--;
    if (c->counted) ip_release(s, c->ip);
    body_release(c);
    spill_release(c);
    free(c->hbuf);
    free(c->bbuf);
    free(c->pend);
    free(c);
    server_maybe_done(s);
}

static void on_conn_close(uv_handle_t *h)
{
    pg_http_conn *c = h->data;
    /* A request still with the handler keeps the memory; pg_http_respond frees it. */
    if (--c->handles == 0 && !c->outstanding) conn_release(c);
}

/* Closes at once; queued writes are cancelled. */
static void conn_close(pg_http_conn *c)
{
    if (c->closed) return;
    c->closed = c->closing = 1;
    if (c->outstanding) c->req.conn = NULL;
    uv_close((uv_handle_t *)&c->tcp, on_conn_close);
    uv_close((uv_handle_t *)&c->timer, on_conn_close);
}

static void on_shutdown(uv_shutdown_t *sr, int status)
{
    pg_http_conn *c = sr->data;
    if (c->closed) return;
    if (status < 0 || c->eof) {
        conn_close(c);
        return;
    }
    timer_set(c, T_LINGER, LINGER_MS < c->srv->lim.idle_ms ? LINGER_MS : c->srv->lim.idle_ms);
}

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
    pg_http_conn *c = h->data;
    *buf = uv_buf_init(c->srv->rbuf, RBUF_SIZE);
}

static void on_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf);

static void conn_read_start(pg_http_conn *c)
{
    if (c->reading) return;
    if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) < 0) {
        conn_close(c);
        return;
    }
    c->reading = 1;
}

static void conn_read_stop(pg_http_conn *c)
{
    if (!c->reading) return;
    uv_read_stop((uv_stream_t *)&c->tcp);
    c->reading = 0;
}

/* Closes after the queued writes: shuts the socket down, then discards what the client still
 * sends until its EOF. The timer bounds both the flush (idle_ms) and the linger. */
static void conn_finish(pg_http_conn *c)
{
    if (c->closing) return;
    c->closing = 1;
    c->shut.data = c;
    if (uv_shutdown(&c->shut, (uv_stream_t *)&c->tcp, on_shutdown) < 0) {
        conn_close(c);
        return;
    }
    timer_set(c, T_LINGER, c->srv->lim.idle_ms);
    if (c->eof) return;
    c->lingering = 1;
    conn_read_start(c);
}

/* The request's body no longer counts against the budget. */
static void body_release(pg_http_conn *c)
{
    c->srv->stats.body_memory -= c->held;
    c->held = 0;
}

/* Closes and unmaps a spilled body; the kernel frees the unnamed file with its descriptor. */
static void spill_release(pg_http_conn *c)
{
    if (!c->spilled) return;
    if (c->spill_map) munmap(c->spill_map, c->spill_span);
    close(c->spill_fd);
    c->srv->stats.body_disk -= c->blen;
    c->spill_map = NULL;
    c->spilled = 0;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) return -1;
        p += w, n -= (size_t)w;
    }
    return 0;
}

/* Moves the body to an unnamed file in spill_dir, with what is in memory so far. */
static int spill_open(pg_http_conn *c)
{
    const char *dir = c->srv->lim.spill_dir;
    if (!dir) dir = getenv("TMPDIR");
    if (!dir || !*dir) dir = "/tmp";
    int fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR || errno == EINVAL)) {
        char *path = pg_xasprintf("%s/.body-XXXXXX", dir); /* no O_TMPFILE here: unlink now */
        fd = mkostemp(path, O_CLOEXEC);
        if (fd >= 0) unlink(path);
        free(path);
    }
    if (fd < 0) return -1;
    if (c->blen && write_all(fd, c->bbuf, c->blen) != 0) {
        close(fd);
        return -1;
    }
    body_release(c);
    c->spill_fd = fd;
    c->spilled = 1;
    c->srv->stats.body_disk += c->blen;
    c->srv->stats.bodies_spilled++;
    return 0;
}

/* Maps a whole spilled body as the request's body, with a NUL after it. The file holds the
 * body exactly (so an upload can be linked into place as it is, pg_http_body_fd); the NUL is
 * the zero past the file's end in its last page, or, when the body fills that page, the first
 * byte of an anonymous page reserved behind it. */
static int spill_map(pg_http_conn *c)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t span = (c->blen + 1 + page - 1) / page * page;
    char *m = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return -1;
    if (mmap(m, c->blen, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_FIXED, c->spill_fd, 0) ==
        MAP_FAILED) {
        munmap(m, span);
        return -1;
    }
    c->spill_map = m;
    c->spill_span = span;
    return 0;
}

/* Sends an answer of the server's own, counted as a refusal for `why`, and closes. */
static void conn_refusal(pg_http_conn *c, const head_spec *h, const char *body, size_t n,
                         pg_http_refusal why)
{
    c->srv->stats.rejected++;
    c->srv->stats.refusals[why]++;
    c->in_msg = 0;
    body_release(c);
    conn_respond(c, h, NULL, body, n);
    conn_finish(c);
}

/* Answers by the server itself (400, 408, 413, 431) and closes. */
static void conn_reject(pg_http_conn *c, int status)
{
    char body[128];
    int n = status == 413 /* which limit, so that the client knows what would fit */
                ? snprintf(body, sizeof body,
                           "{\"error\":\"%s\",\"limit\":\"body_size\",\"max_bytes\":%zu}",
                           pg_http_reason(status), c->srv->lim.max_body)
                : snprintf(body, sizeof body, "{\"error\":\"%s\"}", pg_http_reason(status));
    head_spec h = {status, "application/json", NULL, (size_t)n, 1, 0};
    pg_http_refusal why = status == 413   ? PG_HTTP_REFUSED_BODY_SIZE
                          : status == 431 ? PG_HTTP_REFUSED_HEADER_SIZE
                          : status == 408 ? (c->tmode == T_HEAD ? PG_HTTP_REFUSED_HEADER_TIMEOUT
                                                                : PG_HTTP_REFUSED_READ_TIMEOUT)
                                          : PG_HTTP_REFUSED_BAD_REQUEST;
    conn_refusal(c, &h, body, (size_t)n, why);
}

/* Answers 503 for a limit the client may find free again soon (Retry-After), and closes. */
static void conn_refuse(pg_http_conn *c, pg_http_refusal why)
{
    char body[128];
    int n = snprintf(body, sizeof body, "{\"error\":\"Service Unavailable\",\"limit\":\"%s\"}",
                     pg_http_refusal_name(why));
    head_spec h = {503, "application/json", "Retry-After: 1\r\n", (size_t)n, 1, 0};
    conn_refusal(c, &h, body, (size_t)n, why);
}

/* Bytes of answers the client has not yet taken: in our write queue and, where the system
 * tells, in the kernel's send buffer, which on loopback can hold megabytes by itself. */
static size_t conn_unsent(pg_http_conn *c)
{
    size_t q = uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp);
#ifdef __linux__
    uv_os_fd_t fd;
    int n = 0;
    if (uv_fileno((uv_handle_t *)&c->tcp, &fd) == 0 && ioctl(fd, TIOCOUTQ, &n) == 0 && n > 0)
        q += (size_t)n;
#endif
    return q;
}

static void on_timer(uv_timer_t *t)
{
    pg_http_conn *c = t->data;
    size_t q;
    if (c->closed) return;
    /* A client still taking a large answer is slow, not idle: wait while the backlog shrinks. */
    q = c->tmode == T_IDLE || c->tmode == T_LINGER ? conn_unsent(c) : 0;
    if (q && (!c->queued || q < c->queued)) {
        c->queued = q;
        timer_set(c, c->tmode, c->srv->lim.idle_ms);
        return;
    }
    if (c->closing)
        conn_close(c); /* lingered, or could not flush, long enough */
    else if (c->outstanding)
        return; /* the handler has it; pg_http_respond re-arms */
    else if (c->in_msg)
        conn_reject(c, 408);
    else {
        /* idle, a client that does not read its answers, or one that never began a request */
        if (c->tmode == T_HEAD) c->srv->stats.refusals[PG_HTTP_REFUSED_HEADER_TIMEOUT]++;
        conn_close(c);
    }
}

/* }========================================================================================= */

/* {=========================================================================================
 * Parsing */

/* Counts request-line and header bytes; past max_header the request gets 431. */
static int head_count(pg_http_conn *c, size_t n)
{
    c->head_bytes += n;
    if (c->head_bytes > c->srv->lim.max_header) {
        c->reject = 431;
        return -1;
    }
    return 0;
}

/* Appends to hbuf; head_count has bounded the total by max_header plus a few NULs. */
static void hbuf_put(pg_http_conn *c, const char *p, size_t n)
{
    if (n == 0) return; /* llhttp may report empty spans, before hbuf exists */
    if (c->hlen + n > c->hcap) {
        size_t cap = c->hcap ? c->hcap : 512;
        while (cap < c->hlen + n) cap *= 2;
        c->hbuf = pg_xrealloc(c->hbuf, cap);
        c->hcap = cap;
    }
    memcpy(c->hbuf + c->hlen, p, n);
    c->hlen += n;
}

static int on_message_begin(llhttp_t *p)
{
    pg_http_conn *c = p->data;
    c->in_msg = 1;
    c->msg_ms = uv_now(c->srv->loop);
    c->req.start_ns = uv_hrtime();
    c->hlen = c->url_len = c->field_len = c->expect_len = c->blen = 0;
    c->head_bytes = REQLINE_COST;
    c->target = H_NONE;
    c->trailers = c->expect_continue = c->has_auth = c->has_ctype = c->force_close = 0;
    c->head_done = 0;
    c->reject = 0;
    return 0;
}

static int on_method(llhttp_t *p, const char *at, size_t n)
{
    return head_count(p->data, n);
}

static int on_url(llhttp_t *p, const char *at, size_t n)
{
    pg_http_conn *c = p->data;
    if (head_count(c, n)) return -1;
    hbuf_put(c, at, n);
    c->url_len += n;
    return 0;
}

static int on_url_complete(llhttp_t *p)
{
    hbuf_put(p->data, "", 1);
    return 0;
}

static int on_header_field(llhttp_t *p, const char *at, size_t n)
{
    pg_http_conn *c = p->data;
    if (head_count(c, n)) return -1;
    if (c->field_len + n <= FIELD_MAX) memcpy(c->field + c->field_len, at, n);
    c->field_len += n;
    return 0;
}

static int field_is(const pg_http_conn *c, const char *name)
{
    return c->field_len == strlen(name) && strncasecmp(c->field, name, c->field_len) == 0;
}

static int on_header_field_complete(llhttp_t *p)
{
    pg_http_conn *c = p->data;
    c->target = H_NONE;
    if (!c->trailers) {
        if (field_is(c, "authorization")) {
            /* Two credentials are ambiguous: which one would the API check? */
            if (c->has_auth) return -1;
            c->target = H_AUTH;
            c->auth_off = c->hlen;
        } else if (field_is(c, "content-type")) {
            if (c->has_ctype) return -1;
            c->target = H_CTYPE;
            c->ctype_off = c->hlen;
        } else if (field_is(c, "expect")) {
            c->target = H_EXPECT;
            c->expect_len = 0;
        }
    }
    c->field_len = 0;
    return 0;
}

static int on_header_value(llhttp_t *p, const char *at, size_t n)
{
    pg_http_conn *c = p->data;
    if (head_count(c, n)) return -1;
    if (c->target == H_AUTH || c->target == H_CTYPE) {
        hbuf_put(c, at, n);
    } else if (c->target == H_EXPECT) {
        if (c->expect_len + n <= sizeof c->expect) memcpy(c->expect + c->expect_len, at, n);
        c->expect_len += n;
    }
    return 0;
}

static int on_header_value_complete(llhttp_t *p)
{
    pg_http_conn *c = p->data;
    if (head_count(c, 4)) return -1; /* ": " and CRLF */
    if (c->target == H_AUTH || c->target == H_CTYPE) {
        hbuf_put(c, "", 1);
        if (c->target == H_AUTH)
            c->has_auth = 1;
        else
            c->has_ctype = 1;
    } else if (c->target == H_EXPECT) {
        c->expect_continue = c->expect_len == 12 && strncasecmp(c->expect, "100-continue", 12) == 0;
    }
    c->target = H_NONE;
    return 0;
}

/* Shows a request with a body to the head hook. Returns -1 if the hook answered it: the
 * connection is then closing and the body is never read. */
static int conn_head_hook(pg_http_conn *c)
{
    pg_http_server *s = c->srv;
    c->keep_alive = 0; /* an answer now closes: the body it refused is still on the wire */
    c->outstanding = 1;
    c->dispatching = 1;
    s->head_hook(&c->req, s->ctx);
    c->dispatching = 0;
    if (!c->outstanding) {
        s->stats.refusals[PG_HTTP_REFUSED_ON_HEADERS]++;
        return -1;
    }
    c->outstanding = 0;
    c->req.data = NULL;
    return 0;
}

static int on_headers_complete(llhttp_t *p)
{
    pg_http_conn *c = p->data;
    pg_http_req *r = &c->req;
    int has_body = (p->flags & F_CHUNKED) || p->content_length > 0;
    int m = llhttp_get_method(p);
    c->trailers = 1; /* header callbacks from here on are chunked trailers */
    c->head_done = 1;
    c->empty_off = c->hlen;
    hbuf_put(c, "", 1);
    /* The request as the hook and the handler see it; hbuf grows no more (trailers are not
     * kept), so these pointers stay valid. */
    if (url_split(c) < 0) return -1; /* 400 */
    r->method = method_of(m);
    r->method_name = llhttp_method_name((llhttp_method_t)m);
    r->authorization = c->has_auth ? c->hbuf + c->auth_off : NULL;
    r->content_type = c->has_ctype ? c->hbuf + c->ctype_off : NULL;
    r->body = c->hbuf + c->empty_off;
    r->body_len = 0;
    r->data = NULL;
    r->conn = c;
    /* A tunnel or a protocol switch is not served: answer, then close. */
    if (p->upgrade) c->force_close = 1;
    if ((p->flags & F_CONTENT_LENGTH) && p->content_length > c->srv->lim.max_body) {
        c->reject = 413;
        return -1;
    }
    if (has_body && c->srv->head_hook && conn_head_hook(c) < 0) return -1;
    /* A declared body is counted against the budget whole, before a byte of it is read;
     * a long one goes to a file instead. */
    if ((p->flags & F_CONTENT_LENGTH) && p->content_length > c->srv->lim.spill_at) {
        if (spill_open(c) != 0) {
            c->reject = 503, c->reject_why = PG_HTTP_REFUSED_BODY_DISK;
            return -1;
        }
    } else if ((p->flags & F_CONTENT_LENGTH) && p->content_length > 0) {
        pg_http_server *s = c->srv;
        if (p->content_length > s->lim.body_memory - s->stats.body_memory) {
            c->reject = 503, c->reject_why = PG_HTTP_REFUSED_BODY_MEMORY;
            return -1;
        }
        c->held = p->content_length;
        s->stats.body_memory += c->held;
    }
    if (c->expect_continue && has_body && p->http_major == 1 && p->http_minor >= 1)
        conn_send(c, CONTINUE_100, sizeof CONTINUE_100 - 1, NULL, 0);
    return 0;
}

static int on_body(llhttp_t *p, const char *at, size_t n)
{
    pg_http_conn *c = p->data;
    size_t max = c->srv->lim.max_body;
    if (n > max - c->blen) {
        c->reject = 413;
        return -1;
    }
    if (!c->spilled && c->blen + n > c->srv->lim.spill_at && spill_open(c) != 0) {
        c->reject = 503, c->reject_why = PG_HTTP_REFUSED_BODY_DISK;
        return -1;
    }
    if (c->spilled) {
        if (write_all(c->spill_fd, at, n) != 0) {
            c->reject = 503, c->reject_why = PG_HTTP_REFUSED_BODY_DISK;
            return -1;
        }
        c->blen += n;
        c->srv->stats.body_disk += n;
        return 0;
    }
    if (c->blen + n > c->held) { /* a chunked body is counted as it comes */
        pg_http_server *s = c->srv;
        size_t more = c->blen + n - c->held;
        if (more > s->lim.body_memory - s->stats.body_memory) {
            c->reject = 503, c->reject_why = PG_HTTP_REFUSED_BODY_MEMORY;
            return -1;
        }
        c->held += more;
        s->stats.body_memory += more;
    }
    if (c->blen + n + 1 > c->bcap) {
        /* Grow with the data, never to a declared length before it arrives. */
        size_t cap = c->bcap ? c->bcap : 1024;
        /* llhttp counts content_length down; whether before or after this span, it bounds. */
        size_t limit =
            (p->flags & F_CONTENT_LENGTH) ? c->blen + n + p->content_length + 1 : max + 1;
        while (cap < c->blen + n + 1) cap *= 2;
        if (cap > limit && limit >= c->blen + n + 1) cap = limit;
        c->bbuf = pg_xrealloc(c->bbuf, cap);
        c->bcap = cap;
    }
    memcpy(c->bbuf + c->blen, at, n);
    c->blen += n;
    return 0;
}

static int on_message_complete(llhttp_t *p)
{
    pg_http_conn *c = p->data;
    c->in_msg = 0;
    /* The flags are still this request's: llhttp resets them after this callback. */
    c->keep_alive = llhttp_should_keep_alive(p) && !c->force_close;
    return HPE_PAUSED;
}

/* Splits the URL in hbuf into a decoded path (moved to the start of hbuf) and the raw query.
 * Accepts origin form ("/p?q") and absolute form ("http://host/p?q"). */
static int url_split(pg_http_conn *c)
{
    char *u = c->hbuf, *end = u + c->url_len, *path = u, *pend, *hash;
    long n;
    if (c->url_len >= 7 &&
        (strncasecmp(u, "http://", 7) == 0 || strncasecmp(u, "https://", 8) == 0)) {
        path = u + (u[4] == ':' ? 7 : 8);
        while (path < end && *path != '/' && *path != '?' && *path != '#') path++;
    }
    hash = memchr(path, '#', (size_t)(end - path));
    if (hash) {
        *hash = '\0';
        end = hash;
    }
    pend = memchr(path, '?', (size_t)(end - path));
    c->req.query = pend ? pend + 1 : NULL;
    if (!pend) pend = end;
    if (path == pend && path > u + 1) {
        /* "http://host" names the root; the scheme left room to write it. */
        u[0] = '/';
        u[1] = '\0';
        c->req.path = u;
        return 0;
    }
    if (path == pend || (*path != '/' && !(pend - path == 1 && *path == '*'))) return -1;
    n = pct_decode(u, path, (size_t)(pend - path), 0);
    if (n < 0) return -1;
    u[n] = '\0';
    c->req.path = u;
    return 0;
}

static pg_http_method method_of(int m)
{
    switch (m) {
    case HTTP_GET:
        return PG_HTTP_GET;
    case HTTP_HEAD:
        return PG_HTTP_HEAD;
    case HTTP_POST:
        return PG_HTTP_POST;
    case HTTP_PUT:
        return PG_HTTP_PUT;
    case HTTP_DELETE:
        return PG_HTTP_DELETE;
    default:
        return PG_HTTP_OTHER;
    }
}

/* Hands a complete request to the handler. */
static void conn_dispatch(pg_http_conn *c)
{
    pg_http_server *s = c->srv;
    pg_http_req *r = &c->req;

    /* The rest of the request was set when its headers were complete. */
    if (c->spilled && spill_map(c) != 0) {
        conn_refuse(c, PG_HTTP_REFUSED_BODY_DISK);
        return;
    }
    if (c->spilled) {
        r->body = c->spill_map;
    } else if (c->blen) {
        c->bbuf[c->blen] = '\0';
        r->body = c->bbuf;
    }
    r->body_len = c->blen;
    r->data = NULL;
    c->outstanding = 1;
    s->stats.requests++;
    c->dispatching = 1;
    s->handler(r, s->ctx);
    c->dispatching = 0;
}

/* Parses data[0, n) until a request waits for its answer, the connection closes or the data
 * ends. Returns the bytes consumed; the caller keeps the rest for conn_resume. */
static size_t conn_parse(pg_http_conn *c, const char *data, size_t n)
{
    size_t off = 0;
    while (off < n && !c->closing && !c->outstanding && !c->wait_drain) {
        llhttp_errno_t err = llhttp_execute(&c->parser, data + off, n - off);
        if (err == HPE_OK) {
            off = n;
        } else if (err == HPE_PAUSED) {
            off = (size_t)(llhttp_get_error_pos(&c->parser) - data);
            llhttp_resume(&c->parser);
            /* A failed 100 Continue may have closed the connection under the parser. */
            if (c->closing)
                off = n;
            else
                conn_dispatch(c);
        } else {
            /* A request the head hook answered is closing already. */
            if (c->closing)
                ;
            else if (c->reject == 503)
                conn_refuse(c, c->reject_why);
            else
                conn_reject(c, c->reject ? c->reject : 400);
            off = n;
        }
    }
    /* A request begun but not finished: its head must be whole within header_ms of its first
     * byte (of the accept, on a new connection: that timer runs already), all of it within
     * read_ms. */
    if (c->in_msg && !c->closing && c->tmode != (c->head_done ? T_READ : T_HEAD)) {
        uint64_t spent = uv_now(c->srv->loop) - c->msg_ms;
        uint64_t ms = c->head_done ? c->srv->lim.read_ms : c->srv->lim.header_ms;
        timer_set(c, c->head_done ? T_READ : T_HEAD, spent < ms ? ms - spent : 0);
    }
    return off;
}

/* Continues with a connection whose request was answered or whose writes drained: first the
 * bytes kept from before, then the socket. */
static void conn_resume(pg_http_conn *c)
{
    if (c->closing || c->outstanding || c->wait_drain) return;
    if (c->pend) {
        c->pend_off += conn_parse(c, c->pend + c->pend_off, c->pend_len - c->pend_off);
        if (c->pend_off < c->pend_len) {
            if (!c->closing) return;
        }
        free(c->pend);
        c->pend = NULL;
        c->pend_off = c->pend_len = 0;
    }
    if (c->closing || c->outstanding || c->wait_drain) return;
    conn_read_start(c);
}

static void on_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf)
{
    pg_http_conn *c = st->data;
    size_t used;
    if (n == 0 || c->closed) return;
    if (n < 0) {
        if (n != UV_EOF || c->lingering) {
            conn_close(c);
            return;
        }
        /* A half-close: whatever was answered is still flushed; a partial request is lost. */
        c->eof = 1;
        conn_read_stop(c);
        if (c->closing) return; /* the shutdown callback closes */
        conn_finish(c);
        return;
    }
    if (c->closing) return; /* lingering: discard */
    used = conn_parse(c, buf->base, (size_t)n);
    if (c->closing) return;
    if (c->outstanding || c->wait_drain) {
        conn_read_stop(c);
        if (used < (size_t)n) {
            /* The shared buffer is reused by the next read: keep the rest. */
            c->pend_len = (size_t)n - used;
            c->pend = pg_xmalloc(c->pend_len);
            memcpy(c->pend, buf->base + used, c->pend_len);
            c->pend_off = 0;
        }
    }
}

/* }========================================================================================= */

/* {=========================================================================================
 * Answering */

void pg_http_respond(pg_http_req *req, int status, const char *content_type, const char *headers,
                     pg_blob *body)
{
    pg_http_conn *c = conn_of(req);
    pg_http_server *s = c->srv;
    head_spec h;

    assert(c->outstanding); /* one answer per request */
    c->outstanding = 0;
    if (!req->conn) {
        /* The client has gone: drop the answer, free what the request held. */
        if (c->handles == 0) conn_release(c);
        return;
    }
    h.status = status;
    h.ctype = content_type;
    h.extra = headers;
    h.body_len = body ? body->len : 0;
    h.close = !c->keep_alive || s->stopping;
    h.head_only = req->method == PG_HTTP_HEAD;
    conn_respond(c, &h, body, NULL, 0);
    req->conn = NULL;
    body_release(c);
    spill_release(c);
    if (c->bcap > BODY_KEEP) {
        free(c->bbuf);
        c->bbuf = NULL;
        c->bcap = 0;
    }
    c->blen = 0;
    if (c->closed) return;
    if (h.close) {
        conn_finish(c);
        return;
    }
    c->queued = 0;
    timer_set(c, T_IDLE, s->lim.idle_ms);
    if (uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) > DRAIN_MAX) c->wait_drain = 1;
    /* Inside the handler call conn_parse goes on by itself; later, we restart it. */
    if (!c->dispatching) conn_resume(c);
}

int pg_http_body_fd(pg_http_req *req)
{
    const pg_http_conn *c = conn_of(req);
    return c->spilled ? c->spill_fd : -1;
}

void pg_http_respond_str(pg_http_req *req, int status, const char *content_type,
                         const char *headers, const char *body)
{
    pg_blob *b = body ? pg_blob_str(body) : NULL;
    pg_http_respond(req, status, content_type, headers, b);
    pg_blob_unref(b);
}

/* }========================================================================================= */

/* {=========================================================================================
 * The listener */

/* The peer's name for the log, and its address for the per-IP count. */
static void peer_name(pg_http_conn *c)
{
    struct sockaddr_storage ss;
    int len = sizeof ss;
    char ip[48] = "?";
    int port = 0;
    if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) == 0) {
        if (ss.ss_family == AF_INET6) {
            struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
            ip[0] = '[';
            uv_ip6_name(a, ip + 1, sizeof ip - 2);
            strcat(ip, "]");
            port = ntohs(a->sin6_port);
            memcpy(c->ip, &a->sin6_addr, 16);
        } else {
            struct sockaddr_in *a = (struct sockaddr_in *)&ss;
            uv_ip4_name(a, ip, sizeof ip);
            port = ntohs(a->sin_port);
            c->ip[10] = c->ip[11] = 0xff;
            memcpy(c->ip + 12, &a->sin_addr, 4);
        }
    }
    snprintf(c->req.peer, sizeof c->req.peer, "%s:%d", ip, port);
}

static void on_refused_close(uv_handle_t *h)
{
    free(h);
}

static void on_failed_listener_close(uv_handle_t *h)
{
    pg_http_server *s = h->data;
    free(s->ips);
    free(s);
}

/* A connection over a limit gets a 503 at once and is closed like any other after an answer:
 * shut down, then drained of its request until its EOF or the linger time, so that the
 * client reads the 503 rather than a reset. Past REFUSING_MAX of those at once it is reset
 * (SO_LINGER 0: no answer, no FIN handshake, no TIME_WAIT kept here): answering a flood must
 * not cost more than the flood. */
static void reset_on_close(uv_handle_t *h)
{
    uv_os_fd_t fd;
    struct linger l = {1, 0};
    if (uv_fileno(h, &fd) == 0) setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
}

static void on_connection(uv_stream_t *ls, int status)
{
    pg_http_server *s = ls->data;
    pg_http_conn *c;
    struct ip_slot *slot = NULL;
    int why = -1;
    if (status < 0) return; /* e.g. EMFILE: libuv retries on the next readiness */
    if (s->serving >= s->lim.max_conns) why = PG_HTTP_REFUSED_CONNECTIONS;
    if (why >= 0 && s->refusing >= REFUSING_MAX) {
        uv_tcp_t *t = pg_xmalloc(sizeof *t);
        uv_tcp_init(s->loop, t);
        if (uv_accept(ls, (uv_stream_t *)t) == 0) reset_on_close((uv_handle_t *)t);
        uv_close((uv_handle_t *)t, on_refused_close);
        s->stats.refused++;
        s->stats.refusals[why]++;
        return;
    }
    c = pg_xcalloc(1, sizeof *c);
    c->srv = s;
    uv_tcp_init(s->loop, &c->tcp);
    uv_timer_init(s->loop, &c->timer);
    c->tcp.data = c->timer.data = c;
    c->handles = 2;
    c->next = s->conns;
    if (s->conns) s->conns->prev = c;
    s->conns = c;
    s->stats.open++;
    c->refused = why >= 0;
    if (c->refused)
        s->refusing++;
    else
        s->serving++;
    if (uv_accept(ls, (uv_stream_t *)&c->tcp) < 0) {
        conn_close(c);
        return;
    }
    uv_tcp_nodelay(&c->tcp, 1);
    peer_name(c);
    llhttp_init(&c->parser, HTTP_REQUEST, &s->settings);
    c->parser.data = c;
    if (!c->refused) {
        slot = ip_find(s, c->ip);
        if (slot->count >= (uint32_t)s->lim.max_conns_per_ip) {
            c->refused = 1;
            s->serving--;
            s->refusing++;
            why = PG_HTTP_REFUSED_PER_IP;
        }
    }
    if (c->refused) {
        s->stats.refused++;
        if (s->refusing > REFUSING_MAX) { /* this one included */
            s->stats.refusals[why]++;
            reset_on_close((uv_handle_t *)&c->tcp);
            conn_close(c);
            return;
        }
        conn_refuse(c, (pg_http_refusal)why);
        return;
    }
    if (!slot->count) memcpy(slot->ip, c->ip, 16);
    slot->count++;
    c->counted = 1;
    s->stats.accepted++;
    /* The first request line and headers must come within header_ms of the accept. */
    timer_set(c, T_HEAD, s->lim.header_ms);
    conn_read_start(c);
}

static void on_listener_close(uv_handle_t *h)
{
    pg_http_server *s = h->data;
    s->listener_open = 0;
    server_maybe_done(s);
}

int pg_http_start(uv_loop_t *loop, const char *host, int port, const pg_http_limits *limits,
                  pg_http_handler handler, void *ctx, pg_http_server **out)
{
    struct sockaddr_storage addr;
    struct sockaddr_storage bound;
    int len = sizeof bound;
    pg_http_server *s;
    int r;

    *out = NULL;
    if (!loop || !host || !handler || port < 0 || port > 65535) return UV_EINVAL;
    if (uv_ip4_addr(host, port, (struct sockaddr_in *)&addr) != 0 &&
        uv_ip6_addr(host, port, (struct sockaddr_in6 *)&addr) != 0)
        return UV_EINVAL;
    /* A client that resets its connection must fail our write, not kill the process. */
    signal(SIGPIPE, SIG_IGN);

    s = pg_xcalloc(1, sizeof *s);
    s->loop = loop;
    s->handler = handler;
    s->ctx = ctx;
    if (limits) s->lim = *limits;
    if (!s->lim.max_header) s->lim.max_header = 16 * 1024;
    if (!s->lim.max_body) s->lim.max_body = (size_t)2 << 30;
    if (!s->lim.read_ms) s->lim.read_ms = 30 * 1000;
    if (!s->lim.idle_ms) s->lim.idle_ms = 60 * 1000;
    if (s->lim.max_conns <= 0) s->lim.max_conns = 1024;
    if (s->lim.max_conns_per_ip <= 0 || s->lim.max_conns_per_ip > s->lim.max_conns)
        s->lim.max_conns_per_ip = s->lim.max_conns_per_ip <= 0 && s->lim.max_conns > 256
                                      ? s->lim.max_conns / 4
                                      : s->lim.max_conns;
    if (!s->lim.header_ms) s->lim.header_ms = 10 * 1000;
    if (!s->lim.body_memory) s->lim.body_memory = 256 * 1024 * 1024;
    if (!s->lim.spill_at) s->lim.spill_at = 1024 * 1024;
    /* Room for twice the connections counted, so that probes stay short. */
    for (s->ips_mask = 15; s->ips_mask < 2 * (size_t)s->lim.max_conns;)
        s->ips_mask = s->ips_mask * 2 + 1;
    s->ips = pg_xcalloc(s->ips_mask + 1, sizeof *s->ips);
    s->ips_seed = (uint32_t)uv_hrtime();

    llhttp_settings_init(&s->settings);
    s->settings.on_message_begin = on_message_begin;
    s->settings.on_method = on_method;
    s->settings.on_version = on_method;
    s->settings.on_url = on_url;
    s->settings.on_url_complete = on_url_complete;
    s->settings.on_header_field = on_header_field;
    s->settings.on_header_field_complete = on_header_field_complete;
    s->settings.on_header_value = on_header_value;
    s->settings.on_header_value_complete = on_header_value_complete;
    s->settings.on_headers_complete = on_headers_complete;
    s->settings.on_body = on_body;
    s->settings.on_message_complete = on_message_complete;

    r = uv_tcp_init(loop, &s->listener);
    if (r < 0) {
        free(s->ips);
        free(s);
        return r;
    }
    s->listener.data = s;
    r = uv_tcp_bind(&s->listener, (struct sockaddr *)&addr, 0);
    if (r == 0) r = uv_listen((uv_stream_t *)&s->listener, 511, on_connection);
    if (r == 0) r = uv_tcp_getsockname(&s->listener, (struct sockaddr *)&bound, &len);
    if (r < 0) {
        /* The handle must close before its memory goes; the loop frees it. */
        uv_close((uv_handle_t *)&s->listener, on_failed_listener_close);
        return r;
    }
    s->port = ntohs(bound.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&bound)->sin6_port
                                                : ((struct sockaddr_in *)&bound)->sin_port);
    s->listener_open = 1;
    *out = s;
    return 0;
}

int pg_http_port(const pg_http_server *s)
{
    return s->port;
}

const pg_http_stats *pg_http_stats_get(const pg_http_server *s)
{
    return &s->stats;
}

void pg_http_set_head_hook(pg_http_server *s, pg_http_head_hook hook)
{
    s->head_hook = hook;
}

void pg_http_stop(pg_http_server *s, void (*done)(void *arg), void *arg)
{
    pg_http_conn *c;
    if (s->stopping) return;
    s->stopping = 1;
    s->done = done;
    s->done_arg = arg;
    uv_close((uv_handle_t *)&s->listener, on_listener_close);
    for (c = s->conns; c; c = c->next) {
        if (c->closing || c->outstanding) continue; /* closes after its answer or linger */
        if (uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp) > 0)
            conn_finish(c); /* an answer is still on its way */
        else
            conn_close(c);
    }
}

/* }========================================================================================= */
