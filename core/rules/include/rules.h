/* ruleset.h — a loaded rule set: groups, units, metrics, the indicator tree and schemes.
 *
 * pg_ruleset_load() runs the set's Lua files in a sandbox, reads every declaration into the
 * plain C structures below, and validates them (pg_ruleset_check). The result is read-only
 * for everyone but the loader; custom methods and composites stay in the set's Lua state and
 * are called through custom.c. A pg_ruleset is used by one thread at a time (it owns one
 * lua_State); the host gives each worker its own.
 *
 * Points are per group: node->points[g] is NAN where the node does not apply to group g. */
#ifndef PG_RULESET_H
#define PG_RULESET_H

#include "diag.h"
#include "sandbox.h"
#include "source.h"
#include "strmap.h"
#include "timefmt.h"

typedef enum {
    PG_M_NONE, /* inner node */
    PG_M_LINEAR,
    PG_M_STEPS,
    PG_M_TARGET,
    PG_M_BEST_RATIO,
    PG_M_RANK,
    PG_M_MINMAX,
    PG_M_ZSCORE,
    PG_M_DEDUCT,
    PG_M_PER_EVENT,
    PG_M_FLAG,
    PG_M_CUSTOM
} pg_method_kind;

typedef struct {
    pg_method_kind kind;
    int lower;              /* better = "lower" */
    double lo, hi;          /* linear */
    double target;          /* target */
    double base, per_sd;    /* zscore */
    double per, free;       /* deduct, per_event */
    double otherwise, rest; /* steps, rank */
    int nsteps;             /* steps: thresholds and shares */
    double *step_at, *step_share;
    int nshares; /* rank: shares by rank */
    double *shares;
    int fn_ref; /* custom: registry ref of the function */
} pg_method;

typedef enum {
    PG_MISS_ZERO,
    PG_MISS_NA,
    PG_MISS_CARRY,
    PG_MISS_NO_BUSINESS,
    PG_MISS_NOT_SUBMITTED
} pg_missing;

typedef struct {
    char *id, *name;
    const char *file;
    int line;
} pg_group;

typedef struct {
    char *id, *name, *code;
    int group;
    int code_standard; /* 1 for a GB/T 2260 code */
    int line;          /* in units.csv */
} pg_unit;

/* How a computed metric aggregates the records of its source. */
typedef enum {
    PG_AGG_FED, /* not computed: fed directly as values */
    PG_AGG_COUNT,
    PG_AGG_SUM,
    PG_AGG_MEAN,
    PG_AGG_MIN,
    PG_AGG_MAX,
    PG_AGG_SHARE,    /* records meeting `condition` ÷ records */
    PG_AGG_RATIO,    /* Σ value ÷ Σ denominator */
    PG_AGG_DISTINCT, /* number of distinct values */
    PG_AGG_P50,
    PG_AGG_P90
} pg_agg_kind;

/* Which records make a period's value. */
typedef enum {
    PG_OVER_MONTH,   /* the sampling month (YYYY-MM) */
    PG_OVER_YTD,     /* sampling months 1..M of the year, for each month M */
    PG_OVER_YEAR,    /* the year's twelve sampling months, as the year's value (YYYY) */
    PG_OVER_YEAR_END /* the year-end window, 10 Oct – 31 Dec, as the year's value (YYYY) */
} pg_over;

typedef struct {
    char *id, *name, *unit, *desc;
    const char *file;
    int line;
    /* computed metrics only */
    pg_agg_kind agg;
    pg_over over;
    int source; /* index into rs->sources, -1 when fed */
    struct pg_expr *where, *value, *condition, *denominator; /* NULL when absent */
    int field;    /* distinct: the source field whose values are counted */
    char def[65]; /* sha256 of the definition: partial aggregates are kept per definition */
    /* 自报 and 评估数据真实性 (review.h, authenticity.h) */
    int self_report;       /* self_report = true: units submit it for themselves */
    int auth_measured;     /* authenticity.measured: the system's figure it is checked against */
    double auth_tolerance; /* flagged when reported > measured × (1 + tolerance) */
    int auth_into;         /* authenticity.into: the metric the flags add to; -1 when none */
    const char *auth_measured_id, *auth_into_id; /* as written, until resolved */
} pg_metric;

typedef struct {
    char *id, *name, *standard, *source, *desc;
    const char *file;
    int line;
    int parent; /* -1 for a part (the root of a tree) */
    int *children, nchildren;
    double *points; /* per group; NAN = not applicable */
    int metric;     /* -1 for inner nodes */
    pg_method method;
    pg_missing missing;
    double min_n;       /* 0 = none */
    int adjust;         /* bonus/penalty node */
    double plus, minus; /* adjust node caps */
    int veto;           /* item sets the total when triggered */
    double veto_score;
    int params_ref; /* LUA_NOREF when none */
    int depth;
    int evaluator; /* method = evaluator_score {}: points entered by an evaluator (定性评价) */
} pg_node;

typedef enum { PG_PERIOD_MONTH, PG_PERIOD_YEAR } pg_period_kind;

typedef struct {
    char *id, *name;
    double weight;
    int node;   /* tree part: root node, else -1 */
    char *ref;  /* scheme part: id of the scheme aggregated */
    int scheme; /* scheme part: its index, else -1 */
    int month_from, month_to;
} pg_part;

typedef struct {
    char *id, *name;
    const char *file;
    int line;
    pg_period_kind period;
    double max;
    pg_part *parts;
    int nparts;
    int composite_ref;  /* LUA_NOREF for the weighted sum */
    int *order, norder; /* the scheme's tree nodes, children before parents */
} pg_scheme;

typedef struct {
    char *label;
    double min;
} pg_band;

typedef struct pg_ruleset {
    char *dir, *id, *name, *timezone;
    char *fsdir;      /* where the files were read: dir, or the snapshot pg_ruleset_load_at named */
    const char *file; /* ruleset.lua, as named in messages */
    int line;
    int year;
    int rounding;
    int dense;
    pg_missing missing;
    int carry_limit;
    char **tie_breakers;
    int ntie;
    pg_band *bands;
    int nbands;
    pg_budget budget;
    char revision[65]; /* sha256 of the rule files and units.csv */

    pg_group *groups;
    int ngroups;
    pg_unit *units;
    int nunits;
    pg_metric *metrics;
    int nmetrics;
    pg_node *nodes;
    int nnodes;
    pg_scheme *schemes;
    int nschemes;
    pg_source *sources;
    int nsources;
    pg_calendar calendar; /* working days, from calendar { ... } */
    int tz_offset;        /* of rs->timezone, in seconds */
    pg_strmap group_ids, unit_ids, metric_ids, node_ids, scheme_ids, source_ids;

    pg_sandbox *sb;
    char **strings; /* file names etc. that diagnostics and nodes borrow */
    int nstrings;
} pg_ruleset;

/* Loads and validates the rule set in `dir`. Problems go to `d` (errors and warnings).
 * Returns 0 and *out, or a negative errno (-EINVAL for an invalid set) and *out = NULL. */
int pg_ruleset_load(const char *dir, pg_ruleset **out, pg_diags *d);
/* The same, reading the files from `fsdir` (a snapshot of `dir`) while every name and message
 * says `dir`. */
int pg_ruleset_load_at(const char *fsdir, const char *dir, pg_ruleset **out, pg_diags *d);
void pg_ruleset_free(pg_ruleset *rs);

/* The semantic checks behind `pinggu check`; pg_ruleset_load runs them. */
void pg_ruleset_check(const pg_ruleset *rs, pg_diags *d);

/* units.csv: fills rs->units and rs->unit_ids (aliases and codes map to the unit too). */
int pg_units_load(pg_ruleset *rs, const char *path, pg_diags *d);
/* The unit for an id, code or alias, or -1. */
int pg_unit_find(const pg_ruleset *rs, const char *key);

/* Hashes every rule file and units.csv under rs->dir into rs->revision. */
int pg_revision_compute(pg_ruleset *rs, pg_diags *d);

const char *pg_method_name(pg_method_kind k);
const char *pg_missing_name(pg_missing m);
/* Points of node `n` for group `g` (NAN when it does not apply). */
static inline double pg_node_points(const pg_node *n, int g)
{
    return n->points[g];
}

#endif
