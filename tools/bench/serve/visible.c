/* visible.c — helpers of tools/bench/serve-run that need millisecond timing: saving a rule file
 * the way editors do (a temporary file renamed over the original) and polling the host's API
 * over one keep-alive connection.
 *
 *   visible flip FILE A B INTERVAL_MS DURATION_MS [PORT TOKEN]
 *       Saves B, A, B, … over FILE by rename-over every INTERVAL_MS for DURATION_MS; prints the
 *       number of saves. With PORT and TOKEN (admin), each save is followed by
 *       POST /api/v1/rules/reload, which answers once the reload attempt is over; prints the
 *       statuses of those answers too.
 *   visible poll PORT TOKEN PATH FILE A B N GAP_MS [POLL_MS]
 *       N times: reads the served revision (X-Pinggu-Revision of GET PATH), saves the other of A
 *       and B over FILE by rename-over, and polls GET PATH every POLL_MS (default 2) until the
 *       revision changes. Prints one "visible i ms status" line per save (status "timeout"
 *       after 10 s), then "p50 ms", "p99 ms", "max ms". Waits GAP_MS between rounds so that
 *       the host's re-score of the last save is over.
 * A and B are files holding the two contents. Benchmark code: it exits non-zero only when it
 * cannot run (a socket that will not connect, an answer it cannot parse). */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static double now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void sleep_ms(double ms)
{
    struct timespec ts = {(time_t)(ms / 1e3), (long)((ms - (double)(time_t)(ms / 1e3) * 1e3) * 1e6)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        perror(path);
        exit(1);
    }
    size_t cap = 1 << 16, n = 0;
    char *b = malloc(cap);
    for (size_t r; (r = fread(b + n, 1, cap - n, f)) > 0;) {
        n += r;
        if (n == cap) b = realloc(b, cap *= 2);
    }
    fclose(f);
    *len = n;
    return b;
}

/* Writes `text` to a hidden temporary beside `path` and renames it over `path`. */
static void save_by_rename(const char *path, const char *text, size_t len)
{
    char tmp[4096];
    const char *slash = strrchr(path, '/');
    int dirlen = slash ? (int)(slash - path + 1) : 0;
    snprintf(tmp, sizeof tmp, "%.*s.%s.swp", dirlen, path, slash ? slash + 1 : path);
    FILE *f = fopen(tmp, "wb");
    if (!f || fwrite(text, 1, len, f) != len || fclose(f) != 0) {
        perror(tmp);
        exit(1);
    }
    if (rename(tmp, path) != 0) {
        perror(path);
        exit(1);
    }
}

static int connect_to(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        perror("connect");
        exit(1);
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static char *rbuf;
static size_t rcap = 1 << 20;

/* One GET over the keep-alive connection *fd (reconnecting if the host closed it); copies the
 * X-Pinggu-Revision value into rev ("" if absent) and returns the status. */
static int get(int *fd, int port, const char *req, size_t reqlen, char *rev, size_t revsz)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        if (*fd < 0) *fd = connect_to(port);
        if (write(*fd, req, reqlen) != (ssize_t)reqlen) goto again;
        size_t n = 0;
        char *end = NULL;
        while (!end) {
            if (n + 1 >= rcap) rbuf = realloc(rbuf, rcap *= 2);
            ssize_t r = read(*fd, rbuf + n, rcap - n - 1);
            if (r <= 0) goto again;
            n += (size_t)r;
            rbuf[n] = 0;
            end = strstr(rbuf, "\r\n\r\n");
        }
        size_t head = (size_t)(end - rbuf) + 4;
        int status = atoi(rbuf + 9);
        size_t clen = 0;
        rev[0] = 0;
        for (char *l = strstr(rbuf, "\r\n"); l && l < end; l = strstr(l + 2, "\r\n")) {
            char *v = l + 2;
            if (strncasecmp(v, "Content-Length:", 15) == 0) clen = strtoul(v + 15, NULL, 10);
            if (strncasecmp(v, "X-Pinggu-Revision:", 18) == 0) {
                v += 18;
                while (*v == ' ') v++;
                size_t k = strcspn(v, "\r");
                if (k >= revsz) k = revsz - 1;
                memcpy(rev, v, k), rev[k] = 0;
            }
        }
        while (n < head + clen) {
            if (head + clen + 1 > rcap) rbuf = realloc(rbuf, rcap = head + clen + 1);
            ssize_t r = read(*fd, rbuf + n, rcap - n - 1);
            if (r <= 0) goto again;
            n += (size_t)r;
        }
        return status;
    again:
        close(*fd);
        *fd = -1;
    }
    fprintf(stderr, "visible: the host closed the connection twice in a row\n");
    exit(1);
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted v[n]. */
static double pct(const double *v, int n, double p)
{
    int k = (int)((p / 100.0) * n + 0.999999);
    if (k < 1) k = 1;
    if (k > n) k = n;
    return v[k - 1];
}

int main(int argc, char **argv)
{
    if ((argc == 7 || argc == 9) && strcmp(argv[1], "flip") == 0) {
        size_t la, lb;
        char *a = slurp(argv[3], &la), *b = slurp(argv[4], &lb);
        double interval = atof(argv[5]), until = now_ms() + atof(argv[6]);
        int port = argc == 9 ? atoi(argv[7]) : 0, fd = -1;
        char req[4096], rev[128];
        int reqlen = argc == 9 ? snprintf(req, sizeof req,
                                          "POST /api/v1/rules/reload HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                                          "Authorization: Bearer %s\r\nContent-Length: 0\r\n\r\n",
                                          argv[8])
                               : 0;
        long saves = 0, st2xx = 0, stother = 0;
        rbuf = malloc(rcap);
        for (double next = now_ms(); now_ms() < until; next += interval) {
            if (saves % 2 == 0)
                save_by_rename(argv[2], b, lb);
            else
                save_by_rename(argv[2], a, la);
            saves++;
            if (port) {
                int st = get(&fd, port, req, (size_t)reqlen, rev, sizeof rev);
                if (st / 100 == 2)
                    st2xx++;
                else
                    stother++;
            }
            double wait = next + interval - now_ms();
            if (wait > 0) sleep_ms(wait);
        }
        printf("saves %ld\n", saves);
        if (port) printf("reload_2xx %ld\nreload_other %ld\n", st2xx, stother);
        return 0;
    }
    if ((argc == 10 || argc == 11) && strcmp(argv[1], "poll") == 0) {
        int port = atoi(argv[2]);
        const char *token = argv[3], *path = argv[4], *file = argv[5];
        size_t len[2];
        char *text[2] = {slurp(argv[6], &len[0]), slurp(argv[7], &len[1])};
        int n = atoi(argv[8]);
        double gap = atof(argv[9]), every = argc == 11 ? atof(argv[10]) : 2;
        char req[4096];
        int reqlen = snprintf(req, sizeof req,
                              "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer %s\r\n\r\n",
                              path, token);
        rbuf = malloc(rcap);
        int fd = -1;
        double *ms = calloc((size_t)n, sizeof *ms);
        int got = 0;
        char rev0[128], rev[128];
        for (int i = 0; i < n; i++) {
            int st = get(&fd, port, req, (size_t)reqlen, rev0, sizeof rev0);
            if (st != 200 || !rev0[0]) {
                fprintf(stderr, "visible: GET %s answered %d (revision '%s')\n", path, st, rev0);
                return 1;
            }
            int which = (i + 1) % 2; /* the file starts as text[0] */
            double t0 = now_ms();
            save_by_rename(file, text[which], len[which]);
            const char *status = "timeout";
            double dt = 0;
            while ((dt = now_ms() - t0) < 10000) {
                st = get(&fd, port, req, (size_t)reqlen, rev, sizeof rev);
                if (st == 200 && strcmp(rev, rev0) != 0) {
                    dt = now_ms() - t0;
                    status = "ok";
                    break;
                }
                sleep_ms(every);
            }
            printf("visible %d %.1f %s\n", i + 1, dt, status);
            fflush(stdout);
            if (strcmp(status, "ok") == 0) ms[got++] = dt;
            sleep_ms(gap);
        }
        if (got) {
            qsort(ms, (size_t)got, sizeof *ms, cmp);
            printf("p50 %.1f\np99 %.1f\nmax %.1f\nseen %d of %d\n", pct(ms, got, 50),
                   pct(ms, got, 99), ms[got - 1], got, n);
        } else
            printf("seen 0 of %d\n", n);
        return 0;
    }
    fprintf(stderr, "usage: visible flip FILE A B INTERVAL_MS DURATION_MS [PORT TOKEN]\n"
                    "       visible poll PORT TOKEN PATH FILE A B N GAP_MS [POLL_MS]\n");
    return 2;
}
