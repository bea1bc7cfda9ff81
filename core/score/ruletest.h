/* ruletest.h — rule tests: Lua files next to a rule set that feed metric values to a few units
 * and expect points, statuses, totals, ranks or bands.
 *
 * Test files live in DIR/tests (every .lua file there) and run in the rule set's own sandbox (same
 * base, same budget, `require` resolves inside DIR), with two more globals: `test "name" { ... }`
 * declares a test and `expect.<kind>(...)` an expectation, each remembering the file:line it was
 * written on. A test is evaluated in C exactly as `pinggu eval` would evaluate real data holding
 * only the values it gives, keyed by metric id or by the id of the indicator that reads the
 * metric (so a test survives a metric's rename). Units it does not name have no values and are
 * scored by their missing-data policies. README "Rule tests" documents the language.
 *
 * Lifetime: a report owns its strings; free it with pg_rt_report_free. */
#ifndef PG_RULETEST_H
#define PG_RULETEST_H

#include "ruleset.h"

typedef struct {
    char *file; /* of the expectation, or of the test when the test itself is wrong */
    int line;
    char *test; /* the test's name, or NULL when a file failed to load */
    char *msg;  /* "chengqu mon_full_online points: expected 8, got 7.5" */
} pg_rt_failure;

typedef struct {
    int passed, failed; /* tests (a file that fails to load counts as one failed test) */
    int expectations;   /* checked, passing or not */
    pg_rt_failure *fail;
    int nfail;
    char **passed_names; /* "file:line: name" of each test that passed, in run order */
    int *covered;        /* per node of the rule set: expectations that name it */
} pg_rt_report;

/* The test files of the rule set, every DIR/tests/NAME.lua in name order, as paths relative to DIR
 * (malloc'd list of malloc'd strings). A missing tests directory gives none. */
int pg_ruletest_files(const pg_ruleset *rs, char ***files, int *n, pg_diags *d);
void pg_ruletest_files_free(char **files, int n);

/* Runs the test files (paths relative to rs->dir) into rep (zero-initialise it). Returns 0
 * when every test passed, 1 when any failed or could not run. The rule set's sandbox gains
 * the test globals; the rule set is otherwise unchanged. */
int pg_ruletest_run(pg_ruleset *rs, char *const *files, int nfiles, pg_rt_report *rep);
void pg_rt_report_free(pg_rt_report *rep);

/* Whether node i is one a test must cover: a node that reads a metric (leaves, veto items). */
int pg_ruletest_scored(const pg_ruleset *rs, int node);

#endif
