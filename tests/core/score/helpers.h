/* helpers.h — shared by the unit tests: loading fixture rule sets, feeding values by id,
 * evaluating a scheme by id and period string, and looking cells up by node and unit id.
 *
 * Every helper asserts (through cmocka) that what it looks up exists, so a typo in a test
 * fails loudly at the lookup rather than as a wrong number later. Fixture rule sets live in
 * tests/core/score/fixtures/<name>/; FIXTURES is their absolute directory (set by CMake). */
#ifndef PG_UNIT_HELPERS_H
#define PG_UNIT_HELPERS_H

/* cmocka needs these before its own header. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>

#include "data.h"
#include "score.h"
#include "method.h"
#include "base.h"
#include "rules.h"

#ifndef FIXTURES
#error "FIXTURES must name the fixtures directory"
#endif

/* cmocka's assert_float_equal works in float; scores need doubles. */
#define assert_near(actual, expected, eps)                                                         \
    do {                                                                                           \
        double a_ = (actual), e_ = (expected);                                                     \
        if (!(fabs(a_ - e_) <= (eps)))                                                             \
            fail_msg("%s = %.17g, expected %.17g (± %g)", #actual, a_, e_, (double)(eps));         \
    } while (0)
/* Scores are sums of a few products; 1e-9 is far below any rounding the rules do. */
#define assert_pts(actual, expected) assert_near(actual, expected, 1e-9)
#define assert_nan(x)                                                                              \
    do {                                                                                           \
        double x_ = (x);                                                                           \
        if (!isnan(x_)) fail_msg("%s = %.17g, expected NaN", #x, x_);                              \
    } while (0)
#define assert_substr(haystack, needle)                                                            \
    do {                                                                                           \
        const char *h_ = (haystack), *n_ = (needle);                                               \
        if (!h_ || !strstr(h_, n_))                                                                \
            fail_msg("%s = \"%s\" does not contain \"%s\"", #haystack, h_ ? h_ : "(null)", n_);    \
    } while (0)

/* Loads fixtures/<name>; fails the test (printing the diagnostics) if it does not load. */
pg_ruleset *fx_load(const char *name);
/* The absolute path of a file inside fixtures/<name>/ (static buffer). */
const char *fx_path(const char *name, const char *file);
/* The 1-based line of `file` on which `marker` first occurs; fails the test if none. */
int fx_line_of(const char *path, const char *marker);

int fx_node(const pg_ruleset *rs, const char *id);
int fx_unit(const pg_ruleset *rs, const char *id);
int fx_metric(const pg_ruleset *rs, const char *id);
int fx_scheme(const pg_ruleset *rs, const char *id);
int fx_period(const char *s);
/* Index of part `id` in scheme `scheme`. */
int fx_part(const pg_ruleset *rs, int scheme, const char *id);

/* Stores one value; n = NAN when the data give no sample size. */
void fx_set(const pg_ruleset *rs, pg_dataset *ds, const char *period, const char *metric,
            const char *unit, double value, double n);
/* fx_set with no sample size. */
#define fx_v(rs, ds, period, metric, unit, value) fx_set(rs, ds, period, metric, unit, value, NAN)
/* thin/'s May (test_thin.c): m1 = 0.8 for every unit (part m = 80), and platform leaves that
 * take every branch of the thin-evidence policy. */
void fx_feed_thin(const pg_ruleset *rs, pg_dataset *ds);
/* Evaluates; fails the test unless pg_eval returns 0 and a result. */
pg_result *fx_eval(const pg_ruleset *rs, const pg_dataset *ds, const char *scheme,
                   const char *period);

const pg_cell *fx_cell(const pg_result *res, const char *node, const char *unit);
const pg_unit_result *fx_ur(const pg_result *res, const char *unit);
double fx_partv(const pg_result *res, const char *unit, const char *part);
double fx_lost(const pg_result *res, const char *node, const char *unit);
/* The note of a cell or unit ("" when none), never NULL. */
const char *fx_note(const pg_result *res, int note);

#endif
