/* authenticity.c — comparing self-reported values with the system's, period by period (see
 * score.h). The checks are few (one per reported metric), so a unit's flags for a year
 * are thirteen cell reads per check. */
#include "score.h"
#include "base.h"

#include <math.h>
#include <stdlib.h>

int pg_auth_exceeds(double reported, double measured, double tolerance)
{
    if (isnan(reported) || isnan(measured)) return 0;
    /* a few units in the last place: 110 reported against 100 measured at 10 % is not over */
    double limit = measured + tolerance * fabs(measured);
    return reported - limit > 1e-9 * fmax(1, fabs(limit));
}

int pg_auth_is_into(const pg_ruleset *rs, int m)
{
    for (int k = 0; k < rs->nmetrics; k++)
        if (rs->metrics[k].auth_measured >= 0 && rs->metrics[k].auth_into == m) return 1;
    return 0;
}

static int check_one(const pg_ruleset *rs, const pg_dataset *ds, int k, int period, int u,
                     pg_auth_flag **flags, int *n)
{
    const pg_metric *m = &rs->metrics[k];
    double rep, mea, rn, mn;
    if (!pg_dataset_get(ds, period, k, u, &rep, &rn) ||
        !pg_dataset_get(ds, period, m->auth_measured, u, &mea, &mn))
        return 0;
    if (!pg_auth_exceeds(rep, mea, m->auth_tolerance)) return 0;
    *flags = pg_xrealloc(*flags, sizeof(pg_auth_flag) * (size_t)(*n + 1));
    (*flags)[(*n)++] = (pg_auth_flag){u, k, period, rep, mea};
    return 1;
}

int pg_auth_flags(const pg_ruleset *rs, const pg_dataset *ds, int period, int u, int into,
                  pg_auth_flag **flags, int *n)
{
    int added = 0;
    for (int k = 0; k < rs->nmetrics; k++) {
        const pg_metric *m = &rs->metrics[k];
        if (m->auth_measured < 0 || (into >= 0 && m->auth_into != into)) continue;
        if (!pg_period_is_year(period)) {
            added += check_one(rs, ds, k, period, u, flags, n);
            continue;
        }
        int y = pg_period_year(period) * 100;
        for (int month = 1; month <= 12; month++)
            added += check_one(rs, ds, k, y + month, u, flags, n);
        added += check_one(rs, ds, k, y, u, flags, n);
    }
    return added;
}
