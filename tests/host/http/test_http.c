/* test_http.c — host/http.c over raw TCP, against the http_echo test server.
 *
 * Usage: test_http PATH/TO/http_echo. The group setup starts the server and reads its port;
 * every test talks to it through plain sockets (receive timeout 10 s, so nothing hangs) and
 * then checks that a fresh connection is still served. The group teardown asks for /stop while
 * a slow request is in flight, and the server must answer both and exit 0: all of its handles
 * closed, and, in the sanitizer build, no leak.
 *
 * No timing is asserted. The server's limits are small (read 400 ms, idle 800 ms) and tests
 * only assert that a timeout closes or answers 408 at all, within the receive timeout. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define RECV_TIMEOUT_S 10

static const char *echo_path;

typedef struct {
    pid_t pid;
    int port;
} server;

static server main_srv;

/* {=========================================================================================
 * Helpers: the server process, connections, responses */

static void server_start2(server *s, const char *max_conns, const char *per_ip)
{
    int fds[2];
    char line[64] = "";
    FILE *f;
    assert_int_equal(pipe(fds), 0);
    s->pid = fork();
    assert_true(s->pid >= 0);
    if (s->pid == 0) {
        dup2(fds[1], 1);
        close(fds[0]);
        close(fds[1]);
        execl(echo_path, echo_path, max_conns, per_ip, (char *)NULL);
        _exit(127);
    }
    close(fds[1]);
    f = fdopen(fds[0], "r");
    assert_non_null(fgets(line, sizeof line, f));
    fclose(f);
    assert_int_equal(sscanf(line, "port %d", &s->port), 1);
}

static void server_start(server *s, const char *max_conns)
{
    server_start2(s, max_conns, NULL);
}

/* Waits up to 10 s for the server to exit; returns its exit status, or -1 if it did not. */
static int server_wait(server *s)
{
    int st, i;
    for (i = 0; i < 1000; i++) {
        pid_t r = waitpid(s->pid, &st, WNOHANG);
        if (r == s->pid) return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        usleep(10 * 1000);
    }
    kill(s->pid, SIGKILL);
    waitpid(s->pid, &st, 0);
    return -1;
}

typedef struct {
    int fd;
    size_t len;
    char buf[1 << 16];
} conn;

typedef struct {
    int status;
    char head[4096];
    char body[1 << 16];
    long clen; /* Content-Length, -1 if absent */
    size_t body_len;
    int close; /* "Connection: close" */
} resp;

/* A connected socket; a small `rcvbuf` (0: the default) makes the server queue what the socket
 * does not take. */
static int connect_rcvbuf(int port, int rcvbuf)
{
    struct sockaddr_in a;
    struct timeval tv = {RECV_TIMEOUT_S, 0};
    int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;
    assert_true(fd >= 0);
    if (rcvbuf) setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

static int connect_to(int port)
{
    return connect_rcvbuf(port, 0);
}

static conn *cx_open(void)
{
    conn *c = calloc(1, sizeof *c);
    c->fd = connect_to(main_srv.port);
    return c;
}

static void cx_free(conn *c)
{
    close(c->fd);
    free(c);
}

static void cx_send(conn *c, const char *s, size_t n)
{
    while (n) {
        ssize_t w = send(c->fd, s, n, MSG_NOSIGNAL);
        assert_true(w > 0);
        s += w;
        n -= (size_t)w;
    }
}

#define cx_sends(c, s) cx_send((c), (s), strlen(s))

/* Reads more into the buffer; returns the bytes read, 0 at EOF or reset, -1 at the timeout. */
static int cx_fill(conn *c)
{
    ssize_t n;
    if (c->len == sizeof c->buf) return -1;
    n = recv(c->fd, c->buf + c->len, sizeof c->buf - c->len, 0);
    if (n < 0) return errno == ECONNRESET ? 0 : -1;
    c->len += (size_t)n;
    return (int)n;
}

static void cx_eat(conn *c, size_t n)
{
    memmove(c->buf, c->buf + n, c->len - n);
    c->len -= n;
}

/* The end of the head in the buffer ("\r\n\r\n"), or NULL. */
static char *head_end(conn *c)
{
    size_t i;
    for (i = 0; i + 4 <= c->len; i++)
        if (memcmp(c->buf + i, "\r\n\r\n", 4) == 0) return c->buf + i;
    return NULL;
}

/* Reads one response (headers only when `head`). Returns 0, or -1 if the connection closed
 * or timed out first. Every response must carry Content-Length. */
static int cx_resp(conn *c, resp *r, int head)
{
    char *end, *p;
    size_t hl;
    memset(r, 0, sizeof *r);
    while (!(end = head_end(c)))
        if (cx_fill(c) <= 0) return -1;
    hl = (size_t)(end - c->buf) + 4;
    assert_true(hl < sizeof r->head);
    memcpy(r->head, c->buf, hl);
    cx_eat(c, hl);
    assert_int_equal(sscanf(r->head, "HTTP/1.1 %d", &r->status), 1);
    r->clen = -1;
    for (p = r->head; (p = strstr(p, "\r\n")) != NULL; p += 2) {
        if (strncasecmp(p + 2, "Content-Length:", 15) == 0) r->clen = atol(p + 17);
        if (strncasecmp(p + 2, "Connection: close", 17) == 0) r->close = 1;
    }
    if (r->status < 200) return 0;
    assert_true(r->clen >= 0);
    if (head) return 0;
    assert_true((size_t)r->clen < sizeof r->body);
    while (c->len < (size_t)r->clen)
        if (cx_fill(c) <= 0) return -1;
    memcpy(r->body, c->buf, (size_t)r->clen);
    r->body_len = (size_t)r->clen;
    cx_eat(c, (size_t)r->clen);
    return 0;
}

/* True if the server closed the connection (without sending anything more). */
static int cx_closed(conn *c)
{
    int n;
    while ((n = cx_fill(c)) > 0) {
    }
    return n == 0 && c->len == 0;
}

/* Sends one request and reads its answer on a fresh connection. */
static void one(const char *req, resp *r)
{
    conn *c = cx_open();
    cx_sends(c, req);
    assert_int_equal(cx_resp(c, r, 0), 0);
    cx_free(c);
}

static void expect_body_has(const resp *r, const char *needle)
{
    if (!strstr(r->body, needle)) fail_msg("%s not in %s", needle, r->body);
}

/* Every test ends by checking the server still serves a new client. */
static int still_serving(void **state)
{
    resp *r = malloc(sizeof *r);
    one("GET /alive HTTP/1.1\r\nHost: t\r\n\r\n", r);
    assert_int_equal(r->status, 200);
    expect_body_has(r, "\"path\":\"/alive\"");
    free(r);
    return 0;
}

/* A response on the stack would be large; tests share one per state. */
static resp R, R2;

/* }========================================================================================= */

/* {=========================================================================================
 * Requests that are served */

static void t_get(void **state)
{
    one("GET /hello?q=1&x=y HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer abc\r\n\r\n", &R);
    assert_int_equal(R.status, 200);
    assert_false(R.close);
    assert_non_null(strstr(R.head, "Content-Type: application/json\r\n"));
    assert_non_null(strstr(R.head, "X-Echo: 1\r\n"));
    assert_non_null(strstr(R.head, "\r\nDate: "));
    expect_body_has(&R, "\"method\":\"GET\"");
    expect_body_has(&R, "\"path\":\"/hello\"");
    expect_body_has(&R, "\"query\":\"q=1&x=y\"");
    expect_body_has(&R, "\"q\":\"1\"");
    expect_body_has(&R, "\"auth\":\"Bearer abc\"");
    expect_body_has(&R, "\"body\":\"\"");
}

static void t_keepalive(void **state)
{
    conn *c = cx_open();
    char req[128];
    int i;
    for (i = 0; i < 3; i++) {
        snprintf(req, sizeof req, "GET /k%d HTTP/1.1\r\nHost: t\r\n\r\n", i);
        cx_sends(c, req);
        assert_int_equal(cx_resp(c, &R, 0), 0);
        assert_int_equal(R.status, 200);
        assert_false(R.close);
        snprintf(req, sizeof req, "\"path\":\"/k%d\"", i);
        expect_body_has(&R, req);
    }
    cx_free(c);
}

static void t_pipelined(void **state)
{
    conn *c = cx_open();
    const char *ids[] = {"\"q\":\"1\"", "\"q\":\"2\"", "\"q\":\"3\"", "\"q\":\"4\"", "\"q\":\"5\""};
    int i;
    /* A slow answer first: the quick ones behind it must wait for it. */
    cx_sends(c, "GET /slow?ms=150&q=1 HTTP/1.1\r\nHost: t\r\n\r\n"
                "GET /a?q=2 HTTP/1.1\r\nHost: t\r\n\r\n"
                "GET /slow?ms=10&q=3 HTTP/1.1\r\nHost: t\r\n\r\n"
                "POST /b?q=4 HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello"
                "GET /c?q=5 HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    for (i = 0; i < 5; i++) {
        assert_int_equal(cx_resp(c, &R, 0), 0);
        assert_int_equal(R.status, 200);
        expect_body_has(&R, ids[i]);
        if (i == 3) expect_body_has(&R, "\"body\":\"hello\"");
        assert_int_equal(R.close, i == 4);
    }
    assert_true(cx_closed(c));
    cx_free(c);
}

static void t_pipelined_split(void **state)
{
    /* Requests cut at every few bytes, mixed with a slow one: the parser must resume from
     * where it stopped, whether the rest is kept or read later. */
    const char *all = "GET /slow?ms=30&q=1 HTTP/1.1\r\nHost: t\r\n\r\n"
                      "POST /p?q=2 HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nxyz"
                      "GET /x?q=3 HTTP/1.1\r\nHost: t\r\n\r\n";
    size_t n = strlen(all), off = 0, step = 7;
    conn *c = cx_open();
    while (off < n) {
        size_t k = n - off < step ? n - off : step;
        cx_send(c, all + off, k);
        off += k;
        usleep(2000);
    }
    assert_int_equal(cx_resp(c, &R, 0), 0);
    expect_body_has(&R, "\"q\":\"1\"");
    assert_int_equal(cx_resp(c, &R, 0), 0);
    expect_body_has(&R, "\"q\":\"2\"");
    expect_body_has(&R, "\"body\":\"xyz\"");
    assert_int_equal(cx_resp(c, &R, 0), 0);
    expect_body_has(&R, "\"q\":\"3\"");
    cx_free(c);
}

static void t_post(void **state)
{
    one("POST /in HTTP/1.1\r\nHost: t\r\nContent-Type: text/csv\r\nContent-Length: 11\r\n\r\n"
        "a,b\n1,2\n3,4",
        &R);
    assert_int_equal(R.status, 200);
    expect_body_has(&R, "\"method\":\"POST\"");
    expect_body_has(&R, "\"ctype\":\"text/csv\"");
    expect_body_has(&R, "\"body\":\"a,b\\n1,2\\n3,4\"");
    expect_body_has(&R, "\"len\":11");
}

static void t_chunked(void **state)
{
    one("PUT /c HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
        "5\r\nhello\r\n6;ext=1\r\n world\r\n0\r\nX-Trailer: 1\r\n\r\n",
        &R);
    assert_int_equal(R.status, 200);
    expect_body_has(&R, "\"method\":\"PUT\"");
    expect_body_has(&R, "\"body\":\"hello world\"");
}

static void t_other_method(void **state)
{
    one("PATCH /m HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n", &R);
    assert_int_equal(R.status, 200);
    expect_body_has(&R, "\"method\":\"PATCH\"");
    expect_body_has(&R, "\"m\":5");
}

static void t_head(void **state)
{
    conn *c = cx_open();
    cx_sends(c, "HEAD /h HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_int_equal(cx_resp(c, &R, 1), 0);
    assert_int_equal(R.status, 200);
    assert_true(R.clen > 0);
    /* No body follows: the next answer starts right after the head. */
    cx_sends(c, "GET /after HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_int_equal(cx_resp(c, &R, 0), 0);
    assert_int_equal(R.status, 200);
    expect_body_has(&R, "\"path\":\"/after\"");
    cx_free(c);
}

static void t_http10(void **state)
{
    conn *c = cx_open();
    cx_sends(c, "GET /ten HTTP/1.0\r\n\r\n");
    assert_int_equal(cx_resp(c, &R, 0), 0);
    assert_int_equal(R.status, 200);
    assert_true(R.close);
    assert_true(cx_closed(c));
    cx_free(c);

    /* HTTP/1.0 asking for keep-alive is told it got it. */
    c = cx_open();
    cx_sends(c, "GET /ten1 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    assert_int_equal(cx_resp(c, &R, 0), 0);
    assert_false(R.close);
    assert_non_null(strstr(R.head, "Connection: keep-alive\r\n"));
    cx_sends(c, "GET /ten2 HTTP/1.0\r\n\r\n");
    assert_int_equal(cx_resp(c, &R, 0), 0);
    expect_body_has(&R, "/ten2");
    assert_true(R.close);
    cx_free(c);
}

static void t_connection_close(void **state)
{
    conn *c = cx_open();
    cx_sends(c, "GET /bye HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n"
                "GET /never HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_int_equal(cx_resp(c, &R, 0), 0);
    assert_true(R.close);
    expect_body_has(&R, "/bye");
    assert_true(cx_closed(c));
    cx_free(c);

    /* A client that neither sends nor closes after the last answer: the server's linger
     * ends by itself. */
    c = cx_open();
    cx_sends(c, "GET /bye HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    assert_int_equal(cx_resp(c, &R, 0), 0);
    usleep(1500 * 1000);
    cx_free(c);
}

static void t_slow_past_idle(void **state)
{
    /* The idle timer does not close a connection whose request is with the handler. */
    conn *c = cx_open();
    cx_sends(c, "GET /slow?ms=1200&q=late HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_int_equal(cx_resp(c, &R, 0), 0);
    assert_int_equal(R.status, 200);
    expect_body_has(&R, "\"q\":\"late\"");
    cx_free(c);
}

static void t_expect_continue(void **state)
{
    conn *c = cx_open();
    cx_sends(c, "POST /e HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
    assert_int_equal(cx_resp(c, &R, 0), 0);
    assert_int_equal(R.status, 100);
    cx_sends(c, "data");
    assert_int_equal(cx_resp(c, &R, 0), 0);
    assert_int_equal(R.status, 200);
    expect_body_has(&R, "\"body\":\"data\"");
    cx_free(c);

    /* Too large: 413 at once, no 100, and the body is never sent. */
    c = cx_open();
    cx_sends(
        c, "POST /e HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 999999\r\n\r\n");
    assert_int_equal(cx_resp(c, &R, 0), 0);
    assert_int_equal(R.status, 413);
    assert_true(R.close);
    assert_true(cx_closed(c));
    cx_free(c);
}

/* The head hook refuses on the headers: the 401 comes before any body byte is read, with no
 * 100 Continue, and the connection closes. A request it lets through is read and served. */
static void t_refused_on_headers(void **state)
{
    conn *c = cx_open();
    cx_sends(c, "POST /deny HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\n"
                "Content-Length: 4000\r\n\r\n");
    assert_int_equal(cx_resp(c, &R, 0), 0);
    assert_int_equal(R.status, 401);
    assert_true(R.close);
    expect_body_has(&R, "a token is needed");
    assert_true(cx_closed(c));
    cx_free(c);

    /* No Expect, the body on its way at once, chunked: the same, and what came is discarded. */
    c = cx_open();
    cx_sends(c, "POST /deny/x HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                "10\r\n0123456789abcdef\r\n");
    assert_int_equal(cx_resp(c, &R, 0), 0);
    assert_int_equal(R.status, 401);
    assert_true(R.close);
    assert_true(cx_closed(c));
    cx_free(c);

    /* With the token: 100 Continue, then the echo. */
    c = cx_open();
    cx_sends(c, "POST /deny HTTP/1.1\r\nHost: t\r\nAuthorization: Bearer ok\r\n"
                "Expect: 100-continue\r\nContent-Length: 4\r\n\r\n");
    assert_int_equal(cx_resp(c, &R, 0), 0);
    assert_int_equal(R.status, 100);
    cx_sends(c, "data");
    assert_int_equal(cx_resp(c, &R, 0), 0);
    assert_int_equal(R.status, 200);
    expect_body_has(&R, "\"body\":\"data\"");
    assert_false(R.close);
    cx_free(c);

    /* Without a body the hook is not asked: the handler answers (here, the echo). */
    one("GET /deny HTTP/1.1\r\nHost: t\r\n\r\n", &R);
    assert_int_equal(R.status, 200);
}

static void t_decode(void **state)
{
    one("GET /a%20b%2Fc%C3%A9?q=x%26y+z%21&r HTTP/1.1\r\nHost: t\r\n\r\n", &R);
    assert_int_equal(R.status, 200);
    expect_body_has(&R, "\"path\":\"/a b/c\xC3\xA9\"");
    expect_body_has(&R, "\"query\":\"q=x%26y+z%21&r\"");
    expect_body_has(&R, "\"q\":\"x&y z!\"");

    one("GET http://example.org/abs%41?q=1 HTTP/1.1\r\nHost: t\r\n\r\n", &R);
    assert_int_equal(R.status, 200);
    expect_body_has(&R, "\"path\":\"/absA\"");
    one("DELETE http://example.org?q=3 HTTP/1.1\r\nHost: t\r\n\r\n", &R);
    assert_int_equal(R.status, 200);
    expect_body_has(&R, "\"path\":\"/\"");
    expect_body_has(&R, "\"m\":4");
    one("GET /frag?q=2#top HTTP/1.1\r\nHost: t\r\n\r\n", &R);
    assert_int_equal(R.status, 200);
    expect_body_has(&R, "\"path\":\"/frag\"");
    expect_body_has(&R, "\"query\":\"q=2\"");
}

static void t_big_response(void **state)
{
    /* Larger than the socket takes at once: the rest is queued and written later. */
    conn *c = calloc(1, sizeof *c);
    size_t got = 0, want = 8 * 1000 * 1000;
    char *end;
    c->fd = connect_rcvbuf(main_srv.port, 4096);
    cx_sends(c, "GET /big?n=8000000 HTTP/1.1\r\nHost: t\r\n\r\nGET /x?q=after HTTP/1.1\r\n\r\n");
    usleep(100 * 1000); /* let the server fill its queue while we do not read */
    while (!(end = head_end(c))) assert_true(cx_fill(c) > 0);
    assert_non_null(strstr(c->buf, "Content-Length: 8000000\r\n"));
    cx_eat(c, (size_t)(end - c->buf) + 4);
    while (got < want) {
        size_t k = c->len < want - got ? c->len : want - got;
        got += k;
        cx_eat(c, k);
        if (got < want) assert_true(cx_fill(c) > 0);
    }
    /* The pipelined request behind it is answered once the queue drains. */
    assert_int_equal(cx_resp(c, &R, 0), 0);
    assert_int_equal(R.status, 200);
    expect_body_has(&R, "\"q\":\"after\"");
    cx_free(c);
}

static void t_slow_reader(void **state)
{
    /* A client that takes a large answer slowly, for longer than the idle timeout, still
     * gets all of it. */
    conn *c = calloc(1, sizeof *c);
    size_t got = 0, want = 3 * 1000 * 1000;
    char *end;
    c->fd = connect_rcvbuf(main_srv.port, 4096);
    cx_sends(c, "GET /big?n=3000000 HTTP/1.1\r\nHost: t\r\n\r\n");
    while (!(end = head_end(c))) assert_true(cx_fill(c) > 0);
    cx_eat(c, (size_t)(end - c->buf) + 4);
    while (got < want) {
        got += c->len;
        c->len = 0;
        if (got < want) {
            usleep(10 * 1000);
            assert_true(cx_fill(c) > 0);
        }
    }
    assert_int_equal(got, want);
    cx_free(c);
}

/* }========================================================================================= */

/* {=========================================================================================
 * Abuse: the server answers by itself, closes, and keeps serving */

static void expect_reject(const char *req, int status)
{
    conn *c = cx_open();
    cx_sends(c, req);
    assert_int_equal(cx_resp(c, &R, 0), 0);
    assert_int_equal(R.status, status);
    assert_true(R.close);
    expect_body_has(&R, "\"error\"");
    assert_true(cx_closed(c));
    cx_free(c);
}

static void t_bad_request_line(void **state)
{
    expect_reject("GARBAGE\r\n\r\n", 400);
    expect_reject("GET / HTTP/9.9\r\n\r\n", 400);
    expect_reject("GET /x y HTTP/1.1\r\n\r\n", 400);
    expect_reject("GET / HTTP/1.1\r\nBad Header\r\n\r\n", 400);
}

static void t_bad_escapes(void **state)
{
    expect_reject("GET /a%00b HTTP/1.1\r\nHost: t\r\n\r\n", 400);
    expect_reject("GET /a%zz HTTP/1.1\r\nHost: t\r\n\r\n", 400);
    expect_reject("GET /a%2 HTTP/1.1\r\nHost: t\r\n\r\n", 400);
    expect_reject("GET /a% HTTP/1.1\r\nHost: t\r\n\r\n", 400);
}

static void t_duplicate_auth(void **state)
{
    expect_reject("GET / HTTP/1.1\r\nAuthorization: a\r\nAuthorization: b\r\n\r\n", 400);
}

static void t_header_limit(void **state)
{
    char *req = malloc(5000);
    snprintf(req, 5000, "GET / HTTP/1.1\r\nHost: t\r\nX-Big: %03000d\r\n\r\n", 0);
    expect_reject(req, 431);
    /* A long URL counts too. */
    snprintf(req, 5000, "GET /%03000d HTTP/1.1\r\nHost: t\r\n\r\n", 0);
    expect_reject(req, 431);
    /* Many small headers. */
    strcpy(req, "GET / HTTP/1.1\r\n");
    while (strlen(req) < 4000) strcat(req, "X-A: b\r\n");
    strcat(req, "\r\n");
    expect_reject(req, 431);
    free(req);
}

static void t_body_limit(void **state)
{
    conn *c;
    int i;
    expect_reject("POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n", 413);

    /* The client goes on sending its body: the 413 must still reach it. */
    c = cx_open();
    cx_sends(c, "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n");
    {
        static char junk[20000];
        memset(junk, 'j', sizeof junk);
        for (i = 0; i < 5; i++) send(c->fd, junk, sizeof junk, MSG_NOSIGNAL);
    }
    assert_int_equal(cx_resp(c, &R, 0), 0);
    assert_int_equal(R.status, 413);
    expect_body_has(&R, "\"limit\":\"body_size\",\"max_bytes\":4096"); /* what would fit */
    cx_free(c);

    /* Chunked: the body grows past the limit chunk by chunk. */
    c = cx_open();
    cx_sends(c, "POST / HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n");
    for (i = 0; i < 6; i++) {
        char chunk[1100];
        memset(chunk, 'c', sizeof chunk);
        memcpy(chunk, "3e8\r\n", 5); /* 1000 bytes */
        memcpy(chunk + 1005, "\r\n", 2);
        if (send(c->fd, chunk, 1007, MSG_NOSIGNAL) < 0) break;
    }
    assert_int_equal(cx_resp(c, &R, 0), 0);
    assert_int_equal(R.status, 413);
    assert_true(R.close);
    assert_true(cx_closed(c));
    cx_free(c);

    /* Exactly at the limit is fine. */
    c = cx_open();
    cx_sends(c, "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 4096\r\n\r\n");
    {
        char body[4096];
        memset(body, 'b', sizeof body);
        cx_send(c, body, sizeof body);
    }
    assert_int_equal(cx_resp(c, &R, 0), 0);
    assert_int_equal(R.status, 200);
    expect_body_has(&R, "\"len\":4096"); /* spilled (over 4050), a page long: its NUL is the
                                             next page's */
    cx_free(c);
}

static void t_bad_chunked(void **state)
{
    expect_reject("POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n",
                  400);
    expect_reject("POST / HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
                  "3\r\nabc\r\n0\r\n\r\n",
                  400);
    expect_reject("POST / HTTP/1.1\r\nContent-Length: 3x\r\n\r\nabc", 400);
}

static void t_truncated_body(void **state)
{
    conn *c = cx_open();
    cx_sends(c, "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n0123456789");
    cx_free(c);
    /* And a half-close: the client says it will send no more, mid-body. */
    c = cx_open();
    cx_sends(c, "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n0123456789");
    shutdown(c->fd, SHUT_WR);
    assert_true(cx_closed(c));
    cx_free(c);
}

static void t_half_close_after_request(void **state)
{
    /* A whole request then SHUT_WR: the answer still comes, then the close. */
    conn *c = cx_open();
    cx_sends(c, "GET /slow?ms=20 HTTP/1.1\r\nHost: t\r\n\r\nGET /two HTTP/1.1\r\nHost: t\r\n\r\n");
    shutdown(c->fd, SHUT_WR);
    assert_int_equal(cx_resp(c, &R, 0), 0);
    assert_int_equal(R.status, 200);
    assert_int_equal(cx_resp(c, &R, 0), 0);
    expect_body_has(&R, "/two");
    assert_true(cx_closed(c));
    cx_free(c);
}

static void t_short_content_length(void **state)
{
    /* Content-Length 3 but more was sent: the rest is a bad next request. */
    conn *c = cx_open();
    cx_sends(c, "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n\r\nabcdef ghi\r\n\r\n");
    assert_int_equal(cx_resp(c, &R, 0), 0);
    assert_int_equal(R.status, 200);
    expect_body_has(&R, "\"body\":\"abc\"");
    assert_int_equal(cx_resp(c, &R2, 0), 0);
    assert_int_equal(R2.status, 400);
    assert_true(R2.close);
    assert_true(cx_closed(c));
    cx_free(c);
}

static void t_idle_timeout(void **state)
{
    conn *c = cx_open();
    /* Nothing at all: closed silently. */
    assert_true(cx_closed(c));
    cx_free(c);
    /* Idle after an answer. */
    c = cx_open();
    cx_sends(c, "GET / HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_int_equal(cx_resp(c, &R, 0), 0);
    assert_true(cx_closed(c));
    cx_free(c);
}

static void t_read_timeout(void **state)
{
    conn *c = cx_open();
    cx_sends(c, "GET / HTTP/1.1\r\nHost: t\r\n");
    assert_int_equal(cx_resp(c, &R, 0), 0);
    assert_int_equal(R.status, 408);
    assert_true(R.close);
    assert_true(cx_closed(c));
    cx_free(c);
    /* A body that trickles in too slowly. */
    c = cx_open();
    cx_sends(c, "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n12");
    assert_int_equal(cx_resp(c, &R, 0), 0);
    assert_int_equal(R.status, 408);
    cx_free(c);
}

static void t_gone_while_slow(void **state)
{
    conn *c = cx_open();
    cx_sends(c, "GET /slow?ms=150 HTTP/1.1\r\nHost: t\r\n\r\n");
    cx_free(c);
    still_serving(state);
    /* With a reset rather than a FIN, and pipelined work behind it. */
    c = cx_open();
    cx_sends(c, "GET /slow?ms=100 HTTP/1.1\r\nHost: t\r\n\r\nGET /slow?ms=10 HTTP/1.1\r\n\r\n");
    {
        struct linger l = {1, 0};
        setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    }
    cx_free(c);
    usleep(300 * 1000); /* the answers are dropped meanwhile */
}

static void t_binary_garbage(void **state)
{
    conn *c = cx_open();
    char junk[3000];
    size_t i;
    unsigned x = 12345;
    for (i = 0; i < sizeof junk; i++) {
        x = x * 1103515245u + 12345u;
        junk[i] = (char)(x >> 16);
    }
    send(c->fd, junk, sizeof junk, MSG_NOSIGNAL);
    /* A 400 or a close; either way no crash. */
    if (cx_resp(c, &R, 0) == 0) assert_int_equal(R.status, 400);
    cx_free(c);
}

static void t_many_connections(void **state)
{
    enum { N = 1000 };
    int *fds = malloc(N * sizeof *fds), i;
    /* Every tenth asks something as soon as it is open (an early one could otherwise reach
     * the idle timeout while the others connect). */
    for (i = 0; i < N; i++) {
        fds[i] = connect_to(main_srv.port);
        if (i % 10 == 0) {
            conn *c = calloc(1, sizeof *c);
            c->fd = fds[i];
            cx_sends(c, "GET /many HTTP/1.1\r\nHost: t\r\n\r\n");
            assert_int_equal(cx_resp(c, &R, 0), 0);
            assert_int_equal(R.status, 200);
            free(c);
        }
    }
    for (i = 0; i < N; i++) close(fds[i]);
    free(fds);
}

static void t_max_conns(void **state)
{
    server s;
    int fds[4], i, extra, served = 0;
    char b;
    server_start(&s, "4");
    for (i = 0; i < 4; i++) fds[i] = connect_to(s.port);
    usleep(100 * 1000);
    /* The fifth gets a 503 at once, naming the limit, and is closed. */
    {
        conn *c = calloc(1, sizeof *c);
        c->fd = extra = connect_to(s.port);
        assert_int_equal(cx_resp(c, &R, 0), 0);
        assert_int_equal(R.status, 503);
        assert_true(R.close);
        assert_non_null(strstr(R.head, "\r\nRetry-After: "));
        expect_body_has(&R, "\"limit\":\"max_connections\"");
        assert_true(cx_closed(c));
        cx_free(c);
    }
    (void)b;
    close(fds[0]);
    /* Once one is gone, a new one is served (the close reaches the server soon). */
    for (i = 0; i < 100 && !served; i++) {
        conn *c = calloc(1, sizeof *c);
        c->fd = connect_to(s.port);
        cx_sends(c, "GET /stats HTTP/1.1\r\nHost: t\r\n\r\n");
        if (cx_resp(c, &R, 0) == 0 && R.status != 503) {
            assert_int_equal(R.status, 200);
            expect_body_has(&R, "\"refused\":");
            served = 1;
        }
        cx_free(c);
        if (!served) usleep(20 * 1000);
    }
    assert_true(served);
    for (i = 1; i < 4; i++) close(fds[i]);
    {
        conn *c = calloc(1, sizeof *c);
        c->fd = connect_to(s.port);
        for (i = 0; i < 100; i++) {
            cx_sends(c, "GET /stop HTTP/1.1\r\nHost: t\r\n\r\n");
            if (cx_resp(c, &R, 0) == 0 && R.status == 200) break;
            close(c->fd);
            usleep(20 * 1000);
            c->fd = connect_to(s.port);
            c->len = 0;
        }
        cx_free(c);
    }
    assert_int_equal(server_wait(&s), 0);
}

/* A connection from 127.0.0.2 to the server on 127.0.0.1 (Linux routes all of 127/8 to lo). */
static int connect_from2(int port)
{
    struct sockaddr_in a;
    struct timeval tv = {RECV_TIMEOUT_S, 0};
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(0x7f000002);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    return fd;
}

/* One address holds its share and no more: its next connection gets a 503 naming the per-IP
 * limit, while another address is served; a slot freed by a close is reused. */
static void t_max_conns_per_ip(void **state)
{
    server s;
    enum { N = 200 };
    int fds[N], i, served = 0;
    conn *c;
    server_start2(&s, "300", "20");
    /* 200 idle connections from 127.0.0.1: 20 held, 180 refused. */
    for (i = 0; i < N; i++) fds[i] = connect_to(s.port);
    c = calloc(1, sizeof *c);
    c->fd = connect_to(s.port);
    assert_int_equal(cx_resp(c, &R, 0), 0);
    assert_int_equal(R.status, 503);
    assert_true(R.close);
    expect_body_has(&R, "\"limit\":\"max_connections_per_ip\"");
    cx_free(c);
    /* Another address is served, and sees the refusals counted. */
    c = calloc(1, sizeof *c);
    c->fd = connect_from2(s.port);
    cx_sends(c, "GET /stats HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_int_equal(cx_resp(c, &R, 0), 0);
    assert_int_equal(R.status, 200);
    if (!strstr(R.body, "\"per_ip\":18") && !strstr(R.body, "\"per_ip\":19"))
        fail_msg("expected 181 per-IP refusals: %s", R.body);
    cx_free(c);
    for (i = 0; i < N; i++) close(fds[i]);
    /* Once they are gone (the closes reach the server soon), 127.0.0.1 is served again. */
    for (i = 0; i < 100 && !served; i++) {
        c = calloc(1, sizeof *c);
        c->fd = connect_to(s.port);
        cx_sends(c, "GET /stop HTTP/1.1\r\nHost: t\r\n\r\n");
        if (cx_resp(c, &R, 0) == 0 && R.status == 200) served = 1;
        cx_free(c);
        if (!served) usleep(20 * 1000);
    }
    assert_true(served);
    assert_int_equal(server_wait(&s), 0);
}

/* A flood from one address: the first REFUSING_MAX (256) refused connections still lingering
 * get their 503; past them a refused connection is reset at once, unanswered, and counted. */
static void t_refusal_flood(void **state)
{
    server s;
    enum { N = 400 };
    int fds[N], i;
    char b[64];
    conn *c;
    server_start2(&s, "1000", "20");
    /* each waits for its answer, so the first refusals are still lingering */
    for (i = 0; i < N; i++) fds[i] = connect_to(s.port);
    c = calloc(1, sizeof *c);
    c->fd = connect_to(s.port);
    {
        struct timeval tv = {5, 0};
        setsockopt(c->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    }
    ssize_t n = recv(c->fd, b, sizeof b, 0);
    assert_true(n <= 0); /* reset (or closed): no 503 for the 401st */
    cx_free(c);
    c = calloc(1, sizeof *c);
    c->fd = connect_from2(s.port);
    cx_sends(c, "GET /stats HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_int_equal(cx_resp(c, &R, 0), 0);
    assert_int_equal(R.status, 200);
    if (!strstr(R.body, "\"per_ip\":381") && !strstr(R.body, "\"per_ip\":380"))
        fail_msg("expected 381 per-IP refusals: %s", R.body);
    cx_sends(c, "GET /stop HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_int_equal(cx_resp(c, &R, 0), 0);
    cx_free(c);
    for (i = 0; i < N; i++) close(fds[i]);
    assert_int_equal(server_wait(&s), 0);
}

/* A new connection must bring its head within the head timeout: one that sends nothing is
 * closed, one that sends part of a head gets 408; both are counted as head timeouts. */
static void t_header_timeout(void **state)
{
    conn *c = cx_open();
    assert_true(cx_closed(c));
    cx_free(c);
    c = cx_open();
    cx_sends(c, "GET / HTTP/1.1\r\nHost: t\r\nX-Slow: ");
    assert_int_equal(cx_resp(c, &R, 0), 0);
    assert_int_equal(R.status, 408);
    assert_true(cx_closed(c));
    cx_free(c);
    one("GET /stats HTTP/1.1\r\nHost: t\r\n\r\n", &R);
    if (strstr(R.body, "\"header_timeout\":0,") || strstr(R.body, "\"header_timeout\":0}"))
        fail_msg("no head timeout counted: %s", R.body);
}

/* The bodies held at once are bounded (http_echo: 4 × its 4 KiB body limit): a post that
 * would pass the budget gets 503 on its Content-Length, before its body is read; once the
 * others are answered it fits again. */
static void t_body_memory(void **state)
{
    conn *c[4], *x;
    int i;
    for (i = 0; i < 4; i++) {
        c[i] = cx_open();
        cx_sends(c[i], "POST /held HTTP/1.1\r\nHost: t\r\nContent-Length: 4000\r\n\r\n");
    }
    usleep(100 * 1000);
    x = cx_open();
    cx_sends(x, "POST /over HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n");
    assert_int_equal(cx_resp(x, &R, 0), 0);
    assert_int_equal(R.status, 503);
    assert_true(R.close);
    assert_non_null(strstr(R.head, "\r\nRetry-After: "));
    expect_body_has(&R, "\"limit\":\"body_memory\"");
    cx_free(x);
    for (i = 0; i < 4; i++) {
        char body[4000];
        memset(body, 'b', sizeof body);
        cx_send(c[i], body, sizeof body);
        assert_int_equal(cx_resp(c[i], &R, 0), 0);
        assert_int_equal(R.status, 200);
        cx_free(c[i]);
    }
    one("POST /fits HTTP/1.1\r\nHost: t\r\nContent-Length: 4000\r\n\r\n", &R);
    assert_int_equal(R.status, 408); /* its body never came: read, not refused */
}

/* A body over spill_at (4050 in the echo) goes to a temporary file, declared or chunked, and
 * reaches the handler whole and NUL-terminated, as a body in memory does; it does not count
 * against body_memory. A spill directory that cannot take it is a 503 naming body_disk, and
 * the server goes on serving bodies in memory. */
static void t_spilled_body(void **state)
{
    char body[4090], want[4200];
    conn *c;
    int i;
    for (i = 0; i < (int)sizeof body; i++) body[i] = (char)('a' + i % 26);
    snprintf(want, sizeof want, "\"body\":\"%.*s\",\"len\":4090", (int)sizeof body, body);
    c = cx_open();
    cx_sends(c, "POST /spill HTTP/1.1\r\nHost: t\r\nContent-Length: 4090\r\n\r\n");
    cx_send(c, body, sizeof body);
    assert_int_equal(cx_resp(c, &R, 0), 0);
    assert_int_equal(R.status, 200);
    expect_body_has(&R, want);
    /* chunked, growing past spill_at in its second chunk; the same connection */
    cx_sends(c, "POST /spill HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n");
    for (i = 0; i < 2; i++) {
        cx_sends(c, "7fd\r\n"); /* 2045 */
        cx_send(c, body + i * 2045, 2045);
        cx_sends(c, "\r\n");
    }
    cx_sends(c, "0\r\n\r\n");
    assert_int_equal(cx_resp(c, &R, 0), 0);
    assert_int_equal(R.status, 200);
    expect_body_has(&R, want);
    cx_sends(c, "GET /stats HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_int_equal(cx_resp(c, &R, 0), 0);
    expect_body_has(&R, "\"body_disk\":0,\"body_memory\":0}");
    assert_non_null(strstr(R.body, "\"spilled\":"));
    assert_true(atoi(strstr(R.body, "\"spilled\":") + 10) >= 2);
    cx_free(c);

    server bad;
    int port = main_srv.port;
    setenv("HTTP_ECHO_SPILL_DIR", "/nonexistent/pinggu-spill", 1);
    server_start(&bad, NULL);
    unsetenv("HTTP_ECHO_SPILL_DIR");
    main_srv.port = bad.port; /* cx_open and one() talk to main_srv */
    c = cx_open();
    cx_sends(c, "POST /spill HTTP/1.1\r\nHost: t\r\nContent-Length: 4090\r\n\r\n");
    assert_int_equal(cx_resp(c, &R, 0), 0);
    assert_int_equal(R.status, 503);
    assert_true(R.close);
    expect_body_has(&R, "\"limit\":\"body_disk\"");
    cx_free(c);
    one("POST /small HTTP/1.1\r\nHost: t\r\nContent-Length: 5\r\n\r\nhello", &R);
    assert_int_equal(R.status, 200);
    expect_body_has(&R, "\"body\":\"hello\"");
    one("GET /stop HTTP/1.1\r\nHost: t\r\n\r\n", &R);
    main_srv.port = port;
    assert_int_equal(server_wait(&bad), 0);
}

/* }========================================================================================= */

static int group_setup(void **state)
{
    server_start(&main_srv, NULL);
    return 0;
}

/* /stop while a slow request is in flight and another connection is idle: the idle one is
 * closed at once, both requests are answered, then the server exits 0. */
static int group_teardown(void **state)
{
    conn *slow = cx_open(), *stop, *idle = cx_open();
    cx_sends(idle, "GET /idle HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_int_equal(cx_resp(idle, &R, 0), 0);
    cx_sends(slow, "GET /slow?ms=200&q=last HTTP/1.1\r\nHost: t\r\n\r\n");
    usleep(50 * 1000);
    stop = cx_open();
    cx_sends(stop, "GET /stop HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_int_equal(cx_resp(stop, &R, 0), 0);
    assert_int_equal(R.status, 200);
    assert_true(R.close);
    assert_true(cx_closed(idle));
    cx_free(idle);
    assert_int_equal(cx_resp(slow, &R, 0), 0);
    assert_int_equal(R.status, 200);
    expect_body_has(&R, "\"q\":\"last\"");
    assert_true(R.close);
    cx_free(slow);
    cx_free(stop);
    assert_int_equal(server_wait(&main_srv), 0);
    return 0;
}

#define T(f) cmocka_unit_test_teardown(f, still_serving)

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        T(t_get),
        T(t_keepalive),
        T(t_pipelined),
        T(t_pipelined_split),
        T(t_post),
        T(t_chunked),
        T(t_other_method),
        T(t_head),
        T(t_http10),
        T(t_connection_close),
        T(t_slow_past_idle),
        T(t_expect_continue),
        T(t_refused_on_headers),
        T(t_decode),
        T(t_big_response),
        T(t_slow_reader),
        T(t_bad_request_line),
        T(t_bad_escapes),
        T(t_duplicate_auth),
        T(t_header_limit),
        T(t_body_limit),
        T(t_bad_chunked),
        T(t_truncated_body),
        T(t_half_close_after_request),
        T(t_short_content_length),
        T(t_idle_timeout),
        T(t_read_timeout),
        T(t_gone_while_slow),
        T(t_binary_garbage),
        T(t_many_connections),
        T(t_max_conns),
        T(t_max_conns_per_ip),
        T(t_refusal_flood),
        T(t_header_timeout),
        T(t_body_memory),
        T(t_spilled_body),
    };
    struct rlimit rl;
    if (argc < 2) {
        fprintf(stderr, "usage: test_http PATH/TO/http_echo\n");
        return 2;
    }
    echo_path = argv[1];
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 4096) {
        rl.rlim_cur = rl.rlim_max < 4096 ? rl.rlim_max : 4096;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    signal(SIGPIPE, SIG_IGN);
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
