/* test_watch.c — the rule directory watcher on a real loop and a real directory.
 *
 * Each test starts a watcher with short timers, waits for the initial report, changes the
 * directory the way an editor or an operator would, and runs the loop until the expected
 * callback or a 5 s safety timeout; then it runs a while longer (a settle period well past
 * the debounce cap and a periodic rescan) to see that no further callback comes. Only counts
 * and hashes are asserted: a slow machine can make a test wait longer, never fail. */
#include "htest.h"

#include "base.h"
#include "watch.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define SAFETY_MS 5000
#define SETTLE_MS 1200

typedef struct {
    uv_loop_t loop;
    char *root;
    char *dir; /* root/rules */
    pg_watch *w;
    int n;         /* callbacks so far */
    char last[65]; /* the last hash reported */
    int stop_in_cb;
} fixture;

static void on_change(void *ctx, const char *hash)
{
    fixture *f = ctx;
    assert_int_equal(strlen(hash), 64);
    memcpy(f->last, hash, sizeof f->last);
    f->n++;
    if (f->stop_in_cb) {
        pg_watch_stop(f->w);
        f->w = NULL;
    }
}

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_int_equal(uv_loop_init(&f->loop), 0);
    f->root = ht_tmpdir();
    f->dir = ht_ruleset(f->root);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    if (f->w) pg_watch_stop(f->w);
    ht_loop_close(&f->loop);
    assert_int_equal(pg_ruledir_remove(f->root), 0);
    free(f->dir);
    free(f->root);
    free(f);
    return 0;
}

/* Starts the watcher and waits for the initial report. */
static void start(fixture *f, unsigned debounce, unsigned max_wait, unsigned rescan, int poll)
{
    pg_watch_opts o = {debounce, max_wait, rescan, poll};
    assert_int_equal(pg_watch_start(&f->loop, f->dir, &o, on_change, f, &f->w), 0);
    assert_int_equal(f->n, 0); /* not inside the start */
    ht_run_until(&f->loop, &f->n, 1, SAFETY_MS);
    assert_int_equal(f->n, 1);
    char hex[65];
    assert_int_equal(pg_ruledir_hash(f->dir, hex), 0);
    assert_string_equal(f->last, hex);
}

/* Waits for callback number `target`, then settles and checks that it was the last one, and
 * that it reported the directory's current hash. */
static void expect_report(fixture *f, int target)
{
    ht_run_until(&f->loop, &f->n, target, SAFETY_MS);
    assert_int_equal(f->n, target);
    ht_run_until(&f->loop, NULL, 0, SETTLE_MS);
    assert_int_equal(f->n, target);
    char hex[65];
    assert_int_equal(pg_ruledir_hash(f->dir, hex), 0);
    assert_string_equal(f->last, hex);
}

static void rename_over_gives_one_callback(void **state)
{
    fixture *f = *state;
    start(f, 50, 500, 300, 0);
    char before[65];
    memcpy(before, f->last, sizeof before);
    ht_replace(f->dir, "ruleset.lua", "return { weight = 2 }\n");
    expect_report(f, 2);
    assert_string_not_equal(f->last, before);
    const char *why;
    assert_int_equal(pg_watch_degraded(f->w, &why), 0);
    assert_null(why);

    /* And again: the watch outlives the replaced inode. */
    ht_replace(f->dir, "ruleset.lua", "return { weight = 3 }\n");
    expect_report(f, 3);
}

typedef struct {
    fixture *f;
    int left;
    int written;
} burst;

static void on_burst(uv_timer_t *t)
{
    burst *b = t->data;
    char text[64];
    snprintf(text, sizeof text, "return { weight = %d }\n", 10 + b->left);
    ht_write(b->f->dir, "ruleset.lua", text);
    b->written++;
    if (--b->left == 0) uv_timer_stop(t);
}

static void burst_of_writes_gives_one_callback(void **state)
{
    fixture *f = *state;
    /* Five in-place writes 10 ms apart from the loop itself, under a 1 s debounce: the
     * debounce cannot end inside the burst unless the machine stalls for a second. */
    start(f, 1000, 4000, 60000, 0);
    burst b = {f, 5, 0};
    uv_timer_t t;
    uv_timer_init(&f->loop, &t);
    t.data = &b;
    uv_timer_start(&t, on_burst, 10, 10);
    ht_run_until(&f->loop, &b.written, 5, SAFETY_MS);
    assert_int_equal(b.written, 5);
    assert_int_equal(f->n, 1);
    uv_close((uv_handle_t *)&t, NULL);
    expect_report(f, 2);
    char *text = ht_read(f->dir, "ruleset.lua");
    assert_string_equal(text, "return { weight = 11 }\n");
    free(text);
}

static void touch_gives_no_callback(void **state)
{
    fixture *f = *state;
    start(f, 50, 500, 300, 0);
    ht_touch(f->dir, "ruleset.lua");
    ht_touch(f->dir, "lib/m.lua");
    ht_replace(f->dir, "units.csv", "id,name\nu1,一局\n"); /* a new inode, the same bytes */
    ht_write(f->dir, ".ruleset.lua.swp", "vim");
    ht_write(f->dir, "ruleset.lua~", "backup");
    ht_run_until(&f->loop, NULL, 0, SETTLE_MS);
    assert_int_equal(f->n, 1);
    /* A real change after all that is reported once. */
    ht_write(f->dir, "lib/m.lua", "return 2\n");
    expect_report(f, 2);
}

static void rescans_alone_catch_changes(void **state)
{
    fixture *f = *state;
    start(f, 50, 500, 200, 1);
    const char *why;
    assert_int_equal(pg_watch_degraded(f->w, &why), 1);
    assert_non_null(why);
    ht_replace(f->dir, "ruleset.lua", "return { weight = 5 }\n");
    expect_report(f, 2);
    ht_write(f->dir, "lib/new.lua", "return 'new'\n");
    expect_report(f, 3);
}

static void rescans_back_up_slow_events(void **state)
{
    fixture *f = *state;
    /* Events on, but a debounce far beyond the safety timeout: only the periodic rescan can
     * report in time (as when inotify drops events on overflow). */
    start(f, 60000, 60000, 200, 0);
    ht_write(f->dir, "ruleset.lua", "return { weight = 6 }\n");
    expect_report(f, 2);
}

static void directory_removed_and_recreated(void **state)
{
    fixture *f = *state;
    start(f, 50, 500, 300, 0);
    assert_int_equal(pg_ruledir_remove(f->dir), 0);
    ht_run_until(&f->loop, NULL, 0, 700); /* the watcher sees it gone: no report */
    assert_int_equal(f->n, 1);
    ht_write(f->dir, "ruleset.lua", "return { weight = 7 }\n");
    ht_write(f->dir, "units.csv", "id,name\nu1,一局\n");
    expect_report(f, 2);

    /* The new directory is watched: a later edit there is seen (a subdirectory too). */
    ht_replace(f->dir, "ruleset.lua", "return { weight = 8 }\n");
    expect_report(f, 3);
    ht_write(f->dir, "lib/m.lua", "return 3\n");
    expect_report(f, 4);
    assert_int_equal(pg_watch_degraded(f->w, NULL), 0);
}

static void directory_replaced_by_rename(void **state)
{
    fixture *f = *state;
    start(f, 50, 500, 300, 0);
    char *old = malloc(strlen(f->dir) + 8), *fresh = malloc(strlen(f->dir) + 8);
    sprintf(old, "%s.old", f->dir);
    sprintf(fresh, "%s.new", f->dir);
    ht_write(fresh, "ruleset.lua", "return { weight = 9 }\n");
    assert_int_equal(rename(f->dir, old), 0);
    assert_int_equal(rename(fresh, f->dir), 0);
    expect_report(f, 2);
    /* Edits to the directory moved away are not ours any more. */
    ht_write(old, "ruleset.lua", "return { weight = 99 }\n");
    ht_run_until(&f->loop, NULL, 0, SETTLE_MS);
    assert_int_equal(f->n, 2);
    free(old);
    free(fresh);
}

static void new_subdirectory_is_watched(void **state)
{
    fixture *f = *state;
    start(f, 50, 500, 300, 0);
    ht_write(f->dir, "extra/deeper/x.lua", "return 'x'\n");
    expect_report(f, 2);
    ht_write(f->dir, "extra/deeper/x.lua", "return 'y'\n");
    expect_report(f, 3);
}

static void rescan_and_forget(void **state)
{
    fixture *f = *state;
    start(f, 60000, 60000, 60000, 0);
    pg_watch_rescan(f->w); /* nothing changed: nothing reported */
    ht_run_until(&f->loop, NULL, 0, 200);
    assert_int_equal(f->n, 1);
    pg_watch_forget(f->w);
    pg_watch_rescan(f->w);
    assert_int_equal(f->n, 1); /* not inside the call */
    ht_run_until(&f->loop, &f->n, 2, SAFETY_MS);
    assert_int_equal(f->n, 2);
}

static void stop_ends_callbacks(void **state)
{
    fixture *f = *state;
    assert_int_equal(pg_watch_start(&f->loop, f->dir, NULL, on_change, f, &f->w), 0);
    pg_watch_stop(f->w); /* before the first scan */
    f->w = NULL;
    ht_write(f->dir, "ruleset.lua", "return { weight = 10 }\n");
    uv_run(&f->loop, UV_RUN_DEFAULT); /* returns: nothing left open */
    assert_int_equal(f->n, 0);

    /* Stopped from its own callback. */
    f->stop_in_cb = 1;
    assert_int_equal(pg_watch_start(&f->loop, f->dir, NULL, on_change, f, &f->w), 0);
    uv_run(&f->loop, UV_RUN_DEFAULT);
    assert_int_equal(f->n, 1);
    assert_null(f->w);

    char *missing = malloc(strlen(f->root) + 8);
    sprintf(missing, "%s/nope", f->root);
    pg_watch *w = NULL;
    assert_int_equal(pg_watch_start(&f->loop, missing, NULL, on_change, f, &w), -ENOENT);
    assert_null(w);
    free(missing);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(rename_over_gives_one_callback, setup, teardown),
        cmocka_unit_test_setup_teardown(burst_of_writes_gives_one_callback, setup, teardown),
        cmocka_unit_test_setup_teardown(touch_gives_no_callback, setup, teardown),
        cmocka_unit_test_setup_teardown(rescans_alone_catch_changes, setup, teardown),
        cmocka_unit_test_setup_teardown(rescans_back_up_slow_events, setup, teardown),
        cmocka_unit_test_setup_teardown(directory_removed_and_recreated, setup, teardown),
        cmocka_unit_test_setup_teardown(directory_replaced_by_rename, setup, teardown),
        cmocka_unit_test_setup_teardown(new_subdirectory_is_watched, setup, teardown),
        cmocka_unit_test_setup_teardown(rescan_and_forget, setup, teardown),
        cmocka_unit_test_setup_teardown(stop_ends_callbacks, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
