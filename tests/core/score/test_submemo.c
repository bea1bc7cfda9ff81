/* test_submemo.c — a composite's monthly sub-results: trimmed to what the composite reads, and
 * kept between evaluations by what each month reads (core/score/submemo.c).
 *
 * The memo may only ever save work: every composite evaluated with it must hash
 * (pg_result_digest) exactly like the same composite evaluated without it, on the same data.
 * Each case below changes something a month reads (its value, a value a later month lacks and
 * carries, an appeal's adjustment) and checks both that equality and how many
 * months were found (hits) or evaluated (misses), so that a memo keyed too loosely (a stale
 * month served) or not at all (nothing saved) fails. Fixtures: memo/ (six months averaged, a
 * Lua method that raises on a negative share), thin/ (a monthly result with thin marks). */
#include "helpers.h"

#include <stdlib.h>
#include <string.h>

/* u1..u3, January..June: u1 0.1·m, u2 0.5, u3 March to May (June carries May's; January and
 * February have nothing to carry: 0 points) */
static void feed(const pg_ruleset *rs, pg_dataset *ds)
{
    static const char *const months[] = {"2021-01", "2021-02", "2021-03",
                                         "2021-04", "2021-05", "2021-06"};
    for (int m = 0; m < 6; m++) {
        fx_v(rs, ds, months[m], "ma", "u1", 0.1 * (m + 1));
        fx_v(rs, ds, months[m], "ma", "u2", 0.5);
        if (m >= 2 && m <= 4) fx_v(rs, ds, months[m], "ma", "u3", 0.9);
    }
}

/* The annual's digest, and the warnings its evaluation gave (*warned). */
static void annual(const pg_ruleset *rs, const pg_dataset *ds, char hex[65], int *warned)
{
    pg_result *res = NULL;
    pg_diags d = {0};
    assert_int_equal(pg_eval(rs, ds, fx_scheme(rs, "annual"), fx_period("2021"), &res, &d), 0);
    pg_result_digest(res, hex);
    for (int i = 0; i < res->nsub; i++) assert_null(res->sub[i]->cells); /* trimmed */
    *warned = 0;
    for (int i = 0; i < d.n; i++) *warned += d.v[i].sev == PG_WARNING;
    pg_diags_free(&d);
    pg_result_free(res);
}

/* Evaluates the annual with the memo and without; they must hash alike. Checks the hits and
 * misses this evaluation added. */
static void check(const pg_ruleset *rs, const pg_dataset *ds, pg_submemo *m, long hits, long misses,
                  const char *what)
{
    long h0, m0, h1, m1;
    int held, warned_memo, warned_plain;
    size_t bytes;
    char with[65], without[65];
    pg_submemo_stats(m, &h0, &m0, &held, &bytes);
    pg_eval_submemo_set(m);
    annual(rs, ds, with, &warned_memo);
    pg_eval_submemo_set(NULL);
    pg_submemo_stats(m, &h1, &m1, &held, &bytes);
    annual(rs, ds, without, &warned_plain);
    if (strcmp(with, without) != 0)
        fail_msg("%s: the memo's annual differs from a fresh one", what);
    if (h1 - h0 != hits || m1 - m0 != misses)
        fail_msg("%s: %ld hits and %ld misses, expected %ld and %ld", what, h1 - h0, m1 - m0, hits,
                 misses);
    /* a month that said something is evaluated, and says it, every time */
    assert_int_equal(warned_memo, warned_plain);
    /* nothing outside an evaluation with the memo in force reaches it */
    pg_submemo_stats(m, &h0, &m0, &held, &bytes);
    assert_int_equal(h0, h1), assert_int_equal(m0, m1);
}

static void test_memo_by_what_months_read(void **state)
{
    (void)state;
    pg_ruleset *rs = fx_load("memo");
    pg_dataset *ds = pg_dataset_new(rs);
    feed(rs, ds);
    pg_submemo *m = pg_submemo_new(16);
    char first[65];
    int warned;
    annual(rs, ds, first, &warned);
    assert_int_equal(warned, 0);

    check(rs, ds, m, 0, 6, "the first evaluation");
    check(rs, ds, m, 6, 0, "the same data again");

    /* u3's May value: May reads it, and June carries it (June's key holds June, May, April,
     * March); January..April do not read it */
    pg_dataset_put(ds, fx_period("2021-05"), fx_metric(rs, "ma"), fx_unit(rs, "u3"), 0.05, NAN);
    check(rs, ds, m, 4, 2, "a May value changed");
    char now[65];
    annual(rs, ds, now, &warned);
    assert_string_not_equal(now, first); /* the change reached the composite */

    /* u1's May value: June has its own, so only May reads it */
    pg_dataset_put(ds, fx_period("2021-05"), fx_metric(rs, "ma"), fx_unit(rs, "u1"), 0.45, NAN);
    check(rs, ds, m, 5, 1, "a value June does not carry changed");

    /* u2's January value: February to April have their own */
    pg_dataset_put(ds, fx_period("2021-01"), fx_metric(rs, "ma"), fx_unit(rs, "u2"), 0.4, NAN);
    check(rs, ds, m, 5, 1, "a January value changed");

    /* an upheld appeal for April: read by April alone */
    assert_int_equal(pg_dataset_add_adjustment(ds, fx_period("2021-04"), fx_node(rs, "pa"),
                                               fx_unit(rs, "u3"), -5, 7, "appeal"),
                     0);
    check(rs, ds, m, 5, 1, "an April adjustment");

    /* a value back as it was is the month as it was: found again */
    pg_dataset_put(ds, fx_period("2021-05"), fx_metric(rs, "ma"), fx_unit(rs, "u3"), 0.5, NAN);
    pg_dataset_put(ds, fx_period("2021-05"), fx_metric(rs, "ma"), fx_unit(rs, "u3"), 0.05, NAN);
    check(rs, ds, m, 6, 0, "a May value changed and changed back");

    /* a rule error in March: March is evaluated each time (its warning said again), never kept */
    pg_dataset_put(ds, fx_period("2021-03"), fx_metric(rs, "ma"), fx_unit(rs, "u2"), -1, NAN);
    annual(rs, ds, now, &warned);
    assert_true(warned > 0);
    check(rs, ds, m, 5, 1, "a March rule error, first");
    check(rs, ds, m, 5, 1, "a March rule error, again");

    long hits, misses;
    int held;
    size_t bytes;
    pg_submemo_stats(m, &hits, &misses, &held, &bytes);
    assert_true(held <= 16 && held >= 6);
    assert_true(bytes > 0);
    pg_submemo_free(m);

    /* a memo of two months keeps two, the most recently used */
    m = pg_submemo_new(2);
    check(rs, ds, m, 0, 6, "a small memo, first");
    pg_submemo_stats(m, &hits, &misses, &held, &bytes);
    assert_int_equal(held, 2);
    check(rs, ds, m, 0, 6, "a small memo, again (each month pushed out before it is read)");
    pg_submemo_free(m);

    pg_dataset_free(ds);
    pg_ruleset_free(rs);
}

static void test_trim_keeps_what_composites_read(void **state)
{
    (void)state;
    pg_ruleset *rs = fx_load("thin");
    pg_dataset *ds = pg_dataset_new(rs);
    fx_feed_thin(rs, ds);
    pg_result *res = fx_eval(rs, ds, "monthly", "2021-05");
    size_t ncells = (size_t)rs->nnodes * (size_t)rs->nunits;
    unsigned char *thin = malloc(ncells);
    int marked = 0;
    for (int k = 0; k < rs->nnodes; k++)
        for (int u = 0; u < rs->nunits; u++) {
            int t = pg_result_thin(res, k, u);
            thin[(size_t)k * (size_t)rs->nunits + (size_t)u] = (unsigned char)t;
            marked += t != 0;
        }
    assert_true(marked >= 2); /* the fixture's group_median and not_applicable branches */
    pg_unit_result *units = malloc(sizeof *units * (size_t)rs->nunits);
    memcpy(units, res->units, sizeof *units * (size_t)rs->nunits);
    char **notes = calloc((size_t)rs->nunits, sizeof *notes);
    int noted = 0;
    for (int u = 0; u < rs->nunits; u++)
        if (units[u].note >= 0) notes[u] = strdup(fx_note(res, units[u].note)), noted++;
    double *parts = malloc(sizeof *parts * (size_t)rs->nunits * 2);
    memcpy(parts, res->parts, sizeof *parts * (size_t)rs->nunits * 2);

    pg_result_trim(res);
    assert_null(res->cells);
    for (int k = 0; k < rs->nnodes; k++)
        for (int u = 0; u < rs->nunits; u++)
            assert_int_equal(pg_result_thin(res, k, u),
                             thin[(size_t)k * (size_t)rs->nunits + (size_t)u]);
    for (int u = 0; u < rs->nunits; u++) {
        assert_int_equal(res->units[u].ranked, units[u].ranked);
        assert_int_equal(res->units[u].rank, units[u].rank);
        assert_memory_equal(&res->units[u].total, &units[u].total, sizeof(double));
        assert_int_equal(res->units[u].note >= 0, units[u].note >= 0);
        if (notes[u]) assert_string_equal(fx_note(res, res->units[u].note), notes[u]);
    }
    assert_true(res->nnotes <= noted); /* the cells' notes are gone */
    assert_memory_equal(res->parts, parts, sizeof *parts * (size_t)rs->nunits * 2);
    char a[65], b[65];
    pg_result_digest(res, a);
    pg_result_trim(res); /* trimming twice changes nothing */
    pg_result_digest(res, b);
    assert_string_equal(a, b);

    for (int u = 0; u < rs->nunits; u++) free(notes[u]);
    free(notes), free(units), free(thin), free(parts);
    pg_result_free(res);
    pg_dataset_free(ds);
    pg_ruleset_free(rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_memo_by_what_months_read),
        cmocka_unit_test(test_trim_keeps_what_composites_read),
    };
    return cmocka_run_group_tests_name("submemo", tests, NULL, NULL);
}
