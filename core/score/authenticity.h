/* authenticity.h — 评估数据真实性: a self-reported figure checked against the system's own.
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
#ifndef PG_AUTHENTICITY_H
#define PG_AUTHENTICITY_H

#include "dataset.h"

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

#endif
