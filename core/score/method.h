/* method.h — the built-in scoring methods, run natively in C.
 *
 * A method turns a unit's value into a share of the indicator's points, in [0, 1]. Relative
 * methods read the group's statistics, computed once per indicator and group over the units
 * that have a value. No method ever enters Lua; custom methods are custom.c's. */
#ifndef PG_METHOD_H
#define PG_METHOD_H

#include "rules.h"

typedef struct {
    int n; /* units with a value */
    double min, max, mean, sd;
    double *sorted; /* the n values, ascending */
} pg_group_stats;

/* Fills gs from n values. With `sorted`, gs->sorted is a malloc'd ascending copy (free it);
 * without, it is NULL and only n, min, max, mean and sd are set. */
void pg_group_stats_compute(pg_group_stats *gs, const double *values, int n, int sorted);

/* Whether the method needs group statistics. */
int pg_method_is_relative(const pg_method *m);
/* Whether it needs them sorted (rank, and custom methods, which see group.sorted). */
int pg_method_needs_order(const pg_method *m);

/* The share for value v. `points` is the indicator's points for the unit's group (deduct
 * and per_event count in points). Sets *capped when a cap of the method bit. */
double pg_method_share(const pg_method *m, double v, double points, const pg_group_stats *gs,
                       int *capped);

/* n's method with its thresholds in the transformed scale (linear lo and hi, steps thresholds
 * under log = true). Returns 1 when out->step_at is a malloc'd copy the caller frees. */
int pg_method_transformed(const pg_node *n, pg_method *out);
/* Whether value v makes the leaf not applicable (na_when: a condition or sentinel values). */
int pg_na_when(const pg_node *n, double v);
/* Winsorising (winsor = { p }): of n values, the k = ⌊p·n⌋ lowest take the (k+1)-th lowest and
 * the k highest the (k+1)-th highest; *lo and *hi are those two bounds. */
void pg_winsor_bounds(const double *values, int n, double p, double *lo, double *hi);

/* Competition rank of v among gs->sorted: 1 + the number of strictly better values. */
int pg_group_rank(const pg_group_stats *gs, double v, int lower_is_better);

#endif
