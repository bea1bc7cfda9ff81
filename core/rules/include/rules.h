/* rules.h — the public header of core/rules/.
 *
 * The rule language: a rule set's declarations read from Lua into C
 * structures (sources, metrics, indicators, schemes, units), the expressions that metrics
 * compile, and weight overrides. Uses base and sandbox.
 *
 * The other subsystems, the host and the CLI include this header and no other of core/rules/.
 * It gathers what the folder's files export, one section per file, each under its file's
 * name. */
#ifndef PG_RULES_H
#define PG_RULES_H

#include "base.h"
#include "sandbox.h"

/* source.c — the declared shape of raw records (a source) and one record's typed values.
 *
 * A source is declared in the rule set (`source "cases" { ... }`): its fields and their
 * types, the field that names the unit, the timestamp that assigns the period, and an
 * optional key. Readers (reader.h) turn each line of a batch file into an array of pg_value,
 * one per declared field in declaration order; the expression plan (expr.c) and the
 * aggregation read that array. Nothing here calls Lua. */

typedef enum { PG_FT_STRING, PG_FT_INT, PG_FT_NUMBER, PG_FT_BOOL, PG_FT_TIME, PG_FT_ENUM } pg_ftype;

typedef struct {
    char *name;
    pg_ftype type;
    int nullable; /* an empty CSV field / JSON null / absent key is allowed */
    char **enums; /* PG_FT_ENUM: the allowed values */
    int nenums;
    int optional; /* a CSV file may lack the column (every value null); needs nullable */
} pg_field;

typedef struct {
    char *name;
    pg_field *fields;
    int nfields;
    int unit_field;   /* index of the field that names the unit (mapped through units.csv) */
    int time_field;   /* index of the PG_FT_TIME field that assigns the period */
    int key_field;    /* index of the key field, or -1 */
    const char *file; /* where it was declared */
    int line;
    int extra_ignore; /* extra_columns = "ignore": undeclared CSV columns and NDJSON keys are
                       * skipped; otherwise each one is an error */
    int on_duplicate; /* a key already in another active batch: pg_on_duplicate */
    /* A source that a source plugin reads (`plugin = "postgres", options = { table = "…" }`,
     * core/plugin/include/plugin.h): the plugin's reader name, else NULL (batch files only),
     * and its options as name, value pairs of text, sorted by name. Never a connection: the
     * loader refuses connection parameters (they come from the config or the environment). */
    char *plugin;
    char **options; /* 2 × noptions: name, value, name, value, … */
    int noptions;
} pg_source;

/* What a batch whose keys repeat those of an active batch of its source gets (on_duplicate). */
typedef enum {
    PG_DUP_REJECT,     /* refused whole (the default) */
    PG_DUP_KEEP_FIRST, /* its repeated records are dropped */
    PG_DUP_REPLACE     /* its records count instead of the earlier batches' */
} pg_on_duplicate;

/* One field's value. `num` holds int, number, bool (0/1), time (seconds since the epoch,
 * UTC) and enum (the index into pg_field.enums). `str`/`len` hold the text of string and
 * enum fields; they point into the reader's buffer and are valid only until the next
 * record. */
typedef struct {
    unsigned char null;
    double num;
    const char *str;
    int len;
} pg_value;

/* The index of the field named `name`, or -1. */
int pg_source_field(const pg_source *src, const char *name, int len);

/* The rule set (ruleset_load.c) — a loaded rule set: groups, units, metrics, the indicator tree and
 * schemes.
 *
 * pg_ruleset_load() runs the set's Lua files in a sandbox, reads every declaration into the
 * plain C structures below, and validates them (pg_ruleset_check). The result is read-only
 * for everyone but the loader; custom methods and composites stay in the set's Lua state and
 * are called through custom.c. A pg_ruleset is used by one thread at a time (it owns one
 * lua_State); the host gives each worker its own.
 *
 * Points are per group: node->points[g] is NAN where the node does not apply to group g. */

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
    PG_M_VALUE, /* value { scale = … }: the value itself (× scale) as the share */
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
    int fn_ref;   /* custom: registry ref of the function */
    double scale; /* value */
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
    int unranked; /* group { ranked = false }: its units are evaluated and shown, never ranked */
} pg_group;

typedef struct {
    char *id, *name, *code;
    int group;
    int code_standard; /* 1 for a GB/T 2260 code */
    int line;          /* in units.csv */
    char *short_name;  /* 简称 for narrow screens; NULL: the name is short enough */
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

/* Which records make a period's value (docs/data.md, "Sampling months and windows"). A metric
 * has at most one window for month periods and one for year periods; the scheme that reads it
 * picks by its own period kind, since a month period's code (YYYYMM) and a year's (YYYY00)
 * never meet. */
typedef enum {
    PG_OVER_MONTH,    /* the sampling month (YYYY-MM) */
    PG_OVER_YTD,      /* sampling months 1..M of the year, for each month M */
    PG_OVER_YEAR,     /* the calendar year, 1 Jan – 31 Dec, as the year's value (YYYY) */
    PG_OVER_YEAR_END, /* the year-end window, 10 Oct – 31 Dec, as the year's value (YYYY) */
    PG_OVER_MONTHS,   /* rolling: the `months` sampling months ending with M, for each month M */
    PG_OVER_NONE      /* no window of this kind */
} pg_over;

typedef struct {
    char *id, *name, *unit, *desc;
    const char *file;
    int line;
    /* computed metrics only */
    pg_agg_kind agg;
    pg_over over; /* its first window, one of the four names (kept for readers that show one) */
    pg_over win_month;   /* its window for month periods: MONTH, YTD, MONTHS or NONE */
    pg_over win_year;    /* its window for year periods: YEAR, YEAR_END or NONE */
    int months;          /* PG_OVER_MONTHS: how many sampling months, M included */
    struct pg_expr *due; /* due = "<time>": the deadline that places a record in windows (NULL:
                          * the source's time) */
    int cutoff;          /* an expression reads `cutoff`: it is evaluated once per window, with the
                          * window's last instant in rec[nfields] (pg_expr_uses_cutoff) */
    char *over_text;     /* the windows in words, e.g. "month = month, year = year_end" */
    int source;          /* index into rs->sources, -1 when fed */
    struct pg_expr *where, *value, *condition, *denominator; /* NULL when absent */
    int field;     /* distinct: the source field whose values are counted */
    char def[65];  /* sha256 of the definition: partial aggregates are kept per definition */
    char *text[4]; /* where, condition, value, denominator as written (NULL: absent), so that
                    * a changed definition can be shown in words (rulediff.c) */
    /* 自报 and 评估数据真实性 (record.h, score.h) */
    int self_report;       /* self_report = true: units submit it for themselves */
    int auth_measured;     /* authenticity.measured: the system's figure it is checked against */
    double auth_tolerance; /* flagged when reported > measured × (1 + tolerance) */
    int auth_into;         /* authenticity.into: the metric the flags add to; -1 when none */
    const char *auth_measured_id, *auth_into_id; /* as written, until resolved */
} pg_metric;

/* How a node with children combines them (indicator { aggregate = … }, compose.c). */
typedef enum { PG_OP_SUM, PG_OP_MEAN, PG_OP_GEOMEAN, PG_OP_HARMONIC, PG_OP_MIN } pg_op;

/* What a node with thin evidence scores (pg_node.min_applicable). */
typedef enum {
    PG_BELOW_NONE,        /* no policy */
    PG_BELOW_NA,          /* not applicable: dropped, its parent rescales */
    PG_BELOW_GROUP_MEDIAN /* the median of the group's units with enough evidence */
} pg_below;

typedef struct {
    char *id, *name, *standard, *source, *desc;
    char *rectify; /* indicator { rectify = "…" }: its 整改要求, or NULL (the set's default) */
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
    /* Thin evidence (docs/rules.md): when less than min_applicable of the node's points rest on
     * the unit's own data, scaling the rest up would let one leaf carry the node, so the node
     * takes `below` instead. 0: no policy. */
    double min_applicable;
    pg_below below;
    /* compose.c: how a node combines its children and what a leaf makes of its value */
    pg_op op;      /* aggregate = …; PG_OP_SUM by default */
    double weight; /* weight = … under a mean/geomean/harmonic parent; NAN: not given (1) */
    int has_transform, tf_log; /* transform = { log = true, floor = …, cap = … } */
    double tf_floor, tf_cap;   /* NAN when absent */
    struct pg_expr *na_when;   /* na_when = "value < 0": NULL when absent */
    char *na_when_text;        /* as written */
    double *na_values;         /* na_when = { -1, 999 }: sentinel values */
    int nna_values;
    double winsor; /* winsor = { p = … }: the share clipped at each end; 0 = none */
    /* weight_range = { lo, hi }: the interval `pinggu sensitivity` draws this node's weight from
     * (its points under a sum, its `weight` under mean/geomean/harmonic); compose.c */
    int has_wr;
    double wr_lo, wr_hi;
} pg_node;

typedef enum { PG_PERIOD_MONTH, PG_PERIOD_YEAR } pg_period_kind;

typedef struct {
    char *id, *name;
    double weight;
    int node;   /* tree part: root node, else -1 */
    char *ref;  /* scheme part: id of the scheme aggregated */
    int scheme; /* scheme part: its index, else -1 */
    int month_from, month_to;
    /* weight_range = { lo, hi }: the interval `pinggu sensitivity` draws this part's weight
     * from instead of ±spread; lo <= weight <= hi, checked at the scheme's line */
    int has_wr;
    double wr_lo, wr_hi;
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
    char *number;       /* its bulletins' 文号, "{year}" and "{month}" filled in; NULL if none */
} pg_scheme;

typedef struct {
    char *label;
    double min;
} pg_band;

/* One directory of a rule set that extends another (ruleset { extends = "../shanwei-2021" },
 * docs/rules.md): layers[0] is the set's own, layers[1] its parent, and so on. `dir` is as
 * messages name it, `fsdir` where its files are read (a snapshot keeps a parent in .extends/). */
typedef struct {
    char *dir, *fsdir;
} pg_rule_layer;

typedef enum {
    PG_LINEAGE_INHERITED,
    PG_LINEAGE_OVERRIDDEN,
    PG_LINEAGE_ADDED,
    PG_LINEAGE_RETIRED
} pg_lineage_status;

/* What became of one declaration of a set that extends another, for `pinggu check`. */
typedef struct {
    pg_lineage_status status;
    const char *kind; /* "indicator", "metric", "scheme", "group", "source"; "setting" for a
                       * ruleset { } field taken from the parent */
    const char *id;
    const char *file; /* where it is declared (retired: the parent's declaration) */
    int line;
    const char *from_file; /* overridden: the parent's declaration; retired: the retire */
    int from_line;
} pg_lineage;

typedef struct pg_ruleset {
    char *dir, *id, *name, *timezone;
    char *issuer; /* the body that issues its bulletins (发文机关), or NULL */
    /* 问题清单: ruleset { rectify = "…", rectify_days = 15 }: the 整改要求 of an indicator that
     * declares none (NULL: the built-in wording), and the days after a period's last day by
     * which its items are due (docs/rules.md, "整改"). */
    char *rectify;
    int rectify_days;
    char *fsdir;      /* where the files were read: dir, or the snapshot pg_ruleset_load_at named */
    const char *file; /* ruleset.lua, as named in messages */
    int line;
    int year;
    /* ruleset{effective = "YYYY-MM"}: the first sampling month (1–12) of `year` these rules
     * govern; earlier months keep the rules in force then (docs/rules.md). 0 when absent: the
     * whole year, or the host's reload.effective default. */
    int effective;
    int rounding;
    pg_round_mode rounding_mode;
    int rank_unrounded; /* ruleset { rank_on = "unrounded" }: ranks compare unrounded totals */
    int dense;
    pg_missing missing;
    int carry_limit;
    char **tie_breakers;
    int ntie;
    pg_band *bands;
    int nbands;
    pg_budget budget;
    char revision[65]; /* pg_ruledir_hash of its files: also its snapshot's name */

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

    /* ruleset { extends = "..." }: the string as written (NULL when the set extends nothing),
     * the directories (one when it extends nothing), what became of each declaration, and the
     * directory whose units.csv the set uses (its own when it has one, else the nearest
     * parent's). */
    char *extends;
    char parent_revision[65]; /* pg_ruledir_hash of layers[1] (its own parents included); "" */
    pg_rule_layer *layers;
    int nlayers;
    pg_lineage *lineage;
    int nlineage;
    const char *units_from;

    pg_sandbox *sb;
    char **strings; /* file names etc. that diagnostics and nodes borrow */
    int nstrings;
} pg_ruleset;

/* A total or a part as the rule set rounds it (rounding digits, rounding_mode). */
static inline double pg_rs_round(const pg_ruleset *rs, double x)
{
    return pg_round_as(x, rs->rounding, rs->rounding_mode);
}

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

/* rs->revision: pg_ruledir_hash of the files under rs->fsdir (revision.c says why). */
int pg_revision_compute(pg_ruleset *rs, pg_diags *d);

const char *pg_method_name(pg_method_kind k);
const char *pg_missing_name(pg_missing m);
const char *pg_below_name(pg_below b);
/* Points of node `n` for group `g` (NAN when it does not apply). */
static inline double pg_node_points(const pg_node *n, int g)
{
    return n->points[g];
}

/* compose.c — aggregate, weight, transform, na_when and winsor on an indicator (docs/rules.md).
 * The loader reads them; pg_ruleset_check calls pg_compose_check on every node once the tree is
 * built. */
const char *pg_op_name(pg_op op);
void pg_compose_check(const pg_ruleset *rs, int node, pg_diags *d);

/* rulediff.c — what changed between two rule sets, in words: indicators added, retired, moved
 * or renamed; points, scheme part weights, methods and their parameters, missing-data policies,
 * metric definitions, groups, units, schemes and their parts, bonus caps. The host records it
 * in the audit log at every swap and `pinggu rules diff` prints it; both call this.
 *
 * Things are matched by id (a scheme part by its id within its scheme), so a renamed id reads
 * as one retired and one added. A custom method's Lua function cannot be compared: only a
 * change of method kind shows. */

typedef struct {
    const char *kind;     /* "indicator.added", "points", "method", … (static; docs/rules.md) */
    char *id;             /* the indicator, metric, group, unit or scheme; "scheme/part" */
    char *part;           /* the group of a points change, else NULL */
    char *before, *after; /* the value in words; NULL when there is none (added, retired) */
    char *text;           /* the whole change in one line: "mon_x: method linear hi 0.95 → 0.9" */
} pg_rule_change;

/* The changes from `a` to `b`, in the order the set extended (its parent named or changed:
 * "extends", "extends.changed"), groups, units, metrics, indicators (in b's order,
 * then the retired), schemes. Returns the number; *out is malloc'd (pg_rule_changes_free). */
int pg_rulediff(const pg_ruleset *a, const pg_ruleset *b, pg_rule_change **out);
void pg_rule_changes_free(pg_rule_change *v, int n);
/* [{kind, id, part, before, after, text}], the JSON of the list (part only when set). */
cJSON *pg_rule_changes_json(const pg_rule_change *v, int n);

/* expr.c — the small expression language of metric filters and values, compiled to a C plan.
 *
 * Metric definitions in the rule set carry expressions such as
 *     "days(received_at, completed_at) <= promised_days and channel in ('粤省事', '粤商通')"
 * They are compiled once per revision against the source's fields, then evaluated per record
 * in C: Lua is never called per record.
 *
 * The language: numbers, 'strings' or "strings", true, false, field names; arithmetic
 * + - * / % and unary -; comparisons == ~= != < <= > >=; `x in ('a', 'b')` and `x not in (1, 2)` (a
 * list of one type); `x is null`, `x is not null`; `and`, `or`, `not`; parentheses; functions
 * days(a, b) (b − a in days, a fraction) and workdays(a, b) (pg_calendar_workdays_between);
 * `cutoff`, a time: the last instant of the window the record is counted in (so `closed_at <=
 * cutoff` reads "closed by the cut-off").
 * Precedence, lowest first: or; and; not; comparison/in/is; + -; * / %; unary -. Nulls: arithmetic
 * and functions with a null operand give null; a comparison or `in` with a null operand is false;
 * `is null` is the way to test for one. Enum fields compare with strings, and comparing one with a
 * string that is not among its values is a compile error.
 *
 * A plan is immutable once compiled and may be evaluated from several threads at once. */

typedef enum { PG_X_BOOL, PG_X_NUMBER, PG_X_STRING, PG_X_TIME } pg_xtype;

typedef struct pg_expr pg_expr;

/* Compiles `text` against `src`. `cal` (may be NULL: workdays() is then an error) and
 * `offset` (the rule set's UTC offset) are kept by the plan; cal must outlive it. Returns the
 * plan and its result type in *type, or NULL with a malloc'd message in *err and the 1-based
 * column (byte offset + 1 in `text`) of the problem in *col. */
pg_expr *pg_expr_compile(const char *text, const pg_source *src, const pg_calendar *cal, int offset,
                         pg_xtype *type, char **err, int *col);
void pg_expr_free(pg_expr *e);

/* Whether the plan reads `cutoff`, the last instant of the window the record is evaluated for
 * (UTC seconds: the largest double below the window's end). Such a plan reads it from
 * rec[src->nfields]: the caller passes a record with one value more. */
int pg_expr_uses_cutoff(const pg_expr *e);
/* A PG_X_BOOL plan on one record (values indexed by field): 1 or 0; null counts as 0. */
int pg_expr_test(const pg_expr *e, const pg_value *rec);
/* A PG_X_NUMBER or PG_X_TIME plan on one record: the number, or NAN for null. */
double pg_expr_number(const pg_expr *e, const pg_value *rec);

/* A compiled plan read from outside, node by node, for a compiler of the plan into another
 * language (core/data/pushdown.c: SQL, so that a database computes the partials itself). The
 * view is read-only and borrows the plan. Nodes are indexed from pg_expr_root(); children are
 * node indices in a and b. Per operation:
 *   CONST k; NFIELD a = field (a == the source's nfields: `cutoff`); NEG a; ADD … MOD a b;
 *   DAYS WORKDAYS ADDDAYS ADDWORK a b (as expr.c's evaluator computes them);
 *   BCONST a = 0 or 1; BFIELD a = field; NOT a; AND OR a b; LT … NE a b (numbers, times);
 *   BEQ BNE a b (bools); SEQ SNE a b (strings); EEQ ENE a = enum field, k = the value's index;
 *   NIN BIN SIN a, n items (pg_expr_item_num / _str), neg: `not in`; EIN a = enum field, n =
 *   its number of values, pg_expr_item_enum(j) whether value j is listed, neg: `not in`;
 *   ISNULL a, type = a's type, neg: `is not null`; SCONST s, slen; SFIELD a = field. */
typedef enum {
    PG_XN_CONST,
    PG_XN_NFIELD,
    PG_XN_NEG,
    PG_XN_ADD,
    PG_XN_SUB,
    PG_XN_MUL,
    PG_XN_DIV,
    PG_XN_MOD,
    PG_XN_DAYS,
    PG_XN_WORKDAYS,
    PG_XN_ADDDAYS,
    PG_XN_ADDWORK,
    PG_XN_BCONST,
    PG_XN_BFIELD,
    PG_XN_NOT,
    PG_XN_AND,
    PG_XN_OR,
    PG_XN_LT,
    PG_XN_LE,
    PG_XN_GT,
    PG_XN_GE,
    PG_XN_EQ,
    PG_XN_NE,
    PG_XN_BEQ,
    PG_XN_BNE,
    PG_XN_SEQ,
    PG_XN_SNE,
    PG_XN_EEQ,
    PG_XN_ENE,
    PG_XN_NIN,
    PG_XN_BIN,
    PG_XN_SIN,
    PG_XN_EIN,
    PG_XN_ISNULL,
    PG_XN_SCONST,
    PG_XN_SFIELD
} pg_xnode_op;

typedef struct {
    pg_xnode_op op;
    int a, b, n, neg;
    pg_xtype type; /* ISNULL: its operand's type */
    double k;
    const char *s; /* SCONST: the decoded text, slen bytes */
    int slen;
} pg_xnode;

int pg_expr_root(const pg_expr *e);
/* The plan's result type (an enum is a string). */
pg_xtype pg_expr_type(const pg_expr *e);
/* Node i into *out; returns 0, or -1 when i is not a node. */
int pg_expr_node(const pg_expr *e, int i, pg_xnode *out);
double pg_expr_item_num(const pg_expr *e, int i, int j);
const char *pg_expr_item_str(const pg_expr *e, int i, int j, int *len);
int pg_expr_item_enum(const pg_expr *e, int i, int j);

/* overrides.c — weight overrides: "what if" points and part weights for a loaded rule set, so
 * that `pinggu diff` (and later the host's preview) can re-score a period without editing the
 * rule files.
 *
 * The file is plain text, one override a line; `#` starts a comment:
 *
 *     online              40              # every group the indicator applies to
 *     reviews             dept=60 county=50
 *     monthly/monitoring  0.7             # a scheme part's weight
 *     access              weight=1.5      # a child's weight under mean/geomean/harmonic
 *
 * An id is an indicator id, or SCHEME/PART for a part's weight. Points set an indicator's
 * maximum exactly as `points =` in its declaration would; a parent whose children no longer
 * add up to its points scales them to its own, as the engine does whenever children drop out.
 * Points of a child of a node that aggregates by anything but sum are refused (they would
 * change nothing), as is `weight=` where no weight counts (under sum, under min, a part's root).
 * The file is taken whole or not at all: any bad line (unknown id, group or number, a group
 * the indicator does not apply to, a repeated id) is an error at file:line and nothing is
 * applied. */

/* Applies the overrides in `path` to rs. Returns 0 (warnings, such as children that no longer
 * add up, go to d), or a negative errno with errors in d and rs unchanged. */
int pg_overrides_apply(pg_ruleset *rs, const char *path, pg_diags *d);

/* rewrite.c — one literal of a rule file rewritten in place, for the dashboard's rule edits:
 * an indicator's points, a parameter of its built-in method, a scheme part's weight, the rule
 * set's effective month. The literal is found from the declaration's line (pg_node.line,
 * pg_scheme.line, pg_ruleset.line) by a small Lua tokenizer reading the declaration's table
 * constructor; only that literal's bytes change (comments and layout are kept). A value that is
 * not a literal (an expression, a name), a field written twice, a declaration not found on its
 * line: refused with a located error that says to edit the file. */

typedef enum {
    PG_EDIT_POINTS,   /* indicator "id" { points = … } */
    PG_EDIT_PARAM,    /* indicator "id" { method = NAME { key = … } } */
    PG_EDIT_WEIGHT,   /* scheme "id" { parts = { { id = key, weight = … } } } */
    PG_EDIT_EFFECTIVE /* ruleset { effective = "text" }, added after `year = …,` when absent */
} pg_edit_kind;

typedef struct {
    pg_edit_kind kind;
    const char *file;   /* the file, as messages name it */
    int line;           /* the declaration's line */
    const char *id;     /* the indicator or scheme; NULL for the rule set */
    const char *key;    /* PARAM: the parameter ("hi"); WEIGHT: the part's id */
    const char *method; /* PARAM: the method's name ("linear") */
    /* POINTS: the new points of every group the indicator applies to (one number written for
     * all stays one number when they are equal); PARAM, WEIGHT: values[0] */
    const char *const *groups;
    const double *values;
    int ngroups;
    const char *text; /* EFFECTIVE: "YYYY-MM" */
} pg_edit;

/* Applies `e` to `text` (one rule file's bytes). Returns 0 and the new text in *out (malloc'd,
 * NUL-terminated, *outlen bytes; the same bytes when the literal already says so), or -EINVAL
 * with a located error in d. */
int pg_rewrite(const char *text, size_t len, const pg_edit *e, char **out, size_t *outlen,
               pg_diags *d);
/* The shortest text of v that reads back as v ("10", "0.9"). */
void pg_rewrite_number(double v, char buf[32]);

#endif
