/* test_schedule.c — the cut-off calendar, and the scheduler on an injected clock.
 *
 * Times are written as Shanghai local dates (SH(y, m, d, h, mi, s)) so the cut-offs read as
 * the rules state them. The scheduler tests run a real loop; a jump of the injected clock
 * fires synchronously, and the start's due events fire from the first turns of the loop. */
#include "htest.h"

#include "base.h"
#include "schedule.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TZ (8 * 3600)
#define MAXEV 64

static int64_t SH(int y, int m, int d, int h, int mi, int s)
{
    return (int64_t)pg_days_from_civil(y, m, d) * 86400 + h * 3600 + mi * 60 + s - TZ;
}

static void expect_next(int64_t after, int tz, int64_t at, pg_sched_kind kind, int period)
{
    pg_sched_event ev;
    pg_sched_next(after, tz, &ev);
    assert_int_equal(ev.at, at);
    assert_int_equal(ev.kind, kind);
    assert_int_equal(ev.period, period);
}

static void next_across_december(void **state)
{
    (void)state;
    expect_next(SH(2021, 12, 25, 23, 59, 59), TZ, SH(2021, 12, 26, 0, 0, 0), PG_SCHED_MONTH,
                202112);
    /* At the December cut-off itself, the close of the year is next, then January's cut-off. */
    expect_next(SH(2021, 12, 26, 0, 0, 0), TZ, SH(2022, 1, 1, 0, 0, 0), PG_SCHED_YEAR, 202100);
    expect_next(SH(2021, 12, 31, 23, 59, 59), TZ, SH(2022, 1, 1, 0, 0, 0), PG_SCHED_YEAR, 202100);
    expect_next(SH(2022, 1, 1, 0, 0, 0), TZ, SH(2022, 1, 26, 0, 0, 0), PG_SCHED_MONTH, 202201);
}

static void next_at_the_cutoff_boundary(void **state)
{
    (void)state;
    expect_next(SH(2021, 5, 25, 23, 59, 59), TZ, SH(2021, 5, 26, 0, 0, 0), PG_SCHED_MONTH, 202105);
    expect_next(SH(2021, 5, 26, 0, 0, 0), TZ, SH(2021, 6, 26, 0, 0, 0), PG_SCHED_MONTH, 202106);
    expect_next(SH(2021, 5, 26, 0, 0, 0) - 1, TZ, SH(2021, 5, 26, 0, 0, 0), PG_SCHED_MONTH, 202105);
    /* February: the cut-off is still the 26th. */
    expect_next(SH(2021, 1, 26, 0, 0, 0), TZ, SH(2021, 2, 26, 0, 0, 0), PG_SCHED_MONTH, 202102);
}

static void next_from_a_utc_instant_already_the_26th(void **state)
{
    (void)state;
    /* 2021-05-25 16:30 UTC is 2021-05-26 00:30 in Shanghai: May has closed there. */
    int64_t t = (int64_t)pg_days_from_civil(2021, 5, 25) * 86400 + 16 * 3600 + 30 * 60;
    expect_next(t, TZ, SH(2021, 6, 26, 0, 0, 0), PG_SCHED_MONTH, 202106);
    /* In UTC it is still the 25th. */
    expect_next(t, 0, (int64_t)pg_days_from_civil(2021, 5, 26) * 86400, PG_SCHED_MONTH, 202105);
}

static void next_year_event(void **state)
{
    (void)state;
    expect_next(SH(2021, 12, 30, 12, 0, 0), TZ, SH(2022, 1, 1, 0, 0, 0), PG_SCHED_YEAR, 202100);
    /* 00:00 on 1 January in Shanghai is 16:00 UTC on the 31st. */
    pg_sched_event ev;
    pg_sched_next(SH(2021, 12, 30, 0, 0, 0), TZ, &ev);
    assert_int_equal(ev.at, (int64_t)pg_days_from_civil(2021, 12, 31) * 86400 + 16 * 3600);
    /* Before 1970 the arithmetic still floors. */
    expect_next(SH(1969, 12, 26, 0, 0, 0), TZ, SH(1970, 1, 1, 0, 0, 0), PG_SCHED_YEAR, 196900);
}

/* --- the scheduler -------------------------------------------------------------------- */

typedef struct {
    uv_loop_t loop;
    char *root;
    char *state; /* root/state.json */
    pg_sched *s;
    pg_sched_event ev[MAXEV];
    int64_t saved[MAXEV]; /* last_fired in the state file when each callback ran */
    int n;
    int stop_at; /* when > 0: stop the scheduler from the callback that makes n this */
} fixture;

static int64_t state_last_fired(const fixture *f)
{
    char *text = ht_read(f->root, "state.json");
    if (!text) return -1;
    const char *p = strstr(text, "\"last_fired\":");
    int64_t v = p ? strtoll(p + 13, NULL, 10) : -1;
    free(text);
    return v;
}

static void on_event(void *ctx, const pg_sched_event *ev)
{
    fixture *f = ctx;
    assert_true(f->n < MAXEV);
    f->saved[f->n] = state_last_fired(f);
    f->ev[f->n++] = *ev;
    if (f->stop_at > 0 && f->n == f->stop_at) {
        pg_sched_stop(f->s);
        f->s = NULL;
    }
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_int_equal(uv_loop_init(&f->loop), 0);
    f->root = ht_tmpdir();
    size_t len = strlen(f->root) + 16;
    f->state = malloc(len);
    snprintf(f->state, len, "%s/state.json", f->root);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    if (f->s) pg_sched_stop(f->s);
    ht_loop_close(&f->loop);
    assert_int_equal(pg_ruledir_remove(f->root), 0);
    free(f->state);
    free(f->root);
    free(f);
    return 0;
}

static void start(fixture *f, int64_t fake_now, const char *state_path)
{
    assert_int_equal(pg_sched_start(&f->loop, TZ, fake_now, state_path, on_event, f, &f->s), 0);
    /* The due events fire from the first turn of the loop; give it several. */
    ht_run_until(&f->loop, NULL, 0, 50);
}

static void restart(fixture *f, int64_t fake_now)
{
    pg_sched_stop(f->s);
    f->s = NULL;
    f->n = 0;
    start(f, fake_now, f->state);
}

static void write_state(fixture *f, const char *text)
{
    ht_write(f->root, "state.json", text);
}

static void year_jump_fires_twelve_months_then_the_year(void **state)
{
    fixture *f = *state;
    char text[64];
    snprintf(text, sizeof text, "{\"last_fired\": %lld}\n", (long long)SH(2021, 1, 1, 0, 0, 0));
    write_state(f, text);
    start(f, SH(2021, 1, 10, 9, 0, 0), f->state);
    assert_int_equal(f->n, 0); /* the close of 2020 has fired already */
    assert_int_equal(pg_sched_now(f->s) >= SH(2021, 1, 10, 9, 0, 0), 1);

    assert_int_equal(pg_sched_set_now(f->s, SH(2022, 1, 10, 9, 0, 0)), 0);
    assert_int_equal(f->n, 13);
    for (int i = 0; i < 12; i++) {
        assert_int_equal(f->ev[i].kind, PG_SCHED_MONTH);
        assert_int_equal(f->ev[i].period, 202101 + i);
        assert_int_equal(f->ev[i].at, SH(2021, i + 1, 26, 0, 0, 0));
        assert_int_equal(f->saved[i], f->ev[i].at); /* written before the callback */
    }
    assert_int_equal(f->ev[12].kind, PG_SCHED_YEAR);
    assert_int_equal(f->ev[12].period, 202100);
    assert_int_equal(f->ev[12].at, SH(2022, 1, 1, 0, 0, 0));
    assert_int_equal(f->saved[12], f->ev[12].at);

    pg_sched_event up;
    pg_sched_upcoming(f->s, &up);
    assert_int_equal(up.period, 202201);

    /* Nothing more from the loop, and the clock only goes forward. */
    ht_run_until(&f->loop, NULL, 0, 50);
    assert_int_equal(f->n, 13);
    assert_int_equal(pg_sched_set_now(f->s, SH(2022, 1, 1, 0, 0, 0)), -EINVAL);
    assert_int_equal(pg_sched_set_now(f->s, pg_sched_now(f->s)), 0);
    assert_int_equal(f->n, 13);
}

static void restart_fires_nothing_twice_and_catches_up_once(void **state)
{
    fixture *f = *state;
    start(f, SH(2021, 3, 1, 0, 0, 0), f->state); /* no state: February's cut-off is missed */
    assert_int_equal(f->n, 1);
    assert_int_equal(f->ev[0].period, 202102);
    assert_int_equal(pg_sched_set_now(f->s, SH(2021, 6, 1, 0, 0, 0)), 0);
    assert_int_equal(f->n, 4); /* March, April, May */

    restart(f, SH(2021, 6, 1, 0, 0, 0));
    assert_int_equal(f->n, 0);
    restart(f, SH(2021, 6, 20, 0, 0, 0)); /* still before June's cut-off */
    assert_int_equal(f->n, 0);

    /* Down from June 20 to September 1: June, July and August are caught up, once each. */
    restart(f, SH(2021, 9, 1, 0, 0, 0));
    assert_int_equal(f->n, 3);
    for (int i = 0; i < 3; i++) assert_int_equal(f->ev[i].period, 202106 + i);
    restart(f, SH(2021, 9, 1, 0, 0, 0));
    assert_int_equal(f->n, 0);
}

static void no_state_fires_only_the_latest_past_event(void **state)
{
    fixture *f = *state;
    start(f, SH(2021, 7, 1, 0, 0, 0), f->state);
    assert_int_equal(f->n, 1);
    assert_int_equal(f->ev[0].period, 202106);
    assert_int_equal(state_last_fired(f), SH(2021, 6, 26, 0, 0, 0));
    pg_sched_stop(f->s);
    f->n = 0;

    /* Without a state path, just after the close of a year: the year, not December. */
    start(f, SH(2022, 1, 1, 0, 0, 5), NULL);
    assert_int_equal(f->n, 1);
    assert_int_equal(f->ev[0].kind, PG_SCHED_YEAR);
    assert_int_equal(f->ev[0].period, 202100);
    pg_sched_stop(f->s);
    f->n = 0;

    /* Exactly at a cut-off, that cut-off is the past event. */
    start(f, SH(2021, 8, 26, 0, 0, 0), NULL);
    assert_int_equal(f->n, 1);
    assert_int_equal(f->ev[0].period, 202108);
}

static void corrupt_state_is_an_error(void **state)
{
    fixture *f = *state;
    const char *bad[] = {"",
                         "{not json",
                         "[]",
                         "{\"last_fired\": \"1614268800\"}",
                         "{\"last_fired\": 1614268800.5}",
                         "{\"last_fired\": -1}",
                         "{\"other\": 1}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        write_state(f, bad[i]);
        pg_sched *s = NULL;
        assert_int_equal(pg_sched_start(&f->loop, TZ, 0, f->state, on_event, f, &s), -EINVAL);
        assert_null(s);
    }
    assert_int_equal(f->n, 0);
}

static void real_clock(void **state)
{
    fixture *f = *state;
    start(f, -1, NULL);
    assert_int_equal(f->n, 1); /* the latest past cut-off */
    int64_t now = pg_sched_now(f->s);
    assert_true(f->ev[0].at <= now);
    pg_sched_event up;
    pg_sched_upcoming(f->s, &up);
    assert_true(up.at > now);
    assert_int_equal(pg_sched_set_now(f->s, now + 86400), -EPERM);
}

static void stop_from_the_callback(void **state)
{
    fixture *f = *state;
    start(f, SH(2021, 1, 10, 0, 0, 0), NULL);
    assert_int_equal(f->n, 1);
    f->stop_at = 3;
    pg_sched *s = f->s;
    assert_int_equal(pg_sched_set_now(s, SH(2022, 1, 10, 0, 0, 0)), 0);
    assert_int_equal(f->n, 3); /* no callback after the stop */
    ht_run_until(&f->loop, NULL, 0, 50);
    assert_int_equal(f->n, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(next_across_december),
        cmocka_unit_test(next_at_the_cutoff_boundary),
        cmocka_unit_test(next_from_a_utc_instant_already_the_26th),
        cmocka_unit_test(next_year_event),
        cmocka_unit_test_setup_teardown(year_jump_fires_twelve_months_then_the_year, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(restart_fires_nothing_twice_and_catches_up_once, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(no_state_fires_only_the_latest_past_event, setup, teardown),
        cmocka_unit_test_setup_teardown(corrupt_state_is_an_error, setup, teardown),
        cmocka_unit_test_setup_teardown(real_clock, setup, teardown),
        cmocka_unit_test_setup_teardown(stop_from_the_callback, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
