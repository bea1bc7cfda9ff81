/* pushdown.c — a source's metric plan compiled to plain PostgreSQL, so that the database
 * computes the partials per (metric, unit, bucket) and only they leave it (数据不出域).
 *
 * What is compiled. Every computed metric of the source: its `where`, `condition`, `value`,
 * `denominator` and `due` expressions (expr.c's plan, read through rules.h's pg_xnode view)
 * become SQL expressions, and its windows become GROUP BY buckets. The statements are:
 *
 *   0, 1  SET LOCAL TIME ZONE to the rule set's fixed offset; standard_conforming_strings
 *   2  the declared fields' column types (pg_attribute), checked here: a type whose values
 *      the engine would compute with differently than pinggu reads them is refused (real,
 *      character(n), a time kept as text)
 *   3  planner settings where the engine has them (set_config over pg_settings): no JIT, a
 *      work_mem that hashes the groups
 *   4  the one scan of the table: every row read once, grouped by unit and, per placing
 *      of the records (the source's time, or a metric's `due`), the sampling month and the
 *      year it falls in, and by which fields hold a value the file readers would refuse (a
 *      mask, 0 in any table that will be accepted). Per group: rows, rows that count (keys),
 *      the content fingerprint (the sum of every row's 64-bit hash, fingerprint(): the
 *      engine's snapshot identity that goes into the batch id), and per metric and window
 *      kind (month-kind, year-kind) the partials. Month and year partials are summed here
 *      from the groups (a sampling month straddles a year: 26–31 December is January's).
 *   5… one scan per metric that reads `cutoff` over year_to_date or { months = k } windows
 *      (each record counted once per window it is in, at that window's cut-off)
 *
 * every scan as PARTS statements over disjoint parts of the rows (part_test), marked
 * CONCURRENT so that the plugin runs them at once on as many connections, all in one
 * read-only snapshot (the plugin's REPEATABLE READ READ ONLY, exported to the others); the
 * rows of the parts come back in the statements' order and are merged here as groups are.
 * Only aggregates leave: a few rows per (unit, sampling month) and part.
 *
 * Cost. Each layer of the scan is a subquery fenced with OFFSET 0, so that what it adds is
 * computed once per row and read as a column after (PostgreSQL has no common-subexpression
 * elimination: unfenced, a column's expression is substituted into every reference): the
 * normalised values with the fingerprint and the bad-value masks, then the time fields'
 * days, then their W; each distinct `where` of a window once (pg_s<i>), each distinct
 * condition or value once and only on the selected rows (pg_v<i>). PostgreSQL 15 does not
 * carry a fenced subquery's parallel plan into the query above it: only the rows' own level
 * can run in parallel workers (a Gather above it: the normalised values, the fingerprint and
 * the checks), the layers above it and the aggregate in the backend; statement 3 says how
 * the planner chooses it. (A LATERAL subquery fenced instead is parallel-restricted: the
 * Gather goes under it too.) Hence the parts: two statements are two backends.
 * Unfenced, in one level whose partial aggregates the workers could compute, the same scan
 * took 1.7 times the CPU (every shared value computed again where it is read). A
 * distributed engine: see plugins/postgres/README.md.
 *
 * Identical semantics, node by node (expr.c's evaluator is the reference):
 * - Values are normalised once in a subquery: a string or enum '' is null (as an empty CSV
 *   field), an int or number is float8 (the double pinggu parses from the engine's text:
 *   numeric → float8 rounds correctly, real is refused), a time is its epoch as float8 after
 *   a cast to timestamptz in the session zone set to the rule set's offset (a timestamp is
 *   local time, a date its 00:00, as in a CSV file).
 * - A bool is two-valued in pinggu except a nullable bool field: every boolean is compiled
 *   to a never-null SQL boolean (COALESCE(x, FALSE)), so `not (a < b)` with a null is true
 *   here as there. A nullable bool field keeps its null where `is null`, `==` and `in` see
 *   it. Arithmetic is float8 (IEEE, as C's); a / 0 is null (NULLIF), `%` is refused (PostgreSQL
 *   has no float8 remainder). days() is (b − a) / 86400; add_days rounds to the millisecond
 *   with round(float8), which is rint, as nearbyint.
 * - workdays(a, b) is W(day b) − W(day a), W(x) the working days up to day x: the weekdays
 *   counted arithmetically, plus the calendar's corrections (a weekday holiday −1, a weekend
 *   working day +1, the 调休) inlined as a binary CASE over the calendar's days; add_workdays
 *   inverts W the same way. No table of days is joined: the expression is row-local, which a
 *   distributed planner pushes to every shard.
 * - Windows: a record is placed by its time (or its `due`) as a local day; its sampling
 *   month is the month of (day − 25 days) plus one, its year the local date's. Month windows
 *   group by the sampling month; `year` and `year_end` by the year (year_end also tests
 *   10 Oct – 31 Dec); `year_to_date` and `{ months = k }` are month partials merged here,
 *   unless the metric reads `cutoff`: then each record is counted once per window it is in
 *   (a join with VALUES (0) … (k − 1), a scan of its own), each at its own cut-off. A record
 *   whose placing time is null is in no window. The cut-off is the last double below the
 *   window's end, written as end − |end|·2^−53 (last_before says why that is nextafter).
 * - Keys: rows with the same key count once, the first in the order of every declared column
 *   (the order the record pull reads them in), by row_number() over the key.
 *
 * Refused, each at `pinggu check` with its reason: `distinct`, `p50` and `p90` (their
 * partials are every value or its hash: pushing them down would move the values), `%`, a
 * source whose key or unit is not a plain field type. Sums of floats are float8 sums in the
 * engine (not compensated): within 1e-12 relative of pinggu's for any real table, not bit for
 * bit; counts and integer sums are exact. */
#include "pushdown.h"
#include "plugin.h"
#include "data.h"
#include "base.h"

#include <errno.h>
#include <math.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- a growing string ---- */

typedef struct {
    char *p;
    size_t n, cap;
} sb;

static void sb_put(sb *b, const char *s, size_t len)
{
    if (b->n + len + 1 > b->cap) {
        while (b->n + len + 1 > b->cap) b->cap = b->cap ? b->cap * 2 : 256;
        b->p = pg_xrealloc(b->p, b->cap);
    }
    memcpy(b->p + b->n, s, len);
    b->n += len;
    b->p[b->n] = '\0';
}

static void sb_add(sb *b, const char *s)
{
    sb_put(b, s, strlen(s));
}

static void sb_fmt(sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_fmt(sb *b, const char *fmt, ...)
{
    va_list ap, again;
    va_start(ap, fmt);
    va_copy(again, ap);
    int len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (len < 0) abort();
    char *s = pg_xmalloc((size_t)len + 1);
    vsnprintf(s, (size_t)len + 1, fmt, again);
    va_end(again);
    sb_put(b, s, (size_t)len);
    free(s);
}

static char *sb_take(sb *b)
{
    char *s = b->p ? b->p : pg_xstrdup("");
    b->p = NULL;
    b->n = b->cap = 0;
    return s;
}

/* 'text' with quotes doubled (standard_conforming_strings is set on in statement 0) */
static void sb_lit(sb *b, const char *s, int len)
{
    sb_add(b, "'");
    for (int i = 0; i < len; i++) {
        if (s[i] == '\'') sb_add(b, "'");
        sb_put(b, s + i, 1);
    }
    sb_add(b, "'");
}

static void sb_ident(sb *b, const char *s, size_t len)
{
    sb_add(b, "\"");
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '"') sb_add(b, "\"");
        sb_put(b, s + i, 1);
    }
    sb_add(b, "\"");
}

static void sb_num(sb *b, double v)
{
    sb_fmt(b, "CAST('%.17g' AS float8)", v);
}

/* ---- the plan ---- */

/* A scan of its own: a metric that reads `cutoff` over year_to_date or rolling windows, each
 * record counted once per window it is in (every other window is in the one scan). */
typedef struct {
    int due;    /* the metric whose `due` places the records, or -1: the source's time */
    int metric; /* its one metric */
    int *metrics, nmetrics;
    int stmt;
} family;

/* A placement of the records: by the source's time (due = -1) or by a metric's `due`. Each
 * has its month and year buckets among the keys of the one scan. */
typedef struct {
    int due;    /* the metric whose `due` places the records, or -1 */
    int cut[2]; /* some metric of its month (0) or year (1) windows reads `cutoff` */
} placing;

/* One set of NCOLS columns of the scan: a metric's month-kind or year-kind windows. */
typedef struct {
    int metric;
    int place;              /* placing */
    int year;               /* 1: bucketed by year (year, year_end); 0: by sampling month */
    int sel, hit, val, den; /* indexes into the scan's distinct expressions, or -1 */
} colset;

/* Distinct SQL expressions, each computed once per row as a column of the scan. */
typedef struct {
    char **v;
    int n;
} exprs;

#define NCOLS 7 /* per metric: n, hits, valued, sum, den, min, max */

/* Every scan is PARTS statements over disjoint parts of the rows (part_test), each marked
 * CONCURRENT: the plugin may run such statements at the same time on other connections that
 * share the first one's snapshot (plugins/postgres: pg_export_snapshot), and hands their rows
 * back in the statements' order all the same. A power of two. */
#define PARTS 2
#define CONCURRENT PG_PLUGIN_CONCURRENT

typedef struct {
    char *unit;
    int bucket;
    int metric;
    double v[NCOLS];
    int null[NCOLS];
} cellrow;

struct pg_pushdown {
    const pg_ruleset *rs;
    int s;
    const pg_source *src;
    char **stmts;
    int nstmts;
    family *fams;
    int nfams;
    placing *places;
    int nplaces;
    colset *sets;
    int nsets;
    int scan; /* the first of the PARTS statements of the one scan */
    int part; /* the part of the rows the statement being written reads */
    exprs sels, vals;
    /* calendar corrections: sorted days with their cumulative change to the weekday count */
    long *cal_day;
    long *cal_cum;
    int ncal;
    /* results */
    char **coltypes; /* per field: the engine's type, NULL when not reported */
    sb fingerprint;  /* statement 2's rows, as read */
    long records, kept;
    long bad[64];
    char **units; /* unit texts seen in statement 2 */
    int nunits;
    cellrow *cells;
    int ncells, capcells;
    sb transcript;
    char err[1024];
    /* the time fields whose day (pg_d<i>) or W (pg_w<i>) an expression reads */
    unsigned char needd[64], needw[64];
};

/* ---- expressions ---- */

typedef struct {
    pg_pushdown *p;
    const pg_expr *e;
    const char *cutoff; /* the column of the window's cut-off (its day and W are the columns
                         * named with "d" and "w" appended); NULL when none is in scope */
    char why[512];      /* the first reason it cannot compile, "" */
} cx;

static void refuse(cx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void refuse(cx *c, const char *fmt, ...)
{
    if (*c->why) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->why, sizeof c->why, fmt, ap);
    va_end(ap);
}

static void col(sb *b, int field)
{
    sb_fmt(b, "pg_c%d", field);
}

static void num(cx *c, sb *b, int i);
static void test(cx *c, sb *b, int i);

/* The local day number of time expression node i, as float8: floor((floor(t) + offset) /
 * 86400), pg_time_day's arithmetic (every step exact on integers below 2^53). A time field's
 * and the cut-off's are columns of the rows (pg_d<i>, pg_cutd). */
static void day_of(cx *c, sb *b, int i)
{
    pg_xnode n;
    pg_expr_node(c->e, i, &n);
    if (n.op == PG_XN_NFIELD && n.a < c->p->src->nfields && n.a < 64) {
        c->p->needd[n.a] = 1;
        sb_fmt(b, "pg_d%d", n.a);
        return;
    }
    if (n.op == PG_XN_NFIELD && c->cutoff) {
        sb_fmt(b, "%sd", c->cutoff);
        return;
    }
    sb_add(b, "FLOOR((FLOOR(");
    num(c, b, i);
    sb_fmt(b, ") + %d) / CAST(86400 AS float8))", c->p->rs->tz_offset);
}

static void workdays_upto(const pg_pushdown *p, sb *b, const char *x);
static void workday_number(const pg_pushdown *p, sb *b, const char *n, int lo, int hi);

/* W of node i's day (workdays_upto), a column for a time field and the cut-off. */
static void workdays_of(cx *c, sb *b, int i)
{
    pg_xnode n;
    pg_expr_node(c->e, i, &n);
    if (n.op == PG_XN_NFIELD && n.a < c->p->src->nfields && n.a < 64) {
        c->p->needw[n.a] = 1;
        sb_fmt(b, "pg_w%d", n.a);
        return;
    }
    if (n.op == PG_XN_NFIELD && c->cutoff) {
        sb_fmt(b, "%sw", c->cutoff);
        return;
    }
    sb d = {0};
    day_of(c, &d, i);
    workdays_upto(c->p, b, d.p);
    free(d.p);
}

/* weekdays among days 4 (a Monday) .. x, as timefmt.c's weekdays_upto; x is SQL text. */
static void weekdays_upto(sb *b, const char *x)
{
    sb_fmt(b,
           "(5 * FLOOR(((%s) - 3) / CAST(7 AS float8)) + LEAST(((%s) - 3) - 7 * FLOOR(((%s) - 3) "
           "/ CAST(7 AS float8)), 5))",
           x, x, x);
}

static long long floor_div(long long a, long long b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

static long long weekdays_upto_c(long long x)
{
    long long n = x - 3, q = floor_div(n, 7), r = n - 7 * q;
    return 5 * q + (r < 5 ? r : 5);
}

/* The calendar's corrections up to day x: a binary CASE over the sorted days, interval k
 * holding [day[k-1], day[k]) (day[-1] = −∞, day[n] = +∞) with the cumulative change then. */
static void corrections(const pg_pushdown *p, sb *b, const char *x, int lo, int hi)
{
    if (lo == hi) {
        sb_fmt(b, "%ld", lo == 0 ? 0L : p->cal_cum[lo - 1]);
        return;
    }
    int mid = (lo + hi + 1) / 2;
    sb_fmt(b, "CASE WHEN (%s) < %ld THEN ", x, p->cal_day[mid - 1]);
    corrections(p, b, x, lo, mid - 1);
    sb_add(b, " ELSE ");
    corrections(p, b, x, mid, hi);
    sb_add(b, " END");
}

/* W(x): working days up to day x (only differences of W mean anything). */
static void workdays_upto(const pg_pushdown *p, sb *b, const char *x)
{
    sb_add(b, "(");
    weekdays_upto(b, x);
    sb_add(b, " + ");
    corrections(p, b, x, 0, p->ncal);
    sb_add(b, ")");
}

/* The smallest day whose W is n (n SQL text, an integer-valued float8): a working day. In the
 * stretch of days from calendar day k on, W = weekdays + cum[k]; the stretch that holds the
 * answer is the last one whose day before it has W below n. */
static void workday_number(const pg_pushdown *p, sb *b, const char *n, int lo, int hi)
{
    /* interval k: the stretch from day[k-1] (k = 0: from −∞, no correction) */
    if (lo == hi) {
        long cum = lo == 0 ? 0 : p->cal_cum[lo - 1];
        char m[64];
        snprintf(m, sizeof m, "((%s) - %ld - 1)", n, cum);
        /* the smallest day with weekdays_upto = n − cum: day 4 + 7 weeks + the rest */
        sb_add(b, lo == 0 ? "(" : "GREATEST(");
        if (lo) sb_fmt(b, "%ld, ", p->cal_day[lo - 1]);
        sb_add(b, "4 + 7 * FLOOR(");
        sb_add(b, m);
        sb_add(b, " / CAST(5 AS float8)) + (");
        sb_add(b, m);
        sb_add(b, " - 5 * FLOOR(");
        sb_add(b, m);
        sb_add(b, " / CAST(5 AS float8))))");
        return;
    }
    int mid = (lo + hi + 1) / 2;
    /* W of the day before day[mid-1]: below n means the answer is at or after it */
    long d = p->cal_day[mid - 1] - 1;
    long cum = 0;
    for (int k = 0; k < p->ncal && p->cal_day[k] <= d; k++) cum = p->cal_cum[k];
    long long w = weekdays_upto_c(d) + cum;
    sb_fmt(b, "CASE WHEN %lld < (%s) THEN ", w, n);
    workday_number(p, b, n, mid, hi);
    sb_add(b, " ELSE ");
    workday_number(p, b, n, lo, mid - 1);
    sb_add(b, " END");
}

/* The last double below x (SQL text of a whole number of seconds): x − |x|·2^−53, which is
 * nextafter(x, −∞) for every x ≠ 0 that is not minus a power of two: |x|·2^−53 lies in [ulp/2,
 * ulp) of x, so the subtraction rounds to the neighbour below (at x = 2^e exactly it is the
 * neighbour, spaced ulp/2 there). A window's end is 86400·k − offset and a deadline's too, a
 * multiple of 225 when the offset is a whole quarter hour: never a power of two; 0 only for a
 * window ending at 1970-01-01 00:00 UTC. */
static void last_before(sb *b, const char *x)
{
    sb_fmt(b, "((%s) - ABS(%s) * CAST('1.1102230246251565e-16' AS float8))", x, x);
}

/* A string operand: nullable text. */
static void str(cx *c, sb *b, int i)
{
    pg_xnode n;
    pg_expr_node(c->e, i, &n);
    if (n.op == PG_XN_SCONST) {
        if (memchr(n.s, '\0', (size_t)n.slen)) refuse(c, "a string holding a NUL byte");
        sb_lit(b, n.s, n.slen);
    } else {
        col(b, n.a);
    }
}

/* A bool operand as the value it has, null kept (only a nullable bool field has one). */
static void raw_bool(cx *c, sb *b, int i)
{
    pg_xnode n;
    pg_expr_node(c->e, i, &n);
    if (n.op == PG_XN_BFIELD)
        col(b, n.a);
    else
        test(c, b, i);
}

/* A number or time: float8, NULL for null. */
static void num(cx *c, sb *b, int i)
{
    pg_xnode n;
    pg_expr_node(c->e, i, &n);
    static const char *const arith[] = {
        [PG_XN_ADD] = " + ", [PG_XN_SUB] = " - ", [PG_XN_MUL] = " * "};
    switch (n.op) {
    case PG_XN_CONST:
        sb_num(b, n.k);
        return;
    case PG_XN_NFIELD:
        if (n.a == c->p->src->nfields) {
            if (!c->cutoff) {
                refuse(c, "`cutoff` outside a window (in `due`)");
                sb_add(b, "NULL");
            } else {
                sb_add(b, c->cutoff);
            }
        } else {
            col(b, n.a);
        }
        return;
    case PG_XN_NEG:
        sb_add(b, "(-");
        num(c, b, n.a);
        sb_add(b, ")");
        return;
    case PG_XN_ADD:
    case PG_XN_SUB:
    case PG_XN_MUL:
        sb_add(b, "(");
        num(c, b, n.a);
        sb_add(b, arith[n.op]);
        num(c, b, n.b);
        sb_add(b, ")");
        return;
    case PG_XN_DIV:
        sb_add(b, "(");
        num(c, b, n.a);
        sb_add(b, " / NULLIF(");
        num(c, b, n.b);
        sb_add(b, ", 0))");
        return;
    case PG_XN_MOD:
        refuse(c, "'%%' (PostgreSQL has no float8 remainder that equals C's fmod)");
        sb_add(b, "NULL");
        return;
    case PG_XN_DAYS:
        sb_add(b, "((");
        num(c, b, n.b);
        sb_add(b, " - ");
        num(c, b, n.a);
        sb_add(b, ") / CAST(86400 AS float8))");
        return;
    case PG_XN_WORKDAYS:
        sb_add(b, "(");
        workdays_of(c, b, n.b);
        sb_add(b, " - ");
        workdays_of(c, b, n.a);
        sb_add(b, ")");
        return;
    case PG_XN_ADDDAYS:
        sb_add(b, "(");
        num(c, b, n.a);
        sb_add(b, " + ROUND(");
        num(c, b, n.b);
        sb_add(b, " * CAST(86400000 AS float8)) / CAST(1000 AS float8))");
        return;
    case PG_XN_ADDWORK: {
        /* null when a or b is null or b is outside 0 … 3660; else the last instant of the
         * (floor b)-th working day after a's day (a's day itself when floor b is 0) */
        sb a = {0}, k = {0}, day = {0}, target = {0}, end = {0}, w = {0};
        num(c, &a, n.a);
        num(c, &k, n.b);
        day_of(c, &day, n.a);
        workdays_of(c, &w, n.a);
        char *nth = pg_xasprintf("(%s + FLOOR(%s))", w.p, k.p);
        sb_fmt(&target, "CASE WHEN FLOOR(%s) = 0 THEN %s ELSE ", k.p, day.p);
        workday_number(c->p, &target, nth, 0, c->p->ncal);
        sb_add(&target, " END");
        sb_fmt(&end, "((%s + 1) * CAST(86400 AS float8) - %d)", target.p, c->p->rs->tz_offset);
        sb_fmt(b, "CASE WHEN (%s) IS NULL OR (%s) < 0 OR (%s) > 3660 THEN NULL ELSE ", a.p, k.p,
               k.p);
        last_before(b, end.p);
        sb_add(b, " END");
        free(nth);
        free(a.p), free(k.p), free(day.p), free(target.p), free(end.p), free(w.p);
        return;
    }
    default:
        refuse(c, "an operation that has no number");
        sb_add(b, "NULL");
    }
}

/* A bool: a never-null SQL boolean, true exactly when expr.c's bit() is 1. */
static void test(cx *c, sb *b, int i)
{
    pg_xnode n;
    pg_expr_node(c->e, i, &n);
    static const char *const cmp[] = {
        [PG_XN_LT] = " < ",  [PG_XN_LE] = " <= ", [PG_XN_GT] = " > ",
        [PG_XN_GE] = " >= ", [PG_XN_EQ] = " = ",  [PG_XN_NE] = " <> "};
    const pg_field *fields = c->p->src->fields;
    switch (n.op) {
    case PG_XN_BCONST:
        sb_add(b, n.a ? "TRUE" : "FALSE");
        return;
    case PG_XN_BFIELD:
        sb_add(b, "COALESCE(");
        col(b, n.a);
        sb_add(b, ", FALSE)");
        return;
    case PG_XN_NOT:
        sb_add(b, "(NOT ");
        test(c, b, n.a);
        sb_add(b, ")");
        return;
    case PG_XN_AND:
    case PG_XN_OR:
        sb_add(b, "(");
        test(c, b, n.a);
        sb_add(b, n.op == PG_XN_AND ? " AND " : " OR ");
        test(c, b, n.b);
        sb_add(b, ")");
        return;
    case PG_XN_LT:
    case PG_XN_LE:
    case PG_XN_GT:
    case PG_XN_GE:
    case PG_XN_EQ:
    case PG_XN_NE:
        sb_add(b, "COALESCE(");
        num(c, b, n.a);
        sb_add(b, cmp[n.op]);
        num(c, b, n.b);
        sb_add(b, ", FALSE)");
        return;
    case PG_XN_BEQ:
    case PG_XN_BNE:
        sb_add(b, "COALESCE(");
        raw_bool(c, b, n.a);
        sb_add(b, n.op == PG_XN_BEQ ? " = " : " <> ");
        raw_bool(c, b, n.b);
        sb_add(b, ", FALSE)");
        return;
    case PG_XN_SEQ:
    case PG_XN_SNE:
        /* text equality under a deterministic collation is byte equality, as same_bytes */
        sb_add(b, "COALESCE(");
        str(c, b, n.a);
        sb_add(b, n.op == PG_XN_SEQ ? " = " : " <> ");
        str(c, b, n.b);
        sb_add(b, ", FALSE)");
        return;
    case PG_XN_EEQ:
    case PG_XN_ENE: {
        const char *v = fields[n.a].enums[(int)n.k];
        sb_add(b, "COALESCE(");
        col(b, n.a);
        sb_add(b, n.op == PG_XN_EEQ ? " = " : " <> ");
        sb_lit(b, v, (int)strlen(v));
        sb_add(b, ", FALSE)");
        return;
    }
    case PG_XN_NIN:
    case PG_XN_BIN:
    case PG_XN_SIN: {
        sb_add(b, "COALESCE(");
        if (n.op == PG_XN_NIN)
            num(c, b, n.a);
        else if (n.op == PG_XN_BIN)
            raw_bool(c, b, n.a);
        else
            str(c, b, n.a);
        sb_add(b, n.neg ? " NOT IN (" : " IN (");
        for (int j = 0; j < n.n; j++) {
            if (j) sb_add(b, ", ");
            if (n.op == PG_XN_NIN) {
                sb_num(b, pg_expr_item_num(c->e, i, j));
            } else if (n.op == PG_XN_BIN) {
                sb_add(b, pg_expr_item_num(c->e, i, j) != 0 ? "TRUE" : "FALSE");
            } else {
                int len;
                const char *s = pg_expr_item_str(c->e, i, j, &len);
                if (memchr(s, '\0', (size_t)len)) refuse(c, "a string holding a NUL byte");
                sb_lit(b, s, len);
            }
        }
        sb_add(b, "), FALSE)");
        return;
    }
    case PG_XN_EIN: {
        int listed = 0;
        for (int j = 0; j < n.n; j++) listed += pg_expr_item_enum(c->e, i, j);
        if (!listed) { /* never produced by the parser; kept exact anyway */
            sb_add(b, n.neg ? "(" : "(FALSE AND ");
            col(b, n.a);
            sb_add(b, " IS NOT NULL)");
            return;
        }
        sb_add(b, "COALESCE(");
        col(b, n.a);
        sb_add(b, n.neg ? " NOT IN (" : " IN (");
        for (int j = 0, k = 0; j < n.n; j++) {
            if (!pg_expr_item_enum(c->e, i, j)) continue;
            if (k++) sb_add(b, ", ");
            const char *v = fields[n.a].enums[j];
            sb_lit(b, v, (int)strlen(v));
        }
        sb_add(b, "), FALSE)");
        return;
    }
    case PG_XN_ISNULL:
        sb_add(b, "(");
        if (n.type == PG_X_NUMBER || n.type == PG_X_TIME) {
            num(c, b, n.a);
        } else if (n.type == PG_X_BOOL) {
            pg_xnode o;
            pg_expr_node(c->e, n.a, &o);
            if (o.op == PG_XN_BFIELD)
                col(b, o.a);
            else
                sb_add(b, "TRUE"); /* any other bool is never null */
        } else {
            str(c, b, n.a);
        }
        sb_add(b, n.neg ? " IS NOT NULL)" : " IS NULL)");
        return;
    default:
        refuse(c, "an operation that is not a test");
        sb_add(b, "FALSE");
    }
}

/* pg_expr_test of a whole plan: a bool as test(); a number is true when not null and not 0,
 * a time or a string when not null (expr.c says so). */
static void root_test(cx *c, sb *b)
{
    int r = pg_expr_root(c->e);
    switch (pg_expr_type(c->e)) {
    case PG_X_BOOL:
        test(c, b, r);
        return;
    case PG_X_NUMBER:
        sb_add(b, "COALESCE((");
        num(c, b, r);
        sb_add(b, ") <> 0, FALSE)");
        return;
    case PG_X_TIME:
        sb_add(b, "((");
        num(c, b, r);
        sb_add(b, ") IS NOT NULL)");
        return;
    default:
        sb_add(b, "((");
        str(c, b, r);
        sb_add(b, ") IS NOT NULL)");
    }
}

/* pg_expr_number of a whole plan: a bool is 1 or 0 (null for a null bool field); a string
 * has none. */
static void root_num(cx *c, sb *b)
{
    int r = pg_expr_root(c->e);
    switch (pg_expr_type(c->e)) {
    case PG_X_NUMBER:
    case PG_X_TIME:
        num(c, b, r);
        return;
    case PG_X_BOOL:
        sb_add(b, "CASE WHEN (");
        raw_bool(c, b, r);
        sb_add(b, ") IS NULL THEN NULL WHEN (");
        raw_bool(c, b, r);
        sb_add(b, ") THEN CAST(1 AS float8) ELSE CAST(0 AS float8) END");
        return;
    default:
        sb_add(b, "CAST(NULL AS float8)");
    }
}

/* Compiles one expression of a metric; returns the SQL (malloc'd) or NULL with why. */
static char *compile(pg_pushdown *p, const pg_expr *e, int as_test, const char *cutoff, char *why,
                     size_t whylen)
{
    cx c = {.p = p, .e = e, .cutoff = cutoff};
    sb b = {0};
    if (as_test)
        root_test(&c, &b);
    else
        root_num(&c, &b);
    if (*c.why) {
        snprintf(why, whylen, "%s", c.why);
        free(b.p);
        return NULL;
    }
    return sb_take(&b);
}

/* ---- the statements ---- */

static int is_expand(const pg_metric *m)
{
    return m->cutoff && (m->win_month == PG_OVER_YTD || m->win_month == PG_OVER_MONTHS);
}

static int family_new(pg_pushdown *p, int due, int metric)
{
    p->fams = pg_xrealloc(p->fams, sizeof *p->fams * (size_t)(p->nfams + 1));
    p->fams[p->nfams] = (family){.due = due, .metric = metric};
    return p->nfams++;
}

static void family_add(family *f, int m)
{
    f->metrics = pg_xrealloc(f->metrics, sizeof(int) * (size_t)(f->nmetrics + 1));
    f->metrics[f->nmetrics++] = m;
}

static void bad_cols(pg_pushdown *p, sb *b, const char *const *vals);

/* The row's content fingerprint, a column pg_f: a 64-bit hash of every declared column of
 * the row, summed per group by the scan (order-independent). HASH_RECORD_EXTENDED hashes the
 * row's values by their types' own hash functions, without printing them, which is what made
 * the MD5 of the row's text two thirds of the scan's cost. So that it sees every change the
 * printed text would: strings are hashed as bytes (COLLATE "C": a nondeterministic collation
 * would hash 'a' and 'A' alike), numbers as their text (numeric 1.0 and 1.00 are equal values
 * with different text; so are -0 and 0 in a double precision column), a time (date,
 * timestamp, timestamptz) and a boolean by their binary value, which is their identity. The
 * row's hash combines the columns' hashes linearly (h = 31·h + hᵢ), so it is mixed once more
 * (HASHTEXTEXTENDED of its digits) before being summed: else two rows of a group swapping a
 * value would leave the sum as it was. */
static void fingerprint(const pg_pushdown *p, sb *b)
{
    const pg_source *src = p->src;
    sb_add(b, ", HASHTEXTEXTENDED(CAST(HASH_RECORD_EXTENDED(ROW(");
    for (int i = 0; i < src->nfields; i++) {
        const pg_field *f = &src->fields[i];
        sb cn = {0};
        sb_ident(&cn, f->name, strlen(f->name));
        if (i) sb_add(b, ", ");
        if (f->type == PG_FT_STRING || f->type == PG_FT_ENUM)
            sb_fmt(b, "CAST(%s AS text) COLLATE \"C\"", cn.p);
        else if (f->type == PG_FT_INT || f->type == PG_FT_NUMBER)
            sb_fmt(b, "CAST(%s AS text)", cn.p);
        else
            sb_add(b, cn.p);
        free(cn.p);
    }
    sb_add(b, "), 0) AS text), 0) AS pg_f");
}

/* Which rows a scan reads: the test that a row is in part p->part of the PARTS into which
 * every scan is split (SQL text, malloc'd). The parts run as concurrent statements on as many
 * connections of one snapshot (the plugin's, CONCURRENT below): PostgreSQL 15 does not carry a
 * fenced subquery's parallel plan into the layers above it, so one statement computes those
 * layers and the aggregate in one backend. Every row is in exactly one part (a null hashes as
 * 0), and every row of a key in the same part: the part is a bit of a hash of the key's value
 * as the repeats are found by it (strings byte for byte; numbers and times as float8, whose
 * hash makes -0 and 0 alike, as their equality does), so that each part counts a key's first
 * row as the whole table would. A source without a key is split by its time field. */
static char *part_test(const pg_pushdown *p)
{
    const pg_source *src = p->src;
    const pg_field *f = &src->fields[src->key_field >= 0 ? src->key_field : src->time_field];
    sb cn = {0}, b = {0};
    sb_ident(&cn, f->name, strlen(f->name));
    sb_add(&b, "(COALESCE(");
    switch (f->type) {
    case PG_FT_STRING:
    case PG_FT_ENUM:
        sb_fmt(&b, "HASHTEXTEXTENDED(NULLIF(CAST(%s AS text) COLLATE \"C\", ''), 0)", cn.p);
        break;
    case PG_FT_INT:
    case PG_FT_NUMBER:
        sb_fmt(&b, "HASHFLOAT8EXTENDED(CAST(%s AS float8), 0)", cn.p);
        break;
    case PG_FT_TIME:
        sb_fmt(&b, "HASHFLOAT8EXTENDED(DATE_PART('epoch', CAST(%s AS timestamptz)), 0)", cn.p);
        break;
    case PG_FT_BOOL:
        sb_fmt(&b, "CASE WHEN %s THEN 1 END", cn.p);
        break;
    }
    sb_fmt(&b, ", 0) & %d) = %d", PARTS - 1, p->part);
    free(cn.p);
    return sb_take(&b);
}

/* The source's rows as a FROM item `pg_n`: each field normalised (pg_c<i>), the local day and
 * W of the time fields that expressions read (pg_d<i>, pg_w<i>, so that workdays() does not
 * repeat them), and pg_first = 1 on the row of a key that counts, 0 on its repeats (1 on
 * every row when the source has no key: the scan's SUM(pg_first) is the rows that count);
 * rows whose key repeated are dropped unless `all`.
 *
 * Finding the repeats sorts the table by key (row_number()), the dearest step of a pull. A
 * key column with a unique index cannot hold a repeat (a deterministic collation's equality
 * is byte equality, a non-deterministic one's coarser still), so the rows are read in two
 * branches gated by whether such an index exists: an uncorrelated EXISTS, evaluated once,
 * runs exactly one of them. */
static void rows_from(pg_pushdown *p, sb *b, const char *table, int all)
{
    const pg_source *src = p->src;
    char *part = part_test(p);
    /* pg_n0 (the rows) → pg_n1 (the days) → pg_n (their W, which reads each day many
     * times: a column, not its expression again) */
    sb_add(b, "(SELECT pg_n1.*");
    for (int i = 0; i < src->nfields && i < 64; i++) {
        if (src->fields[i].type != PG_FT_TIME || !p->needw[i]) continue;
        char d[32];
        snprintf(d, sizeof d, "pg_d%d", i);
        sb_add(b, ", ");
        workdays_upto(p, b, d);
        sb_fmt(b, " AS pg_w%d", i);
    }
    sb_add(b, " FROM (SELECT pg_n0.*");
    for (int i = 0; i < src->nfields && i < 64; i++) {
        if (src->fields[i].type != PG_FT_TIME || (!p->needd[i] && !p->needw[i])) continue;
        sb_fmt(b, ", FLOOR((FLOOR(pg_c%d) + %d) / CAST(86400 AS float8)) AS pg_d%d", i,
               p->rs->tz_offset, i);
    }
    /* each field normalised (pg_c<i>); for the one scan (`all`) also the row's fingerprint
     * and the bad-value masks, which read the table's own columns: computed at this level,
     * where PostgreSQL can hand the rows to parallel workers (it does not carry a fenced
     * subquery's parallel plan into the query above it) */
    sb norm = {0};
    char **vals = pg_xcalloc((size_t)src->nfields, sizeof *vals);
    for (int i = 0; i < src->nfields; i++) {
        const pg_field *f = &src->fields[i];
        sb cname = {0}, v = {0};
        sb_ident(&cname, f->name, strlen(f->name));
        switch (f->type) {
        case PG_FT_STRING:
        case PG_FT_ENUM:
            /* compared and grouped as pinggu does, byte for byte: a column's nondeterministic
             * collation (case- or accent-blind) would make `=`, IN and GROUP BY differ */
            sb_fmt(&v, "NULLIF(CAST(%s AS text) COLLATE \"C\", '')", cname.p);
            break;
        case PG_FT_INT:
        case PG_FT_NUMBER:
            sb_fmt(&v, "CAST(%s AS float8)", cname.p);
            break;
        case PG_FT_BOOL:
            sb_fmt(&v, "CAST(%s AS boolean)", cname.p);
            break;
        case PG_FT_TIME:
            sb_fmt(&v, "DATE_PART('epoch', CAST(%s AS timestamptz))", cname.p);
            break;
        }
        sb_fmt(&norm, "%s%s AS pg_c%d", i ? ", " : "", v.p ? v.p : "NULL", i);
        vals[i] = sb_take(&v);
        free(cname.p);
    }
    sb rawb = {0};
    if (all) {
        fingerprint(p, &rawb);
        bad_cols(p, &rawb, (const char *const *)vals);
    }
    for (int i = 0; i < src->nfields; i++) free(vals[i]);
    free(vals);
    const char *raw = rawb.p ? rawb.p : "";
    if (src->key_field >= 0) {
        const pg_field *k = &src->fields[src->key_field];
        sb kn = {0}, key = {0}, uniq = {0};
        sb_ident(&kn, k->name, strlen(k->name));
        if (k->type == PG_FT_STRING || k->type == PG_FT_ENUM)
            sb_fmt(&key, "NULLIF(CAST(%s AS text) COLLATE \"C\", '')", kn.p);
        else
            sb_add(&key, kn.p);
        sb_add(&uniq, "EXISTS (SELECT 1 FROM pg_catalog.pg_index pg_i JOIN pg_catalog.pg_attribute "
                      "pg_a ON pg_a.attrelid = pg_i.indrelid AND pg_a.attnum = pg_i.indkey[0] "
                      "WHERE pg_i.indrelid = CAST(");
        sb_lit(&uniq, table, (int)strlen(table));
        sb_add(&uniq, " AS regclass) AND pg_i.indisunique AND pg_i.indisvalid AND pg_i.indnatts = "
                      "1 AND pg_i.indpred IS NULL AND pg_i.indexprs IS NULL AND pg_a.attname = ");
        sb_lit(&uniq, k->name, (int)strlen(k->name));
        sb_add(&uniq, ")");
        sb_fmt(b, " FROM (SELECT %s, 1 AS pg_first%s FROM %s AS pg_raw WHERE %s AND %s UNION ALL ",
               norm.p, raw, table, part, uniq.p);
        /* the first row of a key in the order the record pull reads (every column) */
        sb_fmt(b, "SELECT %s, CASE WHEN %s IS NULL OR ROW_NUMBER() OVER (PARTITION BY %s ORDER BY ",
               norm.p, key.p, key.p);
        for (int i = 0; i < src->nfields; i++) {
            if (i) sb_add(b, ", ");
            sb_ident(b, src->fields[i].name, strlen(src->fields[i].name));
        }
        sb_fmt(b,
               ") = 1 THEN 1 ELSE 0 END AS pg_first%s FROM %s AS pg_raw WHERE %s AND NOT %s) AS "
               "pg_n0",
               raw, table, part, uniq.p);
        free(kn.p), free(key.p), free(uniq.p);
    } else {
        sb_fmt(b, " FROM (SELECT %s, 1 AS pg_first%s FROM %s AS pg_raw WHERE %s) AS pg_n0", norm.p,
               raw, table, part);
    }
    free(norm.p), free(rawb.p), free(part);
    if (!all) sb_add(b, " WHERE pg_n0.pg_first = 1");
    sb_add(b, " OFFSET 0) AS pg_n1 OFFSET 0) AS pg_n");
}

/* "schema"."name" */
static char *quote_table(const char *table)
{
    sb b = {0};
    const char *dot = strchr(table, '.');
    if (dot) {
        sb_ident(&b, table, (size_t)(dot - table));
        sb_add(&b, ".");
        sb_ident(&b, dot + 1, strlen(dot + 1));
    } else {
        sb_ident(&b, table, strlen(table));
    }
    return sb_take(&b);
}

static void add_stmt(pg_pushdown *p, char *sql)
{
    p->stmts = pg_xrealloc(p->stmts, sizeof *p->stmts * (size_t)(p->nstmts + 1));
    p->stmts[p->nstmts++] = sql;
}

#define BADBITS 62 /* fields per bad-value mask: the bits of a bigint, short of the sign */

/* The masks of the fields whose value the file readers would refuse (null where not
 * nullable, an enum value not declared, NaN, infinity, a non-integer int, a BC or five-digit
 * year): bit i % BADBITS of mask pg_bad<i / BADBITS> is set when field i's value is bad. They
 * are keys of the grouping (a table without a bad value has them all 0): per-field counts
 * without a sum per field. Each test is the cheapest exact one: on vals[i], the field's value
 * as rows_from normalises it (null exactly when the column is, '' aside), where that says the
 * same; a time's year by comparing the column with the first instant of year 1 and of year
 * 10000 (the literal takes the column's own type; a timestamptz's in the session's zone, the
 * rule set's offset, where DATE_PART would have read the year) rather than by DATE_PART. NaN
 * is greater than every number in PostgreSQL, so `ABS(x) >= 'Infinity'` is NaN or ±infinity. */
static void bad_cols(pg_pushdown *p, sb *b, const char *const *vals)
{
    const pg_source *src = p->src;
    sb any = {0}, mask = {0}; /* of the current group of BADBITS fields */
    for (int i = 0; i < src->nfields; i++) {
        const pg_field *f = &src->fields[i];
        const char *v = vals[i];
        sb cn = {0};
        sb_ident(&cn, f->name, strlen(f->name));
        sb bad = {0};
        if (!f->nullable) sb_fmt(&bad, "%s IS NULL", v);
        if (f->type == PG_FT_ENUM) {
            sb_fmt(&bad, "%s%s NOT IN (", bad.n ? " OR " : "", v);
            for (int k = 0; k < f->nenums; k++) {
                if (k) sb_add(&bad, ", ");
                sb_lit(&bad, f->enums[k], (int)strlen(f->enums[k]));
            }
            sb_add(&bad, ")");
        } else if (f->type == PG_FT_INT) {
            sb_fmt(&bad, "%sNOT (ABS(%s) <= CAST(9007199254740992 AS float8) AND %s = TRUNC(%s))",
                   bad.n ? " OR " : "", v, v, v);
        } else if (f->type == PG_FT_NUMBER) {
            sb_fmt(&bad, "%sABS(%s) >= CAST('Infinity' AS float8)", bad.n ? " OR " : "", v);
        } else if (f->type == PG_FT_TIME) {
            sb_fmt(&bad, "%s%s < '0001-01-01' OR %s >= '10000-01-01'", bad.n ? " OR " : "", cn.p,
                   cn.p);
        }
        if (bad.n) {
            sb_fmt(&any, "%s(%s)", any.n ? " OR " : "", bad.p);
            sb_fmt(&mask, " + CASE WHEN %s THEN CAST(%lld AS bigint) ELSE 0 END", bad.p,
                   1LL << (i % BADBITS));
        }
        free(cn.p), free(bad.p);
        if (i % BADBITS == BADBITS - 1 || i == src->nfields - 1) {
            /* a row's mask is computed only when one of its tests is true (a null test is
             * not, in CASE as in OR): a good row costs the tests alone */
            if (any.n)
                sb_fmt(b, ", CASE WHEN %s THEN (0%s) ELSE CAST(0 AS bigint) END AS pg_bad%d", any.p,
                       mask.p, i / BADBITS);
            else
                sb_fmt(b, ", CAST(0 AS bigint) AS pg_bad%d", i / BADBITS);
            free(any.p), free(mask.p);
            any = (sb){0}, mask = (sb){0};
        }
    }
}

/* The index of `sql` among the distinct expressions (taking it), added when new. */
static int intern(exprs *x, char *sql)
{
    for (int i = 0; i < x->n; i++)
        if (strcmp(x->v[i], sql) == 0) {
            free(sql);
            return i;
        }
    x->v = pg_xrealloc(x->v, sizeof *x->v * (size_t)(x->n + 1));
    x->v[x->n] = sql;
    return x->n++;
}

static int place_of(pg_pushdown *p, int due)
{
    for (int i = 0; i < p->nplaces; i++)
        if (p->places[i].due == due) return i;
    p->places = pg_xrealloc(p->places, sizeof *p->places * (size_t)(p->nplaces + 1));
    p->places[p->nplaces] = (placing){.due = due};
    return p->nplaces++;
}

static void set_add(pg_pushdown *p, int metric, int place, int year)
{
    p->sets = pg_xrealloc(p->sets, sizeof *p->sets * (size_t)(p->nsets + 1));
    p->sets[p->nsets++] = (colset){.metric = metric, .place = place, .year = year};
    if (p->rs->metrics[metric].cutoff) p->places[place].cut[year] = 1;
}

/* The SQL of what a metric of kind m->agg aggregates: its condition (share), its value (sum,
 * mean, min, max, ratio) and its denominator (ratio), each left NULL when the kind has none.
 * Returns 0, or -1 with why (the kinds that cannot be pushed down, or an expression that does
 * not compile); the caller frees what was set either way. */
static int agg_exprs(pg_pushdown *p, const pg_metric *m, const char *cutoff, char **cond_,
                     char **val_, char **den_, char *why, size_t whylen)
{
    char *cond = NULL, *val = NULL, *den = NULL;
    int rc = 0;
    switch (m->agg) {
    case PG_AGG_SHARE:
        if (!m->condition || !(cond = compile(p, m->condition, 1, cutoff, why, whylen))) rc = -1;
        break;
    case PG_AGG_RATIO:
        if (!m->value || !(val = compile(p, m->value, 0, cutoff, why, whylen)) || !m->denominator ||
            !(den = compile(p, m->denominator, 0, cutoff, why, whylen)))
            rc = -1;
        break;
    case PG_AGG_COUNT:
        break;
    case PG_AGG_SUM:
    case PG_AGG_MEAN:
    case PG_AGG_MIN:
    case PG_AGG_MAX:
        if (!m->value || !(val = compile(p, m->value, 0, cutoff, why, whylen))) rc = -1;
        break;
    case PG_AGG_DISTINCT:
        snprintf(why, whylen,
                 "kind = \"distinct\" keeps every value (its hash) to merge batches: pushing it "
                 "down would move the values");
        rc = -1;
        break;
    default:
        snprintf(why, whylen,
                 "a percentile keeps every value to merge batches: pushing it down would move "
                 "the values");
        rc = -1;
    }
    *cond_ = cond, *val_ = val, *den_ = den;
    return rc;
}

/* A set's expressions, each a column computed once per row: its selection (the first row of
 * its key, in its window, passing `where`: never null) and, only on selected rows, its
 * condition, value and denominator. Returns 0, or -1 with why. */
static int set_compile(pg_pushdown *p, colset *cs, char *why, size_t whylen)
{
    const pg_metric *m = &p->rs->metrics[cs->metric];
    char cut[32];
    snprintf(cut, sizeof cut, "pg_c%c%d", cs->year ? 'y' : 'm', cs->place);
    const char *cutoff = m->cutoff ? cut : NULL;
    char *where = NULL, *cond = NULL, *val = NULL, *den = NULL;
    cs->sel = cs->hit = cs->val = cs->den = -1;
    if (m->where && !(where = compile(p, m->where, 1, cutoff, why, whylen))) return -1;
    int rc = agg_exprs(p, m, cutoff, &cond, &val, &den, why, whylen);
    if (rc == 0) {
        sb sel = {0};
        sb_add(&sel, "pg_first = 1");
        if (cs->year && m->win_year == PG_OVER_YEAR_END)
            sb_fmt(&sel, " AND COALESCE(pg_ye%d, FALSE)", cs->place);
        if (where) sb_fmt(&sel, " AND %s", where);
        cs->sel = intern(&p->sels, sb_take(&sel));
        if (cond)
            cs->hit = intern(&p->vals, pg_xasprintf("CASE WHEN pg_s%d THEN %s END", cs->sel, cond));
        if (val)
            cs->val = intern(&p->vals, pg_xasprintf("CASE WHEN pg_s%d THEN %s END", cs->sel, val));
        if (den)
            cs->den = intern(&p->vals, pg_xasprintf("CASE WHEN pg_s%d THEN %s END", cs->sel, den));
    }
    free(where), free(cond), free(val), free(den);
    return rc;
}

/* Wraps *in (a FROM item named pg_l<k>) in one more layer that adds `cols` (", x AS y, …"),
 * fenced with OFFSET 0 so that each column is computed once per row rather than its
 * expression substituted into every reference. Nothing to add: no layer. */
static void layer(sb *in, int *k, sb *cols)
{
    if (!cols->n) return;
    sb b = {0};
    sb_fmt(&b, "(SELECT pg_l%d.*%s FROM %s OFFSET 0) AS pg_l%d", *k, cols->p, in->p, *k + 1);
    free(in->p), free(cols->p);
    *in = b;
    *cols = (sb){0};
    (*k)++;
}

/* The one scan of the table: every row once (repeats of a key too, for the checks), grouped
 * by unit and, for each placing, the sampling month and the year its records fall in. Per
 * group: rows, rows that count, the values the file readers would refuse per field, the
 * fingerprint's two sums; then NCOLS columns per set. Layers, each computed once per row:
 * the normalised rows with their fingerprint and bad-value masks (pg_n) → unit text and each
 * placing's time (pg_t<k>) → its local date → the sampling month's index and the year → the
 * buckets, the windows' ends and whether the date is in the year-end window → the cut-offs →
 * their days and W → each distinct selection (pg_s<i>) → each distinct value on the selected
 * rows (pg_v<i>) → grouped. */
static char *scan_stmt(pg_pushdown *p, const char *qt, pg_diags *d, int *bad)
{
    const pg_ruleset *rs = p->rs;
    const pg_source *src = p->src;
    int off = rs->tz_offset;
    char why[512] = "";
    /* the sets' expressions first: they say which days and W of the time fields are read */
    int reported = -1;
    for (int i = 0; i < p->nsets; i++) {
        colset *cs = &p->sets[i];
        if (set_compile(p, cs, why, sizeof why) != 0) {
            const pg_metric *m = &rs->metrics[cs->metric];
            if (reported != cs->metric)
                pg_error(d, m->file, m->line,
                         "metric '%s' cannot be pushed down to the database: %s", m->id, why);
            reported = cs->metric;
            *bad = 1;
            *why = '\0';
        }
    }
    sb cols = {0};
    for (int k = 0; k < p->nplaces; k++) {
        if (p->places[k].due < 0) {
            sb_fmt(&cols, ", pg_c%d AS pg_t%d", src->time_field, k);
            continue;
        }
        const pg_metric *m = &rs->metrics[p->places[k].due];
        char *due = compile(p, m->due, 0, NULL, why, sizeof why);
        if (!due) {
            pg_error(d, m->file, m->line,
                     "metric '%s' cannot be pushed down to the database: due: %s", m->id, why);
            *bad = 1;
            *why = '\0';
            continue;
        }
        sb_fmt(&cols, ", %s AS pg_t%d", due, k);
        free(due);
    }
    if (*bad) {
        free(cols.p);
        return NULL;
    }
    sb in = {0};
    int lk = 0;
    rows_from(p, &in, qt, 1);
    /* pg_l0: the unit text, each placing's time */
    int nbad = (src->nfields - 1) / BADBITS + 1;
    {
        sb t = {0};
        sb_fmt(&t, "(SELECT pg_n.*, CAST(pg_c%d AS text) AS pg_u", src->unit_field);
        sb_fmt(&t, "%s FROM %s OFFSET 0) AS pg_l0", cols.p, in.p);
        free(in.p), free(cols.p);
        in = t;
        cols = (sb){0};
    }
    /* pg_l1: the columns read from here on (not the table's own: narrower rows), the row's
     * fingerprint, each placing's local date */
    {
        sb t = {0};
        sb_add(&t, "(SELECT pg_first, pg_u");
        for (int i = 0; i < src->nfields; i++) sb_fmt(&t, ", pg_c%d", i);
        for (int i = 0; i < src->nfields && i < 64; i++) {
            if (src->fields[i].type != PG_FT_TIME) continue;
            if (p->needd[i] || p->needw[i]) sb_fmt(&t, ", pg_d%d", i);
            if (p->needw[i]) sb_fmt(&t, ", pg_w%d", i);
        }
        for (int i = 0; i < nbad; i++) sb_fmt(&t, ", pg_bad%d", i);
        for (int k = 0; k < p->nplaces; k++)
            sb_fmt(&t,
                   ", pg_t%d, (DATE '1970-01-01' + CAST(FLOOR((FLOOR(pg_t%d) + %d) / CAST(86400 "
                   "AS float8)) AS integer)) AS pg_date%d",
                   k, k, off, k);
        sb_fmt(&t, ", pg_f FROM %s OFFSET 0) AS pg_l1", in.p);
        free(in.p);
        in = t;
        lk = 1;
    }
    /* the sampling month's index (year × 12 + month of date − 25 days: the month after the
     * one that day is in, counted from 1), and the year */
    for (int k = 0; k < p->nplaces; k++)
        sb_fmt(&cols,
               ", CAST(DATE_PART('year', CAST(pg_date%d - 25 AS timestamp)) AS integer) * 12 + "
               "CAST(DATE_PART('month', CAST(pg_date%d - 25 AS timestamp)) AS integer) AS pg_mi%d, "
               "CAST(DATE_PART('year', CAST(pg_date%d AS timestamp)) AS integer) AS pg_yr%d",
               k, k, k, k, k);
    layer(&in, &lk, &cols);
    /* buckets, the windows' ends (Unix seconds), the year-end window */
    for (int k = 0; k < p->nplaces; k++) {
        sb_fmt(&cols,
               ", (pg_mi%d / 12) * 100 + MOD(pg_mi%d, 12) + 1 AS pg_bm%d, pg_yr%d * 100 AS "
               "pg_by%d, (pg_date%d >= MAKE_DATE(pg_yr%d, 10, 10)) AS pg_ye%d",
               k, k, k, k, k, k, k, k);
        if (p->places[k].cut[0])
            sb_fmt(&cols,
                   ", CAST((MAKE_DATE(pg_mi%d / 12, MOD(pg_mi%d, 12) + 1, 26) - DATE "
                   "'1970-01-01') AS float8) * 86400 - %d AS pg_em%d",
                   k, k, off, k);
        if (p->places[k].cut[1])
            sb_fmt(&cols,
                   ", CAST((MAKE_DATE(pg_yr%d + 1, 1, 1) - DATE '1970-01-01') AS float8) * 86400 "
                   "- %d AS pg_ey%d",
                   k, off, k);
    }
    layer(&in, &lk, &cols);
    /* the cut-offs: the last double before each window's end, and their days (the cut-off's
     * expression written out again in its day's: it is cheap); then their W, from the day's
     * column (W reads its day many times over) */
    for (int k = 0; k < p->nplaces; k++)
        for (int y = 0; y < 2; y++) {
            if (!p->places[k].cut[y]) continue;
            char e[32];
            snprintf(e, sizeof e, "pg_e%c%d", y ? 'y' : 'm', k);
            sb cut = {0};
            last_before(&cut, e);
            sb_fmt(&cols, ", %s AS pg_c%c%d", cut.p, y ? 'y' : 'm', k);
            sb_fmt(&cols, ", FLOOR((FLOOR(%s) + %d) / CAST(86400 AS float8)) AS pg_c%c%dd", cut.p,
                   off, y ? 'y' : 'm', k);
            free(cut.p);
        }
    layer(&in, &lk, &cols);
    for (int k = 0; k < p->nplaces; k++)
        for (int y = 0; y < 2; y++) {
            if (!p->places[k].cut[y]) continue;
            char cd[32];
            snprintf(cd, sizeof cd, "pg_c%c%dd", y ? 'y' : 'm', k);
            sb_add(&cols, ", ");
            workdays_upto(p, &cols, cd);
            sb_fmt(&cols, " AS pg_c%c%dw", y ? 'y' : 'm', k);
        }
    layer(&in, &lk, &cols);
    for (int i = 0; i < p->sels.n; i++) sb_fmt(&cols, ", %s AS pg_s%d", p->sels.v[i], i);
    layer(&in, &lk, &cols);
    for (int i = 0; i < p->vals.n; i++) sb_fmt(&cols, ", %s AS pg_v%d", p->vals.v[i], i);
    layer(&in, &lk, &cols);
    /* grouped */
    sb b = {0}, keys = {0};
    sb_add(&keys, "pg_u");
    for (int k = 0; k < p->nplaces; k++) sb_fmt(&keys, ", pg_bm%d, pg_by%d", k, k);
    for (int i = 0; i < nbad; i++) sb_fmt(&keys, ", pg_bad%d", i);
    sb_fmt(&b, "SELECT %s, COUNT(*), SUM(pg_first), SUM(pg_f)", keys.p);
    for (int i = 0; i < p->nsets; i++) {
        const colset *cs = &p->sets[i];
        const pg_metric *m = &rs->metrics[cs->metric];
        sb_fmt(&b, ", COUNT(CASE WHEN pg_s%d THEN 1 END)", cs->sel);
        if (cs->hit >= 0)
            sb_fmt(&b, ", COUNT(CASE WHEN pg_v%d THEN 1 END)", cs->hit);
        else
            sb_add(&b, ", NULL");
        if (m->agg == PG_AGG_RATIO)
            sb_fmt(&b,
                   ", NULL, SUM(CASE WHEN pg_v%d IS NOT NULL THEN pg_v%d END), SUM(CASE WHEN "
                   "pg_v%d IS NOT NULL THEN pg_v%d END), NULL, NULL",
                   cs->den, cs->val, cs->val, cs->den);
        else if (cs->val >= 0)
            sb_fmt(&b, ", COUNT(pg_v%d), SUM(pg_v%d), NULL, MIN(pg_v%d), MAX(pg_v%d)", cs->val,
                   cs->val, cs->val, cs->val);
        else
            sb_add(&b, ", NULL, NULL, NULL, NULL, NULL");
    }
    sb_fmt(&b, " FROM %s GROUP BY %s ORDER BY %s", in.p, keys.p, keys.p);
    free(in.p), free(keys.p);
    return sb_take(&b);
}

/* The per-metric columns of one family: n, hits, valued, sum, den, min, max. `in` is the
 * window's own test (year_end), or NULL. Returns 0, or -1 with why. */
static int metric_cols(pg_pushdown *p, sb *b, const pg_metric *m, const char *in,
                       const char *cutoff, char *why, size_t whylen)
{
    char *where = NULL, *cond = NULL, *val = NULL, *den = NULL;
    if (m->where && !(where = compile(p, m->where, 1, cutoff, why, whylen))) return -1;
    sb sel = {0};
    sb_add(&sel, "TRUE");
    if (in) sb_fmt(&sel, " AND %s", in);
    if (where) sb_fmt(&sel, " AND %s", where);
    int rc = agg_exprs(p, m, cutoff, &cond, &val, &den, why, whylen);
    if (rc == 0) {
        sb_fmt(b, ", SUM(CASE WHEN %s THEN 1 ELSE 0 END)", sel.p);
        if (cond)
            sb_fmt(b, ", SUM(CASE WHEN %s AND %s THEN 1 ELSE 0 END)", sel.p, cond);
        else
            sb_add(b, ", NULL");
        if (m->agg == PG_AGG_RATIO) {
            sb_add(b, ", NULL");
            sb_fmt(b, ", SUM(CASE WHEN %s AND (%s) IS NOT NULL AND (%s) IS NOT NULL THEN %s END)",
                   sel.p, val, den, val);
            sb_fmt(b, ", SUM(CASE WHEN %s AND (%s) IS NOT NULL AND (%s) IS NOT NULL THEN %s END)",
                   sel.p, val, den, den);
            sb_add(b, ", NULL, NULL");
        } else if (val) {
            sb_fmt(b, ", COUNT(CASE WHEN %s THEN %s END)", sel.p, val);
            sb_fmt(b, ", SUM(CASE WHEN %s THEN %s END)", sel.p, val);
            sb_add(b, ", NULL");
            sb_fmt(b, ", MIN(CASE WHEN %s THEN %s END)", sel.p, val);
            sb_fmt(b, ", MAX(CASE WHEN %s THEN %s END)", sel.p, val);
        } else {
            sb_add(b, ", NULL, NULL, NULL, NULL, NULL");
        }
    }
    free(where), free(cond), free(val), free(den), free(sel.p);
    return rc;
}

/* The SELECT of a metric's own scan, in layers: the rows (pg_n) → the unit text pg_u and the
 * placing time pg_t (pg_t0) → its local day pg_pd (pg_p), crossed with the window offsets
 * pg_j → the bucket pg_b (the sampling month j months on), the window's end pg_e (pg_w) →
 * the cut-off pg_cut (pg_x) → its day and W (pg_y) → grouped by unit and bucket. */
static char *family_stmt(pg_pushdown *p, family *f, const char *qt, pg_diags *d, int *bad)
{
    const pg_ruleset *rs = p->rs;
    const pg_source *src = p->src;
    sb b = {0}, place = {0};
    char why[512] = "";
    if (f->due >= 0) {
        char *due = compile(p, rs->metrics[f->due].due, 0, NULL, why, sizeof why);
        if (!due) {
            const pg_metric *m = &rs->metrics[f->due];
            pg_error(d, m->file, m->line,
                     "metric '%s' cannot be pushed down to the database: due: %s", m->id, why);
            *bad = 1;
            return NULL;
        }
        sb_add(&place, due);
        free(due);
    } else {
        col(&place, src->time_field);
    }
    int off = rs->tz_offset;
    const char *date = "(DATE '1970-01-01' + CAST(pg_pd AS integer))";
    sb bucket = {0}, end = {0};
    /* the month index (year × 12 + month − 1) of the sampling month: that of (date − 25
     * days), plus one; plus the window's j */
    sb mi = {0};
    sb_fmt(&mi,
           "(CAST(DATE_PART('year', CAST(%s - 25 AS timestamp)) AS integer) * 12 + "
           "CAST(DATE_PART('month', "
           "CAST(%s - 25 AS timestamp)) AS integer)%s)",
           date, date, " + pg_j.j");
    sb_fmt(&bucket, "(%s / 12) * 100 + MOD(%s, 12) + 1", mi.p, mi.p);
    sb_fmt(&end,
           "CAST((MAKE_DATE(%s / 12, MOD(%s, 12) + 1, 26) - DATE '1970-01-01') AS float8) * "
           "86400 - %d",
           mi.p, mi.p, off);
    free(mi.p);
    sb_add(&b, "SELECT pg_u, pg_b");
    for (int k = 0; k < f->nmetrics; k++) {
        const pg_metric *m = &rs->metrics[f->metrics[k]];
        /* a record counts in window j only while j is one of its windows */
        char in[256];
        if (m->win_month == PG_OVER_MONTHS)
            snprintf(in, sizeof in, "pg_jn < %d", m->months);
        else /* year_to_date: up to December of the sampling month's year */
            snprintf(in, sizeof in, "pg_mi0 / 12 = (pg_mi0 + pg_jn) / 12");
        if (metric_cols(p, &b, m, in, m->cutoff ? "pg_cut" : NULL, why, sizeof why) != 0) {
            pg_error(d, m->file, m->line, "metric '%s' cannot be pushed down to the database: %s",
                     m->id, why);
            *bad = 1;
            *why = '\0';
        }
    }
    /* pg_y: the cut-off's day and W */
    sb_fmt(&b,
           " FROM (SELECT pg_x.*, FLOOR((FLOOR(pg_cut) + %d) / CAST(86400 AS float8)) AS pg_cutd, ",
           off);
    char *cutd = pg_xasprintf("FLOOR((FLOOR(pg_cut) + %d) / CAST(86400 AS float8))", off);
    workdays_upto(p, &b, cutd);
    free(cutd);
    sb_add(&b, " AS pg_cutw FROM (SELECT pg_w.*, ");
    last_before(&b, "pg_e");
    sb_add(&b, " AS pg_cut FROM (SELECT pg_p.*, ");
    sb_add(&b, bucket.p);
    sb_add(&b, " AS pg_b, ");
    sb_add(&b, end.p);
    /* pg_date is read by nothing now (the year-kind families that read it went into the one
     * scan); kept so that the statements, and so the ids of the batches pulled with them, stay
     * the same */
    sb_fmt(&b, " AS pg_e, %s AS pg_date", date);
    sb_fmt(&b,
           ", pg_j.j AS pg_jn, CAST(DATE_PART('year', CAST(%s - 25 AS timestamp)) AS integer) "
           "* 12 + "
           "CAST(DATE_PART('month', CAST(%s - 25 AS timestamp)) AS integer) AS pg_mi0",
           date, date);
    sb_fmt(&b,
           " FROM (SELECT pg_t0.*, FLOOR((FLOOR(pg_t) + %d) / CAST(86400 AS float8)) AS pg_pd "
           "FROM (SELECT pg_n.*, CAST(pg_c%d AS text) AS pg_u, ",
           off, src->unit_field);
    sb_add(&b, place.p);
    sb_add(&b, " AS pg_t FROM ");
    rows_from(p, &b, qt, 0);
    sb_add(&b, " OFFSET 0) AS pg_t0 WHERE pg_t IS NOT NULL OFFSET 0) AS pg_p");
    {
        const pg_metric *m = &rs->metrics[f->metric];
        int k = m->win_month == PG_OVER_MONTHS ? m->months : 12;
        sb_add(&b, " CROSS JOIN (VALUES ");
        for (int j = 0; j < k; j++) sb_fmt(&b, "%s(%d)", j ? ", " : "", j);
        sb_add(&b, ") AS pg_j(j)");
    }
    sb_add(&b,
           " OFFSET 0) AS pg_w OFFSET 0) AS pg_x OFFSET 0) AS pg_y GROUP BY pg_u, pg_b ORDER BY "
           "pg_u, pg_b");
    free(place.p), free(bucket.p), free(end.p);
    return sb_take(&b);
}

/* The calendar's days that change the weekday count, with the cumulative change. */
static void calendar(pg_pushdown *p)
{
    const pg_calendar *cal = &p->rs->calendar;
    int n = cal->nholidays + cal->nworkdays;
    long *days = pg_xmalloc(sizeof(long) * (size_t)(n + 1));
    int k = 0;
    for (int i = 0; i < cal->nholidays; i++) days[k++] = cal->holidays[i];
    for (int i = 0; i < cal->nworkdays; i++) days[k++] = cal->workdays[i];
    /* sort, unique */
    for (int i = 1; i < k; i++)
        for (int j = i; j > 0 && days[j - 1] > days[j]; j--) {
            long t = days[j];
            days[j] = days[j - 1], days[j - 1] = t;
        }
    p->cal_day = pg_xmalloc(sizeof(long) * (size_t)(k + 1));
    p->cal_cum = pg_xmalloc(sizeof(long) * (size_t)(k + 1));
    long cum = 0;
    for (int i = 0; i < k; i++) {
        if (i && days[i] == days[i - 1]) continue;
        long delta = pg_calendar_is_workday(cal, days[i]) -
                     (long)(weekdays_upto_c(days[i]) - weekdays_upto_c(days[i] - 1));
        if (!delta) continue;
        cum += delta;
        p->cal_day[p->ncal] = days[i];
        p->cal_cum[p->ncal++] = cum;
    }
    free(days);
}

static const char *type_name(pg_ftype t)
{
    static const char *const names[] = {"string", "int", "number", "bool", "time", "enum"};
    return names[t];
}

pg_pushdown *pg_pushdown_compile(const pg_ruleset *rs, int s, const char *table, pg_diags *d)
{
    pg_pushdown *p = pg_xcalloc(1, sizeof *p);
    p->rs = rs, p->s = s, p->src = &rs->sources[s];
    const pg_source *src = p->src;
    calendar(p);
    int bad = 0;
    if (src->nfields > 64) {
        pg_error(d, src->file, src->line, "source '%s' cannot be pushed down: more than 64 fields",
                 src->name);
        bad = 1;
    }
    const pg_field *uf = &src->fields[src->unit_field];
    if (uf->type != PG_FT_STRING && uf->type != PG_FT_ENUM && uf->type != PG_FT_INT) {
        pg_error(d, src->file, src->line,
                 "source '%s' cannot be pushed down: its unit field '%s' is %s (string, enum "
                 "or int are)",
                 src->name, uf->name, type_name(uf->type));
        bad = 1;
    }
    char *qt = quote_table(table);
    char *tz = pg_xasprintf("SET LOCAL TIME ZONE INTERVAL '%c%02d:%02d' HOUR TO MINUTE",
                            rs->tz_offset < 0 ? '-' : '+', abs(rs->tz_offset) / 3600,
                            abs(rs->tz_offset) % 3600 / 60);
    add_stmt(p, tz);
    add_stmt(p, pg_xstrdup("SET LOCAL standard_conforming_strings = on"));
    sb types = {0};
    sb_add(&types, "SELECT CAST(attname AS text), FORMAT_TYPE(atttypid, atttypmod) FROM "
                   "pg_catalog.pg_attribute WHERE attrelid = CAST(");
    sb_lit(&types, qt, (int)strlen(qt));
    sb_add(&types, " AS regclass) AND attnum > 0 AND NOT attisdropped ORDER BY attnum");
    add_stmt(p, sb_take(&types));
    /* the session's planner settings for one big grouped scan, where the engine has them
     * (pg_settings says; a setting it does not have is left alone): no JIT, whose compiling
     * of the scan's many expressions costs more than it saves at any size a pull reads, and
     * work_mem of at least 64 MB, so that the few hundred groups are hashed rather than
     * the rows sorted (the planner cannot know how few groups there are). Parallel workers
     * are the server's settings: with the fingerprint and the checks at the rows' own level
     * the planner hands that level to workers by itself (default parallel_tuple_cost, from
     * 500,000 rows; 3.3–3.6 s wall against 3.7–3.9 s with max_parallel_workers_per_gather =
     * 0, 7 % more CPU, on the loaded 2-vCPU machine), so nothing more is set. */
    add_stmt(p, pg_xstrdup("SELECT set_config(name, CASE WHEN name = 'jit' THEN 'off' ELSE '64MB' "
                           "END, true) FROM pg_catalog.pg_settings WHERE name = 'jit' OR (name = "
                           "'work_mem' AND CAST(setting AS bigint) < 65536) ORDER BY name"));
    /* every window of every metric in one scan, but those that count a record once per
     * window it is in at that window's own cut-off (year_to_date and rolling windows that
     * read `cutoff`): one scan each */
    for (int mi = 0; mi < rs->nmetrics; mi++) {
        const pg_metric *m = &rs->metrics[mi];
        if (m->source != s || m->agg == PG_AGG_FED) continue;
        int due = m->due ? mi : -1;
        if (m->win_month != PG_OVER_NONE) {
            if (is_expand(m)) {
                int f = family_new(p, due, mi); /* before p->fams moves */
                family_add(&p->fams[f], mi);
            } else
                set_add(p, mi, place_of(p, due), 0);
        }
        if (m->win_year == PG_OVER_YEAR || m->win_year == PG_OVER_YEAR_END)
            set_add(p, mi, place_of(p, due), 1);
    }
    if (!p->nplaces) place_of(p, -1); /* the checks and the fingerprint scan all the same */
    /* each statement once per part; the later parts only when the first compiled (what
     * cannot be pushed down is reported once) */
    p->scan = p->nstmts;
    for (p->part = 0; p->part < PARTS; p->part++) {
        char *scan = scan_stmt(p, qt, d, &bad);
        if (!scan) break;
        add_stmt(p, pg_xasprintf("%s%s", CONCURRENT, scan));
        free(scan);
    }
    for (int i = 0; i < p->nfams; i++) {
        p->fams[i].stmt = p->nstmts;
        for (p->part = 0; p->part < PARTS; p->part++) {
            char *sql = family_stmt(p, &p->fams[i], qt, d, &bad);
            if (!sql) break;
            add_stmt(p, pg_xasprintf("%s%s", CONCURRENT, sql));
            free(sql);
        }
    }
    free(qt);
    if (bad) {
        pg_pushdown_free(p);
        return NULL;
    }
    for (int i = 0; i < p->nstmts; i++) {
        sb_add(&p->transcript, p->stmts[i]);
        sb_add(&p->transcript, ";\n");
    }
    p->coltypes = pg_xcalloc((size_t)src->nfields, sizeof *p->coltypes);
    return p;
}

void pg_pushdown_free(pg_pushdown *p)
{
    if (!p) return;
    for (int i = 0; i < p->nstmts; i++) free(p->stmts[i]);
    free(p->stmts);
    for (int i = 0; i < p->nfams; i++) free(p->fams[i].metrics);
    free(p->fams), free(p->places), free(p->sets), free(p->cal_day), free(p->cal_cum);
    for (int i = 0; i < p->sels.n; i++) free(p->sels.v[i]);
    for (int i = 0; i < p->vals.n; i++) free(p->vals.v[i]);
    free(p->sels.v), free(p->vals.v);
    if (p->coltypes)
        for (int i = 0; i < p->src->nfields; i++) free(p->coltypes[i]);
    free(p->coltypes);
    for (int i = 0; i < p->nunits; i++) free(p->units[i]);
    free(p->units);
    for (int i = 0; i < p->ncells; i++) free(p->cells[i].unit);
    free(p->cells);
    free(p->fingerprint.p), free(p->transcript.p);
    free(p);
}

int pg_pushdown_statements(const pg_pushdown *p, const char *const **out)
{
    *out = (const char *const *)p->stmts;
    return p->nstmts;
}

const char *pg_pushdown_error(const pg_pushdown *p)
{
    return p->err;
}

const char *pg_pushdown_transcript(const pg_pushdown *p, size_t *len)
{
    *len = p->transcript.n;
    return p->transcript.p ? p->transcript.p : "";
}

/* ---- results ---- */

static char *text_of(const char *v, size_t len)
{
    return v ? pg_xasprintf("%.*s", (int)len, v) : NULL;
}

static int parse_num(const char *v, size_t len, double *out)
{
    char buf[64];
    if (!v || len == 0 || len >= sizeof buf) return -1;
    memcpy(buf, v, len);
    buf[len] = '\0';
    char *end;
    *out = strtod(buf, &end);
    return *end ? -1 : 0;
}

/* A metric's NCOLS columns from column c of a row into a cell of (its unit, bucket); none when
 * no record passed `where`, as in aggregate.c. Returns 0, or -1 for a column that is no number. */
static int add_cell(pg_pushdown *p, int bucket, int metric, const char *const *values,
                    const size_t *lens, int c)
{
    cellrow r = {.bucket = bucket, .metric = metric};
    for (int j = 0; j < NCOLS; j++) {
        r.null[j] = values[c + j] == NULL;
        if (values[c + j] && parse_num(values[c + j], lens[c + j], &r.v[j])) return -1;
    }
    if (r.v[0] <= 0) return 0;
    r.unit = text_of(values[0], lens[0]);
    if (p->ncells == p->capcells) {
        p->capcells = p->capcells ? p->capcells * 2 : 256;
        p->cells = pg_xrealloc(p->cells, sizeof *p->cells * (size_t)p->capcells);
    }
    p->cells[p->ncells++] = r;
    return 0;
}

int pg_pushdown_row(pg_pushdown *p, int stmt, int ncols, const char *const *values,
                    const size_t *lens)
{
    const pg_source *src = p->src;
    /* the transcript keeps every row of what was read, tab-separated, \N for null */
    sb_fmt(&p->transcript, "-- %d:", stmt);
    for (int i = 0; i < ncols; i++) {
        sb_add(&p->transcript, "\t");
        if (values[i])
            sb_put(&p->transcript, values[i], lens[i]);
        else
            sb_add(&p->transcript, "\\N");
    }
    sb_add(&p->transcript, "\n");
    if (stmt == 2) { /* column types */
        if (ncols != 2 || !values[0] || !values[1]) goto bad;
        for (int i = 0; i < src->nfields; i++)
            if (strlen(src->fields[i].name) == lens[0] &&
                memcmp(src->fields[i].name, values[0], lens[0]) == 0) {
                free(p->coltypes[i]);
                p->coltypes[i] = text_of(values[1], lens[1]);
            }
        return 0;
    }
    if (stmt >= p->scan && stmt < p->scan + PARTS) {
        /* per (unit, buckets of each placing): rows, kept, bad values per field, the
         * fingerprint's sums, then the sets */
        int nbad = (src->nfields - 1) / BADBITS + 1;
        int nk = 1 + 2 * p->nplaces + nbad, c0 = nk + 3;
        if (ncols != c0 + NCOLS * p->nsets) goto bad;
        sb_put(&p->fingerprint, "\n", 1);
        for (int i = 0; i < c0; i++) {
            if (i) sb_put(&p->fingerprint, "\t", 1);
            if (values[i]) sb_put(&p->fingerprint, values[i], lens[i]);
        }
        double n, kept;
        if (parse_num(values[nk], lens[nk], &n) || parse_num(values[nk + 1], lens[nk + 1], &kept))
            goto bad;
        p->records += (long)n, p->kept += (long)kept;
        for (int m = 0; m < nbad; m++) { /* the rows' bad fields: a mask */
            int c = 1 + 2 * p->nplaces + m;
            char buf[32], *end;
            if (!values[c] || lens[c] == 0 || lens[c] >= sizeof buf) goto bad;
            memcpy(buf, values[c], lens[c]);
            buf[lens[c]] = '\0';
            long long bits = strtoll(buf, &end, 10);
            if (*end || bits < 0) goto bad;
            for (int i = m * BADBITS; i < src->nfields && i < (m + 1) * BADBITS; i++)
                if (bits >> (i % BADBITS) & 1) p->bad[i] += (long)n;
        }
        int seen = 0;
        for (int i = 0; i < p->nunits && !seen; i++)
            seen = p->units[i] && values[0] && strlen(p->units[i]) == lens[0] &&
                   memcmp(p->units[i], values[0], lens[0]) == 0;
        if (!seen) {
            p->units = pg_xrealloc(p->units, sizeof *p->units * (size_t)(p->nunits + 1));
            p->units[p->nunits++] = text_of(values[0], lens[0]);
        }
        for (int k = 0; k < p->nsets; k++) {
            const colset *cs = &p->sets[k];
            int bc = 1 + 2 * cs->place + cs->year;
            if (!values[bc]) continue; /* no time to place the rows by: in no window */
            double bucket;
            if (parse_num(values[bc], lens[bc], &bucket)) goto bad;
            if (add_cell(p, (int)bucket, cs->metric, values, lens, c0 + NCOLS * k)) goto bad;
        }
        return 0;
    }
    for (int f = 0; f < p->nfams; f++) {
        const family *fam = &p->fams[f];
        if (stmt < fam->stmt || stmt >= fam->stmt + PARTS) continue;
        if (ncols != 2 + NCOLS * fam->nmetrics) goto bad;
        double bucket;
        if (parse_num(values[1], lens[1], &bucket)) goto bad;
        for (int k = 0; k < fam->nmetrics; k++) {
            if (add_cell(p, (int)bucket, fam->metrics[k], values, lens, 2 + NCOLS * k)) goto bad;
        }
        return 0;
    }
    return 0; /* the SET statements return nothing */
bad:
    snprintf(p->err, sizeof p->err,
             "statement %d returned a row pinggu did not ask for (%d columns): nothing stored",
             stmt, ncols);
    return -1;
}

/* Whether the engine's column type computes as pinggu reads the field's text. */
static int type_ok(pg_ftype t, const char *ty)
{
    static const char *const text[] = {"text", "character varying", NULL};
    static const char *const ints[] = {"smallint", "integer", "bigint", "numeric", NULL};
    static const char *const nums[] = {"smallint", "integer",          "bigint",
                                       "numeric",  "double precision", NULL};
    static const char *const times[] = {"date", "timestamp", NULL};
    static const char *const bools[] = {"boolean", NULL};
    const char *const *ok = t == PG_FT_STRING || t == PG_FT_ENUM ? text
                            : t == PG_FT_INT                     ? ints
                            : t == PG_FT_NUMBER                  ? nums
                            : t == PG_FT_BOOL                    ? bools
                                                                 : times;
    for (int i = 0; ok[i]; i++)
        if (strncmp(ty, ok[i], strlen(ok[i])) == 0) return 1;
    return 0;
}

static int unit_of(const pg_pushdown *p, const char *text)
{
    const pg_field *uf = &p->src->fields[p->src->unit_field];
    if (!text) return -1;
    if (uf->type == PG_FT_INT) { /* a number names its unit as aggregate.c prints it */
        char buf[64];
        snprintf(buf, sizeof buf, "%.0f", strtod(text, NULL));
        return pg_unit_find(p->rs, buf);
    }
    return pg_unit_find(p->rs, text);
}

static void fill(pg_partial *q, const cellrow *r)
{
    q->n = r->v[0];
    q->hits = r->null[1] ? 0 : r->v[1];
    q->valued = r->null[2] ? 0 : r->v[2];
    q->sum = r->null[3] ? 0 : r->v[3];
    q->den = r->null[4] ? 0 : r->v[4];
    q->min = r->null[5] ? INFINITY : r->v[5];
    q->max = r->null[6] ? -INFINITY : r->v[6];
}

static int next_month(int m)
{
    return m % 100 == 12 ? (m / 100 + 1) * 100 + 1 : m + 1;
}

pg_agg *pg_pushdown_finish(pg_pushdown *p, const char *about, char id[65], long *records,
                           long *duplicates)
{
    const pg_source *src = p->src;
    const pg_ruleset *rs = p->rs;
    if (*p->err) return NULL;
    for (int i = 0; i < src->nfields; i++) {
        const pg_field *f = &src->fields[i];
        if (!p->coltypes[i]) {
            snprintf(p->err, sizeof p->err, "column %s: not in the table (field of source '%s')",
                     f->name, src->name);
            return NULL;
        }
        if (!type_ok(f->type, p->coltypes[i])) {
            snprintf(p->err, sizeof p->err,
                     "column %s is %s, which is not pushed down for a field of type %s (the "
                     "engine would compute with other values than pinggu reads: use %s)",
                     f->name, p->coltypes[i], type_name(f->type),
                     f->type == PG_FT_TIME     ? "date, timestamp or timestamptz"
                     : f->type == PG_FT_INT    ? "smallint, integer, bigint or numeric"
                     : f->type == PG_FT_NUMBER ? "numeric, double precision or an integer type"
                     : f->type == PG_FT_BOOL   ? "boolean"
                                               : "text or varchar");
            return NULL;
        }
    }
    long nbad = 0;
    sb why = {0};
    for (int i = 0; i < src->nfields; i++)
        if (p->bad[i]) {
            nbad += p->bad[i];
            sb_fmt(&why, "%s%s: %ld", why.n ? ", " : "", src->fields[i].name, p->bad[i]);
        }
    if (nbad) {
        snprintf(p->err, sizeof p->err,
                 "%ld values the file readers would refuse (%s: null where not nullable, not a "
                 "declared value, NaN or infinity, not an integer, a year outside 1–9999): the "
                 "batch is rejected, nothing stored; pull without pushdown to see each one",
                 nbad, why.p);
        free(why.p);
        return NULL;
    }
    free(why.p);
    for (int i = 0; i < p->nunits; i++)
        if (unit_of(p, p->units[i]) < 0) {
            snprintf(p->err, sizeof p->err,
                     "%s: '%s' is not a unit in units.csv (id, code, name or alias): the batch "
                     "is rejected, nothing stored",
                     src->fields[src->unit_field].name, p->units[i] ? p->units[i] : "(null)");
            return NULL;
        }
    pg_agg *agg = pg_agg_new(rs, p->s);
    for (int i = 0; i < p->ncells; i++) {
        const cellrow *r = &p->cells[i];
        const pg_metric *m = &rs->metrics[r->metric];
        int u = unit_of(p, r->unit);
        pg_partial q = {0};
        fill(&q, r);
        int year = r->bucket % 100 == 0;
        if (year || m->win_month == PG_OVER_MONTH || is_expand(m)) {
            pg_partial_merge(pg_agg_partial(agg, r->metric, u, r->bucket), &q);
        } else { /* a month partial of a year_to_date or rolling window: every window it is in */
            int k = m->win_month == PG_OVER_MONTHS ? m->months : 12;
            for (int j = 0, b = r->bucket; j < k; j++, b = next_month(b)) {
                if (m->win_month == PG_OVER_YTD && b / 100 != r->bucket / 100) break;
                pg_partial_merge(pg_agg_partial(agg, r->metric, u, b), &q);
            }
        }
    }
    *records = p->records;
    *duplicates = p->records - p->kept;
    /* the id: what was asked, of what, and what the engine said the rows were */
    sb idsrc = {0};
    for (int i = 0; i < p->nstmts; i++) {
        sb_add(&idsrc, p->stmts[i]);
        sb_add(&idsrc, ";\n");
    }
    sb_fmt(&idsrc, "-- %s", about);
    sb_put(&idsrc, p->fingerprint.p ? p->fingerprint.p : "", p->fingerprint.n);
    unsigned char md[32];
    unsigned int mdlen = 0;
    EVP_Digest(idsrc.p, idsrc.n, md, &mdlen, EVP_sha256(), NULL);
    for (int i = 0; i < 32; i++) snprintf(id + 2 * i, 3, "%02x", md[i]);
    free(idsrc.p);
    return agg;
}

int pg_pushdown_check(const pg_ruleset *rs, pg_diags *d)
{
    int bad = 0;
    for (int s = 0; s < rs->nsources; s++) {
        const pg_source *src = &rs->sources[s];
        if (!pg_source_pushdown(src)) continue;
        /* the table does not matter to what compiles */
        pg_pushdown *p = pg_pushdown_compile(rs, s, "t", d);
        if (!p) bad = 1;
        pg_pushdown_free(p);
    }
    return bad ? -EINVAL : 0;
}

int pg_source_pushdown(const pg_source *src)
{
    if (!src->plugin) return 0;
    for (int i = 0; i < src->noptions; i++)
        if (strcmp(src->options[2 * i], "pushdown") == 0)
            return strcmp(src->options[2 * i + 1], "true") == 0;
    return 0;
}
