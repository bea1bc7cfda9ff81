/* score.h — the public header of core/score/.
 *
 * Scoring and ranking: evaluating one scheme for one period (scores,
 * roll-up, totals), the result it leaves, ranking within groups, authenticity flags, movement
 * against a frozen result, comparing two results, and rule tests. Uses base, rules, sandbox
 * and data.
 *
 * The other subsystems, the host and the CLI include this header and no other of core/score/.
 * It gathers what the folder's files export, one section per file, each under its file's
 * name. */
#ifndef PG_SCORE_H
#define PG_SCORE_H

#include "data.h"
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>

/* authenticity.c — 评估数据真实性: a self-reported figure checked against the system's own.
 *
 * A rule set declares the check on the reported metric:
 *     metric "ecert_calls_reported" { ..., self_report = true,
 *       authenticity = { measured = "ecert_calls", tolerance = 0.10, into = "data_truth_issues" } }
 * A unit is flagged for a period when it reported more than the measured figure by more than
 * the tolerance (reported > measured × (1 + tolerance)). A period where either figure is
 * missing is not checked: there is nothing to compare. Each flag adds 1 to the value of the
 * `into` metric, which an ordinary rule (per_event on a penalty item) turns into points.
 *
 * Flags are derived from the values alone, never stored, so an evaluation re-run from frozen
 * values flags exactly what it flagged the first time. */

typedef struct {
    int unit;
    int metric; /* the reported metric: its check names measured, tolerance and into */
    int period; /* the period whose values were compared */
    double reported, measured;
} pg_auth_flag;

/* Whether `reported` exceeds `measured` by more than `tolerance` (a share of measured). */
int pg_auth_exceeds(double reported, double measured, double tolerance);

/* Appends to *flags (*n of them, realloc'd) the flags of unit `u` in `period`: a month checks
 * that month's values; a year checks the year's own values and each of its months. With
 * `into` >= 0 only the checks whose flags count into that metric. Returns how many it added. */
int pg_auth_flags(const pg_ruleset *rs, const pg_dataset *ds, int period, int u, int into,
                  pg_auth_flag **flags, int *n);

/* Whether any check counts into metric m. */
int pg_auth_is_into(const pg_ruleset *rs, int m);

/* result.c — the result of evaluating one scheme for one period (eval.c), ranked (rank.c):
 * per unit its total, rank and band; per (indicator, unit) a cell with the value scored, the
 * points, the maximum, the rescaling into its part and the status; the notes that trace
 * every decision; for a scheme of schemes, the results it aggregated.
 *
 * A result borrows its rule set, which must outlive it. */

typedef enum {
    PG_ST_OK,
    PG_ST_MISSING,       /* no value, scored 0 (policy zero) */
    PG_ST_NA,            /* dropped: not applicable to this unit */
    PG_ST_CARRIED,       /* value carried forward from an earlier period */
    PG_ST_NO_BUSINESS,   /* dropped: no business this period */
    PG_ST_NOT_SUBMITTED, /* no value, scored 0 (policy not_submitted) */
    PG_ST_ERROR,         /* a custom function failed; scored 0 */
    PG_ST_VETO,          /* a veto item triggered */
    PG_ST_OFF            /* the node does not apply to the unit's group */
} pg_status;

typedef struct {
    double value;     /* raw value scored; NAN if none */
    double n;         /* its sample size; NAN if not given */
    double points;    /* on the node's own scale; NAN when dropped or off */
    double max;       /* the node's points for the unit's group */
    double weight;    /* factor from this node's points to its part's (rescaling); 0 if dropped */
    int carried_from; /* period code, when carried forward */
    unsigned char status;
    unsigned char capped; /* a cap or clamp changed the points */
    int note;             /* index into pg_result.notes, or -1 */
    /* Inner nodes: the points of the node's own scale that rest on the unit's own data (its
     * scored leaves, through the subtree; a child that took the group median counts whole),
     * which the thin-evidence policy compares with min_applicable × max. */
    double applicable;
    unsigned char thin; /* the policy applied: PG_BELOW_NA or PG_BELOW_GROUP_MEDIAN, else 0 */
} pg_cell;

typedef struct {
    int ranked;       /* has a total and a rank (a group declared ranked = false: a total only) */
    double total;     /* rounded to the rule set's digits; NAN when there is none */
    double raw_total; /* before rounding */
    int rank;         /* 0 when not ranked */
    int position;     /* 1-based display order within the group (ties by code, id); 0 if unranked */
    int prev_rank;    /* 0 when there is none */
    double prev_total; /* NAN when there is none */
    int band;          /* index into rs->bands, or -1 */
    int veto_node;     /* the veto item that fixed the total, or -1 */
    int tie_breaker;   /* index into rs->tie_breakers that separated it from a tie, or -1 */
    int errors;        /* indicators that failed */
    int clamped;       /* the total was clamped to [0, max] */
    int note;          /* index into notes (e.g. a composite failure), or -1 */
} pg_unit_result;

/* An upheld appeal (申诉) applied to one unit's indicator: what was granted and what the
 * indicator's bounds let through. */
typedef struct {
    int unit, node;
    long id;        /* the appeal's id in the store */
    double granted; /* the adjustment decided */
    double applied; /* what it changed: 0 on an indicator not scored this period */
    char *reason;
} pg_appeal_applied;

typedef struct pg_result {
    const pg_ruleset *rs;
    int scheme, period;
    pg_unit_result *units; /* rs->nunits */
    double *parts;         /* rs->nunits × nparts, NAN where a part is dropped */
    pg_cell *cells;        /* rs->nnodes × rs->nunits (node-major); NULL for a scheme of schemes */
    char **notes;
    int nnotes;
    int has_prev;           /* the previous period could be evaluated */
    struct pg_result **sub; /* scheme of schemes: the results aggregated, nsub of them */
    int nsub;
    int *sub_part;              /* for each sub result, the part it feeds */
    pg_appeal_applied *appeals; /* upheld appeals applied, in node then unit order */
    int nappeals;
    pg_auth_flag *flags; /* every unit's authenticity flags in the period (tree schemes) */
    int nflags;
    /* A trimmed sub-result (pg_result_trim) has no cells; its cells' thin marks are kept here,
     * rs->nnodes × rs->nunits like the cells, or NULL when none was set. */
    unsigned char *thin;
} pg_result;

void pg_result_free(pg_result *res);
/* The bytes res holds, its sub-results' included (the appeals' reasons not): what a cache
 * keeping it counts. */
size_t pg_result_bytes(const pg_result *res);
/* A SHA-256 of everything in res and of its rule set's revision (and its sub-results'), as 64
 * hex digits: two results hashing alike print alike in every report (result_digest.c). A
 * field added to pg_result or to what it holds must be added to the digest too. */
void pg_result_digest(const pg_result *res, char hex[65]);

static inline pg_cell *pg_result_cell(const pg_result *res, int node, int unit)
{
    return &res->cells[(size_t)node * (size_t)res->rs->nunits + (size_t)unit];
}
/* The thin-evidence policy applied to the cell (pg_cell.thin), of a whole or a trimmed result;
 * 0 for a result that has neither (a scheme of schemes). */
static inline int pg_result_thin(const pg_result *res, int node, int unit)
{
    size_t at = (size_t)node * (size_t)res->rs->nunits + (size_t)unit;
    return res->cells ? res->cells[at].thin : res->thin ? res->thin[at] : 0;
}
/* Trims a sub-result to what a scheme of schemes reads of it (its units' totals, ranks and
 * notes, its parts, the thin marks of its cells, score_schemes in eval.c) and frees the rest:
 * at 3,003 units each month's cells are ~19 MB, and an annual composite held thirteen. */
void pg_result_trim(pg_result *res);
static inline double pg_result_part(const pg_result *res, int unit, int part)
{
    return res->parts[(size_t)unit * (size_t)res->rs->schemes[res->scheme].nparts + (size_t)part];
}
const char *pg_status_name(pg_status s);
const char *pg_result_note(const pg_result *res, int note);
/* Why unit u has no rank: "not_ranked" (its group is declared ranked = false: it has a total),
 * "error" (rule code failed for it), "no_business" (a part it has no business in) or
 * "no_data". */
const char *pg_result_unranked_reason(const pg_result *res, int u);

/* Points the unit lost on the node, on its part's scale: (max − points) × weight. 0 where
 * the node is dropped or does not apply; on a bonus/penalty item, the penalty taken. */
double pg_result_lost(const pg_result *res, int node, int unit);
/* The nodes of the scheme's trees, parents before children in display order. Returns the
 * count; *out is malloc'd. */
int pg_scheme_preorder(const pg_ruleset *rs, const pg_scheme *s, int **out);

/* rank.c — ranking the units of a scored result within their groups (rank.c). */

/* Ranks each group of res (competition or dense, then tie-breakers) and sets bands. */
void pg_rank_assign(pg_result *res);
/* The ranked units of group g in display order, terminated by -1; malloc'd. */
int *pg_result_group_order(const pg_result *res, int g);

/* eval.c — evaluating one scheme for one period: scores, roll-up, totals, ranks, movement.
 *
 * pg_eval() scores every unit on every indicator of the scheme's trees, rolls the points up
 * (rescaling when indicators are dropped, clamping at caps), combines the parts into a total,
 * rounds it, ranks each group and compares with the previous period. For a scheme of
 * schemes (the annual composite) it evaluates the schemes it aggregates first and keeps those
 * results in `sub` so that every number stays explainable.
 *
 * The result borrows the rule set, which must outlive it. pg_eval calls custom Lua methods
 * through the rule set's sandbox, so one rule set is evaluated by one thread at a time. */

/* Evaluates `scheme` for `period` (a period code, see base.h). Returns 0 and *out, or a
 * negative errno with a diagnostic: -EINVAL for a period of the wrong kind or year, -ENOENT
 * when the data hold nothing for it. */
int pg_eval(const pg_ruleset *rs, const pg_dataset *ds, int scheme, int period, pg_result **out,
            pg_diags *d);

/* The value a leaf's method sees (indicator { transform = … }, docs/rules.md): clamped to the
 * transform's floor and cap, then its natural logarithm under log = true; x itself without a
 * transform. (method.c) */
double pg_transform(const pg_node *n, double x);

/* Effective dating (docs/rules.md): a scheme of schemes averages monthly totals, and when the
 * months of a year are governed by different rule sets each month's total must come from its
 * own rules. pg_eval evaluates those months inside `rs`, so the caller that knows which rules
 * govern which month (the host) supplies them: while pg_eval_months_set(m) is in force on the
 * calling thread, every monthly sub-result a scheme of schemes needs is asked of m->fn first.
 * fn returns 0 and *out (a result of a monthly scheme with `rs`'s units in `rs`'s order; the
 * composite takes it over), 1 for "evaluate it here under rs", -ENOENT when the month has no
 * data (skipped, as pg_eval skips it), or another negative errno with a diagnostic, which fails
 * the evaluation rather than average fewer months than the rules say. Thread-local, so that
 * every path ending in pg_eval (an evaluation, pg_publish's, a correction's) takes it without a
 * parameter through each of them; clear it with pg_eval_months_set(NULL). */
typedef struct {
    int (*fn)(void *arg, const char *scheme, int period, pg_result **out, pg_diags *d);
    void *arg;
} pg_eval_months;
void pg_eval_months_set(const pg_eval_months *m);

/* submemo.c — the monthly sub-results of schemes of schemes, kept between evaluations.
 *
 * A re-score after a one-record batch of May evaluated the annual composite's nine months
 * again, ~0.1 s each at 3,003 units, though eight read nothing that changed. A month's result
 * is a function of the rule set (its revision) and of what the month's evaluation reads of the
 * data: its period's values, scores and appeals (pg_dataset_period_hash), and the values it may
 * carry forward from carry_limit periods before, those of the cells it lacks
 * (pg_dataset_carry_hash). So while a memo is in force on a thread (pg_eval_submemo_set), pg_eval
 * looks each monthly sub-result up by a SHA-256 of those, and keeps what it computed, trimmed
 * (pg_result_trim), unless the evaluation said anything (a rule error: the next one must say it
 * again). The memo holds no rule set or dataset: a hit is a copy made for the caller's rule set. It
 * assumes a rule set's functions give the same points for the same values, as the sandbox
 * makes them (no clock, no random numbers); the sub-results of months a mix supplies under
 * other rules (pg_eval_months_set) are not kept. Safe for any number of threads; at most
 * `max` months (least recently used out first), ~0.3 MB each at 3,003 units. */
typedef struct pg_submemo pg_submemo;
pg_submemo *pg_submemo_new(int max);
void pg_submemo_free(pg_submemo *m);
/* Puts m (NULL: none) in force for pg_eval on the calling thread. */
void pg_eval_submemo_set(pg_submemo *m);
/* Lookups that found their month, lookups that did not, months held and their bytes. */
void pg_submemo_stats(pg_submemo *m, long *hits, long *misses, int *held, size_t *bytes);

/* diff.c — comparing two evaluations of the same scheme and period (what-if previews).
 *
 * pg_diff_compute() takes result A (the rules in force) and result B (an edited rule set, or
 * the same set with weight overrides) and lists every unit with its total, rank and band under
 * both, and the indicators behind the change: each leaf's contribution to the total (points ×
 * the rescaling into its part × the part's weight in the scheme) under A and under B, largest
 * change first. For a scheme of schemes the causes are its parts. Units and indicators are
 * matched by id, so B may add or drop some.
 *
 * The diff borrows both results (and through them both rule sets); they must outlive it. The
 * CLI's `pinggu diff` and, later, the host's preview API write it with pg_diff_json or
 * pg_diff_text. */

typedef struct {
    const char *id, *name; /* of the indicator (or part), from A when it exists there */
    double a, b;           /* contribution to the total; 0 where absent or dropped */
} pg_diff_cause;

typedef struct {
    const char *id, *name;
    int group_a, group_b; /* group index in each rule set, -1 when the unit is absent there */
    int unit_a, unit_b;   /* unit index in each rule set, or -1 */
    int ranked_a, ranked_b;
    double total_a, total_b; /* NAN when not ranked */
    int rank_a, rank_b;      /* 0 when not ranked */
    const char *band_a, *band_b;
    const char *veto_a, *veto_b; /* id of the veto item that fixed the total, or NULL */
    pg_diff_cause *causes;       /* every contribution that changed, largest change first */
    int ncauses;
} pg_diff_unit;

typedef struct {
    const pg_result *a, *b;
    pg_diff_unit *units; /* grouped in A's group order; in each group by B's rank, then A's */
    int nunits;
    int rank_changes, band_changes, total_changes;
    int overrides; /* B is A with weight overrides (the caller says so; shown in the output) */
    /* Rule sets of different years on the same data (pinggu diff across years): the year each
     * set was written for, when one of them was evaluated as if it governed the period's year
     * (its rules applied to that year's data, with that year's working-day calendar); 0 when
     * both govern the period's year. The caller sets them; the output says so. */
    int year_a, year_b;
} pg_diff;

/* Compares a and b, which must evaluate the same scheme id and period. Returns 0 and *out, or
 * -EINVAL with a diagnostic when they do not. */
int pg_diff_compute(const pg_result *a, const pg_result *b, pg_diff **out, pg_diags *d);
void pg_diff_free(pg_diff *df);

/* The diff as JSON (docs/tools.md, "pinggu diff"); `against` names B's source for people. */
cJSON *pg_diff_json(const pg_diff *df, const char *against);
/* A table per group: rank and total under both, band change, the main causes. Returns 0, or
 * -EIO when the stream fails. */
int pg_diff_text(const pg_diff *df, const char *against, FILE *out);

/* movement.c — 环比: movement measured against the previous published bulletin.
 *
 * pg_eval compares a period with its own evaluation of the previous period, from the same data
 * and rules. A bulletin is read against the bulletin before it, though: once the previous
 * period has a published bulletin, the ranks and totals that count as "previous" are that
 * bulletin's frozen numbers, which later data or rule changes no longer move. This step
 * replaces the result's previous ranks and totals with those numbers after pg_eval, without
 * touching anything else; every writer (JSON, text, the bulletin documents) then shows
 * movement, change and marks against the bulletin.
 *
 * The frozen result is matched by unit id: a unit the previous bulletin did not rank is "new". */

/* Sets res->units[*].prev_rank / prev_total from `prev`, a result JSON as pg_report_json
 * writes it (the frozen result of a bulletin). Returns 0, or -EINVAL with a diagnostic naming
 * `what` when `prev` is not such a result or is of another scheme. */
int pg_movement_from(pg_result *res, const cJSON *prev, const char *what, pg_diags *d);

/* ruletest.c — rule tests: Lua files next to a rule set that feed metric values to a few units
 * and expect points, statuses, totals, ranks or bands.
 *
 * Test files live in DIR/tests (every .lua file there) and run in the rule set's own sandbox (same
 * base, same budget, `require` resolves inside DIR), with two more globals: `test "name" { ... }`
 * declares a test and `expect.<kind>(...)` an expectation, each remembering the file:line it was
 * written on. A test is evaluated in C exactly as `pinggu eval` would evaluate real data holding
 * only the values it gives, keyed by metric id or by the id of the indicator that reads the
 * metric (so a test survives a metric's rename). Units it does not name have no values and are
 * scored by their missing-data policies. docs/tools.md, "Rule tests", documents the language.
 *
 * Lifetime: a report owns its strings; free it with pg_rt_report_free. */

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
    /* Inherited tests (a set that extends another runs its parent's tests too): those replaced
     * by one of the set's own of the same name, and every line left out, "file:line: why" (a
     * replaced test; an expectation about an indicator the set retires). */
    int skipped;
    char **skips;
    int nskips;
} pg_rt_report;

/* The test files of the rule set, every DIR/tests/NAME.lua in name order, as paths relative to DIR
 * (malloc'd list of malloc'd strings), then the inherited ones of a set that extends another:
 * its parent's tests/NAME.lua as ".extends/tests/NAME.lua" (the listing's name for the parent's
 * files, core/base/ruledir.c), unless the set has a file of that name, which replaces it. A
 * missing tests directory gives none. */
int pg_ruletest_files(const pg_ruleset *rs, char ***files, int *n, pg_diags *d);
void pg_ruletest_files_free(char **files, int n);

/* Runs the test files (paths relative to rs->dir) into rep (zero-initialise it). Returns 0
 * when every test passed, 1 when any failed or could not run. The rule set's sandbox gains
 * the test globals; the rule set is otherwise unchanged. */
int pg_ruletest_run(pg_ruleset *rs, char *const *files, int nfiles, pg_rt_report *rep);
void pg_rt_report_free(pg_rt_report *rep);

/* Whether node i is one a test must cover: a node that reads a metric (leaves, veto items). */
int pg_ruletest_scored(const pg_ruleset *rs, int node);

/* analyze.c — which indicators matter: per indicator and group, over one period or a year of a
 * monthly scheme's periods (pooled), coverage, mean, sd, skew, the shares at full and at zero
 * points, correlation with the parent and the total, nominal against effective weight, and the
 * leaves correlated above 0.9 (docs/tools.md, "pinggu analyze", defines each figure). Tree
 * schemes only (-ENOTSUP for a scheme of schemes). The analysis borrows the rule set. */

typedef struct {
    int node, group;
    double max;      /* the node's points for the group */
    long applies, n; /* observations where it applies; where it has points */
    double coverage; /* share of `applies` with the unit's own data */
    double mean, sd, skew, at_full, at_zero, r_parent, r_total;
    double nominal, effective; /* shares of the total; NAN where undefined */
} pg_an_indicator;

typedef struct {
    int group, a, b; /* nodes */
    double r;
} pg_an_pair;

typedef struct {
    const pg_ruleset *rs;
    int scheme;
    int *periods, nperiods;
    long *obs;            /* per group: ranked (unit, period) observations */
    pg_an_indicator *ind; /* group by group, the scheme's nodes in display order */
    int nind;
    pg_an_pair *pairs;
    int npairs;
} pg_analysis;

/* Evaluates `scheme` for `period` (every month of it when a monthly scheme gets a year) and
 * analyses the results. Returns 0 and *out, or a negative errno with a diagnostic. */
int pg_analyze(const pg_ruleset *rs, const pg_dataset *ds, int scheme, int period,
               pg_analysis **out, pg_diags *d);
/* The same over results already evaluated (one scheme, one rule set). */
int pg_analyze_results(pg_result *const *res, int nres, pg_analysis **out, pg_diags *d);
void pg_analysis_free(pg_analysis *an);
cJSON *pg_analysis_json(const pg_analysis *an);
int pg_analysis_text(const pg_analysis *an, FILE *out);

/* sensitivity.c — how stable is a rank: the scheme's tree re-aggregated under N weight vectors
 * drawn uniformly within ±spread of the nominal weights (or within the weight_range the rule
 * set declares), without re-scoring the leaves (docs/tools.md, "pinggu sensitivity"). A weight
 * is a node of the tree with a sibling (outside bonus/penalty nodes, not a veto item, not under
 * a min node, which has none): its points under a sum, its `weight` under mean, geomean or
 * harmonic; or a part of the scheme (its weight, when two or more parts are weighted); a drawn
 * weight is renormalised among its siblings, so every node keeps its maximum. At nominal weights
 * the re-aggregation equals pg_eval's totals bit for bit; pg_sens_run checks this before drawing
 * and fails with -EPROTO otherwise. Works on a scheme of indicator trees without a Lua composite
 * (-ENOTSUP otherwise). Deterministic for a seed, whatever the number of threads. The result
 * borrows res. */

typedef struct {
    long draws;    /* N */
    double spread; /* p as a share: 0.2 for ±20 % */
    uint64_t seed;
    int threads; /* worker threads (1 when < 1) */
} pg_sens_opts;

typedef enum {
    PG_SENS_POINTS, /* a node's points under a sum */
    PG_SENS_WEIGHT, /* a node's `weight` under mean, geomean or harmonic */
    PG_SENS_PART    /* a scheme part's weight */
} pg_sens_basis;

typedef struct {
    const char *id, *name; /* of the node or part */
    int node;              /* rs node, or -1 for a part */
    int part;              /* scheme part, or -1 */
    double nominal;        /* the node's points (in its first group), its weight, the part's */
    pg_sens_basis basis;
    double lo, hi; /* what it is drawn from: nominal × (1 ± spread), or declared */
    int declared;  /* lo, hi from the rule set's weight_range */
} pg_sens_weight;

/* A weight's one-at-a-time effect on a unit: its rank with that weight alone at −spread and at
 * +spread; size is the larger change from the nominal rank. */
typedef struct {
    int weight, minus, plus, size;
} pg_sens_effect;

#define PG_SENS_TOP 3
typedef struct {
    int ranked, rank, band; /* at nominal weights (the evaluation's) */
    double total;
    long draws_ranked;               /* draws in which it had a rank */
    double median;                   /* median rank over the draws (x.5 for an even split) */
    int p05, p95;                    /* 5th and 95th percentile rank (nearest rank) */
    int best, worst;                 /* over all draws */
    double band_keep;                /* share of draws in its nominal band; NAN without a band */
    pg_sens_effect top[PG_SENS_TOP]; /* the weights that move it most, largest first */
    int ntop;
} pg_sens_unit;

typedef struct {
    const pg_result *res;
    pg_sens_opts opts;
    pg_sens_weight *weights;
    int nweights;
    pg_sens_unit *units; /* rs->nunits, in the rule set's order */
    int nunits;
    int *unweighted; /* nodes taking the min of their children: no weights to draw */
    int nunweighted;
} pg_sens;

int pg_sens_run(const pg_result *res, const pg_sens_opts *o, pg_sens **out, pg_diags *d);
void pg_sens_free(pg_sens *sv);
/* Re-aggregates res under factors (one per weight, in pg_sens_run's weight order; NULL: all
 * nominal) into totals (rounded; NAN when unranked), ranks (0 when unranked) and bands (-1),
 * each rs->nunits long or NULL. Returns 0, or a negative errno with a diagnostic. */
int pg_sens_reaggregate(const pg_result *res, const double *factors, double *totals, int *ranks,
                        int *bands, pg_diags *d);
/* The number of weights of res's scheme, or a negative errno with a diagnostic. */
int pg_sens_weight_count(const pg_result *res, pg_diags *d);
/* Draw `draw`'s n factors for a seed: each 1 + spread × U(−1, 1). */
void pg_sens_factors(uint64_t seed, long draw, double spread, int n, double *f);
/* The JSON of a run (docs/tools.md); the text: per group, units by nominal rank. */
cJSON *pg_sens_json(const pg_sens *sv);
int pg_sens_text(const pg_sens *sv, FILE *out);

#endif
