/* bench_expr.c — nanoseconds per record of the brief's example condition. Not a test: build
 * with `cmake --build BUILD --target expr_bench` (a Release tree for real figures) and run
 * BUILD/tests/core/rules/expr/expr_bench.
 *
 * The records vary (channel, promised days, completion time) so that branch prediction sees
 * a realistic mix and both sides of the `and` run; the sum of the results keeps the compiler
 * from dropping the loop. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "fixture.h"

#define NREC 1024
#define ROUNDS 20000

static double now(void)
{
    struct timespec ts;
    /* CPU time, not wall time: on a shared machine, time spent descheduled is not ours */
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void bench(const char *text, pg_value (*recs)[NF])
{
    pg_xtype type;
    char *err = NULL;
    int col;
    pg_expr *e = pg_expr_compile(text, &fixture_source, &fixture_calendar, UTC8, &type, &err, &col);
    if (!e) {
        fprintf(stderr, "column %d: %s\n", col, err);
        exit(1);
    }
    long hits = 0;
    double t0 = now();
    for (int r = 0; r < ROUNDS; r++)
        for (int i = 0; i < NREC; i++) hits += pg_expr_test(e, recs[i]);
    double ns = (now() - t0) * 1e9 / ((double)ROUNDS * NREC);
    printf("%6.2f ns/record  (%ld of %ld pass)  %s\n", ns, hits, (long)ROUNDS * NREC, text);
    pg_expr_free(e);
}

int main(void)
{
    static pg_value recs[NREC][NF];
    srand(42);
    for (int i = 0; i < NREC; i++) {
        fixture_record(recs[i]);
        set_enum(recs[i], F_CHANNEL, rand() % 3);
        set_num(recs[i], F_PROMISED, 1 + rand() % 20);
        set_num(recs[i], F_COMPLETED, T_APR30_1000 + (rand() % (20 * 86400)));
        if (rand() % 10 == 0) set_null(recs[i], F_COMPLETED);
    }
    bench("days(received_at, completed_at) <= promised_days and channel in ('粤省事','粤商通')",
          recs);
    bench("channel in ('粤省事','粤商通') and days(received_at, completed_at) <= promised_days",
          recs);
    bench("workdays(received_at, completed_at) <= promised_days", recs);
    bench("count > 1", recs);
    return 0;
}
