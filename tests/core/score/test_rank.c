/* test_rank.c — ranking, rounding of totals, tie-breakers, bands and movement, through the
 * real API on the ranking/ and ranking_dense/ fixtures.
 *
 * Both fixtures score a unit 50 × x + 50 × y (two 50-point leaves, linear 0..1) and break
 * ties on the rounded score of x, then of y. ranking/ rounds totals to 2 digits and ranks
 * competition style (1-2-2-4); ranking_dense/ rounds to 1 digit and ranks dense (1-2-2-3).
 * The data are chosen so that:
 *   - b and a tie on the total and b wins on x (a tie-breaker decides);
 *   - j reaches the same rounded total only through rounding (89.995 -> 90.00), and ties a
 *     on x only after x is rounded (44.995 -> 45.00): a true tie, shared rank;
 *   - c and d are equal in everything (a true tie);
 *   - h1 and i differ before rounding (70.004 vs 70.001) but tie after it;
 *   - m's total 12.345 rounds differently at 2 and at 1 digit;
 *   - k is alone in its group and ranks 1 there.
 * Movement: prev_rank / prev_total come from the month before; January has none. */
#include "helpers.h"

#include <stdlib.h>
#include <string.h>

static const struct {
    const char *unit;
    double x, y;
} may[] = {
    {"a", 0.9, 0.9},      /* 45 + 45 = 90 */
    {"b", 1.0, 0.8},      /* 50 + 40 = 90 */
    {"c", 0.8, 0.8},      /* 40 + 40 = 80 */
    {"d", 0.8, 0.8},      /* 80 */
    {"e", 0.7, 0.5},      /* 35 + 25 = 60 */
    {"f", 0.1, 0.2},      /* 5 + 10 = 15 */
    {"h1", 0.70008, 0.7}, /* 35.004 + 35 = 70.004 */
    {"i", 0.70002, 0.7},  /* 35.001 + 35 = 70.001 */
    {"j", 0.8999, 0.9},   /* 44.995 + 45 = 89.995 */
    {"m", 0.2469, 0},     /* 12.345 + 0 = 12.345 */
    {"k", 0.5, 0.5},      /* group h: 50 */
};

static void feed_may(const pg_ruleset *rs, pg_dataset *ds)
{
    for (size_t i = 0; i < sizeof may / sizeof may[0]; i++) {
        fx_v(rs, ds, "2021-05", "mx", may[i].unit, may[i].x);
        fx_v(rs, ds, "2021-05", "my", may[i].unit, may[i].y);
    }
}

static void expect_ranks(const pg_result *res, const char *const *units, const int *ranks, int n)
{
    for (int i = 0; i < n; i++) {
        const pg_unit_result *ur = fx_ur(res, units[i]);
        if (!ur->ranked || ur->rank != ranks[i])
            fail_msg("unit %s: rank %d (total %.17g), expected %d", units[i], ur->rank, ur->total,
                     ranks[i]);
    }
}

static void test_competition_ranking(void **state)
{
    pg_ruleset *rs = fx_load("ranking");
    pg_dataset *ds = pg_dataset_new(rs);
    feed_may(rs, ds);
    pg_result *res = fx_eval(rs, ds, "monthly", "2021-05");

    /* Rounded totals (2 digits): b 90, a 90, j 90 (89.995), c 80, d 80, h1 70 (70.004),
     * i 70 (70.001), e 60, f 15, m 12.35. Among the 90s, x decides: b 50 > a 45 = j 45
     * (44.995 rounded); a and j then tie on y too. Competition ranks leave gaps. */
    static const char *const units[] = {"b", "a", "j", "c", "d", "h1", "i", "e", "f", "m", "k"};
    static const int ranks[] = {1, 2, 2, 4, 4, 6, 6, 8, 9, 10, 1};
    expect_ranks(res, units, ranks, 11);

    /* totals are rounded half away from zero; raw_total keeps the unrounded figure */
    assert_pts(fx_ur(res, "j")->total, 90);
    assert_near(fx_ur(res, "j")->raw_total, 89.995, 1e-9);
    assert_pts(fx_ur(res, "h1")->total, 70);
    assert_near(fx_ur(res, "h1")->raw_total, 70.004, 1e-9);
    assert_pts(fx_ur(res, "m")->total, 12.35);

    /* the tie-breaker that split b from a is recorded on both; true ties record none */
    assert_int_equal(fx_ur(res, "b")->tie_breaker, 0);
    assert_int_equal(fx_ur(res, "a")->tie_breaker, 0);
    assert_int_equal(fx_ur(res, "c")->tie_breaker, -1);
    assert_int_equal(fx_ur(res, "d")->tie_breaker, -1);
    assert_int_equal(fx_ur(res, "h1")->tie_breaker, -1);
    assert_int_equal(fx_ur(res, "e")->tie_breaker, -1);

    pg_result_free(res);
    pg_dataset_free(ds);
    pg_ruleset_free(rs);
}

/* pg_result_digest: equal results hash alike, and a change anywhere in one (a raw value below
 * any rounding, a note, a rank, the previous month's total) hashes otherwise: the host keeps a
 * re-score's printed bodies on an equal digest, so a missed field would serve a stale number. */
static void test_result_digest(void **state)
{
    (void)state;
    pg_ruleset *rs = fx_load("ranking");
    pg_dataset *ds = pg_dataset_new(rs);
    feed_may(rs, ds);
    pg_result *a = fx_eval(rs, ds, "monthly", "2021-05"),
              *b = fx_eval(rs, ds, "monthly", "2021-05");
    char da[65], db[65];
    pg_result_digest(a, da), pg_result_digest(b, db);
    assert_int_equal(strlen(da), 64);
    assert_string_equal(da, db);

    /* a raw value changed by far less than the totals' rounding */
    pg_dataset *ds2 = pg_dataset_new(rs);
    for (size_t i = 0; i < sizeof may / sizeof may[0]; i++) {
        int f = strcmp(may[i].unit, "f") == 0;
        fx_v(rs, ds2, "2021-05", "mx", may[i].unit, may[i].x + (f ? 1e-12 : 0));
        fx_v(rs, ds2, "2021-05", "my", may[i].unit, may[i].y);
    }
    pg_result *c = fx_eval(rs, ds2, "monthly", "2021-05");
    pg_result_digest(c, db);
    assert_string_not_equal(da, db);
    assert_pts(fx_ur(c, "f")->total, fx_ur(a, "f")->total);
    pg_result_free(c);
    pg_dataset_free(ds2);

    /* one field at a time, on an otherwise equal result */
    pg_unit_result *u = &b->units[fx_unit(rs, "e")];
    u->prev_total = 61, pg_result_digest(b, db), assert_string_not_equal(da, db);
    u->prev_total = a->units[fx_unit(rs, "e")].prev_total, pg_result_digest(b, db);
    assert_string_equal(da, db);
    u->position++, pg_result_digest(b, db), assert_string_not_equal(da, db);
    u->position--;
    pg_cell *cell = pg_result_cell(b, fx_node(rs, "x"), fx_unit(rs, "e"));
    cell->capped ^= 1, pg_result_digest(b, db), assert_string_not_equal(da, db);
    cell->capped ^= 1, pg_result_digest(b, db), assert_string_equal(da, db);
    if (b->nnotes > 0) {
        char *was = b->notes[0];
        b->notes[0] = "another note";
        pg_result_digest(b, db), assert_string_not_equal(da, db);
        b->notes[0] = was;
    }
    pg_result_free(a), pg_result_free(b);
    pg_dataset_free(ds);
    pg_ruleset_free(rs);
}

static void test_bands(void **state)
{
    pg_ruleset *rs = fx_load("ranking");
    pg_dataset *ds = pg_dataset_new(rs);
    feed_may(rs, ds);
    pg_result *res = fx_eval(rs, ds, "monthly", "2021-05");

    /* bands A >= 90, B >= 80, C >= 60, D >= 0; the first band whose minimum the rounded
     * total reaches. j's raw 89.995 rounds to 90.00, so it is an A. */
    static const struct {
        const char *unit;
        int band;
    } cases[] = {{"b", 0}, {"a", 0}, {"j", 0}, {"c", 1}, {"d", 1}, {"h1", 2},
                 {"i", 2}, {"e", 2}, {"f", 3}, {"m", 3}, {"k", 3}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int band = fx_ur(res, cases[i].unit)->band;
        if (band != cases[i].band)
            fail_msg("unit %s: band %d, expected %d", cases[i].unit, band, cases[i].band);
    }
    assert_string_equal(rs->bands[fx_ur(res, "e")->band].label, "C");

    pg_result_free(res);
    pg_dataset_free(ds);
    pg_ruleset_free(rs);
}

static void test_dense_ranking_one_digit(void **state)
{
    pg_ruleset *rs = fx_load("ranking_dense");
    pg_dataset *ds = pg_dataset_new(rs);
    feed_may(rs, ds);
    pg_result *res = fx_eval(rs, ds, "monthly", "2021-05");

    /* Rounded to 1 digit: b 90.0, a 90.0, j 90.0, c 80.0, d 80.0, h1 70.0, i 70.0, e 60.0,
     * f 15.0, m 12.3 (12.345 -> 12.3 at one digit, 12.35 at two). x at one digit: b 50.0,
     * a 45.0, j 45.0. Dense ranks have no gaps. */
    static const char *const units[] = {"b", "a", "j", "c", "d", "h1", "i", "e", "f", "m", "k"};
    static const int ranks[] = {1, 2, 2, 3, 3, 4, 4, 5, 6, 7, 1};
    expect_ranks(res, units, ranks, 11);
    assert_pts(fx_ur(res, "m")->total, 12.3);
    assert_pts(fx_ur(res, "j")->total, 90);
    assert_int_equal(fx_ur(res, "b")->tie_breaker, 0);

    pg_result_free(res);
    pg_dataset_free(ds);
    pg_ruleset_free(rs);
}

static void test_second_tie_breaker(void **state)
{
    /* The second tie-breaker decides when the rounded totals and the rounded x tie but the
     * rounded y does not:
     *   a: x 0.69998 -> 34.999 (35.00), y 0.7001  -> 35.005 (35.01), total 70.004 (70.00)
     *   b: x 0.70002 -> 35.001 (35.00), y 0.69998 -> 34.999 (35.00), total 70.000 (70.00)
     * y: 35.01 > 35.00, so a ranks first, and both record tie-breaker index 1 ("y").
     * Unrounded x would have put b first (35.001 > 34.999): the keys must be the rounded
     * scores. Every other unit has no data and scores 0 (policy zero). */
    pg_ruleset *rs = fx_load("ranking");
    pg_dataset *ds = pg_dataset_new(rs);
    fx_v(rs, ds, "2021-05", "mx", "a", 0.69998);
    fx_v(rs, ds, "2021-05", "my", "a", 0.7001);
    fx_v(rs, ds, "2021-05", "mx", "b", 0.70002);
    fx_v(rs, ds, "2021-05", "my", "b", 0.69998);
    pg_result *res = fx_eval(rs, ds, "monthly", "2021-05");
    assert_pts(fx_ur(res, "a")->total, 70);
    assert_pts(fx_ur(res, "b")->total, 70);
    assert_int_equal(fx_ur(res, "a")->rank, 1);
    assert_int_equal(fx_ur(res, "b")->rank, 2);
    assert_int_equal(fx_ur(res, "a")->tie_breaker, 1);
    assert_int_equal(fx_ur(res, "b")->tie_breaker, 1);
    assert_string_equal(rs->tie_breakers[1], "y");
    /* the eight units at 0 share rank 3 */
    assert_int_equal(fx_ur(res, "c")->rank, 3);
    assert_int_equal(fx_ur(res, "m")->rank, 3);
    pg_result_free(res);
    pg_dataset_free(ds);
    pg_ruleset_free(rs);
}

static void test_movement(void **state)
{
    pg_ruleset *rs = fx_load("ranking");
    pg_dataset *ds = pg_dataset_new(rs);
    feed_may(rs, ds);
    /* April: a 100, b 50, everyone else in g has no data and scores 0 (policy zero);
     * ranks a 1, b 2, the other eight 3; k alone in h with 0 -> 1 */
    fx_v(rs, ds, "2021-04", "mx", "a", 1);
    fx_v(rs, ds, "2021-04", "my", "a", 1);
    fx_v(rs, ds, "2021-04", "mx", "b", 0.5);
    fx_v(rs, ds, "2021-04", "my", "b", 0.5);
    pg_result *res = fx_eval(rs, ds, "monthly", "2021-05");
    assert_int_equal(res->has_prev, 1);
    assert_int_equal(fx_ur(res, "a")->prev_rank, 1);
    assert_pts(fx_ur(res, "a")->prev_total, 100);
    assert_int_equal(fx_ur(res, "b")->prev_rank, 2);
    assert_pts(fx_ur(res, "b")->prev_total, 50);
    assert_int_equal(fx_ur(res, "c")->prev_rank, 3);
    assert_pts(fx_ur(res, "c")->prev_total, 0);
    assert_int_equal(fx_ur(res, "m")->prev_rank, 3);
    assert_int_equal(fx_ur(res, "k")->prev_rank, 1);
    assert_pts(fx_ur(res, "k")->prev_total, 0);
    /* this month's ranks are untouched by last month's */
    assert_int_equal(fx_ur(res, "b")->rank, 1);
    assert_int_equal(fx_ur(res, "a")->rank, 2);
    pg_result_free(res);
    pg_dataset_free(ds);
    pg_ruleset_free(rs);
}

static void test_january_has_no_previous(void **state)
{
    pg_ruleset *rs = fx_load("ranking");
    pg_dataset *ds = pg_dataset_new(rs);
    /* December 2020 has data, but it belongs to another year's rule set: no movement */
    fx_v(rs, ds, "2020-12", "mx", "a", 1);
    fx_v(rs, ds, "2020-12", "my", "a", 1);
    /* January: b 100, a 50 */
    fx_v(rs, ds, "2021-01", "mx", "a", 0.5);
    fx_v(rs, ds, "2021-01", "my", "a", 0.5);
    fx_v(rs, ds, "2021-01", "mx", "b", 1);
    fx_v(rs, ds, "2021-01", "my", "b", 1);
    /* February: a 100 only */
    fx_v(rs, ds, "2021-02", "mx", "a", 1);
    fx_v(rs, ds, "2021-02", "my", "a", 1);

    pg_result *res = fx_eval(rs, ds, "monthly", "2021-01");
    assert_int_equal(res->has_prev, 0);
    for (int u = 0; u < rs->nunits; u++) {
        assert_int_equal(res->units[u].prev_rank, 0);
        assert_nan(res->units[u].prev_total);
    }
    assert_int_equal(fx_ur(res, "b")->rank, 1);
    pg_result_free(res);

    /* February compares with January: a was 2nd with 50, b 1st with 100 */
    res = fx_eval(rs, ds, "monthly", "2021-02");
    assert_int_equal(res->has_prev, 1);
    assert_int_equal(fx_ur(res, "a")->rank, 1);
    assert_int_equal(fx_ur(res, "a")->prev_rank, 2);
    assert_pts(fx_ur(res, "a")->prev_total, 50);
    assert_int_equal(fx_ur(res, "b")->prev_rank, 1);
    assert_pts(fx_ur(res, "b")->prev_total, 100);
    pg_result_free(res);
    pg_dataset_free(ds);
    pg_ruleset_free(rs);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_competition_ranking),
        cmocka_unit_test(test_bands),
        cmocka_unit_test(test_dense_ranking_one_digit),
        cmocka_unit_test(test_second_tie_breaker),
        cmocka_unit_test(test_movement),
        cmocka_unit_test(test_result_digest),
        cmocka_unit_test(test_january_has_no_previous),
    };
    return cmocka_run_group_tests_name("rank", tests, NULL, NULL);
}
