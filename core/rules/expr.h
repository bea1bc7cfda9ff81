/* expr.h — the small expression language of metric filters and values, compiled to a C plan.
 *
 * Metric definitions in the rule set carry expressions such as
 *     "days(received_at, completed_at) <= promised_days and channel in ('粤省事', '粤商通')"
 * They are compiled once per revision against the source's fields, then evaluated per record
 * in C: Lua is never called per record.
 *
 * The language: numbers, 'strings' or "strings", true, false, field names; arithmetic
 * + - * / % and unary -; comparisons == ~= != < <= > >=; `x in ('a', 'b')` and `x not in (1, 2)` (a list of one type); `x is null`,
 * `x is not null`; `and`, `or`, `not`; parentheses; functions days(a, b) (b − a in days, a
 * fraction) and workdays(a, b) (pg_calendar_workdays_between). Precedence, lowest first:
 * or; and; not; comparison/in/is; + -; * / %; unary -.
 * Nulls: arithmetic and functions with a null operand give null; a comparison or `in` with a
 * null operand is false; `is null` is the way to test for one. Enum fields compare with
 * strings, and comparing one with a string that is not among its values is a compile error.
 *
 * A plan is immutable once compiled and may be evaluated from several threads at once. */
#ifndef PG_EXPR_H
#define PG_EXPR_H

#include "source.h"
#include "timefmt.h"

typedef enum { PG_X_BOOL, PG_X_NUMBER, PG_X_STRING, PG_X_TIME } pg_xtype;

typedef struct pg_expr pg_expr;

/* Compiles `text` against `src`. `cal` (may be NULL: workdays() is then an error) and
 * `offset` (the rule set's UTC offset) are kept by the plan; cal must outlive it. Returns the
 * plan and its result type in *type, or NULL with a malloc'd message in *err and the 1-based
 * column (byte offset + 1 in `text`) of the problem in *col. */
pg_expr *pg_expr_compile(const char *text, const pg_source *src, const pg_calendar *cal,
                         int offset, pg_xtype *type, char **err, int *col);
void pg_expr_free(pg_expr *e);

/* A PG_X_BOOL plan on one record (values indexed by field): 1 or 0; null counts as 0. */
int pg_expr_test(const pg_expr *e, const pg_value *rec);
/* A PG_X_NUMBER or PG_X_TIME plan on one record: the number, or NAN for null. */
double pg_expr_number(const pg_expr *e, const pg_value *rec);

#endif
