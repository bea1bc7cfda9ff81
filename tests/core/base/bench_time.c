/* bench_time.c — rough timings of the per-record time functions; not a test.
 *
 * Build and run by hand:
 *   cmake --build build --target time_bench && build/tests/core/base/time_bench
 * Prints nanoseconds per call of pg_time_parse (a mix of the written forms),
 * pg_time_sampling_month and pg_calendar_workdays_between on the 2021 calendar (spans of
 * 0–400 days in both directions), and for comparison a day-by-day loop over the same spans. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "calendar2021.h"
#include "base.h"

#define SH (8 * 3600)

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

int main(void)
{
    static const char *const forms[] = {
        "2021-05-01",
        "2021-05-01 08:30",
        "2021-05-25 23:59:59",
        "2021-05-25T16:00:00Z",
        "2021-10-09T23:59:59.123+08:00",
        "2021-12-26 00:00:00.5",
        "2021-02-07T09:15:00+0800",
        "2021-07-14 12:00:00",
    };
    enum { NF = sizeof(forms) / sizeof(forms[0]), N = 4000000 };
    size_t len[NF];
    for (int i = 0; i < NF; i++) len[i] = strlen(forms[i]);
    volatile double vsink = 0;
    volatile long lsink = 0;

    double t0 = now(), t;
    for (int i = 0; i < N; i++) {
        pg_time_parse(forms[i % NF], len[i % NF], SH, &t);
        vsink += t;
    }
    double t1 = now();
    printf("pg_time_parse                %6.1f ns\n", (t1 - t0) * 1e9 / N);

    double base = 1609430400.0; /* 2020-12-31T16:00Z */
    t0 = now();
    for (int i = 0; i < N; i++) lsink += pg_time_sampling_month(base + (i * 7919.37), SH);
    t1 = now();
    printf("pg_time_sampling_month       %6.1f ns\n", (t1 - t0) * 1e9 / N);

    long hol[PG_CAL2021_NHOLIDAYS], work[PG_CAL2021_NWORKDAYS];
    for (int i = 0; i < PG_CAL2021_NHOLIDAYS; i++) {
        pg_time_parse(pg_cal2021_holidays[i], 10, SH, &t);
        hol[i] = pg_time_day(t, SH);
    }
    for (int i = 0; i < PG_CAL2021_NWORKDAYS; i++) {
        pg_time_parse(pg_cal2021_workdays[i], 10, SH, &t);
        work[i] = pg_time_day(t, SH);
    }
    pg_calendar cal = {hol, PG_CAL2021_NHOLIDAYS, work, PG_CAL2021_NWORKDAYS};
    uint64_t r = 88172645463325252u;
    enum { M = 1 << 12 };
    static double as[M], bs[M];
    for (int i = 0; i < M; i++) {
        r ^= r << 13, r ^= r >> 7, r ^= r << 17;
        as[i] = base + (double)(r % (365 * 86400));
        bs[i] = as[i] + ((double)(r >> 32 & 0xffff) / 65535.0 * 800 - 400) * 86400;
    }
    t0 = now();
    for (int i = 0; i < N; i++)
        lsink += pg_calendar_workdays_between(&cal, as[i % M], bs[i % M], SH);
    t1 = now();
    printf("pg_calendar_workdays_between %6.1f ns (2021 calendar, spans 0-400 days)\n",
           (t1 - t0) * 1e9 / N);
    t0 = now();
    for (int i = 0; i < N; i++)
        lsink += pg_calendar_workdays_between(NULL, as[i % M], bs[i % M], SH);
    t1 = now();
    printf("pg_calendar_workdays_between %6.1f ns (no calendar)\n", (t1 - t0) * 1e9 / N);
    /* for comparison: the same spans one day at a time, as a naive implementation would */
    t0 = now();
    for (int i = 0; i < N / 16; i++) {
        long a = pg_time_day(as[i % M], SH), b = pg_time_day(bs[i % M], SH), n = 0;
        for (long d = a + 1; d <= b; d++) n += pg_calendar_is_workday(&cal, d);
        for (long d = b + 1; d <= a; d++) n -= pg_calendar_is_workday(&cal, d);
        lsink += n;
    }
    t1 = now();
    printf("day-by-day loop, same spans  %6.1f ns\n", (t1 - t0) * 1e9 / (N / 16));
    (void)vsink;
    (void)lsink;
    return 0;
}
