/* log.c — logfmt lines on stderr (see log.h). */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static pg_log_level min_level = PG_LOG_INFO; /* set once at start-up, before threads */

void pg_log_set_level(pg_log_level min)
{
    min_level = min;
}

int pg_log_enabled(pg_log_level level)
{
    return level >= min_level;
}

typedef struct {
    char buf[4096];
    size_t n;
} line;

static void put(line *l, const char *s, size_t len)
{
    if (len > sizeof l->buf - 2 - l->n) len = sizeof l->buf - 2 - l->n; /* keep room for "\n" */
    memcpy(l->buf + l->n, s, len);
    l->n += len;
}

static void put_value(line *l, const char *v)
{
    if (*v && !strpbrk(v, " \"=\\\t\r\n")) {
        put(l, v, strlen(v));
        return;
    }
    put(l, "\"", 1);
    for (const char *p = v; *p; p++) {
        if (*p == '"' || *p == '\\') put(l, "\\", 1);
        if (*p == '\n')
            put(l, "\\n", 2);
        else if ((unsigned char)*p < 0x20)
            put(l, " ", 1);
        else
            put(l, p, 1);
    }
    put(l, "\"", 1);
}

void pg_log(pg_log_level level, const char *event, ...)
{
    static const char *const names[] = {"debug", "info", "warn", "error"};
    if (level < min_level) return;
    line l = {.n = 0};
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    l.n = (size_t)snprintf(
        l.buf, sizeof l.buf,
        "ts=%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ level=%s event=", tm.tm_year + 1900, tm.tm_mon + 1,
        tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000, names[level]);
    put_value(&l, event);
    va_list ap;
    va_start(ap, event);
    const char *k;
    while ((k = va_arg(ap, const char *))) {
        const char *v = va_arg(ap, const char *);
        if (!v) continue;
        put(&l, " ", 1);
        put(&l, k, strlen(k));
        put(&l, "=", 1);
        put_value(&l, v);
    }
    va_end(ap);
    l.buf[l.n++] = '\n';
    l.buf[l.n] = '\0';
    fputs(l.buf, stderr);
}
