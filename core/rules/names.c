/* names.c — the words a rule author writes for a method, a missing-data policy and a
 * thin-evidence policy (below = ...), in enum
 * order: what the loader accepts and what every document, trace and check prints. */
#include "rules.h"

const char *pg_missing_name(pg_missing m)
{
    static const char *const names[] = {"zero", "not_applicable", "carry_forward", "no_business",
                                        "not_submitted"};
    return names[m];
}

const char *pg_method_name(pg_method_kind k)
{
    static const char *const names[] = {"none", "linear", "steps",  "target", "best_ratio",
                                        "rank", "minmax", "zscore", "deduct", "per_event",
                                        "flag", "value",  "custom"};
    return names[k];
}

const char *pg_below_name(pg_below b)
{
    static const char *const names[] = {"none", "not_applicable", "group_median"};
    return names[b];
}
