/* bulletin_figures.c — what every renderer of a bulletin's model reads the same way: a figure
 * rounded as the rule set rounds (pg_bl_round), and the units of a ranked = false group in the
 * order their 不参与排名 table lists them (pg_bl_observers). Plain functions of the model, so
 * the HTML, CSV, JSON, the 总体情况 and the 问题清单 cannot print one number two ways. */
#include "report.h"
#include "base.h"

#include <math.h>
#include <string.h>

double pg_bl_round(const pg_bulletin *b, double v, int digits)
{
    pg_round_mode m = b->rounding_mode == PG_ROUND_HALF_EVEN  ? PG_ROUND_HALF_EVEN
                      : b->rounding_mode == PG_ROUND_TRUNCATE ? PG_ROUND_TRUNCATE
                                                              : PG_ROUND_HALF_AWAY;
    return pg_round_as(v, digits, m);
}

int pg_bl_observers(const pg_bulletin *b, int g, int *units)
{
    const pg_bl_group *gr = &b->groups[g];
    int n = 0;
    for (int i = 0; i < gr->nunranked; i++) {
        int u = gr->unranked[i].unit;
        if (strcmp(gr->unranked[i].reason, "not_ranked") != 0 || !isfinite(b->units[u].total))
            continue;
        /* insertion: few units, and equal totals keep the units' order */
        int at = n++;
        for (; at > 0 && b->units[units[at - 1]].total < b->units[u].total; at--)
            units[at] = units[at - 1];
        units[at] = u;
    }
    return n;
}
