/* hostile.c — the hostile clients of tools/bench/serve-run (issue 13): connections that hold
 * the host's resources while legitimate clients read the cached ranking. One process, one
 * epoll loop, every connection non-blocking, all from one source address (--from, default
 * 127.0.0.2, so that the legitimate load on 127.0.0.1 is another client to the host).
 *
 *   hostile PORT DURATION_MS [--from ADDR] [--slowloris N] [--drip MS] [--idle N]
 *           [--bodies N] [--body-mb M] [--body-rate MBPS] [--path PATH] [--pid PID]
 *           [--reopen-ms MS]
 *
 *   slowloris  N connections that send a request line and then one header line every --drip
 *              ms (default 1000), never the blank line that ends the headers;
 *   idle       N connections that send nothing;
 *   bodies     N connections that each POST --body-mb MB (default 60) to --path (default
 *              /api/v1/batches) without a token, as fast as --body-rate allows (MB/s over all
 *              of them, default 0: unlimited). A host that authenticates on the headers
 *              answers 401 before reading the body; one that buffers first reads it all.
 * A connection the host closes (or answers, for a body) is opened again after --reopen-ms
 * (default 100), until DURATION_MS is over: the pressure stays the same all along. With --pid,
 * the host's resident memory (VmRSS of /proc/PID/status) is sampled every 50 ms.
 *
 * Prints, one "key value" per line: per kind, connections opened, connect failures, peak open
 * at once, closed by the host, answered, the statuses answered ("status_503 12"), the median
 * lifetime of the connections the host closed, and for bodies the bytes of body sent before
 * the answer, the close or the end of the run (median and max); then the host's RSS at the start and its peak, and this
 * process's own CPU time (it shares the machine with the host and wrk). Benchmark code: it
 * exits non-zero only when it cannot run. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { SLOW, IDLE, BODY, NKINDS };
static const char *const kind_name[NKINDS] = {"slowloris", "idle", "bodies"};

typedef struct {
    int fd, kind, connected, answered;
    double opened_at, next_at; /* next_at: the next drip, or when to reopen (fd < 0) */
    size_t head_sent, body_sent;
    char head[512];
    size_t head_len;
} conn;

typedef struct {
    long opened, connect_failed, closed_by_host, answered, open_now, open_peak;
    long status[600];
    double *life; /* lifetimes (ms) of connections the host closed */
    long nlife, caplife;
    double *bytes; /* bodies: bytes sent before the answer or the close */
    long nbytes, capbytes;
} stats;

static stats st[NKINDS];
static int ep;
static struct sockaddr_in to, from;
static const char *path = "/api/v1/batches";
static size_t body_bytes = (size_t)60 << 20;
static double drip_ms = 1000, reopen_ms = 100, body_rate = 0; /* bytes per ms, 0: unlimited */
static double budget; /* body bytes that may be sent now, under --body-rate */
static char filler[65536];

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void push(double **v, long *n, long *cap, double x)
{
    if (*n == *cap) *v = realloc(*v, sizeof **v * (size_t)(*cap = *cap ? *cap * 2 : 256));
    (*v)[(*n)++] = x;
}

static void conn_open(conn *c, double t)
{
    c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (c->fd < 0) {
        perror("hostile: socket");
        exit(1);
    }
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    setsockopt(c->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (bind(c->fd, (struct sockaddr *)&from, sizeof from) != 0) {
        perror("hostile: bind (--from)");
        exit(1);
    }
    c->connected = c->answered = 0;
    c->opened_at = t;
    c->head_sent = c->body_sent = 0;
    st[c->kind].opened++;
    if (connect(c->fd, (struct sockaddr *)&to, sizeof to) != 0 && errno != EINPROGRESS) {
        st[c->kind].connect_failed++;
        close(c->fd);
        c->fd = -1;
        c->next_at = t + reopen_ms;
        return;
    }
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP, .data.ptr = c};
    epoll_ctl(ep, EPOLL_CTL_ADD, c->fd, &ev);
}

/* Closes c; by_host: the host closed it (or reset it). */
static void conn_close(conn *c, double t, int by_host)
{
    stats *s = &st[c->kind];
    if (c->connected) s->open_now--;
    if (by_host && c->connected) {
        s->closed_by_host++;
        push(&s->life, &s->nlife, &s->caplife, t - c->opened_at);
    }
    if (c->kind == BODY && c->connected)
        push(&s->bytes, &s->nbytes, &s->capbytes, (double)c->body_sent);
    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
    close(c->fd);
    c->fd = -1;
    c->next_at = t + reopen_ms;
}

static void want_out(conn *c, int out)
{
    struct epoll_event ev = {.events = EPOLLIN | EPOLLRDHUP | (out ? EPOLLOUT : 0u), .data.ptr = c};
    epoll_ctl(ep, EPOLL_CTL_MOD, c->fd, &ev);
}

/* Sends what c has to send now; returns -1 when the host has closed or reset it. */
static int conn_send(conn *c, double t)
{
    while (c->head_sent < c->head_len) {
        ssize_t w = send(c->fd, c->head + c->head_sent, c->head_len - c->head_sent, MSG_NOSIGNAL);
        if (w < 0) return errno == EAGAIN ? 0 : -1;
        c->head_sent += (size_t)w;
    }
    if (c->kind == SLOW) {
        if (t >= c->next_at) {
            static const char line[] = "X-Slow: 1\r\n";
            c->head_len = c->head_sent = 0;
            memcpy(c->head, line, sizeof line - 1);
            c->head_len = sizeof line - 1;
            c->next_at = t + drip_ms;
            return conn_send(c, t);
        }
        want_out(c, 0);
        return 0;
    }
    if (c->kind != BODY || c->answered) {
        want_out(c, 0);
        return 0;
    }
    while (c->body_sent < body_bytes) {
        size_t n = body_bytes - c->body_sent;
        if (n > sizeof filler) n = sizeof filler;
        if (body_rate > 0) {
            if (budget < 1) { /* the loop refills it and sends again */
                want_out(c, 0);
                return 0;
            }
            if ((double)n > budget) n = (size_t)budget;
        }
        ssize_t w = send(c->fd, filler, n, MSG_NOSIGNAL);
        if (w < 0) return errno == EAGAIN ? 0 : -1;
        c->body_sent += (size_t)w;
        if (body_rate > 0) budget -= (double)w;
    }
    want_out(c, 0); /* all sent: wait for the answer */
    return 0;
}

static void conn_start(conn *c, int port)
{
    if (c->kind == SLOW)
        c->head_len = (size_t)snprintf(c->head, sizeof c->head,
                                       "GET /api/v1/rankings/monthly/2021-05 HTTP/1.1\r\n"
                                       "Host: 127.0.0.1:%d\r\n",
                                       port);
    else if (c->kind == BODY)
        c->head_len = (size_t)snprintf(c->head, sizeof c->head,
                                       "POST %s HTTP/1.1\r\nHost: 127.0.0.1:%d\r\n"
                                       "Content-Type: text/csv\r\nContent-Length: %zu\r\n\r\n",
                                       path, port, body_bytes);
    else
        c->head_len = 0;
    c->next_at = c->kind == SLOW ? now_ms() + drip_ms : 0;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, long n)
{
    if (!n) return 0;
    qsort(v, (size_t)n, sizeof *v, cmp);
    return v[(n - 1) / 2];
}

static double rss_mb(int pid)
{
    char p[64], line[256];
    snprintf(p, sizeof p, "/proc/%d/status", pid);
    FILE *f = fopen(p, "r");
    double mb = 0;
    if (!f) return 0;
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "VmRSS:", 6) == 0) mb = atof(line + 6) / 1024.0;
    fclose(f);
    return mb;
}

static void usage(void)
{
    fprintf(stderr, "usage: hostile PORT DURATION_MS [--from ADDR] [--slowloris N] [--drip MS] "
                    "[--idle N] [--bodies N] [--body-mb M] [--body-rate MBPS] [--path PATH] "
                    "[--pid PID] [--reopen-ms MS]\n");
    exit(2);
}

int main(int argc, char **argv)
{
    if (argc < 3) usage();
    int port = atoi(argv[1]), n[NKINDS] = {0}, pid = 0;
    double duration = atof(argv[2]);
    const char *src = "127.0.0.2";
    for (int i = 3; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!v) usage();
        if (strcmp(a, "--from") == 0) src = v;
        else if (strcmp(a, "--slowloris") == 0) n[SLOW] = atoi(v);
        else if (strcmp(a, "--drip") == 0) drip_ms = atof(v);
        else if (strcmp(a, "--idle") == 0) n[IDLE] = atoi(v);
        else if (strcmp(a, "--bodies") == 0) n[BODY] = atoi(v);
        else if (strcmp(a, "--body-mb") == 0) body_bytes = (size_t)(atof(v) * 1048576.0);
        else if (strcmp(a, "--body-rate") == 0) body_rate = atof(v) * 1048576.0 / 1000.0;
        else if (strcmp(a, "--path") == 0) path = v;
        else if (strcmp(a, "--pid") == 0) pid = atoi(v);
        else if (strcmp(a, "--reopen-ms") == 0) reopen_ms = atof(v);
        else usage();
        i++;
    }
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    signal(SIGPIPE, SIG_IGN);
    memset(filler, 'x', sizeof filler);
    to = (struct sockaddr_in){.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    from = (struct sockaddr_in){.sin_family = AF_INET};
    if (inet_pton(AF_INET, src, &from.sin_addr) != 1) usage();
    ep = epoll_create1(0);

    int total = n[SLOW] + n[IDLE] + n[BODY];
    conn *cs = calloc((size_t)(total ? total : 1), sizeof *cs);
    double t0 = now_ms(), until = t0 + duration, last_rss = 0, last_refill = t0;
    double rss_start = pid ? rss_mb(pid) : 0, rss_peak = rss_start;
    for (int i = 0, k = 0; k < NKINDS; k++)
        for (int j = 0; j < n[k]; j++, i++) {
            cs[i].kind = k;
            cs[i].fd = -1;
            cs[i].next_at = t0; /* opened by the loop at once */
        }
    /* opened in a mixed order (a fixed shuffle), so that no kind comes first to the host */
    unsigned seed = 20261206u;
    for (int i = total - 1; i > 0; i--) {
        seed = seed * 1103515245u + 12345u;
        int j = (int)((seed >> 8) % (unsigned)(i + 1));
        conn tmp = cs[i];
        cs[i] = cs[j], cs[j] = tmp;
    }
    struct epoll_event evs[256];
    for (double t = now_ms(); t < until; t = now_ms()) {
        if (body_rate > 0) {
            budget += (t - last_refill) * body_rate;
            if (budget > body_rate * 100) budget = body_rate * 100; /* 100 ms of burst at most */
            last_refill = t;
        }
        if (pid && t - last_rss >= 50) {
            double r = rss_mb(pid);
            if (r > rss_peak) rss_peak = r;
            last_rss = t;
        }
        for (int i = 0; i < total; i++) {
            conn *c = &cs[i];
            if (c->fd < 0 && t >= c->next_at) {
                conn_open(c, t);
                if (c->fd >= 0) conn_start(c, port);
            } else if (c->fd >= 0 && c->connected &&
                       ((c->kind == SLOW && t >= c->next_at) ||
                        (c->kind == BODY && body_rate > 0 && !c->answered))) {
                if (conn_send(c, t) < 0) conn_close(c, t, 1);
            }
        }
        int k = epoll_wait(ep, evs, 256, 5);
        t = now_ms();
        for (int e = 0; e < k; e++) {
            conn *c = evs[e].data.ptr;
            if (c->fd < 0) continue;
            stats *s = &st[c->kind];
            if (!c->connected) {
                int err = 0;
                socklen_t len = sizeof err;
                getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &len);
                if (err) {
                    s->connect_failed++;
                    epoll_ctl(ep, EPOLL_CTL_DEL, c->fd, NULL);
                    close(c->fd);
                    c->fd = -1;
                    c->next_at = t + reopen_ms;
                    continue;
                }
                c->connected = 1;
                if (++s->open_now > s->open_peak) s->open_peak = s->open_now;
            }
            if (evs[e].events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
                char buf[4096];
                ssize_t r = recv(c->fd, buf, sizeof buf - 1, 0);
                if (r > 0) {
                    buf[r] = 0;
                    if (!c->answered && strncmp(buf, "HTTP/1.", 7) == 0) {
                        int code = atoi(buf + 9);
                        if (code >= 100 && code < 600) s->status[code]++;
                        if (code != 100) c->answered = 1, s->answered++;
                    }
                    if (c->kind == BODY && c->answered) { /* the attack is over: another one */
                        conn_close(c, t, 0);
                        continue;
                    }
                } else if (r == 0 || (errno != EAGAIN && errno != EINTR)) {
                    conn_close(c, t, 1);
                    continue;
                }
            }
            if (evs[e].events & EPOLLOUT && conn_send(c, t) < 0) conn_close(c, t, 1);
        }
    }
    for (int i = 0; i < total; i++) /* bodies still being sent at the end count too */
        if (cs[i].fd >= 0 && cs[i].kind == BODY && cs[i].connected)
            push(&st[BODY].bytes, &st[BODY].nbytes, &st[BODY].capbytes, (double)cs[i].body_sent);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    for (int k = 0; k < NKINDS; k++) {
        stats *s = &st[k];
        if (!n[k]) continue;
        printf("%s_connections %d\n", kind_name[k], n[k]);
        printf("%s_opened %ld\n%s_connect_failed %ld\n%s_open_peak %ld\n", kind_name[k], s->opened,
               kind_name[k], s->connect_failed, kind_name[k], s->open_peak);
        printf("%s_closed_by_host %ld\n%s_answered %ld\n", kind_name[k], s->closed_by_host,
               kind_name[k], s->answered);
        for (int code = 100; code < 600; code++)
            if (s->status[code]) printf("%s_status_%d %ld\n", kind_name[k], code, s->status[code]);
        printf("%s_closed_life_p50_ms %.0f\n", kind_name[k], median(s->life, s->nlife));
        if (k == BODY) {
            double mx = 0;
            for (long i = 0; i < s->nbytes; i++)
                if (s->bytes[i] > mx) mx = s->bytes[i];
            printf("bodies_sent_p50_mb %.2f\nbodies_sent_max_mb %.2f\n",
                   median(s->bytes, s->nbytes) / 1048576.0, mx / 1048576.0);
        }
    }
    if (pid) printf("host_rss_start_mb %.1f\nhost_rss_peak_mb %.1f\n", rss_start, rss_peak);
    printf("hostile_cpu_s %.2f\n", (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
                                       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6);
    return 0;
}
