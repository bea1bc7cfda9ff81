/* weights.h — what changed in the points and weights between two generations of a rule set.
 *
 * A swap logs each change as a line ("mon_guide [dept]: 7 -> 9") and records it in the audit
 * log with its before and after, so that every weight the leadership office adjusts mid-year
 * is on record with who adjusted it. */
#ifndef PG_WEIGHTS_H
#define PG_WEIGHTS_H

#include "rules.h"

typedef struct {
    char *id;             /* the indicator, or "scheme <id>" for a part's weight */
    char *group;          /* the group (points) or the scheme's part (weight); NULL: the node */
    int scheme;           /* 1: a scheme part's weight, 0: an indicator's points */
    int presence;         /* +1: the indicator was added, -1: removed, 0: its points changed */
    double before, after; /* NAN: absent (a group the indicator does not apply to) */
} pg_weight_change;

/* The changes from `old` to `cur`, in rule-set order. Returns the number; *out is malloc'd
 * (free with pg_weight_changes_free). */
int pg_weight_changes(const pg_ruleset *old, const pg_ruleset *cur, pg_weight_change **out);
void pg_weight_changes_free(pg_weight_change *v, int n);
/* "online [dept]: 60 -> 45", "scheme monthly part monitoring: weight 0.8 -> 0.7",
 * "py_new: added". malloc'd. */
char *pg_weight_change_text(const pg_weight_change *c);

#endif
