/* progress.c — the progress line of a long command (see progress.h).
 *
 * One thread per progress sleeps on a condition variable (CLOCK_MONOTONIC, so that a change of
 * the wall clock does not stall it) until the threshold has passed, then wakes every TICK_MS to
 * sample the read counters and redraw. The command's thread never waits on it except to stop
 * it, or while it writes to the terminal itself (cli_progress_pause).
 *
 * Rates and the ETA are averages since the start: steadier than a window's, and honest for
 * work that goes at an even pace, which reading a file does. The line is cut to the terminal's
 * width, because a line that wraps cannot be redrawn in place with \r. */
#include "progress.h"
#include "data.h"

#include <errno.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define TICK_MS 250           /* at most four redraws a second */
#define DEFAULT_AFTER_MS 2000 /* work shorter than this shows nothing */
#define ERASE "\r\033[K"      /* to the line's start, then clear to its end */

struct cli_progress {
    pthread_t thread;
    pthread_mutex_t mu; /* guards everything below and every write to stderr here */
    pthread_cond_t wake;
    int stopping;
    int shown;  /* the line is on the screen */
    int drawn;  /* it has been drawn at least once */
    int paused; /* the command is writing: no drawing */
    char command[24];
    char *stage;
    long long total_bytes;
    pg_ingest_counts base; /* the counters when the progress started */
    struct timespec t0;
    long after_ms;
};

static double since(const struct timespec *t0)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double)(now.tv_sec - t0->tv_sec) + (double)(now.tv_nsec - t0->tv_nsec) / 1e9;
}

static struct timespec later(const struct timespec *t, long ms)
{
    struct timespec r = *t;
    r.tv_sec += ms / 1000;
    r.tv_nsec += (ms % 1000) * 1000000L;
    if (r.tv_nsec >= 1000000000L) r.tv_sec++, r.tv_nsec -= 1000000000L;
    return r;
}

/* 1234567 as "1,234,567". */
static const char *grouped(long long v, char *buf, size_t size)
{
    char digits[32];
    int n = snprintf(digits, sizeof digits, "%lld", v < 0 ? 0 : v), o = 0;
    for (int i = 0; i < n && (size_t)o + 2 < size; i++) {
        if (i && (n - i) % 3 == 0) buf[o++] = ',';
        buf[o++] = digits[i];
    }
    buf[o] = '\0';
    return buf;
}

static const char *mib(long long bytes, char *buf, size_t size)
{
    snprintf(buf, size, "%.1f", (double)bytes / 1048576.0);
    return buf;
}

static const char *clock_of(double s, char *buf, size_t size)
{
    long t = s < 0 ? 0 : (long)(s + 0.5);
    if (t >= 3600)
        snprintf(buf, size, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else
        snprintf(buf, size, "%ld:%02ld", t / 60, t % 60);
    return buf;
}

/* Appends ", " and then the formatted text to line. */
static void add(char *line, size_t size, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void add(char *line, size_t size, const char *fmt, ...)
{
    size_t len = strlen(line);
    if (len && line[len - 1] != ' ' && len + 2 < size) {
        memcpy(line + len, ", ", 3);
        len += 2;
    }
    if (len >= size) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line + len, size - len, fmt, ap);
    va_end(ap);
}

/* The line as it stands now, the most telling first (a narrow terminal cuts the end off).
 * Called with the mutex held. */
static void compose(cli_progress *p, char *line, size_t size)
{
    pg_ingest_counts c;
    pg_ingest_progress(&c);
    long long bytes = c.bytes - p->base.bytes, records = c.records - p->base.records;
    double t = since(&p->t0), eta = -1;
    char a[32], b[32];
    /* a part read twice (data.h) may carry bytes past the total: not past 100 % */
    if (p->total_bytes > 0 && bytes > p->total_bytes) bytes = p->total_bytes;
    if (p->total_bytes > 0 && bytes > 0 && bytes < p->total_bytes && t > 0)
        eta = (double)(p->total_bytes - bytes) / ((double)bytes / t);
    snprintf(line, size, "pinggu %s: ", p->command);
    if (p->total_bytes > 0)
        add(line, size, "%s/%s MiB (%d%%)", mib(bytes, a, sizeof a),
            mib(p->total_bytes, b, sizeof b),
            (int)(100.0 * (double)bytes / (double)p->total_bytes));
    else if (bytes > 0)
        add(line, size, "%s MiB read", mib(bytes, a, sizeof a));
    if (eta >= 0) add(line, size, "ETA %s", clock_of(eta, a, sizeof a));
    if (records > 0) {
        add(line, size, "%s records", grouped(records, a, sizeof a));
        if (t >= 0.5)
            add(line, size, "%s/s", grouped((long long)((double)records / t), a, sizeof a));
    }
    if (p->stage) add(line, size, "%s", p->stage);
    if (eta < 0) add(line, size, "%s elapsed", clock_of(t, a, sizeof a));
}

/* Draws the line in place. Called with the mutex held. */
static void draw(cli_progress *p)
{
    char line[512];
    compose(p, line, sizeof line);
    struct winsize ws;
    size_t width = ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1 ? ws.ws_col : 80;
    if (strlen(line) > width - 1) line[width - 1] = '\0'; /* ASCII only: one byte a column */
    fprintf(stderr, ERASE "%s", line);
    fflush(stderr);
    p->shown = p->drawn = 1;
}

static void erase(cli_progress *p)
{
    if (!p->shown) return;
    fputs(ERASE, stderr);
    fflush(stderr);
    p->shown = 0;
}

static void *run(void *arg)
{
    cli_progress *p = arg;
    pthread_mutex_lock(&p->mu);
    struct timespec next = later(&p->t0, p->after_ms);
    while (!p->stopping) {
        int rc = pthread_cond_timedwait(&p->wake, &p->mu, &next);
        if (p->stopping) break;
        if (rc != ETIMEDOUT) continue; /* woken for nothing: the deadline stands */
        if (!p->paused) draw(p);
        clock_gettime(CLOCK_MONOTONIC, &next);
        next = later(&next, TICK_MS);
    }
    pthread_mutex_unlock(&p->mu);
    return NULL;
}

cli_progress *cli_progress_start(const char *command, long long total_bytes)
{
    if (!isatty(STDERR_FILENO)) return NULL;
    cli_progress *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    snprintf(p->command, sizeof p->command, "%s", command);
    p->total_bytes = total_bytes;
    p->after_ms = DEFAULT_AFTER_MS;
    const char *env = getenv("PINGGU_PROGRESS_AFTER_MS");
    if (env && *env) {
        char *end;
        long ms = strtol(env, &end, 10);
        if (!*end && ms >= 0) p->after_ms = ms;
    }
    pg_ingest_progress(&p->base);
    clock_gettime(CLOCK_MONOTONIC, &p->t0);
    pthread_condattr_t ca;
    pthread_condattr_init(&ca);
    pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
    pthread_cond_init(&p->wake, &ca);
    pthread_condattr_destroy(&ca);
    pthread_mutex_init(&p->mu, NULL);
    if (pthread_create(&p->thread, NULL, run, p) != 0) { /* no line then, the work goes on */
        pthread_cond_destroy(&p->wake);
        pthread_mutex_destroy(&p->mu);
        free(p);
        return NULL;
    }
    return p;
}

void cli_progress_stage(cli_progress *p, const char *stage)
{
    if (!p) return;
    pthread_mutex_lock(&p->mu);
    free(p->stage);
    p->stage = stage ? strdup(stage) : NULL;
    pthread_mutex_unlock(&p->mu);
}

void cli_progress_pause(cli_progress *p)
{
    if (!p) return;
    pthread_mutex_lock(&p->mu);
    erase(p);
    p->paused = 1;
    pthread_mutex_unlock(&p->mu);
}

void cli_progress_resume(cli_progress *p)
{
    if (!p) return;
    pthread_mutex_lock(&p->mu);
    p->paused = 0;
    pthread_mutex_unlock(&p->mu);
}

void cli_progress_stop(cli_progress *p)
{
    if (!p) return;
    pthread_mutex_lock(&p->mu);
    p->stopping = 1;
    pthread_cond_signal(&p->wake);
    pthread_mutex_unlock(&p->mu);
    pthread_join(p->thread, NULL);
    /* With no threshold (PINGGU_PROGRESS_AFTER_MS=0) the line is drawn at least once, even for
     * work that ended before the thread first ran: what a test of the line relies on. */
    if (p->after_ms == 0 && !p->drawn) draw(p);
    erase(p);
    pthread_cond_destroy(&p->wake);
    pthread_mutex_destroy(&p->mu);
    free(p->stage);
    free(p);
}
