/* dataset.h — metric values per (period, metric, unit), as fed in CSV files, plus the
 * evaluators' scores and the appeals' adjustments an evaluation also reads.
 *
 * A data file has the header unit,period,metric,value[,n]: `unit` is a unit id, code, name
 * or alias from units.csv; `period` is YYYY-MM or YYYY; `metric` is a declared metric id;
 * `value` is a number; `n`, the sample size behind it, may be empty. A file is taken whole
 * or not at all: any bad row (unknown unit or metric, bad number, a duplicate) rejects the
 * file with file:line and the column, and nothing of it is stored.
 *
 * Lifetime: the dataset borrows its rule set, which must outlive it. */
#ifndef PG_DATASET_H
#define PG_DATASET_H

#include "ruleset.h"

typedef struct pg_dataset pg_dataset;

pg_dataset *pg_dataset_new(const pg_ruleset *rs);
void pg_dataset_free(pg_dataset *ds);

/* Loads one file. Returns 0, or a negative errno with diagnostics (nothing is stored). */
int pg_dataset_load_file(pg_dataset *ds, const char *path, pg_diags *d);
/* Loads every *.csv directly in `dir`, in name order (none is not an error). Each file is
 * all-or-nothing; returns -EINVAL if any file was rejected. */
int pg_dataset_load_dir(pg_dataset *ds, const char *dir, pg_diags *d);
/* Where a fed value comes from: appends "file:line" (malloc'd; *n counts them) for every row
 * of the *.csv files in `dir` that gives (metric, unit, period). Returns the number added. */
int pg_dataset_fed_rows(const pg_ruleset *rs, const char *dir, int metric, int unit, int period,
                        char ***lines, int *n);

/* Stores one value (n may be NAN). Returns 0, or -EEXIST if the cell already has one. */
int pg_dataset_set(pg_dataset *ds, int period, int metric, int unit, double value, double n);
/* Returns 1 and fills *value and *n if present, else 0. */
int pg_dataset_get(const pg_dataset *ds, int period, int metric, int unit, double *value,
                   double *n);
/* Whether any value exists for the period. */
int pg_dataset_has_period(const pg_dataset *ds, int period);
/* Number of values stored. */
long pg_dataset_count(const pg_dataset *ds);

/* Stores one value, replacing any the cell had (an accepted self-report over a fed value). */
void pg_dataset_put(pg_dataset *ds, int period, int metric, int unit, double value, double n);

/* What people decided rather than measured, for one unit, period and indicator (node):
 *   a score    定性评价: the points an evaluator gave a method = evaluator_score {} indicator;
 *   an adjustment  申诉: an upheld appeal's change to the indicator's points.
 * `id` is the record's id in the store (the trace names it: 申诉 #12); `reason` is kept. */
typedef struct {
    int unit, period, node;
    double points; /* a score's points, or an adjustment's change */
    long id;
    char *reason;
} pg_given;

/* Adds the evaluator's score; -EEXIST if the cell already has one (one score counts). */
int pg_dataset_add_score(pg_dataset *ds, int period, int node, int unit, double points, long id,
                         const char *reason);
/* The score of a cell, or NULL. */
const pg_given *pg_dataset_score(const pg_dataset *ds, int period, int node, int unit);
/* Adds an upheld appeal's adjustment; -EEXIST if that appeal (id) is already in for the cell.
 * A cell may have several (several appeals upheld), applied in id order. */
int pg_dataset_add_adjustment(pg_dataset *ds, int period, int node, int unit, double delta, long id,
                              const char *reason);
/* The adjustments of a cell in id order: returns how many and points *first at them. */
int pg_dataset_adjustments(const pg_dataset *ds, int period, int node, int unit,
                           const pg_given **first);
/* How many scores and adjustments the dataset holds. */
int pg_dataset_nscores(const pg_dataset *ds);
int pg_dataset_nadjustments(const pg_dataset *ds);

/* Everything the dataset holds, as JSON: the inputs an evaluation read, frozen with a run so
 * that a published bulletin can be re-run from exactly them. Deterministic (periods in order,
 * then metrics and units in rule-set order) and lossless (cJSON prints a double that does not
 * round-trip in 15 digits with 17). {"values": [[unit, period, metric, value, n|null], …],
 * "scores": [[unit, period, indicator, points, reason, id], …],
 * "adjustments": [[unit, period, indicator, change, reason, id], …]}; the last two only when
 * there are any, so inputs frozen before them print as they always did. Authenticity flags are
 * not stored: the evaluation derives them from the values, so frozen values reproduce them. */
struct cJSON *pg_dataset_to_json(const pg_dataset *ds);
/* Loads what pg_dataset_to_json wrote into an empty dataset. Returns 0, or -EINVAL with a
 * diagnostic naming `what` and the entry (an id the rule set does not know, a bad shape);
 * the dataset is then partly filled and only fit to be freed. */
int pg_dataset_from_json(pg_dataset *ds, const struct cJSON *json, const char *what, pg_diags *d);

#endif
